//! `gca new`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use gca::scaffold::{Kind, create};

/// Options of `gca new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    #[command(subcommand)]
    what: What,
    /// The site folder, holding config.toml and content/
    #[arg(long, default_value = "site", value_name = "DIR", global = true)]
    root: PathBuf,
}

#[derive(Debug, Subcommand)]
enum What {
    /// A page: content/<PATH>.md, with the front matter its section requires
    Page {
        /// Path under content/ without `.md`, such as work-areas/legal-measures/cybercrime-laws
        path: String,
    },
    /// A section: content/<PATH>/_index.md
    Section {
        /// Path under content/, such as work-areas/legal-measures
        path: String,
    },
}

/// Writes the new file and says what to do next.
pub fn run(args: NewArgs) -> anyhow::Result<()> {
    let (kind, path) = match &args.what {
        What::Page { path } => (Kind::Page, path),
        What::Section { path } => (Kind::Section, path),
    };
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
        .to_string();
    let created = create(&args.root, kind, path, &today)
        .map_err(|d| anyhow::Error::new(gca::error::BuildError::from(d)))?;
    eprintln!("Created {}", created.file.display());
    match (&created.schema_from, kind) {
        (Some(schema), Kind::Page) => eprintln!(
            "Its front matter follows the schema of {}; fill in the empty fields (gca check lists what is missing).",
            schema.display()
        ),
        (Some(schema), Kind::Section) => eprintln!(
            "Its pages will follow the schema of {}; fill in the empty fields and choose its taxonomy values (gca check lists what is missing).",
            schema.display()
        ),
        (None, _) => {}
    }
    Ok(())
}
