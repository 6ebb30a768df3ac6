//! `gca serve`.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;
use gca::serve::{LogEvent, Options, Server};

/// Options of `gca serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The site folder, holding config.toml and content/
    #[arg(long, default_value = "site", value_name = "DIR")]
    pub root: PathBuf,
    /// Port to listen on (0 picks a free one)
    #[arg(long, short, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on; anything but a loopback address makes the
    /// preview (drafts included) visible to other machines
    #[arg(long, short, default_value = "127.0.0.1", value_name = "ADDRESS")]
    pub interface: IpAddr,
    /// Include pages marked `draft = true`
    #[arg(long)]
    pub drafts: bool,
}

/// Builds, serves and rebuilds on changes until interrupted.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    crate::keep_freed_memory();
    let colour = super::use_colour();
    if !args.interface.is_loopback() {
        super::print_diagnostic(
            &gca::error::Diagnostic::warning(format!(
                "serving on {}, which other machines may reach: they will see the preview, drafts included",
                args.interface
            ))
            .help("leave out --interface to serve on 127.0.0.1, this machine only"),
            colour,
        );
    }
    let root = args.root.clone();
    let server = Server::start(
        &Options {
            root: args.root.clone(),
            interface: args.interface,
            port: args.port,
            drafts: args.drafts,
            watch: true,
        },
        move |event| log(event, &root, colour),
    )?;
    eprintln!(
        "Serving {} at {} (Ctrl+C to stop); watching for changes",
        args.root.display(),
        server.base_url()
    );
    server.wait();
    Ok(())
}

fn log(event: &LogEvent<'_>, root: &std::path::Path, colour: bool) {
    let what = |trigger: &[PathBuf]| -> String {
        match trigger {
            [] => "everything".to_string(),
            [one] => shorten(one, root),
            [first, rest @ ..] => format!("{} and {} more", shorten(first, root), rest.len()),
        }
    };
    match event {
        LogEvent::Built {
            trigger,
            changed,
            files,
            elapsed,
            warnings,
        } => {
            for w in *warnings {
                super::print_diagnostic(w, colour);
            }
            if trigger.is_empty() && changed.len() == *files {
                eprintln!("Built {files} files in {} ms", elapsed.as_millis());
            } else {
                let n = changed.len();
                let s = if n == 1 { "" } else { "s" };
                eprintln!(
                    "Rebuilt after a change to {} in {} ms: {n} file{s} changed",
                    what(trigger),
                    elapsed.as_millis()
                );
            }
        }
        LogEvent::Failed {
            trigger,
            diagnostics,
        } => {
            for d in *diagnostics {
                super::print_diagnostic(d, colour);
            }
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            let s = if errors == 1 { "" } else { "s" };
            eprintln!(
                "Build of {} failed with {errors} error{s}; the last good version stays served",
                what(trigger)
            );
        }
    }
}

fn shorten(path: &std::path::Path, root: &std::path::Path) -> String {
    path.strip_prefix(root)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}
