//! The PreAuthentication trigger (cognito-semantics.md §AT.1–§AT.5): the event Cognito sends when
//! someone signs in with a password, before the password is checked, and the rules for its
//! answer. An error denies the sign-in; anything else lets it go on.

use serde_json::{Map, Value};

use super::judgement::{Context, Judgement};
use super::rules::rule;
use super::samples::{sample_pool, sample_user, SAMPLE_CLIENT_ID};
use super::shared::{self, envelope, response_ignored, stored_attributes};
use super::{Caller, Kind, Trigger, TriggerSource, Verdict};
use crate::function::Payload;
use crate::pool::{PoolConfig, User, UserPool, UserStatus};

impl Trigger {
    /// PreAuthentication: Cognito asks the function whether a sign-in may go on.
    pub const PRE_AUTHENTICATION: Trigger = Trigger::new("PreAuthentication");
}

impl TriggerSource {
    /// A sign-in with a password (InitiateAuth, AdminInitiateAuth).
    pub const PRE_AUTHENTICATION_AUTHENTICATION: TriggerSource = TriggerSource::new(
        Trigger::PRE_AUTHENTICATION,
        "PreAuthentication_Authentication",
    );
}

/// The registry entry of the PreAuthentication trigger.
pub(crate) static KIND: Kind = Kind {
    trigger: Trigger::PRE_AUTHENTICATION,
    sources: &[TriggerSource::PRE_AUTHENTICATION_AUTHENTICATION],
    rules: &[&ACCEPTED],
    function_error: &shared::FUNCTION_ERROR,
    arn,
    judge_output,
    without_function,
    sample,
    forwards_client_metadata,
};

rule!(ACCEPTED, "pre-authentication.accepted", Documented, "§AT.4",
    "the answer is an event: the sign-in goes on to the password check; Cognito reads nothing from `response`");

/// The pool's PreAuthentication ARN, if any.
fn arn(config: &PoolConfig) -> Option<&str> {
    config.lambda_config.as_ref()?.pre_authentication.as_deref()
}

/// Without a PreAuthentication trigger the sign-in goes on.
fn without_function(ctx: &Context<'_>) -> Judgement {
    Judgement::verdict(Verdict::accepted(ctx.source, &ACCEPTED))
}

fn judge_output(ctx: &Context<'_>, payload: &Payload) -> Judgement {
    Judgement::verdict(response_ignored(ctx.source, payload, &ACCEPTED))
}

/// InitiateAuth's ClientMetadata reaches PreAuthentication, as `validationData` (§AT.2).
fn forwards_client_metadata(_source: TriggerSource) -> bool {
    true
}

/// Who is signing in, as the event shows them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SigningIn<'a> {
    /// A user of the pool.
    Found(&'a User),
    /// No user answers to this name; the event is sent only when the app client prevents user
    /// existence errors (§AT.1).
    NotFound(&'a str),
}

/// A PreAuthentication event (§AT.2, captured): the stored user, `validationData` the request's
/// ClientMetadata (`{}` without), `userNotFound` only when the app client prevents user existence
/// errors, `response` `{}`.
pub(crate) fn event(
    pool: &UserPool,
    who: SigningIn<'_>,
    client_id: &str,
    client_metadata: Option<&Map<String, Value>>,
    prevents_user_existence_errors: bool,
) -> Value {
    let (user_name, attributes, not_found) = match who {
        SigningIn::Found(user) => (user.username.as_str(), stored_attributes(pool, user), false),
        SigningIn::NotFound(name) => (name, Map::new(), true),
    };
    let mut request = Map::with_capacity(3);
    request.insert("userAttributes".into(), Value::Object(attributes));
    request.insert(
        "validationData".into(),
        Value::Object(client_metadata.cloned().unwrap_or_default()),
    );
    if prevents_user_existence_errors {
        request.insert("userNotFound".into(), Value::Bool(not_found));
    }
    envelope(
        pool,
        TriggerSource::PRE_AUTHENTICATION_AUTHENTICATION,
        user_name,
        Caller::Client(client_id),
        Value::Object(request),
        Value::Object(Map::new()),
    )
}

/// A sample PreAuthentication event: Jane signing in through an app client that prevents user
/// existence errors (the default for new clients), the metadata as `validationData`.
fn sample(_source: TriggerSource, metadata: Option<&Map<String, Value>>) -> Value {
    let pool = sample_pool();
    let user = sample_user(UserStatus::Confirmed);
    event(
        &pool,
        SigningIn::Found(&user),
        SAMPLE_CLIENT_ID,
        metadata,
        true,
    )
}

#[cfg(test)]
mod tests {
    use assert_json_diff::assert_json_eq;
    use aws_lambda_events::cognito::CognitoEventUserPoolsPreAuthentication;
    use serde_json::json;

    use super::*;

    #[test]
    fn an_unknown_user_is_sent_with_no_attributes_and_user_not_found() {
        let pool = UserPool::with_id("eu-west-2_Ref12345", PoolConfig::default());
        let event = super::event(
            &pool,
            SigningIn::NotFound("nobody"),
            "client123",
            None,
            true,
        );
        assert_json_eq!(
            event.clone(),
            json!({"version":"1","region":"eu-west-2","userPoolId":"eu-west-2_Ref12345","userName":"nobody",
             "callerContext":{"awsSdkVersion":"aws-sdk-unknown-unknown","clientId":"client123"},
             "triggerSource":"PreAuthentication_Authentication",
             "request":{"userAttributes":{},"validationData":{},"userNotFound":true},
             "response":{}})
        );
        // aws_lambda_events 1.2 reads the event, but has no field for `userNotFound`.
        let typed: CognitoEventUserPoolsPreAuthentication =
            serde_json::from_value(event).expect("the typed event reads it");
        assert!(typed.request.validation_data.is_empty());
    }
}
