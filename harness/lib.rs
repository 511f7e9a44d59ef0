#![warn(missing_docs)]
#![doc = include_str!("../README.md")]

// cognito-harness.toml bindings: only the CLI reads the file.
#[cfg(feature = "cli")]
pub(crate) mod binding;
#[cfg(feature = "cli")]
pub mod cli;
pub(crate) mod error;
pub mod exit;
pub mod function;
pub mod fuzz;
pub(crate) mod http;
pub(crate) mod ids;
pub(crate) mod input_file;
mod model;
pub mod pool;
#[cfg(feature = "cli")]
pub(crate) mod report;
// Scenario files: loaded and run by the CLI, written by `serve --record` and `fuzz`; without the
// CLI the loading and reporting halves go unused.
#[cfg_attr(not(feature = "cli"), allow(dead_code, unused_imports))]
pub(crate) mod scenario;
pub mod server;
pub(crate) mod service;
pub mod store;
#[cfg(feature = "proptest")]
pub mod strategies;
pub(crate) mod trigger;

pub use error::Error;
pub use function::{
    handler, invoke_with_retries, AnswerBytes, BoxFuture, Deadline, Function, FunctionError,
    FunctionLookup, Functions, HttpFunction, InProcess, Invocation, InvokeContext, Invoked,
    Payload, ProcessFunction,
};
pub use model::cognito_error::{CognitoError, ErrorCode};
pub use model::sender_code::{decrypt_sender_code, sender_key, SenderCodeError};
pub use model::user_agent::aws_sdk_version;
pub use pool::{DeliveryMedium, Message, PoolConfig, User, UserPool, UserStatus};
pub use service::{Action, Cognito, Outcome, TriggerRun};
pub use store::{Durability, Store};
pub use trigger::samples;
pub use trigger::{Decision, Grade, Rule, Trigger, TriggerSource, Verdict};
