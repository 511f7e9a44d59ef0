//! The Cognito endpoint (issue 6): the awsJson1.1 wire protocol, real SDK clients (boto3, the AWS
//! CLI), and concurrent clients.

mod browser;
mod clients;
mod concurrency;
mod limits;
mod protocol;
mod record;
mod sessions;
mod signals;
mod state;
pub mod support;
mod web_view;
