//! Crawls a site served on a loopback port: every URL found in HTML
//! attributes (`href`, `src`, `srcset`, `action`, `content` of a meta
//! refresh), CSS `url()`, JavaScript relative imports, feeds and sitemaps
//! (links in entry content too), `robots.txt` and `api/pages.json` is
//! fetched once. Every URL of the site must stay under the base path and
//! answer 200; no absolute link may point at the site's own host outside
//! the site (another scheme, port or path); every asset (images, scripts,
//! stylesheets, icons, media, frames, CSS `url()`, module imports) comes
//! from the site itself.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::http;

/// What a crawl found.
#[derive(Default)]
pub struct Crawl {
    /// Path (with query) to status.
    pub status: BTreeMap<String, u16>,
    /// Path to the pages that link to it (the first few).
    pub linked_from: BTreeMap<String, Vec<String>>,
    /// Links that leave the base path, with the page they are on.
    pub outside: Vec<(String, String)>,
    /// Links to other hosts (not fetched).
    pub external: BTreeSet<String>,
    /// Absolute links to the site's own host that are not the site (another
    /// scheme or port), with the page they are on.
    pub own_host: Vec<(String, String)>,
    /// Assets on other hosts, with the page that loads them.
    pub external_assets: Vec<(String, String)>,
    /// Meta refresh redirects found: page path to target path.
    pub refreshes: BTreeMap<String, String>,
}

impl Crawl {
    /// Every problem, one per line.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (link, page) in &self.outside {
            out.push(format!("link `{link}` on {page} leaves the site's path"));
        }
        for (link, page) in &self.own_host {
            out.push(format!(
                "link `{link}` on {page} points at the site's own host, outside the site"
            ));
        }
        for (link, page) in &self.external_assets {
            out.push(format!(
                "asset `{link}` on {page} comes from another host: a page must load only the site's own files"
            ));
        }
        for (path, status) in &self.status {
            if *status != 200 {
                let from = self
                    .linked_from
                    .get(path)
                    .map(|v| v.join(", "))
                    .unwrap_or_default();
                out.push(format!("{path} answers {status} (linked from {from})"));
            }
        }
        out
    }
}

/// Crawls from `seeds` on 127.0.0.1:`port`, for a site whose base URL is
/// `http://127.0.0.1:<port><base_path>`. `extra_pages` are pages fetched and
/// read for links whatever their status (the 404 page at unknown paths);
/// their own status is not recorded.
pub fn crawl(port: u16, base_path: &str, seeds: &[String], extra_pages: &[String]) -> Crawl {
    let origin = format!("http://127.0.0.1:{port}");
    let mut c = Crawl::default();
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for s in seeds {
        if seen.insert(s.clone()) {
            queue.push_back(s.clone());
        }
    }
    let read_page = |c: &mut Crawl,
                     path: &str,
                     resp: &http::Response,
                     queue: &mut VecDeque<String>,
                     seen: &mut BTreeSet<String>| {
        let ty = resp.header("content-type").unwrap_or("").to_string();
        let text = resp.text();
        let links = links_in(path, &ty, &text);
        for link in links {
            if let Link::Refresh(u) = &link
                && let Some(target) = resolve(&origin, path, u)
            {
                c.refreshes.insert(path.to_string(), target);
            }
            let target = match classify(&origin, base_path, path, &link) {
                Verdict::Ignored => continue,
                Verdict::External => {
                    c.external.insert(link.url().to_string());
                    continue;
                }
                Verdict::ExternalAsset => {
                    c.external_assets
                        .push((link.url().to_string(), path.to_string()));
                    continue;
                }
                Verdict::OwnHostElsewhere => {
                    c.own_host.push((link.url().to_string(), path.to_string()));
                    continue;
                }
                Verdict::Outside => {
                    c.outside.push((link.url().to_string(), path.to_string()));
                    continue;
                }
                Verdict::Inside(target) => target,
            };
            let from = c.linked_from.entry(target.clone()).or_default();
            if from.len() < 3 {
                from.push(path.to_string());
            }
            if seen.insert(target.clone()) {
                queue.push_back(target);
            }
        }
    };
    for page in extra_pages {
        let resp = http::get(port, page, &[]);
        read_page(&mut c, page, &resp, &mut queue, &mut seen);
    }
    while let Some(path) = queue.pop_front() {
        let resp = http::get(port, &path, &[]);
        c.status.insert(path.clone(), resp.status);
        if resp.status == 200 {
            read_page(&mut c, &path, &resp, &mut queue, &mut seen);
        }
    }
    c
}

/// A URL found in a file.
#[derive(Debug, PartialEq)]
pub enum Link {
    /// A link to follow (`<a href>`, a feed's `<link>`, a sitemap `<loc>`).
    Plain(String),
    /// The target of a meta refresh.
    Refresh(String),
    /// Something the page loads to show itself: an image, script,
    /// stylesheet, icon, media, frame, CSS `url()` or module import.
    Asset(String),
}

impl Link {
    pub fn url(&self) -> &str {
        match self {
            Link::Plain(u) | Link::Refresh(u) | Link::Asset(u) => u,
        }
    }
}

/// What a link found on `page` is, for a site at `origin` + `base_path`.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// A fragment, `mailto:`, `data:` and the like: nothing to fetch.
    Ignored,
    /// A link to another host: allowed, not fetched.
    External,
    /// An asset on another host: never allowed.
    ExternalAsset,
    /// An absolute link to the site's host that is not the site: another
    /// scheme or port.
    OwnHostElsewhere,
    /// On the site's origin, but outside its path.
    Outside,
    /// A path of the site, to fetch.
    Inside(String),
}

/// The host (lowercase, without port) of an absolute or
/// scheme-relative URL.
fn host_of(url: &str) -> Option<String> {
    let rest = match url.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            rest
        }
        _ => url.strip_prefix("//")?,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    Some(host.to_ascii_lowercase())
}

/// Sorts a link of `page` (a path of the site at `origin`, whose path is
/// `base_path`).
pub fn classify(origin: &str, base_path: &str, page: &str, link: &Link) -> Verdict {
    let url = link.url();
    let asset = matches!(link, Link::Asset(_));
    let own = host_of(origin);
    // A scheme-relative URL on the site's origin is the site.
    let scheme_relative = url.strip_prefix("//").and_then(|rest| {
        origin
            .split_once("://")
            .map(|(s, _)| format!("{s}://{rest}"))
    });
    let absolute = scheme_relative.as_deref().unwrap_or(url);
    match resolve(origin, page, absolute) {
        Some(target) => {
            let bare = target.split('?').next().unwrap_or(&target);
            if bare.starts_with(base_path) {
                Verdict::Inside(target)
            } else {
                Verdict::Outside
            }
        }
        None => match host_of(url) {
            Some(host) if Some(&host) == own.as_ref() => Verdict::OwnHostElsewhere,
            Some(_) if asset => Verdict::ExternalAsset,
            Some(_) => Verdict::External,
            None => Verdict::Ignored,
        },
    }
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every URL in a file of type `ty` at `path`.
pub fn links_in(path: &str, ty: &str, text: &str) -> Vec<Link> {
    let bare = path.split('?').next().unwrap_or(path);
    let mut out = Vec::new();
    if ty.contains("html") {
        attributes(text, &mut out);
    } else if ty.contains("css") || bare.ends_with(".css") {
        let mut rest = text;
        while let Some(i) = rest.find("url(") {
            rest = &rest[i + 4..];
            let end = rest.find(')').unwrap_or(rest.len());
            let u = rest[..end].trim().trim_matches(['"', '\'']);
            if !u.starts_with("data:") && !u.is_empty() {
                out.push(Link::Asset(u.to_string()));
            }
            rest = &rest[end..];
        }
    } else if ty.contains("javascript") || bare.ends_with(".js") || bare.ends_with(".mjs") {
        for quote in ['"', '\''] {
            for start in ["./", "../"] {
                let pat = format!("{quote}{start}");
                let mut rest = text;
                while let Some(i) = rest.find(&pat) {
                    let after = &rest[i + 1..];
                    let end = after.find(quote).unwrap_or(after.len());
                    let spec = &after[..end];
                    let before = rest[..i].trim_end();
                    // Only module specifiers: `from "./x.js"`, `import("./x.js")`.
                    if (before.ends_with("from")
                        || before.ends_with("import(")
                        || before.ends_with("import"))
                        && (spec.ends_with(".js") || spec.ends_with(".mjs"))
                    {
                        out.push(Link::Asset(spec.to_string()));
                    }
                    rest = &after[end..];
                }
            }
        }
    } else if ty.contains("xml") || bare.ends_with(".xml") {
        let text = unescape(text);
        for (open, close) in [("<loc>", "</loc>")] {
            let mut rest = text.as_str();
            while let Some(i) = rest.find(open) {
                rest = &rest[i + open.len()..];
                let end = rest.find(close).unwrap_or(rest.len());
                out.push(Link::Plain(rest[..end].trim().to_string()));
                rest = &rest[end..];
            }
        }
        // `href="..."` of links and of the HTML in entries.
        attributes(&text, &mut out);
    } else if ty.contains("json") || bare.ends_with(".json") {
        let mut rest = text;
        while let Some(i) = rest.find("\"url\": \"").or_else(|| rest.find("\"url\":\"")) {
            rest = &rest[i..];
            let start = rest
                .find(": \"")
                .map(|j| j + 3)
                .or_else(|| rest.find(":\"").map(|j| j + 2))
                .unwrap_or(0);
            rest = &rest[start..];
            let end = rest.find('"').unwrap_or(rest.len());
            out.push(Link::Plain(rest[..end].to_string()));
            rest = &rest[end..];
        }
    } else if bare.ends_with("robots.txt") || ty.contains("text/plain") {
        for line in text.lines() {
            if let Some(u) = line.strip_prefix("Sitemap:") {
                out.push(Link::Plain(u.trim().to_string()));
            }
        }
    }
    out
}

/// The tags of an HTML (or XML) text: lowercase name and attributes
/// (lowercase name, unescaped value). Comments, and the text of scripts and
/// styles, are skipped.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(lt) = html[i..].find('<') {
        i += lt + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(html.len(), |e| i + e + 3);
            continue;
        }
        let name_len = html[i..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(html.len() - i);
        if name_len == 0 {
            continue;
        }
        let name = html[i..i + name_len].to_ascii_lowercase();
        i += name_len;
        let mut attrs = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                i = (i + 1).min(bytes.len());
                break;
            }
            let start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !matches!(bytes[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let attr = html[start..i].to_ascii_lowercase();
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                    let quote = bytes[i] as char;
                    let end = html[i + 1..].find(quote).map_or(html.len(), |e| i + 1 + e);
                    value = unescape(&html[i + 1..end]);
                    i = (end + 1).min(html.len());
                } else {
                    let start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = unescape(&html[start..i]);
                }
            }
            if attr.is_empty() {
                i += 1;
                continue;
            }
            attrs.push((attr, value));
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            i = html[i..]
                .to_ascii_lowercase()
                .find(&close)
                .map_or(html.len(), |e| i + e);
        }
        out.push((name, attrs));
    }
    out
}

/// Whether a `<link rel>` makes the page load what it points at.
fn loads(rel: &str) -> bool {
    rel.split_ascii_whitespace().any(|r| {
        matches!(
            r.to_ascii_lowercase().as_str(),
            "stylesheet"
                | "icon"
                | "apple-touch-icon"
                | "mask-icon"
                | "manifest"
                | "preload"
                | "modulepreload"
                | "prefetch"
        )
    })
}

/// URLs in `href`, `src`, `srcset`, `action`, `poster` and `data`
/// attributes and meta refreshes; those a page loads are assets.
fn attributes(html: &str, out: &mut Vec<Link>) {
    for (tag, attrs) in tags(html) {
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(a, _)| a == name)
                .map(|(_, v)| v.as_str())
        };
        for (attr, value) in &attrs {
            let asset = match attr.as_str() {
                "src" | "srcset" | "poster" | "data" => true,
                "href" => tag == "link" && get("rel").is_some_and(loads),
                "action" => false,
                "content" => {
                    // `<meta http-equiv="refresh" content="0; url=/x/">`
                    let lower = value.to_ascii_lowercase();
                    if let Some(j) = lower.find("url=")
                        && lower[..j]
                            .trim_end_matches([' ', ';'])
                            .parse::<u32>()
                            .is_ok()
                    {
                        out.push(Link::Refresh(value[j + 4..].trim().to_string()));
                    }
                    continue;
                }
                _ => continue,
            };
            let wrap = |u: String| {
                if asset {
                    Link::Asset(u)
                } else {
                    Link::Plain(u)
                }
            };
            if attr == "srcset" {
                for candidate in value.split(',') {
                    if let Some(u) = candidate.split_whitespace().next() {
                        out.push(wrap(u.to_string()));
                    }
                }
            } else {
                out.push(wrap(value.clone()));
            }
        }
    }
}

/// The path (with query, without fragment) of `url` seen on `page`, when it
/// is on `origin`; `None` for other hosts, fragments and other schemes.
pub fn resolve(origin: &str, page: &str, url: &str) -> Option<String> {
    let url = url.split('#').next().unwrap_or("");
    if url.is_empty() {
        return None;
    }
    let lower = url.to_ascii_lowercase();
    if ["mailto:", "tel:", "javascript:", "data:"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        return None;
    }
    let path = if let Some(rest) = url.strip_prefix(origin) {
        if rest.is_empty() {
            "/".to_string()
        } else {
            rest.to_string()
        }
    } else if has_scheme(url) || url.starts_with("//") {
        return None;
    } else if url.starts_with('/') {
        url.to_string()
    } else {
        let page = page.split('?').next().unwrap_or(page);
        let dir = &page[..page.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{url}")
    };
    Some(normalise(&path))
}

/// True for a URL that starts with a scheme (`https:`, `ftp:`).
fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// Removes `.` and `..` segments.
fn normalise(path: &str) -> String {
    let (p, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut parts: Vec<&str> = Vec::new();
    let segments: Vec<&str> = p.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == segments.len() - 1 {
                    parts.push("");
                }
            }
            ".." => {
                if parts.len() > 1 {
                    parts.pop();
                }
                if i == segments.len() - 1 {
                    parts.push("");
                }
            }
            s => parts.push(s),
        }
    }
    let mut out = parts.join("/");
    if !out.starts_with('/') {
        out.insert(0, '/');
    }
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[test]
fn urls_resolve_against_the_page() {
    let o = "http://127.0.0.1:9";
    assert_eq!(resolve(o, "/gca/a/b/", "../c/"), Some("/gca/a/c/".into()));
    assert_eq!(
        resolve(o, "/gca/a/b/", "x.png"),
        Some("/gca/a/b/x.png".into())
    );
    assert_eq!(resolve(o, "/gca/a/", "/gca/z/#top"), Some("/gca/z/".into()));
    assert_eq!(
        resolve(o, "/gca/", "http://127.0.0.1:9/gca/s/?q=1"),
        Some("/gca/s/?q=1".into())
    );
    assert_eq!(resolve(o, "/gca/", "https://creativecommons.org/x"), None);
    assert_eq!(resolve(o, "/gca/", "#main"), None);
    assert_eq!(
        resolve(o, "/gca/js/a.js", "./b.js"),
        Some("/gca/js/b.js".into())
    );
    assert_eq!(resolve(o, "/gca/", "../../x"), Some("/x".into()));
}

#[test]
fn links_to_the_sites_host_and_external_assets_are_told_apart() {
    let o = "http://127.0.0.1:9";
    let v = |link: Link| classify(o, "/gca/", "/gca/a/", &link);
    let plain = |u: &str| v(Link::Plain(u.into()));
    let asset = |u: &str| v(Link::Asset(u.into()));
    assert_eq!(plain("../b/"), Verdict::Inside("/gca/b/".into()));
    assert_eq!(
        plain("//127.0.0.1:9/gca/c/"),
        Verdict::Inside("/gca/c/".into())
    );
    assert_eq!(plain("/other/"), Verdict::Outside);
    assert_eq!(plain("http://127.0.0.1:9/other/"), Verdict::Outside);
    assert_eq!(plain("//127.0.0.1:9/other/"), Verdict::Outside);
    // The site's host, another scheme or port: not the site.
    assert_eq!(plain("https://127.0.0.1:9/gca/"), Verdict::OwnHostElsewhere);
    assert_eq!(plain("https://127.0.0.1/gca/b/"), Verdict::OwnHostElsewhere);
    assert_eq!(plain("http://127.0.0.1:8080/"), Verdict::OwnHostElsewhere);
    assert_eq!(plain("ftp://127.0.0.1/x"), Verdict::OwnHostElsewhere);
    assert_eq!(plain("https://www.itu.int/x"), Verdict::External);
    assert_eq!(plain("mailto:a@b.org"), Verdict::Ignored);
    assert_eq!(plain("#top"), Verdict::Ignored);
    assert_eq!(
        asset("https://cdn.example.net/x.js"),
        Verdict::ExternalAsset
    );
    assert_eq!(asset("//cdn.example.net/x.css"), Verdict::ExternalAsset);
    assert_eq!(asset("data:image/png;base64,AAAA"), Verdict::Ignored);
    assert_eq!(
        asset("/gca/css/x.css"),
        Verdict::Inside("/gca/css/x.css".into())
    );
}

#[test]
fn html_links_are_sorted_into_assets_and_links() {
    let html = r#"<!doctype html><html><head>
<link rel="stylesheet" href="https://cdn.example.net/s.css">
<link rel=icon href=/gca/favicon.svg>
<link rel="alternate" type="application/atom+xml" href="https://feeds.example.net/atom.xml">
<script type="module" src="https://cdn.example.net/a.js"></script>
<script>let s = "<a href='/not-a-link'>";</script>
<!-- <img src="https://commented.example.net/x.png"> -->
<meta http-equiv="refresh" content="0; url=/gca/new/">
</head><body>
<a
  href="https://www.itu.int/">ITU</a>
<img alt="" srcset="https://img.example.net/a.png 1x, /gca/b.png 2x">
<form action="/gca/search/"></form>
<video poster="/gca/p.jpg"><source src="https://media.example.net/v.mp4"></video>
</body></html>"#;
    let links = links_in("/gca/", "text/html", html);
    assert_eq!(
        links,
        vec![
            Link::Asset("https://cdn.example.net/s.css".into()),
            Link::Asset("/gca/favicon.svg".into()),
            Link::Plain("https://feeds.example.net/atom.xml".into()),
            Link::Asset("https://cdn.example.net/a.js".into()),
            Link::Refresh("/gca/new/".into()),
            Link::Plain("https://www.itu.int/".into()),
            Link::Asset("https://img.example.net/a.png".into()),
            Link::Asset("/gca/b.png".into()),
            Link::Plain("/gca/search/".into()),
            Link::Asset("/gca/p.jpg".into()),
            Link::Asset("https://media.example.net/v.mp4".into()),
        ]
    );
}
