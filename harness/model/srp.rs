//! Cognito's SRP maths (cognito-semantics.md §SRP): SRP-6a over the 3072-bit group of RFC 3526
//! with SHA-256, as Cognito's clients compute it, so a sign-in with `USER_SRP_AUTH` proves the
//! password without sending it. The server side only: the verifier from a password, the
//! challenge's `SRP_B` and the key both sides derive, and the check of the client's
//! `PASSWORD_CLAIM_SIGNATURE`.
//!
//! Cognito's variant, as its SDKs compute it: numbers are hashed in their shortest big-endian
//! form with a leading zero byte when the top bit is set (the SDKs' `padHex`, two's complement);
//! `k = H(N | g)`, `u = H(A | B)`, `x = H(salt | H(poolName | username | ":" | password))`;
//! the session key is HKDF-SHA256 of `S` with `u` as salt and the info `Caldera Derived Key`,
//! 16 bytes; the claim is HMAC-SHA256 under that key of `poolName | USER_ID_FOR_SRP |
//! SECRET_BLOCK (decoded) | TIMESTAMP`.

use std::sync::OnceLock;

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use num_bigint_dig::BigUint;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// The 3072-bit prime of RFC 3526 §4 (group 15), which Cognito's SRP uses with generator 2.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// The HKDF info of Cognito's session key.
const KEY_INFO: &[u8] = b"Caldera Derived Key";

/// Bytes of the key both sides derive (the SDKs take the first 16 of HKDF's output).
pub(crate) const KEY_LEN: usize = 16;

/// The group: N, g and Cognito's multiplier k, computed once.
struct Group {
    n: BigUint,
    g: BigUint,
    k: BigUint,
}

fn group() -> &'static Group {
    static GROUP: OnceLock<Group> = OnceLock::new();
    GROUP.get_or_init(|| {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N_HEX is hexadecimal");
        let g = BigUint::from(2u32);
        let k = number(&hash(&[&padded(&n), &padded(&g)]));
        Group { n, g, k }
    })
}

/// `n` as the SDKs hash it: shortest big-endian bytes, with a zero byte in front when the top
/// bit is set (so the number reads as positive).
pub(crate) fn padded(n: &BigUint) -> Vec<u8> {
    let bytes = n.to_bytes_be();
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        let mut out = Vec::with_capacity(bytes.len() + 1);
        out.push(0);
        out.extend_from_slice(&bytes);
        out
    } else {
        bytes
    }
}

/// SHA-256 of the parts, one after the other.
fn hash(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
    }
    h.finalize().into()
}

fn number(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

fn is_zero(n: &BigUint) -> bool {
    n.bits() == 0
}

/// A random number of `len` bytes.
fn random_number(len: usize) -> BigUint {
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    number(&bytes)
}

/// Parses a number the SDKs sent in hexadecimal (`SRP_A`); `None` if it is not hexadecimal.
pub(crate) fn parse_hex(hex: &str) -> Option<BigUint> {
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(hex.as_bytes(), 16)
}

/// Whether `a` is a public value the protocol refuses: `A mod N == 0` (SRP-6a's safeguard
/// against a client that would force the shared secret to zero).
pub(crate) fn is_degenerate(a: &BigUint) -> bool {
    is_zero(&(a % &group().n))
}

/// The name Cognito's SRP hashes for a pool: its id without the region prefix
/// (`us-east-1_AbC` → `AbC`).
pub(crate) fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

/// The verifier `v = g^x mod N` of `password` for `username` in the pool named `pool_name`, with
/// `salt`.
pub(crate) fn verifier(pool_name: &str, username: &str, password: &str, salt: &BigUint) -> BigUint {
    let identity = hash(&[
        pool_name.as_bytes(),
        username.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    let x = number(&hash(&[&padded(salt), &identity]));
    let group = group();
    group.g.modpow(&x, &group.n)
}

/// The server's half of one SRP exchange: what the PASSWORD_VERIFIER challenge tells the client,
/// and the key only a client that knows the password derives too.
pub(crate) struct ServerStep {
    /// `SALT`, hexadecimal.
    pub salt: String,
    /// `SRP_B`, hexadecimal.
    pub srp_b: String,
    /// The derived session key that signs the client's claim.
    pub key: [u8; KEY_LEN],
}

/// A fresh random salt, as the challenge sends it.
pub(crate) fn new_salt() -> BigUint {
    random_number(16)
}

/// The server's step for a client that sent `a` (checked with [`is_degenerate`]) to sign in as a
/// user whose verifier is `v` (made with `salt`): a fresh private `b`, `B = k·v + g^b mod N`,
/// `u = H(A | B)`, `S = (A·v^u)^b mod N` and the key derived from `S` and `u`.
pub(crate) fn server_step(a: &BigUint, v: &BigUint, salt: &BigUint) -> ServerStep {
    let group = group();
    let n = &group.n;
    loop {
        // 256 bits, RFC 5054 §3.1's floor for the private value: the two exponentiations by b
        // are most of a sign-in's cost, and a longer b buys a local harness nothing.
        let b = random_number(32);
        let big_b = (&group.k * v + group.g.modpow(&b, n)) % n;
        let u = number(&hash(&[&padded(a), &padded(&big_b)]));
        // Either would let the exchange be forced; a fresh b makes both vanishingly unlikely.
        if is_zero(&big_b) || is_zero(&u) {
            continue;
        }
        let s = (a * v.modpow(&u, n) % n).modpow(&b, n);
        return ServerStep {
            salt: salt.to_str_radix(16),
            srp_b: big_b.to_str_radix(16),
            key: derive_key(&s, &u),
        };
    }
}

/// Cognito's key: HKDF-SHA256 of `S` with `u` as salt and the info `Caldera Derived Key`.
fn derive_key(s: &BigUint, u: &BigUint) -> [u8; KEY_LEN] {
    let mut key = [0u8; KEY_LEN];
    Hkdf::<Sha256>::new(Some(&padded(u)), &padded(s))
        .expand(KEY_INFO, &mut key)
        .expect("16 bytes is a valid HKDF-SHA256 length");
    key
}

/// Whether `signature` (decoded `PASSWORD_CLAIM_SIGNATURE`) is the HMAC-SHA256 under `key` of
/// `pool_name | user_id | secret_block | timestamp`, compared in constant time.
pub(crate) fn claim_matches(
    key: &[u8; KEY_LEN],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
    signature: &[u8],
) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(pool_name.as_bytes());
    mac.update(user_id.as_bytes());
    mac.update(secret_block);
    mac.update(timestamp.as_bytes());
    mac.verify_slice(signature).is_ok()
}

/// Cognito's SECRET_HASH for `username` through `client_id`: Base64(HMAC-SHA256(client secret,
/// username | client id)) (DG "Computing secret hash values").
pub(crate) fn secret_hash_matches(
    client_secret: &str,
    username: &str,
    client_id: &str,
    given: &str,
) -> bool {
    use base64::Engine as _;
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(given) else {
        return false;
    };
    let mut mac =
        Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()).expect("HMAC takes any key");
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// Reads a `TIMESTAMP` in Cognito's `EEE MMM d HH:mm:ss z yyyy` (English, UTC) and gives it back
/// in the one spelling Cognito signs: unpadded day, the weekday the date really has. `None`
/// when it is not in that format at all.
pub(crate) fn canonical_timestamp(timestamp: &str) -> Option<String> {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let mut fields = timestamp.split_whitespace();
    let weekday = fields.next()?;
    if !WEEKDAYS.contains(&weekday) {
        return None;
    }
    let rest: Vec<&str> = fields.collect();
    let [month, day, time, zone, year] = rest.as_slice() else {
        return None;
    };
    if !matches!(*zone, "UTC" | "GMT") {
        return None;
    }
    let text = format!("{month} {day} {time} {year}");
    let parsed = chrono::NaiveDateTime::parse_from_str(&text, "%b %d %H:%M:%S %Y").ok()?;
    Some(parsed.format("%a %b %-d %H:%M:%S UTC %Y").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_adds_a_zero_byte_only_when_the_top_bit_is_set() {
        assert_eq!(padded(&BigUint::from(0x7fu32)), vec![0x7f]);
        assert_eq!(padded(&BigUint::from(0x80u32)), vec![0x00, 0x80]);
        assert_eq!(padded(&group().n).len(), 385);
    }

    #[test]
    fn the_multiplier_is_cognitos() {
        // k = H(00 N | 02), computed independently with Python's hashlib.
        assert_eq!(
            group().k.to_str_radix(16),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
    }

    #[test]
    fn pool_name_drops_the_region() {
        assert_eq!(pool_name("us-east-1_AbCdEf123"), "AbCdEf123");
        assert_eq!(pool_name("local"), "local");
    }

    #[test]
    fn timestamps_are_read_as_cognito_signs_them() {
        let c = |t| canonical_timestamp(t);
        assert_eq!(
            c("Wed Dec 2 06:05:09 UTC 2026").as_deref(),
            Some("Wed Dec 2 06:05:09 UTC 2026")
        );
        // A padded day and a wrong weekday are read, but signed as Cognito spells the date.
        assert_eq!(
            c("Wed Dec 02 06:05:09 UTC 2026").as_deref(),
            Some("Wed Dec 2 06:05:09 UTC 2026")
        );
        assert_eq!(
            c("Mon Dec 2 06:05:09 UTC 2026").as_deref(),
            Some("Wed Dec 2 06:05:09 UTC 2026")
        );
        for bad in [
            "",
            "2026-12-02T06:05:09Z",
            "Mitt Dez 2 06:05:09 UTC 2026",
            "Wed Dec 2 06:05:09 +05:30 2026",
            "Wed Dec 32 06:05:09 UTC 2026",
            "Wed Dec 2 06:05:09 UTC",
        ] {
            assert_eq!(c(bad), None, "{bad}");
        }
    }

    #[test]
    fn secret_hash_is_hmac_of_username_and_client_id() {
        // Base64(HMAC-SHA256("secret", "aliceclient")), computed independently with Python.
        let given = "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0=";
        assert!(secret_hash_matches("secret", "alice", "client", given));
        assert!(!secret_hash_matches("secret", "bob", "client", given));
        assert!(!secret_hash_matches(
            "secret",
            "alice",
            "client",
            "not base64!"
        ));
    }
}
