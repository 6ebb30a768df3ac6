//! `gca check`: builds the site in memory, writes nothing, and reports
//! every problem it finds at once, each with its file and line. Loading
//! and rendering carry on past errors (files that do not load are left
//! out, outputs whose template fails too), so every check runs on the rest.
//!
//! What is checked, and how bad each problem is (see `docs/maintainers.md`):
//!
//! | Check | Severity |
//! | --- | --- |
//! | everything the build refuses: front matter, schemas, taxonomy values, `@/` links and their anchors (glossary terms included), URL and alias clashes, templates | error |
//! | images: the file exists ([`content`]) | error |
//! | images: alt text | error |
//! | links in the built HTML that lead to no file of the site, or to a missing anchor ([`links`]) | error |
//! | two pages with the same title (in one language) | warning |
//! | orphan pages: no other page links to them | warning |
//! | missing or empty description | warning |
//! | external links: listed; with `--external`, fetched ([`external`]) | error when broken for good, warning when unsure |
//! | the build's own warnings | warning |

pub mod content;
pub mod external;
pub mod html;
pub mod links;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::content::Library;
use crate::error::{Diagnostic, sort_diagnostics};
use crate::markdown::{self, Rendered};
use crate::site::Site;
use crate::site::writer::MemorySink;
use external::{FetchOptions, LinkStatus};

/// What to check.
#[derive(Debug, Clone)]
pub struct Options {
    /// The site folder.
    pub root: PathBuf,
    /// Fetch external links with these settings (`None`: only list them).
    pub external: Option<FetchOptions>,
}

/// Where an external link is used.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Use {
    /// The Markdown file.
    pub file: PathBuf,
    /// Line in it.
    pub line: usize,
}

/// An external link and where it is used.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalLink {
    /// The URL.
    pub url: String,
    /// Every place it is used, sorted.
    pub uses: Vec<Use>,
    /// How fetching it went, when fetched.
    pub status: Option<LinkStatus>,
}

/// Everything a check found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Problems, errors first, then by file and line.
    pub diagnostics: Vec<Diagnostic>,
    /// External links of the content, by URL.
    pub external_links: Vec<ExternalLink>,
    /// Pages checked (0 when the content could not be loaded).
    pub pages: usize,
    /// Sections checked.
    pub sections: usize,
    /// Whether the site would build: no error in loading or rendering.
    /// (The checks run on what could be rendered either way.)
    pub built: bool,
    /// Checks that could not run, and why.
    pub skipped: Vec<String>,
}

impl Report {
    fn finish(mut self) -> Report {
        sort_diagnostics(&mut self.diagnostics);
        self.diagnostics.dedup();
        self.errors = self.diagnostics.iter().filter(|d| d.is_error()).count();
        self.warnings = self.diagnostics.len() - self.errors;
        self
    }
}

/// Checks the site at `options.root`.
pub fn check(options: &Options) -> Report {
    let fetcher = options.external.as_ref().map(external::http_fetcher);
    let fetch: Option<&(dyn Fn(&str) -> LinkStatus + Sync)> = fetcher
        .as_ref()
        .map(|f| f as &(dyn Fn(&str) -> LinkStatus + Sync));
    check_with(options, fetch)
}

/// [`check`] with a given way of fetching external links (used when
/// `options.external` is set).
pub fn check_with(
    options: &Options,
    fetch: Option<&(dyn Fn(&str) -> LinkStatus + Sync)>,
) -> Report {
    let mut report = Report::default();
    // Files that do not load are left out, with their errors, and every
    // check runs on the rest.
    let (mut site, load_errors) = match Site::load_keep_going(&options.root) {
        Ok(loaded) => loaded,
        Err(e) => {
            report.diagnostics = e.diagnostics;
            report.skipped.push(
                "nothing else was checked: the site's configuration or theme did not load; fix the errors above and check again".into(),
            );
            return report.finish();
        }
    };
    let loaded = load_errors.is_empty();
    report.diagnostics.extend(load_errors);
    for file in &site.library.left_out {
        report.skipped.push(format!(
            "{}: left out of the other checks: it did not load",
            site.root.join("content").join(file).display()
        ));
    }
    // A search cache of its own, outside the site (a check writes nothing
    // there) and never shared with a build; removed when the check ends.
    let cache = TemporaryFolder::new();
    site.search_cache = cache.0.clone();
    report.pages = site.library.pages.len();
    report.sections = site.library.sections.iter().filter(|s| s.exists).count();
    // Rendering consumes the Markdown bodies; the checks still need them
    // (to locate links by line, and to analyse pages when the build fails).
    let bodies = Bodies {
        pages: site.library.pages.iter().map(|p| p.body.clone()).collect(),
        sections: site
            .library
            .sections
            .iter()
            .map(|s| s.body.clone())
            .collect(),
    };

    // The render carries on past errors too, so that the built HTML can
    // be checked even when the site would not build.
    let sink = MemorySink::default();
    let mut built = loaded;
    let mut unrendered = BTreeSet::new();
    let (page_md, section_md, output) = match site.render_keep_going(&sink) {
        Ok(r) => {
            built &= r.errors.is_empty();
            unrendered.extend(r.unrendered);
            report.diagnostics.extend(r.errors);
            report.diagnostics.extend(r.warnings);
            for (file, line, written) in &r.links_to_left_out {
                report.skipped.push(format!(
                    "{}:{line}: the link `{written}` was not checked: its target did not load",
                    file.display()
                ));
            }
            let files: BTreeMap<String, Vec<u8>> = sink
                .files
                .into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .into_iter()
                .map(|(k, v)| (k, v.to_vec()))
                .collect();
            (r.page_markdown, r.section_markdown, Some(files))
        }
        Err(e) => {
            built = false;
            report.diagnostics.extend(site.warnings.iter().cloned());
            report.diagnostics.extend(e.diagnostics);
            let (p, s) = analyse_leniently(&site, &bodies);
            (p, s, None)
        }
    };
    let site = site;
    let lib = &site.library;
    report.built = built;

    let available = Available::new(&site, output.as_ref());
    let mut diags = Vec::new();
    content::titles(lib, &mut diags);
    content::descriptions(lib, &mut diags);
    content::images(&site, &page_md, &section_md, &available, &mut diags);
    if let Some(out) = &output {
        let markdown_images = lib
            .pages
            .iter()
            .map(|p| &p.file.path)
            .zip(&page_md)
            .chain(lib.sections.iter().map(|s| &s.file.path).zip(&section_md))
            .filter_map(|(f, md)| md.as_ref().map(|md| (f, md)))
            .flat_map(|(f, md)| md.images.iter().map(move |i| (f.clone(), i.src.clone())))
            .collect();
        // `@/` links with anchors: the build checked those.
        let item_path = |target: usize| match target.checked_sub(lib.pages.len()) {
            None => lib.pages.get(target).map(|p| &p.path),
            Some(i) => lib.sections.get(i).map(|s| &s.path),
        };
        let from_build = lib
            .pages
            .iter()
            .map(|p| &p.file.path)
            .zip(&page_md)
            .chain(lib.sections.iter().map(|s| &s.file.path).zip(&section_md))
            .filter_map(|(f, md)| md.as_ref().map(|md| (f, md)))
            .flat_map(|(f, md)| {
                md.internal_links.iter().filter_map(move |l| {
                    let anchor = l.anchor.clone()?;
                    let path = item_path(l.target)?;
                    Some((f.clone(), format!("{path}index.html"), anchor))
                })
            })
            .collect();
        links::local_links(
            &site,
            &bodies,
            out,
            &unrendered,
            &markdown_images,
            &from_build,
            &mut diags,
        );
        links::orphans(&site, out, &unrendered, &mut diags);
    } else {
        report.skipped.push(
            "links in the built HTML and orphan pages were not checked: the templates could not be rendered"
                .into(),
        );
    }
    report.diagnostics.extend(diags);

    report.external_links = external_links(&site, &page_md, &section_md);
    if let Some(fetch) = fetch {
        let urls: Vec<String> = report
            .external_links
            .iter()
            .map(|l| l.url.clone())
            .collect();
        let concurrency = options
            .external
            .as_ref()
            .map_or(FetchOptions::default().concurrency, |o| o.concurrency);
        let results = external::fetch_all(&urls, concurrency, fetch);
        for link in &mut report.external_links {
            let Some(status) = results.get(&link.url) else {
                continue;
            };
            let problem = match status {
                LinkStatus::Ok { .. } => None,
                LinkStatus::Broken { message, .. } => Some(Diagnostic::error(format!(
                    "broken external link `{}`: {message}",
                    link.url
                ))),
                LinkStatus::Unsure { message, .. } => Some(Diagnostic::warning(format!(
                    "external link `{}` may be broken: {message}",
                    link.url
                ))),
            };
            if let Some(d) = problem {
                for u in &link.uses {
                    report.diagnostics.push(
                        d.clone()
                            .in_file(&u.file)
                            .at_line(u.line)
                            .help("fix or remove the link, or replace it with an archived copy"),
                    );
                }
            }
            link.status = Some(status.clone());
        }
    }
    report.finish()
}

/// The Markdown analysis of every page when the build failed: links are
/// resolved without failing and shortcodes render as nothing, so that
/// images and external links can still be checked.
fn analyse_leniently(
    site: &Site,
    bodies: &Bodies,
) -> (Vec<Option<Rendered>>, Vec<Option<Rendered>>) {
    struct Lenient<'a>(&'a Library);
    impl markdown::Resolver for Lenient<'_> {
        fn resolve_link(&self, target: &str, _lang: &str) -> Result<(String, usize), String> {
            let id = match self.0.files.get(target.trim_start_matches('/')) {
                Some(crate::content::ItemRef::Page(i)) => *i,
                Some(crate::content::ItemRef::Section(i)) => self.0.pages.len() + i,
                None => usize::MAX,
            };
            Ok((String::new(), id))
        }
        fn render_shortcode(
            &self,
            _name: &str,
            _args: &markdown::shortcodes::Args,
            _body: Option<&str>,
        ) -> Result<String, String> {
            Ok(String::new())
        }
    }
    let lib = &site.library;
    let resolver = Lenient(lib);
    let render = |body: &str, line: usize, file: &Path, lang: &str| {
        markdown::render(body, line, file, lang, &site.config.markdown, &resolver).ok()
    };
    let pages = lib
        .pages
        .iter()
        .zip(&bodies.pages)
        .map(|(p, body)| render(body, p.body_line, &p.file.path, &p.file.lang))
        .collect();
    let sections = lib
        .sections
        .iter()
        .zip(&bodies.sections)
        .map(|(s, body)| render(body, s.body_line, &s.file.path, &s.file.lang))
        .collect();
    (pages, sections)
}

/// The Markdown bodies of the pages and sections, in library order.
pub struct Bodies {
    /// Of `Library::pages`.
    pub pages: Vec<String>,
    /// Of `Library::sections`.
    pub sections: Vec<String>,
}

/// The files a link or image can lead to: the built output, or when the
/// build failed, what it would have held (pages, sections, assets and
/// static files).
pub struct Available<'a> {
    output: Option<&'a BTreeMap<String, Vec<u8>>>,
    guessed: BTreeSet<String>,
}

impl<'a> Available<'a> {
    fn new(site: &Site, output: Option<&'a BTreeMap<String, Vec<u8>>>) -> Available<'a> {
        let mut guessed = BTreeSet::new();
        if output.is_none() {
            let lib = &site.library;
            guessed.extend(lib.pages.iter().map(|p| format!("{}index.html", p.path)));
            guessed.extend(lib.sections.iter().map(|s| format!("{}index.html", s.path)));
            guessed.extend(lib.assets.iter().map(|(_, out)| out.clone()));
            guessed.extend(site.static_files.iter().map(|f| f.rel.clone()));
        }
        Available { output, guessed }
    }

    /// Whether the output has the file at `key` (or would have: with an
    /// output, `guessed` holds the files whose template failed).
    pub fn has(&self, key: &str) -> bool {
        self.output.is_some_and(|o| o.contains_key(key)) || self.guessed.contains(key)
    }

    /// The output file a site path leads to (`docs/` -> `docs/index.html`).
    pub fn find(&self, path: &str) -> Option<String> {
        if path.is_empty() || path.ends_with('/') {
            let index = format!("{path}index.html");
            return self.has(&index).then_some(index);
        }
        if self.has(path) {
            return Some(path.to_string());
        }
        let index = format!("{path}/index.html");
        self.has(&index).then_some(index)
    }
}

fn external_links(
    site: &Site,
    page_md: &[Option<Rendered>],
    section_md: &[Option<Rendered>],
) -> Vec<ExternalLink> {
    let lib = &site.library;
    let mut by_url: BTreeMap<String, BTreeSet<Use>> = BTreeMap::new();
    let files = lib
        .pages
        .iter()
        .map(|p| &p.file.path)
        .zip(page_md)
        .chain(lib.sections.iter().map(|s| &s.file.path).zip(section_md));
    for (file, md) in files {
        let Some(md) = md else { continue };
        let images = md
            .images
            .iter()
            .filter(|i| is_external(&i.src))
            .map(|i| (&i.src, i.line));
        for (url, line) in md
            .external_links
            .iter()
            .map(|l| (&l.url, l.line))
            .chain(images)
        {
            by_url.entry(url.clone()).or_default().insert(Use {
                file: file.clone(),
                line,
            });
        }
    }
    // Addresses of sources in front matter.
    let fronts = lib
        .pages
        .iter()
        .map(|p| (&p.file.path, &p.meta.sources, &p.front, p.front_line))
        .chain(
            lib.sections
                .iter()
                .filter(|s| s.exists)
                .map(|s| (&s.file.path, &s.meta.sources, &s.front, s.front_line)),
        );
    for (file, sources, front, front_line) in fronts {
        for url in sources.iter().filter_map(|s| s.url.as_ref()) {
            let line = front
                .lines()
                .position(|l| l.contains(url.as_str()))
                .map_or(front_line, |i| front_line + i);
            by_url.entry(url.clone()).or_default().insert(Use {
                file: file.clone(),
                line,
            });
        }
    }
    by_url
        .into_iter()
        .map(|(url, uses)| ExternalLink {
            url,
            uses: uses.into_iter().collect(),
            status: None,
        })
        .collect()
}

/// True for `http(s)://` and protocol-relative URLs.
pub fn is_external(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//")
}

/// A folder in the system's temporary folder, removed when dropped.
struct TemporaryFolder(std::path::PathBuf);

impl TemporaryFolder {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        TemporaryFolder(
            std::env::temp_dir().join(format!("gca-check-{}-{nanos}", std::process::id())),
        )
    }
}

impl Drop for TemporaryFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
