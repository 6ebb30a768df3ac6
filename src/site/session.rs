//! `gca serve`'s side of a build: a site kept loaded, rebuilt into memory.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::render::Memo;
use super::{Site, incremental, writer};
use crate::error::{Diagnostic, Result};

/// The files of a build held in memory: path under the output to bytes.
pub type MemoryOutput = BTreeMap<String, Arc<[u8]>>;

/// A site kept loaded between builds, for `gca serve`: each rebuild renders
/// into memory, and the previous output stays available until a rebuild
/// succeeds.
pub struct Session {
    root: PathBuf,
    base_url: Option<String>,
    drafts: bool,
    output: Arc<MemoryOutput>,
    /// The site and what its last full render kept, for incremental rebuilds
    /// (the search index among it, in memory).
    live: Option<(Site, Memo)>,
}

/// What a rebuild did.
#[derive(Debug, Clone, Default)]
pub struct Rebuild {
    /// Output paths whose bytes changed, appeared or disappeared.
    pub changed: Vec<String>,
    /// Warnings.
    pub warnings: Vec<Diagnostic>,
    /// True when everything was rendered again; false when only the edited
    /// bodies and what depends on them were.
    pub full: bool,
}

impl Session {
    /// A session for the site at `root`; nothing is built yet.
    pub fn new(root: PathBuf, base_url: Option<String>, drafts: bool) -> Session {
        Session {
            root,
            base_url,
            drafts,
            output: Arc::new(MemoryOutput::new()),
            live: None,
        }
    }

    /// Rebuilds after `changed` files (paths under the site or theme) were
    /// edited, created or deleted; an empty list means "everything". On
    /// error the previous output stays.
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Result<Rebuild> {
        if let Some((site, memo)) = self.live.as_mut()
            && let Some(plan) = incremental::plan(site, changed)
        {
            if plan.is_empty() {
                // Only temporary files came and went.
                return Ok(Rebuild::default());
            }
            let sink = writer::MemorySink::default();
            let applied = match incremental::apply(site, memo, plan, &sink) {
                Ok(a) => a,
                Err(e) => {
                    // The kept state is intact, but the next rebuild starts
                    // afresh: the files on disk are ahead of it.
                    self.live = None;
                    return Err(e);
                }
            };
            let mut timer = super::timer::Timer::new();
            let files = sink.files.into_inner().unwrap_or_else(|p| p.into_inner());
            // What changed is what was written with other bytes, and what
            // went: no need to compare the whole output.
            let mut new: MemoryOutput = (*self.output).clone();
            let mut changed: Vec<String> = Vec::new();
            for path in applied.removed {
                if new.remove(&path).is_some() {
                    changed.push(path);
                }
            }
            for (k, v) in files {
                let same = new.get(&k).is_some_and(|old| *old == v);
                if !same {
                    changed.push(k.clone());
                    new.insert(k, v);
                }
            }
            changed.sort();
            changed.dedup();
            self.output = Arc::new(new);
            timer.lap("incremental: output swapped");
            return Ok(Rebuild {
                changed,
                warnings: Vec::new(),
                full: false,
            });
        }
        self.live = None;
        let mut site = Site::load(&self.root, self.base_url.as_deref(), self.drafts)?;
        let sink = writer::MemorySink::default();
        let (report, memo) = site.render_keeping(&sink)?;
        let files = sink.files.into_inner().unwrap_or_else(|p| p.into_inner());
        let new: MemoryOutput = files;
        self.live = Some((site, memo));
        Ok(self.swap(new, report.warnings, true))
    }

    /// Makes `new` the served output; returns what changed.
    fn swap(&mut self, new: MemoryOutput, warnings: Vec<Diagnostic>, full: bool) -> Rebuild {
        let mut diff: Vec<String> = new
            .iter()
            .filter(|(k, v)| self.output.get(*k).is_none_or(|old| old != *v))
            .map(|(k, _)| k.clone())
            .collect();
        diff.extend(
            self.output
                .keys()
                .filter(|k| !new.contains_key(*k))
                .cloned(),
        );
        diff.sort();
        self.output = Arc::new(new);
        Rebuild {
            changed: diff,
            warnings,
            full,
        }
    }

    /// The last successful output.
    pub fn output(&self) -> Arc<MemoryOutput> {
        self.output.clone()
    }
}
