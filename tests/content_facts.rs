//! Checks the GCA knowledge base in `site/` straight from its files, without
//! a build: the front matter follows the content model, section schemas hold,
//! internal links and glossary anchors resolve, the timeline is in order, and
//! the key figures on the site match the source address kept as a fixture in
//! `tests/fixtures/seed/address-2008.txt`, and no file repeats a long run of
//! that address's words.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The five GCA work areas, as the address names them.
const WORK_AREAS: [&str; 5] = [
    "Legal Measures",
    "Technical and Procedural Measures",
    "Organizational Structures",
    "Capacity Building",
    "International Cooperation",
];

/// The folder of each work area under `content/work-areas/`, in the same order.
const WORK_AREA_SLUGS: [&str; 5] = [
    "legal-measures",
    "technical-and-procedural-measures",
    "organizational-structures",
    "capacity-building",
    "international-cooperation",
];

/// Glossary terms the knowledge base must define.
const REQUIRED_TERMS: [&str; 14] = [
    "cybersecurity",
    "cybercrime",
    "cyber threat",
    "WSIS",
    "Action Line C5",
    "HLEG",
    "GCA",
    "IMPACT",
    "CIRT",
    "capacity building",
    "ITU",
    "Plenipotentiary Conference",
    "ITU Council",
    "multi-stakeholder cooperation",
];

const GLOSSARY_PAGE: &str = "glossary/_index.md";

// ---------------------------------------------------------------------------
// Front matter, as the content model defines it (unknown keys are errors).
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Source {
    title: String,
    publisher: Option<String>,
    date: Option<String>,
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // fields are read by serde to reject unknown keys
struct PageFront {
    title: String,
    description: Option<String>,
    date: Option<toml::Value>,
    updated: Option<toml::Value>,
    weight: Option<i64>,
    draft: Option<bool>,
    slug: Option<String>,
    path: Option<String>,
    aliases: Option<Vec<String>>,
    template: Option<String>,
    in_search_index: Option<bool>,
    #[serde(default)]
    taxonomies: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    sources: Vec<Source>,
    extra: Option<toml::Table>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Schema {
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    taxonomies: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // fields are read by serde to reject unknown keys
struct SectionFront {
    title: String,
    description: Option<String>,
    sort_by: Option<String>,
    weight: Option<i64>,
    paginate_by: Option<u32>,
    page_template: Option<String>,
    template: Option<String>,
    transparent: Option<bool>,
    in_search_index: Option<bool>,
    #[serde(default)]
    taxonomies: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    sources: Vec<Source>,
    aliases: Option<Vec<String>>,
    extra: Option<toml::Table>,
    schema: Option<Schema>,
}

/// One content file, page or section, with what the checks need.
#[derive(Debug)]
struct Doc {
    /// Path relative to `site/content`, with `/` separators.
    rel: String,
    is_section: bool,
    title: String,
    description: Option<String>,
    taxonomies: BTreeMap<String, Vec<String>>,
    sources: Vec<Source>,
    schema: Option<Schema>,
    template: Option<String>,
    sort_by: Option<String>,
    body: String,
}

impl Doc {
    /// Folder of the file relative to `site/content` ("" for the root).
    fn dir(&self) -> &str {
        self.rel.rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    fn values(&self, taxonomy: &str) -> &[String] {
        self.taxonomies.get(taxonomy).map_or(&[], Vec::as_slice)
    }
}

fn site_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("site")
}

fn content_dir() -> PathBuf {
    site_dir().join("content")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every `*.md` file under `dir`, sorted, as paths relative to `root`.
fn markdown_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            markdown_files(root, &path, out);
        } else if path.extension().is_some_and(|ext| ext == "md") {
            let rel = path.strip_prefix(root).expect("path under root");
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(rel.join("/"));
        }
    }
}

/// Splits `+++` TOML front matter from the Markdown body.
fn split_front_matter(rel: &str, text: &str) -> (String, String) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
        .unwrap_or_else(|| panic!("{rel}: front matter must open with a `+++` line"));
    let mut front = String::new();
    let mut lines = rest.split_inclusive('\n');
    for line in lines.by_ref() {
        if line.trim_end() == "+++" {
            let body: String = lines.collect();
            return (front, body);
        }
        front.push_str(line);
    }
    panic!("{rel}: front matter is not closed by a `+++` line");
}

/// The language codes declared in `config.toml` under `[languages.xx]`.
fn translation_languages() -> BTreeSet<String> {
    load_toml("config.toml")
        .get("languages")
        .and_then(toml::Value::as_table)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

/// True for a translation file (`page.fr.md`, `_index.ar.md`). Translations
/// are checked against their originals by `tests/translations.rs`; the
/// checks here cover the default-language knowledge base.
fn is_translation(rel: &str, languages: &BTreeSet<String>) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let stem = name.strip_suffix(".md").unwrap_or(name);
    stem.rsplit_once('.')
        .is_some_and(|(_, lang)| languages.contains(lang))
}

fn load_docs() -> Vec<Doc> {
    let root = content_dir();
    let mut files = Vec::new();
    markdown_files(&root, &root, &mut files);
    let languages = translation_languages();
    files.retain(|rel| !is_translation(rel, &languages));
    assert!(!files.is_empty(), "no content under {}", root.display());
    files
        .into_iter()
        .map(|rel| {
            let text = read(&root.join(&rel));
            let (front, body) = split_front_matter(&rel, &text);
            let is_section = rel == "_index.md" || rel.ends_with("/_index.md");
            if is_section {
                let f: SectionFront = toml::from_str(&front)
                    .unwrap_or_else(|e| panic!("{rel}: bad section front matter: {e}"));
                Doc {
                    rel,
                    is_section,
                    title: f.title,
                    description: f.description,
                    taxonomies: f.taxonomies,
                    sources: f.sources,
                    schema: f.schema,
                    template: f.template,
                    sort_by: f.sort_by,
                    body,
                }
            } else {
                let f: PageFront = toml::from_str(&front)
                    .unwrap_or_else(|e| panic!("{rel}: bad page front matter: {e}"));
                Doc {
                    rel,
                    is_section,
                    title: f.title,
                    description: f.description,
                    taxonomies: f.taxonomies,
                    sources: f.sources,
                    schema: None,
                    template: f.template,
                    sort_by: None,
                    body,
                }
            }
        })
        .collect()
}

fn load_toml(rel: &str) -> toml::Table {
    let path = site_dir().join(rel);
    toml::from_str(&read(&path)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Collapses every run of whitespace to one space, so that phrases can be
/// found across line breaks.
fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Heading id as the content model makes it: `{#custom}` when given, else
/// the slug of the heading text.
fn slugify(text: &str) -> String {
    let mut slug = String::new();
    let mut dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            slug.push(c);
        } else {
            dash = true;
        }
    }
    slug
}

/// The ids of the Markdown headings of a body (outside fenced code).
fn heading_ids(body: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut in_fence = false;
    for line in body.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || !trimmed.starts_with('#') {
            continue;
        }
        let text = trimmed.trim_start_matches('#');
        if !text.starts_with(' ') {
            continue;
        }
        let text = text.trim();
        if let Some(start) = text.rfind("{#")
            && text.ends_with('}')
        {
            ids.insert(text[start + 2..text.len() - 1].to_string());
        } else {
            ids.insert(slugify(text));
        }
    }
    ids
}

/// A Markdown body without its code: fenced blocks become empty lines and
/// inline code spans are removed, so that examples in code are not taken for
/// links.
fn strip_code(body: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<&str> = None;
    for line in body.lines() {
        let trimmed = line.trim_start();
        match fence {
            Some(marker) => {
                if trimmed.starts_with(marker) {
                    fence = None;
                }
                out.push('\n');
                continue;
            }
            None if trimmed.starts_with("```") => fence = Some("```"),
            None if trimmed.starts_with("~~~") => fence = Some("~~~"),
            None => {}
        }
        if fence.is_some() {
            out.push('\n');
            continue;
        }
        // Remove inline code: a run of N backticks up to the next run of N.
        let mut rest = line;
        while let Some(start) = rest.find('`') {
            out.push_str(&rest[..start]);
            let run = rest[start..].len() - rest[start..].trim_start_matches('`').len();
            let after = &rest[start + run..];
            let closing = "`".repeat(run);
            match after.find(&closing) {
                Some(end) => rest = &after[end + run..],
                None => {
                    out.push_str(&rest[start..start + run]);
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out.push('\n');
    }
    out
}

/// Splits an `@/` path into (target file, optional anchor).
fn split_target(target: &str) -> (String, Option<String>) {
    let target = target.strip_prefix("@/").unwrap_or(target);
    match target.split_once('#') {
        Some((file, anchor)) => (file.to_string(), Some(anchor.to_string())),
        None => (target.to_string(), None),
    }
}

/// Every link destination of a Markdown body, outside code: inline links
/// `[text](dest)` and reference definitions `[label]: dest`.
fn link_destinations(body: &str) -> Vec<String> {
    let text = strip_code(body);
    let mut found = Vec::new();
    for opener in ["](", "]: "] {
        let mut rest = text.as_str();
        while let Some(i) = rest.find(opener) {
            let after = rest[i + opener.len()..].trim_start_matches('<');
            let end = after
                .find(|c: char| c == ')' || c == '>' || c.is_whitespace())
                .unwrap_or(after.len());
            found.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    found
}

/// Every `@/` link of a Markdown body: (target file, optional anchor).
fn internal_links(body: &str) -> Vec<(String, Option<String>)> {
    link_destinations(body)
        .iter()
        .filter(|d| d.starts_with("@/"))
        .map(|d| split_target(d))
        .collect()
}

/// The nearest schema that governs a file: for a page, the one of its own
/// section or the closest ancestor declaring one; for a section, the closest
/// ancestor's.
fn governing_schema<'a>(doc: &Doc, sections: &'a BTreeMap<String, &Doc>) -> Option<&'a Schema> {
    let mut dir = if doc.is_section {
        match doc.dir().rsplit_once('/') {
            Some((parent, _)) => Some(parent.to_string()),
            None if doc.dir().is_empty() => None,
            None => Some(String::new()),
        }
    } else {
        Some(doc.dir().to_string())
    };
    while let Some(d) = dir {
        let key = if d.is_empty() {
            "_index.md".to_string()
        } else {
            format!("{d}/_index.md")
        };
        if let Some(schema) = sections.get(&key).and_then(|s| s.schema.as_ref()) {
            return Some(schema);
        }
        dir = match d.rsplit_once('/') {
            Some((parent, _)) => Some(parent.to_string()),
            None if d.is_empty() => None,
            None => Some(String::new()),
        };
    }
    None
}

fn glossary() -> Vec<toml::Table> {
    let data = load_toml("data/glossary.toml");
    data.get("terms")
        .and_then(toml::Value::as_array)
        .expect("glossary.toml has [[terms]]")
        .iter()
        .map(|t| t.as_table().expect("each term is a table").clone())
        .collect()
}

fn glossary_ids() -> BTreeSet<String> {
    glossary()
        .iter()
        .map(|t| t["id"].as_str().expect("id is a string").to_string())
        .collect()
}

fn timeline() -> Vec<toml::Table> {
    let data = load_toml("data/timeline.toml");
    data.get("events")
        .and_then(toml::Value::as_array)
        .expect("timeline.toml has [[events]]")
        .iter()
        .map(|t| t.as_table().expect("each event is a table").clone())
        .collect()
}

fn str_field<'a>(table: &'a toml::Table, key: &str, what: &str) -> &'a str {
    table
        .get(key)
        .and_then(toml::Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| panic!("{what}: `{key}` must be a non-empty string"))
}

/// Parses "YYYY-MM-DD" or "YYYY-MM" into (year, month, day), day 0 when the
/// day is not known, so that a month sorts before its own days.
fn parse_event_date(date: &str) -> Option<(u32, u32, u32)> {
    let parts: Vec<&str> = date.split('-').collect();
    let number = |s: &str, len: usize| -> Option<u32> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (year, month, day) = match parts.as_slice() {
        [y, m] => (number(y, 4)?, number(m, 2)?, 0),
        [y, m, d] => (number(y, 4)?, number(m, 2)?, number(d, 2)?),
        _ => return None,
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    (parts.len() == 2 || (1..=days_in_month).contains(&day)).then_some((year, month, day))
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

#[test]
fn every_file_has_title_description_and_sources() {
    let mut problems = Vec::new();
    for doc in load_docs() {
        if doc.title.trim().is_empty() {
            problems.push(format!("{}: empty title", doc.rel));
        }
        if doc
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
        {
            problems.push(format!("{}: missing description", doc.rel));
        }
        if doc.sources.is_empty() {
            problems.push(format!("{}: no [[sources]]", doc.rel));
        }
        for source in &doc.sources {
            if source.title.trim().is_empty() {
                problems.push(format!("{}: a source has an empty title", doc.rel));
            }
            if let Some(url) = &source.url
                && !url.starts_with("https://")
            {
                problems.push(format!("{}: source url `{url}` is not https", doc.rel));
            }
            if let Some(date) = &source.date
                && parse_event_date(date).is_none()
                && !(date.len() == 4 && date.bytes().all(|b| b.is_ascii_digit()))
            {
                problems.push(format!("{}: source date `{date}` is not a date", doc.rel));
            }
            if source
                .publisher
                .as_deref()
                .is_some_and(|p| p.trim().is_empty())
            {
                problems.push(format!("{}: a source has an empty publisher", doc.rel));
            }
        }
        if doc.body.trim().is_empty() {
            problems.push(format!("{}: empty body", doc.rel));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn config_declares_the_four_taxonomies() {
    let config = load_toml("config.toml");
    for key in ["title", "description", "base_url"] {
        str_field(&config, key, "config.toml");
    }
    let taxonomies = config["taxonomies"].as_array().expect("[[taxonomies]]");
    let names: Vec<&str> = taxonomies
        .iter()
        .map(|t| t["name"].as_str().expect("taxonomy name"))
        .collect();
    assert_eq!(names, ["work_areas", "stakeholders", "regions", "types"]);
    let work_areas: Vec<&str> = taxonomies[0]["values"]
        .as_array()
        .expect("work_areas has a values allow-list")
        .iter()
        .map(|v| v.as_str().expect("string value"))
        .collect();
    assert_eq!(work_areas, WORK_AREAS);
    for table in ["markdown", "search", "extra"] {
        assert!(
            config.get(table).is_some_and(toml::Value::is_table),
            "config.toml lacks [{table}]"
        );
    }
}

#[test]
fn taxonomy_values_are_declared_and_allowed() {
    let config = load_toml("config.toml");
    let mut allowed: BTreeMap<String, Option<BTreeSet<String>>> = BTreeMap::new();
    for t in config["taxonomies"].as_array().expect("[[taxonomies]]") {
        let name = t["name"].as_str().expect("taxonomy name").to_string();
        let values = t.get("values").and_then(toml::Value::as_array).map(|vs| {
            vs.iter()
                .map(|v| v.as_str().expect("string value").to_string())
                .collect()
        });
        allowed.insert(name, values);
    }
    let mut problems = Vec::new();
    for doc in load_docs() {
        for (name, values) in &doc.taxonomies {
            let Some(list) = allowed.get(name) else {
                problems.push(format!("{}: undeclared taxonomy `{name}`", doc.rel));
                continue;
            };
            if values.is_empty() {
                problems.push(format!("{}: empty `{name}` list", doc.rel));
            }
            let mut seen = BTreeSet::new();
            for value in values {
                if !seen.insert(value) {
                    problems.push(format!("{}: `{value}` twice in `{name}`", doc.rel));
                }
                if let Some(list) = list
                    && !list.contains(value)
                {
                    problems.push(format!(
                        "{}: `{value}` is not an allowed {name} value",
                        doc.rel
                    ));
                }
            }
        }
        for value in doc.values("work_areas") {
            if !WORK_AREAS.contains(&value.as_str()) {
                problems.push(format!("{}: unknown work area `{value}`", doc.rel));
            }
        }
        if doc.values("types").is_empty() {
            problems.push(format!("{}: no `types` value", doc.rel));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn section_schemas_hold_for_their_pages() {
    let docs = load_docs();
    let sections: BTreeMap<String, &Doc> = docs
        .iter()
        .filter(|d| d.is_section)
        .map(|d| (d.rel.clone(), d))
        .collect();

    // Each work area declares the schema of the brief, exactly.
    for slug in WORK_AREA_SLUGS {
        let key = format!("work-areas/{slug}/_index.md");
        let section = sections
            .get(&key)
            .unwrap_or_else(|| panic!("missing work area overview {key}"));
        let schema = section
            .schema
            .as_ref()
            .unwrap_or_else(|| panic!("{key}: no [schema]"));
        for field in ["description", "sources", "taxonomies.work_areas"] {
            assert!(
                schema.required.iter().any(|r| r == field),
                "{key}: schema does not require {field}"
            );
        }
        assert_eq!(
            schema.taxonomies.get("work_areas").map(Vec::as_slice),
            Some(WORK_AREAS.map(String::from).as_slice()),
            "{key}: schema must allow exactly the five work areas"
        );
    }

    let mut problems = Vec::new();
    let mut checked = 0;
    for doc in &docs {
        let Some(schema) = governing_schema(doc, &sections) else {
            continue;
        };
        checked += 1;
        for field in &schema.required {
            let present = match field.as_str() {
                "description" => doc
                    .description
                    .as_deref()
                    .is_some_and(|d| !d.trim().is_empty()),
                "sources" => !doc.sources.is_empty(),
                "title" => !doc.title.trim().is_empty(),
                other => match other.strip_prefix("taxonomies.") {
                    Some(name) => !doc.values(name).is_empty(),
                    None => panic!("{}: schema requires unknown field `{other}`", doc.rel),
                },
            };
            if !present {
                problems.push(format!("{}: schema requires `{field}`", doc.rel));
            }
        }
        for (name, allowed) in &schema.taxonomies {
            for value in doc.values(name) {
                if !allowed.contains(value) {
                    problems.push(format!(
                        "{}: `{value}` not allowed by schema for {name}",
                        doc.rel
                    ));
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} files are under a schema");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn each_work_area_has_an_overview_and_three_pages() {
    let docs = load_docs();
    for (slug, name) in WORK_AREA_SLUGS.iter().zip(WORK_AREAS) {
        let dir = format!("work-areas/{slug}");
        let overview = docs
            .iter()
            .find(|d| d.rel == format!("{dir}/_index.md"))
            .unwrap_or_else(|| panic!("{dir}: no _index.md"));
        assert_eq!(overview.title, name, "{dir}: overview title");
        assert_eq!(
            overview.values("work_areas"),
            [name],
            "{dir}: overview tagged with its own area"
        );
        let body = normalise(&overview.body);
        for heading in [
            "What this area covers",
            "Why it matters",
            "What each group can do",
            "Related pages",
            "Further reading",
        ] {
            assert!(
                body.contains(&format!("## {heading}")),
                "{dir}: overview lacks `## {heading}`"
            );
        }
        let pages: Vec<&Doc> = docs
            .iter()
            .filter(|d| !d.is_section && d.dir() == dir)
            .collect();
        assert!(
            pages.len() >= 3,
            "{dir}: {} pages, at least 3 expected",
            pages.len()
        );
        for page in pages {
            assert!(
                page.values("work_areas").iter().any(|v| v == name),
                "{}: not tagged with its own work area `{name}`",
                page.rel
            );
            assert!(
                overview.body.contains(&format!("@/{}", page.rel)),
                "{dir}: overview does not link to {}",
                page.rel
            );
        }
    }
}

#[test]
fn one_page_per_stakeholder_group_links_into_the_work_areas() {
    let docs = load_docs();
    let groups = [
        ("governments", "Governments"),
        ("industry", "Industry"),
        (
            "international-and-regional-organisations",
            "International and regional organisations",
        ),
        ("research-and-academia", "Research and academia"),
        ("civil-society", "Civil society"),
    ];
    for (slug, group) in groups {
        let rel = format!("stakeholders/{slug}.md");
        let doc = docs
            .iter()
            .find(|d| d.rel == rel)
            .unwrap_or_else(|| panic!("missing {rel}"));
        assert_eq!(doc.values("stakeholders"), [group], "{rel}: stakeholders");
        for area in WORK_AREA_SLUGS {
            assert!(
                doc.body.contains(&format!("@/work-areas/{area}/_index.md")),
                "{rel}: no link to the {area} overview"
            );
        }
    }
}

#[test]
fn special_pages_use_their_templates() {
    let docs = load_docs();
    let find = |rel: &str| {
        docs.iter()
            .find(|d| d.rel == rel)
            .unwrap_or_else(|| panic!("missing {rel}"))
    };
    assert_eq!(
        find("timeline/_index.md").template.as_deref(),
        Some("timeline.html")
    );
    assert_eq!(
        find(GLOSSARY_PAGE).template.as_deref(),
        Some("glossary.html")
    );
    for doc in &docs {
        if let Some(sort_by) = &doc.sort_by {
            assert!(
                ["date", "title", "weight", "none"].contains(&sort_by.as_str()),
                "{}: sort_by `{sort_by}`",
                doc.rel
            );
        }
    }
}

/// Checks one `@/` link; returns the problem, if any.
fn check_link(
    by_rel: &BTreeMap<&str, &Doc>,
    glossary_ids: &BTreeSet<String>,
    from: &str,
    file: &str,
    anchor: Option<&str>,
) -> Option<String> {
    let Some(target) = by_rel.get(file) else {
        return Some(format!("{from}: link to missing @/{file}"));
    };
    let anchor = anchor?;
    let exists = heading_ids(&target.body).contains(anchor)
        || (file == GLOSSARY_PAGE && glossary_ids.contains(anchor));
    (!exists).then(|| format!("{from}: anchor #{anchor} does not exist in @/{file}"))
}

#[test]
fn internal_links_and_anchors_resolve() {
    let docs = load_docs();
    let by_rel: BTreeMap<&str, &Doc> = docs.iter().map(|d| (d.rel.as_str(), d)).collect();
    let glossary_ids = glossary_ids();

    // (where the link is written, link)
    let mut links: Vec<(String, (String, Option<String>))> = Vec::new();
    let mut problems = Vec::new();
    for doc in &docs {
        for link in internal_links(&doc.body) {
            links.push((doc.rel.clone(), link));
        }
        // Links to Markdown files must go through `@/` so the build checks them.
        for target in link_destinations(&doc.body) {
            if target.contains(".md") && !target.starts_with("@/") {
                problems.push(format!("{}: link `{target}` must use @/", doc.rel));
            }
        }
    }
    let content_links = links.len();
    for event in timeline() {
        let page = str_field(&event, "page", "timeline event");
        assert!(
            page.starts_with("@/") && !page.contains(char::is_whitespace),
            "timeline page `{page}` must be one @/ path"
        );
        links.push(("data/timeline.toml".to_string(), split_target(page)));
    }
    for term in glossary() {
        let Some(see) = term.get("see") else { continue };
        for path in see.as_array().expect("`see` is a list") {
            let path = path.as_str().expect("`see` entries are strings");
            assert!(
                path.starts_with("@/") && !path.contains(char::is_whitespace),
                "glossary see `{path}` must be one @/ path"
            );
            links.push(("data/glossary.toml".to_string(), split_target(path)));
        }
    }

    let mut glossary_links = 0;
    for (from, (file, anchor)) in &links {
        if file == GLOSSARY_PAGE && anchor.is_some() {
            glossary_links += 1;
        }
        problems.extend(check_link(
            &by_rel,
            &glossary_ids,
            from,
            file,
            anchor.as_deref(),
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        content_links >= 200,
        "only {content_links} internal links in the content"
    );
    assert!(
        glossary_links >= 20,
        "only {glossary_links} links to glossary terms"
    );
}

#[test]
fn glossary_defines_the_required_terms_once() {
    let terms = glossary();
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for term in &terms {
        let name = str_field(term, "term", "glossary term");
        let id = str_field(term, "id", name);
        str_field(term, "definition", name);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !id.starts_with('-')
                && !id.ends_with('-'),
            "glossary id `{id}` is not a lowercase slug"
        );
        assert!(
            ids.insert(id.to_string()),
            "glossary id `{id}` appears twice"
        );
        assert!(
            names.insert(name.to_lowercase()),
            "glossary term `{name}` appears twice"
        );
    }
    for required in REQUIRED_TERMS {
        assert!(
            names.contains(&required.to_lowercase()),
            "glossary lacks `{required}`"
        );
    }
    // Terms in alphabetical order, so readers can scan them.
    let order: Vec<String> = terms
        .iter()
        .map(|t| str_field(t, "term", "glossary term").to_lowercase())
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(
        order, sorted,
        "glossary terms are not in alphabetical order"
    );
}

#[test]
fn timeline_is_in_date_order() {
    let events = timeline();
    assert!(events.len() >= 8, "only {} timeline events", events.len());
    let mut previous: Option<((u32, u32, u32), String)> = None;
    for event in &events {
        let title = str_field(event, "title", "timeline event");
        str_field(event, "summary", title);
        let date = str_field(event, "date", title);
        let parsed = parse_event_date(date)
            .unwrap_or_else(|| panic!("{title}: date `{date}` is not YYYY-MM-DD or YYYY-MM"));
        if let Some((before, before_title)) = &previous {
            assert!(
                *before <= parsed,
                "timeline out of order: `{before_title}` comes before `{title}` ({date})"
            );
        }
        previous = Some((parsed, title.to_string()));
    }
}

#[test]
fn timeline_events_have_a_title_in_every_language() {
    let config = load_toml("config.toml");
    let default = config
        .get("default_language")
        .and_then(toml::Value::as_str)
        .unwrap_or("en");
    let languages: BTreeSet<String> = translation_languages()
        .into_iter()
        .filter(|l| l != default)
        .collect();
    assert_eq!(languages.len(), 5, "{languages:?}");
    let in_script = |lang: &str, text: &str| -> bool {
        let has = |range: std::ops::RangeInclusive<char>| text.chars().any(|c| range.contains(&c));
        match lang {
            "ar" => has('\u{0600}'..='\u{06FF}'),
            "ru" => has('\u{0400}'..='\u{04FF}'),
            "zh" => has('\u{4E00}'..='\u{9FFF}'),
            _ => true,
        }
    };
    let mut problems = Vec::new();
    for event in timeline() {
        let title = str_field(&event, "title", "timeline event");
        let Some(titles) = event.get("titles").and_then(toml::Value::as_table) else {
            problems.push(format!("`{title}`: no [events.titles]"));
            continue;
        };
        for key in titles.keys() {
            if !languages.contains(key) {
                problems.push(format!(
                    "`{title}`: titles.{key} is not a language of the site"
                ));
            }
        }
        for lang in &languages {
            match titles.get(lang).and_then(toml::Value::as_str) {
                None => problems.push(format!("`{title}`: no {lang} title")),
                Some(t) if t.trim().is_empty() || t == title => {
                    problems.push(format!("`{title}`: the {lang} title is not translated"));
                }
                Some(t) if !in_script(lang, t) => {
                    problems.push(format!(
                        "`{title}`: the {lang} title `{t}` is not in its script"
                    ));
                }
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// Key figures: the fixture holds them, and the site states the same.
// ---------------------------------------------------------------------------

/// The figures the knowledge base takes from the address.
struct KeyFigures {
    meeting_date: String,
    place: String,
    experts: String,
    first_meeting: String,
    launch: String,
}

fn seed_figures() -> KeyFigures {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed/address-2008.txt");
    let seed = normalise(&read(&path));

    // The date line of the address gives the year that "last year" refers to.
    let meeting_date = "26 June 2008";
    assert!(
        seed.contains(meeting_date),
        "fixture lacks the date {meeting_date}"
    );
    let year: u32 = meeting_date
        .rsplit(' ')
        .next()
        .and_then(|y| y.parse().ok())
        .expect("year");
    let last_year = year - 1;

    assert!(
        seed.contains("Geneva, Switzerland"),
        "fixture lacks the place"
    );
    assert!(seed.contains("Third Meeting of the High-Level Experts Group"));
    assert!(
        seed.contains("comprises of 103 experts"),
        "fixture lacks the 103 experts"
    );
    assert!(
        seed.contains("for the first time in October last year"),
        "fixture lacks the first meeting in October of the year before"
    );
    assert!(
        seed.contains("was launched in May last year"),
        "fixture lacks the GCA launch in May of the year before"
    );
    assert!(
        seed.contains("on all five work areas"),
        "fixture lacks the five work areas"
    );
    for area in WORK_AREAS {
        assert!(
            seed.contains(&format!("• {area}")),
            "fixture does not list {area}"
        );
    }
    for name in [
        "Dr Hamadoun I. Touré",
        "IMPACT",
        "African Union",
        "President of Burkina Faso",
        "GCA Strategic Partnership Program",
        "ITU Council 2008",
        "Plenipotentiary conference in 2006",
        "WSIS Action Line C5",
    ] {
        assert!(seed.contains(name), "fixture lacks `{name}`");
    }
    KeyFigures {
        meeting_date: meeting_date.to_string(),
        place: "Geneva".to_string(),
        experts: "103 experts".to_string(),
        first_meeting: format!("October {last_year}"),
        launch: format!("May {last_year}"),
    }
}

#[test]
fn key_figures_match_the_seed() {
    let figures = seed_figures();
    assert_eq!(figures.first_meeting, "October 2007");
    assert_eq!(figures.launch, "May 2007");

    let docs = load_docs();
    let body_of = |rel: &str| {
        normalise(
            &docs
                .iter()
                .find(|d| d.rel == rel)
                .unwrap_or_else(|| panic!("missing {rel}"))
                .body,
        )
    };
    let mut expectations: Vec<(&str, Vec<&str>)> = vec![
        (
            "hleg/_index.md",
            vec![
                &figures.experts,
                &figures.meeting_date,
                &figures.place,
                &figures.first_meeting,
                "five work areas",
            ],
        ),
        (
            "hleg/third-meeting-2008.md",
            vec![
                &figures.meeting_date,
                &figures.place,
                &figures.experts,
                "five work areas",
            ],
        ),
        (
            "documents/address-2008.md",
            vec![
                &figures.experts,
                &figures.meeting_date,
                &figures.place,
                &figures.first_meeting,
                &figures.launch,
                "five work areas",
                "Dr Hamadoun I. Touré",
            ],
        ),
        ("_index.md", vec![&figures.launch, "five work areas"]),
    ];
    expectations.push((
        "hleg/meetings.md",
        vec![
            &figures.first_meeting,
            &figures.meeting_date,
            &figures.place,
        ],
    ));
    for (rel, phrases) in &expectations {
        let body = body_of(rel);
        for phrase in phrases {
            assert!(body.contains(phrase), "{rel} does not state `{phrase}`");
        }
    }
    for rel in [
        "hleg/_index.md",
        "documents/address-2008.md",
        "hleg/goals.md",
    ] {
        let body = body_of(rel);
        for area in WORK_AREAS {
            assert!(
                body.contains(area),
                "{rel} does not name the work area {area}"
            );
        }
    }

    // No page gives another number of experts or another launch or first
    // meeting date.
    for doc in &docs {
        let body = normalise(&doc.body);
        let words: Vec<&str> = body.split(' ').collect();
        for pair in words.windows(2) {
            if pair[1].trim_matches(|c: char| !c.is_alphanumeric()) == "experts"
                && pair[0].bytes().all(|b| b.is_ascii_digit())
            {
                assert_eq!(pair[0], "103", "{}: states {} experts", doc.rel, pair[0]);
            }
        }
        for wrong in [
            "launched in May 2008",
            "launched in 2008",
            "first met in October 2008",
            "first meeting in October 2008",
        ] {
            assert!(!body.contains(wrong), "{}: states `{wrong}`", doc.rel);
        }
    }

    // The address gives presenting the report and agreeing the
    // recommendations as the third meeting's objectives, not as done; and
    // its sentence on IMPACT's second offer breaks off unfinished.
    let mut texts: Vec<(String, String)> = docs
        .iter()
        .map(|d| (d.rel.clone(), normalise(&d.body)))
        .collect();
    for term in glossary() {
        let name = str_field(&term, "term", "glossary term").to_string();
        texts.push((
            format!("data/glossary.toml ({name})"),
            normalise(str_field(&term, "definition", &name)),
        ));
    }
    for (rel, text) in &texts {
        for overstatement in [
            "presented at its third meeting",
            "presented at the third meeting",
            "the report was presented",
            "produced two outputs",
            "offered to take on",
            "further role",
        ] {
            assert!(
                !text.contains(overstatement),
                "{rel}: says `{overstatement}`, which the address does not support"
            );
        }
    }

    // The timeline carries the same dates.
    let events = timeline();
    let dates: Vec<&str> = events
        .iter()
        .map(|e| str_field(e, "date", "timeline event"))
        .collect();
    for date in ["2007-05", "2007-10", "2008-06-26"] {
        assert!(
            dates.iter().any(|d| d.starts_with(date)),
            "timeline has no event dated {date}"
        );
    }
}

// ---------------------------------------------------------------------------
// Our own words: no long run of words copied from the address.
// ---------------------------------------------------------------------------

/// The longest run of consecutive words a file may share with the address.
/// Names are one word each, and the five work-area names never count.
const COPIED_RUN: usize = 12;

/// Proper names the site repeats from the address: each counts as one word.
/// Titles ("the ITU Secretary-General") are words like any others.
const PROPER_NAMES: [&str; 20] = [
    "Dr Hamadoun I. Touré",
    "Global Cybersecurity Agenda",
    "High-Level Experts Group",
    "High Level Experts Group",
    "Global Strategic Report",
    "WSIS Action Line C5",
    "ITU Plenipotentiary Conference",
    "ITU Council 2008",
    "ITU Constitution",
    "ITU Convention",
    "International Telecommunication Union",
    "International Multilateral Partnership Against Cyber Threats",
    "African Union",
    "President of Burkina Faso",
    "GCA Strategic Partnership Programme",
    "GCA Strategic Partnership Program",
    "Prime Minister of Malaysia",
    "Malaysian Prime Minister",
    "information and communication technologies",
    "Geneva, Switzerland",
];

/// The lowercase words of `text` with their byte offsets.
fn words_at(text: &str) -> Vec<(usize, String)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, text[s..i].to_lowercase()));
                start = None;
            }
            _ => {}
        }
    }
    words
}

/// The words of `text` for comparison with the address: each proper name
/// becomes one word and each work-area name a word of its own that matches
/// nothing (`side` tells the texts apart), so neither makes a run longer.
fn comparable_words(text: &str, side: &str) -> Vec<(usize, String)> {
    let split =
        |name: &str| -> Vec<String> { words_at(name).into_iter().map(|(_, w)| w).collect() };
    let mut names: Vec<(Vec<String>, String)> = WORK_AREAS
        .iter()
        .enumerate()
        .map(|(i, n)| (split(n), format!("#area{i}-{side}")))
        .chain(
            PROPER_NAMES
                .iter()
                .enumerate()
                .map(|(i, n)| (split(n), format!("#name{i}"))),
        )
        .collect();
    names.sort_by_key(|(words, _)| std::cmp::Reverse(words.len()));
    let words = words_at(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let found = names.iter().find(|(name, _)| {
            words.len() - i >= name.len()
                && words[i..i + name.len()].iter().map(|(_, w)| w).eq(name)
        });
        match found {
            Some((name, token)) => {
                out.push((words[i].0, token.clone()));
                i += name.len();
            }
            None => {
                out.push(words[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// Markdown as a reader sees it, for word runs: link destinations (`](…)`)
/// blanked out, keeping every byte offset and so every line.
fn without_link_targets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        out.push_str(&rest[..i + 1]);
        let after = &rest[i + 1..];
        let end = after.find(')').map_or(after.len(), |e| e + 1);
        out.extend(
            after[..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' }),
        );
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Every run of at least [`COPIED_RUN`] consecutive words that `text` shares
/// with `seed`: (line in `text`, the run).
fn copied_runs(seed: &str, text: &str) -> Vec<(usize, String)> {
    let seed_words: Vec<String> = comparable_words(seed, "seed")
        .into_iter()
        .map(|(_, w)| w)
        .collect();
    let grams: BTreeSet<&[String]> = seed_words.windows(COPIED_RUN).collect();
    let text = without_link_targets(text);
    let words = comparable_words(&text, "site");
    let plain: Vec<String> = words.iter().map(|(_, w)| w.clone()).collect();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (start, window) in plain.windows(COPIED_RUN).enumerate() {
        if !grams.contains(window) {
            continue;
        }
        match runs.last_mut() {
            Some((_, end)) if start <= *end => *end = start + COPIED_RUN,
            _ => runs.push((start, start + COPIED_RUN)),
        }
    }
    runs.into_iter()
        .map(|(start, end)| {
            let line = text[..words[start].0].matches('\n').count() + 1;
            let last = &words[end - 1];
            let to = last.0
                + text[last.0..]
                    .find(|c: char| !c.is_alphanumeric())
                    .unwrap_or(text.len() - last.0);
            (line, normalise(&text[words[start].0..to]))
        })
        .collect()
}

/// Every file of the knowledge base written in our words: content in every
/// language and the data files, relative to `site/`.
fn written_files() -> Vec<String> {
    let mut files = Vec::new();
    markdown_files(&site_dir(), &content_dir(), &mut files);
    let mut data: Vec<String> = fs::read_dir(site_dir().join("data"))
        .expect("site/data")
        .map(|e| {
            e.expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".toml"))
        .map(|name| format!("data/{name}"))
        .collect();
    data.sort();
    files.extend(data);
    files
}

#[test]
fn no_long_run_of_words_is_copied_from_the_address() {
    let seed =
        read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed/address-2008.txt"));
    let files = written_files();
    assert!(files.len() > 50, "only {} files", files.len());
    let mut problems = Vec::new();
    for rel in files {
        for (line, run) in copied_runs(&seed, &read(&site_dir().join(&rel))) {
            problems.push(format!(
                "site/{rel}:{line}: copied from the address, say it in our own words: \"{run}\""
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checks_catch_what_they_must() {
    // The helpers the checks rely on reject what they should.
    assert_eq!(parse_event_date("2008-06-26"), Some((2008, 6, 26)));
    assert_eq!(parse_event_date("2007-05"), Some((2007, 5, 0)));
    assert!(parse_event_date("2008-02-30").is_none());
    assert!(parse_event_date("2008-13").is_none());
    assert!(parse_event_date("26 June 2008").is_none());
    assert!(parse_event_date("2007-05").unwrap() < parse_event_date("2007-05-01").unwrap());

    assert_eq!(slugify("Why it matters"), "why-it-matters");
    assert_eq!(slugify("ITU's role: C5"), "itu-s-role-c5");
    let ids = heading_ids("# Top\n\n```\n## Not a heading\n```\n## Own id {#custom}\n#nope\n");
    assert_eq!(
        ids,
        BTreeSet::from(["top".to_string(), "custom".to_string()])
    );

    let links = internal_links(
        "[a](@/x/y.md#z) and [b](@/glossary/_index.md \"Title\") and `[c](@/code.md)`\n\
         ```\n[d](@/fenced.md)\n```\n[e]: @/ref.md\nplain @/prose.md",
    );
    assert_eq!(
        links,
        vec![
            ("x/y.md".to_string(), Some("z".to_string())),
            ("glossary/_index.md".to_string(), None),
            ("ref.md".to_string(), None),
        ]
    );
    assert_eq!(strip_code("a ``b ` c`` d `e` f\n"), "a  d  f\n");
    assert_eq!(normalise("103\n  experts"), "103 experts");

    // Copied runs: found across lines and links, with their line; names
    // count as one word and the work-area list not at all.
    let seed = "Intro.\nThe only way forward is for us to increase our level of \
                organization and work together today.\nAreas: Legal Measures; Technical \
                and Procedural Measures; Organizational Structures; Capacity Building; \
                International Cooperation.\nDr Hamadoun I. Touré, in person, spoke \
                to the High-Level Experts Group of the Global Cybersecurity Agenda at length.";
    let site = "Title.\n\nWe think the only way forward is for us to increase\nour level \
                of [organization](@/x.md#y) and work together.";
    assert_eq!(
        copied_runs(seed, site),
        [(
            3,
            "the only way forward is for us to increase our level of [organization] and work together"
                .to_string()
        )]
    );
    assert!(
        copied_runs(seed, "the only way forward is for us to increase our level").is_empty(),
        "11 words are allowed"
    );
    assert!(
        copied_runs(
            seed,
            "the areas: Legal Measures; Technical and Procedural Measures; \
             Organizational Structures; Capacity Building; International Cooperation."
        )
        .is_empty(),
        "the list of work areas is not a copy"
    );
    assert!(
        copied_runs(
            seed,
            "As Dr Hamadoun I. Touré, in person, spoke to the High-Level \
             Experts Group of the Global Cybersecurity Agenda."
        )
        .is_empty(),
        "names count as one word each"
    );
}
