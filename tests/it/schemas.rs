//! `cognito-harness schema`, `completions` and `--version`: the schemas accept every file the
//! repository ships and refuse what the loaders refuse.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

use crate::support::root;

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn schema(kind: &str) -> jsonschema::Validator {
    let out = run(root(), &["schema", kind]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let schema: Value = serde_json::from_slice(&out.stdout).expect("the schema is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_bundled_scenario_pool_and_config_fits_its_schema() {
    let scenario = schema("scenario");
    let pool = schema("pool");
    let config = schema("config");
    let mut files = Vec::new();
    json_files(&root().join("fixtures/scenarios"), &mut files);
    let scenarios: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| read_json(f).get("steps").is_some())
        .collect();
    assert!(scenarios.len() > 20, "{scenarios:?}");
    for file in &scenarios {
        let found = errors(&scenario, &read_json(file));
        assert!(found.is_empty(), "{}: {found:#?}", file.display());
    }
    let mut pools = Vec::new();
    json_files(&root().join("fixtures/pools"), &mut pools);
    assert!(pools.len() > 5);
    for file in &pools {
        let found = errors(&pool, &read_json(file));
        assert!(found.is_empty(), "{}: {found:#?}", file.display());
    }
    let text = std::fs::read_to_string(root().join("cognito-harness.toml")).unwrap();
    let toml: Value = toml::from_str(&text).unwrap();
    let found = errors(&config, &toml);
    assert!(found.is_empty(), "cognito-harness.toml: {found:#?}");
}

#[test]
fn what_the_loaders_refuse_the_schemas_refuse() {
    let scenario = schema("scenario");
    let step = |expect: Value| json!({"pool": "p.json", "steps": [{"action": "SignUp", "request": {}, "expect": expect}]});
    let good = step(json!({"outcome": "UserLambdaValidationException",
                          "rule": "custom-message.code-placeholder",
                          "message": {"emailSubject": "Hi", "code": "{####}"},
                          "functionError": {"errorType": "Error"}}));
    assert_eq!(errors(&scenario, &good), Vec::<String>::new());
    for (bad, at) in [
        (step(json!({"outcom": "success"})), "/steps/0/expect"),
        (
            step(json!({"outcome": "Success"})),
            "/steps/0/expect/outcome",
        ),
        (
            step(json!({"rule": "no.such-rule"})),
            "/steps/0/expect/rule",
        ),
        (
            step(json!({"message": {"emailSubjet": "Hi"}})),
            "/steps/0/expect/message",
        ),
        (
            step(json!({"functionError": {"errorMesage": "x"}})),
            "/steps/0/expect/functionError",
        ),
        (
            json!({"pool": "p.json", "steps": [{"action": "SignUpp"}]}),
            "/steps/0/action",
        ),
        (json!({"pool": {"LambdaConfigs": {}}, "steps": []}), "/pool"),
        (json!({"pool": "p.json"}), ""),
    ] {
        let found = errors(&scenario, &bad);
        assert!(
            found.iter().any(|e| e.starts_with(&format!("{at}:"))),
            "{bad}: {found:#?}"
        );
    }

    let pool = schema("pool");
    assert_eq!(
        errors(
            &pool,
            &json!({"$schema": "x", "UserPoolId": "us-east-1_A", "PoolName": "p",
                             "LambdaConfig": {"CustomMessage": "arn:aws:lambda:us-east-1:1:function:f"}})
        ),
        Vec::<String>::new()
    );
    for (bad, at) in [
        (json!({"LambdaConfigs": {}}), ""),
        (
            json!({"LambdaConfig": {"CustomMesage": "arn"}}),
            "/LambdaConfig",
        ),
        (json!({"PoolName": 5}), "/PoolName"),
    ] {
        let found = errors(&pool, &bad);
        assert!(
            found.iter().any(|e| e.starts_with(&format!("{at}:"))),
            "{bad}: {found:#?}"
        );
    }

    let config = schema("config");
    for (bad, at) in [
        (json!({"biuld": ["x"]}), ""),
        (
            json!({"functions": {"f": {"comand": ["x"]}}}),
            "/functions/f",
        ),
        (
            json!({"functions": {"f": {"command": ["x"], "url": "http://127.0.0.1:9/"}}}),
            "/functions/f",
        ),
        (
            json!({"functions": {"f": {"command": []}}}),
            "/functions/f/command",
        ),
        (
            json!({"functions": {"f": {"command": ["x"], "memory_size": 64}}}),
            "/functions/f/memory_size",
        ),
    ] {
        let found = errors(&config, &bad);
        assert!(
            found.iter().any(|e| e.starts_with(&format!("{at}:"))),
            "{bad}: {found:#?}"
        );
    }
}

#[test]
fn a_scenario_and_a_pool_file_may_name_their_schema() {
    let dir = std::env::temp_dir().join(format!("cognito-harness-schema-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("pool.json"),
        json!({"$schema": "./pool.schema.json", "AutoVerifiedAttributes": ["email"]}).to_string(),
    )
    .unwrap();
    let scenario = json!({
        "$schema": "./scenario.schema.json",
        "pool": "pool.json",
        "steps": [{"action": "SignUp",
                   "request": {"ClientId": "$client", "Username": "alice", "Password": "Passw0rd!",
                               "UserAttributes": [{"Name": "email", "Value": "a@example.com"}]},
                   "expect": {"outcome": "success"}}]
    });
    std::fs::write(dir.join("first.json"), scenario.to_string()).unwrap();
    let out = run(&dir, &["check", "first.json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn completions_name_every_subcommand() {
    let out = run(root(), &["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(
        script.contains("complete -F _cognito__harness -o bashdefault -o default cognito-harness"),
        "{script}"
    );
    for sub in [
        "check",
        "replay",
        "invoke",
        "serve",
        "init",
        "schema",
        "completions",
        "events",
    ] {
        assert!(
            script.contains(&format!("cognito__harness,{sub})")),
            "no {sub} in the bash completions"
        );
    }
    let bad = run(root(), &["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn version_prints_the_package_version() {
    let out = run(root(), &["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("cognito-harness {}\n", env!("CARGO_PKG_VERSION"))
    );
}
