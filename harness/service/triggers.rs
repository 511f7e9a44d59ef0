//! Running a pool's triggers the way Cognito does (the function lookup, the deadline, the
//! attempts) and recording each run, with the judge's verdict, in the call's outcome.

use serde_json::{Map, Value};

use super::{lock, Cognito, Outcome, PoolHandle, TriggerRun};
use crate::function::{invoke_with_retries, Invocation};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::trigger::post_confirmation::{self, confirmed_anyway_warning};
use crate::trigger::{
    judge, Caller, Context, Decision, PreSignUpFlags, Ran, Trigger, TriggerSource,
};

/// What Cognito got when a call reached a trigger.
#[derive(Clone)]
pub(crate) enum Attempt {
    /// The pool configures no such trigger.
    NoTrigger,
    /// No function answers to the configured ARN.
    NoFunction(String),
    /// The function ran.
    Invoked(Invocation),
}

impl Attempt {
    /// The attempt as the judge reads it.
    pub fn ran(&self) -> Ran<'_> {
        match self {
            Attempt::NoTrigger => Ran::NoTrigger,
            Attempt::NoFunction(arn) => Ran::NoFunction { arn },
            Attempt::Invoked(invocation) => Ran::Invoked(invocation),
        }
    }

    /// What Cognito got, back out of a recorded run (to judge it again), with the event sent:
    /// `NoFunction` when an event was due but no function answered, as [`Cognito::attempt`]
    /// decides.
    pub fn from_run(run: TriggerRun) -> (Attempt, Option<Value>) {
        let attempt = match (run.invocation, run.arn, &run.event) {
            (Some(invocation), _, _) => Attempt::Invoked(invocation),
            (None, Some(arn), Some(_)) => Attempt::NoFunction(arn),
            _ => Attempt::NoTrigger,
        };
        (attempt, run.event)
    }

    /// The invocation, when a function ran.
    pub fn into_invocation(self) -> Option<Invocation> {
        match self {
            Attempt::Invoked(invocation) => Some(invocation),
            _ => None,
        }
    }
}

impl Cognito {
    /// Runs the function behind `arn` (when the pool configures the trigger) with `event`.
    pub(crate) async fn attempt(&self, arn: Option<&str>, event: Option<&Value>) -> Attempt {
        let (Some(arn), Some(event)) = (arn, event) else {
            return Attempt::NoTrigger;
        };
        match self.functions.lookup(arn) {
            None => Attempt::NoFunction(arn.to_string()),
            Some(function) => Attempt::Invoked(
                invoke_with_retries(function.as_ref(), event, arn, self.deadline).await,
            ),
        }
    }

    /// Runs the pool's PreSignUp trigger, if any, and judges it (§3.5). `Ok` carries the run (None
    /// without a trigger) and the flags to apply; `Err` the run whose verdict rejects the sign-up.
    pub(crate) async fn run_pre_sign_up(
        &self,
        pool: &PoolHandle,
        source: TriggerSource,
        arn: Option<String>,
        event: Option<Value>,
        attributes_after: &Map<String, Value>,
    ) -> Result<(Option<TriggerRun>, PreSignUpFlags), Box<TriggerRun>> {
        let (Some(arn), Some(event)) = (arn, event) else {
            return Ok((None, PreSignUpFlags::default()));
        };
        let attempt = self.attempt(Some(&arn), Some(&event)).await;
        let judgement = {
            let guard = lock(pool);
            let ctx = Context::new(source, &guard.config).attributes(attributes_after);
            judge(attempt.ran(), &ctx)
        };
        let (verdict, flags) = judgement.into_parts::<PreSignUpFlags>();
        let accepted = verdict.is_accepted();
        let run = TriggerRun {
            trigger_source: source,
            arn: Some(arn),
            event: Some(event),
            invocation: attempt.into_invocation(),
            verdict,
        };
        if accepted {
            Ok((Some(run), flags.unwrap_or_default()))
        } else {
            Err(Box::new(run))
        }
    }
}

impl Cognito {
    /// Runs a trigger whose answer can only let the call go on or stop it (PostConfirmation,
    /// PreAuthentication, PostAuthentication) and judges it. `Ok` carries the run (None without a
    /// trigger); `Err` the run whose verdict stops the call.
    pub(crate) async fn run_gate(
        &self,
        pool: &PoolHandle,
        source: TriggerSource,
        arn: Option<String>,
        event: Option<Value>,
    ) -> Result<Option<TriggerRun>, Box<TriggerRun>> {
        let (Some(arn), Some(event)) = (arn, event) else {
            return Ok(None);
        };
        let attempt = self.attempt(Some(&arn), Some(&event)).await;
        let verdict = {
            let guard = lock(pool);
            judge(attempt.ran(), &Context::new(source, &guard.config)).verdict
        };
        let accepted = verdict.is_accepted();
        let run = TriggerRun {
            trigger_source: source,
            arn: Some(arn),
            event: Some(event),
            invocation: attempt.into_invocation(),
            verdict,
        };
        if accepted {
            Ok(Some(run))
        } else {
            Err(Box::new(run))
        }
    }

    /// Fires PostConfirmation for `username` once the call has confirmed the user (or set the new
    /// password), and records the run. A rejection fails the call, but what the call changed
    /// stays, with a warning saying so (§AT.3, ruling AT-1).
    pub(crate) async fn post_confirmation(
        &self,
        outcome: &mut Outcome,
        pool: &PoolHandle,
        source: TriggerSource,
        username: &str,
        caller: Caller<'_>,
        metadata: Option<&Map<String, Value>>,
    ) {
        let planned = {
            let guard = lock(pool);
            let arn = Trigger::POST_CONFIRMATION
                .arn(&guard.config)
                .map(str::to_string);
            arn.and_then(|arn| {
                let user = guard.find_user(username)?;
                let event = post_confirmation::event(&guard, source, user, caller, metadata);
                Some((arn, event, user.clone()))
            })
        };
        let Some((arn, event, user)) = planned else {
            return;
        };
        match self.run_gate(pool, source, Some(arn), Some(event)).await {
            Ok(run) => outcome.triggers.extend(run),
            Err(run) => {
                if fail_with(outcome, *run) {
                    outcome.warnings.push(confirmed_anyway_warning(&user));
                }
            }
        }
    }
}

/// Records a trigger run in the outcome; when its verdict rejects the call, sets the exception and
/// returns true.
pub(crate) fn fail_with(outcome: &mut Outcome, run: TriggerRun) -> bool {
    outcome
        .warnings
        .extend(run.verdict.warnings.iter().cloned());
    let error = match &run.verdict.decision {
        Decision::Accepted => None,
        Decision::Rejected(e) => Some(e.clone()),
        Decision::HarnessFailure(m) => Some(CognitoError::new(
            ErrorCode::InternalErrorException,
            format!("cognito-harness could not run the function: {m}"),
        )),
    };
    outcome.triggers.push(run);
    match error {
        Some(e) => {
            outcome.result = Err(e);
            true
        }
        None => false,
    }
}
