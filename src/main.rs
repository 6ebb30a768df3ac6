//! The `gca` command line: parse arguments, run a command, print problems
//! like a compiler does.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;

// Building a site allocates many small strings from several threads at once;
// mimalloc handles that better than the system allocator.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Keeps freed memory in the process instead of handing it back to the
/// system. `gca serve` rebuilds in bursts seconds apart; by default
/// mimalloc returns memory 10 ms after it is freed, and each rebuild then
/// pays to fault it in again (up to tens of milliseconds for the large
/// files of a 10,000-page site). The resident size stays at the peak of a
/// rebuild, which serve reaches anyway.
pub fn keep_freed_memory() {
    #[cfg(feature = "mimalloc")]
    {
        // `mi_option_purge_delay` in mimalloc.h (v2 and v3): the delay in
        // milliseconds before freed memory is returned; -1 never returns it.
        const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
        // SAFETY: sets a process-wide option, which mimalloc allows at any
        // time from any thread.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
    }
}

/// Build the Global Cybersecurity Agenda knowledge base (or any site laid out
/// like it) into a static website with a prebuilt search index.
#[derive(Debug, Parser)]
#[command(
    name = "gca",
    version,
    about,
    long_about = "Build the Global Cybersecurity Agenda knowledge base (or any site laid out like it) into a \
static website with a prebuilt search index.\n\nA site is a folder with config.toml, content/ (Markdown \
with front matter), and optionally data/, static/ and templates/. Run `gca build` in the folder that \
holds site/, or point at a site with --root.",
    after_help = "Examples:\n  gca build                      build site/ into public/\n  \
gca build --root mysite --output /tmp/out --base-url http://localhost:8000/\n\nSee README.md and docs/ for more."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the site into a folder of static files
    Build(commands::build::BuildArgs),
    /// Build into memory, serve on 127.0.0.1, rebuild and reload the browser on changes
    Serve(commands::serve::ServeArgs),
    /// Build without writing and report every problem at once (exit 1 on errors)
    Check(commands::check::CheckArgs),
    /// Create a page or section with the front matter its section's schema requires
    New(commands::new::NewArgs),
    /// Search the site's index (built by `gca build`) from the command line
    Search(commands::search::SearchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(args) => commands::build::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::New(args) => commands::new::run(args),
        Command::Check(args) => match commands::check::run(args) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(e) => Err(e),
        },
        Command::Search(args) => commands::search::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            commands::report_error(&e);
            ExitCode::FAILURE
        }
    }
}
