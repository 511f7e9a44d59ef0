//! Starting and stopping a function's execution environment so that it dies whole and none outlives
//! the harness (cognito-semantics.md §12).
//!
//! Each environment leads its own process group and, on Linux where the kernel allows it, runs in
//! its own PID namespace: with `CAP_SYS_ADMIN` directly, otherwise inside a user namespace of its
//! own that maps the harness's ids to themselves (where unprivileged user namespaces are allowed).
//! The spawned process unshares the namespace and forks; the fork (PID 1 of the namespace) runs the
//! function, while the spawned process stays behind as the environment's reaper, mirroring its exit
//! status. When PID 1 dies, the kernel kills every process in the namespace, so helpers the
//! function started, `setsid` daemons and double-forked ones included, die with it. The kernel
//! kills the reaper when the thread that spawned it dies (`PR_SET_PDEATHSIG`), and PID 1 when the
//! reaper dies, which covers a harness killed by any signal. Without a namespace (not permitted, or
//! not Linux) the process group is all there is: a helper that leaves the group with `setsid`
//! survives.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};

use tokio::process::{Child, Command};

/// Spawns `command` with exactly the environment `env` (nothing is inherited from the harness: the
/// caller decides what passes), stdin closed, stdout and stderr piped, as the leader of its own
/// process group and, where the kernel allows, in its own PID namespace (see module doc). Call it
/// from a thread that lives as long as the child should.
pub(super) fn spawn(
    command: &[String],
    env: impl IntoIterator<Item = (String, String)>,
    working_dir: Option<&Path>,
) -> io::Result<Child> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the command is empty"))?;
    let mut cmd = Command::new(resolve(program));
    cmd.env_clear()
        .args(args)
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(dir) = working_dir {
        cmd.current_dir(dir);
    }
    #[cfg(unix)]
    cmd.process_group(0);
    #[cfg(target_os = "linux")]
    {
        let parent = std::process::id() as libc::pid_t;
        let maps = sandbox::IdMaps::current();
        // SAFETY: the closure runs in the forked child and makes only async-signal-safe calls
        // (setpgid, unshare, open, write, close, prctl, getppid, fork, waitpid, signal, _exit);
        // it allocates nothing (the id maps are formatted before the fork).
        unsafe {
            cmd.pre_exec(move || sandbox::enter(parent, &maps));
        }
    }
    cmd.spawn()
}

#[cfg(target_os = "linux")]
mod sandbox {
    use std::io;

    /// The contents of `/proc/self/{uid_map,setgroups,gid_map}` that map the harness's own ids to
    /// themselves in a user namespace, formatted before the fork.
    pub(super) struct IdMaps {
        uid_map: Vec<u8>,
        gid_map: Vec<u8>,
    }

    impl IdMaps {
        pub(super) fn current() -> IdMaps {
            // SAFETY: geteuid and getegid cannot fail.
            let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
            IdMaps {
                uid_map: format!("{uid} {uid} 1\n").into_bytes(),
                gid_map: format!("{gid} {gid} 1\n").into_bytes(),
            }
        }
    }

    /// Runs in the child between fork and exec. Returns in the process that goes on to exec the
    /// function; the reaper, when there is one, never returns.
    pub(super) unsafe fn enter(harness: libc::pid_t, maps: &IdMaps) -> io::Result<()> {
        // Our own group, whatever order std applies `process_group` in.
        libc::setpgid(0, 0);
        let mut namespace = libc::unshare(libc::CLONE_NEWPID) == 0;
        if !namespace && libc::unshare(libc::CLONE_NEWUSER) == 0 {
            // Without CAP_SYS_ADMIN, a user namespace of our own grants it for a PID namespace;
            // our ids map to themselves, so files and the function see the same user.
            write_file(c"/proc/self/uid_map", &maps.uid_map)?;
            write_file(c"/proc/self/setgroups", b"deny")?;
            write_file(c"/proc/self/gid_map", &maps.gid_map)?;
            namespace = libc::unshare(libc::CLONE_NEWPID) == 0;
        }
        // After any change of credentials, which clears it.
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
            return Err(io::Error::last_os_error());
        }
        // The harness may have died between fork and prctl: then nobody would kill us.
        if libc::getppid() != harness {
            libc::_exit(1);
        }
        if !namespace {
            // Not permitted or not supported: the process group must do.
            return Ok(());
        }
        match libc::fork() {
            -1 => Err(io::Error::last_os_error()),
            0 => {
                // PID 1 of the new namespace: dies with the reaper, takes the namespace with it.
                // (Its parent is outside the namespace, so getppid cannot check it is still there;
                // the reaper only dies by the harness's hand after spawn returns, or with it.)
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            }
            function => reap(function),
        }
    }

    /// Writes `contents` to `path` in one write, as the /proc id-map files require.
    unsafe fn write_file(path: &std::ffi::CStr, contents: &[u8]) -> io::Result<()> {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let written = libc::write(fd, contents.as_ptr().cast(), contents.len());
        let error = io::Error::last_os_error();
        libc::close(fd);
        if written != contents.len() as isize {
            return Err(error);
        }
        Ok(())
    }

    /// The reaper: lets go of every descriptor (the pipe std uses to report exec errors among
    /// them, so `spawn` returns once the function has exec'd), waits for the function, and exits
    /// as it did.
    unsafe fn reap(function: libc::pid_t) -> ! {
        if libc::syscall(libc::SYS_close_range, 0u32, u32::MAX, 0u32) != 0 {
            for fd in 0..4096 {
                libc::close(fd);
            }
        }
        // The harness's handlers (tokio's among them) are no use here.
        for signal in 1..32 {
            if signal != libc::SIGKILL && signal != libc::SIGSTOP {
                libc::signal(signal, libc::SIG_DFL);
            }
        }
        let mut status = 0;
        loop {
            let reaped = libc::waitpid(function, &mut status, 0);
            if reaped == function {
                break;
            }
            if reaped == -1 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                libc::_exit(127);
            }
        }
        if libc::WIFSIGNALED(status) {
            let signal = libc::WTERMSIG(status);
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, signal);
            libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            libc::kill(libc::getpid(), signal);
            libc::_exit(128 + signal);
        }
        libc::_exit(libc::WEXITSTATUS(status))
    }
}

/// Waits (blocking) until `pid` has exited, without reaping it: while it is a zombie its process
/// group id cannot be reused, so what is left of the group can still be killed safely.
pub(super) fn wait_exited(pid: u32) {
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

/// The process that runs the function in the environment spawned as `pid`: the reaper's child,
/// PID 1 of its namespace, when there is a reaper; `pid` itself otherwise.
pub(super) fn function_pid(pid: u32) -> u32 {
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"));
    let first = children
        .ok()
        .and_then(|c| c.split_whitespace().next().and_then(|p| p.parse().ok()));
    match first {
        Some(child) if namespace_pid(child) == Some(1) => child,
        _ => pid,
    }
}

/// A process's id inside its own PID namespace, when that namespace is not ours.
pub(super) fn namespace_pid(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let ids: Vec<&str> = status
        .lines()
        .find_map(|line| line.strip_prefix("NSpid:"))?
        .split_whitespace()
        .collect();
    match ids.as_slice() {
        [_, .., inner] if ids.len() > 1 => inner.parse().ok(),
        _ => None,
    }
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
