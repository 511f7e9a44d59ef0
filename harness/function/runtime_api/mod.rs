//! Real processes behind a Lambda Runtime API the harness hosts (cognito-semantics.md §6.1, §12).
//!
//! A [`ProcessFunction`] is a pool of warm execution environments, as Lambda keeps one per
//! concurrent invocation: each is one sandboxed process (see `process.rs`) with its own
//! Runtime API endpoint on 127.0.0.1 (`AWS_LAMBDA_RUNTIME_API`). An invocation takes an idle
//! environment, or starts one when all are busy, up to the function's concurrency; beyond it the
//! invocation is throttled, as Lambda throttles. The environment gets the event through
//! `GET .../invocation/next` (held open until there is one), answers with
//! `POST .../{id}/response` or `.../{id}/error`, and is done with the invocation when it asks for the
//! next one: what it wrote until then is that invocation's log, framed by Lambda's `START`, `END`
//! and `REPORT` lines. An environment that died, timed out, failed to initialize or never asked for
//! the next event is replaced.
//!
//! Processes are started, their output read and their exits watched on one background thread with
//! its own current-thread tokio runtime, so the spawning thread (which `PR_SET_PDEATHSIG` is tied
//! to) lives as long as the harness. That thread also serves an environment's endpoint while the
//! runtime initializes; after that each invocation serves it from its own task (`endpoint.rs`), so
//! a warm invocation costs no trip to another thread, and a function works the same from
//! `#[tokio::test]`, a multi-thread runtime, or several runtimes in turn.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::Waker;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde_json::Value;
use tokio::io::unix::AsyncFd;
use tokio::runtime::Handle;
use tokio::sync::oneshot::{self, error::TryRecvError};
use tokio::sync::Notify;
use tokio::task::{AbortHandle, JoinHandle};

use super::process;
use super::{BoxFuture, Function, FunctionError, InvokeContext, Invoked, Payload};

mod endpoint;

use endpoint::Endpoint;

/// How many environments a function may run at once when the binding does not say. Lambda's
/// account default is 1000, but here each environment is a real process on the developer's
/// machine: 10 serves a test suite's concurrent calls without letting a runaway loop start a
/// thousand interpreters. Set `concurrency` to the function's reserved concurrency to match it.
pub const DEFAULT_CONCURRENCY: u32 = 10;
/// Largest answer a function may post: Lambda's synchronous payload limit (6 MiB) plus the 100
/// bytes of slack the runtime interface emulator allows.
const MAX_PAYLOAD: usize = 6 * 1024 * 1024 + 100;
/// Most output kept per invocation; beyond it the oldest is dropped (and the log says how much).
const MAX_LOG: usize = 1024 * 1024;
/// Account id in the ARN a function gets when the caller names none.
const DEFAULT_ACCOUNT: &str = "123456789012";
/// How long a dead process's log pipes may stay open before its exit is reported anyway.
const LOG_DRAIN_LIMIT: Duration = Duration::from_millis(200);
/// How often an environment's peak memory (the REPORT line's `Max Memory Used`) is read from /proc.
const MEMORY_SAMPLE: Duration = Duration::from_secs(1);
/// Lambda's `PATH` (configuration-envvars.html), used when the harness has none.
const LAMBDA_PATH: &str = "/usr/local/bin:/usr/bin/:/bin:/opt/bin";

/// A function run as real processes speaking the Lambda Runtime API: any `lambda_runtime` binary,
/// or any language through its runtime interface client.
///
/// ```no_run
/// # use cognito_harness::function::ProcessFunction;
/// let f = ProcessFunction::new("custom-message", ["target/release/custom-message-branded"])
///     .env("BRAND", "acme")
///     .pass_env(["RUST_LOG"])
///     .concurrency(4);
/// ```
///
/// Each environment handles one event at a time, as in Lambda; concurrent invocations get their own
/// environments, up to [`concurrency`](Self::concurrency). Dropping the function kills every
/// environment and everything they started.
pub struct ProcessFunction {
    config: Arc<Config>,
    pool: Mutex<Pool>,
    last_pid: AtomicU32,
}

#[derive(Clone, Debug)]
struct Config {
    name: String,
    command: Vec<String>,
    env: Vec<(String, String)>,
    pass_env: Vec<String>,
    working_dir: Option<PathBuf>,
    handler: Option<String>,
    runtime: Option<String>,
    region: String,
    memory_mb: u32,
    concurrency: u32,
}

/// The function's environments that are not handling an invocation, and how many are.
#[derive(Default)]
struct Pool {
    idle: Vec<Environment>,
    busy: u32,
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
                pass_env: Vec::new(),
                working_dir: None,
                handler: None,
                runtime: None,
                region: "us-east-1".to_string(),
                memory_mb: 128,
                concurrency: DEFAULT_CONCURRENCY,
            }),
            pool: Mutex::default(),
            last_pid: AtomicU32::new(0),
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

    /// Variables taken from the harness's own environment, when set there (`RUST_LOG`, say). Nothing
    /// else of it reaches the function but `PATH` and `LD_LIBRARY_PATH`: no credentials, no
    /// `AWS_PROFILE`, no `RUST_BACKTRACE`, as on Lambda.
    pub fn pass_env(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let config = self.config_mut();
        config.pass_env.extend(names.into_iter().map(Into::into));
        self
    }

    /// The process's working directory (also given as `LAMBDA_TASK_ROOT`). Default: the harness's.
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config_mut().working_dir = Some(dir.into());
        self
    }

    /// The handler name, given as `_HANDLER` (runtime interface clients for scripting languages
    /// read it). Default `bootstrap`, what an OS-only runtime's function is usually configured with.
    pub fn handler(mut self, handler: impl Into<String>) -> Self {
        self.config_mut().handler = Some(handler.into());
        self
    }

    /// The managed runtime this function would use on Lambda (`python3.12`, `nodejs20.x`): sets
    /// `AWS_EXECUTION_ENV=AWS_Lambda_<runtime>`, which Lambda defines only for managed runtimes.
    /// Default none, as for the OS-only runtimes (`provided.al2023`) a Rust binary runs on.
    pub fn runtime(mut self, runtime: impl Into<String>) -> Self {
        self.config_mut().runtime = Some(runtime.into());
        self
    }

    /// `AWS_REGION` for the process, and the region of the default function ARN. Default `us-east-1`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.config_mut().region = region.into();
        self
    }

    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (and the REPORT line's `Memory Size`). Default 128.
    pub fn memory_size(mut self, megabytes: u32) -> Self {
        self.config_mut().memory_mb = megabytes;
        self
    }

    /// How many environments may run at once (the function's reserved concurrency); an invocation
    /// beyond it is [`Invoked::Throttled`]. 0 throttles every invocation, as Lambda does with a
    /// reserved concurrency of 0. Default [`DEFAULT_CONCURRENCY`].
    pub fn concurrency(mut self, environments: u32) -> Self {
        self.config_mut().concurrency = environments;
        self
    }

    /// Starts an environment now instead of on the first invocation (a no-op when one is idle).
    pub async fn start(&self) -> Result<(), crate::Error> {
        if lock(&self.pool).idle.iter().any(Environment::usable) {
            return Ok(());
        }
        let started = self
            .spawn()
            .await
            .map_err(|message| crate::Error::FunctionUnavailable {
                function: self.config.name.clone(),
                message,
            })?;
        lock(&self.pool).idle.push(started);
        Ok(())
    }

    /// The id of the process started last (it may have exited since), if any: the function's own
    /// process, PID 1 of its namespace when it has one.
    pub fn pid(&self) -> Option<u32> {
        Some(self.last_pid.load(Ordering::Relaxed)).filter(|&pid| pid != 0)
    }

    /// How many environments are running now: idle ones and those handling an invocation.
    pub fn environments(&self) -> usize {
        let pool = lock(&self.pool);
        pool.idle.len() + pool.busy as usize
    }

    fn config_mut(&mut self) -> &mut Config {
        // Builders run before any process exists, so this never actually clones.
        Arc::make_mut(&mut self.config)
    }

    /// Starts a fresh environment on the host thread.
    async fn spawn(&self) -> Result<Environment, String> {
        let host = host()?;
        let environment = host
            .spawn(Environment::start(self.config.clone()))
            .await
            .map_err(|e| format!("the runtime API host failed: {e}"))??;
        self.last_pid.store(environment.pid, Ordering::Relaxed);
        Ok(environment)
    }

    /// An environment for one invocation: an idle one, else a new one if the concurrency allows.
    async fn lease(&self) -> Result<Lease<'_>, Invoked> {
        let idle = {
            let mut pool = lock(&self.pool);
            let mut found = None;
            while let Some(environment) = pool.idle.pop() {
                if environment.usable() {
                    found = Some(environment);
                    break;
                }
                // Started ahead of time and failed to initialize: this invocation gets the error.
                if let Some(error) = environment.take_init_error() {
                    return Err(Invoked::Error(error));
                }
            }
            if found.is_none() && pool.busy >= self.config.concurrency {
                return Err(Invoked::Throttled(format!(
                    "all {} execution environment(s) of `{}` are busy (concurrency = {})",
                    pool.busy, self.config.name, self.config.concurrency
                )));
            }
            pool.busy += 1;
            found
        };
        let mut lease = Lease {
            function: self,
            environment: idle,
            keep: false,
            pending: None,
        };
        if lease.environment.is_none() {
            lease.environment = Some(self.spawn().await.map_err(Invoked::Unavailable)?);
        }
        Ok(lease)
    }

    fn arn(&self, ctx: &InvokeContext) -> String {
        if ctx.function_arn.is_empty() {
            format!(
                "arn:aws:lambda:{}:{DEFAULT_ACCOUNT}:function:{}",
                self.config.region, self.config.name
            )
        } else {
            ctx.function_arn.clone()
        }
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
            let mut lease = match self.lease().await {
                Ok(lease) => lease,
                Err(result) => return result,
            };
            lease.run(body, ctx).await
        })
    }

    fn concurrency(&self) -> Option<u32> {
        Some(self.config.concurrency)
    }
}

/// One environment, lent to one invocation. Dropped, it goes back to the pool when the invocation
/// ended cleanly (`keep`); otherwise (timeout, crash, cancelled invocation) it is killed.
struct Lease<'a> {
    function: &'a ProcessFunction,
    environment: Option<Environment>,
    keep: bool,
    /// The invocation dispatched and not yet ended, whose log a cancelled lease still writes.
    pending: Option<Pending>,
}

struct Pending {
    logs: super::Logs,
    request_id: String,
    dispatched: Instant,
}

impl Lease<'_> {
    async fn run(&mut self, body: Bytes, ctx: &InvokeContext) -> Invoked {
        let arn = self.function.arn(ctx);
        let memory_mb = self.function.config.memory_mb;
        // Two rounds: an idle process can die between the usability check and queueing the event.
        for _ in 0..2 {
            let environment = match &mut self.environment {
                Some(environment) => environment,
                None => match self.function.spawn().await {
                    Ok(fresh) => self.environment.insert(fresh),
                    Err(message) => return Invoked::Unavailable(message),
                },
            };
            // The deadline counts from dispatch to the environment.
            let dispatched = Instant::now();
            let deadline = tokio::time::Instant::now() + ctx.timeout;
            let queued = Queued {
                request_id: ctx.request_id.clone(),
                body: body.clone(),
                deadline_ms: epoch_ms(SystemTime::now() + ctx.timeout),
                function_arn: arn.clone(),
                trace_id: trace_id(),
            };
            let Some(ended) = environment.queue(queued) else {
                self.environment = None;
                continue;
            };
            self.pending = Some(Pending {
                logs: ctx.logs.clone(),
                request_id: ctx.request_id.clone(),
                dispatched,
            });
            // The invocation ends when the runtime asks for the next event: what it writes until
            // then (after its answer too) is this invocation's. One wake-up brings both.
            let served = tokio::time::timeout_at(deadline, environment.serve(ended)).await;
            let (result, output, answered) = match served {
                Ok(Ok(done)) => {
                    self.keep = environment.usable();
                    (done.result, done.output, done.answered)
                }
                Ok(Err(_)) => (
                    Invoked::Unavailable("the runtime API host stopped".to_string()),
                    Output::default(),
                    None,
                ),
                // No answer in time, or an answer but no request for the next event: Lambda
                // gave the answer; the environment is stuck either way and is replaced.
                Err(_) => {
                    let (answer, output) = environment.abandon(&ctx.request_id);
                    match answer {
                        Some((result, at)) => (result, output, Some(at)),
                        None => (Invoked::TimedOut, output, None),
                    }
                }
            };
            self.pending = None;
            let duration =
                answered.map_or(ctx.timeout, |at| at.saturating_duration_since(dispatched));
            ctx.logs
                .push_str(&environment.frame(&ctx.request_id, output, duration, memory_mb));
            return result;
        }
        Invoked::Unavailable(format!(
            "the process for `{}` exits as soon as it starts",
            self.function.config.name
        ))
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        // The caller gave up (Cognito's deadline): the log still says what the function wrote.
        if let (Some(pending), Some(environment)) = (self.pending.take(), &mut self.environment) {
            let (_, output) = environment.abandon(&pending.request_id);
            let log = environment.frame(
                &pending.request_id,
                output,
                pending.dispatched.elapsed(),
                self.function.config.memory_mb,
            );
            pending.logs.push_str(&log);
        }
        let retired = {
            let mut pool = lock(&self.function.pool);
            pool.busy -= 1;
            match self.environment.take() {
                Some(environment) if self.keep => {
                    pool.idle.push(environment);
                    None
                }
                other => other,
            }
        };
        // Killed outside the lock.
        drop(retired);
    }
}

/// An event waiting for `/next`.
pub(super) struct Queued {
    request_id: String,
    body: Bytes,
    deadline_ms: u64,
    function_arn: String,
    trace_id: String,
}

/// How one invocation ended: its answer, what the environment wrote, and when it answered.
struct Done {
    result: Invoked,
    output: Output,
    answered: Option<Instant>,
}

/// One invocation queued or running in an environment.
struct Call {
    done: oneshot::Sender<Done>,
    /// The runtime's answer, held until it asks for the next event.
    answer: Option<(Invoked, Instant)>,
    /// What the environment wrote before the runtime took this event.
    before: Option<Vec<u8>>,
}

/// What an environment wrote around one invocation.
#[derive(Default)]
struct Output {
    /// Written before the runtime took the event (its init, or while idle): shown before `START`.
    before: Vec<u8>,
    /// Written while the invocation ran.
    during: Vec<u8>,
    /// Bytes dropped to keep the log within [`MAX_LOG`].
    dropped: usize,
}

/// One running process and the Runtime API endpoint it talks to. Dropping it kills the process
/// and everything it started.
struct Environment {
    pid: u32,
    shared: Arc<Shared>,
    /// The endpoint, once the host thread has handed it over (the runtime finished its init).
    endpoint: Option<Endpoint>,
    handover: Arc<Handover>,
    /// The host thread's task serving the endpoint while the runtime initializes.
    initializer: AbortHandle,
    spawned: Instant,
    /// Whether an invocation has already reported this environment's init.
    warm: bool,
    /// The peak memory last read, and when: reading /proc costs more than a warm invocation, and
    /// the peak only grows, so it is read at most once per [`MEMORY_SAMPLE`].
    memory: Option<(Instant, Option<u64>)>,
}

/// What the endpoint's handlers and the process watcher share with the invoking side.
struct Shared {
    state: Mutex<State>,
    /// The process's stdout and stderr. They are read with the state locked, so output read by
    /// the host thread and output drained by a request's handler arrive in order.
    pipes: Vec<Arc<AsyncFd<OwnedFd>>>,
}

/// Where the host thread leaves the endpoint when the runtime's init is over. Apart from
/// [`Shared`], which the endpoint holds, so nothing refers to itself.
#[derive(Default)]
struct Handover {
    endpoint: Mutex<Option<Endpoint>>,
    ready: Notify,
}

#[derive(Default)]
struct State {
    /// Invocations queued or running, by request id.
    calls: HashMap<String, Call>,
    /// The event queued for `/next` and not yet taken.
    next_event: Option<Queued>,
    /// The task serving the endpoint now, woken when the host thread ends its invocation.
    waker: Option<Waker>,
    /// The request id the runtime took last; it ends when the runtime asks for the next event.
    in_flight: Option<String>,
    /// Output not yet given to an invocation.
    buffer: Vec<u8>,
    dropped: usize,
    /// When the runtime first asked for an event (its init was done).
    initialized: Option<Instant>,
    /// An init error no invocation was waiting for; the next one gets it.
    init_error: Option<FunctionError>,
    init_failed: bool,
    /// The process has exited and been reaped.
    exited: bool,
}

impl State {
    /// Reads what is in the pipes right now.
    fn drain(&mut self, pipes: &[Arc<AsyncFd<OwnedFd>>]) {
        for pipe in pipes {
            while let Ok(1..) = self.read_from(pipe.get_ref()) {}
        }
    }

    /// One non-blocking read from a pipe into the buffer: the bytes read, 0 at end of file.
    fn read_from(&mut self, fd: &OwnedFd) -> std::io::Result<usize> {
        let mut chunk = [0u8; 8192];
        // SAFETY: reads at most chunk.len() bytes into chunk.
        let n = unsafe { libc::read(fd.as_raw_fd(), chunk.as_mut_ptr().cast(), chunk.len()) };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let n = n as usize;
        if n > 0 {
            self.append(&chunk[..n]);
        }
        Ok(n)
    }

    fn append(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() > MAX_LOG {
            let excess = self.buffer.len() - MAX_LOG;
            self.buffer.drain(..excess);
            self.dropped += excess;
        }
    }

    /// The output written since the call started (or since the last one ended).
    fn output_of(&mut self, call: &mut Call) -> Output {
        Output {
            before: call.before.take().unwrap_or_default(),
            during: std::mem::take(&mut self.buffer),
            dropped: std::mem::take(&mut self.dropped),
        }
    }

    /// Ends the call `request_id` with `result` (or the answer it already has).
    fn finish(&mut self, request_id: &str, result: impl FnOnce() -> Invoked) {
        if let Some(mut call) = self.calls.remove(request_id) {
            let output = self.output_of(&mut call);
            let (result, answered) = match call.answer.take() {
                Some((answer, at)) => (answer, Some(at)),
                None => (result(), None),
            };
            let _ = call.done.send(Done {
                result,
                output,
                answered,
            });
        }
    }

    /// The queued event, taken by `/next`: what was written until now comes before its START.
    fn take_event(&mut self) -> Option<Queued> {
        let queued = self.next_event.take()?;
        let before = std::mem::take(&mut self.buffer);
        if let Some(call) = self.calls.get_mut(&queued.request_id) {
            call.before = Some(before);
        }
        self.in_flight = Some(queued.request_id.clone());
        Some(queued)
    }

    /// Keeps the runtime's answer for `request_id`; false when no call waits for one.
    fn keep_answer(&mut self, request_id: &str, result: Invoked) -> bool {
        match self
            .calls
            .get_mut(request_id)
            .filter(|call| call.answer.is_none())
        {
            Some(call) => {
                call.answer = Some((result, Instant::now()));
                true
            }
            None => false,
        }
    }

    /// The runtime could not initialize: every call gets `error`, or the next one if none waits.
    fn fail_init(&mut self, error: FunctionError) {
        self.init_failed = true;
        if self.calls.is_empty() {
            self.init_error = Some(error);
        } else {
            let ids: Vec<String> = self.calls.keys().cloned().collect();
            for request_id in ids {
                self.finish(&request_id, || Invoked::Error(error.clone()));
            }
        }
    }

    /// Leaves `waker` to be woken when the host thread ends an invocation.
    fn wake_on_end(&mut self, waker: &Waker) {
        match &self.waker {
            Some(stored) if stored.will_wake(waker) => {}
            _ => self.waker = Some(waker.clone()),
        }
    }

    /// The runtime asks for the next event: the call in flight, if it answered, is over.
    fn end_in_flight(&mut self) {
        let Some(request_id) = self.in_flight.take() else {
            return;
        };
        if self
            .calls
            .get(&request_id)
            .is_some_and(|call| call.answer.is_some())
        {
            // The call has its answer, which `finish` hands over; the fallback is never used.
            self.finish(&request_id, || {
                Invoked::Unavailable("the runtime asked for its next event".into())
            });
        } else {
            // Asked for another event without answering: the caller's deadline settles it.
            self.in_flight = Some(request_id);
        }
    }
}

impl Environment {
    /// Binds the endpoint, spawns the process and serves its init. Runs on the host thread.
    async fn start(config: Arc<Config>) -> Result<Environment, String> {
        let (listener, addr) = Endpoint::listen()
            .map_err(|e| format!("could not open the runtime API on 127.0.0.1: {e}"))?;
        let spawned = Instant::now();
        let mut child = process::spawn(
            &config.command,
            lambda_env(&config, addr),
            config.working_dir.as_deref(),
        )
        .map_err(|e| format!("could not start `{}`: {e}", config.command.join(" ")))?;
        let pid = child.pid;
        let pipes: Vec<Arc<AsyncFd<OwnedFd>>> = [child.stdout.take(), child.stderr.take()]
            .into_iter()
            .flatten()
            // SAFETY: the descriptor is owned by the AsyncFd and closed only when it is dropped.
            .filter_map(|fd| {
                unsafe { AsyncFd::register(nonblocking(fd)?) }
                    .ok()
                    .map(Arc::new)
            })
            .collect();

        let shared = Arc::new(Shared {
            state: Mutex::default(),
            pipes,
        });
        let endpoint = Endpoint::new(listener, shared.clone());
        let handover = Arc::new(Handover::default());
        let initializer = tokio::spawn(initialize(endpoint, handover.clone())).abort_handle();
        let readers: Vec<JoinHandle<()>> = shared
            .pipes
            .iter()
            .map(|pipe| tokio::spawn(capture(pipe.clone(), shared.clone())))
            .collect();
        tokio::spawn(watch(child, readers, shared.clone()));
        Ok(Environment {
            pid,
            shared,
            endpoint: None,
            handover,
            initializer,
            spawned,
            warm: false,
            memory: None,
        })
    }

    fn usable(&self) -> bool {
        let state = lock(&self.shared.state);
        !state.exited && !state.init_failed
    }

    fn take_init_error(&self) -> Option<FunctionError> {
        lock(&self.shared.state).init_error.take()
    }

    /// Queues an event; `None` when the process has already exited. Gives where the invocation's
    /// end (its answer and output) will arrive.
    fn queue(&self, queued: Queued) -> Option<oneshot::Receiver<Done>> {
        let (done, ended) = oneshot::channel();
        let mut state = lock(&self.shared.state);
        if state.exited {
            return None;
        }
        let call = Call {
            done,
            answer: None,
            before: None,
        };
        state.calls.insert(queued.request_id.clone(), call);
        state.next_event = Some(queued);
        Some(ended)
    }

    /// Serves the endpoint from the calling task until the queued invocation has `ended`.
    async fn serve(&mut self, mut ended: oneshot::Receiver<Done>) -> Result<Done, TryRecvError> {
        let endpoint = self.endpoint().await;
        endpoint
            .drive(|| match ended.try_recv() {
                Err(TryRecvError::Empty) => None,
                settled => Some(settled),
            })
            .await
    }

    /// The endpoint, once the host thread is done serving the runtime's init.
    async fn endpoint(&mut self) -> &mut Endpoint {
        while self.endpoint.is_none() {
            let ready = self.handover.ready.notified();
            let handed_over = lock(&self.handover.endpoint).take();
            match handed_over {
                Some(endpoint) => self.endpoint = Some(endpoint),
                None => ready.await,
            }
        }
        self.endpoint.as_mut().expect("handed over above")
    }

    /// Gives up on a call the runtime did not finish in time: its answer, if it gave one, and
    /// the output so far.
    fn abandon(&self, request_id: &str) -> (Option<(Invoked, Instant)>, Output) {
        let mut state = lock(&self.shared.state);
        match state.calls.remove(request_id) {
            Some(mut call) => {
                let output = state.output_of(&mut call);
                (call.answer.take(), output)
            }
            None => (None, Output::default()),
        }
    }

    /// The invocation's log as Lambda writes it to CloudWatch: output from before the invocation,
    /// then `START`, the invocation's output, `END` and `REPORT` (with `Init Duration` on the
    /// environment's first invocation).
    fn frame(
        &mut self,
        request_id: &str,
        output: Output,
        duration: Duration,
        memory_mb: u32,
    ) -> String {
        // What was cut is said first: the kept output is the tail of all of it.
        let mut log = if output.dropped > 0 {
            format!(
                "[cognito-harness: {} bytes of earlier output dropped; the last {MAX_LOG} are kept]\n",
                output.dropped
            )
        } else {
            String::new()
        };
        log.push_str(&String::from_utf8_lossy(&output.before));
        ensure_newline(&mut log);
        log.push_str(&format!("START RequestId: {request_id} Version: $LATEST\n"));
        log.push_str(&String::from_utf8_lossy(&output.during));
        ensure_newline(&mut log);
        log.push_str(&format!("END RequestId: {request_id}\n"));
        let ms = duration.as_secs_f64() * 1000.0;
        log.push_str(&format!(
            "REPORT RequestId: {request_id}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {memory_mb} MB",
            ms.ceil().max(1.0) as u64
        ));
        if let Some(used) = self.max_memory_mb() {
            log.push_str(&format!("\tMax Memory Used: {used} MB"));
        }
        if !self.warm {
            self.warm = true;
            if let Some(ready) = lock(&self.shared.state).initialized {
                let init = ready.saturating_duration_since(self.spawned);
                log.push_str(&format!(
                    "\tInit Duration: {:.2} ms",
                    init.as_secs_f64() * 1000.0
                ));
            }
        }
        log.push('\n');
        log
    }
}

impl Environment {
    /// The function's peak memory, read afresh at most once per [`MEMORY_SAMPLE`].
    fn max_memory_mb(&mut self) -> Option<u64> {
        match self.memory {
            Some((read, used)) if read.elapsed() < MEMORY_SAMPLE => used,
            _ => {
                let used = process::max_memory_mb(self.pid);
                self.memory = Some((Instant::now(), used));
                used
            }
        }
    }
}

fn ensure_newline(text: &mut String) {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        self.initializer.abort();
        // A reaped leader's group id could be reused; only a live (or zombie) one is ours.
        if !lock(&self.shared.state).exited {
            process::kill_group(self.pid);
        }
    }
}

/// Lambda's environment for one process (configuration-envvars.html): the reserved variables with
/// local values, `PATH`, the variables named by `pass_env` from the harness's environment, then the
/// function's own. Nothing else of the harness's environment gets through.
fn lambda_env(config: &Config, addr: SocketAddr) -> Vec<(String, String)> {
    let task_root = match &config.working_dir {
        Some(dir) => std::path::absolute(dir).unwrap_or_else(|_| dir.clone()),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/var/task")),
    };
    let task_root = task_root.display().to_string();
    let path = std::env::var("PATH").unwrap_or_else(|_| LAMBDA_PATH.to_string());
    // Lambda's own list puts the task root and its lib/ among the system directories.
    let mut library_path = format!("{task_root}:{task_root}/lib");
    if let Ok(own) = std::env::var("LD_LIBRARY_PATH") {
        if !own.is_empty() {
            library_path = format!("{own}:{library_path}");
        }
    }
    let var = |name: &str, value: &str| (name.to_string(), value.to_string());
    let mut env = vec![
        var("AWS_LAMBDA_RUNTIME_API", &addr.to_string()),
        var("AWS_LAMBDA_FUNCTION_NAME", &config.name),
        var(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            &config.memory_mb.to_string(),
        ),
        var("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        var(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            &format!("/aws/lambda/{}", config.name),
        ),
        var("AWS_LAMBDA_LOG_STREAM_NAME", &log_stream_name()),
        var("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        var("AWS_REGION", &config.region),
        var("AWS_DEFAULT_REGION", &config.region),
        var("_HANDLER", config.handler.as_deref().unwrap_or("bootstrap")),
        var("LAMBDA_TASK_ROOT", &task_root),
        var("LAMBDA_RUNTIME_DIR", "/var/runtime"),
        var("LANG", "en_US.UTF-8"),
        var("TZ", ":UTC"),
        var("PATH", &path),
        var("LD_LIBRARY_PATH", &library_path),
    ];
    if let Some(runtime) = &config.runtime {
        env.push(var("AWS_EXECUTION_ENV", &format!("AWS_Lambda_{runtime}")));
    }
    for name in &config.pass_env {
        if let Ok(value) = std::env::var(name) {
            env.push(var(name, &value));
        }
    }
    env.extend(config.env.iter().cloned());
    env
}

/// Serves the endpoint on the host thread until the runtime has asked for its first event (its
/// init is over), failed to initialize or exited, then hands the endpoint over to the invocations.
async fn initialize(mut endpoint: Endpoint, handover: Arc<Handover>) {
    let shared = endpoint.shared().clone();
    endpoint
        .drive(|| {
            let state = lock(&shared.state);
            (state.initialized.is_some() || state.init_failed || state.exited).then_some(())
        })
        .await;
    *lock(&handover.endpoint) = Some(endpoint);
    handover.ready.notify_one();
}

/// Reads what the process writes into the environment's buffer until the pipe closes.
async fn capture(pipe: Arc<AsyncFd<OwnedFd>>, shared: Arc<Shared>) {
    loop {
        let Ok(mut ready) = pipe.readable().await else {
            return;
        };
        match ready.try_io(|fd| lock(&shared.state).read_from(fd.get_ref())) {
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Ok(Ok(_)) | Err(_) => {}
        }
    }
}

/// The pipe, switched to non-blocking reads (tokio hands it over blocking).
fn nonblocking(fd: OwnedFd) -> Option<OwnedFd> {
    // SAFETY: fcntl on a descriptor we own.
    let ok = unsafe {
        let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
        flags >= 0 && libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) == 0
    };
    ok.then_some(fd)
}

/// Waits for the process to exit, kills whatever it left in its process group, then fails what it
/// was handling with Lambda's `Runtime.ExitError` (ruling 12).
async fn watch(mut child: process::Spawned, readers: Vec<JoinHandle<()>>, shared: Arc<Shared>) {
    let status = child.wait().await;
    // Let the last words reach the logs before the verdict is out.
    let _ = tokio::time::timeout(LOG_DRAIN_LIMIT, futures::future::join_all(readers)).await;
    let reason = match &status {
        Ok(status) => process::describe_exit(status),
        Err(e) => e.to_string(),
    };
    let mut state = lock(&shared.state);
    state.exited = true;
    // The call in flight first, so it gets the last words.
    let ids: Vec<String> = state
        .in_flight
        .take()
        .into_iter()
        .chain(state.calls.keys().cloned())
        .collect();
    for request_id in ids {
        state.finish(&request_id, || {
            let message =
                format!("RequestId: {request_id} Error: Runtime exited with error: {reason}");
            Invoked::Error(FunctionError::new("Runtime.ExitError", message))
        });
    }
    // Whoever serves the endpoint is waiting on the runtime, which will say nothing more.
    let waker = state.waker.take();
    drop(state);
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// The thread that owns every process, reads their output and serves their init.
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
    let random = crate::ids::uuid_v4().simple().to_string();
    let parent = crate::ids::uuid_v4().simple().to_string();
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
        crate::ids::uuid_v4().simple()
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
