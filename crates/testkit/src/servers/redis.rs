//! A private redis-server on loopback with no persistence (`--save '' --appendonly no`), its
//! working dir and log in a temp dir, and a small RESP client over a `TcpStream` to read and
//! tamper what a test stored in it.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::debian;
use super::process::{self, Attempt, Child, NotReady};

/// redis-server on loopback, no persistence, in a temp dir. Killed on drop.
#[derive(Debug)]
pub struct Redis {
    // Killed before its directory is removed (fields drop in order).
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Redis {
    /// A new redis-server on a free loopback port, installed with apt-get first if missing.
    /// Panics with its log when it cannot start.
    pub fn start() -> Redis {
        let server = debian::binary("redis-server", "redis-server");
        process::on_free_port("redis-server", |port| try_start(&server, port))
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Every key, sorted (`KEYS *`; keys that are not UTF-8 are shown lossily).
    pub fn keys(&self) -> Vec<String> {
        match self.command(&[b"KEYS", b"*"]) {
            Reply::Array(items) => {
                let mut keys: Vec<String> = items
                    .into_iter()
                    .map(|item| match item {
                        Reply::Bulk(Some(key)) => String::from_utf8_lossy(&key).into_owned(),
                        other => panic!("redis KEYS answered an item {other:?}"),
                    })
                    .collect();
                keys.sort();
                keys
            }
            other => panic!("redis KEYS answered {other:?}"),
        }
    }

    /// The value of `key`, or `None` when there is none.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        match self.command(&[b"GET", key.as_bytes()]) {
            Reply::Bulk(value) => value,
            other => panic!("redis GET {key} answered {other:?}"),
        }
    }

    /// Sets `key` to `value` (to tamper an entry).
    pub fn set(&self, key: &str, value: &[u8]) {
        match self.command(&[b"SET", key.as_bytes(), value]) {
            Reply::Simple(ok) if ok == "OK" => {}
            other => panic!("redis SET {key} answered {other:?}"),
        }
    }

    /// redis-server's process id.
    pub fn pid(&self) -> u32 {
        self.child.pid()
    }

    /// SIGKILL now and wait for the process to be gone (a server dying mid-run). Idempotent.
    pub fn kill(&mut self) {
        self.child.kill();
    }

    fn command(&self, args: &[&[u8]]) -> Reply {
        send(self.port, args).unwrap_or_else(|e| {
            let log = fs_log(self.dir.path());
            panic!(
                "redis command {} on port {} failed: {e}\n--- redis log\n{log}",
                String::from_utf8_lossy(args[0]),
                self.port
            )
        })
    }
}

fn try_start(server: &Path, port: u16) -> Attempt<Redis> {
    let dir = tempfile::Builder::new()
        .prefix("testkit-redis-")
        .tempdir()
        .expect("create redis' temp dir");
    let mut command = Command::new(server);
    command
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
        .arg("--dir")
        .arg(dir.path());
    let mut child = Child::spawn(command, &dir.path().join("redis.log"));
    let pid = format!("process_id:{}", child.pid());
    // `INFO server` names the process that answers: this one, not another on the same port.
    let ready = child.wait_ready(|| {
        matches!(send(port, &[b"INFO", b"server"]),
            Ok(Reply::Bulk(Some(info))) if String::from_utf8_lossy(&info).lines().any(|l| l == pid))
    });
    let log = fs_log(dir.path());
    match ready {
        Ok(()) => Attempt::Ready(Redis { child, dir, port }),
        Err(NotReady::Exited(_)) if log.contains("Address already in use") => {
            Attempt::PortTaken(log)
        }
        Err(NotReady::Exited(status)) => {
            panic!("testkit: redis-server exited at start ({status}):\n{log}")
        }
        Err(NotReady::TimedOut) => {
            panic!("testkit: redis-server did not answer on 127.0.0.1:{port} in time:\n{log}")
        }
    }
}

fn fs_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("redis.log")).unwrap_or_default()
}

/// One reply of the RESP protocol.
#[derive(Debug)]
enum Reply {
    /// A simple string, or an integer kept as its text.
    Simple(String),
    Error(String),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
}

/// Sends one command on a new connection and reads its reply; a server error is an `Err`.
fn send(port: u16, args: &[&[u8]]) -> io::Result<Reply> {
    let timeout = Duration::from_secs(5);
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut request = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        request.extend_from_slice(arg);
        request.extend_from_slice(b"\r\n");
    }
    stream.write_all(&request)?;
    match read_reply(&mut BufReader::new(stream))? {
        Reply::Error(message) => Err(io::Error::other(format!("redis error: {message}"))),
        reply => Ok(reply),
    }
}

fn read_reply(reader: &mut impl BufRead) -> io::Result<Reply> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    let line = line.trim_end_matches("\r\n");
    let (kind, rest) = line.split_at_checked(1).unwrap_or(("", ""));
    let number = || -> io::Result<i64> {
        rest.parse()
            .map_err(|_| io::Error::other(format!("bad RESP line {line:?}")))
    };
    Ok(match kind {
        "+" | ":" => Reply::Simple(rest.to_owned()),
        "-" => Reply::Error(rest.to_owned()),
        "$" => match usize::try_from(number()?) {
            Err(_) => Reply::Bulk(None),
            Ok(len) => {
                let mut value = vec![0; len + 2];
                reader.read_exact(&mut value)?;
                value.truncate(len);
                Reply::Bulk(Some(value))
            }
        },
        "*" => match usize::try_from(number()?) {
            Err(_) => Reply::Array(Vec::new()),
            Ok(count) => Reply::Array(
                (0..count)
                    .map(|_| read_reply(reader))
                    .collect::<io::Result<_>>()?,
            ),
        },
        _ => return Err(io::Error::other(format!("bad RESP line {line:?}"))),
    })
}
