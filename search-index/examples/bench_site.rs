//! Makes the sites that `scripts/bench-search` measures, until `gca build`
//! can build them: plain HTML pages (for Pagefind) and the search export
//! (from the same text, as `PageRecord`s) in `<out>/public/`.
//!
//!     cargo run --release -p search-index --example bench_site -- generate 10000 <out>
//!     cargo run --release -p search-index --example bench_site -- markdown <dir> <out>
//!     cargo run --release -p search-index --example bench_site -- live 10000 [edits]
//!
//! `live` times what `gca serve` does to its search index after an edit:
//! `LiveIndex::replace` of one page (a new title and a sentence more), then
//! the export, encoding again only what changed; it prints the wall and
//! CPU time of each edit.
//!
//! Prints one line of JSON: pages, search build time, files and bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::Instant;

use search_index::{PageRecord, SearchConfig, SectionRecord};

// The allocator the `gca` binary builds with, so that the search build is
// timed as `gca build` runs it (the system allocator made it a tenth
// slower).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("generate") if args.len() >= 3 => match args[1].parse::<usize>() {
            Ok(n) => run(generated(n), Path::new(&args[2]), &args[3..]),
            Err(e) => Err(format!("page count {:?}: {e}", args[1])),
        },
        Some("live") if args.len() >= 2 => match args[1].parse::<usize>() {
            Ok(n) => live(generated(n), args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10)),
            Err(e) => Err(format!("page count {:?}: {e}", args[1])),
        },
        Some("markdown") if args.len() >= 3 => {
            markdown_dir(Path::new(&args[1])).and_then(|p| run(p, Path::new(&args[2]), &args[3..]))
        }
        _ => Err("usage: bench_site generate N OUT [shard_bytes doc_chunk_pages top_pages records_percent table_bytes record_pages] | markdown DIR OUT [...] | live N [edits]".into()),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// CPU time of this process so far (user and system), from /proc.
fn cpu_seconds() -> f64 {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here; the
    // clock ticks 100 times a second on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

fn live(mut pages: Vec<PageRecord>, edits: usize) -> Result<(), String> {
    let config = SearchConfig::default();
    let (t, c) = (Instant::now(), cpu_seconds());
    let mut index = search_index::LiveIndex::new(&pages, &config);
    let files = index.export().map_err(|e| e.to_string())?;
    println!(
        "{{\"pages\": {}, \"files\": {}, \"first_ms\": {}, \"first_cpu_ms\": {}}}",
        pages.len(),
        files.len(),
        t.elapsed().as_millis(),
        ((cpu_seconds() - c) * 1000.0).round()
    );
    for k in 0..edits {
        let i = (k * 7919) % pages.len();
        let page = &mut pages[i];
        page.title = format!("{} revised {k}", page.title);
        if let Some(s) = page.sections.last_mut() {
            s.text.push_str(" A sentence added while editing the page.");
        }
        let changed = [page.clone()];
        let (t, c) = (Instant::now(), cpu_seconds());
        if !index.replace(&changed) {
            return Err("the page was refused".into());
        }
        let files = index.export().map_err(|e| e.to_string())?;
        println!(
            "{{\"edit\": {k}, \"files\": {}, \"ms\": {:.1}, \"cpu_ms\": {}}}",
            files.len(),
            t.elapsed().as_secs_f64() * 1000.0,
            ((cpu_seconds() - c) * 1000.0).round()
        );
    }
    Ok(())
}

fn run(pages: Vec<PageRecord>, out: &Path, tuning: &[String]) -> Result<(), String> {
    let public = out.join("public");
    if public.exists() {
        fs::remove_dir_all(&public).map_err(|e| e.to_string())?;
    }
    for page in &pages {
        let dir = public.join(&page.url);
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        fs::write(dir.join("index.html"), html(page)).map_err(|e| e.to_string())?;
    }
    let mut config = SearchConfig::default();
    if let Some(v) = tuning.first().and_then(|s| s.parse().ok()) {
        config.shard_bytes = v;
    }
    if let Some(v) = tuning.get(1).and_then(|s| s.parse().ok()) {
        config.doc_chunk_pages = v;
    }
    if let Some(v) = tuning.get(2).and_then(|s| s.parse().ok()) {
        config.top_pages = v;
    }
    if let Some(v) = tuning.get(3).and_then(|s| s.parse().ok()) {
        config.records_percent = v;
    }
    if let Some(v) = tuning.get(4).and_then(|s| s.parse().ok()) {
        config.table_bytes = v;
    }
    if let Some(v) = tuning.get(5).and_then(|s| s.parse().ok()) {
        config.record_pages = v;
    }
    let cache = out.join("cache");
    if cache.exists() {
        fs::remove_dir_all(&cache).map_err(|e| e.to_string())?;
    }
    let started = Instant::now();
    let files = search_index::build(&cache, &pages, &config).map_err(|e| e.to_string())?;
    let ms = started.elapsed().as_millis();
    let mut bytes = 0;
    for f in &files {
        let path = public.join("search").join(&f.path);
        fs::create_dir_all(path.parent().ok_or("bad path")?).map_err(|e| e.to_string())?;
        fs::write(&path, &f.bytes).map_err(|e| e.to_string())?;
        bytes += f.bytes.len();
    }
    println!(
        "{{\"pages\":{},\"search_build_ms\":{ms},\"files\":{},\"bytes\":{bytes}}}",
        pages.len(),
        files.len()
    );
    Ok(())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(page: &PageRecord) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <meta name=\"description\" content=\"{}\"></head><body><main data-pagefind-body>\
         <h1>{}</h1><p>{}</p>",
        escape(&page.lang),
        escape(&page.title),
        escape(&page.description),
        escape(&page.title),
        escape(&page.description)
    );
    for (taxonomy, values) in &page.taxonomies {
        for v in values {
            let _ = write!(
                h,
                "<p data-pagefind-ignore>{}: <span data-pagefind-filter=\"{}\">{}</span></p>",
                escape(taxonomy),
                escape(taxonomy),
                escape(v)
            );
        }
    }
    for s in &page.sections {
        if let Some(anchor) = &s.anchor {
            let level = s.level.clamp(2, 6);
            let _ = write!(
                h,
                "<h{level} id=\"{}\">{}</h{level}>",
                escape(anchor),
                escape(&s.heading)
            );
        }
        for para in s.text.split("\n\n") {
            let _ = write!(h, "<p>{}</p>", escape(para));
        }
        if !s.code.is_empty() {
            let _ = write!(h, "<pre><code>{}</code></pre>", escape(&s.code));
        }
    }
    h.push_str("</main></body></html>\n");
    h
}

/// A deterministic pseudo-random sequence.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SECURITY: &str = "security secure password passwords hashing hash salt pepper argon2 bcrypt \
    injection sql query queries parameterized input validation output encoding cross site scripting \
    xss csrf request forgery session sessions cookie cookies token tokens authentication authorization \
    access control privilege least role roles incident response plan team teams national cirt csirt \
    ransomware malware phishing email spam fraud scam firewall network networks traffic monitoring \
    logging logs audit auditing threat threats modeling model risk risks assessment vulnerability \
    vulnerabilities disclosure patch patches update updates encryption key keys certificate \
    certificates tls transport layer cryptography cipher algorithm algorithms denial service attack \
    attacks attacker attackers supply chain dependency dependencies zero trust identity identities \
    legislation law laws cybercrime convention cooperation international capacity building training \
    awareness education skills strategy strategies policy policies governance standard standards \
    framework frameworks critical infrastructure protection child online privacy data personal \
    backup backups recovery continuity resilience cloud mobile device devices application \
    applications web server servers browser api apis secret secrets management configuration \
    hardening operating system systems user users administrator administrators";

const COMMON: &str = "the of and to in a is that for it as was with be by on not he this are or his \
    from at which but have an they you were her she there been one all we their has would when if \
    so no will can more other what about up out who into them than then some could only these two \
    may first any new like use used also should must each how between over such through most after \
    well where while both before many those however under three same different because without \
    within against during several often example including provide provides ensure ensures";

/// Pseudo-words with English-like letter patterns, so the vocabulary is as
/// large as a real site's.
fn pseudo_words(n: usize, rng: &mut Rng) -> Vec<String> {
    let onsets = [
        "b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "v", "w", "st", "tr",
        "pr", "cl", "gr", "sh", "ch", "th",
    ];
    let vowels = ["a", "e", "i", "o", "u", "ea", "io", "ou", "ai"];
    let codas = [
        "", "n", "r", "s", "t", "l", "nd", "st", "ng", "m", "ct", "rt",
    ];
    let suffixes = [
        "", "", "", "s", "ed", "ing", "tion", "ment", "ity", "al", "er", "ly",
    ];
    let mut out = Vec::with_capacity(n);
    let mut seen = std::collections::HashSet::new();
    while out.len() < n {
        let syllables = 1 + rng.below(3);
        let mut w = String::new();
        for _ in 0..syllables {
            w.push_str(onsets[rng.below(onsets.len())]);
            w.push_str(vowels[rng.below(vowels.len())]);
            w.push_str(codas[rng.below(codas.len())]);
        }
        w.push_str(suffixes[rng.below(suffixes.len())]);
        if seen.insert(w.clone()) {
            out.push(w);
        }
    }
    out
}

/// A 10,000-page site: a Zipf-distributed vocabulary of common English,
/// security terms and pseudo-words; pages of one to eight sections.
fn generated(n: usize) -> Vec<PageRecord> {
    let mut rng = Rng(2026);
    let common: Vec<String> = COMMON.split_whitespace().map(String::from).collect();
    let security: Vec<String> = SECURITY.split_whitespace().map(String::from).collect();
    let rare = pseudo_words(40_000, &mut rng);
    // Zipf sampling over `rare` through a precomputed cumulative table.
    let weights: Vec<f64> = (1..=rare.len()).map(|r| 1.0 / r as f64).collect();
    let total: f64 = weights.iter().sum();
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for w in &weights {
        acc += w / total;
        cumulative.push(acc);
    }
    let word = |rng: &mut Rng| -> String {
        match rng.below(10) {
            0..=3 => common[rng.below(common.len())].clone(),
            4..=5 => security[rng.below(security.len())].clone(),
            _ => {
                let x = rng.next() as f64 / (1u64 << 31) as f64;
                let at = cumulative.partition_point(|c| *c < x).min(rare.len() - 1);
                rare[at].clone()
            }
        }
    };
    let sentence = |rng: &mut Rng, min: usize, spread: usize| -> String {
        let len = min + rng.below(spread);
        let mut s: Vec<String> = (0..len).map(|_| word(rng)).collect();
        if let Some(first) = s.first_mut() {
            let mut c = first.chars();
            if let Some(f) = c.next() {
                *first = f.to_uppercase().chain(c).collect();
            }
        }
        s.join(" ") + "."
    };
    let areas = [
        "Legal Measures",
        "Technical and Procedural Measures",
        "Organizational Structures",
        "Capacity Building",
        "International Cooperation",
    ];
    let regions = [
        "Africa",
        "Americas",
        "Arab States",
        "Asia-Pacific",
        "Europe",
        "CIS",
        "Global",
    ];
    let types = ["guide", "report", "case-study", "news", "event", "toolkit"];
    let stakeholders = [
        "Governments",
        "Industry",
        "Civil society",
        "Academia",
        "Citizens",
    ];
    (0..n)
        .map(|i| {
            let title = sentence(&mut rng, 3, 5).trim_end_matches('.').to_string();
            let description = sentence(&mut rng, 15, 15);
            let mut sections = vec![SectionRecord {
                anchor: None,
                heading: String::new(),
                level: 0,
                text: (0..2)
                    .map(|_| sentence(&mut rng, 10, 20))
                    .collect::<Vec<_>>()
                    .join(" "),
                code: String::new(),
            }];
            let count = 1 + rng.below(8);
            let mut used = std::collections::HashSet::new();
            for _ in 0..count {
                let heading = sentence(&mut rng, 2, 4).trim_end_matches('.').to_string();
                let paragraphs = 1 + rng.below(3);
                let text = (0..paragraphs)
                    .map(|_| {
                        (0..3 + rng.below(4))
                            .map(|_| sentence(&mut rng, 8, 16))
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect::<Vec<_>>()
                    .join("\n\n");
                let code = if rng.below(6) == 0 {
                    sentence(&mut rng, 12, 1)
                } else {
                    String::new()
                };
                // Anchors as gca makes them: the heading's slug, made
                // unique on the page.
                let base = slug(&heading);
                let mut anchor = base.clone();
                let mut k = 1;
                while !used.insert(anchor.clone()) {
                    anchor = format!("{base}-{k}");
                    k += 1;
                }
                sections.push(SectionRecord {
                    anchor: Some(anchor),
                    heading,
                    level: 2,
                    text,
                    code,
                });
            }
            let mut taxonomies = BTreeMap::new();
            taxonomies.insert(
                "work_areas".to_string(),
                vec![areas[rng.below(areas.len())].to_string()],
            );
            taxonomies.insert(
                "regions".to_string(),
                vec![regions[rng.below(regions.len())].to_string()],
            );
            taxonomies.insert(
                "types".to_string(),
                vec![types[rng.below(types.len())].to_string()],
            );
            taxonomies.insert(
                "stakeholders".to_string(),
                vec![stakeholders[rng.below(stakeholders.len())].to_string()],
            );
            PageRecord {
                url: format!("library/{:02}/page-{i:05}/", i % 50),
                title,
                description,
                lang: "en".to_string(),
                date: None,
                taxonomies,
                sections,
            }
        })
        .collect()
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if (c == ' ' || c == '-' || c == '_') && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Markdown to plain text, roughly: links keep their text, markup goes.
fn plain(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let mut in_tag = false;
    while let Some(c) = chars.next() {
        match c {
            '<' if chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '/' || *n == '!') =>
            {
                in_tag = true
            }
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            ']' if chars.peek() == Some(&'(') => {
                for n in chars.by_ref() {
                    if n == ')' {
                        break;
                    }
                }
            }
            '[' | '*' | '`' | '|' | '!' => out.push(' '),
            '_' if out.ends_with(' ') || out.is_empty() => {}
            _ => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn markdown_dir(dir: &Path) -> Result<Vec<PageRecord>, String> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "md")
                && !p.ends_with("LICENSE.md")
                && !p.ends_with("README.md")
        })
        .collect();
    entries.sort();
    let mut pages = Vec::new();
    for path in entries {
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("page");
        let mut title = String::new();
        let mut sections = vec![SectionRecord {
            anchor: None,
            heading: String::new(),
            level: 0,
            text: String::new(),
            code: String::new(),
        }];
        let mut used = std::collections::HashSet::new();
        let mut in_code = false;
        for line in text.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("```") {
                in_code = !in_code;
                continue;
            }
            let current = sections.last_mut().expect("one section");
            if in_code {
                current.code.push_str(line);
                current.code.push('\n');
                continue;
            }
            let level = trimmed.chars().take_while(|c| *c == '#').count();
            if level > 0 && trimmed[level..].starts_with(' ') {
                let heading = plain(trimmed[level..].trim());
                if level == 1 && title.is_empty() {
                    title = heading;
                    continue;
                }
                let mut anchor = slug(&heading);
                let base = anchor.clone();
                let mut k = 1;
                while !used.insert(anchor.clone()) {
                    anchor = format!("{base}-{k}");
                    k += 1;
                }
                sections.push(SectionRecord {
                    anchor: Some(anchor),
                    heading,
                    level: level as u8,
                    text: String::new(),
                    code: String::new(),
                });
                continue;
            }
            let p = plain(trimmed);
            if p.is_empty() {
                if !current.text.is_empty() && !current.text.ends_with("\n\n") {
                    current.text.push_str("\n\n");
                }
            } else {
                if !current.text.is_empty() && !current.text.ends_with("\n\n") {
                    current.text.push(' ');
                }
                current.text.push_str(&p);
            }
        }
        for s in &mut sections {
            s.text = s.text.trim().to_string();
        }
        if title.is_empty() {
            title = stem.replace('_', " ");
        }
        pages.push(PageRecord {
            url: format!("cheatsheets/{}/", slug(stem)),
            title,
            description: String::new(),
            lang: "en".to_string(),
            date: None,
            taxonomies: BTreeMap::new(),
            sections,
        });
    }
    Ok(pages)
}
