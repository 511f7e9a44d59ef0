//! What every trigger shares: the event envelope (§1.1) and the rules that do not depend on the
//! trigger's kind: a function error, a timeout, a missing function, output that is not a usable
//! object (§3.1–§3.3, ruling 1).

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::output::{self, Output};
use super::rules::{rule, Rule};
use super::{Caller, TriggerSource, Verdict};
use crate::function::{Invocation, Invoked, Payload};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::user_agent;
use crate::pool::{User, UserPool};

/// `callerContext.clientId` for admin (IAM-authorised) API calls (§1.1).
pub const CLIENT_ID_NOT_APPLICABLE: &str = "CLIENT_ID_NOT_APPLICABLE";

tokio::task_local! {
    /// The `awsSdkVersion` of the API call being replayed (§1.1). The service sets it for the
    /// whole call ([`with_caller_sdk`]), so every event a call builds names the caller's SDK
    /// without each action passing it to each event builder.
    static CALLER_SDK: String;
}

/// Runs `call` with `sdk` as the `callerContext.awsSdkVersion` of every event it builds.
pub(crate) async fn with_caller_sdk<F: std::future::Future>(sdk: String, call: F) -> F::Output {
    CALLER_SDK.scope(sdk, call).await
}

rule!(FUNCTION_ERROR, "function-error", Observed, "§3.1",
    "a function error fails the call with UserLambdaValidationException `<Trigger> failed with error <errorMessage>.`");
rule!(TIMEOUT, "invoke.timeout", Assumed, "§3.3, ruling 12",
    "no answer within 5 s, 3 attempts: UnexpectedLambdaException `<Trigger> invocation failed due to error Socket timeout while invoking Lambda function.`");
rule!(THROTTLED, "invoke.throttled", Assumed, "§12, ruling 12.1",
    "every execution environment the function's concurrency allows is busy (Lambda's TooManyRequestsException): UnexpectedLambdaException `<Trigger> invocation failed due to error TooManyRequestsException.`");
rule!(ACCESS_DENIED, "invoke.access-denied", Observed, "§3.3",
    "a LambdaConfig ARN with no function behind it: UnexpectedLambdaException `<Trigger> invocation failed due to error AccessDeniedException.`");
rule!(
    HARNESS_UNAVAILABLE,
    "harness.function-unavailable",
    Assumed,
    "DESIGN.md exit code 3",
    "not a Cognito behaviour: the harness could not start or reach the function"
);
rule!(INVALID_JSON, "output.invalid-json", Assumed, "§3.2, ruling 1",
    "output null, not JSON, or not a JSON object: InvalidLambdaResponseException `Invalid lambda function output : Invalid JSON`");
rule!(UNRECOGNIZABLE, "output.unrecognizable", Assumed, "§3.2, ruling 1",
    "a JSON object whose `response` is missing, not an object, or has a member of the wrong type: InvalidLambdaResponseException `Unrecognizable lambda output`");

rule!(RUNTIME_EXIT, "invoke.runtime-exit", Assumed, "§3.1, ruling 12",
    "the function's process exited mid-invocation: Lambda's `Runtime.ExitError` reaches Cognito as a function error, UserLambdaValidationException `<Trigger> failed with error RequestId: <id> Error: Runtime exited with error: exit status <n>.`");
rule!(RESPONSE_TOO_LARGE, "invoke.response-too-large", Assumed, "§6.1",
    "the function answered more than Lambda's 6 MB: Lambda's `Function.ResponseSizeTooLarge` reaches Cognito as a function error, UserLambdaValidationException");

/// The rules every trigger kind shares.
pub static RULES: [&Rule; 9] = [
    &FUNCTION_ERROR,
    &RUNTIME_EXIT,
    &RESPONSE_TOO_LARGE,
    &TIMEOUT,
    &THROTTLED,
    &ACCESS_DENIED,
    &HARNESS_UNAVAILABLE,
    &INVALID_JSON,
    &UNRECOGNIZABLE,
];

/// The verdict when the function did not return a payload: it failed, timed out, or could not be
/// run. `function_error` is the rule the trigger's kind cites for a function error.
pub(crate) fn failure(
    source: TriggerSource,
    function_error: &'static Rule,
    invocation: &Invocation,
    failed: Failed<'_>,
) -> Verdict {
    let name = source.trigger().name();
    match failed {
        Failed::Error(e) => {
            let error = CognitoError::new(
                ErrorCode::UserLambdaValidationException,
                format!("{name} failed with error {}.", e.error_message),
            );
            let detail = if e.error_type.is_empty() {
                "function error".to_string()
            } else {
                format!("function error {}", e.error_type)
            };
            // Errors Lambda itself raises (not the function's code) carry rulings of their own:
            // how Cognito reports them is not published.
            let rule = match e.error_type.as_str() {
                "Runtime.ExitError" => &RUNTIME_EXIT,
                "Function.ResponseSizeTooLarge" => &RESPONSE_TOO_LARGE,
                _ => function_error,
            };
            Verdict::rejected(source, rule, error).with_detail(detail)
        }
        Failed::TimedOut => {
            let error = CognitoError::new(
                ErrorCode::UnexpectedLambdaException,
                format!("{name} invocation failed due to error Socket timeout while invoking Lambda function."),
            );
            Verdict::rejected(source, &TIMEOUT, error).with_detail(format!(
                "no answer within the deadline after {} attempt(s)",
                invocation.attempts
            ))
        }
        Failed::Throttled(why) => {
            let error = CognitoError::new(
                ErrorCode::UnexpectedLambdaException,
                format!("{name} invocation failed due to error TooManyRequestsException."),
            );
            Verdict::rejected(source, &THROTTLED, error)
                .with_detail(format!("Lambda throttled the invocation: {why}"))
        }
        Failed::Unavailable(message) => Verdict {
            trigger_source: source,
            decision: super::Decision::HarnessFailure(message.to_string()),
            rule: &HARNESS_UNAVAILABLE,
            detail: None,
            warnings: Vec::new(),
        },
    }
}

/// An invocation that returned no payload.
pub(crate) enum Failed<'a> {
    /// The function failed.
    Error(&'a crate::function::FunctionError),
    /// No answer within the deadline, after every attempt.
    TimedOut,
    /// Lambda throttled the invocation.
    Throttled(&'a str),
    /// The harness could not run the function.
    Unavailable(&'a str),
}

impl<'a> Failed<'a> {
    /// Splits an invocation result into its payload or how it failed.
    pub(crate) fn split(result: &'a Invoked) -> Result<&'a Payload, Failed<'a>> {
        match result {
            Invoked::Output(payload) => Ok(payload),
            Invoked::Error(e) => Err(Failed::Error(e)),
            Invoked::TimedOut => Err(Failed::TimedOut),
            Invoked::Throttled(why) => Err(Failed::Throttled(why)),
            Invoked::Unavailable(m) => Err(Failed::Unavailable(m)),
        }
    }
}

/// The verdict for a LambdaConfig ARN that no function answers to: Lambda's AccessDenied (§3.3).
pub(crate) fn missing_function(source: TriggerSource, arn: &str) -> Verdict {
    let error = CognitoError::new(
        ErrorCode::UnexpectedLambdaException,
        format!(
            "{} invocation failed due to error AccessDeniedException.",
            source.trigger().name()
        ),
    );
    Verdict::rejected(source, &ACCESS_DENIED, error)
        .with_detail(format!("no function is bound to {arn}"))
}

/// Reads the `response` object out of a function's output (ruling 1): `null`, non-JSON or a
/// non-object is "Invalid JSON"; an object without an object `response` is "Unrecognizable".
pub(crate) fn response_object(
    source: TriggerSource,
    payload: &Payload,
) -> Result<Cow<'_, Map<String, Value>>, Verdict> {
    let invalid_json = || {
        let error = CognitoError::new(
            ErrorCode::InvalidLambdaResponseException,
            "Invalid lambda function output : Invalid JSON",
        );
        let shown: String = payload.to_text().chars().take(200).collect();
        Verdict::rejected(source, &INVALID_JSON, error)
            .with_detail(format!("the function returned {shown}, not a JSON object"))
    };
    // Borrowed from an in-process answer, taken out of one parsed here: never copied.
    let response = match payload {
        Payload::Json(Value::Object(output)) => match output.get("response") {
            Some(Value::Object(response)) => return Ok(Cow::Borrowed(response)),
            other => other.cloned(),
        },
        Payload::Object { response, .. } => match response {
            Some(Value::Object(response)) => return Ok(Cow::Borrowed(response)),
            other => other.clone(),
        },
        // Only `response` is built; the rest of the answer is checked for being JSON.
        Payload::Bytes(bytes) => match output::read(bytes) {
            Some(Output::Object { response }) => match response {
                Some(Value::Object(response)) => return Ok(Cow::Owned(response)),
                other => other,
            },
            Some(Output::NotObject) | None => return Err(invalid_json()),
        },
        Payload::Json(_) => return Err(invalid_json()),
    };
    Err(unrecognizable(
        source,
        match response {
            None => "the output has no `response`".to_string(),
            Some(v) => format!("`response` is {}, not an object", json_type(&v)),
        },
    ))
}

/// InvalidLambdaResponseException `Unrecognizable lambda output` (ruling 1).
pub(crate) fn unrecognizable(source: TriggerSource, detail: impl Into<String>) -> Verdict {
    let error = CognitoError::new(
        ErrorCode::InvalidLambdaResponseException,
        "Unrecognizable lambda output",
    );
    Verdict::rejected(source, &UNRECOGNIZABLE, error).with_detail(detail)
}

pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The envelope every user-pool trigger event shares (§1.1), in the key order of real events.
pub(crate) fn envelope(
    pool: &UserPool,
    source: TriggerSource,
    user_name: &str,
    caller: Caller<'_>,
    request: Value,
    response: Value,
) -> Value {
    let client_id = match caller {
        Caller::Admin => CLIENT_ID_NOT_APPLICABLE,
        Caller::Client(id) => id,
    };
    let mut event = Map::with_capacity(8);
    event.insert("version".into(), Value::from("1"));
    event.insert("region".into(), Value::from(pool.region.as_str()));
    event.insert("userPoolId".into(), Value::from(pool.id.as_str()));
    event.insert("userName".into(), Value::from(user_name));
    let mut caller_context = Map::with_capacity(2);
    let sdk = CALLER_SDK
        .try_with(|sdk| Value::from(sdk.as_str()))
        .unwrap_or_else(|_| Value::from(user_agent::UNKNOWN));
    caller_context.insert("awsSdkVersion".into(), sdk);
    caller_context.insert("clientId".into(), Value::from(client_id));
    event.insert("callerContext".into(), Value::Object(caller_context));
    event.insert("triggerSource".into(), Value::from(source.name()));
    event.insert("request".into(), request);
    event.insert("response".into(), response);
    Value::Object(event)
}

/// A user's stored attributes as events show them (§1.2): all strings, `sub` first, then the
/// `cognito:` system attributes, then the rest in stored order.
pub(crate) fn stored_attributes(pool: &UserPool, user: &User) -> Map<String, Value> {
    let mut map = Map::with_capacity(user.attributes.len() + 3);
    map.insert("sub".into(), Value::from(user.sub.as_str()));
    for attr in ["email", "phone_number"] {
        // The alias keys follow who can sign in with the attribute: from sign-up on in
        // UsernameAttributes pools, once verified in AliasAttributes pools (§1.2, captured).
        if pool.signs_in_with(user, attr) {
            if let Some(value) = user.attribute(attr) {
                map.insert(format!("cognito:{attr}_alias"), Value::from(value));
            }
        }
    }
    map.insert(
        "cognito:user_status".into(),
        Value::from(user.status.as_str()),
    );
    for (name, value) in &user.attributes {
        map.insert(name.clone(), Value::from(value.as_str()));
    }
    map
}

/// Judges the answer of a trigger whose `response` Cognito does not read (PostConfirmation,
/// PreAuthentication, PostAuthentication): the output must still be an object with an object
/// `response` (ruling 1); what that object holds is ignored (ruling 2, §10.4).
pub(crate) fn response_ignored(
    source: TriggerSource,
    payload: &Payload,
    accepted: &'static Rule,
) -> Verdict {
    match response_object(source, payload) {
        Ok(_) => Verdict::accepted(source, accepted),
        Err(verdict) => verdict,
    }
}
