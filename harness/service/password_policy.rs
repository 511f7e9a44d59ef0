//! The pool's password policy, with the InvalidPasswordException texts Cognito uses, and the
//! temporary passwords AdminCreateUser makes.

use super::codes::new_code;
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::StringRule;
use crate::model::patterns::PASSWORD;
use crate::pool::UserPool;

/// PasswordType: up to 256 characters, `[\S]+` (sensitive).
pub(crate) const PASSWORD_RULE: StringRule = StringRule {
    min: None,
    max: Some(256),
    pattern: Some(&PASSWORD),
    sensitive: true,
};

/// Checks a password against the pool's PasswordPolicy (defaults: 8 characters, upper, lower,
/// number and symbol), with the InvalidPasswordException texts Cognito uses (assumed: the reference
/// does not record them).
pub(crate) fn check_policy(pool: &UserPool, password: &str) -> Result<(), CognitoError> {
    let policy = pool
        .config
        .policies
        .as_ref()
        .and_then(|p| p.password_policy.clone())
        .unwrap_or_default();
    let fail = |what: &str| {
        Err(CognitoError::new(
            ErrorCode::InvalidPasswordException,
            format!("Password did not conform with password policy: {what}"),
        ))
    };
    if (password.chars().count() as i64) < policy.minimum_length.unwrap_or(8) {
        return fail("Password not long enough");
    }
    if policy.require_uppercase.unwrap_or(true) && !password.chars().any(|c| c.is_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if policy.require_lowercase.unwrap_or(true) && !password.chars().any(|c| c.is_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if policy.require_numbers.unwrap_or(true) && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if policy.require_symbols.unwrap_or(true)
        && !password
            .chars()
            .any(|c| c.is_ascii_punctuation() || c == ' ')
    {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

/// A temporary password that satisfies the pool's policy: upper and lower case, a symbol and
/// digits, at least 16 characters or the policy's MinimumLength, whichever is longer (Cognito
/// generates passwords that meet the pool's own policy).
pub(crate) fn temporary_password(pool: &UserPool) -> String {
    let minimum = pool
        .config
        .policies
        .as_ref()
        .and_then(|p| p.password_policy.as_ref())
        .and_then(|p| p.minimum_length)
        .unwrap_or(8);
    // "Tmp" + letters + "!" + a 6-digit code: 10 fixed characters around the random part.
    let random = usize::try_from(minimum)
        .unwrap_or(0)
        .saturating_sub(10)
        .max(6);
    format!(
        "Tmp{}!{}",
        crate::model::tokens::random_alphanumeric(random),
        new_code()
    )
}
