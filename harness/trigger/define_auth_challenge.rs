//! The DefineAuthChallenge trigger (cognito-semantics.md §CA): in a CUSTOM_AUTH sign-in, Cognito
//! asks it after InitiateAuth and after every answered challenge what comes next: another
//! challenge, the tokens, or failure.

use serde_json::{Map, Value};

use super::answer_fields::Fields;
use super::judgement::{Context, Judgement};
use super::rules::rule;
use super::samples::{sample_pool, sample_user, SAMPLE_CLIENT_ID};
use super::shared::{self, envelope, response_object, stored_attributes, unrecognizable};
use super::{Caller, Decision, Kind, Trigger, TriggerSource, Verdict};
use crate::function::Payload;
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::pool::{ChallengeRound, PoolConfig, User, UserPool, UserStatus};

impl Trigger {
    /// DefineAuthChallenge: Cognito asks the function what a custom sign-in needs next.
    pub const DEFINE_AUTH_CHALLENGE: Trigger = Trigger::new("DefineAuthChallenge");
}

impl TriggerSource {
    /// A custom-authentication sign-in (InitiateAuth, RespondToAuthChallenge).
    pub const DEFINE_AUTH_CHALLENGE_AUTHENTICATION: TriggerSource = TriggerSource::new(
        Trigger::DEFINE_AUTH_CHALLENGE,
        "DefineAuthChallenge_Authentication",
    );
}

/// The registry entry of the DefineAuthChallenge trigger.
pub(crate) static KIND: Kind = Kind {
    trigger: Trigger::DEFINE_AUTH_CHALLENGE,
    sources: &[TriggerSource::DEFINE_AUTH_CHALLENGE_AUTHENTICATION],
    rules: &[
        &ISSUE_TOKENS,
        &NEXT_CHALLENGE,
        &FAIL_AUTHENTICATION,
        &NO_DECISION,
        &UNSUPPORTED,
    ],
    function_error: &shared::FUNCTION_ERROR,
    arn,
    judge_output,
    without_function,
    sample,
    forwards_client_metadata,
};

rule!(ISSUE_TOKENS, "define-auth-challenge.issue-tokens", Documented, "§CA.3",
    "`issueTokens: true` ends the sign-in: the tokens go out (through PreTokenGeneration and PostAuthentication)");
rule!(NEXT_CHALLENGE, "define-auth-challenge.next-challenge", Documented, "§CA.3",
    "`challengeName: CUSTOM_CHALLENGE` (neither flag set): CreateAuthChallenge makes the next challenge");
rule!(FAIL_AUTHENTICATION, "define-auth-challenge.fail-authentication", Observed, "§CA.3",
    "`failAuthentication: true` ends the sign-in: NotAuthorizedException `Incorrect username or password.`");
rule!(NO_DECISION, "define-auth-challenge.no-decision", Assumed, "§CA.3, ruling CA-2",
    "neither flag set and no challengeName: InvalidLambdaResponseException `Unrecognizable lambda output`");
rule!(UNSUPPORTED, "define-auth-challenge.unsupported-challenge", Assumed, "§CA.6",
    "not a Cognito behaviour: the harness replays only CUSTOM_CHALLENGE rounds (SRP_A and PASSWORD_VERIFIER need SRP)");

/// What DefineAuthChallenge decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NextStep {
    /// Issue the tokens.
    IssueTokens,
    /// Ask this challenge (CUSTOM_CHALLENGE).
    Challenge(String),
}

/// The pool's DefineAuthChallenge ARN, if any.
fn arn(config: &PoolConfig) -> Option<&str> {
    config
        .lambda_config
        .as_ref()?
        .define_auth_challenge
        .as_deref()
}

/// The service refuses CUSTOM_AUTH before any event when the pool has no DefineAuthChallenge
/// (§CA.1); should the judge still be asked, nothing is decided.
fn without_function(ctx: &Context<'_>) -> Judgement {
    Judgement::verdict(no_decision(
        ctx.source,
        "the pool has no DefineAuthChallenge trigger",
    ))
}

/// RespondToAuthChallenge's ClientMetadata reaches it; InitiateAuth's does not (§CA.2, the
/// service decides per call).
fn forwards_client_metadata(_source: TriggerSource) -> bool {
    true
}

fn no_decision(source: TriggerSource, detail: &str) -> Verdict {
    let mut verdict = unrecognizable(source, detail);
    verdict.rule = &NO_DECISION;
    verdict
}

fn judge_output(ctx: &Context<'_>, payload: &Payload) -> Judgement {
    let source = ctx.source;
    let response = match response_object(source, payload) {
        Ok(r) => r,
        Err(verdict) => return Judgement::verdict(verdict),
    };
    let fields = Fields {
        source,
        response: &response,
    };
    let read = (|| {
        Ok((
            fields.bool("failAuthentication")?,
            fields.bool("issueTokens")?,
            fields.string("challengeName")?,
        ))
    })();
    let (fail, issue, challenge) = match read {
        Ok(values) => values,
        Err(verdict) => return Judgement::verdict(verdict),
    };
    // failAuthentication wins over issueTokens (assumed: AWS documents neither order).
    if fail == Some(true) {
        let error = CognitoError::new(
            ErrorCode::NotAuthorizedException,
            "Incorrect username or password.",
        );
        return Judgement::verdict(Verdict::rejected(source, &FAIL_AUTHENTICATION, error));
    }
    if issue == Some(true) {
        return Judgement::with_effect(
            Verdict::accepted(source, &ISSUE_TOKENS),
            NextStep::IssueTokens,
        );
    }
    match challenge {
        Some("CUSTOM_CHALLENGE") => Judgement::with_effect(
            Verdict::accepted(source, &NEXT_CHALLENGE),
            NextStep::Challenge("CUSTOM_CHALLENGE".into()),
        ),
        Some(other) => Judgement::verdict(Verdict {
            trigger_source: source,
            decision: Decision::HarnessFailure(format!(
                "cognito-harness does not replay the {other} challenge of a custom sign-in; only CUSTOM_CHALLENGE"
            )),
            rule: &UNSUPPORTED,
            detail: None,
            warnings: Vec::new(),
        }),
        None => Judgement::verdict(no_decision(
            source,
            "neither issueTokens nor failAuthentication is true, and there is no challengeName",
        )),
    }
}

/// Who is signing in, as the custom-authentication events show them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Signer<'a> {
    /// A user of the pool.
    Found(&'a User),
    /// No such user; only when the client hides user existence (§CA.2).
    NotFound(&'a str),
}

impl Signer<'_> {
    /// The `userName` and `userAttributes` of the event.
    pub(crate) fn name_and_attributes(&self, pool: &UserPool) -> (String, Map<String, Value>) {
        match self {
            Signer::Found(user) => (user.username.clone(), stored_attributes(pool, user)),
            Signer::NotFound(name) => (name.to_string(), Map::new()),
        }
    }
}

/// The request members every custom-authentication event ends with: `clientMetadata` when the
/// call forwards it, then `userNotFound` when the client hides user existence (§CA.2).
pub(crate) fn finish_request(
    request: &mut Map<String, Value>,
    signer: Signer<'_>,
    client_metadata: Option<&Map<String, Value>>,
    prevents_user_existence_errors: bool,
) {
    if let Some(metadata) = client_metadata {
        request.insert("clientMetadata".into(), Value::Object(metadata.clone()));
    }
    if prevents_user_existence_errors {
        request.insert(
            "userNotFound".into(),
            Value::Bool(matches!(signer, Signer::NotFound(_))),
        );
    }
}

/// A custom-authentication event around `request`, with `response` every member the function
/// may set, null.
pub(crate) fn custom_auth_event(
    pool: &UserPool,
    source: TriggerSource,
    user_name: &str,
    client_id: &str,
    request: Map<String, Value>,
    response_members: &[&str],
) -> Value {
    let response: Map<String, Value> = response_members
        .iter()
        .map(|name| (name.to_string(), Value::Null))
        .collect();
    envelope(
        pool,
        source,
        user_name,
        Caller::Client(client_id),
        Value::Object(request),
        Value::Object(response),
    )
}

/// `request.session` as events show it.
pub(crate) fn session_value(history: &[ChallengeRound]) -> Value {
    Value::Array(history.iter().map(ChallengeRound::to_event_value).collect())
}

/// A DefineAuthChallenge event (§CA.2, captured in amplify-js#5834): the stored user, the
/// challenges answered so far as `session`, `response` null-filled.
pub(crate) fn event(
    pool: &UserPool,
    signer: Signer<'_>,
    client_id: &str,
    history: &[ChallengeRound],
    client_metadata: Option<&Map<String, Value>>,
    prevents_user_existence_errors: bool,
) -> Value {
    let (user_name, attributes) = signer.name_and_attributes(pool);
    let mut request = Map::with_capacity(4);
    request.insert("userAttributes".into(), Value::Object(attributes));
    request.insert("session".into(), session_value(history));
    finish_request(
        &mut request,
        signer,
        client_metadata,
        prevents_user_existence_errors,
    );
    custom_auth_event(
        pool,
        TriggerSource::DEFINE_AUTH_CHALLENGE_AUTHENTICATION,
        &user_name,
        client_id,
        request,
        &["challengeName", "issueTokens", "failAuthentication"],
    )
}

/// The sample history: one CUSTOM_CHALLENGE answered correctly.
pub(super) fn sample_history() -> Vec<ChallengeRound> {
    vec![ChallengeRound {
        challenge_name: "CUSTOM_CHALLENGE".into(),
        challenge_result: true,
        challenge_metadata: Some("CAPTCHA_CHALLENGE".into()),
    }]
}

/// A sample DefineAuthChallenge event: Jane has answered one challenge correctly.
fn sample(_source: TriggerSource, metadata: Option<&Map<String, Value>>) -> Value {
    let pool = sample_pool();
    let user = sample_user(UserStatus::Confirmed);
    event(
        &pool,
        Signer::Found(&user),
        SAMPLE_CLIENT_ID,
        &sample_history(),
        metadata,
        true,
    )
}
