//! What ends or changes a signed-in session: ChangePassword, GlobalSignOut,
//! AdminUserGlobalSignOut, RevokeToken and DeleteUser, with the model's validation and Cognito's
//! texts (docs/cognito-semantics.md §SU). Revoked access tokens are then refused on every
//! access-token call with `Access Token has been revoked`; revoked refresh tokens with
//! `Invalid Refresh Token.`.

use serde_json::{json, Value};

use super::auth::check_password_policy;
use super::password_policy::PASSWORD_RULE;
use super::{lock, user_not_found, Cognito, Outcome, PoolHandle};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::{
    string_member, StringRule, Validator, ACCESS_TOKEN_RULE, CLIENT_ID_RULE,
};
use crate::model::patterns::ACCESS_TOKEN;
use crate::pool::{now_seconds, AccessGrant};

/// TokenModelType of RevokeToken's `Token` (sensitive).
const TOKEN_RULE: StringRule = StringRule {
    min: None,
    max: None,
    pattern: Some(&ACCESS_TOKEN),
    sensitive: true,
};
/// ClientSecretType: 1–64, `[\w+]+` (sensitive).
const CLIENT_SECRET_RULE: StringRule = StringRule {
    min: Some(1),
    max: Some(64),
    pattern: None,
    sensitive: true,
};

impl Cognito {
    /// Checks `AccessToken` (with the request's other members, `more`) and finds its pool and
    /// grant: a signed-out or revoked token gets `Access Token has been revoked`.
    pub(crate) fn access_token_request(
        &self,
        request: &Value,
        more: impl FnOnce(&mut Validator) -> Result<(), CognitoError>,
    ) -> Result<(PoolHandle, AccessGrant), CognitoError> {
        let token = string_member(request, "AccessToken")?;
        let mut v = Validator::new();
        more(&mut v)?;
        v.required_string("accessToken", token, ACCESS_TOKEN_RULE);
        v.finish()?;
        self.pool_for_token(token.unwrap_or_default())
    }

    /// ChangePassword: the signed-in user replaces their password. A wrong `PreviousPassword`
    /// is `Incorrect username or password.`; the new one must meet the pool's policy. The
    /// user's tokens stay valid (as on AWS).
    pub fn change_password(&self, request: &Value) -> Outcome {
        let result = (|| {
            let previous = string_member(request, "PreviousPassword")?;
            let proposed = string_member(request, "ProposedPassword")?;
            let (pool, grant) = self.access_token_request(request, |v| {
                if let Some(p) = previous {
                    v.string("previousPassword", p, PASSWORD_RULE);
                }
                v.required_string("proposedPassword", proposed, PASSWORD_RULE);
                Ok(())
            })?;
            let proposed = proposed.unwrap_or_default();
            let mut guard = lock(&pool);
            let user = guard
                .find_user(&grant.username)
                .ok_or_else(user_not_found)?;
            // Assumed: a user with a password must give it (PreviousPassword became optional
            // for passwordless users only).
            if user.password.is_some() && user.password.as_deref() != previous {
                return Err(CognitoError::new(
                    ErrorCode::NotAuthorizedException,
                    "Incorrect username or password.",
                ));
            }
            check_password_policy(&guard, proposed)?;
            let mut user = guard
                .find_user_mut(&grant.username)
                .ok_or_else(user_not_found)?;
            user.password = Some(proposed.to_string());
            user.last_modified = now_seconds();
            Ok(json!({}))
        })();
        Outcome::new("ChangePassword", result)
    }

    /// GlobalSignOut: every access token of the user is revoked and every refresh token
    /// forgotten; the ID tokens stay valid until they expire (API reference).
    pub fn global_sign_out(&self, request: &Value) -> Outcome {
        let result = self
            .access_token_request(request, |_| Ok(()))
            .map(|(pool, grant)| {
                lock(&pool).sign_out_everywhere(&grant.username);
                json!({})
            });
        Outcome::new("GlobalSignOut", result)
    }

    /// AdminUserGlobalSignOut: GlobalSignOut for a user named by an administrator.
    pub fn admin_user_global_sign_out(&self, request: &Value) -> Outcome {
        let result = self
            .admin_user_request(request, |_| Ok(()))
            .and_then(|req| {
                let mut guard = lock(&req.pool);
                let username = guard
                    .find_user(&req.username)
                    .ok_or_else(user_not_found)?
                    .username
                    .clone();
                guard.sign_out_everywhere(&username);
                Ok(json!({}))
            });
        Outcome::new("AdminUserGlobalSignOut", result)
    }

    /// RevokeToken: revokes a refresh token and the access tokens issued with it. An unknown
    /// token is answered as success (RFC 7009 §2.2); a client with a secret must send it.
    pub fn revoke_token(&self, request: &Value) -> Outcome {
        let result = (|| {
            let token = string_member(request, "Token")?;
            let client_id = string_member(request, "ClientId")?;
            let secret = string_member(request, "ClientSecret")?;
            let mut v = Validator::new();
            v.required_string("token", token, TOKEN_RULE);
            v.required_string("clientId", client_id, CLIENT_ID_RULE);
            if let Some(s) = secret {
                v.string("clientSecret", s, CLIENT_SECRET_RULE);
            }
            v.finish()?;
            let (token, client_id) = (token.unwrap_or_default(), client_id.unwrap_or_default());
            let pool = self.pool_for_client(client_id)?;
            let mut guard = lock(&pool);
            let client = guard
                .client(client_id)
                .cloned()
                .ok_or_else(|| super::auth::client_not_found(client_id))?;
            if let Some(expected) = &client.client_secret {
                if secret != Some(expected.as_str()) {
                    return Err(CognitoError::new(
                        ErrorCode::NotAuthorizedException,
                        format!("Client {client_id} is configured with secret but it was not received or is not correct"),
                    ));
                }
            }
            if guard
                .refresh_grant(token)
                .is_some_and(|g| g.client_id == client_id)
            {
                guard.revoke_refresh_token(token);
            }
            Ok(json!({}))
        })();
        Outcome::new("RevokeToken", result)
    }

    /// DeleteUser: the signed-in user deletes themself; their tokens stand for nothing after.
    pub fn delete_user(&self, request: &Value) -> Outcome {
        let result = self
            .access_token_request(request, |_| Ok(()))
            .and_then(|(pool, grant)| {
                let mut guard = lock(&pool);
                guard
                    .remove_user(&grant.username)
                    .ok_or_else(user_not_found)?;
                Ok(json!({}))
            });
        Outcome::new("DeleteUser", result)
    }
}
