//! Real servers for end-to-end tests, each a private instance started by the test itself: nginx
//! serving a directory over WebDAV (as a Bazel HTTP remote cache does), redis-server, and a
//! blackhole (a loopback listener that accepts and never answers).
//!
//! Each server listens on a free loopback port (picked by binding port 0, retried when another
//! process takes it first), keeps every file it writes in its own temp dir (so tests run
//! several at once), is waited for until it answers as itself, and is killed with SIGKILL and
//! reaped on drop. nginx and redis-server come from the Debian packages `nginx` and
//! `redis-server`, installed with apt-get on first use when missing; a server that cannot be
//! installed or started fails the test loudly, with apt's or the server's own log. The system
//! services are never used.

mod blackhole;
mod debian;
mod nginx;
mod process;
mod redis;

pub use blackhole::Blackhole;
pub use nginx::Nginx;
pub use redis::Redis;
