//! Trigger kinds: for each Lambda trigger Cognito invokes, its trigger sources, the event it
//! sends (built as raw JSON, so every null, absent key and string-typed boolean is what Cognito
//! sends, cognito-semantics.md §1) and the rules by which Cognito judges the answer.
//!
//! This layer never knows which API call fired a trigger: the service hands it the pool, the user,
//! the request's metadata and the source. [`judge()`] is the one entry point that turns what
//! happened when a function ran into a [`Verdict`]; the rules every trigger shares (a function
//! error, unusable output, a timeout, a missing function) live once in [`shared`], each kind's own
//! rules in its module.
//!
//! # Adding a trigger kind
//!
//! 1. Write `harness/trigger/<kind>.rs`:
//!    - `impl Trigger { pub const <KIND>: Trigger = Trigger::new("<LambdaConfig key>"); }`;
//!    - one `impl TriggerSource` constant per trigger source (`TriggerSource::new(Trigger::<KIND>,
//!      "<Kind>_<Variant>")`);
//!    - its rules (`rule!`, each with id, grade and section of the reference);
//!    - its event builder (on top of [`shared::envelope`]) and a sample event;
//!    - `judge_output` (the answer's own rules, after the shared ones) and `without_function`
//!      (what Cognito does when the pool has no such trigger);
//!    - `pub(crate) static KIND: Kind` tying these together.
//! 2. Register it: add `&<kind>::KIND` to [`KINDS`] below. Nothing else dispatches on kinds:
//!    `events SOURCE`, `invoke`, scenario rule ids and the judge all read the registry.
//!
//! The service then fires it from the actions that Cognito fires it from.

mod answer_fields;
pub(crate) mod create_auth_challenge;
pub(crate) mod custom_message;
pub(crate) mod custom_sender;
pub(crate) mod define_auth_challenge;
mod judge;
mod judgement;
mod output;
pub(crate) mod post_authentication;
pub(crate) mod post_confirmation;
pub(crate) mod pre_authentication;
pub(crate) mod pre_sign_up;
pub(crate) mod pre_token_generation;
pub(crate) mod rules;
pub mod samples;
pub(crate) mod shared;
pub(crate) mod user_migration;
mod verdict;
pub(crate) mod verify_auth_challenge;

use std::fmt;

use serde_json::{Map, Value};

use crate::function::Payload;
use crate::pool::PoolConfig;

pub use custom_message::Composed;
pub(crate) use judge::judge;
pub(crate) use judgement::{Context, Judgement, Ran};
pub use pre_sign_up::PreSignUpFlags;
pub use rules::{Grade, Rule};
pub use verdict::{Decision, Verdict};

/// Every trigger kind the harness runs: the one place a kind is registered.
pub(crate) static KINDS: [&Kind; 12] = [
    &custom_message::KIND,
    &pre_sign_up::KIND,
    &post_confirmation::KIND,
    &pre_authentication::KIND,
    &post_authentication::KIND,
    &pre_token_generation::KIND,
    &custom_sender::EMAIL_KIND,
    &custom_sender::SMS_KIND,
    &user_migration::KIND,
    &define_auth_challenge::KIND,
    &create_auth_challenge::KIND,
    &verify_auth_challenge::KIND,
];

/// What the registry knows of one trigger kind.
pub(crate) struct Kind {
    /// The trigger, named as its LambdaConfig member and in Cognito's error texts.
    pub trigger: Trigger,
    /// Its trigger sources, in the reference's order.
    pub sources: &'static [TriggerSource],
    /// The rules only this kind's verdicts cite.
    pub rules: &'static [&'static Rule],
    /// The rule a function error of this kind cites.
    pub function_error: &'static Rule,
    /// The ARN the pool configures for this trigger, if any.
    pub arn: fn(&PoolConfig) -> Option<&str>,
    /// Cognito's rules for a payload the function returned.
    pub judge_output: fn(&Context<'_>, &Payload) -> Judgement,
    /// What Cognito does when the pool has no such trigger.
    pub without_function: fn(&Context<'_>) -> Judgement,
    /// A realistic event for one of its sources (`events SOURCE`), with `clientMetadata` where
    /// Cognito forwards it.
    pub sample: fn(TriggerSource, Option<&Map<String, Value>>) -> Value,
    /// Whether Cognito passes the request's ClientMetadata to this source (table 2.1).
    pub forwards_client_metadata: fn(TriggerSource) -> bool,
}

/// Every rule: the shared ones, then each registered kind's.
pub(crate) fn all_rules() -> impl Iterator<Item = &'static Rule> {
    shared::RULES
        .iter()
        .chain(KINDS.iter().flat_map(|k| k.rules.iter()))
        .copied()
}

/// Finds a rule by id.
pub(crate) fn rule_by_id(id: &str) -> Option<&'static Rule> {
    all_rules().find(|r| r.id == id)
}

/// The registry entry of a trigger.
pub(crate) fn kind(trigger: Trigger) -> &'static Kind {
    KINDS
        .iter()
        .copied()
        .find(|k| k.trigger == trigger)
        .expect("every Trigger constant is registered in KINDS")
}

/// A Lambda trigger of a user pool (a LambdaConfig member), e.g. [`Trigger::CUSTOM_MESSAGE`].
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct Trigger {
    name: &'static str,
}

impl Trigger {
    /// A trigger named as its LambdaConfig member (`CustomMessage`).
    pub(crate) const fn new(name: &'static str) -> Self {
        Trigger { name }
    }

    /// The name in Cognito's error texts and LambdaConfig (`CustomMessage`, `PreSignUp`).
    pub fn name(self) -> &'static str {
        self.name
    }

    /// Every trigger the harness runs.
    pub fn all() -> impl Iterator<Item = Trigger> {
        KINDS.iter().map(|k| k.trigger)
    }

    /// The trigger sources Cognito fires this trigger with.
    pub fn sources(self) -> &'static [TriggerSource] {
        kind(self).sources
    }

    /// The ARN configured for this trigger in a pool's LambdaConfig, if any.
    pub fn arn(self, config: &PoolConfig) -> Option<&str> {
        (kind(self).arn)(config)
    }
}

impl fmt::Debug for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// The `triggerSource` of an event: which trigger, fired by what (e.g.
/// [`TriggerSource::CUSTOM_MESSAGE_UPDATE_USER_ATTRIBUTE`]).
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct TriggerSource {
    trigger: Trigger,
    name: &'static str,
}

impl TriggerSource {
    /// A source of `trigger`, named as on the wire (`CustomMessage_SignUp`).
    pub(crate) const fn new(trigger: Trigger, name: &'static str) -> Self {
        TriggerSource { trigger, name }
    }

    /// The wire name, e.g. `CustomMessage_UpdateUserAttribute`.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The trigger this source fires.
    pub fn trigger(self) -> Trigger {
        self.trigger
    }

    /// Every source of every trigger the harness runs.
    pub fn all() -> impl Iterator<Item = TriggerSource> {
        KINDS.iter().flat_map(|k| k.sources.iter().copied())
    }

    /// The source with this wire name.
    pub fn from_name(name: &str) -> Option<TriggerSource> {
        TriggerSource::all().find(|s| s.name == name)
    }

    /// Whether Cognito passes a request's ClientMetadata to this source (table 2.1).
    pub fn forwards_client_metadata(self) -> bool {
        (kind(self.trigger).forwards_client_metadata)(self)
    }
}

impl fmt::Debug for TriggerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl fmt::Display for TriggerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Who called the API: an app client, or an admin (IAM) caller.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Caller<'a> {
    /// An IAM-authorised admin call (`callerContext.clientId` is `CLIENT_ID_NOT_APPLICABLE`).
    Admin,
    /// A call through this app client.
    Client(&'a str),
}
