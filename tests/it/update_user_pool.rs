//! UpdateUserPool, DescribeUserPool and the pool-administration actions: validation messages,
//! reset warnings, the trigger wipe, response shapes, and the API reference's seed requests.

use assert_json_diff::assert_json_eq;
use cognito_harness::pool::{PoolConfig, User, UserPool, UserStatus};
use cognito_harness::Cognito;
use cognito_harness::{handler, Functions, Outcome};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const POOL: &str = "us-east-1_PoolAdmin1";
const CUSTOM_MESSAGE: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:custom-message-branded";
const PRE_SIGN_UP: &str = "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up-allowlist";

fn config(value: Value) -> PoolConfig {
    serde_json::from_value(value).unwrap()
}

fn branded() -> PoolConfig {
    config(json!({
        "PoolName": "acme",
        "LambdaConfig": {"PreSignUp": PRE_SIGN_UP, "CustomMessage": CUSTOM_MESSAGE},
        "AutoVerifiedAttributes": ["email"],
        "VerificationMessageTemplate": {
            "SmsMessage": "Acme code {####}", "EmailMessage": "Acme code {####}",
            "EmailSubject": "Acme", "DefaultEmailOption": "CONFIRM_WITH_CODE"
        },
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
        "MfaConfiguration": "OPTIONAL"
    }))
}

fn service(functions: Functions, config: PoolConfig) -> Cognito {
    let cognito = Cognito::new(functions);
    cognito.add_pool(UserPool::with_id(POOL, config));
    cognito
}

fn update(cognito: &Cognito, mut request: Value) -> Outcome {
    request["UserPoolId"] = json!(POOL);
    futures::executor::block_on(cognito.call("UpdateUserPool", &request))
}

fn error_of(outcome: &Outcome) -> (String, String) {
    let e = outcome.error().expect("the call fails");
    (e.code.name().to_string(), e.message.clone())
}

fn invalid(message: &str) -> (String, String) {
    ("InvalidParameterException".to_string(), message.to_string())
}

#[tokio::test]
async fn an_unknown_pool_is_resource_not_found() {
    let cognito = service(Functions::new(), branded());
    let outcome = cognito
        .call(
            "UpdateUserPool",
            &json!({"UserPoolId": "us-east-1_Nope1234"}),
        )
        .await;
    assert_eq!(
        error_of(&outcome),
        (
            "ResourceNotFoundException".into(),
            "User pool us-east-1_Nope1234 does not exist.".into()
        )
    );
    let outcome = cognito
        .call(
            "DescribeUserPool",
            &json!({"UserPoolId": "us-east-1_Nope1234"}),
        )
        .await;
    assert_eq!(error_of(&outcome).0, "ResourceNotFoundException");
}

#[test]
fn enum_values_are_printed_in_the_order_aws_prints_them() {
    let cognito = service(Functions::new(), branded());
    let outcome = update(&cognito, json!({"MfaConfiguration": "false"}));
    assert_eq!(
        error_of(&outcome),
        invalid(
            "1 validation error detected: Value 'false' at 'mfaConfiguration' failed to satisfy constraint: \
             Member must satisfy enum value set: [OPTIONAL, OFF, ON]"
        )
    );
}

#[test]
fn several_violations_are_counted_and_joined_in_model_order() {
    let cognito = service(Functions::new(), branded());
    let outcome = update(
        &cognito,
        json!({
            "VerificationMessageTemplate": {"SmsMessage": "Hi"},
            "LambdaConfig": {"CustomMessage": "custom-msg"}
        }),
    );
    assert_eq!(
        error_of(&outcome),
        invalid(
            "4 validation errors detected: \
             Value 'custom-msg' at 'lambdaConfig.customMessage' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?; \
             Value 'custom-msg' at 'lambdaConfig.customMessage' failed to satisfy constraint: Member must have length greater than or equal to 20; \
             Value 'Hi' at 'verificationMessageTemplate.smsMessage' failed to satisfy constraint: Member must satisfy regular expression pattern: .*\\{####\\}.*; \
             Value 'Hi' at 'verificationMessageTemplate.smsMessage' failed to satisfy constraint: Member must have length greater than or equal to 6"
        )
    );
    // Nothing changed.
    let triggers = cognito
        .with_pool(POOL, |p| p.config.custom_message_arn().map(str::to_string))
        .unwrap();
    assert_eq!(triggers.as_deref(), Some(CUSTOM_MESSAGE));
}

#[test]
fn every_lambda_config_arn_is_checked() {
    let cognito = service(Functions::new(), branded());
    let bad = "arn:aws:lambda:us-east-1:account:function:x";
    let outcome = update(
        &cognito,
        json!({"LambdaConfig": {
            "PreTokenGenerationConfig": {"LambdaVersion": "V9_0", "LambdaArn": bad},
            "CustomSMSSender": {"LambdaArn": CUSTOM_MESSAGE},
            "KMSKeyID": bad
        }}),
    );
    let pattern = "Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?";
    assert_eq!(
        error_of(&outcome),
        invalid(&format!(
            "4 validation errors detected: \
             Value 'V9_0' at 'lambdaConfig.preTokenGenerationConfig.lambdaVersion' failed to satisfy constraint: Member must satisfy enum value set: [V3_0, V2_0, V1_0]; \
             Value '{bad}' at 'lambdaConfig.preTokenGenerationConfig.lambdaArn' failed to satisfy constraint: {pattern}; \
             Value null at 'lambdaConfig.customSMSSender.lambdaVersion' failed to satisfy constraint: Member must not be null; \
             Value '{bad}' at 'lambdaConfig.kMSKeyID' failed to satisfy constraint: {pattern}"
        ))
    );
}

#[test]
fn verified_attribute_lists_accept_only_email_and_phone_number() {
    let cognito = service(Functions::new(), branded());
    let outcome = update(
        &cognito,
        json!({
            "AutoVerifiedAttributes": ["email", "phone"],
            "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["name"]}
        }),
    );
    assert_eq!(
        error_of(&outcome),
        invalid(
            "2 validation errors detected: \
             Value '[email, phone]' at 'autoVerifiedAttributes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [phone_number, email]]; \
             Value '[name]' at 'userAttributeUpdateSettings.attributesRequireVerificationBeforeUpdate' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [phone_number, email]]"
        )
    );
}

#[test]
fn template_lengths_patterns_and_options_are_checked() {
    let cognito = service(Functions::new(), branded());
    let long = "x".repeat(20_001);
    let outcome = update(
        &cognito,
        json!({"VerificationMessageTemplate": {
            "EmailMessage": "Your code is {####}\u{a0}",
            "EmailSubject": "",
            "EmailMessageByLink": long,
            "DefaultEmailOption": "CONFIRM_WITH_SMS"
        }}),
    );
    let (code, message) = error_of(&outcome);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.starts_with("5 validation errors detected: Value 'Your code is {####}\u{a0}' at 'verificationMessageTemplate.emailMessage' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s*]*\\{####\\}[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s*]*; Value '' at 'verificationMessageTemplate.emailSubject' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s]+; Value '' at 'verificationMessageTemplate.emailSubject' failed to satisfy constraint: Member must have length greater than or equal to 1; "), "{}", &message[..400]);
    assert!(message.ends_with("at 'verificationMessageTemplate.emailMessageByLink' failed to satisfy constraint: Member must have length less than or equal to 20000; Value 'CONFIRM_WITH_SMS' at 'verificationMessageTemplate.defaultEmailOption' failed to satisfy constraint: Member must satisfy enum value set: [CONFIRM_WITH_LINK, CONFIRM_WITH_CODE]"), "{}", &message[message.len() - 300..]);
}

#[test]
fn link_bodies_need_a_link_and_verification_bodies_cannot_use_the_username() {
    let cognito = service(Functions::new(), branded());
    // aws/aws-cli#8280: a link body without {##…##} is "The message is invalid.".
    let outcome = update(
        &cognito,
        json!({"VerificationMessageTemplate": {
            "EmailMessageByLink": "EMAIL CODE {####}", "DefaultEmailOption": "CONFIRM_WITH_LINK"
        }}),
    );
    assert_eq!(error_of(&outcome), invalid("The message is invalid."));
    // The API reference: both bodies at once are an error whichever DefaultEmailOption is chosen
    // (aws-cli#8280's request supplied both and got this text).
    for option in ["CONFIRM_WITH_CODE", "CONFIRM_WITH_LINK"] {
        let outcome = update(
            &cognito,
            json!({"VerificationMessageTemplate": {
                "EmailMessage": "Your code is {####}", "EmailMessageByLink": "Verify: {##Verify Email##}",
                "DefaultEmailOption": option
            }}),
        );
        assert_eq!(
            error_of(&outcome),
            invalid("The message is invalid."),
            "{option}"
        );
    }
    let outcome = update(
        &cognito,
        json!({"VerificationMessageTemplate": {"EmailMessage": "Hello {username}, your code is {####}"}}),
    );
    assert_eq!(error_of(&outcome), invalid("The message is invalid."));
    let outcome = update(
        &cognito,
        json!({"VerificationMessageTemplate": {
            "EmailMessageByLink": "Verify: {##Verify Email##}", "DefaultEmailOption": "CONFIRM_WITH_LINK"
        }}),
    );
    assert!(outcome.is_success(), "{:?}", outcome.error());
}

#[test]
fn email_templates_on_cognito_default_sending_are_accepted_with_a_warning() {
    let cognito = service(Functions::new(), branded());
    let outcome = update(
        &cognito,
        json!({
            "AutoVerifiedAttributes": ["email"],
            "VerificationMessageTemplate": {"EmailMessage": "Code {####}", "EmailSubject": "Your code"},
            "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": []},
            "MfaConfiguration": "OPTIONAL",
            "LambdaConfig": {"PreSignUp": PRE_SIGN_UP, "CustomMessage": CUSTOM_MESSAGE}
        }),
    );
    assert_eq!(outcome.response(), Some(&json!({})));
    assert_eq!(
        outcome.warnings,
        vec![
            "VerificationMessageTemplate.SmsMessage reset to default".to_string(),
            "VerificationMessageTemplate.EmailMessage is set while EmailConfiguration.EmailSendingAccount is COGNITO_DEFAULT: the API reference allows it only with DEVELOPER (not enforced, ruling 7)".to_string(),
            "VerificationMessageTemplate.EmailSubject is set while EmailConfiguration.EmailSendingAccount is COGNITO_DEFAULT: the API reference allows it only with DEVELOPER (not enforced, ruling 7)".to_string(),
        ]
    );
}

#[test]
fn an_update_lists_every_setting_it_resets_or_removes() {
    let cognito = service(Functions::new(), branded());
    let outcome = update(&cognito, json!({"AutoVerifiedAttributes": ["email"]}));
    assert_eq!(outcome.response(), Some(&json!({})));
    assert_eq!(
        outcome.warnings,
        vec![
            "LambdaConfig.PreSignUp removed",
            "LambdaConfig.CustomMessage removed",
            "VerificationMessageTemplate.SmsMessage reset to default",
            "VerificationMessageTemplate.EmailMessage reset to default",
            "VerificationMessageTemplate.EmailSubject reset to default",
            "UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate reset to default ([])",
            "MfaConfiguration reset to default (OFF)",
        ]
    );
    // The next bare update resets the list it did not name, and nothing else is left to reset.
    let outcome = update(&cognito, json!({}));
    assert_eq!(
        outcome.warnings,
        vec!["AutoVerifiedAttributes reset to default ([])"]
    );
    let outcome = update(&cognito, json!({}));
    assert_eq!(outcome.warnings, Vec::<String>::new());
}

#[test]
fn members_the_request_does_not_have_are_ignored_and_reported() {
    let cognito = service(Functions::new(), branded());
    let outcome = update(
        &cognito,
        json!({"LambdaConfigs": {"CustomMessage": CUSTOM_MESSAGE}, "AutoVerifiedAttributes": ["email"],
               "Schema": [{"Name": "tenant"}],
               "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
               "MfaConfiguration": "OPTIONAL",
               "VerificationMessageTemplate": {"SmsMessage": "Acme code {####}", "EmailMessage": "Acme code {####}",
                   "EmailSubject": "Acme", "DefaultEmailOption": "CONFIRM_WITH_CODE", "EmailMesage": "typo"}}),
    );
    assert_eq!(
        outcome.warnings[..5],
        [
            "LambdaConfig.PreSignUp removed",
            "LambdaConfig.CustomMessage removed",
            "Schema ignored: not a member of UpdateUserPool",
            "LambdaConfigs ignored: not a member of UpdateUserPool",
            "VerificationMessageTemplate.EmailMesage ignored: not a member of UpdateUserPool",
        ]
    );
}

#[test]
fn wrong_json_types_are_serialization_errors() {
    let cognito = service(Functions::new(), branded());
    let outcome = update(&cognito, json!({"AutoVerifiedAttributes": "email"}));
    assert_eq!(
        error_of(&outcome),
        (
            "SerializationException".into(),
            "Unable to parse member 'AutoVerifiedAttributes': expected a sequence".into()
        )
    );
}

#[test]
fn create_user_pool_only_members_survive_an_update() {
    let mut config = branded();
    config.username_attributes = Some(vec!["email".into()]);
    config.schema = Some(vec![serde_json::from_value(
        json!({"Name": "tenant", "AttributeDataType": "String"}),
    )
    .unwrap()]);
    let cognito = service(Functions::new(), config);
    let outcome = update(&cognito, json!({"UserPoolTier": "PLUS"}));
    assert!(outcome.is_success());
    let outcome = update(&cognito, json!({}));
    assert!(
        !outcome.warnings.iter().any(|w| w.contains("UserPoolTier")),
        "{:?}",
        outcome.warnings
    );
    let described =
        futures::executor::block_on(cognito.call("DescribeUserPool", &json!({"UserPoolId": POOL})));
    let pool = &described.response().unwrap()["UserPool"];
    assert_eq!(pool["UsernameAttributes"], json!(["email"]));
    assert_eq!(pool["Name"], "acme");
    assert_eq!(pool["UserPoolTier"], "PLUS");
    let names: Vec<&str> = pool["SchemaAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["Name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"custom:tenant"), "{names:?}");
}

/// A CustomMessage handler that counts its calls and echoes the event (Cognito then uses the
/// pool's template).
fn counting_custom_message(functions: &mut Functions) -> Arc<AtomicUsize> {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let service = service_fn(move |event: LambdaEvent<Value>| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok::<Value, Error>(event.payload)
        }
    });
    functions.bind("custom-message-branded", handler(service));
    calls
}

fn seed_alice(cognito: &Cognito) {
    let mut user = User::new("alice");
    user.status = UserStatus::Confirmed;
    user.attributes
        .insert("email".into(), "alice@example.com".into());
    user.attributes
        .insert("email_verified".into(), "true".into());
    cognito.with_pool_mut(POOL, |p| p.put_user(user));
}

#[tokio::test]
async fn an_update_without_lambda_config_stops_the_custom_message_trigger() {
    let mut functions = Functions::new();
    let calls = counting_custom_message(&mut functions);
    let cognito = service(
        functions,
        config(json!({
            "PoolName": "acme", "AutoVerifiedAttributes": ["email"],
            "LambdaConfig": {"CustomMessage": CUSTOM_MESSAGE},
            "VerificationMessageTemplate": {"EmailMessage": "Acme code {####}", "EmailSubject": "Acme"}
        })),
    );
    seed_alice(&cognito);
    let change = |email: &str| {
        json!({"UserPoolId": POOL, "Username": "alice",
        "UserAttributes": [{"Name": "email", "Value": email}]})
    };

    let first = cognito
        .call("AdminUpdateUserAttributes", &change("a1@example.com"))
        .await;
    assert!(first.is_success(), "{:?}", first.error());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        first.delivered[0].body,
        format!("Acme code {}", first.delivered[0].code.as_deref().unwrap())
    );

    let wipe = cognito
        .call(
            "UpdateUserPool",
            &json!({"UserPoolId": POOL, "AutoVerifiedAttributes": ["email"]}),
        )
        .await;
    assert!(
        wipe.warnings
            .contains(&"LambdaConfig.CustomMessage removed".to_string()),
        "{:?}",
        wipe.warnings
    );

    let second = cognito
        .call("AdminUpdateUserAttributes", &change("a2@example.com"))
        .await;
    assert!(second.is_success(), "{:?}", second.error());
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the trigger no longer fires"
    );
    assert!(second.triggers.iter().all(|t| t.invocation.is_none()));
    let code = second.delivered[0].code.clone().unwrap();
    assert_eq!(
        second.delivered[0].body,
        format!("Your verification code is {code}. ")
    );
}

fn redact_dates(mut value: Value) -> Value {
    for key in ["CreationDate", "LastModifiedDate"] {
        if let Some(date) = value.get_mut(key) {
            assert!(
                date.as_f64().is_some_and(|d| d > 1.6e9),
                "{key} is epoch seconds: {date}"
            );
            *date = json!("<date>");
        }
    }
    value
}

#[tokio::test]
async fn describe_user_pool_has_the_user_pool_type_shape_with_defaults() {
    let cognito = service(
        Functions::new(),
        config(json!({
            "PoolName": "acme", "AutoVerifiedAttributes": ["email"],
            "LambdaConfig": {"CustomMessage": CUSTOM_MESSAGE},
            "UsernameAttributes": ["email"],
            "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]}
        })),
    );
    seed_alice(&cognito);
    let outcome = cognito
        .call("DescribeUserPool", &json!({"UserPoolId": POOL}))
        .await;
    let mut pool = redact_dates(outcome.response().unwrap()["UserPool"].clone());
    let schema = pool
        .as_object_mut()
        .unwrap()
        .remove("SchemaAttributes")
        .unwrap();
    assert_json_eq!(
        pool,
        json!({
            "Id": POOL,
            "Name": "acme",
            "Policies": {
                "PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true,
                    "RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": 7},
                "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}
            },
            "DeletionProtection": "INACTIVE",
            "LambdaConfig": {"CustomMessage": CUSTOM_MESSAGE},
            "LastModifiedDate": "<date>",
            "CreationDate": "<date>",
            "AutoVerifiedAttributes": ["email"],
            "UsernameAttributes": ["email"],
            "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"},
            "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
            "MfaConfiguration": "OFF",
            "EstimatedNumberOfUsers": 1,
            "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
            "UserPoolTags": {},
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7},
            "Arn": format!("arn:aws:cognito-idp:us-east-1:123456789012:userpool/{POOL}"),
            "UserPoolTier": "ESSENTIALS"
        })
    );
    let sub = schema
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "sub")
        .unwrap();
    assert_json_eq!(
        sub,
        json!({"Name": "sub", "AttributeDataType": "String", "DeveloperOnlyAttribute": false, "Mutable": false,
               "Required": true, "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "2048"}})
    );
}

#[tokio::test]
async fn create_describe_and_delete_a_pool() {
    let cognito = Cognito::new(Functions::new());
    let outcome = cognito
        .call(
            "CreateUserPool",
            &json!({"AutoVerifiedAttributes": ["email"]}),
        )
        .await;
    assert_eq!(
        error_of(&outcome),
        invalid("1 validation error detected: Value null at 'poolName' failed to satisfy constraint: Member must not be null")
    );
    let created = cognito
        .call(
            "CreateUserPool",
            &json!({"PoolName": "acme staging", "DeletionProtection": "ACTIVE",
            "LambdaConfig": {"CustomMessage": CUSTOM_MESSAGE}}),
        )
        .await;
    let pool = created.response().unwrap()["UserPool"].clone();
    let id = pool["Id"].as_str().unwrap().to_string();
    assert!(id.starts_with("us-east-1_"), "{id}");
    let described = cognito
        .call("DescribeUserPool", &json!({"UserPoolId": id}))
        .await;
    assert_json_eq!(described.response().unwrap()["UserPool"].clone(), pool);

    let refused = cognito
        .call("DeleteUserPool", &json!({"UserPoolId": id}))
        .await;
    // The text AWS gives (localstack#11947 quotes the AWS CLI's output; docs §4.3).
    assert_eq!(
        error_of(&refused),
        (
            "InvalidParameterException".to_string(),
            "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.".to_string()
        )
    );
    let protection_off = cognito
        .call(
            "UpdateUserPool",
            &json!({"UserPoolId": id, "DeletionProtection": "INACTIVE"}),
        )
        .await;
    assert!(protection_off
        .warnings
        .contains(&"LambdaConfig.CustomMessage removed".to_string()));
    let deleted = cognito
        .call("DeleteUserPool", &json!({"UserPoolId": id}))
        .await;
    assert_eq!(deleted.response(), Some(&json!({})));
    let gone = cognito
        .call("DescribeUserPool", &json!({"UserPoolId": id}))
        .await;
    assert_eq!(
        error_of(&gone),
        (
            "ResourceNotFoundException".into(),
            format!("User pool {id} does not exist.")
        )
    );
}

#[tokio::test]
async fn create_and_describe_a_user_pool_client() {
    let cognito = service(Functions::new(), branded());
    let outcome = cognito
        .call(
            "CreateUserPoolClient",
            &json!({"UserPoolId": POOL, "ClientName": "web app", "GenerateSecret": true,
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
        )
        .await;
    let client = redact_dates(outcome.response().unwrap()["UserPoolClient"].clone());
    let client_id = client["ClientId"].as_str().unwrap().to_string();
    let secret = client["ClientSecret"].as_str().unwrap().to_string();
    assert_eq!((client_id.len(), secret.len()), (26, 51));
    assert_json_eq!(
        client,
        json!({"UserPoolId": POOL, "ClientName": "web app", "ClientId": client_id, "ClientSecret": secret,
               "LastModifiedDate": "<date>", "CreationDate": "<date>", "RefreshTokenValidity": 30,
               "TokenValidityUnits": {}, "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
               "PreventUserExistenceErrors": "LEGACY",
               "AllowedOAuthFlowsUserPoolClient": false, "EnableTokenRevocation": true,
               "EnablePropagateAdditionalUserContextData": false, "AuthSessionValidity": 3})
    );
    let described = cognito
        .call(
            "DescribeUserPoolClient",
            &json!({"UserPoolId": POOL, "ClientId": client_id}),
        )
        .await;
    assert_json_eq!(
        redact_dates(described.response().unwrap()["UserPoolClient"].clone()),
        client
    );
    // The client can be used for access tokens.
    seed_alice(&cognito);
    assert!(cognito
        .issue_access_token(POOL, "alice", &client_id)
        .is_some());

    let bad = cognito
        .call(
            "CreateUserPoolClient",
            &json!({"UserPoolId": POOL, "ClientName": "web", "ExplicitAuthFlows": ["SRP"]}),
        )
        .await;
    assert_eq!(
        error_of(&bad),
        invalid("1 validation error detected: Value '[SRP]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [ALLOW_CUSTOM_AUTH, ALLOW_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_USER_AUTH, CUSTOM_AUTH_FLOW_ONLY, ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]]")
    );
    let missing = cognito
        .call(
            "DescribeUserPoolClient",
            &json!({"UserPoolId": POOL, "ClientId": "nosuchclient1"}),
        )
        .await;
    assert_eq!(
        error_of(&missing),
        (
            "ResourceNotFoundException".into(),
            "User pool client nosuchclient1 does not exist.".into()
        )
    );
}

fn seed_request(action: &str) -> Value {
    let path = format!(
        "{}/fixtures/requests/{action}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[tokio::test]
async fn the_api_reference_seed_requests_replay_without_error() {
    let mut functions = Functions::new();
    let calls = counting_custom_message(&mut functions);
    let cognito = Cognito::new(functions);
    let id = cognito
        .add_pool_file(format!(
            "{}/fixtures/pools/branded.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
    assert_eq!(id, "us-east-1_Branded01");
    seed_alice_in(&cognito, &id);

    let admin = cognito
        .call(
            "AdminUpdateUserAttributes",
            &seed_request("AdminUpdateUserAttributes"),
        )
        .await;
    assert_eq!(admin.response(), Some(&json!({})), "{:?}", admin.error());

    let client_id = cognito
        .with_pool_mut(&id, |p| p.add_client("web").client_id)
        .unwrap();
    let token = cognito
        .issue_access_token(&id, "alice", &client_id)
        .unwrap();
    let mut request = seed_request("UpdateUserAttributes");
    request["AccessToken"] = json!(token);
    let user = cognito.call("UpdateUserAttributes", &request).await;
    assert_eq!(
        user.response(),
        Some(
            &json!({"CodeDeliveryDetailsList": [{"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}]})
        ),
        "{:?}",
        user.error()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let pool_update = cognito
        .call("UpdateUserPool", &seed_request("UpdateUserPool"))
        .await;
    assert_eq!(
        pool_update.response(),
        Some(&json!({})),
        "{:?}",
        pool_update.error()
    );
    // The seed names every member, so nothing is reset (the invitation templates and tier change
    // on purpose).
    assert!(
        !pool_update.warnings.iter().any(|w| w.contains("removed")),
        "{:?}",
        pool_update.warnings
    );
}

fn seed_alice_in(cognito: &Cognito, id: &str) {
    let mut user = User::new("alice");
    user.status = UserStatus::Confirmed;
    user.attributes
        .insert("email".into(), "alice@example.com".into());
    user.attributes
        .insert("email_verified".into(), "true".into());
    cognito.with_pool_mut(id, |p| p.put_user(user));
}

/// PreventUserExistenceErrors: LEGACY unless asked for clients made through the API (API
/// reference, CreateUserPoolClient), which then say an unknown user does not exist; ENABLED
/// answers as for a wrong password (docs §4.3).
#[tokio::test]
async fn api_clients_default_to_legacy_user_existence_errors() {
    let cognito = service(Functions::new(), branded());
    let client = |prevent: Option<&str>| {
        let mut request = json!({"UserPoolId": POOL, "ClientName": "app",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]});
        if let Some(p) = prevent {
            request["PreventUserExistenceErrors"] = json!(p);
        }
        request
    };
    let sign_in = |client_id: &str| {
        json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "nobody", "PASSWORD": "Passw0rd!"}})
    };
    for (prevent, setting, expected) in [
        (
            None,
            "LEGACY",
            ("UserNotFoundException", "User does not exist."),
        ),
        (
            Some("LEGACY"),
            "LEGACY",
            ("UserNotFoundException", "User does not exist."),
        ),
        (
            Some("ENABLED"),
            "ENABLED",
            ("NotAuthorizedException", "Incorrect username or password."),
        ),
    ] {
        let created = cognito.call("CreateUserPoolClient", &client(prevent)).await;
        let described = created.response().unwrap()["UserPoolClient"].clone();
        assert_eq!(described["PreventUserExistenceErrors"], setting);
        let client_id = described["ClientId"].as_str().unwrap();
        let outcome = cognito.call("InitiateAuth", &sign_in(client_id)).await;
        assert_eq!(
            error_of(&outcome),
            (expected.0.to_string(), expected.1.to_string()),
            "{prevent:?}"
        );
    }
    let bad = cognito
        .call("CreateUserPoolClient", &client(Some("ON")))
        .await;
    assert_eq!(
        error_of(&bad),
        invalid("1 validation error detected: Value 'ON' at 'preventUserExistenceErrors' failed to satisfy constraint: Member must satisfy enum value set: [LEGACY, ENABLED]")
    );
}

/// Java's `\w` is ASCII (docs §4.1): a Lambda ARN with another letter fails Coral's pattern check,
/// as it does on AWS, where the harness once accepted it.
#[test]
fn a_lambda_arn_with_a_non_ascii_letter_fails_the_model_pattern() {
    let cognito = service(Functions::new(), branded());
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:mensaje-función";
    let outcome = update(&cognito, json!({"LambdaConfig": {"CustomMessage": arn}}));
    assert_eq!(
        error_of(&outcome),
        invalid(&format!(
            "1 validation error detected: Value '{arn}' at 'lambdaConfig.customMessage' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: \
             arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?"
        ))
    );
}
