//! `cognito-harness fuzz` throughput: generated events per second, each built, run and judged,
//! against an in-process handler (one event at a time, then spread over a multi-threaded
//! runtime's workers, the figure issue 14's 100,000/s target is read by) and against a warm Rust
//! trigger process (custom-message-branded) with 1, 2 and 4 environments in flight, driven from
//! one thread as the CLI drives it.
//!
//! `cargo bench --bench fuzz`. `COGNITO_BENCH_N` sets the events per case (default 20000
//! in-process, a quarter of that per process case); `COGNITO_BENCH_IN_PROCESS_ONLY=1` skips the
//! process cases (for profiling the harness's own share under callgrind). The machine is shared: read the figures with
//! the load average printed first.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessage as Event;
use cognito_harness::function::{handler, Deadline, Function, ProcessFunction};
use cognito_harness::fuzz::{self, Options, Target};
use cognito_harness::TriggerSource;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::json;

#[path = "support/cargo_env.rs"]
mod cargo_env;

const TRIGGER: &str = "custom-message-branded";

async fn brand(event: LambdaEvent<Event>) -> Result<Event, Error> {
    let mut event = event.payload;
    let brand = event
        .request
        .client_metadata
        .get("brand")
        .cloned()
        .unwrap_or_else(|| "Example".to_string());
    event.response.email_subject = Some(format!("{brand}: confirm your new address"));
    event.response.email_message = Some(format!("Confirm with code {{####}} ({brand})."));
    event.response.sms_message = Some(format!("{brand} code: {{####}}"));
    Ok(event)
}

fn main() {
    let n: u64 = std::env::var("COGNITO_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("fuzz bench: load average {}", load.trim());
    let binary = trigger_binary();
    let pool = |function: &str| {
        json!({
            "PoolName": "bench",
            "AutoVerifiedAttributes": ["email", "phone_number"],
            "LambdaConfig": {"CustomMessage": format!("arn:aws:lambda:us-east-1:123456789012:function:{function}")},
        })
    };
    let target = Target::new("bench", &pool("bench"), "bench")
        .unwrap()
        .unwrap();
    // In-process, the events are built, run and judged on every core (a multi-threaded runtime,
    // two events in flight per worker); a trigger process is driven from one thread, as the CLI
    // drives it.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    workers.block_on(async {
        let in_process: Arc<dyn Function> = Arc::new(handler(service_fn(brand)));
        measure("in-process handler, one event at a time", in_process.clone(), &target, n, 1)
            .await;
        let label = format!("in-process handler, {cores} worker(s)");
        let rate = measure(&label, in_process, &target, n, 2 * cores).await;
        // The generated events are large on purpose (the longest allowed values, every shape of
        // clientMetadata): the rate is read with their size, which the handler parses and echoes.
        let bytes = mean_event_bytes(&target, n.min(2000));
        println!(
            "{:<55} {bytes:>6.0} bytes per event on average: {:>6.1} MB/s of events through the handler",
            "", bytes * rate / 1e6
        );
    });
    // The in-process workers are gone before a process is measured.
    drop(workers);
    if std::env::var_os("COGNITO_BENCH_IN_PROCESS_ONLY").is_some() {
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        for environments in [1, 2, 4] {
            let function = ProcessFunction::new("bench", [binary.display().to_string()])
                .concurrency(environments);
            let function: Arc<dyn Function> = Arc::new(function);
            // Warm every environment first: the figure is for a warm process.
            measure(
                "(warm-up)",
                function.clone(),
                &target,
                400,
                environments as usize,
            )
            .await;
            let label = format!("warm {TRIGGER} process, {environments} environment(s)");
            measure(&label, function, &target, n / 4, environments as usize).await;
        }
    });
}

async fn measure(
    label: &str,
    function: Arc<dyn Function>,
    target: &Target,
    runs: u64,
    parallel: usize,
) -> f64 {
    let options = Options {
        runs,
        time: Duration::from_secs(120),
        seed: 1,
        sources: vec![TriggerSource::CUSTOM_MESSAGE_UPDATE_USER_ATTRIBUTE],
        parallel,
        deadline: Deadline {
            per_attempt: Duration::from_secs(5),
            attempts: 1,
        },
    };
    let report = fuzz::fuzz_function(function, std::slice::from_ref(target), &options).await;
    assert!(
        report.findings.is_empty(),
        "{label}: the bench trigger should pass: {:?}",
        report.findings.first().map(|f| &f.verdict)
    );
    if label.starts_with('(') {
        return 0.0;
    }
    let rate = report.events as f64 / report.elapsed.as_secs_f64();
    println!(
        "{label:<55} {:>6} events in {:>6.2} s: {:>8.0} events/s",
        report.events,
        report.elapsed.as_secs_f64(),
        rate
    );
    rate
}

/// The mean size of the first `runs` events the bench's cases send, as JSON text.
fn mean_event_bytes(target: &Target, runs: u64) -> f64 {
    let source = TriggerSource::CUSTOM_MESSAGE_UPDATE_USER_ATTRIBUTE;
    let sizes: Vec<usize> = fuzz::cases(target, source, 1)
        .take(runs as usize)
        .filter_map(|case| fuzz::event(target, &case))
        .map(|event| serde_json::to_vec(&event).map_or(0, |bytes| bytes.len()))
        .collect();
    sizes.iter().sum::<usize>() as f64 / sizes.len().max(1) as f64
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
