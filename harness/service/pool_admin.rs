//! Pool administration: CreateUserPool, DeleteUserPool, CreateUserPoolClient,
//! DescribeUserPoolClient, and loading pool files with CreateUserPool's checks.

use std::path::Path;

use serde_json::{json, Map, Value};

use super::pool_config::{
    config_warnings, ignored_warnings, parse_pool_request, validate_pool_config, PoolRequest,
    POOL_NAME,
};
use super::pool_files::read_pool_file;
use super::update_user_pool::describe_pool;
use super::{lock, Cognito, Outcome};
use crate::error::Error;
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::{serialization_error, string_member, StringRule, Validator};
use crate::model::coral::{CLIENT_ID_RULE, USER_POOL_ID_RULE};
use crate::pool::{now_seconds, AppClient, UserPool, DEFAULT_REGION};

/// ExplicitAuthFlowsType, in the model's order.
const AUTH_FLOWS: [&str; 9] = [
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_AUTH",
];

/// CreateUserPoolClient members echoed back unchanged in the UserPoolClient description.
/// PreventUserExistenceErrors of a client made through CreateUserPoolClient without one.
const PREVENT_USER_EXISTENCE_ERRORS_DEFAULT: &str = "LEGACY";
/// PreventUserExistenceErrorTypes, in the model's order.
const PREVENT_USER_EXISTENCE_ERROR_TYPES: [&str; 2] = ["LEGACY", "ENABLED"];

const ECHOED_CLIENT_MEMBERS: [&str; 14] = [
    "AccessTokenValidity",
    "IdTokenValidity",
    "ReadAttributes",
    "WriteAttributes",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AnalyticsConfiguration",
    "PreventUserExistenceErrors",
    "RefreshTokenRotation",
    "TokenValidityUnits",
];

impl Cognito {
    /// CreateUserPool: validates like UpdateUserPool (PoolName required) and answers
    /// `{"UserPool": ...}` as DescribeUserPool would describe the new pool.
    pub fn create_user_pool(&self, request: &Value) -> Outcome {
        const ACTION: &str = "CreateUserPool";
        let mut warnings = Vec::new();
        let result = (|| {
            let (config, ignored) = parse_pool_request(request, PoolRequest::Create)?;
            validate_pool_config(&config, PoolRequest::Create)?;
            warnings.extend(ignored_warnings(ACTION, &ignored));
            warnings.extend(config_warnings(&config));
            let pool = UserPool::new(DEFAULT_REGION, config);
            let described = describe_pool(&pool);
            self.add_pool(pool);
            Ok::<_, CognitoError>(json!({ "UserPool": described }))
        })();
        let mut outcome = Outcome::new(ACTION, result);
        if outcome.is_success() {
            outcome.warnings = warnings;
        }
        outcome
    }

    /// DeleteUserPool: answers `{}`; a pool with DeletionProtection ACTIVE is refused with
    /// InvalidParameterException (BOTO UserPoolType.DeletionProtection doc; the text as
    /// localstack#11947 quotes AWS, §4.3).
    pub fn delete_user_pool(&self, request: &Value) -> Outcome {
        let result = (|| {
            let id = required_pool_id(request)?;
            let pool = self.require_pool(id)?;
            if lock(&pool).config.deletion_protection.as_deref() == Some("ACTIVE") {
                return Err(CognitoError::invalid_parameter(
                    "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.",
                ));
            }
            self.remove_pool(id);
            Ok(json!({}))
        })();
        Outcome::new("DeleteUserPool", result)
    }

    /// CreateUserPoolClient: `{"UserPoolClient": {...}}`; `GenerateSecret` adds a ClientSecret.
    pub fn create_user_pool_client(&self, request: &Value) -> Outcome {
        let result = (|| {
            let checked = check_client_request(request)?;
            let pool = self.require_pool(checked.pool_id)?;
            let mut guard = lock(&pool);
            let mut client = guard.add_client(checked.name);
            client.explicit_auth_flows = checked.flows.clone().unwrap_or_default();
            if checked.generate_secret {
                client.client_secret = Some(client_secret());
            }
            guard.put_client(client.clone());
            let description =
                client_description(&guard.id, &client, checked.flows.as_deref(), request);
            guard.put_client_description(&client.client_id, description.clone());
            Ok(json!({ "UserPoolClient": description }))
        })();
        Outcome::new("CreateUserPoolClient", result)
    }

    /// The UserPoolClient description a CreateUserPoolClient request (checked as that call
    /// checks it) gives a client named by it, without adding a client: UpdateUserPoolClient
    /// builds the replacement description this way.
    pub(crate) fn describe_client_request(
        &self,
        pool_id: &str,
        request: &Value,
    ) -> Result<Value, CognitoError> {
        let checked = check_client_request(request)?;
        let pool = self.require_pool(pool_id)?;
        let guard = lock(&pool);
        let client = AppClient {
            client_id: String::new(),
            client_name: checked.name.to_string(),
            client_secret: None,
            explicit_auth_flows: checked.flows.clone().unwrap_or_default(),
        };
        Ok(client_description(
            &guard.id,
            &client,
            checked.flows.as_deref(),
            request,
        ))
    }

    /// DescribeUserPoolClient: the description CreateUserPoolClient answered with (clients
    /// added from Rust get a minimal one).
    pub fn describe_user_pool_client(&self, request: &Value) -> Outcome {
        let result = (|| {
            let pool_id = string_member(request, "UserPoolId")?;
            let client_id = string_member(request, "ClientId")?;
            let mut v = Validator::new();
            v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
            v.required_string("clientId", client_id, CLIENT_ID_RULE);
            v.finish()?;
            let pool = self.require_pool(pool_id.unwrap_or_default())?;
            let guard = lock(&pool);
            let client_id = client_id.unwrap_or_default();
            let client = guard.client(client_id).ok_or_else(|| {
                CognitoError::new(
                    ErrorCode::ResourceNotFoundException,
                    format!("User pool client {client_id} does not exist."),
                )
            })?;
            let description = guard
                .client_description(client_id)
                .cloned()
                .unwrap_or_else(|| {
                    client_description(
                        &guard.id,
                        client,
                        Some(&client.explicit_auth_flows),
                        &json!({}),
                    )
                });
            Ok(json!({ "UserPoolClient": description }))
        })();
        Outcome::new("DescribeUserPoolClient", result)
    }

    /// Loads a pool file (checked as CreateUserPool checks its request) and adds the pool.
    pub fn add_pool_file(&self, path: impl AsRef<Path>) -> Result<String, Error> {
        Ok(self.add_pool(read_pool_file(path.as_ref())?))
    }
}

fn required_pool_id(request: &Value) -> Result<&str, CognitoError> {
    let id = string_member(request, "UserPoolId")?;
    let mut v = Validator::new();
    v.required_string("userPoolId", id, USER_POOL_ID_RULE);
    v.finish()?;
    Ok(id.unwrap_or_default())
}

fn string_list(request: &Value, name: &str) -> Result<Option<Vec<String>>, CognitoError> {
    match request.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| serialization_error(name, "list of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(serialization_error(name, "list of strings")),
    }
}

/// UserPoolClientType with the defaults a new client gets (assumed from CreateUserPoolClient
/// responses: refresh tokens 30 days, token revocation on, 3-minute auth sessions).
fn client_description(
    pool_id: &str,
    client: &AppClient,
    flows: Option<&[String]>,
    request: &Value,
) -> Value {
    let now = now_seconds();
    let mut d = Map::new();
    d.insert("UserPoolId".into(), json!(pool_id));
    d.insert("ClientName".into(), json!(client.client_name));
    d.insert("ClientId".into(), json!(client.client_id));
    if let Some(secret) = &client.client_secret {
        d.insert("ClientSecret".into(), json!(secret));
    }
    d.insert("LastModifiedDate".into(), json!(now));
    d.insert("CreationDate".into(), json!(now));
    d.insert(
        "RefreshTokenValidity".into(),
        request
            .get("RefreshTokenValidity")
            .cloned()
            .unwrap_or(json!(30)),
    );
    d.insert("TokenValidityUnits".into(), json!({}));
    for member in ECHOED_CLIENT_MEMBERS {
        if let Some(value) = request.get(member).filter(|v| !v.is_null()) {
            d.insert(member.into(), value.clone());
        }
    }
    if let Some(flows) = flows {
        d.insert("ExplicitAuthFlows".into(), json!(flows));
    }
    // "Defaults to LEGACY when you don't provide a value" (API reference, CreateUserPoolClient).
    d.entry("PreventUserExistenceErrors")
        .or_insert_with(|| json!(PREVENT_USER_EXISTENCE_ERRORS_DEFAULT));
    let flag = |name: &str, default: bool| {
        request
            .get(name)
            .and_then(Value::as_bool)
            .unwrap_or(default)
    };
    d.insert(
        "AllowedOAuthFlowsUserPoolClient".into(),
        json!(flag("AllowedOAuthFlowsUserPoolClient", false)),
    );
    d.insert(
        "EnableTokenRevocation".into(),
        json!(flag("EnableTokenRevocation", true)),
    );
    d.insert(
        "EnablePropagateAdditionalUserContextData".into(),
        json!(flag("EnablePropagateAdditionalUserContextData", false)),
    );
    d.insert(
        "AuthSessionValidity".into(),
        request
            .get("AuthSessionValidity")
            .cloned()
            .unwrap_or(json!(3)),
    );
    Value::Object(d)
}

/// What CreateUserPoolClient's request asks for, once checked.
struct ClientRequest<'a> {
    pool_id: &'a str,
    name: &'a str,
    generate_secret: bool,
    flows: Option<Vec<String>>,
}

/// Checks a CreateUserPoolClient (or UpdateUserPoolClient) request as the model constrains it.
fn check_client_request(request: &Value) -> Result<ClientRequest<'_>, CognitoError> {
    let pool_id = string_member(request, "UserPoolId")?;
    let name = string_member(request, "ClientName")?;
    let generate_secret = match request.get("GenerateSecret") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(serialization_error("GenerateSecret", "boolean")),
    };
    let flows = string_list(request, "ExplicitAuthFlows")?;
    let mut v = Validator::new();
    v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
    v.required_string(
        "clientName",
        name,
        StringRule::len(1, 128).pattern(&POOL_NAME),
    );
    if let Some(flows) = &flows {
        if flows.iter().any(|f| !AUTH_FLOWS.contains(&f.as_str())) {
            let set = crate::model::coral::java_set_order(&AUTH_FLOWS).join(", ");
            v.fail(
                "explicitAuthFlows",
                Some(&format!("[{}]", flows.join(", "))),
                &format!(
                    "Member must satisfy constraint: [Member must satisfy enum value set: [{set}]]"
                ),
            );
        }
    }
    let prevent = string_member(request, "PreventUserExistenceErrors")?;
    if let Some(value) = prevent.filter(|p| !PREVENT_USER_EXISTENCE_ERROR_TYPES.contains(p)) {
        let set =
            crate::model::coral::java_set_order(&PREVENT_USER_EXISTENCE_ERROR_TYPES).join(", ");
        v.fail(
            "preventUserExistenceErrors",
            Some(value),
            &format!("Member must satisfy enum value set: [{set}]"),
        );
    }
    v.finish()?;
    Ok(ClientRequest {
        pool_id: pool_id.unwrap_or_default(),
        name: name.unwrap_or_default(),
        generate_secret,
        flows,
    })
}

/// A client secret: 51 characters of `[a-z0-9]`, like Cognito's (ClientSecretType 24–64, `[\w+]+`).
fn client_secret() -> String {
    use rand::Rng as _;
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..51)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// The members a pool file's `AppClients` entry may have: CreateUserPoolClient's request members
/// (less `UserPoolId`, the file's pool) plus the fixed `ClientId` and `ClientSecret`.
const PRESET_CLIENT_MEMBERS: [&str; 24] = [
    "ClientId",
    "ClientSecret",
    "ClientName",
    "GenerateSecret",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "ExplicitAuthFlows",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
    "RefreshTokenRotation",
];

/// ClientSecretType: 1–64 characters of `[\w+]`.
const CLIENT_SECRET_RULE: StringRule = StringRule::len(1, 64)
    .pattern(&crate::model::patterns::CLIENT_ID)
    .sensitive();

/// Adds a pool file's preset app client (an `AppClients` entry) to `pool`, checked as
/// CreateUserPoolClient checks its request, with the entry's fixed `ClientId` and, when given,
/// `ClientSecret` (`GenerateSecret` without one makes a fresh secret). The error is the JSON path
/// inside the entry (`$.ClientName`) and what is wrong there.
pub(crate) fn add_preset_client(
    pool: &mut UserPool,
    entry: &Value,
) -> Result<(), (String, String)> {
    let Value::Object(members) = entry else {
        return Err((
            "$".into(),
            "expected an object of CreateUserPoolClient members with a ClientId".into(),
        ));
    };
    if let Some(unknown) = members
        .keys()
        .find(|k| !PRESET_CLIENT_MEMBERS.contains(&k.as_str()))
    {
        return Err((
            format!("$.{unknown}"),
            format!("unknown member `{unknown}` (not part of the CreateUserPoolClient request shape, nor ClientId or ClientSecret)"),
        ));
    }
    let coral = |e: CognitoError| {
        let at = super::pool_config::first_path(&e.message)
            .map(super::pool_config::pascal_path)
            .unwrap_or_else(|| "$".into());
        (at, format!("{}: {}", e.code, e.message))
    };
    let id = string_member(entry, "ClientId").map_err(coral)?;
    let secret = string_member(entry, "ClientSecret").map_err(coral)?;
    let Some(id) = id else {
        return Err((
            "$.ClientId".into(),
            "expected the client's fixed id (a string of 1-128 word characters)".into(),
        ));
    };
    let mut v = Validator::new();
    v.required_string("clientId", Some(id), CLIENT_ID_RULE);
    if let Some(secret) = secret {
        v.string("clientSecret", secret, CLIENT_SECRET_RULE);
    }
    v.finish().map_err(coral)?;
    if pool.client(id).is_some() {
        return Err((
            "$.ClientId".into(),
            format!("ClientId {id} is already used by another entry"),
        ));
    }
    let mut request = members.clone();
    request.remove("ClientId");
    request.remove("ClientSecret");
    request.insert("UserPoolId".into(), json!(pool.id));
    let request = Value::Object(request);
    let checked = check_client_request(&request).map_err(coral)?;
    let client = AppClient {
        client_id: id.to_string(),
        client_name: checked.name.to_string(),
        client_secret: match secret {
            Some(secret) => Some(secret.to_string()),
            None => checked.generate_secret.then(client_secret),
        },
        explicit_auth_flows: checked.flows.clone().unwrap_or_default(),
    };
    let description = client_description(&pool.id, &client, checked.flows.as_deref(), &request);
    pool.put_client(client.clone());
    pool.put_client_description(&client.client_id, description);
    Ok(())
}
