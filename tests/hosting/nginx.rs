//! A real nginx (Debian's package) on free loopback ports, configured with
//! the example server block of `docs/examples/nginx.conf`, adapted only in
//! its port, folder and 404 page. Everything it writes (pid, logs, temporary
//! files) stays in a temporary folder; it is stopped when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The nginx binary; fails the test when there is none.
pub fn binary() -> PathBuf {
    for candidate in ["/usr/sbin/nginx", "/usr/bin/nginx"] {
        if Path::new(candidate).is_file() {
            return PathBuf::from(candidate);
        }
    }
    if let Ok(o) = Command::new("nginx").arg("-v").output()
        && o.status.success()
    {
        return PathBuf::from("nginx");
    }
    panic!(
        "the publishing tests need nginx, and there is none: install it with \
         `apt-get install nginx` (scripts/test does)"
    );
}

/// A loopback port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

/// The example file.
pub fn example() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/nginx.conf");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What comes before `server {` in the example (the `map`), read once per
/// nginx.
pub fn example_http_part() -> String {
    let text = example();
    let at = text
        .find("\nserver {")
        .expect("a server block in the example");
    text[..at].to_string()
}

/// The example's server block listening on 127.0.0.1:`port`, serving the
/// folder `root`, with `not_found` as its 404 page (`/404.html`, or
/// `/gca/404.html` for a site under `/gca/`).
pub fn example_server(port: u16, root: &Path, not_found: &str) -> String {
    let text = example();
    let at = text
        .find("\nserver {")
        .expect("a server block in the example");
    let mut server = text[at..].to_string();
    let mut replace = |from: &str, to: &str| {
        assert!(
            server.contains(from),
            "docs/examples/nginx.conf no longer has `{from}`: update the test's adaptation"
        );
        server = server.replace(from, to);
    };
    replace(
        "    listen 80;\n",
        &format!("    listen 127.0.0.1:{port};\n"),
    );
    replace("    listen [::]:80;\n", "");
    replace(
        "    root /var/www/gca;\n",
        &format!("    root {};\n", root.display()),
    );
    replace(
        "    error_page 404 /404.html;\n",
        &format!("    error_page 404 {not_found};\n"),
    );
    server
}

/// A running nginx.
pub struct Nginx {
    child: Child,
    dir: PathBuf,
}

impl Nginx {
    /// Starts nginx with `http_part` and `servers` in its `http` block,
    /// its files in `dir`; waits until every port in `ports` answers.
    pub fn start(dir: &Path, http_part: &str, servers: &[String], ports: &[u16]) -> Nginx {
        let nginx = binary();
        std::fs::create_dir_all(dir).unwrap();
        let d = dir.display();
        // One process, no workers: it keeps the user that started it (so it
        // reads a private temporary folder, root or not), and stopping it
        // stops everything.
        let mime = if Path::new("/etc/nginx/mime.types").is_file() {
            "include /etc/nginx/mime.types;"
        } else {
            ""
        };
        let conf = format!(
            "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n{mime}\ndefault_type application/octet-stream;\naccess_log {d}/access.log;\n\
             client_body_temp_path {d}/body;\nproxy_temp_path {d}/proxy;\nfastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\nscgi_temp_path {d}/scgi;\n{http_part}\n{}\n}}\n",
            servers.join("\n")
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let test = Command::new(&nginx)
            .arg("-t")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf_path)
            .arg("-e")
            .arg(dir.join("error.log"))
            .output()
            .expect("run nginx -t");
        assert!(
            test.status.success(),
            "nginx refuses the configuration made from docs/examples/nginx.conf:\n{}",
            String::from_utf8_lossy(&test.stderr)
        );
        let child = Command::new(&nginx)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf_path)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let mut n = Nginx {
            child,
            dir: dir.to_path_buf(),
        };
        let started = Instant::now();
        for &port in ports {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                if let Ok(Some(status)) = n.child.try_wait() {
                    panic!("nginx stopped ({status}):\n{}", n.error_log());
                }
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "nginx does not answer on port {port}:\n{}",
                    n.error_log()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        n
    }

    /// nginx's error log so far.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // The single nginx process is our child.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
