//! The integration tests: one binary, one module per topic.

mod event_fixtures;
mod http_invoke;
mod recorder;
mod runtime_api;
mod sign_up_flows;
mod support;
