//! Mapping a request target to a file of the output, and the content type
//! of each file. Only files of the output can be reached: anything that
//! could name something else (`..`, encoded separators, backslashes, NUL,
//! absolute URLs) is refused as not found, and folders are never listed.

use percent_encoding::percent_decode_str;

/// What a request target leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A file of the output, by its path (`docs/guide/index.html`).
    File(String),
    /// A folder asked for without its trailing slash: send the browser to
    /// this location (the target with `/` added, query kept).
    Redirect(String),
    /// Nothing here: answer with the site's 404 page.
    NotFound,
}

/// Resolves a request target (`/docs/guide/?x=1`) against the output, whose
/// files `exists` recognises by path.
pub fn resolve(target: &str, exists: impl Fn(&str) -> bool) -> Resolved {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let path = path.split_once('#').map_or(path, |(p, _)| p);
    let Some(key) = output_key(path) else {
        return Resolved::NotFound;
    };
    if key.is_empty() || key.ends_with('/') {
        let index = format!("{key}index.html");
        return if exists(&index) {
            Resolved::File(index)
        } else {
            Resolved::NotFound
        };
    }
    if exists(&key) {
        return Resolved::File(key);
    }
    if exists(&format!("{key}/index.html")) {
        let location = match query {
            Some(q) => format!("{path}/?{q}"),
            None => format!("{path}/"),
        };
        return Resolved::Redirect(location);
    }
    Resolved::NotFound
}

/// The output path a URL path names, or `None` when the path is not one
/// that can only name a file of the output. The result has no leading
/// slash and keeps a trailing one.
pub fn output_key(path: &str) -> Option<String> {
    // Origin-form only: `/x`, not `http://host/x`, `//host/x` or `*`.
    let rest = path.strip_prefix('/')?;
    if rest.starts_with('/') {
        return None;
    }
    // Encoded separators would let one segment become several.
    let lower = rest.to_ascii_lowercase();
    if rest.contains('\\') || lower.contains("%2f") || lower.contains("%5c") {
        return None;
    }
    let decoded = percent_decode_str(rest).decode_utf8().ok()?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    if decoded.is_empty() {
        return Some(String::new());
    }
    let trailing = decoded.ends_with('/');
    let body = decoded.strip_suffix('/').unwrap_or(&decoded);
    for segment in body.split('/') {
        if segment.is_empty()
            || segment == "."
            || segment == ".."
            || segment.chars().any(char::is_control)
        {
            return None;
        }
    }
    let mut key = body.to_string();
    if trailing {
        key.push('/');
    }
    Some(key)
}

/// The `Content-Type` of an output file, from its extension.
pub fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(path: &str) -> bool {
        matches!(
            path,
            "index.html" | "docs/index.html" | "docs/guide/index.html" | "css/site.css" | "a b.txt"
        )
    }

    #[test]
    fn files_folders_and_redirects() {
        assert_eq!(resolve("/", site), Resolved::File("index.html".into()));
        assert_eq!(
            resolve("/docs/", site),
            Resolved::File("docs/index.html".into())
        );
        assert_eq!(resolve("/docs", site), Resolved::Redirect("/docs/".into()));
        assert_eq!(
            resolve("/docs?x=1", site),
            Resolved::Redirect("/docs/?x=1".into())
        );
        assert_eq!(
            resolve("/css/site.css?v=2", site),
            Resolved::File("css/site.css".into())
        );
        assert_eq!(
            resolve("/a%20b.txt", site),
            Resolved::File("a b.txt".into())
        );
        assert_eq!(
            resolve("/docs/guide/#top", site),
            Resolved::File("docs/guide/index.html".into())
        );
        assert_eq!(resolve("/css/", site), Resolved::NotFound);
        assert_eq!(resolve("/nothing", site), Resolved::NotFound);
    }

    #[test]
    fn traversal_and_odd_forms_are_not_found() {
        let every = |_: &str| true;
        for bad in [
            "/../etc/passwd",
            "/docs/../../x",
            "/%2e%2e/x",
            "/%2E%2E/%2e%2e/etc/passwd",
            "/docs/%2e%2e/index.html",
            "/docs%2fguide/index.html",
            "/docs%2Fguide",
            "/docs%5cguide",
            "/docs\\guide",
            "/a%00.html",
            "/./index.html",
            "/docs//guide/",
            "//evil.example/x",
            "http://example.org/index.html",
            "*",
            "",
            "index.html",
            "/%ff%fe",
            "/a%0a.html",
        ] {
            assert_eq!(resolve(bad, every), Resolved::NotFound, "{bad}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("css/site.0a1b.css"), "text/css; charset=utf-8");
        assert_eq!(
            content_type("js/search.mjs"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("atom.xml"), "application/xml");
        assert_eq!(content_type("x.SVG"), "image/svg+xml");
        assert_eq!(content_type("f.woff2"), "font/woff2");
        assert_eq!(content_type("d.pdf"), "application/pdf");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}
