//! One build of a site at a time: `gca build` holds an advisory lock on
//! `<site>/.gca/build.lock` while it runs, so two builds cannot interleave
//! their writes to the output or to the site's caches. The system releases
//! the lock when the process ends, however it ends.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A held build lock; dropping it releases the lock.
#[derive(Debug)]
pub struct BuildLock {
    file: File,
    path: PathBuf,
}

impl BuildLock {
    /// Where the lock of the site at `root` lives.
    pub fn path_for(root: &Path) -> PathBuf {
        root.join(".gca").join("build.lock")
    }

    /// Takes the lock of the site at `root`. When another build holds it,
    /// calls `waiting` with the lock's path and that build's process id
    /// (if known), then waits until it is released.
    pub fn acquire(
        root: &Path,
        waiting: impl FnOnce(&Path, Option<u32>),
    ) -> std::io::Result<BuildLock> {
        let path = Self::path_for(root);
        if let Some(dir) = path.parent() {
            // Only `.gca` itself: never the site folder.
            match std::fs::create_dir(dir) {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
                _ => {}
            }
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let holder = file
                    .read_to_string(&mut text)
                    .ok()
                    .and_then(|_| text.trim().parse::<u32>().ok());
                waiting(&path, holder);
                file.lock()?;
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
        // Record who holds it, for the message of the next build that waits.
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        writeln!(file, "{}", std::process::id())?;
        Ok(BuildLock { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for BuildLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// A lock on a search cache folder, held on `<cache>.lock` beside it:
/// exclusive while a build, `gca serve` or `gca check` writes the cache,
/// shared while `gca search` reads it. Waits for the lock.
#[derive(Debug)]
pub struct CacheLock {
    file: File,
}

impl CacheLock {
    /// The lock file of the cache folder `cache`: `<cache>.lock`.
    pub fn path_for(cache: &Path) -> PathBuf {
        let mut name = cache.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        cache.with_file_name(name)
    }

    fn open(cache: &Path, create_parent: bool) -> std::io::Result<File> {
        let path = Self::path_for(cache);
        if create_parent && let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
    }

    /// For writing the cache; creates its parent folder if needed.
    pub fn exclusive(cache: &Path) -> std::io::Result<CacheLock> {
        let file = Self::open(cache, true)?;
        file.lock()?;
        Ok(CacheLock { file })
    }

    /// For reading the cache; fails when its folder does not exist.
    pub fn shared(cache: &Path) -> std::io::Result<CacheLock> {
        let file = Self::open(cache, false)?;
        file.lock_shared()?;
        Ok(CacheLock { file })
    }
}

impl Drop for CacheLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_second_build_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = BuildLock::acquire(dir.path(), |_, _| panic!("nobody holds it")).unwrap();
        assert!(first.path().ends_with(".gca/build.lock"));
        let (tx, rx) = mpsc::channel();
        let root = dir.path().to_path_buf();
        let second = std::thread::spawn(move || {
            let lock = BuildLock::acquire(&root, |path, holder| {
                tx.send((path.to_path_buf(), holder)).unwrap();
            })
            .unwrap();
            drop(lock);
        });
        let (path, holder) = rx.recv_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(path, BuildLock::path_for(dir.path()));
        assert_eq!(holder, Some(std::process::id()));
        assert!(
            !second.is_finished(),
            "the second waits while the first holds the lock"
        );
        drop(first);
        second.join().unwrap();
    }

    #[test]
    fn cache_readers_wait_for_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join(".gca").join("search");
        assert!(CacheLock::shared(&cache).is_err(), "no cache folder yet");
        let writer = CacheLock::exclusive(&cache).unwrap();
        assert!(dir.path().join(".gca/search.lock").is_file());
        let c = cache.clone();
        let reader = std::thread::spawn(move || {
            let a = CacheLock::shared(&c).unwrap();
            let b = CacheLock::shared(&c).unwrap(); // readers share
            drop((a, b));
        });
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            !reader.is_finished(),
            "a reader waits while the cache is written"
        );
        drop(writer);
        reader.join().unwrap();
    }
}
