//! Watching the site and theme folders: file events from `notify`, minus
//! output, cache and editor files, gathered into batches (a batch ends
//! after a short quiet time), so one save gives one rebuild.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};

/// A batch ends when no event came for this long...
pub const QUIET: Duration = Duration::from_millis(10);
/// ...or when it has been collecting for this long.
pub const MAX_WAIT: Duration = Duration::from_millis(500);

/// Which paths matter to a rebuild.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Watched folders (canonical), to judge paths relative to them.
    roots: Vec<PathBuf>,
    /// Folders whose contents never matter (output, cache).
    skip: Vec<PathBuf>,
}

impl Filter {
    /// A filter for the site at `root` (canonical) and the other watched
    /// folders: ignores `<root>/public`, `<root>/.gca`, hidden files and
    /// folders, and editor leftovers.
    pub fn new(root: &Path, others: &[PathBuf]) -> Filter {
        let mut roots = vec![root.to_path_buf()];
        roots.extend(others.iter().cloned());
        Filter {
            roots,
            skip: vec![root.join("public"), root.join(".gca")],
        }
    }

    /// True when a change to `path` can change the site.
    pub fn relevant(&self, path: &Path) -> bool {
        if self.skip.iter().any(|s| path.starts_with(s)) {
            return false;
        }
        let rel = self
            .roots
            .iter()
            .filter_map(|r| path.strip_prefix(r).ok())
            .min_by_key(|r| r.components().count());
        let Some(rel) = rel else { return false };
        rel.components().all(|c| match c {
            std::path::Component::Normal(name) => {
                let name = name.to_string_lossy();
                !is_editor_file(&name)
            }
            _ => false,
        })
    }
}

/// Hidden files and the temporary files editors leave beside the file
/// being saved.
pub fn is_editor_file(name: &str) -> bool {
    crate::content::is_ignored_name(name)
        || name == "4913"
        || name.ends_with(".swx")
        || name.ends_with(".bak")
        || name.ends_with("___jb_tmp___")
        || name.ends_with("___jb_old___")
}

/// A running watch; dropping it stops watching and ends the batching thread.
pub struct Watch {
    _watcher: notify::RecommendedWatcher,
}

/// Watches `dirs` recursively and calls `on_batch` (on its own thread) with
/// each batch of changed paths that `filter` finds relevant, sorted. An
/// empty batch means "anything may have changed" (the watcher lost events).
pub fn watch(
    dirs: &[PathBuf],
    filter: Filter,
    mut on_batch: impl FnMut(Vec<PathBuf>) + Send + 'static,
) -> notify::Result<Watch> {
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(tx)?;
    for d in dirs {
        watcher.watch(d, RecursiveMode::Recursive)?;
    }
    std::thread::Builder::new()
        .name("gca-watch".into())
        .spawn(move || {
            while let Some(batch) = next_batch(&rx, &filter) {
                if let Some(paths) = batch {
                    on_batch(paths);
                }
            }
        })
        .map_err(notify::Error::io)?;
    Ok(Watch { _watcher: watcher })
}

/// Waits for the next batch. `None` when the watcher is gone;
/// `Some(None)` when the batch held nothing relevant.
fn next_batch(
    rx: &mpsc::Receiver<notify::Result<notify::Event>>,
    filter: &Filter,
) -> Option<Option<Vec<PathBuf>>> {
    let first = rx.recv().ok()?;
    let mut paths = BTreeSet::new();
    let mut everything = false;
    let mut take = |e: notify::Result<notify::Event>| match e {
        Ok(e) => {
            if e.need_rescan() {
                everything = true;
            }
            if matches!(e.kind, EventKind::Access(_)) {
                return;
            }
            for p in e.paths {
                if filter.relevant(&p) {
                    paths.insert(p);
                }
            }
        }
        Err(_) => everything = true,
    };
    take(first);
    let start = Instant::now();
    let mut gone = false;
    loop {
        let left = MAX_WAIT.saturating_sub(start.elapsed());
        if left.is_zero() {
            break;
        }
        match rx.recv_timeout(QUIET.min(left)) {
            Ok(e) => take(e),
            Err(mpsc::RecvTimeoutError::Timeout) => break,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                gone = true;
                break;
            }
        }
    }
    let batch = if everything {
        Some(Vec::new())
    } else if paths.is_empty() {
        None
    } else {
        Some(paths.into_iter().collect())
    };
    if gone && batch.is_none() {
        return None;
    }
    Some(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_skips_output_cache_and_editor_files() {
        let f = Filter::new(Path::new("/s"), &[PathBuf::from("/t/gca")]);
        assert!(f.relevant(Path::new("/s/content/a.md")));
        assert!(f.relevant(Path::new("/s/config.toml")));
        assert!(f.relevant(Path::new("/t/gca/templates/page.html")));
        for p in [
            "/s/public/index.html",
            "/s/.gca/cache",
            "/s/content/.a.md.swp",
            "/s/content/a.md~",
            "/s/content/#a.md#",
            "/s/content/.#a.md",
            "/s/content/4913",
            "/s/.git/index",
            "/s/content/a.md___jb_tmp___",
            "/elsewhere/a.md",
        ] {
            assert!(!f.relevant(Path::new(p)), "{p}");
        }
    }

    #[test]
    fn batches_gather_events_until_quiet() {
        let (tx, rx) = mpsc::channel();
        let f = Filter::new(Path::new("/s"), &[]);
        let ev = |kind, p: &str| Ok(notify::Event::new(kind).add_path(PathBuf::from(p)));
        let modify = EventKind::Modify(notify::event::ModifyKind::Any);
        tx.send(ev(modify, "/s/content/b.md")).unwrap();
        tx.send(ev(modify, "/s/content/a.md")).unwrap();
        tx.send(ev(modify, "/s/content/a.md")).unwrap();
        tx.send(ev(modify, "/s/public/x.html")).unwrap();
        let batch = next_batch(&rx, &f).unwrap().unwrap();
        assert_eq!(
            batch,
            vec![
                PathBuf::from("/s/content/a.md"),
                PathBuf::from("/s/content/b.md")
            ]
        );
        // Only ignored paths: no batch.
        tx.send(ev(modify, "/s/content/.x.swp")).unwrap();
        assert_eq!(next_batch(&rx, &f), Some(None));
        // Access events do not count.
        tx.send(ev(
            EventKind::Access(notify::event::AccessKind::Any),
            "/s/content/a.md",
        ))
        .unwrap();
        assert_eq!(next_batch(&rx, &f), Some(None));
        drop(tx);
        assert_eq!(next_batch(&rx, &f), None);
    }
}
