//! The UserMigration trigger (cognito-semantics.md §UM): the event Cognito sends when someone
//! signs in with a password, or asks for a password reset, under a name the pool does not have,
//! and the rules by which its answer becomes a new user.

use serde_json::{Map, Value};

use super::answer_fields::Fields;
use super::judgement::{Context, Judgement};
use super::rules::rule;
use super::samples::{sample_pool, SAMPLE_CLIENT_ID};
use super::shared::{envelope, response_object, unrecognizable};
use super::{Caller, Kind, Trigger, TriggerSource, Verdict};
use crate::function::Payload;
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::pool::{DeliveryMedium, PoolConfig, UserPool, UserStatus};

impl Trigger {
    /// UserMigration: Cognito asks the function for a user it does not have.
    pub const USER_MIGRATION: Trigger = Trigger::new("UserMigration");
}

impl TriggerSource {
    /// A password sign-in (InitiateAuth, AdminInitiateAuth) of an unknown user.
    pub const USER_MIGRATION_AUTHENTICATION: TriggerSource =
        TriggerSource::new(Trigger::USER_MIGRATION, "UserMigration_Authentication");
    /// ForgotPassword for an unknown user.
    pub const USER_MIGRATION_FORGOT_PASSWORD: TriggerSource =
        TriggerSource::new(Trigger::USER_MIGRATION, "UserMigration_ForgotPassword");
}

/// The registry entry of the UserMigration trigger.
pub(crate) static KIND: Kind = Kind {
    trigger: Trigger::USER_MIGRATION,
    sources: &[
        TriggerSource::USER_MIGRATION_AUTHENTICATION,
        TriggerSource::USER_MIGRATION_FORGOT_PASSWORD,
    ],
    rules: &[
        &MIGRATED,
        &NO_ATTRIBUTES,
        &BAD_STATUS,
        &BAD_MESSAGE_ACTION,
        &BAD_MEDIUM,
    ],
    function_error: &super::shared::FUNCTION_ERROR,
    arn,
    judge_output,
    without_function,
    sample,
    forwards_client_metadata,
};

rule!(MIGRATED, "user-migration.migrated", Documented, "§UM.3",
    "the answer's userAttributes become a new user: CONFIRMED when finalUserStatus says so, otherwise RESET_REQUIRED; the call then goes on as for a user the pool had");
rule!(NO_ATTRIBUTES, "user-migration.no-attributes", Assumed, "§UM.4, ruling UM-1",
    "an answer without userAttributes (e.g. the event returned untouched) migrates nobody: UserNotFoundException `Exception migrating user in app client <clientId>`");
rule!(BAD_STATUS, "user-migration.final-user-status", Assumed, "§UM.4, ruling UM-2",
    "finalUserStatus other than CONFIRMED or RESET_REQUIRED: InvalidLambdaResponseException `Unrecognizable lambda output`");
rule!(BAD_MESSAGE_ACTION, "user-migration.message-action", Assumed, "§UM.4, ruling UM-2",
    "messageAction other than SUPPRESS or RESEND: InvalidLambdaResponseException `Unrecognizable lambda output`");
rule!(BAD_MEDIUM, "user-migration.delivery-medium", Assumed, "§UM.4, ruling UM-2",
    "desiredDeliveryMediums with a value other than EMAIL or SMS: InvalidLambdaResponseException `Unrecognizable lambda output`");

/// The pool's UserMigration ARN, if any.
fn arn(config: &PoolConfig) -> Option<&str> {
    config.lambda_config.as_ref()?.user_migration.as_deref()
}

/// Without a UserMigration trigger nobody is migrated; the service answers as for any unknown
/// user (it only plans the trigger when the pool has one).
fn without_function(ctx: &Context<'_>) -> Judgement {
    Judgement::verdict(Verdict::accepted(ctx.source, &MIGRATED))
}

/// Both sources pass the request's ClientMetadata: a sign-in's as `validationData`,
/// ForgotPassword's as `clientMetadata` (§UM.2).
fn forwards_client_metadata(_source: TriggerSource) -> bool {
    true
}

/// What an accepted answer asks of the call: the user to create.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Migration {
    /// The attributes to store (strings).
    pub attributes: Map<String, Value>,
    /// CONFIRMED or RESET_REQUIRED.
    pub status: UserStatus,
    /// `messageAction: SUPPRESS`: no welcome message.
    pub suppress_message: bool,
    /// `desiredDeliveryMediums` (default SMS).
    pub mediums: Vec<DeliveryMedium>,
    /// `forceAliasCreation`: take a verified alias from the user holding it.
    pub force_alias_creation: bool,
}

fn judge_output(ctx: &Context<'_>, payload: &Payload) -> Judgement {
    match read_migration(ctx, payload) {
        Ok(migration) => {
            Judgement::with_effect(Verdict::accepted(ctx.source, &MIGRATED), migration)
        }
        Err(verdict) => Judgement::verdict(verdict),
    }
}

fn read_migration(ctx: &Context<'_>, payload: &Payload) -> Result<Migration, Verdict> {
    let source = ctx.source;
    let response = response_object(source, payload)?;
    let fields = Fields {
        source,
        response: &response,
    };
    let attributes = fields.string_map("userAttributes")?.unwrap_or_default();
    let status = match fields.string("finalUserStatus")? {
        None | Some("RESET_REQUIRED") => UserStatus::ResetRequired,
        Some("CONFIRMED") => UserStatus::Confirmed,
        Some(other) => {
            return Err(reject_value(source, &BAD_STATUS, "finalUserStatus", other));
        }
    };
    let suppress_message = match fields.string("messageAction")? {
        None | Some("RESEND") => false,
        Some("SUPPRESS") => true,
        Some(other) => {
            return Err(reject_value(
                source,
                &BAD_MESSAGE_ACTION,
                "messageAction",
                other,
            ));
        }
    };
    let mediums = match fields.string_list("desiredDeliveryMediums")? {
        None => vec![DeliveryMedium::Sms],
        Some(list) => list
            .into_iter()
            .map(|m| match m {
                "EMAIL" => Ok(DeliveryMedium::Email),
                "SMS" => Ok(DeliveryMedium::Sms),
                other => Err(reject_value(
                    source,
                    &BAD_MEDIUM,
                    "desiredDeliveryMediums",
                    other,
                )),
            })
            .collect::<Result<_, _>>()?,
    };
    let force_alias_creation = fields.bool("forceAliasCreation")?.unwrap_or(false);
    // enableSMSMFA is read for its type; the harness keeps no MFA settings (§UM.3).
    fields.bool("enableSMSMFA")?;
    if attributes.is_empty() {
        let client = ctx.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE");
        let error = CognitoError::new(
            ErrorCode::UserNotFoundException,
            format!("Exception migrating user in app client {client}"),
        );
        return Err(Verdict::rejected(source, &NO_ATTRIBUTES, error)
            .with_detail("response.userAttributes is missing or empty"));
    }
    Ok(Migration {
        attributes,
        status,
        suppress_message,
        mediums,
        force_alias_creation,
    })
}

/// "Unrecognizable lambda output" for a member whose value Cognito does not know, citing `rule`.
fn reject_value(
    source: TriggerSource,
    rule: &'static super::Rule,
    name: &str,
    value: &str,
) -> Verdict {
    let mut verdict = unrecognizable(source, format!("response.{name} is {value:?}"));
    verdict.rule = rule;
    verdict
}

/// A UserMigration event (§UM.2): `userName` as the caller typed it; a sign-in sends `password`
/// and its ClientMetadata as `validationData` (`{}` without); ForgotPassword sends no password,
/// `validationData` `{}` and its ClientMetadata as `clientMetadata`; `response` has every member
/// the function may set, null.
pub(crate) fn event(
    pool: &UserPool,
    source: TriggerSource,
    user_name: &str,
    password: Option<&str>,
    client_id: &str,
    client_metadata: Option<&Map<String, Value>>,
) -> Value {
    let mut request = Map::with_capacity(3);
    let sign_in = source == TriggerSource::USER_MIGRATION_AUTHENTICATION;
    if let Some(password) = password.filter(|_| sign_in) {
        request.insert("password".into(), Value::from(password));
    }
    let validation = if sign_in {
        client_metadata.cloned().unwrap_or_default()
    } else {
        Map::new()
    };
    request.insert("validationData".into(), Value::Object(validation));
    if let Some(metadata) = client_metadata.filter(|_| !sign_in) {
        request.insert("clientMetadata".into(), Value::Object(metadata.clone()));
    }
    let mut response = Map::with_capacity(6);
    for name in [
        "userAttributes",
        "finalUserStatus",
        "messageAction",
        "desiredDeliveryMediums",
        "forceAliasCreation",
        "enableSMSMFA",
    ] {
        response.insert(name.into(), Value::Null);
    }
    envelope(
        pool,
        source,
        user_name,
        Caller::Client(client_id),
        Value::Object(request),
        Value::Object(response),
    )
}

/// A sample UserMigration event: Jane, whom the pool does not have yet, signing in (or asking for
/// a reset) through the sample app client.
fn sample(source: TriggerSource, metadata: Option<&Map<String, Value>>) -> Value {
    let pool = sample_pool();
    event(
        &pool,
        source,
        "jane",
        Some("Legacy-Passw0rd"),
        SAMPLE_CLIENT_ID,
        metadata,
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::trigger::judge;
    use crate::trigger::Ran;

    fn judged(output: Value) -> (Verdict, Option<Migration>) {
        let config = PoolConfig::default();
        let invocation = crate::function::Invocation {
            result: crate::function::Invoked::Output(Payload::Json(output)),
            attempts: 1,
            logs: String::new(),
        };
        let ctx = Context::new(TriggerSource::USER_MIGRATION_AUTHENTICATION, &config).client("c1");
        judge(Ran::Invoked(&invocation), &ctx).into_parts::<Migration>()
    }

    #[test]
    fn the_documented_answer_is_a_confirmed_user() {
        let (verdict, migration) = judged(json!({"response": {
            "userAttributes": {"email": "a@example.com", "email_verified": "true"},
            "finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS"}}));
        assert_eq!(verdict.rule.id, "user-migration.migrated");
        let m = migration.unwrap();
        assert_eq!(m.status, UserStatus::Confirmed);
        assert!(m.suppress_message);
        assert_eq!(m.mediums, vec![DeliveryMedium::Sms]);
    }

    #[test]
    fn an_untouched_event_migrates_nobody() {
        let (verdict, _) =
            judged(json!({"response": {"userAttributes": null, "finalUserStatus": null}}));
        let error = verdict.error().unwrap();
        assert_eq!(error.code, ErrorCode::UserNotFoundException);
        assert_eq!(error.message, "Exception migrating user in app client c1");
    }

    #[test]
    fn an_unknown_status_is_unrecognizable() {
        let (verdict, _) = judged(
            json!({"response": {"userAttributes": {"email": "a@example.com"},
            "finalUserStatus": "FORCE_CHANGE_PASSWORD"}}),
        );
        assert_eq!(verdict.rule.id, "user-migration.final-user-status");
        assert_eq!(
            verdict.error().unwrap().message,
            "Unrecognizable lambda output"
        );
    }
}
