//! The harness's own routes, outside Cognito's `POST /` protocol (so no SDK is confused):
//!
//! - `GET /_harness/`: the web view ([`super::web_view`]);
//! - `GET /_harness/pools`: `[{"id", "name"}]`, every pool the service holds;
//! - `GET /_harness/pools/<id>`: the pool, its groups and its users (status, groups);
//! - `GET /_harness/pools/<id>/messages[?username=<name>]`: the messages delivered in the pool,
//!   oldest first (newest last), each with its code; `username` keeps those sent to one user
//!   (found as `Username` parameters find users: by name, alias or `sub`);
//! - `GET /_harness/runs[?pool=<id>][&after=<seq>][&limit=<n>]`: recent trigger runs, newest
//!   first ([`super::run_log`]);
//! - `GET /_harness/changes`: `{"calls", "lastRun"}`, what a polling page compares.
//!
//! Answers are `application/json` (the web view's files excepted); an unknown pool or path is a
//! 404 `{"message"}`, a malformed query parameter a 400 `{"message"}`.

use hyper::{Method, Response, StatusCode};
use serde_json::{json, Value};

use super::run_log::{RunLog, MAX_RUNS};
use super::web_view;
use crate::http;
use crate::service::Cognito;

/// The users `GET /_harness/pools/<id>` lists at most (the first, by username); `userCount` says
/// how many there are.
pub(super) const MAX_LISTED_USERS: usize = 1_000;

/// Where the routes live.
pub(super) const PREFIX: &str = "/_harness/";

/// Answers a request whose path is `/_harness/<path>`.
pub(super) fn answer(
    cognito: &Cognito,
    runs: &RunLog,
    method: &Method,
    path: &str,
    query: Option<&str>,
) -> Response<http::Body> {
    if method != Method::GET {
        return not_found(format!(
            "No harness route at {method} {PREFIX}{path}: use GET"
        ));
    }
    if let Some(file) = web_view::file(path) {
        return file;
    }
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        [""] => web_view::page(&snapshot(cognito, runs)),
        ["pools"] => json_response(pools(cognito)),
        ["pools", pool_id] => match pool_detail(cognito, pool_id) {
            Some(detail) => json_response(detail),
            None => not_found(format!("User pool {pool_id} does not exist.")),
        },
        ["pools", pool_id, "messages"] => {
            let username = query_parameter(query, "username");
            match messages(cognito, pool_id, username.as_deref()) {
                Some(list) => json_response(list),
                None => not_found(format!("User pool {pool_id} does not exist.")),
            }
        }
        ["runs"] => {
            let number = |name: &str, default: u64| match query_parameter(query, name) {
                None => Ok(default),
                Some(text) => text.parse::<u64>().map_err(|_| {
                    format!("Query parameter {name} must be a whole number, not '{text}'")
                }),
            };
            let (after, limit) = match (number("after", 0), number("limit", MAX_RUNS as u64)) {
                (Ok(after), Ok(limit)) => (after, limit.min(MAX_RUNS as u64) as usize),
                (Err(message), _) | (_, Err(message)) => return bad_request(message),
            };
            let pool = query_parameter(query, "pool");
            json_response(runs.runs(pool.as_deref(), after, limit))
        }
        ["changes"] => json_response(runs.changes()),
        _ => not_found(format!(
            "No harness route at GET {PREFIX}{path}: there are {PREFIX} (the web view), {PREFIX}pools, {PREFIX}pools/<id>, {PREFIX}pools/<id>/messages, {PREFIX}runs and {PREFIX}changes"
        )),
    }
}

/// A pool as the web view shows it: `{"id", "name", "lambdaConfig", "groups": [{"name",
/// "description", "precedence", "members"}], "userCount", "users": [{"username", "sub",
/// "status", "enabled", "attributes", "groups"}]}`, groups by name and users by username (the
/// first [`MAX_LISTED_USERS`]); None when there is no such pool.
fn pool_detail(cognito: &Cognito, pool_id: &str) -> Option<Value> {
    cognito.with_pool(pool_id, |pool| {
        let mut groups: Vec<Value> = pool
            .groups
            .iter()
            .map(|g| {
                json!({
                    "name": g.name,
                    "description": g.description,
                    "precedence": g.precedence,
                    "members": g.members().count(),
                })
            })
            .collect();
        groups.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        let users: Vec<Value> = pool
            .users()
            .take(MAX_LISTED_USERS)
            .map(|u| {
                let membership = pool.groups.membership(&u.sub);
                json!({
                    "username": u.username,
                    "sub": u.sub,
                    "status": u.status.as_str(),
                    "enabled": u.enabled,
                    "attributes": u.attributes,
                    "groups": membership.names,
                })
            })
            .collect();
        json!({
            "id": pool.id,
            "name": pool.config.pool_name,
            "lambdaConfig": pool
                .config
                .lambda_config
                .as_ref()
                .and_then(|c| serde_json::to_value(c).ok())
                .unwrap_or_else(|| json!({})),
            "groups": groups,
            "userCount": pool.users().count(),
            "users": users,
        })
    })
}

/// What the web view shows: the counters first, then the pools (by id) with their newest
/// messages, then the newest runs.
fn snapshot(cognito: &Cognito, runs: &RunLog) -> web_view::Snapshot {
    let changes = runs.changes();
    let mut ids = cognito.pool_ids();
    ids.sort();
    let pools = ids
        .iter()
        .filter_map(|id| {
            let mut detail = pool_detail(cognito, id)?;
            let (newest, count) = cognito.with_pool(id, |pool| {
                let outbox = pool.outbox();
                let newest = &outbox[outbox.len().saturating_sub(web_view::SHOWN)..];
                let list: Vec<Value> = newest
                    .iter()
                    .filter_map(|m| serde_json::to_value(m).ok())
                    .collect();
                (list, outbox.len())
            })?;
            detail["messages"] = Value::Array(newest);
            detail["messageCount"] = count.into();
            Some(detail)
        })
        .collect();
    web_view::Snapshot {
        changes,
        pools,
        runs: runs.runs(None, 0, web_view::SHOWN + 1),
    }
}

/// Every pool's id and name, sorted by id.
fn pools(cognito: &Cognito) -> Value {
    let mut ids = cognito.pool_ids();
    ids.sort();
    let list: Vec<Value> = ids
        .iter()
        .filter_map(|id| cognito.with_pool(id, |p| json!({"id": p.id, "name": p.config.pool_name})))
        .collect();
    Value::Array(list)
}

/// The pool's delivered messages, oldest first; None when there is no such pool.
fn messages(cognito: &Cognito, pool_id: &str, username: Option<&str>) -> Option<Value> {
    cognito.with_pool(pool_id, |pool| {
        // A user's messages are kept under their username; a deleted user is matched as named.
        let wanted = username.map(|name| {
            pool.find_user(name)
                .map(|u| u.username.clone())
                .unwrap_or_else(|| name.to_string())
        });
        let list: Vec<Value> = pool
            .outbox()
            .iter()
            .filter(|m| wanted.as_deref().is_none_or(|w| m.username == w))
            .filter_map(|m| serde_json::to_value(m).ok())
            .collect();
        Value::Array(list)
    })
}

/// The percent-decoded value of `name` in a query string.
fn query_parameter(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key) == name).then(|| percent_decode(value))
    })
}

/// `%XX` escapes and `+` (a space in a form-encoded query) decoded; bad escapes kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET /_harness` (no slash): a 308 to the web view at `/_harness/`.
pub(super) fn to_web_view() -> Response<http::Body> {
    let mut response = http::response(StatusCode::PERMANENT_REDIRECT, "text/plain", PREFIX);
    response.headers_mut().insert(
        hyper::header::LOCATION,
        hyper::header::HeaderValue::from_static(PREFIX),
    );
    super::set_content_length(&mut response);
    response
}

fn json_response(body: Value) -> Response<http::Body> {
    let mut response = http::response(StatusCode::OK, "application/json", body.to_string());
    super::set_content_length(&mut response);
    response
}

fn not_found(message: String) -> Response<http::Body> {
    error(StatusCode::NOT_FOUND, message)
}

fn bad_request(message: String) -> Response<http::Body> {
    error(StatusCode::BAD_REQUEST, message)
}

fn error(status: StatusCode, message: String) -> Response<http::Body> {
    let mut response = http::response(
        status,
        "application/json",
        json!({ "message": message }).to_string(),
    );
    super::set_content_length(&mut response);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(
            query_parameter(Some("a=1&username=al%40example.com"), "username").as_deref(),
            Some("al@example.com")
        );
        assert_eq!(
            query_parameter(Some("username=a+b"), "username").as_deref(),
            Some("a b")
        );
        assert_eq!(query_parameter(Some("x=1"), "username"), None);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
