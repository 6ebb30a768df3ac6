//! Ranking and filtering on the fixture corpus, through the CLI reader.

mod common;

use std::collections::BTreeSet;

use search_index::shards::{Meta, Shard};
use search_index::{SearchOptions, Searcher};

fn searcher() -> (tempfile::TempDir, Searcher) {
    let dir = tempfile::tempdir().unwrap();
    common::build(dir.path());
    let searcher = Searcher::open(dir.path(), Some("en")).unwrap();
    (dir, searcher)
}

fn first(searcher: &Searcher, query: &str) -> Option<String> {
    common::urls(searcher, query, &SearchOptions::default())
        .into_iter()
        .next()
}

#[test]
fn exact_words_rank_the_expected_page_first() {
    let (_d, s) = searcher();
    let cases = [
        ("ransomware", "documents/ransomware/"),
        ("phishing", "documents/phishing-guide/"),
        ("cybercrime legislation", "work-areas/legal-measures/"),
        ("CIRT", "work-areas/organizational-structures/"),
        ("argon2id", "documents/password-storage/"),
    ];
    for (query, expected) in cases {
        assert_eq!(
            first(&s, query).as_deref(),
            Some(expected),
            "query {query:?}"
        );
    }
}

#[test]
fn title_outranks_body() {
    let (_d, s) = searcher();
    // "ransomware" is in the body of business-continuity, in the title of ransomware.
    let urls = common::urls(&s, "ransomware", &SearchOptions::default());
    assert_eq!(
        urls,
        ["documents/ransomware/", "documents/business-continuity/"]
    );
}

#[test]
fn prefix_of_the_last_word() {
    let (_d, s) = searcher();
    assert_eq!(
        first(&s, "ransom").as_deref(),
        Some("documents/ransomware/")
    );
    assert_eq!(
        first(&s, "password hash").as_deref(),
        Some("documents/password-storage/")
    );
    // A finished word (followed by a space) is not a prefix.
    assert_eq!(first(&s, "ransom "), None);
}

#[test]
fn typos_are_forgiven_and_rank_below_exact() {
    let (_d, s) = searcher();
    assert_eq!(
        first(&s, "ransomwre").as_deref(),
        Some("documents/ransomware/")
    );
    assert_eq!(
        first(&s, "phishng").as_deref(),
        Some("documents/phishing-guide/")
    );
    assert_eq!(
        first(&s, "legsilation").as_deref(),
        Some("work-areas/legal-measures/")
    );
    // Three letters: no typo tolerance.
    assert_eq!(first(&s, "xql "), None);
    // An exact word scores above the same word reached through a typo.
    let exact = s.search("ransomware ", &SearchOptions::default()).unwrap();
    let typo = s.search("ransomwre ", &SearchOptions::default()).unwrap();
    assert!(exact.results[0].score > typo.results[0].score);
}

#[test]
fn two_words_must_both_match_else_fallback() {
    let (_d, s) = searcher();
    let out = s.search("spear email", &SearchOptions::default()).unwrap();
    assert!(!out.fallback);
    assert_eq!(out.total, 1);
    assert_eq!(out.results[0].url, "documents/phishing-guide/");
    let anchors: Vec<&str> = out.results[0]
        .anchors
        .iter()
        .map(|a| a.anchor.as_str())
        .collect();
    assert_eq!(anchors, ["report-it", "spear-phishing"]);
    let out = s
        .search("ransomware argon2id", &SearchOptions::default())
        .unwrap();
    assert!(out.fallback);
    assert_eq!(out.total, 3);
}

#[test]
fn quoted_words_match_exactly() {
    let (_d, s) = searcher();
    assert_eq!(
        first(&s, "\"incident response plan\"").as_deref(),
        Some("documents/incident-response-plan/")
    );
    // In quotes, neither prefix nor typo.
    assert_eq!(first(&s, "\"ransomwre\""), None);
    assert_eq!(first(&s, "\"ransom"), None);
}

#[test]
fn exclusion_removes_pages() {
    let (_d, s) = searcher();
    let urls = common::urls(&s, "ransomware -backups", &SearchOptions::default());
    assert!(urls.is_empty(), "{urls:?}");
    let urls = common::urls(&s, "ransomware -payment", &SearchOptions::default());
    assert_eq!(urls, ["documents/business-continuity/"]);
}

#[test]
fn filters_restrict_and_count() {
    let (_d, s) = searcher();
    let mut options = SearchOptions::default();
    let all = s.search("legislation", &options).unwrap();
    assert_eq!(all.total, 2);
    assert_eq!(all.facets["work_areas"]["Legal Measures"], 2);
    assert_eq!(all.facets["work_areas"]["Capacity Building"], 1);
    options
        .filters
        .insert("work_areas".into(), vec!["Capacity Building".into()]);
    let filtered = s.search("legislation", &options).unwrap();
    assert_eq!(filtered.total, 1);
    assert_eq!(
        filtered.results[0].url,
        "documents/child-online-protection/"
    );
    // Counts of the filtered taxonomy still show the alternatives.
    assert_eq!(filtered.facets["work_areas"]["Legal Measures"], 2);
    // Two values of one taxonomy: either.
    options.filters.insert(
        "work_areas".into(),
        vec!["Capacity Building".into(), "Legal Measures".into()],
    );
    assert_eq!(s.search("legislation", &options).unwrap().total, 2);
    // Across taxonomies: both.
    options
        .filters
        .insert("regions".into(), vec!["Europe".into()]);
    assert_eq!(s.search("legislation", &options).unwrap().total, 0);
}

#[test]
fn stemming_and_folding() {
    let (_d, s) = searcher();
    // "certificates" and "certificate" share a stem.
    assert_eq!(
        first(&s, "certificates").as_deref(),
        Some("work-areas/technical-measures/")
    );
    assert_eq!(
        first(&s, "CAFÉS").as_deref(),
        Some("documents/cafe-regulation/")
    );
    assert_eq!(
        first(&s, "strasse").as_deref(),
        Some("documents/cafe-regulation/")
    );
}

#[test]
fn bad_input_gives_sensible_answers() {
    let (_d, s) = searcher();
    let none = SearchOptions::default();
    for query in [
        "",
        "   ",
        "the and of",
        "\"",
        "-",
        "--",
        "-ransomware",
        ".*",
        "(((",
        "<script>",
    ] {
        let out = s.search(query, &none).unwrap();
        assert!(out.results.len() <= out.total, "{query:?}");
    }
    assert_eq!(s.search("the and of", &none).unwrap().total, 0);
    let long = "ransomware ".repeat(1000);
    assert_eq!(
        common::urls(&s, &long, &none).first().map(String::as_str),
        Some("documents/ransomware/")
    );
    let noise: String = (0..10_000)
        .map(|i| char::from(b'!' + (i % 90) as u8))
        .collect();
    s.search(&noise, &none).unwrap();
    let mut unknown = SearchOptions::default();
    unknown.filters.insert("colour".into(), vec!["blue".into()]);
    let out = s.search("ransomware", &unknown).unwrap();
    assert_eq!(out.unknown_filters, ["colour"]);
    assert_eq!(out.total, 2);
    let mut unknown_value = SearchOptions::default();
    unknown_value
        .filters
        .insert("work_areas".into(), vec!["Nope".into()]);
    assert_eq!(s.search("ransomware", &unknown_value).unwrap().total, 0);
}

#[test]
fn snippets_mark_matches_as_ranges_of_plain_text() {
    let (_d, s) = searcher();
    let out = s.search("quarantine", &SearchOptions::default()).unwrap();
    let hit = &out.results[0];
    assert_eq!(hit.title, "<script>alert(1)</script> Markup & entities");
    let (a, b) = hit.excerpt.highlighted[0];
    assert_eq!(&hit.excerpt.text[a..b], "quarantine");
}

#[test]
fn other_languages_have_their_own_index() {
    let dir = tempfile::tempdir().unwrap();
    common::build(dir.path());
    assert_eq!(Searcher::languages(dir.path()), ["ar", "en", "fr", "zh"]);
    let fr = Searcher::open(dir.path(), Some("fr")).unwrap();
    // French stemming: "juridique" finds "juridiques".
    assert_eq!(
        common::urls(&fr, "juridique ", &SearchOptions::default()),
        ["fr/work-areas/legal-measures/"]
    );
    let zh = Searcher::open(dir.path(), Some("zh")).unwrap();
    assert_eq!(
        common::urls(&zh, "安全", &SearchOptions::default()),
        ["zh/"]
    );
    let ar = Searcher::open(dir.path(), Some("ar")).unwrap();
    // With and without diacritics.
    assert_eq!(
        common::urls(&ar, "الأَمْن ", &SearchOptions::default()),
        ["ar/"]
    );
    assert_eq!(
        common::urls(&ar, "الامن ", &SearchOptions::default()),
        ["ar/"]
    );
}

#[test]
fn a_title_match_outranks_many_body_mentions() {
    let (_d, s) = searcher();
    let urls = common::urls(&s, "denial of service", &SearchOptions::default());
    assert_eq!(
        urls[..2],
        [
            "documents/denial-of-service/",
            "documents/availability-report/"
        ]
    );
}

#[test]
fn completions_of_an_existing_word_weigh_less() {
    let (_d, s) = searcher();
    let score = |query: &str| {
        let out = s.search(query, &SearchOptions::default()).unwrap();
        out.results
            .iter()
            .find(|h| h.url == "documents/denial-of-service/")
            .map(|h| h.score)
            .unwrap()
    };
    // The page has "throttlers" only. "throttle" exists in the index (another
    // page), so its completions weigh half of those of "throttl", which does not.
    assert_eq!(score("throttle") * 2, score("throttl"));
}

#[test]
fn quoted_phrases_need_their_words_in_order() {
    let (_d, s) = searcher();
    let none = SearchOptions::default();
    // "response ... plan" are both on business-continuity, but apart.
    let out = s.search("\"response plan\"", &none).unwrap();
    assert!(!out.fallback);
    let urls: Vec<&str> = out.results.iter().map(|h| h.url.as_str()).collect();
    assert_eq!(urls, ["documents/incident-response-plan/"]);
    let loose = common::urls(&s, "response plan ", &none);
    assert!(loose.contains(&"documents/business-continuity/".to_string()));
    // A stop word inside quotes stands for any word.
    let urls = common::urls(&s, "\"denial of service\"", &none);
    assert_eq!(
        urls[..2],
        [
            "documents/denial-of-service/",
            "documents/availability-report/"
        ]
    );
    let urls = common::urls(&s, "\"denial the service\"", &none);
    assert_eq!(urls.len(), 2);
    // Punctuation between words does not break a phrase ("service. Denial").
    let urls = common::urls(&s, "\"service denial\"", &none);
    assert_eq!(urls, ["documents/availability-report/"]);
    // Words present, never in that order: no page has the phrase, so any word.
    let out = s.search("\"plan incident\"", &none).unwrap();
    assert!(out.fallback);
    assert!(out.total >= 2);
}

/// The fixture's export with its small shards, its vocabulary, and the
/// reader of the index of record.
struct Crossing {
    _dir: tempfile::TempDir,
    meta: Meta,
    vocabulary: BTreeSet<String>,
    searcher: Searcher,
}

fn crossing() -> Crossing {
    let dir = tempfile::tempdir().unwrap();
    let files = common::build(dir.path());
    let file = |p: &str| &files.iter().find(|f| f.path == p).unwrap().bytes;
    let meta = Meta::parse(file("en/meta.js")).unwrap();
    let mut vocabulary = BTreeSet::new();
    for n in 0..meta.starts.len() {
        vocabulary.extend(Shard::parse(file(&meta.shard_path(n))).unwrap().words);
    }
    let searcher = Searcher::open(dir.path(), Some("en")).unwrap();
    Crossing {
        _dir: dir,
        meta,
        vocabulary,
        searcher,
    }
}

impl Crossing {
    /// Checks that `typo` is not a word, lives in another term shard than
    /// `word`, and finds `word`'s best page first, below the word itself.
    fn check(&self, typo: &str, word: &str) {
        assert!(!self.vocabulary.contains(typo), "{typo} is a word");
        assert_ne!(
            self.meta.shard_of(typo),
            self.meta.shard_of(word),
            "{typo} and {word} share a shard"
        );
        let none = SearchOptions::default();
        let exact = self.searcher.search(&format!("{word} "), &none).unwrap();
        let typoed = self.searcher.search(&format!("{typo} "), &none).unwrap();
        assert!(!typoed.results.is_empty(), "{typo} finds nothing");
        assert_eq!(
            typoed.results[0].url, exact.results[0].url,
            "{typo} finds what {word} finds"
        );
        assert!(
            typoed.results[0].score < exact.results[0].score,
            "{typo} ranks below {word}"
        );
        assert!(
            typoed.words.contains(&word.to_string()),
            "{typo}: {:?}",
            typoed.words
        );
    }
}

#[test]
fn first_letter_typos_reach_other_shards() {
    let c = crossing();
    for (typo, word) in [
        // substituted
        ("xansomware", "ransomware"),
        ("fhishing", "phishing"),
        ("xegislation", "legislation"),
        ("bybercrime", "cybercrime"),
        // deleted
        ("ansomware", "ransomware"),
        ("hishing", "phishing"),
        ("egislation", "legislation"),
        ("ybercrime", "cybercrime"),
        // inserted
        ("transomware", "ransomware"),
        ("aphishing", "phishing"),
        // swapped with the second
        ("arnsomware", "ransomware"),
        ("hpishing", "phishing"),
    ] {
        c.check(typo, word);
    }
}

#[test]
fn mid_word_typos_across_a_shard_boundary_are_found() {
    let c = crossing();
    let mut seen = 0;
    let mut positions = BTreeSet::new();
    for word in [
        "ransomware",
        "phishing",
        "legislation",
        "continuity",
        "availability",
        "regulation",
        "injection",
        "password",
        "incident",
        "response",
    ] {
        let chars: Vec<char> = word.chars().collect();
        let mut typos: Vec<(usize, Vec<char>)> = Vec::new();
        for i in 1..chars.len() {
            for x in ['a', 'e', 'k', 'q', 'z'] {
                let mut t = chars.clone();
                t[i] = x;
                typos.push((i, t));
                let mut t = chars.clone();
                t.insert(i, x);
                typos.push((i, t));
            }
            let mut t = chars.clone();
            t.remove(i);
            typos.push((i, t));
            if i + 1 < chars.len() {
                let mut t = chars.clone();
                t.swap(i, i + 1);
                typos.push((i, t));
            }
        }
        for (i, t) in typos {
            let typo: String = t.iter().collect();
            if typo == word
                || c.vocabulary.contains(&typo)
                || c.meta.shard_of(&typo) == c.meta.shard_of(word)
            {
                continue;
            }
            c.check(&typo, word);
            seen += 1;
            positions.insert(i);
        }
    }
    // The small shards of the fixture put many typos elsewhere, some past
    // the first two letters.
    assert!(seen >= 20, "{seen} typos crossed a boundary");
    assert!(positions.iter().any(|&i| i >= 2), "{positions:?}");
}
