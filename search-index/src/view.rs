//! A read-only view of one language's tantivy index: BM25F scores per page,
//! the vocabulary of surface words, facets and stored pages. The export and
//! the CLI reader both rank through this view, so they agree by construction.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tantivy::columnar::Column;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings;
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::{DocAddress, DocSet, Searcher, SegmentReader, TERMINATED, TantivyDocument, Term};

use crate::Error;
use crate::analysis::Analyzer;
use crate::index::{Built, Fields, PAGE_FIELDS, StoredPage};

/// BM25F weight of each page field: title, description, headings, body,
/// code. The title is not mixed into the others: it is saturated on its own
/// and weighted by [`TITLE_BOOST`], so that a title match outranks any
/// amount of body text (the weight 1 here only scales its frequency).
const WEIGHTS: [f64; PAGE_FIELDS] = [1.0, 2.5, 3.0, 1.0, 0.3];
/// How much a saturated title match weighs against the saturated other
/// fields.
const TITLE_BOOST: f64 = 1.5;
/// BM25F length normalisation of each page field.
const B: [f64; PAGE_FIELDS] = [0.3, 0.5, 0.5, 0.75, 0.75];
const K1: f64 = 1.2;
/// Weights of a section's heading, text and code when choosing the section a
/// result points at.
const SECTION_WEIGHTS: [f64; 3] = [3.0, 1.0, 0.3];

/// Quantisation of a score: `q = round(16 * ln(1 + score))`, 1 to 255 (steps
/// of about 6 %; typical scores fit one character of the packed postings).
const QUANT: f64 = 16.0;

/// The integer a quantised score stands for, as the browser gets it in
/// `meta.scores`: `round(1000 * (e^(q / 16) - 1))`.
pub fn dequantise_table() -> Vec<u32> {
    (0..=255u32)
        .map(|q| (1000.0 * ((q as f64 / QUANT).exp() - 1.0)).round() as u32)
        .collect()
}

/// BM25's term-frequency saturation.
fn saturate(tf: f64) -> f64 {
    tf * (K1 + 1.0) / (K1 + tf)
}

fn quantise(score: f64) -> u8 {
    let q = (QUANT * score.max(0.0).ln_1p()).round();
    q.clamp(1.0, 255.0) as u8
}

/// Steps per doubling of the average field length used for length
/// normalisation.
const AVERAGE_STEPS: f64 = 16.0;

/// The average length of a field that scores use: the mean over the pages,
/// rounded to a step of a sixteenth of a doubling (about 4.4 %), and 1 for an
/// empty field. BM25 hardly notices the rounding, and thanks to it an edit
/// that leaves the page count alone changes the scores of the terms of the
/// edited pages only, nearly always: `gca serve` then exports again only the
/// shards that hold those terms.
pub(crate) fn scoring_average(sum: u64, count: u64) -> f64 {
    if count == 0 || sum == 0 {
        return 1.0;
    }
    let mean = sum as f64 / count as f64;
    ((mean.log2() * AVERAGE_STEPS).round() / AVERAGE_STEPS).exp2()
}

/// What the index knows of a term on one page: its frequency in each page
/// field, the page's field lengths, and the section where it weighs most.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RawPosting {
    pub page: u32,
    pub freq: [u32; PAGE_FIELDS],
    /// The page's field lengths (tantivy's field norms, as it decodes them).
    pub lens: [u32; PAGE_FIELDS],
    /// 1 + the index of the anchored section where the term weighs most
    /// ([`SECTION_WEIGHTS`] of its heading, text and code), 0 when none.
    pub section: u32,
}

/// The weight of a term in a section, from its frequency in the section's
/// heading, text and code; summed in this order, as everywhere.
pub(crate) fn section_weight(freq: [u32; 3]) -> f64 {
    let mut w = 0.0;
    for (i, f) in freq.into_iter().enumerate() {
        if f > 0 {
            w += SECTION_WEIGHTS[i] * f as f64;
        }
    }
    w
}

/// A term's posting list from its raw postings (sorted by page): BM25F
/// scores quantised, top pages marked. `pages` is the number of pages of the
/// index and `avg` the [`scoring_average`] of each field.
pub(crate) fn score_postings(
    raw: &[RawPosting],
    pages: usize,
    avg: &[f64; PAGE_FIELDS],
    top_pages: usize,
) -> Vec<Posting> {
    let idf = idf(pages, raw.len());
    let mut list: Vec<Posting> = raw
        .iter()
        .map(|r| Posting {
            page: r.page,
            q: score_one(r, idf, avg),
            section: r.section,
            top: false,
        })
        .collect();
    mark_top(&mut list, top_pages);
    list
}

/// BM25's inverse document frequency of a term on `df` of `pages` pages.
pub(crate) fn idf(pages: usize, df: usize) -> f64 {
    let (n, df) = (pages as f64, df as f64);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// The quantised BM25F score of one raw posting (see [`score_postings`]).
pub(crate) fn score_one(r: &RawPosting, idf: f64, avg: &[f64; PAGE_FIELDS]) -> u8 {
    let mut title = 0.0;
    let mut rest = 0.0;
    for i in 0..PAGE_FIELDS {
        if r.freq[i] == 0 {
            continue;
        }
        let norm = 1.0 - B[i] + B[i] * r.lens[i] as f64 / avg[i];
        let value = WEIGHTS[i] * r.freq[i] as f64 / norm;
        if i == 0 {
            title += value;
        } else {
            rest += value;
        }
    }
    quantise(idf * (TITLE_BOOST * saturate(title) + saturate(rest)))
}

/// One entry of a term's posting list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    /// The page's ordinal.
    pub page: u32,
    /// The page's quantised BM25F score for the term.
    pub q: u8,
    /// 1 + the index of the section where the term weighs most, when the
    /// page is one of the term's top pages; 0 otherwise (or if no section
    /// has it).
    pub section: u32,
    /// Whether the page is one of the term's top pages: the
    /// `top_pages` highest `q`, ties to the lower ordinal.
    pub top: bool,
}

/// Marks the `k` best postings of a list (highest `q`, ties to the lower
/// page) as top pages and clears the section of the others.
pub(crate) fn mark_top(list: &mut [Posting], k: usize) {
    let mut order: Vec<usize> = (0..list.len()).collect();
    let better = |a: &usize, b: &usize| {
        list[*b]
            .q
            .cmp(&list[*a].q)
            .then(list[*a].page.cmp(&list[*b].page))
    };
    // Only which pages are the best k matters, not their order.
    if k > 0 && k < order.len() {
        order.select_nth_unstable_by(k - 1, better);
    }
    let top: Vec<usize> = order.into_iter().take(k).collect();
    for p in list.iter_mut() {
        p.top = false;
    }
    for i in top {
        list[i].top = true;
    }
    for p in list.iter_mut() {
        if !p.top {
            p.section = 0;
        }
    }
}

struct Segment {
    reader: SegmentReader,
    page: Column<u64>,
    section: Column<u64>,
    norms: Vec<FieldNormReader>,
}

/// See the module documentation.
pub struct IndexView {
    path: PathBuf,
    searcher: Searcher,
    fields: Fields,
    analyzer: Analyzer,
    segments: Vec<Segment>,
    /// Page ordinal to the address of its page document.
    pages: Vec<DocAddress>,
    avg_len: [f64; PAGE_FIELDS],
    /// How many of a term's best pages are its top pages.
    top_pages: usize,
    cache: Mutex<HashMap<String, std::sync::Arc<Vec<Posting>>>>,
}

impl IndexView {
    /// Opens the view over an index built or opened by [`crate::index`].
    pub(crate) fn open(path: &Path, built: &Built, top_pages: usize) -> Result<IndexView, Error> {
        let t = |e| Error::tantivy(path, e);
        let reader = built.index.reader().map_err(t)?;
        let searcher = reader.searcher();
        let fields = built.fields;
        let mut segments = Vec::new();
        let mut pages: Vec<Option<DocAddress>> = Vec::new();
        let mut sums = [0u64; PAGE_FIELDS];
        let mut count = 0u64;
        for (ord, seg) in searcher.segment_readers().iter().enumerate() {
            let fast = seg.fast_fields();
            let page = fast.u64("page").map_err(t)?;
            let section = fast.u64("section").map_err(t)?;
            let norms = fields
                .page_fields()
                .iter()
                .map(|f| seg.get_fieldnorms_reader(*f))
                .collect::<Result<Vec<_>, _>>()
                .map_err(t)?;
            for doc in 0..seg.max_doc() {
                if seg.is_deleted(doc) || section.first(doc) != Some(0) {
                    continue;
                }
                let Some(p) = page.first(doc) else { continue };
                let p = p as usize;
                if pages.len() <= p {
                    pages.resize(p + 1, None);
                }
                pages[p] = Some(DocAddress::new(ord as u32, doc));
                count += 1;
                for (i, norm) in norms.iter().enumerate() {
                    sums[i] += norm.fieldnorm(doc) as u64;
                }
            }
            segments.push(Segment {
                reader: seg.clone(),
                page,
                section,
                norms,
            });
        }
        let pages = pages
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Error::Corrupt {
                path: path.to_path_buf(),
                message: "page ordinals are not contiguous".to_string(),
            })?;
        let avg_len: [f64; PAGE_FIELDS] = std::array::from_fn(|i| scoring_average(sums[i], count));
        Ok(IndexView {
            path: path.to_path_buf(),
            searcher,
            fields,
            analyzer: built.analyzer.clone(),
            segments,
            pages,
            avg_len,
            top_pages,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The analyser of the index's language.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// How many of a term's best pages are its top pages.
    #[cfg(test)]
    pub fn top_pages(&self) -> usize {
        self.top_pages
    }

    fn err(&self, e: impl Into<tantivy::TantivyError>) -> Error {
        Error::tantivy(&self.path, e.into())
    }

    fn each_posting(
        &self,
        field: Field,
        term: &str,
        mut f: impl FnMut(&Segment, u32, u32),
    ) -> Result<(), Error> {
        let term = Term::from_field_text(field, term);
        for seg in &self.segments {
            let inverted = seg.reader.inverted_index(field).map_err(|e| self.err(e))?;
            let Some(mut postings) = inverted
                .read_postings(&term, IndexRecordOption::WithFreqs)
                .map_err(|e| self.err(e))?
            else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if !seg.reader.is_deleted(doc) {
                    f(seg, doc, postings.term_freq());
                }
                doc = postings.advance();
            }
        }
        Ok(())
    }

    /// The raw postings of an analysed term, sorted by page, read from
    /// tantivy's postings and field norms.
    pub(crate) fn raw_postings(&self, term: &str) -> Result<Vec<RawPosting>, Error> {
        let mut raw: BTreeMap<u32, RawPosting> = BTreeMap::new();
        for (i, field) in self.fields.page_fields().into_iter().enumerate() {
            self.each_posting(field, term, |seg, doc, freq| {
                let Some(page) = seg.page.first(doc) else {
                    return;
                };
                let entry = raw.entry(page as u32).or_insert_with(|| RawPosting {
                    page: page as u32,
                    freq: [0; PAGE_FIELDS],
                    lens: std::array::from_fn(|f| seg.norms[f].fieldnorm(doc)),
                    section: 0,
                });
                entry.freq[i] += freq;
            })?;
        }
        let section_fields = [
            self.fields.s_heading,
            self.fields.s_body,
            self.fields.s_code,
        ];
        let mut per_section: BTreeMap<(u32, u32), [u32; 3]> = BTreeMap::new();
        for (i, field) in section_fields.into_iter().enumerate() {
            self.each_posting(field, term, |seg, doc, freq| {
                let (Some(page), Some(section)) = (seg.page.first(doc), seg.section.first(doc))
                else {
                    return;
                };
                per_section
                    .entry((page as u32, section as u32))
                    .or_default()[i] += freq;
            })?;
        }
        // page -> (best section weight, section); sections come in order,
        // so ties keep the earlier one.
        let mut best: BTreeMap<u32, (f64, u32)> = BTreeMap::new();
        for ((page, section), freq) in per_section {
            let weight = section_weight(freq);
            let entry = best.entry(page).or_insert((weight, section));
            if weight > entry.0 {
                *entry = (weight, section);
            }
        }
        Ok(raw
            .into_values()
            .map(|mut r| {
                r.section = best.get(&r.page).map(|b| b.1).unwrap_or(0);
                r
            })
            .collect())
    }

    /// The field lengths of every page, by ordinal.
    #[cfg(test)]
    pub(crate) fn page_lengths(&self) -> Vec<[u32; PAGE_FIELDS]> {
        self.pages
            .iter()
            .map(|address| {
                let seg = &self.segments[address.segment_ord as usize];
                std::array::from_fn(|f| seg.norms[f].fieldnorm(address.doc_id))
            })
            .collect()
    }

    /// The posting list of an analysed term, sorted by page, computed from
    /// tantivy's postings and field norms.
    pub fn postings(&self, term: &str) -> Result<std::sync::Arc<Vec<Posting>>, Error> {
        if let Ok(cache) = self.cache.lock()
            && let Some(hit) = cache.get(term)
        {
            return Ok(hit.clone());
        }
        let raw = self.raw_postings(term)?;
        let list = std::sync::Arc::new(score_postings(
            &raw,
            self.pages.len(),
            &self.avg_len,
            self.top_pages,
        ));
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(term.to_string(), list.clone());
        }
        Ok(list)
    }

    /// Taxonomy to value to the sorted ordinals of the pages that have it.
    pub fn facets(&self) -> Result<BTreeMap<String, BTreeMap<String, Vec<u32>>>, Error> {
        let mut out: BTreeMap<String, BTreeMap<String, Vec<u32>>> = BTreeMap::new();
        for encoded in self.field_terms_bytes(self.fields.facet)? {
            let Ok(facet) = Facet::from_encoded(encoded.clone()) else {
                continue;
            };
            let path = facet.to_path();
            if path.len() != 2 {
                continue;
            }
            let mut pages = Vec::new();
            let term = Term::from_facet(self.fields.facet, &facet);
            for seg in &self.segments {
                let inverted = seg
                    .reader
                    .inverted_index(self.fields.facet)
                    .map_err(|e| self.err(e))?;
                if let Some(mut postings) = inverted
                    .read_postings(&term, IndexRecordOption::Basic)
                    .map_err(|e| self.err(e))?
                {
                    let mut doc = postings.doc();
                    while doc != TERMINATED {
                        if let Some(p) = seg.page.first(doc) {
                            pages.push(p as u32);
                        }
                        doc = postings.advance();
                    }
                }
            }
            pages.sort_unstable();
            pages.dedup();
            out.entry(path[0].to_string())
                .or_default()
                .insert(path[1].to_string(), pages);
        }
        Ok(out)
    }

    fn field_terms_bytes(&self, field: Field) -> Result<BTreeSet<Vec<u8>>, Error> {
        let mut out = BTreeSet::new();
        for seg in &self.segments {
            let inverted = seg.reader.inverted_index(field).map_err(|e| self.err(e))?;
            let mut stream = inverted.terms().stream().map_err(|e| self.err(e))?;
            while stream.advance() {
                out.insert(stream.key().to_vec());
            }
        }
        Ok(out)
    }

    fn doc(&self, page: u32) -> Result<TantivyDocument, Error> {
        let address = *self
            .pages
            .get(page as usize)
            .ok_or_else(|| Error::Corrupt {
                path: self.path.clone(),
                message: format!("no page {page}"),
            })?;
        self.searcher.doc(address).map_err(|e| self.err(e))
    }

    /// What is stored about a page.
    pub(crate) fn stored(&self, page: u32) -> Result<StoredPage, Error> {
        let doc = self.doc(page)?;
        let json = doc
            .get_first(self.fields.meta)
            .and_then(|v| v.as_str())
            .unwrap_or("");
        serde_json::from_str(json).map_err(|e| Error::Corrupt {
            path: self.path.clone(),
            message: format!("page {page}: {e}"),
        })
    }

    /// The field snippets are made from, and the index's tokenizer for it.
    pub(crate) fn snippet_source(
        &self,
    ) -> Result<(Field, tantivy::tokenizer::TextAnalyzer), Error> {
        let analyzer = self
            .searcher
            .index()
            .tokenizer_for_field(self.fields.body)
            .map_err(|e| self.err(e))?;
        Ok((self.fields.body, analyzer))
    }
}
