//! SRP sign-in (cognito-semantics.md §SRP): InitiateAuth / AdminInitiateAuth with
//! `AuthFlow: USER_SRP_AUTH` answers a `PASSWORD_VERIFIER` challenge (SALT, SRP_B, SECRET_BLOCK,
//! USER_ID_FOR_SRP, USERNAME); (Admin)RespondToAuthChallenge with the client's
//! PASSWORD_CLAIM_SIGNATURE over its TIMESTAMP completes it. The maths is in `model::srp`.
//!
//! The pool stores plain passwords, so the verifier is computed from the stored password when the
//! challenge is made, with a fresh salt each time. PreAuthentication runs with the answer, before
//! the claim is checked; then the tokens go out through the same issue as a password sign-in
//! (PreTokenGeneration `TokenGeneration_Authentication`, then PostAuthentication). An unknown
//! user never reaches UserMigration: SRP never shows Cognito the password (§SRP.4).

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::auth::SESSION_SECONDS;
use super::auth::{incorrect, missing_parameter, password_matched, SignIn, SignedIn};
use super::auth_triggers::plan_pre_authentication;
use super::{lock, user_not_found, Cognito, Outcome, PoolHandle};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::srp;
use crate::pool::{SrpSession, UserStatus};
use crate::trigger::pre_authentication::SigningIn;
use crate::trigger::TriggerSource;

fn disabled() -> CognitoError {
    CognitoError::new(ErrorCode::NotAuthorizedException, "User is disabled.")
}

/// Bytes of a SECRET_BLOCK the harness makes (Cognito's are opaque and longer; clients only echo
/// them back).
const SECRET_BLOCK_BYTES: usize = 96;

/// A PASSWORD_VERIFIER answer, read from (Admin)RespondToAuthChallenge.
pub(crate) struct VerifierAnswer<'a> {
    /// The pool signed in to.
    pub pool: PoolHandle,
    /// The app client of the call.
    pub client_id: &'a str,
    /// `ChallengeResponses`.
    pub responses: Option<&'a Map<String, Value>>,
    /// The call's ClientMetadata (PreAuthentication's validationData, PostAuthentication's and
    /// PreTokenGeneration's clientMetadata).
    pub client_metadata: Option<Map<String, Value>>,
}

impl Cognito {
    /// Starts a USER_SRP_AUTH sign-in of `username` with the client's `srp_a` (the flow is
    /// allowed for the client and SECRET_HASH checked): the PASSWORD_VERIFIER challenge.
    pub(crate) fn start_srp_auth(
        &self,
        pool: &PoolHandle,
        client_id: &str,
        username: &str,
        srp_a: Option<&str>,
        now: u64,
    ) -> Result<SignedIn, CognitoError> {
        let srp_a = srp_a.ok_or_else(|| missing_parameter("SRP_A"))?;
        let a = srp::parse_hex(srp_a).ok_or_else(|| {
            CognitoError::invalid_parameter("SRP_A must be a hexadecimal number.")
        })?;
        if srp::is_degenerate(&a) {
            return Err(CognitoError::invalid_parameter("SRP_A mod N cannot be 0."));
        }
        let (pool_name, user_id, password, user_not_found) = {
            let guard = lock(pool);
            let pool_name = srp::pool_name(&guard.id).to_string();
            match guard.find_user(username) {
                Some(user) if !user.enabled => return Err(disabled()),
                Some(user) if user.status == UserStatus::Unconfirmed => {
                    return Err(CognitoError::new(
                        ErrorCode::UserNotConfirmedException,
                        "User is not confirmed.",
                    ))
                }
                Some(user) => (
                    pool_name,
                    user.username.clone(),
                    user.password.clone(),
                    false,
                ),
                // A client that hides user existence gets a challenge no answer can meet
                // (§SRP.5); a LEGACY one hears that the user does not exist.
                None if guard.prevents_user_existence_errors(client_id) => {
                    (pool_name, username.to_string(), None, true)
                }
                None => return Err(user_not_found()),
            }
        };
        // The modular exponentiations (a few ms) run with the pool unlocked. A user without a
        // password gets a verifier of a random one, which no claim matches.
        let password = password.unwrap_or_else(|| crate::model::tokens::random_alphanumeric(32));
        let salt = srp::new_salt();
        let v = srp::verifier(&pool_name, &user_id, &password, &salt);
        let step = srp::server_step(&a, &v, &salt);
        let mut block = vec![0u8; SECRET_BLOCK_BYTES];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut block);
        let secret_block = base64::engine::general_purpose::STANDARD.encode(block);
        let session = SrpSession {
            username: user_id.clone(),
            client_id: client_id.to_string(),
            user_not_found,
            key: step.key,
        };
        lock(pool).start_srp_session(&secret_block, session, now, SESSION_SECONDS);
        // No Session: the SECRET_BLOCK carries the sign-in to the answer (§SRP.1).
        Ok(SignedIn::Answer(json!({
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": {
                "SALT": step.salt,
                "SECRET_BLOCK": secret_block,
                "SRP_B": step.srp_b,
                "USERNAME": user_id,
                "USER_ID_FOR_SRP": user_id,
            }
        })))
    }

    /// Answers a PASSWORD_VERIFIER challenge: PreAuthentication, then the client's claim is
    /// checked against the key of its SECRET_BLOCK's sign-in, then the tokens.
    pub(crate) async fn answer_password_verifier(
        &self,
        outcome: &mut Outcome,
        answer: VerifierAnswer<'_>,
    ) -> Result<SignedIn, CognitoError> {
        let response = |name: &str| {
            answer
                .responses
                .and_then(|r| r.get(name))
                .and_then(Value::as_str)
                .ok_or_else(|| missing_parameter(name))
        };
        let username = response("USERNAME")?;
        let block = response("PASSWORD_CLAIM_SECRET_BLOCK")?;
        let signature = response("PASSWORD_CLAIM_SIGNATURE")?;
        let timestamp = response("TIMESTAMP")?;
        let device_key = response("DEVICE_KEY").ok();
        // Cognito reads the TIMESTAMP as a date and signs its own spelling of it (§SRP.3).
        let timestamp = srp::canonical_timestamp(timestamp).ok_or_else(|| {
            CognitoError::invalid_parameter(
                "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.",
            )
        })?;
        let now = self.now();
        let pool = answer.pool;
        let client_id = answer.client_id;
        let metadata = answer.client_metadata;
        let (session, pool_name, pre) = {
            let mut guard = lock(&pool);
            let session = guard
                .take_srp_session(block, now)
                .filter(|s| s.client_id == client_id)
                .ok_or_else(incorrect)?;
            // USERNAME names the user of the challenge (USER_ID_FOR_SRP or a name of theirs).
            let same_user = session.username == username
                || guard
                    .find_user(username)
                    .is_some_and(|u| u.username == session.username);
            if !same_user {
                return Err(incorrect());
            }
            let who = if session.user_not_found {
                Some(SigningIn::NotFound(&session.username))
            } else {
                match guard.find_user(&session.username) {
                    Some(user) if user.enabled => Some(SigningIn::Found(user)),
                    _ => None,
                }
            };
            let pre = who
                .and_then(|who| plan_pre_authentication(&guard, who, client_id, metadata.as_ref()));
            let pool_name = srp::pool_name(&guard.id).to_string();
            (session, pool_name, pre)
        };
        let source = TriggerSource::PRE_AUTHENTICATION_AUTHENTICATION;
        self.run_auth_trigger(outcome, &pool, source, pre).await?;

        let b64 = base64::engine::general_purpose::STANDARD;
        let (Ok(block_bytes), Ok(signature)) = (b64.decode(block), b64.decode(signature)) else {
            return Err(incorrect());
        };
        let matches = srp::claim_matches(
            &session.key,
            &pool_name,
            &session.username,
            &block_bytes,
            &timestamp,
            &signature,
        );
        let guard = lock(&pool);
        if session.user_not_found || !matches {
            return Err(incorrect());
        }
        let user = guard.find_user(&session.username).ok_or_else(incorrect)?;
        if !user.enabled {
            return Err(disabled());
        }
        let username = user.username.clone();
        let signed_in = SignIn {
            client_id,
            device_key,
            post_metadata: metadata.as_ref(),
            token_metadata: metadata.clone(),
            now,
        };
        password_matched(&pool, guard, &username, signed_in)
    }
}
