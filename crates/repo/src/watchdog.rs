//! The watchdog that ends our children when this process dies without a chance to (SIGKILL,
//! a crash): one small `sh` per process, in its own process group, reading a pipe on which
//! [`crate::process::run`] announces each child's process group as it starts (`+PGID`) and
//! as it ends (`-PGID`). When the pipe reaches end of file (we exited, however) it sends
//! SIGTERM to every group still announced, then SIGKILL half a second later, and exits.
//!
//! It is up before the first command run is spawned (so no command of ours ever runs without
//! it): started by that command, or a little earlier on a thread of its own by a caller about
//! to run one ([`crate::process::start_watchdog_early`]; `qa` does for the first gate that
//! misses the cache, so that `sh` starts while the gate's log and command are made). A `qa`
//! run answered wholly from the cache starts none. It ignores SIGINT, SIGTERM, SIGHUP and SIGQUIT (a signal meant for
//! us, or for our whole process group, must not take it down first), and holds nothing of ours
//! but the pipe's read end: its standard output and error are `/dev/null`, and the pipe's write
//! end is close-on-exec, so no child keeps it open.
//!
//! What it cannot see: a process that left its group (`setsid`, a daemon), and a child started
//! in the instant between its spawn and its announcement.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// Starts the watchdog unless it runs already; returns once it does (or could not start).
/// Called before every spawn: the first one pays for a `sh`, the others for a lock.
pub(crate) fn start() {
    let _ = pipe();
}

/// Tells the watchdog that process group `pgid` now runs on our behalf.
pub(crate) fn watch(pgid: i32) {
    send(&format!("+{pgid}\n"));
}

/// Tells the watchdog that process group `pgid` has ended.
pub(crate) fn unwatch(pgid: i32) {
    send(&format!("-{pgid}\n"));
}

/// The watchdog's script: track announced groups; on end of file, end them.
const SCRIPT: &str = r#"
trap '' INT TERM HUP QUIT
groups=' '
while IFS= read -r line; do
  case $line in
    +*[!0-9]* | -*[!0-9]* | + | -) ;;
    +*) groups="$groups${line#+} " ;;
    -*) g=${line#-}
        case $groups in *" $g "*) groups="${groups%%" $g "*} ${groups#*" $g "}" ;; esac ;;
  esac
done
[ "$groups" = ' ' ] && exit 0
for g in $groups; do kill -s TERM -- "-$g" 2>/dev/null; done
sleep 0.5 2>/dev/null || sleep 1
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
exit 0
"#;

fn send(line: &str) {
    let mut pipe = pipe().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(stdin) = pipe.as_mut()
        && stdin.write_all(line.as_bytes()).is_err()
    {
        // The watchdog is gone (someone killed it): nothing more to tell it.
        *pipe = None;
    }
}

/// The pipe to the watchdog, started on first use; it holds `None` when `sh` could not start
/// (then children still end with us on every signal we can catch, only not on SIGKILL).
fn pipe() -> &'static Mutex<Option<ChildStdin>> {
    static PIPE: OnceLock<Mutex<Option<ChildStdin>>> = OnceLock::new();
    PIPE.get_or_init(|| {
        // `/bin/sh` by its path where it exists: a search of `PATH` tries every entry before it
        // (ten failed `execve`s on a developer's `PATH`), on the way to the first command.
        let sh = if std::path::Path::new("/bin/sh").exists() {
            "/bin/sh"
        } else {
            "sh"
        };
        let child = Command::new(sh)
            .arg("-c")
            .arg(SCRIPT)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn();
        // The child is never waited for: it outlives us by design and init reaps it.
        Mutex::new(child.ok().and_then(|mut c| c.stdin.take()))
    })
}
