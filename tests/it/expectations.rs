//! Expectation keys that guard against a scenario passing for the wrong reason: the function
//! error's own text, and typos inside an expected message caught when the file loads.

use std::path::Path;
use std::process::{Command, Output};

use cognito_harness::exit;
use serde_json::{json, Value};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cognito-harness"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn scenario_with(expect: Value) -> String {
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:trigger-throws";
    json!({"name": "throws", "pool": {"AutoVerifiedAttributes": ["email"], "LambdaConfig": {"CustomMessage": arn}},
        "users": [{"Username": "alice", "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}]}],
        "steps": [{"action": "AdminUpdateUserAttributes",
                   "request": {"UserPoolId": "$pool", "Username": "alice", "UserAttributes": [{"Name": "email", "Value": "new@example.com"}]},
                   "expect": expect}]})
    .to_string()
}

#[test]
fn function_error_requires_the_functions_own_error() {
    let dir = std::env::temp_dir().join(format!("cognito-harness-expect-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    crate::cli::trigger_config(&dir, "trigger-throws");
    let met = scenario_with(json!({"outcome": "UserLambdaValidationException",
        "functionError": "boom: the trigger failed on purpose"}));
    std::fs::write(dir.join("met.json"), met).unwrap();
    let out = run(&dir, &["check", "met.json"]);
    assert_eq!(
        out.status.code(),
        Some(exit::OK),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The throw a test meant, against the one that happened (an import error, say).
    let other = scenario_with(json!({"outcome": "UserLambdaValidationException",
        "functionError": {"errorMessage": "No module named 'app'"}}));
    std::fs::write(dir.join("other.json"), other).unwrap();
    let out = run(&dir, &["check", "other.json", "--format", "json"]);
    assert_eq!(out.status.code(), Some(exit::EXPECTATION_FAILED));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mismatch = &report["scenarios"][0]["steps"][0]["mismatches"][0];
    assert_eq!(mismatch["field"], "functionError");
    assert_eq!(
        mismatch["actual"]["errorMessage"],
        "boom: the trigger failed on purpose"
    );
}

#[test]
fn a_typo_inside_an_expected_message_is_an_input_error_with_its_path() {
    let dir = std::env::temp_dir().join(format!("cognito-harness-expect-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            json!({"message": {"emailSubjet": "Welcome"}}),
            "at $.steps[0].expect.message.emailSubjet: expected a member of a delivered message (username, deliveryMedium, destination, triggerSource, emailSubject, emailMessage, smsMessage, code), not `emailSubjet`",
        ),
        (
            json!({"message": [{"destination": "a@example.com"}, {"body": "x"}]}),
            "at $.steps[0].expect.message[1].body: expected a member of a delivered message (username, deliveryMedium, destination, triggerSource, emailSubject, emailMessage, smsMessage, code), not `body`",
        ),
        (
            json!({"functionError": {"type": "Error"}}),
            "at $.steps[0].expect.functionError.type: expected errorType or errorMessage, not `type`",
        ),
    ];
    for (expect, error) in cases {
        std::fs::write(dir.join("s.json"), scenario_with(expect)).unwrap();
        let out = run(&dir, &["check", "s.json"]);
        assert_eq!(out.status.code(), Some(exit::INPUT_ERROR));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("error: s.json: {error}\n")
        );
    }
}

/// `check DIR` reads only scenario files: `*.scenario.json` or a JSON object with `steps`; pool
/// files, package locks, `node_modules`, `target` and hidden folders are passed over; a file
/// that is not JSON is still reported (it may be a scenario with a typo).
#[test]
fn a_folder_walk_reads_only_scenario_files() {
    let dir = std::env::temp_dir().join(format!("cognito-harness-walk-{}", uuid::Uuid::new_v4()));
    let scenario = json!({"pool": {}, "steps": [{"action": "DescribeUserPool", "request": {"UserPoolId": "$pool"},
        "expect": {"outcome": "success"}}]})
    .to_string();
    let files = [
        ("suite/a.json", scenario.as_str()),
        ("suite/b.scenario.json", scenario.as_str()),
        (
            "suite/pool.json",
            r#"{"PoolName": "p", "AutoVerifiedAttributes": ["email"]}"#,
        ),
        (
            "suite/node_modules/.package-lock.json",
            r#"{"name": "x", "lockfileVersion": 3}"#,
        ),
        ("suite/node_modules/dep/steps.json", scenario.as_str()),
        ("suite/target/debug/s.json", scenario.as_str()),
        ("suite/.cache/s.json", scenario.as_str()),
    ];
    for (path, content) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    let out = run(&dir, &["check", "suite"]);
    assert_eq!(
        out.status.code(),
        Some(exit::OK),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("2 passed, 0 failed\n"));

    std::fs::write(dir.join("suite/broken.json"), "{\"steps\": [").unwrap();
    let out = run(&dir, &["check", "suite"]);
    assert_eq!(out.status.code(), Some(exit::INPUT_ERROR));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error: suite/broken.json: "),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_missing_pool_file_and_a_missing_config_are_named_once() {
    let dir = std::env::temp_dir().join(format!("cognito-harness-named-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let step = json!({"action": "AdminUpdateUserAttributes",
        "request": {"UserPoolId": "$pool", "Username": "alice", "UserAttributes": [{"Name": "email", "Value": "new@example.com"}]},
        "expect": {"outcome": "UnexpectedLambdaException"}});
    let users = json!([{"Username": "alice", "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}]}]);
    let missing = json!({"pool": "pools/none.json", "users": users, "steps": [step]});
    std::fs::write(dir.join("missing.json"), missing.to_string()).unwrap();
    let out = run(&dir, &["check", "missing.json"]);
    assert_eq!(out.status.code(), Some(exit::INPUT_ERROR));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: missing.json: at $.pool: expected a pool file at pools/none.json (relative to the scenario), but there is none\n"
    );

    let arn = "arn:aws:lambda:us-east-1:123456789012:function:custom-message";
    let unbound = json!({"pool": {"AutoVerifiedAttributes": ["email"], "LambdaConfig": {"CustomMessage": arn}},
        "users": users, "steps": [step.clone(), step]});
    for name in ["a.json", "b.json"] {
        std::fs::write(dir.join(name), unbound.to_string()).unwrap();
    }
    let out = run(&dir, &["check", "a.json", "b.json"]);
    assert_eq!(
        out.status.code(),
        Some(exit::OK),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("note: no cognito-harness.toml here").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn filter_and_partition_choose_the_scenarios_a_ci_runner_runs() {
    let dir = std::env::temp_dir().join(format!("cognito-harness-shard-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("suite")).unwrap();
    for name in ["alpha", "beta", "gamma", "delta"] {
        let scenario = json!({"name": name, "pool": {}, "steps": [{"action": "DescribeUserPool",
            "request": {"UserPoolId": "$pool"}, "expect": {"outcome": "success"}}]});
        std::fs::write(dir.join(format!("suite/{name}.json")), scenario.to_string()).unwrap();
    }
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["check", "suite", "--format", "json"];
        all.extend_from_slice(args);
        let out = run(&dir, &all);
        assert_eq!(
            out.status.code(),
            Some(exit::OK),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            report["summary"]["durationMs"].is_number(),
            "durations name their unit"
        );
        report["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    // Path order: alpha, beta, delta, gamma.
    assert_eq!(names(&["--filter", "ta"]), ["beta", "delta"]);
    assert_eq!(names(&["--partition", "1/2"]), ["alpha", "delta"]);
    assert_eq!(names(&["--partition", "2/2"]), ["beta", "gamma"]);
    assert_eq!(names(&["--filter", "a", "--partition", "2/3"]), ["beta"]);
    let bad = run(&dir, &["check", "suite", "--partition", "3/2"]);
    assert_eq!(bad.status.code(), Some(exit::INPUT_ERROR));
    assert!(String::from_utf8_lossy(&bad.stderr)
        .contains("expected K/N with 1 <= K <= N (such as 2/4), not `3/2`"));
}
