//! Word positions, for quoted phrases.

use std::collections::HashMap;

use crate::analysis::{Analyzer, positioned_words};

/// Stems already computed, by surface word (`None`: a stop word).
pub(crate) type StemCache = HashMap<String, Option<String>>;

/// Stem to the positions (sorted) where it occurs in a page's texts.
pub(crate) fn term_positions(
    analyzer: &Analyzer,
    texts: &[String],
    cache: &mut StemCache,
) -> HashMap<String, Vec<u32>> {
    let mut out: HashMap<String, Vec<u32>> = HashMap::new();
    for (surface, at) in positioned_words(texts.iter().map(String::as_str)) {
        let term = match cache.get(&surface) {
            Some(term) => term.clone(),
            None => {
                let term = analyzer.term(&surface);
                cache.insert(surface, term.clone());
                term
            }
        };
        if let Some(term) = term {
            out.entry(term).or_default().push(at);
        }
    }
    out
}

/// Whether the stems of `phrase` occur at their offsets from one start.
pub(crate) fn matches(positions: &HashMap<String, Vec<u32>>, phrase: &[(String, u32)]) -> bool {
    let Some((first, first_at)) = phrase.first() else {
        return true;
    };
    let Some(starts) = positions.get(first) else {
        return false;
    };
    starts.iter().any(|&p| {
        let Some(origin) = p.checked_sub(*first_at) else {
            return false;
        };
        phrase.iter().skip(1).all(|(term, at)| {
            positions
                .get(term)
                .is_some_and(|list| list.binary_search(&(origin + at)).is_ok())
        })
    })
}
