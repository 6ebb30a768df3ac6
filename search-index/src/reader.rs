//! Reading the index of record: what `gca search` runs.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tantivy::snippet::SnippetGenerator;

use crate::Error;
use crate::index;
use crate::query::{self, Query, SearchOptions, Source};
use crate::view::{IndexView, dequantise_table};

/// An open index of one language.
pub struct Searcher {
    lang: String,
    view: IndexView,
    words: Vec<String>,
    shard_starts: Vec<String>,
    facets: BTreeMap<String, BTreeMap<String, Vec<u32>>>,
    scores: Vec<u32>,
}

/// A section of a result page that matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HitAnchor {
    /// The heading's `id`.
    pub anchor: String,
    /// The heading's text.
    pub heading: String,
}

/// A query-dependent excerpt of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// Plain text.
    pub text: String,
    /// Byte ranges of `text` to highlight.
    pub highlighted: Vec<(usize, usize)>,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// The page's path relative to the site root.
    pub url: String,
    /// The language of the index that found it.
    pub lang: String,
    /// The page's title.
    pub title: String,
    /// The ranking score (integer, comparable within one query).
    pub score: u64,
    /// The page's taxonomies.
    pub taxonomies: BTreeMap<String, Vec<String>>,
    /// Matching sections, best first.
    pub anchors: Vec<HitAnchor>,
    /// tantivy's snippet of the page text.
    pub excerpt: Snippet,
}

/// The answer to a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchOutcome {
    /// Pages matching the query and filters.
    pub total: usize,
    /// Whether no page had every word, so pages with any word are shown.
    pub fallback: bool,
    /// The requested slice of results.
    pub results: Vec<Hit>,
    /// Taxonomy to value to the number of matching pages with it.
    pub facets: BTreeMap<String, BTreeMap<String, usize>>,
    /// Filter taxonomies the index does not know (ignored).
    pub unknown_filters: Vec<String>,
    /// The index's surface words that matched (for highlighting).
    pub words: Vec<String>,
}

impl Searcher {
    /// The languages with an index in `cache_dir`, sorted.
    pub fn languages(cache_dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = fs::read_dir(cache_dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().join("shards.json").is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        out.sort();
        out
    }

    /// Opens the index of `lang` (by default English when present, else the
    /// only or first language) in `cache_dir`.
    pub fn open(cache_dir: &Path, lang: Option<&str>) -> Result<Searcher, Error> {
        let langs = Searcher::languages(cache_dir);
        let lang = match lang {
            Some(l) => index::lang_key(l),
            None => {
                if langs.iter().any(|l| l == "en") {
                    "en".to_string()
                } else {
                    langs.first().cloned().ok_or_else(|| Error::NoIndex {
                        path: cache_dir.to_path_buf(),
                    })?
                }
            }
        };
        let dir: PathBuf = cache_dir.join(&lang);
        let tables = index::read_tables(&dir)?;
        let shard_starts = tables.starts;
        let built = index::open(&dir, &lang)?;
        let view = IndexView::open(&dir, &built, tables.top_pages)?;
        let words = index::read_words(&dir)?;
        let facets = view.facets()?;
        Ok(Searcher {
            lang,
            view,
            words,
            shard_starts,
            facets,
            scores: dequantise_table(),
        })
    }

    /// The language of the index.
    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// Runs a query (syntax and ranking: [`crate::query`]).
    pub fn search(&self, raw: &str, options: &SearchOptions) -> Result<SearchOutcome, Error> {
        let analyzer = self.view.analyzer().clone();
        let term = move |w: &str| analyzer.term(w);
        let postings = |t: &str| self.view.postings(t);
        let phrase_analyzer = self.view.analyzer().clone();
        let phrase = move |page: u32, terms: &[(String, u32)]| -> Result<bool, Error> {
            let stored = self.view.stored(page)?;
            let positions = crate::phrase::term_positions(
                &phrase_analyzer,
                &stored.texts,
                &mut Default::default(),
            );
            Ok(crate::phrase::matches(&positions, terms))
        };
        let source = Source {
            lang: self.view.analyzer().lang(),
            words: &self.words,
            shard_starts: &self.shard_starts,
            term: &term,
            postings: &postings,
            phrase: &phrase,
            facets: &self.facets,
            scores: &self.scores,
        };
        let answer = query::run(&source, &Query::parse(raw), options)?;
        let (field, tokenizer) = self.view.snippet_source()?;
        let terms: BTreeMap<String, f32> = answer.terms.iter().map(|t| (t.clone(), 1.0)).collect();
        let mut generator = SnippetGenerator::new(terms, tokenizer, field, 200);
        generator.set_max_num_chars(200);
        let mut results = Vec::new();
        for ranked in &answer.ranked {
            let stored = self.view.stored(ranked.page)?;
            let body = crate::index::body_of(&stored.texts);
            let snippet = generator.snippet(&body);
            let excerpt = if snippet.fragment().is_empty() || snippet.highlighted().is_empty() {
                let text = if stored.description.is_empty() {
                    stored.lead.clone()
                } else {
                    stored.description.clone()
                };
                Snippet {
                    text,
                    highlighted: Vec::new(),
                }
            } else {
                Snippet {
                    text: snippet.fragment().to_string(),
                    highlighted: snippet
                        .highlighted()
                        .iter()
                        .map(|r| (r.start, r.end))
                        .collect(),
                }
            };
            let anchors = ranked
                .sections
                .iter()
                .filter_map(|s| stored.sections.get((*s as usize).checked_sub(1)?))
                .filter_map(|(anchor, heading)| {
                    Some(HitAnchor {
                        anchor: anchor.clone()?,
                        heading: heading.clone(),
                    })
                })
                .collect();
            results.push(Hit {
                url: stored.url,
                lang: self.lang.clone(),
                title: stored.title,
                score: ranked.score,
                taxonomies: stored.taxonomies,
                anchors,
                excerpt,
            });
        }
        Ok(SearchOutcome {
            total: answer.total,
            fallback: answer.fallback,
            results,
            facets: answer.facets,
            unknown_filters: answer.unknown_filters,
            words: answer.surface.into_iter().collect(),
        })
    }
}

/// Runs a query on several indexes (the first is the reader's language) and
/// merges the answers as the browser does for a search in all languages:
/// results by rank in turn (the first of each language, then the second of
/// each...), in the order of `searchers`, because the scores of different
/// indexes do not compare. Languages that found pages with every word leave
/// out those that fell back to any word. Totals and facet counts add up; a
/// filter is unknown when no language knows it.
pub fn search_languages(
    searchers: &[Searcher],
    raw: &str,
    options: &SearchOptions,
) -> Result<SearchOutcome, Error> {
    let each = SearchOptions {
        offset: 0,
        limit: options.offset.saturating_add(options.limit),
        ..options.clone()
    };
    let answers = searchers
        .iter()
        .map(|s| s.search(raw, &each))
        .collect::<Result<Vec<_>, _>>()?;
    let exact: Vec<&SearchOutcome> = answers
        .iter()
        .filter(|a| a.total > 0 && !a.fallback)
        .collect();
    let used: Vec<&SearchOutcome> = if exact.is_empty() {
        answers.iter().collect()
    } else {
        exact.clone()
    };
    let mut merged = Vec::new();
    for rank in 0.. {
        let mut any = false;
        for a in &used {
            if let Some(hit) = a.results.get(rank) {
                merged.push(hit.clone());
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    let mut facets: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut words = std::collections::BTreeSet::new();
    for a in &used {
        for (taxonomy, values) in &a.facets {
            let into = facets.entry(taxonomy.clone()).or_default();
            for (value, n) in values {
                *into.entry(value.clone()).or_default() += n;
            }
        }
        words.extend(a.words.iter().cloned());
    }
    let mut unknown: Option<Vec<String>> = None;
    for a in &answers {
        unknown = Some(match unknown {
            None => a.unknown_filters.clone(),
            Some(u) => u
                .into_iter()
                .filter(|t| a.unknown_filters.contains(t))
                .collect(),
        });
    }
    Ok(SearchOutcome {
        total: used.iter().map(|a| a.total).sum(),
        fallback: exact.is_empty() && used.iter().any(|a| a.fallback),
        results: merged
            .into_iter()
            .skip(options.offset)
            .take(options.limit)
            .collect(),
        facets,
        unknown_filters: unknown.unwrap_or_default(),
        words: words.into_iter().collect(),
    })
}
