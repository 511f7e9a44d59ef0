//! Realistic sample events for every trigger source, built offline by the same code that builds
//! the events the harness sends (for `cognito-harness events` and `fixtures/events/`). Values are
//! fixed so samples are reproducible.

use serde_json::{Map, Value};

use crate::events::{self, Caller, TriggerSource};
use crate::pool::{PoolConfig, User, UserPool, UserStatus};

pub const SAMPLE_POOL_ID: &str = "us-east-1_EXAMPLE01";
pub const SAMPLE_CLIENT_ID: &str = "4kd9i6e3r1cbhvc0oe8lfgbqsd";
pub const SAMPLE_SUB: &str = "6a4b2c1e-9f3d-4e8a-b7c5-2d1f0e9a8b7c";

/// A sample event for `source`; `client_metadata` is added where Cognito forwards it (table 2.1).
pub fn sample_event(source: TriggerSource, client_metadata: Option<&Map<String, Value>>) -> Value {
    let config: PoolConfig =
        serde_json::from_value(serde_json::json!({"AutoVerifiedAttributes": ["email"]}))
            .expect("static sample config");
    let pool = UserPool::with_id(SAMPLE_POOL_ID, config);
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
    let metadata = client_metadata.filter(|_| forwards_client_metadata(source));
    match source {
        TriggerSource::PreSignUpSignUp
        | TriggerSource::PreSignUpAdminCreateUser
        | TriggerSource::PreSignUpExternalProvider => {
            let (name, caller) = match source {
                TriggerSource::PreSignUpAdminCreateUser => ("jane", Caller::Admin),
                TriggerSource::PreSignUpExternalProvider => {
                    ("Google_109876543210987654321", client)
                }
                _ => ("jane", client),
            };
            let supplied: Map<String, Value> =
                [("email", "jane@example.com"), ("name", "Jane Doe")]
                    .into_iter()
                    .map(|(n, v)| (n.into(), v.into()))
                    .collect();
            events::pre_sign_up(&pool, source, name, caller, supplied, None, metadata)
        }
        TriggerSource::CustomMessageSignUp => {
            user.status = UserStatus::Unconfirmed;
            user.attributes
                .insert("email_verified".into(), "false".into());
            events::custom_message(&pool, source, &user, client, metadata)
        }
        TriggerSource::CustomMessageAdminCreateUser => {
            user.status = UserStatus::ForceChangePassword;
            events::custom_message(&pool, source, &user, Caller::Admin, metadata)
        }
        TriggerSource::CustomMessageResendCode => {
            user.status = UserStatus::Unconfirmed;
            user.attributes
                .insert("email_verified".into(), "false".into());
            events::custom_message(&pool, source, &user, client, metadata)
        }
        TriggerSource::CustomMessageUpdateUserAttribute => {
            user.attributes
                .insert("email_verified".into(), "false".into());
            events::custom_message(&pool, source, &user, Caller::Admin, metadata)
        }
        _ => events::custom_message(&pool, source, &user, client, metadata),
    }
}

/// Whether Cognito passes ClientMetadata to this source (table 2.1, rulings 3).
pub fn forwards_client_metadata(source: TriggerSource) -> bool {
    !matches!(
        source,
        TriggerSource::CustomMessageAdminCreateUser
            | TriggerSource::CustomMessageAuthentication
            | TriggerSource::PreSignUpExternalProvider
    )
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
