//! Custom authentication (cognito-semantics.md §CA): InitiateAuth / AdminInitiateAuth with
//! `AuthFlow: CUSTOM_AUTH`, then (Admin)RespondToAuthChallenge with `CUSTOM_CHALLENGE` answers.
//! DefineAuthChallenge decides each step from the history of answered challenges;
//! CreateAuthChallenge makes each challenge; VerifyAuthChallengeResponse judges each answer. The
//! pool keeps the sign-in between calls under a Session key that each answer uses up; the tokens
//! go out through the same issue as a password sign-in (PreTokenGeneration
//! `TokenGeneration_Authentication`, then PostAuthentication).

use serde_json::{json, Map, Value};

use super::auth::{incorrect, missing_parameter, token_claims, SignedIn, SESSION_SECONDS};
use super::auth_triggers::plan_post_authentication;
use super::triggers::fail_with;
use super::{lock, user_not_found, Cognito, Outcome, PoolHandle, TriggerRun};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::pool::{ChallengeRound, CustomAuthSession, UserPool, UserStatus};
use crate::trigger::create_auth_challenge::{self, Challenge};
use crate::trigger::define_auth_challenge::{self, NextStep, Signer};
use crate::trigger::{judge, verify_auth_challenge, Context, Trigger, TriggerSource};

/// `Invalid session for the user.`: a Session that is unknown, used up or expired (§CA.5).
fn invalid_session() -> CognitoError {
    CognitoError::new(
        ErrorCode::NotAuthorizedException,
        "Invalid session for the user.",
    )
}

/// The signer a session stands for, as the events show them; `None` when the user has gone.
fn signer<'a>(pool: &'a UserPool, session: &'a CustomAuthSession) -> Option<Signer<'a>> {
    if session.user_not_found {
        Some(Signer::NotFound(&session.username))
    } else {
        pool.find_user(&session.username).map(Signer::Found)
    }
}

/// A custom-challenge answer, read from (Admin)RespondToAuthChallenge.
pub(crate) struct CustomAnswer<'a> {
    /// The pool signed in to.
    pub pool: PoolHandle,
    /// The app client of the call.
    pub client_id: &'a str,
    /// The Session InitiateAuth or the last answer returned.
    pub session: &'a str,
    /// `ChallengeResponses`.
    pub responses: Option<&'a Map<String, Value>>,
    /// The call's ClientMetadata (it reaches every trigger the answer fires, §CA.2).
    pub client_metadata: Option<Map<String, Value>>,
}

impl Cognito {
    /// Starts a CUSTOM_AUTH sign-in of `username` (the flow is allowed for the client): the
    /// first DefineAuthChallenge, with an empty history (§CA.1).
    pub(crate) async fn start_custom_auth(
        &self,
        outcome: &mut Outcome,
        pool: PoolHandle,
        username: &str,
        client_id: &str,
        now: u64,
    ) -> Result<SignedIn, CognitoError> {
        let session = {
            let guard = lock(&pool);
            if Trigger::DEFINE_AUTH_CHALLENGE.arn(&guard.config).is_none() {
                return Err(CognitoError::invalid_parameter(
                    "Custom auth lambda trigger is not configured for the user pool.",
                ));
            }
            let (stored, not_found) = match guard.find_user(username) {
                Some(user) if !user.enabled => {
                    return Err(CognitoError::new(
                        ErrorCode::NotAuthorizedException,
                        "User is disabled.",
                    ))
                }
                Some(user) if user.status == UserStatus::Unconfirmed => {
                    return Err(CognitoError::new(
                        ErrorCode::UserNotConfirmedException,
                        "User is not confirmed.",
                    ))
                }
                Some(user) => (user.username.clone(), false),
                None if guard.prevents_user_existence_errors(client_id) => {
                    (username.to_string(), true)
                }
                None => return Err(user_not_found()),
            };
            CustomAuthSession {
                username: stored,
                client_id: client_id.to_string(),
                user_not_found: not_found,
                history: Vec::new(),
                challenge_name: String::new(),
                private_parameters: Map::new(),
                challenge_metadata: None,
            }
        };
        // InitiateAuth's ClientMetadata reaches none of the custom-auth triggers (§CA.2).
        self.next_custom_step(outcome, pool, session, None, now)
            .await
    }

    /// Answers the current challenge of a custom sign-in: VerifyAuthChallengeResponse judges the
    /// `ANSWER`, the round joins the history, and DefineAuthChallenge decides the next step.
    pub(crate) async fn answer_custom_challenge(
        &self,
        outcome: &mut Outcome,
        answer: CustomAnswer<'_>,
    ) -> Result<SignedIn, CognitoError> {
        let response = |name: &str| {
            answer
                .responses
                .and_then(|r| r.get(name))
                .and_then(Value::as_str)
        };
        response("USERNAME").ok_or_else(|| missing_parameter("USERNAME"))?;
        let given = response("ANSWER").ok_or_else(|| missing_parameter("ANSWER"))?;
        let now = self.now();
        let pool = answer.pool;
        let metadata = answer.client_metadata;
        let (mut session, planned) = {
            let mut guard = lock(&pool);
            let session = guard
                .take_custom_auth_session(answer.session, now)
                .filter(|s| s.client_id == answer.client_id)
                .ok_or_else(invalid_session)?;
            let arn = Trigger::VERIFY_AUTH_CHALLENGE_RESPONSE
                .arn(&guard.config)
                .map(str::to_string);
            let who = signer(&guard, &session).ok_or_else(incorrect)?;
            let prevents = guard.prevents_user_existence_errors(answer.client_id);
            let event = arn.as_ref().map(|_| {
                verify_auth_challenge::event(
                    &guard,
                    who,
                    answer.client_id,
                    &session.private_parameters,
                    given,
                    metadata.as_ref(),
                    prevents,
                )
            });
            (session, arn.zip(event))
        };
        let source = TriggerSource::VERIFY_AUTH_CHALLENGE_RESPONSE_AUTHENTICATION;
        let correct = self
            .run_custom_trigger::<bool>(outcome, &pool, source, planned)
            .await?
            .unwrap_or(false);
        session.history.push(ChallengeRound {
            challenge_name: std::mem::take(&mut session.challenge_name),
            challenge_result: correct,
            challenge_metadata: session.challenge_metadata.take(),
        });
        session.private_parameters.clear();
        self.next_custom_step(outcome, pool, session, metadata, now)
            .await
    }

    /// Asks DefineAuthChallenge what `session` needs next and does it: the tokens, a failure, or
    /// a new challenge from CreateAuthChallenge under a new Session key.
    async fn next_custom_step(
        &self,
        outcome: &mut Outcome,
        pool: PoolHandle,
        mut session: CustomAuthSession,
        metadata: Option<Map<String, Value>>,
        now: u64,
    ) -> Result<SignedIn, CognitoError> {
        let client_id = session.client_id.clone();
        let planned = {
            let guard = lock(&pool);
            let arn = Trigger::DEFINE_AUTH_CHALLENGE
                .arn(&guard.config)
                .map(str::to_string);
            let who = signer(&guard, &session).ok_or_else(incorrect)?;
            let prevents = guard.prevents_user_existence_errors(&client_id);
            let event = define_auth_challenge::event(
                &guard,
                who,
                &client_id,
                &session.history,
                metadata.as_ref(),
                prevents,
            );
            arn.map(|arn| (arn, event))
        };
        let source = TriggerSource::DEFINE_AUTH_CHALLENGE_AUTHENTICATION;
        let step = self
            .run_custom_trigger::<NextStep>(outcome, &pool, source, planned)
            .await?;
        match step {
            // A sign-in without DefineAuthChallenge was refused before any event; a pool that
            // lost the trigger meanwhile fails the sign-in (assumed).
            None => Err(incorrect()),
            Some(NextStep::IssueTokens) => {
                // No tokens for a name the pool does not have, whatever the function says
                // (ruling CA-5).
                if session.user_not_found {
                    return Err(incorrect());
                }
                let guard = lock(&pool);
                let claims = token_claims(&guard, &session.username, &client_id, None, now)
                    .ok_or_else(incorrect)?;
                let post = plan_post_authentication(
                    &guard,
                    &session.username,
                    &client_id,
                    None,
                    metadata.as_ref(),
                );
                drop(guard);
                Ok(SignedIn::tokens(
                    pool,
                    claims,
                    TriggerSource::TOKEN_GENERATION_AUTHENTICATION,
                    false,
                    metadata,
                )
                .then_post_authentication(post)
                .second_factor_done())
            }
            Some(NextStep::Challenge(name)) => {
                let planned = {
                    let guard = lock(&pool);
                    let arn = Trigger::CREATE_AUTH_CHALLENGE
                        .arn(&guard.config)
                        .map(str::to_string);
                    let who = signer(&guard, &session).ok_or_else(incorrect)?;
                    let prevents = guard.prevents_user_existence_errors(&client_id);
                    let event = create_auth_challenge::event(
                        &guard,
                        who,
                        &client_id,
                        &name,
                        &session.history,
                        metadata.as_ref(),
                        prevents,
                    );
                    arn.map(|arn| (arn, event))
                };
                let source = TriggerSource::CREATE_AUTH_CHALLENGE_AUTHENTICATION;
                let challenge = self
                    .run_custom_trigger::<Challenge>(outcome, &pool, source, planned)
                    .await?
                    .unwrap_or_default();
                let mut parameters = challenge.public;
                // Cognito names the user in every challenge (§CA.4).
                parameters.insert("USERNAME".into(), Value::from(session.username.as_str()));
                session.challenge_name = name.clone();
                session.private_parameters = challenge.private;
                session.challenge_metadata = challenge.metadata;
                let key = lock(&pool).start_custom_auth_session(session, now, SESSION_SECONDS);
                Ok(SignedIn::Answer(json!({
                    "ChallengeName": name,
                    "Session": key,
                    "ChallengeParameters": Value::Object(parameters),
                })))
            }
        }
    }

    /// Runs one custom-auth trigger (when the pool has it), records the run and returns the
    /// effect its accepted answer carries; `Err` is the exception its verdict gives. Without the
    /// trigger the kind's own rule for a missing trigger decides.
    async fn run_custom_trigger<T: std::any::Any>(
        &self,
        outcome: &mut Outcome,
        pool: &PoolHandle,
        source: TriggerSource,
        planned: Option<(String, Value)>,
    ) -> Result<Option<T>, CognitoError> {
        let (arn, event) = match planned {
            Some((arn, event)) => (Some(arn), Some(event)),
            None => (None, None),
        };
        let attempt = self.attempt(arn.as_deref(), event.as_ref()).await;
        let judgement = {
            let guard = lock(pool);
            judge(attempt.ran(), &Context::new(source, &guard.config))
        };
        let (verdict, effect) = judgement.into_parts::<T>();
        if arn.is_none() && verdict.is_accepted() {
            return Ok(effect);
        }
        let run = TriggerRun {
            trigger_source: source,
            arn,
            event,
            invocation: attempt.into_invocation(),
            verdict,
        };
        if fail_with(outcome, run) {
            return Err(outcome.error().cloned().unwrap_or_else(incorrect));
        }
        Ok(effect)
    }
}
