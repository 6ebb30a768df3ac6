//! The subcommands, one file each. Each is a thin layer over the library.

pub mod build;
pub mod check;
pub mod new;
pub mod search;
pub mod serve;

use std::io::IsTerminal;

use gca::error::{BuildError, Diagnostic, Severity};

/// Whether to colour messages: only on a terminal, and never with `NO_COLOR`.
pub fn use_colour() -> bool {
    colour_wanted(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// The decision of [`use_colour`], from whether stderr is a terminal and
/// the value of `NO_COLOR` (set at all, even empty, turns colour off).
fn colour_wanted(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none()
}

/// Prints a diagnostic to stderr. Control characters that came from a file
/// (a NUL in a slug, an escape sequence in a file name) are shown escaped,
/// so they cannot garble or drive the terminal.
pub fn print_diagnostic(d: &Diagnostic, colour: bool) {
    let text = escape_controls(&d.to_string());
    if !colour {
        eprintln!("{text}");
        return;
    }
    let (label, code) = match d.severity {
        Severity::Error => ("error", "1;31"),
        Severity::Warning => ("warning", "1;33"),
    };
    let rest = text.strip_prefix(label).unwrap_or(&text);
    eprintln!("\x1b[{code}m{label}\x1b[0m{rest}");
}

/// Prints what made a command fail.
pub fn report_error(e: &anyhow::Error) {
    let colour = use_colour();
    if let Some(b) = e.downcast_ref::<BuildError>() {
        for d in &b.diagnostics {
            print_diagnostic(d, colour);
        }
        let errors = b.error_count();
        let s = if errors == 1 { "" } else { "s" };
        eprintln!("{errors} error{s}; nothing was written (the previous output is unchanged)");
    } else {
        print_diagnostic(&Diagnostic::error(format!("{e:#}")), colour);
    }
}

/// Escapes control characters other than line breaks: `\u{1b}` for ESC.
fn escape_controls(text: &str) -> String {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        assert!(colour_wanted(true, None));
        assert!(!colour_wanted(false, None), "not through a pipe or file");
        assert!(!colour_wanted(true, Some(OsStr::new("1"))));
        assert!(!colour_wanted(true, Some(OsStr::new(""))));
        assert!(!colour_wanted(false, Some(OsStr::new("1"))));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            escape_controls("a\u{1b}[2Jb\0c\nd\te"),
            "a\\u{1b}[2Jb\\u{0}c\nd\\te"
        );
        assert_eq!(escape_controls("plain é\n"), "plain é\n");
    }
}
