//! Machinery the sign-up and code flows share: Cognito's clock, finding a pool by app client,
//! running PreSignUp, planning messages, and the run-triggers-then-commit step.

use std::sync::atomic::Ordering;

use serde_json::{Map, Value};

use super::validate::{string_map_member, string_member, Validator};
use super::validate::{CLIENT_ID_RULE, USERNAME_RULE, USER_POOL_ID_RULE};
use super::{lock, Cognito, Outcome, PlannedMessage, PoolHandle, TriggerRun};
use crate::error::{CognitoError, ErrorCode};
use crate::events::{self, Caller, TriggerSource};
use crate::function::Invoked;
use crate::judge::pre_sign_up::{self, PreSignUpFlags};
use crate::judge::{self, Decision};
use crate::pool::{CodePurpose, DeliveryMedium, IssuedCode, Message, User, UserPool};

/// How long codes stay valid (DG-VERIF: 24 h for confirmation and verification codes; 1 h for
/// password-reset codes).
pub(crate) const CONFIRMATION_CODE_SECONDS: u64 = 24 * 3600;
pub(crate) const RESET_CODE_SECONDS: u64 = 3600;
/// Sign-in codes are short-lived (3 minutes for SMS/e-mail MFA codes; assumed).
pub(crate) const AUTHENTICATION_CODE_SECONDS: u64 = 180;

/// What a code sent for `source` is for, and how long it stays valid.
pub(crate) fn code_purpose(source: TriggerSource, medium: DeliveryMedium) -> (CodePurpose, u64) {
    match source {
        TriggerSource::CustomMessageForgotPassword => {
            (CodePurpose::ForgotPassword, RESET_CODE_SECONDS)
        }
        TriggerSource::CustomMessageAuthentication => {
            (CodePurpose::Authentication, AUTHENTICATION_CODE_SECONDS)
        }
        TriggerSource::CustomMessageUpdateUserAttribute
        | TriggerSource::CustomMessageVerifyUserAttribute => (
            CodePurpose::VerifyAttribute(medium.attribute().to_string()),
            CONFIRMATION_CODE_SECONDS,
        ),
        _ => (CodePurpose::ConfirmSignUp, CONFIRMATION_CODE_SECONDS),
    }
}

impl Cognito {
    /// Seconds since the epoch on Cognito's clock (real time plus [`Cognito::advance_clock`]).
    pub fn now(&self) -> u64 {
        crate::pool::now_seconds() as u64 + self.clock_offset.load(Ordering::Relaxed)
    }

    /// Moves Cognito's clock forward, e.g. to let codes expire in a test.
    pub fn advance_clock(&self, seconds: u64) {
        self.clock_offset.fetch_add(seconds, Ordering::Relaxed);
    }

    /// The pool an app client belongs to, or ResourceNotFoundException.
    pub(crate) fn pool_for_client(&self, client_id: &str) -> Result<PoolHandle, CognitoError> {
        let pools: Vec<PoolHandle> = self
            .pools
            .read()
            .expect("pool registry")
            .values()
            .cloned()
            .collect();
        pools
            .into_iter()
            .find(|p| lock(p).client(client_id).is_some())
            .ok_or_else(|| {
                CognitoError::new(
                    ErrorCode::ResourceNotFoundException,
                    format!("User pool client {client_id} does not exist."),
                )
            })
    }

    /// Runs the pool's PreSignUp trigger, if any, and judges it (§3.5). `Ok` carries the run (None
    /// without a trigger) and the flags to apply; `Err` the run whose verdict rejects the sign-up.
    pub(crate) async fn run_pre_sign_up(
        &self,
        source: TriggerSource,
        arn: Option<String>,
        event: Option<Value>,
        attributes_after: &Map<String, Value>,
    ) -> Result<(Option<TriggerRun>, PreSignUpFlags), Box<TriggerRun>> {
        let (Some(arn), Some(event)) = (arn, event) else {
            return Ok((None, PreSignUpFlags::default()));
        };
        let (verdict, flags, invocation) = match self.invoke(source, &arn, &event).await {
            Err(verdict) => (verdict, PreSignUpFlags::default(), None),
            Ok(invocation) => match judge::judge_failure(source, &invocation) {
                Some(verdict) => (verdict, PreSignUpFlags::default(), Some(invocation)),
                None => {
                    let Invoked::Output(payload) = &invocation.result else {
                        unreachable!("judge_failure handles the rest")
                    };
                    let (verdict, flags) =
                        pre_sign_up::judge_output(source, payload, attributes_after);
                    (verdict, flags, Some(invocation))
                }
            },
        };
        let accepted = verdict.is_accepted();
        let run = TriggerRun {
            trigger_source: source,
            arn: Some(arn),
            event: Some(event),
            invocation,
            verdict,
        };
        if accepted {
            Ok((Some(run), flags))
        } else {
            Err(Box::new(run))
        }
    }

    /// Runs the CustomMessage triggers of `messages`, judges them, and when all are accepted calls
    /// `commit` under the pool's lock and delivers the messages. Any rejection fails the call and
    /// changes nothing (ruling 11).
    pub(crate) async fn send_and_commit(
        &self,
        outcome: &mut Outcome,
        pool: &PoolHandle,
        messages: Vec<PlannedMessage>,
        commit: impl FnOnce(&mut UserPool, &[Message]) -> Result<Value, CognitoError>,
    ) {
        // Each message's trigger runs without the lock and is judged before the next one runs:
        // the first rejection ends the call.
        let mut delivered = Vec::with_capacity(messages.len());
        for message in messages {
            let ran = self.run_message_trigger(&message).await;
            let (run, sent) = message.judge(&lock(pool), ran);
            let failed = fail_with(outcome, run);
            delivered.extend(sent);
            if failed {
                return;
            }
        }
        let mut guard = lock(pool);
        match commit(&mut guard, &delivered) {
            Ok(response) => {
                for message in &delivered {
                    guard.deliver(message.clone());
                }
                outcome.result = Ok(response);
                outcome.delivered = delivered;
            }
            Err(e) => outcome.result = Err(e),
        }
    }
}

/// Records a trigger run in the outcome; when its verdict rejects the call, sets the exception and
/// returns true.
pub(crate) fn fail_with(outcome: &mut Outcome, run: TriggerRun) -> bool {
    outcome
        .warnings
        .extend(run.verdict.warnings.iter().cloned());
    let error = match &run.verdict.decision {
        Decision::Accepted => None,
        Decision::Rejected(e) => Some(e.clone()),
        Decision::HarnessFailure(m) => Some(CognitoError::new(
            ErrorCode::InternalErrorException,
            format!("cognito-harness could not run the function: {m}"),
        )),
    };
    outcome.triggers.push(run);
    match error {
        Some(e) => {
            outcome.result = Err(e);
            true
        }
        None => false,
    }
}

/// Plans one CustomMessage: the event shows `user` as it will be stored.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan_message(
    pool: &UserPool,
    source: TriggerSource,
    medium: DeliveryMedium,
    user: &User,
    code: String,
    caller: Caller<'_>,
    client_metadata: Option<&Map<String, Value>>,
) -> Option<PlannedMessage> {
    let destination = user.attribute(medium.attribute())?.to_string();
    let arn = pool.config.custom_message_arn().map(str::to_string);
    let link = judge::custom_message::uses_link(&pool.config, source)
        .then(|| confirmation_link(pool, user, caller, &code));
    Some(PlannedMessage {
        source,
        medium,
        username: user.username.clone(),
        destination,
        event: arn
            .as_ref()
            .map(|_| events::custom_message(pool, source, user, caller, client_metadata)),
        arn,
        code,
        link,
    })
}

/// The link a `{##…##}` marker becomes for link-style confirmation (the managed-login
/// `confirmUser` endpoint; the domain is a placeholder).
fn confirmation_link(pool: &UserPool, user: &User, caller: Caller<'_>, code: &str) -> String {
    let client_id = match caller {
        Caller::Client(id) => id,
        Caller::Admin => events::CLIENT_ID_NOT_APPLICABLE,
    };
    format!(
        "https://example.auth.{}.amazoncognito.com/confirmUser?client_id={client_id}&user_name={}&confirmation_code={code}",
        pool.region, user.username
    )
}

/// The channel a confirmation code goes out on: the verified-on-sign-up attributes the pool lists
/// (AutoVerifiedAttributes), phone first when both are listed and present (assumed).
pub(crate) fn verification_channel(pool: &UserPool, user: &User) -> Option<DeliveryMedium> {
    [DeliveryMedium::Sms, DeliveryMedium::Email]
        .into_iter()
        .find(|m| {
            pool.config.auto_verifies(m.attribute())
                && user.attribute(m.attribute()).is_some_and(|v| !v.is_empty())
        })
}

/// The channel a password-reset code goes out on: a verified e-mail or phone number, in the
/// order of AccountRecoverySetting (default: e-mail, then phone).
pub(crate) fn recovery_channel(pool: &UserPool, user: &User) -> Option<DeliveryMedium> {
    let mechanisms: Vec<String> = pool
        .config
        .account_recovery_setting
        .as_ref()
        .and_then(|s| s.recovery_mechanisms.clone())
        .map(|mut list| {
            list.sort_by_key(|m| m.priority.unwrap_or(i64::MAX));
            list.into_iter().filter_map(|m| m.name).collect()
        })
        .unwrap_or_else(|| vec!["verified_email".into(), "verified_phone_number".into()]);
    mechanisms.iter().find_map(|m| {
        let medium = match m.as_str() {
            "verified_email" => DeliveryMedium::Email,
            "verified_phone_number" => DeliveryMedium::Sms,
            _ => return None,
        };
        user.is_verified(medium.attribute()).then_some(medium)
    })
}

/// Remembers a code sent for `purpose`.
pub(crate) fn remember_code(
    user: &mut User,
    purpose: CodePurpose,
    code: &str,
    now: u64,
    lifetime: u64,
) {
    user.codes.insert(
        purpose,
        IssuedCode {
            code: code.to_string(),
            expires_at: now + lifetime,
        },
    );
}

/// Checks a code the user typed: CodeMismatchException for a wrong one, ExpiredCodeException for
/// an expired or never-issued one. A used code is forgotten.
pub(crate) fn consume_code(
    user: &mut User,
    purpose: &CodePurpose,
    code: &str,
    now: u64,
) -> Result<(), CognitoError> {
    let Some(issued) = user.codes.get(purpose) else {
        return Err(expired_code());
    };
    if issued.code != code {
        return Err(CognitoError::new(
            ErrorCode::CodeMismatchException,
            "Invalid verification code provided, please try again.",
        ));
    }
    if issued.expires_at < now {
        return Err(expired_code());
    }
    user.codes.remove(purpose);
    Ok(())
}

fn expired_code() -> CognitoError {
    CognitoError::new(
        ErrorCode::ExpiredCodeException,
        "Invalid code provided, please request a code again.",
    )
}

/// `[{"Name", "Value"}]` request lists (UserAttributes, ValidationData) as a map, later entries
/// winning; shape errors are the protocol's.
pub(crate) fn name_value_list(
    request: &Value,
    member: &str,
) -> Result<Option<Map<String, Value>>, CognitoError> {
    let Some(list) = request.get(member).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let Some(items) = list.as_array() else {
        return Err(super::validate::serialization_error(member, "list"));
    };
    let mut map = Map::new();
    for item in items {
        let name = item.get("Name").and_then(Value::as_str);
        let value = match item.get("Value") {
            None | Some(Value::Null) => Some(""),
            Some(v) => v.as_str(),
        };
        match (item.is_object(), name, value) {
            (true, Some(n), Some(v)) => {
                map.insert(n.to_string(), Value::from(v));
            }
            _ => {
                return Err(super::validate::serialization_error(
                    member,
                    "list of {Name, Value} strings",
                ))
            }
        }
    }
    Ok(Some(map))
}

/// The `{"Destination", "DeliveryMedium", "AttributeName"}` of the first delivered message.
pub(crate) fn first_delivery(delivered: &[Message]) -> Option<Value> {
    delivered.first().map(super::code_delivery_details)
}

/// The members most user-facing actions share: `ClientId` (or `UserPoolId`), `Username` and
/// `ClientMetadata`, validated and resolved to the pool.
pub(crate) struct UserRequest {
    pub pool: PoolHandle,
    /// The app client for client-side calls; `None` for admin calls.
    pub client_id: Option<String>,
    pub username: String,
    pub metadata: Option<Map<String, Value>>,
}

impl UserRequest {
    pub fn caller(&self) -> Caller<'_> {
        self.client_id
            .as_deref()
            .map_or(Caller::Admin, Caller::Client)
    }

    /// The user-not-found exception for this kind of call: client-side calls do not say whether
    /// the user or the client was wrong.
    pub fn user_not_found(&self) -> CognitoError {
        match self.client_id {
            Some(_) => super::sign_up::client_user_not_found(),
            None => super::user_not_found(),
        }
    }
}

impl Cognito {
    /// Reads `ClientId`, `Username`, `ClientMetadata` of a client-side call; `extra` validates the
    /// action's other members in the same Coral message.
    pub(crate) fn client_user_request(
        &self,
        request: &Value,
        extra: impl FnOnce(&mut Validator) -> Result<(), CognitoError>,
    ) -> Result<UserRequest, CognitoError> {
        let client_id = string_member(request, "ClientId")?;
        let username = string_member(request, "Username")?;
        let metadata = string_map_member(request, "ClientMetadata")?.cloned();
        let mut v = Validator::new();
        v.required_string("clientId", client_id, CLIENT_ID_RULE);
        v.required_string("username", username, USERNAME_RULE);
        extra(&mut v)?;
        v.finish()?;
        let client_id = client_id.unwrap_or_default();
        Ok(UserRequest {
            pool: self.pool_for_client(client_id)?,
            client_id: Some(client_id.to_string()),
            username: username.unwrap_or_default().to_string(),
            metadata,
        })
    }

    /// Reads `UserPoolId`, `Username`, `ClientMetadata` of an admin call.
    pub(crate) fn admin_user_request(
        &self,
        request: &Value,
        extra: impl FnOnce(&mut Validator) -> Result<(), CognitoError>,
    ) -> Result<UserRequest, CognitoError> {
        let pool_id = string_member(request, "UserPoolId")?;
        let username = string_member(request, "Username")?;
        let metadata = string_map_member(request, "ClientMetadata")?.cloned();
        let mut v = Validator::new();
        v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
        v.required_string("username", username, USERNAME_RULE);
        extra(&mut v)?;
        v.finish()?;
        Ok(UserRequest {
            pool: self.require_pool(pool_id.unwrap_or_default())?,
            client_id: None,
            username: username.unwrap_or_default().to_string(),
            metadata,
        })
    }

    /// Sends one planned code message and, when Cognito accepts it, remembers the code (for the
    /// purpose and lifetime its source implies) and answers `{"CodeDeliveryDetails": ...}`;
    /// `update` may change the user in the same commit. A planning error is the call's answer.
    pub(crate) async fn send_code(
        &self,
        action: &str,
        planned: Result<(PoolHandle, PlannedMessage), CognitoError>,
        update: impl FnOnce(&mut User),
    ) -> Outcome {
        let (pool, message) = match planned {
            Ok(p) => p,
            Err(e) => return Outcome::new(action, Err(e)),
        };
        let (purpose, lifetime) = code_purpose(message.source, message.medium);
        let pool = &pool;
        let mut outcome = Outcome::new(action, Ok(Value::Object(Map::new())));
        let username = message.username.clone();
        let now = self.now();
        self.send_and_commit(&mut outcome, pool, vec![message], |pool, delivered| {
            let user = pool
                .find_user_mut(&username)
                .ok_or_else(super::user_not_found)?;
            if let Some(code) = delivered.first().and_then(|m| m.code.as_deref()) {
                remember_code(user, purpose, code, now, lifetime);
            }
            update(user);
            Ok(serde_json::json!({ "CodeDeliveryDetails": first_delivery(delivered) }))
        })
        .await;
        outcome
    }
}
