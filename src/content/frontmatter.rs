//! Front matter: TOML between `+++` lines or YAML between `---` lines, at
//! the very start of a Markdown file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, line_col};

/// Which front matter syntax a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `+++` fences.
    Toml,
    /// `---` fences.
    Yaml,
    /// No front matter at all.
    None,
}

/// A Markdown file cut into its front matter and body.
#[derive(Debug, Clone, Copy)]
pub struct Split<'a> {
    /// Syntax of the front matter.
    pub format: Format,
    /// Front matter text (without the fences).
    pub front: &'a str,
    /// 1-based line of the first line of `front`.
    pub front_line: usize,
    /// Markdown body.
    pub body: &'a str,
    /// 1-based line of the first line of `body`.
    pub body_line: usize,
}

/// Cuts `text` (already normalised to `\n` line ends) into front matter and
/// body.
pub fn split<'a>(text: &'a str, file: &Path) -> Result<Split<'a>, Diagnostic> {
    let first_line_end = text.find('\n').unwrap_or(text.len());
    let first = text[..first_line_end].trim_end();
    let (format, fence) = match first {
        "+++" => (Format::Toml, "+++"),
        "---" => (Format::Yaml, "---"),
        _ => {
            return Ok(Split {
                format: Format::None,
                front: "",
                front_line: 1,
                body: text,
                body_line: 1,
            });
        }
    };
    let front_start = (first_line_end + 1).min(text.len());
    let mut pos = front_start;
    let mut line = 2;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        if text[pos..end].trim_end() == fence {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                format,
                front: &text[front_start..pos],
                front_line: 2,
                body: &text[body_start..],
                body_line: line + 1,
            });
        }
        pos = end + 1;
        line += 1;
    }
    Err(Diagnostic::error(format!(
        "the front matter opened with `{fence}` on line 1 is never closed"
    ))
    .in_file(file)
    .at_line(1)
    .help(format!(
        "add a line with only `{fence}` after the last front matter field"
    )))
}

/// Parses front matter text into `T`, with diagnostics pointing at the line
/// in the whole file.
pub fn parse<T: for<'de> Deserialize<'de>>(
    split: &Split<'_>,
    file: &Path,
) -> Result<T, Diagnostic> {
    let base = split.front_line - 1;
    match split.format {
        Format::Toml => toml::from_str(split.front).map_err(|e| {
            let mut d = Diagnostic::error(format!(
                "front matter: {}",
                crate::config::toml_message(&e)
            ))
            .in_file(file)
            .help("front matter between `+++` lines is TOML: `key = \"value\"`; see docs/content.md for the fields");
            if let Some(span) = e.span() {
                let (l, c) = line_col(split.front, span.start);
                d = d.at(base + l, c);
            } else {
                d = d.at_line(split.front_line);
            }
            d
        }),
        Format::Yaml => {
            let options = serde_saphyr::options! {
                budget: serde_saphyr::budget! {
                    max_events: 100_000,
                    max_aliases: 1_000,
                    max_anchors: 1_000,
                    max_depth: 64,
                },
            };
            serde_saphyr::from_str_with_options(split.front, options).map_err(|e| {
                let text = e.to_string();
                let first = text.lines().next().unwrap_or("invalid YAML");
                let first = first.strip_prefix("error: ").unwrap_or(first);
                // Drop saphyr's own "line X column Y: " (the location is ours).
                let message = match first.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
                    Some((_, m)) => m.to_string(),
                    None => first.to_string(),
                };
                let message = budget_message(&message).unwrap_or(message);
                let mut d = Diagnostic::error(format!("front matter: {message}"))
                    .in_file(file)
                    .help("front matter between `---` lines is YAML: `key: value`; see docs/content.md for the fields");
                match e.location() {
                    Some(loc) if loc.line() > 0 => {
                        d = d.at(base + loc.line() as usize, (loc.column() as usize).max(1));
                    }
                    _ => d = d.at_line(split.front_line),
                }
                d
            })
        }
        Format::None => toml::from_str("").map_err(|e| Diagnostic::error(e.to_string()).in_file(file)),
    }
}

/// Says in words which safety limit of the YAML reader a front matter hit
/// (saphyr reports them as `budget breached: Depth { depth: 65 }`).
fn budget_message(message: &str) -> Option<String> {
    let rest = message.strip_prefix("budget breached: ")?;
    let what = match rest.split([' ', '{']).next() {
        Some("Depth") => "it nests more than 64 levels deep",
        Some("Aliases" | "Anchors") => "it uses more than 1,000 anchors or aliases",
        Some("Events") => "it holds more than 100,000 values, counting those that aliases repeat",
        _ => "it is too large",
    };
    Some(format!("this YAML is refused: {what}"))
}

/// A date or date-time from front matter: a TOML date, or a string such as
/// `2008-06-26`, `2008-06-26T10:00:00` or `2008-06-26T10:00:00+02:00`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Seconds since 1970 (UTC), for sorting.
    pub timestamp: i64,
    /// The calendar date, `YYYY-MM-DD`.
    pub ymd: String,
    /// RFC 3339 date-time in UTC, for feeds and sitemaps.
    pub rfc3339: String,
}

impl Date {
    /// Parses the accepted spellings.
    pub fn parse(s: &str) -> Result<Date, String> {
        let s = s.trim();
        let utc = jiff::tz::TimeZone::UTC;
        let ts = if let Ok(ts) = s.parse::<jiff::Timestamp>() {
            Ok(ts)
        } else if s.len() == 10
            && let Ok(d) = s.parse::<jiff::civil::Date>()
        {
            utc.to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        } else if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
            utc.to_timestamp(dt)
        } else {
            return Err(format!(
                "`{s}` is not a date; write it as YYYY-MM-DD, e.g. 2008-06-26"
            ));
        };
        let ts = ts.map_err(|e| format!("`{s}` is out of range: {e}"))?;
        let dt = utc.to_datetime(ts);
        Ok(Date {
            timestamp: ts.as_second(),
            ymd: dt.date().to_string(),
            rfc3339: dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        })
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.ymd)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date such as 2008-06-26")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
                Date::parse(v).map_err(E::custom)
            }
            // toml hands its native dates over as a one-entry map.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
                let mut found = None;
                while let Some((_, v)) = map.next_entry::<String, String>()? {
                    found = Some(v);
                }
                let v = found.ok_or_else(|| de::Error::custom("expected a date"))?;
                Date::parse(&v).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Where a page's facts come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Title of the source document.
    pub title: String,
    /// Who published it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Where to read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            title: String,
            #[serde(default)]
            publisher: Option<String>,
            #[serde(default)]
            date: Option<LooseDate>,
            #[serde(default)]
            url: Option<WebAddress>,
        }
        /// Checked as it is read, so that an error points at the `url`
        /// line rather than at the start of the source.
        struct WebAddress(String);
        impl<'de> Deserialize<'de> for WebAddress {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let url = String::deserialize(d)?;
                if !is_web_address(&url) {
                    return Err(de::Error::custom(format!(
                        "source url {url:?} is not a web address; write it as https://..."
                    )));
                }
                Ok(WebAddress(url))
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Source;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a source: a title string, or a table with title, publisher, date, url")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Source, E> {
                Ok(Source {
                    title: v.to_string(),
                    publisher: None,
                    date: None,
                    url: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Source, A::Error> {
                let full = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Source {
                    title: full.title,
                    publisher: full.publisher,
                    date: full.date.map(|d| d.0),
                    url: full.url.map(|u| u.0),
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// True for an absolute `http://` or `https://` address with a host, the
/// only kind a source may link to (templates put it in `href`, where
/// `javascript:` would run).
pub fn is_web_address(url: &str) -> bool {
    let lower = url.trim_start().get(..8).unwrap_or("").to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url.trim_start()[8..]
    } else if lower.starts_with("http://") {
        &url.trim_start()[7..]
    } else {
        return false;
    };
    !rest.is_empty()
        && !rest.starts_with('/')
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// A date as precise as the source is: `2008`, `2008-06` or `2008-06-26`
/// (a string, or a TOML date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LooseDate(pub String);

impl<'de> Deserialize<'de> for LooseDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LooseDate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date such as 2008, 2008-06 or 2008-06-26")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LooseDate, E> {
                let ok = v.split('-').enumerate().all(|(i, part)| {
                    i < 3
                        && part.chars().all(|c| c.is_ascii_digit())
                        && part.len() == if i == 0 { 4 } else { 2 }
                });
                if ok {
                    Ok(LooseDate(v.to_string()))
                } else {
                    Err(E::custom(format!(
                        "`{v}` is not a date; write 2008, 2008-06 or 2008-06-26"
                    )))
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LooseDate, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LooseDate, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<LooseDate, A::Error> {
                let d = Date::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(LooseDate(d.ymd))
            }
        }
        d.deserialize_any(V)
    }
}

/// Free-form `extra` values. TOML dates become strings.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Extra(pub serde_json::Map<String, serde_json::Value>);

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        for v in map.values_mut() {
            fix_toml_dates(v);
        }
        Ok(Extra(map))
    }
}

/// Replaces toml's `{"$__toml_private_datetime": "..."}` maps by the string.
pub fn fix_toml_dates(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            if map.len() == 1
                && let Some(serde_json::Value::String(s)) = map.get("$__toml_private_datetime")
            {
                *v = serde_json::Value::String(s.clone());
                return;
            }
            for x in map.values_mut() {
                fix_toml_dates(x);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(fix_toml_dates),
        _ => {}
    }
}

/// The front matter of a page.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageFrontMatter {
    /// Title; when absent, the page's first `# heading`.
    pub title: Option<String>,
    /// Description for listings, search and `<meta>`.
    pub description: Option<String>,
    /// Publication date.
    pub date: Option<Date>,
    /// Last substantive update.
    pub updated: Option<Date>,
    /// Order in sections sorted by weight (lowest first).
    pub weight: Option<i64>,
    /// Drafts are built only with `--drafts`.
    #[serde(default)]
    pub draft: bool,
    /// Replaces the last part of the URL.
    pub slug: Option<String>,
    /// Replaces the whole URL path.
    pub path: Option<String>,
    /// Old URLs that redirect here.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Template instead of `page.html` (or the section's `page_template`).
    pub template: Option<String>,
    /// Set to false to leave the page out of search.
    pub in_search_index: Option<bool>,
    /// Terms per taxonomy.
    #[serde(default)]
    pub taxonomies: BTreeMap<String, Vec<String>>,
    /// Where the page's facts come from.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Free-form values for templates.
    #[serde(default)]
    pub extra: Extra,
}

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Newest first; undated pages last.
    Date,
    /// Alphabetical by title.
    Title,
    /// Lowest weight first; unweighted pages last.
    Weight,
    /// By file path.
    #[default]
    None,
}

/// Rules a section sets for its pages.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// Fields every page must set: `description`, `date`, `sources`,
    /// `taxonomies.<name>`, `extra.<key>`...
    #[serde(default)]
    pub required: Vec<String>,
    /// Allowed values per taxonomy.
    #[serde(default)]
    pub taxonomies: BTreeMap<String, Vec<String>>,
}

/// The front matter of a section (`_index.md`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionFrontMatter {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Order of the section's pages.
    #[serde(default)]
    pub sort_by: SortBy,
    /// Order among sibling sections.
    pub weight: Option<i64>,
    /// Paginate the page list by this many.
    pub paginate_by: Option<usize>,
    /// Template for this section instead of `section.html`.
    pub template: Option<String>,
    /// Default template for the section's pages.
    pub page_template: Option<String>,
    /// When true, the pages also count as the parent section's.
    #[serde(default)]
    pub transparent: bool,
    /// Whether the section page itself appears in search.
    pub in_search_index: Option<bool>,
    /// Whether to write an Atom feed of the section's pages.
    #[serde(default)]
    pub feed: bool,
    /// Old URLs that redirect here.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Terms per taxonomy, for the section page itself.
    #[serde(default)]
    pub taxonomies: BTreeMap<String, Vec<String>>,
    /// Sources of the section's own text.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Rules for the section's pages.
    pub schema: Option<Schema>,
    /// Last update of the section's own text.
    pub updated: Option<Date>,
    /// Free-form values for templates.
    #[serde(default)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("a.md")
    }

    #[test]
    fn splits_toml_and_yaml() {
        let s = split("+++\ntitle = \"A\"\n+++\nbody\n", p()).unwrap();
        assert_eq!(s.format, Format::Toml);
        assert_eq!(s.front, "title = \"A\"\n");
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
        let s = split("---\ntitle: A\n---\n", p()).unwrap();
        assert_eq!(s.format, Format::Yaml);
        assert_eq!(s.body, "");
        let s = split("# Just markdown\n", p()).unwrap();
        assert_eq!(s.format, Format::None);
    }

    #[test]
    fn unterminated_front_matter_is_an_error() {
        let e = split("+++\ntitle = \"A\"\nbody\n", p()).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("never closed"));
    }

    #[test]
    fn toml_errors_point_at_the_file_line() {
        let s = split("+++\ntitle = \"A\"\ntitel = \"B\"\n+++\n", p()).unwrap();
        let e = parse::<PageFrontMatter>(&s, p()).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("titel"));
    }

    #[test]
    fn yaml_errors_point_at_the_file_line() {
        let s = split("---\ntitle: A\nweight: heavy\n---\n", p()).unwrap();
        let e = parse::<PageFrontMatter>(&s, p()).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn yaml_duplicate_keys_are_errors() {
        let s = split("---\ntitle: A\ntitle: B\n---\n", p()).unwrap();
        assert!(parse::<PageFrontMatter>(&s, p()).is_err());
    }

    #[test]
    fn yaml_alias_bomb_is_refused() {
        let mut y = String::from(
            "---\nextra:\n  a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n",
        );
        let mut prev = 'a';
        for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] {
            y.push_str(&format!(
                "  {name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
            prev = name;
        }
        y.push_str("title: boom\n---\n");
        let s = split(&y, p()).unwrap();
        let e = parse::<PageFrontMatter>(&s, p()).unwrap_err();
        assert!(e.message.contains("more than 100,000 values"), "{e}");
        let mut deep = String::from("---\ntitle: A\nextra:\n");
        for i in 0..100 {
            deep.push_str(&format!("{}k{i}:\n", "  ".repeat(i + 1)));
        }
        deep.push_str("---\n");
        let s = split(&deep, p()).unwrap();
        let e = parse::<PageFrontMatter>(&s, p()).unwrap_err();
        assert!(e.message.contains("more than 64 levels deep"), "{e}");
    }

    #[test]
    fn dates_in_all_spellings() {
        let s = split(
            "+++\ntitle = \"A\"\ndate = 2008-06-26\nupdated = \"2008-07-01T10:00:00+02:00\"\n+++\n",
            p(),
        )
        .unwrap();
        let fm: PageFrontMatter = parse(&s, p()).unwrap();
        assert_eq!(fm.date.unwrap().ymd, "2008-06-26");
        assert_eq!(fm.updated.unwrap().rfc3339, "2008-07-01T08:00:00Z");
        let s = split("---\ntitle: A\ndate: 2008-06-26\n---\n", p()).unwrap();
        let fm: PageFrontMatter = parse(&s, p()).unwrap();
        assert_eq!(fm.date.unwrap().rfc3339, "2008-06-26T00:00:00Z");
        assert!(Date::parse("26 June 2008").is_err());
    }

    #[test]
    fn sources_as_strings_or_tables() {
        let s = split(
            "+++\ntitle = \"A\"\nsources = [\"Plain\", { title = \"Full\", date = 2008-06-26, url = \"https://x\" }, { title = \"Y\", date = \"2006\" }]\n+++\n",
            p(),
        )
        .unwrap();
        let fm: PageFrontMatter = parse(&s, p()).unwrap();
        assert_eq!(fm.sources[0].title, "Plain");
        assert_eq!(fm.sources[1].date.as_deref(), Some("2008-06-26"));
        assert_eq!(fm.sources[2].date.as_deref(), Some("2006"));
        let s = split(
            "+++\ntitle = \"A\"\nsources = [{ title = \"Y\", date = \"June 2006\" }]\n+++\n",
            p(),
        )
        .unwrap();
        assert!(parse::<PageFrontMatter>(&s, p()).is_err());
    }

    #[test]
    fn source_urls_are_web_addresses() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "//evil.example/x",
            "https://",
            "https:///x",
            "https://a b",
            "https://a\\u0000b",
        ] {
            // `bad` is written as a TOML string: `\u0000` is a NUL.
            let text =
                format!("+++\ntitle = \"A\"\n[[sources]]\ntitle = \"S\"\nurl = \"{bad}\"\n+++\n");
            let s = split(&text, p()).unwrap();
            let e = parse::<PageFrontMatter>(&s, p()).unwrap_err();
            assert!(e.message.contains("not a web address"), "{bad}: {e}");
            // The `url` line, not the `[[sources]]` one.
            assert_eq!(e.line, Some(5), "{bad}: {e}");
        }
        for good in ["https://www.itu.int/gca", "HTTP://example.org/a?b=c#d"] {
            assert!(is_web_address(good), "{good}");
        }
    }

    #[test]
    fn extra_keeps_dates_as_strings() {
        let s = split("+++\ntitle = \"A\"\n[extra]\nwhen = 2008-06-26\n+++\n", p()).unwrap();
        let fm: PageFrontMatter = parse(&s, p()).unwrap();
        assert_eq!(fm.extra.0["when"], serde_json::json!("2008-06-26"));
    }
}
