//! Scenario files: a pool, users seeded into it, and API calls with what is expected of each
//! (README.md "Scenario files"). Loading checks everything that can be checked before a call is
//! made, so a bad file stops the run with one line naming the file and JSON path.

pub mod expect;
pub mod parallel;
pub mod refs;
pub mod run;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{parse_json_file, Error};
use crate::input_file::read_input_file;
use crate::model::cognito_error::ErrorCode;
use crate::pool::{User, UserPool, UserStatus};
use crate::service::pool_files::{pool_from_value, read_pool_file};
use crate::service::Action;

pub use expect::{message_view, Expect, ExpectedOutcome, Mismatch};
pub use run::{Actual, RunEvent, ScenarioResult, ScenarioStatus, StepResult, StepStatus, Summary};

/// A loaded scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file it was loaded from.
    pub file: PathBuf,
    /// Its `name`, or the file's stem.
    pub name: String,
    /// The pool as configured (users and clients already seeded).
    pub pool: UserPool,
    /// The API calls, in order.
    pub steps: Vec<Step>,
    /// Names of the app clients, in file order; the first is `$client`.
    pub clients: Vec<String>,
    /// The pool file it names (None for an inline pool).
    pub pool_file: Option<PathBuf>,
}

/// One API call and what is expected of it.
#[derive(Clone, Debug)]
pub struct Step {
    /// The API action.
    pub action: Action,
    /// The request body with references (`$pool`, ...) still unresolved.
    pub request: Value,
    /// What is expected of the call.
    pub expect: Expect,
    /// The caller's SDK as events name it (`callerContext.awsSdkVersion`): the step's
    /// `awsSdkVersion`, else the scenario's, else `None` (`aws-sdk-unknown-unknown`).
    pub aws_sdk_version: Option<String>,
}

/// A scenario file as written (README.md "Scenario files"); `cognito-harness schema scenario`
/// derives its JSON Schema from these types.
#[derive(Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct ScenarioFile {
    /// The JSON Schema the file follows, for editors (`cognito-harness schema scenario`); ignored.
    #[serde(rename = "$schema")]
    #[expect(
        dead_code,
        reason = "accepted so editors can name the schema; not used"
    )]
    schema: Option<String>,
    /// The scenario's name in reports (default: the file's stem).
    name: Option<String>,
    /// A note for readers (a recording says where it came from); not read.
    #[serde(default, rename = "comment")]
    _comment: Option<String>,
    /// The pool: a pool file's path relative to this file, or an inline pool object
    /// (CreateUserPool request members).
    pool: Value,
    /// Users seeded into the pool before the first step.
    #[serde(default)]
    users: Vec<SeedUser>,
    /// Names of the app clients to create (default: one named `app`); the first is `$client`.
    #[serde(default)]
    clients: Vec<String>,
    /// The caller's SDK as events name it (`callerContext.awsSdkVersion`), for every step.
    #[serde(rename = "awsSdkVersion")]
    aws_sdk_version: Option<String>,
    /// The API calls, in order.
    steps: Vec<StepFile>,
}

/// A user seeded into the pool.
#[derive(Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub(crate) struct SeedUser {
    /// The username.
    username: String,
    /// Attributes of the pool's schema (`sub` fixes the user's sub).
    #[serde(default)]
    user_attributes: Vec<SeedAttribute>,
    /// The user's password, for sign-in steps.
    password: Option<String>,
    /// The user's status (default: CONFIRMED).
    user_status: Option<String>,
    /// Whether the user is enabled (default: true).
    enabled: Option<bool>,
}

/// One attribute of a seeded user.
#[derive(Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub(crate) struct SeedAttribute {
    /// The attribute's name.
    name: String,
    /// Its value.
    value: String,
}

/// One step as written.
#[derive(Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct StepFile {
    /// The API action, named as in the AWS API.
    action: String,
    /// The request body as the AWS API takes it; whole-string references ($pool, $client, ...)
    /// are replaced when the step runs.
    #[serde(default = "empty_object")]
    request: Value,
    /// What is expected of the call.
    #[serde(default)]
    expect: expect::ExpectFile,
    /// The caller's SDK for this step (overrides the scenario's).
    #[serde(rename = "awsSdkVersion")]
    aws_sdk_version: Option<String>,
    /// A note for readers (what a recording could not turn into a reference); not read.
    #[serde(default, rename = "comment")]
    _comment: Option<String>,
}

/// An `awsSdkVersion` names an SDK as Cognito does (any text; `aws-sdk-java-console` is real).
fn check_sdk_version(file: &Path, path: &str, version: Option<&str>) -> Result<(), Error> {
    match version {
        Some("") => Err(Error::input(
            file,
            path,
            "expected the SDK as Cognito names it (such as aws-sdk-js-3.473.0), not an empty string",
        )),
        _ => Ok(()),
    }
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

/// The app client created when a scenario names none, so `$client` and `$token.<user>` work.
pub const DEFAULT_CLIENT: &str = "app";

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn load(file: &Path) -> Result<Scenario, Error> {
        let text = read_input_file(file)?;
        Scenario::parse(file, &text)
    }

    /// Parses scenario text; `file` names it in errors and anchors a relative pool path.
    pub fn parse(file: &Path, text: &str) -> Result<Scenario, Error> {
        let parsed: ScenarioFile = parse_json_file(file, text)?;
        let mut pool = load_pool(file, &parsed.pool)?;
        for (i, seed) in parsed.users.iter().enumerate() {
            let user = seed_user(file, &pool, i, seed)?;
            pool.put_user(user);
        }
        let mut clients = parsed.clients;
        if clients.is_empty() {
            clients.push(DEFAULT_CLIENT.to_string());
        }
        for (i, name) in clients.iter().enumerate() {
            if clients[..i].contains(name) {
                return Err(Error::input(
                    file,
                    format!("$.clients[{i}]"),
                    format!("expected a unique client name; `{name}` is already listed"),
                ));
            }
            pool.add_client(name);
        }
        check_sdk_version(file, "$.awsSdkVersion", parsed.aws_sdk_version.as_deref())?;
        let mut steps = Vec::with_capacity(parsed.steps.len());
        for (i, step) in parsed.steps.into_iter().enumerate() {
            let at = |rest: &str| format!("$.steps[{i}]{rest}");
            let action = Action::parse(&step.action).map_err(|_| {
                Error::input(
                    file,
                    at(".action"),
                    format!("expected an API action the harness replays (such as AdminUpdateUserAttributes), not `{}`", step.action),
                )
            })?;
            refs::check_syntax(&step.request, &at(".request"))
                .map_err(|(path, message)| Error::input(file, path, message))?;
            let expect = step.expect.check().map_err(|(key, message)| {
                Error::input(file, at(&format!(".expect.{key}")), message)
            })?;
            check_sdk_version(file, &at(".awsSdkVersion"), step.aws_sdk_version.as_deref())?;
            let aws_sdk_version = step
                .aws_sdk_version
                .or_else(|| parsed.aws_sdk_version.clone());
            steps.push(Step {
                action,
                request: step.request,
                expect,
                aws_sdk_version,
            });
        }
        if steps.is_empty() {
            return Err(Error::input(file, "$.steps", "expected at least one step"));
        }
        let name = parsed.name.unwrap_or_else(|| {
            file.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        Ok(Scenario {
            file: file.to_path_buf(),
            name,
            pool,
            steps,
            clients,
            pool_file: parsed
                .pool
                .as_str()
                .map(|relative| pool_path(file, relative)),
        })
    }

    /// Every Lambda ARN the scenario mentions (pool config and requests), to build what it needs.
    pub fn lambda_arns(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Ok(config) = serde_json::to_value(&self.pool.config) {
            collect_arns(&config, &mut out);
        }
        for step in &self.steps {
            collect_arns(&step.request, &mut out);
        }
        out
    }
}

/// Finds scenario files: files as given, folders searched recursively for `*.json`, sorted.
///
/// The search follows symbolic links but enters each folder once and lists each file once (by
/// canonical path), so a link back up the tree neither loops nor runs a scenario twice.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    let mut folders_seen = HashSet::new();
    let mut files_seen = HashSet::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::Read {
            file: path.clone(),
            message: e.to_string(),
        })?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut folders_seen, &mut found)?;
            found.sort();
            // A file reached through two links is one scenario.
            let candidates: Vec<PathBuf> = found
                .into_iter()
                .filter(|(_, canonical)| files_seen.insert(canonical.clone()))
                .map(|(path, _)| path)
                .collect();
            let is_scenario = in_parallel(&candidates, |file| is_scenario_file(file));
            files.extend(
                candidates
                    .into_iter()
                    .zip(is_scenario)
                    .filter_map(|(file, is_scenario)| is_scenario.then_some(file)),
            );
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Collects the `*.json` files under `dir` with their canonical paths. A folder's canonical path
/// is resolved once and its plain files named from it, so a large suite costs a `readdir` per
/// folder, not a path resolution per file; only links are resolved one by one.
fn walk(
    dir: &Path,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<(PathBuf, PathBuf)>,
) -> Result<(), Error> {
    let canonical_dir = canonical(dir);
    if !seen.insert(canonical_dir.clone()) {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Error::Read {
        file: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::Read {
            file: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        let path = entry.path();
        let file_type = entry.file_type().ok();
        let link = file_type.is_none_or(|t| t.is_symlink());
        // A link is followed to what it names (a dangling one is a file, which loading reports).
        let is_dir = if link {
            path.is_dir()
        } else {
            file_type.is_some_and(|t| t.is_dir())
        };
        if is_dir {
            if !skipped_folder(&path) {
                walk(&path, seen, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "json") {
            let canonical_file = if link {
                canonical(&path)
            } else {
                canonical_dir.join(entry.file_name())
            };
            out.push((path, canonical_file));
        }
    }
    Ok(())
}

/// `f` applied to every item, in order, on one thread per CPU: reading a suite is file reads and
/// JSON parsing per file, which a large suite otherwise does on one core before its first
/// scenario runs. A short list is done on the calling thread, where threads would cost more.
pub(crate) fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    const ALONE_BELOW: usize = 64;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads == 1 || items.len() < ALONE_BELOW {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|part| {
                part.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Folders a walk does not enter: dependencies and build output (`node_modules`, `target`) and
/// hidden ones (`.git`, `.venv`, ...). A folder named on the command line is always entered.
fn skipped_folder(dir: &Path) -> bool {
    dir.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == "node_modules" || n == "target" || n.starts_with('.'))
}

/// Whether a `.json` file met in a folder walk is a scenario: named `*.scenario.json`, or a JSON
/// object with a `steps` member. Pool files, package locks and other JSON beside the scenarios
/// are passed over; a file that cannot be read or is not JSON is taken, so loading it says why
/// (it may be a scenario with a typo).
fn is_scenario_file(path: &Path) -> bool {
    if path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".scenario.json"))
    {
        return true;
    }
    match read_input_file(path).map(|text| serde_json::from_str::<StepsProbe>(&text)) {
        Ok(Ok(StepsProbe(has_steps))) => has_steps,
        Ok(Err(_)) | Err(_) => true,
    }
}

/// Whether a JSON document is an object with a `steps` member, read without building it: a
/// folder walk looks at every `.json` file once, and most are scenarios read in full later.
struct StepsProbe(bool);

impl<'de> serde::Deserialize<'de> for StepsProbe {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = StepsProbe;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<StepsProbe, A::Error> {
                let mut has_steps = false;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    has_steps |= key == "steps";
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
                Ok(StepsProbe(has_steps))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<StepsProbe, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(StepsProbe(false))
            }

            fn visit_bool<E>(self, _: bool) -> Result<StepsProbe, E> {
                Ok(StepsProbe(false))
            }
            fn visit_i64<E>(self, _: i64) -> Result<StepsProbe, E> {
                Ok(StepsProbe(false))
            }
            fn visit_u64<E>(self, _: u64) -> Result<StepsProbe, E> {
                Ok(StepsProbe(false))
            }
            fn visit_f64<E>(self, _: f64) -> Result<StepsProbe, E> {
                Ok(StepsProbe(false))
            }
            fn visit_str<E>(self, _: &str) -> Result<StepsProbe, E> {
                Ok(StepsProbe(false))
            }
            fn visit_unit<E>(self) -> Result<StepsProbe, E> {
                Ok(StepsProbe(false))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The path with every link resolved, or as given when it cannot be (a dangling link: loading
/// it reports why).
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// A pool file's path, given relative to the scenario file.
fn pool_path(file: &Path, relative: &str) -> PathBuf {
    file.parent().unwrap_or(Path::new("")).join(relative)
}

/// `"pool": "../pools/x.json"` (relative to the scenario file) or an inline pool object.
fn load_pool(file: &Path, pool: &Value) -> Result<UserPool, Error> {
    match pool {
        Value::String(relative) => {
            let path = pool_path(file, relative);
            if !path.exists() {
                // Named from the scenario, which is what the user has to fix.
                return Err(Error::input(
                    file,
                    "$.pool",
                    format!(
                        "expected a pool file at {} (relative to the scenario), but there is none",
                        path.display()
                    ),
                ));
            }
            read_pool_file(&path)
        }
        Value::Object(_) => {
            // A member of the wrong type is reported at its path under `$.pool`, which the pool
            // file's own reading (paths from the file's root) does not say. Only a pool that fails
            // is checked again for that: the pool file's reading parses the same CreateUserPool
            // members, so a pool it accepts passes this check too.
            pool_from_value(file, pool.clone()).map_err(|read| {
                match serde_path_to_error::deserialize::<_, crate::pool::PoolConfig>(pool) {
                    Err(e) => {
                        let path = crate::error::json_path_of(&e.path().to_string());
                        let message = e.into_inner().to_string();
                        Error::input(
                            file,
                            format!("$.pool{}", path.trim_start_matches('$')),
                            message,
                        )
                    }
                    Ok(_) => read,
                }
            })
        }
        _ => Err(Error::input(
            file,
            "$.pool",
            "expected a pool file path (relative to this file) or a pool object",
        )),
    }
}

fn seed_user(file: &Path, pool: &UserPool, i: usize, seed: &SeedUser) -> Result<User, Error> {
    let at = |rest: &str| format!("$.users[{i}]{rest}");
    let mut user = User::new(seed.username.clone());
    for (j, attribute) in seed.user_attributes.iter().enumerate() {
        if attribute.name == "sub" {
            user.sub = attribute.value.clone();
        } else if pool.schema.get(&attribute.name).is_none() {
            return Err(Error::input(
                file,
                at(&format!(".UserAttributes[{j}].Name")),
                format!(
                    "expected an attribute of the pool's schema; `{}` is not one",
                    attribute.name
                ),
            ));
        } else {
            user.attributes
                .insert(attribute.name.clone(), attribute.value.clone());
        }
    }
    user.password = seed.password.clone();
    if let Some(status) = &seed.user_status {
        user.status = parse_status(status).ok_or_else(|| {
            Error::input(
                file,
                at(".UserStatus"),
                format!("expected UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED or EXTERNAL_PROVIDER, not `{status}`"),
            )
        })?;
    }
    if let Some(enabled) = seed.enabled {
        user.enabled = enabled;
    }
    Ok(user)
}

fn parse_status(s: &str) -> Option<UserStatus> {
    SEED_STATUSES.into_iter().find(|st| st.as_str() == s)
}

/// The statuses a seeded user may have.
pub(crate) const SEED_STATUSES: [UserStatus; 5] = [
    UserStatus::Unconfirmed,
    UserStatus::Confirmed,
    UserStatus::ForceChangePassword,
    UserStatus::ResetRequired,
    UserStatus::ExternalProvider,
];

fn collect_arns(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.starts_with("arn:aws:lambda:") => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| collect_arns(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect_arns(i, out)),
        _ => {}
    }
}

/// The names an `expect.outcome` may take, for messages.
pub(crate) fn outcome_hint() -> String {
    "`success` or an exception name such as UserLambdaValidationException".to_string()
}

/// Parses an exception name, for `expect.outcome`.
pub(crate) fn parse_outcome(s: &str) -> Option<ExpectedOutcome> {
    if s == "success" {
        return Some(ExpectedOutcome::Success);
    }
    ErrorCode::from_name(s).map(ExpectedOutcome::Error)
}

/// Checks a rule id, for `expect.rule`.
pub(crate) fn known_rule(id: &str) -> bool {
    crate::trigger::rule_by_id(id).is_some()
}
