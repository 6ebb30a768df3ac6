//! The query language and ranking, shared by the CLI and the browser.
//!
//! The browser reader (`search-index/js/search-core.js`) implements this
//! module step for step; `tests/agreement.rs` holds them together.
//!
//! **Parsing.** The query is cut to its first [`MAX_QUERY_CHARS`]
//! characters, then split at `"`: text between quotes (an unclosed quote
//! runs to the end) is a phrase, the rest is split at white space into
//! chunks. A chunk that starts with `-` (and has more) excludes its words;
//! any other chunk adds its words ([`crate::analysis::words`]). The last
//! word is a *prefix* when it is outside quotes and nothing follows it in the
//! query. At most [`MAX_WORDS`] words and as many exclusions are kept;
//! repeated words are kept once.
//!
//! **Matching.** A stop word is dropped. Each other word gets candidates
//! among the index's surface words: the word itself (exact, weight 8); if
//! it is a prefix of at least [`PREFIX_MIN`] characters, every word that
//! starts with it (weight 6, or 3 when the word itself exists) among the
//! words of the term shard where it sorts and of the next one
//! ([`PREFIX_SHARDS`]: a prefix shared by more shards' words is narrowed by
//! typing on, and costs no more requests meanwhile); and only
//! when neither found anything, and the word is outside quotes and has 4 or
//! more characters, the words within 1 edit (2 from 8 characters; edits are
//! insertions, deletions, substitutions and swaps of neighbours) whose
//! length differs by no more than that (weight 4): those of its term shard,
//! and those of other term shards that the key index reaches
//! ([`crate::keys`]: every word one edit away, some two away), of at most
//! [`crate::keys::MAX_EXTRA_SHARDS`] shards ([`crate::keys::choose`]).
//! Candidates are ordered by weight, then by
//! how many pages they occur in (more first), then by the word, and the
//! first [`MAX_CANDIDATES`] kept. Words in quotes match only exactly, and a
//! quoted group of words must appear in that order in one text of the page
//! (title, description, a heading, a section's text or code; a stop word
//! stands for any word), compared by stem: positions from
//! [`crate::analysis::positioned_words`]. When no page has every word (and
//! phrase), the fallback to any word ignores phrases.
//!
//! **Scoring.** A candidate's surface word stands for its stem's posting
//! list: `(page, q, section)`, where `q` is the quantised BM25F score. A
//! word's contribution to a page is the largest `weight * scores[q]` among
//! its candidates (`scores` is [`crate::view::dequantise_table`]); the
//! page's score is the sum over words. All words must match; if no page
//! matches all of them (after filters and exclusions) and there are several
//! words, pages matching any word are returned instead, with `fallback`
//! set. Pages are ordered by score, then by ordinal (URL order).
//!
//! **Filters.** Values of one taxonomy are alternatives (or), taxonomies
//! combine (and). An unknown taxonomy is ignored (and reported); an unknown
//! value matches nothing. Facet counts for a taxonomy count the matching
//! pages that pass the exclusions and the filters of the *other* taxonomies.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::Error;
use crate::analysis::{Lang, words};
use crate::keys;
use crate::view::Posting;

/// Characters of a query that are read.
pub const MAX_QUERY_CHARS: usize = 500;
/// Words of a query that are used (and as many exclusions).
pub const MAX_WORDS: usize = 10;
/// Shortest last word expanded as a prefix.
pub const PREFIX_MIN: usize = crate::export::PREFIX_MIN;
/// Term shards whose words a prefix is expanded to.
pub const PREFIX_SHARDS: usize = crate::export::PREFIX_SHARDS;
/// Candidates kept per word.
pub const MAX_CANDIDATES: usize = 64;

const EXACT: u32 = 8;
const PREFIX: u32 = 6;
const PREFIX_AFTER_EXACT: u32 = 3;
const TYPO: u32 = 4;

/// A word of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// The surface word.
    pub text: String,
    /// Whether it may be completed (the last word, being typed).
    pub prefix: bool,
    /// Whether it was in quotes (exact match only).
    pub quoted: bool,
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// The words to find.
    pub words: Vec<QueryWord>,
    /// Words whose pages are left out.
    pub excluded: Vec<String>,
    /// Quoted groups of two or more words: each word with its position in
    /// the group (stop words count).
    pub phrases: Vec<Vec<(String, u32)>>,
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

impl Query {
    /// Parses a query (see the module documentation). Never fails.
    pub fn parse(raw: &str) -> Query {
        let raw: String = raw.chars().take(MAX_QUERY_CHARS).collect();
        let mut query = Query::default();
        let mut last_prefix = false;
        let segments: Vec<&str> = raw.split('"').collect();
        for (i, segment) in segments.iter().enumerate() {
            let is_last_segment = i + 1 == segments.len();
            if i % 2 == 1 {
                let found = words(segment);
                if found.len() >= 2 && query.phrases.len() < MAX_WORDS {
                    query.phrases.push(
                        found
                            .iter()
                            .take(MAX_WORDS)
                            .map(|w| (w.text.clone(), w.position as u32))
                            .collect(),
                    );
                }
                for w in found {
                    query.push_word(w.text, true);
                }
                last_prefix = false;
                continue;
            }
            let ends_in_word = is_last_segment
                && segment
                    .chars()
                    .last()
                    .is_some_and(|c| !is_space(c) && c != '"');
            let chunks: Vec<&str> = segment.split(is_space).filter(|c| !c.is_empty()).collect();
            for (j, chunk) in chunks.iter().enumerate() {
                let last_chunk = j + 1 == chunks.len();
                if let Some(rest) = chunk.strip_prefix('-')
                    && !rest.is_empty()
                {
                    for w in words(rest) {
                        if query.excluded.len() < MAX_WORDS && !query.excluded.contains(&w.text) {
                            query.excluded.push(w.text);
                        }
                    }
                    last_prefix = false;
                    continue;
                }
                let found = words(chunk);
                let chunk_ends_in_word = found.last().is_some_and(|w| w.to == chunk.len());
                for w in found {
                    query.push_word(w.text, false);
                }
                last_prefix = ends_in_word && last_chunk && chunk_ends_in_word;
            }
        }
        if last_prefix
            && let Some(last) = query.words.last_mut()
            && !last.quoted
        {
            last.prefix = true;
        }
        query
    }

    fn push_word(&mut self, text: String, quoted: bool) {
        if self.words.len() >= MAX_WORDS {
            return;
        }
        if let Some(at) = self
            .words
            .iter()
            .position(|w| w.text == text && w.quoted == quoted)
        {
            // Keep one copy, at the end, so a repeated last word stays last.
            let w = self.words.remove(at);
            self.words.push(w);
            return;
        }
        self.words.push(QueryWord {
            text,
            prefix: false,
            quoted,
        });
    }
}

/// Facet filters: taxonomy name to accepted values.
pub type Filters = BTreeMap<String, Vec<String>>;

/// What to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    /// Facet filters.
    pub filters: Filters,
    /// Number of results.
    pub limit: usize,
    /// Results to skip.
    pub offset: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            filters: Filters::new(),
            limit: 10,
            offset: 0,
        }
    }
}

/// Looks up a stem's posting list.
pub(crate) type PostingsFn<'a> = dyn Fn(&str) -> Result<Arc<Vec<Posting>>, Error> + 'a;

/// Checks a phrase (stems with their offsets) on a page.
pub(crate) type PhraseFn<'a> = dyn Fn(u32, &[(String, u32)]) -> Result<bool, Error> + 'a;

/// The index, as the engine needs it.
pub(crate) struct Source<'a> {
    pub lang: Lang,
    /// Every surface word, stop words included, sorted.
    pub words: &'a [String],
    /// First word of each term shard.
    pub shard_starts: &'a [String],
    /// The stem of a surface word.
    pub term: &'a dyn Fn(&str) -> Option<String>,
    /// A stem's posting list.
    pub postings: &'a PostingsFn<'a>,
    /// Whether a page has the stems at these relative positions.
    pub phrase: &'a PhraseFn<'a>,
    /// Taxonomy to value to sorted page ordinals.
    pub facets: &'a BTreeMap<String, BTreeMap<String, Vec<u32>>>,
    /// [`crate::view::dequantise_table`].
    pub scores: &'a [u32],
}

/// A ranked page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ranked {
    pub page: u32,
    pub score: u64,
    /// 1 + section index of each matching section, best first.
    pub sections: Vec<u32>,
}

/// The engine's answer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Answer {
    pub total: usize,
    pub fallback: bool,
    pub ranked: Vec<Ranked>,
    pub facets: BTreeMap<String, BTreeMap<String, usize>>,
    /// Stems that matched, for snippets.
    pub terms: BTreeSet<String>,
    /// Surface words that matched, for highlighting.
    pub surface: BTreeSet<String>,
    /// Filter taxonomies that the index does not have.
    pub unknown_filters: Vec<String>,
}

/// Optimal string alignment distance, or `None` when above `max`.
pub fn edit_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[m] <= max).then_some(prev[m])
}

struct Candidate {
    word: String,
    weight: u32,
    postings: Arc<Vec<Posting>>,
}

fn range_from<'w>(words: &'w [String], from: &str) -> &'w [String] {
    let at = words.partition_point(|w| w.as_str() < from);
    &words[at..]
}

/// The term shard of a word: the last whose first word is not after it.
fn shard_of(starts: &[String], word: &str) -> usize {
    starts
        .partition_point(|s| s.as_str() <= word)
        .saturating_sub(1)
}

fn candidates(source: &Source, word: &QueryWord) -> Result<Vec<Candidate>, Error> {
    let mut found: Vec<(String, u32)> = Vec::new();
    let text = word.text.as_str();
    let is_stop = |w: &str| source.lang.is_stop_word(w);
    if source
        .words
        .binary_search_by(|w| w.as_str().cmp(text))
        .is_ok()
    {
        found.push((text.to_string(), EXACT));
    }
    let chars: Vec<char> = text.chars().collect();
    if word.prefix && !word.quoted && chars.len() >= PREFIX_MIN {
        // Completions of a word that exists weigh less: the reader may well
        // have finished typing it.
        let weight = if found.is_empty() {
            PREFIX
        } else {
            PREFIX_AFTER_EXACT
        };
        let end = source
            .shard_starts
            .get(shard_of(source.shard_starts, text) + PREFIX_SHARDS);
        for w in range_from(source.words, text) {
            if !w.starts_with(text) || end.is_some_and(|e| w >= e) {
                break;
            }
            if w != text && !is_stop(w) {
                found.push((w.clone(), weight));
            }
        }
    }
    if found.is_empty() && !word.quoted && chars.len() >= 4 {
        let max = if chars.len() >= 8 { 2 } else { 1 };
        let shard = shard_of(source.shard_starts, text);
        let start = source
            .shard_starts
            .get(shard)
            .map(String::as_str)
            .unwrap_or("");
        let end = source.shard_starts.get(shard + 1);
        for w in range_from(source.words, start) {
            if end.is_some_and(|e| w >= e) {
                break;
            }
            if is_stop(w) {
                continue;
            }
            let wc: Vec<char> = w.chars().collect();
            if edit_distance(&chars, &wc, max).is_some() {
                found.push((w.clone(), TYPO));
            }
        }
        // Words of other shards, through the key index (the CLI has the
        // whole vocabulary: it applies the rule the key shards encode).
        let mut reached = Vec::new();
        let spans = |prefix: &str| keys::spans(source.shard_starts, prefix);
        for w in source.words {
            if !keys::has_keys(source.lang, w) {
                continue;
            }
            let len = w.chars().count();
            if len.abs_diff(chars.len()) > max {
                continue;
            }
            let wc: Vec<char> = w.chars().collect();
            if !keys::reaches(&chars, &wc, &spans) {
                continue;
            }
            let Some(distance) = edit_distance(&chars, &wc, max) else {
                continue;
            };
            let at = shard_of(source.shard_starts, w);
            if at == shard {
                continue;
            }
            let pages = match (source.term)(w) {
                Some(term) => (source.postings)(&term)?.len(),
                None => 0,
            };
            reached.push(keys::Reached {
                word: w.clone(),
                distance,
                bucket: keys::bucket(pages),
                shard: at,
            });
        }
        for r in keys::choose(reached) {
            found.push((r.word, TYPO));
        }
    }
    let mut out = Vec::new();
    for (w, weight) in found {
        let Some(term) = (source.term)(&w) else {
            continue;
        };
        out.push(Candidate {
            postings: (source.postings)(&term)?,
            word: w,
            weight,
        });
    }
    out.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then(b.postings.len().cmp(&a.postings.len()))
            .then(a.word.cmp(&b.word))
    });
    out.truncate(MAX_CANDIDATES);
    Ok(out)
}

/// Runs a query (see the module documentation).
pub(crate) fn run(
    source: &Source,
    query: &Query,
    options: &SearchOptions,
) -> Result<Answer, Error> {
    let mut answer = Answer::default();
    // Per required word: page -> (contribution, section).
    let mut per_word: Vec<HashMap<u32, (u64, u32)>> = Vec::new();
    for word in &query.words {
        if source.lang.is_stop_word(&word.text) {
            continue;
        }
        let mut map: HashMap<u32, (u64, u32)> = HashMap::new();
        for c in candidates(source, word)? {
            for p in c.postings.iter() {
                let score =
                    c.weight as u64 * source.scores.get(p.q as usize).copied().unwrap_or(0) as u64;
                let entry = map.entry(p.page).or_insert((0, 0));
                if score > entry.0 {
                    *entry = (score, p.section);
                }
            }
            if !c.postings.is_empty() {
                answer.surface.insert(c.word.clone());
                if let Some(term) = (source.term)(&c.word) {
                    answer.terms.insert(term);
                }
            }
        }
        per_word.push(map);
    }
    if per_word.is_empty() {
        return Ok(answer);
    }
    let mut excluded: BTreeSet<u32> = BTreeSet::new();
    for word in &query.excluded {
        if source.lang.is_stop_word(word)
            || source
                .words
                .binary_search_by(|w| w.as_str().cmp(word))
                .is_err()
        {
            continue;
        }
        if let Some(term) = (source.term)(word) {
            excluded.extend((source.postings)(&term)?.iter().map(|p| p.page));
        }
    }
    // Filters: taxonomy -> allowed pages.
    let mut filters: Vec<(String, BTreeSet<u32>)> = Vec::new();
    for (taxonomy, values) in &options.filters {
        if values.is_empty() {
            continue;
        }
        let Some(known) = source.facets.get(taxonomy) else {
            answer.unknown_filters.push(taxonomy.clone());
            continue;
        };
        let mut allowed = BTreeSet::new();
        for value in values {
            if let Some(pages) = known.get(value) {
                allowed.extend(pages.iter().copied());
            }
        }
        filters.push((taxonomy.clone(), allowed));
    }
    let passes = |page: u32, skip: Option<&str>| {
        !excluded.contains(&page)
            && filters
                .iter()
                .all(|(t, allowed)| Some(t.as_str()) == skip || allowed.contains(&page))
    };
    // Phrases: their stems and offsets, stop words left out.
    let mut phrases: Vec<Vec<(String, u32)>> = Vec::new();
    for phrase in &query.phrases {
        let terms: Vec<(String, u32)> = phrase
            .iter()
            .filter(|(w, _)| !source.lang.is_stop_word(w))
            .filter_map(|(w, at)| Some(((source.term)(w)?, *at)))
            .collect();
        if terms.len() >= 2 {
            phrases.push(terms);
        }
    }
    let all_pages: BTreeSet<u32> = per_word.iter().flat_map(|m| m.keys().copied()).collect();
    let in_all = |page: &u32| per_word.iter().all(|m| m.contains_key(page));
    let mut matched: Vec<u32> = Vec::new();
    for page in all_pages.iter().copied().filter(|p| in_all(p)) {
        let mut ok = true;
        for phrase in &phrases {
            if !(source.phrase)(page, phrase)? {
                ok = false;
                break;
            }
        }
        if ok {
            matched.push(page);
        }
    }
    if per_word.len() > 1 && !matched.iter().any(|p| passes(*p, None)) {
        matched = all_pages.iter().copied().collect();
        answer.fallback = !matched.is_empty();
    }
    for (taxonomy, values) in source.facets {
        let mut counts = BTreeMap::new();
        for (value, pages) in values {
            let n = matched
                .iter()
                .filter(|p| passes(**p, Some(taxonomy)) && pages.binary_search(p).is_ok())
                .count();
            counts.insert(value.clone(), n);
        }
        answer.facets.insert(taxonomy.clone(), counts);
    }
    let mut ranked: Vec<Ranked> = matched
        .into_iter()
        .filter(|p| passes(*p, None))
        .map(|page| {
            let mut parts: Vec<(u64, usize, u32)> = Vec::new();
            let mut score = 0u64;
            for (i, m) in per_word.iter().enumerate() {
                if let Some(&(s, section)) = m.get(&page) {
                    score += s;
                    parts.push((s, i, section));
                }
            }
            parts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut sections = Vec::new();
            for (_, _, section) in parts {
                if section != 0 && !sections.contains(&section) {
                    sections.push(section);
                }
            }
            Ranked {
                page,
                score,
                sections,
            }
        })
        .collect();
    ranked.sort_by(|a, b| b.score.cmp(&a.score).then(a.page.cmp(&b.page)));
    answer.total = ranked.len();
    answer.ranked = ranked
        .into_iter()
        .skip(options.offset)
        .take(options.limit)
        .collect();
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str, prefix: bool, quoted: bool) -> QueryWord {
        QueryWord {
            text: text.to_string(),
            prefix,
            quoted,
        }
    }

    #[test]
    fn parses_words_prefix_phrases_and_exclusions() {
        let q = Query::parse(r#"Incident "response plan" -draft secu"#);
        assert_eq!(
            q.words,
            [
                w("incident", false, false),
                w("response", false, true),
                w("plan", false, true),
                w("secu", true, false)
            ]
        );
        assert_eq!(q.excluded, ["draft"]);
    }

    #[test]
    fn trailing_space_ends_the_prefix() {
        assert!(!Query::parse("secu ").words[0].prefix);
        assert!(!Query::parse("\"secu\"").words[0].prefix);
        assert!(!Query::parse("secu,").words[0].prefix);
    }

    #[test]
    fn long_and_odd_queries_are_bounded() {
        let long = "word ".repeat(2000);
        let q = Query::parse(&long);
        assert_eq!(q.words.len(), 1);
        let many: String = (0..100).map(|i| format!("w{i} ")).collect();
        assert_eq!(Query::parse(&many).words.len(), MAX_WORDS);
        assert!(
            Query::parse(r#".*[]()<script>"\"#)
                .words
                .iter()
                .all(|w| w.text == "script")
        );
        assert_eq!(Query::parse("").words.len(), 0);
    }

    #[test]
    fn edit_distances() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance(&c("policy"), &c("polciy"), 1), Some(1));
        assert_eq!(edit_distance(&c("policy"), &c("police"), 1), Some(1));
        assert_eq!(edit_distance(&c("policy"), &c("plicey"), 1), None);
        assert_eq!(
            edit_distance(&c("authentication"), &c("autentcation"), 2),
            Some(2)
        );
    }
}
