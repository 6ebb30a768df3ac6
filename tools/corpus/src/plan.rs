//! The shape of a corpus: which pages belong to which section, and the
//! names, titles and headings of every page, each computable on its own from
//! the seed and the page number so that links can point anywhere without
//! holding the pages in memory.

use crate::rng::{Rng, Stream};
use crate::vocab::Vocabulary;

/// Pages per leaf section: uniform in this range (the last leaf takes the rest).
pub const LEAF_PAGES: (u64, u64) = (10, 100);
/// Leaf sections per top-level section: uniform in this range.
pub const TOP_LEAVES: (u64, u64) = (4, 20);
/// Smallest and largest corpus.
pub const MIN_PAGES: u64 = 100;
pub const MAX_PAGES: u64 = 1_000_000;

/// One taxonomy: its name, display title, allowed values (most frequent
/// first) and how many values a page gets.
#[derive(Debug)]
pub struct Taxonomy {
    pub name: &'static str,
    pub title: &'static str,
    pub values: &'static [&'static str],
    pub per_page: (u64, u64),
}

/// The taxonomies every corpus declares; pages only use these values.
pub const TAXONOMIES: &[Taxonomy] = &[
    Taxonomy {
        name: "work_areas",
        title: "Work areas",
        values: &[
            "Legal Measures",
            "Technical and Procedural Measures",
            "Organizational Structures",
            "Capacity Building",
            "International Cooperation",
        ],
        per_page: (1, 2),
    },
    Taxonomy {
        name: "stakeholders",
        title: "Stakeholders",
        values: &[
            "Governments",
            "Industry",
            "Civil Society",
            "Academia",
            "International Organizations",
            "Technical Community",
            "Law Enforcement",
            "Incident Response Teams",
            "Critical Infrastructure Operators",
            "Individuals",
        ],
        per_page: (1, 3),
    },
    Taxonomy {
        name: "regions",
        title: "Regions",
        values: &[
            "Global",
            "Africa",
            "Europe",
            "Asia-Pacific",
            "Americas",
            "Arab States",
            "CIS",
        ],
        per_page: (1, 2),
    },
    Taxonomy {
        name: "types",
        title: "Types",
        values: &[
            "report",
            "overview",
            "guideline",
            "strategy",
            "law",
            "case study",
            "speech",
            "resolution",
            "toolkit",
            "standard",
        ],
        per_page: (1, 1),
    },
];

/// A heading of a page's outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 2 or 3.
    pub level: u8,
    pub text: String,
    /// The id every tool derives from `text` (lowercase words joined by `-`).
    pub id: String,
}

/// Where a link goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A page, by number, with an optional heading id.
    Page { index: u64, anchor: Option<String> },
    /// A section, by content path without `_index.md` (`""` is the home page).
    Section(String),
}

/// The layout of a corpus of `pages` pages for `seed`.
#[derive(Debug)]
pub struct Plan {
    seed: u64,
    pages: u64,
    vocab: Vocabulary,
    /// Leaf `k` holds pages `leaf_starts[k]..leaf_starts[k + 1]`.
    leaf_starts: Vec<u64>,
    /// Top section `t` holds leaves `top_starts[t]..top_starts[t + 1]`.
    top_starts: Vec<u64>,
}

impl Plan {
    /// Lays out the sections. Memory is proportional to the number of
    /// sections (about N / 55), not pages.
    pub fn new(seed: u64, pages: u64) -> Self {
        let mut rng = Rng::for_item(seed, Stream::LeafSizes, 0);
        let mut leaf_starts = vec![0];
        let mut at = 0;
        while at < pages {
            at = (at + rng.between(LEAF_PAGES.0, LEAF_PAGES.1)).min(pages);
            leaf_starts.push(at);
        }
        let leaves = leaf_starts.len() as u64 - 1;
        let mut rng = Rng::for_item(seed, Stream::TopSizes, 0);
        let mut top_starts = vec![0];
        let mut at = 0;
        while at < leaves {
            at = (at + rng.between(TOP_LEAVES.0, TOP_LEAVES.1)).min(leaves);
            top_starts.push(at);
        }
        Plan {
            seed,
            pages,
            vocab: Vocabulary::new(),
            leaf_starts,
            top_starts,
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn pages(&self) -> u64 {
        self.pages
    }

    pub fn vocab(&self) -> &Vocabulary {
        &self.vocab
    }

    pub fn leaf_count(&self) -> u64 {
        self.leaf_starts.len() as u64 - 1
    }

    pub fn top_count(&self) -> u64 {
        self.top_starts.len() as u64 - 1
    }

    /// Pages of leaf `k`.
    pub fn leaf_pages(&self, leaf: u64) -> std::ops::Range<u64> {
        self.leaf_starts[leaf as usize]..self.leaf_starts[leaf as usize + 1]
    }

    /// Leaves of top section `t`.
    pub fn top_leaves(&self, top: u64) -> std::ops::Range<u64> {
        self.top_starts[top as usize]..self.top_starts[top as usize + 1]
    }

    /// The leaf holding page `index`.
    pub fn leaf_of(&self, index: u64) -> u64 {
        self.leaf_starts.partition_point(|&s| s <= index) as u64 - 1
    }

    /// The top section holding leaf `leaf`.
    pub fn top_of(&self, leaf: u64) -> u64 {
        self.top_starts.partition_point(|&s| s <= leaf) as u64 - 1
    }

    fn words(&self, rng: &mut Rng, min: u64, max: u64) -> Vec<&'static str> {
        let n = rng.between(min, max);
        (0..n).map(|_| self.vocab.topic_word(rng)).collect()
    }

    /// Words naming top section `t`. A top-level folder never starts with a
    /// taxonomy's name: Hugo 0.111 fails ("missing taxonomy") when a section
    /// path has a taxonomy's path as a prefix, e.g. `stakeholders-106/`.
    fn top_words(&self, top: u64) -> Vec<&'static str> {
        let mut rng = Rng::for_item(self.seed, Stream::TopName, top);
        loop {
            let words = self.words(&mut rng, 1, 3);
            let slug = words.join("-");
            let reserved = TAXONOMIES
                .iter()
                .any(|t| slug.starts_with(t.name) || slug.starts_with(&slugify(t.name)))
                || slug.starts_with("legacy");
            if !reserved {
                return words;
            }
        }
    }

    /// Title of top section `t`.
    pub fn top_title(&self, top: u64) -> String {
        sentence_case(&self.top_words(top))
    }

    /// Directory name of top section `t`, unique by its number.
    pub fn top_slug(&self, top: u64) -> String {
        format!("{}-{top}", self.top_words(top).join("-"))
    }

    pub fn leaf_title(&self, leaf: u64) -> String {
        let mut rng = Rng::for_item(self.seed, Stream::LeafName, leaf);
        sentence_case(&self.words(&mut rng, 2, 4))
    }

    pub fn leaf_slug(&self, leaf: u64) -> String {
        let mut rng = Rng::for_item(self.seed, Stream::LeafName, leaf);
        format!("{}-{leaf}", self.words(&mut rng, 2, 4).join("-"))
    }

    /// Content path of leaf `k` (`top/leaf`).
    pub fn leaf_path(&self, leaf: u64) -> String {
        format!(
            "{}/{}",
            self.top_slug(self.top_of(leaf)),
            self.leaf_slug(leaf)
        )
    }

    fn title_words(&self, index: u64) -> Vec<&'static str> {
        let mut rng = Rng::for_item(self.seed, Stream::PageTitle, index);
        self.words(&mut rng, 3, 8)
    }

    pub fn page_title(&self, index: u64) -> String {
        sentence_case(&self.title_words(index))
    }

    /// File stem of page `index`: its first title words and its number.
    pub fn page_slug(&self, index: u64) -> String {
        let words = self.title_words(index);
        format!("{}-{index}", words[..words.len().min(5)].join("-"))
    }

    /// Content path of page `index` without extension (`top/leaf/slug`).
    pub fn page_path(&self, index: u64) -> String {
        format!(
            "{}/{}",
            self.leaf_path(self.leaf_of(index)),
            self.page_slug(index)
        )
    }

    /// The headings of page `index`, in order: one to five h2, each with up
    /// to two h3. The first is always an h2; ids are unique in the page.
    pub fn outline(&self, index: u64) -> Vec<Heading> {
        let mut rng = Rng::for_item(self.seed, Stream::PageHeadings, index);
        let h2s = rng.between(1, 5);
        let mut out: Vec<Heading> = Vec::new();
        for _ in 0..h2s {
            let h3s = if rng.chance(0.3) {
                rng.between(1, 2)
            } else {
                0
            };
            for level in std::iter::once(2).chain(std::iter::repeat_n(3, h3s as usize)) {
                let mut words = self.words(&mut rng, 2, 5);
                while out.iter().any(|h| h.id == words.join("-")) {
                    words.push(self.vocab.topic_word(&mut rng));
                }
                out.push(Heading {
                    level,
                    text: sentence_case(&words),
                    id: words.join("-"),
                });
            }
        }
        out
    }

    /// The id of the first heading of page `index`.
    pub fn first_anchor(&self, index: u64) -> String {
        let mut outline = self.outline(index);
        outline.swap_remove(0).id
    }

    /// A link target chosen from page `from`'s point of view: often a page of
    /// the same leaf, else any page or a section; sometimes with an anchor.
    pub fn link_target(&self, rng: &mut Rng, from: u64) -> Target {
        let roll = rng.unit();
        if roll < 0.08 {
            let leaf = rng.below(self.leaf_count());
            return if rng.chance(0.5) {
                Target::Section(self.leaf_path(leaf))
            } else {
                Target::Section(self.top_slug(self.top_of(leaf)))
            };
        }
        let mut index = if roll < 0.55 {
            let r = self.leaf_pages(self.leaf_of(from));
            r.start + rng.below(r.end - r.start)
        } else {
            rng.below(self.pages)
        };
        if index == from {
            index = (index + 1) % self.pages;
        }
        let anchor = rng.chance(0.25).then(|| self.first_anchor(index));
        Target::Page { index, anchor }
    }
}

/// `["incident", "response"]` -> `"Incident response"`.
pub fn sentence_case(words: &[&str]) -> String {
    let mut s = words.join(" ");
    if let Some(first) = s.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    s
}

/// Lowercase ASCII words joined by `-`, as the three tools slug term names
/// made of letters, digits, spaces and `-`.
pub fn slugify(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_and_tops_partition_the_pages() {
        for pages in [100, 1234, 20_000] {
            let plan = Plan::new(5, pages);
            let mut next = 0;
            for leaf in 0..plan.leaf_count() {
                let r = plan.leaf_pages(leaf);
                assert_eq!(r.start, next);
                assert!(r.end > r.start);
                assert!(r.end - r.start <= LEAF_PAGES.1);
                if r.end < pages {
                    assert!(r.end - r.start >= LEAF_PAGES.0);
                }
                for i in [r.start, r.end - 1] {
                    assert_eq!(plan.leaf_of(i), leaf);
                }
                next = r.end;
            }
            assert_eq!(next, pages);
            let mut next = 0;
            for top in 0..plan.top_count() {
                let r = plan.top_leaves(top);
                assert_eq!(r.start, next);
                for leaf in r.clone() {
                    assert_eq!(plan.top_of(leaf), top);
                }
                next = r.end;
            }
            assert_eq!(next, plan.leaf_count());
        }
    }

    #[test]
    fn top_sections_never_start_with_a_taxonomy_path() {
        // 100,000 pages give about 160 top sections; seed 1 once produced
        // `stakeholders-106/`.
        for seed in 1..4 {
            let plan = Plan::new(seed, 100_000);
            for top in 0..plan.top_count() {
                let slug = plan.top_slug(top);
                for t in TAXONOMIES {
                    assert!(!slug.starts_with(t.name), "{slug}");
                    assert!(!slug.starts_with(&slugify(t.name)), "{slug}");
                }
                assert!(!slug.starts_with("legacy"), "{slug}");
            }
        }
    }

    #[test]
    fn outlines_start_with_h2_and_have_unique_ids() {
        let plan = Plan::new(9, 500);
        for i in 0..500 {
            let o = plan.outline(i);
            assert_eq!(o[0].level, 2);
            let mut ids: Vec<&str> = o.iter().map(|h| h.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), o.len(), "page {i}");
            for h in &o {
                assert_eq!(slugify(&h.text), h.id);
            }
        }
    }

    #[test]
    fn slugify_matches_term_urls() {
        assert_eq!(
            slugify("Technical and Procedural Measures"),
            "technical-and-procedural-measures"
        );
        assert_eq!(slugify("Asia-Pacific"), "asia-pacific");
        assert_eq!(slugify("case study"), "case-study");
    }
}
