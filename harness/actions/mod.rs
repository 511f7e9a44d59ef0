//! The local Cognito service: one function per API action over the pools it holds. Actions take
//! the request body exactly as the AWS API does (PascalCase JSON) and answer with the API response
//! or exception, plus everything the triggers did ([`Outcome`]).
//!
//! Each action validates and plans under the pool's lock, runs triggers with the lock released,
//! then judges and commits under the lock again, applying only its own changes, so concurrent
//! calls lose no update and a failed trigger changes nothing (ruling 11).

pub mod admin_create_user;
pub mod attributes;
pub mod auth;
pub mod challenges;
pub mod flow;
pub mod passwords;
pub mod pool_admin;
pub mod pool_config;
pub mod sign_up;
pub mod simulated;
pub mod update_user_pool;
pub mod user_admin;
pub mod users;
pub mod validate;
pub mod verification;

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use serde_json::{Map, Value};

use crate::error::{CognitoError, ErrorCode};
use crate::events::TriggerSource;
use crate::function::{invoke_with_retries, Deadline, FunctionLookup, Functions, Invocation};
use crate::judge::{self, custom_message, Decision, Verdict};
use crate::pool::{DeliveryMedium, Message, UserPool};

/// A pool shared between concurrent calls.
pub type PoolHandle = Arc<Mutex<UserPool>>;

/// Everything one trigger invocation involved: the event sent, what the function did, the verdict.
#[derive(Clone, Debug)]
pub struct TriggerRun {
    pub trigger_source: TriggerSource,
    /// The LambdaConfig ARN (None when the pool has no such trigger and Cognito used its default).
    pub arn: Option<String>,
    pub event: Option<Value>,
    /// None when no function ran (no trigger configured, or none bound to the ARN).
    pub invocation: Option<Invocation>,
    pub verdict: Verdict,
}

/// The result of one API call replayed against the local pool.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub action: String,
    /// The API response body, or the exception the caller gets.
    pub result: Result<Value, CognitoError>,
    /// Triggers in the order they ran.
    pub triggers: Vec<TriggerRun>,
    /// What the call did that a user may not expect (e.g. settings UpdateUserPool reset).
    pub warnings: Vec<String>,
    /// Messages delivered by this call (also appended to the pool's outbox).
    pub delivered: Vec<Message>,
}

impl Outcome {
    pub fn new(action: &str, result: Result<Value, CognitoError>) -> Self {
        Outcome {
            action: action.to_string(),
            result,
            triggers: Vec::new(),
            warnings: Vec::new(),
            delivered: Vec::new(),
        }
    }

    pub fn is_success(&self) -> bool {
        self.result.is_ok()
    }

    pub fn response(&self) -> Option<&Value> {
        self.result.as_ref().ok()
    }

    pub fn error(&self) -> Option<&CognitoError> {
        self.result.as_ref().err()
    }

    /// The verdict that decided the call: the first rejecting one, else the last one.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.triggers
            .iter()
            .map(|t| &t.verdict)
            .find(|v| !v.is_accepted())
            .or_else(|| self.triggers.last().map(|t| &t.verdict))
    }

    /// Why the harness could not run a function, if that is what happened.
    pub fn harness_failure(&self) -> Option<&str> {
        self.triggers
            .iter()
            .find_map(|t| match &t.verdict.decision {
                Decision::HarnessFailure(m) => Some(m.as_str()),
                _ => None,
            })
    }
}

/// The local Cognito service: pools, the functions their triggers resolve to, and Cognito's deadline.
pub struct Cognito {
    pools: RwLock<HashMap<String, PoolHandle>>,
    functions: Arc<dyn FunctionLookup>,
    deadline: Deadline,
    /// Seconds added to the real clock (tests let codes expire).
    clock_offset: AtomicU64,
}

impl Default for Cognito {
    fn default() -> Self {
        Cognito::new(Functions::new())
    }
}

impl Cognito {
    /// A service whose triggers resolve through `functions`.
    pub fn new(functions: impl FunctionLookup + 'static) -> Self {
        Cognito {
            pools: RwLock::new(HashMap::new()),
            functions: Arc::new(functions),
            deadline: Deadline::default(),
            clock_offset: AtomicU64::new(0),
        }
    }

    /// Shares an existing lookup.
    pub fn with_lookup(functions: Arc<dyn FunctionLookup>) -> Self {
        Cognito {
            pools: RwLock::new(HashMap::new()),
            functions,
            deadline: Deadline::default(),
            clock_offset: AtomicU64::new(0),
        }
    }

    /// Changes how long Cognito waits for a trigger (default 5 s × 3 attempts).
    pub fn set_deadline(&mut self, deadline: Deadline) {
        self.deadline = deadline;
    }

    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// Adds a pool and returns its id.
    pub fn add_pool(&self, pool: UserPool) -> String {
        let id = pool.id.clone();
        self.pools
            .write()
            .expect("pool registry")
            .insert(id.clone(), Arc::new(Mutex::new(pool)));
        id
    }

    pub fn remove_pool(&self, id: &str) -> Option<PoolHandle> {
        self.pools.write().expect("pool registry").remove(id)
    }

    pub fn pool(&self, id: &str) -> Option<PoolHandle> {
        self.pools.read().expect("pool registry").get(id).cloned()
    }

    pub fn pool_ids(&self) -> Vec<String> {
        self.pools
            .read()
            .expect("pool registry")
            .keys()
            .cloned()
            .collect()
    }

    /// Reads a pool: `f` runs under its lock.
    pub fn with_pool<R>(&self, id: &str, f: impl FnOnce(&UserPool) -> R) -> Option<R> {
        let pool = self.pool(id)?;
        let guard = lock(&pool);
        Some(f(&guard))
    }

    /// Changes a pool directly (seeding users, clients): `f` runs under its lock, no triggers fire.
    pub fn with_pool_mut<R>(&self, id: &str, f: impl FnOnce(&mut UserPool) -> R) -> Option<R> {
        let pool = self.pool(id)?;
        let mut guard = lock(&pool);
        Some(f(&mut guard))
    }

    /// The code (or temporary password) in the last message delivered to `username`, for the next
    /// step of a flow (ConfirmSignUp, VerifyUserAttribute, ConfirmForgotPassword, ...).
    pub fn last_code(&self, pool_id: &str, username: &str) -> Option<String> {
        self.with_pool(pool_id, |p| {
            p.last_message_to(username).and_then(|m| m.code.clone())
        })
        .flatten()
    }

    /// Replays one API call: `action` is the operation name (`AdminUpdateUserAttributes`),
    /// `request` its body as the AWS API takes it.
    pub async fn call(&self, action: &str, request: &Value) -> Outcome {
        match action {
            "AdminUpdateUserAttributes" => self.admin_update_user_attributes(request).await,
            "UpdateUserAttributes" => self.update_user_attributes(request).await,
            "UpdateUserPool" => self.update_user_pool(request),
            "DescribeUserPool" => self.describe_user_pool(request),
            "CreateUserPool" => self.create_user_pool(request),
            "DeleteUserPool" => self.delete_user_pool(request),
            "CreateUserPoolClient" => self.create_user_pool_client(request),
            "DescribeUserPoolClient" => self.describe_user_pool_client(request),
            "SignUp" => self.sign_up(request).await,
            "ConfirmSignUp" => self.confirm_sign_up(request),
            "AdminConfirmSignUp" => self.admin_confirm_sign_up(request),
            "ResendConfirmationCode" => self.resend_confirmation_code(request).await,
            "AdminCreateUser" => self.admin_create_user(request).await,
            "ForgotPassword" => self.forgot_password(request).await,
            "ConfirmForgotPassword" => self.confirm_forgot_password(request),
            "AdminResetUserPassword" => self.admin_reset_user_password(request).await,
            "GetUserAttributeVerificationCode" => {
                self.get_user_attribute_verification_code(request).await
            }
            "VerifyUserAttribute" => self.verify_user_attribute(request),
            "AdminGetUser" => self.admin_get_user(request),
            // Simulated steps (not AWS operations): see actions/simulated.rs.
            "FederatedSignIn" => self.federated_sign_in(request).await,
            "SendAuthenticationCode" => self.send_authentication_code(request).await,
            "InitiateAuth" => self.initiate_auth(request),
            "AdminInitiateAuth" => self.admin_initiate_auth(request),
            "RespondToAuthChallenge" => self.respond_to_auth_challenge(request),
            "AdminRespondToAuthChallenge" => self.admin_respond_to_auth_challenge(request),
            "AdminSetUserPassword" => self.admin_set_user_password(request),
            "ListUsers" => self.list_users(request),
            "AdminDeleteUser" => self.admin_delete_user(request),
            _ => Outcome::new(action, Err(unknown_operation(action))),
        }
    }

    /// The pool named by a request's `UserPoolId`, or ResourceNotFoundException.
    pub(crate) fn require_pool(&self, id: &str) -> Result<PoolHandle, CognitoError> {
        self.pool(id).ok_or_else(|| pool_not_found(id))
    }

    /// The pool that issued an access token, with the grant, or NotAuthorizedException.
    pub(crate) fn pool_for_token(
        &self,
        token: &str,
    ) -> Result<(PoolHandle, crate::pool::AccessGrant), CognitoError> {
        let pools: Vec<PoolHandle> = self
            .pools
            .read()
            .expect("pool registry")
            .values()
            .cloned()
            .collect();
        for pool in pools {
            let grant = lock(&pool).access_grant(token).cloned();
            if let Some(grant) = grant {
                return Ok((pool, grant));
            }
        }
        Err(CognitoError::new(
            ErrorCode::NotAuthorizedException,
            "Invalid Access Token",
        ))
    }

    /// Runs the function behind `arn` for `event`, Cognito's way (deadline, attempts).
    pub(crate) async fn invoke(
        &self,
        source: TriggerSource,
        arn: &str,
        event: &Value,
    ) -> Result<Invocation, Verdict> {
        let Some(function) = self.functions.lookup(arn) else {
            return Err(judge::judge_missing_function(source, arn));
        };
        Ok(invoke_with_retries(function.as_ref(), event, arn, self.deadline).await)
    }

    /// Runs the CustomMessage trigger (if any) for a planned message.
    pub(crate) async fn run_message_trigger(
        &self,
        planned: &PlannedMessage,
    ) -> Option<Result<Invocation, Verdict>> {
        let (arn, event) = (planned.arn.as_deref()?, planned.event.as_ref()?);
        Some(self.invoke(planned.source, arn, event).await)
    }
}

/// A message Cognito is about to send, planned under the pool's lock.
#[derive(Clone, Debug)]
pub(crate) struct PlannedMessage {
    pub source: TriggerSource,
    pub medium: DeliveryMedium,
    pub username: String,
    pub destination: String,
    pub code: String,
    /// The CustomMessage ARN and the event for it, when the pool has the trigger.
    pub arn: Option<String>,
    pub event: Option<Value>,
    /// Where a `{##…##}` link points, for link-style verification.
    pub link: Option<String>,
}

impl PlannedMessage {
    /// Judges what the trigger did (or Cognito's template when there is none) and composes the
    /// message the user receives. `Err` carries the run with the rejecting verdict.
    pub fn judge(
        self,
        pool: &UserPool,
        ran: Option<Result<Invocation, Verdict>>,
    ) -> (TriggerRun, Option<Message>) {
        let (verdict, composed, invocation) = match ran {
            None => {
                let (verdict, composed) =
                    custom_message::without_trigger(&pool.config, self.source, self.medium);
                (verdict, Some(composed), None)
            }
            Some(Err(verdict)) => (verdict, None, None),
            Some(Ok(invocation)) => match judge::judge_failure(self.source, &invocation) {
                Some(verdict) => (verdict, None, Some(invocation)),
                None => {
                    let crate::function::Invoked::Output(payload) = &invocation.result else {
                        unreachable!()
                    };
                    let (verdict, composed) = custom_message::judge_output(
                        &pool.config,
                        self.source,
                        self.medium,
                        payload,
                    );
                    (verdict, composed, Some(invocation))
                }
            },
        };
        let message = composed.filter(|_| verdict.is_accepted()).map(|composed| {
            let (subject, body) = composed.substitute(
                self.source,
                &self.code,
                &self.username,
                self.link.as_deref(),
            );
            Message {
                username: self.username.clone(),
                medium: self.medium,
                destination: self.destination.clone(),
                trigger_source: self.source.name().to_string(),
                subject,
                body,
                code: Some(self.code.clone()),
            }
        });
        let run = TriggerRun {
            trigger_source: self.source,
            arn: self.arn,
            event: self.event,
            invocation,
            verdict,
        };
        (run, message)
    }
}

/// Locks a pool; a panic in another call while it held the lock does not make the pool unusable.
pub(crate) fn lock(pool: &PoolHandle) -> MutexGuard<'_, UserPool> {
    pool.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn pool_not_found(id: &str) -> CognitoError {
    CognitoError::new(
        ErrorCode::ResourceNotFoundException,
        format!("User pool {id} does not exist."),
    )
}

pub(crate) fn user_not_found() -> CognitoError {
    CognitoError::new(ErrorCode::UserNotFoundException, "User does not exist.")
}

pub(crate) fn unknown_operation(action: &str) -> CognitoError {
    CognitoError::new(
        ErrorCode::UnknownOperationException,
        format!("Unknown operation {action}"),
    )
}

/// A 6-digit code, as Cognito sends for confirmation and verification.
pub(crate) fn new_code() -> String {
    use rand::Rng as _;
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// A masked destination (ruling 16): `a***@e***` for e-mail, `+*******1234` for phone numbers.
pub fn mask_destination(medium: DeliveryMedium, destination: &str) -> String {
    match medium {
        DeliveryMedium::Email => {
            let (local, domain) = destination.split_once('@').unwrap_or((destination, ""));
            let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
            format!("{}***@{}***", first(local), first(domain))
        }
        DeliveryMedium::Sms => {
            let chars: Vec<char> = destination.chars().filter(|c| *c != '+').collect();
            let keep = chars.len().min(4);
            let tail: String = chars[chars.len() - keep..].iter().collect();
            format!("+{}{}", "*".repeat(chars.len() - keep), tail)
        }
    }
}

/// `{"Destination", "DeliveryMedium", "AttributeName"}` for a sent message.
pub(crate) fn code_delivery_details(message: &Message) -> Value {
    let mut details = Map::new();
    details.insert(
        "Destination".into(),
        mask_destination(message.medium, &message.destination).into(),
    );
    details.insert("DeliveryMedium".into(), message.medium.as_str().into());
    details.insert("AttributeName".into(), message.medium.attribute().into());
    Value::Object(details)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_masked_per_ruling_16() {
        assert_eq!(
            mask_destination(DeliveryMedium::Email, "alice@example.com"),
            "a***@e***"
        );
        assert_eq!(
            mask_destination(DeliveryMedium::Sms, "+12065551234"),
            "+*******1234"
        );
    }
}
