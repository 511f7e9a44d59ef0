//! The Cognito endpoint: Amazon Cognito's awsJson1.1 wire protocol over [`Cognito`], so unmodified
//! AWS SDKs and the AWS CLI can drive a local pool (cognito-semantics.md §5, behaviour 15).
//!
//! `POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Action>` and
//! `Content-Type: application/x-amz-json-1.1`; the body goes to [`Cognito::call`] unchanged.
//! Responses carry the same content type and `x-amzn-RequestId`; exceptions are
//! `{"__type", "message"}` with AWS's status and the `x-amzn-ErrorType` / `x-amzn-ErrorMessage`
//! headers. SigV4 signatures are not checked: any credentials are accepted.
//!
//! Every response is logged with the verdict that decided it (rule id and evidence grade).

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, Uri};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::Error;
use crate::http::{self, BodyError};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::user_agent::aws_sdk_version;
use crate::service::{Cognito, Outcome};
use crate::trigger::Decision;

/// The `X-Amz-Target` prefix of every Cognito user pools operation (botocore metadata).
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
/// The awsJson1.1 media type, sent on every response, errors included (Smithy aws-json).
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// The namespace AWS's request framework (Coral) puts before its own exceptions' names.
const CORAL_NAMESPACE: &str = "com.amazon.coral.service#";
/// The longest request body the endpoint reads (2 MiB); a longer one is answered 413 before any
/// operation sees it.
const MAX_BODY: usize = 2 * 1024 * 1024;
/// How long the endpoint waits before accepting again after a failed accept (out of file
/// descriptors or similar).
const ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Where the per-request log lines go.
#[derive(Clone, Default)]
pub enum RequestLog {
    /// One line per request on stderr (the default).
    #[default]
    Stderr,
    /// No log (load tests).
    Off,
    /// Kept in memory, for tests that check what was logged.
    Capture(Arc<Mutex<Vec<String>>>),
}

impl RequestLog {
    fn write(&self, line: String) {
        match self {
            RequestLog::Stderr => {
                let _ = stderr_writer().send(line);
            }
            RequestLog::Off => {}
            RequestLog::Capture(lines) => {
                lines.lock().unwrap_or_else(|p| p.into_inner()).push(line)
            }
        }
    }
}

/// The stderr log's writer thread. Requests hand it their line and go on; it writes whatever has
/// queued up in one go, so a busy server makes one write per batch, not one per request.
fn stderr_writer() -> &'static std::sync::mpsc::Sender<String> {
    static WRITER: std::sync::OnceLock<std::sync::mpsc::Sender<String>> =
        std::sync::OnceLock::new();
    WRITER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::Builder::new()
            .name("cognito-harness-log".into())
            .spawn(move || {
                let mut out = std::io::BufWriter::new(std::io::stderr());
                while let Ok(line) = rx.recv() {
                    let _ = writeln!(out, "{line}");
                    while let Ok(more) = rx.try_recv() {
                        let _ = writeln!(out, "{more}");
                    }
                    let _ = out.flush();
                }
            })
            .expect("log thread starts");
        tx
    })
}

/// How to serve.
#[derive(Clone, Default)]
pub struct ServeOptions {
    /// Where each request's log line goes.
    pub log: RequestLog,
}

/// A running endpoint. Dropping it stops the server.
pub struct ServerHandle {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl ServerHandle {
    /// The address the server listens on (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint URL to give an SDK (`endpoint_url`, `--endpoint-url`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits for requests in flight to finish.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|e| Error::Io(std::io::Error::other(e)))?
                .map_err(Error::Io),
            None => Ok(()),
        }
    }

    /// Serves until the task ends (it ends only on [`shutdown`](Self::shutdown) or when the handle
    /// is dropped elsewhere; a failed accept is retried, not fatal).
    pub async fn wait(mut self) -> Result<(), Error> {
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|e| Error::Io(std::io::Error::other(e)))?
                .map_err(Error::Io),
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the endpoint on `addr` (port 0 picks a free one) with the default stderr log.
pub async fn serve(cognito: Arc<Cognito>, addr: SocketAddr) -> Result<ServerHandle, Error> {
    serve_with(cognito, addr, ServeOptions::default()).await
}

/// Starts the endpoint on `addr` with `options`.
pub async fn serve_with(
    cognito: Arc<Cognito>,
    addr: SocketAddr,
    options: ServeOptions,
) -> Result<ServerHandle, Error> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("could not listen on {addr}: {e}"),
        ))
    })?;
    let addr = listener.local_addr()?;
    cognito.set_issuer_base(issuer_base(addr));
    let (tx, rx) = oneshot::channel::<()>();
    let endpoint = Arc::new(Endpoint {
        cognito,
        log: options.log,
    });
    let make_service = move || {
        let endpoint = endpoint.clone();
        service_fn(move |request| handle(endpoint.clone(), request))
    };
    let shutdown = async move {
        let _ = rx.await;
    };
    let task = tokio::spawn(async move {
        http::serve(listener, make_service, shutdown, ACCEPT_BACKOFF).await;
        Ok(())
    });
    Ok(ServerHandle {
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}

struct Endpoint {
    cognito: Arc<Cognito>,
    log: RequestLog,
}

/// Answers one request: any method and path, so that what is not an operation gets the
/// protocol's own error.
async fn handle(
    endpoint: Arc<Endpoint>,
    request: Request<Incoming>,
) -> Result<Response<http::Body>, Infallible> {
    if let Some(response) = well_known(&endpoint.cognito, request.method(), request.uri()) {
        return Ok(response);
    }
    let (parts, body) = request.into_parts();
    let body = match http::read_body(body, MAX_BODY).await {
        Ok(body) => body,
        Err(e) => return Ok(unreadable(&e)),
    };
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let headers = &parts.headers;
    let outcome = match parse_request(&parts.method, &parts.uri, headers, &body) {
        Ok((action, request)) => match caller_sdk(headers) {
            Some(sdk) => endpoint.cognito.call_from(&sdk, action, &request).await,
            None => endpoint.cognito.call(action, &request).await,
        },
        Err(rejected) => Outcome::new(target_action(headers), Err(rejected)),
    };
    let response = render(&outcome, &request_id);
    endpoint.log.write(log_line(
        &request_id,
        &outcome,
        response.status(),
        started.elapsed(),
    ));
    Ok(response)
}

/// The issuer base tokens name when the endpoint listens on `addr` (an unspecified address is
/// reached through loopback).
fn issuer_base(addr: SocketAddr) -> String {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{addr}")
}

/// `GET /<pool id>/.well-known/jwks.json` and `/.well-known/openid-configuration` for a pool the
/// service holds (cognito-semantics.md §T.6); None for every other request.
fn well_known(cognito: &Cognito, method: &Method, uri: &Uri) -> Option<Response<http::Body>> {
    if method != Method::GET {
        return None;
    }
    let (pool_id, document) = uri.path().strip_prefix('/')?.split_once("/.well-known/")?;
    let body = match document {
        "jwks.json" => cognito.jwks(pool_id)?,
        "openid-configuration" => cognito.openid_configuration(pool_id)?,
        _ => return None,
    };
    let mut response = http::response(StatusCode::OK, "application/json", body.to_string());
    set_content_length(&mut response);
    Some(response)
}

/// The answer to a body that could not be read (longer than [`MAX_BODY`], or the connection
/// failed): plain text, before any operation or request id, and not logged.
fn unreadable(error: &BodyError) -> Response<http::Body> {
    let status = if error.too_large() {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = format!("Failed to buffer the request body: {error}");
    let mut response = http::response(status, "text/plain; charset=utf-8", body);
    set_content_length(&mut response);
    response
}

/// The AWS SDK the request's user agent names, as trigger events report it (§1.1).
fn caller_sdk(headers: &HeaderMap) -> Option<String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    aws_sdk_version(header("user-agent"), header("x-amz-user-agent"))
}

/// The action named by `X-Amz-Target`, for logs (`-` when there is none).
fn target_action(headers: &HeaderMap) -> &str {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(|t| t.strip_prefix(TARGET_PREFIX).unwrap_or(t))
        .unwrap_or("-")
}

/// Routes and reads a request the way the awsJson1.1 protocol does; `Err` is the framework's
/// answer to a request it cannot route or read.
fn parse_request<'h>(
    method: &Method,
    uri: &Uri,
    headers: &'h HeaderMap,
    body: &Bytes,
) -> Result<(&'h str, Value), CognitoError> {
    let unknown = |what: String| CognitoError::new(ErrorCode::UnknownOperationException, what);
    if method != Method::POST || uri.path() != "/" {
        return Err(unknown(format!(
            "No operation at {method} {}: send POST / with X-Amz-Target",
            uri.path()
        )));
    }
    // Assumed: a body in another media type is not routed to an operation. Real Cognito answers
    // `application/json` with a Coral UnknownOperationException (a troubleshooting note quotes the
    // body); we keep the awsJson error shape so the SDK still reads it.
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case(CONTENT_TYPE) {
        return Err(unknown(format!(
            "Content-Type must be {CONTENT_TYPE}, not '{content_type}'"
        )));
    }
    let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) else {
        return Err(unknown("Missing X-Amz-Target header".to_string()));
    };
    let Some(action) = target.strip_prefix(TARGET_PREFIX).filter(|a| !a.is_empty()) else {
        return Err(unknown(format!("Unknown operation {target}")));
    };
    // Smithy: an operation without input is sent as `{}`; an empty body is read the same way.
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((action, Value::Object(Default::default())));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok((action, value)),
        Ok(_) => Err(CognitoError::new(
            ErrorCode::SerializationException,
            "Start of structure or map found where not expected.",
        )),
        Err(e) => Err(CognitoError::new(
            ErrorCode::SerializationException,
            format!("Unable to parse request body as JSON: {e}"),
        )),
    }
}

/// Builds the HTTP response for an outcome.
fn render(outcome: &Outcome, request_id: &str) -> Response<http::Body> {
    let (status, body) = match &outcome.result {
        Ok(value) => (
            StatusCode::OK,
            serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec()),
        ),
        Err(error) => {
            let status =
                StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            let body =
                serde_json::json!({"__type": wire_type(error.code), "message": error.message});
            (status, serde_json::to_vec(&body).unwrap_or_default())
        }
    };
    let mut response = http::response(status, CONTENT_TYPE, body);
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert(HeaderName::from_static("x-amzn-requestid"), id);
    }
    if let Err(error) = &outcome.result {
        // Real Cognito: `x-amzn-ErrorType: InvalidLambdaResponseException:` (amazon-cognito-identity-js#167).
        if let Ok(v) = HeaderValue::from_str(&format!("{}:", error.code.name())) {
            headers.insert(HeaderName::from_static("x-amzn-errortype"), v);
        }
        if let Some(v) = header_text(&error.message) {
            headers.insert(HeaderName::from_static("x-amzn-errormessage"), v);
        }
    }
    set_content_length(&mut response);
    response
}

/// Puts `content-length` among the response's own headers, after the others: it then goes out
/// before the `connection` header hyper adds for HTTP/1.0 and `Connection: close` clients, where
/// the endpoint has always sent it.
fn set_content_length(response: &mut Response<http::Body>) {
    use hyper::body::Body as _;
    if let Some(length) = response.body().size_hint().exact() {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_LENGTH, HeaderValue::from(length));
    }
}

/// The `__type` on the wire. Cognito's modelled exceptions go by their shape name (Smithy says
/// servers should send just that); the framework's own routing and parsing errors carry Coral's
/// namespace, as AWS JSON services send them (`com.amazon.coral.service#UnknownOperationException`).
/// SDKs strip everything up to `#`, so callers see the plain name either way.
fn wire_type(code: ErrorCode) -> String {
    match code {
        ErrorCode::UnknownOperationException | ErrorCode::SerializationException => {
            format!("{CORAL_NAMESPACE}{}", code.name())
        }
        _ => code.name().to_string(),
    }
}

/// A message as a header value: line breaks and other control characters become spaces, and
/// text a header cannot carry is left out (the body always has the exact message).
fn header_text(message: &str) -> Option<HeaderValue> {
    let flat: String = message
        .trim_end()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    HeaderValue::from_str(&flat).ok()
}

/// One log line: request id, action, HTTP status, outcome, and the verdict behind it.
///
/// `<id> <Action> -> <status> <outcome> [<TriggerSource> rule=<id> grade=<grade>]... <ms>ms`;
/// `[no trigger]` when no trigger ran (the outcome then comes from the action's own checks).
pub fn log_line(
    request_id: &str,
    outcome: &Outcome,
    status: StatusCode,
    elapsed: Duration,
) -> String {
    use std::fmt::Write as _;
    let result = match &outcome.result {
        Ok(_) => "success".to_string(),
        Err(e) => e.code.name().to_string(),
    };
    let mut line = format!(
        "cognito-harness serve: {request_id} {} -> {} {result}",
        outcome.action,
        status.as_u16()
    );
    if outcome.triggers.is_empty() {
        line.push_str(" [no trigger]");
    }
    for run in &outcome.triggers {
        let v = &run.verdict;
        let _ = write!(
            line,
            " [{} rule={} grade={}",
            run.trigger_source.name(),
            v.rule.id,
            v.rule.grade
        );
        if let Decision::HarnessFailure(m) = &v.decision {
            let _ = write!(line, " harness-failure={m:?}");
        }
        line.push(']');
    }
    let _ = write!(line, " {:.2}ms", elapsed.as_secs_f64() * 1000.0);
    line
}

/// Serves on `addr` until Ctrl-C, printing `listening on <url>` first (for `--port 0`).
pub async fn run_until_ctrl_c(cognito: Arc<Cognito>, addr: SocketAddr) -> Result<(), Error> {
    let server = serve(cognito, addr).await?;
    println!("listening on {}", server.url());
    let _ = std::io::stdout().flush();
    tokio::signal::ctrl_c().await?;
    server.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_messages_are_single_line() {
        let v = header_text("user.email: Attribute cannot be updated.\nuser.x: y\n").unwrap();
        assert_eq!(
            v.to_str().unwrap(),
            "user.email: Attribute cannot be updated. user.x: y"
        );
    }

    #[test]
    fn framework_errors_carry_the_coral_namespace() {
        assert_eq!(
            wire_type(ErrorCode::UnknownOperationException),
            "com.amazon.coral.service#UnknownOperationException"
        );
        assert_eq!(
            wire_type(ErrorCode::UserLambdaValidationException),
            "UserLambdaValidationException"
        );
    }
}
