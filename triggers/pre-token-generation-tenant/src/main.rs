//! A PreTokenGeneration trigger for pools with `PreTokenGenerationConfig.LambdaVersion: V2_0`: it
//! writes the user's `custom:tenant` attribute (or `TENANT_DEFAULT`, else `"public"`) as a
//! `tenant` claim in the ID and access tokens, adds the scope in `API_SCOPE` (default
//! `api/read`) to the access token, and suppresses the ID token's `email` claim when `HIDE_EMAIL`
//! is set (cognito-semantics.md §PTG).

use aws_lambda_events::event::cognito::{
    ClaimsAndScopeOverrideDetailsV2, CognitoAccessTokenGenerationV2,
    CognitoEventUserPoolsPreTokenGenV2 as Event, CognitoIdTokenGenerationV2,
};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn add_tenant(event: LambdaEvent<Event>) -> Result<Event, Error> {
    let mut event = event.payload;
    let tenant = event
        .request
        .user_attributes
        .get("custom:tenant")
        .cloned()
        .or_else(|| std::env::var("TENANT_DEFAULT").ok())
        .unwrap_or_else(|| "public".to_string());
    let scope = std::env::var("API_SCOPE").unwrap_or_else(|_| "api/read".to_string());

    let mut id = CognitoIdTokenGenerationV2::default();
    id.claims_to_add_or_override
        .insert("tenant".into(), Value::from(tenant.as_str()));
    if std::env::var_os("HIDE_EMAIL").is_some() {
        id.claims_to_suppress.push("email".into());
    }
    let mut access = CognitoAccessTokenGenerationV2::default();
    access
        .claims_to_add_or_override
        .insert("tenant".into(), Value::from(tenant));
    access.scopes_to_add.push(scope);

    let mut details = ClaimsAndScopeOverrideDetailsV2::default();
    // Keep the user's groups as Cognito computed them.
    details.group_override_details = event.request.group_configuration.clone();
    details.id_token_generation = Some(id);
    details.access_token_generation = Some(access);
    event.response.claims_and_scope_override_details = Some(details);
    Ok(event)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(add_tenant)).await
}
