//! Multi-factor authentication (cognito-semantics.md §MFA) through `Cognito::call`: software
//! tokens (AssociateSoftwareToken, VerifySoftwareToken with real RFC 6238 codes made by the same
//! crate from the returned secret), preferences, the pool's MFA configuration, and the sign-in
//! challenges SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, SELECT_MFA_TYPE and MFA_SETUP.

use cognito_harness::{Cognito, Functions};
use serde_json::{json, Value};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::recorder::{self, config, recording, respond, seed_user, token, POOL_ID};
use crate::recorder::{CLIENT_ID, CUSTOM_MESSAGE_ARN};

const PRE_TOKEN_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pre-token";
const POST_AUTH_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:post-auth";

/// The code an authenticator app shows for `secret` at `time`.
fn code(secret: &str, time: u64) -> String {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().unwrap();
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes)
        .unwrap()
        .generate(time)
}

/// A six-digit code that is none of the codes of `secret` within a step of `time`.
fn wrong_code(secret: &str, time: u64) -> String {
    let near: Vec<String> = [time - 30, time, time + 30]
        .iter()
        .map(|t| code(secret, *t))
        .collect();
    (0..4)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

/// Runs `f` with Cognito's time until it ran within one 30-second step, so what the test
/// expects of a code never depends on the clock crossing a step boundary meanwhile.
async fn within_one_step<T, F: std::future::Future<Output = T>>(
    cognito: &Cognito,
    mut f: impl FnMut(u64) -> F,
) -> T {
    loop {
        let before = cognito.now();
        let result = f(before).await;
        if cognito.now() / 30 == before / 30 {
            return result;
        }
    }
}

/// A pool with optional MFA and software tokens, a PreTokenGeneration and a PostAuthentication
/// function, and a confirmed user `alice`.
fn totp_pool(mode: &str) -> (Cognito, recorder::Recorded) {
    let mut functions = Functions::new();
    let runs = recorder::Recorded::default();
    for name in ["pre-token", "post-auth"] {
        let runs = runs.clone();
        recording(&mut functions, name, move |event| {
            runs.push(event["triggerSource"].clone());
            Ok(event)
        });
    }
    let cognito = recorder::cognito(
        functions,
        config(json!({"MfaConfiguration": mode,
            "LambdaConfig": {"PreTokenGeneration": PRE_TOKEN_ARN, "PostAuthentication": POST_AUTH_ARN}})),
    );
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client(cognito_harness::pool::AppClient {
            client_id: CLIENT_ID.into(),
            client_name: "web".into(),
            client_secret: None,
            explicit_auth_flows: vec![
                "ALLOW_USER_PASSWORD_AUTH".into(),
                "ALLOW_ADMIN_USER_PASSWORD_AUTH".into(),
            ],
        });
        p.mfa_factors.software_token = true;
    });
    seed_user(&cognito, "alice", &[("email", "alice@example.com")]);
    (cognito, runs)
}

fn sign_in() -> Value {
    json!({"ClientId": CLIENT_ID, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}})
}

fn answer(challenge: &str, session: &str, responses: Value) -> Value {
    let mut responses = responses;
    responses["USERNAME"] = json!("alice");
    json!({"ClientId": CLIENT_ID, "ChallengeName": challenge, "Session": session,
        "ChallengeResponses": responses})
}

async fn ok(cognito: &Cognito, action: &str, request: Value) -> Value {
    let outcome = cognito.call(action, &request).await;
    match outcome.result {
        Ok(v) => v,
        Err(e) => panic!("{action} failed: {e}"),
    }
}

async fn err(cognito: &Cognito, action: &str, request: Value) -> Value {
    cognito
        .call(action, &request)
        .await
        .error()
        .unwrap_or_else(|| panic!("{action} succeeded"))
        .to_json()
}

/// Associates and verifies a software token for alice; returns its secret.
async fn set_up_token(cognito: &Cognito) -> String {
    let access = token(cognito, "alice");
    let associated = ok(
        cognito,
        "AssociateSoftwareToken",
        json!({"AccessToken": access}),
    )
    .await;
    let secret = associated["SecretCode"].as_str().unwrap().to_string();
    assert_eq!(associated, json!({"SecretCode": secret}), "no Session");
    let verified = ok(
        cognito,
        "VerifySoftwareToken",
        json!({"AccessToken": access, "UserCode": code(&secret, cognito.now()),
            "FriendlyDeviceName": "phone"}),
    )
    .await;
    assert_eq!(verified, json!({"Status": "SUCCESS"}));
    secret
}

#[tokio::test]
async fn a_verified_software_token_answers_the_sign_in_challenge() {
    let (cognito, runs) = totp_pool("OPTIONAL");
    let access = token(&cognito, "alice");
    let secret = ok(
        &cognito,
        "AssociateSoftwareToken",
        json!({"AccessToken": access}),
    )
    .await["SecretCode"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(secret.len(), 52, "Cognito's 32-byte secret in base32");

    // Before the token is verified it cannot be turned on.
    assert_eq!(
        err(
            &cognito,
            "SetUserMFAPreference",
            json!({"AccessToken": access,
            "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}})
        )
        .await,
        json!({"__type": "InvalidParameterException",
            "message": "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"})
    );
    let wrong = wrong_code(&secret, cognito.now());
    assert_eq!(
        err(
            &cognito,
            "VerifySoftwareToken",
            json!({"AccessToken": access, "UserCode": wrong})
        )
        .await,
        json!({"__type": "EnableSoftwareTokenMFAException",
            "message": "Code mismatch and fail enable Software Token MFA"})
    );
    let right = code(&secret, cognito.now());
    assert_eq!(
        ok(
            &cognito,
            "VerifySoftwareToken",
            json!({"AccessToken": access, "UserCode": right})
        )
        .await,
        json!({"Status": "SUCCESS"})
    );
    assert_eq!(
        ok(
            &cognito,
            "SetUserMFAPreference",
            json!({"AccessToken": access,
            "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}})
        )
        .await,
        json!({})
    );
    let user = ok(&cognito, "GetUser", json!({"AccessToken": access})).await;
    assert_eq!(user["UserMFASettingList"], json!(["SOFTWARE_TOKEN_MFA"]));
    assert_eq!(user["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");
    let admin = ok(
        &cognito,
        "AdminGetUser",
        json!({"UserPoolId": POOL_ID, "Username": "alice"}),
    )
    .await;
    assert_eq!(admin["UserMFASettingList"], json!(["SOFTWARE_TOKEN_MFA"]));

    // The password is not enough any more.
    let challenge = ok(&cognito, "InitiateAuth", sign_in()).await;
    let session = challenge["Session"].as_str().unwrap().to_string();
    assert_eq!(
        challenge,
        json!({"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": session,
            "ChallengeParameters": {"USER_ID_FOR_SRP": "alice"}})
    );
    assert!(
        runs.events().is_empty(),
        "no tokens yet: {:?}",
        runs.events()
    );
    let wrong = wrong_code(&secret, cognito.now());
    let request = answer(
        "SOFTWARE_TOKEN_MFA",
        &session,
        json!({"SOFTWARE_TOKEN_MFA_CODE": wrong}),
    );
    assert_eq!(
        err(&cognito, "RespondToAuthChallenge", request).await,
        json!({"__type": "CodeMismatchException", "message": "Invalid code received for user"})
    );
    // A wrong code leaves the Session usable; the right one completes the sign-in.
    let request = answer(
        "SOFTWARE_TOKEN_MFA",
        &session,
        json!({"SOFTWARE_TOKEN_MFA_CODE": code(&secret, cognito.now())}),
    );
    let outcome = cognito.call("RespondToAuthChallenge", &request).await;
    let tokens = outcome.result.as_ref().unwrap();
    assert!(tokens["AuthenticationResult"]["AccessToken"].is_string());
    assert_eq!(
        runs.events(),
        vec![
            json!("TokenGeneration_Authentication"),
            json!("PostAuthentication_Authentication")
        ]
    );
    assert_eq!(
        err(&cognito, "RespondToAuthChallenge", request).await,
        json!({"__type": "NotAuthorizedException",
            "message": "Invalid session for the user, session can only be used once."})
    );
}

#[tokio::test]
async fn codes_of_the_adjacent_steps_are_accepted_and_older_ones_are_not() {
    let (cognito, _) = totp_pool("ON");
    let secret = set_up_token(&cognito).await;
    ok(
        &cognito,
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": POOL_ID, "Username": "alice",
        "SoftwareTokenMfaSettings": {"Enabled": true}}),
    )
    .await;
    for (offset, accepted) in [
        (-60i64, false),
        (60, false),
        (-30, true),
        (30, true),
        (0, true),
    ] {
        let verdict = within_one_step(&cognito, |now| {
            let cognito = &cognito;
            let secret = &secret;
            async move {
                let challenge = ok(cognito, "InitiateAuth", sign_in()).await;
                let session = challenge["Session"].as_str().unwrap().to_string();
                let at = (now as i64 + offset) as u64;
                let request = answer(
                    "SOFTWARE_TOKEN_MFA",
                    &session,
                    json!({"SOFTWARE_TOKEN_MFA_CODE": code(secret, at)}),
                );
                // A code two steps away may equal a near one by chance: then it proves nothing.
                let collides = offset.abs() == 60
                    && [now - 30, now, now + 30]
                        .iter()
                        .any(|t| code(secret, *t) == code(secret, at));
                let outcome = cognito.call("RespondToAuthChallenge", &request).await;
                (outcome.is_success(), collides)
            }
        })
        .await;
        if !verdict.1 {
            assert_eq!(verdict.0, accepted, "a code from {offset} s");
        }
    }
}

#[tokio::test]
async fn sms_mfa_sends_a_code_through_custom_message() {
    let mut functions = Functions::new();
    let messages = recording(&mut functions, "custom-message", |event| {
        Ok(respond(
            event,
            json!({"smsMessage": "Acme sign-in code {####}"}),
        ))
    });
    let cognito = recorder::cognito(
        functions,
        config(json!({"MfaConfiguration": "ON",
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms"},
            "LambdaConfig": {"CustomMessage": CUSTOM_MESSAGE_ARN}})),
    );
    seed_user(
        &cognito,
        "alice",
        &[
            ("phone_number", "+12065551234"),
            ("email", "alice@example.com"),
        ],
    );
    let request = json!({"UserPoolId": POOL_ID, "ClientId": CLIENT_ID,
        "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}});
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client(cognito_harness::pool::AppClient {
            client_id: CLIENT_ID.into(),
            client_name: "web".into(),
            client_secret: None,
            explicit_auth_flows: vec!["ALLOW_ADMIN_USER_PASSWORD_AUTH".into()],
        })
    });
    // Required MFA: the user's phone number stands in for a factor they never chose.
    let outcome = cognito.call("AdminInitiateAuth", &request).await;
    let challenge = outcome.result.clone().unwrap();
    let session = challenge["Session"].as_str().unwrap().to_string();
    assert_eq!(
        challenge,
        json!({"ChallengeName": "SMS_MFA", "Session": session,
            "ChallengeParameters": {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                "CODE_DELIVERY_DESTINATION": "+*******1234", "USER_ID_FOR_SRP": "alice"}})
    );
    let event = messages.only();
    assert_eq!(event["triggerSource"], "CustomMessage_Authentication");
    assert_eq!(event["request"]["clientMetadata"], Value::Null);
    let sent = &outcome.delivered[0];
    let code = sent.code.clone().unwrap();
    assert_eq!(sent.body, format!("Acme sign-in code {code}"));
    assert_eq!(sent.destination, "+12065551234");
    assert_eq!(
        cognito.last_code(POOL_ID, "alice").as_deref(),
        Some(code.as_str())
    );

    let admin_answer = |code: &str| {
        json!({"UserPoolId": POOL_ID, "ClientId": CLIENT_ID, "ChallengeName": "SMS_MFA",
            "Session": session, "ChallengeResponses": {"USERNAME": "alice", "SMS_MFA_CODE": code}})
    };
    let wrong = if code == "000000" { "000001" } else { "000000" };
    assert_eq!(
        err(&cognito, "AdminRespondToAuthChallenge", admin_answer(wrong)).await,
        json!({"__type": "CodeMismatchException", "message": "Invalid code or auth state for the user."})
    );
    let tokens = ok(&cognito, "AdminRespondToAuthChallenge", admin_answer(&code)).await;
    assert!(tokens["AuthenticationResult"]["IdToken"].is_string());
}

#[tokio::test]
async fn two_enabled_factors_without_a_preference_ask_the_user_to_choose() {
    let (cognito, _) = totp_pool("OPTIONAL");
    cognito.with_pool_mut(POOL_ID, |p| {
        p.config.sms_configuration = Some(
            serde_json::from_value(json!({"SnsCallerArn": "arn:aws:iam::123456789012:role/sms"}))
                .unwrap(),
        );
    });
    ok(
        &cognito,
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": POOL_ID, "Username": "alice",
        "UserAttributes": [{"Name": "phone_number", "Value": "+12065550100"}]}),
    )
    .await;
    let secret = set_up_token(&cognito).await;
    ok(
        &cognito,
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": POOL_ID, "Username": "alice",
        "SoftwareTokenMfaSettings": {"Enabled": true}, "SMSMfaSettings": {"Enabled": true}}),
    )
    .await;
    let challenge = ok(&cognito, "InitiateAuth", sign_in()).await;
    assert_eq!(challenge["ChallengeName"], "SELECT_MFA_TYPE");
    assert_eq!(
        challenge["ChallengeParameters"],
        json!({"MFAS_CAN_CHOOSE": "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]", "USER_ID_FOR_SRP": "alice"})
    );
    let session = challenge["Session"].as_str().unwrap();
    let chosen = ok(
        &cognito,
        "RespondToAuthChallenge",
        answer(
            "SELECT_MFA_TYPE",
            session,
            json!({"ANSWER": "SOFTWARE_TOKEN_MFA"}),
        ),
    )
    .await;
    assert_eq!(chosen["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let next = chosen["Session"].as_str().unwrap();
    assert_ne!(next, session, "each step has its own Session");
    let tokens = ok(
        &cognito,
        "RespondToAuthChallenge",
        answer(
            "SOFTWARE_TOKEN_MFA",
            next,
            json!({"SOFTWARE_TOKEN_MFA_CODE": code(&secret, cognito.now())}),
        ),
    )
    .await;
    assert!(tokens["AuthenticationResult"]["AccessToken"].is_string());

    // With a preference, that factor is asked for directly.
    ok(
        &cognito,
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": POOL_ID, "Username": "alice",
        "SMSMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    let challenge = ok(&cognito, "InitiateAuth", sign_in()).await;
    assert_eq!(challenge["ChallengeName"], "SMS_MFA");
}

#[tokio::test]
async fn required_mfa_without_a_factor_sets_up_a_software_token_during_sign_in() {
    let (cognito, _) = totp_pool("ON");
    let challenge = ok(&cognito, "InitiateAuth", sign_in()).await;
    let session = challenge["Session"].as_str().unwrap();
    assert_eq!(
        challenge,
        json!({"ChallengeName": "MFA_SETUP", "Session": session,
            "ChallengeParameters": {"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]", "USER_ID_FOR_SRP": "alice"}})
    );
    // Answering before a token is set up does not sign in.
    let early = answer("MFA_SETUP", session, json!({}));
    assert_eq!(
        err(&cognito, "RespondToAuthChallenge", early).await["__type"],
        "InvalidParameterException"
    );
    let associated = ok(
        &cognito,
        "AssociateSoftwareToken",
        json!({"Session": session}),
    )
    .await;
    let secret = associated["SecretCode"].as_str().unwrap();
    let session2 = associated["Session"].as_str().unwrap();
    assert_eq!(
        err(
            &cognito,
            "AssociateSoftwareToken",
            json!({"Session": session})
        )
        .await,
        json!({"__type": "NotAuthorizedException",
            "message": "Invalid session for the user, session can only be used once."})
    );
    let verified = ok(
        &cognito,
        "VerifySoftwareToken",
        json!({"Session": session2, "UserCode": code(secret, cognito.now())}),
    )
    .await;
    assert_eq!(verified["Status"], "SUCCESS");
    let session3 = verified["Session"].as_str().unwrap();
    let tokens = ok(
        &cognito,
        "RespondToAuthChallenge",
        answer("MFA_SETUP", session3, json!({})),
    )
    .await;
    let access = tokens["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap();
    let user = ok(&cognito, "GetUser", json!({"AccessToken": access})).await;
    assert_eq!(user["UserMFASettingList"], json!(["SOFTWARE_TOKEN_MFA"]));
    // The next sign-in asks for the token.
    let challenge = ok(&cognito, "InitiateAuth", sign_in()).await;
    assert_eq!(challenge["ChallengeName"], "SOFTWARE_TOKEN_MFA");
}

#[tokio::test]
async fn email_otp_is_sent_to_the_email_address() {
    let (cognito, _) = totp_pool("OPTIONAL");
    cognito.with_pool_mut(POOL_ID, |p| {
        p.mfa_factors.email = Some(Default::default());
    });
    ok(
        &cognito,
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": POOL_ID, "Username": "alice",
        "EmailMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    let outcome = cognito.call("InitiateAuth", &sign_in()).await;
    let challenge = outcome.result.clone().unwrap();
    assert_eq!(challenge["ChallengeName"], "EMAIL_OTP");
    assert_eq!(
        challenge["ChallengeParameters"],
        json!({"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
            "CODE_DELIVERY_DESTINATION": "a***@e***", "USER_ID_FOR_SRP": "alice"})
    );
    assert_eq!(
        outcome.delivered[0].trigger_source,
        "CustomMessage_Authentication"
    );
    let code = outcome.delivered[0].code.clone().unwrap();
    let session = challenge["Session"].as_str().unwrap();
    let tokens = ok(
        &cognito,
        "RespondToAuthChallenge",
        answer("EMAIL_OTP", session, json!({"EMAIL_OTP_CODE": code})),
    )
    .await;
    assert!(tokens["AuthenticationResult"]["AccessToken"].is_string());
}

#[tokio::test]
async fn mfa_sessions_expire_and_belong_to_their_challenge() {
    let (cognito, _) = totp_pool("OPTIONAL");
    let secret = set_up_token(&cognito).await;
    ok(
        &cognito,
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": POOL_ID, "Username": "alice",
        "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    let challenge = ok(&cognito, "InitiateAuth", sign_in()).await;
    let session = challenge["Session"].as_str().unwrap();
    let sms = answer("SMS_MFA", session, json!({"SMS_MFA_CODE": "123456"}));
    assert_eq!(
        err(&cognito, "RespondToAuthChallenge", sms).await,
        json!({"__type": "CodeMismatchException", "message": "Invalid code or auth state for the user."})
    );
    let missing = answer("SOFTWARE_TOKEN_MFA", session, json!({}));
    assert_eq!(
        err(&cognito, "RespondToAuthChallenge", missing).await,
        json!({"__type": "InvalidParameterException",
            "message": "Missing required parameter SOFTWARE_TOKEN_MFA_CODE"})
    );
    cognito.advance_clock(181);
    let late = answer(
        "SOFTWARE_TOKEN_MFA",
        session,
        json!({"SOFTWARE_TOKEN_MFA_CODE": code(&secret, cognito.now())}),
    );
    assert_eq!(
        err(&cognito, "RespondToAuthChallenge", late).await,
        json!({"__type": "NotAuthorizedException",
            "message": "Invalid session for the user, session is expired."})
    );
}

#[tokio::test]
async fn requests_aws_would_reject() {
    let (cognito, _) = totp_pool("OPTIONAL");
    let access = token(&cognito, "alice");
    assert_eq!(
        err(
            &cognito,
            "VerifySoftwareToken",
            json!({"AccessToken": access, "UserCode": "12a"})
        )
        .await,
        json!({"__type": "InvalidParameterException",
            "message": "2 validation errors detected: Value at 'userCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+; Value at 'userCode' failed to satisfy constraint: Member must have length greater than or equal to 6"})
    );
    assert_eq!(
        err(
            &cognito,
            "VerifySoftwareToken",
            json!({"AccessToken": access, "UserCode": "123456"})
        )
        .await,
        json!({"__type": "SoftwareTokenMFANotFoundException",
            "message": "Software Token MFA does not exist for the user."})
    );
    assert_eq!(
        err(
            &cognito,
            "SetUserMFAPreference",
            json!({"AccessToken": access,
            "SMSMfaSettings": {"Enabled": "yes"}})
        )
        .await,
        json!({"__type": "SerializationException",
            "message": "Unable to parse member 'Enabled': expected a boolean"})
    );
    assert_eq!(
        err(
            &cognito,
            "SetUserMFAPreference",
            json!({"AccessToken": access,
            "SMSMfaSettings": {"Enabled": true}})
        )
        .await,
        json!({"__type": "InvalidParameterException",
            "message": "User does not have delivery config set to turn on SMS_MFA"})
    );
    assert_eq!(
        err(&cognito, "AssociateSoftwareToken", json!({})).await["__type"],
        "InvalidParameterException"
    );
    cognito.with_pool_mut(POOL_ID, |p| p.mfa_factors.software_token = false);
    assert_eq!(
        err(
            &cognito,
            "AssociateSoftwareToken",
            json!({"AccessToken": access})
        )
        .await["__type"],
        "SoftwareTokenMFANotFoundException"
    );
}

#[tokio::test]
async fn the_pools_mfa_configuration_is_set_and_read() {
    let (cognito, _) = totp_pool("OFF");
    let set = ok(
        &cognito,
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": POOL_ID, "MfaConfiguration": "OPTIONAL",
            "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .await;
    assert_eq!(
        set,
        json!({"SoftwareTokenMfaConfiguration": {"Enabled": true}, "MfaConfiguration": "OPTIONAL"})
    );
    assert_eq!(
        ok(
            &cognito,
            "GetUserPoolMfaConfig",
            json!({"UserPoolId": POOL_ID})
        )
        .await,
        set
    );
    assert_eq!(
        err(
            &cognito,
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": POOL_ID, "MfaConfiguration": "SOMETIMES"})
        )
        .await,
        json!({"__type": "InvalidParameterException",
            "message": "1 validation error detected: Value 'SOMETIMES' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OPTIONAL, OFF, ON]"})
    );
    // With MFA OFF, enabled factors are kept but not asked for.
    let secret = set_up_token(&cognito).await;
    assert_eq!(secret.len(), 52);
    ok(
        &cognito,
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": POOL_ID, "Username": "alice",
        "SoftwareTokenMfaSettings": {"Enabled": true}}),
    )
    .await;
    ok(
        &cognito,
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": POOL_ID, "MfaConfiguration": "OFF"}),
    )
    .await;
    let signed_in = ok(&cognito, "InitiateAuth", sign_in()).await;
    assert!(signed_in["AuthenticationResult"]["AccessToken"].is_string());
}
