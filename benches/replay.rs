//! Replays one AdminUpdateUserAttributes that fires an in-process CustomMessage handler (a typed
//! aws_lambda_events handler setting emailMessage/emailSubject), judged and committed, on a
//! current_thread tokio runtime; then one InitiateAuth (USER_PASSWORD_AUTH) that fires an
//! in-process V2_0 PreTokenGeneration handler adding a claim to both tokens, and signs the two
//! RS256 tokens. Prints the median and p90 per call of each.
//!
//! `cargo bench --bench replay` (optional arguments: iterations, warm-up iterations; the sign-in
//! runs a tenth of them, as RSA signing dominates it).

use std::time::{Duration, Instant};

use aws_lambda_events::cognito::{
    ClaimsAndScopeOverrideDetailsV2, CognitoAccessTokenGenerationV2,
    CognitoEventUserPoolsCustomMessage, CognitoEventUserPoolsPreTokenGenV2,
    CognitoIdTokenGenerationV2,
};
use cognito_harness::{handler, Cognito, Functions, PoolConfig, User, UserPool};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::json;

const POOL_ID: &str = "us-east-1_Bench0001";

async fn branded(
    event: LambdaEvent<CognitoEventUserPoolsCustomMessage>,
) -> Result<CognitoEventUserPoolsCustomMessage, lambda_runtime::Error> {
    let mut payload = event.payload;
    let code = payload.request.code_parameter.clone().unwrap_or_default();
    payload.response.email_subject = Some("Acme: confirm your new address".into());
    payload.response.email_message = Some(format!(
        "<p>Hello,</p><p>your Acme verification code is <b>{code}</b>.</p>"
    ));
    Ok(payload)
}

/// A V2_0 PreTokenGeneration handler: the user's tenant as a claim in both tokens.
async fn tenant(
    event: LambdaEvent<CognitoEventUserPoolsPreTokenGenV2>,
) -> Result<CognitoEventUserPoolsPreTokenGenV2, lambda_runtime::Error> {
    let mut payload = event.payload;
    let tenant = payload
        .request
        .user_attributes
        .get("custom:tenant")
        .cloned();
    let tenant = serde_json::Value::from(tenant.unwrap_or_default());
    let mut id = CognitoIdTokenGenerationV2::default();
    id.claims_to_add_or_override
        .insert("tenant".into(), tenant.clone());
    let mut access = CognitoAccessTokenGenerationV2::default();
    access
        .claims_to_add_or_override
        .insert("tenant".into(), tenant);
    let mut details = ClaimsAndScopeOverrideDetailsV2::default();
    details.id_token_generation = Some(id);
    details.access_token_generation = Some(access);
    payload.response.claims_and_scope_override_details = Some(details);
    Ok(payload)
}

fn service() -> (Cognito, String) {
    let mut functions = Functions::new();
    functions.bind("custom-message", handler(service_fn(branded)));
    functions.bind("pre-token", handler(service_fn(tenant)));
    let cognito = Cognito::new(functions);
    let config: PoolConfig = serde_json::from_value(json!({
        "AutoVerifiedAttributes": ["email"],
        "LambdaConfig": {"CustomMessage": "arn:aws:lambda:us-east-1:123456789012:function:custom-message",
                         "PreTokenGenerationConfig": {"LambdaVersion": "V2_0",
                             "LambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:pre-token"}},
        "EmailConfiguration": {"EmailSendingAccount": "DEVELOPER"},
        "Schema": [{"Name": "tenant", "AttributeDataType": "String", "Mutable": true}]
    }))
    .expect("pool config");
    let mut pool = UserPool::with_id(POOL_ID, config);
    let client_id = pool.add_client("web").client_id;
    let mut alice = User::new("alice");
    alice.password = Some("Passw0rd!".into());
    for (name, value) in [
        ("email", "alice@example.com"),
        ("email_verified", "true"),
        ("name", "Alice Example"),
        ("given_name", "Alice"),
        ("family_name", "Example"),
        ("locale", "en-GB"),
        ("custom:tenant", "acme"),
    ] {
        alice.attributes.insert(name.into(), value.into());
    }
    pool.put_user(alice);
    cognito.add_pool(pool);
    (cognito, client_id)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with('-'));
    let iterations: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let warm_up: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5_000);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (cognito, client_id) = service();
    // Alternate two addresses so every call changes the e-mail and sends a code.
    let requests = ["new.alice@example.org", "alice@example.com"].map(|email| {
        json!({"UserPoolId": POOL_ID, "Username": "alice",
               "UserAttributes": [{"Name": "email", "Value": email}],
               "ClientMetadata": {"brand": "acme"}})
    });

    let mut samples = Vec::with_capacity(iterations);
    rt.block_on(async {
        for i in 0..warm_up + iterations {
            let request = &requests[i % 2];
            let started = Instant::now();
            let outcome = cognito.call("AdminUpdateUserAttributes", request).await;
            let elapsed = started.elapsed();
            assert!(outcome.is_success(), "{:?}", outcome.result);
            assert_eq!(outcome.delivered.len(), 1, "a code is sent every time");
            if i >= warm_up {
                samples.push(elapsed);
            }
        }
    });
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "replay AdminUpdateUserAttributes + in-process CustomMessage, judged ({} calls after {} warm-up): \
         median {:.2} µs, p90 {:.2} µs, p99 {:.2} µs, mean {:.2} µs",
        samples.len(),
        warm_up,
        percentile(&samples, 0.5).as_secs_f64() * 1e6,
        percentile(&samples, 0.9).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
        mean.as_secs_f64() * 1e6,
    );

    let sign_in = json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                         "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}});
    let (iterations, warm_up) = ((iterations / 10).max(1), (warm_up / 10).max(1));
    let mut samples = Vec::with_capacity(iterations);
    rt.block_on(async {
        for i in 0..warm_up + iterations {
            let started = Instant::now();
            let outcome = cognito.call("InitiateAuth", &sign_in).await;
            let elapsed = started.elapsed();
            assert!(outcome.is_success(), "{:?}", outcome.result);
            if i >= warm_up {
                samples.push(elapsed);
            }
        }
    });
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "replay InitiateAuth + in-process PreTokenGeneration V2_0, two RS256 tokens signed ({} calls after {} warm-up): \
         median {:.2} µs, p90 {:.2} µs, p99 {:.2} µs, mean {:.2} µs",
        samples.len(),
        warm_up,
        percentile(&samples, 0.5).as_secs_f64() * 1e6,
        percentile(&samples, 0.9).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
        mean.as_secs_f64() * 1e6,
    );
}
