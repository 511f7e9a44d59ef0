//! [`Outcome`] as text a person reads when a test fails: the call and its answer, then each
//! trigger run (source, function, verdict with rule and grade, what the function returned, its
//! logs), the messages delivered and the warnings.

use std::fmt;

use super::{Outcome, TriggerRun};
use crate::function::Invoked;
use crate::pool::{DeliveryMedium, Message};
use crate::trigger::Decision;

/// Function output and logs longer than this are cut in the text (the `Outcome` keeps them whole).
const SHOWN_CHARS: usize = 2000;

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.result {
            Ok(response) => writeln!(f, "{} succeeded: {}", self.action, response)?,
            Err(e) => writeln!(f, "{} failed: {}: {}", self.action, e.code, e.message)?,
        }
        for run in &self.triggers {
            write_run(f, run)?;
        }
        for message in &self.delivered {
            write_message(f, message)?;
        }
        for warning in &self.warnings {
            writeln!(f, "  warning: {warning}")?;
        }
        Ok(())
    }
}

fn write_run(f: &mut fmt::Formatter<'_>, run: &TriggerRun) -> fmt::Result {
    let function = run.arn.as_deref().unwrap_or("no function configured");
    writeln!(f, "  trigger {} -> {function}", run.trigger_source)?;
    let verdict = &run.verdict;
    let decision = match &verdict.decision {
        Decision::Accepted => "accepted".to_string(),
        Decision::Rejected(e) => format!("rejected with {}", e.code),
        Decision::HarnessFailure(m) => format!("not run by the harness: {m}"),
    };
    write!(
        f,
        "    verdict: {decision} by rule {} ({}, {})",
        verdict.rule.id, verdict.rule.grade, verdict.rule.reference
    )?;
    match &verdict.detail {
        Some(detail) => writeln!(f, ": {detail}")?,
        None => writeln!(f)?,
    }
    if let Some(invocation) = &run.invocation {
        match &invocation.result {
            Invoked::Output(payload) => {
                writeln!(f, "    returned: {}", shortened(&payload.to_text()))?
            }
            Invoked::Error(e) => writeln!(
                f,
                "    function error: {} {}",
                e.error_type,
                shortened(&e.error_message)
            )?,
            Invoked::TimedOut => writeln!(
                f,
                "    no answer within the deadline ({} attempt(s))",
                invocation.attempts
            )?,
            Invoked::Throttled(m) => writeln!(f, "    throttled: {m}")?,
            Invoked::Unavailable(m) => writeln!(f, "    could not be run: {m}")?,
        }
        let logs = invocation.logs.trim_end();
        if !logs.is_empty() {
            writeln!(f, "    logs:")?;
            for line in shortened(logs).lines() {
                writeln!(f, "      | {line}")?;
            }
        }
    }
    for warning in &verdict.warnings {
        writeln!(f, "    warning: {warning}")?;
    }
    Ok(())
}

fn write_message(f: &mut fmt::Formatter<'_>, message: &Message) -> fmt::Result {
    write!(
        f,
        "  delivered {} to {} ({}, {})",
        message.medium.as_str(),
        message.destination,
        message.username,
        message.trigger_source
    )?;
    if let Some(code) = &message.code {
        write!(f, " carrying {code}")?;
    }
    writeln!(f)?;
    if message.medium == DeliveryMedium::Email {
        writeln!(
            f,
            "    subject: {}",
            message.subject.as_deref().unwrap_or("")
        )?;
    }
    writeln!(f, "    body: {}", shortened(&message.body))
}

/// `text`, cut after [`SHOWN_CHARS`] characters with a note of how much was left out.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        None => text.to_string(),
        Some((end, _)) => format!(
            "{}… ({} more characters)",
            &text[..end],
            text[end..].chars().count()
        ),
    }
}
