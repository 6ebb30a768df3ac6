//! Search of the GCA site itself, per language: `gca search` on a build of
//! `site/` finds the translated pages in Arabic (with and without
//! diacritics, another inflection), Chinese (two characters), Russian,
//! French, Spanish and English (inflected forms), and searches every
//! language at once on request. The static export of each language reads back with the Rust
//! reader of the shards.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::*;
use serde_json::Value;

/// One build of the GCA site for all the tests of this file.
fn site() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let o = build(&repo().join("site"), &dir.path().join("public"));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        dir
    })
    .path()
}

fn search(args: &[&str]) -> Value {
    let root = repo().join("site");
    let out = site().join("public");
    let mut all = vec![
        "search",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--json",
    ];
    all.extend_from_slice(args);
    let o = gca(&all);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn first(v: &Value) -> &str {
    v["results"][0]["url"].as_str().unwrap_or("")
}

#[test]
fn arabic_with_and_without_diacritics_and_another_inflection() {
    // "legal" as the Arabic page writes it, with diacritics, and as a
    // masculine adjective (a trailing space: no prefix matching).
    for q in ["القانونية ", "القانونِيَّة ", "قانوني "] {
        let v = search(&["--lang", "ar", q]);
        assert_eq!(first(&v), "ar/work-areas/legal-measures/", "{q}: {v}");
        assert_eq!(v["fallback"], false);
    }
    // The plural "laws" finds it too.
    let v = search(&["--lang", "ar", "القوانين "]);
    assert_eq!(first(&v), "ar/work-areas/legal-measures/", "{v}");
}

#[test]
fn chinese_two_characters() {
    let v = search(&["--lang", "zh", "法律"]);
    assert_eq!(first(&v), "zh/work-areas/legal-measures/", "{v}");
    let v = search(&["--lang", "zh", "网络安全"]);
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["url"].as_str().unwrap().starts_with("zh/")),
        "{v}"
    );
    assert!(v["total"].as_u64().unwrap() >= 3, "{v}");
}

#[test]
fn russian_and_french_inflected_forms() {
    for q in ["правовые ", "правовых ", "правовым мерам "] {
        let v = search(&["--lang", "ru", q]);
        assert_eq!(first(&v), "ru/work-areas/legal-measures/", "{q}: {v}");
    }
    let v = search(&["--lang", "fr", "juridique "]);
    assert_eq!(first(&v), "fr/work-areas/legal-measures/", "{v}");
}

/// True when `word` occurs as a whole word in the content file `rel`.
fn has_word(rel: &str, word: &str) -> bool {
    let text = std::fs::read_to_string(repo().join("site/content").join(rel)).unwrap();
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == word)
}

/// Searches `q` (a word and a space: no completion) in `lang` and expects
/// the page of content file `page` first, though that page writes another
/// form of the word. The word is on another page of the same language
/// (`elsewhere`), so the search reads it as written, not as a typo: only
/// the language's stemmer leads from it to the page.
fn finds_through_the_stem(lang: &str, q: &str, page: &str, url: &str, elsewhere: &str) {
    let word = q.trim();
    assert!(!has_word(page, word), "{page} has `{word}` itself");
    assert!(has_word(elsewhere, word), "{elsewhere} lacks `{word}`");
    let v = search(&["--lang", lang, q]);
    assert_eq!(first(&v), url, "{q}: {v}");
    assert_eq!(v["fallback"], false, "{q}: {v}");
    for r in v["results"].as_array().unwrap() {
        let u = r["url"].as_str().unwrap();
        let own = if lang == "en" {
            !["fr/", "es/", "ru/", "ar/", "zh/"]
                .iter()
                .any(|p| u.starts_with(p))
        } else {
            u.starts_with(&format!("{lang}/"))
        };
        assert!(own, "{q}: {u} is not a {lang} page");
    }
}

#[test]
fn spanish_inflected_forms() {
    let page = "work-areas/legal-measures/_index.es.md";
    let url = "es/work-areas/legal-measures/";
    // The page writes "jurídicas" and "jurídicos", and "derecho".
    finds_through_the_stem("es", "jurídico ", page, url, "about/_index.es.md");
    finds_through_the_stem(
        "es",
        "derechos ",
        page,
        url,
        "work-areas/international-cooperation/_index.es.md",
    );
}

#[test]
fn english_inflected_forms() {
    // "training" and "train" on the page, "trained" on the area's overview.
    finds_through_the_stem(
        "en",
        "trained ",
        "work-areas/capacity-building/skills-and-training.md",
        "work-areas/capacity-building/skills-and-training/",
        "work-areas/capacity-building/_index.md",
    );
    // "intercepting" on the page, "interception" on the next one.
    finds_through_the_stem(
        "en",
        "interception ",
        "work-areas/legal-measures/cybercrime-legislation.md",
        "work-areas/legal-measures/cybercrime-legislation/",
        "work-areas/legal-measures/investigation-powers-and-safeguards.md",
    );
}

#[test]
fn typos_that_move_the_word_to_another_shard() {
    use search_index::shards::Meta;
    let meta =
        Meta::parse(&std::fs::read(site().join("public/search/en/meta.js")).unwrap()).unwrap();
    // The first letter changed or dropped, the second dropped: each typed
    // word sorts in another term shard than the word it stands for.
    for (typo, word) in [
        ("xybercrime", "cybercrime"),
        ("ybercrime", "cybercrime"),
        ("nformation", "information"),
        ("masures", "measures"),
    ] {
        assert_ne!(meta.shard_of(typo), meta.shard_of(word), "{typo}");
        let typoed = search(&[&format!("{typo} ")]);
        let exact = search(&[&format!("{word} ")]);
        assert!(typoed["total"].as_u64().unwrap() > 0, "{typo}: {typoed}");
        assert_eq!(typoed["total"], exact["total"], "{typo}: {typoed}");
        assert_eq!(first(&typoed), first(&exact), "{typo}");
        assert_eq!(typoed["words"], serde_json::json!([word]), "{typo}");
        assert!(
            typoed["results"][0]["score"].as_u64() < exact["results"][0]["score"].as_u64(),
            "{typo} ranks below {word}"
        );
    }
}

#[test]
fn all_languages_finds_each_language_page() {
    // An Arabic word and a Chinese word: each language has one of them.
    let v = search(&["--all-languages", "القانونية", "法律"]);
    let urls: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["url"].as_str().unwrap())
        .collect();
    assert!(urls.contains(&"ar/work-areas/legal-measures/"), "{v}");
    assert!(urls.contains(&"zh/work-areas/legal-measures/"), "{v}");
    // The English index alone finds neither.
    let v = search(&["القانونية", "法律"]);
    assert_eq!(v["total"], 0, "{v}");
}

#[test]
fn every_language_export_reads_back() {
    use search_index::shards::{Meta, Shard};
    let dir = site().join("public/search");
    for lang in ["ar", "en", "es", "fr", "ru", "zh"] {
        let meta = Meta::parse(&std::fs::read(dir.join(lang).join("meta.js")).unwrap())
            .unwrap_or_else(|e| panic!("{lang}: {e}"));
        assert_eq!(meta.lang, lang);
        assert_eq!(meta.languages.len(), 6);
        assert!(meta.pages > 5, "{lang}: {} pages", meta.pages);
        // In Arabic and Chinese, the home page is found through its shard.
        let word = match lang {
            "ar" => "الامن",
            "zh" => "安全",
            _ => continue,
        };
        let n = meta.shard_of(word);
        let shard = Shard::parse(&std::fs::read(dir.join(meta.shard_path(n))).unwrap()).unwrap();
        let term = shard.lookup(word).flatten().expect(word);
        let table = meta.table.as_ref().expect("a small table is in meta.js");
        let urls: Vec<&str> = shard.postings[term]
            .iter()
            .map(|p| table[p.page as usize].url.as_str())
            .collect();
        assert!(
            urls.contains(&format!("{lang}/").as_str()),
            "{lang}: {urls:?}"
        );
    }
}
