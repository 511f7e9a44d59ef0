//! Pool files: every fixture loads; a malformed file is an error naming the file, the JSON path
//! and what was expected; a file's templates and ARNs are checked like CreateUserPool's request.

use std::path::PathBuf;

use cognito_harness::Cognito;
use cognito_harness::{Error, Functions};
use serde_json::json;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pools")
        .join(name)
}

/// Writes `text` to a fresh file and loads it.
fn load(name: &str, text: &str) -> Result<String, Error> {
    let dir =
        std::env::temp_dir().join(format!("cognito-harness-pool-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    Cognito::new(Functions::new()).add_pool_file(&path)
}

/// The (file name, JSON path, message) of an input error.
fn input_error(result: Result<String, Error>) -> (String, String, String) {
    match result {
        Err(Error::Input {
            file,
            json_path,
            message,
        }) => (
            file.file_name().unwrap().to_string_lossy().into_owned(),
            json_path,
            message,
        ),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[tokio::test]
async fn every_fixture_pool_loads_and_describes() {
    let expected = [
        ("branded.json", "us-east-1_Branded01"),
        ("email-username.json", "us-east-1_EmailUser1"),
        ("link-verification.json", "us-east-1_LinkVerif1"),
        ("phone.json", "us-east-1_PhoneSms01"),
        ("verify-before-update.json", "us-east-1_VerifyUpd1"),
    ];
    let cognito = Cognito::new(Functions::new());
    for (file, id) in expected {
        assert_eq!(cognito.add_pool_file(fixture(file)).unwrap(), id, "{file}");
        let described = cognito
            .call("DescribeUserPool", &json!({"UserPoolId": id}))
            .await;
        assert!(described.is_success(), "{file}: {:?}", described.error());
    }
    let pool = cognito
        .call(
            "DescribeUserPool",
            &json!({"UserPoolId": "us-east-1_Branded01"}),
        )
        .await;
    assert_eq!(
        pool.response().unwrap()["UserPool"]["LambdaConfig"],
        json!({
            "PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up-allowlist",
            "CustomMessage": "arn:aws:lambda:us-east-1:123456789012:function:custom-message-branded"
        })
    );
    let link = cognito
        .with_pool("us-east-1_LinkVerif1", |p| p.config.clone())
        .unwrap();
    assert_eq!(
        link.verification_message_template
            .unwrap()
            .default_email_option
            .as_deref(),
        Some("CONFIRM_WITH_LINK")
    );
    assert!(cognito
        .with_pool("us-east-1_VerifyUpd1", |p| p
            .config
            .requires_verification_before_update("email"))
        .unwrap());
}

#[test]
fn a_wrong_json_type_names_the_file_path_and_expectation() {
    assert_eq!(
        input_error(load(
            "types.json",
            r#"{"PoolName": "p", "AutoVerifiedAttributes": "email"}"#
        )),
        (
            "types.json".into(),
            "$.AutoVerifiedAttributes".into(),
            "invalid type: string \"email\", expected a sequence".into()
        )
    );
    assert_eq!(
        input_error(load(
            "nested.json",
            r#"{"LambdaConfig": {"CustomSMSSender": {"LambdaVersion": 1}}}"#
        )),
        (
            "nested.json".into(),
            "$.LambdaConfig.CustomSMSSender.LambdaVersion".into(),
            "invalid type: integer `1`, expected a string".into()
        )
    );
}

#[test]
fn unknown_members_are_flagged_not_dropped() {
    let error = load(
        "typo.json",
        r#"{"PoolName": "p", "LambdaConfigs": {"CustomMessage": "x"}}"#,
    );
    let text = error.as_ref().unwrap_err().to_string();
    assert!(
        text.contains("typo.json: at $.LambdaConfigs: unknown member `LambdaConfigs`"),
        "{text}"
    );
    assert_eq!(
        input_error(load(
            "nested-typo.json",
            r#"{"LambdaConfig": {"CustomMesage": "x"}}"#
        ))
        .1,
        "$.LambdaConfig.CustomMesage"
    );
    assert_eq!(
        input_error(load(
            "list-typo.json",
            r#"{"Schema": [{"Name": "tenant", "Mutible": true}]}"#
        ))
        .1,
        "$.Schema[0].Mutible"
    );
}

#[test]
fn templates_and_arns_are_checked_like_create_user_pool() {
    let bad_arn = "arn:aws:lambda:us-east-1:account-id:function:custom-message";
    let (file, path, message) = input_error(load(
        "arn.json",
        &json!({"PoolName": "p", "LambdaConfig": {"CustomMessage": bad_arn}}).to_string(),
    ));
    assert_eq!(
        (file.as_str(), path.as_str()),
        ("arn.json", "$.LambdaConfig.CustomMessage")
    );
    assert_eq!(
        message,
        format!("InvalidParameterException: 1 validation error detected: Value '{bad_arn}' at 'lambdaConfig.customMessage' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?")
    );
    let (_, path, message) = input_error(load(
        "sms.json",
        r#"{"VerificationMessageTemplate": {"SmsMessage": "Your code is 123456"}}"#,
    ));
    assert_eq!(path, "$.VerificationMessageTemplate.SmsMessage");
    assert!(
        message.ends_with("Member must satisfy regular expression pattern: .*\\{####\\}.*"),
        "{message}"
    );
    let (_, path, message) = input_error(load(
        "link.json",
        r#"{"VerificationMessageTemplate": {"EmailMessageByLink": "Click to verify"}}"#,
    ));
    assert_eq!(
        (path.as_str(), message.as_str()),
        ("$", "InvalidParameterException: The message is invalid.")
    );
}

#[test]
fn a_file_that_is_not_json_names_the_line() {
    let (file, path, message) = input_error(load("broken.json", "{\"PoolName\": \"p\",\n}"));
    assert_eq!((file.as_str(), path.as_str()), ("broken.json", "$"));
    assert!(message.contains("line 2"), "{message}");
}
