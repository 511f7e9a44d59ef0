//! The local Cognito service: one function per API action over the pools it holds. Actions take
//! the request body exactly as the AWS API does (PascalCase JSON) and answer with the API response
//! or exception, plus everything the triggers did ([`Outcome`]).
//!
//! Each action validates and plans under the pool's lock, runs triggers with the lock released,
//! then judges and commits under the lock again, applying only its own changes, so concurrent
//! calls lose no update and a failed trigger changes nothing (ruling 11).

mod action;
mod admin_create_user;
mod attributes;
mod auth;
mod auth_triggers;
mod challenges;
mod codes;
mod custom_auth;
mod delivery;
mod groups;
mod mfa;
mod migration;
mod new_users;
mod outcome_text;
mod paging;
mod password_policy;
mod passwords;
mod pool_admin;
mod pool_config;
pub(crate) mod pool_files;
mod requests;
mod secret_hash;
mod sessions;
mod sign_up;
mod simulated;
mod srp_auth;
mod triggers;
mod update_user_pool;
mod user_admin;
mod user_management;
mod users;
mod verification;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use serde_json::Value;

use crate::error::Error;
use crate::function::{Deadline, FunctionLookup, Functions, Invocation};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::tokens::{Rejected, TokenUse};
use crate::pool::{Message, UserPool};
use crate::store::Store;
use crate::trigger::shared::with_caller_sdk;
use crate::trigger::{Decision, TriggerSource, Verdict};

pub use action::Action;
pub(crate) use auth::{issue_access_token, issue_refresh_token};
pub(crate) use delivery::{recovery_channel, verification_channel};

/// A pool shared between concurrent calls.
pub type PoolHandle = Arc<Mutex<UserPool>>;

/// Everything one trigger invocation involved: the event sent, what the function did, the verdict.
#[derive(Clone, Debug)]
pub struct TriggerRun {
    /// The trigger source of the event.
    pub trigger_source: TriggerSource,
    /// The LambdaConfig ARN (None when the pool has no such trigger and Cognito used its default).
    pub arn: Option<String>,
    /// The event sent (None when no function ran).
    pub event: Option<Value>,
    /// None when no function ran (no trigger configured, or none bound to the ARN).
    pub invocation: Option<Invocation>,
    /// Cognito's verdict on what the function did.
    pub verdict: Verdict,
}

/// The result of one API call replayed against the local pool.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The operation name, as called.
    pub action: String,
    /// The API response body, or the exception the caller gets.
    pub result: Result<Value, CognitoError>,
    /// Triggers in the order they ran.
    pub triggers: Vec<TriggerRun>,
    /// What the call did that a user may not expect (e.g. settings UpdateUserPool reset).
    pub warnings: Vec<String>,
    /// Messages delivered by this call (also appended to the pool's outbox).
    pub delivered: Vec<Message>,
}

impl Outcome {
    /// An outcome with this answer and no trigger runs, warnings or messages.
    pub fn new(action: &str, result: Result<Value, CognitoError>) -> Self {
        Outcome {
            action: action.to_string(),
            result,
            triggers: Vec::new(),
            warnings: Vec::new(),
            delivered: Vec::new(),
        }
    }

    /// Whether the call succeeded.
    pub fn is_success(&self) -> bool {
        self.result.is_ok()
    }

    /// The response body, when the call succeeded.
    pub fn response(&self) -> Option<&Value> {
        self.result.as_ref().ok()
    }

    /// The exception, when the call failed.
    pub fn error(&self) -> Option<&CognitoError> {
        self.result.as_ref().err()
    }

    /// The verdict that decided the call: the first rejecting one, else the last one.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.triggers
            .iter()
            .map(|t| &t.verdict)
            .find(|v| !v.is_accepted())
            .or_else(|| self.triggers.last().map(|t| &t.verdict))
    }

    /// Why the harness could not run a function, if that is what happened.
    pub fn harness_failure(&self) -> Option<&str> {
        self.triggers
            .iter()
            .find_map(|t| match &t.verdict.decision {
                Decision::HarnessFailure(m) => Some(m.as_str()),
                _ => None,
            })
    }
}

/// The local Cognito service: pools, the functions their triggers resolve to, and Cognito's deadline.
pub struct Cognito {
    pools: RwLock<HashMap<String, PoolHandle>>,
    functions: Arc<dyn FunctionLookup>,
    deadline: Deadline,
    /// Seconds added to the real clock (tests let codes expire).
    clock_offset: AtomicU64,
    /// Where tokens say they come from, before `/<pool id>` (None: Cognito's own URL).
    issuer_base: RwLock<Option<String>>,
    /// The state file (`serve --state`), written after every call that changed a pool.
    store: Option<Mutex<Store>>,
    /// Pools removed since the store was last written.
    removed_pools: Mutex<Vec<String>>,
}

impl Default for Cognito {
    fn default() -> Self {
        Cognito::new(Functions::new())
    }
}

impl Cognito {
    /// A service whose triggers resolve through `functions`.
    pub fn new(functions: impl FunctionLookup + 'static) -> Self {
        Cognito {
            pools: RwLock::new(HashMap::new()),
            functions: Arc::new(functions),
            deadline: Deadline::default(),
            clock_offset: AtomicU64::new(0),
            issuer_base: RwLock::new(None),
            store: None,
            removed_pools: Mutex::new(Vec::new()),
        }
    }

    /// Shares an existing lookup.
    pub fn with_lookup(functions: Arc<dyn FunctionLookup>) -> Self {
        Cognito {
            pools: RwLock::new(HashMap::new()),
            functions,
            deadline: Deadline::default(),
            clock_offset: AtomicU64::new(0),
            issuer_base: RwLock::new(None),
            store: None,
            removed_pools: Mutex::new(Vec::new()),
        }
    }

    /// Keeps every pool in `store` from now on: loads the pools it holds (replacing pools of the
    /// same id), and after each call that changes a pool writes the change before the call
    /// returns. Pools added before or after are written too. Returns the ids of the pools loaded.
    pub fn attach_store(&mut self, store: Store) -> Result<Vec<String>, Error> {
        let mut loaded = Vec::new();
        for state in store.load()? {
            let id = state.meta.id.clone();
            let pool = UserPool::restore(state).map_err(|message| Error::Read {
                file: store.path().to_path_buf(),
                message: format!("pool {id}: {message}"),
            })?;
            self.insert_pool(pool);
            loaded.push(id);
        }
        for pool in self.pools_snapshot() {
            let mut guard = lock(&pool);
            if !loaded.contains(&guard.id) {
                guard.keys().generate_now();
                guard.track_changes();
            }
        }
        self.store = Some(Mutex::new(store));
        self.persist()?;
        Ok(loaded)
    }

    /// Writes what changed in any pool since the last write to the state store, in one
    /// transaction (nothing to do without a store). [`Cognito::run`] calls it before it returns,
    /// so a change a caller saw acknowledged is on file.
    pub fn persist(&self) -> Result<(), Error> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        // Held from taking the changes to the commit: a call that finds its changes already
        // taken by another call's write waits here until that write is committed.
        let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
        let removed =
            std::mem::take(&mut *self.removed_pools.lock().unwrap_or_else(|p| p.into_inner()));
        let mut written = Vec::new();
        let mut deltas = Vec::new();
        for pool in self.pools_snapshot() {
            let mut guard = lock(&pool);
            if guard.has_changes() {
                deltas.extend(guard.take_changes());
                drop(guard);
                written.push(pool);
            }
        }
        if removed.is_empty() && deltas.is_empty() {
            return Ok(());
        }
        let result = store.write(&removed, &deltas);
        if result.is_err() {
            // Memory is ahead of the file: the next write rewrites these pools whole.
            for pool in written {
                lock(&pool).mark_all_changed();
            }
            self.removed_pools
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(removed);
        }
        result
    }

    /// Changes how long Cognito waits for a trigger (default 5 s × 3 attempts).
    pub fn set_deadline(&mut self, deadline: Deadline) {
        self.deadline = deadline;
    }

    /// How long Cognito waits for a trigger.
    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// Sets the issuer base of every pool's tokens: their `iss` becomes `<base>/<pool id>`, and
    /// the pool's JWKS is expected at `<base>/<pool id>/.well-known/jwks.json`. In-process the
    /// default is Cognito's own `https://cognito-idp.<region>.amazonaws.com`; `serve` sets its
    /// own URL (`http://127.0.0.1:PORT`), so verifiers can fetch the keys from it. Applies to
    /// pools already added and to pools added later; tokens issued before keep their `iss`.
    pub fn set_issuer_base(&self, base: impl Into<String>) {
        let base = base.into().trim_end_matches('/').to_string();
        *self.issuer_base.write().expect("issuer base") = Some(base.clone());
        for pool in self.pools_snapshot() {
            lock(&pool).set_issuer_base(Some(base.clone()));
        }
    }

    /// The `iss` of a pool's tokens (see [`Cognito::set_issuer_base`]).
    pub fn issuer(&self, pool_id: &str) -> Option<String> {
        self.with_pool(pool_id, UserPool::issuer)
    }

    /// A pool's JSON Web Key Set, as Cognito serves it at `/<pool id>/.well-known/jwks.json`:
    /// the public halves of the keys that sign its ID and access tokens.
    pub fn jwks(&self, pool_id: &str) -> Option<Value> {
        self.with_pool(pool_id, |pool| pool.keys().jwks())
    }

    /// A pool's OpenID Connect discovery document (`/<pool id>/.well-known/openid-configuration`):
    /// the members a verifier reads (`issuer`, `jwks_uri`, the signing algorithm).
    pub fn openid_configuration(&self, pool_id: &str) -> Option<Value> {
        let issuer = self.issuer(pool_id)?;
        Some(serde_json::json!({
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
            "response_types_supported": ["code", "token"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }))
    }

    /// Adds a pool and returns its id.
    pub fn add_pool(&self, mut pool: UserPool) -> String {
        if self.store.is_some() {
            // Made now, not on first use: the keys must be on file before a token they sign is.
            pool.keys().generate_now();
            pool.track_changes();
        }
        self.insert_pool(pool)
    }

    fn insert_pool(&self, mut pool: UserPool) -> String {
        pool.set_issuer_base(self.issuer_base.read().expect("issuer base").clone());
        let id = pool.id.clone();
        self.pools
            .write()
            .expect("pool registry")
            .insert(id.clone(), Arc::new(Mutex::new(pool)));
        id
    }

    /// Removes a pool (as DeleteUserPool does), returning it.
    pub fn remove_pool(&self, id: &str) -> Option<PoolHandle> {
        let removed = self.pools.write().expect("pool registry").remove(id);
        if removed.is_some() && self.store.is_some() {
            self.removed_pools
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(id.to_string());
        }
        removed
    }

    /// The pool with this id.
    pub fn pool(&self, id: &str) -> Option<PoolHandle> {
        self.pools.read().expect("pool registry").get(id).cloned()
    }

    /// The ids of every pool.
    pub fn pool_ids(&self) -> Vec<String> {
        self.pools
            .read()
            .expect("pool registry")
            .keys()
            .cloned()
            .collect()
    }

    /// Reads a pool: `f` runs under its lock.
    pub fn with_pool<R>(&self, id: &str, f: impl FnOnce(&UserPool) -> R) -> Option<R> {
        let pool = self.pool(id)?;
        let guard = lock(&pool);
        Some(f(&guard))
    }

    /// Changes a pool directly (seeding users, clients): `f` runs under its lock, no triggers fire.
    pub fn with_pool_mut<R>(&self, id: &str, f: impl FnOnce(&mut UserPool) -> R) -> Option<R> {
        let pool = self.pool(id)?;
        let mut guard = lock(&pool);
        let result = f(&mut guard);
        drop(guard);
        if let Err(e) = self.persist() {
            eprintln!("error: {e}");
        }
        Some(result)
    }

    /// The code (or temporary password) in the last message delivered to `username`, for the next
    /// step of a flow (ConfirmSignUp, VerifyUserAttribute, ConfirmForgotPassword, ...).
    pub fn last_code(&self, pool_id: &str, username: &str) -> Option<String> {
        self.with_pool(pool_id, |p| {
            p.last_message_to(username).and_then(|m| m.code.clone())
        })
        .flatten()
    }

    /// Replays one API call: `action` is the operation name (`AdminUpdateUserAttributes`),
    /// `request` its body as the AWS API takes it. An unknown name gets Cognito's
    /// UnknownOperationException.
    pub async fn call(&self, action: &str, request: &Value) -> Outcome {
        match Action::parse(action) {
            Ok(action) => self.run(action, request).await,
            Err(unknown) => Outcome::new(action, Err(unknown)),
        }
    }

    /// Replays one API call made through the AWS SDK `aws_sdk_version` (as Cognito names it in
    /// events: `aws-sdk-js-3.473.0`; see [`aws_sdk_version`](crate::aws_sdk_version) for deriving
    /// it from a user agent). [`call`](Self::call) sends `aws-sdk-unknown-unknown`.
    pub async fn call_from(&self, aws_sdk_version: &str, action: &str, request: &Value) -> Outcome {
        match Action::parse(action) {
            Ok(action) => self.run_from(aws_sdk_version, action, request).await,
            Err(unknown) => Outcome::new(action, Err(unknown)),
        }
    }

    /// Replays one API call of a known action made through the AWS SDK `aws_sdk_version`.
    pub async fn run_from(
        &self,
        aws_sdk_version: &str,
        action: Action,
        request: &Value,
    ) -> Outcome {
        with_caller_sdk(aws_sdk_version.to_string(), self.run(action, request)).await
    }

    /// Replays one API call of a known action. With a state store, what the call changed is
    /// written before this returns; a failed write turns the answer into InternalErrorException.
    pub async fn run(&self, action: Action, request: &Value) -> Outcome {
        let mut outcome = self.dispatch(action, request).await;
        if let Err(e) = self.persist() {
            outcome.result = Err(CognitoError::new(
                ErrorCode::InternalErrorException,
                format!("cognito-harness could not save the change: {e}"),
            ));
        }
        outcome
    }

    async fn dispatch(&self, action: Action, request: &Value) -> Outcome {
        match action {
            Action::AdminUpdateUserAttributes => self.admin_update_user_attributes(request).await,
            Action::UpdateUserAttributes => self.update_user_attributes(request).await,
            Action::UpdateUserPool => self.update_user_pool(request),
            Action::DescribeUserPool => self.describe_user_pool(request),
            Action::CreateUserPool => self.create_user_pool(request),
            Action::DeleteUserPool => self.delete_user_pool(request),
            Action::CreateUserPoolClient => self.create_user_pool_client(request),
            Action::DescribeUserPoolClient => self.describe_user_pool_client(request),
            Action::SignUp => self.sign_up(request).await,
            Action::ConfirmSignUp => self.confirm_sign_up(request).await,
            Action::AdminConfirmSignUp => self.admin_confirm_sign_up(request).await,
            Action::ResendConfirmationCode => self.resend_confirmation_code(request).await,
            Action::AdminCreateUser => self.admin_create_user(request).await,
            Action::ForgotPassword => self.forgot_password(request).await,
            Action::ConfirmForgotPassword => self.confirm_forgot_password(request).await,
            Action::AdminResetUserPassword => self.admin_reset_user_password(request).await,
            Action::GetUserAttributeVerificationCode => {
                self.get_user_attribute_verification_code(request).await
            }
            Action::VerifyUserAttribute => self.verify_user_attribute(request),
            Action::AdminGetUser => self.admin_get_user(request),
            Action::GetUser => self.get_user(request),
            Action::FederatedSignIn => self.federated_sign_in(request).await,
            Action::SendAuthenticationCode => self.send_authentication_code(request).await,
            Action::InitiateAuth => self.initiate_auth(request).await,
            Action::AdminInitiateAuth => self.admin_initiate_auth(request).await,
            Action::RespondToAuthChallenge => self.respond_to_auth_challenge(request).await,
            Action::AdminRespondToAuthChallenge => {
                self.admin_respond_to_auth_challenge(request).await
            }
            Action::AdminSetUserPassword => self.admin_set_user_password(request),
            Action::ListUsers => self.list_users(request),
            Action::AdminDeleteUser => self.admin_delete_user(request),
            Action::CreateGroup => self.create_group(request),
            Action::GetGroup => self.get_group(request),
            Action::UpdateGroup => self.update_group(request),
            Action::DeleteGroup => self.delete_group(request),
            Action::ListGroups => self.list_groups(request),
            Action::AdminAddUserToGroup => self.admin_add_user_to_group(request),
            Action::AdminRemoveUserFromGroup => self.admin_remove_user_from_group(request),
            Action::AdminListGroupsForUser => self.admin_list_groups_for_user(request),
            Action::ListUsersInGroup => self.list_users_in_group(request),
            Action::ChangePassword => self.change_password(request),
            Action::GlobalSignOut => self.global_sign_out(request),
            Action::AdminUserGlobalSignOut => self.admin_user_global_sign_out(request),
            Action::RevokeToken => self.revoke_token(request),
            Action::DeleteUser => self.delete_user(request),
            Action::AdminDisableUser => self.admin_disable_user(request),
            Action::AdminEnableUser => self.admin_enable_user(request),
            Action::DeleteUserAttributes => self.delete_user_attributes(request),
            Action::AdminDeleteUserAttributes => self.admin_delete_user_attributes(request),
            Action::ListUserPools => self.list_user_pools(request),
            Action::ListUserPoolClients => self.list_user_pool_clients(request),
            Action::UpdateUserPoolClient => self.update_user_pool_client(request),
            Action::DeleteUserPoolClient => self.delete_user_pool_client(request),
            Action::AssociateSoftwareToken => self.associate_software_token(request),
            Action::VerifySoftwareToken => self.verify_software_token(request),
            Action::SetUserMFAPreference => self.set_user_mfa_preference(request),
            Action::AdminSetUserMFAPreference => self.admin_set_user_mfa_preference(request),
            Action::SetUserPoolMfaConfig => self.set_user_pool_mfa_config(request),
            Action::GetUserPoolMfaConfig => self.get_user_pool_mfa_config(request),
        }
    }

    /// The pool named by a request's `UserPoolId`, or ResourceNotFoundException.
    pub(crate) fn require_pool(&self, id: &str) -> Result<PoolHandle, CognitoError> {
        self.pool(id).ok_or_else(|| pool_not_found(id))
    }

    /// ResourceNotFoundException unless `pool` is still the registered pool with its id: a call
    /// that ran triggers with the lock released checks this at commit (DeleteUserPool may have
    /// removed it meanwhile). Called with the pool's lock held (`guard`); the registry lock is
    /// never held while waiting for a pool's lock, so this cannot deadlock.
    pub(crate) fn ensure_still_registered(
        &self,
        pool: &PoolHandle,
        guard: &UserPool,
    ) -> Result<(), CognitoError> {
        let registered = self.pools.read().expect("pool registry");
        match registered.get(&guard.id) {
            Some(current) if Arc::ptr_eq(current, pool) => Ok(()),
            _ => Err(pool_not_found(&guard.id)),
        }
    }

    /// Every pool, taken out of the registry so no registry lock is held while one is locked.
    fn pools_snapshot(&self) -> Vec<PoolHandle> {
        self.pools
            .read()
            .expect("pool registry")
            .values()
            .cloned()
            .collect()
    }

    /// The pool that issued an access token, with the grant, or NotAuthorizedException: the
    /// pool must remember the token (it issued it, and it was not revoked with its user), its
    /// signature must verify with the pool's access-token key, and it must not have expired on
    /// Cognito's clock (§T.5).
    pub(crate) fn pool_for_token(
        &self,
        token: &str,
    ) -> Result<(PoolHandle, crate::pool::AccessGrant), CognitoError> {
        let now = self.now();
        for pool in self.pools_snapshot() {
            let guard = lock(&pool);
            let Some(grant) = guard.access_grant(token).cloned() else {
                if guard.is_revoked(token) {
                    return Err(revoked_access_token());
                }
                continue;
            };
            let verified = guard.keys().verify(TokenUse::Access, token, now);
            drop(guard);
            return match verified {
                Ok(_) => Ok((pool, grant)),
                Err(Rejected::Expired) => Err(CognitoError::new(
                    ErrorCode::NotAuthorizedException,
                    "Access Token has expired",
                )),
                Err(Rejected::Invalid) => Err(invalid_access_token()),
            };
        }
        Err(invalid_access_token())
    }

    /// Seconds since the epoch on Cognito's clock (real time plus [`Cognito::advance_clock`]).
    pub fn now(&self) -> u64 {
        crate::pool::now_seconds() as u64 + self.clock_offset.load(Ordering::Relaxed)
    }

    /// Moves Cognito's clock forward, e.g. to let codes expire in a test.
    pub fn advance_clock(&self, seconds: u64) {
        self.clock_offset.fetch_add(seconds, Ordering::Relaxed);
    }

    /// The pool an app client belongs to, or ResourceNotFoundException.
    pub(crate) fn pool_for_client(&self, client_id: &str) -> Result<PoolHandle, CognitoError> {
        self.pools_snapshot()
            .into_iter()
            .find(|p| lock(p).client(client_id).is_some())
            .ok_or_else(|| {
                CognitoError::new(
                    ErrorCode::ResourceNotFoundException,
                    format!("User pool client {client_id} does not exist."),
                )
            })
    }
}

/// Locks a pool; a panic in another call while it held the lock does not make the pool unusable.
pub(crate) fn lock(pool: &PoolHandle) -> MutexGuard<'_, UserPool> {
    pool.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn pool_not_found(id: &str) -> CognitoError {
    CognitoError::new(
        ErrorCode::ResourceNotFoundException,
        format!("User pool {id} does not exist."),
    )
}

/// NotAuthorizedException `Invalid Access Token`: a token the harness did not issue (or no longer
/// remembers), or whose signature does not verify.
fn invalid_access_token() -> CognitoError {
    CognitoError::new(ErrorCode::NotAuthorizedException, "Invalid Access Token")
}

/// NotAuthorizedException `Access Token has been revoked`: signed out (GlobalSignOut,
/// AdminUserGlobalSignOut), revoked with its refresh token, or its user disabled (§SU).
fn revoked_access_token() -> CognitoError {
    CognitoError::new(
        ErrorCode::NotAuthorizedException,
        "Access Token has been revoked",
    )
}

pub(crate) fn user_not_found() -> CognitoError {
    CognitoError::new(ErrorCode::UserNotFoundException, "User does not exist.")
}

/// The text client-side calls use for an unknown user.
pub(crate) fn client_user_not_found() -> CognitoError {
    CognitoError::new(
        ErrorCode::UserNotFoundException,
        "Username/client id combination not found.",
    )
}
