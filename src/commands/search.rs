//! `gca search`: query the site's search index from the command line.
//!
//! Reads the tantivy index that `gca build` keeps in the site's `.gca/` folder,
//! ranks exactly as the browser does, and shows tantivy's snippets.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use search_index::{SearchOptions, SearchOutcome, Searcher};

/// Options of `gca search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for: words, "a phrase", -excluded; the last word also
    /// matches as a prefix unless followed by a space
    #[arg(required = true, num_args = 1.., value_name = "QUERY")]
    pub query: Vec<String>,
    /// Only pages of this work area (repeat for either of several)
    #[arg(long = "work-area", value_name = "NAME")]
    pub work_areas: Vec<String>,
    /// Only pages with this taxonomy value, as taxonomy=value (repeatable;
    /// values of one taxonomy are alternatives)
    #[arg(long = "filter", value_name = "TAXONOMY=VALUE")]
    pub filters: Vec<String>,
    /// Number of results to show
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub limit: usize,
    /// Results to skip (for paging)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub offset: usize,
    /// Print the results as JSON
    #[arg(long)]
    pub json: bool,
    /// The site folder
    #[arg(long, default_value = "site", value_name = "DIR")]
    pub root: PathBuf,
    /// The output folder of the build whose index to search
    #[arg(long, short, default_value = "public", value_name = "DIR")]
    pub output: PathBuf,
    /// Language of the index to search (default: en, or the site's only language)
    #[arg(long, value_name = "CODE")]
    pub lang: Option<String>,
    /// Search every language's index and merge the results by rank, the
    /// language of --lang first (as the search page does with ?lang=all)
    #[arg(long)]
    pub all_languages: bool,
}

/// Runs `gca search`.
pub fn run(args: SearchArgs) -> anyhow::Result<()> {
    let cache = gca::site::search_cache(&args.root, &args.output);
    // Wait while a build writes the index; none there is reported below.
    let _lock = gca::site::lock::CacheLock::shared(&cache).ok();
    if Searcher::languages(&cache).is_empty() {
        bail!(
            "no search index for a build of {} into {}: run `gca build` first",
            args.root.display(),
            args.output.display()
        );
    }
    let searcher = Searcher::open(&cache, args.lang.as_deref())
        .with_context(|| format!("cannot open the search index in {}", cache.display()))?;
    let mut searchers = vec![searcher];
    if args.all_languages {
        for lang in Searcher::languages(&cache) {
            if lang != searchers[0].lang() {
                searchers.push(Searcher::open(&cache, Some(&lang)).with_context(|| {
                    format!("cannot open the {lang} search index in {}", cache.display())
                })?);
            }
        }
    }
    let searcher = &searchers[0];
    let mut filters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for value in &args.work_areas {
        filters
            .entry("work_areas".to_string())
            .or_default()
            .push(value.clone());
    }
    for filter in &args.filters {
        let Some((taxonomy, value)) = filter.split_once('=') else {
            bail!("--filter {filter:?}: write it as taxonomy=value, e.g. --filter regions=Africa");
        };
        filters
            .entry(taxonomy.trim().to_string())
            .or_default()
            .push(value.trim().to_string());
    }
    let query = args.query.join(" ");
    let options = SearchOptions {
        filters,
        limit: args.limit,
        offset: args.offset,
    };
    let outcome = if args.all_languages {
        search_index::search_languages(&searchers, &query, &options)?
    } else {
        searcher.search(&query, &options)?
    };
    let lang = if args.all_languages {
        "all languages".to_string()
    } else {
        searcher.lang().to_string()
    };
    for taxonomy in &outcome.unknown_filters {
        eprintln!("warning: the index has no taxonomy `{taxonomy}`; that filter is ignored");
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let json = serde_json::json!({
            "query": query,
            "lang": if args.all_languages { "all" } else { searcher.lang() },
            "total": outcome.total,
            "fallback": outcome.fallback,
            "results": outcome.results,
            "facets": outcome.facets,
            "unknown_filters": outcome.unknown_filters,
            "words": outcome.words,
        });
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
    } else {
        print_text(
            &mut out,
            &query,
            &lang,
            searcher.lang(),
            &outcome,
            std::io::stdout().is_terminal(),
        )?;
    }
    Ok(())
}

fn print_text(
    out: &mut impl Write,
    query: &str,
    lang: &str,
    first_lang: &str,
    outcome: &SearchOutcome,
    colour: bool,
) -> std::io::Result<()> {
    let s = if outcome.total == 1 { "" } else { "s" };
    writeln!(out, "{} result{s} for {query:?} ({lang})", outcome.total)?;
    if outcome.fallback {
        writeln!(
            out,
            "No page has all the words; showing pages with any of them."
        )?;
    }
    let (bold, plain) = if colour {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    for (i, hit) in outcome.results.iter().enumerate() {
        writeln!(out)?;
        if hit.lang == first_lang {
            writeln!(out, "{}. {bold}{}{plain}", i + 1, clean(&hit.title))?;
        } else {
            writeln!(
                out,
                "{}. {bold}{}{plain} ({})",
                i + 1,
                clean(&hit.title),
                clean(&hit.lang)
            )?;
        }
        writeln!(out, "   /{}", clean(&hit.url))?;
        let mut excerpt = String::new();
        let mut at = 0;
        for &(from, to) in &hit.excerpt.highlighted {
            let (Some(before), Some(word)) = (
                hit.excerpt.text.get(at..from),
                hit.excerpt.text.get(from..to),
            ) else {
                continue;
            };
            excerpt.push_str(&clean(before));
            excerpt.push_str(bold);
            excerpt.push_str(&clean(word));
            excerpt.push_str(plain);
            at = to;
        }
        excerpt.push_str(&clean(hit.excerpt.text.get(at..).unwrap_or("")));
        if !excerpt.trim().is_empty() {
            writeln!(out, "   {}", excerpt.trim())?;
        }
        for anchor in hit.anchors.iter().take(3) {
            writeln!(
                out,
                "   § {} (/{}#{})",
                clean(&anchor.heading),
                clean(&hit.url),
                clean(&anchor.anchor)
            )?;
        }
        let taxonomies: Vec<String> = hit
            .taxonomies
            .iter()
            .map(|(t, v)| format!("{t}: {}", v.join(", ")))
            .collect();
        if !taxonomies.is_empty() {
            writeln!(out, "   {}", clean(&taxonomies.join(" · ")))?;
        }
    }
    Ok(())
}

/// Text with every run of white space or control characters made one space,
/// so that indexed text cannot move the terminal's cursor or change colours.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            space = false;
            out.push(c);
        }
    }
    out
}
