//! `gca new`: a new page or section with the front matter its section's
//! schema asks for. Pages and sections follow the same rules: what gca can
//! know it fills (the title from the file name, today's date, a weight);
//! what only the author knows and the schema requires is written as an
//! empty placeholder (`description = ""`, `work_areas = []`, an empty
//! `extra` key) that the build and `gca check` report until it is filled;
//! everything optional is commented out. Taxonomy values are never chosen
//! for the author: the allowed ones are listed in a comment, with those of
//! the section above as a suggestion.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::content::frontmatter::{self, Schema, SectionFrontMatter, SortBy};
use crate::error::Diagnostic;
use crate::slug::normalise_user_path;

/// What to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `content/<path>.md`
    Page,
    /// `content/<path>/_index.md`
    Section,
}

/// What was created.
#[derive(Debug, Clone)]
pub struct Created {
    /// The new file.
    pub file: PathBuf,
    /// The section file whose schema the front matter follows, if any.
    pub schema_from: Option<PathBuf>,
}

/// A section above the new file, read from its `_index.md`.
struct Parent {
    file: PathBuf,
    meta: SectionFrontMatter,
}

/// Creates a page or section at `path` (under `content/`, without `.md`)
/// in the site at `root`. Refuses paths that leave `content/` and files
/// that exist.
pub fn create(root: &Path, kind: Kind, path: &str, today: &str) -> Result<Created, Diagnostic> {
    let refuse = |why: &str| {
        Diagnostic::error(format!("refusing to create `{path}`: {why}"))
            .help("give a path under content/ without `.md`, such as work-areas/legal-measures/cybercrime-laws")
    };
    if path.starts_with('/') {
        return Err(refuse("it is an absolute path"));
    }
    let mut clean = normalise_user_path(path).map_err(refuse)?;
    for suffix in ["/_index.md", "_index.md", ".md"] {
        if let Some(s) = clean.strip_suffix(suffix) {
            clean = s.trim_end_matches('/').to_string();
            break;
        }
    }
    if clean.is_empty() {
        return Err(refuse("it names the content folder itself"));
    }
    let name = clean.rsplit('/').next().unwrap_or(&clean).to_string();
    if kind == Kind::Page && (name == "_index" || name.starts_with("_index.")) {
        return Err(refuse(
            "`_index` is a section's file; use `gca new section`",
        ));
    }

    let config_path = root.join("config.toml");
    let text = std::fs::read_to_string(&config_path).map_err(|e| {
        Diagnostic::error(format!("cannot read the site configuration: {e}"))
            .in_file(&config_path)
            .help("run gca in the folder that holds the site, or give it with --root")
    })?;
    let config = Config::parse(&text, &config_path).map_err(|ds| {
        ds.into_iter()
            .next()
            .unwrap_or_else(|| Diagnostic::error("bad config"))
    })?;

    let content = root.join("content");
    let content_canon = content.canonicalize().map_err(|e| {
        Diagnostic::error(format!("the site has no content folder: {e}")).in_file(&content)
    })?;
    let file = match kind {
        Kind::Page => content.join(format!("{clean}.md")),
        Kind::Section => content.join(&clean).join("_index.md"),
    };
    // The nearest folder that exists must be inside content/ (no symlink out).
    let mut existing = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| content.clone());
    while !existing.exists() {
        match existing.parent() {
            Some(p) => existing = p.to_path_buf(),
            None => break,
        }
    }
    let existing = existing.canonicalize().unwrap_or(existing);
    if !existing.starts_with(&content_canon) {
        return Err(refuse("its folder leads out of content/"));
    }
    if file.exists() {
        return Err(Diagnostic::error(format!(
            "{} already exists; refusing to overwrite it",
            file.display()
        ))
        .help("choose another name, or edit the existing file"));
    }

    // Sections above, nearest first: for a page from its own folder, for a
    // section from its parent folder.
    let first_dir = match kind {
        Kind::Page => clean.rsplit_once('/').map_or("", |(d, _)| d).to_string(),
        Kind::Section => clean.rsplit_once('/').map_or("", |(d, _)| d).to_string(),
    };
    let parents = parents(&content, &first_dir)?;
    let schema = parents
        .iter()
        .find_map(|p| p.meta.schema.as_ref().map(|s| (s, p.file.clone())));
    let nearest = parents.first();
    let title = title_from(&name);
    let text = match kind {
        Kind::Page => page_text(
            &title,
            &config,
            schema.as_ref().map(|(s, f)| (*s, f.as_path())),
            nearest,
            today,
        ),
        Kind::Section => section_text(
            &title,
            &config,
            schema.as_ref().map(|(s, f)| (*s, f.as_path())),
            nearest,
        ),
    };
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Diagnostic::error(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Diagnostic::error(format!(
                    "{} already exists; refusing to overwrite it",
                    file.display()
                ))
            } else {
                Diagnostic::error(format!("cannot create {}: {e}", file.display()))
            }
        })?;
    use std::io::Write as _;
    f.write_all(text.as_bytes())
        .map_err(|e| Diagnostic::error(format!("cannot write {}: {e}", file.display())))?;
    Ok(Created {
        file,
        schema_from: schema.map(|(_, f)| f),
    })
}

/// `_index.md` files from `dir` up to `content/`, nearest first.
fn parents(content: &Path, dir: &str) -> Result<Vec<Parent>, Diagnostic> {
    let mut out = Vec::new();
    let mut d = dir.to_string();
    loop {
        let file = if d.is_empty() {
            content.join("_index.md")
        } else {
            content.join(&d).join("_index.md")
        };
        if file.is_file() {
            let raw = std::fs::read_to_string(&file).map_err(|e| {
                Diagnostic::error(format!("cannot read {}: {e}", file.display())).in_file(&file)
            })?;
            let text = raw.replace("\r\n", "\n");
            let split = frontmatter::split(&text, &file)?;
            let meta: SectionFrontMatter = frontmatter::parse(&split, &file)?;
            out.push(Parent { file, meta });
        }
        if d.is_empty() {
            break;
        }
        d = d.rsplit_once('/').map_or("", |(p, _)| p).to_string();
    }
    Ok(out)
}

/// `cybercrime-laws` -> `Cybercrime laws`.
fn title_from(name: &str) -> String {
    let base = name.split('.').next().unwrap_or(name);
    let words = base.replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => "Untitled".into(),
    }
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| quote(v)).collect();
    format!("[{}]", items.join(", "))
}

/// The `[taxonomies]` table: every taxonomy of the config, with the values
/// allowed (by the schema, else by `config.toml`) in a comment, and the
/// values of the section above as a suggestion. gca never picks values:
/// a required taxonomy gets an empty list, which the build reports until
/// the author fills it; the others are commented out.
fn taxonomies(
    out: &mut String,
    config: &Config,
    schema: Option<(&Schema, &Path)>,
    nearest: Option<&Parent>,
) {
    if config.taxonomies.is_empty() {
        return;
    }
    out.push_str("\n[taxonomies]\n");
    for t in &config.taxonomies {
        let required = schema.is_some_and(|(s, _)| {
            s.required
                .iter()
                .any(|r| r == &format!("taxonomies.{}", t.name))
        });
        let allowed: Option<Vec<String>> = schema
            .and_then(|(s, _)| s.taxonomies.get(&t.name).cloned())
            .or_else(|| t.values.clone());
        let suggested: Vec<String> = nearest
            .and_then(|p| p.meta.taxonomies.get(&t.name))
            .map(|vals| {
                vals.iter()
                    .filter(|v| allowed.as_ref().is_none_or(|a| a.contains(v)))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let choice = match &allowed {
            Some(a) => format!("one or more of {}", list(a)),
            None => "any values".to_string(),
        };
        if required {
            let from = schema
                .map(|(_, f)| f.display().to_string())
                .unwrap_or_default();
            let _ = writeln!(out, "# Required by {from}: {choice}");
        } else {
            let _ = writeln!(out, "# Optional: {choice}");
        }
        if !suggested.is_empty() {
            let _ = writeln!(out, "#   (the section above has {})", list(&suggested));
        }
        if required {
            let _ = writeln!(out, "{} = []", t.name);
        } else {
            let _ = writeln!(out, "# {} = []", t.name);
        }
    }
}

fn requires(schema: Option<(&Schema, &Path)>, field: &str) -> Option<String> {
    let (s, file) = schema?;
    s.required
        .iter()
        .any(|r| r == field)
        .then(|| format!("Required by {}", file.display()))
}

fn page_text(
    title: &str,
    config: &Config,
    schema: Option<(&Schema, &Path)>,
    nearest: Option<&Parent>,
    today: &str,
) -> String {
    let mut out = String::from("+++\n");
    let _ = writeln!(out, "title = {}", quote(title));
    let _ = writeln!(
        out,
        "# One or two plain sentences for listings, search results and link previews.{}",
        requires(schema, "description")
            .map(|r| format!(" {r}."))
            .unwrap_or_default()
    );
    out.push_str("description = \"\"\n");
    match requires(schema, "date") {
        Some(r) => {
            let _ = writeln!(
                out,
                "# {r}: the date the page is about (or published).\ndate = {today}"
            );
        }
        None => {
            let _ = writeln!(out, "# date = {today}");
        }
    }
    if let Some(r) = requires(schema, "updated") {
        let _ = writeln!(out, "# {r}.\nupdated = {today}");
    }
    let by_weight = nearest.is_some_and(|p| p.meta.sort_by == SortBy::Weight);
    match requires(schema, "weight") {
        Some(r) => {
            let _ = writeln!(
                out,
                "# {r}: order in the section, lowest first.\nweight = 100"
            );
        }
        None if by_weight => {
            out.push_str("# Order in the section, lowest first.\nweight = 100\n");
        }
        None => {}
    }
    if let Some(r) = requires(schema, "aliases") {
        let _ = writeln!(out, "# {r}: old URLs that redirect here.\naliases = []");
    }
    if let Some(r) = requires(schema, "template") {
        let _ = writeln!(out, "# {r}.\ntemplate = \"page.html\"");
    }
    taxonomies(&mut out, config, schema, nearest);
    match requires(schema, "sources") {
        Some(r) => {
            let _ = writeln!(
                out,
                "\n# {r}: where the facts on this page come from.\n# Uncomment and fill one [[sources]] block per source."
            );
        }
        None => {
            out.push_str("\n# Where the facts on this page come from (one block per source):\n")
        }
    }
    out.push_str(
        "# [[sources]]\n# title = \"\"\n# publisher = \"\"\n# date = \"\"  # 2008, 2008-06 or 2008-06-26\n# url = \"https://\"\n",
    );
    extra(&mut out, schema);
    out.push_str("+++\n\n");
    out
}

fn extra(out: &mut String, schema: Option<(&Schema, &Path)>) {
    let Some((s, file)) = schema else { return };
    let keys: Vec<&str> = s
        .required
        .iter()
        .filter_map(|r| r.strip_prefix("extra."))
        .collect();
    if keys.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n[extra]\n# Required by {}.", file.display());
    for k in keys {
        let _ = writeln!(out, "{k} = \"\"");
    }
}

fn section_text(
    title: &str,
    config: &Config,
    schema: Option<(&Schema, &Path)>,
    nearest: Option<&Parent>,
) -> String {
    let mut out = String::from("+++\n");
    let _ = writeln!(out, "title = {}", quote(title));
    out.push_str("# One or two plain sentences for listings, search results and link previews.\n");
    out.push_str("description = \"\"\n");
    out.push_str("# How pages are listed: \"date\" (newest first), \"title\", \"weight\" (lowest first) or \"none\".\n");
    out.push_str("sort_by = \"weight\"\n");
    out.push_str("# Order among sibling sections, lowest first.\nweight = 100\n");
    out.push_str("# paginate_by = 20\n");
    // The schema above applies to the section's pages, not to the
    // section: nothing here is required.
    taxonomies(&mut out, config, None, nearest);
    out.push_str("\n# Where the facts on this page come from (one block per source):\n");
    out.push_str(
        "# [[sources]]\n# title = \"\"\n# publisher = \"\"\n# date = \"\"  # 2008, 2008-06 or 2008-06-26\n# url = \"https://\"\n",
    );
    match schema {
        Some((s, file)) => {
            let _ = writeln!(
                out,
                "\n# Pages here follow the schema of {}:\n#   required = {}",
                file.display(),
                list(&s.required)
            );
            for (t, vals) in &s.taxonomies {
                let _ = writeln!(out, "#   {t} = {}", list(vals));
            }
            out.push_str("# To give them other rules, add a [schema] table here.\n");
        }
        None => {
            out.push_str("\n# Rules for the pages here (see docs/content.md):\n# [schema]\n# required = [\"description\"]\n");
        }
    }
    out.push_str("+++\n\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_names() {
        assert_eq!(title_from("cybercrime-laws"), "Cybercrime laws");
        assert_eq!(title_from("wsis_c5.fr"), "Wsis c5");
        assert_eq!(title_from("---"), "Untitled");
    }
}
