//! Custom authentication (cognito-semantics.md §CA): CUSTOM_AUTH through InitiateAuth and
//! AdminInitiateAuth, CUSTOM_CHALLENGE answers, the exact DefineAuthChallenge /
//! CreateAuthChallenge / VerifyAuthChallengeResponse events, the session history, and the
//! tokens or failures the loop ends in.

use assert_json_diff::assert_json_eq;
use cognito_harness::pool::AppClient;
use cognito_harness::{Cognito, ErrorCode, Functions, Outcome};
use serde_json::{json, Value};

use crate::recorder::{self, config, respond, seed_user, Recorded, POOL_ID};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";
const CLIENT: &str = "2cust0m0auth0client0000abc";

struct Triggers {
    define: Recorded,
    create: Recorded,
    verify: Recorded,
    pre_token_generation: Recorded,
    post_authentication: Recorded,
}

type Answer = fn(Value) -> Result<Value, String>;

/// Three rounds at most: tokens after a correct answer, failure after three wrong ones.
fn define(event: Value) -> Result<Value, String> {
    let session = event["request"]["session"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let last_correct = session
        .last()
        .is_some_and(|r| r["challengeResult"] == json!(true));
    let response = if last_correct {
        json!({"issueTokens": true, "failAuthentication": false})
    } else if session.len() >= 3 {
        json!({"issueTokens": false, "failAuthentication": true})
    } else {
        json!({"challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false})
    };
    Ok(respond(event, response))
}

fn create(event: Value) -> Result<Value, String> {
    let round = event["request"]["session"].as_array().map_or(0, Vec::len) + 1;
    Ok(respond(
        event,
        json!({"publicChallengeParameters": {"question": "2 + 3"},
               "privateChallengeParameters": {"answer": "5"},
               "challengeMetadata": format!("ROUND_{round}")}),
    ))
}

fn verify(event: Value) -> Result<Value, String> {
    let correct = event["request"]["challengeAnswer"]
        == event["request"]["privateChallengeParameters"]["answer"];
    Ok(respond(event, json!({"answerCorrect": correct})))
}

fn pool_with(answers: [Answer; 3]) -> (Cognito, Triggers) {
    let mut functions = Functions::new();
    let triggers = Triggers {
        define: recorder::recording(&mut functions, "define-auth", answers[0]),
        create: recorder::recording(&mut functions, "create-auth", answers[1]),
        verify: recorder::recording(&mut functions, "verify-auth", answers[2]),
        pre_token_generation: recorder::recording(&mut functions, "pre-token-generation", Ok),
        post_authentication: recorder::recording(&mut functions, "post-authentication", Ok),
    };
    let cognito = recorder::cognito(
        functions,
        config(json!({"LambdaConfig": {
            "DefineAuthChallenge": format!("{ARN}define-auth"),
            "CreateAuthChallenge": format!("{ARN}create-auth"),
            "VerifyAuthChallengeResponse": format!("{ARN}verify-auth"),
            "PreTokenGeneration": format!("{ARN}pre-token-generation"),
            "PostAuthentication": format!("{ARN}post-authentication"),
        }})),
    );
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client(AppClient {
            client_id: CLIENT.into(),
            client_name: "custom".into(),
            client_secret: None,
            explicit_auth_flows: vec![
                "ALLOW_CUSTOM_AUTH".into(),
                "ALLOW_REFRESH_TOKEN_AUTH".into(),
            ],
        })
    });
    seed_user(
        &cognito,
        "alice",
        &[("email", "alice@example.com"), ("email_verified", "true")],
    );
    (cognito, triggers)
}

fn pool() -> (Cognito, Triggers) {
    pool_with([define, create, verify])
}

fn start(username: &str) -> Value {
    json!({"ClientId": CLIENT, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": {"USERNAME": username},
           "ClientMetadata": {"from": "initiate"}})
}

fn answer(outcome: &Outcome, given: &str) -> Value {
    json!({"ClientId": CLIENT, "ChallengeName": "CUSTOM_CHALLENGE",
           "Session": outcome.response().expect("a challenge")["Session"],
           "ChallengeResponses": {"USERNAME": "alice", "ANSWER": given},
           "ClientMetadata": {"from": "respond"}})
}

fn sources(outcome: &Outcome) -> Vec<&str> {
    outcome
        .triggers
        .iter()
        .map(|t| t.trigger_source.name())
        .collect()
}

#[tokio::test]
async fn a_correct_answer_after_a_wrong_one_signs_in() {
    let (cognito, t) = pool();
    let first = cognito.call("InitiateAuth", &start("alice")).await;
    first.assert_success();
    assert_eq!(
        sources(&first),
        [
            "DefineAuthChallenge_Authentication",
            "CreateAuthChallenge_Authentication"
        ]
    );
    let response = first.response().unwrap();
    assert_eq!(response["ChallengeName"], json!("CUSTOM_CHALLENGE"));
    assert_json_eq!(
        response["ChallengeParameters"].clone(),
        json!({"question": "2 + 3", "USERNAME": "alice"})
    );
    let sub = cognito
        .with_pool(POOL_ID, |p| p.find_user("alice").unwrap().sub.clone())
        .unwrap();
    let attributes = json!({"sub": sub, "cognito:user_status": "CONFIRMED",
                            "email": "alice@example.com", "email_verified": "true"});
    let envelope = |source: &str, request: Value, response: Value| {
        json!({"version": "1", "region": "us-east-1", "userPoolId": POOL_ID, "userName": "alice",
               "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT},
               "triggerSource": source, "request": request, "response": response})
    };
    // InitiateAuth's ClientMetadata reaches none of them (§CA.2).
    assert_json_eq!(
        t.define.events()[0].clone(),
        envelope(
            "DefineAuthChallenge_Authentication",
            json!({"userAttributes": attributes, "session": [], "userNotFound": false}),
            json!({"challengeName": null, "issueTokens": null, "failAuthentication": null})
        )
    );
    assert_json_eq!(
        t.create.events()[0].clone(),
        envelope(
            "CreateAuthChallenge_Authentication",
            json!({"userAttributes": attributes, "challengeName": "CUSTOM_CHALLENGE", "session": [],
                   "userNotFound": false}),
            json!({"publicChallengeParameters": null, "privateChallengeParameters": null,
                   "challengeMetadata": null})
        )
    );

    let wrong = cognito
        .call("RespondToAuthChallenge", &answer(&first, "4"))
        .await;
    wrong.assert_success();
    assert_eq!(
        sources(&wrong),
        [
            "VerifyAuthChallengeResponse_Authentication",
            "DefineAuthChallenge_Authentication",
            "CreateAuthChallenge_Authentication"
        ]
    );
    assert_json_eq!(
        t.verify.events()[0].clone(),
        envelope(
            "VerifyAuthChallengeResponse_Authentication",
            json!({"userAttributes": attributes, "privateChallengeParameters": {"answer": "5"},
                   "challengeAnswer": "4", "clientMetadata": {"from": "respond"}, "userNotFound": false}),
            json!({"answerCorrect": null})
        )
    );
    assert_json_eq!(
        t.define.events()[1]["request"]["session"].clone(),
        json!([{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "ROUND_1"}])
    );
    assert_eq!(
        t.define.events()[1]["request"]["clientMetadata"],
        json!({"from": "respond"})
    );
    // Each answer gets a new Session; the used one is gone.
    assert_ne!(
        first.response().unwrap()["Session"],
        wrong.response().unwrap()["Session"]
    );
    let replay = cognito
        .call("RespondToAuthChallenge", &answer(&first, "5"))
        .await;
    replay.assert_rejected(
        ErrorCode::NotAuthorizedException,
        "Invalid session for the user.",
    );

    let right = cognito
        .call("RespondToAuthChallenge", &answer(&wrong, "5"))
        .await;
    right.assert_success();
    assert_eq!(
        sources(&right),
        [
            "VerifyAuthChallengeResponse_Authentication",
            "DefineAuthChallenge_Authentication",
            "TokenGeneration_Authentication",
            "PostAuthentication_Authentication"
        ]
    );
    assert_json_eq!(
        t.define.last()["request"]["session"].clone(),
        json!([{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "ROUND_1"},
               {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": true, "challengeMetadata": "ROUND_2"}])
    );
    let result = &right.response().unwrap()["AuthenticationResult"];
    assert!(result["IdToken"].is_string() && result["RefreshToken"].is_string());
    assert_eq!(t.pre_token_generation.count(), 1);
    assert_eq!(
        t.post_authentication.only()["request"]["clientMetadata"],
        json!({"from": "respond"})
    );
}

#[tokio::test]
async fn fail_authentication_is_an_incorrect_username_or_password() {
    let (cognito, t) = pool();
    let mut step = cognito.call("InitiateAuth", &start("alice")).await;
    for _ in 0..2 {
        step = cognito
            .call("RespondToAuthChallenge", &answer(&step, "4"))
            .await;
        step.assert_success();
    }
    let last = cognito
        .call("RespondToAuthChallenge", &answer(&step, "4"))
        .await;
    last.assert_rejected(
        ErrorCode::NotAuthorizedException,
        "Incorrect username or password.",
    );
    last.assert_rule("define-auth-challenge.fail-authentication");
    assert_eq!(
        t.define.last()["request"]["session"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(t.post_authentication.count(), 0);
}

#[tokio::test]
async fn admin_initiate_auth_runs_the_same_loop() {
    let (cognito, _) = pool();
    let first = cognito
        .call(
            "AdminInitiateAuth",
            &json!({"UserPoolId": POOL_ID, "ClientId": CLIENT,
            "AuthFlow": "CUSTOM_AUTH", "AuthParameters": {"USERNAME": "alice"}}),
        )
        .await;
    first.assert_success();
    let mut request = answer(&first, "5");
    request["UserPoolId"] = json!(POOL_ID);
    let done = cognito.call("AdminRespondToAuthChallenge", &request).await;
    done.assert_success();
    assert!(done.response().unwrap()["AuthenticationResult"]["AccessToken"].is_string());
}

#[tokio::test]
async fn an_unknown_user_is_sent_as_user_not_found_and_never_gets_tokens() {
    fn issue(event: Value) -> Result<Value, String> {
        Ok(respond(
            event,
            json!({"issueTokens": true, "failAuthentication": false}),
        ))
    }
    let (cognito, t) = pool_with([issue, create, verify]);
    let outcome = cognito.call("InitiateAuth", &start("nobody")).await;
    outcome.assert_rejected(
        ErrorCode::NotAuthorizedException,
        "Incorrect username or password.",
    );
    let event = t.define.only();
    assert_eq!(event["userName"], json!("nobody"));
    assert_json_eq!(
        event["request"].clone(),
        json!({"userAttributes": {}, "session": [], "userNotFound": true})
    );
}

#[tokio::test]
async fn an_answer_without_a_decision_is_unrecognizable() {
    let (cognito, _) = pool_with([Ok, create, verify]);
    let outcome = cognito.call("InitiateAuth", &start("alice")).await;
    outcome.assert_rejected(
        ErrorCode::InvalidLambdaResponseException,
        "Unrecognizable lambda output",
    );
    outcome.assert_rule("define-auth-challenge.no-decision");
}

#[tokio::test]
async fn a_create_auth_challenge_error_fails_the_call() {
    fn throws(_: Value) -> Result<Value, String> {
        Err("'challengeMetaData'".into())
    }
    let (cognito, _) = pool_with([define, throws, verify]);
    let outcome = cognito.call("InitiateAuth", &start("alice")).await;
    // The text aws-samples/amazon-cognito-passwordless-email-auth#17 shows.
    outcome.assert_rejected(
        ErrorCode::UserLambdaValidationException,
        "CreateAuthChallenge failed with error 'challengeMetaData'.",
    );
}

#[tokio::test]
async fn custom_auth_needs_the_flow_and_the_trigger() {
    let (cognito, _) = pool();
    cognito.with_pool_mut(POOL_ID, |p| {
        p.put_client(AppClient {
            client_id: CLIENT.into(),
            client_name: "custom".into(),
            client_secret: None,
            explicit_auth_flows: vec!["ALLOW_USER_PASSWORD_AUTH".into()],
        })
    });
    let outcome = cognito.call("InitiateAuth", &start("alice")).await;
    outcome.assert_rejected(
        ErrorCode::InvalidParameterException,
        "Auth flow not enabled for this client",
    );

    let cognito = recorder::cognito(Functions::new(), config(json!({})));
    let outcome = cognito
        .call(
            "InitiateAuth",
            &json!({"ClientId": recorder::CLIENT_ID, "AuthFlow": "CUSTOM_AUTH",
            "AuthParameters": {"USERNAME": "alice"}}),
        )
        .await;
    outcome.assert_rejected(
        ErrorCode::InvalidParameterException,
        "Custom auth lambda trigger is not configured for the user pool.",
    );
}
