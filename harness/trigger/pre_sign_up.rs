//! The PreSignUp trigger (cognito-semantics.md §1.3, §3.5, rulings 1, 4 and 9): its three sources,
//! the event Cognito sends, and the rules for its answer.

use serde_json::{Map, Value};

use super::judgement::{Context, Judgement};
use super::rules::rule;
use super::samples::{sample_pool, SAMPLE_CLIENT_ID};
use super::shared::{self, envelope, json_type, response_object, unrecognizable};
use super::{Caller, Kind, Trigger, TriggerSource, Verdict};
use crate::function::Payload;
use crate::model::cognito_error::CognitoError;
use crate::pool::{PoolConfig, UserPool};

impl Trigger {
    /// PreSignUp: Cognito asks the function whether a new user may sign up.
    pub const PRE_SIGN_UP: Trigger = Trigger::new("PreSignUp");
}

impl TriggerSource {
    /// SignUp.
    pub const PRE_SIGN_UP_SIGN_UP: TriggerSource =
        TriggerSource::new(Trigger::PRE_SIGN_UP, "PreSignUp_SignUp");
    /// AdminCreateUser (the response flags are ignored).
    pub const PRE_SIGN_UP_ADMIN_CREATE_USER: TriggerSource =
        TriggerSource::new(Trigger::PRE_SIGN_UP, "PreSignUp_AdminCreateUser");
    /// A first sign-in through an external identity provider.
    pub const PRE_SIGN_UP_EXTERNAL_PROVIDER: TriggerSource =
        TriggerSource::new(Trigger::PRE_SIGN_UP, "PreSignUp_ExternalProvider");
}

/// The registry entry of the PreSignUp trigger.
pub(crate) static KIND: Kind = Kind {
    trigger: Trigger::PRE_SIGN_UP,
    sources: &[
        TriggerSource::PRE_SIGN_UP_SIGN_UP,
        TriggerSource::PRE_SIGN_UP_ADMIN_CREATE_USER,
        TriggerSource::PRE_SIGN_UP_EXTERNAL_PROVIDER,
    ],
    rules: &[
        &ACCEPTED,
        &ADMIN_FLAGS_IGNORED,
        &AUTO_VERIFY_NEEDS_ATTRIBUTE,
        &AUTO_VERIFY_NEEDS_AUTO_CONFIRM,
        &UNSET_FLAG_IS_FALSE,
    ],
    function_error: &shared::FUNCTION_ERROR,
    arn: PoolConfig::pre_sign_up_arn,
    judge_output,
    without_function,
    sample,
    forwards_client_metadata,
};

rule!(ACCEPTED, "pre-sign-up.accepted", Documented, "§3.5",
    "the sign-up goes ahead; autoConfirmUser confirms, autoVerifyEmail/Phone mark the attribute verified");
rule!(
    ADMIN_FLAGS_IGNORED,
    "pre-sign-up.admin-create-user-ignores-flags",
    Documented,
    "§3.5 (DG-PSU 2023 note)",
    "for PreSignUp_AdminCreateUser the three response flags are ignored"
);
rule!(AUTO_VERIFY_NEEDS_ATTRIBUTE, "pre-sign-up.auto-verify-needs-attribute", Assumed, "§3.5, ruling 9",
    "autoVerifyEmail/autoVerifyPhone without that attribute: InvalidParameterException naming the attribute");

rule!(
    AUTO_VERIFY_NEEDS_AUTO_CONFIRM,
    "pre-sign-up.auto-verify-needs-auto-confirm",
    Observed,
    "§3.5",
    "autoVerifyEmail/autoVerifyPhone on a SignUp the function does not also auto-confirm: rejected, `Phone or email cannot be auto verified, when user is not being auto confirmed.`"
);

rule!(
    UNSET_FLAG_IS_FALSE,
    "pre-sign-up.unset-flag-is-false",
    Assumed,
    "§3.5",
    "the sign-up goes ahead; a flag the answer leaves null or out is read as false"
);

/// Cognito's text for an auto-verify flag without autoConfirmUser (§3.5, aws-sdk-java#1049).
const VERIFY_WITHOUT_CONFIRM: &str =
    "Phone or email cannot be auto verified, when user is not being auto confirmed.";

/// What the PreSignUp answer asks Cognito to do.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct PreSignUpFlags {
    /// `response.autoConfirmUser`: confirm the user without a code.
    pub auto_confirm_user: bool,
    /// `response.autoVerifyEmail`: mark the email verified.
    pub auto_verify_email: bool,
    /// `response.autoVerifyPhone`: mark the phone number verified.
    pub auto_verify_phone: bool,
}

/// Without a PreSignUp trigger the sign-up goes ahead with no flags set.
fn without_function(ctx: &Context<'_>) -> Judgement {
    Judgement::with_effect(
        Verdict::accepted(ctx.source, &ACCEPTED),
        PreSignUpFlags::default(),
    )
}

/// Judges a PreSignUp output; the effect is the [`PreSignUpFlags`] to apply.
fn judge_output(ctx: &Context<'_>, payload: &Payload) -> Judgement {
    let empty = Map::new();
    let attributes = ctx.attributes.unwrap_or(&empty);
    let (verdict, flags) = judge_flags(ctx.source, payload, attributes);
    if verdict.is_accepted() {
        Judgement::with_effect(verdict, flags)
    } else {
        Judgement::verdict(verdict)
    }
}

/// The verdict and flags of a PreSignUp output. `attributes` are the user's attributes after
/// sign-up (auto-verify needs the attribute, ruling 9). For `PreSignUp_AdminCreateUser` the flags
/// are read but ignored.
fn judge_flags(
    source: TriggerSource,
    payload: &Payload,
    attributes: &Map<String, Value>,
) -> (Verdict, PreSignUpFlags) {
    let response = match response_object(source, payload) {
        Ok(r) => r,
        Err(verdict) => return (verdict, PreSignUpFlags::default()),
    };
    // An absent or null flag is read as false (assumed: the echoed event always has all three);
    // the verdict then cites that ruling.
    let mut unset = false;
    let mut flag = |name: &str| -> Result<bool, Verdict> {
        match response.get(name) {
            None | Some(Value::Null) => {
                unset = true;
                Ok(false)
            }
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
    if source == TriggerSource::PRE_SIGN_UP_ADMIN_CREATE_USER {
        let mut verdict = Verdict::accepted(source, &ADMIN_FLAGS_IGNORED);
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
                Verdict::rejected(source, &AUTO_VERIFY_NEEDS_ATTRIBUTE, error),
                PreSignUpFlags::default(),
            );
        }
    }
    // A federated user is confirmed by the provider, so only SignUp needs the confirm flag
    // (assumed: every report of this rejection is a SignUp).
    let verifies = flags.auto_verify_email || flags.auto_verify_phone;
    if verifies && !flags.auto_confirm_user && source == TriggerSource::PRE_SIGN_UP_SIGN_UP {
        // The text is observed; the reports do not name the exception, InvalidParameterException
        // is ours (as for ruling 9).
        let error = CognitoError::invalid_parameter(VERIFY_WITHOUT_CONFIRM);
        return (
            Verdict::rejected(source, &AUTO_VERIFY_NEEDS_AUTO_CONFIRM, error),
            PreSignUpFlags::default(),
        );
    }
    let rule = if unset {
        &UNSET_FLAG_IS_FALSE
    } else {
        &ACCEPTED
    };
    let mut verdict = Verdict::accepted(source, rule);
    verdict.detail = Some(format!(
        "autoConfirmUser={}, autoVerifyEmail={}, autoVerifyPhone={}",
        flags.auto_confirm_user, flags.auto_verify_email, flags.auto_verify_phone
    ));
    (verdict, flags)
}

/// Whether Cognito passes a request's ClientMetadata to this source (table 2.1): not for a
/// federated first sign-in, which no API request carries.
fn forwards_client_metadata(source: TriggerSource) -> bool {
    source != TriggerSource::PRE_SIGN_UP_EXTERNAL_PROVIDER
}

/// A PreSignUp event (§1.3, ruling 4): only the supplied attributes, `validationData` null when
/// absent (`{}` and the two empty alias keys on a federated sign-in), `clientMetadata` only when
/// supplied, `response` three `false`s.
pub(crate) fn event(
    pool: &UserPool,
    source: TriggerSource,
    user_name: &str,
    caller: Caller<'_>,
    supplied_attributes: Map<String, Value>,
    validation_data: Option<&Map<String, Value>>,
    client_metadata: Option<&Map<String, Value>>,
) -> Value {
    let federated = source == TriggerSource::PRE_SIGN_UP_EXTERNAL_PROVIDER;
    let user_attributes = if federated {
        // A federated first sign-in shows both alias keys, empty, before the mapped attributes
        // (§1.3: every published capture of PreSignUp_ExternalProvider carries them).
        let mut attributes = Map::with_capacity(supplied_attributes.len() + 2);
        attributes.insert("cognito:email_alias".into(), Value::from(""));
        attributes.insert("cognito:phone_number_alias".into(), Value::from(""));
        attributes.extend(supplied_attributes);
        attributes
    } else {
        supplied_attributes
    };
    let mut request = Map::with_capacity(3);
    request.insert("userAttributes".into(), Value::Object(user_attributes));
    // No request carries ValidationData on a federated sign-in: Cognito sends `{}` there (§1.3,
    // captured), `null` when an API call omits it (ruling 4).
    let validation_data = match validation_data {
        Some(v) => Value::Object(v.clone()),
        None if federated => Value::Object(Map::new()),
        None => Value::Null,
    };
    request.insert("validationData".into(), validation_data);
    if let Some(metadata) = client_metadata {
        request.insert("clientMetadata".into(), Value::Object(metadata.clone()));
    }
    let mut response = Map::with_capacity(3);
    response.insert("autoConfirmUser".into(), Value::Bool(false));
    response.insert("autoVerifyEmail".into(), Value::Bool(false));
    response.insert("autoVerifyPhone".into(), Value::Bool(false));
    envelope(
        pool,
        source,
        user_name,
        caller,
        Value::Object(request),
        Value::Object(response),
    )
}

/// A sample PreSignUp event: Jane signing up (or Google's Jane signing in for the first time).
fn sample(source: TriggerSource, metadata: Option<&Map<String, Value>>) -> Value {
    let pool = sample_pool();
    let client = Caller::Client(SAMPLE_CLIENT_ID);
    let (name, caller) = match source {
        TriggerSource::PRE_SIGN_UP_ADMIN_CREATE_USER => ("jane", Caller::Admin),
        TriggerSource::PRE_SIGN_UP_EXTERNAL_PROVIDER => ("Google_109876543210987654321", client),
        _ => ("jane", client),
    };
    let supplied: Map<String, Value> = [("email", "jane@example.com"), ("name", "Jane Doe")]
        .into_iter()
        .map(|(n, v)| (n.into(), v.into()))
        .collect();
    event(&pool, source, name, caller, supplied, None, metadata)
}

#[cfg(test)]
mod tests {
    use assert_json_diff::assert_json_eq;
    use aws_lambda_events::cognito::CognitoEventUserPoolsPreSignup;
    use serde_json::json;

    use super::*;
    use crate::pool::PoolConfig;

    #[test]
    fn the_pre_sign_up_builder_matches_the_reference_example() {
        let pool = UserPool::with_id("eu-west-2_Ref12345", PoolConfig::default());
        let mut attributes = Map::new();
        attributes.insert("email".into(), json!("bob@example.com"));
        let event = super::event(
            &pool,
            TriggerSource::PRE_SIGN_UP_ADMIN_CREATE_USER,
            "bob",
            Caller::Admin,
            attributes.clone(),
            None,
            None,
        );
        // §1.5, second example, with the placeholders filled in.
        assert_json_eq!(
            event.clone(),
            json!({"version":"1","region":"eu-west-2","userPoolId":"eu-west-2_Ref12345","userName":"bob",
             "callerContext":{"awsSdkVersion":"aws-sdk-unknown-unknown","clientId":"CLIENT_ID_NOT_APPLICABLE"},
             "triggerSource":"PreSignUp_AdminCreateUser",
             "request":{"userAttributes":{"email":"bob@example.com"},"validationData":null},
             "response":{"autoConfirmUser":false,"autoVerifyEmail":false,"autoVerifyPhone":false}})
        );
        assert!(event["request"]
            .as_object()
            .unwrap()
            .contains_key("validationData"));
        let typed: CognitoEventUserPoolsPreSignup =
            serde_json::from_value(event).expect("deserializes");
        assert!(!typed.response.auto_confirm_user);

        // With ValidationData and ClientMetadata, from an app client.
        let mut validation = Map::new();
        validation.insert("captcha".into(), json!("ok"));
        let mut metadata = Map::new();
        metadata.insert("campaign".into(), json!("spring"));
        let event = super::event(
            &pool,
            TriggerSource::PRE_SIGN_UP_SIGN_UP,
            "bob",
            Caller::Client("client123"),
            attributes,
            Some(&validation),
            Some(&metadata),
        );
        assert_json_eq!(
            event,
            json!({"version":"1","region":"eu-west-2","userPoolId":"eu-west-2_Ref12345","userName":"bob",
             "callerContext":{"awsSdkVersion":"aws-sdk-unknown-unknown","clientId":"client123"},
             "triggerSource":"PreSignUp_SignUp",
             "request":{"userAttributes":{"email":"bob@example.com"},"validationData":{"captcha":"ok"},
                        "clientMetadata":{"campaign":"spring"}},
             "response":{"autoConfirmUser":false,"autoVerifyEmail":false,"autoVerifyPhone":false}})
        );
    }
}
