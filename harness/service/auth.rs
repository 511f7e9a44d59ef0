//! Signing in with a password, so a client can get the access token UpdateUserAttributes needs:
//! InitiateAuth (USER_PASSWORD_AUTH), AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH and its legacy
//! name ADMIN_NO_SRP_AUTH), and AdminSetUserPassword to give a user a password. USER_SRP_AUTH
//! is handed to `srp_auth.rs` once the client and SECRET_HASH are checked.
//!
//! These flows fire no CustomMessage or PreSignUp trigger (cognito-semantics.md §2.1: InitiateAuth
//! never sends a custom message). A password sign-in fires PreAuthentication before the password
//! is checked (§AT.1); every issue of tokens fires PreTokenGeneration
//! (`TokenGeneration_Authentication`, `_RefreshTokens`, `_NewPasswordChallenge`; §PTG.2), whose
//! answer changes the tokens before they are signed; then PostAuthentication sees the completed
//! sign-in and may withhold the tokens (a refresh fires neither authentication trigger).

use std::sync::MutexGuard;

use serde_json::{json, Map, Value};

use super::auth_triggers::{
    plan_post_authentication, plan_pre_authentication, withdraw_tokens, Planned,
};
use super::migration::{migrates, MigrationRequest};
use super::secret_hash::{self, Carried};
use super::triggers::fail_with;
use super::{lock, user_not_found, Cognito, Outcome, PoolHandle, TriggerRun};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::{string_map_member, string_member, Validator};
use crate::model::coral::{CLIENT_ID_RULE, USER_POOL_ID_RULE};
use crate::model::tokens::{self, TokenUse};
use crate::pool::{AppClient, RefreshGrant, User, UserPool, UserStatus};
use crate::trigger::pre_authentication::SigningIn;
use crate::trigger::pre_token_generation::{self, set_after_sub, TokenOverrides};
use crate::trigger::{judge, Context, Trigger, TriggerSource};

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

/// Which API signs in: the client-side or the admin one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Api {
    Client,
    Admin,
}

impl Cognito {
    /// InitiateAuth with `AuthFlow: USER_PASSWORD_AUTH`.
    pub async fn initiate_auth(&self, request: &Value) -> Outcome {
        self.sign_in("InitiateAuth", Api::Client, request).await
    }

    /// AdminInitiateAuth with `AuthFlow: ADMIN_USER_PASSWORD_AUTH` (or ADMIN_NO_SRP_AUTH).
    pub async fn admin_initiate_auth(&self, request: &Value) -> Outcome {
        self.sign_in("AdminInitiateAuth", Api::Admin, request).await
    }

    async fn sign_in(&self, action: &str, api: Api, request: &Value) -> Outcome {
        let mut outcome = Outcome::new(action, Ok(Value::Null));
        let signed_in = self.password_auth(api, request, &mut outcome).await;
        self.complete_sign_in(&mut outcome, signed_in).await;
        outcome
    }

    /// Sets `outcome`'s answer for a sign-in step; trigger runs go into `outcome`.
    pub(crate) async fn complete_sign_in(
        &self,
        outcome: &mut Outcome,
        signed_in: Result<SignedIn, CognitoError>,
    ) {
        match signed_in {
            Err(e) => outcome.result = Err(e),
            Ok(SignedIn::Answer(answer)) => outcome.result = Ok(answer),
            // Every sign-in whose password checked out passes here: MFA may ask for a code first.
            Ok(SignedIn::Tokens(issue)) => {
                if let Some(issue) = self.second_factor(outcome, issue).await {
                    self.issue_tokens(outcome, *issue).await
                }
            }
        }
    }

    /// Fires the pool's PreTokenGeneration trigger (if any) for `issue`, applies its answer to the
    /// claims, signs the tokens, then runs PostAuthentication when the sign-in planned it. A
    /// rejected answer fails the call; tokens PostAuthentication withholds are forgotten.
    async fn issue_tokens(&self, outcome: &mut Outcome, issue: Issue) {
        let Issue {
            pool,
            mut claims,
            source,
            refreshed,
            client_metadata,
            post_authentication,
            ..
        } = issue;
        let (arn, event) = {
            let guard = lock(&pool);
            let arn = Trigger::PRE_TOKEN_GENERATION
                .arn(&guard.config)
                .map(str::to_string);
            let scope = claims.access.get("scope").and_then(Value::as_str);
            let scopes: Vec<&str> = scope.unwrap_or_default().split_whitespace().collect();
            let metadata = client_metadata
                .as_ref()
                .filter(|_| source.forwards_client_metadata());
            let event = arn.as_ref().and_then(|_| {
                let user = guard.find_user(&claims.sign_in.username)?;
                Some(pre_token_generation::event(
                    &guard,
                    source,
                    user,
                    &claims.sign_in.client_id,
                    &scopes,
                    metadata,
                ))
            });
            (arn, event)
        };
        if let (Some(arn), Some(event)) = (arn, event) {
            let attempt = self.attempt(Some(&arn), Some(&event)).await;
            let judgement = {
                let guard = lock(&pool);
                judge(attempt.ran(), &Context::new(source, &guard.config))
            };
            let (verdict, overrides) = judgement.into_parts::<TokenOverrides>();
            let run = TriggerRun {
                trigger_source: source,
                arn: Some(arn),
                event: Some(event),
                invocation: attempt.into_invocation(),
                verdict,
            };
            if fail_with(outcome, run) {
                return;
            }
            if let Some(overrides) = overrides {
                overrides.apply(&mut claims.id, &mut claims.access);
            }
        }
        let result = authentication_result(&mut lock(&pool), &claims, refreshed);
        // PostAuthentication runs once the tokens exist, after PreTokenGeneration
        // (dod-ccpo/atat-web-api#376), and decides whether the caller gets them (ruling AT-3).
        let source = TriggerSource::POST_AUTHENTICATION_AUTHENTICATION;
        outcome.result = match self
            .run_auth_trigger(outcome, &pool, source, post_authentication)
            .await
        {
            Ok(()) => Ok(result),
            Err(e) => {
                withdraw_tokens(&pool, &result);
                Err(e)
            }
        };
    }

    /// The sign-in up to its tokens; PreAuthentication's run goes into `outcome`.
    async fn password_auth(
        &self,
        api: Api,
        request: &Value,
        outcome: &mut Outcome,
    ) -> Result<SignedIn, CognitoError> {
        let pool_id = if api == Api::Admin {
            string_member(request, "UserPoolId")?
        } else {
            None
        };
        let client_id = string_member(request, "ClientId")?;
        let flow = string_member(request, "AuthFlow")?;
        let parameters = string_map_member(request, "AuthParameters")?;
        let client_metadata = string_map_member(request, "ClientMetadata")?.cloned();
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
        let now = self.now();
        // A client that prevents user existence errors answers an unknown user as a wrong
        // password; a LEGACY one says the user does not exist (API reference,
        // PreventUserExistenceErrors; §4.3).
        let parameter = |name: &str| parameters.and_then(|p| p.get(name)).and_then(Value::as_str);
        let (mut pre, username, password, migrate, custom) = {
            let guard = lock(&pool);
            let client = guard
                .client(client_id)
                .cloned()
                .ok_or_else(|| client_not_found(client_id))?;
            check_flow(api, flow, &client)?;

            if matches!(flow, "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN") {
                let token =
                    parameter("REFRESH_TOKEN").ok_or_else(|| missing_parameter("REFRESH_TOKEN"))?;
                let invalid = || {
                    CognitoError::new(ErrorCode::NotAuthorizedException, "Invalid Refresh Token.")
                };
                let grant = guard.refresh_grant(token).cloned().ok_or_else(invalid)?;
                if grant.client_id != client_id {
                    return Err(invalid());
                }
                let hash = parameter("SECRET_HASH");
                secret_hash::check(&guard, client_id, &grant.username, hash, Carried::Refresh)?;
                if guard.find_user(&grant.username).is_some_and(|u| !u.enabled) {
                    return Err(CognitoError::new(
                        ErrorCode::NotAuthorizedException,
                        "User is disabled.",
                    ));
                }
                // A refresh gives new access and ID tokens, not a new refresh token.
                let claims = token_claims(&guard, &grant.username, client_id, Some(&grant), now)
                    .ok_or_else(invalid)?;
                drop(guard);
                return Ok(SignedIn::tokens(
                    pool,
                    claims,
                    TriggerSource::TOKEN_GENERATION_REFRESH_TOKENS,
                    true,
                    client_metadata,
                ));
            }
            let username = parameter("USERNAME").ok_or_else(|| missing_parameter("USERNAME"))?;
            let hash = parameter("SECRET_HASH");
            secret_hash::check(&guard, client_id, username, hash, Carried::AuthParameter)?;
            if flow == "USER_SRP_AUTH" {
                drop(guard);
                return self.start_srp_auth(&pool, client_id, username, parameter("SRP_A"), now);
            }

            let custom = flow == "CUSTOM_AUTH";
            let password = match parameter("PASSWORD") {
                _ if custom => "",
                Some(password) => password,
                None => return Err(missing_parameter("PASSWORD")),
            };
            // An unknown name asks UserMigration first; PreAuthentication then sees the migrated
            // user (ruling UM-4).
            let migrate = !custom && migrates(&guard, username);
            // PreAuthentication runs before the password is checked; for an unknown user only
            // when the client hides user existence (§AT.1, rulings AT-2 and AT-5).
            let who = match guard.find_user(username) {
                _ if migrate || custom => None,
                Some(user) if !user.enabled => None,
                Some(user) => Some(SigningIn::Found(user)),
                None if guard.prevents_user_existence_errors(client_id) => {
                    Some(SigningIn::NotFound(username))
                }
                None => None,
            };
            let metadata = client_metadata.as_ref();
            let pre = who.and_then(|who| plan_pre_authentication(&guard, who, client_id, metadata));
            (pre, username, password, migrate, custom)
        };
        if custom {
            return self
                .start_custom_auth(outcome, pool, username, client_id, now)
                .await;
        }
        if migrate {
            let metadata = client_metadata.as_ref();
            let req = MigrationRequest {
                source: TriggerSource::USER_MIGRATION_AUTHENTICATION,
                username,
                password: Some(password),
                client_id,
                client_metadata: metadata,
            };
            self.migrate_user(outcome, &pool, req).await?;
            let guard = lock(&pool);
            pre = guard.find_user(username).and_then(|user| {
                plan_pre_authentication(&guard, SigningIn::Found(user), client_id, metadata)
            });
        }
        let source = TriggerSource::PRE_AUTHENTICATION_AUTHENTICATION;
        self.run_auth_trigger(outcome, &pool, source, pre).await?;

        let guard = lock(&pool);
        let hides_users = guard.prevents_user_existence_errors(client_id);
        let user = guard.find_user(username).ok_or_else(|| {
            if hides_users {
                incorrect()
            } else {
                user_not_found()
            }
        })?;
        if !user.enabled {
            return Err(CognitoError::new(
                ErrorCode::NotAuthorizedException,
                "User is disabled.",
            ));
        }
        if user.password.as_deref() != Some(password) {
            return Err(incorrect());
        }
        // PostAuthentication sees the completed sign-in; InitiateAuth's ClientMetadata never
        // reaches it (§AT.1, §AT.2).
        let username = user.username.clone();
        let signed_in = SignIn {
            client_id,
            device_key: parameter("DEVICE_KEY"),
            post_metadata: None,
            token_metadata: client_metadata,
            now,
        };
        password_matched(&pool, guard, &username, signed_in)
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
                    return Err(crate::model::coral::serialization_error(
                        "Permanent",
                        "boolean",
                    ))
                }
            };
            let req = self.admin_user_request(request, |v| {
                v.required_string("password", password, super::password_policy::PASSWORD_RULE);
                Ok(())
            })?;
            let mut guard = lock(&req.pool);
            let password = password.unwrap_or_default();
            check_password_policy(&guard, password)?;
            let mut user = guard
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

/// `Incorrect username or password.`: a wrong password, SRP claim or custom answer, and an unknown
/// user through a client that prevents user existence errors (§4.3, §SRP.3, §CA.3).
pub(crate) fn incorrect() -> CognitoError {
    CognitoError::new(
        ErrorCode::NotAuthorizedException,
        "Incorrect username or password.",
    )
}

/// The rest of a sign-in whose password (or SRP claim) checked out.
pub(crate) struct SignIn<'a> {
    pub(crate) client_id: &'a str,
    /// `DEVICE_KEY`, which decides PostAuthentication's `newDeviceUsed` (ruling AT-4).
    pub(crate) device_key: Option<&'a str>,
    /// The ClientMetadata PostAuthentication gets (none from InitiateAuth, §AT.2).
    pub(crate) post_metadata: Option<&'a Map<String, Value>>,
    /// The ClientMetadata PreTokenGeneration gets.
    pub(crate) token_metadata: Option<Map<String, Value>>,
    pub(crate) now: u64,
}

/// What a sign-in comes to once the password (or SRP claim) matched, by the user's status
/// (§AT.1, §SRP.3): UNCONFIRMED and RESET_REQUIRED are refused, a temporary password asks for a
/// new one, anyone else gets tokens through PreTokenGeneration and then PostAuthentication.
pub(crate) fn password_matched(
    pool: &PoolHandle,
    mut guard: MutexGuard<'_, UserPool>,
    username: &str,
    sign_in: SignIn<'_>,
) -> Result<SignedIn, CognitoError> {
    let SignIn {
        client_id,
        device_key,
        post_metadata,
        token_metadata,
        now,
    } = sign_in;
    let user = guard.find_user(username).ok_or_else(incorrect)?;
    match user.status {
        UserStatus::Unconfirmed => Err(CognitoError::new(
            ErrorCode::UserNotConfirmedException,
            "User is not confirmed.",
        )),
        UserStatus::ForceChangePassword => {
            let user = user.clone();
            Ok(SignedIn::Answer(new_password_required(
                &mut guard, &user, client_id, now,
            )))
        }
        // After AdminResetUserPassword (assumed: checked once the password matched, like
        // UNCONFIRMED; the text is Cognito's well-known one, not in the reference).
        UserStatus::ResetRequired => Err(CognitoError::new(
            ErrorCode::PasswordResetRequiredException,
            "Password reset required for the user",
        )),
        _ => {
            let claims =
                token_claims(&guard, username, client_id, None, now).ok_or_else(incorrect)?;
            let post =
                plan_post_authentication(&guard, username, client_id, device_key, post_metadata);
            drop(guard);
            Ok(SignedIn::tokens(
                pool.clone(),
                claims,
                TriggerSource::TOKEN_GENERATION_AUTHENTICATION,
                false,
                token_metadata,
            )
            .then_post_authentication(post))
        }
    }
}

/// Where a sign-in step stands once its credentials checked out.
pub(crate) enum SignedIn {
    /// The answer as it is (a challenge).
    Answer(Value),
    /// Tokens to issue, through PreTokenGeneration.
    Tokens(Box<Issue>),
}

impl SignedIn {
    /// Tokens to issue for `claims` of `pool`, fired as `source`.
    pub(crate) fn tokens(
        pool: PoolHandle,
        claims: TokenClaims,
        source: TriggerSource,
        refreshed: bool,
        client_metadata: Option<Map<String, Value>>,
    ) -> SignedIn {
        SignedIn::Tokens(Box::new(Issue {
            pool,
            claims,
            source,
            refreshed,
            client_metadata,
            post_authentication: None,
            second_factor_done: false,
        }))
    }

    /// The same, for a sign-in that needs no MFA step (it passed one, or it is custom
    /// authentication, whose functions decide the challenges).
    pub(crate) fn second_factor_done(self) -> SignedIn {
        match self {
            SignedIn::Tokens(mut issue) => {
                issue.second_factor_done = true;
                SignedIn::Tokens(issue)
            }
            answer => answer,
        }
    }

    /// The same, with PostAuthentication to run once the tokens exist.
    pub(crate) fn then_post_authentication(self, post: Option<Planned>) -> SignedIn {
        match self {
            SignedIn::Tokens(mut issue) => {
                issue.post_authentication = post;
                SignedIn::Tokens(issue)
            }
            answer => answer,
        }
    }
}

/// Tokens about to be issued: the claims before PreTokenGeneration, and what its event needs.
pub(crate) struct Issue {
    pub(crate) pool: PoolHandle,
    pub(crate) claims: TokenClaims,
    pub(crate) source: TriggerSource,
    pub(crate) refreshed: bool,
    client_metadata: Option<Map<String, Value>>,
    post_authentication: Option<Planned>,
    /// Whether MFA has had its say (see `mfa.rs`).
    pub(crate) second_factor_done: bool,
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
        (_, "USER_SRP_AUTH") => {
            if allows(&["ALLOW_USER_SRP_AUTH"]) {
                Ok(())
            } else {
                Err(CognitoError::invalid_parameter("Auth flow not enabled for this client"))
            }
        }
        (_, "CUSTOM_AUTH") => {
            if allows(&["ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"]) {
                Ok(())
            } else {
                Err(CognitoError::invalid_parameter("Auth flow not enabled for this client"))
            }
        }
        (Api::Client, "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH") => {
            Err(CognitoError::invalid_parameter("Initiate Auth method not supported."))
        }
        (_, other) => Err(CognitoError::invalid_parameter(format!(
            "cognito-harness does not implement the {other} flow; use USER_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, CUSTOM_AUTH or REFRESH_TOKEN_AUTH"
        ))),
    }
}

/// The pool's password policy (actions/passwords.rs), in AdminSetUserPassword's wording: AWS says
/// "does not conform to policy" here where SignUp says "did not conform with password policy" (seen in AWS
/// CLI output; assumed, the reference does not record it).
pub(crate) fn check_password_policy(pool: &UserPool, password: &str) -> Result<(), CognitoError> {
    super::password_policy::check_policy(pool, password).map_err(|mut e| {
        if let Some(what) = e
            .message
            .strip_prefix("Password did not conform with password policy: ")
        {
            e.message = format!("Password does not conform to policy: {what}");
        }
        e
    })
}

/// The claims of the tokens one issue gives a user (before a PreTokenGeneration function changes
/// them), and the sign-in they belong to.
pub(crate) struct TokenClaims {
    /// The ID token's claims.
    pub id: Map<String, Value>,
    /// The access token's claims.
    pub access: Map<String, Value>,
    /// The sign-in these tokens continue (a refresh keeps its `auth_time` and `origin_jti`).
    pub sign_in: RefreshGrant,
}

/// The claims of fresh tokens for `username` through `client_id` at `now` (§T): a new sign-in, or
/// the continuation of `refreshing`. `None` when the pool has no such user.
pub(crate) fn token_claims(
    pool: &UserPool,
    username: &str,
    client_id: &str,
    refreshing: Option<&RefreshGrant>,
    now: u64,
) -> Option<TokenClaims> {
    let user = pool.find_user(username)?;
    let sign_in = match refreshing {
        Some(grant) => grant.clone(),
        None => RefreshGrant {
            username: user.username.clone(),
            client_id: client_id.to_string(),
            auth_time: now,
            origin_jti: tokens::new_id(),
        },
    };
    let issuer = pool.issuer();
    let event_id = tokens::new_id();
    let session = tokens::Session {
        issuer: &issuer,
        sub: &user.sub,
        username: &user.username,
        client_id,
        auth_time: sign_in.auth_time,
        origin_jti: &sign_in.origin_jti,
        event_id: &event_id,
        now,
    };
    let mut id = tokens::id_claims(&session, &user.attributes);
    let mut access = tokens::access_claims(&session);
    // A user's groups: `cognito:groups` in both tokens right after `sub`, the roles in the ID
    // token only (§G, DG "Using the ID token", "Using the access token").
    let membership = pool.groups.membership(&user.sub);
    if !membership.names.is_empty() {
        let names = Value::from(membership.names);
        set_after_sub(&mut access, "cognito:groups", Some(names.clone()));
        if let Some(role) = membership.preferred_role {
            set_after_sub(&mut id, "cognito:preferred_role", Some(Value::from(role)));
        }
        if !membership.roles.is_empty() {
            set_after_sub(
                &mut id,
                "cognito:roles",
                Some(Value::from(membership.roles)),
            );
        }
        set_after_sub(&mut id, "cognito:groups", Some(names));
    }
    Some(TokenClaims {
        id,
        access,
        sign_in,
    })
}

/// Signs the ID and access tokens of `claims` with the pool's keys and remembers the access token
/// (the harness accepts only access tokens it issued and still remembers).
fn sign_tokens(pool: &mut UserPool, claims: &TokenClaims) -> (String, String) {
    let id = pool.keys().sign(TokenUse::Id, &claims.id);
    let access = pool.keys().sign(TokenUse::Access, &claims.access);
    let grant = &claims.sign_in;
    pool.remember_access_token(&access, &grant.username, &grant.client_id);
    (id, access)
}

/// Issues an access token for `username` through `client_id`, which the pool remembers; `None`
/// when the pool has no such user or client.
pub(crate) fn issue_access_token(
    pool: &mut UserPool,
    username: &str,
    client_id: &str,
) -> Option<String> {
    let now = crate::pool::now_seconds() as u64;
    issue_access_token_at(pool, username, client_id, now)
}

/// Issues a refresh token for `username` through `client_id`, as a new sign-in would, which the
/// pool remembers (`$refresh.<username>` in scenarios); `None` when the pool has no such user or
/// client.
pub(crate) fn issue_refresh_token(
    pool: &mut UserPool,
    username: &str,
    client_id: &str,
) -> Option<String> {
    pool.client(client_id)?;
    let now = crate::pool::now_seconds() as u64;
    let claims = token_claims(pool, username, client_id, None, now)?;
    let token = tokens::refresh_token();
    pool.remember_refresh_token(&token, claims.sign_in);
    Some(token)
}

/// [`issue_access_token`] at `now` on the service's clock.
fn issue_access_token_at(
    pool: &mut UserPool,
    username: &str,
    client_id: &str,
    now: u64,
) -> Option<String> {
    pool.client(client_id)?;
    let claims = token_claims(pool, username, client_id, None, now)?;
    Some(sign_tokens(pool, &claims).1)
}

impl Cognito {
    /// Issues an access token for a user of a pool through one of its app clients, as a sign-in
    /// would (for tests of UpdateUserAttributes and other token calls); `None` when the pool,
    /// user or client does not exist.
    pub fn issue_access_token(
        &self,
        pool_id: &str,
        username: &str,
        client_id: &str,
    ) -> Option<String> {
        let now = self.now();
        self.with_pool_mut(pool_id, |pool| {
            issue_access_token_at(pool, username, client_id, now)
        })
        .flatten()
    }
}

/// `{"ChallengeParameters": {}, "AuthenticationResult": {...}}` with the tokens of `claims`
/// signed; a new sign-in also gets a refresh token, a refresh does not (§T.4).
pub(crate) fn authentication_result(
    pool: &mut UserPool,
    claims: &TokenClaims,
    refreshed: bool,
) -> Value {
    let (id_token, access) = sign_tokens(pool, claims);
    let mut result = Map::with_capacity(5);
    result.insert("AccessToken".into(), access.into());
    result.insert("ExpiresIn".into(), tokens::TOKEN_LIFETIME_SECONDS.into());
    result.insert("TokenType".into(), "Bearer".into());
    if !refreshed {
        let refresh = tokens::refresh_token();
        pool.remember_refresh_token(&refresh, claims.sign_in.clone());
        result.insert("RefreshToken".into(), refresh.into());
    }
    result.insert("IdToken".into(), id_token.into());
    json!({"ChallengeParameters": {}, "AuthenticationResult": Value::Object(result)})
}

/// How long a sign-in session waits for the challenge answer (the app client's default
/// AuthSessionValidity, 3 minutes).
pub(crate) const SESSION_SECONDS: u64 = 180;

/// The NEW_PASSWORD_REQUIRED challenge a user with a temporary password gets; its Session is the
/// key RespondToAuthChallenge answers with.
pub(crate) fn new_password_required(
    pool: &mut UserPool,
    user: &User,
    client_id: &str,
    now: u64,
) -> Value {
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

pub(crate) fn client_not_found(client_id: &str) -> CognitoError {
    CognitoError::new(
        ErrorCode::ResourceNotFoundException,
        format!("User pool client {client_id} does not exist."),
    )
}

pub(crate) fn missing_parameter(name: &str) -> CognitoError {
    CognitoError::invalid_parameter(format!("Missing required parameter {name}"))
}
