//! Properties of generated corpora: determinism, page counts, taxonomy
//! values and internal links, in every format.

use gca_corpus::plan::{TAXONOMIES, slugify};
use gca_corpus::{Format, Options, generate};
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const ALL: [Format; 3] = [Format::Gca, Format::Zola, Format::Hugo];

fn make(dir: &Path, pages: u64, seed: u64) {
    generate(&Options {
        pages,
        seed,
        out: dir.to_path_buf(),
        formats: ALL.to_vec(),
        force: false,
    })
    .expect("generate");
}

/// Every file under `root`, by relative path, with its bytes.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn pages_of(files: &BTreeMap<PathBuf, Vec<u8>>, format: &str) -> Vec<(PathBuf, String)> {
    let prefix = Path::new(format).join("content");
    files
        .iter()
        .filter(|(p, _)| {
            p.starts_with(&prefix)
                && p.extension().is_some_and(|e| e == "md")
                && p.file_name().is_some_and(|n| n != "_index.md")
        })
        .map(|(p, b)| (p.clone(), String::from_utf8(b.clone()).unwrap()))
        .collect()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    make(a.path(), 300, 42);
    make(b.path(), 300, 42);
    make(c.path(), 300, 43);
    let (ta, tb, tc) = (tree(a.path()), tree(b.path()), tree(c.path()));
    assert!(ta.len() > 900, "{} files", ta.len());
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(
            tb[path] == *bytes,
            "{} differs between two runs",
            path.display()
        );
    }
    let differing = ta
        .iter()
        .filter(|(p, bytes)| tc.get(*p) != Some(*bytes))
        .count();
    assert!(
        differing > 600,
        "another seed changed only {differing} files"
    );
}

#[test]
fn every_format_has_n_pages_and_its_config_and_templates() {
    for pages in [100, 1234] {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate(&Options {
            pages,
            seed: 7,
            out: dir.path().to_path_buf(),
            formats: ALL.to_vec(),
            force: false,
        })
        .unwrap();
        assert_eq!(summary.pages, pages);
        let files = tree(dir.path());
        for format in ["gca", "zola", "hugo"] {
            assert_eq!(pages_of(&files, format).len() as u64, pages, "{format}");
            let sections = files
                .keys()
                .filter(|p| p.starts_with(format) && p.ends_with("_index.md"))
                .count() as u64;
            assert_eq!(sections, summary.sections, "{format}");
        }
        // The same page paths in every format.
        let paths = |f: &str| -> Vec<PathBuf> {
            pages_of(&files, f)
                .into_iter()
                .map(|(p, _)| p.strip_prefix(f).unwrap().to_path_buf())
                .collect()
        };
        assert_eq!(paths("gca"), paths("zola"));
        assert_eq!(paths("gca"), paths("hugo"));
        for required in [
            "gca/config.toml",
            "gca/templates/page.html",
            "gca/templates/section.html",
            "gca/templates/index.html",
            "gca/templates/taxonomy_list.html",
            "gca/templates/taxonomy_single.html",
            "zola/config.toml",
            "zola/templates/page.html",
            "zola/templates/taxonomy_single.html",
            "hugo/hugo.toml",
            "hugo/layouts/_default/single.html",
            "hugo/layouts/_default/term.html",
        ] {
            assert!(
                files.contains_key(Path::new(required)),
                "missing {required}"
            );
        }
    }
}

/// `name = ["a", "b"]` lines of a front matter, by name.
fn front_matter_lists(text: &str) -> BTreeMap<String, Vec<String>> {
    let body = text
        .strip_prefix("+++\n")
        .expect("front matter opens with +++");
    let end = body.find("\n+++\n").expect("front matter closes with +++");
    let mut out = BTreeMap::new();
    for line in body[..end].lines() {
        if let Some((key, value)) = line.split_once(" = [") {
            let values = value
                .trim_end_matches(']')
                .split("\", ")
                .map(|v| v.trim_matches('"').to_owned())
                .filter(|v| !v.is_empty())
                .collect();
            out.insert(key.to_owned(), values);
        }
    }
    out
}

#[test]
fn taxonomies_use_only_declared_values_and_configs_declare_them() {
    let dir = tempfile::tempdir().unwrap();
    make(dir.path(), 600, 3);
    let files = tree(dir.path());
    let mut used: HashSet<(String, String)> = HashSet::new();
    for format in ["gca", "zola", "hugo"] {
        for (path, text) in pages_of(&files, format) {
            let lists = front_matter_lists(&text);
            for t in TAXONOMIES {
                let values = lists
                    .get(t.name)
                    .unwrap_or_else(|| panic!("{}: no {}", path.display(), t.name));
                assert!(!values.is_empty(), "{}: empty {}", path.display(), t.name);
                for v in values {
                    assert!(
                        t.values.contains(&v.as_str()),
                        "{}: {} = {v:?} is not declared",
                        path.display(),
                        t.name
                    );
                    used.insert((t.name.to_owned(), v.clone()));
                }
            }
            let taxonomy_keys = lists.keys().filter(|k| *k != "aliases").count();
            assert_eq!(taxonomy_keys, TAXONOMIES.len(), "{}", path.display());
        }
    }
    // Every declared value appears somewhere, so every term page is built.
    for t in TAXONOMIES {
        for v in t.values {
            assert!(
                used.contains(&(t.name.to_owned(), (*v).to_owned())),
                "{} {v} unused",
                t.name
            );
        }
    }
    let gca = String::from_utf8(files[Path::new("gca/config.toml")].clone()).unwrap();
    let zola = String::from_utf8(files[Path::new("zola/config.toml")].clone()).unwrap();
    let hugo = String::from_utf8(files[Path::new("hugo/hugo.toml")].clone()).unwrap();
    for t in TAXONOMIES {
        assert!(gca.contains(&format!("name = \"{}\"", t.name)));
        let quoted: Vec<String> = t.values.iter().map(|v| format!("\"{v}\"")).collect();
        assert!(
            gca.contains(&format!("values = [{}]", quoted.join(", "))),
            "{}",
            t.name
        );
        assert!(zola.contains(&format!("name = \"{}\", feed = true", t.name)));
        assert!(hugo.contains(&format!("= \"{}\"", t.name)));
    }
}

/// Targets of `](@/...)` links (gca, Zola) or `{{< ref "/..." >}}` (Hugo).
fn link_targets(text: &str, opener: &str, closer: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(opener) {
        rest = &rest[i + opener.len()..];
        let end = rest.find(closer).expect("unterminated link");
        out.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    out
}

/// Ids of the Markdown headings of a page.
fn heading_ids(text: &str) -> HashSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("## ").or_else(|| l.strip_prefix("### ")))
        .map(slugify)
        .collect()
}

fn check_links(
    files: &BTreeMap<PathBuf, Vec<u8>>,
    format: &str,
    opener: &str,
    closer: char,
) -> usize {
    let content = Path::new(format).join("content");
    let mut checked = 0;
    for (path, bytes) in files.iter().filter(|(p, _)| p.starts_with(&content)) {
        let text = std::str::from_utf8(bytes).unwrap();
        for target in link_targets(text, opener, closer) {
            let (file, anchor) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target.as_str(), None),
            };
            let file = file.trim_start_matches('/');
            let linked = files
                .get(&content.join(file))
                .unwrap_or_else(|| panic!("{}: link to missing {file}", path.display()));
            if let Some(anchor) = anchor {
                let ids = heading_ids(std::str::from_utf8(linked).unwrap());
                assert!(
                    ids.contains(anchor),
                    "{}: no #{anchor} in {file}",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn internal_links_point_to_generated_pages_and_headings() {
    let dir = tempfile::tempdir().unwrap();
    make(dir.path(), 800, 11);
    let files = tree(dir.path());
    let gca = check_links(&files, "gca", "](@/", ')');
    let zola = check_links(&files, "zola", "](@/", ')');
    let hugo = check_links(&files, "hugo", "{{< ref \"", '"');
    assert!(gca > 800, "only {gca} links");
    assert_eq!(gca, zola);
    assert_eq!(gca, hugo);
    // Some links carry anchors, some go to sections.
    let all: String = files
        .iter()
        .filter(|(p, _)| p.starts_with("gca/content"))
        .map(|(_, b)| String::from_utf8(b.clone()).unwrap())
        .collect();
    assert!(all.contains(".md#"));
    assert!(all.contains("/_index.md)"));
}

#[test]
fn pages_have_the_expected_markdown_features() {
    let dir = tempfile::tempdir().unwrap();
    make(dir.path(), 400, 5);
    let files = tree(dir.path());
    let pages = pages_of(&files, "gca");
    let count = |needle: &str| pages.iter().filter(|(_, t)| t.contains(needle)).count();
    assert_eq!(count("\n## "), pages.len(), "every page has an h2");
    assert!(count("\n### ") > 40);
    assert!(count("\n- ") > 100);
    assert!(count("\n1. ") > 40);
    assert!(count("\n|---|") > 40);
    assert!(count("\n> ") > 20);
    // A code block every few pages.
    let code = count("\n```");
    assert!((60..=200).contains(&code), "{code} pages with code");
    assert!(count("<!-- more -->") > 60);
    assert!(count("**") > 100 && count("`") > 100);
    let hugo = pages_of(&files, "hugo");
    assert_eq!(
        hugo.iter()
            .filter(|(_, t)| t.contains("<!--more-->"))
            .count(),
        count("<!-- more -->")
    );
}

#[test]
fn cli_generates_and_refuses_bad_input() {
    let bin = env!("CARGO_BIN_EXE_gca-corpus");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let run = |args: &[&str]| Command::new(bin).args(args).output().unwrap();
    let ok = run(&[
        "--pages",
        "100",
        "--seed",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--formats",
        "gca,hugo",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(out.join("gca/config.toml").exists());
    assert!(out.join("hugo/hugo.toml").exists());
    assert!(!out.join("zola").exists());
    let again = run(&[
        "--pages",
        "100",
        "--out",
        out.to_str().unwrap(),
        "--formats",
        "gca",
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let forced = run(&[
        "--pages",
        "100",
        "--out",
        out.to_str().unwrap(),
        "--formats",
        "gca",
        "--force",
    ]);
    assert!(forced.status.success());
    let few = run(&["--pages", "99", "--out", out.to_str().unwrap(), "--force"]);
    assert!(!few.status.success());
    let bad = run(&[
        "--pages",
        "100",
        "--out",
        out.to_str().unwrap(),
        "--formats",
        "jekyll",
        "--force",
    ]);
    assert!(!bad.status.success());
}
