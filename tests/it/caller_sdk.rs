//! `callerContext.awsSdkVersion` names the caller's SDK as Cognito reports it
//! (docs/cognito-semantics.md §1.1): from the library, from a scenario, and from the user agent a
//! request to `serve` carries.

use std::path::Path;
use std::process::Command;

use cognito_harness::{aws_sdk_version, Functions};
use serde_json::{json, Value};

use crate::recorder::{self, config, seed_user, POOL_ID};
use crate::server::support::{raw, start_with, HttpClient, TARGET_PREFIX};

/// A change to a new address each time (an unchanged address fires no trigger).
fn email_change(n: usize) -> Value {
    json!({"UserPoolId": POOL_ID, "Username": "alice",
           "UserAttributes": [{"Name": "email", "Value": format!("new{n}@example.com")}]})
}

#[tokio::test]
async fn the_library_names_the_sdk_it_is_given_and_unknown_otherwise() {
    let mut functions = Functions::new();
    let cm = recorder::recording(&mut functions, "custom-message", Ok);
    let cognito = recorder::cognito(functions, config(json!({})));
    seed_user(&cognito, "alice", &[("email", "alice@example.com")]);

    cognito
        .call("AdminUpdateUserAttributes", &email_change(1))
        .await;
    assert_eq!(
        cm.last()["callerContext"],
        json!({"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "CLIENT_ID_NOT_APPLICABLE"})
    );
    cognito
        .call_from(
            "aws-sdk-java-1.11.93",
            "AdminUpdateUserAttributes",
            &email_change(2),
        )
        .await;
    assert_eq!(
        cm.last()["callerContext"],
        json!({"awsSdkVersion": "aws-sdk-java-1.11.93", "clientId": "CLIENT_ID_NOT_APPLICABLE"})
    );
}

async fn post(client: &HttpClient, url: &str, headers: &[(&str, &str)], n: usize) -> u16 {
    let target = format!("{TARGET_PREFIX}AdminUpdateUserAttributes");
    let mut all = vec![
        ("x-amz-target", target.as_str()),
        ("content-type", "application/x-amz-json-1.1"),
    ];
    all.extend_from_slice(headers);
    raw(client, url, "POST", "/", &all, email_change(n).to_string())
        .await
        .status
}

/// The user agents are the ones each SDK sends (their formats are in the unit tests of
/// `model::user_agent`); the expected values are as published events show them.
#[tokio::test]
async fn serve_reads_the_sdk_from_the_request_user_agent() {
    let mut functions = Functions::new();
    let cm = recorder::recording(&mut functions, "custom-message", Ok);
    let cognito = recorder::cognito(functions, config(json!({})));
    seed_user(&cognito, "alice", &[("email", "alice@example.com")]);
    let running = start_with(cognito).await;
    let client = crate::server::support::http_client();
    let url = running.url();
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("user-agent", "aws-sdk-js/3.473.0 ua/2.0 os/linux#6.1 lang/js md/nodejs#20.11.0 api/cognito-identity-provider#3.473.0"),
              ("x-amz-user-agent", "aws-sdk-js/3.473.0")],
            "aws-sdk-js-3.473.0",
        ),
        (&[("user-agent", "aws-sdk-iOS/2.26.2 iOS/18.5 en_RO")], "aws-sdk-ios-2.26.2"),
        (
            &[("user-agent", "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 lang/python#3.11.7 Botocore/1.34.0")],
            "aws-sdk-unknown-unknown",
        ),
        (&[], "aws-sdk-unknown-unknown"),
    ];
    for (n, (headers, expected)) in cases.into_iter().enumerate() {
        assert_eq!(post(&client, &url, headers, n).await, 200);
        assert_eq!(
            cm.last()["callerContext"]["awsSdkVersion"],
            expected,
            "{headers:?}"
        );
    }
}

#[test]
fn a_scenario_names_the_sdk_per_scenario_and_per_step() {
    let dir = std::env::temp_dir().join(format!("cognito-harness-sdk-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    crate::cli::trigger_config(&dir, "custom-message-branded");
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:custom-message-branded";
    let step = |n: usize, sdk: Option<&str>| {
        let mut step = json!({"action": "AdminUpdateUserAttributes",
            "request": {"UserPoolId": "$pool", "Username": "alice",
                        "UserAttributes": [{"Name": "email", "Value": format!("new{n}@example.com")}]},
            "expect": {"outcome": "success"}});
        if let Some(sdk) = sdk {
            step["awsSdkVersion"] = json!(sdk);
        }
        step
    };
    let scenario = json!({"name": "sdk", "awsSdkVersion": "aws-sdk-android-2.22.1",
        "pool": {"AutoVerifiedAttributes": ["email"], "LambdaConfig": {"CustomMessage": arn}},
        "users": [{"Username": "alice", "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}]}],
        "steps": [step(1, None), step(2, Some("aws-sdk-js-3.473.0"))]});
    std::fs::write(dir.join("s.json"), scenario.to_string()).unwrap();
    let out = run(&dir, &["check", "s.json", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sdk = |i: usize| {
        report["scenarios"][0]["steps"][i]["triggers"][0]["event"]["callerContext"]["awsSdkVersion"]
            .clone()
    };
    assert_eq!(
        (sdk(0), sdk(1)),
        (json!("aws-sdk-android-2.22.1"), json!("aws-sdk-js-3.473.0"))
    );

    let mut empty = scenario.clone();
    empty["steps"][1]["awsSdkVersion"] = json!("");
    std::fs::write(dir.join("empty.json"), empty.to_string()).unwrap();
    let out = run(&dir, &["check", "empty.json"]);
    assert_eq!(out.status.code(), Some(cognito_harness::exit::INPUT_ERROR));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "empty.json: at $.steps[1].awsSdkVersion: expected the SDK as Cognito names it"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_header_rule_is_the_first_aws_sdk_token() {
    assert_eq!(
        aws_sdk_version(
            Some("Mozilla/5.0 (Macintosh)"),
            Some("aws-sdk-js/2.1639.0 promise")
        )
        .as_deref(),
        Some("aws-sdk-js-2.1639.0")
    );
    assert_eq!(
        aws_sdk_version(Some("aws-cli/2.15.0 Python/3.11"), None),
        None
    );
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cognito-harness"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}
