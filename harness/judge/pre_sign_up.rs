//! Cognito's acceptance rules for a PreSignUp answer (cognito-semantics.md §3.5, rulings 1 and 9).

use serde_json::{Map, Value};

use super::{json_type, response_object, rules, unrecognizable, Verdict};
use crate::error::CognitoError;
use crate::events::TriggerSource;
use crate::function::Payload;

/// What the PreSignUp answer asks Cognito to do.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct PreSignUpFlags {
    pub auto_confirm_user: bool,
    pub auto_verify_email: bool,
    pub auto_verify_phone: bool,
}

/// Judges a PreSignUp output. `attributes` are the user's attributes after sign-up (auto-verify
/// needs the attribute, ruling 9). For `PreSignUp_AdminCreateUser` the flags are read but ignored.
pub fn judge_output(
    source: TriggerSource,
    payload: &Payload,
    attributes: &Map<String, Value>,
) -> (Verdict, PreSignUpFlags) {
    let response = match response_object(source, payload) {
        Ok(r) => r,
        Err(verdict) => return (verdict, PreSignUpFlags::default()),
    };
    let flag = |name: &str| -> Result<bool, Verdict> {
        match response.get(name) {
            // An absent or null flag is read as false (assumed: the echoed event always has all three).
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(unrecognizable(
                source,
                format!("response.{name} is {}, not a boolean", json_type(other)),
            )),
        }
    };
    let flags = match (
        flag("autoConfirmUser"),
        flag("autoVerifyEmail"),
        flag("autoVerifyPhone"),
    ) {
        (Ok(c), Ok(e), Ok(p)) => PreSignUpFlags {
            auto_confirm_user: c,
            auto_verify_email: e,
            auto_verify_phone: p,
        },
        (Err(v), _, _) | (_, Err(v), _) | (_, _, Err(v)) => return (v, PreSignUpFlags::default()),
    };
    if source == TriggerSource::PreSignUpAdminCreateUser {
        let mut verdict = Verdict::accepted(source, &rules::PRE_SIGN_UP_ADMIN_FLAGS_IGNORED);
        if flags != PreSignUpFlags::default() {
            verdict.detail = Some(
                "the function set response flags; Cognito ignores them for AdminCreateUser".into(),
            );
        }
        return (verdict, PreSignUpFlags::default());
    }
    for (wanted, attribute, name) in [
        (flags.auto_verify_email, "email", "autoVerifyEmail"),
        (flags.auto_verify_phone, "phone_number", "autoVerifyPhone"),
    ] {
        let present = attributes
            .get(attribute)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty());
        if wanted && !present {
            // Ruling 9: the text is ours; the exception type is the ruling's.
            let error = CognitoError::invalid_parameter(format!(
                "{name} is true but the user has no {attribute} attribute to verify."
            ));
            return (
                Verdict::rejected(
                    source,
                    &rules::PRE_SIGN_UP_AUTO_VERIFY_NEEDS_ATTRIBUTE,
                    error,
                ),
                PreSignUpFlags::default(),
            );
        }
    }
    let mut verdict = Verdict::accepted(source, &rules::PRE_SIGN_UP_ACCEPTED);
    verdict.detail = Some(format!(
        "autoConfirmUser={}, autoVerifyEmail={}, autoVerifyPhone={}",
        flags.auto_confirm_user, flags.auto_verify_email, flags.auto_verify_phone
    ));
    (verdict, flags)
}
