//! What `check` shows of a failed step beyond its mismatches: the function's own output, where
//! the reason for a failure often is (a panic message, an import error).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cognito-harness"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// Writes `s.json` in `dir`, a scenario named `name` whose e-mail change fires `function` as the
/// CustomMessage trigger and expects success, runs `check s.json` there, asserts that it failed
/// and gives its table.
fn failed_check(dir: &Path, name: &str, function: &str) -> String {
    let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:{function}");
    let scenario = json!({"name": name, "pool": {"AutoVerifiedAttributes": ["email"], "LambdaConfig": {"CustomMessage": arn}},
        "users": [{"Username": "alice", "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}]}],
        "steps": [{"action": "AdminUpdateUserAttributes",
                   "request": {"UserPoolId": "$pool", "Username": "alice", "UserAttributes": [{"Name": "email", "Value": "new@example.com"}]},
                   "expect": {"outcome": "success"}}]});
    std::fs::write(dir.join("s.json"), scenario.to_string()).unwrap();
    let out = run(dir, &["check", "s.json"]);
    assert_eq!(
        out.status.code(),
        Some(cognito_harness::exit::EXPECTATION_FAILED)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_failed_step_shows_what_the_function_wrote_in_the_table_and_in_junit() {
    let dir = std::env::temp_dir().join(format!("cognito-harness-logs-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    crate::cli::trigger_config(&dir, "trigger-panics");
    let text = failed_check(&dir, "panics", "trigger-panics");
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("log")
            && l.contains("panicked")
            && l.contains("the trigger panicked on purpose")),
        "{text}"
    );

    let junit = dir.join("junit.xml");
    let out = run(
        &dir,
        &[
            "check",
            "s.json",
            "--format",
            "junit",
            "--output",
            junit.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(cognito_harness::exit::EXPECTATION_FAILED)
    );
    let xml = std::fs::read_to_string(junit).unwrap();
    let system_out = xml
        .split_once("<system-out>")
        .and_then(|(_, rest)| rest.split_once("</system-out>"))
        .map(|(inside, _)| inside)
        .unwrap_or_else(|| panic!("no <system-out> in {xml}"));
    assert!(
        system_out.contains("the trigger panicked on purpose"),
        "{xml}"
    );
}

/// AWS's Python runtime interface client writes a stack trace as one record with `\r` between its
/// lines (one CloudWatch event); the table shows each of them as a log line of its own, where a raw
/// `\r` would have made a terminal overwrite one with the next.
#[test]
fn a_python_stack_trace_reads_one_frame_per_log_line() {
    let python = crate::support::python_with_awslambdaric();
    let dir = std::env::temp_dir().join(format!("cognito-harness-trace-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("cognito-harness.toml"),
        format!(
            "[functions.cm-py]\ncommand = [{:?}, \"-m\", \"awslambdaric\", \"app.handler\"]\n",
            python.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("app.py"),
        "def handler(event, context):\n    raise ValueError('no brand for this pool')\n",
    )
    .unwrap();
    let text = failed_check(&dir, "throws", "cm-py");
    assert!(!text.contains('\r'), "{text:?}");
    let logs: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("log"))
        .map(str::trim)
        .collect();
    let error = logs
        .iter()
        .position(|l| *l == "[ERROR] ValueError: no brand for this pool")
        .unwrap_or_else(|| panic!("no error line of its own in {logs:#?}"));
    assert_eq!(logs[error + 1], "Traceback (most recent call last):");
    assert!(
        logs[error + 2].starts_with("File \"") && logs[error + 2].ends_with("in handler"),
        "{logs:#?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
