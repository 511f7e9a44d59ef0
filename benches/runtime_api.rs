//! A warm Rust trigger through the hosted Runtime API, and its cold start.
//!
//! `cargo bench --bench runtime_api`. By default everything (this process, the host thread, the
//! trigger) is pinned to CPU 0: waking a process on another CPU costs more than the whole round trip
//! on one (DESIGN.md, Speed). `COGNITO_BENCH_PIN=off` measures without pinning; `COGNITO_BENCH_CPU`
//! picks the CPU; `COGNITO_BENCH_N` the number of warm invocations (default 2000).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cognito_harness::function::{Function, InvokeContext, Invoked, ProcessFunction};
use serde_json::{json, Value};

const TRIGGER: &str = "custom-message-branded";
const COLD_STARTS: usize = 30;

fn main() {
    let pinned = std::env::var("COGNITO_BENCH_PIN").map_or(true, |v| v != "off");
    let cpu: usize = std::env::var("COGNITO_BENCH_CPU")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let n: usize = std::env::var("COGNITO_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let binary = trigger_binary();
    if pinned {
        // Before any thread or process exists, so all of them inherit it.
        pin_to(cpu);
    }
    let event = event();
    println!(
        "runtime_api: {TRIGGER}, {} byte event, {}",
        event.to_string().len(),
        if pinned {
            format!("pinned to CPU {cpu}")
        } else {
            "not pinned".to_string()
        }
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let command = [binary.display().to_string()];

        let mut cold = Vec::with_capacity(COLD_STARTS);
        for _ in 0..COLD_STARTS {
            let function = ProcessFunction::new("bench", command.clone());
            let start = Instant::now();
            check(function.invoke(&event, &ctx()).await);
            cold.push(start.elapsed());
        }
        report("cold start (spawn to first answer)", &mut cold);

        let function = ProcessFunction::new("bench", command);
        for _ in 0..200 {
            check(function.invoke(&event, &ctx()).await);
        }
        let mut warm = Vec::with_capacity(n);
        for _ in 0..n {
            let ctx = ctx();
            let start = Instant::now();
            let result = function.invoke(&event, &ctx).await;
            warm.push(start.elapsed());
            check(result);
        }
        report("warm invocation", &mut warm);
    });
}

fn ctx() -> InvokeContext {
    InvokeContext::new(
        "arn:aws:lambda:us-east-1:123456789012:function:bench",
        Duration::from_secs(5),
    )
}

fn check(result: Invoked) {
    match result {
        Invoked::Output(payload) if payload.to_text().contains("Acme: confirm your account") => {}
        other => panic!("unexpected result: {other:?}"),
    }
}

fn report(what: &str, samples: &mut [Duration]) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{what:>36}: n={:<5} median {:>8.1} µs  p90 {:>8.1} µs  p99 {:>8.1} µs  min {:>8.1} µs",
        samples.len(),
        us(at(0.5)),
        us(at(0.9)),
        us(at(0.99)),
        us(samples[0])
    );
}

fn pin_to(cpu: usize) {
    #[cfg(target_os = "linux")]
    // SAFETY: a zeroed cpu_set_t is a valid empty set; the calls only read it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            eprintln!(
                "could not pin to CPU {cpu}: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

/// The release trigger binary, built next to this bench binary if needed.
fn trigger_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("<target>/<profile>/deps/<bench>");
    let target_dir = profile_dir.parent().expect("<target>/<profile>");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "--release",
            "--workspace",
            "--bins",
            "--benches",
            "--target-dir",
        ])
        .arg(target_dir)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building {TRIGGER} failed");
    profile_dir.join(TRIGGER)
}

/// A CustomMessage_SignUp event as Cognito sends it, about 1 KB.
fn event() -> Value {
    json!({
        "version": "1",
        "triggerSource": "CustomMessage_SignUp",
        "region": "us-east-1",
        "userPoolId": "us-east-1_Example1",
        "userName": "9a3b5c7d-1e2f-4a6b-8c9d-0e1f2a3b4c5d",
        "callerContext": { "awsSdkVersion": "aws-sdk-js-3.523.0", "clientId": "5f2a7k1c9m3q8r4t6v0w2x4y6z" },
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
                "email": "alice@example.com",
                "custom:plan": "enterprise-annual-with-support",
                "custom:referrer": "https://www.example.com/landing/spring-campaign?utm_source=newsletter"
            },
            "codeParameter": "{####}",
            "linkParameter": "{##Click Here##}",
            "usernameParameter": null,
            "clientMetadata": { "brand": "Acme", "locale": "en-GB", "campaign": "spring" }
        },
        "response": { "smsMessage": null, "emailMessage": null, "emailSubject": null }
    })
}
