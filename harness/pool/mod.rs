//! The local user pool: configuration, users, app clients, issued access tokens and the outbox of
//! delivered messages. Pure data: no I/O and no trigger calls (those live in `actions`).

pub mod challenges;
mod changes;
pub mod config;
pub mod defaults;
pub mod groups;
mod index;
pub mod mfa;
pub mod schema;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::model::tokens::PoolKeys;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use crate::model::tokens::ExportedKeys;
pub use challenges::{ChallengeRound, CustomAuthSession, SrpSession};
use changes::Changes;
pub use changes::{PoolDelta, PoolMeta, PoolState};
pub use config::PoolConfig;
pub use groups::{Group, Groups, Membership};
use index::UserIndex;
pub use index::UserMut;
pub use mfa::{EmailMfaConfiguration, MfaFactors, MfaSession, MfaSettings, MfaType};
pub use schema::Schema;

/// The ExplicitAuthFlows of a client made with [`UserPool::add_client`] (scenario and test
/// clients): every flow, so a scenario can sign in with a password.
const EVERY_AUTH_FLOW: [&str; 5] = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_SRP_AUTH",
];

/// The account id used in ARNs the harness makes up.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";
/// The region of pools that do not name one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// A user's status as Cognito reports it (`cognito:user_status`, `UserStatus`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    /// `UNCONFIRMED`: signed up, not yet confirmed.
    Unconfirmed,
    /// `CONFIRMED`.
    Confirmed,
    /// `FORCE_CHANGE_PASSWORD`: created by AdminCreateUser, must set a new password.
    ForceChangePassword,
    /// `RESET_REQUIRED`: must reset the password (AdminResetUserPassword).
    ResetRequired,
    /// `EXTERNAL_PROVIDER`: signed in through an external identity provider.
    ExternalProvider,
}

impl UserStatus {
    /// The status as Cognito writes it (`CONFIRMED`).
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Unconfirmed => "UNCONFIRMED",
            UserStatus::Confirmed => "CONFIRMED",
            UserStatus::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            UserStatus::ResetRequired => "RESET_REQUIRED",
            UserStatus::ExternalProvider => "EXTERNAL_PROVIDER",
        }
    }
}

/// What a code was issued for; a new code for the same purpose replaces the old one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CodePurpose {
    /// The sign-up confirmation code (ConfirmSignUp).
    ConfirmSignUp,
    /// The password-reset code (ConfirmForgotPassword).
    ForgotPassword,
    /// Verifying an attribute (`email` or `phone_number`).
    VerifyAttribute(String),
    /// A sign-in (MFA/OTP) code.
    Authentication,
}

/// A code the harness generated and sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCode {
    /// The code as sent.
    pub code: String,
    /// Seconds since the epoch after which the code is expired.
    pub expires_at: u64,
}

/// A user of the pool. A state store (`serve --state`) keeps it whole as JSON; members missing
/// from a saved user (added to the struct since) take their [`Default`] value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    /// The username (for email/phone-username pools, the `sub`).
    pub username: String,
    /// The user's immutable `sub`.
    pub sub: String,
    /// Stored attributes except `sub`, in the order they were set; values are strings, as Cognito
    /// stores them (`email_verified` is `"true"`).
    pub attributes: IndexMap<String, String>,
    /// The user's status.
    pub status: UserStatus,
    /// Whether the user is enabled.
    pub enabled: bool,
    /// The password, if one is set.
    pub password: Option<String>,
    /// Values waiting for verification (AttributesRequireVerificationBeforeUpdate).
    pub pending: BTreeMap<String, String>,
    /// The codes sent and not yet used, by what they are for.
    #[serde(with = "changes::codes_as_list")]
    pub codes: BTreeMap<CodePurpose, IssuedCode>,
    /// Creation time, epoch seconds.
    pub created: f64,
    /// Last change, epoch seconds.
    pub last_modified: f64,
    /// MFA settings and the authenticator-app secret (§MFA).
    pub mfa: MfaSettings,
}

impl Default for User {
    /// A confirmed, enabled user with no name, `sub` or attributes (what a saved user lacking a
    /// member falls back to).
    fn default() -> Self {
        User {
            username: String::new(),
            sub: String::new(),
            attributes: IndexMap::new(),
            status: UserStatus::Confirmed,
            enabled: true,
            password: None,
            pending: BTreeMap::new(),
            codes: BTreeMap::new(),
            created: 0.0,
            last_modified: 0.0,
            mfa: MfaSettings::default(),
        }
    }
}

impl User {
    /// A confirmed, enabled user with a fresh `sub` and no attributes.
    pub fn new(username: impl Into<String>) -> Self {
        let now = now_seconds();
        User {
            username: username.into(),
            sub: crate::ids::uuid_v4().to_string(),
            attributes: IndexMap::new(),
            status: UserStatus::Confirmed,
            enabled: true,
            password: None,
            pending: BTreeMap::new(),
            codes: BTreeMap::new(),
            created: now,
            last_modified: now,
            mfa: MfaSettings::default(),
        }
    }

    /// Sets an attribute, for seeding users in tests: `User::new("alice").with_attribute("email", "a@example.com")`.
    pub fn with_attribute(mut self, name: &str, value: &str) -> Self {
        self.attributes.insert(name.to_string(), value.to_string());
        self
    }

    /// An attribute's value.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        if name == "sub" {
            return Some(&self.sub);
        }
        self.attributes.get(name).map(String::as_str)
    }

    /// Whether `<attribute>_verified` is `true`.
    pub fn is_verified(&self, attribute: &str) -> bool {
        self.attribute(&format!("{attribute}_verified")) == Some("true")
    }

    /// The attributes as API responses list them: `[{"Name", "Value"}]`, `sub` first.
    pub fn attribute_list(&self) -> Value {
        let mut list = vec![json!({"Name": "sub", "Value": self.sub})];
        list.extend(
            self.attributes
                .iter()
                .map(|(n, v)| json!({"Name": n, "Value": v})),
        );
        Value::Array(list)
    }
}

/// An app client (CreateUserPoolClient).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppClient {
    /// The client id.
    pub client_id: String,
    /// The client name.
    pub client_name: String,
    /// The client secret, for clients made with GenerateSecret.
    pub client_secret: Option<String>,
    /// ExplicitAuthFlows, as configured.
    pub explicit_auth_flows: Vec<String>,
}

/// What an access token the harness issued stands for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessGrant {
    /// The user the token stands for.
    pub username: String,
    /// The app client the token was issued through.
    pub client_id: String,
}

/// What a refresh token the harness issued stands for: the sign-in it continues.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RefreshGrant {
    /// The user who signed in.
    pub username: String,
    /// The app client they signed in through.
    pub client_id: String,
    /// When they authenticated (epoch seconds): refreshed tokens keep it as `auth_time`.
    pub auth_time: u64,
    /// The sign-in's first token id: refreshed tokens keep it as `origin_jti`.
    pub origin_jti: String,
}

/// The channel a message goes out on.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DeliveryMedium {
    /// E-mail, to the `email` attribute.
    Email,
    /// SMS, to the `phone_number` attribute.
    Sms,
}

impl DeliveryMedium {
    /// `EMAIL` or `SMS`, as in CodeDeliveryDetails.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMedium::Email => "EMAIL",
            DeliveryMedium::Sms => "SMS",
        }
    }

    /// The attribute a message on this channel goes to.
    pub fn attribute(self) -> &'static str {
        match self {
            DeliveryMedium::Email => "email",
            DeliveryMedium::Sms => "phone_number",
        }
    }
}

/// A message as the user would receive it (placeholders substituted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// The recipient's username.
    pub username: String,
    /// The channel it went out on.
    pub medium: DeliveryMedium,
    /// The email address or phone number it went to.
    pub destination: String,
    /// The trigger source of the message: CustomMessage's (`CustomMessage_SignUp`), or the custom
    /// sender's that delivered it (`CustomEmailSender_SignUp`, cognito-semantics.md §CS.5).
    pub trigger_source: String,
    /// The e-mail subject (none for SMS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The body, with the code (and username, link) substituted.
    pub body: String,
    /// The code (or temporary password) the message carries, for the next step of a flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A local user pool.
#[derive(Clone, Debug)]
pub struct UserPool {
    /// The pool id (`<region>_<suffix>`).
    pub id: String,
    /// The pool's region.
    pub region: String,
    /// The AWS account id in the pool's ARN.
    pub account_id: String,
    /// The configuration, in the CreateUserPool/UpdateUserPool shape.
    pub config: PoolConfig,
    /// The attribute schema (standard and custom attributes).
    pub schema: Schema,
    /// Creation time, epoch seconds.
    pub created: f64,
    /// Last configuration change, epoch seconds.
    pub last_modified: f64,
    /// Counts [`UserPool::set_config`] calls, so a call that judged a message against the
    /// configuration can tell at commit whether it is still the one in force.
    config_version: u64,
    users: BTreeMap<String, User>,
    /// The users by `sub` and by alias value, kept in step with `users` (see [`UserIndex`]).
    index: UserIndex,
    clients: BTreeMap<String, AppClient>,
    tokens: HashMap<String, AccessGrant>,
    /// Access tokens revoked before they expired (kept for their lifetime, to say so).
    revoked: HashMap<String, ()>,
    /// Sign-in sessions waiting for a challenge answer, with their expiry (epoch seconds).
    sessions: HashMap<String, (AccessGrant, u64)>,
    /// Custom-authentication sign-ins waiting for a challenge answer, with their expiry.
    custom_auth_sessions: HashMap<String, (CustomAuthSession, u64)>,
    /// Sign-ins waiting for their second factor: the session, its expiry, whether it was used.
    mfa_sessions: HashMap<String, (MfaSession, u64, bool)>,
    /// The MFA factors the pool offers besides SMS (SetUserPoolMfaConfig). Changed through
    /// [`UserPool::set_mfa_factors`] once the pool is served, so a state store sees the change.
    pub mfa_factors: MfaFactors,
    /// SRP sign-ins waiting for their PASSWORD_VERIFIER answer, by SECRET_BLOCK, with expiry.
    srp_sessions: HashMap<String, (SrpSession, u64)>,
    /// Refresh tokens the pool issued.
    refresh_tokens: HashMap<String, RefreshGrant>,
    /// The keys that sign the pool's tokens, made on first use.
    keys: PoolKeys,
    /// Where the pool's tokens say they come from, before `/<pool id>` (None: Cognito's own
    /// `https://cognito-idp.<region>.amazonaws.com`).
    issuer_base: Option<String>,
    /// The order tokens and sessions were issued in, so the expired and the oldest go first.
    issued: Issued,
    outbox: Vec<Message>,
    /// The UserPoolClient descriptions of clients made with CreateUserPoolClient, by client id.
    client_descriptions: HashMap<String, Value>,
    /// The pool's groups and their members.
    pub groups: Groups,
    /// Messages delivered since the pool was made (the outbox's next sequence number).
    delivered: u64,
    /// What changed since a state store last saved the pool; None when no store keeps it.
    changes: Option<Box<Changes>>,
}

impl UserPool {
    /// A pool with the given configuration (CreateUserPool's request members) in `region`.
    pub fn new(region: &str, config: PoolConfig) -> Self {
        let id = format!("{region}_{}", crate::model::tokens::random_alphanumeric(9));
        Self::with_id(id, config)
    }

    /// A pool with a fixed id (`<region>_<suffix>`), for reproducible tests and scenarios.
    pub fn with_id(id: impl Into<String>, config: PoolConfig) -> Self {
        let id = id.into();
        let region = id
            .split('_')
            .next()
            .filter(|r| !r.is_empty())
            .unwrap_or(DEFAULT_REGION)
            .to_string();
        let now = now_seconds();
        let schema = Schema::from_config(config.schema.as_deref().unwrap_or_default());
        UserPool {
            id,
            region,
            account_id: DEFAULT_ACCOUNT_ID.to_string(),
            config,
            schema,
            created: now,
            last_modified: now,
            config_version: 0,
            users: BTreeMap::new(),
            index: UserIndex::default(),
            clients: BTreeMap::new(),
            tokens: HashMap::new(),
            revoked: HashMap::new(),
            sessions: HashMap::new(),
            custom_auth_sessions: HashMap::new(),
            mfa_sessions: HashMap::new(),
            mfa_factors: MfaFactors::default(),
            srp_sessions: HashMap::new(),
            refresh_tokens: HashMap::new(),
            keys: PoolKeys::new(),
            issuer_base: None,
            issued: Issued::default(),
            outbox: Vec::new(),
            client_descriptions: HashMap::new(),
            groups: Groups::default(),
            delivered: 0,
            changes: None,
        }
    }

    /// The pool's ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:cognito-idp:{}:{}:userpool/{}",
            self.region, self.account_id, self.id
        )
    }

    /// Replaces the configuration (UpdateUserPool), keeping the CreateUserPool-only members.
    pub fn set_config(&mut self, config: PoolConfig) {
        self.touch_meta();
        self.config = config;
        self.last_modified = now_seconds();
        self.config_version += 1;
    }

    /// Replaces the MFA factors the pool offers (SetUserPoolMfaConfig).
    pub fn set_mfa_factors(&mut self, factors: MfaFactors) {
        self.touch_meta();
        self.mfa_factors = factors;
    }

    /// Which configuration is in force: changes with every [`UserPool::set_config`].
    pub fn config_version(&self) -> u64 {
        self.config_version
    }

    // ---- users ----

    /// Every user, by username.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    /// Finds a user by username, `sub`, or a sign-in alias (the email/phone of a UsernameAttributes
    /// pool, or a verified alias), as `Username` parameters accept (cognito-semantics.md §4.2).
    /// Indexed: the cost does not grow with the number of users.
    pub fn find_user(&self, name: &str) -> Option<&User> {
        self.user_key(name).and_then(|k| self.users.get(&k))
    }

    /// [`UserPool::find_user`], for changing the user: the guard puts the user's index entries
    /// back in step when it is dropped, so lookups by `sub` and alias never see stale values.
    pub fn find_user_mut(&mut self, name: &str) -> Option<UserMut<'_>> {
        let key = self.user_key(name)?;
        let user = self.users.get_mut(&key)?;
        if let Some(changes) = self.changes.as_deref_mut() {
            changes.users.insert(key.clone());
        }
        Some(UserMut::new(user, &mut self.index, key))
    }

    /// The user with this `sub`.
    pub fn user_by_sub(&self, sub: &str) -> Option<&User> {
        self.index.by_sub(sub).and_then(|k| self.users.get(k))
    }

    /// Every user whose `attribute` (`email`, `phone_number`, `preferred_username`) is `value`,
    /// verified or not, in username order; None when that attribute is not indexed.
    pub fn users_with(&self, attribute: &str, value: &str) -> Option<Vec<&User>> {
        let keys = self.index.holders(attribute, value)?;
        Some(keys.filter_map(|k| self.users.get(k)).collect())
    }

    /// The user stored under exactly this username (normalized as the pool compares usernames),
    /// not looked up by `sub` or alias.
    pub fn user_named(&self, username: &str) -> Option<&User> {
        self.users.get(&self.normalize_username(username))
    }

    /// Whether `user` can sign in with their `attribute` (`email`, `phone_number`): always when
    /// the pool's UsernameAttributes list it (a name, unique whether verified or not: sign-up
    /// refuses a duplicate), once verified when AliasAttributes do.
    pub fn signs_in_with(&self, user: &User, attribute: &str) -> bool {
        self.config.is_username_attribute(attribute)
            || self.config.is_sign_in_alias(attribute) && user.is_verified(attribute)
    }

    fn user_key(&self, name: &str) -> Option<String> {
        let key = self.normalize_username(name);
        if self.users.contains_key(&key) {
            return Some(key);
        }
        if let Some(key) = self.index.by_sub(name) {
            return Some(key.clone());
        }
        ["email", "phone_number"].into_iter().find_map(|attr| {
            self.index.holders(attr, name)?.find_map(|k| {
                let user = self.users.get(k)?;
                self.signs_in_with(user, attr).then(|| k.clone())
            })
        })
    }

    /// Usernames are case-insensitive unless the pool says otherwise.
    fn normalize_username(&self, name: &str) -> String {
        let case_sensitive = self
            .config
            .username_configuration
            .as_ref()
            .and_then(|c| c.case_sensitive)
            .unwrap_or(false);
        if case_sensitive {
            name.to_string()
        } else {
            name.to_lowercase()
        }
    }

    /// Stores a user, replacing one with the same username.
    pub fn put_user(&mut self, user: User) {
        let key = self.normalize_username(&user.username);
        if let Some(old) = self.users.get(&key) {
            self.index.remove(&key, old);
        }
        self.index.insert(&key, &user);
        if let Some(changes) = self.changes.as_deref_mut() {
            changes.users.insert(key.clone());
        }
        self.users.insert(key, user);
    }

    /// Removes a user (found as [`UserPool::find_user`] finds it), with everything that stood
    /// for them: access and refresh tokens, sign-in sessions and group memberships, so nothing
    /// of theirs signs in a later user of the same name.
    pub fn remove_user(&mut self, name: &str) -> Option<User> {
        let key = self.user_key(name)?;
        let user = self.users.remove(&key)?;
        self.index.remove(&key, &user);
        let changes = self.changes.as_deref_mut();
        let (access, refresh) = match changes {
            Some(c) => {
                c.users.insert(key.clone());
                (Some(&mut c.access), Some(&mut c.refresh))
            }
            None => (None, None),
        };
        retain_tracked(&mut self.tokens, access, |g| g.username != user.username);
        retain_tracked(&mut self.refresh_tokens, refresh, |g| {
            g.username != user.username
        });
        self.sessions
            .retain(|_, (g, _)| g.username != user.username);
        self.mfa_sessions
            .retain(|_, (s, _, _)| s.username != user.username);
        self.groups.forget_member(&user.sub);
        Some(user)
    }

    /// The user (other than `except`) holding `value` as a verified sign-in alias of `attribute`.
    pub fn alias_holder(&self, attribute: &str, value: &str, except: &str) -> Option<&User> {
        if !self.config.is_sign_in_alias(attribute) {
            return None;
        }
        self.index
            .holders(attribute, value)?
            .filter_map(|k| self.users.get(k))
            .find(|u| u.username != except && u.is_verified(attribute))
    }

    // ---- app clients and tokens ----

    /// Adds an app client named `client_name` with a fresh id and every auth flow allowed (a
    /// client made by CreateUserPoolClient without ExplicitAuthFlows allows fewer).
    pub fn add_client(&mut self, client_name: &str) -> AppClient {
        let client = AppClient {
            client_id: random_lowercase_alphanumeric(26),
            client_name: client_name.to_string(),
            client_secret: None,
            explicit_auth_flows: EVERY_AUTH_FLOW.iter().map(|f| f.to_string()).collect(),
        };
        self.touch_meta();
        self.clients
            .insert(client.client_id.clone(), client.clone());
        client
    }

    /// Stores the `UserPoolClient` description CreateUserPoolClient answered with.
    pub fn put_client_description(&mut self, client_id: &str, description: Value) {
        self.touch_meta();
        self.client_descriptions
            .insert(client_id.to_string(), description);
    }

    /// The `UserPoolClient` description of a client made with CreateUserPoolClient.
    pub fn client_description(&self, client_id: &str) -> Option<&Value> {
        self.client_descriptions.get(client_id)
    }

    /// Whether the client hides which users exist (`PreventUserExistenceErrors` ENABLED). Clients
    /// made with CreateUserPoolClient say so in their description (LEGACY unless asked);
    /// clients added from Rust or seeded by a scenario behave as the console creates them,
    /// ENABLED.
    pub fn prevents_user_existence_errors(&self, client_id: &str) -> bool {
        self.client_description(client_id)
            .and_then(|d| d.get("PreventUserExistenceErrors"))
            .and_then(Value::as_str)
            .is_none_or(|setting| setting == "ENABLED")
    }

    /// Adds (or replaces) an app client as given.
    pub fn put_client(&mut self, client: AppClient) {
        self.touch_meta();
        self.clients.insert(client.client_id.clone(), client);
    }

    /// The app client with this id.
    pub fn client(&self, client_id: &str) -> Option<&AppClient> {
        self.clients.get(client_id)
    }

    /// Every app client.
    pub fn clients(&self) -> impl Iterator<Item = &AppClient> {
        self.clients.values()
    }

    /// Remembers an access token the pool issued for `username` through `client_id`.
    pub fn remember_access_token(&mut self, token: &str, username: &str, client_id: &str) {
        let grant = AccessGrant {
            username: username.to_string(),
            client_id: client_id.to_string(),
        };
        self.tokens.insert(token.to_string(), grant);
        let mut touched = self.changes.as_deref_mut().map(|c| &mut c.access);
        if let Some(t) = touched.as_deref_mut() {
            t.insert(token.to_string());
        }
        // Real time, not Cognito's (advanceable) clock: never forgets a token still valid there.
        let now = now_seconds() as u64;
        let expires_at = now + crate::model::tokens::TOKEN_LIFETIME_SECONDS;
        self.issued
            .access
            .push_back((expires_at, token.to_string()));
        forget_expired(
            &mut self.issued.access,
            &mut self.tokens,
            touched,
            now,
            MAX_ACCESS_TOKENS,
        );
    }

    /// Starts a sign-in session waiting for a challenge answer (NEW_PASSWORD_REQUIRED); it
    /// expires after `lifetime` seconds.
    pub fn start_session(
        &mut self,
        username: &str,
        client_id: &str,
        now: u64,
        lifetime: u64,
    ) -> String {
        let session = crate::model::tokens::random_alphanumeric(64);
        let grant = AccessGrant {
            username: username.to_string(),
            client_id: client_id.to_string(),
        };
        self.sessions
            .insert(session.clone(), (grant, now + lifetime));
        self.issued
            .sessions
            .push_back((now + lifetime, session.clone()));
        forget_expired(
            &mut self.issued.sessions,
            &mut self.sessions,
            None,
            now,
            MAX_SESSIONS,
        );
        session
    }

    /// Ends a session and says whom it was for, if it exists and has not expired.
    pub fn take_session(&mut self, session: &str, now: u64) -> Option<AccessGrant> {
        let (grant, expires_at) = self.sessions.remove(session)?;
        (expires_at >= now).then_some(grant)
    }

    /// Starts (or continues under a new key) a custom-authentication session; it expires after
    /// `lifetime` seconds. Each answer ends the session it named and gets a new one.
    pub fn start_custom_auth_session(
        &mut self,
        session: CustomAuthSession,
        now: u64,
        lifetime: u64,
    ) -> String {
        let key = crate::model::tokens::random_alphanumeric(64);
        self.custom_auth_sessions
            .insert(key.clone(), (session, now + lifetime));
        key
    }

    /// Ends a custom-authentication session and returns it, if it exists and has not expired.
    pub fn take_custom_auth_session(&mut self, key: &str, now: u64) -> Option<CustomAuthSession> {
        let (session, expires_at) = self.custom_auth_sessions.remove(key)?;
        (expires_at >= now).then_some(session)
    }

    /// Starts a sign-in session waiting for its second factor; it expires after `lifetime`
    /// seconds. Expired and used sessions are forgotten as new ones start.
    pub fn start_mfa_session(&mut self, session: MfaSession, now: u64, lifetime: u64) -> String {
        let key = crate::model::tokens::random_alphanumeric(64);
        self.mfa_sessions
            .retain(|_, (_, expires_at, _)| *expires_at >= now);
        if self.mfa_sessions.len() >= MAX_SESSIONS {
            return key; // full: this session is never found (assumed; 100,000 pending sign-ins)
        }
        self.mfa_sessions
            .insert(key.clone(), (session, now + lifetime, false));
        key
    }

    /// The sign-in waiting under `key`, without using it up.
    pub fn mfa_session(&self, key: &str, now: u64) -> Result<&MfaSession, SessionState> {
        match self.mfa_sessions.get(key) {
            None => Err(SessionState::Unknown),
            Some((_, _, true)) => Err(SessionState::Used),
            Some((_, expires_at, _)) if *expires_at < now => Err(SessionState::Expired),
            Some((session, _, _)) => Ok(session),
        }
    }

    /// Uses up the session under `key` (it is then [`SessionState::Used`] until it expires).
    pub fn use_mfa_session(&mut self, key: &str, now: u64) -> Result<MfaSession, SessionState> {
        self.mfa_session(key, now)?;
        let (session, _, used) = self
            .mfa_sessions
            .get_mut(key)
            .ok_or(SessionState::Unknown)?;
        *used = true;
        Ok(session.clone())
    }

    /// Changes the session under `key` in place (VerifySoftwareToken during MFA_SETUP).
    pub fn update_mfa_session(&mut self, key: &str, f: impl FnOnce(&mut MfaSession)) {
        if let Some((session, _, _)) = self.mfa_sessions.get_mut(key) {
            f(session);
        }
    }

    /// Starts an SRP sign-in waiting for its PASSWORD_VERIFIER answer under `secret_block`; it
    /// expires after `lifetime` seconds. Expired ones are dropped as new ones start.
    pub fn start_srp_session(
        &mut self,
        secret_block: &str,
        session: SrpSession,
        now: u64,
        lifetime: u64,
    ) {
        self.srp_sessions
            .retain(|_, (_, expires_at)| *expires_at >= now);
        self.srp_sessions
            .insert(secret_block.to_string(), (session, now + lifetime));
    }

    /// Ends the SRP sign-in of `secret_block` and returns it, if it exists and has not expired.
    pub fn take_srp_session(&mut self, secret_block: &str, now: u64) -> Option<SrpSession> {
        let (session, expires_at) = self.srp_sessions.remove(secret_block)?;
        (expires_at >= now).then_some(session)
    }

    /// Remembers a refresh token the pool issued.
    pub fn remember_refresh_token(&mut self, token: &str, grant: RefreshGrant) {
        self.refresh_tokens.insert(token.to_string(), grant);
        let mut touched = self.changes.as_deref_mut().map(|c| &mut c.refresh);
        if let Some(t) = touched.as_deref_mut() {
            t.insert(token.to_string());
        }
        // Kept until the cap, not for their 30-day validity: a day of sign-ins would not fit.
        self.issued.refresh.push_back((u64::MAX, token.to_string()));
        forget_expired(
            &mut self.issued.refresh,
            &mut self.refresh_tokens,
            touched,
            0,
            MAX_REFRESH_TOKENS,
        );
    }

    /// Forgets tokens the pool issued but never handed out (a trigger withheld them): they stand
    /// for nothing afterwards.
    pub fn forget_tokens(&mut self, access_token: &str, refresh_token: &str) {
        self.tokens.remove(access_token);
        self.refresh_tokens.remove(refresh_token);
        if let Some(changes) = self.changes.as_deref_mut() {
            changes.access.insert(access_token.to_string());
            changes.refresh.insert(refresh_token.to_string());
        }
    }

    /// What a refresh token stands for, if this pool issued it and its user still exists.
    pub fn refresh_grant(&self, token: &str) -> Option<&RefreshGrant> {
        self.refresh_tokens
            .get(token)
            .filter(|g| self.find_user(&g.username).is_some())
    }

    /// What an access token stands for, if this pool issued it and its user still exists.
    pub fn access_grant(&self, token: &str) -> Option<&AccessGrant> {
        self.tokens
            .get(token)
            .filter(|g| self.find_user(&g.username).is_some())
    }

    /// Signs a user out everywhere (GlobalSignOut, AdminUserGlobalSignOut): their access tokens
    /// become revoked (see [`UserPool::is_revoked`]) and their refresh tokens are forgotten.
    pub fn sign_out_everywhere(&mut self, username: &str) {
        self.revoke_access_tokens(|g| g.username == username);
        let touched = self.changes.as_deref_mut().map(|c| &mut c.refresh);
        retain_tracked(&mut self.refresh_tokens, touched, |g| {
            g.username != username
        });
    }

    /// Revokes the user's access tokens, keeping their refresh tokens (AdminDisableUser).
    pub fn revoke_user_access_tokens(&mut self, username: &str) {
        self.revoke_access_tokens(|g| g.username == username);
    }

    /// Revokes a refresh token (RevokeToken) and the access tokens its user got through the same
    /// client; returns what it stood for, None when the pool does not know it.
    pub fn revoke_refresh_token(&mut self, token: &str) -> Option<RefreshGrant> {
        let grant = self.refresh_tokens.remove(token)?;
        if let Some(changes) = self.changes.as_deref_mut() {
            changes.refresh.insert(token.to_string());
        }
        self.revoke_access_tokens(|g| {
            g.username == grant.username && g.client_id == grant.client_id
        });
        Some(grant)
    }

    /// Whether an access token the pool issued was revoked (signed out, RevokeToken, the user
    /// disabled) within its lifetime.
    pub fn is_revoked(&self, access_token: &str) -> bool {
        self.revoked.contains_key(access_token)
    }

    fn revoke_access_tokens(&mut self, matching: impl Fn(&AccessGrant) -> bool) {
        let revoked: Vec<String> = self
            .tokens
            .iter()
            .filter(|(_, g)| matching(g))
            .map(|(t, _)| t.clone())
            .collect();
        let now = now_seconds() as u64;
        for token in revoked {
            self.tokens.remove(&token);
            if let Some(changes) = self.changes.as_deref_mut() {
                changes.access.insert(token.clone());
                changes.revoked.insert(token.clone());
            }
            self.revoked.insert(token.clone(), ());
            let expires_at = now + crate::model::tokens::TOKEN_LIFETIME_SECONDS;
            self.issued.revoked.push_back((expires_at, token));
        }
        forget_expired(
            &mut self.issued.revoked,
            &mut self.revoked,
            self.changes.as_deref_mut().map(|c| &mut c.revoked),
            now,
            MAX_ACCESS_TOKENS,
        );
    }

    /// Removes an app client (DeleteUserPoolClient) with its description.
    pub fn remove_client(&mut self, client_id: &str) -> Option<AppClient> {
        self.touch_meta();
        self.client_descriptions.remove(client_id);
        self.clients.remove(client_id)
    }

    /// The keys that sign the pool's tokens (and that its JWKS publishes).
    pub(crate) fn keys(&self) -> &PoolKeys {
        &self.keys
    }

    /// Signs with `keys` from now on (a scenario's pool takes [`PoolKeys::process_wide`]).
    pub(crate) fn use_keys(&mut self, keys: PoolKeys) {
        self.keys = keys;
    }

    /// The `iss` of the pool's tokens: `<issuer base>/<pool id>`, Cognito's
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>` unless the pool is served elsewhere.
    pub fn issuer(&self) -> String {
        let base = match &self.issuer_base {
            Some(base) => base.clone(),
            None => crate::model::tokens::aws_issuer_base(&self.region),
        };
        crate::model::tokens::issuer(&base, &self.id)
    }

    /// Sets where the pool's tokens say they come from (see [`UserPool::issuer`]).
    pub fn set_issuer_base(&mut self, base: Option<String>) {
        self.issuer_base = base;
    }

    // ---- outbox ----

    /// The messages delivered so far, oldest first: at least the newest [`MAX_OUTBOX`] (older
    /// ones are dropped in batches, so a day of traffic does not grow the pool without end).
    pub fn outbox(&self) -> &[Message] {
        &self.outbox
    }

    /// Appends a delivered message to the outbox, dropping the oldest beyond [`MAX_OUTBOX`]
    /// once a quarter more have come.
    pub fn deliver(&mut self, message: Message) {
        self.outbox.push(message);
        self.delivered += 1;
        if let Some(changes) = self.changes.as_deref_mut() {
            changes.outbox_new += 1;
        }
        if self.outbox.len() > MAX_OUTBOX + MAX_OUTBOX / 4 {
            let excess = self.outbox.len() - MAX_OUTBOX;
            self.outbox.drain(..excess);
            if let Some(changes) = self.changes.as_deref_mut() {
                changes.outbox_trimmed = true;
            }
        }
    }

    /// The last message sent to `username`.
    pub fn last_message_to(&self, username: &str) -> Option<&Message> {
        let user = self.find_user(username)?;
        self.outbox
            .iter()
            .rev()
            .find(|m| m.username == user.username)
    }
}

/// Why a Session key does not stand for a sign-in waiting for an answer.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SessionState {
    /// The pool never issued it (or has forgotten it).
    Unknown,
    /// An earlier answer used it up.
    Used,
    /// Its time ran out.
    Expired,
}

/// The messages an outbox keeps at least (the newest); see [`UserPool::outbox`].
pub const MAX_OUTBOX: usize = 10_000;
/// Access tokens a pool remembers: those of the last hour (their lifetime), at most this many
/// (the oldest are forgotten first, and then answer NotAuthorizedException).
pub const MAX_ACCESS_TOKENS: usize = 100_000;
/// Refresh tokens a pool remembers, the newest.
pub const MAX_REFRESH_TOKENS: usize = 100_000;
/// Sign-in sessions a pool keeps waiting for a challenge answer: those not yet expired (3 min),
/// at most this many.
pub const MAX_SESSIONS: usize = 100_000;

/// Keys of the tokens and sessions a pool issued, oldest first, with their expiry (epoch
/// seconds).
#[derive(Clone, Debug, Default)]
struct Issued {
    access: VecDeque<(u64, String)>,
    refresh: VecDeque<(u64, String)>,
    sessions: VecDeque<(u64, String)>,
    revoked: VecDeque<(u64, String)>,
}

/// Forgets, oldest first, the entries of `map` that expired before `now`, then as many more as
/// keep `order` within `cap`. Entries already gone from `map` (taken, their user deleted) just
/// leave `order`. Each call does work only for what it forgets: amortized O(1) per issue.
/// `touched`, when a state store keeps the pool, collects the keys forgotten.
fn forget_expired<V>(
    order: &mut VecDeque<(u64, String)>,
    map: &mut HashMap<String, V>,
    mut touched: Option<&mut HashSet<String>>,
    now: u64,
    cap: usize,
) {
    while let Some((expires_at, key)) = order.front() {
        if *expires_at >= now && order.len() <= cap {
            break;
        }
        if map.remove(key).is_some() {
            if let Some(t) = touched.as_deref_mut() {
                t.insert(key.clone());
            }
        }
        order.pop_front();
    }
}

/// `HashMap::retain` that, when a state store keeps the pool, collects the keys removed.
fn retain_tracked<V>(
    map: &mut HashMap<String, V>,
    touched: Option<&mut HashSet<String>>,
    keep: impl Fn(&V) -> bool,
) {
    match touched {
        Some(t) => map.retain(|k, v| {
            let kept = keep(v);
            if !kept {
                t.insert(k.clone());
            }
            kept
        }),
        None => map.retain(|_, v| keep(v)),
    }
}

pub(crate) fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn random_lowercase_alphanumeric(len: usize) -> String {
    use rand::Rng as _;
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}
