//! AdminUpdateUserAttributes and UpdateUserAttributes: validation (§4.2), effects (§2.2, rulings 5,
//! 10, 11) and responses (ruling 16), with the exact exceptions and messages.

use assert_json_diff::assert_json_eq;
use cognito_harness::pool::CodePurpose;
use cognito_harness::{Cognito, ErrorCode, Outcome, User};
use serde_json::{json, Value};

use crate::fixture::{admin_update, answering, Fixture, NEW_EMAIL, OLD_EMAIL, POOL_ID};

fn run(fx: &Fixture, action: &str, request: Value) -> Outcome {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(fx.cognito.call(action, &request))
}

fn admin(fx: &Fixture, request: Value) -> Outcome {
    run(fx, "AdminUpdateUserAttributes", request)
}

/// The exception and message of a failed call.
fn error(outcome: &Outcome) -> (ErrorCode, String) {
    let e = outcome
        .error()
        .unwrap_or_else(|| panic!("expected an error, got {:?}", outcome.result));
    (e.code, e.message.clone())
}

fn invalid(message: &str) -> (ErrorCode, String) {
    (ErrorCode::InvalidParameterException, message.to_string())
}

fn plain() -> Fixture {
    let (function, _) = answering(json!({}));
    Fixture::with(json!({}), function)
}

#[test]
fn a_missing_user_pool_id_is_a_null_member() {
    let fx = plain();
    let out = admin(
        &fx,
        json!({"Username": "alice", "UserAttributes": [{"Name": "name", "Value": "A"}]}),
    );
    assert_eq!(
        error(&out),
        invalid("1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null")
    );
}

#[test]
fn an_invalid_user_pool_id_fails_the_model_pattern() {
    let fx = plain();
    let out = admin(
        &fx,
        json!({"UserPoolId": "no-underscore", "Username": "alice", "UserAttributes": []}),
    );
    assert_eq!(
        error(&out),
        invalid(
            "1 validation error detected: Value 'no-underscore' at 'userPoolId' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"
        )
    );
}

#[test]
fn the_username_is_sensitive_and_printed_without_its_value() {
    let fx = plain();
    let out = admin(
        &fx,
        json!({"UserPoolId": POOL_ID, "Username": "al ice", "UserAttributes": []}),
    );
    assert_eq!(
        error(&out),
        invalid(
            "1 validation error detected: Value at 'username' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
        )
    );
    let out = admin(&fx, json!({"UserPoolId": POOL_ID, "UserAttributes": []}));
    assert_eq!(
        error(&out),
        invalid("1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null")
    );
}

#[test]
fn user_attributes_are_required() {
    let fx = plain();
    let out = admin(&fx, json!({"UserPoolId": POOL_ID, "Username": "alice"}));
    assert_eq!(
        error(&out),
        invalid("1 validation error detected: Value null at 'userAttributes' failed to satisfy constraint: Member must not be null")
    );
}

#[test]
fn attribute_names_longer_than_32_fail_with_the_member_path() {
    let fx = plain();
    let long = "custom:".to_string() + &"a".repeat(26);
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "name", "Value": "A"}, {"Name": long, "Value": "x"}])),
    );
    assert_eq!(
        error(&out),
        invalid(&format!(
            "1 validation error detected: Value '{long}' at 'userAttributes.2.member.name' failed to satisfy constraint: \
             Member must have length less than or equal to 32"
        ))
    );
}

#[test]
fn attribute_values_longer_than_2048_fail_without_the_value() {
    let fx = plain();
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "name", "Value": "v".repeat(2049)}])),
    );
    assert_eq!(
        error(&out),
        invalid(
            "1 validation error detected: Value at 'userAttributes.1.member.value' failed to satisfy constraint: \
             Member must have length less than or equal to 2048"
        )
    );
    // 2048 is allowed.
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "name", "Value": "v".repeat(2048)}])),
    );
    assert_eq!(out.result, Ok(json!({})));
}

#[test]
fn several_violations_are_counted_and_joined() {
    let fx = plain();
    let out = admin(
        &fx,
        json!({"Username": "alice", "UserAttributes": [{"Name": "n".repeat(33), "Value": "x"}]}),
    );
    assert_eq!(
        error(&out),
        invalid(&format!(
            "2 validation errors detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null; \
             Value '{}' at 'userAttributes.1.member.name' failed to satisfy constraint: \
             Member must have length less than or equal to 32",
            "n".repeat(33)
        ))
    );
}

#[test]
fn members_of_the_wrong_json_type_are_serialization_errors() {
    let fx = plain();
    for request in [
        json!({"UserPoolId": POOL_ID, "Username": 7, "UserAttributes": []}),
        json!({"UserPoolId": POOL_ID, "Username": "alice", "UserAttributes": "email"}),
        json!({"UserPoolId": POOL_ID, "Username": "alice", "UserAttributes": ["email"]}),
        json!({"UserPoolId": POOL_ID, "Username": "alice", "UserAttributes": [{"Name": "email", "Value": true}]}),
        json!({"UserPoolId": POOL_ID, "Username": "alice", "UserAttributes": [], "ClientMetadata": {"n": 1}}),
    ] {
        let out = admin(&fx, request.clone());
        assert_eq!(
            out.error().map(|e| e.code),
            Some(ErrorCode::SerializationException),
            "{request}"
        );
    }
}

#[test]
fn unknown_attributes_are_listed_one_line_each() {
    let fx = plain();
    let before = fx.user("alice");
    let out = admin(
        &fx,
        admin_update(json!([
            {"Name": "custom:address", "Value": "1 Main St"},
            {"Name": "name", "Value": "Al"},
            {"Name": "favourite_colour", "Value": "red"}
        ])),
    );
    assert_eq!(
        error(&out),
        invalid(
            "user.custom:address: Attribute does not exist in the schema.\n\
             user.favourite_colour: Attribute does not exist in the schema.\n"
        )
    );
    assert_eq!(fx.user("alice"), before, "nothing changes");
}

#[test]
fn immutable_attributes_cannot_be_updated() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(
        json!({"Schema": [{"Name": "email", "AttributeDataType": "String", "Mutable": false}]}),
        function,
    );
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
    );
    assert_eq!(
        error(&out),
        invalid("user.email: Attribute cannot be updated.\n")
    );
    assert!(seen.events().is_empty(), "no trigger fires");
    // `sub` is immutable in every pool.
    let out = admin(&fx, admin_update(json!([{"Name": "sub", "Value": "x"}])));
    assert_eq!(
        error(&out),
        invalid("user.sub: Attribute cannot be updated.\n")
    );
}

#[test]
fn custom_attributes_come_from_the_schema_with_the_custom_prefix() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(json!({}), function);
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "custom:tenant", "Value": "acme"}])),
    );
    assert_eq!(out.result, Ok(json!({})));
    assert_eq!(fx.user("alice").attribute("custom:tenant"), Some("acme"));
    assert!(
        seen.events().is_empty(),
        "only email/phone changes send a code"
    );
    // Without the prefix it is not the schema's attribute.
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "tenant", "Value": "acme"}])),
    );
    assert_eq!(
        error(&out),
        invalid("user.tenant: Attribute does not exist in the schema.\n")
    );
}

#[test]
fn a_blank_value_deletes_the_attribute() {
    let fx = plain();
    assert_eq!(fx.user("alice").attribute("name"), Some("Alice"));
    let out = admin(&fx, admin_update(json!([{"Name": "name", "Value": ""}])));
    assert_eq!(out.result, Ok(json!({})));
    assert_eq!(fx.user("alice").attribute("name"), None);
    assert!(!fx.user("alice").attributes.contains_key("name"));
}

#[test]
fn email_verified_in_the_same_request_skips_the_code_and_marks_it_verified() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(json!({}), function);
    let out = admin(
        &fx,
        admin_update(
            json!([{"Name": "email", "Value": NEW_EMAIL}, {"Name": "email_verified", "Value": "true"}]),
        ),
    );
    assert_eq!(out.result, Ok(json!({})));
    let alice = fx.user("alice");
    assert_eq!(alice.attribute("email"), Some(NEW_EMAIL));
    assert_eq!(alice.attribute("email_verified"), Some("true"));
    assert!(seen.events().is_empty());
    assert!(fx.outbox().is_empty());
    assert!(out.triggers.is_empty());
}

#[test]
fn phone_number_verified_in_the_same_request_skips_the_code() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(
        json!({"AutoVerifiedAttributes": ["phone_number"]}),
        function,
    );
    let out = admin(
        &fx,
        admin_update(json!([
            {"Name": "phone_number", "Value": "+12065551234"},
            {"Name": "phone_number_verified", "Value": "true"}
        ])),
    );
    assert_eq!(out.result, Ok(json!({})));
    assert_eq!(
        fx.user("alice").attribute("phone_number_verified"),
        Some("true")
    );
    assert!(seen.events().is_empty());
    assert!(fx.outbox().is_empty());
}

#[test]
fn without_auto_verification_the_value_is_stored_unverified_and_no_code_is_sent() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(json!({"AutoVerifiedAttributes": null}), function);
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
    );
    assert_eq!(out.result, Ok(json!({})));
    let alice = fx.user("alice");
    assert_eq!(alice.attribute("email"), Some(NEW_EMAIL));
    assert_eq!(alice.attribute("email_verified"), Some("false"));
    assert!(seen.events().is_empty());
    assert!(fx.outbox().is_empty());
}

#[test]
fn with_auto_verification_the_new_value_is_stored_unverified_and_a_code_goes_to_it() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(json!({}), function);
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
    );
    assert_eq!(out.result, Ok(json!({})));
    let alice = fx.user("alice");
    assert_eq!(alice.attribute("email"), Some(NEW_EMAIL));
    assert_eq!(alice.attribute("email_verified"), Some("false"));
    // Ruling 5: the event shows the new value, unverified.
    let event = seen.only();
    assert_eq!(event["request"]["userAttributes"]["email"], NEW_EMAIL);
    assert_eq!(
        event["request"]["userAttributes"]["email_verified"],
        "false"
    );
    let outbox = fx.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].destination, NEW_EMAIL);
    let code = outbox[0].code.clone().expect("a code");
    assert!(outbox[0].body.contains(&code), "{:?}", outbox[0]);
    assert_eq!(
        alice
            .codes
            .get(&CodePurpose::VerifyAttribute("email".into()))
            .map(|c| c.code.clone()),
        Some(code)
    );
}

#[test]
fn an_unchanged_email_sends_no_code() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(json!({}), function);
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "email", "Value": OLD_EMAIL}])),
    );
    assert_eq!(out.result, Ok(json!({})));
    assert!(seen.events().is_empty());
    assert_eq!(fx.user("alice").attribute("email_verified"), Some("true"));
}

#[test]
fn verification_before_update_keeps_the_old_value_and_sends_the_code_to_the_new_one() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(
        json!({"UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]}}),
        function,
    );
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
    );
    assert_eq!(out.result, Ok(json!({})));
    let alice = fx.user("alice");
    assert_eq!(alice.attribute("email"), Some(OLD_EMAIL));
    assert_eq!(alice.attribute("email_verified"), Some("true"));
    assert_eq!(
        alice.pending.get("email").map(String::as_str),
        Some(NEW_EMAIL)
    );
    // Ruling 5: the event shows the stored (old) value.
    let event = seen.only();
    assert_eq!(event["request"]["userAttributes"]["email"], OLD_EMAIL);
    assert_eq!(event["request"]["userAttributes"]["email_verified"], "true");
    let outbox = fx.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].destination, NEW_EMAIL);
}

#[test]
fn an_email_another_user_holds_as_a_verified_alias_is_alias_exists() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(json!({"AliasAttributes": ["email"]}), function);
    let mut bob = User::new("bob");
    bob.attributes.insert("email".into(), NEW_EMAIL.into());
    bob.attributes
        .insert("email_verified".into(), "true".into());
    fx.add_user(bob);
    let before = fx.user("alice");
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
    );
    assert_eq!(
        error(&out),
        (
            ErrorCode::AliasExistsException,
            "An account with the given email already exists.".to_string()
        )
    );
    assert_eq!(fx.user("alice"), before);
    assert!(seen.events().is_empty());
}

#[test]
fn an_unverified_holder_or_a_pool_without_email_alias_does_not_block_the_change() {
    let (function, _) = answering(json!({}));
    let fx = Fixture::with(json!({"AliasAttributes": ["email"]}), function);
    let mut bob = User::new("bob");
    bob.attributes.insert("email".into(), NEW_EMAIL.into());
    bob.attributes
        .insert("email_verified".into(), "false".into());
    fx.add_user(bob);
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
    );
    assert_eq!(out.result, Ok(json!({})));

    let (function, _) = answering(json!({}));
    let fx = Fixture::with(json!({}), function);
    let mut bob = User::new("bob");
    bob.attributes.insert("email".into(), NEW_EMAIL.into());
    bob.attributes
        .insert("email_verified".into(), "true".into());
    fx.add_user(bob);
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
    );
    assert_eq!(out.result, Ok(json!({})));
}

#[test]
fn unknown_users_and_pools() {
    let fx = plain();
    let out = admin(
        &fx,
        json!({"UserPoolId": POOL_ID, "Username": "nobody", "UserAttributes": [{"Name": "name", "Value": "N"}]}),
    );
    assert_eq!(
        error(&out),
        (
            ErrorCode::UserNotFoundException,
            "User does not exist.".to_string()
        )
    );
    let out = admin(
        &fx,
        json!({"UserPoolId": "us-east-1_Missing1", "Username": "alice", "UserAttributes": []}),
    );
    assert_eq!(
        error(&out),
        (
            ErrorCode::ResourceNotFoundException,
            "User pool us-east-1_Missing1 does not exist.".to_string()
        )
    );
}

#[test]
fn the_admin_call_answers_an_empty_object_even_when_a_code_is_sent() {
    let fx = plain();
    let out = admin(
        &fx,
        admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
    );
    assert_json_eq!(out.result.unwrap(), json!({}));
    assert_eq!(fx.outbox().len(), 1);
}

#[test]
fn the_user_call_answers_masked_code_delivery_details() {
    let fx = plain();
    let token = fx.token("alice");
    let out = run(
        &fx,
        "UpdateUserAttributes",
        json!({"AccessToken": token, "UserAttributes": [{"Name": "email", "Value": NEW_EMAIL}]}),
    );
    assert_json_eq!(
        out.result.unwrap(),
        json!({"CodeDeliveryDetailsList": [
            {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
        ]})
    );
    assert_eq!(fx.user("alice").attribute("email"), Some(NEW_EMAIL));
}

#[test]
fn the_user_call_masks_phone_numbers() {
    let (function, _) = answering(json!({}));
    let fx = Fixture::with(
        json!({"AutoVerifiedAttributes": ["phone_number"]}),
        function,
    );
    let token = fx.token("alice");
    let out = run(
        &fx,
        "UpdateUserAttributes",
        json!({"AccessToken": token, "UserAttributes": [{"Name": "phone_number", "Value": "+12065551234"}]}),
    );
    assert_json_eq!(
        out.result.unwrap(),
        json!({"CodeDeliveryDetailsList": [
            {"Destination": "+*******1234", "DeliveryMedium": "SMS", "AttributeName": "phone_number"}
        ]})
    );
}

#[test]
fn bad_or_foreign_access_tokens_are_not_authorized() {
    let fx = plain();
    let attrs = json!([{"Name": "name", "Value": "N"}]);
    // Well-formed but never issued by this harness.
    let out = run(
        &fx,
        "UpdateUserAttributes",
        json!({"AccessToken": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "UserAttributes": attrs}),
    );
    assert_eq!(
        error(&out),
        (
            ErrorCode::NotAuthorizedException,
            "Invalid Access Token".to_string()
        )
    );
    // Issued by another service's pool.
    let other = Cognito::default();
    let mut pool =
        cognito_harness::UserPool::with_id("us-east-1_Other1", crate::fixture::config(json!({})));
    pool.put_user(User::new("alice"));
    let client = pool.add_client("web").client_id;
    let pool_id = other.add_pool(pool);
    let foreign = other
        .issue_access_token(&pool_id, "alice", &client)
        .unwrap();
    let out = run(
        &fx,
        "UpdateUserAttributes",
        json!({"AccessToken": foreign, "UserAttributes": attrs}),
    );
    assert_eq!(
        error(&out),
        (
            ErrorCode::NotAuthorizedException,
            "Invalid Access Token".to_string()
        )
    );
    // A token whose user was deleted.
    let token = fx.token("alice");
    fx.cognito
        .with_pool_mut(POOL_ID, |p| p.remove_user("alice"));
    let out = run(
        &fx,
        "UpdateUserAttributes",
        json!({"AccessToken": token, "UserAttributes": attrs}),
    );
    assert_eq!(
        error(&out),
        (
            ErrorCode::NotAuthorizedException,
            "Invalid Access Token".to_string()
        )
    );
    // Not even the token's pattern.
    let out = run(
        &fx,
        "UpdateUserAttributes",
        json!({"AccessToken": "not a token", "UserAttributes": attrs}),
    );
    assert_eq!(
        error(&out),
        invalid(
            "1 validation error detected: Value at 'accessToken' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [A-Za-z0-9-_=.]+"
        )
    );
}

#[test]
fn an_empty_attribute_name_is_too_short_not_missing() {
    let fx = plain();
    let out = admin(&fx, admin_update(json!([{"Name": "", "Value": "x"}])));
    assert_eq!(
        error(&out),
        invalid(
            "2 validation errors detected: Value '' at 'userAttributes.1.member.name' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\t\\n\\r ]+; \
             Value '' at 'userAttributes.1.member.name' failed to satisfy constraint: \
             Member must have length greater than or equal to 1"
        )
    );
    let out = admin(&fx, admin_update(json!([{"Value": "x"}])));
    assert_eq!(
        error(&out),
        invalid(
            "1 validation error detected: Value null at 'userAttributes.1.member.name' failed to satisfy constraint: \
             Member must not be null"
        )
    );
}
