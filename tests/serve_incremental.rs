//! The rebuild property of `gca serve`: after any sequence of edits,
//! creates, renames and deletes, the output a [`Session`] serves equals a
//! clean build of the same files, byte for byte, and the paths a rebuild
//! reports as changed are exactly the ones whose bytes differ.
//!
//! Sequences are random but seeded, so a failure names its seed and
//! replays exactly.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gca::site::writer::MemorySink;
use gca::site::{Session, Site};

const BASE_URL: &str = "http://127.0.0.1:1111/";
const SEQUENCES: u64 = 20;
const OPERATIONS: usize = 10;

/// SplitMix64: a small, well-known generator, good enough to pick edits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn word(&mut self) -> String {
        const WORDS: [&str; 8] = [
            "cyber",
            "resilience",
            "treaty",
            "incident",
            "capacity",
            "Geneva",
            "réseau",
            "law",
        ];
        format!("{}{}", self.pick(&WORDS), self.below(1000))
    }
}

type Output = BTreeMap<String, Vec<u8>>;

/// A clean build of `root`, in memory; `None` when it fails.
fn clean_build(root: &Path) -> Option<Output> {
    let mut site = Site::load(root, Some(BASE_URL), false).ok()?;
    let sink = MemorySink::default();
    site.render(&sink).ok()?;
    Some(
        sink.files
            .into_inner()
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k, v.to_vec()))
            .collect(),
    )
}

fn served(session: &Session) -> Output {
    let output = session.output();
    let output = output.read().unwrap();
    output
        .iter()
        .map(|(k, v)| (k.clone(), v.to_vec()))
        .collect()
}

fn diff(a: &Output, b: &Output) -> Vec<String> {
    let mut d: Vec<String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .chain(b.keys().filter(|k| !a.contains_key(*k)).cloned())
        .collect();
    d.sort();
    d.dedup();
    d
}

/// Markdown pages that may be renamed or deleted without breaking a link
/// (relative to `content/`); generated pages are added as they are made.
fn movable(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let content = root.join("content");
    let mut stack = vec![content.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(&content)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let linked = rel == "docs/guide.md" || rel.ends_with("_index.md");
            if rel.ends_with(".md") && !linked && !rel.ends_with("index.md") {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

fn markdown_files(root: &Path) -> Vec<String> {
    let mut all = movable(root);
    all.push("docs/guide.md".into());
    for s in ["_index.md", "news/_index.md", "docs/_index.md"] {
        all.push(s.into());
    }
    all.sort();
    all
}

/// A new page for `dir` that satisfies the fixture's schemas.
fn new_page(rng: &mut Rng, dir: &str) -> String {
    let areas = ["Legal Measures", "Capacity Building"];
    let area = rng.pick(&areas);
    let date = format!(
        "20{:02}-{:02}-{:02}",
        10 + rng.below(15),
        1 + rng.below(12),
        1 + rng.below(28)
    );
    let link = if rng.below(2) == 0 {
        "\n\nSee the [guide](@/docs/guide.md#my-anchor)."
    } else {
        ""
    };
    let _ = dir;
    format!(
        "+++\ntitle = \"{}\"\ndescription = \"About {}\"\ndate = {date}\nweight = {}\n\n[taxonomies]\nwork_areas = [\"{area}\"]\ntypes = [\"{}\"]\n+++\n\n## {}\n\nBody {}.{link}\n",
        rng.word(),
        rng.word(),
        rng.below(20),
        rng.pick(&["meeting", "guide", "note"]),
        rng.word(),
        rng.word(),
    )
}

/// Applies one random change; returns the changed paths and a label.
fn apply(rng: &mut Rng, root: &Path, counter: &mut usize) -> (Vec<PathBuf>, String) {
    let content = root.join("content");
    match rng.below(11) {
        0 | 1 => {
            // Edit a body.
            let rel = rng.pick(&markdown_files(root)).clone();
            let p = content.join(&rel);
            let mut text = std::fs::read_to_string(&p).unwrap();
            text.push_str(&format!("\n\nAdded {}.\n", rng.word()));
            std::fs::write(&p, text).unwrap();
            (vec![p], format!("edit body of {rel}"))
        }
        2 => {
            // Edit a title in front matter.
            let rel = rng.pick(&markdown_files(root)).clone();
            let p = content.join(&rel);
            let text = std::fs::read_to_string(&p).unwrap();
            let new_title = format!("title = \"{}\"", rng.word());
            let text = match text.lines().find(|l| l.starts_with("title = ")) {
                Some(l) => text.replacen(l, &new_title, 1),
                None => text.replacen("+++\n", &format!("+++\n{new_title}\n"), 1),
            };
            std::fs::write(&p, text).unwrap();
            (vec![p], format!("retitle {rel}"))
        }
        3 | 4 => {
            // Create a page.
            *counter += 1;
            let dir = rng.pick(&["news", "docs", "docs/advanced", ""]).to_string();
            let name = format!("gen-{counter}.md");
            let rel = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            let p = content.join(&rel);
            std::fs::write(&p, new_page(rng, &dir)).unwrap();
            (vec![p], format!("create {rel}"))
        }
        5 => {
            // Rename a page, maybe into another section.
            let list = movable(root);
            if list.is_empty() {
                return (Vec::new(), "nothing to rename".into());
            }
            let rel = rng.pick(&list).clone();
            *counter += 1;
            let dir = rng.pick(&["news", "docs", ""]).to_string();
            let name = format!("moved-{counter}.md");
            let to_rel = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            let (from, to) = (content.join(&rel), content.join(&to_rel));
            // Pages moved into news must follow its schema.
            if dir == "news" {
                std::fs::write(&from, new_page(rng, &dir)).unwrap();
            }
            std::fs::rename(&from, &to).unwrap();
            (vec![from, to], format!("rename {rel} to {to_rel}"))
        }
        6 => {
            // Delete a page.
            let list = movable(root);
            if list.is_empty() {
                return (Vec::new(), "nothing to delete".into());
            }
            let rel = rng.pick(&list).clone();
            let p = content.join(&rel);
            std::fs::remove_file(&p).unwrap();
            (vec![p], format!("delete {rel}"))
        }
        7 => {
            // Edit a template.
            let name = rng
                .pick(&[
                    "page.html",
                    "section.html",
                    "base.html",
                    "taxonomy_single.html",
                ])
                .to_string();
            let p = root.join("templates").join(&name);
            let text = std::fs::read_to_string(&p).unwrap();
            let marker = format!("<!-- {} -->", rng.word());
            let text = if text.contains("{% extends") {
                text.replacen(
                    "{% endblock content %}",
                    &format!("{marker}{{% endblock content %}}"),
                    1,
                )
            } else {
                format!("{text}{marker}")
            };
            std::fs::write(&p, text).unwrap();
            (vec![p], format!("edit template {name}"))
        }
        8 => {
            // Edit a static file and a data file.
            let css = root.join("static/css/style.css");
            let mut text = std::fs::read_to_string(&css).unwrap();
            text.push_str(&format!("\n.x{} {{ color: red; }}\n", rng.below(1000)));
            std::fs::write(&css, text).unwrap();
            let csv = root.join("data/items.csv");
            let mut text = std::fs::read_to_string(&csv).unwrap();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&format!("{},{}\n", rng.word(), rng.below(100)));
            std::fs::write(&csv, text).unwrap();
            (vec![css, csv], "edit static and data files".into())
        }
        9 => {
            // Edit the config.
            let p = root.join("config.toml");
            let text = std::fs::read_to_string(&p).unwrap();
            let line = text
                .lines()
                .find(|l| l.starts_with("description = "))
                .unwrap();
            let text = text.replacen(line, &format!("description = \"{}\"", rng.word()), 1);
            std::fs::write(&p, text).unwrap();
            (vec![p], "edit config description".into())
        }
        _ => {
            // Break a page's front matter (fixed by the caller afterwards).
            let rel = rng.pick(&markdown_files(root)).clone();
            let p = content.join(&rel);
            let text = std::fs::read_to_string(&p).unwrap();
            std::fs::write(p.with_extension("md.orig"), &text).unwrap();
            std::fs::write(&p, text.replacen("+++\n", "+++\nweight = \"heavy\n", 1)).unwrap();
            // The backup is a file in content/ too, and the watcher reports it.
            let backup = p.with_extension("md.orig");
            (vec![p, backup], format!("break {rel}"))
        }
    }
}

#[test]
fn rebuilds_equal_clean_builds() {
    let (mut compared, mut failed, mut incremental) = (0, 0, 0);
    for seed in 0..SEQUENCES {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        common::copy_dir(&common::fixture("basic"), &root);
        let mut session = Session::new(root.clone(), Some(BASE_URL.into()), false);
        session.rebuild(&[]).expect("the fixture builds");
        let mut expected = clean_build(&root).expect("the fixture builds");
        assert_eq!(served(&session), expected, "seed {seed}: first build");

        let mut rng = Rng(seed * 7919 + 1);
        let mut counter = 0;
        let mut log = Vec::new();
        for step in 0..OPERATIONS {
            let (changed, what) = apply(&mut rng, &root, &mut counter);
            log.push(what.clone());
            let ctx = || format!("seed {seed}, step {step}: {}", log.join("; "));
            let clean = clean_build(&root);
            let result = session.rebuild(&changed);
            match (&clean, &result) {
                (Some(clean), Ok(rebuild)) => {
                    assert!(
                        served(&session) == *clean,
                        "{}: output differs from a clean build in {:?}",
                        ctx(),
                        diff(&served(&session), clean)
                    );
                    assert_eq!(
                        rebuild.changed,
                        diff(&expected, clean),
                        "{}: reported changes",
                        ctx()
                    );
                    expected = clean.clone();
                    compared += 1;
                    if !rebuild.full {
                        incremental += 1;
                    }
                }
                (None, Err(_)) => {
                    // Still the last good output.
                    assert!(
                        served(&session) == expected,
                        "{}: a failed rebuild changed the output",
                        ctx()
                    );
                    failed += 1;
                }
                (Some(_), Err(e)) => {
                    panic!("{}: rebuild failed but a clean build succeeds: {e}", ctx())
                }
                (None, Ok(_)) => panic!("{}: rebuild succeeded but a clean build fails", ctx()),
            }
            // Undo a deliberate break, as a maintainer would.
            if what.starts_with("break ") {
                let p = &changed[0];
                let orig = p.with_extension("md.orig");
                std::fs::rename(&orig, p).unwrap();
                let clean = clean_build(&root).expect("fixed");
                let rebuild = session.rebuild(&[p.clone(), orig.clone()]).expect("fixed");
                assert!(served(&session) == clean, "{}: after the fix", ctx());
                assert_eq!(
                    rebuild.changed,
                    diff(&expected, &clean),
                    "{}: changes after the fix",
                    ctx()
                );
                expected = clean;
            }
        }

        // The served output also equals what the command writes to disk.
        let out = dir.path().join("public");
        let o = common::gca(&[
            "build",
            "--root",
            root.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "--base-url",
            BASE_URL,
        ]);
        assert!(
            o.status.success(),
            "seed {seed}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            common::tree(&out) == served(&session),
            "seed {seed}: disk build differs: {}",
            log.join("; ")
        );
    }
    // The sequences must mostly build, or they would prove little.
    let total = (SEQUENCES as usize) * OPERATIONS;
    eprintln!(
        "{compared} of {total} steps compared with a clean build, {failed} failed as expected"
    );
    assert!(
        compared * 10 >= total * 7,
        "only {compared} of {total} steps built"
    );
    assert!(failed > 0, "no step exercised a failed rebuild");
    assert!(
        incremental >= 10,
        "only {incremental} steps took the incremental path"
    );
}

/// A template's new text renders again only the outputs made with it, or
/// with a template that extends or includes it, and gives what a clean
/// build gives.
#[test]
fn a_template_edit_renders_again_only_what_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    common::copy_dir(&common::fixture("basic"), &root);
    // A partial included by the page template only.
    let partial = root.join("templates/partials/note.html");
    std::fs::create_dir_all(partial.parent().unwrap()).unwrap();
    std::fs::write(&partial, "<p class=\"note\">first</p>").unwrap();
    let page = root.join("templates/page.html");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        text.replacen(
            "{% endblock content %}",
            "{% include \"partials/note.html\" %}{% endblock content %}",
            1,
        ),
    )
    .unwrap();
    let mut session = Session::new(root.clone(), Some(BASE_URL.into()), false);
    session.rebuild(&[]).expect("the fixture builds");
    let before = served(&session);
    let pages_with_note: Vec<String> = before
        .iter()
        .filter(|(_, v)| String::from_utf8_lossy(v).contains("class=\"note\""))
        .map(|(k, _)| k.clone())
        .collect();
    assert!(pages_with_note.len() > 3, "{pages_with_note:?}");

    let cases: [(&Path, &str, &str); 2] = [
        (&partial, "first", "second"),
        (
            &root.join("templates/taxonomy_single.html"),
            "</",
            "<i>edited</i></",
        ),
    ];
    for (file, from, to) in cases {
        let text = std::fs::read_to_string(file).unwrap();
        std::fs::write(file, text.replacen(from, to, 1)).unwrap();
        let old = served(&session);
        let rebuild = session.rebuild(&[file.to_path_buf()]).expect("rebuilds");
        assert!(!rebuild.full, "{}: rebuilt everything", file.display());
        let clean = clean_build(&root).expect("builds");
        assert!(
            served(&session) == clean,
            "{}: differs from a clean build",
            file.display()
        );
        assert_eq!(rebuild.changed, diff(&old, &clean), "{}", file.display());
        assert!(
            !rebuild.changed.is_empty(),
            "{}: nothing changed",
            file.display()
        );
        if file == partial.as_path() {
            assert_eq!(
                rebuild.changed, pages_with_note,
                "only the pages that include it"
            );
        } else {
            assert!(
                rebuild.changed.iter().all(|p| !pages_with_note.contains(p)),
                "a term template changed pages: {:?}",
                rebuild.changed
            );
        }
    }

    // A template that breaks shows its error, and the last good site stays.
    let old = served(&session);
    std::fs::write(&partial, "{% if %}").unwrap();
    assert!(session.rebuild(std::slice::from_ref(&partial)).is_err());
    assert!(served(&session) == old);
    std::fs::write(&partial, "<p class=\"note\">third</p>").unwrap();
    session
        .rebuild(std::slice::from_ref(&partial))
        .expect("fixed");
    assert!(served(&session) == clean_build(&root).unwrap());
}
