//! The integration tests: one binary, one module per topic.

mod assertions;
mod attributes;
mod auth_triggers;
mod bundled_suite;
mod caller_sdk;
mod captures;
mod challenges;
mod cli;
mod custom_message_judge;
mod event_fixtures;
mod events;
mod expectations;
mod fixture;
mod http_invoke;
mod in_process;
mod init;
mod pool_files;
mod readme_example;
mod recorder;
mod reports;
mod runtime_api;
mod server;
mod sign_up_flows;
mod support;
mod update_user_pool;
mod verdicts;
