//! The lowest layer: what Cognito's API model says, shared by the service and the trigger judge.
//! Coral validation with AWS's messages ([`coral`]), the model's patterns with Java regex
//! semantics ([`patterns`]), the exceptions callers receive ([`cognito_error`]), the tokens
//! the local pool issues ([`tokens`]), the custom senders' encrypted codes ([`sender_code`]) and the caller's SDK as events name it ([`user_agent`]).

pub mod cognito_error;
pub(crate) mod coral;
pub(crate) mod patterns;
pub mod sender_code;
pub(crate) mod srp;
pub(crate) mod tokens;
pub(crate) mod totp;
pub(crate) mod user_agent;
