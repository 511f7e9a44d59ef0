//! The web view at `/_harness/` and the JSON routes behind it (issue 13, item 6): the page shows
//! the pools, users, messages with their codes and trigger runs with their verdicts, with every
//! text from users and functions escaped; `/_harness/runs` keeps the newest runs; the
//! `messages` command reads a running serve's outbox.

use std::path::Path;
use std::process::Command;

use assert_json_diff::assert_json_eq;
use cognito_harness::function::{BoxFuture, Function, InvokeContext, Invoked, Payload};
use cognito_harness::{handler, Cognito, Functions};
use lambda_runtime::service_fn;
use serde_json::{json, Value};

use crate::serve_process::ServeProcess;

use super::support::{add_pool, call, http_client, pool_config, pre_sign_up, raw, start_with};

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");

/// What the CustomMessage function below writes to its log: markup that would run script if the
/// page did not escape it.
const HOSTILE_LOG: &str =
    "<script>window.injected = 1</script><img src=x onerror=\"window.injected = 2\">\n";

/// A CustomMessage function that logs [`HOSTILE_LOG`] and answers with a subject holding markup.
struct HostileCustomMessage;

impl Function for HostileCustomMessage {
    fn invoke<'a>(&'a self, event: &'a Value, ctx: &'a InvokeContext) -> BoxFuture<'a, Invoked> {
        Box::pin(async move {
            ctx.logs.push_str(HOSTILE_LOG);
            let mut answer = event.clone();
            answer["response"]["emailSubject"] = json!("Acme <b>confirm</b>");
            answer["response"]["emailMessage"] = json!("Your Acme code is {####}");
            Invoked::Output(Payload::Json(answer))
        })
    }
}

fn cognito() -> Cognito {
    let mut functions = Functions::new();
    functions.bind("custom-message", HostileCustomMessage);
    functions.bind("pre-sign-up", handler(service_fn(pre_sign_up)));
    Cognito::new(functions)
}

/// The page shows the pool, the user and status, the message with its code and both runs with
/// their verdicts; the function's log and subject appear as text, never as markup.
#[tokio::test]
async fn the_page_shows_the_message_code_and_the_verdicts_with_everything_escaped() {
    let running = start_with(cognito()).await;
    let (pool_id, client_id) = add_pool(&running.cognito, "us-east-1_WebView1", pool_config(0));
    let client = http_client();
    let url = running.url();
    let signed_up = call(
        &client,
        &url,
        "SignUp",
        &json!({"ClientId": client_id, "Username": "<i>hana</i>", "Password": "Passw0rd!",
                "UserAttributes": [{"Name": "email", "Value": "hana@example.com"}]}),
    )
    .await;
    assert_eq!(signed_up.status, 200, "{:?}", signed_up.body);
    let code = running.cognito.last_code(&pool_id, "<i>hana</i>").unwrap();

    let page = raw(&client, &url, "GET", "/_harness/", &[], String::new()).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        page.header("content-security-policy"),
        Some("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    );
    let html = page.body.as_str().unwrap();
    for shown in [
        "<code>us-east-1_WebView1</code> server-tests",
        "CustomMessage &rarr; <code title=\"arn:aws:lambda:us-east-1:123456789012:function:custom-message\">custom-message</code>",
        "<tr><td><code>&lt;i&gt;hana&lt;/i&gt;</code></td><td class=\"status\">UNCONFIRMED</td><td>yes</td>",
        "EMAIL to <b class=\"destination\">hana@example.com</b>",
        "<div class=\"subject\">Acme &lt;b&gt;confirm&lt;/b&gt;</div>",
        &format!("<pre class=\"body\">Your Acme code is {code}</pre>"),
        &format!("<div class=\"code\">code <b class=\"code-value\">{code}</b></div>"),
        "CustomMessage_SignUp &rarr; <b class=\"outcome\">success</b> rule <code class=\"rule\">custom-message.accepted</code> grade <span class=\"grade\">documented</span>",
        "PreSignUp_SignUp &rarr; <b class=\"outcome\">success</b> rule <code class=\"rule\">pre-sign-up.accepted</code>",
        "<pre class=\"logs\">&lt;script&gt;window.injected = 1&lt;/script&gt;&lt;img src=x onerror=&quot;window.injected = 2&quot;&gt;\n</pre>",
    ] {
        assert!(html.contains(shown), "page lacks {shown:?}:\n{html}");
    }
    // Only the page's own script tag, and no markup from the function or the user.
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    for markup in ["<img", "<i>", "<b>confirm"] {
        assert!(!html.contains(markup), "{markup} in\n{html}");
    }
    // Newest first: the CustomMessage run (the second) comes before the PreSignUp run.
    let custom = html.find("id=\"run-2\"").unwrap();
    let pre = html.find("id=\"run-1\"").unwrap();
    assert!(custom < pre);

    let script = raw(
        &client,
        &url,
        "GET",
        "/_harness/web_view.js",
        &[],
        String::new(),
    )
    .await;
    assert_eq!(script.status, 200);
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let style = raw(
        &client,
        &url,
        "GET",
        "/_harness/web_view.css",
        &[],
        String::new(),
    )
    .await;
    assert_eq!(
        style.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    let bare = raw(&client, &url, "GET", "/_harness", &[], String::new()).await;
    assert_eq!(
        (bare.status, bare.header("location")),
        (308, Some("/_harness/"))
    );
}

/// `/_harness/runs`: every run of the call, newest first, with the event, the answer, the logs
/// and the verdict; `pool`, `after` and `limit` narrow it; `/_harness/changes` counts calls.
#[tokio::test]
async fn the_runs_route_lists_each_trigger_run_with_event_answer_logs_and_verdict() {
    let running = start_with(cognito()).await;
    let (pool_id, client_id) = add_pool(&running.cognito, "us-east-1_WebView2", pool_config(0));
    let client = http_client();
    let url = running.url();
    let get = |path: String| {
        let (client, url) = (client.clone(), url.clone());
        async move { raw(&client, &url, "GET", &path, &[], String::new()).await }
    };
    assert_eq!(get("/_harness/runs".into()).await.body, json!([]));
    assert_eq!(
        get("/_harness/changes".into()).await.body,
        json!({"calls": 0, "lastRun": 0})
    );
    let signed_up = call(
        &client,
        &url,
        "SignUp",
        &json!({"ClientId": client_id, "Username": "hana", "Password": "Passw0rd!",
                "UserAttributes": [{"Name": "email", "Value": "hana@example.com"}],
                "ClientMetadata": {"brand": "acme"}}),
    )
    .await;
    let request_id = signed_up.header("x-amzn-requestid").unwrap().to_string();
    let code = running.cognito.last_code(&pool_id, "hana").unwrap();
    // A call without triggers is counted too: the page then knows to look again.
    let listed = call(&client, &url, "ListUsers", &json!({"UserPoolId": pool_id})).await;
    assert_eq!(listed.status, 200);

    let runs = get("/_harness/runs".into()).await;
    assert_eq!(runs.status, 200);
    assert_eq!(runs.header("content-type"), Some("application/json"));
    let mut runs = runs.body;
    for run in runs.as_array_mut().unwrap() {
        assert_eq!(run["requestId"], json!(request_id));
        assert!(run["time"].as_u64().unwrap() > 1_700_000_000_000, "{run}");
        assert_eq!(run["event"]["userPoolId"], json!(pool_id));
        assert_eq!(
            run["event"]["request"]["clientMetadata"],
            json!({"brand": "acme"})
        );
        for key in ["requestId", "time"] {
            run[key] = json!("<redacted>");
        }
        run["event"] = json!(run["event"]["triggerSource"]);
    }
    let answered = runs[0]["output"]["payload"].take();
    assert_eq!(
        answered["response"]["emailMessage"],
        json!("Your Acme code is {####}")
    );
    let answered = runs[1]["output"]["payload"].take();
    assert_eq!(answered["triggerSource"], json!("PreSignUp_SignUp"));
    assert_json_eq!(
        runs,
        json!([
            {"seq": 2, "requestId": "<redacted>", "time": "<redacted>", "action": "SignUp",
             "poolId": "us-east-1_WebView2", "triggerSource": "CustomMessage_SignUp",
             "arn": "arn:aws:lambda:us-east-1:123456789012:function:custom-message",
             "event": "CustomMessage_SignUp", "attempts": 1, "output": {"payload": null},
             "logs": HOSTILE_LOG,
             "verdict": {"triggerSource": "CustomMessage_SignUp", "rule": "custom-message.accepted",
                         "grade": "documented", "reference": "§3.4, DG-CM, ruling 15", "outcome": "success",
                         "warnings": ["the pool sends e-mail with COGNITO_DEFAULT; the 2023 guide said a custom emailMessage/emailSubject then fails with InvalidLambdaResponseException (not enforced: ruling 7)"]}},
            {"seq": 1, "requestId": "<redacted>", "time": "<redacted>", "action": "SignUp",
             "poolId": "us-east-1_WebView2", "triggerSource": "PreSignUp_SignUp",
             "arn": "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up",
             "event": "PreSignUp_SignUp", "attempts": 1, "output": {"payload": null},
             "verdict": {"triggerSource": "PreSignUp_SignUp", "rule": "pre-sign-up.accepted",
                         "grade": "documented", "reference": "§3.5", "outcome": "success",
                         "detail": "autoConfirmUser=false, autoVerifyEmail=false, autoVerifyPhone=false"}},
        ])
    );
    assert_eq!(
        get("/_harness/changes".into()).await.body,
        json!({"calls": 2, "lastRun": 2})
    );
    let seqs = |v: Value| -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["seq"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(seqs(get("/_harness/runs?after=1".into()).await.body), [2]);
    assert_eq!(seqs(get("/_harness/runs?limit=1".into()).await.body), [2]);
    let this_pool = format!("/_harness/runs?pool={pool_id}");
    assert_eq!(seqs(get(this_pool).await.body), [2, 1]);
    assert_eq!(
        get("/_harness/runs?pool=us-east-1_Other".into()).await.body,
        json!([])
    );
    let bad = get("/_harness/runs?after=soon".into()).await;
    assert_eq!(
        (bad.status, bad.body),
        (
            400,
            json!({"message": "Query parameter after must be a whole number, not 'soon'"})
        )
    );

    // The pool as the page reads it: its groups and users with status and groups.
    let created = call(
        &client,
        &url,
        "CreateGroup",
        &json!({"UserPoolId": pool_id, "GroupName": "admins", "Precedence": 1}),
    )
    .await;
    assert_eq!(created.status, 200);
    let added = call(
        &client,
        &url,
        "AdminAddUserToGroup",
        &json!({"UserPoolId": pool_id, "GroupName": "admins", "Username": "hana"}),
    )
    .await;
    assert_eq!(added.status, 200);
    let mut pool = get(format!("/_harness/pools/{pool_id}")).await.body;
    pool["users"][0]["sub"] = json!("<sub>");
    assert_json_eq!(
        pool,
        json!({"id": "us-east-1_WebView2", "name": "server-tests",
               "lambdaConfig": {"CustomMessage": "arn:aws:lambda:us-east-1:123456789012:function:custom-message",
                                "PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up"},
               "groups": [{"name": "admins", "description": null, "precedence": 1, "members": 1}],
               "userCount": 1,
               "users": [{"username": "hana", "sub": "<sub>", "status": "UNCONFIRMED", "enabled": true,
                          "attributes": {"email": "hana@example.com", "email_verified": "false"},
                          "groups": ["admins"]}]})
    );
    let page = get("/_harness/".into()).await;
    let html = page.body.as_str().unwrap();
    assert!(html.contains("Groups: admins (1 member)"), "{html}");
    assert!(html.contains(&format!("<b class=\"code-value\">{code}</b>")));
    let missing = get("/_harness/pools/us-east-1_Missing1".into()).await;
    assert_eq!(
        (missing.status, missing.body),
        (
            404,
            json!({"message": "User pool us-east-1_Missing1 does not exist."})
        )
    );
}

/// The run log is a ring: beyond `MAX_RUNS` the oldest runs go.
#[tokio::test]
async fn the_run_log_keeps_the_newest_runs() {
    let running = start_with(cognito()).await;
    let (_, client_id) = add_pool(&running.cognito, "us-east-1_WebView3", pool_config(0));
    let client = http_client();
    let url = running.url();
    // Each sign-up runs PreSignUp and CustomMessage: two runs a call.
    let calls = cognito_harness::server::MAX_RUNS / 2 + 1;
    for i in 0..calls {
        let signed_up = call(
            &client,
            &url,
            "SignUp",
            &json!({"ClientId": client_id, "Username": format!("user{i}"), "Password": "Passw0rd!",
                    "UserAttributes": [{"Name": "email", "Value": format!("user{i}@example.com")}]}),
        )
        .await;
        assert_eq!(signed_up.status, 200);
    }
    let runs = raw(&client, &url, "GET", "/_harness/runs", &[], String::new()).await;
    let runs = runs.body.as_array().unwrap().clone();
    assert_eq!(runs.len(), cognito_harness::server::MAX_RUNS);
    let total = (calls * 2) as u64;
    assert_eq!(runs[0]["seq"], json!(total));
    assert_eq!(
        runs[runs.len() - 1]["seq"],
        json!(total - cognito_harness::server::MAX_RUNS as u64 + 1)
    );
}

/// `cognito-harness serve --port 0` with a pool of no triggers (Cognito's default messages).
fn start_serve(dir: &Path) -> ServeProcess {
    std::fs::write(
        dir.join("pool.json"),
        json!({"UserPoolId": "us-east-1_Messages", "AutoVerifiedAttributes": ["email"]})
            .to_string(),
    )
    .unwrap();
    ServeProcess::start(dir, &["--pool", "pool.json"])
}

fn messages(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .arg("messages")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("cognito-harness runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `cognito-harness messages` against a running `serve` process: one block per message with its
/// code, or JSON; an unknown pool is exit 2; no serve at the endpoint is one line and exit 3.
#[tokio::test]
async fn the_messages_command_reads_a_running_serves_outbox() {
    let dir =
        std::env::temp_dir().join(format!("cognito-harness-messages-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let serve = start_serve(&dir);
    let url = serve.url.clone();
    let client = http_client();
    let created = call(
        &client,
        &url,
        "CreateUserPoolClient",
        &json!({"UserPoolId": "us-east-1_Messages", "ClientName": "app"}),
    )
    .await;
    let client_id = created.body["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    for name in ["carol", "dan"] {
        let signed_up = call(
            &client,
            &url,
            "SignUp",
            &json!({"ClientId": client_id, "Username": name, "Password": "Passw0rd!",
                    "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")}]}),
        )
        .await;
        assert_eq!(signed_up.status, 200, "{:?}", signed_up.body);
    }
    let outbox = raw(
        &client,
        &url,
        "GET",
        "/_harness/pools/us-east-1_Messages/messages",
        &[],
        String::new(),
    )
    .await
    .body;
    let code = |i: usize| outbox[i]["code"].as_str().unwrap().to_string();

    let (status, stdout, stderr) = tokio::task::spawn_blocking({
        let endpoint = url_for(&url);
        move || messages(&["--endpoint", &endpoint])
    })
    .await
    .unwrap();
    assert_eq!((status, stderr.as_str()), (Some(0), ""));
    assert_eq!(
        stdout,
        format!(
            "us-east-1_Messages  EMAIL to carol@example.com  (carol, CustomMessage_SignUp)\n  subject  Your verification code\n  body     Your verification code is {c0}. \n  code     {c0}\n\nus-east-1_Messages  EMAIL to dan@example.com  (dan, CustomMessage_SignUp)\n  subject  Your verification code\n  body     Your verification code is {c1}. \n  code     {c1}\n",
            c0 = code(0),
            c1 = code(1)
        )
    );

    let endpoint = url.clone();
    let (status, stdout, stderr) = tokio::task::spawn_blocking(move || {
        messages(&[
            "--endpoint",
            &endpoint,
            "--pool",
            "us-east-1_Messages",
            "--username",
            "dan",
            "--format",
            "json",
        ])
    })
    .await
    .unwrap();
    assert_eq!((status, stderr.as_str()), (Some(0), ""));
    let listed: Value = serde_json::from_str(&stdout).unwrap();
    assert_json_eq!(
        listed,
        json!([{"poolId": "us-east-1_Messages", "username": "dan", "medium": "EMAIL",
                "destination": "dan@example.com", "triggerSource": "CustomMessage_SignUp",
                "subject": "Your verification code",
                "body": format!("Your verification code is {}. ", code(1)), "code": code(1)}])
    );

    let endpoint = url.clone();
    let (status, stdout, stderr) = tokio::task::spawn_blocking(move || {
        messages(&["--endpoint", &endpoint, "--pool", "us-east-1_Nope"])
    })
    .await
    .unwrap();
    assert_eq!(
        (status, stdout.as_str(), stderr.as_str()),
        (
            Some(2),
            "",
            "error: User pool us-east-1_Nope does not exist.\n"
        )
    );

    drop(serve);
    let endpoint = url.clone();
    let (status, stdout, stderr) =
        tokio::task::spawn_blocking(move || messages(&["--endpoint", &endpoint]))
            .await
            .unwrap();
    assert_eq!((status, stdout.as_str()), (Some(3), ""));
    // One line; the reason in the brackets is the operating system's ("Connection refused").
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: no cognito-harness serve answering at {url} ("
        )),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("); start one with `cognito-harness serve` or pass --endpoint\n"),
        "{stderr}"
    );
    let (status, _, stderr) =
        tokio::task::spawn_blocking(|| messages(&["--endpoint", "ftp://127.0.0.1:1"]))
            .await
            .unwrap();
    assert_eq!(
        (status, stderr.as_str()),
        (
            Some(2),
            "error: --endpoint `ftp://127.0.0.1:1` is not an http://host:port URL: it must start with http://\n"
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The endpoint with a trailing slash, as users paste it.
fn url_for(url: &str) -> String {
    format!("{url}/")
}
