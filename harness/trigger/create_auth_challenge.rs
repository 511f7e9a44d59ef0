//! The CreateAuthChallenge trigger (cognito-semantics.md §CA): in a CUSTOM_AUTH sign-in, Cognito
//! asks it for the challenge DefineAuthChallenge named: what the caller sees and what only
//! VerifyAuthChallengeResponse sees.

use serde_json::{Map, Value};

use super::answer_fields::Fields;
use super::define_auth_challenge::{custom_auth_event, finish_request, session_value, Signer};
use super::judgement::{Context, Judgement};
use super::rules::rule;
use super::samples::{sample_pool, sample_user, SAMPLE_CLIENT_ID};
use super::shared::{self, response_object};
use super::{Kind, Trigger, TriggerSource, Verdict};
use crate::function::Payload;
use crate::pool::{ChallengeRound, PoolConfig, UserPool, UserStatus};

impl Trigger {
    /// CreateAuthChallenge: Cognito asks the function for the next custom challenge.
    pub const CREATE_AUTH_CHALLENGE: Trigger = Trigger::new("CreateAuthChallenge");
}

impl TriggerSource {
    /// A custom-authentication sign-in needs a challenge.
    pub const CREATE_AUTH_CHALLENGE_AUTHENTICATION: TriggerSource = TriggerSource::new(
        Trigger::CREATE_AUTH_CHALLENGE,
        "CreateAuthChallenge_Authentication",
    );
}

/// The registry entry of the CreateAuthChallenge trigger.
pub(crate) static KIND: Kind = Kind {
    trigger: Trigger::CREATE_AUTH_CHALLENGE,
    sources: &[TriggerSource::CREATE_AUTH_CHALLENGE_AUTHENTICATION],
    rules: &[&CHALLENGE, &MISSING],
    function_error: &shared::FUNCTION_ERROR,
    arn,
    judge_output,
    without_function,
    sample,
    forwards_client_metadata,
};

rule!(CHALLENGE, "create-auth-challenge.challenge", Documented, "§CA.4",
    "the answer is the challenge: `publicChallengeParameters` (with USERNAME) go to the caller with a new Session, `privateChallengeParameters` and `challengeMetadata` stay for VerifyAuthChallengeResponse and the session history");
rule!(MISSING, "create-auth-challenge.missing", Assumed, "§CA.4, ruling CA-3",
    "DefineAuthChallenge asked for a challenge and the pool has no CreateAuthChallenge: the challenge has no parameters");

/// What the challenge is.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Challenge {
    /// `publicChallengeParameters`: shown to the caller.
    pub public: Map<String, Value>,
    /// `privateChallengeParameters`: for VerifyAuthChallengeResponse.
    pub private: Map<String, Value>,
    /// `challengeMetadata`: kept in the session history.
    pub metadata: Option<String>,
}

/// The pool's CreateAuthChallenge ARN, if any.
fn arn(config: &PoolConfig) -> Option<&str> {
    config
        .lambda_config
        .as_ref()?
        .create_auth_challenge
        .as_deref()
}

fn without_function(ctx: &Context<'_>) -> Judgement {
    Judgement::with_effect(
        Verdict::accepted(ctx.source, &MISSING),
        Challenge::default(),
    )
}

/// RespondToAuthChallenge's ClientMetadata reaches it; InitiateAuth's does not (§CA.2).
fn forwards_client_metadata(_source: TriggerSource) -> bool {
    true
}

fn judge_output(ctx: &Context<'_>, payload: &Payload) -> Judgement {
    let source = ctx.source;
    let read = (|| {
        let response = response_object(source, payload)?;
        let fields = Fields {
            source,
            response: &response,
        };
        Ok::<_, Verdict>(Challenge {
            public: fields
                .string_map("publicChallengeParameters")?
                .unwrap_or_default(),
            private: fields
                .string_map("privateChallengeParameters")?
                .unwrap_or_default(),
            metadata: fields.string("challengeMetadata")?.map(str::to_string),
        })
    })();
    match read {
        Ok(challenge) => Judgement::with_effect(Verdict::accepted(source, &CHALLENGE), challenge),
        Err(verdict) => Judgement::verdict(verdict),
    }
}

/// A CreateAuthChallenge event (§CA.2): the stored user, the challenge DefineAuthChallenge named,
/// the history as `session`, `response` null-filled.
pub(crate) fn event(
    pool: &UserPool,
    signer: Signer<'_>,
    client_id: &str,
    challenge_name: &str,
    history: &[ChallengeRound],
    client_metadata: Option<&Map<String, Value>>,
    prevents_user_existence_errors: bool,
) -> Value {
    let (user_name, attributes) = signer.name_and_attributes(pool);
    let mut request = Map::with_capacity(5);
    request.insert("userAttributes".into(), Value::Object(attributes));
    request.insert("challengeName".into(), Value::from(challenge_name));
    request.insert("session".into(), session_value(history));
    finish_request(
        &mut request,
        signer,
        client_metadata,
        prevents_user_existence_errors,
    );
    custom_auth_event(
        pool,
        TriggerSource::CREATE_AUTH_CHALLENGE_AUTHENTICATION,
        &user_name,
        client_id,
        request,
        &[
            "publicChallengeParameters",
            "privateChallengeParameters",
            "challengeMetadata",
        ],
    )
}

/// A sample CreateAuthChallenge event: Jane's first challenge.
fn sample(_source: TriggerSource, metadata: Option<&Map<String, Value>>) -> Value {
    let pool = sample_pool();
    let user = sample_user(UserStatus::Confirmed);
    event(
        &pool,
        Signer::Found(&user),
        SAMPLE_CLIENT_ID,
        "CUSTOM_CHALLENGE",
        &[],
        metadata,
        true,
    )
}
