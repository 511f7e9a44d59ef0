//! The tokens a local pool issues: RS256-signed JWTs with the claims Cognito puts in access and ID
//! tokens (cognito-semantics.md §T), and the pool's JSON Web Key Set, so real verifiers
//! (`aws-jwt-verify`, `jsonwebtoken`) accept them. Key generation and signing go through
//! `aws-lc-rs`, verifying through the `jsonwebtoken` crate (on the same backend); nothing here is
//! hand-written crypto.
//!
//! Like Cognito, a pool signs ID tokens and access tokens with two different keys (§T.1). The keys
//! are made on first use (a sign-in or a JWKS request), not when the pool is created: a 2048-bit
//! key takes a fraction of a second, which pools that never issue a token should not pay.

use std::fmt;
use std::sync::{Arc, OnceLock};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Map, Value};
use sha2::Digest as _;

/// How long access and ID tokens are valid (Cognito's default: one hour).
pub(crate) const TOKEN_LIFETIME_SECONDS: u64 = 3600;
/// The size of the pool's RSA keys, as Cognito's JWKS publishes them.
const KEY_SIZE: aws_lc_rs::rsa::KeySize = aws_lc_rs::rsa::KeySize::Rsa2048;
/// The scope of an access token from the user-pools API (InitiateAuth and friends, §T.2).
pub(crate) const SIGN_IN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Which token a claim set is for (`token_use`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TokenUse {
    /// The ID token: who the user is.
    Id,
    /// The access token: what the bearer may do.
    Access,
}

impl TokenUse {
    /// `id` or `access`, as in the `token_use` claim.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
    }
}

/// One sign-in, as its tokens record it: every token of a sign-in, and of the refreshes that
/// follow, shares `auth_time` and `origin_jti`; the ID and access token of one issue share
/// `event_id`.
pub(crate) struct Session<'a> {
    /// `iss`: `<issuer base>/<pool id>`.
    pub issuer: &'a str,
    /// The user's `sub`.
    pub sub: &'a str,
    /// The user's username.
    pub username: &'a str,
    /// The app client the user signed in through.
    pub client_id: &'a str,
    /// When the user authenticated (epoch seconds); kept across refreshes.
    pub auth_time: u64,
    /// The sign-in's first token id; kept across refreshes.
    pub origin_jti: &'a str,
    /// This issue's event id.
    pub event_id: &'a str,
    /// When the tokens are issued (epoch seconds).
    pub now: u64,
}

/// The claims of an access token, in the order Cognito writes them (§T.2).
pub(crate) fn access_claims(session: &Session<'_>) -> Map<String, Value> {
    let mut claims = Map::with_capacity(12);
    claims.insert("sub".into(), session.sub.into());
    claims.insert("iss".into(), session.issuer.into());
    claims.insert("client_id".into(), session.client_id.into());
    claims.insert("origin_jti".into(), session.origin_jti.into());
    claims.insert("event_id".into(), session.event_id.into());
    claims.insert("token_use".into(), "access".into());
    claims.insert("scope".into(), SIGN_IN_SCOPE.into());
    claims.insert("auth_time".into(), session.auth_time.into());
    claims.insert("exp".into(), (session.now + TOKEN_LIFETIME_SECONDS).into());
    claims.insert("iat".into(), session.now.into());
    claims.insert("jti".into(), new_id().into());
    claims.insert("username".into(), session.username.into());
    claims
}

/// The claims of an ID token, in the order Cognito writes them (§T.3): the `*_verified`
/// attributes (as booleans) before `iss`, the other attributes (strings) after `jti`.
pub(crate) fn id_claims<'a>(
    session: &Session<'_>,
    attributes: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Map<String, Value> {
    let (verified, others): (Vec<_>, Vec<_>) = attributes
        .into_iter()
        .filter(|(name, _)| name.as_str() != "sub")
        .partition(|(name, _)| name.ends_with("_verified"));
    let mut claims = Map::with_capacity(12 + verified.len() + others.len());
    claims.insert("sub".into(), session.sub.into());
    for (name, value) in verified {
        let value = match value.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::from(other),
        };
        claims.insert(name.clone(), value);
    }
    claims.insert("iss".into(), session.issuer.into());
    claims.insert("cognito:username".into(), session.username.into());
    claims.insert("origin_jti".into(), session.origin_jti.into());
    claims.insert("aud".into(), session.client_id.into());
    claims.insert("event_id".into(), session.event_id.into());
    claims.insert("token_use".into(), "id".into());
    claims.insert("auth_time".into(), session.auth_time.into());
    claims.insert("exp".into(), (session.now + TOKEN_LIFETIME_SECONDS).into());
    claims.insert("iat".into(), session.now.into());
    claims.insert("jti".into(), new_id().into());
    for (name, value) in others {
        claims.insert(name.clone(), Value::from(value.as_str()));
    }
    claims
}

/// A fresh JWT id (`jti`, `origin_jti`, `event_id`): a UUID, as Cognito's are.
pub(crate) fn new_id() -> String {
    crate::ids::uuid_v4().to_string()
}

/// The `iss` of a pool's tokens: `<base>/<pool id>`.
pub(crate) fn issuer(base: &str, pool_id: &str) -> String {
    format!("{}/{pool_id}", base.trim_end_matches('/'))
}

/// Cognito's own issuer base for a region: `https://cognito-idp.<region>.amazonaws.com`.
pub(crate) fn aws_issuer_base(region: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com")
}

/// Why a token the pool remembers was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Rejected {
    /// The signature, header or claims do not check out.
    Invalid,
    /// `exp` has passed.
    Expired,
}

/// A pool's signing keys as a state store keeps them: base64 PKCS#1 DER private keys, None for
/// a key not made yet.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ExportedKeys {
    /// The ID-token key.
    pub id: Option<String>,
    /// The access-token key.
    pub access: Option<String>,
}

/// A pool's two signing keys (one for ID tokens, one for access tokens), made on first use.
/// Clones share the keys.
#[derive(Clone, Default)]
pub struct PoolKeys {
    id: Arc<OnceLock<KeyPair>>,
    access: Arc<OnceLock<KeyPair>>,
}

impl fmt::Debug for PoolKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kid = |k: &OnceLock<KeyPair>| k.get().map(|k| k.kid.clone());
        f.debug_struct("PoolKeys")
            .field("id_kid", &kid(&self.id))
            .field("access_kid", &kid(&self.access))
            .finish()
    }
}

struct KeyPair {
    /// The private key, PKCS#1 DER: what a state store keeps ([`PoolKeys::export`]).
    der: Vec<u8>,
    kid: String,
    /// Signs RS256 (PKCS#1 v1.5, deterministic: the same bytes for the same key and message).
    /// Parsed once; signing is ~0.23 ms here against ~2 ms with the pure-Rust big numbers, paid
    /// twice per sign-in: in a large suite it is a quarter of the harness's CPU.
    signer: RsaKeyPair,
    decoding: DecodingKey,
    /// The public key as a JWK (`alg`, `e`, `kid`, `kty`, `n`, `use`: Cognito's JWKS order).
    jwk: Value,
}

impl KeyPair {
    /// A fresh 2048-bit key (public exponent 65537). aws-lc makes one in about a third of the
    /// time the pure-Rust `rsa` crate took (~0.15 s against ~0.5 s a key in a profile of `check`),
    /// CPU that a suite's workers share.
    fn generate() -> KeyPair {
        let signer = RsaKeyPair::generate(KEY_SIZE).expect("aws-lc makes a 2048-bit RSA key");
        let pkcs8 = signer
            .as_der()
            .expect("a key aws-lc made encodes as PKCS#8");
        // What a state store keeps is PKCS#1: the RSAPrivateKey inside the PKCS#8 wrapper.
        let der = pkcs8::PrivateKeyInfo::try_from(pkcs8.as_ref())
            .expect("aws-lc's PKCS#8 parses")
            .private_key
            .to_vec();
        Self::of(signer, der)
    }

    /// The pair of a saved private key (PKCS#1 DER, as [`PoolKeys::export`] gives it).
    fn from_der(der: &[u8]) -> Result<KeyPair, String> {
        let signer = RsaKeyPair::from_der(der).map_err(|e| e.to_string())?;
        Ok(Self::of(signer, der.to_vec()))
    }

    fn of(signer: RsaKeyPair, der: Vec<u8>) -> KeyPair {
        let public = signer.public_key();
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        // Cognito's kids are base64 (with padding) of a 32-byte digest; ours digest the modulus.
        let kid = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&n));
        let jwk = json!({"alg": "RS256", "e": b64.encode(&e), "kid": kid, "kty": "RSA",
                         "n": b64.encode(&n), "use": "sig"});
        KeyPair {
            der,
            kid,
            signer,
            decoding: DecodingKey::from_rsa_raw_components(&n, &e),
            jwk,
        }
    }
}

impl PoolKeys {
    /// Keys that will be generated on first use.
    pub fn new() -> Self {
        PoolKeys::default()
    }

    /// The keys made so far, as base64 PKCS#1 DER private keys, for a state store to keep.
    pub fn export(&self) -> ExportedKeys {
        let b64 = |k: &OnceLock<KeyPair>| {
            k.get()
                .map(|k| base64::engine::general_purpose::STANDARD.encode(&k.der))
        };
        ExportedKeys {
            id: b64(&self.id),
            access: b64(&self.access),
        }
    }

    /// Keys saved by [`PoolKeys::export`]; a key not yet made there is made on first use.
    pub fn import(saved: &ExportedKeys) -> Result<Self, String> {
        let cell = |key: &Option<String>| -> Result<Arc<OnceLock<KeyPair>>, String> {
            let cell = OnceLock::new();
            if let Some(text) = key {
                let der = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| e.to_string())?;
                let _ = cell.set(KeyPair::from_der(&der)?);
            }
            Ok(Arc::new(cell))
        };
        Ok(PoolKeys {
            id: cell(&saved.id)?,
            access: cell(&saved.access)?,
        })
    }

    /// Which keys have been made (ID, access): cheap, for noticing a key made on first use.
    pub fn made(&self) -> (bool, bool) {
        (self.id.get().is_some(), self.access.get().is_some())
    }

    /// Keys shared by every caller in this process, made on first use: for pools that live for one
    /// scenario, which can see no other pool, so sharing is invisible to them and a suite pays
    /// for key generation (~0.15 s a key, §T.1) once instead of once per scenario.
    pub fn process_wide() -> Self {
        static SHARED: OnceLock<PoolKeys> = OnceLock::new();
        SHARED.get_or_init(PoolKeys::new).clone()
    }

    /// Makes both keys now rather than on first use.
    pub fn generate_now(&self) {
        self.pair(TokenUse::Id);
        self.pair(TokenUse::Access);
    }

    /// Starts making each key not yet made, each on a thread of its own, and returns at once: a
    /// caller that will sign soon (a suite of scenarios) has the keys sooner than on first use,
    /// and no task waits out both generations (~0.15–0.5 s each) one after the other. A signer
    /// that comes first waits for the key's thread (or makes the key itself if none was started).
    pub fn generate_in_background(&self) {
        for token_use in [TokenUse::Id, TokenUse::Access] {
            if self.cell(token_use).get().is_some() {
                continue;
            }
            let keys = self.clone();
            // A thread that cannot start leaves the key to be made on first use.
            let _ = std::thread::Builder::new()
                .name("pool-keygen".to_string())
                .spawn(move || {
                    keys.pair(token_use);
                });
        }
    }

    fn cell(&self, token_use: TokenUse) -> &OnceLock<KeyPair> {
        match token_use {
            TokenUse::Id => &self.id,
            TokenUse::Access => &self.access,
        }
    }

    fn pair(&self, token_use: TokenUse) -> &KeyPair {
        self.cell(token_use).get_or_init(KeyPair::generate)
    }

    /// The pool's JSON Web Key Set (`/<pool>/.well-known/jwks.json`): the ID-token key, then the
    /// access-token key.
    pub fn jwks(&self) -> Value {
        json!({"keys": [self.pair(TokenUse::Id).jwk.clone(), self.pair(TokenUse::Access).jwk.clone()]})
    }

    /// Signs `claims` as a JWT with the header Cognito sends (`{"kid", "alg": "RS256"}`).
    pub(crate) fn sign(&self, token_use: TokenUse, claims: &Map<String, Value>) -> String {
        let pair = self.pair(token_use);
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = json!({"kid": pair.kid, "alg": "RS256"});
        let message = format!(
            "{}.{}",
            b64.encode(header.to_string()),
            b64.encode(Value::Object(claims.clone()).to_string())
        );
        let mut signature = vec![0; pair.signer.public_modulus_len()];
        pair.signer
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                message.as_bytes(),
                &mut signature,
            )
            .expect("an RSA key the pool generated signs RS256");
        format!("{message}.{}", b64.encode(signature))
    }

    /// Checks a token's signature (with the key for `token_use`), its `token_use` and its `exp`
    /// against `now`; returns its claims.
    pub(crate) fn verify(
        &self,
        token_use: TokenUse,
        token: &str,
        now: u64,
    ) -> Result<Map<String, Value>, Rejected> {
        let pair = self.pair(token_use);
        let mut validation = Validation::new(Algorithm::RS256);
        // Expiry is checked below against Cognito's clock, which tests can move.
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let header = jsonwebtoken::decode_header(token).map_err(|_| Rejected::Invalid)?;
        if header.kid.as_deref() != Some(pair.kid.as_str()) {
            return Err(Rejected::Invalid);
        }
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &pair.decoding, &validation)
            .map_err(|_| Rejected::Invalid)?;
        let claims = data.claims;
        if claims.get("token_use").and_then(Value::as_str) != Some(token_use.as_str()) {
            return Err(Rejected::Invalid);
        }
        match claims.get("exp").and_then(Value::as_u64) {
            Some(exp) if exp > now => Ok(claims),
            Some(_) => Err(Rejected::Expired),
            None => Err(Rejected::Invalid),
        }
    }
}

/// `len` random ASCII letters and digits (sessions, pool ids, refresh tokens).
pub(crate) fn random_alphanumeric(len: usize) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), len)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session<'static> {
        Session {
            issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test",
            sub: "sub-1",
            username: "alice",
            client_id: "client-1",
            auth_time: 1000,
            origin_jti: "origin",
            event_id: "event",
            now: 1000,
        }
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires_and_only_with_its_own_key() {
        let keys = PoolKeys::new();
        let claims = access_claims(&session());
        let token = keys.sign(TokenUse::Access, &claims);
        assert_eq!(keys.verify(TokenUse::Access, &token, 1001), Ok(claims));
        assert_eq!(
            keys.verify(TokenUse::Access, &token, 1000 + TOKEN_LIFETIME_SECONDS),
            Err(Rejected::Expired)
        );
        assert_eq!(
            keys.verify(TokenUse::Id, &token, 1001),
            Err(Rejected::Invalid)
        );
        let other = PoolKeys::new();
        assert_eq!(
            other.verify(TokenUse::Access, &token, 1001),
            Err(Rejected::Invalid)
        );
        let mut tampered = token.clone();
        tampered.insert(tampered.len() - 3, 'A');
        assert_eq!(
            keys.verify(TokenUse::Access, &tampered, 1001),
            Err(Rejected::Invalid)
        );
    }

    #[test]
    fn keys_made_in_the_background_are_the_ones_the_pool_signs_with() {
        let keys = PoolKeys::new();
        keys.generate_in_background();
        // Only the background threads make them here; no sign or JWKS call asks for them first.
        let waited = std::time::Instant::now();
        while keys.made() != (true, true) {
            assert!(
                waited.elapsed() < std::time::Duration::from_secs(120),
                "the background threads never made the keys"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let exported = keys.export();
        let claims = access_claims(&session());
        let token = keys.sign(TokenUse::Access, &claims);
        assert_eq!(keys.verify(TokenUse::Access, &token, 1001), Ok(claims));
        // Nothing was made twice: the keys kept are still the first ones.
        assert_eq!(keys.export(), exported);
        // Asking again once both are made starts nothing and changes nothing.
        keys.generate_in_background();
        assert_eq!(keys.export(), exported);
    }

    #[test]
    fn process_wide_keys_are_one_pair_and_other_pools_keep_their_own() {
        let (a, b) = (PoolKeys::process_wide(), PoolKeys::process_wide());
        let claims = access_claims(&session());
        let token = a.sign(TokenUse::Access, &claims);
        assert_eq!(b.verify(TokenUse::Access, &token, 1001), Ok(claims));
        assert_eq!(a.jwks(), b.jwks());
        assert_eq!(
            PoolKeys::new().verify(TokenUse::Access, &token, 1001),
            Err(Rejected::Invalid)
        );
    }

    #[test]
    fn id_claims_put_verified_flags_before_iss_and_other_attributes_last() {
        let attributes = [
            ("email".to_string(), "a@example.com".to_string()),
            ("email_verified".to_string(), "true".to_string()),
            ("custom:tier".to_string(), "gold".to_string()),
        ];
        let claims = id_claims(&session(), attributes.iter().map(|(n, v)| (n, v)));
        let keys: Vec<&str> = claims.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "sub",
                "email_verified",
                "iss",
                "cognito:username",
                "origin_jti",
                "aud",
                "event_id",
                "token_use",
                "auth_time",
                "exp",
                "iat",
                "jti",
                "email",
                "custom:tier"
            ]
        );
        assert_eq!(claims["email_verified"], Value::Bool(true));
    }
}
