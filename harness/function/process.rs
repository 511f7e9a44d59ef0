//! Starting and stopping a function's execution environment so that it dies whole and none outlives
//! the harness (cognito-semantics.md §12).
//!
//! Each environment leads its own process group and, on Linux where the kernel allows it, runs as
//! PID 1 of a PID namespace of its own: with `CAP_SYS_ADMIN` directly, otherwise inside a user
//! namespace of its own that maps the harness's ids to themselves (where unprivileged user
//! namespaces are allowed). When PID 1 dies, the kernel kills every process in the namespace, so
//! helpers the function started, `setsid` daemons and double-forked ones included, die with it.
//! The kernel kills the function when the thread that spawned it dies (`PR_SET_PDEATHSIG`), which
//! covers a harness killed by any signal. Without a namespace (not permitted) the process group is
//! all there is: a helper that leaves the group with `setsid` survives.
//!
//! On Linux the process is started the way `posix_spawn` starts one, with `clone(CLONE_VM |
//! CLONE_VFORK)`, and the namespace comes with the clone: the harness's memory is never copied
//! (a fork of a harness with many scenarios in flight copies its page tables and then takes a
//! copy-on-write fault for every page either side writes), and no reaper process stands between
//! the harness and the function. The harness learns of its exit through a pidfd (Linux 5.3); kernels
//! without `CLONE_PIDFD` and other Unixes get a plain spawn in a process group of its own.

use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};

use tokio::process::Command;

/// A running environment's process: its id, the read ends of its stdout and stderr, and its exit.
pub(super) struct Spawned {
    /// The process's id in the harness's PID namespace.
    pub(super) pid: u32,
    /// The read end of its stdout.
    pub(super) stdout: Option<OwnedFd>,
    /// The read end of its stderr.
    pub(super) stderr: Option<OwnedFd>,
    exit: Exit,
}

/// How the harness learns that the process exited. Either way it is killed if dropped unreaped.
enum Exit {
    #[cfg(target_os = "linux")]
    Pidfd(sandbox::Pidfd),
    Child(tokio::process::Child),
}

impl Spawned {
    /// Waits until the process exits, kills what it left in its process group (while the exited
    /// leader is not yet reaped its group id cannot be reused), then reaps it.
    pub(super) async fn wait(&mut self) -> io::Result<ExitStatus> {
        match &mut self.exit {
            #[cfg(target_os = "linux")]
            Exit::Pidfd(pidfd) => {
                pidfd.exited().await?;
                kill_group(self.pid);
                pidfd.reap()
            }
            Exit::Child(child) => {
                let pid = self.pid;
                let _ = tokio::task::spawn_blocking(move || wait_exited(pid)).await;
                kill_group(pid);
                child.wait().await
            }
        }
    }
}

/// Spawns `command` with exactly the environment `env` (nothing is inherited from the harness: the
/// caller decides what passes; a name given twice keeps its last value), stdin closed, stdout and
/// stderr piped, as the leader of its own process group and, where the kernel allows, as PID 1 of
/// its own PID namespace (see module doc). Call it from a thread that lives as long as the child
/// should, inside a tokio runtime.
pub(super) fn spawn(
    command: &[String],
    env: impl IntoIterator<Item = (String, String)>,
    working_dir: Option<&Path>,
) -> io::Result<Spawned> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the command is empty"))?;
    // Sorted and deduplicated as std's Command passes it.
    let env: std::collections::BTreeMap<String, String> = env.into_iter().collect();
    #[cfg(target_os = "linux")]
    if let Some(spawned) = sandbox::spawn(&resolve(program), args, &env, working_dir)? {
        return Ok(spawned);
    }
    spawn_plain(&resolve(program), args, &env, working_dir)
}

/// The spawn without a sandbox: a process group of its own, and tokio to wait for its exit.
fn spawn_plain(
    program: &Path,
    args: &[String],
    env: &std::collections::BTreeMap<String, String>,
    working_dir: Option<&Path>,
) -> io::Result<Spawned> {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .args(args)
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0);
    if let Some(dir) = working_dir {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn()?;
    Ok(Spawned {
        pid: child.id().unwrap_or_default(),
        stdout: child.stdout.take().and_then(|out| out.into_owned_fd().ok()),
        stderr: child.stderr.take().and_then(|err| err.into_owned_fd().ok()),
        exit: Exit::Child(child),
    })
}

#[cfg(target_os = "linux")]
mod sandbox;

/// Waits (blocking) until `pid` has exited, without reaping it: while it is a zombie its process
/// group id cannot be reused, so what is left of the group can still be killed safely.
fn wait_exited(pid: u32) {
    #[cfg(unix)]
    loop {
        // SAFETY: siginfo_t is plain data; waitid only writes it.
        let result = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if result == 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return;
        }
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// The peak resident memory of a process, in MB, for Lambda's `Max Memory Used`.
pub(super) fn max_memory_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb.div_ceil(1024))
}

/// A relative program path with a directory part (`target/release/f`) is taken from the harness's
/// working directory, not the child's, which the platform leaves unspecified.
fn resolve(program: &str) -> PathBuf {
    let path = Path::new(program);
    if path.is_relative() && path.components().count() > 1 {
        if let Ok(cwd) = std::env::current_dir() {
            return cwd.join(path);
        }
    }
    path.to_path_buf()
}

/// Kills the process group led by `pid`. The caller must know the leader has not been reaped yet,
/// or the group id may belong to someone else.
pub(super) fn kill_group(pid: u32) {
    // kill(-0) would be our own group.
    if pid == 0 {
        return;
    }
    #[cfg(unix)]
    // SAFETY: kill has no memory-safety preconditions.
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
    }
    #[cfg(not(unix))]
    let _ = pid; // Elsewhere `kill_on_drop` on the child is all there is.
}

/// How an exit status reads in Lambda's `Runtime exited with error: ...` (Go's ProcessState text).
pub(super) fn describe_exit(status: &ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                libc::SIGHUP => "hangup",
                libc::SIGINT => "interrupt",
                libc::SIGILL => "illegal instruction",
                libc::SIGABRT => "aborted",
                libc::SIGBUS => "bus error",
                libc::SIGFPE => "floating point exception",
                libc::SIGKILL => "killed",
                libc::SIGSEGV => "segmentation fault",
                libc::SIGPIPE => "broken pipe",
                libc::SIGTERM => "terminated",
                other => return format!("signal: signal {other}"),
            };
            return format!("signal: {name}");
        }
    }
    status.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn exit_statuses_read_like_lambda() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            describe_exit(&ExitStatus::from_raw(3 << 8)),
            "exit status 3"
        );
        assert_eq!(
            describe_exit(&ExitStatus::from_raw(libc::SIGKILL)),
            "signal: killed"
        );
        assert_eq!(
            describe_exit(&ExitStatus::from_raw(libc::SIGSEGV)),
            "signal: segmentation fault"
        );
    }
}
