//! UI strings: `trans(key=...)` reads `i18n/<lang>.toml` of the theme and
//! the site, in the language of the page being rendered.

mod common;

use common::*;

const CONFIG: &str = "title = \"Small\"\nbase_url = \"https://example.org/\"\ntheme = \"none\"\n[languages.ar]\nname = \"العربية\"\ndirection = \"rtl\"\n";

#[test]
fn pages_get_strings_in_their_language() {
    let site = small_site(&[
        ("config.toml", CONFIG),
        (
            "templates/page.html",
            "<p class=\"skip\">{{ trans(key='skip_link') }}</p><p>{{ trans(key='reading_time', minutes=page.reading_time) }}</p>",
        ),
        (
            "i18n/en.toml",
            "skip_link = \"Skip to main content\"\nreading_time = \"{minutes} min read\"\n",
        ),
        (
            "i18n/ar.toml",
            "skip_link = \"انتقل إلى المحتوى الرئيسي\"\n",
        ),
        ("content/_index.ar.md", "+++\ntitle = \"الرئيسية\"\n+++\n"),
        ("content/one.md", "+++\ntitle = \"One\"\n+++\nText.\n"),
        ("content/one.ar.md", "+++\ntitle = \"واحد\"\n+++\nنص.\n"),
    ]);
    let out = site.path().join("public");
    let o = build(site.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let en = read(&out, "one/index.html");
    assert!(
        en.contains("<p class=\"skip\">Skip to main content</p>"),
        "{en}"
    );
    assert!(en.contains("<p>1 min read</p>"), "{en}");
    let ar = read(&out, "ar/one/index.html");
    assert!(ar.contains("انتقل إلى المحتوى الرئيسي"), "{ar}");
    // Missing in ar.toml: the default language's string.
    assert!(ar.contains("min read"), "{ar}");
}

#[test]
fn an_unknown_key_fails_the_build_at_the_template() {
    let site = small_site(&[
        (
            "templates/page.html",
            "<p>\n{{ trans(key='no_such_key') }}</p>",
        ),
        ("i18n/en.toml", "skip_link = \"Skip\"\n"),
        ("content/one.md", "+++\ntitle = \"One\"\n+++\n"),
    ]);
    let o = build(site.path(), &site.path().join("public"));
    assert_fails_at(&o, "page.html:2", "`no_such_key`");
}

#[test]
fn a_malformed_strings_file_fails_with_its_line() {
    let site = small_site(&[
        ("i18n/en.toml", "skip_link = \"Skip\"\ncount = 3\n"),
        ("content/one.md", "+++\ntitle = \"One\"\n+++\n"),
    ]);
    let o = build(site.path(), &site.path().join("public"));
    assert_fails_at(&o, "en.toml:2", "`count` must be a string");
}
