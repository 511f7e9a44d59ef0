//! What `serve` shows and lets a browser do (issue 13, items 1 and 4): delivered messages,
//! warnings and function logs under each request line, the `/_harness/` outbox routes, CORS on
//! every route; and the session operations through boto3 (docs §SU).

use std::io::{Read as _, Write as _};
use std::net::TcpStream;

use assert_json_diff::assert_json_eq;
use serde_json::json;

use super::clients::run_flow;
use super::support::{add_pool, call, http_client, pool_config, raw, start, user};

/// Sends `request` as written over a fresh connection and returns the whole answer.
fn exchange(addr: std::net::SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// The header lines of a raw answer, lowercased names, in order (without the date).
fn header_lines(answer: &str) -> Vec<String> {
    answer
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .lines()
        .map(|l| match l.split_once(": ") {
            Some((n, v)) => format!("{}: {v}", n.to_ascii_lowercase()),
            None => l.to_string(),
        })
        .filter(|l| !l.starts_with("date: "))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflights_on_every_route_get_the_cors_answer_over_a_real_socket() {
    let running = start().await;
    let addr = running.addr();
    for path in [
        "/",
        "/us-east-1_Nowhere/.well-known/jwks.json",
        "/_harness/pools",
        "/any/thing",
    ] {
        let request = format!(
            "OPTIONS {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://localhost:3000\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type,x-amz-target,x-amz-user-agent,amz-sdk-invocation-id,amz-sdk-request\r\nConnection: close\r\n\r\n"
        );
        let answer = tokio::task::spawn_blocking(move || exchange(addr, &request))
            .await
            .unwrap();
        assert_eq!(
            header_lines(&answer),
            [
                "HTTP/1.1 200 OK",
                "access-control-allow-headers: content-type,x-amz-target,x-amz-user-agent,x-amz-date,x-amz-security-token,x-amz-content-sha256,authorization,amz-sdk-invocation-id,amz-sdk-request,cache-control",
                "access-control-allow-methods: POST,GET,OPTIONS",
                "access-control-max-age: 86400",
                "access-control-allow-origin: *",
                "access-control-expose-headers: x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date",
                "connection: close",
                "content-length: 0",
            ],
            "{path}: {answer}"
        );
    }
    // Preflights are not operations: nothing is logged for them.
    assert!(running.log_lines().is_empty(), "{:#?}", running.log_lines());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_cors_headers_errors_and_refusals_included() {
    let running = start().await;
    let client = http_client();
    let ok = call(
        &client,
        &running.url(),
        "ListUserPools",
        &json!({"MaxResults": 1}),
    )
    .await;
    let error = call(&client, &running.url(), "ListUserPools", &json!({})).await;
    let unknown = raw(
        &client,
        &running.url(),
        "GET",
        "/nothing",
        &[],
        String::new(),
    )
    .await;
    let outbox = raw(
        &client,
        &running.url(),
        "GET",
        "/_harness/pools",
        &[],
        String::new(),
    )
    .await;
    let refused = raw(
        &client,
        &running.url(),
        "GET",
        "/_harness/pools",
        &[("host", "evil.example")],
        String::new(),
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(error.status, 400);
    assert_eq!(
        error.body,
        json!({"__type": "InvalidParameterException", "message": "1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: Member must not be null"})
    );
    assert_eq!(unknown.status, 400);
    assert_eq!(outbox.status, 200);
    // The loopback Host check still comes first, before any route.
    assert_eq!(refused.status, 403);
    for reply in [&ok, &error, &unknown, &outbox, &refused] {
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
        assert_eq!(
            reply.header("access-control-expose-headers"),
            Some("x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_route_lists_each_message_with_its_code_and_the_log_shows_it() {
    let running = start().await;
    let (pool_id, client_id) = add_pool(&running.cognito, "us-east-1_Outbox01", pool_config(0));
    let client = http_client();
    let url = running.url();
    for (name, email) in [("carol", "carol@example.com"), ("dave", "dave@example.com")] {
        let reply = call(
            &client,
            &url,
            "SignUp",
            &json!({"ClientId": client_id, "Username": name, "Password": "Passw0rd!",
                    "UserAttributes": [{"Name": "email", "Value": email}]}),
        )
        .await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    let code = |name: &str| running.cognito.last_code(&pool_id, name).unwrap();

    let pools = raw(&client, &url, "GET", "/_harness/pools", &[], String::new()).await;
    assert_eq!(pools.header("content-type"), Some("application/json"));
    assert_json_eq!(pools.body, json!([{"id": pool_id, "name": "server-tests"}]));

    let path = format!("/_harness/pools/{pool_id}/messages");
    let all = raw(&client, &url, "GET", &path, &[], String::new()).await;
    let message = |name: &str, email: &str| {
        json!({"username": name, "medium": "EMAIL", "destination": email,
               "triggerSource": "CustomMessage_SignUp", "subject": "Acme: confirm your email",
               "body": format!("Your Acme code is {}", code(name)), "code": code(name)})
    };
    assert_json_eq!(
        all.body,
        json!([
            message("carol", "carol@example.com"),
            message("dave", "dave@example.com")
        ])
    );
    // `username` finds the user as Username parameters do (case-insensitively here).
    let dave = raw(
        &client,
        &url,
        "GET",
        &format!("{path}?username=DAVE"),
        &[],
        String::new(),
    )
    .await;
    assert_json_eq!(dave.body, json!([message("dave", "dave@example.com")]));
    let none = raw(
        &client,
        &url,
        "GET",
        &format!("{path}?username=erin"),
        &[],
        String::new(),
    )
    .await;
    assert_json_eq!(none.body, json!([]));

    // The code read from the outbox confirms the sign-up, as a real client would.
    let confirmed = call(
        &client,
        &url,
        "ConfirmSignUp",
        &json!({"ClientId": client_id, "Username": "carol", "ConfirmationCode": code("carol")}),
    )
    .await;
    assert_eq!(confirmed.status, 200, "{confirmed:?}");

    let missing = raw(
        &client,
        &url,
        "GET",
        "/_harness/pools/us-east-1_Missing1/messages",
        &[],
        String::new(),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body,
        json!({"message": "User pool us-east-1_Missing1 does not exist."})
    );
    let wrong = raw(&client, &url, "GET", "/_harness/other", &[], String::new()).await;
    assert_eq!(wrong.status, 404);
    assert_eq!(
        wrong.body,
        json!({"message": "No harness route at GET /_harness/other: there are /_harness/ (the web view), /_harness/pools, /_harness/pools/<id>, /_harness/pools/<id>/messages, /_harness/runs and /_harness/changes"})
    );
    let posted = raw(&client, &url, "POST", "/_harness/pools", &[], String::new()).await;
    assert_eq!(posted.status, 404);

    // Each delivery is in the log, under its request line and tagged with its request id.
    let entry = running
        .log_lines()
        .into_iter()
        .find(|l| l.contains(" SignUp -> 200 ") && l.contains("carol@example.com"))
        .expect("the SignUp entry");
    let mut lines = entry.lines();
    let first = lines.next().unwrap();
    let id = first.split(' ').nth(2).unwrap();
    let tag = format!("cognito-harness serve: {id}  ");
    assert_eq!(
        lines.collect::<Vec<_>>(),
        [
            format!("{tag}delivered EMAIL to carol@example.com (carol, CustomMessage_SignUp) code {}", code("carol")),
            format!("{tag}  subject: Acme: confirm your email"),
            format!("{tag}  body: Your Acme code is {}", code("carol")),
            // The pool sends with COGNITO_DEFAULT: the custom template is not enforced (ruling 7).
            format!("{tag}warning: the pool sends e-mail with COGNITO_DEFAULT; the 2023 guide said a custom emailMessage/emailSubject then fails with InvalidLambdaResponseException (not enforced: ruling 7)"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_user_pool_resets_are_logged_under_their_request() {
    let running = start().await;
    let (pool_id, _) = add_pool(&running.cognito, "us-east-1_Warned01", pool_config(0));
    let client = http_client();
    let reply = call(
        &client,
        &running.url(),
        "UpdateUserPool",
        &json!({"UserPoolId": pool_id}),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({}));
    let entry = running
        .log_lines()
        .into_iter()
        .find(|l| l.contains(" UpdateUserPool -> 200 success"))
        .expect("the UpdateUserPool entry");
    let id = entry.split(' ').nth(2).unwrap().to_string();
    let warning_lines: Vec<&str> = entry.lines().skip(1).collect();
    assert!(!warning_lines.is_empty(), "{entry}");
    for line in &warning_lines {
        assert!(
            line.starts_with(&format!("cognito-harness serve: {id}  warning: ")),
            "{line}"
        );
    }
    assert!(
        warning_lines.iter().any(|l| l.contains("LambdaConfig")),
        "{entry}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_signs_out_changes_passwords_and_meets_a_disabled_user() {
    let running = start().await;
    let (pool_id, client_id) = add_pool(&running.cognito, "us-east-1_Boto3Sess", pool_config(0));
    running
        .cognito
        .with_pool_mut(&pool_id, |p| p.put_user(user("frank", "frank@example.com")));

    let out = run_flow(
        "sessions",
        running.url(),
        json!({"pool": pool_id, "client": client_id, "user": "frank"}),
    )
    .await;

    let error =
        |code: &str, message: &str| json!({"error": code, "message": message, "status": 400});
    assert_json_eq!(
        out,
        json!({
            "wrong_previous": error("NotAuthorizedException", "Incorrect username or password."),
            "change": {"ok": {}},
            "old_password": error("NotAuthorizedException", "Incorrect username or password."),
            "sign_out": {"ok": {}},
            "get_user_after": error("NotAuthorizedException", "Access Token has been revoked"),
            "sign_out_again": error("NotAuthorizedException", "Access Token has been revoked"),
            "refresh_after": error("NotAuthorizedException", "Invalid Refresh Token."),
            "disable": {"ok": {}},
            "disabled_sign_in": error("NotAuthorizedException", "User is disabled."),
            "disabled_token": error("NotAuthorizedException", "Access Token has been revoked"),
            "disabled_refresh": error("NotAuthorizedException", "User is disabled."),
            "enabled_flag": false,
            "enable": {"ok": {}},
            "enabled_sign_in": ["AccessToken", "ExpiresIn", "IdToken", "RefreshToken", "TokenType"],
            "revoke": {"ok": {}},
            "revoked_access": error("NotAuthorizedException", "Access Token has been revoked"),
            "pools": [pool_id],
            "clients": [{"ClientId": client_id, "UserPoolId": pool_id, "ClientName": "app"}],
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_triggers_logs_appear_under_the_request_that_ran_it() {
    use cognito_harness::function::ProcessFunction;
    use cognito_harness::{Cognito, Functions};
    let mut functions = Functions::new();
    functions.bind(
        "pre-sign-up",
        cognito_harness::handler(lambda_runtime::service_fn(super::support::pre_sign_up)),
    );
    let binary = crate::support::trigger("custom-message-branded");
    functions.bind(
        "custom-message",
        ProcessFunction::new("custom-message", [binary.display().to_string()]),
    );
    let running = super::support::start_with(Cognito::new(functions)).await;
    let (_, client_id) = add_pool(&running.cognito, "us-east-1_Logged01", pool_config(0));
    let reply = call(
        &http_client(),
        &running.url(),
        "SignUp",
        &json!({"ClientId": client_id, "Username": "gina", "Password": "Passw0rd!",
                "UserAttributes": [{"Name": "email", "Value": "gina@example.com"}]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let entry = running
        .log_lines()
        .into_iter()
        .find(|l| l.contains(" SignUp -> 200 "))
        .expect("the SignUp entry");
    let id = entry.split(' ').nth(2).unwrap().to_string();
    let function_lines: Vec<&str> = entry
        .lines()
        .filter(|l| l.contains("  CustomMessage_SignUp | "))
        .collect();
    for line in &function_lines {
        assert!(
            line.starts_with(&format!("cognito-harness serve: {id}  ")),
            "{line}"
        );
    }
    for frame in ["START RequestId: ", "END RequestId: ", "REPORT RequestId: "] {
        assert!(
            function_lines
                .iter()
                .any(|l| l.contains(&format!("| {frame}"))),
            "{frame} in {entry}"
        );
    }
    assert!(
        entry.contains("subject: Example: confirm your account"),
        "{entry}"
    );
}
