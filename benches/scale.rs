//! The cost of user lookups as a pool grows: AdminGetUser (by username, by e-mail alias, and for
//! a missing user), AdminUpdateUserAttributes firing an in-process CustomMessage handler (a new
//! e-mail each call, so the alias check and a code run every time) and a ListUsers `email =`
//! filter, each at 100 and at 100,000 users. Prints the median and p90 per call and the ratio of
//! the large pool's median to the small one's (issue 11 targets at most 1.5).
//!
//! `cargo bench --bench scale` (optional arguments: iterations, warm-up iterations).

use std::time::{Duration, Instant};

use aws_lambda_events::cognito::CognitoEventUserPoolsCustomMessage;
use cognito_harness::{handler, Cognito, Functions, PoolConfig, User, UserPool};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};

const POOL_ID: &str = "us-east-1_Scale0001";

async fn branded(
    event: LambdaEvent<CognitoEventUserPoolsCustomMessage>,
) -> Result<CognitoEventUserPoolsCustomMessage, lambda_runtime::Error> {
    let mut payload = event.payload;
    let code = payload.request.code_parameter.clone().unwrap_or_default();
    payload.response.email_subject = Some("Acme: confirm your new address".into());
    payload.response.email_message = Some(format!("Your Acme code is {code}."));
    Ok(payload)
}

/// A pool of `users` users (`user000000`…, each with a verified e-mail alias) and a bound
/// CustomMessage handler.
fn service(users: usize) -> Cognito {
    let mut functions = Functions::new();
    functions.bind("custom-message", handler(service_fn(branded)));
    let cognito = Cognito::new(functions);
    let config: PoolConfig = serde_json::from_value(json!({
        "AliasAttributes": ["email"],
        "AutoVerifiedAttributes": ["email"],
        "LambdaConfig": {"CustomMessage": "arn:aws:lambda:us-east-1:123456789012:function:custom-message"},
    }))
    .expect("pool config");
    let mut pool = UserPool::with_id(POOL_ID, config);
    for i in 0..users {
        pool.put_user(
            User::new(format!("user{i:06}"))
                .with_attribute("email", &format!("user{i:06}@example.com"))
                .with_attribute("email_verified", "true")
                .with_attribute("name", "Scale Example"),
        );
    }
    cognito.add_pool(pool);
    cognito
}

/// One measured case: its label, the action, the i-th request body, whether it succeeds.
type Case<'a> = (&'a str, &'a str, Box<dyn Fn(usize) -> Value + 'a>, bool);

/// Times `warm_up + iterations` calls; `request(i)` is the i-th call's body. Returns the median.
fn measure(
    rt: &tokio::runtime::Runtime,
    label: &str,
    cognito: &Cognito,
    action: &str,
    request: impl Fn(usize) -> Value,
    (iterations, warm_up): (usize, usize),
    expect_success: bool,
) -> Duration {
    let mut samples = Vec::with_capacity(iterations);
    rt.block_on(async {
        for i in 0..warm_up + iterations {
            let body = request(i);
            let started = Instant::now();
            let outcome = cognito.call(action, &body).await;
            let elapsed = started.elapsed();
            assert_eq!(outcome.is_success(), expect_success, "{:?}", outcome.result);
            if i >= warm_up {
                samples.push(elapsed);
            }
        }
    });
    samples.sort();
    let median = percentile(&samples, 0.5);
    println!(
        "scale {label} ({} calls after {warm_up} warm-up): median {:.2} µs, p90 {:.2} µs",
        samples.len(),
        median.as_secs_f64() * 1e6,
        percentile(&samples, 0.9).as_secs_f64() * 1e6,
    );
    median
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with('-'));
    let iterations: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let warm_up: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let runs = (iterations, warm_up);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let mut medians: Vec<(String, Vec<Duration>)> = Vec::new();
    for users in [100, 100_000] {
        let cognito = service(users);
        // A user in the middle of the pool, so a scan would not find them first.
        let target = format!("user{:06}", users / 2);
        // The filter finds the one user (so the timing is of a real answer).
        let listed = rt.block_on(cognito.call(
            "ListUsers",
            &json!({"UserPoolId": POOL_ID, "Filter": format!("email = \"{target}@example.com\"")}),
        ));
        assert_eq!(
            listed.response().map(|r| r["Users"][0]["Username"].clone()),
            Some(json!(target))
        );
        let cases: [Case; 5] = [
            (
                "AdminGetUser by username",
                "AdminGetUser",
                Box::new(|_| json!({"UserPoolId": POOL_ID, "Username": target})),
                true,
            ),
            (
                "AdminGetUser by e-mail alias",
                "AdminGetUser",
                Box::new(
                    |_| json!({"UserPoolId": POOL_ID, "Username": format!("{target}@example.com")}),
                ),
                true,
            ),
            (
                "AdminGetUser, missing user",
                "AdminGetUser",
                Box::new(|_| json!({"UserPoolId": POOL_ID, "Username": "nobody"})),
                false,
            ),
            (
                "AdminUpdateUserAttributes + in-process CustomMessage",
                "AdminUpdateUserAttributes",
                Box::new(|i| {
                    json!({"UserPoolId": POOL_ID, "Username": target,
                           "UserAttributes": [{"Name": "email", "Value": format!("new{i}@example.org")}]})
                }),
                true,
            ),
            (
                "ListUsers email = filter",
                "ListUsers",
                Box::new(|_| {
                    json!({"UserPoolId": POOL_ID,
                           "Filter": format!("email = \"{target}@example.com\"")})
                }),
                true,
            ),
        ];
        for (i, (label, action, request, success)) in cases.into_iter().enumerate() {
            let label = format!("{label} at {users} users");
            let median = measure(&rt, &label, &cognito, action, request, runs, success);
            if medians.len() <= i {
                medians.push((label, Vec::new()));
            }
            medians[i].1.push(median);
        }
    }
    for (label, pair) in &medians {
        let name = label.trim_end_matches(" at 100 users");
        println!(
            "scale {name}: 100,000 users cost {:.2}x of 100 users",
            pair[1].as_secs_f64() / pair[0].as_secs_f64()
        );
    }
}
