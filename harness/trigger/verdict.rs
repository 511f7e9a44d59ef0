//! Cognito's verdict on one trigger invocation: what it decided and the rule behind it.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::rules::Rule;
use super::TriggerSource;
use crate::model::cognito_error::CognitoError;

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
    /// The trigger source of the invocation judged.
    pub trigger_source: TriggerSource,
    /// What Cognito decided.
    pub decision: Decision,
    /// The rule that decided it.
    pub rule: &'static Rule,
    /// What in the function's answer led to the verdict, for reports.
    pub detail: Option<String>,
    /// Things Cognito accepts today that a user should know about (e.g. ruling 7).
    pub warnings: Vec<String>,
}

impl Verdict {
    /// Cognito accepts the answer, by `rule`.
    pub fn accepted(source: TriggerSource, rule: &'static Rule) -> Self {
        Verdict {
            trigger_source: source,
            decision: Decision::Accepted,
            rule,
            detail: None,
            warnings: Vec::new(),
        }
    }

    /// Cognito fails the call with `error`, by `rule`.
    pub fn rejected(source: TriggerSource, rule: &'static Rule, error: CognitoError) -> Self {
        Verdict {
            trigger_source: source,
            decision: Decision::Rejected(error),
            rule,
            detail: None,
            warnings: Vec::new(),
        }
    }

    /// Adds what in the answer led to the verdict.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Whether Cognito accepts the answer.
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
}

/// The verdict as reports and `invoke` show it: `{"triggerSource", "rule", "grade", "reference",
/// "outcome", "message"?, "detail"?, "warnings"?}`, in that order. `outcome` is `success`, the
/// exception name, or `harness-failure`; `message` is the exception's text or why the harness could
/// not run the function.
impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("triggerSource", self.trigger_source.name())?;
        map.serialize_entry("rule", self.rule.id)?;
        map.serialize_entry("grade", self.rule.grade.as_str())?;
        map.serialize_entry("reference", self.rule.reference)?;
        match &self.decision {
            Decision::Accepted => map.serialize_entry("outcome", "success")?,
            Decision::Rejected(e) => {
                map.serialize_entry("outcome", e.code.name())?;
                map.serialize_entry("message", &e.message)?;
            }
            Decision::HarnessFailure(m) => {
                map.serialize_entry("outcome", "harness-failure")?;
                map.serialize_entry("message", m)?;
            }
        }
        if let Some(d) = &self.detail {
            map.serialize_entry("detail", d)?;
        }
        if !self.warnings.is_empty() {
            map.serialize_entry("warnings", &self.warnings)?;
        }
        map.end()
    }
}
