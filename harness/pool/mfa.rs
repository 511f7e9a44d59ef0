//! Multi-factor authentication as data (cognito-semantics.md §MFA): what a user has set up and
//! prefers, which factors the pool offers, and the sign-ins waiting for a second factor. The
//! service decides and sends; this only remembers.

use serde::{Deserialize, Serialize};

/// An MFA factor, named as UserMFASettingList and ChallengeName name it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MfaType {
    /// `SMS_MFA`: a code by SMS to `phone_number`.
    #[serde(rename = "SMS_MFA")]
    Sms,
    /// `SOFTWARE_TOKEN_MFA`: a TOTP code from an authenticator app.
    #[serde(rename = "SOFTWARE_TOKEN_MFA")]
    SoftwareToken,
    /// `EMAIL_OTP`: a code by e-mail to `email`.
    #[serde(rename = "EMAIL_OTP")]
    Email,
}

impl MfaType {
    /// Every factor, in the order Cognito lists them.
    pub const ALL: [MfaType; 3] = [MfaType::Sms, MfaType::SoftwareToken, MfaType::Email];

    /// `SMS_MFA`, `SOFTWARE_TOKEN_MFA` or `EMAIL_OTP`.
    pub fn as_str(self) -> &'static str {
        match self {
            MfaType::Sms => "SMS_MFA",
            MfaType::SoftwareToken => "SOFTWARE_TOKEN_MFA",
            MfaType::Email => "EMAIL_OTP",
        }
    }

    /// The factor with this name.
    pub fn from_name(name: &str) -> Option<MfaType> {
        MfaType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// A user's MFA settings (SetUserMFAPreference) and their authenticator-app secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MfaSettings {
    /// The factors the user enabled, in [`MfaType::ALL`] order.
    pub enabled: Vec<MfaType>,
    /// The factor the user prefers (`PreferredMfaSetting`), one of `enabled`.
    pub preferred: Option<MfaType>,
    /// The secret VerifySoftwareToken confirmed (base32), if any.
    pub software_token: Option<String>,
    /// A secret AssociateSoftwareToken handed out and VerifySoftwareToken has not confirmed yet.
    pub pending_software_token: Option<String>,
    /// The `FriendlyDeviceName` VerifySoftwareToken was given.
    pub friendly_device_name: Option<String>,
}

impl MfaSettings {
    /// Whether the user enabled `factor`.
    pub fn is_enabled(&self, factor: MfaType) -> bool {
        self.enabled.contains(&factor)
    }

    /// Enables or disables `factor`; disabling the preferred factor clears the preference.
    pub fn set_enabled(&mut self, factor: MfaType, enabled: bool) {
        self.enabled.retain(|t| *t != factor);
        if enabled {
            self.enabled.push(factor);
            self.enabled.sort();
        } else if self.preferred == Some(factor) {
            self.preferred = None;
        }
    }
}

/// The factors a pool offers (SetUserPoolMfaConfig's SoftwareTokenMfaConfiguration and
/// EmailMfaConfiguration; SMS follows the pool's SmsConfiguration).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MfaFactors {
    /// `SoftwareTokenMfaConfiguration.Enabled`.
    pub software_token: bool,
    /// `EmailMfaConfiguration`, when the pool sends MFA codes by e-mail.
    pub email: Option<EmailMfaConfiguration>,
}

/// EmailMfaConfigType: the message of e-mail MFA codes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EmailMfaConfiguration {
    /// `Message`: the body, with `{####}` for the code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `Subject`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// A sign-in whose password checked out, waiting for its second factor (or for the user to set
/// one up, or to choose one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaSession {
    /// The stored username.
    pub username: String,
    /// The app client signing in.
    pub client_id: String,
    /// The challenge the Session answers: `SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`,
    /// `SELECT_MFA_TYPE` or `MFA_SETUP`.
    pub challenge: String,
    /// Whether the sign-in began with NEW_PASSWORD_REQUIRED (its tokens keep that source).
    pub new_password: bool,
    /// For MFA_SETUP: whether VerifySoftwareToken confirmed a token under this sign-in.
    pub set_up: bool,
}
