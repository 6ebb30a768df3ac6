//! Checks the translations of the core of the GCA knowledge base (the home
//! page, the page on the five work areas and the overview of each, the HLEG
//! page and the About page) in French, Spanish, Russian, Arabic and Chinese,
//! straight from the files in `site/content` (no build, no network):
//!
//! - every translation exists and its language is declared in `config.toml`;
//! - its front matter is the original's, apart from `title`, `description`
//!   and `updated` (same taxonomies, same sources, same schema);
//! - it carries the same figures and dates as the original, written the way
//!   the language writes dates, and no figure the original does not have;
//! - its internal links, heading anchors and callouts match the original's;
//! - it is written in its own script: Arabic paragraphs are in Arabic script
//!   (Latin only for acronyms and a few names), Chinese paragraphs in Han
//!   characters, Russian paragraphs in Cyrillic, and no English sentence of
//!   the original is left untranslated;
//! - no word-for-word rendering already corrected once comes back.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use gca::slug::slugify;

/// The translated languages, as `[languages.xx]` in `config.toml` names them.
const LANGUAGES: [&str; 5] = ["fr", "es", "ru", "ar", "zh"];

/// The name of each language in itself, and its direction.
const LANGUAGE_NAMES: [(&str, &str, &str); 5] = [
    ("fr", "Français", "ltr"),
    ("es", "Español", "ltr"),
    ("ru", "Русский", "ltr"),
    ("ar", "العربية", "rtl"),
    ("zh", "中文", "ltr"),
];

/// The core pages every language translates, as English files under
/// `content/`.
const CORE: [&str; 9] = [
    "_index.md",
    "work-areas/_index.md",
    "work-areas/legal-measures/_index.md",
    "work-areas/technical-and-procedural-measures/_index.md",
    "work-areas/organizational-structures/_index.md",
    "work-areas/capacity-building/_index.md",
    "work-areas/international-cooperation/_index.md",
    "hleg/_index.md",
    "about/_index.md",
];

/// The figures the issue names; each must appear in a translation wherever
/// the original has it (the general figure check below covers every number).
const KEY_FIGURES: [&str; 3] = ["103", "2008", "2007"];

/// Latin-script words allowed in Arabic text besides acronyms: the project's
/// name and the repository terms given in brackets after their translation.
const ARABIC_LATIN_ALLOWED: [&str; 6] = ["gca", "issue", "pull", "request", "front", "matter"];

/// English words that do not occur in the English proper names kept in the
/// French and Spanish texts; finding one means a sentence was left in English.
const ENGLISH_MARKERS: [&str; 8] = [
    "the", "which", "this", "that", "what", "with", "from", "these",
];

const ENGLISH_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const FRENCH_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

const SPANISH_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// Russian month names: the genitive used after a day number first, then
/// the other forms a month takes before a year ("в мае 2007 года",
/// "к июню 2008 года", "июнь 2008 года").
const RUSSIAN_MONTHS: [[&str; 4]; 12] = [
    ["января", "январе", "январю", "январь"],
    ["февраля", "феврале", "февралю", "февраль"],
    ["марта", "марте", "марту", "март"],
    ["апреля", "апреле", "апрелю", "апрель"],
    ["мая", "мае", "маю", "май"],
    ["июня", "июне", "июню", "июнь"],
    ["июля", "июле", "июлю", "июль"],
    ["августа", "августе", "августу", "август"],
    ["сентября", "сентябре", "сентябрю", "сентябрь"],
    ["октября", "октябре", "октябрю", "октябрь"],
    ["ноября", "ноябре", "ноябрю", "ноябрь"],
    ["декабря", "декабре", "декабрю", "декабрь"],
];

/// Arabic month names as ITU's Arabic texts write them.
const ARABIC_MONTHS: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
];

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

fn site_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("site")
}

fn content_dir() -> PathBuf {
    site_dir().join("content")
}

/// `work-areas/legal-measures/_index.md` in `fr` is
/// `work-areas/legal-measures/_index.fr.md`.
fn translation_of(rel: &str, lang: &str) -> String {
    let stem = rel.strip_suffix(".md").expect("a Markdown file");
    format!("{stem}.{lang}.md")
}

/// One content file: its front matter as a TOML table and its body.
struct Doc {
    rel: String,
    front: toml::Table,
    body: String,
}

impl Doc {
    fn load(rel: &str) -> Doc {
        let path = content_dir().join(rel);
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let rest = text
            .strip_prefix("+++\n")
            .unwrap_or_else(|| panic!("{rel}: no TOML front matter"));
        let (front, body) = rest
            .split_once("\n+++\n")
            .unwrap_or_else(|| panic!("{rel}: front matter is not closed"));
        let front: toml::Table =
            toml::from_str(front).unwrap_or_else(|e| panic!("{rel}: bad front matter: {e}"));
        Doc {
            rel: rel.to_string(),
            front,
            body: body.to_string(),
        }
    }

    fn text_field(&self, key: &str) -> String {
        self.front
            .get(key)
            .and_then(toml::Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    /// Title, description and body, as the reader sees them.
    fn all_text(&self) -> String {
        format!(
            "{}\n{}\n{}",
            self.text_field("title"),
            self.text_field("description"),
            self.body
        )
    }
}

/// Every (original, translation, language) triple of the core.
fn pairs() -> Vec<(Doc, Doc, &'static str)> {
    let mut out = Vec::new();
    for lang in LANGUAGES {
        for rel in CORE {
            out.push((Doc::load(rel), Doc::load(&translation_of(rel, lang)), lang));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------

/// Removes what readers do not read: link destinations (`](@/x.md#a)`
/// becomes `]`), heading ids (`{#id}`), code spans, the summary marker and
/// shortcode tags (a callout's `title` is kept as a line of its own).
fn readable(body: &str) -> String {
    let mut out = String::new();
    for line in body.lines() {
        let trimmed = line.trim();
        if trimmed == "<!-- more -->" || trimmed == "{% end %}" {
            out.push('\n');
            continue;
        }
        if trimmed.starts_with("{%") {
            if let Some(title) = shortcode_arg(trimmed, "title") {
                out.push_str(&title);
            }
            out.push('\n');
            continue;
        }
        out.push_str(&strip_inline(line));
        out.push('\n');
    }
    out
}

/// The value of `name="..."` in a shortcode tag.
fn shortcode_arg(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')?;
    Some(tag[start..start + end].to_string())
}

fn strip_inline(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("](") {
            out.push(']');
            rest = after.find(')').map_or("", |end| &after[end + 1..]);
        } else if let Some(after) = rest.strip_prefix("{#") {
            rest = after.find('}').map_or("", |end| &after[end + 1..]);
        } else if let Some(after) = rest.strip_prefix('`') {
            rest = after.find('`').map_or("", |end| &after[end + 1..]);
        } else {
            let c = rest.chars().next().expect("non-empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Collapses whitespace, no-break spaces included, to single spaces.
fn normalise(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every run of two or more ASCII digits: years, days, the 103 experts,
/// document numbers. A number followed by `月` is the month of a Chinese
/// date (`2001年11月23日`), which the date check covers, not a figure.
fn digit_runs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            if run.len() >= 2 && c != '月' {
                out.insert(run.clone());
            }
            run.clear();
        }
    }
    out
}

/// A date written in English as `26 June 2008` or `May 2007`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Date {
    day: Option<u32>,
    month: usize,
    year: u32,
}

/// The dates of an English text.
fn english_dates(text: &str) -> BTreeSet<Date> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = BTreeSet::new();
    for (i, word) in words.iter().enumerate() {
        let Some(month) = ENGLISH_MONTHS.iter().position(|m| m == word) else {
            continue;
        };
        let Some(year) = words
            .get(i + 1)
            .filter(|y| y.len() == 4)
            .and_then(|y| y.parse().ok())
        else {
            continue;
        };
        let day = i
            .checked_sub(1)
            .and_then(|j| words.get(j))
            .filter(|d| d.len() <= 2)
            .and_then(|d| d.parse().ok());
        out.insert(Date { day, month, year });
    }
    out
}

/// Whether `text` (normalised) writes `date` the way `lang` writes dates.
fn has_date(text: &str, lang: &str, date: &Date) -> bool {
    let Date { day, month, year } = date;
    let m = *month;
    match (lang, day) {
        ("fr", Some(d)) => text.contains(&format!("{d} {} {year}", FRENCH_MONTHS[m])),
        ("fr", None) => text.contains(&format!("{} {year}", FRENCH_MONTHS[m])),
        ("es", Some(d)) => text.contains(&format!("{d} de {} de {year}", SPANISH_MONTHS[m])),
        ("es", None) => text.contains(&format!("{} de {year}", SPANISH_MONTHS[m])),
        ("ru", Some(d)) => text.contains(&format!("{d} {} {year}", RUSSIAN_MONTHS[m][0])),
        ("ru", None) => RUSSIAN_MONTHS[m]
            .iter()
            .any(|form| text.contains(&format!("{form} {year}"))),
        ("ar", Some(d)) => text.contains(&format!("{d} {} {year}", ARABIC_MONTHS[m])),
        ("ar", None) => text.contains(&format!("{} {year}", ARABIC_MONTHS[m])),
        ("zh", Some(d)) => text.contains(&format!("{year}年{}月{d}日", m + 1)),
        ("zh", None) => text.contains(&format!("{year}年{}月", m + 1)),
        _ => panic!("no date format for `{lang}`"),
    }
}

/// The `@/` link targets of a body, with their anchors, in order.
fn internal_links(body: &str) -> Vec<String> {
    body.match_indices("](@/")
        .map(|(i, _)| {
            let start = i + 2;
            let end = body[start..].find(')').map_or(body.len(), |e| start + e);
            body[start..end].to_string()
        })
        .collect()
}

/// The ids of the headings of a body, in order: `{#id}` when given, else
/// the slug of the heading text, as the site makes them.
fn heading_ids(body: &str) -> Vec<String> {
    body.lines()
        .filter_map(|line| {
            let text = line.trim_start().strip_prefix('#')?;
            let text = text.trim_start_matches('#').strip_prefix(' ')?.trim();
            Some(match text.rfind("{#") {
                Some(start) if text.ends_with('}') => text[start + 2..text.len() - 1].to_string(),
                _ => slugify(text),
            })
        })
        .collect()
}

/// The `kind` of each callout of a body, in order.
fn callout_kinds(body: &str) -> Vec<String> {
    body.lines()
        .filter(|l| l.trim_start().starts_with("{% callout("))
        .map(|l| shortcode_arg(l, "kind").unwrap_or_default())
        .collect()
}

fn is_arabic(c: char) -> bool {
    matches!(c,
        '\u{0600}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{08A0}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}')
        && c.is_alphabetic()
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}')
}

/// The maximal runs of ASCII letters of a text.
fn latin_words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Why a line of Arabic text is not Arabic prose, if it is not: it has no
/// Arabic letter, or more than a fifth of its letters are Latin, or it has a
/// Latin word that is neither an acronym nor an allowed name.
fn arabic_line_problem(line: &str) -> Option<String> {
    let arabic = line.chars().filter(|c| is_arabic(*c)).count();
    let latin = line.chars().filter(char::is_ascii_alphabetic).count();
    if arabic + latin == 0 {
        return None;
    }
    if arabic == 0 {
        return Some("no Arabic letter".into());
    }
    if latin * 5 > arabic + latin {
        return Some(format!("{latin} of {} letters are Latin", arabic + latin));
    }
    let stray: Vec<&str> = latin_words(line)
        .into_iter()
        .filter(|w| {
            let acronym = w.chars().all(|c| c.is_ascii_uppercase());
            !acronym && !ARABIC_LATIN_ALLOWED.contains(&w.to_ascii_lowercase().as_str())
        })
        .collect();
    if stray.is_empty() {
        None
    } else {
        Some(format!(
            "Latin words that are not acronyms or names: {stray:?}"
        ))
    }
}

/// The lines of a translation that carry letters, for script checks: the
/// title, the description and each readable line of the body.
fn prose_lines(doc: &Doc) -> Vec<String> {
    let mut lines = vec![doc.text_field("title"), doc.text_field("description")];
    lines.extend(
        readable(&doc.body)
            .lines()
            .map(str::to_string)
            .filter(|l| l.chars().any(char::is_alphabetic)),
    );
    lines
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn every_core_page_is_translated_into_every_language() {
    let mut missing = Vec::new();
    let mut found = 0;
    for lang in LANGUAGES {
        for rel in CORE {
            let t = translation_of(rel, lang);
            if content_dir().join(&t).is_file() {
                found += 1;
            } else {
                missing.push(t);
            }
        }
    }
    assert!(missing.is_empty(), "missing translations: {missing:#?}");
    assert_eq!(found, CORE.len() * LANGUAGES.len());
}

#[test]
fn the_languages_are_declared_in_the_config() {
    let path = site_dir().join("config.toml");
    let config: toml::Table = toml::from_str(&fs::read_to_string(&path).expect("config.toml"))
        .expect("config.toml parses");
    let site_title = config["title"].as_str().expect("site title");
    let languages = config
        .get("languages")
        .and_then(toml::Value::as_table)
        .expect("[languages.xx] blocks");
    for (code, name, direction) in LANGUAGE_NAMES {
        let lang = languages
            .get(code)
            .and_then(toml::Value::as_table)
            .unwrap_or_else(|| panic!("no [languages.{code}]"));
        let field = |k: &str| {
            lang.get(k)
                .and_then(toml::Value::as_str)
                .unwrap_or_default()
        };
        assert_eq!(field("name"), name, "[languages.{code}] name");
        assert_eq!(
            field("direction"),
            direction,
            "[languages.{code}] direction"
        );
        assert!(
            !field("title").is_empty() && field("title") != site_title,
            "[languages.{code}] needs a translated title"
        );
        assert!(
            !field("description").is_empty(),
            "[languages.{code}] needs a translated description"
        );
    }
}

#[test]
fn front_matter_is_the_originals_with_a_translated_title_and_description() {
    let mut problems = Vec::new();
    for (en, tr, _) in pairs() {
        let taxonomies = |d: &Doc| d.front.get("taxonomies").cloned();
        if taxonomies(&en) != taxonomies(&tr) {
            problems.push(format!("{}: taxonomies differ from {}", tr.rel, en.rel));
        }
        let sources = |d: &Doc| {
            d.front
                .get("sources")
                .and_then(toml::Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (en_sources, tr_sources) = (sources(&en), sources(&tr));
        if en_sources.len() != tr_sources.len() {
            problems.push(format!(
                "{}: {} sources, the original has {}",
                tr.rel,
                tr_sources.len(),
                en_sources.len()
            ));
        } else if en_sources != tr_sources {
            problems.push(format!(
                "{}: sources differ from the original's (titles stay in their own language)",
                tr.rel
            ));
        }
        let rest = |d: &Doc| {
            let mut t = d.front.clone();
            for key in ["title", "description", "updated"] {
                t.remove(key);
            }
            t
        };
        if rest(&en) != rest(&tr) {
            problems.push(format!(
                "{}: front matter other than title, description and updated differs",
                tr.rel
            ));
        }
        for key in ["title", "description"] {
            let (e, t) = (en.text_field(key), tr.text_field(key));
            if t.trim().is_empty() || t == e {
                problems.push(format!("{}: `{key}` is not translated", tr.rel));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn figures_and_dates_are_the_originals() {
    let mut problems = Vec::new();
    for (en, tr, lang) in pairs() {
        let en_text = normalise(&readable(&en.all_text()));
        let tr_text = normalise(&readable(&tr.all_text()));
        for figure in KEY_FIGURES {
            if en_text.contains(figure) && !tr_text.contains(figure) {
                problems.push(format!("{}: lacks {figure}, which {} has", tr.rel, en.rel));
            }
        }
        let (en_figures, tr_figures) = (digit_runs(&en_text), digit_runs(&tr_text));
        for lost in en_figures.difference(&tr_figures) {
            problems.push(format!("{}: lacks the figure {lost}", tr.rel));
        }
        for added in tr_figures.difference(&en_figures) {
            problems.push(format!(
                "{}: has the figure {added}, which the original does not",
                tr.rel
            ));
        }
        for date in english_dates(&en_text) {
            if !has_date(&tr_text, lang, &date) {
                problems.push(format!("{}: lacks the date {date:?}", tr.rel));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn links_anchors_and_callouts_are_the_originals() {
    let mut problems = Vec::new();
    for (en, tr, _) in pairs() {
        let count = |body: &str| {
            internal_links(body)
                .into_iter()
                .fold(BTreeMap::<String, i64>::new(), |mut m, l| {
                    *m.entry(l).or_default() += 1;
                    m
                })
        };
        let mut balance = count(&en.body);
        for (link, n) in count(&tr.body) {
            *balance.entry(link).or_default() -= n;
        }
        let only_original: Vec<_> = balance.iter().filter(|(_, n)| **n > 0).collect();
        let only_translation: Vec<_> = balance.iter().filter(|(_, n)| **n < 0).collect();
        if !only_original.is_empty() || !only_translation.is_empty() {
            problems.push(format!(
                "{}: internal links differ (link, times): only in the original {only_original:?}; \
                 only in the translation {only_translation:?}",
                tr.rel
            ));
        }
        let (en_ids, tr_ids) = (heading_ids(&en.body), heading_ids(&tr.body));
        if en_ids != tr_ids {
            problems.push(format!(
                "{}: heading ids {tr_ids:?}, the original has {en_ids:?}",
                tr.rel
            ));
        }
        if callout_kinds(&en.body) != callout_kinds(&tr.body) {
            problems.push(format!("{}: callouts differ from the original's", tr.rel));
        }
        let more = |d: &Doc| d.body.lines().any(|l| l.trim() == "<!-- more -->");
        if more(&en) != more(&tr) {
            problems.push(format!("{}: the summary marker differs", tr.rel));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn arabic_pages_are_written_in_arabic_script() {
    let mut problems = Vec::new();
    for rel in CORE {
        let doc = Doc::load(&translation_of(rel, "ar"));
        for line in prose_lines(&doc) {
            if let Some(why) = arabic_line_problem(&line) {
                problems.push(format!("{}: {why}: {line}", doc.rel));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn chinese_pages_are_written_in_chinese_characters() {
    let mut problems = Vec::new();
    for rel in CORE {
        let doc = Doc::load(&translation_of(rel, "zh"));
        let (mut han, mut latin) = (0, 0);
        for line in prose_lines(&doc) {
            let h = line.chars().filter(|c| is_han(*c)).count();
            han += h;
            latin += line.chars().filter(char::is_ascii_alphabetic).count();
            if h == 0 {
                problems.push(format!("{}: no Chinese character: {line}", doc.rel));
            }
        }
        if han < latin * 3 {
            problems.push(format!(
                "{}: {han} Chinese characters for {latin} Latin letters",
                doc.rel
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn russian_pages_are_written_in_cyrillic() {
    let mut problems = Vec::new();
    for rel in CORE {
        let doc = Doc::load(&translation_of(rel, "ru"));
        for line in prose_lines(&doc) {
            if !line.chars().any(is_cyrillic) {
                problems.push(format!("{}: no Cyrillic letter: {line}", doc.rel));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn no_english_sentence_is_left_untranslated() {
    let mut problems = Vec::new();
    for (en, tr, lang) in pairs() {
        let en_lines: BTreeSet<String> = readable(&en.body).lines().map(normalise).collect();
        for line in readable(&tr.body).lines().map(normalise) {
            if line.split(' ').count() >= 5 && en_lines.contains(&line) {
                problems.push(format!("{}: left in English: {line}", tr.rel));
            }
        }
        if matches!(lang, "fr" | "es") {
            let words: BTreeMap<String, usize> = latin_words(&readable(&tr.all_text()))
                .into_iter()
                .filter(|w| ENGLISH_MARKERS.contains(w))
                .fold(BTreeMap::new(), |mut m, w| {
                    *m.entry(w.to_string()).or_default() += 1;
                    m
                });
            if !words.is_empty() {
                problems.push(format!("{}: English words {words:?}", tr.rel));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Word-for-word renderings found in earlier versions of the translations,
/// which a native reader would not write: (language, phrase, what to say).
const CALQUES: [(&str, &str, &str); 3] = [
    (
        "ru",
        "поверх границ",
        "«трансграничный», «разных стран» or «за рубежом»",
    ),
    ("ru", "в одном месте может быть", "«в одной стране»"),
    ("ru", "слабое место в одном", "«уязвимость в одной стране»"),
];

#[test]
fn no_known_calque_comes_back() {
    let mut problems = Vec::new();
    for (_, tr, lang) in pairs() {
        let text = normalise(&readable(&tr.all_text())).to_lowercase();
        for (calque_lang, phrase, instead) in CALQUES {
            if lang == calque_lang && text.contains(phrase) {
                problems.push(format!(
                    "{}: `{phrase}` is a calque; write {instead}",
                    tr.rel
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

// ---------------------------------------------------------------------------
// The checks themselves catch what they are meant to catch.
// ---------------------------------------------------------------------------

#[test]
fn the_arabic_check_rejects_latin_prose_and_accepts_acronyms() {
    assert!(arabic_line_problem("The group had 103 experts.").is_some());
    assert!(
        arabic_line_problem("كان الفريق يضم 103 خبراء، see the list of members here.").is_some()
    );
    assert!(arabic_line_problem("البرنامج العالمي للأمن السيبراني (GCA) و(HLEG)").is_none());
    assert!(
        arabic_line_problem(
            "افتح بلاغاً (issue) في المستودع الذي يضم الشيفرة المصدرية لمشروع gca، مع ذكر الصفحة"
        )
        .is_none()
    );
}

#[test]
fn the_date_and_figure_checks_follow_each_language() {
    let dates = english_dates("the third meeting on 26 June 2008, launched in May 2007");
    let expected = [
        Date {
            day: None,
            month: 4,
            year: 2007,
        },
        Date {
            day: Some(26),
            month: 5,
            year: 2008,
        },
    ];
    assert_eq!(dates.into_iter().collect::<Vec<_>>(), expected);
    let [may, june] = &expected;
    assert!(has_date("le 26 juin 2008", "fr", june));
    assert!(!has_date("le 26 mai 2008", "fr", june));
    assert!(has_date("el 26 de junio de 2008", "es", june));
    assert!(has_date("в мае 2007 года", "ru", may));
    assert!(!has_date("в июне 2007 года", "ru", may));
    assert!(has_date("في 26 يونيو 2008", "ar", june));
    assert!(has_date("于2007年5月发起", "zh", may));
    assert!(!has_date("于2007年6月发起", "zh", may));
    assert_eq!(
        digit_runs("103 experts, 57/239, C5, 4.0, 2001年11月23日"),
        ["103", "2001", "23", "239", "57"].map(String::from).into()
    );
}

#[test]
fn readable_text_drops_link_targets_ids_and_code() {
    let body = "## Titre {#why-it-matters}\n\n\
                Voir [le GCA](@/glossary/_index.md#gca) et `site/`.\n\
                {% callout(kind=\"info\", title=\"D'après les documents\") %}\n\
                {% end %}\n";
    let text = readable(body);
    assert!(!text.contains("glossary") && !text.contains("why-it") && !text.contains("site/"));
    assert!(text.contains("D'après les documents"));
    assert_eq!(internal_links(body), ["@/glossary/_index.md#gca"]);
    assert_eq!(heading_ids(body), ["why-it-matters"]);
    assert_eq!(heading_ids("## The group's pages\n"), ["the-groups-pages"]);
}
