//! The PostConfirmation trigger (cognito-semantics.md §AT.1–§AT.5): its two sources, the event
//! Cognito sends once a user is confirmed or has reset the password, and the rules for its answer,
//! which Cognito reads only to see that it is an event.

use serde_json::{Map, Value};

use super::judgement::{Context, Judgement};
use super::rules::rule;
use super::samples::{sample_pool, sample_user, SAMPLE_CLIENT_ID};
use super::shared::{self, envelope, response_ignored, stored_attributes};
use super::{Caller, Kind, Trigger, TriggerSource, Verdict};
use crate::function::Payload;
use crate::pool::{PoolConfig, User, UserPool, UserStatus};

impl Trigger {
    /// PostConfirmation: Cognito tells the function that a user was confirmed (or reset the
    /// password); the answer changes nothing.
    pub const POST_CONFIRMATION: Trigger = Trigger::new("PostConfirmation");
}

impl TriggerSource {
    /// ConfirmSignUp, AdminConfirmSignUp, a SignUp auto-confirmed by PreSignUp, and the first
    /// federated sign-in.
    pub const POST_CONFIRMATION_CONFIRM_SIGN_UP: TriggerSource =
        TriggerSource::new(Trigger::POST_CONFIRMATION, "PostConfirmation_ConfirmSignUp");
    /// ConfirmForgotPassword.
    pub const POST_CONFIRMATION_CONFIRM_FORGOT_PASSWORD: TriggerSource = TriggerSource::new(
        Trigger::POST_CONFIRMATION,
        "PostConfirmation_ConfirmForgotPassword",
    );
}

/// The registry entry of the PostConfirmation trigger.
pub(crate) static KIND: Kind = Kind {
    trigger: Trigger::POST_CONFIRMATION,
    sources: &[
        TriggerSource::POST_CONFIRMATION_CONFIRM_SIGN_UP,
        TriggerSource::POST_CONFIRMATION_CONFIRM_FORGOT_PASSWORD,
    ],
    rules: &[&ACCEPTED, &CONFIRMED_ANYWAY],
    function_error: &shared::FUNCTION_ERROR,
    arn,
    judge_output,
    without_function,
    sample,
    forwards_client_metadata,
};

rule!(
    ACCEPTED,
    "post-confirmation.accepted",
    Documented,
    "§AT.4",
    "the answer is an event: the call succeeds; Cognito reads nothing from `response`"
);
rule!(CONFIRMED_ANYWAY, "post-confirmation.confirmed-anyway", Assumed, "§AT.3, ruling AT-1",
    "a failed PostConfirmation fails the call, but the confirmation (or new password) it reports stays");

/// The pool's PostConfirmation ARN, if any.
fn arn(config: &PoolConfig) -> Option<&str> {
    config.lambda_config.as_ref()?.post_confirmation.as_deref()
}

/// Without a PostConfirmation trigger nothing happens after the confirmation.
fn without_function(ctx: &Context<'_>) -> Judgement {
    Judgement::verdict(Verdict::accepted(ctx.source, &ACCEPTED))
}

fn judge_output(ctx: &Context<'_>, payload: &Payload) -> Judgement {
    Judgement::verdict(response_ignored(ctx.source, payload, &ACCEPTED))
}

/// Every API that fires PostConfirmation takes ClientMetadata (§AT.2; the federated sign-in,
/// which no request carries, forwards none).
fn forwards_client_metadata(_source: TriggerSource) -> bool {
    true
}

/// The warning a call gets when its PostConfirmation failed after Cognito had confirmed the user
/// (ruling AT-1).
pub(crate) fn confirmed_anyway_warning(user: &User) -> String {
    format!(
        "{}: the user {} stays {} although PostConfirmation failed (Cognito confirms before it runs the trigger)",
        CONFIRMED_ANYWAY.id,
        user.username,
        user.status.as_str()
    )
}

/// A PostConfirmation event (§AT.2): the user as stored after the confirmation (`sub`,
/// `cognito:user_status`, the alias keys), `clientMetadata` only when the call carried it,
/// `response` `{}`.
pub(crate) fn event(
    pool: &UserPool,
    source: TriggerSource,
    user: &User,
    caller: Caller<'_>,
    client_metadata: Option<&Map<String, Value>>,
) -> Value {
    let mut request = Map::with_capacity(2);
    request.insert(
        "userAttributes".into(),
        Value::Object(stored_attributes(pool, user)),
    );
    if let Some(metadata) = client_metadata {
        request.insert("clientMetadata".into(), Value::Object(metadata.clone()));
    }
    envelope(
        pool,
        source,
        &user.username,
        caller,
        Value::Object(request),
        Value::Object(Map::new()),
    )
}

/// A sample PostConfirmation event: Jane, confirmed, with a verified e-mail.
fn sample(source: TriggerSource, metadata: Option<&Map<String, Value>>) -> Value {
    let pool = sample_pool();
    let user = sample_user(UserStatus::Confirmed);
    event(
        &pool,
        source,
        &user,
        Caller::Client(SAMPLE_CLIENT_ID),
        metadata,
    )
}

#[cfg(test)]
mod tests {
    use assert_json_diff::assert_json_eq;
    use aws_lambda_events::cognito::CognitoEventUserPoolsPostConfirmation;
    use serde_json::json;

    use super::*;

    #[test]
    fn the_event_carries_the_stored_user_and_an_empty_response() {
        let pool = UserPool::with_id("eu-west-2_Ref12345", PoolConfig::default());
        let mut user = User::new("bob");
        user.sub = "0b5e6f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b".into();
        user.status = UserStatus::Confirmed;
        user.attributes
            .insert("email".into(), "bob@example.com".into());
        user.attributes
            .insert("email_verified".into(), "true".into());
        let mut metadata = Map::new();
        metadata.insert("plan".into(), json!("pro"));
        let event = super::event(
            &pool,
            TriggerSource::POST_CONFIRMATION_CONFIRM_FORGOT_PASSWORD,
            &user,
            Caller::Client("client123"),
            Some(&metadata),
        );
        assert_json_eq!(
            event.clone(),
            json!({"version":"1","region":"eu-west-2","userPoolId":"eu-west-2_Ref12345","userName":"bob",
             "callerContext":{"awsSdkVersion":"aws-sdk-unknown-unknown","clientId":"client123"},
             "triggerSource":"PostConfirmation_ConfirmForgotPassword",
             "request":{"userAttributes":{"sub":"0b5e6f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b",
                        "cognito:user_status":"CONFIRMED","email":"bob@example.com","email_verified":"true"},
                        "clientMetadata":{"plan":"pro"}},
             "response":{}})
        );
        let typed: CognitoEventUserPoolsPostConfirmation =
            serde_json::from_value(event).expect("the typed event reads it");
        assert_eq!(
            typed.cognito_event_user_pools_header.user_name.as_deref(),
            Some("bob")
        );
    }
}
