//! Content: pages, sections and taxonomies, read from `content/`.
//!
//! [`load`] is the only function here that touches the disk; everything
//! else works on the [`Library`] it returns.

pub mod frontmatter;
pub mod library;
pub mod schema;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Diagnostic, Diagnostics, Result};
use crate::slug::{slugify, unsafe_component_reason};
use frontmatter::{PageFrontMatter, SectionFrontMatter};
pub use library::{ItemRef, Library, Taxonomy, Term};

/// Largest Markdown file accepted.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Where a content file is and what its name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// Path on disk (site root joined), for diagnostics.
    pub path: PathBuf,
    /// Path under `content/` with `/` separators, e.g. `work-areas/x.fr.md`.
    pub relative: String,
    /// Language code.
    pub lang: String,
    /// Folder under `content/` whose section the item belongs to (for a
    /// section: its own folder; for `dir/index.md`: the parent of `dir`).
    pub dir: String,
    /// File name without language and `.md`; for `dir/index.md`, `dir`'s name.
    pub name: String,
    /// For `dir/index.md` pages: `dir`, whose other files are the page's assets.
    pub bundle: Option<String>,
    /// The same for every translation of an item: its relative path without
    /// the language suffix.
    pub translation_key: String,
}

/// One page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Where it came from.
    pub file: FileInfo,
    /// Its front matter.
    pub meta: PageFrontMatter,
    /// Front matter text, for locating fields in diagnostics.
    pub front: String,
    /// Line the front matter starts on.
    pub front_line: usize,
    /// Title (front matter, or the first `# heading`).
    pub title: String,
    /// Markdown body.
    pub body: String,
    /// Line of the file the body starts on.
    pub body_line: usize,
    /// Last part of the URL.
    pub slug: String,
    /// URL path under the base URL: no leading slash, ending with `/`.
    pub path: String,
    /// Index of the section it belongs to.
    pub section: usize,
    /// Files copied beside the page: (source path, path under the output).
    pub assets: Vec<(PathBuf, String)>,
}

/// One section (`_index.md`), real or implied.
#[derive(Debug, Clone)]
pub struct Section {
    /// Where it came from (the path of a missing `_index.md` for implied ones).
    pub file: FileInfo,
    /// Whether there is an `_index.md` on disk.
    pub exists: bool,
    /// Its front matter.
    pub meta: SectionFrontMatter,
    /// Front matter text.
    pub front: String,
    /// Line the front matter starts on.
    pub front_line: usize,
    /// Title.
    pub title: String,
    /// Markdown body.
    pub body: String,
    /// Line the body starts on.
    pub body_line: usize,
    /// URL path: `""` for the home page, `work-areas/` for others.
    pub path: String,
    /// Parent section.
    pub parent: Option<usize>,
    /// Pages, in the section's order (with those of transparent children).
    pub pages: Vec<usize>,
    /// Child sections, by weight then path.
    pub subsections: Vec<usize>,
}

/// Options of a load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Include pages marked `draft = true`.
    pub drafts: bool,
    /// Carry on past errors (for `gca check`): a file that cannot be
    /// listed, read or parsed is left out (and named in
    /// [`Library::left_out`]), the library is built from the rest, and the
    /// errors are returned with the warnings instead of failing the load.
    pub keep_going: bool,
}

/// A file read from `content/`, before parsing.
enum Raw {
    Markdown(FileInfo, String),
    Asset(PathBuf, String),
}

/// A file of `content/` read and parsed.
enum Loaded {
    Item(Item),
    Asset(PathBuf, String),
}

/// Reads and parses everything under `<root>/content`.
pub fn load(
    root: &Path,
    config: &Config,
    options: &LoadOptions,
) -> Result<(Library, Vec<Diagnostic>)> {
    let content = root.join("content");
    let mut diags = Diagnostics::new();
    let mut files = Vec::new();
    let mut left_out = BTreeSet::new();
    if content.is_dir() {
        collect_files(root, &content, &mut files, &mut left_out, &mut diags);
    }
    let keep_going = options.keep_going;
    if !keep_going {
        diags.check()?;
    }

    // Each file is read and parsed in one go, so that its text is dropped
    // as soon as it is parsed (never every file's text and every parsed
    // item at once). Reading errors are reported before parsing errors:
    // when a file cannot be read, parsing errors of the others wait.
    // (When carrying on, every error is reported.)
    let loaded: Vec<std::result::Result<Loaded, (bool, Diagnostic)>> = files
        .par_iter()
        .map(|(path, rel)| match read_file(path, rel, config) {
            Ok(Raw::Markdown(info, text)) => parse_item(info, &text, config)
                .map(Loaded::Item)
                .map_err(|d| (false, d)),
            Ok(Raw::Asset(path, rel)) => Ok(Loaded::Asset(path, rel)),
            Err(d) => Err((true, d)),
        })
        .collect();
    let unreadable = !keep_going && loaded.iter().any(|l| matches!(l, Err((true, _))));
    let mut parsed = Vec::new();
    let mut assets = Vec::new();
    for (l, (_, rel)) in loaded.into_iter().zip(&files) {
        match l {
            Ok(Loaded::Item(item)) => parsed.push(item),
            Ok(Loaded::Asset(path, rel)) => assets.push((path, rel)),
            Err((reading, d)) => {
                left_out.insert(rel.clone());
                if reading || !unreadable {
                    diags.push(d);
                }
            }
        }
    }
    if !keep_going {
        diags.check()?;
    }

    let pages_at_most = parsed.iter().filter(|p| matches!(p, Item::Page(_))).count();
    let mut pages = Vec::with_capacity(pages_at_most);
    let mut sections = Vec::new();
    for p in parsed {
        match p {
            Item::Page(page) => {
                if options.drafts || !page.meta.draft {
                    pages.push(*page);
                }
            }
            Item::Section(section) => sections.push(*section),
        }
    }

    let mut library = Library::build(config, pages, sections, assets, &mut diags);
    if !keep_going {
        diags.check()?;
    }
    library.left_out = left_out;
    Ok((library, diags.into_vec()))
}

/// True for names that are never content: hidden files and editor leftovers.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swo")
        || name.ends_with(".tmp")
        || (name.starts_with('#') && name.ends_with('#'))
}

/// Lists the files under `dir` (sorted, hidden and temporary files skipped),
/// refusing symlinks that leave the site.
fn collect_files(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(PathBuf, String)>,
    refused: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| dir.to_path_buf());
                diags.push(
                    Diagnostic::error(format!("cannot read this folder entry: {e}"))
                        .in_file(path)
                        .help("check the file's permissions"),
                );
                continue;
            }
        };
        let path = entry.path();
        let rel = match path.strip_prefix(dir) {
            Ok(r) => r.to_string_lossy().replace('\\', "/"),
            Err(_) => continue,
        };
        if entry.path_is_symlink() {
            match path.canonicalize() {
                Ok(target) if target.starts_with(&canonical_root) => {
                    if target.is_dir() {
                        diags.push(
                            Diagnostic::warning("symbolic link to a folder is not followed")
                                .in_file(path)
                                .help("move or copy the folder's files into content/"),
                        );
                    } else {
                        out.push((path.to_path_buf(), rel));
                    }
                }
                Ok(target) => {
                    refused.insert(rel);
                    diags.push(
                        Diagnostic::error(format!(
                            "symbolic link points outside the site, to {}",
                            target.display()
                        ))
                        .in_file(path)
                        .help("copy the file into the site instead of linking to it"),
                    )
                }
                Err(e) => {
                    refused.insert(rel);
                    diags.push(
                        Diagnostic::error(format!("broken or looping symbolic link: {e}"))
                            .in_file(path)
                            .help("remove the link or point it at a file inside the site"),
                    )
                }
            }
            continue;
        }
        if entry.file_type().is_file() {
            out.push((path.to_path_buf(), rel));
        }
    }
}

fn read_file(path: &Path, rel: &str, config: &Config) -> std::result::Result<Raw, Diagnostic> {
    if !rel.ends_with(".md") {
        return Ok(Raw::Asset(path.to_path_buf(), rel.to_string()));
    }
    let info = file_info(path, rel, config)?;
    let meta = std::fs::metadata(path).map_err(|e| {
        Diagnostic::error(format!("cannot read this file: {e}"))
            .in_file(path)
            .help("check that the file exists and is readable")
    })?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(format!(
            "this file has {} bytes; the limit for a Markdown file is {} MiB ({MAX_FILE_BYTES} bytes)",
            meta.len(),
            MAX_FILE_BYTES / (1024 * 1024)
        ))
        .in_file(path)
        .help("split it into several pages"));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error(format!("cannot read this file: {e}"))
            .in_file(path)
            .help("check that the file exists and is readable")
    })?;
    let text = decode_text(&bytes, path)?;
    Ok(Raw::Markdown(info, text))
}

/// Checks that bytes are UTF-8 text without NUL, strips a BOM and turns
/// CRLF into LF.
pub fn decode_text(bytes: &[u8], path: &Path) -> std::result::Result<String, Diagnostic> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            return Err(Diagnostic::error("this file is not valid UTF-8 text")
                .in_file(path)
                .at_line(line)
                .help("save the file as UTF-8 in your editor"));
        }
    };
    if let Some(i) = text.find('\0') {
        let line = text[..i].matches('\n').count() + 1;
        return Err(
            Diagnostic::error("this file contains a NUL byte; is it a binary file?")
                .in_file(path)
                .at_line(line)
                .help("remove the NUL byte, or move binary files out of content/ Markdown"),
        );
    }
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    })
}

/// Works out language, folder and name from a path under `content/`.
fn file_info(path: &Path, rel: &str, config: &Config) -> std::result::Result<FileInfo, Diagnostic> {
    let (dir, file) = match rel.rsplit_once('/') {
        Some((d, f)) => (d.to_string(), f),
        None => (String::new(), rel),
    };
    let stem = file.trim_end_matches(".md");
    let (name, lang) = match stem.rsplit_once('.') {
        Some((n, l)) if config.has_language(l) && l != config.default_language => {
            (n, l.to_string())
        }
        Some((_, l)) if l == config.default_language => {
            return Err(Diagnostic::error(format!(
                "`.{l}` is the default language: its files need no language suffix"
            ))
            .in_file(path)
            .help(format!(
                "rename the file to `{}`",
                file.replacen(&format!(".{l}.md"), ".md", 1)
            )));
        }
        Some((_, l)) if l.len() <= 3 && l.chars().all(|c| c.is_ascii_lowercase()) => {
            return Err(
                Diagnostic::error(format!("unknown language `{l}` in the file name"))
                    .in_file(path)
                    .help(format!(
                        "add `[languages.{l}]` to config.toml, or rename the file"
                    )),
            );
        }
        _ => (stem, config.default_language.clone()),
    };
    let translation_key = if dir.is_empty() {
        format!("{name}.md")
    } else {
        format!("{dir}/{name}.md")
    };
    if name == "index" {
        if dir.is_empty() {
            return Err(Diagnostic::error("`content/index.md` cannot be a page")
                .in_file(path)
                .help("the home page is `content/_index.md`"));
        }
        let (parent, bundle_name) = match dir.rsplit_once('/') {
            Some((p, n)) => (p.to_string(), n.to_string()),
            None => (String::new(), dir.clone()),
        };
        return Ok(FileInfo {
            path: path.to_path_buf(),
            relative: rel.to_string(),
            lang,
            dir: parent,
            name: bundle_name,
            bundle: Some(dir),
            translation_key,
        });
    }
    Ok(FileInfo {
        path: path.to_path_buf(),
        relative: rel.to_string(),
        lang,
        dir,
        name: name.to_string(),
        bundle: None,
        translation_key,
    })
}

enum Item {
    Page(Box<Page>),
    Section(Box<Section>),
}

/// URL path of a content folder: each folder name slugified.
pub fn dir_url(dir: &str) -> String {
    if dir.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for part in dir.split('/') {
        let s = slugify(part);
        out.push_str(if s.is_empty() { part } else { &s });
        out.push('/');
    }
    out
}

/// Prefix of URLs in a language: `""` for the default, `fr/` for others.
pub fn lang_prefix(lang: &str, config: &Config) -> String {
    if lang == config.default_language {
        String::new()
    } else {
        format!("{lang}/")
    }
}

fn parse_item(
    info: FileInfo,
    text: &str,
    config: &Config,
) -> std::result::Result<Item, Diagnostic> {
    let split = frontmatter::split(text, &info.path)?;
    if info.name == "_index" {
        let meta: SectionFrontMatter = frontmatter::parse(&split, &info.path)?;
        let path = format!("{}{}", lang_prefix(&info.lang, config), dir_url(&info.dir));
        check_url_path(&path, &info.path)?;
        let title = meta.title.clone().unwrap_or_default();
        return Ok(Item::Section(Box::new(Section {
            exists: true,
            front: split.front.to_string(),
            front_line: split.front_line,
            title,
            body: split.body.to_string(),
            body_line: split.body_line,
            path,
            parent: None,
            pages: Vec::new(),
            subsections: Vec::new(),
            meta,
            file: info,
        })));
    }
    let meta: PageFrontMatter = frontmatter::parse(&split, &info.path)?;
    let mut body = split.body.to_string();
    let title = match &meta.title {
        Some(t) => t.clone(),
        None => {
            match take_first_h1(&mut body) {
                Some(t) => t,
                None => {
                    return Err(Diagnostic::error("this page has no title")
                    .in_file(&info.path)
                    .at_line(1)
                    .help("add `title = \"...\"` to its front matter, or start it with a `# Heading`"));
                }
            }
        }
    };
    let slug = match &meta.slug {
        Some(s) => {
            if let Some(reason) = unsafe_component_reason(s).or_else(|| {
                s.contains('/')
                    .then_some("it contains `/`; use `path` for a full path")
            }) {
                return Err(
                    Diagnostic::error(format!("`slug = \"{s}\"` is refused: {reason}"))
                        .in_file(&info.path)
                        .at_line(find_key_line(split.front, "slug", split.front_line))
                        .help("a slug is one URL segment such as `cybercrime-laws`"),
                );
            }
            s.clone()
        }
        None => {
            let s = slugify(&info.name);
            if s.is_empty() {
                return Err(Diagnostic::error("cannot make a URL from this file name")
                    .in_file(&info.path)
                    .help("rename the file with letters or digits, or set `slug`"));
            }
            s
        }
    };
    let path = match &meta.path {
        Some(p) => match crate::slug::normalise_user_path(p) {
            Ok(p) => format!("{}{p}/", lang_prefix(&info.lang, config)),
            Err(reason) => {
                return Err(
                    Diagnostic::error(format!("`path = \"{p}\"` is refused: {reason}"))
                        .in_file(&info.path)
                        .at_line(find_key_line(split.front, "path", split.front_line))
                        .help("give a path inside the site such as `documents/address-2008`"),
                );
            }
        },
        None => format!(
            "{}{}{slug}/",
            lang_prefix(&info.lang, config),
            dir_url(&info.dir)
        ),
    };
    check_url_path(&path, &info.path)?;
    Ok(Item::Page(Box::new(Page {
        front: split.front.to_string(),
        front_line: split.front_line,
        title,
        body,
        body_line: split.body_line,
        slug,
        path,
        section: 0,
        assets: Vec::new(),
        meta,
        file: info,
    })))
}

/// Refuses a URL path made from file and folder names when a part of it
/// is a name some file systems reserve (`con`, `nul`, `aux`...), as the
/// same name given as a `slug` is.
fn check_url_path(path: &str, file: &Path) -> std::result::Result<(), Diagnostic> {
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if let Some(reason) = unsafe_component_reason(part) {
            return Err(Diagnostic::error(format!(
                "the URL `/{path}` is refused: its part `{part}`: {reason}"
            ))
            .in_file(file)
            .help("rename the file or folder, or set `slug` or `path` in the front matter"));
        }
    }
    Ok(())
}

/// Removes the first ATX `# heading` line (outside code fences) from `body`,
/// leaving an empty line so line numbers hold, and returns its text.
fn take_first_h1(body: &mut String) -> Option<String> {
    let mut offset = 0;
    let mut in_fence = false;
    for line in body.split_inclusive('\n') {
        let t = line.trim_end();
        if t.trim_start().starts_with("```") || t.trim_start().starts_with("~~~") {
            in_fence = !in_fence;
        } else if !in_fence && let Some(rest) = t.strip_prefix("# ") {
            let title = rest.trim().trim_end_matches('#').trim().to_string();
            if title.is_empty() {
                return None;
            }
            let end = offset + t.len();
            body.replace_range(offset..end, "");
            return Some(title);
        } else if !in_fence
            && !t.is_empty()
            && !t.starts_with('#')
            && !t.starts_with('<')
            && !t.starts_with('[')
        {
            // The title must come before the text.
            return None;
        }
        offset += line.len();
    }
    None
}

/// Line of the first front matter line that sets `key` (TOML or YAML), or
/// the front matter's first line.
pub fn find_key_line(front: &str, key: &str, front_line: usize) -> usize {
    for (i, line) in front.lines().enumerate() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix(key) {
            let rest = rest.trim_start();
            if rest.starts_with('=') || rest.starts_with(':') {
                return front_line + i;
            }
        }
        let table = |open: &str, close: &str| {
            t.strip_prefix(open).and_then(|r| r.strip_suffix(close)) == Some(key)
        };
        if table("[", "]") || table("[[", "]]") {
            return front_line + i;
        }
    }
    front_line
}

/// Sorted map from taxonomy name to terms, as pages declare them.
pub type PageTaxonomies = BTreeMap<String, Vec<String>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_h1_becomes_the_title() {
        let mut b = String::from("\n# Access Control Cheat Sheet\n\nText.\n");
        assert_eq!(
            take_first_h1(&mut b).as_deref(),
            Some("Access Control Cheat Sheet")
        );
        assert_eq!(b, "\n\n\nText.\n");
        let mut b = String::from("Text first.\n\n# Late\n");
        assert_eq!(take_first_h1(&mut b), None);
        let mut b = String::from("```\n# comment\n```\n");
        assert_eq!(take_first_h1(&mut b), None);
    }

    #[test]
    fn text_is_normalised() {
        let p = Path::new("a.md");
        assert_eq!(decode_text(b"\xEF\xBB\xBFa\r\nb\r\n", p).unwrap(), "a\nb\n");
        let e = decode_text(b"ok\n\xFF\xFE", p).unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = decode_text(b"a\n\nb\0", p).unwrap_err();
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn a_file_over_the_limit_is_refused_with_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.md");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let config = Config::parse(
            "title = \"T\"\nbase_url = \"https://example.org/\"\n",
            Path::new("config.toml"),
        )
        .unwrap();
        let Err(e) = read_file(&path, "big.md", &config) else {
            panic!("a file over the limit is read");
        };
        assert!(
            e.message.contains(&format!("{} bytes", MAX_FILE_BYTES + 1)),
            "{e}"
        );
    }

    #[test]
    fn reserved_names_from_file_names_are_refused() {
        let p = Path::new("content/con.md");
        assert!(check_url_path("con/", p).is_err());
        assert!(check_url_path("docs/aux/x/", p).is_err());
        assert!(check_url_path("docs/console/", p).is_ok());
        assert!(check_url_path("", p).is_ok());
    }

    #[test]
    fn ignored_names() {
        for n in [".git", ".#a.md", "a.md~", "a.md.swp", "#a.md#"] {
            assert!(is_ignored_name(n), "{n}");
        }
        assert!(!is_ignored_name("a.md"));
    }

    #[test]
    fn key_lines_are_found() {
        let front = "title = \"a\"\nslug = \"x\"\n[taxonomies]\n";
        assert_eq!(find_key_line(front, "slug", 2), 3);
        assert_eq!(find_key_line(front, "taxonomies", 2), 4);
        assert_eq!(find_key_line(front, "nope", 2), 2);
        let front = "title = \"a\"\n[extra.links]\n[[extra]]\n";
        assert_eq!(find_key_line(front, "extra", 1), 3);
        assert_eq!(find_key_line(front, "extra.links", 1), 2);
    }
}
