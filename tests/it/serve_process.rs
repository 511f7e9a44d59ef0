//! `cognito-harness serve` as a real child process, for the tests that drive the binary: started
//! on a free port, read until it says where it listens, and killed when the test ends so a failed
//! assertion leaves no process behind.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");

/// How long `serve` may take to listen: generous, as it may first build the functions it binds
/// on a loaded machine. Not a timing assertion: only a bound on a test that would otherwise hang.
const STARTUP: Duration = Duration::from_secs(300);

/// A running `serve`, SIGKILLed when dropped.
pub struct ServeProcess {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// `http://127.0.0.1:<port>`, as it printed it.
    pub url: String,
    /// Every line it wrote to stderr before it listened (pools loaded, warnings), in order.
    /// Later lines go to the test's own stderr, so a failing test shows serve's log.
    pub startup: Vec<String>,
}

impl ServeProcess {
    /// Starts `cognito-harness serve --port 0 <args>` in `dir`.
    ///
    /// Both pipes are read together until stdout says `listening on <url>`, so every stderr line
    /// written before it is in [`startup`](Self::startup) without racing a reader thread, and a
    /// chatty start-up (a build's output) cannot fill a pipe and stall it.
    pub fn start(dir: &Path, args: &[&str]) -> ServeProcess {
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0"])
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (url, startup, leftover) = match read_until_listening(&mut stdout, &mut stderr) {
            Ok(found) => found,
            Err(what) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what}");
            }
        };
        let port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {url:?}"));
        set_nonblocking(&stdout, false);
        set_nonblocking(&stderr, false);
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        std::thread::spawn(move || {
            use std::io::BufRead;
            let rest = std::io::Cursor::new(leftover).chain(stderr);
            for line in std::io::BufReader::new(rest).lines().map_while(Result::ok) {
                eprintln!("serve: {line}");
            }
        });
        ServeProcess {
            child,
            port,
            url,
            startup,
        }
    }

    /// The process id (to signal it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The child, to wait for its exit status.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Ends it the hard way (SIGKILL), as a crash would, and waits for it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads both pipes until stdout has a `listening on <url>` line: the URL, the complete stderr
/// lines before it, and stderr's unfinished last line.
fn read_until_listening(
    stdout: &mut ChildStdout,
    stderr: &mut ChildStderr,
) -> Result<(String, Vec<String>, Vec<u8>), String> {
    set_nonblocking(stdout, true);
    set_nonblocking(stderr, true);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let (mut out_open, mut err_open) = (true, true);
    let start = Instant::now();
    loop {
        // Only complete lines: the URL may arrive in two reads.
        let complete_out = out
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(&out[..0], |i| &out[..i]);
        if let Some(url) = complete_out.split(|b| *b == b'\n').find_map(|line| {
            std::str::from_utf8(line)
                .ok()?
                .strip_prefix("listening on ")
        }) {
            let url = url.trim().to_string();
            // A read of stderr after the URL still sees what was written before it.
            drain(stderr, &mut err, &mut err_open);
            let complete = err.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let leftover = err.split_off(complete);
            let lines = String::from_utf8_lossy(&err)
                .lines()
                .map(str::to_string)
                .collect();
            return Ok((url, lines, leftover));
        }
        if !out_open && !err_open {
            return Err(format!(
                "serve ended before it listened; stdout: {}; stderr: {}",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&err)
            ));
        }
        if start.elapsed() > STARTUP {
            return Err(format!(
                "serve did not listen within {STARTUP:?}; stderr: {}",
                String::from_utf8_lossy(&err)
            ));
        }
        let mut fds = [
            libc::pollfd {
                fd: stdout.as_raw_fd(),
                events: if out_open { libc::POLLIN } else { 0 },
                revents: 0,
            },
            libc::pollfd {
                fd: stderr.as_raw_fd(),
                events: if err_open { libc::POLLIN } else { 0 },
                revents: 0,
            },
        ];
        // SAFETY: two valid pollfd structs for file descriptors this function holds.
        unsafe { libc::poll(fds.as_mut_ptr(), 2, 1000) };
        drain(stdout, &mut out, &mut out_open);
        drain(stderr, &mut err, &mut err_open);
    }
}

/// Appends whatever a non-blocking pipe holds now; notes when it has closed.
fn drain(pipe: &mut impl Read, into: &mut Vec<u8>, open: &mut bool) {
    let mut buf = [0u8; 8192];
    while *open {
        match pipe.read(&mut buf) {
            Ok(0) => *open = false,
            Ok(n) => into.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

fn set_nonblocking(pipe: &impl AsRawFd, on: bool) {
    let fd = pipe.as_raw_fd();
    // SAFETY: fcntl on a file descriptor this process holds open.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        let flags = if on {
            flags | libc::O_NONBLOCK
        } else {
            flags & !libc::O_NONBLOCK
        };
        libc::fcntl(fd, libc::F_SETFL, flags);
    }
}
