//! A custom sender trigger (CustomEmailSender and CustomSMSSender): it decrypts `request.code` and
//! records the message it would hand to a mail or SMS provider as a JSON line on stderr
//! (CloudWatch Logs, on AWS). It answers `null`, as AWS's example does: Cognito reads nothing back.
//!
//! Against real Cognito the code is an AWS Encryption SDK message under the pool's KMS key. Under
//! cognito-harness it is the harness's documented stand-in (docs/cognito-semantics.md §CS.4):
//! base64 of a 12-byte nonce and the AES-256-GCM ciphertext, under the key SHA-256(`cognito-harness
//! local KMS key\n` + KMSKeyID). The function knows its key as `KEY_ARN`, as AWS's example does.
//! A code that does not decrypt (a wrong `KEY_ARN`) is an error, which Cognito never reports to
//! the caller: the sender runs asynchronously.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Decrypts a code the harness encrypted for `key_id`.
fn decrypt(key_id: &str, code: &str) -> Result<String, Error> {
    let sealed = base64::engine::general_purpose::STANDARD.decode(code)?;
    if sealed.len() < 12 + 16 {
        return Err("could not decrypt the code: too short".into());
    }
    let key: [u8; 32] = Sha256::new()
        .chain_update(b"cognito-harness local KMS key\n")
        .chain_update(key_id.as_bytes())
        .finalize()
        .into();
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(key));
    let (nonce, ciphertext) = sealed.split_at(12);
    let nonce: [u8; 12] = nonce.try_into()?;
    let plain = cipher
        .decrypt(&Nonce::from(nonce), ciphertext)
        .map_err(|_| "could not decrypt the code with KEY_ARN")?;
    Ok(String::from_utf8(plain)?)
}

async fn deliver(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let event = event.payload;
    let request = &event["request"];
    let key_id = std::env::var("KEY_ARN").map_err(|_| "KEY_ARN is not set")?;
    let code = match request["code"].as_str() {
        Some(sealed) => Some(decrypt(&key_id, sealed)?),
        None => None,
    };
    let attributes = &request["userAttributes"];
    let (channel, to) = match request["type"].as_str() {
        Some("customSMSSenderRequestV1") => ("sms", &attributes["phone_number"]),
        Some("customEmailSenderRequestV1") => ("email", &attributes["email"]),
        other => return Err(format!("not a custom sender event: type {other:?}").into()),
    };
    let line = json!({
        "event": "send",
        "channel": channel,
        "to": to,
        "triggerSource": event["triggerSource"],
        "code": code,
    });
    eprintln!("{line}");
    Ok(Value::Null)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(deliver)).await
}
