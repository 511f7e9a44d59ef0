//! Realistic trigger events for any source, offline (`cognito-harness events`): a pool in
//! us-east-1 with email sign-in, and a user as Cognito would hold them at that point of the flow.

use serde_json::{Map, Value};

use crate::events::{self, Caller, Trigger, TriggerSource};
use crate::pool::{PoolConfig, User, UserPool, UserStatus};

/// The pool id sample events carry.
pub const SAMPLE_POOL_ID: &str = "us-east-1_EXAMPLE01";
/// The app client id sample events carry when an app client made the call.
pub const SAMPLE_CLIENT_ID: &str = "1example23456789abcdefghij";

/// An event for `source`, with `clientMetadata` when `client_metadata` is given.
pub fn event(source: TriggerSource, client_metadata: Option<&Map<String, Value>>) -> Value {
    let config: PoolConfig = serde_json::from_value(serde_json::json!({
        "AutoVerifiedAttributes": ["email"],
        "UsernameAttributes": ["email"],
    }))
    .unwrap_or_default();
    let pool = UserPool::with_id(SAMPLE_POOL_ID, config);
    // Admin (IAM) callers for the AdminCreateUser sources; an app client otherwise (§2.1).
    let caller = match source {
        TriggerSource::CustomMessageAdminCreateUser | TriggerSource::PreSignUpAdminCreateUser => Caller::Admin,
        _ => Caller::Client(SAMPLE_CLIENT_ID),
    };
    let mut user = User::new("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111");
    user.sub = user.username.clone();
    user.attributes.insert("email".into(), "jane@example.com".into());
    let (status, verified) = match source {
        TriggerSource::CustomMessageSignUp | TriggerSource::CustomMessageResendCode => (UserStatus::Unconfirmed, "false"),
        TriggerSource::CustomMessageAdminCreateUser => (UserStatus::ForceChangePassword, "false"),
        // The event shows the new, not yet verified address (ruling 5).
        TriggerSource::CustomMessageUpdateUserAttribute | TriggerSource::CustomMessageVerifyUserAttribute => {
            (UserStatus::Confirmed, "false")
        }
        _ => (UserStatus::Confirmed, "true"),
    };
    user.status = status;
    user.attributes.insert("email_verified".into(), verified.into());
    match source.trigger() {
        Trigger::CustomMessage => events::custom_message(&pool, source, &user, caller, client_metadata),
        Trigger::PreSignUp => {
            let mut supplied = Map::new();
            supplied.insert("email".into(), "jane@example.com".into());
            let name = match source {
                // Federated users are named `<ProviderName>_<provider's id>` (assumed: the reference
                // gives no example of this event).
                TriggerSource::PreSignUpExternalProvider => "Google_107012345678901234567".to_string(),
                _ => user.username.clone(),
            };
            events::pre_sign_up(&pool, source, &name, caller, supplied, None, client_metadata)
        }
    }
}
