//! `gca check`: one fixture per problem under `tests/fixtures/check/`,
//! each a few files laid over the clean site in `base/`. Each must be
//! reported with its severity, file and line, and the exit code must say
//! whether errors were found.

mod common;

use std::path::Path;

use serde_json::Value;

/// The base site with the files of `case` laid over it, in a temporary
/// folder.
fn case(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = common::fixture("check");
    common::copy_dir(&root.join("base"), dir.path());
    if name != "base" {
        common::copy_dir(&root.join(name), dir.path());
    }
    dir
}

struct Checked {
    code: i32,
    json: Value,
}

impl Checked {
    fn diagnostics(&self) -> &Vec<Value> {
        self.json["diagnostics"].as_array().unwrap()
    }

    /// Asserts a diagnostic with this severity, file (ending), line and
    /// message part.
    fn has(&self, severity: &str, file: &str, line: Option<u64>, message: &str) {
        let found = self.diagnostics().iter().any(|d| {
            d["severity"] == severity
                && (file.is_empty() && d["file"].is_null()
                    || d["file"].as_str().is_some_and(|f| f.ends_with(file)))
                && line.is_none_or(|l| d["line"] == l)
                && d["message"].as_str().unwrap().contains(message)
        });
        assert!(
            found,
            "no {severity} in {file}:{line:?} containing `{message}` among\n{}",
            serde_json::to_string_pretty(self.diagnostics()).unwrap()
        );
    }

    fn count(&self, severity: &str) -> usize {
        self.diagnostics()
            .iter()
            .filter(|d| d["severity"] == severity)
            .count()
    }
}

fn check(root: &Path) -> Checked {
    let out = common::gca(&[
        "check",
        "--format",
        "json",
        "--root",
        root.to_str().unwrap(),
    ]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(
        json["errors"].as_u64().unwrap() as usize,
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "error")
            .count()
    );
    Checked {
        code: out.status.code().unwrap(),
        json,
    }
}

fn check_case(name: &str) -> Checked {
    let dir = case(name);
    check(dir.path())
}

#[test]
fn the_base_site_is_clean() {
    let c = check_case("base");
    assert_eq!(c.code, 0);
    assert!(c.diagnostics().is_empty(), "{:#?}", c.diagnostics());
    assert_eq!(c.json["built"], true);
    assert_eq!(c.json["pages"], 3);
    assert!(c.json["skipped"].as_array().unwrap().is_empty());
}

#[test]
fn broken_internal_link() {
    let c = check_case("broken-link");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/links.md",
        Some(9),
        "broken internal link `@/guides/missing.md`",
    );
}

#[test]
fn broken_anchor() {
    let c = check_case("broken-anchor");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/anchors.md",
        Some(11),
        "has no anchor `#no-such-heading`",
    );
}

#[test]
fn glossary_term_missing_from_the_data() {
    // The glossary's anchors come from data/glossary.toml through its
    // template: an id the data lacks is a broken anchor.
    let c = check_case("missing-glossary-term");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/terms.md",
        Some(9),
        "glossary/_index.md has no anchor `#cert`",
    );
    assert_eq!(c.count("error"), 1, "the term that exists is fine");
}

#[test]
fn schema_required_field() {
    let c = check_case("schema-required");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/no-area.md",
        Some(2),
        "missing `taxonomies.work_areas`",
    );
    // The site would not build, but every other check ran.
    assert_eq!(c.json["built"], false);
    assert!(
        c.json["skipped"].as_array().unwrap().is_empty(),
        "{:#?}",
        c.json["skipped"]
    );
}

#[test]
fn schema_taxonomy_value() {
    let c = check_case("schema-value");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/wrong-area.md",
        Some(6),
        "`International Cooperation` is not allowed in `work_areas`",
    );
}

#[test]
fn taxonomy_value_unknown_to_the_config() {
    let c = check_case("taxonomy-value");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/unknown-area.md",
        Some(6),
        "`Space Law` is not a value of taxonomy `work_areas`",
    );
}

#[test]
fn duplicate_url() {
    let c = check_case("duplicate-url");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/second-copy.md",
        Some(4),
        "two pages claim the URL `/same-place/`",
    );
}

#[test]
fn duplicate_alias() {
    let c = check_case("duplicate-alias");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/old-two.md",
        Some(4),
        "alias `/old/` is also an alias of",
    );
}

#[test]
fn alias_over_a_page() {
    let c = check_case("alias-over-page");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/taker.md",
        Some(4),
        "alias `/guides/laws/` would overwrite",
    );
}

#[test]
fn bad_front_matter() {
    let c = check_case("bad-front-matter");
    assert_eq!(c.code, 1);
    c.has("error", "content/guides/broken.md", Some(2), "front matter");
    // The broken file is left out and every other check runs on the rest:
    // schemas, links in the built HTML, images, descriptions, orphans.
    let other = "content/guides/points-to-broken.md";
    c.has("error", other, Some(2), "missing `description`");
    c.has("error", other, Some(9), "broken link `/kb/guides/gone/`");
    c.has("error", other, Some(11), "has no alt text");
    c.has("warning", other, Some(3), "the description is empty");
    c.has("warning", "content/lost.md", Some(2), "orphan page");
    assert_eq!(c.json["built"], false);
    // The link to the page that did not load is not an error: a note says
    // it was not checked.
    assert!(
        !c.diagnostics().iter().any(|d| d["message"]
            .as_str()
            .unwrap()
            .contains("@/guides/broken.md")),
        "{:#?}",
        c.diagnostics()
    );
    assert_eq!(c.count("error"), 4, "{:#?}", c.diagnostics());
    let notes: Vec<&str> = c.json["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n
            .ends_with("content/guides/broken.md: left out of the other checks: it did not load")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.ends_with(
            "content/guides/points-to-broken.md:9: the link `@/guides/broken.md` was not checked: its target did not load"
        )),
        "{notes:?}"
    );
}

#[test]
fn missing_image() {
    let c = check_case("missing-image");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/pictures.md",
        Some(11),
        "image `chart.png` not found: the site has no file /kb/guides/pictures/chart.png",
    );
    assert_eq!(
        c.count("error"),
        1,
        "reported once, not again as a broken source"
    );
}

#[test]
fn image_without_alt_text() {
    let c = check_case("image-without-alt");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/bundle/index.md",
        Some(9),
        "image `map.png` has no alt text",
    );
    assert_eq!(c.count("error"), 1);
}

#[test]
fn duplicate_title_is_a_warning() {
    let c = check_case("duplicate-title");
    assert_eq!(c.code, 0, "warnings only");
    c.has(
        "warning",
        "content/guides/laws.md",
        Some(2),
        "the title `Cybercrime laws` is also the title of",
    );
    assert_eq!(c.count("warning"), 1);
}

#[test]
fn orphan_page_is_a_warning() {
    let c = check_case("orphan");
    assert_eq!(c.code, 0);
    c.has(
        "warning",
        "content/lost.md",
        Some(2),
        "orphan page: no other page links to /kb/lost/",
    );
    assert_eq!(
        c.count("warning"),
        1,
        "pages listed by sections are not orphans"
    );
}

#[test]
fn empty_or_missing_description_is_a_warning() {
    let c = check_case("empty-description");
    assert_eq!(c.code, 0);
    c.has(
        "warning",
        "content/guides/_index.md",
        Some(3),
        "the description is empty",
    );
    c.has(
        "warning",
        "content/guides/quiet.md",
        Some(2),
        "no description",
    );
    assert_eq!(c.count("warning"), 2);
}

#[test]
fn links_written_as_paths_are_checked_in_the_built_html() {
    let c = check_case("broken-local-link");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/paths.md",
        Some(11),
        "`/kb/guides/nowhere/` leads to /kb/guides/nowhere/, which is not a file",
    );
    c.has(
        "error",
        "content/guides/paths.md",
        Some(11),
        "`../laws/#nope` leads to /kb/guides/laws/index.html, which has no anchor `#nope`",
    );
    c.has(
        "error",
        "content/guides/paths.md",
        Some(12),
        "`/guides/laws/` leads to `/guides/laws/` (outside the site",
    );
    assert_eq!(c.count("error"), 3, "the working links are not reported");
}

#[test]
fn a_broken_template_link_is_reported_once() {
    let c = check_case("broken-template-link");
    assert_eq!(c.code, 1);
    c.has("error", "", None, "`https://example.org/kb/contact/` leads to /kb/contact/, which is not a file of the site (on 3 pages");
    assert_eq!(c.count("error"), 1);
}

#[test]
fn external_links_are_listed_not_fetched() {
    let c = check_case("external-links");
    assert_eq!(c.code, 0);
    assert!(c.diagnostics().is_empty());
    let links = c.json["external_links"].as_array().unwrap();
    let urls: Vec<&str> = links.iter().map(|l| l["url"].as_str().unwrap()).collect();
    assert_eq!(
        urls,
        [
            "https://www.coe.int/en/web/cybercrime/the-budapest-convention",
            "https://www.itu.int/"
        ]
    );
    // Each use, with its line: the source in front matter, the link twice on one line.
    assert_eq!(links[0]["uses"][0]["line"], 10);
    assert_eq!(links[1]["uses"].as_array().unwrap().len(), 1);
    assert_eq!(links[1]["uses"][0]["line"], 13);
    assert!(
        links.iter().all(|l| l["status"].is_null()),
        "nothing fetched"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let c = check_case("many-problems");
    assert_eq!(c.code, 1);
    c.has(
        "error",
        "content/guides/links.md",
        Some(9),
        "broken internal link",
    );
    c.has(
        "error",
        "content/guides/pictures.md",
        Some(9),
        "image `chart.png` not found",
    );
    c.has(
        "error",
        "content/guides/pictures.md",
        Some(11),
        "has no alt text",
    );
    c.has(
        "warning",
        "content/guides/untitled.md",
        Some(2),
        "the title `Training` is also the title of",
    );
    // The site does not build (a broken `@/` link), yet the links in the
    // built HTML are checked too.
    c.has(
        "error",
        "content/guides/paths.md",
        Some(9),
        "broken link `/kb/guides/gone/`",
    );
    assert_eq!(c.json["built"], false);
    assert!(c.json["skipped"].as_array().unwrap().is_empty());
}

#[test]
fn text_output_is_like_a_compiler() {
    let dir = case("many-problems");
    let out = common::gca(&["check", "--root", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let root = dir.path().display().to_string();
    assert!(
        err.contains(&format!(
            "error: {root}/content/guides/links.md:9: broken internal link"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "warning: {root}/content/guides/untitled.md:2: the title"
        )),
        "{err}"
    );
    // Every check ran although the site does not build: no note of
    // checks left out.
    assert!(!err.contains("note:"), "{err}");
    assert!(
        err.contains(&format!(
            "error: {root}/content/guides/paths.md:9: broken link `/kb/guides/gone/`"
        )),
        "{err}"
    );
    assert!(
        err.trim_end()
            .ends_with("4 errors, 1 warning, 0 external links"),
        "{err}"
    );
    // Errors come first.
    let first_warning = err.find("warning:").unwrap();
    assert!(err.rfind("error:").unwrap() < first_warning, "{err}");

    let dir = case("duplicate-title");
    let out = common::gca(&["check", "--root", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "warnings only: success");
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 errors, 1 warning"));
}

#[test]
fn check_writes_nothing() {
    let dir = case("base");
    let before = common::tree(dir.path());
    let c = check(dir.path());
    assert_eq!(c.code, 0);
    assert_eq!(common::tree(dir.path()), before);
}

#[test]
fn a_failing_template_leaves_only_its_own_error() {
    // One page's template fails: its error is reported, and the page it
    // did not produce causes nothing more (no broken link from the section
    // listing, no missing anchor for a link into it, no orphan).
    let dir = case("base");
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "content/guides/failing.md",
        "+++\ntitle = \"Failing\"\ndescription = \"Its template fails.\"\ntemplate = \"failing.html\"\n\
         [taxonomies]\nwork_areas = [\"Legal Measures\"]\n+++\n\n## Part one\n\nText.\n",
    );
    write(
        "templates/failing.html",
        "<p>\n{{ page.no_such_field }}</p>\n",
    );
    write(
        "content/guides/points.md",
        "+++\ntitle = \"Points\"\ndescription = \"Links into the failing page.\"\n\
         [taxonomies]\nwork_areas = [\"Legal Measures\"]\n+++\n\nSee [part one](@/guides/failing.md#part-one).\n",
    );
    let c = check(dir.path());
    assert_eq!(c.code, 1);
    c.has("error", "templates/failing.html", Some(2), "");
    assert_eq!(c.count("error"), 1, "{:#?}", c.diagnostics());
    assert_eq!(c.count("warning"), 0, "{:#?}", c.diagnostics());
    assert_eq!(c.json["built"], false);
}

#[test]
fn the_gca_site_has_no_errors() {
    let out = common::gca(&[
        "check",
        "--format",
        "json",
        "--root",
        common::repo().join("site").to_str().unwrap(),
    ]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["errors"],
        0,
        "{}",
        serde_json::to_string_pretty(&json["diagnostics"]).unwrap()
    );
    assert_eq!(out.status.code(), Some(0));
}
