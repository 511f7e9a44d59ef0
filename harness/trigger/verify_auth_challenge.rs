//! The VerifyAuthChallengeResponse trigger (cognito-semantics.md §CA): in a CUSTOM_AUTH sign-in,
//! Cognito asks it whether the caller's answer to the current challenge is correct.

use serde_json::{Map, Value};

use super::answer_fields::Fields;
use super::define_auth_challenge::{custom_auth_event, finish_request, Signer};
use super::judgement::{Context, Judgement};
use super::rules::rule;
use super::samples::{sample_pool, sample_user, SAMPLE_CLIENT_ID};
use super::shared::{self, response_object};
use super::{Kind, Trigger, TriggerSource, Verdict};
use crate::function::Payload;
use crate::pool::{PoolConfig, UserPool, UserStatus};

impl Trigger {
    /// VerifyAuthChallengeResponse: Cognito asks the function whether an answer is correct.
    pub const VERIFY_AUTH_CHALLENGE_RESPONSE: Trigger = Trigger::new("VerifyAuthChallengeResponse");
}

impl TriggerSource {
    /// A caller answered a custom challenge (RespondToAuthChallenge).
    pub const VERIFY_AUTH_CHALLENGE_RESPONSE_AUTHENTICATION: TriggerSource = TriggerSource::new(
        Trigger::VERIFY_AUTH_CHALLENGE_RESPONSE,
        "VerifyAuthChallengeResponse_Authentication",
    );
}

/// The registry entry of the VerifyAuthChallengeResponse trigger.
pub(crate) static KIND: Kind = Kind {
    trigger: Trigger::VERIFY_AUTH_CHALLENGE_RESPONSE,
    sources: &[TriggerSource::VERIFY_AUTH_CHALLENGE_RESPONSE_AUTHENTICATION],
    rules: &[&VERIFIED, &UNSET, &MISSING],
    function_error: &shared::FUNCTION_ERROR,
    arn,
    judge_output,
    without_function,
    sample,
    forwards_client_metadata,
};

rule!(VERIFIED, "verify-auth-challenge.verified", Documented, "§CA.5",
    "`answerCorrect` is the round's `challengeResult` in the session history DefineAuthChallenge sees next");
rule!(
    UNSET,
    "verify-auth-challenge.unset-is-incorrect",
    Assumed,
    "§CA.5, ruling CA-4",
    "`answerCorrect` absent or null: the answer counts as incorrect"
);
rule!(
    MISSING,
    "verify-auth-challenge.missing",
    Assumed,
    "§CA.5, ruling CA-3",
    "the pool has no VerifyAuthChallengeResponse: every answer counts as incorrect"
);

/// The pool's VerifyAuthChallengeResponse ARN, if any.
fn arn(config: &PoolConfig) -> Option<&str> {
    config
        .lambda_config
        .as_ref()?
        .verify_auth_challenge_response
        .as_deref()
}

fn without_function(ctx: &Context<'_>) -> Judgement {
    Judgement::with_effect(Verdict::accepted(ctx.source, &MISSING), false)
}

/// RespondToAuthChallenge's ClientMetadata reaches it (§CA.2).
fn forwards_client_metadata(_source: TriggerSource) -> bool {
    true
}

fn judge_output(ctx: &Context<'_>, payload: &Payload) -> Judgement {
    let source = ctx.source;
    let read = response_object(source, payload).and_then(|response| {
        Fields {
            source,
            response: &response,
        }
        .bool("answerCorrect")
    });
    match read {
        Ok(Some(correct)) => Judgement::with_effect(Verdict::accepted(source, &VERIFIED), correct),
        Ok(None) => Judgement::with_effect(Verdict::accepted(source, &UNSET), false),
        Err(verdict) => Judgement::verdict(verdict),
    }
}

/// A VerifyAuthChallengeResponse event (§CA.2): the stored user, CreateAuthChallenge's private
/// parameters, the caller's `ANSWER` as `challengeAnswer`, `response` null-filled.
pub(crate) fn event(
    pool: &UserPool,
    signer: Signer<'_>,
    client_id: &str,
    private_parameters: &Map<String, Value>,
    answer: &str,
    client_metadata: Option<&Map<String, Value>>,
    prevents_user_existence_errors: bool,
) -> Value {
    let (user_name, attributes) = signer.name_and_attributes(pool);
    let mut request = Map::with_capacity(5);
    request.insert("userAttributes".into(), Value::Object(attributes));
    request.insert(
        "privateChallengeParameters".into(),
        Value::Object(private_parameters.clone()),
    );
    request.insert("challengeAnswer".into(), Value::from(answer));
    finish_request(
        &mut request,
        signer,
        client_metadata,
        prevents_user_existence_errors,
    );
    custom_auth_event(
        pool,
        TriggerSource::VERIFY_AUTH_CHALLENGE_RESPONSE_AUTHENTICATION,
        &user_name,
        client_id,
        request,
        &["answerCorrect"],
    )
}

/// A sample VerifyAuthChallengeResponse event: Jane answers `5` to "what is 2 + 3?".
fn sample(_source: TriggerSource, metadata: Option<&Map<String, Value>>) -> Value {
    let pool = sample_pool();
    let user = sample_user(UserStatus::Confirmed);
    let mut private = Map::new();
    private.insert("answer".into(), Value::from("5"));
    event(
        &pool,
        Signer::Found(&user),
        SAMPLE_CLIENT_ID,
        &private,
        "5",
        metadata,
        true,
    )
}
