//! Findings as scenario files (cognito-semantics.md §FZ.4): the target's pool, the shrunk user
//! seeded (or signed up by the step), the API call that fires the source, and the verdict as the
//! step's expectation. Each file is replayed through the real flow, as `check` runs it, to say
//! whether it reproduces and whether the replayed event is the fuzzed one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value};

use super::flows::Flow;
use super::{finding_path, Finding, Target};
use crate::error::Error;
use crate::function::{Deadline, FunctionLookup};
use crate::scenario::{run, Scenario, ScenarioStatus};
use crate::trigger::samples::SAMPLE_CLIENT_ID;
use crate::trigger::Decision;

/// How a written finding replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    /// The file.
    pub file: PathBuf,
    /// Whether `check` on the file meets its expectation (the same verdict).
    pub reproduced: bool,
    /// When it does not: what happened instead.
    pub detail: Option<String>,
    /// Set when the replayed event differs from the fuzzed one (besides ids that are new on every
    /// call): the first difference.
    pub event_difference: Option<String>,
}

/// The scenario that replays `finding` (found with `seed`).
pub fn scenario_json(target: &Target, finding: &Finding, seed: u64) -> Value {
    let source = finding.case.source;
    let flow = Flow::of(source).expect("findings come from fuzzed sources");
    let (rule, outcome) = finding.key();
    let mut expect = json!({"outcome": outcome, "rule": rule});
    if let Decision::Rejected(e) = &finding.verdict.decision {
        // Texts with a request id change on every call, texts with the app client's id with
        // every replay; the rule and exception still pin them.
        if !e.message.contains("RequestId") && !e.message.contains(SAMPLE_CLIENT_ID) {
            expect["message"] = Value::from(e.message.as_str());
        }
    }
    if !finding.verdict.warnings.is_empty() {
        expect["warnings"] = Value::from(finding.verdict.warnings.clone());
    }
    let (users, steps) = flow.scenario_parts(&finding.case, expect);
    let what = if finding.is_warning() {
        "warning"
    } else {
        outcome
    };
    let mut scenario = serde_json::Map::new();
    scenario.insert(
        "name".into(),
        Value::from(format!(
            "fuzz: {} on {source}: {what} ({rule}); found by `cognito-harness fuzz --seed {seed}`",
            finding.function
        )),
    );
    scenario.insert("pool".into(), target.pool_json.clone());
    if !users.is_empty() {
        scenario.insert("users".into(), Value::Array(users));
    }
    scenario.insert("steps".into(), Value::Array(steps));
    Value::Object(scenario)
}

/// Writes `finding` as a scenario file in `dir` (created if missing) and returns its path.
pub fn write_finding(
    dir: &Path,
    target: &Target,
    finding: &Finding,
    seed: u64,
) -> Result<PathBuf, Error> {
    let io = |e: std::io::Error, file: &Path| Error::Read {
        file: file.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
    let path = finding_path(dir, finding);
    let mut text = serde_json::to_string_pretty(&scenario_json(target, finding, seed))
        .expect("scenario JSON serialises");
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| io(e, &path))?;
    Ok(path)
}

/// Replays a written finding as `check` would, and compares the event the function got.
pub async fn replay(
    file: &Path,
    finding: &Finding,
    functions: Arc<dyn FunctionLookup>,
    deadline: Deadline,
) -> Result<Replay, Error> {
    let scenario = Scenario::load(file)?;
    let result = run::run_scenario(&scenario, functions, deadline, &mut |_| {}).await?;
    // The last step makes the fuzzed call; any before it only set it up.
    let step = result.steps.last();
    let reproduced = result.status == ScenarioStatus::Passed;
    let detail = (!reproduced).then(|| match step.and_then(|s| s.verdict.as_ref()) {
        Some(v) => format!(
            "the replay's verdict was {} ({})",
            serde_json::to_string(v).unwrap_or_default(),
            v.rule.id
        ),
        None => match step.and_then(|s| s.actual.as_ref()) {
            Some(actual) => format!("the replay's outcome was {}", actual.outcome()),
            None => "the replay did not run".to_string(),
        },
    });
    let replayed = step.and_then(|s| {
        s.triggers
            .iter()
            .find(|t| t.trigger_source == finding.case.source)
            .and_then(|t| t.event.clone())
    });
    let event_difference = match replayed {
        None => Some(format!("the replay sent no {} event", finding.case.source)),
        Some(replayed) => {
            first_difference(&comparable(&finding.event), &comparable(&replayed), "$")
        }
    };
    Ok(Replay {
        file: file.to_path_buf(),
        reproduced,
        detail,
        event_difference,
    })
}

/// An event without what is new on every call: the pool id, the caller's client id and SDK,
/// the user's `sub`.
fn comparable(event: &Value) -> Value {
    let mut event = event.clone();
    if let Some(map) = event.as_object_mut() {
        map.remove("userPoolId");
        map.remove("callerContext");
    }
    if let Some(Value::Object(attributes)) = event.pointer_mut("/request/userAttributes") {
        attributes.remove("sub");
    }
    event
}

/// The first place two JSON values differ (keys in order), or `None`.
fn first_difference(fuzzed: &Value, replayed: &Value, at: &str) -> Option<String> {
    match (fuzzed, replayed) {
        (Value::Object(a), Value::Object(b)) => {
            let (ka, kb): (Vec<&String>, Vec<&String>) = (a.keys().collect(), b.keys().collect());
            if ka != kb {
                return Some(format!("{at}: keys {ka:?} fuzzed, {kb:?} replayed"));
            }
            a.iter()
                .find_map(|(k, v)| first_difference(v, &b[k], &format!("{at}.{k}")))
        }
        (a, b) if a == b => None,
        (a, b) => {
            let short = |v: &Value| v.to_string().chars().take(80).collect::<String>();
            Some(format!("{at}: {} fuzzed, {} replayed", short(a), short(b)))
        }
    }
}
