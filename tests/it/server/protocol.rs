//! The awsJson1.1 wire format over raw HTTP (cognito-semantics.md §5, behaviour 15).

use assert_json_diff::assert_json_eq;
use serde_json::json;

use super::support::{add_pool, call, http_client, pool_config, raw, start, user};

#[tokio::test]
async fn success_carries_the_json_content_type_and_a_request_id() {
    let running = start().await;
    let (pool_id, _) = add_pool(&running.cognito, "us-east-1_Proto1", pool_config(0));
    running
        .cognito
        .with_pool_mut(&pool_id, |p| p.put_user(user("alice", "alice@example.com")));
    let client = http_client();

    let reply = call(
        &client,
        &running.url(),
        "AdminUpdateUserAttributes",
        &json!({"UserPoolId": pool_id, "Username": "alice", "UserAttributes": [{"Name": "email", "Value": "new@example.com"}]}),
    )
    .await;

    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    let request_id = reply.header("x-amzn-requestid").expect("x-amzn-RequestId");
    assert!(
        uuid::Uuid::parse_str(request_id).is_ok(),
        "request id {request_id}"
    );
    assert_eq!(reply.header("x-amzn-errortype"), None);
    assert_json_eq!(reply.body, json!({}));
    // The trigger ran and its message went out.
    let sent = running
        .cognito
        .with_pool(&pool_id, |p| p.last_message_to("alice").cloned())
        .unwrap()
        .unwrap();
    assert_eq!(sent.subject.as_deref(), Some("Acme: confirm your email"));
    assert_eq!(
        sent.body,
        format!("Your Acme code is {}", sent.code.as_deref().unwrap())
    );
    // The log line names the verdict's rule and grade.
    let lines = running.log_lines();
    assert_eq!(lines.len(), 1);
    let expected = format!(
        "cognito-harness serve: {request_id} AdminUpdateUserAttributes -> 200 success \
         [CustomMessage_UpdateUserAttribute rule=custom-message.accepted grade=documented] "
    );
    // The request line comes first; the message it delivered is logged under it.
    let request_line = lines[0].lines().next().unwrap();
    assert!(request_line.starts_with(&expected), "{}", lines[0]);
    assert!(request_line.ends_with("ms"), "{}", lines[0]);
    assert!(
        lines[0].contains(&format!(
            "\ncognito-harness serve: {request_id}  delivered EMAIL to new@example.com"
        )),
        "{}",
        lines[0]
    );
}

#[tokio::test]
async fn a_lambda_exception_is_a_400_with_the_type_in_body_and_headers() {
    let running = start().await;
    let (pool_id, _) = add_pool(&running.cognito, "us-east-1_Proto2", pool_config(0));
    running
        .cognito
        .with_pool_mut(&pool_id, |p| p.put_user(user("alice", "alice@example.com")));

    let reply = call(
        &http_client(),
        &running.url(),
        "AdminUpdateUserAttributes",
        &json!({"UserPoolId": pool_id, "Username": "alice",
                "UserAttributes": [{"Name": "email", "Value": "new@example.com"}],
                "ClientMetadata": {"mode": "throw"}}),
    )
    .await;

    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("UserLambdaValidationException:")
    );
    assert_eq!(
        reply.header("x-amzn-errormessage"),
        Some("CustomMessage failed with error brand not found.")
    );
    assert_json_eq!(
        reply.body,
        json!({"__type": "UserLambdaValidationException", "message": "CustomMessage failed with error brand not found."})
    );
    // Nothing changed (ruling 11).
    let email = running.cognito.with_pool(&pool_id, |p| {
        p.find_user("alice")
            .unwrap()
            .attribute("email")
            .map(str::to_string)
    });
    assert_eq!(email.flatten().as_deref(), Some("alice@example.com"));
    let lines = running.log_lines();
    assert!(
        lines[0].contains(
            "AdminUpdateUserAttributes -> 400 UserLambdaValidationException \
             [CustomMessage_UpdateUserAttribute rule=custom-message.function-error grade=assumed]"
        ),
        "{}",
        lines[0]
    );
}

#[tokio::test]
async fn multi_line_messages_are_flattened_in_the_header_only() {
    let running = start().await;
    let (pool_id, _) = add_pool(&running.cognito, "us-east-1_Proto3", pool_config(0));
    running
        .cognito
        .with_pool_mut(&pool_id, |p| p.put_user(user("alice", "alice@example.com")));

    let reply = call(
        &http_client(),
        &running.url(),
        "AdminUpdateUserAttributes",
        &json!({"UserPoolId": pool_id, "Username": "alice",
                "UserAttributes": [{"Name": "custom:nope", "Value": "x"}, {"Name": "sub", "Value": "y"}]}),
    )
    .await;

    assert_eq!(reply.status, 400);
    let message = "user.custom:nope: Attribute does not exist in the schema.\nuser.sub: Attribute cannot be updated.\n";
    assert_json_eq!(
        reply.body,
        json!({"__type": "InvalidParameterException", "message": message})
    );
    assert_eq!(
        reply.header("x-amzn-errormessage"),
        Some("user.custom:nope: Attribute does not exist in the schema. user.sub: Attribute cannot be updated.")
    );
    assert!(
        running.log_lines()[0].contains("-> 400 InvalidParameterException [no trigger]"),
        "{:?}",
        running.log_lines()
    );
}

#[tokio::test]
async fn unknown_and_missing_targets_get_the_unknown_operation_error() {
    let running = start().await;
    let client = http_client();
    let json_type = ("content-type", "application/x-amz-json-1.1");

    let unknown = raw(
        &client,
        &running.url(),
        "POST",
        "/",
        &[
            json_type,
            (
                "x-amz-target",
                "AWSCognitoIdentityProviderService.FlyToTheMoon",
            ),
        ],
        "{}".into(),
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.header("x-amzn-errortype"),
        Some("UnknownOperationException:")
    );
    assert_json_eq!(
        unknown.body,
        json!({"__type": "com.amazon.coral.service#UnknownOperationException", "message": "Unknown operation FlyToTheMoon"})
    );

    let missing = raw(
        &client,
        &running.url(),
        "POST",
        "/",
        &[json_type],
        "{}".into(),
    )
    .await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.body["__type"],
        "com.amazon.coral.service#UnknownOperationException"
    );
    assert_eq!(missing.body["message"], "Missing X-Amz-Target header");

    let other_service = raw(
        &client,
        &running.url(),
        "POST",
        "/",
        &[json_type, ("x-amz-target", "DynamoDB_20120810.ListTables")],
        "{}".into(),
    )
    .await;
    assert_eq!(
        other_service.body["message"],
        "Unknown operation DynamoDB_20120810.ListTables"
    );

    let wrong_type = raw(
        &client,
        &running.url(),
        "POST",
        "/",
        &[
            ("content-type", "application/json"),
            (
                "x-amz-target",
                "AWSCognitoIdentityProviderService.ListUsers",
            ),
        ],
        "{}".into(),
    )
    .await;
    assert_eq!(wrong_type.status, 400);
    assert_eq!(
        wrong_type.body["__type"],
        "com.amazon.coral.service#UnknownOperationException"
    );
    assert_eq!(
        wrong_type.header("content-type"),
        Some("application/x-amz-json-1.1")
    );

    let get = raw(&client, &running.url(), "GET", "/", &[], String::new()).await;
    assert_eq!(get.status, 400);
    assert_eq!(
        get.body["__type"],
        "com.amazon.coral.service#UnknownOperationException"
    );
}

#[tokio::test]
async fn bad_json_is_a_serialization_exception() {
    let running = start().await;
    let client = http_client();
    let headers = [
        ("content-type", "application/x-amz-json-1.1"),
        (
            "x-amz-target",
            "AWSCognitoIdentityProviderService.ListUsers",
        ),
    ];

    let broken = raw(
        &client,
        &running.url(),
        "POST",
        "/",
        &headers,
        "{\"UserPoolId\": ".into(),
    )
    .await;
    assert_eq!(broken.status, 400);
    assert_eq!(
        broken.header("x-amzn-errortype"),
        Some("SerializationException:")
    );
    assert_eq!(
        broken.body["__type"],
        "com.amazon.coral.service#SerializationException"
    );

    let array = raw(
        &client,
        &running.url(),
        "POST",
        "/",
        &headers,
        "[1, 2]".into(),
    )
    .await;
    assert_eq!(
        array.body["__type"],
        "com.amazon.coral.service#SerializationException"
    );

    // A member of the wrong JSON type is the protocol's error too, raised by the action.
    let wrong_member = raw(
        &client,
        &running.url(),
        "POST",
        "/",
        &headers,
        r#"{"UserPoolId": 5}"#.into(),
    )
    .await;
    assert_eq!(
        wrong_member.body["__type"],
        "com.amazon.coral.service#SerializationException"
    );
    assert_eq!(
        wrong_member.body["message"],
        "Unable to parse member 'UserPoolId': expected a string"
    );

    // An empty body reads as `{}`: the action's own validation answers.
    let empty = raw(
        &client,
        &running.url(),
        "POST",
        "/",
        &headers,
        String::new(),
    )
    .await;
    assert_json_eq!(
        empty.body,
        json!({"__type": "InvalidParameterException",
               "message": "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null"})
    );
}

#[tokio::test]
async fn sigv4_signed_requests_are_accepted_with_any_credentials() {
    let running = start().await;
    let (pool_id, _) = add_pool(&running.cognito, "us-east-1_Proto4", pool_config(0));
    let reply = raw(
        &http_client(),
        &running.url(),
        "POST",
        "/",
        &[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "AWSCognitoIdentityProviderService.ListUsers"),
            ("x-amz-date", "20260101T000000Z"),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/cognito-idp/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000",
            ),
        ],
        json!({"UserPoolId": pool_id}).to_string(),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_json_eq!(reply.body, json!({"Users": []}));
}

#[tokio::test]
async fn the_server_stops_on_shutdown_and_reports_a_taken_port() {
    let running = start().await;
    let addr = running.addr();
    let err = cognito_harness::server::serve(running.cognito.clone(), addr)
        .await
        .err()
        .expect("port is taken");
    assert!(
        err.to_string()
            .starts_with(&format!("could not listen on {addr}: ")),
        "{err}"
    );
    running.server.shutdown().await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}
