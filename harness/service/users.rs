//! AdminGetUser and the user shapes responses share.

use serde_json::{json, Value};

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
                Ok(response)
            });
        Outcome::new("AdminGetUser", result)
    }
}
