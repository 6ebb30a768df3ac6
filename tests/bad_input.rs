//! Hostile and broken input: every folder of `tests/bad_input/` is one case.
//!
//! A case is a small site (the files of `tests/bad_input/_base/`, then the
//! case's own `site/` files on top) and an `expect.toml` saying what the
//! build must do. For each case the harness:
//!
//! 1. builds the base site into an output folder (the "previous output");
//! 2. builds the case's site into the same folder (or the output the case
//!    sets up), with a watchdog that kills a build that does not end;
//! 3. checks the exit code (never 101, never a panic message), the
//!    message, file and line on stderr;
//! 4. for a failed build, checks that the previous output is byte for byte
//!    what it was and that no temporary folder is left; for a build that
//!    succeeds (safe handling), checks the files the case names;
//! 5. builds the base site again into the same folder: the next build works.
//!
//! See `tests/bad_input/README.md` for the fields of `expect.toml`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde::Deserialize;

/// What a case expects. Unknown fields are errors, so a typo fails the case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// One line: what the case is about.
    about: String,
    /// 1: the build must fail with a diagnostic; 0: the input is handled
    /// safely and the build succeeds.
    exit: i32,
    /// Substrings that must all appear on stderr.
    #[serde(default)]
    message: Vec<String>,
    /// The file the diagnostic must name, relative to the site folder.
    file: Option<String>,
    /// The line it must name (with `file`): stderr holds `file:line`.
    line: Option<usize>,
    /// Substrings that must not appear on stderr.
    #[serde(default)]
    not_in_message: Vec<String>,
    /// Files of the base site to delete before the case's files are added.
    #[serde(default)]
    remove: Vec<String>,
    /// Large or repetitive files, made when the case runs.
    #[serde(default)]
    generate: Vec<Generate>,
    /// Symbolic links to make: `path` (under the site) pointing at `target`.
    #[serde(default)]
    symlink: Vec<Symlink>,
    /// Named pipes to make under the site.
    #[serde(default)]
    fifo: Vec<String>,
    /// Files or folders under the site to make unreadable (mode 000).
    #[serde(default)]
    unreadable: Vec<String>,
    /// Where the case's build writes: `previous` (default, the folder the
    /// base site was built into), `site` (the site folder itself),
    /// `content` (a folder inside content/), `file` (an existing file),
    /// `foreign` (a folder of other files), `symlink` (a link to a
    /// folder), `read_only` (a previous output in a folder that cannot be
    /// written).
    #[serde(default = "previous")]
    output: String,
    /// Files the succeeding build must write, and what they must (not) hold.
    #[serde(default)]
    check: Vec<Check>,
    /// Seconds after which the build is taken to hang (not a speed target:
    /// a hang detector).
    #[serde(default = "default_timeout")]
    timeout: u64,
}

fn previous() -> String {
    "previous".into()
}

fn default_timeout() -> u64 {
    180
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Generate {
    /// Path under the site.
    path: String,
    #[serde(default)]
    head: String,
    /// Text repeated `times` times after `head`.
    repeat: String,
    times: usize,
    /// When set, `repeat` is a template in which `{n}` is the repetition's
    /// number.
    #[serde(default)]
    numbered: bool,
    #[serde(default)]
    tail: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Symlink {
    path: String,
    target: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Check {
    /// Path under the output.
    path: String,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    lacks: Vec<String>,
}

fn cases_dir() -> PathBuf {
    repo().join("tests").join("bad_input")
}

/// True when the tests run as root, for whom file permissions do not stop
/// reads or writes.
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().expect("a temporary file");
    probe.as_file().metadata().expect("its metadata").uid() == 0
}

/// Copies a folder, keeping symbolic links as links.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            copy_tree(&e.path(), &target);
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), &target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Every regular file and link under `dir` (links by their target), for
/// comparing outputs; unreadable trees compare by what can be listed. The
/// sites' `.gca` folders (build lock and caches) are not output and are
/// left out.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
            let ft = e.file_type().unwrap();
            if e.file_name() == ".gca" {
                continue;
            }
            if ft.is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.insert(rel, target.to_string_lossy().as_bytes().to_vec());
            } else if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() {
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            } else {
                // A named pipe: reading it would wait forever.
                out.insert(rel, b"(not a regular file)".to_vec());
            }
        }
    }
    out
}

/// Entries of `dir` left by builds: staging folders of gca.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".gca-"))
        .collect()
}

/// Runs `gca build`, killing it after `timeout`. With `drop_root` (root
/// only), the build runs without the capabilities that let root ignore file
/// permissions, so unreadable files are unreadable to it too.
fn run_build(
    root: &Path,
    out: &Path,
    timeout: Duration,
    drop_root: bool,
) -> Result<(Option<i32>, String), String> {
    let mut cmd = if drop_root {
        let mut c = Command::new("setpriv");
        c.arg("--bounding-set=-dac_override,-dac_read_search,-fowner")
            .arg(env!("CARGO_BIN_EXE_gca"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_gca"))
    };
    cmd.args(["build", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        format!(
            "cannot run the build{}: {e}",
            if drop_root {
                " under setpriv (util-linux), needed as root"
            } else {
                ""
            }
        )
    })?;
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let mut stderr = stderr;
        std::io::Read::read_to_string(&mut stderr, &mut s).ok();
        s
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let text = reader.join().unwrap();
            return Ok((status.code(), text));
        }
        if started.elapsed() > timeout {
            child.kill().ok();
            child.wait().ok();
            return Err(format!(
                "the build did not end within {} s",
                timeout.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Makes the site of a case in `root`.
fn make_site(case: &Path, expect: &Expect, root: &Path) {
    copy_tree(&cases_dir().join("_base"), root);
    for r in &expect.remove {
        std::fs::remove_file(root.join(r)).unwrap_or_else(|e| panic!("remove {r}: {e}"));
    }
    if case.join("site").is_dir() {
        copy_tree(&case.join("site"), root);
    }
    for g in &expect.generate {
        let path = root.join(&g.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut text =
            String::with_capacity(g.head.len() + g.repeat.len() * g.times + g.tail.len());
        text.push_str(&g.head);
        for n in 0..g.times {
            if g.numbered {
                text.push_str(&g.repeat.replace("{n}", &n.to_string()));
            } else {
                text.push_str(&g.repeat);
            }
        }
        text.push_str(&g.tail);
        std::fs::write(&path, text).unwrap();
    }
    for l in &expect.symlink {
        let path = root.join(&l.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&l.target, &path).unwrap();
    }
    for f in &expect.fifo {
        let path = root.join(f);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let ok = Command::new("mkfifo")
            .arg(&path)
            .status()
            .map(|s| s.success());
        assert!(matches!(ok, Ok(true)), "mkfifo {f} failed");
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs one case; returns what went wrong, if anything.
fn run_case(case: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(case.join("expect.toml"))
        .map_err(|e| format!("cannot read expect.toml: {e}"))?;
    let expect: Expect = toml::from_str(&text).map_err(|e| format!("expect.toml: {e}"))?;
    if expect.about.trim().is_empty() {
        return Err("expect.toml: `about` is empty".into());
    }
    if expect.exit != 0 && expect.exit != 1 {
        return Err("expect.toml: `exit` is 0 or 1".into());
    }
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    copy_tree(&cases_dir().join("_base"), &good);
    let root = tmp.path().join("site");
    make_site(case, &expect, &root);
    let timeout = Duration::from_secs(expect.timeout);

    // The previous output, and where the case's build writes.
    let previous = tmp.path().join("public");
    let (code, stderr) = run_build(&good, &previous, timeout, false)?;
    if code != Some(0) {
        return Err(format!("the base site does not build:\n{stderr}"));
    }
    let mut watched = tmp.path().to_path_buf();
    let out = match expect.output.as_str() {
        "previous" => previous.clone(),
        "site" => {
            watched = root.clone();
            root.clone()
        }
        "content" => {
            watched = root.clone();
            root.join("content").join("public")
        }
        "file" => {
            let f = tmp.path().join("notes.txt");
            std::fs::write(&f, "notes that must stay").unwrap();
            f
        }
        "foreign" => {
            let d = tmp.path().join("docs");
            std::fs::create_dir(&d).unwrap();
            std::fs::write(d.join("guide.md"), "a guide that must stay").unwrap();
            d
        }
        "symlink" => {
            let l = tmp.path().join("link");
            std::os::unix::fs::symlink(&previous, &l).unwrap();
            l
        }
        "read_only" => {
            let ro = tmp.path().join("ro");
            std::fs::create_dir(&ro).unwrap();
            std::fs::rename(&previous, ro.join("public")).unwrap();
            watched = ro.clone();
            set_mode(&ro, 0o555);
            ro.join("public")
        }
        other => return Err(format!("expect.toml: unknown output `{other}`")),
    };
    let before = snapshot(&watched);
    for u in &expect.unreadable {
        set_mode(&root.join(u), 0o000);
    }
    let needs_permissions = !expect.unreadable.is_empty() || expect.output == "read_only";
    let drop_root = needs_permissions && running_as_root();

    let result = run_build(&root, &out, timeout, drop_root);

    // Give permissions back so the folder can be compared and removed.
    for u in &expect.unreadable {
        let p = root.join(u);
        set_mode(&p, if p.is_dir() { 0o755 } else { 0o644 });
    }
    if expect.output == "read_only" {
        set_mode(&tmp.path().join("ro"), 0o755);
    }
    let (code, stderr) = result?;

    let mut problems = Vec::new();
    if code == Some(101) || stderr.contains("panicked") {
        problems.push("the build panicked".to_string());
    }
    if code != Some(expect.exit) {
        problems.push(format!("exit code {code:?}, expected {}", expect.exit));
    }
    for m in &expect.message {
        if !stderr.contains(m.as_str()) {
            problems.push(format!("stderr lacks `{m}`"));
        }
    }
    for m in &expect.not_in_message {
        if stderr.contains(m.as_str()) {
            problems.push(format!("stderr holds `{m}`"));
        }
    }
    if let Some(file) = &expect.file {
        let located = match expect.line {
            Some(l) => format!("{}:{l}", root.join(file).display()),
            None => root.join(file).display().to_string(),
        };
        if !stderr.contains(&located) {
            problems.push(format!("stderr does not name `{located}`"));
        }
    }
    if expect.exit == 1 {
        if !stderr.contains("help:") {
            problems.push("the error gives no help".into());
        }
        if snapshot(&watched) != before {
            problems.push("the failed build changed the previous output".into());
        }
        let left = leftovers(out.parent().unwrap());
        if !left.is_empty() {
            problems.push(format!("temporary folders left: {left:?}"));
        }
    } else {
        for c in &expect.check {
            match std::fs::read_to_string(out.join(&c.path)) {
                Ok(text) => {
                    for s in &c.contains {
                        if !text.contains(s.as_str()) {
                            problems.push(format!("{} lacks `{s}`", c.path));
                        }
                    }
                    for s in &c.lacks {
                        if text.contains(s.as_str()) {
                            problems.push(format!("{} holds `{s}`", c.path));
                        }
                    }
                }
                Err(e) => problems.push(format!("cannot read {}: {e}", c.path)),
            }
        }
        // Nothing may be written outside the output.
        let outside: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| !["good", "site", "public"].contains(&n.as_str()))
            .collect();
        if !outside.is_empty() {
            problems.push(format!("files written beside the output: {outside:?}"));
        }
    }

    // The next build of a good site into the previous output succeeds.
    if expect.output == "previous" {
        let (code, again) = run_build(&good, &previous, timeout, false)?;
        if code != Some(0) {
            problems.push(format!("the next build failed:\n{again}"));
        } else if !leftovers(tmp.path()).is_empty() {
            problems.push("the next build left temporary folders".into());
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\nstderr:\n{}",
            problems.join("\n"),
            truncate(&stderr)
        ))
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(3000) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn case_dirs() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    cases.sort();
    cases
}

/// Runs every case, or with `BAD_INPUT_CASE=yaml` only those whose name
/// holds `yaml`.
#[test]
fn every_bad_input_case() {
    let filter = std::env::var("BAD_INPUT_CASE").unwrap_or_default();
    let cases: Vec<PathBuf> = case_dirs()
        .into_iter()
        .filter(|c| {
            c.file_name()
                .unwrap()
                .to_string_lossy()
                .contains(filter.as_str())
        })
        .collect();
    assert!(!cases.is_empty(), "no case matches `{filter}`");
    // Run a few cases at a time; report every failure at the end.
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    let name = case.file_name().unwrap().to_string_lossy().to_string();
                    if let Err(e) = run_case(case) {
                        failures.lock().unwrap().push(format!("--- {name}: {e}"));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn there_are_enough_cases() {
    let n = case_dirs().len();
    assert!(n >= 40, "only {n} bad-input cases");
}
