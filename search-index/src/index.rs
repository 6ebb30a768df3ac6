//! The tantivy index of record: schema and writer.
//!
//! One index per language, in `<cache>/<lang>/index/`. Each page is a
//! document (fields `title`, `description`, `headings`, `body`, `code`, and
//! a facet per taxonomy value); each section of a
//! page that has an anchor is a document too (`s_heading`, `s_body`,
//! `s_code`), carrying its page's ordinal, so that the best section of a
//! page for a term can be found.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::{Index, TantivyDocument};

use crate::analysis::{Analyzer, Lang};
use crate::packed::Pages;
use crate::{Error, PageRecord};

/// Bump when the index layout or analysis changes, to force a rebuild.
const FORMAT: &str = "gca-search-index 5";
const STEMMED: &str = "gca_stemmed";

/// The fields of the schema.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub page: Field,
    pub section: Field,
    pub title: Field,
    pub description: Field,
    pub headings: Field,
    pub body: Field,
    pub code: Field,
    pub s_heading: Field,
    pub s_body: Field,
    pub s_code: Field,
    pub facet: Field,
    pub url: Field,
    pub meta: Field,
}

/// The page fields weighted by BM25F, in order.
pub(crate) const PAGE_FIELDS: usize = 5;

impl Fields {
    pub fn page_fields(&self) -> [Field; PAGE_FIELDS] {
        [
            self.title,
            self.description,
            self.headings,
            self.body,
            self.code,
        ]
    }

    fn schema() -> Schema {
        let mut b = Schema::builder();
        let text = |tokenizer: &str, record: IndexRecordOption, stored: bool| {
            let options = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(record),
            );
            if stored {
                options.set_stored()
            } else {
                options
            }
        };
        // No positions: quoted words are matched as exact words (see the
        // query module), and snippets need none.
        let positions = IndexRecordOption::WithFreqs;
        let freqs = IndexRecordOption::WithFreqs;
        b.add_u64_field("page", FAST | STORED | INDEXED);
        b.add_u64_field("section", FAST | STORED);
        // The texts are stored once, in `meta` (see `StoredPage::texts`).
        b.add_text_field("title", text(STEMMED, positions, false));
        b.add_text_field("description", text(STEMMED, positions, false));
        b.add_text_field("headings", text(STEMMED, positions, false));
        b.add_text_field("body", text(STEMMED, positions, false));
        b.add_text_field("code", text(STEMMED, positions, false));
        b.add_text_field("s_heading", text(STEMMED, freqs, false));
        b.add_text_field("s_body", text(STEMMED, freqs, false));
        b.add_text_field("s_code", text(STEMMED, freqs, false));
        b.add_facet_field("facet", FacetOptions::default());
        b.add_text_field("url", STRING | STORED);
        b.add_text_field("meta", STORED);
        b.build()
    }

    pub fn resolve(schema: &Schema, path: &Path) -> Result<Fields, Error> {
        let get = |name: &str| {
            schema.get_field(name).map_err(|_| Error::Corrupt {
                path: path.to_path_buf(),
                message: format!("the index has no field `{name}`"),
            })
        };
        Ok(Fields {
            page: get("page")?,
            section: get("section")?,
            title: get("title")?,
            description: get("description")?,
            headings: get("headings")?,
            body: get("body")?,
            code: get("code")?,
            s_heading: get("s_heading")?,
            s_body: get("s_body")?,
            s_code: get("s_code")?,
            facet: get("facet")?,
            url: get("url")?,
            meta: get("meta")?,
        })
    }
}

/// What a page stores besides its text: enough to show it as a result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredPage {
    pub url: String,
    pub title: String,
    pub description: String,
    pub date: Option<String>,
    pub taxonomies: std::collections::BTreeMap<String, Vec<String>>,
    /// `(anchor, heading)` of each section, in page order; the index of a
    /// section here is the one postings refer to (plus one).
    pub sections: Vec<(Option<String>, String)>,
    /// The first characters of the page's prose.
    pub lead: String,
    /// The page's texts in position order (see [`page_texts`]).
    pub texts: Vec<String>,
}

/// A page's texts in the order positions count them: title, description,
/// then each section's heading, text and code.
///
/// The `body` field indexes the sections' texts joined by [`body_of`].
pub(crate) fn page_texts(page: &PageRecord) -> Vec<String> {
    let mut texts = vec![page.title.clone(), page.description.clone()];
    for s in &page.sections {
        texts.push(s.heading.clone());
        texts.push(s.text.clone());
        texts.push(s.code.clone());
    }
    texts
}

/// The prose of a page, from its [`page_texts`]: the sections' texts that
/// are not empty, joined by line breaks (what the `body` field indexes).
pub(crate) fn body_of(texts: &[String]) -> String {
    let mut body = String::new();
    for text in texts.iter().skip(3).step_by(3) {
        if !text.is_empty() {
            if !body.is_empty() {
                body.push('\n');
            }
            body.push_str(text);
        }
    }
    body
}

/// An open index with its analyser registered.
pub(crate) struct Built {
    pub index: Index,
    pub fields: Fields,
    pub analyzer: Analyzer,
}

/// A language code made safe for a folder name: lowercase ASCII letters,
/// digits and `-`; `und` when nothing is left.
pub(crate) fn lang_key(code: &str) -> String {
    let key: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .take(16)
        .collect();
    let key = key.trim_matches('-').to_string();
    if key.is_empty() {
        "und".to_string()
    } else {
        key
    }
}

/// Registers the analysers on an index.
pub(crate) fn register(index: &Index, analyzer: &Analyzer) {
    index.tokenizers().register(STEMMED, analyzer.tantivy(true));
}

fn input_hash(lang: &str, pages: Pages) -> Result<String, Error> {
    let mut hasher = blake3::Hasher::new();
    hasher.update(FORMAT.as_bytes());
    hasher.update(lang.as_bytes());
    pages.for_each_json(&mut |json| {
        hasher.update(&(json.len() as u64).to_le_bytes());
        hasher.update(json);
    })?;
    Ok(hasher.finalize().to_hex().to_string())
}

/// Opens the index of `dir` if it was built from exactly these pages, else
/// builds it anew. `pages` are sorted: their order gives the page ordinals.
pub(crate) fn build_language(dir: &Path, lang: &str, pages: Pages) -> Result<Built, Error> {
    let analyzer = Analyzer::new(Lang::from_code(lang));
    let hash = input_hash(lang, pages)?;
    let hash_path = dir.join("input.hash");
    let index_dir = dir.join("index");
    if fs::read_to_string(&hash_path).ok().as_deref() == Some(hash.as_str())
        && let Ok(built) = open(dir, lang)
        && is_whole(&built)
    {
        return Ok(built);
    }
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    fs::create_dir_all(&index_dir).map_err(|e| Error::io(&index_dir, e))?;
    let schema = Fields::schema();
    let fields = Fields::resolve(&schema, &index_dir)?;
    let index =
        Index::create_in_dir(&index_dir, schema).map_err(|e| Error::tantivy(&index_dir, e))?;
    register(&index, &analyzer);
    let mut writer = index
        .writer_with_num_threads::<TantivyDocument>(2, 128 * 1024 * 1024)
        .map_err(|e| Error::tantivy(&index_dir, e))?;
    let mut ordinal = 0u64;
    pages.for_each_chunk(1024, &mut |chunk| {
        for page in chunk {
            // A page's documents go to one indexing thread together, whose
            // tokenizer then reads each section's texts once.
            let docs = documents(&fields, ordinal, page);
            writer
                .run(docs.into_iter().map(tantivy::indexer::UserOperation::Add))
                .map_err(|e| Error::tantivy(&index_dir, e))?;
            ordinal += 1;
        }
        Ok(())
    })?;
    writer.commit().map_err(|e| Error::tantivy(&index_dir, e))?;
    writer
        .wait_merging_threads()
        .map_err(|e| Error::tantivy(&index_dir, e))?;
    fs::write(dir.join("lang"), lang).map_err(|e| Error::io(dir, e))?;
    fs::write(&hash_path, &hash).map_err(|e| Error::io(&hash_path, e))?;
    Ok(Built {
        index,
        fields,
        analyzer,
    })
}

/// Clears what stands in the way of a language's index: the cache folder
/// when something else (a file, a link) is in its place, and whatever is
/// in the language's place. What cannot be removed is left for the next
/// attempt to report.
pub(crate) fn clear(cache_dir: &Path, dir: &Path) {
    let remove = |path: &Path| match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = fs::remove_file(path);
        }
        Err(_) => {}
    };
    if fs::symlink_metadata(cache_dir).is_ok_and(|m| !m.is_dir()) {
        remove(cache_dir);
    }
    remove(dir);
}

/// Whether every file of an index is there and whole: its segments open
/// and each file's checksum holds. A damaged cache is built again rather
/// than exported from, or left for `gca search` to fail on.
fn is_whole(built: &Built) -> bool {
    built
        .index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()
        .is_ok()
        && built
            .index
            .validate_checksum()
            .is_ok_and(|damaged| damaged.is_empty())
}

/// Opens the index of a language folder written by [`build_language`].
pub(crate) fn open(dir: &Path, lang: &str) -> Result<Built, Error> {
    let index_dir = dir.join("index");
    if !index_dir.join("meta.json").is_file() {
        return Err(Error::NoIndex {
            path: dir.to_path_buf(),
        });
    }
    let index = Index::open_in_dir(&index_dir).map_err(|e| Error::tantivy(&index_dir, e))?;
    let fields = Fields::resolve(&index.schema(), &index_dir)?;
    let analyzer = Analyzer::new(Lang::from_code(lang));
    register(&index, &analyzer);
    Ok(Built {
        index,
        fields,
        analyzer,
    })
}

/// What the CLI needs to rank as the export does: the first word of each
/// term shard (typos are looked for in the typed word's shard, and through
/// the key index in a few others, which the shard boundaries decide: the
/// CLI derives the keys from the vocabulary and applies the same rules,
/// `crate::keys`) and the number of top pages per term.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Tables {
    pub starts: Vec<String>,
    pub top_pages: usize,
}

/// Saves the [`Tables`] and the vocabulary (every surface word, sorted).
pub(crate) fn write_tables(dir: &Path, tables: &Tables, words: &[String]) -> Result<(), Error> {
    let path = dir.join("words.json");
    let json = serde_json::to_vec(words).unwrap_or_default();
    fs::write(&path, json).map_err(|e| Error::io(&path, e))?;
    // Written last: its presence marks a complete cache.
    let path = dir.join("shards.json");
    let json = serde_json::to_vec(tables).unwrap_or_default();
    fs::write(&path, json).map_err(|e| Error::io(&path, e))
}

/// Reads the vocabulary saved by [`write_tables`].
pub(crate) fn read_words(dir: &Path) -> Result<Vec<String>, Error> {
    read_json(dir, "words.json")
}

/// Reads the tables saved by [`write_tables`].
pub(crate) fn read_tables(dir: &Path) -> Result<Tables, Error> {
    read_json(dir, "shards.json")
}

fn read_json<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<T, Error> {
    let path = dir.join(name);
    let bytes = fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NoIndex {
            path: dir.to_path_buf(),
        },
        _ => Error::io(&path, e),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
        path,
        message: e.to_string(),
    })
}

pub(crate) fn lead(page: &PageRecord, chars: usize) -> String {
    let mut out = String::new();
    for section in &page.sections {
        for word in section.text.split_whitespace() {
            if out.chars().count() + word.chars().count() + 1 > chars {
                if !out.is_empty() {
                    out.push('…');
                }
                return out;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// `(anchor, heading)` of each section of a page, in page order.
pub(crate) fn section_headings(page: &PageRecord) -> Vec<(Option<String>, String)> {
    page.sections
        .iter()
        .map(|s| (s.anchor.clone(), s.heading.clone()))
        .collect()
}

/// Characters of prose kept with each page for its excerpt.
pub(crate) const LEAD_CHARS: usize = 200;

fn documents(fields: &Fields, ordinal: u64, page: &PageRecord) -> Vec<TantivyDocument> {
    let mut docs = Vec::new();
    let mut doc = TantivyDocument::default();
    doc.add_u64(fields.page, ordinal);
    doc.add_u64(fields.section, 0);
    doc.add_text(fields.title, &page.title);
    doc.add_text(fields.description, &page.description);
    doc.add_text(fields.url, &page.url);
    let texts = page_texts(page);
    for section in &page.sections {
        if !section.heading.is_empty() {
            doc.add_text(fields.headings, &section.heading);
        }
        if !section.code.is_empty() {
            doc.add_text(fields.code, &section.code);
        }
    }
    // The body is the sections' texts joined (`body_of`); given as one
    // value per text, it indexes the same terms with the same counts (no
    // word spans two texts, and positions are not indexed), and the
    // tokenizer knows each text again in its section's document.
    for section in &page.sections {
        if !section.text.is_empty() {
            doc.add_text(fields.body, &section.text);
        }
    }
    for (taxonomy, values) in &page.taxonomies {
        for value in values {
            doc.add_facet(
                fields.facet,
                Facet::from_path([taxonomy.as_str(), value.as_str()]),
            );
        }
    }
    let stored = StoredPage {
        url: page.url.clone(),
        title: page.title.clone(),
        description: page.description.clone(),
        date: page.date.clone(),
        taxonomies: page.taxonomies.clone(),
        sections: section_headings(page),
        lead: lead(page, LEAD_CHARS),
        texts,
    };
    doc.add_text(
        fields.meta,
        serde_json::to_string(&stored).unwrap_or_default(),
    );
    docs.push(doc);
    for (i, section) in page.sections.iter().enumerate() {
        if section.anchor.is_none() {
            continue;
        }
        let mut doc = TantivyDocument::default();
        doc.add_u64(fields.page, ordinal);
        doc.add_u64(fields.section, i as u64 + 1);
        doc.add_text(fields.s_heading, &section.heading);
        doc.add_text(fields.s_body, &section.text);
        doc.add_text(fields.s_code, &section.code);
        docs.push(doc);
    }
    docs
}
