//! Real processes behind a Lambda Runtime API the harness hosts (cognito-semantics.md §6.1).
//!
//! A [`ProcessFunction`] starts its command on first use with `AWS_LAMBDA_RUNTIME_API` pointing at
//! an endpoint on 127.0.0.1, then hands it one event at a time through `GET .../invocation/next`
//! (held open until there is one) and takes the answer from `POST .../{id}/response` or
//! `.../{id}/error`. The process stays warm between invocations; one that died, timed out or failed
//! to initialize is replaced on the next invocation.
//!
//! The endpoint and the process watchers run on one background thread with its own current-thread
//! tokio runtime, so a function works the same from `#[tokio::test]`, a multi-thread runtime, or
//! several runtimes in turn, and the spawning thread (which `PR_SET_PDEATHSIG` is tied to) lives as
//! long as the harness.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpListener;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{AbortHandle, JoinHandle};

use super::log_tail::LogTail;
use super::process;
use super::{BoxFuture, Function, FunctionError, InvokeContext, Invoked, Payload};
use crate::http;

/// Largest answer a function may post: Lambda's synchronous payload limit (6 MiB) plus the 100
/// bytes of slack the runtime interface emulator allows.
const MAX_PAYLOAD: usize = 6 * 1024 * 1024 + 100;
/// Account id in the ARN a function gets when the caller names none.
const DEFAULT_ACCOUNT: &str = "123456789012";
/// How long a dead process's log pipes may stay open (a grandchild may hold them) before its exit
/// is reported anyway.
const LOG_DRAIN_LIMIT: Duration = Duration::from_millis(200);
/// How long the endpoint waits before accepting again after a failed accept (out of file
/// descriptors or similar), instead of spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// A function run as a real process speaking the Lambda Runtime API: any `lambda_runtime` binary,
/// or any language through its runtime interface client.
///
/// ```no_run
/// # use cognito_harness::function::ProcessFunction;
/// let f = ProcessFunction::new("custom-message", ["target/release/custom-message-branded"])
///     .env("RUST_LOG", "info");
/// ```
///
/// Invocations are serialized (one process handles one event at a time, as in Lambda). Dropping the
/// function kills its process.
pub struct ProcessFunction {
    config: Arc<Config>,
    environment: tokio::sync::Mutex<Option<Environment>>,
    logs: Arc<Mutex<LogTail>>,
    last_pid: Arc<AtomicU32>,
}

#[derive(Clone, Debug)]
struct Config {
    name: String,
    command: Vec<String>,
    env: Vec<(String, String)>,
    working_dir: Option<PathBuf>,
    handler: Option<String>,
    region: String,
    memory_mb: u32,
}

impl ProcessFunction {
    /// A function named `name` (as in its ARN) run by `command` (program and arguments).
    pub fn new(
        name: impl Into<String>,
        command: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        ProcessFunction {
            config: Arc::new(Config {
                name: name.into(),
                command: command.into_iter().map(Into::into).collect(),
                env: Vec::new(),
                working_dir: None,
                handler: None,
                region: "us-east-1".to_string(),
                memory_mb: 128,
            }),
            environment: tokio::sync::Mutex::new(None),
            logs: Arc::default(),
            last_pid: Arc::default(),
        }
    }

    /// Sets an environment variable for the process (after the Lambda ones, so it can override them).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config_mut().env.push((key.into(), value.into()));
        self
    }

    /// Sets several environment variables, as [`env`](Self::env).
    pub fn envs(
        mut self,
        vars: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        let config = self.config_mut();
        config
            .env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The process's working directory (also given as `LAMBDA_TASK_ROOT`).
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config_mut().working_dir = Some(dir.into());
        self
    }

    /// The handler name, given as `_HANDLER` (runtime interface clients for scripting languages).
    pub fn handler(mut self, handler: impl Into<String>) -> Self {
        self.config_mut().handler = Some(handler.into());
        self
    }

    /// `AWS_REGION` for the process, and the region of the default function ARN. Default `us-east-1`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.config_mut().region = region.into();
        self
    }

    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`. Default 128.
    pub fn memory_size(mut self, megabytes: u32) -> Self {
        self.config_mut().memory_mb = megabytes;
        self
    }

    /// Starts the process now instead of on the first invocation (a no-op when it runs).
    pub async fn start(&self) -> Result<(), crate::Error> {
        let mut environment = self.environment.lock().await;
        if environment.as_ref().is_some_and(Environment::usable) {
            return Ok(());
        }
        *environment = None;
        let started = self
            .spawn()
            .await
            .map_err(|message| crate::Error::FunctionUnavailable {
                function: self.config.name.clone(),
                message,
            })?;
        *environment = Some(started);
        Ok(())
    }

    /// The id of the process started last (it may have exited since), if any.
    pub fn pid(&self) -> Option<u32> {
        Some(self.last_pid.load(Ordering::Relaxed)).filter(|&pid| pid != 0)
    }

    fn config_mut(&mut self) -> &mut Config {
        // Builders run before any process exists, so this never actually clones.
        Arc::make_mut(&mut self.config)
    }

    /// Starts a fresh environment on the host thread.
    async fn spawn(&self) -> Result<Environment, String> {
        let host = host()?;
        let (config, logs) = (self.config.clone(), self.logs.clone());
        let environment = host
            .spawn(Environment::start(config, logs))
            .await
            .map_err(|e| format!("the runtime API host failed: {e}"))??;
        self.last_pid.store(environment.pid, Ordering::Relaxed);
        Ok(environment)
    }

    /// Queues the event for a usable process, starting one if needed, and returns where the answer
    /// will arrive.
    async fn dispatch(
        &self,
        slot: &mut Option<Environment>,
        event: Bytes,
        ctx: &InvokeContext,
    ) -> Result<oneshot::Receiver<Invoked>, Invoked> {
        // Two rounds: a process can die between the usability check and queueing the event.
        for _ in 0..2 {
            if let Some(old) = slot.take_if(|environment| !environment.usable()) {
                if let Some(error) = old.take_init_error() {
                    return Err(Invoked::Error(error));
                }
            }
            let environment = match slot {
                Some(environment) => environment,
                None => slot.insert(self.spawn().await.map_err(Invoked::Unavailable)?),
            };
            let arn = if ctx.function_arn.is_empty() {
                format!(
                    "arn:aws:lambda:{}:{DEFAULT_ACCOUNT}:function:{}",
                    self.config.region, self.config.name
                )
            } else {
                ctx.function_arn.clone()
            };
            let queued = Queued {
                request_id: ctx.request_id.clone(),
                body: event.clone(),
                deadline_ms: epoch_ms(SystemTime::now() + ctx.timeout),
                function_arn: arn,
                trace_id: trace_id(),
            };
            match environment.queue(queued) {
                Some(answer) => return Ok(answer),
                None => *slot = None,
            }
        }
        Err(Invoked::Unavailable(format!(
            "the process for `{}` exits as soon as it starts",
            self.config.name
        )))
    }
}

impl Function for ProcessFunction {
    fn invoke<'a>(&'a self, event: &'a Value, ctx: &'a InvokeContext) -> BoxFuture<'a, Invoked> {
        Box::pin(async move {
            let body = match serde_json::to_vec(event) {
                Ok(body) => Bytes::from(body),
                Err(e) => {
                    return Invoked::Unavailable(format!("the event cannot be serialized: {e}"))
                }
            };
            let mut slot = self.environment.lock().await;
            let answer = match self.dispatch(&mut slot, body, ctx).await {
                Ok(answer) => answer,
                Err(result) => return result,
            };
            // Until the answer arrives, a dropped future (the caller gave up) kills the process.
            let mut guard = KillUnlessAnswered {
                slot: &mut slot,
                answered: false,
            };
            let result = match tokio::time::timeout(ctx.timeout, answer).await {
                Ok(Ok(result)) => result,
                Ok(Err(_)) => Invoked::Unavailable("the runtime API host stopped".to_string()),
                Err(_) => return Invoked::TimedOut,
            };
            guard.answered = true;
            result
        })
    }

    fn take_logs(&self) -> String {
        lock(&self.logs).take()
    }
}

/// Kills the process when an invocation ends without an answer (timeout or cancellation); the next
/// invocation starts a new one.
struct KillUnlessAnswered<'a> {
    slot: &'a mut Option<Environment>,
    answered: bool,
}

impl Drop for KillUnlessAnswered<'_> {
    fn drop(&mut self) {
        if !self.answered {
            *self.slot = None;
        }
    }
}

/// An event waiting for `/next`.
struct Queued {
    request_id: String,
    body: Bytes,
    deadline_ms: u64,
    function_arn: String,
    trace_id: String,
}

/// One running process and the Runtime API endpoint it talks to. Dropping it kills the process.
struct Environment {
    pid: u32,
    queue: mpsc::UnboundedSender<Queued>,
    shared: Arc<Shared>,
    server: AbortHandle,
}

/// What the endpoint's handlers and the process watcher share with the invoking side.
struct Shared {
    /// Events not yet taken by `/next`.
    queue: tokio::sync::Mutex<mpsc::UnboundedReceiver<Queued>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Invocations waiting for an answer, by request id.
    waiting: HashMap<String, oneshot::Sender<Invoked>>,
    /// An init error no invocation was waiting for; the next one gets it.
    init_error: Option<FunctionError>,
    init_failed: bool,
    /// The process has exited and been reaped.
    exited: bool,
}

impl Environment {
    /// Binds the endpoint and spawns the process. Runs on the host thread.
    async fn start(config: Arc<Config>, logs: Arc<Mutex<LogTail>>) -> Result<Environment, String> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| format!("could not open the runtime API on 127.0.0.1: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("could not open the runtime API: {e}"))?;
        let mut child = process::spawn(
            &config.command,
            lambda_env(&config, addr),
            config.working_dir.as_deref(),
        )
        .map_err(|e| format!("could not start `{}`: {e}", config.command.join(" ")))?;
        let pid = child.id().unwrap_or_default();

        let (queue, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queue: tokio::sync::Mutex::new(receiver),
            state: Mutex::default(),
        });
        let server = tokio::spawn(serve(listener, shared.clone())).abort_handle();
        let readers: Vec<JoinHandle<()>> = [
            child
                .stdout
                .take()
                .map(|out| tokio::spawn(capture(out, logs.clone()))),
            child
                .stderr
                .take()
                .map(|err| tokio::spawn(capture(err, logs.clone()))),
        ]
        .into_iter()
        .flatten()
        .collect();
        tokio::spawn(watch(child, readers, shared.clone()));
        Ok(Environment {
            pid,
            queue,
            shared,
            server,
        })
    }

    fn usable(&self) -> bool {
        let state = lock(&self.shared.state);
        !state.exited && !state.init_failed
    }

    fn take_init_error(&self) -> Option<FunctionError> {
        lock(&self.shared.state).init_error.take()
    }

    /// Queues an event; `None` when the process has already exited.
    fn queue(&self, queued: Queued) -> Option<oneshot::Receiver<Invoked>> {
        let (sender, receiver) = oneshot::channel();
        {
            let mut state = lock(&self.shared.state);
            if state.exited {
                return None;
            }
            state.waiting.insert(queued.request_id.clone(), sender);
        }
        self.queue.send(queued).ok()?;
        Some(receiver)
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        self.server.abort();
        // A reaped leader's group id could be reused; only a live (or zombie) one is ours.
        if !lock(&self.shared.state).exited {
            process::kill_group(self.pid);
        }
    }
}

/// The variables a Lambda runtime reads at start, then the caller's own.
fn lambda_env(config: &Config, addr: SocketAddr) -> Vec<(String, String)> {
    let mut env = vec![
        ("AWS_LAMBDA_RUNTIME_API".to_string(), addr.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME".to_string(), config.name.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".to_string(),
            config.memory_mb.to_string(),
        ),
        (
            "AWS_LAMBDA_FUNCTION_VERSION".to_string(),
            "$LATEST".to_string(),
        ),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME".to_string(),
            format!("/aws/lambda/{}", config.name),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME".to_string(), log_stream_name()),
        (
            "AWS_LAMBDA_INITIALIZATION_TYPE".to_string(),
            "on-demand".to_string(),
        ),
        ("AWS_REGION".to_string(), config.region.clone()),
        ("AWS_DEFAULT_REGION".to_string(), config.region.clone()),
    ];
    if let Some(dir) = &config.working_dir {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.clone());
        env.push(("LAMBDA_TASK_ROOT".to_string(), dir.display().to_string()));
    }
    if let Some(handler) = &config.handler {
        env.push(("_HANDLER".to_string(), handler.clone()));
    }
    env.extend(config.env.iter().cloned());
    env
}

/// Appends what the process writes to the function's log buffer until the pipe closes.
async fn capture(mut pipe: impl AsyncRead + Unpin, logs: Arc<Mutex<LogTail>>) {
    let mut buffer = vec![0; 8192];
    while let Ok(n @ 1..) = pipe.read(&mut buffer).await {
        lock(&logs).push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
}

/// Waits for the process to exit, then fails whatever it was handling with Lambda's
/// `Runtime.ExitError` (ruling 12).
async fn watch(
    mut child: tokio::process::Child,
    readers: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
) {
    let status = child.wait().await;
    // Let the last words reach the logs before the verdict is out.
    let _ = tokio::time::timeout(LOG_DRAIN_LIMIT, futures::future::join_all(readers)).await;
    let reason = match &status {
        Ok(status) => process::describe_exit(status),
        Err(e) => e.to_string(),
    };
    let mut state = lock(&shared.state);
    state.exited = true;
    for (request_id, answer) in state.waiting.drain() {
        let message = format!("RequestId: {request_id} Error: Runtime exited with error: {reason}");
        let _ = answer.send(Invoked::Error(FunctionError::new(
            "Runtime.ExitError",
            message,
        )));
    }
}

/// Serves the Runtime API until aborted; aborting drops every open connection with it.
async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let make_service = move || {
        let shared = shared.clone();
        service_fn(move |request| route(shared.clone(), request))
    };
    http::serve(
        listener,
        make_service,
        std::future::pending(),
        ACCEPT_BACKOFF,
    )
    .await;
}

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INVOCATION: &str = "/2018-06-01/runtime/invocation/";
const INIT_ERROR: &str = "/2018-06-01/runtime/init/error";

async fn route(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_string();
    let response = match (request.method(), path.as_str()) {
        (&Method::GET, NEXT) => next(&shared).await,
        (&Method::POST, INIT_ERROR) => init_error(&shared, request.into_body()).await,
        (&Method::POST, path) if path.starts_with(INVOCATION) => {
            match path[INVOCATION.len()..].split_once('/') {
                Some((id, "response")) => answer(&shared, id, request.into_body(), false).await,
                Some((id, "error")) => answer(&shared, id, request.into_body(), true).await,
                _ => not_found(path),
            }
        }
        _ => not_found(&path),
    };
    Ok(response)
}

/// `GET /next`: blocks until an event is queued. Never answers 204 or 404: a release build of
/// lambda_runtime panics on either.
async fn next(shared: &Shared) -> Response<Full<Bytes>> {
    let queued = shared.queue.lock().await.recv().await;
    let Some(queued) = queued else {
        // The environment is being torn down; its process is about to be killed.
        return std::future::pending().await;
    };
    let mut response = Response::new(Full::new(queued.body));
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", &queued.request_id);
    set(
        "lambda-runtime-deadline-ms",
        &queued.deadline_ms.to_string(),
    );
    set("lambda-runtime-invoked-function-arn", &queued.function_arn);
    set("lambda-runtime-trace-id", &queued.trace_id);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// `POST /{id}/response` and `/{id}/error`: hands the answer to the waiting invocation.
async fn answer(
    shared: &Shared,
    request_id: &str,
    body: Incoming,
    is_error: bool,
) -> Response<Full<Bytes>> {
    let (result, status) = match http::read_body(body, MAX_PAYLOAD).await {
        Ok(bytes) => {
            let result = if is_error {
                Invoked::Error(FunctionError::from_body(&bytes))
            } else {
                Invoked::Output(Payload::Bytes(bytes))
            };
            (result, StatusCode::ACCEPTED)
        }
        Err(e) if e.too_large() => {
            let message = format!("Response payload size exceeded maximum allowed payload size ({MAX_PAYLOAD} bytes).");
            (
                Invoked::Error(FunctionError::new("Function.ResponseSizeTooLarge", message)),
                StatusCode::PAYLOAD_TOO_LARGE,
            )
        }
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                &format!("could not read the body: {e}"),
            )
        }
    };
    let Some(waiting) = lock(&shared.state).waiting.remove(request_id) else {
        return json(
            StatusCode::BAD_REQUEST,
            "InvalidRequestID",
            &format!("unknown request id {request_id}"),
        );
    };
    let _ = waiting.send(result);
    if status == StatusCode::ACCEPTED {
        json_status_ok()
    } else {
        json(
            status,
            "RequestEntityTooLarge",
            "response payload too large",
        )
    }
}

/// `POST /init/error`: the function could not start. Whoever is waiting gets the error; otherwise
/// the next invocation does. The process is replaced either way.
async fn init_error(shared: &Shared, body: Incoming) -> Response<Full<Bytes>> {
    let bytes = match http::read_body(body, MAX_PAYLOAD).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                &format!("could not read the body: {e}"),
            )
        }
    };
    let error = FunctionError::from_body(&bytes);
    let mut state = lock(&shared.state);
    state.init_failed = true;
    if state.waiting.is_empty() {
        state.init_error = Some(error);
    } else {
        for (_, waiting) in state.waiting.drain() {
            let _ = waiting.send(Invoked::Error(error.clone()));
        }
    }
    json_status_ok()
}

fn json_status_ok() -> Response<Full<Bytes>> {
    http::response(
        StatusCode::ACCEPTED,
        "application/json",
        Bytes::from_static(br#"{"status":"OK"}"#),
    )
}

fn not_found(path: &str) -> Response<Full<Bytes>> {
    json(
        StatusCode::NOT_FOUND,
        "InvalidRequest",
        &format!("no such runtime API path: {path}"),
    )
}

fn json(status: StatusCode, error_type: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "errorType": error_type, "errorMessage": message }).to_string();
    http::response(status, "application/json", body)
}

/// The thread that serves every Runtime API endpoint and owns every process.
fn host() -> Result<&'static Handle, String> {
    static HOST: OnceLock<Result<Handle, String>> = OnceLock::new();
    HOST.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("could not start the runtime API host: {e}"))?;
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("runtime-api-host".to_string())
            .spawn(move || runtime.block_on(std::future::pending::<()>()))
            .map_err(|e| format!("could not start the runtime API host thread: {e}"))?;
        Ok(handle)
    })
    .as_ref()
    .map_err(Clone::clone)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn epoch_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}

/// An X-Ray trace header like Lambda's: `Root=1-<epoch secs hex>-<24 hex>;Parent=<16 hex>;Sampled=0`.
fn trace_id() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let random = uuid::Uuid::new_v4().simple().to_string();
    let parent = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "Root=1-{secs:08x}-{};Parent={};Sampled=0",
        &random[..24],
        &parent[..16]
    )
}

/// `YYYY/MM/DD/[$LATEST]<32 hex>`, the shape of a Lambda log stream name.
fn log_stream_name() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        / 86_400;
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}/{month:02}/{day:02}/[$LATEST]{}",
        uuid::Uuid::new_v4().simple()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_for_log_stream_names() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn trace_ids_have_lambdas_shape() {
        let id = trace_id();
        assert!(
            id.starts_with("Root=1-") && id.ends_with(";Sampled=0"),
            "{id}"
        );
        assert_eq!(
            id.len(),
            "Root=1-".len() + 8 + 1 + 24 + ";Parent=".len() + 16 + ";Sampled=0".len()
        );
    }
}
