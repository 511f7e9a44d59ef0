//! The integration tests: one binary, one module per topic.

mod recorder;
mod sign_up_flows;
