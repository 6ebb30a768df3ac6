//! The output: where rendered files go. A build writes into a fresh folder
//! beside the output and swaps it in only when everything succeeded, so a
//! failed build leaves the previous site exactly as it was.

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::Diagnostic;

/// Somewhere rendered files can be put. Paths are relative to the site's
/// output root, with `/` separators.
pub trait Sink: Sync {
    /// Writes a file.
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic>;
    /// Writes a file whose bytes are shared (a sink in memory keeps them
    /// without a copy).
    fn write_shared(&self, path: &str, bytes: &Arc<[u8]>) -> Result<(), Diagnostic> {
        self.write(path, bytes)
    }
    /// Copies a file from the site.
    fn copy(&self, src: &Path, path: &str) -> Result<(), Diagnostic>;
    /// Claims a path without writing it: fails as `write` would when the
    /// path is taken, and makes a later write of it fail.
    fn reserve(&self, path: &str) -> Result<(), Diagnostic>;
    /// Writes the HTML redirect page of an alias. A sink for hosts that
    /// answer aliases from `_redirects` reserves the path instead (see
    /// `publish::PublishSink`).
    fn write_redirect(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.write(path, bytes)
    }
}

/// Refuses output paths that could leave the output folder.
pub fn check_output_path(path: &str) -> Result<(), Diagnostic> {
    let p = Path::new(path);
    let bad = path.is_empty()
        || path.contains('\\')
        || p.is_absolute()
        || p.components().any(|c| !matches!(c, Component::Normal(_)));
    if bad {
        return Err(Diagnostic::error(format!(
            "refusing to write outside the output folder: `{path}`"
        ))
        .help("this is a bug in a template or in gca; please report it"));
    }
    Ok(())
}

/// Writes into a folder on disk, refusing to write one path twice.
pub struct DirSink {
    dir: PathBuf,
    written: Mutex<HashSet<String>>,
    /// How many of `written` were only reserved.
    reserved: std::sync::atomic::AtomicUsize,
}

impl DirSink {
    /// Writes under `dir` (which must exist).
    pub fn new(dir: PathBuf) -> DirSink {
        DirSink {
            dir,
            written: Mutex::new(HashSet::new()),
            reserved: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn claim(&self, path: &str) -> Result<PathBuf, Diagnostic> {
        self.claim_name(path)?;
        let full = self.dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, &e))?;
        }
        Ok(full)
    }

    fn claim_name(&self, path: &str) -> Result<(), Diagnostic> {
        check_output_path(path)?;
        let mut w = self
            .written
            .lock()
            .map_err(|_| Diagnostic::error("output lock poisoned"))?;
        if !w.insert(path.to_string()) {
            return Err(
                Diagnostic::error(format!("two outputs want the same file `{path}`"))
                    .help("two pages, aliases or static files have the same URL; rename one"),
            );
        }
        Ok(())
    }

    /// Number of files written.
    pub fn count(&self) -> usize {
        self.written.lock().map(|w| w.len()).unwrap_or(0)
            - self.reserved.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> Diagnostic {
    let help = match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            "make the output folder writable, or choose another with --output"
        }
        std::io::ErrorKind::StorageFull => {
            "free some disk space and build again; the previous output is untouched"
        }
        _ => "check the output folder and build again; the previous output is untouched",
    };
    Diagnostic::error(format!("cannot write {}: {e}", path.display())).help(help)
}

impl Sink for DirSink {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let full = self.claim(path)?;
        std::fs::write(&full, bytes).map_err(|e| io_error(&full, &e))
    }

    fn copy(&self, src: &Path, path: &str) -> Result<(), Diagnostic> {
        let full = self.claim(path)?;
        std::fs::copy(src, &full)
            .map(|_| ())
            .map_err(|e| io_error(&full, &e))
    }

    fn reserve(&self, path: &str) -> Result<(), Diagnostic> {
        self.claim_name(path)?;
        self.reserved
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

/// Keeps files in memory (for `gca check` and tests).
#[derive(Default)]
pub struct MemorySink {
    /// Path to bytes.
    pub files: Mutex<BTreeMap<String, Arc<[u8]>>>,
    /// Paths reserved without a file.
    reserved: Mutex<HashSet<String>>,
}

impl Sink for MemorySink {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.write_shared(path, &Arc::from(bytes))
    }

    fn write_shared(&self, path: &str, bytes: &Arc<[u8]>) -> Result<(), Diagnostic> {
        check_output_path(path)?;
        let mut f = self
            .files
            .lock()
            .map_err(|_| Diagnostic::error("output lock poisoned"))?;
        let reserved = self
            .reserved
            .lock()
            .map_err(|_| Diagnostic::error("output lock poisoned"))?
            .contains(path);
        if reserved || f.insert(path.to_string(), bytes.clone()).is_some() {
            return Err(
                Diagnostic::error(format!("two outputs want the same file `{path}`"))
                    .help("two pages, aliases or static files have the same URL; rename one"),
            );
        }
        Ok(())
    }

    fn copy(&self, src: &Path, path: &str) -> Result<(), Diagnostic> {
        let bytes = std::fs::read(src).map_err(|e| io_error(src, &e))?;
        self.write(path, &bytes)
    }

    fn reserve(&self, path: &str) -> Result<(), Diagnostic> {
        check_output_path(path)?;
        let f = self
            .files
            .lock()
            .map_err(|_| Diagnostic::error("output lock poisoned"))?;
        let mut r = self
            .reserved
            .lock()
            .map_err(|_| Diagnostic::error("output lock poisoned"))?;
        if f.contains_key(path) || !r.insert(path.to_string()) {
            return Err(
                Diagnostic::error(format!("two outputs want the same file `{path}`"))
                    .help("two pages, aliases or static files have the same URL; rename one"),
            );
        }
        Ok(())
    }
}

/// A build's output in the making: a temporary folder beside the final one.
pub struct Staging {
    /// The temporary folder being written.
    pub dir: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    /// Creates the temporary folder beside `target`, which must be missing,
    /// empty or a previous output (see [`check_replaceable`]).
    pub fn new(target: &Path) -> Result<Staging, Diagnostic> {
        Self::replacing(target, false)
    }

    /// Like [`Staging::new`]; with `known_output`, the caller knows
    /// `target` to be an output of this site (the build manifest says so),
    /// even if files are missing from it.
    pub fn replacing(target: &Path, known_output: bool) -> Result<Staging, Diagnostic> {
        check_replaceable(target, known_output)?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| io_error(&parent, &e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "public".into());
        remove_leftovers(target);
        let dir = parent.join(format!(".{name}.gca-new-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, &e))?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            committed: false,
        })
    }

    /// Puts the new output in place of the old one.
    pub fn commit(mut self) -> Result<(), Diagnostic> {
        swap_into_place(&self.dir, &self.target)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Removes what interrupted builds left beside `target`: their staging
/// folders (`.<name>.gca-new-<pid>`, `.<name>.gca-old-<pid>`). Only one
/// build of a site runs at a time (the build lock), so none is in use.
pub fn remove_leftovers(target: &Path) {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().to_string()) else {
        return;
    };
    if let Ok(entries) = std::fs::read_dir(&parent) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().to_string();
            if n.starts_with(&format!(".{name}.gca-")) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Refuses to replace anything but a previous output: a build swaps the
/// whole folder and deletes what was there, so a file, a device, a link or
/// a folder of someone else's files must never be taken for the output. A
/// previous output is recognised by the `robots.txt` and `sitemap.xml`
/// that every build writes at its top.
pub fn check_replaceable(target: &Path, known_output: bool) -> Result<(), Diagnostic> {
    let meta = match std::fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(target, &e)),
    };
    let refuse = |reason: &str, help: &str| {
        Err(Diagnostic::error(format!(
            "refusing to build into {}: {reason}",
            target.display()
        ))
        .help(help.to_string()))
    };
    if meta.file_type().is_symlink() {
        return refuse(
            "it is a symbolic link, and a build replaces the output folder as a whole",
            "give the folder the link points to with --output",
        );
    }
    if !meta.is_dir() {
        return refuse(
            "it exists and is not a folder",
            "choose a new or empty folder with --output, such as public/",
        );
    }
    let mut entries = std::fs::read_dir(target).map_err(|e| io_error(target, &e))?;
    if known_output
        || entries.next().is_none()
        || (target.join("robots.txt").is_file() && target.join("sitemap.xml").is_file())
    {
        return Ok(());
    }
    refuse(
        "it holds files that are not a previous build's output, and a build replaces the whole folder",
        "choose a new or empty folder with --output, or remove this one yourself if its files can go",
    )
}

/// Replaces `target` by `new`: an atomic exchange where the system offers
/// one (Linux), else two renames.
fn swap_into_place(new: &Path, target: &Path) -> Result<(), Diagnostic> {
    if !target.exists() {
        return std::fs::rename(new, target).map_err(|e| io_error(target, &e));
    }
    #[cfg(target_os = "linux")]
    {
        if rustix::fs::renameat_with(
            rustix::fs::CWD,
            new,
            rustix::fs::CWD,
            target,
            rustix::fs::RenameFlags::EXCHANGE,
        )
        .is_ok()
        {
            // `new` now holds the old output.
            let _ = std::fs::remove_dir_all(new);
            return Ok(());
        }
    }
    let old = target.with_file_name(format!(
        ".{}.gca-old-{}",
        target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::rename(target, &old).map_err(|e| io_error(target, &e))?;
    if let Err(e) = std::fs::rename(new, target) {
        let _ = std::fs::rename(&old, target);
        return Err(io_error(target, &e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths_stay_inside() {
        assert!(check_output_path("a/index.html").is_ok());
        for bad in ["../x", "/etc/passwd", "a/../../x", "", "a\\b", "./a"] {
            assert!(check_output_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn staging_swaps_and_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("old.txt"), "old").unwrap();
        std::fs::write(target.join("robots.txt"), "").unwrap();
        std::fs::write(target.join("sitemap.xml"), "").unwrap();
        {
            let s = Staging::new(&target).unwrap();
            std::fs::write(s.dir.join("new.txt"), "new").unwrap();
            // Dropped without commit: the old output stays.
        }
        assert!(target.join("old.txt").exists());
        let s = Staging::new(&target).unwrap();
        std::fs::write(s.dir.join("new.txt"), "new").unwrap();
        s.commit().unwrap();
        assert!(target.join("new.txt").exists());
        assert!(!target.join("old.txt").exists());
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
    }

    #[test]
    fn only_a_previous_output_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("notes.txt");
        std::fs::write(&file, "keep").unwrap();
        let e = Staging::new(&file).err().expect("a file is refused");
        assert!(e.message.contains("not a folder"), "{e}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");

        let docs = tmp.path().join("docs");
        std::fs::create_dir(&docs).unwrap();
        std::fs::write(docs.join("guide.md"), "keep").unwrap();
        let e = Staging::new(&docs)
            .err()
            .expect("a foreign folder is refused");
        assert!(e.message.contains("not a previous build's output"), "{e}");
        assert!(docs.join("guide.md").exists());

        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(&docs, &link).unwrap();
            let e = Staging::new(&link).err().expect("a link is refused");
            assert!(e.message.contains("symbolic link"), "{e}");
        }

        // A damaged output that the manifest vouches for is replaced.
        assert!(Staging::replacing(&docs, true).is_ok());
        assert!(Staging::replacing(&file, true).is_err(), "but never a file");

        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(Staging::new(&empty).is_ok());
        let previous = tmp.path().join("public");
        std::fs::create_dir(&previous).unwrap();
        std::fs::write(previous.join("robots.txt"), "").unwrap();
        std::fs::write(previous.join("sitemap.xml"), "").unwrap();
        assert!(Staging::new(&previous).is_ok());
        let leftovers = std::fs::read_dir(tmp.path())
            .unwrap()
            .filter(|e| {
                let e = e.as_ref().unwrap();
                e.file_name().to_string_lossy().contains(".gca-")
            })
            .count();
        assert_eq!(leftovers, 0, "dropped stagings are removed");
    }

    #[test]
    fn double_writes_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let sink = DirSink::new(tmp.path().to_path_buf());
        sink.write("a/index.html", b"x").unwrap();
        assert!(sink.write("a/index.html", b"y").is_err());
    }
}
