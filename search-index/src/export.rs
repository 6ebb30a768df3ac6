//! The static export read by the browser (format: `search-index/README.md`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::{Value, json};

use std::sync::Arc;

use rayon::prelude::*;

use crate::encode;
use crate::index::PAGE_FIELDS;
use crate::keys::{self, KeyFrom};
use crate::model::{Model, PageData, StemOut};
use crate::view::{RawPosting, dequantise_table, mark_top, score_postings};
use crate::{Error, ExportFile, SearchConfig};

/// Every exported file is JavaScript: this call around a JSON payload. A
/// page opened from disk loads it with a `<script>` element (the call hands
/// the payload over); over HTTP the reader may fetch it instead and parse
/// the JSON between the last [`PREFIX`] and the last `)`.
pub const PREFIX: &str = "__gcaSearchData(";
/// See [`PREFIX`].
pub const SUFFIX: &str = ");\n";

/// Version of the export format, in `meta.format`.
pub const FORMAT: u32 = 5;
/// Shortest last word that is expanded as a prefix.
pub const PREFIX_MIN: usize = 3;
/// Term shards a prefix is expanded over: the one where it sorts and the
/// next (the words of a long run of shards that share a prefix are reached
/// by typing on; a bound like those of other engines' prefix search).
pub const PREFIX_SHARDS: usize = 2;
/// Longest excerpt of a display record, in characters (a longer one is cut
/// at a word and ends with `…`).
pub const EXCERPT_CHARS: usize = 160;

/// The browser reader and user interface, at the head of every `meta.js`.
const READER_JS: &str = include_str!("../js/search-core.js");
const UI_JS: &str = include_str!("../js/search-ui.js");

pub(crate) struct Exported {
    pub files: Vec<ExportFile>,
    pub shard_starts: Vec<String>,
    /// Every surface word, stop words included, sorted.
    pub words: Vec<String>,
}

fn wrap(payload: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(PREFIX.as_bytes());
    if serde_json::to_writer(&mut out, payload).is_err() {
        // Plain strings, numbers and lists cannot fail to serialise.
        out.truncate(PREFIX.len());
        out.extend_from_slice(b"null");
    }
    out.extend_from_slice(SUFFIX.as_bytes());
    out
}

/// Characters of the content hash in file names.
const HASH_CHARS: usize = 10;

fn hash_of(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex()[..HASH_CHARS].to_string()
}

/// The anchor the site gives an ASCII heading, most of the time: lowercase
/// letters and digits, other runs of characters as one `-`, apostrophes
/// dropped. A section whose anchor is this slug of its heading is exported as
/// the heading alone (the reader's `asciiSlug` makes the anchor again).
pub(crate) fn ascii_slug(heading: &str) -> String {
    let mut out = String::with_capacity(heading.len());
    let mut dash = false;
    for c in heading.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else if c != '\'' {
            dash = true;
        }
    }
    out
}

/// The shortest prefix of `first` that still sorts after `previous`.
fn short_start(previous: &str, first: &str) -> String {
    let mut end = 0;
    for (i, c) in first.char_indices() {
        end = i + c.len_utf8();
        if &first[..end] > previous {
            break;
        }
    }
    first[..end].to_string()
}

/// The list of languages, `search/languages.js`.
pub(crate) fn languages_file(langs: &[String]) -> ExportFile {
    ExportFile {
        path: "languages.js".to_string(),
        bytes: wrap(&json!({ "format": FORMAT, "languages": langs })).into(),
    }
}

/// A page's display record as the export cache keeps it: (the page version
/// it was made for, the epoch, the record, the page version when the record
/// last changed).
type CachedRecord = (u64, u64, Arc<Record>, u64);

/// What a result shows of a page: its URL, title, excerpt and facet values.
#[derive(PartialEq)]
struct Record {
    url: String,
    title: String,
    excerpt: String,
    /// Packed ids of the page's facet values.
    facets: String,
}

impl Record {
    /// About the bytes the record takes in a file.
    fn size(&self) -> usize {
        self.url.len() + self.title.len() + self.excerpt.len() + self.facets.len() + 16
    }
}

/// `text` cut to at most [`EXCERPT_CHARS`] characters, at a word.
fn excerpt(text: &str) -> String {
    if text.chars().count() <= EXCERPT_CHARS {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > EXCERPT_CHARS - 1 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(EXCERPT_CHARS - 1).collect();
    }
    out.push('…');
    out
}

/// Length in UTF-16 code units (the unit of JavaScript strings) of the
/// common prefix of two strings.
fn common_utf16(a: &str, b: &str) -> (usize, usize) {
    let mut units = 0;
    let mut bytes = 0;
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y {
            break;
        }
        units += x.len_utf16();
        bytes += x.len_utf8();
    }
    (units, bytes)
}

/// Records as JSON arrays, their URLs front-coded against the previous
/// record of the same list: `[keep, rest, title, excerpt, facets]`, where the
/// URL is the first `keep` UTF-16 units of the previous URL, then `rest`.
/// With `pages`, each array starts with the page's ordinal.
fn records_json<'a>(records: impl Iterator<Item = (u32, &'a Record)>, pages: bool) -> Vec<Value> {
    let mut previous = "";
    let mut out = Vec::new();
    for (page, r) in records {
        let (keep, bytes) = common_utf16(previous, &r.url);
        let rest = &r.url[bytes..];
        let mut fields = Vec::with_capacity(6);
        if pages {
            fields.push(json!(page));
        }
        fields.push(json!(keep));
        fields.push(json!(rest));
        fields.push(json!(r.title));
        fields.push(json!(r.excerpt));
        fields.push(json!(r.facets));
        out.push(Value::Array(fields));
        previous = &r.url;
    }
    out
}

/// Positions of one stem on one page, packed: `2 * first + (more than one)`,
/// then, if more than one, their number minus one and the gaps between them.
pub(crate) fn push_positions(out: &mut String, list: &[u32]) {
    let first = list.first().copied().unwrap_or(0) as u64;
    let more = list.len() > 1;
    encode::push_u64(out, first * 2 + u64::from(more));
    if more {
        encode::push(out, list.len() as u32 - 1);
        let mut prev = first as u32;
        for &pos in &list[1..] {
            encode::push(out, pos.saturating_sub(prev));
            prev = pos;
        }
    }
}

/// What the last export of a model encoded, so that the next one encodes
/// again only what changed (`gca serve` after an edit). Everything here is
/// keyed by what it was made from; a build that starts afresh has an empty
/// cache and encodes everything.
#[derive(Default)]
pub(crate) struct Cache {
    /// What every part of the export depends on, and its epoch: a new key
    /// starts a new epoch, and nothing older is reused.
    key: Option<String>,
    epoch: u64,
    /// Per page: its record and the versions it stands for.
    records: Vec<Option<CachedRecord>>,
    /// Encoded term shards and their positions, by fingerprint of their input.
    shards: HashMap<[u8; 32], Arc<EncodedShard>>,
    /// Encoded chunks of the document table, by fingerprint.
    chunks: HashMap<[u8; 32], Arc<Encoded>>,
    /// The keys of the vocabulary, updated word by word.
    keys: KeyIndex,
    /// Encoded key shards, by fingerprint of their content.
    key_shards: HashMap<[u8; 32], Arc<Encoded>>,
}

/// What the key index keeps of a key entry.
#[derive(Clone, Copy)]
struct KeyInfo {
    /// [`keys::bucket`] of its word's page count.
    bucket: u32,
    /// Whether it is exported ([`keys::kept`] for the term shards of
    /// [`KeyIndex::starts`]).
    kept: bool,
}

/// The deletion keys of the vocabulary ([`crate::keys`]): every `(key,
/// what it stands for)`, sorted, with its bucket and whether it is
/// exported, kept in step with the model page by page.
#[derive(Default)]
struct KeyIndex {
    /// The vocabulary version they were made for.
    words_version: Option<u64>,
    /// The words with keys, sorted.
    words: Vec<String>,
    entries: BTreeMap<(Box<str>, KeyFrom), KeyInfo>,
    /// The term shards' first words `kept` was worked out for.
    starts: Vec<String>,
    /// Each stem's version when its words' buckets were worked out.
    seen: Vec<u64>,
}

impl KeyIndex {
    /// Brings the keys in step with the model's vocabulary (the keys of
    /// words that left go, those of new words come in), its term shards
    /// (which keys are exported) and its page counts (buckets).
    fn update(&mut self, model: &Model, starts: &[String]) {
        let lang = model.analyzer.lang();
        let spans = |prefix: &str| keys::spans(starts, prefix);
        let bucket_of = |word: &str| -> u32 {
            let pages = model
                .surfaces
                .get(word)
                .and_then(|s| s.stem)
                .map_or(0, |id| model.stems[id as usize].pages());
            keys::bucket(pages)
        };
        let mut fresh_starts = self.starts != starts;
        if self.words.is_empty() && self.entries.is_empty() {
            // A first export (every build's): all the keys at once, made in
            // parallel and sorted, instead of one insertion at a time.
            let words: Vec<&String> = model
                .words
                .par_iter()
                .filter(|w| keys::has_keys(lang, w))
                .collect();
            let mut list: Vec<((Box<str>, KeyFrom), KeyInfo)> = words
                .par_iter()
                .flat_map_iter(|w| {
                    let bucket = bucket_of(w);
                    keys::word_keys(w).into_iter().map(move |(k, from)| {
                        let kept = keys::kept(&k, from, &spans);
                        ((k.into_boxed_str(), from), KeyInfo { bucket, kept })
                    })
                })
                .collect();
            list.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
            // A key and what it stands for name one word: no two are the
            // same, but should they be, the later word's wins, as inserting
            // them one by one would have it.
            list.dedup_by(|later, earlier| {
                if later.0 == earlier.0 {
                    std::mem::swap(later, earlier);
                    true
                } else {
                    false
                }
            });
            self.entries = list.into_iter().collect();
            self.words = words.into_iter().cloned().collect();
            self.words_version = Some(model.words_version);
            self.starts = starts.to_vec();
            fresh_starts = false;
        }
        if self.words_version != Some(model.words_version) {
            let words: Vec<&String> = model
                .words
                .iter()
                .filter(|w| keys::has_keys(lang, w))
                .collect();
            let add = |entries: &mut BTreeMap<(Box<str>, KeyFrom), KeyInfo>, w: &str| {
                let bucket = bucket_of(w);
                for (k, from) in keys::word_keys(w) {
                    let kept = keys::kept(&k, from, &spans);
                    entries.insert((k.into_boxed_str(), from), KeyInfo { bucket, kept });
                }
            };
            // The words that stay move to the new list; only new ones are
            // copied.
            let mut kept_words: Vec<String> = Vec::with_capacity(words.len());
            let mut old = std::mem::take(&mut self.words).into_iter().peekable();
            let mut j = 0;
            while old.peek().is_some() || j < words.len() {
                let order = match (old.peek(), words.get(j)) {
                    (Some(a), Some(b)) => a.as_str().cmp(b.as_str()),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    _ => std::cmp::Ordering::Greater,
                };
                match order {
                    std::cmp::Ordering::Equal => {
                        kept_words.extend(old.next());
                        j += 1;
                    }
                    std::cmp::Ordering::Less => {
                        if let Some(w) = old.next() {
                            for (k, from) in keys::word_keys(&w) {
                                self.entries.remove(&(k.into_boxed_str(), from));
                            }
                        }
                    }
                    std::cmp::Ordering::Greater => {
                        add(&mut self.entries, words[j]);
                        kept_words.push(words[j].clone());
                        j += 1;
                    }
                }
            }
            self.words = kept_words;
            self.words_version = Some(model.words_version);
        }
        if fresh_starts {
            for ((k, from), info) in self.entries.iter_mut() {
                info.kept = keys::kept(k, *from, &spans);
            }
            self.starts = starts.to_vec();
        }
        // Buckets of the words whose stem changed.
        self.seen.resize(model.stems.len(), 0);
        for (w, stem) in model.words.iter().zip(&model.word_stems) {
            let Some(id) = *stem else { continue };
            let version = model.stems[id as usize].version;
            if self.seen[id as usize] == version || !keys::has_keys(lang, w) {
                continue;
            }
            let bucket = keys::bucket(model.stems[id as usize].pages());
            for (k, from) in keys::word_keys(w) {
                if let Some(info) = self.entries.get_mut(&(k.into_boxed_str(), from)) {
                    info.bucket = bucket;
                }
            }
        }
        for (seen, stem) in self.seen.iter_mut().zip(&model.stems) {
            *seen = stem.version;
        }
    }
}

/// A key entry as a key shard holds it: the key, what it stands for, and
/// its word's bucket.
type KeyEntry<'a> = (&'a str, KeyFrom, u32);

struct Encoded {
    bytes: Arc<[u8]>,
    hash: [u8; 32],
}

struct EncodedShard {
    terms: Encoded,
    positions: Encoded,
}

fn encoded(bytes: Vec<u8>) -> Encoded {
    let hash = *blake3::hash(&bytes).as_bytes();
    Encoded {
        bytes: bytes.into(),
        hash,
    }
}

/// The display record of a page.
fn record_of(page: &PageData, facet_ids: &BTreeMap<(&str, &str), u32>) -> Record {
    let mut ids = String::new();
    for (taxonomy, values) in &page.taxonomies {
        for value in values {
            if let Some(&id) = facet_ids.get(&(taxonomy.as_str(), value.as_str())) {
                encode::push(&mut ids, id);
            }
        }
    }
    let text = if page.description.is_empty() {
        &page.lead
    } else {
        &page.description
    };
    Record {
        url: page.url.clone(),
        title: page.title.clone(),
        excerpt: excerpt(text),
        facets: ids,
    }
}

/// The pages whose display records ride in a stem's shard: its best pages
/// (highest `q`, ties to the lower page), as many of its best
/// `record_pages` (or `top_pages`, if more) as cost at most
/// `records_percent` of its packed postings' bytes, in the order of rank.
fn carried_pages(
    postings: &[crate::view::Posting],
    packed_bytes: usize,
    records: &[Arc<Record>],
    config: &SearchConfig,
) -> Vec<u32> {
    let budget = packed_bytes.saturating_mul(config.records_percent) / 100;
    let want = config
        .record_pages
        .max(config.top_pages)
        .min(postings.len());
    if want == 0 || budget == 0 {
        return Vec::new();
    }
    let better = |a: &crate::view::Posting, b: &crate::view::Posting| {
        b.q.cmp(&a.q).then(a.page.cmp(&b.page))
    };
    let mut best: Vec<crate::view::Posting> = postings.to_vec();
    if want < best.len() {
        best.select_nth_unstable_by(want - 1, better);
        best.truncate(want);
    }
    best.sort_unstable_by(better);
    let mut cost = 0;
    let mut out = Vec::new();
    for p in best {
        cost += records[p.page as usize].size();
        if cost > budget {
            break;
        }
        out.push(p.page);
    }
    out
}

/// A stem's postings, packed, with its top pages and positions.
/// The postings of `stem`; from `previous` (computed in this epoch, over
/// the same pages) only the pages edited since are scored again.
fn stem_out(
    model: &Model,
    stem: u32,
    avg: &[f64; PAGE_FIELDS],
    records: &[Arc<Record>],
    config: &SearchConfig,
    epoch: u64,
    previous: Option<&StemOut>,
) -> StemOut {
    let data = &model.stems[stem as usize];
    let postings = match previous {
        Some(old)
            if old.epoch == epoch
                && old.postings.len() == data.entries.len()
                && data
                    .dirty
                    .iter()
                    .all(|p| old.postings.binary_search_by(|x| x.page.cmp(p)).is_ok()) =>
        {
            // The same pages: the same idf, and the scores of the pages not
            // edited stand.
            let idf = crate::view::idf(model.page_count(), data.entries.len());
            let mut list = old.postings.clone();
            let mut moved = false;
            for page in &data.dirty {
                if let Ok(i) = data.entries.binary_search_by(|e| e.page.cmp(page)) {
                    let e = &data.entries[i];
                    let raw = RawPosting {
                        page: e.page,
                        freq: e.freq(),
                        lens: model.lens[e.page as usize],
                        section: e.section(),
                    };
                    let q = crate::view::score_one(&raw, idf, avg);
                    moved |= q != list[i].q;
                    list[i].q = q;
                }
            }
            if moved {
                for (p, e) in list.iter_mut().zip(&data.entries) {
                    p.section = e.section();
                }
                mark_top(&mut list, model.top_pages);
            } else {
                // No score moved: the same top pages, whose sections may
                // have (the others' stay cleared).
                for (p, e) in list.iter_mut().zip(&data.entries) {
                    if p.top {
                        p.section = e.section();
                    }
                }
            }
            list
        }
        _ => {
            let raw = model.raw_postings(stem);
            score_postings(&raw, model.page_count(), avg, model.top_pages)
        }
    };
    let mut packed = String::new();
    let mut top = Vec::new();
    let mut prev = 0;
    let mut max_q = 1u8;
    for p in &postings {
        encode::push(&mut packed, p.page - prev);
        encode::push(&mut packed, p.q as u32);
        prev = p.page;
        max_q = max_q.max(p.q);
        if p.top {
            top.push((p.page, p.section));
        }
    }
    let positions: Arc<str> = Arc::from(model.stems[stem as usize].positions.as_str());
    // The heading each top page's best section shows: just the heading when
    // its anchor is the heading's ASCII slug.
    // Top pages not edited since `previous` show the heading they showed.
    let kept: HashMap<(u32, u32), &Option<Box<str>>> = match previous {
        Some(old) if old.epoch == epoch => old
            .top
            .iter()
            .zip(&old.heads)
            .filter(|(t, _)| !data.dirty.contains(&t.0))
            .map(|(t, h)| (*t, h))
            .collect(),
        _ => HashMap::new(),
    };
    let heads = top
        .iter()
        .map(|&(page, section)| {
            if let Some(h) = kept.get(&(page, section)) {
                return (*h).clone();
            }
            let sections = &model.pages[page as usize].sections;
            match sections.get((section as usize).wrapping_sub(1)) {
                Some((Some(anchor), heading)) if section != 0 => {
                    let value = if heading.is_ascii() && *anchor == ascii_slug(heading) {
                        json!(heading)
                    } else {
                        json!([anchor, heading])
                    };
                    Some(value.to_string().into_boxed_str())
                }
                _ => None,
            }
        })
        .collect();
    let carried = carried_pages(&postings, packed.len(), records, config);
    // What a shard holds of the stem, if it is what it was, keeps its
    // version: an edit that leaves the page's quantised scores alone (most
    // words of a page whose length hardly moved) encodes no shard again.
    let changed = match previous {
        Some(old)
            if old.epoch == epoch
                && old.packed == packed
                && old.top == top
                && old.heads == heads
                && *old.positions == *positions =>
        {
            old.changed
        }
        _ => data.version,
    };
    StemOut {
        postings,
        version: data.version,
        changed,
        packed,
        heads,
        carried,
        top,
        positions,
        max_q,
        epoch,
    }
}

/// The FNV-1a hash of a word: where content-defined shard boundaries fall.
fn word_hash(word: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in word.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// One planned term shard: a run of the vocabulary.
#[derive(Default)]
struct ShardPlan {
    /// Indices into the vocabulary.
    words: std::ops::Range<usize>,
    /// Stems in the order their postings come in the shard.
    stems: Vec<u32>,
    ids: rustc_hash::FxHashMap<u32, usize>,
    /// Pages whose display records the shard carries.
    pages: BTreeSet<u32>,
    size: usize,
}

/// Cuts the vocabulary into term shards whose boundaries depend on the
/// words around them only (content-defined chunking), so that an edit moves
/// at most the boundaries near the words it changed: a shard closes after a
/// word once it holds half of `shard_bytes`, with a chance proportional to
/// the bytes the word added (one closing expected per half of
/// `shard_bytes`), and always at twice `shard_bytes`.
fn plan_shards(
    model: &Model,
    outs: &[Option<Arc<StemOut>>],
    records: &[Arc<Record>],
    with_records: &[bool],
    config: &SearchConfig,
) -> Vec<ShardPlan> {
    let limit = config.shard_bytes.max(2);
    let (min, gap, max) = (limit / 2, (limit / 2).max(1), limit * 2);
    let mut shards = Vec::new();
    let mut current = ShardPlan::default();
    for (i, word) in model.words.iter().enumerate() {
        if current.words.is_empty() {
            current.words = i..i;
        }
        let before = current.size;
        let stem = model.word_stems[i];
        if let Some(id) = stem
            && !current.ids.contains_key(&id)
            && let Some(s) = &outs[id as usize]
        {
            current.size += s.packed.len() + s.top.len() * 3 + 6;
            for &(_, section) in &s.top {
                if section != 0 {
                    current.size += 12;
                }
            }
            if with_records[id as usize] {
                for &page in &s.carried {
                    if current.pages.insert(page) {
                        current.size += records[page as usize].size();
                    }
                }
            }
            current.ids.insert(id, current.stems.len());
            current.stems.push(id);
        }
        current.size += word.len() + 4;
        current.words.end = i + 1;
        let added = (current.size - before) as u128;
        let anchor = (word_hash(word) as u128) * (gap as u128) < (added << 64);
        if current.size >= max || (current.size >= min && anchor) {
            shards.push(std::mem::take(&mut current));
        }
    }
    if !current.words.is_empty() || shards.is_empty() {
        shards.push(current);
    }
    shards
}

/// The fingerprint of a shard's input: its words, and the versions of its
/// stems (which change with their postings, top pages and those pages'
/// records), in the epoch.
fn shard_fingerprint(
    model: &Model,
    plan: &ShardPlan,
    outs: &[Option<Arc<StemOut>>],
    record_versions: &[u64],
    with_records: &[bool],
    epoch: u64,
) -> [u8; 32] {
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    buf.extend_from_slice(&epoch.to_le_bytes());
    for word in &model.words[plan.words.clone()] {
        buf.extend_from_slice(word.as_bytes());
        buf.push(0);
    }
    for &id in &plan.stems {
        buf.extend_from_slice(&id.to_le_bytes());
        let changed = outs[id as usize].as_ref().map_or(0, |o| o.changed);
        buf.extend_from_slice(&changed.to_le_bytes());
        buf.push(u8::from(with_records[id as usize]));
    }
    // The display records it carries.
    for &page in &plan.pages {
        buf.extend_from_slice(&page.to_le_bytes());
        buf.extend_from_slice(&record_versions[page as usize].to_le_bytes());
    }
    *blake3::hash(&buf).as_bytes()
}

fn encode_shard(
    model: &Model,
    plan: &ShardPlan,
    outs: &[Option<Arc<StemOut>>],
    records: &[Arc<Record>],
) -> EncodedShard {
    let words = &model.words[plan.words.clone()];
    let terms: Vec<i64> = model.word_stems[plan.words.clone()]
        .iter()
        .map(|stem| {
            stem.and_then(|id| plan.ids.get(&id))
                .map_or(-1, |&i| i as i64)
        })
        .collect();
    let mut postings = Vec::with_capacity(plan.stems.len());
    let mut tops = Vec::with_capacity(plan.stems.len());
    let mut positions = Vec::with_capacity(plan.stems.len());
    let mut heads: Vec<&str> = Vec::new();
    let mut head_ids: HashMap<(u32, u32), u32> = HashMap::new();
    for &id in &plan.stems {
        let Some(s) = &outs[id as usize] else {
            continue;
        };
        postings.push(s.packed.as_str());
        positions.push(&*s.positions);
        let mut top = String::new();
        let mut prev = 0;
        for (&(page, section), head) in s.top.iter().zip(&s.heads) {
            encode::push(&mut top, page - prev);
            prev = page;
            let head = match head {
                Some(value) => {
                    let next = heads.len() as u32 + 1;
                    let id = *head_ids.entry((page, section)).or_insert(next);
                    if id == next {
                        heads.push(value);
                    }
                    id
                }
                None => 0,
            };
            encode::push(&mut top, head);
        }
        tops.push(top);
    }
    let docs = records_json(
        plan.pages
            .iter()
            .map(|&page| (page, records[page as usize].as_ref())),
        true,
    );
    // Written by hand around the packed strings, which need no escaping
    // (they are base64url), in the layout serde_json gives an object: keys
    // sorted, no spaces.
    let mut terms_out = Vec::with_capacity(plan.size + 256);
    terms_out.extend_from_slice(PREFIX.as_bytes());
    terms_out.extend_from_slice(b"{\"docs\":");
    json(&mut terms_out, &docs);
    terms_out.extend_from_slice(b",\"heads\":[");
    for (i, head) in heads.iter().enumerate() {
        if i > 0 {
            terms_out.push(b',');
        }
        terms_out.extend_from_slice(head.as_bytes());
    }
    terms_out.push(b']');
    terms_out.extend_from_slice(b",\"postings\":");
    packed_list(&mut terms_out, &postings);
    terms_out.extend_from_slice(b",\"terms\":");
    json(&mut terms_out, &terms);
    terms_out.extend_from_slice(b",\"top\":");
    packed_list(
        &mut terms_out,
        &tops.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    terms_out.extend_from_slice(b",\"words\":");
    json(&mut terms_out, words);
    terms_out.extend_from_slice(b"}");
    terms_out.extend_from_slice(SUFFIX.as_bytes());
    let terms = terms_out;
    let mut positions_out =
        Vec::with_capacity(positions.iter().map(|p| p.len() + 3).sum::<usize>() + 64);
    positions_out.extend_from_slice(PREFIX.as_bytes());
    positions_out.extend_from_slice(b"{\"positions\":");
    packed_list(&mut positions_out, &positions);
    positions_out.extend_from_slice(b"}");
    positions_out.extend_from_slice(SUFFIX.as_bytes());
    let positions = positions_out;
    EncodedShard {
        terms: encoded(terms),
        positions: encoded(positions),
    }
}

/// A JSON list of packed strings ([`encode`]'s alphabet, which JSON
/// strings hold as they are).
fn packed_list(out: &mut Vec<u8>, list: &[&str]) {
    out.push(b'[');
    for (i, s) in list.iter().enumerate() {
        debug_assert!(
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
    out.push(b']');
}

/// Appends a value as JSON.
fn json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    if serde_json::to_writer(&mut *out, value).is_err() {
        // Plain strings, numbers and lists cannot fail to serialise.
        out.extend_from_slice(b"null");
    }
}

/// Target size of a key shard: half a term shard's, since a typo needs
/// several (its region and the deletions of its first characters).
fn key_shard_bytes(config: &SearchConfig) -> usize {
    (config.shard_bytes / 2).max(1)
}

/// Cuts the key entries (sorted) into key shards, as [`plan_shards`] cuts
/// the vocabulary: content-defined boundaries after a key (never inside
/// one), so that a change of the vocabulary moves only the boundaries near
/// its keys.
fn plan_key_shards(entries: &[KeyEntry<'_>], config: &SearchConfig) -> Vec<std::ops::Range<usize>> {
    let limit = key_shard_bytes(config).max(2);
    let (min, gap, max) = (limit / 2, (limit / 2).max(1), limit * 2);
    let mut shards = Vec::new();
    let mut start = 0;
    let mut size = 0usize;
    let mut k = 0;
    while k < entries.len() {
        let key = entries[k].0;
        let before = size;
        size += key.len() + 1;
        while k < entries.len() && entries[k].0 == key {
            size += 2 + entries[k].1.map_or(0, |(_, c)| c.len_utf8());
            k += 1;
        }
        let added = (size - before) as u128;
        let anchor = (word_hash(key) as u128) * (gap as u128) < (added << 64);
        if size >= max || (size >= min && anchor) {
            shards.push(start..k);
            start = k;
            size = 0;
        }
    }
    if start < entries.len() || shards.is_empty() {
        shards.push(start..entries.len());
    }
    shards
}

/// The fingerprint of a key shard: everything it holds.
fn key_fingerprint(entries: &[KeyEntry<'_>]) -> [u8; 32] {
    // Keys are word characters: the bytes 0 and 1 end them.
    let mut bytes = Vec::with_capacity(entries.len() * 16);
    for (key, from, bucket) in entries {
        bytes.extend_from_slice(key.as_bytes());
        match from {
            None => bytes.extend_from_slice(&[0, 0]),
            Some((at, c)) => {
                bytes.extend_from_slice(&[1, *at]);
                bytes.extend_from_slice(&(*c as u32).to_le_bytes());
            }
        }
        bytes.push(*bucket as u8);
    }
    *blake3::hash(&bytes).as_bytes()
}

/// A key shard: `{"keys": text}`, the text holding each key (sorted) as
/// the packed number of UTF-16 units it shares with the previous key, the
/// rest of the key, then its entries, each a [`keys::mark`] (followed, for
/// a deletion, by the deleted character).
fn encode_key_shard(entries: &[KeyEntry<'_>]) -> Encoded {
    let mut text = String::new();
    let mut previous: &str = "";
    let mut k = 0;
    while k < entries.len() {
        let key: &str = entries[k].0;
        let (units, bytes) = common_utf16(previous, key);
        encode::push(&mut text, units as u32);
        text.push_str(&key[bytes..]);
        while k < entries.len() && entries[k].0 == key {
            let (_, from, bucket) = entries[k];
            text.push(keys::mark(from, bucket));
            if let Some((_, c)) = from {
                text.push(c);
            }
            k += 1;
        }
        previous = key;
    }
    #[derive(Serialize)]
    struct KeyShard<'a> {
        keys: &'a str,
    }
    encoded(wrap(&KeyShard { keys: &text }))
}

/// The key shards of a language.
struct KeyShards {
    list: Vec<Arc<Encoded>>,
    /// The first key of each (the first one empty).
    starts: Vec<String>,
    /// The hash that names them.
    hash: String,
    /// How many were encoded (the others came from the cache).
    fresh: usize,
}

/// The key shards of a model ([`crate::keys`]), given its term shards'
/// first words: the keys of its vocabulary that a typed word in another
/// term shard may need, cut as [`plan_key_shards`] cuts them, each encoded
/// again only when its content changed.
fn key_shards(model: &mut Model, shard_starts: &[String], config: &SearchConfig) -> KeyShards {
    let mut index = std::mem::take(&mut model.cache.keys);
    index.update(model, shard_starts);
    model.cache.keys = index;
    let m: &Model = model;
    let entries: Vec<KeyEntry<'_>> = m
        .cache
        .keys
        .entries
        .iter()
        .filter(|(_, info)| info.kept)
        .map(|((key, from), info)| (&**key, *from, info.bucket))
        .collect();
    let plans = plan_key_shards(&entries, config);
    let mut kept: HashMap<[u8; 32], Arc<Encoded>> = HashMap::with_capacity(plans.len());
    let mut list: Vec<Arc<Encoded>> = Vec::with_capacity(plans.len());
    let mut fresh = 0;
    for r in &plans {
        let f = key_fingerprint(&entries[r.clone()]);
        let e = match kept.get(&f).or_else(|| m.cache.key_shards.get(&f)) {
            Some(e) => e.clone(),
            None => {
                fresh += 1;
                Arc::new(encode_key_shard(&entries[r.clone()]))
            }
        };
        kept.insert(f, e.clone());
        list.push(e);
    }
    let mut starts: Vec<String> = Vec::with_capacity(plans.len());
    let mut previous_last: &str = "";
    for r in &plans {
        let start = match entries.get(r.start) {
            Some(first) if !starts.is_empty() && !r.is_empty() => {
                short_start(previous_last, first.0)
            }
            _ => String::new(),
        };
        if let Some(last) = r.end.checked_sub(1).and_then(|i| entries.get(i)) {
            previous_last = last.0;
        }
        starts.push(start);
    }
    let hash = combined_hash(list.iter().map(|e| &e.hash));
    model.cache.key_shards = kept;
    KeyShards {
        list,
        starts,
        hash,
        fresh,
    }
}

/// One name for many files: a hash of their hashes.
/// How many consecutive document-table chunks share one name hash: 64, or
/// more on tables of over 4,096 chunks, so that `meta.js` lists at most
/// about 64 hashes.
pub(crate) fn doc_group(chunks: usize) -> usize {
    chunks.div_ceil(64).max(64)
}

fn combined_hash<'a>(hashes: impl Iterator<Item = &'a [u8; 32]>) -> String {
    let mut h = blake3::Hasher::new();
    for x in hashes {
        h.update(x);
    }
    h.finalize().to_hex()[..HASH_CHARS].to_string()
}

/// The export of one language's model (format: `search-index/README.md`).
pub(crate) fn export(
    model: &mut Model,
    lang: &str,
    langs: &[String],
    config: &SearchConfig,
) -> Result<Exported, Error> {
    let timer = std::time::Instant::now();
    let timing = std::env::var_os("GCA_SEARCH_TIMINGS").is_some();
    let page_count = model.page_count();
    let avg = model.averages();
    let mut facet_ids: BTreeMap<(&str, &str), u32> = BTreeMap::new();
    for (taxonomy, values) in &model.facets {
        for value in values.keys() {
            let id = facet_ids.len() as u32;
            facet_ids.insert((taxonomy, value), id);
        }
    }

    // What everything depends on: the page count, the averages, the facet
    // values (their ids are in the records), the configuration.
    let key = {
        let mut k = format!(
            "{page_count} {:?} {} {} {} {} {} {} {}",
            avg.map(f64::to_bits),
            model.top_pages,
            config.shard_bytes,
            config.doc_chunk_pages,
            config.records_percent,
            config.record_pages,
            config.table_bytes,
            config.top_pages
        );
        for (t, v) in facet_ids.keys() {
            k.push('\n');
            k.push_str(t);
            k.push('\0');
            k.push_str(v);
        }
        k
    };
    let cache = &mut model.cache;
    if cache.key.as_deref() != Some(key.as_str()) {
        cache.key = Some(key);
        cache.epoch += 1;
        cache.shards.clear();
        cache.chunks.clear();
    }
    let epoch = cache.epoch;
    cache.records.resize(page_count, None);

    if timing {
        eprintln!(
            "search {lang} export: key at {:?}{}",
            timer.elapsed(),
            crate::memory_lap()
        );
    }
    // Display records.
    let mut records: Vec<Arc<Record>> = Vec::with_capacity(page_count);
    // When each record last changed: an edit to a page's text that leaves
    // its title, URL and excerpt alone changes no shard that carries it.
    let mut record_versions: Vec<u64> = Vec::with_capacity(page_count);
    for (i, page) in model.pages.iter().enumerate() {
        let slot = &mut model.cache.records[i];
        match slot {
            Some((version, e, r, changed)) if *version == page.version && *e == epoch => {
                records.push(r.clone());
                record_versions.push(*changed);
            }
            _ => {
                let fresh = record_of(page, &facet_ids);
                let (r, changed) = match slot {
                    Some((_, e, old, changed)) if *e == epoch && **old == fresh => {
                        (old.clone(), *changed)
                    }
                    _ => (Arc::new(fresh), page.version),
                };
                *slot = Some((page.version, epoch, r.clone(), changed));
                records.push(r);
                record_versions.push(changed);
            }
        }
    }

    if timing {
        eprintln!(
            "search {lang} export: records at {:?}{}",
            timer.elapsed(),
            crate::memory_lap()
        );
    }
    // Every stem's postings, computed again where they changed.
    let stale: Vec<u32> = (0..model.stems.len() as u32)
        .filter(|&id| {
            let s = &model.stems[id as usize];
            s.pages() > 0
                && s.out
                    .as_ref()
                    .is_none_or(|o| o.epoch != epoch || o.version != s.version)
        })
        .collect();
    // A model that is never updated computes them a batch at a time and
    // lets each stem's entries, and its postings but for what the shards
    // write, go as soon as they are computed: no stem is then held twice.
    let once = !model.is_updatable();
    let mut batches: Vec<&[u32]> = Vec::new();
    if once {
        // Batches of about a million entries (common stems come first, and
        // each has an entry for most pages).
        let (mut start, mut entries) = (0, 0);
        for (k, &id) in stale.iter().enumerate() {
            entries += model.stems[id as usize].pages();
            if entries >= 1 << 20 {
                batches.push(&stale[start..=k]);
                (start, entries) = (k + 1, 0);
            }
        }
        batches.push(&stale[start..]);
    } else {
        batches.push(&stale);
    }
    for ids in batches {
        let computed: Vec<(u32, StemOut)> = {
            let m: &Model = model;
            ids.par_iter()
                .map(|&id| {
                    let previous = m.stems[id as usize].out.as_deref();
                    (id, stem_out(m, id, &avg, &records, config, epoch, previous))
                })
                .collect()
        };
        for (id, mut out) in computed {
            let stem = &mut model.stems[id as usize];
            if once {
                out.postings = Vec::new();
                stem.release();
            }
            stem.out = Some(Arc::new(out));
            stem.dirty.clear();
        }
    }
    let outs: Vec<Option<Arc<StemOut>>> = model
        .stems
        .iter()
        .map(|s| if s.pages() == 0 { None } else { s.out.clone() })
        .collect();
    let max_q = outs.iter().flatten().map(|o| o.max_q).max().unwrap_or(1);

    if timing {
        eprintln!(
            "search {lang} export: stems at {:?}{}",
            timer.elapsed(),
            crate::memory_lap()
        );
    }
    // Where display records go: all in meta.js when the table is small;
    // else the top pages' records of the stems on many pages ride in their
    // shards (and every record is in the document table too).
    let table_size: usize = records.iter().map(|r| r.size()).sum();
    let in_meta = table_size <= config.table_bytes;
    let with_records: Vec<bool> = outs
        .iter()
        .map(|o| {
            o.as_ref()
                .is_some_and(|o| !in_meta && !o.carried.is_empty())
        })
        .collect();

    if timing {
        eprintln!(
            "search {lang} export: with_records at {:?}",
            timer.elapsed()
        );
    }
    // Term shards.
    let plans = plan_shards(model, &outs, &records, &with_records, config);
    let fingerprints: Vec<[u8; 32]> = plans
        .iter()
        .map(|p| shard_fingerprint(model, p, &outs, &record_versions, &with_records, epoch))
        .collect();
    let missing: Vec<usize> = (0..plans.len())
        .filter(|&i| !model.cache.shards.contains_key(&fingerprints[i]))
        .collect();
    if timing {
        eprintln!(
            "search {lang} export: {} shards, {} to encode, {} stems computed",
            plans.len(),
            missing.len(),
            stale.len()
        );
    }
    let fresh: Vec<(usize, EncodedShard)> = {
        let m: &Model = model;
        missing
            .par_iter()
            .map(|&i| (i, encode_shard(m, &plans[i], &outs, &records)))
            .collect()
    };
    let mut kept: HashMap<[u8; 32], Arc<EncodedShard>> = HashMap::with_capacity(plans.len());
    for (i, e) in fresh {
        kept.insert(fingerprints[i], Arc::new(e));
    }
    for f in &fingerprints {
        if !kept.contains_key(f)
            && let Some(e) = model.cache.shards.get(f)
        {
            kept.insert(*f, e.clone());
        }
    }
    let shard_list: Vec<Arc<EncodedShard>> = fingerprints
        .iter()
        .filter_map(|f| kept.get(f).cloned())
        .collect();
    model.cache.shards = kept;

    if timing {
        eprintln!(
            "search {lang} export: shards at {:?}{}",
            timer.elapsed(),
            crate::memory_lap()
        );
    }
    let mut shard_starts: Vec<String> = Vec::with_capacity(plans.len());
    let mut previous_last = "";
    for plan in &plans {
        let words = &model.words[plan.words.clone()];
        let start = match words.first() {
            Some(first) if !shard_starts.is_empty() => short_start(previous_last, first),
            _ => String::new(),
        };
        if let Some(last) = words.last() {
            previous_last = last;
        }
        shard_starts.push(start);
    }
    // Key shards, for typos that leave their term shard.
    let keys = key_shards(model, &shard_starts, config);
    if timing {
        eprintln!(
            "search {lang} export: {} key shards, {} encoded, at {:?}",
            keys.list.len(),
            keys.fresh,
            timer.elapsed()
        );
    }

    // One name for all the shards of the language: a hash of all of them.
    let shard_hash = combined_hash(
        shard_list
            .iter()
            .flat_map(|s| [&s.terms.hash, &s.positions.hash]),
    );
    let mut files = Vec::new();
    for (n, shard) in shard_list.iter().enumerate() {
        files.push(ExportFile {
            path: format!("{lang}/t-{shard_hash}-{n}.js"),
            bytes: shard.terms.bytes.clone(),
        });
        files.push(ExportFile {
            path: format!("{lang}/p-{shard_hash}-{n}.js"),
            bytes: shard.positions.bytes.clone(),
        });
    }

    for (n, shard) in keys.list.iter().enumerate() {
        files.push(ExportFile {
            path: format!("{lang}/k-{}-{n}.js", keys.hash),
            bytes: shard.bytes.clone(),
        });
    }

    if timing {
        eprintln!(
            "search {lang} export: names at {:?}{}",
            timer.elapsed(),
            crate::memory_lap()
        );
    }
    // Facets: values in meta, page sets in one file.
    let mut facet_meta = Vec::new();
    let mut facet_sets = Vec::new();
    for (taxonomy, values) in &model.facets {
        let mut list = Vec::new();
        for (value, pages) in values {
            facet_sets.push(encode::gaps(pages));
            list.push(json!([value, pages.len()]));
        }
        facet_meta.push(json!([taxonomy, list]));
    }
    let facet_file = if facet_sets.is_empty() {
        None
    } else {
        let bytes = wrap(&json!({ "sets": facet_sets }));
        let hash = hash_of(&bytes);
        files.push(ExportFile {
            path: format!("{lang}/f-{hash}.js"),
            bytes: bytes.into(),
        });
        Some(hash)
    };

    if timing {
        eprintln!(
            "search {lang} export: facets at {:?}{}",
            timer.elapsed(),
            crate::memory_lap()
        );
    }
    // The document table: in meta.js, or in chunks of a fixed number of
    // consecutive pages, all named by one hash of the whole table.
    let mut table = Value::Null;
    let mut docs = Value::Null;
    if in_meta {
        table = Value::Array(records_json(
            records
                .iter()
                .enumerate()
                .map(|(i, r)| (i as u32, r.as_ref())),
            false,
        ));
    } else {
        let per = config.doc_chunk_pages.max(1);
        let mut kept: HashMap<[u8; 32], Arc<Encoded>> = HashMap::new();
        let mut chunks: Vec<Arc<Encoded>> = Vec::new();
        for (n, chunk) in model.pages.chunks(per).enumerate() {
            let mut h = blake3::Hasher::new();
            h.update(&epoch.to_le_bytes());
            h.update(&(n as u64).to_le_bytes());
            for page in chunk {
                h.update(&page.version.to_le_bytes());
            }
            let f = *h.finalize().as_bytes();
            let e = match model.cache.chunks.get(&f) {
                Some(e) => e.clone(),
                None => {
                    let docs = records_json(
                        records[n * per..n * per + chunk.len()]
                            .iter()
                            .map(|r| (0, r.as_ref())),
                        false,
                    );
                    Arc::new(encoded(wrap(&json!({ "first": n * per, "docs": docs }))))
                }
            };
            kept.insert(f, e.clone());
            chunks.push(e);
        }
        model.cache.chunks = kept;
        // Each group of consecutive chunks is named by a hash of its own, so
        // an edit renames one group's files, not the whole table, and a
        // reader's cached chunks outlive most changes to the site.
        let group = doc_group(chunks.len());
        let hashes: Vec<String> = chunks
            .chunks(group)
            .map(|g| combined_hash(g.iter().map(|c| &c.hash)))
            .collect();
        docs = json!({ "per": per, "count": chunks.len(), "group": group, "hashes": hashes });
        for (n, c) in chunks.iter().enumerate() {
            files.push(ExportFile {
                path: format!("{lang}/d-{}-{n}.js", hashes[n / group]),
                bytes: c.bytes.clone(),
            });
        }
    }

    if timing {
        eprintln!(
            "search {lang} export: table at {:?}{}",
            timer.elapsed(),
            crate::memory_lap()
        );
    }
    let analyzer = &model.analyzer;
    let scores = &dequantise_table()[..=max_q as usize];
    let meta = json!({
        "kind": "meta",
        "format": FORMAT,
        "lang": lang,
        "languages": langs,
        "pages": page_count,
        "shards": shard_starts[1..].join(" "),
        "hash": shard_hash,
        "keys": keys.starts[1..].join(" "),
        "keyHash": keys.hash,
        "top": model.top_pages,
        "table": table,
        "docs": docs,
        "facets": facet_meta,
        "facetFile": facet_file,
        "scores": scores,
        "prefixMin": PREFIX_MIN,
        "prefixShards": PREFIX_SHARDS,
        "stop": analyzer.lang().stop_words(),
    });
    let mut bundle = String::with_capacity(READER_JS.len() + UI_JS.len() + 1024);
    bundle.push_str(READER_JS);
    bundle.push('\n');
    bundle.push_str(UI_JS);
    bundle.push('\n');
    let mut bytes = bundle.into_bytes();
    bytes.extend(wrap(&meta));
    files.push(ExportFile {
        path: format!("{lang}/meta.js"),
        bytes: bytes.into(),
    });
    Ok(Exported {
        files,
        shard_starts,
        words: model.words.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_shard_starts() {
        assert_eq!(
            ascii_slug("Experts' Group: 2008 (HLEG)"),
            "experts-group-2008-hleg"
        );
        assert_eq!(ascii_slug("  --Edge--  "), "edge");
        assert_eq!(short_start("secure", "security"), "securi");
        assert_eq!(short_start("abc", "b"), "b");
        assert_eq!(short_start("", "zebra"), "z");
    }

    #[test]
    fn excerpts_are_cut_at_a_word() {
        assert_eq!(excerpt("short text"), "short text");
        let long = "word ".repeat(100);
        let cut = excerpt(&long);
        assert!(cut.chars().count() <= EXCERPT_CHARS, "{}", cut.len());
        assert!(cut.ends_with("word…"), "{cut}");
        let unbroken = "x".repeat(500);
        assert_eq!(excerpt(&unbroken).chars().count(), EXCERPT_CHARS);
    }

    #[test]
    fn urls_are_front_coded_in_utf16_units() {
        let r = |url: &str| Record {
            url: url.to_string(),
            title: String::new(),
            excerpt: String::new(),
            facets: String::new(),
        };
        let list = [r("docs/a/"), r("docs/b/"), r("ü/𝄞x/"), r("ü/𝄞y/")];
        let json = records_json(list.iter().enumerate().map(|(i, r)| (i as u32, r)), false);
        assert_eq!(json[0][0], 0);
        assert_eq!(json[0][1], "docs/a/");
        assert_eq!(json[1][0], 5);
        assert_eq!(json[1][1], "b/");
        assert_eq!(json[2][0], 0);
        // ü is one unit, 𝄞 two.
        assert_eq!(json[3][0], 4);
        assert_eq!(json[3][1], "y/");
    }

    #[test]
    fn positions_pack_the_common_single_position_in_one_number() {
        let mut s = String::new();
        push_positions(&mut s, &[7]);
        assert_eq!(encode::unpack(&s).unwrap(), [14]);
        let mut s = String::new();
        push_positions(&mut s, &[7, 9, 40]);
        assert_eq!(encode::unpack(&s).unwrap(), [15, 2, 2, 31]);
    }
}
