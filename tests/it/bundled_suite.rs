//! The bundled scenario suite (`fixtures/scenarios/`), run by the `cognito-harness` binary against
//! the example triggers as `check` runs it, so CI fails when a scenario breaks.

use std::process::Command;

use crate::support::{root, trigger};

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");

/// The root `cognito-harness.toml`, with each function's command replaced by the trigger binary
/// the test suite built, and a deadline no machine load can beat (the verdicts are the same).
fn config_for_tests() -> String {
    let text = std::fs::read_to_string(root().join("cognito-harness.toml")).unwrap();
    let config: toml::Table = toml::from_str(&text).unwrap();
    let mut out = String::from("[deadline]\ntimeout_ms = 2000\nattempts = 3\n");
    for (name, function) in config["functions"].as_table().unwrap() {
        // Two bindings may run the same binary with different env (custom-sender-wrong-key).
        let binary = function["command"][0]
            .as_str()
            .and_then(|c| c.rsplit('/').next())
            .unwrap_or(name);
        let command = trigger(binary);
        out.push_str(&format!(
            "\n[functions.{name}]\ncommand = [{:?}]\n",
            command.display().to_string()
        ));
        if let Some(env) = function.get("env") {
            out.push_str(&format!("env = {env}\n"));
        }
    }
    out
}

#[test]
fn every_bundled_scenario_passes_even_with_rust_backtrace_set() {
    let dir = std::env::temp_dir().join(format!("cognito-harness-suite-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("cognito-harness.toml");
    std::fs::write(&config, config_for_tests()).unwrap();
    let scenarios = root().join("fixtures/scenarios");
    let count = walk(&scenarios);
    // RUST_BACKTRACE in the harness's environment must not change a verdict: functions get
    // Lambda's environment, not the developer's.
    let output = Command::new(BIN)
        .args(["check", scenarios.to_str().unwrap(), "--config"])
        .arg(&config)
        .current_dir(root())
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(cognito_harness::exit::OK),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.lines().last(),
        Some(format!("{count} passed, 0 failed").as_str()),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The number of scenario files under `dir`.
fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            if p.is_dir() {
                walk(&p)
            } else {
                usize::from(p.extension().is_some_and(|e| e == "json"))
            }
        })
        .sum()
}
