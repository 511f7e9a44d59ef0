//! Cognito's model patterns (the `pattern` traits of the service model), checked with Java's regex
//! semantics: Coral validates requests and the messages a CustomMessage trigger returns with them
//! (cognito-semantics.md §3.4 rule 2, §4.1).

use std::sync::OnceLock;

use regex::Regex;

/// A model pattern: the text AWS prints, and the regex that checks it with Java semantics.
pub struct Pattern {
    /// As printed in messages (the model's pattern string).
    pub text: &'static str,
    /// Anchored Rust regex with Java's meaning (`\s` is ASCII whitespace only).
    regex: OnceLock<Regex>,
    source: &'static str,
}

impl Pattern {
    /// `text` is the model's pattern; `source` the equivalent Rust regex body (unanchored).
    pub const fn new(text: &'static str, source: &'static str) -> Self {
        Pattern {
            text,
            regex: OnceLock::new(),
            source,
        }
    }

    /// Whole-string match, like Java's `Matcher.matches()`.
    pub fn matches(&self, value: &str) -> bool {
        self.regex
            .get_or_init(|| Regex::new(&format!("^(?:{})$", self.source)).expect("valid pattern"))
            .is_match(value)
    }
}

/// Java's `\s`: `[ \t\n\x0B\f\r]`. Written out because Rust's `\s` is Unicode-aware.
macro_rules! java_ws {
    () => {
        r" \t\n\x0B\x0C\r"
    };
}

pub static USER_POOL_ID: Pattern = Pattern::new(r"[\w-]+_[0-9a-zA-Z]+", r"[\w-]+_[0-9a-zA-Z]+");
pub static USERNAME: Pattern = Pattern::new(
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+",
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+",
);
pub static ATTRIBUTE_NAME: Pattern = Pattern::new(
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r ]+",
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r ]+",
);
pub static ACCESS_TOKEN: Pattern = Pattern::new(r"[A-Za-z0-9-_=.]+", r"[A-Za-z0-9\-_=.]+");
pub static CLIENT_ID: Pattern = Pattern::new(r"[\w+]+", r"[\w+]+");
/// EmailVerificationMessageType: the body must hold `{####}`.
pub static EMAIL_MESSAGE: Pattern = Pattern::new(
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*",
    concat!(
        r"[\p{L}\p{M}\p{S}\p{N}\p{P}",
        java_ws!(),
        r"*]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}",
        java_ws!(),
        r"*]*"
    ),
);
/// EmailVerificationMessageByLinkType: the body must hold `{##…##}`.
pub static EMAIL_MESSAGE_BY_LINK: Pattern = Pattern::new(
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{##[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*##\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*",
    concat!(
        r"[\p{L}\p{M}\p{S}\p{N}\p{P}",
        java_ws!(),
        r"*]*\{##[\p{L}\p{M}\p{S}\p{N}\p{P}",
        java_ws!(),
        r"*]*##\}[\p{L}\p{M}\p{S}\p{N}\p{P}",
        java_ws!(),
        r"*]*"
    ),
);
/// EmailVerificationSubjectType.
pub static EMAIL_SUBJECT: Pattern = Pattern::new(
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s]+",
    concat!(r"[\p{L}\p{M}\p{S}\p{N}\p{P}", java_ws!(), r"]+"),
);
/// SmsVerificationMessageType: Java's `.` stops at line terminators.
pub static SMS_MESSAGE: Pattern = Pattern::new(
    r".*\{####\}.*",
    r"[^\n\r\u{85}\u{2028}\u{2029}]*\{####\}[^\n\r\u{85}\u{2028}\u{2029}]*",
);
/// The invitation e-mail body of AdminCreateUserConfig (no placeholder required by today's model).
pub static INVITE_EMAIL_MESSAGE: Pattern = Pattern::new(
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*",
    concat!(r"[\p{L}\p{M}\p{S}\p{N}\p{P}", java_ws!(), r"*]*"),
);
/// The invitation SMS body (`(?s).*`).
pub static INVITE_SMS_MESSAGE: Pattern = Pattern::new(r"(?s).*", r"(?s).*");
/// LambdaConfig ARNs.
pub static LAMBDA_ARN: Pattern = Pattern::new(
    r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?",
    r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?",
);
/// PasswordType: `[\S]+`.
pub static PASSWORD: Pattern = Pattern::new(r"[\S]+", r"[^ \t\n\x0B\x0C\r]+");
/// ConfirmationCodeType: `[\S]+`.
pub static CONFIRMATION_CODE: Pattern = Pattern::new(r"[\S]+", r"[^ \t\n\x0B\x0C\r]+");
