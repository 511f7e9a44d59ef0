//! Trigger events, built as raw JSON so every null, absent key and string-typed boolean is exactly
//! what Cognito sends (cognito-semantics.md §1). Typed aws_lambda_events values are for handler
//! authors; they drop `linkParameter` and turn an absent `clientMetadata` into `{}`.

use std::fmt;

use serde_json::{Map, Value};

use crate::pool::{User, UserPool};

/// `callerContext.clientId` for admin (IAM-authorised) API calls (§1.1).
pub const CLIENT_ID_NOT_APPLICABLE: &str = "CLIENT_ID_NOT_APPLICABLE";
/// `callerContext.awsSdkVersion` when the caller's SDK is unknown (§1.1).
pub const AWS_SDK_UNKNOWN: &str = "aws-sdk-unknown-unknown";
/// `request.codeParameter`: always the placeholder (ruling 6).
pub const CODE_PARAMETER: &str = "{####}";
/// `request.linkParameter` (§1.2).
pub const LINK_PARAMETER: &str = "{##Click Here##}";
/// `request.usernameParameter` for AdminCreateUser (§1.2).
pub const USERNAME_PARAMETER: &str = "{username}";

/// The trigger sources the harness fires (§1.2, §1.3).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum TriggerSource {
    CustomMessageSignUp,
    CustomMessageAdminCreateUser,
    CustomMessageResendCode,
    CustomMessageForgotPassword,
    CustomMessageUpdateUserAttribute,
    CustomMessageVerifyUserAttribute,
    CustomMessageAuthentication,
    PreSignUpSignUp,
    PreSignUpAdminCreateUser,
    PreSignUpExternalProvider,
}

/// The trigger a source belongs to: the LambdaConfig key and the name in Cognito's error texts.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Trigger {
    CustomMessage,
    PreSignUp,
}

impl Trigger {
    pub fn name(self) -> &'static str {
        match self {
            Trigger::CustomMessage => "CustomMessage",
            Trigger::PreSignUp => "PreSignUp",
        }
    }

    /// The ARN configured for this trigger in the pool, if any.
    pub fn arn(self, pool: &UserPool) -> Option<&str> {
        match self {
            Trigger::CustomMessage => pool.config.custom_message_arn(),
            Trigger::PreSignUp => pool.config.pre_sign_up_arn(),
        }
    }
}

impl TriggerSource {
    pub const ALL: [TriggerSource; 10] = [
        TriggerSource::CustomMessageSignUp,
        TriggerSource::CustomMessageAdminCreateUser,
        TriggerSource::CustomMessageResendCode,
        TriggerSource::CustomMessageForgotPassword,
        TriggerSource::CustomMessageUpdateUserAttribute,
        TriggerSource::CustomMessageVerifyUserAttribute,
        TriggerSource::CustomMessageAuthentication,
        TriggerSource::PreSignUpSignUp,
        TriggerSource::PreSignUpAdminCreateUser,
        TriggerSource::PreSignUpExternalProvider,
    ];

    /// The wire name, e.g. `CustomMessage_UpdateUserAttribute`.
    pub fn name(self) -> &'static str {
        match self {
            TriggerSource::CustomMessageSignUp => "CustomMessage_SignUp",
            TriggerSource::CustomMessageAdminCreateUser => "CustomMessage_AdminCreateUser",
            TriggerSource::CustomMessageResendCode => "CustomMessage_ResendCode",
            TriggerSource::CustomMessageForgotPassword => "CustomMessage_ForgotPassword",
            TriggerSource::CustomMessageUpdateUserAttribute => "CustomMessage_UpdateUserAttribute",
            TriggerSource::CustomMessageVerifyUserAttribute => "CustomMessage_VerifyUserAttribute",
            TriggerSource::CustomMessageAuthentication => "CustomMessage_Authentication",
            TriggerSource::PreSignUpSignUp => "PreSignUp_SignUp",
            TriggerSource::PreSignUpAdminCreateUser => "PreSignUp_AdminCreateUser",
            TriggerSource::PreSignUpExternalProvider => "PreSignUp_ExternalProvider",
        }
    }

    pub fn from_name(name: &str) -> Option<TriggerSource> {
        TriggerSource::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn trigger(self) -> Trigger {
        match self {
            TriggerSource::PreSignUpSignUp
            | TriggerSource::PreSignUpAdminCreateUser
            | TriggerSource::PreSignUpExternalProvider => Trigger::PreSignUp,
            _ => Trigger::CustomMessage,
        }
    }
}

impl fmt::Display for TriggerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who called the API: an app client, or an admin (IAM) caller.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Caller<'a> {
    Admin,
    Client(&'a str),
}

/// The envelope shared by every user-pool trigger (§1.1), in the key order of real events.
fn envelope(
    pool: &UserPool,
    source: TriggerSource,
    user_name: &str,
    caller: Caller<'_>,
    request: Value,
    response: Value,
) -> Value {
    let client_id = match caller {
        Caller::Admin => CLIENT_ID_NOT_APPLICABLE,
        Caller::Client(id) => id,
    };
    let mut event = Map::with_capacity(8);
    event.insert("version".into(), Value::from("1"));
    event.insert("region".into(), Value::from(pool.region.as_str()));
    event.insert("userPoolId".into(), Value::from(pool.id.as_str()));
    event.insert("userName".into(), Value::from(user_name));
    let mut caller_context = Map::with_capacity(2);
    caller_context.insert("awsSdkVersion".into(), Value::from(AWS_SDK_UNKNOWN));
    caller_context.insert("clientId".into(), Value::from(client_id));
    event.insert("callerContext".into(), Value::Object(caller_context));
    event.insert("triggerSource".into(), Value::from(source.name()));
    event.insert("request".into(), request);
    event.insert("response".into(), response);
    Value::Object(event)
}

/// The user's stored attributes as CustomMessage events show them (§1.2): all strings, `sub`
/// first, then the `cognito:` system attributes, then the rest in stored order.
pub fn stored_attributes(pool: &UserPool, user: &User) -> Map<String, Value> {
    let mut map = Map::with_capacity(user.attributes.len() + 3);
    map.insert("sub".into(), Value::from(user.sub.as_str()));
    for attr in ["email", "phone_number"] {
        if pool.config.is_sign_in_alias(attr) && user.is_verified(attr) {
            if let Some(value) = user.attribute(attr) {
                map.insert(format!("cognito:{attr}_alias"), Value::from(value));
            }
        }
    }
    map.insert(
        "cognito:user_status".into(),
        Value::from(user.status.as_str()),
    );
    for (name, value) in &user.attributes {
        map.insert(name.clone(), Value::from(value.as_str()));
    }
    map
}

/// A CustomMessage event (§1.2): `codeParameter` `{####}`, `linkParameter`, `usernameParameter`
/// only for AdminCreateUser, `clientMetadata` only when the call carried it, `response` three nulls.
pub fn custom_message(
    pool: &UserPool,
    source: TriggerSource,
    user: &User,
    caller: Caller<'_>,
    client_metadata: Option<&Map<String, Value>>,
) -> Value {
    let mut request = Map::with_capacity(5);
    request.insert(
        "userAttributes".into(),
        Value::Object(stored_attributes(pool, user)),
    );
    request.insert("codeParameter".into(), Value::from(CODE_PARAMETER));
    request.insert("linkParameter".into(), Value::from(LINK_PARAMETER));
    let username_parameter = match source {
        TriggerSource::CustomMessageAdminCreateUser => Value::from(USERNAME_PARAMETER),
        _ => Value::Null,
    };
    request.insert("usernameParameter".into(), username_parameter);
    if let Some(metadata) = client_metadata {
        request.insert("clientMetadata".into(), Value::Object(metadata.clone()));
    }
    let mut response = Map::with_capacity(3);
    response.insert("smsMessage".into(), Value::Null);
    response.insert("emailMessage".into(), Value::Null);
    response.insert("emailSubject".into(), Value::Null);
    envelope(
        pool,
        source,
        &user.username,
        caller,
        Value::Object(request),
        Value::Object(response),
    )
}

/// A PreSignUp event (§1.3, ruling 4): only the supplied attributes, `validationData` null when
/// absent, `clientMetadata` only when supplied, `response` three `false`s.
pub fn pre_sign_up(
    pool: &UserPool,
    source: TriggerSource,
    user_name: &str,
    caller: Caller<'_>,
    supplied_attributes: Map<String, Value>,
    validation_data: Option<&Map<String, Value>>,
    client_metadata: Option<&Map<String, Value>>,
) -> Value {
    let mut request = Map::with_capacity(3);
    request.insert("userAttributes".into(), Value::Object(supplied_attributes));
    request.insert(
        "validationData".into(),
        validation_data.map_or(Value::Null, |v| Value::Object(v.clone())),
    );
    if let Some(metadata) = client_metadata {
        request.insert("clientMetadata".into(), Value::Object(metadata.clone()));
    }
    let mut response = Map::with_capacity(3);
    response.insert("autoConfirmUser".into(), Value::Bool(false));
    response.insert("autoVerifyEmail".into(), Value::Bool(false));
    response.insert("autoVerifyPhone".into(), Value::Bool(false));
    envelope(
        pool,
        source,
        user_name,
        caller,
        Value::Object(request),
        Value::Object(response),
    )
}
