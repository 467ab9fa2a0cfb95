//! The watchdog that ends our children when this process dies without a chance to (SIGKILL,
//! a crash): one small `sh` per process, in its own process group, reading a pipe on which
//! [`crate::process::run`] announces each child's process group as it starts (`+PGID`) and
//! as it ends (`-PGID`). When the pipe reaches end of file (we exited, however) it sends
//! SIGTERM to every group still announced, then SIGKILL half a second later, and exits.
//!
//! It is started by the first command run, on a thread of its own so that no command waits
//! for it (announcements made before it is up are queued and sent once it is); a run that
//! starts no command (every gate answered from the cache) starts no watchdog. It ignores
//! SIGINT, SIGTERM, SIGHUP and SIGQUIT (a signal meant for us, or for our whole process group,
//! must not take it down first), and holds nothing of ours but the pipe's read end: its
//! standard output and error are `/dev/null`, and the pipe's write end is close-on-exec, so no
//! child keeps it open.
//!
//! What it cannot see: a process that left its group (`setsid`, a daemon), and a child running
//! in the first instants of a run, between its spawn and the watchdog's own start (about a
//! millisecond).

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;

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

/// Where the watchdog stands in this process.
enum Phase {
    NotStarted,
    /// Being spawned; announcements wait in `pending`.
    Starting,
    Up(ChildStdin),
    /// It could not start, or it is gone (someone killed it): nothing more to tell it. Children
    /// still end with us on every signal we can catch, only not on SIGKILL.
    Gone,
}

struct State {
    phase: Phase,
    pending: String,
}

static STATE: Mutex<State> = Mutex::new(State {
    phase: Phase::NotStarted,
    pending: String::new(),
});

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

fn send(line: &str) {
    let mut state = state();
    match &mut state.phase {
        Phase::Up(stdin) => {
            if stdin.write_all(line.as_bytes()).is_err() {
                state.phase = Phase::Gone;
            }
        }
        Phase::Starting => state.pending.push_str(line),
        Phase::NotStarted => {
            state.pending.push_str(line);
            state.phase = Phase::Starting;
            drop(state);
            std::thread::spawn(start);
        }
        Phase::Gone => {}
    }
}

/// Spawns the watchdog and hands it what was announced meanwhile.
fn start() {
    let child = Command::new("sh")
        .arg("-c")
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    // The child is never waited for: it outlives us by design and init reaps it.
    let stdin = child.ok().and_then(|mut c| c.stdin.take());
    let mut state = state();
    let pending = std::mem::take(&mut state.pending);
    state.phase = match stdin {
        Some(mut stdin) => match stdin.write_all(pending.as_bytes()) {
            Ok(()) => Phase::Up(stdin),
            Err(_) => Phase::Gone,
        },
        None => Phase::Gone,
    };
}
