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
//! `cargo build --release -p custom-message-branded`), `TRIGGER=sleeps` for a process that
//! answers in 50 ms (`trigger-sleeps`; issue 15 judges it against the ideal `CONNECTIONS / 50 ms`),
//! `CONCURRENCY` the execution environments a process function may run (default 64). wrk's
//! script prints the count of answers that were not 200.

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
    // A real process behind the Runtime API: the example trigger, or one that answers in 50 ms.
    let binary = match trigger.as_str() {
        "process" => Some("custom-message-branded"),
        "sleeps" => Some("trigger-sleeps"),
        _ => None,
    };
    if let Some(name) = binary {
        let binary = root.join("target/release").join(name);
        assert!(
            binary.exists(),
            "{} is missing: cargo build --release -p {name}",
            binary.display()
        );
        let concurrency: u32 = env_or("CONCURRENCY", "64").parse().expect("CONCURRENCY");
        functions.bind(
            "custom-message",
            ProcessFunction::new("custom-message", [binary.display().to_string()])
                .concurrency(concurrency),
        );
        println!("{name} with {concurrency} execution environments at most");
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
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average {}", load.trim());
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
        .output();
    match wrk {
        Ok(output) if output.status.success() => {
            let text = String::from_utf8_lossy(&output.stdout);
            print!("{text}");
            let rate = text
                .lines()
                .find_map(|l| l.strip_prefix("Requests/sec:"))
                .and_then(|r| r.trim().parse::<f64>().ok());
            if let (Some(rate), "sleeps") = (rate, trigger.as_str()) {
                // Each connection waits out one 50 ms answer at a time.
                let connections: f64 = env_or("CONNECTIONS", "64").parse().expect("CONNECTIONS");
                let ideal = connections / 0.050;
                let share = rate / ideal * 100.0;
                let verdict = if share >= 50.0 { "met" } else { "unmet" };
                println!(
                    "50 ms trigger: {rate:.0} req/s of the ideal {ideal:.0} = {share:.0}% (target >= 50%: {verdict})"
                );
            } else if let (Some(rate), "process") = (rate, trigger.as_str()) {
                let verdict = if rate >= 5000.0 { "met" } else { "unmet" };
                println!("process trigger: {rate:.0} req/s (target >= 5,000: {verdict})");
            }
        }
        Ok(output) => eprintln!(
            "wrk failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(e) => eprintln!("wrk did not run ({e}); install it with `apt-get install -y wrk`"),
    }
    let kept = cognito.with_pool(&pool_id, |p| p.outbox().len()).unwrap();
    if binary.is_some() {
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
