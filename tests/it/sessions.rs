//! Sessions and user management (docs §SU): ChangePassword, GlobalSignOut,
//! AdminUserGlobalSignOut, RevokeToken, DeleteUser, AdminDisableUser, AdminEnableUser,
//! (Admin)DeleteUserAttributes, ListUserPools, ListUserPoolClients, UpdateUserPoolClient and
//! DeleteUserPoolClient, with exact answers and Cognito's texts.

use cognito_harness::pool::{PoolConfig, User, UserPool};
use cognito_harness::{Cognito, ErrorCode, Functions, Outcome};
use serde_json::{json, Value};

const POOL: &str = "us-east-1_Session01";

fn service() -> (Cognito, String) {
    let cognito = Cognito::new(Functions::new());
    let config: PoolConfig = serde_json::from_value(json!({
        "PoolName": "sessions",
        "Schema": [{"Name": "email", "AttributeDataType": "String", "Mutable": true, "Required": true}],
    }))
    .unwrap();
    let mut pool = UserPool::with_id(POOL, config);
    let client = pool.add_client("web");
    let mut user = User::new("alice")
        .with_attribute("email", "alice@example.com")
        .with_attribute("email_verified", "true")
        .with_attribute("name", "Alice")
        .with_attribute("custom:team", "blue");
    user.password = Some("Passw0rd!".into());
    pool.put_user(user);
    cognito.add_pool(pool);
    (cognito, client.client_id)
}

async fn sign_in(cognito: &Cognito, client_id: &str, password: &str) -> Outcome {
    cognito
        .call(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": "alice", "PASSWORD": password}}),
        )
        .await
}

async fn tokens(cognito: &Cognito, client_id: &str) -> (String, String) {
    let outcome = sign_in(cognito, client_id, "Passw0rd!").await;
    let result = &outcome.assert_success()["AuthenticationResult"];
    (
        result["AccessToken"].as_str().unwrap().to_string(),
        result["RefreshToken"].as_str().unwrap().to_string(),
    )
}

async fn refresh(cognito: &Cognito, client_id: &str, token: &str) -> Outcome {
    cognito
        .call(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
                    "AuthParameters": {"REFRESH_TOKEN": token}}),
        )
        .await
}

const REVOKED: &str = "Access Token has been revoked";

#[tokio::test]
async fn global_sign_out_revokes_access_and_refresh_tokens_but_not_other_users() {
    let (cognito, client_id) = service();
    let (access, refresh_token) = tokens(&cognito, &client_id).await;
    let (second, _) = tokens(&cognito, &client_id).await;
    assert_eq!(
        cognito
            .call("GlobalSignOut", &json!({"AccessToken": access}))
            .await
            .assert_success(),
        &json!({})
    );
    for token in [&access, &second] {
        for action in ["GetUser", "GlobalSignOut", "ChangePassword", "DeleteUser"] {
            let mut request = json!({"AccessToken": token});
            if action == "ChangePassword" {
                request["PreviousPassword"] = json!("Passw0rd!");
                request["ProposedPassword"] = json!("N3wPassw0rd!");
            }
            cognito
                .call(action, &request)
                .await
                .assert_rejected(ErrorCode::NotAuthorizedException, REVOKED);
        }
    }
    refresh(&cognito, &client_id, &refresh_token)
        .await
        .assert_rejected(ErrorCode::NotAuthorizedException, "Invalid Refresh Token.");
    // Signing in again gives working tokens.
    let (fresh, _) = tokens(&cognito, &client_id).await;
    cognito
        .call("GetUser", &json!({"AccessToken": fresh}))
        .await
        .assert_success();

    cognito
        .call(
            "AdminUserGlobalSignOut",
            &json!({"UserPoolId": POOL, "Username": "ALICE"}),
        )
        .await
        .assert_success();
    cognito
        .call("GetUser", &json!({"AccessToken": fresh}))
        .await
        .assert_rejected(ErrorCode::NotAuthorizedException, REVOKED);
    cognito
        .call(
            "AdminUserGlobalSignOut",
            &json!({"UserPoolId": POOL, "Username": "nobody"}),
        )
        .await
        .assert_rejected(ErrorCode::UserNotFoundException, "User does not exist.");
    cognito
        .call("GlobalSignOut", &json!({"AccessToken": "not.a.token"}))
        .await
        .assert_rejected(ErrorCode::NotAuthorizedException, "Invalid Access Token");
    cognito
        .call("GlobalSignOut", &json!({}))
        .await
        .assert_rejected(
            ErrorCode::InvalidParameterException,
            "1 validation error detected: Value null at 'accessToken' failed to satisfy constraint: Member must not be null",
        );
}

#[tokio::test]
async fn change_password_checks_the_previous_one_and_the_policy() {
    let (cognito, client_id) = service();
    let (access, _) = tokens(&cognito, &client_id).await;
    let change = |previous: &str, proposed: &str| json!({"AccessToken": access, "PreviousPassword": previous, "ProposedPassword": proposed});
    cognito
        .call("ChangePassword", &change("wrong", "N3wPassw0rd!"))
        .await
        .assert_rejected(
            ErrorCode::NotAuthorizedException,
            "Incorrect username or password.",
        );
    cognito
        .call("ChangePassword", &change("Passw0rd!", "short"))
        .await
        .assert_rejected(
            ErrorCode::InvalidPasswordException,
            "Password does not conform to policy: Password not long enough",
        );
    cognito
        .call("ChangePassword", &json!({"AccessToken": access, "PreviousPassword": "Passw0rd!", "ProposedPassword": "two words"}))
        .await
        .assert_rejected(
            ErrorCode::InvalidParameterException,
            "1 validation error detected: Value at 'proposedPassword' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+",
        );
    assert_eq!(
        cognito
            .call("ChangePassword", &change("Passw0rd!", "N3wPassw0rd!"))
            .await
            .assert_success(),
        &json!({})
    );
    sign_in(&cognito, &client_id, "Passw0rd!")
        .await
        .assert_rejected(
            ErrorCode::NotAuthorizedException,
            "Incorrect username or password.",
        );
    sign_in(&cognito, &client_id, "N3wPassw0rd!")
        .await
        .assert_success();
    // The token used stays valid (ChangePassword signs nobody out).
    cognito
        .call("GetUser", &json!({"AccessToken": access}))
        .await
        .assert_success();
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_or_refresh_and_their_access_tokens_are_revoked() {
    let (cognito, client_id) = service();
    let (access, refresh_token) = tokens(&cognito, &client_id).await;
    let admin = json!({"UserPoolId": POOL, "Username": "alice"});
    assert_eq!(
        cognito
            .call("AdminDisableUser", &admin)
            .await
            .assert_success(),
        &json!({})
    );
    sign_in(&cognito, &client_id, "Passw0rd!")
        .await
        .assert_rejected(ErrorCode::NotAuthorizedException, "User is disabled.");
    refresh(&cognito, &client_id, &refresh_token)
        .await
        .assert_rejected(ErrorCode::NotAuthorizedException, "User is disabled.");
    cognito
        .call("GetUser", &json!({"AccessToken": access}))
        .await
        .assert_rejected(ErrorCode::NotAuthorizedException, REVOKED);
    let got = cognito.call("AdminGetUser", &admin).await;
    assert_eq!(got.assert_success()["Enabled"], json!(false));

    assert_eq!(
        cognito
            .call("AdminEnableUser", &admin)
            .await
            .assert_success(),
        &json!({})
    );
    sign_in(&cognito, &client_id, "Passw0rd!")
        .await
        .assert_success();
    refresh(&cognito, &client_id, &refresh_token)
        .await
        .assert_success();
    cognito
        .call(
            "AdminDisableUser",
            &json!({"UserPoolId": POOL, "Username": "nobody"}),
        )
        .await
        .assert_rejected(ErrorCode::UserNotFoundException, "User does not exist.");
    cognito
        .call("AdminEnableUser", &json!({"UserPoolId": POOL}))
        .await
        .assert_rejected(
            ErrorCode::InvalidParameterException,
            "1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null",
        );
}

#[tokio::test]
async fn revoke_token_ends_the_refresh_token_and_its_access_tokens() {
    let (cognito, client_id) = service();
    let (access, refresh_token) = tokens(&cognito, &client_id).await;
    let revoke = json!({"Token": refresh_token, "ClientId": client_id});
    assert_eq!(
        cognito.call("RevokeToken", &revoke).await.assert_success(),
        &json!({})
    );
    refresh(&cognito, &client_id, &refresh_token)
        .await
        .assert_rejected(ErrorCode::NotAuthorizedException, "Invalid Refresh Token.");
    cognito
        .call("GetUser", &json!({"AccessToken": access}))
        .await
        .assert_rejected(ErrorCode::NotAuthorizedException, REVOKED);
    // Revoking again, or a token never issued, is answered as success (RFC 7009 §2.2).
    cognito.call("RevokeToken", &revoke).await.assert_success();
    cognito
        .call(
            "RevokeToken",
            &json!({"Token": "unknown", "ClientId": client_id}),
        )
        .await
        .assert_success();
    cognito
        .call(
            "RevokeToken",
            &json!({"Token": "x", "ClientId": "nosuchclient"}),
        )
        .await
        .assert_rejected(
            ErrorCode::ResourceNotFoundException,
            "User pool client nosuchclient does not exist.",
        );
    cognito
        .call("RevokeToken", &json!({}))
        .await
        .assert_rejected(
            ErrorCode::InvalidParameterException,
            "2 validation errors detected: Value null at 'token' failed to satisfy constraint: Member must not be null; Value null at 'clientId' failed to satisfy constraint: Member must not be null",
        );
}

#[tokio::test]
async fn delete_user_removes_the_signed_in_user() {
    let (cognito, client_id) = service();
    let (access, refresh_token) = tokens(&cognito, &client_id).await;
    assert_eq!(
        cognito
            .call("DeleteUser", &json!({"AccessToken": access}))
            .await
            .assert_success(),
        &json!({})
    );
    cognito
        .call(
            "AdminGetUser",
            &json!({"UserPoolId": POOL, "Username": "alice"}),
        )
        .await
        .assert_rejected(ErrorCode::UserNotFoundException, "User does not exist.");
    cognito
        .call("GetUser", &json!({"AccessToken": access}))
        .await
        .assert_rejected(ErrorCode::NotAuthorizedException, "Invalid Access Token");
    refresh(&cognito, &client_id, &refresh_token)
        .await
        .assert_rejected(ErrorCode::NotAuthorizedException, "Invalid Refresh Token.");
}

fn attribute_names(outcome: &Outcome) -> Vec<String> {
    outcome.assert_success()["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["Name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn attributes_are_deleted_except_required_ones() {
    let (cognito, client_id) = service();
    let (access, _) = tokens(&cognito, &client_id).await;
    assert_eq!(
        cognito
            .call(
                "DeleteUserAttributes",
                &json!({"AccessToken": access, "UserAttributeNames": ["name", "nickname"]})
            )
            .await
            .assert_success(),
        &json!({})
    );
    let got = cognito
        .call("GetUser", &json!({"AccessToken": access}))
        .await;
    assert_eq!(
        attribute_names(&got),
        ["sub", "email", "email_verified", "custom:team"]
    );
    cognito
        .call("AdminDeleteUserAttributes", &json!({"UserPoolId": POOL, "Username": "alice", "UserAttributeNames": ["custom:team"]}))
        .await
        .assert_success();
    cognito
        .call(
            "AdminDeleteUserAttributes",
            &json!({"UserPoolId": POOL, "Username": "alice", "UserAttributeNames": ["email"]}),
        )
        .await
        .assert_rejected(
            ErrorCode::InvalidParameterException,
            "Cannot delete required attribute: email",
        );
    let got = cognito
        .call(
            "AdminGetUser",
            &json!({"UserPoolId": POOL, "Username": "alice"}),
        )
        .await;
    assert_eq!(attribute_names(&got), ["sub", "email", "email_verified"]);
    cognito
        .call("DeleteUserAttributes", &json!({"AccessToken": access, "UserAttributeNames": ["custom:a_very_long_attribute_name"]}))
        .await
        .assert_rejected(
            ErrorCode::InvalidParameterException,
            "1 validation error detected: Value 'custom:a_very_long_attribute_name' at 'userAttributeNames.1.member' failed to satisfy constraint: Member must have length less than or equal to 32",
        );
    cognito
        .call("AdminDeleteUserAttributes", &json!({"UserPoolId": POOL, "Username": "alice"}))
        .await
        .assert_rejected(
            ErrorCode::InvalidParameterException,
            "1 validation error detected: Value null at 'userAttributeNames' failed to satisfy constraint: Member must not be null",
        );
}

fn without_dates(mut value: Value) -> Value {
    for key in ["CreationDate", "LastModifiedDate"] {
        if value.get(key).is_some() {
            assert!(value[key].is_number(), "{key} in {value}");
            value[key] = json!("<date>");
        }
    }
    value
}

#[tokio::test]
async fn pools_and_clients_are_listed_updated_and_deleted() {
    let (cognito, client_id) = service();
    let second = cognito.add_pool(UserPool::with_id(
        "us-east-1_Session02",
        PoolConfig::default(),
    ));
    let listed = cognito
        .call("ListUserPools", &json!({"MaxResults": 1}))
        .await;
    let page = listed.assert_success();
    assert_eq!(
        without_dates(page["UserPools"][0].clone()),
        json!({"Id": POOL, "Name": "sessions", "LambdaConfig": {}, "LastModifiedDate": "<date>", "CreationDate": "<date>"})
    );
    let next = page["NextToken"].as_str().unwrap();
    let rest = cognito
        .call(
            "ListUserPools",
            &json!({"MaxResults": 60, "NextToken": next}),
        )
        .await;
    assert_eq!(rest.assert_success()["UserPools"][0]["Id"], json!(second));
    assert_eq!(rest.assert_success().get("NextToken"), None);
    cognito
        .call("ListUserPools", &json!({"MaxResults": 61}))
        .await
        .assert_rejected(
            ErrorCode::InvalidParameterException,
            "1 validation error detected: Value '61' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60",
        );

    let clients = cognito
        .call("ListUserPoolClients", &json!({"UserPoolId": POOL}))
        .await;
    assert_eq!(
        clients.assert_success(),
        &json!({"UserPoolClients": [{"ClientId": client_id, "UserPoolId": POOL, "ClientName": "web"}]})
    );

    let updated = cognito
        .call(
            "UpdateUserPoolClient",
            &json!({"UserPoolId": POOL, "ClientId": client_id, "ClientName": "mobile",
                    "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"]}),
        )
        .await;
    let description = updated.assert_success()["UserPoolClient"].clone();
    assert_eq!(description["ClientName"], json!("mobile"));
    assert_eq!(description["ClientId"], json!(client_id));
    assert_eq!(
        description["ExplicitAuthFlows"],
        json!(["ALLOW_REFRESH_TOKEN_AUTH"])
    );
    let described = cognito
        .call(
            "DescribeUserPoolClient",
            &json!({"UserPoolId": POOL, "ClientId": client_id}),
        )
        .await;
    assert_eq!(described.assert_success()["UserPoolClient"], description);
    // The flows now allowed no longer include the password flow.
    assert!(!sign_in(&cognito, &client_id, "Passw0rd!")
        .await
        .is_success());

    assert_eq!(
        cognito
            .call(
                "DeleteUserPoolClient",
                &json!({"UserPoolId": POOL, "ClientId": client_id})
            )
            .await
            .assert_success(),
        &json!({})
    );
    for action in [
        "DeleteUserPoolClient",
        "UpdateUserPoolClient",
        "DescribeUserPoolClient",
    ] {
        cognito
            .call(action, &json!({"UserPoolId": POOL, "ClientId": client_id}))
            .await
            .assert_rejected(
                ErrorCode::ResourceNotFoundException,
                &format!("User pool client {client_id} does not exist."),
            );
    }
    assert_eq!(
        cognito
            .call("ListUserPoolClients", &json!({"UserPoolId": POOL}))
            .await
            .assert_success(),
        &json!({"UserPoolClients": []})
    );
}
