//! The scenario side of a flow (cognito-semantics.md §FZ.2, §FZ.4): the users a finding's scenario
//! seeds and the steps that make the fuzzed call through the real API, so `check` replays it.

use serde_json::{json, Map, Value};

use super::case::Case;
use super::flows::{Flow, SIGN_UP_PASSWORD};
use crate::trigger::samples::SAMPLE_SUB;

impl Flow {
    /// The seeded users and the steps that make the same call through the real flow; the last
    /// step makes the call that fires the source and expects `expect`, any step before it sets
    /// the call up and expects success.
    pub fn scenario_parts(self, case: &Case, expect: Value) -> (Vec<Value>, Vec<Value>) {
        let attribute = |(n, v): &(String, String)| json!({"Name": n, "Value": v});
        let users = if self.seeds_user() {
            let mut attributes = vec![json!({"Name": "sub", "Value": SAMPLE_SUB})];
            attributes.extend(case.attributes.iter().map(attribute));
            let mut user = json!({
                "Username": case.username,
                "UserAttributes": attributes,
                "UserStatus": self.status().as_str(),
            });
            if self.signs_in() {
                user["Password"] = json!(SIGN_UP_PASSWORD);
            }
            vec![user]
        } else {
            Vec::new()
        };
        let mut request = Map::new();
        let mut setup = Vec::new();
        let action = match self {
            Flow::UpdateAttribute => {
                request.insert("UserPoolId".into(), json!("$pool"));
                request.insert("Username".into(), escaped(&case.username));
                let change: Vec<Value> = case.change.iter().map(attribute).collect();
                request.insert("UserAttributes".into(), Value::Array(change));
                "AdminUpdateUserAttributes"
            }
            Flow::ForgotPassword | Flow::ResendCode | Flow::MigrateForgotPassword => {
                request.insert("ClientId".into(), json!("$client"));
                request.insert("Username".into(), escaped(&case.username));
                if self == Flow::ResendCode {
                    "ResendConfirmationCode"
                } else {
                    "ForgotPassword"
                }
            }
            Flow::SignUpMessage | Flow::PreSignUp => {
                request.insert("ClientId".into(), json!("$client"));
                request.insert("Username".into(), escaped(&case.username));
                request.insert("Password".into(), json!(SIGN_UP_PASSWORD));
                let supplied: Vec<Value> = case.attributes.iter().map(attribute).collect();
                request.insert("UserAttributes".into(), Value::Array(supplied));
                "SignUp"
            }
            Flow::ConfirmSignUp => {
                request.insert("UserPoolId".into(), json!("$pool"));
                request.insert("Username".into(), escaped(&case.username));
                "AdminConfirmSignUp"
            }
            Flow::ConfirmForgotPassword => {
                // The code ForgotPassword sends is the one ConfirmForgotPassword takes.
                setup.push(json!({
                    "action": "ForgotPassword",
                    "request": {"ClientId": "$client", "Username": escaped(&case.username)},
                    "expect": {"outcome": "success"},
                }));
                request.insert("ClientId".into(), json!("$client"));
                request.insert("Username".into(), escaped(&case.username));
                request.insert("ConfirmationCode".into(), reference("code", &case.username));
                request.insert("Password".into(), json!(SIGN_UP_PASSWORD));
                "ConfirmForgotPassword"
            }
            Flow::PreAuthentication
            | Flow::PostAuthentication
            | Flow::TokenGeneration
            | Flow::MigrateSignIn => {
                request.insert("ClientId".into(), json!("$client"));
                request.insert("AuthFlow".into(), json!("USER_PASSWORD_AUTH"));
                request.insert(
                    "AuthParameters".into(),
                    json!({"USERNAME": escaped(&case.username), "PASSWORD": SIGN_UP_PASSWORD}),
                );
                "InitiateAuth"
            }
            Flow::DefineAuthChallenge => {
                request.insert("ClientId".into(), json!("$client"));
                request.insert("AuthFlow".into(), json!("CUSTOM_AUTH"));
                request.insert(
                    "AuthParameters".into(),
                    json!({"USERNAME": escaped(&case.username)}),
                );
                "InitiateAuth"
            }
        };
        if let Some(entries) = &case.client_metadata {
            let metadata: Map<String, Value> = entries
                .iter()
                .map(|(k, v)| (k.clone(), escaped(v)))
                .collect();
            request.insert("ClientMetadata".into(), Value::Object(metadata));
        }
        escape_all(&mut request);
        setup.push(json!({"action": action, "request": request, "expect": expect}));
        (users, setup)
    }
}

/// A request string as scenario files write it: a leading `$` doubled, so it is not read as a
/// reference (`$pool`, `$client`, ...).
fn escaped(s: &str) -> Value {
    if s.starts_with('$') {
        Value::from(format!("${s}"))
    } else {
        Value::from(s)
    }
}

/// A reference to something of a user's (`$code.<username>`).
fn reference(kind: &str, username: &str) -> Value {
    Value::from(format!("${kind}.{username}"))
}

/// Escapes the attribute values of a request (names and references are written as they are).
fn escape_all(request: &mut Map<String, Value>) {
    if let Some(Value::Array(items)) = request.get_mut("UserAttributes") {
        for item in items {
            if let Some(Value::String(v)) = item.get("Value").cloned() {
                item["Value"] = escaped(&v);
            }
        }
    }
}
