//! The library: every page, section and taxonomy of a site, linked
//! together (sections to pages, pages to neighbours, terms to pages), with
//! the URL of everything checked for clashes.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use super::frontmatter::{SectionFrontMatter, SortBy};
use super::{FileInfo, Page, Section, dir_url, find_key_line, lang_prefix};
use crate::config::Config;
use crate::error::{Diagnostic, Diagnostics};
use crate::slug::slugify;

/// A page or a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemRef {
    /// Index into [`Library::pages`].
    Page(usize),
    /// Index into [`Library::sections`].
    Section(usize),
}

/// One taxonomy in one language.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    /// Name from config (`work_areas`).
    pub name: String,
    /// Display title.
    pub title: String,
    /// Language.
    pub lang: String,
    /// URL path of the list of terms: `work-areas/` (or `fr/work-areas/`).
    pub path: String,
    /// Whether terms get feeds.
    pub feed: bool,
    /// Pagination of term pages.
    pub paginate_by: Option<usize>,
    /// Terms, sorted by name.
    pub terms: Vec<Term>,
}

/// One value of a taxonomy, with its pages.
#[derive(Debug, Clone)]
pub struct Term {
    /// Display name, as first written.
    pub name: String,
    /// The name in the taxonomy's language (`[languages.xx.terms]`), else
    /// `name`.
    pub label: String,
    /// URL slug.
    pub slug: String,
    /// URL path of the term page.
    pub path: String,
    /// Pages, newest first, then by title.
    pub pages: Vec<usize>,
}

/// Every page, section and taxonomy of the site.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// Pages, sorted by file path.
    pub pages: Vec<Page>,
    /// Sections, sorted by file path; implied home sections at the end.
    pub sections: Vec<Section>,
    /// Taxonomies, in config order, per language.
    pub taxonomies: Vec<Taxonomy>,
    /// Path under `content/` (with language suffix) to item.
    pub files: HashMap<String, ItemRef>,
    /// Translation key to the item in each language.
    pub translations: HashMap<String, BTreeMap<String, ItemRef>>,
    /// URL path to item, for pages and sections.
    pub urls: HashMap<String, ItemRef>,
    /// Alias URL path to the item it redirects to.
    pub aliases: BTreeMap<String, ItemRef>,
    /// Files from `content/` copied as they are: (source, output path).
    pub assets: Vec<(PathBuf, String)>,
    /// Previous and next page (in section order) of each page.
    pub neighbours: Vec<(Option<usize>, Option<usize>)>,
    /// Content files (paths under `content/`) left out because they could
    /// not be listed, read or parsed: only when loading carried on past
    /// errors (`gca check`); links to them are not checked.
    pub left_out: BTreeSet<String>,
}

impl Library {
    /// Links loaded pages and sections together.
    pub fn build(
        config: &Config,
        mut pages: Vec<Page>,
        mut sections: Vec<Section>,
        assets: Vec<(PathBuf, String)>,
        diags: &mut Diagnostics,
    ) -> Library {
        pages.sort_by(|a, b| a.file.relative.cmp(&b.file.relative));
        sections.sort_by(|a, b| a.file.relative.cmp(&b.file.relative));

        // Implied home sections for languages with content but no _index.
        let mut langs: Vec<String> = pages
            .iter()
            .map(|p| p.file.lang.clone())
            .chain(sections.iter().map(|s| s.file.lang.clone()))
            .collect();
        langs.push(config.default_language.clone());
        langs.sort();
        langs.dedup();
        for lang in &langs {
            if !sections
                .iter()
                .any(|s| s.file.dir.is_empty() && s.file.lang == *lang)
            {
                sections.push(implied_home(config, lang));
            }
        }

        let mut lib = Library {
            pages,
            sections,
            ..Library::default()
        };
        let by_dir: HashMap<(String, String), usize> = lib
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| ((s.file.dir.clone(), s.file.lang.clone()), i))
            .collect();
        let find_section = |dir: &str, lang: &str, skip_self: bool| -> usize {
            let mut d = dir.to_string();
            let mut first = true;
            loop {
                // Only sections of the item's own language: a translation
                // never lands in another language's listing (untranslated
                // items are added to listings as fallbacks, below).
                if !(skip_self && first)
                    && let Some(&i) = by_dir.get(&(d.clone(), lang.to_string()))
                {
                    return i;
                }
                first = false;
                if d.is_empty() {
                    break;
                }
                d = d
                    .rsplit_once('/')
                    .map(|(p, _)| p.to_string())
                    .unwrap_or_default();
            }
            // Every language with content has a home section (implied if need be).
            by_dir
                .get(&(String::new(), lang.to_string()))
                .or_else(|| by_dir.get(&(String::new(), config.default_language.clone())))
                .copied()
                .unwrap_or(0)
        };

        // Parents and children of sections.
        for i in 0..lib.sections.len() {
            let s = &lib.sections[i];
            if s.file.dir.is_empty() {
                continue;
            }
            let parent = find_section(&s.file.dir, &s.file.lang, true);
            lib.sections[i].parent = Some(parent);
        }
        for i in 0..lib.sections.len() {
            if let Some(p) = lib.sections[i].parent {
                lib.sections[p].subsections.push(i);
            }
        }
        let sections_snapshot: Vec<(Option<i64>, String)> = lib
            .sections
            .iter()
            .map(|s| (s.meta.weight, s.path.clone()))
            .collect();
        for s in &mut lib.sections {
            s.subsections.sort_by(|&a, &b| {
                let (wa, pa) = &sections_snapshot[a];
                let (wb, pb) = &sections_snapshot[b];
                cmp_weight(*wa, *wb).then_with(|| pa.cmp(pb))
            });
        }

        // Pages into sections.
        for i in 0..lib.pages.len() {
            let s = find_section(&lib.pages[i].file.dir, &lib.pages[i].file.lang, false);
            lib.pages[i].section = s;
            lib.sections[s].pages.push(i);
        }
        // Transparent sections lend their pages to their parents, deepest first.
        let mut order: Vec<usize> = (0..lib.sections.len()).collect();
        order.sort_by_key(|&i| {
            std::cmp::Reverse(
                lib.sections[i].file.dir.matches('/').count()
                    + usize::from(!lib.sections[i].file.dir.is_empty()),
            )
        });
        for i in order {
            if lib.sections[i].meta.transparent
                && let Some(p) = lib.sections[i].parent
            {
                let pages = lib.sections[i].pages.clone();
                lib.sections[p].pages.extend(pages);
            }
        }
        for si in 0..lib.sections.len() {
            let mut list = std::mem::take(&mut lib.sections[si].pages);
            sort_pages(&mut list, &lib.pages, lib.sections[si].meta.sort_by);
            list.dedup();
            lib.sections[si].pages = list;
        }
        lib.add_fallbacks(config);
        // Neighbours within each page's own section.
        lib.neighbours = vec![(None, None); lib.pages.len()];
        for s in &lib.sections {
            let own: Vec<usize> = s
                .pages
                .iter()
                .copied()
                .filter(|&p| lib.sections[lib.pages[p].section].path == s.path)
                .collect();
            for (k, &p) in own.iter().enumerate() {
                let prev = k.checked_sub(1).map(|j| own[j]);
                let next = own.get(k + 1).copied();
                lib.neighbours[p] = (prev, next);
            }
        }

        lib.index_files();
        lib.check_urls(config, diags);
        lib.place_assets(assets);
        lib.build_taxonomies(config, diags);
        super::schema::check(&lib, config, diags);
        lib
    }

    /// In each language other than the default, listings also show the
    /// default language's pages and subsections that have no translation
    /// (their values keep their own `lang` and URL, so templates can mark
    /// them as "in English").
    fn add_fallbacks(&mut self, config: &Config) {
        let default = &config.default_language;
        let mut translated: HashMap<(String, String), usize> = HashMap::new();
        for p in &self.pages {
            *translated
                .entry((p.file.translation_key.clone(), p.file.lang.clone()))
                .or_default() += 1;
        }
        for s in &self.sections {
            if s.exists {
                *translated
                    .entry((s.file.translation_key.clone(), s.file.lang.clone()))
                    .or_default() += 1;
            }
        }
        let by_key: HashMap<(String, String), usize> = self
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| ((s.file.translation_key.clone(), s.file.lang.clone()), i))
            .collect();
        for si in 0..self.sections.len() {
            let lang = self.sections[si].file.lang.clone();
            if lang == *default {
                continue;
            }
            let key = self.sections[si].file.translation_key.clone();
            let Some(&original) = by_key.get(&(key, default.clone())) else {
                continue;
            };
            let extra_pages: Vec<usize> = self.sections[original]
                .pages
                .iter()
                .copied()
                .filter(|&p| {
                    !translated
                        .contains_key(&(self.pages[p].file.translation_key.clone(), lang.clone()))
                })
                .collect();
            let extra_sections: Vec<usize> = self.sections[original]
                .subsections
                .iter()
                .copied()
                .filter(|&c| {
                    !translated.contains_key(&(
                        self.sections[c].file.translation_key.clone(),
                        lang.clone(),
                    ))
                })
                .collect();
            if extra_pages.is_empty() && extra_sections.is_empty() {
                continue;
            }
            let mut pages = std::mem::take(&mut self.sections[si].pages);
            pages.extend(extra_pages);
            sort_pages(&mut pages, &self.pages, self.sections[si].meta.sort_by);
            pages.dedup();
            self.sections[si].pages = pages;
            self.sections[si].subsections.extend(extra_sections);
            let snapshot: Vec<(Option<i64>, String)> = self
                .sections
                .iter()
                .map(|s| (s.meta.weight, s.file.translation_key.clone()))
                .collect();
            self.sections[si].subsections.sort_by(|&a, &b| {
                cmp_weight(snapshot[a].0, snapshot[b].0)
                    .then_with(|| snapshot[a].1.cmp(&snapshot[b].1))
            });
            self.sections[si].subsections.dedup();
        }
    }

    /// The default-language original of a translated item.
    pub fn original_of(&self, item: ItemRef, default_language: &str) -> Option<ItemRef> {
        let f = self.file_of(item);
        if f.lang == default_language {
            return None;
        }
        self.translations
            .get(&f.translation_key)
            .and_then(|t| t.get(default_language))
            .copied()
    }

    fn index_files(&mut self) {
        for (i, p) in self.pages.iter().enumerate() {
            self.files.insert(p.file.relative.clone(), ItemRef::Page(i));
            self.translations
                .entry(p.file.translation_key.clone())
                .or_default()
                .insert(p.file.lang.clone(), ItemRef::Page(i));
        }
        for (i, s) in self.sections.iter().enumerate() {
            if s.exists {
                self.files
                    .insert(s.file.relative.clone(), ItemRef::Section(i));
            }
            self.translations
                .entry(s.file.translation_key.clone())
                .or_default()
                .insert(s.file.lang.clone(), ItemRef::Section(i));
        }
    }

    /// The file an item comes from.
    pub fn file_of(&self, item: ItemRef) -> &FileInfo {
        match item {
            ItemRef::Page(i) => &self.pages[i].file,
            ItemRef::Section(i) => &self.sections[i].file,
        }
    }

    /// An item's front matter text and the line it starts on.
    pub fn front_of(&self, item: ItemRef) -> (&str, usize) {
        match item {
            ItemRef::Page(i) => (&self.pages[i].front, self.pages[i].front_line),
            ItemRef::Section(i) => (&self.sections[i].front, self.sections[i].front_line),
        }
    }

    /// URL path of an item.
    pub fn path_of(&self, item: ItemRef) -> &str {
        match item {
            ItemRef::Page(i) => &self.pages[i].path,
            ItemRef::Section(i) => &self.sections[i].path,
        }
    }

    /// Title of an item.
    pub fn title_of(&self, item: ItemRef) -> &str {
        match item {
            ItemRef::Page(i) => &self.pages[i].title,
            ItemRef::Section(i) => &self.sections[i].title,
        }
    }

    /// The line of the `path` or `slug` that sets an item's URL, if its
    /// front matter has one (only pages do).
    fn url_key_line(&self, item: ItemRef) -> Option<usize> {
        let ItemRef::Page(i) = item else { return None };
        let page = &self.pages[i];
        let key = if page.meta.path.is_some() {
            "path"
        } else if page.meta.slug.is_some() {
            "slug"
        } else {
            return None;
        };
        Some(find_key_line(&page.front, key, page.front_line))
    }

    fn check_urls(&mut self, config: &Config, diags: &mut Diagnostics) {
        let claim = |urls: &mut HashMap<String, ItemRef>,
                     path: String,
                     item: ItemRef,
                     lib: &Library,
                     diags: &mut Diagnostics| {
            if let Some(&other) = urls.get(&path) {
                // The error points at the `slug` or `path` line that makes
                // the clash when one of the two has one (this item's first).
                let (here, there, line) = match (lib.url_key_line(item), lib.url_key_line(other)) {
                    (Some(l), _) => (item, other, Some(l)),
                    (None, Some(l)) => (other, item, Some(l)),
                    (None, None) => (item, other, None),
                };
                let mut d = Diagnostic::error(format!(
                    "two pages claim the URL `/{path}`: this file and {}",
                    lib.file_of(there).path.display()
                ))
                .in_file(&lib.file_of(here).path)
                .help("change the `slug` or `path` of one of them");
                if let Some(l) = line {
                    d = d.at_line(l);
                }
                diags.push(d);
            } else {
                urls.insert(path, item);
            }
        };
        let mut urls = HashMap::new();
        for i in 0..self.sections.len() {
            claim(
                &mut urls,
                self.sections[i].path.clone(),
                ItemRef::Section(i),
                self,
                diags,
            );
        }
        for i in 0..self.pages.len() {
            claim(
                &mut urls,
                self.pages[i].path.clone(),
                ItemRef::Page(i),
                self,
                diags,
            );
        }
        // Aliases may not take a real page's URL, nor each other's.
        let mut aliases = BTreeMap::new();
        let items: Vec<(ItemRef, Vec<String>, String, usize)> = self
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    ItemRef::Page(i),
                    p.meta.aliases.clone(),
                    p.front.clone(),
                    p.front_line,
                )
            })
            .chain(self.sections.iter().enumerate().map(|(i, s)| {
                (
                    ItemRef::Section(i),
                    s.meta.aliases.clone(),
                    s.front.clone(),
                    s.front_line,
                )
            }))
            .collect();
        for (item, list, front, front_line) in items {
            let file = self.file_of(item).path.clone();
            for alias in list {
                let line = find_key_line(&front, "aliases", front_line);
                match crate::slug::normalise_user_path(&alias) {
                    Err(reason) => diags.push(
                        Diagnostic::error(format!("alias `{alias}` is refused: {reason}"))
                            .in_file(&file)
                            .at_line(line)
                            .help(
                                "an alias is an old path inside the site, such as `/old/address/`",
                            ),
                    ),
                    Ok(norm) => {
                        let path = if norm.ends_with(".html") {
                            norm
                        } else {
                            format!("{norm}/")
                        };
                        if let Some(&owner) = urls.get(&path) {
                            diags.push(
                                Diagnostic::error(format!(
                                    "alias `{alias}` would overwrite {}",
                                    self.file_of(owner).path.display()
                                ))
                                .in_file(&file)
                                .at_line(line)
                                .help("remove the alias or move the other page"),
                            );
                        } else if let Some(&other) = aliases.get(&path) {
                            if other != item {
                                diags.push(
                                    Diagnostic::error(format!(
                                        "alias `{alias}` is also an alias of {}",
                                        self.file_of(other).path.display()
                                    ))
                                    .in_file(&file)
                                    .at_line(line)
                                    .help("keep the alias on one page only"),
                                );
                            }
                        } else {
                            aliases.insert(path, item);
                        }
                    }
                }
            }
        }
        let _ = config;
        self.urls = urls;
        self.aliases = aliases;
    }

    fn place_assets(&mut self, assets: Vec<(PathBuf, String)>) {
        let mut bundles: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in self.pages.iter().enumerate() {
            if let Some(b) = &p.file.bundle {
                bundles.entry(b.as_str()).or_default().push(i);
            }
        }
        let mut placed = Vec::new();
        let mut per_page: Vec<(usize, PathBuf, String)> = Vec::new();
        for (src, rel) in assets {
            // The nearest enclosing bundle owns the file.
            let mut owner = None;
            let mut dir = rel.rsplit_once('/').map(|(d, _)| d.to_string());
            while let Some(d) = dir {
                if let Some(owners) = bundles.get(d.as_str()) {
                    owner = Some((d.clone(), owners.clone()));
                    break;
                }
                dir = d.rsplit_once('/').map(|(p, _)| p.to_string());
            }
            match owner {
                Some((bdir, owners)) => {
                    let inner = &rel[bdir.len() + 1..];
                    for p in owners {
                        let out = format!("{}{inner}", self.pages[p].path);
                        per_page.push((p, src.clone(), out.clone()));
                        placed.push((src.clone(), out));
                    }
                }
                None => {
                    let (d, f) = rel.rsplit_once('/').unwrap_or(("", rel.as_str()));
                    placed.push((src, format!("{}{f}", dir_url(d))));
                }
            }
        }
        for (p, src, out) in per_page {
            self.pages[p].assets.push((src, out));
        }
        placed.sort_by(|a, b| a.1.cmp(&b.1));
        placed.dedup_by(|a, b| a.1 == b.1);
        self.assets = placed;
    }

    fn build_taxonomies(&mut self, config: &Config, diags: &mut Diagnostics) {
        // (taxonomy index, lang) -> slug -> (name, pages)
        type Terms = BTreeMap<String, (String, Vec<usize>)>;
        let mut found: BTreeMap<(usize, String), Terms> = BTreeMap::new();
        for (pi, page) in self.pages.iter().enumerate() {
            for (tax, values) in &page.meta.taxonomies {
                // Only a diagnostic needs the line: found when one is made.
                let line = || find_key_line(&page.front, tax, page.front_line);
                let Some(ti) = config.taxonomies.iter().position(|t| &t.name == tax) else {
                    diags.push(
                        Diagnostic::error(format!("unknown taxonomy `{tax}`"))
                            .in_file(&page.file.path)
                            .at_line(line())
                            .help(format!(
                                "declare it in config.toml with `[[taxonomies]]` and `name = \"{tax}\"`{}",
                                known_list(config)
                            )),
                    );
                    continue;
                };
                let tc = &config.taxonomies[ti];
                for v in values {
                    if let Some(allowed) = &tc.values
                        && !allowed.contains(v)
                    {
                        diags.push(
                            Diagnostic::error(format!("`{v}` is not a value of taxonomy `{tax}`"))
                                .in_file(&page.file.path)
                                .at_line(line())
                                .help(format!(
                                    "allowed values (config.toml): {}",
                                    allowed.join(", ")
                                )),
                        );
                        continue;
                    }
                    let slug = slugify(v);
                    if slug.is_empty() {
                        diags.push(
                            Diagnostic::error(format!(
                                "taxonomy value `{v}` has no letters or digits"
                            ))
                            .in_file(&page.file.path)
                            .at_line(line())
                            .help("use a name such as `Capacity Building`"),
                        );
                        continue;
                    }
                    let entry = found
                        .entry((ti, page.file.lang.clone()))
                        .or_default()
                        .entry(slug)
                        .or_insert_with(|| (v.clone(), Vec::new()));
                    // Pages come in order: a page that names a value twice
                    // (or two values of one slug) is the last one listed.
                    if entry.1.last() != Some(&pi) {
                        entry.1.push(pi);
                    }
                }
            }
        }
        let mut langs: Vec<String> = config.language_codes();
        langs.retain(|l| self.sections.iter().any(|s| &s.file.lang == l));
        // Untranslated pages of the default language appear on the term
        // pages of the other languages too.
        let translated: std::collections::HashSet<(String, String)> = self
            .pages
            .iter()
            .map(|p| (p.file.translation_key.clone(), p.file.lang.clone()))
            .collect();
        for lang in langs.iter().filter(|l| **l != config.default_language) {
            for ti in 0..config.taxonomies.len() {
                let Some(default_terms) =
                    found.get(&(ti, config.default_language.clone())).cloned()
                else {
                    continue;
                };
                let target = found.entry((ti, lang.clone())).or_default();
                for (slug, (name, pages)) in default_terms {
                    let missing: Vec<usize> = pages
                        .into_iter()
                        .filter(|&p| {
                            !translated.contains(&(
                                self.pages[p].file.translation_key.clone(),
                                lang.clone(),
                            ))
                        })
                        .collect();
                    if missing.is_empty() {
                        continue;
                    }
                    let entry = target.entry(slug).or_insert_with(|| (name, Vec::new()));
                    let listed: std::collections::HashSet<usize> =
                        entry.1.iter().copied().collect();
                    entry
                        .1
                        .extend(missing.into_iter().filter(|p| !listed.contains(p)));
                }
            }
        }
        for (ti, tc) in config.taxonomies.iter().enumerate() {
            for lang in &langs {
                let path = format!("{}{}/", lang_prefix(lang, config), tc.url_path());
                let terms_map = found.remove(&(ti, lang.clone())).unwrap_or_default();
                let mut terms: Vec<Term> = terms_map
                    .into_iter()
                    .map(|(slug, (name, mut pages))| {
                        sort_pages(&mut pages, &self.pages, SortBy::Date);
                        Term {
                            path: format!("{path}{slug}/"),
                            label: config.term_label(&tc.name, &name, lang).to_string(),
                            name,
                            slug,
                            pages,
                        }
                    })
                    .collect();
                // In the order of the names readers see.
                terms.sort_by(|a, b| {
                    a.label
                        .to_lowercase()
                        .cmp(&b.label.to_lowercase())
                        .then_with(|| a.slug.cmp(&b.slug))
                });
                if let Some(&owner) = self.urls.get(&path) {
                    diags.push(
                        Diagnostic::error(format!(
                            "taxonomy `{}` needs the URL `/{path}`, which this file already has",
                            tc.name
                        ))
                        .in_file(&self.file_of(owner).path)
                        .help("give the taxonomy another URL with `path = \"...\"` in its `[[taxonomies]]` block, or move the content"),
                    );
                }
                for t in &terms {
                    if let Some(&owner) = self.urls.get(&t.path) {
                        diags.push(
                            Diagnostic::error(format!(
                                "the term page `/{}` clashes with this file's URL",
                                t.path
                            ))
                            .in_file(&self.file_of(owner).path)
                            .help("give the taxonomy another `path` in config.toml"),
                        );
                    }
                }
                self.taxonomies.push(Taxonomy {
                    name: tc.name.clone(),
                    title: config.taxonomy_title(tc, lang),
                    lang: lang.clone(),
                    path,
                    feed: tc.feed,
                    paginate_by: tc.paginate_by,
                    terms,
                });
            }
        }
    }

    /// Finds a taxonomy by name and language.
    pub fn taxonomy(&self, name: &str, lang: &str) -> Option<&Taxonomy> {
        self.taxonomies
            .iter()
            .find(|t| t.name == name && t.lang == lang)
    }

    /// The home section of a language.
    pub fn home(&self, lang: &str) -> Option<usize> {
        self.sections
            .iter()
            .position(|s| s.file.dir.is_empty() && s.file.lang == lang)
    }

    /// The sections from the home page down to the item's parent.
    pub fn ancestors(&self, item: ItemRef) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = match item {
            ItemRef::Page(i) => Some(self.pages[i].section),
            ItemRef::Section(i) => self.sections[i].parent,
        };
        while let Some(s) = cur {
            if out.contains(&s) {
                break;
            }
            out.push(s);
            cur = self.sections[s].parent;
        }
        out.reverse();
        out
    }
}

fn known_list(config: &Config) -> String {
    if config.taxonomies.is_empty() {
        String::new()
    } else {
        format!(
            " (declared now: {})",
            config
                .taxonomies
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn implied_home(config: &Config, lang: &str) -> Section {
    let lc = config.language(lang);
    let title = lc.title.unwrap_or_else(|| config.title.clone());
    let relative = if lang == config.default_language {
        "_index.md".to_string()
    } else {
        format!("_index.{lang}.md")
    };
    Section {
        file: FileInfo {
            path: PathBuf::from("content").join(&relative),
            relative,
            lang: lang.to_string(),
            dir: String::new(),
            name: "_index".into(),
            bundle: None,
            translation_key: "_index.md".into(),
        },
        exists: false,
        meta: SectionFrontMatter::default(),
        front: String::new(),
        front_line: 1,
        title,
        body: String::new(),
        body_line: 1,
        path: lang_prefix(lang, config),
        parent: None,
        pages: Vec::new(),
        subsections: Vec::new(),
    }
}

fn cmp_weight(a: Option<i64>, b: Option<i64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Sorts page indices in a section's order. Ties fall back to the file path,
/// so the order never depends on how the files were read.
pub fn sort_pages(list: &mut [usize], pages: &[Page], by: SortBy) {
    list.sort_by(|&a, &b| compare_pages(&pages[a], &pages[b], by));
}

/// The first `n` pages of `list` in the order [`sort_pages`] gives, without
/// sorting the rest.
pub fn first_pages(mut list: Vec<usize>, pages: &[Page], by: SortBy, n: usize) -> Vec<usize> {
    let cmp = |a: &usize, b: &usize| compare_pages(&pages[*a], &pages[*b], by);
    if n == 0 {
        return Vec::new();
    }
    if list.len() > n {
        list.select_nth_unstable_by(n - 1, cmp);
        list.truncate(n);
    }
    list.sort_by(cmp);
    list
}

/// The order of two pages in a list sorted `by` (the file path breaks
/// ties, so no two pages are equal).
fn compare_pages(pa: &Page, pb: &Page, by: SortBy) -> Ordering {
    let primary = match by {
        SortBy::Date => match (&pa.meta.date, &pb.meta.date) {
            (Some(x), Some(y)) => y.timestamp.cmp(&x.timestamp),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        SortBy::Title => pa.title.to_lowercase().cmp(&pb.title.to_lowercase()),
        SortBy::Weight => cmp_weight(pa.meta.weight, pb.meta.weight),
        SortBy::None => Ordering::Equal,
    };
    primary.then_with(|| pa.file.relative.cmp(&pb.file.relative))
}
