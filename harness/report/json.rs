//! The JSON renderer (`check --format json`): the whole run as one document. The document is a
//! user-facing format, so its shape is written out here, key by key, from the typed results:
//!
//! ```text
//! {"scenarios": [{"file", "name", "status", "steps": [step...], "durationMs"}],
//!  "summary": {"passed", "failed", "harnessFailures", "durationMs"}}
//! step:    {"index", "action", "request", "status", "mismatches"? | "message"?,
//!           "actual": {"outcome", "response" | "message", "warnings", "delivered"} | null,
//!           "verdict": verdict | null, "triggers": [trigger...], "durationMs"}
//! trigger: {"triggerSource", "arn", "event", "attempts"?, "output"?, "logs"?, "verdict"}
//! ```
//!
//! Durations are milliseconds with microsecond precision; verdicts are their `Serialize` form;
//! delivered messages are the scenario view ([`message_view`]).

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::function::Invocation;
use crate::scenario::{
    message_view, Actual, Mismatch, ScenarioResult, ScenarioStatus, StepResult, StepStatus, Summary,
};
use crate::service::TriggerRun;
use crate::trigger::Verdict;

/// The whole run as one pretty-printed JSON document: `{"scenarios": [...], "summary": {...}}`.
pub fn document(results: &[ScenarioResult], summary: &Summary) -> String {
    let scenarios: Vec<Value> = results.iter().map(scenario).collect();
    let doc = json!({ "scenarios": scenarios, "summary": summary_json(summary) });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn scenario(result: &ScenarioResult) -> Value {
    let status = match result.status {
        ScenarioStatus::Passed => "passed",
        ScenarioStatus::Failed => "failed",
        ScenarioStatus::HarnessFailure => "harness-failure",
    };
    json!({
        "file": result.file.to_string_lossy(),
        "name": result.name,
        "status": status,
        "steps": result.steps.iter().map(step).collect::<Vec<_>>(),
        "durationMs": millis(result.duration),
    })
}

fn summary_json(summary: &Summary) -> Value {
    json!({
        "passed": summary.passed,
        "failed": summary.failed,
        "harnessFailures": summary.harness_failures,
        "durationMs": millis(summary.duration),
    })
}

fn step(step: &StepResult) -> Value {
    let mut v = Map::new();
    v.insert("index".into(), step.index.into());
    v.insert("action".into(), step.action.name().into());
    v.insert("request".into(), step.request.clone());
    match &step.status {
        StepStatus::Passed => {
            v.insert("status".into(), "passed".into());
        }
        StepStatus::Failed { mismatches } => {
            v.insert("status".into(), "failed".into());
            let list = mismatches.iter().map(mismatch).collect::<Vec<_>>();
            v.insert("mismatches".into(), list.into());
        }
        StepStatus::HarnessFailure { message } => {
            v.insert("status".into(), "harness-failure".into());
            v.insert("message".into(), message.clone().into());
        }
        StepStatus::Skipped => {
            v.insert("status".into(), "skipped".into());
        }
    }
    v.insert(
        "actual".into(),
        step.actual.as_ref().map_or(Value::Null, actual),
    );
    v.insert(
        "verdict".into(),
        step.verdict.as_ref().map_or(Value::Null, verdict),
    );
    let triggers = step.triggers.iter().map(trigger).collect::<Vec<_>>();
    v.insert("triggers".into(), triggers.into());
    v.insert("durationMs".into(), millis(step.duration));
    Value::Object(v)
}

fn mismatch(m: &Mismatch) -> Value {
    let mut v = json!({ "field": m.field, "expected": m.expected, "actual": m.actual });
    if let Some(diff) = &m.diff {
        v["diff"] = diff.clone().into();
    }
    v
}

/// What a step's call did: `{"outcome", "response" | "message", "warnings", "delivered"}`.
pub(super) fn actual(actual: &Actual) -> Value {
    let mut v = json!({ "outcome": actual.outcome() });
    match &actual.result {
        Ok(response) => v["response"] = response.clone(),
        Err(e) => v["message"] = e.message.clone().into(),
    }
    v["warnings"] = actual.warnings.clone().into();
    v["delivered"] = actual
        .delivered
        .iter()
        .map(message_view)
        .collect::<Vec<_>>()
        .into();
    v
}

/// One trigger run: `{"triggerSource", "arn", "event", "attempts"?, "output"?, "logs"?,
/// "verdict"}` (the middle three only when a function ran; `logs` only when it wrote any).
fn trigger(run: &TriggerRun) -> Value {
    let mut v = json!({
        "triggerSource": run.trigger_source.name(),
        "arn": run.arn,
        "event": run.event,
    });
    if let Some(invocation) = &run.invocation {
        v["attempts"] = invocation.attempts.into();
        v["output"] = output(invocation);
        if !invocation.logs.is_empty() {
            v["logs"] = invocation.logs.clone().into();
        }
    }
    v["verdict"] = verdict(&run.verdict);
    v
}

/// What the function answered ([`Invoked::to_report_json`](crate::Invoked::to_report_json)).
pub(super) fn output(invocation: &Invocation) -> Value {
    invocation.result.to_report_json()
}

/// A verdict in its `Serialize` form.
pub(super) fn verdict(verdict: &Verdict) -> Value {
    serde_json::to_value(verdict).unwrap_or_default()
}

/// Milliseconds, rounded to the microsecond.
fn millis(d: Duration) -> Value {
    json!((d.as_secs_f64() * 1e6).round() / 1e3)
}
