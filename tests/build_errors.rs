//! Bad input: each case gives an error naming the file and line, exit 1,
//! no panic, and leaves no output.

mod common;

use common::*;

fn fails(files: &[(&str, &str)], file_and_line: &str, message: &str) {
    let site = small_site(files);
    let out = site.path().join("public");
    let o = build(site.path(), &out);
    assert_fails_at(&o, file_and_line, message);
    assert!(!out.exists(), "a failed first build must write nothing");
}

#[test]
fn the_small_site_builds() {
    let site = small_site(&[("content/a.md", "+++\ntitle = \"A\"\n+++\nText.\n")]);
    let o = build(site.path(), &site.path().join("public"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn malformed_toml() {
    fails(
        &[(
            "content/a.md",
            "+++\ntitle = \"A\"\ndate = 2008-13-45\n+++\n",
        )],
        "a.md:3",
        "front matter",
    );
    fails(
        &[("content/b.md", "+++\ntitle = \"unclosed\n+++\n")],
        "b.md:2",
        "front matter",
    );
}

#[test]
fn malformed_yaml() {
    fails(
        &[("content/a.md", "---\ntitle: A\n  bad: [indent\n---\n")],
        "a.md:",
        "front matter",
    );
    fails(
        &[("content/b.md", "---\ntitle: A\nweight: heavy\n---\n")],
        "b.md:3",
        "front matter",
    );
}

#[test]
fn unterminated_front_matter() {
    fails(
        &[("content/a.md", "+++\ntitle = \"A\"\n\nNo end.\n")],
        "a.md:1",
        "never closed",
    );
}

#[test]
fn unknown_field() {
    fails(
        &[("content/a.md", "+++\ntitle = \"A\"\nauthor = \"X\"\n+++\n")],
        "a.md:3",
        "author",
    );
}

#[test]
fn unknown_taxonomy() {
    fails(
        &[(
            "content/a.md",
            "+++\ntitle = \"A\"\n[taxonomies]\nregions = [\"Africa\"]\n+++\n",
        )],
        "a.md:",
        "unknown taxonomy `regions`",
    );
}

#[test]
fn schema_is_enforced() {
    fails(
        &[
            (
                "content/s/_index.md",
                "+++\ntitle = \"S\"\n[schema]\nrequired = [\"description\", \"taxonomies.work_areas\"]\n[schema.taxonomies]\nwork_areas = [\"Legal Measures\"]\n+++\n",
            ),
            ("content/s/a.md", "+++\ntitle = \"A\"\n+++\n"),
        ],
        "a.md:2",
        "missing `description`",
    );
    fails(
        &[
            (
                "content/s/_index.md",
                "+++\ntitle = \"S\"\n[schema.taxonomies]\nwork_areas = [\"Legal Measures\"]\n+++\n",
            ),
            (
                "content/s/a.md",
                "+++\ntitle = \"A\"\n[taxonomies]\nwork_areas = [\"Cooking\"]\n+++\n",
            ),
        ],
        "a.md:",
        "`Cooking` is not allowed",
    );
}

#[test]
fn broken_internal_link() {
    fails(
        &[(
            "content/a.md",
            "+++\ntitle = \"A\"\n+++\n\nSee [b](@/b.md).\n",
        )],
        "a.md:5",
        "broken internal link `@/b.md`",
    );
}

#[test]
fn broken_anchor() {
    fails(
        &[
            (
                "content/a.md",
                "+++\ntitle = \"A\"\n+++\n\nSee [b](@/b.md#nope).\n",
            ),
            ("content/b.md", "+++\ntitle = \"B\"\n+++\n## Yes\n"),
        ],
        "a.md:5",
        "no anchor `#nope`",
    );
}

#[test]
fn missing_template() {
    // Named where the page chose it: the `template` line.
    fails(
        &[(
            "content/a.md",
            "+++\ntitle = \"A\"\n\ntemplate = \"nope.html\"\n+++\n",
        )],
        "content/a.md:4: missing template `nope.html` for page a.md",
        "help: no templates/nope.html in the site or the theme: add it, or set `template`",
    );
    // A section's `page_template`, at its line in the section.
    fails(
        &[
            (
                "content/docs/_index.md",
                "+++\ntitle = \"Docs\"\npage_template = \"doc.html\"\n+++\n",
            ),
            ("content/docs/a.md", "+++\ntitle = \"A\"\n+++\n"),
        ],
        "content/docs/_index.md:3: missing template `doc.html` for page docs/a.md",
        "set `page_template` to an existing template",
    );
    // A missing parent or include: the template's file and line.
    fails(
        &[(
            "templates/page.html",
            "{# layout #}\n{% extends \"base.html\" %}\n",
        )],
        "templates/page.html:2: template: `page.html` extends `base.html`, which does not exist",
        "help: add templates/base.html to the site or the theme",
    );
    fails(
        &[(
            "templates/page.html",
            "<h1>{{ page.title }}</h1>\n\n{% include \"nav.html\" %}\n",
        )],
        "templates/page.html:3:12: template: Unknown template `nav.html`",
        "help: add templates/nav.html to the site or the theme",
    );
}

#[test]
fn template_syntax_error() {
    fails(
        &[("templates/page.html", "<h1>{{ page.title </h1>\n")],
        "page.html:1",
        "template",
    );
}

#[test]
fn template_undefined_variable() {
    fails(
        &[
            ("templates/page.html", "<h1>\n{{ page.titel }}</h1>\n"),
            ("content/a.md", "+++\ntitle = \"A\"\n+++\n"),
        ],
        "page.html:2",
        "titel",
    );
}

#[test]
fn invalid_utf8() {
    let site = small_site(&[]);
    std::fs::write(
        site.path().join("content/bad.md"),
        b"+++\ntitle = \"A\"\n+++\n\xff\xfe\n",
    )
    .unwrap();
    let o = build(site.path(), &site.path().join("public"));
    assert_fails_at(&o, "bad.md:4", "not valid UTF-8");
}

#[test]
fn slug_escaping_the_site() {
    fails(
        &[(
            "content/a.md",
            "+++\ntitle = \"A\"\nslug = \"../../etc\"\n+++\n",
        )],
        "a.md:3",
        "refused",
    );
    fails(
        &[(
            "content/b.md",
            "+++\ntitle = \"B\"\npath = \"/../x\"\n+++\n",
        )],
        "b.md:3",
        "refused",
    );
}

#[test]
fn two_pages_one_url() {
    fails(
        &[
            ("content/a.md", "+++\ntitle = \"A\"\n+++\n"),
            ("content/b.md", "+++\ntitle = \"B\"\npath = \"a\"\n+++\n"),
        ],
        "b.md:3",
        "two pages claim the URL `/a/`",
    );
    // The error points at the `slug` or `path` that makes the clash, in
    // whichever of the two files it is.
    fails(
        &[
            ("content/a.md", "+++\ntitle = \"A\"\n\nslug = \"b\"\n+++\n"),
            ("content/b.md", "+++\ntitle = \"B\"\n+++\n"),
        ],
        "a.md:4",
        "two pages claim the URL `/b/`",
    );
}

#[test]
fn unknown_shortcode() {
    fails(
        &[(
            "content/a.md",
            "+++\ntitle = \"A\"\n+++\n\n{{ nothing(x=1) }}\n",
        )],
        "a.md:5",
        "unknown shortcode `nothing`",
    );
}

#[test]
fn load_data_outside_the_site() {
    fails(
        &[(
            "templates/index.html",
            "{% set x = load_data(path=\"../../etc/passwd\") %}",
        )],
        "index.html:1",
        "outside the site",
    );
}

#[test]
fn missing_config() {
    let dir = tempfile::tempdir().unwrap();
    let o = build(dir.path(), &dir.path().join("public"));
    assert_fails_at(&o, "config.toml", "cannot read the site configuration");
}

#[test]
fn output_cannot_be_the_site() {
    let site = small_site(&[]);
    let o = build(site.path(), site.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("refusing to build into"));
    let o = build(site.path(), &site.path().join("content/out"));
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn all_errors_are_reported_at_once() {
    let site = small_site(&[
        ("content/a.md", "+++\ntitle = \"A\"\nfoo = 1\n+++\n"),
        ("content/b.md", "+++\ntitle = \"B\"\nbar = 1\n+++\n"),
    ]);
    let o = build(site.path(), &site.path().join("public"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("a.md:3") && stderr.contains("b.md:3"),
        "{stderr}"
    );
    assert!(stderr.contains("2 errors"));
}

/// Runs `gca build` of `site` under a pseudo-terminal with `script`
/// (util-linux), so that its stderr is a terminal; returns what the
/// terminal showed.
fn build_on_a_terminal(site: &std::path::Path, no_color: Option<&str>) -> String {
    let quote =
        |p: &std::path::Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
    let command = format!(
        "{} build --root {} --output {}",
        quote(std::path::Path::new(env!("CARGO_BIN_EXE_gca"))),
        quote(site),
        quote(&site.join("public"))
    );
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-q", "-e", "-c", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null());
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    let o = cmd.output().unwrap_or_else(|e| {
        panic!("this test runs gca under `script` (util-linux, in Debian's bsdutils): {e}")
    });
    assert_eq!(o.status.code(), Some(1), "the build fails: {o:?}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn errors_are_coloured_only_on_a_terminal() {
    let site = small_site(&[(
        "content/a.md",
        "+++\ntitle = \"A\"\ntemplate = \"nope.html\"\n+++\n",
    )]);
    let terminal = build_on_a_terminal(site.path(), None);
    assert!(
        terminal.contains("\u{1b}[1;31merror\u{1b}[0m: "),
        "a red `error` on a terminal: {terminal:?}"
    );
    assert!(
        terminal.contains("missing template `nope.html`"),
        "{terminal:?}"
    );
    let no_color = build_on_a_terminal(site.path(), Some("1"));
    assert!(no_color.contains("error: "), "{no_color:?}");
    assert!(!no_color.contains('\u{1b}'), "NO_COLOR: {no_color:?}");
    // Through a pipe, without NO_COLOR: plain text.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_gca"))
        .args(["build", "--root"])
        .arg(site.path())
        .arg("--output")
        .arg(site.path().join("public"))
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let piped = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(piped.starts_with("error: "), "{piped:?}");
    assert!(
        !piped.contains('\u{1b}'),
        "no colour through a pipe: {piped:?}"
    );
}
