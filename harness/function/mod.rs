//! Running trigger functions. A [`Function`] takes Cognito's event and answers with what Lambda
//! would hand back to Cognito: an output payload, a function error, or nothing before the deadline.
//! Three kinds: in-process Rust handlers ([`handler`]), real processes behind a Runtime API the
//! harness hosts ([`runtime_api`]), and HTTP Invoke API endpoints ([`http_invoke`]).

mod answer;
pub mod http_invoke;
pub mod in_process;
mod process;
pub mod runtime_api;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

pub use answer::AnswerBytes;
pub use http_invoke::HttpFunction;
pub use in_process::{handler, InProcess};
pub use runtime_api::{ProcessFunction, DEFAULT_CONCURRENCY};

/// A boxed future, as returned by [`Function::invoke`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a function returned, as Lambda would pass it to Cognito.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// Already-parsed JSON (an answer the harness itself made).
    Json(Value),
    /// Raw bytes from a process or an HTTP endpoint; may not be JSON at all.
    Bytes(Bytes),
    /// An in-process handler's answer that is a JSON object: its bytes, as lambda_runtime would
    /// post them (written only when something reads them), and its `response` member (the part
    /// the judges read), when it has one.
    Object {
        /// The answer as JSON text.
        bytes: AnswerBytes,
        /// Its `response` member.
        response: Option<Value>,
    },
}

impl Payload {
    /// The payload as JSON, or `None` when it is not JSON text.
    pub fn to_json(&self) -> Option<Value> {
        match self {
            Payload::Json(v) => Some(v.clone()),
            Payload::Bytes(b) => serde_json::from_slice(b).ok(),
            Payload::Object { bytes, .. } => serde_json::from_slice(bytes.get()).ok(),
        }
    }

    /// The payload as text, for reports.
    pub fn to_text(&self) -> String {
        match self {
            Payload::Json(v) => v.to_string(),
            Payload::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
            Payload::Object { bytes, .. } => String::from_utf8_lossy(bytes.get()).into_owned(),
        }
    }
}

/// A function error as the Lambda runtime reports it (`{"errorType", "errorMessage"}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionError {
    /// `errorType`: the error's class (`Error`, `Runtime.ExitError`, ...); may be empty.
    pub error_type: String,
    /// `errorMessage`: what Cognito quotes in `<Trigger> failed with error <errorMessage>.`
    pub error_message: String,
}

impl FunctionError {
    /// A function error of this type and message.
    pub fn new(error_type: impl Into<String>, error_message: impl Into<String>) -> Self {
        FunctionError {
            error_type: error_type.into(),
            error_message: error_message.into(),
        }
    }

    /// Reads an error body. Runtimes send `{"errorMessage", "errorType", "stackTrace"?}`; a body
    /// that is not such an object is kept whole as the message.
    pub fn from_body(body: &[u8]) -> Self {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let field = |name: &str| {
            parsed
                .as_ref()
                .and_then(|v| v.get(name))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        match (field("errorType"), field("errorMessage")) {
            (t, Some(m)) => FunctionError::new(t.unwrap_or_default(), m),
            (Some(t), None) => FunctionError::new(t, ""),
            (None, None) => FunctionError::new("", String::from_utf8_lossy(body)),
        }
    }
}

/// The lines of what a function wrote, as CloudWatch's console shows them. A lone `\r` breaks a
/// line too: AWS's runtime interface clients write a multi-line record (a stack trace) with `\r`
/// between its lines, so it stays one CloudWatch event; printed raw, each line would overwrite
/// the one before.
pub(crate) fn log_lines(logs: &str) -> impl Iterator<Item = &str> {
    logs.lines()
        .flat_map(|line| line.strip_suffix('\r').unwrap_or(line).split('\r'))
}

/// The result of one attempt to run a function.
#[derive(Clone, Debug, PartialEq)]
pub enum Invoked {
    /// The function returned this payload.
    Output(Payload),
    /// The function failed (threw, returned an error, panicked, or its process exited).
    Error(FunctionError),
    /// No answer before the attempt's deadline.
    TimedOut,
    /// Lambda refused to run the function: every execution environment its concurrency allows is
    /// busy (Lambda's `TooManyRequestsException`, `Rate Exceeded.`). The text says which limit.
    Throttled(String),
    /// The harness itself could not run the function (spawn failed, endpoint unreachable).
    Unavailable(String),
}

impl Invoked {
    /// What the function answered, as reports and `serve`'s run log show it: `{"payload"}`
    /// (JSON), `{"raw"}` (not JSON), `{"errorType", "errorMessage"}`, `{"timedOut": true}`,
    /// `{"throttled"}` or `{"unavailable"}`.
    pub fn to_report_json(&self) -> Value {
        use serde_json::json;
        match self {
            Invoked::Output(payload) => match payload.to_json() {
                Some(json) => json!({ "payload": json }),
                None => json!({ "raw": payload.to_text() }),
            },
            Invoked::Error(e) => {
                json!({ "errorType": e.error_type, "errorMessage": e.error_message })
            }
            Invoked::TimedOut => json!({ "timedOut": true }),
            Invoked::Throttled(m) => json!({ "throttled": m }),
            Invoked::Unavailable(m) => json!({ "unavailable": m }),
        }
    }
}

/// Per-invocation facts a function receives besides the event.
#[derive(Clone, Debug)]
pub struct InvokeContext {
    /// The invocation's request id (`Lambda-Runtime-Aws-Request-Id`).
    pub request_id: String,
    /// The ARN Cognito invoked (`Lambda-Runtime-Invoked-Function-Arn`).
    pub function_arn: String,
    /// How long this attempt may take (Cognito: 5 s).
    pub timeout: Duration,
    /// Where the function puts what it wrote outside its answer during this invocation.
    pub logs: Logs,
}

impl InvokeContext {
    /// A context with a fresh request id and an empty log.
    pub fn new(function_arn: impl Into<String>, timeout: Duration) -> Self {
        InvokeContext {
            request_id: crate::ids::uuid_v4().to_string(),
            function_arn: function_arn.into(),
            timeout,
            logs: Logs::default(),
        }
    }
}

/// One invocation's log: what the function wrote outside its answer (a process's stdout and
/// stderr framed by Lambda's `START`/`END`/`REPORT` lines). Clones share the same text.
#[derive(Clone, Debug, Default)]
pub struct Logs(Arc<Mutex<String>>);

impl Logs {
    /// Appends text.
    pub fn push_str(&self, text: &str) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_str(text);
    }

    /// Takes the text written so far, leaving the log empty.
    pub fn take(&self) -> String {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Anything that can run a trigger: it gets the event and answers like Lambda would.
///
/// Implementations must honour `ctx.timeout` themselves when waiting can be interrupted cleanly
/// (a process is killed, a request dropped); the caller also enforces it. What the function writes
/// outside its answer goes to `ctx.logs`.
pub trait Function: Send + Sync {
    /// Runs the function once with `event` and answers as Lambda would hand the result to Cognito.
    fn invoke<'a>(&'a self, event: &'a Value, ctx: &'a InvokeContext) -> BoxFuture<'a, Invoked>;

    /// How many invocations the function runs at once before it throttles the next
    /// ([`Invoked::Throttled`]); `None` when it has no such limit. Callers that run independent
    /// work side by side (`check --jobs`) keep within it, so running in parallel never throttles
    /// a call that would not be throttled alone.
    fn concurrency(&self) -> Option<u32> {
        None
    }
}

/// Cognito's patience with a trigger: 5 s per attempt, 3 attempts (cognito-semantics.md §3.3,
/// ruling 12). Tests shorten it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// How long one attempt may take.
    pub per_attempt: Duration,
    /// How many attempts Cognito makes when an attempt times out.
    pub attempts: u32,
}

impl Default for Deadline {
    fn default() -> Self {
        Deadline {
            per_attempt: Duration::from_secs(5),
            attempts: 3,
        }
    }
}

/// Everything that happened while Cognito tried to run one trigger.
#[derive(Clone, Debug, PartialEq)]
pub struct Invocation {
    /// What the last attempt gave.
    pub result: Invoked,
    /// Attempts made (more than one only after timeouts).
    pub attempts: u32,
    /// What the function wrote outside its answer, over every attempt.
    pub logs: String,
}

/// Runs `function` the way Cognito does: an attempt that gets no answer in time is retried, up to
/// `deadline.attempts` times.
pub async fn invoke_with_retries(
    function: &dyn Function,
    event: &Value,
    arn: &str,
    deadline: Deadline,
) -> Invocation {
    let mut attempts = 0;
    let mut logs = String::new();
    loop {
        attempts += 1;
        let ctx = InvokeContext::new(arn, deadline.per_attempt);
        // Cognito's clock runs from its call, so a cold start counts (Lambda's init does too);
        // no invocation waits for another's environment, so nothing else does.
        let result =
            match tokio::time::timeout(deadline.per_attempt, function.invoke(event, &ctx)).await {
                Ok(result) => result,
                Err(_) => Invoked::TimedOut,
            };
        logs.push_str(&ctx.logs.take());
        if result != Invoked::TimedOut || attempts >= deadline.attempts.max(1) {
            return Invocation {
                result,
                attempts,
                logs,
            };
        }
    }
}

/// Resolves the ARNs in a pool's LambdaConfig to functions, as Lambda resolves a function name.
pub trait FunctionLookup: Send + Sync {
    /// The function behind `arn`, or `None` when no function answers to it (Cognito's AccessDeniedException case).
    fn lookup(&self, arn: &str) -> Option<Arc<dyn Function>>;
}

/// A lookup by function name: `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`
/// finds the function bound as `<name>`; a bare name also works.
#[derive(Clone, Default)]
pub struct Functions {
    by_name: HashMap<String, Arc<dyn Function>>,
}

impl Functions {
    /// A lookup with nothing bound.
    pub fn new() -> Self {
        Functions::default()
    }

    /// Binds `name` (the function name in the ARN) to a function.
    pub fn bind(
        &mut self,
        name: impl Into<String>,
        function: impl Function + 'static,
    ) -> &mut Self {
        self.by_name.insert(name.into(), Arc::new(function));
        self
    }

    /// Binds an already shared function.
    pub fn bind_shared(
        &mut self,
        name: impl Into<String>,
        function: Arc<dyn Function>,
    ) -> &mut Self {
        self.by_name.insert(name.into(), function);
        self
    }

    /// The bound function names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// The function bound as `name`.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Function>> {
        self.by_name.get(name).cloned()
    }
}

/// The function name inside a Lambda ARN (or the string itself when it is not an ARN).
pub fn function_name_of(arn: &str) -> &str {
    match arn.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", _, "lambda", _, _, "function", name, ..] => name,
        _ => arn,
    }
}

impl FunctionLookup for Functions {
    fn lookup(&self, arn: &str) -> Option<Arc<dyn Function>> {
        self.get(function_name_of(arn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_come_from_the_arn() {
        assert_eq!(
            function_name_of("arn:aws:lambda:us-east-1:123456789012:function:custom-message"),
            "custom-message"
        );
        assert_eq!(
            function_name_of("arn:aws:lambda:us-east-1:123456789012:function:custom-message:live"),
            "custom-message"
        );
        assert_eq!(function_name_of("custom-message"), "custom-message");
    }

    #[test]
    fn error_bodies_are_read_like_lambda_does() {
        let e = FunctionError::from_body(
            br#"{"errorType":"Error","errorMessage":"boom","stackTrace":[]}"#,
        );
        assert_eq!(e, FunctionError::new("Error", "boom"));
        assert_eq!(
            FunctionError::from_body(b"not json"),
            FunctionError::new("", "not json")
        );
    }
}
