//! Builds `tests/fixtures/sections` and checks the section options that
//! decide which template renders a page and in which order sections list
//! their pages, and the pages of a paginated taxonomy term.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;

/// The fixture, built once for every test of this file.
fn public() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir: &Path = DIR
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let out = build(&fixture("sections"), &dir.path().join("public"));
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            dir
        })
        .path();
    dir.join("public")
}

/// The text between `<p class="{class}">` and the next `</p>`.
fn paragraph(html: &str, class: &str) -> String {
    let open = format!("<p class=\"{class}\">");
    let start = html
        .find(&open)
        .unwrap_or_else(|| panic!("no {open} in\n{html}"))
        + open.len();
    let end = html[start..].find("</p>").unwrap() + start;
    html[start..end].to_string()
}

#[test]
fn page_template_applies_to_the_sections_pages() {
    let template = |page: &str| paragraph(&read(&public(), page), "template");
    // guides/ sets `page_template = "doc.html"`.
    assert_eq!(template("guides/a/index.html"), "doc");
    assert_eq!(template("guides/c/index.html"), "doc");
    // A page's own `template` wins over its section's `page_template`.
    assert_eq!(template("guides/d/index.html"), "special");
    // A subsection without `page_template` inherits its parent's...
    assert_eq!(template("guides/plain/y/index.html"), "doc");
    // ...and one with its own uses the nearest.
    assert_eq!(template("guides/deep/x/index.html"), "inner");
    // Elsewhere, page.html.
    assert_eq!(template("log/1-first/index.html"), "page");
}

#[test]
fn sort_by_title_ignores_case_and_file_order() {
    // Files a.md to d.md hold Zeta, Echo, mu, Beta.
    let order = paragraph(&read(&public(), "guides/index.html"), "order");
    assert_eq!(order, "Beta|Echo|mu|Zeta|");
}

#[test]
fn sort_by_none_keeps_the_file_order() {
    // Dates, weights and titles would each give Alpha, Bravo, Charlie.
    let order = paragraph(&read(&public(), "log/index.html"), "order");
    assert_eq!(order, "Charlie|Alpha|Bravo|");
}

#[test]
fn a_term_with_more_pages_than_paginate_by_has_more_pager_pages() {
    let out = public();
    // Five pages, two per pager page, newest first.
    let first = read(&out, "topics/security/index.html");
    assert_eq!(paragraph(&first, "count"), "5");
    assert_eq!(paragraph(&first, "pages"), "Zeta|Alpha|");
    assert_eq!(
        paragraph(&first, "pager"),
        "1/3 next=/topics/security/page/2/"
    );
    let second = read(&out, "topics/security/page/2/index.html");
    assert_eq!(paragraph(&second, "pages"), "Bravo|Charlie|");
    assert_eq!(
        paragraph(&second, "pager"),
        "2/3 prev=/topics/security/ next=/topics/security/page/3/"
    );
    let third = read(&out, "topics/security/page/3/index.html");
    assert_eq!(paragraph(&third, "pages"), "Echo|");
    assert_eq!(
        paragraph(&third, "pager"),
        "3/3 prev=/topics/security/page/2/"
    );
    assert!(!out.join("topics/security/page/4").exists());
    // page/1/ leads back to the term's first page.
    assert!(read(&out, "topics/security/page/1/index.html").contains("url=/topics/security/"));
    // A term that fits on one page has no more.
    let trust = read(&out, "topics/trust/index.html");
    assert_eq!(paragraph(&trust, "pager"), "1/1");
    assert!(!out.join("topics/trust/page/2").exists());
}
