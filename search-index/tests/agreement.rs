//! The browser reader (run under node on the exported files) and the CLI
//! reader return the same results for the same queries.

mod common;

use common::{Lcg, VOCABULARY, generated_pages};

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use search_index::analysis::words;
use search_index::{ExportFile, SearchConfig, SearchOptions, Searcher};
use serde_json::{Value, json};

fn write_export(files: &[ExportFile], dir: &Path) {
    for f in files {
        let path = dir.join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &f.bytes).unwrap();
    }
}

fn run_node(search_dir: &Path, input: &Value) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/run-queries.mjs");
    let input_path = search_dir.join("input.json");
    std::fs::write(&input_path, serde_json::to_vec(input).unwrap()).unwrap();
    let out = Command::new("node")
        .arg(script)
        .arg(search_dir)
        .arg(&input_path)
        .output()
        .expect("node must be installed to run the browser reader (apt-get install nodejs)");
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("node prints JSON")
}

struct Case {
    q: String,
    filters: BTreeMap<String, Vec<String>>,
}

fn case(q: &str) -> Case {
    Case {
        q: q.to_string(),
        filters: BTreeMap::new(),
    }
}

fn compare(cache: &Path, search_dir: &Path, lang: &str, cases: &[Case], check_facets: bool) {
    let searcher = Searcher::open(cache, Some(lang)).unwrap();
    let input = json!({
        "lang": lang,
        "queries": cases.iter().map(|c| json!({"q": c.q, "filters": c.filters})).collect::<Vec<_>>(),
    });
    let js = run_node(search_dir, &input);
    let mut nonempty = 0;
    for (i, c) in cases.iter().enumerate() {
        let options = SearchOptions {
            filters: c.filters.clone(),
            ..SearchOptions::default()
        };
        let rust = searcher.search(&c.q, &options).unwrap();
        let got = &js["results"][i];
        let rust_paths: Vec<&str> = rust.results.iter().map(|h| h.url.as_str()).collect();
        let js_paths: Vec<&str> = got["paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let rust_scores: Vec<u64> = rust.results.iter().map(|h| h.score).collect();
        let js_scores: Vec<u64> = got["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as u64)
            .collect();
        assert_eq!(rust_paths, js_paths, "query {:?} {:?}", c.q, c.filters);
        assert_eq!(rust_scores, js_scores, "scores of {:?}", c.q);
        assert_eq!(
            rust.total as u64,
            got["total"].as_u64().unwrap(),
            "total of {:?}",
            c.q
        );
        assert_eq!(
            rust.fallback,
            got["fallback"].as_bool().unwrap(),
            "fallback of {:?}",
            c.q
        );
        let rust_anchors: Vec<Vec<&str>> = rust
            .results
            .iter()
            .map(|h| h.anchors.iter().map(|a| a.anchor.as_str()).collect())
            .collect();
        assert_eq!(json!(rust_anchors), got["anchors"], "anchors of {:?}", c.q);
        let rust_headings: Vec<Vec<&str>> = rust
            .results
            .iter()
            .map(|h| h.anchors.iter().map(|a| a.heading.as_str()).collect())
            .collect();
        assert_eq!(
            json!(rust_headings),
            got["headings"],
            "headings of {:?}",
            c.q
        );
        let rust_titles: Vec<&str> = rust.results.iter().map(|h| h.title.as_str()).collect();
        assert_eq!(json!(rust_titles), got["titles"], "titles of {:?}", c.q);
        assert_eq!(
            json!(rust.unknown_filters),
            got["unknown"],
            "unknown filters of {:?}",
            c.q
        );
        if check_facets && !rust.results.is_empty() {
            assert_eq!(json!(rust.facets), got["facets"], "facets of {:?}", c.q);
        }
        if !rust_paths.is_empty() {
            nonempty += 1;
        }
    }
    assert!(
        nonempty * 2 > cases.len(),
        "most queries should find something"
    );
}

#[test]
fn fixture_queries_agree() {
    let mut configs = vec![common::config()];
    configs.extend(common::other_configs());
    for config in configs {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let out = dir.path().join("search");
        write_export(
            &search_index::build(&cache, &common::pages(), &config).unwrap(),
            &out,
        );
        fixture_cases_agree(&cache, &out);
    }
}

fn fixture_cases_agree(cache: &Path, out: &Path) {
    let mut cases: Vec<Case> = [
        "ransomware",
        "ransom",
        "ransomwre",
        "phishng",
        "password hash",
        "cybercrime legislation",
        "\"incident response plan\"",
        "incident response plan",
        "spear email",
        "ransomware argon2id",
        "ransomware -backups",
        "ransomware -payment",
        "the and of",
        "",
        "<script>",
        ".*(",
        "CIRT",
        "certificates",
        "CAFÉS",
        "strasse",
        "legsilation",
        "secu",
        "s",
        "in",
        "inc",
        "respond",
        "-",
        "\"",
        "child protection online",
        "national cirt incident",
        "quarantine",
        // Typos that leave their term shard.
        "xansomware",
        "ansomware",
        "transomware",
        "ybercrime",
        "xybercrime",
        "egislation",
        "fhishing",
        "conainuity",
        "rausomware",
        "indident",
        "xybercrime legislation",
    ]
    .iter()
    .map(|q| case(q))
    .collect();
    cases.push(case(&"ransomware ".repeat(1000)));
    let noise: String = (0..10_000)
        .map(|i| char::from(b'!' + (i % 90) as u8))
        .collect();
    cases.push(case(&noise));
    for (taxonomy, value) in [
        ("work_areas", "Capacity Building"),
        ("work_areas", "Legal Measures"),
        ("regions", "Global"),
        ("colour", "blue"),
        ("work_areas", "Nope"),
    ] {
        for q in ["legislation", "guide", "online", "ransomware"] {
            let mut c = case(q);
            c.filters.insert(taxonomy.into(), vec![value.into()]);
            cases.push(c);
        }
    }
    compare(cache, out, "en", &cases, true);
    compare(
        cache,
        out,
        "fr",
        &[case("juridique "), case("cybercriminalite"), case("etats")],
        true,
    );
    compare(
        cache,
        out,
        "zh",
        &[case("安全"), case("网络安全"), case("国际")],
        true,
    );
    compare(
        cache,
        out,
        "ar",
        &[case("الأَمْن "), case("الامن"), case("السيبراني")],
        true,
    );
}

fn typo(word: &str, rng: &mut Lcg) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 2 {
        return word.to_string();
    }
    let at = (rng.next() % (chars.len() as u64 - 1)) as usize;
    match rng.next() % 3 {
        0 => {
            chars.remove(at);
        }
        1 => chars.swap(at, at + 1),
        _ => chars[at] = 'x',
    }
    chars.into_iter().collect()
}

#[test]
fn generated_queries_agree() {
    let mut rng = Lcg(7);
    let pages = generated_pages(300, &mut rng);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let out = dir.path().join("search");
    let config = SearchConfig {
        shard_bytes: 1500,
        doc_chunk_pages: 7,
        records_percent: 30,
        ..SearchConfig::default()
    };
    write_export(&search_index::build(&cache, &pages, &config).unwrap(), &out);
    let mut cases = Vec::new();
    for i in 0..240 {
        let a = rng.pick(VOCABULARY).to_string();
        let b = rng.pick(VOCABULARY).to_string();
        let q = match i % 10 {
            0 => a,
            1 => format!("{a} {b}"),
            2 => a.chars().take(3).collect(),
            3 => format!("{a} {}", b.chars().take(2 + (i % 4)).collect::<String>()),
            4 => typo(&a, &mut rng),
            5 => format!("\"{a} {b}\""),
            9 => {
                // Three neighbouring words of a page: a phrase that exists.
                let text = &pages[(rng.next() % pages.len() as u64) as usize].sections[1].text;
                let words: Vec<&str> = text.split(' ').collect();
                let at = (rng.next() % (words.len() as u64 - 2)) as usize;
                format!("\"{} {} {}\"", words[at], words[at + 1], words[at + 2])
            }
            6 => format!("{a} -{b}"),
            _ => format!("{} {}", typo(&a, &mut rng), typo(&b, &mut rng)),
        };
        let mut c = case(&q);
        if i % 5 == 0 {
            c.filters
                .insert("work_areas".into(), vec!["Capacity Building".into()]);
        }
        if i % 7 == 0 {
            c.filters
                .insert("regions".into(), vec!["Africa".into(), "Europe".into()]);
        }
        cases.push(c);
    }
    compare(&cache, &out, "en", &cases, true);
}

/// Files a one-word query loads besides meta.js, per configuration.
fn files_of_one_word_queries(config: &SearchConfig) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let out = dir.path().join("search");
    write_export(
        &search_index::build(&cache, &common::pages(), config).unwrap(),
        &out,
    );
    let queries = [
        "ransomware ",
        "phishing ",
        "cybercrime ",
        "incident ",
        "password ",
    ];
    let input = json!({
        "lang": "en",
        "fresh": true,
        "facets": false,
        "queries": queries.iter().map(|q| json!({"q": q})).collect::<Vec<_>>(),
    });
    let js = run_node(&out, &input);
    (0..queries.len())
        .map(|i| {
            assert!(
                !js["results"][i]["paths"].as_array().unwrap().is_empty(),
                "{:?} finds pages",
                queries[i]
            );
            js["results"][i]["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn a_one_word_query_needs_only_its_shard() {
    // Records in the shards, or the whole table in meta.js: one file.
    for config in [
        common::records_everywhere(),
        SearchConfig {
            shard_bytes: 400,
            ..SearchConfig::default()
        },
    ] {
        for files in files_of_one_word_queries(&config) {
            assert_eq!(files.len(), 1, "{files:?} with {config:?}");
            assert!(files[0].starts_with("en/t-"), "{files:?}");
        }
    }
    // Without records in the shards, the results come from the document
    // table: more files.
    let config = SearchConfig {
        shard_bytes: 400,
        doc_chunk_pages: 1,
        table_bytes: 0,
        records_percent: 0,
        ..SearchConfig::default()
    };
    let all = files_of_one_word_queries(&config);
    assert!(
        all.iter()
            .any(|files| files.iter().filter(|f| f.starts_with("en/d-")).count() > 1),
        "{all:?}"
    );
}

#[test]
fn all_languages_agree() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let out = dir.path().join("search");
    write_export(&common::build(&cache), &out);
    let order = ["en", "ar", "fr", "zh"];
    let searchers: Vec<Searcher> = order
        .iter()
        .map(|l| Searcher::open(&cache, Some(l)).unwrap())
        .collect();
    let queries = [
        "mesures",
        "cybercrime",
        "legal",
        "ransomware zzzz",
        "安全",
        "الامن",
        "mesures legal",
        "zzzz",
        "",
    ];
    let input = json!({
        "lang": "en",
        "others": &order[1..],
        "all": true,
        "queries": queries.iter().map(|q| json!({"q": q, "limit": 3, "offset": 1})).collect::<Vec<_>>(),
    });
    let js = run_node(&out, &input);
    let mut langs_seen = std::collections::BTreeSet::new();
    for (i, q) in queries.iter().enumerate() {
        let options = SearchOptions {
            limit: 3,
            offset: 1,
            ..SearchOptions::default()
        };
        let rust = search_index::search_languages(&searchers, q, &options).unwrap();
        let got = &js["results"][i];
        let paths: Vec<&str> = rust.results.iter().map(|h| h.url.as_str()).collect();
        let langs: Vec<&str> = rust.results.iter().map(|h| h.lang.as_str()).collect();
        langs_seen.extend(langs.iter().map(|l| l.to_string()));
        assert_eq!(json!(paths), got["paths"], "{q:?}");
        assert_eq!(json!(langs), got["langs"], "{q:?}");
        assert_eq!(json!(rust.total), got["total"], "{q:?}");
        assert_eq!(json!(rust.fallback), got["fallback"], "{q:?}");
        assert_eq!(json!(rust.facets), got["facets"], "{q:?}");
    }
    assert!(
        langs_seen.len() >= 2,
        "results of several languages: {langs_seen:?}"
    );
}

#[test]
fn words_agree() {
    let texts = [
        "Café CRÈME Straße Ærø naïve",
        "İstanbul ΣΊΣΥΦΟΣ ǅemal ﬁle",
        "网络安全 abc网络 安",
        "الأَمْن السِّيبراني",
        "Безопасность СЕТЕЙ ёлка",
        "e-mail C++ x86_64 2024-06-01 ①②",
        "don't \u{00a0}stop\u{2003}now\u{200b}zero",
        "𝐁𝐨𝐥𝐝 math 𠀀𠀁 emoji 😀 ok",
        &"x".repeat(41),
    ];
    let dir = tempfile::tempdir().unwrap();
    let input = json!({ "lang": "en", "queries": [], "texts": texts });
    // The reader needs an index only to search; here it only splits words.
    let js = run_node(dir.path(), &input);
    for (i, text) in texts.iter().enumerate() {
        let rust: Vec<String> = words(text).into_iter().map(|w| w.text).collect();
        assert_eq!(json!(rust), js["words"][i], "words of {text:?}");
    }
}

#[test]
fn hostile_text_stays_data() {
    let dir = tempfile::tempdir().unwrap();
    let files = common::build(dir.path());
    // Titles with markup are JSON strings inside the data call: the file is
    // still one call, and `</script>` cannot end anything.
    for f in files {
        let text = String::from_utf8(f.bytes.to_vec()).unwrap();
        // meta.js carries the reader and the interface before its data.
        if !f.path.ends_with("/meta.js") {
            assert!(text.starts_with("__gcaSearchData("), "{}", f.path);
        }
        assert!(text.ends_with(");\n"), "{}", f.path);
        let at = text.rfind("__gcaSearchData(").unwrap();
        let payload = &text[at + "__gcaSearchData(".len()..text.len() - 3];
        serde_json::from_str::<Value>(payload).unwrap();
    }
}

/// Typos of every kind on a corpus cut into tiny shards, so that most of
/// them leave their word's shard.
#[test]
fn typos_across_shards_agree() {
    let mut rng = Lcg(23);
    let pages = generated_pages(200, &mut rng);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let out = dir.path().join("search");
    let config = SearchConfig {
        shard_bytes: 300,
        doc_chunk_pages: 5,
        ..SearchConfig::default()
    };
    write_export(&search_index::build(&cache, &pages, &config).unwrap(), &out);
    let mut cases = Vec::new();
    for (i, word) in VOCABULARY.iter().enumerate() {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 4 {
            continue;
        }
        let rest: String = chars[1..].iter().collect();
        let at = 1 + i % (chars.len() - 1);
        let mut substituted = chars.clone();
        substituted[at] = 'q';
        let mut inserted = chars.clone();
        inserted.insert(at, 'z');
        let mut swapped = chars.clone();
        swapped.swap(0, 1);
        for q in [
            format!("x{rest}"),
            rest.clone(),
            format!("q{word}"),
            substituted.iter().collect(),
            inserted.iter().collect(),
            swapped.iter().collect(),
            format!("x{rest} {}", VOCABULARY[(i * 7) % VOCABULARY.len()]),
        ] {
            let mut c = case(&q);
            if i % 4 == 0 {
                c.filters
                    .insert("regions".into(), vec!["Africa".into(), "Global".into()]);
            }
            cases.push(c);
        }
    }
    compare(&cache, &out, "en", &cases, true);
}

/// Pages `p/00/`, `p/01/` ... with one section each, of these texts.
fn text_pages(texts: impl Iterator<Item = String>) -> Vec<search_index::PageRecord> {
    texts
        .enumerate()
        .map(|(i, text)| search_index::PageRecord {
            url: format!("p/{i:02}/"),
            title: format!("Page {i}"),
            description: String::new(),
            lang: "en".to_string(),
            date: None,
            taxonomies: BTreeMap::new(),
            sections: vec![search_index::SectionRecord {
                anchor: None,
                heading: String::new(),
                level: 0,
                text,
                code: String::new(),
            }],
        })
        .collect()
}

/// The index of `pages` in term shards of a few words, exported into
/// `<dir>/search`: the folder, the cache, the export and its meta.
fn tiny_shard_export(
    pages: &[search_index::PageRecord],
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    std::path::PathBuf,
    search_index::shards::Meta,
) {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let out = dir.path().join("search");
    let config = SearchConfig {
        shard_bytes: 60,
        ..SearchConfig::default()
    };
    let files = search_index::build(&cache, pages, &config).unwrap();
    write_export(&files, &out);
    let meta = search_index::shards::Meta::parse(
        &files.iter().find(|f| f.path == "en/meta.js").unwrap().bytes,
    )
    .unwrap();
    (dir, cache, out, meta)
}

/// Checks that `words` fill more than `min` term shards of an export (its
/// cache, folder and meta), and that both readers agree on `queries`.
fn spread_and_agree(
    (cache, out, meta): (&Path, &Path, &search_index::shards::Meta),
    words: &[&str],
    min: usize,
    queries: &[&str],
) {
    let shards: std::collections::BTreeSet<usize> =
        words.iter().map(|w| meta.shard_of(w)).collect();
    assert!(shards.len() > min, "the words are in {shards:?}");
    let cases: Vec<Case> = queries.iter().map(|q| case(q)).collect();
    compare(cache, out, "en", &cases, true);
}

/// One typo one edit away from words of many shards: the CLI and the
/// browser keep the same three other shards.
#[test]
fn the_cap_on_other_shards_agrees() {
    // Words one letter apart, each on a different number of pages.
    let words = [
        "bank", "dank", "hank", "lank", "rank", "sank", "tank", "yank",
    ];
    let pages = text_pages((0..40).map(|i| {
        let text: Vec<&str> = words
            .iter()
            .enumerate()
            .filter(|(k, _)| i % (k + 2) == 0)
            .map(|(_, w)| *w)
            .chain(["filler", "text"])
            .collect();
        text.join(" ")
    }));
    let (_dir, cache, out, meta) = tiny_shard_export(&pages);
    spread_and_agree(
        (&cache, &out, &meta),
        &words,
        4,
        &["xank", "aank ", "zank", "bbnk", "bnk "],
    );
    // "xank" reaches every word; only three shards' words are kept: fewer
    // pages than all of theirs.
    let searcher = Searcher::open(&cache, Some("en")).unwrap();
    let all = SearchOptions {
        limit: 100,
        ..SearchOptions::default()
    };
    let found = searcher.search("xank ", &all).unwrap();
    let mut union = std::collections::BTreeSet::new();
    for w in words {
        for hit in searcher.search(&format!("{w} "), &all).unwrap().results {
            union.insert(hit.url);
        }
    }
    let every = union.len();
    assert!(
        found.total > 0 && found.total < every,
        "{} of {every}",
        found.total
    );
    let own = meta.shard_of("xank");
    let kept: std::collections::BTreeSet<usize> = found
        .words
        .iter()
        .map(|w| meta.shard_of(w))
        .filter(|&s| s != own)
        .collect();
    assert_eq!(kept.len(), 3, "{:?}", found.words);
}

/// The files a cold typo query loads: its shard, the key shards of its
/// region and first deletions, and at most three other term shards.
#[test]
fn a_typo_loads_a_bounded_number_of_files() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let out = dir.path().join("search");
    let config = common::records_everywhere();
    write_export(
        &search_index::build(&cache, &common::pages(), &config).unwrap(),
        &out,
    );
    let queries = ["xansomware ", "ybercrime ", "fhishing ", "egislation "];
    let input = json!({
        "lang": "en",
        "fresh": true,
        "facets": false,
        "queries": queries.iter().map(|q| json!({"q": q})).collect::<Vec<_>>(),
    });
    let js = run_node(&out, &input);
    for (i, q) in queries.iter().enumerate() {
        let got = &js["results"][i];
        assert!(
            !got["paths"].as_array().unwrap().is_empty(),
            "{q} finds pages"
        );
        let files: Vec<&str> = got["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        let count = |prefix: &str| files.iter().filter(|f| f.starts_with(prefix)).count();
        assert!(count("en/k-") >= 1 && count("en/k-") <= 4, "{q}: {files:?}");
        assert!(count("en/t-") >= 2 && count("en/t-") <= 4, "{q}: {files:?}");
    }
    // A word that exists needs no key shard.
    let input =
        json!({"lang": "en", "fresh": true, "facets": false, "queries": [{"q": "ransomware "}]});
    let js = run_node(&out, &input);
    let files = js["results"][0]["files"].as_array().unwrap();
    assert!(
        files
            .iter()
            .all(|f| !f.as_str().unwrap().starts_with("en/k-")),
        "{files:?}"
    );
}

/// A prefix whose words fill many shards is expanded over two of them, the
/// one where it sorts and the next, by both readers.
#[test]
fn a_prefix_is_expanded_over_two_shards() {
    let words = [
        "transact",
        "transcend",
        "transfer",
        "transform",
        "transit",
        "translate",
        "transmit",
        "transport",
    ];
    let pages = text_pages((0..40).map(|i| format!("{} filler text", words[i % words.len()])));
    let (_dir, cache, out, meta) = tiny_shard_export(&pages);
    spread_and_agree(
        (&cache, &out, &meta),
        &words,
        3,
        &["tra", "trans", "transf", "transport", "filler trans"],
    );
    // The browser loads two term shards for the prefix.
    let input = json!({"lang": "en", "fresh": true, "facets": false, "queries": [{"q": "trans"}]});
    let js = run_node(&out, &input);
    let loaded = js["results"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.as_str().unwrap().starts_with("en/t-"))
        .count();
    assert_eq!(loaded, 2, "{}", js["results"][0]["files"]);
    // Those shards hold some of the words, not all: fewer pages than the
    // words have, and every page found has one of the words of those shards.
    let searcher = Searcher::open(&cache, Some("en")).unwrap();
    let all = SearchOptions {
        limit: 100,
        ..SearchOptions::default()
    };
    let found = searcher.search("trans", &all).unwrap();
    let first = meta.shard_of("trans");
    let reached: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| meta.shard_of(w) <= first + 1)
        .collect();
    let expected = pages
        .iter()
        .filter(|p| reached.iter().any(|w| p.sections[0].text.starts_with(w)))
        .count();
    assert!(
        found.total > 0 && found.total == expected && expected < pages.len(),
        "{} found, {expected} expected of {}",
        found.total,
        pages.len()
    );
}

/// Files and results of two-word queries, each in a fresh index, on a
/// generated site whose words are on many pages each.
fn two_word_queries(config: &SearchConfig) -> (Vec<Vec<String>>, Vec<Value>) {
    let mut rng = Lcg(11);
    let pages = generated_pages(300, &mut rng);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let out = dir.path().join("search");
    write_export(&search_index::build(&cache, &pages, config).unwrap(), &out);
    let queries: Vec<String> = (0..12)
        .map(|_| format!("{} {} ", rng.pick(VOCABULARY), rng.pick(VOCABULARY)))
        .collect();
    let input = json!({
        "lang": "en",
        "fresh": true,
        "facets": false,
        "queries": queries.iter().map(|q| json!({"q": q})).collect::<Vec<_>>(),
    });
    let js = run_node(&out, &input);
    let results = js["results"].as_array().unwrap();
    let files = results
        .iter()
        .map(|r| {
            r["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    let found = results
        .iter()
        .map(|r| json!([r["paths"], r["titles"], r["anchors"]]))
        .collect();
    (files, found)
}

#[test]
fn the_best_pages_of_common_words_bring_their_records() {
    let base = SearchConfig {
        shard_bytes: 400,
        doc_chunk_pages: 1,
        table_bytes: 0,
        top_pages: 2,
        records_percent: 1_000_000,
        ..SearchConfig::default()
    };
    // Records of each term's 2 best pages only: the ten best pages for two
    // words come mostly from the document table.
    let (few, found_few) = two_word_queries(&SearchConfig {
        record_pages: 2,
        ..base.clone()
    });
    let chunks = |files: &[Vec<String>]| -> usize {
        files
            .iter()
            .map(|f| f.iter().filter(|f| f.starts_with("en/d-")).count())
            .sum()
    };
    assert!(chunks(&few) >= 12, "{few:?}");
    // Records of every page a term is on: the shards bring them all.
    let (all, found_all) = two_word_queries(&SearchConfig {
        record_pages: 300,
        ..base.clone()
    });
    assert_eq!(chunks(&all), 0, "{all:?}");
    for files in &all {
        assert!(!files.is_empty() && files.len() <= 2, "{files:?}");
    }
    // Where the records come from changes nothing that is shown.
    assert_eq!(found_few, found_all);
    // The percentage still bounds them.
    let (bounded, _) = two_word_queries(&SearchConfig {
        record_pages: 300,
        records_percent: 0,
        ..base
    });
    assert!(chunks(&bounded) > chunks(&few), "{bounded:?}");
}
