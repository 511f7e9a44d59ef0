//! `cognito-harness serve` as a real process stops on Ctrl-C (SIGINT) and SIGTERM while a client
//! holds a half-sent request and a trigger process is handling a call that never ends (issue 11
//! item 5); the trigger process goes with it.
//!
//! The exit is polled against a generous bound; the time it took is printed, not asserted.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::serve_process::ServeProcess;

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");
const GENEROUS: Duration = Duration::from_secs(60);

/// A folder with a pool whose CustomMessage trigger is `trigger-hangs` (a real lambda_runtime
/// process that never answers), bound with a one-hour deadline.
fn hanging_trigger_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cognito-harness-serve-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let binary = Path::new(BIN).with_file_name("trigger-hangs");
    std::fs::write(
        dir.join("cognito-harness.toml"),
        format!(
            "[deadline]\ntimeout_ms = 3600000\nattempts = 1\n\n[functions.trigger-hangs]\ncommand = [\"{}\"]\nbuild = [\"cargo\", \"build\", \"--quiet\", \"--manifest-path\", \"{root}/Cargo.toml\", \"-p\", \"trigger-hangs\"]\n",
            binary.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("pool.json"),
        json!({"UserPoolId": "us-east-1_Signals",
               "LambdaConfig": {"CustomMessage": "arn:aws:lambda:us-east-1:123456789012:function:trigger-hangs"}})
        .to_string(),
    )
    .unwrap();
    dir
}

/// The pids of the processes whose parent is `parent` and whose name is `name` (Linux `/proc`).
/// Every process under `ancestor` (any depth: an environment's helpers are the function's
/// children) whose command is `name`.
fn children_named(ancestor: u32, name: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    // pid -> (comm, ppid), read once.
    let processes: std::collections::HashMap<u32, (String, u32)> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid ...`; comm may hold spaces, so split after the last `)`.
            let (head, rest) = stat.rsplit_once(") ")?;
            let comm = head
                .split_once(" (")
                .map(|(_, c)| c)
                .unwrap_or("")
                .to_string();
            let ppid = rest.split(' ').nth(1)?.parse::<u32>().ok()?;
            Some((pid, (comm, ppid)))
        })
        .collect();
    let descends = |mut pid: u32| {
        while let Some((_, ppid)) = processes.get(&pid) {
            if *ppid == ancestor {
                return true;
            }
            if *ppid <= 1 {
                return false;
            }
            pid = *ppid;
        }
        false
    };
    processes
        .iter()
        .filter(|(pid, (comm, _))| comm == name && descends(**pid))
        .map(|(pid, _)| *pid)
        .collect()
}

fn alive(pid: u32) -> bool {
    // A zombie has exited: it only waits for its parent to reap it.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, r)| !r.starts_with('Z')))
        .unwrap_or(false)
}

/// How `serve` exited, polled; killed (and the test failed) if it is still running after
/// [`GENEROUS`].
fn exit_status(serve: &mut Child) -> std::process::ExitStatus {
    let signalled = Instant::now();
    loop {
        if let Some(status) = serve.try_wait().unwrap() {
            return status;
        }
        if signalled.elapsed() > GENEROUS {
            let _ = serve.kill();
            let _ = serve.wait();
            panic!("serve still running {GENEROUS:?} after the signal");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `signal` to `serve` while one client holds a half-sent request and another waits on a
/// call whose trigger never answers; `serve` must exit 0 and take the trigger with it.
fn stops_on(signal: libc::c_int) {
    let dir = hanging_trigger_dir();
    let mut serve = ServeProcess::start(&dir, &["--pool", "pool.json"]);
    let port = serve.port;
    let mut half_sent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    half_sent
        .write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 80\r\n\r\n{\"Use")
        .unwrap();
    let body = json!({"UserPoolId": "us-east-1_Signals", "Username": "alice",
        "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}],
        "DesiredDeliveryMediums": ["EMAIL"]})
    .to_string();
    let mut in_flight = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        in_flight,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWSCognitoIdentityProviderService.AdminCreateUser\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // Wait until the trigger process is running the call.
    let started = Instant::now();
    let trigger = loop {
        if let Some(&pid) = children_named(serve.pid(), "trigger-hangs").first() {
            break pid;
        }
        assert!(started.elapsed() < GENEROUS, "the trigger never started");
        std::thread::sleep(Duration::from_millis(20));
    };
    // Time for the event to reach it; if it has not yet, the stop is tested all the same.
    std::thread::sleep(Duration::from_millis(300));

    // SAFETY: signalling a child we started.
    assert_eq!(unsafe { libc::kill(serve.pid() as i32, signal) }, 0);
    let signalled = Instant::now();
    let status = exit_status(serve.child_mut());
    eprintln!(
        "serve exited {:.0} ms after signal {signal} with a half-sent request and a trigger call in flight",
        signalled.elapsed().as_secs_f64() * 1000.0
    );
    assert_eq!(status.code(), Some(0), "{status}");
    // Both clients see their connection closed.
    for stream in [&mut half_sent, &mut in_flight] {
        stream.set_read_timeout(Some(GENEROUS)).unwrap();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    }
    let gone = Instant::now();
    while alive(trigger) {
        assert!(
            gone.elapsed() < GENEROUS,
            "trigger process {trigger} outlived serve"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_stops_on_ctrl_c_with_a_half_sent_request_and_a_trigger_in_flight() {
    stops_on(libc::SIGINT);
}

#[test]
fn serve_stops_on_sigterm_with_a_half_sent_request_and_a_trigger_in_flight() {
    stops_on(libc::SIGTERM);
}

#[test]
fn serve_beyond_loopback_warns_that_anyone_can_run_the_functions() {
    let dir = std::env::temp_dir().join(format!("cognito-harness-serve-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut serve = ServeProcess::start(&dir, &["--host", "0.0.0.0"]);
    let line = serve.startup.first().cloned().expect("serve warns");
    // SAFETY: signalling a child we started.
    unsafe { libc::kill(serve.pid() as i32, libc::SIGINT) };
    exit_status(serve.child_mut());
    let _ = std::fs::remove_dir_all(&dir);
    let (start, rest) = line
        .split_once(", not a loopback address")
        .expect("the warning");
    assert!(
        start.starts_with("warning: listening on 0.0.0.0:"),
        "{line}"
    );
    assert_eq!(
        rest,
        ": anyone who can reach it can run the bound functions, and credentials are not checked"
    );
}
