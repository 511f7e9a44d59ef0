//! Sign-up and code flows end to end with in-process functions (issue 3): the events of every
//! PreSignUp and CustomMessage source, the PreSignUp rules, forwarding per table 2.1, codes.

use assert_json_diff::assert_json_eq;
use aws_lambda_events::cognito::{
    CognitoEventUserPoolsCustomMessage, CognitoEventUserPoolsPreSignup,
};
use cognito_harness::{Functions, UserStatus};
use serde_json::{json, Value};

use crate::recorder::{self, config, respond, seed_user, stored_user, token, CLIENT_ID, POOL_ID};

fn echo(event: Value) -> Result<Value, String> {
    Ok(event)
}

fn sign_up_request() -> Value {
    json!({
        "ClientId": CLIENT_ID, "Username": "alice", "Password": "Sup3r-secret!",
        "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}, {"Name": "name", "Value": "Alice"}],
        "ValidationData": [{"Name": "recaptcha", "Value": "tok"}],
        "ClientMetadata": {"brand": "acme"},
    })
}

#[tokio::test]
async fn sign_up_sends_both_events_as_cognito_does_and_confirms_with_the_code() {
    let mut functions = Functions::new();
    let pre = recorder::recording(&mut functions, "pre-sign-up", echo);
    let cm = recorder::recording(&mut functions, "custom-message", |e| {
        Ok(respond(
            e,
            json!({"emailSubject": "Welcome", "emailMessage": "Code {####} / again {####}"}),
        ))
    });
    let cognito = recorder::cognito(functions, config(json!({})));

    let outcome = cognito.call("SignUp", &sign_up_request()).await;
    let response = outcome.result.clone().expect("sign-up succeeds");
    let user = stored_user(&cognito, "alice").unwrap();
    assert_json_eq!(
        response,
        json!({"UserConfirmed": false, "UserSub": user.sub,
               "CodeDeliveryDetails": {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}})
    );

    // PreSignUp_SignUp: only the supplied attributes (ruling 4), validationData as a map, clientMetadata.
    assert_json_eq!(
        pre.last(),
        json!({
            "version": "1", "region": "us-east-1", "userPoolId": POOL_ID, "userName": "alice",
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT_ID},
            "triggerSource": "PreSignUp_SignUp",
            "request": {"userAttributes": {"email": "alice@example.com", "name": "Alice"},
                        "validationData": {"recaptcha": "tok"}, "clientMetadata": {"brand": "acme"}},
            "response": {"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false}
        })
    );
    // CustomMessage_SignUp: the stored user, UNCONFIRMED, email_verified "false" (CAP-SU).
    assert_json_eq!(
        cm.last(),
        json!({
            "version": "1", "region": "us-east-1", "userPoolId": POOL_ID, "userName": "alice",
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT_ID},
            "triggerSource": "CustomMessage_SignUp",
            "request": {"userAttributes": {"sub": user.sub, "cognito:user_status": "UNCONFIRMED",
                                           "email": "alice@example.com", "name": "Alice", "email_verified": "false"},
                        "codeParameter": "{####}", "linkParameter": "{##Click Here##}", "usernameParameter": null,
                        "clientMetadata": {"brand": "acme"}},
            "response": {"smsMessage": null, "emailMessage": null, "emailSubject": null}
        })
    );
    serde_json::from_value::<CognitoEventUserPoolsPreSignup>(pre.last())
        .expect("typed PreSignUp event");
    serde_json::from_value::<CognitoEventUserPoolsCustomMessage>(cm.last())
        .expect("typed CustomMessage event");

    let message = outcome.delivered[0].clone();
    let code = message.code.clone().unwrap();
    assert_eq!(message.body, format!("Code {code} / again {code}"));
    assert_eq!(message.subject.as_deref(), Some("Welcome"));
    assert_eq!(user.status, UserStatus::Unconfirmed);

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm =
        |c: &str| json!({"ClientId": CLIENT_ID, "Username": "alice", "ConfirmationCode": c});
    let mismatch = cognito.call("ConfirmSignUp", &confirm(wrong)).await;
    assert_eq!(
        mismatch.error().unwrap().to_json(),
        json!({"__type": "CodeMismatchException", "message": "Invalid verification code provided, please try again."})
    );
    assert!(cognito
        .call("ConfirmSignUp", &confirm(&code))
        .await
        .is_success());
    let got = cognito
        .call(
            "AdminGetUser",
            &json!({"UserPoolId": POOL_ID, "Username": "alice"}),
        )
        .await;
    let got = got.result.unwrap();
    assert_eq!(got["UserStatus"], "CONFIRMED");
    assert!(got["UserAttributes"]
        .as_array()
        .unwrap()
        .contains(&json!({"Name": "email_verified", "Value": "true"})));
    let again = cognito.call("ConfirmSignUp", &confirm(&code)).await;
    assert_eq!(
        again.error().unwrap().message,
        "User cannot be confirmed. Current status is CONFIRMED"
    );
}

#[tokio::test]
async fn auto_confirm_sends_no_code_and_auto_verify_marks_the_email() {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "pre-sign-up", |e| {
        Ok(respond(
            e,
            json!({"autoConfirmUser": true, "autoVerifyEmail": true}),
        ))
    });
    let cm = recorder::recording(&mut functions, "custom-message", echo);
    let cognito = recorder::cognito(functions, config(json!({})));
    let outcome = cognito.call("SignUp", &sign_up_request()).await;
    let response = outcome.result.clone().unwrap();
    assert_eq!(response["UserConfirmed"], true);
    assert!(response.get("CodeDeliveryDetails").is_none());
    assert_eq!(cm.count(), 0);
    assert_eq!(outcome.verdict().unwrap().rule.id, "pre-sign-up.accepted");
    let user = stored_user(&cognito, "alice").unwrap();
    assert_eq!(user.status, UserStatus::Confirmed);
    assert_eq!(user.attribute("email_verified"), Some("true"));
}

#[tokio::test]
async fn auto_verify_without_the_attribute_rejects_and_stores_nothing() {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "pre-sign-up", |e| {
        Ok(respond(
            e,
            json!({"autoConfirmUser": true, "autoVerifyPhone": true}),
        ))
    });
    let cognito = recorder::cognito(functions, config(json!({})));
    let outcome = cognito.call("SignUp", &sign_up_request()).await;
    assert_eq!(
        outcome.error().unwrap().to_json(),
        json!({"__type": "InvalidParameterException",
        "message": "autoVerifyPhone is true but the user has no phone_number attribute to verify."})
    );
    let verdict = outcome.verdict().unwrap();
    assert_eq!(
        (verdict.rule.id, verdict.rule.grade.as_str()),
        ("pre-sign-up.auto-verify-needs-attribute", "assumed")
    );
    assert!(stored_user(&cognito, "alice").is_none());
}

/// aws/aws-sdk-java#1049 (2018) and two 2026 project changelogs report this exact text for a
/// PreSignUp that sets autoVerifyEmail without autoConfirmUser (cognito-semantics.md §3.5).
#[tokio::test]
async fn auto_verify_without_auto_confirm_rejects_the_sign_up_with_cognitos_text() {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "pre-sign-up", |e| {
        Ok(respond(e, json!({"autoVerifyEmail": true})))
    });
    let cm = recorder::recording(&mut functions, "custom-message", echo);
    let cognito = recorder::cognito(functions, config(json!({})));
    let outcome = cognito.call("SignUp", &sign_up_request()).await;
    assert_eq!(
        outcome.error().unwrap().to_json(),
        json!({"__type": "InvalidParameterException",
        "message": "Phone or email cannot be auto verified, when user is not being auto confirmed."})
    );
    let verdict = outcome.verdict().unwrap();
    assert_eq!(
        (verdict.rule.id, verdict.rule.grade.as_str()),
        ("pre-sign-up.auto-verify-needs-auto-confirm", "observed")
    );
    assert_eq!(cm.count(), 0, "no code is sent for a rejected sign-up");
    assert!(stored_user(&cognito, "alice").is_none());
}

/// A flag the answer leaves out is read as false: the harness's ruling, and the verdict says so.
#[tokio::test]
async fn a_flag_left_out_is_read_as_false_under_a_ruling() {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "pre-sign-up", |mut e| {
        e["response"] = json!({"autoConfirmUser": true, "autoVerifyEmail": null});
        Ok(e)
    });
    let cognito = recorder::cognito(functions, config(json!({})));
    let outcome = cognito.call("SignUp", &sign_up_request()).await;
    assert_eq!(outcome.result.clone().unwrap()["UserConfirmed"], true);
    let verdict = outcome.verdict().unwrap();
    assert_eq!(
        (verdict.rule.id, verdict.rule.grade.as_str()),
        ("pre-sign-up.unset-flag-is-false", "assumed")
    );
    let user = stored_user(&cognito, "alice").unwrap();
    assert_eq!(user.attribute("email_verified"), Some("false"));
}

#[tokio::test]
async fn a_pre_sign_up_error_rejects_the_sign_up_with_cognitos_text() {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "pre-sign-up", |_| {
        Err("Domain not allowed".to_string())
    });
    let cm = recorder::recording(&mut functions, "custom-message", echo);
    let cognito = recorder::cognito(functions, config(json!({})));
    let outcome = cognito.call("SignUp", &sign_up_request()).await;
    assert_eq!(
        outcome.error().unwrap().to_json(),
        json!({"__type": "UserLambdaValidationException",
        "message": "PreSignUp failed with error Domain not allowed."})
    );
    let verdict = outcome.verdict().unwrap();
    assert_eq!(
        (verdict.rule.id, verdict.rule.grade.as_str()),
        ("function-error", "observed")
    );
    assert!(stored_user(&cognito, "alice").is_none());
    assert_eq!(cm.count(), 0);
}

#[tokio::test]
async fn ill_typed_pre_sign_up_flags_are_unrecognizable() {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "pre-sign-up", |e| {
        Ok(respond(e, json!({"autoConfirmUser": "true"})))
    });
    let cognito = recorder::cognito(functions, config(json!({})));
    let outcome = cognito.call("SignUp", &sign_up_request()).await;
    assert_eq!(
        outcome.error().unwrap().to_json(),
        json!({"__type": "InvalidLambdaResponseException", "message": "Unrecognizable lambda output"})
    );
    assert_eq!(
        outcome.verdict().unwrap().detail.as_deref(),
        Some("response.autoConfirmUser is a string, not a boolean")
    );
    assert!(stored_user(&cognito, "alice").is_none());
}

#[tokio::test]
async fn a_failed_custom_message_on_sign_up_stores_no_user() {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "pre-sign-up", echo);
    recorder::recording(&mut functions, "custom-message", |e| {
        Ok(respond(e, json!({"emailMessage": "no code here"})))
    });
    let cognito = recorder::cognito(functions, config(json!({})));
    let outcome = cognito.call("SignUp", &sign_up_request()).await;
    assert_eq!(
        outcome.error().unwrap().code.name(),
        "InvalidParameterException"
    );
    assert!(outcome
        .error()
        .unwrap()
        .message
        .starts_with("1 validation error detected: Value 'no code here' at 'emailBody'"));
    assert!(stored_user(&cognito, "alice").is_none());
    assert_eq!(recorder::outbox_len(&cognito), 0);
}

#[tokio::test]
async fn admin_create_user_forwards_metadata_to_pre_sign_up_only_and_ignores_its_flags() {
    let mut functions = Functions::new();
    let pre = recorder::recording(&mut functions, "pre-sign-up", |e| {
        Ok(respond(e, json!({"autoConfirmUser": true})))
    });
    let cm = recorder::recording(&mut functions, "custom-message", |e| {
        Ok(respond(
            e,
            json!({"emailSubject": "Join", "emailMessage": "User {username}, password {####}"}),
        ))
    });
    let cognito = recorder::cognito(functions, config(json!({})));
    let request = json!({
        "UserPoolId": POOL_ID, "Username": "bob", "TemporaryPassword": "Temp0rary!",
        "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}, {"Name": "email_verified", "Value": "true"}],
        "ValidationData": [{"Name": "source", "Value": "admin"}],
        "ClientMetadata": {"brand": "acme"}, "DesiredDeliveryMediums": ["EMAIL"],
    });
    let outcome = cognito.call("AdminCreateUser", &request).await;
    let response = outcome.result.clone().expect("created");
    assert_eq!(response["User"]["UserStatus"], "FORCE_CHANGE_PASSWORD");
    assert_eq!(response["User"]["Username"], "bob");
    assert_eq!(
        outcome.triggers[0].verdict.rule.id,
        "pre-sign-up.admin-create-user-ignores-flags"
    );

    assert_json_eq!(
        pre.last(),
        json!({
            "version": "1", "region": "us-east-1", "userPoolId": POOL_ID, "userName": "bob",
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "CLIENT_ID_NOT_APPLICABLE"},
            "triggerSource": "PreSignUp_AdminCreateUser",
            "request": {"userAttributes": {"email": "bob@example.com", "email_verified": "true"},
                        "validationData": {"source": "admin"}, "clientMetadata": {"brand": "acme"}},
            "response": {"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false}
        })
    );
    let user = stored_user(&cognito, "bob").unwrap();
    // Ruling 3: no clientMetadata for CustomMessage_AdminCreateUser; usernameParameter is set.
    assert_json_eq!(
        cm.last(),
        json!({
            "version": "1", "region": "us-east-1", "userPoolId": POOL_ID, "userName": "bob",
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "CLIENT_ID_NOT_APPLICABLE"},
            "triggerSource": "CustomMessage_AdminCreateUser",
            "request": {"userAttributes": {"sub": user.sub, "cognito:user_status": "FORCE_CHANGE_PASSWORD",
                                           "email": "bob@example.com", "email_verified": "true"},
                        "codeParameter": "{####}", "linkParameter": "{##Click Here##}", "usernameParameter": "{username}"},
            "response": {"smsMessage": null, "emailMessage": null, "emailSubject": null}
        })
    );
    serde_json::from_value::<CognitoEventUserPoolsCustomMessage>(cm.last()).expect("typed event");
    assert_eq!(outcome.delivered[0].body, "User bob, password Temp0rary!");

    let exists = cognito
        .call(
            "AdminCreateUser",
            &json!({"UserPoolId": POOL_ID, "Username": "bob", "MessageAction": "SUPPRESS"}),
        )
        .await;
    // AdminCreateUser's own text (AWS output quoted in localstack#4465; SignUp says
    // `User already exists`, docs §4.3).
    assert_eq!(
        exists.error().unwrap().to_json(),
        json!({"__type": "UsernameExistsException", "message": "User account already exists"})
    );
}

#[tokio::test]
async fn an_invitation_without_placeholders_falls_back_to_the_default() {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "pre-sign-up", echo);
    recorder::recording(&mut functions, "custom-message", |e| {
        Ok(respond(
            e,
            json!({"emailMessage": "Welcome aboard, {####}"}),
        ))
    });
    let cognito = recorder::cognito(functions, config(json!({})));
    let request = json!({"UserPoolId": POOL_ID, "Username": "carol", "TemporaryPassword": "Temp0rary!",
        "UserAttributes": [{"Name": "email", "Value": "carol@example.com"}], "DesiredDeliveryMediums": ["EMAIL"]});
    let outcome = cognito.call("AdminCreateUser", &request).await;
    assert!(outcome.is_success());
    let verdict = outcome.verdict().unwrap();
    assert_eq!(
        (verdict.rule.id, verdict.rule.grade.as_str()),
        ("custom-message.invite-fallback", "observed")
    );
    assert_eq!(
        outcome.delivered[0].body,
        "Your username is carol and temporary password is Temp0rary!. "
    );
    assert_eq!(
        outcome.delivered[0].subject.as_deref(),
        Some("Your temporary password")
    );
}

/// A pool invitation template without `{####}` passes the model, but the user cannot learn the
/// temporary password (AWS: the template must include it); the harness sends it and warns.
#[tokio::test]
async fn an_invitation_template_without_the_password_placeholder_warns() {
    let cognito = recorder::cognito(
        Functions::new(),
        config(json!({"LambdaConfig": {},
            "AdminCreateUserConfig": {"InviteMessageTemplate": {"EmailMessage": "Welcome, {username}!"}}})),
    );
    let request = json!({"UserPoolId": POOL_ID, "Username": "carol", "TemporaryPassword": "Temp0rary!",
        "UserAttributes": [{"Name": "email", "Value": "carol@example.com"}], "DesiredDeliveryMediums": ["EMAIL"]});
    let outcome = cognito.call("AdminCreateUser", &request).await;
    assert!(outcome.is_success(), "{:?}", outcome.error());
    assert_eq!(outcome.delivered[0].body, "Welcome, carol!");
    assert!(
        outcome
            .warnings
            .iter()
            .any(|w| w.starts_with("the pool's invitation template has no {####}")),
        "{:?}",
        outcome.warnings
    );
}

#[tokio::test]
async fn suppress_sends_nothing_and_resend_sends_the_invitation_again() {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "pre-sign-up", echo);
    let cm = recorder::recording(&mut functions, "custom-message", echo);
    let cognito = recorder::cognito(functions, config(json!({})));
    let create = json!({"UserPoolId": POOL_ID, "Username": "dan", "MessageAction": "SUPPRESS",
        "UserAttributes": [{"Name": "phone_number", "Value": "+12065551234"}]});
    let outcome = cognito.call("AdminCreateUser", &create).await;
    assert!(outcome.is_success());
    assert_eq!(cm.count(), 0);
    let resend = json!({"UserPoolId": POOL_ID, "Username": "dan", "MessageAction": "RESEND"});
    let outcome = cognito.call("AdminCreateUser", &resend).await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    assert_eq!(cm.count(), 1);
    let message = &outcome.delivered[0];
    assert_eq!(
        (message.destination.as_str(), message.medium.as_str()),
        ("+12065551234", "SMS")
    );
    let password = stored_user(&cognito, "dan").unwrap().password.unwrap();
    assert_eq!(
        message.body,
        format!("Your username is dan and temporary password is {password}. ")
    );
}

#[tokio::test]
async fn resend_code_forwards_client_metadata_and_refuses_confirmed_users() {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "pre-sign-up", echo);
    let cm = recorder::recording(&mut functions, "custom-message", echo);
    let cognito = recorder::cognito(functions, config(json!({})));
    cognito
        .call("SignUp", &sign_up_request())
        .await
        .result
        .unwrap();
    let resend =
        json!({"ClientId": CLIENT_ID, "Username": "alice", "ClientMetadata": {"step": "resend"}});
    let outcome = cognito.call("ResendConfirmationCode", &resend).await;
    assert_eq!(
        outcome.result.clone().unwrap(),
        json!({"CodeDeliveryDetails": {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}})
    );
    let event = cm.last();
    assert_eq!(event["triggerSource"], "CustomMessage_ResendCode");
    assert_eq!(
        event["request"]["clientMetadata"],
        json!({"step": "resend"})
    );
    // The new code replaces the first one.
    let code = outcome.delivered[0].code.clone().unwrap();
    let confirm = json!({"ClientId": CLIENT_ID, "Username": "alice", "ConfirmationCode": code});
    assert!(cognito.call("ConfirmSignUp", &confirm).await.is_success());
    let again = cognito.call("ResendConfirmationCode", &resend).await;
    assert_eq!(
        again.error().unwrap().to_json(),
        json!({"__type": "InvalidParameterException", "message": "User is already confirmed."})
    );
}

#[tokio::test]
async fn forgot_password_sends_a_reset_code_that_expires() {
    let mut functions = Functions::new();
    let cm = recorder::recording(&mut functions, "custom-message", |e| {
        Ok(respond(e, json!({"smsMessage": null})))
    });
    let cognito = recorder::cognito(functions, config(json!({})));
    seed_user(
        &cognito,
        "erin",
        &[("email", "erin@example.com"), ("email_verified", "true")],
    );
    let request =
        json!({"ClientId": CLIENT_ID, "Username": "erin", "ClientMetadata": {"flow": "reset"}});
    let outcome = cognito.call("ForgotPassword", &request).await;
    assert_eq!(
        outcome.result.clone().unwrap()["CodeDeliveryDetails"]["Destination"],
        "e***@e***"
    );
    let event = cm.last();
    assert_eq!(event["triggerSource"], "CustomMessage_ForgotPassword");
    assert_eq!(event["request"]["clientMetadata"], json!({"flow": "reset"}));
    assert_eq!(
        event["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );
    let verdict = outcome.verdict().unwrap();
    assert_eq!(verdict.rule.id, "custom-message.null-falls-back");
    let message = &outcome.delivered[0];
    let code = message.code.clone().unwrap();
    assert_eq!(message.body, format!("Your verification code is {code}. "));

    cognito.advance_clock(3601);
    let confirm = json!({"ClientId": CLIENT_ID, "Username": "erin", "ConfirmationCode": code, "Password": "N3w-password!"});
    let expired = cognito.call("ConfirmForgotPassword", &confirm).await;
    assert_eq!(
        expired.error().unwrap().to_json(),
        json!({"__type": "ExpiredCodeException", "message": "Invalid code provided, please request a code again."})
    );

    let outcome = cognito.call("ForgotPassword", &request).await;
    let code = outcome.delivered[0].code.clone().unwrap();
    let confirm = json!({"ClientId": CLIENT_ID, "Username": "erin", "ConfirmationCode": code, "Password": "N3w-password!"});
    assert!(cognito
        .call("ConfirmForgotPassword", &confirm)
        .await
        .is_success());
    assert_eq!(
        stored_user(&cognito, "erin").unwrap().password.as_deref(),
        Some("N3w-password!")
    );
}

#[tokio::test]
async fn forgot_password_needs_a_verified_channel() {
    let cognito = recorder::cognito(Functions::new(), config(json!({"LambdaConfig": {}})));
    seed_user(
        &cognito,
        "fay",
        &[("email", "fay@example.com"), ("email_verified", "false")],
    );
    let outcome = cognito
        .call(
            "ForgotPassword",
            &json!({"ClientId": CLIENT_ID, "Username": "fay"}),
        )
        .await;
    assert_eq!(outcome.error().unwrap().message,
        "Cannot reset password for the user as there is no registered/verified email or phone_number");
    let unknown = cognito
        .call(
            "ForgotPassword",
            &json!({"ClientId": CLIENT_ID, "Username": "nobody"}),
        )
        .await;
    assert_eq!(
        unknown.error().unwrap().to_json(),
        json!({"__type": "UserNotFoundException", "message": "Username/client id combination not found."})
    );
}

#[tokio::test]
async fn admin_reset_user_password_requires_a_reset() {
    let mut functions = Functions::new();
    let cm = recorder::recording(&mut functions, "custom-message", echo);
    let cognito = recorder::cognito(functions, config(json!({})));
    seed_user(
        &cognito,
        "gus",
        &[("email", "gus@example.com"), ("email_verified", "true")],
    );
    let outcome = cognito
        .call(
            "AdminResetUserPassword",
            &json!({"UserPoolId": POOL_ID, "Username": "gus", "ClientMetadata": {"k": "v"}}),
        )
        .await;
    assert_eq!(outcome.result.clone().unwrap(), json!({}));
    let event = cm.last();
    assert_eq!(event["triggerSource"], "CustomMessage_ForgotPassword");
    assert_eq!(
        event["callerContext"]["clientId"],
        "CLIENT_ID_NOT_APPLICABLE"
    );
    assert_eq!(event["request"]["clientMetadata"], json!({"k": "v"}));
    assert_eq!(
        stored_user(&cognito, "gus").unwrap().status,
        UserStatus::ResetRequired
    );
}

#[tokio::test]
async fn attribute_verification_sends_a_code_and_verify_applies_the_pending_value_without_a_trigger(
) {
    let mut functions = Functions::new();
    let cm = recorder::recording(&mut functions, "custom-message", echo);
    let cognito = recorder::cognito(
        functions,
        config(
            json!({"UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]}}),
        ),
    );
    seed_user(
        &cognito,
        "hal",
        &[("email", "hal@example.com"), ("email_verified", "true")],
    );
    let token = token(&cognito, "hal");
    let update = json!({"AccessToken": token, "UserAttributes": [{"Name": "email", "Value": "hal@new.example"}]});
    cognito
        .call("UpdateUserAttributes", &update)
        .await
        .result
        .unwrap();
    assert_eq!(
        stored_user(&cognito, "hal").unwrap().attribute("email"),
        Some("hal@example.com")
    );

    let request =
        json!({"AccessToken": token, "AttributeName": "email", "ClientMetadata": {"why": "retry"}});
    let outcome = cognito
        .call("GetUserAttributeVerificationCode", &request)
        .await;
    assert_eq!(
        outcome.result.clone().unwrap()["CodeDeliveryDetails"]["Destination"],
        "h***@n***"
    );
    let event = cm.last();
    assert_eq!(event["triggerSource"], "CustomMessage_VerifyUserAttribute");
    assert_eq!(event["callerContext"]["clientId"], CLIENT_ID);
    assert_eq!(event["request"]["clientMetadata"], json!({"why": "retry"}));
    assert_eq!(
        event["request"]["userAttributes"]["email"],
        "hal@example.com"
    );
    let code = outcome.delivered[0].code.clone().unwrap();
    assert_eq!(outcome.delivered[0].destination, "hal@new.example");

    let invocations = cm.count();
    let verify = json!({"AccessToken": token, "AttributeName": "email", "Code": code});
    let outcome = cognito.call("VerifyUserAttribute", &verify).await;
    assert_eq!(outcome.result.clone().unwrap(), json!({}));
    assert!(outcome.triggers.is_empty());
    assert_eq!(
        cm.count(),
        invocations,
        "VerifyUserAttribute fires no trigger"
    );
    let user = stored_user(&cognito, "hal").unwrap();
    assert_eq!(user.attribute("email"), Some("hal@new.example"));
    assert_eq!(user.attribute("email_verified"), Some("true"));
    assert!(user.pending.is_empty());
}

/// Two users hold one unverified email; once the first verifies it, the second cannot
/// (VerifyUserAttribute's AliasExistsException, API reference; docs §4.3). The refused call
/// changes nothing: the second user's code still works once the alias is free again.
#[tokio::test]
async fn verifying_an_email_another_user_holds_as_verified_alias_is_refused() {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "custom-message", echo);
    let cognito = recorder::cognito(functions, config(json!({"AliasAttributes": ["email"]})));
    for name in ["ann", "bob"] {
        seed_user(&cognito, name, &[("email", "shared@example.com")]);
    }
    let code_for = |name: &str| {
        let token = token(&cognito, name);
        let cognito = &cognito;
        async move {
            let request = json!({"AccessToken": token, "AttributeName": "email"});
            let outcome = cognito
                .call("GetUserAttributeVerificationCode", &request)
                .await;
            let code = outcome.delivered[0].code.clone().unwrap();
            json!({"AccessToken": token, "AttributeName": "email", "Code": code})
        }
    };
    let (ann, bob) = (code_for("ann").await, code_for("bob").await);
    let verified = cognito.call("VerifyUserAttribute", &ann).await;
    assert_eq!(verified.result.unwrap(), json!({}));

    let refused = cognito.call("VerifyUserAttribute", &bob).await;
    assert_eq!(
        refused.error().unwrap().to_json(),
        json!({"__type": "AliasExistsException", "message": "An account with the given email already exists."})
    );
    assert_eq!(
        stored_user(&cognito, "bob")
            .unwrap()
            .attribute("email_verified"),
        None
    );

    cognito.with_pool_mut(POOL_ID, |p| p.remove_user("ann"));
    let retried = cognito.call("VerifyUserAttribute", &bob).await;
    assert_eq!(retried.result.unwrap(), json!({}));
    assert_eq!(
        stored_user(&cognito, "bob")
            .unwrap()
            .attribute("email_verified"),
        Some("true")
    );
}

#[tokio::test]
async fn a_first_federated_sign_in_fires_pre_sign_up_external_provider_once() {
    let mut functions = Functions::new();
    let pre = recorder::recording(&mut functions, "pre-sign-up", |e| {
        Ok(respond(e, json!({"autoVerifyEmail": true})))
    });
    let cognito = recorder::cognito(functions, config(json!({})));
    let request = json!({"UserPoolId": POOL_ID, "ProviderName": "Google", "ProviderUserId": "1122334455",
        "ClientId": CLIENT_ID, "UserAttributes": [{"Name": "email", "Value": "ivy@gmail.com"}]});
    let outcome = cognito.call("FederatedSignIn", &request).await;
    assert_eq!(outcome.result.clone().unwrap()["FirstSignIn"], true);
    assert_json_eq!(
        pre.last(),
        json!({
            "version": "1", "region": "us-east-1", "userPoolId": POOL_ID, "userName": "Google_1122334455",
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT_ID},
            "triggerSource": "PreSignUp_ExternalProvider",
            // As real Cognito sends it (fixtures/captures/PreSignUp_ExternalProvider--*.json,
            // amplify-js#8823): both alias keys empty, validationData `{}`.
            "request": {"userAttributes": {"cognito:email_alias": "", "cognito:phone_number_alias": "",
                                           "email": "ivy@gmail.com"}, "validationData": {}},
            "response": {"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false}
        })
    );
    let user = stored_user(&cognito, "Google_1122334455").unwrap();
    assert_eq!(user.status, UserStatus::ExternalProvider);
    assert_eq!(user.attribute("email_verified"), Some("true"));
    // As AdminGetUser shows it in public threads: a JSON string, `primary` a boolean,
    // `dateCreated` epoch milliseconds as a number (docs §1.3).
    let identities: Value = serde_json::from_str(user.attribute("identities").unwrap()).unwrap();
    assert_eq!(
        identities[0],
        json!({"userId": "1122334455", "providerName": "Google", "providerType": "Google",
               "issuer": null, "primary": true, "dateCreated": identities[0]["dateCreated"].as_u64().unwrap()})
    );
    let again = cognito.call("FederatedSignIn", &request).await;
    assert_eq!(again.result.unwrap()["FirstSignIn"], false);
    assert_eq!(pre.count(), 1);
}

#[tokio::test]
async fn a_sign_in_code_fires_custom_message_authentication_with_the_sms_template() {
    let mut functions = Functions::new();
    let cm = recorder::recording(&mut functions, "custom-message", echo);
    let cognito = recorder::cognito(
        functions,
        config(json!({"SmsAuthenticationMessage": "Sign-in code {####}"})),
    );
    seed_user(
        &cognito,
        "jo",
        &[
            ("phone_number", "+12065559876"),
            ("phone_number_verified", "true"),
        ],
    );
    let request = json!({"UserPoolId": POOL_ID, "Username": "jo", "ClientId": CLIENT_ID});
    let outcome = cognito.call("SendAuthenticationCode", &request).await;
    assert_eq!(
        outcome.result.clone().unwrap()["CodeDeliveryDetails"]["Destination"],
        "+*******9876"
    );
    let event = cm.last();
    assert_eq!(event["triggerSource"], "CustomMessage_Authentication");
    assert!(event["request"].get("clientMetadata").is_none());
    let code = outcome.delivered[0].code.clone().unwrap();
    assert_eq!(outcome.delivered[0].body, format!("Sign-in code {code}"));
}

#[tokio::test]
async fn link_verification_turns_the_marker_into_a_confirmation_link() {
    let cognito = recorder::cognito(
        Functions::new(),
        config(
            json!({"LambdaConfig": {}, "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_LINK",
            "EmailMessageByLink": "Please {##Verify Email##} now", "EmailSubjectByLink": "Verify"}}),
        ),
    );
    let outcome = cognito.call("SignUp", &sign_up_request()).await;
    let message = &outcome.delivered[0];
    let code = message.code.clone().unwrap();
    assert_eq!(message.subject.as_deref(), Some("Verify"));
    assert_eq!(
        message.body,
        format!("Please <a href=\"https://example.auth.us-east-1.amazoncognito.com/confirmUser?client_id={CLIENT_ID}&user_name=alice&confirmation_code={code}\">Verify Email</a> now")
    );
    assert_eq!(
        outcome.verdict().unwrap().rule.id,
        "custom-message.pool-template"
    );
}

/// A username that is neither an email nor a phone number in a pool that signs in with them
/// (boto3#3836 for one attribute, amplify-js#533 for both; docs §4.3).
#[tokio::test]
async fn a_username_of_the_wrong_kind_gets_cognitos_text_for_the_pools_username_attributes() {
    let cases = [
        (json!(["email"]), "kim", "Username should be an email."),
        (
            json!(["phone_number"]),
            "kim@example.com",
            "Username should be a phone number.",
        ),
        (
            json!(["email", "phone_number"]),
            "kim",
            "Username should be either an email or a phone number.",
        ),
    ];
    for (attributes, username, message) in cases {
        let cognito = recorder::cognito(
            Functions::new(),
            config(json!({"UsernameAttributes": attributes, "LambdaConfig": {}})),
        );
        let request =
            json!({"ClientId": CLIENT_ID, "Username": username, "Password": "Sup3r-secret!"});
        let outcome = cognito.call("SignUp", &request).await;
        assert_eq!(
            outcome.error().unwrap().to_json(),
            json!({"__type": "InvalidParameterException", "message": message}),
            "{attributes}"
        );
    }
    let cognito = recorder::cognito(
        Functions::new(),
        config(
            json!({"UsernameAttributes": ["email", "phone_number"], "LambdaConfig": {}, "AutoVerifiedAttributes": []}),
        ),
    );
    let phone =
        json!({"ClientId": CLIENT_ID, "Username": "+15555550123", "Password": "Sup3r-secret!"});
    cognito.call("SignUp", &phone).await.result.unwrap();
    let user = cognito
        .with_pool(POOL_ID, |p| p.users().next().cloned())
        .flatten()
        .unwrap();
    assert_eq!(user.attribute("phone_number"), Some("+15555550123"));
}

#[tokio::test]
async fn email_username_pools_use_the_sub_as_user_name() {
    let mut functions = Functions::new();
    let pre = recorder::recording(&mut functions, "pre-sign-up", echo);
    let cm = recorder::recording(&mut functions, "custom-message", echo);
    let cognito = recorder::cognito(functions, config(json!({"UsernameAttributes": ["email"]})));
    let request =
        json!({"ClientId": CLIENT_ID, "Username": "kim@example.com", "Password": "Sup3r-secret!"});
    let outcome = cognito.call("SignUp", &request).await;
    let sub = outcome.result.clone().unwrap()["UserSub"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(pre.last()["userName"], sub.as_str());
    assert_eq!(
        pre.last()["request"]["userAttributes"],
        json!({"email": "kim@example.com"})
    );
    assert_eq!(cm.last()["userName"], sub.as_str());
    let dup = cognito.call("SignUp", &request).await;
    assert_eq!(
        dup.error().unwrap().to_json(),
        json!({"__type": "UsernameExistsException", "message": "An account with the given email already exists."})
    );
}

#[tokio::test]
async fn sign_up_validation_and_policy_errors_use_aws_texts() {
    let cognito = recorder::cognito(Functions::new(), config(json!({"LambdaConfig": {}})));
    let outcome = cognito
        .call("SignUp", &json!({"ClientId": CLIENT_ID, "Username": ""}))
        .await;
    assert_eq!(outcome.error().unwrap().message,
        "2 validation errors detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+; Value at 'username' failed to satisfy constraint: Member must have length greater than or equal to 1");
    let unknown_client = cognito
        .call(
            "SignUp",
            &json!({"ClientId": "nosuchclient", "Username": "x", "Password": "Sup3r-secret!"}),
        )
        .await;
    assert_eq!(
        unknown_client.error().unwrap().to_json(),
        json!({"__type": "ResourceNotFoundException", "message": "User pool client nosuchclient does not exist."})
    );
    let weak = cognito
        .call(
            "SignUp",
            &json!({"ClientId": CLIENT_ID, "Username": "x", "Password": "short"}),
        )
        .await;
    assert_eq!(
        weak.error().unwrap().to_json(),
        json!({"__type": "InvalidPasswordException", "message": "Password did not conform with password policy: Password not long enough"})
    );
    let bad_attr = json!({"ClientId": CLIENT_ID, "Username": "x", "Password": "Sup3r-secret!",
        "UserAttributes": [{"Name": "custom:firstName", "Value": "X"}]});
    let outcome = cognito.call("SignUp", &bad_attr).await;
    assert_eq!(outcome.error().unwrap().message,
        "Attributes did not conform to the schema: custom:firstName: Attribute does not exist in the schema.\n");
}

#[tokio::test]
async fn an_auto_verified_alias_moves_to_the_new_user() {
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "pre-sign-up", |e| {
        Ok(respond(
            e,
            json!({"autoConfirmUser": true, "autoVerifyEmail": true}),
        ))
    });
    let cognito = recorder::cognito(functions, config(json!({"AliasAttributes": ["email"]})));
    seed_user(
        &cognito,
        "old",
        &[("email", "alice@example.com"), ("email_verified", "true")],
    );
    cognito
        .call("SignUp", &sign_up_request())
        .await
        .result
        .unwrap();
    assert_eq!(
        stored_user(&cognito, "old")
            .unwrap()
            .attribute("email_verified"),
        Some("false")
    );
    assert_eq!(
        stored_user(&cognito, "alice")
            .unwrap()
            .attribute("email_verified"),
        Some("true")
    );
}

#[tokio::test]
async fn admin_create_user_with_a_taken_verified_alias_needs_force_alias_creation() {
    let cognito = recorder::cognito(
        Functions::new(),
        config(json!({"AliasAttributes": ["email"], "LambdaConfig": {}})),
    );
    seed_user(
        &cognito,
        "old",
        &[("email", "lee@example.com"), ("email_verified", "true")],
    );
    let mut request = json!({"UserPoolId": POOL_ID, "Username": "lee", "MessageAction": "SUPPRESS",
        "UserAttributes": [{"Name": "email", "Value": "lee@example.com"}, {"Name": "email_verified", "Value": "true"}]});
    let refused = cognito.call("AdminCreateUser", &request).await;
    assert_eq!(
        refused.error().unwrap().to_json(),
        json!({"__type": "AliasExistsException", "message": "An account with the given email already exists."})
    );
    assert!(stored_user(&cognito, "lee").is_none());
    request["ForceAliasCreation"] = json!(true);
    assert!(cognito.call("AdminCreateUser", &request).await.is_success());
    assert_eq!(
        stored_user(&cognito, "old")
            .unwrap()
            .attribute("email_verified"),
        Some("false")
    );
}

#[tokio::test]
async fn the_last_code_sent_drives_the_next_step() {
    let cognito = recorder::cognito(Functions::new(), config(json!({"LambdaConfig": {}})));
    cognito
        .call("SignUp", &sign_up_request())
        .await
        .result
        .unwrap();
    let code = cognito
        .last_code(POOL_ID, "alice")
        .expect("a code was sent");
    let confirm = json!({"ClientId": CLIENT_ID, "Username": "alice", "ConfirmationCode": code});
    assert!(cognito.call("ConfirmSignUp", &confirm).await.is_success());
}

#[tokio::test]
async fn the_first_rejected_message_ends_the_call_before_the_next_trigger_runs() {
    let mut functions = Functions::new();
    let cm = recorder::recording(&mut functions, "custom-message", |_| Err("no".to_string()));
    let cognito = recorder::cognito(
        functions,
        config(json!({"AutoVerifiedAttributes": ["email", "phone_number"]})),
    );
    seed_user(
        &cognito,
        "max",
        &[
            ("email", "max@example.com"),
            ("phone_number", "+12065550000"),
        ],
    );
    let request = json!({"UserPoolId": POOL_ID, "Username": "max", "UserAttributes": [
        {"Name": "email", "Value": "max@new.example"}, {"Name": "phone_number", "Value": "+12065551111"}]});
    let outcome = cognito.call("AdminUpdateUserAttributes", &request).await;
    assert_eq!(
        outcome.error().unwrap().message,
        "CustomMessage failed with error no."
    );
    assert_eq!(cm.count(), 1, "the phone message's trigger never ran");
    assert_eq!(
        stored_user(&cognito, "max").unwrap().attribute("email"),
        Some("max@example.com")
    );
}

#[tokio::test]
async fn confirm_sign_up_with_a_wrong_code_does_not_move_a_forced_alias() {
    // Ruling 11 / §3.5: a failed call changes nothing, so the alias stays with its holder when
    // ConfirmSignUp's code is wrong, even with ForceAliasCreation.
    let cognito = recorder::cognito(
        Functions::new(),
        config(json!({"AliasAttributes": ["email"], "LambdaConfig": {}})),
    );
    seed_user(
        &cognito,
        "old",
        &[("email", "alice@example.com"), ("email_verified", "true")],
    );
    cognito
        .call("SignUp", &sign_up_request())
        .await
        .result
        .unwrap();
    let code = cognito.last_code(POOL_ID, "alice").unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm = json!({"ClientId": CLIENT_ID, "Username": "alice", "ConfirmationCode": wrong,
                         "ForceAliasCreation": true});
    let refused = cognito.call("ConfirmSignUp", &confirm).await;
    assert_eq!(
        refused.error().unwrap().to_json(),
        json!({"__type": "CodeMismatchException", "message": "Invalid verification code provided, please try again."})
    );
    assert_eq!(
        stored_user(&cognito, "old")
            .unwrap()
            .attribute("email_verified"),
        Some("true")
    );
    assert_eq!(
        stored_user(&cognito, "alice").unwrap().status,
        UserStatus::Unconfirmed
    );
}

#[tokio::test]
async fn attribute_update_codes_expire_on_cognitos_clock() {
    // §2.2 / DG-VERIF: a verification code is valid for 24 hours from when it was sent, on the
    // same clock VerifyUserAttribute reads (Cognito::advance_clock moves both).
    let cognito = recorder::cognito(Functions::new(), config(json!({"LambdaConfig": {}})));
    seed_user(
        &cognito,
        "kim",
        &[("email", "kim@example.com"), ("email_verified", "true")],
    );
    cognito.advance_clock(2 * 24 * 3600);
    let update = json!({"UserPoolId": POOL_ID, "Username": "kim",
                        "UserAttributes": [{"Name": "email", "Value": "kim@new.example"}]});
    let outcome = cognito.call("AdminUpdateUserAttributes", &update).await;
    let code = outcome.delivered[0].code.clone().unwrap();
    let token = token(&cognito, "kim");
    let verify = json!({"AccessToken": token, "AttributeName": "email", "Code": code});
    let verified = cognito.call("VerifyUserAttribute", &verify).await;
    assert_eq!(verified.result, Ok(json!({})));
    assert_eq!(
        stored_user(&cognito, "kim")
            .unwrap()
            .attribute("email_verified"),
        Some("true")
    );
}

#[tokio::test]
async fn email_username_pools_confirm_a_sign_up_by_its_email() {
    // §1.1 / §4.2: in a UsernameAttributes pool the email is the name the user signs up and
    // confirms with (the stored username is the sub); it is unique whether verified or not.
    let cognito = recorder::cognito(
        Functions::new(),
        config(json!({"UsernameAttributes": ["email"], "LambdaConfig": {}})),
    );
    let request =
        json!({"ClientId": CLIENT_ID, "Username": "kim@example.com", "Password": "Sup3r-secret!"});
    let outcome = cognito.call("SignUp", &request).await;
    let sub = outcome.result.clone().unwrap()["UserSub"].clone();
    let code = outcome.delivered[0].code.clone().unwrap();
    let confirm =
        json!({"ClientId": CLIENT_ID, "Username": "kim@example.com", "ConfirmationCode": code});
    let confirmed = cognito.call("ConfirmSignUp", &confirm).await;
    assert_eq!(confirmed.result, Ok(json!({})));
    let user = stored_user(&cognito, sub.as_str().unwrap()).unwrap();
    assert_eq!(user.status, UserStatus::Confirmed);
    assert_eq!(user.attribute("email_verified"), Some("true"));
}

#[tokio::test]
async fn a_generated_temporary_password_meets_a_long_minimum_length() {
    // Issue 10: a MinimumLength above 16 made AdminCreateUser fail its own generated password.
    let mut functions = Functions::new();
    recorder::recording(&mut functions, "pre-sign-up", Ok);
    recorder::recording(&mut functions, "custom-message", Ok);
    let policy = json!({"Policies": {"PasswordPolicy": {"MinimumLength": 24}}});
    let cognito = recorder::cognito(functions, config(policy));
    let request = json!({"UserPoolId": POOL_ID, "Username": "gil", "DesiredDeliveryMediums": ["EMAIL"],
        "UserAttributes": [{"Name": "email", "Value": "gil@example.com"}, {"Name": "email_verified", "Value": "true"}]});
    let outcome = cognito.call("AdminCreateUser", &request).await;
    assert!(outcome.is_success(), "{:?}", outcome.result);
    let password = outcome.delivered[0].code.clone().unwrap();
    assert!(password.chars().count() >= 24, "{password}");
}
