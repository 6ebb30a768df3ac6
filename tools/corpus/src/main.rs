//! `gca-corpus`: writes a deterministic benchmark site for gca, Zola and Hugo.

use anyhow::Result;
use clap::Parser;
use gca_corpus::{Format, Options, generate};
use std::path::PathBuf;

/// Generate a deterministic benchmark corpus of N pages as equivalent gca,
/// Zola and Hugo sites (`OUT/gca`, `OUT/zola`, `OUT/hugo`).
#[derive(Debug, Parser)]
#[command(name = "gca-corpus", version, about)]
struct Cli {
    /// Number of pages (100 to 1,000,000).
    #[arg(long)]
    pages: u64,
    /// Seed: the same seed and page count give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output directory; each format goes into a folder named after it.
    #[arg(long)]
    out: PathBuf,
    /// Formats to write, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "gca,zola,hugo")]
    formats: Vec<String>,
    /// Replace existing format folders.
    #[arg(long)]
    force: bool,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let formats = cli
        .formats
        .iter()
        .map(|f| Format::parse(f))
        .collect::<Result<Vec<_>>>()?;
    let summary = generate(&Options {
        pages: cli.pages,
        seed: cli.seed,
        out: cli.out,
        formats,
        force: cli.force,
    })?;
    let bytes: Vec<String> = summary
        .content_bytes
        .iter()
        .map(|(f, b)| format!("{} {b} bytes", f.name()))
        .collect();
    println!(
        "{} pages, {} sections; content: {}",
        summary.pages,
        summary.sections,
        bytes.join(", ")
    );
    Ok(())
}
