//! RespondToAuthChallenge and AdminRespondToAuthChallenge for NEW_PASSWORD_REQUIRED (and, handed
//! to `custom_auth.rs`, CUSTOM_CHALLENGE; to `srp_auth.rs`, PASSWORD_VERIFIER): the first
//! sign-in of a user created with AdminCreateUser (or given a temporary password), who must choose
//! a password. The tokens it issues go through PreTokenGeneration
//! (`TokenGeneration_NewPasswordChallenge`, with the request's ClientMetadata); then the sign-in is
//! complete and PostAuthentication runs, with this call's ClientMetadata, before the tokens go out
//! (cognito-semantics.md §AT.1). PostConfirmation does not.

use serde_json::Value;

use super::auth::{
    check_password_policy, client_not_found, missing_parameter, token_claims, SignedIn,
};
use super::auth_triggers::plan_post_authentication;
use super::custom_auth::CustomAnswer;
use super::mfa::MfaAnswer;
use super::secret_hash::{self, Carried};
use super::srp_auth::VerifierAnswer;
use super::{lock, Cognito, Outcome, PoolHandle};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::{string_map_member, string_member, StringRule, Validator};
use crate::model::coral::{CLIENT_ID_RULE, USER_POOL_ID_RULE};
use crate::pool::UserStatus;
use crate::trigger::TriggerSource;

/// ChallengeNameType's values (botocore), in the model's order.
const CHALLENGE_NAMES: [&str; 16] = [
    "SMS_MFA",
    "EMAIL_OTP",
    "SOFTWARE_TOKEN_MFA",
    "SELECT_MFA_TYPE",
    "MFA_SETUP",
    "PASSWORD_VERIFIER",
    "CUSTOM_CHALLENGE",
    "SELECT_CHALLENGE",
    "DEVICE_SRP_AUTH",
    "DEVICE_PASSWORD_VERIFIER",
    "ADMIN_NO_SRP_AUTH",
    "NEW_PASSWORD_REQUIRED",
    "SMS_OTP",
    "PASSWORD",
    "WEB_AUTHN",
    "PASSWORD_SRP",
];

/// The challenges the harness answers.
const ANSWERED: [&str; 8] = [
    "NEW_PASSWORD_REQUIRED",
    "CUSTOM_CHALLENGE",
    "PASSWORD_VERIFIER",
    "SMS_MFA",
    "EMAIL_OTP",
    "SOFTWARE_TOKEN_MFA",
    "SELECT_MFA_TYPE",
    "MFA_SETUP",
];

/// The members every challenge answer shares, validated and resolved.
struct ChallengeAnswer<'a> {
    pool: PoolHandle,
    client_id: &'a str,
    challenge: &'a str,
    session: &'a str,
    responses: Option<&'a serde_json::Map<String, Value>>,
    client_metadata: Option<serde_json::Map<String, Value>>,
}

impl Cognito {
    /// RespondToAuthChallenge (`ChallengeName: NEW_PASSWORD_REQUIRED` or `CUSTOM_CHALLENGE`).
    pub async fn respond_to_auth_challenge(&self, request: &Value) -> Outcome {
        self.respond("RespondToAuthChallenge", request, false).await
    }

    /// AdminRespondToAuthChallenge (`ChallengeName: NEW_PASSWORD_REQUIRED` or `CUSTOM_CHALLENGE`).
    pub async fn admin_respond_to_auth_challenge(&self, request: &Value) -> Outcome {
        self.respond("AdminRespondToAuthChallenge", request, true)
            .await
    }

    async fn respond(&self, action: &str, request: &Value, admin: bool) -> Outcome {
        let mut outcome = Outcome::new(action, Ok(Value::Null));
        let signed_in = match self.read_answer(request, admin) {
            Err(e) => Err(e),
            Ok(answer) if answer.challenge == "CUSTOM_CHALLENGE" => {
                let custom = CustomAnswer {
                    pool: answer.pool,
                    client_id: answer.client_id,
                    session: answer.session,
                    responses: answer.responses,
                    client_metadata: answer.client_metadata,
                };
                self.answer_custom_challenge(&mut outcome, custom).await
            }
            Ok(answer) if answer.challenge == "PASSWORD_VERIFIER" => {
                let verifier = VerifierAnswer {
                    pool: answer.pool,
                    client_id: answer.client_id,
                    responses: answer.responses,
                    client_metadata: answer.client_metadata,
                };
                self.answer_password_verifier(&mut outcome, verifier).await
            }
            Ok(answer) if answer.challenge != "NEW_PASSWORD_REQUIRED" => {
                let mfa = MfaAnswer {
                    pool: answer.pool,
                    client_id: answer.client_id,
                    challenge: answer.challenge,
                    session: answer.session,
                    responses: answer.responses,
                    client_metadata: answer.client_metadata,
                };
                self.answer_mfa_challenge(&mut outcome, mfa).await
            }
            Ok(answer) => self.answer_new_password(answer),
        };
        self.complete_sign_in(&mut outcome, signed_in).await;
        outcome
    }

    /// Reads and validates the members every challenge answer shares.
    fn read_answer<'a>(
        &self,
        request: &'a Value,
        admin: bool,
    ) -> Result<ChallengeAnswer<'a>, CognitoError> {
        let pool_id = if admin {
            string_member(request, "UserPoolId")?
        } else {
            None
        };
        let client_id = string_member(request, "ClientId")?;
        let challenge = string_member(request, "ChallengeName")?;
        let session = string_member(request, "Session")?;
        let responses = string_map_member(request, "ChallengeResponses")?;
        let client_metadata = string_map_member(request, "ClientMetadata")?.cloned();
        let mut v = Validator::new();
        if admin {
            v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
        }
        v.required_string("clientId", client_id, CLIENT_ID_RULE);
        match challenge {
            None => v.missing("challengeName"),
            Some(name) => v.enum_value("challengeName", name, &CHALLENGE_NAMES),
        }
        if let Some(session) = session {
            v.string("session", session, StringRule::len(20, 2048));
        }
        v.finish()?;
        let client_id = client_id.unwrap_or_default();
        let challenge = challenge.unwrap_or_default();
        if !ANSWERED.contains(&challenge) {
            return Err(CognitoError::invalid_parameter(format!(
                "cognito-harness does not implement the {challenge} challenge; only {}",
                ANSWERED.join(", ")
            )));
        }
        let pool = match pool_id {
            Some(id) => self.require_pool(id)?,
            None => self.pool_for_client(client_id)?,
        };
        {
            let guard = lock(&pool);
            guard
                .client(client_id)
                .ok_or_else(|| client_not_found(client_id))?;
            let response = |name: &str| responses.and_then(|r| r.get(name)).and_then(Value::as_str);
            let (name, hash) = (
                response("USERNAME").unwrap_or_default(),
                response("SECRET_HASH"),
            );
            secret_hash::check(&guard, client_id, name, hash, Carried::AuthParameter)?;
        }
        Ok(ChallengeAnswer {
            pool,
            client_id,
            challenge,
            session: session.unwrap_or_default(),
            responses,
            client_metadata,
        })
    }

    /// The NEW_PASSWORD_REQUIRED answer: the new password, then the tokens.
    fn answer_new_password(&self, answer: ChallengeAnswer<'_>) -> Result<SignedIn, CognitoError> {
        let ChallengeAnswer {
            pool,
            client_id,
            session,
            responses,
            client_metadata,
            ..
        } = answer;
        let now = self.now();
        let mut guard = lock(&pool);
        let expired = || {
            CognitoError::new(
                ErrorCode::NotAuthorizedException,
                "Invalid session for the user, session is expired.",
            )
        };
        let response = |name: &str| responses.and_then(|r| r.get(name)).and_then(Value::as_str);
        let password = response("NEW_PASSWORD").ok_or_else(|| missing_parameter("NEW_PASSWORD"))?;
        check_password_policy(&guard, password)?;
        let grant = guard
            .take_session(session, now)
            .filter(|g| g.client_id == client_id)
            .ok_or_else(expired)?;
        let mut user = guard.find_user_mut(&grant.username).ok_or_else(expired)?;
        if user.status != UserStatus::ForceChangePassword {
            return Err(expired());
        }
        // Required attributes the user had to supply come as `userAttributes.<name>`.
        for (name, value) in responses.into_iter().flatten() {
            if let (Some(attribute), Some(value)) =
                (name.strip_prefix("userAttributes."), value.as_str())
            {
                user.attributes
                    .insert(attribute.to_string(), value.to_string());
            }
        }
        user.password = Some(password.to_string());
        user.status = UserStatus::Confirmed;
        let username = user.username.clone();
        drop(user);
        let claims = token_claims(&guard, &username, client_id, None, now).ok_or_else(expired)?;
        let post =
            plan_post_authentication(&guard, &username, client_id, None, client_metadata.as_ref());
        drop(guard);
        // The password change stands even if PreTokenGeneration or PostAuthentication then fails
        // (assumed, §PTG.5; ruling AT-3).
        Ok(SignedIn::tokens(
            pool,
            claims,
            TriggerSource::TOKEN_GENERATION_NEW_PASSWORD_CHALLENGE,
            false,
            client_metadata,
        )
        .then_post_authentication(post))
    }
}
