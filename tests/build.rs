//! Builds `tests/fixtures/basic` and checks what comes out.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::*;

/// The fixture is built once (into a temp dir kept for the whole run).
fn built() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = build(&fixture("basic"), &dir.path().join("public"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
    .path()
}

fn public() -> std::path::PathBuf {
    built().join("public")
}

#[test]
fn every_output_is_written() {
    let files = tree(&public());
    for f in [
        "index.html",
        "404.html",
        "robots.txt",
        "sitemap.xml",
        "atom.xml",
        "api/pages.json",
        "news/index.html",
        "news/page/2/index.html",
        "news/page/1/index.html",
        "news/atom.xml",
        "news/first/index.html",
        "news/second/index.html",
        "news/custom-third/index.html",
        "docs/index.html",
        "docs/guide/index.html",
        "docs/bundle/index.html",
        "docs/bundle/diagram.png",
        "docs/advanced/deep/index.html",
        "about-us/index.html",
        "old/first/index.html",
        "work-areas/index.html",
        "work-areas/legal-measures/index.html",
        "work-areas/legal-measures/atom.xml",
        "types/meeting/index.html",
    ] {
        assert!(
            files.contains_key(f),
            "missing {f}; have {:?}",
            files.keys().collect::<Vec<_>>()
        );
    }
    assert!(
        !files.keys().any(|f| f.contains("draft")),
        "drafts are not built by default"
    );
    assert!(
        files
            .keys()
            .any(|f| f.starts_with("css/style.") && f.ends_with(".css") && f != "css/style.css")
    );
    assert!(files.keys().any(|f| f.starts_with("css/syntax.")));
}

#[test]
fn page_fields_reach_the_template() {
    let html = read(&public(), "news/first/index.html");
    for needle in [
        "date=2008-06-26",
        "formatted=26 June 2008",
        "updated=2008-07-01",
        "lang=en",
        "slug=first",
        "<p class=\"desc\">The experts met on 26 June 2008.</p>",
        "<div class=\"summary\"><p>The group met in Geneva.</p></div>",
        "Agenda#agenda<li>Details#details</li>",
        "Address to the third meeting (ITU, 2008-06-26)",
        "work_areas:<a href=\"/sub/work-areas/legal-measures/\">Legal Measures</a>",
        "<p class=\"extra\">Geneva</p>",
        "<p class=\"crumbs\">Home>News></p>",
        "next=First meeting",
        "<link rel=\"canonical\" href=\"https://example.org/sub/news/first/\">",
    ] {
        assert!(html.contains(needle), "missing `{needle}` in\n{html}");
    }
    let yaml = read(&public(), "news/second/index.html");
    assert!(yaml.contains("date=2007-10-01"), "YAML front matter");
    assert!(yaml.contains("prev=Third meeting in Geneva"));
    let bundle = read(&public(), "docs/bundle/index.html");
    assert!(
        bundle.contains("/sub/docs/bundle/diagram.png"),
        "assets listed: {bundle}"
    );
    let about = read(&public(), "about-us/index.html");
    assert!(
        about.contains("<div class=\"special\">About:"),
        "template override"
    );
}

#[test]
fn markdown_features_render() {
    let html = read(&public(), "news/first/index.html");
    assert!(html.contains("<a href=\"/sub/docs/guide/#install\">install guide</a>"));
    assert!(html.contains("<a href=\"/sub/docs/guide/#my-anchor\">custom anchor</a>"));
    assert!(html.contains("<a href=\"/sub/\">home page</a>"));
    assert!(html.contains("<aside class=\"callout note\"><strong>Why it matters</strong><p>No single country can act <em>alone</em>.</p>"));
    assert!(html.contains("<p class=\"note\">A short note</p>"));
    assert!(html.contains("<table>"));
    assert!(html.contains("class=\"hl-"), "highlighted code");
    assert!(html.contains("footnote"));
    let guide = read(&public(), "docs/guide/index.html");
    assert!(guide.contains("<h2 id=\"install\">Install</h2>"));
    assert!(guide.contains("<h2 id=\"my-anchor\">Configure it</h2>"));
}

#[test]
fn sections_sort_and_paginate() {
    let news = read(&public(), "news/index.html");
    let first = news.find("Third meeting in Geneva").unwrap();
    let second = news.find("First meeting").unwrap();
    assert!(first < second, "newest first");
    assert!(!news.contains("Launch"), "third item is on page 2");
    assert!(news.contains("1/2 next=/sub/news/page/2/"));
    let page2 = read(&public(), "news/page/2/index.html");
    assert!(page2.contains("Launch") && page2.contains("2/2 prev=/sub/news/"));
    let redirect = read(&public(), "news/page/1/index.html");
    assert!(redirect.contains("url=/sub/news/"));
    let docs = read(&public(), "docs/index.html");
    let order: Vec<usize> = ["Guide", "Bundle", "Deep page"]
        .iter()
        .map(|t| docs.find(t).unwrap())
        .collect();
    assert!(
        order[0] < order[1] && order[1] < order[2],
        "by weight, with the transparent section's page"
    );
    let home = read(&public(), "index.html");
    assert!(home.contains("<h2 class=\"sub\">Docs (3)</h2>"), "{home}");
}

#[test]
fn taxonomies_have_list_and_term_pages_with_counts() {
    let list = read(&public(), "work-areas/index.html");
    assert!(list.contains("Capacity Building</a> 2"));
    assert!(list.contains("Legal Measures</a> 2"));
    let term = read(&public(), "work-areas/legal-measures/index.html");
    assert!(term.contains("<p class=\"count\">2</p>"));
    let home = read(&public(), "index.html");
    assert!(
        home.contains("Capacity Building:2;Legal Measures:2;"),
        "get_taxonomy: {home}"
    );
}

/// A page that names one term twice (two spellings of one slug) is listed
/// once on the term's page, and pages keep their order there.
#[test]
fn a_term_lists_each_page_once() {
    let site = small_site(&[
        (
            "templates/taxonomy_single.html",
            "{{ term.name }}:{% for p in term.pages %}{{ p.title }};{% endfor %}",
        ),
        (
            "content/a.md",
            "+++\ntitle = \"A\"\ndate = 2024-01-02\n[taxonomies]\nwork_areas = [\"Capacity Building\", \"capacity building\"]\n+++\n",
        ),
        (
            "content/b.md",
            "+++\ntitle = \"B\"\ndate = 2024-01-01\n[taxonomies]\nwork_areas = [\"Capacity Building\"]\n+++\n",
        ),
    ]);
    let out = site.path().join("public");
    let run = build(site.path(), &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let term = read(&out, "work-areas/capacity-building/index.html");
    assert_eq!(term.trim(), "Capacity Building:A;B;", "{term}");
}

#[test]
fn functions_and_data_work() {
    let home = read(&public(), "index.html");
    assert!(
        home.contains("<li>alpha=1</li><li>beta=2</li>"),
        "load_data csv"
    );
    assert!(home.contains("<p class=\"guide-url\">/sub/docs/guide/#install</p>"));
    assert!(home.contains("<p class=\"motto\">Secure together</p>"));
}

#[test]
fn aliases_redirect() {
    let html = read(&public(), "old/first/index.html");
    assert!(html.contains("http-equiv=\"refresh\" content=\"0; url=/sub/news/first/\""));
    assert!(html.contains("rel=\"canonical\" href=\"https://example.org/sub/news/first/\""));
}

#[test]
fn feeds_and_sitemap_are_valid_xml() {
    for feed in [
        "atom.xml",
        "news/atom.xml",
        "work-areas/legal-measures/atom.xml",
    ] {
        let xml = read(&public(), feed);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{feed}: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "feed");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2005/Atom")
        );
        let entries: Vec<_> = root
            .children()
            .filter(|n| n.has_tag_name("entry"))
            .collect();
        assert!(!entries.is_empty(), "{feed} has entries");
        for e in &entries {
            for child in ["title", "id", "updated", "link", "content"] {
                assert!(
                    e.children().any(|n| n.has_tag_name(child)),
                    "{feed}: entry lacks {child}"
                );
            }
        }
    }
    let site = read(&public(), "atom.xml");
    assert!(
        site.contains("&lt;p&gt;The group met in Geneva.&lt;/p&gt;"),
        "entries carry the page's HTML"
    );
    let first = site.find("Third meeting in Geneva").unwrap();
    let launch = site.find("<title>Launch</title>").unwrap();
    assert!(first < launch, "feeds are newest first");
    let sitemap = read(&public(), "sitemap.xml");
    let doc = roxmltree::Document::parse(&sitemap).unwrap();
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert!(locs.contains(&"https://example.org/sub/news/first/"));
    assert!(locs.contains(&"https://example.org/sub/about-us/"));
    assert!(
        locs.iter()
            .all(|l| l.starts_with("https://example.org/sub/"))
    );
    assert!(sitemap.contains("<lastmod>2008-07-01</lastmod>"));
    let robots = read(&public(), "robots.txt");
    assert!(robots.contains("Sitemap: https://example.org/sub/sitemap.xml"));
}

#[test]
fn api_lists_every_page() {
    let json: serde_json::Value = serde_json::from_str(&read(&public(), "api/pages.json")).unwrap();
    let pages = json["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 7);
    let first = pages
        .iter()
        .find(|p| p["title"] == "Third meeting in Geneva")
        .unwrap();
    assert_eq!(first["url"], "https://example.org/sub/news/first/");
    assert_eq!(first["date"], "2008-06-26");
    assert_eq!(first["taxonomies"]["work_areas"][0], "Legal Measures");
    assert_eq!(first["description"], "The experts met on 26 June 2008.");
    // Every page has the field: its description (YAML front matter too),
    // or null without one.
    let description = |title: &str| {
        let page = pages
            .iter()
            .find(|p| p["title"] == title)
            .unwrap_or_else(|| panic!("{title} in api/pages.json"));
        assert!(
            page.as_object().unwrap().contains_key("description"),
            "{title} has a description field: {page}"
        );
        page["description"].clone()
    };
    assert_eq!(
        description("First meeting"),
        "The experts first met in October 2007."
    );
    assert_eq!(
        description("Launch"),
        "The agenda was launched in May 2007."
    );
    assert_eq!(description("Guide"), serde_json::Value::Null);
}

#[test]
fn drafts_are_built_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let o = gca(&[
        "build",
        "--root",
        fixture("basic").to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--drafts",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("news/draft/index.html").exists());
}

#[test]
fn base_url_can_be_overridden() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let o = gca(&[
        "build",
        "--root",
        fixture("basic").to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--base-url",
        "http://localhost:8000/preview",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = read(&out, "news/first/index.html");
    assert!(html.contains("href=\"/preview/docs/guide/#install\""));
    assert!(html.contains("href=\"http://localhost:8000/preview/news/first/\""));
}

#[test]
fn builds_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    assert!(build(&fixture("basic"), &a).status.success());
    assert!(build(&fixture("basic"), &b).status.success());
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(v == &tb[k], "{k} differs between two builds");
    }
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_dir(&fixture("basic"), &site);
    let out = dir.path().join("public");
    assert!(build(&site, &out).status.success());
    let before = tree(&out);
    std::fs::write(
        site.join("content/news/first.md"),
        std::fs::read_to_string(site.join("content/news/first.md"))
            .unwrap()
            .replace("@/docs/guide.md#install", "@/docs/guide.md#nowhere"),
    )
    .unwrap();
    let o = build(&site, &out);
    assert_fails_at(&o, "first.md:", "no anchor `#nowhere`");
    assert_eq!(tree(&out), before, "output changed after a failed build");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("gca-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary folders left: {leftovers:?}"
    );
}

#[test]
fn shortcodes_can_read_other_pages() {
    let site = small_site(&[
        (
            "templates/shortcodes/title_of.html",
            "{% set p = get_page(path=path) %}<b>{{ p.title }}</b> at {{ get_url(path=\"@/\" ~ path) }}",
        ),
        (
            "content/a.md",
            "+++\ntitle = \"A\"\n+++\nSee {{ title_of(path=\"b.md\") }}.\n",
        ),
        ("content/b.md", "+++\ntitle = \"Bee\"\n+++\nB.\n"),
    ]);
    let out = site.path().join("public");
    let o = build(site.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(read(&out, "a/index.html").contains("See <b>Bee</b> at /b/."));
}

#[test]
fn unchanged_sites_are_not_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_dir(&fixture("basic"), &site);
    let out = dir.path().join("public");
    let first = build(&site, &out);
    assert!(first.status.success());
    let skipped =
        |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).contains("Nothing changed");
    assert!(!skipped(&first));
    let again = build(&site, &out);
    assert!(
        again.status.success() && skipped(&again),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // An edit rebuilds, and the output follows it.
    let page = site.join("content/news/second.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replace("written with YAML", "written in YAML")).unwrap();
    let edited = build(&site, &out);
    assert!(edited.status.success() && !skipped(&edited));
    assert!(read(&out, "news/second/index.html").contains("written in YAML"));
    assert!(skipped(&build(&site, &out)));

    // A damaged output is rebuilt.
    std::fs::remove_file(out.join("robots.txt")).unwrap();
    let repaired = build(&site, &out);
    assert!(!skipped(&repaired));
    assert!(out.join("robots.txt").is_file());

    // Other options are another build.
    let o = gca(&[
        "build",
        "--root",
        site.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--drafts",
    ]);
    assert!(o.status.success() && !skipped(&o));
    assert!(out.join("news/draft/index.html").is_file());
}

#[test]
fn gca_search_reads_the_index_of_a_build() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_dir(&fixture("basic"), &site);
    let out = dir.path().join("public");
    assert!(build(&site, &out).status.success());
    assert!(
        out.join("search/en/meta.js").is_file(),
        "the export is published"
    );
    let o = gca(&[
        "search",
        "--root",
        site.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "geneva",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["results"][0]["url"], "news/first/", "{json}");
}

/// `gca build --root .` in a site folder finds the theme beside the folder,
/// as it does for `--root site` run from the folder above.
#[test]
fn a_theme_beside_the_site_is_found_from_inside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    std::fs::create_dir_all(site.join("content")).unwrap();
    std::fs::write(
        site.join("config.toml"),
        "title = \"Beside\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    std::fs::write(
        site.join("content/_index.md"),
        "+++\ntitle = \"Home\"\n+++\n",
    )
    .unwrap();
    std::fs::write(site.join("content/a.md"), "# A page\n\nText.\n").unwrap();
    copy_dir(&repo().join("themes/gca"), &tmp.path().join("themes/gca"));
    // Builds from inside the site into `output`; returns what it printed.
    let build_into = |output: &str| -> String {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_gca"))
            .args(["build", "--root", ".", "--output", output])
            .current_dir(&site)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "{stderr}");
        stderr
    };
    build_into("../out");
    assert!(tmp.path().join("out/a/index.html").is_file());
    // Into a folder inside the site, given relative to it: the second
    // build is skipped (the output is not taken for an input).
    for round in 0..2 {
        let stderr = build_into("public");
        assert_eq!(stderr.contains("Nothing changed"), round == 1, "{stderr}");
    }
}

/// Files of a site whose section template lists its pages, and whose page
/// template shows the page's body, table of contents and summary.
fn listing_site(extra: &[(&'static str, &'static str)]) -> tempfile::TempDir {
    let mut files: Vec<(&str, &str)> = vec![
        (
            "config.toml",
            "title = \"Small\"\nbase_url = \"https://example.org/\"\ntheme = \"none\"\nfeed = true\n[[taxonomies]]\nname = \"work_areas\"\n",
        ),
        (
            "templates/section.html",
            "<h1>{{ section.title }}</h1>{% for p in section.pages %}<a href=\"{{ p.url }}\">{{ p.title }}</a>{{ p.summary }}{% endfor %}{% set g = get_page(path=\"docs/a.md\") %}{{ g.title }}",
        ),
        (
            "templates/page.html",
            "<h1>{{ page.title }}</h1>{% for h in page.toc %}<li>{{ h.title }}</li>{% endfor %}{{ page.content }}<p>{{ page.word_count }}</p>{% if page.next %}{{ page.next.title }}{% endif %}",
        ),
        (
            "content/docs/_index.md",
            "+++\ntitle = \"Docs\"\nsort_by = \"date\"\n+++\n",
        ),
        (
            "content/docs/a.md",
            "+++\ntitle = \"A\"\ndate = 2024-01-02\n+++\nIntro **a**.\n<!-- more -->\n## Goals\n\nReach *them*.\n",
        ),
        (
            "content/docs/b.md",
            "+++\ntitle = \"B\"\ndate = 2024-01-03\n+++\n## One\n\n### Two\n\nText of b.\n",
        ),
    ];
    files.extend_from_slice(extra);
    small_site(&files)
}

#[test]
fn listings_without_bodies_build_what_full_values_build() {
    // The first site's templates read no listed page's body: its pages'
    // bodies wait apart for their own templates. The second has one more
    // template, never rendered, that could read one: every value is whole.
    // Both must write the same files.
    let light = listing_site(&[]);
    let full = listing_site(&[(
        "templates/unused.html",
        "{% for p in section.pages %}{{ p.content }}{% endfor %}",
    )]);
    let (a, b) = (light.path().join("public"), full.path().join("public"));
    for (site, out) in [(&light, &a), (&full, &b)] {
        let o = build(site.path(), out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let page = read(&a, "docs/b/index.html");
    assert!(
        page.contains("<li>One</li>") && page.contains("Text of b."),
        "{page}"
    );
    assert!(
        read(&a, "atom.xml").contains("Reach"),
        "the feed has the bodies"
    );
    assert_eq!(tree(&a), tree(&b));
}

#[test]
fn listed_bodies_are_there_when_templates_read_them() {
    let site = listing_site(&[(
        "templates/section.html",
        "{% for p in section.pages %}<div>{{ p.content }}</div><nav>{{ p.toc | length }}</nav>{% endfor %}",
    )]);
    let out = site.path().join("public");
    let o = build(site.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = read(&out, "docs/index.html");
    assert!(list.contains("Reach <em>them</em>"), "{list}");
    assert!(list.contains("<nav>1</nav>"), "{list}");
}
