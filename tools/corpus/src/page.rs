//! Markdown for one page or section, written in two flavours at once: the
//! gca/Zola flavour (`@/` internal links, `<!-- more -->`) and the Hugo
//! flavour (`{{< ref >}}` links, `<!--more-->`). Everything but links and
//! the summary marker is the same text in both.

use crate::plan::{Plan, TAXONOMIES, Target, sentence_case};
use crate::rng::{Rng, Stream};
use std::fmt::Write as _;

/// Which flavours to produce.
#[derive(Debug, Clone, Copy)]
pub struct Flavours {
    pub zola: bool,
    pub hugo: bool,
}

/// A document being written in both flavours.
#[derive(Debug)]
pub struct Doc {
    pub zola: String,
    pub hugo: String,
    want: Flavours,
}

impl Doc {
    pub fn new(want: Flavours) -> Self {
        Doc {
            zola: String::with_capacity(if want.zola { 8192 } else { 0 }),
            hugo: String::with_capacity(if want.hugo { 8192 } else { 0 }),
            want,
        }
    }

    /// Empties both buffers, keeping their capacity.
    pub fn clear(&mut self) {
        self.zola.clear();
        self.hugo.clear();
    }

    pub fn push(&mut self, s: &str) {
        if self.want.zola {
            self.zola.push_str(s);
        }
        if self.want.hugo {
            self.hugo.push_str(s);
        }
    }

    fn push_each(&mut self, zola: &str, hugo: &str) {
        if self.want.zola {
            self.zola.push_str(zola);
        }
        if self.want.hugo {
            self.hugo.push_str(hugo);
        }
    }

    /// `[label](target)` in each flavour's internal link syntax.
    pub fn link(&mut self, plan: &Plan, label: &str, target: &Target) {
        let path = match target {
            Target::Page { index, anchor } => {
                let mut p = format!("{}.md", plan.page_path(*index));
                if let Some(a) = anchor {
                    p.push('#');
                    p.push_str(a);
                }
                p
            }
            Target::Section(s) if s.is_empty() => "_index.md".to_owned(),
            Target::Section(s) => format!("{s}/_index.md"),
        };
        let zola = format!("[{label}](@/{path})");
        let hugo = format!("[{label}]({{{{< ref \"/{path}\" >}}}})");
        self.push_each(&zola, &hugo);
    }

    fn summary_marker(&mut self) {
        self.push_each("<!-- more -->\n\n", "<!--more-->\n\n");
    }
}

/// Front matter values of a page.
#[derive(Debug)]
pub struct Meta {
    pub title: String,
    pub description: String,
    pub date: String,
    pub updated: Option<String>,
    pub alias: Option<String>,
    /// One entry per taxonomy of [`TAXONOMIES`], values in declared order.
    pub taxonomies: Vec<Vec<&'static str>>,
}

fn date(rng: &mut Rng) -> String {
    format!(
        "{}-{:02}-{:02}",
        rng.between(2000, 2025),
        rng.between(1, 12),
        rng.between(1, 28)
    )
}

/// A sentence of `min..=max` running-text words, capitalised, with a period.
fn plain_sentence(plan: &Plan, rng: &mut Rng, min: u64, max: u64) -> String {
    let n = rng.between(min, max);
    let words: Vec<&str> = (0..n).map(|_| plan.vocab().text_word(rng)).collect();
    let mut s = sentence_case(&words);
    s.push('.');
    s
}

/// Picks `per_page` values, favouring the first ones (Zipf, exponent 1).
fn taxonomy_values(
    rng: &mut Rng,
    values: &'static [&'static str],
    per_page: (u64, u64),
) -> Vec<&'static str> {
    let n = rng.between(per_page.0, per_page.1) as usize;
    let weights: Vec<f64> = (1..=values.len()).map(|r| 1.0 / r as f64).collect();
    let total: f64 = weights.iter().sum();
    let mut chosen = vec![false; values.len()];
    for _ in 0..n {
        let mut u = rng.unit() * total;
        let mut i = 0;
        while i + 1 < values.len() && u >= weights[i] {
            u -= weights[i];
            i += 1;
        }
        chosen[i] = true;
    }
    values
        .iter()
        .zip(chosen)
        .filter_map(|(v, c)| c.then_some(*v))
        .collect()
}

/// Front matter values of page `index`.
pub fn page_meta(plan: &Plan, index: u64) -> Meta {
    let mut rng = Rng::for_item(plan.seed(), Stream::PageMeta, index);
    let description = plain_sentence(plan, &mut rng, 10, 28);
    let date = date(&mut rng);
    let updated = rng.chance(0.15).then(|| date_after(&date, &mut rng));
    let alias = rng.chance(0.02).then(|| format!("/legacy/{index}/"));
    let taxonomies = TAXONOMIES
        .iter()
        .map(|t| taxonomy_values(&mut rng, t.values, t.per_page))
        .collect();
    Meta {
        title: plan.page_title(index),
        description,
        date,
        updated,
        alias,
        taxonomies,
    }
}

fn date_after(date: &str, rng: &mut Rng) -> String {
    let year: u64 = date[..4].parse().unwrap_or(2000);
    format!(
        "{}-{:02}-{:02}",
        year + rng.between(1, 3),
        rng.between(1, 12),
        rng.between(1, 28)
    )
}

/// TOML string literal (the generated text has no quote or backslash, but
/// escape anyway).
pub fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_list(values: &[&str]) -> String {
    let items: Vec<String> = values.iter().map(|v| toml_str(v)).collect();
    format!("[{}]", items.join(", "))
}

/// Writes the front matter of page `index` (both flavours).
pub fn front_matter(doc: &mut Doc, meta: &Meta) {
    let mut common = String::new();
    let _ = writeln!(common, "+++");
    let _ = writeln!(common, "title = {}", toml_str(&meta.title));
    let _ = writeln!(common, "description = {}", toml_str(&meta.description));
    let _ = writeln!(common, "date = {}", meta.date);
    doc.push(&common);
    if let Some(u) = &meta.updated {
        doc.push_each(&format!("updated = {u}\n"), &format!("lastmod = {u}\n"));
    }
    if let Some(a) = &meta.alias {
        doc.push(&format!("aliases = [{}]\n", toml_str(a)));
    }
    let mut zola = String::from("[taxonomies]\n");
    let mut hugo = String::new();
    for (t, values) in TAXONOMIES.iter().zip(&meta.taxonomies) {
        let line = format!("{} = {}\n", t.name, toml_list(values));
        zola.push_str(&line);
        hugo.push_str(&line);
    }
    zola.push_str("+++\n");
    hugo.push_str("+++\n");
    doc.push_each(&zola, &hugo);
}

/// Languages of code blocks: highlighted by syntect's default set, Zola's
/// giallo and Hugo's chroma alike.
const CODE: &[(&str, &[&str])] = &[
    (
        "rust",
        &[
            "fn {a}_{b}(input: &str) -> Option<usize> {",
            "    let {c} = input.find(\"{d}\")?;",
            "    Some({c} + {n})",
            "}",
        ],
    ),
    (
        "python",
        &[
            "def {a}_{b}(records):",
            "    \"\"\"Count {c} entries per {d}.\"\"\"",
            "    counts = {}",
            "    for r in records:",
            "        counts[r[\"{d}\"]] = counts.get(r[\"{d}\"], 0) + {n}",
            "    return counts",
        ],
    ),
    (
        "bash",
        &[
            "#!/bin/sh",
            "# {a} {b}: rotate {c} logs",
            "for f in /var/log/{c}/*.log; do",
            "  gzip -{n} \"$f\" && echo \"{d} $f\"",
            "done",
        ],
    ),
    (
        "json",
        &[
            "{",
            "  \"{a}\": \"{b}\",",
            "  \"{c}\": [{n}, {n}, {n}],",
            "  \"{d}\": {\"enabled\": true}",
            "}",
        ],
    ),
    (
        "yaml",
        &["{a}:", "  {b}: {n}", "  {c}:", "    - {d}", "    - {a}"],
    ),
    (
        "c",
        &[
            "#include <stdio.h>",
            "int {a}_{b}(const char *{c}) {",
            "    int {d} = {n};",
            "    return printf(\"%s %d\\n\", {c}, {d});",
            "}",
        ],
    ),
    (
        "javascript",
        &[
            "export function {a}{B}({c}) {",
            "  const {d} = {c}.filter((x) => x.level > {n});",
            "  return {d}.map((x) => x.name);",
            "}",
        ],
    ),
    (
        "go",
        &[
            "package {a}",
            "",
            "func {B}{D}({c} []string) int {",
            "\treturn len({c}) * {n}",
            "}",
        ],
    ),
    (
        "sql",
        &[
            "SELECT {a}, COUNT(*) AS {b}",
            "FROM {c}",
            "WHERE {d} > {n}",
            "GROUP BY {a};",
        ],
    ),
];

fn code_block(plan: &Plan, rng: &mut Rng, doc: &mut Doc) {
    let (lang, lines) = rng.pick(CODE);
    let names: Vec<&str> = (0..4).map(|_| plan.vocab().topic_word(rng)).collect();
    let n = rng.between(1, 99).to_string();
    let cap = |w: &str| sentence_case(&[w]);
    let mut out = format!("```{lang}\n");
    for line in *lines {
        let l = line
            .replace("{a}", names[0])
            .replace("{b}", names[1])
            .replace("{c}", names[2])
            .replace("{d}", names[3])
            .replace("{B}", &cap(names[1]))
            .replace("{D}", &cap(names[3]))
            .replace("{n}", &n);
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str("```\n\n");
    doc.push(&out);
}

/// A paragraph with emphasis, inline code and internal links.
fn paragraph(plan: &Plan, rng: &mut Rng, doc: &mut Doc, from: u64, links: bool) {
    let sentences = rng.between(2, 4);
    let link_at = if links && rng.chance(0.6) {
        Some((rng.below(sentences), rng.between(1, 4)))
    } else {
        None
    };
    let mut buf = String::with_capacity(512);
    for s in 0..sentences {
        let words = rng.between(6, 20);
        for w in 0..words {
            if w > 0 {
                buf.push(' ');
            }
            if link_at == Some((s, w)) {
                doc.push(&buf);
                buf.clear();
                let n = rng.between(1, 4);
                let label: Vec<&str> = (0..n).map(|_| plan.vocab().topic_word(rng)).collect();
                let target = plan.link_target(rng, from);
                doc.link(plan, &label.join(" "), &target);
                continue;
            }
            let roll = rng.unit();
            let mut word = if roll < 0.035 {
                plan.vocab().topic_word(rng).to_owned()
            } else {
                plan.vocab().text_word(rng).to_owned()
            };
            if w == 0 {
                word = sentence_case(&[&word]);
            }
            if roll < 0.02 {
                let _ = write!(buf, "*{word}*");
            } else if roll < 0.03 {
                let _ = write!(buf, "**{word}**");
            } else if roll < 0.035 {
                let _ = write!(buf, "`{word}`");
            } else {
                buf.push_str(&word);
            }
            if w + 1 < words && rng.chance(0.05) {
                buf.push(',');
            }
        }
        buf.push_str(if rng.chance(0.05) { "?" } else { "." });
        if s + 1 < sentences {
            buf.push(' ');
        }
    }
    if links && rng.chance(0.03) {
        let w = plan.vocab().topic_word(rng);
        let _ = write!(
            buf,
            " See [{w}](https://www.itu.int/en/action/cybersecurity/)."
        );
    }
    buf.push_str("\n\n");
    doc.push(&buf);
}

fn list(plan: &Plan, rng: &mut Rng, doc: &mut Doc, ordered: bool) {
    let items = rng.between(3, 8);
    let mut buf = String::new();
    for i in 1..=items {
        if ordered {
            let _ = write!(buf, "{i}. ");
        } else {
            buf.push_str("- ");
        }
        buf.push_str(&plain_sentence(plan, rng, 3, 14));
        buf.push('\n');
    }
    buf.push('\n');
    doc.push(&buf);
}

fn table(plan: &Plan, rng: &mut Rng, doc: &mut Doc) {
    let cols = rng.between(2, 5);
    let rows = rng.between(2, 8);
    let mut buf = String::new();
    let header: Vec<String> = (0..cols)
        .map(|_| sentence_case(&[plan.vocab().topic_word(rng)]))
        .collect();
    let _ = writeln!(buf, "| {} |", header.join(" | "));
    let _ = writeln!(buf, "|{}", "---|".repeat(cols as usize));
    for _ in 0..rows {
        let cells: Vec<String> = (0..cols)
            .map(|c| {
                if c > 0 && rng.chance(0.4) {
                    rng.between(0, 10_000).to_string()
                } else {
                    let n = rng.between(1, 3);
                    let w: Vec<&str> = (0..n).map(|_| plan.vocab().text_word(rng)).collect();
                    w.join(" ")
                }
            })
            .collect();
        let _ = writeln!(buf, "| {} |", cells.join(" | "));
    }
    buf.push('\n');
    doc.push(&buf);
}

fn quote(plan: &Plan, rng: &mut Rng, doc: &mut Doc) {
    let s = plain_sentence(plan, rng, 8, 24);
    doc.push(&format!("> {s}\n\n"));
}

/// The Markdown body of page `index`.
pub fn page_body(plan: &Plan, index: u64, doc: &mut Doc) {
    let mut rng = Rng::for_item(plan.seed(), Stream::PageBody, index);
    let outline = plan.outline(index);
    let h2_count = outline.iter().filter(|h| h.level == 2).count() as u64;
    let code_in = rng.chance(0.3).then(|| rng.below(h2_count));
    let footnote = rng.chance(0.05);

    paragraph(plan, &mut rng, doc, index, true);
    if rng.chance(0.5) {
        paragraph(plan, &mut rng, doc, index, true);
    }
    if rng.chance(0.3) {
        doc.summary_marker();
    }
    let mut h2 = 0;
    for (i, h) in outline.iter().enumerate() {
        doc.push(&format!("{} {}\n\n", "#".repeat(h.level as usize), h.text));
        let paragraphs = if h.level == 2 { rng.between(1, 2) } else { 1 };
        for _ in 0..paragraphs {
            paragraph(plan, &mut rng, doc, index, true);
        }
        if footnote && i == 0 {
            doc.push("The figures come from national reports.[^1]\n\n");
        }
        let roll = rng.unit();
        if roll < 0.25 {
            list(plan, &mut rng, doc, false);
        } else if roll < 0.35 {
            list(plan, &mut rng, doc, true);
        } else if roll < 0.45 {
            table(plan, &mut rng, doc);
        } else if roll < 0.52 {
            quote(plan, &mut rng, doc);
        }
        let last_of_h2 = outline.get(i + 1).is_none_or(|n| n.level == 2);
        if last_of_h2 {
            if code_in == Some(h2) {
                code_block(plan, &mut rng, doc);
            }
            h2 += 1;
        }
    }
    if footnote {
        let s = plain_sentence(plan, &mut rng, 6, 14);
        doc.push(&format!("[^1]: {s}\n"));
    }
}

/// Writes a section's `_index.md` (both flavours): front matter, a
/// paragraph and links to its children.
pub fn section_index(
    plan: &Plan,
    doc: &mut Doc,
    title: &str,
    description: &str,
    sort: bool,
    children: &[(String, Target)],
    rng: &mut Rng,
) {
    let mut fm = format!(
        "+++\ntitle = {}\ndescription = {}\n",
        toml_str(title),
        toml_str(description)
    );
    doc.push(&fm);
    fm.clear();
    if sort {
        doc.push_each("sort_by = \"date\"\n", "");
    }
    doc.push("+++\n\n");
    paragraph(plan, rng, doc, 0, false);
    if !children.is_empty() {
        for (label, target) in children {
            doc.push("- ");
            doc.link(plan, label, target);
            doc.push("\n");
        }
        doc.push("\n");
    }
}

/// A section description.
pub fn section_description(plan: &Plan, rng: &mut Rng) -> String {
    plain_sentence(plan, rng, 8, 20)
}
