//! The endpoint's log of recent trigger runs, for `GET /_harness/runs` and the web view: every
//! trigger run of every call `serve` answered, with the call's request id, time, action and pool,
//! the event sent, what the function answered, its logs and the verdict. A ring buffer: the newest
//! [`MAX_RUNS`] are kept, older ones are dropped.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::service::{Cognito, Outcome, TriggerRun};

/// The trigger runs the endpoint keeps (the newest).
pub const MAX_RUNS: usize = 1_000;

/// One trigger run and the call it belonged to.
struct RunRecord {
    /// Numbers runs from 1 in the order they were recorded.
    seq: u64,
    request_id: String,
    /// Epoch milliseconds when the call was answered.
    time_ms: u64,
    action: String,
    pool_id: Option<String>,
    run: TriggerRun,
}

#[derive(Default)]
struct Inner {
    runs: VecDeque<Arc<RunRecord>>,
    /// The last run's number (0 before the first).
    last_seq: u64,
    /// Calls answered through the protocol, with or without trigger runs.
    calls: u64,
}

/// The ring buffer of recent trigger runs, shared by every connection.
#[derive(Default)]
pub(super) struct RunLog {
    inner: Mutex<Inner>,
}

impl RunLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a call's trigger runs (and counts the call, so the web view sees that state may
    /// have changed even when no trigger ran). `request` is the call's body, when it was read.
    pub(super) fn record(
        &self,
        cognito: &Cognito,
        request_id: &str,
        request: Option<&Value>,
        outcome: &Outcome,
    ) {
        if outcome.triggers.is_empty() {
            self.lock().calls += 1;
            return;
        }
        let pool_id = pool_of(cognito, request, outcome);
        let time_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        // Built before the lock is taken: the copies are the costly part.
        let mut records: Vec<RunRecord> = outcome
            .triggers
            .iter()
            .map(|run| RunRecord {
                seq: 0,
                request_id: request_id.to_string(),
                time_ms,
                action: outcome.action.clone(),
                pool_id: pool_id.clone(),
                run: run.clone(),
            })
            .collect();
        let mut inner = self.lock();
        inner.calls += 1;
        for mut record in records.drain(..) {
            inner.last_seq += 1;
            record.seq = inner.last_seq;
            inner.runs.push_back(Arc::new(record));
        }
        while inner.runs.len() > MAX_RUNS {
            inner.runs.pop_front();
        }
    }

    /// `{"calls", "lastRun"}`: how many calls were answered and the newest run's `seq` (0 when
    /// none), for a page polling for changes.
    pub(super) fn changes(&self) -> Value {
        let inner = self.lock();
        json!({"calls": inner.calls, "lastRun": inner.last_seq})
    }

    /// The runs newest first: only the pool's (`pool`), only those after run `after`, at most
    /// `limit`.
    pub(super) fn runs(&self, pool: Option<&str>, after: u64, limit: usize) -> Value {
        // Only the records' handles are taken under the lock; they are rendered after.
        let picked: Vec<Arc<RunRecord>> = {
            let inner = self.lock();
            inner
                .runs
                .iter()
                .rev()
                .take_while(|r| r.seq > after)
                .filter(|r| pool.is_none_or(|p| r.pool_id.as_deref() == Some(p)))
                .take(limit)
                .cloned()
                .collect()
        };
        Value::Array(picked.iter().map(|r| render(r)).collect())
    }
}

/// The pool a call's runs belong to: the events name it; a run without an event (no function
/// ran) takes the request's `UserPoolId`, or the pool of its `ClientId`.
fn pool_of(cognito: &Cognito, request: Option<&Value>, outcome: &Outcome) -> Option<String> {
    let from_event = outcome.triggers.iter().find_map(|run| {
        run.event
            .as_ref()
            .and_then(|e| e.get("userPoolId"))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    if from_event.is_some() {
        return from_event;
    }
    let field = |name: &str| request.and_then(|r| r.get(name)).and_then(Value::as_str);
    if let Some(id) = field("UserPoolId") {
        return Some(id.to_string());
    }
    let client = cognito.pool_for_client(field("ClientId")?).ok()?;
    let id = crate::service::lock(&client).id.clone();
    Some(id)
}

/// A run as the route shows it: `{"seq", "requestId", "time", "action", "poolId",
/// "triggerSource", "arn", "event", "attempts"?, "output"?, "logs"?, "verdict"}`; `attempts`,
/// `output` and `logs` only when a function ran (`logs` only when it wrote any). `output` and
/// `verdict` have the shapes `check --format json` gives them.
fn render(record: &RunRecord) -> Value {
    let run = &record.run;
    let mut v = json!({
        "seq": record.seq,
        "requestId": record.request_id,
        "time": record.time_ms,
        "action": record.action,
        "poolId": record.pool_id,
        "triggerSource": run.trigger_source.name(),
        "arn": run.arn,
        "event": run.event,
    });
    if let Some(invocation) = &run.invocation {
        v["attempts"] = invocation.attempts.into();
        v["output"] = invocation.result.to_report_json();
        if !invocation.logs.is_empty() {
            v["logs"] = invocation.logs.clone().into();
        }
    }
    v["verdict"] = serde_json::to_value(&run.verdict).unwrap_or_default();
    v
}
