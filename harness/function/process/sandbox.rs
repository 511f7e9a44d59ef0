//! The Linux spawn: `clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD)`, with the PID namespace (and,
//! without `CAP_SYS_ADMIN`, a user namespace) in the same call, then exec. The child shares the
//! harness's memory until it execs, as a `posix_spawn` child does, so it runs only raw system
//! calls on data prepared before the clone: it allocates nothing and touches nothing another
//! thread could be changing.

use std::collections::BTreeMap;
use std::ffi::{c_int, c_void, CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, PoisonError};

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

use super::{Exit, Spawned};

/// The child's stack until it execs; the calls it makes need a few KB.
const CHILD_STACK: usize = 64 * 1024;

/// How the process is isolated, strongest first: each is tried until the kernel allows one.
const ISOLATIONS: [c_int; 3] = [
    libc::CLONE_NEWPID,
    libc::CLONE_NEWUSER | libc::CLONE_NEWPID,
    0,
];

/// A started process's pidfd, registered with the runtime that spawned it: readable once the
/// process has exited. The process is waited for by pid, which the pidfd keeps from being reused.
pub(super) struct Pidfd {
    fd: Option<AsyncFd<OwnedFd>>,
    pid: libc::pid_t,
    reaped: bool,
}

impl Pidfd {
    /// Waits until the process has exited, without reaping it.
    pub(super) async fn exited(&mut self) -> io::Result<()> {
        match &self.fd {
            Some(fd) => fd.readable().await.map(|mut guard| guard.retain_ready()),
            None => Ok(()),
        }
    }

    /// Reaps the exited process: its exit status.
    pub(super) fn reap(&mut self) -> io::Result<ExitStatus> {
        let status = loop {
            if let Some(status) = wait(self.pid, 0)? {
                break status;
            }
        };
        self.reaped = true;
        Ok(status)
    }
}

impl Drop for Pidfd {
    /// Like tokio's `kill_on_drop`: a process dropped unreaped is killed, and reaped later.
    fn drop(&mut self) {
        let Some(fd) = self.fd.take() else { return };
        if self.reaped {
            return;
        }
        let fd = fd.into_inner();
        // SAFETY: the pidfd is ours and refers to our unreaped child.
        unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                fd.as_raw_fd(),
                libc::SIGKILL,
                std::ptr::null::<libc::siginfo_t>(),
                0u32,
            );
        }
        lock_orphans().push((self.pid, fd));
        reap_orphans();
    }
}

/// Killed processes not reaped yet (each with the pidfd that keeps its pid ours); each spawn reaps
/// those that have exited since.
static ORPHANS: Mutex<Vec<(libc::pid_t, OwnedFd)>> = Mutex::new(Vec::new());

fn lock_orphans() -> std::sync::MutexGuard<'static, Vec<(libc::pid_t, OwnedFd)>> {
    ORPHANS.lock().unwrap_or_else(PoisonError::into_inner)
}

fn reap_orphans() {
    lock_orphans().retain(|&(pid, _)| matches!(wait(pid, libc::WNOHANG), Ok(None)));
}

/// `waitid(P_PID)` for our child `pid`: its exit status, or `None` if `WNOHANG` found it running.
fn wait(pid: libc::pid_t, flags: c_int) -> io::Result<Option<ExitStatus>> {
    loop {
        // SAFETY: siginfo_t is plain data that waitid writes.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid siginfo_t to write.
        let result = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | flags,
            )
        };
        if result == -1 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        // SAFETY: waitid succeeded, so the child fields are set (a zero pid: WNOHANG, running).
        let (reaped, status) = unsafe { (info.si_pid(), info.si_status()) };
        if reaped == 0 {
            return Ok(None);
        }
        // Back to the wait status that ExitStatus reads.
        let raw = match info.si_code {
            libc::CLD_EXITED => (status & 0xff) << 8,
            libc::CLD_DUMPED => status | 0x80,
            _ => status,
        };
        return Ok(Some(ExitStatus::from_raw(raw)));
    }
}

/// Where the child failed before its exec, so the parent knows whether to try a weaker isolation.
#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Isolation = 1,
    Exec = 2,
}

/// Everything the child needs, made before the clone.
struct ChildPlan {
    program: CString,
    argv: Vec<*const libc::c_char>,
    envp: Vec<*const libc::c_char>,
    working_dir: Option<CString>,
    /// The descriptors that become its stdin, stdout and stderr.
    stdio: [RawFd; 3],
    /// The harness's pid, to check it did not die before the death signal was armed.
    harness: libc::pid_t,
    /// The spawning thread's signal mask, which the child restores before exec.
    mask: libc::sigset_t,
    /// For a user namespace: the id maps that map the harness's ids to themselves.
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
    user_namespace: bool,
    /// Set by the child when it fails: `stage << 16 | errno`.
    failure: AtomicI32,
}

/// Spawns the function (see the module doc). `Ok(None)` when this kernel cannot (no `CLONE_PIDFD`,
/// before Linux 5.2): the caller spawns it plainly then.
pub(super) fn spawn(
    program: &Path,
    args: &[String],
    env: &BTreeMap<String, String>,
    working_dir: Option<&Path>,
) -> io::Result<Option<Spawned>> {
    spawn_isolated(&ISOLATIONS, program, args, env, working_dir)
}

/// [`spawn`] with the first of `isolations` the kernel allows.
fn spawn_isolated(
    isolations: &[c_int],
    program: &Path,
    args: &[String],
    env: &BTreeMap<String, String>,
    working_dir: Option<&Path>,
) -> io::Result<Option<Spawned>> {
    reap_orphans();
    let program = find_program(program, env)?;
    let strings = |items: &mut dyn Iterator<Item = Vec<u8>>| -> io::Result<Vec<CString>> {
        items
            .map(|s| CString::new(s).map_err(|_| nul_error()))
            .collect()
    };
    let argv = strings(
        &mut std::iter::once(program.as_os_str().as_bytes().to_vec())
            .chain(args.iter().map(|a| a.clone().into_bytes())),
    )?;
    let envp = strings(&mut env.iter().map(|(k, v)| format!("{k}={v}").into_bytes()))?;
    let working_dir = working_dir
        .map(|dir| CString::new(dir.as_os_str().as_bytes()).map_err(|_| nul_error()))
        .transpose()?;
    let (stdout_read, stdout_write) = pipe()?;
    let (stderr_read, stderr_write) = pipe()?;
    // SAFETY: opening /dev/null; the descriptor is owned at once.
    let null = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if null < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `null` was just opened and nothing else owns it.
    let null = unsafe { OwnedFd::from_raw_fd(null) };
    // SAFETY: geteuid and getegid cannot fail.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let null_terminated = |strings: &[CString]| -> Vec<*const libc::c_char> {
        strings
            .iter()
            .map(|s| s.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect()
    };
    let mut plan = ChildPlan {
        program: CString::new(program.as_os_str().as_bytes()).map_err(|_| nul_error())?,
        argv: null_terminated(&argv),
        envp: null_terminated(&envp),
        working_dir,
        stdio: [
            null.as_raw_fd(),
            stdout_write.as_raw_fd(),
            stderr_write.as_raw_fd(),
        ],
        harness: std::process::id() as libc::pid_t,
        // SAFETY: sigset_t is plain data, filled in below.
        mask: unsafe { std::mem::zeroed() },
        uid_map: format!("{uid} {uid} 1\n").into_bytes(),
        gid_map: format!("{gid} {gid} 1\n").into_bytes(),
        user_namespace: false,
        failure: AtomicI32::new(0),
    };
    let mut stack = vec![0u8; CHILD_STACK];

    let mut refused = None;
    for &isolation in isolations {
        plan.user_namespace = isolation & libc::CLONE_NEWUSER != 0;
        plan.failure.store(0, Ordering::Relaxed);
        let (pid, pidfd) = match clone(&mut plan, &mut stack, isolation) {
            Ok(started) => started,
            // Not permitted here (or out of namespaces): try the next, weaker isolation.
            Err(e) if isolation != 0 && is_refusal(&e) => {
                refused = Some(e);
                continue;
            }
            // No CLONE_PIDFD (before Linux 5.2): the caller spawns it plainly.
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => return Ok(None),
            Err(e) => return Err(e),
        };
        let failure = plan.failure.load(Ordering::Relaxed);
        if failure == 0 {
            // SAFETY: the OwnedFd stays open, and the same descriptor, while the AsyncFd holds it.
            let pidfd = unsafe { AsyncFd::register_with_interest(pidfd, Interest::READABLE) }?;
            return Ok(Some(Spawned {
                pid: pid as u32,
                stdout: Some(stdout_read),
                stderr: Some(stderr_read),
                exit: Exit::Pidfd(Pidfd {
                    fd: Some(pidfd),
                    pid,
                    reaped: false,
                }),
            }));
        }
        // The child has exited (CLONE_VFORK returns at its exec or its exit): reap it.
        while wait(pid, 0)?.is_none() {}
        let error = io::Error::from_raw_os_error(failure & 0xffff);
        if failure >> 16 == Stage::Exec as i32 || isolation == 0 {
            return Err(error);
        }
        // The user namespace's id maps were refused: try the next isolation.
        refused = Some(error);
    }
    Err(refused.unwrap_or_else(|| io::Error::other("no isolation could start the process")))
}

/// Errors from clone that mean "not this namespace here", not "cannot start a process".
fn is_refusal(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::EPERM | libc::EINVAL | libc::ENOSPC | libc::EUSERS | libc::EACCES)
    )
}

/// Runs the clone with every signal blocked, so no handler of the harness's runs in the child
/// before it has reset them; returns the child's pid and pidfd once it has exec'd or exited.
fn clone(
    plan: &mut ChildPlan,
    stack: &mut [u8],
    isolation: c_int,
) -> io::Result<(libc::pid_t, OwnedFd)> {
    let flags = libc::CLONE_VM | libc::CLONE_VFORK | libc::CLONE_PIDFD | libc::SIGCHLD | isolation;
    // The stack grows down from its (16-byte aligned) top.
    let top = (stack.as_mut_ptr() as usize + stack.len()) & !15;
    let mut pidfd: c_int = -1;
    // SAFETY: sigset_t is plain data; the masks are the calling thread's own.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut plan.mask);
    }
    // SAFETY: the child runs `child` on its own stack with `plan`, which outlives it: CLONE_VFORK
    // suspends this thread until the child has exec'd or exited, and the child writes only
    // `plan.failure` (an atomic) and its own stack.
    let pid = unsafe {
        libc::clone(
            child,
            top as *mut c_void,
            flags,
            (plan as *mut ChildPlan).cast(),
            &mut pidfd as *mut c_int,
        )
    };
    let error = io::Error::last_os_error();
    // SAFETY: restores the mask saved above.
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, &plan.mask, std::ptr::null_mut());
    }
    if pid == -1 {
        return Err(error);
    }
    // SAFETY: CLONE_PIDFD stored a new descriptor that nothing else owns.
    Ok((pid, unsafe { OwnedFd::from_raw_fd(pidfd) }))
}

/// The child, between clone and exec. Only async-signal-safe calls on `plan`'s prepared data.
extern "C" fn child(plan: *mut c_void) -> c_int {
    // SAFETY: `clone` passes its live plan.
    let plan = unsafe { &*(plan as *const ChildPlan) };
    // SAFETY: each call's preconditions are met by the plan; `enter` returns only on failure.
    let (stage, errno) = unsafe { enter(plan) };
    plan.failure
        .store((stage as i32) << 16 | errno, Ordering::Relaxed);
    // SAFETY: _exit is async-signal-safe.
    unsafe { libc::_exit(127) }
}

/// Sets the child up and execs the function; returns only on failure, with where and errno.
unsafe fn enter(plan: &ChildPlan) -> (Stage, c_int) {
    let errno = || {
        io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO)
    };
    // The harness's handlers (tokio's among them) must not run here; ignored signals stay ignored.
    for signal in 1..=libc::SIGRTMAX() {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(signal, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction != libc::SIG_IGN
            && old.sa_sigaction != libc::SIG_DFL
        {
            let mut default: libc::sigaction = std::mem::zeroed();
            default.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(signal, &default, std::ptr::null_mut());
        }
    }
    libc::pthread_sigmask(libc::SIG_SETMASK, &plan.mask, std::ptr::null_mut());
    libc::setpgid(0, 0);
    if plan.user_namespace {
        // Our ids map to themselves, so files and the function see the same user.
        for (path, contents) in [
            (c"/proc/self/uid_map", &plan.uid_map[..]),
            (c"/proc/self/setgroups", b"deny"),
            (c"/proc/self/gid_map", &plan.gid_map[..]),
        ] {
            if !write_file(path, contents) {
                return (Stage::Isolation, errno());
            }
        }
    }
    // After any change of credentials, which clears it.
    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
        return (Stage::Exec, errno());
    }
    // The harness may have died before the death signal was armed: then nobody would kill us.
    // (getppid says 0 in a new PID namespace; procfs, mounted in the harness's, says the truth.)
    if parent_pid().is_some_and(|parent| parent != plan.harness) {
        libc::_exit(1);
    }
    for (target, &fd) in plan.stdio.iter().enumerate() {
        let target = target as c_int;
        let moved = if fd == target {
            // Already in place: only let it survive the exec.
            libc::fcntl(fd, libc::F_SETFD, 0)
        } else {
            libc::dup2(fd, target)
        };
        if moved == -1 {
            return (Stage::Exec, errno());
        }
    }
    if let Some(dir) = &plan.working_dir {
        if libc::chdir(dir.as_ptr()) == -1 {
            return (Stage::Exec, errno());
        }
    }
    libc::execve(
        plan.program.as_ptr(),
        plan.argv.as_ptr(),
        plan.envp.as_ptr(),
    );
    (Stage::Exec, errno())
}

/// Writes `contents` to `path` in one write, as the /proc id-map files require.
unsafe fn write_file(path: &CStr, contents: &[u8]) -> bool {
    let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
    if fd < 0 {
        return false;
    }
    let written = libc::write(fd, contents.as_ptr().cast(), contents.len());
    libc::close(fd);
    written == contents.len() as isize
}

/// Our parent's pid as the harness's PID namespace numbers it (`/proc/self/stat`'s fourth field),
/// read without allocating; `None` if procfs cannot say.
unsafe fn parent_pid() -> Option<libc::pid_t> {
    let fd = libc::open(
        c"/proc/self/stat".as_ptr(),
        libc::O_RDONLY | libc::O_CLOEXEC,
    );
    if fd < 0 {
        return None;
    }
    let mut buffer = [0u8; 512];
    let read = libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len());
    libc::close(fd);
    let stat = buffer.get(..usize::try_from(read).ok()?)?;
    // `pid (comm) state ppid ...`, and comm may hold anything, so start after the last `)`.
    let after = stat.iter().rposition(|&b| b == b')')? + 1;
    let mut fields = stat[after..]
        .split(|&b| b == b' ')
        .filter(|f| !f.is_empty());
    let _state = fields.next()?;
    let mut ppid: libc::pid_t = 0;
    for &digit in fields.next()? {
        if !digit.is_ascii_digit() {
            return None;
        }
        ppid = ppid
            .checked_mul(10)?
            .checked_add((digit - b'0') as libc::pid_t)?;
    }
    Some(ppid)
}

/// A pipe whose both ends close on exec (the child gets its end by dup2): (read, write).
fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: pipe2 writes two descriptors into `fds`.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both were just created and nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn nul_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "nul byte found in provided data",
    )
}

/// The file exec runs for `program`: a path with a `/` as it is; a bare name searched in the
/// function's `PATH`, as std's Command searches it (the harness's own `PATH` if it sets none).
fn find_program(program: &Path, env: &BTreeMap<String, String>) -> io::Result<PathBuf> {
    if program.as_os_str().as_bytes().contains(&b'/') {
        return Ok(program.to_path_buf());
    }
    let search = match env.get("PATH") {
        Some(path) => path.clone(),
        None => std::env::var("PATH").unwrap_or_default(),
    };
    search
        .split(':')
        .map(|dir| Path::new(if dir.is_empty() { "." } else { dir }).join(program))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .ok_or_else(|| io::Error::from_raw_os_error(libc::ENOENT))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    /// Runs `script` under `sh` with one isolation: its stdout and exit status, or `None` when
    /// this machine does not allow that isolation.
    async fn run(isolation: c_int, script: &str) -> Option<(u32, String, ExitStatus)> {
        let env = BTreeMap::from([("PATH".to_string(), "/usr/bin:/bin".to_string())]);
        let args = ["-c".to_string(), script.to_string()];
        let mut spawned = match spawn_isolated(&[isolation], Path::new("sh"), &args, &env, None) {
            Ok(spawned) => spawned.expect("this kernel has CLONE_PIDFD"),
            Err(e) if is_refusal(&e) => return None,
            Err(e) => panic!("spawn failed: {e}"),
        };
        let mut out = String::new();
        std::fs::File::from(spawned.stdout.take().unwrap())
            .read_to_string(&mut out)
            .unwrap();
        let status = spawned.wait().await.unwrap();
        Some((spawned.pid, out, status))
    }

    #[tokio::test]
    async fn each_isolation_runs_the_function_as_the_kernel_allows() {
        // SAFETY: geteuid cannot fail.
        let uid = unsafe { libc::geteuid() };
        let script = "echo $$ $(id -u); exit 3";
        for isolation in ISOLATIONS {
            let Some((pid, out, status)) = run(isolation, script).await else {
                eprintln!("isolation {isolation:#x} is not allowed here");
                continue;
            };
            let in_namespace = if isolation & libc::CLONE_NEWPID != 0 {
                "1".to_string()
            } else {
                pid.to_string()
            };
            // PID 1 of its own namespace, or itself; the same user either way.
            assert_eq!(out, format!("{in_namespace} {uid}\n"), "{isolation:#x}");
            assert_eq!(status.code(), Some(3), "{isolation:#x}");
        }
    }

    #[tokio::test]
    async fn a_killed_process_reads_as_its_signal() {
        let (_, _, status) = run(0, "kill -SEGV $$")
            .await
            .expect("no isolation is allowed");
        assert_eq!(status.signal(), Some(libc::SIGSEGV));
    }

    #[tokio::test]
    async fn what_cannot_be_exec_d_is_an_error_of_the_spawn() {
        let env = BTreeMap::new();
        let missing = spawn(Path::new("no-such-program-here"), &[], &env, None);
        assert_eq!(
            missing.err().map(|e| e.kind()),
            Some(io::ErrorKind::NotFound)
        );
        let nul = spawn(Path::new("sh"), &["a\0b".to_string()], &env, None);
        assert_eq!(
            nul.err().map(|e| e.kind()),
            Some(io::ErrorKind::InvalidInput)
        );
        let directory = spawn(Path::new("/"), &[], &env, None);
        assert_eq!(
            directory.err().and_then(|e| e.raw_os_error()),
            Some(libc::EACCES)
        );
    }
}
