//! UI strings of the theme, one TOML file per language
//! (`themes/<name>/i18n/en.toml`, `i18n/fr.toml`...), read by templates
//! with `trans(key="skip_link")`.
//!
//! A site may add or replace strings with its own `i18n/<lang>.toml`. A key
//! missing in a language falls back to the default language; a key missing
//! there too is an error, so a typo in a template cannot ship silently.

use std::collections::BTreeMap;
use std::path::Path;

use tera::{Kwargs, State, TeraResult, Value};

use crate::error::{Diagnostic, Diagnostics};

/// UI strings by language code, then key.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Strings {
    /// Language code to key to text.
    pub by_lang: BTreeMap<String, BTreeMap<String, String>>,
}

impl Strings {
    /// The text of `key` in `lang`, else in `default_lang`.
    pub fn get(&self, key: &str, lang: &str, default_lang: &str) -> Option<&str> {
        self.by_lang
            .get(lang)
            .and_then(|m| m.get(key))
            .or_else(|| self.by_lang.get(default_lang).and_then(|m| m.get(key)))
            .map(String::as_str)
    }

    /// Reads the `.toml` files of each folder in turn (the theme's `i18n/`,
    /// then the site's), later files replacing earlier keys.
    pub fn read(dirs: &[&Path], diags: &mut Diagnostics) -> Strings {
        let mut out = Strings::default();
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut files: Vec<_> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
                .collect();
            files.sort();
            for path in files {
                let Some(lang) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                    continue;
                };
                if crate::content::is_ignored_name(&lang) {
                    continue;
                }
                let text = match std::fs::read(&path) {
                    Ok(b) => match crate::content::decode_text(&b, &path) {
                        Ok(t) => t,
                        Err(d) => {
                            diags.push(d);
                            continue;
                        }
                    },
                    Err(e) => {
                        diags.push(
                            Diagnostic::error(format!("cannot read UI strings: {e}"))
                                .in_file(&path),
                        );
                        continue;
                    }
                };
                match parse(&text) {
                    Ok(map) => out.by_lang.entry(lang).or_default().extend(map),
                    Err((line, msg)) => diags.push(
                        Diagnostic::error(format!("UI strings: {msg}"))
                            .in_file(&path)
                            .at_line(line)
                            .help("write one `key = \"text\"` line per string"),
                    ),
                }
            }
        }
        out
    }
}

/// Parses one language file: a flat table of strings.
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, (usize, String)> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| crate::error::line_col(text, s.start).0)
            .unwrap_or(1);
        (line, crate::config::toml_message(&e))
    })?;
    let mut out = BTreeMap::new();
    for (k, v) in table {
        match v {
            toml::Value::String(s) => {
                out.insert(k, s);
            }
            _ => {
                let line = text
                    .lines()
                    .position(|l| l.trim_start().starts_with(k.as_str()))
                    .map_or(1, |i| i + 1);
                return Err((line, format!("`{k}` must be a string")));
            }
        }
    }
    Ok(out)
}

/// The CLDR plural category of the whole number `n` in `lang`, for the six
/// UN languages (others follow English).
pub fn plural_category(lang: &str, n: u64) -> &'static str {
    let base = lang.split(['-', '_']).next().unwrap_or(lang);
    let (n10, n100) = (n % 10, n % 100);
    match base {
        "zh" | "ja" | "ko" => "other",
        "fr" => {
            if n <= 1 {
                "one"
            } else {
                "other"
            }
        }
        "ru" => {
            if n10 == 1 && n100 != 11 {
                "one"
            } else if (2..=4).contains(&n10) && !(12..=14).contains(&n100) {
                "few"
            } else {
                "many"
            }
        }
        "ar" => match n {
            0 => "zero",
            1 => "one",
            2 => "two",
            _ if (3..=10).contains(&n100) => "few",
            _ if (11..=99).contains(&n100) => "many",
            _ => "other",
        },
        _ => {
            if n == 1 {
                "one"
            } else {
                "other"
            }
        }
    }
}

/// `trans(key="...", lang=...)`: the UI string `key` in `lang` (by default
/// the template's `lang`). Other arguments fill `{name}` placeholders:
/// `trans(key="page_of", current=2, total=5)`. With a whole-number `count`,
/// the plural form `key_<category>` (`pages_one`, `pages_other`; CLDR
/// categories) is preferred to `key`.
pub fn trans(
    strings: &Strings,
    default_lang: &str,
    kw: &Kwargs,
    state: &State,
) -> TeraResult<String> {
    let key = kw.must_get::<&str>("key")?;
    let from_context: Option<String> = state.get::<String>("lang").ok().flatten();
    let lang = match kw.get::<&str>("lang")? {
        Some(l) => l.to_string(),
        None => from_context.unwrap_or_else(|| default_lang.to_string()),
    };
    let count = kw.get::<u64>("count").ok().flatten();
    let plural = count.and_then(|n| {
        let in_lang = |k: &str| strings.by_lang.get(&lang).and_then(|m| m.get(k));
        let in_default = |k: &str| strings.by_lang.get(default_lang).and_then(|m| m.get(k));
        let own = format!("{key}_{}", plural_category(&lang, n));
        let other = format!("{key}_other");
        in_lang(&own)
            .or_else(|| in_lang(&other))
            .or_else(|| in_lang(key))
            .or_else(|| in_default(&format!("{key}_{}", plural_category(default_lang, n))))
            .or_else(|| in_default(&other))
            .map(String::as_str)
    });
    let text = plural
        .or_else(|| strings.get(key, &lang, default_lang))
        .ok_or_else(|| {
            tera::Error::message(format!(
                "trans: no UI string `{key}` in i18n/{lang}.toml or i18n/{default_lang}.toml"
            ))
        })?;
    let mut out = text.to_string();
    for (name, value) in kw.iter() {
        let name = name.to_string();
        if name == "key" || name == "lang" {
            continue;
        }
        let value = match value.as_str() {
            Some(s) => s.to_string(),
            None => value.to_string(),
        };
        out = out.replace(&format!("{{{name}}}"), &value);
    }
    Ok(out)
}

/// Registers `trans` over `strings`.
pub fn register(tera: &mut tera::Tera, strings: std::sync::Arc<Strings>, default_lang: String) {
    tera.register_function("trans", move |kw: Kwargs, state: &State| {
        trans(&strings, &default_lang, &kw, state).map(Value::from)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn strings() -> Strings {
        let mut s = Strings::default();
        s.by_lang.insert(
            "en".into(),
            parse("skip = \"Skip to main content\"\npage_of = \"Page {current} of {total}\"\nonly_en = \"English\"\n")
                .unwrap(),
        );
        s.by_lang
            .insert("fr".into(), parse("skip = \"Aller au contenu\"\n").unwrap());
        s
    }

    fn render(tpl: &str, lang: Option<&str>) -> Result<String, String> {
        let mut t = tera::Tera::new();
        register(&mut t, Arc::new(strings()), "en".into());
        t.add_raw_template("t.html", tpl).unwrap();
        let mut ctx = tera::Context::new();
        if let Some(l) = lang {
            ctx.insert("lang", l);
        }
        t.render("t.html", &ctx).map_err(|e| {
            let mut m = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                m.push_str(&format!(": {s}"));
                src = s.source();
            }
            m
        })
    }

    #[test]
    fn picks_the_language_of_the_template() {
        assert_eq!(
            render("{{ trans(key='skip') }}", Some("fr")).unwrap(),
            "Aller au contenu"
        );
        assert_eq!(
            render("{{ trans(key='skip') }}", Some("en")).unwrap(),
            "Skip to main content"
        );
        assert_eq!(
            render("{{ trans(key='skip', lang='fr') }}", Some("en")).unwrap(),
            "Aller au contenu"
        );
        // No `lang` in the context (a shortcode): the default language.
        assert_eq!(
            render("{{ trans(key='skip') }}", None).unwrap(),
            "Skip to main content"
        );
    }

    #[test]
    fn falls_back_to_the_default_language() {
        assert_eq!(
            render("{{ trans(key='only_en') }}", Some("fr")).unwrap(),
            "English"
        );
        assert_eq!(
            render("{{ trans(key='only_en') }}", Some("ar")).unwrap(),
            "English"
        );
    }

    #[test]
    fn fills_placeholders() {
        assert_eq!(
            render("{{ trans(key='page_of', current=2, total='5') }}", None).unwrap(),
            "Page 2 of 5"
        );
    }

    #[test]
    fn chooses_plural_forms_by_count() {
        let mut s = strings();
        s.by_lang.get_mut("en").unwrap().extend(
            parse("pages_one = \"{count} page\"\npages_other = \"{count} pages\"\n").unwrap(),
        );
        s.by_lang.insert(
            "ru".into(),
            parse("pages_one = \"{count} страница\"\npages_few = \"{count} страницы\"\npages_many = \"{count} страниц\"\n").unwrap(),
        );
        let mut t = tera::Tera::new();
        register(&mut t, Arc::new(s), "en".into());
        t.add_raw_template("t.html", "{{ trans(key='pages', count=n) }}")
            .unwrap();
        let r = |lang: &str, n: u64| {
            let mut ctx = tera::Context::new();
            ctx.insert("lang", lang);
            ctx.insert("n", &n);
            t.render("t.html", &ctx).unwrap()
        };
        assert_eq!(r("en", 1), "1 page");
        assert_eq!(r("en", 0), "0 pages");
        assert_eq!(r("en", 12), "12 pages");
        assert_eq!(r("ru", 21), "21 страница");
        assert_eq!(r("ru", 3), "3 страницы");
        assert_eq!(r("ru", 11), "11 страниц");
        // No Arabic strings: the English forms.
        assert_eq!(r("ar", 1), "1 page");
        assert_eq!(r("ar", 5), "5 pages");
    }

    #[test]
    fn plural_categories_of_the_un_languages() {
        assert_eq!(plural_category("en", 1), "one");
        assert_eq!(plural_category("en", 2), "other");
        assert_eq!(plural_category("fr", 0), "one");
        assert_eq!(plural_category("ru", 22), "few");
        assert_eq!(plural_category("ru", 112), "many");
        assert_eq!(plural_category("ar", 2), "two");
        assert_eq!(plural_category("ar", 103), "few");
        assert_eq!(plural_category("ar", 111), "many");
        assert_eq!(plural_category("ar", 100), "other");
        assert_eq!(plural_category("zh-Hans", 1), "other");
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        let e = render("{{ trans(key='nope') }}", Some("fr")).unwrap_err();
        assert!(e.contains("`nope`") && e.contains("i18n/fr.toml"), "{e}");
    }

    #[test]
    fn rejects_non_strings_with_their_line() {
        let e = parse("a = \"x\"\nb = 3\n").unwrap_err();
        assert_eq!(e.0, 2);
        assert!(e.1.contains("`b`"));
        assert!(parse("a = ").is_err());
    }

    #[test]
    fn reads_theme_then_site_files() {
        let dir = tempfile::tempdir().unwrap();
        let theme = dir.path().join("theme");
        let site = dir.path().join("site");
        std::fs::create_dir_all(&theme).unwrap();
        std::fs::create_dir_all(&site).unwrap();
        std::fs::write(theme.join("en.toml"), "a = \"theme a\"\nb = \"theme b\"\n").unwrap();
        std::fs::write(site.join("en.toml"), "b = \"site b\"\n").unwrap();
        std::fs::write(site.join("ar.toml"), "a = \"ع\"\n").unwrap();
        std::fs::write(site.join("bad.toml"), "a = [1]\n").unwrap();
        let mut diags = Diagnostics::new();
        let s = Strings::read(&[&theme, &site], &mut diags);
        assert_eq!(s.get("a", "en", "en"), Some("theme a"));
        assert_eq!(s.get("b", "en", "en"), Some("site b"));
        assert_eq!(s.get("a", "ar", "en"), Some("ع"));
        assert_eq!(s.get("b", "ar", "en"), Some("site b"));
        let all = diags.into_vec();
        assert_eq!(all.len(), 1, "{all:?}");
        assert!(all[0].file.as_ref().unwrap().ends_with("bad.toml"));
    }
}
