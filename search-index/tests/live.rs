//! The index `gca serve` keeps in memory exports byte for byte what a build
//! derives from tantivy, before and after any page is edited.

mod common;

use common::{Lcg, VOCABULARY, generated_pages};
use search_index::{ExportFile, LiveIndex, PageRecord, SearchConfig};

fn built(pages: &[PageRecord], config: &SearchConfig) -> Vec<ExportFile> {
    let dir = tempfile::tempdir().unwrap();
    search_index::build(dir.path(), pages, config).unwrap()
}

fn assert_same(live: &[ExportFile], built: &[ExportFile], what: &str) {
    let paths = |f: &[ExportFile]| f.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(live), paths(built), "{what}: file names");
    for (a, b) in live.iter().zip(built) {
        assert!(
            a.bytes == b.bytes,
            "{what}: {} differs:\nlive:  {}\nbuilt: {}",
            a.path,
            String::from_utf8_lossy(&a.bytes[a.bytes.len().saturating_sub(600)..]),
            String::from_utf8_lossy(&b.bytes[b.bytes.len().saturating_sub(600)..]),
        );
    }
}

fn configs() -> Vec<SearchConfig> {
    let mut all = vec![common::config(), SearchConfig::default()];
    all.extend(common::other_configs());
    all
}

#[test]
fn a_new_live_index_exports_what_a_build_does() {
    for (i, config) in configs().into_iter().enumerate() {
        let pages = common::pages();
        let mut live = LiveIndex::new(&pages, &config);
        assert_same(
            &live.export().unwrap(),
            &built(&pages, &config),
            &format!("fixture, config {i}"),
        );
    }
    let mut rng = Lcg(11);
    let pages = generated_pages(120, &mut rng);
    let config = common::config();
    let mut live = LiveIndex::new(&pages, &config);
    assert_same(
        &live.export().unwrap(),
        &built(&pages, &config),
        "generated",
    );
}

/// A page changed the way an author changes one: words replaced, added or
/// removed (new words among them), a title or description rewritten, a
/// heading renamed, taxonomy values moved.
fn edit(page: &mut PageRecord, rng: &mut Lcg, step: usize) {
    let word = |rng: &mut Lcg| -> String {
        if rng.next().is_multiple_of(4) {
            format!("neologism{}x{}", step, rng.next() % 50)
        } else {
            rng.pick(VOCABULARY).to_string()
        }
    };
    match rng.next() % 6 {
        0 => page.title = format!("{} {}", word(rng), word(rng)),
        1 => {
            page.description = (0..rng.next() % 12)
                .map(|_| word(rng))
                .collect::<Vec<_>>()
                .join(" ")
        }
        2 => {
            let n = page.sections.len() as u64;
            let s = &mut page.sections[(rng.next() % n) as usize];
            let extra: Vec<String> = (0..1 + rng.next() % 40).map(|_| word(rng)).collect();
            s.text = format!("{} {}", s.text, extra.join(" "));
        }
        3 => {
            let n = page.sections.len() as u64;
            let s = &mut page.sections[(rng.next() % n) as usize];
            let keep = s.text.split_whitespace().count() / 2;
            s.text = s
                .text
                .split_whitespace()
                .take(keep)
                .collect::<Vec<_>>()
                .join(" ");
        }
        4 => {
            if let Some(s) = page.sections.iter_mut().find(|s| s.anchor.is_some()) {
                s.heading = format!("{} {}", word(rng), word(rng));
                s.code = (0..rng.next() % 6)
                    .map(|_| word(rng))
                    .collect::<Vec<_>>()
                    .join(" ");
            }
        }
        _ => {
            let areas = [
                "Legal Measures",
                "Capacity Building",
                "Organizational Structures",
            ];
            page.taxonomies.insert(
                "work_areas".to_string(),
                vec![areas[(rng.next() % 3) as usize].to_string()],
            );
        }
    }
}

#[test]
fn edited_pages_export_what_a_build_of_them_does() {
    for (c, config) in [
        common::config(),
        common::records_everywhere(),
        SearchConfig::default(),
    ]
    .into_iter()
    .enumerate()
    {
        let mut rng = Lcg(100 + c as u64);
        let mut pages = generated_pages(80, &mut rng);
        let mut live = LiveIndex::new(&pages, &config);
        live.export().unwrap();
        for step in 0..12 {
            let mut changed = Vec::new();
            for _ in 0..1 + rng.next() % 3 {
                let i = (rng.next() % pages.len() as u64) as usize;
                edit(&mut pages[i], &mut rng, step);
                changed.push(pages[i].clone());
            }
            assert!(live.replace(&changed));
            if step % 3 == 1 {
                // Edits can come in several batches between two exports.
                continue;
            }
            assert_same(
                &live.export().unwrap(),
                &built(&pages, &config),
                &format!("config {c}, step {step}"),
            );
        }
    }
}

#[test]
fn pages_that_come_or_go_are_refused() {
    let pages = common::pages();
    let config = common::config();
    let mut live = LiveIndex::new(&pages, &config);
    let before = live.export().unwrap();
    let mut new = pages[0].clone();
    new.url = "somewhere/new/".to_string();
    let mut known = pages[1].clone();
    known.title = "Changed".to_string();
    assert!(!live.replace(&[known, new]));
    // Nothing changed.
    assert_eq!(live.export().unwrap(), before);
}

/// 150 generated pages (from `seed`) in shards of about 200 bytes, many
/// shards for few pages, and their live index.
fn small_shards(seed: u64) -> (Vec<PageRecord>, SearchConfig, LiveIndex) {
    let pages = generated_pages(150, &mut Lcg(seed));
    let config = SearchConfig {
        shard_bytes: 200,
        ..SearchConfig::default()
    };
    let live = LiveIndex::new(&pages, &config);
    (pages, config, live)
}

/// After an edit that brings in a word and drops others, only the key
/// shards holding their keys are encoded again: every other key shard is
/// the very same bytes (shared, not copied).
#[test]
fn an_edit_encodes_again_only_the_key_shards_it_touches() {
    let (mut pages, config, mut live) = small_shards(5);
    let keys = |files: &[ExportFile]| -> Vec<ExportFile> {
        files
            .iter()
            .filter(|f| f.path.starts_with("en/k-"))
            .cloned()
            .collect()
    };
    let before = keys(&live.export().unwrap());
    assert!(before.len() > 20, "{} key shards", before.len());
    // A new word, and a page's last section cut to one word.
    pages[3].sections[1].text.push_str(" zyxwvutsrq");
    let last = pages[3].sections.len() - 1;
    pages[3].sections[last].text = "ransomware".to_string();
    assert!(live.replace(&[pages[3].clone()]));
    let files = live.export().unwrap();
    assert_same(&files, &built(&pages, &config), "after the edit");
    let after = keys(&files);
    let mut fresh = 0;
    for f in &after {
        match before.iter().find(|b| b.bytes == f.bytes) {
            Some(old) => assert!(
                std::sync::Arc::ptr_eq(&old.bytes, &f.bytes),
                "{} was encoded again unchanged",
                f.path
            ),
            None => fresh += 1,
        }
    }
    assert!(fresh >= 1, "the new word's keys are somewhere");
    assert!(
        fresh * 4 < after.len(),
        "{fresh} of {} key shards changed",
        after.len()
    );
    // The word leaves again: its keys go.
    let text = pages[3].sections[1].text.replace(" zyxwvutsrq", "");
    pages[3].sections[1].text = text;
    assert!(live.replace(&[pages[3].clone()]));
    let files = live.export().unwrap();
    assert_same(&files, &built(&pages, &config), "after the word left");
    let again = keys(&files);
    let fresh = again
        .iter()
        .filter(|f| {
            !after
                .iter()
                .any(|b| std::sync::Arc::ptr_eq(&b.bytes, &f.bytes))
        })
        .count();
    assert!(
        fresh >= 1 && fresh * 4 < again.len(),
        "{fresh} of {} key shards changed",
        again.len()
    );
    let has_key = |files: &[ExportFile], key: &str| {
        files.iter().any(|f| {
            search_index::shards::KeyShard::parse(&f.bytes)
                .unwrap()
                .lookup(key)
                .is_some()
        })
    };
    // (Its key without the second letter is exported only when the words
    // in z span two term shards.)
    for key in ["zyxwvutsrq", "yxwvutsrq"] {
        assert!(has_key(&after, key), "{key} came");
        assert!(!has_key(&again, key), "{key} went");
    }
}

/// An edit encodes again only the term shards whose bytes change: the
/// shards of the edited page's words whose postings, top pages, headings
/// and positions stayed as they were are the very same bytes (shared, not
/// copied), even though those words' stems were touched.
#[test]
fn an_edit_encodes_again_only_the_term_shards_that_change() {
    let (mut pages, config, mut live) = small_shards(9);
    // Each term shard with its positions (encoded together), by number.
    type Pair = (std::sync::Arc<[u8]>, std::sync::Arc<[u8]>);
    let shards = |files: &[ExportFile]| -> Vec<Pair> {
        let of = |kind: &str| -> Vec<std::sync::Arc<[u8]>> {
            let mut list: Vec<(usize, std::sync::Arc<[u8]>)> = files
                .iter()
                .filter(|f| f.path.starts_with(&format!("en/{kind}-")))
                .map(|f| {
                    let n = f.path.rsplit('-').next().unwrap();
                    (n.trim_end_matches(".js").parse().unwrap(), f.bytes.clone())
                })
                .collect();
            list.sort_by_key(|(n, _)| *n);
            list.into_iter().map(|(_, b)| b).collect()
        };
        of("t").into_iter().zip(of("p")).collect()
    };
    let mut before = shards(&live.export().unwrap());
    assert!(before.len() > 20, "{} term shards", before.len());
    for step in 0..6 {
        // A new word at the end of the page, and later one more of a word
        // it already has: the page's other words keep their scores unless
        // its length crosses a step of the field norms.
        let last = pages[7].sections.len() - 1;
        let word = if step % 2 == 0 {
            " qwzxkv"
        } else {
            " ransomware"
        };
        pages[7].sections[last].text.push_str(word);
        assert!(live.replace(&[pages[7].clone()]));
        let files = live.export().unwrap();
        assert_same(
            &files,
            &built(&pages, &config),
            &format!("after edit {step}"),
        );
        let after = shards(&files);
        let mut fresh = 0;
        let mut kept = 0;
        for (n, (t, p)) in after.iter().enumerate() {
            let shared = before.iter().any(|(bt, _)| std::sync::Arc::ptr_eq(bt, t));
            let same = before.iter().any(|(bt, bp)| bt == t && bp == p);
            match (same, shared) {
                (true, false) => panic!("shard {n} was encoded again unchanged (edit {step})"),
                (true, true) => kept += 1,
                _ => fresh += 1,
            }
        }
        assert!(fresh >= 1, "the edited words' shards changed (edit {step})");
        assert!(kept > fresh, "{fresh} changed, {kept} kept (edit {step})");
        before = after;
    }
}

/// An edited page renames only the document-table chunks of its group: a
/// reader's cached chunks of the rest of the site stay valid.
#[test]
fn an_edit_renames_only_its_group_of_document_chunks() {
    let mut rng = Lcg(5);
    let mut pages = generated_pages(600, &mut rng);
    let config = SearchConfig {
        doc_chunk_pages: 4,
        table_bytes: 0,
        ..SearchConfig::default()
    };
    let chunks = |files: &[ExportFile]| -> std::collections::BTreeMap<usize, (String, Vec<u8>)> {
        files
            .iter()
            .filter(|f| f.path.starts_with("en/d-"))
            .map(|f| {
                let n: usize = f
                    .path
                    .rsplit('-')
                    .next()
                    .unwrap()
                    .trim_end_matches(".js")
                    .parse()
                    .unwrap();
                (n, (f.path.clone(), f.bytes.to_vec()))
            })
            .collect()
    };
    let before = chunks(&built(&pages, &config));
    assert_eq!(before.len(), 150, "600 pages in chunks of 4");
    // Page 300 is in chunk 75, of the second group (chunks 64 to 127).
    pages[300].title = "A retitled page".into();
    let after = chunks(&built(&pages, &config));
    assert_eq!(before.len(), after.len());
    for (n, (path, bytes)) in &before {
        let (new_path, new_bytes) = &after[n];
        if (64..128).contains(n) {
            assert_ne!(path, new_path, "chunk {n} is in the edited group");
        } else {
            assert_eq!(path, new_path, "chunk {n} is outside the edited group");
        }
        assert_eq!(bytes == new_bytes, *n != 75, "only chunk 75 holds the page");
    }
    // The reader finds the page in its renamed chunk.
    let dir = tempfile::tempdir().unwrap();
    let files = search_index::build(dir.path(), &pages, &config).unwrap();
    let meta = files.iter().find(|f| f.path == "en/meta.js").unwrap();
    let meta = search_index::shards::Meta::parse(&meta.bytes).unwrap();
    assert_eq!(meta.doc_chunk_path(300).unwrap(), after[&75].0);
}
