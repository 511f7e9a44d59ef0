//! In-process trigger functions for flow tests: each records the events it receives and answers
//! with a closure over the event, like a `serde_json::Value` lambda_runtime handler would.

use std::sync::{Arc, Mutex};

use cognito_harness::pool::{AppClient, PoolConfig, User, UserPool, UserStatus};
use cognito_harness::Cognito;
use cognito_harness::{handler, Functions};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

pub const POOL_ID: &str = "us-east-1_FlowTest1";
pub const CLIENT_ID: &str = "3n4b5urk1ft4fl3mg5e62d9ado";
pub const CUSTOM_MESSAGE_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:custom-message";
pub const PRE_SIGN_UP_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up";

/// The events a recording function has received.
#[derive(Clone, Default)]
pub struct Recorded(Arc<Mutex<Vec<Value>>>);

impl Recorded {
    pub fn events(&self) -> Vec<Value> {
        self.0.lock().unwrap().clone()
    }

    pub fn last(&self) -> Value {
        self.events()
            .last()
            .cloned()
            .expect("the function was invoked")
    }

    pub fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// The one event received; fails when there were none or several.
    pub fn only(&self) -> Value {
        let events = self.events();
        assert_eq!(events.len(), 1, "expected one invocation, got {events:#?}");
        events.into_iter().next().unwrap()
    }

    pub fn push(&self, event: Value) {
        self.0.lock().unwrap().push(event);
    }
}

/// A function named `name` that records each event and answers `answer(event)`.
pub fn recording(
    functions: &mut Functions,
    name: &str,
    answer: impl Fn(Value) -> Result<Value, String> + Send + Sync + Clone + 'static,
) -> Recorded {
    let recorded = Recorded::default();
    let sink = recorded.clone();
    let service = service_fn(move |event: LambdaEvent<Value>| {
        let (sink, answer) = (sink.clone(), answer.clone());
        async move {
            sink.push(event.payload.clone());
            answer(event.payload).map_err(Error::from)
        }
    });
    functions.bind(name, handler(service));
    recorded
}

/// Sets `response.<key>` on an echoed event.
pub fn respond(mut event: Value, response: Value) -> Value {
    for (k, v) in response.as_object().unwrap() {
        event["response"][k] = v.clone();
    }
    event
}

/// A pool config with both triggers and e-mail verification.
pub fn config(extra: Value) -> PoolConfig {
    let mut base = json!({
        "PoolName": "flows",
        "AutoVerifiedAttributes": ["email"],
        "LambdaConfig": {"CustomMessage": CUSTOM_MESSAGE_ARN, "PreSignUp": PRE_SIGN_UP_ARN},
    });
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    serde_json::from_value(base).unwrap()
}

/// A service with one pool (fixed id, one app client) over `functions`.
pub fn cognito(functions: Functions, config: PoolConfig) -> Cognito {
    let cognito = Cognito::new(functions);
    let mut pool = UserPool::with_id(POOL_ID, config);
    pool.put_client(AppClient {
        client_id: CLIENT_ID.into(),
        client_name: "web".into(),
        client_secret: None,
        explicit_auth_flows: vec![],
    });
    cognito.add_pool(pool);
    cognito
}

/// Seeds a confirmed user directly (no triggers).
pub fn seed_user(cognito: &Cognito, username: &str, attributes: &[(&str, &str)]) -> User {
    let mut user = User::new(username);
    user.status = UserStatus::Confirmed;
    user.password = Some("Passw0rd!".into());
    for (n, v) in attributes {
        user.attributes.insert(n.to_string(), v.to_string());
    }
    cognito.with_pool_mut(POOL_ID, |p| p.put_user(user.clone()));
    user
}

/// An access token for a seeded user through the test client.
pub fn token(cognito: &Cognito, username: &str) -> String {
    cognito
        .issue_access_token(POOL_ID, username, CLIENT_ID)
        .expect("user exists")
}

pub fn stored_user(cognito: &Cognito, username: &str) -> Option<User> {
    cognito
        .with_pool(POOL_ID, |p| p.find_user(username).cloned())
        .flatten()
}

pub fn outbox_len(cognito: &Cognito) -> usize {
    cognito.with_pool(POOL_ID, |p| p.outbox().len()).unwrap()
}
