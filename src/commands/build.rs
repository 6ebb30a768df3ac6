//! `gca build`.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use gca::error::Diagnostic;
use gca::site::lock::BuildLock;

/// Options of `gca build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The site folder, holding config.toml and content/
    #[arg(long, default_value = "site", value_name = "DIR")]
    pub root: PathBuf,
    /// Where to write the site; replaced as a whole, and only when the build succeeds
    #[arg(long, short, default_value = "public", value_name = "DIR")]
    pub output: PathBuf,
    /// Publish at this URL instead of config.toml's base_url (for previews)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Include pages marked `draft = true`
    #[arg(long)]
    pub drafts: bool,
    /// Make every link relative (`../page/index.html`) so the site also works
    /// when opened from disk, e.g. to hand it out as an archive
    #[arg(long)]
    pub offline: bool,
}

/// Runs the build and prints a summary. One build of a site runs at a
/// time: a second one waits for the first, saying so.
pub fn run(args: BuildArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let colour = super::use_colour();
    // No lock (and no .gca folder) for a folder that is not a site: the
    // build reports that instead.
    let _lock = if args.root.join("config.toml").is_file() {
        let lock = BuildLock::acquire(&args.root, |path, holder| {
            let who = holder.map_or(String::new(), |pid| format!(" (process {pid})"));
            eprintln!(
                "Waiting for another gca build of this site to finish{who}; it holds {}",
                path.display()
            );
        });
        match lock {
            Ok(l) => Some(l),
            // A site folder that cannot be written (a read-only checkout)
            // still builds; only the protection is lost.
            Err(e) => {
                super::print_diagnostic(
                    &Diagnostic::warning(format!("cannot take the build lock: {e}"))
                        .in_file(BuildLock::path_for(&args.root))
                        .help("builds of this site are not kept from running at the same time"),
                    colour,
                );
                None
            }
        }
    } else {
        None
    };
    let report = gca::site::build(&gca::site::BuildOptions {
        root: args.root,
        output: args.output.clone(),
        base_url: args.base_url,
        drafts: args.drafts,
        offline: args.offline,
    })?;
    if report.unchanged {
        eprintln!(
            "Nothing changed since the last build: {} is up to date ({} ms)",
            args.output.display(),
            started.elapsed().as_millis()
        );
        return Ok(());
    }
    for w in &report.warnings {
        super::print_diagnostic(w, colour);
    }
    eprintln!(
        "Built {} pages and {} sections ({} files) into {} in {} ms",
        report.pages,
        report.sections,
        report.files,
        args.output.display(),
        started.elapsed().as_millis()
    );
    Ok(())
}
