//! A CustomMessage trigger that brands every message with `clientMetadata["brand"]`.
//!
//! Each trigger source gets its own subject and wording; every message keeps the code placeholder
//! (`{####}`), and the AdminCreateUser invitation also keeps the username placeholder, because
//! Cognito rejects messages without them.

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsCustomMessage as Event,
    CognitoEventUserPoolsCustomMessageTriggerSource as Source,
};
use lambda_runtime::{service_fn, Error, LambdaEvent};

const DEFAULT_BRAND: &str = "Example";

async fn brand(event: LambdaEvent<Event>) -> Result<Event, Error> {
    let mut event = event.payload;
    let request = &event.request;
    let brand = request
        .client_metadata
        .get("brand")
        .map_or(DEFAULT_BRAND, String::as_str);
    let code = request.code_parameter.as_deref().unwrap_or("{####}");
    let user = request
        .username_parameter
        .as_deref()
        .unwrap_or("{username}");

    let (subject, body, sms) = match event.cognito_event_user_pools_header.trigger_source {
        Some(Source::SignUp | Source::ResendCode) => (
            format!("{brand}: confirm your account"),
            format!("Welcome to {brand}! Your confirmation code is {code}."),
            format!("{brand} confirmation code: {code}"),
        ),
        Some(Source::ForgotPassword) => (
            format!("{brand}: reset your password"),
            format!("Someone asked to reset your {brand} password. Your code is {code}."),
            format!("{brand} password reset code: {code}"),
        ),
        Some(Source::UpdateUserAttribute | Source::VerifyUserAttribute) => (
            format!("{brand}: confirm your new address"),
            format!("Confirm this address for your {brand} account with code {code}."),
            format!("{brand} verification code: {code}"),
        ),
        Some(Source::AdminCreateUser) => (
            format!("{brand}: your new account"),
            format!("Hello {user}, an account was created for you at {brand}. Your temporary password is {code}."),
            format!("{brand}: user {user}, temporary password {code}"),
        ),
        Some(Source::Authentication) => (
            format!("{brand}: your sign-in code"),
            format!("Your {brand} sign-in code is {code}."),
            format!("{brand} sign-in code: {code}"),
        ),
        // A source this crate does not know yet: keep Cognito's default message.
        _ => return Ok(event),
    };
    event.response.email_subject = Some(subject);
    event.response.email_message = Some(body);
    event.response.sms_message = Some(sms);
    Ok(event)
}

// One invocation at a time: a single-threaded runtime starts faster and answers sooner.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(brand)).await
}
