//! Atom feeds and the sitemap, written directly (no template) so they are
//! always valid XML.

use crate::content::frontmatter::Date;

/// Escapes text for XML content and attributes.
pub fn xml_escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    xml_escape(&mut s, text);
    s
}

/// One entry of a feed.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Title.
    pub title: &'a str,
    /// Absolute URL.
    pub permalink: String,
    /// Publication date.
    pub published: Option<&'a Date>,
    /// Last update.
    pub updated: Option<&'a Date>,
    /// Plain-text summary.
    pub description: Option<&'a str>,
    /// Body HTML.
    pub content: std::borrow::Cow<'a, str>,
    /// Language.
    pub lang: &'a str,
}

/// What a feed is about.
#[derive(Debug, Clone)]
pub struct Feed<'a> {
    /// Feed title.
    pub title: String,
    /// Subtitle.
    pub subtitle: &'a str,
    /// Absolute URL of the feed itself.
    pub self_url: String,
    /// Absolute URL of the page the feed belongs to.
    pub alternate: String,
    /// Site base URL, for relative links in content.
    pub base_url: &'a str,
    /// Author (the site).
    pub author: &'a str,
    /// Language.
    pub lang: &'a str,
}

/// Writes an Atom feed.
pub fn atom(feed: &Feed<'_>, entries: &[Entry<'_>]) -> String {
    let updated = entries
        .iter()
        .filter_map(|e| e.updated.or(e.published))
        .max_by_key(|d| d.timestamp)
        .map_or("1970-01-01T00:00:00Z".to_string(), |d| d.rfc3339.clone());
    let mut out =
        String::with_capacity(4096 + entries.iter().map(|e| e.content.len() + 512).sum::<usize>());
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\" xml:base=\"{}\">\n",
        esc(feed.lang),
        esc(feed.base_url)
    ));
    out.push_str(&format!("  <title>{}</title>\n", esc(&feed.title)));
    if !feed.subtitle.is_empty() {
        out.push_str(&format!("  <subtitle>{}</subtitle>\n", esc(feed.subtitle)));
    }
    out.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        esc(&feed.self_url)
    ));
    out.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        esc(&feed.alternate)
    ));
    out.push_str(&format!("  <updated>{updated}</updated>\n"));
    out.push_str(&format!("  <id>{}</id>\n", esc(&feed.self_url)));
    out.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        esc(feed.author)
    ));
    for e in entries {
        let published = e.published.or(e.updated);
        let updated = e.updated.or(e.published);
        out.push_str(&format!("  <entry xml:lang=\"{}\">\n", esc(e.lang)));
        out.push_str(&format!("    <title>{}</title>\n", esc(e.title)));
        if let Some(p) = published {
            out.push_str(&format!("    <published>{}</published>\n", p.rfc3339));
        }
        out.push_str(&format!(
            "    <updated>{}</updated>\n",
            updated.map_or("1970-01-01T00:00:00Z", |d| d.rfc3339.as_str())
        ));
        out.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            esc(&e.permalink)
        ));
        out.push_str(&format!("    <id>{}</id>\n", esc(&e.permalink)));
        if let Some(d) = e.description.filter(|d| !d.is_empty()) {
            out.push_str(&format!(
                "    <summary type=\"text\">{}</summary>\n",
                esc(d)
            ));
        }
        // Relative URLs in the content (a page's own images) resolve
        // against the page, as they do on the page, not the feed.
        out.push_str(&format!(
            "    <content type=\"html\" xml:base=\"{}\">{}</content>\n",
            esc(&e.permalink),
            esc(&e.content)
        ));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// One URL of the sitemap.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SitemapUrl {
    /// Absolute URL.
    pub loc: String,
    /// Last modification, `YYYY-MM-DD`.
    pub lastmod: Option<String>,
    /// Other language versions: (language, absolute URL), itself included.
    pub alternates: Vec<(String, String)>,
    /// URL for `x-default`, when there are alternates.
    pub x_default: Option<String>,
}

/// Most URLs one sitemap file may list.
pub const SITEMAP_LIMIT: usize = 50_000;

/// Writes the sitemap: one file, or an index and numbered files when there
/// are more URLs than one sitemap may hold. Returns (path, text) pairs.
pub fn sitemaps(urls: &[SitemapUrl], base_url: &str) -> Vec<(String, String)> {
    if urls.len() <= SITEMAP_LIMIT {
        return vec![("sitemap.xml".into(), urlset(urls))];
    }
    let mut out = Vec::new();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (i, chunk) in urls.chunks(SITEMAP_LIMIT).enumerate() {
        let name = format!("sitemap-{}.xml", i + 1);
        index.push_str(&format!(
            "  <sitemap><loc>{}</loc></sitemap>\n",
            esc(&format!("{base_url}{name}"))
        ));
        out.push((name, urlset(chunk)));
    }
    index.push_str("</sitemapindex>\n");
    out.insert(0, ("sitemap.xml".into(), index));
    out
}

fn urlset(urls: &[SitemapUrl]) -> String {
    let mut out = String::with_capacity(urls.len() * 120 + 256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n");
    for u in urls {
        out.push_str("  <url>\n    <loc>");
        xml_escape(&mut out, &u.loc);
        out.push_str("</loc>\n");
        if let Some(l) = &u.lastmod {
            out.push_str(&format!("    <lastmod>{}</lastmod>\n", esc(l)));
        }
        for (lang, href) in &u.alternates {
            out.push_str(&format!(
                "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>\n",
                esc(lang),
                esc(href)
            ));
        }
        if let Some(d) = &u.x_default {
            out.push_str(&format!(
                "    <xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\"/>\n",
                esc(d)
            ));
        }
        out.push_str("  </url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atom_is_well_formed_and_escaped() {
        let d = Date::parse("2008-06-26").unwrap();
        let feed = Feed {
            title: "T <&>".into(),
            subtitle: "",
            self_url: "https://e.org/atom.xml".into(),
            alternate: "https://e.org/".into(),
            base_url: "https://e.org/",
            author: "GCA",
            lang: "en",
        };
        let xml = atom(
            &feed,
            &[Entry {
                title: "A \"quoted\" <title>",
                permalink: "https://e.org/a/".into(),
                published: Some(&d),
                updated: None,
                description: Some("Desc"),
                content: "<p>Hi &amp; bye\u{1}</p>".into(),
                lang: "en",
            }],
        );
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "feed");
        let entry = root.children().find(|n| n.has_tag_name("entry")).unwrap();
        let content = entry
            .children()
            .find(|n| n.has_tag_name("content"))
            .unwrap();
        assert_eq!(content.text(), Some("<p>Hi &amp; bye</p>"));
        assert_eq!(
            content.attribute(("http://www.w3.org/XML/1998/namespace", "base")),
            Some("https://e.org/a/"),
            "relative URLs in the content resolve against the page"
        );
        assert!(xml.contains("<updated>2008-06-26T00:00:00Z</updated>"));
    }

    #[test]
    fn large_sitemaps_are_split() {
        let urls: Vec<SitemapUrl> = (0..SITEMAP_LIMIT + 1)
            .map(|i| SitemapUrl {
                loc: format!("https://e.org/{i}/"),
                lastmod: None,
                alternates: vec![],
                x_default: None,
            })
            .collect();
        let files = sitemaps(&urls, "https://e.org/");
        assert_eq!(files.len(), 3);
        assert!(files[0].1.contains("<sitemapindex"));
        roxmltree::Document::parse(&files[2].1).unwrap();
    }
}
