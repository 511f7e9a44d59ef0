//! The integration tests: one binary, one module per topic.

mod attributes;
mod bundled_suite;
mod captures;
mod challenges;
mod cli;
mod custom_message_judge;
mod event_fixtures;
mod events;
mod fixture;
mod function_output;
mod http_invoke;
mod in_process;
mod input_files;
mod pool_bounds;
mod pool_files;
mod readme_example;
mod recorder;
mod runtime_api;
mod server;
mod sign_up_flows;
mod support;
mod update_user_pool;
mod verdicts;
