//! What a step expects, and how an [`Outcome`] is matched against it. JSON values match as subsets
//! (assert_json_diff's inclusive mode): the actual value may hold more than the expectation names.

use assert_json_diff::{assert_json_matches_no_panic, CompareMode, Config};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::function::Invoked;
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::pool::{DeliveryMedium, Message};
use crate::service::Outcome;

/// `expect` as written in the file.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectFile {
    /// `success`, or the exception the caller gets.
    outcome: Option<String>,
    /// A string matches the error text exactly; an object matches a message the step delivered
    /// (a subset; `{####}` stands for the code it carried); an array matches every delivered
    /// message in order (`[]`: none was).
    message: Option<Value>,
    /// A subset of the API response body.
    response: Option<Value>,
    /// Texts each of which some warning of the call contains.
    #[serde(default)]
    warnings: Vec<String>,
    /// The id of the rule behind the verdict that decided the call.
    rule: Option<String>,
    /// The deciding function's error: its exact errorMessage (a string), or a subset of
    /// `{"errorType", "errorMessage"}`.
    #[serde(rename = "functionError")]
    function_error: Option<Value>,
}

/// The members of a delivered message as expectations see it ([`message_view`]).
pub(crate) const MESSAGE_KEYS: [&str; 8] = [
    "username",
    "deliveryMedium",
    "destination",
    "triggerSource",
    "emailSubject",
    "emailMessage",
    "smsMessage",
    "code",
];

/// `success`, or the exception the caller gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedOutcome {
    /// The call succeeds.
    Success,
    /// The call fails with this exception.
    Error(ErrorCode),
}

impl ExpectedOutcome {
    /// `success` or the exception name, as expectations spell it.
    pub fn name(self) -> &'static str {
        match self {
            ExpectedOutcome::Success => "success",
            ExpectedOutcome::Error(code) => code.name(),
        }
    }
}

/// A checked expectation.
#[derive(Clone, Debug, Default)]
pub struct Expect {
    /// `success` or the exception the caller gets.
    pub outcome: Option<ExpectedOutcome>,
    /// A string matches the error text exactly; an object matches a message the step delivered
    /// (as a subset of [`message_view`]); an array matches the delivered messages in order, one
    /// element per message (`[]`: nothing was delivered). In expected messages `{####}` stands for
    /// the code the message carried.
    pub message: Option<Value>,
    /// A subset of the API response body.
    pub response: Option<Value>,
    /// Texts each of which some warning of the call contains.
    pub warnings: Vec<String>,
    /// The id of the rule behind the verdict that decided the call.
    pub rule: Option<String>,
    /// What the deciding function's error must be: a string is its exact `errorMessage`, an
    /// object a subset of `{"errorType", "errorMessage"}`. So an import error cannot pass for the
    /// error a test meant the function to throw.
    pub function_error: Option<Value>,
}

impl ExpectFile {
    /// Checks names; `Err((key, message))` names the offending key of `expect`.
    pub(crate) fn check(self) -> Result<Expect, (String, String)> {
        let outcome = match &self.outcome {
            None => None,
            Some(s) => Some(super::parse_outcome(s).ok_or_else(|| {
                (
                    "outcome".to_string(),
                    format!("expected {}, not `{s}`", super::outcome_hint()),
                )
            })?),
        };
        if let Some(rule) = &self.rule {
            if !super::known_rule(rule) {
                let ids: Vec<&str> = crate::trigger::all_rules().map(|r| r.id).collect();
                return Err((
                    "rule".to_string(),
                    format!("expected a rule id ({}), not `{rule}`", ids.join(", ")),
                ));
            }
        }
        let message_objects: Vec<(String, &serde_json::Map<String, Value>)> = match &self.message {
            Some(Value::Object(o)) => vec![("message".to_string(), o)],
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.as_object().map(|o| (format!("message[{i}]"), o)))
                .collect(),
            _ => Vec::new(),
        };
        for (at, object) in message_objects {
            if let Some(key) = object.keys().find(|k| !MESSAGE_KEYS.contains(&k.as_str())) {
                return Err((
                    format!("{at}.{key}"),
                    format!(
                        "expected a member of a delivered message ({}), not `{key}`",
                        MESSAGE_KEYS.join(", ")
                    ),
                ));
            }
        }
        match &self.function_error {
            None | Some(Value::String(_)) => {}
            Some(Value::Object(o)) => {
                if let Some(key) = o.keys().find(|k| *k != "errorType" && *k != "errorMessage") {
                    return Err((
                        format!("functionError.{key}"),
                        format!("expected errorType or errorMessage, not `{key}`"),
                    ));
                }
            }
            Some(_) => {
                return Err((
                    "functionError".to_string(),
                    "expected the function's errorMessage (a string) or {\"errorType\", \"errorMessage\"}".to_string(),
                ))
            }
        }
        match &self.message {
            None | Some(Value::String(_)) | Some(Value::Object(_)) | Some(Value::Array(_)) => {}
            Some(_) => {
                return Err((
                    "message".to_string(),
                    "expected the error text (a string) or the delivered message (an object, or an array of them)".to_string(),
                ))
            }
        }
        Ok(Expect {
            outcome,
            message: self.message,
            response: self.response,
            warnings: self.warnings,
            rule: self.rule,
            function_error: self.function_error,
        })
    }
}

/// One expectation that was not met.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// Which part of `expect` (`outcome`, `message`, `response`, `warnings`, `rule`).
    pub field: &'static str,
    /// What `expect` asked for (for `warnings`: the texts no warning contained).
    pub expected: Value,
    /// What the call did instead.
    pub actual: Value,
    /// assert_json_diff's explanation, for JSON values.
    pub diff: Option<String>,
}

/// The outcome name of a call's result as expectations spell it: `success` or the exception name.
pub fn outcome_name(result: &Result<Value, CognitoError>) -> &'static str {
    match result {
        Ok(_) => "success",
        Err(e) => e.code.name(),
    }
}

/// Everything in `expect` that `outcome` does not meet.
pub fn check(expect: &Expect, outcome: &Outcome) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let actual_name = outcome_name(&outcome.result);
    if let Some(expected) = expect.outcome {
        if expected.name() != actual_name {
            let actual = match &outcome.result {
                Ok(_) => Value::from("success"),
                Err(e) => Value::from(format!("{}: {}", e.code, e.message)),
            };
            out.push(Mismatch {
                field: "outcome",
                expected: expected.name().into(),
                actual,
                diff: None,
            });
        }
    }
    if let Some(message) = &expect.message {
        if let Some(m) = check_message(message, outcome) {
            out.push(m);
        }
    }
    if let Some(response) = &expect.response {
        let actual = outcome.response().cloned().unwrap_or(Value::Null);
        if let Err(diff) = subset(response, &actual) {
            out.push(Mismatch {
                field: "response",
                expected: response.clone(),
                actual,
                diff: Some(diff),
            });
        }
    }
    let missing: Vec<&String> = expect
        .warnings
        .iter()
        .filter(|w| !outcome.warnings.iter().any(|a| a.contains(w.as_str())))
        .collect();
    if !missing.is_empty() {
        out.push(Mismatch {
            field: "warnings",
            expected: Value::from(missing.into_iter().cloned().collect::<Vec<_>>()),
            actual: Value::from(outcome.warnings.clone()),
            diff: None,
        });
    }
    if let Some(expected) = &expect.function_error {
        if let Some(m) = check_function_error(expected, outcome) {
            out.push(m);
        }
    }
    if let Some(rule) = &expect.rule {
        let actual = outcome.verdict().map(|v| v.rule.id);
        if actual != Some(rule.as_str()) {
            let actual = actual.map_or(Value::Null, Value::from);
            out.push(Mismatch {
                field: "rule",
                expected: Value::from(rule.clone()),
                actual,
                diff: None,
            });
        }
    }
    out
}

/// The deciding trigger run's function error against `expected`.
fn check_function_error(expected: &Value, outcome: &Outcome) -> Option<Mismatch> {
    let deciding = outcome
        .triggers
        .iter()
        .find(|t| !t.verdict.is_accepted())
        .or_else(|| outcome.triggers.last());
    let actual = deciding
        .and_then(|t| t.invocation.as_ref())
        .and_then(|i| match &i.result {
            Invoked::Error(e) => {
                Some(json!({"errorType": e.error_type, "errorMessage": e.error_message}))
            }
            _ => None,
        });
    let Some(actual) = actual else {
        return Some(Mismatch {
            field: "functionError",
            expected: expected.clone(),
            actual: Value::Null,
            diff: Some("no function returned an error".to_string()),
        });
    };
    let result = match expected {
        Value::String(text) => (actual["errorMessage"] != *text)
            .then(|| format!("errorMessage is {}", actual["errorMessage"])),
        _ => subset(expected, &actual).err(),
    };
    result.map(|diff| Mismatch {
        field: "functionError",
        expected: expected.clone(),
        actual,
        diff: Some(diff),
    })
}

fn check_message(expected: &Value, outcome: &Outcome) -> Option<Mismatch> {
    let delivered: Vec<Value> = outcome.delivered.iter().map(message_view).collect();
    match expected {
        Value::String(text) => {
            let actual = outcome.error().map(|e| e.message.as_str());
            (actual != Some(text.as_str())).then(|| Mismatch {
                field: "message",
                expected: expected.clone(),
                actual: actual.map_or(Value::Null, Value::from),
                diff: None,
            })
        }
        Value::Array(items) => {
            let expected_here = Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, e)| with_code(e, outcome.delivered.get(i)))
                    .collect(),
            );
            let actual = Value::Array(delivered);
            // The array names every message the step sent: `[]` means none was.
            let counted = if items.len() == outcome.delivered.len() {
                Ok(())
            } else {
                Err(format!(
                    "expected {} delivered message(s), {} were delivered",
                    items.len(),
                    outcome.delivered.len()
                ))
            };
            counted
                .and_then(|()| subset(&expected_here, &actual))
                .err()
                .map(|diff| Mismatch {
                    field: "message",
                    expected: expected.clone(),
                    actual,
                    diff: Some(diff),
                })
        }
        _ => {
            // Any delivered message may match; report the diff against the first.
            if delivered
                .iter()
                .zip(&outcome.delivered)
                .any(|(d, m)| subset(&with_code(expected, Some(m)), d).is_ok())
            {
                return None;
            }
            let actual = delivered.first().cloned().unwrap_or(Value::Null);
            let diff = match outcome.delivered.first() {
                None => "no message was delivered".to_string(),
                Some(first) => subset(&with_code(expected, Some(first)), &actual)
                    .err()
                    .unwrap_or_default(),
            };
            Some(Mismatch {
                field: "message",
                expected: expected.clone(),
                actual,
                diff: Some(diff),
            })
        }
    }
}

/// A delivered message as scenario expectations see it (and the JSON report shows it):
/// `{"username", "deliveryMedium", "destination", "triggerSource"}`, then `emailSubject` and
/// `emailMessage` for an email or `smsMessage` for an SMS, then `code` when it carries one.
pub fn message_view(message: &Message) -> Value {
    let mut v = json!({
        "username": message.username,
        "deliveryMedium": message.medium.as_str(),
        "destination": message.destination,
        "triggerSource": message.trigger_source,
    });
    match message.medium {
        DeliveryMedium::Email => {
            v["emailSubject"] = json!(message.subject);
            v["emailMessage"] = json!(message.body);
        }
        DeliveryMedium::Sms => v["smsMessage"] = json!(message.body),
    }
    if let Some(code) = &message.code {
        v["code"] = json!(code);
    }
    v
}

/// An expected message with every `{####}` in its strings replaced by the code `message` carried,
/// as Cognito replaces the code placeholder in what it sends (ruling 15): expectations can spell
/// out a whole message although the code is random.
fn with_code(expected: &Value, message: Option<&Message>) -> Value {
    let Some(code) = message.and_then(|m| m.code.as_deref()) else {
        return expected.clone();
    };
    match expected {
        Value::String(s) => Value::String(s.replace(CODE_PLACEHOLDER, code)),
        Value::Array(items) => items.iter().map(|i| with_code(i, message)).collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), with_code(v, message)))
            .collect(),
        other => other.clone(),
    }
}

/// What stands for the delivered code in an expected message.
pub const CODE_PLACEHOLDER: &str = "{####}";

/// `expected` is contained in `actual`.
fn subset(expected: &Value, actual: &Value) -> Result<(), String> {
    assert_json_matches_no_panic(actual, expected, Config::new(CompareMode::Inclusive))
}

/// Assertions for a trigger author's own tests, matching exactly as scenario expectations do. A
/// failed assertion panics with what was expected, what happened (with a JSON diff) and the
/// whole call as [`Outcome`]'s `Display` shows it: triggers, verdicts, rules, logs, messages.
impl Outcome {
    /// Asserts that the call succeeded; returns the response body.
    #[track_caller]
    pub fn assert_success(&self) -> &Value {
        self.assert_meets(&Expect {
            outcome: Some(ExpectedOutcome::Success),
            ..Expect::default()
        });
        self.response().expect("checked above")
    }

    /// Asserts that the call failed with `code` and exactly `message`.
    #[track_caller]
    pub fn assert_rejected(&self, code: ErrorCode, message: &str) {
        self.assert_meets(&Expect {
            outcome: Some(ExpectedOutcome::Error(code)),
            message: Some(Value::from(message)),
            ..Expect::default()
        });
    }

    /// Asserts that the call delivered a message matching `expected`: a subset of
    /// `{"username", "deliveryMedium", "destination", "triggerSource", "emailSubject",
    /// "emailMessage" | "smsMessage", "code"}`, where `{####}` stands for the code the message
    /// carried. An array names every message delivered, in order.
    #[track_caller]
    pub fn assert_message(&self, expected: Value) {
        self.assert_meets(&Expect {
            message: Some(expected),
            ..Expect::default()
        });
    }

    /// Asserts that the verdict deciding the call cites the rule `rule_id`
    /// (`custom-message.code-placeholder`).
    #[track_caller]
    pub fn assert_rule(&self, rule_id: &str) {
        self.assert_meets(&Expect {
            rule: Some(rule_id.to_string()),
            ..Expect::default()
        });
    }

    #[track_caller]
    fn assert_meets(&self, expect: &Expect) {
        let mismatches = check(expect, self);
        if !mismatches.is_empty() {
            panic!("{}", failure_report(self, &mismatches));
        }
    }
}

/// The text of a failed assertion.
fn failure_report(outcome: &Outcome, mismatches: &[Mismatch]) -> String {
    let mut text = format!("{} did not do what the test expected\n", outcome.action);
    for m in mismatches {
        text.push_str(&format!(
            "  {}:\n    expected: {}\n    actual:   {}\n",
            m.field, m.expected, m.actual
        ));
        if let Some(diff) = m.diff.as_deref().filter(|d| !d.is_empty()) {
            for line in diff.lines() {
                text.push_str(&format!("    | {line}\n"));
            }
        }
    }
    text.push_str("\nthe call:\n");
    text.push_str(&outcome.to_string());
    text
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sent(body: &str, code: Option<&str>) -> Message {
        Message {
            username: "bob".into(),
            medium: DeliveryMedium::Email,
            destination: "bob@example.com".into(),
            trigger_source: "CustomMessage_SignUp".into(),
            subject: Some("Welcome".into()),
            body: body.into(),
            code: code.map(str::to_string),
        }
    }

    fn expecting(message: Value) -> Expect {
        Expect {
            message: Some(message),
            ..Expect::default()
        }
    }

    fn fields(expect: &Expect, outcome: &Outcome) -> Vec<&'static str> {
        check(expect, outcome).iter().map(|m| m.field).collect()
    }

    #[test]
    fn the_code_placeholder_stands_for_the_code_each_message_carried() {
        let mut outcome = Outcome::new("SignUp", Ok(json!({})));
        outcome.delivered = vec![
            sent("Your code is 123456. Again: 123456", Some("123456")),
            sent("Your code is 654321.", Some("654321")),
        ];
        let both = json!({"emailMessage": "Your code is {####}. Again: {####}"});
        assert!(fields(&expecting(both), &outcome).is_empty());
        let second = json!({"emailMessage": "Your code is {####}."});
        assert!(fields(&expecting(second), &outcome).is_empty());
        let in_order = json!([{"emailMessage": "Your code is {####}. Again: {####}"},
                              {"emailMessage": "Your code is {####}."}]);
        assert!(fields(&expecting(in_order), &outcome).is_empty());
        // Each element gets its own message's code, not another's.
        let swapped = json!([{"emailMessage": "Your code is {####}."},
                             {"emailMessage": "Your code is {####}. Again: {####}"}]);
        assert_eq!(fields(&expecting(swapped), &outcome), ["message"]);
        let wrong_code = json!({"emailMessage": "Your code is 000000."});
        assert_eq!(fields(&expecting(wrong_code), &outcome), ["message"]);
    }

    #[test]
    fn without_a_code_the_placeholder_is_literal_text() {
        let mut outcome = Outcome::new("SignUp", Ok(json!({})));
        outcome.delivered = vec![sent("Keep {####} as is", None)];
        let literal = json!({"emailMessage": "Keep {####} as is"});
        assert!(fields(&expecting(literal), &outcome).is_empty());
    }

    #[test]
    fn an_array_names_every_delivered_message() {
        let mut outcome = Outcome::new("SignUp", Ok(json!({})));
        assert!(fields(&expecting(json!([])), &outcome).is_empty());
        outcome.delivered = vec![sent("Code 1", Some("1"))];
        let mismatches = check(&expecting(json!([])), &outcome);
        assert_eq!(mismatches.len(), 1);
        assert_eq!(
            mismatches[0].diff.as_deref(),
            Some("expected 0 delivered message(s), 1 were delivered")
        );
        let none_sent = Outcome::new("SignUp", Ok(json!({})));
        assert_eq!(
            fields(
                &expecting(json!([{"emailMessage": "Code {####}"}])),
                &none_sent
            ),
            ["message"]
        );
    }
}
