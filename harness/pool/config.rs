//! The pool's configuration in the shape of the CreateUserPool / UpdateUserPool requests
//! (PascalCase members as in the AWS API reference). Every member is optional because UpdateUserPool
//! treats an omitted member as "reset to Cognito's default" (cognito-semantics.md §4.1).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The members of CreateUserPool/UpdateUserPool. `UserPoolId` is not part of it (it names the pool).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct PoolConfig {
    /// `PoolName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_name: Option<String>,
    /// `Policies`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policies: Option<Policies>,
    /// `DeletionProtection`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<String>,
    /// `LambdaConfig`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_config: Option<LambdaConfig>,
    /// `AutoVerifiedAttributes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_verified_attributes: Option<Vec<String>>,
    /// CreateUserPool only: attributes usable as aliases (`email`, `phone_number`, `preferred_username`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_attributes: Option<Vec<String>>,
    /// CreateUserPool only: attributes users sign in with instead of a username (`email`, `phone_number`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_attributes: Option<Vec<String>>,
    /// `SmsVerificationMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_verification_message: Option<String>,
    /// `EmailVerificationMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verification_message: Option<String>,
    /// `EmailVerificationSubject`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verification_subject: Option<String>,
    /// `VerificationMessageTemplate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_message_template: Option<VerificationMessageTemplate>,
    /// `SmsAuthenticationMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_authentication_message: Option<String>,
    /// `UserAttributeUpdateSettings`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_attribute_update_settings: Option<UserAttributeUpdateSettings>,
    /// `MfaConfiguration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_configuration: Option<String>,
    /// `DeviceConfiguration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_configuration: Option<DeviceConfiguration>,
    /// `EmailConfiguration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_configuration: Option<EmailConfiguration>,
    /// `SmsConfiguration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_configuration: Option<SmsConfiguration>,
    /// `UserPoolTags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_pool_tags: Option<BTreeMap<String, String>>,
    /// `AdminCreateUserConfig`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_create_user_config: Option<AdminCreateUserConfig>,
    /// CreateUserPool only: the attribute schema (standard attributes are always present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Vec<SchemaAttribute>>,
    /// `UserPoolAddOns`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_pool_add_ons: Option<UserPoolAddOns>,
    /// CreateUserPool only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_configuration: Option<UsernameConfiguration>,
    /// `AccountRecoverySetting`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_recovery_setting: Option<AccountRecoverySetting>,
    /// `UserPoolTier`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_pool_tier: Option<String>,
    /// KeyConfigurationType: the KMS key that encrypts the pool's data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_configuration: Option<KeyConfiguration>,
    /// IssuerConfigurationType: the token issuer URL style.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_configuration: Option<IssuerConfiguration>,
}

/// KeyConfigurationType (API reference, API_KeyConfigurationType).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct KeyConfiguration {
    /// `AWS_OWNED_KEY` | `CUSTOMER_MANAGED_KEY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_type: Option<String>,
    /// `KmsKeyArn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
}

/// IssuerConfigurationType (API reference, API_IssuerConfigurationType).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct IssuerConfiguration {
    /// `ORIGINAL` | `UPDATED`.
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub issuer_type: Option<String>,
}

/// UserPoolPolicyType: the password and sign-in policies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct Policies {
    /// `PasswordPolicy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<PasswordPolicy>,
    /// `SignInPolicy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_in_policy: Option<SignInPolicy>,
}

/// PasswordPolicyType: what a password must contain.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicy {
    /// `MinimumLength`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_length: Option<i64>,
    /// `RequireUppercase`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_uppercase: Option<bool>,
    /// `RequireLowercase`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_lowercase: Option<bool>,
    /// `RequireNumbers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_numbers: Option<bool>,
    /// `RequireSymbols`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_symbols: Option<bool>,
    /// `PasswordHistorySize`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_history_size: Option<i64>,
    /// `TemporaryPasswordValidityDays`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password_validity_days: Option<i64>,
}

/// SignInPolicyType: the first authentication factors allowed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct SignInPolicy {
    /// `AllowedFirstAuthFactors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_first_auth_factors: Option<Vec<String>>,
}

/// LambdaConfigType: the trigger ARNs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct LambdaConfig {
    /// `PreSignUp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_sign_up: Option<String>,
    /// `CustomMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_message: Option<String>,
    /// `PostConfirmation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_confirmation: Option<String>,
    /// `PreAuthentication`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_authentication: Option<String>,
    /// `PostAuthentication`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_authentication: Option<String>,
    /// `DefineAuthChallenge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub define_auth_challenge: Option<String>,
    /// `CreateAuthChallenge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_auth_challenge: Option<String>,
    /// `VerifyAuthChallengeResponse`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_auth_challenge_response: Option<String>,
    /// `PreTokenGeneration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_token_generation: Option<String>,
    /// `UserMigration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_migration: Option<String>,
    /// `PreTokenGenerationConfig`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_token_generation_config: Option<VersionedLambda>,
    /// `CustomSMSSender`.
    #[serde(rename = "CustomSMSSender", skip_serializing_if = "Option::is_none")]
    pub custom_sms_sender: Option<VersionedLambda>,
    /// `CustomEmailSender`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_email_sender: Option<VersionedLambda>,
    /// `KMSKeyID`.
    #[serde(rename = "KMSKeyID", skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// `InboundFederation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound_federation: Option<VersionedLambda>,
}

/// `{LambdaVersion, LambdaArn}`, used by the sender, token-generation and federation triggers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct VersionedLambda {
    /// `LambdaVersion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_version: Option<String>,
    /// `LambdaArn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_arn: Option<String>,
}

/// VerificationMessageTemplateType: the code and link messages, and which one e-mail uses.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct VerificationMessageTemplate {
    /// `SmsMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_message: Option<String>,
    /// `EmailMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_message: Option<String>,
    /// `EmailSubject`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
    /// `EmailMessageByLink`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_message_by_link: Option<String>,
    /// `EmailSubjectByLink`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_subject_by_link: Option<String>,
    /// `DefaultEmailOption`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_email_option: Option<String>,
}

/// UserAttributeUpdateSettingsType: attributes whose change waits for verification.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct UserAttributeUpdateSettings {
    /// `AttributesRequireVerificationBeforeUpdate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes_require_verification_before_update: Option<Vec<String>>,
}

/// DeviceConfigurationType: device tracking.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct DeviceConfiguration {
    /// `ChallengeRequiredOnNewDevice`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_required_on_new_device: Option<bool>,
    /// `DeviceOnlyRememberedOnUserPrompt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_only_remembered_on_user_prompt: Option<bool>,
}

/// EmailConfigurationType: who sends the pool's e-mail.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct EmailConfiguration {
    /// `SourceArn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<String>,
    /// `ReplyToEmailAddress`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to_email_address: Option<String>,
    /// `EmailSendingAccount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_sending_account: Option<String>,
    /// `From`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// `ConfigurationSet`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_set: Option<String>,
}

/// SmsConfigurationType: the SNS role that sends the pool's SMS.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct SmsConfiguration {
    /// `SnsCallerArn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sns_caller_arn: Option<String>,
    /// `ExternalId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// `SnsRegion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sns_region: Option<String>,
}

/// AdminCreateUserConfigType: invitations and who may sign up.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct AdminCreateUserConfig {
    /// `AllowAdminCreateUserOnly`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_admin_create_user_only: Option<bool>,
    /// `UnusedAccountValidityDays`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unused_account_validity_days: Option<i64>,
    /// `InviteMessageTemplate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_message_template: Option<InviteMessageTemplate>,
}

/// MessageTemplateType: the invitation AdminCreateUser sends.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct InviteMessageTemplate {
    /// `SMSMessage`.
    #[serde(rename = "SMSMessage", skip_serializing_if = "Option::is_none")]
    pub sms_message: Option<String>,
    /// `EmailMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_message: Option<String>,
    /// `EmailSubject`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
}

/// SchemaAttributeType.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct SchemaAttribute {
    /// `Name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `AttributeDataType`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_data_type: Option<String>,
    /// `DeveloperOnlyAttribute`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub developer_only_attribute: Option<bool>,
    /// `Mutable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutable: Option<bool>,
    /// `Required`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// `NumberAttributeConstraints`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_attribute_constraints: Option<Value>,
    /// `StringAttributeConstraints`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_attribute_constraints: Option<Value>,
}

/// UserPoolAddOnsType: threat protection.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolAddOns {
    /// `AdvancedSecurityMode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advanced_security_mode: Option<String>,
    /// `AdvancedSecurityAdditionalFlows`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advanced_security_additional_flows: Option<Value>,
}

/// UsernameConfigurationType: whether usernames are case-sensitive.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct UsernameConfiguration {
    /// `CaseSensitive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_sensitive: Option<bool>,
}

/// AccountRecoverySettingType: where password-reset codes go.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct AccountRecoverySetting {
    /// `RecoveryMechanisms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_mechanisms: Option<Vec<RecoveryOption>>,
}

/// RecoveryOptionType: one recovery mechanism and its priority.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct RecoveryOption {
    /// `Priority`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// `Name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl PoolConfig {
    /// Whether the pool verifies changes of `attribute` (`email` or `phone_number`) with a code.
    pub fn auto_verifies(&self, attribute: &str) -> bool {
        self.auto_verified_attributes
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|a| a == attribute)
    }

    /// Whether a change of `attribute` stays pending until the user verifies it.
    pub fn requires_verification_before_update(&self, attribute: &str) -> bool {
        self.user_attribute_update_settings
            .as_ref()
            .and_then(|s| s.attributes_require_verification_before_update.as_deref())
            .unwrap_or_default()
            .iter()
            .any(|a| a == attribute)
    }

    /// Whether users sign in with `attribute` instead of a username (UsernameAttributes).
    pub fn is_username_attribute(&self, attribute: &str) -> bool {
        self.username_attributes
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|a| a == attribute)
    }

    /// Whether users sign in with `attribute` (email/phone as username, or as an alias).
    pub fn is_sign_in_alias(&self, attribute: &str) -> bool {
        self.is_username_attribute(attribute)
            || self
                .alias_attributes
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|a| a == attribute)
    }

    /// The CustomMessage trigger's ARN, if one is configured.
    pub fn custom_message_arn(&self) -> Option<&str> {
        self.lambda_config.as_ref()?.custom_message.as_deref()
    }

    /// The PreSignUp trigger's ARN, if one is configured.
    pub fn pre_sign_up_arn(&self) -> Option<&str> {
        self.lambda_config.as_ref()?.pre_sign_up.as_deref()
    }

    /// The PreTokenGeneration trigger's ARN, if one is configured: `PreTokenGenerationConfig`'s
    /// `LambdaArn`, else the legacy `PreTokenGeneration` member.
    pub fn pre_token_generation_arn(&self) -> Option<&str> {
        let config = self.lambda_config.as_ref()?;
        config
            .pre_token_generation_config
            .as_ref()
            .and_then(|c| c.lambda_arn.as_deref())
            .or(config.pre_token_generation.as_deref())
    }

    /// The PreTokenGeneration event version (`V1_0`, `V2_0`, `V3_0`): `PreTokenGenerationConfig`'s
    /// `LambdaVersion`, `V1_0` when only the legacy member is set.
    pub fn pre_token_generation_version(&self) -> &str {
        self.lambda_config
            .as_ref()
            .and_then(|c| c.pre_token_generation_config.as_ref())
            .filter(|c| c.lambda_arn.is_some())
            .and_then(|c| c.lambda_version.as_deref())
            .unwrap_or("V1_0")
    }
}

/// The paths (`LambdaConfig.CustomMesage`, `Schema[0].Nme`) of members in `input` that did not
/// survive deserialising into a config and serialising back (`parsed`): members the shape does
/// not know. Members sent as `null` are ignored.
pub fn unknown_members(input: &Value, parsed: &Value) -> Vec<String> {
    fn walk(prefix: &str, input: &Value, parsed: &Value, out: &mut Vec<String>) {
        match (input, parsed) {
            (Value::Object(given), Value::Object(kept)) => {
                for (key, value) in given {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    match kept.get(key) {
                        Some(kept_value) => walk(&path, value, kept_value, out),
                        None if value.is_null() => {}
                        None => out.push(path),
                    }
                }
            }
            (Value::Array(given), Value::Array(kept)) => {
                for (i, (value, kept_value)) in given.iter().zip(kept).enumerate() {
                    walk(&format!("{prefix}[{i}]"), value, kept_value, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk("", input, parsed, &mut out);
    out
}
