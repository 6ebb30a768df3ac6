//! Checks of the built HTML: links that lead to no file of the site (or to
//! a missing anchor), and orphan pages that no other page links to.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use percent_encoding::percent_decode_str;

use super::html::references;
use super::{Available, Bodies};
use crate::content::ItemRef;
use crate::error::Diagnostic;
use crate::site::{Site, html_ids};

/// Where a link leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Not a link to check (`mailto:`, `tel:`, an empty `href`...).
    Skip,
    /// Another site.
    External,
    /// Outside the site although written as a path; says why.
    Outside(String),
    /// A path of the site (no leading slash) and an anchor.
    Local {
        /// Path under the base URL.
        path: String,
        /// After `#`, decoded.
        fragment: Option<String>,
    },
}

/// Resolves a link found in the output file `from` (`docs/guide/index.html`)
/// of a site published at `base_url` (whose path is `base_path`).
pub fn resolve(href: &str, from: &str, base_url: &str, base_path: &str) -> Target {
    let href = href.trim();
    if href.is_empty() {
        return Target::Skip;
    }
    let (rest, fragment) = match href.split_once('#') {
        Some((r, f)) => (r, Some(decode(f))),
        None => (href, None),
    };
    let rest = rest.split('?').next().unwrap_or("");
    let from_dir = from.rfind('/').map_or("", |i| &from[..=i]);
    if rest.is_empty() {
        // `#anchor` or `?query`: this very file.
        return Target::Local {
            path: from.to_string(),
            fragment,
        };
    }
    let scheme_end = rest.find(':');
    let first_sep = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let joined = if let Some(c) = scheme_end.filter(|&c| c < first_sep) {
        let scheme = rest[..c].to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Target::Skip;
        }
        match strip_prefix_ci(rest, base_url) {
            Some(inside) => inside.to_string(),
            None => {
                // The same site without the trailing slash: the home page.
                if format!("{rest}/").eq_ignore_ascii_case(base_url) {
                    String::new()
                } else {
                    return Target::External;
                }
            }
        }
    } else if rest.starts_with("//") {
        return Target::External;
    } else if let Some(abs) = rest.strip_prefix('/') {
        let base = base_path.trim_start_matches('/');
        match abs.strip_prefix(base) {
            Some(inside) => inside.to_string(),
            None if format!("{abs}/") == base => String::new(),
            None => {
                return Target::Outside(format!(
                    "`{rest}` (outside the site, whose pages are under {base_path})"
                ));
            }
        }
    } else {
        format!("{from_dir}{rest}")
    };
    match normalise(&decode(&joined)) {
        Some(path) => Target::Local { path, fragment },
        None => Target::Outside(format!("`{href}` (it goes above the site's root)")),
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Removes `.` and `..` segments; `None` when `..` climbs above the root.
fn normalise(path: &str) -> Option<String> {
    let trailing = path.is_empty()
        || path.ends_with('/')
        || path.ends_with("/.")
        || path.ends_with("/..")
        || path == "."
        || path == "..";
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let mut out = parts.join("/");
    if trailing && !out.is_empty() {
        out.push('/');
    }
    Some(out)
}

/// The content file an output file was made from, and the Markdown body
/// with the line it starts on.
struct Source {
    file: PathBuf,
    body: String,
    body_line: usize,
}

fn sources(site: &Site, bodies: &Bodies) -> HashMap<String, Source> {
    let lib = &site.library;
    let mut out = HashMap::new();
    for (path, item) in &lib.urls {
        let (file, body, body_line) = match *item {
            ItemRef::Page(i) => {
                let p = &lib.pages[i];
                (&p.file.path, &bodies.pages[i], p.body_line)
            }
            ItemRef::Section(i) => {
                let s = &lib.sections[i];
                (&s.file.path, &bodies.sections[i], s.body_line)
            }
        };
        out.insert(
            format!("{path}index.html"),
            Source {
                file: file.clone(),
                body: body.clone(),
                body_line,
            },
        );
    }
    out
}

/// The source of an output file: its own, or for `x/page/2/index.html` the
/// list it paginates.
fn source_of<'a>(sources: &'a HashMap<String, Source>, key: &str) -> Option<&'a Source> {
    if let Some(s) = sources.get(key) {
        return Some(s);
    }
    let dir = key.strip_suffix("index.html")?;
    let trimmed = dir.trim_end_matches('/');
    let (list, n) = trimmed
        .rsplit_once("page/")
        .map_or(("", trimmed), |(l, n)| (l, n));
    if (trimmed.starts_with("page/") || trimmed.contains("/page/"))
        && n.chars().all(|c| c.is_ascii_digit())
    {
        return sources.get(&format!("{list}index.html"));
    }
    None
}

/// Output files of alias redirects, which do not count as pages.
fn alias_outputs(site: &Site) -> HashSet<String> {
    site.library
        .aliases
        .keys()
        .map(|a| {
            if a.ends_with(".html") {
                a.clone()
            } else {
                format!("{a}index.html")
            }
        })
        .collect()
}

/// Links in the built HTML that lead to no file of the site, or to an
/// anchor that the target does not have. Links written in Markdown are
/// reported at their line; links that templates make are reported once,
/// with the number of pages they appear on.
///
/// `unrendered` are outputs whose template failed (their error is
/// reported): links to them are not checked. `from_build` are the `@/`
/// links with an anchor, as (source file, target output, anchor), which
/// the build checked already.
pub fn local_links(
    site: &Site,
    bodies: &Bodies,
    output: &BTreeMap<String, Vec<u8>>,
    unrendered: &BTreeSet<String>,
    markdown_images: &HashSet<(PathBuf, String)>,
    from_build: &HashSet<(PathBuf, String, String)>,
    diags: &mut Vec<Diagnostic>,
) {
    let available = Available {
        output: Some(output),
        guessed: unrendered.clone(),
    };
    let base_url = site.config.base_url();
    let base_path = site.config.base_path();
    let sources = sources(site, bodies);
    let mut ids: HashMap<String, HashSet<String>> = HashMap::new();
    let mut from_templates: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (key, bytes) in output {
        if !key.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        for r in references(&html) {
            let problem = match resolve(&r.value, key, &base_url, &base_path) {
                Target::Skip | Target::External => None,
                Target::Outside(why) => Some(format!("leads to {why}")),
                Target::Local { path, fragment } => match available.find(&path) {
                    None => Some(format!(
                        "leads to {base_path}{path}, which is not a file of the site"
                    )),
                    Some(target) => match fragment.filter(|f| !f.is_empty()) {
                        Some(f) if target.ends_with(".html") => {
                            let checked = source_of(&sources, key).is_some_and(|s| {
                                from_build.contains(&(s.file.clone(), target.clone(), f.clone()))
                            });
                            match output.get(&target) {
                                Some(bytes) if !checked => {
                                    let set = ids.entry(target.clone()).or_insert_with(|| {
                                        html_ids(&String::from_utf8_lossy(bytes))
                                    });
                                    (!set.contains(&f) && f != "top").then(|| {
                                        format!(
                                            "leads to {base_path}{target}, which has no anchor `#{f}`"
                                        )
                                    })
                                }
                                // Checked by the build, or not rendered.
                                _ => None,
                            }
                        }
                        _ => None,
                    },
                },
            };
            let Some(problem) = problem else { continue };
            let source = source_of(&sources, key);
            if r.element == "img"
                && source
                    .is_some_and(|s| markdown_images.contains(&(s.file.clone(), r.value.clone())))
            {
                // A Markdown image: the image check reports it, at its line.
                continue;
            }
            let what = format!(
                "{} `{}` {problem}",
                if r.attribute == "src" {
                    "source"
                } else {
                    "link"
                },
                r.value
            );
            let located = source.and_then(|s| {
                let at = s.body.find(&r.value)?;
                let line = s.body_line + s.body[..at].matches('\n').count();
                Some((s.file.clone(), line))
            });
            match located {
                Some((file, line)) => diags.push(
                    Diagnostic::error(format!("broken {what}"))
                        .in_file(file)
                        .at_line(line)
                        .help("link to content with `@/path/to/file.md`, which the build checks, or fix the path"),
                ),
                None => {
                    from_templates.entry(what).or_default().insert(key.clone());
                }
            }
        }
    }
    for (what, pages) in from_templates {
        let n = pages.len();
        let example = pages.iter().next().cloned().unwrap_or_default();
        let on = if n == 1 {
            format!("on {example}")
        } else {
            format!("on {n} pages, such as {example}")
        };
        diags.push(
            Diagnostic::error(format!("broken {what} ({on})"))
                .help("the link comes from a template (or a shortcode): fix it there"),
        );
    }
}

/// Pages and sections (other than home pages) that no other page links
/// to. A link is an `<a href>` in the built HTML of any other page: text,
/// navigation, section listings, taxonomy term pages, neighbours. The
/// page's own files, alias redirects, feeds and the sitemap do not count.
pub fn orphans(
    site: &Site,
    output: &BTreeMap<String, Vec<u8>>,
    unrendered: &BTreeSet<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let available = Available {
        output: Some(output),
        guessed: unrendered.clone(),
    };
    let base_url = site.config.base_url();
    let base_path = site.config.base_path();
    let redirects = alias_outputs(site);
    let mut inbound: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (key, bytes) in output {
        if !key.ends_with(".html") || redirects.contains(key) {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        for r in references(&html) {
            if r.element != "a" && r.element != "area" {
                continue;
            }
            if let Target::Local { path, .. } = resolve(&r.value, key, &base_url, &base_path)
                && let Some(target) = available.find(&path)
            {
                inbound.entry(target).or_default().insert(key.clone());
            }
        }
    }
    let lib = &site.library;
    let items = lib
        .pages
        .iter()
        .map(|p| (&p.path, &p.file.path, p.front_line))
        .chain(
            lib.sections
                .iter()
                .filter(|s| s.exists && !s.file.dir.is_empty())
                .map(|s| (&s.path, &s.file.path, s.front_line)),
        );
    for (path, file, line) in items {
        let own = format!("{path}index.html");
        let own_pages = format!("{path}page/");
        let linked = inbound
            .get(&own)
            .is_some_and(|from| from.iter().any(|k| *k != own && !k.starts_with(&own_pages)));
        if !linked {
            diags.push(
                Diagnostic::warning(format!(
                    "orphan page: no other page links to {}{path}",
                    base_path
                ))
                .in_file(file)
                .at_line(line)
                .help("link to it from a related page with [text](@/its/file.md), or give it a taxonomy term or a section that lists it"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://example.org/sub/";
    const PATH: &str = "/sub/";

    fn local(path: &str, fragment: Option<&str>) -> Target {
        Target::Local {
            path: path.into(),
            fragment: fragment.map(String::from),
        }
    }

    #[test]
    fn resolves_links_from_a_page() {
        let from = "docs/guide/index.html";
        assert_eq!(
            resolve("/sub/about/", from, BASE, PATH),
            local("about/", None)
        );
        assert_eq!(resolve("/sub/", from, BASE, PATH), local("", None));
        assert_eq!(resolve("/sub", from, BASE, PATH), local("", None));
        assert_eq!(
            resolve("diagram.png", from, BASE, PATH),
            local("docs/guide/diagram.png", None)
        );
        assert_eq!(
            resolve("../x/#a%20b", from, BASE, PATH),
            local("docs/x/", Some("a b"))
        );
        assert_eq!(resolve("#top", from, BASE, PATH), local(from, Some("top")));
        assert_eq!(
            resolve("https://EXAMPLE.org/sub/a/?q=1", from, BASE, PATH),
            local("a/", None)
        );
        assert_eq!(
            resolve("https://example.org/sub", from, BASE, PATH),
            local("", None)
        );
        assert_eq!(
            resolve("https://other.org/", from, BASE, PATH),
            Target::External
        );
        assert_eq!(
            resolve("//cdn.example/x.js", from, BASE, PATH),
            Target::External
        );
        assert_eq!(
            resolve("mailto:a@example.org", from, BASE, PATH),
            Target::Skip
        );
        assert_eq!(resolve("", from, BASE, PATH), Target::Skip);
        assert!(matches!(
            resolve("/elsewhere/", from, BASE, PATH),
            Target::Outside(_)
        ));
        assert!(matches!(
            resolve("../../../../x", from, BASE, PATH),
            Target::Outside(_)
        ));
        assert_eq!(
            resolve("a/../b/./c", "index.html", BASE, PATH),
            local("b/c", None)
        );
    }

    #[test]
    fn paginated_lists_map_to_their_section() {
        let mut s = HashMap::new();
        s.insert(
            "news/index.html".to_string(),
            Source {
                file: PathBuf::from("content/news/_index.md"),
                body: String::new(),
                body_line: 1,
            },
        );
        assert!(source_of(&s, "news/page/2/index.html").is_some());
        assert!(source_of(&s, "news/pages/index.html").is_none());
        assert!(source_of(&s, "other/index.html").is_none());
    }
}
