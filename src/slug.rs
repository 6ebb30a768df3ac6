//! Slugs: the stable, URL-safe names of pages, sections, headings and terms.

/// Turns text into a slug: lowercase letters and digits of any script, words
/// joined by `-`. `"Legal Measures"` becomes `legal-measures`,
/// `"Access_Control Cheat Sheet"` becomes `access-control-cheat-sheet`.
/// Letters outside ASCII are kept (lowercased), so Arabic, Chinese or Russian
/// text gives readable slugs. Returns an empty string for text without any
/// letter or digit.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            for l in c.to_lowercase() {
                out.push(l);
            }
        } else if c == '\'' || c == '\u{2019}' {
            // "Experts' Group" -> "experts-group", not "experts--group".
        } else {
            pending_dash = true;
        }
    }
    out
}

/// Why a path component given in front matter (`slug`, `path`, alias) is
/// refused.
pub fn unsafe_component_reason(component: &str) -> Option<&'static str> {
    const RESERVED: [&str; 22] = [
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
        "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    ];
    if component.is_empty() {
        return Some("it has an empty path component");
    }
    if component == "." || component == ".." {
        return Some("it contains `.` or `..`, which would leave its folder");
    }
    if component.starts_with('.') {
        return Some("a component starts with `.` (hidden files are not published)");
    }
    if component.ends_with('.') || component.ends_with(' ') || component.starts_with(' ') {
        return Some(
            "a component starts or ends with a space, or ends with `.`, which some file systems drop",
        );
    }
    if component.chars().any(|c| {
        c.is_control()
            || matches!(
                c,
                '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*' | '#' | '%'
            )
    }) {
        return Some("it contains a character that is not allowed in URLs or file names");
    }
    let stem = component
        .split('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if RESERVED.contains(&stem.as_str()) {
        return Some("it uses a name reserved by some file systems (such as CON or NUL)");
    }
    None
}

/// Checks a URL path given by a user (`path = "..."`, aliases) and returns
/// it normalised: no leading slash, components joined by `/`, no trailing
/// slash. An `Err` carries the reason.
pub fn normalise_user_path(path: &str) -> Result<String, &'static str> {
    if path.contains('\\') {
        return Err("it contains a backslash; use `/` between folders");
    }
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        return Err("it is empty");
    }
    if trimmed.contains("://") || path.starts_with("//") {
        return Err("it is a full URL; give a path inside the site instead");
    }
    let mut parts = Vec::new();
    for part in trimmed.split('/') {
        if let Some(reason) = unsafe_component_reason(part) {
            return Err(reason);
        }
        parts.push(part);
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_and_dashed() {
        assert_eq!(slugify("Legal Measures"), "legal-measures");
        assert_eq!(
            slugify("  Technical and Procedural Measures! "),
            "technical-and-procedural-measures"
        );
        assert_eq!(
            slugify("Access_Control_Cheat_Sheet"),
            "access-control-cheat-sheet"
        );
        assert_eq!(slugify("The Experts' Group"), "the-experts-group");
        assert_eq!(
            slugify("WSIS Action Line C5 (2008)"),
            "wsis-action-line-c5-2008"
        );
        assert_eq!(slugify("Мера"), "мера");
        assert_eq!(slugify("التدابير القانونية"), "التدابير-القانونية");
        assert_eq!(slugify("网络安全"), "网络安全");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn unsafe_paths_are_refused() {
        assert!(normalise_user_path("../etc/passwd").is_err());
        assert!(normalise_user_path("a/../../b").is_err());
        assert!(normalise_user_path("a\\b").is_err());
        assert!(normalise_user_path("https://evil.example/").is_err());
        assert!(normalise_user_path("//evil.example/x").is_err());
        assert!(normalise_user_path("docs/CON").is_err());
        assert!(normalise_user_path("docs/nul.txt").is_err());
        assert!(normalise_user_path("a/.hidden").is_err());
        assert!(normalise_user_path("a/b?c").is_err());
        assert!(normalise_user_path("a/b.").is_err());
        assert!(normalise_user_path("a/ b").is_err());
        assert!(unsafe_component_reason(" ").is_some());
        assert!(unsafe_component_reason("v1.2").is_none());
        assert_eq!(
            normalise_user_path("/docs/address/").unwrap(),
            "docs/address"
        );
        assert_eq!(
            normalise_user_path("docs/2008-address").unwrap(),
            "docs/2008-address"
        );
    }
}
