//! Reading and validating the CreateUserPool/UpdateUserPool members (cognito-semantics.md §4.1).
//!
//! Order of checks, as the service applies them: JSON types (SerializationException), then the
//! model's constraints in Coral's style (`N validation error(s) detected: …` with lowerCamel
//! paths, InvalidParameterException), then Cognito's own rules on templates
//! (`The message is invalid.`). Members the shape does not know are ignored, as the JSON protocol
//! does, and reported as warnings so a typo (`LambdaConfigs`) does not pass unnoticed.

use serde_json::Value;

use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::{StringRule, Validator};
use crate::model::patterns::{
    Pattern, EMAIL_MESSAGE, EMAIL_MESSAGE_BY_LINK, EMAIL_SUBJECT, INVITE_EMAIL_MESSAGE,
    INVITE_SMS_MESSAGE, LAMBDA_ARN, SMS_MESSAGE,
};
use crate::pool::config::{unknown_members, LambdaConfig, VersionedLambda};
use crate::pool::PoolConfig;

/// UserPoolNameType / ClientNameType (Java's ASCII `\w` and `\s`).
pub static POOL_NAME: Pattern = Pattern::new(r"[\w\s+=,.@-]+");
/// EmailAddressType.
static EMAIL_ADDRESS: Pattern =
    Pattern::new(r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+@[\p{L}\p{M}\p{S}\p{N}\p{P}]+");
/// SESConfigurationSet.
static CONFIGURATION_SET: Pattern = Pattern::new(r"^[a-zA-Z0-9_-]+$");
/// CustomAttributeNameType.
static CUSTOM_ATTRIBUTE_NAME: Pattern = Pattern::new(r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+");

const ARN: StringRule = StringRule::len(20, 2048).pattern(&LAMBDA_ARN);
const VERIFIED_ATTRIBUTES: [&str; 2] = ["phone_number", "email"];

/// Cognito's answer to a template it cannot use: a link body without `{##…##}`
/// (aws/aws-cli#8280, aws-amplify/amplify-cli#5907, hashicorp/terraform-provider-aws#6309) or a
/// verification message with `{username}` (aws/aws-cdk#6705 and #7790; DG-TPL).
pub const MESSAGE_INVALID: &str = "The message is invalid.";

/// Which request the members came in: the two share their validation but not all members.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum PoolRequest {
    Create,
    Update,
}

/// Members of CreateUserPool that UpdateUserPool does not have (they survive an update).
const CREATE_ONLY: [&str; 4] = [
    "Schema",
    "UsernameAttributes",
    "AliasAttributes",
    "UsernameConfiguration",
];

/// The request's configuration members and the names of the members it ignored.
pub fn parse_pool_request(
    request: &Value,
    kind: PoolRequest,
) -> Result<(PoolConfig, Vec<String>), CognitoError> {
    let Value::Object(members) = request else {
        return Err(CognitoError::new(
            ErrorCode::SerializationException,
            "Start of structure or map expected",
        ));
    };
    let mut members = members.clone();
    let mut ignored = Vec::new();
    // Members that belong to the request but not to the configuration, and create-only members
    // an update does not accept.
    let extra: &[&str] = match kind {
        PoolRequest::Create => &[],
        PoolRequest::Update => &CREATE_ONLY,
    };
    if kind == PoolRequest::Update {
        members.remove("UserPoolId");
    }
    for name in extra {
        if members.remove(*name).is_some_and(|v| !v.is_null()) {
            ignored.push(name.to_string());
        }
    }
    let members = Value::Object(members);
    let config: PoolConfig = serde_path_to_error::deserialize(&members).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde says "invalid type: integer `5`, expected a string": keep what was expected.
        let expected = inner
            .split(", expected ")
            .nth(1)
            .unwrap_or(&inner)
            .to_string();
        CognitoError::new(
            ErrorCode::SerializationException,
            format!("Unable to parse member '{path}': expected {expected}"),
        )
    })?;
    let known = serde_json::to_value(&config).unwrap_or(Value::Null);
    ignored.extend(unknown_members(&members, &known));
    Ok((config, ignored))
}

/// Warnings for members the call ignored.
pub fn ignored_warnings(action: &str, ignored: &[String]) -> Vec<String> {
    ignored
        .iter()
        .map(|m| format!("{m} ignored: not a member of {action}"))
        .collect()
}

/// The model's constraints on every member (BOTO CreateUserPoolRequest/UpdateUserPoolRequest),
/// in the order the model lists them, then Cognito's template rules.
pub fn validate_pool_config(config: &PoolConfig, kind: PoolRequest) -> Result<(), CognitoError> {
    let mut v = Validator::new();
    check_constraints(&mut v, config, kind);
    v.finish()?;
    check_templates(config)
}

pub(crate) fn check_constraints(v: &mut Validator, c: &PoolConfig, kind: PoolRequest) {
    match (&c.pool_name, kind) {
        (None, PoolRequest::Create) => v.missing("poolName"),
        (Some(name), _) => v.string(
            "poolName",
            name,
            StringRule::len(1, 128).pattern(&POOL_NAME),
        ),
        _ => {}
    }
    if let Some(policies) = &c.policies {
        if let Some(p) = &policies.password_policy {
            int_range(
                v,
                "policies.passwordPolicy.minimumLength",
                p.minimum_length,
                6,
                99,
            );
            int_range(
                v,
                "policies.passwordPolicy.passwordHistorySize",
                p.password_history_size,
                0,
                24,
            );
            int_range(
                v,
                "policies.passwordPolicy.temporaryPasswordValidityDays",
                p.temporary_password_validity_days,
                0,
                365,
            );
        }
        if let Some(factors) = policies
            .sign_in_policy
            .as_ref()
            .and_then(|p| p.allowed_first_auth_factors.as_ref())
        {
            enum_list(
                v,
                "policies.signInPolicy.allowedFirstAuthFactors",
                factors,
                &["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"],
                Some((1, 4)),
            );
        }
    }
    if let Some(d) = &c.deletion_protection {
        v.enum_value("deletionProtection", d, &["ACTIVE", "INACTIVE"]);
    }
    if let Some(lambda) = &c.lambda_config {
        check_lambda_config(v, lambda);
    }
    if let Some(list) = &c.auto_verified_attributes {
        enum_list(
            v,
            "autoVerifiedAttributes",
            list,
            &VERIFIED_ATTRIBUTES,
            None,
        );
    }
    if let Some(list) = &c.alias_attributes {
        enum_list(
            v,
            "aliasAttributes",
            list,
            &["phone_number", "email", "preferred_username"],
            None,
        );
    }
    if let Some(list) = &c.username_attributes {
        enum_list(v, "usernameAttributes", list, &VERIFIED_ATTRIBUTES, None);
    }
    opt_string(
        v,
        "smsVerificationMessage",
        &c.sms_verification_message,
        StringRule::len(6, 140).pattern(&SMS_MESSAGE),
    );
    opt_string(
        v,
        "emailVerificationMessage",
        &c.email_verification_message,
        StringRule::len(6, 20000).pattern(&EMAIL_MESSAGE),
    );
    opt_string(
        v,
        "emailVerificationSubject",
        &c.email_verification_subject,
        StringRule::len(1, 140).pattern(&EMAIL_SUBJECT),
    );
    if let Some(t) = &c.verification_message_template {
        let at = |m: &str| format!("verificationMessageTemplate.{m}");
        opt_string(
            v,
            &at("smsMessage"),
            &t.sms_message,
            StringRule::len(6, 140).pattern(&SMS_MESSAGE),
        );
        opt_string(
            v,
            &at("emailMessage"),
            &t.email_message,
            StringRule::len(6, 20000).pattern(&EMAIL_MESSAGE),
        );
        opt_string(
            v,
            &at("emailSubject"),
            &t.email_subject,
            StringRule::len(1, 140).pattern(&EMAIL_SUBJECT),
        );
        // A link body without a `{##…##}` link is answered with "The message is invalid."
        // (aws/aws-cli#8280 got that text, not a Coral one): lengths only here.
        opt_string(
            v,
            &at("emailMessageByLink"),
            &t.email_message_by_link,
            StringRule::len(6, 20000),
        );
        opt_string(
            v,
            &at("emailSubjectByLink"),
            &t.email_subject_by_link,
            StringRule::len(1, 140).pattern(&EMAIL_SUBJECT),
        );
        if let Some(option) = &t.default_email_option {
            v.enum_value(
                &at("defaultEmailOption"),
                option,
                &["CONFIRM_WITH_LINK", "CONFIRM_WITH_CODE"],
            );
        }
    }
    opt_string(
        v,
        "smsAuthenticationMessage",
        &c.sms_authentication_message,
        StringRule::len(6, 140).pattern(&SMS_MESSAGE),
    );
    if let Some(list) = c
        .user_attribute_update_settings
        .as_ref()
        .and_then(|s| s.attributes_require_verification_before_update.as_ref())
    {
        enum_list(
            v,
            "userAttributeUpdateSettings.attributesRequireVerificationBeforeUpdate",
            list,
            &VERIFIED_ATTRIBUTES,
            None,
        );
    }
    if let Some(mfa) = &c.mfa_configuration {
        v.enum_value("mfaConfiguration", mfa, &["OFF", "ON", "OPTIONAL"]);
    }
    if let Some(e) = &c.email_configuration {
        opt_string(v, "emailConfiguration.sourceArn", &e.source_arn, ARN);
        opt_string(
            v,
            "emailConfiguration.replyToEmailAddress",
            &e.reply_to_email_address,
            StringRule {
                pattern: Some(&EMAIL_ADDRESS),
                ..Default::default()
            },
        );
        if let Some(account) = &e.email_sending_account {
            v.enum_value(
                "emailConfiguration.emailSendingAccount",
                account,
                &["COGNITO_DEFAULT", "DEVELOPER"],
            );
        }
        opt_string(
            v,
            "emailConfiguration.from",
            &e.from,
            StringRule::len(0, 131072),
        );
        opt_string(
            v,
            "emailConfiguration.configurationSet",
            &e.configuration_set,
            StringRule::len(1, 64).pattern(&CONFIGURATION_SET),
        );
    }
    if let Some(s) = &c.sms_configuration {
        v.required_string(
            "smsConfiguration.snsCallerArn",
            s.sns_caller_arn.as_deref(),
            ARN,
        );
        opt_string(
            v,
            "smsConfiguration.externalId",
            &s.external_id,
            StringRule::len(0, 131072),
        );
        opt_string(
            v,
            "smsConfiguration.snsRegion",
            &s.sns_region,
            StringRule::len(5, 32),
        );
    }
    if let Some(tags) = &c.user_pool_tags {
        for value in tags.values() {
            v.string(
                "userPoolTags",
                value,
                StringRule {
                    max: Some(256),
                    ..Default::default()
                },
            );
        }
    }
    if let Some(a) = &c.admin_create_user_config {
        int_range(
            v,
            "adminCreateUserConfig.unusedAccountValidityDays",
            a.unused_account_validity_days,
            0,
            365,
        );
        if let Some(t) = &a.invite_message_template {
            let at = |m: &str| format!("adminCreateUserConfig.inviteMessageTemplate.{m}");
            opt_string(
                v,
                &at("sMSMessage"),
                &t.sms_message,
                StringRule::len(6, 140).pattern(&INVITE_SMS_MESSAGE),
            );
            opt_string(
                v,
                &at("emailMessage"),
                &t.email_message,
                StringRule::len(6, 20000).pattern(&INVITE_EMAIL_MESSAGE),
            );
            opt_string(
                v,
                &at("emailSubject"),
                &t.email_subject,
                StringRule::len(1, 140).pattern(&EMAIL_SUBJECT),
            );
        }
    }
    if let Some(schema) = &c.schema {
        if schema.is_empty() || schema.len() > 50 {
            let bound = if schema.is_empty() {
                "greater than or equal to 1"
            } else {
                "less than or equal to 50"
            };
            v.fail(
                "schema",
                Some(&java_list(schema.iter().map(|_| "SchemaAttributeType"))),
                &format!("Member must have length {bound}"),
            );
        }
        for (i, attribute) in schema.iter().enumerate() {
            let at = |m: &str| format!("schema.{}.member.{m}", i + 1);
            opt_string(
                v,
                &at("name"),
                &attribute.name,
                StringRule::len(1, 20).pattern(&CUSTOM_ATTRIBUTE_NAME),
            );
            if let Some(t) = &attribute.attribute_data_type {
                v.enum_value(
                    &at("attributeDataType"),
                    t,
                    &["String", "Number", "DateTime", "Boolean"],
                );
            }
        }
    }
    if let Some(add_ons) = &c.user_pool_add_ons {
        match &add_ons.advanced_security_mode {
            None => v.missing("userPoolAddOns.advancedSecurityMode"),
            Some(mode) => v.enum_value(
                "userPoolAddOns.advancedSecurityMode",
                mode,
                &["OFF", "AUDIT", "ENFORCED"],
            ),
        }
    }
    if let Some(u) = &c.username_configuration {
        if u.case_sensitive.is_none() {
            v.missing("usernameConfiguration.caseSensitive");
        }
    }
    if let Some(mechanisms) = c
        .account_recovery_setting
        .as_ref()
        .and_then(|a| a.recovery_mechanisms.as_ref())
    {
        for (i, option) in mechanisms.iter().enumerate() {
            let at = |m: &str| {
                format!(
                    "accountRecoverySetting.recoveryMechanisms.{}.member.{m}",
                    i + 1
                )
            };
            match option.priority {
                None => v.missing(&at("priority")),
                Some(_) => int_range(v, &at("priority"), option.priority, 1, 2),
            }
            match &option.name {
                None => v.missing(&at("name")),
                Some(name) => v.enum_value(
                    &at("name"),
                    name,
                    &["verified_email", "verified_phone_number", "admin_only"],
                ),
            }
        }
        if mechanisms.is_empty() || mechanisms.len() > 2 {
            let bound = if mechanisms.is_empty() {
                "greater than or equal to 1"
            } else {
                "less than or equal to 2"
            };
            v.fail(
                "accountRecoverySetting.recoveryMechanisms",
                Some(&java_list(mechanisms.iter().map(|_| "RecoveryOptionType"))),
                &format!("Member must have length {bound}"),
            );
        }
    }
    if let Some(tier) = &c.user_pool_tier {
        v.enum_value("userPoolTier", tier, &["LITE", "ESSENTIALS", "PLUS"]);
    }
    if let Some(k) = &c.key_configuration {
        if let Some(t) = &k.key_type {
            v.enum_value(
                "keyConfiguration.keyType",
                t,
                &["AWS_OWNED_KEY", "CUSTOMER_MANAGED_KEY"],
            );
        }
        opt_string(v, "keyConfiguration.kmsKeyArn", &k.kms_key_arn, ARN);
    }
    if let Some(t) = c
        .issuer_configuration
        .as_ref()
        .and_then(|i| i.issuer_type.as_ref())
    {
        v.enum_value("issuerConfiguration.type", t, &["ORIGINAL", "UPDATED"]);
    }
}

/// Every LambdaConfig ARN: 20–2048 characters and the model's ARN pattern (§4.1). Cognito does
/// not check that the function exists (that shows at invocation, §3.3).
fn check_lambda_config(v: &mut Validator, l: &LambdaConfig) {
    let plain = [
        ("preSignUp", &l.pre_sign_up),
        ("customMessage", &l.custom_message),
        ("postConfirmation", &l.post_confirmation),
        ("preAuthentication", &l.pre_authentication),
        ("postAuthentication", &l.post_authentication),
        ("defineAuthChallenge", &l.define_auth_challenge),
        ("createAuthChallenge", &l.create_auth_challenge),
        (
            "verifyAuthChallengeResponse",
            &l.verify_auth_challenge_response,
        ),
        ("preTokenGeneration", &l.pre_token_generation),
        ("userMigration", &l.user_migration),
    ];
    for (name, arn) in plain {
        opt_string(v, &format!("lambdaConfig.{name}"), arn, ARN);
    }
    let versioned: [(&str, &Option<VersionedLambda>, &[&str]); 3] = [
        (
            "preTokenGenerationConfig",
            &l.pre_token_generation_config,
            &["V1_0", "V2_0", "V3_0"],
        ),
        ("customSMSSender", &l.custom_sms_sender, &["V1_0"]),
        ("customEmailSender", &l.custom_email_sender, &["V1_0"]),
    ];
    for (name, config, versions) in versioned {
        check_versioned(v, name, config, versions);
    }
    opt_string(v, "lambdaConfig.kMSKeyID", &l.kms_key_id, ARN);
    check_versioned(v, "inboundFederation", &l.inbound_federation, &["V1_0"]);
}

fn check_versioned(
    v: &mut Validator,
    name: &str,
    config: &Option<VersionedLambda>,
    versions: &[&str],
) {
    let Some(config) = config else { return };
    let at = |m: &str| format!("lambdaConfig.{name}.{m}");
    match &config.lambda_version {
        None => v.missing(&at("lambdaVersion")),
        Some(version) => v.enum_value(&at("lambdaVersion"), version, versions),
    }
    v.required_string(&at("lambdaArn"), config.lambda_arn.as_deref(), ARN);
}

/// Cognito's own template rules, checked once the model's constraints pass.
pub(crate) fn check_templates(c: &PoolConfig) -> Result<(), CognitoError> {
    let invalid = || Err(CognitoError::invalid_parameter(MESSAGE_INVALID));
    if let Some(t) = &c.verification_message_template {
        // "When you supply both parameters with either choice, Amazon Cognito returns an error"
        // (API reference, UpdateUserPool VerificationMessageTemplate; §4.1). The text is the one
        // aws/aws-cli#8280 got for a request that supplied both.
        if t.email_message.is_some() && t.email_message_by_link.is_some() {
            return invalid();
        }
        if t.email_message_by_link
            .as_deref()
            .is_some_and(|m| !EMAIL_MESSAGE_BY_LINK.matches(m) || !has_link(m))
        {
            return invalid();
        }
        // `{username}` belongs to invitations only (DG-TPL); applying it to the SMS body as
        // well is assumed.
        let verification = [&t.email_message, &t.email_message_by_link, &t.sms_message];
        if verification
            .iter()
            .any(|m| m.as_deref().is_some_and(|m| m.contains("{username}")))
        {
            return invalid();
        }
    }
    Ok(())
}

/// Whether a link body holds a `{##…##}` with text inside. The model's pattern alone would
/// accept `{####}` as an empty link, but Cognito answered "The message is invalid." for a link
/// body whose only placeholder was `{####}` (aws/aws-cli#8280, aws-amplify/amplify-cli#5907).
fn has_link(body: &str) -> bool {
    static LINK: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let link = LINK.get_or_init(|| regex::Regex::new(r"\{##([^}]*?)##\}").expect("valid pattern"));
    link.captures_iter(body).any(|c| !c[1].is_empty())
}

/// Advice that is not an error: members AWS documents as allowed only with DEVELOPER sending
/// but accepts in practice (ruling 7 applies the same reading to function output).
pub fn config_warnings(c: &PoolConfig) -> Vec<String> {
    let account = c
        .email_configuration
        .as_ref()
        .and_then(|e| e.email_sending_account.as_deref())
        .unwrap_or("COGNITO_DEFAULT");
    let Some(t) = c
        .verification_message_template
        .as_ref()
        .filter(|_| account != "DEVELOPER")
    else {
        return Vec::new();
    };
    [
        ("EmailMessage", &t.email_message),
        ("EmailSubject", &t.email_subject),
        ("EmailMessageByLink", &t.email_message_by_link),
        ("EmailSubjectByLink", &t.email_subject_by_link),
    ]
    .into_iter()
    .filter(|(_, value)| value.is_some())
    .map(|(name, _)| {
        format!(
            "VerificationMessageTemplate.{name} is set while EmailConfiguration.EmailSendingAccount is {account}: \
             the API reference allows it only with DEVELOPER (not enforced, ruling 7)"
        )
    })
    .collect()
}

fn opt_string(v: &mut Validator, path: &str, value: &Option<String>, rule: StringRule) {
    if let Some(value) = value {
        v.string(path, value, rule);
    }
}

/// An integer member with the model's `min`/`max`.
fn int_range(v: &mut Validator, path: &str, value: Option<i64>, min: i64, max: i64) {
    let Some(n) = value else { return };
    if n < min {
        v.fail(
            path,
            Some(&n.to_string()),
            &format!("Member must have value greater than or equal to {min}"),
        );
    }
    if n > max {
        v.fail(
            path,
            Some(&n.to_string()),
            &format!("Member must have value less than or equal to {max}"),
        );
    }
}

/// A list of enum values. Coral reports a bad member on the list as a whole:
/// `Value '[a, b]' at 'path' failed to satisfy constraint: Member must satisfy constraint:
/// [Member must satisfy enum value set: [...]]` (the wording is Coral's list-member form, assumed
/// for these members).
fn enum_list(
    v: &mut Validator,
    path: &str,
    list: &[String],
    allowed: &[&str],
    len: Option<(usize, usize)>,
) {
    let shown = java_list(list.iter().map(String::as_str));
    if list.iter().any(|item| !allowed.contains(&item.as_str())) {
        let set = crate::model::coral::java_set_order(allowed).join(", ");
        v.fail(
            path,
            Some(&shown),
            &format!(
                "Member must satisfy constraint: [Member must satisfy enum value set: [{set}]]"
            ),
        );
    }
    if let Some((min, max)) = len {
        if list.len() < min {
            v.fail(
                path,
                Some(&shown),
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
        if list.len() > max {
            v.fail(
                path,
                Some(&shown),
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }
}

/// Java's `List.toString()`: `[a, b]`.
fn java_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

/// The first `at '<path>'` of a Coral message.
pub(crate) fn first_path(message: &str) -> Option<&str> {
    let start = message.find(" at '")? + 5;
    let len = message[start..].find('\'')?;
    Some(&message[start..start + len])
}

/// `verificationMessageTemplate.smsMessage` → `$.VerificationMessageTemplate.SmsMessage`;
/// `schema.2.member.name` → `$.Schema[1].Name`.
pub fn pascal_path(coral: &str) -> String {
    let mut out = String::from("$");
    let mut parts = coral.split('.').peekable();
    while let Some(part) = parts.next() {
        if let Ok(n) = part.parse::<usize>() {
            out.push_str(&format!("[{}]", n.saturating_sub(1)));
            if parts.peek() == Some(&"member") {
                parts.next();
            }
            continue;
        }
        let mut chars = part.chars();
        let first = chars
            .next()
            .map(|c| c.to_ascii_uppercase())
            .unwrap_or_default();
        out.push('.');
        out.push(first);
        out.push_str(chars.as_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coral_paths_map_back_to_request_paths() {
        assert_eq!(
            pascal_path("verificationMessageTemplate.smsMessage"),
            "$.VerificationMessageTemplate.SmsMessage"
        );
        assert_eq!(pascal_path("schema.2.member.name"), "$.Schema[1].Name");
        assert_eq!(
            pascal_path("lambdaConfig.kMSKeyID"),
            "$.LambdaConfig.KMSKeyID"
        );
    }

    #[test]
    fn pool_names_use_java_word_characters() {
        assert!(POOL_NAME.matches("my pool_1+=,.@-"));
        assert!(!POOL_NAME.matches("pool/é"));
    }
}
