//! Static files of the theme and the site. CSS and JavaScript files are
//! published under names that carry a hash of their content
//! (`css/site.3f9a0c1b2d.css`), so hosts can let browsers cache them for
//! ever; relative `import`s between JavaScript modules are rewritten to the
//! hashed names.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::error::{Diagnostic, Diagnostics};

/// A file under a `static/` folder.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Where it is.
    pub src: PathBuf,
    /// Path under `static/`, `/`-separated.
    pub rel: String,
    /// Its text, for CSS and JavaScript (read at load time for hashing).
    pub text: Option<String>,
}

/// True for files published under a content-hashed name.
pub fn is_fingerprinted(rel: &str) -> bool {
    rel.ends_with(".css") || rel.ends_with(".js") || rel.ends_with(".mjs")
}

/// Lists `static/` of the theme then of the site; the site's file wins when
/// both have the same path.
pub fn collect(dirs: &[PathBuf], diags: &mut Diagnostics) -> Vec<StaticFile> {
    let mut by_rel: BTreeMap<String, StaticFile> = BTreeMap::new();
    for dir in dirs {
        if !dir.is_dir() {
            continue;
        }
        let root = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        for entry in walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0 || !crate::content::is_ignored_name(&e.file_name().to_string_lossy())
            })
        {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    diags.push(
                        Diagnostic::error(format!("cannot read a static file: {e}")).in_file(dir),
                    );
                    continue;
                }
            };
            let path = entry.path();
            if entry.path_is_symlink() {
                match path.canonicalize() {
                    Ok(t) if t.starts_with(&root) && t.is_file() => {}
                    _ => {
                        diags.push(
                            Diagnostic::error(
                                "symbolic link leads outside the static folder, or nowhere",
                            )
                            .in_file(path)
                            .help("copy the file into static/ instead of linking to it"),
                        );
                        continue;
                    }
                }
            } else if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = path.strip_prefix(dir) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let text = if is_fingerprinted(&rel) {
                match std::fs::read(path) {
                    Ok(b) => match crate::content::decode_text(&b, path) {
                        Ok(t) => Some(t),
                        Err(d) => {
                            diags.push(d);
                            continue;
                        }
                    },
                    Err(e) => {
                        diags.push(Diagnostic::error(format!("cannot read: {e}")).in_file(path));
                        continue;
                    }
                }
            } else {
                None
            };
            by_rel.insert(
                rel.clone(),
                StaticFile {
                    src: path.to_path_buf(),
                    rel,
                    text,
                },
            );
        }
    }
    by_rel.into_values().collect()
}

/// Static files ready to publish.
#[derive(Debug, Default)]
pub struct Published {
    /// Files to copy as they are: (source, output path).
    pub copies: Vec<(PathBuf, String)>,
    /// Files to write: (output path, bytes).
    pub writes: Vec<(String, Vec<u8>)>,
    /// Path under `static/` to the output path.
    pub paths: HashMap<String, String>,
}

/// The hashed name of `rel` for content `bytes`: `css/site.css` ->
/// `css/site.<10 hex>.css`.
pub fn hashed_name(rel: &str, bytes: &[u8]) -> String {
    let hash = blake3::hash(bytes).to_hex();
    let short = &hash.as_str()[..10];
    match rel.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{short}.{ext}"),
        None => format!("{rel}.{short}"),
    }
}

/// Publishes static files, plus generated ones (`(rel, text)`, e.g. the
/// highlighting stylesheet) that a static file of the same path replaces.
pub fn publish(
    files: &[StaticFile],
    generated: Vec<(String, String)>,
) -> Result<Published, Vec<Diagnostic>> {
    let mut texts: BTreeMap<String, (String, Option<PathBuf>)> = BTreeMap::new();
    for (rel, text) in generated {
        texts.insert(rel, (text, None));
    }
    let mut out = Published::default();
    for f in files {
        match &f.text {
            Some(t) => {
                texts.insert(f.rel.clone(), (t.clone(), Some(f.src.clone())));
            }
            None => {
                out.copies.push((f.src.clone(), f.rel.clone()));
                out.paths.insert(f.rel.clone(), f.rel.clone());
            }
        }
    }
    // Hash in dependency order: a module's hash covers the hashed names of
    // what it imports.
    let mut done: HashMap<String, String> = HashMap::new();
    let mut errors = Vec::new();
    let names: Vec<String> = texts.keys().cloned().collect();
    for rel in &names {
        let mut stack = Vec::new();
        if let Err(d) = hash_file(rel, &texts, &mut done, &mut stack, &mut out.writes) {
            errors.push(d);
        }
    }
    if !errors.is_empty() {
        errors.dedup();
        return Err(errors);
    }
    out.paths.extend(done);
    out.writes.sort();
    out.copies.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

fn hash_file(
    rel: &str,
    texts: &BTreeMap<String, (String, Option<PathBuf>)>,
    done: &mut HashMap<String, String>,
    stack: &mut Vec<String>,
    writes: &mut Vec<(String, Vec<u8>)>,
) -> Result<String, Diagnostic> {
    if let Some(h) = done.get(rel) {
        return Ok(h.clone());
    }
    let (text, src) = &texts[rel];
    let file_for = |src: &Option<PathBuf>| src.clone().unwrap_or_else(|| PathBuf::from(rel));
    if stack.iter().any(|s| s == rel) {
        return Err(Diagnostic::error(format!(
            "JavaScript modules import each other in a circle: {} -> {rel}",
            stack.join(" -> ")
        ))
        .in_file(file_for(src))
        .help("break the cycle; hashed file names need an order"));
    }
    let mut body = text.clone();
    if rel.ends_with(".js") || rel.ends_with(".mjs") {
        stack.push(rel.to_string());
        let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
        for spec in relative_imports(text) {
            let target = join_rel(dir, &spec);
            let Some(target) = target.filter(|t| texts.contains_key(t)) else {
                stack.pop();
                return Err(Diagnostic::error(format!(
                    "import of `{spec}`, which is not a static file"
                ))
                .in_file(file_for(src))
                .help("import modules by a path relative to the file, such as `./search.js`"));
            };
            let hashed = hash_file(&target, texts, done, stack, writes)?;
            let replacement = relative_from(dir, &hashed);
            body = replace_specifier(&body, &spec, &replacement);
        }
        stack.pop();
    }
    let hashed = hashed_name(rel, body.as_bytes());
    writes.push((hashed.clone(), body.into_bytes()));
    done.insert(rel.to_string(), hashed.clone());
    Ok(hashed)
}

/// Relative module specifiers (`./x.js`, `../y.mjs`) in `import` and
/// `export ... from` statements and dynamic `import()`.
pub fn relative_imports(js: &str) -> Vec<String> {
    let mut out = Vec::new();
    for quote in ['"', '\''] {
        for prefix in ["./", "../"] {
            let pat = format!("{quote}{prefix}");
            let mut start = 0;
            while let Some(i) = js[start..].find(&pat) {
                let at = start + i;
                let before = js[..at].trim_end();
                let is_import = before.ends_with("from")
                    || before.ends_with("import")
                    || before.ends_with("import(");
                let rest = &js[at + 1..];
                if let Some(end) = rest.find(quote) {
                    let spec = &rest[..end];
                    if is_import
                        && (spec.ends_with(".js") || spec.ends_with(".mjs"))
                        && !out.iter().any(|s| s == spec)
                    {
                        out.push(spec.to_string());
                    }
                }
                start = at + pat.len();
            }
        }
    }
    out.sort();
    out
}

fn replace_specifier(js: &str, spec: &str, with: &str) -> String {
    js.replace(&format!("\"{spec}\""), &format!("\"{with}\""))
        .replace(&format!("'{spec}'"), &format!("'{with}'"))
}

/// Resolves `spec` relative to folder `dir` (both under `static/`).
fn join_rel(dir: &str, spec: &str) -> Option<String> {
    let mut parts: Vec<&str> = if dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for p in spec.split('/') {
        match p {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The specifier that leads from folder `dir` to `target`.
fn relative_from(dir: &str, target: &str) -> String {
    let from: Vec<&str> = if dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    let to: Vec<&str> = target.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = String::new();
    if from.len() == common {
        out.push_str("./");
    } else {
        for _ in common..from.len() {
            out.push_str("../");
        }
    }
    out.push_str(&to[common..].join("/"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> StaticFile {
        StaticFile {
            src: PathBuf::from(format!("static/{rel}")),
            rel: rel.into(),
            text: Some(text.into()),
        }
    }

    #[test]
    fn hashes_and_rewrites_imports() {
        let files = vec![
            file(
                "js/app.js",
                "import { search } from \"./lib/search.js\";\nsearch();\n",
            ),
            file("js/lib/search.js", "export function search() {}\n"),
            file("css/site.css", "body{}"),
        ];
        let p = publish(&files, vec![]).unwrap();
        let lib = &p.paths["js/lib/search.js"];
        assert!(
            lib.starts_with("js/lib/search.") && lib.ends_with(".js"),
            "{lib}"
        );
        let app = &p.paths["js/app.js"];
        let app_text = p
            .writes
            .iter()
            .find(|(n, _)| n == app)
            .map(|(_, b)| String::from_utf8(b.clone()).unwrap())
            .unwrap();
        let expected = format!("./lib/{}", lib.rsplit('/').next().unwrap());
        assert!(app_text.contains(&expected), "{app_text}");
        assert!(p.paths["css/site.css"].starts_with("css/site."));
    }

    #[test]
    fn a_changed_import_changes_the_importer_hash() {
        let a = publish(
            &[file("a.js", "import \"./b.js\";"), file("b.js", "1")],
            vec![],
        )
        .unwrap();
        let b = publish(
            &[file("a.js", "import \"./b.js\";"), file("b.js", "2")],
            vec![],
        )
        .unwrap();
        assert_ne!(a.paths["a.js"], b.paths["a.js"]);
    }

    #[test]
    fn import_cycles_and_missing_modules_are_errors() {
        assert!(
            publish(
                &[
                    file("a.js", "import \"./b.js\";"),
                    file("b.js", "import \"./a.js\";")
                ],
                vec![]
            )
            .is_err()
        );
        assert!(publish(&[file("a.js", "import x from './nope.js';")], vec![]).is_err());
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_from("js", "js/x.js"), "./x.js");
        assert_eq!(relative_from("js/a", "js/b/x.js"), "../b/x.js");
        assert_eq!(join_rel("js/a", "../b/x.js").as_deref(), Some("js/b/x.js"));
        assert_eq!(join_rel("", "../x.js"), None);
    }
}
