//! The HTTP Invoke API client against endpoints run here, one per convention local tools use to
//! report a function error, plus timeouts and unreachable endpoints.

use std::time::{Duration, Instant};

use cognito_harness::function::{
    Function, FunctionError, HttpFunction, InvokeContext, Invoked, Payload,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::custom_message_event;

const INVOKE_PATH: &str = "/2015-03-31/functions/custom-message/invocations";
const ERROR: &str =
    r#"{"errorType":"Error","errorMessage":"boom","stackTrace":["at handler (index.js:3)"]}"#;

fn ctx(timeout: Duration) -> InvokeContext {
    InvokeContext::new(
        "arn:aws:lambda:us-east-1:123456789012:function:custom-message",
        timeout,
    )
}

/// An endpoint answering every invocation with `response`.
async fn endpoint(response: ResponseTemplate) -> (MockServer, HttpFunction) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(INVOKE_PATH))
        .respond_with(response)
        .mount(&server)
        .await;
    let function = HttpFunction::endpoint(&server.uri(), "custom-message").expect("a valid URL");
    (server, function)
}

#[tokio::test]
async fn the_event_is_posted_and_the_answer_returned() {
    let event = custom_message_event("CustomMessage_SignUp", json!({ "brand": "Acme" }));
    let mut answer = event.clone();
    answer["response"]["emailSubject"] = json!("Acme: confirm your account");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(INVOKE_PATH))
        .and(header("content-type", "application/json"))
        .and(body_json(&event))
        .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
        .expect(3)
        .mount(&server)
        .await;
    let function = HttpFunction::endpoint(&server.uri(), "custom-message").unwrap();
    for _ in 0..3 {
        let result = function.invoke(&event, &ctx(Duration::from_secs(5))).await;
        assert_eq!(
            result.clone(),
            Invoked::Output(Payload::Bytes(answer.to_string().into()))
        );
    }
}

#[tokio::test]
async fn function_errors_are_read_in_all_three_conventions() {
    let event = custom_message_event("CustomMessage_SignUp", json!({}));
    let expected = Invoked::Error(FunctionError::new("Error", "boom"));
    let conventions = [
        // Lambda and `sam local start-lambda`.
        ResponseTemplate::new(200)
            .insert_header("X-Amz-Function-Error", "Unhandled")
            .set_body_string(ERROR),
        // The runtime interface emulator: no header.
        ResponseTemplate::new(200).set_body_string(ERROR),
        // `cargo lambda watch`.
        ResponseTemplate::new(500).set_body_string(ERROR),
    ];
    for response in conventions {
        let (_server, function) = endpoint(response).await;
        assert_eq!(
            function.invoke(&event, &ctx(Duration::from_secs(5))).await,
            expected
        );
    }

    // RIE's own timeout is a function error too (ruling 12).
    let (_server, function) =
        endpoint(ResponseTemplate::new(200).set_body_string("Task timed out after 3.00 seconds"))
            .await;
    assert_eq!(
        function.invoke(&event, &ctx(Duration::from_secs(5))).await,
        Invoked::Error(FunctionError::new("", "Task timed out after 3.00 seconds"))
    );

    // A null answer is an answer, for the judge to reject.
    let (_server, function) = endpoint(ResponseTemplate::new(200).set_body_string("null")).await;
    assert_eq!(
        function.invoke(&event, &ctx(Duration::from_secs(5))).await,
        Invoked::Output(Payload::Bytes("null".into()))
    );
}

#[tokio::test]
async fn a_slow_endpoint_times_out_within_the_deadline() {
    let (_server, function) = endpoint(
        ResponseTemplate::new(200)
            .set_body_string("{}")
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let started = Instant::now();
    assert_eq!(
        function
            .invoke(&json!({}), &ctx(Duration::from_millis(300)))
            .await,
        Invoked::TimedOut
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn unreachable_and_unknown_functions_are_unavailable() {
    // A port that was free a moment ago: connection refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let function =
        HttpFunction::endpoint(&format!("http://127.0.0.1:{port}"), "custom-message").unwrap();
    match function
        .invoke(&json!({}), &ctx(Duration::from_secs(5)))
        .await
    {
        Invoked::Unavailable(message) => {
            assert!(message.contains("Connection refused"), "{message}")
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }

    let not_found = r#"{"Type":"User","message":"Function not found: custom-message"}"#;
    let (_server, function) = endpoint(ResponseTemplate::new(404).set_body_string(not_found)).await;
    match function
        .invoke(&json!({}), &ctx(Duration::from_secs(5)))
        .await
    {
        Invoked::Unavailable(message) => assert!(
            message.ends_with(&format!("answered HTTP 404 Not Found: {not_found}")),
            "{message}"
        ),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}
