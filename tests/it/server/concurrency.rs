//! Many clients at once: no update is lost on one pool, and pools do not wait for each other.

use std::time::{Duration, Instant};

use serde_json::json;

use super::support::{add_pool, call, http_client, pool_config, start, user};

const CLIENTS: usize = 32;
const ROUNDS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_clients_on_one_pool_lose_no_update() {
    let running = start().await;
    let (pool_id, _) = add_pool(&running.cognito, "us-east-1_Busy", pool_config(CLIENTS));
    running.cognito.with_pool_mut(&pool_id, |p| {
        p.put_user(user("shared", "shared@example.com"));
        for i in 0..CLIENTS {
            p.put_user(user(&format!("u{i}"), &format!("u{i}@example.com")));
        }
    });

    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let (url, pool_id) = (running.url(), pool_id.clone());
        tasks.push(tokio::spawn(async move {
            // Each client has its own connection, as separate SDK clients would.
            let client = http_client();
            for round in 0..ROUNDS {
                // Its own custom attribute on the shared user (no trigger) ...
                let shared = call(
                    &client,
                    &url,
                    "AdminUpdateUserAttributes",
                    &json!({
                    "UserPoolId": pool_id, "Username": "shared",
                    "UserAttributes": [{"Name": format!("custom:c{i}"), "Value": format!("{i}-{round}")}]}),
                )
                .await;
                assert_eq!(shared.status, 200, "{:?}", shared.body);
                // ... and an email change on its own user, which fires the trigger.
                let own = call(
                    &client,
                    &url,
                    "AdminUpdateUserAttributes",
                    &json!({
                    "UserPoolId": pool_id, "Username": format!("u{i}"),
                    "UserAttributes": [{"Name": "email", "Value": format!("u{i}-{round}@example.com")}]}),
                )
                .await;
                assert_eq!(own.status, 200, "{:?}", own.body);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }

    running.cognito.with_pool(&pool_id, |p| {
        let shared = p.find_user("shared").unwrap();
        for i in 0..CLIENTS {
            assert_eq!(
                shared.attribute(&format!("custom:c{i}")),
                Some(format!("{i}-{}", ROUNDS - 1).as_str()),
                "custom:c{i}"
            );
        }
        assert_eq!(shared.attribute("email"), Some("shared@example.com"));
        for i in 0..CLIENTS {
            let user = p.find_user(&format!("u{i}")).unwrap();
            assert_eq!(
                user.attribute("email"),
                Some(format!("u{i}-{}@example.com", ROUNDS - 1).as_str())
            );
            let sent = p
                .outbox()
                .iter()
                .filter(|m| m.username == user.username)
                .count();
            assert_eq!(sent, ROUNDS, "messages to u{i}");
        }
        assert_eq!(p.outbox().len(), CLIENTS * ROUNDS);
    });
    assert_eq!(running.log_lines().len(), 2 * CLIENTS * ROUNDS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_trigger_on_one_pool_does_not_delay_another_pool_or_the_same_pool() {
    let running = start().await;
    let (slow_pool, _) = add_pool(&running.cognito, "us-east-1_Slow", pool_config(0));
    let (fast_pool, _) = add_pool(&running.cognito, "us-east-1_Fast", pool_config(0));
    for pool in [&slow_pool, &fast_pool] {
        running.cognito.with_pool_mut(pool, |p| {
            p.put_user(user("a", "a@example.com"));
            p.put_user(user("b", "b@example.com"));
        });
    }

    let slow = {
        let (url, pool) = (running.url(), slow_pool.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let reply = call(
                &http_client(),
                &url,
                "AdminUpdateUserAttributes",
                &json!({
                "UserPoolId": pool, "Username": "a",
                "UserAttributes": [{"Name": "email", "Value": "a2@example.com"}],
                "ClientMetadata": {"mode": "slow", "sleep_ms": "1500"}}),
            )
            .await;
            (reply.status, started.elapsed())
        })
    };
    // Let the slow call reach its trigger.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let client = http_client();
    for (pool, user) in [(&fast_pool, "a"), (&slow_pool, "b")] {
        let started = Instant::now();
        let reply = call(
            &client,
            &running.url(),
            "AdminUpdateUserAttributes",
            &json!({
            "UserPoolId": pool, "Username": user,
            "UserAttributes": [{"Name": "email", "Value": "x@example.com"}]}),
        )
        .await;
        let took = started.elapsed();
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert!(
            took < Duration::from_millis(500),
            "{pool}/{user} waited {took:?} behind the slow trigger"
        );
    }
    assert!(
        !slow.is_finished(),
        "the slow trigger should still be running"
    );
    let (status, took) = slow.await.unwrap();
    assert_eq!(status, 200);
    assert!(took >= Duration::from_millis(1500), "{took:?}");
}
