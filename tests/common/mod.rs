//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests").join("fixtures").join(name)
}

/// Runs the `gca` binary.
pub fn gca(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gca"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run gca")
}

/// Builds `root` into `out` with the binary; returns the process output.
pub fn build(root: &Path, out: &Path) -> Output {
    gca(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ])
}

/// Every file under `dir`, relative path to bytes.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir(dir) {
        let rel = e
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        out.insert(rel, std::fs::read(&e).unwrap());
    }
    out
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Reads an output file as text.
pub fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Copies a folder recursively, leaving out build caches (`.gca/`): tests
/// that build a fixture in place write one there while others copy it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_name() == ".gca" {
            continue;
        }
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A small site in a temporary folder: a config, minimal templates, and the
/// given files (path under the site root, text).
pub fn small_site(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let defaults: &[(&str, &str)] = &[
        (
            "config.toml",
            "title = \"Small\"\nbase_url = \"https://example.org/\"\ntheme = \"none\"\n[[taxonomies]]\nname = \"work_areas\"\n",
        ),
        (
            "templates/index.html",
            "<h1>{{ section.title }}</h1>{{ section.content }}",
        ),
        (
            "templates/section.html",
            "<h1>{{ section.title }}</h1>{{ section.content }}",
        ),
        (
            "templates/page.html",
            "<h1>{{ page.title }}</h1>{{ page.content }}",
        ),
        ("templates/taxonomy_list.html", "{{ taxonomy.title }}"),
        ("templates/taxonomy_single.html", "{{ term.name }}"),
        ("content/_index.md", "+++\ntitle = \"Home\"\n+++\n"),
    ];
    for (path, text) in defaults.iter().chain(files) {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// Asserts a failed build: exit code 1 (not a panic), and stderr naming the
/// file and line.
pub fn assert_fails_at(out: &Output, file_and_line: &str, message: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected exit 1, stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
    assert!(
        stderr.contains(file_and_line),
        "expected `{file_and_line}` in:\n{stderr}"
    );
    assert!(
        stderr.contains(message),
        "expected `{message}` in:\n{stderr}"
    );
}
