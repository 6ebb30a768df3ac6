//! External links: fetched only when asked (`gca check --external`), with
//! several requests at once but never two to the same host at the same
//! time, each with a timeout.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use serde::Serialize;

/// How a fetch went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum LinkStatus {
    /// The link works (after redirects): the final status code.
    Ok {
        /// HTTP status.
        code: u16,
    },
    /// The link is broken for good (not found, gone, no such host, bad
    /// certificate, not a URL).
    Broken {
        /// HTTP status, when there was one.
        code: Option<u16>,
        /// What happened.
        message: String,
    },
    /// It may work later, or for a person but not for a program (timeout,
    /// server error, too many requests, refused access).
    Unsure {
        /// HTTP status, when there was one.
        code: Option<u16>,
        /// What happened.
        message: String,
    },
}

/// How to fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Requests at once (over all hosts).
    pub concurrency: usize,
    /// Longest time one request may take, redirects included.
    pub timeout: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            concurrency: 8,
            timeout: Duration::from_secs(10),
        }
    }
}

/// The host of an `http(s)` URL, lowercased and without port or user,
/// which is the unit of "one request at a time".
pub fn host_of(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    if host.is_empty() {
        None
    } else {
        Some(host.to_ascii_lowercase())
    }
}

struct Queue {
    waiting: BTreeMap<String, VecDeque<String>>,
    busy: HashSet<String>,
    left: usize,
    results: BTreeMap<String, LinkStatus>,
}

/// Fetches every URL with `fetch`, at most `concurrency` at once and one
/// per host at a time; returns each URL's status. URLs without a host are
/// broken without a request.
pub fn fetch_all(
    urls: &[String],
    concurrency: usize,
    fetch: &(dyn Fn(&str) -> LinkStatus + Sync),
) -> BTreeMap<String, LinkStatus> {
    let mut queue = Queue {
        waiting: BTreeMap::new(),
        busy: HashSet::new(),
        left: 0,
        results: BTreeMap::new(),
    };
    let mut seen = HashSet::new();
    for url in urls {
        if !seen.insert(url.as_str()) {
            continue;
        }
        match host_of(url) {
            Some(host) => {
                queue
                    .waiting
                    .entry(host)
                    .or_default()
                    .push_back(url.clone());
                queue.left += 1;
            }
            None => {
                queue.results.insert(
                    url.clone(),
                    LinkStatus::Broken {
                        code: None,
                        message: "not an http(s) URL with a host".into(),
                    },
                );
            }
        }
    }
    let state = Mutex::new(queue);
    let ready = Condvar::new();
    let workers = concurrency.max(1).min(seen.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| worker(&state, &ready, fetch));
        }
    });
    state
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .results
}

fn worker(state: &Mutex<Queue>, ready: &Condvar, fetch: &(dyn Fn(&str) -> LinkStatus + Sync)) {
    let mut guard = state.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        if guard.left == 0 {
            ready.notify_all();
            return;
        }
        let next = {
            let q = &mut *guard;
            let host = q
                .waiting
                .iter()
                .find(|(h, urls)| !urls.is_empty() && !q.busy.contains(*h))
                .map(|(h, _)| h.clone());
            host.and_then(|h| {
                let url = q.waiting.get_mut(&h)?.pop_front()?;
                q.busy.insert(h.clone());
                Some((h, url))
            })
        };
        let Some((host, url)) = next else {
            guard = ready.wait(guard).unwrap_or_else(|p| p.into_inner());
            continue;
        };
        drop(guard);
        let status = fetch(&url);
        guard = state.lock().unwrap_or_else(|p| p.into_inner());
        guard.busy.remove(&host);
        guard.left -= 1;
        guard.results.insert(url, status);
        ready.notify_all();
    }
}

/// A fetcher over HTTP: `HEAD`, then `GET` when the server answers `HEAD`
/// with an error status (many answer `HEAD` badly), following redirects.
/// A timeout or a missing host is final: no second request.
pub fn http_fetcher(options: &FetchOptions) -> impl Fn(&str) -> LinkStatus + Sync + use<> {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(false)
        .max_redirects(10)
        .user_agent(concat!("gca-check/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let timeout = options.timeout;
    move |url: &str| {
        let head = agent.head(url).call().map(|r| r.status().as_u16());
        let result = match head {
            Ok(code) if code < 400 => Ok(code),
            // No server, or no answer: a GET would fare no better.
            Err(
                e @ (ureq::Error::Timeout(_)
                | ureq::Error::HostNotFound
                | ureq::Error::ConnectionFailed),
            ) => Err(e),
            _ => agent.get(url).call().map(|r| r.status().as_u16()),
        };
        classify(result, timeout)
    }
}

fn classify(result: Result<u16, ureq::Error>, timeout: Duration) -> LinkStatus {
    match result {
        Ok(code) if code < 400 => LinkStatus::Ok { code },
        Ok(code @ (404 | 410)) => LinkStatus::Broken {
            code: Some(code),
            message: format!("the server answers {code} ({})", reason(code)),
        },
        Ok(code) => LinkStatus::Unsure {
            code: Some(code),
            message: format!("the server answers {code} ({})", reason(code)),
        },
        Err(e) => {
            let broken = |message: String| LinkStatus::Broken {
                code: None,
                message,
            };
            let unsure = |message: String| LinkStatus::Unsure {
                code: None,
                message,
            };
            match e {
                ureq::Error::Timeout(_) => {
                    unsure(format!("no answer within {} s", timeout.as_secs_f32()))
                }
                ureq::Error::HostNotFound => broken("the host name does not exist".into()),
                ureq::Error::BadUri(u) => broken(format!("not a valid URL: {u}")),
                ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => {
                    broken("its redirects lead nowhere".into())
                }
                ureq::Error::Tls(m) => broken(format!("TLS error: {m}")),
                ureq::Error::Rustls(e) => broken(format!("TLS error: {e}")),
                other => unsure(other.to_string()),
            }
        }
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        401 => "login required",
        403 => "forbidden; some sites refuse programs but not people",
        404 => "not found",
        410 => "gone",
        429 => "too many requests",
        500..=599 => "server error",
        _ => "unexpected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("https://Example.org/a?b").as_deref(),
            Some("example.org")
        );
        assert_eq!(
            host_of("http://u:p@example.org:8080/").as_deref(),
            Some("example.org")
        );
        assert_eq!(host_of("http://[::1]:80/x").as_deref(), Some("::1"));
        assert_eq!(
            host_of("https://example.org").as_deref(),
            Some("example.org")
        );
        assert_eq!(host_of("ftp://example.org/"), None);
        assert_eq!(host_of("https:///path"), None);
    }

    #[test]
    fn one_request_per_host_at_a_time_and_several_hosts_at_once() {
        let urls: Vec<String> = (0..5)
            .flat_map(|i| {
                ["a.example", "b.example", "c.example"].map(|h| format!("https://{h}/{i}"))
            })
            .chain(["not a url".to_string(), "https://a.example/0".to_string()])
            .collect();
        let per_host: HashMap<&str, AtomicUsize> = ["a.example", "b.example", "c.example"]
            .into_iter()
            .map(|h| (h, AtomicUsize::new(0)))
            .collect();
        let worst_per_host = AtomicUsize::new(0);
        let in_flight = AtomicUsize::new(0);
        let most_in_flight = AtomicUsize::new(0);
        let calls = AtomicUsize::new(0);
        let fetch = |url: &str| {
            calls.fetch_add(1, Ordering::SeqCst);
            let host = host_of(url).unwrap();
            let n = per_host[host.as_str()].fetch_add(1, Ordering::SeqCst) + 1;
            worst_per_host.fetch_max(n, Ordering::SeqCst);
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most_in_flight.fetch_max(now, Ordering::SeqCst);
            // Wait (boundedly) for another request to be in flight, so
            // the overlap below does not depend on timing luck.
            let until = Instant::now() + Duration::from_secs(2);
            while in_flight.load(Ordering::SeqCst) < 2 && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(5));
            in_flight.fetch_sub(1, Ordering::SeqCst);
            per_host[host.as_str()].fetch_sub(1, Ordering::SeqCst);
            if url.ends_with("/3") {
                LinkStatus::Broken {
                    code: Some(404),
                    message: "gone".into(),
                }
            } else {
                LinkStatus::Ok { code: 200 }
            }
        };
        let results = fetch_all(&urls, 4, &fetch);
        assert_eq!(
            worst_per_host.load(Ordering::SeqCst),
            1,
            "two requests to one host at once"
        );
        assert!(
            most_in_flight.load(Ordering::SeqCst) >= 2,
            "never more than one request at once"
        );
        assert!(
            most_in_flight.load(Ordering::SeqCst) <= 3,
            "more requests than hosts at once"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 15, "each URL once");
        assert_eq!(results.len(), 16);
        assert!(matches!(
            results["not a url"],
            LinkStatus::Broken { code: None, .. }
        ));
        assert!(matches!(
            results["https://b.example/3"],
            LinkStatus::Broken {
                code: Some(404),
                ..
            }
        ));
        assert_eq!(results["https://c.example/4"], LinkStatus::Ok { code: 200 });
    }

    #[test]
    fn concurrency_is_bounded() {
        let urls: Vec<String> = (0..12).map(|i| format!("https://h{i}.example/")).collect();
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let fetch = |_: &str| {
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(10));
            in_flight.fetch_sub(1, Ordering::SeqCst);
            LinkStatus::Ok { code: 200 }
        };
        let results = fetch_all(&urls, 3, &fetch);
        assert_eq!(results.len(), 12);
        assert!(most.load(Ordering::SeqCst) <= 3);
    }
}
