//! The CustomEmailSender and CustomSMSSender triggers (cognito-semantics.md §CS.1–§CS.7): when a
//! pool configures one, Cognito hands the message's code to the function, encrypted, instead of
//! sending the e-mail or SMS itself, and invokes it asynchronously: the call does not wait for the
//! function, and nothing the function does reaches the caller.

use serde_json::{Map, Value};

use super::judgement::{Context, Judgement};
use super::rules::rule;
use super::samples::{sample_pool, sample_user, SAMPLE_CLIENT_ID};
use super::shared::{envelope, stored_attributes, Failed};
use super::{Caller, Kind, Trigger, TriggerSource, Verdict};
use crate::function::{Invocation, Payload};
use crate::model::sender_code;
use crate::pool::config::VersionedLambda;
use crate::pool::{DeliveryMedium, PoolConfig, User, UserPool, UserStatus};

impl Trigger {
    /// CustomEmailSender: Cognito hands every e-mail it would send to the function (§CS.1).
    pub const CUSTOM_EMAIL_SENDER: Trigger = Trigger::new("CustomEmailSender");
    /// CustomSMSSender: Cognito hands every SMS it would send to the function (§CS.1).
    pub const CUSTOM_SMS_SENDER: Trigger = Trigger::new("CustomSMSSender");
}

/// Declares the sources of one sender trigger, in the order of CustomMessage's (then the
/// takeover notification, which has no CustomMessage counterpart).
macro_rules! sender_sources {
    ($trigger:ident, $prefix:literal, $($name:ident = $variant:literal: $doc:literal),+ $(,)?) => {
        impl TriggerSource {
            $(
                #[doc = $doc]
                pub const $name: TriggerSource =
                    TriggerSource::new(Trigger::$trigger, concat!($prefix, "_", $variant));
            )+
        }
    };
}

sender_sources!(CUSTOM_EMAIL_SENDER, "CustomEmailSender",
    CUSTOM_EMAIL_SENDER_SIGN_UP = "SignUp": "The confirmation code after sign-up, by e-mail.",
    CUSTOM_EMAIL_SENDER_ADMIN_CREATE_USER = "AdminCreateUser": "The invitation with the temporary password, by e-mail.",
    CUSTOM_EMAIL_SENDER_RESEND_CODE = "ResendCode": "The confirmation code again, by e-mail.",
    CUSTOM_EMAIL_SENDER_FORGOT_PASSWORD = "ForgotPassword": "The password-reset code, by e-mail.",
    CUSTOM_EMAIL_SENDER_UPDATE_USER_ATTRIBUTE = "UpdateUserAttribute": "The code that verifies a changed attribute, by e-mail.",
    CUSTOM_EMAIL_SENDER_VERIFY_USER_ATTRIBUTE = "VerifyUserAttribute": "The code that verifies an attribute on request, by e-mail.",
    CUSTOM_EMAIL_SENDER_AUTHENTICATION = "Authentication": "A sign-in code (MFA or e-mail OTP), by e-mail.",
    CUSTOM_EMAIL_SENDER_ACCOUNT_TAKE_OVER_NOTIFICATION = "AccountTakeOverNotification": "Threat protection's takeover notification, by e-mail (no code; the harness never fires it).",
);

sender_sources!(CUSTOM_SMS_SENDER, "CustomSMSSender",
    CUSTOM_SMS_SENDER_SIGN_UP = "SignUp": "The confirmation code after sign-up, by SMS.",
    CUSTOM_SMS_SENDER_ADMIN_CREATE_USER = "AdminCreateUser": "The invitation with the temporary password, by SMS.",
    CUSTOM_SMS_SENDER_RESEND_CODE = "ResendCode": "The confirmation code again, by SMS.",
    CUSTOM_SMS_SENDER_FORGOT_PASSWORD = "ForgotPassword": "The password-reset code, by SMS.",
    CUSTOM_SMS_SENDER_UPDATE_USER_ATTRIBUTE = "UpdateUserAttribute": "The code that verifies a changed attribute, by SMS.",
    CUSTOM_SMS_SENDER_VERIFY_USER_ATTRIBUTE = "VerifyUserAttribute": "The code that verifies an attribute on request, by SMS.",
    CUSTOM_SMS_SENDER_AUTHENTICATION = "Authentication": "A sign-in code (MFA or SMS OTP), by SMS.",
    CUSTOM_SMS_SENDER_ACCOUNT_TAKE_OVER_NOTIFICATION = "AccountTakeOverNotification": "Threat protection's takeover notification, by SMS (no code; the harness never fires it).",
);

const EMAIL_SOURCES: [TriggerSource; 8] = [
    TriggerSource::CUSTOM_EMAIL_SENDER_SIGN_UP,
    TriggerSource::CUSTOM_EMAIL_SENDER_ADMIN_CREATE_USER,
    TriggerSource::CUSTOM_EMAIL_SENDER_RESEND_CODE,
    TriggerSource::CUSTOM_EMAIL_SENDER_FORGOT_PASSWORD,
    TriggerSource::CUSTOM_EMAIL_SENDER_UPDATE_USER_ATTRIBUTE,
    TriggerSource::CUSTOM_EMAIL_SENDER_VERIFY_USER_ATTRIBUTE,
    TriggerSource::CUSTOM_EMAIL_SENDER_AUTHENTICATION,
    TriggerSource::CUSTOM_EMAIL_SENDER_ACCOUNT_TAKE_OVER_NOTIFICATION,
];

const SMS_SOURCES: [TriggerSource; 8] = [
    TriggerSource::CUSTOM_SMS_SENDER_SIGN_UP,
    TriggerSource::CUSTOM_SMS_SENDER_ADMIN_CREATE_USER,
    TriggerSource::CUSTOM_SMS_SENDER_RESEND_CODE,
    TriggerSource::CUSTOM_SMS_SENDER_FORGOT_PASSWORD,
    TriggerSource::CUSTOM_SMS_SENDER_UPDATE_USER_ATTRIBUTE,
    TriggerSource::CUSTOM_SMS_SENDER_VERIFY_USER_ATTRIBUTE,
    TriggerSource::CUSTOM_SMS_SENDER_AUTHENTICATION,
    TriggerSource::CUSTOM_SMS_SENDER_ACCOUNT_TAKE_OVER_NOTIFICATION,
];

/// The CustomMessage sources, in the order of the sender sources they correspond to.
const MESSAGE_SOURCES: [TriggerSource; 7] = [
    TriggerSource::CUSTOM_MESSAGE_SIGN_UP,
    TriggerSource::CUSTOM_MESSAGE_ADMIN_CREATE_USER,
    TriggerSource::CUSTOM_MESSAGE_RESEND_CODE,
    TriggerSource::CUSTOM_MESSAGE_FORGOT_PASSWORD,
    TriggerSource::CUSTOM_MESSAGE_UPDATE_USER_ATTRIBUTE,
    TriggerSource::CUSTOM_MESSAGE_VERIFY_USER_ATTRIBUTE,
    TriggerSource::CUSTOM_MESSAGE_AUTHENTICATION,
];

/// The registry entry of the CustomEmailSender trigger.
pub(crate) static EMAIL_KIND: Kind = Kind {
    trigger: Trigger::CUSTOM_EMAIL_SENDER,
    sources: &EMAIL_SOURCES,
    rules: &[&ASYNCHRONOUS, &FAILURE_UNREPORTED, &NOT_CONFIGURED],
    function_error: &FAILURE_UNREPORTED,
    arn: email_arn,
    judge_output,
    without_function,
    sample,
    forwards_client_metadata,
};

/// The registry entry of the CustomSMSSender trigger (its rules are the e-mail kind's).
pub(crate) static SMS_KIND: Kind = Kind {
    trigger: Trigger::CUSTOM_SMS_SENDER,
    sources: &SMS_SOURCES,
    rules: &[],
    function_error: &FAILURE_UNREPORTED,
    arn: sms_arn,
    judge_output,
    without_function,
    sample,
    forwards_client_metadata,
};

rule!(ASYNCHRONOUS, "custom-sender.asynchronous", Documented, "§CS.3",
    "Cognito invokes custom senders asynchronously and reads nothing from the answer: the call succeeds whatever the function returns");
rule!(FAILURE_UNREPORTED, "custom-sender.failure-unreported", Assumed, "§CS.3, ruling CS-2",
    "a sender's error or timeout does not reach the caller: the call has succeeded; Lambda retries the event twice and the user gets no message from this attempt (a warning says so)");
rule!(
    NOT_CONFIGURED,
    "custom-sender.not-configured",
    Documented,
    "§CS.1",
    "without a custom sender Cognito sends the message itself (CustomMessage and the templates)"
);

/// The `{LambdaVersion, LambdaArn}` of a sender, if configured.
fn versioned(config: &PoolConfig, medium: DeliveryMedium) -> Option<&VersionedLambda> {
    let lambda = config.lambda_config.as_ref()?;
    match medium {
        DeliveryMedium::Email => lambda.custom_email_sender.as_ref(),
        DeliveryMedium::Sms => lambda.custom_sms_sender.as_ref(),
    }
}

fn email_arn(config: &PoolConfig) -> Option<&str> {
    versioned(config, DeliveryMedium::Email)?
        .lambda_arn
        .as_deref()
}

fn sms_arn(config: &PoolConfig) -> Option<&str> {
    versioned(config, DeliveryMedium::Sms)?
        .lambda_arn
        .as_deref()
}

/// The custom sender that delivers a message of `message_source` on `medium`, when the pool
/// configures one: its trigger source and ARN (§CS.1).
pub(crate) fn sender_for(
    config: &PoolConfig,
    medium: DeliveryMedium,
    message_source: TriggerSource,
) -> Option<(TriggerSource, &str)> {
    let arn = versioned(config, medium)?.lambda_arn.as_deref()?;
    let index = MESSAGE_SOURCES.iter().position(|s| *s == message_source)?;
    let sources = match medium {
        DeliveryMedium::Email => &EMAIL_SOURCES,
        DeliveryMedium::Sms => &SMS_SOURCES,
    };
    Some((sources[index], arn))
}

/// The key id codes are encrypted under: `LambdaConfig.KMSKeyID`, else the pool id (§CS.4,
/// ruling CS-4).
pub(crate) fn kms_key_id(pool: &UserPool) -> &str {
    pool.config
        .lambda_config
        .as_ref()
        .and_then(|l| l.kms_key_id.as_deref())
        .unwrap_or(pool.id.as_str())
}

/// The warning for a pool that configures a sender but no KMSKeyID (ruling CS-4).
pub(crate) fn missing_key_warning(pool: &UserPool, sender: TriggerSource) -> Option<String> {
    let has_key = pool
        .config
        .lambda_config
        .as_ref()
        .is_some_and(|l| l.kms_key_id.is_some());
    (!has_key).then(|| {
        format!(
            "{} is configured without LambdaConfig.KMSKeyID: real Cognito requires a KMS key for custom senders; the harness encrypted the code under the pool id `{}` instead (custom-sender.asynchronous, ruling CS-4)",
            sender.trigger(),
            pool.id
        )
    })
}

/// The answer is never judged: Cognito invoked the function asynchronously (§CS.3).
fn judge_output(ctx: &Context<'_>, _payload: &Payload) -> Judgement {
    Judgement::verdict(Verdict::accepted(ctx.source, &ASYNCHRONOUS))
}

fn without_function(ctx: &Context<'_>) -> Judgement {
    Judgement::verdict(Verdict::accepted(ctx.source, &NOT_CONFIGURED))
}

/// Whether `trigger` is a custom sender, whose failures never reach the caller.
pub(crate) fn is_sender(trigger: Trigger) -> bool {
    trigger == Trigger::CUSTOM_EMAIL_SENDER || trigger == Trigger::CUSTOM_SMS_SENDER
}

/// The verdict on a sender that failed or timed out (ruling CS-2): the call goes on, with a
/// warning. `None` when the harness could not run it at all (that is no Cognito behaviour).
pub(crate) fn unreported_failure(
    source: TriggerSource,
    invocation: &Invocation,
    failed: &Failed<'_>,
) -> Option<Verdict> {
    let what = match failed {
        Failed::Error(e) => format!("failed with error {}", e.error_message),
        Failed::TimedOut => format!(
            "did not answer within the deadline ({} attempt(s))",
            invocation.attempts
        ),
        // An asynchronous event Lambda throttles is queued and retried, not refused (Lambda
        // docs, asynchronous invocation); the call never hears of it either way.
        Failed::Throttled(limit) => format!("was throttled ({limit})"),
        Failed::Unavailable(_) => return None,
    };
    let mut verdict = Verdict::accepted(source, &FAILURE_UNREPORTED).with_detail(format!(
        "{} {what}; Cognito invoked it asynchronously, so the caller never sees this",
        source.trigger()
    ));
    verdict.warnings.push(format!(
        "{} {what}: the call succeeded anyway (Cognito invokes custom senders asynchronously); on AWS, Lambda would retry the event twice and the user receives nothing unless a retry delivers it (custom-sender.failure-unreported)",
        source.trigger()
    ));
    Some(verdict)
}

/// Whether Cognito passes the call's ClientMetadata (§CS.2): like the CustomMessage source it
/// stands for, except that sign-in codes carry it (documented) and takeover notices never do.
fn forwards_client_metadata(source: TriggerSource) -> bool {
    let index = EMAIL_SOURCES
        .iter()
        .chain(SMS_SOURCES.iter())
        .position(|s| *s == source)
        .map(|i| i % EMAIL_SOURCES.len());
    match index {
        Some(i) if i < MESSAGE_SOURCES.len() => {
            MESSAGE_SOURCES[i] == TriggerSource::CUSTOM_MESSAGE_AUTHENTICATION
                || MESSAGE_SOURCES[i].forwards_client_metadata()
        }
        _ => false,
    }
}

/// A sender event (§CS.2): the envelope of §1.1 without `response`; `request` is `type`, `code`
/// (encrypted, or `null`), `clientMetadata` (the call's, or `null`) and the stored user.
pub(crate) fn event(
    pool: &UserPool,
    source: TriggerSource,
    user: &User,
    caller: Caller<'_>,
    client_metadata: Option<&Map<String, Value>>,
    encrypted_code: Option<String>,
) -> Value {
    let kind = if source.trigger() == Trigger::CUSTOM_SMS_SENDER {
        "customSMSSenderRequestV1"
    } else {
        "customEmailSenderRequestV1"
    };
    let mut request = Map::with_capacity(4);
    request.insert("type".into(), Value::from(kind));
    request.insert(
        "code".into(),
        encrypted_code.map(Value::from).unwrap_or(Value::Null),
    );
    request.insert(
        "clientMetadata".into(),
        client_metadata
            .filter(|_| source.forwards_client_metadata())
            .map(|m| Value::Object(m.clone()))
            .unwrap_or(Value::Null),
    );
    request.insert(
        "userAttributes".into(),
        Value::Object(stored_attributes(pool, user)),
    );
    let mut event = envelope(
        pool,
        source,
        &user.username,
        caller,
        Value::Object(request),
        Value::Null,
    );
    // Real sender events have no `response` member (§CS.2, captured).
    if let Value::Object(map) = &mut event {
        map.remove("response");
    }
    event
}

/// The KMS key the sample events are encrypted under (the key ARN of AWS's own examples).
pub const SAMPLE_KMS_KEY_ID: &str =
    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/// The plaintext code of the sample events.
pub const SAMPLE_CODE: &str = "123456";

/// A sample sender event: Jane's code for `source`, encrypted under [`SAMPLE_KMS_KEY_ID`] with a
/// fixed nonce (so samples are reproducible), or the takeover notice Cognito documents.
fn sample(source: TriggerSource, metadata: Option<&Map<String, Value>>) -> Value {
    let mut pool = sample_pool();
    let sms = source.trigger() == Trigger::CUSTOM_SMS_SENDER;
    let position = |list: &[TriggerSource]| list.iter().position(|s| *s == source);
    let index = position(&EMAIL_SOURCES)
        .or_else(|| position(&SMS_SOURCES))
        .unwrap_or(0);
    let mut user = sample_user(UserStatus::Confirmed);
    if sms {
        user.attributes
            .insert("phone_number".into(), "+12065550100".into());
        user.attributes
            .insert("phone_number_verified".into(), "true".into());
        pool = UserPool::with_id(
            pool.id.as_str(),
            serde_json::from_value(serde_json::json!({"AutoVerifiedAttributes": ["phone_number"]}))
                .expect("static sample config"),
        );
    }
    let mut caller = Caller::Client(SAMPLE_CLIENT_ID);
    match MESSAGE_SOURCES.get(index) {
        Some(&TriggerSource::CUSTOM_MESSAGE_SIGN_UP)
        | Some(&TriggerSource::CUSTOM_MESSAGE_RESEND_CODE) => {
            user.status = UserStatus::Unconfirmed;
            let verified = if sms {
                "phone_number_verified"
            } else {
                "email_verified"
            };
            user.attributes.insert(verified.into(), "false".into());
        }
        Some(&TriggerSource::CUSTOM_MESSAGE_ADMIN_CREATE_USER) => {
            user.status = UserStatus::ForceChangePassword;
            caller = Caller::Admin;
        }
        Some(_) => {}
        None => return takeover_sample(&pool, source, &user),
    }
    let code = sender_code::encrypt_with_nonce(SAMPLE_KMS_KEY_ID, SAMPLE_CODE, [7; 12]);
    event(&pool, source, &user, caller, metadata, Some(code))
}

/// The takeover notification as DefinitelyTyped#52111 records it: no code, no ClientMetadata, and
/// `userAttributes` describing the sign-in attempt instead of the user (§CS.2).
fn takeover_sample(pool: &UserPool, source: TriggerSource, user: &User) -> Value {
    let mut event = event(
        pool,
        source,
        user,
        Caller::Client(SAMPLE_CLIENT_ID),
        None,
        None,
    );
    event["request"]["userAttributes"] = serde_json::json!({
        "LOGIN_TIME": "Monday, January 5, 2026 09:30 AM UTC",
        "CITY": "Seattle",
        "COUNTRY": "United States",
        "ACCOUNT_TAKE_OVER_ACTION": "BLOCK",
        "FEEDBACK_TOKEN": "example-feedback-token",
        "ONE_CLICK_LINK_VALID": "https://example.auth.us-east-1.amazoncognito.com/confirm?valid=true",
        "DEVICE_NAME": "Firefox 120, Linux",
        "EVENT_ID": "6e9c3f1a-4b2d-4c8e-9f7a-1d2e3f4a5b6c",
        "IP_ADDRESS": "192.0.2.10",
        "USER_NAME": user.username,
        "ONE_CLICK_LINK_INVALID": "https://example.auth.us-east-1.amazoncognito.com/confirm?valid=false",
    });
    event
}
