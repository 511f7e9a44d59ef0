//! The integration tests: one binary, one module per topic.

mod event_fixtures;
mod recorder;
mod sign_up_flows;
mod server;
