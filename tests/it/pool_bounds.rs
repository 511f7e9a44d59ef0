//! What a pool keeps stays bounded over a day of traffic (issue 11 item 5): the outbox keeps the
//! newest messages, access tokens and sessions are forgotten when they expire and beyond a cap,
//! refresh tokens beyond a cap.

use cognito_harness::pool::{
    DeliveryMedium, Message, PoolConfig, UserPool, MAX_ACCESS_TOKENS, MAX_OUTBOX, MAX_SESSIONS,
};

fn message(i: usize) -> Message {
    Message {
        username: "alice".into(),
        medium: DeliveryMedium::Email,
        destination: "alice@example.com".into(),
        trigger_source: "CustomMessage_SignUp".into(),
        subject: None,
        body: format!("message {i}"),
        code: None,
    }
}

#[test]
fn the_outbox_keeps_the_newest_messages() {
    let mut pool = UserPool::with_id("us-east-1_Outbox", PoolConfig::default());
    let sent = 3 * MAX_OUTBOX;
    for i in 0..sent {
        pool.deliver(message(i));
        assert!(pool.outbox().len() <= MAX_OUTBOX + MAX_OUTBOX / 4);
    }
    let outbox = pool.outbox();
    assert!(outbox.len() >= MAX_OUTBOX);
    assert_eq!(outbox.last().unwrap().body, format!("message {}", sent - 1));
    // Oldest first, none missing between the first kept and the last.
    let first: usize = outbox[0].body["message ".len()..].parse().unwrap();
    assert_eq!(first + outbox.len(), sent);
}

#[test]
fn expired_sessions_are_forgotten_and_live_ones_kept_up_to_the_cap() {
    let mut pool = UserPool::with_id("us-east-1_Sessions", PoolConfig::default());
    let old = pool.start_session("alice", "client", 1_000, 180);
    // Three minutes later the old session has expired: the next one forgets it.
    let live = pool.start_session("alice", "client", 1_181, 180);
    assert_eq!(pool.take_session(&old, 1_000), None, "forgotten, not kept");
    assert!(pool.take_session(&live, 1_200).is_some());

    let first = pool.start_session("bob", "client", 2_000, 180);
    for _ in 0..MAX_SESSIONS {
        pool.start_session("bob", "client", 2_000, 180);
    }
    assert_eq!(
        pool.take_session(&first, 2_000),
        None,
        "the oldest beyond the cap"
    );
}

#[test]
fn access_tokens_beyond_the_cap_are_forgotten_oldest_first() {
    let mut pool = UserPool::with_id("us-east-1_Tokens", PoolConfig::default());
    pool.put_user(cognito_harness::User::new("alice"));
    pool.remember_access_token("token-0", "alice", "client");
    assert!(pool.access_grant("token-0").is_some());
    for i in 1..=MAX_ACCESS_TOKENS {
        pool.remember_access_token(&format!("token-{i}"), "alice", "client");
    }
    assert!(pool.access_grant("token-0").is_none());
    assert!(pool.access_grant("token-1").is_some());
    assert!(pool
        .access_grant(&format!("token-{MAX_ACCESS_TOKENS}"))
        .is_some());
}
