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
    message_view, Actual, Mismatch, RunEvent, ScenarioResult, ScenarioStatus, StepResult,
    StepStatus, Summary,
};
use crate::service::TriggerRun;
use crate::trigger::Verdict;

/// The whole run as one pretty-printed JSON document: `{"scenarios": [...], "summary": {...}}`.
#[cfg(test)]
pub fn document(results: &[ScenarioResult], summary: &Summary) -> String {
    let scenarios: Vec<Value> = results.iter().map(scenario).collect();
    let doc = json!({ "scenarios": scenarios, "summary": summary_json(summary) });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// The document of [`document`], written a scenario at a time as the run reports them, so no
/// result is held past its own event. The text goes to an unnamed temporary file until
/// [`finish`](Self::finish) copies it out: a run that stops on bad input writes nothing, as
/// when the document was built at the end.
pub struct Stream {
    spool: std::io::BufWriter<std::fs::File>,
    scenarios: usize,
    error: Option<std::io::Error>,
}

impl Stream {
    /// A stream with an empty spool file.
    pub fn new() -> std::io::Result<Stream> {
        let file = spool_file()?;
        let mut stream = Stream {
            spool: std::io::BufWriter::new(file),
            scenarios: 0,
            error: None,
        };
        stream.write(b"{\n  \"scenarios\": [");
        Ok(stream)
    }

    /// Takes one event of the run: each finished scenario is written out.
    pub fn on_event(&mut self, event: &RunEvent<'_>) {
        if let RunEvent::ScenarioFinished(result) = event {
            self.push(&scenario(result));
        }
    }

    /// Writes one element of `"scenarios"`, indented as `to_string_pretty` indents it there.
    fn push(&mut self, value: &Value) {
        let text = serde_json::to_string_pretty(value).unwrap_or_default();
        let mut out = String::with_capacity(text.len() + text.len() / 8 + 8);
        out.push_str(if self.scenarios == 0 { "\n" } else { ",\n" });
        indent_into(&mut out, &text, "    ");
        self.scenarios += 1;
        self.write(out.as_bytes());
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.error.is_none() {
            if let Err(e) = std::io::Write::write_all(&mut self.spool, bytes) {
                self.error = Some(e);
            }
        }
    }

    /// Ends the document with the summary and copies it to `out`.
    pub fn finish(
        mut self,
        summary: &Summary,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        use std::io::{Seek, Write};
        let mut tail = String::new();
        tail.push_str(if self.scenarios == 0 {
            "],\n"
        } else {
            "\n  ],\n"
        });
        let summary = serde_json::to_string_pretty(&summary_json(summary)).unwrap_or_default();
        tail.push_str("  \"summary\": ");
        // The first line follows the key; the rest are indented one level.
        let (first, rest) = summary.split_once('\n').unwrap_or((summary.as_str(), ""));
        tail.push_str(first);
        if !rest.is_empty() {
            tail.push('\n');
            indent_into(&mut tail, rest, "  ");
        }
        tail.push_str("\n}\n");
        self.write(tail.as_bytes());
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let mut file = self.spool.into_inner().map_err(|e| e.into_error())?;
        file.flush()?;
        file.rewind()?;
        std::io::copy(&mut file, out)?;
        Ok(())
    }
}

/// Appends `text` with every line indented by `by` (JSON text has no newlines inside strings).
fn indent_into(out: &mut String, text: &str, by: &str) {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(by);
        out.push_str(line);
    }
}

/// A new file in the temporary folder, unlinked at once: it goes away with its handle.
fn spool_file() -> std::io::Result<std::fs::File> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir();
    loop {
        let path = dir.join(format!(
            "cognito-harness-report-{}-{}.json",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => {
                let _ = std::fs::remove_file(&path);
                return Ok(file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn result(name: &str, steps: usize) -> ScenarioResult {
        ScenarioResult {
            file: format!("fixtures/{name}.json").into(),
            name: name.to_string(),
            status: ScenarioStatus::Passed,
            steps: (0..steps)
                .map(|index| StepResult {
                    index,
                    action: crate::service::Action::parse("AdminGetUser").expect("an action"),
                    request: json!({"UserPoolId": "p", "Nested": {"a": [1, {"b": []}], "c": {}}}),
                    status: StepStatus::Skipped,
                    actual: None,
                    verdict: None,
                    triggers: Vec::new(),
                    duration: Duration::from_micros(1234),
                })
                .collect(),
            duration: Duration::from_millis(3),
        }
    }

    fn streamed(results: &[ScenarioResult], summary: &Summary) -> String {
        let mut stream = Stream::new().expect("a spool file");
        for r in results {
            stream.on_event(&RunEvent::ScenarioFinished(r));
        }
        let mut out = Vec::new();
        stream.finish(summary, &mut out).expect("written");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn the_stream_writes_the_document_byte_for_byte() {
        let summary = Summary {
            passed: 2,
            failed: 1,
            harness_failures: 0,
            duration: Duration::from_millis(12),
        };
        for results in [
            vec![],
            vec![result("one", 0)],
            vec![result("one", 1), result("two", 2), result("three", 0)],
        ] {
            assert_eq!(streamed(&results, &summary), document(&results, &summary));
        }
    }
}
