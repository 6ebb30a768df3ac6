//! `gca check`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use gca::check::external::{FetchOptions, LinkStatus};
use gca::check::{Options, Report};

/// How to print the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Like a compiler: `error: file:line: message`, then a summary
    Text,
    /// One JSON document on standard output, for tools
    Json,
}

/// Options of `gca check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The site folder, holding config.toml and content/
    #[arg(long, default_value = "site", value_name = "DIR")]
    pub root: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also fetch every external link (several at once, one per host at a time)
    #[arg(long)]
    pub external: bool,
    /// Seconds to wait for each external link
    #[arg(
        long,
        default_value_t = 10,
        value_name = "SECONDS",
        requires = "external"
    )]
    pub timeout: u64,
    /// External links fetched at once
    #[arg(long, default_value_t = 8, value_name = "N", requires = "external")]
    pub concurrency: usize,
}

/// Runs the checks; `Ok(false)` when errors were found.
pub fn run(args: CheckArgs) -> anyhow::Result<bool> {
    let report = gca::check::check(&Options {
        root: args.root.clone(),
        external: args.external.then(|| FetchOptions {
            concurrency: args.concurrency.max(1),
            timeout: Duration::from_secs(args.timeout.max(1)),
        }),
    });
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => print_text(&report, args.external),
    }
    Ok(report.errors == 0)
}

fn print_text(report: &Report, fetched: bool) {
    let colour = super::use_colour();
    for d in &report.diagnostics {
        super::print_diagnostic(d, colour);
    }
    for note in &report.skipped {
        eprintln!("note: {note}");
    }
    if !report.external_links.is_empty() {
        if fetched {
            eprintln!("\nExternal links:");
        } else {
            eprintln!("\nExternal links (not fetched; run with --external to check them):");
        }
        for link in &report.external_links {
            let uses: Vec<String> = link
                .uses
                .iter()
                .map(|u| format!("{}:{}", u.file.display(), u.line))
                .collect();
            let status = match &link.status {
                None => String::new(),
                Some(LinkStatus::Ok { code }) => format!(" [{code}]"),
                Some(LinkStatus::Broken { message, .. }) => format!(" [broken: {message}]"),
                Some(LinkStatus::Unsure { message, .. }) => format!(" [unsure: {message}]"),
            };
            eprintln!("  {}{status}  ({})", link.url, uses.join(", "));
        }
    }
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    eprintln!(
        "\nChecked {} and {}: {}, {}, {}",
        plural(report.pages, "page"),
        plural(report.sections, "section"),
        plural(report.errors, "error"),
        plural(report.warnings, "warning"),
        plural(report.external_links.len(), "external link"),
    );
}
