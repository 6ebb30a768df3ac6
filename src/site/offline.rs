//! Offline builds: a site that works when opened from disk (`file://`),
//! for readers who receive it as an archive. Every link the site makes to
//! itself is rewritten from root-relative (`/gca/work-areas/`) to relative
//! (`../work-areas/index.html`), since a browser shows a folder listing, not
//! its `index.html`, for a `file://` folder URL.

use std::path::Path;

use super::writer::Sink;
use crate::error::Diagnostic;

/// Attributes whose values are URLs.
const URL_ATTRIBUTES: [&str; 5] = ["href", "src", "action", "poster", "srcset"];

/// A sink that rewrites the HTML going through it for offline reading.
pub struct OfflineSink<'a> {
    inner: &'a dyn Sink,
    base_path: String,
}

impl<'a> OfflineSink<'a> {
    /// Wraps `inner`; `base_path` is the path of the base URL (`/` or `/gca/`).
    pub fn new(inner: &'a dyn Sink, base_path: &str) -> OfflineSink<'a> {
        OfflineSink {
            inner,
            base_path: base_path.to_string(),
        }
    }
}

impl Sink for OfflineSink<'_> {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        if path.ends_with(".html")
            && let Ok(text) = std::str::from_utf8(bytes)
        {
            let rewritten = relativize_html(text, path, &self.base_path);
            return self.inner.write(path, rewritten.as_bytes());
        }
        self.inner.write(path, bytes)
    }

    fn copy(&self, src: &Path, path: &str) -> Result<(), Diagnostic> {
        self.inner.copy(src, path)
    }

    fn reserve(&self, path: &str) -> Result<(), Diagnostic> {
        self.inner.reserve(path)
    }

    /// A copy read from disk has no host to read `_redirects`: aliases
    /// keep their pages.
    fn write_redirect(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.write(path, bytes)
    }
}

/// Rewrites the site's own URLs in `html` (the output file `file`) as
/// relative ones with explicit `index.html`.
pub fn relativize_html(html: &str, file: &str, base_path: &str) -> String {
    let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html;
    while let Some((before, attr, quote, value, after)) = next_url_attribute(rest) {
        out.push_str(before);
        out.push_str(attr);
        out.push('=');
        out.push(quote);
        if attr.eq_ignore_ascii_case("srcset") {
            let parts: Vec<String> = value
                .split(',')
                .map(|candidate| {
                    let candidate = candidate.trim();
                    match candidate.split_once(' ') {
                        Some((url, size)) => {
                            format!("{} {size}", relative_url(url, dir, base_path))
                        }
                        None => relative_url(candidate, dir, base_path),
                    }
                })
                .collect();
            out.push_str(&parts.join(", "));
        } else {
            out.push_str(&relative_url(value, dir, base_path));
        }
        out.push(quote);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Finds the next URL attribute: (text before it, attribute name, quote,
/// value, text after the closing quote).
fn next_url_attribute(s: &str) -> Option<(&str, &str, char, &str, &str)> {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(eq) = s[from..].find('=') {
        let eq = from + eq;
        from = eq + 1;
        let quote = match bytes.get(eq + 1) {
            Some(b'"') => '"',
            Some(b'\'') => '\'',
            _ => continue,
        };
        let name_start = s[..eq]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .map_or(0, |i| i + 1);
        let name = &s[name_start..eq];
        if name_start == 0 || !s[..name_start].ends_with(|c: char| c.is_whitespace()) {
            continue;
        }
        if !URL_ATTRIBUTES.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            continue;
        }
        let value_start = eq + 2;
        let end = s[value_start..].find(quote)? + value_start;
        return Some((
            &s[..name_start],
            name,
            quote,
            &s[value_start..end],
            &s[end + 1..],
        ));
    }
    None
}

/// The relative form of a root-relative URL of the site, seen from folder
/// `dir` of the output; other URLs are returned unchanged.
pub fn relative_url(url: &str, dir: &str, base_path: &str) -> String {
    if url.starts_with("//") || !url.starts_with(base_path) {
        return url.to_string();
    }
    let rest = &url[base_path.len()..];
    let cut = rest.find(['?', '#']).unwrap_or(rest.len());
    let (path, suffix) = rest.split_at(cut);
    let mut target = path.to_string();
    if target.is_empty() || target.ends_with('/') {
        target.push_str("index.html");
    } else if !target.rsplit('/').next().unwrap_or("").contains('.') {
        target.push_str("/index.html");
    }
    let from: Vec<&str> = if dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    let to: Vec<&str> = target.split('/').collect();
    let common = from
        .iter()
        .zip(&to)
        .take_while(|(a, b)| a == b)
        .count()
        .min(to.len().saturating_sub(1));
    let mut out = "../".repeat(from.len() - common);
    out.push_str(&to[common..].join("/"));
    out.push_str(suffix);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_relative() {
        assert_eq!(
            relative_url("/gca/", "work-areas/legal", "/gca/"),
            "../../index.html"
        );
        assert_eq!(
            relative_url("/gca/work-areas/", "work-areas/legal", "/gca/"),
            "../index.html"
        );
        assert_eq!(
            relative_url("/gca/css/site.1a.css", "", "/gca/"),
            "css/site.1a.css"
        );
        assert_eq!(
            relative_url("/gca/hleg/#goals", "about", "/gca/"),
            "../hleg/index.html#goals"
        );
        assert_eq!(
            relative_url("/gca/search/?q=x", "", "/gca/"),
            "search/index.html?q=x"
        );
        assert_eq!(
            relative_url("/gca/search", "", "/gca/"),
            "search/index.html"
        );
        assert_eq!(
            relative_url("https://example.org/", "", "/"),
            "https://example.org/"
        );
        assert_eq!(
            relative_url("//cdn.example/x.js", "", "/"),
            "//cdn.example/x.js"
        );
        assert_eq!(relative_url("#top", "a", "/"), "#top");
        assert_eq!(relative_url("/a/b/", "a/b", "/"), "index.html");
    }

    #[test]
    fn html_attributes_are_rewritten() {
        let html = "<a href=\"/docs/\">D</a><img src='/img/x.png' alt=\"/not-a-url\"><link rel=\"canonical\" href=\"https://e.org/docs/\"><p data-href=\"/x/\">";
        let out = relativize_html(html, "news/first/index.html", "/");
        assert_eq!(
            out,
            "<a href=\"../../docs/index.html\">D</a><img src='../../img/x.png' alt=\"/not-a-url\"><link rel=\"canonical\" href=\"https://e.org/docs/\"><p data-href=\"/x/\">"
        );
    }
}
