//! A pool with a user and an app client, built from AWS-shaped JSON, for the core tests.

use cognito_harness::{Cognito, Function, Functions, Message, PoolConfig, User, UserPool};

use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};

use crate::recorder::respond;
pub use crate::recorder::Recorded;

pub const POOL_ID: &str = "us-east-1_CoreTest1";
pub const CUSTOM_MESSAGE_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:custom-message";
pub const OLD_EMAIL: &str = "alice@example.com";
pub const NEW_EMAIL: &str = "new.alice@example.org";

/// A pool with the CustomMessage trigger, e-mail auto-verified, plus `extra` members
/// (UpdateUserPool shape; a member given here replaces the default one).
pub fn config(extra: Value) -> PoolConfig {
    let mut base = json!({
        "AutoVerifiedAttributes": ["email"],
        "LambdaConfig": {"CustomMessage": CUSTOM_MESSAGE_ARN},
        "Schema": [{"Name": "tenant", "AttributeDataType": "String", "Mutable": true}],
    });
    for (k, v) in extra.as_object().expect("an object").clone() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(&k);
        } else {
            base[k] = v;
        }
    }
    serde_json::from_value(base).expect("a valid pool config")
}

/// Binds the functions a fixture's pool resolves its triggers to.
pub type Bind = Box<dyn FnOnce(&mut Functions)>;

pub struct Fixture {
    pub cognito: Cognito,
    pub client_id: String,
}

impl Fixture {
    /// The pool of [`config`]`(extra)` with alice (verified e-mail) and an app client; `function`
    /// is bound as `custom-message`.
    pub fn new(extra: Value, function: Option<Bind>) -> Fixture {
        let mut functions = Functions::new();
        if let Some(bind) = function {
            bind(&mut functions);
        }
        let cognito = Cognito::new(functions);
        let mut pool = UserPool::with_id(POOL_ID, config(extra));
        let mut alice = User::new("alice");
        alice.attributes.insert("email".into(), OLD_EMAIL.into());
        alice
            .attributes
            .insert("email_verified".into(), "true".into());
        alice.attributes.insert("name".into(), "Alice".into());
        pool.put_user(alice);
        let client_id = pool.add_client("web").client_id;
        cognito.add_pool(pool);
        Fixture { cognito, client_id }
    }

    /// A fixture whose `custom-message` is `function`.
    pub fn with(extra: Value, function: impl Function + 'static) -> Fixture {
        Fixture::new(
            extra,
            Some(Box::new(move |f: &mut Functions| {
                f.bind("custom-message", function);
            })),
        )
    }

    pub fn user(&self, name: &str) -> User {
        self.cognito
            .with_pool(POOL_ID, |p| p.find_user(name).cloned())
            .unwrap()
            .expect("user exists")
    }

    pub fn outbox(&self) -> Vec<Message> {
        self.cognito
            .with_pool(POOL_ID, |p| p.outbox().to_vec())
            .unwrap()
    }

    pub fn token(&self, username: &str) -> String {
        let client = self.client_id.clone();
        self.cognito
            .issue_access_token(POOL_ID, username, &client)
            .expect("token issued")
    }

    pub fn add_user(&self, user: User) {
        self.cognito.with_pool_mut(POOL_ID, |p| p.put_user(user));
    }
}

/// AdminUpdateUserAttributes for alice.
pub fn admin_update(attributes: Value) -> Value {
    json!({"UserPoolId": POOL_ID, "Username": "alice", "UserAttributes": attributes})
}

/// A `serde_json::Value` handler that records every event and answers with the event, its
/// `response` members replaced by those of `response`.
pub fn answering(response: Value) -> (impl Function, Recorded) {
    let seen = Recorded::default();
    let record = seen.clone();
    let function =
        cognito_harness::handler(lambda_runtime::service_fn(move |e: LambdaEvent<Value>| {
            let (record, response) = (record.clone(), response.clone());
            async move {
                record.push(e.payload.clone());
                Ok::<Value, lambda_runtime::Error>(respond(e.payload, response))
            }
        }));
    (function, seen)
}

/// A handler whose output is `output`, whatever the event.
pub fn returning(output: Value) -> impl Function {
    cognito_harness::handler(lambda_runtime::service_fn(move |_: LambdaEvent<Value>| {
        let output = output.clone();
        async move { Ok::<Value, lambda_runtime::Error>(output) }
    }))
}
