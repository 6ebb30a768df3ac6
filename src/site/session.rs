//! `gca serve`'s side of a build: a site kept loaded, rebuilt into memory.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::render::Memo;
use super::{Site, incremental, writer};
use crate::error::{Diagnostic, Result};

/// The files of a build held in memory: path under the output to bytes.
pub type MemoryOutput = BTreeMap<String, Arc<[u8]>>;

/// The served output, shared with the threads that answer requests. A
/// rebuild changes it in place, under the write lock, once it succeeded;
/// a request holds the read lock only to look a file up.
pub type SharedOutput = Arc<RwLock<MemoryOutput>>;

fn read(output: &RwLock<MemoryOutput>) -> RwLockReadGuard<'_, MemoryOutput> {
    output.read().unwrap_or_else(|p| p.into_inner())
}

fn write(output: &RwLock<MemoryOutput>) -> RwLockWriteGuard<'_, MemoryOutput> {
    output.write().unwrap_or_else(|p| p.into_inner())
}

/// A site kept loaded between builds, for `gca serve`: each rebuild renders
/// into memory, and the previous output stays available until a rebuild
/// succeeds.
pub struct Session {
    root: PathBuf,
    base_url: Option<String>,
    drafts: bool,
    output: SharedOutput,
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
            output: SharedOutput::default(),
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
            // went: no need to compare the whole output. The served map is
            // changed in place, without a copy of its thousands of paths.
            let mut changed: Vec<String> = Vec::new();
            let mut put: Vec<(String, Arc<[u8]>)> = Vec::new();
            let mut gone: Vec<String> = Vec::new();
            {
                let old = read(&self.output);
                for path in applied.removed {
                    if old.contains_key(&path) {
                        changed.push(path.clone());
                        gone.push(path);
                    }
                }
                for (k, v) in files {
                    if old.get(&k).is_none_or(|o| *o != v) {
                        changed.push(k.clone());
                        put.push((k, v));
                    }
                }
            }
            {
                let mut out = write(&self.output);
                for k in gone {
                    out.remove(&k);
                }
                out.extend(put);
            }
            changed.sort();
            changed.dedup();
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
        let mut diff: Vec<String> = {
            let old = read(&self.output);
            let mut diff: Vec<String> = new
                .iter()
                .filter(|(k, v)| old.get(*k).is_none_or(|o| o != *v))
                .map(|(k, _)| k.clone())
                .collect();
            diff.extend(old.keys().filter(|k| !new.contains_key(*k)).cloned());
            diff
        };
        diff.sort();
        *write(&self.output) = new;
        Rebuild {
            changed: diff,
            warnings,
            full,
        }
    }

    /// The last successful output, which later rebuilds update in place.
    pub fn output(&self) -> SharedOutput {
        self.output.clone()
    }

    /// How many files the last successful output holds.
    pub fn file_count(&self) -> usize {
        read(&self.output).len()
    }
}
