//! The integration tests: one binary, one module per concern.

mod cli;
mod http_invoke;
mod runtime_api;
mod support;
