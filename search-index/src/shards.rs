//! A reader of the static export (`public/search/`), in Rust: the files the
//! browser reads, decoded into plain structures. It checks what it reads
//! (every number, index and list length) and returns a [`DecodeError`]
//! for anything it does not understand, never a panic, so that tools can
//! inspect an export they did not write, and the `search_shards` fuzz
//! target can feed it anything. The format is described in the crate's
//! `README.md`; [`crate::build`] writes it.
//!
//! ```no_run
//! use search_index::shards::{Meta, Shard};
//! let meta = Meta::parse(&std::fs::read("public/search/en/meta.js")?)?;
//! let n = meta.shard_of("incident");
//! let shard = Shard::parse(&std::fs::read(format!("public/search/{}", meta.shard_path(n)))?)?;
//! if let Some(Some(term)) = shard.lookup("incident") {
//!     println!("on {} pages", shard.postings[term].len());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde_json::Value;

use crate::export::{FORMAT, PREFIX};
use crate::keys::{self, KeyFrom};

/// What is wrong with an exported file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("search export: {0}")]
pub struct DecodeError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError(message.into()))
}

/// Largest number a packed string may hold: the browser reads numbers
/// exactly up to 2^53.
const MAX_PACKED: u64 = (1 << 53) - 1;

/// The numbers of a packed string (`src/encode.rs`): groups of 5 bits,
/// lowest first, one base64url character each, plus 32 when another group
/// follows.
pub fn unpack(s: &str) -> Result<Vec<u64>, DecodeError> {
    let mut out = Vec::new();
    let mut value: u64 = 0;
    let mut shift = 0u32;
    for c in s.bytes() {
        let digit = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return err(format!("`{}` in a packed list", c as char)),
        } as u64;
        if shift > 50 {
            return err("a packed number over 2^53");
        }
        value |= (digit & 31) << shift;
        if digit & 32 != 0 {
            shift += 5;
        } else {
            if value > MAX_PACKED {
                return err("a packed number over 2^53");
            }
            out.push(value);
            value = 0;
            shift = 0;
        }
    }
    if shift != 0 {
        return err("a packed list ends inside a number");
    }
    Ok(out)
}

fn u32_of(v: u64, what: &str) -> Result<u32, DecodeError> {
    u32::try_from(v).or_else(|_| err(format!("{what} {v} is too large")))
}

/// Running sum of gaps, as page numbers.
fn ungap(gaps: &[u64], what: &str) -> Result<Vec<u32>, DecodeError> {
    let mut page: u64 = 0;
    let mut out = Vec::with_capacity(gaps.len());
    for (i, &g) in gaps.iter().enumerate() {
        if i > 0 && g == 0 {
            return err(format!("{what}: a page listed twice"));
        }
        page += g;
        out.push(u32_of(page, what)?);
    }
    Ok(out)
}

/// The JSON payload of an exported file: what the last
/// `__gcaSearchData(` call passes (a `meta.js` starts with the reader's
/// code, which names the function too).
pub fn payload(bytes: &[u8]) -> Result<Value, DecodeError> {
    let text = std::str::from_utf8(bytes).or_else(|_| err("not UTF-8"))?;
    let start = text
        .rfind(PREFIX)
        .ok_or_else(|| DecodeError("no __gcaSearchData( call".into()))?
        + PREFIX.len();
    let end = text
        .rfind(')')
        .filter(|&e| e >= start)
        .ok_or_else(|| DecodeError("the data call is not closed".into()))?;
    if !text[end + 1..]
        .trim_end()
        .trim_end_matches(';')
        .trim()
        .is_empty()
    {
        return err("text after the data call");
    }
    serde_json::from_str(&text[start..end]).map_err(|e| DecodeError(format!("JSON: {e}")))
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, DecodeError> {
    v.get(name)
        .ok_or_else(|| DecodeError(format!("no `{name}`")))
}

fn array<'a>(v: &'a Value, what: &str) -> Result<&'a Vec<Value>, DecodeError> {
    v.as_array()
        .ok_or_else(|| DecodeError(format!("`{what}` is not a list")))
}

fn string(v: &Value, what: &str) -> Result<String, DecodeError> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| DecodeError(format!("`{what}` is not a string")))
}

fn number(v: &Value, what: &str) -> Result<u64, DecodeError> {
    v.as_u64()
        .filter(|&n| n <= MAX_PACKED)
        .ok_or_else(|| DecodeError(format!("`{what}` is not a whole number")))
}

fn strings(v: &Value, what: &str) -> Result<Vec<String>, DecodeError> {
    array(v, what)?.iter().map(|s| string(s, what)).collect()
}

/// What a result shows of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The page's path relative to the site root.
    pub url: String,
    /// Its title.
    pub title: String,
    /// Its excerpt (description, else the start of its text).
    pub excerpt: String,
    /// Ids of its facet values (indexes into [`Meta::facet_values`]).
    pub facets: Vec<u32>,
}

/// Records with URLs front-coded in UTF-16 units; with `pages`, each starts
/// with its page number.
fn records(v: &Value, pages: bool) -> Result<Vec<(u32, Record)>, DecodeError> {
    let mut previous: Vec<u16> = Vec::new();
    let mut out = Vec::new();
    for (i, r) in array(v, "docs")?.iter().enumerate() {
        let r = array(r, "record")?;
        let k = usize::from(pages);
        if r.len() != k + 5 {
            return err(format!("a record of {} fields", r.len()));
        }
        let page = if pages {
            u32_of(number(&r[0], "page")?, "page")?
        } else {
            u32_of(i as u64, "page")?
        };
        let keep = number(&r[k], "keep")? as usize;
        if keep > previous.len() {
            return err("a URL keeps more than the previous one has");
        }
        let mut url: Vec<u16> = previous[..keep].to_vec();
        url.extend(string(&r[k + 1], "url")?.encode_utf16());
        let text = String::from_utf16(&url).or_else(|_| err("a URL cut inside a character"))?;
        previous = url;
        let facets = unpack(&string(&r[k + 4], "facets")?)?
            .into_iter()
            .map(|id| u32_of(id, "facet id"))
            .collect::<Result<_, _>>()?;
        out.push((
            page,
            Record {
                url: text,
                title: string(&r[k + 2], "title")?,
                excerpt: string(&r[k + 3], "excerpt")?,
                facets,
            },
        ));
    }
    Ok(out)
}

/// Where the document table is, when it is not in `meta.js`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocTable {
    /// The hash in the names of each group of chunks.
    pub hashes: Vec<String>,
    /// Consecutive chunks per group.
    pub group: u32,
    /// Pages per chunk.
    pub per: u32,
    /// Number of chunks.
    pub count: u32,
}

/// A language's `meta.js`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The language of the index.
    pub lang: String,
    /// Every language of the site with an index.
    pub languages: Vec<String>,
    /// Number of pages.
    pub pages: u32,
    /// First word of each term shard (the first is empty).
    pub starts: Vec<String>,
    /// The hash in the names of the shards and their positions.
    pub hash: String,
    /// First key of each key shard (the first is empty).
    pub key_starts: Vec<String>,
    /// The hash in the names of the key shards.
    pub key_hash: String,
    /// How many of a term's best pages are its top pages.
    pub top_pages: u32,
    /// The whole document table, when it is in `meta.js`.
    pub table: Option<Vec<Record>>,
    /// The chunked document table otherwise.
    pub docs: Option<DocTable>,
    /// Per taxonomy, its values and how many pages have each.
    pub facets: Vec<(String, Vec<(String, u32)>)>,
    /// The hash of the facet file, if there is one.
    pub facet_file: Option<String>,
    /// The score each quantised `q` stands for.
    pub scores: Vec<u64>,
    /// Shortest last word expanded as a prefix.
    pub prefix_min: u32,
    /// Term shards a prefix is expanded over (where it sorts, and on).
    pub prefix_shards: u32,
    /// The language's stop words.
    pub stop: Vec<String>,
}

fn name_part(v: &Value, what: &str) -> Result<String, DecodeError> {
    let s = string(v, what)?;
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return err(format!("`{what}` is not a hash"));
    }
    Ok(s)
}

/// A list of first words (or keys) of shards, space-separated, the first
/// shard's left out: `["", ...]`, in order.
fn starts_of(v: &Value, name: &str) -> Result<Vec<String>, DecodeError> {
    let list = string(field(v, name)?, name)?;
    let mut starts = vec![String::new()];
    if !list.is_empty() {
        starts.extend(list.split(' ').map(str::to_string));
    }
    if starts.windows(2).any(|w| w[0] >= w[1]) {
        return err(format!("`{name}`: shard starts out of order"));
    }
    Ok(starts)
}

impl Meta {
    /// Reads a `meta.js`.
    pub fn parse(bytes: &[u8]) -> Result<Meta, DecodeError> {
        let v = payload(bytes)?;
        if v.get("kind").and_then(Value::as_str) != Some("meta") {
            return err("not a meta file");
        }
        let format = number(field(&v, "format")?, "format")?;
        if format != u64::from(FORMAT) {
            return err(format!("format {format}; this reader reads {FORMAT}"));
        }
        let lang = string(field(&v, "lang")?, "lang")?;
        if lang.is_empty() || !lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return err("`lang` is not a language code");
        }
        let pages = u32_of(number(field(&v, "pages")?, "pages")?, "pages")?;
        let starts = starts_of(&v, "shards")?;
        let key_starts = starts_of(&v, "keys")?;
        let table: Option<Vec<Record>> = match field(&v, "table")? {
            Value::Null => None,
            t => Some(records(t, false)?.into_iter().map(|r| r.1).collect()),
        };
        let docs = match field(&v, "docs")? {
            Value::Null => None,
            d => {
                let mut hashes = Vec::new();
                for h in array(field(d, "hashes")?, "docs.hashes")? {
                    hashes.push(name_part(h, "docs.hashes")?);
                }
                Some(DocTable {
                    hashes,
                    group: u32_of(number(field(d, "group")?, "docs.group")?, "docs.group")?,
                    per: u32_of(number(field(d, "per")?, "docs.per")?, "docs.per")?,
                    count: u32_of(number(field(d, "count")?, "docs.count")?, "docs.count")?,
                })
            }
        };
        match (&table, &docs) {
            (Some(t), None) if t.len() == pages as usize => {}
            (None, Some(d))
                if d.per > 0
                    && d.group > 0
                    && u64::from(d.per) * u64::from(d.count) >= u64::from(pages)
                    && d.hashes.len() as u64 == u64::from(d.count).div_ceil(u64::from(d.group)) => {
            }
            _ => return err("no document table for the pages"),
        }
        let mut facets = Vec::new();
        for t in array(field(&v, "facets")?, "facets")? {
            let t = array(t, "facet")?;
            let [name, values] = t.as_slice() else {
                return err("a facet is not [taxonomy, values]");
            };
            let mut list = Vec::new();
            for value in array(values, "facet values")? {
                let pair = array(value, "facet value")?;
                let [value, count] = pair.as_slice() else {
                    return err("a facet value is not [value, pages]");
                };
                let count = u32_of(number(count, "facet count")?, "facet count")?;
                list.push((string(value, "facet value")?, count));
            }
            facets.push((string(name, "taxonomy")?, list));
        }
        let facet_file = match field(&v, "facetFile")? {
            Value::Null => None,
            f => Some(name_part(f, "facetFile")?),
        };
        let scores: Vec<u64> = array(field(&v, "scores")?, "scores")?
            .iter()
            .map(|s| number(s, "score"))
            .collect::<Result<_, _>>()?;
        if scores.is_empty() || scores.len() > 256 {
            return err("a score table of the wrong size");
        }
        let meta = Meta {
            lang,
            languages: strings(field(&v, "languages")?, "languages")?,
            pages,
            starts,
            hash: name_part(field(&v, "hash")?, "hash")?,
            key_starts,
            key_hash: name_part(field(&v, "keyHash")?, "keyHash")?,
            top_pages: u32_of(number(field(&v, "top")?, "top")?, "top")?,
            table,
            docs,
            facets,
            facet_file,
            scores,
            prefix_min: u32_of(number(field(&v, "prefixMin")?, "prefixMin")?, "prefixMin")?,
            prefix_shards: u32_of(
                number(field(&v, "prefixShards")?, "prefixShards")?,
                "prefixShards",
            )?,
            stop: strings(field(&v, "stop")?, "stop")?,
        };
        Ok(meta)
    }

    /// The number of the shard that holds `word`: the last whose first word
    /// is not after it.
    pub fn shard_of(&self, word: &str) -> usize {
        self.starts
            .partition_point(|s| s.as_str() <= word)
            .saturating_sub(1)
    }

    /// The number of the key shard that holds `key`: the last whose first
    /// key is not after it.
    pub fn key_shard_of(&self, key: &str) -> usize {
        self.key_starts
            .partition_point(|s| s.as_str() <= key)
            .saturating_sub(1)
    }

    /// Path under `search/` of key shard `n`.
    pub fn key_shard_path(&self, n: usize) -> String {
        format!("{}/k-{}-{n}.js", self.lang, self.key_hash)
    }

    /// Path under `search/` of term shard `n`.
    pub fn shard_path(&self, n: usize) -> String {
        format!("{}/t-{}-{n}.js", self.lang, self.hash)
    }

    /// Path under `search/` of the word positions of shard `n`.
    pub fn positions_path(&self, n: usize) -> String {
        format!("{}/p-{}-{n}.js", self.lang, self.hash)
    }

    /// Path under `search/` of the document-table chunk holding `page`,
    /// when the table is chunked.
    pub fn doc_chunk_path(&self, page: u32) -> Option<String> {
        let d = self.docs.as_ref()?;
        let n = page / d.per.max(1);
        let hash = d.hashes.get((n / d.group.max(1)) as usize)?;
        Some(format!("{}/d-{hash}-{n}.js", self.lang))
    }

    /// Path under `search/` of the facet file, if there is one.
    pub fn facet_path(&self) -> Option<String> {
        let f = self.facet_file.as_ref()?;
        Some(format!("{}/f-{f}.js", self.lang))
    }

    /// Every facet value as `(taxonomy, value)`, numbered as records and
    /// the facet file number them.
    pub fn facet_values(&self) -> Vec<(&str, &str)> {
        self.facets
            .iter()
            .flat_map(|(t, values)| values.iter().map(move |(v, _)| (t.as_str(), v.as_str())))
            .collect()
    }
}

/// One posting: a page and its quantised score for the term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardPosting {
    /// Page number.
    pub page: u32,
    /// Index into [`Meta::scores`].
    pub q: u32,
}

/// A heading a result can point to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The heading's `id` on its page.
    pub anchor: String,
    /// The heading text.
    pub heading: String,
}

/// A term shard `t-<hash>-<n>.js`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    /// Surface words, sorted.
    pub words: Vec<String>,
    /// Per word, the index of its term's posting list; `None` for a stop
    /// word.
    pub terms: Vec<Option<usize>>,
    /// Per term, its postings in page order.
    pub postings: Vec<Vec<ShardPosting>>,
    /// Per term, its top pages and the heading of each one's best section
    /// (an index into `heads`, or `None`).
    pub top: Vec<Vec<(u32, Option<usize>)>>,
    /// The headings the top pages point to.
    pub heads: Vec<Head>,
    /// Display records of some top pages, by page.
    pub docs: Vec<(u32, Record)>,
}

impl Shard {
    /// Reads a term shard.
    pub fn parse(bytes: &[u8]) -> Result<Shard, DecodeError> {
        let v = payload(bytes)?;
        let words = strings(field(&v, "words")?, "words")?;
        if words.windows(2).any(|w| w[0] >= w[1]) {
            return err("words out of order");
        }
        let packed = strings(field(&v, "postings")?, "postings")?;
        let mut postings = Vec::with_capacity(packed.len());
        for p in &packed {
            let n = unpack(p)?;
            if n.len() % 2 != 0 {
                return err("a posting list of an odd length");
            }
            let gaps: Vec<u64> = n.iter().step_by(2).copied().collect();
            let pages = ungap(&gaps, "posting")?;
            let list = pages
                .into_iter()
                .zip(n.iter().skip(1).step_by(2))
                .map(|(page, &q)| {
                    Ok(ShardPosting {
                        page,
                        q: u32_of(q, "q")?,
                    })
                })
                .collect::<Result<Vec<_>, DecodeError>>()?;
            postings.push(list);
        }
        let terms = array(field(&v, "terms")?, "terms")?
            .iter()
            .map(|t| match t.as_i64() {
                Some(-1) => Ok(None),
                Some(i) if i >= 0 && (i as usize) < postings.len() => Ok(Some(i as usize)),
                _ => err("a term index out of range"),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if terms.len() != words.len() {
            return err("not one term per word");
        }
        let heads = array(field(&v, "heads")?, "heads")?
            .iter()
            .map(|h| match h {
                Value::String(heading) => Ok(Head {
                    anchor: crate::export::ascii_slug(heading),
                    heading: heading.clone(),
                }),
                Value::Array(pair) => match pair.as_slice() {
                    [a, h] => Ok(Head {
                        anchor: string(a, "anchor")?,
                        heading: string(h, "heading")?,
                    }),
                    _ => err("a heading is not [anchor, heading]"),
                },
                _ => err("a heading is neither text nor [anchor, heading]"),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let tops = strings(field(&v, "top")?, "top")?;
        if tops.len() != postings.len() {
            return err("not one top list per term");
        }
        let mut top = Vec::with_capacity(tops.len());
        for (t, list) in tops.iter().zip(&postings) {
            let n = unpack(t)?;
            if n.len() % 2 != 0 {
                return err("a top list of an odd length");
            }
            let gaps: Vec<u64> = n.iter().step_by(2).copied().collect();
            let pages = ungap(&gaps, "top page")?;
            let mut out = Vec::with_capacity(pages.len());
            for (page, &head) in pages.into_iter().zip(n.iter().skip(1).step_by(2)) {
                if list.binary_search_by(|p| p.page.cmp(&page)).is_err() {
                    return err("a top page not in its term's postings");
                }
                let head = match head {
                    0 => None,
                    h if (h as usize) <= heads.len() => Some(h as usize - 1),
                    _ => return err("a heading index out of range"),
                };
                out.push((page, head));
            }
            top.push(out);
        }
        let docs = records(field(&v, "docs")?, true)?;
        if docs.windows(2).any(|w| w[0].0 >= w[1].0) {
            return err("records out of page order");
        }
        Ok(Shard {
            words,
            terms,
            postings,
            top,
            heads,
            docs,
        })
    }

    /// `None` when the shard does not have `word`; `Some(None)` for a stop
    /// word; else the index of its term.
    pub fn lookup(&self, word: &str) -> Option<Option<usize>> {
        let at = self.words.binary_search_by(|w| w.as_str().cmp(word)).ok()?;
        self.terms.get(at).copied()
    }
}

/// An entry of a key: the word it stands for, as [`crate::keys::KeyFrom`],
/// and the word's [`crate::keys::bucket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEntry {
    /// `None`: the word is the key; else the key with this character
    /// inserted at this character position.
    pub from: KeyFrom,
    /// The bit length of the number of pages of the word's stem.
    pub bucket: u32,
}

/// A key shard `k-<hash>-<n>.js`: deletion keys for typos
/// ([`crate::keys`]), sorted, each with the words it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyShard {
    /// The keys and their entries (self first, then by position and
    /// character).
    pub keys: Vec<(String, Vec<KeyEntry>)>,
}

impl KeyShard {
    /// Reads a key shard.
    pub fn parse(bytes: &[u8]) -> Result<KeyShard, DecodeError> {
        let v = payload(bytes)?;
        let text = string(field(&v, "keys")?, "keys")?;
        let mut chars = text.chars().peekable();
        // One packed number (see `unpack`), ended by a character without
        // the continuation bit.
        let packed =
            |chars: &mut std::iter::Peekable<std::str::Chars>| -> Result<u64, DecodeError> {
                let mut digits = String::new();
                loop {
                    let Some(c) = chars.next() else {
                        return err("a key shard ends inside a number");
                    };
                    if !c.is_ascii() {
                        return err(format!("`{c}` in a packed number"));
                    }
                    digits.push(c);
                    let digit = match c as u8 {
                        b'A'..=b'Z' | b'a'..=b'f' => false,
                        b'g'..=b'z' | b'0'..=b'9' | b'-' | b'_' => true,
                        _ => return err(format!("`{c}` in a packed number")),
                    };
                    if !digit {
                        break;
                    }
                }
                match unpack(&digits)?.as_slice() {
                    [n] => Ok(*n),
                    _ => err("not one packed number"),
                }
            };
        let mut keys: Vec<(String, Vec<KeyEntry>)> = Vec::new();
        let mut previous: Vec<u16> = Vec::new();
        while chars.peek().is_some() {
            let keep = packed(&mut chars)? as usize;
            if keep > previous.len() {
                return err("a key keeps more than the previous one has");
            }
            let mut key: Vec<u16> = previous[..keep].to_vec();
            while let Some(&c) = chars.peek() {
                if keys::unmark(c).is_some() {
                    break;
                }
                if !c.is_alphanumeric() {
                    return err(format!("`{c}` in a key"));
                }
                let mut units = [0u16; 2];
                key.extend_from_slice(c.encode_utf16(&mut units));
                chars.next();
            }
            let text = String::from_utf16(&key).or_else(|_| err("a key cut inside a character"))?;
            if text.is_empty() {
                return err("an empty key");
            }
            if keys.last().is_some_and(|(last, _)| *last >= text) {
                return err("keys out of order");
            }
            let length = text.chars().count();
            let mut entries: Vec<KeyEntry> = Vec::new();
            while let Some((kind, bucket)) = chars.peek().and_then(|&c| keys::unmark(c)) {
                chars.next();
                let from = if kind == 0 {
                    None
                } else {
                    let Some(c) = chars.next() else {
                        return err("a key entry without its character");
                    };
                    if !c.is_alphanumeric() {
                        return err(format!("`{c}` deleted from a word"));
                    }
                    if kind - 1 > length {
                        return err("a character deleted past the end of its key");
                    }
                    Some(((kind - 1) as u8, c))
                };
                if entries.last().is_some_and(|e| e.from >= from) {
                    return err("key entries out of order");
                }
                entries.push(KeyEntry { from, bucket });
            }
            if entries.is_empty() {
                return err("a key without entries");
            }
            previous = key;
            keys.push((text, entries));
        }
        Ok(KeyShard { keys })
    }

    /// The entries of a key, when the shard has it.
    pub fn lookup(&self, key: &str) -> Option<&[KeyEntry]> {
        let at = self
            .keys
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()?;
        Some(&self.keys[at].1)
    }

    /// The words of a key's entries.
    pub fn words(&self, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.lookup(key).unwrap_or_default() {
            let mut word = String::new();
            keys::word_of(key, e.from, &mut word);
            out.push(word);
        }
        out
    }
}

/// The word positions of a shard, `p-<hash>-<n>.js`: per term, per
/// posting, the positions of the term on that page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Positions(pub Vec<Vec<Vec<u32>>>);

impl Positions {
    /// Reads a positions file.
    pub fn parse(bytes: &[u8]) -> Result<Positions, DecodeError> {
        let v = payload(bytes)?;
        let mut out = Vec::new();
        for packed in strings(field(&v, "positions")?, "positions")? {
            let n = unpack(&packed)?;
            let mut lists = Vec::new();
            let mut k = 0;
            while k < n.len() {
                let first = n[k] / 2;
                let more = n[k] % 2 == 1;
                k += 1;
                let mut list = vec![u32_of(first, "position")?];
                if more {
                    let count = *n
                        .get(k)
                        .ok_or_else(|| DecodeError("positions cut short".into()))?;
                    k += 1;
                    if count == 0 || count > (n.len() - k) as u64 {
                        return err("a position count past the list");
                    }
                    let mut at = first;
                    for &gap in &n[k..k + count as usize] {
                        at += gap;
                        list.push(u32_of(at, "position")?);
                    }
                    k += count as usize;
                }
                lists.push(list);
            }
            out.push(lists);
        }
        Ok(Positions(out))
    }
}

/// A chunk of the document table, `d-<hash>-<n>.js`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocChunk {
    /// The page number of its first record.
    pub first: u32,
    /// The records of pages `first`, `first + 1`...
    pub docs: Vec<Record>,
}

impl DocChunk {
    /// Reads a document-table chunk.
    pub fn parse(bytes: &[u8]) -> Result<DocChunk, DecodeError> {
        let v = payload(bytes)?;
        let first = u32_of(number(field(&v, "first")?, "first")?, "first")?;
        let docs: Vec<Record> = records(field(&v, "docs")?, false)?
            .into_iter()
            .map(|r| r.1)
            .collect();
        if u64::from(first) + docs.len() as u64 > u64::from(u32::MAX) {
            return err("pages past the largest page number");
        }
        Ok(DocChunk { first, docs })
    }
}

/// The facet file `f-<hash>.js`: per facet value id, its pages in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetSets(pub Vec<Vec<u32>>);

impl FacetSets {
    /// Reads a facet file.
    pub fn parse(bytes: &[u8]) -> Result<FacetSets, DecodeError> {
        let v = payload(bytes)?;
        let sets = strings(field(&v, "sets")?, "sets")?
            .iter()
            .map(|s| ungap(&unpack(s)?, "facet page"))
            .collect::<Result<_, _>>()?;
        Ok(FacetSets(sets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpack_reads_what_encode_writes_and_refuses_the_rest() {
        let mut s = String::new();
        for v in [0u64, 31, 32, 1 << 40, MAX_PACKED] {
            crate::encode::push_u64(&mut s, v);
        }
        assert_eq!(unpack(&s).unwrap(), [0, 31, 32, 1 << 40, MAX_PACKED]);
        assert!(unpack("g").is_err(), "ends inside a number");
        assert!(unpack("A=").is_err());
        assert!(unpack(&"_".repeat(12)).is_err(), "too large");
    }

    #[test]
    fn key_shards_read_back_and_refuse_the_rest() {
        let shard = |text: &str| {
            KeyShard::parse(format!("__gcaSearchData({{\"keys\":\"{text}\"}});").as_bytes())
        };
        // "abc" (the word itself, one page), then "abd" (keeping two
        // units): "xabd" without its first letter, four pages.
        let ok = shard("Aabc!Cd.x").unwrap();
        assert_eq!(ok.keys.len(), 2);
        assert_eq!(ok.words("abc"), ["abc"]);
        assert_eq!(ok.words("abd"), ["xabd"]);
        assert_eq!(ok.lookup("abd").unwrap()[0].bucket, 3);
        assert_eq!(ok.lookup("abe"), None);
        assert_eq!(shard("").unwrap().keys.len(), 0);
        for bad in [
            "Aabc!Aabb!", // out of order
            "Aabc",       // no entry
            "Aabc!Ed!",   // keeps more than there is
            "Aabc+",      // no deleted character
            "Aabc+-",     // not a word character
            "Aabc+x!",    // entries out of order
            "Aabc!!",     // the same entry twice
            "Aabc!g",     // ends inside a number
            "Aa b!",      // a space in a key
            "A!",         // an empty key
            "Aab?",       // no deleted character
            "Aab!#",      // two buckets for one word
        ] {
            assert!(shard(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn payload_is_the_last_call() {
        let v = payload(b"var x = '__gcaSearchData(';\n__gcaSearchData({\"a\":1});\n").unwrap();
        assert_eq!(v["a"], 1);
        assert!(payload(b"__gcaSearchData({\"a\":1}); alert(1)").is_err());
        assert!(payload(b"__gcaSearchData(").is_err());
        assert!(payload(b")__gcaSearchData(").is_err());
        assert!(payload(&[0xff, 0xfe]).is_err());
    }
}
