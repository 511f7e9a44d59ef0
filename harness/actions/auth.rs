//! Signing in with a password, so a client can get the access token UpdateUserAttributes needs:
//! InitiateAuth (USER_PASSWORD_AUTH), AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH and its legacy
//! name ADMIN_NO_SRP_AUTH), and AdminSetUserPassword to give a user a password.
//!
//! These flows fire no CustomMessage or PreSignUp trigger (cognito-semantics.md §2.1: InitiateAuth
//! never sends a custom message); the authentication triggers (PreAuthentication, PreTokenGeneration,
//! ...) are outside the harness and are not invoked.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::validate::{string_map_member, string_member, Validator};
use super::validate::{CLIENT_ID_RULE, USER_POOL_ID_RULE};
use super::{lock, user_not_found, Cognito, Outcome};
use crate::error::{CognitoError, ErrorCode};
use crate::pool::{random_alphanumeric, AppClient, User, UserPool, UserStatus};

/// AuthFlowType's values (botocore), in the model's order, for the enum constraint message.
const AUTH_FLOWS: [&str; 8] = [
    "USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN",
    "CUSTOM_AUTH",
    "ADMIN_NO_SRP_AUTH",
    "USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH",
    "USER_AUTH",
];
/// What an app client allows when it was created without ExplicitAuthFlows (DG: app clients).
const DEFAULT_CLIENT_FLOWS: [&str; 3] = [
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_SRP_AUTH",
];
/// Access and ID tokens last an hour by default (`ExpiresIn: 3600`).
const TOKEN_LIFETIME_SECONDS: u64 = 3600;

/// Which API signs in: the client-side or the admin one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Api {
    Client,
    Admin,
}

impl Cognito {
    /// InitiateAuth with `AuthFlow: USER_PASSWORD_AUTH`.
    pub fn initiate_auth(&self, request: &Value) -> Outcome {
        Outcome::new("InitiateAuth", self.password_auth(Api::Client, request))
    }

    /// AdminInitiateAuth with `AuthFlow: ADMIN_USER_PASSWORD_AUTH` (or ADMIN_NO_SRP_AUTH).
    pub fn admin_initiate_auth(&self, request: &Value) -> Outcome {
        Outcome::new("AdminInitiateAuth", self.password_auth(Api::Admin, request))
    }

    fn password_auth(&self, api: Api, request: &Value) -> Result<Value, CognitoError> {
        let pool_id = if api == Api::Admin {
            string_member(request, "UserPoolId")?
        } else {
            None
        };
        let client_id = string_member(request, "ClientId")?;
        let flow = string_member(request, "AuthFlow")?;
        let parameters = string_map_member(request, "AuthParameters")?;
        string_map_member(request, "ClientMetadata")?;
        let mut v = Validator::new();
        if api == Api::Admin {
            v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
        }
        v.required_string("clientId", client_id, CLIENT_ID_RULE);
        match flow {
            None => v.missing("authFlow"),
            Some(flow) => v.enum_value("authFlow", flow, &AUTH_FLOWS),
        }
        v.finish()?;
        let (client_id, flow) = (client_id.unwrap_or_default(), flow.unwrap_or_default());

        let pool = match pool_id {
            Some(id) => self.require_pool(id)?,
            None => self.pool_for_client(client_id)?,
        };
        let mut guard = lock(&pool);
        let client = guard
            .client(client_id)
            .cloned()
            .ok_or_else(|| client_not_found(client_id))?;
        check_flow(api, flow, &client)?;

        let parameter = |name: &str| parameters.and_then(|p| p.get(name)).and_then(Value::as_str);
        if matches!(flow, "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN") {
            let token =
                parameter("REFRESH_TOKEN").ok_or_else(|| missing_parameter("REFRESH_TOKEN"))?;
            let invalid =
                || CognitoError::new(ErrorCode::NotAuthorizedException, "Invalid Refresh Token");
            let grant = guard.refresh_grant(token).cloned().ok_or_else(invalid)?;
            if grant.client_id != client_id {
                return Err(invalid());
            }
            // A refresh gives new access and ID tokens, not a new refresh token.
            let mut result = authentication_result(&mut guard, &grant.username, client_id);
            if let Some(tokens) = result["AuthenticationResult"].as_object_mut() {
                tokens.remove("RefreshToken");
            }
            return Ok(result);
        }
        let username = parameter("USERNAME").ok_or_else(|| missing_parameter("USERNAME"))?;
        let password = parameter("PASSWORD").ok_or_else(|| missing_parameter("PASSWORD"))?;
        if client.client_secret.is_some() && parameter("SECRET_HASH").is_none() {
            return Err(CognitoError::new(
                ErrorCode::NotAuthorizedException,
                format!("Client {client_id} is configured for secret but secret was not received"),
            ));
        }
        // Assumed: SECRET_HASH is required but not checked (the harness keeps no HMAC code).

        // App clients prevent user existence errors by default (PreventUserExistenceErrors=ENABLED),
        // so an unknown user reads like a wrong password.
        let incorrect = || {
            CognitoError::new(
                ErrorCode::NotAuthorizedException,
                "Incorrect username or password.",
            )
        };
        let user = guard.find_user(username).ok_or_else(incorrect)?;
        if !user.enabled {
            return Err(CognitoError::new(
                ErrorCode::NotAuthorizedException,
                "User is disabled.",
            ));
        }
        if user.password.as_deref() != Some(password) {
            return Err(incorrect());
        }
        match user.status {
            UserStatus::Unconfirmed => Err(CognitoError::new(
                ErrorCode::UserNotConfirmedException,
                "User is not confirmed.",
            )),
            UserStatus::ForceChangePassword => {
                let user = user.clone();
                Ok(new_password_required(
                    &mut guard,
                    &user,
                    client_id,
                    self.now(),
                ))
            }
            // After AdminResetUserPassword (assumed: checked once the password matched, like
            // UNCONFIRMED; the text is Cognito's well-known one, not in the reference).
            UserStatus::ResetRequired => Err(CognitoError::new(
                ErrorCode::PasswordResetRequiredException,
                "Password reset required for the user",
            )),
            _ => {
                let username = user.username.clone();
                Ok(authentication_result(&mut guard, &username, client_id))
            }
        }
    }

    /// AdminSetUserPassword: `Permanent: true` confirms the user with this password; otherwise it
    /// is a temporary password and the user must change it at the next sign-in.
    pub fn admin_set_user_password(&self, request: &Value) -> Outcome {
        let result = (|| {
            let password = string_member(request, "Password")?;
            let permanent = match request.get("Permanent") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Err(super::validate::serialization_error("Permanent", "boolean"))
                }
            };
            let req = self.admin_user_request(request, |v| {
                v.required_string("password", password, super::passwords::PASSWORD_RULE);
                Ok(())
            })?;
            let mut guard = lock(&req.pool);
            let password = password.unwrap_or_default();
            check_password_policy(&guard, password)?;
            let user = guard
                .find_user_mut(&req.username)
                .ok_or_else(user_not_found)?;
            user.password = Some(password.to_string());
            user.status = if permanent {
                UserStatus::Confirmed
            } else {
                UserStatus::ForceChangePassword
            };
            user.last_modified = crate::pool::now_seconds();
            Ok(json!({}))
        })();
        Outcome::new("AdminSetUserPassword", result)
    }
}

/// Is `flow` allowed by the API and the app client?
fn check_flow(api: Api, flow: &str, client: &AppClient) -> Result<(), CognitoError> {
    let allows = |names: &[&str]| {
        if client.explicit_auth_flows.is_empty() {
            names.iter().any(|n| DEFAULT_CLIENT_FLOWS.contains(n))
        } else {
            client
                .explicit_auth_flows
                .iter()
                .any(|f| names.contains(&f.as_str()))
        }
    };
    match (api, flow) {
        (Api::Client, "USER_PASSWORD_AUTH") => {
            if allows(&["ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"]) {
                Ok(())
            } else {
                Err(CognitoError::invalid_parameter("USER_PASSWORD_AUTH flow not enabled for this client"))
            }
        }
        (Api::Admin, "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH") => {
            if allows(&["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"]) {
                Ok(())
            } else {
                Err(CognitoError::invalid_parameter("Auth flow not enabled for this client"))
            }
        }
        (_, "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN") => {
            if allows(&["ALLOW_REFRESH_TOKEN_AUTH"]) {
                Ok(())
            } else {
                Err(CognitoError::invalid_parameter("Auth flow not enabled for this client"))
            }
        }
        (Api::Client, "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH") => {
            Err(CognitoError::invalid_parameter("Initiate Auth method not supported."))
        }
        (_, other) => Err(CognitoError::invalid_parameter(format!(
            "cognito-harness does not implement the {other} flow; use USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH or REFRESH_TOKEN_AUTH"
        ))),
    }
}

/// The pool's password policy (actions/passwords.rs), in AdminSetUserPassword's wording: AWS says
/// "does not conform to policy" here where SignUp says "did not conform with policy" (seen in AWS
/// CLI output; assumed, the reference does not record it).
pub(crate) fn check_password_policy(pool: &UserPool, password: &str) -> Result<(), CognitoError> {
    super::passwords::check_policy(pool, password).map_err(|mut e| {
        if let Some(what) = e
            .message
            .strip_prefix("Password did not conform with policy: ")
        {
            e.message = format!("Password does not conform to policy: {what}");
        }
        e
    })
}

/// `{"AuthenticationResult": {...}, "ChallengeParameters": {}}` with fresh tokens.
pub(crate) fn authentication_result(pool: &mut UserPool, username: &str, client_id: &str) -> Value {
    let access = pool
        .issue_access_token(username, client_id)
        .unwrap_or_default();
    let id_token = pool
        .find_user(username)
        .map(|u| id_token(pool, u, client_id))
        .unwrap_or_default();
    let refresh = refresh_token();
    pool.remember_refresh_token(&refresh, username, client_id);
    json!({
        "ChallengeParameters": {},
        "AuthenticationResult": {
            "AccessToken": access,
            "ExpiresIn": TOKEN_LIFETIME_SECONDS,
            "TokenType": "Bearer",
            "RefreshToken": refresh,
            "IdToken": id_token,
        }
    })
}

/// How long a sign-in session waits for the challenge answer (the app client's default
/// AuthSessionValidity, 3 minutes).
pub(crate) const SESSION_SECONDS: u64 = 180;

/// The NEW_PASSWORD_REQUIRED challenge a user with a temporary password gets; its Session is the
/// key RespondToAuthChallenge answers with.
fn new_password_required(pool: &mut UserPool, user: &User, client_id: &str, now: u64) -> Value {
    let session = pool.start_session(&user.username, client_id, now, SESSION_SECONDS);
    let attributes: Map<String, Value> = user
        .attributes
        .iter()
        .map(|(n, v)| (n.clone(), Value::from(v.as_str())))
        .collect();
    json!({
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": session,
        "ChallengeParameters": {
            "USER_ID_FOR_SRP": user.username,
            "requiredAttributes": "[]",
            "userAttributes": Value::Object(attributes).to_string(),
        }
    })
}

/// A JWT-shaped ID token with the user's attributes as claims; the signature part is random
/// (nothing local verifies it).
fn id_token(pool: &UserPool, user: &User, client_id: &str) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = crate::pool::now_seconds() as u64;
    let mut claims = Map::new();
    claims.insert("sub".into(), user.sub.clone().into());
    for (name, value) in &user.attributes {
        // *_verified are booleans in ID tokens.
        let value = match (name.ends_with("_verified"), value.as_str()) {
            (true, "true") => Value::Bool(true),
            (true, "false") => Value::Bool(false),
            _ => Value::from(value.as_str()),
        };
        claims.insert(name.clone(), value);
    }
    claims.insert(
        "iss".into(),
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            pool.region, pool.id
        )
        .into(),
    );
    claims.insert("cognito:username".into(), user.username.clone().into());
    claims.insert("aud".into(), client_id.into());
    claims.insert("event_id".into(), uuid::Uuid::new_v4().to_string().into());
    claims.insert("token_use".into(), "id".into());
    claims.insert("auth_time".into(), now.into());
    claims.insert("exp".into(), (now + TOKEN_LIFETIME_SECONDS).into());
    claims.insert("iat".into(), now.into());
    let header = b64.encode(br#"{"kid":"cognito-harness","alg":"RS256"}"#);
    format!(
        "{header}.{}.{}",
        b64.encode(Value::Object(claims).to_string()),
        random_alphanumeric(43)
    )
}

/// An opaque refresh token, JWE-shaped (five dot-separated parts) like Cognito's.
fn refresh_token() -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(br#"{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}"#);
    format!(
        "{header}.{}.{}.{}.{}",
        random_alphanumeric(342),
        random_alphanumeric(16),
        random_alphanumeric(400),
        random_alphanumeric(22)
    )
}

pub(crate) fn client_not_found(client_id: &str) -> CognitoError {
    CognitoError::new(
        ErrorCode::ResourceNotFoundException,
        format!("User pool client {client_id} does not exist."),
    )
}

pub(crate) fn missing_parameter(name: &str) -> CognitoError {
    CognitoError::invalid_parameter(format!("Missing required parameter {name}"))
}
