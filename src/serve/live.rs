//! Live reload: the script and stylesheet served at reserved paths, the
//! tag that loads the script into HTML responses, and the server-sent
//! events that tell browsers about rebuilds and errors.
//!
//! The script is a separate file (never inline), so pages keep working
//! under `Content-Security-Policy: default-src 'self'`.

use serde::Serialize;

use crate::error::Diagnostic;

/// Folder of the paths the server keeps for itself.
pub const RESERVED_PREFIX: &str = "/__gca/";
/// The live-reload script.
pub const SCRIPT_PATH: &str = "/__gca/live.js";
/// The overlay's stylesheet.
pub const STYLE_PATH: &str = "/__gca/live.css";
/// The event stream.
pub const EVENTS_PATH: &str = "/__gca/events";
/// The build status as JSON.
pub const STATUS_PATH: &str = "/__gca/status";

/// The script's source.
pub const SCRIPT: &str = include_str!("assets/live.js");
/// The overlay's styles.
pub const STYLE: &str = include_str!("assets/live.css");

/// Adds the live-reload script to an HTML page: before `</head>`, else
/// before `</body>`, else at the end. `generation` is the build the page
/// comes from, so the script can tell when it missed a rebuild.
pub fn inject(html: &[u8], generation: u64) -> Vec<u8> {
    let tag = format!("<script type=\"module\" src=\"{SCRIPT_PATH}?v={generation}\"></script>");
    let at = find_ci(html, b"</head>")
        .or_else(|| rfind_ci(html, b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

fn rfind_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

/// The state of the served site, as the status endpoint and the first
/// event of each stream report it.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// Number of the build being served; goes up with each good rebuild.
    pub generation: u64,
    /// False while the last rebuild failed.
    pub ok: bool,
    /// Why it failed (errors first), or the last build's warnings.
    pub diagnostics: Vec<Diagnostic>,
}

/// A message to the browsers.
#[derive(Debug, Clone)]
pub enum Event {
    /// The current status (sent first on each connection).
    Status(Status),
    /// A good rebuild: which output files changed.
    Reload {
        /// The new generation.
        generation: u64,
        /// Output paths that changed, appeared or disappeared.
        changed: Vec<String>,
    },
    /// A failed rebuild.
    Failed(Vec<Diagnostic>),
}

impl Event {
    /// The event in the `text/event-stream` format.
    pub fn to_sse(&self) -> String {
        let (name, data) = match self {
            Event::Status(s) => ("status", serde_json::to_string(s)),
            Event::Reload {
                generation,
                changed,
            } => (
                "reload",
                serde_json::to_string(
                    &serde_json::json!({ "generation": generation, "changed": changed }),
                ),
            ),
            Event::Failed(d) => (
                "failed",
                serde_json::to_string(&serde_json::json!({ "diagnostics": d })),
            ),
        };
        // serde_json never writes a raw newline, so the data is one line.
        let data = data.unwrap_or_else(|_| "{}".into());
        format!("event: {name}\ndata: {data}\n\n")
    }
}

/// A page shown for every HTML request while no build has succeeded yet,
/// so that the overlay can show why.
pub fn not_built_page() -> Vec<u8> {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>The site did not build</title>\
<script type=\"module\" src=\"{SCRIPT_PATH}?v=0\"></script></head>\n<body><h1>The site did not build</h1>\
<p>gca serve is waiting for the errors printed in the terminal to be fixed.</p></body></html>\n"
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injects_before_head_end() {
        let out = inject(
            b"<html><head><title>x</title></HEAD><body></body></html>",
            7,
        );
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("<script type=\"module\" src=\"/__gca/live.js?v=7\"></script></HEAD>"));
    }

    #[test]
    fn injects_before_body_end_or_at_the_end() {
        let s = String::from_utf8(inject(b"<p>a</p></body>", 1)).unwrap();
        assert!(s.ends_with("</script></body>"));
        let s = String::from_utf8(inject(b"<p>a</p>", 1)).unwrap();
        assert!(s.starts_with("<p>a</p><script"));
    }

    #[test]
    fn events_are_one_data_line() {
        let e = Event::Failed(vec![
            Diagnostic::error("bad\nthing <script>")
                .in_file("content/a.md")
                .at_line(3),
        ]);
        let sse = e.to_sse();
        assert!(sse.starts_with("event: failed\ndata: {"));
        assert_eq!(sse.matches('\n').count(), 3);
        assert!(sse.contains("\"line\":3"));
    }

    #[test]
    fn the_script_never_writes_html() {
        assert!(!SCRIPT.contains("innerHTML"));
        assert!(!SCRIPT.contains("insertAdjacentHTML"));
        assert!(!SCRIPT.contains("document.write"));
        assert!(SCRIPT.contains(EVENTS_PATH));
        assert!(SCRIPT.contains(STYLE_PATH));
    }
}
