//! Reading the members most user-facing actions share (`ClientId` or `UserPoolId`, `Username`,
//! `ClientMetadata`, `[{"Name", "Value"}]` lists), validated with Coral's messages and resolved to
//! the pool.

use serde_json::{Map, Value};

use super::{client_user_not_found, lock, user_not_found, Cognito, PoolHandle};
use crate::model::cognito_error::CognitoError;
use crate::model::coral::{
    serialization_error, string_map_member, string_member, Validator, CLIENT_ID_RULE,
    USERNAME_RULE, USER_POOL_ID_RULE,
};
use crate::trigger::Caller;

/// `[{"Name", "Value"}]` request lists (UserAttributes, ValidationData) as a map, later entries
/// winning; shape errors are the protocol's.
pub(crate) fn name_value_list(
    request: &Value,
    member: &str,
) -> Result<Option<Map<String, Value>>, CognitoError> {
    let Some(list) = request.get(member).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let Some(items) = list.as_array() else {
        return Err(serialization_error(member, "list"));
    };
    let mut map = Map::new();
    for item in items {
        let name = item.get("Name").and_then(Value::as_str);
        let value = match item.get("Value") {
            None | Some(Value::Null) => Some(""),
            Some(v) => v.as_str(),
        };
        match (item.is_object(), name, value) {
            (true, Some(n), Some(v)) => {
                map.insert(n.to_string(), Value::from(v));
            }
            _ => return Err(serialization_error(member, "list of {Name, Value} strings")),
        }
    }
    Ok(Some(map))
}

/// The members most user-facing actions share: `ClientId` (or `UserPoolId`), `Username` and
/// `ClientMetadata`, validated and resolved to the pool.
pub(crate) struct UserRequest {
    pub pool: PoolHandle,
    /// The app client for client-side calls; `None` for admin calls.
    pub client_id: Option<String>,
    pub username: String,
    pub metadata: Option<Map<String, Value>>,
}

impl UserRequest {
    pub fn caller(&self) -> Caller<'_> {
        self.client_id
            .as_deref()
            .map_or(Caller::Admin, Caller::Client)
    }

    /// The user-not-found exception for this kind of call: client-side calls do not say whether
    /// the user or the client was wrong.
    pub fn user_not_found(&self) -> CognitoError {
        match self.client_id {
            Some(_) => client_user_not_found(),
            None => user_not_found(),
        }
    }
}

impl Cognito {
    /// Reads `ClientId`, `Username`, `ClientMetadata` of a client-side call; `extra` validates the
    /// action's other members in the same Coral message.
    pub(crate) fn client_user_request(
        &self,
        request: &Value,
        extra: impl FnOnce(&mut Validator) -> Result<(), CognitoError>,
    ) -> Result<UserRequest, CognitoError> {
        let client_id = string_member(request, "ClientId")?;
        let username = string_member(request, "Username")?;
        let metadata = string_map_member(request, "ClientMetadata")?.cloned();
        let mut v = Validator::new();
        v.required_string("clientId", client_id, CLIENT_ID_RULE);
        v.required_string("username", username, USERNAME_RULE);
        extra(&mut v)?;
        v.finish()?;
        let client_id = client_id.unwrap_or_default();
        let pool = self.pool_for_client(client_id)?;
        let username = username.unwrap_or_default();
        super::secret_hash::check_member(&lock(&pool), request, client_id, username)?;
        Ok(UserRequest {
            pool,
            client_id: Some(client_id.to_string()),
            username: username.to_string(),
            metadata,
        })
    }

    /// Reads `UserPoolId`, `Username`, `ClientMetadata` of an admin call.
    pub(crate) fn admin_user_request(
        &self,
        request: &Value,
        extra: impl FnOnce(&mut Validator) -> Result<(), CognitoError>,
    ) -> Result<UserRequest, CognitoError> {
        let pool_id = string_member(request, "UserPoolId")?;
        let username = string_member(request, "Username")?;
        let metadata = string_map_member(request, "ClientMetadata")?.cloned();
        let mut v = Validator::new();
        v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
        v.required_string("username", username, USERNAME_RULE);
        extra(&mut v)?;
        v.finish()?;
        Ok(UserRequest {
            pool: self.require_pool(pool_id.unwrap_or_default())?,
            client_id: None,
            username: username.unwrap_or_default().to_string(),
            metadata,
        })
    }
}
