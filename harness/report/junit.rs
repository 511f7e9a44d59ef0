//! The JUnit XML renderer, for CI systems (`check --format junit`).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::human::show;
use crate::scenario::{RunEvent, ScenarioResult, StepResult, StepStatus, Summary};

/// JUnit XML: one test suite per scenario file, one test case per step; skipped steps are
/// skipped test cases, harness failures are errors. Built a scenario at a time as the run reports them: each result
/// becomes its test suite (names, statuses, messages, logs) and is not held after.
pub struct Collector {
    report: Report,
}

impl Collector {
    /// An empty report.
    pub fn new() -> Collector {
        Collector {
            report: Report::new("cognito-harness"),
        }
    }

    /// Takes one event of the run: each finished scenario becomes a test suite.
    pub fn on_event(&mut self, event: &RunEvent<'_>) {
        if let RunEvent::ScenarioFinished(result) = event {
            self.add(result);
        }
    }

    fn add(&mut self, result: &ScenarioResult) {
        let mut suite = TestSuite::new(format!("{} ({})", result.name, result.file.display()));
        suite.set_time(result.duration);
        for step in &result.steps {
            let status = match &step.status {
                StepStatus::Passed => TestCaseStatus::success(),
                StepStatus::Skipped => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message("an earlier step failed");
                    s
                }
                StepStatus::Failed { mismatches } => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    let fields: Vec<&str> = mismatches.iter().map(|m| m.field).collect();
                    s.set_message(format!("expectation not met: {}", fields.join(", ")));
                    s.set_type("ExpectationFailed");
                    s.set_description(failure_text(step));
                    s
                }
                StepStatus::HarnessFailure { message } => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                    s.set_message(format!("could not run the function: {message}"));
                    s.set_type("HarnessFailure");
                    s
                }
            };
            let mut case = TestCase::new(
                format!("step {} {}", step.index + 1, step.action.name()),
                status,
            );
            case.set_classname(result.name.clone());
            case.set_time(step.duration);
            let logs = step_logs(step);
            if !logs.is_empty() {
                case.set_system_out(logs);
            }
            suite.add_test_case(case);
        }
        self.report.add_test_suite(suite);
    }

    /// The XML, with the run's total time.
    pub fn finish(mut self, summary: &Summary) -> String {
        self.report.set_time(summary.duration);
        self.report.to_string().unwrap_or_default()
    }
}

impl Default for Collector {
    fn default() -> Self {
        Collector::new()
    }
}

/// What the step's functions wrote, for `<system-out>`.
fn step_logs(step: &StepResult) -> String {
    step.triggers
        .iter()
        .filter_map(|t| t.invocation.as_ref())
        .map(|i| i.logs.as_str())
        .collect()
}

/// The description of a failed step: each mismatch, then the rule behind the verdict.
fn failure_text(step: &StepResult) -> String {
    let mut text = String::new();
    if let StepStatus::Failed { mismatches } = &step.status {
        for m in mismatches {
            text.push_str(&format!(
                "{}: expected {}\n{}: actual   {}\n",
                m.field,
                show(&m.expected),
                m.field,
                show(&m.actual)
            ));
            if let Some(diff) = &m.diff {
                text.push_str(diff);
                text.push('\n');
            }
        }
    }
    if let Some(v) = &step.verdict {
        text.push_str(&format!(
            "rule: {} ({}, {})\n",
            v.rule.id,
            v.rule.grade.as_str(),
            v.rule.reference
        ));
    }
    text
}
