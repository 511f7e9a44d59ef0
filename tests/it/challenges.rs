//! First sign-in with a temporary password (NEW_PASSWORD_REQUIRED) and refresh-token sign-in.

use cognito_harness::pool::AppClient;
use cognito_harness::{Functions, UserStatus};
use serde_json::{json, Value};

use crate::recorder::{self, config, stored_user, POOL_ID};

const CLIENT: &str = "2k7signin0client0id0000abc";

fn cognito() -> cognito_harness::Cognito {
    let cognito = recorder::cognito(Functions::new(), config(json!({"LambdaConfig": {}})));
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client(AppClient {
            client_id: CLIENT.into(),
            client_name: "admin".into(),
            client_secret: None,
            explicit_auth_flows: vec![
                "ALLOW_ADMIN_USER_PASSWORD_AUTH".into(),
                "ALLOW_REFRESH_TOKEN_AUTH".into(),
            ],
        })
    });
    cognito
}

async fn invited_user_session(cognito: &cognito_harness::Cognito) -> String {
    let create = json!({"UserPoolId": POOL_ID, "Username": "nia", "TemporaryPassword": "Temp0rary!",
        "MessageAction": "SUPPRESS", "UserAttributes": [{"Name": "email", "Value": "nia@example.com"}]});
    cognito
        .call("AdminCreateUser", &create)
        .await
        .result
        .unwrap();
    let auth = json!({"UserPoolId": POOL_ID, "ClientId": CLIENT, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "nia", "PASSWORD": "Temp0rary!"}});
    let challenge = cognito
        .call("AdminInitiateAuth", &auth)
        .await
        .result
        .unwrap();
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    challenge["Session"].as_str().unwrap().to_string()
}

fn answer(session: &str, password: &str) -> Value {
    json!({"UserPoolId": POOL_ID, "ClientId": CLIENT, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session,
        "ChallengeResponses": {"USERNAME": "nia", "NEW_PASSWORD": password, "userAttributes.name": "Nia"}})
}

#[tokio::test]
async fn a_new_password_answers_the_first_sign_in_challenge() {
    let cognito = cognito();
    let session = invited_user_session(&cognito).await;
    let weak = cognito
        .call("AdminRespondToAuthChallenge", &answer(&session, "weak"))
        .await;
    assert_eq!(
        weak.error().unwrap().to_json(),
        json!({"__type": "InvalidPasswordException",
        "message": "Password does not conform to policy: Password not long enough"})
    );

    let outcome = cognito
        .call(
            "AdminRespondToAuthChallenge",
            &answer(&session, "Chosen-passw0rd"),
        )
        .await;
    let tokens = outcome.result.unwrap();
    let access = tokens["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let user = stored_user(&cognito, "nia").unwrap();
    assert_eq!(user.status, UserStatus::Confirmed);
    assert_eq!(user.password.as_deref(), Some("Chosen-passw0rd"));
    assert_eq!(user.attribute("name"), Some("Nia"));

    // The token works for the user's own calls.
    let update =
        json!({"AccessToken": access, "UserAttributes": [{"Name": "nickname", "Value": "n"}]});
    assert!(cognito
        .call("UpdateUserAttributes", &update)
        .await
        .is_success());

    // A session answers once.
    let again = cognito
        .call(
            "AdminRespondToAuthChallenge",
            &answer(&session, "Chosen-passw0rd"),
        )
        .await;
    assert_eq!(
        again.error().unwrap().to_json(),
        json!({"__type": "NotAuthorizedException",
        "message": "Invalid session for the user, session is expired."})
    );
}

#[tokio::test]
async fn a_session_expires_after_three_minutes() {
    let cognito = cognito();
    let session = invited_user_session(&cognito).await;
    cognito.advance_clock(181);
    let late = cognito
        .call(
            "AdminRespondToAuthChallenge",
            &answer(&session, "Chosen-passw0rd"),
        )
        .await;
    assert_eq!(
        late.error().unwrap().message,
        "Invalid session for the user, session is expired."
    );
    assert_eq!(
        stored_user(&cognito, "nia").unwrap().status,
        UserStatus::ForceChangePassword
    );
}

#[tokio::test]
async fn a_refresh_token_gives_new_tokens_to_its_own_client_only() {
    let cognito = cognito();
    let session = invited_user_session(&cognito).await;
    let tokens = cognito
        .call(
            "AdminRespondToAuthChallenge",
            &answer(&session, "Chosen-passw0rd"),
        )
        .await
        .result
        .unwrap();
    let refresh = tokens["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap();
    let request = |client: &str| {
        json!({"UserPoolId": POOL_ID, "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": refresh}})
    };
    let refreshed = cognito
        .call("AdminInitiateAuth", &request(CLIENT))
        .await
        .result
        .unwrap();
    let result = &refreshed["AuthenticationResult"];
    assert!(result["AccessToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert!(result.get("RefreshToken").is_none());
    let other = cognito
        .call("AdminInitiateAuth", &request(recorder::CLIENT_ID))
        .await;
    assert_eq!(
        other.error().unwrap().to_json(),
        json!({"__type": "NotAuthorizedException", "message": "Invalid Refresh Token."})
    );
}

/// A client with a secret needs SECRET_HASH (amplify-android#2504 quotes Cognito's text; docs §4.3).
#[tokio::test]
async fn a_client_with_a_secret_needs_the_secret_hash() {
    let cognito = cognito();
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client(AppClient {
            client_id: "5ecret0client0id000000abcd".into(),
            client_name: "backend".into(),
            client_secret: Some("s3cr3t".into()),
            explicit_auth_flows: vec!["ALLOW_USER_PASSWORD_AUTH".into()],
        })
    });
    let auth = json!({"ClientId": "5ecret0client0id000000abcd", "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "nia", "PASSWORD": "Temp0rary!"}});
    let outcome = cognito.call("InitiateAuth", &auth).await;
    assert_eq!(
        outcome.error().unwrap().to_json(),
        json!({"__type": "NotAuthorizedException",
               "message": "Client 5ecret0client0id000000abcd is configured with secret but SECRET_HASH was not received"})
    );
}
