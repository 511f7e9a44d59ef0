//! CustomEmailSender and CustomSMSSender (cognito-semantics.md §CS): the exact events, the code
//! encrypted under the local key of the pool's KMSKeyID, CustomMessage not running, and a sender's
//! failure never reaching the caller.

use assert_json_diff::assert_json_eq;
use cognito_harness::{decrypt_sender_code, Cognito, Functions, Outcome};
use serde_json::{json, Value};

use crate::recorder::{self, config, Recorded, CLIENT_ID, POOL_ID};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const SENDER_BODY: &str = "(composed and delivered by the custom sender function: Cognito handed it the code, encrypted, and sent nothing itself)";

struct Senders {
    custom_message: Recorded,
    email: Recorded,
    sms: Recorded,
}

type Answer = fn(Value) -> Result<Value, String>;

/// The test pool with CustomMessage and both senders bound to recording functions (the e-mail
/// sender answers `email_answer`); `lambda` replaces LambdaConfig members.
fn pool_with(extra: Value, lambda: Value, email_answer: Answer) -> (Cognito, Senders) {
    let mut functions = Functions::new();
    let senders = Senders {
        custom_message: recorder::recording(&mut functions, "custom-message", Ok),
        email: recorder::recording(&mut functions, "email-sender", email_answer),
        sms: recorder::recording(&mut functions, "sms-sender", |_| Ok(Value::Null)),
    };
    let mut lambda_config = json!({
        "CustomMessage": format!("{ARN}custom-message"),
        "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": format!("{ARN}email-sender")},
        "CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": format!("{ARN}sms-sender")},
        "KMSKeyID": KEY_ARN,
    });
    for (k, v) in lambda.as_object().unwrap() {
        if v.is_null() {
            lambda_config.as_object_mut().unwrap().remove(k);
        } else {
            lambda_config[k] = v.clone();
        }
    }
    let mut base = json!({"LambdaConfig": lambda_config});
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    (recorder::cognito(functions, config(base)), senders)
}

fn pool() -> (Cognito, Senders) {
    pool_with(json!({}), json!({}), |_| Ok(Value::Null))
}

async fn sign_up(cognito: &Cognito, attributes: Value, metadata: Option<Value>) -> Outcome {
    let mut body = json!({
        "ClientId": CLIENT_ID, "Username": "sam", "Password": "Passw0rd!",
        "UserAttributes": attributes,
    });
    if let Some(m) = metadata {
        body["ClientMetadata"] = m;
    }
    cognito.call("SignUp", &body).await
}

/// The event with `request.code` taken out, and the code decrypted under `key`.
fn split_code(mut event: Value, key: &str) -> (Value, String) {
    let sealed = event["request"]["code"]
        .as_str()
        .expect("a code")
        .to_string();
    event["request"]["code"] = json!("<encrypted>");
    let plain = decrypt_sender_code(key, &sealed).expect("the code decrypts under the pool's key");
    (event, plain)
}

fn sub_of(cognito: &Cognito, username: &str) -> String {
    recorder::stored_user(cognito, username).unwrap().sub
}

#[tokio::test]
async fn sign_up_hands_the_encrypted_code_to_the_email_sender_instead_of_custom_message() {
    let (cognito, senders) = pool();
    let outcome = sign_up(
        &cognito,
        json!([{"Name": "email", "Value": "sam@example.com"}]),
        Some(json!({"campaign": "spring"})),
    )
    .await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    assert_eq!(
        senders.custom_message.count(),
        0,
        "CustomMessage does not run"
    );
    let (event, code) = split_code(senders.email.only(), KEY_ARN);
    assert_json_eq!(
        event,
        json!({
            "version": "1",
            "region": "us-east-1",
            "userPoolId": POOL_ID,
            "userName": "sam",
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT_ID},
            "triggerSource": "CustomEmailSender_SignUp",
            "request": {
                "type": "customEmailSenderRequestV1",
                "code": "<encrypted>",
                "clientMetadata": {"campaign": "spring"},
                "userAttributes": {
                    "sub": sub_of(&cognito, "sam"),
                    "cognito:user_status": "UNCONFIRMED",
                    "email": "sam@example.com",
                    "email_verified": "false",
                },
            },
        })
    );
    // The outbox keeps the plaintext code, so the flow can go on.
    let delivered = &outcome.delivered[0];
    assert_eq!(delivered.code.as_deref(), Some(code.as_str()));
    assert_eq!(delivered.trigger_source, "CustomEmailSender_SignUp");
    assert_eq!(delivered.body, SENDER_BODY);
    assert_eq!(delivered.subject, None);
    assert_json_eq!(
        outcome.response().unwrap()["CodeDeliveryDetails"],
        json!({"Destination": "s***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"})
    );
    let verdict = serde_json::to_value(outcome.verdict().unwrap()).unwrap();
    assert_json_eq!(
        verdict,
        json!({"triggerSource": "CustomEmailSender_SignUp", "rule": "custom-sender.asynchronous",
               "grade": "documented", "reference": "§CS.3", "outcome": "success"})
    );
    let confirmed = cognito
        .call(
            "ConfirmSignUp",
            &json!({"ClientId": CLIENT_ID, "Username": "sam", "ConfirmationCode": code}),
        )
        .await;
    assert!(confirmed.is_success(), "{:?}", confirmed.result);
}

#[tokio::test]
async fn a_sender_error_does_not_fail_the_call() {
    let (cognito, senders) = pool_with(json!({}), json!({}), |_| {
        Err("mail provider refused the message".into())
    });
    let outcome = sign_up(
        &cognito,
        json!([{"Name": "email", "Value": "sam@example.com"}]),
        None,
    )
    .await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    assert_eq!(senders.email.count(), 1);
    assert_eq!(
        senders.email.only()["request"]["clientMetadata"],
        Value::Null
    );
    let verdict = serde_json::to_value(outcome.verdict().unwrap()).unwrap();
    assert_json_eq!(
        verdict,
        json!({
            "triggerSource": "CustomEmailSender_SignUp",
            "rule": "custom-sender.failure-unreported",
            "grade": "assumed",
            "reference": "§CS.3, ruling CS-2",
            "outcome": "success",
            "detail": "CustomEmailSender failed with error mail provider refused the message; Cognito invoked it asynchronously, so the caller never sees this",
            "warnings": ["CustomEmailSender failed with error mail provider refused the message: the call succeeded anyway (Cognito invokes custom senders asynchronously); on AWS, Lambda would retry the event twice and the user receives nothing unless a retry delivers it (custom-sender.failure-unreported)"],
        })
    );
    assert_eq!(
        outcome.warnings,
        verdict["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    );
    // The user is signed up and the code is valid: Cognito had committed before it invoked.
    assert_eq!(outcome.delivered.len(), 1);
}

#[tokio::test]
async fn phone_verification_goes_to_the_sms_sender_with_its_own_request_type() {
    let (cognito, senders) = pool_with(
        json!({"AutoVerifiedAttributes": ["phone_number"]}),
        json!({}),
        |_| Ok(Value::Null),
    );
    let outcome = sign_up(
        &cognito,
        json!([{"Name": "phone_number", "Value": "+12065550100"}]),
        None,
    )
    .await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    assert_eq!(senders.email.count(), 0);
    assert_eq!(senders.custom_message.count(), 0);
    let (event, code) = split_code(senders.sms.only(), KEY_ARN);
    assert_eq!(event["triggerSource"], "CustomSMSSender_SignUp");
    assert_json_eq!(
        event["request"],
        json!({
            "type": "customSMSSenderRequestV1",
            "code": "<encrypted>",
            "clientMetadata": null,
            "userAttributes": {
                "sub": sub_of(&cognito, "sam"),
                "cognito:user_status": "UNCONFIRMED",
                "phone_number": "+12065550100",
                "phone_number_verified": "false",
            },
        })
    );
    assert!(
        event.get("response").is_none(),
        "sender events have no response member"
    );
    assert_eq!(outcome.delivered[0].code.as_deref(), Some(code.as_str()));
    assert_eq!(
        outcome.delivered[0].trigger_source,
        "CustomSMSSender_SignUp"
    );
}

#[tokio::test]
async fn without_an_email_sender_custom_message_still_composes_email() {
    let (cognito, senders) = pool_with(json!({}), json!({"CustomEmailSender": null}), |_| {
        Ok(Value::Null)
    });
    let outcome = sign_up(
        &cognito,
        json!([{"Name": "email", "Value": "sam@example.com"}]),
        None,
    )
    .await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    assert_eq!(senders.custom_message.count(), 1);
    assert_eq!(senders.sms.count(), 0);
    assert_eq!(outcome.delivered[0].trigger_source, "CustomMessage_SignUp");
}

#[tokio::test]
async fn without_a_kms_key_the_code_is_encrypted_under_the_pool_id_with_a_warning() {
    let (cognito, senders) = pool_with(json!({}), json!({"KMSKeyID": null}), |_| Ok(Value::Null));
    let outcome = sign_up(
        &cognito,
        json!([{"Name": "email", "Value": "sam@example.com"}]),
        None,
    )
    .await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    let (_, code) = split_code(senders.email.only(), POOL_ID);
    assert_eq!(outcome.delivered[0].code.as_deref(), Some(code.as_str()));
    assert_eq!(
        outcome.warnings,
        vec![format!("CustomEmailSender is configured without LambdaConfig.KMSKeyID: real Cognito requires a KMS key for custom senders; the harness encrypted the code under the pool id `{POOL_ID}` instead (custom-sender.asynchronous, ruling CS-4)")]
    );
}

#[tokio::test]
async fn forgot_password_and_admin_create_user_reach_the_sender() {
    let (cognito, senders) = pool();
    recorder::seed_user(
        &cognito,
        "ann",
        &[("email", "ann@example.com"), ("email_verified", "true")],
    );
    let outcome = cognito
        .call(
            "ForgotPassword",
            &json!({"ClientId": CLIENT_ID, "Username": "ann", "ClientMetadata": {"k": "v"}}),
        )
        .await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    let (event, code) = split_code(senders.email.last(), KEY_ARN);
    assert_eq!(event["triggerSource"], "CustomEmailSender_ForgotPassword");
    assert_eq!(event["request"]["clientMetadata"], json!({"k": "v"}));
    assert_eq!(outcome.delivered[0].code.as_deref(), Some(code.as_str()));

    let invited = cognito
        .call(
            "AdminCreateUser",
            &json!({"UserPoolId": POOL_ID, "Username": "bob",
                    "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}],
                    "DesiredDeliveryMediums": ["EMAIL"], "ClientMetadata": {"k": "v"}}),
        )
        .await;
    assert!(invited.is_success(), "{:?}", invited.result);
    let (event, password) = split_code(senders.email.last(), KEY_ARN);
    assert_eq!(event["triggerSource"], "CustomEmailSender_AdminCreateUser");
    assert_eq!(
        event["callerContext"]["clientId"],
        "CLIENT_ID_NOT_APPLICABLE"
    );
    assert_eq!(event["request"]["clientMetadata"], Value::Null);
    assert_eq!(
        invited.delivered[0].code.as_deref(),
        Some(password.as_str())
    );
    assert_eq!(senders.custom_message.count(), 0);
}

#[tokio::test]
async fn a_sender_that_never_answers_does_not_fail_the_call() {
    let mut functions = Functions::new();
    let hangs = lambda_runtime::service_fn(|_: lambda_runtime::LambdaEvent<Value>| async {
        std::future::pending::<Result<Value, lambda_runtime::Error>>().await
    });
    functions.bind("email-sender", cognito_harness::handler(hangs));
    let mut cognito = recorder::cognito(
        functions,
        config(json!({"LambdaConfig": {
            "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": format!("{ARN}email-sender")},
            "KMSKeyID": KEY_ARN,
        }})),
    );
    // The function never answers, so the verdict does not depend on how long the deadline is.
    cognito.set_deadline(cognito_harness::Deadline {
        per_attempt: std::time::Duration::from_millis(20),
        attempts: 1,
    });
    let outcome = sign_up(
        &cognito,
        json!([{"Name": "email", "Value": "sam@example.com"}]),
        None,
    )
    .await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    let verdict = outcome.verdict().unwrap();
    assert_eq!(verdict.rule.id, "custom-sender.failure-unreported");
    assert_eq!(
        verdict.detail.as_deref(),
        Some("CustomEmailSender did not answer within the deadline (1 attempt(s)); Cognito invoked it asynchronously, so the caller never sees this")
    );
    assert_eq!(outcome.delivered.len(), 1);
}
