//! Section schemas: the fields a section's pages must set and the taxonomy
//! values they may use. A section's schema applies to its pages and to the
//! pages of nested sections that declare none of their own.

use super::find_key_line;
use super::frontmatter::Schema;
use super::library::Library;
use crate::config::Config;
use crate::error::{Diagnostic, Diagnostics};

/// Fields a schema may require.
pub const KNOWN_FIELDS: [&str; 8] = [
    "title",
    "description",
    "date",
    "updated",
    "weight",
    "sources",
    "aliases",
    "template",
];

/// The schema that applies to pages of section `s`, and the section that
/// declares it.
pub fn effective(lib: &Library, s: usize) -> Option<(&Schema, usize)> {
    let mut cur = Some(s);
    let mut guard = 0;
    while let Some(i) = cur {
        if let Some(schema) = &lib.sections[i].meta.schema {
            return Some((schema, i));
        }
        cur = lib.sections[i].parent;
        guard += 1;
        if guard > 4096 {
            break;
        }
    }
    None
}

/// Checks every page against its schema, and the schemas themselves.
pub fn check(lib: &Library, config: &Config, diags: &mut Diagnostics) {
    for section in &lib.sections {
        let Some(schema) = &section.meta.schema else {
            continue;
        };
        let line = find_key_line(&section.front, "schema", section.front_line);
        for field in &schema.required {
            let ok = KNOWN_FIELDS.contains(&field.as_str())
                || field
                    .strip_prefix("taxonomies.")
                    .is_some_and(|t| config.taxonomy(t).is_some())
                || field.strip_prefix("extra.").is_some_and(|k| !k.is_empty());
            if !ok {
                diags.push(
                    Diagnostic::error(format!("schema requires `{field}`, which is not a page field"))
                        .in_file(&section.file.path)
                        .at_line(line)
                        .help(format!(
                            "use one of {}, `taxonomies.<name>` of a declared taxonomy, or `extra.<key>`",
                            KNOWN_FIELDS.join(", ")
                        )),
                );
            }
        }
        for tax in schema.taxonomies.keys() {
            if config.taxonomy(tax).is_none() {
                diags.push(
                    Diagnostic::error(format!("schema lists values for unknown taxonomy `{tax}`"))
                        .in_file(&section.file.path)
                        .at_line(line)
                        .help("declare the taxonomy in config.toml first"),
                );
            }
        }
    }

    for page in &lib.pages {
        let Some((schema, owner)) = effective(lib, page.section) else {
            continue;
        };
        let owner_file = lib.sections[owner].file.path.display().to_string();
        let m = &page.meta;
        for field in &schema.required {
            let present = match field.as_str() {
                "title" => m.title.as_deref().is_some_and(|t| !t.trim().is_empty()),
                "description" => m
                    .description
                    .as_deref()
                    .is_some_and(|t| !t.trim().is_empty()),
                "date" => m.date.is_some(),
                "updated" => m.updated.is_some(),
                "weight" => m.weight.is_some(),
                "sources" => !m.sources.is_empty(),
                "aliases" => !m.aliases.is_empty(),
                "template" => m.template.is_some(),
                f => {
                    if let Some(t) = f.strip_prefix("taxonomies.") {
                        m.taxonomies.get(t).is_some_and(|v| !v.is_empty())
                    } else if let Some(k) = f.strip_prefix("extra.") {
                        // An empty value is a placeholder, as for the
                        // description.
                        m.extra.0.get(k).is_some_and(|v| match v {
                            serde_json::Value::String(s) => !s.trim().is_empty(),
                            serde_json::Value::Array(a) => !a.is_empty(),
                            serde_json::Value::Object(o) => !o.is_empty(),
                            serde_json::Value::Null => false,
                            _ => true,
                        })
                    } else {
                        true
                    }
                }
            };
            if !present {
                diags.push(
                    Diagnostic::error(format!("missing `{field}`, which this section requires"))
                        .in_file(&page.file.path)
                        .at_line(page.front_line)
                        .help(format!(
                            "add it to the front matter (the schema is in {owner_file})"
                        )),
                );
            }
        }
        for (tax, allowed) in &schema.taxonomies {
            if let Some(values) = m.taxonomies.get(tax) {
                for v in values {
                    if !allowed.contains(v) {
                        diags.push(
                            Diagnostic::error(format!("`{v}` is not allowed in `{tax}` here"))
                                .in_file(&page.file.path)
                                .at_line(find_key_line(&page.front, tax, page.front_line))
                                .help(format!("allowed by {owner_file}: {}", allowed.join(", "))),
                        );
                    }
                }
            }
        }
    }
}
