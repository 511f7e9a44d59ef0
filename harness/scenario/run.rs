//! Running scenarios: each gets a fresh copy of its pool in its own [`Cognito`], with the shared
//! function lookup (so warm processes serve every scenario). What happens is a typed stream of
//! [`RunEvent`]s; renderers (crate `report`) consume it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

use super::expect::{self, Mismatch};
use super::{refs, Scenario};
use crate::error::Error;
use crate::function::{Deadline, FunctionLookup, Invoked, Payload};
use crate::service::{Cognito, Outcome, TriggerRun};

/// What happened, in order.
#[derive(Debug)]
pub enum RunEvent<'a> {
    RunStarted {
        scenarios: usize,
    },
    ScenarioStarted {
        file: &'a std::path::Path,
        name: &'a str,
    },
    StepFinished {
        file: &'a std::path::Path,
        step: &'a StepResult,
    },
    ScenarioFinished(&'a ScenarioResult),
    RunFinished(&'a Summary),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum StepStatus {
    Passed,
    Failed {
        mismatches: Vec<Mismatch>,
    },
    /// The harness could not run a function (not a Cognito behaviour).
    HarnessFailure {
        message: String,
    },
    /// Not run because an earlier step of the scenario failed.
    Skipped,
}

/// One step as it ran.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepResult {
    pub index: usize,
    pub action: String,
    /// The request with references resolved.
    pub request: Value,
    #[serde(flatten)]
    pub status: StepStatus,
    /// `{"outcome", "message"?, "response"?, "warnings", "delivered"}`.
    pub actual: Value,
    /// The verdict that decided the call (`Verdict::to_json`), when a trigger was involved.
    pub verdict: Option<Value>,
    /// Every trigger invocation: the event sent, the function's output, the verdict.
    pub triggers: Vec<Value>,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScenarioStatus {
    Passed,
    Failed,
    HarnessFailure,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioResult {
    pub file: PathBuf,
    pub name: String,
    pub status: ScenarioStatus,
    pub steps: Vec<StepResult>,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub passed: usize,
    /// Scenarios with an unmet expectation or a harness failure.
    pub failed: usize,
    /// Of `failed`: scenarios where the harness could not run a function.
    pub harness_failures: usize,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1e6).round() / 1e3)
}

/// Runs scenarios one after another, reporting through `on_event`.
pub async fn run_all(
    scenarios: &[Scenario],
    functions: Arc<dyn FunctionLookup>,
    deadline: Deadline,
    on_event: &mut dyn FnMut(&RunEvent<'_>),
) -> Result<(Vec<ScenarioResult>, Summary), Error> {
    let started = Instant::now();
    on_event(&RunEvent::RunStarted {
        scenarios: scenarios.len(),
    });
    let mut results = Vec::with_capacity(scenarios.len());
    let mut summary = Summary::default();
    for scenario in scenarios {
        let result = run_scenario(scenario, functions.clone(), deadline, on_event).await?;
        match result.status {
            ScenarioStatus::Passed => summary.passed += 1,
            ScenarioStatus::Failed => summary.failed += 1,
            ScenarioStatus::HarnessFailure => {
                summary.failed += 1;
                summary.harness_failures += 1;
            }
        }
        results.push(result);
    }
    summary.duration = started.elapsed();
    on_event(&RunEvent::RunFinished(&summary));
    Ok((results, summary))
}

/// Runs one scenario. `Err` only for a bad reference (exit code 2); everything Cognito or the
/// function did is in the result.
pub async fn run_scenario(
    scenario: &Scenario,
    functions: Arc<dyn FunctionLookup>,
    deadline: Deadline,
    on_event: &mut dyn FnMut(&RunEvent<'_>),
) -> Result<ScenarioResult, Error> {
    let started = Instant::now();
    on_event(&RunEvent::ScenarioStarted {
        file: &scenario.file,
        name: &scenario.name,
    });
    let mut cognito = Cognito::with_lookup(functions);
    cognito.set_deadline(deadline);
    let pool_id = cognito.add_pool(scenario.pool.clone());
    let mut status = ScenarioStatus::Passed;
    let mut steps = Vec::with_capacity(scenario.steps.len());
    for (index, step) in scenario.steps.iter().enumerate() {
        if status != ScenarioStatus::Passed {
            let skipped = StepResult {
                index,
                action: step.action.name().to_string(),
                request: step.request.clone(),
                status: StepStatus::Skipped,
                actual: Value::Null,
                verdict: None,
                triggers: Vec::new(),
                duration: Duration::ZERO,
            };
            on_event(&RunEvent::StepFinished {
                file: &scenario.file,
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
                refs::resolve(&mut request, &base, pool, &scenario.clients)
            })
            .unwrap_or_else(|| {
                // A DeleteUserPool step removed the pool: `$pool` still names it (so the step gets
                // Cognito's ResourceNotFoundException), and user references find no one.
                let mut gone = crate::pool::UserPool::with_id(pool_id.as_str(), Default::default());
                refs::resolve(&mut request, &base, &mut gone, &scenario.clients)
            })
            .map_err(|(path, message)| Error::input(&scenario.file, path, message))?;
        let outcome = cognito.run(step.action, &request).await;
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
        let result = StepResult {
            index,
            action: step.action.name().to_string(),
            request,
            status: step_status,
            actual: actual_json(&outcome),
            verdict: outcome.verdict().map(verdict_json),
            triggers: outcome.triggers.iter().map(trigger_json).collect(),
            duration: step_started.elapsed(),
        };
        on_event(&RunEvent::StepFinished {
            file: &scenario.file,
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

/// What the call did, in the terms expectations use.
fn actual_json(outcome: &Outcome) -> Value {
    let mut v = json!({ "outcome": expect::actual_outcome(outcome) });
    match &outcome.result {
        Ok(response) => v["response"] = response.clone(),
        Err(e) => v["message"] = e.message.clone().into(),
    }
    v["warnings"] = outcome.warnings.clone().into();
    v["delivered"] = outcome
        .delivered
        .iter()
        .map(expect::message_view)
        .collect::<Vec<_>>()
        .into();
    v
}

/// One trigger run, for replay and JSON reports.
fn trigger_json(run: &TriggerRun) -> Value {
    let mut v = json!({
        "triggerSource": run.trigger_source.name(),
        "arn": run.arn,
        "event": run.event,
    });
    if let Some(invocation) = &run.invocation {
        v["attempts"] = invocation.attempts.into();
        v["output"] = match &invocation.result {
            Invoked::Output(Payload::Json(json)) => json!({ "payload": json }),
            Invoked::Output(Payload::Bytes(bytes)) => {
                match serde_json::from_slice::<Value>(bytes) {
                    Ok(json) => json!({ "payload": json }),
                    Err(_) => json!({ "raw": String::from_utf8_lossy(bytes) }),
                }
            }
            Invoked::Error(e) => {
                json!({ "errorType": e.error_type, "errorMessage": e.error_message })
            }
            Invoked::TimedOut => json!({ "timedOut": true }),
            Invoked::Unavailable(m) => json!({ "unavailable": m }),
        };
        if !invocation.logs.is_empty() {
            v["logs"] = invocation.logs.clone().into();
        }
    }
    v["verdict"] = verdict_json(&run.verdict);
    v
}

/// A verdict as the JSON report shows it (its `Serialize` form).
fn verdict_json(verdict: &crate::Verdict) -> Value {
    serde_json::to_value(verdict).unwrap_or_default()
}
