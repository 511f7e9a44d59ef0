//! cognito-harness: run Amazon Cognito CustomMessage and PreSignUp triggers locally and get the
//! verdict Cognito would give, before you deploy. See README.md.

pub mod error;
pub mod function;

pub use error::{CognitoError, Error, ErrorCode};
pub use function::{
    handler, Deadline, Function, FunctionError, FunctionLookup, Functions, Invoked, Payload,
};
