//! How soon `check --watch` reruns a scenario after its function's build finishes (issue 14:
//! "a `--watch` rerun of one scenario starts within 200 ms of the build finishing").
//!
//! A real `cognito-harness check --watch` process watches a project of one scenario
//! (AdminUpdateUserAttributes firing a CustomMessage trigger, the example
//! `custom-message-branded` binary). Each round the bench saves the function's source; the watch
//! rebuilds it (its `build` writes the time it finished as its last act), restarts its process and
//! reruns the scenario. The function is started through `sh`, which writes the time the process
//! was started before it `exec`s the trigger, so "the rerun started" is the moment the rerun
//! launched its function. Per round it prints three intervals: save → build finished (the
//! debounce and the reload), build finished → function started (judged: ≤ 200 ms), build finished
//! → the run reported (the whole rerun, judged by nothing).
//!
//! `cargo bench --features cli --bench watch` (option through the environment: `ROUNDS`,
//! default 30).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

#[path = "support/cargo_env.rs"]
mod cargo_env;

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");
const TARGET_MS: f64 = 200.0;
/// What the watch prints on stderr when a run is over.
const WATCHING: &str = "watching for changes";

/// The watch process, killed when the bench ends.
struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// The example trigger binary, built (release) into this bench's target directory.
fn trigger_binary() -> PathBuf {
    // The bench binary lives in <target>/release/deps/.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let target_dir = profile_dir.parent().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    let status = cargo_env::as_from_a_shell(&mut cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "custom-message-branded",
        ])
        .arg("--target-dir")
        .arg(target_dir)
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "cargo build -p custom-message-branded failed"
    );
    target_dir.join("release/custom-message-branded")
}

/// A project of one scenario whose function's build stamps `built` and whose process stamps
/// `started` when it starts.
fn project(trigger: &Path) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cognito-harness-watch-bench-{}", now_ns()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "// saved 0\n").unwrap();
    std::fs::write(
        dir.join("cognito-harness.toml"),
        format!(
            "[functions.cm]\ncommand = [\"sh\", \"-c\", \"date +%s%N >> started; exec {}\"]\nbuild = [\"sh\", \"-c\", \"date +%s%N >> built\"]\nwatch = [\"src\"]\n",
            trigger.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("pool.json"),
        json!({"UserPoolId": "us-east-1_WatchBench", "AutoVerifiedAttributes": ["email"],
               "LambdaConfig": {"CustomMessage": "arn:aws:lambda:us-east-1:123456789012:function:cm"}})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("scenarios/email-change.scenario.json"),
        json!({"name": "an email change sends the branded code", "pool": "../pool.json",
               "users": [{"Username": "alice",
                          "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}]}],
               "steps": [{"action": "AdminUpdateUserAttributes",
                          "request": {"UserPoolId": "$pool", "Username": "alice",
                                      "UserAttributes": [{"Name": "email", "Value": "new@example.com"}]},
                          "expect": {"outcome": "success"}}]})
        .to_string(),
    )
    .unwrap();
    dir
}

/// The stamps in `file` (one per line, nanoseconds since the epoch).
fn stamps(file: &Path) -> Vec<u128> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Waits for the stderr line that ends a run; panics after a minute (a broken watch).
fn wait_for_run(lines: &Receiver<String>) {
    loop {
        match lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line.contains(WATCHING) => return,
            Ok(line) if line.starts_with("error") => panic!("the watch failed: {line}"),
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => panic!("no run ended within a minute"),
            Err(RecvTimeoutError::Disconnected) => panic!("the watch ended"),
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(what: &str, mut ms: Vec<f64>, target: Option<f64>) {
    ms.sort_by(f64::total_cmp);
    let median = percentile(&ms, 0.5);
    let judged = match target {
        Some(t) => format!(
            "  target ≤ {t:.0} ms: {}",
            if median <= t { "met" } else { "NOT met" }
        ),
        None => String::new(),
    };
    println!(
        "{what:<38} median {median:7.1} ms  p90 {:7.1} ms  p99 {:7.1} ms{judged}",
        percentile(&ms, 0.9),
        percentile(&ms, 0.99)
    );
}

fn main() {
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(30);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "check --watch rerun latency, {rounds} rounds (load {})",
        load.trim()
    );
    let trigger = trigger_binary();
    let dir = project(&trigger);
    let mut child = Command::new(BIN)
        .args(["check", "--watch", "scenarios"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("check --watch starts");
    let stderr = child.stderr.take().unwrap();
    let _watch = Watch(child);
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    wait_for_run(&lines);

    let (mut save_to_built, mut built_to_started, mut built_to_reported) =
        (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        // Let the file system settle so each save is its own batch.
        std::thread::sleep(Duration::from_millis(150));
        let (built_before, started_before) = (
            stamps(&dir.join("built")).len(),
            stamps(&dir.join("started")).len(),
        );
        let saved = now_ns();
        let mut source = std::fs::File::create(dir.join("src/lib.rs")).unwrap();
        writeln!(source, "// saved {round}").unwrap();
        drop(source);
        wait_for_run(&lines);
        let reported = now_ns();
        let built = stamps(&dir.join("built"));
        let started = stamps(&dir.join("started"));
        assert_eq!(built.len(), built_before + 1, "round {round}: one build");
        assert_eq!(
            started.len(),
            started_before + 1,
            "round {round}: one fresh process"
        );
        let (built, started) = (built[built.len() - 1], started[started.len() - 1]);
        let ms = |from: u128, to: u128| (to as f64 - from as f64) / 1e6;
        save_to_built.push(ms(saved, built));
        built_to_started.push(ms(built, started));
        built_to_reported.push(ms(built, reported));
    }
    report("save → build finished", save_to_built, None);
    report(
        "build finished → rerun's function start",
        built_to_started,
        Some(TARGET_MS),
    );
    report("build finished → run reported", built_to_reported, None);
    let _ = std::fs::remove_dir_all(&dir);
}
