//! `cognito-harness fuzz`: finds the pools that bind each function (scenario files and pool files,
//! or `--pool`), fuzzes every trigger source it is bound to, writes each finding as a scenario and
//! replays it as `check` would.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::binding::{Binding, Target as Bound};
use crate::error::{parse_json_file, Error};
use crate::exit;
use crate::function::{function_name_of, FunctionLookup, DEFAULT_CONCURRENCY};
use crate::fuzz::{self, Case, Finding, Options, Target};
use crate::input_file::read_input_file;
use crate::scenario;
use crate::trigger::{Decision, Trigger, TriggerSource};

/// Where pools come from when no `--pool` is given.
const DEFAULT_SCENARIOS: &str = "fixtures/scenarios";
const DEFAULT_POOLS: &str = "fixtures/pools";
/// Invocations in flight at once against a process function: its environments, up to this many
/// (more only queue on a small machine).
const MAX_PARALLEL: u32 = 4;

/// The parsed `fuzz` flags.
pub(crate) struct FuzzArgs {
    pub functions: Vec<String>,
    pub sources: Vec<TriggerSource>,
    pub runs: u64,
    pub time: u64,
    pub seed: u64,
    pub out: PathBuf,
    pub pools: Vec<PathBuf>,
}

/// Runs `fuzz`; the exit code is 0 without rejecting findings (warnings alone do not fail a run),
/// 1 with, 3 when a function could not run.
pub(crate) async fn run(binding: &Binding, args: FuzzArgs) -> Result<i32, Error> {
    let pools = if args.pools.is_empty() {
        default_pools()?
    } else {
        args.pools
            .iter()
            .map(|p| Ok((p.display().to_string(), read_json(p)?)))
            .collect::<Result<Vec<_>, Error>>()?
    };
    let names: Vec<String> = if args.functions.is_empty() {
        let mut bound: Vec<String> = Vec::new();
        for (origin, json) in &pools {
            for name in bound_functions(origin, json)? {
                if binding.target(&name).is_some() && !bound.contains(&name) {
                    bound.push(name);
                }
            }
        }
        bound.sort();
        bound
    } else {
        for name in &args.functions {
            if binding.target(name).is_none() {
                let config = binding
                    .file
                    .as_ref()
                    .map_or("no config file".to_string(), |f| f.display().to_string());
                let bound: Vec<&str> = binding.names().collect();
                return Err(Error::Usage(format!(
                    "no function `{name}` is bound in {config} (bound: {})",
                    bound.join(", ")
                )));
            }
        }
        args.functions.clone()
    };
    let mut plan: Vec<(String, Vec<Target>)> = Vec::new();
    for name in &names {
        let mut targets: Vec<Target> = Vec::new();
        for (origin, json) in &pools {
            if let Some(t) = Target::new(name, json, origin)? {
                // Many scenarios share a pool: fuzz each distinct configuration once.
                if !targets.iter().any(|o| same_pool(o, &t)) {
                    targets.push(t);
                }
            }
        }
        if targets.is_empty() {
            eprintln!("note: no pool binds a trigger to `{name}`; pass its pool with --pool");
            continue;
        }
        plan.push((name.clone(), targets));
    }
    if plan.is_empty() {
        return Err(Error::Usage(
            "nothing to fuzz: no pool binds a trigger to a bound function (pass pool files with --pool, functions with --function)".to_string(),
        ));
    }
    binding.build(plan.iter().map(|(n, _)| n.as_str()))?;
    let functions = Arc::new(binding.functions());
    let mut total = fuzz::Report::default();
    let mut harness_failure = false;
    let per_function = Duration::from_secs(args.time) / plan.len() as u32;
    for (name, targets) in &plan {
        let options = Options {
            runs: args.runs,
            time: per_function,
            seed: args.seed,
            sources: args.sources.clone(),
            parallel: parallel(binding.target(name)),
            deadline: binding.deadline,
        };
        let function = functions.get(name).expect("bound");
        let sources: usize = targets.iter().map(|t| t.sources.len()).sum();
        println!(
            "fuzz {name}: {sources} source(s) in {} pool(s), seed {}",
            targets.len(),
            args.seed
        );
        let report = fuzz::fuzz_function(function, targets, &options).await;
        for note in &report.notes {
            eprintln!("note: {note}");
        }
        if let Some(why) = &report.harness_failure {
            eprintln!("error: the harness could not run {why}");
            harness_failure = true;
        }
        for finding in &report.findings {
            let target = &targets[finding.target];
            let file = fuzz::write_finding(&args.out, target, finding, args.seed)?;
            let lookup: Arc<dyn FunctionLookup> = functions.clone();
            let replay = fuzz::replay(&file, finding, lookup, binding.deadline).await?;
            print_finding(finding, &replay);
        }
        total.events += report.events;
        total.shrink_events += report.shrink_events;
        total.elapsed += report.elapsed;
        total.findings.extend(report.findings);
    }
    let rate = total.events as f64 / total.elapsed.as_secs_f64().max(1e-9);
    let warnings = total.findings.iter().filter(|f| f.is_warning()).count();
    let rejections = total.findings.len() - warnings;
    println!(
        "{} events in {:.1} s ({:.0} events/s), {} shrinking; {rejections} finding(s), {warnings} warning(s){}",
        total.events,
        total.elapsed.as_secs_f64(),
        rate,
        total.shrink_events,
        if total.findings.is_empty() {
            String::new()
        } else {
            format!(", written to {}", args.out.display())
        }
    );
    Ok(if harness_failure {
        exit::HARNESS_FAILURE
    } else if rejections == 0 {
        exit::OK
    } else {
        exit::EXPECTATION_FAILED
    })
}

/// Invocations in flight: the function's environments (its `concurrency`), at most
/// [`MAX_PARALLEL`]; an endpoint takes as many.
fn parallel(bound: Option<&Bound>) -> usize {
    let environments = match bound {
        Some(Bound::Process { settings, .. }) => {
            settings.concurrency.unwrap_or(DEFAULT_CONCURRENCY)
        }
        _ => MAX_PARALLEL,
    };
    environments.clamp(1, MAX_PARALLEL) as usize
}

fn same_pool(a: &Target, b: &Target) -> bool {
    let strip = |t: &Target| {
        let mut v = t.pool_json().clone();
        if let Some(m) = v.as_object_mut() {
            m.remove("PoolName");
            m.remove("UserPoolId");
        }
        v
    };
    strip(a) == strip(b)
}

fn read_json(path: &Path) -> Result<Value, Error> {
    let text = read_input_file(path)?;
    parse_json_file(path, &text)
}

/// The function names a pool's LambdaConfig binds.
fn bound_functions(origin: &str, json: &Value) -> Result<Vec<String>, Error> {
    let pool = crate::service::pool_files::pool_from_value(Path::new(origin), json.clone())?;
    Ok(Trigger::all()
        .filter_map(|t| t.arn(&pool.config))
        .map(|arn| function_name_of(arn).to_string())
        .collect())
}

/// The pools of the bundled scenarios and pool files: each scenario's `pool` (inline, or the file
/// it names) and every pool file, in path order, each distinct JSON once.
fn default_pools() -> Result<Vec<(String, Value)>, Error> {
    let mut found: BTreeMap<String, (String, Value)> = BTreeMap::new();
    let mut add = |origin: String, json: Value| {
        found.entry(json.to_string()).or_insert((origin, json));
    };
    if Path::new(DEFAULT_SCENARIOS).is_dir() {
        for file in scenario::discover(&[PathBuf::from(DEFAULT_SCENARIOS)])? {
            let json = read_json(&file)?;
            match json.get("pool") {
                Some(Value::String(relative)) => {
                    let path = file.parent().unwrap_or(Path::new("")).join(relative);
                    if path.is_file() {
                        add(path.display().to_string(), read_json(&path)?);
                    }
                }
                Some(pool @ Value::Object(_)) => add(file.display().to_string(), pool.clone()),
                _ => {}
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(DEFAULT_POOLS) {
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for file in files {
            add(file.display().to_string(), read_json(&file)?);
        }
    }
    let mut pools: Vec<(String, Value)> = found.into_values().collect();
    pools.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(pools)
}

fn print_finding(finding: &Finding, replay: &fuzz::Replay) {
    let (rule, outcome) = finding.key();
    if finding.is_warning() {
        // Cognito accepts the answer, but not all of it: the call succeeds with a warning.
        println!(
            "WARNING {}: {outcome} with a warning ({rule}) on {}, {} event(s)",
            finding.function, finding.case.source, finding.hits
        );
        for warning in &finding.verdict.warnings {
            let text: String = warning.chars().take(300).collect();
            println!("  warning: {text}");
        }
    } else {
        println!(
            "FINDING {}: {outcome} ({rule}) on {}, {} event(s)",
            finding.function, finding.case.source, finding.hits
        );
    }
    if let Decision::Rejected(e) = &finding.verdict.decision {
        let text: String = e.message.chars().take(300).collect();
        println!("  message: {text}");
    }
    if let Some(detail) = &finding.verdict.detail {
        let text: String = detail.chars().take(300).collect();
        println!("  detail: {text}");
    }
    println!(
        "  smallest case (shrunk in {} step(s)): {}",
        finding.shrink_steps,
        describe(&finding.case)
    );
    let status = if replay.reproduced {
        "`check` reproduces it".to_string()
    } else {
        format!(
            "`check` does NOT reproduce it: {}",
            replay.detail.as_deref().unwrap_or("")
        )
    };
    println!("  written: {} ({status})", replay.file.display());
    if let Some(diff) = &replay.event_difference {
        println!("  warning: the replayed event differs from the fuzzed one at {diff}");
    }
}

/// A case in one line: values over 40 characters by their length.
fn describe(case: &Case) -> String {
    let show = |s: &str| {
        let n = s.chars().count();
        if n > 40 {
            format!("{:?}… ({n} chars)", s.chars().take(20).collect::<String>())
        } else {
            format!("{s:?}")
        }
    };
    let attributes: Vec<String> = case
        .attributes
        .iter()
        .map(|(k, v)| format!("{k}={}", show(v)))
        .collect();
    let mut out = format!(
        "username {}, attributes [{}]",
        show(&case.username),
        attributes.join(", ")
    );
    if let Some((attr, value)) = &case.change {
        out.push_str(&format!(", sets {attr}={}", show(value)));
    }
    match &case.client_metadata {
        None => out.push_str(", no ClientMetadata"),
        Some(entries) => {
            let shown: Vec<String> = entries
                .iter()
                .take(5)
                .map(|(k, v)| format!("{}: {}", show(k), show(v)))
                .collect();
            out.push_str(&format!(", ClientMetadata {{{}}}", shown.join(", ")));
            if entries.len() > 5 {
                out.push_str(&format!(" and {} more", entries.len() - 5));
            }
        }
    }
    out
}
