//! Realistic sample events for every trigger source, built offline by the same code that builds
//! the events the harness sends (for `cognito-harness events` and `fixtures/events/`). Values are
//! fixed so samples are reproducible.

use serde_json::{Map, Value};

use super::{kind, TriggerSource};

pub use super::custom_sender::{SAMPLE_CODE, SAMPLE_KMS_KEY_ID};
use crate::pool::{PoolConfig, UserPool};

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
pub(super) fn sample_pool() -> UserPool {
    let config: PoolConfig =
        serde_json::from_value(serde_json::json!({"AutoVerifiedAttributes": ["email"]}))
            .expect("static sample config");
    UserPool::with_id(SAMPLE_POOL_ID, config)
}

/// The sample user Jane (`SAMPLE_SUB`, a verified e-mail, a name) with this status.
pub(super) fn sample_user(status: crate::pool::UserStatus) -> crate::pool::User {
    let mut user = crate::pool::User::new("jane");
    user.sub = SAMPLE_SUB.to_string();
    user.status = status;
    for (name, value) in [
        ("email", "jane@example.com"),
        ("email_verified", "true"),
        ("name", "Jane Doe"),
    ] {
        user.attributes.insert(name.into(), value.into());
    }
    user
}
