//! Shared by the tests: the trigger binaries (built on demand), a Python venv with AWS's runtime
//! interface client, realistic events, and process checks.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "../../benches/support/cargo_env.rs"]
mod cargo_env;

/// The workspace root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The path of a trigger binary from `triggers/`.
///
/// `COGNITO_HARNESS_TRIGGERS_DIR` names a folder of prebuilt binaries. Otherwise the workspace is
/// built once per test run into this test's own target directory and profile, with the same
/// `--workspace --all-targets` selection `cargo test --workspace` uses, so nothing is rebuilt with
/// other features. (cargo releases its build-directory lock before running tests; checked with
/// cargo 1.95, a nested build does not wait for it.)
pub fn trigger(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("COGNITO_HARNESS_TRIGGERS_DIR") {
        return Path::new(&dir).join(name);
    }
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = BUILT
        .get_or_init(build_triggers)
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(name);
    assert!(
        path.exists(),
        "no trigger binary at {} (is there a crate triggers/{name}?)",
        path.display()
    );
    path
}

fn build_triggers() -> Result<PathBuf, String> {
    // This test binary lives in <target>/<profile>/deps/.
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("unexpected test binary location")?;
    let target_dir = profile_dir
        .parent()
        .ok_or("unexpected test binary location")?;
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()));
    // The environment the outer `cargo test` was started with: a build script that reruns when a
    // variable changes (ring's, on CARGO_MANIFEST_DIR and CARGO_PKG_NAME, which cargo sets for
    // this process) would otherwise rebuild and relink this very test binary while it runs.
    cargo_env::as_from_a_shell(&mut cargo)
        .current_dir(root())
        .args(["build", "--workspace", "--all-targets", "--target-dir"])
        .arg(target_dir);
    if !cfg!(debug_assertions) {
        cargo.arg("--release");
    }
    let output = cargo
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the triggers failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(profile_dir.to_path_buf())
}

/// A Python interpreter from a venv with `awslambdaric` installed, at `target/py-venv`. Created on
/// first use (needs PyPI); later runs only check that the package imports.
pub fn python_with_awslambdaric() -> PathBuf {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    VENV.get_or_init(make_venv)
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn make_venv() -> Result<PathBuf, String> {
    let venv = root().join("target/py-venv");
    let python = venv.join("bin/python");
    let ready = || {
        Command::new(&python)
            .args(["-c", "import awslambdaric"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ready() {
        return Ok(python);
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        "awslambdaric",
    ]))?;
    if ready() {
        Ok(python)
    } else {
        Err(format!(
            "awslambdaric does not import in {}",
            venv.display()
        ))
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("could not run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Whether a process is running (not gone, not a zombie).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesized command name, which may itself contain spaces.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Waits up to a second for a process to be gone.
pub fn gone(pid: u32) -> bool {
    let start = Instant::now();
    while alive(pid) {
        if start.elapsed() > Duration::from_secs(1) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    true
}

/// A CustomMessage event as Cognito sends it (about 1 KB).
pub fn custom_message_event(source: &str, client_metadata: Value) -> Value {
    json!({
        "version": "1",
        "triggerSource": source,
        "region": "us-east-1",
        "userPoolId": "us-east-1_Example1",
        "userName": "9a3b5c7d-1e2f-4a6b-8c9d-0e1f2a3b4c5d",
        "callerContext": {
            "awsSdkVersion": "aws-sdk-js-3.523.0",
            "clientId": "5f2a7k1c9m3q8r4t6v0w2x4y6z"
        },
        "request": {
            "userAttributes": {
                "sub": "9a3b5c7d-1e2f-4a6b-8c9d-0e1f2a3b4c5d",
                "email_verified": "false",
                "cognito:user_status": "UNCONFIRMED",
                "cognito:email_alias": "alice@example.com",
                "given_name": "Alice",
                "family_name": "Example",
                "locale": "en-GB",
                "zoneinfo": "Europe/London",
                "phone_number_verified": "false",
                "phone_number": "+447700900123",
                "email": "alice@example.com"
            },
            "codeParameter": "{####}",
            "linkParameter": "{##Click Here##}",
            "usernameParameter": null,
            "clientMetadata": client_metadata
        },
        "response": { "smsMessage": null, "emailMessage": null, "emailSubject": null }
    })
}

/// A PreSignUp event for a sign-up with this email.
pub fn pre_sign_up_event(email: &str) -> Value {
    json!({
        "version": "1",
        "triggerSource": "PreSignUp_SignUp",
        "region": "us-east-1",
        "userPoolId": "us-east-1_Example1",
        "userName": "alice",
        "callerContext": { "awsSdkVersion": "aws-sdk-js-3.523.0", "clientId": "5f2a7k1c9m3q8r4t6v0w2x4y6z" },
        "request": {
            "userAttributes": { "email": email },
            "validationData": null,
            "clientMetadata": { "brand": "acme" }
        },
        "response": { "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false }
    })
}

/// A `node_modules` folder with `aws-jwt-verify` installed, at `target/node-jwt-verify`. Installed
/// from npm on first use; `Ok(None)` when npm cannot reach its registry (the caller skips, saying
/// so), a panic on any other failure.
pub fn aws_jwt_verify() -> Option<PathBuf> {
    static INSTALLED: OnceLock<Result<Option<PathBuf>, String>> = OnceLock::new();
    INSTALLED
        .get_or_init(install_aws_jwt_verify)
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn install_aws_jwt_verify() -> Result<Option<PathBuf>, String> {
    npm_install(
        "target/node-jwt-verify",
        "aws-jwt-verify",
        "aws-jwt-verify@5",
    )
}

/// Installs `spec` (e.g. `aws-jwt-verify@5`) with npm under `folder` (relative to the
/// repository) unless `package` is already there; the `node_modules` folder, or `Ok(None)` when
/// npm cannot reach its registry.
pub fn npm_install(folder: &str, package: &str, spec: &str) -> Result<Option<PathBuf>, String> {
    let prefix = root().join(folder);
    let modules = prefix.join("node_modules");
    if modules.join(package).join("package.json").exists() {
        return Ok(Some(modules));
    }
    std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    let output = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&prefix)
        .arg(spec)
        .output()
        .map_err(|e| format!("could not run npm: {e}"))?;
    if output.status.success() {
        return Ok(Some(modules));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let offline = [
        "ENOTFOUND",
        "EAI_AGAIN",
        "ETIMEDOUT",
        "ECONNREFUSED",
        "ENETUNREACH",
    ];
    if offline.iter().any(|code| stderr.contains(code)) {
        Ok(None)
    } else {
        Err(format!("npm install {spec} failed:\n{stderr}"))
    }
}

/// AWS's runtime interface client for Node.js (`aws-lambda-ric`), installed into
/// `target/node-ric` on first use; returns its entry script. `None`, with the reason, when it
/// cannot be had here: npm cannot reach the registry, or its native part does not build (it needs
/// cmake, g++, make, autoconf, automake and libtool; `.ci/run` installs them).
pub fn aws_lambda_ric() -> Result<PathBuf, String> {
    static INSTALLED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    INSTALLED.get_or_init(install_aws_lambda_ric).clone()
}

fn install_aws_lambda_ric() -> Result<PathBuf, String> {
    let prefix = root().join("target/node-ric");
    let package = prefix.join("node_modules/aws-lambda-ric");
    let entry = package.join("bin/index.mjs");
    // The native client is built by the package's install script: its presence says the build
    // went through.
    let built = || entry.exists() && package.join("dist/rapid-client.node").exists();
    if built() {
        return Ok(entry);
    }
    for tool in ["cmake", "make", "g++", "autoconf", "automake", "libtoolize"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Err(format!(
                "`{tool}` is not installed (aws-lambda-ric builds a native client)"
            ));
        }
    }
    std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    let output = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&prefix)
        .arg("aws-lambda-ric@3")
        .output()
        .map_err(|e| format!("could not run npm: {e}"))?;
    if output.status.success() && built() {
        Ok(entry)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        Err(format!(
            "npm install aws-lambda-ric did not build it:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ))
    }
}
