//! The API calls that fire each fuzzed trigger source (cognito-semantics.md §FZ.2): what the user
//! looks like when Cognito builds the event, which channel the message takes, and the scenario
//! step that makes the same call through the real flow. The events come from the trigger
//! builders the service uses (`custom_message::event`, `pre_sign_up::event`), so they are the
//! events Cognito sends.

use serde_json::{json, Map, Value};

use super::case::Case;
use crate::pool::{DeliveryMedium, User, UserPool, UserStatus};
use crate::service::{recovery_channel, verification_channel};
use crate::trigger::samples::{SAMPLE_CLIENT_ID, SAMPLE_SUB};
use crate::trigger::{custom_message, pre_sign_up, Caller, TriggerSource};

/// The password the replayed SignUp uses (it meets Cognito's default policy).
pub const SIGN_UP_PASSWORD: &str = "Fuzz-Passw0rd!";

/// How a fuzzed source is fired.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Flow {
    /// SignUp's confirmation message (CustomMessage_SignUp).
    SignUpMessage,
    /// ResendConfirmationCode (CustomMessage_ResendCode).
    ResendCode,
    /// ForgotPassword (CustomMessage_ForgotPassword).
    ForgotPassword,
    /// AdminUpdateUserAttributes of a contact attribute (CustomMessage_UpdateUserAttribute).
    UpdateAttribute,
    /// SignUp's PreSignUp (PreSignUp_SignUp).
    PreSignUp,
}

/// What firing a case gives: the event, the message channel and the attributes the judge reads.
pub(crate) struct Fired {
    pub event: Value,
    pub medium: DeliveryMedium,
    pub attributes: Map<String, Value>,
}

impl Flow {
    /// The flow of a source, when fuzz generates events for it.
    pub fn of(source: TriggerSource) -> Option<Flow> {
        Some(match source {
            TriggerSource::CUSTOM_MESSAGE_SIGN_UP => Flow::SignUpMessage,
            TriggerSource::CUSTOM_MESSAGE_RESEND_CODE => Flow::ResendCode,
            TriggerSource::CUSTOM_MESSAGE_FORGOT_PASSWORD => Flow::ForgotPassword,
            TriggerSource::CUSTOM_MESSAGE_UPDATE_USER_ATTRIBUTE => Flow::UpdateAttribute,
            TriggerSource::PRE_SIGN_UP_SIGN_UP => Flow::PreSignUp,
            _ => return None,
        })
    }

    /// Why this pool cannot fire the flow, if it cannot.
    pub fn unsupported_in(self, pool: &UserPool) -> Option<&'static str> {
        let config = &pool.config;
        let signs_up = matches!(self, Flow::SignUpMessage | Flow::PreSignUp);
        if signs_up
            && config
                .username_attributes
                .as_deref()
                .is_some_and(|a| !a.is_empty())
        {
            return Some(
                "the pool signs in with UsernameAttributes (usernames are generated there)",
            );
        }
        let admin_only = config
            .admin_create_user_config
            .as_ref()
            .and_then(|c| c.allow_admin_create_user_only)
            == Some(true);
        if signs_up && admin_only {
            return Some("the pool allows only administrators to create users");
        }
        let verifies = config.auto_verifies("email") || config.auto_verifies("phone_number");
        if matches!(
            self,
            Flow::SignUpMessage | Flow::ResendCode | Flow::UpdateAttribute
        ) && !verifies
        {
            return Some("the pool verifies neither email nor phone_number (AutoVerifiedAttributes), so no code is sent");
        }
        None
    }

    /// Whether the user needs an email or a phone number for the call to send anything.
    pub fn needs_contact(self) -> bool {
        self != Flow::PreSignUp
    }

    /// Whether the scenario seeds the user before the call (else the call creates it).
    pub fn seeds_user(self) -> bool {
        matches!(
            self,
            Flow::ResendCode | Flow::ForgotPassword | Flow::UpdateAttribute
        )
    }

    /// Whether the seeded user's contact attributes are verified (a confirmed user).
    pub fn verified_contacts(self) -> bool {
        matches!(self, Flow::ForgotPassword | Flow::UpdateAttribute)
    }

    fn status(self) -> UserStatus {
        match self {
            Flow::ResendCode | Flow::SignUpMessage | Flow::PreSignUp => UserStatus::Unconfirmed,
            Flow::ForgotPassword | Flow::UpdateAttribute => UserStatus::Confirmed,
        }
    }

    /// The event the call sends for `case`, or `None` when the call sends none (no channel).
    pub fn fire(self, pool: &UserPool, case: &Case) -> Option<Fired> {
        let metadata = case.metadata_map();
        let client = Caller::Client(SAMPLE_CLIENT_ID);
        let mut user = User::new(case.username.as_str());
        user.sub = SAMPLE_SUB.to_string();
        user.status = self.status();
        for (name, value) in &case.attributes {
            if !value.is_empty() {
                user.attributes.insert(name.clone(), value.clone());
            }
        }
        let message = |user: &User, medium: DeliveryMedium, caller| Fired {
            event: custom_message::event(pool, case.source, user, caller, metadata.as_ref()),
            medium,
            attributes: Map::new(),
        };
        match self {
            Flow::UpdateAttribute => {
                // The event shows the user as stored after the update (§2.3, ruling 5).
                let (attr, value) = case.change.as_ref()?;
                if !pool.config.requires_verification_before_update(attr) {
                    user.attributes.insert(attr.clone(), value.clone());
                    user.attributes
                        .insert(format!("{attr}_verified"), "false".to_string());
                }
                let medium = if attr == "email" {
                    DeliveryMedium::Email
                } else {
                    DeliveryMedium::Sms
                };
                Some(message(&user, medium, Caller::Admin))
            }
            Flow::ForgotPassword => {
                let medium = recovery_channel(pool, &user)?;
                Some(message(&user, medium, client))
            }
            Flow::ResendCode => {
                let medium = verification_channel(pool, &user)?;
                Some(message(&user, medium, client))
            }
            Flow::SignUpMessage => {
                // As SignUp stores the user: its contact attributes unverified (§3.5).
                for attr in ["email", "phone_number"] {
                    let flag = format!("{attr}_verified");
                    if user.attributes.contains_key(attr) && !user.attributes.contains_key(&flag) {
                        user.attributes.insert(flag, "false".to_string());
                    }
                }
                let medium = verification_channel(pool, &user)?;
                Some(message(&user, medium, client))
            }
            Flow::PreSignUp => {
                let supplied: Map<String, Value> = user
                    .attributes
                    .iter()
                    .map(|(n, v)| (n.clone(), Value::from(v.as_str())))
                    .collect();
                let event = pre_sign_up::event(
                    pool,
                    case.source,
                    &case.username,
                    client,
                    supplied.clone(),
                    None,
                    metadata.as_ref(),
                );
                Some(Fired {
                    event,
                    medium: DeliveryMedium::Email,
                    attributes: supplied,
                })
            }
        }
    }

    /// The seeded users and the step that make the same call through the real flow; the step
    /// expects `expect`.
    pub fn scenario_parts(self, case: &Case, expect: Value) -> (Vec<Value>, Value) {
        let attribute = |(n, v): &(String, String)| json!({"Name": n, "Value": v});
        let mut request = Map::new();
        let users = if self.seeds_user() {
            let mut attributes = vec![json!({"Name": "sub", "Value": SAMPLE_SUB})];
            attributes.extend(case.attributes.iter().map(attribute));
            vec![json!({
                "Username": case.username,
                "UserAttributes": attributes,
                "UserStatus": self.status().as_str(),
            })]
        } else {
            Vec::new()
        };
        let action = match self {
            Flow::UpdateAttribute => {
                request.insert("UserPoolId".into(), json!("$pool"));
                request.insert("Username".into(), escaped(&case.username));
                let change: Vec<Value> = case.change.iter().map(attribute).collect();
                request.insert("UserAttributes".into(), Value::Array(change));
                "AdminUpdateUserAttributes"
            }
            Flow::ForgotPassword | Flow::ResendCode => {
                request.insert("ClientId".into(), json!("$client"));
                request.insert("Username".into(), escaped(&case.username));
                if self == Flow::ForgotPassword {
                    "ForgotPassword"
                } else {
                    "ResendConfirmationCode"
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
        };
        if let Some(entries) = &case.client_metadata {
            let metadata: Map<String, Value> = entries
                .iter()
                .map(|(k, v)| (k.clone(), escaped(v)))
                .collect();
            request.insert("ClientMetadata".into(), Value::Object(metadata));
        }
        escape_all(&mut request);
        let step = json!({"action": action, "request": request, "expect": expect});
        (users, step)
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
