//! Running commands: argv (never a shell string unless asked), each child in its own process
//! group, an optional timeout (SIGTERM to the group, SIGKILL after a grace), output captured or
//! sent to a log file, and Ctrl-C turned into a flag every wait checks.
//!
//! When a child exits, whatever it left running in its process group is ended too, so a
//! command's processes never outlive it.
//!
//! Signals: once [`install_interrupt_handler`] ran, SIGINT, SIGTERM, SIGHUP and SIGQUIT only set
//! the flag behind [`interrupted`]; every running command's group then gets SIGTERM and, after
//! [`INTERRUPT_GRACE`] (not the timeout's [`DEFAULT_GRACE`]), SIGKILL, so Ctrl-C ends everything
//! within a second even when a child ignores SIGTERM. A signal we cannot catch (SIGKILL) is
//! covered by a watchdog (`watchdog.rs`): each group is announced to it as it starts, and it
//! ends the groups still running when this process is gone. A process that left its group
//! (`setsid`, a daemon) is out of reach of all of these.
//!
//! Captured output is read until the command's process group has ended, not until end of
//! file: a process left behind outside the group (`setsid cmd &`) may hold the pipes open for
//! ever, and must not hang the caller (`process/capture.rs`).

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::watchdog;

mod capture;
mod exit;

/// How long a process group gets between SIGTERM and SIGKILL.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);

/// The grace once we are interrupted (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT): short, so that the
/// user gets the prompt back within a second whatever the children do.
pub const INTERRUPT_GRACE: Duration = Duration::from_millis(500);

/// A command: a program and its arguments, a working directory and extra environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmd {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(OsString, OsString)>,
    /// Start from an empty environment: the child sees only `env`.
    pub env_clear: bool,
}

impl Cmd {
    pub fn new(program: impl Into<OsString>) -> Cmd {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            cwd: None,
            env: Vec::new(),
            env_clear: false,
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Cmd {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Cmd {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Cmd {
        self.cwd = Some(dir.into());
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Cmd {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The command line as one would paste it into a POSIX shell: environment assignments,
    /// then each word quoted only when it needs to be. The working directory is not included.
    /// A key that is not a shell variable name is passed through `env 'K=V'`, so the line
    /// never runs a key as a command.
    pub fn display(&self) -> String {
        let odd = self
            .env
            .iter()
            .any(|(k, _)| !is_env_name(&k.to_string_lossy()));
        let env = self.env.iter().map(|(k, v)| {
            if odd {
                let mut pair = k.clone();
                pair.push("=");
                pair.push(v);
                quote(&pair)
            } else {
                format!("{}={}", k.to_string_lossy(), quote(v))
            }
        });
        let words = std::iter::once(&self.program)
            .chain(&self.args)
            .map(|w| quote(w));
        let prefix = odd.then(|| "env".to_string());
        prefix
            .into_iter()
            .chain(env)
            .chain(words)
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn to_command(&self) -> Command {
        let mut command = match self.program_on_own_path() {
            // The child's own `PATH` is searched here, so that std can start it with
            // `posix_spawn` (a vfork) rather than a fork of this whole process, which it must
            // do to search a `PATH` other than ours. `argv[0]` stays the name as given.
            Some(resolved) => {
                let mut command = Command::new(resolved);
                command.arg0(&self.program);
                command
            }
            None => Command::new(&self.program),
        };
        command.args(&self.args);
        if let Some(cwd) = &self.cwd {
            command.current_dir(cwd);
        }
        if self.env_clear {
            command.env_clear();
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command.stdin(Stdio::null());
        command.process_group(0);
        command
    }
}

impl Cmd {
    /// The program's path on the `PATH` this command sets for its child, when it sets one and
    /// the program is a bare name found there.
    fn program_on_own_path(&self) -> Option<PathBuf> {
        if self.program.as_encoded_bytes().contains(&b'/') {
            return None;
        }
        let (_, path_var) = self.env.iter().rev().find(|(k, _)| k == "PATH")?;
        let cwd = match &self.cwd {
            Some(cwd) => cwd.clone(),
            None => std::env::current_dir().ok()?,
        };
        resolve_program(&self.program, &cwd, Some(path_var))
    }
}

/// Whether `key` is a name a POSIX shell takes in a `KEY=value` assignment:
/// `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_env_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Quotes one word for a POSIX shell, leaving it bare when it is safe.
pub fn quote(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@%".contains(c));
    if safe {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Splits a command string by shell-word rules (quotes, backslashes), without a shell.
pub fn split(line: &str) -> Option<Vec<String>> {
    shlex::split(line)
}

/// Where a child's output goes.
#[derive(Debug)]
pub enum Output {
    /// Captured separately into [`Finished::stdout`] and [`Finished::stderr`].
    Capture,
    /// Both streams, interleaved as written, into this file.
    Log(File),
}

/// How to run a command.
#[derive(Debug)]
pub struct RunOptions {
    pub output: Output,
    /// Kill the command's process group after this long.
    pub timeout: Option<Duration>,
    /// Time between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// The child's standard input (`/dev/null` when `None`): a file to read, such as the
    /// contents a formatter formats from its stdin.
    pub stdin: Option<File>,
}

impl RunOptions {
    pub fn capture() -> RunOptions {
        RunOptions {
            output: Output::Capture,
            timeout: None,
            grace: DEFAULT_GRACE,
            stdin: None,
        }
    }

    pub fn log(file: File) -> RunOptions {
        RunOptions {
            output: Output::Log(file),
            timeout: None,
            grace: DEFAULT_GRACE,
            stdin: None,
        }
    }

    pub fn timeout(mut self, timeout: Option<Duration>) -> RunOptions {
        self.timeout = timeout;
        self
    }

    /// The child reads its standard input from `file`.
    pub fn stdin(mut self, file: File) -> RunOptions {
        self.stdin = Some(file);
        self
    }
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// It exited with this code.
    Exited(i32),
    /// A signal it did not ask for ended it (not our timeout or interrupt).
    Signalled(i32),
    /// Its timeout ran out and its process group was killed.
    TimedOut,
    /// Ctrl-C (or SIGTERM) reached us and its process group was killed.
    Interrupted,
}

impl End {
    pub fn success(self) -> bool {
        self == End::Exited(0)
    }
}

/// A finished command.
#[derive(Debug)]
pub struct Finished {
    pub end: End,
    pub duration: Duration,
    /// Captured output ([`Output::Capture`] only).
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// A command that could not be started.
#[derive(Debug, thiserror::Error)]
#[error("could not start `{command}`: {reason}")]
pub struct SpawnError {
    pub command: String,
    pub reason: String,
    #[source]
    pub source: io::Error,
}

/// Runs `cmd` to its end: exit, timeout or interrupt.
pub fn run(cmd: &Cmd, options: RunOptions) -> Result<Finished, SpawnError> {
    Ok(start(cmd, options)?.wait())
}

/// Starts `cmd` and returns at once, for a caller with other work to do while it runs;
/// [`Running::wait`] then waits for its end as [`run`] does. The timeout counts from here.
pub fn start(cmd: &Cmd, options: RunOptions) -> Result<Running, SpawnError> {
    let mut command = cmd.to_command();
    let capture = matches!(options.output, Output::Capture);
    if let Some(file) = options.stdin {
        command.stdin(file);
    }
    match options.output {
        Output::Capture => {
            command.stdout(Stdio::piped()).stderr(Stdio::piped());
        }
        Output::Log(file) => {
            let err = file.try_clone().map_err(|e| spawn_error(cmd, e))?;
            command.stdout(file).stderr(err);
        }
    }
    let started = Instant::now();
    // Up before the child: a SIGKILL of ours at any later instant still ends it.
    watchdog::start();
    let mut child = command.spawn().map_err(|e| spawn_error(cmd, e))?;
    let pgid = Pid::from_raw(child.id() as i32);
    watchdog::watch(pgid.as_raw());
    // Dropping `command` closes our copies of the log file descriptors.
    drop(command);
    let reader = capture.then(|| {
        capture::start(
            child.stdout.take().expect("piped"),
            child.stderr.take().expect("piped"),
        )
    });
    Ok(Running {
        inner: Some(Started {
            child,
            pgid,
            reader,
            started,
            timeout: options.timeout,
            grace: options.grace,
        }),
    })
}

/// A command [`start`] started. Dropped before [`Running::wait`] (its caller gave up on it),
/// its process group is killed and the child reaped.
#[derive(Debug)]
pub struct Running {
    inner: Option<Started>,
}

#[derive(Debug)]
struct Started {
    child: Child,
    pgid: Pid,
    reader: Option<capture::Reader>,
    started: Instant,
    timeout: Option<Duration>,
    grace: Duration,
}

impl Running {
    /// Waits for the command's end: exit, timeout or interrupt.
    pub fn wait(mut self) -> Finished {
        let Started {
            child,
            pgid,
            reader,
            started,
            timeout,
            grace,
        } = self.inner.take().expect("waited once");
        let end = wait(child, pgid, timeout, grace, started);
        watchdog::unwatch(pgid.as_raw());
        // The group is gone: take what it wrote, without waiting for an end of file that a
        // process outside the group may hold back.
        let (stdout, stderr) = reader.map(capture::Reader::finish).unwrap_or_default();
        Finished {
            end,
            duration: started.elapsed(),
            stdout,
            stderr,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut started) = self.inner.take() {
            let _ = killpg(started.pgid, Signal::SIGKILL);
            let _ = started.child.wait();
            watchdog::unwatch(started.pgid.as_raw());
            drop(started.reader.map(capture::Reader::finish));
        }
    }
}

/// Starts the watchdog (`watchdog.rs`) on a thread of its own (once per process), for a caller
/// about to run a command: its `sh` then starts while the caller prepares the command, instead
/// of on the way to it. The command still waits for it if it is not up yet, so no command runs
/// without it.
pub fn start_watchdog_early() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        thread::spawn(watchdog::start);
    });
}

/// The path of `program` on `PATH`, or `program` itself when it names a file.
pub fn which(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Path::new(program).is_file().then(|| PathBuf::from(program));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

/// Where `program` resolves for a process started in `cwd` with `PATH` = `path_var`, as
/// `execvp` finds it: a name with a `/` is taken relative to `cwd`; otherwise the first
/// executable file in `PATH` (an empty or relative entry is relative to `cwd`).
pub fn resolve_program(program: &OsStr, cwd: &Path, path_var: Option<&OsStr>) -> Option<PathBuf> {
    if program.as_encoded_bytes().contains(&b'/') {
        let p = cwd.join(program);
        return is_executable(&p).then_some(p);
    }
    std::env::split_paths(path_var?)
        .map(|dir| cwd.join(dir).join(program))
        .find(|p| is_executable(p))
}

/// Installs the SIGINT/SIGTERM/SIGHUP/SIGQUIT handler behind [`interrupted`]. Once installed,
/// none of them kills this process: every running command is ended and the caller finishes
/// its reports, then exits 130.
pub fn install_interrupt_handler() -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let flag = interrupt_flag();
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
        signal_hook::flag::register(signal, Arc::clone(flag))?;
    }
    Ok(())
}

/// Whether Ctrl-C (or SIGTERM, SIGHUP, SIGQUIT) has reached this process since the handler
/// was installed.
pub fn interrupted() -> bool {
    interrupt_flag().load(Ordering::SeqCst)
}

fn interrupt_flag() -> &'static Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// How often a wait looks at the interrupt flag.
const POLL: Duration = Duration::from_millis(20);

fn wait(
    child: Child,
    pgid: Pid,
    timeout: Option<Duration>,
    grace: Duration,
    started: Instant,
) -> End {
    let mut exit = exit::Watch::new(child);
    let deadline = timeout.map(|t| started + t);
    let mut killed: Option<End> = None;
    let status = loop {
        let step = match (killed, deadline) {
            (None, Some(deadline)) => deadline.saturating_duration_since(Instant::now()).min(POLL),
            _ => POLL,
        };
        if let Some(status) = exit.wait(step) {
            break status;
        }
        if killed.is_none() {
            let why = if interrupted() {
                Some(End::Interrupted)
            } else if deadline.is_some_and(|d| Instant::now() >= d) {
                Some(End::TimedOut)
            } else {
                None
            };
            if let Some(why) = why {
                killed = Some(why);
                terminate_group(pgid, grace);
            }
        }
    };
    // The leader is gone; end what it left behind in its group. After a kill the group has
    // already had its SIGTERM, grace and SIGKILL: what remains are zombies awaiting their reaper.
    if killed.is_none() && group_alive(pgid) {
        terminate_group(pgid, grace);
    }
    if let Some(why) = killed {
        return why;
    }
    match status {
        Some(status) => end_of(status),
        None => End::Signalled(0),
    }
}

fn end_of(status: ExitStatus) -> End {
    match (status.code(), status.signal()) {
        (Some(code), _) => End::Exited(code),
        (None, Some(signal)) => End::Signalled(signal),
        (None, None) => End::Signalled(0),
    }
}

/// SIGTERM to the group, then SIGKILL once `grace` has passed with any member still alive;
/// once we are interrupted, the grace is at most [`INTERRUPT_GRACE`].
fn terminate_group(pgid: Pid, grace: Duration) {
    if killpg(pgid, Signal::SIGTERM).is_err() {
        return;
    }
    let sent = Instant::now();
    loop {
        if !group_alive(pgid) {
            return;
        }
        let waited = sent.elapsed();
        if waited >= grace || (waited >= INTERRUPT_GRACE && interrupted()) {
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    let _ = killpg(pgid, Signal::SIGKILL);
}

/// Whether process `pid` has ended: it is gone, or a zombie waiting for its reaper (Linux,
/// from `/proc/PID/stat`; where that cannot be read the process counts as gone).
pub fn has_ended(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        // The state follows the command name, which is in parentheses and may hold anything.
        stat.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

fn group_alive(pgid: Pid) -> bool {
    killpg(pgid, None).is_ok()
}

fn spawn_error(cmd: &Cmd, source: io::Error) -> SpawnError {
    let program = cmd.program.to_string_lossy();
    let reason = match source.kind() {
        io::ErrorKind::NotFound => match &cmd.cwd {
            Some(cwd) if !cwd.is_dir() => {
                format!("working directory {} does not exist", cwd.display())
            }
            _ => format!("`{program}` was not found on PATH"),
        },
        io::ErrorKind::PermissionDenied => format!("`{program}` is not executable"),
        _ => source.to_string(),
    };
    SpawnError {
        command: cmd.display(),
        reason,
        source,
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Cmd {
        Cmd::new("sh").arg("-c").arg(script)
    }

    #[test]
    fn captures_output_and_exit_code() {
        let done = run(&sh("echo out; echo err >&2; exit 3"), RunOptions::capture()).unwrap();
        assert_eq!(done.end, End::Exited(3));
        assert_eq!(done.stdout, b"out\n");
        assert_eq!(done.stderr, b"err\n");
    }

    #[test]
    fn log_interleaves_both_streams() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let file = File::create(&log).unwrap();
        let done = run(
            &sh("echo one; echo two >&2; echo three"),
            RunOptions::log(file),
        )
        .unwrap();
        assert!(done.end.success());
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "one\ntwo\nthree\n");
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        // A grandchild that ignores SIGTERM must still be gone afterwards.
        let script = format!(
            "sh -c 'trap \"\" TERM; echo $$ > {}; sleep 30' & sleep 30",
            pidfile.display()
        );
        let options = RunOptions {
            output: Output::Capture,
            timeout: Some(Duration::from_millis(300)),
            grace: Duration::from_millis(200),
            stdin: None,
        };
        let done = run(&sh(&script), options).unwrap();
        assert_eq!(done.end, End::TimedOut);
        assert!(
            done.duration < Duration::from_secs(5),
            "{:?}",
            done.duration
        );
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // SIGKILL is delivered asynchronously and the orphan is reaped by init: allow a moment.
        let gone = || has_ended(pid);
        let until = Instant::now() + Duration::from_secs(2);
        while !gone() && Instant::now() < until {
            thread::sleep(Duration::from_millis(10));
        }
        assert!(gone(), "grandchild {pid} still alive");
    }

    #[test]
    fn a_detached_child_holding_the_pipes_does_not_hang_a_capture() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let script = format!(
            "setsid sh -c 'echo $$ > {}; exec sleep 1000' & echo hi; echo err >&2",
            pidfile.display()
        );
        let options = RunOptions::capture().timeout(Some(Duration::from_secs(60)));
        let done = run(&sh(&script), options).unwrap();
        let pid = std::fs::read_to_string(&pidfile).ok();
        if let Some(pid) = pid.as_deref().and_then(|p| p.trim().parse::<i32>().ok()) {
            let _ = nix::sys::signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        assert_eq!(done.end, End::Exited(0));
        assert_eq!(done.stdout, b"hi\n");
        assert_eq!(done.stderr, b"err\n");
        assert!(
            done.duration < Duration::from_secs(30),
            "{:?}",
            done.duration
        );
    }

    #[test]
    fn a_program_is_found_on_the_path_the_command_sets_and_keeps_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(which("cat").unwrap(), bin.join("mycat")).unwrap();
        // Found only on the child's PATH, started under the name it was given.
        let mut cmd = Cmd::new("mycat")
            .arg("/proc/self/cmdline")
            .env("PATH", "bin");
        cmd.env_clear = true;
        let cmd = cmd.cwd(dir.path());
        let done = run(&cmd, RunOptions::capture()).unwrap();
        assert!(done.end.success(), "{done:?}");
        assert_eq!(done.stdout, b"mycat\0/proc/self/cmdline\0");
        // Not on that PATH: the spawn fails, as exec would.
        let mut missing = Cmd::new("cat").env("PATH", "bin");
        missing.env_clear = true;
        assert!(run(&missing.cwd(dir.path()), RunOptions::capture()).is_err());
    }

    #[test]
    fn a_started_command_runs_while_the_caller_works() {
        let dir = tempfile::tempdir().unwrap();
        let flag = dir.path().join("flag");
        // It ends only once the caller, after `start` returned, has made the file.
        let waiting = start(
            &sh(&format!(
                "while [ ! -e {0} ]; do sleep 0.01; done; echo saw it",
                flag.display()
            )),
            RunOptions::capture().timeout(Some(Duration::from_secs(20))),
        )
        .unwrap();
        let made = run(&Cmd::new("touch").arg(&flag), RunOptions::capture()).unwrap();
        assert!(made.end.success());
        let done = waiting.wait();
        assert_eq!(done.end, End::Exited(0));
        assert_eq!(done.stdout, b"saw it\n");
    }

    #[test]
    fn a_started_command_dropped_unwaited_is_killed_with_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let running = start(
            &sh(&format!(
                "sh -c 'echo $$ > {0}.tmp; mv {0}.tmp {0}; sleep 30' & sleep 30",
                pidfile.display()
            )),
            RunOptions::capture(),
        )
        .unwrap();
        let until = Instant::now() + Duration::from_secs(10);
        while !pidfile.exists() && Instant::now() < until {
            thread::sleep(Duration::from_millis(10));
        }
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let started = Instant::now();
        drop(running);
        assert!(started.elapsed() < Duration::from_secs(5));
        let gone = || has_ended(pid);
        let until = Instant::now() + Duration::from_secs(2);
        while !gone() && Instant::now() < until {
            thread::sleep(Duration::from_millis(10));
        }
        assert!(gone(), "grandchild {pid} still alive");
    }

    #[test]
    fn missing_program_is_a_spawn_error() {
        let err = run(&Cmd::new("no-such-program-xyz"), RunOptions::capture()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "could not start `no-such-program-xyz`: `no-such-program-xyz` was not found on PATH"
        );
    }

    #[test]
    fn display_quotes_what_needs_it() {
        let cmd = Cmd::new("cargo")
            .args(["doc", "--workspace", "it's here"])
            .env("RUSTDOCFLAGS", "-D warnings");
        assert_eq!(
            cmd.display(),
            r"RUSTDOCFLAGS='-D warnings' cargo doc --workspace 'it'\''s here'"
        );
        assert_eq!(split("a 'b c' \"d\"").unwrap(), ["a", "b c", "d"]);
        let odd = Cmd::new("true").env("A;touch x;B", "1").env("OK", "2");
        assert_eq!(odd.display(), "env 'A;touch x;B=1' OK=2 true");
    }

    #[test]
    fn has_ended_tells_running_from_zombie_and_gone() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id() as i32;
        assert!(!has_ended(pid), "a running child has not ended");
        child.kill().unwrap();
        // Killed but not yet waited for: a zombie, which has ended.
        let until = Instant::now() + Duration::from_secs(2);
        while !has_ended(pid) && Instant::now() < until {
            thread::sleep(Duration::from_millis(10));
        }
        assert!(has_ended(pid), "a killed child is a zombie");
        child.wait().unwrap();
        assert!(has_ended(pid), "a reaped child is gone");
    }
}
