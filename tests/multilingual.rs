//! Translations: URLs per language, fallbacks to untranslated pages,
//! hreflang alternates, per-language feeds, outdated translations.

mod common;

use common::*;

fn built() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let o = build(&fixture("multilingual"), &dir.path().join("public"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

#[test]
fn each_language_has_its_urls() {
    let dir = built();
    let out = dir.path().join("public");
    for f in [
        "index.html",
        "fr/index.html",
        "ar/index.html",
        "docs/a/index.html",
        "fr/docs/a/index.html",
        "ar/docs/a/index.html",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    assert!(
        !out.join("fr/docs/b/index.html").exists(),
        "untranslated pages are not copied"
    );
    let ar = read(&out, "ar/docs/a/index.html");
    assert!(ar.starts_with("<html lang=\"ar\" dir=\"rtl\">"));
    let fr = read(&out, "fr/docs/a/index.html");
    assert!(fr.starts_with("<html lang=\"fr\" dir=\"ltr\">"));
}

#[test]
fn untranslated_pages_fall_back_to_the_original() {
    let dir = built();
    let out = dir.path().join("public");
    let fr_docs = read(&out, "fr/docs/index.html");
    assert!(fr_docs.contains("<a href=\"/fr/docs/a/\">Alpha (fr)</a></li>"));
    assert!(
        fr_docs.contains("<a href=\"/docs/b/\">Beta</a> <span class=\"fallback\">(English)</span>")
    );
    let ar_home = read(&out, "ar/index.html");
    assert!(
        ar_home.contains("<li lang=\"en\">Docs</li>"),
        "untranslated sections fall back: {ar_home}"
    );
    let fr_term = read(&out, "fr/work-areas/legal-measures/index.html");
    assert!(
        fr_term.contains("Alpha (fr)") && fr_term.contains("Beta"),
        "{fr_term}"
    );
    assert!(
        !fr_term.contains("<li>Alpha</li>"),
        "translated pages are not listed twice"
    );
}

#[test]
fn links_prefer_the_translation() {
    let dir = built();
    let fr = read(&dir.path().join("public"), "fr/docs/a/index.html");
    assert!(
        fr.contains("<a href=\"/docs/b/\">B</a>"),
        "no French B: the original"
    );
    assert!(
        fr.contains("<a href=\"/fr/docs/a/#scope\">A</a>"),
        "French A with the kept anchor"
    );
}

#[test]
fn every_version_lists_all_versions() {
    let dir = built();
    let out = dir.path().join("public");
    for (file, _) in [
        ("docs/a/index.html", "en"),
        ("fr/docs/a/index.html", "fr"),
        ("ar/docs/a/index.html", "ar"),
    ] {
        let html = read(&out, file);
        for (lang, url) in [
            ("en", "https://example.org/docs/a/"),
            ("fr", "https://example.org/fr/docs/a/"),
            ("ar", "https://example.org/ar/docs/a/"),
        ] {
            assert!(
                html.contains(&format!("<li hreflang=\"{lang}\">{url}</li>")),
                "{file} lacks {lang}"
            );
        }
    }
    let sitemap = read(&out, "sitemap.xml");
    let doc = roxmltree::Document::parse(&sitemap).unwrap();
    for url in doc.descendants().filter(|n| n.has_tag_name("url")) {
        let loc = url
            .children()
            .find(|n| n.has_tag_name("loc"))
            .unwrap()
            .text()
            .unwrap();
        if loc.ends_with("/docs/a/") {
            let langs: Vec<&str> = url
                .children()
                .filter(|n| n.has_tag_name("link"))
                .filter_map(|n| n.attribute("hreflang"))
                .collect();
            assert_eq!(langs, ["en", "ar", "fr", "x-default"], "{loc}");
        }
    }
}

#[test]
fn feeds_per_language() {
    let dir = built();
    let out = dir.path().join("public");
    let fr = read(&out, "fr/atom.xml");
    roxmltree::Document::parse(&fr).unwrap();
    assert!(fr.contains("xml:lang=\"fr\"") && fr.contains("<title>Programme</title>"));
    assert!(fr.contains("Alpha (fr)") && !fr.contains("<title>Beta</title>"));
    let en = read(&out, "atom.xml");
    assert!(en.contains("<title>Beta</title>") && !en.contains("Alpha (fr)"));
}

#[test]
fn older_translations_say_so() {
    let dir = built();
    let fr = read(&dir.path().join("public"), "fr/docs/a/index.html");
    assert!(fr.contains("<p class=\"outdated\">Older than <a href=\"/docs/a/\">Alpha</a></p>"));
    let ar = read(&dir.path().join("public"), "ar/docs/a/index.html");
    assert!(
        !ar.contains("outdated"),
        "no `updated`: not known to be older"
    );
}

#[test]
fn breadcrumbs_fall_back_to_untranslated_sections() {
    let dir = built();
    let out = dir.path().join("public");
    assert!(read(&out, "fr/docs/a/index.html").contains("<p class=\"crumbs\">/fr/>/fr/docs/></p>"));
    assert!(
        read(&out, "ar/docs/a/index.html").contains("<p class=\"crumbs\">/ar/>/docs/></p>"),
        "no Arabic docs section: the trail shows the original"
    );
}

#[test]
fn taxonomy_titles_and_term_names_are_translated() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_dir(&fixture("multilingual"), &site);
    let config = std::fs::read_to_string(site.join("config.toml")).unwrap();
    std::fs::write(
        site.join("config.toml"),
        format!(
            "{config}\n[languages.fr.taxonomies]\nwork_areas = \"Domaines d'action\"\n\n[languages.fr.terms.work_areas]\n\"Legal Measures\" = \"Mesures juridiques\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        site.join("templates/taxonomy_single.html"),
        "{{ taxonomy.title }}|{{ term.name }}|{{ term.label }}",
    )
    .unwrap();
    std::fs::write(
        site.join("templates/taxonomy_list.html"),
        "{{ taxonomy.title }}|{% for t in taxonomy.terms %}{{ t.label }};{% endfor %}|{% for t in config.taxonomies %}{{ t.titles[lang] }}{% endfor %}",
    )
    .unwrap();
    let out = dir.path().join("public");
    let o = build(&site, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let term = |prefix: &str| {
        read(
            &out,
            &format!("{prefix}work-areas/legal-measures/index.html"),
        )
    };
    assert_eq!(
        term("fr/"),
        "Domaines d&#39;action|Legal Measures|Mesures juridiques"
    );
    // Languages without their own names keep the content's.
    assert_eq!(term("ar/"), "Work areas|Legal Measures|Legal Measures");
    assert_eq!(term(""), "Work areas|Legal Measures|Legal Measures");
    let list = read(&out, "fr/work-areas/index.html");
    assert!(
        list.starts_with("Domaines d&#39;action|Mesures juridiques;"),
        "{list}"
    );
    assert!(list.ends_with("|Domaines d&#39;action"), "{list}");
    // Feeds carry the names and the site title of their language.
    let feed = read(&out, "fr/work-areas/legal-measures/atom.xml");
    assert!(
        feed.contains("<title>Domaines d&apos;action: Mesures juridiques – Programme</title>"),
        "{feed}"
    );

    // A language block naming a taxonomy the site does not have is an error.
    std::fs::write(
        site.join("config.toml"),
        format!("{config}\n[languages.fr.terms.topics]\nA = \"B\"\n"),
    )
    .unwrap();
    let o = build(&site, &out);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("config.toml:") && err.contains("names the taxonomy `topics`"),
        "{err}"
    );
}

#[test]
fn each_language_says_where_its_feed_is() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_dir(&fixture("multilingual"), &site);
    let config = std::fs::read_to_string(site.join("config.toml")).unwrap();
    std::fs::write(
        site.join("config.toml"),
        config.replace("direction = \"rtl\"", "direction = \"rtl\"\nfeed = false"),
    )
    .unwrap();
    std::fs::write(
        site.join("templates/index.html"),
        "[{{ config.languages[lang].feed_url }}]",
    )
    .unwrap();
    let out = dir.path().join("public");
    let o = build(&site, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read(&out, "index.html"), "[/atom.xml]");
    assert_eq!(read(&out, "fr/index.html"), "[/fr/atom.xml]");
    assert!(out.join("fr/atom.xml").is_file());
    // Arabic has no feed, and says so.
    assert_eq!(read(&out, "ar/index.html"), "[]");
    assert!(!out.join("ar/atom.xml").exists());
}
