//! The state store at library level (issue 13 item 5): a `Cognito` with a `Store` attached
//! writes each call's changes; a new `Cognito` on the same file gets the pools back (users with
//! their passwords and codes, groups, app clients, tokens that still work, the outbox), and
//! deleted users and pools stay deleted. Also the `AppClients` member of pool files.

use std::path::{Path, PathBuf};

use cognito_harness::pool::{PoolConfig, UserPool};
use cognito_harness::{Cognito, Durability, Error, Store};
use serde_json::{json, Value};

const POOL: &str = "us-east-1_Stored";
const OTHER: &str = "us-east-1_Dropped";

fn temp_file() -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("cognito-harness-store-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.db");
    (dir, file)
}

fn open(file: &Path) -> (Cognito, Vec<String>) {
    let mut cognito = Cognito::default();
    let store = Store::open(file, Durability::ProcessCrash).expect("the state file opens");
    let loaded = cognito.attach_store(store).expect("the state loads");
    (cognito, loaded)
}

async fn ok(cognito: &Cognito, action: &str, request: Value) -> Value {
    let outcome = cognito.call(action, &request).await;
    outcome
        .result
        .unwrap_or_else(|e| panic!("{action}: {} {}", e.code, e.message))
}

fn claims(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn a_new_service_on_the_same_file_has_every_change() {
    let (dir, file) = temp_file();
    let (client_id, refresh, access, code) = {
        let (cognito, loaded) = open(&file);
        assert!(loaded.is_empty());
        let config: PoolConfig =
            serde_json::from_value(json!({"AutoVerifiedAttributes": ["email"]})).unwrap();
        let mut pool = UserPool::with_id(POOL, config);
        let client_id = pool.add_client("app").client_id;
        cognito.add_pool(pool);
        cognito.add_pool(UserPool::with_id(OTHER, PoolConfig::default()));
        cognito.persist().unwrap();
        let sign_up = |name: &str| {
            json!({"ClientId": client_id, "Username": name, "Password": "Passw0rd!",
                   "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")}]})
        };
        ok(&cognito, "SignUp", sign_up("alice")).await;
        ok(
            &cognito,
            "AdminConfirmSignUp",
            json!({"UserPoolId": POOL, "Username": "alice"}),
        )
        .await;
        ok(&cognito, "SignUp", sign_up("carol")).await;
        ok(
            &cognito,
            "AdminDeleteUser",
            json!({"UserPoolId": POOL, "Username": "carol"}),
        )
        .await;
        ok(&cognito, "SignUp", sign_up("bob")).await;
        let code = cognito.last_code(POOL, "bob").unwrap();
        ok(
            &cognito,
            "CreateGroup",
            json!({"UserPoolId": POOL, "GroupName": "admins"}),
        )
        .await;
        ok(
            &cognito,
            "AdminAddUserToGroup",
            json!({"UserPoolId": POOL, "Username": "alice", "GroupName": "admins"}),
        )
        .await;
        let auth = ok(
            &cognito,
            "InitiateAuth",
            json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
        )
        .await;
        ok(&cognito, "DeleteUserPool", json!({"UserPoolId": OTHER})).await;
        let result = &auth["AuthenticationResult"];
        (
            client_id,
            result["RefreshToken"].as_str().unwrap().to_string(),
            result["AccessToken"].as_str().unwrap().to_string(),
            code,
        )
    };

    let (cognito, loaded) = open(&file);
    assert_eq!(loaded, vec![POOL.to_string()]);
    let users: Vec<(String, String)> = cognito
        .with_pool(POOL, |p| {
            p.users()
                .map(|u| (u.username.clone(), u.status.as_str().to_string()))
                .collect()
        })
        .unwrap();
    assert_eq!(
        users,
        vec![
            ("alice".to_string(), "CONFIRMED".to_string()),
            ("bob".to_string(), "UNCONFIRMED".to_string())
        ]
    );
    // The code sent before the restart confirms bob after it; the outbox still shows it.
    assert_eq!(cognito.last_code(POOL, "bob"), Some(code.clone()));
    ok(
        &cognito,
        "ConfirmSignUp",
        json!({"ClientId": client_id, "Username": "bob", "ConfirmationCode": code}),
    )
    .await;
    let user = ok(&cognito, "GetUser", json!({"AccessToken": access})).await;
    assert_eq!(user["Username"], json!("alice"));
    let refreshed = ok(
        &cognito,
        "InitiateAuth",
        json!({"ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
               "AuthParameters": {"REFRESH_TOKEN": refresh}}),
    )
    .await;
    let id_token = refreshed["AuthenticationResult"]["IdToken"]
        .as_str()
        .unwrap();
    assert_eq!(claims(id_token)["cognito:groups"], json!(["admins"]));
    // Signing out revokes the old access token, and that too survives a restart.
    ok(&cognito, "GlobalSignOut", json!({"AccessToken": access})).await;
    drop(cognito);
    let (cognito, _) = open(&file);
    let outcome = cognito
        .call("GetUser", &json!({"AccessToken": access}))
        .await;
    assert_eq!(
        outcome.error().map(|e| e.message.as_str()),
        Some("Access Token has been revoked")
    );
    let outcome = cognito
        .call(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
                    "AuthParameters": {"REFRESH_TOKEN": refresh}}),
        )
        .await;
    assert!(
        outcome.error().is_some(),
        "the signed-out refresh token still works"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn app_clients_error(clients: Value) -> (String, String) {
    let (dir, _) = temp_file();
    let path = dir.join("pool.json");
    std::fs::write(
        &path,
        json!({"UserPoolId": POOL, "AppClients": clients}).to_string(),
    )
    .unwrap();
    let result = Cognito::default().add_pool_file(&path);
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Err(Error::Input {
            json_path, message, ..
        }) => (json_path, message),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn pool_files_preset_app_clients_with_fixed_ids_and_secrets() {
    let (dir, _) = temp_file();
    let path = dir.join("pool.json");
    std::fs::write(
        &path,
        json!({"UserPoolId": POOL, "AppClients": [
            {"ClientName": "web", "ClientId": "webclient1", "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]},
            {"ClientName": "server", "ClientId": "serverclient1", "ClientSecret": "s3cretS3cretS3cretS3cret"}
        ]})
        .to_string(),
    )
    .unwrap();
    let cognito = Cognito::default();
    cognito.add_pool_file(&path).unwrap();
    let clients: Vec<(String, String, Option<String>, Vec<String>)> = cognito
        .with_pool(POOL, |p| {
            p.clients()
                .map(|c| {
                    (
                        c.client_id.clone(),
                        c.client_name.clone(),
                        c.client_secret.clone(),
                        c.explicit_auth_flows.clone(),
                    )
                })
                .collect()
        })
        .unwrap();
    assert_eq!(
        clients,
        vec![
            (
                "serverclient1".into(),
                "server".into(),
                Some("s3cretS3cretS3cretS3cret".into()),
                vec![]
            ),
            (
                "webclient1".into(),
                "web".into(),
                None,
                vec!["ALLOW_USER_SRP_AUTH".into()]
            ),
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_app_clients_name_the_json_path() {
    assert_eq!(
        app_clients_error(json!({"ClientName": "web"})),
        (
            "$.AppClients".into(),
            "expected a list of app clients (CreateUserPoolClient members with a ClientId), found {\"ClientName\":\"web\"}".into()
        )
    );
    assert_eq!(
        app_clients_error(json!([{"ClientName": "web"}])),
        (
            "$.AppClients[0].ClientId".into(),
            "expected the client's fixed id (a string of 1-128 word characters)".into()
        )
    );
    assert_eq!(
        app_clients_error(json!([{"ClientName": "web", "ClientId": "a", "CallbackUrls": []}])),
        (
            "$.AppClients[0].CallbackUrls".into(),
            "unknown member `CallbackUrls` (not part of the CreateUserPoolClient request shape, nor ClientId or ClientSecret)".into()
        )
    );
    assert_eq!(
        app_clients_error(
            json!([{"ClientName": "web", "ClientId": "a"}, {"ClientName": "api", "ClientId": "a"}])
        ),
        (
            "$.AppClients[1].ClientId".into(),
            "ClientId a is already used by another entry".into()
        )
    );
    let (path, message) = app_clients_error(json!([{"ClientName": "web", "ClientId": "bad id"}]));
    assert_eq!(
        (path.as_str(), message.as_str()),
        ("$.AppClients[0].ClientId", "InvalidParameterException: 1 validation error detected: Value at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+]+")
    );
    let (path, _) = app_clients_error(
        json!([{"ClientName": "web", "ClientId": "a", "ExplicitAuthFlows": ["PASSWORD"]}]),
    );
    assert_eq!(path, "$.AppClients[0].ExplicitAuthFlows");
}
