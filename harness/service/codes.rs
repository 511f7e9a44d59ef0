//! Confirmation, verification, reset and sign-in codes: how they are made, how long they live
//! (DG-VERIF) and how a code the user types is checked.

use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::StringRule;
use crate::model::patterns::CONFIRMATION_CODE;
use crate::pool::{CodePurpose, DeliveryMedium, IssuedCode, User};
use crate::trigger::TriggerSource;

/// How long codes stay valid (DG-VERIF: 24 h for confirmation and verification codes; 1 h for
/// password-reset codes).
pub(crate) const CONFIRMATION_CODE_SECONDS: u64 = 24 * 3600;
pub(crate) const RESET_CODE_SECONDS: u64 = 3600;
/// Sign-in codes are short-lived (3 minutes for SMS/e-mail MFA codes; assumed).
pub(crate) const AUTHENTICATION_CODE_SECONDS: u64 = 180;

/// What a code sent for `source` is for, and how long it stays valid.
pub(crate) fn code_purpose(source: TriggerSource, medium: DeliveryMedium) -> (CodePurpose, u64) {
    match source {
        TriggerSource::CUSTOM_MESSAGE_FORGOT_PASSWORD => {
            (CodePurpose::ForgotPassword, RESET_CODE_SECONDS)
        }
        TriggerSource::CUSTOM_MESSAGE_AUTHENTICATION => {
            (CodePurpose::Authentication, AUTHENTICATION_CODE_SECONDS)
        }
        TriggerSource::CUSTOM_MESSAGE_UPDATE_USER_ATTRIBUTE
        | TriggerSource::CUSTOM_MESSAGE_VERIFY_USER_ATTRIBUTE => (
            CodePurpose::VerifyAttribute(medium.attribute().to_string()),
            CONFIRMATION_CODE_SECONDS,
        ),
        _ => (CodePurpose::ConfirmSignUp, CONFIRMATION_CODE_SECONDS),
    }
}

/// ConfirmationCodeType: 1–2048, `[\S]+`.
pub(crate) const CONFIRMATION_CODE_RULE: StringRule =
    StringRule::len(1, 2048).pattern(&CONFIRMATION_CODE);

/// A 6-digit code, as Cognito sends for confirmation and verification.
pub(crate) fn new_code() -> String {
    use rand::Rng as _;
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// Remembers a code sent for `purpose`.
pub(crate) fn remember_code(
    user: &mut User,
    purpose: CodePurpose,
    code: &str,
    now: u64,
    lifetime: u64,
) {
    user.codes.insert(
        purpose,
        IssuedCode {
            code: code.to_string(),
            expires_at: now + lifetime,
        },
    );
}

/// Checks a code the user typed: CodeMismatchException for a wrong one, ExpiredCodeException for
/// an expired or never-issued one. A used code is forgotten.
pub(crate) fn consume_code(
    user: &mut User,
    purpose: &CodePurpose,
    code: &str,
    now: u64,
) -> Result<(), CognitoError> {
    let Some(issued) = user.codes.get(purpose) else {
        return Err(expired_code());
    };
    if issued.code != code {
        return Err(CognitoError::new(
            ErrorCode::CodeMismatchException,
            "Invalid verification code provided, please try again.",
        ));
    }
    if issued.expires_at < now {
        return Err(expired_code());
    }
    user.codes.remove(purpose);
    Ok(())
}

fn expired_code() -> CognitoError {
    CognitoError::new(
        ErrorCode::ExpiredCodeException,
        "Invalid code provided, please request a code again.",
    )
}
