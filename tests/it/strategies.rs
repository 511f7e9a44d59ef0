//! The `proptest` strategies (feature `proptest`) against in-process handlers: a correct handler
//! passes every generated event; a handler with the planted initial bug fails, and proptest shrinks
//! the failing event with fuzz's steps to a one-character name.

use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessage as Event;
use cognito_harness::strategies::{custom_message_event, pre_sign_up_event};
use cognito_harness::TriggerSource;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestError, TestRunner};
use serde_json::Value;

/// The greeting of triggers/custom-message-greets-by-initial: the name's first byte.
fn greeting(event: &Event) -> String {
    let name = event
        .request
        .user_attributes
        .get("name")
        .and_then(Value::as_str);
    match name {
        Some(name) if !name.is_empty() => format!("Hello {}.", &name[..1]),
        _ => "Hello.".to_string(),
    }
}

fn config() -> Config {
    Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_typed_event_reads_every_generated_custom_message(
        event in custom_message_event(TriggerSource::CUSTOM_MESSAGE_UPDATE_USER_ATTRIBUTE)
    ) {
        let typed: Event = serde_json::from_value(event.clone()).expect("aws_lambda_events reads it");
        prop_assert_eq!(typed.request.code_parameter.as_deref(), Some("{####}"));
        prop_assert!(event["request"]["userAttributes"]["sub"].is_string());
    }

    #[test]
    fn pre_sign_up_events_carry_only_supplied_attributes(
        event in pre_sign_up_event(TriggerSource::PRE_SIGN_UP_SIGN_UP)
    ) {
        prop_assert!(event["request"]["userAttributes"].get("sub").is_none());
        prop_assert!(event["request"]["validationData"].is_null());
    }
}

#[test]
fn proptest_finds_the_initial_bug_and_shrinks_it_to_one_character() {
    let mut runner = TestRunner::new(config());
    let strategy = custom_message_event(TriggerSource::CUSTOM_MESSAGE_SIGN_UP);
    let result = runner.run(&strategy, |event| {
        let typed: Event = serde_json::from_value(event).unwrap();
        let name = typed
            .request
            .user_attributes
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("");
        // The planted bug, without the panic: slicing at byte 1 must be on a character boundary.
        prop_assert!(name.is_char_boundary(1.min(name.len())));
        let _ = greeting(&typed);
        Ok(())
    });
    match result {
        Err(TestError::Fail(_, minimal)) => {
            let name = minimal["request"]["userAttributes"]["name"]
                .as_str()
                .unwrap();
            assert_eq!(name.chars().count(), 1, "{minimal:#}");
            assert!(!name.is_ascii(), "{minimal:#}");
            assert_eq!(minimal["userName"], "a", "{minimal:#}");
            assert!(
                minimal["request"].get("clientMetadata").is_none(),
                "{minimal:#}"
            );
        }
        other => panic!("expected a shrunk failure, got {other:?}"),
    }
}
