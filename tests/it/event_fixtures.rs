//! `fixtures/events/`: one realistic event per trigger source, kept identical to what the harness
//! sends (regenerate with `UPDATE_FIXTURES=1 cargo test --test it event_fixtures`), and each one
//! readable by the aws_lambda_events types a Rust handler uses.

use std::path::PathBuf;

use aws_lambda_events::cognito::{
    CognitoEventUserPoolsCreateAuthChallenge, CognitoEventUserPoolsCustomMessage,
    CognitoEventUserPoolsDefineAuthChallenge, CognitoEventUserPoolsMigrateUser,
    CognitoEventUserPoolsPostAuthentication, CognitoEventUserPoolsPostConfirmation,
    CognitoEventUserPoolsPreAuthentication, CognitoEventUserPoolsPreSignup,
    CognitoEventUserPoolsPreTokenGen, CognitoEventUserPoolsVerifyAuthChallenge,
};
use cognito_harness::samples::{self, fixture_name, sample_event};
use cognito_harness::{Trigger, TriggerSource};
use serde_json::Value;

fn fixture_path(source: TriggerSource) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/events")
        .join(fixture_name(source))
}

#[test]
fn every_source_has_a_fixture_equal_to_the_event_the_harness_sends() {
    for source in TriggerSource::all() {
        let expected = serde_json::to_string_pretty(&sample_event(source, None)).unwrap() + "\n";
        let path = fixture_path(source);
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &expected).unwrap();
        }
        let actual =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            actual,
            expected,
            "{} differs from the harness's event for {source}",
            path.display()
        );
    }
}

#[test]
fn every_fixture_deserializes_into_the_aws_lambda_events_type() {
    for source in TriggerSource::all() {
        let event: Value =
            serde_json::from_str(&std::fs::read_to_string(fixture_path(source)).unwrap()).unwrap();
        match source.trigger() {
            Trigger::CUSTOM_MESSAGE => {
                let typed: CognitoEventUserPoolsCustomMessage =
                    serde_json::from_value(event).unwrap();
                assert_eq!(typed.request.code_parameter.as_deref(), Some("{####}"));
            }
            Trigger::PRE_SIGN_UP => {
                let typed: CognitoEventUserPoolsPreSignup = serde_json::from_value(event).unwrap();
                assert!(!typed.response.auto_confirm_user);
            }
            Trigger::POST_CONFIRMATION => {
                let typed: CognitoEventUserPoolsPostConfirmation =
                    serde_json::from_value(event).unwrap();
                assert_eq!(
                    typed.request.user_attributes["cognito:user_status"],
                    "CONFIRMED"
                );
            }
            Trigger::PRE_AUTHENTICATION => {
                let typed: CognitoEventUserPoolsPreAuthentication =
                    serde_json::from_value(event).unwrap();
                assert!(typed.request.user_attributes.contains_key("sub"));
            }
            Trigger::POST_AUTHENTICATION => {
                let typed: CognitoEventUserPoolsPostAuthentication =
                    serde_json::from_value(event).unwrap();
                assert!(!typed.request.new_device_used);
            }
            Trigger::PRE_TOKEN_GENERATION => {
                let typed: CognitoEventUserPoolsPreTokenGen =
                    serde_json::from_value(event).unwrap();
                assert!(typed.response.claims_override_details.is_none());
            }
            // aws_lambda_events 1.2 has no sender types: check what a sender reads instead.
            Trigger::CUSTOM_EMAIL_SENDER | Trigger::CUSTOM_SMS_SENDER => {
                let expected_type = if source.trigger() == Trigger::CUSTOM_SMS_SENDER {
                    "customSMSSenderRequestV1"
                } else {
                    "customEmailSenderRequestV1"
                };
                assert_eq!(event["request"]["type"], expected_type);
                assert!(event.get("response").is_none());
                match event["request"]["code"].as_str() {
                    Some(code) => assert_eq!(
                        cognito_harness::decrypt_sender_code(samples::SAMPLE_KMS_KEY_ID, code)
                            .as_deref(),
                        Ok(samples::SAMPLE_CODE)
                    ),
                    None => assert!(source.name().ends_with("_AccountTakeOverNotification")),
                }
            }
            Trigger::USER_MIGRATION => {
                let typed: CognitoEventUserPoolsMigrateUser =
                    serde_json::from_value(event).unwrap();
                assert!(typed
                    .cognito_event_user_pools_migrate_user_response
                    .user_attributes
                    .is_empty());
            }
            Trigger::DEFINE_AUTH_CHALLENGE => {
                let typed: CognitoEventUserPoolsDefineAuthChallenge =
                    serde_json::from_value(event).unwrap();
                assert!(typed.request.session[0].as_ref().unwrap().challenge_result);
            }
            Trigger::CREATE_AUTH_CHALLENGE => {
                let typed: CognitoEventUserPoolsCreateAuthChallenge =
                    serde_json::from_value(event).unwrap();
                assert_eq!(
                    typed.request.challenge_name.as_deref(),
                    Some("CUSTOM_CHALLENGE")
                );
            }
            Trigger::VERIFY_AUTH_CHALLENGE_RESPONSE => {
                let typed: CognitoEventUserPoolsVerifyAuthChallenge =
                    serde_json::from_value(event).unwrap();
                assert_eq!(typed.request.private_challenge_parameters["answer"], "5");
                assert!(!typed.response.answer_correct);
            }
            other => panic!("no aws_lambda_events type is checked for {other} yet"),
        }
    }
}

#[test]
fn client_metadata_appears_only_where_cognito_forwards_it() {
    let metadata: serde_json::Map<String, Value> = [("brand".to_string(), Value::from("acme"))]
        .into_iter()
        .collect();
    let with: Vec<&str> = TriggerSource::all()
        .filter(|s| {
            sample_event(*s, Some(&metadata))["request"]
                .get("clientMetadata")
                .is_some_and(Value::is_object)
        })
        .map(|s| s.name())
        .collect();
    assert_eq!(
        with,
        [
            "CustomMessage_SignUp",
            "CustomMessage_ResendCode",
            "CustomMessage_ForgotPassword",
            "CustomMessage_UpdateUserAttribute",
            "CustomMessage_VerifyUserAttribute",
            "PreSignUp_SignUp",
            "PreSignUp_AdminCreateUser",
            "PostConfirmation_ConfirmSignUp",
            "PostConfirmation_ConfirmForgotPassword",
            "PostAuthentication_Authentication",
            "TokenGeneration_NewPasswordChallenge",
            "TokenGeneration_AuthenticateDevice",
            "CustomEmailSender_SignUp",
            "CustomEmailSender_ResendCode",
            "CustomEmailSender_ForgotPassword",
            "CustomEmailSender_UpdateUserAttribute",
            "CustomEmailSender_VerifyUserAttribute",
            "CustomEmailSender_Authentication",
            "CustomSMSSender_SignUp",
            "CustomSMSSender_ResendCode",
            "CustomSMSSender_ForgotPassword",
            "CustomSMSSender_UpdateUserAttribute",
            "CustomSMSSender_VerifyUserAttribute",
            "CustomSMSSender_Authentication",
            "UserMigration_ForgotPassword",
            "DefineAuthChallenge_Authentication",
            "CreateAuthChallenge_Authentication",
            "VerifyAuthChallengeResponse_Authentication",
        ]
    );
}

#[test]
fn a_pre_authentication_sample_carries_the_metadata_as_validation_data() {
    let metadata: serde_json::Map<String, Value> = [("captcha".to_string(), Value::from("ok"))]
        .into_iter()
        .collect();
    let event = sample_event(
        TriggerSource::PRE_AUTHENTICATION_AUTHENTICATION,
        Some(&metadata),
    );
    assert_eq!(
        event["request"]["validationData"],
        serde_json::json!({"captcha": "ok"})
    );
    assert!(event["request"].get("clientMetadata").is_none());
}

#[test]
fn a_user_migration_sign_in_sample_carries_the_password_and_the_metadata_as_validation_data() {
    let metadata: serde_json::Map<String, Value> = [("legacy".to_string(), Value::from("v1"))]
        .into_iter()
        .collect();
    let event = sample_event(
        TriggerSource::USER_MIGRATION_AUTHENTICATION,
        Some(&metadata),
    );
    assert_eq!(
        event["request"],
        serde_json::json!({"password": "Legacy-Passw0rd", "validationData": {"legacy": "v1"}})
    );
    let reset = sample_event(
        TriggerSource::USER_MIGRATION_FORGOT_PASSWORD,
        Some(&metadata),
    );
    assert_eq!(
        reset["request"],
        serde_json::json!({"validationData": {}, "clientMetadata": {"legacy": "v1"}})
    );
}
