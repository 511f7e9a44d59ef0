//! Input files that used to hang or run away (issue 11 item 6), through the built binary: a FIFO,
//! a device or a directory where a file is expected, a huge file, a symlink loop in a scenario
//! folder, `timeout_ms = 0`, a UTF-8 byte order mark.
//!
//! Every run is bounded: a regression that hangs is killed and fails the test instead of
//! wedging the suite.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use cognito_harness::exit;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");
/// Far longer than any of these runs takes; reaching it means the binary hung.
const HANG: Duration = Duration::from_secs(60);

/// A fresh folder under the system temp dir, removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> Scratch {
    let dir = std::env::temp_dir().join(format!("cognito-harness-input-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// Runs the binary in `dir`, killing it if it has not finished within [`HANG`].
fn run(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > HANG {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "`cognito-harness {}` still running after {HANG:?}; stderr: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit 2 with exactly one line on stderr.
fn assert_input_error(out: &Output, line: &str) {
    assert_eq!(
        out.status.code(),
        Some(exit::INPUT_ERROR),
        "{}",
        stderr(out)
    );
    assert_eq!(stderr(out), format!("{line}\n"));
}

/// A scenario with an inline pool and no trigger: one call that succeeds.
fn scenario(pool: Value) -> String {
    json!({"name": "t", "pool": pool,
           "users": [{"Username": "alice", "UserAttributes": [{"Name": "email", "Value": "a@example.com"}]}],
           "steps": [{"action": "AdminGetUser", "request": {"UserPoolId": "$pool", "Username": "alice"},
                      "expect": {"outcome": "success"}}]})
    .to_string()
}

#[test]
fn a_fifo_named_like_a_scenario_is_refused_not_waited_on() {
    let dir = temp_dir();
    mkfifo(&dir.join("s.json"));
    let out = run(&dir, &["check", "s.json"]);
    assert_input_error(
        &out,
        "error: s.json: is a FIFO (named pipe), not a regular file; only regular files are read",
    );
    // Found in a folder, too.
    std::fs::create_dir(dir.join("suite")).unwrap();
    mkfifo(&dir.join("suite/hangs.json"));
    let out = run(&dir, &["check", "suite"]);
    assert_input_error(
        &out,
        "error: suite/hangs.json: is a FIFO (named pipe), not a regular file; only regular files are read",
    );
}

#[test]
fn a_pool_reference_to_a_device_a_fifo_or_a_directory_is_refused() {
    let dir = temp_dir();
    write(&dir, "zero.json", &scenario(json!("/dev/zero")));
    let out = run(&dir, &["check", "zero.json"]);
    assert_input_error(
        &out,
        "error: /dev/zero: is a character device, not a regular file; only regular files are read",
    );
    mkfifo(&dir.join("pool.json"));
    write(&dir, "fifo.json", &scenario(json!("pool.json")));
    let out = run(&dir, &["check", "fifo.json"]);
    assert_input_error(
        &out,
        "error: pool.json: is a FIFO (named pipe), not a regular file; only regular files are read",
    );
    std::fs::create_dir(dir.join("pools.json")).unwrap();
    write(&dir, "folder.json", &scenario(json!("pools.json")));
    let out = run(&dir, &["check", "folder.json"]);
    assert_input_error(
        &out,
        "error: pools.json: is a directory, not a regular file; only regular files are read",
    );
}

#[test]
fn serve_refuses_a_fifo_pool_and_a_directory_config() {
    let dir = temp_dir();
    mkfifo(&dir.join("pool.json"));
    let out = run(&dir, &["serve", "--port", "0", "--pool", "pool.json"]);
    assert_input_error(
        &out,
        "error: pool.json: is a FIFO (named pipe), not a regular file; only regular files are read",
    );
    std::fs::create_dir(dir.join("cognito-harness.toml")).unwrap();
    let out = run(&dir, &["serve", "--port", "0"]);
    assert_input_error(
        &out,
        "error: cognito-harness.toml: is a directory, not a regular file; only regular files are read",
    );
    mkfifo(&dir.join("other.toml"));
    let out = run(
        &dir,
        &["events", "CustomMessage_SignUp", "--config", "other.toml"],
    );
    assert_input_error(
        &out,
        "error: other.toml: is a FIFO (named pipe), not a regular file; only regular files are read",
    );
}

#[test]
fn an_oversized_pool_file_is_refused_without_reading_it_all() {
    let dir = temp_dir();
    let huge = std::fs::File::create(dir.join("huge.json")).unwrap();
    huge.set_len(64 * 1024 * 1024).unwrap(); // sparse
    write(&dir, "s.json", &scenario(json!("huge.json")));
    let out = run(&dir, &["check", "s.json"]);
    assert_input_error(
        &out,
        "error: huge.json: is larger than 10 MiB, the limit for an input file",
    );
}

#[test]
fn a_symlink_loop_in_a_scenario_folder_runs_each_scenario_once() {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.join("suite/nested")).unwrap();
    write(&dir, "suite/nested/s.json", &scenario(json!({})));
    // suite/nested/up -> suite: a loop; suite/again -> suite/nested: the same file twice.
    std::os::unix::fs::symlink(dir.join("suite"), dir.join("suite/nested/up")).unwrap();
    std::os::unix::fs::symlink(dir.join("suite/nested"), dir.join("suite/again")).unwrap();
    let out = run(&dir, &["check", "suite", "--format", "json"]);
    assert_eq!(out.status.code(), Some(exit::OK), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["scenarios"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["summary"]["passed"], 1);
}

#[test]
fn a_scenario_linked_beside_itself_runs_once_under_its_own_name() {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.join("suite")).unwrap();
    write(&dir, "suite/b.json", &scenario(json!({})));
    // suite/a.json -> b.json: found first in path order, but the same file.
    std::os::unix::fs::symlink("b.json", dir.join("suite/a.json")).unwrap();
    let out = run(&dir, &["check", "suite", "--format", "json"]);
    assert_eq!(out.status.code(), Some(exit::OK), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<&str> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["suite/a.json"], "{report}");
}

#[test]
fn a_zero_timeout_is_refused_naming_the_file_and_key() {
    let dir = temp_dir();
    write(&dir, "h.toml", "[deadline]\ntimeout_ms = 0\n");
    write(&dir, "s.json", &scenario(json!({})));
    let out = run(&dir, &["check", "s.json", "--config", "h.toml"]);
    assert_input_error(
        &out,
        "error: h.toml: at deadline.timeout_ms: expected at least 1 ms: with 0 every invocation would time out",
    );
}

#[test]
fn a_utf8_byte_order_mark_is_accepted_in_every_input_file() {
    let dir = temp_dir();
    write(
        &dir,
        "pool.json",
        "\u{feff}{\"AutoVerifiedAttributes\": [\"email\"]}",
    );
    write(
        &dir,
        "s.json",
        &format!("\u{feff}{}", scenario(json!("pool.json"))),
    );
    write(&dir, "h.toml", "\u{feff}[deadline]\ntimeout_ms = 1000\n");
    let out = run(&dir, &["check", "s.json", "--config", "h.toml"]);
    assert_eq!(out.status.code(), Some(exit::OK), "{}", stderr(&out));
}
