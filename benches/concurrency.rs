//! Concurrent callers against one process function (issue 11's bench target): 64 clients, a real
//! trigger process that answers in 50 ms, every call through the hosted Runtime API.
//!
//! `cargo bench --bench concurrency`. `COGNITO_BENCH_CLIENTS` (default 64), `COGNITO_BENCH_CALLS`
//! per client (default 20), `COGNITO_BENCH_SLEEP_MS` (default 50), `COGNITO_BENCH_CONCURRENCY` (the
//! function's, default = clients). Ideal throughput is clients / sleep; the target is at least half
//! of it with no timeouts.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cognito_harness::function::{Function, InvokeContext, Invoked, ProcessFunction};
use serde_json::json;

#[path = "support/cargo_env.rs"]
mod cargo_env;

const TRIGGER: &str = "trigger-sleeps";

fn var(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let clients = var("COGNITO_BENCH_CLIENTS", 64) as usize;
    let calls = var("COGNITO_BENCH_CALLS", 20) as usize;
    let sleep_ms = var("COGNITO_BENCH_SLEEP_MS", 50);
    let concurrency = var("COGNITO_BENCH_CONCURRENCY", clients as u64) as u32;
    let binary = trigger_binary();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let function = Arc::new(
            ProcessFunction::new("bench", [binary.display().to_string()])
                .env("SLEEP_MS", sleep_ms.to_string())
                .concurrency(concurrency),
        );
        let started = Instant::now();
        let tasks: Vec<_> = (0..clients)
            .map(|client| {
                let function = function.clone();
                tokio::spawn(async move {
                    let mut outcomes = Vec::with_capacity(calls);
                    for call in 0..calls {
                        let event = json!({ "client": client, "call": call });
                        let ctx = InvokeContext::new(
                            "arn:aws:lambda:us-east-1:123456789012:function:bench",
                            Duration::from_secs(5),
                        );
                        let start = Instant::now();
                        // Cognito's clock: 5 s from its call.
                        let result = tokio::time::timeout(ctx.timeout, function.invoke(&event, &ctx))
                            .await
                            .unwrap_or(Invoked::TimedOut);
                        outcomes.push((start.elapsed(), result));
                    }
                    outcomes
                })
            })
            .collect();
        let mut latencies = Vec::new();
        let (mut ok, mut timed_out, mut throttled, mut other) = (0, 0, 0, 0);
        for task in tasks {
            for (latency, result) in task.await.expect("a client task") {
                match result {
                    Invoked::Output(_) => {
                        ok += 1;
                        latencies.push(latency);
                    }
                    Invoked::TimedOut => timed_out += 1,
                    Invoked::Throttled(_) => throttled += 1,
                    _ => other += 1,
                }
            }
        }
        let elapsed = started.elapsed();
        let total = clients * calls;
        // Answered calls only: a throttled one is fast and useless.
        let throughput = ok as f64 / elapsed.as_secs_f64();
        let ideal = clients as f64 * 1000.0 / sleep_ms as f64;
        latencies.sort();
        let at = |q: f64| {
            latencies
                .get(((latencies.len().max(1) - 1) as f64 * q).round() as usize)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        println!(
            "concurrency: {clients} clients x {calls} calls, trigger answers in {sleep_ms} ms, function concurrency {concurrency}"
        );
        println!(
            "  {total} calls in {:.2} s: {ok} ok, {timed_out} timed out, {throttled} throttled, {other} other",
            elapsed.as_secs_f64()
        );
        println!(
            "  throughput {throughput:.0} calls/s = {:.0}% of the ideal {ideal:.0}/s; latency median {:.1} ms, p90 {:.1} ms, p99 {:.1} ms; {} environments",
            100.0 * throughput / ideal,
            at(0.5),
            at(0.9),
            at(0.99),
            function.environments()
        );
    });
}

/// The release trigger binary, built next to this bench binary if needed.
fn trigger_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("<target>/<profile>/deps/<bench>");
    let target_dir = profile_dir.parent().expect("<target>/<profile>");
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()));
    let status = cargo_env::as_from_a_shell(&mut cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--release", "-p", TRIGGER, "--target-dir"])
        .arg(target_dir)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building {TRIGGER} failed");
    profile_dir.join(TRIGGER)
}
