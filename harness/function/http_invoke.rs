//! Functions behind an HTTP Invoke API endpoint: `POST /2015-03-31/functions/{name}/invocations`,
//! as served by Lambda itself, `sam local start-lambda`, the runtime interface emulator (RIE) and
//! `cargo lambda watch` (cognito-semantics.md §6.2).
//!
//! Those tools signal a function error three ways, all accepted: 200 with `X-Amz-Function-Error`
//! (Lambda, sam), 200 with an error object and no header (RIE), and HTTP 500 (cargo lambda).

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use super::{BoxFuture, Function, FunctionError, InvokeContext, Invoked, Logs, Payload};

/// Keys an error object from a runtime may have; an object with only these is an error, not an
/// answer (a Cognito event always has `version`, `triggerSource`, ...).
const ERROR_KEYS: [&str; 6] = [
    "errorType",
    "errorMessage",
    "stackTrace",
    "requestId",
    "cause",
    "trace",
];

/// A function reached through the Lambda Invoke API over HTTP (plain `http://`, keep-alive).
///
/// ```no_run
/// # use cognito_harness::function::HttpFunction;
/// let f = HttpFunction::endpoint("http://127.0.0.1:3001", "pre-sign-up").unwrap();
/// ```
///
/// Pooled connections belong to the tokio runtime that opened them; use one function from one
/// runtime at a time.
pub struct HttpFunction {
    url: Uri,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl HttpFunction {
    /// The full invocations URL, e.g. `http://127.0.0.1:3001/2015-03-31/functions/f/invocations`.
    pub fn new(url: &str) -> Result<Self, crate::Error> {
        let url: Uri = url
            .parse()
            .map_err(|e| crate::Error::Usage(format!("invalid invoke URL `{url}`: {e}")))?;
        if url.scheme_str() != Some("http") || url.host().is_none() {
            return Err(crate::Error::Usage(format!(
                "invalid invoke URL `{url}` (expected http://host:port/2015-03-31/functions/<name>/invocations)"
            )));
        }
        let client = Client::builder(TokioExecutor::new()).build_http();
        Ok(HttpFunction { url, client })
    }

    /// The endpoint's base URL (`http://127.0.0.1:3001`) and the function's name.
    pub fn endpoint(base: &str, function_name: &str) -> Result<Self, crate::Error> {
        let base = base.trim_end_matches('/');
        Self::new(&format!(
            "{base}/2015-03-31/functions/{function_name}/invocations"
        ))
    }

    /// The Invoke API URL the function is called at.
    pub fn url(&self) -> &Uri {
        &self.url
    }

    async fn call(&self, event: Bytes, logs: &Logs) -> Invoked {
        let request = Request::builder()
            .method(Method::POST)
            .uri(self.url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(
                "x-amz-invocation-type",
                HeaderValue::from_static("RequestResponse"),
            )
            .body(Full::new(event));
        let request = match request {
            Ok(request) => request,
            Err(e) => {
                return Invoked::Unavailable(format!(
                    "could not build a request for {}: {e}",
                    self.url
                ))
            }
        };
        let response = match self.client.request(request).await {
            Ok(response) => response,
            Err(e) => {
                return Invoked::Unavailable(format!(
                    "could not invoke {}: {}",
                    self.url,
                    chain(&e)
                ))
            }
        };
        let status = response.status();
        let function_error = response.headers().contains_key("x-amz-function-error");
        if let Some(tail) = response.headers().get("x-amz-log-result") {
            if let Ok(text) = base64::engine::general_purpose::STANDARD.decode(tail.as_bytes()) {
                logs.push_str(&String::from_utf8_lossy(&text));
            }
        }
        match response.into_body().collect().await {
            Ok(body) => classify(status, function_error, body.to_bytes(), &self.url),
            Err(e) => Invoked::Unavailable(format!(
                "could not read the answer from {}: {}",
                self.url,
                chain(&e)
            )),
        }
    }
}

impl Function for HttpFunction {
    fn invoke<'a>(&'a self, event: &'a Value, ctx: &'a InvokeContext) -> BoxFuture<'a, Invoked> {
        Box::pin(async move {
            let body = match serde_json::to_vec(event) {
                Ok(body) => Bytes::from(body),
                Err(e) => {
                    return Invoked::Unavailable(format!("the event cannot be serialized: {e}"))
                }
            };
            // Dropping the request on timeout closes its connection, as Cognito's client would.
            tokio::time::timeout(ctx.timeout, self.call(body, &ctx.logs))
                .await
                .unwrap_or(Invoked::TimedOut)
        })
    }
}

/// Reads an Invoke API answer the way the three kinds of endpoint mean it.
fn classify(status: StatusCode, function_error: bool, body: Bytes, url: &Uri) -> Invoked {
    match status {
        StatusCode::OK if function_error || is_error_object(&body) => {
            Invoked::Error(FunctionError::from_body(&body))
        }
        // RIE answers a timed-out invocation with this plain text and status 200.
        StatusCode::OK if is_timeout_text(&body) => Invoked::Error(FunctionError::from_body(&body)),
        StatusCode::OK => Invoked::Output(Payload::Bytes(body)),
        StatusCode::INTERNAL_SERVER_ERROR => Invoked::Error(FunctionError::from_body(&body)),
        other => {
            let text = String::from_utf8_lossy(&body);
            let text = text.trim();
            let text: String = text.chars().take(500).collect();
            Invoked::Unavailable(format!("{url} answered HTTP {other}: {text}"))
        }
    }
}

fn is_error_object(body: &[u8]) -> bool {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            map.get("errorMessage").is_some_and(Value::is_string)
                && map.keys().all(|key| ERROR_KEYS.contains(&key.as_str()))
        }
        _ => false,
    }
}

fn is_timeout_text(body: &[u8]) -> bool {
    std::str::from_utf8(body)
        .is_ok_and(|text| text.starts_with("Task timed out after ") && text.ends_with(" seconds"))
}

/// An error with its causes, `outer: inner: innermost`.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Uri {
        Uri::from_static("http://127.0.0.1:1/2015-03-31/functions/f/invocations")
    }

    #[test]
    fn answers_are_told_from_function_errors() {
        let error =
            Bytes::from_static(br#"{"errorType":"Error","errorMessage":"boom","stackTrace":[]}"#);
        let expected = Invoked::Error(FunctionError::new("Error", "boom"));
        assert_eq!(
            classify(StatusCode::OK, true, error.clone(), &url()),
            expected
        );
        assert_eq!(
            classify(StatusCode::OK, false, error.clone(), &url()),
            expected
        );
        assert_eq!(
            classify(StatusCode::INTERNAL_SERVER_ERROR, false, error, &url()),
            expected
        );

        // An event that happens to carry an errorMessage is still an answer.
        let event = Bytes::from_static(br#"{"version":"1","errorMessage":"x","response":{}}"#);
        assert_eq!(
            classify(StatusCode::OK, false, event.clone(), &url()),
            Invoked::Output(Payload::Bytes(event))
        );

        let timeout = Bytes::from_static(b"Task timed out after 3.00 seconds");
        assert_eq!(
            classify(StatusCode::OK, false, timeout, &url()),
            Invoked::Error(FunctionError::new("", "Task timed out after 3.00 seconds"))
        );
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, false, Bytes::new(), &url()),
            Invoked::Unavailable(_)
        ));
    }

    #[test]
    fn bad_urls_are_usage_errors() {
        assert!(HttpFunction::new("ftp://x/y").is_err());
        assert!(HttpFunction::new("not a url").is_err());
        assert!(HttpFunction::endpoint("http://127.0.0.1:9000/", "f").is_ok());
    }
}
