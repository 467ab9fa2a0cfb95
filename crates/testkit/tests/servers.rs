//! The private test servers, driven the way a cache client drives them: raw HTTP/1.1 and RESP
//! over `std::net::TcpStream`. PUT then GET, 404 when missing, the access log, SIGKILL (refused
//! connections, no process left), redis set/get/keys, a blackhole that never answers, and
//! two servers of each kind side by side.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use testkit::servers::{Blackhole, Nginx, Redis};

#[test]
fn nginx_stores_puts_serves_gets_and_logs_them() {
    let nginx = Nginx::start();
    let base = nginx.url();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/cache"),
        "{base}"
    );

    assert_eq!(
        http(&base, "PUT", "/ac/abc", b"action result"),
        (201, Vec::new())
    );
    assert_eq!(
        http(&base, "GET", "/ac/abc", b""),
        (200, b"action result".to_vec())
    );
    assert_eq!(http(&base, "GET", "/cas/missing", b"").0, 404);
    // Intermediate directories are created; a second PUT overwrites.
    assert_eq!(http(&base, "PUT", "/cas/de/ad/beef", b"one").0, 201);
    assert_eq!(http(&base, "PUT", "/cas/de/ad/beef", b"two").0, 204);
    // Bodies well above nginx's default 1 MB limit are accepted.
    let big = vec![7u8; 5 << 20];
    assert_eq!(http(&base, "PUT", "/cas/big", &big).0, 201);
    assert_eq!(http(&base, "GET", "/cas/big", b"").1.len(), big.len());
    assert_eq!(http(&base, "DELETE", "/cas/big", b"").0, 204);

    let storage = nginx.storage();
    assert_eq!(
        std::fs::read(storage.join("ac/abc")).unwrap(),
        b"action result"
    );
    assert_eq!(
        std::fs::read(storage.join("cas/de/ad/beef")).unwrap(),
        b"two"
    );
    assert!(!storage.join("cas/big").exists());
    // A file tampered on disk is what GET serves.
    std::fs::write(storage.join("ac/abc"), b"tampered").unwrap();
    assert_eq!(http(&base, "GET", "/ac/abc", b"").1, b"tampered");

    assert_eq!(
        nginx.requests(),
        [
            "PUT /cache/ac/abc 201",
            "GET /cache/ac/abc 200",
            "GET /cache/cas/missing 404",
            "PUT /cache/cas/de/ad/beef 201",
            "PUT /cache/cas/de/ad/beef 204",
            "PUT /cache/cas/big 201",
            "GET /cache/cas/big 200",
            "DELETE /cache/cas/big 204",
            "GET /cache/ac/abc 200",
        ]
    );
}

#[test]
fn nginx_killed_refuses_connections_and_leaves_no_process() {
    let mut nginx = Nginx::start();
    let base = nginx.url();
    assert_eq!(http(&base, "PUT", "/ac/one", b"1").0, 201);
    let pid = nginx.pid();
    assert!(alive(pid));
    nginx.kill();
    assert!(!alive(pid), "nginx {pid} is still there after kill()");
    let refused = TcpStream::connect(authority(&base)).expect_err("nginx was killed");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused, "{refused}");
    nginx.kill();
    // What it logged before it died is still readable.
    assert_eq!(nginx.requests(), ["PUT /cache/ac/one 201"]);

    let nginx = Nginx::start();
    let pid = nginx.pid();
    drop(nginx);
    assert!(!alive(pid), "nginx {pid} is still there after drop");
}

#[test]
fn two_nginx_at_once_are_separate() {
    let (a, b) = (Nginx::start(), Nginx::start());
    assert_ne!(a.url(), b.url());
    assert_ne!(a.storage(), b.storage());
    assert_eq!(http(&a.url(), "PUT", "/ac/k", b"a").0, 201);
    assert_eq!(http(&b.url(), "GET", "/ac/k", b"").0, 404);
    assert_eq!(http(&b.url(), "PUT", "/ac/k", b"b").0, 201);
    assert_eq!(http(&a.url(), "GET", "/ac/k", b"").1, b"a");
    assert_eq!(a.requests(), ["PUT /cache/ac/k 201", "GET /cache/ac/k 200"]);
    assert_eq!(b.requests(), ["GET /cache/ac/k 404", "PUT /cache/ac/k 201"]);
}

#[test]
fn redis_sets_gets_and_lists_keys() {
    let redis = Redis::start();
    let url = redis.url();
    assert!(url.starts_with("redis://127.0.0.1:"), "{url}");
    assert_eq!(redis.keys(), Vec::<String>::new());
    assert_eq!(redis.get("ac/missing"), None);
    let binary: Vec<u8> = (0..=255).collect();
    redis.set("cas/b", &binary);
    redis.set("ac/a", b"value\r\nwith a newline");
    redis.set("empty", b"");
    assert_eq!(redis.get("cas/b"), Some(binary));
    assert_eq!(redis.get("ac/a").unwrap(), b"value\r\nwith a newline");
    assert_eq!(redis.get("empty"), Some(Vec::new()));
    assert_eq!(redis.keys(), ["ac/a", "cas/b", "empty"]);
    // A client speaking RESP on the URL's port sees the same data.
    let mut stream = TcpStream::connect(authority(&url)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"*2\r\n$3\r\nGET\r\n$4\r\nac/a\r\n")
        .unwrap();
    let mut reply = vec![0; 28];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(reply, b"$21\r\nvalue\r\nwith a newline\r\n");
}

#[test]
fn redis_killed_refuses_connections_and_leaves_no_process() {
    let mut redis = Redis::start();
    let pid = redis.pid();
    assert!(alive(pid));
    redis.kill();
    assert!(
        !alive(pid),
        "redis-server {pid} is still there after kill()"
    );
    let refused = TcpStream::connect(authority(&redis.url())).expect_err("redis was killed");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused, "{refused}");
    redis.kill();

    let redis = Redis::start();
    let pid = redis.pid();
    drop(redis);
    assert!(!alive(pid), "redis-server {pid} is still there after drop");
}

#[test]
fn two_redis_at_once_are_separate() {
    let (a, b) = (Redis::start(), Redis::start());
    assert_ne!(a.url(), b.url());
    a.set("k", b"a");
    assert_eq!(b.get("k"), None);
    b.set("k", b"b");
    assert_eq!(a.get("k").unwrap(), b"a");
    assert_eq!(b.keys(), ["k"]);
}

#[test]
fn blackholes_accept_and_never_answer() {
    let (a, b) = (Blackhole::start(), Blackhole::start());
    assert_ne!(a.url(), b.url());
    for hole in [&a, &b] {
        let mut stream = TcpStream::connect(authority(&hole.url())).unwrap();
        stream
            .write_all(b"GET /cache/ac/abc HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut byte = [0];
        let err = stream
            .read(&mut byte)
            .expect_err("a blackhole never answers");
        assert!(
            matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "{err}"
        );
        assert_eq!(hole.accepted(), 1);
    }
}

/// `host:port` of an `http://` or `redis://` URL.
fn authority(url: &str) -> String {
    let rest = url.split_once("://").expect("a URL").1;
    rest.split('/').next().unwrap().to_owned()
}

/// One HTTP/1.1 request on a new connection (`Connection: close`) to `base` + `path`: the
/// status and the body.
fn http(base: &str, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let prefix = base.split_once("://").unwrap().1;
    let (host, base_path) = prefix.split_once('/').unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "{method} /{base_path}{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response head");
    let head = String::from_utf8_lossy(&response[..end]);
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, response[end + 4..].to_vec())
}

/// Whether a process with this id exists (reaped processes are gone from /proc).
fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}
