//! Outputs written by gca itself rather than by templates: alias redirects,
//! Atom feeds, the sitemap and `api/pages.json`.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use super::render::Renderer;
use super::writer::Sink;
use super::{feeds, values};
use crate::content::{self, ItemRef};
use crate::error::{Diagnostic, Diagnostics};
use crate::markdown;

impl Renderer<'_> {
    /// Writes an HTML redirect page for each alias (and for `page/1/` of
    /// paginated lists), unless the sink answers them from `_redirects`;
    /// returns the redirects, for hosts' redirect files.
    pub(super) fn write_aliases(
        &self,
        sink: &dyn Sink,
        diags: &mut Diagnostics,
    ) -> Vec<super::Redirect> {
        let lib = &self.site.library;
        // (URL path under the base, file, target, the alias's page or section)
        let mut redirects: Vec<(String, String, String, Option<ItemRef>)> = lib
            .aliases
            .iter()
            .map(|(alias, &item)| {
                let file = if alias.ends_with(".html") {
                    alias.clone()
                } else {
                    format!("{alias}index.html")
                };
                (
                    alias.clone(),
                    file,
                    lib.path_of(item).to_string(),
                    Some(item),
                )
            })
            .collect();
        // `page/1/` of a paginated list goes to the list itself.
        for s in &lib.sections {
            if s.meta.paginate_by.is_some() && !s.pages.is_empty() {
                redirects.push((
                    format!("{}page/1/", s.path),
                    format!("{}page/1/index.html", s.path),
                    s.path.clone(),
                    None,
                ));
            }
        }
        for t in &lib.taxonomies {
            if t.paginate_by.is_some() {
                for term in &t.terms {
                    redirects.push((
                        format!("{}page/1/", term.path),
                        format!("{}page/1/index.html", term.path),
                        term.path.clone(),
                        None,
                    ));
                }
            }
        }
        redirects.sort();
        let mut out = Vec::with_capacity(redirects.len());
        for (from, file, target, item) in redirects {
            let url = self.urls.url(&target);
            let page = redirect_html(&url, &self.urls.permalink(&target));
            match (sink.write_redirect(&file, page.as_bytes()), item) {
                (Ok(()), _) => out.push(super::Redirect {
                    from: format!("{}{from}", self.urls.base_path),
                    to: url,
                }),
                (Err(d), Some(item)) => {
                    let (front, front_line) = lib.front_of(item);
                    diags.push(
                        Diagnostic::error(format!("alias `/{from}` cannot be written: {}", d.message))
                            .in_file(&lib.file_of(item).path)
                            .at_line(content::find_key_line(front, "aliases", front_line))
                            .help("the alias collides with another file of the output (a page, a feed, robots.txt, a static file); remove or change the alias"),
                    );
                }
                (Err(d), None) => diags.push(d),
            }
        }
        out
    }

    /// Writes the Atom feeds; with `only`, just those that list one of
    /// these pages (an incremental rebuild after edits that move no page in
    /// or out of a feed: its entries are the latest by `date`, which such
    /// edits leave alone).
    pub(super) fn write_feeds<'c>(
        &'c self,
        sink: &dyn Sink,
        content_of: &dyn Fn(usize) -> std::borrow::Cow<'c, str>,
        only: Option<&HashSet<usize>>,
        diags: &mut Diagnostics,
    ) {
        let lib = &self.site.library;
        let config = &self.site.config;
        let entries = |list: &mut dyn Iterator<Item = usize>| -> Option<Vec<feeds::Entry<'_>>> {
            let dated: Vec<usize> = list.filter(|&p| lib.pages[p].meta.date.is_some()).collect();
            let dated = content::library::first_pages(
                dated,
                &lib.pages,
                content::frontmatter::SortBy::Date,
                config.feed_limit,
            );
            if only.is_some_and(|set| !dated.iter().any(|p| set.contains(p))) {
                return None;
            }
            Some(
                dated
                    .into_iter()
                    .map(|p| {
                        let page = &lib.pages[p];
                        feeds::Entry {
                            title: &page.title,
                            permalink: self.urls.permalink(&page.path),
                            published: page.meta.date.as_ref(),
                            updated: page.meta.updated.as_ref(),
                            description: page.meta.description.as_deref(),
                            content: content_of(p),
                            lang: &page.file.lang,
                        }
                    })
                    .collect(),
            )
        };
        let mut out: Vec<(String, Option<String>)> = Vec::new();
        if config.feed {
            for lang in config.language_codes() {
                if config.language(&lang).feed == Some(false) || lib.home(&lang).is_none() {
                    continue;
                }
                let prefix = content::lang_prefix(&lang, config);
                let feed = feeds::Feed {
                    title: config.title_in(&lang).to_string(),
                    subtitle: config.description_in(&lang),
                    self_url: self.urls.permalink(&format!("{prefix}atom.xml")),
                    alternate: self.urls.permalink(&prefix),
                    base_url: &self.urls.base_url,
                    author: config.title_in(&lang),
                    lang: &lang,
                };
                let mut it = (0..lib.pages.len()).filter(|&p| lib.pages[p].file.lang == lang);
                let path = format!("{prefix}atom.xml");
                match entries(&mut it) {
                    Some(list) => out.push((path, Some(feeds::atom(&feed, &list)))),
                    None => out.push((path, None)),
                }
            }
        }
        for s in lib.sections.iter().filter(|s| s.meta.feed) {
            let path = format!("{}atom.xml", s.path);
            if out.iter().any(|(p, _)| *p == path) {
                diags.push(
                    Diagnostic::error(format!(
                        "`feed = true` on the home page would write {path}, which is the site's feed"
                    ))
                    .in_file(&s.file.path)
                    .at_line(content::find_key_line(&s.front, "feed", s.front_line))
                    .help("remove `feed = true` here: the site feed (`feed` in config.toml) already lists every page"),
                );
                continue;
            }
            let feed = feeds::Feed {
                title: format!("{} – {}", s.title, config.title_in(&s.file.lang)),
                subtitle: s.meta.description.as_deref().unwrap_or(""),
                self_url: self.urls.permalink(&format!("{}atom.xml", s.path)),
                alternate: self.urls.permalink(&s.path),
                base_url: &self.urls.base_url,
                author: config.title_in(&s.file.lang),
                lang: &s.file.lang,
            };
            let mut it = s.pages.iter().copied();
            if let Some(list) = entries(&mut it) {
                out.push((path, Some(feeds::atom(&feed, &list))));
            }
        }
        for t in lib.taxonomies.iter().filter(|t| t.feed) {
            for term in &t.terms {
                let feed = feeds::Feed {
                    title: format!("{}: {} – {}", t.title, term.label, config.title_in(&t.lang)),
                    subtitle: "",
                    self_url: self.urls.permalink(&format!("{}atom.xml", term.path)),
                    alternate: self.urls.permalink(&term.path),
                    base_url: &self.urls.base_url,
                    author: config.title_in(&t.lang),
                    lang: &t.lang,
                };
                let mut it = term.pages.iter().copied();
                if let Some(list) = entries(&mut it) {
                    out.push((
                        format!("{}atom.xml", term.path),
                        Some(feeds::atom(&feed, &list)),
                    ));
                }
            }
        }
        for (path, xml) in out {
            let Some(xml) = xml else { continue };
            if let Err(d) = sink.write(&path, xml.as_bytes()) {
                diags.push(d);
            }
        }
    }

    pub(super) fn write_sitemap(&self, sink: &dyn Sink, diags: &mut Diagnostics) {
        let lib = &self.site.library;
        let config = &self.site.config;
        let mut urls = Vec::new();
        let alternates = |item: ItemRef| -> (Vec<(String, String)>, Option<String>) {
            let t = values::translations(lib, config, &self.urls, item);
            if t.len() < 2 {
                return (Vec::new(), None);
            }
            let list: Vec<(String, String)> = t
                .iter()
                .map(|(l, i)| (l.clone(), self.urls.permalink(lib.path_of(*i))))
                .collect();
            let default = t
                .iter()
                .find(|(l, _)| *l == config.default_language)
                .map(|(_, i)| self.urls.permalink(lib.path_of(*i)));
            (list, default)
        };
        for (i, p) in lib.pages.iter().enumerate() {
            let (alt, x_default) = alternates(ItemRef::Page(i));
            urls.push(feeds::SitemapUrl {
                loc: self.urls.permalink(&p.path),
                lastmod: p
                    .meta
                    .updated
                    .as_ref()
                    .or(p.meta.date.as_ref())
                    .map(|d| d.ymd.clone()),
                alternates: alt,
                x_default,
            });
        }
        for (i, s) in lib.sections.iter().enumerate() {
            let (alt, x_default) = alternates(ItemRef::Section(i));
            urls.push(feeds::SitemapUrl {
                loc: self.urls.permalink(&s.path),
                lastmod: s.meta.updated.as_ref().map(|d| d.ymd.clone()),
                alternates: alt,
                x_default,
            });
        }
        for t in &lib.taxonomies {
            urls.push(feeds::SitemapUrl {
                loc: self.urls.permalink(&t.path),
                lastmod: None,
                alternates: Vec::new(),
                x_default: None,
            });
            for term in &t.terms {
                urls.push(feeds::SitemapUrl {
                    loc: self.urls.permalink(&term.path),
                    lastmod: None,
                    alternates: Vec::new(),
                    x_default: None,
                });
            }
        }
        urls.sort();
        for (path, xml) in feeds::sitemaps(&urls, &self.urls.base_url) {
            if let Err(d) = sink.write(&path, xml.as_bytes()) {
                diags.push(d);
            }
        }
    }

    /// Writes `api/pages.json` and returns each page's entry; with `kept`,
    /// the entries of an earlier build, only the pages in its set are
    /// printed again.
    pub(super) fn write_api(
        &self,
        sink: &dyn Sink,
        kept: Option<(&[Arc<str>], &HashSet<usize>)>,
        diags: &mut Diagnostics,
    ) -> Vec<Arc<str>> {
        // Fields in alphabetical order, as the file has always had them.
        #[derive(Serialize)]
        struct ApiPage<'a> {
            date: Option<&'a str>,
            description: Option<&'a str>,
            lang: &'a str,
            path: &'a str,
            taxonomies: &'a BTreeMap<String, Vec<String>>,
            title: &'a str,
            updated: Option<&'a str>,
            url: String,
        }
        let lib = &self.site.library;
        // Each page's entry printed on its own (in parallel), then indented
        // into the list: the same bytes as printing the whole document (no
        // JSON string holds a raw newline).
        let print = |p: &crate::content::Page| -> Arc<str> {
            let entry = ApiPage {
                title: &p.title,
                url: self.urls.permalink(&p.path),
                path: &p.path,
                lang: &p.file.lang,
                date: p.meta.date.as_ref().map(|d| d.ymd.as_str()),
                updated: p.meta.updated.as_ref().map(|d| d.ymd.as_str()),
                description: p.meta.description.as_deref(),
                taxonomies: &p.meta.taxonomies,
            };
            let text = serde_json::to_string_pretty(&entry).unwrap_or_else(|_| "{}".into());
            Arc::from(format!("    {}", text.replace('\n', "\n    ")))
        };
        let entries: Vec<Arc<str>> = match kept {
            Some((old, only)) if old.len() == lib.pages.len() => {
                let mut entries = old.to_vec();
                for &i in only {
                    entries[i] = print(&lib.pages[i]);
                }
                entries
            }
            _ => lib.pages.par_iter().map(print).collect(),
        };
        let json = if entries.is_empty() {
            "{\n  \"pages\": []\n}".to_string()
        } else {
            let mut out =
                String::with_capacity(entries.iter().map(|e| e.len() + 2).sum::<usize>() + 32);
            out.push_str("{\n  \"pages\": [\n");
            for (i, e) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                out.push_str(e);
            }
            out.push_str("\n  ]\n}");
            out
        };
        if let Err(d) = sink.write("api/pages.json", json.as_bytes()) {
            diags.push(d);
        }
        entries
    }
}

/// The `content` of page `p`'s value, for a feed.
pub(super) fn value_content(pages: &[tera::Value], p: usize) -> std::borrow::Cow<'_, str> {
    pages
        .get(p)
        .and_then(|v| v.as_map())
        .and_then(|m| m.get(&tera::value::Key::Str("content")))
        .and_then(tera::Value::as_str)
        .unwrap_or("")
        .into()
}

/// A page that sends the browser to `url`.
fn redirect_html(url: &str, permalink: &str) -> String {
    let mut u = String::new();
    markdown::highlight::escape_html(&mut u, url);
    let mut p = String::new();
    markdown::highlight::escape_html(&mut p, permalink);
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Moved</title><meta name=\"robots\" content=\"noindex\"><link rel=\"canonical\" href=\"{p}\"><meta http-equiv=\"refresh\" content=\"0; url={u}\"></head>\n<body><p>This page has moved to <a href=\"{u}\">{u}</a>.</p></body></html>\n"
    )
}
