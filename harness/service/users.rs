//! AdminGetUser, GetUser and the user shapes responses share.

use serde_json::{json, Value};

use super::{lock, user_not_found, Cognito, Outcome};
use crate::model::coral::{string_member, Validator, ACCESS_TOKEN_RULE};
use crate::pool::User;

/// UserType (AdminCreateUser's `User`, ListUsers' entries): attributes under `Attributes`.
pub fn user_type(user: &User) -> Value {
    json!({
        "Username": user.username,
        "Attributes": user.attribute_list(),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.last_modified,
        "Enabled": user.enabled,
        "UserStatus": user.status.as_str(),
    })
}

impl Cognito {
    /// AdminGetUser: the user with `UserAttributes`.
    pub fn admin_get_user(&self, request: &Value) -> Outcome {
        let result = self
            .admin_user_request(request, |_| Ok(()))
            .and_then(|req| {
                let guard = lock(&req.pool);
                let user = guard.find_user(&req.username).ok_or_else(user_not_found)?;
                let mut response = user_type(user);
                let attributes = response
                    .as_object_mut()
                    .and_then(|o| o.remove("Attributes"));
                response["UserAttributes"] = attributes.unwrap_or_default();
                super::mfa::add_mfa_settings(&mut response, user);
                Ok(response)
            });
        Outcome::new("AdminGetUser", result)
    }

    /// GetUser: the user an access token stands for, with `UserAttributes`. Only an access token
    /// the pool issued, signed and still valid is accepted (cognito-semantics.md §T.5).
    pub fn get_user(&self, request: &Value) -> Outcome {
        let result = (|| {
            let token = string_member(request, "AccessToken")?;
            let mut v = Validator::new();
            v.required_string("accessToken", token, ACCESS_TOKEN_RULE);
            v.finish()?;
            let (pool, grant) = self.pool_for_token(token.unwrap_or_default())?;
            let guard = lock(&pool);
            let user = guard
                .find_user(&grant.username)
                .ok_or_else(user_not_found)?;
            let mut response =
                json!({"Username": user.username, "UserAttributes": user.attribute_list()});
            super::mfa::add_mfa_settings(&mut response, user);
            Ok(response)
        })();
        Outcome::new("GetUser", result)
    }
}
