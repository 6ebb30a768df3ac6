//! The values templates see: `page`, `section`, `taxonomy`, `term`,
//! `config`. Each is built once per build and shared (Tera values are
//! reference-counted), so a section listing a thousand pages costs a
//! thousand pointer copies, not a thousand copies of their content.

use std::collections::{BTreeMap, HashMap};

use tera::Value;
use tera::value::{Key, Map};

use crate::config::{Config, Direction};
use crate::content::{ItemRef, Library};
use crate::markdown::Rendered;

/// Builds a Tera map from key/value pairs.
pub fn map<const N: usize>(pairs: [(&'static str, Value); N]) -> Value {
    let mut m = Map::with_capacity(N);
    for (k, v) in pairs {
        m.insert(Key::Str(k), v);
    }
    Value::from(m)
}

fn opt_str(s: Option<&str>) -> Value {
    match s {
        Some(s) => Value::from(s),
        None => Value::none(),
    }
}

fn json(v: &impl serde::Serialize) -> Value {
    Value::from_serializable(v)
}

/// URLs of the site: root-relative (with the base path) and absolute.
#[derive(Debug, Clone)]
pub struct Urls {
    /// `/` or `/gca/`.
    pub base_path: String,
    /// `https://example.org/gca/`.
    pub base_url: String,
}

impl Urls {
    /// From config.
    pub fn new(config: &Config) -> Urls {
        Urls {
            base_path: config.base_path(),
            base_url: config.base_url(),
        }
    }
    /// Root-relative URL of a site path (`work-areas/` -> `/gca/work-areas/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }
    /// Absolute URL of a site path.
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// Values many pages share, built once per build: links to sections, the
/// breadcrumb list of each section, and links to taxonomy terms.
pub struct Shared {
    /// The site's URLs.
    pub urls: Urls,
    /// `{title, url, path}` of each section.
    section_links: Vec<Value>,
    /// For each (folder, language): the links to the sections from the home
    /// page down to that folder's.
    trails: HashMap<(String, String), Value>,
    /// (taxonomy, language, term slug) to `{name, slug, url}`.
    terms: HashMap<(String, String, String), Value>,
    /// Taxonomy names as map keys.
    keys: HashMap<String, Key<'static>>,
}

impl Shared {
    /// Builds the shared values of a library.
    pub fn new(lib: &Library, config: &Config, urls: &Urls) -> Shared {
        let section_links: Vec<Value> = (0..lib.sections.len())
            .map(|i| link(lib, urls, ItemRef::Section(i)))
            .collect();
        // A trail follows the folders from the home page down; a folder whose
        // section has no translation in this language shows the original.
        let by_dir: HashMap<(&str, &str), usize> = lib
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| ((s.file.dir.as_str(), s.file.lang.as_str()), i))
            .collect();
        let mut trails: HashMap<(String, String), Value> = HashMap::new();
        let places = lib
            .sections
            .iter()
            .map(|s| (&s.file.dir, &s.file.lang))
            .chain(lib.pages.iter().map(|p| (&p.file.dir, &p.file.lang)));
        for (dir, lang) in places {
            if trails.contains_key(&(dir.clone(), lang.clone())) {
                continue;
            }
            let mut dirs = vec![""];
            for (at, _) in dir.match_indices('/') {
                dirs.push(&dir[..at]);
            }
            if !dir.is_empty() {
                dirs.push(dir);
            }
            let list: Vec<Value> = dirs
                .iter()
                .filter_map(|d| {
                    by_dir
                        .get(&(*d, lang.as_str()))
                        .or_else(|| by_dir.get(&(*d, config.default_language.as_str())))
                })
                .map(|&a| section_links[a].clone())
                .collect();
            trails.insert((dir.clone(), lang.clone()), Value::from(list));
        }
        let mut terms = HashMap::new();
        for t in &lib.taxonomies {
            for term in &t.terms {
                terms.insert(
                    (t.name.clone(), t.lang.clone(), term.slug.clone()),
                    map([
                        ("name", Value::from(term.name.as_str())),
                        ("label", Value::from(term.label.as_str())),
                        ("slug", Value::from(term.slug.as_str())),
                        ("url", Value::from(urls.url(&term.path))),
                    ]),
                );
            }
        }
        let keys = config
            .taxonomies
            .iter()
            .map(|t| (t.name.clone(), Key::String(t.name.as_str().into())))
            .collect();
        Shared {
            urls: urls.clone(),
            section_links,
            trails,
            terms,
            keys,
        }
    }
}

/// A small `{title, url, path}` map.
fn link(lib: &Library, urls: &Urls, item: ItemRef) -> Value {
    let path = lib.path_of(item);
    map([
        ("title", Value::from(lib.title_of(item))),
        ("url", Value::from(urls.url(path))),
        ("path", Value::from(path)),
    ])
}

/// The translations of an item (itself included), in config language order.
pub fn translations(
    lib: &Library,
    config: &Config,
    urls: &Urls,
    item: ItemRef,
) -> Vec<(String, ItemRef)> {
    let key = &lib.file_of(item).translation_key;
    let Some(all) = lib.translations.get(key) else {
        return Vec::new();
    };
    let _ = urls;
    config
        .language_codes()
        .into_iter()
        .filter_map(|l| all.get(&l).map(|&i| (l, i)))
        .collect()
}

fn translations_value(lib: &Library, config: &Config, urls: &Urls, item: ItemRef) -> Value {
    let list: Vec<Value> = translations(lib, config, urls, item)
        .into_iter()
        .map(|(lang, i)| {
            let path = lib.path_of(i);
            map([
                ("lang", Value::from(lang.as_str())),
                ("title", Value::from(lib.title_of(i))),
                ("url", Value::from(urls.url(path))),
                ("permalink", Value::from(urls.permalink(path))),
            ])
        })
        .collect();
    Value::from(list)
}

fn ancestors_value(lib: &Library, shared: &Shared, item: ItemRef) -> Value {
    let trail = |dir: &str, lang: &str| {
        shared
            .trails
            .get(&(dir.to_string(), lang.to_string()))
            .cloned()
            .unwrap_or_else(|| Value::from(Vec::<Value>::new()))
    };
    match item {
        ItemRef::Page(i) => trail(&lib.pages[i].file.dir, &lib.pages[i].file.lang),
        ItemRef::Section(i) => {
            // A section's own trail ends with itself: drop that last link.
            let s = &lib.sections[i];
            if s.file.dir.is_empty() {
                return Value::from(Vec::<Value>::new());
            }
            let full = trail(&s.file.dir, &s.file.lang);
            let list = full
                .as_array()
                .map(|a| a[..a.len().saturating_sub(1)].to_vec())
                .unwrap_or_default();
            Value::from(list)
        }
    }
}

fn taxonomies_values(
    config: &Config,
    shared: &Shared,
    lang: &str,
    taxes: &BTreeMap<String, Vec<String>>,
) -> (Value, Value) {
    let mut names = Map::new();
    let mut terms = Map::new();
    for tc in &config.taxonomies {
        let Some(values) = taxes.get(&tc.name) else {
            continue;
        };
        let Some(key) = shared.keys.get(&tc.name) else {
            continue;
        };
        names.insert(
            key.clone(),
            Value::from(
                values
                    .iter()
                    .map(|v| Value::from(v.as_str()))
                    .collect::<Vec<_>>(),
            ),
        );
        let list: Vec<Value> = values
            .iter()
            .filter_map(|v| {
                shared
                    .terms
                    .get(&(tc.name.clone(), lang.to_string(), crate::slug::slugify(v)))
                    .cloned()
            })
            .collect();
        terms.insert(key.clone(), Value::from(list));
    }
    (Value::from(names), Value::from(terms))
}

fn rendered_fields(r: Option<&Rendered>) -> [(&'static str, Value); 5] {
    match r {
        Some(r) => [
            ("content", Value::safe_string(&r.html)),
            (
                "summary",
                r.summary
                    .as_deref()
                    .map_or_else(Value::none, Value::safe_string),
            ),
            ("toc", json(&r.toc)),
            ("word_count", Value::from(r.word_count as u64)),
            (
                "reading_time",
                Value::from(r.word_count.div_ceil(200).max(1) as u64),
            ),
        ],
        None => [
            ("content", Value::safe_string("")),
            ("summary", Value::none()),
            ("toc", Value::from(Vec::<Value>::new())),
            ("word_count", Value::from(0u64)),
            ("reading_time", Value::from(0u64)),
        ],
    }
}

/// For a translation: `{title, url, lang, updated}` of the default-language
/// original, and whether the translation is older than it (by `updated`).
fn original_fields(
    lib: &Library,
    config: &Config,
    urls: &Urls,
    item: ItemRef,
    updated: Option<&crate::content::frontmatter::Date>,
) -> (Value, bool) {
    let Some(orig) = lib.original_of(item, &config.default_language) else {
        return (Value::none(), false);
    };
    let orig_updated = match orig {
        ItemRef::Page(j) => lib.pages[j].meta.updated.as_ref(),
        ItemRef::Section(j) => lib.sections[j].meta.updated.as_ref(),
    };
    let outdated = match (updated, orig_updated) {
        (Some(t), Some(o)) => t.timestamp < o.timestamp,
        _ => false,
    };
    let path = lib.path_of(orig);
    let v = map([
        ("title", Value::from(lib.title_of(orig))),
        ("url", Value::from(urls.url(path))),
        ("lang", Value::from(config.default_language.as_str())),
        ("updated", opt_str(orig_updated.map(|d| d.ymd.as_str()))),
    ]);
    (v, outdated)
}

/// Keys of a page value.
const PAGE_KEYS: usize = 31;

/// The value of page `i`.
pub fn page(
    lib: &Library,
    config: &Config,
    shared: &Shared,
    i: usize,
    rendered: Option<&Rendered>,
) -> Value {
    page_value(lib, config, shared, i, rendered, true)
}

/// A value of [`page_value`] without its body, with `content` and `toc`
/// put back where [`page`] has them: the same value, key for key and in the same order.
pub fn with_body(light: &Value, html: &str, toc: &[crate::markdown::TocEntry]) -> Value {
    let Some(map) = light.as_map() else {
        return light.clone();
    };
    let mut m = Map::with_capacity(map.len() + 2);
    for (k, v) in map {
        if *k == Key::Str("summary") {
            m.insert(Key::Str("content"), Value::safe_string(html));
            m.insert(k.clone(), v.clone());
            m.insert(Key::Str("toc"), json(&toc));
        } else {
            m.insert(k.clone(), v.clone());
        }
    }
    Value::from(m)
}

/// The value of page `i`; without `body`, for listings that read no
/// page's body, it lacks `content` and `toc` (see `lists`), and
/// [`with_body`] makes it whole.
pub fn page_value(
    lib: &Library,
    config: &Config,
    shared: &Shared,
    i: usize,
    rendered: Option<&Rendered>,
    body: bool,
) -> Value {
    let urls = &shared.urls;
    let p = &lib.pages[i];
    let m = &p.meta;
    let (taxonomies, terms) = taxonomies_values(config, shared, &p.file.lang, &m.taxonomies);
    let (prev, next) = lib.neighbours.get(i).copied().unwrap_or((None, None));
    let neighbour = |n: Option<usize>| match n {
        Some(j) => {
            let q = &lib.pages[j];
            map([
                ("title", Value::from(q.title.as_str())),
                ("url", Value::from(urls.url(&q.path))),
                ("description", opt_str(q.meta.description.as_deref())),
            ])
        }
        None => Value::none(),
    };
    let assets: Vec<Value> = p
        .assets
        .iter()
        .map(|(_, out)| Value::from(urls.url(out)))
        .collect();
    let mut mm = Map::with_capacity(PAGE_KEYS);
    let mut put = |k: &'static str, v: Value| {
        mm.insert(Key::Str(k), v);
    };
    put("kind", Value::from("page"));
    put("title", Value::from(p.title.as_str()));
    put("description", opt_str(m.description.as_deref()));
    put("date", opt_str(m.date.as_ref().map(|d| d.ymd.as_str())));
    put(
        "updated",
        opt_str(m.updated.as_ref().map(|d| d.ymd.as_str())),
    );
    put("slug", Value::from(p.slug.as_str()));
    put("path", Value::from(p.path.as_str()));
    put("url", Value::from(urls.url(&p.path)));
    put("permalink", Value::from(urls.permalink(&p.path)));
    put("relative_path", Value::from(p.file.relative.as_str()));
    put("lang", Value::from(p.file.lang.as_str()));
    put("weight", m.weight.map_or_else(Value::none, Value::from));
    put("draft", Value::from(m.draft));
    put(
        "in_search_index",
        Value::from(m.in_search_index.unwrap_or(true)),
    );
    put("taxonomies", taxonomies);
    put("terms", terms);
    put("sources", json(&m.sources));
    put("extra", json(&m.extra));
    for (k, v) in rendered_fields(rendered) {
        if body || !crate::site::lists::BODY_FIELDS.contains(&k) {
            put(k, v);
        }
    }
    put("section", shared.section_links[p.section].clone());
    put("ancestors", ancestors_value(lib, shared, ItemRef::Page(i)));
    put("assets", Value::from(assets));
    put(
        "translations",
        translations_value(lib, config, urls, ItemRef::Page(i)),
    );
    put("previous", neighbour(prev));
    put("next", neighbour(next));
    let (original, outdated) =
        original_fields(lib, config, urls, ItemRef::Page(i), m.updated.as_ref());
    put("original", original);
    put("outdated", Value::from(outdated));
    Value::from(mm)
}

/// The value of section `i`, given the values of all pages and of its
/// subsections (sections are built children first).
pub fn section(
    lib: &Library,
    config: &Config,
    shared: &Shared,
    i: usize,
    rendered: Option<&Rendered>,
    pages: &[Value],
    sections: &[Option<Value>],
) -> Value {
    let urls = &shared.urls;
    let s = &lib.sections[i];
    let m = &s.meta;
    let (taxonomies, terms) = taxonomies_values(config, shared, &s.file.lang, &m.taxonomies);
    let page_list: Vec<Value> = s.pages.iter().map(|&p| pages[p].clone()).collect();
    let subs: Vec<Value> = s
        .subsections
        .iter()
        .map(|&c| sections[c].clone().unwrap_or_else(Value::none))
        .collect();
    let mut mm = Map::with_capacity(40);
    let mut put = |k: &'static str, v: Value| {
        mm.insert(Key::Str(k), v);
    };
    put("kind", Value::from("section"));
    put("title", Value::from(s.title.as_str()));
    put("description", opt_str(m.description.as_deref()));
    put(
        "updated",
        opt_str(m.updated.as_ref().map(|d| d.ymd.as_str())),
    );
    put("path", Value::from(s.path.as_str()));
    put("url", Value::from(urls.url(&s.path)));
    put("permalink", Value::from(urls.permalink(&s.path)));
    put("relative_path", Value::from(s.file.relative.as_str()));
    put("lang", Value::from(s.file.lang.as_str()));
    put("weight", m.weight.map_or_else(Value::none, Value::from));
    put("is_home", Value::from(s.file.dir.is_empty()));
    put(
        "in_search_index",
        Value::from(m.in_search_index.unwrap_or(true)),
    );
    put("taxonomies", taxonomies);
    put("terms", terms);
    put("sources", json(&m.sources));
    put("extra", json(&m.extra));
    for (k, v) in rendered_fields(rendered) {
        put(k, v);
    }
    put("page_count", Value::from(s.pages.len() as u64));
    put("pages", Value::from(page_list));
    put("subsections", Value::from(subs));
    put(
        "parent",
        s.parent
            .map_or_else(Value::none, |p| shared.section_links[p].clone()),
    );
    put(
        "ancestors",
        ancestors_value(lib, shared, ItemRef::Section(i)),
    );
    put(
        "translations",
        translations_value(lib, config, urls, ItemRef::Section(i)),
    );
    let (original, outdated) =
        original_fields(lib, config, urls, ItemRef::Section(i), m.updated.as_ref());
    put("original", original);
    put("outdated", Value::from(outdated));
    put(
        "feed_url",
        if m.feed {
            Value::from(urls.url(&format!("{}atom.xml", s.path)))
        } else {
            Value::none()
        },
    );
    Value::from(mm)
}

/// Builds every section value, children before parents.
pub fn sections(
    lib: &Library,
    config: &Config,
    shared: &Shared,
    rendered: &[Option<Rendered>],
    pages: &[Value],
) -> Vec<Value> {
    let n = lib.sections.len();
    let mut done: Vec<Option<Value>> = vec![None; n];
    // Post-order: an explicit stack, so deep trees cannot overflow.
    for start in 0..n {
        let mut stack = vec![(start, false)];
        while let Some((i, expanded)) = stack.pop() {
            if done[i].is_some() {
                continue;
            }
            if expanded {
                let v = section(
                    lib,
                    config,
                    shared,
                    i,
                    rendered.get(i).and_then(Option::as_ref),
                    pages,
                    &done,
                );
                done[i] = Some(v);
            } else {
                stack.push((i, true));
                for &c in &lib.sections[i].subsections {
                    if done[c].is_none() {
                        stack.push((c, false));
                    }
                }
            }
        }
    }
    done.into_iter()
        .map(|v| v.unwrap_or_else(Value::none))
        .collect()
}

/// A term's value.
pub fn term(urls: &Urls, t: &crate::content::Term, pages: &[Value], feed: bool) -> Value {
    map([
        ("name", Value::from(t.name.as_str())),
        ("label", Value::from(t.label.as_str())),
        ("slug", Value::from(t.slug.as_str())),
        ("path", Value::from(t.path.as_str())),
        ("url", Value::from(urls.url(&t.path))),
        ("permalink", Value::from(urls.permalink(&t.path))),
        ("page_count", Value::from(t.pages.len() as u64)),
        (
            "pages",
            Value::from(
                t.pages
                    .iter()
                    .map(|&p| pages[p].clone())
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "feed_url",
            if feed {
                Value::from(urls.url(&format!("{}atom.xml", t.path)))
            } else {
                Value::none()
            },
        ),
    ])
}

/// A taxonomy's value, with all its terms.
pub fn taxonomy(urls: &Urls, t: &crate::content::Taxonomy, pages: &[Value]) -> Value {
    map([
        ("name", Value::from(t.name.as_str())),
        ("title", Value::from(t.title.as_str())),
        ("lang", Value::from(t.lang.as_str())),
        ("path", Value::from(t.path.as_str())),
        ("url", Value::from(urls.url(&t.path))),
        ("permalink", Value::from(urls.permalink(&t.path))),
        (
            "terms",
            Value::from(
                t.terms
                    .iter()
                    .map(|term| self::term(urls, term, pages, t.feed))
                    .collect::<Vec<_>>(),
            ),
        ),
    ])
}

/// A taxonomy's value without its terms' pages: what a term page gets as
/// `taxonomy` (the other terms, their URLs and counts).
pub fn taxonomy_light(urls: &Urls, t: &crate::content::Taxonomy) -> Value {
    let terms: Vec<Value> = t
        .terms
        .iter()
        .map(|term| {
            map([
                ("name", Value::from(term.name.as_str())),
                ("label", Value::from(term.label.as_str())),
                ("slug", Value::from(term.slug.as_str())),
                ("path", Value::from(term.path.as_str())),
                ("url", Value::from(urls.url(&term.path))),
                ("permalink", Value::from(urls.permalink(&term.path))),
                ("page_count", Value::from(term.pages.len() as u64)),
            ])
        })
        .collect();
    map([
        ("name", Value::from(t.name.as_str())),
        ("title", Value::from(t.title.as_str())),
        ("lang", Value::from(t.lang.as_str())),
        ("path", Value::from(t.path.as_str())),
        ("url", Value::from(urls.url(&t.path))),
        ("permalink", Value::from(urls.permalink(&t.path))),
        ("terms", Value::from(terms)),
    ])
}

/// The `config` value.
pub fn config(config: &Config, lib: &Library, urls: &Urls) -> Value {
    let mut languages = Map::new();
    for code in config.language_codes() {
        let lc = config.language(&code);
        let home = lib.home(&code).map(|h| urls.url(&lib.sections[h].path));
        languages.insert(
            Key::String(code.as_str().into()),
            map([
                ("code", Value::from(code.as_str())),
                (
                    "name",
                    Value::from(if lc.name.is_empty() {
                        code.as_str()
                    } else {
                        lc.name.as_str()
                    }),
                ),
                (
                    "direction",
                    Value::from(match lc.direction {
                        Direction::Ltr => "ltr",
                        Direction::Rtl => "rtl",
                    }),
                ),
                (
                    "title",
                    Value::from(lc.title.as_deref().unwrap_or(&config.title)),
                ),
                (
                    "description",
                    Value::from(lc.description.as_deref().unwrap_or(&config.description)),
                ),
                ("home_url", opt_str(home.as_deref())),
                (
                    "feed_url",
                    // As the feeds are written: the site's feed is on and
                    // the language has a home page and did not opt out.
                    if config.feed && lc.feed != Some(false) && home.is_some() {
                        Value::from(urls.url(&format!(
                            "{}atom.xml",
                            crate::content::lang_prefix(&code, config)
                        )))
                    } else {
                        Value::none()
                    },
                ),
            ]),
        );
    }
    let taxonomies: Vec<Value> = config
        .taxonomies
        .iter()
        .map(|t| {
            let titles: Map = config
                .language_codes()
                .iter()
                .map(|code| {
                    (
                        Key::String(code.as_str().into()),
                        Value::from(config.taxonomy_title(t, code)),
                    )
                })
                .collect();
            map([
                ("name", Value::from(t.name.as_str())),
                ("title", Value::from(t.display_title())),
                ("titles", Value::from(titles)),
                ("url", Value::from(urls.url(&format!("{}/", t.url_path())))),
                ("feed", Value::from(t.feed)),
            ])
        })
        .collect();
    let mut extra = serde_json::to_value(&config.extra).unwrap_or_default();
    crate::content::frontmatter::fix_toml_dates(&mut extra);
    map([
        ("title", Value::from(config.title.as_str())),
        ("description", Value::from(config.description.as_str())),
        ("base_url", Value::from(urls.base_url.as_str())),
        ("base_path", Value::from(urls.base_path.as_str())),
        (
            "default_language",
            Value::from(config.default_language.as_str()),
        ),
        ("languages", Value::from(languages)),
        ("taxonomies", Value::from(taxonomies)),
        ("feed", Value::from(config.feed)),
        (
            "feed_url",
            if config.feed {
                Value::from(urls.url("atom.xml"))
            } else {
                Value::none()
            },
        ),
        ("search", json(&config.search)),
        ("extra", Value::from_serializable(&extra)),
    ])
}
