//! Real trigger processes through the Runtime API the harness hosts: every example trigger's exact
//! result, the same result in-process where a Rust handler can run there, deadlines, exits,
//! restarts, and that no process is left behind.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignup;
use cognito_harness::function::{
    handler, invoke_with_retries, Deadline, Function, FunctionError, InvokeContext, Invoked,
    Payload, ProcessFunction,
};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};

use crate::support::{self, alive, custom_message_event, gone, pre_sign_up_event};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:trigger";

fn ctx(timeout: Duration) -> InvokeContext {
    InvokeContext::new(ARN, timeout)
}

fn process(name: &str) -> ProcessFunction {
    ProcessFunction::new("trigger", [support::trigger(name).display().to_string()])
}

async fn invoke(function: &dyn Function, event: &Value) -> Invoked {
    function.invoke(event, &ctx(Duration::from_secs(10))).await
}

fn output(invoked: Invoked) -> Value {
    match invoked {
        Invoked::Output(payload) => payload.to_json().expect("the output is JSON"),
        other => panic!("expected an output, got {other:?}"),
    }
}

/// Process and in-process results agree once payloads are compared as JSON.
fn same(a: &Invoked, b: &Invoked) -> bool {
    match (a, b) {
        (Invoked::Output(a), Invoked::Output(b)) => a.to_json() == b.to_json(),
        (a, b) => a == b,
    }
}

#[tokio::test]
async fn branded_custom_message_stays_warm_across_trigger_sources() {
    let function = process("custom-message-branded");
    let acme = json!({ "brand": "Acme" });

    let signup = output(
        invoke(
            &function,
            &custom_message_event("CustomMessage_SignUp", acme.clone()),
        )
        .await,
    );
    assert_eq!(
        signup["response"],
        json!({
            "smsMessage": "Acme confirmation code: {####}",
            "emailMessage": "Welcome to Acme! Your confirmation code is {####}.",
            "emailSubject": "Acme: confirm your account"
        })
    );
    let pid = function.pid().expect("a process was started");

    let reset = output(
        invoke(
            &function,
            &custom_message_event("CustomMessage_ForgotPassword", acme),
        )
        .await,
    );
    assert_eq!(
        reset["response"]["emailSubject"],
        "Acme: reset your password"
    );

    // AdminCreateUser: no clientMetadata (ruling 3), so the default brand; keeps {username}.
    let mut invite = custom_message_event("CustomMessage_AdminCreateUser", json!({}));
    invite["request"]["usernameParameter"] = json!("{username}");
    let invite = output(invoke(&function, &invite).await);
    assert_eq!(
        invite["response"]["emailMessage"],
        "Hello {username}, an account was created for you at Example. Your temporary password is {####}."
    );
    assert_eq!(
        invite["response"]["smsMessage"],
        "Example: user {username}, temporary password {####}"
    );

    assert_eq!(
        function.pid(),
        Some(pid),
        "one warm process served every invocation"
    );
    assert!(alive(pid));
    drop(function);
    assert!(gone(pid), "dropping the function kills its process");
}

#[tokio::test]
async fn pre_sign_up_allowlist_confirms_allowed_domains_and_rejects_others() {
    let function =
        process("pre-sign-up-allowlist").env("ALLOWED_EMAIL_DOMAINS", "example.com, Acme.test");

    let allowed = output(invoke(&function, &pre_sign_up_event("bob@acme.test")).await);
    assert_eq!(
        allowed["response"],
        json!({ "autoConfirmUser": true, "autoVerifyEmail": true, "autoVerifyPhone": false })
    );

    let rejected = invoke(&function, &pre_sign_up_event("mallory@evil.test")).await;
    assert_eq!(
        rejected,
        Invoked::Error(FunctionError::new(
            BOXED_ERROR,
            "sign-up is not open to mallory@evil.test"
        ))
    );
}

/// The `errorType` lambda_runtime 1.5 gives a `lambda_runtime::Error` (a boxed error): the type name
/// of a reference to it (`type_name_of_val(&value)` in its diagnostic.rs).
const BOXED_ERROR: &str =
    "&alloc::boxed::Box<dyn core::error::Error + core::marker::Send + core::marker::Sync>";

#[tokio::test]
async fn a_throwing_trigger_is_a_function_error_as_in_process() {
    let event = pre_sign_up_event("alice@example.com");
    let via_process = invoke(&process("trigger-throws"), &event).await;
    assert_eq!(
        via_process,
        Invoked::Error(FunctionError::new(
            BOXED_ERROR,
            "boom: the trigger failed on purpose"
        ))
    );

    let in_process = handler(service_fn(|_: LambdaEvent<Value>| async {
        Err::<Value, lambda_runtime::Error>("boom: the trigger failed on purpose".into())
    }));
    assert!(same(&via_process, &invoke(&in_process, &event).await));
}

#[tokio::test]
async fn a_panicking_trigger_is_a_function_error_and_its_process_survives() {
    let function = process("trigger-panics");
    let event = custom_message_event("CustomMessage_SignUp", json!({}));
    let expected = Invoked::Error(FunctionError::new(
        "&alloc::boxed::Box<dyn core::any::Any + core::marker::Send>",
        "Lambda panicked: the trigger panicked on purpose",
    ));
    assert_eq!(invoke(&function, &event).await, expected);
    let pid = function.pid().expect("started");
    let second = ctx(Duration::from_secs(10));
    assert_eq!(function.invoke(&event, &second).await, expected);
    assert_eq!(
        function.pid(),
        Some(pid),
        "lambda_runtime catches the panic; the process lives on"
    );
    assert!(
        second
            .logs
            .take()
            .contains("the trigger panicked on purpose"),
        "the panic message is in the logs"
    );

    let in_process = handler(service_fn(|_: LambdaEvent<Value>| async {
        if true {
            panic!("the trigger panicked on purpose");
        }
        Ok::<Value, lambda_runtime::Error>(Value::Null)
    }));
    assert_eq!(invoke(&in_process, &event).await, expected);
}

#[tokio::test]
async fn null_and_non_event_answers_come_back_verbatim() {
    let event = pre_sign_up_event("alice@example.com");
    assert_eq!(
        invoke(&process("trigger-returns-null"), &event).await,
        Invoked::Output(Payload::Bytes("null".into()))
    );
    assert_eq!(
        invoke(&process("trigger-returns-non-event"), &event).await,
        Invoked::Output(Payload::Bytes(r#"{"ok":true}"#.into()))
    );
}

#[tokio::test]
async fn wrong_types_drops_code_and_too_long_outputs_reach_the_judge_untouched() {
    let function = process("trigger-wrong-types");
    let sign_up = output(invoke(&function, &pre_sign_up_event("alice@example.com")).await);
    assert_eq!(sign_up["response"]["autoConfirmUser"], json!("yes"));
    let message = output(
        invoke(
            &function,
            &custom_message_event("CustomMessage_SignUp", json!({})),
        )
        .await,
    );
    assert_eq!(message["response"]["emailMessage"], json!(1234));

    let event = custom_message_event("CustomMessage_SignUp", json!({}));
    let dropped = output(invoke(&process("custom-message-drops-code"), &event).await);
    assert_eq!(
        dropped["response"]["emailMessage"],
        "Welcome! Your code is on its way."
    );

    let long = output(invoke(&process("custom-message-too-long"), &event).await);
    let body = long["response"]["emailMessage"]
        .as_str()
        .expect("a string body");
    assert_eq!(body.chars().count(), 20_001);
    assert!(body.contains("{####}"));
}

#[tokio::test]
async fn an_event_the_handler_cannot_read_is_lambda_runtimes_deserialize_error() {
    let mut event = pre_sign_up_event("alice@example.com");
    event["request"]["userAttributes"]["email"] = json!(42);
    let via_process = invoke(&process("pre-sign-up-allowlist"), &event).await;
    assert_eq!(
        via_process,
        Invoked::Error(FunctionError::new(
            "&lambda_runtime::deserializer::DeserializeError",
            "failed to deserialize the incoming data into the function's payload type: \
             [request.userAttributes.email] request.userAttributes.email: invalid type: integer `42`, \
             expected a string at line 1 column 258\n"
        ))
    );
    let in_process = handler(service_fn(
        |e: LambdaEvent<CognitoEventUserPoolsPreSignup>| async move {
            Ok::<_, lambda_runtime::Error>(e.payload)
        },
    ));
    assert_eq!(invoke(&in_process, &event).await, via_process);
}

#[tokio::test]
async fn a_process_exiting_mid_invocation_is_runtime_exit_error_and_is_restarted() {
    let function = process("trigger-exits");
    let event = custom_message_event("CustomMessage_SignUp", json!({}));
    for _ in 0..2 {
        let ctx = ctx(Duration::from_secs(10));
        let result = function.invoke(&event, &ctx).await;
        let message = format!(
            "RequestId: {} Error: Runtime exited with error: exit status 3",
            ctx.request_id
        );
        assert_eq!(
            result,
            Invoked::Error(FunctionError::new("Runtime.ExitError", message))
        );
        assert!(
            ctx.logs.take().contains("exiting with status 3"),
            "the process's last words are kept"
        );
    }
}

#[tokio::test]
async fn a_hanging_trigger_times_out_on_every_attempt_and_is_killed() {
    let function = process("trigger-hangs");
    let event = custom_message_event("CustomMessage_SignUp", json!({}));

    let started = Instant::now();
    assert_eq!(
        function
            .invoke(&event, &ctx(Duration::from_millis(300)))
            .await,
        Invoked::TimedOut
    );
    let first = function.pid().expect("started");
    assert!(gone(first), "the timed-out process is killed");

    let deadline = Deadline {
        per_attempt: Duration::from_millis(300),
        attempts: 2,
    };
    let invocation = invoke_with_retries(&function, &event, ARN, deadline).await;
    assert_eq!(
        (invocation.result, invocation.attempts),
        (Invoked::TimedOut, 2)
    );
    let last = function.pid().expect("restarted");
    assert_ne!(first, last, "each attempt gets a fresh process");
    assert!(gone(last), "no process is left behind");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_command_that_cannot_start_is_unavailable() {
    let function = ProcessFunction::new("missing", ["/nonexistent/bootstrap"]);
    match invoke(&function, &json!({})).await {
        Invoked::Unavailable(message) => assert!(
            message
                .starts_with("could not start `/nonexistent/bootstrap`: No such file or directory"),
            "{message}"
        ),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(function.start().await.is_err());
    assert!(matches!(
        invoke(
            &ProcessFunction::new("empty", Vec::<String>::new()),
            &json!({})
        )
        .await,
        Invoked::Unavailable(_)
    ));
}

/// A minimal runtime in Python's standard library: reports what the harness sent it.
const ECHO_RUNTIME: &str = r#"
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
with urllib.request.urlopen(api + "/invocation/next") as r:
    seen = {"headers": {k.lower(): v for k, v in r.headers.items()}, "event": json.load(r),
            "env": dict(os.environ)}
request_id = seen["headers"]["lambda-runtime-aws-request-id"]
post = urllib.request.Request(api + "/invocation/" + request_id + "/response", data=json.dumps(seen).encode(), method="POST")
with urllib.request.urlopen(post) as r:
    assert r.status == 202 and json.load(r) == {"status": "OK"}
"#;

/// The interpreter itself, not a launcher (pyenv's shim adds its own variables).
fn python() -> String {
    let python = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 runs");
    String::from_utf8(python.stdout).unwrap().trim().to_string()
}

#[tokio::test]
async fn the_runtime_gets_lambdas_headers_and_environment() {
    let python = python();
    let function = ProcessFunction::new("echo", [python.as_str(), "-c", ECHO_RUNTIME])
        .handler("echo.handler")
        .runtime("python3.12")
        .memory_size(256)
        .current_dir(support::root().join("tests"))
        .pass_env(["HOME", "COGNITO_HARNESS_NEVER_SET"])
        .env("BRAND", "acme");
    let event = json!({ "hello": "world" });
    let ctx = ctx(Duration::from_secs(5));
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let seen = output(function.invoke(&event, &ctx).await);

    assert_eq!(seen["event"], event);
    let headers = &seen["headers"];
    assert_eq!(
        headers["lambda-runtime-aws-request-id"],
        json!(ctx.request_id)
    );
    assert_eq!(headers["lambda-runtime-invoked-function-arn"], ARN);
    assert_eq!(headers["content-type"], "application/json");
    assert!(headers["lambda-runtime-trace-id"]
        .as_str()
        .unwrap()
        .starts_with("Root=1-"));
    let deadline: u64 = headers["lambda-runtime-deadline-ms"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (before + 4_000..=before + 6_000).contains(&deadline),
        "the deadline is real epoch ms, now + 5 s"
    );

    let env = &seen["env"];
    let task_root = support::root().join("tests").display().to_string();
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "echo");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand");
    assert_eq!(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/echo");
    let stream = env["AWS_LAMBDA_LOG_STREAM_NAME"].as_str().unwrap();
    assert!(
        regex::Regex::new(r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$")
            .unwrap()
            .is_match(stream),
        "{stream}"
    );
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert_eq!(env["AWS_DEFAULT_REGION"], "us-east-1");
    assert_eq!(env["AWS_EXECUTION_ENV"], "AWS_Lambda_python3.12");
    assert_eq!(env["_HANDLER"], "echo.handler");
    assert_eq!(env["LAMBDA_TASK_ROOT"], json!(task_root));
    assert_eq!(env["LAMBDA_RUNTIME_DIR"], "/var/runtime");
    assert!(env["AWS_LAMBDA_RUNTIME_API"]
        .as_str()
        .unwrap()
        .starts_with("127.0.0.1:"));
    assert_eq!(env["TZ"], ":UTC");
    assert_eq!(env["LANG"], "en_US.UTF-8");
    let library_path = env["LD_LIBRARY_PATH"].as_str().unwrap();
    assert!(
        library_path.ends_with(&format!("{task_root}:{task_root}/lib")),
        "{library_path}"
    );
    assert_eq!(env["PATH"], json!(std::env::var("PATH").unwrap()));
    assert_eq!(env["BRAND"], "acme", "the binding's own variables");
    assert_eq!(
        env.get("HOME").and_then(Value::as_str),
        std::env::var("HOME").ok().as_deref(),
        "named in pass_env"
    );
    // Lambda's environment, the binding's own and what it names: no credentials, no AWS_PROFILE,
    // no RUST_BACKTRACE, whatever the developer's shell holds.
    let mut names: Vec<&str> = env
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    // Python itself may add LC_CTYPE when it coerces the C locale.
    names.retain(|n| !["HOME", "LC_CTYPE"].contains(n));
    assert_eq!(
        names,
        [
            "AWS_DEFAULT_REGION",
            "AWS_EXECUTION_ENV",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_INITIALIZATION_TYPE",
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_LAMBDA_RUNTIME_API",
            "AWS_REGION",
            "BRAND",
            "LAMBDA_RUNTIME_DIR",
            "LAMBDA_TASK_ROOT",
            "LANG",
            "LD_LIBRARY_PATH",
            "PATH",
            "TZ",
            "_HANDLER",
        ]
    );
}

#[tokio::test]
async fn without_a_managed_runtime_there_is_no_aws_execution_env() {
    let function = ProcessFunction::new("echo", [python().as_str(), "-c", ECHO_RUNTIME]);
    let seen = output(invoke(&function, &json!({})).await);
    let env = &seen["env"];
    assert_eq!(env["_HANDLER"], "bootstrap");
    assert!(env.get("AWS_EXECUTION_ENV").is_none(), "{env}");
    let cwd = std::env::current_dir().unwrap().display().to_string();
    assert_eq!(
        env["LAMBDA_TASK_ROOT"],
        json!(cwd),
        "the harness's directory"
    );
}

/// A runtime whose initialization fails, reported the way runtime interface clients do.
const INIT_FAILS: &str = r#"
import os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
body = b'{"errorMessage": "Unable to import module \'app\': No module named \'app\'", "errorType": "Runtime.ImportModuleError", "stackTrace": []}'
urllib.request.urlopen(urllib.request.Request(api + "/init/error", data=body, method="POST"))
"#;

#[tokio::test]
async fn an_init_error_is_the_invocations_result() {
    let expected = Invoked::Error(FunctionError::new(
        "Runtime.ImportModuleError",
        "Unable to import module 'app': No module named 'app'",
    ));
    let function = ProcessFunction::new("init", ["python3", "-c", INIT_FAILS]);
    assert_eq!(invoke(&function, &json!({})).await, expected);
    // Started ahead of time, the error waits for the first invocation.
    let function = ProcessFunction::new("init", ["python3", "-c", INIT_FAILS]);
    function.start().await.expect("python3 starts");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(invoke(&function, &json!({})).await, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_from_a_multi_thread_runtime() {
    let function = process("custom-message-branded");
    let event = custom_message_event("CustomMessage_ResendCode", json!({ "brand": "Acme" }));
    for _ in 0..20 {
        assert_eq!(
            output(invoke(&function, &event).await)["response"]["emailSubject"],
            "Acme: confirm your account"
        );
    }
}

#[test]
fn one_function_serves_callers_on_different_runtimes() {
    let function = process("custom-message-branded");
    let event = custom_message_event("CustomMessage_SignUp", json!({ "brand": "Acme" }));
    for _ in 0..2 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let result = runtime.block_on(invoke(&function, &event));
        assert_eq!(
            output(result)["response"]["emailSubject"],
            "Acme: confirm your account"
        );
    }
}

fn python_trigger(handler: &str) -> ProcessFunction {
    let python = support::python_with_awslambdaric();
    ProcessFunction::new(
        "py",
        [
            python.display().to_string(),
            "-m".into(),
            "awslambdaric".into(),
            handler.into(),
        ],
    )
    .current_dir(support::root().join("tests/python"))
    .handler(handler)
}

#[tokio::test]
async fn a_python_trigger_runs_under_awss_runtime_interface_client() {
    let function = python_trigger("custom_message.handler");
    let event = custom_message_event("CustomMessage_SignUp", json!({ "brand": "Acme" }));
    let mut logs = String::new();
    for _ in 0..2 {
        let ctx = ctx(Duration::from_secs(10));
        let answer = output(function.invoke(&event, &ctx).await);
        logs.push_str(&ctx.logs.take());
        assert_eq!(
            answer["response"]["emailSubject"],
            "Acme: confirm your account"
        );
        assert_eq!(
            answer["response"]["emailMessage"],
            "Welcome to Acme! Your confirmation code is {####}."
        );
        assert_eq!(
            answer["request"], event["request"],
            "the rest of the event comes back as sent"
        );
    }
    assert!(logs.contains("branding CustomMessage_SignUp for Acme"));

    match invoke(&python_trigger("custom_message.fail"), &event).await {
        Invoked::Error(error) => {
            assert_eq!(
                (error.error_type.as_str(), error.error_message.as_str()),
                ("ValueError", "no brand for this pool")
            )
        }
        other => panic!("expected a function error, got {other:?}"),
    }
    match invoke(&python_trigger("no_such_module.handler"), &event).await {
        Invoked::Error(error) => {
            assert_eq!(error.error_type, "Runtime.ImportModuleError");
            assert!(
                error
                    .error_message
                    .starts_with("Unable to import module 'no_such_module'"),
                "{error:?}"
            );
        }
        other => panic!("expected the init error, got {other:?}"),
    }
}

/// Run by the test below in a child test process: starts a trigger, says its pid, dies abruptly.
#[tokio::test]
#[ignore = "helper for no_process_outlives_an_aborted_harness"]
async fn helper_harness_that_aborts() {
    if std::env::var_os("COGNITO_HARNESS_ABORT_HELPER").is_none() {
        return;
    }
    let function = process("trigger-hangs");
    function.start().await.expect("the trigger starts");
    println!("PID={}", function.pid().expect("started"));
    std::process::abort();
}

#[test]
fn no_process_outlives_an_aborted_harness() {
    let hangs = support::trigger("trigger-hangs");
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "runtime_api::helper_harness_that_aborts",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env("COGNITO_HARNESS_ABORT_HELPER", "1")
        .env("COGNITO_HARNESS_TRIGGERS_DIR", hangs.parent().unwrap())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let pid: u32 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("PID="))
        .unwrap_or_else(|| panic!("the helper printed no pid: {stdout}"))
        .parse()
        .unwrap();
    assert!(!output.status.success(), "the helper aborted");
    assert!(
        gone(pid),
        "the trigger died with its harness (PR_SET_PDEATHSIG)"
    );
}
