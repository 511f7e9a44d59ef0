//! UpdateUserPool and DescribeUserPool (cognito-semantics.md §4.1, DG-UPD).

use serde_json::{json, Map, Value};

use super::pool_config::{
    config_warnings, ignored_warnings, parse_pool_request, validate_pool_config, PoolRequest,
};
use super::{lock, Cognito, Outcome};
use crate::model::cognito_error::CognitoError;
use crate::model::coral::USER_POOL_ID_RULE;
use crate::model::coral::{string_member, Validator};
use crate::pool::defaults::{effective, reset_warnings, schema_attributes};
use crate::pool::{PoolConfig, UserPool};

impl Cognito {
    /// UpdateUserPool: answers `{}`. Members left out reset to Cognito's defaults (all but
    /// `UserPoolTier`, per the API reference, and `PoolName`, assumed); CreateUserPool-only
    /// members (Schema, UsernameAttributes, AliasAttributes, UsernameConfiguration) survive.
    /// The outcome's warnings list every setting the call reset or removed without naming it
    /// (wording in `pool::defaults`), then members it ignored.
    pub fn update_user_pool(&self, request: &Value) -> Outcome {
        const ACTION: &str = "UpdateUserPool";
        let mut warnings = Vec::new();
        let result = (|| {
            let id = string_member(request, "UserPoolId")?;
            let (mut config, ignored) = parse_pool_request(request, PoolRequest::Update)?;
            let mut v = Validator::new();
            v.required_string("userPoolId", id, USER_POOL_ID_RULE);
            v.finish()?;
            validate_pool_config(&config, PoolRequest::Update)?;
            let pool = self.require_pool(id.unwrap_or_default())?;
            let mut guard = lock(&pool);
            let before = &guard.config;
            config.schema = before.schema.clone();
            config.username_attributes = before.username_attributes.clone();
            config.alias_attributes = before.alias_attributes.clone();
            config.username_configuration = before.username_configuration.clone();
            config.pool_name = config.pool_name.or_else(|| before.pool_name.clone());
            config.user_pool_tier = config
                .user_pool_tier
                .or_else(|| before.user_pool_tier.clone());
            warnings.extend(reset_warnings(before, &config, request));
            warnings.extend(ignored_warnings(ACTION, &ignored));
            warnings.extend(config_warnings(&config));
            guard.set_config(config);
            Ok(json!({}))
        })();
        let mut outcome = Outcome::new(ACTION, result);
        if outcome.is_success() {
            outcome.warnings = warnings;
        }
        outcome
    }

    /// DescribeUserPool: `{"UserPool": {...}}` in the shape of UserPoolType.
    pub fn describe_user_pool(&self, request: &Value) -> Outcome {
        let result = (|| {
            let id = string_member(request, "UserPoolId")?;
            let mut v = Validator::new();
            v.required_string("userPoolId", id, USER_POOL_ID_RULE);
            v.finish()?;
            let pool = self.require_pool(id.unwrap_or_default())?;
            let guard = lock(&pool);
            Ok::<_, CognitoError>(json!({ "UserPool": describe_pool(&guard) }))
        })();
        Outcome::new("DescribeUserPool", result)
    }
}

/// A pool as UserPoolType describes it: members in the model's order, defaults filled in,
/// dates as epoch seconds (the JSON protocol's timestamp format).
pub fn describe_pool(pool: &UserPool) -> Value {
    let config: &PoolConfig = &pool.config;
    let mut settings = effective(config);
    let mut out = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            out.insert(key.to_string(), value);
        }
    };
    let mut take = |key: &str| settings.remove(key);
    put("Id", Some(json!(pool.id)));
    put("Name", take("PoolName"));
    put("Policies", take("Policies"));
    put("DeletionProtection", take("DeletionProtection"));
    put("LambdaConfig", take("LambdaConfig"));
    put("LastModifiedDate", Some(json!(pool.last_modified)));
    put("CreationDate", Some(json!(pool.created)));
    put("SchemaAttributes", Some(schema_attributes(config)));
    for key in [
        "AutoVerifiedAttributes",
        "AliasAttributes",
        "UsernameAttributes",
        "SmsVerificationMessage",
        "EmailVerificationMessage",
        "EmailVerificationSubject",
        "VerificationMessageTemplate",
        "SmsAuthenticationMessage",
        "UserAttributeUpdateSettings",
        "MfaConfiguration",
        "DeviceConfiguration",
    ] {
        put(key, take(key));
    }
    put("EstimatedNumberOfUsers", Some(json!(pool.users().count())));
    for key in [
        "EmailConfiguration",
        "SmsConfiguration",
        "UserPoolTags",
        "AdminCreateUserConfig",
        "UserPoolAddOns",
        "UsernameConfiguration",
    ] {
        put(key, take(key));
    }
    put("Arn", Some(json!(pool.arn())));
    for key in [
        "AccountRecoverySetting",
        "UserPoolTier",
        "KeyConfiguration",
        "IssuerConfiguration",
    ] {
        put(key, take(key));
    }
    Value::Object(out)
}
