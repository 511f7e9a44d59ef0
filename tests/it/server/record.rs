//! `serve --record FILE` (issue 14 item 8): a real `serve` process, driven over plain HTTP as a
//! client app would, writes the calls as a scenario; the file is checked as JSON (references,
//! expectations) and replayed with `cognito-harness check FILE` against the same functions.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::serve_process::ServeProcess;
use crate::support;

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");
/// Starting `serve` builds nothing (the bindings have no `build`), but a loaded machine is slow.
const STARTUP: Duration = Duration::from_secs(120);
const CUSTOM_MESSAGE_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:custom-message-branded";
const PRE_SIGN_UP_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up-allowlist";
/// What the pools of these tests make every CustomMessage answer carry (they send with
/// COGNITO_DEFAULT).
const DEFAULT_EMAIL_WARNING: &str = "the pool sends e-mail with COGNITO_DEFAULT; the 2023 guide said a custom emailMessage/emailSubject then fails with InvalidLambdaResponseException (not enforced: ruling 7)";

/// A folder with a cognito-harness.toml binding the two example triggers (the allow-list open
/// to `allowed_domains`) and `pool.json` as given.
fn project(pool: Value, allowed_domains: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cognito-harness-record-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    write_config(&dir, "cognito-harness.toml", allowed_domains);
    std::fs::write(dir.join("pool.json"), pool.to_string()).unwrap();
    dir
}

fn write_config(dir: &Path, name: &str, allowed_domains: &str) {
    let branded = support::trigger("custom-message-branded");
    let allowlist = support::trigger("pre-sign-up-allowlist");
    std::fs::write(
        dir.join(name),
        format!(
            "[functions.custom-message-branded]\ncommand = [{:?}]\n\n[functions.pre-sign-up-allowlist]\ncommand = [{:?}]\nenv = {{ ALLOWED_EMAIL_DOMAINS = {allowed_domains:?} }}\n",
            branded.display().to_string(),
            allowlist.display().to_string(),
        ),
    )
    .unwrap();
}

/// Starts `serve --port 0 --record <record> [args]` in `dir`; returns it with the pools it said
/// it loaded.
fn start_serve(dir: &Path, record: &str, args: &[&str]) -> (ServeProcess, Vec<String>) {
    let serve = ServeProcess::start(dir, &[&["--record", record], args].concat());
    // Pools are loaded (and said so on stderr) before the URL is printed.
    let pools = serve
        .startup
        .iter()
        .filter_map(|l| {
            l.strip_prefix("pool ")
                .and_then(|r| r.strip_suffix(" loaded"))
                .map(str::to_string)
        })
        .collect();
    (serve, pools)
}

/// One HTTP/1.1 request with `Connection: close`; the status and the JSON body.
fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a response head");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// A Cognito call as an SDK makes it, from a client that names itself as the AWS SDK for Java does.
fn call(port: u16, action: &str, body: Value) -> Value {
    let target = format!("AWSCognitoIdentityProviderService.{action}");
    let (_, body) = http(
        port,
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", &target),
            (
                "User-Agent",
                "aws-sdk-java/2.20.43 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.6+10 Java/17.0.6",
            ),
        ],
        &body.to_string(),
    );
    body
}

/// The code of the last message the pool delivered to `username`, read as an app's test reads
/// it: from the outbox route.
fn last_code(port: u16, pool: &str, username: &str) -> String {
    let (status, messages) = http(
        port,
        "GET",
        &format!("/_harness/pools/{pool}/messages?username={username}"),
        &[],
        "",
    );
    assert_eq!(status, 200, "{messages}");
    messages
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["code"].as_str())
        .unwrap_or_else(|| panic!("no code in {messages}"))
        .to_string()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `cognito-harness check FILE` in `dir` with `config`: exit code and stdout.
fn check(dir: &Path, config: &str, file: &str) -> (i32, String) {
    let out = Command::new(BIN)
        .args(["check", file, "--config", config])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), format!("{stdout}{stderr}"))
}

/// The stable members of a delivered message as the recording writes them.
fn branded(destination: &str, source: &str, subject: &str, body: &str) -> Value {
    json!({
        "username": "alice",
        "deliveryMedium": "EMAIL",
        "destination": destination,
        "triggerSource": source,
        "emailSubject": subject,
        "emailMessage": body,
    })
}

#[test]
fn a_recorded_app_flow_replays_as_a_passing_scenario() {
    // No UserPoolId: the replay's pool has another id, so `$pool` has to stand for it.
    let dir = project(
        json!({"PoolName": "recorded", "AutoVerifiedAttributes": ["email"],
               "LambdaConfig": {"CustomMessage": CUSTOM_MESSAGE_ARN}}),
        "example.com",
    );
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    let (serve, pools) = start_serve(&dir, "scenarios/app-flow.json", &["--pool", "pool.json"]);
    let (port, pool) = (serve.port, pools[0].clone());

    let client = call(
        port,
        "CreateUserPoolClient",
        json!({"UserPoolId": pool, "ClientName": "web",
               "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
    );
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    let signed_up = call(
        port,
        "SignUp",
        json!({"ClientId": client_id, "Username": "alice", "Password": "$ecret-Passw0rd",
               "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}],
               "ClientMetadata": {"brand": "Acme"}}),
    );
    assert_eq!(signed_up["UserConfirmed"], json!(false), "{signed_up}");
    let code = last_code(port, &pool, "alice");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mismatch = call(
        port,
        "ConfirmSignUp",
        json!({"ClientId": client_id, "Username": "alice", "ConfirmationCode": wrong}),
    );
    assert_eq!(mismatch["__type"], json!("CodeMismatchException"));
    call(
        port,
        "ConfirmSignUp",
        json!({"ClientId": client_id, "Username": "alice", "ConfirmationCode": code}),
    );
    let signed_in = call(
        port,
        "InitiateAuth",
        json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "alice", "PASSWORD": "$ecret-Passw0rd"}}),
    );
    let tokens = &signed_in["AuthenticationResult"];
    let access = tokens["AccessToken"].as_str().unwrap().to_string();
    let refresh = tokens["RefreshToken"].as_str().unwrap().to_string();
    call(
        port,
        "UpdateUserAttributes",
        json!({"AccessToken": access,
               "UserAttributes": [{"Name": "email", "Value": "alice@example.org"}],
               "ClientMetadata": {"brand": "Acme"}}),
    );
    let code = last_code(port, &pool, "alice");
    call(
        port,
        "VerifyUserAttribute",
        json!({"AccessToken": access, "AttributeName": "email", "Code": code}),
    );
    call(
        port,
        "InitiateAuth",
        json!({"ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
               "AuthParameters": {"REFRESH_TOKEN": refresh}}),
    );
    serve.kill();

    let file = dir.join("scenarios/app-flow.json");
    let mut recorded = read_json(&file);
    // The client's description is CreateUserPoolClient's whole answer: its stable members.
    let described = recorded["steps"][0]["expect"]
        .as_object_mut()
        .unwrap()
        .shift_remove("response")
        .unwrap();
    assert_eq!(described["UserPoolClient"]["ClientName"], json!("web"));
    assert_eq!(
        described["UserPoolClient"]["ExplicitAuthFlows"],
        json!(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    );
    assert!(described["UserPoolClient"].get("ClientId").is_none());
    let authenticated = json!({"ChallengeParameters": {},
                               "AuthenticationResult": {"ExpiresIn": 3600, "TokenType": "Bearer"}});
    assert_eq!(
        recorded,
        json!({
            "comment": "Recorded by `cognito-harness serve --record`: each step is a call a client made, its expect what happened then. Passwords, codes and secrets are as the client sent them.",
            "pool": "../pool.json",
            "awsSdkVersion": "aws-sdk-java-2.20.43",
            "steps": [
                {"action": "CreateUserPoolClient",
                 "request": {"UserPoolId": "$pool", "ClientName": "web",
                             "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]},
                 "expect": {"outcome": "success"}},
                {"action": "SignUp",
                 "request": {"ClientId": "$client.web", "Username": "alice",
                             "Password": "$$ecret-Passw0rd",
                             "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}],
                             "ClientMetadata": {"brand": "Acme"}},
                 "expect": {"outcome": "success", "rule": "custom-message.accepted",
                            "message": branded("alice@example.com", "CustomMessage_SignUp",
                                               "Acme: confirm your account",
                                               "Welcome to Acme! Your confirmation code is {####}."),
                            "response": {"UserConfirmed": false,
                                         "CodeDeliveryDetails": {"Destination": "a***@e***",
                                                                 "DeliveryMedium": "EMAIL",
                                                                 "AttributeName": "email"}},
                            "warnings": [DEFAULT_EMAIL_WARNING]}},
                {"action": "ConfirmSignUp",
                 "request": {"ClientId": "$client.web", "Username": "alice", "ConfirmationCode": wrong},
                 "expect": {"outcome": "CodeMismatchException",
                            "message": "Invalid verification code provided, please try again."}},
                {"action": "ConfirmSignUp",
                 "request": {"ClientId": "$client.web", "Username": "alice",
                             "ConfirmationCode": "$code.alice"},
                 "expect": {"outcome": "success"}},
                {"action": "InitiateAuth",
                 "request": {"ClientId": "$client.web", "AuthFlow": "USER_PASSWORD_AUTH",
                             "AuthParameters": {"USERNAME": "alice", "PASSWORD": "$$ecret-Passw0rd"}},
                 "expect": {"outcome": "success", "response": authenticated}},
                {"action": "UpdateUserAttributes",
                 "request": {"AccessToken": "$token.alice",
                             "UserAttributes": [{"Name": "email", "Value": "alice@example.org"}],
                             "ClientMetadata": {"brand": "Acme"}},
                 "expect": {"outcome": "success", "rule": "custom-message.accepted",
                            "message": branded("alice@example.org",
                                               "CustomMessage_UpdateUserAttribute",
                                               "Acme: confirm your new address",
                                               "Confirm this address for your Acme account with code {####}."),
                            "response": {"CodeDeliveryDetailsList": [{"Destination": "a***@e***",
                                                                      "DeliveryMedium": "EMAIL",
                                                                      "AttributeName": "email"}]},
                            "warnings": [DEFAULT_EMAIL_WARNING]}},
                {"action": "VerifyUserAttribute",
                 "request": {"AccessToken": "$token.alice", "AttributeName": "email",
                             "Code": "$code.alice"},
                 "expect": {"outcome": "success"}},
                {"action": "InitiateAuth",
                 "request": {"ClientId": "$client.web", "AuthFlow": "REFRESH_TOKEN_AUTH",
                             "AuthParameters": {"REFRESH_TOKEN": "$refresh.alice"}},
                 "expect": {"outcome": "success", "response": authenticated}},
            ]
        })
    );

    let (code, out) = check(&dir, "cognito-harness.toml", "scenarios/app-flow.json");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 passed, 0 failed"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_recorded_rejection_replays_to_the_same_rejection() {
    let dir = project(
        json!({"UserPoolId": "us-east-1_Record01", "PoolName": "allow-list",
               "LambdaConfig": {"PreSignUp": PRE_SIGN_UP_ARN}}),
        "example.com",
    );
    let (serve, _) = start_serve(&dir, "rejected.json", &["--pool", "pool.json"]);
    let port = serve.port;
    let client = call(
        port,
        "CreateUserPoolClient",
        json!({"UserPoolId": "us-east-1_Record01", "ClientName": "web"}),
    );
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    let sign_up = |email: &str| {
        call(
            port,
            "SignUp",
            json!({"ClientId": client_id, "Username": email.split('@').next().unwrap(),
                   "Password": "Passw0rd!x",
                   "UserAttributes": [{"Name": "email", "Value": email}]}),
        )
    };
    assert_eq!(sign_up("bob@example.com")["UserConfirmed"], json!(true));
    let rejected = sign_up("mallory@evil.test");
    assert_eq!(rejected["__type"], json!("UserLambdaValidationException"));
    serve.kill();

    let recorded = read_json(&dir.join("rejected.json"));
    assert_eq!(recorded["pool"], json!("pool.json"));
    let steps = recorded["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(
        steps[1],
        json!({"action": "SignUp",
               "request": {"ClientId": "$client.web", "Username": "bob", "Password": "Passw0rd!x",
                           "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}]},
               "expect": {"outcome": "success", "rule": "pre-sign-up.accepted",
                          "response": {"UserConfirmed": true}}})
    );
    assert_eq!(
        steps[2],
        json!({"action": "SignUp",
               "request": {"ClientId": "$client.web", "Username": "mallory", "Password": "Passw0rd!x",
                           "UserAttributes": [{"Name": "email", "Value": "mallory@evil.test"}]},
               "expect": {"outcome": "UserLambdaValidationException",
                          "rule": "function-error",
                          "message": rejected["message"],
                          "functionError": "sign-up is not open to mallory@evil.test"}})
    );

    let (code, out) = check(&dir, "cognito-harness.toml", "rejected.json");
    assert_eq!(code, 0, "{out}");
    // The same scenario against a function that lets evil.test in fails where the bug was fixed.
    write_config(&dir, "open.toml", "example.com,evil.test");
    let (code, out) = check(&dir, "open.toml", "rejected.json");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("step 3 SignUp"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_pool_file_the_pool_a_client_creates_is_inlined_and_a_challenge_is_answered() {
    let dir = project(json!({}), "example.com");
    let (serve, _) = start_serve(&dir, "created.json", &[]);
    let port = serve.port;
    let created = call(
        port,
        "CreateUserPool",
        json!({"PoolName": "made-by-the-app", "AutoVerifiedAttributes": ["email"],
               "LambdaConfig": {"CustomMessage": CUSTOM_MESSAGE_ARN}}),
    );
    let pool = created["UserPool"]["Id"].as_str().unwrap().to_string();
    call(
        port,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "carol", "DesiredDeliveryMediums": ["EMAIL"],
               "UserAttributes": [{"Name": "email", "Value": "carol@example.com"}]}),
    );
    let client = call(
        port,
        "CreateUserPoolClient",
        json!({"UserPoolId": pool, "ClientName": "web", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]}),
    );
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    // The temporary password is the invitation's code; the new password answers the challenge.
    let temporary = last_code(port, &pool, "carol");
    let challenged = call(
        port,
        "InitiateAuth",
        json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "carol", "PASSWORD": temporary}}),
    );
    assert_eq!(
        challenged["ChallengeName"],
        json!("NEW_PASSWORD_REQUIRED"),
        "{challenged}"
    );
    let answered = call(
        port,
        "RespondToAuthChallenge",
        json!({"ClientId": client_id, "ChallengeName": "NEW_PASSWORD_REQUIRED",
               "Session": challenged["Session"],
               "ChallengeResponses": {"USERNAME": "carol", "NEW_PASSWORD": "N3w-Passw0rd!"}}),
    );
    assert!(
        answered["AuthenticationResult"]["AccessToken"].is_string(),
        "{answered}"
    );
    serve.kill();

    let recorded = read_json(&dir.join("created.json"));
    assert_eq!(
        recorded["pool"],
        json!({"PoolName": "made-by-the-app", "AutoVerifiedAttributes": ["email"],
               "LambdaConfig": {"CustomMessage": CUSTOM_MESSAGE_ARN}})
    );
    let steps = recorded["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 4, "{recorded:#}");
    assert_eq!(steps[0]["request"]["UserPoolId"], json!("$pool"));
    assert_eq!(
        steps[0]["expect"]["message"]["emailMessage"],
        json!("Hello carol, an account was created for you at Example. Your temporary password is {####}.")
    );
    assert_eq!(
        steps[2]["request"],
        json!({"ClientId": "$client.web", "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "carol", "PASSWORD": "$code.carol"}})
    );
    assert_eq!(
        steps[2]["expect"],
        json!({"outcome": "success",
               "response": {"ChallengeName": "NEW_PASSWORD_REQUIRED",
                            "ChallengeParameters": {"USER_ID_FOR_SRP": "carol",
                                                    "requiredAttributes": "[]",
                                                    "userAttributes": "{\"email\":\"carol@example.com\"}"}}})
    );
    assert_eq!(
        steps[3]["request"],
        json!({"ClientId": "$client.web", "ChallengeName": "NEW_PASSWORD_REQUIRED",
               "Session": "$session",
               "ChallengeResponses": {"USERNAME": "carol", "NEW_PASSWORD": "N3w-Passw0rd!"}})
    );
    let (code, out) = check(&dir, "cognito-harness.toml", "created.json");
    assert_eq!(code, 0, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The recorder in-process (as `serve` uses it): users and clients the pool had before become
/// `users` and `clients`, a user whose username the pool generated is named by their email, and a
/// SECRET_HASH made with a client's secret is flagged.
#[tokio::test]
async fn seeded_users_and_generated_usernames_are_recorded_by_name() {
    use cognito_harness::pool::{AppClient, User, UserStatus};
    use cognito_harness::server::record::Recorder;
    use cognito_harness::{Cognito, Functions};

    let dir = std::env::temp_dir().join(format!("cognito-harness-record-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let pool_file = dir.join("email-login.json");
    std::fs::write(
        &pool_file,
        json!({"PoolName": "email-login", "UsernameAttributes": ["email"],
               "AutoVerifiedAttributes": ["email"]})
        .to_string(),
    )
    .unwrap();
    let cognito = Cognito::new(Functions::new());
    let pool = cognito.add_pool_file(&pool_file).unwrap();
    let (app, mobile) = cognito
        .with_pool_mut(&pool, |p| {
            let mut dave = User::new("7d1c0d4e-0000-4000-8000-00000000da7e");
            dave.sub = dave.username.clone();
            dave.attributes
                .insert("email".into(), "dave@example.com".into());
            dave.attributes
                .insert("email_verified".into(), "true".into());
            dave.password = Some("Passw0rd!d".into());
            dave.status = UserStatus::Confirmed;
            p.put_user(dave);
            let app = p.add_client("app").client_id;
            let mobile = AppClient {
                client_id: "1example23456789mobileclnt".into(),
                client_name: "mobile".into(),
                client_secret: Some("s3cr3t".into()),
                explicit_auth_flows: vec!["ALLOW_USER_PASSWORD_AUTH".into()],
            };
            p.put_client(mobile.clone());
            (app, mobile.client_id)
        })
        .unwrap();
    let file = dir.join("flow.json");
    let recorder = Recorder::new(&file, &cognito, Some((&pool, &pool_file))).unwrap();
    let record = async |action: &str, request: Value| {
        let outcome = cognito.call(action, &request).await;
        recorder
            .record(&cognito, action, &request, None, &outcome)
            .unwrap();
        outcome
    };
    let signed_up = record(
        "SignUp",
        json!({"ClientId": app, "Username": "erin@example.com", "Password": "Passw0rd!e"}),
    )
    .await;
    assert!(signed_up.is_success(), "{signed_up}");
    let code = cognito.last_code(&pool, "erin@example.com").unwrap();
    record(
        "ConfirmSignUp",
        json!({"ClientId": app, "Username": "erin@example.com", "ConfirmationCode": code}),
    )
    .await;
    let signed_in = record(
        "InitiateAuth",
        json!({"ClientId": app, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "erin@example.com", "PASSWORD": "Passw0rd!e"}}),
    )
    .await;
    let access = signed_in.response().unwrap()["AuthenticationResult"]["AccessToken"].clone();
    record("GetUser", json!({"AccessToken": access})).await;
    let id_token = signed_in.response().unwrap()["AuthenticationResult"]["IdToken"].clone();
    record("GetUser", json!({"AccessToken": id_token})).await;
    record("GlobalSignOut", json!({"AccessToken": access})).await;
    let revoked = record("GetUser", json!({"AccessToken": access})).await;
    assert_eq!(
        revoked.error().map(|e| e.message.as_str()),
        Some("Access Token has been revoked")
    );
    record(
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "dave@example.com"}),
    )
    .await;

    let recorded = read_json(&file);
    assert_eq!(recorded["pool"], json!("email-login.json"));
    assert_eq!(
        recorded["users"],
        json!([{"Username": "7d1c0d4e-0000-4000-8000-00000000da7e",
                "UserAttributes": [{"Name": "sub", "Value": "7d1c0d4e-0000-4000-8000-00000000da7e"},
                                   {"Name": "email", "Value": "dave@example.com"},
                                   {"Name": "email_verified", "Value": "true"}],
                "Password": "Passw0rd!d", "UserStatus": "CONFIRMED"}])
    );
    assert_eq!(recorded["clients"], json!(["app", "mobile"]));
    let steps = recorded["steps"].as_array().unwrap();
    assert_eq!(steps[0]["request"]["ClientId"], json!("$client"));
    assert_eq!(
        steps[1]["request"]["ConfirmationCode"],
        json!("$code.erin@example.com")
    );
    assert_eq!(
        steps[3],
        json!({"action": "GetUser", "request": {"AccessToken": "$token.erin@example.com"},
               "expect": {"outcome": "success",
                          "response": {"UserAttributes": [{"Name": "sub"},
                                                          {"Name": "email", "Value": "erin@example.com"},
                                                          {"Name": "email_verified", "Value": "true"}]}}})
    );
    assert_eq!(
        steps[4],
        json!({"action": "GetUser", "request": {"AccessToken": id_token},
               "expect": {"outcome": "NotAuthorizedException"},
               "comment": "AccessToken: an ID token of `erin@example.com`, kept as sent (no reference makes one); the error message is not expected: a replay does not know the token kept as sent, and may say so in other words"})
    );
    assert_eq!(
        steps[5]["request"]["AccessToken"],
        json!("$token.erin@example.com")
    );
    assert_eq!(
        steps[6],
        json!({"action": "GetUser", "request": {"AccessToken": access},
               "expect": {"outcome": "NotAuthorizedException"},
               "comment": "AccessToken: a revoked access token of `erin@example.com`, kept as sent (`$token.erin@example.com` would be a valid one); the error message is not expected: a replay does not know the token kept as sent, and may say so in other words"})
    );
    // A seeded user's username and sub are the same in a replay.
    assert_eq!(
        steps[7]["expect"]["response"]["Username"],
        json!("7d1c0d4e-0000-4000-8000-00000000da7e")
    );
    std::fs::write(dir.join("none.toml"), "").unwrap();
    let (code, out) = check(&dir, "none.toml", "flow.json");
    assert_eq!(code, 0, "{out}");

    // A SECRET_HASH depends on the client's secret, which a replay's client does not share.
    let secret_file = dir.join("secret.json");
    let recorder = Recorder::new(&secret_file, &cognito, Some((&pool, &pool_file))).unwrap();
    let request = json!({"ClientId": mobile, "AuthFlow": "USER_PASSWORD_AUTH",
                         "AuthParameters": {"USERNAME": "dave@example.com", "PASSWORD": "Passw0rd!d",
                                            "SECRET_HASH": "c2VjcmV0IGhhc2g="}});
    let outcome = cognito.call("InitiateAuth", &request).await;
    recorder
        .record(&cognito, "InitiateAuth", &request, None, &outcome)
        .unwrap();
    let recorded = read_json(&secret_file);
    assert_eq!(
        recorded["steps"][0]["request"]["ClientId"],
        json!("$client.mobile")
    );
    assert_eq!(
        recorded["steps"][0]["comment"],
        json!("the error message names a value a replay does not have, so it is not expected; the client has a secret: a SECRET_HASH here was computed with the recording's secret, and a replayed client gets another")
    );
    // The made-up hash is checked (cognito-semantics.md §SH): the step expects its rejection.
    assert_eq!(
        recorded["steps"][0]["expect"],
        json!({"outcome": "NotAuthorizedException"})
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_record_file_that_cannot_be_written_stops_serve_before_it_listens() {
    let dir = project(json!({"PoolName": "p"}), "example.com");
    let mut serve = Command::new(BIN)
        .args([
            "serve",
            "--port",
            "0",
            "--pool",
            "pool.json",
            "--record",
            "no-such-folder/flow.json",
        ])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    // Bounded: a serve that did start listening is killed and fails the test.
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = serve.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > STARTUP {
            let _ = serve.kill();
            let _ = serve.wait();
            panic!("serve did not stop");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    serve
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: no-such-folder/flow.json: cannot be written: No such file or directory"
        ),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
