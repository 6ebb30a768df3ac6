//! A build: load the site, render every output, write them atomically.

pub mod assets;
pub mod feeds;
mod incremental;
mod lists;
pub mod lock;
mod manifest;
pub mod offline;
mod outputs;
pub mod publish;
mod render;
mod session;
mod timer;
pub mod values;
pub mod writer;

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::content::{self, Library, LoadOptions};
use crate::error::{BuildError, Diagnostic, Diagnostics, Result};
use crate::markdown::Rendered;
use crate::templates::TemplateSource;
use render::Renderer;
pub use render::html_ids;
pub use session::{MemoryOutput, Rebuild, Session, SharedOutput};
use timer::Timer;
use writer::{DirSink, Sink, Staging};

/// What to build and where.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site folder (with `config.toml`).
    pub root: PathBuf,
    /// The output folder.
    pub output: PathBuf,
    /// Replaces `base_url` from config (for previews).
    pub base_url: Option<String>,
    /// Include drafts.
    pub drafts: bool,
    /// Make links relative so the output works when opened from disk.
    pub offline: bool,
}

/// What a build did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Pages rendered.
    pub pages: usize,
    /// Sections rendered.
    pub sections: usize,
    /// Files written.
    pub files: usize,
    /// True when nothing changed since the last build into the same output,
    /// so nothing was done.
    pub unchanged: bool,
    /// Warnings (the build succeeded).
    pub warnings: Vec<Diagnostic>,
    /// The redirects written as HTML pages (aliases, first pages of
    /// paginated lists), sorted.
    pub redirects: Vec<Redirect>,
    /// What the Markdown of each page held (links, images, headings), in
    /// `Library::pages` order; for `gca check`.
    pub page_markdown: Vec<Option<Rendered>>,
    /// The same for each section, in `Library::sections` order.
    pub section_markdown: Vec<Option<Rendered>>,
    /// Errors found by a render that carried on past them
    /// ([`Site::render_keep_going`]); empty otherwise.
    pub errors: Vec<Diagnostic>,
    /// `@/` links to content files left out of the load (file, line, the
    /// link as written): not checked.
    pub links_to_left_out: Vec<(PathBuf, usize, String)>,
    /// Output paths whose template failed, in a render that carried on
    /// past errors.
    pub unrendered: Vec<String>,
}

/// A redirect of the site: root-relative URLs, base path included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The old URL (`/gca/old-name/`).
    pub from: String,
    /// Where it leads (`/gca/new-name/`).
    pub to: String,
}

/// A loaded site: everything read from disk, ready to render.
pub struct Site {
    /// Site folder.
    pub root: PathBuf,
    /// Configuration.
    pub config: Config,
    /// Theme folder, if the site uses one.
    pub theme_dir: Option<PathBuf>,
    /// Pages, sections, taxonomies.
    pub library: Library,
    /// Template files (theme and site).
    pub templates: Vec<TemplateSource>,
    /// Static files (theme and site).
    pub static_files: Vec<assets::StaticFile>,
    /// UI strings for `trans` (the theme's `i18n/`, then the site's).
    pub strings: std::sync::Arc<crate::templates::Strings>,
    /// Where the search index of record is kept between builds
    /// (`<site>/.gca/search` unless changed before rendering).
    pub search_cache: PathBuf,
    /// Warnings found while loading.
    pub warnings: Vec<Diagnostic>,
}

/// Finds the theme folder: `<root>/themes/<name>`, else `<root>/../themes/<name>`.
pub fn find_theme(root: &Path, name: &str) -> Option<PathBuf> {
    // `--root .` (or `..`) has no name: its parent is found by `..`, not by
    // dropping the last part.
    let beside = match root.parent() {
        _ if root.file_name().is_none() => root.join("..").join("themes"),
        Some(p) if !p.as_os_str().is_empty() => p.join("themes"),
        Some(_) => PathBuf::from("themes"),
        None => root.join("..").join("themes"),
    };
    [root.join("themes").join(name), beside.join(name)]
        .into_iter()
        .find(|p| p.join("templates").is_dir())
}

impl Site {
    /// Reads the site at `root`.
    pub fn load(root: &Path, base_url: Option<&str>, drafts: bool) -> Result<Site> {
        Self::load_with(root, base_url, drafts, false).map(|(site, _)| site)
    }

    /// Reads the site at `root` as far as it can, for `gca check`: content
    /// files that cannot be read or parsed are left out (listed in
    /// `library.left_out`), and the errors of the content, static files
    /// and UI strings are returned instead of failing. Only problems that
    /// leave nothing to check (the configuration, a missing theme) fail.
    pub fn load_keep_going(root: &Path) -> Result<(Site, Vec<Diagnostic>)> {
        Self::load_with(root, None, false, true)
    }

    fn load_with(
        root: &Path,
        base_url: Option<&str>,
        drafts: bool,
        keep_going: bool,
    ) -> Result<(Site, Vec<Diagnostic>)> {
        let config_path = root.join("config.toml");
        let text = std::fs::read(&config_path).map_err(|e| {
            Diagnostic::error(format!("cannot read the site configuration: {e}"))
                .in_file(&config_path)
                .help("run gca in the folder that holds the site, or give it with --root (the default is site/)")
        })?;
        let text = content::decode_text(&text, &config_path)?;
        let mut config = Config::parse(&text, &config_path).map_err(BuildError::new)?;
        if let Some(url) = base_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(Diagnostic::error(format!(
                    "--base-url `{url}` is not an absolute http(s) URL"
                ))
                .help("for example --base-url https://preview.example.org/gca/")
                .into());
            }
            config.base_url = url.to_string();
        }
        let theme_dir = find_theme(root, &config.theme);
        if theme_dir.is_none() && !root.join("templates").is_dir() {
            return Err(
                Diagnostic::error(format!("theme `{}` not found", config.theme))
                    .in_file(&config_path)
                    .help(format!(
                        "put it in {} or {}, or give the site its own templates/ folder",
                        root.join("themes").join(&config.theme).display(),
                        root.join("..").join("themes").join(&config.theme).display()
                    ))
                    .into(),
            );
        }
        let (library, mut warnings) =
            content::load(root, &config, &LoadOptions { drafts, keep_going })?;
        let mut diags = Diagnostics::new();
        let templates = crate::templates::read_sources(theme_dir.as_deref(), root, &mut diags);
        let mut static_dirs = Vec::new();
        if let Some(t) = &theme_dir {
            static_dirs.push(t.join("static"));
        }
        static_dirs.push(root.join("static"));
        let static_files = assets::collect(&static_dirs, &mut diags);
        let i18n_dirs: Vec<PathBuf> = theme_dir
            .iter()
            .map(|t| t.join("i18n"))
            .chain([root.join("i18n")])
            .collect();
        let dir_refs: Vec<&Path> = i18n_dirs.iter().map(PathBuf::as_path).collect();
        let strings = std::sync::Arc::new(crate::templates::Strings::read(&dir_refs, &mut diags));
        if !keep_going {
            diags.check()?;
        }
        warnings.extend(diags.into_vec());
        let errors: Vec<Diagnostic> = warnings.iter().filter(|d| d.is_error()).cloned().collect();
        warnings.retain(|d| !d.is_error());
        let site = Site {
            root: root.to_path_buf(),
            config,
            theme_dir,
            library,
            templates,
            static_files,
            strings,
            search_cache: root.join(".gca").join("search"),
            warnings,
        };
        Ok((site, errors))
    }

    /// Renders every output file into `sink`.
    /// Renders every output into `sink` and keeps what an incremental
    /// rebuild needs.
    fn render_keeping(&mut self, sink: &dyn Sink) -> Result<(Report, render::Memo)> {
        let (page_bodies, section_bodies) = self.take_bodies();
        let (report, memo) =
            Renderer::new(self)?.run_keeping(sink, page_bodies, section_bodies, true)?;
        let memo = memo
            .ok_or_else(|| BuildError::from(Diagnostic::error("nothing was kept for rebuilds")))?;
        Ok((report, memo))
    }

    fn take_bodies(&mut self) -> (Vec<String>, Vec<String>) {
        let pages = self
            .library
            .pages
            .iter_mut()
            .map(|p| std::mem::take(&mut p.body))
            .collect();
        let sections = self
            .library
            .sections
            .iter_mut()
            .map(|s| std::mem::take(&mut s.body))
            .collect();
        (pages, sections)
    }

    /// Renders every output file into `sink`. The Markdown bodies are
    /// consumed (each is dropped once rendered, to keep memory low): render a
    /// loaded site once.
    pub fn render(&mut self, sink: &dyn Sink) -> Result<Report> {
        let (page_bodies, section_bodies) = self.take_bodies();
        Renderer::new(self)?.run(sink, page_bodies, section_bodies)
    }

    /// Renders as much as it can, for `gca check`: Markdown that fails is
    /// rendered again with its broken links and shortcodes left empty,
    /// outputs whose templates fail are left out, and the errors are
    /// returned in [`Report::errors`]. Fails only when nothing can be
    /// rendered (the templates do not compile, the search index cannot be
    /// built).
    pub fn render_keep_going(&mut self, sink: &dyn Sink) -> Result<Report> {
        let (page_bodies, section_bodies) = self.take_bodies();
        let mut renderer = Renderer::new(self)?;
        renderer.keep_going = true;
        renderer.run(sink, page_bodies, section_bodies)
    }
}

/// Builds the site at `options.root` into `options.output`, atomically;
/// does nothing when no input changed since the last build into that output.
pub fn build(options: &BuildOptions) -> Result<Report> {
    check_output_location(&options.root, &options.output)?;
    let mut timer = Timer::new();
    let (key, inputs, skip) = manifest_scope(options);
    let manifest_path = manifest::path_for(&options.root, &options.output);
    let previous = manifest::Manifest::load(&manifest_path);
    let before = manifest::Manifest::scan(&key, &inputs, &skip, &options.output);
    timer.lap("compare with the last build");
    if previous.as_ref().is_some_and(|p| before.same_build(p)) {
        // Nothing to build, but what a killed build left goes all the same.
        writer::remove_leftovers(&options.output);
        return Ok(Report {
            unchanged: true,
            ..Report::default()
        });
    }
    let mut site = Site::load(&options.root, options.base_url.as_deref(), options.drafts)?;
    // Each output has its own search cache, so builds into different
    // outputs never share one.
    site.search_cache = search_cache(&options.root, &options.output);
    timer.lap("load");
    // A recorded build into this output vouches for it, even damaged.
    let staging = Staging::replacing(&options.output, previous.is_some())?;
    let sink = DirSink::new(staging.dir.clone());
    let base_path = site.config.base_path();
    let published = publish::PublishSink::new(&sink, &site.config.output);
    let mut report = if options.offline {
        site.render(&offline::OfflineSink::new(&published, &base_path))?
    } else {
        site.render(&published)?
    };
    let host_warnings = published.finish(&base_path, &report.redirects)?;
    report.warnings.extend(host_warnings);
    report.files = sink.count();
    timer.lap("render (the stages above)");
    if (site.config.output.headers_file || site.config.output.redirects_file)
        && report.files > publish::CLOUDFLARE_FILES
    {
        report.warnings.push(Diagnostic::warning(format!(
            "the output has {} files; Cloudflare Pages takes at most {}",
            report.files,
            publish::CLOUDFLARE_FILES
        )).help(if site.config.output.compress {
            "set `[output] compress = false`: Cloudflare compresses by itself and never serves the .gz and .br files"
        } else {
            "a site this large needs another host, or fewer generated pages (taxonomy feeds, pagination)"
        }));
    }
    staging.commit()?;
    // The inputs as they were when the build started: a file edited during
    // the build makes the next build run.
    if let Err(e) = before.with_output(&options.output).save(&manifest_path) {
        report.warnings.push(
            Diagnostic::warning(format!(
                "cannot record this build, so the next one will not be skipped: {e}"
            ))
            .in_file(&manifest_path),
        );
    }
    timer.lap("swap and record the build");
    Ok(report)
}

/// Where builds of the site at `root` into `output` keep their search
/// index (`gca search` reads it there).
pub fn search_cache(root: &Path, output: &Path) -> PathBuf {
    manifest::path_for(root, output).with_extension("search")
}

/// What decides whether a build can be skipped: the options and gca's
/// version (the key), the site folder and the theme folders (the inputs),
/// less the build cache and an output inside the site.
fn manifest_scope(options: &BuildOptions) -> (String, Vec<PathBuf>, Vec<PathBuf>) {
    // The program itself is an input too: a rebuilt gca of the same version
    // may render differently.
    let program = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}-{modified}", m.len())
        })
        .unwrap_or_default();
    let key = format!(
        "gca {} ({program}) base_url={:?} drafts={} offline={}",
        env!("CARGO_PKG_VERSION"),
        options.base_url,
        options.drafts,
        options.offline
    );
    let mut inputs = vec![options.root.clone()];
    let beside = match options.root.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join("themes"),
        _ => PathBuf::from("themes"),
    };
    if beside.is_dir() {
        inputs.push(beside);
    }
    let skip = vec![options.root.join(".gca"), options.output.clone()];
    (key, inputs, skip)
}

/// Refuses an output folder that is the site itself, holds it, or lies in
/// one of its source folders.
pub fn check_output_location(root: &Path, output: &Path) -> Result<()> {
    let canon = |p: &Path| -> PathBuf {
        // The output may not exist yet: resolve its nearest existing parent.
        let mut existing = p.to_path_buf();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_os_string());
                    existing = if parent.as_os_str().is_empty() {
                        PathBuf::from(".")
                    } else {
                        parent.to_path_buf()
                    };
                }
                _ => break,
            }
        }
        let mut c = existing.canonicalize().unwrap_or(existing);
        for r in rest.into_iter().rev() {
            c.push(r);
        }
        c
    };
    let root_c = canon(root);
    let out_c = canon(output);
    let bad = if out_c == root_c || root_c.starts_with(&out_c) {
        Some("it is the site folder or contains it")
    } else if ["content", "static", "templates", "data", "themes"]
        .iter()
        .any(|d| out_c.starts_with(root_c.join(d)))
    {
        Some("it is inside one of the site's source folders")
    } else {
        None
    };
    match bad {
        Some(reason) => Err(Diagnostic::error(format!(
            "refusing to build into {}: {reason}, and a build replaces the whole output folder",
            output.display()
        ))
        .help("choose a separate folder with --output, such as public/")
        .into()),
        None => Ok(()),
    }
}
