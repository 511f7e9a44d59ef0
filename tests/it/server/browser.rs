//! A real browser against `serve` (issue 13, item 4): a page on another origin signs up, reads
//! the code from `/_harness/`, confirms, signs in and out with `fetch` in Debian's headless
//! Chromium driven by playwright-core, while a second tab shows the web view at `/_harness/`
//! (issue 13, item 6): it must come to show the message with its code and the trigger runs'
//! verdicts, and must not run the markup in a username. Skipped, saying so, when
//! `/usr/bin/chromium` is not installed or npm cannot reach its registry.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use assert_json_diff::assert_json_eq;
use serde_json::{json, Value};

use super::support::{add_pool, call, http_client, pool_config, start};
use crate::support::root;

const CHROMIUM: &str = "/usr/bin/chromium";

/// `target/node-playwright/node_modules` with playwright-core, installed on first use; None when
/// npm cannot reach its registry.
fn playwright_core() -> Option<PathBuf> {
    static INSTALLED: OnceLock<Option<PathBuf>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let prefix = root().join("target/node-playwright");
            let modules = prefix.join("node_modules");
            if modules.join("playwright-core/package.json").exists() {
                return Some(modules);
            }
            std::fs::create_dir_all(&prefix).expect("target is writable");
            let output = Command::new("npm")
                .args([
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    "--prefix",
                ])
                .arg(&prefix)
                .arg("playwright-core@1")
                .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
                .output()
                .expect("npm runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            if output.status.success() {
                Some(modules)
            } else if [
                "ENOTFOUND",
                "EAI_AGAIN",
                "ETIMEDOUT",
                "ECONNREFUSED",
                "ENETUNREACH",
            ]
            .iter()
            .any(|code| stderr.contains(code))
            {
                None
            } else {
                panic!("npm install playwright-core failed:\n{stderr}")
            }
        })
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_another_origin_signs_up_confirms_and_signs_in_through_cors() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("SKIPPED browser test: {CHROMIUM} is not installed (apt-get install chromium)");
        return;
    }
    let Some(modules) = tokio::task::spawn_blocking(playwright_core).await.unwrap() else {
        eprintln!(
            "SKIPPED browser test: npm could not reach its registry to install playwright-core"
        );
        return;
    };
    let running = start().await;
    let (pool_id, client_id) = add_pool(&running.cognito, "us-east-1_Browser1", pool_config(0));
    // A username is text a user chose: the web view must show it, not run it.
    let hostile = "<img/src=x/onerror=window.injected=1>";
    let signed_up = call(
        &http_client(),
        &running.url(),
        "SignUp",
        &json!({"ClientId": client_id, "Username": hostile, "Password": "Passw0rd!",
                "UserAttributes": [{"Name": "email", "Value": "mallory@example.com"}]}),
    )
    .await;
    assert_eq!(signed_up.status, 200, "{:?}", signed_up.body);
    // That sign-up and the page's six calls.
    let calls = 7;
    let mut command = Command::new("node");
    command
        .arg(root().join("tests/it/js/browser_cors.mjs"))
        .arg(&modules)
        .arg(CHROMIUM)
        .arg(running.url())
        .arg(&pool_id)
        .arg(&client_id)
        .arg(calls.to_string())
        .arg(hostile);
    let output = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .output()
        .await
        .expect("node runs");
    assert!(
        output.status.success(),
        "the browser run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut seen: Value = serde_json::from_slice(&output.stdout).unwrap();
    let origin = seen["origin"].as_str().unwrap_or_default().to_string();
    assert!(origin.starts_with("http://localhost:"), "{origin}");
    assert_ne!(origin, running.url());
    seen["origin"] = json!("<another origin>");
    assert_json_eq!(
        seen,
        json!({
            "origin": "<another origin>",
            "signUp": {"status": 200, "requestId": true, "confirmed": false},
            "messages": [{"destination": "hana@example.com", "triggerSource": "CustomMessage_SignUp", "hasCode": true}],
            "wrongCode": {"status": 400, "requestId": true, "errorType": "CodeMismatchException:",
                          "body": {"__type": "CodeMismatchException", "message": "Invalid verification code provided, please try again."}},
            "confirm": 200,
            "signIn": {"status": 200, "hasTokens": ["AccessToken", "ExpiresIn", "IdToken", "RefreshToken", "TokenType"]},
            "signOut": 200,
            "afterSignOut": {"status": 400, "requestId": true, "errorType": "NotAuthorizedException:",
                             "body": {"__type": "NotAuthorizedException", "message": "Access Token has been revoked"}},
            "webView": {
                "code": true,
                "destinations": ["hana@example.com", "mallory@example.com"],
                "rules": ["custom-message.accepted", "pre-sign-up.accepted", "custom-message.accepted", "pre-sign-up.accepted"],
                "statuses": ["UNCONFIRMED", "CONFIRMED"],
                "hostileUserShownAsText": true,
                "injected": "undefined",
            },
        })
    );
    // The preflights reached the endpoint but are not operations: only the calls are logged.
    let logged = running
        .log_lines()
        .iter()
        .filter(|l| l.starts_with("cognito-harness serve: "))
        .count();
    assert_eq!(logged, calls, "{:#?}", running.log_lines());
}
