//! The CLI's exit codes (README.md "CLI").

/// Every expectation was met (`invoke`: Cognito accepts the function's answer).
pub const OK: i32 = 0;
/// An expectation was not met (`invoke`: Cognito rejects the function's answer).
pub const EXPECTATION_FAILED: i32 = 1;
/// Bad usage or input: an unknown flag, a malformed scenario or config file, a bad reference.
pub const INPUT_ERROR: i32 = 2;
/// The harness itself could not run a function (build failed, spawn failed, endpoint unreachable).
pub const HARNESS_FAILURE: i32 = 3;
