//! Rendering a loaded site: Markdown, template values, templates, then
//! everything else, into a [`Sink`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rayon::prelude::*;
use tera::Value;

use super::timer::Timer;
use super::values::{self, Urls};
use super::writer::Sink;
use super::{Report, Site, assets};
use super::{lists, outputs};
use crate::content::{self, ItemRef, Library};
use crate::error::{BuildError, Diagnostic, Diagnostics, Result};
use crate::markdown::{self, Rendered};
use crate::templates::functions::{Read, recording};
use crate::templates::{SiteData, TemplateSource, Templates};

/// True when a shortcode template reads pages, sections or taxonomies (or
/// includes other templates, which might).
fn shortcodes_read_items(templates: &[TemplateSource]) -> bool {
    templates
        .iter()
        .filter(|t| t.name.starts_with("shortcodes/"))
        .any(|t| {
            [
                "get_page",
                "get_section",
                "get_taxonomy",
                "include",
                "extends",
            ]
            .iter()
            .any(|f| t.text.contains(f))
        })
}

/// The templates of `sources`, with the site's functions (over `data`),
/// filters and UI strings.
fn templates_of(
    site: &Site,
    sources: &[TemplateSource],
    data: Arc<RwLock<Arc<SiteData>>>,
) -> Result<Templates> {
    let locales = crate::templates::filters::Locales {
        default_language: site.config.default_language.clone(),
        date_formats: site
            .config
            .languages
            .iter()
            .filter_map(|(k, l)| l.date_format.clone().map(|f| (k.clone(), f)))
            .collect(),
    };
    Templates::new(
        sources,
        data,
        locales,
        site.strings.clone(),
        &site.config.default_language,
    )
    .map_err(BuildError::new)
}

/// The HTML of page `p`'s body, while it waits apart; a body that cannot
/// be read back is reported into `lost`.
fn body_content(
    lib: &Library,
    bodies: &Bodies,
    p: usize,
    lost: &std::sync::Mutex<Vec<Diagnostic>>,
) -> std::borrow::Cow<'static, str> {
    let Some(slot) = bodies.get(p) else {
        return "".into();
    };
    let html = slot
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .map(Body::html);
    match html {
        Some(Ok(html)) => html.into(),
        Some(Err(e)) => {
            lost.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(body_lost(&lib.pages[p], &e));
            "".into()
        }
        None => "".into(),
    }
}

/// The error of a page whose waiting HTML could not be read back.
fn body_lost(p: &content::Page, why: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "the rendered HTML of this page could not be read back from the build's spill file: {why}"
    ))
    .in_file(&p.file.path)
    .help("check the disk under the site's .gca folder (space, errors) and build again")
}

/// A search record packed, into `spill` when there is one.
fn pack_record(
    record: &search_index::PageRecord,
    spill: Option<&Arc<search_index::Spill>>,
) -> search_index::PackedRecord {
    match spill {
        Some(spill) => search_index::PackedRecord::spilled(record, spill),
        None => search_index::PackedRecord::new(record),
    }
}

/// Encodes an item as one number for link targets.
fn target_id(lib: &Library, item: ItemRef) -> usize {
    match item {
        ItemRef::Page(i) => i,
        ItemRef::Section(i) => lib.pages.len() + i,
    }
}

fn item_of(lib: &Library, id: usize) -> ItemRef {
    if id < lib.pages.len() {
        ItemRef::Page(id)
    } else {
        ItemRef::Section(id - lib.pages.len())
    }
}

pub(super) struct Renderer<'a> {
    pub(super) site: &'a Site,
    pub(super) urls: Urls,
    pub(super) shared: values::Shared,
    pub(super) data: Arc<RwLock<Arc<SiteData>>>,
    pub(super) templates: Templates,
    pub(super) published: assets::Published,
    /// Carry on past errors (for `gca check`): see [`Site::render_keep_going`].
    pub(super) keep_going: bool,
}

/// The target id of an `@/` link to a content file that was left out of
/// the load (`Library::left_out`), or, when carrying on past errors, of a
/// link that leads nowhere. Such links are taken out of `Rendered`.
const NO_TARGET: usize = usize::MAX;

/// Resolves links and shortcodes for the Markdown renderer.
pub(super) struct SiteResolver<'a> {
    pub(super) lib: &'a Library,
    pub(super) urls: &'a Urls,
    pub(super) templates: &'a Templates,
    pub(super) default_lang: &'a str,
}

impl markdown::Resolver for SiteResolver<'_> {
    fn resolve_link(
        &self,
        target: &str,
        lang: &str,
    ) -> std::result::Result<(String, usize), String> {
        let target = target.trim_start_matches('/');
        let item = if lang != self.default_lang
            && let Some(t) = self
                .lib
                .files
                .get(target)
                .and_then(|i| {
                    self.lib
                        .translations
                        .get(&self.lib.file_of(*i).translation_key)
                })
                .and_then(|t| t.get(lang))
        {
            Some(*t)
        } else {
            self.lib.files.get(target).copied()
        };
        match item {
            Some(item) => Ok((
                self.urls.url(self.lib.path_of(item)),
                target_id(self.lib, item),
            )),
            // The file is there but did not load: its own error says so.
            None if self.lib.left_out.contains(target) => Ok((String::new(), NO_TARGET)),
            None => {
                let hint = if target.ends_with(".md") {
                    "there is no such file in content/ (drafts count only with --drafts)"
                        .to_string()
                } else {
                    "the target must be a Markdown file in content/, such as `hleg/_index.md`"
                        .to_string()
                };
                Err(hint)
            }
        }
    }

    fn render_shortcode(
        &self,
        name: &str,
        args: &markdown::shortcodes::Args,
        body_html: Option<&str>,
    ) -> std::result::Result<String, String> {
        let template = format!("shortcodes/{name}.html");
        if !self.templates.has(&template) {
            return Err(format!(
                "unknown shortcode `{name}` (no template `{template}`)"
            ));
        }
        let mut ctx = tera::Context::new();
        for (k, v) in args {
            ctx.insert_value(k.clone(), Value::from_serializable(v));
        }
        if let Some(body) = body_html {
            ctx.insert_value("body", Value::safe_string(body));
        }
        self.templates
            .render(&template, &ctx, &format!("shortcode `{name}`"))
            .map_err(|d| match (&d.file, d.line) {
                (Some(f), Some(l)) => format!("{} ({}:{l})", d.message, f.display()),
                _ => d.message,
            })
    }
}

/// A resolver that never fails, for Markdown rendered again after its
/// errors were reported (when carrying on past errors): a link that leads
/// nowhere gets an empty address, a failing shortcode renders as nothing.
struct Forgiving<'r, 'a>(&'r SiteResolver<'a>);

impl markdown::Resolver for Forgiving<'_, '_> {
    fn resolve_link(
        &self,
        target: &str,
        lang: &str,
    ) -> std::result::Result<(String, usize), String> {
        Ok(self
            .0
            .resolve_link(target, lang)
            .unwrap_or((String::new(), NO_TARGET)))
    }

    fn render_shortcode(
        &self,
        name: &str,
        args: &markdown::shortcodes::Args,
        body_html: Option<&str>,
    ) -> std::result::Result<String, String> {
        Ok(self
            .0
            .render_shortcode(name, args, body_html)
            .unwrap_or_default())
    }
}

/// Takes the links without a target out of `r`; returns those that lead
/// to a file left out of the load, with their lines.
fn take_untargeted(lib: &Library, r: &mut Rendered) -> Vec<(usize, String)> {
    let mut left_out = Vec::new();
    r.internal_links.retain(|l| {
        if l.target != NO_TARGET {
            return true;
        }
        let file = l
            .written
            .trim_start_matches("@/")
            .split('#')
            .next()
            .unwrap_or("")
            .trim_start_matches('/');
        if lib.left_out.contains(file) {
            left_out.push((l.line, l.written.clone()));
        }
        false
    });
    left_out
}

/// What rendering one job gives: the item's id and the ids in its HTML.
type JobResult = std::result::Result<JobDone, Diagnostic>;

/// A rendered job: the ids in its HTML (for pages and first section pages,
/// where asked), and what it read (context and functions).
pub(super) struct JobDone {
    pub(super) ids: Option<(usize, HashSet<String>)>,
    pub(super) reads: Vec<Read>,
}

/// The parts of a renderer that do not borrow the site, kept between
/// rebuilds by `gca serve`.
pub(super) struct Prepared {
    urls: Urls,
    shared: values::Shared,
    data: Arc<RwLock<Arc<SiteData>>>,
    templates: Templates,
    published: assets::Published,
}

/// What a full render leaves behind for incremental rebuilds.
pub(super) struct Memo {
    /// The renderer's parts (taken while a rebuild runs).
    pub(super) prepared: Option<Prepared>,
    /// Each page's Markdown analysis (its HTML lives in its value).
    pub(super) page_rendered: Vec<Option<Rendered>>,
    /// Each section's, HTML kept (section values are rebuilt from it).
    pub(super) section_rendered: Vec<Option<Rendered>>,
    /// The search records of every page and section...
    pub(super) records: Vec<search_index::PageRecord>,
    /// ... and the item each one is.
    pub(super) record_items: Vec<ItemRef>,
    /// Output paths of the search export.
    pub(super) search_files: Vec<String>,
    /// The search index kept in memory and updated page by page (`None`
    /// when search is off, or after a failed update: the next rebuild makes
    /// it again from `records`).
    pub(super) live_search: Option<search_index::LiveIndex>,
    /// Each page's entry of `api/pages.json`.
    pub(super) api_entries: Vec<Arc<str>>,
    /// Every template job, with what it read.
    pub(super) jobs: Vec<(Job, Vec<Read>)>,
    /// The ids of every page and section, by target id.
    pub(super) ids: Vec<Option<HashSet<String>>>,
    /// The `config` value.
    pub(super) config_value: Value,
}

/// What writing the search export gave: with `keep`, the records of every
/// page and section, the item each one is, and the index kept in memory.
#[derive(Default)]
pub(super) struct SearchWritten {
    records: Vec<search_index::PageRecord>,
    items: Vec<ItemRef>,
    paths: Vec<String>,
    live: Option<search_index::LiveIndex>,
    /// The records, packed, still wait for [`Renderer::export_search`] (a
    /// build not kept for rebuilds exports last, once the pages' HTML is
    /// dropped).
    packed: Option<search_index::PackedRecords>,
}

/// A page's rendered Markdown (when it rendered), its problems, its
/// search record, packed (in a build), and its body, when it waits apart
/// (see `lists`).
type Markdown = (
    Option<Rendered>,
    Vec<Diagnostic>,
    Option<search_index::PackedRecord>,
    Option<Body>,
);

/// A page's HTML (LZ4-compressed) and table of contents, from its Markdown
/// to its own template, when listings do without them (see `lists`).
pub(super) struct Body {
    html: Html,
    toc: Vec<markdown::TocEntry>,
}

/// Where a [`Body`]'s compressed HTML waits: in the build's spill file
/// when it has one, else in memory.
enum Html {
    Memory(Box<[u8]>),
    Spilled {
        spill: Arc<search_index::Spill>,
        offset: u64,
        len: u32,
    },
}

impl Body {
    /// Takes the HTML and table of contents out of `r`.
    fn take(r: &mut Rendered, spill: Option<&Arc<search_index::Spill>>) -> Body {
        let html = std::mem::take(&mut r.html);
        let packed = lz4_flex::compress_prepend_size(html.as_bytes());
        drop(html);
        let html = match (spill, u32::try_from(packed.len())) {
            (Some(spill), Ok(len)) => match spill.write(&packed) {
                Ok(offset) => Html::Spilled {
                    spill: Arc::clone(spill),
                    offset,
                    len,
                },
                Err(_) => Html::Memory(packed.into_boxed_slice()),
            },
            _ => Html::Memory(packed.into_boxed_slice()),
        };
        Body {
            html,
            toc: std::mem::take(&mut r.toc),
        }
    }

    /// The HTML.
    fn html(&self) -> std::result::Result<String, String> {
        let read;
        let bytes: &[u8] = match &self.html {
            Html::Memory(b) => b,
            Html::Spilled { spill, offset, len } => {
                read = spill.read(*offset, *len).map_err(|e| e.to_string())?;
                &read
            }
        };
        let html = lz4_flex::decompress_size_prepended(bytes).map_err(|e| e.to_string())?;
        String::from_utf8(html).map_err(|e| e.to_string())
    }
}

/// Each page's [`Body`], taken by its own template.
type Bodies = [std::sync::Mutex<Option<Body>>];

/// One output page to render with a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Job {
    Page(usize),
    Section(usize, usize),
    TaxonomyList(usize),
    Term(usize, usize, usize),
    NotFound,
    Search(String),
}

impl Job {
    /// The file the job writes.
    pub(super) fn output_path(&self, lib: &Library, config: &crate::config::Config) -> String {
        match self {
            Job::Page(i) => format!("{}index.html", lib.pages[*i].path),
            Job::Section(i, k) => format!("{}index.html", pager_path(&lib.sections[*i].path, *k)),
            Job::TaxonomyList(ti) => format!("{}index.html", lib.taxonomies[*ti].path),
            Job::Term(ti, k, n) => {
                let term = &lib.taxonomies[*ti].terms[*k];
                format!("{}index.html", pager_path(&term.path, *n))
            }
            Job::NotFound => "404.html".to_string(),
            Job::Search(lang) => format!("{}search/index.html", content::lang_prefix(lang, config)),
        }
    }
}

impl<'a> Renderer<'a> {
    pub(super) fn new(site: &'a Site) -> Result<Renderer<'a>> {
        let urls = Urls::new(&site.config);
        let css = markdown::highlight::stylesheet(
            &site.config.markdown.highlight_theme,
            &site.config.markdown.highlight_theme_dark,
        );
        let published = assets::publish(&site.static_files, vec![("css/syntax.css".into(), css)])
            .map_err(BuildError::new)?;
        let data = Arc::new(RwLock::new(Arc::new(SiteData::default())));
        let templates = templates_of(site, &site.templates, data.clone())?;
        let shared = values::Shared::new(&site.library, &site.config, &urls);
        let r = Renderer {
            site,
            urls,
            shared,
            data,
            templates,
            published,
            keep_going: false,
        };
        // Shortcodes are rendered with the Markdown, before page content
        // exists. Only when one of them asks for pages or sections are their
        // values (without content) built for it; `get_url` needs none.
        let lib = &site.library;
        let (pages, sections) = if shortcodes_read_items(&site.templates) {
            let pages: Vec<Value> = (0..lib.pages.len())
                .into_par_iter()
                .map(|i| values::page(lib, &site.config, &r.shared, i, None))
                .collect();
            let sections = values::sections(lib, &site.config, &r.shared, &[], &pages);
            (pages, sections)
        } else {
            (Vec::new(), Vec::new())
        };
        r.set_data(pages, sections);
        Ok(r)
    }

    /// Puts in the templates of `sources` (edited templates of the site);
    /// returns the ones they replace.
    pub(super) fn swap_templates(&mut self, sources: &[TemplateSource]) -> Result<Templates> {
        let new = templates_of(self.site, sources, self.data.clone())?;
        Ok(std::mem::replace(&mut self.templates, new))
    }

    /// Puts back templates taken out by [`Self::swap_templates`].
    pub(super) fn restore_templates(&mut self, templates: Templates) {
        self.templates = templates;
    }

    /// Takes the renderer apart, keeping what does not borrow the site.
    pub(super) fn into_prepared(self) -> Prepared {
        Prepared {
            urls: self.urls,
            shared: self.shared,
            data: self.data,
            templates: self.templates,
            published: self.published,
        }
    }

    /// A renderer over `site` from kept parts.
    pub(super) fn from_prepared(site: &'a Site, p: Prepared) -> Renderer<'a> {
        Renderer {
            site,
            urls: p.urls,
            shared: p.shared,
            data: p.data,
            templates: p.templates,
            published: p.published,
            keep_going: false,
        }
    }

    /// Whether pages of `lang` that say `opt_in` go into the search index.
    fn searched(&self, lang: &str, opt_in: Option<bool>) -> bool {
        let config = &self.site.config;
        config.search.enabled
            && opt_in != Some(false)
            && config.language(lang).search != Some(false)
    }

    /// The search record of page `p`, whose text it takes out of `r`.
    fn page_record(p: &crate::content::Page, r: &mut Rendered) -> search_index::PageRecord {
        search_index::PageRecord {
            url: p.path.clone(),
            title: p.title.clone(),
            description: p.meta.description.clone().unwrap_or_default(),
            lang: p.file.lang.clone(),
            date: p.meta.date.as_ref().map(|d| d.ymd.clone()),
            taxonomies: p.meta.taxonomies.clone(),
            sections: std::mem::take(&mut r.sections),
        }
    }

    /// The search record of section `s`, whose text it takes out of `r`.
    fn section_record(s: &crate::content::Section, r: &mut Rendered) -> search_index::PageRecord {
        search_index::PageRecord {
            url: s.path.clone(),
            title: s.title.clone(),
            description: s.meta.description.clone().unwrap_or_default(),
            lang: s.file.lang.clone(),
            date: None,
            taxonomies: s.meta.taxonomies.clone(),
            sections: std::mem::take(&mut r.sections),
        }
    }

    /// The search record of page `i` (when it is searched), packed: a build
    /// packs each page's record as soon as its Markdown is rendered, so that
    /// its text is never held unpacked beside everything else.
    /// With a spill file, the packed record goes there (see
    /// [`search_index::Spill`]).
    fn packed_page_record(
        &self,
        i: usize,
        r: &mut Rendered,
        spill: Option<&Arc<search_index::Spill>>,
    ) -> Option<search_index::PackedRecord> {
        let p = &self.site.library.pages[i];
        self.searched(&p.file.lang, p.meta.in_search_index)
            .then(|| pack_record(&Self::page_record(p, r), spill))
    }

    /// The same for section `i`.
    fn packed_section_record(
        &self,
        i: usize,
        r: &mut Rendered,
        spill: Option<&Arc<search_index::Spill>>,
    ) -> Option<search_index::PackedRecord> {
        let s = &self.site.library.sections[i];
        (s.exists && self.searched(&s.file.lang, s.meta.in_search_index))
            .then(|| pack_record(&Self::section_record(s, r), spill))
    }

    /// The search records of the pages' text (which it takes out of
    /// `Rendered`), the index, kept in memory instead of tantivy's cache for
    /// page-by-page updates, and its export under `search/` (for `gca
    /// serve`; a build packs its records while it renders the Markdown, and
    /// [`Renderer::export_search`] makes the same export from them).
    fn write_live_index(
        &self,
        sink: &dyn Sink,
        page_rendered: &mut [Option<Rendered>],
        section_rendered: &mut [Option<Rendered>],
    ) -> Result<SearchWritten> {
        let site = self.site;
        let config = &site.config;
        if !config.search.enabled {
            return Ok(SearchWritten::default());
        }
        let lib = &site.library;
        let mut records = Vec::new();
        let mut items = Vec::new();
        for (i, (p, r)) in lib.pages.iter().zip(page_rendered.iter_mut()).enumerate() {
            let Some(r) = r else { continue };
            if self.searched(&p.file.lang, p.meta.in_search_index) {
                items.push(ItemRef::Page(i));
                records.push(Self::page_record(p, r));
            }
        }
        for (i, (s, r)) in lib
            .sections
            .iter()
            .zip(section_rendered.iter_mut())
            .enumerate()
        {
            let Some(r) = r else { continue };
            if s.exists && self.searched(&s.file.lang, s.meta.in_search_index) {
                items.push(ItemRef::Section(i));
                records.push(Self::section_record(s, r));
            }
        }
        let mut live = search_index::LiveIndex::new(&records, &config.search);
        let paths = self.write_live_search(sink, &mut live)?;
        Ok(SearchWritten {
            records,
            items,
            paths,
            live: Some(live),
            packed: None,
        })
    }

    /// Writes the export of a search index kept in memory; returns the paths
    /// written.
    pub(super) fn write_live_search(
        &self,
        sink: &dyn Sink,
        live: &mut search_index::LiveIndex,
    ) -> Result<Vec<String>> {
        let files = live
            .export()
            .map_err(|e| Diagnostic::error(format!("search index: {e}")))?;
        self.write_search_files(sink, files)
    }

    fn write_search_files(
        &self,
        sink: &dyn Sink,
        files: Vec<search_index::ExportFile>,
    ) -> Result<Vec<String>> {
        let mut diags = Diagnostics::new();
        let mut paths = Vec::with_capacity(files.len());
        for f in files {
            let path = format!("search/{}", f.path);
            if let Err(d) = sink.write_shared(&path, &f.bytes) {
                diags.push(d);
            }
            paths.push(path);
        }
        diags.check()?;
        Ok(paths)
    }

    /// Builds the index of `records` and writes its export; returns the
    /// paths written. The records are dropped as soon as the index no
    /// longer needs them.
    pub(super) fn export_search(
        &self,
        sink: &dyn Sink,
        records: search_index::PackedRecords,
    ) -> Result<Vec<String>> {
        let site = self.site;
        // Whoever shares this cache (two builds into one output, gca search
        // reading it) waits: one writes it at a time, and readers come
        // between writes.
        // Without the lock, a reader could see a half-written cache: a
        // lock that cannot be taken stops the build.
        let _cache_lock = super::lock::CacheLock::exclusive(&site.search_cache).map_err(|e| {
            Diagnostic::error(format!("cannot lock the search cache: {e}"))
                .in_file(super::lock::CacheLock::path_for(&site.search_cache))
                .help(
                    "the search cache is written only under this lock: make its folder writable, \
                     delete the lock if it is not a plain file, or build on a file system that \
                     supports file locks",
                )
        })?;
        // The cache is only a cache: when it cannot be used (damaged, or
        // written by another version), the index is built anew (see
        // `search_index::build_packed`).
        let files = search_index::build_packed(&site.search_cache, records, &site.config.search)
            .map_err(|e| {
                Diagnostic::error(format!("search index: {e}"))
                    .in_file(&site.search_cache)
                    .help("check that the folder is writable; it is a cache and can be deleted")
            })?;
        self.write_search_files(sink, files)
    }

    pub(super) fn set_data(&self, pages: Vec<Value>, sections: Vec<Value>) {
        let lib = &self.site.library;
        // Taxonomy values list pages: only once page values exist.
        let taxonomies = if pages.len() == lib.pages.len() {
            lib.taxonomies
                .iter()
                .map(|t| {
                    (
                        (t.name.clone(), t.lang.clone()),
                        values::taxonomy(&self.urls, t, &pages),
                    )
                })
                .collect()
        } else {
            Default::default()
        };
        let data = SiteData {
            root: self
                .site
                .root
                .canonicalize()
                .unwrap_or_else(|_| self.site.root.clone()),
            base_path: self.urls.base_path.clone(),
            base_url: self.urls.base_url.clone(),
            default_language: self.site.config.default_language.clone(),
            files: Arc::new(lib.files.clone()),
            translations: Arc::new(lib.translations.clone()),
            page_urls: Arc::new(lib.pages.iter().map(|p| self.urls.url(&p.path)).collect()),
            section_urls: Arc::new(
                lib.sections
                    .iter()
                    .map(|s| self.urls.url(&s.path))
                    .collect(),
            ),
            pages,
            sections,
            taxonomies,
            static_paths: Arc::new(self.published.paths.clone()),
            data_cache: Default::default(),
        };
        let mut g = match self.data.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *g = Arc::new(data);
    }

    /// New page and section values after edits that move no page and change
    /// no URL (an incremental rebuild): the rest of the functions' data is
    /// kept, and only the taxonomies in `taxonomies` are made again.
    pub(super) fn update_data(
        &self,
        pages: Vec<Value>,
        sections: Vec<Value>,
        taxonomies: &HashSet<(String, String)>,
    ) {
        let old = self.snapshot();
        let lib = &self.site.library;
        let mut values = old.taxonomies.clone();
        for t in &lib.taxonomies {
            let key = (t.name.clone(), t.lang.clone());
            if taxonomies.contains(&key) || !values.contains_key(&key) {
                values.insert(key, values::taxonomy(&self.urls, t, &pages));
            }
        }
        let data = SiteData {
            root: old.root.clone(),
            base_path: old.base_path.clone(),
            base_url: old.base_url.clone(),
            default_language: old.default_language.clone(),
            files: old.files.clone(),
            translations: old.translations.clone(),
            page_urls: old.page_urls.clone(),
            section_urls: old.section_urls.clone(),
            pages,
            sections,
            taxonomies: values,
            static_paths: old.static_paths.clone(),
            // Data files never change in an incremental rebuild.
            data_cache: old.data_cache.clone(),
        };
        let mut g = match self.data.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *g = Arc::new(data);
    }

    pub(super) fn snapshot(&self) -> Arc<SiteData> {
        match self.data.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub(super) fn run(
        self,
        sink: &dyn Sink,
        page_bodies: Vec<String>,
        section_bodies: Vec<String>,
    ) -> Result<Report> {
        self.run_keeping(sink, page_bodies, section_bodies, false)
            .map(|(report, _)| report)
    }

    /// Renders everything; with `keep`, also returns what an incremental
    /// rebuild needs (every id, every job's reads, the search records).
    pub(super) fn run_keeping(
        self,
        sink: &dyn Sink,
        page_bodies: Vec<String>,
        section_bodies: Vec<String>,
        keep: bool,
    ) -> Result<(Report, Option<Memo>)> {
        let site = self.site;
        let lib = &site.library;
        let config = &site.config;
        let resolver = SiteResolver {
            lib,
            urls: &self.urls,
            templates: &self.templates,
            default_lang: &config.default_language,
        };

        let mut timer = Timer::new();
        // 1. Markdown, in parallel.
        let mut diags = Diagnostics::new();
        // When carrying on past errors, Markdown that fails is rendered
        // again forgivingly, so that its page still gets its templates.
        let keep_going = self.keep_going;
        let render_md = |body: &str, line: usize, file: &Path, lang: &str| match markdown::render(
            body,
            line,
            file,
            lang,
            &config.markdown,
            &resolver,
        ) {
            Ok(r) => (Some(r), Vec::new()),
            Err(ds) if keep_going => {
                let forgiving = Forgiving(&resolver);
                let again = markdown::render(body, line, file, lang, &config.markdown, &forgiving);
                (again.ok(), ds)
            }
            Err(ds) => (None, ds),
        };
        // A build packs each page's search record from its Markdown as soon
        // as it is rendered (see `packed_page_record`).
        let pack = !keep && config.search.enabled;
        // A build whose templates read no listed page's body keeps each
        // page's body apart, compressed, for its own template only.
        let light = !keep && !keep_going && !lists::templates_read_listed_bodies(&site.templates);
        // Packed records and bodies wait in a file of the search cache's
        // folder, if one can be made there, until they are read.
        let spill = if pack || light {
            search_index::Spill::create(&site.search_cache)
        } else {
            None
        };
        let page_md: Vec<Markdown> = page_bodies
            .into_par_iter()
            .zip(lib.pages.par_iter())
            .enumerate()
            .map(|(i, (body, p))| {
                let (mut r, ds) = render_md(&body, p.body_line, &p.file.path, &p.file.lang);
                drop(body);
                let packed = match &mut r {
                    Some(r) if pack => self.packed_page_record(i, r, spill.as_ref()),
                    _ => None,
                };
                let apart = match &mut r {
                    Some(r) if light => Some(Body::take(r, spill.as_ref())),
                    _ => None,
                };
                (r, ds, packed, apart)
            })
            .collect();
        let section_md: Vec<Markdown> = section_bodies
            .into_par_iter()
            .zip(lib.sections.par_iter())
            .enumerate()
            .map(|(i, (body, s))| {
                let (mut r, ds) = render_md(&body, s.body_line, &s.file.path, &s.file.lang);
                let packed = match &mut r {
                    Some(r) if pack => self.packed_section_record(i, r, spill.as_ref()),
                    _ => None,
                };
                (r, ds, packed, None)
            })
            .collect();
        let mut links_to_left_out = Vec::new();
        let mut packed = pack.then(search_index::PackedRecords::new);
        let mut bodies: Vec<std::sync::Mutex<Option<Body>>> = Vec::new();
        let mut collect = |md: Vec<Markdown>, files: Vec<&Path>| {
            let mut out = Vec::with_capacity(md.len());
            for ((mut r, ds, record, apart), file) in md.into_iter().zip(files) {
                diags.extend(ds);
                if light {
                    bodies.push(std::sync::Mutex::new(apart));
                }
                if let (Some(all), Some(record)) = (&mut packed, record) {
                    all.push_packed(record);
                }
                if let Some(r) = &mut r {
                    for (line, written) in take_untargeted(lib, r) {
                        links_to_left_out.push((file.to_path_buf(), line, written));
                    }
                }
                out.push(r);
            }
            out
        };
        let mut page_rendered = collect(
            page_md,
            lib.pages.iter().map(|p| p.file.path.as_path()).collect(),
        );
        let mut section_rendered = collect(
            section_md,
            lib.sections.iter().map(|s| s.file.path.as_path()).collect(),
        );
        // Bodies are pages' only.
        bodies.truncate(if light { lib.pages.len() } else { 0 });
        if !keep_going {
            diags.check()?;
        }

        timer.lap("markdown");
        // 2. Search. Kept for rebuilds, every page's text leaves its
        // rendered Markdown for a search record and the index is made now;
        // a build's records are packed already, and its index is built and
        // exported last, when the pages' HTML is gone (the two never take
        // memory at once).
        let SearchWritten {
            records,
            items: record_items,
            paths: mut search_files,
            live: live_search,
            packed: search_packed,
        } = match packed {
            Some(packed) => SearchWritten {
                packed: Some(packed),
                ..SearchWritten::default()
            },
            None if keep => {
                let written =
                    self.write_live_index(sink, &mut page_rendered, &mut section_rendered)?;
                timer.lap("search records");
                written
            }
            None => SearchWritten::default(),
        };

        // 3. Values with content.
        // The HTML moves into the values: each page's copy in `Rendered` is
        // dropped as soon as its value holds it.
        let pages: Vec<Value> = page_rendered
            .par_iter_mut()
            .enumerate()
            .map(|(i, r)| {
                let v = values::page_value(lib, config, &self.shared, i, r.as_ref(), !light);
                if let Some(r) = r {
                    r.html = String::new();
                    r.summary = None;
                    // Rebuilds make page values again from it; else the
                    // table of contents lives on in the value only.
                    if !keep {
                        r.toc = Vec::new();
                    }
                }
                v
            })
            .collect();
        let sections = values::sections(lib, config, &self.shared, &section_rendered, &pages);
        if !keep {
            for r in section_rendered.iter_mut().flatten() {
                r.html = String::new();
                r.summary = None;
            }
        }
        self.set_data(pages, sections);
        let data = self.snapshot();
        let config_value = values::config(config, lib, &self.urls);

        timer.lap("values");
        // 4. Templates, in parallel.
        let jobs = self.jobs();
        // Only pages that anchored links point at need their ids collected
        // (all of them when kept for rebuilds).
        let anchored: Option<HashSet<usize>> = (!keep).then(|| {
            page_rendered
                .iter()
                .chain(&section_rendered)
                .flatten()
                .flat_map(|r| &r.internal_links)
                .filter(|l| l.anchor.is_some())
                .map(|l| l.target)
                .collect()
        });
        // Feeds need the bodies that page templates drop: in a build that
        // keeps bodies apart, they are written first.
        if light {
            let lost = std::sync::Mutex::new(Vec::new());
            self.write_feeds(
                sink,
                &|p| body_content(lib, &bodies, p, &lost),
                None,
                &mut diags,
            );
            diags.extend(
                lost.into_inner()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
        }
        let own = light.then_some(bodies.as_slice());
        let results: Vec<JobResult> = jobs
            .par_iter()
            .map(|job| self.render_job(job, &data, &config_value, anchored.as_ref(), own, sink))
            .collect();
        drop(bodies);
        let mut ids: Vec<Option<HashSet<String>>> =
            vec![None; lib.pages.len() + lib.sections.len()];
        let mut job_reads = Vec::with_capacity(if keep { jobs.len() } else { 0 });
        // Outputs whose template failed (when carrying on past errors), and
        // the pages and sections among them, whose anchors are unknown.
        let mut unrendered = Vec::new();
        let mut failed_targets = HashSet::new();
        for (job, r) in jobs.into_iter().zip(results) {
            if r.is_err() && keep_going {
                unrendered.push(job.output_path(lib, config));
                match job {
                    Job::Page(i) => {
                        failed_targets.insert(target_id(lib, ItemRef::Page(i)));
                    }
                    Job::Section(i, 0) => {
                        failed_targets.insert(target_id(lib, ItemRef::Section(i)));
                    }
                    _ => {}
                }
            }
            match r {
                Ok(done) => {
                    if let Some((target, set)) = done.ids {
                        match &mut ids[target] {
                            Some(existing) => existing.extend(set),
                            slot => *slot = Some(set),
                        }
                    }
                    if keep {
                        job_reads.push((job, done.reads));
                    }
                }
                Err(d) => diags.push(d),
            }
        }
        if !keep_going {
            diags.check()?;
        }

        timer.lap("templates");
        // 5. Anchors of internal links, against the ids in the built HTML
        // (not into outputs that failed: their errors say why).
        if !failed_targets.is_empty() {
            for r in page_rendered
                .iter_mut()
                .chain(&mut section_rendered)
                .flatten()
            {
                r.internal_links
                    .retain(|l| l.anchor.is_none() || !failed_targets.contains(&l.target));
            }
        }
        diags.extend(self.check_anchors(
            &|i| page_rendered[i].as_ref(),
            &|i| section_rendered[i].as_ref(),
            &|i| ids[i].as_ref(),
            None,
        ));
        if !keep_going {
            diags.check()?;
        }

        timer.lap("anchors");
        // 6. Everything else; aliases last, so that an alias colliding with
        // another output is the write that fails and is reported at its line.
        if !light {
            let pages = &data.pages;
            self.write_feeds(
                sink,
                &|p| outputs::value_content(pages, p),
                None,
                &mut diags,
            );
        }
        self.write_sitemap(sink, &mut diags);
        let api_entries = self.write_api(sink, None, &mut diags);
        let robots = robots_txt(&self.urls.base_url, &self.urls.base_path);
        if let Err(d) = sink.write("robots.txt", robots.as_bytes()) {
            diags.push(d);
        }
        for (path, bytes) in &self.published.writes {
            if let Err(d) = sink.write(path, bytes) {
                diags.push(d);
            }
        }
        let copies: Vec<(PathBuf, String)> = self
            .published
            .copies
            .iter()
            .cloned()
            .chain(lib.assets.iter().cloned())
            .collect();
        let copied: Vec<std::result::Result<(), Diagnostic>> = copies
            .par_iter()
            .map(|(src, out)| sink.copy(src, out))
            .collect();
        for c in copied {
            if let Err(d) = c {
                diags.push(d);
            }
        }
        let redirects = self.write_aliases(sink, &mut diags);
        if !keep_going {
            diags.check()?;
        }

        timer.lap("feeds, sitemap, static files");
        // A one-off build is done with the rendered Markdown and the ids:
        // they go before the search index takes its memory (`gca check`
        // reads the Markdown in the report, rebuilds keep it).
        let (page_rendered, section_rendered, ids) = if keep || keep_going {
            (page_rendered, section_rendered, ids)
        } else {
            drop((page_rendered, section_rendered, ids));
            (Vec::new(), Vec::new(), Vec::new())
        };
        if let Some(packed) = search_packed {
            drop(data);
            self.set_data(Vec::new(), Vec::new());
            timer.lap("values dropped");
            search_files = self.export_search(sink, packed)?;
            // Its records are read: the file goes.
            drop(spill);
            timer.lap("search");
        }
        let mut warnings = site.warnings.clone();
        let (errors, others): (Vec<Diagnostic>, Vec<Diagnostic>) =
            diags.into_vec().into_iter().partition(Diagnostic::is_error);
        warnings.extend(others);
        let mut report = Report {
            pages: lib.pages.len(),
            sections: lib.sections.iter().filter(|s| s.exists).count(),
            files: 0,
            unchanged: false,
            warnings,
            redirects,
            page_markdown: Vec::new(),
            section_markdown: Vec::new(),
            errors,
            links_to_left_out,
            unrendered,
        };
        let memo = if keep {
            Some(Memo {
                prepared: Some(self.into_prepared()),
                page_rendered,
                section_rendered,
                records,
                record_items,
                search_files,
                live_search,
                api_entries,
                jobs: job_reads,
                ids,
                config_value,
            })
        } else {
            report.page_markdown = page_rendered;
            report.section_markdown = section_rendered;
            None
        };
        Ok((report, memo))
    }

    /// Every template job of the site.
    pub(super) fn jobs(&self) -> Vec<Job> {
        let lib = &self.site.library;
        let config = &self.site.config;
        let mut jobs: Vec<Job> = (0..lib.pages.len()).map(Job::Page).collect();
        for (i, s) in lib.sections.iter().enumerate() {
            for k in 0..pager_count(s.pages.len(), s.meta.paginate_by) {
                jobs.push(Job::Section(i, k));
            }
        }
        for (ti, t) in lib.taxonomies.iter().enumerate() {
            jobs.push(Job::TaxonomyList(ti));
            for (k, term) in t.terms.iter().enumerate() {
                for n in 0..pager_count(term.pages.len(), t.paginate_by) {
                    jobs.push(Job::Term(ti, k, n));
                }
            }
        }
        if self.templates.has("404.html") {
            jobs.push(Job::NotFound);
        }
        if self.templates.has("search.html") {
            for lang in config.language_codes() {
                if lib.home(&lang).is_some() {
                    let path = format!("{}search/", content::lang_prefix(&lang, config));
                    if !lib.urls.contains_key(&path) {
                        jobs.push(Job::Search(lang));
                    }
                }
            }
        }
        jobs
    }

    /// Checks the anchors of internal links against the ids of their
    /// targets; with `only`, just the links from or to those target ids.
    pub(super) fn check_anchors<'r>(
        &self,
        page_rendered: &dyn Fn(usize) -> Option<&'r Rendered>,
        section_rendered: &dyn Fn(usize) -> Option<&'r Rendered>,
        ids: &dyn Fn(usize) -> Option<&'r HashSet<String>>,
        only: Option<&HashSet<usize>>,
    ) -> Vec<Diagnostic> {
        let lib = &self.site.library;
        let mut out = Vec::new();
        let mut check = |source: usize, file: &Path, rendered: Option<&Rendered>| {
            let Some(r) = rendered else { return };
            for link in &r.internal_links {
                let Some(anchor) = &link.anchor else { continue };
                if let Some(only) = only
                    && !only.contains(&source)
                    && !only.contains(&link.target)
                {
                    continue;
                }
                let found = ids(link.target).is_some_and(|s| s.contains(anchor));
                if !found {
                    let target = item_of(lib, link.target);
                    let mut known: Vec<&String> = ids(link.target).into_iter().flatten().collect();
                    known.sort();
                    let list: Vec<&str> = known.iter().take(12).map(|s| s.as_str()).collect();
                    out.push(
                        Diagnostic::error(format!(
                            "broken internal link `{}`: {} has no anchor `#{anchor}`",
                            link.written,
                            lib.file_of(target).relative
                        ))
                        .in_file(file)
                        .at_line(link.line)
                        .help(if list.is_empty() {
                            "that page has no anchors".to_string()
                        } else {
                            format!("anchors there include: {}", list.join(", "))
                        }),
                    );
                }
            }
        };
        for (i, p) in lib.pages.iter().enumerate() {
            check(
                target_id(lib, ItemRef::Page(i)),
                &p.file.path,
                page_rendered(i),
            );
        }
        for (i, s) in lib.sections.iter().enumerate() {
            check(
                target_id(lib, ItemRef::Section(i)),
                &s.file.path,
                section_rendered(i),
            );
        }
        out
    }

    /// Renders one job into the sink; returns the item id and the ids found
    /// in its HTML, for pages and first section pages.
    pub(super) fn render_job(
        &self,
        job: &Job,
        data: &SiteData,
        config_value: &Value,
        anchored: Option<&HashSet<usize>>,
        bodies: Option<&Bodies>,
        sink: &dyn Sink,
    ) -> JobResult {
        let lib = &self.site.library;
        let config = &self.site.config;
        let mut ctx = tera::Context::new();
        ctx.insert_value("config", config_value.clone());
        let (template, path, lang, what, target): (String, String, String, String, Option<usize>) =
            match job {
                Job::Page(i) => {
                    let p = &lib.pages[*i];
                    let template = p
                        .meta
                        .template
                        .clone()
                        .or_else(|| {
                            lib.ancestors(ItemRef::Page(*i))
                                .into_iter()
                                .rev()
                                .find_map(|s| lib.sections[s].meta.page_template.clone())
                        })
                        .unwrap_or_else(|| "page.html".into());
                    let value = match bodies.and_then(|b| b.get(*i)) {
                        // Its own template takes the page's body: made whole
                        // for it, its value goes with it.
                        Some(slot) => {
                            let body = slot
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .take();
                            match body {
                                Some(b) => {
                                    let html = b.html().map_err(|e| body_lost(p, &e))?;
                                    values::with_body(&data.pages[*i], &html, &b.toc)
                                }
                                None => values::with_body(&data.pages[*i], "", &[]),
                            }
                        }
                        None => data.pages[*i].clone(),
                    };
                    ctx.insert_value("page", value);
                    (
                        template,
                        p.path.clone(),
                        p.file.lang.clone(),
                        format!("page {}", p.file.relative),
                        Some(target_id(lib, ItemRef::Page(*i))),
                    )
                }
                Job::Section(i, k) => {
                    let s = &lib.sections[*i];
                    let template = s.meta.template.clone().unwrap_or_else(|| {
                        if s.file.dir.is_empty() {
                            "index.html".into()
                        } else {
                            "section.html".into()
                        }
                    });
                    ctx.insert_value("section", data.sections[*i].clone());
                    let paginator = s
                        .meta
                        .paginate_by
                        .map(|by| self.paginator(&s.path, &s.pages, by, *k, &data.pages));
                    ctx.insert_value("paginator", paginator.unwrap_or_else(Value::none));
                    let path = pager_path(&s.path, *k);
                    let target = (*k == 0).then(|| target_id(lib, ItemRef::Section(*i)));
                    (
                        template,
                        path,
                        s.file.lang.clone(),
                        format!("section {}", s.file.relative),
                        target,
                    )
                }
                Job::TaxonomyList(ti) => {
                    let t = &lib.taxonomies[*ti];
                    let tv = data
                        .taxonomies
                        .get(&(t.name.clone(), t.lang.clone()))
                        .cloned()
                        .unwrap_or_else(Value::none);
                    let terms = tv
                        .as_map()
                        .and_then(|m| m.get(&tera::value::Key::Str("terms")))
                        .cloned()
                        .unwrap_or_else(Value::none);
                    ctx.insert_value("taxonomy", tv);
                    ctx.insert_value("terms", terms);
                    (
                        "taxonomy_list.html".into(),
                        t.path.clone(),
                        t.lang.clone(),
                        format!("taxonomy `{}`", t.name),
                        None,
                    )
                }
                Job::Term(ti, k, n) => {
                    let t = &lib.taxonomies[*ti];
                    let term = &t.terms[*k];
                    ctx.insert_value("taxonomy", values::taxonomy_light(&self.urls, t));
                    ctx.insert_value("term", values::term(&self.urls, term, &data.pages, t.feed));
                    let paginator = t
                        .paginate_by
                        .map(|by| self.paginator(&term.path, &term.pages, by, *n, &data.pages));
                    ctx.insert_value("paginator", paginator.unwrap_or_else(Value::none));
                    (
                        "taxonomy_single.html".into(),
                        pager_path(&term.path, *n),
                        t.lang.clone(),
                        format!("term `{}` of taxonomy `{}`", term.name, t.name),
                        None,
                    )
                }
                Job::NotFound => (
                    "404.html".into(),
                    String::new(),
                    config.default_language.clone(),
                    "the 404 page".into(),
                    None,
                ),
                Job::Search(lang) => (
                    "search.html".into(),
                    format!("{}search/", content::lang_prefix(lang, config)),
                    lang.clone(),
                    "the search page".into(),
                    None,
                ),
            };
        if !self.templates.has(&template) {
            return Err(self.missing_template(job, &template, &what));
        }
        ctx.insert_value("lang", Value::from(lang.as_str()));
        ctx.insert_value("current_path", Value::from(self.urls.url(&path)));
        ctx.insert_value("current_url", Value::from(self.urls.permalink(&path)));
        if !matches!(job, Job::Section(..) | Job::Term(..)) {
            ctx.insert_value("paginator", Value::none());
        }
        let (html, mut reads) = recording(|| self.templates.render(&template, &ctx, &what));
        let html = html?;
        reads.push(Read::Template(template.clone()));
        sink.write(&job.output_path(lib, config), html.as_bytes())?;
        // What the job's own context holds.
        match job {
            Job::Page(i) => reads.push(Read::Page(*i)),
            Job::Section(i, _) => reads.push(Read::Section(*i)),
            Job::TaxonomyList(ti) => {
                let t = &lib.taxonomies[*ti];
                reads.push(Read::Taxonomy(t.name.clone(), t.lang.clone()));
            }
            Job::Term(ti, k, _) => {
                let t = &lib.taxonomies[*ti];
                reads.push(Read::Term(
                    t.name.clone(),
                    t.lang.clone(),
                    t.terms[*k].slug.clone(),
                ));
            }
            Job::NotFound | Job::Search(_) => {}
        }
        Ok(JobDone {
            ids: target
                .filter(|t| anchored.is_none_or(|a| a.contains(t)))
                .map(|t| (t, html_ids(&html))),
            reads,
        })
    }

    /// The error for a template that does not exist: on the front matter
    /// line that chose it (`template`, or a section's `page_template`), else
    /// on the templates folder.
    fn missing_template(&self, job: &Job, template: &str, what: &str) -> Diagnostic {
        let lib = &self.site.library;
        let chosen_by = |item: ItemRef, key: &'static str| {
            let (front, front_line) = lib.front_of(item);
            (
                lib.file_of(item).path.clone(),
                content::find_key_line(front, key, front_line),
                key,
            )
        };
        let origin = match job {
            Job::Page(i) if lib.pages[*i].meta.template.is_some() => {
                Some(chosen_by(ItemRef::Page(*i), "template"))
            }
            Job::Page(i) => lib
                .ancestors(ItemRef::Page(*i))
                .into_iter()
                .rev()
                .find(|&s| lib.sections[s].meta.page_template.is_some())
                .map(|s| chosen_by(ItemRef::Section(s), "page_template")),
            Job::Section(i, _) if lib.sections[*i].meta.template.is_some() => {
                Some(chosen_by(ItemRef::Section(*i), "template"))
            }
            _ => None,
        };
        let d = Diagnostic::error(format!("missing template `{template}` for {what}"));
        match origin {
            Some((file, line, key)) => d.in_file(file).at_line(line).help(format!(
                "no templates/{template} in the site or the theme: add it, or set `{key}` to an existing template"
            )),
            None => d
                .in_file(
                    self.site
                        .theme_dir
                        .clone()
                        .unwrap_or_else(|| self.site.root.clone())
                        .join("templates"),
                )
                .help(format!(
                    "add templates/{template} to the site or the theme"
                )),
        }
    }

    fn paginator(&self, base: &str, all: &[usize], by: usize, k: usize, pages: &[Value]) -> Value {
        let by = by.max(1);
        let total = pager_count(all.len(), Some(by));
        let slice: Vec<Value> = all
            .iter()
            .skip(k * by)
            .take(by)
            .map(|&p| pages[p].clone())
            .collect();
        let url = |n: usize| Value::from(self.urls.url(&pager_path(base, n)));
        values::map([
            ("paginate_by", Value::from(by as u64)),
            ("current_index", Value::from((k + 1) as u64)),
            ("number_pagers", Value::from(total as u64)),
            ("total_pages", Value::from(all.len() as u64)),
            ("first", url(0)),
            ("last", url(total.saturating_sub(1))),
            ("previous", if k > 0 { url(k - 1) } else { Value::none() }),
            (
                "next",
                if k + 1 < total {
                    url(k + 1)
                } else {
                    Value::none()
                },
            ),
            ("pages", Value::from(slice)),
        ])
    }
}

/// Number of pages a list of `n` items takes, `paginate_by` at a time (at
/// least one page, even when empty).
pub(super) fn pager_count(n: usize, by: Option<usize>) -> usize {
    match by {
        Some(by) if by > 0 => n.div_ceil(by).max(1),
        _ => 1,
    }
}

/// Path of page `k` (0-based) of a paginated list at `base`.
pub(super) fn pager_path(base: &str, k: usize) -> String {
    if k == 0 {
        base.to_string()
    } else {
        format!("{base}page/{}/", k + 1)
    }
}

/// `robots.txt`. Crawlers read it only at the root of a host: under a
/// sub-path it says so, for whoever publishes the host's own.
fn robots_txt(base_url: &str, base_path: &str) -> String {
    let mut s = String::new();
    if base_path != "/" {
        s.push_str(&format!(
            "# Crawlers read robots.txt only at the root of a host: copy these lines\n# into the host's /robots.txt for this site at {base_path}.\n"
        ));
    }
    s.push_str(&format!(
        "User-agent: *\nAllow: {base_path}\nSitemap: {base_url}sitemap.xml\n"
    ));
    s
}

/// Every `id="..."` value in a piece of HTML.
pub fn html_ids(html: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for quote in ['"', '\''] {
        let pat = format!(" id={quote}");
        let mut rest = html;
        while let Some(i) = rest.find(&pat) {
            let after = &rest[i + pat.len()..];
            match after.find(quote) {
                Some(end) => {
                    out.insert(after[..end].to_string());
                    rest = &after[end..];
                }
                None => break,
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_come_back_from_memory_and_from_the_spill_file() {
        let dir = tempfile::tempdir().unwrap();
        let spill = search_index::Spill::create(dir.path());
        for spill in [None, spill.as_ref()] {
            let mut r = Rendered {
                html: "<p>Incident <em>response</em></p>".repeat(50),
                ..Rendered::default()
            };
            let body = Body::take(&mut r, spill);
            assert!(r.html.is_empty(), "the HTML leaves the rendered Markdown");
            assert_eq!(spill.is_some(), matches!(body.html, Html::Spilled { .. }));
            assert_eq!(
                body.html().unwrap(),
                "<p>Incident <em>response</em></p>".repeat(50)
            );
        }
    }

    #[test]
    fn robots_txt_follows_the_base_path() {
        assert_eq!(
            robots_txt("https://e.org/", "/"),
            "User-agent: *\nAllow: /\nSitemap: https://e.org/sitemap.xml\n"
        );
        let sub = robots_txt("https://e.org/gca/", "/gca/");
        assert!(sub.starts_with("# Crawlers read robots.txt only at the root"));
        assert!(
            sub.ends_with("User-agent: *\nAllow: /gca/\nSitemap: https://e.org/gca/sitemap.xml\n")
        );
    }

    #[test]
    fn finds_ids() {
        let ids = html_ids("<h2 id=\"a\">x</h2><dt id='b'></dt><p data-id=\"no\">");
        assert!(ids.contains("a") && ids.contains("b"));
        assert_eq!(ids.len(), 2);
    }

    #[test]
    fn pagination_paths() {
        assert_eq!(pager_count(0, Some(10)), 1);
        assert_eq!(pager_count(21, Some(10)), 3);
        assert_eq!(pager_path("docs/", 0), "docs/");
        assert_eq!(pager_path("docs/", 2), "docs/page/3/");
    }
}
