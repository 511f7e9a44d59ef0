//! Rust handlers called in-process, exactly as `lambda_runtime::run` would call them: the event is
//! deserialized into the handler's type, errors become the runtime's `Diagnostic`, panics become
//! `Lambda panicked: <msg>` (texts from lambda_runtime 1.5, `deserializer.rs` and `layers/panic.rs`).

use std::any::Any;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::FutureExt;
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tower::{Service, ServiceExt};

use super::{BoxFuture, Function, FunctionError, InvokeContext, Invoked};

/// The prefix lambda_runtime puts before a payload deserialization error.
const DESERIALIZE_CONTEXT: &str =
    "failed to deserialize the incoming data into the function's payload type";
/// The `errorType` lambda_runtime reports for such an error: the type name of a reference to it
/// (`type_name_of_val(&value)` in diagnostic.rs), as a real process shows.
const DESERIALIZE_ERROR_TYPE: &str = "&lambda_runtime::deserializer::DeserializeError";

/// A lambda_runtime-style service bound as a function. Build it with [`handler`].
pub struct InProcess<S, T, R> {
    service: S,
    _types: PhantomData<fn(T) -> R>,
}

/// Wraps any service over `LambdaEvent<T>` (for example `service_fn(my_handler)`), where `T` is
/// any deserializable type: the aws_lambda_events Cognito structs, `serde_json::Value`, your own.
/// The answer is kept as it is and written as JSON only when a report reads it, so its type must
/// be `Send + Sync + 'static` (the aws_lambda_events structs and `Value` are).
pub fn handler<S, T, R>(service: S) -> InProcess<S, T, R>
where
    S: Service<LambdaEvent<T>, Response = R> + Clone + Send + Sync + 'static,
    S::Future: Send,
    S::Error: Into<Diagnostic>,
    T: DeserializeOwned + Send + 'static,
    R: Serialize + Send + Sync + 'static,
{
    InProcess {
        service,
        _types: PhantomData,
    }
}

impl<S, T, R> Function for InProcess<S, T, R>
where
    S: Service<LambdaEvent<T>, Response = R> + Clone + Send + Sync + 'static,
    S::Future: Send,
    S::Error: Into<Diagnostic>,
    T: DeserializeOwned + Send + 'static,
    R: Serialize + Send + Sync + 'static,
{
    fn invoke<'a>(&'a self, event: &'a Value, ctx: &'a InvokeContext) -> BoxFuture<'a, Invoked> {
        Box::pin(async move {
            let payload: T = match deserialize(event) {
                Ok(payload) => payload,
                Err(error) => return Invoked::Error(error),
            };
            let event = LambdaEvent::new(payload, lambda_context(ctx));
            let service = self.service.clone();
            // Panics may come from `call` itself or from polling its future; catch both, as the
            // runtime's CatchPanicService does.
            let call = std::panic::catch_unwind(AssertUnwindSafe(|| service.oneshot(event)));
            let result = match call {
                Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
                Err(panic) => Err(panic),
            };
            match result {
                // Checked as the runtime would serialize it; only `response` is kept as a `Value`,
                // as the judges read nothing else, and the bytes are written when first read.
                Ok(Ok(response)) => match super::answer::to_payload(response) {
                    Ok(payload) => Invoked::Output(payload),
                    Err(e) => Invoked::Error(FunctionError::new(
                        std::any::type_name_of_val(&e),
                        e.to_string(),
                    )),
                },
                Ok(Err(error)) => {
                    let diagnostic: Diagnostic = error.into();
                    Invoked::Error(FunctionError::new(
                        diagnostic.error_type,
                        diagnostic.error_message,
                    ))
                }
                Err(panic) => Invoked::Error(panic_error(&panic)),
            }
        })
    }
}

/// Deserializes the event into the handler's type. On failure the event is re-read from its bytes,
/// as the runtime reads it, so the message carries the same `at line 1 column N` position.
fn deserialize<T: DeserializeOwned>(event: &Value) -> Result<T, FunctionError> {
    // The common case needs no path tracking: only a failure is re-read for its message.
    if let Ok(payload) = T::deserialize(event) {
        return Ok(payload);
    }
    let bytes = serde_json::to_vec(event).unwrap_or_default();
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(payload) => Ok(payload),
        Err(error) => {
            let path = error.path().to_string();
            // The runtime formats with `writeln!`, so the message ends in a newline, and it displays
            // the whole serde_path_to_error error, so the path appears twice: `[p] p: msg`.
            let message = if path == "." {
                format!("{DESERIALIZE_CONTEXT}: {error}\n")
            } else {
                format!("{DESERIALIZE_CONTEXT}: [{path}] {error}\n")
            };
            Err(FunctionError::new(DESERIALIZE_ERROR_TYPE, message))
        }
    }
}

fn panic_error(panic: &Box<dyn Any + Send>) -> FunctionError {
    let message = if let Some(msg) = panic.downcast_ref::<&str>() {
        format!("Lambda panicked: {msg}")
    } else if let Some(msg) = panic.downcast_ref::<String>() {
        format!("Lambda panicked: {msg}")
    } else {
        "Lambda panicked".to_string()
    };
    // The runtime names the type of the value it formats: a reference to the panic payload box.
    FunctionError::new(std::any::type_name::<&Box<dyn Any + Send>>(), message)
}

fn lambda_context(ctx: &InvokeContext) -> Context {
    let deadline = SystemTime::now() + ctx.timeout;
    let mut context = Context::default();
    context.request_id = ctx.request_id.clone();
    context.deadline = deadline
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis() as u64;
    context.invoked_function_arn = ctx.function_arn.clone();
    context
}
