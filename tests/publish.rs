//! Publishing on a real web server: the GCA site is built for
//! `http://127.0.0.1:<port>/gca/` and for the root of another port, served
//! by Debian's nginx with the example server block of
//! `docs/examples/nginx.conf` (adapted only in its port, folder and 404
//! page), and crawled from its home page. Every link, asset, feed and
//! search file must answer 200 and stay under the site's path, no absolute
//! link may point at the site's host elsewhere, no asset may come from
//! another host; unknown paths get the site's 404 page with status 404;
//! aliases answer with their redirect page; precompressed files are served
//! by `gzip_static`.
//!
//! Needs nginx (`apt-get install nginx`; `scripts/test` installs it): the
//! test fails without it, it never skips.

mod common;
#[path = "hosting/crawl.rs"]
mod crawl;
#[path = "hosting/http.rs"]
mod http;
#[path = "hosting/nginx.rs"]
mod nginx;

use std::io::Read;
use std::path::{Path, PathBuf};

use common::*;

/// The aliases added to a page of the site, and that page.
const ALIASES: [&str; 2] = ["hleg/objectives/", "hleg-goals.html"];
const ALIASED: &str = "hleg/goals/";

/// A copy of the GCA site and its theme, with two aliases on a page (one
/// a folder, one an `.html` file) and `[output]` switches appended.
fn site_copy(dir: &Path, output: &str) -> PathBuf {
    let repo = repo();
    copy_dir(&repo.join("site"), &dir.join("site"));
    copy_dir(&repo.join("themes"), &dir.join("themes"));
    let page = dir.join("site/content/hleg/goals.md");
    let text = std::fs::read_to_string(&page).unwrap();
    let text = text.replacen(
        "weight = 1\n",
        "weight = 1\naliases = [\"/hleg/objectives/\", \"/hleg-goals.html\"]\n",
        1,
    );
    assert!(text.contains("aliases = "), "the alias went into {page:?}");
    std::fs::write(&page, text).unwrap();
    let config = dir.join("site/config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(output);
    std::fs::write(&config, text).unwrap();
    dir.join("site")
}

fn build_for(root: &Path, out: &Path, base_url: &str) {
    let o = gca(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--base-url",
        base_url,
    ]);
    assert!(
        o.status.success(),
        "building for {base_url}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every file under `dir`, relative, `/`-separated.
fn files(dir: &Path) -> Vec<String> {
    tree(dir).into_keys().collect()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

/// Crawls the site at `base_path` and checks what every published site
/// must do; returns the crawl.
fn check_site(port: u16, base_path: &str, out: &Path) -> crawl::Crawl {
    let all = files(out);
    // The home page, what crawlers read first, and the aliases (which no
    // page links to).
    let seeds: Vec<String> = [
        "",
        "robots.txt",
        "sitemap.xml",
        "api/pages.json",
        "atom.xml",
        ALIASES[0],
        ALIASES[1],
    ]
    .iter()
    .map(|s| format!("{base_path}{s}"))
    .collect();
    // The 404 page is served for any path: its links must work from deep
    // down too.
    let deep = format!("{base_path}no/such/folder/page.html");
    let c = crawl::crawl(port, base_path, &seeds, std::slice::from_ref(&deep));
    let problems = c.problems();
    assert!(
        problems.is_empty(),
        "{} problems crawling {base_path} ({} URLs):\n{}",
        problems.len(),
        c.status.len(),
        problems.join("\n")
    );

    // The crawl reached every page of the site.
    let pages: Vec<String> = all
        .iter()
        .filter(|f| f.ends_with("index.html"))
        .map(|f| format!("{base_path}{}", f.trim_end_matches("index.html")))
        .collect();
    let unreached: Vec<&String> = pages
        .iter()
        .filter(|p| !c.status.contains_key(*p))
        .collect();
    assert!(
        unreached.is_empty(),
        "pages no link leads to: {unreached:?}"
    );
    assert!(c.status.len() > 300, "only {} URLs crawled", c.status.len());

    // Every file of the output is served, except the other hosts' files.
    for f in &all {
        let status = http::get(port, &format!("{base_path}{f}"), &[]).status;
        let want = if f == "_headers" || f == "_redirects" {
            404
        } else {
            200
        };
        assert_eq!(status, want, "{base_path}{f}");
    }

    // Unknown paths: the site's own 404 page, with status 404.
    let not_found = std::fs::read(out.join("404.html")).unwrap();
    for path in [format!("{base_path}no-such-page/"), deep] {
        let r = http::get(port, &path, &[]);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.body, not_found, "{path} shows the site's 404 page");
        assert_eq!(
            r.header("content-security-policy"),
            Some("default-src 'self'"),
            "{path}"
        );
    }

    // A folder without its final slash is redirected inside the site.
    let r = http::get(port, &format!("{base_path}about"), &[]);
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location"),
        Some(format!("{base_path}about/").as_str())
    );

    // Caching: content-hashed files for a year, pages revalidated.
    let css = all
        .iter()
        .find(|f| f.starts_with("css/site.") && f.ends_with(".css"))
        .expect("a hashed stylesheet");
    let r = http::get(port, &format!("{base_path}{css}"), &[]);
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(r.header("content-type"), Some("text/css; charset=utf-8"));
    let shards: Vec<&String> = all
        .iter()
        .filter(|f| f.starts_with("search/") && f.ends_with(".js") && !f.ends_with("meta.js"))
        .filter(|f| !f.ends_with("languages.js"))
        .collect();
    for s in &shards {
        let r = http::get(port, &format!("{base_path}{s}"), &[]);
        assert_eq!(
            r.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{s}"
        );
    }
    for path in [base_path.to_string(), format!("{base_path}atom.xml")] {
        let r = http::get(port, &path, &[]);
        assert_eq!(
            r.header("cache-control"),
            Some("public, max-age=0, must-revalidate"),
            "{path}"
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
    c
}

#[test]
fn gca_site_on_nginx_under_a_path_and_at_the_root() {
    let tmp = tempfile::tempdir().unwrap();
    let sub_port = nginx::free_port();
    let root_port = nginx::free_port();
    assert_ne!(sub_port, root_port);
    // Fail early and clearly without nginx.
    nginx::binary();

    // Under /gca/, with the precompressed files nginx serves, and
    // _headers (which nginx must not serve). Not _redirects: nginx does
    // not read it, and with it aliases have no page.
    let sub_site = site_copy(
        &tmp.path().join("sub"),
        "\n[output]\ncompress = true\nheaders_file = true\n",
    );
    let www = tmp.path().join("www");
    let sub_out = www.join("gca");
    build_for(
        &sub_site,
        &sub_out,
        &format!("http://127.0.0.1:{sub_port}/gca/"),
    );
    // At the root, with the defaults.
    let root_site = site_copy(&tmp.path().join("root"), "");
    let root_out = tmp.path().join("root-public");
    build_for(
        &root_site,
        &root_out,
        &format!("http://127.0.0.1:{root_port}/"),
    );
    assert!(!root_out.join("_redirects").exists());
    assert!(!root_out.join("index.html.gz").exists());

    let server = nginx::Nginx::start(
        &tmp.path().join("nginx"),
        &nginx::example_http_part(),
        &[
            nginx::example_server(sub_port, &www, "/gca/404.html"),
            nginx::example_server(root_port, &root_out, "/404.html"),
        ],
        &[sub_port, root_port],
    );

    let sub = check_site(sub_port, "/gca/", &sub_out);
    let root = check_site(root_port, "/", &root_out);
    assert_eq!(
        sub.status.len(),
        root.status.len(),
        "the same site at both places has the same URLs"
    );

    // Aliases: the redirect page answers 200 and leads to the page, inside
    // the site.
    assert!(sub_out.join("_headers").exists());
    for alias in ALIASES {
        let (from, to) = (format!("/gca/{alias}"), format!("/gca/{ALIASED}"));
        assert_eq!(sub.status.get(&from), Some(&200), "{from}");
        assert_eq!(sub.refreshes.get(&from), Some(&to), "{from}");
        let (from, to) = (format!("/{alias}"), format!("/{ALIASED}"));
        assert_eq!(root.status.get(&from), Some(&200), "{from}");
        assert_eq!(root.refreshes.get(&from), Some(&to), "{from}");
    }

    // Precompressed files: nginx sends the .gz the build wrote.
    for (path, file) in [("/gca/", "index.html"), ("/gca/sitemap.xml", "sitemap.xml")] {
        let r = http::get(sub_port, path, &[("Accept-Encoding", "gzip")]);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-encoding"), Some("gzip"), "{path}");
        let gz = std::fs::read(sub_out.join(format!("{file}.gz"))).unwrap();
        assert_eq!(r.body, gz, "{path}: the precompressed file itself");
        assert_eq!(gunzip(&r.body), std::fs::read(sub_out.join(file)).unwrap());
    }

    let log = server.error_log();
    assert!(
        !log.contains("[crit]") && !log.contains("[alert]") && !log.contains("[emerg]"),
        "nginx errors:\n{log}"
    );
}

/// Search in a browser on the site as nginx serves it under `/gca/`:
/// `tests/browser/publish-search.mjs` with Debian's chromium and
/// playwright-core. Needs node, chromium and `npm ci` (scripts/test does
/// both); fails, never skips, without them.
#[test]
fn search_in_a_browser_on_nginx_under_a_path() {
    let repo = repo();
    nginx::binary();
    let node = std::process::Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "the browser test needs node: install it (apt-get install -y nodejs npm)"
    );
    let chromium = std::env::var_os("CHROMIUM_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        chromium.is_file(),
        "the browser test needs chromium at {}: `apt-get install -y chromium` (scripts/test does)",
        chromium.display()
    );
    assert!(
        repo.join("node_modules/playwright-core").is_dir(),
        "the browser test needs playwright-core: run `npm ci` at the repository root (scripts/test does)"
    );

    let tmp = tempfile::tempdir().unwrap();
    let port = nginx::free_port();
    let www = tmp.path().join("www");
    let out = www.join("gca");
    build_for(
        &repo.join("site"),
        &out,
        &format!("http://127.0.0.1:{port}/gca/"),
    );
    let _server = nginx::Nginx::start(
        &tmp.path().join("nginx"),
        &nginx::example_http_part(),
        &[nginx::example_server(port, &www, "/gca/404.html")],
        &[port],
    );
    let o = std::process::Command::new("node")
        .arg(repo.join("tests/browser/publish-search.mjs"))
        .arg(format!("http://127.0.0.1:{port}/gca/"))
        .env("CHROMIUM_PATH", &chromium)
        .current_dir(&repo)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && stdout.contains("ok    search on"),
        "search in the browser failed (exit {:?}):\n{stdout}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}
