//! `gca serve`: builds the site into memory, serves it over HTTP on the
//! loopback interface, watches the site and theme for changes, rebuilds,
//! and tells browsers to reload (or shows the build errors over the page).
//!
//! - [`paths`]: which output file a request names (no traversal, no listings)
//! - [`live`]: the live-reload script, its events and the error overlay
//! - [`watch`]: file events, filtered and gathered into batches
//!
//! The server answers from the last good build held in memory and writes
//! nothing to disk. A failed rebuild leaves that build served.

pub mod live;
pub mod paths;
pub mod watch;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tiny_http::{Header, Method, Request, Response};

use crate::config::Config;
use crate::error::Diagnostic;
use crate::site::{Session, SharedOutput};
use live::{Event, Status};
use paths::Resolved;

/// Most event streams open at once.
const MAX_STREAMS: usize = 64;
/// A comment is sent on idle event streams this often, so that streams of
/// browsers that went away are noticed and closed.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// What to serve and where.
#[derive(Debug, Clone)]
pub struct Options {
    /// The site folder.
    pub root: PathBuf,
    /// Address to listen on (loopback unless the user asks otherwise).
    pub interface: IpAddr,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// Include drafts.
    pub drafts: bool,
    /// Watch the site and rebuild on changes.
    pub watch: bool,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address is taken or not allowed.
    #[error("cannot listen on {addr}: {message}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        message: String,
    },
    /// The site folder cannot be watched.
    #[error("cannot watch {}: {source}", path.display())]
    Watch {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: notify::Error,
    },
}

/// Something the server did, for its log.
#[derive(Debug)]
pub enum LogEvent<'a> {
    /// A build or rebuild succeeded.
    Built {
        /// The files whose change started it (empty for the first build).
        trigger: &'a [PathBuf],
        /// Output files that changed.
        changed: &'a [String],
        /// Files now served.
        files: usize,
        /// Time the build took.
        elapsed: Duration,
        /// Its warnings.
        warnings: &'a [Diagnostic],
    },
    /// A build or rebuild failed; the previous build stays served.
    Failed {
        /// The files whose change started it.
        trigger: &'a [PathBuf],
        /// What is wrong.
        diagnostics: &'a [Diagnostic],
    },
}

type Logger = Box<dyn Fn(&LogEvent<'_>) + Send + Sync>;

/// What is being served.
struct Served {
    /// The last good build, if any.
    output: Option<SharedOutput>,
    /// Goes up with each good build.
    generation: u64,
    /// Errors of the last build, when it failed.
    failure: Option<Vec<Diagnostic>>,
    /// Warnings of the last good build.
    warnings: Vec<Diagnostic>,
}

struct Shared {
    served: RwLock<Served>,
    session: Mutex<Session>,
    streams: Mutex<Vec<mpsc::Sender<Arc<str>>>>,
    log: Logger,
    stopping: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    fn rebuild(&self, trigger: &[PathBuf]) {
        let mut session = lock(&self.session);
        let started = Instant::now();
        let result = session.rebuild(trigger);
        let elapsed = started.elapsed();
        let event = match result {
            Ok(rebuild) => {
                let output = session.output();
                let files = session.file_count();
                let generation = {
                    let mut s = self.served.write().unwrap_or_else(|p| p.into_inner());
                    s.output = Some(output);
                    s.generation += 1;
                    s.failure = None;
                    s.warnings = rebuild.warnings.clone();
                    s.generation
                };
                (self.log)(&LogEvent::Built {
                    trigger,
                    changed: &rebuild.changed,
                    files,
                    elapsed,
                    warnings: &rebuild.warnings,
                });
                Event::Reload {
                    generation,
                    changed: rebuild.changed,
                }
            }
            Err(e) => {
                {
                    let mut s = self.served.write().unwrap_or_else(|p| p.into_inner());
                    s.failure = Some(e.diagnostics.clone());
                }
                (self.log)(&LogEvent::Failed {
                    trigger,
                    diagnostics: &e.diagnostics,
                });
                Event::Failed(e.diagnostics)
            }
        };
        drop(session);
        self.broadcast(&event);
    }

    fn broadcast(&self, event: &Event) {
        let text: Arc<str> = Arc::from(event.to_sse());
        lock(&self.streams).retain(|tx| tx.send(text.clone()).is_ok());
    }

    fn status(&self) -> Status {
        let s = self.served.read().unwrap_or_else(|p| p.into_inner());
        match &s.failure {
            Some(d) => Status {
                generation: s.generation,
                ok: false,
                diagnostics: d.clone(),
            },
            None => Status {
                generation: s.generation,
                ok: s.output.is_some(),
                diagnostics: s.warnings.clone(),
            },
        }
    }
}

/// A running server. Dropping it (or [`Server::stop`]) stops it.
pub struct Server {
    shared: Arc<Shared>,
    http: Arc<tiny_http::Server>,
    addr: SocketAddr,
    base_url: String,
    accept: Option<JoinHandle<()>>,
    watch: Option<watch::Watch>,
}

impl Server {
    /// Listens, builds the site, and starts answering and watching. A
    /// failed first build is logged and shown in the browser; the server
    /// still starts and serves the site once a rebuild succeeds.
    pub fn start(
        options: &Options,
        log: impl Fn(&LogEvent<'_>) + Send + Sync + 'static,
    ) -> Result<Server, ServeError> {
        let want = SocketAddr::new(options.interface, options.port);
        let http = tiny_http::Server::http(want).map_err(|e| ServeError::Bind {
            addr: want,
            message: e.to_string(),
        })?;
        let addr = http.server_addr().to_ip().ok_or_else(|| ServeError::Bind {
            addr: want,
            message: "not an IP address".into(),
        })?;
        let base_url = base_url(addr);
        let shared = Arc::new(Shared {
            served: RwLock::new(Served {
                output: None,
                generation: 0,
                failure: None,
                warnings: Vec::new(),
            }),
            session: Mutex::new(Session::new(
                options.root.clone(),
                Some(base_url.clone()),
                options.drafts,
            )),
            streams: Mutex::new(Vec::new()),
            log: Box::new(log),
            stopping: AtomicBool::new(false),
        });
        // Watch first, so that a change saved during the first build is not
        // missed: its rebuild waits for the first build to finish.
        let watch = if options.watch {
            let root = options
                .root
                .canonicalize()
                .unwrap_or_else(|_| options.root.clone());
            // Watched folders (canonical, as events name them) and the same
            // folders as the build names them (root as given, theme as
            // found from it), so that rebuilds get paths in the build's form.
            let mut dirs = vec![(root.clone(), options.root.clone())];
            if let Some(theme) = theme_dir(&options.root)
                && let Ok(canon) = theme.canonicalize()
                && !canon.starts_with(&root)
            {
                dirs.push((canon, theme));
            }
            let watched: Vec<PathBuf> = dirs.iter().map(|(c, _)| c.clone()).collect();
            let filter = watch::Filter::new(&root, &watched[1..]);
            let for_watch = shared.clone();
            let w = watch::watch(&watched, filter, move |paths| {
                if !for_watch.stopping.load(Ordering::SeqCst) {
                    let paths: Vec<PathBuf> = paths.iter().map(|p| as_built(p, &dirs)).collect();
                    for_watch.rebuild(&paths);
                }
            })
            .map_err(|source| ServeError::Watch {
                path: root.clone(),
                source,
            })?;
            Some(w)
        } else {
            None
        };
        shared.rebuild(&[]);

        let http = Arc::new(http);
        let accept = {
            let http = http.clone();
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("gca-serve".into())
                .spawn(move || {
                    for request in http.incoming_requests() {
                        if shared.stopping.load(Ordering::SeqCst) {
                            break;
                        }
                        let shared = shared.clone();
                        let spawned = std::thread::Builder::new()
                            .name("gca-request".into())
                            .spawn(move || handle(&shared, request));
                        if spawned.is_err() {
                            // Out of threads: the request is dropped,
                            // which closes its connection.
                            continue;
                        }
                    }
                })
                .ok()
        };
        Ok(Server {
            shared,
            http,
            addr,
            base_url,
            accept,
            watch,
        })
    }

    /// The address the server listens on (with the port it got).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL the site is built for while served.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Rebuilds now, as if `changed` had been saved (empty: everything).
    /// Paths are given as the build names them: the site folder as given in
    /// [`Options::root`] joined with the path under it (the watcher does
    /// the same).
    pub fn rebuild(&self, changed: &[PathBuf]) {
        self.shared.rebuild(changed);
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }

    /// Stops listening, watching and streaming.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.watch = None;
        self.http.unblock();
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        lock(&self.shared.streams).clear();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// `http://<address>:<port>/`, with brackets around IPv6 addresses.
pub fn base_url(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) => format!("http://{ip}:{}/", addr.port()),
        IpAddr::V6(ip) => format!("http://[{ip}]:{}/", addr.port()),
    }
}

/// `path` (under one of the canonical folders of `dirs`) rewritten under
/// the same folder as the build names it.
fn as_built(path: &Path, dirs: &[(PathBuf, PathBuf)]) -> PathBuf {
    dirs.iter()
        .filter_map(|(canon, named)| path.strip_prefix(canon).ok().map(|rel| named.join(rel)))
        .min_by_key(|p| p.components().count())
        .unwrap_or_else(|| path.to_path_buf())
}

/// The theme folder the site's config names, if it can be found now.
fn theme_dir(root: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(root.join("config.toml")).ok()?;
    let config = Config::parse(&text, &root.join("config.toml")).ok()?;
    crate::site::find_theme(root, &config.theme)
}

fn respond(
    request: Request,
    status: u16,
    content_type: &str,
    body: Vec<u8>,
    extra: &[(&str, &str)],
) {
    let mut response = Response::from_data(body).with_status_code(status);
    let fixed = [
        ("Content-Type", content_type),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", "default-src 'self'"),
    ];
    for (name, value) in fixed.iter().chain(extra) {
        // A value that is not a valid header (never the case for ours) is left out.
        if let Ok(h) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response = response.with_header(h);
        }
    }
    // The browser may have gone: nothing to do about it.
    let _ = request.respond(response);
}

fn handle(shared: &Shared, request: Request) {
    if !matches!(request.method(), Method::Get | Method::Head) {
        respond(
            request,
            405,
            "text/plain; charset=utf-8",
            b"Only GET and HEAD are served.\n".to_vec(),
            &[("Allow", "GET, HEAD")],
        );
        return;
    }
    let target = request.url().to_string();
    let path = target.split(['?', '#']).next().unwrap_or("");
    if path.starts_with(live::RESERVED_PREFIX) {
        match path {
            live::SCRIPT_PATH => respond(
                request,
                200,
                paths::content_type("live.js"),
                live::SCRIPT.as_bytes().to_vec(),
                &[],
            ),
            live::STYLE_PATH => respond(
                request,
                200,
                paths::content_type("live.css"),
                live::STYLE.as_bytes().to_vec(),
                &[],
            ),
            live::STATUS_PATH => {
                let json = serde_json::to_vec(&shared.status()).unwrap_or_default();
                respond(request, 200, "application/json", json, &[]);
            }
            live::EVENTS_PATH => stream(shared, request),
            _ => not_found(request, None, 0),
        }
        return;
    }
    let (output, generation) = {
        let s = shared.served.read().unwrap_or_else(|p| p.into_inner());
        (s.output.clone(), s.generation)
    };
    let Some(output) = output else {
        respond(
            request,
            503,
            "text/html; charset=utf-8",
            live::not_built_page(),
            &[("Retry-After", "1")],
        );
        return;
    };
    // The read lock only for the lookup: a rebuild waits for no response.
    let (resolved, bytes, not_found_page) = {
        let output = output.read().unwrap_or_else(|p| p.into_inner());
        let resolved = paths::resolve(&target, |k| output.contains_key(k));
        let bytes = match &resolved {
            Resolved::File(key) => output.get(key).cloned(),
            _ => None,
        };
        let page = match &resolved {
            Resolved::NotFound => output.get("404.html").cloned(),
            _ => None,
        };
        (resolved, bytes, page)
    };
    match resolved {
        Resolved::File(key) => {
            let bytes = bytes.unwrap_or_default();
            let content_type = paths::content_type(&key);
            let body = if content_type.starts_with("text/html") {
                live::inject(&bytes, generation)
            } else {
                bytes.to_vec()
            };
            respond(request, 200, content_type, body, &[]);
        }
        Resolved::Redirect(location) => respond(
            request,
            302,
            "text/plain; charset=utf-8",
            format!("See {location}\n").into_bytes(),
            &[("Location", &location)],
        ),
        Resolved::NotFound => not_found(request, not_found_page.as_ref(), generation),
    }
}

fn not_found(request: Request, page: Option<&Arc<[u8]>>, generation: u64) {
    match page {
        Some(page) => respond(
            request,
            404,
            "text/html; charset=utf-8",
            live::inject(page, generation),
            &[],
        ),
        None => respond(
            request,
            404,
            "text/plain; charset=utf-8",
            b"Not found\n".to_vec(),
            &[],
        ),
    }
}

/// Answers with a `text/event-stream` that stays open: the current status
/// first, then each rebuild's event as it happens.
fn stream(shared: &Shared, request: Request) {
    let (tx, rx) = mpsc::channel::<Arc<str>>();
    {
        let mut streams = lock(&shared.streams);
        if streams.len() >= MAX_STREAMS || shared.stopping.load(Ordering::SeqCst) {
            drop(streams);
            respond(
                request,
                503,
                "text/plain; charset=utf-8",
                b"Too many open event streams.\n".to_vec(),
                &[("Retry-After", "5")],
            );
            return;
        }
        streams.push(tx);
    }
    let first = Event::Status(shared.status()).to_sse();
    let mut writer = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\nretry: 1000\n\n";
    let mut send = |text: &str| -> bool {
        writer.write_all(text.as_bytes()).is_ok() && writer.flush().is_ok()
    };
    use std::io::Write as _;
    if !send(head) || !send(&first) {
        return;
    }
    loop {
        match rx.recv_timeout(KEEPALIVE) {
            Ok(text) => {
                if !send(&text) {
                    return;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if !send(": keep-alive\n\n") {
                    return;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_paths_take_the_form_the_build_uses() {
        let dirs = vec![
            (PathBuf::from("/w/site"), PathBuf::from("site")),
            (
                PathBuf::from("/w/themes/gca"),
                PathBuf::from("site/../themes/gca"),
            ),
        ];
        assert_eq!(
            as_built(Path::new("/w/site/content/a.md"), &dirs),
            PathBuf::from("site/content/a.md")
        );
        assert_eq!(
            as_built(Path::new("/w/themes/gca/templates/page.html"), &dirs),
            PathBuf::from("site/../themes/gca/templates/page.html")
        );
        assert_eq!(as_built(Path::new("/x/y"), &dirs), PathBuf::from("/x/y"));
    }

    #[test]
    fn base_urls() {
        let v4: SocketAddr = "127.0.0.1:1111".parse().unwrap();
        assert_eq!(base_url(v4), "http://127.0.0.1:1111/");
        let v6: SocketAddr = "[::1]:8080".parse().unwrap();
        assert_eq!(base_url(v6), "http://[::1]:8080/");
    }
}
