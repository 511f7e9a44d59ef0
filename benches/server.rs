//! Load figure for the Cognito endpoint: AdminUpdateUserAttributes firing a warm Rust CustomMessage
//! trigger (in-process, typed aws_lambda_events handler), under wrk, plus the latency a single
//! boto3 client sees.
//!
//! `cargo bench --bench server` (needs `wrk` on PATH; the boto3 figure needs the venv the tests
//! create in target/py-venv-boto3). Options through the environment: `DURATION` (wrk -d, default
//! 10s), `CONNECTIONS` (default 64), `WRK_THREADS` (default 1), `SERVER_THREADS` (default 2),
//! `LOG=stderr` to keep the per-request log on (off by default here), `TRIGGER=process` to run
//! the trigger as a real lambda_runtime process behind the harness's Runtime API instead
//! (`target/release/custom-message-branded`; build it first with
//! `cargo build --release -p custom-message-branded`).

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessage;
use cognito_harness::function::ProcessFunction;
use cognito_harness::pool::{PoolConfig, User, UserPool, MAX_OUTBOX};
use cognito_harness::server::{serve_with, RequestLog, ServeOptions};
use cognito_harness::{handler, Cognito, Functions};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::json;

const USERS: usize = 100;

/// Calls the in-process trigger answered (the outbox keeps only the newest messages).
static ANSWERED: AtomicUsize = AtomicUsize::new(0);

async fn branded(
    event: LambdaEvent<CognitoEventUserPoolsCustomMessage>,
) -> Result<CognitoEventUserPoolsCustomMessage, lambda_runtime::Error> {
    ANSWERED.fetch_add(1, Ordering::Relaxed);
    let mut event = event.payload;
    event.response.email_subject = Some("Acme: confirm your email".into());
    event.response.email_message = Some(format!(
        "Your Acme code is {}",
        event.request.code_parameter.clone().unwrap_or_default()
    ));
    Ok(event)
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn main() {
    let server_threads: usize = env_or("SERVER_THREADS", "2")
        .parse()
        .expect("SERVER_THREADS");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(server_threads)
        .enable_all()
        .build()
        .unwrap();

    let mut functions = Functions::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let trigger = env_or("TRIGGER", "in-process");
    if trigger == "process" {
        let binary = root.join("target/release/custom-message-branded");
        assert!(
            binary.exists(),
            "{} is missing: cargo build --release -p custom-message-branded",
            binary.display()
        );
        functions.bind(
            "custom-message",
            ProcessFunction::new("custom-message", [binary.display().to_string()]),
        );
    } else {
        functions.bind("custom-message", handler(service_fn(branded)));
    }
    let cognito = Arc::new(Cognito::new(functions));
    let config: PoolConfig = serde_json::from_value(json!({
        "AutoVerifiedAttributes": ["email"],
        "LambdaConfig": {"CustomMessage": "arn:aws:lambda:us-east-1:123456789012:function:custom-message"},
    }))
    .unwrap();
    let mut pool = UserPool::with_id("us-east-1_Bench", config);
    for i in 0..USERS {
        let mut user = User::new(format!("user{i}"));
        user.attributes
            .insert("email".into(), format!("user{i}@example.com"));
        pool.put_user(user);
    }
    let pool_id = cognito.add_pool(pool);

    let log = if env_or("LOG", "off") == "stderr" {
        RequestLog::Stderr
    } else {
        RequestLog::Off
    };
    let server = runtime
        .block_on(serve_with(
            cognito.clone(),
            "127.0.0.1:0".parse().unwrap(),
            ServeOptions {
                log,
                ..ServeOptions::default()
            },
        ))
        .expect("server starts");
    let url = server.url();
    println!("serving {url} with {server_threads} worker thread(s); pool {pool_id}, {USERS} users; {trigger} trigger");

    let script = root.join("benches/wrk/admin_update.lua");
    let wrk = Command::new("wrk")
        .args([
            "-t",
            &env_or("WRK_THREADS", "1"),
            "-c",
            &env_or("CONNECTIONS", "64"),
            "-d",
            &env_or("DURATION", "10s"),
            "--latency",
            "-s",
        ])
        .arg(&script)
        .arg(&url)
        .env("POOL_ID", &pool_id)
        .env("USERS", USERS.to_string())
        .status();
    match wrk {
        Ok(status) if status.success() => {}
        Ok(status) => eprintln!("wrk failed: {status}"),
        Err(e) => eprintln!("wrk did not run ({e}); install it with `apt-get install -y wrk`"),
    }
    let kept = cognito.with_pool(&pool_id, |p| p.outbox().len()).unwrap();
    if trigger == "process" {
        println!("messages kept in the outbox (the newest, at least {MAX_OUTBOX}): {kept}");
    } else {
        println!(
            "trigger calls answered (one per successful request): {}; messages kept in the outbox: {kept}",
            ANSWERED.load(Ordering::Relaxed)
        );
    }

    let python = root.join("target/py-venv-boto3/bin/python");
    if python.exists() {
        let args = json!({"pool": pool_id, "user": "user0", "n": 500}).to_string();
        let out = Command::new(python)
            .arg(root.join("tests/it/server/py/flows.py"))
            .args(["latency", &url, &args])
            .output()
            .expect("python runs");
        println!(
            "single boto3 client, AdminUpdateUserAttributes: {}",
            String::from_utf8_lossy(&out.stdout).trim()
        );
        if !out.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        }
    } else {
        println!(
            "no boto3 venv at target/py-venv-boto3 (run the server tests first); skipping the boto3 latency figure"
        );
    }
    drop(server);
}
