//! The integration tests: one binary, one module per topic.

mod event_fixtures;
mod http_invoke;
mod pool_files;
mod readme_example;
mod recorder;
mod runtime_api;
mod sign_up_flows;
mod support;
mod update_user_pool;
