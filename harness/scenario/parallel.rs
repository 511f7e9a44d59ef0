//! Running scenarios side by side (`check --jobs N`). Each scenario still runs alone in its own
//! [`Cognito`](crate::service::Cognito) with a fresh copy of its pool ([`run_scenario`]); only the
//! functions are shared. What the renderers see is the stream a serial run gives, in the same
//! order: a scenario's events are replayed from its result once every scenario before it has been
//! reported, and the result is dropped right after, so memory depends on how many scenarios are in
//! flight, not on the suite's size.
//!
//! Scenarios that wait (a function that never answers waits out every attempt's deadline) do not
//! hold up the others: up to [`IN_FLIGHT_PER_JOB`] × jobs scenarios run at once, and the runtime's
//! worker threads (one per job) share the CPU work between them. A scenario that finishes while an
//! earlier one still waits frees its place at once; its result waits for its turn to be reported
//! (at most [`REPORTS_AHEAD`] of them), so one slow scenario does not stall the run. A function with a
//! concurrency limit (a process function's environments) is never asked for more invocations at
//! once than it allows, so running in parallel never throttles a call that alone would not be.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use super::run::{count, run_all, run_scenario, RunEvent, ScenarioResult, Summary};
use super::Scenario;
use crate::error::Error;
use crate::function::{Deadline, FunctionLookup};

/// Scenarios started ahead per job. A scenario waiting on a deadline holds its place in the
/// output order while those after it run. Kept small: every scenario in flight that calls a
/// process function may need an environment of its own, and a storm of cold starts on a loaded
/// machine can take longer than a deadline, which a serial run (one warm environment) never
/// meets. More jobs, more in flight.
pub const IN_FLIGHT_PER_JOB: usize = 8;

/// Most finished results held back while an earlier scenario still runs: bounds memory whatever
/// the suite's size. Beyond it, new scenarios wait for the slow one to be reported.
pub const REPORTS_AHEAD: usize = 1024;

/// Runs `scenarios` with up to `jobs` worker threads' worth of CPU work at once, reporting the
/// same events, in the same order, as [`run_all`] would. `jobs <= 1` is [`run_all`] itself.
///
/// Needs a tokio runtime with `jobs` worker threads to use that many cores; on a current-thread
/// runtime the scenarios still overlap their waits. `Err` (a scenario that did not load, or a bad
/// reference: exit code 2) stops the run once every scenario before the bad one has been
/// reported, as a serial run stops.
pub async fn run_parallel<I>(
    scenarios: I,
    functions: Arc<dyn FunctionLookup>,
    deadline: Deadline,
    jobs: usize,
    on_event: &mut dyn FnMut(&RunEvent<'_>),
) -> Result<Summary, Error>
where
    I: IntoIterator<Item = Result<Scenario, Error>>,
    I::IntoIter: ExactSizeIterator,
{
    if jobs <= 1 {
        return run_all(scenarios, functions, deadline, on_event).await;
    }
    let started = Instant::now();
    let scenarios = scenarios.into_iter();
    on_event(&RunEvent::RunStarted {
        scenarios: scenarios.len(),
    });
    let limits = Arc::new(Limits::default());
    let running = Arc::new(Semaphore::new(jobs.saturating_mul(IN_FLIGHT_PER_JOB)));
    let mut queued = scenarios.peekable();
    // Started scenarios in their order, finished or not: the front is the next to report.
    let mut in_flight: VecDeque<JoinHandle<Result<ScenarioResult, Error>>> = VecDeque::new();
    let mut summary = Summary::default();
    // A scenario that did not load is reported, in its turn, as the error that stops the run.
    let start = |scenario: Result<Scenario, Error>, place: OwnedSemaphorePermit| {
        let functions = functions.clone();
        let limits = limits.clone();
        tokio::spawn(async move {
            let _place = place;
            let scenario = scenario?;
            let _permits = limits.acquire(&scenario, functions.as_ref()).await;
            run_scenario(&scenario, functions, deadline, &mut |_| {}).await
        })
    };
    let result = loop {
        // Start what the free places allow.
        while in_flight.len() < REPORTS_AHEAD && queued.peek().is_some() {
            let Ok(place) = running.clone().try_acquire_owned() else {
                break;
            };
            let scenario = queued.next().expect("peeked");
            in_flight.push_back(start(scenario, place));
        }
        let can_start = in_flight.len() < REPORTS_AHEAD && queued.peek().is_some();
        let Some(head) = in_flight.front_mut() else {
            break Ok(());
        };
        // The next report, or a place freed by a later scenario, whichever comes first.
        let next = tokio::select! {
            biased;
            joined = head => Next::Report(joined),
            place = running.clone().acquire_owned(), if can_start => {
                Next::Start(place.expect("the semaphore is never closed"))
            }
        };
        let joined = match next {
            Next::Start(place) => {
                let scenario = queued.next().expect("peeked");
                in_flight.push_back(start(scenario, place));
                continue;
            }
            Next::Report(joined) => {
                in_flight.pop_front();
                joined
            }
        };
        let result = match joined {
            Ok(result) => result,
            // A panic in the harness is a bug; it surfaces as it would in a serial run.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => unreachable!("scenario tasks are never cancelled while awaited: {e}"),
        };
        match result {
            Ok(result) => {
                replay(&result, on_event);
                count(&mut summary, &result);
            }
            Err(e) => break Err(e),
        }
    };
    for task in &in_flight {
        task.abort();
    }
    result?;
    summary.duration = started.elapsed();
    on_event(&RunEvent::RunFinished(&summary));
    Ok(summary)
}

/// What the run waits for next.
enum Next {
    /// The earliest unreported scenario ended.
    Report(Result<Result<ScenarioResult, Error>, tokio::task::JoinError>),
    /// A place to run one more scenario.
    Start(OwnedSemaphorePermit),
}

/// The events a serial run reports for one scenario, from its result.
fn replay(result: &ScenarioResult, on_event: &mut dyn FnMut(&RunEvent<'_>)) {
    let file = result.file.as_path();
    on_event(&RunEvent::ScenarioStarted {
        file,
        name: &result.name,
    });
    for step in &result.steps {
        if step.actual.is_some() {
            on_event(&RunEvent::StepStarted {
                file,
                index: step.index,
                action: step.action,
                request: &step.request,
            });
            for run in &step.triggers {
                on_event(&RunEvent::TriggerRan {
                    file,
                    step: step.index,
                    run,
                });
            }
        }
        on_event(&RunEvent::StepFinished { file, step });
    }
    on_event(&RunEvent::ScenarioFinished(result));
}

/// One semaphore per function with a concurrency limit, so that the scenarios in flight never
/// invoke it more often at once than it allows.
#[derive(Default)]
struct Limits {
    /// Keyed by the function's address: two ARNs may name one function.
    by_function: std::sync::Mutex<BTreeMap<usize, Arc<Semaphore>>>,
}

impl Limits {
    /// A permit for every limited function the scenario may invoke. A scenario's steps run one at
    /// a time, so one permit per function covers it. Taken in address order, so two scenarios
    /// that need the same functions cannot each hold what the other waits for.
    async fn acquire(
        &self,
        scenario: &Scenario,
        functions: &dyn FunctionLookup,
    ) -> Vec<OwnedSemaphorePermit> {
        let mut needed: BTreeMap<usize, Arc<Semaphore>> = BTreeMap::new();
        for arn in scenario.lambda_arns() {
            let Some(function) = functions.lookup(&arn) else {
                continue;
            };
            let Some(limit) = function.concurrency() else {
                continue;
            };
            let key = Arc::as_ptr(&function) as *const () as usize;
            if needed.contains_key(&key) {
                continue;
            }
            let semaphore = self
                .by_function
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(key)
                // A limit of 0 throttles every call; letting one in at a time keeps that verdict.
                .or_insert_with(|| Arc::new(Semaphore::new(limit.max(1) as usize)))
                .clone();
            needed.insert(key, semaphore);
        }
        let mut permits = Vec::with_capacity(needed.len());
        for semaphore in needed.into_values() {
            if let Ok(permit) = semaphore.acquire_owned().await {
                permits.push(permit);
            }
        }
        permits
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use lambda_runtime::{service_fn, Error as LambdaError, LambdaEvent};
    use serde_json::{json, Value};
    use tokio::sync::Notify;

    use super::*;
    use crate::function::{handler, Function, Functions};
    use crate::scenario::ScenarioStatus;

    /// A scenario whose one step runs the CustomMessage function `function`.
    fn scenario(n: usize, function: &str) -> Scenario {
        let text = json!({
            "name": format!("scenario {n}"),
            "pool": {
                "PoolName": "p",
                "AutoVerifiedAttributes": ["email"],
                "LambdaConfig": {"CustomMessage": format!("arn:aws:lambda:us-east-1:123456789012:function:{function}")},
            },
            "users": [{"Username": "alice", "UserAttributes": [{"Name": "email", "Value": "a@example.com"}]}],
            "steps": [{
                "action": "AdminUpdateUserAttributes",
                "request": {"UserPoolId": "$pool", "Username": "alice",
                            "UserAttributes": [{"Name": "email", "Value": "b@example.com"}]},
                "expect": {"outcome": "success"},
            }],
        });
        Scenario::parse(Path::new(&format!("s{n}.json")), &text.to_string()).expect("parses")
    }

    /// What an [`echo_after`] handler does with its signal before echoing the event.
    #[derive(Clone, Copy)]
    enum Signal {
        Await,
        Give,
    }

    /// A handler that echoes its event after awaiting or giving `signal` (when it has one).
    fn echo_after(signal: Option<Arc<Notify>>, what: Signal) -> impl Function + 'static {
        handler(service_fn(move |e: LambdaEvent<Value>| {
            let signal = signal.clone();
            async move {
                match (signal, what) {
                    (Some(signal), Signal::Await) => signal.notified().await,
                    (Some(signal), Signal::Give) => signal.notify_one(),
                    (None, _) => {}
                }
                Ok::<Value, LambdaError>(e.payload)
            }
        }))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_waiting_scenario_lets_later_ones_run_and_report_in_order() {
        // Scenario 0 answers only once scenario 20 has run: with two jobs, 20 is beyond the
        // places of the scenarios started with it, so it runs only if places free up while 0
        // waits. (Before, 0 held up every report and start behind it until its deadline.)
        let signal = Arc::new(Notify::new());
        let mut functions = Functions::new();
        functions
            .bind("waits", echo_after(Some(signal.clone()), Signal::Await))
            .bind("echoes", echo_after(None, Signal::Give))
            .bind("signals", echo_after(Some(signal), Signal::Give));
        let last = 2 * IN_FLIGHT_PER_JOB + 4;
        let scenarios: Vec<Scenario> = (0..=last)
            .map(|n| match n {
                0 => scenario(n, "waits"),
                n if n == last => scenario(n, "signals"),
                n => scenario(n, "echoes"),
            })
            .collect();
        // Long enough that no machine load makes the waiting function time out.
        let deadline = Deadline {
            per_attempt: Duration::from_secs(120),
            attempts: 1,
        };
        let mut reported = Vec::new();
        let scenarios = scenarios.into_iter().map(Ok);
        let summary = run_parallel(scenarios, Arc::new(functions), deadline, 2, &mut |event| {
            if let RunEvent::ScenarioFinished(result) = event {
                reported.push((result.name.clone(), result.status));
            }
        })
        .await
        .expect("runs");
        let expected: Vec<(String, ScenarioStatus)> = (0..=last)
            .map(|n| (format!("scenario {n}"), ScenarioStatus::Passed))
            .collect();
        assert_eq!(reported, expected);
        assert_eq!((summary.passed, summary.failed), (last + 1, 0));
    }
}
