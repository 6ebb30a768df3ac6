//! The default theme (`themes/gca`), rendered: what each template shows,
//! that nothing inline would break under `Content-Security-Policy:
//! default-src 'self'`, that the stylesheets use logical properties only,
//! and that every UI string a template asks for exists. The browser tests
//! (`tests/browser.rs`) check the same pages in chromium.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;

/// The GCA site, built once for all tests of this file.
fn gca() -> &'static Path {
    static OUT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, out) = OUT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let o = build(&repo().join("site"), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (dir, out)
    });
    out
}

/// The theme's fixture site beside a copy of the theme; `extra` files are
/// added to the theme copy first.
fn fixture(extra: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &repo().join("tests/fixtures/theme-site"),
        &dir.path().join("site"),
    );
    let theme = dir.path().join("themes/gca");
    copy_dir(&repo().join("themes/gca"), &theme);
    for (path, text) in extra {
        let p = theme.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = dir.path().join("public");
    let o = build(&dir.path().join("site"), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (dir, out)
}

fn html_files(out: &Path) -> Vec<(String, String)> {
    tree(out)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p, String::from_utf8(b).unwrap()))
        .collect()
}

/// True for pages rendered from templates (not gca's alias redirects).
fn is_template_page(html: &str) -> bool {
    html.contains("<html lang=")
}

/// The theme's UI strings in `lang`.
fn ui_strings(lang: &str) -> toml::Table {
    let path = repo().join(format!("themes/gca/i18n/{lang}.toml"));
    toml::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The six languages of the GCA site.
const LANGS: [&str; 6] = ["en", "fr", "es", "ru", "ar", "zh"];

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The text between `start` and the next `end` after it.
fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let i = s
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` not found"));
    let rest = &s[i + start.len()..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// Every value of attribute `attr` in `html`.
fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let pat = format!(" {attr}=\"");
    html.split(&pat)
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

#[test]
fn nothing_inline_and_nothing_from_elsewhere() {
    for (path, html) in html_files(gca()) {
        assert!(!html.contains(" style=\""), "{path}: style attribute");
        assert!(!html.contains("<style"), "{path}: style element");
        for script in html.split("<script").skip(1) {
            let tag = &script[..script.find('>').unwrap()];
            if tag.contains("type=\"application/json\"") {
                // A data block (the search UI's strings): not run, but it
                // must be JSON.
                let body =
                    &script[script.find('>').unwrap() + 1..script.find("</script>").unwrap()];
                serde_json::from_str::<serde_json::Value>(body)
                    .unwrap_or_else(|e| panic!("{path}: JSON data does not parse: {e}\n{body}"));
            } else if tag.contains("type=\"application/ld+json\"") {
                let body =
                    &script[script.find('>').unwrap() + 1..script.find("</script>").unwrap()];
                serde_json::from_str::<serde_json::Value>(body)
                    .unwrap_or_else(|e| panic!("{path}: JSON-LD does not parse: {e}\n{body}"));
            } else {
                assert!(
                    tag.contains(" src=\"/"),
                    "{path}: inline script `<script{tag}>`"
                );
            }
        }
        for src in attr_values(&html, "src") {
            assert!(src.starts_with('/'), "{path}: src from elsewhere: {src}");
        }
        for link in html.split("<link ").skip(1) {
            let tag = &link[..link.find('>').unwrap()];
            if tag.contains("rel=\"stylesheet\"") || tag.contains("rel=\"icon\"") {
                assert!(tag.contains("href=\"/"), "{path}: {tag}");
            }
        }
        for tag in html.split('<').skip(1) {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            assert!(
                !tag.split_whitespace()
                    .any(|w| w.starts_with("on") && w.contains('=')),
                "{path}: inline event handler in <{tag}>"
            );
        }
    }
}

#[test]
fn every_template_page_has_the_frame() {
    let pages: Vec<(String, String)> = html_files(gca())
        .into_iter()
        .filter(|(_, h)| is_template_page(h))
        .collect();
    assert!(pages.len() > 60, "{} pages", pages.len());
    for (path, html) in &pages {
        let lang = ["fr", "es", "ru", "ar", "zh"]
            .into_iter()
            .find(|l| path.starts_with(&format!("{l}/")))
            .unwrap_or("en");
        let dir = if lang == "ar" { "rtl" } else { "ltr" };
        assert!(
            html.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\">")),
            "{path}"
        );
        let body = between(html, "<body>", "</body>");
        let skip = ui_strings(lang)["skip_link"].as_str().unwrap().to_string();
        assert!(
            body.trim_start()
                .starts_with(&format!("<a class=\"skip-link\" href=\"#main\">{skip}</a>")),
            "{path}: the skip link comes first, in the page's language"
        );
        assert_eq!(count(html, "<main id=\"main\""), 1, "{path}: one main");
        assert_eq!(count(html, "<h1"), 1, "{path}: one h1");
        assert_eq!(
            count(html, "id=\"site-search\""),
            1,
            "{path}: one search form"
        );
        assert_eq!(count(html, "id=\"site-search-input\""), 1, "{path}");
        assert!(html.contains("<title>"), "{path}");
        assert!(
            html.contains("<meta name=\"description\" content=\""),
            "{path}"
        );
        assert!(html.contains("<meta property=\"og:title\""), "{path}");
        assert!(
            html.contains("rel=\"stylesheet\" href=\"/css/site."),
            "{path}: the stylesheet is content-hashed"
        );
        assert!(html.contains("<script defer src=\"/js/site."), "{path}");
        assert!(html.contains("<nav id=\"site-nav\""), "{path}");
        assert!(html.contains("class=\"site-footer\""), "{path}");
        let mut ids = attr_values(html, "id");
        let all = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all, "{path}: every id is unique");
        if path != "404.html" {
            assert!(
                html.contains("<link rel=\"canonical\" href=\"https://gca.example.org/"),
                "{path}"
            );
        }
    }
    let home = read(gca(), "index.html");
    // The highlighting stylesheet only where there is code.
    assert!(!home.contains("/css/syntax."));
    let guide = read(gca(), "about/maintainer-guide/index.html");
    assert!(guide.contains("<pre class=\"code-block\" dir=\"ltr\">"));
    assert!(guide.contains("<link rel=\"stylesheet\" href=\"/css/syntax."));
    for wa in [
        "Legal Measures",
        "Technical and Procedural Measures",
        "Organizational Structures",
        "Capacity Building",
        "International Cooperation",
    ] {
        let nav = between(&home, "<nav id=\"site-nav\"", "</nav>");
        assert!(nav.contains(&format!(">{wa}</a>")), "header lists {wa}");
    }
}

#[test]
fn translated_pages_link_the_translated_work_areas() {
    let ar = read(gca(), "ar/index.html");
    let nav = between(&ar, "<nav id=\"site-nav\"", "</nav>");
    assert!(
        nav.contains("href=\"/ar/work-areas/legal-measures/\""),
        "{nav}"
    );
    let cards = between(&ar, "<ul class=\"cards cards--areas\">", "</ul>");
    assert!(cards.contains("href=\"/ar/work-areas/legal-measures/\""));
    let wa = read(gca(), "ar/work-areas/legal-measures/index.html");
    assert!(
        wa.contains("<section class=\"browse\""),
        "an Arabic work area lists its pages"
    );
    // Items in another language than the page say so, for screen readers
    // and for the direction of their text.
    let fr = read(gca(), "fr/index.html");
    let latest = between(&fr, "id=\"home-latest\"", "</section>");
    assert!(latest.contains("lang=\"en\" dir=\"auto\""), "{latest}");
}

#[test]
fn the_home_page_leads_with_the_work_areas() {
    let home = read(gca(), "index.html");
    let cards = between(&home, "<ul class=\"cards cards--areas\">", "</ul>");
    assert_eq!(count(cards, "<li class=\"card\">"), 5);
    assert!(cards.find("Legal Measures") < cards.find("International Cooperation"));
    assert!(home.contains("id=\"home-latest\""), "latest documents");
    assert!(
        home.contains("href=\"/documents/address-2008/\""),
        "the latest document is listed"
    );
    let timeline = between(&home, "id=\"home-timeline\"", "</section>");
    assert_eq!(count(timeline, "class=\"timeline__event\""), 4);
    assert!(home.contains("\"@type\":\"WebSite\""));
    assert!(home.contains("\"@type\":\"SearchAction\""));
}

#[test]
fn the_home_page_shows_its_sources_in_every_language() {
    for lang in LANGS {
        let file = if lang == "en" {
            "index.html".to_string()
        } else {
            format!("{lang}/index.html")
        };
        let home = read(gca(), &file);
        assert!(
            home.contains("id=\"page-sources\""),
            "{file}: no sources block"
        );
        let sources = between(&home, "id=\"page-sources\"", "</section>");
        let heading = ui_strings(lang)["sources"].as_str().unwrap().to_string();
        assert!(
            sources.starts_with(&format!(">{heading}</h2>")),
            "{file}: sources heading is not `{heading}`: {sources}"
        );
        assert!(
            sources.contains("<cite>Address by Dr Hamadoun I. Touré, ITU Secretary-General"),
            "{file}: {sources}"
        );
        assert!(
            sources.contains(
                "International Telecommunication Union (ITU), <time datetime=\"2008-06-26\">"
            ),
            "{file}: {sources}"
        );
    }
}

#[test]
fn a_page_shows_its_sources_dates_terms_related_pages_and_neighbours() {
    let html = read(gca(), "documents/address-2008/index.html");
    assert!(html.contains("Published <time datetime=\"2008-06-26\">26 June 2008</time>"));
    assert!(html.contains("<dt>Speaker</dt><dd>Dr Hamadoun I. Touré, ITU Secretary-General</dd>"));
    let sources = between(&html, "id=\"page-sources\"", "</section>");
    assert!(sources.contains("International Telecommunication Union (ITU)"));

    let html = read(
        gca(),
        "work-areas/legal-measures/cybercrime-legislation/index.html",
    );
    let tags = between(&html, "id=\"page-tags\"", "</section>");
    assert!(tags.contains("<a href=\"/browse/work-areas/legal-measures/\">Legal Measures</a>"));
    assert!(tags.contains("<a href=\"/browse/types/guide/\">Guide</a>"));
    let related = between(&html, "id=\"page-related\"", "</section>");
    let links = attr_values(related, "href");
    assert!(!links.is_empty() && links.len() <= 5, "{links:?}");
    assert!(
        !links.contains(&"/work-areas/legal-measures/cybercrime-legislation/".to_string()),
        "a page is not related to itself"
    );
    assert!(
        links[0].starts_with("/work-areas/legal-measures/"),
        "pages of the same section come first: {links:?}"
    );
    assert!(html.contains(
        "rel=\"next\" href=\"/work-areas/legal-measures/investigation-powers-and-safeguards/\""
    ));
    let toc = between(&html, "<nav class=\"toc\"", "</nav>");
    assert!(toc.contains("href=\"#why-a-specific-law-is-needed\""));
    assert!(html.contains("id=\"why-a-specific-law-is-needed\""));
    let sidebar = between(&html, "<nav class=\"sidebar\"", "</nav>");
    assert!(sidebar.contains(
        "href=\"/work-areas/legal-measures/cybercrime-legislation/\" aria-current=\"page\""
    ));
    let crumbs = between(&html, "<nav class=\"breadcrumbs\"", "</nav>");
    assert_eq!(
        attr_values(crumbs, "href"),
        ["/", "/work-areas/", "/work-areas/legal-measures/"]
    );
}

#[test]
fn work_area_and_term_lists_can_be_narrowed() {
    let html = read(gca(), "work-areas/legal-measures/index.html");
    assert!(html.contains("<p class=\"caption\">Work area</p>"));
    let browse = between(&html, "<section class=\"browse\"", "</section>");
    let items = attr_values(browse, "data-terms");
    assert!(items.len() > 5);
    for t in &items {
        assert!(t.contains("work_areas:legal-measures"), "{t}");
    }
    // The section's own guides are listed above, not again.
    assert!(!browse.contains("/work-areas/legal-measures/cybercrime-legislation/"));
    let facets = attr_values(browse, "data-term");
    assert!(facets.iter().any(|f| f.starts_with("stakeholders:")));
    assert!(facets.iter().any(|f| f.starts_with("types:")));
    assert!(!facets.iter().any(|f| f.starts_with("work_areas:")));
    for href in attr_values(
        between(browse, "class=\"filters\"", "class=\"browse__status\""),
        "href",
    ) {
        assert!(
            gca()
                .join(href.trim_start_matches('/'))
                .join("index.html")
                .is_file(),
            "facet link {href} leads to a term page"
        );
    }

    let term = read(gca(), "browse/stakeholders/governments/index.html");
    let browse = between(&term, "<section class=\"browse\"", "</section>");
    let facets = attr_values(browse, "data-term");
    assert!(facets.iter().any(|f| f.starts_with("work_areas:")));
    assert!(!facets.iter().any(|f| f.starts_with("stakeholders:")));
    let list = read(gca(), "browse/work-areas/index.html");
    assert!(list.contains(">Legal Measures</a>\n<span class=\"count\">"));
}

#[test]
fn glossary_terms_keep_their_ids_and_timeline_events_link_to_pages() {
    let data: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("site/data/glossary.toml")).unwrap())
            .unwrap();
    let html = read(gca(), "glossary/index.html");
    let terms = data["terms"].as_array().unwrap();
    assert!(terms.len() > 10);
    for t in terms {
        let id = t["id"].as_str().unwrap();
        assert!(
            html.contains(&format!("<dt id=\"{id}\">")),
            "glossary id {id}"
        );
    }
    for href in attr_values(between(&html, "<nav class=\"az\"", "</nav>"), "href") {
        assert!(html.contains(&format!("id=\"{}\"", &href[1..])), "{href}");
    }

    let data: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("site/data/timeline.toml")).unwrap())
            .unwrap();
    let html = read(gca(), "timeline/index.html");
    let events = data["events"].as_array().unwrap();
    let list = between(&html, "<ol class=\"timeline\">", "</ol>");
    assert_eq!(count(list, "class=\"timeline__event\""), events.len());
    assert!(list.contains("<time datetime=\"2007-05\">May 2007</time>"));
    for href in attr_values(list, "href") {
        assert!(
            gca()
                .join(href.trim_start_matches('/'))
                .join("index.html")
                .is_file(),
            "event link {href}"
        );
    }
}

/// Text as the templates escape it in HTML.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn timeline_titles_are_shown_in_the_readers_language() {
    let data: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("site/data/timeline.toml")).unwrap())
            .unwrap();
    let events = data["events"].as_array().unwrap();
    let recent = &events[events.len() - 4..];
    for lang in LANGS {
        let file = if lang == "en" {
            "index.html".to_string()
        } else {
            format!("{lang}/index.html")
        };
        let home = read(gca(), &file);
        let excerpt = between(&home, "id=\"home-timeline\"", "</section>");
        for e in recent {
            let english = e["title"].as_str().unwrap();
            let title = if lang == "en" {
                english
            } else {
                e["titles"][lang]
                    .as_str()
                    .unwrap_or_else(|| panic!("no {lang} title for `{english}`"))
            };
            assert!(
                excerpt.contains(&format!(">{}</a>", escaped(title))),
                "{file}: timeline excerpt lacks `{title}`:\n{excerpt}"
            );
            if lang != "en" {
                assert!(
                    !excerpt.contains(&escaped(english)),
                    "{file}: English title `{english}` shown"
                );
            }
        }
        assert!(
            !excerpt.contains(" lang=\"en\""),
            "{file}: titles in the page's language are not marked as English"
        );
        if lang != "en" {
            // The pages themselves are in English only: the links say so.
            assert_eq!(count(excerpt, "hreflang=\"en\""), 4, "{file}");
            assert_eq!(count(excerpt, "class=\"lang-note\""), 4, "{file}");
        }
    }

    // An event without a title in the reader's language shows the
    // original's, marked as English.
    let (_dir, out) = fixture(&[]);
    let ar = read(&out, "ar/index.html");
    let excerpt = between(&ar, "id=\"home-timeline\"", "</section>");
    assert!(
        excerpt.contains(
            "<a href=\"/documents/report/\" lang=\"en\" dir=\"auto\" hreflang=\"en\">Something starts</a>"
        ),
        "{excerpt}"
    );
    assert!(
        excerpt.contains("<a href=\"/documents/report/\" hreflang=\"en\">تقديم تقرير</a>"),
        "{excerpt}"
    );
    let en = read(&out, "index.html");
    assert!(en.contains("<a href=\"/documents/report/\">A report is given</a>"));
    let timeline = read(&out, "timeline/index.html");
    assert!(timeline.contains("<a href=\"/documents/report/\">A report is given</a>"));
}

#[test]
fn search_and_not_found_pages_carry_the_search_hooks() {
    let search = read(gca(), "search/index.html");
    for hook in [
        "<form id=\"site-search\"",
        "action=\"/search/\" method=\"get\" role=\"search\"",
        "<input type=\"search\" id=\"site-search-input\" name=\"q\"",
        "id=\"search-status\"",
        "id=\"search-facets\"",
        "id=\"search-results\"",
    ] {
        assert!(search.contains(hook), "search page: {hook}");
    }
    assert!(search.contains("<noscript>"));
    let not_found = read(gca(), "404.html");
    assert!(not_found.contains("<form id=\"site-search\""));
    assert!(not_found.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(!not_found.contains("rel=\"canonical\""));
}

#[test]
fn the_search_ui_is_loaded_as_classic_scripts() {
    let (_dir, out) = fixture(&[]);
    let html = read(&out, "index.html");
    let srcs = attr_values(&html, "src");
    // Only the small script that loads the search when it is needed; the
    // reader comes with the index, in search/<lang>/meta.js.
    let search: Vec<&String> = srcs
        .iter()
        .filter(|s| s.starts_with("/js/search"))
        .collect();
    assert_eq!(search.len(), 1, "{srcs:?}");
    let ui = search[0];
    assert!(ui.starts_with("/js/search-ui."), "{ui}");
    assert!(
        ui.ends_with(".js") && ui.len() > "/js/search-ui.js".len(),
        "content-hashed: {ui}"
    );
    // A classic, deferred script: modules do not run from file://.
    assert!(html.contains(&format!("<script defer src=\"{ui}\"></script>")));
    let script = read(&out, ui.trim_start_matches('/'));
    assert!(
        script.len() < 3000,
        "the script every page loads stays small: {} bytes",
        script.len()
    );
    assert!(script.contains("/meta.js"), "it loads the search");
    assert!(out.join("search/en/meta.js").is_file());
    assert!(
        html.contains("id=\"gca-search-strings\""),
        "UI strings in the page's language"
    );
    assert!(
        html.contains("data-gca-search=\"box\""),
        "the header box is hooked up"
    );
    assert!(html.contains("data-gca-search=\"dropdown\""));
    let search = read(&out, "search/index.html");
    for hook in [
        "data-gca-search=\"page\"",
        "data-gca-search=\"results\"",
        "data-gca-search=\"facets\"",
        "data-gca-search=\"status\"",
    ] {
        assert!(search.contains(hook), "search page: {hook}");
    }
    assert!(
        !search.contains("data-gca-search=\"box\""),
        "one search form on the search page"
    );
    let css = attr_values(&html, "href")
        .into_iter()
        .find(|h| h.starts_with("/css/search."))
        .expect("the search stylesheet is linked");
    assert!(out.join(css.trim_start_matches('/')).is_file());
    assert!(
        out.join("search/en/meta.js").is_file(),
        "the index is exported"
    );
}

#[test]
fn right_to_left_languages_and_pagination() {
    let (_dir, out) = fixture(&[]);
    let ar = read(&out, "ar/work-areas/alpha/guide-1/index.html");
    assert!(
        ar.contains("<pre class=\"code-block\" dir=\"ltr\">"),
        "code reads left to right"
    );
    // Older than its original (by `updated`): a notice in Arabic, linking to it.
    let notice = between(
        &ar,
        "<div class=\"notice notice--outdated\" role=\"note\">",
        "</div>",
    );
    assert!(notice.contains("10 مايو 2024"), "{notice}");
    assert!(notice.contains(
        "<a href=\"/work-areas/alpha/guide-1/\" hreflang=\"en\">اقرأ النص الأصلي بالإنكليزية</a>"
    ));
    let en = read(&out, "work-areas/alpha/guide-1/index.html");
    assert!(
        !en.contains("notice--outdated"),
        "the original has no notice"
    );
    assert!(
        !read(&out, "ar/work-areas/alpha/index.html").contains("notice--outdated"),
        "a translation as recent as its original has no notice"
    );
    assert!(ar.starts_with("<!doctype html>\n<html lang=\"ar\" dir=\"rtl\">"));
    assert!(
        ar.contains("action=\"/ar/search/\""),
        "search in the page's language"
    );
    assert!(ar.contains("<a class=\"site-name\" href=\"/ar/\">موقع اختبار القالب</a>"));
    let first = read(&out, "work-areas/alpha/index.html");
    let nav = between(&first, "<nav class=\"pagination\"", "</nav>");
    assert!(nav.contains("rel=\"next\" href=\"/work-areas/alpha/page/2/\""));
    assert!(nav.contains("Page 1 of 2"));
    assert!(!nav.contains("rel=\"prev\""));
    let second = read(&out, "work-areas/alpha/page/2/index.html");
    assert!(second.contains("rel=\"prev\" href=\"/work-areas/alpha/\""));
}

/// Declarations `(property, value)` of a stylesheet, comments removed.
fn declarations(css: &str) -> Vec<(String, String)> {
    let mut text = String::new();
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        text.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |j| &rest[i + j + 2..]);
    }
    text.push_str(rest);
    text.split(['{', '}', ';'])
        .filter_map(|d| d.split_once(':'))
        .filter(|(p, _)| !p.contains(['(', '@', ',', '.', '[', '#', '>']) && !p.trim().is_empty())
        .map(|(p, v)| (p.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// Declarations that name a physical side (left, right, top, bottom), or set
/// different start and end values through a four-value shorthand.
fn physical(decls: &[(String, String)]) -> Vec<String> {
    let sides = ["left", "right", "top", "bottom"];
    let mut bad = Vec::new();
    for (p, v) in decls {
        if p.starts_with("--") {
            continue;
        }
        let parts: Vec<&str> = p.split('-').collect();
        let named_side = parts.iter().any(|w| *w == "left" || *w == "right")
            || ["top", "bottom"].contains(&p.as_str())
            || (parts.len() > 1
                && ["margin", "padding", "border", "inset"].contains(&parts[0])
                && sides.contains(&parts[1]));
        let side_value = ["text-align", "float", "clear"].contains(&p.as_str())
            && (v.contains("left") || v.contains("right"));
        let words: Vec<&str> = v
            .trim_end_matches("!important")
            .split_whitespace()
            .collect();
        let uneven = ["margin", "padding", "inset", "border-width"].contains(&p.as_str())
            && words.len() == 4
            && words[1] != words[3];
        if named_side || side_value || uneven {
            bad.push(format!("{p}: {v}"));
        }
    }
    bad
}

#[test]
fn the_stylesheets_use_logical_properties_only() {
    let static_dir = repo().join("themes/gca/static");
    let sheets: Vec<(String, String)> = tree(&static_dir)
        .into_iter()
        .filter(|(path, _)| path.ends_with(".css"))
        .map(|(path, bytes)| (path, String::from_utf8(bytes).unwrap()))
        .collect();
    let names: Vec<&str> = sheets.iter().map(|(p, _)| p.as_str()).collect();
    for expected in ["css/site.css", "css/search.css"] {
        assert!(names.contains(&expected), "{expected} not among {names:?}");
    }
    let mut bad = Vec::new();
    let mut total = 0;
    for (path, css) in &sheets {
        let decls = declarations(css);
        assert!(!decls.is_empty(), "{path}: no declarations read");
        total += decls.len();
        bad.extend(physical(&decls).into_iter().map(|d| format!("{path}: {d}")));
    }
    assert!(total > 200, "{total} declarations");
    assert!(bad.is_empty(), "physical properties: {bad:#?}");
    // The checker sees what it should.
    let sample = declarations(
        ".a { margin-left: 1px; padding: 0 1px 0 2px; text-align: right; top: 0; border-right-color: red; margin-inline: 1px 2px }",
    );
    assert_eq!(physical(&sample).len(), 5, "{sample:?}");
}

#[test]
fn dark_mode_follows_the_system_and_the_toggle() {
    let css = std::fs::read_to_string(repo().join("themes/gca/static/css/site.css")).unwrap();
    assert!(
        css.contains(
            "@media (prefers-color-scheme: dark) {\n  :root:not([data-theme=\"light\"]) {"
        )
    );
    assert!(css.contains(":root[data-theme=\"dark\"] {"));
    // Both dark blocks set the same properties to the same values.
    let block = |start: &str| between(&css, start, "}").to_string();
    let system = block(":root:not([data-theme=\"light\"]) {");
    let chosen = block(":root[data-theme=\"dark\"] {");
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(norm(&system), norm(&chosen));
    assert!(css.contains("@media print"));
    assert!(css.contains("@media (prefers-reduced-motion: reduce)"));
    assert!(css.contains(":focus-visible"));
}

#[test]
fn scripts_build_no_markup_from_strings() {
    for file in ["site.js", "theme-init.js"] {
        let js = std::fs::read_to_string(repo().join("themes/gca/static/js").join(file)).unwrap();
        for bad in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            ".style.",
        ] {
            assert!(!js.contains(bad), "{file} uses {bad}");
        }
    }
}

#[test]
fn every_ui_string_a_template_asks_for_exists() {
    let strings: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("themes/gca/i18n/en.toml")).unwrap())
            .unwrap();
    let has = |k: &str| {
        strings.contains_key(k)
            || (strings.contains_key(&format!("{k}_one"))
                && strings.contains_key(&format!("{k}_other")))
    };
    let mut keys = BTreeSet::new();
    for (path, bytes) in tree(&repo().join("themes/gca/templates")) {
        let text = String::from_utf8(bytes).unwrap();
        for q in ['"', '\''] {
            let pat = format!("trans(key={q}");
            for part in text.split(&pat).skip(1) {
                let key = &part[..part.find(q).unwrap()];
                if part[key.len() + 1..].trim_start().starts_with('~') {
                    continue; // a computed key, checked below
                }
                keys.insert((key.to_string(), path.clone()));
            }
        }
    }
    assert!(keys.len() > 40, "{} keys", keys.len());
    let missing: Vec<_> = keys.iter().filter(|(k, _)| !has(k)).collect();
    assert!(missing.is_empty(), "missing in i18n/en.toml: {missing:?}");
    // Computed keys: the page types of the site and the document facts.
    let config: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("site/config.toml")).unwrap()).unwrap();
    let types = config["taxonomies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str() == Some("types"))
        .unwrap();
    for v in types["values"].as_array().unwrap() {
        let key = format!("type_{}", v.as_str().unwrap());
        assert!(has(&key), "{key}");
    }
    for f in ["speaker", "occasion", "place"] {
        assert!(has(&format!("fact_{f}")));
    }
}

/// The CLDR plural categories each language's strings must give (those
/// `trans(count=...)` picks for whole numbers).
fn plural_categories(lang: &str) -> &'static [&'static str] {
    match lang {
        "ru" => &["one", "few", "many"],
        "ar" => &["zero", "one", "two", "few", "many", "other"],
        "zh" => &["other"],
        _ => &["one", "other"],
    }
}

/// The `{name}` placeholders of a string.
fn placeholders(text: &str) -> BTreeSet<String> {
    text.split('{')
        .skip(1)
        .filter_map(|p| p.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

#[test]
fn every_language_has_every_ui_string_with_its_plural_forms() {
    let en = ui_strings("en");
    let plural_bases: BTreeSet<&str> = en.keys().filter_map(|k| k.strip_suffix("_other")).collect();
    assert!(plural_bases.contains("pages_count"), "{plural_bases:?}");
    for lang in &LANGS[1..] {
        let strings = ui_strings(lang);
        let mut problems = Vec::new();
        for (key, value) in &en {
            let english = value.as_str().unwrap();
            let base = ["_one", "_other"]
                .iter()
                .find_map(|s| key.strip_suffix(s))
                .filter(|b| plural_bases.contains(b));
            if let Some(base) = base {
                for cat in plural_categories(lang) {
                    let k = format!("{base}_{cat}");
                    match strings.get(&k).and_then(|v| v.as_str()) {
                        None => problems.push(format!("{k} missing")),
                        Some(t) if !placeholders(t).is_subset(&placeholders(english)) => {
                            problems.push(format!("{k}: placeholders {:?}", placeholders(t)))
                        }
                        Some(_) => {}
                    }
                }
                continue;
            }
            // A format: each language picks from what the template passes.
            let formats: BTreeSet<String> = ["month", "year", "number"].map(String::from).into();
            match strings.get(key).and_then(|v| v.as_str()) {
                None => problems.push(format!("{key} missing")),
                Some(t) if key == "date_month_year" => {
                    if !placeholders(t).is_subset(&formats) || !placeholders(t).contains("year") {
                        problems.push(format!("{key}: placeholders {:?}", placeholders(t)));
                    }
                }
                Some(t) if placeholders(t) != placeholders(english) => problems.push(format!(
                    "{key}: placeholders {:?}, English has {:?}",
                    placeholders(t),
                    placeholders(english)
                )),
                Some(_) => {}
            }
        }
        for key in strings.keys() {
            let known = en.contains_key(key)
                || plural_bases.iter().any(|b| {
                    key.strip_prefix(b)
                        .and_then(|r| r.strip_prefix('_'))
                        .is_some_and(|cat| {
                            ["zero", "one", "two", "few", "many", "other"].contains(&cat)
                        })
                });
            if !known {
                problems.push(format!("{key} is not a key of en.toml"));
            }
        }
        assert!(problems.is_empty(), "i18n/{lang}.toml: {problems:#?}");
    }
}

#[test]
fn ui_strings_are_written_in_each_language() {
    let en = ui_strings("en");
    // Words that are the same in French or Spanish as in English.
    let same = [
        ("fr", "menu"),
        ("fr", "sources"),
        ("fr", "pages_heading"),
        ("fr", "pagination"),
        ("fr", "type_document"),
        ("fr", "type_initiative"),
        ("fr", "type_guide"),
        ("fr", "guides_count_one"),
        ("fr", "guides_count_other"),
        ("fr", "pages_count_one"),
        ("fr", "pages_count_other"),
        ("fr", "subsections"),
    ];
    let script = |lang: &str, c: char| match lang {
        "ru" => matches!(c, '\u{0400}'..='\u{04FF}'),
        "ar" => matches!(c, '\u{0600}'..='\u{06FF}'),
        "zh" => matches!(c, '\u{4E00}'..='\u{9FFF}'),
        _ => true,
    };
    for lang in &LANGS[1..] {
        for (key, value) in ui_strings(lang) {
            let text = value.as_str().unwrap();
            if key == "date_month_year" {
                continue; // a format: placeholders and punctuation only
            }
            if let Some(english) = en.get(&key).and_then(|v| v.as_str()) {
                assert!(
                    text != english || same.contains(&(*lang, key.as_str())),
                    "i18n/{lang}.toml: `{key}` is the English text"
                );
            }
            // Text outside placeholders, in the language's own script.
            let mut words = text.to_string();
            for p in placeholders(text) {
                words = words.replace(&format!("{{{p}}}"), "");
            }
            assert!(
                words.chars().any(|c| script(lang, c)),
                "i18n/{lang}.toml: `{key}` is not written in the language's script: {text}"
            );
        }
    }
    // French puts a no-break space before a colon, as the site's French text does.
    for (key, value) in ui_strings("fr") {
        let text = value.as_str().unwrap();
        assert!(
            !text.contains(" :") && !text.contains("« ") && !text.contains(" »"),
            "i18n/fr.toml: `{key}` has an ordinary space where French wants a no-break one"
        );
    }
}

/// The `<link rel="alternate" hreflang>` of a page: (hreflang, href).
fn hreflang_links(html: &str) -> Vec<(String, String)> {
    let head = between(html, "<head>", "</head>");
    head.split("<link rel=\"alternate\" hreflang=\"")
        .skip(1)
        .map(|s| {
            let (lang, rest) = s.split_once('"').unwrap();
            let href = between(rest, "href=\"", "\"");
            (lang.to_string(), href.to_string())
        })
        .collect()
}

#[test]
fn every_version_lists_every_version_with_x_default() {
    let base = "https://gca.example.org/";
    let files: BTreeMap<String, String> = html_files(gca()).into_iter().collect();
    let mut with = 0;
    for (path, html) in &files {
        let links = hreflang_links(html);
        if links.is_empty() {
            continue;
        }
        with += 1;
        let canonical = between(html, "<link rel=\"canonical\" href=\"", "\"");
        let lang = between(html, "<html lang=\"", "\"");
        let map: BTreeMap<&str, &str> = links
            .iter()
            .map(|(l, h)| (l.as_str(), h.as_str()))
            .collect();
        assert_eq!(map.len(), links.len(), "{path}: one link per language");
        assert_eq!(map.get(lang), Some(&canonical), "{path}: lists itself");
        assert_eq!(
            map.get("x-default"),
            map.get("en"),
            "{path}: x-default is the English version"
        );
        for (l, href) in &links {
            let rel = href
                .strip_prefix(base)
                .unwrap_or_else(|| panic!("{path}: {href} is not absolute"));
            let file = format!("{rel}index.html");
            let other = files
                .get(&file)
                .unwrap_or_else(|| panic!("{path}: {href} ({l}) was not built"));
            assert_eq!(
                hreflang_links(other),
                links,
                "{path} and {file} list the same versions"
            );
        }
    }
    // The home page, the work-areas page, the five work areas, HLEG and About.
    assert_eq!(with, 9 * LANGS.len(), "pages with alternates");
    // An untranslated page lists none.
    let page = read(
        gca(),
        "work-areas/legal-measures/cybercrime-legislation/index.html",
    );
    assert!(hreflang_links(&page).is_empty());
}

#[test]
fn the_language_switcher_leads_to_the_page_or_to_a_home_page() {
    let files: BTreeMap<String, String> = html_files(gca()).into_iter().collect();
    let mut checked = 0;
    for (path, html) in files.iter().filter(|(_, h)| is_template_page(h)) {
        let nav = between(html, "<nav class=\"lang-switch\"", "</nav>");
        let hrefs = attr_values(nav, "href");
        assert_eq!(
            hrefs.len(),
            LANGS.len() - 1,
            "{path}: a link to each other language"
        );
        assert_eq!(count(nav, "aria-current=\"true\""), 1, "{path}");
        for item in nav.split("<li").skip(1) {
            if item.contains("aria-current") {
                continue;
            }
            let lang = between(item, " lang=\"", "\"");
            assert!(
                item.contains(&format!("hreflang=\"{lang}\"")),
                "{path}: {item}"
            );
            let href = between(item, "href=\"", "\"");
            let target = format!("{}index.html", href.trim_start_matches('/'));
            assert!(files.contains_key(&target), "{path}: {href} was not built");
            if item.contains("lang-switch__home") {
                // A home page, said so in that language.
                let home = if lang == "en" {
                    "/".to_string()
                } else {
                    format!("/{lang}/")
                };
                assert_eq!(href, home, "{path}");
                let note = ui_strings(lang)["switch_fallback"]
                    .as_str()
                    .unwrap()
                    .to_string();
                assert!(
                    item.contains(&format!("title=\"{}\"", note.replace('\'', "&#39;"))),
                    "{path}: {item}"
                );
            } else {
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "{checked} links to other versions");
    let fr = read(gca(), "fr/work-areas/legal-measures/index.html");
    let nav = between(&fr, "<nav class=\"lang-switch\"", "</nav>");
    assert!(nav.contains("href=\"/ar/work-areas/legal-measures/\" lang=\"ar\" hreflang=\"ar\""));
    assert!(
        nav.contains("<span class=\"lang-switch__current\" aria-current=\"true\">Français</span>")
    );
    // Feeds and taxonomies in the page's language.
    assert!(fr.contains("type=\"application/atom+xml\" hreflang=\"fr\""));
    assert!(fr.contains("href=\"/fr/atom.xml\""));
    let footer = between(&fr, "<footer", "</footer>");
    assert!(
        footer.contains("href=\"/fr/browse/work-areas/\""),
        "{footer}"
    );
    assert!(!footer.contains("href=\"/browse/"), "{footer}");
}

#[test]
fn a_site_without_the_gca_sections_builds_with_the_theme() {
    // Any folder of Markdown: no work areas, about, documents or timeline
    // sections, no data files, no taxonomies.
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_dir(&repo().join("themes/gca"), &site.join("themes/gca"));
    for (path, text) in [
        (
            "config.toml",
            "title = \"Cheat sheets\"\nbase_url = \"https://example.org/\"\ntheme = \"gca\"\n",
        ),
        (
            "content/Access_Control.md",
            "# Access control\n\nDeny by default.\n",
        ),
        (
            "content/guides/Logging.md",
            "+++\ntitle = \"Logging\"\n+++\nLog security events.\n",
        ),
    ] {
        let p = site.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = dir.path().join("public");
    let o = build(&site, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = read(&out, "access-control/index.html");
    assert!(page.contains("Deny by default."), "{page}");
    let home = read(&out, "index.html");
    assert!(home.contains("Cheat sheets"));
    assert!(!home.contains("cards--areas\">\n<li"), "no work-area cards");
    assert!(read(&out, "guides/logging/index.html").contains("Log security events."));

    // A lookup the theme requires still fails, naming the missing file.
    std::fs::create_dir_all(site.join("templates")).unwrap();
    std::fs::write(
        site.join("templates/page.html"),
        "{% set s = get_section(path=\"nowhere/_index.md\") %}{{ s.title }}",
    )
    .unwrap();
    let o = build(&site, &out);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no content file `nowhere/_index.md`"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // With required=false it is none, and data files too.
    std::fs::write(
        site.join("templates/page.html"),
        "[{{ get_section(path=\"nowhere/_index.md\", required=false) is none }}|{{ load_data(path=\"data/none.toml\", required=false) is none }}|{{ get_page(path=\"gone.md\", required=false) is none }}]",
    )
    .unwrap();
    let o = build(&site, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read(&out, "access-control/index.html"), "[true|true|true]");
}
