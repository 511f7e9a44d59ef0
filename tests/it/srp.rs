//! SRP sign-in (cognito-semantics.md §SRP) and SECRET_HASH (§SH). The client side of the SRP
//! exchange is written here again, the way the SDKs write it (numbers as hexadecimal strings,
//! `padHex`), with the same well-kept crates, so a mistake in the harness's maths does not cancel
//! out. The real-client check is `amazon_cognito_identity_js_signs_in_with_srp` below.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use assert_json_diff::assert_json_eq;
use base64::Engine as _;
use cognito_harness::pool::AppClient;
use cognito_harness::{Cognito, Functions, Outcome, UserStatus};
use hmac::{Hmac, Mac};
use num_bigint_dig::BigUint;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::recorder::{self, config, seed_user, Recorded, CLIENT_ID, POOL_ID};
use crate::serve_process::ServeProcess;
use crate::support::root;

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";
const SECRET_CLIENT: &str = "5ecret0srp0client000000abc";
const SECRET: &str = "s3cr3t0f0the0client";

/// RFC 3526's 3072-bit prime, as the SDKs spell it.
const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

fn big(hex: &str) -> BigUint {
    BigUint::parse_bytes(hex.as_bytes(), 16).unwrap()
}

/// The SDKs' padHex: even length, and `00` in front when the first digit has the top bit set.
fn pad_hex(n: &BigUint) -> String {
    let mut hex = n.to_str_radix(16);
    if hex.len() % 2 == 1 {
        hex.insert(0, '0');
    } else if "89abcdef".contains(&hex[..1]) {
        hex.insert_str(0, "00");
    }
    hex
}

fn hex_hash(hex: &str) -> String {
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect::<Vec<_>>();
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One SDK-side SRP sign-in: the private `a`, then the claim for the challenge.
struct SrpClient {
    a: BigUint,
    big_a: BigUint,
}

impl SrpClient {
    fn new() -> SrpClient {
        let n = big(N_HEX);
        let a = BigUint::from_bytes_be(&rand_bytes(128)) % &n;
        let big_a = BigUint::from(2u32).modpow(&a, &n);
        SrpClient { a, big_a }
    }

    fn srp_a(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// The ChallengeResponses for `challenge`, signing `password` at `timestamp`.
    fn answer(&self, challenge: &Value, password: &str, timestamp: &str) -> Value {
        let p = &challenge["ChallengeParameters"];
        let user_id = p["USER_ID_FOR_SRP"].as_str().unwrap();
        let n = big(N_HEX);
        let g = BigUint::from(2u32);
        let k = big(&hex_hash(&format!("{}{}", pad_hex(&n), pad_hex(&g))));
        let b = big(p["SRP_B"].as_str().unwrap());
        let salt = big(p["SALT"].as_str().unwrap());
        let u = big(&hex_hash(&format!(
            "{}{}",
            pad_hex(&self.big_a),
            pad_hex(&b)
        )));
        let pool_name = POOL_ID.split('_').nth(1).unwrap();
        let identity: String = Sha256::digest(format!("{pool_name}{user_id}:{password}"))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let x = big(&hex_hash(&format!("{}{identity}", pad_hex(&salt))));
        let gx = g.modpow(&x, &n);
        let base = (&b + &k * &n - (&k * &gx) % &n) % &n;
        let s = base.modpow(&(&self.a + &u * &x), &n);
        let ikm = hex_bytes(&pad_hex(&s));
        let salt_u = hex_bytes(&pad_hex(&u));
        let mut key = [0u8; 16];
        hkdf::Hkdf::<Sha256>::new(Some(&salt_u), &ikm)
            .expand(b"Caldera Derived Key", &mut key)
            .unwrap();
        let block = p["SECRET_BLOCK"].as_str().unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(pool_name.as_bytes());
        mac.update(user_id.as_bytes());
        mac.update(&b64().decode(block).unwrap());
        mac.update(timestamp.as_bytes());
        let signature = b64().encode(mac.finalize().into_bytes());
        json!({"USERNAME": user_id, "PASSWORD_CLAIM_SECRET_BLOCK": block,
               "PASSWORD_CLAIM_SIGNATURE": signature, "TIMESTAMP": timestamp})
    }
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn rand_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|_| rand::random::<u8>()).collect()
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

const TIMESTAMP: &str = "Wed Dec 2 06:05:09 UTC 2026";

fn secret_hash(username: &str, client_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{username}{client_id}").as_bytes());
    b64().encode(mac.finalize().into_bytes())
}

/// The recorder's pool (CLIENT_ID allows SRP by default) with the authentication triggers
/// recording, alice seeded, and a client with a secret.
fn pool() -> (Cognito, Recorded, Recorded, Recorded) {
    let mut functions = Functions::new();
    let pre = recorder::recording(&mut functions, "pre-authentication", Ok);
    let post = recorder::recording(&mut functions, "post-authentication", Ok);
    let ptg = recorder::recording(&mut functions, "pre-token-generation", Ok);
    let cognito = recorder::cognito(
        functions,
        config(json!({"LambdaConfig": {
            "PreAuthentication": format!("{ARN}pre-authentication"),
            "PostAuthentication": format!("{ARN}post-authentication"),
            "PreTokenGeneration": format!("{ARN}pre-token-generation"),
        }})),
    );
    seed_user(&cognito, "alice", &[("email", "alice@example.com")]);
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client(AppClient {
            client_id: SECRET_CLIENT.into(),
            client_name: "backend".into(),
            client_secret: Some(SECRET.into()),
            explicit_auth_flows: vec![
                "ALLOW_USER_SRP_AUTH".into(),
                "ALLOW_USER_PASSWORD_AUTH".into(),
                "ALLOW_REFRESH_TOKEN_AUTH".into(),
            ],
        })
    });
    (cognito, pre, post, ptg)
}

fn initiate(client: &SrpClient, username: &str) -> Value {
    json!({"ClientId": CLIENT_ID, "AuthFlow": "USER_SRP_AUTH",
           "AuthParameters": {"USERNAME": username, "SRP_A": client.srp_a()}})
}

fn respond(responses: Value) -> Value {
    json!({"ClientId": CLIENT_ID, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": responses})
}

fn sources(outcome: &Outcome) -> Vec<&str> {
    outcome
        .triggers
        .iter()
        .map(|t| t.trigger_source.name())
        .collect()
}

fn error(outcome: &Outcome) -> Value {
    outcome.error().expect("the call failed").to_json()
}

fn incorrect() -> Value {
    json!({"__type": "NotAuthorizedException", "message": "Incorrect username or password."})
}

#[tokio::test]
async fn the_password_verifier_challenge_signs_in_with_the_right_password() {
    let (cognito, pre, post, ptg) = pool();
    let client = SrpClient::new();
    let challenge = cognito
        .call("InitiateAuth", &initiate(&client, "alice"))
        .await;
    assert!(
        challenge.triggers.is_empty(),
        "no trigger before the answer"
    );
    let challenge = challenge.result.unwrap();
    assert_eq!(challenge["ChallengeName"], "PASSWORD_VERIFIER");
    assert!(challenge.get("Session").is_none());
    let parameters = challenge["ChallengeParameters"].as_object().unwrap();
    let names: Vec<&str> = parameters.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "SALT",
            "SECRET_BLOCK",
            "SRP_B",
            "USERNAME",
            "USER_ID_FOR_SRP"
        ]
    );
    assert_eq!(parameters["USER_ID_FOR_SRP"], "alice");

    let metadata = json!({"app": "web"});
    let mut answer = respond(client.answer(&challenge, "Passw0rd!", TIMESTAMP));
    answer["ClientMetadata"] = metadata.clone();
    let signed_in = cognito.call("RespondToAuthChallenge", &answer).await;
    assert_eq!(
        sources(&signed_in),
        [
            "PreAuthentication_Authentication",
            "TokenGeneration_Authentication",
            "PostAuthentication_Authentication"
        ]
    );
    let result = signed_in.result.unwrap();
    assert_eq!(result["ChallengeParameters"], json!({}));
    let tokens = &result["AuthenticationResult"];
    assert!(tokens["AccessToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert!(tokens["RefreshToken"].as_str().is_some());
    // The answer's ClientMetadata is PreAuthentication's validationData.
    assert_eq!(pre.only()["request"]["validationData"], metadata);
    assert_eq!(post.count(), 1);
    assert_eq!(ptg.count(), 1);

    // The secret block signs in once.
    let again = cognito.call("RespondToAuthChallenge", &answer).await;
    assert_eq!(error(&again), incorrect());
}

#[tokio::test]
async fn a_wrong_password_or_a_tampered_claim_is_incorrect() {
    let (cognito, pre, post, _) = pool();
    let client = SrpClient::new();
    let challenge = cognito
        .call("InitiateAuth", &initiate(&client, "alice"))
        .await
        .result
        .unwrap();
    let wrong = respond(client.answer(&challenge, "Wr0ngpass!", TIMESTAMP));
    let outcome = cognito.call("RespondToAuthChallenge", &wrong).await;
    assert_eq!(error(&outcome), incorrect());
    // PreAuthentication ran (before the claim is checked); PostAuthentication did not.
    assert_eq!(pre.count(), 1);
    assert_eq!(post.count(), 0);

    // A claim signed for another time than the TIMESTAMP sent.
    let challenge = cognito
        .call("InitiateAuth", &initiate(&client, "alice"))
        .await
        .result
        .unwrap();
    let mut answer = client.answer(&challenge, "Passw0rd!", TIMESTAMP);
    answer["TIMESTAMP"] = json!("Wed Dec 2 06:05:10 UTC 2026");
    let outcome = cognito
        .call("RespondToAuthChallenge", &respond(answer))
        .await;
    assert_eq!(error(&outcome), incorrect());

    // A zero-padded day is read as a date, but Cognito signs `2`, not `02` (warrant#12).
    let challenge = cognito
        .call("InitiateAuth", &initiate(&client, "alice"))
        .await
        .result
        .unwrap();
    let padded = "Wed Dec 02 06:05:09 UTC 2026";
    let outcome = cognito
        .call(
            "RespondToAuthChallenge",
            &respond(client.answer(&challenge, "Passw0rd!", padded)),
        )
        .await;
    assert_eq!(error(&outcome), incorrect());
}

#[tokio::test]
async fn malformed_srp_parameters_get_cognitos_exceptions() {
    let (cognito, _, _, _) = pool();
    let call = |request: Value| {
        let cognito = &cognito;
        async move { error(&cognito.call("InitiateAuth", &request).await) }
    };
    let no_a = json!({"ClientId": CLIENT_ID, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": "alice"}});
    assert_eq!(
        call(no_a).await,
        json!({"__type": "InvalidParameterException", "message": "Missing required parameter SRP_A"})
    );
    let mut zero = initiate(&SrpClient::new(), "alice");
    zero["AuthParameters"]["SRP_A"] = json!(N_HEX);
    assert_eq!(
        call(zero).await,
        json!({"__type": "InvalidParameterException", "message": "SRP_A mod N cannot be 0."})
    );
    let mut not_hex = initiate(&SrpClient::new(), "alice");
    not_hex["AuthParameters"]["SRP_A"] = json!("xyz");
    assert_eq!(
        call(not_hex).await,
        json!({"__type": "InvalidParameterException", "message": "SRP_A must be a hexadecimal number."})
    );

    let client = SrpClient::new();
    let challenge = cognito
        .call("InitiateAuth", &initiate(&client, "alice"))
        .await
        .result
        .unwrap();
    let mut answer = client.answer(&challenge, "Passw0rd!", TIMESTAMP);
    answer["TIMESTAMP"] = json!("2026-12-02T06:05:09Z");
    let outcome = cognito
        .call("RespondToAuthChallenge", &respond(answer.clone()))
        .await;
    assert_eq!(
        error(&outcome),
        json!({"__type": "InvalidParameterException",
               "message": "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."})
    );
    answer
        .as_object_mut()
        .unwrap()
        .remove("PASSWORD_CLAIM_SIGNATURE");
    let outcome = cognito
        .call("RespondToAuthChallenge", &respond(answer))
        .await;
    assert_eq!(
        error(&outcome),
        json!({"__type": "InvalidParameterException",
               "message": "Missing required parameter PASSWORD_CLAIM_SIGNATURE"})
    );
}

#[tokio::test]
async fn an_unknown_user_gets_a_decoy_challenge_or_user_not_found() {
    let (cognito, pre, _, _) = pool();
    let client = SrpClient::new();
    // The recorder's client hides user existence (ENABLED, the default for new clients).
    let challenge = cognito
        .call("InitiateAuth", &initiate(&client, "nobody"))
        .await
        .result
        .unwrap();
    assert_eq!(challenge["ChallengeName"], "PASSWORD_VERIFIER");
    assert_eq!(
        challenge["ChallengeParameters"]["USER_ID_FOR_SRP"],
        "nobody"
    );
    let outcome = cognito
        .call(
            "RespondToAuthChallenge",
            &respond(client.answer(&challenge, "Passw0rd!", TIMESTAMP)),
        )
        .await;
    assert_eq!(error(&outcome), incorrect());
    assert_eq!(pre.only()["request"]["userNotFound"], json!(true));

    // A LEGACY client says so at once.
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client_description(CLIENT_ID, json!({"PreventUserExistenceErrors": "LEGACY"}))
    });
    let outcome = cognito
        .call("InitiateAuth", &initiate(&client, "nobody"))
        .await;
    assert_eq!(
        error(&outcome),
        json!({"__type": "UserNotFoundException", "message": "User does not exist."})
    );
}

#[tokio::test]
async fn srp_never_migrates_an_unknown_user() {
    let mut functions = Functions::new();
    let migration = recorder::recording(&mut functions, "migrate", Ok);
    let cognito = recorder::cognito(
        functions,
        config(json!({"LambdaConfig": {"UserMigration": format!("{ARN}migrate")}})),
    );
    let client = SrpClient::new();
    let challenge = cognito
        .call("InitiateAuth", &initiate(&client, "legacy-user"))
        .await;
    assert!(challenge.triggers.is_empty());
    let outcome = cognito
        .call(
            "RespondToAuthChallenge",
            &respond(client.answer(&challenge.result.unwrap(), "Passw0rd!", TIMESTAMP)),
        )
        .await;
    assert_eq!(error(&outcome), incorrect());
    assert_eq!(migration.count(), 0);
}

#[tokio::test]
async fn an_admin_srp_sign_in_and_a_first_sign_in_with_a_temporary_password() {
    let (cognito, _, _, _) = pool();
    cognito.with_pool_mut(POOL_ID, |p| {
        p.find_user_mut("alice").unwrap().status = UserStatus::ForceChangePassword;
    });
    let client = SrpClient::new();
    let mut request = initiate(&client, "alice");
    request["UserPoolId"] = json!(POOL_ID);
    let challenge = cognito
        .call("AdminInitiateAuth", &request)
        .await
        .result
        .unwrap();
    let mut answer = respond(client.answer(&challenge, "Passw0rd!", TIMESTAMP));
    answer["UserPoolId"] = json!(POOL_ID);
    let next = cognito
        .call("AdminRespondToAuthChallenge", &answer)
        .await
        .result
        .unwrap();
    assert_eq!(next["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    assert!(next["Session"].as_str().is_some());
}

#[tokio::test]
async fn a_client_with_a_secret_checks_the_secret_hash_everywhere() {
    let (cognito, _, _, _) = pool();
    let client = SrpClient::new();
    let srp = |hash: Option<String>| {
        let mut parameters = json!({"USERNAME": "alice", "SRP_A": client.srp_a()});
        if let Some(hash) = hash {
            parameters["SECRET_HASH"] = json!(hash);
        }
        json!({"ClientId": SECRET_CLIENT, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": parameters})
    };
    assert_eq!(
        error(&cognito.call("InitiateAuth", &srp(None)).await),
        json!({"__type": "NotAuthorizedException",
               "message": format!("Client {SECRET_CLIENT} is configured with secret but SECRET_HASH was not received")})
    );
    let wrong = secret_hash("bob", SECRET_CLIENT);
    assert_eq!(
        error(&cognito.call("InitiateAuth", &srp(Some(wrong))).await),
        json!({"__type": "NotAuthorizedException",
               "message": format!("Unable to verify secret hash for client {SECRET_CLIENT}")})
    );
    let hash = secret_hash("alice", SECRET_CLIENT);
    let challenge = cognito
        .call("InitiateAuth", &srp(Some(hash.clone())))
        .await
        .result
        .unwrap();
    let mut responses = client.answer(&challenge, "Passw0rd!", TIMESTAMP);
    let mut answer = json!({"ClientId": SECRET_CLIENT, "ChallengeName": "PASSWORD_VERIFIER",
                            "ChallengeResponses": responses.clone()});
    assert_eq!(
        error(&cognito.call("RespondToAuthChallenge", &answer).await),
        json!({"__type": "NotAuthorizedException",
               "message": format!("Client {SECRET_CLIENT} is configured with secret but SECRET_HASH was not received")})
    );
    responses["SECRET_HASH"] = json!(hash);
    answer["ChallengeResponses"] = responses;
    let signed_in = cognito
        .call("RespondToAuthChallenge", &answer)
        .await
        .result
        .unwrap();
    let refresh_token = signed_in["AuthenticationResult"]["RefreshToken"].clone();

    // Refresh: the hash is over the user's name (or sub); a wrong one has its own text.
    let refresh = |hash: &str| {
        json!({"ClientId": SECRET_CLIENT, "AuthFlow": "REFRESH_TOKEN_AUTH",
               "AuthParameters": {"REFRESH_TOKEN": refresh_token, "SECRET_HASH": hash}})
    };
    assert_eq!(
        error(
            &cognito
                .call("InitiateAuth", &refresh(&secret_hash("bob", SECRET_CLIENT)))
                .await
        ),
        json!({"__type": "NotAuthorizedException",
               "message": format!("SecretHash does not match for the client: {SECRET_CLIENT}")})
    );
    let sub = recorder::stored_user(&cognito, "alice").unwrap().sub;
    assert!(cognito
        .call("InitiateAuth", &refresh(&secret_hash(&sub, SECRET_CLIENT)))
        .await
        .is_success());

    // The SecretHash member of the sign-up and code calls.
    let sign_up = json!({"ClientId": SECRET_CLIENT, "Username": "carol", "Password": "Passw0rd!",
                         "UserAttributes": [{"Name": "email", "Value": "carol@example.com"}]});
    assert_eq!(
        error(&cognito.call("SignUp", &sign_up).await),
        json!({"__type": "NotAuthorizedException",
               "message": format!("Client {SECRET_CLIENT} is configured for secret but secret was not received")})
    );
    for (action, request) in [
        (
            "ForgotPassword",
            json!({"ClientId": SECRET_CLIENT, "Username": "alice"}),
        ),
        (
            "ResendConfirmationCode",
            json!({"ClientId": SECRET_CLIENT, "Username": "alice"}),
        ),
        (
            "ConfirmSignUp",
            json!({"ClientId": SECRET_CLIENT, "Username": "alice", "ConfirmationCode": "123456"}),
        ),
        (
            "ConfirmForgotPassword",
            json!({"ClientId": SECRET_CLIENT, "Username": "alice",
                                         "ConfirmationCode": "123456", "Password": "N3wPassw0rd!"}),
        ),
    ] {
        let mut request = request;
        request["SecretHash"] = json!(secret_hash("mallory", SECRET_CLIENT));
        assert_eq!(
            error(&cognito.call(action, &request).await),
            json!({"__type": "NotAuthorizedException",
                   "message": format!("Unable to verify secret hash for client {SECRET_CLIENT}")}),
            "{action}"
        );
    }
    let mut sign_up = sign_up;
    sign_up["SecretHash"] = json!(secret_hash("carol", SECRET_CLIENT));
    assert!(cognito.call("SignUp", &sign_up).await.is_success());
    // A client without a secret refuses a SecretHash.
    sign_up["ClientId"] = json!(CLIENT_ID);
    sign_up["Username"] = json!("dave");
    assert_eq!(
        error(&cognito.call("SignUp", &sign_up).await),
        json!({"__type": "InvalidParameterException",
               "message": format!("App client {CLIENT_ID} is not configured for secret but secret hash was received")})
    );
}

// --- The real client: amazon-cognito-identity-js against a `serve` process. ---

/// `target/node-cognito-identity/node_modules` with amazon-cognito-identity-js, installed on first
/// use; `None` when npm cannot reach its registry.
fn cognito_identity_js() -> Option<PathBuf> {
    static INSTALLED: OnceLock<Result<Option<PathBuf>, String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            crate::support::npm_install(
                "target/node-cognito-identity",
                "amazon-cognito-identity-js",
                "amazon-cognito-identity-js@6",
            )
        })
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn amazon_cognito_identity_js_signs_in_with_srp() {
    let Some(modules) = tokio::task::spawn_blocking(cognito_identity_js)
        .await
        .unwrap()
    else {
        eprintln!("SKIPPED amazon_cognito_identity_js_signs_in_with_srp: npm could not reach its registry to install amazon-cognito-identity-js");
        return;
    };
    let dir = std::env::temp_dir().join(format!("cognito-harness-srp-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let pool_id = "us-east-1_SrpNode01";
    std::fs::write(
        dir.join("pool.json"),
        json!({"UserPoolId": pool_id, "AutoVerifiedAttributes": ["email"]}).to_string(),
    )
    .unwrap();
    let serve = ServeProcess::start(&dir, &["--pool", "pool.json"]);
    let script = root().join("tests/it/js/srp_sign_in.mjs");
    let mut command = Command::new("node");
    command
        .arg(script)
        .arg(&modules)
        .arg(&serve.url)
        .arg(pool_id);
    let output = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .output()
        .await
        .expect("node runs");
    drop(serve);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "the script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let steps: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_json_eq!(
        steps,
        json!({
            "signUp": {"userConfirmed": false, "destination": "a***@e***"},
            "confirm": "SUCCESS",
            "wrongPassword": {"code": "NotAuthorizedException", "message": "Incorrect username or password."},
            "signIn": {"username": "ada", "email": "ada@example.com", "tokenUse": "access"},
            "refresh": {"sameUser": true, "newAccessToken": true},
            "updateAttributes": "SUCCESS",
            "attributes": {"email": "ada@example.com", "name": "Ada Lovelace"},
            "globalSignOut": "SUCCESS",
            "afterSignOut": {"code": "NotAuthorizedException", "message": "Access Token has been revoked"},
        })
    );
}
