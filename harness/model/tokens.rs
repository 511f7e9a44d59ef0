//! The tokens the local pool issues: JWT-shaped (`[A-Za-z0-9-_=.]+`, three base64url parts) with
//! the claims a Cognito access token carries, so clients that decode them find what they expect.
//! They are not signed: the harness only accepts tokens it issued and remembers.

use base64::Engine as _;
use serde_json::{json, Map, Value};

/// Who a token is for.
pub(crate) struct Subject<'a> {
    /// The pool's region, for `iss`.
    pub region: &'a str,
    /// The pool's id, for `iss`.
    pub pool_id: &'a str,
    /// The user's `sub`.
    pub sub: &'a str,
    /// The user's username.
    pub username: &'a str,
    /// The app client the user signed in through.
    pub client_id: &'a str,
}

/// A JWT-shaped access token for `subject`, issued at `now` (epoch seconds), valid for an hour.
/// The signature part is random.
pub(crate) fn access_token(subject: &Subject<'_>, now: u64) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(br#"{"kid":"cognito-harness","alg":"RS256"}"#);
    let claims = json!({
        "sub": subject.sub,
        "iss": issuer(subject),
        "client_id": subject.client_id, "origin_jti": uuid::Uuid::new_v4().to_string(),
        "token_use": "access", "scope": "aws.cognito.signin.user.admin", "auth_time": now,
        "exp": now + TOKEN_LIFETIME_SECONDS, "iat": now, "jti": uuid::Uuid::new_v4().to_string(),
        "username": subject.username,
    });
    format!(
        "{header}.{}.{}",
        b64.encode(claims.to_string()),
        random_alphanumeric(43)
    )
}

/// `len` random ASCII letters and digits (signatures, sessions, refresh tokens).
pub(crate) fn random_alphanumeric(len: usize) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

/// How long access and ID tokens are valid (Cognito's default: one hour).
pub(crate) const TOKEN_LIFETIME_SECONDS: u64 = 3600;

/// A JWT-shaped ID token with the user's attributes as claims (`*_verified` as booleans, as in
/// Cognito's ID tokens); the signature part is random.
pub(crate) fn id_token<'a>(
    subject: &Subject<'_>,
    attributes: impl IntoIterator<Item = (&'a String, &'a String)>,
    now: u64,
) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims = Map::new();
    claims.insert("sub".into(), subject.sub.into());
    for (name, value) in attributes {
        let value = match (name.ends_with("_verified"), value.as_str()) {
            (true, "true") => Value::Bool(true),
            (true, "false") => Value::Bool(false),
            _ => Value::from(value.as_str()),
        };
        claims.insert(name.clone(), value);
    }
    claims.insert("iss".into(), issuer(subject).into());
    claims.insert("cognito:username".into(), subject.username.into());
    claims.insert("aud".into(), subject.client_id.into());
    claims.insert("event_id".into(), uuid::Uuid::new_v4().to_string().into());
    claims.insert("token_use".into(), "id".into());
    claims.insert("auth_time".into(), now.into());
    claims.insert("exp".into(), (now + TOKEN_LIFETIME_SECONDS).into());
    claims.insert("iat".into(), now.into());
    let header = b64.encode(br#"{"kid":"cognito-harness","alg":"RS256"}"#);
    format!(
        "{header}.{}.{}",
        b64.encode(Value::Object(claims).to_string()),
        random_alphanumeric(43)
    )
}

/// An opaque refresh token, JWE-shaped (five dot-separated parts) like Cognito's.
pub(crate) fn refresh_token() -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(br#"{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}"#);
    format!(
        "{header}.{}.{}.{}.{}",
        random_alphanumeric(342),
        random_alphanumeric(16),
        random_alphanumeric(400),
        random_alphanumeric(22)
    )
}

/// The `iss` claim: the pool's Cognito issuer URL.
fn issuer(subject: &Subject<'_>) -> String {
    format!(
        "https://cognito-idp.{}.amazonaws.com/{}",
        subject.region, subject.pool_id
    )
}
