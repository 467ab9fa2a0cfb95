//! A hung server: a loopback listener that accepts every connection, never reads from it and
//! never answers, until it is dropped.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A TCP listener on loopback that accepts connections and never answers (a hung server).
/// Its connections are closed when it is dropped.
#[derive(Debug)]
pub struct Blackhole {
    port: u16,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    accepted: AtomicUsize,
}

impl Blackhole {
    /// A new blackhole on a free loopback port.
    pub fn start() -> Blackhole {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("the bound address").port();
        listener
            .set_nonblocking(true)
            .expect("make the blackhole's listener non-blocking");
        let shared = Arc::new(Shared::default());
        let thread = thread::spawn({
            let shared = Arc::clone(&shared);
            move || hold(&listener, &shared)
        });
        Blackhole {
            port,
            shared,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/cache`, as `Nginx::url` is.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/cache", self.port)
    }

    /// How many connections it has accepted so far.
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Blackhole {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            // The thread only panics when accept itself breaks, and a drop must not panic.
            let _ = thread.join();
        }
    }
}

/// Accepts connections and keeps them open, unread, until told to stop.
fn hold(listener: &TcpListener, shared: &Shared) {
    let mut held: Vec<TcpStream> = Vec::new();
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                held.push(stream);
                shared.accepted.fetch_add(1, Ordering::SeqCst);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("the blackhole's accept failed: {e}"),
        }
    }
}
