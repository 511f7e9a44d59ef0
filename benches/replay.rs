//! Replays one AdminUpdateUserAttributes that fires an in-process CustomMessage handler (a typed
//! aws_lambda_events handler setting emailMessage/emailSubject), judged and committed, on a
//! current_thread tokio runtime. Prints the median and p90 per call. Then the same for a password
//! sign-in (InitiateAuth) firing in-process PreAuthentication and PostAuthentication handlers, the
//! same sign-in with no triggers, an AdminConfirmSignUp firing PostConfirmation, the
//! AdminUpdateUserAttributes again with a CustomEmailSender (in-process, decrypting the code)
//! instead of CustomMessage, and a sign-in firing an in-process V2_0 PreTokenGeneration handler
//! that adds a claim to both tokens, with the two RS256 tokens signed. Then the first sign-in of
//! an unknown user through an in-process UserMigration handler (the user created, two RS256
//! tokens signed), and the first step of a CUSTOM_AUTH sign-in through in-process
//! DefineAuthChallenge and CreateAuthChallenge handlers (the challenge and its Session). Last,
//! an SRP sign-in (InitiateAuth USER_SRP_AUTH then RespondToAuthChallenge PASSWORD_VERIFIER, the
//! server's two calls timed together, the client's maths not), a hundredth of the iterations.
//!
//! `cargo bench --bench replay` (optional arguments: iterations, warm-up iterations; the
//! PreTokenGeneration sign-in runs a tenth of them, as RSA signing dominates it).
//! `COGNITO_BENCH_FIRST_ONLY=1` runs the first case alone, for a profiler (`valgrind
//! --tool=callgrind` counts its instructions where the machine has no hardware counters).

use std::time::{Duration, Instant};

use aws_lambda_events::cognito::{
    ClaimsAndScopeOverrideDetailsV2, CognitoAccessTokenGenerationV2,
    CognitoEventUserPoolsCreateAuthChallenge, CognitoEventUserPoolsCustomMessage,
    CognitoEventUserPoolsDefineAuthChallenge, CognitoEventUserPoolsMigrateUser,
    CognitoEventUserPoolsPostAuthentication, CognitoEventUserPoolsPostConfirmation,
    CognitoEventUserPoolsPreAuthentication, CognitoEventUserPoolsPreTokenGenV2,
    CognitoIdTokenGenerationV2,
};
use cognito_harness::pool::AppClient;
use cognito_harness::{handler, Cognito, Functions, PoolConfig, User, UserPool, UserStatus};
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

const KEY_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// A CustomEmailSender that decrypts the code, as a real one would, and answers nothing.
async fn email_sender(
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, lambda_runtime::Error> {
    let code = event.payload["request"]["code"].as_str().ok_or("no code")?;
    cognito_harness::decrypt_sender_code(KEY_ARN, code)?;
    Ok(serde_json::Value::Null)
}

fn service() -> Cognito {
    service_with(
        json!({"CustomMessage": "arn:aws:lambda:us-east-1:123456789012:function:custom-message"}),
    )
}

/// The update pool with this LambdaConfig; CustomMessage and the e-mail sender are bound.
fn service_with(lambda_config: serde_json::Value) -> Cognito {
    let mut functions = Functions::new();
    functions.bind("custom-message", handler(service_fn(branded)));
    functions.bind("email-sender", handler(service_fn(email_sender)));
    let cognito = Cognito::new(functions);
    let config: PoolConfig = serde_json::from_value(json!({
        "AutoVerifiedAttributes": ["email"],
        "LambdaConfig": lambda_config,
        "EmailConfiguration": {"EmailSendingAccount": "DEVELOPER"},
        "Schema": [{"Name": "tenant", "AttributeDataType": "String", "Mutable": true}]
    }))
    .expect("pool config");
    let mut pool = UserPool::with_id(POOL_ID, config);
    let mut alice = User::new("alice");
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
    cognito
}

const CLIENT_ID: &str = "6bench0signin0client000abc";
const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";

/// A pool with alice (password `Passw0rd!`) and a password client; `triggers` names the
/// LambdaConfig members bound to echoing in-process handlers.
fn auth_service(triggers: &[&str]) -> Cognito {
    async fn pre_auth(
        e: LambdaEvent<CognitoEventUserPoolsPreAuthentication>,
    ) -> Result<CognitoEventUserPoolsPreAuthentication, lambda_runtime::Error> {
        Ok(e.payload)
    }
    async fn post_auth(
        e: LambdaEvent<CognitoEventUserPoolsPostAuthentication>,
    ) -> Result<CognitoEventUserPoolsPostAuthentication, lambda_runtime::Error> {
        Ok(e.payload)
    }
    async fn post_confirmation(
        e: LambdaEvent<CognitoEventUserPoolsPostConfirmation>,
    ) -> Result<CognitoEventUserPoolsPostConfirmation, lambda_runtime::Error> {
        Ok(e.payload)
    }
    let mut functions = Functions::new();
    functions.bind("pre-authentication", handler(service_fn(pre_auth)));
    functions.bind("post-authentication", handler(service_fn(post_auth)));
    functions.bind("post-confirmation", handler(service_fn(post_confirmation)));
    let cognito = Cognito::new(functions);
    let mut lambda_config = serde_json::Map::new();
    for (member, function) in [
        ("PreAuthentication", "pre-authentication"),
        ("PostAuthentication", "post-authentication"),
        ("PostConfirmation", "post-confirmation"),
    ] {
        if triggers.contains(&member) {
            lambda_config.insert(member.into(), json!(format!("{ARN}{function}")));
        }
    }
    let config: PoolConfig =
        serde_json::from_value(json!({"LambdaConfig": lambda_config})).expect("pool config");
    let mut pool = UserPool::with_id(POOL_ID, config);
    let mut alice = User::new("alice");
    alice.password = Some("Passw0rd!".into());
    for (name, value) in [
        ("email", "alice@example.com"),
        ("email_verified", "true"),
        ("name", "Alice Example"),
    ] {
        alice.attributes.insert(name.into(), value.into());
    }
    pool.put_user(alice);
    pool.put_client(AppClient {
        client_id: CLIENT_ID.into(),
        client_name: "bench".into(),
        client_secret: None,
        explicit_auth_flows: vec!["ALLOW_USER_PASSWORD_AUTH".into()],
    });
    cognito.add_pool(pool);
    cognito
}

/// Times `warm_up + iterations` calls of `action`; `before` runs untimed before each call.
fn measure(
    rt: &tokio::runtime::Runtime,
    label: &str,
    cognito: &Cognito,
    action: &str,
    request: &serde_json::Value,
    (iterations, warm_up): (usize, usize),
    before: impl Fn(&Cognito),
) {
    let mut samples = Vec::with_capacity(iterations);
    rt.block_on(async {
        for i in 0..warm_up + iterations {
            before(cognito);
            let started = Instant::now();
            let outcome = cognito.call(action, request).await;
            let elapsed = started.elapsed();
            assert!(outcome.is_success(), "{:?}", outcome.result);
            if i >= warm_up {
                samples.push(elapsed);
            }
        }
    });
    samples.sort();
    println!(
        "replay {label} ({} calls after {} warm-up): median {:.2} µs, p90 {:.2} µs, p99 {:.2} µs",
        samples.len(),
        warm_up,
        percentile(&samples, 0.5).as_secs_f64() * 1e6,
        percentile(&samples, 0.9).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
    );
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

/// A pool whose sign-ins fire the V2_0 `tenant` handler; returns the service and a client id.
fn token_service() -> (Cognito, String) {
    let mut functions = Functions::new();
    functions.bind("pre-token", handler(service_fn(tenant)));
    let cognito = Cognito::new(functions);
    let config: PoolConfig = serde_json::from_value(json!({
        "LambdaConfig": {"PreTokenGenerationConfig": {"LambdaVersion": "V2_0",
            "LambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:pre-token"}},
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
        ("custom:tenant", "acme"),
    ] {
        alice.attributes.insert(name.into(), value.into());
    }
    pool.put_user(alice);
    cognito.add_pool(pool);
    (cognito, client_id)
}

/// A pool whose UserMigration and custom-auth triggers are in-process handlers (alice exists for
/// custom auth; `legacy` does not, and migrates).
fn migration_and_custom_auth_service() -> Cognito {
    async fn migrate(
        e: LambdaEvent<CognitoEventUserPoolsMigrateUser>,
    ) -> Result<CognitoEventUserPoolsMigrateUser, lambda_runtime::Error> {
        let mut event = e.payload;
        let response = &mut event.cognito_event_user_pools_migrate_user_response;
        response.user_attributes = [("email", "legacy@example.com"), ("email_verified", "true")]
            .into_iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        response.final_user_status = Some("CONFIRMED".into());
        response.message_action = Some("SUPPRESS".into());
        Ok(event)
    }
    async fn define(
        e: LambdaEvent<CognitoEventUserPoolsDefineAuthChallenge>,
    ) -> Result<CognitoEventUserPoolsDefineAuthChallenge, lambda_runtime::Error> {
        let mut event = e.payload;
        event.response.challenge_name = Some("CUSTOM_CHALLENGE".into());
        Ok(event)
    }
    async fn create(
        e: LambdaEvent<CognitoEventUserPoolsCreateAuthChallenge>,
    ) -> Result<CognitoEventUserPoolsCreateAuthChallenge, lambda_runtime::Error> {
        let mut event = e.payload;
        event.response.private_challenge_parameters =
            [("code".to_string(), "424242".to_string())].into();
        Ok(event)
    }
    let mut functions = Functions::new();
    functions.bind("user-migration", handler(service_fn(migrate)));
    functions.bind("define-auth", handler(service_fn(define)));
    functions.bind("create-auth", handler(service_fn(create)));
    let cognito = Cognito::new(functions);
    let config: PoolConfig = serde_json::from_value(json!({"LambdaConfig": {
        "UserMigration": format!("{ARN}user-migration"),
        "DefineAuthChallenge": format!("{ARN}define-auth"),
        "CreateAuthChallenge": format!("{ARN}create-auth"),
    }}))
    .expect("pool config");
    let mut pool = UserPool::with_id(POOL_ID, config);
    pool.put_user(User::new("alice").with_attribute("email", "alice@example.com"));
    pool.put_client(AppClient {
        client_id: CLIENT_ID.into(),
        client_name: "bench".into(),
        client_secret: None,
        explicit_auth_flows: vec![
            "ALLOW_USER_PASSWORD_AUTH".into(),
            "ALLOW_CUSTOM_AUTH".into(),
        ],
    });
    cognito.add_pool(pool);
    cognito
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
    replay_updates(
        &rt,
        "replay AdminUpdateUserAttributes + in-process CustomMessage, judged",
        &service(),
        (iterations, warm_up),
    );
    if std::env::var_os("ONLY_FIRST").is_some() {
        return;
    }
    replay_updates(
        &rt,
        "replay AdminUpdateUserAttributes + in-process CustomEmailSender (code encrypted, decrypted)",
        &service_with(json!({
            "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:email-sender"},
            "KMSKeyID": KEY_ARN,
        })),
        (iterations, warm_up),
    );
    auth_cases(&rt, (iterations, warm_up));
    srp_sign_in(&rt, ((iterations / 100).max(1), (warm_up / 100).max(1)));
}

/// The client side of an SRP sign-in, as the SDKs compute it (so the bench can answer the
/// challenge); its time is not counted.
mod srp_client {
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    use num_bigint_dig::BigUint;
    use sha2::{Digest, Sha256};

    const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

    fn padded(n: &BigUint) -> Vec<u8> {
        let bytes = n.to_bytes_be();
        if bytes[0] & 0x80 != 0 {
            [&[0u8][..], &bytes].concat()
        } else {
            bytes
        }
    }

    fn h(parts: &[&[u8]]) -> BigUint {
        let mut hash = Sha256::new();
        parts.iter().for_each(|p| hash.update(p));
        BigUint::from_bytes_be(&hash.finalize())
    }

    pub struct Client {
        n: BigUint,
        a: BigUint,
        pub big_a: BigUint,
    }

    impl Client {
        pub fn new() -> Client {
            let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap();
            let bytes: Vec<u8> = (0..128).map(|_| rand::random::<u8>()).collect();
            let a = BigUint::from_bytes_be(&bytes) % &n;
            let big_a = BigUint::from(2u32).modpow(&a, &n);
            Client { n, a, big_a }
        }

        /// ChallengeResponses for `challenge` in pool `pool_name` with `password`.
        pub fn answer(
            &self,
            challenge: &serde_json::Value,
            pool_name: &str,
            password: &str,
        ) -> serde_json::Value {
            let p = &challenge["ChallengeParameters"];
            let hex =
                |k: &str| BigUint::parse_bytes(p[k].as_str().unwrap().as_bytes(), 16).unwrap();
            let (n, g) = (&self.n, BigUint::from(2u32));
            let (b, salt) = (hex("SRP_B"), hex("SALT"));
            let user = p["USER_ID_FOR_SRP"].as_str().unwrap();
            let k = h(&[&padded(n), &padded(&g)]);
            let u = h(&[&padded(&self.big_a), &padded(&b)]);
            let identity = Sha256::digest(format!("{pool_name}{user}:{password}"));
            let x = h(&[&padded(&salt), &identity]);
            let base = (&b + &k * n - (&k * g.modpow(&x, n)) % n) % n;
            let s = base.modpow(&(&self.a + &u * &x), n);
            let mut key = [0u8; 16];
            hkdf::Hkdf::<Sha256>::new(Some(&padded(&u)), &padded(&s))
                .expand(b"Caldera Derived Key", &mut key)
                .unwrap();
            let b64 = base64::engine::general_purpose::STANDARD;
            let block = p["SECRET_BLOCK"].as_str().unwrap();
            let timestamp = "Wed Dec 2 06:05:09 UTC 2026";
            let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
            mac.update(pool_name.as_bytes());
            mac.update(user.as_bytes());
            mac.update(&b64.decode(block).unwrap());
            mac.update(timestamp.as_bytes());
            serde_json::json!({"USERNAME": user, "PASSWORD_CLAIM_SECRET_BLOCK": block, "TIMESTAMP": timestamp,
                               "PASSWORD_CLAIM_SIGNATURE": b64.encode(mac.finalize().into_bytes())})
        }
    }
}

/// An SRP sign-in of alice with no triggers: InitiateAuth (the verifier, B and the key: 3072-bit
/// modular exponentiations) plus RespondToAuthChallenge (the claim checked, two RS256 tokens).
fn srp_sign_in(rt: &tokio::runtime::Runtime, (iterations, warm_up): (usize, usize)) {
    let cognito = auth_service(&[]);
    cognito.with_pool_mut(POOL_ID, |p| {
        let mut client = p.client(CLIENT_ID).unwrap().clone();
        client
            .explicit_auth_flows
            .push("ALLOW_USER_SRP_AUTH".into());
        p.put_client(client);
    });
    let pool_name = POOL_ID.split_once('_').unwrap().1;
    let mut samples = Vec::with_capacity(iterations);
    rt.block_on(async {
        for i in 0..warm_up + iterations {
            let client = srp_client::Client::new();
            let start = json!({"ClientId": CLIENT_ID, "AuthFlow": "USER_SRP_AUTH",
                "AuthParameters": {"USERNAME": "alice", "SRP_A": client.big_a.to_str_radix(16)}});
            let started = Instant::now();
            let challenge = cognito.call("InitiateAuth", &start).await.result.unwrap();
            let first = started.elapsed();
            let answer = json!({"ClientId": CLIENT_ID, "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeResponses": client.answer(&challenge, pool_name, "Passw0rd!")});
            let started = Instant::now();
            let outcome = cognito.call("RespondToAuthChallenge", &answer).await;
            let elapsed = first + started.elapsed();
            assert!(outcome.is_success(), "{:?}", outcome.result);
            if i >= warm_up {
                samples.push(elapsed);
            }
        }
    });
    samples.sort();
    println!(
        "replay SRP sign-in (InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge PASSWORD_VERIFIER), no triggers, two RS256 tokens signed ({} sign-ins after {} warm-up): median {:.2} µs, p90 {:.2} µs, p99 {:.2} µs",
        samples.len(),
        warm_up,
        percentile(&samples, 0.5).as_secs_f64() * 1e6,
        percentile(&samples, 0.9).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
    );
}

/// Replays AdminUpdateUserAttributes on `cognito`, each call changing the e-mail and sending a
/// code, and prints the figures under `label`.
fn replay_updates(
    rt: &tokio::runtime::Runtime,
    label: &str,
    cognito: &Cognito,
    (iterations, warm_up): (usize, usize),
) {
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
            assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
            if i >= warm_up {
                samples.push(elapsed);
            }
        }
    });
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{label} ({} calls after {} warm-up): \
         median {:.2} µs, p90 {:.2} µs, p99 {:.2} µs, mean {:.2} µs",
        samples.len(),
        warm_up,
        percentile(&samples, 0.5).as_secs_f64() * 1e6,
        percentile(&samples, 0.9).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
        mean.as_secs_f64() * 1e6,
    );
}

/// The sign-in and confirmation cases.
fn auth_cases(rt: &tokio::runtime::Runtime, counts: (usize, usize)) {
    // Every sign-in signs two RSA-2048 tokens, which dominates it: a tenth of the calls.
    let signing = ((counts.0 / 10).max(1), (counts.1 / 10).max(1));
    let sign_in = json!({"ClientId": CLIENT_ID, "AuthFlow": "USER_PASSWORD_AUTH",
                         "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}});
    measure(
        rt,
        "InitiateAuth, no triggers, two RS256 tokens signed",
        &auth_service(&[]),
        "InitiateAuth",
        &sign_in,
        signing,
        |_| {},
    );
    measure(
        rt,
        "InitiateAuth + in-process PreAuthentication and PostAuthentication, judged, two RS256 tokens signed",
        &auth_service(&["PreAuthentication", "PostAuthentication"]),
        "InitiateAuth",
        &sign_in,
        signing,
        |_| {},
    );
    let unconfirm = |cognito: &Cognito| {
        cognito.with_pool_mut(POOL_ID, |p| {
            if let Some(mut user) = p.find_user_mut("alice") {
                user.status = UserStatus::Unconfirmed;
            }
        });
    };
    measure(
        rt,
        "AdminConfirmSignUp + in-process PostConfirmation, judged",
        &auth_service(&["PostConfirmation"]),
        "AdminConfirmSignUp",
        &json!({"UserPoolId": POOL_ID, "Username": "alice"}),
        counts,
        unconfirm,
    );
    let (cognito, client_id) = token_service();
    let sign_in = json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                         "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}});
    measure(
        rt,
        "InitiateAuth + in-process PreTokenGeneration V2_0, two RS256 tokens signed",
        &cognito,
        "InitiateAuth",
        &sign_in,
        signing,
        |_| {},
    );
    let cognito = migration_and_custom_auth_service();
    let forget_legacy = |cognito: &Cognito| {
        cognito.with_pool_mut(POOL_ID, |p| p.remove_user("legacy"));
    };
    measure(
        rt,
        "InitiateAuth of an unknown user + in-process UserMigration, two RS256 tokens signed",
        &cognito,
        "InitiateAuth",
        &json!({"ClientId": CLIENT_ID, "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "legacy", "PASSWORD": "Legacy-Passw0rd"}}),
        signing,
        forget_legacy,
    );
    measure(
        rt,
        "InitiateAuth CUSTOM_AUTH + in-process DefineAuthChallenge and CreateAuthChallenge, judged",
        &cognito,
        "InitiateAuth",
        &json!({"ClientId": CLIENT_ID, "AuthFlow": "CUSTOM_AUTH",
                "AuthParameters": {"USERNAME": "alice"}}),
        counts,
        |_| {},
    );
}
