//! PostConfirmation, PreAuthentication and PostAuthentication (cognito-semantics.md §AT): the
//! exact events each call sends, the order of the triggers, and what a failure gives the caller and
//! leaves in the pool.

use assert_json_diff::assert_json_eq;
use cognito_harness::pool::AppClient;
use cognito_harness::{Cognito, Functions, UserStatus};
use serde_json::{json, Value};

use crate::recorder::{self, config, respond, stored_user, Recorded, CLIENT_ID, POOL_ID};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";
/// An app client that may sign in with a password.
const SIGN_IN_CLIENT: &str = "5pw0signin0client00000abcd";

/// What each trigger function records.
struct Triggers {
    pre_sign_up: Recorded,
    post_confirmation: Recorded,
    pre_authentication: Recorded,
    post_authentication: Recorded,
}

type Answer = fn(Value) -> Result<Value, String>;

/// The test pool with all four triggers bound to recording functions; `answers` overrides a
/// function's answer by name (default: echo the event).
fn pool_with(extra: Value, answers: &[(&str, Answer)]) -> (Cognito, Triggers) {
    let mut functions = Functions::new();
    let mut bind = |name: &str| {
        let answer = answers
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(Ok as Answer, |(_, a)| *a);
        recorder::recording(&mut functions, name, answer)
    };
    let triggers = Triggers {
        pre_sign_up: bind("pre-sign-up"),
        post_confirmation: bind("post-confirmation"),
        pre_authentication: bind("pre-authentication"),
        post_authentication: bind("post-authentication"),
    };
    let mut base = json!({"LambdaConfig": {
        "PreSignUp": format!("{ARN}pre-sign-up"),
        "PostConfirmation": format!("{ARN}post-confirmation"),
        "PreAuthentication": format!("{ARN}pre-authentication"),
        "PostAuthentication": format!("{ARN}post-authentication"),
    }});
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    let cognito = recorder::cognito(functions, config(base));
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client(AppClient {
            client_id: SIGN_IN_CLIENT.into(),
            client_name: "sign-in".into(),
            client_secret: None,
            explicit_auth_flows: vec![
                "ALLOW_USER_PASSWORD_AUTH".into(),
                "ALLOW_ADMIN_USER_PASSWORD_AUTH".into(),
                "ALLOW_REFRESH_TOKEN_AUTH".into(),
            ],
        })
    });
    (cognito, triggers)
}

fn pool() -> (Cognito, Triggers) {
    pool_with(json!({}), &[])
}

fn throws(_: Value) -> Result<Value, String> {
    Err("profile table unavailable".into())
}

fn sources(outcome: &cognito_harness::Outcome) -> Vec<&str> {
    outcome
        .triggers
        .iter()
        .map(|t| t.trigger_source.name())
        .collect()
}

/// Seeds a confirmed user with a verified e-mail and the password `Passw0rd!`.
fn seed(cognito: &Cognito, name: &str) -> String {
    let email = format!("{name}@example.com");
    recorder::seed_user(
        cognito,
        name,
        &[("email", &email), ("email_verified", "true")],
    )
    .sub
}

fn password_sign_in(user: &str, password: &str) -> Value {
    json!({"ClientId": SIGN_IN_CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
           "AuthParameters": {"USERNAME": user, "PASSWORD": password}})
}

fn envelope(source: &str, user: &str, client: &str, request: Value) -> Value {
    json!({"version": "1", "region": "us-east-1", "userPoolId": POOL_ID, "userName": user,
           "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client},
           "triggerSource": source, "request": request, "response": {}})
}

#[tokio::test]
async fn confirm_sign_up_sends_post_confirmation_the_confirmed_user_and_the_metadata() {
    let (cognito, t) = pool();
    let sign_up = json!({"ClientId": CLIENT_ID, "Username": "bob", "Password": "Passw0rd!",
        "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}]});
    assert!(cognito.call("SignUp", &sign_up).await.is_success());
    let code = cognito.last_code(POOL_ID, "bob").unwrap();
    let outcome = cognito
        .call(
            "ConfirmSignUp",
            &json!({"ClientId": CLIENT_ID, "Username": "bob", "ConfirmationCode": code,
                    "ClientMetadata": {"plan": "pro"}}),
        )
        .await;
    assert_eq!(
        outcome.response(),
        Some(&json!({})),
        "{:?}",
        outcome.error()
    );
    assert_eq!(sources(&outcome), ["PostConfirmation_ConfirmSignUp"]);
    assert_eq!(
        outcome.verdict().unwrap().rule.id,
        "post-confirmation.accepted"
    );
    let sub = stored_user(&cognito, "bob").unwrap().sub;
    assert_json_eq!(
        t.post_confirmation.only(),
        envelope(
            "PostConfirmation_ConfirmSignUp",
            "bob",
            CLIENT_ID,
            json!({"userAttributes": {"sub": sub, "cognito:user_status": "CONFIRMED",
                       "email": "bob@example.com", "email_verified": "true"},
                   "clientMetadata": {"plan": "pro"}})
        )
    );
}

#[tokio::test]
async fn admin_confirm_sign_up_is_an_admin_caller_and_without_metadata_sends_none() {
    let (cognito, t) = pool();
    let mut user = cognito_harness::User::new("dan");
    user.status = UserStatus::Unconfirmed;
    let sub = user.sub.clone();
    cognito.with_pool_mut(POOL_ID, |p| p.put_user(user));
    let outcome = cognito
        .call(
            "AdminConfirmSignUp",
            &json!({"UserPoolId": POOL_ID, "Username": "dan"}),
        )
        .await;
    assert!(outcome.is_success(), "{:?}", outcome.error());
    assert_json_eq!(
        t.post_confirmation.only(),
        envelope(
            "PostConfirmation_ConfirmSignUp",
            "dan",
            "CLIENT_ID_NOT_APPLICABLE",
            json!({"userAttributes": {"sub": sub, "cognito:user_status": "CONFIRMED"}})
        )
    );
}

#[tokio::test]
async fn a_failed_post_confirmation_fails_the_call_but_the_user_stays_confirmed() {
    let (cognito, t) = pool_with(json!({}), &[("post-confirmation", throws)]);
    let mut user = cognito_harness::User::new("dan");
    user.status = UserStatus::Unconfirmed;
    cognito.with_pool_mut(POOL_ID, |p| p.put_user(user));
    let outcome = cognito
        .call(
            "AdminConfirmSignUp",
            &json!({"UserPoolId": POOL_ID, "Username": "dan"}),
        )
        .await;
    assert_eq!(
        outcome.error().unwrap().to_json(),
        json!({"__type": "UserLambdaValidationException",
               "message": "PostConfirmation failed with error profile table unavailable."})
    );
    assert_eq!(outcome.verdict().unwrap().rule.id, "function-error");
    assert_eq!(
        outcome.warnings,
        ["post-confirmation.confirmed-anyway: the user dan stays CONFIRMED although PostConfirmation failed (Cognito confirms before it runs the trigger)"]
    );
    assert_eq!(t.post_confirmation.count(), 1);
    assert_eq!(
        stored_user(&cognito, "dan").unwrap().status,
        UserStatus::Confirmed
    );
}

#[tokio::test]
async fn a_sign_up_pre_sign_up_confirms_goes_to_post_confirmation_without_a_code() {
    fn auto_confirm(event: Value) -> Result<Value, String> {
        Ok(respond(
            event,
            json!({"autoConfirmUser": true, "autoVerifyEmail": true}),
        ))
    }
    let (cognito, t) = pool_with(json!({}), &[("pre-sign-up", auto_confirm)]);
    let outcome = cognito
        .call(
            "SignUp",
            &json!({"ClientId": CLIENT_ID, "Username": "gia", "Password": "Passw0rd!",
                    "UserAttributes": [{"Name": "email", "Value": "gia@example.com"}],
                    "ClientMetadata": {"campaign": "spring"}}),
        )
        .await;
    assert_eq!(outcome.response().unwrap()["UserConfirmed"], json!(true));
    assert_eq!(
        sources(&outcome),
        ["PreSignUp_SignUp", "PostConfirmation_ConfirmSignUp"]
    );
    assert!(outcome.delivered.is_empty());
    assert_eq!(t.pre_sign_up.count(), 1);
    let sub = stored_user(&cognito, "gia").unwrap().sub;
    assert_json_eq!(
        t.post_confirmation.only()["request"],
        json!({"userAttributes": {"sub": sub, "cognito:user_status": "CONFIRMED",
                   "email": "gia@example.com", "email_verified": "true"},
               "clientMetadata": {"campaign": "spring"}})
    );
}

#[tokio::test]
async fn confirm_forgot_password_sends_its_own_source_after_the_password_is_set() {
    let (cognito, t) = pool();
    let sub = seed(&cognito, "erin");
    let forgot = json!({"ClientId": CLIENT_ID, "Username": "erin"});
    assert!(cognito.call("ForgotPassword", &forgot).await.is_success());
    let code = cognito.last_code(POOL_ID, "erin").unwrap();
    let outcome = cognito
        .call(
            "ConfirmForgotPassword",
            &json!({"ClientId": CLIENT_ID, "Username": "erin", "ConfirmationCode": code,
                    "Password": "N3w-Passw0rd!", "ClientMetadata": {"reason": "lost"}}),
        )
        .await;
    assert!(outcome.is_success(), "{:?}", outcome.error());
    assert_json_eq!(
        t.post_confirmation.only(),
        envelope(
            "PostConfirmation_ConfirmForgotPassword",
            "erin",
            CLIENT_ID,
            json!({"userAttributes": {"sub": sub, "cognito:user_status": "CONFIRMED",
                       "email": "erin@example.com", "email_verified": "true"},
                   "clientMetadata": {"reason": "lost"}})
        )
    );
    assert_eq!(
        stored_user(&cognito, "erin").unwrap().password.as_deref(),
        Some("N3w-Passw0rd!")
    );
}

#[tokio::test]
async fn the_first_federated_sign_in_is_confirmed_once_with_external_provider_status() {
    let (cognito, t) = pool();
    let request = json!({"UserPoolId": POOL_ID, "ProviderName": "Google", "ProviderUserId": "42",
        "ClientId": CLIENT_ID, "UserAttributes": [{"Name": "email", "Value": "ivy@example.com"}]});
    let first = cognito.call("FederatedSignIn", &request).await;
    assert_eq!(
        sources(&first),
        [
            "PreSignUp_ExternalProvider",
            "PostConfirmation_ConfirmSignUp"
        ]
    );
    let event = t.post_confirmation.only();
    assert_eq!(event["userName"], "Google_42");
    let attributes = event["request"]["userAttributes"].as_object().unwrap();
    assert_eq!(attributes["cognito:user_status"], "EXTERNAL_PROVIDER");
    assert_eq!(attributes["email"], "ivy@example.com");
    assert!(attributes["identities"]
        .as_str()
        .unwrap()
        .contains("Google"));
    assert!(event["request"].get("clientMetadata").is_none());

    let again = cognito.call("FederatedSignIn", &request).await;
    assert!(again.triggers.is_empty());
    assert_eq!(t.post_confirmation.count(), 1);
}

#[tokio::test]
async fn a_password_sign_in_runs_pre_then_post_authentication_with_the_exact_events() {
    let (cognito, t) = pool();
    let sub = seed(&cognito, "alice");
    let mut request = password_sign_in("alice", "Passw0rd!");
    request["ClientMetadata"] = json!({"captcha": "ok"});
    let outcome = cognito.call("InitiateAuth", &request).await;
    let tokens = outcome.response().expect("signed in");
    assert_eq!(tokens["AuthenticationResult"]["TokenType"], "Bearer");
    assert_eq!(
        sources(&outcome),
        [
            "PreAuthentication_Authentication",
            "PostAuthentication_Authentication"
        ]
    );
    let attributes = json!({"sub": sub, "cognito:user_status": "CONFIRMED",
                            "email": "alice@example.com", "email_verified": "true"});
    // The captured shape (fixtures/captures/PreAuthentication_Authentication--ap-south-1-2020.json):
    // ClientMetadata as validationData, userNotFound false.
    assert_json_eq!(
        t.pre_authentication.only(),
        envelope(
            "PreAuthentication_Authentication",
            "alice",
            SIGN_IN_CLIENT,
            json!({"userAttributes": attributes, "validationData": {"captcha": "ok"},
                   "userNotFound": false})
        )
    );
    // InitiateAuth's ClientMetadata does not reach PostAuthentication; a pool without remembered
    // devices never has a new one.
    assert_json_eq!(
        t.post_authentication.only(),
        envelope(
            "PostAuthentication_Authentication",
            "alice",
            SIGN_IN_CLIENT,
            json!({"userAttributes": attributes, "newDeviceUsed": false})
        )
    );
}

#[tokio::test]
async fn admin_initiate_auth_fires_both_through_its_client() {
    let (cognito, t) = pool();
    seed(&cognito, "alice");
    let outcome = cognito
        .call(
            "AdminInitiateAuth",
            &json!({"UserPoolId": POOL_ID, "ClientId": SIGN_IN_CLIENT, "AuthFlow": "ADMIN_NO_SRP_AUTH",
                    "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
        )
        .await;
    assert!(outcome.is_success(), "{:?}", outcome.error());
    assert_eq!(
        t.pre_authentication.only()["callerContext"]["clientId"],
        SIGN_IN_CLIENT
    );
    assert_eq!(
        t.pre_authentication.only()["request"]["validationData"],
        json!({})
    );
    assert_eq!(t.post_authentication.count(), 1);
}

#[tokio::test]
async fn a_pre_authentication_error_denies_the_sign_in_before_the_password_is_checked() {
    fn deny(_: Value) -> Result<Value, String> {
        Err("Email not verified".into())
    }
    let (cognito, t) = pool_with(json!({}), &[("pre-authentication", deny)]);
    seed(&cognito, "bob");
    for password in ["Passw0rd!", "wrong-passw0rd"] {
        let outcome = cognito
            .call("InitiateAuth", &password_sign_in("bob", password))
            .await;
        assert_eq!(
            outcome.error().unwrap().to_json(),
            json!({"__type": "UserLambdaValidationException",
                   "message": "PreAuthentication failed with error Email not verified."})
        );
        assert_eq!(outcome.verdict().unwrap().rule.id, "function-error");
    }
    assert_eq!(t.pre_authentication.count(), 2);
    assert_eq!(t.post_authentication.count(), 0);
}

#[tokio::test]
async fn an_unknown_user_reaches_pre_authentication_only_when_the_client_hides_user_existence() {
    let (cognito, t) = pool();
    let outcome = cognito
        .call("InitiateAuth", &password_sign_in("nobody", "Passw0rd!"))
        .await;
    assert_eq!(
        outcome.error().unwrap().to_json(),
        json!({"__type": "NotAuthorizedException", "message": "Incorrect username or password."})
    );
    assert_json_eq!(
        t.pre_authentication.only(),
        envelope(
            "PreAuthentication_Authentication",
            "nobody",
            SIGN_IN_CLIENT,
            json!({"userAttributes": {}, "validationData": {}, "userNotFound": true})
        )
    );

    // A LEGACY client: no trigger for an unknown user, no userNotFound for a known one.
    let created = cognito
        .call(
            "CreateUserPoolClient",
            &json!({"UserPoolId": POOL_ID, "ClientName": "legacy",
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"],
                    "PreventUserExistenceErrors": "LEGACY"}),
        )
        .await;
    let legacy = created.response().unwrap()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    let mut request = password_sign_in("nobody", "Passw0rd!");
    request["ClientId"] = json!(legacy);
    let outcome = cognito.call("InitiateAuth", &request).await;
    assert!(outcome.triggers.is_empty());
    seed(&cognito, "alice");
    request["AuthParameters"]["USERNAME"] = json!("alice");
    assert!(cognito.call("InitiateAuth", &request).await.is_success());
    let event = t.pre_authentication.last();
    assert_eq!(event["userName"], "alice");
    assert!(event["request"].get("userNotFound").is_none());
}

#[tokio::test]
async fn a_post_authentication_error_withholds_the_tokens() {
    let (cognito, t) = pool_with(json!({}), &[("post-authentication", throws)]);
    seed(&cognito, "carol");
    let outcome = cognito
        .call("InitiateAuth", &password_sign_in("carol", "Passw0rd!"))
        .await;
    assert_eq!(
        outcome.error().unwrap().to_json(),
        json!({"__type": "UserLambdaValidationException",
               "message": "PostAuthentication failed with error profile table unavailable."})
    );
    let verdict = outcome.verdict().unwrap();
    assert_eq!(verdict.rule.id, "post-authentication.function-error");
    assert_eq!(verdict.rule.grade, cognito_harness::Grade::Assumed);
    assert_eq!(t.pre_authentication.count(), 1);
}

#[tokio::test]
async fn a_refresh_fires_neither_authentication_trigger() {
    let (cognito, t) = pool();
    seed(&cognito, "alice");
    let signed_in = cognito
        .call("InitiateAuth", &password_sign_in("alice", "Passw0rd!"))
        .await;
    let refresh = signed_in.response().unwrap()["AuthenticationResult"]["RefreshToken"].clone();
    let outcome = cognito
        .call(
            "InitiateAuth",
            &json!({"ClientId": SIGN_IN_CLIENT, "AuthFlow": "REFRESH_TOKEN_AUTH",
                    "AuthParameters": {"REFRESH_TOKEN": refresh}}),
        )
        .await;
    assert!(outcome.is_success(), "{:?}", outcome.error());
    assert!(outcome.triggers.is_empty());
    assert_eq!(
        (t.pre_authentication.count(), t.post_authentication.count()),
        (1, 1)
    );
}

#[tokio::test]
async fn the_new_password_answer_fires_post_authentication_with_its_metadata_and_no_post_confirmation(
) {
    let (cognito, t) = pool();
    let create = json!({"UserPoolId": POOL_ID, "Username": "nia", "TemporaryPassword": "Temp0rary!",
        "MessageAction": "SUPPRESS", "UserAttributes": [{"Name": "email", "Value": "nia@example.com"}]});
    assert!(cognito.call("AdminCreateUser", &create).await.is_success());
    let challenge = cognito
        .call("InitiateAuth", &password_sign_in("nia", "Temp0rary!"))
        .await;
    assert_eq!(sources(&challenge), ["PreAuthentication_Authentication"]);
    assert_eq!(
        t.pre_authentication.only()["request"]["userAttributes"]["cognito:user_status"],
        "FORCE_CHANGE_PASSWORD"
    );
    let session = challenge.response().unwrap()["Session"].clone();
    let outcome = cognito
        .call(
            "RespondToAuthChallenge",
            &json!({"ClientId": SIGN_IN_CLIENT, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session,
                    "ChallengeResponses": {"USERNAME": "nia", "NEW_PASSWORD": "Chosen-passw0rd"},
                    "ClientMetadata": {"step": "first-sign-in"}}),
        )
        .await;
    assert!(
        outcome.response().unwrap()["AuthenticationResult"].is_object(),
        "{:?}",
        outcome.error()
    );
    assert_eq!(sources(&outcome), ["PostAuthentication_Authentication"]);
    let event = t.post_authentication.only();
    assert_eq!(
        event["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );
    assert_eq!(
        event["request"]["clientMetadata"],
        json!({"step": "first-sign-in"})
    );
    assert_eq!(t.post_confirmation.count(), 0);
}

#[tokio::test]
async fn a_pool_that_remembers_devices_says_whether_the_device_is_new() {
    let (cognito, t) = pool_with(
        json!({"DeviceConfiguration": {"ChallengeRequiredOnNewDevice": false,
                                       "DeviceOnlyRememberedOnUserPrompt": false}}),
        &[],
    );
    seed(&cognito, "alice");
    assert!(cognito
        .call("InitiateAuth", &password_sign_in("alice", "Passw0rd!"))
        .await
        .is_success());
    let mut known = password_sign_in("alice", "Passw0rd!");
    known["AuthParameters"]["DEVICE_KEY"] = json!("us-east-1_0b5e6f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b");
    assert!(cognito.call("InitiateAuth", &known).await.is_success());
    let flags: Vec<Value> = t
        .post_authentication
        .events()
        .iter()
        .map(|e| e["request"]["newDeviceUsed"].clone())
        .collect();
    assert_eq!(flags, [json!(true), json!(false)]);
}
