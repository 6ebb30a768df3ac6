//! The gca search index.
//!
//! The site pipeline hands this crate one [`PageRecord`] per page (already
//! rendered to plain text and split at its headings). [`build`] writes a
//! tantivy index of record per language into the build cache and exports a
//! static, sharded index for the browser (see `README.md` beside this crate
//! for the file formats). `gca search` reads the tantivy index through
//! [`Searcher`].
//!
//! The query language and ranking are defined once, in [`query`], and
//! implemented a second time, identically, by the browser reader
//! (`search-index/js/search-core.js`); a test runs both on the same
//! index and compares them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod analysis;
mod encode;
mod export;
mod index;
pub mod keys;
mod model;
mod packed;
mod phrase;
pub mod query;
mod reader;
pub mod shards;
mod view;

pub use packed::{PackedRecord, PackedRecords, Spill};
pub use query::{Filters, Query, SearchOptions};
pub use reader::{Hit, HitAnchor, SearchOutcome, Searcher, Snippet, search_languages};

/// One page of the site, as the search index sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRecord {
    /// The page's path relative to the site root, without a leading slash and
    /// without the base URL's path: `work-areas/legal-measures/`. The home
    /// page is the empty string.
    pub url: String,
    /// Page title, plain text.
    pub title: String,
    /// Page description, plain text (may be empty).
    pub description: String,
    /// Language code of the page (`en`, `fr`, `ar`, ...).
    pub lang: String,
    /// Publication date as `YYYY-MM-DD`, when the page has one.
    pub date: Option<String>,
    /// Taxonomy name to the display names of the page's terms, in the order
    /// the page lists them.
    pub taxonomies: BTreeMap<String, Vec<String>>,
    /// The page's text split at headings. The first entry holds the text
    /// before the first heading (its `anchor` is `None`, its `heading` empty).
    pub sections: Vec<SectionRecord>,
}

/// The text of a page from one heading to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionRecord {
    /// The heading's `id` in the built HTML; `None` before the first heading.
    pub anchor: Option<String>,
    /// The heading text, plain.
    pub heading: String,
    /// Heading level (1 to 6); 0 before the first heading.
    pub level: u8,
    /// Prose text of the section (paragraphs, lists, tables), plain.
    pub text: String,
    /// Text of the code blocks in the section, indexed with a low weight.
    pub code: String,
}

/// A file of the static export, relative to the output's `search/` folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// Path under `search/`, with `/` separators, e.g. `en/meta.js`.
    pub path: String,
    /// The file's bytes (shared: an export kept in memory hands out the
    /// same bytes again while a file does not change).
    pub bytes: std::sync::Arc<[u8]>,
}

/// The `[search]` table of the site's `config.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// Build the index at all (default `true`).
    pub enabled: bool,
    /// Target size in bytes of a term shard before compression (its
    /// words, postings, top pages and display records); a shard closes at
    /// the first word past it. Key shards (typos) aim at half of it.
    pub shard_bytes: usize,
    /// Pages per chunk of the document table (titles, URLs, excerpts),
    /// when the table does not fit in `meta.js`.
    pub doc_chunk_pages: usize,
    /// A term's top pages: this many of its best pages. A result's anchors
    /// point to the best section of a top page.
    pub top_pages: usize,
    /// A term's best pages' display records ride in its shard, as many as
    /// cost at most this percentage of the term's postings' bytes...
    pub records_percent: usize,
    /// ... and at most this many (or `top_pages`, if more): enough that
    /// the ten best pages for two common words are mostly among the best
    /// pages of one of them, so that their records come with the shards.
    pub record_pages: usize,
    /// A document table of at most this many bytes goes into `meta.js`
    /// whole (and no shard carries records).
    pub table_bytes: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            enabled: true,
            shard_bytes: 16 * 1024,
            doc_chunk_pages: 4,
            top_pages: 10,
            records_percent: 100,
            record_pages: 32,
            table_bytes: 40_000,
        }
    }
}

/// What went wrong while building or reading the index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder of the cache could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// tantivy failed on the index in `path`.
    #[error("search index {path}: {source}")]
    Tantivy {
        /// The index folder.
        path: PathBuf,
        /// The cause.
        source: tantivy::TantivyError,
    },
    /// The cache holds no index for the language asked for.
    #[error("no search index in {path}: run `gca build` first")]
    NoIndex {
        /// The folder searched.
        path: PathBuf,
    },
    /// A packed page record did not unpack (a fault of this crate).
    #[error("search record of {url} did not unpack: {message}")]
    Unpack {
        /// The page's URL path.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A file of the cache is not what this version wrote.
    #[error("{path}: {message}; run `gca build` again")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn tantivy(path: &Path, source: tantivy::TantivyError) -> Error {
        Error::Tantivy {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Builds (or reuses, when its input is unchanged) the tantivy index of each
/// language present in `pages` under `cache_dir`, and returns the static
/// export for `public/search/`, sorted by path. The output depends only on
/// `pages` (in any order) and `config`.
pub fn build(
    cache_dir: &Path,
    pages: &[PageRecord],
    config: &SearchConfig,
) -> Result<Vec<ExportFile>, Error> {
    let top = config.top_pages.max(1);
    build_each(cache_dir, pages.iter(), config, |lang, refs| {
        let pages = packed::Pages::Records(&refs);
        let index = index_language(cache_dir, lang, pages)?;
        made(refs.len(), index, || {
            model::Model::for_build(lang, pages, top)
        })
    })
}

/// [`build`], from packed records. The export's model, made after the
/// tantivy index, drops the records a chunk at a time as it reads them,
/// so that they are gone when the model is largest and before the export.
/// The output is [`build`]'s for the same records, byte for byte, and so
/// is the cache.
pub fn build_packed(
    cache_dir: &Path,
    pages: PackedRecords,
    config: &SearchConfig,
) -> Result<Vec<ExportFile>, Error> {
    let top = config.top_pages.max(1);
    build_each(cache_dir, pages.items, config, |lang, items| {
        let index = {
            let refs: Vec<&packed::PackedRecord> = items.iter().collect();
            index_language(cache_dir, lang, packed::Pages::Packed(&refs))?
        };
        made(items.len(), index, || {
            model::Model::for_build_draining(lang, items, top)
        })
    })
}

/// What grouping pages by language and sorting them needs of a page.
trait Keyed {
    fn lang(&self) -> &str;
    /// The index order: by URL, then title and description.
    fn key(&self) -> (&str, &str, &str);
}

impl Keyed for &PageRecord {
    fn lang(&self) -> &str {
        &self.lang
    }
    fn key(&self) -> (&str, &str, &str) {
        (&self.url, &self.title, &self.description)
    }
}

impl Keyed for packed::PackedRecord {
    fn lang(&self) -> &str {
        &self.lang
    }
    fn key(&self) -> (&str, &str, &str) {
        (&self.url, &self.title, &self.description)
    }
}

/// Groups `pages` by language, sorts each language's, has `made` make its
/// index and model, drops its pages, then exports it.
fn build_each<T: Keyed>(
    cache_dir: &Path,
    pages: impl IntoIterator<Item = T>,
    config: &SearchConfig,
    mut made: impl FnMut(&str, Vec<T>) -> Result<Made, Error>,
) -> Result<Vec<ExportFile>, Error> {
    if !config.enabled {
        return Ok(Vec::new());
    }
    let mut by_lang: BTreeMap<String, Vec<T>> = BTreeMap::new();
    for page in pages {
        by_lang
            .entry(index::lang_key(page.lang()))
            .or_default()
            .push(page);
    }
    let langs: Vec<String> = by_lang.keys().cloned().collect();
    let mut files = Vec::new();
    for (lang, mut items) in by_lang {
        items.sort_by(|a, b| a.key().cmp(&b.key()));
        let model = made(&lang, items)?;
        export_language(cache_dir, &lang, &langs, model, config, &mut files)?;
    }
    files.push(export::languages_file(&langs));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// A language's tantivy index and the export's model of it, with what
/// `GCA_SEARCH_TIMINGS` prints of their making.
struct Made {
    model: model::Model,
    timings: String,
}

/// The tantivy index of record of one language's pages (sorted), with
/// the time it took and the memory after. The export's model (the same
/// analysis, see `model`) is made after, not beside it: on two cores the
/// two at once took longer than one after the other. A cache that cannot
/// be written over (a file where a folder belongs) is cleared and the
/// index built once more.
fn index_language(
    cache_dir: &Path,
    lang: &str,
    pages: packed::Pages,
) -> Result<(std::time::Duration, String), Error> {
    let dir = cache_dir.join(lang);
    let t0 = std::time::Instant::now();
    index::build_language(&dir, lang, pages).or_else(|_| {
        index::clear(cache_dir, &dir);
        index::build_language(&dir, lang, pages)
    })?;
    Ok((t0.elapsed(), memory_lap()))
}

/// The export's model, made by `model`, with the index's timings.
fn made(
    count: usize,
    (t_index, m_index): (std::time::Duration, String),
    model: impl FnOnce() -> Result<model::Model, Error>,
) -> Result<Made, Error> {
    let t0 = std::time::Instant::now();
    let model = model()?;
    Ok(Made {
        model,
        timings: format!(
            "{count} pages: index {t_index:?}{m_index}, model {:?}{}",
            t0.elapsed(),
            memory_lap()
        ),
    })
}

/// Exports one language's model into `files`, and writes the tables that
/// `gca search` reads beside its index.
fn export_language(
    cache_dir: &Path,
    lang: &str,
    langs: &[String],
    made: Made,
    config: &SearchConfig,
    files: &mut Vec<ExportFile>,
) -> Result<(), Error> {
    let Made { mut model, timings } = made;
    let t1 = std::time::Instant::now();
    let exported = export::export(&mut model, lang, langs, config)?;
    if std::env::var_os("GCA_SEARCH_TIMINGS").is_some() {
        eprintln!(
            "search {lang}: {timings}, export {:?}{}",
            t1.elapsed(),
            memory_lap()
        );
    }
    let tables = index::Tables {
        starts: exported.shard_starts,
        top_pages: model.top_pages,
    };
    index::write_tables(&cache_dir.join(lang), &tables, &exported.words)?;
    files.extend(exported.files);
    Ok(())
}

/// With `GCA_SEARCH_TIMINGS` (Linux): ` (N MiB now, M MiB peak)`, the
/// resident memory and its peak (since the process began, or since the
/// caller last reset it: `GCA_TIMINGS` in gca does so at each stage).
pub(crate) fn memory_lap() -> String {
    if std::env::var_os("GCA_SEARCH_TIMINGS").is_none() {
        return String::new();
    }
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    format!(
        " ({} MiB now, {} MiB peak)",
        field("VmRSS:"),
        field("VmHWM:")
    )
}

/// The search index of `gca serve`: every language's index kept in memory,
/// built from the pages without tantivy and updated page by page. Its export
/// is byte for byte the one [`build`] derives from tantivy for the same
/// pages; after [`LiveIndex::replace`], only the shards and chunks whose
/// input changed are encoded again.
pub struct LiveIndex {
    config: SearchConfig,
    langs: Vec<String>,
    models: BTreeMap<String, model::Model>,
}

impl LiveIndex {
    /// The index of `pages` (in any order).
    pub fn new(pages: &[PageRecord], config: &SearchConfig) -> LiveIndex {
        let mut by_lang: BTreeMap<String, Vec<&PageRecord>> = BTreeMap::new();
        if config.enabled {
            for page in pages {
                by_lang
                    .entry(index::lang_key(&page.lang))
                    .or_default()
                    .push(page);
            }
        }
        let langs: Vec<String> = by_lang.keys().cloned().collect();
        let models = by_lang
            .into_iter()
            .map(|(lang, mut pages)| {
                pages.sort_by(|a, b| {
                    (&a.url, &a.title, &a.description).cmp(&(&b.url, &b.title, &b.description))
                });
                let model = model::Model::from_records(&lang, &pages, config.top_pages);
                (lang, model)
            })
            .collect();
        LiveIndex {
            config: config.clone(),
            langs,
            models,
        }
    }

    /// Replaces pages by new versions of themselves (same language and URL).
    /// `false`, with nothing changed, when a page is new to the index: pages
    /// that come or go need a new `LiveIndex`.
    pub fn replace(&mut self, pages: &[PageRecord]) -> bool {
        let mut by_lang: BTreeMap<String, Vec<&PageRecord>> = BTreeMap::new();
        for page in pages {
            by_lang
                .entry(index::lang_key(&page.lang))
                .or_default()
                .push(page);
        }
        if by_lang.keys().any(|l| !self.models.contains_key(l)) {
            return false;
        }
        // Check every language first, so that a refusal changes nothing.
        for (lang, list) in &by_lang {
            if !self.models[lang].knows(list) {
                return false;
            }
        }
        for (lang, list) in by_lang {
            if let Some(model) = self.models.get_mut(&lang) {
                model.replace(&list);
            }
        }
        true
    }

    /// The static export, as [`build`] returns it.
    pub fn export(&mut self) -> Result<Vec<ExportFile>, Error> {
        if !self.config.enabled {
            return Ok(Vec::new());
        }
        let mut files = Vec::new();
        for (lang, model) in &mut self.models {
            let exported = export::export(model, lang, &self.langs, &self.config)?;
            files.extend(exported.files);
        }
        files.push(export::languages_file(&self.langs));
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }
}
