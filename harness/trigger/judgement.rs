//! What the judge reads and answers: how far Cognito got with a trigger ([`Ran`]), the facts a
//! kind's rules may read ([`Context`]) and the verdict with the answer's effect ([`Judgement`]).
//! A leaf: kinds and the judge both use it.

use std::any::Any;

use serde_json::{Map, Value};

use super::{TriggerSource, Verdict};
use crate::function::Invocation;
use crate::pool::{DeliveryMedium, PoolConfig};

/// What Cognito tried when the call reached a trigger.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ran<'a> {
    /// The pool configures no such trigger: Cognito does what it does without one.
    NoTrigger,
    /// The pool's LambdaConfig names this ARN, and no function answers to it.
    NoFunction {
        /// The ARN in LambdaConfig.
        arn: &'a str,
    },
    /// The function ran (Cognito's attempts included).
    Invoked(&'a Invocation),
}

/// The facts a kind's rules may read besides the function's answer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Context<'a> {
    /// The trigger source the event carried.
    pub source: TriggerSource,
    /// The pool's configuration (templates, e-mail sending account, ...).
    pub config: &'a PoolConfig,
    /// The channel a message goes out on (CustomMessage).
    pub medium: DeliveryMedium,
    /// The user's attributes as the call would leave them (PreSignUp's auto-verify needs the
    /// attribute, ruling 9).
    pub attributes: Option<&'a Map<String, Value>>,
    /// The app client the call came through, when Cognito's texts name it (UserMigration).
    pub client_id: Option<&'a str>,
}

impl<'a> Context<'a> {
    /// A context for `source` in a pool configured by `config`, for an e-mail message.
    pub fn new(source: TriggerSource, config: &'a PoolConfig) -> Self {
        Context {
            source,
            config,
            medium: DeliveryMedium::Email,
            attributes: None,
            client_id: None,
        }
    }

    /// The channel the message goes out on.
    pub fn medium(mut self, medium: DeliveryMedium) -> Self {
        self.medium = medium;
        self
    }

    /// The app client the call came through.
    pub fn client(mut self, client_id: &'a str) -> Self {
        self.client_id = Some(client_id);
        self
    }

    /// The user's attributes after the call.
    pub fn attributes(mut self, attributes: &'a Map<String, Value>) -> Self {
        self.attributes = Some(attributes);
        self
    }
}

/// Cognito's verdict, and what an accepted answer asks of the call (the message to send, the
/// PreSignUp flags): each kind decides the type of its effect.
pub(crate) struct Judgement {
    /// Cognito's verdict.
    pub verdict: Verdict,
    effect: Option<Box<dyn Any + Send>>,
}

impl Judgement {
    /// A verdict with no effect on the call (a rejection, or a kind whose answer asks nothing).
    pub fn verdict(verdict: Verdict) -> Self {
        Judgement {
            verdict,
            effect: None,
        }
    }

    /// A verdict with what the answer asks of the call.
    pub fn with_effect<T: Any + Send>(verdict: Verdict, effect: T) -> Self {
        Judgement {
            verdict,
            effect: Some(Box::new(effect)),
        }
    }

    /// The verdict and, when there is one of type `T`, the effect.
    pub fn into_parts<T: Any>(self) -> (Verdict, Option<T>) {
        let effect = self.effect.and_then(|e| e.downcast::<T>().ok()).map(|e| *e);
        (self.verdict, effect)
    }
}
