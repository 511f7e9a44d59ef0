//! Running scenarios: each gets a fresh copy of its pool in its own [`Cognito`], with the shared
//! function lookup (so warm processes serve every scenario). What happens is a typed stream of
//! [`RunEvent`]s, and the results are typed values ([`ScenarioResult`], [`StepResult`]); renderers
//! (crate `report`) consume both and decide how they look.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::expect::{self, Mismatch};
use super::{refs, Scenario};
use crate::error::Error;
use crate::function::{Deadline, FunctionLookup};
use crate::model::cognito_error::CognitoError;
use crate::model::tokens::PoolKeys;
use crate::pool::Message;
use crate::service::{Action, Cognito, Outcome, TriggerRun};
use crate::trigger::Verdict;

/// What happened, in order. For each scenario: `ScenarioStarted`, then per step `StepStarted`,
/// one `TriggerRan` per trigger the call ran (reported once the call has returned, in the order
/// the triggers ran) and `StepFinished`, then `ScenarioFinished`. A skipped step (an earlier step
/// failed) gets only its `StepFinished`. The run is framed by `RunStarted` and `RunFinished`.
#[derive(Debug)]
pub enum RunEvent<'a> {
    /// The run begins.
    RunStarted {
        /// How many scenarios will run.
        scenarios: usize,
    },
    /// A scenario begins, with a fresh pool.
    ScenarioStarted {
        /// The scenario file.
        file: &'a Path,
        /// The scenario's name.
        name: &'a str,
    },
    /// A step's API call is about to be made.
    #[expect(
        dead_code,
        reason = "part of the stream for any renderer; today's renderers print a step once it has finished"
    )]
    StepStarted {
        /// The scenario file.
        file: &'a Path,
        /// The step's position in the scenario (from 0).
        index: usize,
        /// The API action.
        action: Action,
        /// The request with references resolved.
        request: &'a Value,
    },
    /// A trigger ran during a step's call: its source, ARN, the event sent, what the function
    /// did (result, attempts, logs) and Cognito's verdict (rule id and grade).
    #[expect(
        dead_code,
        reason = "part of the stream for any renderer; today's renderers print a step once it has finished"
    )]
    TriggerRan {
        /// The scenario file.
        file: &'a Path,
        /// The step's position in the scenario (from 0).
        step: usize,
        /// The trigger run.
        run: &'a TriggerRun,
    },
    /// A step finished (or was skipped).
    StepFinished {
        /// The scenario file.
        #[expect(
            dead_code,
            reason = "today's renderers know the file from ScenarioStarted"
        )]
        file: &'a Path,
        /// The step's result.
        step: &'a StepResult,
    },
    /// A scenario finished.
    ScenarioFinished(&'a ScenarioResult),
    /// The run finished.
    RunFinished(&'a Summary),
}

/// How a step went.
#[derive(Clone, Debug, PartialEq)]
pub enum StepStatus {
    /// Every expectation was met.
    Passed,
    /// Some expectations were not met.
    Failed {
        /// The unmet expectations, in the order of `expect`'s checks.
        mismatches: Vec<Mismatch>,
    },
    /// The harness could not run a function (not a Cognito behaviour).
    HarnessFailure {
        /// Why.
        message: String,
    },
    /// Not run because an earlier step of the scenario failed.
    Skipped,
}

/// What a step's call did, in the terms expectations use.
#[derive(Clone, Debug)]
pub struct Actual {
    /// The API response body, or the exception the caller gets.
    pub result: Result<Value, CognitoError>,
    /// What the call did that a user may not expect.
    pub warnings: Vec<String>,
    /// The messages the call delivered.
    pub delivered: Vec<Message>,
}

impl Actual {
    /// The outcome as expectations spell it: `success` or the exception name.
    pub fn outcome(&self) -> &'static str {
        expect::outcome_name(&self.result)
    }
}

/// One step as it ran.
#[derive(Clone, Debug)]
pub struct StepResult {
    /// The step's position in the scenario (from 0).
    pub index: usize,
    /// The API action.
    pub action: Action,
    /// The request with references resolved (as written, for a skipped step).
    pub request: Value,
    /// How the step went.
    pub status: StepStatus,
    /// What the call did; `None` for a skipped step.
    pub actual: Option<Actual>,
    /// The verdict that decided the call ([`Outcome::verdict`]), when a trigger was involved.
    pub verdict: Option<Verdict>,
    /// Every trigger invocation, in the order they ran.
    pub triggers: Vec<TriggerRun>,
    /// How long the step took.
    pub duration: Duration,
}

/// How a scenario went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScenarioStatus {
    /// Every step passed.
    Passed,
    /// A step did not meet its expectations.
    Failed,
    /// The harness could not run a function in a step.
    HarnessFailure,
}

/// One scenario as it ran.
#[derive(Clone, Debug)]
pub struct ScenarioResult {
    /// The scenario file.
    pub file: PathBuf,
    /// The scenario's name.
    pub name: String,
    /// How it went.
    pub status: ScenarioStatus,
    /// Every step, skipped ones included.
    pub steps: Vec<StepResult>,
    /// How long it took.
    pub duration: Duration,
}

/// The counts of a run.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Scenarios that met every expectation.
    pub passed: usize,
    /// Scenarios with an unmet expectation or a harness failure.
    pub failed: usize,
    /// Of `failed`: scenarios where the harness could not run a function.
    pub harness_failures: usize,
    /// How long the run took.
    pub duration: Duration,
}

/// Runs scenarios one after another, reporting through `on_event`. Each result is reported and
/// dropped as soon as its scenario finishes; the counts are returned. The scenarios may be loaded
/// as they are reached (`Scenario::load` per file), so a suite is never all in memory; an `Err`
/// stops the run as a bad reference does.
pub async fn run_all<I>(
    scenarios: I,
    functions: Arc<dyn FunctionLookup>,
    deadline: Deadline,
    on_event: &mut dyn FnMut(&RunEvent<'_>),
) -> Result<Summary, Error>
where
    I: IntoIterator<Item = Result<Scenario, Error>>,
    I::IntoIter: ExactSizeIterator,
{
    let started = Instant::now();
    let scenarios = scenarios.into_iter();
    on_event(&RunEvent::RunStarted {
        scenarios: scenarios.len(),
    });
    let mut summary = Summary::default();
    for scenario in scenarios {
        let result = run_scenario(&scenario?, functions.clone(), deadline, on_event).await?;
        count(&mut summary, &result);
    }
    summary.duration = started.elapsed();
    on_event(&RunEvent::RunFinished(&summary));
    Ok(summary)
}

/// Adds a finished scenario to the counts.
pub(super) fn count(summary: &mut Summary, result: &ScenarioResult) {
    match result.status {
        ScenarioStatus::Passed => summary.passed += 1,
        ScenarioStatus::Failed => summary.failed += 1,
        ScenarioStatus::HarnessFailure => {
            summary.failed += 1;
            summary.harness_failures += 1;
        }
    }
}

/// Starts making the key pair that every scenario's pool signs with (see [`run_scenario`]) on
/// threads of its own, and returns at once. A suite that signs anyone in then finds the keys
/// ready, or nearly, instead of stalling a worker on each generation in turn when its first
/// sign-in comes; a suite that never signs pays a little CPU that nobody waits for.
pub fn make_keys_in_background() {
    PoolKeys::process_wide().generate_in_background();
}

/// Runs one scenario. `Err` only for a bad reference (exit code 2); everything Cognito or the
/// function did is in the result.
pub async fn run_scenario<F>(
    scenario: &Scenario,
    functions: Arc<dyn FunctionLookup>,
    deadline: Deadline,
    on_event: &mut F,
) -> Result<ScenarioResult, Error>
where
    F: FnMut(&RunEvent<'_>) + ?Sized,
{
    let started = Instant::now();
    let file = scenario.file.as_path();
    on_event(&RunEvent::ScenarioStarted {
        file,
        name: &scenario.name,
    });
    let mut cognito = Cognito::with_lookup(functions);
    cognito.set_deadline(deadline);
    let mut pool = scenario.pool.clone();
    // A scenario sees only its own pool, so its keys can be the run's: made once, not per scenario.
    pool.use_keys(PoolKeys::process_wide());
    let pool_id = cognito.add_pool(pool);
    let mut status = ScenarioStatus::Passed;
    let mut steps = Vec::with_capacity(scenario.steps.len());
    // The previous step's `Session`, for `$session`.
    let mut session: Option<String> = None;
    for (index, step) in scenario.steps.iter().enumerate() {
        if status != ScenarioStatus::Passed {
            let skipped = StepResult {
                index,
                action: step.action,
                request: step.request.clone(),
                status: StepStatus::Skipped,
                actual: None,
                verdict: None,
                triggers: Vec::new(),
                duration: Duration::ZERO,
            };
            on_event(&RunEvent::StepFinished {
                file,
                step: &skipped,
            });
            steps.push(skipped);
            continue;
        }
        let step_started = Instant::now();
        let mut request = step.request.clone();
        let base = format!("$.steps[{index}].request");
        cognito
            .with_pool_mut(&pool_id, |pool| {
                refs::resolve(
                    &mut request,
                    &base,
                    pool,
                    &scenario.clients,
                    session.as_deref(),
                )
            })
            .unwrap_or_else(|| {
                // A DeleteUserPool step removed the pool: `$pool` still names it (so the step gets
                // Cognito's ResourceNotFoundException), and user references find no one.
                let mut gone = crate::pool::UserPool::with_id(pool_id.as_str(), Default::default());
                refs::resolve(
                    &mut request,
                    &base,
                    &mut gone,
                    &scenario.clients,
                    session.as_deref(),
                )
            })
            .map_err(|(path, message)| Error::input(&scenario.file, path, message))?;
        on_event(&RunEvent::StepStarted {
            file,
            index,
            action: step.action,
            request: &request,
        });
        let outcome = match &step.aws_sdk_version {
            Some(sdk) => cognito.run_from(sdk, step.action, &request).await,
            None => cognito.run(step.action, &request).await,
        };
        // A refused answer leaves the challenge waiting (a wrong MFA code keeps its Session),
        // so `$session` stays the last Session a successful step gave.
        if let Some(response) = outcome.response() {
            session = response
                .get("Session")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        for run in &outcome.triggers {
            on_event(&RunEvent::TriggerRan {
                file,
                step: index,
                run,
            });
        }
        let step_status = match outcome.harness_failure() {
            Some(message) => {
                status = ScenarioStatus::HarnessFailure;
                StepStatus::HarnessFailure {
                    message: message.to_string(),
                }
            }
            None => {
                let mismatches = expect::check(&step.expect, &outcome);
                if mismatches.is_empty() {
                    StepStatus::Passed
                } else {
                    status = ScenarioStatus::Failed;
                    StepStatus::Failed { mismatches }
                }
            }
        };
        let verdict = outcome.verdict().cloned();
        let Outcome {
            result,
            triggers,
            warnings,
            delivered,
            ..
        } = outcome;
        let result = StepResult {
            index,
            action: step.action,
            request,
            status: step_status,
            actual: Some(Actual {
                result,
                warnings,
                delivered,
            }),
            verdict,
            triggers,
            duration: step_started.elapsed(),
        };
        on_event(&RunEvent::StepFinished {
            file,
            step: &result,
        });
        steps.push(result);
    }
    let result = ScenarioResult {
        file: scenario.file.clone(),
        name: scenario.name.clone(),
        status,
        steps,
        duration: started.elapsed(),
    };
    on_event(&RunEvent::ScenarioFinished(&result));
    Ok(result)
}
