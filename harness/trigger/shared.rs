//! What every trigger shares: the event envelope (§1.1) and the rules that do not depend on the
//! trigger's kind: a function error, a timeout, a missing function, output that is not a usable
//! object (§3.1–§3.3, ruling 1).

use serde_json::{Map, Value};

use super::rules::{rule, Rule};
use super::{Caller, TriggerSource, Verdict};
use crate::function::{Invocation, Invoked, Payload};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::pool::{User, UserPool};

/// `callerContext.clientId` for admin (IAM-authorised) API calls (§1.1).
pub const CLIENT_ID_NOT_APPLICABLE: &str = "CLIENT_ID_NOT_APPLICABLE";
/// `callerContext.awsSdkVersion` when the caller's SDK is unknown (§1.1).
pub const AWS_SDK_UNKNOWN: &str = "aws-sdk-unknown-unknown";

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

/// The rules every trigger kind shares.
pub static RULES: [&Rule; 7] = [
    &FUNCTION_ERROR,
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
            Verdict::rejected(source, function_error, error).with_detail(detail)
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
) -> Result<Map<String, Value>, Verdict> {
    let parsed = match payload {
        Payload::Json(v) => Some(std::borrow::Cow::Borrowed(v)),
        Payload::Bytes(b) => serde_json::from_slice::<Value>(b)
            .ok()
            .map(std::borrow::Cow::Owned),
    };
    let Some(output) = parsed.filter(|v| v.is_object()) else {
        let error = CognitoError::new(
            ErrorCode::InvalidLambdaResponseException,
            "Invalid lambda function output : Invalid JSON",
        );
        let shown: String = payload.to_text().chars().take(200).collect();
        return Err(Verdict::rejected(source, &INVALID_JSON, error)
            .with_detail(format!("the function returned {shown}, not a JSON object")));
    };
    match output.get("response") {
        Some(Value::Object(response)) => Ok(response.clone()),
        other => Err(unrecognizable(
            source,
            match other {
                None => "the output has no `response`".to_string(),
                Some(v) => format!("`response` is {}, not an object", json_type(v)),
            },
        )),
    }
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
    caller_context.insert("awsSdkVersion".into(), Value::from(AWS_SDK_UNKNOWN));
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
