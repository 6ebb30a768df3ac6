//! Markdown to HTML with comrak: CommonMark + GFM, heading ids and a table
//! of contents, `@/` internal links, shortcodes, code highlighting, the
//! summary marker, and the plain text the search index needs.
//!
//! Rendering is a pure function of the Markdown and a [`Resolver`] that
//! knows the site's pages and shortcode templates.

pub mod highlight;
pub mod shortcodes;

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::{self, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use comrak::nodes::{AstNode, NodeValue};
use comrak::{Arena, Options};
use serde::Serialize;

use crate::config::MarkdownConfig;
use crate::error::Diagnostic;
use crate::slug::slugify;
use highlight::escape_html;
use shortcodes::{Args, TOKEN_END, TOKEN_START};

/// Longest time one page may take to parse before it is refused.
const PARSE_DEADLINE: Duration = Duration::from_secs(20);

/// Deepest nesting of Markdown (quotes, lists, emphasis, links) a page may
/// have. Browsers stop nesting elements at 512 levels and readers lose track
/// long before; past this limit, sanitising costs quadratic time.
pub const MAX_NESTING: usize = 100;

/// Deepest nesting of elements that raw HTML may leave open (when the site
/// allows raw HTML). The HTML parser of the sanitiser takes quadratic time
/// and memory on elements left open, such as `<b id=1></p><p><b id=2>`...
pub const MAX_RAW_HTML_NESTING: usize = 100;

/// How deeply shortcode bodies may nest.
const MAX_SHORTCODE_DEPTH: usize = 8;

/// What the renderer needs from the rest of the site.
pub trait Resolver: Sync {
    /// Resolves an internal link target (the part after `@/`, without the
    /// anchor) seen on a page in language `lang`. Returns the URL and an id
    /// of the target for later anchor checks, or why it failed.
    fn resolve_link(&self, target: &str, lang: &str) -> Result<(String, usize), String>;

    /// Renders shortcode `name` with its arguments and, for the body form,
    /// the body already rendered to HTML.
    fn render_shortcode(
        &self,
        name: &str,
        args: &Args,
        body_html: Option<&str>,
    ) -> Result<String, String>;
}

/// One heading of a page, with the headings below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    /// 1 to 6.
    pub level: u8,
    /// The heading's `id`.
    pub id: String,
    /// Heading text.
    pub title: String,
    /// Headings of a deeper level that follow, up to the next one of this level.
    pub children: Vec<TocEntry>,
}

/// An `@/` link found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalLink {
    /// Id of the target, from [`Resolver::resolve_link`].
    pub target: usize,
    /// The link as written, for messages.
    pub written: String,
    /// Anchor after `#`, if any.
    pub anchor: Option<String>,
    /// Line in the Markdown file.
    pub line: usize,
}

/// A link to another site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalLink {
    /// The URL.
    pub url: String,
    /// Line in the Markdown file.
    pub line: usize,
}

/// An image found on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    /// `src` as written.
    pub src: String,
    /// Alternative text (may be empty: `gca check` reports it).
    pub alt: String,
    /// Line in the Markdown file.
    pub line: usize,
}

/// A rendered page body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The body's HTML.
    pub html: String,
    /// HTML before `<!-- more -->`, when the marker is present.
    pub summary: Option<String>,
    /// Table of contents.
    pub toc: Vec<TocEntry>,
    /// Every heading id, in order.
    pub heading_ids: Vec<String>,
    /// `@/` links.
    pub internal_links: Vec<InternalLink>,
    /// Links to other sites.
    pub external_links: Vec<ExternalLink>,
    /// Images.
    pub images: Vec<Image>,
    /// Plain text split at headings, for search.
    pub sections: Vec<search_index::SectionRecord>,
    /// Words of prose.
    pub word_count: usize,
    /// Text of the first level-1 heading, if any.
    pub h1: Option<String>,
}

/// Renders `text` (a page body that starts on line `first_line` of `file`).
/// Problems are collected, so a page reports all its errors at once.
pub fn render(
    text: &str,
    first_line: usize,
    file: &Path,
    lang: &str,
    config: &MarkdownConfig,
    resolver: &dyn Resolver,
) -> Result<Rendered, Vec<Diagnostic>> {
    let mut r = Renderer {
        config,
        resolver,
        file,
        lang,
        diagnostics: Vec::new(),
        used_ids: HashSet::new(),
        next_suffix: HashMap::new(),
        out: Rendered::default(),
    };
    let fragment = r.fragment(text, first_line - 1, 0);
    if r.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(r.diagnostics);
    }
    let mut out = r.out;
    let (summary, html) = split_summary(fragment.html);
    out.summary = summary;
    out.html = html;
    out.toc = build_toc(&fragment.headings);
    out.heading_ids = fragment.headings.iter().map(|h| h.1.clone()).collect();
    out.sections = fragment.sections;
    out.word_count = fragment.words;
    out.h1 = fragment.h1;
    out.shrink();
    Ok(out)
}

impl Rendered {
    /// Gives back the spare capacity left by strings grown while rendering:
    /// every page's result is kept until the templates have run, and the
    /// slack would otherwise add up to a third of the build's memory.
    fn shrink(&mut self) {
        self.html.shrink_to_fit();
        if let Some(s) = &mut self.summary {
            s.shrink_to_fit();
        }
        self.toc.shrink_to_fit();
        self.heading_ids.shrink_to_fit();
        for s in &mut self.sections {
            s.text.shrink_to_fit();
            s.code.shrink_to_fit();
            s.heading.shrink_to_fit();
        }
        self.sections.shrink_to_fit();
        self.internal_links.shrink_to_fit();
        self.external_links.shrink_to_fit();
        self.images.shrink_to_fit();
    }
}

struct Renderer<'a> {
    config: &'a MarkdownConfig,
    resolver: &'a dyn Resolver,
    file: &'a Path,
    lang: &'a str,
    diagnostics: Vec<Diagnostic>,
    used_ids: HashSet<String>,
    /// Per heading slug, the next `-n` suffix to try, so that many equal
    /// headings take linear time.
    next_suffix: HashMap<String, usize>,
    out: Rendered,
}

/// One rendered piece of Markdown (the page, or a shortcode body).
struct Fragment {
    html: String,
    /// (level, id, text) of each heading.
    headings: Vec<(u8, String, String)>,
    sections: Vec<search_index::SectionRecord>,
    /// All plain text, for shortcode bodies embedded in a parent.
    text: String,
    words: usize,
    h1: Option<String>,
}

struct ShortcodeOutput {
    html: String,
    text: String,
}

impl Renderer<'_> {
    fn error(&mut self, line: usize, message: String, help: &str) {
        self.diagnostics.push(
            Diagnostic::error(message)
                .in_file(self.file)
                .at_line(line)
                .help(help),
        );
    }

    fn fragment(&mut self, text: &str, line_offset: usize, depth: usize) -> Fragment {
        let prepared = match shortcodes::prepare(text) {
            Ok(p) => p,
            Err(e) => {
                self.error(line_offset + e.line, e.message, &e.help);
                return Fragment {
                    html: String::new(),
                    headings: Vec::new(),
                    sections: Vec::new(),
                    text: String::new(),
                    words: 0,
                    h1: None,
                };
            }
        };

        // Render shortcodes first: their bodies are Markdown too.
        let mut outputs = Vec::with_capacity(prepared.calls.len());
        for call in &prepared.calls {
            outputs.push(self.shortcode(call, line_offset, depth));
        }

        let options = self.options();
        let arena = Arena::new();
        let started = Instant::now();
        let cancel = || started.elapsed() > PARSE_DEADLINE;
        let root = match comrak::try_parse_document(&arena, &prepared.text, &options, &cancel) {
            Ok(root) => root,
            Err(_) => {
                self.error(
                    line_offset + 1,
                    "this Markdown takes too long to parse".into(),
                    "simplify deeply nested lists, quotes or emphasis",
                );
                return Fragment {
                    html: String::new(),
                    headings: Vec::new(),
                    sections: Vec::new(),
                    text: String::new(),
                    words: 0,
                    h1: None,
                };
            }
        };

        if let Some((line, message)) = nesting_problem(root, self.config.allow_raw_html) {
            self.error(
                line_offset + line,
                message,
                "flatten it: split deep lists and quotes into sections, and close the HTML tags you open",
            );
            return Fragment {
                html: String::new(),
                headings: Vec::new(),
                sections: Vec::new(),
                text: String::new(),
                words: 0,
                h1: None,
            };
        }

        let headings = self.assign_heading_ids(root);
        self.rewrite_links(root, line_offset);
        let (sections, all_text, words, h1) = extract_text(root, &headings, &outputs);

        let heading_adapter =
            HeadingIds(Mutex::new(headings.iter().map(|h| h.1.clone()).collect()));
        let highlighter = highlight::Highlighter {
            enabled: self.config.highlight_code,
        };
        let mut plugins = comrak::options::Plugins::default();
        plugins.render.codefence_syntax_highlighter = Some(&highlighter);
        plugins.render.heading_adapter = Some(&heading_adapter);
        let mut html = String::with_capacity(prepared.text.len() * 3 / 2);
        if comrak::format_html_with_plugins(root, &options, &mut html, &plugins).is_err() {
            self.error(
                line_offset + 1,
                "this Markdown could not be rendered".into(),
                "simplify the page's structure",
            );
        }
        if self.config.allow_raw_html {
            html = sanitize(&html);
        }
        let html = substitute_tokens(&html, &outputs);
        Fragment {
            html,
            headings,
            sections,
            text: all_text,
            words,
            h1,
        }
    }

    fn options(&self) -> Options<'static> {
        let mut o = Options::default();
        o.extension.strikethrough = true;
        o.extension.table = true;
        o.extension.autolink = true;
        o.extension.tasklist = true;
        o.extension.footnotes = true;
        o.extension.header_attributes = true;
        o.parse.smart = self.config.smart_punctuation;
        o.render.r#unsafe = self.config.allow_raw_html;
        o.render.escape = !self.config.allow_raw_html;
        o
    }

    fn shortcode(
        &mut self,
        call: &shortcodes::Call,
        line_offset: usize,
        depth: usize,
    ) -> ShortcodeOutput {
        let line = line_offset + call.line;
        let mut text = String::new();
        let body_html = match &call.body {
            Some(_) if depth >= MAX_SHORTCODE_DEPTH => {
                self.error(
                    line,
                    format!(
                        "shortcode `{}` is nested more than {MAX_SHORTCODE_DEPTH} deep",
                        call.name
                    ),
                    "nest fewer body shortcodes",
                );
                None
            }
            Some(body) => {
                let inner = self.fragment(body, line_offset + call.body_line - 1, depth + 1);
                text = inner.text;
                Some(inner.html)
            }
            None => None,
        };
        match self
            .resolver
            .render_shortcode(&call.name, &call.args, body_html.as_deref())
        {
            Ok(html) => {
                if call.body.is_none() {
                    text = strip_tags(&html);
                }
                ShortcodeOutput { html, text }
            }
            Err(message) => {
                self.error(
                    line,
                    message,
                    "shortcodes are templates in `templates/shortcodes/<name>.html` of the site or theme",
                );
                ShortcodeOutput {
                    html: String::new(),
                    text,
                }
            }
        }
    }

    /// Gives every heading an id: `{#custom}` if written, else the slug of
    /// its text, made unique on the page.
    fn assign_heading_ids<'a>(&mut self, root: &'a AstNode<'a>) -> Vec<(u8, String, String)> {
        let mut out = Vec::new();
        for node in root.descendants() {
            let level = match &node.data().value {
                NodeValue::Heading(h) => h.level,
                _ => continue,
            };
            let text = collect_plain(node);
            let custom = node
                .data()
                .attrs
                .as_ref()
                .and_then(|a| a.id.clone())
                .filter(|id| !id.is_empty());
            let id = match custom {
                Some(id) => {
                    self.used_ids.insert(id.clone());
                    id
                }
                None => {
                    let base = match slugify(&text) {
                        s if s.is_empty() => "section".to_string(),
                        s => s,
                    };
                    let mut id = base.clone();
                    let n = self.next_suffix.entry(base.clone()).or_insert(1);
                    while !self.used_ids.insert(id.clone()) {
                        id = format!("{base}-{n}");
                        *n += 1;
                    }
                    id
                }
            };
            out.push((level, id, text));
        }
        out
    }

    /// Resolves `@/` links in place and records every link and image.
    fn rewrite_links<'a>(&mut self, root: &'a AstNode<'a>, line_offset: usize) {
        for node in root.descendants() {
            let line = line_offset + node.data().sourcepos.start.line;
            let mut data = node.data_mut();
            match &mut data.value {
                NodeValue::Link(link) => {
                    if let Some(rest) = link.url.strip_prefix("@/") {
                        let (target, anchor) = match rest.split_once('#') {
                            Some((t, a)) => (t.to_string(), Some(a.to_string())),
                            None => (rest.to_string(), None),
                        };
                        let written = link.url.clone();
                        match self.resolver.resolve_link(&target, self.lang) {
                            Ok((url, id)) => {
                                link.url = match &anchor {
                                    Some(a) => format!("{url}#{a}"),
                                    None => url,
                                };
                                self.out.internal_links.push(InternalLink {
                                    target: id,
                                    written,
                                    anchor,
                                    line,
                                });
                            }
                            Err(reason) => {
                                drop(data);
                                self.error(
                                    line,
                                    format!("broken internal link `{written}`: {reason}"),
                                    "internal links name a content file: `@/work-areas/legal-measures/_index.md#anchor`",
                                );
                            }
                        }
                    } else if link.url.starts_with("http://") || link.url.starts_with("https://") {
                        self.out.external_links.push(ExternalLink {
                            url: link.url.clone(),
                            line,
                        });
                    }
                }
                NodeValue::Image(img) => {
                    let src = img.url.clone();
                    drop(data);
                    self.out.images.push(Image {
                        src,
                        alt: collect_plain(node),
                        line,
                    });
                }
                _ => {}
            }
        }
    }
}

/// Text of a node and its descendants, with soft breaks as spaces.
fn collect_plain<'a>(node: &'a AstNode<'a>) -> String {
    let mut out = String::new();
    for d in node.descendants() {
        match &d.data().value {
            NodeValue::Text(t) => out.push_str(t),
            NodeValue::Code(c) => out.push_str(&c.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// Finds the first place where the tree nests deeper than [`MAX_NESTING`]
/// or, with raw HTML allowed, where raw HTML leaves more than
/// [`MAX_RAW_HTML_NESTING`] elements open. Returns its line (in the parsed
/// text) and the message.
fn nesting_problem<'a>(root: &'a AstNode<'a>, raw_html: bool) -> Option<(usize, String)> {
    use comrak::arena_tree::NodeEdge;
    let mut depth = 0usize;
    let mut open = 0usize;
    for edge in root.traverse() {
        match edge {
            NodeEdge::Start(node) => {
                depth += 1;
                let data = node.data();
                if depth > MAX_NESTING {
                    return Some((
                        data.sourcepos.start.line,
                        format!(
                            "this Markdown nests lists, quotes or emphasis more than {MAX_NESTING} levels deep"
                        ),
                    ));
                }
                let raw = match &data.value {
                    NodeValue::HtmlBlock(b) if raw_html => b.literal.as_str(),
                    NodeValue::HtmlInline(s) if raw_html => s.as_str(),
                    _ => continue,
                };
                if raw_html_open_elements(raw, &mut open) > MAX_RAW_HTML_NESTING {
                    return Some((
                        data.sourcepos.start.line,
                        format!(
                            "raw HTML here leaves more than {MAX_RAW_HTML_NESTING} elements open"
                        ),
                    ));
                }
            }
            NodeEdge::End(_) => depth -= 1,
        }
    }
    None
}

/// Follows the start and end tags in `html`, updating `open`, the number of
/// elements left open so far; returns the most open at any point. Void
/// elements and those whose end tag may be left out (`p`, `li`, `td`...) are
/// not counted: the parser closes them itself. `<div/>` opens a `div`, as
/// in HTML.
fn raw_html_open_elements(html: &str, open: &mut usize) -> usize {
    const NOT_COUNTED: [&str; 30] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody",
        "tfoot", "option", "optgroup", "rb", "rt", "rp", "colgroup",
    ];
    let mut most = *open;
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(lt) = html[i..].find('<') {
        i += lt + 1;
        if html[i..].starts_with("!--") {
            match html[i..].find("-->") {
                Some(end) => i += end + 3,
                None => break,
            }
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let len = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if len == 0 || !bytes[start].is_ascii_alphabetic() {
            continue;
        }
        let name = html[start..start + len].to_ascii_lowercase();
        if NOT_COUNTED.contains(&name.as_str()) {
            continue;
        }
        if closing {
            *open = open.saturating_sub(1);
        } else {
            *open += 1;
            most = most.max(*open);
        }
        i = start + len;
    }
    most
}

/// Walks the tree in order and splits its text at headings.
fn extract_text<'a>(
    root: &'a AstNode<'a>,
    headings: &[(u8, String, String)],
    shortcodes: &[ShortcodeOutput],
) -> (
    Vec<search_index::SectionRecord>,
    String,
    usize,
    Option<String>,
) {
    use comrak::arena_tree::NodeEdge;
    let mut sections = vec![search_index::SectionRecord {
        anchor: None,
        heading: String::new(),
        level: 0,
        text: String::new(),
        code: String::new(),
    }];
    let mut all = String::new();
    let mut heading_index = 0;
    let mut in_heading = 0usize;
    let mut h1 = None;
    for edge in root.traverse() {
        match edge {
            NodeEdge::Start(node) => {
                let data = node.data();
                match &data.value {
                    NodeValue::Heading(h) => {
                        in_heading += 1;
                        if let Some((level, id, text)) = headings.get(heading_index) {
                            if h.level == 1 && h1.is_none() {
                                h1 = Some(text.clone());
                            }
                            sections.push(search_index::SectionRecord {
                                anchor: Some(id.clone()),
                                heading: text.clone(),
                                level: *level,
                                text: String::new(),
                                code: String::new(),
                            });
                            push_text(&mut all, text, shortcodes);
                            all.push('\n');
                        }
                        heading_index += 1;
                    }
                    NodeValue::Text(t) if in_heading == 0 => {
                        let current = sections.last_mut().expect("sections is never empty");
                        push_text(&mut current.text, t, shortcodes);
                        push_text(&mut all, t, shortcodes);
                    }
                    NodeValue::Code(c) if in_heading == 0 => {
                        let current = sections.last_mut().expect("sections is never empty");
                        current.text.push_str(&c.literal);
                        all.push_str(&c.literal);
                    }
                    NodeValue::SoftBreak | NodeValue::LineBreak if in_heading == 0 => {
                        sections
                            .last_mut()
                            .expect("sections is never empty")
                            .text
                            .push(' ');
                        all.push(' ');
                    }
                    NodeValue::CodeBlock(cb) => {
                        let current = sections.last_mut().expect("sections is never empty");
                        current.code.push_str(&cb.literal);
                        if !current.code.ends_with('\n') {
                            current.code.push('\n');
                        }
                    }
                    _ => {}
                }
            }
            NodeEdge::End(node) => {
                let data = node.data();
                match &data.value {
                    NodeValue::Heading(_) => in_heading = in_heading.saturating_sub(1),
                    v if v.block() => {
                        let current = sections.last_mut().expect("sections is never empty");
                        if !current.text.is_empty() && !current.text.ends_with('\n') {
                            current.text.push('\n');
                        }
                        if !all.is_empty() && !all.ends_with('\n') {
                            all.push('\n');
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    for s in &mut sections {
        let trimmed = s.text.trim_end().len();
        s.text.truncate(trimmed);
    }
    if sections.len() > 1 && sections[0].text.is_empty() && sections[0].code.is_empty() {
        sections.remove(0);
    }
    let words = count_words(&all);
    (sections, all, words, h1)
}

/// Appends `text`, replacing shortcode tokens by the shortcodes' text.
fn push_text(out: &mut String, text: &str, shortcodes: &[ShortcodeOutput]) {
    if !text.contains(TOKEN_START) {
        out.push_str(text);
        return;
    }
    let mut rest = text;
    while let Some(start) = rest.find(TOKEN_START) {
        out.push_str(&rest[..start]);
        let after = &rest[start + TOKEN_START.len_utf8()..];
        let Some(end) = after.find(TOKEN_END) else {
            out.push_str(after);
            return;
        };
        if let Some(n) = after[..end]
            .strip_prefix("gcasc")
            .and_then(|n| n.parse::<usize>().ok())
            && let Some(sc) = shortcodes.get(n)
        {
            out.push_str(&sc.text);
        }
        rest = &after[end + TOKEN_END.len_utf8()..];
    }
    out.push_str(rest);
}

/// Words in text; each CJK character counts as a word.
pub fn count_words(text: &str) -> usize {
    text.split_whitespace()
        .map(|w| {
            let cjk = w.chars().filter(|c| is_cjk(*c)).count();
            if cjk > 0 {
                cjk + usize::from(w.chars().count() > cjk)
            } else {
                1
            }
        })
        .sum()
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// Replaces shortcode tokens in rendered HTML by the shortcodes' HTML, in
/// one pass. A token alone in a paragraph replaces the whole paragraph.
/// Each shortcode is put in once, at the first place its token appears.
fn substitute_tokens(html: &str, outputs: &[ShortcodeOutput]) -> String {
    if outputs.is_empty() {
        return html.to_string();
    }
    let extra: usize = outputs.iter().map(|o| o.html.len()).sum();
    let mut out = String::with_capacity(html.len() + extra);
    let mut used = vec![false; outputs.len()];
    let mut rest = html;
    while let Some(start) = rest.find(TOKEN_START) {
        let after = &rest[start + TOKEN_START.len_utf8()..];
        let found = after.find(TOKEN_END).and_then(|end| {
            let i = after[..end].strip_prefix("gcasc")?.parse::<usize>().ok()?;
            (i < outputs.len() && !used[i]).then_some((i, end))
        });
        let Some((i, end)) = found else {
            out.push_str(&rest[..start + TOKEN_START.len_utf8()]);
            rest = after;
            continue;
        };
        used[i] = true;
        let mut before = &rest[..start];
        let mut tail = &after[end + TOKEN_END.len_utf8()..];
        if let (Some(b), Some(t)) = (before.strip_suffix("<p>"), tail.strip_prefix("</p>")) {
            before = b;
            tail = t;
        }
        out.push_str(before);
        out.push_str(&outputs[i].html);
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Splits at the `<!-- more -->` token: (summary, full HTML without it).
fn split_summary(html: String) -> (Option<String>, String) {
    let token = shortcodes::more_token();
    let Some(at) = html.find(&token) else {
        return (None, html);
    };
    let para = format!("<p>{token}</p>");
    if html[at.saturating_sub(3)..].starts_with(&para) {
        let start = at - 3;
        let summary = html[..start].trim_end().to_string();
        let mut full = html[..start].to_string();
        full.push_str("<span id=\"continue-reading\"></span>");
        full.push_str(html[start + para.len()..].trim_start_matches('\n'));
        return (Some(summary), full);
    }
    // The marker ended a paragraph: close it in the summary.
    let mut summary = html[..at].trim_end().to_string();
    let rest = &html[at + token.len()..];
    if rest.starts_with("</p>") {
        summary.push_str("</p>");
    }
    let full = format!("{}{}", &html[..at], rest);
    (Some(summary), full)
}

/// Cleans raw HTML allowed by `allow_raw_html`: no scripts, event handlers,
/// `javascript:` URLs or styles, and no comments (they would publish
/// editors' hidden notes, and carry markup that is only inert until a
/// browser's comment parsing and ours disagree).
fn sanitize(html: &str) -> String {
    let mut b = ammonia::Builder::default();
    b.add_generic_attributes(["id", "class", "lang", "dir", "title"])
        .add_tags([
            "figure",
            "figcaption",
            "details",
            "summary",
            "aside",
            "mark",
            "section",
        ])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("ol", ["start"])
        .add_tag_attributes("td", ["align"])
        .add_tag_attributes("th", ["align"])
        .add_tag_attributes("a", ["data-footnote-ref"])
        .add_tags(["input"])
        .link_rel(None)
        .url_relative(ammonia::UrlRelative::PassThrough)
        .strip_comments(true);
    b.clean(html).to_string()
}

/// Text content of a piece of HTML (tags dropped, common entities decoded).
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Nests a flat list of headings into a tree.
fn build_toc(headings: &[(u8, String, String)]) -> Vec<TocEntry> {
    fn insert(list: &mut Vec<TocEntry>, entry: TocEntry) {
        match list.last_mut() {
            Some(last) if last.level < entry.level => insert(&mut last.children, entry),
            _ => list.push(entry),
        }
    }
    let mut toc = Vec::new();
    for (level, id, title) in headings {
        insert(
            &mut toc,
            TocEntry {
                level: *level,
                id: id.clone(),
                title: title.clone(),
                children: Vec::new(),
            },
        );
    }
    toc
}

/// Writes heading tags with the ids computed beforehand, in document order.
struct HeadingIds(Mutex<VecDeque<String>>);

impl comrak::adapters::HeadingAdapter for HeadingIds {
    fn enter(
        &self,
        output: &mut dyn Write,
        heading: &comrak::adapters::HeadingMeta,
        _sourcepos: Option<comrak::nodes::Sourcepos>,
    ) -> fmt::Result {
        let id = self
            .0
            .lock()
            .map_err(|_| fmt::Error)?
            .pop_front()
            .unwrap_or_default();
        let mut escaped = String::new();
        escape_html(&mut escaped, &id);
        write!(output, "<h{} id=\"{escaped}\">", heading.level)
    }

    fn exit(&self, output: &mut dyn Write, heading: &comrak::adapters::HeadingMeta) -> fmt::Result {
        write!(output, "</h{}>", heading.level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake;
    impl Resolver for Fake {
        fn resolve_link(&self, target: &str, _lang: &str) -> Result<(String, usize), String> {
            match target {
                "a.md" => Ok(("/a/".into(), 7)),
                _ => Err(format!("no page `{target}`")),
            }
        }
        fn render_shortcode(
            &self,
            name: &str,
            args: &Args,
            body: Option<&str>,
        ) -> Result<String, String> {
            match name {
                "callout" => Ok(format!(
                    "<aside class=\"callout\">{}</aside>",
                    body.unwrap_or_default()
                )),
                "figure" => Ok(format!(
                    "<figure><img src=\"{}\" alt=\"\"><figcaption>Cap</figcaption></figure>",
                    args["src"].as_str().unwrap_or_default()
                )),
                _ => Err(format!("unknown shortcode `{name}`")),
            }
        }
    }

    fn md(text: &str) -> Result<Rendered, Vec<Diagnostic>> {
        render(
            text,
            5,
            Path::new("p.md"),
            "en",
            &MarkdownConfig::default(),
            &Fake,
        )
    }

    #[test]
    fn gfm_features_render() {
        let r = md("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ https://example.org\n\n- [x] done\n\nNote[^1].\n\n[^1]: Foot.\n").unwrap();
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>gone</del>"));
        assert!(r.html.contains("<a href=\"https://example.org\">"));
        assert!(r.html.contains("type=\"checkbox\""));
        assert!(r.html.contains("footnote"));
        assert_eq!(r.external_links[0].url, "https://example.org");
    }

    #[test]
    fn headings_get_unique_ids_and_a_toc() {
        let r = md("# Title\n\n## Why it matters\n\n### Detail\n\n## Why it matters\n\n## Custom {#my-id}\n").unwrap();
        assert!(
            r.html
                .contains("<h2 id=\"why-it-matters\">Why it matters</h2>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<h2 id=\"why-it-matters-1\">"));
        assert!(
            r.html.contains("<h2 id=\"my-id\">Custom</h2>"),
            "{}",
            r.html
        );
        assert_eq!(r.toc.len(), 1);
        assert_eq!(r.toc[0].children.len(), 3);
        assert_eq!(r.toc[0].children[0].children[0].id, "detail");
        assert_eq!(r.h1.as_deref(), Some("Title"));
    }

    #[test]
    fn many_equal_headings_get_distinct_ids() {
        let mut text = String::from("## A {#a-2}\n\n");
        for _ in 0..20_000 {
            text.push_str("## A\n\n");
        }
        let r = md(&text).unwrap();
        assert_eq!(r.heading_ids.len(), 20_001);
        assert_eq!(&r.heading_ids[..5], ["a-2", "a", "a-1", "a-3", "a-4"]);
        assert_eq!(r.heading_ids[20_000], "a-20000");
        let unique: HashSet<&String> = r.heading_ids.iter().collect();
        assert_eq!(unique.len(), r.heading_ids.len());
    }

    #[test]
    fn internal_links_resolve_with_line_numbers() {
        let r = md("See [a](@/a.md#part).\n").unwrap();
        assert!(r.html.contains("href=\"/a/#part\""));
        assert_eq!(r.internal_links[0].target, 7);
        assert_eq!(r.internal_links[0].anchor.as_deref(), Some("part"));
        assert_eq!(r.internal_links[0].line, 5);
        let e = md("ok\n\nSee [b](@/b.md).\n").unwrap_err();
        assert_eq!(e[0].line, Some(7));
        assert!(e[0].message.contains("@/b.md"));
    }

    #[test]
    fn raw_html_is_escaped_by_default() {
        let r = md("<script>alert(1)</script>\n\nText <b onclick=\"x\">b</b>\n").unwrap();
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(!r.html.contains("<b onclick"));
    }

    #[test]
    fn deep_nesting_is_refused_with_its_line() {
        let ok = format!("{}x\n", "> ".repeat(MAX_NESTING - 3));
        assert!(md(&ok).is_ok());
        for deep in [
            format!("a\n\n{}x\n", ">".repeat(100_000)),
            format!("a\n\n{}x\n", "- ".repeat(100_000)),
            format!("a\n\n{}x{}\n", "*a ".repeat(2_000), "*".repeat(2_000)),
        ] {
            let e = md(&deep).unwrap_err();
            assert_eq!(e[0].line, Some(7), "{}", e[0]);
            assert!(e[0].message.contains("levels deep"), "{}", e[0]);
        }
    }

    #[test]
    fn raw_html_left_open_is_refused_when_allowed() {
        let config = MarkdownConfig {
            allow_raw_html: true,
            ..MarkdownConfig::default()
        };
        let raw = |text: &str| render(text, 1, Path::new("p.md"), "en", &config, &Fake);
        let reopen: String = (0..20_000).map(|i| format!("<b id={i}></p><p>x")).collect();
        let e = raw(&format!("ok\n\n<p>{reopen}\n")).unwrap_err();
        assert_eq!(e[0].line, Some(3));
        assert!(e[0].message.contains("elements open"), "{}", e[0]);
        assert!(raw(&"<div>".repeat(100_000)).is_err());
        assert!(raw(&"<div/>".repeat(100_000)).is_err());
        // Balanced and void elements are fine, however many.
        let fine =
            "<div><p>a<br><img src=x><br/><span></span></p></div>\n\n<ul><li>x<li>y</ul>\n\n"
                .repeat(2_000);
        assert!(raw(&fine).is_ok());
        // Without raw HTML, tags are text: nothing to count.
        assert!(md(&"<div>".repeat(100_000)).is_ok());
    }

    #[test]
    fn raw_html_is_sanitised_when_allowed() {
        let config = MarkdownConfig {
            allow_raw_html: true,
            ..MarkdownConfig::default()
        };
        let r = render(
            "<script>alert(1)</script>\n\n<b onclick=\"x\" style=\"color:red\">b</b> <a href=\"javascript:alert(1)\">x</a>\n\n<!-- editor's note <a href=\"javascript:alert(2)\">y</a>\n",
            1,
            Path::new("p.md"),
            "en",
            &config,
            &Fake,
        )
        .unwrap();
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(!r.html.contains("onclick"));
        assert!(!r.html.contains("style="));
        assert!(!r.html.contains("javascript:"));
        assert!(r.html.contains("<b>b</b>"));
        assert!(!r.html.contains("<!--"), "comments are dropped: {}", r.html);
        assert!(!r.html.contains("editor"), "{}", r.html);
    }

    #[test]
    fn shortcodes_render_in_place() {
        let r = md("Intro.\n\n{% callout(kind=\"note\") %}\nSee [a](@/a.md).\n{% end %}\n\n{{ figure(src=\"m.png\") }}\n").unwrap();
        assert!(
            r.html
                .contains("<aside class=\"callout\"><p>See <a href=\"/a/\">a</a>.</p>\n</aside>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<figure><img src=\"m.png\""));
        assert!(!r.html.contains("<p><figure>"));
        assert_eq!(r.internal_links[0].line, 8);
        let text: String = r.sections.iter().map(|s| s.text.clone()).collect();
        assert!(text.contains("See a."), "{text}");
        assert!(text.contains("Cap"));
    }

    #[test]
    fn many_shortcodes_are_substituted_in_order() {
        let mut text = String::new();
        for i in 0..5_000 {
            text.push_str(&format!("{{{{ figure(src=\"{i}.png\") }}}}\n\nText {i} {{{{ figure(src=\"in{i}.png\") }}}}\n\n"));
        }
        let r = md(&text).unwrap();
        assert!(!r.html.contains(TOKEN_START), "every token is replaced");
        assert!(
            !r.html.contains("<p><figure>"),
            "a lone shortcode replaces its paragraph"
        );
        let first = r.html.find("src=\"0.png\"").unwrap();
        let inline = r.html.find("Text 0 <figure><img src=\"in0.png\"").unwrap();
        let last = r.html.find("src=\"4999.png\"").unwrap();
        assert!(first < inline && inline < last);
    }

    #[test]
    fn unknown_shortcode_is_an_error_with_line() {
        let e = md("a\n\n{{ nope() }}\n").unwrap_err();
        assert_eq!(e[0].line, Some(7));
        assert!(e[0].message.contains("nope"));
    }

    #[test]
    fn summary_is_cut_at_the_marker() {
        let r = md("First para.\n\n<!-- more -->\n\nSecond.\n").unwrap();
        assert_eq!(r.summary.as_deref(), Some("<p>First para.</p>"));
        assert!(r.html.contains("Second."));
        assert!(!r.html.contains('\u{E000}'));
        let r = md("No marker.\n").unwrap();
        assert!(r.summary.is_none());
    }

    #[test]
    fn code_is_highlighted_and_indexed_apart() {
        let r = md("Text.\n\n```rust\nfn main() {}\n```\n").unwrap();
        assert!(r.html.contains("<pre class=\"code-block\""), "{}", r.html);
        assert!(r.html.contains("hl-"));
        assert_eq!(r.sections[0].code, "fn main() {}\n");
        assert_eq!(r.sections[0].text, "Text.");
    }

    #[test]
    fn code_blocks_read_left_to_right() {
        for text in [
            "```sh\ngca build --root .\n```\n",
            "    gca build --root .\n",
        ] {
            let r = md(text).unwrap();
            assert!(
                r.html.contains("<pre class=\"code-block\" dir=\"ltr\">"),
                "{}",
                r.html
            );
        }
    }

    #[test]
    fn text_is_split_at_headings() {
        let r =
            md("Intro words.\n\n## Part one\n\nBody *one*.\n\n## Part two\n\n- item\n").unwrap();
        assert_eq!(r.sections.len(), 3);
        assert_eq!(r.sections[1].anchor.as_deref(), Some("part-one"));
        assert_eq!(r.sections[1].text, "Body one.");
        assert_eq!(r.sections[2].text, "item");
        assert_eq!(r.word_count, 9);
    }

    #[test]
    fn counts_cjk_words() {
        assert_eq!(count_words("网络安全 is safe"), 6);
    }
}
