//! The web view at `GET /_harness/` (MailHog is the model): the pools with their users, status and
//! groups; every delivered message with its code; every recent trigger run with the event sent,
//! the function's answer, its logs and the verdict with rule and grade, newest first.
//!
//! The page is rendered here, on the server, from the same JSON the other `/_harness/` routes
//! answer; every text in it that comes from a user, a request or a function is HTML-escaped
//! ([`escape`]). A few lines of plain JavaScript (`web_view.js`) poll `/_harness/changes` once a
//! second and, when a call has been answered since, fetch the page again and swap its `<main>`
//! in, keeping open `<details>` open. The page's Content-Security-Policy allows only that file as
//! script, so even a text that escaped the escaping could not run.

use std::fmt::Write as _;

use hyper::header::HeaderValue;
use hyper::{Response, StatusCode};
use serde_json::Value;

use crate::function::log_lines;
use crate::http;

/// The messages (per pool) and trigger runs the page shows at most, the newest; the JSON routes
/// have them all.
pub(super) const SHOWN: usize = 200;

const SCRIPT: &str = include_str!("web_view.js");
const STYLE: &str = include_str!("web_view.css");
/// The tab's icon, so a browser's `/favicon.ico` guess does not reach the protocol.
const ICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><circle cx=\"8\" cy=\"8\" r=\"7\" fill=\"#ff9900\"/></svg>";
/// Only the page's own script and style; no inline script, no other origin.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// What the page shows, read from the service and the run log.
pub(super) struct Snapshot {
    /// `{"calls", "lastRun"}` read before everything else, so the page never claims to be newer
    /// than what it shows.
    pub changes: Value,
    /// Each pool as `GET /_harness/pools/<id>` answers it, with `"messages"` (the newest
    /// [`SHOWN`], oldest first, as the messages route lists them) and `"messageCount"` added.
    pub pools: Vec<Value>,
    /// The newest runs first, as `GET /_harness/runs` answers them.
    pub runs: Value,
}

/// The page's script and style, by their path under `/_harness/`.
pub(super) fn file(path: &str) -> Option<Response<http::Body>> {
    let (content_type, text) = match path {
        "web_view.js" => ("text/javascript; charset=utf-8", SCRIPT),
        "web_view.css" => ("text/css; charset=utf-8", STYLE),
        "web_view.svg" => ("image/svg+xml", ICON),
        _ => return None,
    };
    Some(respond(content_type, text.to_string()))
}

/// The page.
pub(super) fn page(snapshot: &Snapshot) -> Response<http::Body> {
    respond("text/html; charset=utf-8", render(snapshot))
}

fn respond(content_type: &'static str, body: String) -> Response<http::Body> {
    let mut response = http::response(StatusCode::OK, content_type, body);
    let headers = response.headers_mut();
    headers.insert("content-security-policy", HeaderValue::from_static(POLICY));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    super::set_content_length(&mut response);
    response
}

/// Text made safe for HTML content and quoted attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A string member of `v`, escaped ("" when absent or not a string).
fn text(v: &Value, key: &str) -> String {
    escape(v.get(key).and_then(Value::as_str).unwrap_or(""))
}

/// JSON pretty-printed and escaped, for a `<pre>`.
fn json_block(v: &Value) -> String {
    escape(&serde_json::to_string_pretty(v).unwrap_or_default())
}

fn render(snapshot: &Snapshot) -> String {
    let changes = format!(
        "{}:{}",
        snapshot.changes["calls"].as_u64().unwrap_or(0),
        snapshot.changes["lastRun"].as_u64().unwrap_or(0)
    );
    let mut html = String::with_capacity(16 * 1024);
    html.push_str(concat!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<title>cognito-harness</title>\n",
        "<link rel=\"stylesheet\" href=\"/_harness/web_view.css\">\n",
        "<link rel=\"icon\" href=\"/_harness/web_view.svg\" type=\"image/svg+xml\">\n",
        "<script src=\"/_harness/web_view.js\" defer></script>\n</head>\n<body>\n",
        "<header><h1>cognito-harness</h1><nav><a href=\"#pools\">Pools</a> ",
        "<a href=\"#messages\">Messages</a> <a href=\"#runs\">Trigger runs</a></nav>",
        "<span id=\"status\">updates as calls arrive</span></header>\n"
    ));
    let _ = writeln!(html, "<main data-changes=\"{}\">", escape(&changes));
    pools_section(&mut html, &snapshot.pools);
    messages_section(&mut html, &snapshot.pools);
    runs_section(&mut html, &snapshot.runs);
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

fn pools_section(html: &mut String, pools: &[Value]) {
    html.push_str("<section id=\"pools\"><h2>Pools</h2>\n");
    if pools.is_empty() {
        html.push_str(
            "<p class=\"empty\">No pools yet (serve --pool FILE, or CreateUserPool).</p>\n",
        );
    }
    for pool in pools {
        let _ = writeln!(
            html,
            "<article class=\"pool\"><h3><code>{}</code> {}</h3>",
            text(pool, "id"),
            text(pool, "name")
        );
        let triggers: Vec<String> = pool["lambdaConfig"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| {
                let arn = match v {
                    Value::String(s) => s.clone(),
                    // CustomEmailSender / CustomSMSSender: {"LambdaArn", "LambdaVersion"}.
                    other => other["LambdaArn"].as_str()?.to_string(),
                };
                let function = arn.rsplit(':').next().unwrap_or(&arn).to_string();
                Some(format!(
                    "{} &rarr; <code title=\"{}\">{}</code>",
                    escape(k),
                    escape(&arn),
                    escape(&function)
                ))
            })
            .collect();
        let _ = writeln!(
            html,
            "<p class=\"triggers\">Triggers: {}</p>",
            if triggers.is_empty() {
                "none".to_string()
            } else {
                triggers.join(", ")
            }
        );
        let groups: Vec<String> = pool["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| {
                let members = g["members"].as_u64().unwrap_or(0);
                format!(
                    "{} ({members} member{})",
                    text(g, "name"),
                    if members == 1 { "" } else { "s" }
                )
            })
            .collect();
        let _ = writeln!(
            html,
            "<p class=\"groups\">Groups: {}</p>",
            if groups.is_empty() {
                "none".to_string()
            } else {
                groups.join(", ")
            }
        );
        let users = pool["users"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        let count = pool["userCount"].as_u64().unwrap_or(users.len() as u64);
        if users.is_empty() {
            html.push_str("<p class=\"empty\">No users.</p>\n");
        } else {
            if count > users.len() as u64 {
                let _ = writeln!(
                    html,
                    "<p class=\"note\">The first {} of {count} users, by username.</p>",
                    users.len()
                );
            }
            html.push_str("<table class=\"users\"><thead><tr><th>Username</th><th>Status</th><th>Enabled</th><th>Groups</th><th>Attributes</th></tr></thead><tbody>\n");
            for user in users {
                let attributes: Vec<String> = user["attributes"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| {
                        format!(
                            "<span class=\"attr\">{}=<b>{}</b></span>",
                            escape(k),
                            escape(v.as_str().unwrap_or(""))
                        )
                    })
                    .collect();
                let groups: Vec<String> = user["groups"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(escape)
                    .collect();
                let _ = writeln!(
                    html,
                    "<tr><td><code>{}</code></td><td class=\"status\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    text(user, "username"),
                    text(user, "status"),
                    if user["enabled"].as_bool() == Some(false) { "no" } else { "yes" },
                    groups.join(", "),
                    attributes.join(" ")
                );
            }
            html.push_str("</tbody></table>\n");
        }
        html.push_str("</article>\n");
    }
    html.push_str("</section>\n");
}

fn messages_section(html: &mut String, pools: &[Value]) {
    html.push_str("<section id=\"messages\"><h2>Messages</h2>\n");
    let mut any = false;
    for pool in pools {
        let messages = pool["messages"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let count = pool["messageCount"].as_u64().unwrap_or(0);
        if count > messages.len() as u64 {
            let _ = writeln!(
                html,
                "<p class=\"note\">{}: the newest {} of {count} messages (all: <code>/_harness/pools/{}/messages</code>).</p>",
                text(pool, "id"),
                messages.len(),
                text(pool, "id")
            );
        }
        for m in messages.iter().rev().take(SHOWN) {
            any = true;
            let _ = writeln!(
                html,
                "<article class=\"message\"><div class=\"meta\"><code>{}</code> &middot; {} to <b class=\"destination\">{}</b> &middot; user <code>{}</code> &middot; {}</div>",
                text(pool, "id"),
                text(m, "medium"),
                text(m, "destination"),
                text(m, "username"),
                text(m, "triggerSource")
            );
            if let Some(subject) = m["subject"].as_str() {
                let _ = writeln!(html, "<div class=\"subject\">{}</div>", escape(subject));
            }
            let _ = writeln!(html, "<pre class=\"body\">{}</pre>", text(m, "body"));
            if let Some(code) = m["code"].as_str() {
                let _ = writeln!(
                    html,
                    "<div class=\"code\">code <b class=\"code-value\">{}</b></div>",
                    escape(code)
                );
            }
            html.push_str("</article>\n");
        }
    }
    if !any {
        html.push_str("<p class=\"empty\">No messages delivered yet.</p>\n");
    }
    html.push_str("</section>\n");
}

fn runs_section(html: &mut String, runs: &Value) {
    html.push_str("<section id=\"runs\"><h2>Trigger runs</h2>\n");
    let runs = runs.as_array().map(Vec::as_slice).unwrap_or(&[]);
    if runs.is_empty() {
        html.push_str("<p class=\"empty\">No trigger has run yet.</p>\n");
    }
    if runs.len() > SHOWN {
        let _ = writeln!(
            html,
            "<p class=\"note\">The newest {SHOWN} runs (the newest {} are kept: <code>/_harness/runs</code>).</p>",
            super::MAX_RUNS
        );
    }
    for run in runs.iter().take(SHOWN) {
        let seq = run["seq"].as_u64().unwrap_or(0);
        let verdict = &run["verdict"];
        let outcome = verdict["outcome"].as_str().unwrap_or("");
        let class = match outcome {
            "success" => "accepted",
            "harness-failure" => "failure",
            _ => "rejected",
        };
        let _ = writeln!(
            html,
            "<article class=\"run {class}\" id=\"run-{seq}\"><div class=\"meta\"><time>{}</time> {} &middot; <code>{}</code> &middot; request <code>{}</code></div>",
            time_of_day(run["time"].as_u64().unwrap_or(0)),
            text(run, "action"),
            escape(run["poolId"].as_str().unwrap_or("-")),
            text(run, "requestId")
        );
        let _ = writeln!(
            html,
            "<div class=\"verdict\">{} &rarr; <b class=\"outcome\">{}</b> rule <code class=\"rule\">{}</code> grade <span class=\"grade\">{}</span> <span class=\"reference\">({})</span></div>",
            text(run, "triggerSource"),
            escape(outcome),
            text(verdict, "rule"),
            text(verdict, "grade"),
            text(verdict, "reference")
        );
        for key in ["message", "detail"] {
            if let Some(t) = verdict[key].as_str() {
                let _ = writeln!(html, "<div class=\"verdict-{key}\">{}</div>", escape(t));
            }
        }
        for w in verdict["warnings"].as_array().into_iter().flatten() {
            let _ = writeln!(
                html,
                "<div class=\"warning\">warning: {}</div>",
                escape(w.as_str().unwrap_or(""))
            );
        }
        match run["arn"].as_str() {
            Some(arn) => {
                let _ = writeln!(
                    html,
                    "<div class=\"arn\"><code>{}</code></div>",
                    escape(arn)
                );
            }
            None => {
                html.push_str("<div class=\"arn\">no trigger configured: Cognito's default</div>\n")
            }
        }
        if !run["event"].is_null() {
            let _ = writeln!(
                html,
                "<details data-key=\"run-{seq}-event\"><summary>Event sent</summary><pre>{}</pre></details>",
                json_block(&run["event"])
            );
        }
        match run.get("output") {
            Some(output) => {
                let attempts = run["attempts"].as_u64().unwrap_or(1);
                let _ = writeln!(
                    html,
                    "<details data-key=\"run-{seq}-output\"><summary>Function answer{}</summary><pre>{}</pre></details>",
                    if attempts > 1 {
                        format!(" ({attempts} attempts)")
                    } else {
                        String::new()
                    },
                    json_block(output)
                );
            }
            None => html.push_str("<div class=\"note\">No function ran.</div>\n"),
        }
        if let Some(logs) = run["logs"].as_str() {
            let _ = writeln!(
                html,
                "<details data-key=\"run-{seq}-logs\"><summary>Logs ({} lines)</summary><pre class=\"logs\">{}</pre></details>",
                // Counted as a browser shows them: it breaks the line at a lone `\r` too.
                log_lines(logs).count(),
                escape(logs)
            );
        }
        html.push_str("</article>\n");
    }
    html.push_str("</section>\n");
}

/// `HH:MM:SS.mmm UTC` of an epoch-milliseconds time.
fn time_of_day(ms: u64) -> String {
    let of_day = ms % 86_400_000;
    format!(
        "{:02}:{:02}:{:02}.{:03} UTC",
        of_day / 3_600_000,
        of_day / 60_000 % 60,
        of_day / 1000 % 60,
        of_day % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<img src=x onerror="alert('1')">&"#),
            "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn times_of_day_in_utc() {
        assert_eq!(time_of_day(1_764_654_300_123), "05:45:00.123 UTC");
    }
}
