//! SECRET_HASH (cognito-semantics.md §SH): an app client with a secret requires every client-side
//! call that names a user to prove it knows the secret with
//! `Base64(HMAC-SHA256(client secret, username | client id))`, as the `SecretHash` member
//! (SignUp, ConfirmSignUp, ForgotPassword, ConfirmForgotPassword, ResendConfirmationCode) or the
//! `SECRET_HASH` auth parameter / challenge response (InitiateAuth, RespondToAuthChallenge).

use serde_json::Value;

use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::{string_member, StringRule, Validator};
use crate::model::srp::secret_hash_matches;
use crate::pool::UserPool;

/// SecretHashType: 1–128 characters of `[\w+=/]+` (sensitive); the length is what Coral checks
/// here (a hash of other characters simply does not verify).
const SECRET_HASH_RULE: StringRule = StringRule {
    min: Some(1),
    max: Some(128),
    pattern: None,
    sensitive: true,
};

/// Where the call carries the hash, which decides Cognito's wording when it is missing or wrong.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carried {
    /// The `SecretHash` member of the sign-up and code calls.
    Member,
    /// `SECRET_HASH` in AuthParameters or ChallengeResponses of a sign-in.
    AuthParameter,
    /// `SECRET_HASH` of a REFRESH_TOKEN_AUTH sign-in.
    Refresh,
}

/// Checks `given` for a call through `client_id` on behalf of `name` (as the caller named the
/// user). The hash may be over that name or over the user's stored username (and for a refresh,
/// their `sub`): SDKs hash what the user typed, or the username Cognito gave back.
pub(crate) fn check(
    pool: &UserPool,
    client_id: &str,
    name: &str,
    given: Option<&str>,
    carried: Carried,
) -> Result<(), CognitoError> {
    let Some(client) = pool.client(client_id) else {
        return Ok(());
    };
    let Some(secret) = client.client_secret.as_deref() else {
        // A SecretHash member for a client without a secret is refused (observed); an auth
        // parameter is ignored (assumed).
        if carried == Carried::Member && given.is_some() {
            return Err(CognitoError::invalid_parameter(format!(
                "App client {client_id} is not configured for secret but secret hash was received"
            )));
        }
        return Ok(());
    };
    let Some(given) = given else {
        return Err(CognitoError::new(
            ErrorCode::NotAuthorizedException,
            match carried {
                Carried::Member => {
                    format!(
                        "Client {client_id} is configured for secret but secret was not received"
                    )
                }
                _ => format!(
                    "Client {client_id} is configured with secret but SECRET_HASH was not received"
                ),
            },
        ));
    };
    let user = pool.find_user(name);
    let mut names = vec![name];
    if let Some(user) = user {
        names.push(&user.username);
        if carried == Carried::Refresh {
            names.push(&user.sub);
        }
    }
    if names
        .iter()
        .any(|n| secret_hash_matches(secret, n, client_id, given))
    {
        return Ok(());
    }
    Err(CognitoError::new(
        ErrorCode::NotAuthorizedException,
        match carried {
            Carried::Refresh => format!("SecretHash does not match for the client: {client_id}"),
            _ => format!("Unable to verify secret hash for client {client_id}"),
        },
    ))
}

/// Reads and checks the `SecretHash` member of a sign-up or code call for `name`.
pub(crate) fn check_member(
    pool: &UserPool,
    request: &Value,
    client_id: &str,
    name: &str,
) -> Result<(), CognitoError> {
    let given = string_member(request, "SecretHash")?;
    if let Some(hash) = given {
        let mut v = Validator::new();
        v.string("secretHash", hash, SECRET_HASH_RULE);
        v.finish()?;
    }
    check(pool, client_id, name, given, Carried::Member)
}
