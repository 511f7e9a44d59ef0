//! Starting and stopping a function's process so that none outlives the harness: each child leads
//! its own process group (killed as a whole), and on Linux the kernel kills it when the thread that
//! spawned it dies (`PR_SET_PDEATHSIG`), which covers a harness that is itself killed.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};

use tokio::process::{Child, Command};

/// Variables every Lambda runtime defines that the harness can give the same value
/// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
pub(super) const LAMBDA_DEFAULTS: [(&str, &str); 3] = [
    ("LANG", "en_US.UTF-8"),
    ("TZ", ":UTC"),
    ("LAMBDA_RUNTIME_DIR", "/var/runtime"),
];

/// The only variables taken from the harness's environment: where programs and libraries are.
const PASSED_THROUGH: [&str; 2] = ["PATH", "LD_LIBRARY_PATH"];

/// Spawns `command` with Lambda's environment: `env` (the Lambda variables and the function's
/// own), the variables every Lambda runtime defines ([`LAMBDA_DEFAULTS`]), and from the harness's
/// environment only `PATH` and `LD_LIBRARY_PATH`, so interpreters are found. The developer's
/// credentials, `AWS_PROFILE`, tokens and `RUST_BACKTRACE` never reach the function, as they do not
/// on Lambda. stdin is closed, stdout and stderr are piped. Call it from a thread that lives as long
/// as the child should (see module doc).
pub(super) fn spawn(
    command: &[String],
    env: impl IntoIterator<Item = (String, String)>,
    working_dir: Option<&Path>,
) -> io::Result<Child> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the command is empty"))?;
    let mut cmd = Command::new(resolve(program));
    cmd.env_clear();
    for name in PASSED_THROUGH {
        if let Some(value) = std::env::var_os(name) {
            cmd.env(name, value);
        }
    }
    cmd.args(args)
        .envs(LAMBDA_DEFAULTS)
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
        // SAFETY: the closure only makes async-signal-safe calls (prctl, getppid, _exit).
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(io::Error::last_os_error());
                }
                // The harness may have died between fork and prctl: then nobody would kill us.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }
    cmd.spawn()
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
