//! Shortcodes in Markdown: `{{ name(key="value") }}` and the body form
//! `{% name(key="value") %}Markdown{% end %}`, rendered by the templates in
//! `templates/shortcodes/`. Writing `{{/* name() */}}` shows the call itself.
//!
//! Shortcodes are cut out of the Markdown before it is parsed and replaced by
//! placeholder tokens (private-use characters that Markdown leaves alone);
//! after rendering, the tokens are replaced by the shortcodes' HTML. Code
//! blocks and code spans are left untouched, and line numbers are preserved
//! so diagnostics still point at the right line.

use std::collections::BTreeMap;

/// Start and end of a placeholder token.
pub const TOKEN_START: char = '\u{E000}';
/// End of a placeholder token.
pub const TOKEN_END: char = '\u{E001}';

/// The placeholder for shortcode number `i`.
pub fn token(i: usize) -> String {
    format!("{TOKEN_START}gcasc{i}{TOKEN_END}")
}

/// The placeholder for the `<!-- more -->` summary marker.
pub fn more_token() -> String {
    format!("{TOKEN_START}gcamore{TOKEN_END}")
}

/// A value given to a shortcode argument.
pub type Args = BTreeMap<String, serde_json::Value>;

/// One shortcode call found in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Template name (without `.html`).
    pub name: String,
    /// Named arguments.
    pub args: Args,
    /// Raw Markdown between the tags, for the body form.
    pub body: Option<String>,
    /// 1-based line (in the text given to [`prepare`]) of the call.
    pub line: usize,
    /// 1-based line where the body starts.
    pub body_line: usize,
}

/// Markdown with its shortcodes cut out.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The text to give the Markdown parser.
    pub text: String,
    /// The calls, in order; call `i` is at [`token`]`(i)`.
    pub calls: Vec<Call>,
    /// Whether a `<!-- more -->` marker was found.
    pub has_more: bool,
}

/// A shortcode syntax error: 1-based line and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Line in the text given to [`prepare`].
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: String,
}

/// Cuts shortcodes and the summary marker out of `text`.
pub fn prepare(text: &str) -> Result<Prepared, SyntaxError> {
    let mut out = String::with_capacity(text.len());
    let mut calls = Vec::new();
    let mut has_more = false;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut fence: Option<(char, usize)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let content = line.trim_end_matches(['\n', '\r']);
        if let Some((fc, flen)) = fence {
            if is_fence_close(content, fc, flen) {
                fence = None;
            }
            out.push_str(line);
            i += 1;
            continue;
        }
        if let Some(open) = fence_open(content) {
            fence = Some(open);
            out.push_str(line);
            i += 1;
            continue;
        }
        if content.trim() == "<!-- more -->" && !has_more {
            has_more = true;
            out.push_str(&more_token());
            out.push_str(&line[content.len()..]);
            i += 1;
            continue;
        }
        if !content.contains("{{") && !content.contains("{%") {
            out.push_str(line);
            i += 1;
            continue;
        }
        i = scan_line(&lines, i, &mut out, &mut calls)?;
    }
    Ok(Prepared {
        text: out,
        calls,
        has_more,
    })
}

/// Scans line `start` (and following lines for body shortcodes), appending
/// the result to `out`. Returns the index of the next line to look at.
fn scan_line(
    lines: &[&str],
    start: usize,
    out: &mut String,
    calls: &mut Vec<Call>,
) -> Result<usize, SyntaxError> {
    scan_from(lines, start, lines[start], out, calls)
}

/// Like [`scan_line`], with `line` standing for `lines[start]` (the tail of
/// a line after a body shortcode's end tag).
fn scan_from(
    lines: &[&str],
    start: usize,
    line: &str,
    out: &mut String,
    calls: &mut Vec<Call>,
) -> Result<usize, SyntaxError> {
    let lineno = start + 1;
    let bytes = line.as_bytes();
    let mut pos = 0;
    let mut copied = 0;
    while pos < bytes.len() {
        // Skip inline code spans.
        if bytes[pos] == b'`' {
            let run = bytes[pos..].iter().take_while(|&&b| b == b'`').count();
            let ticks = &line[pos..pos + run];
            match line[pos + run..].find(ticks) {
                Some(close) => pos = pos + run + close + run,
                None => pos += run,
            }
            continue;
        }
        if bytes[pos] == b'{'
            && pos + 1 < bytes.len()
            && (bytes[pos + 1] == b'{' || bytes[pos + 1] == b'%')
        {
            let kind = bytes[pos + 1];
            let closer = if kind == b'{' { "}}" } else { "%}" };
            let inner_start = pos + 2;
            // Escaped form: {{/* ... */}} shows the call literally.
            if line[inner_start..].starts_with("/*")
                && let Some(end) = line[inner_start..].find(&format!("*/{closer}"))
            {
                out.push_str(&line[copied..pos]);
                out.push_str(&line[pos..pos + 2]);
                out.push_str(&line[inner_start + 2..inner_start + end]);
                out.push_str(closer);
                pos = inner_start + end + 2 + closer.len();
                copied = pos;
                continue;
            }
            let Some((name, args_src, after_paren)) = parse_head(&line[inner_start..]) else {
                if let Some(name) = call_name(&line[inner_start..]) {
                    return Err(SyntaxError {
                        line: lineno,
                        message: format!(
                            "shortcode `{name}`: its `(` is never closed on this line"
                        ),
                        help: "close the argument list with `)`; quote text values".into(),
                    });
                }
                pos += 2;
                continue;
            };
            let rest = &line[inner_start + after_paren..];
            let trimmed = rest.trim_start();
            if !trimmed.starts_with(closer) {
                return Err(SyntaxError {
                    line: lineno,
                    message: format!("shortcode `{name}` is not closed with `{closer}`"),
                    help: format!("write `{}{{ {name}(...) {closer}`", kind as char),
                });
            }
            let args = parse_args(args_src).map_err(|m| SyntaxError {
                line: lineno,
                message: format!("shortcode `{name}`: {m}"),
                help: "arguments are named: `name(key=\"text\", n=3, flag=true)`".into(),
            })?;
            let call_end = inner_start + after_paren + (rest.len() - trimmed.len()) + closer.len();
            out.push_str(&line[copied..pos]);
            if kind == b'{' {
                out.push_str(&token(calls.len()));
                calls.push(Call {
                    name: name.to_string(),
                    args,
                    body: None,
                    line: lineno,
                    body_line: lineno,
                });
                pos = call_end;
                copied = pos;
                continue;
            }
            // Body form: find the matching {% end %}.
            let (body, end_line, end_col) = find_body_end(lines, start, line, call_end, name)?;
            let at_line_start = line[..pos].trim().is_empty();
            let idx = calls.len();
            calls.push(Call {
                name: name.to_string(),
                args,
                body: Some(body),
                line: lineno,
                body_line: lineno,
            });
            // The replacement holds one newline less than the lines spanned:
            // the end line's own newline comes with its tail.
            let spanned = end_line - start + 1;
            if at_line_start && spanned >= 3 {
                // A blank line, the token alone, then blank lines: the token
                // is a paragraph of its own whatever surrounds it.
                out.push('\n');
                out.push_str(&token(idx));
                out.push('\n');
                for _ in 0..spanned - 3 {
                    out.push('\n');
                }
            } else {
                out.push_str(&token(idx));
                for _ in 0..spanned - 1 {
                    out.push('\n');
                }
            }
            let end_text = if end_line == start {
                line
            } else {
                lines[end_line]
            };
            return scan_from(lines, end_line, &end_text[end_col..], out, calls);
        }
        pos += 1;
    }
    out.push_str(&line[copied..]);
    Ok(start + 1)
}

/// Finds the `{% end %}` closing a body shortcode opened on line `start`
/// (body starting at byte `from`). Nested body shortcodes are counted.
/// Returns the body, the line index of the end tag and the byte just after it.
fn find_body_end(
    lines: &[&str],
    start: usize,
    first: &str,
    from: usize,
    name: &str,
) -> Result<(String, usize, usize), SyntaxError> {
    let mut depth = 1;
    let mut body = String::new();
    let mut li = start;
    let mut col = from;
    while li < lines.len() {
        let line = if li == start { first } else { lines[li] };
        let mut search = col;
        while let Some(off) = line[search..].find("{%") {
            let at = search + off;
            let after = line[at + 2..].trim_start();
            if after.starts_with("end") && after[3..].trim_start().starts_with("%}") {
                depth -= 1;
                if depth == 0 {
                    body.push_str(&line[col..at]);
                    let end_rel = line[at..].find("%}").map_or(line.len(), |i| at + i + 2);
                    return Ok((body, li, end_rel));
                }
            } else if parse_head(&line[at + 2..]).is_some() {
                depth += 1;
            }
            search = at + 2;
        }
        body.push_str(&line[col..]);
        li += 1;
        col = 0;
    }
    Err(SyntaxError {
        line: start + 1,
        message: format!("body shortcode `{name}` has no `{{% end %}}`"),
        help: "close it with `{% end %}` after its content".into(),
    })
}

/// The name of what looks like a call, `  name(`, at the start of `s`.
fn call_name(s: &str) -> Option<&str> {
    let t = s.trim_start();
    let n = t
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_alphabetic() || *c == '_' || (*i > 0 && c.is_ascii_digit()))
        .count();
    (n > 0 && t[n..].starts_with('(') && &t[..n] != "end").then(|| &t[..n])
}

/// Parses `  name(args) ...` at the start of a tag. Returns the name, the
/// argument text and the byte offset just after the closing parenthesis.
fn parse_head(s: &str) -> Option<(&str, &str, usize)> {
    let lead = s.len() - s.trim_start().len();
    let t = &s[lead..];
    let name_len = t
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_alphabetic() || *c == '_' || (*i > 0 && c.is_ascii_digit()))
        .count();
    if name_len == 0 {
        return None;
    }
    let name = &t[..name_len];
    if name == "end" {
        return None;
    }
    let after = &t[name_len..];
    if !after.starts_with('(') {
        return None;
    }
    // Find the matching ')' outside strings.
    let mut in_str: Option<char> = None;
    let mut escaped = false;
    let mut depth = 0;
    for (i, c) in after.char_indices() {
        if let Some(q) = in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                in_str = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => in_str = Some(c),
            '(' | '[' => depth += 1,
            ')' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some((name, &after[1..i], lead + name_len + i + 1));
                }
            }
            _ => {}
        }
    }
    None
}

/// Parses `key="v", n=3, on=true, list=["a", 1]`.
pub fn parse_args(src: &str) -> Result<Args, String> {
    let mut p = ArgParser {
        s: src.as_bytes(),
        src,
        pos: 0,
    };
    let mut args = Args::new();
    p.ws();
    while p.pos < p.s.len() {
        let key = p
            .ident()
            .ok_or_else(|| format!("expected an argument name at `{}`", p.rest_preview()))?;
        p.ws();
        if !p.eat(b'=') {
            return Err(format!("argument `{key}` needs a value: `{key}=...`"));
        }
        p.ws();
        let value = p.value(0)?;
        if args.insert(key.clone(), value).is_some() {
            return Err(format!("argument `{key}` is given twice"));
        }
        p.ws();
        if p.pos < p.s.len() && !p.eat(b',') {
            return Err(format!(
                "expected `,` between arguments at `{}`",
                p.rest_preview()
            ));
        }
        p.ws();
    }
    Ok(args)
}

struct ArgParser<'a> {
    s: &'a [u8],
    src: &'a str,
    pos: usize,
}

impl ArgParser<'_> {
    fn ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.s.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn rest_preview(&self) -> String {
        self.src[self.pos..].chars().take(20).collect()
    }
    fn ident(&mut self) -> Option<String> {
        let start = self.pos;
        while self.pos < self.s.len()
            && (self.s[self.pos].is_ascii_alphanumeric() || self.s[self.pos] == b'_')
        {
            self.pos += 1;
        }
        (self.pos > start && !self.s[start].is_ascii_digit())
            .then(|| self.src[start..self.pos].to_string())
    }
    fn value(&mut self, depth: usize) -> Result<serde_json::Value, String> {
        if depth > 16 {
            return Err("arrays nested too deeply".into());
        }
        match self.s.get(self.pos) {
            Some(b'"') | Some(b'\'') => self.string(),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.eat(b']') {
                        break;
                    }
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat(b']') {
                        break;
                    }
                    if !self.eat(b',') {
                        return Err("expected `,` or `]` in array".into());
                    }
                }
                Ok(serde_json::Value::Array(items))
            }
            Some(_) => {
                let start = self.pos;
                while self.pos < self.s.len()
                    && (self.s[self.pos].is_ascii_alphanumeric()
                        || matches!(self.s[self.pos], b'.' | b'-' | b'+'))
                {
                    self.pos += 1;
                }
                let word = &self.src[start..self.pos];
                match word {
                    "true" => Ok(true.into()),
                    "false" => Ok(false.into()),
                    _ => {
                        if let Ok(i) = word.parse::<i64>() {
                            Ok(i.into())
                        } else if let Ok(f) = word.parse::<f64>()
                            && f.is_finite()
                        {
                            Ok(serde_json::Number::from_f64(f)
                                .map_or(serde_json::Value::Null, Into::into))
                        } else {
                            Err(format!(
                                "`{word}` is not a value; quote text like \"{word}\""
                            ))
                        }
                    }
                }
            }
            None => Err("a value is missing".into()),
        }
    }
    fn string(&mut self) -> Result<serde_json::Value, String> {
        let quote = self.s[self.pos] as char;
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.src[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos += i + 1;
                return Ok(serde_json::Value::String(out));
            }
            if c == '\\' {
                match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, e)) => out.push(e),
                    None => break,
                }
            } else {
                out.push(c);
            }
        }
        Err("a string is not closed".into())
    }
}

/// A fence opener: up to three spaces, then three or more backticks or tildes.
fn fence_open(line: &str) -> Option<(char, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let t = &line[indent..];
    let c = t.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = t.chars().take_while(|&x| x == c).count();
    if n < 3 {
        return None;
    }
    if c == '`' && t[n..].contains('`') {
        return None;
    }
    Some((c, n))
}

fn is_fence_close(line: &str, c: char, len: usize) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return false;
    }
    let t = &line[indent..];
    let n = t.chars().take_while(|&x| x == c).count();
    n >= len && t[n * c.len_utf8()..].trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_call_is_replaced_by_a_token() {
        let p =
            prepare("Before {{ figure(src=\"a.png\", alt='A \\'map\\'', n=3, on=true) }} after\n")
                .unwrap();
        assert_eq!(p.text, format!("Before {} after\n", token(0)));
        assert_eq!(p.calls[0].name, "figure");
        assert_eq!(p.calls[0].args["src"], "a.png");
        assert_eq!(p.calls[0].args["alt"], "A 'map'");
        assert_eq!(p.calls[0].args["n"], 3);
        assert_eq!(p.calls[0].args["on"], true);
    }

    #[test]
    fn body_call_keeps_line_count() {
        let src = "Para.\n\n{% callout(kind=\"note\") %}\nInside *md*.\n{% end %}\nAfter\n";
        let p = prepare(src).unwrap();
        assert_eq!(p.text.lines().count(), src.lines().count(), "{:?}", p.text);
        assert_eq!(p.calls[0].body.as_deref(), Some("\nInside *md*.\n"));
        assert!(p.text.contains(&format!("\n{}\n", token(0))));
        assert!(p.text.ends_with("After\n"));
    }

    #[test]
    fn nested_body_calls_are_matched() {
        let src = "{% outer() %}\n{% inner() %}x{% end %}\n{% end %}\n";
        let p = prepare(src).unwrap();
        assert_eq!(p.calls.len(), 1);
        assert!(
            p.calls[0]
                .body
                .as_deref()
                .unwrap()
                .contains("{% inner() %}x{% end %}")
        );
    }

    #[test]
    fn code_is_left_alone() {
        let src = "```\n{{ figure(src=\"a\") }}\n```\nUse `{{ figure() }}` here.\n";
        let p = prepare(src).unwrap();
        assert!(p.calls.is_empty());
        assert_eq!(p.text, src);
    }

    #[test]
    fn escaped_call_is_shown_literally() {
        let p = prepare("Write {{/* figure(src=\"a\") */}} to add a figure.\n").unwrap();
        assert!(p.calls.is_empty());
        assert_eq!(p.text, "Write {{ figure(src=\"a\") }} to add a figure.\n");
    }

    #[test]
    fn plain_braces_are_text() {
        let p = prepare("A set {{a, b}} and {% not a call %}.\n").unwrap();
        assert!(p.calls.is_empty());
    }

    #[test]
    fn unclosed_body_is_an_error_with_line() {
        let e = prepare("a\n{% callout() %}\nbody\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn bad_args_are_errors() {
        assert!(prepare("{{ f(\"positional\") }}").is_err());
        assert!(prepare("{{ f(a=unquoted text) }}").is_err());
        assert!(prepare("{{ f(a=1, a=2) }}").is_err());
        assert!(prepare("{{ f(a=\"open) }}").is_err());
        assert!(prepare("{{ f(a=1) and more").is_err());
    }

    #[test]
    fn more_marker_is_found_once() {
        let p = prepare("Intro\n\n<!-- more -->\n\nRest\n").unwrap();
        assert!(p.has_more);
        assert!(p.text.contains(&more_token()));
    }
}
