//! Safe output: hostile text in content never becomes markup, script or a
//! `javascript:` link in what the build writes.
//!
//! - Markdown raw HTML is escaped by default and sanitised (ammonia) when a
//!   site allows it: a corpus of XSS vectors goes through both.
//! - A payload is put into every front matter field and taxonomy value that
//!   takes text (a source's address gets one without spaces, which is still
//!   a web address; dates, which are not text, must refuse it), both in a
//!   site of its own templates and in the GCA site and theme, where every
//!   value the theme shows gets it (sources, `extra.speaker`, `occasion`,
//!   `place`, every taxonomy). Then every output file is checked: HTML for elements,
//!   attributes and URLs that run script; Atom feeds and sitemaps must be
//!   well-formed XML whose text decodes back to the payload (and whose HTML
//!   content passes the HTML check); JSON must parse and give the payload
//!   back exactly.
//! - Search files (`public/search/`, JavaScript wrapping JSON): each must
//!   parse, and the document table must give the payload back exactly.

mod common;

use std::path::Path;

use common::*;
use gca::config::MarkdownConfig;
use gca::markdown::{self, Resolver};

/// The payload: a script element, attribute break-outs with both quotes,
/// and an entity that must stay text.
const PAYLOAD: &str =
    "<script>alert(1)</script>\"onmouseover=alert(2) x='onmouseover=alert(3)&amp;";

// ---------------------------------------------------------------------
// A small HTML scanner, enough for checking generated pages.

/// One start tag: its name and attributes (values decoded).
#[derive(Debug)]
struct Tag {
    /// Byte offset of its `<`.
    pos: usize,
    name: String,
    attrs: Vec<(String, String)>,
    /// The text of a `<script>` element.
    script_text: Option<String>,
}

/// Decodes the character references that matter for the checks.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|e| e + 1)
            .unwrap_or(rest.len());
        let name = &rest[1..end];
        let decoded = if let Some(num) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X"))
        {
            u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
        } else if let Some(num) = name.strip_prefix('#') {
            num.parse::<u32>().ok().and_then(char::from_u32)
        } else {
            match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "colon" => Some(':'),
                "Tab" => Some('\t'),
                "NewLine" => Some('\n'),
                _ => None,
            }
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end..];
                if rest.starts_with(';') {
                    rest = &rest[1..];
                }
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The start tags of an HTML document, in order.
fn tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(lt) = html[i..].find('<') {
        let pos = i + lt;
        i += lt + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(html.len(), |e| i + e + 3);
            continue;
        }
        if !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let name_len = bytes[i..]
            .iter()
            .take_while(|b| !b.is_ascii_whitespace() && **b != b'>' && **b != b'/')
            .count();
        let name = html[i..i + name_len].to_ascii_lowercase();
        i += name_len;
        let mut attrs = Vec::new();
        loop {
            while bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/')
            {
                i += 1;
            }
            match bytes.get(i) {
                None => break,
                Some(b'>') => {
                    i += 1;
                    break;
                }
                _ => {}
            }
            let n = bytes[i..]
                .iter()
                .take_while(|b| !b.is_ascii_whitespace() && !matches!(**b, b'=' | b'>' | b'/'))
                .count()
                .max(1);
            let attr = html[i..i + n].to_ascii_lowercase();
            i += n;
            let mut value = String::new();
            if bytes.get(i) == Some(&b'=') {
                i += 1;
                match bytes.get(i) {
                    Some(q @ (b'"' | b'\'')) => {
                        let end = html[i + 1..]
                            .find(*q as char)
                            .map_or(html.len(), |e| i + 1 + e);
                        value = html[i + 1..end].to_string();
                        i = (end + 1).min(html.len());
                    }
                    _ => {
                        let n = bytes[i..]
                            .iter()
                            .take_while(|b| !b.is_ascii_whitespace() && **b != b'>')
                            .count();
                        value = html[i..i + n].to_string();
                        i += n;
                    }
                }
            }
            attrs.push((attr, decode_entities(&value)));
        }
        let script_text = (name == "script").then(|| {
            let end = html[i..].find("</script").map_or(html.len(), |e| i + e);
            let text = html[i..end].to_string();
            i = end;
            text
        });
        out.push(Tag {
            pos,
            name,
            attrs,
            script_text,
        });
    }
    out
}

/// True when a URL would run script or load a document of its own.
fn is_script_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "javascript:",
        "vbscript:",
        "data:text/html",
        "data:image/svg",
        "livescript:",
    ]
    .iter()
    .any(|s| cleaned.starts_with(s))
}

/// Elements content must never produce.
const FORBIDDEN: [&str; 12] = [
    "iframe", "object", "embed", "frame", "frameset", "applet", "form", "base", "meta", "link",
    "style", "svg",
];

/// Problems in one HTML document. With `trusted_layout`, the document is a
/// whole page of a theme: its own `<head>` (meta, link, scripts by `src`,
/// JSON-LD) and the parts around `<main>` (a search form) are allowed, and
/// only what is inside `<main>` must be free of such elements. Event
/// handlers, script URLs and inline scripts are problems anywhere.
fn html_problems(html: &str, trusted_layout: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let content = if trusted_layout {
        let start = html.find("<main").unwrap_or(html.len());
        let end = html.rfind("</main>").unwrap_or(html.len()).max(start);
        start..end
    } else {
        0..html.len()
    };
    for tag in tags(html) {
        let in_content = content.contains(&tag.pos);
        for (name, value) in &tag.attrs {
            if name.starts_with("on") {
                problems.push(format!("<{} {name}=\"{value}\">: event handler", tag.name));
            }
            if [
                "href",
                "src",
                "action",
                "formaction",
                "xlink:href",
                "data",
                "poster",
                "srcset",
            ]
            .contains(&name.as_str())
                && is_script_url(value)
            {
                problems.push(format!("<{} {name}=\"{value}\">: script URL", tag.name));
            }
            if name == "http-equiv" && value.eq_ignore_ascii_case("refresh") && in_content {
                problems.push(format!("<{}> refresh in the content", tag.name));
            }
        }
        if tag.name == "script" {
            let ty = tag
                .attrs
                .iter()
                .find(|(n, _)| n == "type")
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            let has_src = tag.attrs.iter().any(|(n, _)| n == "src");
            let text = tag.script_text.as_deref().unwrap_or("");
            if ty == "application/ld+json" || ty == "application/json" {
                if serde_json::from_str::<serde_json::Value>(text).is_err() {
                    problems.push(format!("<script type={ty}> is not JSON: {text:.200}"));
                }
            } else if in_content || !has_src || !text.trim().is_empty() {
                problems.push(format!("<script> element: {text:.200}"));
            }
        }
        // A theme may put a search form in its pages (its action is checked
        // above); content may not.
        let theme_form = trusted_layout && tag.name == "form";
        if FORBIDDEN.contains(&tag.name.as_str()) && in_content && !theme_form {
            problems.push(format!("<{}> element in the content", tag.name));
        }
    }
    problems
}

// ---------------------------------------------------------------------
// Raw HTML in Markdown.

struct NoSite;
impl Resolver for NoSite {
    fn resolve_link(&self, target: &str, _lang: &str) -> Result<(String, usize), String> {
        Err(format!("no page `{target}`"))
    }
    fn render_shortcode(
        &self,
        name: &str,
        _args: &markdown::shortcodes::Args,
        _body: Option<&str>,
    ) -> Result<String, String> {
        Err(format!("no shortcode `{name}`"))
    }
}

/// XSS vectors, one Markdown document each.
const VECTORS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" onerror=\"alert(1)\"/>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a href=\"java\tscript:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;avascript&colon;alert(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
    "<form action=\"javascript:alert(1)\"><button formaction=\"javascript:alert(1)\">x</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"https://evil.example/\">",
    "<link rel=\"stylesheet\" href=\"https://evil.example/x.css\">",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<details open ontoggle=alert(1)>x</details>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<body onload=alert(1)>",
    "<x onclick=alert(1)>x</x>",
    "<template><script>alert(1)</script></template>",
    "<!--><script>alert(1)</script>-->",
    "<!-- --!><img src=x onerror=alert(1)> -->",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "![x\" onerror=\"alert(1)](https://example.org/a.png)",
    "[x](https://example.org/ \"t\\\" onmouseover=\\\"alert(1)\")",
    "<javascript:alert(1)>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "## Heading <img src=x onerror=alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "Footnote[^a]\n\n[^a]: <img src=x onerror=alert(1)>",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "- [ ] <img src=x onerror=alert(1)>",
];

fn render_with(text: &str, allow_raw_html: bool) -> String {
    let config = MarkdownConfig {
        allow_raw_html,
        ..MarkdownConfig::default()
    };
    match markdown::render(text, 1, Path::new("x.md"), "en", &config, &NoSite) {
        Ok(r) => r.html,
        Err(e) => panic!("{text}: {e:?}"),
    }
}

#[test]
fn raw_html_is_escaped_by_default() {
    for v in VECTORS {
        let html = render_with(v, false);
        let problems = html_problems(&html, false);
        assert!(problems.is_empty(), "{v}\n=> {html}\n{problems:#?}");
        let raw_tags: Vec<String> = tags(&html)
            .into_iter()
            .map(|t| t.name)
            .filter(|n| {
                ![
                    "p", "a", "img", "h2", "code", "pre", "span", "table", "thead", "tbody", "tr",
                    "th", "td", "ul", "li", "input", "sup", "section", "ol", "br",
                ]
                .contains(&n.as_str())
            })
            .collect();
        assert!(
            raw_tags.is_empty(),
            "{v}\n=> {html}\nunexpected elements {raw_tags:?}"
        );
    }
}

#[test]
fn raw_html_is_sanitised_when_allowed() {
    for v in VECTORS {
        let html = render_with(v, true);
        let problems = html_problems(&html, false);
        assert!(problems.is_empty(), "{v}\n=> {html}\n{problems:#?}");
    }
    // What is allowed survives: the sanitiser is not just dropping everything.
    let html = render_with(
        "<details><summary>More</summary>\n\n<b>bold</b> <a href=\"https://example.org/\" title=\"t\">x</a>\n\n</details>",
        true,
    );
    assert!(html.contains("<details><summary>More</summary>"), "{html}");
    assert!(html.contains("<b>bold</b>"), "{html}");
    assert!(html.contains("href=\"https://example.org/\""), "{html}");
}

#[test]
fn the_checker_finds_what_it_looks_for() {
    // The checks above are only as good as this scanner: it must catch the
    // vectors when they are not neutralised.
    for (html, what) in [
        ("<p><img src=x onerror=alert(1)></p>", "event handler"),
        (
            "<a href=\"&#106;avascript&colon;alert(1)\">x</a>",
            "script URL",
        ),
        ("<a href=' JaVa\tScRiPt:alert(1)'>x</a>", "script URL"),
        ("<p>x</p><script>alert(1)</script>", "<script> element"),
        ("<iframe src=x></iframe>", "<iframe> element"),
        (
            "<head><script src=\"/a.js\"></script></head><main><script src=\"/b.js\"></script></main>",
            "<script> element",
        ),
        ("<p title=\"a\" ONMOUSEOVER=\"alert(1)\">", "event handler"),
    ] {
        let problems = html_problems(html, false);
        assert!(
            problems.iter().any(|p| p.contains(what)),
            "{html}: {problems:?}"
        );
    }
    assert!(
        html_problems(
            "<p>&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=</p>",
            false
        )
        .is_empty()
    );
}

// ---------------------------------------------------------------------
// Hostile values in front matter, through the whole build.

/// Checks one output file; returns its problems.
fn check_file(rel: &str, bytes: &[u8], trusted_layout: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(text) = std::str::from_utf8(bytes) else {
        return problems; // images and other binary files
    };
    if rel.ends_with(".html") {
        problems.extend(
            html_problems(text, trusted_layout)
                .into_iter()
                .map(|p| format!("{rel}: {p}")),
        );
    } else if rel.ends_with(".xml") {
        match roxmltree::Document::parse(text) {
            Err(e) => problems.push(format!("{rel}: not well-formed XML: {e}")),
            Ok(doc) => {
                for node in doc.descendants().filter(|n| n.is_element()) {
                    let html_content = node.attribute("type") == Some("html");
                    if let Some(t) = node.text() {
                        if html_content {
                            problems.extend(
                                html_problems(t, false)
                                    .into_iter()
                                    .map(|p| format!("{rel} <{}>: {p}", node.tag_name().name())),
                            );
                        } else if t.contains("<script") && node.tag_name().name() != "title" {
                            // Text elements hold text: a tag in them is only
                            // text, but it should come from a payload.
                            if !t.contains(PAYLOAD) {
                                problems.push(format!(
                                    "{rel} <{}>: markup in text: {t:.200}",
                                    node.tag_name().name()
                                ));
                            }
                        }
                    }
                }
            }
        }
    } else if rel.ends_with(".json")
        && let Err(e) = serde_json::from_str::<serde_json::Value>(text)
    {
        problems.push(format!("{rel}: not JSON: {e}"));
    }
    problems
}

/// Every string in a JSON value.
fn json_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(m) => m.values().for_each(|x| json_strings(x, out)),
        _ => {}
    }
}

/// `s` as a double-quoted string, for TOML and for shortcode arguments.
fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A site whose templates print every field in text and attribute context,
/// as JSON in a script element, and through the `markdown` filter.
fn hostile_site() -> tempfile::TempDir {
    let p = toml_str(PAYLOAD);
    let page = format!(
        "+++\ntitle = {p}\ndescription = {p}\ndate = 2008-06-26\n\
         [taxonomies]\nwork_areas = [{p}, \"Legal Measures\"]\nregions = [{p}]\n\
         stakeholders = [{p}]\ntypes = [{p}]\n\
         [[sources]]\ntitle = {p}\npublisher = {p}\ndate = \"2008-06\"\nurl = {u}\n\
         [extra]\nnote = {p}\nlist = [{p}]\n+++\n\
         # {PAYLOAD}\n\n{PAYLOAD}\n\n[{PAYLOAD}](https://example.org/ {q})\n\n![{PAYLOAD}](https://example.org/a.png)\n\n\
         `{PAYLOAD}`\n\n{{{{ tag(text={p}) }}}}\n\n## Part {PAYLOAD}\n\nText[^n].\n\n[^n]: {PAYLOAD}\n",
        q = toml_str(PAYLOAD),
        u = toml_str(URL_PAYLOAD)
    );
    let section = |feed: bool| {
        format!(
            "+++\ntitle = {p}\ndescription = {p}\nsort_by = \"date\"\nfeed = {feed}\n[extra]\nnote = {p}\n+++\n{PAYLOAD}\n"
        )
    };
    let head = "<!doctype html><html><head><meta charset=\"utf-8\">";
    let page_tpl = format!(
        "{head}<title>{{{{ page.title }}}}</title>\
         <meta name=\"description\" content=\"{{{{ page.description }}}}\">\
         <script type=\"application/ld+json\">{{{{ page | json_encode }}}}</script></head><body>\
         <h1 title=\"{{{{ page.title }}}}\" data-x='{{{{ page.title }}}}'>{{{{ page.title }}}}</h1>\
         <p>{{{{ page.description }}}}</p><div>{{{{ page.description | markdown }}}}</div>\
         <p>{{{{ page.extra.note }}}} {{% for x in page.extra.list %}}{{{{ x }}}}{{% endfor %}}</p>\
         <ul>{{% for s in page.sources %}}<li><a href=\"{{{{ s.url }}}}\" title=\"{{{{ s.publisher }}}}\">{{{{ s.title }}}}</a> {{{{ s.date }}}}</li>{{% endfor %}}</ul>\
         {{% for name, terms in page.terms %}}<p>{{{{ name }}}}: {{% for t in terms %}}<a href=\"{{{{ t.url }}}}\">{{{{ t.name }}}}</a>{{% endfor %}}</p>{{% endfor %}}\
         <nav>{{% for h in page.toc %}}<a href=\"#{{{{ h.id }}}}\">{{{{ h.title }}}}</a>{{% endfor %}}</nav>\
         <main>{{{{ page.content }}}}</main><p>{{{{ page.summary }}}}</p></body></html>"
    );
    let list_tpl = format!(
        "{head}<title>{{{{ section.title }}}}</title></head><body><h1 title=\"{{{{ section.title }}}}\">{{{{ section.title }}}}</h1>\
         <p>{{{{ section.description }}}} {{{{ section.extra.note }}}}</p>{{{{ section.content }}}}\
         {{% for p in section.pages %}}<a href=\"{{{{ p.url }}}}\" title=\"{{{{ p.title }}}}\">{{{{ p.title }}}}</a>{{% endfor %}}</body></html>"
    );
    let taxonomy_tpl = format!(
        "{head}<title>{{{{ taxonomy.title }}}}</title></head><body>{{% for t in terms %}}<a href=\"{{{{ t.url }}}}\" title=\"{{{{ t.name }}}}\">{{{{ t.name }}}}</a>{{% endfor %}}</body></html>"
    );
    let term_tpl = format!(
        "{head}<title>{{{{ term.name }}}}</title></head><body><h1 data-term=\"{{{{ term.name }}}}\">{{{{ term.name }}}}</h1>\
         {{% for p in term.pages %}}<a href=\"{{{{ p.url }}}}\">{{{{ p.title }}}}</a>{{% endfor %}}</body></html>"
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let files: Vec<(String, String)> = vec![
        (
            "config.toml".into(),
            "title = \"Hostile\"\nbase_url = \"https://example.org/\"\ntheme = \"none\"\n\
             [[taxonomies]]\nname = \"work_areas\"\nfeed = true\n[[taxonomies]]\nname = \"regions\"\n\
             [[taxonomies]]\nname = \"stakeholders\"\n[[taxonomies]]\nname = \"types\"\n"
                .into(),
        ),
        ("templates/page.html".into(), page_tpl),
        ("templates/index.html".into(), list_tpl.clone()),
        ("templates/section.html".into(), list_tpl),
        ("templates/taxonomy_list.html".into(), taxonomy_tpl),
        ("templates/taxonomy_single.html".into(), term_tpl),
        ("templates/shortcodes/tag.html".into(), "<span class=\"tag\" title=\"{{ text }}\">{{ text }}</span>".into()),
        ("content/_index.md".into(), section(false)),
        ("content/docs/_index.md".into(), section(true)),
        ("content/docs/hostile.md".into(), page),
    ];
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn hostile_front_matter_is_escaped_in_every_output() {
    let site = hostile_site();
    let out = site.path().join("public");
    let o = build(site.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files = tree(&out);
    let mut problems = Vec::new();
    for (rel, bytes) in &files {
        problems.extend(check_file(rel, bytes, true));
    }
    assert!(problems.is_empty(), "{problems:#?}");

    // The payload is there, escaped once: not dropped, not double-escaped.
    let page = read(&out, "docs/hostile/index.html");
    let escaped = "&lt;script&gt;alert(1)&lt;&#x2F;script&gt;";
    let alt_escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
    assert!(
        page.contains(escaped) || page.contains(alt_escaped),
        "the title is shown escaped:\n{page}"
    );
    assert!(!page.contains("&amp;lt;script"), "escaped twice:\n{page}");
    let h1 = tags(&page).into_iter().find(|t| t.name == "h1").unwrap();
    assert_eq!(
        h1.attrs
            .iter()
            .find(|(n, _)| n == "title")
            .map(|(_, v)| v.as_str()),
        Some(PAYLOAD),
        "an attribute holds the payload exactly, as text"
    );

    // Feeds: the title comes back exactly; the content is HTML that passes.
    let feed = read(&out, "atom.xml");
    let doc = roxmltree::Document::parse(&feed).unwrap();
    let titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("title"))
        .filter_map(|n| n.text())
        .collect();
    assert!(titles.contains(&PAYLOAD), "feed titles: {titles:?}");

    // JSON gives the payload back exactly.
    let api: serde_json::Value = serde_json::from_str(&read(&out, "api/pages.json")).unwrap();
    let mut strings = Vec::new();
    json_strings(&api, &mut strings);
    assert!(strings.iter().any(|s| s == PAYLOAD), "{strings:?}");

    // Sitemap: well-formed (checked above) and URLs only from slugs.
    let sitemap = read(&out, "sitemap.xml");
    assert!(!sitemap.contains("<script"), "{sitemap}");

    // Search shards: `__gcaSearchData(<JSON>);` files (`meta.js` starts
    // with the reader's code). Each must hold valid JSON, and the document
    // table must give the title back exactly: the search UI then inserts it
    // as text (its own tests check that).
    let mut shard_strings = Vec::new();
    let mut shards = 0;
    for (rel, bytes) in files.iter().filter(|(k, _)| k.starts_with("search/")) {
        if !rel.ends_with(".js") {
            continue;
        }
        let v = search_index::shards::payload(bytes)
            .unwrap_or_else(|e| panic!("{rel}: not a __gcaSearchData(<JSON>) file: {e}"));
        json_strings(&v, &mut shard_strings);
        shards += 1;
    }
    assert!(shards > 0, "the build wrote no search files");
    assert!(
        shard_strings.iter().any(|s| s == PAYLOAD),
        "the search document table lacks the title"
    );
}

/// A source address with markup and a quote in it: a web address (it has
/// no space), so it is accepted, and it must stay one attribute value.
const URL_PAYLOAD: &str = "https://example.org/?q=<script>alert(4)</script>\"onmouseover=alert(5)";

/// Adds `value` to the end of the `values = [...]` list of taxonomy `name`
/// in a config.toml.
fn allow_value(config: &str, name: &str, value: &str) -> String {
    let at = config
        .find(&format!("name = \"{name}\""))
        .unwrap_or_else(|| panic!("no taxonomy {name}"));
    let close = at + config[at..].find("\n]").expect("a values list");
    format!(
        "{}\n    {},{}",
        &config[..close],
        toml_str(value),
        &config[close..]
    )
}

/// Copies the GCA site and theme into `dir`, with one hostile page and one
/// hostile section; every value the theme shows holds the payload: title,
/// description, the sources' title, publisher and url, `extra.speaker`,
/// `extra.occasion` and `extra.place`, and a value of every taxonomy. The
/// taxonomies with a closed list (work areas, stakeholders, types) get the
/// payload added to that list in config.toml and the documents schema; a
/// type's label comes from the UI strings, so the site's `i18n/en.toml`
/// gives the payload as the label too. Returns the site folder.
fn hostile_gca_site(dir: &Path) -> std::path::PathBuf {
    let site = dir.join("site");
    copy_dir(&repo().join("site"), &site);
    copy_dir(&repo().join("themes"), &dir.join("themes"));
    let p = toml_str(PAYLOAD);
    let u = toml_str(URL_PAYLOAD);
    let config_path = site.join("config.toml");
    let mut config = std::fs::read_to_string(&config_path).unwrap();
    for tax in ["work_areas", "stakeholders", "types"] {
        config = allow_value(&config, tax, PAYLOAD);
    }
    std::fs::write(&config_path, config).unwrap();
    let schema_path = site.join("content/documents/_index.md");
    let schema = std::fs::read_to_string(&schema_path).unwrap();
    let schema = schema.replace(
        "[schema.taxonomies]\nwork_areas = [",
        &format!("[schema.taxonomies]\nwork_areas = [{p}, "),
    );
    assert!(
        schema.contains(PAYLOAD.split('"').next().unwrap()),
        "the schema allows the payload"
    );
    std::fs::write(&schema_path, schema).unwrap();
    // A type's label is `trans(key="type_<slug>")`.
    let type_key = format!("type_{}", gca::slug::slugify(PAYLOAD));
    std::fs::create_dir_all(site.join("i18n")).unwrap();
    std::fs::write(site.join("i18n/en.toml"), format!("{type_key} = {p}\n")).unwrap();
    let taxonomies = format!(
        "[taxonomies]\nwork_areas = [{p}, \"Legal Measures\"]\nstakeholders = [{p}, \"Governments\"]\n\
         regions = [{p}]\ntypes = [{p}, \"document\"]\n"
    );
    let sources = format!(
        "[[sources]]\ntitle = {p}\npublisher = {p}\ndate = \"2008-06\"\nurl = {u}\n\
         [[sources]]\ntitle = {p}\npublisher = {p}\n"
    );
    std::fs::write(
        site.join("content/documents/hostile.md"),
        format!(
            "+++\ntitle = {p}\ndescription = {p}\ndate = 2008-06-27\n{taxonomies}{sources}\
             [extra]\nspeaker = {p}\noccasion = {p}\nplace = {p}\nnote = {p}\n+++\n\
             {PAYLOAD}\n\n## {PAYLOAD}\n\n[{PAYLOAD}](https://example.org/)\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(site.join("content/hostile")).unwrap();
    std::fs::write(
        site.join("content/hostile/_index.md"),
        format!(
            "+++\ntitle = {p}\ndescription = {p}\n{taxonomies}{sources}\
             [extra]\nnote = {p}\n+++\n{PAYLOAD}\n"
        ),
    )
    .unwrap();
    site
}

#[test]
fn the_gca_theme_escapes_hostile_values() {
    // The real site and theme, with a hostile page in a section whose
    // schema it satisfies, and a hostile section.
    let dir = tempfile::tempdir().unwrap();
    let site = hostile_gca_site(dir.path());
    let out = dir.path().join("public");
    let o = build(&site, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files = tree(&out);
    let mut problems = Vec::new();
    for (rel, bytes) in &files {
        problems.extend(check_file(rel, bytes, true));
    }
    assert!(problems.is_empty(), "{problems:#?}");

    // Each value is shown, as text: the theme did not drop it, and the
    // checks above saw it.
    let page = read(&out, "documents/hostile/index.html");
    let shown = |html: &str, before: &str| {
        let at = html
            .find(before)
            .unwrap_or_else(|| panic!("no `{before}` in the page"));
        decode_entities(&html[at..]).contains(PAYLOAD)
    };
    for marker in [
        "<dl class=\"facts\">",
        "<section class=\"sources\"",
        "<span class=\"sources__meta\">",
        "<section class=\"tags\"",
    ] {
        assert!(
            shown(&page, marker),
            "the payload is not shown after `{marker}`"
        );
    }
    let facts = &page[page.find("<dl class=\"facts\">").unwrap()..];
    let facts = &facts[..facts.find("</dl>").unwrap()];
    assert_eq!(
        decode_entities(facts).matches(PAYLOAD).count(),
        3,
        "speaker, occasion and place each show the payload: {facts}"
    );
    let hrefs: Vec<String> = tags(&page)
        .into_iter()
        .flat_map(|t| t.attrs)
        .filter(|(n, _)| n == "href")
        .map(|(_, v)| v)
        .collect();
    assert!(
        hrefs.iter().any(|h| h == URL_PAYLOAD),
        "the source's url is one attribute value, exactly: {hrefs:?}"
    );
    // The term pages of the taxonomies with closed lists exist, and show
    // the payload as their name.
    let slug = gca::slug::slugify(PAYLOAD);
    for tax in ["work-areas", "stakeholders", "types", "regions"] {
        let rel = format!("browse/{tax}/{slug}/index.html");
        let html = read(&out, &rel);
        assert!(
            decode_entities(&html).contains(PAYLOAD),
            "{rel} lacks the payload"
        );
    }
    let section = read(&out, "hostile/index.html");
    assert!(
        shown(&section, "<section class=\"sources\""),
        "the section's sources are shown"
    );

    // Feeds, sitemap, api JSON and search files parse (checked above), and
    // the JSON and search files give the values back exactly.
    let api: serde_json::Value = serde_json::from_str(&read(&out, "api/pages.json")).unwrap();
    let mut strings = Vec::new();
    json_strings(&api, &mut strings);
    assert!(
        strings.iter().any(|s| s == PAYLOAD),
        "api/pages.json lacks the payload"
    );
    let mut shard_strings = Vec::new();
    for (rel, bytes) in files.iter().filter(|(k, _)| k.starts_with("search/")) {
        if rel.ends_with(".js") {
            let v = search_index::shards::payload(bytes)
                .unwrap_or_else(|e| panic!("{rel}: not a __gcaSearchData(<JSON>) file: {e}"));
            json_strings(&v, &mut shard_strings);
        }
    }
    assert!(
        shard_strings.iter().any(|s| s == PAYLOAD),
        "the search files lack the payload"
    );
    let feeds: Vec<&String> = files
        .keys()
        .filter(|k| k.ends_with(".xml") && k.contains("atom"))
        .collect();
    assert!(
        feeds.iter().any(|k| {
            let text = std::str::from_utf8(&files[*k]).unwrap();
            let doc = roxmltree::Document::parse(text).unwrap();
            doc.descendants()
                .any(|n| n.has_tag_name("title") && n.text() == Some(PAYLOAD))
        }),
        "no feed gives the title back: {feeds:?}"
    );
}

#[test]
fn hostile_dates_are_refused() {
    // Dates are not free text: a page's `date` and `updated` and a source's
    // `date` holding markup are errors naming the file and line, not text
    // that reaches a template.
    for (field, front) in [
        ("date", format!("date = {}\n", toml_str(PAYLOAD))),
        ("updated", format!("updated = {}\n", toml_str(PAYLOAD))),
        (
            "sources.date",
            format!("[[sources]]\ntitle = \"A\"\ndate = {}\n", toml_str(PAYLOAD)),
        ),
        (
            "sources.url",
            format!(
                "[[sources]]\ntitle = \"A\"\nurl = {}\n",
                toml_str("javascript:alert(1)//https://example.org/")
            ),
        ),
    ] {
        let page = format!("+++\ntitle = \"Hostile\"\n{front}+++\nText.\n");
        let site = small_site(&[("content/hostile.md", &page)]);
        let out = site.path().join("public");
        let o = build(site.path(), &out);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{field}: {stderr}");
        let line = page.lines().position(|l| l.contains("alert(")).unwrap() + 1;
        let located = format!(
            "{}:{line}",
            site.path().join("content/hostile.md").display()
        );
        assert!(
            stderr.contains(&located),
            "{field}: no `{located}` in\n{stderr}"
        );
        assert!(
            stderr.contains("help:") || stderr.contains("write"),
            "{field}: {stderr}"
        );
        assert!(!out.exists(), "{field}: a failed build wrote output");
    }
}
