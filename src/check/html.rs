//! Reading the links out of built HTML: the `href` and `src` attributes of
//! the elements that load or lead somewhere. The HTML is gca's own output
//! (templates and Markdown rendered by gca), so a small tag scanner is
//! enough: it skips comments and the text of `script` and `style`
//! elements, and decodes the character references attributes may hold.

/// An attribute that points somewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Element name, lowercase (`a`, `img`, `link`...).
    pub element: String,
    /// Attribute name (`href` or `src`).
    pub attribute: &'static str,
    /// The value, with character references decoded.
    pub value: String,
    /// For `link` elements, the `rel` value.
    pub rel: Option<String>,
}

/// Every `href` of `a`, `area` and `link`, and `src` of `img`, `script`,
/// `source`, `audio`, `video`, `iframe`, `embed` and `track`, in order.
pub fn references(html: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let start = i + off;
        let rest = &html[start..];
        if rest.starts_with("<!--") {
            i = match rest.find("-->") {
                Some(e) => start + e + 3,
                None => return out,
            };
            continue;
        }
        let name_len = rest[1..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            i = start + 1;
            continue;
        }
        let name = rest[1..1 + name_len].to_ascii_lowercase();
        let (attrs, end) = attributes(html, start + 1 + name_len);
        i = end;
        if name == "script" || name == "style" {
            // Their text is not markup.
            let close = format!("</{name}");
            let lower_rest = html[i..].to_ascii_lowercase();
            i = match lower_rest.find(&close) {
                Some(e) => i + e,
                None => bytes.len(),
            };
        }
        let wanted: &[&'static str] = match name.as_str() {
            "a" | "area" | "link" => &["href"],
            "img" | "script" | "source" | "audio" | "video" | "iframe" | "embed" | "track" => {
                &["src"]
            }
            _ => &[],
        };
        for attribute in wanted {
            if let Some((_, v)) = attrs.iter().find(|(n, _)| n == attribute) {
                let rel = attrs
                    .iter()
                    .find(|(n, _)| n == "rel")
                    .map(|(_, v)| v.to_ascii_lowercase());
                out.push(Reference {
                    element: name.clone(),
                    attribute,
                    value: decode_entities(v),
                    rel,
                });
            }
        }
    }
    out
}

/// Parses attributes from `from` up to the end of the tag; returns them
/// (names lowercase, values raw) and the position after `>`.
fn attributes(html: &str, from: usize) -> (Vec<(String, String)>, usize) {
    let b = html.as_bytes();
    let mut i = from;
    let mut out = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return (out, i);
        }
        if b[i] == b'>' {
            return (out, i + 1);
        }
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = html[name_start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let value = if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let vs = i + 1;
                let ve = b[vs..]
                    .iter()
                    .position(|&c| c == q)
                    .map_or(b.len(), |p| vs + p);
                i = (ve + 1).min(b.len());
                &html[vs..ve]
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                &html[vs..i]
            };
            out.push((name, value.to_string()));
        } else if !name.is_empty() {
            out.push((name, String::new()));
        } else {
            i += 1;
        }
    }
}

/// Decodes the character references that attribute values hold.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let num = name.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_and_sources() {
        let html = "<!doctype html><link rel=\"Stylesheet\" href=\"/a.css\"><!-- <a href=\"/no\"> -->\
<script>if (a<b) x = '<a href=\"/no2\">';</script><A HREF='/b/?x=1&amp;y=2'>b</A>\
<img alt=\"\" src=/c.png><p>a < b</p><a name=x>no href</a><a href=\"&#x2f;d&#47;\">d</a>";
        let refs = references(html);
        let values: Vec<&str> = refs.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(values, ["/a.css", "/b/?x=1&y=2", "/c.png", "/d/"]);
        assert_eq!(refs[0].rel.as_deref(), Some("stylesheet"));
        assert_eq!(refs[2].element, "img");
        assert_eq!(refs[2].attribute, "src");
    }

    #[test]
    fn entities() {
        assert_eq!(decode_entities("a&amp;b&lt;&#39;&bogus;&"), "a&b<'&bogus;&");
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for s in [
            "<a href=\"x",
            "<a href=",
            "<!-- x",
            "<script>x",
            "<",
            "<a\u{e9} href=x>",
            "<é",
        ] {
            let _ = references(s);
        }
    }
}
