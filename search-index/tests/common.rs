//! Shared by the integration tests: the fixture corpus.
#![allow(dead_code)]

use std::path::Path;

use std::collections::BTreeMap;

use search_index::{ExportFile, PageRecord, SearchConfig, SearchOptions, Searcher, SectionRecord};

pub fn pages() -> Vec<PageRecord> {
    let text = include_str!("fixtures/pages.json");
    serde_json::from_str(text).expect("fixture pages parse")
}

/// Small shards and chunks, so the fixture exercises several of each, and
/// no document table in meta.js, so that display records ride in shards.
pub fn config() -> SearchConfig {
    SearchConfig {
        shard_bytes: 400,
        doc_chunk_pages: 3,
        table_bytes: 0,
        ..SearchConfig::default()
    }
}

/// The other places display records can be: in the shards of every term
/// (an unbounded budget), the whole table in meta.js, or only the document
/// table (no records in shards), with few top pages.
pub fn other_configs() -> Vec<SearchConfig> {
    vec![
        records_everywhere(),
        SearchConfig {
            shard_bytes: 400,
            ..SearchConfig::default()
        },
        SearchConfig {
            shard_bytes: 700,
            doc_chunk_pages: 2,
            table_bytes: 0,
            records_percent: 0,
            top_pages: 2,
            ..SearchConfig::default()
        },
    ]
}

/// Display records of every term's top pages in its shards.
pub fn records_everywhere() -> SearchConfig {
    SearchConfig {
        shard_bytes: 400,
        doc_chunk_pages: 3,
        table_bytes: 0,
        records_percent: 1_000_000,
        ..SearchConfig::default()
    }
}

pub fn build(dir: &Path) -> Vec<ExportFile> {
    search_index::build(dir, &pages(), &config()).expect("build")
}

pub fn urls(searcher: &Searcher, query: &str, options: &SearchOptions) -> Vec<String> {
    searcher
        .search(query, options)
        .expect("search")
        .results
        .into_iter()
        .map(|h| h.url)
        .collect()
}

/// A deterministic generator, so the corpus and queries are the same on
/// every run.
pub struct Lcg(pub u64);
impl Lcg {
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

pub const VOCABULARY: &[&str] = &[
    "security",
    "secure",
    "securing",
    "secret",
    "section",
    "sector",
    "cyber",
    "cybercrime",
    "crime",
    "criminal",
    "network",
    "networks",
    "networking",
    "attack",
    "attacker",
    "attacks",
    "password",
    "passwords",
    "passphrase",
    "hash",
    "hashing",
    "hashes",
    "incident",
    "incidents",
    "response",
    "respond",
    "responder",
    "malware",
    "ransomware",
    "phishing",
    "phish",
    "policy",
    "policies",
    "police",
    "protocol",
    "protection",
    "protect",
    "privacy",
    "private",
    "public",
    "key",
    "keys",
    "encryption",
    "encrypt",
    "decrypt",
    "certificate",
    "certification",
    "audit",
    "auditor",
    "access",
    "control",
    "controls",
    "session",
    "token",
    "tokens",
    "injection",
    "inject",
    "input",
    "validation",
    "valid",
    "authentication",
    "authorization",
    "author",
    "cooperation",
    "capacity",
    "training",
    "legal",
    "law",
    "laws",
    "standard",
    "standards",
    "risk",
    "risks",
    "threat",
    "threats",
    "vulnerability",
    "vulnerabilities",
    "patch",
    "patches",
    "café",
    "naïve",
    "résumé",
    "straße",
    "the",
    "and",
    "of",
    "with",
    "données",
    "sécurité",
];

pub fn generated_pages(n: usize, rng: &mut Lcg) -> Vec<PageRecord> {
    let areas = [
        "Legal Measures",
        "Capacity Building",
        "International Cooperation",
    ];
    let regions = ["Africa", "Europe", "Global"];
    (0..n)
        .map(|i| {
            let mut sentence = |len: usize| {
                (0..len)
                    .map(|_| rng.pick(VOCABULARY))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let title = sentence(3);
            let description = sentence(8);
            let sections = (0..4)
                .map(|s| SectionRecord {
                    anchor: (s > 0).then(|| format!("s{s}")),
                    heading: if s > 0 { sentence(2) } else { String::new() },
                    level: if s > 0 { 2 } else { 0 },
                    text: sentence(30),
                    code: if s == 2 { sentence(5) } else { String::new() },
                })
                .collect();
            let mut taxonomies = BTreeMap::new();
            taxonomies.insert("work_areas".to_string(), vec![rng.pick(&areas).to_string()]);
            taxonomies.insert("regions".to_string(), vec![rng.pick(&regions).to_string()]);
            PageRecord {
                url: format!("p/{i:04}/"),
                title,
                description,
                lang: "en".to_string(),
                date: None,
                taxonomies,
                sections,
            }
        })
        .collect()
}
