//! AdminGetUser and the user shapes responses share.

use serde_json::{json, Value};

use super::sign_up::{USERNAME_RULE, USER_POOL_ID_RULE};
use super::validate::{string_member, Validator};
use super::{lock, user_not_found, Cognito, Outcome};
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
        let result = (|| {
            let pool_id = string_member(request, "UserPoolId")?;
            let username = string_member(request, "Username")?;
            let mut v = Validator::new();
            v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
            v.required_string("username", username, USERNAME_RULE);
            v.finish()?;
            let pool = self.require_pool(pool_id.unwrap_or_default())?;
            let guard = lock(&pool);
            let user = guard
                .find_user(username.unwrap_or_default())
                .ok_or_else(user_not_found)?;
            Ok(json!({
                "Username": user.username,
                "UserAttributes": user.attribute_list(),
                "UserCreateDate": user.created,
                "UserLastModifiedDate": user.last_modified,
                "Enabled": user.enabled,
                "UserStatus": user.status.as_str(),
            }))
        })();
        Outcome::new("AdminGetUser", result)
    }
}
