//! `gca serve` over real HTTP: a server started on a free loopback port
//! serves only files of the output, with the right types, the site's 404
//! page and redirects for folders; a broken page shows its error in the
//! event stream and the status endpoint until it is fixed, while the last
//! good build stays served; symbolic links out of the site's static files
//! are build errors, never served.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use gca::serve::{Options, Server};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends a request exactly as written (no client-side normalisation of
/// `..` or percent-escapes) and reads the whole reply.
fn raw(addr: SocketAddr, method: &str, target: &str) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).unwrap();
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = bytes[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// Saves a file the way most editors do: a hidden temporary file renamed
/// over it, so the watcher never sees it half written.
fn save(path: &Path, text: &str) {
    let tmp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn get(addr: SocketAddr, target: &str) -> Reply {
    raw(addr, "GET", target)
}

fn start(root: &Path, watch: bool) -> Server {
    Server::start(
        &Options {
            root: root.to_path_buf(),
            interface: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            drafts: false,
            watch,
        },
        |_| {},
    )
    .expect("server starts")
}

fn fixture_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixture("basic"), dir.path());
    dir
}

#[test]
fn serves_output_files_with_their_types() {
    let site = fixture_copy();
    let server = start(site.path(), false);
    let addr = server.addr();
    assert!(addr.ip().is_loopback());
    assert_eq!(
        server.base_url(),
        format!("http://127.0.0.1:{}/", addr.port())
    );

    let home = get(addr, "/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        home.header("content-security-policy"),
        Some("default-src 'self'")
    );
    assert_eq!(home.header("x-content-type-options"), Some("nosniff"));
    let html = home.text();
    assert!(
        html.contains("<script type=\"module\" src=\"/__gca/live.js?v=1\"></script>"),
        "live-reload script injected as a file, not inline"
    );
    // Built for the address it is served at.
    assert!(
        html.contains(&format!(
            "<link rel=\"canonical\" href=\"http://127.0.0.1:{}/\">",
            addr.port()
        )),
        "{html}"
    );

    let css = html
        .split('"')
        .find(|s| s.starts_with("/css/") && s.ends_with(".css"))
        .expect("a stylesheet link")
        .to_string();
    let r = get(addr, &css);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(!r.text().contains("__gca"), "nothing injected into CSS");

    let png = get(addr, "/docs/bundle/diagram.png");
    assert_eq!(png.status, 200);
    assert_eq!(png.header("content-type"), Some("image/png"));
    assert_eq!(
        png.body,
        std::fs::read(site.path().join("content/docs/bundle/diagram.png")).unwrap()
    );

    let feed = get(addr, "/atom.xml");
    assert_eq!(feed.status, 200);
    assert_eq!(feed.header("content-type"), Some("application/xml"));
    let json = get(addr, "/api/pages.json");
    assert_eq!(json.header("content-type"), Some("application/json"));
    let robots = get(addr, "/robots.txt");
    assert_eq!(
        robots.header("content-type"),
        Some("text/plain; charset=utf-8")
    );

    // A folder: its index.html; without the slash, a redirect.
    let docs = get(addr, "/docs/");
    assert_eq!(docs.status, 200);
    let moved = get(addr, "/docs?page=2");
    assert_eq!(moved.status, 302);
    assert_eq!(moved.header("location"), Some("/docs/?page=2"));

    let live = get(addr, "/__gca/live.js");
    assert_eq!(live.status, 200);
    assert_eq!(
        live.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(live.text().contains("EventSource"));
    assert_eq!(
        get(addr, "/__gca/live.css").header("content-type"),
        Some("text/css; charset=utf-8")
    );

    let head = raw(addr, "HEAD", "/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let post = raw(addr, "POST", "/");
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    server.stop();
}

#[test]
fn only_output_files_can_be_reached() {
    let site = fixture_copy();
    // A file beside the site that traversal would reach.
    std::fs::write(site.path().join("secret.txt"), "secret").unwrap();
    let server = start(site.path(), false);
    let addr = server.addr();
    let not_found_page = get(addr, "/no/such/page/");
    assert_eq!(not_found_page.status, 404);
    assert_eq!(
        not_found_page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        not_found_page.text().contains("<h1>Not found</h1>"),
        "the site's 404.html: {}",
        not_found_page.text()
    );
    for target in [
        "/../secret.txt",
        "/docs/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/docs/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/docs%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/index.html%00.png",
        "/%00",
        "//etc/passwd",
        "/etc/passwd",
        "/config.toml",
        "/content/about.md",
        "/templates/page.html",
        "/css/",
        "/docs/bundle",
        "/__gca/",
        "/__gca/../index.html",
    ] {
        let r = get(addr, target);
        if target == "/docs/bundle" {
            // A page folder: redirected to its slash form, never listed.
            assert_eq!(r.status, 302, "{target}");
            continue;
        }
        assert_eq!(r.status, 404, "{target}");
        assert!(!r.text().contains("secret"), "{target}");
        assert!(!r.text().contains("root:"), "{target}");
    }
    // An absolute-form target is refused too.
    let abs = raw(addr, "GET", "http://example.org/index.html");
    assert_ne!(abs.status, 200);
    server.stop();
}

/// Reads events from an open stream until one named `name` whose data
/// contains `needle` arrives; returns its data.
fn wait_event(reader: &mut BufReader<TcpStream>, name: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut event = String::new();
    let mut line = String::new();
    while Instant::now() < deadline {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => panic!("stream closed while waiting for `{name}`"),
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                continue;
            }
            Err(e) => panic!("{e}"),
        }
        let l = line.trim_end();
        if let Some(n) = l.strip_prefix("event: ") {
            event = n.to_string();
        } else if let Some(data) = l.strip_prefix("data: ")
            && event == name
            && data.contains(needle)
        {
            return data.to_string();
        }
    }
    panic!("no `{name}` event with `{needle}` within 30 s");
}

fn open_stream(addr: SocketAddr) -> BufReader<TcpStream> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    write!(s, "GET /__gca/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut reader = BufReader::new(s);
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    reader
}

#[test]
fn a_broken_page_shows_its_error_until_fixed() {
    let site = fixture_copy();
    let server = start(site.path(), true);
    let addr = server.addr();
    let mut events = open_stream(addr);
    let first = wait_event(&mut events, "status", "\"ok\":true");
    assert!(first.contains("\"generation\":1"), "{first}");
    let good_about = get(addr, "/about-us/").text();
    assert!(good_about.contains("About this site."));

    // Break the page: a front matter value that is not TOML.
    let about = site.path().join("content/about.md");
    let original = std::fs::read_to_string(&about).unwrap();
    save(
        &about,
        &original.replace("template = \"special.html\"", "template = special.html"),
    );
    let failed = wait_event(&mut events, "failed", "about.md");
    let v: serde_json::Value = serde_json::from_str(&failed).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert!(
        d["file"].as_str().unwrap().ends_with("content/about.md"),
        "{d}"
    );
    assert_eq!(d["line"], 4, "{d}");
    assert!(!d["message"].as_str().unwrap().is_empty());

    let status: serde_json::Value =
        serde_json::from_slice(&get(addr, "/__gca/status").body).unwrap();
    assert_eq!(status["ok"], false);
    assert_eq!(status["generation"], 1);
    assert!(
        status["diagnostics"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("about.md")
    );
    // The last good build stays served.
    assert_eq!(get(addr, "/about-us/").text(), good_about);

    // A new stream starts with the failure too (a browser opened meanwhile).
    let mut late = open_stream(addr);
    wait_event(&mut late, "status", "\"ok\":false");

    // Fix it, with a visible change: the overlay clears and pages reload.
    save(
        &about,
        &original.replace("About this site.", "About this site, fixed."),
    );
    let reload = wait_event(&mut events, "reload", "about-us/index.html");
    assert!(reload.contains("\"generation\":2"), "{reload}");
    wait_event(&mut late, "reload", "about-us/index.html");
    let status: serde_json::Value =
        serde_json::from_slice(&get(addr, "/__gca/status").body).unwrap();
    assert_eq!(status["ok"], true);
    assert_eq!(status["generation"], 2);
    assert!(
        get(addr, "/about-us/")
            .text()
            .contains("About this site, fixed.")
    );
    assert!(get(addr, "/about-us/").text().contains("live.js?v=2"));
    server.stop();
}

#[test]
fn editor_files_and_output_folders_do_not_rebuild() {
    let site = fixture_copy();
    let server = start(site.path(), true);
    let addr = server.addr();
    let mut events = open_stream(addr);
    wait_event(&mut events, "status", "\"generation\":1");
    std::fs::create_dir_all(site.path().join("public")).unwrap();
    std::fs::write(site.path().join("public/index.html"), "x").unwrap();
    std::fs::write(site.path().join("content/.about.md.swp"), "x").unwrap();
    std::fs::write(site.path().join("content/about.md~"), "x").unwrap();
    // Then a real change: the next event must be its rebuild, generation 2.
    std::thread::sleep(Duration::from_millis(300));
    let guide = site.path().join("content/docs/guide.md");
    let text = std::fs::read_to_string(&guide).unwrap();
    save(&guide, &text.replace("Steps.", "Steps, edited."));
    let reload = wait_event(&mut events, "reload", "docs/guide/index.html");
    assert!(reload.contains("\"generation\":2"), "{reload}");
    server.stop();
}

#[test]
fn a_site_that_never_built_is_shown_as_such() {
    let site = fixture_copy();
    std::fs::write(site.path().join("content/about.md"), "+++\ntitle = \n+++\n").unwrap();
    let server = start(site.path(), false);
    let addr = server.addr();
    let r = get(addr, "/");
    assert_eq!(r.status, 503);
    assert!(r.text().contains("/__gca/live.js"));
    let status: serde_json::Value =
        serde_json::from_slice(&get(addr, "/__gca/status").body).unwrap();
    assert_eq!(status["ok"], false);
    assert_eq!(status["generation"], 0);
    // Fixed and rebuilt: served.
    common::copy_dir(
        &common::fixture("basic").join("content"),
        &site.path().join("content"),
    );
    server.rebuild(&[site.path().join("content/about.md")]);
    assert_eq!(get(addr, "/").status, 200);
    server.stop();
}

#[test]
fn symlinks_out_of_the_output_are_never_served() {
    // The server answers from the build in memory, and the build refuses a
    // static file that is a symbolic link leading out of `static/`: such a
    // file is a build error, so it is never in what is served.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "TOP SECRET").unwrap();
    let site = fixture_copy();
    let link = |name: &str, target: &Path| {
        std::os::unix::fs::symlink(target, site.path().join("static").join(name)).unwrap();
    };
    link("leak.txt", &outside.path().join("secret.txt"));
    link("leakdir", outside.path());
    // Inside the site but outside static/: its config.
    link("config.txt", &site.path().join("config.toml"));
    let names_every_link = |status: &serde_json::Value| {
        let files: Vec<&str> = status["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["file"].as_str())
            .collect();
        ["static/leak.txt", "static/leakdir", "static/config.txt"]
            .iter()
            .all(|l| files.iter().any(|f| f.ends_with(l)))
    };
    let server = start(site.path(), false);
    let addr = server.addr();
    let status: serde_json::Value =
        serde_json::from_slice(&get(addr, "/__gca/status").body).unwrap();
    assert_eq!(status["ok"], false, "the build refuses the links: {status}");
    assert!(names_every_link(&status), "{status}");
    let never_served = |addr: SocketAddr, expected: u16| {
        for target in [
            "/leak.txt",
            "/leakdir/secret.txt",
            "/leakdir/",
            "/config.txt",
        ] {
            let r = get(addr, target);
            assert_eq!(r.status, expected, "{target}");
            assert!(!r.text().contains("TOP SECRET"), "{target}");
            assert!(!r.text().contains("base_url"), "{target}");
        }
    };
    // Never built: nothing is served.
    never_served(addr, 503);

    // Without the links, the site builds and is served; the links' paths
    // are not found.
    for name in ["leak.txt", "leakdir", "config.txt"] {
        std::fs::remove_file(site.path().join("static").join(name)).unwrap();
    }
    server.rebuild(&[]);
    assert_eq!(get(addr, "/").status, 200);
    assert_eq!(get(addr, "/about-us/").status, 200);
    never_served(addr, 404);

    // A link added while serving: the rebuild fails, the last good build
    // stays served, and the link is not in it.
    link("leak.txt", &outside.path().join("secret.txt"));
    link("leakdir", outside.path());
    link("config.txt", &site.path().join("config.toml"));
    server.rebuild(&[site.path().join("static/leak.txt")]);
    let status: serde_json::Value =
        serde_json::from_slice(&get(addr, "/__gca/status").body).unwrap();
    assert_eq!(status["ok"], false, "{status}");
    assert!(names_every_link(&status), "{status}");
    assert_eq!(get(addr, "/").status, 200, "the last good build is served");
    never_served(addr, 404);
    server.stop();
}

#[test]
fn the_command_serves_on_loopback_and_warns_elsewhere() {
    use std::process::{Command, Stdio};
    let site = fixture_copy();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gca"))
        .args(["serve", "--port", "0", "--root"])
        .arg(site.path())
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut url = None;
    let mut line = String::new();
    for _ in 0..20 {
        line.clear();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(i) = line.find("http://127.0.0.1:") {
            url = Some(line[i..].split_whitespace().next().unwrap().to_string());
            break;
        }
    }
    let url = url.expect("the command prints where it serves");
    let addr: SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    assert_eq!(get(addr, "/").status, 200);
    child.kill().unwrap();
    child.wait().unwrap();

    // 192.0.2.1 is a documentation address that no interface here has: the
    // bind fails, after the warning about serving beyond this machine.
    let out = common::gca(&[
        "serve",
        "--port",
        "0",
        "--interface",
        "192.0.2.1",
        "--root",
        site.path().to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("warning: serving on 192.0.2.1"), "{stderr}");
    assert!(stderr.contains("cannot listen on 192.0.2.1"), "{stderr}");
}
