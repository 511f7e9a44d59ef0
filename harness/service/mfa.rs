//! Multi-factor authentication (cognito-semantics.md §MFA): the user's factors
//! (AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference,
//! AdminSetUserMFAPreference), the pool's (SetUserPoolMfaConfig, GetUserPoolMfaConfig), and the
//! second step of a sign-in: once a password checked out, [`Cognito::second_factor`] decides
//! whether the sign-in needs SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE or MFA_SETUP,
//! and [`Cognito::answer_mfa_challenge`] checks the answer before the usual completion
//! (PreTokenGeneration, the tokens, PostAuthentication).

use serde_json::{json, Map, Value};

use super::auth::{missing_parameter, token_claims, Issue, SignedIn, SESSION_SECONDS};
use super::auth_triggers::plan_post_authentication;
use super::codes::{new_code, remember_code, AUTHENTICATION_CODE_SECONDS};
use super::delivery::{mask_destination, plan_message};
use super::{lock, user_not_found, Cognito, Outcome, PoolHandle};
use crate::error::Error;
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::{
    serialization_error, string_member, StringRule, Validator, ACCESS_TOKEN_RULE, USER_POOL_ID_RULE,
};
use crate::model::patterns::{EMAIL_MESSAGE, EMAIL_SUBJECT, SMS_MESSAGE, SOFTWARE_TOKEN_CODE};
use crate::model::totp;
use crate::pool::{
    CodePurpose, DeliveryMedium, EmailMfaConfiguration, MfaFactors, MfaSession, MfaType,
    SessionState, User, UserPool,
};
use crate::trigger::{Caller, TriggerSource};

/// SessionType: 20–4096 characters (sensitive).
const SESSION_RULE: StringRule = StringRule::len(20, 4096).sensitive();
/// EmailMfaSubjectType: a pattern, no length bounds.
const EMAIL_MFA_SUBJECT_RULE: StringRule = StringRule {
    min: None,
    max: None,
    pattern: Some(&EMAIL_SUBJECT),
    sensitive: false,
};
/// SoftwareTokenMFAUserCodeType: six digits (sensitive).
const USER_CODE_RULE: StringRule = StringRule::len(6, 6)
    .pattern(&SOFTWARE_TOKEN_CODE)
    .sensitive();

/// What a sign-in whose password checked out needs next (ruling MFA-5).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    /// A code from this factor.
    Code(MfaType),
    /// The user chooses among these factors.
    Select(Vec<MfaType>),
    /// MFA is required and the user has no factor: set one of these up.
    Setup(Vec<MfaType>),
}

/// `Invalid session for the user...`: a Session that is unknown, used up or expired (§MFA.6).
fn session_error(state: SessionState) -> CognitoError {
    let message = match state {
        SessionState::Unknown => "Invalid session for the user.",
        SessionState::Used => "Invalid session for the user, session can only be used once.",
        SessionState::Expired => "Invalid session for the user, session is expired.",
    };
    CognitoError::new(ErrorCode::NotAuthorizedException, message)
}

/// `Invalid code or auth state for the user.`: a wrong SMS or e-mail code, or an answer to
/// another challenge than the Session's (observed, §MFA.6).
fn invalid_code_or_state() -> CognitoError {
    CognitoError::new(
        ErrorCode::CodeMismatchException,
        "Invalid code or auth state for the user.",
    )
}

/// Whether the pool can deliver `factor` at all (ruling MFA-1).
fn pool_offers(pool: &UserPool, factor: MfaType) -> bool {
    match factor {
        MfaType::Sms => pool.config.sms_configuration.is_some(),
        MfaType::SoftwareToken => pool.mfa_factors.software_token,
        MfaType::Email => pool.mfa_factors.email.is_some(),
    }
}

/// Whether `user` can receive `factor`: a phone number, an e-mail address, a verified token.
fn reaches(user: &User, factor: MfaType) -> bool {
    let has = |name: &str| user.attribute(name).is_some_and(|v| !v.is_empty());
    match factor {
        MfaType::Sms => has("phone_number"),
        MfaType::SoftwareToken => user.mfa.software_token.is_some(),
        MfaType::Email => has("email"),
    }
}

/// The pool's `MfaConfiguration` (`OFF` when unset).
fn mfa_mode(pool: &UserPool) -> &str {
    pool.config.mfa_configuration.as_deref().unwrap_or("OFF")
}

/// What `user` needs after their password (ruling MFA-5); `None`: no second factor.
fn next_step(pool: &UserPool, user: &User) -> Option<Step> {
    let mode = mfa_mode(pool);
    if mode == "OFF" {
        return None;
    }
    let usable: Vec<MfaType> = user
        .mfa
        .enabled
        .iter()
        .copied()
        .filter(|f| pool_offers(pool, *f) && reaches(user, *f))
        .collect();
    if usable.is_empty() {
        if mode != "ON" {
            return None;
        }
        // Required MFA: a phone number (then an e-mail address) the pool can send to stands in
        // for a factor the user never chose (ruling MFA-5).
        if let Some(f) = [MfaType::Sms, MfaType::Email]
            .into_iter()
            .find(|f| pool_offers(pool, *f) && reaches(user, *f))
        {
            return Some(Step::Code(f));
        }
        let can_set_up = [MfaType::Sms, MfaType::SoftwareToken]
            .into_iter()
            .filter(|f| pool_offers(pool, *f))
            .collect();
        return Some(Step::Setup(can_set_up));
    }
    if let Some(preferred) = user.mfa.preferred.filter(|p| usable.contains(p)) {
        return Some(Step::Code(preferred));
    }
    match usable.as_slice() {
        [only] => Some(Step::Code(*only)),
        _ => Some(Step::Select(usable)),
    }
}

/// A list of factor names as challenge parameters carry it: a JSON array in a string.
fn names(factors: &[MfaType]) -> String {
    Value::from(factors.iter().map(|f| f.as_str()).collect::<Vec<_>>()).to_string()
}

/// A challenge answer: `{"ChallengeName", "Session", "ChallengeParameters"}`.
fn challenge(name: &str, session: String, mut parameters: Map<String, Value>, user: &str) -> Value {
    parameters.insert("USER_ID_FOR_SRP".into(), Value::from(user));
    json!({
        "ChallengeName": name,
        "Session": session,
        "ChallengeParameters": Value::Object(parameters),
    })
}

/// The channel a code factor goes out on.
fn medium(factor: MfaType) -> DeliveryMedium {
    match factor {
        MfaType::Email => DeliveryMedium::Email,
        _ => DeliveryMedium::Sms,
    }
}

/// `(Enabled, PreferredMfa)` of one settings member, each `None` when not given.
type Setting = (Option<bool>, Option<bool>);

/// A `{"Enabled", "PreferredMfa"}` settings member; `None` when absent.
fn settings_member(request: &Value, name: &str) -> Result<Option<Setting>, CognitoError> {
    let settings = match request.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(serialization_error(name, "structure")),
    };
    let flag = |key: &str| match settings.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(serialization_error(key, "boolean")),
    };
    Ok(Some((flag("Enabled")?, flag("PreferredMfa")?)))
}

/// The three settings members of (Admin)SetUserMFAPreference, by factor.
type Preferences = Vec<(MfaType, Setting)>;

fn read_preferences(request: &Value) -> Result<Preferences, CognitoError> {
    let mut out = Vec::new();
    for (member, factor) in [
        ("SMSMfaSettings", MfaType::Sms),
        ("SoftwareTokenMfaSettings", MfaType::SoftwareToken),
        ("EmailMfaSettings", MfaType::Email),
    ] {
        if let Some(settings) = settings_member(request, member)? {
            out.push((factor, settings));
        }
    }
    Ok(out)
}

/// Applies SetUserMFAPreference's settings to `user` (ruling MFA-4): a factor can be enabled only
/// when the user can receive it; `PreferredMfa: true` makes it the preferred one.
fn apply_preferences(
    pool: &UserPool,
    user: &mut User,
    preferences: &Preferences,
) -> Result<(), CognitoError> {
    for (factor, (enabled, preferred)) in preferences {
        let enabling = enabled == &Some(true) || preferred == &Some(true);
        if enabling && !reaches(user, *factor) {
            return Err(CognitoError::invalid_parameter(format!(
                "User does not have delivery config set to turn on {}",
                factor.as_str()
            )));
        }
        if *factor == MfaType::Email && enabling && !pool_offers(pool, MfaType::Email) {
            return Err(CognitoError::invalid_parameter(
                "Email MFA is not enabled for this user pool.",
            ));
        }
    }
    let mut mfa = user.mfa.clone();
    for (factor, (enabled, preferred)) in preferences {
        if let Some(enabled) = enabled {
            mfa.set_enabled(*factor, *enabled);
        }
        match preferred {
            Some(true) => {
                mfa.set_enabled(*factor, true);
                mfa.preferred = Some(*factor);
            }
            Some(false) if mfa.preferred == Some(*factor) => mfa.preferred = None,
            _ => {}
        }
    }
    user.mfa = mfa;
    user.last_modified = crate::pool::now_seconds();
    Ok(())
}

/// `UserMFASettingList` and `PreferredMfaSetting` for GetUser and AdminGetUser, added to
/// `response` only when the user has them (as AWS omits them).
pub(crate) fn add_mfa_settings(response: &mut Value, user: &User) {
    let Value::Object(map) = response else {
        return;
    };
    if let Some(preferred) = user.mfa.preferred {
        map.insert("PreferredMfaSetting".into(), preferred.as_str().into());
    }
    if !user.mfa.enabled.is_empty() {
        let list: Vec<&str> = user.mfa.enabled.iter().map(|f| f.as_str()).collect();
        map.insert("UserMFASettingList".into(), list.into());
    }
}

/// Reads a pool file's `SoftwareTokenMfaConfiguration` and `EmailMfaConfiguration` (SetUserPoolMfaConfig's
/// members, which CreateUserPool does not take), removing them from `members`.
pub(crate) fn factors_from_file(
    path: &std::path::Path,
    members: &mut Map<String, Value>,
) -> Result<MfaFactors, Error> {
    let mut factors = MfaFactors::default();
    if let Some(value) = members.remove("SoftwareTokenMfaConfiguration") {
        factors.software_token = match value.get("Enabled") {
            Some(Value::Bool(b)) => *b,
            _ => {
                return Err(Error::input(
                    path,
                    "$.SoftwareTokenMfaConfiguration.Enabled",
                    "expected a boolean",
                ))
            }
        };
    }
    if let Some(value) = members.remove("EmailMfaConfiguration") {
        let config: EmailMfaConfiguration = serde_json::from_value(value)
            .map_err(|e| Error::input(path, "$.EmailMfaConfiguration", e.to_string()))?;
        factors.email = Some(config);
    }
    Ok(factors)
}

impl Cognito {
    /// The user an AccessToken or an MFA_SETUP Session stands for (exactly one of the two):
    /// `(pool, username, session key)`.
    fn token_or_session(
        &self,
        request: &Value,
        more: impl FnOnce(&mut Validator),
    ) -> Result<(PoolHandle, String, Option<String>), CognitoError> {
        let token = string_member(request, "AccessToken")?;
        let session = string_member(request, "Session")?;
        let mut v = Validator::new();
        if let Some(token) = token {
            v.string("accessToken", token, ACCESS_TOKEN_RULE);
        }
        if let Some(session) = session {
            v.string("session", session, SESSION_RULE);
        }
        more(&mut v);
        v.finish()?;
        match (token, session) {
            (Some(token), None) => {
                let (pool, grant) = self.pool_for_token(token)?;
                Ok((pool, grant.username, None))
            }
            (None, Some(key)) => {
                let now = self.now();
                for pool in self.pools_snapshot() {
                    let guard = lock(&pool);
                    match guard.mfa_session(key, now) {
                        Err(SessionState::Unknown) => continue,
                        Err(state) => return Err(session_error(state)),
                        Ok(s) if s.challenge != "MFA_SETUP" => return Err(invalid_code_or_state()),
                        Ok(s) => {
                            let username = s.username.clone();
                            drop(guard);
                            return Ok((pool, username, Some(key.to_string())));
                        }
                    }
                }
                Err(session_error(SessionState::Unknown))
            }
            // Assumed texts: the reference says the call takes one or the other, not both.
            (Some(_), Some(_)) => Err(CognitoError::invalid_parameter(
                "Only one of AccessToken or Session can be provided.",
            )),
            (None, None) => Err(CognitoError::invalid_parameter(
                "Either AccessToken or Session must be provided.",
            )),
        }
    }

    /// AssociateSoftwareToken: a new TOTP secret for the user of the AccessToken or the MFA_SETUP
    /// Session, waiting for VerifySoftwareToken. A Session is used up and a new one returned.
    pub fn associate_software_token(&self, request: &Value) -> Outcome {
        let result = (|| {
            let (pool, username, key) = self.token_or_session(request, |_| {})?;
            let now = self.now();
            let mut guard = lock(&pool);
            if !guard.mfa_factors.software_token {
                // Assumed text; the exception is the one the reference names for a pool without
                // software-token MFA (§MFA.2).
                return Err(CognitoError::new(
                    ErrorCode::SoftwareTokenMFANotFoundException,
                    "Software token MFA is not enabled for the user pool.",
                ));
            }
            let secret = totp::new_secret();
            let mut user = guard.find_user_mut(&username).ok_or_else(user_not_found)?;
            user.mfa.pending_software_token = Some(secret.clone());
            drop(user);
            let mut response = json!({ "SecretCode": secret });
            if let Some(key) = key {
                let session = guard.use_mfa_session(&key, now).map_err(session_error)?;
                let next = guard.start_mfa_session(session, now, SESSION_SECONDS);
                response["Session"] = Value::from(next);
            }
            Ok(response)
        })();
        Outcome::new("AssociateSoftwareToken", result)
    }

    /// VerifySoftwareToken: checks `UserCode` against the secret AssociateSoftwareToken handed
    /// out (RFC 6238, ruling MFA-3); on success the secret is the user's software token. A wrong
    /// code is EnableSoftwareTokenMFAException and the Session stays usable.
    pub fn verify_software_token(&self, request: &Value) -> Outcome {
        let result = (|| {
            let code = string_member(request, "UserCode")?;
            let device = string_member(request, "FriendlyDeviceName")?;
            let (pool, username, key) = self.token_or_session(request, |v| {
                v.required_string("userCode", code, USER_CODE_RULE);
            })?;
            let code = code.unwrap_or_default();
            let now = self.now();
            let mut guard = lock(&pool);
            let mut user = guard.find_user_mut(&username).ok_or_else(user_not_found)?;
            let Some(secret) = user.mfa.pending_software_token.clone() else {
                return Err(CognitoError::new(
                    ErrorCode::SoftwareTokenMFANotFoundException,
                    "Software Token MFA does not exist for the user.",
                ));
            };
            if !totp::accepts(&secret, code, now) {
                return Err(CognitoError::new(
                    ErrorCode::EnableSoftwareTokenMFAException,
                    "Code mismatch and fail enable Software Token MFA",
                ));
            }
            user.mfa.software_token = Some(secret);
            user.mfa.pending_software_token = None;
            user.mfa.friendly_device_name = device.map(str::to_string);
            // Set up during a sign-in that requires MFA, the token is the user's factor from
            // now on (ruling MFA-7).
            if key.is_some() {
                user.mfa.set_enabled(MfaType::SoftwareToken, true);
            }
            user.last_modified = crate::pool::now_seconds();
            drop(user);
            let mut response = json!({ "Status": "SUCCESS" });
            if let Some(key) = key {
                let mut session = guard.use_mfa_session(&key, now).map_err(session_error)?;
                session.set_up = true;
                let next = guard.start_mfa_session(session, now, SESSION_SECONDS);
                response["Session"] = Value::from(next);
            }
            Ok(response)
        })();
        Outcome::new("VerifySoftwareToken", result)
    }

    /// SetUserMFAPreference: the signed-in user's factors.
    pub fn set_user_mfa_preference(&self, request: &Value) -> Outcome {
        let result = (|| {
            let preferences = read_preferences(request)?;
            let (pool, grant) = self.access_token_request(request, |_| Ok(()))?;
            let mut guard = lock(&pool);
            let mut user = guard
                .find_user(&grant.username)
                .cloned()
                .ok_or_else(user_not_found)?;
            apply_preferences(&guard, &mut user, &preferences)?;
            guard.put_user(user);
            Ok(json!({}))
        })();
        Outcome::new("SetUserMFAPreference", result)
    }

    /// AdminSetUserMFAPreference: SetUserMFAPreference for a user named by an administrator.
    pub fn admin_set_user_mfa_preference(&self, request: &Value) -> Outcome {
        let result = (|| {
            let preferences = read_preferences(request)?;
            let req = self.admin_user_request(request, |_| Ok(()))?;
            let mut guard = lock(&req.pool);
            let mut user = guard
                .find_user(&req.username)
                .cloned()
                .ok_or_else(user_not_found)?;
            apply_preferences(&guard, &mut user, &preferences)?;
            guard.put_user(user);
            Ok(json!({}))
        })();
        Outcome::new("AdminSetUserMFAPreference", result)
    }

    /// SetUserPoolMfaConfig: the pool's MfaConfiguration and factors; members left out keep
    /// their value (assumed). Answers the configuration as GetUserPoolMfaConfig does.
    pub fn set_user_pool_mfa_config(&self, request: &Value) -> Outcome {
        let result = (|| {
            let id = string_member(request, "UserPoolId")?;
            let mode = string_member(request, "MfaConfiguration")?;
            let object = |name: &str| match request.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Object(map)) => Ok(Some(map)),
                Some(_) => Err(serialization_error(name, "structure")),
            };
            let sms = object("SmsMfaConfiguration")?;
            let software = object("SoftwareTokenMfaConfiguration")?;
            let email = object("EmailMfaConfiguration")?;
            let member = |map: Option<&Map<String, Value>>, name: &str| {
                string_member(&map.cloned().map(Value::Object).unwrap_or_default(), name)
                    .map(|s| s.map(str::to_string))
            };
            let sms_message = member(sms, "SmsAuthenticationMessage")?;
            let email_message = member(email, "Message")?;
            let email_subject = member(email, "Subject")?;
            let software_enabled = match software.and_then(|m| m.get("Enabled")) {
                None | Some(Value::Null) => None,
                Some(Value::Bool(b)) => Some(*b),
                Some(_) => return Err(serialization_error("Enabled", "boolean")),
            };
            let mut v = Validator::new();
            v.required_string("userPoolId", id, USER_POOL_ID_RULE);
            if let Some(mode) = mode {
                v.enum_value("mfaConfiguration", mode, &["OFF", "ON", "OPTIONAL"]);
            }
            if let Some(m) = &sms_message {
                v.string(
                    "smsMfaConfiguration.smsAuthenticationMessage",
                    m,
                    StringRule::len(6, 140).pattern(&SMS_MESSAGE),
                );
            }
            if let Some(m) = &email_message {
                v.string(
                    "emailMfaConfiguration.message",
                    m,
                    StringRule::len(6, 20000).pattern(&EMAIL_MESSAGE),
                );
            }
            if let Some(s) = &email_subject {
                v.string("emailMfaConfiguration.subject", s, EMAIL_MFA_SUBJECT_RULE);
            }
            v.finish()?;
            let sms_configuration = match sms.and_then(|m| m.get("SmsConfiguration")) {
                None | Some(Value::Null) => None,
                Some(value) => Some(
                    serde_json::from_value(value.clone())
                        .map_err(|_| serialization_error("SmsConfiguration", "structure"))?,
                ),
            };
            let pool = self.require_pool(id.unwrap_or_default())?;
            let mut guard = lock(&pool);
            let mut config = guard.config.clone();
            let mut factors = guard.mfa_factors.clone();
            if let Some(mode) = mode {
                config.mfa_configuration = Some(mode.to_string());
            }
            if sms.is_some() {
                config.sms_authentication_message =
                    sms_message.or(config.sms_authentication_message);
                if sms_configuration.is_some() {
                    config.sms_configuration = sms_configuration;
                }
            }
            if let Some(enabled) = software_enabled {
                factors.software_token = enabled;
            }
            if email.is_some() {
                factors.email = Some(EmailMfaConfiguration {
                    message: email_message,
                    subject: email_subject,
                });
            }
            // Assumed text: required or optional MFA needs a factor to offer (§MFA.1).
            let mode = config.mfa_configuration.as_deref().unwrap_or("OFF");
            let offers_any = config.sms_configuration.is_some()
                || factors.software_token
                || factors.email.is_some();
            if mode != "OFF" && !offers_any {
                return Err(CognitoError::invalid_parameter(
                    "At least one MFA factor (SMS, software token or email) must be enabled when MfaConfiguration is ON or OPTIONAL.",
                ));
            }
            if config != guard.config {
                guard.set_config(config);
            }
            guard.set_mfa_factors(factors);
            Ok(mfa_config(&guard))
        })();
        Outcome::new("SetUserPoolMfaConfig", result)
    }

    /// GetUserPoolMfaConfig: the pool's MfaConfiguration and the factors it offers.
    pub fn get_user_pool_mfa_config(&self, request: &Value) -> Outcome {
        let result = (|| {
            let id = string_member(request, "UserPoolId")?;
            let mut v = Validator::new();
            v.required_string("userPoolId", id, USER_POOL_ID_RULE);
            v.finish()?;
            let pool = self.require_pool(id.unwrap_or_default())?;
            let guard = lock(&pool);
            Ok(mfa_config(&guard))
        })();
        Outcome::new("GetUserPoolMfaConfig", result)
    }

    /// The second factor of a sign-in whose password checked out (the password flows, the
    /// NEW_PASSWORD_REQUIRED answer and SRP's PASSWORD_VERIFIER all pass here). Returns the
    /// issue when the tokens may go out now; otherwise sets `outcome`'s answer: the challenge,
    /// or the error sending its code gave.
    pub(crate) async fn second_factor(
        &self,
        outcome: &mut Outcome,
        issue: Box<Issue>,
    ) -> Option<Box<Issue>> {
        if issue.refreshed || issue.second_factor_done {
            return Some(issue);
        }
        let username = issue.claims.sign_in.username.clone();
        let client_id = issue.claims.sign_in.client_id.clone();
        let pool = issue.pool.clone();
        let step = {
            let guard = lock(&pool);
            guard
                .find_user(&username)
                .and_then(|u| next_step(&guard, u))
        };
        let Some(step) = step else {
            return Some(issue);
        };
        let session = MfaSession {
            username: username.clone(),
            client_id: client_id.clone(),
            challenge: String::new(),
            new_password: issue.source == TriggerSource::TOKEN_GENERATION_NEW_PASSWORD_CHALLENGE,
            set_up: false,
        };
        outcome.result = self.ask(outcome, &pool, step, session).await;
        None
    }

    /// Asks for `step`: starts its Session and, for a code factor, sends the code (its trigger
    /// runs go into `outcome`). Returns the challenge, or the error delivering its code gave.
    async fn ask(
        &self,
        outcome: &mut Outcome,
        pool: &PoolHandle,
        step: Step,
        mut session: MfaSession,
    ) -> Result<Value, CognitoError> {
        let now = self.now();
        let username = session.username.clone();
        let (name, parameters) = match &step {
            Step::Code(MfaType::SoftwareToken) => ("SOFTWARE_TOKEN_MFA", Map::new()),
            Step::Code(factor) => {
                session.challenge = factor.as_str().to_string();
                return self.send_mfa_code(outcome, pool, *factor, session).await;
            }
            Step::Select(factors) => {
                let mut p = Map::new();
                p.insert("MFAS_CAN_CHOOSE".into(), names(factors).into());
                ("SELECT_MFA_TYPE", p)
            }
            Step::Setup(factors) => {
                let mut p = Map::new();
                p.insert("MFAS_CAN_SETUP".into(), names(factors).into());
                ("MFA_SETUP", p)
            }
        };
        session.challenge = name.to_string();
        let key = lock(pool).start_mfa_session(session, now, SESSION_SECONDS);
        Ok(challenge(name, key, parameters, &username))
    }

    /// Sends an SMS or e-mail sign-in code through the message path (CustomMessage_Authentication
    /// or the custom sender's `_Authentication`, the outbox) and, once delivered, remembers it and
    /// starts the Session: the SMS_MFA or EMAIL_OTP challenge.
    async fn send_mfa_code(
        &self,
        outcome: &mut Outcome,
        pool: &PoolHandle,
        factor: MfaType,
        session: MfaSession,
    ) -> Result<Value, CognitoError> {
        let medium = medium(factor);
        let username = session.username.clone();
        let planned = {
            let guard = lock(pool);
            let user = guard.find_user(&username).ok_or_else(user_not_found)?;
            // InitiateAuth's ClientMetadata never reaches CustomMessage_Authentication (§2.1).
            let caller = Caller::Client(&session.client_id);
            let source = TriggerSource::CUSTOM_MESSAGE_AUTHENTICATION;
            plan_message(&guard, source, medium, user, new_code(), caller, None)
        };
        let message = planned.ok_or_else(invalid_code_or_state)?;
        let now = self.now();
        self.send_and_commit(outcome, pool, vec![message], |pool, delivered| {
            let mut user = pool.find_user_mut(&username).ok_or_else(user_not_found)?;
            let sent = delivered.first();
            if let Some(code) = sent.and_then(|m| m.code.as_deref()) {
                let purpose = CodePurpose::Authentication;
                remember_code(&mut user, purpose, code, now, AUTHENTICATION_CODE_SECONDS);
            }
            drop(user);
            let mut parameters = Map::new();
            parameters.insert(
                "CODE_DELIVERY_DELIVERY_MEDIUM".into(),
                medium.as_str().into(),
            );
            if let Some(sent) = sent {
                parameters.insert(
                    "CODE_DELIVERY_DESTINATION".into(),
                    mask_destination(medium, &sent.destination).into(),
                );
            }
            let name = factor.as_str();
            let key = pool.start_mfa_session(session, now, SESSION_SECONDS);
            Ok(challenge(name, key, parameters, &username))
        })
        .await;
        std::mem::replace(&mut outcome.result, Ok(Value::Null))
    }

    /// (Admin)RespondToAuthChallenge for SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE
    /// and MFA_SETUP (§MFA.6). A wrong code keeps the Session; a right one uses it up.
    pub(crate) async fn answer_mfa_challenge(
        &self,
        outcome: &mut Outcome,
        answer: MfaAnswer<'_>,
    ) -> Result<SignedIn, CognitoError> {
        let response = |name: &str| {
            answer
                .responses
                .and_then(|r| r.get(name))
                .and_then(Value::as_str)
        };
        response("USERNAME").ok_or_else(|| missing_parameter("USERNAME"))?;
        let now = self.now();
        let pool = answer.pool;
        let (session, chosen) = {
            let mut guard = lock(&pool);
            let waiting = guard
                .mfa_session(answer.session, now)
                .map_err(session_error)?
                .clone();
            if waiting.client_id != answer.client_id {
                return Err(session_error(SessionState::Unknown));
            }
            if waiting.challenge != answer.challenge {
                return Err(invalid_code_or_state());
            }
            let user = guard
                .find_user(&waiting.username)
                .cloned()
                .ok_or_else(user_not_found)?;
            let chosen = check_answer(&guard, &user, &waiting, answer.challenge, response, now)?;
            if chosen.is_none() && answer.challenge != "MFA_SETUP" {
                if let Some(mut stored) = guard.find_user_mut(&waiting.username) {
                    stored.codes.remove(&CodePurpose::Authentication);
                }
            }
            let session = guard
                .use_mfa_session(answer.session, now)
                .map_err(session_error)?;
            (session, chosen)
        };
        // SELECT_MFA_TYPE: the chosen factor's challenge, under a new Session.
        if let Some(factor) = chosen {
            return self
                .ask(outcome, &pool, Step::Code(factor), session)
                .await
                .map(SignedIn::Answer);
        }
        let guard = lock(&pool);
        let expired = || session_error(SessionState::Expired);
        let claims = token_claims(&guard, &session.username, answer.client_id, None, now)
            .ok_or_else(expired)?;
        let metadata = answer.client_metadata;
        let post = plan_post_authentication(
            &guard,
            &session.username,
            answer.client_id,
            None,
            metadata.as_ref(),
        );
        drop(guard);
        // The tokens keep the source of the step that checked the password (assumed).
        let source = if session.new_password {
            TriggerSource::TOKEN_GENERATION_NEW_PASSWORD_CHALLENGE
        } else {
            TriggerSource::TOKEN_GENERATION_AUTHENTICATION
        };
        Ok(SignedIn::tokens(pool, claims, source, false, metadata)
            .then_post_authentication(post)
            .second_factor_done())
    }
}

/// Checks the answer to `challenge` for `user` (§MFA.6): `Ok(None)` when the sign-in may
/// complete, `Ok(Some(factor))` for the factor SELECT_MFA_TYPE chose.
fn check_answer<'a>(
    pool: &UserPool,
    user: &User,
    session: &MfaSession,
    challenge: &str,
    response: impl Fn(&str) -> Option<&'a str>,
    now: u64,
) -> Result<Option<MfaType>, CognitoError> {
    match challenge {
        "SOFTWARE_TOKEN_MFA" => {
            let code = response("SOFTWARE_TOKEN_MFA_CODE")
                .ok_or_else(|| missing_parameter("SOFTWARE_TOKEN_MFA_CODE"))?;
            let Some(secret) = &user.mfa.software_token else {
                return Err(CognitoError::new(
                    ErrorCode::SoftwareTokenMFANotFoundException,
                    "Software Token MFA does not exist for the user.",
                ));
            };
            if !totp::accepts(secret, code, now) {
                return Err(CognitoError::new(
                    ErrorCode::CodeMismatchException,
                    "Invalid code received for user",
                ));
            }
            Ok(None)
        }
        "SMS_MFA" | "EMAIL_OTP" => {
            let member = if challenge == "SMS_MFA" {
                "SMS_MFA_CODE"
            } else {
                "EMAIL_OTP_CODE"
            };
            let code = response(member).ok_or_else(|| missing_parameter(member))?;
            let issued = user.codes.get(&CodePurpose::Authentication);
            if !issued.is_some_and(|c| c.code == code && c.expires_at >= now) {
                return Err(invalid_code_or_state());
            }
            Ok(None)
        }
        "SELECT_MFA_TYPE" => {
            let chosen = response("ANSWER").ok_or_else(|| missing_parameter("ANSWER"))?;
            let offered = match next_step(pool, user) {
                Some(Step::Select(factors)) => factors,
                _ => Vec::new(),
            };
            MfaType::from_name(chosen)
                .filter(|f| offered.contains(f))
                .map(Some)
                .ok_or_else(|| {
                    // Assumed text.
                    CognitoError::invalid_parameter(format!(
                        "Invalid MFA type {chosen}: expected one of {}",
                        names(&offered)
                    ))
                })
        }
        "MFA_SETUP" if session.set_up => Ok(None),
        // Assumed text: MFA_SETUP answered before VerifySoftwareToken succeeded.
        "MFA_SETUP" => Err(CognitoError::invalid_parameter(
            "MFA has not been set up for the user: call AssociateSoftwareToken and VerifySoftwareToken with the Session first.",
        )),
        _ => Err(invalid_code_or_state()),
    }
}

/// An MFA challenge answer, read from (Admin)RespondToAuthChallenge.
pub(crate) struct MfaAnswer<'a> {
    /// The pool signed in to.
    pub pool: PoolHandle,
    /// The app client of the call.
    pub client_id: &'a str,
    /// The challenge answered.
    pub challenge: &'a str,
    /// The Session the challenge came with.
    pub session: &'a str,
    /// `ChallengeResponses`.
    pub responses: Option<&'a Map<String, Value>>,
    /// The call's ClientMetadata (it reaches PreTokenGeneration and PostAuthentication).
    pub client_metadata: Option<Map<String, Value>>,
}

/// SetUserPoolMfaConfig's and GetUserPoolMfaConfig's answer.
fn mfa_config(pool: &UserPool) -> Value {
    let mut out = Map::new();
    if let Some(sms) = &pool.config.sms_configuration {
        let mut config = Map::new();
        if let Some(message) = &pool.config.sms_authentication_message {
            config.insert("SmsAuthenticationMessage".into(), message.clone().into());
        }
        config.insert(
            "SmsConfiguration".into(),
            serde_json::to_value(sms).unwrap_or_default(),
        );
        out.insert("SmsMfaConfiguration".into(), Value::Object(config));
    }
    out.insert(
        "SoftwareTokenMfaConfiguration".into(),
        json!({ "Enabled": pool.mfa_factors.software_token }),
    );
    if let Some(email) = &pool.mfa_factors.email {
        out.insert(
            "EmailMfaConfiguration".into(),
            serde_json::to_value(email).unwrap_or_default(),
        );
    }
    out.insert("MfaConfiguration".into(), mfa_mode(pool).into());
    Value::Object(out)
}
