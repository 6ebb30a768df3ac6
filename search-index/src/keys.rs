//! Typo tolerance across term shards: the deletion-key index.
//!
//! A typo can move a word into another term shard (`xybercrime` sorts far
//! from `cybercrime`), where scanning the typed word's own shard cannot find
//! it. The export therefore writes a second index, of *keys*: every word of
//! the vocabulary that is not a stop word and has at least
//! [`KEY_MIN_CHARS`] characters has the keys
//!
//! - the word itself (its *self* key), and
//! - the word without its character at position `i`, for each `i` below
//!   [`KEY_DELETIONS`] (positions count characters, not bytes), when the
//!   word is longer than [`KEY_MIN_CHARS`].
//!
//! Of these, the export writes those that a typed word in another term
//! shard than `w` may need ([`kept`]): none when there is a single term
//! shard; the key without the character at `i` only when the words that
//! start with `w`'s first `i` characters span more than one shard.
//!
//! A typed word `t` (4 or more characters) *reaches* a word `w` of the
//! vocabulary when
//!
//! - `w` starts with the first [`KEY_DELETIONS`] characters of `t` (its
//!   *region*: the self keys with that prefix), or
//! - an exported key of `w` is one of `t`'s *lookups*: `t` itself and `t`
//!   without its character at position `i`, for each `i` up to and
//!   including [`KEY_DELETIONS`].
//!
//! Every word one edit away from `t` (an insertion, a deletion, a
//! substitution or a swap of neighbours) in another term shard is reached:
//! an edit after the region leaves it in the region; an edit inside it (or
//! a swap across its end) leaves a deletion of `w` at a position below
//! [`KEY_DELETIONS`] equal to `t` or one of `t`'s lookups. Keys for every
//! position (SymSpell) would do the same without the region, at about three
//! times the bytes; the region costs only the self keys, which sort
//! together.
//!
//! The browser reads the keys in key shards (`k-<hash>-<n>.js`); the CLI
//! has the whole vocabulary and applies [`reaches`] to it. Both then keep
//! the words within the typo distance ([`crate::query::edit_distance`]),
//! and, of those in term shards other than `t`'s own, the words of at most
//! [`MAX_EXTRA_SHARDS`] shards ([`choose`]), so that a typo costs a bounded
//! number of requests.

use crate::analysis::Lang;

/// Deletion positions of a word's keys, and the length of a typed word's
/// region.
pub const KEY_DELETIONS: usize = 2;
/// Shortest word (in characters) with keys: a typed word of 4 or more
/// characters is never one edit from a shorter one.
pub const KEY_MIN_CHARS: usize = 3;
/// Term shards other than the typed word's own whose words a typo may bring
/// in.
pub const MAX_EXTRA_SHARDS: usize = 3;

/// Page-count buckets: the bit length of a stem's page count, from 1 up to
/// this.
pub const BUCKETS: u32 = 9;
/// In a key shard, each entry of a key is one of these marks (followed, for
/// a deletion, by the deleted character): the mark at `kind * BUCKETS +
/// bucket - 1`, where `kind` is 0 for the word that is the key, `1 + i`
/// for the word without its character at position `i`. None of them is a
/// word character or a packed digit.
pub const ENTRY_MARKS: &str = "!#$%&'()*+,./:;<=>?@[]^`{|}~";

/// The mark of an entry: what the key stands for and the word's bucket.
pub fn mark(from: KeyFrom, bucket: u32) -> char {
    let kind = from.map_or(0, |(at, _)| 1 + at as usize);
    let at = kind * BUCKETS as usize + bucket.clamp(1, BUCKETS) as usize - 1;
    ENTRY_MARKS.as_bytes()[at] as char
}

/// What a mark says: the entry's kind (see [`ENTRY_MARKS`]) and bucket;
/// `None` for any other character.
pub fn unmark(c: char) -> Option<(usize, u32)> {
    let at = ENTRY_MARKS.find(c)?;
    let kind = at / BUCKETS as usize;
    (kind <= KEY_DELETIONS).then_some((kind, at as u32 % BUCKETS + 1))
}

/// Whether a word of the vocabulary has keys.
pub fn has_keys(lang: Lang, word: &str) -> bool {
    !lang.is_stop_word(word) && word.chars().count() >= KEY_MIN_CHARS
}

/// What a key stands for: its word is the key itself (`None`), or the key
/// with the character inserted at that character position.
pub type KeyFrom = Option<(u8, char)>;

/// The keys of a word (one that [`has_keys`]), with what each stands for:
/// a key shorter than [`KEY_MIN_CHARS`] is left out (a typed word of 4
/// characters or more never looks one up).
pub fn word_keys(word: &str) -> Vec<(String, KeyFrom)> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = Vec::with_capacity(KEY_DELETIONS + 1);
    out.push((word.to_string(), None));
    if chars.len() <= KEY_MIN_CHARS {
        return out;
    }
    for (i, &c) in chars.iter().enumerate().take(KEY_DELETIONS) {
        let key: String = chars[..i].iter().chain(&chars[i + 1..]).collect();
        out.push((key, Some((i as u8, c))));
    }
    out
}

/// Writes into `out` the word a key stands for.
pub fn word_of(key: &str, from: KeyFrom, out: &mut String) {
    out.clear();
    match from {
        None => out.push_str(key),
        Some((at, c)) => {
            let split = key
                .char_indices()
                .nth(at as usize)
                .map_or(key.len(), |(i, _)| i);
            out.push_str(&key[..split]);
            out.push(c);
            out.push_str(&key[split..]);
        }
    }
}

/// The region of a typed word: its first [`KEY_DELETIONS`] characters.
pub fn region(typed: &[char]) -> String {
    typed.iter().take(KEY_DELETIONS).collect()
}

/// The keys a typed word looks up: itself, then itself without the
/// character at position 0, 1, ... [`KEY_DELETIONS`] (repeats left out).
pub fn lookups(typed: &[char]) -> Vec<String> {
    let mut out = vec![typed.iter().collect::<String>()];
    for i in 0..=KEY_DELETIONS.min(typed.len().saturating_sub(1)) {
        let key: String = typed[..i].iter().chain(&typed[i + 1..]).collect();
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

/// Whether `a` without its character at `i` (none: `i` past the end) equals
/// `b` without its character at `j`.
fn deleted_eq(a: &[char], i: Option<usize>, b: &[char], j: Option<usize>) -> bool {
    let a_len = a.len() - usize::from(i.is_some());
    let b_len = b.len() - usize::from(j.is_some());
    if a_len != b_len {
        return false;
    }
    let skip = |s: &[char], at: Option<usize>, k: usize| match at {
        Some(at) if k >= at => s[k + 1],
        _ => s[k],
    };
    (0..a_len).all(|k| skip(a, i, k) == skip(b, j, k))
}

/// Whether the words that start with `prefix` are in more than one term
/// shard (`starts`: the first word of each, the first one empty).
pub fn spans(starts: &[String], prefix: &str) -> bool {
    let at = starts
        .partition_point(|s| s.as_str() <= prefix)
        .saturating_sub(1);
    starts
        .get(at + 1)
        .is_some_and(|next| next.starts_with(prefix))
}

/// Whether a key entry is exported, given [`spans`] of the term shards: a
/// key is only needed for typed words in another shard than its word, and
/// those that need the word's key without its character `i` all start
/// with the word's first `i` characters (the self key and the key without
/// the first character serve typed words that start anyhow).
pub fn kept(key: &str, from: KeyFrom, spans: &dyn Fn(&str) -> bool) -> bool {
    let prefix = match from {
        None => "",
        Some((at, _)) => {
            let end = key
                .char_indices()
                .nth(at as usize)
                .map_or(key.len(), |(i, _)| i);
            &key[..end]
        }
    };
    spans(prefix)
}

/// Whether the key index leads from the typed word `t` to the word `w`
/// (one that [`has_keys`]), given [`spans`] of the term shards (see
/// [`kept`]): see the module documentation.
pub fn reaches(t: &[char], w: &[char], spans: &dyn Fn(&str) -> bool) -> bool {
    if !spans("") {
        return false;
    }
    let p = KEY_DELETIONS.min(t.len());
    if w.len() >= p && w[..p] == t[..p] {
        return true;
    }
    if w.len().abs_diff(t.len()) > 1 {
        return false;
    }
    let lookups =
        std::iter::once(None).chain((0..=KEY_DELETIONS.min(t.len().saturating_sub(1))).map(Some));
    let keys: Vec<Option<usize>> = std::iter::once(None)
        .chain(
            (0..KEY_DELETIONS.min(w.len()))
                .filter(|&i| w.len() > KEY_MIN_CHARS && spans(&w[..i].iter().collect::<String>()))
                .map(Some),
        )
        .collect();
    lookups
        .into_iter()
        .any(|i| keys.iter().any(|&j| deleted_eq(t, i, w, j)))
}

/// The page count a key entry carries: the bit length of the number of
/// pages of the word's stem (1 for one page, 2 for two or three, 3 for four
/// to seven...), from 1 to [`BUCKETS`].
pub fn bucket(pages: usize) -> u32 {
    (usize::BITS - pages.leading_zeros()).clamp(1, BUCKETS)
}

/// A word the key index reached, within the typo distance, in a term shard
/// other than the typed word's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    /// The word.
    pub word: String,
    /// Its edit distance to the typed word.
    pub distance: usize,
    /// Its [`bucket`].
    pub bucket: u32,
    /// Its term shard.
    pub shard: usize,
}

/// The words kept of those reached: taken by distance (smaller first), then
/// bucket (larger first), then the word (in code point order), each one
/// kept when its shard is already chosen or fewer than
/// [`MAX_EXTRA_SHARDS`] are; returned in that order.
pub fn choose(mut reached: Vec<Reached>) -> Vec<Reached> {
    reached.sort_by(|a, b| {
        a.distance
            .cmp(&b.distance)
            .then(b.bucket.cmp(&a.bucket))
            .then(a.word.cmp(&b.word))
    });
    reached.dedup_by(|a, b| a.word == b.word);
    let mut shards: Vec<usize> = Vec::new();
    reached
        .into_iter()
        .filter(|r| {
            if shards.contains(&r.shard) {
                return true;
            }
            if shards.len() < MAX_EXTRA_SHARDS {
                shards.push(r.shard);
                return true;
            }
            false
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    /// Shard layouts: one shard; a few, some letters over two shards; many.
    fn layouts() -> Vec<Vec<String>> {
        let l = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        vec![
            l(&[""]),
            l(&["", "c", "in", "po"]),
            l(&["", "b", "c", "cy", "f", "in", "info", "p", "pol", "x"]),
        ]
    }

    fn shard_of(starts: &[String], w: &str) -> usize {
        starts.partition_point(|s| s.as_str() <= w) - 1
    }

    /// Whether the region and lookups of `t` meet a kept key of `w`, by
    /// brute force over the keys.
    fn reaches_by_keys(t: &str, w: &str, starts: &[String]) -> bool {
        let region = region(&c(t));
        let lookups = lookups(&c(t));
        let spans = |p: &str| spans(starts, p);
        word_keys(w).iter().any(|(k, from)| {
            kept(k, *from, &spans)
                && ((from.is_none() && k.starts_with(&region)) || lookups.contains(k))
        })
    }

    #[test]
    fn spans_and_kept_keys() {
        let starts = &layouts()[1];
        let spans = |p: &str| spans(starts, p);
        assert!(spans(""));
        assert!(spans("i") && spans("p"));
        assert!(!spans("a") && !spans("c") && !spans("in") && !spans("z"));
        assert!(!super::spans(&layouts()[0], ""));
        assert!(kept("bercrime", Some((0, 'c')), &spans));
        assert!(
            kept("iformation", Some((1, 'n')), &spans),
            "i spans two shards"
        );
        assert!(
            !kept("cbercrime", Some((1, 'y')), &spans),
            "c is in one shard"
        );
    }

    #[test]
    fn every_word_one_edit_away_is_reached() {
        let alphabet = ['a', 'b', 'c', 'é'];
        let words = [
            "information",
            "cybercrime",
            "abcd",
            "abca",
            "policy",
            "bank",
        ];
        for starts in layouts() {
            let spans = |p: &str| spans(&starts, p);
            for w in words {
                let wc = c(w);
                let mut typos: Vec<Vec<char>> = Vec::new();
                for i in 0..=wc.len() {
                    for &x in &alphabet {
                        let mut t = wc.clone();
                        t.insert(i, x);
                        typos.push(t);
                        if i < wc.len() {
                            let mut t = wc.clone();
                            t[i] = x;
                            typos.push(t);
                        }
                    }
                    if i < wc.len() {
                        let mut t = wc.clone();
                        t.remove(i);
                        typos.push(t);
                    }
                    if i + 1 < wc.len() {
                        let mut t = wc.clone();
                        t.swap(i, i + 1);
                        typos.push(t);
                    }
                }
                for t in typos {
                    if t.len() < 4 {
                        continue;
                    }
                    let ts: String = t.iter().collect();
                    // Reached, or in the word's own shard (found there).
                    let own = shard_of(&starts, &ts) == shard_of(&starts, w);
                    assert!(own || reaches(&t, &wc, &spans), "{ts} -> {w} in {starts:?}");
                    assert!(
                        own || reaches_by_keys(&ts, w, &starts),
                        "{ts} -> {w} by keys"
                    );
                }
            }
        }
    }

    #[test]
    fn reaches_is_what_the_keys_give() {
        let words = [
            "information",
            "nformation",
            "formation",
            "informal",
            "cybercrime",
            "ybercrime",
            "xybercrime",
            "bercrime",
            "abcd",
            "bacd",
            "acbd",
            "abdc",
            "abc",
            "bcd",
            "zzzz",
            "policy",
            "polic",
            "opolicy",
            "plicy",
            "pilcy",
            "bank",
            "bnak",
        ];
        for starts in layouts() {
            let spans = |p: &str| spans(&starts, p);
            for t in words {
                if t.chars().count() < 4 {
                    continue;
                }
                for w in words {
                    assert_eq!(
                        reaches(&c(t), &c(w), &spans),
                        reaches_by_keys(t, w, &starts),
                        "{t} -> {w} in {starts:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn buckets_and_the_cap() {
        assert_eq!(
            [0, 1, 2, 3, 4, 7, 8, 255, 256, 100_000].map(bucket),
            [1, 1, 2, 2, 3, 3, 4, 8, 9, 9]
        );
        for kind in 0..=KEY_DELETIONS {
            for b in 1..=BUCKETS {
                let from = (kind > 0).then(|| (kind as u8 - 1, 'x'));
                let m = mark(from, b);
                assert!(!m.is_alphanumeric() && !"-_\"\\ ".contains(m), "{m}");
                assert_eq!(unmark(m), Some((kind, b)));
            }
        }
        assert_eq!(unmark('a'), None);
        let r = |word: &str, distance, bucket, shard| Reached {
            word: word.to_string(),
            distance,
            bucket,
            shard,
        };
        let kept = choose(vec![
            r("e", 2, 9, 5),
            r("a", 1, 1, 1),
            r("b", 1, 3, 2),
            r("c", 1, 3, 3),
            r("d", 1, 2, 4),
            r("f", 2, 1, 2),
        ]);
        let words: Vec<&str> = kept.iter().map(|r| r.word.as_str()).collect();
        // b and c (bucket 3) first, then d (bucket 2): three shards; a and
        // e are in other shards, f in b's.
        assert_eq!(words, ["b", "c", "d", "f"]);
    }
}
