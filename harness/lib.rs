//! cognito-harness: run Amazon Cognito CustomMessage and PreSignUp triggers locally and get the
//! verdict Cognito would give, before you deploy. See README.md.

pub(crate) mod binding;
#[cfg(feature = "cli")]
pub mod cli;
pub mod error;
pub mod exit;
pub mod function;
mod model;
pub mod pool;
#[cfg(feature = "cli")]
pub(crate) mod report;
pub(crate) mod scenario;
pub mod server;
pub mod service;
pub mod trigger;

pub use error::Error;
pub use function::{
    handler, Deadline, Function, FunctionError, FunctionLookup, Functions, HttpFunction, Invoked,
    Payload, ProcessFunction,
};
pub use model::cognito_error::{CognitoError, ErrorCode};
pub use pool::{DeliveryMedium, Message, PoolConfig, User, UserPool, UserStatus};
pub use service::{Action, Cognito, Outcome, TriggerRun};
pub use trigger::samples;
pub use trigger::{Decision, Grade, Rule, Trigger, TriggerSource, Verdict};
