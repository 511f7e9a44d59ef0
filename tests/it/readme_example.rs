//! The example in README.md, kept compiling and passing.

use aws_lambda_events::cognito::CognitoEventUserPoolsCustomMessage as Event;
use cognito_harness::{handler, Cognito, Functions, User};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::json;

async fn brand(event: LambdaEvent<Event>) -> Result<Event, Error> {
    let mut event = event.payload;
    event.response.email_subject = Some("Acme: confirm your address".into());
    event.response.email_message = Some("Your Acme code is {####}".into());
    Ok(event)
}

#[tokio::test]
async fn email_change_sends_a_branded_code() {
    let mut functions = Functions::new();
    functions.bind("custom-message-branded", handler(service_fn(brand)));
    let cognito = Cognito::new(functions);
    // A pool as CreateUserPool takes it: its LambdaConfig names the function bound above.
    let created = cognito
        .call(
            "CreateUserPool",
            &json!({"PoolName": "acme",
        "AutoVerifiedAttributes": ["email"],
        "LambdaConfig": {"CustomMessage": "arn:aws:lambda:us-east-1:123456789012:function:custom-message-branded"}}),
        )
        .await;
    let pool = created.response().unwrap()["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    cognito.with_pool_mut(&pool, |p| {
        p.put_user(User::new("alice").with_attribute("email", "alice@example.com"))
    });

    let outcome = cognito
        .call(
            "AdminUpdateUserAttributes",
            &json!({"UserPoolId": pool, "Username": "alice",
        "UserAttributes": [{"Name": "email", "Value": "new@example.com"}]}),
        )
        .await;
    outcome.assert_success();
    // `{####}` stands for the code the message carried.
    outcome.assert_message(json!({"emailSubject": "Acme: confirm your address",
                                  "emailMessage": "Your Acme code is {####}"}));
}
