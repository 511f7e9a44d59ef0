//! The events the harness sends, against the reference's shapes (cognito-semantics.md §1.2, §1.5).

use assert_json_diff::assert_json_eq;
use aws_lambda_events::cognito::{
    CognitoEventUserPoolsCustomMessage, CognitoEventUserPoolsCustomMessageTriggerSource,
};
use serde_json::{json, Value};

use crate::fixture::{admin_update, answering, Fixture, NEW_EMAIL, POOL_ID};

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The CustomMessage_UpdateUserAttribute event for alice's e-mail change, as §1.2 describes it.
fn expected_event(fx: &Fixture, client_id: &str, client_metadata: Option<Value>) -> Value {
    let sub = fx.user("alice").sub;
    let mut request = json!({
        "userAttributes": {
            "sub": sub,
            "cognito:user_status": "CONFIRMED",
            "email": NEW_EMAIL,
            "email_verified": "false",
            "name": "Alice"
        },
        "codeParameter": "{####}",
        "linkParameter": "{##Click Here##}",
        "usernameParameter": null
    });
    if let Some(metadata) = client_metadata {
        request["clientMetadata"] = metadata;
    }
    json!({
        "version": "1",
        "region": "us-east-1",
        "userPoolId": POOL_ID,
        "userName": "alice",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "triggerSource": "CustomMessage_UpdateUserAttribute",
        "request": request,
        "response": {"smsMessage": null, "emailMessage": null, "emailSubject": null}
    })
}

#[test]
fn the_admin_event_matches_the_reference_shape_exactly() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(json!({}), function);
    let out = block_on(fx.cognito.call(
        "AdminUpdateUserAttributes",
        &admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}])),
    ));
    assert!(out.is_success(), "{:?}", out.result);
    let event = seen.only();
    assert_json_eq!(
        event.clone(),
        expected_event(&fx, "CLIENT_ID_NOT_APPLICABLE", None)
    );
    // `usernameParameter` is an explicit null; `clientMetadata` is absent, not `{}` or null.
    let request = event["request"].as_object().unwrap();
    assert!(request.contains_key("usernameParameter"));
    assert!(!request.contains_key("clientMetadata"));
    assert_eq!(
        out.triggers[0].event.as_ref(),
        Some(&event),
        "the run records the event sent"
    );
}

#[test]
fn client_metadata_is_forwarded_only_when_sent() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(json!({}), function);
    let mut request = admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}]));
    request["ClientMetadata"] = json!({"brand": "acme", "locale": "de"});
    let out = block_on(fx.cognito.call("AdminUpdateUserAttributes", &request));
    assert!(out.is_success(), "{:?}", out.result);
    assert_json_eq!(
        seen.only(),
        expected_event(
            &fx,
            "CLIENT_ID_NOT_APPLICABLE",
            Some(json!({"brand": "acme", "locale": "de"}))
        )
    );
}

#[test]
fn the_user_call_names_the_token_client() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(json!({}), function);
    let token = fx.token("alice");
    let out = block_on(fx.cognito.call(
        "UpdateUserAttributes",
        &json!({"AccessToken": token, "UserAttributes": [{"Name": "email", "Value": NEW_EMAIL}],
                "ClientMetadata": {"brand": "acme"}}),
    ));
    assert!(out.is_success(), "{:?}", out.result);
    assert_json_eq!(
        seen.only(),
        expected_event(&fx, &fx.client_id.clone(), Some(json!({"brand": "acme"})))
    );
}

#[test]
fn the_event_deserializes_into_the_aws_lambda_events_struct() {
    let (function, seen) = answering(json!({}));
    let fx = Fixture::with(json!({}), function);
    let mut request = admin_update(json!([{"Name": "email", "Value": NEW_EMAIL}]));
    request["ClientMetadata"] = json!({"brand": "acme"});
    block_on(fx.cognito.call("AdminUpdateUserAttributes", &request));
    let typed: CognitoEventUserPoolsCustomMessage =
        serde_json::from_value(seen.only()).expect("deserializes");
    let header = &typed.cognito_event_user_pools_header;
    assert_eq!(header.version.as_deref(), Some("1"));
    assert_eq!(
        header.trigger_source,
        Some(CognitoEventUserPoolsCustomMessageTriggerSource::UpdateUserAttribute)
    );
    assert_eq!(header.user_pool_id.as_deref(), Some(POOL_ID));
    assert_eq!(header.user_name.as_deref(), Some("alice"));
    assert_eq!(
        header.caller_context.client_id.as_deref(),
        Some("CLIENT_ID_NOT_APPLICABLE")
    );
    assert_eq!(typed.request.code_parameter.as_deref(), Some("{####}"));
    assert_eq!(typed.request.username_parameter, None);
    assert_eq!(
        typed
            .request
            .client_metadata
            .get("brand")
            .map(String::as_str),
        Some("acme")
    );
    assert_eq!(typed.request.user_attributes["email"], json!(NEW_EMAIL));
    assert_eq!(
        typed.request.user_attributes["sub"],
        json!(fx.user("alice").sub)
    );
    assert_eq!(typed.response.email_message, None);
}
