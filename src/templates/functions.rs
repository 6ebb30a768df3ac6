//! Template functions: `get_url`, `get_page`, `get_section`,
//! `get_taxonomy`, `get_taxonomy_term` and `load_data`.
//!
//! They read a [`SiteData`] snapshot that the build replaces once the
//! pages' content is rendered (shortcodes, rendered earlier, see the pages
//! without their content).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use tera::{Kwargs, State, TeraResult, Value};

use crate::content::ItemRef;

/// Most values one call of `range` may give (as Tera's own `range`).
pub const MAX_RANGE_CALL: i128 = 100_000;

/// Most values all calls of `range` may give while one output is rendered:
/// nested loops of 1,000 by 1,000 are fine, 100,000 by 100,000 would never
/// end in practice.
pub const MAX_RANGE_PER_RENDER: i128 = 1_000_000;

thread_local! {
    /// Values given by `range` since the current render started.
    static RANGE_USED: std::cell::Cell<i128> = const { std::cell::Cell::new(0) };
}

/// Starts a new `range` budget; called before each render.
pub fn reset_range_budget() {
    RANGE_USED.with(|c| c.set(0));
}

/// Largest data file `load_data` reads.
const MAX_DATA_BYTES: u64 = 16 * 1024 * 1024;

/// What the functions know of the site.
#[derive(Default)]
pub struct SiteData {
    /// Site root folder (canonical), the boundary of `load_data`.
    pub root: PathBuf,
    /// Path of the base URL, `/` or `/gca/`.
    pub base_path: String,
    /// Base URL ending with `/`.
    pub base_url: String,
    /// Default language.
    pub default_language: String,
    /// Content file path (`work-areas/x.md`) to item.
    pub files: Arc<HashMap<String, ItemRef>>,
    /// Translation key to item per language.
    pub translations: Arc<HashMap<String, std::collections::BTreeMap<String, ItemRef>>>,
    /// Root-relative URL of each page.
    pub page_urls: Arc<Vec<String>>,
    /// Root-relative URL of each section.
    pub section_urls: Arc<Vec<String>>,
    /// Template value of each page (empty while the Markdown is rendered,
    /// unless a shortcode needs them).
    pub pages: Vec<Value>,
    /// Template value of each section.
    pub sections: Vec<Value>,
    /// Template value of each taxonomy, by (name, language).
    pub taxonomies: HashMap<(String, String), Value>,
    /// Static file path to its published (content-hashed) path.
    pub static_paths: Arc<HashMap<String, String>>,
    /// Files read by `load_data`, parsed.
    pub data_cache: Arc<Mutex<HashMap<PathBuf, Value>>>,
}

/// What a template read through a function, for incremental rebuilds: when
/// that item changes, the output must be rendered again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Read {
    /// `get_page`.
    Page(usize),
    /// `get_section`.
    Section(usize),
    /// `get_taxonomy`: (taxonomy, language).
    Taxonomy(String, String),
    /// `get_taxonomy_term`: (taxonomy, language, term slug).
    Term(String, String, String),
    /// The template a job rendered (recorded by the job, not a function).
    Template(String),
}

thread_local! {
    static READS: std::cell::RefCell<Option<Vec<Read>>> = const { std::cell::RefCell::new(None) };
}

fn note(read: Read) {
    READS.with(|r| {
        if let Some(list) = r.borrow_mut().as_mut() {
            list.push(read);
        }
    });
}

/// Runs `f` (a template render on this thread) and returns what it read
/// through the functions.
pub fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<Read>) {
    READS.with(|r| *r.borrow_mut() = Some(Vec::new()));
    let out = f();
    let mut reads = READS.with(|r| r.borrow_mut().take()).unwrap_or_default();
    reads.sort();
    reads.dedup();
    (out, reads)
}

/// The snapshot the functions read, replaceable while they are registered.
pub type SharedSiteData = Arc<RwLock<Arc<SiteData>>>;

fn snapshot(data: &SharedSiteData) -> Arc<SiteData> {
    match data.read() {
        Ok(g) => Arc::clone(&g),
        Err(poisoned) => Arc::clone(&poisoned.into_inner()),
    }
}

fn err(msg: impl Into<String>) -> tera::Error {
    tera::Error::message(msg.into())
}

fn not_yet() -> tera::Error {
    err("pages are not available here yet")
}

/// Registers the functions, all reading `data`.
pub fn register(tera: &mut tera::Tera, data: SharedSiteData) {
    let d = data.clone();
    tera.register_function("get_url", move |kw: Kwargs, _: &State| {
        get_url(&snapshot(&d), &kw)
    });
    let d = data.clone();
    tera.register_function("get_page", move |kw: Kwargs, _: &State| {
        let s = snapshot(&d);
        let Some(item) = resolve_optional(&s, &kw)? else {
            return Ok(Value::none());
        };
        match item {
            ItemRef::Page(i) => {
                note(Read::Page(i));
                s.pages.get(i).cloned().ok_or_else(not_yet)
            }
            ItemRef::Section(_) => Err(err("get_page: that path is a section; use get_section")),
        }
    });
    let d = data.clone();
    tera.register_function("get_section", move |kw: Kwargs, _: &State| {
        let s = snapshot(&d);
        let Some(item) = resolve_optional(&s, &kw)? else {
            return Ok(Value::none());
        };
        match item {
            ItemRef::Section(i) => {
                note(Read::Section(i));
                s.sections.get(i).cloned().ok_or_else(not_yet)
            }
            ItemRef::Page(_) => Err(err("get_section: that path is a page; use get_page")),
        }
    });
    let d = data.clone();
    tera.register_function("get_taxonomy", move |kw: Kwargs, _: &State| {
        let s = snapshot(&d);
        let kind = kw.must_get::<&str>("kind")?;
        let lang = kw
            .get::<&str>("lang")?
            .unwrap_or(&s.default_language)
            .to_string();
        note(Read::Taxonomy(kind.to_string(), lang.clone()));
        s.taxonomies
            .get(&(kind.to_string(), lang.clone()))
            .cloned()
            .ok_or_else(|| {
                err(format!(
                    "get_taxonomy: no taxonomy `{kind}` in language `{lang}`"
                ))
            })
    });
    let d = data.clone();
    tera.register_function("get_taxonomy_term", move |kw: Kwargs, _: &State| {
        let s = snapshot(&d);
        let kind = kw.must_get::<&str>("kind")?;
        let term = kw.must_get::<&str>("term")?;
        let lang = kw
            .get::<&str>("lang")?
            .unwrap_or(&s.default_language)
            .to_string();
        note(Read::Term(
            kind.to_string(),
            lang.clone(),
            crate::slug::slugify(term),
        ));
        let tax = s
            .taxonomies
            .get(&(kind.to_string(), lang.clone()))
            .ok_or_else(|| {
                err(format!(
                    "get_taxonomy_term: no taxonomy `{kind}` in language `{lang}`"
                ))
            })?;
        let slug = crate::slug::slugify(term);
        let found = tax
            .as_map()
            .and_then(|m| m.get(&tera::value::Key::Str("terms")))
            .and_then(Value::as_array)
            .and_then(|terms| {
                terms.iter().find(|t| {
                    t.as_map()
                        .and_then(|m| m.get(&tera::value::Key::Str("slug")))
                        .and_then(Value::as_str)
                        == Some(slug.as_str())
                })
            })
            .cloned();
        // A term no page uses yet is not an error: templates list it empty.
        Ok(found.unwrap_or_else(Value::none))
    });
    tera.register_function("range", range);
    let d = data;
    tera.register_function("load_data", move |kw: Kwargs, _: &State| {
        load_data(&snapshot(&d), &kw)
    });
}

/// `range(end=n)`, `range(start=a, end=n, step_by=k)`: like Tera's own,
/// with a budget per render so that nested loops stay bounded.
fn range(kw: Kwargs, _: &State) -> TeraResult<Vec<i128>> {
    let start = kw.get::<i128>("start")?.unwrap_or(0);
    let end = kw.must_get::<i128>("end")?;
    let step = kw.get::<i128>("step_by")?.unwrap_or(1);
    if step == 0 {
        return Err(err("range: `step_by` cannot be 0"));
    }
    if step > 0 && start > end {
        return Err(err("range: `start` is greater than `end`"));
    }
    let overflow = || err("range: the arguments are too large");
    let span = if step > 0 {
        end.checked_sub(start).ok_or_else(overflow)?
    } else {
        start.checked_sub(end).ok_or_else(overflow)?.max(0)
    };
    let stride = step.checked_abs().ok_or_else(overflow)?;
    let len = span.checked_add(stride - 1).ok_or_else(overflow)? / stride;
    if len > MAX_RANGE_CALL {
        return Err(err(format!(
            "range: {len} values asked for; the limit is {MAX_RANGE_CALL}"
        )));
    }
    let used = RANGE_USED.with(|c| {
        let used = c.get().saturating_add(len);
        c.set(used);
        used
    });
    if used > MAX_RANGE_PER_RENDER {
        return Err(err(format!(
            "range: this output has looped over more than {MAX_RANGE_PER_RENDER} range values; \
             nested loops over large ranges would not end in practice"
        )));
    }
    Ok((0..len).map(|i| start + i * step).collect())
}

/// [`resolve`], except that with `required=false` a missing file gives
/// `None` (the template shows nothing) instead of an error: themes use it
/// for sections a site may not have.
fn resolve_optional(s: &SiteData, kw: &Kwargs) -> TeraResult<Option<ItemRef>> {
    let required = kw.get::<bool>("required")?.unwrap_or(true);
    kw.must_get::<&str>("path")?;
    match resolve(s, kw) {
        Ok(item) => Ok(Some(item)),
        Err(_) if !required => Ok(None),
        Err(e) => Err(e),
    }
}

/// Looks up `path` (a content file, with or without `@/`), preferring the
/// translation in `lang` when given.
fn resolve(s: &SiteData, kw: &Kwargs) -> TeraResult<ItemRef> {
    let path = kw.must_get::<&str>("path")?;
    let lang = kw.get::<&str>("lang")?;
    let key = path.trim_start_matches("@/").trim_start_matches('/');
    if let Some(lang) = lang
        && let Some(item) = s.translations.get(key).and_then(|t| t.get(lang))
    {
        return Ok(*item);
    }
    s.files.get(key).copied().ok_or_else(|| {
        err(format!(
            "no content file `{key}` (paths are relative to content/, e.g. `work-areas/_index.md`)"
        ))
    })
}

fn item_url(s: &SiteData, item: ItemRef) -> String {
    let url = match item {
        ItemRef::Page(i) => s.page_urls.get(i),
        ItemRef::Section(i) => s.section_urls.get(i),
    };
    url.cloned().unwrap_or_else(|| s.base_path.clone())
}

fn get_url(s: &SiteData, kw: &Kwargs) -> TeraResult<String> {
    let path = kw.must_get::<&str>("path")?;
    let absolute = kw.get::<bool>("absolute")?.unwrap_or(false);
    let url = if path.starts_with("@/") {
        let (target, anchor) = match path.split_once('#') {
            Some((t, a)) => (t, Some(a)),
            None => (path, None),
        };
        let item = resolve_str(s, target, kw.get::<&str>("lang")?)?;
        let mut url = item_url(s, item);
        if let Some(a) = anchor {
            url.push('#');
            url.push_str(a);
        }
        url
    } else if path.contains("://") || path.starts_with("//") {
        return Err(err(format!(
            "get_url: `{path}` is not a path inside the site"
        )));
    } else {
        let key = path.trim_start_matches('/');
        match s.static_paths.get(key) {
            Some(hashed) => format!("{}{hashed}", s.base_path),
            None => format!("{}{key}", s.base_path),
        }
    };
    if absolute {
        Ok(format!(
            "{}{}",
            s.base_url.trim_end_matches('/'),
            url.strip_prefix(s.base_path.trim_end_matches('/'))
                .unwrap_or(&url)
        ))
    } else {
        Ok(url)
    }
}

fn resolve_str(s: &SiteData, path: &str, lang: Option<&str>) -> TeraResult<ItemRef> {
    let key = path.trim_start_matches("@/");
    if let Some(lang) = lang
        && let Some(item) = s.translations.get(key).and_then(|t| t.get(lang))
    {
        return Ok(*item);
    }
    s.files
        .get(key)
        .copied()
        .ok_or_else(|| err(format!("get_url: no content file `{key}`")))
}

/// Reads a TOML, JSON or CSV file under the site root.
fn load_data(s: &SiteData, kw: &Kwargs) -> TeraResult<Value> {
    let path = kw.must_get::<&str>("path")?;
    let rel = Path::new(path);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(err(format!(
            "load_data: `{path}` is outside the site; give a path relative to the site root, such as `data/timeline.toml`"
        )));
    }
    let full = s.root.join(rel);
    let required = kw.get::<bool>("required")?.unwrap_or(true);
    if !required && std::fs::symlink_metadata(&full).is_err() {
        // A file a theme can do without, absent from this site.
        return Ok(Value::none());
    }
    let canonical = full
        .canonicalize()
        .map_err(|e| err(format!("load_data: cannot read `{path}`: {e}")))?;
    if !canonical.starts_with(&s.root) {
        return Err(err(format!(
            "load_data: `{path}` leads outside the site (through a link)"
        )));
    }
    if let Ok(cache) = s.data_cache.lock()
        && let Some(v) = cache.get(&canonical)
    {
        return Ok(v.clone());
    }
    let meta =
        std::fs::metadata(&canonical).map_err(|e| err(format!("load_data: `{path}`: {e}")))?;
    if !meta.is_file() {
        // A folder cannot be read, and a named pipe or device never ends.
        return Err(err(format!(
            "load_data: `{path}` is not a regular file; give a .toml, .json or .csv file"
        )));
    }
    if meta.len() > MAX_DATA_BYTES {
        return Err(err(format!("load_data: `{path}` is larger than 16 MiB")));
    }
    let bytes = std::fs::read(&canonical).map_err(|e| err(format!("load_data: `{path}`: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| err(format!("load_data: `{path}` is not UTF-8 text")))?;
    let format = kw
        .get::<&str>("format")?
        .map(str::to_string)
        .or_else(|| {
            canonical
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
        })
        .unwrap_or_default();
    let json = parse_data(&text, &format).map_err(|e| err(format!("load_data: `{path}`: {e}")))?;
    let value = Value::from_serializable(&json);
    if let Ok(mut cache) = s.data_cache.lock() {
        cache.insert(canonical, value.clone());
    }
    Ok(value)
}

/// Parses data text into JSON. CSV becomes `{headers: [...], records: [[...]]}`.
pub fn parse_data(text: &str, format: &str) -> Result<serde_json::Value, String> {
    match format {
        "toml" => {
            let v: toml::Value = toml::from_str(text).map_err(|e| {
                let (l, c) = e
                    .span()
                    .map(|s| crate::error::line_col(text, s.start))
                    .unwrap_or((1, 1));
                format!("line {l}, column {c}: {}", crate::config::toml_message(&e))
            })?;
            let mut json = serde_json::to_value(v).map_err(|e| e.to_string())?;
            crate::content::frontmatter::fix_toml_dates(&mut json);
            Ok(json)
        }
        "json" => serde_json::from_str(text)
            .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column())),
        "csv" => {
            let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
            let headers: Vec<String> = reader
                .headers()
                .map_err(|e| e.to_string())?
                .iter()
                .map(str::to_string)
                .collect();
            let mut records = Vec::new();
            for r in reader.records() {
                let r = r.map_err(|e| e.to_string())?;
                records.push(serde_json::Value::from(
                    r.iter().map(str::to_string).collect::<Vec<_>>(),
                ));
            }
            Ok(serde_json::json!({ "headers": headers, "records": records }))
        }
        other => Err(format!(
            "unknown data format `{other}`; use .toml, .json or .csv"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(root: &Path, path: &str) -> Result<String, String> {
        let data = SiteData {
            root: root.canonicalize().unwrap(),
            ..SiteData::default()
        };
        let mut tera = tera::Tera::new();
        register(&mut tera, Arc::new(RwLock::new(Arc::new(data))));
        tera.render_str(
            &format!("{{{{ load_data(path=\"{path}\") }}}}"),
            &tera::Context::new(),
            false,
        )
        .map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn load_data_refuses_what_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/a.json"), "{\"x\": 1}").unwrap();
        let root = dir.path();
        assert!(call(root, "data/a.json").is_ok());
        let e = call(root, "data").unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
        #[cfg(unix)]
        {
            let fifo = dir.path().join("data/pipe.json");
            let status = std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .expect("mkfifo runs");
            assert!(status.success());
            let e = call(root, "data/pipe.json").unwrap_err();
            assert!(e.contains("not a regular file"), "{e}");
        }
    }
}
