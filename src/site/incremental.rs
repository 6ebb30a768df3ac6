//! Incremental rebuilds for `gca serve`: when only the Markdown body of
//! pages or sections changed (their front matter is byte for byte the same),
//! only those bodies are rendered again, and only the outputs that depend on
//! them are rendered again.
//!
//! The dependency graph is explicit and small:
//!
//! - every template job records what it read: its own context (the page, the
//!   section or the taxonomy it renders) and what it fetched through
//!   `get_page`, `get_section` and `get_taxonomy(_term)`;
//! - a body edit changes the value of its item, of every section whose value
//!   holds it (sections that list the page, including transparent parents
//!   and other languages' listings that show it as a fallback, and every
//!   section above those, since section values nest their subsections), and
//!   of every taxonomy with a term that lists it;
//! - so the jobs to render again are those that read any of these. Links to
//!   an item only use its URL, and neighbours only its title and description,
//!   which a body edit leaves alone.
//!
//! Anchors of links from and to the edited items are checked again, the
//! feeds that list them are written again, and the search index kept in
//! memory encodes again the shards that hold their words.
//!
//! A template's new text re-renders the jobs that rendered it, or a
//! template that extends or includes it (directly or not): each job records
//! the template it rendered, and the references come from the templates'
//! `extends` and `include` tags. Shortcode templates (rendered with the
//! Markdown) and sites with components rebuild everything.
//!
//! Anything else (a front matter change beyond the light fields, a new,
//! deleted or renamed file, a static or data file, the config) rebuilds
//! everything.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tera::Value;

use super::render::{JobDone, Memo, Renderer, SiteResolver};
use super::writer::Sink;
use super::{Site, values};
use crate::content::{self, ItemRef, frontmatter};
use crate::error::{BuildError, Diagnostic, Diagnostics, Result};
use crate::markdown::{self, Rendered};
use crate::templates::functions::Read;

/// A new body for a page or section whose front matter did not change, or
/// for a page whose front matter changed only in fields that move nothing:
/// title, description, updated, sources and extra.
pub(super) struct Edit {
    item: ItemRef,
    body: String,
    /// For a page whose light fields changed: its new front matter and title.
    light: Option<(String, frontmatter::PageFrontMatter, String)>,
    /// Whether its `updated` date changed (the sitemap shows it).
    updated_changed: bool,
}

/// What a batch of file changes amounts to: light edits of pages and
/// sections, or new texts of templates (never both).
#[derive(Default)]
pub(super) struct Plan {
    edits: Vec<Edit>,
    /// Index in `site.templates` and new text.
    templates: Vec<(usize, String)>,
}

impl Plan {
    /// True when nothing that the site uses changed.
    pub(super) fn is_empty(&self) -> bool {
        self.edits.is_empty() && self.templates.is_empty()
    }
}

/// The light edits or template changes that `changed` amounts to, or `None`
/// when something else changed and everything must be rebuilt.
pub(super) fn plan(site: &Site, changed: &[PathBuf]) -> Option<Plan> {
    if changed.is_empty() {
        return None;
    }
    let content = site.root.join("content");
    let mut edits: Vec<Edit> = Vec::new();
    let mut templates: Vec<(usize, String)> = Vec::new();
    for path in changed {
        // Editors save through temporary files: one that is gone again and
        // that the site never used changes nothing.
        if !path.exists() && !used_by(site, path) {
            continue;
        }
        if let Some(k) = site.templates.iter().position(|t| t.path == *path) {
            // Shortcodes are rendered with the Markdown, and components may
            // be used anywhere: those rebuild everything.
            let t = &site.templates[k];
            if t.name.starts_with("shortcodes/") {
                return None;
            }
            let bytes = std::fs::read(path).ok()?;
            let text = content::decode_text(&bytes, path).ok()?;
            if has_components(&text) {
                return None;
            }
            if text != t.text {
                templates.retain(|(j, _)| *j != k);
                templates.push((k, text));
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "md") {
            return None;
        }
        let rel = relative_to(path, &content)?;
        let item = *site.library.files.get(&rel)?;
        let bytes = std::fs::read(path).ok()?;
        let text = content::decode_text(&bytes, path).ok()?;
        let split = frontmatter::split(&text, path).ok()?;
        let (front, front_line, body_line, titled) = match item {
            ItemRef::Page(i) => {
                let p = &site.library.pages[i];
                (&p.front, p.front_line, p.body_line, p.meta.title.is_some())
            }
            ItemRef::Section(i) => {
                let s = &site.library.sections[i];
                (&s.front, s.front_line, s.body_line, true)
            }
        };
        if split.front_line != front_line || split.body_line != body_line || !titled {
            // A page titled by its first heading may get another title.
            return None;
        }
        if split.format == frontmatter::Format::None && !split.front.is_empty() {
            return None;
        }
        let mut light = None;
        let mut updated_changed = false;
        if split.front != front.as_str() {
            let ItemRef::Page(i) = item else { return None };
            let old = &site.library.pages[i].meta;
            let new: frontmatter::PageFrontMatter = frontmatter::parse(&split, path).ok()?;
            let mut same = new.clone();
            same.title = old.title.clone();
            same.description = old.description.clone();
            same.updated = old.updated.clone();
            same.sources = old.sources.clone();
            same.extra = old.extra.clone();
            if same != *old {
                return None;
            }
            let title = new.title.clone()?;
            updated_changed = new.updated != old.updated;
            light = Some((split.front.to_string(), new, title));
        }
        edits.retain(|e| e.item != item);
        edits.push(Edit {
            item,
            body: split.body.to_string(),
            light,
            updated_changed,
        });
    }
    if !edits.is_empty() && !templates.is_empty() {
        return None;
    }
    if !templates.is_empty() && site.templates.iter().any(|t| has_components(&t.text)) {
        return None;
    }
    Some(Plan { edits, templates })
}

/// Whether a template defines or uses a component (whose users the
/// dependency graph does not follow).
fn has_components(text: &str) -> bool {
    text.contains("component")
}

/// The templates a template's text names in `extends` and `include` tags
/// (Tera takes only string literals there).
fn references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("{%") {
        let tag = &rest[at + 2..];
        let end = tag.find("%}").unwrap_or(tag.len());
        let inner = tag[..end].trim_start_matches(['-', '+']).trim_start();
        for keyword in ["extends", "include"] {
            if let Some(arg) = inner.strip_prefix(keyword) {
                let arg = arg.trim_start();
                if let Some(q) = arg.chars().next().filter(|c| matches!(c, '"' | '\'' | '`'))
                    && let Some(close) = arg[1..].find(q)
                {
                    out.push(arg[1..1 + close].to_string());
                }
            }
        }
        rest = &tag[end.min(tag.len())..];
    }
    out
}

/// The templates whose rendering reads one of `changed` (themselves
/// included): those that extend or include them, directly or not.
fn dependents(
    sources: &[crate::templates::TemplateSource],
    changed: &HashSet<String>,
) -> HashSet<String> {
    let refs: Vec<(String, Vec<String>)> = sources
        .iter()
        .map(|t| (t.name.clone(), references(&t.text)))
        .collect();
    let mut out: HashSet<String> = changed.clone();
    loop {
        let before = out.len();
        for (name, names) in &refs {
            if !out.contains(name) && names.iter().any(|n| out.contains(n)) {
                out.insert(name.clone());
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Applies template changes to a kept render: the jobs that rendered one
/// of the changed templates, or one that extends or includes it, render
/// again; the site's state and `memo` change only when everything
/// succeeded.
pub(super) fn apply_templates(
    site: &mut Site,
    memo: &mut Memo,
    changes: Vec<(usize, String)>,
    sink: &dyn Sink,
) -> Result<Applied> {
    let mut sources = site.templates.clone();
    let mut changed: HashSet<String> = HashSet::new();
    for (k, text) in changes {
        changed.insert(sources[k].name.clone());
        sources[k].text = text;
    }
    let prepared = memo
        .prepared
        .take()
        .ok_or_else(|| BuildError::from(Diagnostic::error("the previous build did not finish")))?;
    let mut renderer = Renderer::from_prepared(site, prepared);
    let old = match renderer.swap_templates(&sources) {
        Ok(old) => old,
        Err(e) => {
            memo.prepared = Some(renderer.into_prepared());
            return Err(e);
        }
    };
    let result = render_dependents(&renderer, memo, &sources, &changed, sink);
    if result.is_err() {
        renderer.restore_templates(old);
    }
    memo.prepared = Some(renderer.into_prepared());
    if result.is_ok() {
        site.templates = sources;
    }
    result
}

fn render_dependents(
    r: &Renderer<'_>,
    memo: &mut Memo,
    sources: &[crate::templates::TemplateSource],
    changed: &HashSet<String>,
    sink: &dyn Sink,
) -> Result<Applied> {
    let mut timer = super::timer::Timer::new();
    let affected = dependents(sources, changed);
    let jobs: Vec<usize> = memo
        .jobs
        .iter()
        .enumerate()
        .filter(|(_, (_, reads))| {
            reads
                .iter()
                .any(|x| matches!(x, Read::Template(t) if affected.contains(t)))
        })
        .map(|(k, _)| k)
        .collect();
    let data = r.snapshot();
    let results: Vec<(usize, std::result::Result<JobDone, Diagnostic>)> = jobs
        .par_iter()
        .map(|&k| {
            (
                k,
                r.render_job(&memo.jobs[k].0, &data, &memo.config_value, None, None, sink),
            )
        })
        .collect();
    let mut diags = Diagnostics::new();
    // The ids of the targets rendered again, over the kept ones (a copy of
    // every page's ids cost milliseconds per rebuild).
    let mut ids: HashMap<usize, HashSet<String>> = HashMap::new();
    let mut reads: Vec<(usize, Vec<Read>)> = Vec::with_capacity(results.len());
    let mut targets: HashSet<usize> = HashSet::new();
    for (k, res) in results {
        match res {
            Ok(done) => {
                if let Some((target, set)) = done.ids {
                    targets.insert(target);
                    ids.entry(target).or_default().extend(set);
                }
                reads.push((k, done.reads));
            }
            Err(d) => diags.push(d),
        }
    }
    diags.check()?;
    timer.lap(&format!("incremental: {} templates", jobs.len()));
    // Ids made by templates may have come or gone: links to the pages
    // rendered again are checked again.
    diags.extend(r.check_anchors(
        &|i| memo.page_rendered[i].as_ref(),
        &|i| memo.section_rendered[i].as_ref(),
        &|i| ids.get(&i).or(memo.ids[i].as_ref()),
        Some(&targets),
    ));
    diags.check()?;
    timer.lap("incremental: anchors");
    for (k, list) in reads {
        memo.jobs[k].1 = list;
    }
    for (target, set) in ids {
        memo.ids[target] = Some(set);
    }
    Ok(Applied {
        removed: Vec::new(),
    })
}

/// True when the last build read `path` (a content file, asset, template or
/// static file).
fn used_by(site: &Site, path: &Path) -> bool {
    // Paths come in the form the build names them; a file that is gone has
    // no canonical form to compare anyway.
    let content = site.root.join("content");
    if path.strip_prefix(&content).ok().is_some_and(|rel| {
        site.library
            .files
            .contains_key(&rel.to_string_lossy().replace('\\', "/"))
    }) {
        return true;
    }
    let same = |p: &Path| p == path;
    site.library.assets.iter().any(|(src, _)| same(src))
        || site.templates.iter().any(|t| same(&t.path))
        || site.static_files.iter().any(|f| same(&f.src))
        || path.file_name().is_some_and(|n| n == "config.toml")
}

/// `path` relative to `dir`, with `/` separators, accepting either the form
/// the path was given in or its canonical form.
fn relative_to(path: &Path, dir: &Path) -> Option<String> {
    let rel = match path.strip_prefix(dir) {
        Ok(r) => r.to_path_buf(),
        Err(_) => {
            let p = path.canonicalize().ok()?;
            let d = dir.canonicalize().ok()?;
            p.strip_prefix(d).ok()?.to_path_buf()
        }
    };
    Some(rel.to_string_lossy().replace('\\', "/"))
}

/// What an incremental rebuild wrote and what it removed.
pub(super) struct Applied {
    /// Output paths that no longer exist.
    pub(super) removed: Vec<String>,
}

/// Applies edits to a kept render: the site's state and `memo` are updated
/// only when everything succeeded.
pub(super) fn apply(
    site: &mut Site,
    memo: &mut Memo,
    plan: Plan,
    sink: &dyn Sink,
) -> Result<Applied> {
    if !plan.templates.is_empty() {
        return apply_templates(site, memo, plan.templates, sink);
    }
    apply_edits(site, memo, plan.edits, sink)
}

fn apply_edits(
    site: &mut Site,
    memo: &mut Memo,
    edits: Vec<Edit>,
    sink: &dyn Sink,
) -> Result<Applied> {
    // Light front matter changes go into the library first (undone on error).
    let mut undo = Vec::new();
    for e in &edits {
        if let (ItemRef::Page(i), Some((front, meta, title))) = (e.item, &e.light) {
            let p = &mut site.library.pages[i];
            undo.push((i, p.front.clone(), p.meta.clone(), p.title.clone()));
            p.front = front.clone();
            p.meta = meta.clone();
            p.title = title.clone();
        }
    }
    let result = apply_to(site, memo, edits, sink);
    if result.is_err() {
        for (i, front, meta, title) in undo {
            let p = &mut site.library.pages[i];
            p.front = front;
            p.meta = meta;
            p.title = title;
        }
    }
    result
}

fn apply_to(site: &Site, memo: &mut Memo, edits: Vec<Edit>, sink: &dyn Sink) -> Result<Applied> {
    if edits.iter().any(|e| e.light.is_some()) {
        let mut diags = Diagnostics::new();
        content::schema::check(&site.library, &site.config, &mut diags);
        diags.check()?;
    }
    let prepared = memo
        .prepared
        .take()
        .ok_or_else(|| BuildError::from(Diagnostic::error("the previous build did not finish")))?;
    let renderer = Renderer::from_prepared(site, prepared);
    let old_data = renderer.snapshot();
    let result = apply_with(&renderer, memo, edits, sink);
    if result.is_err() {
        // Put the functions' data back as it was.
        let (pages, sections) = (old_data.pages.clone(), old_data.sections.clone());
        renderer.set_data(pages, sections);
    }
    memo.prepared = Some(renderer.into_prepared());
    result
}

/// `new` with the `content` and `summary` of `old` (a page value whose
/// Markdown did not change, rebuilt for its neighbours' sake).
fn keep_content(new: Value, old: &Value) -> Value {
    let (Some(new_map), Some(old_map)) = (new.as_map(), old.as_map()) else {
        return new;
    };
    let mut map = new_map.clone();
    for key in ["content", "summary"] {
        if let Some(v) = old_map.get(&tera::value::Key::Str(key)) {
            map.insert(tera::value::Key::Str(key), v.clone());
        }
    }
    Value::from(map)
}

fn apply_with(
    r: &Renderer<'_>,
    memo: &mut Memo,
    edits: Vec<Edit>,
    sink: &dyn Sink,
) -> Result<Applied> {
    let edits = &edits;
    let site = r.site;
    let lib = &site.library;
    let config = &site.config;
    let resolver = SiteResolver {
        lib,
        urls: &r.urls,
        templates: &r.templates,
        default_lang: &config.default_language,
    };

    let mut timer = super::timer::Timer::new();
    // 1. The edited bodies.
    let mut diags = Diagnostics::new();
    let mut fresh: Vec<(ItemRef, Rendered)> = Vec::with_capacity(edits.len());
    for edit in edits {
        let (file, lang, line) = match edit.item {
            ItemRef::Page(i) => (
                &lib.pages[i].file,
                &lib.pages[i].file.lang,
                lib.pages[i].body_line,
            ),
            ItemRef::Section(i) => (
                &lib.sections[i].file,
                &lib.sections[i].file.lang,
                lib.sections[i].body_line,
            ),
        };
        match markdown::render(
            &edit.body,
            line,
            &file.path,
            lang,
            &config.markdown,
            &resolver,
        ) {
            Ok(rendered) => fresh.push((edit.item, rendered)),
            Err(ds) => diags.extend(ds),
        }
    }
    diags.check()?;

    timer.lap("incremental: markdown");
    // The search records of the edited items (their text leaves `fresh`).
    let mut changed_records: Vec<(usize, search_index::PageRecord)> = Vec::new();
    for (item, rendered) in &mut fresh {
        if let Some(k) = memo.record_items.iter().position(|x| x == item) {
            let mut record = memo.records[k].clone();
            record.sections = std::mem::take(&mut rendered.sections);
            if let ItemRef::Page(i) = *item {
                record.title = lib.pages[i].title.clone();
                record.description = lib.pages[i].meta.description.clone().unwrap_or_default();
            }
            changed_records.push((k, record));
        }
    }
    // 2. New values: the edited pages' and their neighbours', then the
    // sections and taxonomies that hold any of them (cheap: they share page
    // values by reference); the rest of the functions' data stays.
    let data = r.snapshot();
    let mut pages: Vec<Value> = data.pages.clone();
    let mut fresh_sections: HashMap<usize, &Rendered> = HashMap::new();
    for (item, rendered) in &fresh {
        match *item {
            ItemRef::Page(i) => pages[i] = values::page(lib, config, &r.shared, i, Some(rendered)),
            ItemRef::Section(i) => {
                fresh_sections.insert(i, rendered);
            }
        }
    }
    // A new title or description shows on the neighbours and translations.
    let mut around: Vec<usize> = Vec::new();
    let light: Vec<usize> = edits
        .iter()
        .filter(|e| e.light.is_some())
        .filter_map(|e| match e.item {
            ItemRef::Page(i) => Some(i),
            ItemRef::Section(_) => None,
        })
        .collect();
    for &i in &light {
        let (prev, next) = lib.neighbours[i];
        around.extend(prev);
        around.extend(next);
        if let Some(t) = lib.translations.get(&lib.pages[i].file.translation_key) {
            around.extend(t.values().filter_map(|x| match x {
                ItemRef::Page(j) if *j != i => Some(*j),
                _ => None,
            }));
        }
    }
    around.sort_unstable();
    around.dedup();
    around.retain(|j| !fresh.iter().any(|(item, _)| *item == ItemRef::Page(*j)));
    for &j in &around {
        let rebuilt = values::page(lib, config, &r.shared, j, memo.page_rendered[j].as_ref());
        pages[j] = keep_content(rebuilt, &data.pages[j]);
    }
    let replaced: Vec<usize> = fresh
        .iter()
        .filter_map(|(item, _)| match *item {
            ItemRef::Page(i) => Some(i),
            ItemRef::Section(_) => None,
        })
        .chain(around.iter().copied())
        .collect();
    let sections = section_values(r, memo, &data.sections, &pages, &replaced, &fresh_sections);
    let taxonomies: HashSet<(String, String)> = lib
        .taxonomies
        .iter()
        .filter(|t| {
            t.terms
                .iter()
                .any(|term| replaced.iter().any(|p| term.pages.contains(p)))
        })
        .map(|t| (t.name.clone(), t.lang.clone()))
        .collect();
    r.update_data(pages, sections, &taxonomies);
    let data = r.snapshot();

    timer.lap("incremental: values");
    // 3. The jobs whose reads the edits touch.
    let mut touched = touched_reads(site, &fresh);
    for &j in &around {
        touched.insert(Read::Page(j));
    }
    let jobs: Vec<usize> = memo
        .jobs
        .iter()
        .enumerate()
        .filter(|(_, (_, reads))| reads.iter().any(|x| touched.contains(x)))
        .map(|(k, _)| k)
        .collect();
    // The search index is updated at the same time: the edited records
    // replace theirs in the index kept in memory, and only the shards they
    // touch are encoded again. It stays out of the memo until everything
    // succeeded (on error it may be ahead of the kept records, and the next
    // rebuild makes it again).
    let kept_live = memo.live_search.take();
    let kept_records = &memo.records;
    let changed = &changed_records;
    let (results, search) = rayon::join(
        || -> Vec<(usize, std::result::Result<JobDone, Diagnostic>)> {
            jobs.par_iter()
                .map(|&k| {
                    (
                        k,
                        r.render_job(&memo.jobs[k].0, &data, &memo.config_value, None, None, sink),
                    )
                })
                .collect()
        },
        || -> Result<(Option<search_index::LiveIndex>, Vec<String>)> {
            if !config.search.enabled {
                return Ok((None, Vec::new()));
            }
            let list: Vec<search_index::PageRecord> =
                changed.iter().map(|(_, r)| r.clone()).collect();
            let mut live = kept_live
                .and_then(|mut live| live.replace(&list).then_some(live))
                .unwrap_or_else(|| {
                    search_index::LiveIndex::new(&updated(kept_records, changed), &config.search)
                });
            let paths = r.write_live_search(sink, &mut live)?;
            Ok((Some(live), paths))
        },
    );
    // The ids of the targets rendered again, over the kept ones.
    let mut ids: HashMap<usize, HashSet<String>> = HashMap::new();
    let mut reads: Vec<(usize, Vec<Read>)> = Vec::with_capacity(results.len());
    for (k, res) in results {
        match res {
            Ok(done) => {
                if let Some((target, set)) = done.ids {
                    ids.entry(target).or_default().extend(set);
                }
                reads.push((k, done.reads));
            }
            Err(d) => diags.push(d),
        }
    }
    diags.check()?;

    timer.lap(&format!("incremental: {} templates", jobs.len()));
    // 4. Anchors of links from and to the edited items.
    let mut page_rendered_view: HashMap<usize, &Rendered> = HashMap::new();
    for (item, rendered) in &fresh {
        if let ItemRef::Page(i) = *item {
            page_rendered_view.insert(i, rendered);
        }
    }
    let page_now = |i: usize| {
        page_rendered_view
            .get(&i)
            .copied()
            .or(memo.page_rendered[i].as_ref())
    };
    let section_now = |i: usize| {
        fresh_sections
            .get(&i)
            .copied()
            .or(memo.section_rendered[i].as_ref())
    };
    let edited_ids: HashSet<usize> = fresh
        .iter()
        .map(|(item, _)| match *item {
            ItemRef::Page(i) => i,
            ItemRef::Section(i) => lib.pages.len() + i,
        })
        .collect();
    let ids_now = |i: usize| ids.get(&i).or(memo.ids[i].as_ref());
    diags.extend(r.check_anchors(&page_now, &section_now, &ids_now, Some(&edited_ids)));
    diags.check()?;

    timer.lap("incremental: anchors");
    // 5. Feeds, the sitemap and API when dates or titles may have moved, and
    // the search export.
    let edited_pages: HashSet<usize> = fresh
        .iter()
        .filter_map(|(item, _)| match *item {
            ItemRef::Page(i) => Some(i),
            ItemRef::Section(_) => None,
        })
        .collect();
    r.write_feeds(
        sink,
        &|p| super::outputs::value_content(&data.pages, p),
        Some(&edited_pages),
        &mut diags,
    );
    timer.lap("incremental: feeds");
    if edits.iter().any(|e| e.updated_changed) {
        r.write_sitemap(sink, &mut diags);
        timer.lap("incremental: sitemap");
    }
    let mut api_entries = None;
    if !light.is_empty() {
        let only: HashSet<usize> = light.iter().copied().collect();
        api_entries = Some(r.write_api(sink, Some((&memo.api_entries, &only)), &mut diags));
        timer.lap("incremental: API");
    }
    diags.check()?;
    let (live, search_files) = search?;
    timer.lap("incremental: search (alongside the templates)");
    let new_paths: HashSet<&String> = search_files.iter().collect();
    let removed: Vec<String> = memo
        .search_files
        .iter()
        .filter(|p| !new_paths.contains(p))
        .cloned()
        .collect();

    // 6. Everything succeeded: keep the new state.
    for (item, mut rendered) in fresh {
        match item {
            ItemRef::Page(i) => {
                rendered.html = String::new();
                rendered.summary = None;
                memo.page_rendered[i] = Some(rendered);
            }
            // Sections keep their HTML: their values are rebuilt from it.
            ItemRef::Section(i) => memo.section_rendered[i] = Some(rendered),
        }
    }
    for (k, list) in reads {
        memo.jobs[k].1 = list;
    }
    for (target, set) in ids {
        memo.ids[target] = Some(set);
    }
    for (k, record) in changed_records {
        memo.records[k] = record;
    }
    memo.search_files = search_files;
    memo.live_search = live;
    if let Some(entries) = api_entries {
        memo.api_entries = entries;
    }
    Ok(Applied { removed })
}

/// Section values after pages were `replaced` and some sections' Markdown
/// rendered again (`fresh`): those that hold such a page or section, and
/// every section above them, are made again, children first; the others
/// are kept from `old`.
fn section_values(
    r: &Renderer<'_>,
    memo: &Memo,
    old: &[Value],
    pages: &[Value],
    replaced: &[usize],
    fresh: &HashMap<usize, &Rendered>,
) -> Vec<Value> {
    let lib = &r.site.library;
    let mut pending = holding_sections(lib, replaced, fresh.keys().copied());
    let mut done: Vec<Option<Value>> = old.iter().cloned().map(Some).collect();
    while !pending.is_empty() {
        let ready: Vec<usize> = pending
            .iter()
            .copied()
            .filter(|&i| {
                !lib.sections[i]
                    .subsections
                    .iter()
                    .any(|c| pending.contains(c))
            })
            .collect();
        if ready.is_empty() {
            // Not a tree (cannot happen): make the rest in any order.
            break;
        }
        for i in ready {
            let rendered = fresh.get(&i).copied().or(memo.section_rendered[i].as_ref());
            let v = values::section(lib, &r.site.config, &r.shared, i, rendered, pages, &done);
            done[i] = Some(v);
            pending.remove(&i);
        }
    }
    for i in pending {
        let rendered = fresh.get(&i).copied().or(memo.section_rendered[i].as_ref());
        done[i] = Some(values::section(
            lib,
            &r.site.config,
            &r.shared,
            i,
            rendered,
            pages,
            &done,
        ));
    }
    done.into_iter()
        .map(|v| v.unwrap_or_else(Value::none))
        .collect()
}

/// The sections whose value holds one of `pages` or `sections`: those that
/// list such a page (transparent parents and other languages' listings that
/// show it as a fallback among them), the sections themselves, and every
/// section whose value nests one of those.
fn holding_sections(
    lib: &crate::content::Library,
    pages: &[usize],
    sections: impl Iterator<Item = usize>,
) -> HashSet<usize> {
    let mut holders: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, s) in lib.sections.iter().enumerate() {
        for &c in &s.subsections {
            holders.entry(c).or_default().push(i);
        }
    }
    let mut stack: Vec<usize> = sections.collect();
    for (i, s) in lib.sections.iter().enumerate() {
        if pages.iter().any(|p| s.pages.contains(p)) {
            stack.push(i);
        }
    }
    let mut out = HashSet::new();
    while let Some(s) = stack.pop() {
        if out.insert(s) {
            stack.extend(holders.get(&s).into_iter().flatten().copied());
        }
    }
    out
}

/// `records` with some of them replaced.
fn updated(
    records: &[search_index::PageRecord],
    changed: &[(usize, search_index::PageRecord)],
) -> Vec<search_index::PageRecord> {
    let mut out = records.to_vec();
    for (k, r) in changed {
        out[*k] = r.clone();
    }
    out
}

/// What a job must have read to depend on the edited items.
fn touched_reads(site: &Site, edited: &[(ItemRef, Rendered)]) -> HashSet<Read> {
    let lib = &site.library;
    // Sections whose value holds a given section (its parents and the
    // other-language sections that list it as a fallback).
    let mut holders: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, s) in lib.sections.iter().enumerate() {
        for &c in &s.subsections {
            holders.entry(c).or_default().push(i);
        }
    }
    let mut out = HashSet::new();
    let mut stack: Vec<usize> = Vec::new();
    for (item, _) in edited {
        match *item {
            ItemRef::Page(p) => {
                out.insert(Read::Page(p));
                for (i, s) in lib.sections.iter().enumerate() {
                    if s.pages.contains(&p) {
                        stack.push(i);
                    }
                }
                for t in &lib.taxonomies {
                    for term in t.terms.iter().filter(|term| term.pages.contains(&p)) {
                        out.insert(Read::Taxonomy(t.name.clone(), t.lang.clone()));
                        out.insert(Read::Term(
                            t.name.clone(),
                            t.lang.clone(),
                            term.slug.clone(),
                        ));
                    }
                }
            }
            ItemRef::Section(s) => stack.push(s),
        }
    }
    while let Some(s) = stack.pop() {
        if out.insert(Read::Section(s)) {
            stack.extend(holders.get(&s).into_iter().flatten().copied());
        }
    }
    out
}
