//! User pool groups: the nine operations with Cognito's validation and texts, membership by
//! `sub`, and groups in the tokens and in PreTokenGeneration's `groupConfiguration` (docs §G).

use base64::Engine as _;
use cognito_harness::pool::{PoolConfig, User, UserPool};
use cognito_harness::{Cognito, ErrorCode, Functions, Outcome};
use serde_json::{json, Map, Value};

use crate::recorder;

const POOL: &str = "us-east-1_Groups001";
const ROLE: &str = "arn:aws:iam::123456789012:role/admins";

fn service(functions: Functions, lambda_config: Value) -> (Cognito, String) {
    let cognito = Cognito::new(functions);
    let config: PoolConfig =
        serde_json::from_value(json!({"LambdaConfig": lambda_config})).unwrap();
    let mut pool = UserPool::with_id(POOL, config);
    let client = pool.add_client("web");
    for name in ["alice", "bob"] {
        let mut user = User::new(name).with_attribute("email", &format!("{name}@example.com"));
        user.password = Some("Passw0rd!".into());
        pool.put_user(user);
    }
    cognito.add_pool(pool);
    (cognito, client.client_id)
}

async fn call(cognito: &Cognito, action: &str, request: Value) -> Outcome {
    let mut request = request;
    request["UserPoolId"] = json!(POOL);
    cognito.call(action, &request).await
}

/// GroupType with its dates replaced, for exact comparison.
fn without_dates(mut group: Value) -> Value {
    for key in ["CreationDate", "LastModifiedDate"] {
        assert!(group[key].is_number(), "{key} in {group}");
        group[key] = json!("<date>");
    }
    group
}

fn claims(token: &str) -> Map<String, Value> {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn groups_are_created_read_updated_listed_and_deleted_as_cognito_answers() {
    let (cognito, _) = service(Functions::new(), json!({}));
    let created = call(
        &cognito,
        "CreateGroup",
        json!({"GroupName": "Admins", "Description": "staff",
        "RoleArn": ROLE, "Precedence": 1}),
    )
    .await;
    assert_eq!(
        without_dates(created.assert_success()["Group"].clone()),
        json!({"GroupName": "Admins", "UserPoolId": POOL, "Description": "staff", "RoleArn": ROLE,
               "Precedence": 1, "LastModifiedDate": "<date>", "CreationDate": "<date>"})
    );
    // Names are unique regardless of case (amplify-backend#1781).
    call(&cognito, "CreateGroup", json!({"GroupName": "admins"}))
        .await
        .assert_rejected(
            ErrorCode::GroupExistsException,
            "A group with the name admins already exists.",
        );
    call(&cognito, "GetGroup", json!({"GroupName": "nobody"}))
        .await
        .assert_rejected(ErrorCode::ResourceNotFoundException, "Group not found.");
    call(&cognito, "CreateGroup", json!({"GroupName": "x", "Precedence": -1, "RoleArn": "role"}))
        .await
        .assert_rejected(
            ErrorCode::InvalidParameterException,
            "3 validation errors detected: Value 'role' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?; Value 'role' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; Value '-1' at 'precedence' failed to satisfy constraint: Member must have value greater than or equal to 0",
        );

    let updated = call(
        &cognito,
        "UpdateGroup",
        json!({"GroupName": "ADMINS", "Precedence": 0}),
    )
    .await;
    let group = updated.assert_success()["Group"].clone();
    assert_eq!(
        (
            group["GroupName"].clone(),
            group["Precedence"].clone(),
            group["Description"].clone()
        ),
        (json!("Admins"), json!(0), json!("staff"))
    );
    for name in ["users", "beta"] {
        call(&cognito, "CreateGroup", json!({"GroupName": name}))
            .await
            .assert_success();
    }
    let first = call(&cognito, "ListGroups", json!({"Limit": 2})).await;
    let names = |o: &Outcome| -> Vec<String> {
        o.assert_success()["Groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["GroupName"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&first), ["Admins", "beta"]);
    let token = first.assert_success()["NextToken"]
        .as_str()
        .unwrap()
        .to_string();
    let second = call(
        &cognito,
        "ListGroups",
        json!({"Limit": 2, "NextToken": token}),
    )
    .await;
    assert_eq!(names(&second), ["users"]);
    assert!(second.assert_success().get("NextToken").is_none());

    call(&cognito, "DeleteGroup", json!({"GroupName": "beta"}))
        .await
        .assert_success();
    call(&cognito, "DeleteGroup", json!({"GroupName": "beta"}))
        .await
        .assert_rejected(ErrorCode::ResourceNotFoundException, "Group not found.");
}

#[tokio::test]
async fn membership_follows_the_user_and_ranks_by_precedence() {
    let (cognito, _) = service(Functions::new(), json!({}));
    for (name, precedence) in [
        ("users", json!(10)),
        ("admins", json!(1)),
        ("beta", Value::Null),
    ] {
        call(
            &cognito,
            "CreateGroup",
            json!({"GroupName": name, "Precedence": precedence}),
        )
        .await
        .assert_success();
    }
    for group in ["users", "beta", "admins"] {
        call(
            &cognito,
            "AdminAddUserToGroup",
            json!({"GroupName": group, "Username": "alice"}),
        )
        .await
        .assert_success();
    }
    call(
        &cognito,
        "AdminAddUserToGroup",
        json!({"GroupName": "users", "Username": "bob"}),
    )
    .await
    .assert_success();
    call(
        &cognito,
        "AdminAddUserToGroup",
        json!({"GroupName": "users", "Username": "carol"}),
    )
    .await
    .assert_rejected(ErrorCode::UserNotFoundException, "User does not exist.");
    call(
        &cognito,
        "AdminAddUserToGroup",
        json!({"GroupName": "staff", "Username": "alice"}),
    )
    .await
    .assert_rejected(ErrorCode::ResourceNotFoundException, "Group not found.");

    let listed = call(
        &cognito,
        "AdminListGroupsForUser",
        json!({"Username": "alice"}),
    )
    .await;
    let groups: Vec<&str> = listed.assert_success()["Groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["GroupName"].as_str().unwrap())
        .collect();
    assert_eq!(
        groups,
        ["admins", "users", "beta"],
        "by precedence, none last"
    );

    let members = call(&cognito, "ListUsersInGroup", json!({"GroupName": "users"})).await;
    let mut users: Vec<&str> = members.assert_success()["Users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["Username"].as_str().unwrap())
        .collect();
    users.sort();
    assert_eq!(users, ["alice", "bob"]);

    call(
        &cognito,
        "AdminRemoveUserFromGroup",
        json!({"GroupName": "users", "Username": "alice"}),
    )
    .await
    .assert_success();
    // A user deleted and created again under the same name is a new user, in no group.
    call(&cognito, "AdminDeleteUser", json!({"Username": "bob"}))
        .await
        .assert_success();
    cognito.with_pool_mut(POOL, |p| p.put_user(User::new("bob")));
    let members = call(&cognito, "ListUsersInGroup", json!({"GroupName": "users"})).await;
    assert_eq!(members.assert_success()["Users"], json!([]));
}

#[tokio::test]
async fn a_users_groups_reach_the_tokens_and_pre_token_generation() {
    let mut functions = Functions::new();
    let pre = recorder::recording(&mut functions, "pre-token", Ok);
    let (cognito, client_id) = service(
        functions,
        json!({"PreTokenGeneration": "arn:aws:lambda:us-east-1:123456789012:function:pre-token"}),
    );
    call(
        &cognito,
        "CreateGroup",
        json!({"GroupName": "admins", "Precedence": 1, "RoleArn": ROLE}),
    )
    .await
    .assert_success();
    call(
        &cognito,
        "CreateGroup",
        json!({"GroupName": "users", "Precedence": 5}),
    )
    .await
    .assert_success();
    for group in ["users", "admins"] {
        call(
            &cognito,
            "AdminAddUserToGroup",
            json!({"GroupName": group, "Username": "alice"}),
        )
        .await
        .assert_success();
    }
    let signed_in = cognito
        .call(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
        )
        .await;
    let result = signed_in.assert_success()["AuthenticationResult"].clone();
    assert_eq!(
        pre.only()["request"]["groupConfiguration"],
        json!({"groupsToOverride": ["admins", "users"], "iamRolesToOverride": [ROLE], "preferredRole": ROLE})
    );
    let access = claims(result["AccessToken"].as_str().unwrap());
    let id = claims(result["IdToken"].as_str().unwrap());
    assert_eq!(
        access.keys().take(2).collect::<Vec<_>>(),
        ["sub", "cognito:groups"]
    );
    assert_eq!(access["cognito:groups"], json!(["admins", "users"]));
    assert_eq!(
        id.keys().take(4).collect::<Vec<_>>(),
        [
            "sub",
            "cognito:groups",
            "cognito:roles",
            "cognito:preferred_role"
        ]
    );
    assert_eq!(
        (
            id["cognito:roles"].clone(),
            id["cognito:preferred_role"].clone()
        ),
        (json!([ROLE]), json!(ROLE))
    );
}
