//! Real AWS clients against the endpoint: boto3 and the AWS CLI, from a Python venv the test
//! creates on first use (`target/py-venv-boto3`, `pip install boto3 awscli`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use assert_json_diff::assert_json_eq;
use serde_json::{json, Value};

use super::support::{add_pool, pool_config, start, user, CUSTOM_MESSAGE_ARN};

/// The venv's bin directory, creating the venv once per test run (tests run in parallel).
pub(super) fn venv_bin() -> PathBuf {
    static READY: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut ready = READY.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(bin) = ready.as_ref() {
        return bin.clone();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/py-venv-boto3");
    let bin = venv.join("bin");
    let has_clients = |bin: &Path| {
        Command::new(bin.join("python"))
            .args(["-c", "import boto3, awscli"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has_clients(&bin) {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 is installed");
        assert!(
            status.success(),
            "python3 -m venv {} failed",
            venv.display()
        );
        let out = Command::new(bin.join("pip"))
            .args(["install", "--quiet", "boto3", "awscli"])
            .output()
            .expect("pip runs");
        assert!(
            out.status.success(),
            "pip install boto3 awscli failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    *ready = Some(bin.clone());
    bin
}

/// Runs a flow of py/flows.py against `url` and returns what it printed.
fn boto3_flow(flow: &str, url: &str, args: Value) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/server/py/flows.py");
    let out = Command::new(venv_bin().join("python"))
        .arg(script)
        .args([flow, url, &args.to_string()])
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "flows.py {flow} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "flows.py printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn error(code: &str, message: &str) -> Value {
    json!({"error": code, "message": message, "status": 400})
}

/// Runs the blocking Python process without stalling the server's runtime.
pub(super) async fn run_flow(flow: &'static str, url: String, args: Value) -> Value {
    tokio::task::spawn_blocking(move || boto3_flow(flow, &url, args))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_attribute_updates_see_each_lambda_exception_as_aws_gives_it() {
    let running = start().await;
    let (pool_id, client_id) = add_pool(&running.cognito, "us-east-1_Boto3Attr", pool_config(0));
    running
        .cognito
        .with_pool_mut(&pool_id, |p| p.put_user(user("alice", "alice@example.com")));

    let out = run_flow(
        "attribute-update",
        running.url(),
        json!({"pool": pool_id, "client": client_id, "user": "alice"}),
    )
    .await;

    assert_json_eq!(out["set_password"], json!({"ok": {}}));
    assert_json_eq!(
        out["weak_password"],
        json!({"error": "InvalidPasswordException", "message": "Password does not conform to policy: Password not long enough", "status": 400})
    );
    assert_json_eq!(
        out["wrong_password"],
        error("NotAuthorizedException", "Incorrect username or password.")
    );
    assert_json_eq!(
        out["auth"],
        json!({"TokenType": "Bearer", "ExpiresIn": 3600, "has": ["AccessToken", "ExpiresIn", "IdToken", "RefreshToken", "TokenType"]})
    );
    assert_json_eq!(
        out["self_update"],
        json!({"ok": {"CodeDeliveryDetailsList": [{"Destination": "s***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}]}})
    );
    assert_json_eq!(out["admin_update"], json!({"ok": {}}));
    assert_json_eq!(
        out["throw"],
        error(
            "UserLambdaValidationException",
            "CustomMessage failed with error brand not found."
        )
    );
    assert_json_eq!(
        out["null"],
        error(
            "InvalidLambdaResponseException",
            "Invalid lambda function output : Invalid JSON"
        )
    );
    assert_eq!(out["no-code"]["error"], "InvalidParameterException");
    assert!(
        out["no-code"]["message"].as_str().unwrap().starts_with("1 validation error detected: Value 'Welcome to Acme' at 'emailBody' failed to satisfy constraint: Member must satisfy regular expression pattern: "),
        "{}",
        out["no-code"]
    );
    assert_json_eq!(
        out["self_throw"],
        error(
            "UserLambdaValidationException",
            "CustomMessage failed with error brand not found."
        )
    );
    // Only the two accepted updates took effect; the failed ones changed nothing.
    assert_json_eq!(
        out["listed"],
        json!([{"email": "admin@example.com", "email_verified": "false"}])
    );
    assert_json_eq!(
        out["listed_types"],
        json!([{"created_is_datetime": true, "Enabled": true, "UserStatus": "CONFIRMED"}])
    );

    // The messages the user received, with the trigger's branding and the real code.
    let sent = running
        .cognito
        .with_pool(&pool_id, |p| p.outbox().to_vec())
        .unwrap();
    let destinations: Vec<&str> = sent.iter().map(|m| m.destination.as_str()).collect();
    assert_eq!(destinations, ["self@example.com", "admin@example.com"]);
    for m in &sent {
        assert_eq!(
            m.body,
            format!("Your Acme code is {}", m.code.as_deref().unwrap())
        );
    }
    // Each call's log line names the verdict behind it.
    let update_lines: Vec<String> = running
        .log_lines()
        .into_iter()
        .filter(|l| l.contains("UpdateUserAttributes -> "))
        .collect();
    assert_eq!(update_lines.len(), 6, "{update_lines:#?}");
    assert!(update_lines.iter().any(|l| l.contains("-> 400 InvalidLambdaResponseException [CustomMessage_UpdateUserAttribute rule=output.invalid-json grade=assumed]")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_pool_updates_change_which_trigger_fires() {
    let running = start().await;
    let (pool_id, client_id) = add_pool(&running.cognito, "us-east-1_Boto3Pool", pool_config(0));
    running
        .cognito
        .with_pool_mut(&pool_id, |p| p.put_user(user("bob", "bob@example.com")));

    let out = run_flow(
        "pool-update",
        running.url(),
        json!({"pool": pool_id, "client": client_id, "user": "bob", "arn": CUSTOM_MESSAGE_ARN}),
    )
    .await;

    assert_json_eq!(out["update_unbound"], json!({"ok": {}}));
    assert_json_eq!(
        out["unexpected"],
        error(
            "UnexpectedLambdaException",
            "CustomMessage invocation failed due to error AccessDeniedException."
        )
    );
    assert_json_eq!(out["update_reset"], json!({"ok": {}}));
    assert_eq!(out["described_custom_message"], Value::Null);
    // No trigger any more: ClientMetadata asking the handler to throw has nothing to reach.
    assert_json_eq!(out["template"], json!({"ok": {}}));
    assert_json_eq!(out["update_restore"], json!({"ok": {}}));
    assert_json_eq!(
        out["restored"],
        error(
            "UserLambdaValidationException",
            "CustomMessage failed with error brand not found."
        )
    );

    let sent = running
        .cognito
        .with_pool(&pool_id, |p| p.outbox().to_vec())
        .unwrap();
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].destination, "u2@example.com");
    assert_ne!(
        sent[0].body,
        format!("Your Acme code is {}", sent[0].code.as_deref().unwrap()),
        "the pool template, not the trigger's"
    );
    assert!(running.log_lines().iter().any(|l| l.contains(
        "-> 400 UnexpectedLambdaException [CustomMessage_UpdateUserAttribute rule=invoke.access-denied grade=observed]"
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_sign_in_challenges_and_user_management() {
    let running = start().await;
    let (pool_id, client_id) = add_pool(&running.cognito, "us-east-1_Boto3Sign", pool_config(0));
    running
        .cognito
        .with_pool_mut(&pool_id, |p| p.put_user(user("temp", "temp@example.com")));

    let out = run_flow(
        "sign-in",
        running.url(),
        json!({"pool": pool_id, "client": client_id}),
    )
    .await;

    assert_json_eq!(out["temporary"], json!({"ok": {}}));
    assert_json_eq!(
        out["challenge"],
        json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "has_session": true, "ChallengeParameters": {
            "USER_ID_FOR_SRP": "temp", "requiredAttributes": "[]",
            "userAttributes": "{\"email\":\"temp@example.com\",\"email_verified\":\"true\"}"}})
    );
    assert_json_eq!(
        out["unknown_user"],
        error("NotAuthorizedException", "Incorrect username or password.")
    );
    assert_json_eq!(
        out["unknown_client"],
        error(
            "ResourceNotFoundException",
            "User pool client nosuchclient does not exist."
        )
    );
    assert_json_eq!(
        out["missing_password"],
        error(
            "InvalidParameterException",
            "Missing required parameter PASSWORD"
        )
    );
    assert_json_eq!(
        out["reset_required"],
        error(
            "PasswordResetRequiredException",
            "Password reset required for the user"
        )
    );
    assert_json_eq!(out["delete"], json!({"ok": {}}));
    assert_json_eq!(
        out["delete_again"],
        error("UserNotFoundException", "User does not exist.")
    );
    assert_json_eq!(
        out["unknown_operation"],
        error(
            "UnknownOperationException",
            "Unknown operation DescribeRiskConfiguration"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_sign_up_sees_pre_sign_up_verdicts_and_confirms_with_the_sent_code() {
    let running = start().await;
    let (pool_id, client_id) = add_pool(&running.cognito, "us-east-1_Boto3SignUp", pool_config(0));
    let args = json!({"pool": pool_id, "client": client_id});

    let out = run_flow("sign-up", running.url(), args.clone()).await;

    assert_json_eq!(
        out["plain"],
        json!({"ok": {"UserConfirmed": false, "UserSub": true,
                      "CodeDeliveryDetails": {"Destination": "d***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}}})
    );
    assert_json_eq!(
        out["unconfirmed_sign_in"],
        error("UserNotConfirmedException", "User is not confirmed.")
    );
    assert_json_eq!(
        out["throw"],
        error(
            "UserLambdaValidationException",
            "PreSignUp failed with error domain not allowed."
        )
    );
    assert_json_eq!(
        out["null"],
        error(
            "InvalidLambdaResponseException",
            "Invalid lambda function output : Invalid JSON"
        )
    );
    assert_json_eq!(
        out["verify-phone"],
        error(
            "InvalidParameterException",
            "autoVerifyPhone is true but the user has no phone_number attribute to verify."
        )
    );
    assert_json_eq!(
        out["auto_confirmed"],
        json!({"ok": {"UserConfirmed": true}})
    );
    assert_json_eq!(
        out["auto_confirmed_sign_in"],
        json!([
            "AccessToken",
            "ExpiresIn",
            "IdToken",
            "RefreshToken",
            "TokenType"
        ])
    );
    assert_json_eq!(
        out["again"],
        error("UsernameExistsException", "User already exists")
    );
    // Rejected sign-ups stored nobody (ruling 11).
    assert_json_eq!(
        out["users"],
        json!([["dave", "UNCONFIRMED"], ["frank", "CONFIRMED"]])
    );

    // The code went out through the CustomMessage trigger; the app's user types it in.
    let sent = running
        .cognito
        .with_pool(&pool_id, |p| p.last_message_to("dave").cloned())
        .unwrap()
        .unwrap();
    assert_eq!(sent.trigger_source, "CustomMessage_SignUp");
    let code = sent.code.clone().unwrap();
    assert_eq!(sent.body, format!("Your Acme code is {code}"));
    let mut args = args;
    args["code"] = json!(code);
    let out = run_flow("confirm", running.url(), args).await;
    assert_json_eq!(
        out["wrong_code"],
        error(
            "CodeMismatchException",
            "Invalid verification code provided, please try again."
        )
    );
    assert_json_eq!(out["confirm"], json!({"ok": {}}));
    assert_json_eq!(out["sign_in"], json!("Bearer"));
    assert!(running.log_lines().iter().any(|l| l.contains(
        "SignUp -> 400 UserLambdaValidationException [PreSignUp_SignUp rule=function-error grade=observed]"
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_makes_its_own_pool_and_client_and_the_trigger_fires() {
    let running = start().await;

    let out = run_flow(
        "pool-admin",
        running.url(),
        json!({"arn": CUSTOM_MESSAGE_ARN}),
    )
    .await;

    assert_eq!(out["pool_id_shape"], true);
    assert_eq!(out["create_user"], "FORCE_CHANGE_PASSWORD");
    assert_json_eq!(out["set_password"], json!({"ok": {}}));
    // A client created without ExplicitAuthFlows allows only SRP, refresh and custom auth.
    assert_json_eq!(
        out["srp_only_client"],
        error(
            "InvalidParameterException",
            "USER_PASSWORD_AUTH flow not enabled for this client"
        )
    );
    assert_json_eq!(
        out["admin_flow_on_user_client"],
        error(
            "InvalidParameterException",
            "Auth flow not enabled for this client"
        )
    );
    // The pool's LambdaConfig, set through CreateUserPool, reaches the bound handler.
    assert_json_eq!(
        out["self_update"],
        error(
            "UserLambdaValidationException",
            "CustomMessage failed with error brand not found."
        )
    );
    assert_json_eq!(out["delete_pool"], json!({"ok": {}}));
    let pool_id = out["pool_id"].as_str().unwrap();
    assert_json_eq!(
        out["gone"],
        error(
            "ResourceNotFoundException",
            &format!("User pool {pool_id} does not exist.")
        )
    );
}

/// The AWS CLI, exactly as the README shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_works_against_the_endpoint() {
    let running = start().await;
    let (pool_id, _) = add_pool(&running.cognito, "us-east-1_AwsCli", pool_config(0));
    running
        .cognito
        .with_pool_mut(&pool_id, |p| p.put_user(user("carol", "carol@example.com")));
    let url = running.url();

    let aws = move |args: Vec<String>| {
        let out = Command::new(venv_bin().join("aws"))
            .args([
                "cognito-idp",
                "--endpoint-url",
                &url,
                "--region",
                "us-east-1",
                "--output",
                "json",
            ])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "any")
            .env("AWS_SECRET_ACCESS_KEY", "any")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output()
            .expect("aws runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let args = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();

    let pool = pool_id.clone();
    let (ok, failed, listed) = tokio::task::spawn_blocking(move || {
        let ok = aws(args(&format!("admin-update-user-attributes --user-pool-id {pool} --username carol --user-attributes Name=email,Value=c2@example.com")));
        let failed = aws(args(&format!(
            "admin-update-user-attributes --user-pool-id {pool} --username carol --user-attributes Name=email,Value=c3@example.com --client-metadata mode=throw"
        )));
        let listed = aws(args(&format!("list-users --user-pool-id {pool}")));
        (ok, failed, listed)
    })
    .await
    .unwrap();

    assert_eq!(ok.0, Some(0), "{ok:?}");
    // awscli v1 (PyPI) exits 255 on a service error (v2 uses 254).
    assert_eq!(failed.0, Some(255), "{failed:?}");
    assert_eq!(
        failed.2.trim(),
        "An error occurred (UserLambdaValidationException) when calling the AdminUpdateUserAttributes operation: \
         CustomMessage failed with error brand not found."
    );
    assert_eq!(listed.0, Some(0), "{listed:?}");
    let listed: Value = serde_json::from_str(&listed.1).unwrap();
    assert_eq!(listed["Users"][0]["Username"], "carol");
    assert_eq!(listed["Users"][0]["UserStatus"], "CONFIRMED");
}

/// The code an authenticator app shows for `secret` at `time` (the crate the harness uses).
fn totp_code(secret: &str, time: u64) -> String {
    use totp_rs::{Algorithm, Secret, TOTP};
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().unwrap();
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes)
        .unwrap()
        .generate(time)
}

/// A code that is none of `secret`'s within a step of `time`.
fn wrong_totp_code(secret: &str, time: u64) -> String {
    let near: Vec<String> = [time - 30, time, time + 30]
        .iter()
        .map(|t| totp_code(secret, *t))
        .collect();
    (0..4)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_sets_up_a_software_token_and_answers_the_mfa_challenge() {
    let running = start().await;
    let (pool_id, client_id) = add_pool(&running.cognito, "us-east-1_Boto3Mfa", pool_config(0));
    running.cognito.with_pool_mut(&pool_id, |p| {
        let mut alice = user("alice", "alice@example.com");
        alice.password = Some("Passw0rd!".into());
        p.put_user(alice)
    });
    let args = json!({"pool": pool_id, "client": client_id, "user": "alice"});
    let out = run_flow("mfa-associate", running.url(), args.clone()).await;
    assert_json_eq!(
        out["pool_config"],
        json!({"ok": {"SoftwareTokenMfaConfiguration": {"Enabled": true}, "MfaConfiguration": "OPTIONAL"}})
    );
    let secret = out["associate"]["ok"]["SecretCode"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(secret.len(), 52);

    // The codes come from the secret boto3 received, computed here with the same crate.
    let now = running.cognito.now();
    let mut enable = args.clone();
    enable["access"] = out["access"].clone();
    enable["code"] = json!(totp_code(&secret, now));
    enable["wrong"] = json!(wrong_totp_code(&secret, now));
    let out = run_flow("mfa-enable", running.url(), enable).await;
    assert_json_eq!(
        out["wrong"],
        error(
            "EnableSoftwareTokenMFAException",
            "Code mismatch and fail enable Software Token MFA"
        )
    );
    assert_json_eq!(out["verify"], json!({"ok": {"Status": "SUCCESS"}}));
    assert_json_eq!(out["prefer"], json!({"ok": {}}));
    assert_json_eq!(
        out["get_user"],
        json!({"UserMFASettingList": ["SOFTWARE_TOKEN_MFA"], "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA"})
    );
    let challenge = &out["challenge"]["ok"];
    assert_eq!(challenge["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    assert_json_eq!(
        challenge["ChallengeParameters"],
        json!({"USER_ID_FOR_SRP": "alice"})
    );

    let now = running.cognito.now();
    let mut answer = args;
    answer["session"] = challenge["Session"].clone();
    answer["code"] = json!(totp_code(&secret, now));
    answer["wrong"] = json!(wrong_totp_code(&secret, now));
    let out = run_flow("mfa-answer", running.url(), answer).await;
    assert_json_eq!(
        out["wrong"],
        error("CodeMismatchException", "Invalid code received for user")
    );
    assert_json_eq!(
        out["right"],
        json!([
            "AccessToken",
            "ExpiresIn",
            "IdToken",
            "RefreshToken",
            "TokenType"
        ])
    );
    assert_json_eq!(
        out["again"],
        error(
            "NotAuthorizedException",
            "Invalid session for the user, session can only be used once."
        )
    );
}
