//! `cognito-harness messages`: the outbox of a running `serve`, read over HTTP from its
//! `/_harness/` routes (README "Cognito endpoint"): every delivered message with its destination,
//! subject, body and code, for the code a user must type next.

use std::io::{IsTerminal, Write as _};
use std::time::Duration;

use bytes::Bytes;
use clap::{Args, ValueEnum};
use http_body_util::{BodyExt, Empty};
use hyper::{StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::exit;

/// Where `serve` listens unless told otherwise.
const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:9229";
/// How long one request to `serve` may take before the command gives up (it never hangs).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The flags of `messages`.
#[derive(Args)]
pub(super) struct MessagesArgs {
    /// The running `serve`'s URL.
    #[arg(long, value_name = "URL", default_value = DEFAULT_ENDPOINT)]
    endpoint: String,
    /// Only this pool's messages (default: every pool's).
    #[arg(long, value_name = "ID")]
    pool: Option<String>,
    /// Only the messages sent to this user (username, alias or sub).
    #[arg(long, value_name = "NAME")]
    username: Option<String>,
    #[arg(long, value_enum, default_value_t = MessagesFormat::Human)]
    format: MessagesFormat,
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
enum MessagesFormat {
    /// One block per message, the code highlighted on a terminal.
    Human,
    /// One JSON array, each message with its `poolId`.
    Json,
}

/// Why the outbox could not be read, and the exit code that goes with it.
struct Failure {
    code: i32,
    message: String,
}

/// Runs `messages`; prints the messages (or one `error:` line) and returns the exit code:
/// 0 read, 2 bad flag or unknown pool, 3 no `serve` answering at the endpoint.
pub(super) async fn run(args: MessagesArgs) -> i32 {
    match read(&args).await {
        Ok(messages) => {
            let text = match args.format {
                MessagesFormat::Json => {
                    let mut text =
                        serde_json::to_string_pretty(&Value::Array(messages)).unwrap_or_default();
                    text.push('\n');
                    text
                }
                MessagesFormat::Human => {
                    let color = std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
                    human(&messages, color)
                }
            };
            let _ = std::io::stdout().write_all(text.as_bytes());
            exit::OK
        }
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            failure.code
        }
    }
}

/// The messages of the pools asked for, each with `poolId`, pools by id, oldest first.
async fn read(args: &MessagesArgs) -> Result<Vec<Value>, Failure> {
    let base = args.endpoint.trim_end_matches('/').to_string();
    let parsed: Uri = base.parse().map_err(|e| usage(&args.endpoint, e))?;
    if parsed.scheme_str() != Some("http") || parsed.host().is_none() {
        return Err(usage(&args.endpoint, "it must start with http://"));
    }
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let pools = match &args.pool {
        Some(pool) => vec![pool.clone()],
        None => {
            let list = get(&client, &base, "/_harness/pools").await?;
            let mut ids: Vec<String> = list
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["id"].as_str().map(str::to_string))
                .collect();
            ids.sort();
            ids
        }
    };
    let mut messages = Vec::new();
    for pool in pools {
        let mut path = format!("/_harness/pools/{}/messages", encode(&pool));
        if let Some(username) = &args.username {
            path.push_str("?username=");
            path.push_str(&encode(username));
        }
        let list = get(&client, &base, &path).await?;
        for mut message in list.as_array().cloned().unwrap_or_default() {
            if let Value::Object(map) = &mut message {
                // `poolId` first, then the message as the route gives it.
                let mut with_pool = serde_json::Map::new();
                with_pool.insert("poolId".into(), pool.clone().into());
                with_pool.extend(std::mem::take(map));
                *map = with_pool;
            }
            messages.push(message);
        }
    }
    Ok(messages)
}

/// GETs a `/_harness/` route and reads its JSON. A 404 `{"message"}` (an unknown pool) is bad
/// input; no connection, no answer in time, or an answer that is not serve's is exit code 3.
async fn get(
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>,
    base: &str,
    path: &str,
) -> Result<Value, Failure> {
    let url = format!("{base}{path}");
    let not_serve = |why: String| {
        Failure {
        code: exit::HARNESS_FAILURE,
        message: format!(
            "no cognito-harness serve answering at {base} ({why}); start one with `cognito-harness serve` or pass --endpoint"
        ),
    }
    };
    let uri: Uri = url.parse().map_err(|e| usage(base, e))?;
    let exchange = async {
        let response = client.get(uri).await.map_err(|e| {
            // The connector's own error (connection refused) is the useful part.
            let mut cause: &dyn std::error::Error = &e;
            while let Some(next) = cause.source() {
                cause = next;
            }
            cause.to_string()
        })?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok::<_, String>((status, body))
    };
    let (status, body) = match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(why)) => return Err(not_serve(why)),
        Err(_) => {
            return Err(not_serve(format!(
                "no answer within {} s",
                REQUEST_TIMEOUT.as_secs()
            )))
        }
    };
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    match (status, json) {
        (StatusCode::OK, Some(json)) => Ok(json),
        (StatusCode::NOT_FOUND, Some(json)) if path.starts_with("/_harness/pools/") => {
            Err(Failure {
                code: exit::INPUT_ERROR,
                message: json["message"].as_str().unwrap_or("not found").to_string(),
            })
        }
        (status, _) => Err(not_serve(format!(
            "GET {path} answered {}, not the harness's JSON",
            status.as_u16()
        ))),
    }
}

fn usage(endpoint: &str, why: impl std::fmt::Display) -> Failure {
    Failure {
        code: exit::INPUT_ERROR,
        message: format!("--endpoint `{endpoint}` is not an http://host:port URL: {why}"),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One block per message, a blank line between blocks:
///
/// ```text
/// us-east-1_Example  EMAIL to carol@example.com  (carol, CustomMessage_SignUp)
///   subject  Example: confirm your account
///   body     Welcome to Example! Your confirmation code is 350712.
///   code     350712
/// ```
///
/// The code is bold yellow when `color`; `no messages` when there are none.
fn human(messages: &[Value], color: bool) -> String {
    use std::fmt::Write as _;
    if messages.is_empty() {
        return "no messages\n".to_string();
    }
    let field = |m: &Value, key: &str| m[key].as_str().unwrap_or("").to_string();
    let mut out = String::new();
    for (i, m) in messages.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "{}  {} to {}  ({}, {})",
            field(m, "poolId"),
            field(m, "medium"),
            field(m, "destination"),
            field(m, "username"),
            field(m, "triggerSource")
        );
        if let Some(subject) = m["subject"].as_str() {
            let _ = writeln!(out, "  subject  {}", indent(subject));
        }
        let _ = writeln!(out, "  body     {}", indent(&field(m, "body")));
        if let Some(code) = m["code"].as_str() {
            if color {
                let _ = writeln!(out, "  code     \x1b[1;33m{code}\x1b[0m");
            } else {
                let _ = writeln!(out, "  code     {code}");
            }
        }
    }
    out
}

/// A multi-line text with its following lines under the first's start.
fn indent(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join("\n           ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn blocks_with_the_code_highlighted_on_a_terminal() {
        let m = json!({"poolId": "us-east-1_A", "username": "carol", "medium": "EMAIL",
            "destination": "c@example.com", "triggerSource": "CustomMessage_SignUp",
            "subject": "Hi", "body": "line 1\nline 2", "code": "123456"});
        assert_eq!(
            human(std::slice::from_ref(&m), false),
            "us-east-1_A  EMAIL to c@example.com  (carol, CustomMessage_SignUp)\n  subject  Hi\n  body     line 1\n           line 2\n  code     123456\n"
        );
        assert!(human(&[m], true).contains("  code     \x1b[1;33m123456\x1b[0m\n"));
        assert_eq!(human(&[], false), "no messages\n");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("a b+c@d.e"), "a%20b%2Bc%40d.e");
    }
}
