//! Tera templates: the theme's, overridable file by file by the site's, with
//! gca's global functions and filters.

pub mod filters;
pub mod functions;
pub mod i18n;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Diagnostic, Diagnostics};

pub use functions::{SharedSiteData, SiteData};
pub use i18n::Strings;

/// One template file, read at load time.
#[derive(Debug, Clone)]
pub struct TemplateSource {
    /// Name templates use to refer to it: `page.html`, `shortcodes/figure.html`.
    pub name: String,
    /// Its text.
    pub text: String,
    /// Where it was read from.
    pub path: PathBuf,
}

/// Reads the theme's templates, then the site's (which replace the theme's
/// of the same name).
pub fn read_sources(
    theme_dir: Option<&Path>,
    site_dir: &Path,
    diags: &mut Diagnostics,
) -> Vec<TemplateSource> {
    let mut by_name: BTreeMap<String, TemplateSource> = BTreeMap::new();
    for dir in theme_dir
        .map(|t| t.join("templates"))
        .into_iter()
        .chain([site_dir.join("templates")])
    {
        if !dir.is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&dir)
            .sort_by_file_name()
            .follow_links(false)
        {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    diags.push(
                        Diagnostic::error(format!("cannot read templates: {e}")).in_file(&dir),
                    );
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let name = match entry.path().strip_prefix(&dir) {
                Ok(r) => r.to_string_lossy().replace('\\', "/"),
                Err(_) => continue,
            };
            if name.split('/').any(crate::content::is_ignored_name) {
                continue;
            }
            match std::fs::read(entry.path()) {
                Ok(bytes) => match crate::content::decode_text(&bytes, entry.path()) {
                    Ok(text) => {
                        by_name.insert(
                            name.clone(),
                            TemplateSource {
                                name,
                                text,
                                path: entry.path().to_path_buf(),
                            },
                        );
                    }
                    Err(d) => diags.push(d),
                },
                Err(e) => diags.push(
                    Diagnostic::error(format!("cannot read this template: {e}"))
                        .in_file(entry.path())
                        .help("check the file's permissions"),
                ),
            }
        }
    }
    by_name.into_values().collect()
}

/// Most bytes one rendered output may have.
pub const MAX_OUTPUT_BYTES: usize = 64 * 1024 * 1024;

/// Longest one output may take to render (checked as it is written).
pub const RENDER_DEADLINE: Duration = Duration::from_secs(60);

/// Collects a render's output and stops it past a size or a deadline.
struct Bounded {
    bytes: Vec<u8>,
    max_bytes: usize,
    deadline: Instant,
    stopped: Option<String>,
    /// Writes since the clock was last read: reading it on every write
    /// (a write per value a loop prints) cost a tenth of rendering a long
    /// listing.
    unchecked: u32,
}

/// Writes between two looks at the clock.
const WRITES_PER_CLOCK_CHECK: u32 = 256;

impl Bounded {
    fn clock_says_stop(&mut self) -> bool {
        self.unchecked += 1;
        if self.unchecked < WRITES_PER_CLOCK_CHECK {
            return false;
        }
        self.unchecked = 0;
        Instant::now() > self.deadline
    }
}

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.max_bytes {
            self.stopped = Some(format!(
                "its output passed {} MiB",
                self.max_bytes / (1024 * 1024)
            ));
        } else if self.clock_says_stop() {
            self.stopped = Some("it took too long".into());
        } else {
            self.bytes.extend_from_slice(buf);
            return Ok(buf.len());
        }
        Err(std::io::Error::other("render budget exceeded"))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Compiled templates plus what is needed to report errors against files.
pub struct Templates {
    /// The Tera instance.
    pub tera: tera::Tera,
    paths: BTreeMap<String, PathBuf>,
    /// Each template's text, to find the line of a tag (`extends`, or an
    /// `include` that loops).
    texts: BTreeMap<String, String>,
}

impl Templates {
    /// Compiles every template with gca's functions and filters registered;
    /// `trans` reads `strings`, falling back to `default_lang`.
    pub fn new(
        sources: &[TemplateSource],
        data: SharedSiteData,
        locales: filters::Locales,
        strings: std::sync::Arc<Strings>,
        default_lang: &str,
    ) -> Result<Templates, Vec<Diagnostic>> {
        let mut tera = tera::Tera::new();
        tera.autoescape_on([".html", ".xml", ".htm"]);
        filters::register(&mut tera, std::sync::Arc::new(locales));
        functions::register(&mut tera, data);
        i18n::register(&mut tera, strings, default_lang.to_string());
        let paths = sources
            .iter()
            .map(|s| (s.name.clone(), s.path.clone()))
            .collect();
        let texts = sources
            .iter()
            .map(|s| (s.name.clone(), s.text.clone()))
            .collect();
        let mut t = Templates { tera, paths, texts };
        if let Err(e) = t
            .tera
            .add_raw_templates(sources.iter().map(|s| (s.name.as_str(), s.text.as_str())))
        {
            return Err(t.load_diagnostics(&e));
        }
        Ok(t)
    }

    /// True when a template of this name exists.
    pub fn has(&self, name: &str) -> bool {
        self.tera.contains_template(name)
    }

    /// Renders template `name`. `what` says what was being rendered, for
    /// the message. A render is stopped when its output passes
    /// [`MAX_OUTPUT_BYTES`] or it takes longer than [`RENDER_DEADLINE`].
    pub fn render(
        &self,
        name: &str,
        ctx: &tera::Context,
        what: &str,
    ) -> Result<String, Diagnostic> {
        self.render_within(name, ctx, what, MAX_OUTPUT_BYTES, RENDER_DEADLINE)
    }

    fn render_within(
        &self,
        name: &str,
        ctx: &tera::Context,
        what: &str,
        max_bytes: usize,
        deadline: Duration,
    ) -> Result<String, Diagnostic> {
        functions::reset_range_budget();
        let mut out = Bounded {
            bytes: Vec::new(),
            max_bytes,
            deadline: Instant::now() + deadline,
            stopped: None,
            unchecked: 0,
        };
        match self.tera.render_to(name, ctx, &mut out) {
            Ok(()) => String::from_utf8(out.bytes)
                .map_err(|_| Diagnostic::error(format!("template `{name}` wrote invalid UTF-8"))),
            Err(e) => Err(match out.stopped {
                Some(why) => {
                    let mut d = Diagnostic::error(format!(
                        "template: rendering {what} was stopped: {why}"
                    ))
                    .help("a template must stay bounded: look for nested loops, large ranges or includes that repeat");
                    d = match self.paths.get(name) {
                        Some(p) => d.in_file(p),
                        None => d.in_file(format!("templates/{name}")),
                    };
                    d
                }
                None => self.diagnostic(&e, Some((name, what))),
            }),
        }
    }

    /// The diagnostics of a failed load: Tera reports unknown includes,
    /// filters and functions all at once as one message of several reports,
    /// each with its `--> name:line:column`; each becomes a diagnostic on
    /// its file and line.
    fn load_diagnostics(&self, e: &tera::Error) -> Vec<Diagnostic> {
        if let tera::ErrorKind::MissingParent { current, parent } = e.kind() {
            let line = self
                .texts
                .get(current)
                .and_then(|text| extends_line(text, parent));
            let mut d = Diagnostic::error(format!(
                "template: `{current}` extends `{parent}`, which does not exist"
            ))
            .help(format!(
                "add templates/{parent} to the site or the theme, or fix the name in `{{% extends %}}`"
            ));
            d = self.in_template(d, current);
            if let Some(l) = line {
                d = d.at_line(l);
            }
            return vec![d];
        }
        if let tera::ErrorKind::Msg(text) = e.kind() {
            let reports = parse_reports(text);
            if !reports.is_empty() {
                return reports
                    .into_iter()
                    .map(|r| {
                        let help = match r.message.strip_prefix("Unknown template ") {
                            Some(name) => format!(
                                "add templates/{} to the site or the theme, or fix the name in `{{% include %}}`",
                                name.trim_matches('`')
                            ),
                            None => "fix the template: docs/templates.md lists gca's functions and filters".to_string(),
                        };
                        self.in_template(
                            Diagnostic::error(format!("template: {}", r.message)),
                            &r.name,
                        )
                        .at(r.line, r.column)
                        .help(help)
                    })
                    .collect();
            }
        }
        vec![self.diagnostic(e, None)]
    }

    /// Sets the diagnostic's file to the template's.
    fn in_template(&self, d: Diagnostic, name: &str) -> Diagnostic {
        match self.paths.get(name) {
            Some(p) => d.in_file(p),
            None => d.in_file(format!("templates/{name}")),
        }
    }

    /// Turns a Tera error into a diagnostic on the template file and line.
    pub fn diagnostic(&self, e: &tera::Error, rendering: Option<(&str, &str)>) -> Diagnostic {
        let mut message = String::new();
        let mut file = None;
        let mut line = None;
        match e.kind() {
            tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
                message.push_str(r.message());
                file = Some(r.filename().to_string());
                line = Some(r.span().start_line);
            }
            tera::ErrorKind::CircularInclude { tpl, include_chain } => {
                message.push_str(&e.kind().to_string());
                file = Some(tpl.clone());
                // The chain runs from `tpl` back to it: its second entry is
                // what `tpl` includes.
                let next = include_chain.get(1).map(String::as_str);
                line = self
                    .texts
                    .get(tpl)
                    .and_then(|text| tag_line(text, "include", next));
            }
            tera::ErrorKind::CircularExtend { tpl, .. } => {
                message.push_str(&e.kind().to_string());
                file = Some(tpl.clone());
                line = self
                    .texts
                    .get(tpl)
                    .and_then(|text| tag_line(text, "extends", None));
            }
            other => message.push_str(&other.to_string()),
        }
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            let text = s.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(text.lines().next().unwrap_or(""));
            }
            source = s.source();
        }
        let circular = matches!(
            e.kind(),
            tera::ErrorKind::CircularInclude { .. } | tera::ErrorKind::CircularExtend { .. }
        );
        let help = match rendering {
            _ if circular => {
                "a template includes or extends itself, directly or through others; break the loop"
                    .to_string()
            }
            Some((_, what)) => {
                format!("while rendering {what}; fix the template or the value it uses")
            }
            None => "fix the template's syntax; see the Tera 2 documentation".to_string(),
        };
        let name = file.or_else(|| rendering.map(|(n, _)| n.to_string()));
        let mut d = Diagnostic::error(format!("template: {message}")).help(help);
        if let Some(name) = name {
            d = match self.paths.get(&name) {
                Some(p) => d.in_file(p),
                None => d.in_file(format!("templates/{name}")),
            };
        }
        if let Some(l) = line {
            d = d.at_line(l);
        }
        d
    }
}

/// The line of the first `{% keyword ... %}` tag of `text`, naming the
/// template `target` (quoted) when it is given.
fn tag_line(text: &str, keyword: &str, target: Option<&str>) -> Option<usize> {
    let mut from = 0;
    while let Some(start) = text[from..].find("{%").map(|i| from + i) {
        let inner = &text[start + 2..];
        let end = inner.find("%}").unwrap_or(inner.len());
        let tag = inner[..end].trim_start_matches('-').trim_start();
        let names_target = target
            .is_none_or(|t| tag.contains(&format!("\"{t}\"")) || tag.contains(&format!("'{t}'")));
        if tag.strip_prefix(keyword).is_some_and(|rest| {
            rest.starts_with(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        }) && names_target
        {
            return Some(text[..start].matches('\n').count() + 1);
        }
        from = start + 2;
    }
    None
}

/// One report of a Tera message: `error: <message>` then
/// `--> <template>:<line>:<column>`.
#[derive(Debug, PartialEq)]
struct Report {
    message: String,
    name: String,
    line: usize,
    column: usize,
}

/// The reports of a Tera message; none when it holds no location.
fn parse_reports(text: &str) -> Vec<Report> {
    let mut out = Vec::new();
    let mut message: Option<&str> = None;
    for line in text.lines() {
        if let Some(m) = line.strip_prefix("error: ") {
            message = Some(m);
        } else if let Some(loc) = line.trim_start().strip_prefix("--> ")
            && let Some(m) = message.take()
        {
            let mut parts = loc.rsplitn(3, ':');
            let column = parts.next().and_then(|c| c.parse().ok());
            let line = parts.next().and_then(|l| l.parse().ok());
            if let (Some(column), Some(line), Some(name)) = (column, line, parts.next()) {
                out.push(Report {
                    message: m.to_string(),
                    name: name.to_string(),
                    line,
                    column,
                });
            }
        }
    }
    out
}

/// The line of the `{% extends %}` tag naming `parent` in a template.
fn extends_line(text: &str, parent: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.contains("extends") && l.contains(parent))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, text: &str) -> TemplateSource {
        TemplateSource {
            name: name.into(),
            text: text.into(),
            path: PathBuf::from("site/templates").join(name),
        }
    }

    fn one(name: &str, text: &str) -> Templates {
        Templates::new(
            &[source(name, text)],
            Default::default(),
            Default::default(),
            Default::default(),
            "en",
        )
        .unwrap()
    }

    #[test]
    fn nested_ranges_are_bounded() {
        let ctx = tera::Context::new();
        for text in [
            "{% for a in range(end=100000) %}{% for b in range(end=100000) %}{% endfor %}{% endfor %}",
            "{% for a in range(end=100000) %}{% for b in range(end=100000) %}x{% endfor %}{% endfor %}",
        ] {
            let e = one("t.html", text).render("t.html", &ctx, "t").unwrap_err();
            assert!(e.message.contains("range values"), "{e}");
            assert_eq!(e.file.as_deref(), Some(Path::new("site/templates/t.html")));
        }
        let e = one("t.html", "{% for a in range(end=200000) %}{% endfor %}")
            .render("t.html", &ctx, "t")
            .unwrap_err();
        assert!(e.message.contains("the limit is 100000"), "{e}");
        // The budget is per render: 500 by 1,000, twice, is fine.
        let t = one(
            "t.html",
            "{% for a in range(end=500) %}{% for b in range(end=1000) %}{% endfor %}{% endfor %}{{ range(start=10, end=0, step_by=-3) | join(sep=\",\") }}",
        );
        assert_eq!(t.render("t.html", &ctx, "t").unwrap(), "10,7,4,1");
        assert_eq!(t.render("t.html", &ctx, "t").unwrap(), "10,7,4,1");
    }

    #[test]
    fn output_size_and_time_are_bounded() {
        let t = one(
            "t.html",
            "{% for a in range(end=99) %}{% for b in range(end=10000) %}0123456789{% endfor %}{% endfor %}",
        );
        let ctx = tera::Context::new();
        let e = t
            .render_within("t.html", &ctx, "a page", 1024 * 1024, RENDER_DEADLINE)
            .unwrap_err();
        assert!(e.message.contains("output passed 1 MiB"), "{e}");
        let e = t
            .render_within("t.html", &ctx, "a page", MAX_OUTPUT_BYTES, Duration::ZERO)
            .unwrap_err();
        assert!(e.message.contains("took too long"), "{e}");
        assert!(e.message.contains("a page"), "{e}");
        assert_eq!(t.render("t.html", &ctx, "a page").unwrap().len(), 9_900_000);
    }

    fn load_errors(sources: &[TemplateSource]) -> Vec<Diagnostic> {
        match Templates::new(
            sources,
            Default::default(),
            Default::default(),
            Default::default(),
            "en",
        ) {
            Err(e) => e,
            Ok(_) => panic!("the templates load"),
        }
    }

    #[test]
    fn a_missing_parent_names_the_file_and_line_of_the_extends() {
        let e = load_errors(&[source(
            "page.html",
            "{# a page #}\n\n{% extends \"nope.html\" %}\n",
        )]);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            e[0].file.as_deref(),
            Some(Path::new("site/templates/page.html"))
        );
        assert_eq!(e[0].line, Some(3), "{}", e[0]);
        assert!(e[0].message.contains("`nope.html`"), "{}", e[0]);
        assert!(
            e[0].help
                .as_deref()
                .unwrap()
                .contains("templates/nope.html")
        );
    }

    #[test]
    fn missing_includes_name_each_file_and_line() {
        let e = load_errors(&[
            source("a.html", "<p>\n{% include \"one.html\" %}\n"),
            source("b.html", "\n\n\n  {% include \"two.html\" %}"),
        ]);
        let located: Vec<(String, Option<usize>, Option<usize>)> = e
            .iter()
            .map(|d| {
                (
                    d.file.as_ref().unwrap().display().to_string(),
                    d.line,
                    d.column,
                )
            })
            .collect();
        assert_eq!(
            located,
            vec![
                ("site/templates/a.html".to_string(), Some(2), Some(12)),
                ("site/templates/b.html".to_string(), Some(4), Some(14)),
            ],
            "{e:?}"
        );
        assert!(
            e[0].message.contains("Unknown template `one.html`"),
            "{}",
            e[0]
        );
        assert!(e[1].help.as_deref().unwrap().contains("templates/two.html"));
    }

    #[test]
    fn reports_are_parsed_from_tera_messages() {
        let text = "error: Unknown filter `x`\n --> dir/a.html:12:3\n  |\n12 | {{ a | x }}\n  |   ^\nerror: no location here";
        assert_eq!(
            parse_reports(text),
            vec![Report {
                message: "Unknown filter `x`".into(),
                name: "dir/a.html".into(),
                line: 12,
                column: 3,
            }]
        );
        assert!(parse_reports("Template 'x' not found").is_empty());
    }

    #[test]
    fn loops_between_templates_name_the_file_and_line() {
        for (name, text, line) in [
            ("page.html", "a{% include \"page.html\" %}", 1),
            (
                "page.html",
                "{% if x %}{% endif %}\n<p>\n{%- include \"page.html\" -%}",
                3,
            ),
            (
                "page.html",
                "{# a loop #}\n\n{% extends \"page.html\" %}",
                3,
            ),
        ] {
            let templates = Templates::new(
                &[source(name, text)],
                Default::default(),
                Default::default(),
                Default::default(),
                "en",
            );
            let e = match templates {
                Err(e) => e.into_iter().next().unwrap(),
                Ok(t) => t
                    .render(name, &tera::Context::new(), "a page")
                    .expect_err("a loop is an error"),
            };
            assert_eq!(
                e.file.as_deref(),
                Some(Path::new("site/templates/page.html")),
                "{e}"
            );
            assert_eq!(e.line, Some(line), "{e}");
            assert!(e.message.contains("Circular"), "{e}");
            assert!(e.help.as_deref().unwrap_or("").contains("break the loop"));
        }
    }

    #[test]
    fn tag_lines() {
        let text =
            "<p>\n{% include \"a.html\" %}\n{%- include 'b.html' %}\n{% extends \"c.html\" %}";
        assert_eq!(tag_line(text, "include", Some("a.html")), Some(2));
        assert_eq!(tag_line(text, "include", Some("b.html")), Some(3));
        assert_eq!(tag_line(text, "include", Some("c.html")), None);
        assert_eq!(tag_line(text, "extends", None), Some(4));
        assert_eq!(
            tag_line("{% includes_x \"a.html\" %}", "include", None),
            None
        );
    }
}
