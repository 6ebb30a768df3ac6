//! The Rust reader of the static export (`search_index::shards`) reads
//! every file the export writes, in every layout of the display records,
//! and what it reads agrees with the index of record: each word's postings
//! are the pages `gca search` finds for it, records name the right pages,
//! facet sets have the counts of `meta.js`.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use search_index::keys;
use search_index::shards::{DocChunk, FacetSets, KeyShard, Meta, Positions, Record, Shard};
use search_index::{ExportFile, SearchConfig, SearchOptions, Searcher};

fn file<'a>(files: &'a [ExportFile], path: &str) -> &'a [u8] {
    &files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .bytes
}

fn check(config: &SearchConfig) {
    let dir = tempfile::tempdir().unwrap();
    let pages = common::pages();
    let files = search_index::build(dir.path(), &pages, config).unwrap();
    let langs: BTreeSet<&str> = pages.iter().map(|p| p.lang.as_str()).collect();
    for lang in langs {
        let meta = Meta::parse(file(&files, &format!("{lang}/meta.js"))).unwrap();
        assert_eq!(meta.lang, lang);
        let expected: BTreeSet<&str> = pages
            .iter()
            .filter(|p| p.lang == lang)
            .map(|p| p.url.as_str())
            .collect();
        assert_eq!(meta.pages as usize, expected.len());

        // Records of every page, from meta or from the chunks.
        let mut records: BTreeMap<u32, Record> = BTreeMap::new();
        match (&meta.table, &meta.docs) {
            (Some(table), _) => records.extend(
                table
                    .iter()
                    .cloned()
                    .enumerate()
                    .map(|(i, r)| (i as u32, r)),
            ),
            (None, Some(d)) => {
                for n in 0..d.count {
                    let path = meta.doc_chunk_path(n * d.per).unwrap();
                    let chunk = DocChunk::parse(file(&files, &path)).unwrap();
                    assert_eq!(chunk.first, n * d.per);
                    for (i, r) in chunk.docs.into_iter().enumerate() {
                        records.insert(chunk.first + i as u32, r);
                    }
                }
            }
            (None, None) => panic!("{lang}: no document table"),
        }
        let urls: BTreeSet<&str> = records.values().map(|r| r.url.as_str()).collect();
        assert_eq!(urls, expected, "{lang}: the records name every page once");
        let values = meta.facet_values();
        for r in records.values() {
            let page = pages
                .iter()
                .find(|p| p.url == r.url && p.lang == lang)
                .unwrap();
            assert_eq!(r.title, page.title);
            for &id in &r.facets {
                let (t, v) = values[id as usize];
                assert!(
                    page.taxonomies[t].iter().any(|x| x == v),
                    "{}: {t}={v}",
                    r.url
                );
            }
        }

        // Facet sets have the counts meta gives, and their pages the values.
        if let Some(path) = meta.facet_path() {
            let sets = FacetSets::parse(file(&files, &path)).unwrap();
            assert_eq!(sets.0.len(), values.len());
            let counts = meta.facets.iter().flat_map(|(_, v)| v.iter().map(|x| x.1));
            for ((set, count), id) in sets.0.iter().zip(counts).zip(0u32..) {
                assert_eq!(set.len(), count as usize);
                for page in set {
                    assert!(records[page].facets.contains(&id));
                }
            }
        }

        // Every word of every shard: in the shard meta points to, and its
        // postings are the pages the index of record finds for it.
        let searcher = Searcher::open(dir.path(), Some(lang)).unwrap();
        let all = SearchOptions {
            limit: 10_000,
            ..SearchOptions::default()
        };
        let mut words_seen = 0;
        // Each word's stem's page count, for the key shards.
        let mut vocabulary: BTreeMap<String, Option<usize>> = BTreeMap::new();
        for n in 0..meta.starts.len() {
            let shard = Shard::parse(file(&files, &meta.shard_path(n))).unwrap();
            let positions = Positions::parse(file(&files, &meta.positions_path(n))).unwrap();
            assert_eq!(positions.0.len(), shard.postings.len());
            for (list, p) in positions.0.iter().zip(&shard.postings) {
                assert_eq!(list.len(), p.len(), "one position list per posting");
            }
            for (page, record) in &shard.docs {
                assert_eq!(
                    Some(record),
                    records.get(page),
                    "a shard's record is the table's"
                );
            }
            for (word, term) in shard.words.iter().zip(&shard.terms) {
                vocabulary.insert(word.clone(), term.map(|t| shard.postings[t].len()));
                assert_eq!(meta.shard_of(word), n, "{word}");
                assert_eq!(shard.lookup(word), Some(*term));
                let Some(term) = term else {
                    assert!(
                        meta.stop.contains(word),
                        "{word} has no postings: a stop word"
                    );
                    continue;
                };
                let from_shard: BTreeSet<&str> = shard.postings[*term]
                    .iter()
                    .map(|p| records[&p.page].url.as_str())
                    .collect();
                let outcome = searcher.search(&format!("\"{word}\""), &all).unwrap();
                let found: BTreeSet<&str> =
                    outcome.results.iter().map(|h| h.url.as_str()).collect();
                assert_eq!(from_shard, found, "{lang}: pages of `{word}`");
                for p in &shard.postings[*term] {
                    assert!((p.q as usize) < meta.scores.len());
                }
                assert!(shard.top[*term].len() <= meta.top_pages as usize);
                words_seen += 1;
            }
        }
        assert!(words_seen > 10, "{lang}: {words_seen} words");

        // The key shards: every key in the shard meta points to, every
        // entry a word of the vocabulary with its page count, and every
        // word with keys has all those it needs.
        let lang_code = search_index::analysis::Lang::from_code(lang);
        let mut from_keys: BTreeSet<(String, String)> = BTreeSet::new();
        for n in 0..meta.key_starts.len() {
            let shard = KeyShard::parse(file(&files, &meta.key_shard_path(n))).unwrap();
            for (key, entries) in &shard.keys {
                assert_eq!(meta.key_shard_of(key), n, "{lang}: key {key}");
                for (e, word) in entries.iter().zip(shard.words(key)) {
                    let pages = vocabulary
                        .get(&word)
                        .unwrap_or_else(|| panic!("{lang}: {key} names {word}, not a word"))
                        .expect("not a stop word");
                    assert_eq!(e.bucket, keys::bucket(pages), "{lang}: {word}");
                    from_keys.insert((key.clone(), word));
                }
            }
        }
        let spans = |prefix: &str| keys::spans(&meta.starts, prefix);
        let mut expected_keys = BTreeSet::new();
        for word in vocabulary.keys() {
            if keys::has_keys(lang_code, word) {
                for (key, from) in keys::word_keys(word) {
                    if keys::kept(&key, from, &spans) {
                        expected_keys.insert((key, word.clone()));
                    }
                }
            }
        }
        assert_eq!(from_keys, expected_keys, "{lang}: the keys of every word");
        if meta.starts.len() > 1 && vocabulary.keys().any(|w| keys::has_keys(lang_code, w)) {
            assert!(!from_keys.is_empty(), "{lang}: keys");
        }
    }
}

#[test]
fn every_file_reads_back_and_agrees_with_the_index() {
    check(&common::config());
    for config in common::other_configs() {
        check(&config);
    }
}

#[test]
fn damaged_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let files = search_index::build(dir.path(), &common::pages(), &common::config()).unwrap();
    for f in &files {
        let bytes = &f.bytes;
        // Cut at every 97th byte, and with a byte changed: an error or a
        // value, never a panic.
        for cut in (0..bytes.len()).step_by(97) {
            let short = &bytes[..cut];
            let _ = Meta::parse(short);
            let _ = Shard::parse(short);
            let _ = Positions::parse(short);
            let _ = DocChunk::parse(short);
            let _ = FacetSets::parse(short);
            let _ = KeyShard::parse(short);
            let mut changed = bytes.to_vec();
            changed[cut] = changed[cut].wrapping_add(1);
            let _ = Meta::parse(&changed);
            let _ = Shard::parse(&changed);
            let _ = KeyShard::parse(&changed);
        }
    }
    let meta = files.iter().find(|f| f.path == "en/meta.js").unwrap();
    let text = String::from_utf8(meta.bytes.to_vec()).unwrap();
    let wrong = text.replace("\"format\":5", "\"format\":99");
    let e = Meta::parse(wrong.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("format 99"), "{e}");
}
