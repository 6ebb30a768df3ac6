//! `gca new page|section`: the front matter follows the section's schema,
//! the result builds once the author fills what only they can, existing
//! files are never overwritten, and paths cannot leave `content/`.

mod common;

use std::path::Path;

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixture("check").join("base"), dir.path());
    dir
}

fn new(root: &Path, kind: &str, path: &str) -> std::process::Output {
    common::gca(&["new", kind, path, "--root", root.to_str().unwrap()])
}

fn check_errors(root: &Path) -> (i32, String) {
    let out = common::gca(&["check", "--root", root.to_str().unwrap()]);
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_page_gets_the_front_matter_its_section_requires() {
    let dir = site();
    let root = dir.path();
    let out = new(root, "page", "guides/incident-response");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = root.join("content/guides/incident-response.md");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("+++\ntitle = \"Incident response\"\n"),
        "{text}"
    );
    assert!(text.contains("description = \"\""), "{text}");
    // Required taxonomy: the values the schema allows are listed, and it is
    // pre-filled from the section (which has none here: an empty list).
    assert!(
        text.contains(
            ": one or more of [\"Legal Measures\", \"Capacity Building\"]\nwork_areas = []"
        ),
        "{text}"
    );
    assert!(
        text.contains("# Optional: any values\n# types = []"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("follows the schema of"));

    // As written, the build names what the author must fill in.
    let (code, err) = check_errors(root);
    assert_eq!(code, 1);
    assert!(
        err.contains("incident-response.md:2: missing `description`"),
        "{err}"
    );
    assert!(err.contains("missing `taxonomies.work_areas`"), "{err}");

    // Filled in, it builds cleanly.
    let filled = text
        .replace(
            "description = \"\"",
            "description = \"How to respond to an incident.\"",
        )
        .replace("work_areas = []", "work_areas = [\"Capacity Building\"]");
    std::fs::write(&file, filled).unwrap();
    let (code, err) = check_errors(root);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 errors, 0 warnings"), "{err}");
}

#[test]
fn every_kind_of_required_field_is_written() {
    let dir = site();
    let root = dir.path();
    std::fs::create_dir_all(root.join("content/records")).unwrap();
    std::fs::write(
        root.join("content/records/_index.md"),
        "+++\ntitle = \"Records\"\ndescription = \"Dated records.\"\nsort_by = \"date\"\n\n[taxonomies]\nwork_areas = [\"Legal Measures\", \"International Cooperation\"]\n\n[schema]\nrequired = [\"description\", \"date\", \"updated\", \"weight\", \"sources\", \"aliases\", \"template\", \"taxonomies.work_areas\", \"extra.owner\"]\n[schema.taxonomies]\nwork_areas = [\"Legal Measures\", \"Capacity Building\"]\n+++\n",
    )
    .unwrap();
    // Into a folder that does not exist yet: still the records section.
    let out = new(root, "page", "records/2008/hleg-meeting");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(root.join("content/records/2008/hleg-meeting.md")).unwrap();
    let today = text
        .lines()
        .find_map(|l| l.strip_prefix("date = "))
        .expect("a date")
        .to_string();
    assert_eq!(today.len(), 10, "{today}");
    assert!(text.contains(&format!("updated = {today}")));
    assert!(text.contains("weight = 100"));
    assert!(text.contains("aliases = []"));
    assert!(text.contains("template = \"page.html\""));
    // A required taxonomy is an empty placeholder: the section's own
    // values that the schema allows are only suggested.
    assert!(
        text.contains(
            "one or more of [\"Legal Measures\", \"Capacity Building\"]\n\
             #   (the section above has [\"Legal Measures\"])\nwork_areas = []\n"
        ),
        "{text}"
    );
    assert!(text.contains("[extra]\n# Required by"), "{text}");
    assert!(text.contains("owner = \"\""));
    assert!(text.contains("# [[sources]]"));
    // It is valid front matter: the build's only complaints are the
    // fields left for the author, placeholders included.
    let (code, err) = check_errors(root);
    assert_eq!(code, 1);
    for field in [
        "description",
        "sources",
        "aliases",
        "taxonomies.work_areas",
        "extra.owner",
    ] {
        assert!(
            err.contains(&format!("missing `{field}`")),
            "{field}: {err}"
        );
    }
    assert!(!err.contains(": front matter:"), "{err}");
}

#[test]
fn a_section_is_created_with_its_index() {
    let dir = site();
    let root = dir.path();
    let out = new(root, "section", "guides/regional");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(root.join("content/guides/regional/_index.md")).unwrap();
    assert!(text.contains("title = \"Regional\""));
    assert!(text.contains("sort_by = \"weight\""));
    assert!(text.contains("# Pages here follow the schema of"), "{text}");
    assert!(
        text.contains("#   required = [\"description\", \"taxonomies.work_areas\"]"),
        "{text}"
    );
    let out = common::gca(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The GCA site and theme, copied.
fn gca_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::repo().join("site"), &dir.path().join("site"));
    common::copy_dir(&common::repo().join("themes"), &dir.path().join("themes"));
    dir
}

#[test]
fn a_section_and_a_page_of_the_gca_site_choose_no_values() {
    // The parent section claims every stakeholder group: a new section or
    // page must not. Both list the allowed values as choices; the section
    // (to which no schema applies) comments every taxonomy out, the page
    // gets an empty placeholder for the one its schema requires.
    let dir = gca_site();
    let root = dir.path().join("site");
    let out = new(&root, "section", "work-areas/legal-measures/cybercrime");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Its pages will follow the schema of"));
    let section = std::fs::read_to_string(
        root.join("content/work-areas/legal-measures/cybercrime/_index.md"),
    )
    .unwrap();
    let out = new(&root, "page", "work-areas/legal-measures/cybercrime-laws");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page =
        std::fs::read_to_string(root.join("content/work-areas/legal-measures/cybercrime-laws.md"))
            .unwrap();
    for (what, text) in [("section", &section), ("page", &page)] {
        let front = text.split("+++").nth(1).unwrap();
        let table: toml::Table = toml::from_str(front).unwrap_or_else(|e| panic!("{what}: {e}"));
        let taxonomies = table.get("taxonomies").and_then(|t| t.as_table());
        for name in ["work_areas", "stakeholders", "regions", "types"] {
            let set = taxonomies.and_then(|t| t.get(name));
            match (what, name) {
                ("page", "work_areas") => assert_eq!(
                    set.and_then(|v| v.as_array()).map(Vec::len),
                    Some(0),
                    "{what}: {name} is an empty placeholder:\n{text}"
                ),
                _ => assert!(set.is_none(), "{what}: {name} is set:\n{text}"),
            }
            assert!(
                text.contains(&format!("\n# {name} = []\n"))
                    || (what, name) == ("page", "work_areas"),
                "{what}: {name} is offered commented out:\n{text}"
            );
        }
        // The allowed values are listed as choices.
        assert!(
            text.contains("one or more of [\"Governments\", \"Industry\", \"International and regional organisations\", \"Research and academia\", \"Civil society\"]"),
            "{what}:\n{text}"
        );
    }
    // The section's suggestions come from its parent.
    assert!(
        section.contains("#   (the section above has [\"Legal Measures\"])\n# work_areas = []"),
        "{section}"
    );
    // gca check: the page's placeholders are errors until filled; the new
    // section has only its empty description to fill (a warning).
    let (code, err) = check_errors(&root);
    assert_eq!(code, 1, "{err}");
    for field in ["description", "sources", "taxonomies.work_areas"] {
        assert!(
            err.contains(&format!("cybercrime-laws.md:2: missing `{field}`")),
            "{field}: {err}"
        );
    }
    let section_problems: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("cybercrime/_index.md"))
        .collect();
    assert!(
        section_problems.len() == 1
            && section_problems[0].starts_with("warning:")
            && section_problems[0].contains("the description is empty"),
        "{err}"
    );
}

#[test]
fn never_overwrites() {
    let dir = site();
    let root = dir.path();
    let file = root.join("content/guides/laws.md");
    let before = std::fs::read(&file).unwrap();
    for path in ["guides/laws", "guides/laws.md"] {
        let out = new(root, "page", path);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("already exists; refusing to overwrite")
        );
    }
    assert_eq!(std::fs::read(&file).unwrap(), before);
    let section = root.join("content/guides/_index.md");
    let before = std::fs::read(&section).unwrap();
    let out = new(root, "section", "guides");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists; refusing to overwrite"));
    assert_eq!(std::fs::read(&section).unwrap(), before);
}

#[test]
fn paths_cannot_leave_content() {
    let dir = site();
    let root = dir.path();
    let outside = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), root.join("content/elsewhere")).unwrap();
    let before = common::tree(root);
    for path in [
        "../escape",
        "guides/../../escape",
        "/tmp/escape",
        "guides\\escape",
        ".hidden/page",
        "",
        "_index",
        "guides/_index",
        "https://example.org/x",
        #[cfg(unix)]
        "elsewhere/page",
    ] {
        let out = new(root, "page", path);
        assert_eq!(out.status.code(), Some(1), "{path}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("refusing to create"), "{path}: {err}");
    }
    let out = new(root, "section", "../escape");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(common::tree(root), before, "nothing was written");
    assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none());
}
