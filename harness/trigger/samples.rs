//! Realistic sample events for every trigger source, built offline by the same code that builds
//! the events the harness sends (for `cognito-harness events` and `fixtures/events/`). Values are
//! fixed so samples are reproducible.

use serde_json::{Map, Value};

use super::{custom_message, kind, pre_sign_up, Caller, TriggerSource};
use crate::pool::{PoolConfig, User, UserPool, UserStatus};

/// The pool id sample events carry.
pub const SAMPLE_POOL_ID: &str = "us-east-1_EXAMPLE01";
/// The app client id sample events carry.
pub const SAMPLE_CLIENT_ID: &str = "4kd9i6e3r1cbhvc0oe8lfgbqsd";
/// The `sub` of the sample user.
pub const SAMPLE_SUB: &str = "6a4b2c1e-9f3d-4e8a-b7c5-2d1f0e9a8b7c";

/// A sample event for `source`; `client_metadata` is added where Cognito forwards it (table 2.1).
pub fn sample_event(source: TriggerSource, client_metadata: Option<&Map<String, Value>>) -> Value {
    let metadata = client_metadata.filter(|_| source.forwards_client_metadata());
    (kind(source.trigger()).sample)(source, metadata)
}

/// The file name a source's sample has in `fixtures/events/`, in aws-lambda-rust-runtime's style.
pub fn fixture_name(source: TriggerSource) -> String {
    let (trigger, variant) = source
        .name()
        .split_once('_')
        .expect("sources are Trigger_Variant");
    let kebab = |s: &str| {
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    };
    format!(
        "example-cognito-event-userpools-{}-{}.json",
        trigger.to_lowercase(),
        kebab(variant)
    )
}

/// The sample pool: e-mail verified on sign-up.
fn sample_pool() -> UserPool {
    let config: PoolConfig =
        serde_json::from_value(serde_json::json!({"AutoVerifiedAttributes": ["email"]}))
            .expect("static sample config");
    UserPool::with_id(SAMPLE_POOL_ID, config)
}

/// A sample CustomMessage event: Jane, as the source's flow would have stored her.
pub(super) fn custom_message(
    source: TriggerSource,
    metadata: Option<&Map<String, Value>>,
) -> Value {
    let pool = sample_pool();
    let mut user = User::new("jane");
    user.sub = SAMPLE_SUB.to_string();
    let attributes = [
        ("email", "jane@example.com"),
        ("email_verified", "true"),
        ("name", "Jane Doe"),
    ];
    for (n, v) in attributes {
        user.attributes.insert(n.into(), v.into());
    }
    let client = Caller::Client(SAMPLE_CLIENT_ID);
    let mut caller = client;
    match source {
        TriggerSource::CUSTOM_MESSAGE_SIGN_UP | TriggerSource::CUSTOM_MESSAGE_RESEND_CODE => {
            user.status = UserStatus::Unconfirmed;
            user.attributes
                .insert("email_verified".into(), "false".into());
        }
        TriggerSource::CUSTOM_MESSAGE_ADMIN_CREATE_USER => {
            user.status = UserStatus::ForceChangePassword;
            caller = Caller::Admin;
        }
        TriggerSource::CUSTOM_MESSAGE_UPDATE_USER_ATTRIBUTE => {
            user.attributes
                .insert("email_verified".into(), "false".into());
            caller = Caller::Admin;
        }
        _ => {}
    }
    custom_message::event(&pool, source, &user, caller, metadata)
}

/// A sample PreSignUp event: Jane signing up (or Google's Jane signing in for the first time).
pub(super) fn pre_sign_up(source: TriggerSource, metadata: Option<&Map<String, Value>>) -> Value {
    let pool = sample_pool();
    let client = Caller::Client(SAMPLE_CLIENT_ID);
    let (name, caller) = match source {
        TriggerSource::PRE_SIGN_UP_ADMIN_CREATE_USER => ("jane", Caller::Admin),
        TriggerSource::PRE_SIGN_UP_EXTERNAL_PROVIDER => ("Google_109876543210987654321", client),
        _ => ("jane", client),
    };
    let supplied: Map<String, Value> = [("email", "jane@example.com"), ("name", "Jane Doe")]
        .into_iter()
        .map(|(n, v)| (n.into(), v.into()))
        .collect();
    pre_sign_up::event(&pool, source, name, caller, supplied, None, metadata)
}
