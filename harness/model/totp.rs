//! Software-token (TOTP) codes as Cognito's authenticator-app MFA uses them (cognito-semantics.md
//! §MFA.3): RFC 6238 with SHA-1, 6 digits and a 30-second step, through the `totp-rs` crate. The
//! secret is handed out base32-encoded without padding, as AssociateSoftwareToken's `SecretCode`.

use totp_rs::{Algorithm, Secret, TOTP};

/// The step of Cognito's codes, in seconds.
pub const STEP_SECONDS: u64 = 30;
/// How many steps before and after the current one a code may come from (ruling MFA-3).
pub const SKEW_STEPS: u8 = 1;
/// The bytes of a new secret: 32, so its base32 form has Cognito's 52 characters (ruling MFA-2).
const SECRET_BYTES: usize = 32;

/// A new random secret, base32-encoded without padding.
pub fn new_secret() -> String {
    use rand::Rng as _;
    let mut bytes = vec![0u8; SECRET_BYTES];
    rand::rng().fill(&mut bytes[..]);
    match Secret::Raw(bytes).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded always encodes"),
    }
}

fn totp(secret: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, SKEW_STEPS, STEP_SECONDS, bytes).ok()
}

/// The code an authenticator app shows for `secret` at `time` (epoch seconds); `None` for a
/// secret that is not base32 or is shorter than 128 bits.
pub fn code_at(secret: &str, time: u64) -> Option<String> {
    totp(secret).map(|t| t.generate(time))
}

/// Whether `code` is the code of `secret` at `time`, or of the step just before or after.
pub fn accepts(secret: &str, code: &str, time: u64) -> bool {
    // `check` counts back a step from `time`, so the clock must be past the first step.
    time >= STEP_SECONDS && totp(secret).is_some_and(|t| t.check(code, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_52_base32_characters() {
        let secret = new_secret();
        assert_eq!(secret.len(), 52);
        assert!(secret
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
    }

    #[test]
    fn rfc_6238_sha1_vector() {
        // RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", T = 59 s → 94287082
        // (8 digits); the 6-digit code is its last six.
        let seed = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => unreachable!(),
        };
        assert_eq!(code_at(&seed, 59).as_deref(), Some("287082"));
        assert!(accepts(&seed, "287082", 59));
        assert!(accepts(&seed, "287082", 59 + 30), "one step late");
        assert!(!accepts(&seed, "287082", 59 + 60), "two steps late");
    }
}
