//! `site/config.toml`: the site's configuration. Unknown keys are errors.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, line_col};
use crate::slug::slugify;

/// The whole configuration of a site.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Site title, shown in the header and in `<title>`.
    pub title: String,
    /// One-sentence description, for the home page and feeds.
    #[serde(default)]
    pub description: String,
    /// Absolute URL the site is published at, e.g. `https://example.org/gca/`.
    pub base_url: String,
    /// Language of content files without a language suffix.
    #[serde(default = "default_language")]
    pub default_language: String,
    /// Theme folder name under `themes/`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Whether to write the site-wide Atom feed (`atom.xml`).
    #[serde(default = "yes")]
    pub feed: bool,
    /// How many entries feeds hold (newest first).
    #[serde(default = "default_feed_limit")]
    pub feed_limit: usize,
    /// Taxonomies pages can be classified by.
    #[serde(default)]
    pub taxonomies: Vec<TaxonomyConfig>,
    /// Markdown rendering options.
    #[serde(default)]
    pub markdown: MarkdownConfig,
    /// Search options (see the `search-index` crate).
    #[serde(default)]
    pub search: search_index::SearchConfig,
    /// Languages besides the default one, by code (`fr`, `ar`, ...). The
    /// default language may be listed too, to give its name and direction.
    #[serde(default)]
    pub languages: BTreeMap<String, LanguageConfig>,
    /// What is written for the host the site is published on.
    #[serde(default)]
    pub output: OutputConfig,
    /// Free-form values for templates (`config.extra`).
    #[serde(default)]
    pub extra: toml::Table,
}

fn default_language() -> String {
    "en".into()
}
fn default_theme() -> String {
    "gca".into()
}
fn default_feed_limit() -> usize {
    20
}
fn yes() -> bool {
    true
}

/// One taxonomy (`[[taxonomies]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    /// Name used in front matter, e.g. `work_areas`.
    pub name: String,
    /// Display name; defaults to the name with `_` as spaces, capitalised.
    #[serde(default)]
    pub title: Option<String>,
    /// URL path of the taxonomy's pages; defaults to the slug of the name.
    #[serde(default)]
    pub path: Option<String>,
    /// Whether each term gets an Atom feed.
    #[serde(default)]
    pub feed: bool,
    /// Paginate term pages by this many pages.
    #[serde(default)]
    pub paginate_by: Option<usize>,
    /// When set, the only values pages may use.
    #[serde(default)]
    pub values: Option<Vec<String>>,
}

impl TaxonomyConfig {
    /// Display title.
    pub fn display_title(&self) -> String {
        match &self.title {
            Some(t) => t.clone(),
            None => {
                let spaced = self.name.replace('_', " ");
                let mut c = spaced.chars();
                match c.next() {
                    Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                    None => String::new(),
                }
            }
        }
    }

    /// URL path (no slashes around it).
    pub fn url_path(&self) -> String {
        match &self.path {
            Some(p) => p.trim_matches('/').to_string(),
            None => slugify(&self.name),
        }
    }
}

/// `[markdown]` options.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarkdownConfig {
    /// Highlight fenced code blocks with syntect (CSS classes).
    pub highlight_code: bool,
    /// Syntect theme for the light colour scheme.
    pub highlight_theme: String,
    /// Syntect theme for the dark colour scheme.
    pub highlight_theme_dark: String,
    /// Curly quotes, en and em dashes, ellipses.
    pub smart_punctuation: bool,
    /// Allow raw HTML in Markdown (sanitised to a safe allow-list). When
    /// false, raw HTML is shown as text.
    pub allow_raw_html: bool,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        Self {
            highlight_code: true,
            highlight_theme: "InspiredGitHub".into(),
            highlight_theme_dark: "base16-ocean.dark".into(),
            smart_punctuation: true,
            allow_raw_html: false,
        }
    }
}

/// `[output]`: extra files for the host the site is published on. Every
/// switch is off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Write `.gz` and `.br` siblings of text files, for hosts that serve
    /// precompressed files (nginx `gzip_static`, S3 with metadata).
    pub compress: bool,
    /// Write a `_headers` file (Netlify, Cloudflare Pages): long-lived
    /// caching for content-hashed files, short for the rest.
    pub headers_file: bool,
    /// Write a `_redirects` file (Netlify, Cloudflare Pages): a 301 for
    /// each alias, beside the HTML redirect pages.
    pub redirects_file: bool,
}

/// Text direction of a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Left to right.
    #[default]
    Ltr,
    /// Right to left (Arabic).
    Rtl,
}

/// `[languages.xx]`.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LanguageConfig {
    /// The language's name in itself (`Français`).
    pub name: String,
    /// Text direction.
    pub direction: Direction,
    /// Site title in this language (defaults to the main title).
    pub title: Option<String>,
    /// Site description in this language.
    pub description: Option<String>,
    /// Whether this language gets its own site feed.
    pub feed: Option<bool>,
    /// Whether this language gets its own search index.
    pub search: Option<bool>,
    /// How the `date` filter writes dates in this language (strftime, e.g.
    /// `%-d %B %Y`); the language's usual long form when unset.
    pub date_format: Option<String>,
    /// Taxonomy titles in this language, by taxonomy name
    /// (`[languages.fr.taxonomies]`, `work_areas = "Domaines d'action"`).
    pub taxonomies: BTreeMap<String, String>,
    /// Term names in this language: for each taxonomy, the term as the
    /// content writes it to its name here (`[languages.fr.terms.regions]`,
    /// `Africa = "Afrique"`). Term URLs stay the same in every language.
    pub terms: BTreeMap<String, BTreeMap<String, String>>,
}

impl Config {
    /// Parses `config.toml` text. `file` is only used in diagnostics.
    pub fn parse(text: &str, file: &Path) -> Result<Config, Vec<Diagnostic>> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let mut d = Diagnostic::error(toml_message(&e))
                .in_file(file)
                .help("see the configuration reference in docs/configuration.md");
            if let Some(span) = e.span() {
                let (line, col) = line_col(text, span.start);
                d = d.at(line, col);
            }
            vec![d]
        })?;
        let problems = config.validate(file, text);
        if problems.iter().any(Diagnostic::is_error) {
            return Err(problems);
        }
        Ok(config)
    }

    fn validate(&self, file: &Path, text: &str) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let line_of = |key: &str| {
            text.lines()
                .position(|l| l.trim_start().starts_with(key))
                .map(|i| i + 1)
                .unwrap_or(1)
        };
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            out.push(
                Diagnostic::error(format!(
                    "`base_url` must be an absolute http(s) URL, not `{}`",
                    self.base_url
                ))
                .in_file(file)
                .at_line(line_of("base_url"))
                .help("for example `base_url = \"https://example.org/gca/\"`"),
            );
        }
        if !valid_language_code(&self.default_language) {
            out.push(
                Diagnostic::error(format!(
                    "`default_language` `{}` is not a language code",
                    self.default_language
                ))
                .in_file(file)
                .at_line(line_of("default_language"))
                .help("use a code such as `en`, `fr` or `zh`"),
            );
        }
        for code in self.languages.keys() {
            if !valid_language_code(code) {
                out.push(
                    Diagnostic::error(format!(
                        "`[languages.{code}]`: `{code}` is not a language code"
                    ))
                    .in_file(file)
                    .at_line(line_of(&format!("[languages.{code}")))
                    .help("use a code such as `fr`, `ar` or `zh-hans`"),
                );
            }
        }
        for (code, lc) in &self.languages {
            for name in lc.taxonomies.keys().chain(lc.terms.keys()) {
                if self.taxonomy(name).is_none() {
                    out.push(
                        Diagnostic::error(format!(
                            "`[languages.{code}]` names the taxonomy `{name}`, which is not in `[[taxonomies]]`"
                        ))
                        .in_file(file)
                        .at_line(line_of(&format!("[languages.{code}.t")))
                        .help("use the `name` of one of the `[[taxonomies]]`, or remove the entry"),
                    );
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in &self.taxonomies {
            let line = line_of(&format!("name = \"{}\"", t.name));
            if t.name.is_empty()
                || !t
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                out.push(
                    Diagnostic::error(format!("taxonomy name `{}` is not valid", t.name))
                        .in_file(file)
                        .at_line(line)
                        .help("use lowercase letters, digits and `_`, e.g. `work_areas`"),
                );
            }
            if !seen.insert(t.name.clone()) {
                out.push(
                    Diagnostic::error(format!("taxonomy `{}` is declared twice", t.name))
                        .in_file(file)
                        .at_line(line)
                        .help("remove one of the `[[taxonomies]]` blocks"),
                );
            }
            if let Some(p) = &t.path
                && let Err(reason) = crate::slug::normalise_user_path(p)
            {
                out.push(
                    Diagnostic::error(format!(
                        "taxonomy `{}`: `path` is refused: {reason}",
                        t.name
                    ))
                    .in_file(file)
                    .at_line(line_of("path"))
                    .help("give a path such as `topics/work-areas`"),
                );
            }
            if t.paginate_by == Some(0) {
                out.push(
                    Diagnostic::error(format!(
                        "taxonomy `{}`: `paginate_by` must be at least 1",
                        t.name
                    ))
                    .in_file(file)
                    .at_line(line)
                    .help("remove `paginate_by` to list every page on one page"),
                );
            }
        }
        for theme in [
            &self.markdown.highlight_theme,
            &self.markdown.highlight_theme_dark,
        ] {
            if !crate::markdown::highlight::theme_exists(theme) {
                out.push(
                    Diagnostic::error(format!("unknown highlighting theme `{theme}`"))
                        .in_file(file)
                        .at_line(line_of("highlight_theme"))
                        .help(format!(
                            "choose one of: {}",
                            crate::markdown::highlight::theme_names().join(", ")
                        )),
                );
            }
        }
        out
    }

    /// The base URL, ending with exactly one `/`.
    pub fn base_url(&self) -> String {
        format!("{}/", self.base_url.trim_end_matches('/'))
    }

    /// The path part of the base URL, starting and ending with `/`: `/gca/`.
    pub fn base_path(&self) -> String {
        let url = self.base_url();
        let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        match after_scheme.find('/') {
            Some(i) => after_scheme[i..].to_string(),
            None => "/".into(),
        }
    }

    /// Every language of the site, the default one first.
    pub fn language_codes(&self) -> Vec<String> {
        let mut out = vec![self.default_language.clone()];
        out.extend(
            self.languages
                .keys()
                .filter(|k| **k != self.default_language)
                .cloned(),
        );
        out
    }

    /// True when `code` is one of the site's languages.
    pub fn has_language(&self, code: &str) -> bool {
        code == self.default_language || self.languages.contains_key(code)
    }

    /// The configuration of a language (defaults when not listed).
    pub fn language(&self, code: &str) -> LanguageConfig {
        self.languages.get(code).cloned().unwrap_or_default()
    }

    /// The site's title in language `lang`.
    pub fn title_in(&self, lang: &str) -> &str {
        self.languages
            .get(lang)
            .and_then(|l| l.title.as_deref())
            .unwrap_or(&self.title)
    }

    /// The site's description in language `lang`.
    pub fn description_in(&self, lang: &str) -> &str {
        self.languages
            .get(lang)
            .and_then(|l| l.description.as_deref())
            .unwrap_or(&self.description)
    }

    /// The title of taxonomy `tc` in language `lang`.
    pub fn taxonomy_title(&self, tc: &TaxonomyConfig, lang: &str) -> String {
        self.languages
            .get(lang)
            .and_then(|l| l.taxonomies.get(&tc.name))
            .cloned()
            .unwrap_or_else(|| tc.display_title())
    }

    /// The name of `term` (as the content writes it) of taxonomy `taxonomy`
    /// in language `lang`.
    pub fn term_label<'a>(&'a self, taxonomy: &str, term: &'a str, lang: &str) -> &'a str {
        self.languages
            .get(lang)
            .and_then(|l| l.terms.get(taxonomy))
            .and_then(|t| t.get(term))
            .map_or(term, String::as_str)
    }

    /// Looks up a taxonomy by name.
    pub fn taxonomy(&self, name: &str) -> Option<&TaxonomyConfig> {
        self.taxonomies.iter().find(|t| t.name == name)
    }
}

fn valid_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The first line of a TOML error message, without toml's own source snippet.
pub(crate) fn toml_message(e: &toml::de::Error) -> String {
    let msg = e.message().trim();
    let msg = msg.lines().next().unwrap_or(msg);
    msg.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        Config::parse(text, Path::new("config.toml"))
    }

    #[test]
    fn minimal_config_has_defaults() {
        let c = parse("title = \"T\"\nbase_url = \"https://example.org/gca\"\n").unwrap();
        assert_eq!(c.base_url(), "https://example.org/gca/");
        assert_eq!(c.base_path(), "/gca/");
        assert_eq!(c.default_language, "en");
        assert_eq!(c.theme, "gca");
        assert!(c.markdown.highlight_code);
        assert!(!c.markdown.allow_raw_html);
    }

    #[test]
    fn unknown_key_is_an_error_with_its_line() {
        let err =
            parse("title = \"T\"\nbase_url = \"https://e.org/\"\ntitel = \"x\"\n").unwrap_err();
        assert_eq!(err[0].line, Some(3), "{err:?}");
        assert!(err[0].message.contains("titel"), "{}", err[0].message);
    }

    #[test]
    fn unknown_nested_key_is_an_error() {
        let err =
            parse("title = \"T\"\nbase_url = \"https://e.org/\"\n[markdown]\nhighlight = true\n")
                .unwrap_err();
        assert_eq!(err[0].line, Some(4));
    }

    #[test]
    fn relative_base_url_is_refused() {
        let err = parse("title = \"T\"\nbase_url = \"example.org\"\n").unwrap_err();
        assert!(err[0].message.contains("base_url"));
        assert_eq!(err[0].line, Some(2));
    }

    #[test]
    fn output_switches_default_off_and_unknown_keys_fail() {
        let c = parse("title = \"T\"\nbase_url = \"https://e.org/\"\n").unwrap();
        assert_eq!(c.output, OutputConfig::default());
        assert!(!c.output.compress && !c.output.headers_file && !c.output.redirects_file);
        let c = parse(
            "title = \"T\"\nbase_url = \"https://e.org/\"\n[output]\ncompress = true\nheaders_file = true\nredirects_file = true\n",
        )
        .unwrap();
        assert!(c.output.compress && c.output.headers_file && c.output.redirects_file);
        let err = parse("title = \"T\"\nbase_url = \"https://e.org/\"\n[output]\ncompres = true\n")
            .unwrap_err();
        assert_eq!(err[0].line, Some(4), "{err:?}");
        assert!(err[0].message.contains("compres"), "{}", err[0].message);
    }

    #[test]
    fn taxonomy_names_are_checked() {
        let err = parse(
            "title = \"T\"\nbase_url = \"https://e.org/\"\n[[taxonomies]]\nname = \"Work Areas\"\n",
        )
        .unwrap_err();
        assert!(err[0].message.contains("Work Areas"));
        let c = parse(
            "title = \"T\"\nbase_url = \"https://e.org/\"\n[[taxonomies]]\nname = \"work_areas\"\n",
        )
        .unwrap();
        assert_eq!(c.taxonomies[0].display_title(), "Work areas");
        assert_eq!(c.taxonomies[0].url_path(), "work-areas");
    }
}
