//! UpdateUserPool and DescribeUserPool (cognito-semantics.md §4.1).

use serde_json::{json, Value};

use super::validate::string_member;
use super::{lock, Cognito, Outcome};
use crate::error::CognitoError;
use crate::pool::PoolConfig;

impl Cognito {
    /// UpdateUserPool: omitted members reset to Cognito's defaults; the outcome's warnings list
    /// what the call reset or removed.
    pub fn update_user_pool(&self, request: &Value) -> Outcome {
        let result = (|| {
            let id = string_member(request, "UserPoolId")?.unwrap_or_default();
            let pool = self.require_pool(id)?;
            let mut config: PoolConfig = serde_json::from_value(request.clone()).map_err(|e| {
                CognitoError::new(
                    crate::error::ErrorCode::SerializationException,
                    e.to_string(),
                )
            })?;
            let mut guard = lock(&pool);
            // CreateUserPool-only members survive an update.
            config.schema = guard.config.schema.clone();
            config.username_attributes = guard.config.username_attributes.clone();
            config.alias_attributes = guard.config.alias_attributes.clone();
            config.username_configuration = guard.config.username_configuration.clone();
            config.pool_name = config.pool_name.or_else(|| guard.config.pool_name.clone());
            guard.set_config(config);
            Ok(json!({}))
        })();
        Outcome::new("UpdateUserPool", result)
    }

    /// DescribeUserPool: `{"UserPool": {...}}`.
    pub fn describe_user_pool(&self, request: &Value) -> Outcome {
        let result = (|| {
            let id = string_member(request, "UserPoolId")?.unwrap_or_default();
            let pool = self.require_pool(id)?;
            let guard = lock(&pool);
            let mut described = serde_json::to_value(&guard.config).unwrap_or_else(|_| json!({}));
            described["Id"] = json!(guard.id);
            described["Arn"] = json!(guard.arn());
            Ok(json!({ "UserPool": described }))
        })();
        Outcome::new("DescribeUserPool", result)
    }
}
