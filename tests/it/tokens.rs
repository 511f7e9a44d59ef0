//! Real tokens (issue 12, item 4): RS256 JWTs with Cognito's claims, signed with the pool's keys,
//! published at `/<pool>/.well-known/jwks.json` by `serve`, and accepted by real verifiers
//! (`jsonwebtoken` here, `aws-jwt-verify` in Node).

use std::process::Command;

use base64::Engine as _;
use cognito_harness::pool::{PoolConfig, User, UserPool};
use cognito_harness::Cognito;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Map, Value};

use crate::server::support::{call, http_client, raw, start_with};
use crate::support::{aws_jwt_verify, root};

const POOL: &str = "eu-west-1_Tokens1";

/// A pool with alice (verified email, a custom attribute) and a client allowing the password and
/// refresh flows; returns the client id.
fn pool(cognito: &Cognito) -> String {
    let config: PoolConfig = serde_json::from_value(json!({"Schema": [
        {"Name": "tier", "AttributeDataType": "String", "Mutable": true}]}))
    .unwrap();
    let mut pool = UserPool::with_id(POOL, config);
    let mut client = pool.add_client("web");
    client.explicit_auth_flows = vec![
        "ALLOW_USER_PASSWORD_AUTH".into(),
        "ALLOW_REFRESH_TOKEN_AUTH".into(),
    ];
    pool.put_client(client.clone());
    let mut alice = User::new("alice").with_attribute("email", "alice@example.com");
    alice
        .attributes
        .insert("email_verified".into(), "true".into());
    alice.attributes.insert("custom:tier".into(), "gold".into());
    alice.password = Some("Passw0rd!".into());
    pool.put_user(alice);
    cognito.add_pool(pool);
    client.client_id
}

fn sign_in(client_id: &str) -> Value {
    json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
           "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}})
}

/// The header and claims of a JWT, decoded without checking anything.
fn decode(token: &str) -> (Map<String, Value>, Map<String, Value>) {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let part = |i: usize| -> Map<String, Value> {
        let bytes = b64.decode(token.split('.').nth(i).unwrap()).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    (part(0), part(1))
}

fn keys(claims: &Map<String, Value>) -> Vec<&str> {
    claims.keys().map(String::as_str).collect()
}

#[tokio::test]
async fn sign_in_tokens_carry_cognitos_claims_in_cognitos_order() {
    let cognito = Cognito::default();
    let client_id = pool(&cognito);
    let result = cognito
        .call("InitiateAuth", &sign_in(&client_id))
        .await
        .result
        .unwrap();
    let tokens = &result["AuthenticationResult"];
    let sub = cognito
        .with_pool(POOL, |p| p.find_user("alice").unwrap().sub.clone())
        .unwrap();

    let (id_header, id) = decode(tokens["IdToken"].as_str().unwrap());
    let (access_header, access) = decode(tokens["AccessToken"].as_str().unwrap());
    assert_eq!(keys(&id_header), ["kid", "alg"]);
    assert_eq!(id_header["alg"], "RS256");
    // Cognito signs the two tokens with different keys (§7.1).
    assert_ne!(id_header["kid"], access_header["kid"]);

    assert_eq!(
        keys(&access),
        [
            "sub",
            "iss",
            "client_id",
            "origin_jti",
            "event_id",
            "token_use",
            "scope",
            "auth_time",
            "exp",
            "iat",
            "jti",
            "username"
        ]
    );
    assert_eq!(
        keys(&id),
        [
            "sub",
            "email_verified",
            "iss",
            "cognito:username",
            "origin_jti",
            "aud",
            "event_id",
            "token_use",
            "auth_time",
            "exp",
            "iat",
            "jti",
            "email",
            "custom:tier"
        ]
    );
    let iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Tokens1";
    let iat = access["iat"].as_u64().unwrap();
    assert_eq!(
        (
            &access["sub"],
            &access["iss"],
            &access["client_id"],
            &access["token_use"]
        ),
        (
            &json!(sub),
            &json!(iss),
            &json!(client_id),
            &json!("access")
        )
    );
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["username"], "alice");
    assert_eq!(
        (access["auth_time"].as_u64(), access["exp"].as_u64()),
        (Some(iat), Some(iat + 3600))
    );
    assert_eq!(
        (
            &id["sub"],
            &id["iss"],
            &id["aud"],
            &id["token_use"],
            &id["cognito:username"]
        ),
        (
            &json!(sub),
            &json!(iss),
            &json!(client_id),
            &json!("id"),
            &json!("alice")
        )
    );
    assert_eq!(
        (&id["email_verified"], &id["email"], &id["custom:tier"]),
        (&json!(true), &json!("alice@example.com"), &json!("gold"))
    );
    // One sign-in: the same origin_jti and event_id in both tokens, each token its own jti.
    assert_eq!(id["origin_jti"], access["origin_jti"]);
    assert_eq!(id["event_id"], access["event_id"]);
    assert_ne!(id["jti"], access["jti"]);

    // A refresh keeps the sign-in's auth_time and origin_jti, with a new event and new jtis.
    cognito.advance_clock(60);
    let refresh = json!({"ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}});
    let refreshed = cognito.call("InitiateAuth", &refresh).await.result.unwrap();
    let (_, again) = decode(
        refreshed["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        (&again["auth_time"], &again["origin_jti"]),
        (&access["auth_time"], &access["origin_jti"])
    );
    assert!(again["iat"].as_u64().unwrap() >= iat + 60);
    assert_ne!(again["event_id"], access["event_id"]);
    assert_ne!(again["jti"], access["jti"]);
}

#[tokio::test]
async fn only_unexpired_tokens_the_pool_signed_are_accepted() {
    let cognito = Cognito::default();
    let client_id = pool(&cognito);
    let result = cognito
        .call("InitiateAuth", &sign_in(&client_id))
        .await
        .result
        .unwrap();
    let token = result["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let update = |token: &str| json!({"AccessToken": token, "UserAttributes": [{"Name": "name", "Value": "Alice"}]});
    assert!(cognito
        .call("UpdateUserAttributes", &update(&token))
        .await
        .is_success());
    let user = cognito
        .call("GetUser", &json!({"AccessToken": token}))
        .await
        .result
        .unwrap();
    assert_eq!(user["Username"], "alice");
    assert!(user["UserAttributes"]
        .as_array()
        .unwrap()
        .contains(&json!({"Name": "name", "Value": "Alice"})));

    // The same claims re-signed with another key: well-formed, but not this pool's signature.
    let (_, claims) = decode(&token);
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"not the pool's key"),
    )
    .unwrap();
    let refused = cognito.call("UpdateUserAttributes", &update(&forged)).await;
    assert_eq!(
        refused.error().unwrap().to_json(),
        json!({"__type": "NotAuthorizedException", "message": "Invalid Access Token"})
    );

    cognito.advance_clock(3600);
    let expired = cognito.call("UpdateUserAttributes", &update(&token)).await;
    assert_eq!(
        expired.error().unwrap().to_json(),
        json!({"__type": "NotAuthorizedException", "message": "Access Token has expired"})
    );
    let expired = cognito
        .call("GetUser", &json!({"AccessToken": token}))
        .await;
    assert_eq!(expired.error().unwrap().message, "Access Token has expired");
}

/// Starts `serve` with the pool and signs alice in over the wire: (url, client id, tokens).
async fn served_sign_in() -> (crate::server::support::Running, String, Value) {
    let cognito = Cognito::default();
    let client_id = pool(&cognito);
    let running = start_with(cognito).await;
    let reply = call(
        &http_client(),
        &running.url(),
        "InitiateAuth",
        &sign_in(&client_id),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    (
        running,
        client_id,
        reply.body["AuthenticationResult"].clone(),
    )
}

#[tokio::test]
async fn the_jsonwebtoken_crate_verifies_served_tokens_with_the_served_jwks() {
    let (running, client_id, tokens) = served_sign_in().await;
    let issuer = format!("{}/{POOL}", running.url());
    let http = http_client();

    let reply = raw(
        &http,
        &running.url(),
        "GET",
        &format!("/{POOL}/.well-known/jwks.json"),
        &[],
        String::new(),
    )
    .await;
    assert_eq!(
        (reply.status, reply.header("content-type")),
        (200, Some("application/json"))
    );
    let jwks: JwkSet = serde_json::from_value(reply.body.clone()).unwrap();
    assert_eq!(jwks.keys.len(), 2);
    for key in reply.body["keys"].as_array().unwrap() {
        let members: Vec<&str> = key
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(members, ["alg", "e", "kid", "kty", "n", "use"]);
        assert_eq!(
            (&key["alg"], &key["kty"], &key["use"], &key["e"]),
            (
                &json!("RS256"),
                &json!("RSA"),
                &json!("sig"),
                &json!("AQAB")
            )
        );
    }

    let verify = |token: &str, audience: Option<&str>| -> Map<String, Value> {
        let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
        let jwk = jwks.find(&kid).expect("the token's kid is in the JWKS");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&issuer]);
        match audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        jsonwebtoken::decode::<Map<String, Value>>(
            token,
            &DecodingKey::from_jwk(jwk).unwrap(),
            &validation,
        )
        .expect("the token verifies")
        .claims
    };
    let id = verify(tokens["IdToken"].as_str().unwrap(), Some(&client_id));
    let access = verify(tokens["AccessToken"].as_str().unwrap(), None);
    assert_eq!(
        (&id["iss"], &id["token_use"]),
        (&json!(issuer), &json!("id"))
    );
    assert_eq!(
        (&access["client_id"], &access["token_use"]),
        (&json!(client_id), &json!("access"))
    );

    let discovery = raw(
        &http,
        &running.url(),
        "GET",
        &format!("/{POOL}/.well-known/openid-configuration"),
        &[],
        String::new(),
    )
    .await;
    assert_eq!(discovery.status, 200);
    assert_eq!(discovery.body["issuer"], json!(issuer));
    assert_eq!(
        discovery.body["jwks_uri"],
        json!(format!("{issuer}/.well-known/jwks.json"))
    );
    assert_eq!(
        discovery.body["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
}

#[tokio::test]
async fn aws_jwt_verify_accepts_served_tokens() {
    let Some(modules) = tokio::task::spawn_blocking(aws_jwt_verify).await.unwrap() else {
        eprintln!("SKIPPED aws_jwt_verify_accepts_served_tokens: npm could not reach its registry to install aws-jwt-verify");
        return;
    };
    let (running, client_id, tokens) = served_sign_in().await;
    let issuer = format!("{}/{POOL}", running.url());
    let script = root().join("tests/it/js/verify_tokens.mjs");
    let mut command = Command::new("node");
    command
        .arg(script)
        .arg(&modules)
        .arg(&issuer)
        .arg(&client_id)
        .arg(tokens["IdToken"].as_str().unwrap())
        .arg(tokens["AccessToken"].as_str().unwrap());
    let output = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .output()
        .await
        .expect("node runs");
    assert!(
        output.status.success(),
        "aws-jwt-verify refused the tokens: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verified: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(verified["id"]["cognito:username"], "alice");
    assert_eq!(verified["id"]["aud"], json!(client_id));
    assert_eq!(verified["access"]["username"], "alice");
    assert_eq!(verified["access"]["iss"], json!(issuer));
}
