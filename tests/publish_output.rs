//! What `[output]` adds for hosts, on disk: precompressed siblings that
//! decompress to their originals and are the same at every build,
//! `_headers` and `_redirects` as Netlify and Cloudflare Pages read them,
//! and the file count of a 10,000-page site under Cloudflare Pages' limit.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use common::*;

const SWITCHES: &str = "\n[output]\ncompress = true\nheaders_file = true\nredirects_file = true\n";

/// A copy of the GCA site and its theme with `extra` appended to the
/// configuration and an alias on one page.
fn gca_site(dir: &Path, extra: &str) -> PathBuf {
    let repo = repo();
    copy_dir(&repo.join("site"), &dir.join("site"));
    copy_dir(&repo.join("themes"), &dir.join("themes"));
    let page = dir.join("site/content/hleg/goals.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        text.replacen(
            "weight = 1\n",
            "weight = 1\naliases = [\"/hleg/objectives/\"]\n",
            1,
        ),
    )
    .unwrap();
    let config = dir.join("site/config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(extra);
    std::fs::write(&config, text).unwrap();
    dir.join("site")
}

fn build_ok(root: &Path, out: &Path, base_url: &str) -> String {
    let o = gca(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--base-url",
        base_url,
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "build: {stderr}");
    stderr
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).expect("valid brotli");
    out
}

#[test]
fn compressed_siblings_decompress_to_the_originals_and_are_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let site = gca_site(tmp.path(), SWITCHES);
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    build_ok(&site, &a, "https://example.org/gca/");
    // A second build elsewhere, a second later: same bytes.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    build_ok(&site, &b, "https://example.org/gca/");
    let ta = tree(&a);
    let tb = tree(&b);
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(tb[path] == *bytes, "{path} differs between two builds");
    }

    let mut gz = 0;
    let mut br = 0;
    for (path, bytes) in &ta {
        if let Some(original) = path.strip_suffix(".gz") {
            let src = &ta[original];
            assert_eq!(&gunzip(bytes), src, "{path}");
            assert!(bytes.len() < src.len(), "{path} is smaller");
            // No file name, no time, in the header.
            assert_eq!(bytes[3], 0, "{path}: no optional gzip fields");
            assert_eq!(&bytes[4..8], &[0, 0, 0, 0], "{path}: no time");
            gz += 1;
        } else if let Some(original) = path.strip_suffix(".br") {
            assert_eq!(&unbrotli(bytes), &ta[original], "{path}");
            br += 1;
        }
    }
    // Which files have siblings: text over 1 KiB; never images or small
    // files.
    let text_ext = ["html", "css", "js", "json", "xml", "txt", "svg"];
    for (path, bytes) in &ta {
        let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
        let has = ta.contains_key(&format!("{path}.gz"));
        if ext == "gz" || ext == "br" || path.starts_with('_') {
            continue;
        }
        if bytes.len() < 1024 || !text_ext.contains(&ext) {
            assert!(!has, "{path} ({} bytes) should have no .gz", bytes.len());
        } else if ext == "html" {
            assert!(has, "{path} ({} bytes) has a .gz", bytes.len());
        }
    }
    assert!(ta.contains_key("index.html.gz") && ta.contains_key("index.html.br"));
    assert!(gz > 100 && br > 100, "{gz} .gz and {br} .br files");
    assert!(
        ta.keys()
            .any(|k| k.starts_with("search/") && k.ends_with(".js.gz")),
        "search files are compressed too"
    );

    // Off by default: no sibling, no host file.
    let plain = gca_site(&tmp.path().join("plain"), "");
    let c = tmp.path().join("c");
    build_ok(&plain, &c, "https://example.org/gca/");
    let tc = tree(&c);
    assert!(!tc.keys().any(|k| k.ends_with(".gz") || k.ends_with(".br")));
    assert!(!tc.contains_key("_headers") && !tc.contains_key("_redirects"));
    // The same site otherwise, but for the alias: with `_redirects` it is
    // a line there, not a page.
    let alias = "hleg/objectives/index.html".to_string();
    assert!(tc.contains_key(&alias) && !ta.contains_key(&alias));
    let originals: Vec<&String> = ta
        .keys()
        .filter(|k| !k.ends_with(".gz") && !k.ends_with(".br") && !k.starts_with('_'))
        .collect();
    assert_eq!(
        originals,
        tc.keys().filter(|k| **k != alias).collect::<Vec<_>>()
    );
}

/// `_headers` read the way Netlify and Cloudflare Pages read it: a URL
/// pattern on its own line, then indented `Name: value` lines.
fn parse_headers(text: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut rules: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if line.starts_with(' ') {
            let (k, v) = line.trim().split_once(": ").expect("Name: value");
            rules
                .last_mut()
                .expect("a rule")
                .1
                .insert(k.into(), v.into());
        } else {
            assert!(line.starts_with('/'), "a URL pattern: {line}");
            assert!(line.matches('*').count() <= 1, "one splat at most: {line}");
            assert!(
                !line.contains('*') || line.ends_with('*'),
                "a splat only at the end (Netlify): {line}"
            );
            rules.push((line.to_string(), BTreeMap::new()));
        }
    }
    rules
}

/// Checks `_headers` of the output `out` published at `base`: the security
/// rule first, then caching rules that match every file, at the URL a
/// browser asks for, exactly once as Cloudflare Pages and as Netlify read
/// them: long-lived for content-hashed names, short for the rest. Returns
/// the number of rules.
fn check_headers(out: &Path, base: &str) -> usize {
    let headers = read(out, "_headers");
    let rules = parse_headers(&headers);
    let (first, security) = &rules[0];
    assert_eq!(first, &format!("{base}*"));
    assert_eq!(security["Content-Security-Policy"], "default-src 'self'");
    assert_eq!(security["X-Content-Type-Options"], "nosniff");
    assert!(!security.contains_key("Cache-Control"));
    let caching: Vec<&(String, BTreeMap<String, String>)> = rules[1..].iter().collect();
    for (pattern, h) in &caching {
        assert!(pattern.starts_with(base), "{pattern}");
        assert!(h.contains_key("Cache-Control"), "{pattern}");
    }
    let mut long = 0;
    let mut files = Vec::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p.strip_prefix(out).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    for path in &files {
        if path.ends_with(".gz") || path.ends_with(".br") || path.starts_with('_') {
            continue;
        }
        let url = match path.strip_suffix("index.html") {
            Some(dir) if path.ends_with("/index.html") || path == "index.html" => {
                format!("{base}{dir}")
            }
            _ => format!("{base}{path}"),
        };
        let name = path.rsplit('/').next().unwrap();
        let hashed = (path.starts_with("css/") || path.starts_with("js/"))
            && name.split('.').count() == 3
            || (path.starts_with("search/") && path.matches('/').count() == 2 && name != "meta.js");
        for (host, pick) in [("Cloudflare Pages", 0), ("Netlify", 1)] {
            let hits: Vec<&&(String, BTreeMap<String, String>)> = caching
                .iter()
                .filter(|(p, _)| {
                    let m = gca::site::publish::matches_as_hosts_read(p, &url);
                    if pick == 0 { m.0 } else { m.1 }
                })
                .collect();
            let patterns: Vec<&String> = hits.iter().map(|(p, _)| p).collect();
            assert_eq!(hits.len(), 1, "{host}: {url} matches {patterns:?}");
            let cache = &hits[0].1["Cache-Control"];
            if hashed {
                assert_eq!(cache, "public, max-age=31536000, immutable", "{url}");
            } else {
                assert_eq!(cache, "public, max-age=0, must-revalidate", "{url}");
            }
            if path.ends_with(".html")
                && let Some(t) = hits[0].1.get("Content-Type")
            {
                assert_eq!(t, "text/html; charset=utf-8", "{url}");
            }
        }
        if hashed {
            long += 1;
        }
    }
    assert!(long > 10, "{long} hashed files");
    // Hashed files come first, so a host reading only the first rules
    // still caches them.
    let first_short = caching
        .iter()
        .position(|(_, h)| h["Cache-Control"].contains("max-age=0"))
        .unwrap();
    assert!(
        caching[first_short..]
            .iter()
            .all(|(_, h)| h["Cache-Control"].contains("max-age=0"))
    );
    rules.len()
}

#[test]
fn host_files_cover_every_url_once_and_list_aliases() {
    let tmp = tempfile::tempdir().unwrap();
    let site = gca_site(tmp.path(), SWITCHES);
    let out = tmp.path().join("public");
    build_ok(&site, &out, "https://example.org/gca/");
    let rules = check_headers(&out, "/gca/");
    // One rule per kind of file, not per file: the site has hundreds of
    // files (about 100 search files) and Cloudflare Pages reads 100 rules.
    // Six languages with five kinds of search files each make most of the
    // 52 rules.
    assert!(rules <= 60, "{rules} rules in _headers");

    let redirects = read(&out, "_redirects");
    let lines: Vec<&str> = redirects.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines, vec!["/gca/hleg/objectives/ /gca/hleg/goals/ 301"]);
    // No page at the alias: Netlify would serve it instead of applying the
    // rule (Cloudflare applies rules first either way).
    assert!(!out.join("hleg/objectives").exists());
    // An offline copy has no host to read _redirects: the page is there.
    let offline = tmp.path().join("offline");
    let o = gca(&[
        "build",
        "--root",
        site.to_str().unwrap(),
        "--output",
        offline.to_str().unwrap(),
        "--offline",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(read(&offline, "hleg/objectives/index.html").contains("href=\"../goals/index.html\""));
}

/// Cloudflare Pages takes at most 20,000 files: a 10,000-page site (made by
/// the benchmark corpus generator, with its taxonomies, feeds and search
/// export, and the host files) stays under it.
#[test]
fn ten_thousand_pages_stay_under_twenty_thousand_files() {
    let tmp = tempfile::tempdir().unwrap();
    let summary = gca_corpus::generate(&gca_corpus::Options {
        pages: 10_000,
        seed: 7,
        out: tmp.path().to_path_buf(),
        formats: vec![gca_corpus::Format::Gca],
        force: false,
    })
    .expect("generate the corpus");
    assert_eq!(summary.pages, 10_000);
    let root = tmp.path().join("gca");
    let config = root.join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[output]\nheaders_file = true\nredirects_file = true\n");
    std::fs::write(&config, text).unwrap();
    let out = tmp.path().join("public");
    let stderr = build_ok(&root, &out, "https://example.org/");
    let mut count = 0usize;
    let mut search = 0usize;
    let mut html = 0usize;
    let mut stack = vec![out.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                count += 1;
                let rel = e.path().strip_prefix(&out).unwrap().to_path_buf();
                if rel.starts_with("search") {
                    search += 1;
                }
                if rel.extension().is_some_and(|x| x == "html") {
                    html += 1;
                }
            }
        }
    }
    println!("10,000 pages: {count} files ({html} HTML, {search} search files)");
    assert!(html >= 10_000, "{html} HTML files: every page was built");
    assert!(
        search > 0 && search < 10_000 / 2,
        "{search} search files: the search export must not add a file per page"
    );
    assert!(
        count < 20_000,
        "{count} files: over Cloudflare Pages' 20,000 ({html} HTML, {search} search)\n{stderr}"
    );
    assert!(
        !stderr.contains("Cloudflare Pages takes at most"),
        "no file-count warning: {stderr}"
    );
    // _headers: a rule per kind of file, whatever the number of pages and
    // search files, each file under one.
    let rules = check_headers(&out, "/");
    println!("10,000 pages: {rules} rules in _headers");
    assert!(rules <= 50, "{rules} rules in _headers");
    assert!(
        !stderr.contains("_headers has"),
        "no rule-count warning: {stderr}"
    );
}

/// The GitHub Pages workflow of `docs/examples/` is valid YAML, and its
/// build step, run as GitHub would for a project site, builds the site
/// under the repository's path.
#[test]
fn github_pages_workflow_builds_under_the_repository_path() {
    let repo = repo();
    let text = read(&repo.join("docs/examples"), "github-pages.yml");
    let doc: serde_json::Value = serde_saphyr::from_str(&text).expect("the workflow is YAML");
    assert_eq!(doc["permissions"]["pages"], "write");
    assert_eq!(doc["permissions"]["id-token"], "write");
    let steps = doc["jobs"]["build"]["steps"]
        .as_array()
        .expect("build steps");
    let uses = |name: &str| {
        steps
            .iter()
            .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(name)))
            .unwrap_or_else(|| panic!("a step uses {name}"))
    };
    assert_eq!(uses("actions/configure-pages")["id"], "pages");
    assert_eq!(
        uses("actions/upload-pages-artifact")["with"]["path"],
        "public"
    );
    let deploy = &doc["jobs"]["deploy"];
    assert_eq!(deploy["needs"], "build");
    assert!(
        deploy["steps"][0]["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/deploy-pages"))
    );
    let run = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains("gca build"))
        .expect("a step runs gca build");
    let run = run.replace(
        "${{ steps.pages.outputs.base_url }}",
        "https://owner.github.io/gca",
    );
    let args: Vec<String> = run
        .split_whitespace()
        .skip_while(|w| !w.ends_with("/gca"))
        .skip(1)
        .map(|w| w.trim_matches('"').to_string())
        .collect();
    assert_eq!(args[0], "build", "{run}");
    assert!(args.contains(&"--base-url".to_string()), "{run}");

    // In a checkout: site/ and themes/ beside each other.
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo.join("site"), &tmp.path().join("site"));
    copy_dir(&repo.join("themes"), &tmp.path().join("themes"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_gca"))
        .args(&args)
        .current_dir(tmp.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{run}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = tmp.path().join("public");
    let home = read(&out, "index.html");
    assert!(
        home.contains("href=\"/gca/work-areas/\""),
        "links under /gca/"
    );
    assert!(!home.contains("href=\"/work-areas/\""));
    assert!(read(&out, "sitemap.xml").contains("<loc>https://owner.github.io/gca/</loc>"));
}
