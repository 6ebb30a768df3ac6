//! Faults: a build killed at random points, a full disk, and builds of one
//! site running at the same time. In each case the output is either the
//! previous one or the new one, complete, never a mix, and the next build
//! works.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;

/// A site of `pages` pages; `variant` changes every page's text, so two
/// variants give two different outputs of the same shape.
fn generated_site(dir: &Path, pages: usize, variant: &str) -> PathBuf {
    let root = dir.join(format!("site-{variant}"));
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "config.toml",
        "title = \"Faults\"\nbase_url = \"https://example.org/\"\ntheme = \"none\"\n\
         [[taxonomies]]\nname = \"work_areas\"\nfeed = true\n",
    );
    let list = "<!doctype html><title>{{ section.title }}</title><h1>{{ section.title }}</h1>{{ section.content }}\
                <ul>{% for p in section.pages %}<li><a href=\"{{ p.url }}\">{{ p.title }}</a> {{ p.summary }}</li>{% endfor %}</ul>";
    write("templates/index.html", list);
    write("templates/section.html", list);
    write(
        "templates/page.html",
        "<!doctype html><title>{{ page.title }}</title><h1>{{ page.title }}</h1>{{ page.content }}",
    );
    write(
        "templates/taxonomy_list.html",
        "{% for t in terms %}{{ t.name }} {% endfor %}",
    );
    write(
        "templates/taxonomy_single.html",
        "{{ term.name }}{% for p in term.pages %} {{ p.title }}{% endfor %}",
    );
    write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHome.\n");
    let areas = [
        "Legal Measures",
        "Capacity Building",
        "International Cooperation",
    ];
    for s in 0..10 {
        write(
            &format!("content/s{s}/_index.md"),
            &format!("+++\ntitle = \"Section {s}\"\nsort_by = \"date\"\n+++\n"),
        );
    }
    for i in 0..pages {
        let mut body = String::new();
        for k in 0..6 {
            body.push_str(&format!(
                "## Part {k}\n\nVariant {variant}, page {i}, part {k}: national strategies, \
                 incident response teams and *cooperation* across borders. See [the home page](@/_index.md).\n\n\
                 - one point\n- another point with `code`\n\n"
            ));
        }
        write(
            &format!("content/s{}/p{i}.md", i % 10),
            &format!(
                "+++\ntitle = \"Page {i} {variant}\"\ndate = 2008-06-{:02}\n[taxonomies]\nwork_areas = [\"{}\"]\n+++\n{body}",
                1 + i % 28,
                areas[i % 3]
            ),
        );
    }
    root
}

fn spawn_build(root: &Path, out: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_gca"))
        .args(["build", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gca")
}

/// Names in `dir` that builds leave behind: staging folders.
fn staging_folders(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".gca-"))
        .collect()
}

/// A small pseudo-random sequence (xorshift), seeded from the clock or
/// `GCA_FAULT_SEED`, printed so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("GCA_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("GCA_FAULT_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

#[test]
fn a_killed_build_leaves_the_previous_or_the_new_output_complete() {
    let dir = tempfile::tempdir().unwrap();
    let a = generated_site(dir.path(), 1000, "a");
    let b = generated_site(dir.path(), 1000, "b");
    let out = dir.path().join("public");

    // Reference outputs, and how long a whole build takes here.
    let reference_b = dir.path().join("reference-b");
    let o = build(&b, &reference_b);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tree_b = tree(&reference_b);
    let started = Instant::now();
    let o = build(&a, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let full = started.elapsed();
    let tree_a = tree(&out);
    assert_ne!(tree_a, tree_b);

    let mut rng = Rng::new();
    let mut interrupted = 0;
    let rounds = 12;
    for round in 0..rounds {
        let (site, name) = if round % 2 == 0 { (&b, "b") } else { (&a, "a") };
        let mut child = spawn_build(site, &out);
        // Anywhere from the start to a little past the end of a build.
        let delay = full.mul_f64(rng.below(1200) as f64 / 1000.0);
        std::thread::sleep(delay);
        let was_running = child.try_wait().unwrap().is_none();
        child.kill().ok(); // SIGKILL: no clean-up code runs
        let status = child.wait().unwrap();
        if was_running && !status.success() {
            interrupted += 1;
        }
        let now = tree(&out);
        assert!(
            now == tree_a || now == tree_b,
            "round {round} (building {name}, killed after {delay:?}): the output is neither \
             the previous nor the new one, complete"
        );
    }
    assert!(
        interrupted >= rounds / 4,
        "only {interrupted} of {rounds} builds were killed while running; the site is too small \
         for this machine"
    );

    // The next build succeeds, does not wait for a dead build's lock, and
    // removes what killed builds left behind.
    let o = build(&a, &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(!stderr.contains("Waiting"), "{stderr}");
    assert_eq!(tree(&out), tree_a);
    assert_eq!(staging_folders(dir.path()), Vec::<String>::new());

    // The search caches of both sites (<site>/.gca/search), written by
    // builds killed at any point, are detected and rebuilt: after one more
    // build each, `gca search` finds each site's own pages.
    let o = build(&b, &reference_b);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (site, title) in [(&a, "Page 7 a"), (&b, "Page 7 b")] {
        let output = if site == &a { &out } else { &reference_b };
        let o = gca(&[
            "search",
            "--root",
            site.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
            "--json",
            "page 7",
        ]);
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(stdout.contains(title), "{title} not found:\n{stdout}");
    }
}

/// Runs `script` (sh) in a private mount namespace, where it may mount a
/// tmpfs: as root directly, otherwise as root of a new user namespace.
fn in_mount_namespace(script: &str, args: &[&Path]) -> std::process::Output {
    let root = {
        use std::os::unix::fs::MetadataExt;
        let probe = tempfile::NamedTempFile::new().unwrap();
        probe.as_file().metadata().unwrap().uid() == 0
    };
    let mut cmd = Command::new("unshare");
    if root {
        cmd.args(["--mount", "--propagation", "private"]);
    } else {
        cmd.args([
            "--user",
            "--map-root-user",
            "--mount",
            "--propagation",
            "private",
        ]);
    }
    cmd.args(["sh", "-c", script, "sh"]).args(args);
    cmd.output().unwrap_or_else(|e| {
        panic!(
            "this test mounts a small tmpfs in a private mount namespace with `unshare` \
             (util-linux), as root or through an unprivileged user namespace: {e}"
        )
    })
}

#[test]
fn a_full_disk_gives_a_clear_error_and_keeps_the_previous_output() {
    let dir = tempfile::tempdir().unwrap();
    let small = generated_site(dir.path(), 5, "small");
    let big = generated_site(dir.path(), 1500, "big");
    let mnt = dir.path().join("mnt");
    let snap = dir.path().join("snap");
    std::fs::create_dir_all(&mnt).unwrap();
    std::fs::create_dir_all(&snap).unwrap();
    let gca = PathBuf::from(env!("CARGO_BIN_EXE_gca"));
    // A 2 MiB disk: room for the small site, not for the big one.
    let script = r#"
        set -u
        gca=$1 small=$2 big=$3 mnt=$4 snap=$5
        if ! mount -t tmpfs -o size=2m gca-full-disk "$mnt"; then
            echo "MOUNT FAILED" >&2
            exit 97
        fi
        NO_COLOR=1 "$gca" build --root "$small" --output "$mnt/public" 2>"$snap/first.log" || exit 98
        cp -a "$mnt/public" "$snap/before"
        NO_COLOR=1 "$gca" build --root "$big" --output "$mnt/public" 2>"$snap/full.log"
        echo $? >"$snap/full.code"
        cp -a "$mnt/public" "$snap/after"
        ls -A "$mnt" >"$snap/listing"
        NO_COLOR=1 "$gca" build --root "$small" --output "$mnt/public" 2>"$snap/next.log"
        echo $? >"$snap/next.code"
    "#;
    let o = in_mount_namespace(script, &[&gca, &small, &big, &mnt, &snap]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.code() != Some(97) && !stderr.contains("unshare:"),
        "could not mount a tmpfs for the full-disk test; it needs root, or unprivileged \
         user namespaces (sysctl kernel.unprivileged_userns_clone=1):\n{stderr}"
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "the script failed:\n{stderr}\nfirst build: {}",
        std::fs::read_to_string(snap.join("first.log")).unwrap_or_default()
    );
    let read = |name: &str| std::fs::read_to_string(snap.join(name)).unwrap();
    let full_log = read("full.log");
    assert_eq!(read("full.code").trim(), "1", "{full_log}");
    assert!(!full_log.contains("panicked"), "{full_log}");
    assert!(full_log.contains("No space left on device"), "{full_log}");
    assert!(full_log.contains("free some disk space"), "{full_log}");
    assert!(
        full_log.contains("nothing was written (the previous output is unchanged)"),
        "{full_log}"
    );
    assert_eq!(tree(&snap.join("after")), tree(&snap.join("before")));
    assert_eq!(
        read("listing").trim(),
        "public",
        "staging left on the full disk"
    );
    assert_eq!(read("next.code").trim(), "0", "{}", read("next.log"));
}

#[test]
fn a_build_waits_while_another_holds_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let site = generated_site(dir.path(), 20, "x");
    let out = dir.path().join("public");
    let reference = dir.path().join("reference");
    assert!(build(&site, &reference).status.success());

    // This test holds the lock, as a running build would.
    let lock = gca::site::lock::BuildLock::acquire(&site, |_, _| panic!("nobody holds it"))
        .expect("take the lock");
    let mut child = spawn_build(&site, &out);
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            tx.send(line.clone()).ok();
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let waiting = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the build says it waits");
    assert!(
        waiting.contains("Waiting for another gca build of this site")
            && waiting.contains(&format!("process {}", std::process::id()))
            && waiting.contains("build.lock"),
        "{waiting}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the build went on");
    assert_eq!(
        staging_folders(dir.path()),
        Vec::<String>::new(),
        "it wrote while waiting"
    );
    assert!(!out.exists());

    drop(lock);
    let status = child.wait().unwrap();
    let rest = reader.join().unwrap();
    assert!(status.success(), "{rest}");
    assert_eq!(tree(&out), tree(&reference));
}

#[test]
fn builds_started_together_give_a_complete_output() {
    let dir = tempfile::tempdir().unwrap();
    let site = generated_site(dir.path(), 600, "y");
    let out = dir.path().join("public");
    let reference = dir.path().join("reference");
    assert!(build(&site, &reference).status.success());
    let expected = tree(&reference);
    let children: Vec<Child> = (0..4).map(|_| spawn_build(&site, &out)).collect();
    let mut waited = 0;
    for c in children {
        let o = c.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{stderr}");
        waited += usize::from(stderr.contains("Waiting for another gca build"));
    }
    eprintln!("{waited} of 4 builds waited for another");
    let got: BTreeMap<String, Vec<u8>> = tree(&out);
    assert_eq!(got, expected);
    assert_eq!(staging_folders(dir.path()), Vec::<String>::new());
}

#[test]
fn the_search_cache_is_written_and_read_under_a_lock() {
    let dir = tempfile::tempdir().unwrap();
    let site = generated_site(dir.path(), 20, "z");
    let out = dir.path().join("public");
    assert!(build(&site, &out).status.success());
    let before = tree(&out);
    let cache = gca::site::search_cache(&site, &out);

    // While the cache is being written (the test holds its lock as gca
    // serve or gca check would), gca search waits instead of reading a
    // half-written index...
    let writer = gca::site::lock::CacheLock::exclusive(&cache).unwrap();
    let mut search = Command::new(env!("CARGO_BIN_EXE_gca"))
        .args(["search", "--root"])
        .arg(&site)
        .arg("--output")
        .arg(&out)
        .args(["--json", "page"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // ...and a build of a changed site waits before touching the cache.
    std::fs::write(
        site.join("content/s0/p0.md"),
        "+++\ntitle = \"Page 0 changed\"\n+++\nChanged.\n",
    )
    .unwrap();
    let builder = spawn_build(&site, &out);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        search.try_wait().unwrap().is_none(),
        "search read the cache while it was written"
    );
    let mut builder = builder;
    assert!(
        builder.try_wait().unwrap().is_none(),
        "the build wrote the cache meanwhile"
    );
    assert_eq!(tree(&out), before);

    drop(writer);
    let o = builder.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    search.wait().unwrap();
    let o = gca(&[
        "search",
        "--root",
        site.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--json",
        "changed",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Page 0 changed"));
}

/// Every file under `dir` (recursively), sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Overwrites the middle third of a file with bytes that are no format's.
fn garble(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let n = bytes.len();
    for (k, b) in bytes[n / 3..(2 * n / 3).max(n / 3 + 1).min(n)]
        .iter_mut()
        .enumerate()
    {
        *b = (k as u8).wrapping_mul(151) ^ 0x5a;
    }
    if n == 0 {
        bytes = b"\xff\xfe garbage".to_vec();
    }
    std::fs::write(path, bytes).unwrap();
}

/// Keeps the first half of a file.
fn truncate_half(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
}

/// `gca search` of the output `out` of the site `site`, as JSON.
fn search_json(site: &Path, out: &Path, query: &str) -> String {
    let o = gca(&[
        "search",
        "--root",
        site.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--json",
        query,
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "gca search {query}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    String::from_utf8(o.stdout).unwrap()
}

/// Damages a search cache folder and a manifest file.
type Damage = fn(&Path, &Path);

/// Damages to the search cache (`<site>/.gca/builds/<id>.search/`) and to
/// the build's manifest (`<id>.manifest`), each a function of the cache
/// folder and the manifest file.
fn damages() -> Vec<(&'static str, Damage)> {
    fn lang_dirs(cache: &Path) -> Vec<PathBuf> {
        let dirs: Vec<PathBuf> = std::fs::read_dir(cache)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        assert!(
            !dirs.is_empty(),
            "no language folder in {}",
            cache.display()
        );
        dirs
    }
    fn index_files(cache: &Path) -> Vec<PathBuf> {
        let files: Vec<PathBuf> = lang_dirs(cache)
            .iter()
            .flat_map(|d| files_under(&d.join("index")))
            .collect();
        assert!(!files.is_empty(), "no index files in {}", cache.display());
        files
    }
    vec![
        ("every index file truncated", |c, _| {
            index_files(c).iter().for_each(|f| truncate_half(f))
        }),
        ("every index file garbled", |c, _| {
            index_files(c).iter().for_each(|f| garble(f))
        }),
        ("the segment files garbled (meta.json intact)", |c, _| {
            index_files(c)
                .iter()
                .filter(|f| !f.ends_with("meta.json"))
                .for_each(|f| garble(f))
        }),
        ("the segment files truncated (meta.json intact)", |c, _| {
            index_files(c)
                .iter()
                .filter(|f| !f.ends_with("meta.json"))
                .for_each(|f| truncate_half(f))
        }),
        ("every index file emptied", |c, _| {
            index_files(c)
                .iter()
                .for_each(|f| std::fs::write(f, b"").unwrap())
        }),
        ("every cache file garbled", |c, _| {
            files_under(c).iter().for_each(|f| garble(f))
        }),
        ("every cache file truncated", |c, _| {
            files_under(c).iter().for_each(|f| truncate_half(f))
        }),
        ("the index's meta.json deleted", |c, _| {
            for d in lang_dirs(c) {
                std::fs::remove_file(d.join("index/meta.json")).unwrap();
            }
        }),
        ("the index's segment files deleted", |c, _| {
            for f in index_files(c) {
                if !f.ends_with("meta.json") {
                    std::fs::remove_file(f).unwrap();
                }
            }
        }),
        ("shards.json deleted", |c, _| {
            for d in lang_dirs(c) {
                std::fs::remove_file(d.join("shards.json")).unwrap();
            }
        }),
        ("shards.json and words.json hold garbage", |c, _| {
            for d in lang_dirs(c) {
                std::fs::write(d.join("shards.json"), b"{\"starts\": [1, 2").unwrap();
                std::fs::write(d.join("words.json"), b"\x00\x01 not json").unwrap();
            }
        }),
        ("input.hash holds garbage", |c, _| {
            for d in lang_dirs(c) {
                std::fs::write(d.join("input.hash"), b"\xff\xfe\x00garbage\n").unwrap();
            }
        }),
        ("the cache is a file", |c, _| {
            std::fs::remove_dir_all(c).unwrap();
            std::fs::write(c, b"not a folder").unwrap();
        }),
        ("a language folder is a file", |c, _| {
            for d in lang_dirs(c) {
                std::fs::remove_dir_all(&d).unwrap();
                std::fs::write(&d, b"not a folder").unwrap();
            }
        }),
        ("the manifest truncated", |_, m| truncate_half(m)),
        ("the manifest garbled", |_, m| garble(m)),
        ("the manifest is garbage", |_, m| {
            std::fs::write(m, b"\x00\xffkey\tgarbage\n\t\t\t\n").unwrap()
        }),
        ("the manifest of another version", |_, m| {
            let text = std::fs::read_to_string(m).unwrap();
            let version = env!("CARGO_PKG_VERSION");
            assert!(text.contains(&format!("gca {version} ")), "{text:.200}");
            std::fs::write(
                m,
                text.replacen(&format!("gca {version} "), "gca 0.0.1 ", 1),
            )
            .unwrap();
        }),
        ("the manifest emptied", |_, m| {
            std::fs::write(m, b"").unwrap()
        }),
    ]
}

#[test]
fn damaged_caches_are_detected_and_rebuilt() {
    // The reference: a clean build of the site, and what gca search finds.
    let dir = tempfile::tempdir().unwrap();
    let clean_site = generated_site(dir.path(), 20, "d");
    let clean_out = dir.path().join("clean");
    let o = build(&clean_site, &clean_out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let expected = tree(&clean_out);
    let queries = ["cooperation", "strategies", "page", "incident"];
    let expected_search: Vec<String> = queries
        .iter()
        .map(|q| search_json(&clean_site, &clean_out, q))
        .collect();
    assert!(
        expected_search[0].contains("Page "),
        "{}",
        expected_search[0]
    );

    let mut failures = Vec::new();
    for (what, damage) in damages() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        copy_dir(&clean_site, &site);
        let _ = std::fs::remove_dir_all(site.join(".gca"));
        let out = tmp.path().join("public");
        let o = build(&site, &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let cache = gca::site::search_cache(&site, &out);
        let manifest = cache.with_extension("manifest");
        assert!(cache.is_dir() && manifest.is_file(), "{what}: no cache");
        damage(&cache, &manifest);
        // Rewrite a page as it was: the build runs (the file was written),
        // and the search index's input is what the cache was built from.
        let page = site.join("content/s0/p0.md");
        std::fs::write(&page, std::fs::read(&page).unwrap()).unwrap();

        let o = build(&site, &out);
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        if !o.status.success() || stderr.contains("panicked") {
            failures.push(format!("{what}: the build failed:\n{stderr}"));
            continue;
        }
        if tree(&out) != expected {
            let got = tree(&out);
            let differ: Vec<&String> = expected
                .keys()
                .chain(got.keys())
                .filter(|k| expected.get(*k) != got.get(*k))
                .take(5)
                .collect();
            failures.push(format!(
                "{what}: the output differs from a clean build: {differ:?}"
            ));
            continue;
        }
        for (q, want) in queries.iter().zip(&expected_search) {
            let o = gca(&[
                "search",
                "--root",
                site.to_str().unwrap(),
                "--output",
                out.to_str().unwrap(),
                "--json",
                q,
            ]);
            let got = String::from_utf8_lossy(&o.stdout);
            if !o.status.success() || got != *want {
                failures.push(format!(
                    "{what}: gca search {q} gives other results:\n{got}\n{}",
                    String::from_utf8_lossy(&o.stderr)
                ));
                break;
            }
        }
        // And the next build, with nothing changed, is skipped and keeps
        // the output.
        let o = build(&site, &out);
        if !o.status.success() || tree(&out) != expected {
            failures.push(format!(
                "{what}: the build after the repair failed or changed the output:\n{}",
                String::from_utf8_lossy(&o.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_search_cache_lock_that_cannot_be_taken_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let site = generated_site(dir.path(), 5, "l");
    let out = dir.path().join("public");
    assert!(build(&site, &out).status.success());
    let before = tree(&out);
    // Something that is not a file where the cache's lock goes: the lock
    // cannot be opened, and writing the cache unprotected is refused.
    let lock = gca::site::lock::CacheLock::path_for(&gca::site::search_cache(&site, &out));
    std::fs::remove_file(&lock).unwrap();
    std::fs::create_dir(&lock).unwrap();
    std::fs::write(
        site.join("content/s0/p0.md"),
        "+++\ntitle = \"Page 0 changed\"\n+++\nChanged.\n",
    )
    .unwrap();
    let o = build(&site, &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{}: cannot lock the search cache", lock.display())),
        "{stderr}"
    );
    assert!(stderr.contains("help:"), "{stderr}");
    assert_eq!(tree(&out), before, "the failed build changed the output");
    assert_eq!(staging_folders(dir.path()), Vec::<String>::new());
    // Once the lock is a file again, the build works.
    std::fs::remove_dir(&lock).unwrap();
    let o = build(&site, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
