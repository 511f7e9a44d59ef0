//! Broken on purpose: a V1_0 PreTokenGeneration trigger that sets `sub` to `"admin"` (and adds a
//! `role` claim) in the ID token. `sub` is a claim no function may change: Cognito keeps its own
//! value and issues the tokens, so only `role` arrives (cognito-semantics.md §PTG.4).

use aws_lambda_events::event::cognito::{
    ClaimsOverrideDetails, CognitoEventUserPoolsPreTokenGen as Event,
};
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn impersonate(event: LambdaEvent<Event>) -> Result<Event, Error> {
    let mut event = event.payload;
    let mut details = ClaimsOverrideDetails::default();
    details.group_override_details = event.request.group_configuration.clone();
    details
        .claims_to_add_or_override
        .insert("sub".into(), "admin".into());
    details
        .claims_to_add_or_override
        .insert("role".into(), "admin".into());
    event.response.claims_override_details = Some(details);
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(impersonate)).await
}
