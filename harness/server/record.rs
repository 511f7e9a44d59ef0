//! `serve --record FILE`: the calls a real client made, written as a scenario file whose
//! expectations are what happened, so a flow seen in an app becomes a regression test that
//! `cognito-harness check FILE` replays (README.md "Cognito endpoint").
//!
//! Live values become references so the replay works on a fresh pool: the pool id `$pool`,
//! client ids `$client` / `$client.<name>`, access and refresh tokens `$token.<user>` /
//! `$refresh.<user>`, a code the user typed from the outbox `$code.<user>`, the previous step's
//! challenge `Session` `$session`. What has no reference is kept as sent, with a `comment` on the
//! step saying why the replay may differ. The file is rewritten (temporary file + rename) after
//! every call, so a killed `serve` leaves a complete scenario.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use crate::error::Error;
use crate::function::Invoked;
use crate::pool::{User, UserPool};
use crate::scenario::expect::CODE_PLACEHOLDER;
use crate::scenario::message_view;
use crate::service::{Action, Cognito, Outcome};

/// Response members that differ on every run (tokens, sessions, generated ids, SRP values);
/// members whose name ends in `Date` are dropped too.
const UNSTABLE_MEMBERS: [&str; 13] = [
    "AccessToken",
    "IdToken",
    "RefreshToken",
    "Session",
    "UserSub",
    "ClientSecret",
    "SecretCode",
    "SRP_B",
    "SALT",
    "SECRET_BLOCK",
    "NewDeviceMetadata",
    "PaginationToken",
    "NextToken",
];

/// What the top of a recorded file says.
const FILE_COMMENT: &str = "Recorded by `cognito-harness serve --record`: each step is a call a client made, its expect what happened then. Passwords, codes and secrets are as the client sent them.";

/// Writes the calls made to one pool as a scenario file.
pub struct Recorder {
    file: PathBuf,
    state: Mutex<State>,
}

/// The recorded pool: how the scenario names it and its id while serving.
struct RecordedPool {
    /// `"pool"` of the scenario: the pool file's path relative to the record file, or the
    /// CreateUserPool request that made it.
    source: Value,
    id: String,
    /// The id is the same in a replay (the pool file fixes `UserPoolId`).
    id_fixed: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Access,
    Refresh,
    Id,
}

#[derive(Default)]
struct State {
    pool: Option<RecordedPool>,
    /// Users in the pool before recording started (`users` of the scenario).
    users: Vec<Value>,
    seeded_subs: HashSet<String>,
    /// Clients in the pool before recording started (`clients`; the first is `$client`).
    clients: Vec<String>,
    /// Every known client of the pool: id -> name.
    client_names: HashMap<String, String>,
    /// Tokens the pool handed out while recording: token -> (kind, the user's reference name).
    tokens: HashMap<String, (TokenKind, String)>,
    /// Access tokens among `tokens` revoked before the call being recorded (sign-out).
    revoked: HashSet<String>,
    /// The `Session` of the previous recorded step's response (`$session`).
    session: Option<String>,
    steps: Vec<RecordedStep>,
}

struct RecordedStep {
    body: Map<String, Value>,
    sdk: Option<String>,
}

impl Recorder {
    /// A recorder writing to `file`. `pool` is the pool the calls go to, with the pool file it
    /// was loaded from; without one, the first pool a client creates (CreateUserPool) becomes
    /// the scenario's pool, its request inlined. Users and clients the pool holds now are the
    /// scenario's `users` and `clients`. Fails when `file`'s folder cannot be written.
    pub fn new(
        file: impl Into<PathBuf>,
        cognito: &Cognito,
        pool: Option<(&str, &Path)>,
    ) -> Result<Recorder, Error> {
        let file = file.into();
        let probe = temporary_path(&file);
        std::fs::write(&probe, b"")
            .and_then(|()| std::fs::remove_file(&probe))
            .map_err(|e| Error::Read {
                file: file.clone(),
                message: format!("cannot be written: {e}"),
            })?;
        let mut state = State::default();
        if let Some((id, pool_file)) = pool {
            let id_fixed = crate::input_file::read_input_file(pool_file)
                .ok()
                .and_then(|text| serde_json::from_str::<Value>(&text).ok())
                .is_some_and(|v| v.get("UserPoolId").is_some());
            state.pool = Some(RecordedPool {
                source: Value::String(relative_path(&file, pool_file)),
                id: id.to_string(),
                id_fixed,
            });
            state.seed(cognito);
        }
        Ok(Recorder {
            file,
            state: Mutex::new(state),
        })
    }

    /// The file the scenario is written to.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Records one call (its action, the request as sent, the caller's SDK and what happened)
    /// and rewrites the file. A call whose action the harness does not know is not recorded
    /// (a scenario could not name it).
    pub fn record(
        &self,
        cognito: &Cognito,
        action: &str,
        request: &Value,
        sdk: Option<&str>,
        outcome: &Outcome,
    ) -> Result<(), Error> {
        if Action::parse(action).is_err() {
            return Ok(());
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.pool.is_none() && action == "CreateUserPool" {
            if let Some(id) = outcome
                .response()
                .and_then(|r| r["UserPool"]["Id"].as_str())
            {
                // The scenario's pool is made from this request; the call is not a step.
                state.pool = Some(RecordedPool {
                    source: request.clone(),
                    id: id.to_string(),
                    id_fixed: false,
                });
                state.seed(cognito);
                return self.write(&state);
            }
        }
        let step = state.step(cognito, action, request, outcome);
        state.learn(cognito, request, outcome);
        state.steps.push(RecordedStep {
            body: step,
            sdk: sdk.map(str::to_string),
        });
        self.write(&state)
    }

    /// Writes the scenario (once it has a pool and a step): a temporary file beside it, renamed
    /// over it, so a reader never sees half a file.
    fn write(&self, state: &State) -> Result<(), Error> {
        let Some(document) = state.document() else {
            return Ok(());
        };
        let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
        text.push('\n');
        let temporary = temporary_path(&self.file);
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &self.file))
            .map_err(|e| Error::Read {
                file: self.file.clone(),
                message: format!("could not be written: {e}"),
            })
    }
}

impl State {
    /// Takes the pool's users and clients as they are now as the scenario's seed.
    fn seed(&mut self, cognito: &Cognito) {
        let Some(id) = self.pool.as_ref().map(|p| p.id.clone()) else {
            return;
        };
        cognito.with_pool(&id, |pool| {
            let mut users: Vec<&User> = pool.users().collect();
            users.sort_by(|a, b| a.username.cmp(&b.username));
            self.users = users.iter().map(|u| seed_user(u)).collect();
            self.seeded_subs = users.iter().map(|u| u.sub.clone()).collect();
            let mut clients: Vec<(&str, &str)> = pool
                .clients()
                .map(|c| (c.client_name.as_str(), c.client_id.as_str()))
                .collect();
            clients.sort();
            for (name, id) in clients {
                self.clients.push(name.to_string());
                self.client_names.insert(id.to_string(), name.to_string());
            }
        });
    }

    fn pool_id(&self) -> Option<&str> {
        self.pool.as_ref().map(|p| p.id.as_str())
    }

    /// The step for one call: the request with references, the expectations, and a comment for
    /// what the replay may not reproduce.
    fn step(
        &self,
        cognito: &Cognito,
        action: &str,
        request: &Value,
        outcome: &Outcome,
    ) -> Map<String, Value> {
        let pool_ids = cognito.pool_ids();
        let convert = |pool: Option<&UserPool>| {
            let mut converter = Converter {
                state: self,
                other_pools: &pool_ids,
                codes: pool
                    .map(|p| typed_codes(p, self, request, outcome))
                    .unwrap_or_default(),
                notes: Vec::new(),
                kept_token: false,
            };
            let request = converter.value("", request);
            let mut volatile = pool.map(|p| self.volatile(p)).unwrap_or_default();
            if converter.kept_token {
                // A replay does not know that token, and may word its error otherwise.
                volatile.extend(self.tokens.keys().cloned());
            }
            let expect = expectations(
                outcome,
                &volatile,
                converter.kept_token,
                &mut converter.notes,
            );
            (request, expect, converter.notes)
        };
        let (converted, expect, mut notes) = match self.pool_id() {
            Some(id) => cognito
                .with_pool(id, |pool| convert(Some(pool)))
                .unwrap_or_else(|| convert(None)),
            None => convert(None),
        };
        if let Some(client_id) = request_client(request).filter(|_| carries_secret_hash(request)) {
            let secret = self.pool_id().and_then(|id| {
                cognito
                    .with_pool(id, |p| {
                        p.client(client_id).and_then(|c| c.client_secret.clone())
                    })
                    .flatten()
            });
            if secret.is_some() {
                notes.push("the client has a secret: a SECRET_HASH here was computed with the recording's secret, and a replayed client gets another".to_string());
            }
        }
        if let Some(failure) = outcome.harness_failure() {
            notes.push(format!("the harness could not run a function: {failure}"));
        }
        notes.dedup();
        let mut step = Map::new();
        step.insert("action".into(), action.into());
        step.insert("request".into(), converted);
        step.insert("expect".into(), Value::Object(expect));
        if !notes.is_empty() {
            step.insert("comment".into(), notes.join("; ").into());
        }
        step
    }

    /// Values of the pool that a replay does not reproduce: a generated pool id, the ids and
    /// secrets of clients made while recording, the `sub` of users made while recording.
    fn volatile(&self, pool: &UserPool) -> HashSet<String> {
        let mut out = HashSet::new();
        if let Some(p) = self.pool.as_ref().filter(|p| !p.id_fixed) {
            out.insert(p.id.clone());
        }
        for client in pool.clients() {
            out.insert(client.client_id.clone());
            if let Some(secret) = &client.client_secret {
                out.insert(secret.clone());
            }
        }
        out.extend(
            pool.users()
                .filter(|u| !self.seeded_subs.contains(&u.sub))
                .map(|u| u.sub.clone()),
        );
        out
    }

    /// What a response tells about values later requests may carry: clients made, tokens
    /// handed out, the challenge session.
    fn learn(&mut self, cognito: &Cognito, request: &Value, outcome: &Outcome) {
        if let Some(pool_id) = self.pool_id() {
            let revoked = cognito.with_pool(pool_id, |pool| {
                self.tokens
                    .iter()
                    .filter(|(t, (kind, _))| *kind == TokenKind::Access && pool.is_revoked(t))
                    .map(|(t, _)| t.clone())
                    .collect::<HashSet<_>>()
            });
            self.revoked = revoked.unwrap_or_default();
        }
        let response = outcome.response();
        self.session = response
            .and_then(|r| r.get("Session"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let (Some(response), Some(pool_id)) = (response, self.pool_id().map(str::to_string)) else {
            return;
        };
        if request.get("UserPoolId").and_then(Value::as_str) == Some(pool_id.as_str()) {
            let client = &response["UserPoolClient"];
            if let (Some(id), Some(name)) =
                (client["ClientId"].as_str(), client["ClientName"].as_str())
            {
                self.client_names.insert(id.to_string(), name.to_string());
            }
        }
        let result = &response["AuthenticationResult"];
        let (access, refresh, id) = (
            result["AccessToken"].as_str(),
            result["RefreshToken"].as_str(),
            result["IdToken"].as_str(),
        );
        if access.is_none() && refresh.is_none() {
            return;
        }
        let owners = cognito.with_pool(&pool_id, |pool| {
            let user_of = |name: Option<&str>| {
                let user = pool.find_user(name?)?;
                Some(self.reference_name(pool, user))
            };
            (
                user_of(
                    access
                        .and_then(|t| pool.access_grant(t))
                        .map(|g| g.username.as_str()),
                ),
                user_of(
                    refresh
                        .and_then(|t| pool.refresh_grant(t))
                        .map(|g| g.username.as_str()),
                ),
            )
        });
        let Some((access_owner, refresh_owner)) = owners else {
            return;
        };
        if let (Some(token), Some(owner)) = (access, &access_owner) {
            self.tokens
                .insert(token.to_string(), (TokenKind::Access, owner.clone()));
        }
        if let (Some(token), Some(owner)) = (id, access_owner.as_ref().or(refresh_owner.as_ref())) {
            self.tokens
                .insert(token.to_string(), (TokenKind::Id, owner.clone()));
        }
        if let (Some(token), Some(owner)) = (refresh, refresh_owner) {
            self.tokens
                .insert(token.to_string(), (TokenKind::Refresh, owner));
        }
    }

    /// The name references use for a user: the username, or for a user whose username was
    /// generated while recording (a pool that signs in with email or phone) the attribute they
    /// sign in with, which a replay finds them by.
    fn reference_name(&self, pool: &UserPool, user: &User) -> String {
        if user.username == user.sub && !self.seeded_subs.contains(&user.sub) {
            for attribute in ["email", "phone_number"] {
                if let Some(value) = user.attribute(attribute) {
                    if pool.signs_in_with(user, attribute) {
                        return value.to_string();
                    }
                }
            }
        }
        user.username.clone()
    }

    /// The scenario document, once there is a pool and a step.
    fn document(&self) -> Option<Value> {
        let pool = self.pool.as_ref()?;
        if self.steps.is_empty() {
            return None;
        }
        let mut doc = Map::new();
        doc.insert("comment".into(), FILE_COMMENT.into());
        doc.insert("pool".into(), pool.source.clone());
        if !self.users.is_empty() {
            doc.insert("users".into(), self.users.clone().into());
        }
        if !self.clients.is_empty() {
            doc.insert("clients".into(), self.clients.clone().into());
        }
        // One SDK for every step is said once; otherwise each step says its own.
        let first = &self.steps[0].sdk;
        let shared = first.is_some() && self.steps.iter().all(|s| &s.sdk == first);
        if shared {
            doc.insert("awsSdkVersion".into(), first.clone().into());
        }
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|s| {
                let mut body = s.body.clone();
                if let (false, Some(sdk)) = (shared, &s.sdk) {
                    body.insert("awsSdkVersion".into(), sdk.clone().into());
                }
                Value::Object(body)
            })
            .collect();
        doc.insert("steps".into(), steps.into());
        Some(Value::Object(doc))
    }
}

/// Turns a request's live values into references.
struct Converter<'a> {
    state: &'a State,
    other_pools: &'a [String],
    /// Codes the pool had delivered to the users this request names: (code, reference name).
    codes: Vec<(String, String)>,
    notes: Vec<String>,
    /// A token was kept as sent: a replay does not know it.
    kept_token: bool,
}

impl Converter<'_> {
    fn value(&mut self, key: &str, v: &Value) -> Value {
        match v {
            Value::String(s) => self.string(key, s),
            Value::Array(items) => items.iter().map(|i| self.value(key, i)).collect(),
            Value::Object(map) => map
                .iter()
                .map(|(k, i)| (k.clone(), self.value(k, i)))
                .collect(),
            other => other.clone(),
        }
    }

    fn string(&mut self, key: &str, s: &str) -> Value {
        let state = self.state;
        if state.pool_id() == Some(s) {
            return "$pool".into();
        }
        if let Some(name) = state.client_names.get(s) {
            if state.clients.first() == Some(name) {
                return "$client".into();
            }
            let same_name = state.client_names.values().filter(|n| *n == name).count();
            if same_name > 1 {
                self.notes.push(format!(
                    "{key}: more than one client is named `{name}`; `$client.{name}` may name another"
                ));
            }
            return format!("$client.{name}").into();
        }
        if let Some((kind, user)) = state.tokens.get(s) {
            // Revoked before this call: one this call revokes (GlobalSignOut) was still good.
            let revoked = *kind == TokenKind::Access && state.revoked.contains(s);
            match kind {
                TokenKind::Access if !revoked => return format!("$token.{user}").into(),
                TokenKind::Refresh => return format!("$refresh.{user}").into(),
                TokenKind::Access => self.notes.push(format!(
                    "{key}: a revoked access token of `{user}`, kept as sent (`$token.{user}` would be a valid one)"
                )),
                TokenKind::Id => self.notes.push(format!(
                    "{key}: an ID token of `{user}`, kept as sent (no reference makes one)"
                )),
            }
            self.kept_token = true;
            return literal(s);
        }
        if state.session.as_deref() == Some(s) {
            return "$session".into();
        }
        if key == "Session" {
            self.notes.push(
                "Session: not the previous step's, kept as sent (`$session` names only the previous step's)".to_string(),
            );
            return literal(s);
        }
        if let Some((_, user)) = self.codes.iter().find(|(code, _)| code == s) {
            return format!("$code.{user}").into();
        }
        if self.other_pools.iter().any(|p| p == s) {
            self.notes.push(format!(
                "{key}: pool {s} is not the recorded pool, kept as sent (a replay has only the scenario's pool)"
            ));
        }
        literal(s)
    }
}

/// A string kept as sent: one that starts with `$` is escaped (`$$`), so it is not read as a
/// reference.
fn literal(s: &str) -> Value {
    if s.starts_with('$') {
        format!("${s}").into()
    } else {
        s.into()
    }
}

/// The codes a request may carry: for each user it names (`Username`, `USERNAME` of the auth
/// parameters or challenge responses, the owner of its access token), the code of the last
/// message delivered to them before this call, as `$code.<user>` resolves it in a replay.
fn typed_codes(
    pool: &UserPool,
    state: &State,
    request: &Value,
    outcome: &Outcome,
) -> Vec<(String, String)> {
    let token_owner = request["AccessToken"]
        .as_str()
        .and_then(|t| pool.access_grant(t))
        .map(|g| g.username.as_str());
    let named = [
        request["Username"].as_str(),
        request["AuthParameters"]["USERNAME"].as_str(),
        request["ChallengeResponses"]["USERNAME"].as_str(),
        token_owner,
    ];
    let mut out = Vec::new();
    for user in named
        .into_iter()
        .flatten()
        .filter_map(|n| pool.find_user(n))
    {
        // Messages this call delivered came after what the user typed.
        let sent_now = outcome
            .delivered
            .iter()
            .filter(|m| m.username == user.username)
            .count();
        let before = pool
            .outbox()
            .iter()
            .rev()
            .filter(|m| m.username == user.username)
            .nth(sent_now);
        if let Some(code) = before.and_then(|m| m.code.clone()) {
            out.push((code, state.reference_name(pool, user)));
        }
    }
    out
}

/// Whether a request carries a SECRET_HASH (`SecretHash`, or among its auth parameters or
/// challenge responses).
fn carries_secret_hash(request: &Value) -> bool {
    request.get("SecretHash").is_some()
        || request["AuthParameters"].get("SECRET_HASH").is_some()
        || request["ChallengeResponses"].get("SECRET_HASH").is_some()
}

/// The client a request names, to tell whether it has a secret.
fn request_client(request: &Value) -> Option<&str> {
    request.get("ClientId").and_then(Value::as_str)
}

/// `expect` from what happened: the outcome, the deciding verdict's rule, the error text or the
/// delivered messages (`{####}` for the code), the function's error, warnings, and the response's
/// stable members.
fn expectations(
    outcome: &Outcome,
    volatile: &HashSet<String>,
    kept_token: bool,
    notes: &mut Vec<String>,
) -> Map<String, Value> {
    let names_volatile = |s: &str| volatile.iter().any(|v| s.contains(v.as_str()));
    let mut expect = Map::new();
    let outcome_name = crate::scenario::expect::outcome_name(&outcome.result);
    expect.insert("outcome".into(), outcome_name.into());
    if !outcome.triggers.is_empty() {
        if let Some(verdict) = outcome.verdict() {
            if crate::trigger::rule_by_id(verdict.rule.id).is_some() {
                expect.insert("rule".into(), verdict.rule.id.into());
            }
        }
    }
    match &outcome.result {
        Err(_) if kept_token => notes.push(
            "the error message is not expected: a replay does not know the token kept as sent, and may say so in other words".to_string(),
        ),
        Err(error) if names_volatile(&error.message) => notes.push(
            "the error message names a value a replay does not have, so it is not expected"
                .to_string(),
        ),
        Err(error) => {
            expect.insert("message".into(), error.message.clone().into());
        }
        Ok(_) => {
            let messages: Vec<Value> = outcome
                .delivered
                .iter()
                .map(|m| {
                    let mut view = message_view(m);
                    let code = view
                        .as_object_mut()
                        .and_then(|o| o.shift_remove("code"))
                        .and_then(|c| c.as_str().map(str::to_string));
                    if let Some(o) = view.as_object_mut() {
                        o.retain(|_, v| !v.as_str().is_some_and(names_volatile));
                        if let Some(code) = code.filter(|c| !c.is_empty()) {
                            for v in o.values_mut() {
                                if let Value::String(s) = v {
                                    *s = s.replace(&code, CODE_PLACEHOLDER);
                                }
                            }
                        }
                    }
                    view
                })
                .collect();
            match messages.len() {
                0 => {}
                1 => {
                    expect.insert("message".into(), messages[0].clone());
                }
                _ => {
                    expect.insert("message".into(), messages.into());
                }
            }
        }
    }
    if outcome.is_success() {
        if let Some(response) = outcome.response().and_then(|r| stable(r, volatile)) {
            if response.as_object().is_none_or(|o| !o.is_empty()) {
                expect.insert("response".into(), response);
            }
        }
    } else if let Some(text) = deciding_function_error(outcome) {
        expect.insert("functionError".into(), text.into());
    }
    let warnings: Vec<Value> = outcome
        .warnings
        .iter()
        .filter(|w| !names_volatile(w))
        .map(|w| Value::from(w.as_str()))
        .collect();
    if !warnings.is_empty() {
        expect.insert("warnings".into(), warnings.into());
    }
    expect
}

/// The `errorMessage` of the function whose error decided the call, as `expect.functionError`
/// checks it.
fn deciding_function_error(outcome: &Outcome) -> Option<String> {
    let deciding = outcome
        .triggers
        .iter()
        .find(|t| !t.verdict.is_accepted())
        .or_else(|| outcome.triggers.last())?;
    match &deciding.invocation.as_ref()?.result {
        Invoked::Error(e) => Some(e.error_message.clone()),
        _ => None,
    }
}

/// The members of a response a replay reproduces: without tokens, sessions, dates and values
/// that name what a replay generates anew. Array elements keep their places (an emptied one
/// stays `{}`, which matches any object), since expectations match arrays by position.
fn stable(v: &Value, volatile: &HashSet<String>) -> Option<Value> {
    match v {
        Value::String(s) if volatile.iter().any(|x| s.contains(x.as_str())) => None,
        Value::Object(map) => Some(
            map.iter()
                .filter(|(k, _)| !UNSTABLE_MEMBERS.contains(&k.as_str()) && !k.ends_with("Date"))
                .filter_map(|(k, x)| {
                    let kept = stable(x, volatile)?;
                    // An object emptied of its members says nothing.
                    let emptied = kept.as_object().is_some_and(Map::is_empty)
                        && x.as_object().is_some_and(|o| !o.is_empty());
                    (!emptied).then(|| (k.clone(), kept))
                })
                .collect(),
        ),
        Value::Array(items) => Some(
            items
                .iter()
                .map(|i| stable(i, volatile).unwrap_or_else(|| json!({})))
                .collect(),
        ),
        other => Some(other.clone()),
    }
}

/// A user as a scenario's `users` seeds them, `sub` included so tokens and events name the same.
fn seed_user(user: &User) -> Value {
    let mut attributes = vec![json!({"Name": "sub", "Value": user.sub})];
    attributes.extend(
        user.attributes
            .iter()
            .map(|(n, v)| json!({"Name": n, "Value": v})),
    );
    let mut seed = json!({"Username": user.username, "UserAttributes": attributes});
    if let Some(password) = &user.password {
        seed["Password"] = password.clone().into();
    }
    seed["UserStatus"] = user.status.as_str().into();
    if !user.enabled {
        seed["Enabled"] = false.into();
    }
    seed
}

/// Where the file is written before it is renamed over `file`.
fn temporary_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    file.with_file_name(name)
}

/// `target` as a path relative to the folder of `file` (both made absolute first), with `/`
/// between parts, as a scenario's `pool` names its pool file.
fn relative_path(file: &Path, target: &Path) -> String {
    let absolute = |p: &Path| {
        p.canonicalize().unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let from = absolute(
        file.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    );
    let to = absolute(target);
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to_parts[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::refs;

    #[test]
    fn strings_that_look_like_references_are_escaped() {
        assert_eq!(literal("$ecret"), json!("$$ecret"));
        assert_eq!(literal("plain"), json!("plain"));
        assert_eq!(
            refs::parse("$$ecret"),
            Ok(Some(refs::Ref::Literal("$ecret")))
        );
    }

    #[test]
    fn stable_members_drop_tokens_dates_and_generated_values() {
        let volatile: HashSet<String> = ["sub-1".to_string()].into();
        let response = json!({
            "Username": "alice",
            "UserCreateDate": 1.5,
            "UserAttributes": [{"Name": "sub", "Value": "sub-1"}, {"Name": "email", "Value": "a@example.com"}],
            "AuthenticationResult": {"AccessToken": "x", "ExpiresIn": 3600, "TokenType": "Bearer"},
            "Session": "s",
        });
        assert_eq!(
            stable(&response, &volatile),
            Some(json!({
                "Username": "alice",
                "UserAttributes": [{"Name": "sub"}, {"Name": "email", "Value": "a@example.com"}],
                "AuthenticationResult": {"ExpiresIn": 3600, "TokenType": "Bearer"},
            }))
        );
    }
}
