//! The rules verdicts cite. Each names its section of cognito-semantics.md and its grade; change
//! a grade only together with the reference.

use serde::Serialize;

use super::Grade;

/// One rule of Cognito's behaviour as the reference records it.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable id, used in reports and scenario expectations.
    pub id: &'static str,
    pub grade: Grade,
    /// Where in cognito-semantics.md the rule is recorded.
    pub reference: &'static str,
    /// What the rule says, in one line.
    pub summary: &'static str,
}

macro_rules! rule {
    ($name:ident, $id:literal, $grade:ident, $reference:literal, $summary:literal) => {
        pub static $name: Rule = Rule {
            id: $id,
            grade: Grade::$grade,
            reference: $reference,
            summary: $summary,
        };
    };
}

rule!(FUNCTION_ERROR, "function-error", Observed, "§3.1",
    "a function error fails the call with UserLambdaValidationException `<Trigger> failed with error <errorMessage>.`");
rule!(CUSTOM_MESSAGE_FUNCTION_ERROR, "custom-message.function-error", Assumed, "§3.1, ruling 14",
    "a CustomMessage function error is UserLambdaValidationException `CustomMessage failed with error <errorMessage>.`");
rule!(TIMEOUT, "invoke.timeout", Assumed, "§3.3, ruling 12",
    "no answer within 5 s, 3 attempts: UnexpectedLambdaException `<Trigger> invocation failed due to error Socket timeout while invoking Lambda function.`");
rule!(ACCESS_DENIED, "invoke.access-denied", Observed, "§3.3",
    "a LambdaConfig ARN with no function behind it: UnexpectedLambdaException `<Trigger> invocation failed due to error AccessDeniedException.`");
rule!(
    HARNESS_UNAVAILABLE,
    "harness.function-unavailable",
    Assumed,
    "DESIGN.md exit code 3",
    "not a Cognito behaviour: the harness could not start or reach the function"
);
rule!(INVALID_JSON, "output.invalid-json", Assumed, "§3.2, ruling 1",
    "output null, not JSON, or not a JSON object: InvalidLambdaResponseException `Invalid lambda function output : Invalid JSON`");
rule!(UNRECOGNIZABLE, "output.unrecognizable", Assumed, "§3.2, ruling 1",
    "a JSON object whose `response` is missing, not an object, or has a member of the wrong type: InvalidLambdaResponseException `Unrecognizable lambda output`");
rule!(
    CUSTOM_MESSAGE_NO_TRIGGER,
    "custom-message.pool-template",
    Documented,
    "§3.4 rule 1, DG-TPL",
    "without a CustomMessage trigger Cognito sends the pool's message template"
);
rule!(
    CUSTOM_MESSAGE_TEMPLATE_FALLBACK,
    "custom-message.null-falls-back",
    Observed,
    "§3.4 rule 1",
    "a null message field means: use the pool's template for that channel"
);
rule!(
    CUSTOM_MESSAGE_ACCEPTED,
    "custom-message.accepted",
    Documented,
    "§3.4, DG-CM, ruling 15",
    "the function's message is sent with every `{####}` replaced by the code"
);
rule!(CUSTOM_MESSAGE_CODE_PLACEHOLDER, "custom-message.code-placeholder", Observed, "§3.4 rule 2",
    "an email body without `{####}` (Java regex, ASCII \\s) fails with InvalidParameterException at 'emailBody'");
rule!(
    CUSTOM_MESSAGE_SMS_PLACEHOLDER,
    "custom-message.sms-placeholder",
    Assumed,
    "§3.4 rule 2 (SMS pattern, INF)",
    "an SMS body must match `.*\\{####\\}.*` with Java semantics (no line breaks around the code)"
);
rule!(
    CUSTOM_MESSAGE_EMPTY,
    "custom-message.empty",
    Assumed,
    "§3.4 rule 4",
    "an empty message body fails with InvalidParameterException `The message is empty.` (text observed, cause assumed)"
);
rule!(CUSTOM_MESSAGE_LENGTH, "custom-message.length", Assumed, "§3.4 rule 5, ruling 8",
    "emailBody ≤ 20000, smsMessage ≤ 140, emailSubject ≤ 140 characters before code substitution, else InvalidParameterException");
rule!(
    CUSTOM_MESSAGE_SUBJECT,
    "custom-message.subject-pattern",
    Assumed,
    "§3.4 rule 5 (EmailVerificationSubjectType)",
    "an email subject must match `[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s]+`"
);
rule!(CUSTOM_MESSAGE_INVITE_FALLBACK, "custom-message.invite-fallback", Observed, "§3.4 rule 3",
    "an AdminCreateUser message without `{username}` or `{####}` is silently replaced by the default invitation");
rule!(PRE_SIGN_UP_ACCEPTED, "pre-sign-up.accepted", Documented, "§3.5",
    "the sign-up goes ahead; autoConfirmUser confirms, autoVerifyEmail/Phone mark the attribute verified");
rule!(
    PRE_SIGN_UP_ADMIN_FLAGS_IGNORED,
    "pre-sign-up.admin-create-user-ignores-flags",
    Documented,
    "§3.5 (DG-PSU 2023 note)",
    "for PreSignUp_AdminCreateUser the three response flags are ignored"
);
rule!(PRE_SIGN_UP_AUTO_VERIFY_NEEDS_ATTRIBUTE, "pre-sign-up.auto-verify-needs-attribute", Assumed, "§3.5, ruling 9",
    "autoVerifyEmail/autoVerifyPhone without that attribute: InvalidParameterException naming the attribute");

/// Every rule, for listings and lookups by id.
pub static ALL: [&Rule; 19] = [
    &FUNCTION_ERROR,
    &CUSTOM_MESSAGE_FUNCTION_ERROR,
    &TIMEOUT,
    &ACCESS_DENIED,
    &HARNESS_UNAVAILABLE,
    &INVALID_JSON,
    &UNRECOGNIZABLE,
    &CUSTOM_MESSAGE_NO_TRIGGER,
    &CUSTOM_MESSAGE_TEMPLATE_FALLBACK,
    &CUSTOM_MESSAGE_ACCEPTED,
    &CUSTOM_MESSAGE_CODE_PLACEHOLDER,
    &CUSTOM_MESSAGE_SMS_PLACEHOLDER,
    &CUSTOM_MESSAGE_EMPTY,
    &CUSTOM_MESSAGE_LENGTH,
    &CUSTOM_MESSAGE_SUBJECT,
    &CUSTOM_MESSAGE_INVITE_FALLBACK,
    &PRE_SIGN_UP_ACCEPTED,
    &PRE_SIGN_UP_ADMIN_FLAGS_IGNORED,
    &PRE_SIGN_UP_AUTO_VERIFY_NEEDS_ATTRIBUTE,
];

/// Finds a rule by id.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}
