//! `cognito-harness fuzz`: realistic events for every trigger source a function is bound to, run
//! against the function, judged by Cognito's rules; each distinct rejecting verdict, and each
//! distinct accepted one with a warning, is shrunk to the smallest case that still gets it and
//! written out as a scenario that replays it (cognito-semantics.md §FZ).
//!
//! The pieces: [`Case`] (the user and request of one call), `generate` (seeded generators),
//! `flows` (the call that fires each source: its event, from the trigger builders the service
//! uses), `steps` (the scenario steps that make the same call), `shrink` (simpler variants of a
//! case) and `findings` (the scenario files, checked by replaying them).

mod case;
mod findings;
mod flows;
mod generate;
mod shrink;
mod steps;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{Future, FutureExt, StreamExt};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

pub use case::Case;
pub use findings::{replay, scenario_json, write_finding, Replay};
pub use flows::SIGN_UP_PASSWORD;
pub use generate::{ATTRIBUTE_VALUE_MAX, METADATA_VALUE_MAX, USERNAME_MAX};

use crate::error::Error;
use crate::function::{function_name_of, invoke_with_retries, Deadline, Function};
use crate::pool::UserPool;
use crate::service::pool_files::pool_from_value;
use crate::trigger::{judge, Context, Decision, Ran, Trigger, TriggerSource, Verdict};
use flows::Flow;

/// The default number of events per function and trigger source.
pub const DEFAULT_RUNS: u64 = 500;
/// The default time budget of a whole run.
pub const DEFAULT_TIME: Duration = Duration::from_secs(60);
/// The most cases one shrink tries.
const SHRINK_ATTEMPTS: usize = 600;

/// One function in one pool: the sources it is bound to, and the pool (its `LambdaConfig` cut to
/// that function's triggers, so findings do not depend on other functions).
#[derive(Clone, Debug)]
pub struct Target {
    /// The function's name (the last part of its ARN).
    pub function: String,
    /// Where the pool came from, for reports.
    pub origin: String,
    /// The sources fuzz generates events for.
    pub sources: Vec<TriggerSource>,
    /// Sources the function is bound to that fuzz does not generate events for, and why.
    pub skipped: Vec<(TriggerSource, String)>,
    pool: UserPool,
    /// The pool file's JSON, with only this function's triggers.
    pool_json: Value,
}

impl Target {
    /// The target for `function` in a pool given as pool-file JSON (CreateUserPool-shaped), or
    /// `None` when the pool binds no trigger to it. `origin` names the pool in reports and errors.
    pub fn new(function: &str, pool_json: &Value, origin: &str) -> Result<Option<Target>, Error> {
        let file = PathBuf::from(origin);
        let full = pool_from_value(&file, pool_json.clone())?;
        let triggers: Vec<Trigger> = Trigger::all()
            .filter(|t| t.arn(&full.config).map(function_name_of) == Some(function))
            .collect();
        if triggers.is_empty() {
            return Ok(None);
        }
        let mut json = pool_json.clone();
        if let Some(Value::Object(config)) = json.get_mut("LambdaConfig") {
            // A trigger's key, its versioned form (`PreTokenGenerationConfig`, which also says
            // which event version the function gets) and the sender's `KMSKeyID` stay.
            let mut names: BTreeSet<String> = BTreeSet::new();
            for t in &triggers {
                names.insert(t.name().to_string());
                names.insert(format!("{}Config", t.name()));
            }
            if triggers.iter().any(|t| t.name().ends_with("Sender")) {
                names.insert("KMSKeyID".to_string());
            }
            config.retain(|key, value| {
                names.contains(key.as_str())
                    && (!key.ends_with("Config")
                        || value
                            .get("LambdaArn")
                            .and_then(Value::as_str)
                            .map(function_name_of)
                            == Some(function))
            });
        }
        let pool = pool_from_value(&file, json.clone())?;
        let (mut sources, mut skipped) = (Vec::new(), Vec::new());
        for source in triggers.iter().flat_map(|t| t.sources().iter().copied()) {
            match Flow::of(source).map(|f| f.unsupported_in(&pool)) {
                Some(None) => sources.push(source),
                Some(Some(why)) => skipped.push((source, why.to_string())),
                None => skipped.push((
                    source,
                    "fuzz does not generate events for this source yet".to_string(),
                )),
            }
        }
        Ok(Some(Target {
            function: function.to_string(),
            origin: origin.to_string(),
            sources,
            skipped,
            pool,
            pool_json: json,
        }))
    }

    /// The pool as its findings' scenarios carry it: LambdaConfig cut to this function's triggers.
    pub fn pool_json(&self) -> &Value {
        &self.pool_json
    }

    fn arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:123456789012:function:{}",
            self.pool.region, self.function
        )
    }
}

/// What bounds a run and makes it reproducible.
#[derive(Clone, Debug)]
pub struct Options {
    /// Events per trigger source of each target.
    pub runs: u64,
    /// The whole run's time budget, shared out between the targets' sources.
    pub time: Duration,
    /// The seed: the same seed gives the same events and, when `runs` bounds the run, the same
    /// findings.
    pub seed: u64,
    /// Only these sources (empty: every source).
    pub sources: Vec<TriggerSource>,
    /// Invocations in flight at once (the function's environments). On a multi-threaded tokio
    /// runtime each is built, run and judged on any worker, so an in-process handler uses every
    /// core when this is at least the number of workers; a run bounded by `runs` gets the same
    /// events and findings either way.
    pub parallel: usize,
    /// Cognito's patience per attempt and its attempts.
    pub deadline: Deadline,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runs: DEFAULT_RUNS,
            time: DEFAULT_TIME,
            seed: 0,
            sources: Vec::new(),
            parallel: 1,
            deadline: Deadline::default(),
        }
    }
}

/// A distinct rejecting verdict (or accepted verdict with warnings) and the smallest case found
/// that gets it.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The function.
    pub function: String,
    /// The target (pool) it was found in.
    pub target: usize,
    /// Cognito's verdict on the smallest case.
    pub verdict: Verdict,
    /// The smallest case.
    pub case: Case,
    /// The event the smallest case sends.
    pub event: Value,
    /// The case first found, before shrinking.
    pub found: Case,
    /// Simpler cases accepted while shrinking.
    pub shrink_steps: usize,
    /// How many generated events got this verdict.
    pub hits: u64,
}

impl Finding {
    /// The verdict's identity: rule id and exception (`success` for a warning).
    pub fn key(&self) -> (&'static str, &'static str) {
        let k = key(&self.verdict);
        (k.rule, k.outcome)
    }

    /// The trigger the finding is about (a function bound to several triggers has findings of
    /// each).
    pub fn trigger(&self) -> Trigger {
        self.case.source.trigger()
    }

    /// Whether this is a warning: Cognito accepts the call but ignores part of the function's
    /// answer (a claim it will not change, say), so the function does not get what it asked for.
    /// Warnings are reported apart from rejections and do not fail a run (§FZ.3).
    pub fn is_warning(&self) -> bool {
        self.verdict.is_accepted()
    }
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Generated events run against the functions.
    pub events: u64,
    /// Extra invocations while shrinking.
    pub shrink_events: u64,
    /// How long generating and running took (shrinking excluded).
    pub elapsed: Duration,
    /// The findings, in the order found.
    pub findings: Vec<Finding>,
    /// Things a user should know: skipped sources, stopped runs.
    pub notes: Vec<String>,
    /// Set when the harness could not run a function (exit code 3).
    pub harness_failure: Option<String>,
}

/// What makes two verdicts the same finding: the trigger, the rule and the outcome. The trigger
/// keeps apart generic rules (`function-error`, `output.unrecognizable`) of a function bound to
/// several triggers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    trigger: Trigger,
    rule: &'static str,
    outcome: &'static str,
}

fn key(verdict: &Verdict) -> Key {
    let outcome = match &verdict.decision {
        Decision::Rejected(e) => e.code.name(),
        Decision::Accepted => "success",
        Decision::HarnessFailure(_) => "harness-failure",
    };
    Key {
        trigger: verdict.trigger_source.trigger(),
        rule: verdict.rule.id,
        outcome,
    }
}

/// The rules by which Cognito accepts an answer but drops part of it, or a failure the caller
/// never hears of: the call succeeds, yet the function does not get what it asked for. Verdicts
/// by these are warning findings (§FZ.3). Warnings that only remind of the pool's configuration
/// (COGNITO_DEFAULT e-mail, ruling 7) come with a plain acceptance and are not findings.
const IGNORED_ANSWER_RULES: [&str; 3] = [
    "pre-token-generation.reserved-claim-ignored",
    "custom-message.invite-fallback",
    "custom-sender.failure-unreported",
];

/// Whether a verdict is worth reporting: Cognito rejects the call, or accepts it by a rule that
/// ignores part of the answer.
fn reportable(verdict: &Verdict) -> bool {
    !verdict.is_accepted() || IGNORED_ANSWER_RULES.contains(&verdict.rule.id)
}

/// FNV-1a: a stable hash, so a seed means the same events on every platform and Rust version.
fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.iter().chain(std::iter::once(&0xff)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The cases a run generates for one source of one target, in order.
pub fn cases(target: &Target, source: TriggerSource, seed: u64) -> impl Iterator<Item = Case> + '_ {
    // A source fuzz cannot fire has no cases (and no endless run of empty blocks).
    Flow::of(source)
        .into_iter()
        .flat_map(move |_| (0u64..).flat_map(move |block| block_cases(target, source, seed, block)))
}

/// Cases are drawn in blocks of this many, each block from its own generator (seeded by the run's
/// seed and the block's index): a worker generates the block it runs, and a seed still means the
/// same events however many workers share the run.
const BLOCK: usize = 32;

/// The cases of block `index` of [`cases`].
fn block_cases(
    target: &Target,
    source: TriggerSource,
    seed: u64,
    index: u64,
) -> impl Iterator<Item = Case> + '_ {
    let flow = Flow::of(source);
    let mut rng = StdRng::seed_from_u64(stable_hash(&[
        &seed.to_le_bytes(),
        target.function.as_bytes(),
        target.origin.as_bytes(),
        source.name().as_bytes(),
        &index.to_le_bytes(),
    ]));
    (0..BLOCK)
        .map_while(move |_| Some(generate::case(&mut rng, flow?, source, &target.pool.config)))
}

/// The simpler variants of `case` shrinking tries, most aggressive first.
pub fn shrink_candidates(case: &Case) -> Vec<Case> {
    shrink::candidates(case)
}

/// The event `case` sends in `target`'s pool, or `None` when the call sends none.
pub fn event(target: &Target, case: &Case) -> Option<Value> {
    Flow::of(case.source)?
        .fire(&target.pool, case)
        .map(|f| f.event)
}

/// Runs `case` against `function` and judges the answer; `None` when the call fires nothing.
async fn evaluate(
    function: &dyn Function,
    target: &Target,
    arn: &str,
    case: &Case,
    deadline: Deadline,
) -> Option<(Verdict, Value)> {
    let fired = Flow::of(case.source)?.fire(&target.pool, case)?;
    let invocation = invoke_with_retries(function, &fired.event, arn, deadline).await;
    let mut ctx = Context::new(case.source, &target.pool.config)
        .medium(fired.medium)
        .attributes(&fired.attributes);
    if let Some(client_id) = fired.client_id {
        ctx = ctx.client(client_id);
    }
    let verdict = judge(Ran::Invoked(&invocation), &ctx).verdict;
    Some((verdict, fired.event))
}

/// Fuzzes one function in each of its targets: `options.runs` events per source (within the
/// time budget), then shrinks each distinct rejecting verdict, and each distinct warning, to its
/// smallest case.
pub async fn fuzz_function(
    function: Arc<dyn Function>,
    targets: &[Target],
    options: &Options,
) -> Report {
    let started = Instant::now();
    let mut report = Report::default();
    let pairs: Vec<(usize, TriggerSource)> = targets
        .iter()
        .enumerate()
        .flat_map(|(i, t)| t.sources.iter().map(move |s| (i, *s)))
        .filter(|(_, s)| options.sources.is_empty() || options.sources.contains(s))
        .collect();
    for target in targets {
        for (source, why) in &target.skipped {
            if options.sources.is_empty() || options.sources.contains(source) {
                report.notes.push(format!(
                    "{} ({}): {source} skipped: {why}",
                    target.function, target.origin
                ));
            }
        }
    }
    // First case per verdict, with the target it was found in.
    let mut first: Vec<(usize, Case, Verdict, Value)> = Vec::new();
    let mut hits: HashMap<Key, u64> = HashMap::new();
    let in_flight = options.parallel.max(1);
    // Where another core can help, blocks of events are spawned, so any worker takes them: one hop
    // between threads per event cost more than the event itself.
    let spread = in_flight > 1
        && tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() != tokio::runtime::RuntimeFlavor::CurrentThread);
    let shared: Arc<[Target]> = if spread { targets.into() } else { Arc::new([]) };
    'pairs: for (n, &(t, source)) in pairs.iter().enumerate() {
        let target = &targets[t];
        let arn: Arc<str> = target.arn().into();
        let remaining = options.time.saturating_sub(started.elapsed());
        let slice_end = Instant::now() + remaining / (pairs.len() - n) as u32;
        let deadline = options.deadline;
        let (seed, runs) = (options.seed, options.runs);
        let mut work: futures::stream::BoxStream<'_, _> = if spread {
            // A task per block: the worker generates it, runs it and judges it. A short run is cut
            // finer (a power of two, so no part straddles two blocks), so that as many events
            // are in flight as `parallel` allows.
            let part = 1
                << runs
                    .div_ceil(in_flight as u64)
                    .clamp(1, BLOCK as u64)
                    .ilog2();
            let parts = (0..runs.div_ceil(part)).map(move |i| {
                let first = i * part;
                (
                    first / BLOCK as u64,
                    first % BLOCK as u64,
                    part.min(runs - first),
                )
            });
            futures::stream::iter(parts)
                .map(|(block, skip, len)| {
                    let (function, shared, arn) = (function.clone(), shared.clone(), arn.clone());
                    on_any_worker(async move {
                        let target = &shared[t];
                        let cases = block_cases(target, source, seed, block)
                            .skip(skip as usize)
                            .take(len as usize);
                        evaluate_run(&*function, target, &arn, cases, deadline, slice_end).await
                    })
                })
                .buffered(in_flight)
                .boxed()
        } else {
            let function = function.as_ref();
            futures::stream::iter(cases(target, source, seed).take(runs as usize))
                .map(move |case| {
                    let arn = arn.clone();
                    async move {
                        let cases = std::iter::once(case);
                        evaluate_run(function, target, &arn, cases, deadline, slice_end).await
                    }
                })
                .buffered(in_flight)
                .boxed()
        };
        while let Some(judged) = work.next().await {
            for (case, verdict, event) in judged.cases {
                report.events += 1;
                if let Decision::HarnessFailure(why) = &verdict.decision {
                    report.harness_failure = Some(format!("{}: {why}", target.function));
                    break 'pairs;
                }
                if let Some(event) = event {
                    let k = key(&verdict);
                    let count = hits.entry(k).or_insert(0);
                    *count += 1;
                    if *count == 1 {
                        let stop = timed_out(&verdict);
                        first.push((t, case, verdict, event));
                        if stop {
                            // Every further event would wait out Cognito's deadline too.
                            report.notes.push(format!(
                                "{}: stopped after a timeout (each further event would wait {:?} × {})",
                                target.function,
                                options.deadline.per_attempt,
                                options.deadline.attempts
                            ));
                            break 'pairs;
                        }
                    }
                }
            }
            // Read where the run saw it, so a spread run keeps every event its block judged.
            if judged.out_of_time {
                report.notes.push(format!(
                    "{} ({}): {source}: the time budget ran out after {} events",
                    target.function, target.origin, report.events
                ));
                continue 'pairs;
            }
        }
    }
    report.elapsed = started.elapsed();
    // Shrink each finding: nothing else is in flight now (a stopped run's tasks were aborted, and
    // stop at their next event), so no invocation waits on another.
    for (t, found, verdict, event) in first {
        let k = key(&verdict);
        let target = &targets[t];
        let arn = target.arn();
        let quick = timed_out(&verdict);
        let (case, verdict, event, steps, tried) = shrink_case(
            function.as_ref(),
            target,
            &arn,
            found.clone(),
            verdict,
            event,
            options.deadline,
            quick,
        )
        .await;
        report.shrink_events += tried;
        report.findings.push(Finding {
            function: target.function.clone(),
            target: t,
            verdict,
            case,
            event,
            found,
            shrink_steps: steps,
            hits: hits.get(&k).copied().unwrap_or(1),
        });
    }
    report
}

/// Whether the function gave no answer in time: every further event would wait out the deadline
/// too, so the run stops.
fn timed_out(verdict: &Verdict) -> bool {
    verdict.rule.id == "invoke.timeout"
}

/// What one run of cases gave: each case with its verdict, and with its event when the verdict is
/// reportable (the only events a finding keeps); calls that fire nothing are left out.
struct Judged {
    cases: Vec<(Case, Verdict, Option<Value>)>,
    /// The time budget ran out during the run (after its last case).
    out_of_time: bool,
}

/// Runs `cases` one after another, as far as the first that ends the whole run (a harness failure,
/// a timeout) or the time budget.
async fn evaluate_run(
    function: &dyn Function,
    target: &Target,
    arn: &str,
    cases: impl Iterator<Item = Case>,
    deadline: Deadline,
    budget_end: Instant,
) -> Judged {
    let mut judged = Judged {
        cases: Vec::with_capacity(cases.size_hint().0),
        out_of_time: false,
    };
    for case in cases {
        if !judged.cases.is_empty() {
            // A handler that never waits would otherwise hold its worker for the whole run, and
            // an abort (a run that stopped) takes effect only at an await: this yields once the
            // task has used its share of the scheduler's budget.
            tokio::task::consume_budget().await;
        }
        let Some((verdict, event)) = evaluate(function, target, arn, &case, deadline).await else {
            continue;
        };
        let ends_run =
            matches!(verdict.decision, Decision::HarnessFailure(_)) || timed_out(&verdict);
        let event = reportable(&verdict).then_some(event);
        judged.cases.push((case, verdict, event));
        judged.out_of_time = Instant::now() >= budget_end;
        if ends_run || judged.out_of_time {
            break;
        }
    }
    judged
}

/// Runs `work` as a task of the current runtime, which any worker may take; the task is aborted
/// if its result is dropped unread (a run that stopped: it stops at its next await), and a panic
/// in it is resumed here.
fn on_any_worker<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> impl Future<Output = T> {
    tokio_util::task::AbortOnDropHandle::new(tokio::spawn(work)).map(|joined| match joined {
        Ok(value) => value,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => panic!("a fuzz evaluation was cancelled: {error}"),
    })
}

/// Greedy shrinking: the first simpler candidate that gets the same verdict (trigger, rule and
/// exception; for a warning, still with a warning) replaces the case, until no candidate does or
/// the attempts run out.
#[allow(clippy::too_many_arguments)]
async fn shrink_case(
    function: &dyn Function,
    target: &Target,
    arn: &str,
    mut case: Case,
    mut verdict: Verdict,
    mut event: Value,
    deadline: Deadline,
    quick: bool,
) -> (Case, Verdict, Value, usize, u64) {
    let wanted = key(&verdict);
    let (mut steps, mut tried) = (0, 0u64);
    let limit = if quick { 1 } else { SHRINK_ATTEMPTS as u64 };
    'outer: loop {
        for candidate in shrink::candidates(&case) {
            if tried >= limit {
                break 'outer;
            }
            let Some((v, e)) = evaluate(function, target, arn, &candidate, deadline).await else {
                continue;
            };
            tried += 1;
            if key(&v) == wanted && reportable(&v) {
                case = candidate;
                verdict = v;
                event = e;
                steps += 1;
                continue 'outer;
            }
        }
        break;
    }
    (case, verdict, event, steps, tried)
}

/// The file a finding is written to in `dir`: `<function>.<trigger>.<rule>.<outcome>`, the trigger
/// left out when the rule id already names it (`custom-message.length`), and `warning` as the
/// outcome of a warning.
pub fn finding_path(dir: &Path, finding: &Finding) -> PathBuf {
    let (rule, outcome) = finding.key();
    let outcome = if finding.is_warning() {
        "warning"
    } else {
        outcome
    };
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    let trigger = kebab(finding.trigger().name());
    let about = if rule.starts_with(&format!("{trigger}.")) {
        rule.to_string()
    } else {
        format!("{trigger}.{rule}")
    };
    dir.join(format!(
        "{}.{}.{}.scenario.json",
        clean(&finding.function),
        clean(&about),
        clean(outcome)
    ))
}

/// `PostConfirmation` as rule ids spell it: `post-confirmation` (`CustomSMSSender`:
/// `custom-sms-sender`).
fn kebab(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let after_lower = chars[i - 1].is_ascii_lowercase();
            let ends_acronym = chars[i - 1].is_ascii_uppercase()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if after_lower || ends_acronym {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ignored_answer_rules_are_rules_of_the_harness() {
        for id in IGNORED_ANSWER_RULES {
            assert!(crate::trigger::rule_by_id(id).is_some(), "{id}");
        }
    }

    #[test]
    fn trigger_names_are_spelled_as_rule_ids() {
        assert_eq!(kebab("PostConfirmation"), "post-confirmation");
        assert_eq!(kebab("PreTokenGeneration"), "pre-token-generation");
        assert_eq!(kebab("CustomSMSSender"), "custom-sms-sender");
    }
}
