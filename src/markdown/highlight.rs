//! Code highlighting with syntect, emitting CSS classes (never inline
//! styles, so pages work under a strict Content-Security-Policy), and the one
//! stylesheet those classes need, for light and dark colour schemes.

use std::collections::HashMap;
use std::fmt::{self, Write};
use std::sync::LazyLock;

use syntect::highlighting::{Color, Theme, ThemeSet};
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// Class prefix of every highlighting span.
const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Code blocks longer than this are not highlighted (shown as plain text):
/// syntect's regexes can be slow on pathological input.
const MAX_HIGHLIGHT_BYTES: usize = 256 * 1024;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);
static THEMES: LazyLock<ThemeSet> = LazyLock::new(ThemeSet::load_defaults);

/// True when syntect knows a theme of this name.
pub fn theme_exists(name: &str) -> bool {
    THEMES.themes.contains_key(name)
}

/// The names of the built-in themes.
pub fn theme_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = THEMES.themes.keys().map(String::as_str).collect();
    names.sort_unstable();
    names
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Highlights `code` written in `lang` into HTML spans. Unknown languages
/// and very long blocks come back escaped but not highlighted. Returns the
/// HTML and whether it was highlighted.
pub fn highlight(code: &str, lang: Option<&str>) -> (String, bool) {
    let syntax = lang
        .filter(|l| !l.is_empty() && code.len() <= MAX_HIGHLIGHT_BYTES)
        .and_then(|l| SYNTAXES.find_syntax_by_token(l));
    let Some(syntax) = syntax else {
        let mut out = String::with_capacity(code.len() + 16);
        escape_html(&mut out, code);
        return (out, false);
    };
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, &SYNTAXES, STYLE);
    for line in LinesWithEndings::from(code) {
        if generator
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            let mut out = String::with_capacity(code.len() + 16);
            escape_html(&mut out, code);
            return (out, false);
        }
    }
    (generator.finalize(), true)
}

/// The comrak plugin that writes highlighted fenced code blocks.
pub struct Highlighter {
    /// When false, code is escaped but not highlighted.
    pub enabled: bool,
}

impl comrak::adapters::SyntaxHighlighterAdapter for Highlighter {
    fn write_highlighted(
        &self,
        output: &mut dyn Write,
        lang: Option<&str>,
        code: &str,
    ) -> fmt::Result {
        if self.enabled {
            output.write_str(&highlight(code, lang).0)
        } else {
            let mut out = String::with_capacity(code.len());
            escape_html(&mut out, code);
            output.write_str(&out)
        }
    }

    fn write_pre_tag(
        &self,
        output: &mut dyn Write,
        mut attributes: HashMap<&'static str, std::borrow::Cow<'_, str>>,
    ) -> fmt::Result {
        // Code reads left to right, also on a right-to-left page: without
        // this, an Arabic page would set `--root .` as `. root--`.
        attributes.insert("dir", "ltr".into());
        write_tag(output, "pre", &attributes, Some("code-block"))
    }

    fn write_code_tag(
        &self,
        output: &mut dyn Write,
        attributes: HashMap<&'static str, std::borrow::Cow<'_, str>>,
    ) -> fmt::Result {
        write_tag(output, "code", &attributes, None)
    }
}

fn write_tag(
    output: &mut dyn Write,
    tag: &str,
    attributes: &HashMap<&'static str, std::borrow::Cow<'_, str>>,
    extra_class: Option<&str>,
) -> fmt::Result {
    // Attribute order must be stable: sort by name.
    let mut attrs: Vec<(&str, String)> = attributes
        .iter()
        .map(|(k, v)| (*k, v.to_string()))
        .collect();
    if let Some(extra) = extra_class {
        match attrs.iter_mut().find(|(k, _)| *k == "class") {
            Some((_, v)) => {
                v.push(' ');
                v.push_str(extra);
            }
            None => attrs.push(("class", extra.to_string())),
        }
    }
    attrs.sort();
    let mut s = format!("<{tag}");
    for (k, v) in attrs {
        s.push(' ');
        s.push_str(k);
        s.push_str("=\"");
        escape_html(&mut s, &v);
        s.push('"');
    }
    s.push('>');
    output.write_str(&s)
}

/// The stylesheet for highlighted code: the light theme by default, the
/// dark one under `prefers-color-scheme: dark` unless the reader chose light
/// (`<html data-theme="light">`), and under `data-theme="dark"` always.
pub fn stylesheet(light: &str, dark: &str) -> String {
    let css = |name: &str| {
        THEMES
            .themes
            .get(name)
            .map(readable)
            .and_then(|t| css_for_theme_with_class_style(&t, STYLE).ok())
            .unwrap_or_default()
    };
    let (light_css, dark_css) = (css(light), css(dark));
    let mut out = String::from("/* Code highlighting, generated by gca from syntect themes. */\n");
    out.push_str(&strip_comments(&light_css));
    out.push_str("@media (prefers-color-scheme: dark) {\n");
    out.push_str(&prefix_selectors(
        &dark_css,
        ":root:not([data-theme=\"light\"])",
    ));
    out.push_str("}\n");
    out.push_str(&prefix_selectors(&dark_css, ":root[data-theme=\"dark\"]"));
    out
}

/// Contrast that every text colour of a theme is given against its
/// background: WCAG 2.2 AA for normal text.
const MIN_CONTRAST: f64 = 4.5;

/// `theme` with every text colour that is too faint against its background
/// (many syntect themes have grey comments at 3:1) moved towards black on a
/// light background, or towards white on a dark one, just far enough to
/// reach [`MIN_CONTRAST`]. Hues are kept as far as possible.
fn readable(theme: &Theme) -> Theme {
    let mut theme = theme.clone();
    let background = theme.settings.background.unwrap_or(Color::WHITE);
    if let Some(fg) = &mut theme.settings.foreground {
        *fg = with_contrast(*fg, background);
    }
    for item in &mut theme.scopes {
        let behind = item.style.background.unwrap_or(background);
        if let Some(fg) = &mut item.style.foreground {
            *fg = with_contrast(*fg, behind);
        }
    }
    theme
}

/// Relative luminance (WCAG) of an opaque colour.
fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
}

/// Contrast ratio (WCAG) of two colours, from 1 to 21.
fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `fg`, mixed with black or white (whichever is further from `bg`) in the
/// smallest step of 1/64 that gives [`MIN_CONTRAST`] against `bg`.
fn with_contrast(fg: Color, bg: Color) -> Color {
    if contrast(fg, bg) >= MIN_CONTRAST {
        return fg;
    }
    let target = if luminance(bg) > 0.18 { 0u8 } else { 255u8 };
    let mix = |v: u8, t: f64| (f64::from(v) + (f64::from(target) - f64::from(v)) * t).round() as u8;
    for step in 1..=64 {
        let t = f64::from(step) / 64.0;
        let c = Color {
            r: mix(fg.r, t),
            g: mix(fg.g, t),
            b: mix(fg.b, t),
            a: fg.a,
        };
        if contrast(c, bg) >= MIN_CONTRAST {
            return c;
        }
    }
    Color {
        r: target,
        g: target,
        b: target,
        a: fg.a,
    }
}

fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        match rest[start..].find("*/") {
            Some(end) => rest = &rest[start + end + 2..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Prefixes every selector of every rule in `css` (flat rules only, as
/// syntect writes them) with `prefix`.
fn prefix_selectors(css: &str, prefix: &str) -> String {
    let css = strip_comments(css);
    let mut out = String::with_capacity(css.len() * 2);
    let mut rest = css.as_str();
    while let Some(open) = rest.find('{') {
        let selectors = &rest[..open];
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let body = &rest[open..open + close + 1];
        let prefixed: Vec<String> = selectors
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("{prefix} {s}"))
            .collect();
        out.push_str(&prefixed.join(", "));
        out.push(' ');
        out.push_str(body);
        out.push('\n');
        rest = &rest[open + close + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_theme_colour_is_readable_on_its_background() {
        for (name, theme) in &THEMES.themes {
            let before = theme.scopes.iter().filter(|i| {
                let bg = i
                    .style
                    .background
                    .or(theme.settings.background)
                    .unwrap_or(Color::WHITE);
                i.style
                    .foreground
                    .is_some_and(|fg| contrast(fg, bg) < MIN_CONTRAST)
            });
            let faint = before.count();
            let t = readable(theme);
            let bg = t.settings.background.unwrap_or(Color::WHITE);
            for item in &t.scopes {
                if let Some(fg) = item.style.foreground {
                    let behind = item.style.background.unwrap_or(bg);
                    assert!(
                        contrast(fg, behind) >= MIN_CONTRAST,
                        "{name}: {fg:?} on {behind:?}"
                    );
                }
            }
            if name == "InspiredGitHub" {
                assert!(faint > 0, "the test must see faint colours to fix");
            }
        }
        // Colours that were readable are left alone.
        let ok = Color {
            r: 0x18,
            g: 0x36,
            b: 0x91,
            a: 0xff,
        };
        assert_eq!(with_contrast(ok, Color::WHITE), ok);
        // A grey comment on white is darkened, on a dark background lightened.
        let grey = Color {
            r: 0x96,
            g: 0x98,
            b: 0x96,
            a: 0xff,
        };
        let dark = Color {
            r: 0x2b,
            g: 0x30,
            b: 0x3b,
            a: 0xff,
        };
        assert!(luminance(with_contrast(grey, Color::WHITE)) < luminance(grey));
        let comment = Color {
            r: 0x65,
            g: 0x73,
            b: 0x7e,
            a: 0xff,
        };
        assert!(luminance(with_contrast(comment, dark)) > luminance(comment));
    }

    #[test]
    fn highlights_known_languages_with_classes() {
        let (html, done) = highlight("fn main() {}\n", Some("rust"));
        assert!(done);
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(!html.contains("style="));
    }

    #[test]
    fn unknown_language_is_escaped_only() {
        let (html, done) = highlight("<script>x</script>\n", Some("no-such-lang"));
        assert!(!done);
        assert_eq!(html, "&lt;script&gt;x&lt;/script&gt;\n");
    }

    #[test]
    fn stylesheet_has_light_and_dark_rules() {
        let css = stylesheet("InspiredGitHub", "base16-ocean.dark");
        assert!(css.contains("prefers-color-scheme: dark"));
        assert!(css.contains(":root[data-theme=\"dark\"] .hl-"));
        assert!(!css.contains("/*\n"));
    }
}
