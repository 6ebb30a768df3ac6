//! The README's test command on a fresh machine: `scripts/test` installs
//! the system packages the tests need (Node.js and npm included) before
//! `npm ci`, and the npm lock file suits Debian's Node.js and npm.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// The packages `scripts/test` would install with only the commands in
/// `bin` on its PATH.
fn packages_with(bin: &Path) -> Vec<String> {
    let o = Command::new(repo().join("scripts/test"))
        .env("PATH", bin)
        .env("GCA_TEST_LIST_PACKAGES", "1")
        .output()
        .expect("run scripts/test");
    assert!(
        o.status.success(),
        "scripts/test: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// Links the named commands (found on this machine's PATH) into `bin`.
fn link(bin: &Path, names: &[&str]) {
    for name in names {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .map(|d| d.join(name))
            .find(|p| p.is_file())
            .unwrap_or_else(|| panic!("{name} is on the PATH"));
        std::os::unix::fs::symlink(found, bin.join(name)).unwrap();
    }
}

/// A command that does nothing, standing for an installed program.
fn stub(bin: &Path, name: &str) {
    use std::os::unix::fs::PermissionsExt;
    let p = bin.join(name);
    std::fs::write(&p, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn scripts_test_installs_node_and_npm_when_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    link(&bin, &["bash", "dirname"]);
    let fresh = packages_with(&bin);
    for p in ["nodejs", "npm", "chromium", "bsdutils"] {
        assert!(fresh.iter().any(|f| f == p), "{p} in {fresh:?}");
    }
    for name in ["node", "npm", "chromium", "script"] {
        stub(&bin, name);
    }
    let ready = packages_with(&bin);
    for p in ["nodejs", "npm", "chromium", "bsdutils"] {
        assert!(!ready.iter().any(|f| f == p), "{p} not in {ready:?}");
    }
    // The packages are installed before `npm ci` runs.
    let script = read(&repo(), "scripts/test");
    let install = script.find("apt-get install").unwrap();
    let npm_ci = script.find("npm ci --").unwrap();
    assert!(install < npm_ci);
}

/// Debian 12 has Node.js 18 and npm 9: the lock file's format (version 3
/// needs npm 7) and every locked package's `engines.node` must allow them.
#[test]
fn the_npm_lock_file_suits_debian_node_18_and_npm_9() {
    let lock: serde_json::Value =
        serde_json::from_str(&read(&repo(), "package-lock.json")).expect("JSON");
    let version = lock["lockfileVersion"].as_u64().unwrap();
    assert!((2..=3).contains(&version), "lockfileVersion {version}");
    let packages = lock["packages"].as_object().unwrap();
    assert!(packages.contains_key("node_modules/playwright-core"));
    for (name, p) in packages {
        let Some(range) = p["engines"]["node"].as_str() else {
            continue;
        };
        let min = range
            .trim()
            .strip_prefix(">=")
            .and_then(|v| v.split('.').next())
            .and_then(|v| v.trim().parse::<u32>().ok())
            .unwrap_or_else(|| panic!("{name}: engines.node `{range}` is not `>=N`"));
        assert!(
            min <= 18,
            "{name} needs Node.js {range}; Debian 12's nodejs is 18"
        );
    }
}
