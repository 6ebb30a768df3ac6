//! Builds the GCA knowledge base itself (`site/` with `themes/gca`): every
//! internal link and anchor must resolve, every schema must hold, and no
//! page shows Markdown link syntax as text.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;

/// The GCA site, built once for all tests of this file.
fn gca_site() -> &'static Path {
    static OUT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, out) = OUT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let o = build(&repo().join("site"), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (dir, out)
    });
    out
}

#[test]
fn the_gca_site_builds() {
    let out = gca_site();
    for f in [
        "index.html",
        "work-areas/legal-measures/index.html",
        "work-areas/technical-and-procedural-measures/index.html",
        "work-areas/organizational-structures/index.html",
        "work-areas/capacity-building/index.html",
        "work-areas/international-cooperation/index.html",
        "hleg/index.html",
        "documents/address-2008/index.html",
        "glossary/index.html",
        "timeline/index.html",
        "about/index.html",
        "browse/work-areas/index.html",
        "sitemap.xml",
        "atom.xml",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let glossary = read(out, "glossary/index.html");
    assert!(
        glossary.contains("id=\"cirt\""),
        "glossary terms have anchors"
    );
}

/// Elements whose text is code or not text at all: Markdown syntax shown
/// there is meant.
const NOT_PROSE: [&str; 7] = ["code", "pre", "kbd", "samp", "script", "style", "template"];

/// The text a reader sees in `html`: tags, attributes and comments left out,
/// and the content of the elements in [`NOT_PROSE`] too. Entities are kept
/// as written, which is enough to find Markdown punctuation.
fn prose_text(html: &str) -> String {
    let mut text = String::new();
    let mut skipping: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        if skipping.is_empty() {
            text.push_str(&rest[..lt]);
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let (closing, tag) = match tag.strip_prefix('/') {
            Some(t) => (true, t),
            None => (false, tag),
        };
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if !NOT_PROSE.contains(&name.as_str()) || tag.ends_with('/') {
            // A tag ends a word as a space would, except inline ones; a space
            // is harmless for the patterns looked for.
            if skipping.is_empty() {
                text.push(' ');
            }
            continue;
        }
        if closing {
            if let Some(i) = skipping.iter().rposition(|n| *n == name) {
                skipping.truncate(i);
            }
        } else {
            skipping.push(name);
        }
    }
    if skipping.is_empty() {
        text.push_str(rest);
    }
    text
}

/// Markdown link syntax left in prose: `(@/`, `](`, or a `[label]` in
/// square brackets, each with the text around it.
fn link_remnants(text: &str) -> Vec<String> {
    let around = |start: usize, end: usize| {
        let from = text[..start]
            .char_indices()
            .rev()
            .nth(30)
            .map_or(0, |(i, _)| i);
        let to = text[end..]
            .char_indices()
            .nth(30)
            .map_or(text.len(), |(i, _)| end + i);
        text[from..to]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut found = Vec::new();
    for pattern in ["(@/", "]("] {
        for (i, _) in text.match_indices(pattern) {
            found.push(around(i, i + pattern.len()));
        }
    }
    for (open, _) in text.match_indices('[') {
        let after = &text[open + 1..];
        if let Some(close) = after.find([']', '[', '\n'])
            && after[close..].starts_with(']')
            && !after[..close].trim().is_empty()
        {
            found.push(around(open, open + 1 + close + 1));
        }
    }
    found
}

#[test]
fn no_page_shows_markdown_link_syntax_as_text() {
    let mut problems = Vec::new();
    let mut pages = 0;
    for (path, bytes) in tree(gca_site()) {
        if !path.ends_with(".html") {
            continue;
        }
        pages += 1;
        let html = String::from_utf8(bytes).unwrap();
        for remnant in link_remnants(&prose_text(&html)) {
            problems.push(format!("{path}: `{remnant}`"));
        }
    }
    assert!(pages > 50, "only {pages} HTML files");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_link_syntax_check_catches_what_it_must() {
    let text = prose_text(
        "<p>Make <a href=\"/g/#x\">cooperation</a> [global] possible(@/glossary/_index.md#x).</p>\
         <p>See <code>[a](@/b.md)</code> and <pre><code>[c](@/d.md)\n</code></pre>.</p>\
         <!-- [e](@/f.md) --><p title=\"[g](h)\">fine [</p>",
    );
    assert!(!text.contains("[a]") && !text.contains("[c]") && !text.contains("[e]"));
    assert!(!text.contains("[g]"), "attributes are not prose: {text}");
    let found = link_remnants(&text);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("possible(@/glossary"), "{found:?}");
    assert!(found[1].contains("[global]"), "{found:?}");
    assert_eq!(
        link_remnants(&prose_text("<p>[text](@/page.md)</p>")).len(),
        3
    );
    assert!(link_remnants(&prose_text("<p>a [ b and c ] d</p>")).len() == 1);
    assert!(link_remnants(&prose_text("<p>no brackets, (parens) fine</p>")).is_empty());
}
