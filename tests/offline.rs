//! `gca build --offline`: every link works from disk (file://).

mod common;

use std::path::Path;

use common::*;

/// Values of href/src/action attributes in an HTML file.
fn urls(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [" href=\"", " src=\"", " action=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            let after = &rest[i + attr.len()..];
            let end = after.find('"').unwrap();
            out.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn every_link_resolves_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let o = gca(&[
        "build",
        "--root",
        fixture("basic").to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--offline",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut checked = 0;
    for (file, bytes) in tree(&out) {
        if !file.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        let dir_of = Path::new(&file).parent().unwrap_or(Path::new(""));
        for url in urls(&html) {
            if url.starts_with("http://") || url.starts_with("https://") || url.starts_with('#') {
                continue;
            }
            assert!(
                !url.starts_with('/'),
                "{file}: root-relative link left: {url}"
            );
            let path = url.split(['#', '?']).next().unwrap();
            let target = out.join(dir_of).join(path);
            assert!(
                target.is_file(),
                "{file}: {url} does not lead to a file ({})",
                target.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} links checked");
    let page = read(&out, "news/first/index.html");
    assert!(page.contains("href=\"../../docs/guide/index.html#install\""));
    assert!(
        page.contains("href=\"https://example.org/sub/news/first/\""),
        "canonical stays absolute"
    );
}
