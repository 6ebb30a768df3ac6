//! `gca search` on a site whose index was built from the search fixture.

use std::path::Path;
use std::process::{Command, Output};

use search_index::{PageRecord, SearchConfig};

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pages: Vec<PageRecord> =
        serde_json::from_str(include_str!("../search-index/tests/fixtures/pages.json")).unwrap();
    search_index::build(
        &gca::site::search_cache(dir.path(), &dir.path().join("public")),
        &pages,
        &SearchConfig::default(),
    )
    .unwrap();
    dir
}

fn gca(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gca"))
        .arg("search")
        .arg("--root")
        .arg(root)
        .arg("--output")
        .arg(root.join("public"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn prints_ranked_results_with_snippets() {
    let site = site();
    let out = gca(site.path(), &["ransomware"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.starts_with("2 results for \"ransomware\" (en)"),
        "{text}"
    );
    let first = text.find("/documents/ransomware/").unwrap();
    let second = text.find("/documents/business-continuity/").unwrap();
    assert!(first < second);
}

#[test]
fn json_output_filters_and_limit() {
    let site = site();
    let out = gca(
        site.path(),
        &["legislation", "--work-area", "Capacity Building", "--json"],
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["results"][0]["url"], "documents/child-online-protection/");
    assert_eq!(v["facets"]["work_areas"]["Legal Measures"], 2);
    let out = gca(
        site.path(),
        &[
            "national",
            "--filter",
            "regions=Global",
            "--limit",
            "1",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["results"].as_array().unwrap().len(), 1, "{v}");
    assert!(v["total"].as_u64().unwrap() > 1);
}

#[test]
fn several_words_and_languages() {
    let site = site();
    let out = gca(site.path(), &["password", "hashing", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["results"][0]["url"], "documents/password-storage/");
    let out = gca(site.path(), &["安全", "--lang", "zh", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["results"][0]["url"], "zh/");
}

#[test]
fn all_languages_merges_by_rank() {
    let site = site();
    // "juridiques" is French, "legal" English: each index has one of the
    // two words, so both fall back to any word and their results alternate,
    // the English (the first language) first.
    let out = gca(site.path(), &["juridiques", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 0, "{v}");
    let out = gca(site.path(), &["juridiques", "--all-languages", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["lang"], "all");
    assert_eq!(
        v["results"][0]["url"], "fr/work-areas/legal-measures/",
        "{v}"
    );
    assert_eq!(v["results"][0]["lang"], "fr");
    let out = gca(site.path(), &["legal", "juridiques", "--all-languages"]);
    let text = stdout(&out);
    assert!(text.contains("(all languages)"), "{text}");
    assert!(
        text.contains("1. Legal Measures\n"),
        "the English page first: {text}"
    );
    assert!(
        text.contains("2. Mesures juridiques (fr)\n"),
        "then the French page, marked: {text}"
    );
}

#[test]
fn unknown_filter_warns_and_bad_filter_fails() {
    let site = site();
    let out = gca(site.path(), &["ransomware", "--filter", "colour=blue"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no taxonomy `colour`"));
    let out = gca(site.path(), &["ransomware", "--filter", "colour"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn hostile_titles_print_as_text() {
    let site = site();
    let out = gca(site.path(), &["quarantine"]);
    let text = stdout(&out);
    assert!(
        text.contains("<script>alert(1)</script> Markup & entities"),
        "{text}"
    );
    assert!(
        !text.contains('\x1b'),
        "no colour codes when not on a terminal"
    );
}

#[test]
fn without_an_index_says_to_build() {
    let dir = tempfile::tempdir().unwrap();
    let out = gca(dir.path(), &["anything"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `gca build` first"));
}
