//! cognito-harness: run Amazon Cognito CustomMessage and PreSignUp triggers locally and get the
//! verdict Cognito would give, before you deploy. See README.md.

pub mod actions;
pub mod binding;
pub mod error;
pub mod events;
pub mod exit;
pub mod function;
pub(crate) mod http;
pub mod judge;
pub mod pool;
pub mod report;
pub mod samples;
pub mod scenario;
pub mod server;

pub use actions::{Cognito, Outcome, TriggerRun};
pub use error::{CognitoError, Error, ErrorCode};
pub use events::{Trigger, TriggerSource};
pub use function::{
    handler, Deadline, Function, FunctionError, FunctionLookup, Functions, HttpFunction, Invoked,
    Payload, ProcessFunction,
};
pub use judge::{Decision, Grade, Rule, Verdict};
pub use pool::{DeliveryMedium, Message, PoolConfig, User, UserPool, UserStatus};
