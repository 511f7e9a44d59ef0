//! A server that cannot be wedged (issue 11 item 5), over real sockets on 127.0.0.1: slow
//! headers and bodies, the connection bound, oversized bodies, the Host check, and a shutdown
//! that does not wait for a half-sent request or a trigger that never answers.
//!
//! Timeouts are shortened through [`Limits`]; every wait on the server is polled against a
//! generous bound, so machine load can slow these tests but not fail them.

use std::time::{Duration, Instant};

use cognito_harness::server::{serve_with, Limits, RequestLog, ServeOptions, MAX_BODY};
use cognito_harness::{handler, Cognito, Functions};
use lambda_runtime::service_fn;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::support::{
    add_pool, call, custom_message, http_client, pool_config, pre_sign_up, raw, start,
    start_limited, user, Running, TARGET_PREFIX,
};

/// Long enough for anything this machine does under load.
const GENEROUS: Duration = Duration::from_secs(60);

fn cognito() -> Cognito {
    let mut functions = Functions::new();
    functions.bind("custom-message", handler(service_fn(custom_message)));
    functions.bind("pre-sign-up", handler(service_fn(pre_sign_up)));
    Cognito::new(functions)
}

/// Reads until the server closes the connection (or `GENEROUS` passes); what it sent.
async fn read_to_close(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    match tokio::time::timeout(GENEROUS, stream.read_to_end(&mut bytes)).await {
        Ok(_) => Some(bytes),
        Err(_) => None,
    }
}

/// The status line and JSON body of a raw HTTP/1.1 response.
fn parse_response(bytes: &[u8]) -> (String, String, Value) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a whole response");
    let status = head.lines().next().unwrap_or_default().to_string();
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, head.to_ascii_lowercase(), body)
}

/// How many connections this process can open for a test, within its file-descriptor limit
/// (each costs two: the client's end and the server's).
fn connections_allowed(wanted: usize) -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur as usize
    } else {
        1024
    };
    wanted.min(soft.saturating_sub(256) / 2)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_slow_connections_are_closed_after_the_header_timeout() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(500),
        max_connections: 4096,
        ..Limits::default()
    };
    let running = start_limited(cognito(), limits).await;
    let n = connections_allowed(1000);
    assert!(
        n >= 100,
        "only {n} connections fit in the file-descriptor limit"
    );
    let mut slow = Vec::with_capacity(n);
    for i in 0..n {
        let mut stream = TcpStream::connect(running.addr()).await.unwrap();
        // Half of them send part of a request head, half send nothing at all.
        if i % 2 == 0 {
            stream
                .write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Tar")
                .await
                .unwrap();
        }
        slow.push(stream);
    }
    let started = Instant::now();
    // While they are held, the server still answers.
    let (pool_id, _) = add_pool(&running.cognito, "us-east-1_Slow", pool_config(0));
    let reply = call(
        &http_client(),
        &running.url(),
        "AdminGetUser",
        &json!({"UserPoolId": pool_id, "Username": "nobody"}),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body["__type"], "UserNotFoundException");
    // Every slow one is closed by the server: none is held until the bound.
    let closed = futures::future::join_all(slow.iter_mut().map(read_to_close)).await;
    let held = closed.iter().filter(|c| c.is_none()).count();
    assert_eq!(held, 0, "{held} of {n} slow connections still open");
    eprintln!(
        "{n} slow connections closed {:.1} s after they were opened (header timeout 0.5 s)",
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test]
async fn connections_beyond_the_bound_wait_until_one_closes() {
    let limits = Limits {
        header_read_timeout: Duration::from_secs(120),
        max_connections: 4,
        ..Limits::default()
    };
    let running = start_limited(cognito(), limits).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(running.addr()).await.unwrap());
    }
    // The fifth is not served while the four are open ...
    let mut fifth = TcpStream::connect(running.addr()).await.unwrap();
    fifth
        .write_all(
            format!(
                "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n\
                 X-Amz-Target: {TARGET_PREFIX}DescribeUserPool\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut first = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(500), fifth.read(&mut first)).await;
    assert!(early.is_err(), "answered beyond the bound of 4 connections");
    // ... and is as soon as one closes.
    drop(idle.pop());
    let answer = read_to_close(&mut fifth).await.expect("answered");
    let (status, _, body) = parse_response(&answer);
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    assert_eq!(body["__type"], "InvalidParameterException", "{body}");
}

#[tokio::test]
async fn a_body_that_does_not_arrive_gets_a_408_serialization_exception() {
    let limits = Limits {
        body_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let running = start_limited(cognito(), limits).await;
    let mut stream = TcpStream::connect(running.addr()).await.unwrap();
    stream
        .write_all(
            format!(
                "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n\
                 X-Amz-Target: {TARGET_PREFIX}AdminGetUser\r\nContent-Length: 100\r\n\r\n{{\"UserPoolId\""
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let answer = read_to_close(&mut stream)
        .await
        .expect("answered and closed");
    let (status, head, body) = parse_response(&answer);
    assert_eq!(status, "HTTP/1.1 408 Request Timeout");
    assert!(
        head.contains("content-type: application/x-amz-json-1.1"),
        "{head}"
    );
    assert!(head.contains("x-amzn-requestid: "), "{head}");
    assert_eq!(
        body,
        json!({"__type": "com.amazon.coral.service#SerializationException",
               "message": "Unable to read the request body: the request body did not arrive within 0.3 s"})
    );
    let lines = running.log_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(" AdminGetUser -> 408 SerializationException [refused: "),
        "{}",
        lines[0]
    );
}

#[tokio::test]
async fn a_body_the_connection_cannot_deliver_gets_a_400_serialization_exception() {
    let running = start().await;
    let mut stream = TcpStream::connect(running.addr()).await.unwrap();
    stream
        .write_all(
            format!(
                "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n\
                 X-Amz-Target: {TARGET_PREFIX}AdminGetUser\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let answer = read_to_close(&mut stream)
        .await
        .expect("answered and closed");
    let (status, head, body) = parse_response(&answer);
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    assert!(head.contains("x-amzn-requestid: "), "{head}");
    assert_eq!(
        body["__type"],
        "com.amazon.coral.service#SerializationException"
    );
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("Unable to read the request body: "),
        "{message}"
    );
}

#[tokio::test]
async fn an_oversized_body_gets_a_413_serialization_exception_with_a_request_id() {
    let running = start().await;
    let reply = raw(
        &http_client(),
        &running.url(),
        "POST",
        "/",
        &[
            ("x-amz-target", &format!("{TARGET_PREFIX}SignUp")),
            ("content-type", "application/x-amz-json-1.1"),
        ],
        format!("{{\"Username\": \"{}\"}}", "a".repeat(MAX_BODY)),
    )
    .await;
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    assert!(uuid::Uuid::parse_str(reply.header("x-amzn-requestid").unwrap()).is_ok());
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("SerializationException:")
    );
    assert_eq!(
        reply.body,
        json!({"__type": "com.amazon.coral.service#SerializationException",
               "message": "Request body is larger than the limit of 2097152 bytes"})
    );
}

/// A DescribeUserPool of a pool that does not exist, addressed to `host`.
async fn describe_with_host(running: &Running, host: &str) -> (u16, Value) {
    let reply = raw(
        &http_client(),
        &running.url(),
        "POST",
        "/",
        &[
            ("host", host),
            ("x-amz-target", &format!("{TARGET_PREFIX}DescribeUserPool")),
            ("content-type", "application/x-amz-json-1.1"),
        ],
        json!({"UserPoolId": "us-east-1_Missing"}).to_string(),
    )
    .await;
    (reply.status, reply.body)
}

#[tokio::test]
async fn a_loopback_bind_answers_only_requests_addressed_to_loopback() {
    let running = start().await;
    let port = running.addr().port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "LOCALHOST".to_string(),
        format!("[::1]:{port}"),
        "127.0.0.1".to_string(),
    ] {
        let (status, body) = describe_with_host(&running, &host).await;
        assert_eq!(status, 400, "{host}: {body}");
        assert_eq!(body["__type"], "ResourceNotFoundException", "{host}");
    }
    for host in [
        format!("evil.example:{port}"),
        "127.0.0.1.evil.example".to_string(),
        format!("localhost.evil.example:{port}"),
        "192.168.1.10".to_string(),
    ] {
        let (status, body) = describe_with_host(&running, &host).await;
        assert_eq!(status, 403, "{host}: {body}");
        assert_eq!(
            body,
            json!({"__type": "com.amazon.coral.service#AccessDeniedException",
                   "message": format!("Host '{host}' is not a loopback address: this endpoint answers requests to 127.0.0.1, localhost or [::1] only (serve --host opens it wider)")})
        );
    }
}

#[tokio::test]
async fn a_wider_bind_answers_any_host() {
    let server = serve_with(
        std::sync::Arc::new(cognito()),
        "0.0.0.0:0".parse().unwrap(),
        ServeOptions {
            log: RequestLog::Off,
            ..ServeOptions::default()
        },
    )
    .await
    .expect("server starts");
    let url = format!("http://127.0.0.1:{}", server.addr().port());
    let reply = raw(
        &http_client(),
        &url,
        "POST",
        "/",
        &[
            ("host", "cognito.internal.example:9229"),
            ("x-amz-target", &format!("{TARGET_PREFIX}DescribeUserPool")),
            ("content-type", "application/x-amz-json-1.1"),
        ],
        json!({"UserPoolId": "us-east-1_Missing"}).to_string(),
    )
    .await;
    assert_eq!(reply.body["__type"], "ResourceNotFoundException");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drops_a_half_sent_request_and_a_trigger_that_never_answers() {
    let running = start_limited(cognito(), Limits::default()).await;
    let (pool_id, _) = add_pool(&running.cognito, "us-east-1_Stop", pool_config(0));
    running
        .cognito
        .with_pool_mut(&pool_id, |p| p.put_user(user("alice", "alice@example.com")));
    let mut half_sent = TcpStream::connect(running.addr()).await.unwrap();
    half_sent
        .write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n{\"User")
        .await
        .unwrap();
    // A trigger call that takes an hour.
    let body = json!({"UserPoolId": pool_id, "Username": "alice",
        "UserAttributes": [{"Name": "email", "Value": "new@example.com"}],
        "ClientMetadata": {"mode": "slow", "sleep_ms": "3600000"}})
    .to_string();
    let mut in_flight = TcpStream::connect(running.addr()).await.unwrap();
    in_flight
        .write_all(
            format!(
                "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n\
                 X-Amz-Target: {TARGET_PREFIX}AdminUpdateUserAttributes\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // Time for the call to reach the trigger; if it has not yet, it is dropped all the same.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let Running { server, .. } = running;
    let started = Instant::now();
    tokio::time::timeout(GENEROUS, server.shutdown())
        .await
        .expect("shutdown ends")
        .unwrap();
    let took = started.elapsed();
    eprintln!(
        "shutdown with a half-sent request and a trigger call in flight took {:.0} ms",
        took.as_secs_f64() * 1000.0
    );
    // The half-sent request's connection is closed, not left waiting.
    assert!(read_to_close(&mut half_sent).await.is_some());
    // The trigger call was dropped: its connection ends without an answer.
    let answer = read_to_close(&mut in_flight).await.expect("closed");
    assert!(
        answer.is_empty(),
        "answered: {}",
        String::from_utf8_lossy(&answer)
    );
}
