//! UserMigration (cognito-semantics.md §UM): the exact events a sign-in and a ForgotPassword of an
//! unknown name send, the user an answer creates, what the call does next, and Cognito's verdicts
//! on bad answers.

use assert_json_diff::assert_json_eq;
use base64::Engine;
use cognito_harness::pool::AppClient;
use cognito_harness::{Cognito, ErrorCode, Functions, UserStatus};
use serde_json::{json, Map, Value};

use crate::recorder::{self, config, respond, Recorded, POOL_ID};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";
const CLIENT: &str = "7mig0rate0client0000000abc";

struct Triggers {
    migration: Recorded,
    pre_authentication: Recorded,
    post_authentication: Recorded,
    pre_token_generation: Recorded,
    custom_message: Recorded,
}

type Answer = fn(Value) -> Result<Value, String>;

/// A pool with UserMigration, PreAuthentication, PostAuthentication, PreTokenGeneration and
/// CustomMessage bound to recording functions; `migrate` answers UserMigration.
fn pool_with(migrate: Answer, extra: Value) -> (Cognito, Triggers) {
    let mut functions = Functions::new();
    let triggers = Triggers {
        migration: recorder::recording(&mut functions, "user-migration", migrate),
        pre_authentication: recorder::recording(&mut functions, "pre-authentication", Ok),
        post_authentication: recorder::recording(&mut functions, "post-authentication", Ok),
        pre_token_generation: recorder::recording(&mut functions, "pre-token-generation", Ok),
        custom_message: recorder::recording(&mut functions, "custom-message", Ok),
    };
    let mut base = json!({"LambdaConfig": {
        "UserMigration": format!("{ARN}user-migration"),
        "PreAuthentication": format!("{ARN}pre-authentication"),
        "PostAuthentication": format!("{ARN}post-authentication"),
        "PreTokenGeneration": format!("{ARN}pre-token-generation"),
        "CustomMessage": format!("{ARN}custom-message"),
    }});
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    let cognito = recorder::cognito(functions, config(base));
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client(AppClient {
            client_id: CLIENT.into(),
            client_name: "migrating".into(),
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

/// The legacy store's answer for alice: confirmed, e-mail verified, welcome message suppressed.
fn confirmed(event: Value) -> Result<Value, String> {
    if event["request"]["password"] != json!("Legacy-Passw0rd")
        && event["triggerSource"] == json!("UserMigration_Authentication")
    {
        return Err("Bad password".into());
    }
    Ok(respond(
        event,
        json!({"userAttributes": {"email": "alice@example.com", "email_verified": "true", "custom:tier": "gold"},
               "finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS"}),
    ))
}

fn reset_required(event: Value) -> Result<Value, String> {
    Ok(respond(
        event,
        json!({"userAttributes": {"email": "alice@example.com", "email_verified": "true"},
               "finalUserStatus": "RESET_REQUIRED", "messageAction": "SUPPRESS"}),
    ))
}

fn sign_in(password: &str) -> Value {
    json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
           "AuthParameters": {"USERNAME": "alice", "PASSWORD": password},
           "ClientMetadata": {"source": "web"}})
}

fn sources(outcome: &cognito_harness::Outcome) -> Vec<&str> {
    outcome
        .triggers
        .iter()
        .map(|t| t.trigger_source.name())
        .collect()
}

fn id_claims(outcome: &cognito_harness::Outcome) -> Map<String, Value> {
    let token = outcome.response().unwrap()["AuthenticationResult"]["IdToken"]
        .as_str()
        .unwrap()
        .to_string();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    serde_json::from_slice(&b64.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

fn custom_tier_schema() -> Value {
    json!({"Schema": [{"Name": "tier", "AttributeDataType": "String", "Mutable": true}]})
}

#[tokio::test]
async fn a_sign_in_of_an_unknown_user_migrates_them_and_signs_them_in() {
    let (cognito, t) = pool_with(confirmed, custom_tier_schema());
    let outcome = cognito
        .call("InitiateAuth", &sign_in("Legacy-Passw0rd"))
        .await;
    outcome.assert_success();
    assert_eq!(
        sources(&outcome),
        [
            "UserMigration_Authentication",
            "PreAuthentication_Authentication",
            "TokenGeneration_Authentication",
            "PostAuthentication_Authentication"
        ]
    );
    assert_eq!(
        outcome.triggers[0].verdict.rule.id,
        "user-migration.migrated"
    );
    assert_json_eq!(
        t.migration.only(),
        json!({"version": "1", "region": "us-east-1", "userPoolId": POOL_ID, "userName": "alice",
               "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT},
               "triggerSource": "UserMigration_Authentication",
               "request": {"password": "Legacy-Passw0rd", "validationData": {"source": "web"}},
               "response": {"userAttributes": null, "finalUserStatus": null, "messageAction": null,
                            "desiredDeliveryMediums": null, "forceAliasCreation": null, "enableSMSMFA": null}})
    );
    // The migrated user is stored as the answer described, with the password they signed in with.
    let user = cognito
        .with_pool(POOL_ID, |p| p.find_user("alice").cloned())
        .flatten()
        .expect("alice was migrated");
    assert_eq!(user.status, UserStatus::Confirmed);
    assert_eq!(user.password.as_deref(), Some("Legacy-Passw0rd"));
    assert_eq!(user.attribute("custom:tier"), Some("gold"));
    // PreAuthentication sees the migrated user; the tokens carry the migrated attributes.
    let pre = t.pre_authentication.only();
    assert_eq!(pre["request"]["userAttributes"]["sub"], json!(user.sub));
    assert_eq!(
        pre["request"]["userAttributes"]["cognito:user_status"],
        json!("CONFIRMED")
    );
    assert_eq!(t.pre_token_generation.count(), 1);
    assert_eq!(t.post_authentication.count(), 1);
    let claims = id_claims(&outcome);
    assert_eq!(claims["sub"], json!(user.sub));
    assert_eq!(claims["email"], json!("alice@example.com"));
    assert_eq!(claims["email_verified"], json!(true));
    assert_eq!(claims["cognito:username"], json!("alice"));
    // The next sign-in finds alice: no second migration.
    cognito
        .call("InitiateAuth", &sign_in("Legacy-Passw0rd"))
        .await
        .assert_success();
    assert_eq!(t.migration.count(), 1);
}

#[tokio::test]
async fn a_function_error_fails_the_sign_in_and_migrates_nobody() {
    let (cognito, t) = pool_with(confirmed, custom_tier_schema());
    let outcome = cognito.call("InitiateAuth", &sign_in("wrong")).await;
    outcome.assert_rejected(
        ErrorCode::UserLambdaValidationException,
        "UserMigration failed with error Bad password.",
    );
    assert_eq!(sources(&outcome), ["UserMigration_Authentication"]);
    assert!(cognito
        .with_pool(POOL_ID, |p| p.find_user("alice").is_none())
        .unwrap());
    assert_eq!(t.pre_authentication.count(), 0);
}

#[tokio::test]
async fn an_untouched_event_is_an_exception_migrating_the_user() {
    let (cognito, _) = pool_with(Ok, json!({}));
    let outcome = cognito
        .call("InitiateAuth", &sign_in("Legacy-Passw0rd"))
        .await;
    outcome.assert_rejected(
        ErrorCode::UserNotFoundException,
        &format!("Exception migrating user in app client {CLIENT}"),
    );
    outcome.assert_rule("user-migration.no-attributes");
}

#[tokio::test]
async fn an_unknown_final_user_status_is_unrecognizable() {
    fn answer(event: Value) -> Result<Value, String> {
        Ok(respond(
            event,
            json!({"userAttributes": {"email": "alice@example.com"}, "finalUserStatus": "ACTIVE"}),
        ))
    }
    let (cognito, _) = pool_with(answer, json!({}));
    let outcome = cognito
        .call("InitiateAuth", &sign_in("Legacy-Passw0rd"))
        .await;
    outcome.assert_rejected(
        ErrorCode::InvalidLambdaResponseException,
        "Unrecognizable lambda output",
    );
    outcome.assert_rule("user-migration.final-user-status");
}

#[tokio::test]
async fn a_reset_required_user_must_reset_before_signing_in() {
    let (cognito, t) = pool_with(reset_required, json!({}));
    let outcome = cognito
        .call("InitiateAuth", &sign_in("Legacy-Passw0rd"))
        .await;
    outcome.assert_rejected(
        ErrorCode::PasswordResetRequiredException,
        "Password reset required for the user",
    );
    let status = cognito
        .with_pool(POOL_ID, |p| p.find_user("alice").map(|u| u.status))
        .flatten();
    assert_eq!(status, Some(UserStatus::ResetRequired));
    assert_eq!(t.post_authentication.count(), 0);
}

#[tokio::test]
async fn forgot_password_of_an_unknown_user_migrates_them_and_sends_the_code() {
    let (cognito, t) = pool_with(reset_required, json!({}));
    let outcome = cognito
        .call(
            "ForgotPassword",
            &json!({"ClientId": CLIENT, "Username": "alice",
                                         "ClientMetadata": {"source": "web"}}),
        )
        .await;
    outcome.assert_success();
    assert_eq!(
        sources(&outcome),
        [
            "UserMigration_ForgotPassword",
            "CustomMessage_ForgotPassword"
        ]
    );
    assert_json_eq!(
        t.migration.only()["request"],
        json!({"validationData": {}, "clientMetadata": {"source": "web"}})
    );
    assert_eq!(t.custom_message.count(), 1);
    let user = cognito
        .with_pool(POOL_ID, |p| p.find_user("alice").cloned())
        .flatten()
        .expect("alice was migrated");
    assert_eq!(user.status, UserStatus::ResetRequired);
    assert_eq!(user.password, None);
    assert_eq!(
        outcome.response().unwrap()["CodeDeliveryDetails"]["DeliveryMedium"],
        json!("EMAIL")
    );
}

#[tokio::test]
async fn without_the_trigger_an_unknown_user_is_not_found() {
    let mut functions = Functions::new();
    let _ = recorder::recording(&mut functions, "unused", Ok);
    let cognito = recorder::cognito(functions, config(json!({})));
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client(AppClient {
            client_id: CLIENT.into(),
            client_name: "migrating".into(),
            client_secret: None,
            explicit_auth_flows: vec!["ALLOW_USER_PASSWORD_AUTH".into()],
        })
    });
    let outcome = cognito
        .call("InitiateAuth", &sign_in("Legacy-Passw0rd"))
        .await;
    outcome.assert_rejected(
        ErrorCode::NotAuthorizedException,
        "Incorrect username or password.",
    );
    assert!(outcome.triggers.is_empty());
}
