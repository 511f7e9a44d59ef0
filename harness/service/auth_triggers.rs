//! The triggers around a password sign-in (cognito-semantics.md §AT.1): PreAuthentication before
//! the password is checked, PostAuthentication once it has succeeded and before the tokens go out.
//! Each is planned under the pool's lock and run with it released.

use serde_json::{Map, Value};

use super::triggers::fail_with;
use super::{lock, Cognito, Outcome, PoolHandle};
use crate::model::cognito_error::CognitoError;
use crate::pool::UserPool;
use crate::trigger::pre_authentication::{self, SigningIn};
use crate::trigger::{post_authentication, Trigger, TriggerSource};

/// A trigger to run: the LambdaConfig ARN and the event.
pub(crate) struct Planned {
    arn: String,
    event: Value,
}

/// The PreAuthentication event for this sign-in, when the pool has the trigger.
pub(crate) fn plan_pre_authentication(
    pool: &UserPool,
    who: SigningIn<'_>,
    client_id: &str,
    client_metadata: Option<&Map<String, Value>>,
) -> Option<Planned> {
    let arn = Trigger::PRE_AUTHENTICATION.arn(&pool.config)?.to_string();
    let prevents = pool.prevents_user_existence_errors(client_id);
    let event = pre_authentication::event(pool, who, client_id, client_metadata, prevents);
    Some(Planned { arn, event })
}

/// The PostAuthentication event for `username`'s sign-in, when the pool has the trigger.
/// `client_metadata` is the challenge answer's (InitiateAuth's never reaches it, §AT.2).
pub(crate) fn plan_post_authentication(
    pool: &UserPool,
    username: &str,
    client_id: &str,
    device_key: Option<&str>,
    client_metadata: Option<&Map<String, Value>>,
) -> Option<Planned> {
    let arn = Trigger::POST_AUTHENTICATION.arn(&pool.config)?.to_string();
    let user = pool.find_user(username)?;
    let new_device = post_authentication::new_device_used(&pool.config, device_key);
    let event = post_authentication::event(pool, user, client_id, new_device, client_metadata);
    Some(Planned { arn, event })
}

/// Forgets the tokens of a sign-in response PostAuthentication withheld, so nothing the caller
/// never received stays valid (ruling AT-3).
pub(crate) fn withdraw_tokens(pool: &PoolHandle, response: &Value) {
    let tokens = &response["AuthenticationResult"];
    let token = |name: &str| tokens[name].as_str().unwrap_or_default();
    lock(pool).forget_tokens(token("AccessToken"), token("RefreshToken"));
}

impl Cognito {
    /// Runs a planned PreAuthentication or PostAuthentication and records the run; `Err` is the
    /// exception that stops the sign-in.
    pub(crate) async fn run_auth_trigger(
        &self,
        outcome: &mut Outcome,
        pool: &PoolHandle,
        source: TriggerSource,
        planned: Option<Planned>,
    ) -> Result<(), CognitoError> {
        let Some(Planned { arn, event }) = planned else {
            return Ok(());
        };
        match self.run_gate(pool, source, Some(arn), Some(event)).await {
            Ok(run) => {
                outcome.triggers.extend(run);
                Ok(())
            }
            Err(run) => {
                fail_with(outcome, *run);
                outcome.error().map_or(Ok(()), |e| Err(e.clone()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::json;

    use super::*;
    use crate::pool::{PoolConfig, User};

    #[test]
    fn withheld_tokens_stand_for_nothing() {
        let mut pool = UserPool::with_id("us-east-1_Withdraw1", PoolConfig::default());
        pool.put_user(User::new("carol"));
        pool.remember_access_token("access-1", "carol", "client-1");
        let grant = crate::pool::RefreshGrant {
            username: "carol".into(),
            client_id: "client-1".into(),
            auth_time: 0,
            origin_jti: "origin".into(),
        };
        pool.remember_refresh_token("refresh-1", grant);
        pool.remember_access_token("access-2", "carol", "client-1");
        let handle: PoolHandle = Arc::new(Mutex::new(pool));
        let response = json!({"AuthenticationResult": {"AccessToken": "access-1", "RefreshToken": "refresh-1"}});
        withdraw_tokens(&handle, &response);
        let pool = lock(&handle);
        assert!(pool.access_grant("access-1").is_none());
        assert!(pool.refresh_grant("refresh-1").is_none());
        assert!(pool.access_grant("access-2").is_some());
    }
}
