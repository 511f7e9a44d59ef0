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

mod harness_routes;
pub mod record;
mod run_log;
mod web_view;

pub use run_log::MAX_RUNS;

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
/// The longest request body the endpoint reads (2 MiB; AWS documents no request size limit for
/// Cognito, cognito-semantics.md §10); a longer one is answered 413 before any operation sees it.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
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
    fn is_off(&self) -> bool {
        matches!(self, RequestLog::Off)
    }

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
    /// What keeps a client from wedging the server.
    pub limits: Limits,
    /// Where each call is recorded as a scenario step (`serve --record`), if anywhere.
    pub record: Option<Arc<record::Recorder>>,
}

/// What keeps one client from wedging the endpoint (cognito-semantics.md §10). The defaults suit
/// a `serve` left running all day; tests shorten them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// A connection that has not sent a whole request head (request line and headers) within
    /// this long is closed, idle keep-alive connections included. Default 10 s.
    pub header_read_timeout: Duration,
    /// A request whose body has not fully arrived this long after its headers gets a 408
    /// `SerializationException`. Default 10 s.
    pub body_read_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog until one closes.
    /// Default 512.
    pub max_connections: usize,
    /// How long a shutdown lets requests in flight finish before dropping them (their trigger
    /// calls are cancelled with them). Default 500 ms, so Ctrl-C ends `serve` within a second.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_connections: 512,
            shutdown_grace: Duration::from_millis(500),
        }
    }
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

    /// Stops accepting connections, lets requests in flight finish for
    /// [`Limits::shutdown_grace`], then drops the rest (and the trigger calls they wait on).
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
        record: options.record,
        runs: run_log::RunLog::default(),
        body_read_timeout: options.limits.body_read_timeout,
        loopback_only: addr.ip().is_loopback(),
    });
    let limits = http::Limits {
        header_read_timeout: Some(options.limits.header_read_timeout),
        max_connections: options.limits.max_connections,
        shutdown_grace: Some(options.limits.shutdown_grace),
        accept_backoff: ACCEPT_BACKOFF,
    };
    let make_service = move || {
        let endpoint = endpoint.clone();
        service_fn(move |request| handle(endpoint.clone(), request))
    };
    let shutdown = async move {
        let _ = rx.await;
    };
    let task = tokio::spawn(async move {
        http::serve_limited(listener, make_service, shutdown, limits).await;
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
    record: Option<Arc<record::Recorder>>,
    /// The recent trigger runs `/_harness/runs` and the web view show.
    runs: run_log::RunLog,
    body_read_timeout: Duration,
    /// Bound to a loopback address: only requests addressed to one are answered.
    loopback_only: bool,
}

/// Answers one request: any method and path, so that what is not an operation gets the
/// protocol's own error.
async fn handle(
    endpoint: Arc<Endpoint>,
    request: Request<Incoming>,
) -> Result<Response<http::Body>, Infallible> {
    let started = Instant::now();
    let request_id = crate::ids::uuid_v4().to_string();
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    if endpoint.loopback_only {
        if let Err(rejected) = check_host(&parts.uri, headers) {
            return Ok(with_cors(endpoint.reject(
                &rejected,
                headers,
                &request_id,
                started,
            )));
        }
    }
    if let Some(response) =
        route_outside_protocol(&endpoint.cognito, &endpoint.runs, &parts.method, &parts.uri)
    {
        return Ok(with_cors(response));
    }
    let body = match http::read_body_within(body, MAX_BODY, endpoint.body_read_timeout).await {
        Ok(body) => body,
        Err(e) => {
            let rejected = unreadable(&e);
            return Ok(with_cors(endpoint.reject(
                &rejected,
                headers,
                &request_id,
                started,
            )));
        }
    };
    let parsed = parse_request(&parts.method, &parts.uri, headers, &body);
    let sdk = caller_sdk(headers);
    let outcome = match &parsed {
        Ok((action, request)) => match &sdk {
            Some(sdk) => endpoint.cognito.call_from(sdk, action, request).await,
            None => endpoint.cognito.call(action, request).await,
        },
        Err(rejected) => Outcome::new(target_action(headers), Err(rejected.clone())),
    };
    if let (Some(recorder), Ok((action, request))) = (&endpoint.record, &parsed) {
        let recorded =
            recorder.record(&endpoint.cognito, action, request, sdk.as_deref(), &outcome);
        if let Err(e) = recorded {
            eprintln!("cognito-harness serve: warning: --record: {e}");
        }
    }
    let response = render(&outcome, &request_id);
    if !endpoint.log.is_off() {
        let mut entry = log_line(&request_id, &outcome, response.status(), started.elapsed());
        log_details(&mut entry, &request_id, &outcome);
        endpoint.log.write(entry);
    }
    let request = parsed.as_ref().ok().map(|(_, request)| request);
    endpoint
        .runs
        .record(&endpoint.cognito, &request_id, request, &outcome);
    Ok(with_cors(response))
}

/// What the endpoint answers outside Cognito's `POST /` protocol: CORS preflights (every path),
/// the pools' JWKS and discovery documents, and the harness's own `/_harness/` routes. None
/// sends the request on to the protocol.
fn route_outside_protocol(
    cognito: &Cognito,
    runs: &run_log::RunLog,
    method: &Method,
    uri: &Uri,
) -> Option<Response<http::Body>> {
    if method == Method::OPTIONS {
        return Some(preflight());
    }
    if let Some(path) = uri.path().strip_prefix(harness_routes::PREFIX) {
        return Some(harness_routes::answer(
            cognito,
            runs,
            method,
            path,
            uri.query(),
        ));
    }
    if method == Method::GET && uri.path() == harness_routes::PREFIX.trim_end_matches('/') {
        return Some(harness_routes::to_web_view());
    }
    well_known(cognito, method, uri)
}

/// `Access-Control-Allow-*` of a preflight answer (cognito-semantics.md §S, rules S-1 and S-2):
/// the headers the AWS SDKs and Amplify send from a browser.
const CORS_ALLOW_HEADERS: &str = "content-type,x-amz-target,x-amz-user-agent,x-amz-date,x-amz-security-token,x-amz-content-sha256,authorization,amz-sdk-invocation-id,amz-sdk-request,cache-control";
/// The methods a preflight allows: the protocol's POST, and GET for the JWKS and `/_harness/`.
const CORS_ALLOW_METHODS: &str = "POST,GET,OPTIONS";
/// The response headers a page may read: the request id and the error headers SDKs parse.
const CORS_EXPOSE_HEADERS: &str = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date";
/// How long a browser may reuse a preflight answer, in seconds.
const CORS_MAX_AGE: &str = "86400";

/// The answer to an `OPTIONS` preflight on any path: 200, empty, with the CORS headers.
fn preflight() -> Response<http::Body> {
    let mut response = Response::new(http::Body::new(Bytes::new()));
    let headers = response.headers_mut();
    headers.insert(
        "access-control-allow-headers",
        HeaderValue::from_static(CORS_ALLOW_HEADERS),
    );
    headers.insert(
        "access-control-allow-methods",
        HeaderValue::from_static(CORS_ALLOW_METHODS),
    );
    headers.insert(
        "access-control-max-age",
        HeaderValue::from_static(CORS_MAX_AGE),
    );
    set_content_length(&mut response);
    with_cors(response)
}

/// Adds the headers every response carries for a browser: any origin, and the exposed headers.
fn with_cors(mut response: Response<http::Body>) -> Response<http::Body> {
    let headers = response.headers_mut();
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    headers.insert(
        "access-control-expose-headers",
        HeaderValue::from_static(CORS_EXPOSE_HEADERS),
    );
    response
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

impl Endpoint {
    /// Answers and logs a request refused before any operation saw it.
    fn reject(
        &self,
        rejected: &Rejected,
        headers: &HeaderMap,
        request_id: &str,
        started: Instant,
    ) -> Response<http::Body> {
        let response = error_response(
            rejected.status,
            &format!("{CORAL_NAMESPACE}{}", rejected.name),
            rejected.name,
            &rejected.message,
            request_id,
        );
        self.log.write(format!(
            "cognito-harness serve: {request_id} {} -> {} {} [refused: {}] {:.2}ms",
            target_action(headers),
            rejected.status.as_u16(),
            rejected.name,
            rejected.message,
            started.elapsed().as_secs_f64() * 1000.0
        ));
        response
    }
}

/// A request the endpoint refuses before routing it, answered with an awsJson error in Coral's
/// namespace (cognito-semantics.md §10).
#[derive(Debug, PartialEq, Eq)]
struct Rejected {
    status: StatusCode,
    name: &'static str,
    message: String,
}

/// The answer to a body that could not be read: longer than [`MAX_BODY`] (413), not there in
/// time (408), or the connection failed (400); all `SerializationException`.
fn unreadable(error: &BodyError) -> Rejected {
    let (status, message) = if error.too_large() {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request body is larger than the limit of {MAX_BODY} bytes"),
        )
    } else if error.timed_out() {
        (
            StatusCode::REQUEST_TIMEOUT,
            format!("Unable to read the request body: {error}"),
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            format!("Unable to read the request body: {error}"),
        )
    };
    Rejected {
        status,
        name: "SerializationException",
        message,
    }
}

/// The DNS-rebinding defence of a loopback bind: the request must be addressed (`Host`, or an
/// absolute request target) to `localhost` or a loopback address, with or without a port. A web
/// page whose name was made to resolve to 127.0.0.1 still sends its own name. A request with no
/// `Host` at all (HTTP/1.0) does not come from a browser and is answered.
fn check_host(uri: &Uri, headers: &HeaderMap) -> Result<(), Rejected> {
    let named = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .into_iter()
        .chain(
            headers
                .get_all(hyper::header::HOST)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        );
    for host in named {
        if !is_loopback_host(&host) {
            return Err(Rejected {
                status: StatusCode::FORBIDDEN,
                name: "AccessDeniedException",
                message: format!(
                    "Host '{host}' is not a loopback address: this endpoint answers requests to 127.0.0.1, localhost or [::1] only (serve --host opens it wider)"
                ),
            });
        }
    }
    Ok(())
}

/// `localhost`, `127.0.0.1`, `[::1]` (any loopback address), each with or without `:<port>`.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim();
    let (name, port) = match host.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((ip, "")) => (ip, None),
            Some((ip, after)) => match after.strip_prefix(':') {
                Some(port) => (ip, Some(port)),
                None => return false,
            },
            None => return false,
        },
        None => match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    let port_ok = port.is_none_or(|p| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok()
    });
    port_ok
        && (name.eq_ignore_ascii_case("localhost")
            || name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()))
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
    match &outcome.result {
        Ok(value) => {
            let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
            let mut response = http::response(StatusCode::OK, CONTENT_TYPE, body);
            set_request_id(&mut response, request_id);
            set_content_length(&mut response);
            response
        }
        Err(error) => {
            let status =
                StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            error_response(
                status,
                &wire_type(error.code),
                error.code.name(),
                &error.message,
                request_id,
            )
        }
    }
}

/// An awsJson1.1 error: `{"__type", "message"}` with `status`, the request id and the
/// `x-amzn-ErrorType` / `x-amzn-ErrorMessage` headers.
fn error_response(
    status: StatusCode,
    wire_type: &str,
    name: &str,
    message: &str,
    request_id: &str,
) -> Response<http::Body> {
    let body = serde_json::json!({"__type": wire_type, "message": message});
    let mut response = http::response(
        status,
        CONTENT_TYPE,
        serde_json::to_vec(&body).unwrap_or_default(),
    );
    set_request_id(&mut response, request_id);
    let headers = response.headers_mut();
    // Real Cognito: `x-amzn-ErrorType: InvalidLambdaResponseException:` (amazon-cognito-identity-js#167).
    if let Ok(v) = HeaderValue::from_str(&format!("{name}:")) {
        headers.insert(HeaderName::from_static("x-amzn-errortype"), v);
    }
    if let Some(v) = header_text(message) {
        headers.insert(HeaderName::from_static("x-amzn-errormessage"), v);
    }
    set_content_length(&mut response);
    response
}

fn set_request_id(response: &mut Response<http::Body>, request_id: &str) {
    if let Ok(id) = HeaderValue::from_str(request_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-amzn-requestid"), id);
    }
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

/// Appends to a request's log entry, one line each under its request line and tagged with its
/// request id: every message delivered (destination, subject, body, code), every warning (the
/// call's and each verdict's), and each function's logs (Lambda's START/END/REPORT lines
/// included).
pub fn log_details(entry: &mut String, request_id: &str, outcome: &Outcome) {
    use std::fmt::Write as _;
    let tag = format!("cognito-harness serve: {request_id}  ");
    for m in &outcome.delivered {
        let _ = write!(
            entry,
            "\n{tag}delivered {} to {} ({}, {})",
            m.medium.as_str(),
            m.destination,
            m.username,
            m.trigger_source
        );
        if let Some(code) = &m.code {
            let _ = write!(entry, " code {code}");
        }
        if let Some(subject) = &m.subject {
            let _ = write!(entry, "\n{tag}  subject: {}", one_line(subject));
        }
        let _ = write!(entry, "\n{tag}  body: {}", one_line(&m.body));
    }
    for run in &outcome.triggers {
        // The service repeats most verdicts' warnings among the call's: each is logged once.
        let repeated = |w: &String| outcome.warnings.contains(w);
        for warning in run.verdict.warnings.iter().filter(|w| !repeated(w)) {
            let _ = write!(
                entry,
                "\n{tag}warning: {}: {}",
                run.trigger_source.name(),
                one_line(warning)
            );
        }
        if let Some(invocation) = &run.invocation {
            for line in invocation.logs.lines().filter(|l| !l.trim().is_empty()) {
                let _ = write!(entry, "\n{tag}{} | {line}", run.trigger_source.name());
            }
        }
    }
    for warning in &outcome.warnings {
        let _ = write!(entry, "\n{tag}warning: {}", one_line(warning));
    }
}

/// Text on one log line: line breaks become ` / `.
fn one_line(text: &str) -> String {
    if text.contains('\n') {
        text.lines().collect::<Vec<_>>().join(" / ")
    } else {
        text.to_string()
    }
}

/// Serves on `addr` until Ctrl-C or SIGTERM, printing `listening on <url>` first (for
/// `--port 0`), and on stderr a warning when `addr` is not a loopback address. Requests still
/// running when the signal comes get [`Limits::shutdown_grace`] to finish, then are dropped with
/// their trigger calls.
pub async fn run_until_ctrl_c(
    cognito: Arc<Cognito>,
    addr: SocketAddr,
    options: ServeOptions,
) -> Result<(), Error> {
    let server = serve_with(cognito, addr, options).await?;
    if !addr.ip().is_loopback() {
        eprintln!("{}", open_bind_warning(server.addr()));
    }
    println!("listening on {}", server.url());
    let _ = std::io::stdout().flush();
    stop_signal().await?;
    server.shutdown().await
}

/// What `serve` prints when bound beyond loopback.
pub fn open_bind_warning(addr: SocketAddr) -> String {
    format!(
        "warning: listening on {addr}, not a loopback address: anyone who can reach it can run the bound functions, and credentials are not checked"
    )
}

/// Ctrl-C (SIGINT), or SIGTERM where there is one.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
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
    fn loopback_hosts_with_and_without_ports() {
        for host in [
            "localhost",
            "LocalHost:9229",
            "127.0.0.1",
            "127.0.0.1:9229",
            "127.1.2.3:80",
            "[::1]",
            "[::1]:9229",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example",
            "localhost.evil.example",
            "127.0.0.1.nip.io:9229",
            "10.0.0.1:9229",
            "[::2]:9229",
            "::1",
            "localhost:",
            "localhost:99999",
            "localhost:+80",
            "[::1]x",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
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
