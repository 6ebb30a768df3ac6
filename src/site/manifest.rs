//! Skipping builds that would change nothing.
//!
//! After a successful build, gca records in `<site>/.gca/builds/` every
//! input file (size and times) and every output file (size
//! and modification time). The next build into the same output first
//! compares: when no input changed, the output is as it was left and the
//! options are the same, there is nothing to do. A file counts as unchanged
//! when its size and its modification and status-change times are; the
//! status-change time moves with every write and no tool can set it back,
//! so no file needs to be read to know.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What is known of one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    size: u64,
    mtime: i128,
    ctime: i128,
}

/// The record of a build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Options and gca version, as one string.
    key: String,
    /// Input files, by path.
    inputs: BTreeMap<PathBuf, Entry>,
    /// Hash of the output tree's listing (paths, sizes, times).
    outputs: String,
}

/// Modification and status-change times in nanoseconds.
#[cfg(unix)]
fn times(meta: &std::fs::Metadata) -> (i128, i128) {
    use std::os::unix::fs::MetadataExt;
    (
        i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
    )
}

/// Modification time in nanoseconds (no status-change time here).
#[cfg(not(unix))]
fn times(meta: &std::fs::Metadata) -> (i128, i128) {
    let m = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    (m, 0)
}

/// Every file under `dirs` (sorted), skipping hidden files and `skip`.
fn list(dirs: &[PathBuf], skip: &[PathBuf]) -> Vec<PathBuf> {
    // Skipped folders are compared by absolute path too: `--root .` walks
    // `./out` where the output was given as `out`.
    let skip_absolute: Vec<PathBuf> = skip.iter().map(|s| absolute(s)).collect();
    let skipped = |e: &walkdir::DirEntry| {
        skip.iter().any(|s| e.path() == s)
            || (e.file_type().is_dir() && skip_absolute.contains(&absolute(e.path())))
    };
    let mut out = Vec::new();
    for dir in dirs {
        if dir.is_file() {
            out.push(dir.clone());
            continue;
        }
        for e in walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                (e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')) && !skipped(e)
            })
            .flatten()
        {
            if e.file_type().is_file() || e.path_is_symlink() {
                out.push(e.into_path());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

impl Manifest {
    /// Records the current state of `inputs` (files and folders) and of
    /// `output`.
    pub fn scan(key: &str, inputs: &[PathBuf], skip: &[PathBuf], output: &Path) -> Manifest {
        let mut entries = BTreeMap::new();
        for path in list(inputs, skip) {
            // Unreadable files and broken links never compare equal, so the
            // build runs and reports them.
            let entry = match std::fs::metadata(&path) {
                Ok(meta) => {
                    let (mtime, ctime) = times(&meta);
                    Entry {
                        size: meta.len(),
                        mtime,
                        ctime,
                    }
                }
                Err(_) => Entry {
                    size: u64::MAX,
                    mtime: -1,
                    ctime: -1,
                },
            };
            entries.insert(path, entry);
        }
        Manifest {
            key: key.to_string(),
            inputs: entries,
            outputs: output_listing(output),
        }
    }

    /// The same record with the output as it is now (after a build).
    pub fn with_output(mut self, output: &Path) -> Manifest {
        self.outputs = output_listing(output);
        self
    }

    /// True when nothing the build depends on differs.
    pub fn same_build(&self, other: &Manifest) -> bool {
        self.key == other.key
            && self.outputs == other.outputs
            && !self.outputs.is_empty()
            && self.inputs == other.inputs
            && !self.inputs.values().any(|e| e.size == u64::MAX)
    }

    /// Reads a manifest written by [`Manifest::save`].
    pub fn load(path: &Path) -> Option<Manifest> {
        let text = std::fs::read_to_string(path).ok()?;
        let mut lines = text.lines();
        let key = lines.next()?.strip_prefix("key\t")?.to_string();
        let outputs = lines.next()?.strip_prefix("outputs\t")?.to_string();
        let mut inputs = BTreeMap::new();
        for line in lines {
            let mut f = line.splitn(4, '\t');
            let (size, mtime, ctime, path) = (f.next()?, f.next()?, f.next()?, f.next()?);
            inputs.insert(
                PathBuf::from(path),
                Entry {
                    size: size.parse().ok()?,
                    mtime: mtime.parse().ok()?,
                    ctime: ctime.parse().ok()?,
                },
            );
        }
        Some(Manifest {
            key,
            inputs,
            outputs,
        })
    }

    /// Writes the manifest (atomically: a temporary file renamed).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut text = format!(
            "key\t{}\noutputs\t{}\n",
            self.key.replace(['\n', '\t'], " "),
            self.outputs
        );
        for (p, e) in &self.inputs {
            let _ = writeln!(
                text,
                "{}\t{}\t{}\t{}",
                e.size,
                e.mtime,
                e.ctime,
                p.display()
            );
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(tmp, path)
    }
}

/// A hash of the output tree: every file's path, size and modification time.
fn output_listing(output: &Path) -> String {
    if !output.is_dir() {
        return String::new();
    }
    let mut h = blake3::Hasher::new();
    for path in list(&[output.to_path_buf()], &[]) {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let rel = path.strip_prefix(output).unwrap_or(&path);
        let (mtime, _) = times(&meta);
        h.update(rel.to_string_lossy().as_bytes());
        h.update(&meta.len().to_le_bytes());
        h.update(&mtime.to_le_bytes());
    }
    h.finalize().to_hex().to_string()
}

/// Where the manifest of builds of a site into `output` lives. The output is
/// named by its absolute path, whether or not it exists yet.
pub fn path_for(root: &Path, output: &Path) -> PathBuf {
    let absolute = absolute(output);
    let id = blake3::hash(absolute.to_string_lossy().as_bytes()).to_hex();
    root.join(".gca")
        .join("builds")
        .join(format!("{}.manifest", &id.as_str()[..16]))
}

/// `path` made absolute, with links resolved as far as the path exists.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(c) = path.canonicalize() {
        return c;
    }
    let name = path.file_name().map(|n| n.to_os_string());
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    match (parent.canonicalize(), name) {
        (Ok(p), Some(n)) => p.join(n),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_changes_of_inputs_outputs_and_options() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let out = dir.path().join("out");
        std::fs::create_dir_all(site.join("content")).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(site.join("content/a.md"), "a").unwrap();
        std::fs::write(out.join("index.html"), "x").unwrap();
        let inputs = vec![site.clone()];
        let skip = vec![site.join(".gca")];
        let m1 = Manifest::scan("k", &inputs, &skip, &out);
        let file = path_for(&site, &out);
        m1.save(&file).unwrap();
        let loaded = Manifest::load(&file).unwrap();
        assert_eq!(loaded, m1);
        let m2 = Manifest::scan("k", &inputs, &skip, &out);
        assert!(m2.same_build(&loaded), "nothing changed");
        assert!(!Manifest::scan("other", &inputs, &skip, &out).same_build(&loaded));
        std::fs::write(site.join("content/a.md"), "b").unwrap();
        assert!(
            !Manifest::scan("k", &inputs, &skip, &out).same_build(&loaded),
            "content edit"
        );
        std::fs::write(site.join("content/a.md"), "a").unwrap();
        std::fs::write(site.join("content/b.md"), "new").unwrap();
        assert!(
            !Manifest::scan("k", &inputs, &skip, &out).same_build(&loaded),
            "new file"
        );
        std::fs::remove_file(site.join("content/b.md")).unwrap();
        assert!(
            !Manifest::scan("k", &inputs, &skip, &out).same_build(&loaded),
            "rewritten, even with the same bytes"
        );
        std::fs::write(out.join("index.html"), "edited by hand").unwrap();
        assert!(
            !Manifest::scan("k", &inputs, &skip, &out).same_build(&loaded),
            "output touched"
        );
    }
}
