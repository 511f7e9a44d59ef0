//! Cognito's model patterns (the `pattern` traits of the service model), checked with Java's regex
//! semantics: Coral validates requests and the messages a CustomMessage trigger returns with them
//! (cognito-semantics.md §3.4 rule 2, §4.1).
//!
//! Each pattern is kept once, as the model spells it, and translated to a Rust regex with Java's
//! meaning ([`java_to_rust`]): Cognito is a Java service, so `\w`, `\d` and `\s` are ASCII there
//! (`Pattern` without `UNICODE_CHARACTER_CLASS`) where Rust's are Unicode, and Java's `.` stops
//! at every line terminator (`\n`, `\r`, U+0085, U+2028, U+2029) unless `(?s)` is set.

use std::sync::OnceLock;

use regex::Regex;

/// A model pattern: the text AWS prints, checked with Java's semantics.
pub struct Pattern {
    /// As printed in messages (the model's pattern string).
    pub text: &'static str,
    regex: OnceLock<Regex>,
}

impl Pattern {
    /// `text` is the model's pattern, exactly as the service model spells it.
    pub const fn new(text: &'static str) -> Self {
        Pattern {
            text,
            regex: OnceLock::new(),
        }
    }

    /// Whole-string match, like Java's `Matcher.matches()`.
    pub fn matches(&self, value: &str) -> bool {
        self.regex
            .get_or_init(|| {
                Regex::new(&format!("^(?:{})$", java_to_rust(self.text))).expect("valid pattern")
            })
            .is_match(value)
    }
}

/// Java's `\s`, as the members of a character class.
const JAVA_SPACE: &str = r" \t\n\x0B\x0C\r";
/// Java's `\w`, as the members of a character class.
const JAVA_WORD: &str = "A-Za-z0-9_";
/// What Java's `.` does not match without `(?s)`.
const JAVA_LINE_TERMINATORS: &str = r"\n\r\x{85}\x{2028}\x{2029}";

/// A Java regex (the subset the service model uses: classes, escapes, `\p{..}`, groups,
/// quantifiers, a leading `(?s)`) as a Rust regex with the same meaning.
pub(crate) fn java_to_rust(java: &str) -> String {
    let dot_all = java.starts_with("(?s)");
    let mut out = String::with_capacity(java.len() * 2);
    let mut chars = java.chars().peekable();
    // Inside a class: whether the last member was one character (so a `-` after it is a range).
    let mut class: Option<bool> = None;
    while let Some(c) = chars.next() {
        match (c, class) {
            ('\\', _) => {
                let escaped = chars.next().unwrap_or('\\');
                let inside = class.is_some();
                let members = match escaped {
                    'w' => Some((JAVA_WORD, false)),
                    'W' => Some((JAVA_WORD, true)),
                    'd' => Some(("0-9", false)),
                    'D' => Some(("0-9", true)),
                    's' => Some((JAVA_SPACE, false)),
                    'S' => Some((JAVA_SPACE, true)),
                    _ => None,
                };
                match members {
                    Some((set, false)) if inside => out.push_str(set),
                    Some((set, negated)) => {
                        out.push_str(if negated { "[^" } else { "[" });
                        out.push_str(set);
                        out.push(']');
                    }
                    None => {
                        out.push('\\');
                        out.push(escaped);
                        // `\p{..}` and `\x{..}` carry their braces along.
                        if matches!(escaped, 'p' | 'P' | 'x') && chars.peek() == Some(&'{') {
                            for b in chars.by_ref() {
                                out.push(b);
                                if b == '}' {
                                    break;
                                }
                            }
                        }
                    }
                }
                if inside {
                    class = Some(members.is_none() && !matches!(escaped, 'p' | 'P'));
                }
            }
            ('[', None) => {
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().unwrap());
                }
                class = Some(false);
            }
            (']', Some(_)) => {
                out.push(']');
                class = None;
            }
            ('-', Some(after_char)) => {
                // A range only between two single characters; elsewhere Java reads `-` as itself.
                let range = after_char && chars.peek().is_some_and(|n| *n != ']');
                out.push_str(if range { "-" } else { r"\-" });
                class = Some(false);
                if range {
                    // The range's end is copied now, so a `-` after it is literal again.
                    if let Some(end) = chars.next() {
                        out.push(end);
                        if end == '\\' {
                            out.extend(chars.next());
                        }
                    }
                }
            }
            ('.', None) if !dot_all => {
                out.push_str("[^");
                out.push_str(JAVA_LINE_TERMINATORS);
                out.push(']');
            }
            (c, Some(_)) => {
                if matches!(c, '[' | '&' | '~') {
                    // Literal in these patterns; escaped so Rust reads no nested class or operator.
                    out.push('\\');
                }
                out.push(c);
                class = Some(true);
            }
            (c, None) => out.push(c),
        }
    }
    out
}

/// UserPoolIdType.
pub static USER_POOL_ID: Pattern = Pattern::new(r"[\w-]+_[0-9a-zA-Z]+");
/// UsernameType.
pub static USERNAME: Pattern = Pattern::new(r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+");
/// AttributeNameType.
pub static ATTRIBUTE_NAME: Pattern = Pattern::new(r"[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r ]+");
/// TokenModelType (access tokens).
pub static ACCESS_TOKEN: Pattern = Pattern::new(r"[A-Za-z0-9-_=.]+");
/// ClientIdType.
pub static CLIENT_ID: Pattern = Pattern::new(r"[\w+]+");
/// EmailVerificationMessageType: the body must hold `{####}`.
pub static EMAIL_MESSAGE: Pattern =
    Pattern::new(r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*");
/// EmailVerificationMessageByLinkType: the body must hold `{##…##}`.
pub static EMAIL_MESSAGE_BY_LINK: Pattern = Pattern::new(
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{##[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*##\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*",
);
/// EmailVerificationSubjectType.
pub static EMAIL_SUBJECT: Pattern = Pattern::new(r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s]+");
/// SmsVerificationMessageType (Java's `.` stops at line terminators).
pub static SMS_MESSAGE: Pattern = Pattern::new(r".*\{####\}.*");
/// The invitation e-mail body of AdminCreateUserConfig (no placeholder required by today's model).
pub static INVITE_EMAIL_MESSAGE: Pattern = Pattern::new(r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*");
/// The invitation SMS body (`(?s).*`).
pub static INVITE_SMS_MESSAGE: Pattern = Pattern::new(r"(?s).*");
/// LambdaConfig ARNs.
pub static LAMBDA_ARN: Pattern = Pattern::new(
    r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?",
);
/// PasswordType: `[\S]+`.
pub static PASSWORD: Pattern = Pattern::new(r"[\S]+");
/// ConfirmationCodeType: `[\S]+`.
pub static CONFIRMATION_CODE: Pattern = Pattern::new(r"[\S]+");
/// SoftwareTokenMFAUserCodeType: digits.
pub static SOFTWARE_TOKEN_CODE: Pattern = Pattern::new(r"[0-9]+");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_translation_gives_java_meanings() {
        let cases = [
            (r"[\w-]+_[0-9a-zA-Z]+", r"[A-Za-z0-9_\-]+_[0-9a-zA-Z]+"),
            (r"[A-Za-z0-9-_=.]+", r"[A-Za-z0-9\-_=.]+"),
            (r"[\S]+", r"[[^ \t\n\x0B\x0C\r]]+"),
            (
                r".*\{####\}.*",
                r"[^\n\r\x{85}\x{2028}\x{2029}]*\{####\}[^\n\r\x{85}\x{2028}\x{2029}]*",
            ),
            (r"(?s).*", r"(?s).*"),
            (r"[\p{L}\s*]+", r"[\p{L} \t\n\x0B\x0C\r*]+"),
        ];
        for (java, rust) in cases {
            assert_eq!(java_to_rust(java), rust, "{java}");
        }
    }

    /// Java's `\w` is ASCII: ids and ARNs with other letters fail, as Coral fails them.
    #[test]
    fn word_classes_are_ascii_as_in_java() {
        assert!(USER_POOL_ID.matches("us-east-1_AbC123"));
        assert!(!USER_POOL_ID.matches("us-éast-1_AbC123"));
        assert!(CLIENT_ID.matches("3n4b5urk1ft4fl3mg5e62d9ado"));
        assert!(!CLIENT_ID.matches("3n4b5urk1ft4fl3mg5e62d9adö"));
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:custom-message";
        assert!(LAMBDA_ARN.matches(arn));
        assert!(!LAMBDA_ARN.matches(&arn.replace("custom", "función")));
        assert!(PASSWORD.matches("Sup3r-secret!"));
        assert!(!PASSWORD.matches("two words"));
        // A no-break space is not Java `\s`, so it is not a non-space either: `\S` accepts it.
        assert!(PASSWORD.matches("no\u{a0}break"));
        assert!(!EMAIL_MESSAGE.matches("code\u{a0}{####}"));
        assert!(EMAIL_MESSAGE.matches("code\n{####}"));
        assert!(!SMS_MESSAGE.matches("code\n{####}"));
        assert!(INVITE_SMS_MESSAGE.matches("line\nbreak"));
    }
}
