//! Checks of the content itself: titles, descriptions and images.

use std::collections::BTreeMap;
use std::path::Path;

use super::links::{self, Target};
use super::{Available, is_external};
use crate::content::{Library, find_key_line};
use crate::error::Diagnostic;
use crate::markdown::Rendered;
use crate::site::Site;

/// Pages and sections (of one language) sharing a title: a warning on each
/// but the first, naming it. Readers and search results cannot tell them
/// apart.
pub fn titles(lib: &Library, diags: &mut Vec<Diagnostic>) {
    // (language, normalised title) -> (file, relative path, line, title)
    type Entry<'a> = (&'a Path, &'a str, usize, &'a str);
    let mut groups: BTreeMap<(String, String), Vec<Entry<'_>>> = BTreeMap::new();
    let items = lib
        .pages
        .iter()
        .map(|p| (&p.file, &p.title, &p.front, p.front_line))
        .chain(
            lib.sections
                .iter()
                .filter(|s| s.exists)
                .map(|s| (&s.file, &s.title, &s.front, s.front_line)),
        );
    for (file, title, front, front_line) in items {
        let key = title
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if key.is_empty() {
            continue;
        }
        let line = find_key_line(front, "title", front_line);
        groups.entry((file.lang.clone(), key)).or_default().push((
            &file.path,
            &file.relative,
            line,
            title,
        ));
    }
    for mut group in groups.into_values() {
        if group.len() < 2 {
            continue;
        }
        group.sort();
        let (first, ..) = group[0];
        for &(path, _, line, title) in &group[1..] {
            diags.push(
                Diagnostic::warning(format!(
                    "the title `{title}` is also the title of {}",
                    first.display()
                ))
                .in_file(path)
                .at_line(line)
                .help("give each page its own title, so that readers and search results can tell them apart"),
            );
        }
    }
}

/// Pages and sections without a description, or with an empty one.
pub fn descriptions(lib: &Library, diags: &mut Vec<Diagnostic>) {
    let items = lib
        .pages
        .iter()
        .map(|p| {
            (
                &p.file.path,
                p.meta.description.as_deref(),
                &p.front,
                p.front_line,
            )
        })
        .chain(lib.sections.iter().filter(|s| s.exists).map(|s| {
            (
                &s.file.path,
                s.meta.description.as_deref(),
                &s.front,
                s.front_line,
            )
        }));
    for (path, description, front, front_line) in items {
        let message = match description {
            None => "no description".to_string(),
            Some(d) if d.trim().is_empty() => "the description is empty".to_string(),
            Some(_) => continue,
        };
        diags.push(
            Diagnostic::warning(format!(
                "{message}: listings, search results and link previews show nothing for it"
            ))
            .in_file(path)
            .at_line(find_key_line(front, "description", front_line))
            .help("add `description = \"...\"` to the front matter: one or two plain sentences"),
        );
    }
}

/// Images of the Markdown: each must have alt text and, unless it is on
/// another site, exist in the built site (beside the page, or a static
/// file).
pub fn images(
    site: &Site,
    page_md: &[Option<Rendered>],
    section_md: &[Option<Rendered>],
    available: &Available<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    let lib = &site.library;
    let base_url = site.config.base_url();
    let base_path = site.config.base_path();
    let items = lib
        .pages
        .iter()
        .map(|p| (&p.file.path, &p.path))
        .zip(page_md)
        .chain(
            lib.sections
                .iter()
                .map(|s| (&s.file.path, &s.path))
                .zip(section_md),
        );
    for ((file, url_path), md) in items {
        let Some(md) = md else { continue };
        let from = format!("{url_path}index.html");
        for image in &md.images {
            if image.alt.trim().is_empty() {
                diags.push(
                    Diagnostic::error(format!("image `{}` has no alt text", image.src))
                        .in_file(file)
                        .at_line(image.line)
                        .help("describe what the image shows for readers who cannot see it: ![a map of the five ITU regions](regions.png)"),
                );
            }
            if image.src.trim().is_empty() {
                diags.push(
                    Diagnostic::error("image without a source")
                        .in_file(file)
                        .at_line(image.line)
                        .help("write the file's path: ![alt text](picture.png)"),
                );
                continue;
            }
            if is_external(&image.src) || image.src.starts_with("data:") {
                continue;
            }
            let missing = match links::resolve(&image.src, &from, &base_url, &base_path) {
                Target::Local { path, .. } => available
                    .find(&path)
                    .is_none()
                    .then(|| format!("{base_path}{path}")),
                Target::Outside(why) => Some(why),
                Target::External | Target::Skip => None,
            };
            if let Some(what) = missing {
                diags.push(
                    Diagnostic::error(format!(
                        "image `{}` not found: the site has no file {what}",
                        image.src
                    ))
                    .in_file(file)
                    .at_line(image.line)
                    .help("put the image beside the page (make the page a folder with index.md) and give its name, or put it under static/ and write its path from the site root"),
                );
            }
        }
    }
}
