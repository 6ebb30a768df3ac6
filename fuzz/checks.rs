//! What the fuzz targets run and check. Shared, through `#[path]`, by the
//! targets in `fuzz_targets/` and by `tests/fuzz_regressions.rs`, which
//! replays the inputs the fuzzers found.

use std::collections::BTreeMap;
use std::path::Path;

use gca::config::{Config, MarkdownConfig};
use gca::content::decode_text;
use gca::content::frontmatter::{self, Date, PageFrontMatter, SectionFrontMatter};
use gca::error::Diagnostic;
use gca::markdown::{self, Resolver, shortcodes::Args};

/// Asserts that a diagnostic points inside the file (of `lines` lines).
fn assert_located(d: &Diagnostic, lines: usize) {
    if let Some(l) = d.line {
        assert!(
            l >= 1 && l <= lines,
            "line {l} outside a file of {lines} lines: {d}"
        );
    }
}

fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

/// Front matter, page and section fields, dates, and the same bytes as a
/// config.toml: never a panic, and errors point into the file.
pub fn front_matter(data: &[u8]) {
    let path = Path::new("content/fuzz.md");
    let text = match decode_text(data, path) {
        Ok(t) => t,
        Err(d) => {
            assert!(d.line.is_some(), "{d}");
            return;
        }
    };
    let lines = line_count(&text);
    let _ = Date::parse(text.lines().next().unwrap_or(""));
    if let Err(ds) = Config::parse(&text, Path::new("config.toml")) {
        for d in &ds {
            assert_located(d, lines);
        }
    }
    let split = match frontmatter::split(&text, path) {
        Ok(s) => s,
        Err(d) => {
            assert_located(&d, lines);
            return;
        }
    };
    assert!(split.body_line >= 1 && split.body_line <= lines + 1);
    if let Err(d) = frontmatter::parse::<PageFrontMatter>(&split, path) {
        assert_located(&d, lines);
    }
    if let Err(d) = frontmatter::parse::<SectionFrontMatter>(&split, path) {
        assert_located(&d, lines);
    }
}

/// A site for the Markdown target: some links resolve, shortcodes render
/// their body (one name fails).
pub struct FuzzSite;

impl Resolver for FuzzSite {
    fn resolve_link(&self, target: &str, _lang: &str) -> Result<(String, usize), String> {
        if target.len().is_multiple_of(2) {
            Ok(("/page/".into(), 0))
        } else {
            Err("no such page".into())
        }
    }

    fn render_shortcode(
        &self,
        name: &str,
        args: &Args,
        body_html: Option<&str>,
    ) -> Result<String, String> {
        if name == "fail" {
            return Err("this shortcode fails".into());
        }
        Ok(format!(
            "<div class=\"sc\" data-args=\"{}\">{}</div>",
            args.len(),
            body_html.unwrap_or("")
        ))
    }
}

/// Markdown to HTML with shortcodes, with raw HTML escaped or sanitised
/// (chosen by the first byte): never a panic, errors point into the
/// file, and no script survives.
pub fn markdown(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let path = Path::new("content/fuzz.md");
    let Ok(text) = decode_text(rest, path) else {
        return;
    };
    let config = MarkdownConfig {
        allow_raw_html: flags & 1 != 0,
        smart_punctuation: flags & 2 != 0,
        highlight_code: flags & 4 != 0,
        ..MarkdownConfig::default()
    };
    // The body starts on line 3, as after a two-line front matter.
    let lines = line_count(&text) + 2;
    match markdown::render(&text, 3, path, "en", &config, &FuzzSite) {
        Ok(r) => {
            let lower = r.html.to_ascii_lowercase();
            assert!(
                !lower.contains("<script"),
                "a script element in:\n{}",
                r.html
            );
            if let Some(url) = script_url(&r.html) {
                panic!("a script URL `{url}` in:\n{}", r.html);
            }
            for l in &r.internal_links {
                assert!(
                    l.line >= 3 && l.line <= lines,
                    "link line {} of {lines}",
                    l.line
                );
            }
        }
        Err(ds) => {
            assert!(!ds.is_empty());
            for d in &ds {
                assert_located(d, lines);
            }
        }
    }
}

/// The first `href` or `src` attribute of a tag in `html` whose value,
/// once character references are decoded (as a browser does), is a
/// `javascript:`, `vbscript:` or `data:` URL.
pub fn script_url(html: &str) -> Option<String> {
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        for attr in ["href=\"", "src=\""] {
            let mut t = tag;
            while let Some(i) = t.find(attr) {
                let value_start = i + attr.len();
                let value_end = t[value_start..]
                    .find('"')
                    .map_or(t.len(), |e| value_start + e);
                let value = decode_references(&t[value_start..value_end]);
                let cleaned: String = value
                    .chars()
                    .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if ["javascript:", "vbscript:", "data:"]
                    .iter()
                    .any(|s| cleaned.starts_with(s))
                {
                    return Some(value);
                }
                t = &t[value_end..];
            }
        }
        rest = &rest[end..];
    }
    None
}

/// Decodes numeric character references and the few named ones that can
/// spell a URL scheme.
fn decode_references(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[..e];
            if let Some(hex) = name
                .strip_prefix('#')
                .and_then(|n| n.strip_prefix(['x', 'X']))
            {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                match name {
                    "colon" => Some(':'),
                    "Tab" => Some('\t'),
                    "NewLine" => Some('\n'),
                    "amp" => Some('&'),
                    _ => None,
                }
            }
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => out.push('&'),
        }
    }
    out.push_str(rest);
    out
}

/// A small English index, built once per process in a temporary folder,
/// for the search target.
fn sample_searcher() -> &'static search_index::Searcher {
    use search_index::{PageRecord, SectionRecord};
    static SEARCHER: std::sync::OnceLock<search_index::Searcher> = std::sync::OnceLock::new();
    SEARCHER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("gca-fuzz-search-{}", std::process::id()));
        let words = [
            "national cybersecurity strategy",
            "incident response team CIRT",
            "cybercrime legislation and law enforcement",
            "capacity building and training",
            "international cooperation between countries",
            "digital identity and authentication",
            "protection of children online",
            "critical infrastructure resilience",
        ];
        let areas = [
            "Legal Measures",
            "Capacity Building",
            "International Cooperation",
        ];
        let pages: Vec<PageRecord> = words
            .iter()
            .enumerate()
            .map(|(i, w)| PageRecord {
                url: format!("p{i}/"),
                title: format!("Page {i}: {w}"),
                description: format!("About {w}."),
                lang: "en".into(),
                date: Some(format!("2008-06-{:02}", i + 1)),
                taxonomies: BTreeMap::from([(
                    "work_areas".to_string(),
                    vec![areas[i % areas.len()].to_string()],
                )]),
                sections: vec![
                    SectionRecord {
                        anchor: None,
                        heading: String::new(),
                        level: 0,
                        text: format!("{w}. {}", words[(i + 1) % words.len()]),
                        code: String::new(),
                    },
                    SectionRecord {
                        anchor: Some(format!("part-{i}")),
                        heading: format!("Why {w} matters"),
                        level: 2,
                        text: format!("The \"{w}\" of every country; {w} again."),
                        code: "fn main() {}".into(),
                    },
                ],
            })
            .collect();
        search_index::build(&dir, &pages, &search_index::SearchConfig::default())
            .expect("build the sample index");
        let searcher = search_index::Searcher::open(&dir, Some("en")).expect("open it");
        let _ = std::fs::remove_dir_all(&dir);
        searcher
    })
}

/// A query typed into `gca search` (the browser runs the same query
/// language): parsing and searching never panic, and the results are
/// consistent with what was asked.
pub fn search_query(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let _ = search_index::Query::parse(raw);
    let mut options = search_index::SearchOptions::default();
    if let Some(b) = data.first() {
        options.limit = usize::from(b % 12);
        options.offset = usize::from(b / 64);
        if b % 2 == 1 {
            options
                .filters
                .insert("work_areas".into(), vec!["Legal Measures".into()]);
        }
    }
    if let Ok(outcome) = sample_searcher().search(raw, &options) {
        assert!(outcome.results.len() <= options.limit);
        assert!(
            outcome.results.len()
                <= outcome
                    .total
                    .saturating_sub(options.offset.min(outcome.total))
        );
        assert!(outcome.total <= 8);
    }
}

/// Pages of the sample index matching `raw` (for the regression tests,
/// which check that the search target searches something).
pub fn sample_total(raw: &str) -> usize {
    sample_searcher()
        .search(raw, &search_index::SearchOptions::default())
        .map_or(0, |o| o.total)
}

/// A file of the static search export, read by `search_index::shards`:
/// the first byte picks the kind of file (and whether the rest is wrapped
/// in the data call, so that the fuzzer works on the JSON), the rest is the
/// file. Reading never panics, and what reads back holds together.
pub fn search_shards(data: &[u8]) {
    use search_index::shards::{DocChunk, FacetSets, KeyShard, Meta, Positions, Shard};
    let Some((&how, rest)) = data.split_first() else {
        return;
    };
    let wrapped;
    let bytes = if how & 8 != 0 {
        let mut w = b"__gcaSearchData(".to_vec();
        w.extend_from_slice(rest);
        w.extend_from_slice(b");\n");
        wrapped = w;
        &wrapped[..]
    } else {
        rest
    };
    match how % 8 {
        0 => {
            if let Ok(meta) = Meta::parse(bytes) {
                assert!(!meta.starts.is_empty() && meta.starts[0].is_empty());
                for word in ["", "a", "zz", "\u{10ffff}"] {
                    assert!(meta.shard_of(word) < meta.starts.len());
                }
                for (i, start) in meta.starts.iter().enumerate() {
                    assert_eq!(meta.shard_of(start), i);
                }
                assert!(!meta.key_starts.is_empty() && meta.key_starts[0].is_empty());
                for (i, start) in meta.key_starts.iter().enumerate() {
                    assert_eq!(meta.key_shard_of(start), i);
                }
                if let Some(table) = &meta.table {
                    assert_eq!(table.len(), meta.pages as usize);
                }
                let _ = meta.doc_chunk_path(meta.pages);
                let _ = meta.facet_values();
            }
        }
        1 => {
            if let Ok(shard) = Shard::parse(bytes) {
                assert_eq!(shard.words.len(), shard.terms.len());
                assert_eq!(shard.top.len(), shard.postings.len());
                for (word, term) in shard.words.iter().zip(&shard.terms) {
                    assert_eq!(shard.lookup(word), Some(*term));
                    if let Some(t) = term {
                        assert!(*t < shard.postings.len());
                    }
                }
                for list in &shard.postings {
                    assert!(list.windows(2).all(|w| w[0].page < w[1].page));
                }
                for (top, list) in shard.top.iter().zip(&shard.postings) {
                    for (page, head) in top {
                        assert!(list.iter().any(|p| p.page == *page));
                        assert!(head.is_none_or(|h| h < shard.heads.len()));
                    }
                }
            }
        }
        2 => {
            if let Ok(p) = Positions::parse(bytes) {
                assert!(p.0.iter().flatten().all(|list| !list.is_empty()));
                assert!(
                    p.0.iter()
                        .flatten()
                        .all(|l| l.windows(2).all(|w| w[0] <= w[1]))
                );
            }
        }
        3 => {
            if let Ok(chunk) = DocChunk::parse(bytes) {
                assert!(u64::from(chunk.first) + chunk.docs.len() as u64 <= u64::from(u32::MAX));
            }
        }
        4 => {
            if let Ok(sets) = FacetSets::parse(bytes) {
                for set in &sets.0 {
                    assert!(set.windows(2).all(|w| w[0] < w[1]));
                }
            }
        }
        5 => {
            if let Ok(shard) = KeyShard::parse(bytes) {
                assert!(shard.keys.windows(2).all(|w| w[0].0 < w[1].0));
                for (key, entries) in &shard.keys {
                    assert!(!entries.is_empty());
                    assert_eq!(shard.lookup(key), Some(&entries[..]));
                    assert!(entries.windows(2).all(|w| w[0].from < w[1].from));
                    for (e, word) in entries.iter().zip(shard.words(key)) {
                        let extra = usize::from(e.from.is_some());
                        assert_eq!(word.chars().count(), key.chars().count() + extra);
                        assert!((1..=search_index::keys::BUCKETS).contains(&e.bucket));
                    }
                }
            }
        }
        _ => {
            let _ = search_index::shards::payload(bytes);
            if let Ok(s) = std::str::from_utf8(rest) {
                let _ = search_index::shards::unpack(s);
            }
        }
    }
}
