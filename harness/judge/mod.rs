//! Cognito's verdict on a trigger's answer. Every verdict names the rule that decided it and how
//! well that rule is evidenced (cognito-semantics.md: documented, observed, or one of our rulings).

pub mod custom_message;
pub mod pre_sign_up;
pub mod rules;

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{CognitoError, ErrorCode};
use crate::events::{Trigger, TriggerSource};
use crate::function::{Invocation, Invoked, Payload};

pub use rules::Rule;

/// How well a rule is evidenced.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Grade {
    /// AWS documentation or the service model.
    Documented,
    /// Seen against real Cognito and reported publicly.
    Observed,
    /// One of the reference's rulings or inferences: our best guess where sources are silent.
    Assumed,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Documented => "documented",
            Grade::Observed => "observed",
            Grade::Assumed => "assumed",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What Cognito decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Cognito accepts the answer and carries on.
    Accepted,
    /// Cognito fails the API call with this exception.
    Rejected(CognitoError),
    /// The harness could not run the function at all (not a Cognito behaviour).
    HarnessFailure(String),
}

/// Cognito's verdict on one trigger invocation, with the rule behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub trigger_source: TriggerSource,
    pub decision: Decision,
    pub rule: &'static Rule,
    /// What in the function's answer led to the verdict, for reports.
    pub detail: Option<String>,
    /// Things Cognito accepts today that a user should know about (e.g. ruling 7).
    pub warnings: Vec<String>,
}

impl Verdict {
    pub fn accepted(source: TriggerSource, rule: &'static Rule) -> Self {
        Verdict {
            trigger_source: source,
            decision: Decision::Accepted,
            rule,
            detail: None,
            warnings: Vec::new(),
        }
    }

    pub fn rejected(source: TriggerSource, rule: &'static Rule, error: CognitoError) -> Self {
        Verdict {
            trigger_source: source,
            decision: Decision::Rejected(error),
            rule,
            detail: None,
            warnings: Vec::new(),
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn is_accepted(&self) -> bool {
        self.decision == Decision::Accepted
    }

    /// The exception, when Cognito rejects the call.
    pub fn error(&self) -> Option<&CognitoError> {
        match &self.decision {
            Decision::Rejected(e) => Some(e),
            _ => None,
        }
    }

    /// The verdict as JSON, for reports and the JSON output format.
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::json!({
            "triggerSource": self.trigger_source.name(),
            "rule": self.rule.id,
            "grade": self.rule.grade.as_str(),
            "reference": self.rule.reference,
        });
        match &self.decision {
            Decision::Accepted => v["outcome"] = "success".into(),
            Decision::Rejected(e) => {
                v["outcome"] = e.code.name().into();
                v["message"] = e.message.clone().into();
            }
            Decision::HarnessFailure(m) => {
                v["outcome"] = "harness-failure".into();
                v["message"] = m.clone().into();
            }
        }
        if let Some(d) = &self.detail {
            v["detail"] = d.clone().into();
        }
        if !self.warnings.is_empty() {
            v["warnings"] = self.warnings.clone().into();
        }
        v
    }
}

/// Verdicts that do not depend on the trigger's output: the function failed, timed out, was not
/// there, or could not be run. `None` when the function returned a payload.
pub fn judge_failure(source: TriggerSource, invocation: &Invocation) -> Option<Verdict> {
    let trigger = source.trigger();
    let name = trigger.name();
    Some(match &invocation.result {
        Invoked::Output(_) => return None,
        Invoked::Error(e) => {
            let rule = match trigger {
                Trigger::CustomMessage => &rules::CUSTOM_MESSAGE_FUNCTION_ERROR,
                Trigger::PreSignUp => &rules::FUNCTION_ERROR,
            };
            let error = CognitoError::new(
                ErrorCode::UserLambdaValidationException,
                format!("{name} failed with error {}.", e.error_message),
            );
            let detail = if e.error_type.is_empty() {
                "function error".to_string()
            } else {
                format!("function error {}", e.error_type)
            };
            Verdict::rejected(source, rule, error).with_detail(detail)
        }
        Invoked::TimedOut => {
            let error = CognitoError::new(
                ErrorCode::UnexpectedLambdaException,
                format!("{name} invocation failed due to error Socket timeout while invoking Lambda function."),
            );
            Verdict::rejected(source, &rules::TIMEOUT, error).with_detail(format!(
                "no answer within the deadline after {} attempt(s)",
                invocation.attempts
            ))
        }
        Invoked::Unavailable(message) => Verdict {
            trigger_source: source,
            decision: Decision::HarnessFailure(message.clone()),
            rule: &rules::HARNESS_UNAVAILABLE,
            detail: None,
            warnings: Vec::new(),
        },
    })
}

/// The verdict for a LambdaConfig ARN that no function answers to: Lambda's AccessDenied (§3.3).
pub fn judge_missing_function(source: TriggerSource, arn: &str) -> Verdict {
    let error = CognitoError::new(
        ErrorCode::UnexpectedLambdaException,
        format!(
            "{} invocation failed due to error AccessDeniedException.",
            source.trigger().name()
        ),
    );
    Verdict::rejected(source, &rules::ACCESS_DENIED, error)
        .with_detail(format!("no function is bound to {arn}"))
}

/// Reads the `response` object out of a function's output (ruling 1): `null`, non-JSON or a
/// non-object is "Invalid JSON"; an object without an object `response` is "Unrecognizable".
pub fn response_object(
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
        return Err(Verdict::rejected(source, &rules::INVALID_JSON, error)
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
pub fn unrecognizable(source: TriggerSource, detail: impl Into<String>) -> Verdict {
    let error = CognitoError::new(
        ErrorCode::InvalidLambdaResponseException,
        "Unrecognizable lambda output",
    );
    Verdict::rejected(source, &rules::UNRECOGNIZABLE, error).with_detail(detail)
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
