//! The export is a function of the pages: same input, same bytes.

mod common;

use search_index::{ExportFile, SearchConfig};

fn paths(files: &[ExportFile]) -> Vec<&str> {
    files.iter().map(|f| f.path.as_str()).collect()
}

#[test]
fn same_pages_any_order_same_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let first = common::build(a.path());
    let mut reversed = common::pages();
    reversed.reverse();
    let second = search_index::build(b.path(), &reversed, &common::config()).unwrap();
    assert_eq!(first, second);
    // Packing the pages (as `gca build` does) changes nothing, and the
    // cache is the same one: the same input hash, so either reuses it.
    let c = tempfile::tempdir().unwrap();
    let packed = search_index::PackedRecords::from_records(&reversed);
    assert_eq!(packed.len(), reversed.len());
    let from_packed = search_index::build_packed(c.path(), packed, &common::config()).unwrap();
    assert_eq!(first, from_packed);
    for lang in ["en", "zh"] {
        let hash = |dir: &std::path::Path| {
            std::fs::read_to_string(dir.join(lang).join("input.hash")).unwrap()
        };
        assert_eq!(hash(a.path()), hash(c.path()), "{lang}");
    }
    // Reusing the cache gives the same export again.
    assert_eq!(common::build(a.path()), first);
    // Sorted, one meta per language, content-hashed names elsewhere.
    let mut sorted = paths(&first);
    sorted.sort();
    assert_eq!(paths(&first), sorted);
    for f in &first {
        let name = f.path.rsplit('/').next().unwrap();
        if name.starts_with("f-") {
            let hash = &blake3::hash(&f.bytes).to_hex()[..10];
            assert_eq!(
                name,
                format!("f-{hash}.js"),
                "{} is not named by its hash",
                f.path
            );
        }
    }
    // The shards and positions of a language are named by one hash of them
    // all, numbered from 0 without a gap.
    for lang in ["en", "zh"] {
        let mut names: Vec<(String, usize)> = Vec::new();
        for f in &first {
            let Some(name) = f.path.strip_prefix(&format!("{lang}/t-")) else {
                continue;
            };
            let (hash, n) = name.trim_end_matches(".js").split_once('-').unwrap();
            names.push((hash.to_string(), n.parse().unwrap()));
            assert!(
                paths(&first).contains(&format!("{lang}/p-{name}").as_str()),
                "positions beside {}",
                f.path
            );
        }
        let hashes: std::collections::BTreeSet<&str> = names.iter().map(|n| n.0.as_str()).collect();
        assert_eq!(hashes.len(), 1, "{lang}: {names:?}");
        let mut numbers: Vec<usize> = names.iter().map(|n| n.1).collect();
        numbers.sort();
        assert_eq!(numbers, (0..names.len()).collect::<Vec<_>>());
        if lang == "en" {
            assert!(names.len() > 1, "the fixture config makes several shards");
        }
    }
    assert!(paths(&first).contains(&"en/meta.js"));
    assert!(paths(&first).contains(&"zh/meta.js"));
    // Document-table chunks of a language share one hash while they are
    // fewer than a group (64 chunks).
    let doc_hashes: std::collections::BTreeSet<&str> = first
        .iter()
        .filter(|f| f.path.starts_with("en/d-"))
        .map(|f| f.path.split('-').nth(1).unwrap())
        .collect();
    assert_eq!(doc_hashes.len(), 1);
}

#[test]
fn a_changed_page_changes_the_export_and_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let before = common::build(dir.path());
    let mut pages = common::pages();
    pages[0].title.push_str(" updated");
    let after = search_index::build(dir.path(), &pages, &common::config()).unwrap();
    assert_ne!(before, after);
    let searcher = search_index::Searcher::open(dir.path(), Some("en")).unwrap();
    let out = searcher.search("updated", &Default::default()).unwrap();
    assert_eq!(out.results[0].url, pages[0].url);
}

#[test]
fn disabled_search_exports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = SearchConfig {
        enabled: false,
        ..SearchConfig::default()
    };
    assert!(
        search_index::build(dir.path(), &common::pages(), &config)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn odd_input_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    // No pages at all.
    let files = search_index::build(dir.path(), &[], &SearchConfig::default()).unwrap();
    assert_eq!(paths(&files), ["languages.js"]);
    // Empty texts, duplicate URLs, odd language codes, huge words.
    let mut pages = common::pages();
    let mut odd = pages[0].clone();
    odd.title = String::new();
    odd.description = "x".repeat(100_000);
    odd.sections.clear();
    odd.lang = "../../etc".to_string();
    pages.push(odd.clone());
    odd.lang = String::new();
    pages.push(odd);
    pages.push(pages[1].clone());
    let files = search_index::build(dir.path(), &pages, &SearchConfig::default()).unwrap();
    assert!(files.iter().all(|f| !f.path.contains("..")));
    assert!(paths(&files).contains(&"etc/meta.js"));
    assert!(paths(&files).contains(&"und/meta.js"));
    let zero = SearchConfig {
        shard_bytes: 0,
        doc_chunk_pages: 0,
        ..SearchConfig::default()
    };
    search_index::build(dir.path(), &pages, &zero).unwrap();
}
