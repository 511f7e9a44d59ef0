//! Shared set-up for the endpoint tests: a pool with a CustomMessage trigger bound to an in-process
//! Rust handler, the server started in-process on a free port, and a raw HTTP client.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use cognito_harness::pool::{PoolConfig, User, UserPool};
use cognito_harness::server::{serve_with, Limits, RequestLog, ServeOptions, ServerHandle};
use cognito_harness::{handler, Cognito, Functions};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};

pub const CUSTOM_MESSAGE_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:custom-message";
pub const PRE_SIGN_UP_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up";
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// A CustomMessage handler whose behaviour the caller picks with `ClientMetadata.mode`, the way a
/// real trigger reads clientMetadata: `ok` (branded message), `throw`, `null`, `no-code`, and
/// `slow` (sleeps `sleep_ms` first).
pub async fn custom_message(event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    let mut event = event.payload;
    let metadata = event["request"]["clientMetadata"].clone();
    match metadata["mode"].as_str().unwrap_or("ok") {
        "throw" => return Err("brand not found".into()),
        "null" => return Ok(Value::Null),
        "no-code" => {
            event["response"]["emailSubject"] = json!("Acme");
            event["response"]["emailMessage"] = json!("Welcome to Acme");
            return Ok(event);
        }
        "slow" => {
            let ms = metadata["sleep_ms"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(1000);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        _ => {}
    }
    event["response"]["emailSubject"] = json!("Acme: confirm your email");
    event["response"]["emailMessage"] = json!("Your Acme code is {####}");
    Ok(event)
}

/// A PreSignUp handler driven by `ClientMetadata.mode`: `throw`, `null`, `confirm` (auto-confirm
/// and auto-verify email), `verify-phone` (auto-verify a phone the user does not have); anything
/// else lets the sign-up go ahead unchanged.
pub async fn pre_sign_up(event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    let mut event = event.payload;
    match event["request"]["clientMetadata"]["mode"]
        .as_str()
        .unwrap_or("")
    {
        "throw" => return Err("domain not allowed".into()),
        "null" => return Ok(Value::Null),
        "confirm" => {
            event["response"]["autoConfirmUser"] = json!(true);
            event["response"]["autoVerifyEmail"] = json!(true);
        }
        "verify-phone" => event["response"]["autoVerifyPhone"] = json!(true),
        _ => {}
    }
    Ok(event)
}

/// A pool that verifies email with the two triggers above, and `custom:c0..custom:c{n}`.
pub fn pool_config(custom_attributes: usize) -> PoolConfig {
    let schema: Vec<Value> = (0..custom_attributes)
        .map(|i| json!({"Name": format!("c{i}"), "AttributeDataType": "String", "Mutable": true}))
        .collect();
    serde_json::from_value(json!({
        "PoolName": "server-tests",
        "AutoVerifiedAttributes": ["email"],
        "LambdaConfig": {"CustomMessage": CUSTOM_MESSAGE_ARN, "PreSignUp": PRE_SIGN_UP_ARN},
        "Schema": schema,
    }))
    .expect("pool config")
}

/// A confirmed user with an email, no password yet.
pub fn user(username: &str, email: &str) -> User {
    let mut user = User::new(username);
    user.attributes.insert("email".into(), email.into());
    user.attributes
        .insert("email_verified".into(), "true".into());
    user
}

/// The service, the running server and what it logged.
pub struct Running {
    pub cognito: Arc<Cognito>,
    pub server: ServerHandle,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Running {
    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

/// Starts the endpoint on 127.0.0.1:0 with the `custom-message` and `pre-sign-up` handlers bound.
pub async fn start() -> Running {
    let mut functions = Functions::new();
    functions.bind("custom-message", handler(service_fn(custom_message)));
    functions.bind("pre-sign-up", handler(service_fn(pre_sign_up)));
    start_with(Cognito::new(functions)).await
}

pub async fn start_with(cognito: Cognito) -> Running {
    start_limited(cognito, Limits::default()).await
}

/// [`start_with`] with the server's limits as given.
pub async fn start_limited(cognito: Cognito, limits: Limits) -> Running {
    let cognito = Arc::new(cognito);
    let log = Arc::new(Mutex::new(Vec::new()));
    let options = ServeOptions {
        log: RequestLog::Capture(log.clone()),
        limits,
        ..ServeOptions::default()
    };
    let server = serve_with(cognito.clone(), "127.0.0.1:0".parse().unwrap(), options)
        .await
        .expect("server starts");
    Running {
        cognito,
        server,
        log,
    }
}

/// Adds a pool with one app client that allows the password flows; returns (pool id, client id).
pub fn add_pool(cognito: &Cognito, id: &str, config: PoolConfig) -> (String, String) {
    let mut pool = UserPool::with_id(id, config);
    let mut client = pool.add_client("app");
    client.explicit_auth_flows = vec![
        "ALLOW_USER_PASSWORD_AUTH".into(),
        "ALLOW_ADMIN_USER_PASSWORD_AUTH".into(),
        "ALLOW_REFRESH_TOKEN_AUTH".into(),
    ];
    pool.put_client(client.clone());
    (cognito.add_pool(pool), client.client_id)
}

/// What came back over the wire.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

pub fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// POSTs `body` to `/` as an SDK would, with `X-Amz-Target: AWSCognitoIdentityProviderService.<action>`.
pub async fn call(client: &HttpClient, url: &str, action: &str, body: &Value) -> Reply {
    let target = format!("{TARGET_PREFIX}{action}");
    raw(
        client,
        url,
        "POST",
        "/",
        &[
            ("x-amz-target", &target),
            ("content-type", "application/x-amz-json-1.1"),
        ],
        body.to_string(),
    )
    .await
}

/// Any request, for protocol edge cases.
pub async fn raw(
    client: &HttpClient,
    url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: String,
) -> Reply {
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(format!("{url}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client
        .request(request.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Reply {
        status,
        headers,
        body,
    }
}
