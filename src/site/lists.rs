//! Whether the templates could read a page's HTML or table of contents
//! other than as the page being rendered (`page.content` in its own page
//! template).
//!
//! When they cannot, a build gives every listing (`section.pages`,
//! `term.pages`, paginators, `get_page`) page values without those two
//! fields (the summary, short and rare, stays), and each page's own
//! template a value with them, made when its turn comes and dropped after:
//! the pages' HTML then waits compressed, and is gone once its page is
//! written. The check reads the text of the tags (not literal text or
//! comments) and errs on the side of "could": any `.content` or `.toc`
//! that does not follow the bare variable `page` or `section` (or name a
//! component), either name in quotes, `page` bound anew (`for page in`,
//! `set page =`, a macro or component parameter), `__tera_context`, a
//! `for` over two names whose map is not a field (`for k, v in p`), and a
//! `json_encode` of anything but literals, scalar fields and variables
//! set to those, all mean the templates get full values everywhere, as
//! before. A listing value lacks the two keys, so a read the check missed
//! is an undefined field, not a silent empty string.

use crate::templates::TemplateSource;

/// The fields a listing leaves out of a page value.
pub(super) const BODY_FIELDS: [&str; 2] = ["content", "toc"];

/// True when some template could read a listed page's body fields.
pub(super) fn templates_read_listed_bodies(templates: &[TemplateSource]) -> bool {
    templates.iter().any(|t| reads_listed_bodies(&t.text))
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The identifiers of `text` with their byte ranges.
fn words(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if is_ident(b[i]) {
            let start = i;
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// `text` with everything outside `{{ }}` and `{% %}` (literal text and
/// `{# #}` comments) blanked, byte for byte, so that offsets stay.
fn tags_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let open = ["{{", "{%", "{#"]
            .iter()
            .filter_map(|o| rest.find(o).map(|at| (at, *o)))
            .min();
        let Some((at, open)) = open else {
            out.extend(rest.chars().map(|c| if c == '\n' { c } else { ' ' }));
            break;
        };
        out.extend(rest[..at].chars().map(|c| if c == '\n' { c } else { ' ' }));
        let close = match open {
            "{{" => "}}",
            "{%" => "%}",
            _ => "#}",
        };
        let end = rest[at + 2..]
            .find(close)
            .map_or(rest.len(), |e| at + 2 + e + 2);
        let tag = &rest[at..end];
        if open == "{#" {
            out.extend(tag.chars().map(|c| if c == '\n' { c } else { ' ' }));
        } else {
            out.push_str(tag);
        }
        rest = &rest[end..];
    }
    out
}

/// Names that hold, or lead to, page values.
const PAGE_HOLDERS: [&str; 13] = [
    "page",
    "pages",
    "get_page",
    "section",
    "sections",
    "subsections",
    "get_section",
    "paginator",
    "term",
    "terms",
    "taxonomy",
    "get_taxonomy",
    "load_data",
];

/// `s` with the insides of its quoted strings blanked.
fn without_strings(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => out.push(' '),
            None => {
                if matches!(c, '"' | '\'' | '`') {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

/// Whether `s` ends with the word `w`.
fn ends_with_word(s: &str, w: &str) -> bool {
    s.strip_suffix(w)
        .is_some_and(|head| !head.bytes().next_back().is_some_and(is_ident))
}

/// Whether the `json_encode` at `at` (in blanked `text`) encodes only
/// values free of pages (see [`page_free`]).
fn encodes_a_literal(text: &str, at: usize) -> bool {
    let head = &text[..at];
    let Some(open) = head.rfind("{{").max(head.rfind("{%")) else {
        return false;
    };
    let expr = head[open + 2..].trim_end();
    let Some(expr) = expr.strip_suffix('|') else {
        return false;
    };
    page_free(text, expr.trim().trim_start_matches('-'), 0)
}

/// Whether `expr` is made of literals, scalar fields (`page.title`) and
/// variables the template sets to such expressions, with no name that
/// holds pages.
fn page_free(text: &str, expr: &str, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    let expr = without_strings(expr);
    let b = expr.as_bytes();
    for (s, e) in words(&expr) {
        let w = &expr[s..e];
        if w.as_bytes()[0].is_ascii_digit() || (s > 0 && b[s - 1] == b'.') {
            continue;
        }
        let prev = expr[..s].trim_end();
        if ends_with_word(prev, "for") || ends_with_word(prev, "in") {
            // A comprehension's own name, or what it walks (which is not
            // encoded), or a membership test.
            continue;
        }
        let rest = expr[e..].trim_start();
        if let Some(field) = rest.strip_prefix('.') {
            let f: String = field
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !PAGE_HOLDERS.contains(&f.as_str()) && !f.is_empty() {
                continue;
            }
            return false;
        }
        if PAGE_HOLDERS.contains(&w) {
            return false;
        }
        if rest.starts_with('(') || (rest.starts_with('=') && !rest.starts_with("==")) {
            continue;
        }
        if matches!(
            w,
            "for"
                | "in"
                | "if"
                | "else"
                | "and"
                | "or"
                | "not"
                | "is"
                | "defined"
                | "true"
                | "false"
                | "none"
                | "loop"
                | "length"
                | "lang"
                | "current_url"
                | "current_path"
                | "body"
        ) {
            // Keywords, and the renderer's variables that hold no pages.
            continue;
        }
        // A variable: every `set` of it in the template must be page-free.
        let mut found = false;
        for (ds, de) in words(text) {
            if &text[ds..de] != w {
                continue;
            }
            let before = text[..ds].trim_end();
            if !(before.ends_with("set") || before.ends_with("set_global")) {
                continue;
            }
            let after = text[de..].trim_start();
            let Some(value) = after.strip_prefix('=') else {
                continue;
            };
            let end = value.find("%}").unwrap_or(value.len());
            let value = value[..end].trim().trim_end_matches('-');
            if !page_free(text, value, depth + 1) {
                return false;
            }
            found = true;
        }
        if !found {
            return false;
        }
    }
    true
}

fn reads_listed_bodies(text: &str) -> bool {
    listed_body_read(text).is_some()
}

/// Where `text` could read a listed page's body fields first (a byte
/// offset).
fn listed_body_read(text: &str) -> Option<usize> {
    let code = tags_only(text);
    let text = code.as_str();
    let b = text.as_bytes();
    let ws = words(text);
    let word = |k: usize| -> &str {
        let (s, e) = ws[k];
        &text[s..e]
    };
    // The byte before `at` (skipping spaces), and after.
    let before = |at: usize| -> Option<u8> { text[..at].trim_end().bytes().next_back() };
    let after = |at: usize| -> Option<u8> { text[at..].trim_start().bytes().next() };
    for k in 0..ws.len() {
        let (s, e) = ws[k];
        let w = word(k);
        if w == "__tera_context" {
            return Some(s);
        }
        if w == "json_encode" && !encodes_a_literal(text, s) {
            return Some(s);
        }
        if BODY_FIELDS.contains(&w) {
            let (pre, post) = (b.get(s.wrapping_sub(1)).copied(), b.get(e).copied());
            if matches!(pre, Some(b'"' | b'\'')) && pre == post {
                return Some(s);
            }
            if before(s) == Some(b'.') {
                // The word before the dot must be a bare `page` or `section`.
                let dot = text[..s].trim_end().len() - 1;
                let Some(j) = k
                    .checked_sub(1)
                    .filter(|&j| text[ws[j].1..dot].trim().is_empty())
                else {
                    return Some(s);
                };
                // A component's name (`{{<gca.toc ... />}}`, `{% component
                // gca.toc(...) %}`) is no read.
                let component = matches!(before(ws[j].0), Some(b'<' | b'/'))
                    || j.checked_sub(1).is_some_and(|i| {
                        matches!(word(i), "component" | "endcomponent")
                            && text[ws[i].1..ws[j].0].trim().is_empty()
                    });
                let own = matches!(word(j), "page" | "section")
                    && !matches!(before(ws[j].0), Some(b'.' | b']' | b')'));
                if !component && !own {
                    return Some(s);
                }
            }
        }
        if w == "for"
            && ws
                .get(k + 1)
                .is_some_and(|&(_, end)| after(end) == Some(b','))
        {
            // `for a, b in x`: a walk over a map's keys and values, which
            // could be a page's unless `x` ends with a field (`p.terms`).
            let Some(i) = (k + 2..ws.len()).find(|&i| word(i) == "in") else {
                return Some(s);
            };
            let rest = &text[ws[i].1..];
            let end = rest.find("%}").unwrap_or(rest.len());
            let iterable = rest[..end].trim().trim_end_matches('-').trim_end();
            let field = iterable.rsplit_once('.').is_some_and(|(owner, name)| {
                !owner.is_empty() && !name.is_empty() && name.bytes().all(is_ident)
            });
            if !field {
                return Some(s);
            }
        }
        if w == "page" && before(s) != Some(b'.') {
            let rest = text[e..].trim_start();
            let next_in = ws
                .get(k + 1)
                .is_some_and(|&(ns, _)| word(k + 1) == "in" && text[e..ns].trim().is_empty());
            let bound_after = rest.starts_with([',', ':', ')'])
                || (rest.starts_with('=') && !rest.starts_with("=="))
                || next_in;
            let bound_before = k.checked_sub(1).is_some_and(|j| {
                matches!(word(j), "for" | "set" | "set_global")
                    && text[ws[j].1..s].trim().is_empty()
            });
            if bound_after || bound_before {
                return Some(s);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::reads_listed_bodies as reads;

    #[test]
    fn own_page_and_section_bodies_are_not_listed_reads() {
        assert!(!reads(
            "{{ page.content }}{{ page.toc | length }}{{ section.content }}"
        ));
        assert!(!reads(
            "{% set body = page.content if has_page else section.content %}"
        ));
        assert!(!reads(
            "{% for p in section.pages %}<a href=\"{{ p.url }}\">{{ p.title }}</a>{% endfor %}"
        ));
        assert!(!reads("{% block content %}{% endblock content %}"));
        assert!(!reads(
            "<p>for page in the list, see p.content</p>{# for page in #}"
        ));
        assert!(!reads(
            "{% for tax, list in p.terms -%}{{ tax }}{%- endfor %}"
        ));
        assert!(!reads(
            "{% component gca.toc(toc: array) %}{% endcomponent gca.toc %}"
        ));
        assert!(!reads("{{<gca.toc toc={page.toc} />}}"));
        assert!(!reads("{% set url = get_url(path=e.page, lang=lang) %}"));
        assert!(!reads(
            "{{ {\"a\": trans(key=\"x\"), \"b\": [t.name for t in config.taxonomies]} | json_encode }}"
        ));
        assert!(!reads(
            "{% if page %}{{ page . content }}{% endif %}{% if page == x %}{% endif %}"
        ));
    }

    #[test]
    fn listed_bodies_and_rebound_pages_are_reads() {
        for t in [
            "{% for p in section.pages %}{{ p.content }}{% endfor %}",
            "{{ section.pages[0].toc }}",
            "{{ get_page(path=\"a.md\").content }}",
            "{{ p[\"content\"] }}",
            "{{ p['toc'] }}",
            "{% for page in section.pages %}{{ page.content }}{% endfor %}",
            "{% for i, page in section.pages %}{% endfor %}",
            "{% set page = get_page(path=\"a.md\") %}",
            "{% macro card(page) %}{{ page.content }}{% endmacro %}",
            "{% component card(page: map) %}{% endcomponent card %}",
            "{{ card(page=p) }}",
            "{{ section.pages | json_encode }}",
            "{{ x | json_encode }}",
            "{{ {\"all\": section.pages} | json_encode }}",
            "{{ [p for p in term.pages] | json_encode }}",
            "{{ __tera_context }}",
            "{% for k, v in p %}{{ v }}{% endfor %}",
            "{% for k, v in section.pages[0] -%}{{ v }}{% endfor %}",
            "{{ page.section.content }}",
            "{{ x.page.content }}",
        ] {
            assert!(reads(t), "{t}");
        }
    }
}

#[cfg(test)]
mod theme {
    /// The default theme keeps to the light listings (a change that reads a
    /// listed page's body would cost every build the pages' HTML twice).
    #[test]
    fn the_default_theme_lists_no_bodies() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/gca/templates");
        let mut seen = 0;
        for entry in walkdir::WalkDir::new(&root) {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                if let Some(at) = super::listed_body_read(&text) {
                    panic!(
                        "{}:{} could read a listed page's body",
                        entry.path().display(),
                        text[..at].lines().count()
                    );
                }
                seen += 1;
            }
        }
        assert!(seen > 10, "{seen} templates");
    }
}
