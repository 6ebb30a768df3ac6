//! The live reload and error overlay of `gca serve` in chromium: a server
//! started on a copy of a fixture, driven by
//! `tests/browser/serve_overlay.mjs` (playwright-core). Like the other
//! browser tests it needs node, chromium and `npm ci`; without them it
//! fails and says what is missing.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::Command;

use gca::serve::{Options, Server};

#[test]
fn overlay_and_reload_in_a_browser() {
    let repo = common::repo();
    let chromium = std::env::var_os("CHROMIUM_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        chromium.is_file(),
        "this test needs chromium at {} (apt-get install -y chromium, or set CHROMIUM_PATH)",
        chromium.display()
    );
    assert!(
        repo.join("node_modules/playwright-core").is_dir(),
        "this test needs playwright-core: run `npm ci` at the repository root (scripts/test does)"
    );

    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixture("basic"), dir.path());
    // A page long enough to scroll.
    let guide = dir.path().join("content/docs/guide.md");
    let mut text = std::fs::read_to_string(&guide).unwrap();
    for i in 0..80 {
        text.push_str(&format!("\nParagraph {i} of a long page.\n"));
    }
    std::fs::write(&guide, text).unwrap();

    let server = Server::start(
        &Options {
            root: dir.path().to_path_buf(),
            interface: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            drafts: false,
            watch: true,
        },
        |_| {},
    )
    .expect("server starts");
    let out = Command::new("node")
        .arg(repo.join("tests/browser/serve_overlay.mjs"))
        .arg(server.base_url())
        .arg(dir.path())
        .current_dir(&repo)
        .output()
        .expect("this test needs node (apt-get install -y nodejs)");
    server.stop();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
