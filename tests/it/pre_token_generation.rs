//! PreTokenGeneration (issue 12, item 3): the event of each version and source as the harness
//! sends it, and the claims of the tokens the call returns once the answer is applied.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use cognito_harness::pool::{PoolConfig, User, UserPool};
use cognito_harness::{handler, Cognito, ErrorCode, Functions, Outcome, ProcessFunction};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Map, Value};

use crate::support;

const POOL: &str = "us-east-1_PreToken1";
const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pre-token";
const SUB: &str = "0c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f";

/// An in-process PreTokenGeneration answer to an event.
type Answer = fn(Value) -> Result<Value, String>;

/// Cognito with the pool (LambdaConfig as given), alice (verified email, a tenant) and a client;
/// `answer` is the in-process handler; every event it received is kept.
fn cognito(lambda_config: Value, answer: Answer) -> (Cognito, String, Arc<Mutex<Vec<Value>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let mut functions = Functions::new();
    functions.bind(
        "pre-token",
        handler(service_fn(move |event: LambdaEvent<Value>| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(event.payload.clone());
                answer(event.payload).map_err(lambda_runtime::Error::from)
            }
        })),
    );
    let cognito = Cognito::new(functions);
    let client_id = add_pool(&cognito, lambda_config);
    (cognito, client_id, events)
}

fn add_pool(cognito: &Cognito, lambda_config: Value) -> String {
    let config: PoolConfig = serde_json::from_value(json!({
        "Schema": [{"Name": "tenant", "AttributeDataType": "String", "Mutable": true}],
        "LambdaConfig": lambda_config}))
    .unwrap();
    let mut pool = UserPool::with_id(POOL, config);
    let client = pool.add_client("web");
    let mut alice = User::new("alice")
        .with_attribute("email", "alice@example.com")
        .with_attribute("email_verified", "true")
        .with_attribute("custom:tenant", "acme");
    alice.sub = SUB.into();
    alice.password = Some("Passw0rd!".into());
    pool.put_user(alice);
    cognito.add_pool(pool);
    client.client_id
}

fn sign_in(client_id: &str) -> Value {
    json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
           "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"},
           "ClientMetadata": {"campaign": "spring"}})
}

fn claims(token: &Value) -> Map<String, Value> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = token.as_str().unwrap().split('.').nth(1).unwrap();
    serde_json::from_slice(&b64.decode(payload).unwrap()).unwrap()
}

/// The ID and access token claims of a successful sign-in.
fn tokens(outcome: &Outcome) -> (Map<String, Value>, Map<String, Value>) {
    let result = &outcome.response().expect("the call succeeded")["AuthenticationResult"];
    (claims(&result["IdToken"]), claims(&result["AccessToken"]))
}

fn v2() -> Value {
    json!({"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": ARN}})
}

fn with_response(mut event: Value, response: Value) -> Result<Value, String> {
    event["response"] = response;
    Ok(event)
}

#[tokio::test]
async fn a_v1_sign_in_sends_cognitos_event_and_its_answer_shapes_the_id_token() {
    let (cognito, client_id, events) = cognito(json!({"PreTokenGeneration": ARN}), |event| {
        with_response(
            event,
            json!({"claimsOverrideDetails": {
                "claimsToAddOrOverride": {"tenant": "acme", "email": "hidden@example.com"},
                "claimsToSuppress": ["custom:tenant", "email"],
                "groupOverrideDetails": {"groupsToOverride": ["admins"],
                    "iamRolesToOverride": ["arn:aws:iam::123456789012:role/admin"],
                    "preferredRole": "arn:aws:iam::123456789012:role/admin"}}}),
        )
    });
    let outcome = cognito.call("InitiateAuth", &sign_in(&client_id)).await;
    let verdict = outcome.verdict().unwrap();
    assert_eq!(verdict.rule.id, "pre-token-generation.accepted");
    assert_eq!(
        verdict.trigger_source.name(),
        "TokenGeneration_Authentication"
    );

    // InitiateAuth does not forward ClientMetadata to PreTokenGeneration (API-IA).
    let events = events.lock().unwrap().clone();
    assert_eq!(
        events,
        [
            json!({"version": "1", "region": "us-east-1", "userPoolId": POOL, "userName": "alice",
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
            "triggerSource": "TokenGeneration_Authentication",
            "request": {"userAttributes": {"sub": SUB, "cognito:user_status": "CONFIRMED",
                    "email": "alice@example.com", "email_verified": "true", "custom:tenant": "acme"},
                "groupConfiguration": {"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": null}},
            "response": {"claimsOverrideDetails": null}})
        ]
    );

    let (id, access) = tokens(&outcome);
    // Added, overridden-then-suppressed (suppression wins), groups in both tokens, roles in the ID token.
    assert_eq!(id["tenant"], "acme");
    assert!(!id.contains_key("email") && !id.contains_key("custom:tenant"));
    assert_eq!(id["cognito:groups"], json!(["admins"]));
    assert_eq!(
        id["cognito:roles"],
        json!(["arn:aws:iam::123456789012:role/admin"])
    );
    assert_eq!(
        id["cognito:preferred_role"],
        "arn:aws:iam::123456789012:role/admin"
    );
    assert_eq!(access["cognito:groups"], json!(["admins"]));
    let access_keys: Vec<&str> = access.keys().map(String::as_str).collect();
    assert_eq!(
        access_keys,
        [
            "sub",
            "cognito:groups",
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
    // A V1 answer has no access-token claims to give.
    assert!(!access.contains_key("tenant"));
}

#[tokio::test]
async fn a_v2_answer_customises_both_tokens_and_the_scopes() {
    let (cognito, client_id, events) = cognito(v2(), |event| {
        with_response(
            event,
            json!({"claimsAndScopeOverrideDetails": {
                "idTokenGeneration": {"claimsToAddOrOverride": {"tenant": {"id": "acme", "plan": 3}}},
                "accessTokenGeneration": {"claimsToAddOrOverride": {"roles": ["reader", "writer"]},
                    "claimsToSuppress": ["custom:nothing"],
                    "scopesToAdd": ["api/read", "api/write"], "scopesToSuppress": ["api/write"]}}}),
        )
    });
    let outcome = cognito.call("InitiateAuth", &sign_in(&client_id)).await;
    let event = events.lock().unwrap()[0].clone();
    assert_eq!(event["version"], "2");
    assert_eq!(
        event["request"]["scopes"],
        json!(["aws.cognito.signin.user.admin"])
    );
    assert_eq!(
        event["response"],
        json!({"claimsAndScopeOverrideDetails": null})
    );
    let (id, access) = tokens(&outcome);
    assert_eq!(id["tenant"], json!({"id": "acme", "plan": 3}));
    assert_eq!(access["roles"], json!(["reader", "writer"]));
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin api/read");
    assert!(!id.contains_key("roles") && !access.contains_key("tenant"));
}

#[tokio::test]
async fn refresh_and_new_password_sign_ins_fire_their_own_sources() {
    let (cognito, client_id, events) = cognito(v2(), Ok);
    let first = cognito.call("InitiateAuth", &sign_in(&client_id)).await;
    let refresh = first.response().unwrap()["AuthenticationResult"]["RefreshToken"].clone();
    let refreshed = cognito
        .call(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": refresh}}),
        )
        .await;
    assert!(refreshed.is_success());

    let create = json!({"UserPoolId": POOL, "Username": "nia", "TemporaryPassword": "Temp0rary!",
        "MessageAction": "SUPPRESS", "UserAttributes": [{"Name": "email", "Value": "nia@example.com"}]});
    assert!(cognito.call("AdminCreateUser", &create).await.is_success());
    let challenge = cognito
        .call(
            "AdminInitiateAuth",
            &json!({"UserPoolId": POOL, "ClientId": client_id,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "nia", "PASSWORD": "Temp0rary!"}}),
        )
        .await;
    let session = challenge.response().unwrap()["Session"].clone();
    let answered = cognito
        .call(
            "RespondToAuthChallenge",
            &json!({"ClientId": client_id,
            "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session,
            "ChallengeResponses": {"USERNAME": "nia", "NEW_PASSWORD": "Chosen-passw0rd"},
            "ClientMetadata": {"campaign": "spring"}}),
        )
        .await;
    assert!(answered.is_success());

    let events = events.lock().unwrap().clone();
    let sources: Vec<&str> = events
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "TokenGeneration_Authentication",
            "TokenGeneration_RefreshTokens",
            "TokenGeneration_NewPasswordChallenge"
        ]
    );
    // RespondToAuthChallenge forwards ClientMetadata (API-RTAC); InitiateAuth does not.
    assert_eq!(
        events[2]["request"]["clientMetadata"],
        json!({"campaign": "spring"})
    );
    assert!(events[0]["request"].get("clientMetadata").is_none());
    assert_eq!(
        events[2]["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );
}

#[tokio::test]
async fn reserved_claims_keep_cognitos_values_and_the_call_warns() {
    let (cognito, client_id, _) = cognito(v2(), |event| {
        with_response(
            event,
            json!({"claimsAndScopeOverrideDetails": {
                "idTokenGeneration": {"claimsToAddOrOverride": {"sub": "admin", "aud": "other", "role": "admin"},
                                      "claimsToSuppress": ["iss"]},
                "accessTokenGeneration": {"claimsToAddOrOverride": {"client_id": "other", "username": "root"},
                                          "claimsToSuppress": ["exp"]}}}),
        )
    });
    let outcome = cognito.call("InitiateAuth", &sign_in(&client_id)).await;
    let verdict = outcome.verdict().unwrap();
    assert_eq!(
        (verdict.rule.id, verdict.rule.grade.as_str()),
        ("pre-token-generation.reserved-claim-ignored", "assumed")
    );
    assert_eq!(
        outcome.warnings,
        ["PreTokenGeneration: Cognito ignores changes to claims a function may not touch: id:sub, id:aud, id:iss, access:client_id, access:username, access:exp"]
    );
    let (id, access) = tokens(&outcome);
    assert_eq!(
        (&id["sub"], &id["aud"], &id["role"]),
        (&json!(SUB), &json!(client_id), &json!("admin"))
    );
    assert!(id.contains_key("iss"));
    assert_eq!(
        (&access["client_id"], &access["username"]),
        (&json!(client_id), &json!("alice"))
    );
    assert!(access.contains_key("exp"));
}

#[tokio::test]
async fn unusable_answers_fail_the_sign_in_with_cognitos_exceptions() {
    let cases: [(Answer, ErrorCode, &str, &str); 3] = [
        (
            |_| Err("no tenant".into()),
            ErrorCode::UserLambdaValidationException,
            "PreTokenGeneration failed with error no tenant.",
            "function-error",
        ),
        (
            |_| Ok(Value::Null),
            ErrorCode::InvalidLambdaResponseException,
            "Invalid lambda function output : Invalid JSON",
            "output.invalid-json",
        ),
        (
            |event| {
                with_response(
                    event,
                    json!({"claimsAndScopeOverrideDetails": {
            "idTokenGeneration": {"claimsToSuppress": "email"}}}),
                )
            },
            ErrorCode::InvalidLambdaResponseException,
            "Unrecognizable lambda output",
            "output.unrecognizable",
        ),
    ];
    for (answer, code, message, rule) in cases {
        let (cognito, client_id, _) = cognito(v2(), answer);
        let outcome = cognito.call("InitiateAuth", &sign_in(&client_id)).await;
        let error = outcome.error().expect("the sign-in fails");
        assert_eq!((error.code, error.message.as_str()), (code, message));
        assert_eq!(outcome.verdict().unwrap().rule.id, rule);
    }
}

#[tokio::test]
async fn a_real_lambda_runtime_trigger_adds_the_tenant_claim() {
    let mut functions = Functions::new();
    functions.bind(
        "pre-token",
        ProcessFunction::new(
            "pre-token",
            [support::trigger("pre-token-generation-tenant")
                .display()
                .to_string()],
        ),
    );
    let cognito = Cognito::new(functions);
    let client_id = add_pool(&cognito, v2());
    let outcome = cognito.call("InitiateAuth", &sign_in(&client_id)).await;
    assert_eq!(
        outcome.verdict().unwrap().rule.id,
        "pre-token-generation.accepted"
    );
    let (id, access) = tokens(&outcome);
    assert_eq!(
        (&id["tenant"], &access["tenant"]),
        (&json!("acme"), &json!("acme"))
    );
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin api/read");
    // The function copied the (empty) group configuration: no groups claim.
    assert!(!id.contains_key("cognito:groups"));
}
