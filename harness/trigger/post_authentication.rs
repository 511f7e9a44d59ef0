//! The PostAuthentication trigger (cognito-semantics.md §AT.1–§AT.5): the event Cognito sends once
//! a sign-in has succeeded, before the tokens go out, and the rules for its answer. An error
//! withholds the tokens; anything else lets them go.

use serde_json::{Map, Value};

use super::judgement::{Context, Judgement};
use super::rules::rule;
use super::samples::{sample_pool, sample_user, SAMPLE_CLIENT_ID};
use super::shared::{envelope, response_ignored, stored_attributes};
use super::{Caller, Kind, Trigger, TriggerSource, Verdict};
use crate::function::Payload;
use crate::pool::{PoolConfig, User, UserPool, UserStatus};

impl Trigger {
    /// PostAuthentication: Cognito tells the function that a sign-in succeeded, before it hands
    /// out the tokens.
    pub const POST_AUTHENTICATION: Trigger = Trigger::new("PostAuthentication");
}

impl TriggerSource {
    /// A successful sign-in (InitiateAuth, AdminInitiateAuth, or the answer to its challenge).
    pub const POST_AUTHENTICATION_AUTHENTICATION: TriggerSource = TriggerSource::new(
        Trigger::POST_AUTHENTICATION,
        "PostAuthentication_Authentication",
    );
}

/// The registry entry of the PostAuthentication trigger.
pub(crate) static KIND: Kind = Kind {
    trigger: Trigger::POST_AUTHENTICATION,
    sources: &[TriggerSource::POST_AUTHENTICATION_AUTHENTICATION],
    rules: &[&FUNCTION_ERROR, &ACCEPTED],
    function_error: &FUNCTION_ERROR,
    arn,
    judge_output,
    without_function,
    sample,
    forwards_client_metadata,
};

rule!(FUNCTION_ERROR, "post-authentication.function-error", Assumed, "§AT.3, ruling AT-3",
    "a function error withholds the tokens: UserLambdaValidationException `PostAuthentication failed with error <errorMessage>.`");
rule!(
    ACCEPTED,
    "post-authentication.accepted",
    Documented,
    "§AT.4",
    "the answer is an event: the tokens go out; Cognito reads nothing from `response`"
);

/// The pool's PostAuthentication ARN, if any.
fn arn(config: &PoolConfig) -> Option<&str> {
    config
        .lambda_config
        .as_ref()?
        .post_authentication
        .as_deref()
}

/// Without a PostAuthentication trigger the tokens go out.
fn without_function(ctx: &Context<'_>) -> Judgement {
    Judgement::verdict(Verdict::accepted(ctx.source, &ACCEPTED))
}

fn judge_output(ctx: &Context<'_>, payload: &Payload) -> Judgement {
    Judgement::verdict(response_ignored(ctx.source, payload, &ACCEPTED))
}

/// RespondToAuthChallenge's ClientMetadata reaches PostAuthentication; InitiateAuth's does not
/// (§AT.2, the service decides per call).
fn forwards_client_metadata(_source: TriggerSource) -> bool {
    true
}

/// A PostAuthentication event (§AT.2): the stored user, `newDeviceUsed` (ruling AT-4),
/// `clientMetadata` only when the call forwards it, `response` `{}`.
pub(crate) fn event(
    pool: &UserPool,
    user: &User,
    client_id: &str,
    new_device_used: bool,
    client_metadata: Option<&Map<String, Value>>,
) -> Value {
    let mut request = Map::with_capacity(3);
    request.insert(
        "userAttributes".into(),
        Value::Object(stored_attributes(pool, user)),
    );
    request.insert("newDeviceUsed".into(), Value::Bool(new_device_used));
    if let Some(metadata) = client_metadata {
        request.insert("clientMetadata".into(), Value::Object(metadata.clone()));
    }
    envelope(
        pool,
        TriggerSource::POST_AUTHENTICATION_AUTHENTICATION,
        &user.username,
        Caller::Client(client_id),
        Value::Object(request),
        Value::Object(Map::new()),
    )
}

/// `newDeviceUsed` for a sign-in (ruling AT-4): `true` only when the pool remembers devices
/// (`DeviceConfiguration`) and the sign-in names none; the harness keeps no devices, so any
/// `DEVICE_KEY` counts as known.
pub(crate) fn new_device_used(config: &PoolConfig, device_key: Option<&str>) -> bool {
    config.device_configuration.is_some() && device_key.is_none()
}

/// A sample PostAuthentication event: Jane signed in.
fn sample(_source: TriggerSource, metadata: Option<&Map<String, Value>>) -> Value {
    let pool = sample_pool();
    let user = sample_user(UserStatus::Confirmed);
    event(&pool, &user, SAMPLE_CLIENT_ID, false, metadata)
}
