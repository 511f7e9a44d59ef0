//! [proptest] strategies over the events Cognito sends (feature `proptest`): the generators and
//! the shrinking of `cognito-harness fuzz`, for property tests of in-process handlers.
//!
//! Each strategy draws a user and a request (unicode and emoji names, the longest values Cognito
//! allows, absent optional attributes, phone-only and email-only users, `clientMetadata` of every
//! shape) and yields the event the harness's own trigger builders make for them, in a pool that
//! verifies both email and phone numbers. When a property fails, proptest shrinks with fuzz's
//! steps: attributes dropped, `clientMetadata` reduced, strings shortened and made ASCII.
//!
//! ```no_run
//! use cognito_harness::strategies::custom_message_event;
//! use cognito_harness::TriggerSource;
//! use proptest::prelude::*;
//!
//! proptest! {
//!     #[test]
//!     fn every_message_keeps_the_code(event in custom_message_event(TriggerSource::CUSTOM_MESSAGE_SIGN_UP)) {
//!         let name = event["request"]["userAttributes"]["name"].as_str().unwrap_or("there");
//!         let body = format!("Hello {name}, your code is {{####}}");
//!         prop_assert!(body.contains("{####}"));
//!     }
//! }
//! ```
//!
//! Sources: those `fuzz` generates (CustomMessage_SignUp, _ResendCode, _ForgotPassword,
//! _UpdateUserAttribute, PreSignUp_SignUp, PostConfirmation_ConfirmSignUp,
//! _ConfirmForgotPassword, PreAuthentication_Authentication, PostAuthentication_Authentication,
//! TokenGeneration_Authentication (V1_0 events), UserMigration_Authentication, _ForgotPassword and
//! DefineAuthChallenge_Authentication); [`trigger_event`] takes any of them.

use std::sync::Arc;

use proptest::prelude::Rng;
use proptest::strategy::{NewTree, Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};

use crate::fuzz::{self, Case, Target};
use crate::trigger::TriggerSource;

/// Events of one trigger source; build it with [`trigger_event`], [`custom_message_event`] or
/// [`pre_sign_up_event`].
#[derive(Clone, Debug)]
pub struct EventStrategy {
    target: Arc<Target>,
    source: TriggerSource,
}

/// A CustomMessage event of `source` (one of the CustomMessage sources listed above).
///
/// # Panics
/// When `source` is not a CustomMessage source fuzz generates events for.
pub fn custom_message_event(source: TriggerSource) -> EventStrategy {
    event_strategy("CustomMessage", source)
}

/// A PreSignUp event of `source` (PreSignUp_SignUp).
///
/// # Panics
/// When `source` is not a PreSignUp source fuzz generates events for.
pub fn pre_sign_up_event(source: TriggerSource) -> EventStrategy {
    event_strategy("PreSignUp", source)
}

/// An event of `source`, any source listed above (the pool binds only its trigger).
///
/// # Panics
/// When fuzz does not generate events for `source`.
pub fn trigger_event(source: TriggerSource) -> EventStrategy {
    event_strategy(source.trigger().name(), source)
}

fn event_strategy(trigger: &str, source: TriggerSource) -> EventStrategy {
    let pool = json!({
        "PoolName": "proptest",
        "AutoVerifiedAttributes": ["email", "phone_number"],
        "LambdaConfig": {trigger: "arn:aws:lambda:us-east-1:123456789012:function:handler"},
    });
    let target = Target::new("handler", &pool, "proptest")
        .expect("the strategies' pool is valid")
        .expect("the pool binds the trigger");
    assert!(
        source.trigger().name() == trigger && target.sources.contains(&source),
        "no {trigger} strategy for {source}: fuzz generates {:?}",
        target.sources
    );
    EventStrategy {
        target: Arc::new(target),
        source,
    }
}

impl Strategy for EventStrategy {
    type Tree = EventTree;
    type Value = Value;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let seed = runner.rng().next_u64();
        let case = fuzz::cases(&self.target, self.source, seed)
            .take(1000)
            .find(|c| fuzz::event(&self.target, c).is_some())
            .ok_or_else(|| "no case of this source sends an event".to_string())?;
        Ok(EventTree {
            target: self.target.clone(),
            base: case.clone(),
            current: case,
            candidates: Vec::new(),
            next: 0,
        })
    }
}

/// The tree of one generated case: simplifying walks fuzz's shrink candidates.
#[derive(Clone, Debug)]
pub struct EventTree {
    target: Arc<Target>,
    /// The simplest case known to fail.
    base: Case,
    /// The case being tried.
    current: Case,
    candidates: Vec<Case>,
    next: usize,
}

impl EventTree {
    /// Moves to the next candidate, or back to the base when none is left.
    fn advance(&mut self) -> bool {
        match self.candidates.get(self.next) {
            Some(candidate) => {
                self.current = candidate.clone();
                self.next += 1;
                true
            }
            None => {
                self.current = self.base.clone();
                false
            }
        }
    }
}

impl ValueTree for EventTree {
    type Value = Value;

    fn current(&self) -> Value {
        fuzz::event(&self.target, &self.current).expect("only cases that send an event are kept")
    }

    /// The current case failed: it becomes the base, and its simpler variants are tried.
    fn simplify(&mut self) -> bool {
        self.base = self.current.clone();
        let target = &self.target;
        self.candidates = fuzz::shrink_candidates(&self.base)
            .into_iter()
            .filter(|c| fuzz::event(target, c).is_some())
            .collect();
        self.next = 0;
        self.advance()
    }

    /// The current case passed: try the next variant of the base.
    fn complicate(&mut self) -> bool {
        self.advance()
    }
}

#[cfg(test)]
mod tests {
    use proptest::test_runner::TestRunner;

    use super::*;

    #[test]
    fn every_source_fuzz_generates_has_a_strategy_whose_events_are_of_it() {
        let sources = [
            TriggerSource::POST_CONFIRMATION_CONFIRM_SIGN_UP,
            TriggerSource::POST_CONFIRMATION_CONFIRM_FORGOT_PASSWORD,
            TriggerSource::PRE_AUTHENTICATION_AUTHENTICATION,
            TriggerSource::POST_AUTHENTICATION_AUTHENTICATION,
            TriggerSource::TOKEN_GENERATION_AUTHENTICATION,
            TriggerSource::USER_MIGRATION_AUTHENTICATION,
            TriggerSource::USER_MIGRATION_FORGOT_PASSWORD,
            TriggerSource::DEFINE_AUTH_CHALLENGE_AUTHENTICATION,
        ];
        let mut runner = TestRunner::deterministic();
        for source in sources {
            let tree = trigger_event(source).new_tree(&mut runner).unwrap();
            assert_eq!(tree.current()["triggerSource"], source.name());
        }
    }
}
