//! A PreSignUp trigger that only lets in email addresses from an allow-list of domains, and
//! confirms and verifies those users at once. Rejecting a sign-up means returning an error.
//!
//! The list comes from `ALLOWED_EMAIL_DOMAINS` (comma-separated), default `example.com`.

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignup as Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn check(allowed: &[String], event: LambdaEvent<Event>) -> Result<Event, Error> {
    let mut event = event.payload;
    let email = event
        .request
        .user_attributes
        .get("email")
        .ok_or("an email address is required")?;
    let domain = email
        .rsplit_once('@')
        .map(|(_, domain)| domain.to_ascii_lowercase())
        .unwrap_or_default();
    if !allowed.contains(&domain) {
        return Err(format!("sign-up is not open to {email}").into());
    }
    event.response.auto_confirm_user = true;
    event.response.auto_verify_email = true;
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let allowed: Vec<String> = std::env::var("ALLOWED_EMAIL_DOMAINS")
        .unwrap_or_else(|_| "example.com".to_string())
        .split(',')
        .map(|domain| domain.trim().to_ascii_lowercase())
        .filter(|domain| !domain.is_empty())
        .collect();
    let allowed = &allowed;
    lambda_runtime::run(service_fn(move |event| check(allowed, event))).await
}
