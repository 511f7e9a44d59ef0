//! In-process handlers (DESIGN.md "Facts about the dependencies"; §3.1): any lambda_runtime-style
//! service over `LambdaEvent<T>` is bound as the CustomMessage function, and its errors, panics and
//! payload mismatches reach the caller as a real lambda_runtime process would report them.
//! The texts are compared with what lambda_runtime 1.5 itself posts to a Runtime API.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lambda_events::cognito::CognitoEventUserPoolsCustomMessage;
use bytes::Bytes;
use cognito_harness::function::{InvokeContext, Invoked};
use cognito_harness::{handler, ErrorCode, Function, FunctionError, Outcome};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::fixture::{admin_update, Fixture, NEW_EMAIL, OLD_EMAIL};

fn replay(fx: &Fixture) -> Outcome {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(fx.cognito.call(
            "AdminUpdateUserAttributes",
            &admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
        ))
}

fn rejected(out: &Outcome) -> (ErrorCode, String, &'static str, &'static str) {
    let e = out
        .error()
        .unwrap_or_else(|| panic!("expected an error, got {:?}", out.result));
    let verdict = out.verdict().expect("a verdict");
    (
        e.code,
        e.message.clone(),
        verdict.rule.id,
        verdict.rule.grade.as_str(),
    )
}

async fn typed(
    event: LambdaEvent<CognitoEventUserPoolsCustomMessage>,
) -> Result<CognitoEventUserPoolsCustomMessage, lambda_runtime::Error> {
    let mut payload = event.payload;
    let code = payload.request.code_parameter.clone().unwrap_or_default();
    payload.response.email_subject = Some("Acme: confirm your address".into());
    payload.response.email_message = Some(format!("<p>Your Acme code is {code}</p>"));
    Ok(payload)
}

/// The author's own event type: only what the handler needs.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MyEvent {
    trigger_source: String,
    request: MyRequest,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MyRequest {
    code_parameter: String,
    user_attributes: HashMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MyOutput {
    response: MyResponse,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MyResponse {
    email_message: String,
    email_subject: Option<String>,
    sms_message: Option<String>,
}

async fn own_struct(event: LambdaEvent<MyEvent>) -> Result<MyOutput, lambda_runtime::Error> {
    let e = event.payload;
    Ok(MyOutput {
        response: MyResponse {
            email_message: format!(
                "{} for {}: {}",
                e.trigger_source, e.request.user_attributes["email"], e.request.code_parameter
            ),
            email_subject: None,
            sms_message: None,
        },
    })
}

/// An author's struct that expects `email_verified` as a JSON boolean; Cognito sends `"false"`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StrictEvent {
    #[allow(dead_code)]
    request: StrictRequest,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StrictRequest {
    #[allow(dead_code)]
    user_attributes: StrictAttributes,
}

#[derive(Debug, Deserialize)]
struct StrictAttributes {
    #[allow(dead_code)]
    email_verified: bool,
}

async fn strict(_: LambdaEvent<StrictEvent>) -> Result<Value, lambda_runtime::Error> {
    Ok(json!({}))
}

async fn failing(_: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    Err("the brand is not configured".into())
}

async fn panicking(_: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    panic!("index out of range in template")
}

#[test]
fn a_typed_aws_lambda_events_handler_shapes_the_message() {
    let fx = Fixture::with(json!({}), handler(service_fn(typed)));
    let out = replay(&fx);
    assert_eq!(out.result, Ok(json!({})));
    let verdict = out.verdict().unwrap();
    assert_eq!(
        (verdict.rule.id, verdict.rule.grade.as_str()),
        ("custom-message.accepted", "documented")
    );
    let sent = &fx.outbox()[0];
    let code = sent.code.clone().unwrap();
    assert_eq!(sent.subject.as_deref(), Some("Acme: confirm your address"));
    assert_eq!(sent.body, format!("<p>Your Acme code is {code}</p>"));
    assert_eq!(sent.destination, NEW_EMAIL);
}

#[test]
fn a_serde_json_value_handler_works() {
    let fx = Fixture::with(
        json!({}),
        handler(service_fn(|e: LambdaEvent<Value>| async move {
            let mut out = e.payload;
            out["response"]["emailMessage"] = json!("Value handler: {####}");
            Ok::<Value, lambda_runtime::Error>(out)
        })),
    );
    let out = replay(&fx);
    assert_eq!(out.result, Ok(json!({})));
    let sent = &fx.outbox()[0];
    assert_eq!(
        sent.body,
        format!("Value handler: {}", sent.code.as_ref().unwrap())
    );
}

#[test]
fn the_authors_own_struct_works_and_may_return_only_response() {
    let fx = Fixture::with(json!({}), handler(service_fn(own_struct)));
    let out = replay(&fx);
    assert_eq!(out.result, Ok(json!({})));
    let sent = &fx.outbox()[0];
    assert_eq!(
        sent.body,
        format!(
            "CustomMessage_UpdateUserAttribute for {NEW_EMAIL}: {}",
            sent.code.as_ref().unwrap()
        )
    );
}

#[test]
fn a_handler_error_is_a_user_lambda_validation_exception() {
    let fx = Fixture::with(json!({}), handler(service_fn(failing)));
    let before = fx.user("alice");
    let out = replay(&fx);
    assert_eq!(
        rejected(&out),
        (
            ErrorCode::UserLambdaValidationException,
            "CustomMessage failed with error the brand is not configured.".to_string(),
            "custom-message.function-error",
            "assumed"
        )
    );
    assert_eq!(fx.user("alice"), before, "ruling 11: nothing changes");
    assert_eq!(fx.user("alice").attribute("email"), Some(OLD_EMAIL));
    assert!(fx.outbox().is_empty());
}

#[test]
fn a_panic_is_reported_as_the_runtime_reports_it() {
    let fx = Fixture::with(json!({}), handler(service_fn(panicking)));
    let out = replay(&fx);
    assert_eq!(
        rejected(&out),
        (
            ErrorCode::UserLambdaValidationException,
            "CustomMessage failed with error Lambda panicked: index out of range in template."
                .to_string(),
            "custom-message.function-error",
            "assumed"
        )
    );
    assert!(fx.outbox().is_empty());
}

#[test]
fn a_payload_that_does_not_fit_the_type_is_the_runtimes_deserialize_error() {
    let fx = Fixture::with(json!({}), handler(service_fn(strict)));
    let out = replay(&fx);
    let (code, message, rule, _) = rejected(&out);
    assert_eq!(
        (code, rule),
        (
            ErrorCode::UserLambdaValidationException,
            "custom-message.function-error"
        )
    );
    let event = out.triggers[0].event.clone().unwrap();
    // The text a real lambda_runtime 1.5 posts for the same event bytes.
    let real = real_runtime_error(handler_kind::Strict, &event);
    assert_eq!(
        real["errorType"],
        "&lambda_runtime::deserializer::DeserializeError"
    );
    let real_message = real["errorMessage"].as_str().unwrap();
    assert!(real_message.ends_with('\n'), "{real_message:?}");
    assert!(
        real_message.starts_with(
            "failed to deserialize the incoming data into the function's payload type: \
             [request.userAttributes.email_verified] request.userAttributes.email_verified: \
             invalid type: string \"false\", expected a boolean at line 1 column "
        ),
        "{real_message:?}"
    );
    assert_eq!(
        message,
        format!("CustomMessage failed with error {real_message}.")
    );
    let invocation = out.triggers[0].invocation.as_ref().unwrap();
    assert_eq!(
        invocation.result,
        Invoked::Error(FunctionError::new(
            "&lambda_runtime::deserializer::DeserializeError",
            real_message
        ))
    );
}

#[test]
fn handler_errors_and_panics_match_the_real_runtime() {
    let event = json!({"version": "1", "request": {}, "response": {}});
    let mut ctx = InvokeContext::new(
        "arn:aws:lambda:us-east-1:123456789012:function:f",
        Duration::from_secs(5),
    );
    ctx.request_id = "r1".into();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for kind in [handler_kind::Failing, handler_kind::Panicking] {
        let real = real_runtime_error(kind, &event);
        let ours = match kind {
            handler_kind::Failing => rt.block_on(handler(service_fn(failing)).invoke(&event, &ctx)),
            _ => rt.block_on(handler(service_fn(panicking)).invoke(&event, &ctx)),
        };
        let expected = FunctionError::new(
            real["errorType"].as_str().unwrap(),
            real["errorMessage"].as_str().unwrap(),
        );
        assert_eq!(ours, Invoked::Error(expected), "{kind:?}");
    }
}

#[test]
fn a_diagnostic_error_type_is_kept() {
    #[derive(Debug)]
    struct BrandMissing;
    impl From<BrandMissing> for Diagnostic {
        fn from(_: BrandMissing) -> Diagnostic {
            Diagnostic {
                error_type: "BrandMissing".into(),
                error_message: "no brand for tenant".into(),
            }
        }
    }
    let fx = Fixture::with(
        json!({}),
        handler(service_fn(|_: LambdaEvent<Value>| async {
            Err::<Value, _>(BrandMissing)
        })),
    );
    let out = replay(&fx);
    assert_eq!(
        out.error().unwrap().message,
        "CustomMessage failed with error no brand for tenant."
    );
    assert_eq!(
        out.triggers[0].invocation.as_ref().unwrap().result,
        Invoked::Error(FunctionError::new("BrandMissing", "no brand for tenant"))
    );
    assert_eq!(
        out.verdict().unwrap().detail.as_deref(),
        Some("function error BrandMissing")
    );
}

// ---- a real lambda_runtime against a minimal Runtime API on 127.0.0.1 ----

#[allow(non_camel_case_types)]
mod handler_kind {
    #[derive(Clone, Copy, Debug)]
    pub enum Kind {
        Strict,
        Failing,
        Panicking,
    }
    pub use Kind::*;
}

/// Env vars are process-wide: one real runtime is set up at a time.
static RUNTIME_ENV: Mutex<()> = Mutex::new(());

#[derive(Clone)]
struct Api {
    event: Vec<u8>,
    served: std::sync::Arc<std::sync::atomic::AtomicBool>,
    posted: tokio::sync::mpsc::UnboundedSender<Value>,
}

async fn next(api: &Api) -> Response<Full<Bytes>> {
    if api.served.swap(true, std::sync::atomic::Ordering::SeqCst) {
        // One invocation per test: hold later polls open, as Lambda does when idle.
        std::future::pending::<()>().await;
    }
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 60_000;
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", "req-1".parse().unwrap());
    headers.insert(
        "lambda-runtime-deadline-ms",
        deadline.to_string().parse().unwrap(),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:f"
            .parse()
            .unwrap(),
    );
    headers.insert("content-type", "application/json".parse().unwrap());
    let mut response = Response::new(Full::new(Bytes::from(api.event.clone())));
    *response.headers_mut() = headers;
    response
}

async fn posted(api: &Api, body: Incoming) -> Response<Full<Bytes>> {
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let _ = api
        .posted
        .send(serde_json::from_slice(&body).unwrap_or(Value::Null));
    status(StatusCode::ACCEPTED)
}

fn status(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::default());
    *response.status_mut() = status;
    response
}

/// `GET .../invocation/next` and `POST .../invocation/{id}/error` or `/response`; anything else
/// is a 404.
async fn route(api: Api, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let invocation = request
        .uri()
        .path()
        .strip_prefix("/2018-06-01/runtime/invocation/")
        .map(str::to_string);
    let posts_an_answer = |rest: &str| {
        rest.split_once('/')
            .is_some_and(|(id, kind)| !id.is_empty() && matches!(kind, "error" | "response"))
    };
    Ok(match (request.method(), invocation.as_deref()) {
        (&Method::GET, Some("next")) => next(&api).await,
        (&Method::POST, Some(rest)) if posts_an_answer(rest) => {
            posted(&api, request.into_body()).await
        }
        _ => status(StatusCode::NOT_FOUND),
    })
}

/// Runs the handler of `kind` in a real `lambda_runtime::Runtime`, serves it `event` (as the
/// harness serializes it) and returns the body it posts to `/error`.
fn real_runtime_error(kind: handler_kind::Kind, event: &Value) -> Value {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let api = Api {
            event: serde_json::to_vec(event).unwrap(),
            served: Default::default(),
            posted: tx,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let api = api.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |r| route(api.clone(), r));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });

        let runtime_task = {
            let _env = RUNTIME_ENV.lock().unwrap_or_else(|p| p.into_inner());
            std::env::set_var("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"));
            std::env::set_var("AWS_LAMBDA_FUNCTION_NAME", "f");
            std::env::set_var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128");
            std::env::set_var("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
            match kind {
                handler_kind::Strict => {
                    tokio::spawn(lambda_runtime::Runtime::new(service_fn(strict)).run())
                }
                handler_kind::Failing => {
                    tokio::spawn(lambda_runtime::Runtime::new(service_fn(failing)).run())
                }
                handler_kind::Panicking => {
                    tokio::spawn(lambda_runtime::Runtime::new(service_fn(panicking)).run())
                }
            }
        };
        let body = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("the runtime posts within 10 s")
            .expect("a body");
        runtime_task.abort();
        body
    })
}
