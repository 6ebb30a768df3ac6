//! `gca check --external` against web servers on loopback addresses (never
//! the network): statuses are classified, every use of a link is reported
//! at its line, several hosts are fetched at once, and never two requests
//! to one host at the same time.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

struct Host {
    addr: SocketAddr,
    most: Arc<AtomicUsize>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Host {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A server on `ip` that answers each request on its own thread, so that
/// overlapping requests would overlap, and records how many it had at once.
fn host(ip: Ipv4Addr, global: Arc<AtomicUsize>, global_most: Arc<AtomicUsize>) -> Host {
    let server = Arc::new(tiny_http::Server::http(SocketAddr::new(IpAddr::V4(ip), 0)).unwrap());
    let addr = server.server_addr().to_ip().unwrap();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let thread = {
        let (server, in_flight, most) = (server.clone(), in_flight.clone(), most.clone());
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let (in_flight, most) = (in_flight.clone(), most.clone());
                let (global, global_most) = (global.clone(), global_most.clone());
                std::thread::spawn(move || {
                    let n = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    let g = global.fetch_add(1, Ordering::SeqCst) + 1;
                    global_most.fetch_max(g, Ordering::SeqCst);
                    let url = request.url().to_string();
                    let head = *request.method() == tiny_http::Method::Head;
                    let (status, location) = match url.as_str() {
                        u if u.starts_with("/ok/") => {
                            // Give requests to other hosts a chance to overlap.
                            let until = Instant::now() + Duration::from_millis(800);
                            while global.load(Ordering::SeqCst) < 2 && Instant::now() < until {
                                std::thread::sleep(Duration::from_millis(2));
                            }
                            std::thread::sleep(Duration::from_millis(20));
                            (200, None)
                        }
                        "/missing" => (404, None),
                        "/gone" => (410, None),
                        "/forbidden" => (403, None),
                        "/error" => (500, None),
                        "/no-head" => (if head { 405 } else { 200 }, None),
                        "/moved" => (301, Some("/ok/moved")),
                        "/slow" => {
                            std::thread::sleep(Duration::from_millis(2500));
                            (200, None)
                        }
                        _ => (404, None),
                    };
                    let mut response =
                        tiny_http::Response::from_string("x").with_status_code(status);
                    if let Some(l) = location {
                        response = response
                            .with_header(tiny_http::Header::from_bytes("Location", l).unwrap());
                    }
                    global.fetch_sub(1, Ordering::SeqCst);
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    let _ = request.respond(response);
                });
            }
        })
    };
    Host {
        addr,
        most,
        server,
        thread: Some(thread),
    }
}

#[test]
fn external_links_are_fetched_politely_and_classified() {
    let global = Arc::new(AtomicUsize::new(0));
    let global_most = Arc::new(AtomicUsize::new(0));
    // The slow link has a host of its own: after the client gives up on it,
    // the server is still busy with it, which would look like overlap.
    let hosts: Vec<Host> = [
        [127, 0, 0, 1],
        [127, 0, 0, 2],
        [127, 0, 0, 3],
        [127, 0, 0, 4],
    ]
    .into_iter()
    .map(|o| host(Ipv4Addr::from(o), global.clone(), global_most.clone()))
    .collect();
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| format!("http://{}", hosts[i].addr));

    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixture("check").join("base"), dir.path());
    let page = format!(
        "+++\ntitle = \"Links out\"\ndescription = \"Links to servers on loopback.\"\n\n[taxonomies]\nwork_areas = [\"Legal Measures\"]\n+++\n\n\
[a0]({a}/ok/0) [a1]({a}/ok/1) [a2]({a}/ok/2) [b0]({b}/ok/0) [b1]({b}/ok/1) [c0]({c}/ok/0) [c1]({c}/ok/1)\n\n\
[missing]({a}/missing)\n\n\
[gone]({b}/gone)\n\n\
[forbidden]({c}/forbidden) [error]({c}/error)\n\n\
[no head]({b}/no-head) [moved]({c}/moved)\n\n\
[slow]({d}/slow)\n\n\
Again: [missing]({a}/missing)\n"
    );
    std::fs::write(dir.path().join("content/guides/out.md"), page).unwrap();

    let started = Instant::now();
    let out = common::gca(&[
        "check",
        "--format",
        "json",
        "--external",
        "--timeout",
        "1",
        "--concurrency",
        "4",
        "--root",
        dir.path().to_str().unwrap(),
    ]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "broken links are errors");
    assert!(started.elapsed() < Duration::from_secs(60));

    let status = |url: &str| -> Value {
        json["external_links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["url"] == url)
            .unwrap_or_else(|| panic!("{url} not listed"))["status"]
            .clone()
    };
    assert_eq!(status(&format!("{a}/ok/0"))["result"], "ok");
    assert_eq!(
        status(&format!("{b}/no-head"))["result"],
        "ok",
        "GET after a refused HEAD"
    );
    assert_eq!(
        status(&format!("{c}/moved"))["result"],
        "ok",
        "redirects are followed"
    );
    assert_eq!(status(&format!("{a}/missing"))["result"], "broken");
    assert_eq!(status(&format!("{a}/missing"))["code"], 404);
    assert_eq!(status(&format!("{b}/gone"))["code"], 410);
    assert_eq!(status(&format!("{c}/forbidden"))["result"], "unsure");
    assert_eq!(status(&format!("{c}/error"))["result"], "unsure");
    let slow = status(&format!("{d}/slow"));
    assert_eq!(slow["result"], "unsure", "{slow}");
    assert!(
        slow["message"]
            .as_str()
            .unwrap()
            .contains("no answer within 1 s"),
        "{slow}"
    );

    let diags = json["diagnostics"].as_array().unwrap();
    let at = |severity: &str, line: u64, text: &str| {
        assert!(
            diags.iter().any(|d| d["severity"] == severity
                && d["line"] == line
                && d["file"]
                    .as_str()
                    .unwrap()
                    .ends_with("content/guides/out.md")
                && d["message"].as_str().unwrap().contains(text)),
            "no {severity} at line {line} with `{text}`: {diags:#?}"
        );
    };
    at("error", 11, "/missing");
    at("error", 21, "/missing");
    at("error", 13, "/gone");
    at("warning", 15, "/forbidden");
    at("warning", 15, "/error");
    at("warning", 19, "/slow");
    assert_eq!(json["errors"], 3);

    for h in &hosts {
        assert_eq!(
            h.most.load(Ordering::SeqCst),
            1,
            "two requests at once to {}",
            h.addr
        );
    }
    assert!(
        global_most.load(Ordering::SeqCst) >= 2,
        "hosts were fetched one after another"
    );
}
