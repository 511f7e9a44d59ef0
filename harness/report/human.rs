//! The human renderer: a table of scenario results streamed as they finish (with a progress bar
//! on a terminal for long runs), the plain summary line, and `replay`'s step-by-step account.

use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::json;
use crate::function;
use crate::scenario::{RunEvent, ScenarioResult, ScenarioStatus, StepResult, StepStatus, Summary};

/// Runs with at least this many scenarios get a progress bar (on a terminal).
const PROGRESS_THRESHOLD: usize = 20;

/// The plain last line of human output.
pub fn summary_line(summary: &Summary) -> String {
    format!("{} passed, {} failed", summary.passed, summary.failed)
}

/// Streams a table of scenario results; `replay` also prints every step's request, events,
/// function outputs and verdicts.
pub struct Human<W: Write> {
    out: W,
    color: bool,
    progress_allowed: bool,
    progress: Option<ProgressBar>,
    replay: bool,
}

impl<W: Write> Human<W> {
    /// `terminal`: the output is a terminal (colours, and a progress bar for long runs).
    pub fn new(out: W, terminal: bool, replay: bool) -> Self {
        let color = terminal && std::env::var_os("NO_COLOR").is_none();
        Human {
            out,
            color,
            progress_allowed: terminal,
            progress: None,
            replay,
        }
    }

    /// Renders one event of the stream (writing, and flushing, what it adds to the output).
    pub fn on_event(&mut self, event: &RunEvent<'_>) {
        let mut text = String::new();
        match event {
            RunEvent::RunStarted { scenarios } => {
                if self.progress_allowed && *scenarios >= PROGRESS_THRESHOLD && !self.replay {
                    let bar = ProgressBar::new(*scenarios as u64);
                    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}") {
                        bar.set_style(style);
                    }
                    self.progress = Some(bar);
                }
            }
            RunEvent::ScenarioStarted { file, name } => {
                if self.replay {
                    text.push_str(&format!("scenario {} ({})\n", name, file.display()));
                }
            }
            RunEvent::StepFinished { step, .. } => {
                if self.replay {
                    self.replay_step(&mut text, step);
                }
            }
            RunEvent::ScenarioFinished(result) => {
                self.scenario_line(&mut text, result);
                if let Some(bar) = &self.progress {
                    bar.inc(1);
                }
            }
            RunEvent::RunFinished(summary) => {
                if let Some(bar) = self.progress.take() {
                    bar.finish_and_clear();
                }
                text.push_str(&format!("{}\n", summary_line(summary)));
            }
            // Everything a step did is printed with its status, once it has finished.
            RunEvent::StepStarted { .. } | RunEvent::TriggerRan { .. } => {}
        }
        if text.is_empty() {
            return;
        }
        match &self.progress {
            Some(bar) => bar.suspend(|| {
                let _ = self.out.write_all(text.as_bytes());
            }),
            None => {
                let _ = self.out.write_all(text.as_bytes());
            }
        }
        let _ = self.out.flush();
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn scenario_line(&self, text: &mut String, result: &ScenarioResult) {
        let label = match result.status {
            ScenarioStatus::Passed => self.paint("32", "PASS "),
            ScenarioStatus::Failed => self.paint("31", "FAIL "),
            ScenarioStatus::HarnessFailure => self.paint("33", "ERROR"),
        };
        text.push_str(&format!(
            "{label} {:>9}  {}  {}\n",
            format_duration(result.duration),
            result.file.display(),
            result.name
        ));
        for step in &result.steps {
            match &step.status {
                StepStatus::Failed { mismatches } => {
                    text.push_str(&format!(
                        "      step {} {}\n",
                        step.index + 1,
                        step.action.name()
                    ));
                    for m in mismatches {
                        text.push_str(&format!(
                            "        {:<9} expected {}\n",
                            m.field,
                            show(&m.expected)
                        ));
                        text.push_str(&format!("        {:<9} actual   {}\n", "", show(&m.actual)));
                        if let Some(diff) = &m.diff {
                            for line in diff.lines() {
                                text.push_str(&format!("        {:<9} {}\n", "", line));
                            }
                        }
                    }
                    self.verdict_lines(text, step);
                    log_lines(text, step);
                }
                StepStatus::HarnessFailure { message } => {
                    text.push_str(&format!(
                        "      step {} {}\n",
                        step.index + 1,
                        step.action.name()
                    ));
                    text.push_str(&format!("        could not run the function: {message}\n"));
                    log_lines(text, step);
                }
                _ => {}
            }
        }
    }

    fn verdict_lines(&self, text: &mut String, step: &StepResult) {
        match &step.verdict {
            Some(v) => {
                text.push_str(&format!(
                    "        {:<9} {} ({}, {}) on {}\n",
                    "rule",
                    v.rule.id,
                    v.rule.grade.as_str(),
                    v.rule.reference,
                    v.trigger_source.name()
                ));
                if let Some(detail) = &v.detail {
                    text.push_str(&format!("        {:<9} {detail}\n", "evidence"));
                }
            }
            None => text.push_str(&format!(
                "        {:<9} no trigger ran; the action's own rules decided\n",
                "rule"
            )),
        }
    }

    fn replay_step(&self, text: &mut String, step: &StepResult) {
        let status = match &step.status {
            StepStatus::Passed => self.paint("32", "met"),
            StepStatus::Failed { .. } => self.paint("31", "NOT MET"),
            StepStatus::HarnessFailure { .. } => self.paint("33", "HARNESS FAILURE"),
            StepStatus::Skipped => "skipped (an earlier step failed)".to_string(),
        };
        text.push_str(&format!(
            "\n step {} {}: {status}\n",
            step.index + 1,
            step.action.name()
        ));
        let Some(actual) = &step.actual else {
            return;
        };
        text.push_str(&format!("  request  {}\n", step.request));
        for trigger in &step.triggers {
            text.push_str(&format!("  trigger  {}\n", trigger.trigger_source.name()));
            let event = trigger.event.as_ref().unwrap_or(&Value::Null);
            text.push_str(&format!("    event    {event}\n"));
            match &trigger.invocation {
                Some(invocation) => {
                    text.push_str(&format!("    output   {}\n", json::output(invocation)));
                    for line in invocation.logs.lines() {
                        text.push_str(&format!("    log      {line}\n"));
                    }
                }
                None => text.push_str("    output   (no function ran)\n"),
            }
            text.push_str(&format!(
                "    verdict  {}\n",
                json::verdict(&trigger.verdict)
            ));
        }
        text.push_str(&format!("  actual   {}\n", json::actual(actual)));
        if let StepStatus::Failed { mismatches } = &step.status {
            for m in mismatches {
                text.push_str(&format!("  expected {} {}\n", m.field, show(&m.expected)));
                if let Some(diff) = &m.diff {
                    for line in diff.lines() {
                        text.push_str(&format!("           {line}\n"));
                    }
                }
            }
        }
        if let StepStatus::HarnessFailure { message } = &step.status {
            text.push_str(&format!("  could not run the function: {message}\n"));
        }
    }
}

/// What the step's functions wrote (stdout and stderr of a process), under a failed step: often
/// the reason it failed (an import error, a stack trace).
fn log_lines(text: &mut String, step: &StepResult) {
    for trigger in &step.triggers {
        let Some(invocation) = &trigger.invocation else {
            continue;
        };
        for line in function::log_lines(&invocation.logs) {
            text.push_str(&format!("        {:<9} {line}\n", "log"));
        }
    }
}

/// A value as the table shows it: strings bare, other JSON as compact JSON.
pub(super) fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A duration in milliseconds: two decimals under 10 ms, none above.
fn format_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.0} ms")
    }
}
