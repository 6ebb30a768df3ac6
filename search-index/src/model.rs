//! One language's index as the export sees it: for every page, its display
//! fields, field lengths and terms (frequency per field, best section, word
//! positions); for every stem, the pages it is on; the vocabulary.
//!
//! A model is built from the pages, beside the tantivy index of record and
//! with the analysis that feeds its writer: once, for `gca build`
//! ([`Model::for_build`]), or to be kept and updated, for `gca serve`
//! ([`Model::from_records`]).
//! Both give the same model, and so byte for byte the same export; a test
//! holds them together. [`Model::replace`] swaps pages for new versions of
//! themselves, and the export (`crate::export`) then encodes again only the
//! shards and chunks whose inputs changed.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use tantivy::fieldnorm::FieldNormReader;
use tantivy::schema::Facet;

use crate::analysis::{Analyzer, Lang, TEXT_GAP, for_each_word};
use crate::index::{LEAD_CHARS, PAGE_FIELDS, lead, page_texts, section_headings};
use crate::packed::{self, ChunkFn, PackedRecord, Pages};
#[cfg(test)]
use crate::view::IndexView;
use crate::view::{RawPosting, scoring_average, section_weight};
use crate::{Error, PageRecord};

/// One stem on one page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PageTerm {
    pub stem: u32,
    pub freq: [u32; PAGE_FIELDS],
    /// 1 + the index of the anchored section where the stem weighs most, or
    /// 0.
    pub section: u32,
    /// Word positions of the stem in the page's texts, sorted.
    pub positions: Vec<u32>,
}

/// What the export needs of a page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PageData {
    pub url: String,
    pub title: String,
    pub description: String,
    /// The first words of the prose (the excerpt when there is no
    /// description).
    pub lead: String,
    pub taxonomies: BTreeMap<String, Vec<String>>,
    /// `(anchor, heading)` of each section.
    pub sections: Vec<(Option<String>, String)>,
    /// The stems on the page, sorted (empty in a model that is never
    /// updated: see [`Model::updatable`]).
    pub stems: Vec<u32>,
    /// The distinct surface words of the page's texts, stop words included,
    /// sorted (empty in a model that is never updated).
    pub surfaces: Vec<String>,
    /// Changes whenever the page does (unique over the model's life).
    pub version: u64,
}

/// A stem on a page, as its stem keeps it: 16 bytes, since a build holds
/// one for every stem of every page (about 150 a page). A count of 65,535
/// or more in one field is kept as 65,535 (BM25 has long stopped telling
/// such counts apart), and a section past the 65,534th as none (the result
/// then points at the page).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StemEntry {
    pub page: u32,
    freq: [u16; PAGE_FIELDS],
    section: u16,
}

const _: () = assert!(std::mem::size_of::<StemEntry>() == 16);

impl StemEntry {
    pub(crate) fn new(page: u32, freq: [u32; PAGE_FIELDS], section: u32) -> StemEntry {
        StemEntry {
            page,
            freq: freq.map(|f| f.min(u16::MAX as u32) as u16),
            section: u16::try_from(section).unwrap_or(0),
        }
    }

    /// Counts of the stem in each field of the page.
    pub(crate) fn freq(&self) -> [u32; PAGE_FIELDS] {
        self.freq.map(u32::from)
    }

    /// 1 + the index of the anchored section where the stem weighs most,
    /// or 0.
    pub(crate) fn section(&self) -> u32 {
        u32::from(self.section)
    }
}

/// A stem and the pages it is on, kept together (an export reads every
/// page of each stem it encodes again).
#[derive(Debug, Clone)]
pub(crate) struct StemData {
    /// Read by the tantivy cross-check (`from_view_read_back`).
    #[cfg_attr(not(test), allow(dead_code))]
    pub name: String,
    /// By page.
    pub entries: Vec<StemEntry>,
    /// The packed positions of each entry, one after the other
    /// (`crate::export::push_positions`)...
    pub positions: String,
    /// ... entry `i`'s from `offsets[i]`.
    pub offsets: Vec<u32>,
    /// Changes whenever its pages or their terms do.
    pub version: u64,
    /// Pages replaced since its postings were last computed.
    pub dirty: Vec<u32>,
    /// Its encoded postings, for [`Self::version`] (and the epoch they
    /// carry).
    pub out: Option<Arc<StemOut>>,
    /// Its number of pages once [`Self::release`] let its entries go.
    released: Option<usize>,
}

impl StemData {
    /// Number of pages.
    pub(crate) fn pages(&self) -> usize {
        self.released.unwrap_or(self.entries.len())
    }

    /// Lets its entries and positions go, keeping their number: in a model
    /// that is never updated, once its postings are computed, nothing
    /// reads them again (its [`StemOut`] holds the positions).
    pub(crate) fn release(&mut self) {
        self.released = Some(self.pages());
        self.entries = Vec::new();
        self.offsets = Vec::new();
        self.positions = String::new();
    }

    fn packed_positions(term: &PageTerm) -> String {
        let mut out = String::new();
        crate::export::push_positions(&mut out, &term.positions);
        out
    }

    /// Appends a page after every page it has.
    fn push(&mut self, page: u32, term: &PageTerm) {
        self.offsets.push(self.positions.len() as u32);
        self.positions.push_str(&Self::packed_positions(term));
        self.entries
            .push(StemEntry::new(page, term.freq, term.section));
    }

    fn span(&self, i: usize) -> std::ops::Range<usize> {
        let start = self.offsets[i] as usize;
        let end = self
            .offsets
            .get(i + 1)
            .map_or(self.positions.len(), |&e| e as usize);
        start..end
    }

    /// Takes a page out.
    fn remove(&mut self, page: u32) {
        let Ok(i) = self.entries.binary_search_by(|e| e.page.cmp(&page)) else {
            return;
        };
        let span = self.span(i);
        let len = span.len() as u32;
        self.positions.replace_range(span, "");
        self.entries.remove(i);
        self.offsets.remove(i);
        for o in &mut self.offsets[i..] {
            *o -= len;
        }
    }

    /// Puts a page in, in page order.
    fn insert(&mut self, page: u32, term: &PageTerm) {
        let i = match self.entries.binary_search_by(|e| e.page.cmp(&page)) {
            Ok(_) => {
                self.remove(page);
                return self.insert(page, term);
            }
            Err(i) => i,
        };
        let packed = Self::packed_positions(term);
        let at = self
            .offsets
            .get(i)
            .map_or(self.positions.len(), |&o| o as usize);
        self.positions.insert_str(at, &packed);
        let len = packed.len() as u32;
        for o in &mut self.offsets[i..] {
            *o += len;
        }
        self.offsets.insert(i, at as u32);
        self.entries
            .insert(i, StemEntry::new(page, term.freq, term.section));
    }
}

/// A stem's postings as the export writes them.
#[derive(Debug)]
pub(crate) struct StemOut {
    /// Its postings, top pages marked.
    pub postings: Vec<crate::view::Posting>,
    /// The stem's version they were computed for.
    pub version: u64,
    /// The stem's version when what a shard holds of it (packed postings,
    /// top pages, headings, positions) last changed.
    pub changed: u64,
    /// Packed `gap, q` per page.
    pub packed: String,
    /// `(page, section)` of its top pages, by page...
    pub top: Vec<(u32, u32)>,
    /// ... and the heading each one's section shows (as JSON), if it has an
    /// anchor.
    pub heads: Vec<Option<Box<str>>>,
    /// The pages whose display records may ride in its shard, best first
    /// (`export::carried_pages`).
    pub carried: Vec<u32>,
    /// Packed positions, in the order of the postings.
    pub positions: Arc<str>,
    pub max_q: u8,
    /// The export epoch it was computed in (see `crate::export::Cache`).
    pub epoch: u64,
}

/// A surface word of the vocabulary.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Surface {
    /// Its stem (`None`: a stop word).
    pub stem: Option<u32>,
    /// Pages it is on.
    pub pages: u32,
}

/// See the module documentation.
pub(crate) struct Model {
    pub analyzer: Analyzer,
    pub top_pages: usize,
    pub pages: Vec<PageData>,
    /// Field lengths of each page, as tantivy's field norms decode them.
    pub lens: Vec<[u32; PAGE_FIELDS]>,
    pub stems: Vec<StemData>,
    stem_ids: FxHashMap<String, u32>,
    pub surfaces: FxHashMap<String, Surface>,
    /// Every surface word and stop word, sorted...
    pub words: Vec<String>,
    /// ... and the stem of each (`None`: a stop word).
    pub word_stems: Vec<Option<u32>>,
    /// Changes whenever the vocabulary does.
    pub words_version: u64,
    /// Taxonomy to value to sorted pages.
    pub facets: BTreeMap<String, BTreeMap<String, Vec<u32>>>,
    /// Page URL to ordinal.
    by_url: FxHashMap<String, u32>,
    /// Sum of each field's lengths over the pages.
    sums: [u64; PAGE_FIELDS],
    /// Stems computed once per surface word.
    stem_cache: WordCache,
    /// Source of versions.
    counter: u64,
    /// The export's memory of what it encoded (see `crate::export`).
    pub cache: crate::export::Cache,
    /// Whether pages keep their stems and surface words, which
    /// [`Model::replace`] needs (a build's model, exported once, keeps
    /// neither: at 100,000 pages they took 1 GiB).
    updatable: bool,
}

/// A page's texts analysed without tantivy.
struct Analysed {
    lens: [u32; PAGE_FIELDS],
    /// Stem to its term (with `stem` not yet numbered).
    terms: BTreeMap<String, PageTerm>,
    surfaces: Vec<String>,
}

/// A page analysed, with what its record gives the export: all of its
/// [`PageData`] but the numbers, which are given in page order.
struct Prepared {
    data: PageData,
    analysed: Analysed,
}

/// The [`PageData`] of a record, its stems, surfaces and version not yet
/// set.
fn record_data(page: &PageRecord) -> PageData {
    PageData {
        url: page.url.clone(),
        title: page.title.clone(),
        description: page.description.clone(),
        lead: lead(page, LEAD_CHARS),
        taxonomies: page.taxonomies.clone(),
        sections: section_headings(page),
        stems: Vec::new(),
        surfaces: Vec::new(),
        version: 0,
    }
}

/// Pages analysed in parallel at a time: enough to keep every core busy,
/// few enough that their analyses held at once stay small.
const ANALYSIS_CHUNK: usize = 2048;

/// Surface words and their stems, each worked out once: a cache per
/// thread of the analysis (words are numbered, so that a page's analysis
/// hashes each word once and compares numbers, not strings).
#[derive(Default)]
pub(crate) struct WordCache {
    ids: FxHashMap<String, u32>,
    /// Each word's surface and the number of its stem (`None`: a stop word).
    words: Vec<(String, Option<u32>)>,
    stem_ids: FxHashMap<String, u32>,
    stems: Vec<String>,
}

impl WordCache {
    /// Words kept at most (a page starting past it starts a new cache).
    const LIMIT: usize = 500_000;

    fn word(&mut self, analyzer: &Analyzer, surface: &str) -> u32 {
        if let Some(&id) = self.ids.get(surface) {
            return id;
        }
        let stem = analyzer
            .term(surface)
            .map(|stem| match self.stem_ids.get(&stem) {
                Some(&s) => s,
                None => {
                    let s = self.stems.len() as u32;
                    self.stem_ids.insert(stem.clone(), s);
                    self.stems.push(stem);
                    s
                }
            });
        let id = self.words.len() as u32;
        self.ids.insert(surface.to_string(), id);
        self.words.push((surface.to_string(), stem));
        id
    }

    /// The stem of a surface word.
    fn stem_of(&mut self, analyzer: &Analyzer, surface: &str) -> Option<String> {
        self.make_room();
        let id = self.word(analyzer, surface);
        self.words[id as usize]
            .1
            .map(|s| self.stems[s as usize].clone())
    }

    fn make_room(&mut self) {
        if self.words.len() >= Self::LIMIT {
            *self = WordCache::default();
        }
    }
}

/// What [`Model::analyse`] does, with the word cache given: pages are
/// analysed in parallel, each thread with a cache of its own.
fn analyse_texts(
    analyzer: &Analyzer,
    cache: &mut WordCache,
    texts: &[String],
    anchored: &[bool],
) -> Analysed {
    cache.make_room();
    let mut tokens = [0u32; PAGE_FIELDS];
    // By stem number: its term (with `stem` not yet numbered).
    let mut terms: FxHashMap<u32, PageTerm> = FxHashMap::default();
    // (stem, section) -> frequencies in heading, text, code
    let mut in_sections: FxHashMap<(u32, u32), [u32; 3]> = FxHashMap::default();
    let mut seen: Vec<u32> = Vec::new();
    let mut start = 0u32;
    for (k, text) in texts.iter().enumerate() {
        let (field, section) = text_place(k);
        let mut n = 0u32;
        for_each_word(text, |surface, _, _| {
            let at = start.saturating_add(n);
            n += 1;
            let word = cache.word(analyzer, surface);
            seen.push(word);
            let Some(stem) = cache.words[word as usize].1 else {
                return;
            };
            tokens[field] += 1;
            if let Some((j, kind)) = section
                && anchored.get(j).copied().unwrap_or(false)
            {
                in_sections.entry((stem, j as u32)).or_default()[kind] += 1;
            }
            let term = terms.entry(stem).or_insert_with(|| PageTerm {
                stem: 0,
                freq: [0; PAGE_FIELDS],
                section: 0,
                positions: Vec::new(),
            });
            term.freq[field] += 1;
            term.positions.push(at);
        });
        start = start.saturating_add(n).saturating_add(TEXT_GAP);
    }
    // Best section per stem: the heaviest, ties keep the earlier.
    let mut best: FxHashMap<u32, (f64, u32)> = FxHashMap::default();
    for ((stem, j), freq) in in_sections {
        let weight = section_weight(freq);
        let b = best.entry(stem).or_insert((weight, j));
        if weight > b.0 || (weight == b.0 && j < b.1) {
            *b = (weight, j);
        }
    }
    let terms: BTreeMap<String, PageTerm> = terms
        .into_iter()
        .map(|(stem, mut term)| {
            term.section = best.get(&stem).map_or(0, |b| b.1 + 1);
            (cache.stems[stem as usize].clone(), term)
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    let mut surfaces: Vec<String> = seen
        .into_iter()
        .map(|w| cache.words[w as usize].0.clone())
        .collect();
    surfaces.sort_unstable();
    Analysed {
        lens: tokens.map(norm),
        terms,
        surfaces,
    }
}

/// Which page field a text of [`page_texts`] belongs to, and for section
/// texts which section and which of its fields (heading, text, code).
fn text_place(k: usize) -> (usize, Option<(usize, usize)>) {
    match k {
        0 => (0, None),
        1 => (1, None),
        _ => {
            let kind = (k - 2) % 3;
            (2 + kind, Some(((k - 2) / 3, kind)))
        }
    }
}

/// A field's length as tantivy stores it (its norm, decoded).
fn norm(tokens: u32) -> u32 {
    FieldNormReader::id_to_fieldnorm(FieldNormReader::fieldnorm_to_id(tokens))
}

impl Model {
    fn empty(lang: &str, top_pages: usize) -> Model {
        Model {
            analyzer: Analyzer::new(Lang::from_code(lang)),
            top_pages: top_pages.max(1),
            pages: Vec::new(),
            lens: Vec::new(),
            stems: Vec::new(),
            stem_ids: FxHashMap::default(),
            surfaces: FxHashMap::default(),
            words: Vec::new(),
            word_stems: Vec::new(),
            words_version: 0,
            facets: BTreeMap::new(),
            by_url: FxHashMap::default(),
            sums: [0; PAGE_FIELDS],
            stem_cache: WordCache::default(),
            counter: 0,
            cache: crate::export::Cache::default(),
            updatable: true,
        }
    }

    fn next_version(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// The language's analyser's stem of a surface word (cached).
    fn stem_of(&mut self, surface: &str) -> Option<String> {
        self.stem_cache.stem_of(&self.analyzer, surface)
    }

    fn stem_id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.stem_ids.get(name) {
            return id;
        }
        let id = self.stems.len() as u32;
        let version = self.next_version();
        self.stems.push(StemData {
            name: name.to_string(),
            entries: Vec::new(),
            positions: String::new(),
            offsets: Vec::new(),
            version,
            dirty: Vec::new(),
            out: None,
            released: None,
        });
        self.stem_ids.insert(name.to_string(), id);
        id
    }

    /// Surface words, positions, and (as tantivy would count them) field
    /// lengths, frequencies and section weights of a page's texts.
    fn analyse(&mut self, texts: &[String], anchored: &[bool]) -> Analysed {
        analyse_texts(&self.analyzer, &mut self.stem_cache, texts, anchored)
    }

    /// A page's analysed terms numbered (new stems created, with no pages
    /// yet), in stem order.
    fn number_terms(&mut self, terms: BTreeMap<String, PageTerm>) -> Vec<PageTerm> {
        let mut terms: Vec<PageTerm> = terms
            .into_iter()
            .map(|(stem, mut t)| {
                t.stem = self.stem_id(&stem);
                t
            })
            .collect();
        terms.sort_by_key(|t| t.stem);
        terms
    }

    /// A page's data from its record, with its field lengths and terms
    /// (numbered: new stems are created, with no pages yet).
    fn page_from_record(
        &mut self,
        page: &PageRecord,
    ) -> (PageData, [u32; PAGE_FIELDS], Vec<PageTerm>) {
        let texts = page_texts(page);
        let anchored: Vec<bool> = page.sections.iter().map(|s| s.anchor.is_some()).collect();
        let analysed = self.analyse(&texts, &anchored);
        let lens = analysed.lens;
        let (data, terms) = self.page_data(page, analysed);
        (data, lens, terms)
    }

    /// A page's data from its record and its analysis, with its terms
    /// numbered.
    fn page_data(&mut self, page: &PageRecord, analysed: Analysed) -> (PageData, Vec<PageTerm>) {
        self.number_page(Prepared {
            data: record_data(page),
            analysed,
        })
    }

    /// A prepared page's data with its terms numbered (new stems are
    /// created, with no pages yet).
    fn number_page(&mut self, prepared: Prepared) -> (PageData, Vec<PageTerm>) {
        let Prepared { mut data, analysed } = prepared;
        let terms = self.number_terms(analysed.terms);
        data.version = self.next_version();
        data.stems = terms.iter().map(|t| t.stem).collect();
        data.surfaces = analysed.surfaces;
        (data, terms)
    }

    /// The model of `pages` (sorted as [`crate::build`] sorts them), without
    /// tantivy.
    pub(crate) fn from_records(lang: &str, pages: &[&PageRecord], top_pages: usize) -> Model {
        // Records in memory never fail to be read.
        Model::from_pages(lang, Pages::Records(pages), top_pages, true)
            .unwrap_or_else(|_| Model::empty(lang, top_pages))
    }

    /// The model a build exports, once: the pages (sorted as
    /// [`crate::build`] sorts them, the order of the tantivy index of
    /// record) analysed as they are for tantivy's writer, which gives the
    /// same field lengths as tantivy's norms, the same frequencies, sections
    /// and positions as its postings and the same facets as its facet field
    /// (a test holds the export to what tantivy's index reads back). Made
    /// beside the tantivy index, not from it; it keeps no per-page stems or
    /// words (see [`Model::updatable`]).
    pub(crate) fn for_build(lang: &str, pages: Pages, top_pages: usize) -> Result<Model, Error> {
        Model::from_pages(lang, pages, top_pages, false)
    }

    /// The model of `pages`: pages are analysed in parallel, a chunk at a
    /// time, then numbered in page order. Field lengths are as the analysis
    /// counts them (tantivy's norms, decoded). See [`Model::updatable`].
    fn from_pages(
        lang: &str,
        pages: Pages,
        top_pages: usize,
        updatable: bool,
    ) -> Result<Model, Error> {
        Model::from_chunks(lang, top_pages, updatable, &mut |f| {
            pages.for_each_chunk(ANALYSIS_CHUNK, f)
        })
    }

    /// [`Model::for_build`] of packed records, each chunk of which is
    /// dropped once it is analysed.
    pub(crate) fn for_build_draining(
        lang: &str,
        pages: Vec<PackedRecord>,
        top_pages: usize,
    ) -> Result<Model, Error> {
        let mut pages = Some(pages);
        Model::from_chunks(lang, top_pages, false, &mut |f| {
            packed::drain_chunks(pages.take().unwrap_or_default(), ANALYSIS_CHUNK, f)
        })
    }

    /// The model of the pages `each` hands its argument, a chunk at a
    /// time.
    fn from_chunks(
        lang: &str,
        top_pages: usize,
        updatable: bool,
        each: &mut dyn FnMut(ChunkFn) -> Result<(), Error>,
    ) -> Result<Model, Error> {
        let mut model = Model::empty(lang, top_pages);
        model.updatable = updatable;
        // A word cache per thread of the pool, for the whole model (rayon
        // makes many jobs of each chunk, a cache per job would start empty).
        let caches: Vec<std::sync::Mutex<WordCache>> = (0..rayon::current_num_threads().max(1))
            .map(|_| std::sync::Mutex::new(WordCache::default()))
            .collect();
        let analyzer = model.analyzer.clone();
        // The pages of a chunk are numbered and added (one thread, in page
        // order) while the next chunk is analysed (the others).
        let mut pending: Vec<Prepared> = Vec::new();
        each(&mut |chunk| {
            let previous = std::mem::take(&mut pending);
            let (done, ()) = rayon::join(
                || {
                    chunk
                        .par_iter()
                        .map(|page| {
                            let texts = page_texts(page);
                            let anchored: Vec<bool> =
                                page.sections.iter().map(|s| s.anchor.is_some()).collect();
                            let slot = rayon::current_thread_index().unwrap_or(0) % caches.len();
                            // Only this thread takes its slot: never
                            // contended. A poisoned lock still holds a
                            // usable cache.
                            let mut cache = caches[slot]
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner);
                            Prepared {
                                data: record_data(page),
                                analysed: analyse_texts(&analyzer, &mut cache, &texts, &anchored),
                            }
                        })
                        .collect::<Vec<Prepared>>()
                },
                || model.add_prepared(previous),
            );
            pending = done;
            Ok(())
        })?;
        model.add_prepared(std::mem::take(&mut pending));
        if !updatable {
            // What the vectors grew by in doubling is not needed any more.
            for stem in &mut model.stems {
                stem.entries.shrink_to_fit();
                stem.offsets.shrink_to_fit();
                stem.positions.shrink_to_fit();
            }
        }
        model.finish_vocabulary();
        model.facets = facets_of(&model.pages);
        Ok(model)
    }

    /// Numbers and adds prepared pages, in order, as the next ordinals.
    fn add_prepared(&mut self, pages: Vec<Prepared>) {
        for prepared in pages {
            let lens = prepared.analysed.lens;
            let (data, terms) = self.number_page(prepared);
            let ordinal = self.pages.len() as u32;
            for t in &terms {
                self.stems[t.stem as usize].push(ordinal, t);
            }
            self.push_page(data, lens);
        }
    }

    /// Adds a page (as the next ordinal) to the surfaces and sums; its
    /// stems are the caller's.
    fn push_page(&mut self, mut data: PageData, lens: [u32; PAGE_FIELDS]) {
        let ordinal = self.pages.len() as u32;
        for s in &data.surfaces {
            self.count_surface(s, 1);
        }
        for (sum, len) in self.sums.iter_mut().zip(lens) {
            *sum += len as u64;
        }
        self.by_url.insert(data.url.clone(), ordinal);
        if !self.updatable {
            data.stems = Vec::new();
            data.surfaces = Vec::new();
        }
        self.pages.push(data);
        self.lens.push(lens);
    }

    /// Whether pages can be replaced (see [`Model::updatable`]).
    pub(crate) fn is_updatable(&self) -> bool {
        self.updatable
    }

    fn count_surface(&mut self, surface: &str, delta: i64) {
        if let Some(s) = self.surfaces.get_mut(surface) {
            s.pages = (s.pages as i64 + delta).max(0) as u32;
            return;
        }
        if delta > 0 {
            let stem = self.stem_of(surface).map(|name| self.stem_id(&name));
            self.surfaces.insert(
                surface.to_string(),
                Surface {
                    stem,
                    pages: delta as u32,
                },
            );
        }
    }

    /// Sorts the vocabulary once every page is in.
    fn finish_vocabulary(&mut self) {
        let mut words: Vec<String> = self.surfaces.keys().cloned().collect();
        words.extend(
            self.analyzer
                .lang()
                .stop_words()
                .iter()
                .map(|w| w.to_string()),
        );
        words.sort_unstable();
        words.dedup();
        self.words = words;
        self.stems_of_words();
    }

    fn stems_of_words(&mut self) {
        self.words_version = self.next_version();
        self.word_stems = self
            .words
            .iter()
            .map(|w| self.surfaces.get(w).and_then(|s| s.stem))
            .collect();
    }

    /// The model of a tantivy index alone: display fields, surface words
    /// and positions from what each page stored, frequencies and sections
    /// read back from tantivy's postings, stem by stem (a test holds it to
    /// [`Model::for_build`]'s export).
    #[cfg(test)]
    pub(crate) fn from_view_read_back(view: &IndexView, lang: &str) -> Result<Model, Error> {
        let mut model = Model::empty(lang, view.top_pages());
        let lens = view.page_lengths();
        // Display fields, surface words and positions.
        let mut positions: Vec<BTreeMap<u32, Vec<u32>>> = Vec::with_capacity(lens.len());
        for page in 0..lens.len() as u32 {
            let stored = view.stored(page)?;
            let anchored: Vec<bool> = stored.sections.iter().map(|s| s.0.is_some()).collect();
            let analysed = model.analyse(&stored.texts, &anchored);
            let mut by_stem = BTreeMap::new();
            for (stem, t) in analysed.terms {
                let id = model.stem_id(&stem);
                by_stem.insert(id, t.positions);
            }
            positions.push(by_stem);
            let version = model.next_version();
            let data = PageData {
                url: stored.url,
                title: stored.title,
                description: stored.description,
                lead: stored.lead,
                taxonomies: stored.taxonomies,
                sections: stored.sections,
                stems: Vec::new(),
                surfaces: analysed.surfaces,
                version,
            };
            model.push_page(data, lens[page as usize]);
        }
        // Frequencies and sections from tantivy, stem by stem.
        for id in 0..model.stems.len() as u32 {
            let name = model.stems[id as usize].name.clone();
            let raw: Vec<RawPosting> = view.raw_postings(&name)?;
            for r in raw {
                let Some(page) = model.pages.get_mut(r.page as usize) else {
                    continue;
                };
                page.stems.push(id);
                let term = PageTerm {
                    stem: id,
                    freq: r.freq,
                    section: r.section,
                    positions: positions[r.page as usize].remove(&id).unwrap_or_default(),
                };
                model.stems[id as usize].push(r.page, &term);
            }
        }
        model.finish_vocabulary();
        model.facets = view.facets()?;
        Ok(model)
    }

    /// Number of pages.
    pub(crate) fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// The averages scores use (see [`scoring_average`]).
    pub(crate) fn averages(&self) -> [f64; PAGE_FIELDS] {
        let n = self.pages.len() as u64;
        std::array::from_fn(|i| scoring_average(self.sums[i], n))
    }

    /// The raw postings of a stem.
    pub(crate) fn raw_postings(&self, stem: u32) -> Vec<RawPosting> {
        self.stems[stem as usize]
            .entries
            .iter()
            .map(|e| RawPosting {
                page: e.page,
                freq: e.freq(),
                lens: self.lens[e.page as usize],
                section: e.section(),
            })
            .collect()
    }

    /// Whether every record is a page of the model (by URL) and the model
    /// can be updated.
    pub(crate) fn knows(&self, records: &[&PageRecord]) -> bool {
        self.updatable && records.iter().all(|r| self.by_url.contains_key(&r.url))
    }

    /// Replaces pages by new versions of themselves (the same language and
    /// URL). `false`, with nothing changed, when a page is not in the model:
    /// pages that come or go need a model built anew.
    pub(crate) fn replace(&mut self, records: &[&PageRecord]) -> bool {
        if !self.knows(records) {
            return false;
        }
        let mut taxonomies_changed = false;
        let mut added_words: Vec<String> = Vec::new();
        let mut removed_words: Vec<String> = Vec::new();
        for record in records {
            let ordinal = self.by_url[&record.url];
            let (new, lens, terms) = self.page_from_record(record);
            let old = std::mem::replace(&mut self.pages[ordinal as usize], new);
            let old_lens = std::mem::replace(&mut self.lens[ordinal as usize], lens);
            // Stems: out of the old ones, into the new ones.
            for &s in &old.stems {
                self.stems[s as usize].remove(ordinal);
            }
            for t in &terms {
                self.stems[t.stem as usize].insert(ordinal, t);
            }
            for s in old
                .stems
                .iter()
                .copied()
                .chain(terms.iter().map(|t| t.stem))
            {
                let version = self.next_version();
                let stem = &mut self.stems[s as usize];
                stem.version = version;
                if !stem.dirty.contains(&ordinal) {
                    stem.dirty.push(ordinal);
                }
            }
            for ((sum, old), new) in self.sums.iter_mut().zip(old_lens).zip(lens) {
                *sum = *sum - old as u64 + new as u64;
            }
            // Surface words.
            let new_surfaces = self.pages[ordinal as usize].surfaces.clone();
            for s in &old.surfaces {
                self.count_surface(s, -1);
            }
            for s in &new_surfaces {
                let known = self.surfaces.get(s).is_some_and(|x| x.pages > 0);
                self.count_surface(s, 1);
                if !known {
                    added_words.push(s.clone());
                }
            }
            for s in &old.surfaces {
                if self.surfaces.get(s).is_some_and(|x| x.pages == 0) {
                    removed_words.push(s.clone());
                }
            }
            if old.taxonomies != self.pages[ordinal as usize].taxonomies {
                taxonomies_changed = true;
            }
        }
        // The vocabulary: words no page has any more leave (stop words stay),
        // new ones come in.
        let stop = self.analyzer.lang();
        let gone: FxHashSet<&str> = removed_words
            .iter()
            .map(String::as_str)
            .filter(|w| {
                self.surfaces.get(*w).is_some_and(|x| x.pages == 0) && !stop.is_stop_word(w)
            })
            .collect();
        let mut fresh: Vec<&str> = added_words
            .iter()
            .map(String::as_str)
            .filter(|w| self.words.binary_search_by(|x| x.as_str().cmp(w)).is_err())
            .collect();
        fresh.sort_unstable();
        fresh.dedup();
        if !gone.is_empty() || !fresh.is_empty() {
            // The kept words keep their stems; only the new ones are looked up.
            let old = std::mem::take(&mut self.words);
            let old_stems = std::mem::take(&mut self.word_stems);
            let mut merged = Vec::with_capacity(old.len() + fresh.len());
            let mut stems = Vec::with_capacity(old.len() + fresh.len());
            let surfaces = &self.surfaces;
            let stem_of = |w: &str| surfaces.get(w).and_then(|s| s.stem);
            let mut fresh = fresh.into_iter().peekable();
            for (w, stem) in old.into_iter().zip(old_stems) {
                if gone.contains(w.as_str()) {
                    continue;
                }
                while let Some(f) = fresh.peek()
                    && *f < w.as_str()
                {
                    merged.push(f.to_string());
                    stems.push(stem_of(f));
                    fresh.next();
                }
                merged.push(w);
                stems.push(stem);
            }
            for f in fresh {
                merged.push(f.to_string());
                stems.push(stem_of(f));
            }
            self.words = merged;
            self.word_stems = stems;
            self.words_version = self.next_version();
        }
        // Only words of the old pages can have dropped to no page.
        for w in &removed_words {
            if self.surfaces.get(w).is_some_and(|s| s.pages == 0) {
                self.surfaces.remove(w);
            }
        }
        if taxonomies_changed {
            self.facets = facets_of(&self.pages);
        }
        true
    }
}

/// Taxonomy to value to sorted pages, as tantivy's facets give them.
fn facets_of(pages: &[PageData]) -> BTreeMap<String, BTreeMap<String, Vec<u32>>> {
    let mut out: BTreeMap<String, BTreeMap<String, Vec<u32>>> = BTreeMap::new();
    for (ordinal, page) in pages.iter().enumerate() {
        for (taxonomy, values) in &page.taxonomies {
            for value in values {
                // As the index stores it: a facet path of two parts.
                let facet = Facet::from_path([taxonomy.as_str(), value.as_str()]);
                let path = facet.to_path();
                if path.len() != 2 {
                    continue;
                }
                let list = out
                    .entry(path[0].to_string())
                    .or_default()
                    .entry(path[1].to_string())
                    .or_default();
                if list.last() != Some(&(ordinal as u32)) {
                    list.push(ordinal as u32);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[test]
    fn stem_entries_keep_counts_and_sections_in_range() {
        let e = super::StemEntry::new(7, [1, 0, 65_534, 65_535, 1 << 20], 65_535);
        assert_eq!(e.page, 7);
        assert_eq!(e.freq(), [1, 0, 65_534, 65_535, 65_535]);
        assert_eq!(e.section(), 65_535);
        // Past what 16 bits hold, a section is none.
        assert_eq!(super::StemEntry::new(7, [0; 5], 65_536).section(), 0);
    }

    use crate::{PageRecord, SearchConfig, SectionRecord};

    /// Pages of words drawn from a small vocabulary, with inflections,
    /// stop words, headings with anchors and code, so that stems gather
    /// many surface words and pages share sections' words.
    fn pages() -> Vec<PageRecord> {
        let vocabulary = [
            "security",
            "secure",
            "securing",
            "law",
            "laws",
            "legal",
            "cyber",
            "crime",
            "crimes",
            "criminal",
            "network",
            "networks",
            "the",
            "of",
            "and",
            "incident",
            "incidents",
            "response",
            "responding",
            "capacity",
            "building",
            "built",
            "cooperation",
            "cooperate",
            "international",
            "national",
            "strategy",
            "strategies",
            "café",
            "naïve",
            "résumé",
            "x509",
            "tls1",
            "ipv6",
        ];
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let text = |n: usize, next: &mut dyn FnMut() -> usize| -> String {
            (0..n)
                .map(|_| vocabulary[next() % vocabulary.len()])
                .collect::<Vec<_>>()
                .join(" ")
        };
        (0..60)
            .map(|i| {
                let sections = (0..1 + next() % 4)
                    .map(|j| SectionRecord {
                        anchor: (j > 0).then(|| format!("s{j}")),
                        heading: if j > 0 {
                            text(3, &mut next)
                        } else {
                            String::new()
                        },
                        level: 2,
                        text: text(20 + next() % 80, &mut next),
                        code: if next() % 3 == 0 {
                            text(5, &mut next)
                        } else {
                            String::new()
                        },
                    })
                    .collect();
                let mut taxonomies = BTreeMap::new();
                taxonomies.insert("work_areas".to_string(), vec![format!("Area {}", i % 3)]);
                PageRecord {
                    url: format!("p{i}/"),
                    title: text(4, &mut next),
                    description: text(8, &mut next),
                    lang: "en".into(),
                    date: None,
                    taxonomies,
                    sections,
                }
            })
            .collect()
    }

    /// The build takes frequencies and sections from the analysis; what
    /// tantivy's postings say gives the same export, byte for byte.
    #[test]
    fn the_analysis_agrees_with_tantivys_postings() {
        let pages = pages();
        let refs: Vec<&PageRecord> = pages.iter().collect();
        let dir = tempfile::tempdir().unwrap();
        let built =
            crate::index::build_language(dir.path(), "en", crate::packed::Pages::Records(&refs))
                .unwrap();
        let config = SearchConfig {
            shard_bytes: 400,
            table_bytes: 0,
            ..SearchConfig::default()
        };
        let view = crate::view::IndexView::open(dir.path(), &built, config.top_pages).unwrap();
        let langs = vec!["en".to_string()];
        let mut fast =
            super::Model::for_build("en", crate::packed::Pages::Records(&refs), config.top_pages)
                .unwrap();
        let mut read_back = super::Model::from_view_read_back(&view, "en").unwrap();
        let a = crate::export::export(&mut fast, "en", &langs, &config).unwrap();
        let b = crate::export::export(&mut read_back, "en", &langs, &config).unwrap();
        assert!(a.files.len() > 10, "{} files", a.files.len());
        assert_eq!(a.files.len(), b.files.len());
        for (x, y) in a.files.iter().zip(&b.files) {
            assert_eq!(x.path, y.path);
            assert!(x.bytes == y.bytes, "{} differs", x.path);
        }
    }

    /// Pages analysed a chunk at a time, each chunk numbered while the next
    /// is analysed, make the model that one chunk makes: the export is the
    /// same, byte for byte.
    #[test]
    fn chunks_numbered_beside_the_next_ones_analysis_make_the_same_model() {
        let pages = pages();
        let refs: Vec<&PageRecord> = pages.iter().collect();
        let config = SearchConfig {
            shard_bytes: 400,
            table_bytes: 0,
            ..SearchConfig::default()
        };
        let langs = vec!["en".to_string()];
        let export = |chunk: usize| {
            let mut model = super::Model::from_chunks("en", config.top_pages, false, &mut |f| {
                crate::packed::Pages::Records(&refs).for_each_chunk(chunk, f)
            })
            .unwrap();
            crate::export::export(&mut model, "en", &langs, &config).unwrap()
        };
        let whole = export(pages.len());
        assert!(whole.files.len() > 10, "{} files", whole.files.len());
        for chunk in [1, 7, 16] {
            let parts = export(chunk);
            assert_eq!(whole.files.len(), parts.files.len(), "chunks of {chunk}");
            for (x, y) in whole.files.iter().zip(&parts.files) {
                assert_eq!(x.path, y.path, "chunks of {chunk}");
                assert!(
                    x.bytes == y.bytes,
                    "{} differs in chunks of {chunk}",
                    x.path
                );
            }
        }
    }
}
