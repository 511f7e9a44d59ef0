//! The harness against published evidence of what real Cognito does.
//!
//! Events: against events real Cognito sent (`fixtures/captures/`, sources in its SOURCES.md).
//! Each capture's situation is replayed (the pool it came from, the call that fired it), and the
//! harness's event must have the same keys at every level, the same JSON types (null, `{}` and
//! absent told apart) and the same constants. Values that name the user, pool or client are not
//! compared.
//!
//! Verdicts: link-pool bodies and the subject's length, against the reports and the service model
//! that docs/cognito-semantics.md §3.4 cites.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

use crate::recorder::{self, config, respond, Recorded, CLIENT_ID, POOL_ID};
use cognito_harness::{Cognito, Functions};

/// The pools the captures came from: users sign in with their e-mail (`userName` is the `sub`).
fn email_username_pool() -> Value {
    json!({"UsernameAttributes": ["email"]})
}

fn capture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/captures")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A JSON value with every string, number and boolean replaced by its type, so two events
/// compare by structure.
fn shape(v: &Value) -> Value {
    match v {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("boolean"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), shape(v)))
                .collect::<BTreeMap<_, _>>()
                .into_iter()
                .collect(),
        ),
    }
}

/// The members whose values are the same in every event of a source.
fn constants(event: &Value) -> Value {
    let request = &event["request"];
    let mut picked = Map::new();
    picked.insert("version".into(), event["version"].clone());
    picked.insert("triggerSource".into(), event["triggerSource"].clone());
    for key in ["codeParameter", "linkParameter", "usernameParameter"] {
        if let Some(v) = request.get(key) {
            picked.insert(key.into(), v.clone());
        }
    }
    picked.insert("response".into(), event["response"].clone());
    Value::Object(picked)
}

fn assert_same_structure(capture_name: &str, harness: &Value) {
    let real = capture(capture_name);
    assert_eq!(
        shape(harness),
        shape(&real),
        "the harness's event differs in structure from fixtures/captures/{capture_name}.json\nharness: {harness:#}"
    );
    assert_eq!(
        constants(harness),
        constants(&real),
        "constants differ from fixtures/captures/{capture_name}.json"
    );
}

/// The attributes a capture's user supplied (no `cognito:` keys), as a request list.
fn supplied_attributes(capture_name: &str, except: &[&str]) -> Value {
    let real = capture(capture_name);
    let list: Vec<Value> = real["request"]["userAttributes"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| !k.starts_with("cognito:") && !except.contains(&k.as_str()))
        .map(|(k, v)| json!({"Name": k, "Value": v}))
        .collect();
    Value::Array(list)
}

/// A service over the test pool configured with `extra`: its CustomMessage function answers
/// `custom_message(event)`, its PreSignUp function echoes the event; both record what they got.
fn recording_pool(
    extra: Value,
    custom_message: impl Fn(Value) -> Result<Value, String> + Send + Sync + Clone + 'static,
) -> (Cognito, Recorded, Recorded) {
    let mut functions = Functions::new();
    let cm = recorder::recording(&mut functions, "custom-message", custom_message);
    let pre = recorder::recording(&mut functions, "pre-sign-up", Ok);
    (recorder::cognito(functions, config(extra)), cm, pre)
}

#[tokio::test]
async fn custom_message_sign_up_of_an_unconfirmed_user_carries_the_email_alias() {
    let (cognito, cm, _) = recording_pool(email_username_pool(), Ok);
    let outcome = cognito
        .call(
            "SignUp",
            &json!({"ClientId": CLIENT_ID, "Username": "sam@example.com", "Password": "Passw0rd!"}),
        )
        .await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    assert_same_structure("CustomMessage_SignUp--trouver-ap-southeast-2", &cm.only());
}

#[tokio::test]
async fn custom_message_forgot_password_matches_the_capture() {
    let (cognito, cm, _) = recording_pool(email_username_pool(), Ok);
    let email = "sam@example.com";
    let signed_up = cognito
        .call(
            "SignUp",
            &json!({"ClientId": CLIENT_ID, "Username": email, "Password": "Passw0rd!"}),
        )
        .await;
    let code = signed_up.delivered[0].code.clone().unwrap();
    let confirmed = cognito
        .call(
            "ConfirmSignUp",
            &json!({"ClientId": CLIENT_ID, "Username": email, "ConfirmationCode": code}),
        )
        .await;
    assert!(confirmed.is_success(), "{:?}", confirmed.result);
    let outcome = cognito
        .call(
            "ForgotPassword",
            &json!({"ClientId": CLIENT_ID, "Username": email}),
        )
        .await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    assert_same_structure("CustomMessage_ForgotPassword--sarant1-chatwave", &cm.last());
}

#[tokio::test]
async fn pre_sign_up_sign_up_matches_every_capture() {
    for name in [
        "PreSignUp_SignUp--localstack-9349",
        "PreSignUp_SignUp--localstack-10739-hosted-ui",
        "PreSignUp_SignUp--amplify-docs-4147",
        "PreSignUp_SignUp--bobbyhadz-link-accounts",
    ] {
        let (cognito, _, pre) = recording_pool(email_username_pool(), Ok);
        let request = json!({"ClientId": CLIENT_ID, "Username": "sam@example.com", "Password": "Passw0rd!",
            "UserAttributes": supplied_attributes(name, &["email"])});
        let outcome = cognito.call("SignUp", &request).await;
        assert!(outcome.is_success(), "{name}: {:?}", outcome.result);
        assert_same_structure(name, &pre.only());
    }
}

#[tokio::test]
async fn pre_sign_up_admin_create_user_matches_the_capture() {
    let (cognito, _, pre) = recording_pool(email_username_pool(), Ok);
    let request = json!({"UserPoolId": POOL_ID, "Username": "sam@example.com", "MessageAction": "SUPPRESS",
        "UserAttributes": [{"Name": "email", "Value": "sam@example.com"}]});
    let outcome = cognito.call("AdminCreateUser", &request).await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    assert_same_structure("PreSignUp_AdminCreateUser--localstack-2964", &pre.only());
}

#[tokio::test]
async fn pre_sign_up_external_provider_has_empty_aliases_and_an_empty_validation_data_object() {
    for name in [
        "PreSignUp_ExternalProvider--jp-blog-2019-google",
        "PreSignUp_ExternalProvider--jp-blog-2021-federation-memo",
    ] {
        let mut functions = Functions::new();
        let pre = recorder::recording(&mut functions, "pre-sign-up", |e| Ok(respond(e, json!({}))));
        let cognito = recorder::cognito(functions, config(json!({})));
        let request = json!({"UserPoolId": POOL_ID, "ProviderName": "Google", "ProviderUserId": "103571795941234567890",
            "ClientId": CLIENT_ID, "UserAttributes": supplied_attributes(name, &[])});
        let outcome = cognito.call("FederatedSignIn", &request).await;
        assert!(outcome.is_success(), "{name}: {:?}", outcome.result);
        let event = pre.only();
        assert_eq!(event["request"]["validationData"], json!({}), "{name}");
        assert_same_structure(name, &event);
    }
}

/// A pool that confirms e-mail addresses with a link (DefaultEmailOption CONFIRM_WITH_LINK).
fn link_pool() -> Value {
    json!({"VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_LINK"},
           "EmailConfiguration": {"EmailSendingAccount": "DEVELOPER"}})
}

async fn sign_up_answering(email_message: &'static str) -> cognito_harness::Outcome {
    let (cognito, _, _) = recording_pool(link_pool(), move |e| {
        Ok(respond(e, json!({"emailMessage": email_message})))
    });
    cognito
        .call(
            "SignUp",
            &json!({"ClientId": CLIENT_ID, "Username": "lin", "Password": "Passw0rd!",
            "UserAttributes": [{"Name": "email", "Value": "lin@example.com"}]}),
        )
        .await
}

#[tokio::test]
async fn a_link_pool_accepts_a_body_with_a_link_placeholder_and_sends_the_link() {
    let outcome = sign_up_answering("Welcome! {##Confirm your address##}").await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    assert_eq!(
        outcome.verdict().unwrap().rule.id,
        "custom-message.accepted"
    );
    let body = &outcome.delivered[0].body;
    assert!(
        body.starts_with("Welcome! <a href=\"https://example.auth.us-east-1.amazoncognito.com/confirmUser?client_id=")
            && body.ends_with("\">Confirm your address</a>"),
        "{body}"
    );
}

#[tokio::test]
async fn a_link_pool_rejects_a_code_body_as_cognito_does() {
    // amazon-cognito-identity-js#521, terraform-provider-aws#3770: a `{####}` body where the pool
    // sends links is answered `The message is empty.`
    let outcome = sign_up_answering("Your code is {####}").await;
    let error = outcome.error().expect("rejected");
    assert_eq!(
        error.code,
        cognito_harness::ErrorCode::InvalidParameterException
    );
    assert_eq!(error.message, "The message is empty.");
    assert_eq!(
        outcome.verdict().unwrap().rule.id,
        "custom-message.link-placeholder"
    );
    assert!(outcome.delivered.is_empty());
}

#[tokio::test]
async fn an_empty_subject_gets_the_models_length_error_too() {
    // EmailVerificationSubjectType is 1–140 characters of `[\p{L}\p{M}\p{S}\p{N}\p{P}\s]+`.
    let (cognito, _, _) = recording_pool(json!({}), |e| {
        Ok(respond(
            e,
            json!({"emailSubject": "", "emailMessage": "Code {####}"}),
        ))
    });
    let outcome = cognito
        .call(
            "SignUp",
            &json!({"ClientId": CLIENT_ID, "Username": "sub", "Password": "Passw0rd!",
            "UserAttributes": [{"Name": "email", "Value": "sub@example.com"}]}),
        )
        .await;
    let error = outcome.error().expect("rejected");
    assert_eq!(
        error.code,
        cognito_harness::ErrorCode::InvalidParameterException
    );
    assert_eq!(
        error.message,
        "2 validation errors detected: Value '' at 'emailSubject' failed to satisfy constraint: Member must \
         satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s]+; Value '' at 'emailSubject' \
         failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
    assert_eq!(
        outcome.verdict().unwrap().rule.id,
        "custom-message.subject-pattern"
    );
}

#[tokio::test]
async fn pre_authentication_matches_the_capture() {
    use cognito_harness::pool::AppClient;
    let mut functions = Functions::new();
    let pre = recorder::recording(&mut functions, "pre-authentication", Ok);
    let cognito = recorder::cognito(
        functions,
        config(json!({"LambdaConfig": {
            "PreAuthentication": "arn:aws:lambda:us-east-1:123456789012:function:pre-authentication"}})),
    );
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client(AppClient {
            client_id: "5u3tg724l438dukd2bg2arnqnc".into(),
            client_name: "web-app".into(),
            client_secret: None,
            explicit_auth_flows: vec!["ALLOW_USER_PASSWORD_AUTH".into()],
        })
    });
    let name = "PreAuthentication_Authentication--ap-south-1-2020";
    let real = capture(name);
    let attributes: Vec<(String, String)> = real["request"]["userAttributes"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "sub" && !k.starts_with("cognito:"))
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let borrowed: Vec<(&str, &str)> = attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    recorder::seed_user(&cognito, "akkoodev", &borrowed);
    let outcome = cognito
        .call(
            "InitiateAuth",
            &json!({"ClientId": "5u3tg724l438dukd2bg2arnqnc", "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": "akkoodev", "PASSWORD": "Passw0rd!"},
                    "ClientMetadata": real["request"]["validationData"]}),
        )
        .await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    let event = pre.only();
    assert_same_structure(name, &event);
    assert_eq!(
        event["request"]["validationData"],
        real["request"]["validationData"]
    );
}

#[tokio::test]
async fn custom_email_sender_forgot_password_matches_the_capture() {
    let mut functions = Functions::new();
    let sender = recorder::recording(&mut functions, "email-sender", |_| Ok(Value::Null));
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:email-sender";
    let cognito = recorder::cognito(
        functions,
        config(json!({
            "UsernameAttributes": ["email"],
            "LambdaConfig": {
                "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": arn},
                "KMSKeyID": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            },
        })),
    );
    recorder::seed_user(
        &cognito,
        "54cf7eb7-0b96-4304-8d6b-0123456789ab",
        &[
            ("email_verified", "true"),
            ("phone_number_verified", "false"),
            ("phone_number", "+12065550100"),
            ("given_name", "Max"),
            ("family_name", "Ivanov"),
            ("email", "max@example.com"),
        ],
    );
    let outcome = cognito
        .call(
            "ForgotPassword",
            &json!({"ClientId": CLIENT_ID, "Username": "max@example.com"}),
        )
        .await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    assert_same_structure(
        "CustomEmailSender_ForgotPassword--maxivanov-blog",
        &sender.only(),
    );
    let real = capture("CustomEmailSender_ForgotPassword--maxivanov-blog");
    assert_eq!(sender.only()["request"]["type"], real["request"]["type"]);
}

#[tokio::test]
async fn define_auth_challenge_after_a_wrong_answer_matches_the_capture() {
    use cognito_harness::pool::{AppClient, User};
    use cognito_harness::UserStatus;
    let mut functions = Functions::new();
    let define = recorder::recording(&mut functions, "define-auth", |event| {
        Ok(respond(
            event,
            json!({"challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false}),
        ))
    });
    let _create = recorder::recording(&mut functions, "create-auth", |event| {
        Ok(respond(
            event,
            json!({"publicChallengeParameters": {}, "privateChallengeParameters": {"code": "123456"}}),
        ))
    });
    let _verify = recorder::recording(&mut functions, "verify-auth", |event| {
        Ok(respond(event, json!({"answerCorrect": false})))
    });
    let arn = "arn:aws:lambda:us-west-2:123456789012:function:";
    let cognito = recorder::cognito(
        functions,
        config(
            json!({"UsernameAttributes": ["phone_number"], "LambdaConfig": {
            "DefineAuthChallenge": format!("{arn}define-auth"),
            "CreateAuthChallenge": format!("{arn}create-auth"),
            "VerifyAuthChallengeResponse": format!("{arn}verify-auth")}}),
        ),
    );
    let client = "5v6oqesojup4oneudb5oiaef75";
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client(AppClient {
            client_id: client.into(),
            client_name: "app".into(),
            client_secret: None,
            explicit_auth_flows: vec!["ALLOW_CUSTOM_AUTH".into()],
        });
        // A client made before PreventUserExistenceErrors existed: LEGACY.
        p.put_client_description(client, json!({"PreventUserExistenceErrors": "LEGACY"}));
        let mut user = User::new("51575f68-2a23-479f-9882-c21c12eda766");
        user.status = UserStatus::ForceChangePassword;
        user.attributes
            .insert("phone_number_verified".into(), "true".into());
        user.attributes
            .insert("phone_number".into(), "+15555550100".into());
        p.put_user(user);
    });
    let start = cognito
        .call(
            "InitiateAuth",
            &json!({"ClientId": client, "AuthFlow": "CUSTOM_AUTH",
            "AuthParameters": {"USERNAME": "+15555550100"}}),
        )
        .await;
    assert!(start.is_success(), "{:?}", start.result);
    let answered = cognito
        .call(
            "RespondToAuthChallenge",
            &json!({"ClientId": client, "ChallengeName": "CUSTOM_CHALLENGE",
            "Session": start.response().unwrap()["Session"],
            "ChallengeResponses": {"USERNAME": "+15555550100", "ANSWER": "000000"}}),
        )
        .await;
    assert!(answered.is_success(), "{:?}", answered.result);
    let name = "DefineAuthChallenge_Authentication--amplify-js-5834";
    let real = capture(name);
    let event = define.events()[1].clone();
    // The capture's `response` is what the function set; `request` is Cognito's.
    assert_eq!(
        shape(&event["request"]),
        shape(&real["request"]),
        "{event:#}"
    );
    assert_eq!(event["request"]["session"], real["request"]["session"]);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&event), keys(&real));
    assert_eq!(keys(&event["response"]), keys(&real["response"]));
}
