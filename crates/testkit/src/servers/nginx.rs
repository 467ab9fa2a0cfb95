//! A private nginx serving `/cache/` from a directory with WebDAV PUT and DELETE, as a Bazel
//! HTTP remote cache does: `nginx -p DIR -c DIR/nginx.conf -e DIR/error.log` in the foreground,
//! one process (`master_process off`), with its pid, logs and temp paths all in its temp dir.
//! The access log has one "METHOD URI STATUS" line per request.

use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::debian;
use super::process::{self, Attempt, Child, NotReady};

/// nginx serving a directory with WebDAV PUT/DELETE (`create_full_put_path on`), as a Bazel HTTP
/// remote cache does. Killed on drop.
#[derive(Debug)]
pub struct Nginx {
    // Killed before its directory is removed (fields drop in order).
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Nginx {
    /// A new nginx on a free loopback port, installed with apt-get first if missing. Panics with
    /// nginx's error log when it cannot start.
    pub fn start() -> Nginx {
        let nginx = debian::binary("nginx", "nginx");
        // PROPFIND and OPTIONS, for clients of full WebDAV (OpenDAL's).
        debian::file(DAV_EXT_MODULE, "libnginx-mod-http-dav-ext");
        process::on_free_port("nginx", |port| try_start(&nginx, port))
    }

    /// The cache's base URL, `http://127.0.0.1:PORT/cache` (entries at `/cache/ac/...` and
    /// `/cache/cas/...`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/cache", self.port)
    }

    /// The directory holding what was PUT under `/cache` (`ac/<hash>` and `cas/<hash>` below it).
    pub fn storage(&self) -> PathBuf {
        self.dir.path().join("www/cache")
    }

    /// The access log so far, one "METHOD URI STATUS" line per request (`PUT /cache/ac/abc
    /// 201`), in the order nginx finished them. On a kept-alive connection nginx writes a
    /// request's line just after sending its response, so this first makes one unlogged request
    /// of its own: nginx, one process, handles it only after it has logged every response a
    /// client has already received. (`lingering_close off` makes nginx log a request before it
    /// closes the connection, so a `Connection: close` client's lines are there even after
    /// `kill`.)
    pub fn requests(&self) -> Vec<String> {
        // Fails when the server was killed, and then nothing is left to wait for.
        let _ = http_get(self.port, READY_PATH);
        let log = self.dir.path().join("access.log");
        let text = fs::read_to_string(&log)
            .unwrap_or_else(|e| panic!("read nginx's access log {}: {e}", log.display()));
        text.lines().map(str::to_owned).collect()
    }

    /// nginx's process id.
    pub fn pid(&self) -> u32 {
        self.child.pid()
    }

    /// SIGKILL now and wait for the process to be gone (a server dying mid-run). Idempotent.
    pub fn kill(&mut self) {
        self.child.kill();
    }
}

/// Answers nginx's own pid, unlogged: how `start` knows the server on the port is this one.
const READY_PATH: &str = "/__testkit/ready";

fn try_start(nginx: &Path, port: u16) -> Attempt<Nginx> {
    let dir = tempfile::Builder::new()
        .prefix("testkit-nginx-")
        .tempdir()
        .expect("create nginx's temp dir");
    let root = dir.path();
    fs::create_dir_all(root.join("www/cache")).expect("create nginx's storage dir");
    fs::create_dir_all(root.join("temp")).expect("create nginx's temp path dir");
    let conf = root.join("nginx.conf");
    fs::write(&conf, config(root, port)).expect("write nginx.conf");
    let mut command = Command::new(nginx);
    command
        .arg("-p")
        .arg(root)
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg(root.join("error.log"));
    let mut child = Child::spawn(command, &root.join("output.log"));
    let pid = child.pid().to_string();
    let ready = child.wait_ready(|| {
        http_get(port, READY_PATH).is_ok_and(|(status, body)| status == 200 && body == pid)
    });
    let log = || logs(root);
    match ready {
        Ok(()) => Attempt::Ready(Nginx { child, dir, port }),
        Err(NotReady::Exited(_)) if log().contains("Address already in use") => {
            Attempt::PortTaken(log())
        }
        Err(NotReady::Exited(status)) => {
            panic!("testkit: nginx exited at start ({status}):\n{}", log())
        }
        Err(NotReady::TimedOut) => {
            panic!(
                "testkit: nginx did not answer on 127.0.0.1:{port} in time:\n{}",
                log()
            )
        }
    }
}

/// Debian's build of nginx's WebDAV extension module (`PROPFIND`, `OPTIONS`).
const DAV_EXT_MODULE: &str = "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so";

/// The whole configuration: everything nginx writes is under `root`.
fn config(root: &Path, port: u16) -> String {
    let root = root.display();
    format!(
        r#"load_module "{DAV_EXT_MODULE}";
daemon off;
master_process off;
pid "{root}/nginx.pid";
error_log "{root}/error.log" notice;

events {{
    worker_connections 512;
}}

http {{
    log_format testkit '$request_method $request_uri $status';
    access_log "{root}/access.log" testkit;
    default_type application/octet-stream;
    server_tokens off;
    client_max_body_size 64m;
    lingering_close off;
    client_body_temp_path "{root}/temp/client_body";
    proxy_temp_path "{root}/temp/proxy";
    fastcgi_temp_path "{root}/temp/fastcgi";
    uwsgi_temp_path "{root}/temp/uwsgi";
    scgi_temp_path "{root}/temp/scgi";

    server {{
        listen 127.0.0.1:{port};
        root "{root}/www";

        location = {READY_PATH} {{
            access_log off;
            default_type text/plain;
            return 200 "$pid";
        }}

        location /cache/ {{
            dav_methods PUT DELETE MKCOL;
            dav_ext_methods PROPFIND OPTIONS;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }}
    }}
}}
"#
    )
}

/// nginx's error log and its own output, for a failure message.
fn logs(root: &Path) -> String {
    let read = |name: &str| fs::read_to_string(root.join(name)).unwrap_or_default();
    format!(
        "--- error.log\n{}--- output\n{}",
        read("error.log"),
        read("output.log")
    )
}

/// `GET path` on the port, with `Connection: close`: the status and the body.
fn http_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let timeout = Duration::from_secs(2);
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}
