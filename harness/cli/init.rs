//! `cognito-harness init`: the three files a first `check` needs for one function: the binding
//! (`cognito-harness.toml`), a pool whose LambdaConfig names the function, and a first scenario
//! that fires it. The paths are the ones `check` reads by default, so `cognito-harness check`
//! runs the new scenario straight away.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde_json::{json, Value};

use crate::error::Error;

/// The language of the function, which decides how the binding starts it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Runtime {
    /// A lambda_runtime binary built by cargo.
    Rust,
    /// A handler run by AWS's runtime interface client `awslambdaric` (pip).
    Python,
    /// A handler run by AWS's runtime interface client `aws-lambda-ric` (npm).
    Node,
}

/// Which trigger the first scenario fires.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum TriggerKind {
    /// CustomMessage: an e-mail change sends a code.
    CustomMessage,
    /// PreSignUp: a sign-up asks the function.
    PreSignUp,
}

/// What `init` was asked for.
pub(super) struct InitRequest<'a> {
    pub dir: &'a Path,
    pub function: &'a str,
    pub runtime: Runtime,
    pub trigger: TriggerKind,
}

/// Writes the files; refuses to overwrite any of them. Returns the paths written.
pub(super) fn init(request: &InitRequest<'_>) -> Result<Vec<PathBuf>, Error> {
    let name = request.function;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::Usage(format!(
            "--function: expected a Lambda function name (letters, digits, `-` and `_`), not `{name}`"
        )));
    }
    let files = [
        (PathBuf::from("cognito-harness.toml"), binding(request)),
        (
            PathBuf::from(format!("fixtures/pools/{name}.json")),
            pretty(&pool(request)),
        ),
        (
            PathBuf::from(format!("fixtures/scenarios/{name}/first.json")),
            pretty(&scenario(request)),
        ),
    ];
    for (path, _) in &files {
        let full = request.dir.join(path);
        if full.exists() {
            return Err(Error::Usage(format!(
                "{}: already exists; init writes new files only (move it away or edit it)",
                full.display()
            )));
        }
    }
    let mut written = Vec::with_capacity(files.len());
    for (path, content) in files {
        let full = request.dir.join(&path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| write_error(&full, e))?;
        }
        std::fs::File::create_new(&full)
            .and_then(|mut f| f.write_all(content.as_bytes()))
            .map_err(|e| write_error(&full, e))?;
        written.push(path);
    }
    Ok(written)
}

fn write_error(file: &Path, e: std::io::Error) -> Error {
    Error::Read {
        file: file.to_path_buf(),
        message: format!("could not write it: {e}"),
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("JSON") + "\n"
}

/// The binding: how the harness starts the function, relative to the config file's folder.
fn binding(request: &InitRequest<'_>) -> String {
    let name = request.function;
    let how = match request.runtime {
        Runtime::Rust => format!(
            "# A lambda_runtime binary; `build` runs before the first invocation.\n\
             command = [\"target/debug/{name}\"]\n\
             build = [\"cargo\", \"build\", \"--bin\", \"{name}\"]\n"
        ),
        Runtime::Python => {
            "# AWS's runtime interface client runs `app.handler` from app.py in this folder\n\
             # (pip install awslambdaric).\n\
             command = [\"python3\", \"-m\", \"awslambdaric\", \"app.handler\"]\n\
             # Lambda's environment only: name what else the function may see.\n\
             # env = { TABLE_NAME = \"profiles\" }\n"
                .to_string()
        }
        Runtime::Node => {
            "# AWS's runtime interface client runs `index.handler` from index.js in this folder\n\
             # (npm install aws-lambda-ric).\n\
             command = [\"npx\", \"aws-lambda-ric\", \"index.handler\"]\n\
             # env = { TABLE_NAME = \"profiles\" }\n"
                .to_string()
        }
    };
    format!(
        "# cognito-harness: which function answers to which LambdaConfig ARN (the function name).\n\
         [functions.{name}]\n{how}"
    )
}

fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

/// A pool in the CreateUserPool request shape whose trigger is the function.
fn pool(request: &InitRequest<'_>) -> Value {
    let key = match request.trigger {
        TriggerKind::CustomMessage => "CustomMessage",
        TriggerKind::PreSignUp => "PreSignUp",
    };
    json!({
        "PoolName": format!("{}-pool", request.function),
        "AutoVerifiedAttributes": ["email"],
        "LambdaConfig": {key: arn(request.function)},
    })
}

/// A first scenario that fires the trigger and expects Cognito to accept the answer.
fn scenario(request: &InitRequest<'_>) -> Value {
    let pool = format!("../../pools/{}.json", request.function);
    match request.trigger {
        TriggerKind::CustomMessage => json!({
            "name": format!("{}: an e-mail change sends the code", request.function),
            "pool": pool,
            "users": [{"Username": "alice", "UserAttributes": [
                {"Name": "email", "Value": "alice@example.com"}, {"Name": "email_verified", "Value": "true"}]}],
            "steps": [{
                "action": "AdminUpdateUserAttributes",
                "request": {"UserPoolId": "$pool", "Username": "alice",
                            "UserAttributes": [{"Name": "email", "Value": "alice.new@example.com"}]},
                "expect": {"outcome": "success",
                           "message": {"destination": "alice.new@example.com", "triggerSource": "CustomMessage_UpdateUserAttribute"}}
            }]
        }),
        TriggerKind::PreSignUp => json!({
            "name": format!("{}: a sign-up is allowed", request.function),
            "pool": pool,
            "steps": [{
                "action": "SignUp",
                "request": {"ClientId": "$client", "Username": "alice", "Password": "Passw0rd!",
                            "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}]},
                "expect": {"outcome": "success"}
            }]
        }),
    }
}
