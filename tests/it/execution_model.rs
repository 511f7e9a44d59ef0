//! Lambda's execution model for process functions (issue 11): a pool of environments up to the
//! function's concurrency, throttling beyond it, logs framed per invocation, and a sandbox that
//! dies whole, whether it crashes, times out, is recycled, or the harness itself dies.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cognito_harness::function::{Function, InvokeContext, Invoked, ProcessFunction};
use cognito_harness::{ErrorCode, Functions};
use serde_json::{json, Value};

use crate::recorder::{self, config, CLIENT_ID};
use crate::support::{self, alive};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:trigger";

fn ctx(timeout: Duration) -> InvokeContext {
    InvokeContext::new(ARN, timeout)
}

fn process(name: &str) -> ProcessFunction {
    ProcessFunction::new("trigger", [support::trigger(name).display().to_string()])
}

/// Waits, with a bound no load reaches, until `done` holds.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(30), "never: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invocations_each_get_an_environment_of_their_own() {
    // Each invocation holds its environment 1.5 s, far longer than dispatching all eight takes.
    let function = process("trigger-sleeps")
        .env("SLEEP_MS", "1500")
        .concurrency(8);
    let events: Vec<Value> = (0..8).map(|i| json!({ "call": i })).collect();
    let contexts: Vec<InvokeContext> = (0..8).map(|_| ctx(Duration::from_secs(60))).collect();
    let results = futures::future::join_all(
        events
            .iter()
            .zip(&contexts)
            .map(|(event, ctx)| function.invoke(event, ctx)),
    )
    .await;
    for (i, result) in results.into_iter().enumerate() {
        match result {
            Invoked::Output(payload) => assert_eq!(payload.to_json(), Some(json!({ "call": i }))),
            other => panic!("call {i}: {other:?}"),
        }
    }
    assert_eq!(
        function.environments(),
        8,
        "one environment per concurrent call"
    );
    // Each log is its own invocation's, however they interleaved.
    for ctx in &contexts {
        let log = ctx.logs.take();
        let own = section(&log, &ctx.request_id);
        assert!(
            own.contains(&format!("handling {}", ctx.request_id)),
            "{log}"
        );
        for other in &contexts {
            if other.request_id != ctx.request_id {
                assert!(!log.contains(&other.request_id), "{log}");
            }
        }
    }

    // Warm environments are reused: sequential calls start nothing new.
    for _ in 0..3 {
        let result = function
            .invoke(&json!({}), &ctx(Duration::from_secs(60)))
            .await;
        assert!(matches!(result, Invoked::Output(_)), "{result:?}");
    }
    assert_eq!(function.environments(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_its_concurrency_an_invocation_is_throttled() {
    let function = Arc::new(process("trigger-hangs").concurrency(2));
    let busy: Vec<_> = (0..2)
        .map(|_| {
            let function = function.clone();
            tokio::spawn(async move {
                function
                    .invoke(&json!({}), &ctx(Duration::from_secs(120)))
                    .await
            })
        })
        .collect();
    let f = function.clone();
    tokio::task::spawn_blocking(move || {
        eventually("two environments busy", || f.environments() == 2)
    })
    .await
    .unwrap();
    let third = ctx(Duration::from_secs(120));
    assert_eq!(
        function.invoke(&json!({}), &third).await,
        Invoked::Throttled(
            "all 2 execution environment(s) of `trigger` are busy (concurrency = 2)".to_string()
        )
    );
    assert_eq!(third.logs.take(), "", "a throttled invocation never ran");
    for task in busy {
        task.abort();
    }

    let disabled = process("trigger-hangs").concurrency(0);
    assert!(matches!(
        disabled
            .invoke(&json!({}), &ctx(Duration::from_secs(5)))
            .await,
        Invoked::Throttled(_)
    ));
    assert_eq!(disabled.pid(), None, "nothing was started");
}

#[tokio::test]
async fn cognito_answers_a_throttled_trigger_with_unexpected_lambda_exception() {
    let mut functions = Functions::new();
    functions.bind(
        "pre-sign-up",
        process("pre-sign-up-allowlist").concurrency(0),
    );
    let cognito = recorder::cognito(functions, config(json!({})));
    let outcome = cognito
        .call(
            "SignUp",
            &json!({
                "ClientId": CLIENT_ID, "Username": "alice", "Password": "Sup3r-secret!",
                "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}],
            }),
        )
        .await;
    let error = outcome.error().expect("the sign-up fails");
    assert_eq!(
        (error.code, error.message.as_str()),
        (
            ErrorCode::UnexpectedLambdaException,
            "PreSignUp invocation failed due to error TooManyRequestsException."
        )
    );
    assert_eq!(outcome.verdict().unwrap().rule.id, "invoke.throttled");
}

/// The part of a log between an invocation's START and END lines.
fn section<'a>(log: &'a str, request_id: &str) -> &'a str {
    let start = format!("START RequestId: {request_id} Version: $LATEST\n");
    let end = format!("END RequestId: {request_id}\n");
    let from = log
        .find(&start)
        .unwrap_or_else(|| panic!("no START: {log}"))
        + start.len();
    let to = log[from..]
        .find(&end)
        .unwrap_or_else(|| panic!("no END: {log}"));
    &log[from..from + to]
}

#[tokio::test]
async fn each_invocation_gets_its_own_log_framed_like_lambda() {
    let function = process("trigger-sleeps").env("SLEEP_MS", "0");
    let report = regex::Regex::new(
        r"^REPORT RequestId: ([0-9a-f-]{36})\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB(\tMax Memory Used: \d+ MB)?(\tInit Duration: \d+\.\d\d ms)?$",
    )
    .unwrap();
    let mut previous: Option<String> = None;
    for i in 0..5 {
        let ctx = ctx(Duration::from_secs(30));
        let result = function.invoke(&json!({ "call": i }), &ctx).await;
        assert!(matches!(result, Invoked::Output(_)), "{result:?}");
        let log = ctx.logs.take();
        let id = &ctx.request_id;
        let own = section(&log, id);
        assert!(own.contains(&format!("handling {id}\n")), "{log}");
        // What the previous invocation printed after answering is never inside this one.
        if let Some(previous) = &previous {
            assert!(!own.contains(previous.as_str()), "{log}");
        }
        let last = log.lines().last().unwrap();
        let captures = report
            .captures(last)
            .unwrap_or_else(|| panic!("not a REPORT line: {last:?}"));
        assert_eq!(&captures[1], id.as_str());
        assert_eq!(
            captures.get(3).is_some(),
            i == 0,
            "Init Duration only on the cold start: {last}"
        );
        previous = Some(id.clone());
    }
}

/// A helper `trigger-forks-helpers` started.
struct Helper {
    pid: u32,
    kind: String,
    /// Whether it ran in a PID namespace other than ours (the sandbox, where the kernel allows).
    sandboxed: bool,
}

/// The helpers recorded in `file`, one `<pid> <kind> <NSpid...>` line each.
fn helpers(file: &Path) -> Vec<Helper> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let pid = fields.next()?.parse().ok()?;
            let kind = fields.next()?.to_string();
            Some(Helper {
                pid,
                kind,
                sandboxed: fields.count() > 1,
            })
        })
        .collect()
}

/// Checks every helper dies. Without a PID namespace (the kernel refused one) a `setsid` daemon
/// leaves the process group and cannot be reached: then only the others are checked.
fn all_gone(file: &Path, how: &str) {
    let helpers = helpers(file);
    let kinds: BTreeSet<&str> = helpers.iter().map(|h| h.kind.as_str()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["child", "double-fork", "setsid"]),
        "{file:?}"
    );
    for helper in &helpers {
        if helper.kind == "setsid" && !helper.sandboxed {
            eprintln!(
                "no PID namespace here: the setsid helper {} is not checked",
                helper.pid
            );
            continue;
        }
        eventually(
            &format!(
                "the {} helper {} is gone after {how}",
                helper.kind, helper.pid
            ),
            || !alive(helper.pid),
        );
    }
    let _ = std::fs::remove_file(file);
}

fn helpers_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("forks-helpers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.txt"));
    let _ = std::fs::remove_file(&file);
    file
}

fn forking(file: &Path, after: &str) -> ProcessFunction {
    process("trigger-forks-helpers")
        .env("HELPERS_FILE", file.display().to_string())
        .env("AFTER_FORKING", after)
}

#[tokio::test]
async fn a_crashing_environment_takes_every_helper_with_it() {
    let file = helpers_file("crash");
    let function = forking(&file, "exit");
    let ctx = ctx(Duration::from_secs(60));
    match function.invoke(&json!({}), &ctx).await {
        Invoked::Error(error) => assert_eq!(error.error_type, "Runtime.ExitError", "{error:?}"),
        other => panic!("expected the exit, got {other:?}"),
    }
    assert!(ctx.logs.take().contains("exiting with helpers left behind"));
    all_gone(&file, "the crash");
}

#[tokio::test]
async fn a_timed_out_environment_takes_every_helper_with_it() {
    let file = helpers_file("timeout");
    let function = forking(&file, "hang");
    // Long enough for the helpers to start under any load; the trigger then hangs.
    let result = function
        .invoke(&json!({}), &ctx(Duration::from_secs(10)))
        .await;
    assert_eq!(result, Invoked::TimedOut);
    all_gone(&file, "the timeout");
}

#[tokio::test]
async fn a_recycled_environment_takes_every_helper_with_it() {
    let file = helpers_file("recycle");
    let function = forking(&file, "answer");
    let result = function
        .invoke(&json!({ "ok": true }), &ctx(Duration::from_secs(60)))
        .await;
    assert!(matches!(result, Invoked::Output(_)), "{result:?}");
    assert!(
        helpers(&file).iter().all(|h| alive(h.pid)),
        "the helpers live while the environment does"
    );
    drop(function);
    all_gone(&file, "the function was dropped");
}

/// Run by the test below in a child test process: starts the forking trigger, lets it fork, says
/// so, and waits to be killed.
#[tokio::test]
#[ignore = "helper for no_helper_outlives_a_harness_killed_by_any_signal"]
async fn helper_harness_that_gets_killed() {
    let Some(file) = std::env::var_os("COGNITO_HARNESS_HELPERS_FILE") else {
        return;
    };
    let function = forking(&PathBuf::from(file), "answer");
    let result = function
        .invoke(&json!({}), &ctx(Duration::from_secs(60)))
        .await;
    assert!(matches!(result, Invoked::Output(_)), "{result:?}");
    println!("READY");
    std::future::pending::<()>().await;
}

#[test]
fn no_helper_outlives_a_harness_killed_by_any_signal() {
    let triggers = support::trigger("trigger-forks-helpers");
    for (signal, name) in [
        (libc::SIGINT, "SIGINT"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGKILL, "SIGKILL"),
    ] {
        let file = helpers_file(name);
        let mut harness = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "execution_model::helper_harness_that_gets_killed",
                "--exact",
                "--ignored",
                "--nocapture",
            ])
            .env("COGNITO_HARNESS_HELPERS_FILE", &file)
            .env("COGNITO_HARNESS_TRIGGERS_DIR", triggers.parent().unwrap())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(harness.stdout.take().unwrap());
        let ready = stdout
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains("READY"));
        assert!(ready, "the helper harness got its trigger to fork");
        // SAFETY: kill has no memory-safety preconditions; the pid is our unreaped child.
        unsafe {
            libc::kill(harness.id() as libc::pid_t, signal);
        }
        let status = harness.wait().unwrap();
        assert!(!status.success(), "{name}: {status}");
        all_gone(&file, name);
    }
}
