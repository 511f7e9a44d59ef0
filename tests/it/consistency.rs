//! Commits that re-check their plan (issue 11 item 4): calls that run a real trigger process with
//! the pool's lock released meet deletes, re-creations, alias claims, pool deletions and
//! concurrent first federated sign-ins while the trigger runs, and answer as Cognito would
//! without leaving a split state. The gate below holds each trigger call until the test has
//! made its concurrent change, so no test depends on timing.

use std::sync::Arc;

use cognito_harness::function::{BoxFuture, Function, InvokeContext, Invoked, ProcessFunction};
use cognito_harness::pool::AppClient;
use cognito_harness::{Cognito, ErrorCode, Functions, PoolConfig, User, UserPool};
use serde_json::{json, Value};
use tokio::sync::{Barrier, Notify, Semaphore};

use crate::support;

const POOL_ID: &str = "us-east-1_Consist01";
const CLIENT_ID: &str = "4consistency0client0abcdef";
const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";

/// A real trigger process (`trigger-sleeps`, answering at once with the event unchanged) behind
/// a gate: each call announces itself on `entered`, then waits for a permit on `release`.
struct Gated {
    function: ProcessFunction,
    entered: Arc<Notify>,
    release: Arc<Semaphore>,
    /// When set, calls also wait until this many have entered (concurrent sign-ins).
    together: Option<Arc<Barrier>>,
}

impl Function for Gated {
    fn invoke<'a>(&'a self, event: &'a Value, ctx: &'a InvokeContext) -> BoxFuture<'a, Invoked> {
        Box::pin(async move {
            self.entered.notify_one();
            if let Some(barrier) = &self.together {
                barrier.wait().await;
            }
            self.release.acquire().await.expect("gate").forget();
            self.function.invoke(event, ctx).await
        })
    }
}

struct Fixture {
    cognito: Arc<Cognito>,
    entered: Arc<Notify>,
    release: Arc<Semaphore>,
}

fn echo_process() -> ProcessFunction {
    ProcessFunction::new(
        "trigger",
        [support::trigger("trigger-sleeps").display().to_string()],
    )
    .env("SLEEP_MS", "0")
    .concurrency(6)
}

/// A pool with e-mail aliases that sends verification codes through a gated CustomMessage and
/// runs a gated PreSignUp; `together` makes trigger calls wait for each other.
fn fixture(together: Option<usize>) -> Fixture {
    let entered = Arc::new(Notify::new());
    let release = Arc::new(Semaphore::new(0));
    let gated = Arc::new(Gated {
        function: echo_process(),
        entered: entered.clone(),
        release: release.clone(),
        together: together.map(|n| Arc::new(Barrier::new(n))),
    });
    let mut functions = Functions::new();
    functions.bind_shared("gated", gated);
    let config: PoolConfig = serde_json::from_value(json!({
        "AliasAttributes": ["email"],
        "AutoVerifiedAttributes": ["email"],
        "LambdaConfig": {"CustomMessage": format!("{ARN}gated"), "PreSignUp": format!("{ARN}gated")},
    }))
    .unwrap();
    let mut pool = UserPool::with_id(POOL_ID, config);
    pool.put_client(AppClient {
        client_id: CLIENT_ID.into(),
        client_name: "app".into(),
        client_secret: None,
        explicit_auth_flows: vec![
            "ALLOW_USER_PASSWORD_AUTH".into(),
            "ALLOW_REFRESH_TOKEN_AUTH".into(),
        ],
    });
    pool.put_user(verified("alice", "alice@example.com"));
    let cognito = Cognito::new(functions);
    cognito.add_pool(pool);
    Fixture {
        cognito: Arc::new(cognito),
        entered,
        release,
    }
}

fn verified(username: &str, email: &str) -> User {
    User::new(username)
        .with_attribute("email", email)
        .with_attribute("email_verified", "true")
}

fn change_email(username: &str, email: &str) -> Value {
    json!({"UserPoolId": POOL_ID, "Username": username,
           "UserAttributes": [{"Name": "email", "Value": email}]})
}

fn error_of(outcome: &cognito_harness::Outcome) -> (ErrorCode, String) {
    let e = outcome
        .error()
        .unwrap_or_else(|| panic!("{:?}", outcome.result));
    (e.code, e.message.clone())
}

impl Fixture {
    /// Starts `action` on another task and returns once its trigger is running (held).
    async fn start(
        &self,
        action: &'static str,
        request: Value,
    ) -> tokio::task::JoinHandle<cognito_harness::Outcome> {
        let cognito = self.cognito.clone();
        let call = tokio::spawn(async move { cognito.call(action, &request).await });
        self.entered.notified().await;
        call
    }

    fn user(&self, name: &str) -> Option<User> {
        self.cognito
            .with_pool(POOL_ID, |p| p.find_user(name).cloned())
            .flatten()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_deleted_and_recreated_during_the_trigger_is_not_updated() {
    let f = fixture(None);
    let call = f
        .start(
            "AdminUpdateUserAttributes",
            change_email("alice", "new@example.com"),
        )
        .await;
    let deleted = f
        .cognito
        .call(
            "AdminDeleteUser",
            &json!({"UserPoolId": POOL_ID, "Username": "alice"}),
        )
        .await;
    assert!(deleted.is_success(), "{:?}", deleted.result);
    f.cognito
        .with_pool_mut(POOL_ID, |p| p.put_user(User::new("alice")));
    f.release.add_permits(1);
    let outcome = call.await.unwrap();

    assert_eq!(outcome.triggers.len(), 1, "the trigger ran");
    assert_eq!(
        error_of(&outcome),
        (
            ErrorCode::UserNotFoundException,
            "User does not exist.".into()
        )
    );
    let alice = f.user("alice").expect("the new alice");
    assert_eq!(alice.attribute("email"), None, "{alice:?}");
    assert!(alice.codes.is_empty(), "{alice:?}");
    assert!(outcome.delivered.is_empty());
    assert!(f
        .cognito
        .with_pool(POOL_ID, |p| p.outbox().is_empty())
        .unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_claimed_during_the_trigger_refuses_the_update() {
    let f = fixture(None);
    f.cognito
        .with_pool_mut(POOL_ID, |p| p.put_user(User::new("bob")));
    let call = f
        .start(
            "AdminUpdateUserAttributes",
            change_email("alice", "shared@example.com"),
        )
        .await;
    // Bob takes the address, verified, while alice's CustomMessage runs (no trigger fires for him).
    let bob = f
        .cognito
        .call(
            "AdminUpdateUserAttributes",
            &json!({"UserPoolId": POOL_ID, "Username": "bob", "UserAttributes": [
                {"Name": "email", "Value": "shared@example.com"},
                {"Name": "email_verified", "Value": "true"}]}),
        )
        .await;
    assert!(bob.is_success(), "{:?}", bob.result);
    f.release.add_permits(1);
    let outcome = call.await.unwrap();

    assert_eq!(
        error_of(&outcome),
        (
            ErrorCode::AliasExistsException,
            "An account with the given email already exists.".into()
        )
    );
    let alice = f.user("alice").unwrap();
    assert_eq!(alice.attribute("email"), Some("alice@example.com"));
    assert!(alice.is_verified("email"));
    assert_eq!(
        f.user("shared@example.com").map(|u| u.username),
        Some("bob".to_string())
    );
}

#[tokio::test]
async fn marking_an_unchanged_email_verified_checks_the_alias() {
    let f = fixture(None);
    // Bob holds alice's address unverified (an unverified address is no alias, so may repeat).
    f.cognito.with_pool_mut(POOL_ID, |p| {
        p.put_user(User::new("bob").with_attribute("email", "alice@example.com"))
    });
    let outcome = f
        .cognito
        .call(
            "AdminUpdateUserAttributes",
            &json!({"UserPoolId": POOL_ID, "Username": "bob",
                    "UserAttributes": [{"Name": "email_verified", "Value": "true"}]}),
        )
        .await;
    assert_eq!(
        error_of(&outcome),
        (
            ErrorCode::AliasExistsException,
            "An account with the given email already exists.".into()
        )
    );
    assert!(!f.user("bob").unwrap().is_verified("email"));
    assert_eq!(
        f.user("alice@example.com").map(|u| u.username),
        Some("alice".to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_deleted_during_the_trigger_answers_resource_not_found() {
    let f = fixture(None);
    let call = f
        .start(
            "AdminUpdateUserAttributes",
            change_email("alice", "new@example.com"),
        )
        .await;
    let deleted = f
        .cognito
        .call("DeleteUserPool", &json!({"UserPoolId": POOL_ID}))
        .await;
    assert!(deleted.is_success(), "{:?}", deleted.result);
    f.release.add_permits(1);
    let outcome = call.await.unwrap();
    assert_eq!(
        error_of(&outcome),
        (
            ErrorCode::ResourceNotFoundException,
            format!("User pool {POOL_ID} does not exist.")
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_federated_sign_ins_make_one_user() {
    let f = fixture(Some(2));
    let request = json!({"UserPoolId": POOL_ID, "ProviderName": "Google",
                         "ProviderUserId": "1234567890",
                         "UserAttributes": [{"Name": "email", "Value": "fed@example.com"}]});
    f.release.add_permits(4); // both PreSignUps, then PostConfirmation (none configured)
    let calls: Vec<_> = (0..2)
        .map(|_| {
            let cognito = f.cognito.clone();
            let request = request.clone();
            tokio::spawn(async move { cognito.call("FederatedSignIn", &request).await })
        })
        .collect();
    let mut answers = Vec::new();
    for call in calls {
        let outcome = call.await.unwrap();
        assert_eq!(
            outcome.triggers.len(),
            1,
            "each fired PreSignUp: {:?}",
            outcome.triggers
        );
        answers.push(outcome.result.expect("signed in"));
    }
    answers.sort_by_key(|a| a["FirstSignIn"] == false);
    assert_eq!(answers[0]["FirstSignIn"], true, "{answers:?}");
    assert_eq!(answers[1]["FirstSignIn"], false, "{answers:?}");
    assert_eq!(answers[0]["UserSub"], answers[1]["UserSub"]);
    assert_eq!(answers[0]["Username"], "Google_1234567890");
    let count = f
        .cognito
        .with_pool(POOL_ID, |p| {
            p.users()
                .filter(|u| u.username == "Google_1234567890")
                .count()
        })
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn a_deleted_users_refresh_token_does_not_sign_in_a_new_user_of_the_same_name() {
    let f = fixture(None);
    f.cognito.with_pool_mut(POOL_ID, |p| {
        let mut alice = p.find_user_mut("alice").unwrap();
        alice.password = Some("Passw0rd!".into());
    });
    // No PreAuthentication or token trigger is configured: the sign-in runs no function.
    let signed_in = f
        .cognito
        .call(
            "InitiateAuth",
            &json!({"ClientId": CLIENT_ID, "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
        )
        .await;
    let refresh = signed_in.result.expect("signed in")["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    f.cognito
        .call(
            "AdminDeleteUser",
            &json!({"UserPoolId": POOL_ID, "Username": "alice"}),
        )
        .await;
    f.cognito
        .with_pool_mut(POOL_ID, |p| p.put_user(User::new("alice")));
    let refreshed = f
        .cognito
        .call(
            "InitiateAuth",
            &json!({"ClientId": CLIENT_ID, "AuthFlow": "REFRESH_TOKEN_AUTH",
                    "AuthParameters": {"REFRESH_TOKEN": refresh}}),
        )
        .await;
    assert_eq!(
        error_of(&refreshed),
        (
            ErrorCode::NotAuthorizedException,
            "Invalid Refresh Token.".into()
        )
    );
}

/// Bounded stress: 6 tasks × 15 calls over 4 users and 3 addresses through the real trigger
/// process, with deletes and re-creations; afterwards no address is a verified alias of two
/// users and every lookup agrees with a scan of the pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_updates_keep_aliases_unique_and_indexes_in_step() {
    let f = fixture(None);
    f.release.add_permits(Semaphore::MAX_PERMITS / 2);
    let names = ["alice", "bob", "carol", "dave"];
    let emails = ["one@example.com", "two@example.com", "three@example.com"];
    let tasks: Vec<_> = (0..6usize)
        .map(|t| {
            let cognito = f.cognito.clone();
            tokio::spawn(async move {
                for i in 0..15usize {
                    let user = names[(t + i) % names.len()];
                    let email = emails[(t * 7 + i) % emails.len()];
                    let request = match (t + i) % 4 {
                        0 => json!({"UserPoolId": POOL_ID, "Username": user, "UserAttributes": [
                                {"Name": "email", "Value": email},
                                {"Name": "email_verified", "Value": "true"}]}),
                        1 => json!({"UserPoolId": POOL_ID, "Username": user,
                                "UserAttributes": [{"Name": "email_verified", "Value": "true"}]}),
                        _ => change_email(user, email),
                    };
                    let outcome = if i % 7 == 6 {
                        let gone = cognito
                            .call(
                                "AdminDeleteUser",
                                &json!({"UserPoolId": POOL_ID, "Username": user}),
                            )
                            .await;
                        cognito.with_pool_mut(POOL_ID, |p| {
                            if p.find_user(user).is_none() {
                                p.put_user(User::new(user));
                            }
                        });
                        gone
                    } else {
                        cognito.call("AdminUpdateUserAttributes", &request).await
                    };
                    if let Some(e) = outcome.error() {
                        assert!(
                            matches!(
                                e.code,
                                ErrorCode::AliasExistsException | ErrorCode::UserNotFoundException
                            ),
                            "{e:?}"
                        );
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    f.cognito
        .with_pool(POOL_ID, |pool| {
            let users: Vec<&User> = pool.users().collect();
            for email in emails {
                let holders = users
                    .iter()
                    .filter(|u| u.attribute("email") == Some(email) && u.is_verified("email"))
                    .count();
                assert!(holders <= 1, "{email} is verified for {holders} users");
                let mut scanned: Vec<&str> = users
                    .iter()
                    .filter(|u| u.attribute("email") == Some(email))
                    .map(|u| u.username.as_str())
                    .collect();
                let mut indexed: Vec<&str> = pool
                    .users_with("email", email)
                    .unwrap()
                    .iter()
                    .map(|u| u.username.as_str())
                    .collect();
                scanned.sort();
                indexed.sort();
                assert_eq!(scanned, indexed, "{email}");
            }
            for user in &users {
                assert_eq!(
                    pool.find_user(&user.sub).map(|u| &u.username),
                    Some(&user.username)
                );
            }
        })
        .unwrap();
    // ListUsers' indexed filters list what a scan finds.
    for email in emails {
        let expected = f
            .cognito
            .with_pool(POOL_ID, |p| {
                p.users()
                    .filter(|u| u.attribute("email") == Some(email))
                    .map(|u| u.username.clone())
                    .collect::<Vec<_>>()
            })
            .unwrap();
        let listed = f
            .cognito
            .call(
                "ListUsers",
                &json!({"UserPoolId": POOL_ID, "Filter": format!("email = \"{email}\"")}),
            )
            .await;
        let listed: Vec<String> = listed.result.expect("listed")["Users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["Username"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(listed, expected, "{email}");
    }
}

fn both_verified_config(email_message: &str) -> PoolConfig {
    serde_json::from_value(json!({
        "AliasAttributes": ["email"],
        "AutoVerifiedAttributes": ["email", "phone_number"],
        "LambdaConfig": {"CustomMessage": format!("{ARN}gated")},
        "VerificationMessageTemplate": {"EmailMessage": email_message, "EmailSubject": "Code"},
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_are_judged_against_the_configuration_in_force_at_commit() {
    let f = fixture(None);
    f.cognito.with_pool_mut(POOL_ID, |p| {
        p.set_config(both_verified_config("Old text {####}"))
    });
    // The e-mail's CustomMessage runs and is judged; the SMS's is held while the pool changes.
    f.release.add_permits(1);
    let call = f
        .start(
            "AdminUpdateUserAttributes",
            json!({"UserPoolId": POOL_ID, "Username": "alice", "UserAttributes": [
                {"Name": "email", "Value": "new@example.com"},
                {"Name": "phone_number", "Value": "+15555550100"}]}),
        )
        .await;
    f.entered.notified().await;
    f.cognito.with_pool_mut(POOL_ID, |p| {
        p.set_config(both_verified_config("New text {####}"))
    });
    f.release.add_permits(1);
    let outcome = call.await.unwrap();

    assert!(outcome.is_success(), "{:?}", outcome.result);
    assert_eq!(outcome.triggers.len(), 2, "{:?}", outcome.triggers);
    let email = &outcome.delivered[0];
    let code = email.code.as_deref().unwrap();
    assert_eq!(email.body, format!("New text {code}"));
    assert_eq!(
        f.cognito
            .with_pool(POOL_ID, |p| p.outbox()[0].body.clone())
            .unwrap(),
        email.body
    );
}
