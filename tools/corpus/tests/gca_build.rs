//! gca builds the generated corpus: every page, section and term page is
//! written, every internal link and anchor resolves (gca fails otherwise),
//! and the minimal templates render the content as HTML.

use gca_corpus::plan::{TAXONOMIES, slugify};
use gca_corpus::{Format, Options, generate};
use std::path::Path;

fn page_sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            page_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "md")
            && path.file_name().is_some_and(|n| n != "_index.md")
        {
            out.push(path);
        }
    }
}

#[test]
fn gca_builds_the_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(&Options {
        pages: 300,
        seed: 21,
        out: dir.path().to_path_buf(),
        formats: vec![Format::Gca],
        force: false,
    })
    .unwrap();
    let root = dir.path().join("gca");
    let output = dir.path().join("public");
    let report = gca::site::build(&gca::site::BuildOptions {
        root: root.clone(),
        output: output.clone(),
        base_url: None,
        drafts: false,
        offline: false,
    })
    .unwrap_or_else(|e| panic!("gca build failed: {e:#}"));
    assert_eq!(report.pages, 300);
    assert_eq!(report.sections as u64, summary.sections);

    let content = root.join("content");
    let mut sources = Vec::new();
    page_sources(&content, &mut sources);
    assert_eq!(sources.len(), 300);
    for source in &sources {
        let rel = source.strip_prefix(&content).unwrap().with_extension("");
        let html_path = output.join(&rel).join("index.html");
        let html = std::fs::read_to_string(&html_path)
            .unwrap_or_else(|e| panic!("{}: {e}", html_path.display()));
        // The content is HTML, not escaped text, and the taxonomy values show.
        assert!(html.contains("<h2 id=\""), "{}", html_path.display());
        assert!(!html.contains("&lt;h2"), "{}", html_path.display());
        assert!(
            html.contains("<dt>Work areas</dt><dd>"),
            "{}",
            html_path.display()
        );
    }
    for t in TAXONOMIES {
        let list = output.join(slugify(t.name)).join("index.html");
        let list =
            std::fs::read_to_string(&list).unwrap_or_else(|e| panic!("{}: {e}", list.display()));
        for v in t.values {
            let term = output
                .join(slugify(t.name))
                .join(slugify(v))
                .join("index.html");
            assert!(term.exists(), "missing {}", term.display());
            assert!(list.contains(&format!(">{v}</a>")), "{} not listed", v);
        }
    }
}
