//! Browser tests of the default theme and the search
//! (`tests/browser/*.test.mjs`): builds the GCA site (as configured, for the
//! sub-path `/gca/`, and `--offline` for reading from disk) and the theme's
//! fixture site, then runs `node tests/browser/run.mjs`, which serves them
//! on loopback ports with `Content-Security-Policy: default-src 'self'` and
//! drives Debian's chromium with playwright-core.
//!
//! Needs node, chromium (`/usr/bin/chromium` or `CHROMIUM_PATH`) and the
//! npm dev dependencies (`npm ci`); `scripts/test` installs them. Without
//! them this test fails and says what is missing: it never skips.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn check_prerequisites(repo: &Path) {
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "the browser tests need node (Node.js 18 or later): install it (apt-get install -y nodejs npm)"
    );
    assert!(
        chromium().is_file(),
        "the browser tests need chromium at {}: install it with `apt-get install -y chromium` \
         (scripts/test does), or set CHROMIUM_PATH",
        chromium().display()
    );
    for package in ["playwright-core", "axe-core"] {
        assert!(
            repo.join("node_modules").join(package).is_dir(),
            "the browser tests need the npm package {package}: run `npm ci` at the repository root \
             (scripts/test does)"
        );
    }
}

#[test]
fn theme_in_a_browser() {
    let repo = repo();
    check_prerequisites(&repo);
    let dir = tempfile::tempdir().unwrap();

    let gca = dir.path().join("gca");
    let o = build(&repo.join("site"), &gca);
    assert!(
        o.status.success(),
        "building the GCA site: {}",
        String::from_utf8_lossy(&o.stderr)
    );

    // The same site published under a sub-path, served there on a port
    // chosen now (the base URL names it).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let sub_url = format!("http://127.0.0.1:{port}/gca/");
    let sub = dir.path().join("gca-sub");
    let o = common::gca(&[
        "build",
        "--root",
        repo.join("site").to_str().unwrap(),
        "--output",
        sub.to_str().unwrap(),
        "--base-url",
        &sub_url,
    ]);
    assert!(
        o.status.success(),
        "building the GCA site for {sub_url}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // And for reading from disk (file://).
    let offline = dir.path().join("gca-offline");
    let o = common::gca(&[
        "build",
        "--root",
        repo.join("site").to_str().unwrap(),
        "--output",
        offline.to_str().unwrap(),
        "--offline",
    ]);
    assert!(
        o.status.success(),
        "building the GCA site --offline: {}",
        String::from_utf8_lossy(&o.stderr)
    );

    // The fixture site, beside a copy of the theme as `themes/gca`.
    let fixture = dir.path().join("fixture");
    copy_dir(
        &repo.join("tests/fixtures/theme-site"),
        &fixture.join("site"),
    );
    copy_dir(&repo.join("themes/gca"), &fixture.join("themes/gca"));
    let fixture_out = fixture.join("public");
    let o = build(&fixture.join("site"), &fixture_out);
    assert!(
        o.status.success(),
        "building the theme fixture: {}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Screenshots of this run only: a file left by an earlier run must not
    // pass for one this run failed to take.
    let artifacts = repo.join("tests/browser/artifacts");
    if artifacts.exists() {
        std::fs::remove_dir_all(&artifacts)
            .unwrap_or_else(|e| panic!("clearing {}: {e}", artifacts.display()));
    }
    let out = Command::new("node")
        .arg(repo.join("tests/browser/run.mjs"))
        .arg("--site")
        .arg(format!("gca={}", gca.display()))
        .arg("--site")
        .arg(format!("fixture={}", fixture_out.display()))
        .arg("--site")
        .arg(format!("gcasub={}@{sub_url}", sub.display()))
        .arg("--site")
        .arg(format!("offline={}", offline.display()))
        .arg("--artifacts")
        .arg(&artifacts)
        .env("CHROMIUM_PATH", chromium())
        .current_dir(&repo)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "browser tests failed (exit {:?}):\n{stdout}\n{stderr}",
        out.status.code()
    );
    assert!(
        stdout.contains(" passed, 0 failed"),
        "unexpected runner output:\n{stdout}"
    );
    let mut shots: Vec<(String, u32)> = Vec::new();
    for name in ["home", "work-area", "page", "search"] {
        for width in [375, 1280] {
            shots.push((format!("{name}-{width}.png"), width));
            shots.push((format!("{name}-{width}-dark.png"), width));
        }
    }
    for (shot, width) in [
        ("arabic-page-1280.png", 1280),
        ("arabic-work-area-375.png", 375),
        ("arabic-work-area-1280.png", 1280),
        ("arabic-outdated-page-1280.png", 1280),
        ("chinese-home-375.png", 375),
        ("chinese-work-area-1280.png", 1280),
    ] {
        shots.push((shot.to_string(), width));
    }
    for (shot, width) in &shots {
        let path = artifacts.join(shot);
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("screenshot {shot} not saved ({}): {e}", path.display()));
        assert_eq!(
            png_width(&bytes),
            Some(*width),
            "{shot}: not a PNG {width} px wide"
        );
    }
}

/// The width of a PNG image that has at least one row of pixels, from its
/// header; `None` for anything else.
fn png_width(bytes: &[u8]) -> Option<u32> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    let rest = bytes.strip_prefix(SIGNATURE)?;
    // The first chunk is IHDR: length 13, then width and height (big endian).
    if rest.get(4..8)? != b"IHDR" {
        return None;
    }
    let number = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(rest.get(at..at + 4)?.try_into().ok()?))
    };
    let (width, height) = (number(8)?, number(12)?);
    // A real image has compressed pixel data after the header.
    (width > 0 && height > 0 && bytes.len() > SIGNATURE.len() + 25 + 12).then_some(width)
}

#[test]
fn the_screenshot_check_reads_png_headers() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x01\x77\0\0\x02\x58\x08\x06\0\0\0".to_vec();
    png.extend_from_slice(&[0; 4]); // CRC
    png.extend_from_slice(b"\0\0\0\x01IDATx\0\0\0\0");
    assert_eq!(png_width(&png), Some(375));
    assert_eq!(png_width(b""), None, "an empty file");
    assert_eq!(png_width(&png[..20]), None, "a cut header");
    assert_eq!(png_width(&png[..8 + 25]), None, "no pixel data");
    assert_eq!(png_width(b"GIF89a................................"), None);
}
