//! The harness's own routes, outside Cognito's `POST /` protocol (so no SDK is confused):
//!
//! - `GET /_harness/pools`: `[{"id", "name"}]`, every pool the service holds;
//! - `GET /_harness/pools/<id>/messages[?username=<name>]`: the messages delivered in the pool,
//!   oldest first (newest last), each with its code; `username` keeps those sent to one user
//!   (found as `Username` parameters find users: by name, alias or `sub`).
//!
//! Answers are `application/json`; an unknown pool or path is a 404 `{"message"}`.

use hyper::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::http;
use crate::service::Cognito;

/// Where the routes live.
pub(super) const PREFIX: &str = "/_harness/";

/// Answers a request whose path is `/_harness/<path>`.
pub(super) fn answer(
    cognito: &Cognito,
    method: &Method,
    path: &str,
    query: Option<&str>,
) -> Response<http::Body> {
    if method != Method::GET {
        return not_found(format!(
            "No harness route at {method} {PREFIX}{path}: use GET"
        ));
    }
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        ["pools"] => json_response(pools(cognito)),
        ["pools", pool_id, "messages"] => {
            let username = query_parameter(query, "username");
            match messages(cognito, pool_id, username.as_deref()) {
                Some(list) => json_response(list),
                None => not_found(format!("User pool {pool_id} does not exist.")),
            }
        }
        _ => not_found(format!(
            "No harness route at GET {PREFIX}{path}: there are {PREFIX}pools and {PREFIX}pools/<id>/messages"
        )),
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

fn json_response(body: Value) -> Response<http::Body> {
    let mut response = http::response(StatusCode::OK, "application/json", body.to_string());
    super::set_content_length(&mut response);
    response
}

fn not_found(message: String) -> Response<http::Body> {
    let mut response = http::response(
        StatusCode::NOT_FOUND,
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
