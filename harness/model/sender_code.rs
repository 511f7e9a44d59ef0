//! The code a custom sender trigger receives, encrypted the harness's way (cognito-semantics.md
//! §CS.4). Cognito encrypts it with the pool's KMS key (`LambdaConfig.KMSKeyID`) through the AWS
//! Encryption SDK; offline there is no KMS, so the harness stands in with a documented envelope:
//!
//! - key: SHA-256 of `cognito-harness local KMS key\n` followed by the KMSKeyID string (the pool
//!   id when the pool names no key), so a function that knows its key ARN can derive it;
//! - `code`: standard base64 of a fresh 12-byte nonce followed by the AES-256-GCM ciphertext and
//!   its 16-byte tag, no associated data.
//!
//! The AES-GCM and SHA-256 are RustCrypto's (`aes-gcm`, `sha2`); nothing here is hand-made crypto.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// What the key derivation hashes before the KMSKeyID.
const KEY_DOMAIN: &[u8] = b"cognito-harness local KMS key\n";
/// AES-GCM's nonce length.
const NONCE_LEN: usize = 12;

/// The 256-bit key the harness encrypts sender codes with for this KMSKeyID (§CS.4).
pub fn sender_key(kms_key_id: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(KEY_DOMAIN);
    hasher.update(kms_key_id.as_bytes());
    hasher.finalize().into()
}

/// Encrypts `code` for a custom sender: base64 of nonce ‖ AES-256-GCM ciphertext ‖ tag.
pub(crate) fn encrypt_sender_code(kms_key_id: &str, code: &str) -> String {
    encrypt_with_nonce(kms_key_id, code, rand::random())
}

/// [`encrypt_sender_code`] with a given nonce: only for reproducible sample events.
pub(crate) fn encrypt_with_nonce(kms_key_id: &str, code: &str, nonce: [u8; NONCE_LEN]) -> String {
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(sender_key(kms_key_id)));
    let sealed = cipher
        .encrypt(&Nonce::from(nonce), code.as_bytes())
        .expect("AES-GCM encrypts any code the harness makes");
    let mut message = Vec::with_capacity(NONCE_LEN + sealed.len());
    message.extend_from_slice(&nonce);
    message.extend_from_slice(&sealed);
    base64::engine::general_purpose::STANDARD.encode(message)
}

/// Why a sender code could not be decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderCodeError {
    /// The code is not standard base64.
    #[error("the code is not base64")]
    NotBase64,
    /// Too short to hold a nonce and a tag.
    #[error("the code is too short to be an encrypted code")]
    TooShort,
    /// The tag did not verify: another key, or a changed code.
    #[error("the code does not decrypt with this key")]
    WrongKey,
    /// The plaintext is not UTF-8.
    #[error("the decrypted code is not UTF-8")]
    NotUtf8,
}

/// Decrypts the `request.code` of a custom sender event the harness sent, with the key of
/// `kms_key_id` (what a function does with the AWS Encryption SDK against real Cognito).
pub fn decrypt_sender_code(kms_key_id: &str, code: &str) -> Result<String, SenderCodeError> {
    let message = base64::engine::general_purpose::STANDARD
        .decode(code)
        .map_err(|_| SenderCodeError::NotBase64)?;
    if message.len() < NONCE_LEN + 16 {
        return Err(SenderCodeError::TooShort);
    }
    let (nonce, sealed) = message.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SenderCodeError::TooShort)?;
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(sender_key(kms_key_id)));
    let plain = cipher
        .decrypt(&Nonce::from(nonce), sealed)
        .map_err(|_| SenderCodeError::WrongKey)?;
    String::from_utf8(plain).map_err(|_| SenderCodeError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_ARN: &str =
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn a_code_decrypts_with_its_key_and_no_other() {
        let sealed = encrypt_sender_code(KEY_ARN, "123456");
        assert_eq!(
            decrypt_sender_code(KEY_ARN, &sealed).as_deref(),
            Ok("123456")
        );
        assert_eq!(
            decrypt_sender_code("arn:aws:kms:us-east-1:123456789012:key/other", &sealed),
            Err(SenderCodeError::WrongKey)
        );
        assert_eq!(
            decrypt_sender_code(KEY_ARN, "not base64!"),
            Err(SenderCodeError::NotBase64)
        );
        assert_eq!(
            decrypt_sender_code(KEY_ARN, "AAAA"),
            Err(SenderCodeError::TooShort)
        );
    }

    #[test]
    fn each_encryption_has_its_own_nonce() {
        assert_ne!(
            encrypt_sender_code(KEY_ARN, "1"),
            encrypt_sender_code(KEY_ARN, "1")
        );
    }

    #[test]
    fn the_key_is_sha256_of_the_domain_and_the_key_id() {
        // Pinned so the documented derivation (§CS.4) cannot drift from the code.
        let hex: String = sender_key("k").iter().map(|b| format!("{b:02x}")).collect();
        let mut hasher = Sha256::new();
        hasher.update(b"cognito-harness local KMS key\nk");
        let expected: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, expected);
    }
}
