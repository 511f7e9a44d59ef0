//! The API calls that fire each fuzzed trigger source (cognito-semantics.md §FZ.2): what the user
//! looks like when Cognito builds the event, which channel a message takes, and what the judge is
//! told. The events come from the trigger builders the service uses (`custom_message::event`,
//! `pre_sign_up::event`, `post_confirmation::event`, ...), so they are the events Cognito sends;
//! `steps` writes the scenario step that makes the same call.

use serde_json::{Map, Value};

use super::case::Case;
use crate::model::tokens::SIGN_IN_SCOPE;
use crate::pool::{DeliveryMedium, User, UserPool, UserStatus};
use crate::service::{recovery_channel, verification_channel};
use crate::trigger::define_auth_challenge::{self, Signer};
use crate::trigger::pre_authentication::{self, SigningIn};
use crate::trigger::samples::{SAMPLE_CLIENT_ID, SAMPLE_SUB};
use crate::trigger::{
    custom_message, post_authentication, post_confirmation, pre_sign_up, pre_token_generation,
    user_migration, Caller, TriggerSource,
};

/// The password the replayed SignUp uses, the seeded users have and the sign-ins send (it meets
/// Cognito's default policy).
pub const SIGN_UP_PASSWORD: &str = "Fuzz-Passw0rd!";

/// How a fuzzed source is fired.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Flow {
    /// SignUp's confirmation message (CustomMessage_SignUp).
    SignUpMessage,
    /// ResendConfirmationCode (CustomMessage_ResendCode).
    ResendCode,
    /// ForgotPassword (CustomMessage_ForgotPassword).
    ForgotPassword,
    /// AdminUpdateUserAttributes of a contact attribute (CustomMessage_UpdateUserAttribute).
    UpdateAttribute,
    /// SignUp's PreSignUp (PreSignUp_SignUp).
    PreSignUp,
    /// AdminConfirmSignUp of an unconfirmed user (PostConfirmation_ConfirmSignUp).
    ConfirmSignUp,
    /// ForgotPassword, then ConfirmForgotPassword with the code
    /// (PostConfirmation_ConfirmForgotPassword).
    ConfirmForgotPassword,
    /// A password sign-in, before the password is checked (PreAuthentication_Authentication).
    PreAuthentication,
    /// A password sign-in that succeeded (PostAuthentication_Authentication).
    PostAuthentication,
    /// A password sign-in's tokens (TokenGeneration_Authentication).
    TokenGeneration,
    /// A password sign-in of a name the pool does not have (UserMigration_Authentication).
    MigrateSignIn,
    /// ForgotPassword of a name the pool does not have (UserMigration_ForgotPassword).
    MigrateForgotPassword,
    /// A CUSTOM_AUTH sign-in's first question (DefineAuthChallenge_Authentication).
    DefineAuthChallenge,
}

/// Whether a seeded user's contact attributes are verified.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Verified {
    /// None is (a user who has not confirmed).
    No,
    /// Every one is (the flow needs a verified channel).
    Yes,
    /// Each one drawn: a confirmed user may have confirmed by the other channel, or been
    /// confirmed by an administrator.
    Either,
}

/// What firing a case gives: the event, and what the judge is told besides the pool (the message
/// channel, the supplied attributes, the app client).
pub(crate) struct Fired {
    pub event: Value,
    pub medium: DeliveryMedium,
    pub attributes: Map<String, Value>,
    pub client_id: Option<&'static str>,
}

impl Fired {
    /// Only the event: the judge needs nothing else of this call.
    fn event(event: Value) -> Fired {
        Fired {
            event,
            medium: DeliveryMedium::Email,
            attributes: Map::new(),
            client_id: None,
        }
    }
}

impl Flow {
    /// The flow of a source, when fuzz generates events for it.
    pub fn of(source: TriggerSource) -> Option<Flow> {
        Some(match source {
            TriggerSource::CUSTOM_MESSAGE_SIGN_UP => Flow::SignUpMessage,
            TriggerSource::CUSTOM_MESSAGE_RESEND_CODE => Flow::ResendCode,
            TriggerSource::CUSTOM_MESSAGE_FORGOT_PASSWORD => Flow::ForgotPassword,
            TriggerSource::CUSTOM_MESSAGE_UPDATE_USER_ATTRIBUTE => Flow::UpdateAttribute,
            TriggerSource::PRE_SIGN_UP_SIGN_UP => Flow::PreSignUp,
            TriggerSource::POST_CONFIRMATION_CONFIRM_SIGN_UP => Flow::ConfirmSignUp,
            TriggerSource::POST_CONFIRMATION_CONFIRM_FORGOT_PASSWORD => Flow::ConfirmForgotPassword,
            TriggerSource::PRE_AUTHENTICATION_AUTHENTICATION => Flow::PreAuthentication,
            TriggerSource::POST_AUTHENTICATION_AUTHENTICATION => Flow::PostAuthentication,
            TriggerSource::TOKEN_GENERATION_AUTHENTICATION => Flow::TokenGeneration,
            TriggerSource::USER_MIGRATION_AUTHENTICATION => Flow::MigrateSignIn,
            TriggerSource::USER_MIGRATION_FORGOT_PASSWORD => Flow::MigrateForgotPassword,
            TriggerSource::DEFINE_AUTH_CHALLENGE_AUTHENTICATION => Flow::DefineAuthChallenge,
            _ => return None,
        })
    }

    /// Why this pool cannot fire the flow, if it cannot.
    pub fn unsupported_in(self, pool: &UserPool) -> Option<&'static str> {
        let config = &pool.config;
        let username_attributes = config
            .username_attributes
            .as_deref()
            .is_some_and(|a| !a.is_empty());
        let signs_up = matches!(self, Flow::SignUpMessage | Flow::PreSignUp);
        if signs_up && username_attributes {
            return Some(
                "the pool signs in with UsernameAttributes (usernames are generated there)",
            );
        }
        if self.migrates() && username_attributes {
            return Some("the pool signs in with UsernameAttributes (the unknown name would have to be an email or phone number, which fuzz does not generate as usernames)");
        }
        let admin_only = config
            .admin_create_user_config
            .as_ref()
            .and_then(|c| c.allow_admin_create_user_only)
            == Some(true);
        if signs_up && admin_only {
            return Some("the pool allows only administrators to create users");
        }
        let verifies = config.auto_verifies("email") || config.auto_verifies("phone_number");
        if matches!(
            self,
            Flow::SignUpMessage | Flow::ResendCode | Flow::UpdateAttribute
        ) && !verifies
        {
            return Some("the pool verifies neither email nor phone_number (AutoVerifiedAttributes), so no code is sent");
        }
        let mfa_required = config.mfa_configuration.as_deref() == Some("ON");
        if matches!(self, Flow::PostAuthentication | Flow::TokenGeneration) && mfa_required {
            return Some("the pool requires MFA, so a password sign-in answers with an MFA challenge before any tokens");
        }
        None
    }

    /// Whether the user needs an email or a phone number for the call to send anything.
    pub fn needs_contact(self) -> bool {
        matches!(
            self,
            Flow::SignUpMessage
                | Flow::ResendCode
                | Flow::ForgotPassword
                | Flow::UpdateAttribute
                | Flow::ConfirmForgotPassword
        )
    }

    /// Whether the case has a user at all: a migration asks for a name the pool does not have.
    pub fn has_user(self) -> bool {
        !self.migrates()
    }

    fn migrates(self) -> bool {
        matches!(self, Flow::MigrateSignIn | Flow::MigrateForgotPassword)
    }

    /// Whether the scenario seeds the user before the call (else the call creates it, or asks
    /// UserMigration for it).
    pub fn seeds_user(self) -> bool {
        !matches!(
            self,
            Flow::SignUpMessage
                | Flow::PreSignUp
                | Flow::MigrateSignIn
                | Flow::MigrateForgotPassword
        )
    }

    /// Whether the seeded user signs in with [`SIGN_UP_PASSWORD`].
    pub fn signs_in(self) -> bool {
        matches!(
            self,
            Flow::PreAuthentication | Flow::PostAuthentication | Flow::TokenGeneration
        )
    }

    /// Whether the seeded user's contact attributes are verified.
    pub fn verified_contacts(self) -> Verified {
        match self {
            Flow::ForgotPassword | Flow::UpdateAttribute | Flow::ConfirmForgotPassword => {
                Verified::Yes
            }
            Flow::PreAuthentication
            | Flow::PostAuthentication
            | Flow::TokenGeneration
            | Flow::DefineAuthChallenge => Verified::Either,
            _ => Verified::No,
        }
    }

    /// The seeded user's status.
    pub fn status(self) -> UserStatus {
        match self {
            Flow::ResendCode | Flow::SignUpMessage | Flow::PreSignUp | Flow::ConfirmSignUp => {
                UserStatus::Unconfirmed
            }
            _ => UserStatus::Confirmed,
        }
    }

    /// The event the call sends for `case`, or `None` when the call sends none (no channel).
    pub fn fire(self, pool: &UserPool, case: &Case) -> Option<Fired> {
        let metadata = case.metadata_map();
        let client = Caller::Client(SAMPLE_CLIENT_ID);
        let mut user = User::new(case.username.as_str());
        user.sub = SAMPLE_SUB.to_string();
        user.status = self.status();
        for (name, value) in &case.attributes {
            if !value.is_empty() {
                user.attributes.insert(name.clone(), value.clone());
            }
        }
        let message = |user: &User, medium: DeliveryMedium, caller| Fired {
            medium,
            ..Fired::event(custom_message::event(
                pool,
                case.source,
                user,
                caller,
                metadata.as_ref(),
            ))
        };
        // The app client the replay's `$client` stands for is, like the sample one, made without
        // a description: it prevents user existence errors (the console's default).
        let prevents = pool.prevents_user_existence_errors(SAMPLE_CLIENT_ID);
        match self {
            Flow::UpdateAttribute => {
                // The event shows the user as stored after the update (§2.3, ruling 5).
                let (attr, value) = case.change.as_ref()?;
                if !pool.config.requires_verification_before_update(attr) {
                    user.attributes.insert(attr.clone(), value.clone());
                    user.attributes
                        .insert(format!("{attr}_verified"), "false".to_string());
                }
                let medium = if attr == "email" {
                    DeliveryMedium::Email
                } else {
                    DeliveryMedium::Sms
                };
                Some(message(&user, medium, Caller::Admin))
            }
            Flow::ForgotPassword => {
                let medium = recovery_channel(pool, &user)?;
                Some(message(&user, medium, client))
            }
            Flow::ResendCode => {
                let medium = verification_channel(pool, &user)?;
                Some(message(&user, medium, client))
            }
            Flow::SignUpMessage => {
                // As SignUp stores the user: its contact attributes unverified (§3.5).
                for attr in ["email", "phone_number"] {
                    let flag = format!("{attr}_verified");
                    if user.attributes.contains_key(attr) && !user.attributes.contains_key(&flag) {
                        user.attributes.insert(flag, "false".to_string());
                    }
                }
                let medium = verification_channel(pool, &user)?;
                Some(message(&user, medium, client))
            }
            Flow::PreSignUp => {
                let supplied: Map<String, Value> = user
                    .attributes
                    .iter()
                    .map(|(n, v)| (n.clone(), Value::from(v.as_str())))
                    .collect();
                let event = pre_sign_up::event(
                    pool,
                    case.source,
                    &case.username,
                    client,
                    supplied.clone(),
                    None,
                    metadata.as_ref(),
                );
                Some(Fired {
                    attributes: supplied,
                    ..Fired::event(event)
                })
            }
            Flow::ConfirmSignUp => {
                // The event shows the user as the confirmation left them (§AT.2).
                user.status = UserStatus::Confirmed;
                let event = post_confirmation::event(
                    pool,
                    case.source,
                    &user,
                    Caller::Admin,
                    metadata.as_ref(),
                );
                Some(Fired::event(event))
            }
            Flow::ConfirmForgotPassword => {
                // No verified channel: ForgotPassword sends no code to confirm with.
                recovery_channel(pool, &user)?;
                let event =
                    post_confirmation::event(pool, case.source, &user, client, metadata.as_ref());
                Some(Fired::event(event))
            }
            Flow::PreAuthentication => Some(Fired::event(pre_authentication::event(
                pool,
                SigningIn::Found(&user),
                SAMPLE_CLIENT_ID,
                metadata.as_ref(),
                prevents,
            ))),
            Flow::PostAuthentication => {
                // InitiateAuth's ClientMetadata never reaches PostAuthentication (§AT.2), and the
                // sign-in names no device.
                let new_device = post_authentication::new_device_used(&pool.config, None);
                Some(Fired::event(post_authentication::event(
                    pool,
                    &user,
                    SAMPLE_CLIENT_ID,
                    new_device,
                    None,
                )))
            }
            Flow::TokenGeneration => {
                let forwarded = metadata
                    .as_ref()
                    .filter(|_| case.source.forwards_client_metadata());
                Some(Fired::event(pre_token_generation::event(
                    pool,
                    case.source,
                    &user,
                    SAMPLE_CLIENT_ID,
                    &[SIGN_IN_SCOPE],
                    forwarded,
                )))
            }
            Flow::MigrateSignIn | Flow::MigrateForgotPassword => {
                let password = (self == Flow::MigrateSignIn).then_some(SIGN_UP_PASSWORD);
                let event = user_migration::event(
                    pool,
                    case.source,
                    &case.username,
                    password,
                    SAMPLE_CLIENT_ID,
                    metadata.as_ref(),
                );
                // The judge names the app client in "Exception migrating user in app client".
                Some(Fired {
                    client_id: Some(SAMPLE_CLIENT_ID),
                    ..Fired::event(event)
                })
            }
            Flow::DefineAuthChallenge => {
                // The first question: no challenge answered yet, and InitiateAuth's
                // ClientMetadata reaches none of the custom-auth triggers (§CA.2).
                Some(Fired::event(define_auth_challenge::event(
                    pool,
                    Signer::Found(&user),
                    SAMPLE_CLIENT_ID,
                    &[],
                    None,
                    prevents,
                )))
            }
        }
    }
}
