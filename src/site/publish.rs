//! What static hosts get besides the site itself, as `[output]` asks:
//! precompressed `.gz` and `.br` siblings of text files (for nginx's
//! `gzip_static`, or S3 with `Content-Encoding` metadata), and the
//! `_headers` and `_redirects` files that Netlify and Cloudflare Pages read.
//!
//! [`PublishSink`] wraps the output sink: it compresses text files as they
//! go through and remembers every path written; [`PublishSink::finish`]
//! then writes the host files from that list.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::Mutex;

use super::Redirect;
use super::writer::Sink;
use crate::config::OutputConfig;
use crate::error::Diagnostic;

/// Files smaller than this are not compressed: the saving would not be
/// worth a request header, let alone two more files.
pub const COMPRESS_MIN_BYTES: usize = 1024;

/// How many `_headers` rules Cloudflare Pages reads; later ones are ignored.
pub const CLOUDFLARE_HEADER_RULES: usize = 100;
/// How many static `_redirects` rules Cloudflare Pages reads.
pub const CLOUDFLARE_REDIRECTS: usize = 2000;
/// How many files a Cloudflare Pages deployment may hold.
pub const CLOUDFLARE_FILES: usize = 20_000;

/// `Cache-Control` of files whose name changes with their content.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of everything else: the browser asks again each time
/// (an ETag makes the answer a short 304 when nothing changed).
pub const CACHE_REVALIDATE: &str = "public, max-age=0, must-revalidate";

/// Extensions of text files worth compressing.
const TEXT_EXTENSIONS: [&str; 11] = [
    "html", "htm", "css", "js", "mjs", "json", "xml", "txt", "svg", "csv", "map",
];

/// A sink that compresses text files on the way through and records what
/// was written, each when `[output]` asks for it.
pub struct PublishSink<'a> {
    inner: &'a dyn Sink,
    options: OutputConfig,
    written: Mutex<Vec<String>>,
    /// Alias pages left out so far, because `_redirects` answers them.
    redirected: std::sync::atomic::AtomicUsize,
}

impl<'a> PublishSink<'a> {
    /// Wraps `inner` with the `[output]` options.
    pub fn new(inner: &'a dyn Sink, options: &OutputConfig) -> PublishSink<'a> {
        PublishSink {
            inner,
            options: options.clone(),
            written: Mutex::new(Vec::new()),
            redirected: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn record(&self, path: &str) {
        if !self.options.headers_file {
            return;
        }
        if let Ok(mut w) = self.written.lock() {
            w.push(path.to_string());
        }
    }

    fn write_compressed(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        for (ext, packed) in [("gz", gzip(bytes)), ("br", brotli(bytes))] {
            let packed = packed.map_err(|e| {
                Diagnostic::error(format!("cannot compress `{path}`: {e}"))
                    .help("this is a bug in gca; build with `[output] compress = false` meanwhile")
            })?;
            // A sibling that saves nothing is left out: the host sends the
            // file itself.
            if packed.len() < bytes.len() {
                self.inner.write(&format!("{path}.{ext}"), &packed)?;
            }
        }
        Ok(())
    }

    /// Writes `_headers` and `_redirects` when asked; returns warnings about
    /// host limits the output goes beyond.
    pub fn finish(
        &self,
        base_path: &str,
        redirects: &[Redirect],
    ) -> Result<Vec<Diagnostic>, Diagnostic> {
        let mut warnings = Vec::new();
        let written = self
            .written
            .lock()
            .map_err(|_| Diagnostic::error("output lock poisoned"))?
            .clone();
        if self.options.headers_file {
            let rules = header_rules(&written, base_path);
            // The security headers' rule comes first.
            let total = rules.len() + 1;
            if total > CLOUDFLARE_HEADER_RULES {
                warnings.push(Diagnostic::warning(format!(
                    "_headers has {total} rules; Cloudflare Pages reads only the first {CLOUDFLARE_HEADER_RULES} \
                     (the rest get the host's default caching, which is safe but not cached for ever)"
                )));
            }
            self.inner
                .write("_headers", headers_file(&rules, base_path).as_bytes())?;
        }
        if self.options.redirects_file {
            if redirects.len() > CLOUDFLARE_REDIRECTS {
                warnings.push(Diagnostic::warning(format!(
                    "_redirects has {} rules; Cloudflare Pages reads only the first {CLOUDFLARE_REDIRECTS} \
                     (the aliases after those keep their HTML redirect pages)",
                    redirects.len()
                )));
            }
            self.inner
                .write("_redirects", redirects_file(redirects).as_bytes())?;
        }
        Ok(warnings)
    }
}

impl Sink for PublishSink<'_> {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.inner.write(path, bytes)?;
        self.record(path);
        if self.options.compress && compressible(path, bytes.len()) {
            self.write_compressed(path, bytes)?;
        }
        Ok(())
    }

    fn copy(&self, src: &Path, path: &str) -> Result<(), Diagnostic> {
        self.inner.copy(src, path)?;
        self.record(path);
        if self.options.compress && is_text(path) {
            let bytes = std::fs::read(src).map_err(|e| {
                Diagnostic::error(format!("cannot read {} to compress it: {e}", src.display()))
                    .in_file(src)
            })?;
            if bytes.len() >= COMPRESS_MIN_BYTES {
                self.write_compressed(path, &bytes)?;
            }
        }
        Ok(())
    }

    fn reserve(&self, path: &str) -> Result<(), Diagnostic> {
        self.inner.reserve(path)
    }

    /// With `_redirects`, an alias is its line there, a real 301 on
    /// Cloudflare Pages and on Netlify alike; its page is left out (the
    /// path only reserved, so collisions are still found), since Netlify
    /// serves a file that exists rather than apply a rule to it. Past the
    /// redirects Cloudflare reads, aliases keep their pages. Aliases come
    /// here one at a time, in `_redirects` order.
    fn write_redirect(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        use std::sync::atomic::Ordering;
        if self.options.redirects_file
            && self.redirected.fetch_add(1, Ordering::SeqCst) < CLOUDFLARE_REDIRECTS
        {
            return self.inner.reserve(path);
        }
        self.write(path, bytes)
    }
}

/// True for a text file by its extension.
pub fn is_text(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| TEXT_EXTENSIONS.iter().any(|t| t.eq_ignore_ascii_case(ext)))
}

/// True for a file that gets `.gz` and `.br` siblings.
pub fn compressible(path: &str, len: usize) -> bool {
    len >= COMPRESS_MIN_BYTES && is_text(path)
}

/// Gzip with the best compression and a header without a name or a time
/// (so the same input gives the same bytes).
pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(
            Vec::with_capacity(bytes.len() / 3),
            flate2::Compression::best(),
        );
    enc.write_all(bytes)?;
    enc.finish()
}

/// Brotli at quality 6. Measured on the GCA site's text files (5.6 MB):
/// quality 6 gives 1.16 MB in 0.3 s, quality 11 gives 1.00 MB in 11 s
/// (gzip -9: 1.28 MB in 0.13 s); the last 14 % are not worth a build
/// forty times slower on large sites.
pub fn brotli(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 6,
        lgwin: 22,
        size_hint: bytes.len(),
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// True for a file named by a hash of its content, which may be cached for
/// ever: CSS and JavaScript published by the asset pipeline
/// (`css/site.<10 hex>.css`, see `assets::hashed_name`), and the search
/// export's files other than `languages.js` and `<lang>/meta.js`
/// (`search/<lang>/t-<10 hex>.js`, see `search-index/README.md`).
pub fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let hex10 = |s: &str| s.len() == 10 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if super::assets::is_fingerprinted(name) {
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() >= 3 && hex10(parts[parts.len() - 2]) {
            return true;
        }
    }
    if let Some(rest) = path.strip_prefix("search/")
        && rest.contains('/')
        && let Some(stem) = name.strip_suffix(".js")
    {
        // `t-<hash>`, `p-<hash>`, `f-<hash>`, `d-<hash>-<n>`
        let mut parts = stem.split('-');
        let kind = parts.next().unwrap_or("");
        let hash = parts.next().unwrap_or("");
        let n = parts.next();
        return kind.len() == 1
            && kind.bytes().all(|b| b.is_ascii_lowercase())
            && hex10(hash)
            && n.is_none_or(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            && parts.next().is_none();
    }
    false
}

/// The `Content-Type` hosts should send for a file, when gca knows better
/// than a guess from the extension (a charset, Atom feeds).
pub fn content_type(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "xml" if name == "atom.xml" => "application/atom+xml; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        _ => return None,
    })
}

/// One `_headers` rule: a URL pattern and its caching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderRule {
    /// URL or pattern (`/gca/css/*`), base path included.
    pub pattern: String,
    /// Whether everything it matches is content-hashed.
    pub immutable: bool,
    /// The type of everything it matches, when they all have one.
    pub content_type: Option<&'static str>,
}

/// Whether files are content-hashed, and their `Content-Type`, merged over
/// a set of files: `None` until a file is seen, then `Some(value)` while
/// every file agrees and `Some(None)` once two differ.
#[derive(Clone, Copy, Default)]
struct Kind {
    hashed: Option<Option<bool>>,
    ty: Option<Option<&'static str>>,
}

impl Kind {
    fn of_file(path: &str) -> Kind {
        Kind {
            hashed: Some(Some(is_content_hashed(path))),
            ty: Some(content_type(path)),
        }
    }

    fn add(&mut self, other: Kind) {
        fn merge<T: PartialEq + Copy>(
            a: Option<Option<T>>,
            b: Option<Option<T>>,
        ) -> Option<Option<T>> {
            match (a, b) {
                (None, x) | (x, None) => x,
                (Some(x), Some(y)) if x == y => Some(x),
                _ => Some(None),
            }
        }
        self.hashed = merge(self.hashed, other.hashed);
        self.ty = merge(self.ty, other.ty);
    }

    /// `Some(immutable)` when every file is hashed or every file is not.
    fn uniform(&self) -> Option<bool> {
        self.hashed.flatten()
    }
}

/// A folder of the output with what lies under it.
#[derive(Default)]
struct Folder {
    files: Vec<String>,
    folders: BTreeMap<String, Folder>,
}

/// A file or folder of a folder, as the rules of that folder see it: its
/// name (a folder's ends with `/`) and what lies under it.
struct Entry<'a> {
    name: String,
    folder: Option<&'a Folder>,
    kind: Kind,
}

/// Characters a pattern may hold besides its splat. Netlify reads a
/// pattern's splat segment as a regular expression with only `*`
/// replaced, so `.` matches any character there (checked for), and any
/// other special character would change the match: such names get one rule
/// per file. `:` starts a placeholder on both hosts.
fn pattern_safe(prefix: &str) -> bool {
    prefix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '~'))
}

/// Whether `name` may be matched by a pattern ending in `prefix*`, as the
/// more liberal of the two hosts reads it: Netlify matches case-blind and
/// takes `.` in a splat segment for any character.
fn may_match(prefix: &str, name: &str) -> bool {
    let mut n = name.chars();
    prefix.chars().all(|p| match n.next() {
        Some(c) => p == '.' || p.eq_ignore_ascii_case(&c),
        None => false,
    })
}

impl Folder {
    fn insert(&mut self, path: &str) {
        match path.split_once('/') {
            Some((dir, rest)) => self
                .folders
                .entry(dir.to_string())
                .or_default()
                .insert(rest),
            None => self.files.push(path.to_string()),
        }
    }

    /// What the files below have in common.
    fn kind(&self, prefix: &str) -> Kind {
        let mut k = Kind::default();
        for f in &self.files {
            k.add(Kind::of_file(&format!("{prefix}{f}")));
        }
        for (name, sub) in &self.folders {
            k.add(sub.kind(&format!("{prefix}{name}/")));
        }
        k
    }

    /// The rules of the folder at `prefix` (`""` or `dir/`); with `whole`,
    /// one pattern for the whole folder when its files are all of a kind.
    fn rules(&self, prefix: &str, whole: bool, base_path: &str, out: &mut Vec<HeaderRule>) {
        let kind = self.kind(prefix);
        if whole && let Some(immutable) = kind.uniform() {
            out.push(HeaderRule {
                pattern: format!("{base_path}{prefix}*"),
                immutable,
                content_type: kind.ty.flatten(),
            });
            return;
        }
        // The folder's own URL serves its index.html; no pattern below
        // matches it (each needs at least a character after the `/`).
        if self.files.iter().any(|f| f == "index.html") {
            let index = format!("{prefix}index.html");
            out.push(HeaderRule {
                pattern: format!("{base_path}{prefix}"),
                immutable: is_content_hashed(&index),
                content_type: content_type(&index),
            });
        }
        let mut entries: Vec<Entry> = self
            .files
            .iter()
            .map(|f| Entry {
                name: f.clone(),
                folder: None,
                kind: Kind::of_file(&format!("{prefix}{f}")),
            })
            .chain(self.folders.iter().map(|(name, sub)| Entry {
                name: format!("{name}/"),
                folder: Some(sub),
                kind: sub.kind(&format!("{prefix}{name}/")),
            }))
            .collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let all: Vec<&Entry> = entries.iter().collect();
        split(&all, 0, &all, prefix, base_path, out);
    }
}

/// The rules for `group`, entries of the folder at `prefix` whose names
/// share their first `depth` bytes (`all` is every entry of the folder).
/// A group whose files are all hashed or all not gets one pattern, unless
/// that pattern could match an entry outside the group; otherwise the
/// group is split by the next character of the names. So a folder gets a
/// rule per run of names of one kind (`t-*`, `p-*`, `meta.js` in a search
/// folder), however many files each run holds.
fn split(
    group: &[&Entry],
    depth: usize,
    all: &[&Entry],
    prefix: &str,
    base_path: &str,
    out: &mut Vec<HeaderRule>,
) {
    if let [one] = group {
        match one.folder {
            // A file: its own URL (an index.html is asked for as its
            // folder's URL, which has its rule).
            None if one.name == "index.html" => {}
            None => out.push(HeaderRule {
                pattern: format!("{base_path}{prefix}{}", one.name),
                immutable: one.kind.uniform().unwrap_or(false),
                content_type: one.kind.ty.flatten(),
            }),
            Some(sub) => {
                // `dir/*`, which Netlify reads as `dir` then anything.
                let stem = one.name.trim_end_matches('/');
                match one.kind.uniform() {
                    Some(immutable) if pattern_safe(stem) && alone(stem, group, all) => {
                        out.push(HeaderRule {
                            pattern: format!("{base_path}{prefix}{}*", one.name),
                            immutable,
                            content_type: one.kind.ty.flatten(),
                        })
                    }
                    // Mixed, or the pattern would reach beyond: rules
                    // inside the folder.
                    _ => sub.rules(&format!("{prefix}{}", one.name), false, base_path, out),
                }
            }
        }
        return;
    }
    if depth > 0 {
        let mut kind = Kind::default();
        for e in group {
            kind.add(e.kind);
        }
        if let Some(immutable) = kind.uniform() {
            let p = group_prefix(group, depth);
            if pattern_safe(&p) && alone(&p, group, all) {
                out.push(HeaderRule {
                    pattern: format!("{base_path}{prefix}{p}*"),
                    immutable,
                    content_type: kind.ty.flatten(),
                });
                return;
            }
        }
    }
    // Split by the next character; a name that ends here is its own group.
    let mut i = 0;
    while i < group.len() {
        let next = group[i].name[depth..].chars().next();
        let mut j = i + 1;
        while j < group.len() && next.is_some() && group[j].name[depth..].chars().next() == next {
            j += 1;
        }
        let step = next.map_or(0, char::len_utf8);
        split(&group[i..j], depth + step, all, prefix, base_path, out);
        i = j;
    }
}

/// The prefix of a group's pattern: the names' common first `depth`
/// bytes, carried on through their common prefix to the end of its next
/// word (`t` to `t-`), so that patterns read as the kind of file they are.
fn group_prefix(group: &[&Entry], depth: usize) -> String {
    let first = &group[0].name;
    let mut common = first.len();
    for e in &group[1..] {
        common = common.min(
            first
                .char_indices()
                .zip(e.name.chars())
                .find(|((_, a), b)| a != b)
                .map_or(first.len().min(e.name.len()), |((i, _), _)| i),
        );
    }
    let lcp = &first[..common];
    match lcp[depth..].find(['-', '_', '/']) {
        Some(k) => lcp[..depth + k + 1].to_string(),
        None => first[..depth].to_string(),
    }
}

/// True when no entry of the folder outside `group` may match `p*`.
fn alone(p: &str, group: &[&Entry], all: &[&Entry]) -> bool {
    all.iter()
        .filter(|e| !group.iter().any(|g| std::ptr::eq(*g, **e)))
        .all(|e| !may_match(p, &e.name))
}

/// Whether a `_headers` pattern as gca writes it (an exact URL, or one
/// splat) matches a URL path, as (Cloudflare Pages, Netlify) read it.
/// Cloudflare: case-sensitive, the splat matches any characters, `/`
/// included. Netlify (its headers parser): case-blind; the pattern's
/// segments become a regular expression in which a segment that is only
/// `*` also makes the `/` before it optional, a `*` inside a segment is
/// `(.*)` with the rest of that segment left as written (so `.` is any
/// character), and a final `/` is optional. For tests and checks of the
/// rules.
pub fn matches_as_hosts_read(pattern: &str, url: &str) -> (bool, bool) {
    let cloudflare = match pattern.split_once('*') {
        Some((pre, post)) => {
            url.len() >= pre.len() + post.len() && url.starts_with(pre) && url.ends_with(post)
        }
        None => pattern == url,
    };
    #[derive(Clone, Copy)]
    enum T {
        Char(char),
        Any,
        Star,
        OptSlash,
    }
    let mut tokens = Vec::new();
    let segments: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    if segments.is_empty() {
        tokens.push(T::Char('/'));
    }
    for seg in &segments {
        if *seg == "*" {
            tokens.push(T::OptSlash);
            tokens.push(T::Star);
            continue;
        }
        tokens.push(T::Char('/'));
        let splat = seg.contains('*');
        for c in seg.chars() {
            tokens.push(match c {
                '*' => T::Star,
                '.' if splat => T::Any,
                c => T::Char(c),
            });
        }
    }
    tokens.push(T::OptSlash);
    fn run(t: &[T], u: &[char]) -> bool {
        match t.split_first() {
            None => u.is_empty(),
            Some((T::Char(c), rest)) => {
                u.first()
                    .is_some_and(|x| x.to_lowercase().eq(c.to_lowercase()))
                    && run(rest, &u[1..])
            }
            Some((T::Any, rest)) => !u.is_empty() && run(rest, &u[1..]),
            Some((T::Star, rest)) => (0..=u.len()).any(|k| run(rest, &u[k..])),
            Some((T::OptSlash, rest)) => {
                (u.first() == Some(&'/') && run(rest, &u[1..])) || run(rest, u)
            }
        }
    }
    let url: Vec<char> = url.chars().collect();
    (cloudflare, run(&tokens, &url))
}

/// The caching rules for the files written, as few as keep every file
/// under exactly one rule of its kind (hosts join the values of rules that
/// overlap): one pattern for a folder whose files are all hashed or all
/// not; in a folder that mixes them, one pattern per run of names of one
/// kind (`search/en/t-*` for the term shards, `search/en/meta.js` alone).
/// The count grows with the kinds of files and folders, never with the
/// number of pages or shards. Hashed files first, so that a host reading
/// only the first rules still caches those for ever; the others have the
/// host's default, which revalidates, when their rule is not read.
pub fn header_rules(written: &[String], base_path: &str) -> Vec<HeaderRule> {
    let mut sorted: Vec<&String> = written.iter().collect();
    sorted.sort();
    let mut root = Folder::default();
    for p in sorted {
        let name = p.rsplit('/').next().unwrap_or(p);
        if name.ends_with(".gz") || name.ends_with(".br") || p == "_headers" || p == "_redirects" {
            continue;
        }
        root.insert(p);
    }
    let mut rules = Vec::new();
    root.rules("", true, base_path, &mut rules);
    // Stable: folders and files keep their sorted order within each group.
    rules.sort_by_key(|r| !r.immutable);
    rules
}

/// The text of `_headers`: security headers for every URL of the site, then
/// the caching rules.
pub fn headers_file(rules: &[HeaderRule], base_path: &str) -> String {
    let mut s = String::from(
        "# Written by gca ([output] headers_file = true) for Netlify and Cloudflare Pages.\n\
         # Content-hashed files are cached for a year; everything else is revalidated.\n\n",
    );
    s.push_str(base_path);
    s.push_str(
        "*\n  X-Content-Type-Options: nosniff\n  Referrer-Policy: strict-origin-when-cross-origin\n  \
         Content-Security-Policy: default-src 'self'\n",
    );
    for r in rules {
        s.push('\n');
        s.push_str(&r.pattern);
        s.push_str("\n  Cache-Control: ");
        s.push_str(if r.immutable {
            CACHE_IMMUTABLE
        } else {
            CACHE_REVALIDATE
        });
        s.push('\n');
        if let Some(t) = r.content_type {
            s.push_str("  Content-Type: ");
            s.push_str(t);
            s.push('\n');
        }
    }
    s
}

/// The text of `_redirects`: a permanent redirect per alias.
pub fn redirects_file(redirects: &[Redirect]) -> String {
    let mut s = String::from(
        "# Written by gca ([output] redirects_file = true) for Netlify and Cloudflare Pages.\n\
         # Each alias answers 301: the output has no page at its URL (but past the\n\
         # 2000 redirects Cloudflare Pages reads, where the alias keeps its page).\n",
    );
    for r in redirects {
        s.push_str(&r.from);
        s.push(' ');
        s.push_str(&r.to);
        s.push_str(" 301\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_recognised() {
        for yes in [
            "css/site.80602e0df9.css",
            "js/search-ui.04d7f3e7a9.js",
            "search/en/t-0123456789.js",
            "search/fr/d-abcdef0123-12.js",
            "search/zh/f-abcdef0123.js",
        ] {
            assert!(is_content_hashed(yes), "{yes}");
        }
        for no in [
            "css/site.css",
            "search/en/meta.js",
            "search/languages.js",
            "search/index.html",
            "img/report-2024011512.pdf",
            "docs/x.2024011512.pdf",
            "search/en/t-0123456789-.js",
            "search/en/tt-0123456789.js",
            "search/t-0123456789.js",
        ] {
            assert!(!is_content_hashed(no), "{no}");
        }
    }

    /// The URL a browser asks for to get an output file.
    fn url_of(base: &str, file: &str) -> String {
        match file.strip_suffix("index.html") {
            Some(dir) if dir.is_empty() || dir.ends_with('/') => format!("{base}{dir}"),
            _ => format!("{base}{file}"),
        }
    }

    /// Asserts that every file is matched by exactly one rule on both
    /// hosts, a long-lived one exactly for hashed files.
    fn assert_covered_once(rules: &[HeaderRule], written: &[String], base: &str) {
        for w in written.iter().filter(|w| !w.ends_with(".gz")) {
            let url = url_of(base, w);
            for (host, pick) in [("Cloudflare", 0), ("Netlify", 1)] {
                let hits: Vec<&HeaderRule> = rules
                    .iter()
                    .filter(|r| {
                        let m = matches_as_hosts_read(&r.pattern, &url);
                        if pick == 0 { m.0 } else { m.1 }
                    })
                    .collect();
                assert_eq!(hits.len(), 1, "{host}: {url} matches {hits:?}");
                assert_eq!(hits[0].immutable, is_content_hashed(w), "{host}: {url}");
            }
        }
    }

    fn site_files(shards: usize, languages: &[&str]) -> Vec<String> {
        let mut written: Vec<String> = [
            "index.html",
            "404.html",
            "robots.txt",
            "css/site.80602e0df9.css",
            "css/syntax.0123456789.css",
            "js/site.04d7f3e7a9.js",
            "about/index.html",
            "about/team/index.html",
            "about/atom.xml",
            "aboutus/index.html",
            "contact/index.html",
            "search/index.html",
            "search/languages.js",
            "index.html.gz",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for lang in languages {
            written.push(format!("search/{lang}/meta.js"));
            written.push(format!("search/{lang}/f-abcdef0123.js"));
            for n in 0..shards {
                for kind in ["t", "p", "d"] {
                    written.push(format!("search/{lang}/{kind}-0123456789-{n}.js"));
                }
            }
        }
        written
    }

    #[test]
    fn rules_never_overlap_and_hashed_come_first() {
        let written = site_files(3, &["en", "fr"]);
        let rules = header_rules(&written, "/gca/");
        let patterns: Vec<(&str, bool)> = rules
            .iter()
            .map(|r| (r.pattern.as_str(), r.immutable))
            .collect();
        assert_eq!(
            patterns,
            vec![
                ("/gca/css/*", true),
                ("/gca/js/*", true),
                ("/gca/search/en/d-*", true),
                ("/gca/search/en/f-abcdef0123.js", true),
                ("/gca/search/en/p-*", true),
                ("/gca/search/en/t-*", true),
                ("/gca/search/fr/d-*", true),
                ("/gca/search/fr/f-abcdef0123.js", true),
                ("/gca/search/fr/p-*", true),
                ("/gca/search/fr/t-*", true),
                ("/gca/", false),
                ("/gca/404.html", false),
                ("/gca/a*", false),
                ("/gca/contact/*", false),
                ("/gca/robots.txt", false),
                ("/gca/search/", false),
                ("/gca/search/en/meta.js", false),
                ("/gca/search/fr/meta.js", false),
                ("/gca/search/languages.js", false),
            ]
        );
        assert_eq!(rules[0].content_type, Some("text/css; charset=utf-8"));
        // about/ and aboutus/ hold HTML and a feed: no single type.
        assert_eq!(rules[12].content_type, None);
        assert_eq!(rules[13].content_type, Some("text/html; charset=utf-8"));
        assert_covered_once(&rules, &written, "/gca/");
        let text = headers_file(&rules, "/gca/");
        assert!(text.contains("/gca/*\n  X-Content-Type-Options: nosniff\n"));
        assert!(text.contains("/gca/css/*\n  Cache-Control: public, max-age=31536000, immutable\n  Content-Type: text/css; charset=utf-8\n"));
        assert!(text.contains(
            "/gca/search/en/meta.js\n  Cache-Control: public, max-age=0, must-revalidate\n"
        ));
    }

    #[test]
    fn the_rule_count_does_not_grow_with_the_files() {
        let languages = ["ar", "en", "es", "fr", "ru", "zh"];
        let small = header_rules(&site_files(2, &languages), "/");
        let large_files = site_files(500, &languages);
        let large = header_rules(&large_files, "/");
        assert_eq!(small.len(), large.len());
        assert!(large.len() < 40, "{} rules", large.len());
        assert_covered_once(&large, &large_files, "/");
    }

    #[test]
    fn patterns_that_a_host_would_read_wider_are_avoided() {
        // Netlify reads `/about/*` as `/about` then anything, and is
        // case-blind; `.` in a splat segment is any character.
        let written: Vec<String> = [
            "about/index.html",
            "about/more/index.html",
            "aboutus.0123456789.js",
            "Team/index.html",
            "team.0123456789.css",
            "x.y-1/index.html",
            "x.y-1/a.html",
            "xzy-1.0123456789.js",
            "+1/site.0123456789.js",
            "+1/b.html",
            "+2.html",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let rules = header_rules(&written, "/");
        assert_covered_once(&rules, &written, "/");
    }

    #[test]
    fn hosts_read_patterns_as_documented() {
        let m = matches_as_hosts_read;
        assert_eq!(m("/gca/*", "/gca/"), (true, true));
        assert_eq!(m("/gca/about/*", "/gca/aboutus/"), (false, true));
        assert_eq!(m("/gca/t-*", "/gca/T-1.js"), (false, true));
        assert_eq!(m("/gca/a.b*", "/gca/axb.js"), (false, true));
        assert_eq!(m("/gca/t-*", "/gca/t-1/x.js"), (true, true));
        assert_eq!(m("/gca/", "/gca/"), (true, true));
        assert_eq!(m("/gca/", "/gca"), (false, true));
        assert_eq!(m("/gca/a.js", "/gca/a.js/"), (false, true));
        assert_eq!(m("/gca/a.js", "/gca/b.js"), (false, false));
        assert_eq!(m("/gca/t-*", "/gca/meta.js"), (false, false));
    }

    #[test]
    fn gzip_and_brotli_are_deterministic_and_reversible() {
        let text = "<p>Global Cybersecurity Agenda</p>\n".repeat(200);
        let gz = gzip(text.as_bytes()).unwrap();
        assert_eq!(gz, gzip(text.as_bytes()).unwrap());
        // No name, time 0, OS unknown.
        assert_eq!(&gz[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back)
            .unwrap();
        assert_eq!(back, text);
        let br = brotli(text.as_bytes()).unwrap();
        assert_eq!(br, brotli(text.as_bytes()).unwrap());
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).unwrap();
        assert_eq!(back, text.as_bytes());
        assert!(br.len() < text.len() / 10);
    }

    #[test]
    fn only_text_above_the_threshold_is_compressed() {
        assert!(compressible("a/index.html", 5000));
        assert!(compressible("search/en/t-0123456789.js", 2000));
        assert!(!compressible("a/index.html", 100));
        assert!(!compressible("img/photo.png", 50_000));
        assert!(!compressible("fonts/x.woff2", 50_000));
    }

    #[test]
    fn the_sink_compresses_records_and_warns_past_host_limits() {
        let memory = crate::site::writer::MemorySink::default();
        let options = OutputConfig {
            compress: true,
            headers_file: true,
            redirects_file: true,
        };
        let sink = PublishSink::new(&memory, &options);
        let page = "<p>Global Cybersecurity Agenda</p>\n".repeat(100);
        sink.write("index.html", page.as_bytes()).unwrap();
        sink.write("small.html", b"<p>x</p>").unwrap();
        sink.write("search/en/meta.js", b"{}").unwrap();
        for i in 0..300 {
            sink.write(&format!("search/en/t-{i:010x}.js"), b"x")
                .unwrap();
        }
        // Names that no pattern may group (a `+` would be read by Netlify
        // as part of a regular expression) beside a hashed file: a rule
        // each, past Cloudflare's 100.
        sink.write("odd/site.0123456789.js", b"x").unwrap();
        for i in 0..100 {
            sink.write(&format!("odd/+{i}.html"), b"x").unwrap();
        }
        let warnings = sink
            .finish(
                "/",
                &[Redirect {
                    from: "/old/".into(),
                    to: "/new/".into(),
                }],
            )
            .unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0]
                .message
                .contains("Cloudflare Pages reads only the first 100"),
            "{}",
            warnings[0].message
        );
        let files = memory.files.lock().unwrap();
        assert_eq!(
            files["index.html.gz"][..],
            gzip(page.as_bytes()).unwrap()[..]
        );
        assert_eq!(
            files["index.html.br"][..],
            brotli(page.as_bytes()).unwrap()[..]
        );
        assert!(!files.contains_key("small.html.gz"));
        assert!(files["_redirects"].ends_with(b"/old/ /new/ 301\n"));
        let headers = String::from_utf8(files["_headers"].to_vec()).unwrap();
        // 300 term shards, one rule.
        assert!(
            headers.contains(
                "\n/search/en/t-*\n  Cache-Control: public, max-age=31536000, immutable\n"
            )
        );
        assert!(!headers.contains("/search/en/t-0"), "{headers}");
        assert!(
            !headers.contains("index.html.gz"),
            "siblings get no rule of their own"
        );
    }

    #[test]
    fn with_redirects_file_aliases_have_no_page() {
        use crate::site::writer::MemorySink;
        let options = |redirects_file| OutputConfig {
            compress: false,
            headers_file: true,
            redirects_file,
        };
        let memory = MemorySink::default();
        let sink = PublishSink::new(&memory, &options(true));
        sink.write("new/index.html", b"page").unwrap();
        sink.write_redirect("old/index.html", b"redirect").unwrap();
        for i in 1..CLOUDFLARE_REDIRECTS + 2 {
            sink.write_redirect(&format!("old{i:04}/index.html"), b"redirect")
                .unwrap();
        }
        let files = memory.files.lock().unwrap();
        assert!(!files.contains_key("old/index.html"));
        assert!(!files.contains_key(&format!("old{:04}/index.html", CLOUDFLARE_REDIRECTS - 1)));
        // Past what Cloudflare reads, the pages are written.
        assert_eq!(
            files[&format!("old{CLOUDFLARE_REDIRECTS:04}/index.html")][..],
            b"redirect"[..]
        );
        assert_eq!(
            files[&format!("old{:04}/index.html", CLOUDFLARE_REDIRECTS + 1)][..],
            b"redirect"[..]
        );
        drop(files);
        // No caching rule for a URL that is a redirect.
        sink.finish("/", &[]).unwrap();
        let headers = String::from_utf8(memory.files.lock().unwrap()["_headers"].to_vec()).unwrap();
        assert!(!headers.contains("old"), "{headers}");

        // A reserved alias still collides with another output, both ways.
        let memory = MemorySink::default();
        let sink = PublishSink::new(&memory, &options(true));
        sink.write("new/index.html", b"page").unwrap();
        assert!(sink.write_redirect("new/index.html", b"redirect").is_err());
        sink.write_redirect("old/index.html", b"redirect").unwrap();
        assert!(sink.write("old/index.html", b"page").is_err());

        // Without `_redirects`, every alias has its page.
        let memory = MemorySink::default();
        let sink = PublishSink::new(&memory, &options(false));
        sink.write_redirect("old/index.html", b"redirect").unwrap();
        assert_eq!(
            memory.files.lock().unwrap()["old/index.html"][..],
            b"redirect"[..]
        );
    }

    #[test]
    fn the_disk_sink_reserves_without_writing_or_counting() {
        use crate::site::writer::DirSink;
        let dir = tempfile::tempdir().unwrap();
        let sink = DirSink::new(dir.path().to_path_buf());
        sink.write("a/index.html", b"page").unwrap();
        sink.reserve("old/index.html").unwrap();
        assert!(sink.reserve("a/index.html").is_err());
        assert!(sink.write("old/index.html", b"x").is_err());
        assert!(!dir.path().join("old").exists());
        assert_eq!(sink.count(), 1);
    }

    #[test]
    fn redirects_are_listed_with_301() {
        let text = redirects_file(&[Redirect {
            from: "/gca/old/".into(),
            to: "/gca/new/".into(),
        }]);
        assert!(text.ends_with("\n/gca/old/ /gca/new/ 301\n"), "{text}");
    }
}
