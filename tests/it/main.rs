//! The integration tests: one binary, one module per topic.

mod pool_files;
mod recorder;
mod sign_up_flows;
mod update_user_pool;
