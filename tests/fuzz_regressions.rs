//! Replays the inputs kept in `tests/fuzz_regressions/<target>/` through
//! the same checks the fuzz targets run (`fuzz/checks.rs`): inputs the
//! fuzzers found (named after the artifact, see docs/reliability.md) and
//! hostile seeds. A panic names the input.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::PathBuf;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fuzz_regressions")
        .join(target);
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs in {}", dir.display());
    for input in inputs {
        let bytes = std::fs::read(&input).unwrap();
        let result = std::panic::catch_unwind(|| check(&bytes));
        if let Err(e) = result {
            let message = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{}: {message}", input.display());
        }
    }
}

#[test]
fn front_matter_inputs() {
    replay("front_matter", checks::front_matter);
}

#[test]
fn markdown_inputs() {
    replay("markdown", checks::markdown);
}

#[test]
fn search_query_inputs() {
    replay("search_query", checks::search_query);
}

#[test]
fn search_shards_inputs() {
    replay("search_shards", checks::search_shards);
}

#[test]
fn the_search_shards_seeds_are_real_exported_files() {
    use search_index::shards::{DocChunk, FacetSets, KeyShard, Meta, Positions, Shard};
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/search_shards");
    let read = |name: &str| {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let mut file = Vec::new();
        if bytes[0] & 8 != 0 {
            file.extend_from_slice(b"__gcaSearchData(");
            file.extend_from_slice(&bytes[1..]);
            file.extend_from_slice(b");\n");
        } else {
            file.extend_from_slice(&bytes[1..]);
        }
        file
    };
    let meta = Meta::parse(&read("seed-meta-zh")).unwrap();
    assert_eq!(meta.lang, "zh");
    // A chunked document table in two groups of chunks (export format 4).
    let chunked = Meta::parse(&read("seed-meta-chunked")).unwrap();
    let docs = chunked.docs.as_ref().unwrap();
    assert_eq!((docs.count, docs.group, docs.hashes.len()), (75, 64, 2));
    assert_ne!(chunked.doc_chunk_path(0), chunked.doc_chunk_path(299));
    assert!(
        !Shard::parse(&read("seed-shard-raw"))
            .unwrap()
            .words
            .is_empty()
    );
    assert!(
        !Shard::parse(&read("seed-shard-json"))
            .unwrap()
            .words
            .is_empty()
    );
    assert!(
        !Positions::parse(&read("seed-positions"))
            .unwrap()
            .0
            .is_empty()
    );
    assert!(!FacetSets::parse(&read("seed-facets")).unwrap().0.is_empty());
    for name in ["seed-keys-json", "seed-keys-raw"] {
        let keys = KeyShard::parse(&read(name)).unwrap();
        assert!(!keys.keys.is_empty(), "{name}");
    }
    assert!(
        !DocChunk::parse(&read("seed-doc-chunk"))
            .unwrap()
            .docs
            .is_empty()
    );
    // Markup in a record is text to the reader.
    let chunk = DocChunk::parse(&read("seed-hostile-record")).unwrap();
    assert_eq!(chunk.docs[0].title, "<script>alert(1)</script>");
    assert_eq!(chunk.docs[1].url, "a/b");
}

#[test]
fn the_script_url_check_sees_through_references() {
    assert!(
        checks::script_url("<p><a href=\"&#x6A;avascript&colon;alert(1)\">x</a></p>").is_some()
    );
    assert!(checks::script_url("<img src=\" java\tscript:x\">").is_some());
    assert!(checks::script_url("<p>&lt;a href=\"javascript:x\"&gt;</p>").is_none());
    assert!(checks::script_url("<a href=\"https://example.org/javascript:\">x</a>").is_none());
}

#[test]
fn the_search_target_searches_a_real_index() {
    assert_eq!(checks::sample_total("incident"), 2);
    assert!(checks::sample_total("cybersecur") >= 1);
    assert_eq!(checks::sample_total("zzzz"), 0);
}
