//! What `serve --state` costs a write (issue 13: "with --state, a write costs at most 2x the
//! in-memory figure"): AdminUpdateUserAttributes (an email change: the user, a verification code
//! and an outbox message are written) through a real `cognito-harness serve` process, one
//! keep-alive HTTP client sending one call at a time, in memory, with `--state` (WAL,
//! synchronous=NORMAL) and with `--state --fsync` (synchronous=FULL). No trigger is bound, so
//! the figure is the harness's own cost, where the store's share is largest.
//!
//! `cargo bench --features cli --bench state`. Options through the environment: `CALLS` (timed
//! calls per mode, default 3000), `USERS` (users in the pool, default 1000).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");
const POOL_ID: &str = "us-east-1_StateBench";

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &Path, extra: &[&str]) -> (Serve, u16) {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--pool", "pool.json"])
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("serve prints its URL");
    let port = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    (Serve(child), port)
}

/// One keep-alive HTTP/1.1 connection speaking awsJson1.1.
struct Client {
    stream: BufReader<TcpStream>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Client {
            stream: BufReader::new(stream),
        }
    }

    /// Sends one call and reads the answer; panics unless it is 200.
    fn call(&mut self, action: &str, body: &str) {
        let request = format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.{action}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.get_mut().write_all(request.as_bytes()).unwrap();
        let mut status = String::new();
        self.stream.read_line(&mut status).unwrap();
        let mut length = 0;
        loop {
            let mut header = String::new();
            self.stream.read_line(&mut header).unwrap();
            if header == "\r\n" {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).unwrap();
        assert!(
            status.starts_with("HTTP/1.1 200"),
            "{action}: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Median, p90 and p99 of `samples`, in microseconds.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1e6
    };
    (at(0.5), at(0.9), at(0.99))
}

fn measure(name: &str, extra: &[&str], users: usize, calls: usize) -> f64 {
    let dir = std::env::temp_dir().join(format!(
        "cognito-harness-bench-state-{}",
        uuid::Uuid::new_v4()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("pool.json"),
        json!({"UserPoolId": POOL_ID, "AutoVerifiedAttributes": ["email"]}).to_string(),
    )
    .unwrap();
    let (serve, port) = start(&dir, extra);
    let mut client = Client::connect(port);
    for i in 0..users {
        let body = json!({"UserPoolId": POOL_ID, "Username": format!("user{i}"), "MessageAction": "SUPPRESS",
                          "UserAttributes": [{"Name": "email", "Value": format!("user{i}@example.com")}]});
        client.call("AdminCreateUser", &body.to_string());
    }
    let update = |n: usize| {
        json!({"UserPoolId": POOL_ID, "Username": format!("user{}", n % users),
               "UserAttributes": [{"Name": "email", "Value": format!("user{}-{n}@example.com", n % users)}]})
        .to_string()
    };
    for n in 0..calls / 10 {
        client.call("AdminUpdateUserAttributes", &update(n));
    }
    let mut samples = Vec::with_capacity(calls);
    let started = Instant::now();
    for n in 0..calls {
        let body = update(calls + n);
        let t = Instant::now();
        client.call("AdminUpdateUserAttributes", &body);
        samples.push(t.elapsed());
    }
    let total = started.elapsed();
    let (p50, p90, p99) = percentiles(samples);
    let size = std::fs::metadata(dir.join("state.db"))
        .map(|m| m.len())
        .ok()
        .zip(
            std::fs::metadata(dir.join("state.db-wal"))
                .map(|m| m.len())
                .ok(),
        );
    println!(
        "{name:<28} median {p50:7.1} µs   p90 {p90:7.1} µs   p99 {p99:7.1} µs   ({:.0} calls/s){}",
        calls as f64 / total.as_secs_f64(),
        size.map(|(db, wal)| format!("; file {} KiB + WAL {} KiB", db / 1024, wal / 1024))
            .unwrap_or_default()
    );
    drop(serve);
    let _ = std::fs::remove_dir_all(&dir);
    p50
}

fn main() {
    let calls = env_or("CALLS", 3000);
    let users = env_or("USERS", 1000);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "AdminUpdateUserAttributes (email change) through `serve`, one keep-alive client, {calls} calls after {} warm-up, {users} users; load average {}",
        calls / 10,
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    let memory = measure("in memory", &[], users, calls);
    let normal = measure(
        "--state (synchronous=NORMAL)",
        &["--state", "state.db"],
        users,
        calls,
    );
    let full = measure(
        "--state --fsync (FULL)",
        &["--state", "state.db", "--fsync"],
        users,
        calls,
    );
    println!(
        "median ratio to in memory: --state {:.2}x, --state --fsync {:.2}x (budget: 2x)",
        normal / memory,
        full / memory
    );
}
