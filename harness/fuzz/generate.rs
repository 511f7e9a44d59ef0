//! Generators of realistic users and requests (cognito-semantics.md §FZ.1): unicode and emoji
//! names, the longest values Cognito allows, absent optional attributes, phone-only and
//! email-only users, and `ClientMetadata` of every shape Cognito accepts. Everything is drawn
//! from one seeded [`StdRng`], so a seed always gives the same cases.

use rand::rngs::StdRng;
use rand::{Rng, RngCore};

use super::case::Case;
use super::flows::{Flow, Verified};
use crate::pool::PoolConfig;
use crate::trigger::TriggerSource;

/// The longest attribute value Cognito accepts (AttributeValueType, ≤ 2048).
pub const ATTRIBUTE_VALUE_MAX: usize = 2048;
/// The longest username (UsernameType, 1–128).
pub const USERNAME_MAX: usize = 128;
/// The longest `ClientMetadata` value this generator sends (the model allows 131072; §2.1).
pub const METADATA_VALUE_MAX: usize = 131_072;

/// Text in the scripts users really have. Each piece matches Cognito's username pattern
/// `[\p{L}\p{M}\p{S}\p{N}\p{P}]+` (no spaces, no joiners), so usernames can use them too.
const WORDS: &[&str] = &[
    "Jane",
    "Zoë",
    "Émile",
    "Søren",
    "Łukasz",
    "Ñandú",
    "Ğülşen",
    "Nguyễn",
    "Dvořák",
    "O'Brien",
    "山田",
    "太郎",
    "김민준",
    "さくら",
    "Александр",
    "Γιώργος",
    "محمد",
    "דוד",
    "अनन्या",
    "ไทย",
    "😀",
    "🌸",
    "🚀",
    "👍🏽",
    "🇯🇵",
    "❤️",
    "𝔘𝔫𝔦",
    "e\u{301}",
    "Ⅻ",
    "٣٤",
    "x",
];
/// Emoji sequences with joiners: fine in attribute values, not in usernames.
const JOINED: &[&str] = &["👩‍💻", "👨‍👩‍👧", "🏳️‍🌈"];
const ASCII: &[&str] = &["jane", "doe", "alex", "sam", "lee", "kim", "max", "ana"];
const LOCALES: &[&str] = &["en-US", "pt_BR", "zh-Hant-TW", "ar", "de", "ja-JP"];
const ZONES: &[&str] = &["America/New_York", "Asia/Tokyo", "Europe/Zürich", "UTC"];
const PHONES: &[&str] = &[
    "+12065550100",
    "+447700900123",
    "+8613800138000",
    "+5511987654321",
    "+919876543210",
    "+61491570156",
    "+999999999999999",
];
const DOMAINS: &[&str] = &["example.com", "example.co.uk", "mail.example.org", "e.io"];
/// Keys apps use, and keys no app would expect.
const METADATA_KEYS: &[&str] = &[
    "source",
    "locale",
    "campaign",
    "app-version",
    "ключ",
    "キー",
    "🔑",
    "",
    "a b",
    "x",
];
/// Optional standard attributes (the default schema's), with how often a user has each.
const OPTIONAL: &[(&str, u32)] = &[
    ("name", 60),
    ("given_name", 35),
    ("family_name", 35),
    ("nickname", 15),
    ("locale", 20),
    ("zoneinfo", 10),
    ("birthdate", 10),
    ("website", 5),
];

/// Which contact attributes a user has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Contact {
    EmailOnly,
    PhoneOnly,
    Both,
    Neither,
}

/// A case for `source` in a pool configured by `config`, drawn from `rng`.
pub(crate) fn case(
    rng: &mut StdRng,
    flow: Flow,
    source: TriggerSource,
    config: &PoolConfig,
) -> Case {
    let contact = match (flow.needs_contact(), rng.random_range(0..100)) {
        (_, 0..35) => Contact::EmailOnly,
        (_, 35..65) => Contact::PhoneOnly,
        (true, _) | (false, 65..92) => Contact::Both,
        (false, _) => Contact::Neither,
    };
    let username = username(rng);
    let mut attributes = Vec::new();
    if !flow.has_user() {
        // A migration asks for a name the pool does not have: there is no user to describe.
        return Case {
            source,
            username,
            attributes,
            change: None,
            client_metadata: metadata(rng),
        };
    }
    let stored = flow.seeds_user();
    let verified = |rng: &mut StdRng| {
        let yes = match flow.verified_contacts() {
            Verified::No => false,
            Verified::Yes => true,
            Verified::Either => rng.random_range(0..100) < 70,
        };
        (if yes { "true" } else { "false" }).to_string()
    };
    if matches!(contact, Contact::EmailOnly | Contact::Both) {
        attributes.push(("email".to_string(), email(rng)));
        if stored {
            attributes.push(("email_verified".to_string(), verified(rng)));
        }
    }
    if matches!(contact, Contact::PhoneOnly | Contact::Both) {
        attributes.push(("phone_number".to_string(), phone(rng)));
        if stored {
            attributes.push(("phone_number_verified".to_string(), verified(rng)));
        }
    }
    for &(name, percent) in OPTIONAL {
        if rng.random_range(0..100) < percent {
            let value = match name {
                "locale" => pick(rng, LOCALES).to_string(),
                "zoneinfo" => pick(rng, ZONES).to_string(),
                "birthdate" => format!(
                    "19{:02}-0{}-1{}",
                    rng.random_range(30..100),
                    rng.random_range(1..10),
                    rng.random_range(0..10)
                ),
                "website" => format!("https://{}/{}", pick(rng, DOMAINS), text(rng, 64)),
                _ => text(rng, ATTRIBUTE_VALUE_MAX),
            };
            attributes.push((name.to_string(), value));
        }
    }
    let change = (flow == Flow::UpdateAttribute)
        .then(|| change(rng, config, &attributes))
        .flatten();
    Case {
        source,
        username,
        attributes,
        change,
        client_metadata: metadata(rng),
    }
}

/// The contact attribute an update changes: one the pool verifies with a code, preferring one
/// the user has; `None` when the pool verifies neither (the source cannot fire).
fn change(
    rng: &mut StdRng,
    config: &PoolConfig,
    attributes: &[(String, String)],
) -> Option<(String, String)> {
    let verifiable: Vec<&str> = ["email", "phone_number"]
        .into_iter()
        .filter(|a| config.auto_verifies(a))
        .collect();
    let has = |a: &str| attributes.iter().any(|(n, _)| n == a);
    let owned: Vec<&str> = verifiable.iter().copied().filter(|a| has(a)).collect();
    if verifiable.is_empty() {
        return None;
    }
    let attr = if !owned.is_empty() && rng.random_range(0..10) < 8 {
        pick(rng, &owned)
    } else {
        pick(rng, &verifiable)
    };
    let old = attributes
        .iter()
        .find(|(n, _)| n == attr)
        .map(|(_, v)| v.clone());
    let mut new = if attr == "email" {
        email(rng)
    } else {
        phone(rng)
    };
    if Some(&new) == old.as_ref() {
        new = if attr == "email" {
            format!("new.{new}")
        } else {
            "+12065550199".to_string()
        };
    }
    Some((attr.to_string(), new))
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// A username: plain, unicode, emoji, or the longest allowed.
fn username(rng: &mut StdRng) -> String {
    match rng.random_range(0..100) {
        0..40 => format!("{}{}", pick(rng, ASCII), rng.random_range(1..10_000)),
        40..60 => format!("{}.{}", pick(rng, WORDS), pick(rng, WORDS)),
        60..75 => format!("{}{}", pick(rng, WORDS), pick(rng, WORDS)).to_lowercase(),
        75..85 => repeat_to(pick(rng, &["a", "é", "山", "😀"]), USERNAME_MAX),
        85..95 => format!("{}_{}", pick(rng, WORDS), rng.random_range(0..100)),
        _ => pick(rng, &["x", "0", "_"]).to_string(),
    }
}

/// Free text such as a name: one to a few words of any script, emoji with joiners, or the longest
/// value allowed (`max` characters).
fn text(rng: &mut StdRng, max: usize) -> String {
    match rng.random_range(0..100) {
        0..30 => format!("{} {}", cap(pick(rng, ASCII)), cap(pick(rng, ASCII))),
        30..65 => {
            let n = rng.random_range(1..4);
            (0..n)
                .map(|_| pick(rng, WORDS))
                .collect::<Vec<_>>()
                .join(" ")
        }
        65..75 => format!("{} {}", pick(rng, WORDS), pick(rng, JOINED)),
        75..85 => repeat_to(pick(rng, &["a", "Zoë ", "山田", "x y "]), max),
        85..95 => {
            // Somewhere between short and the limit.
            let n = rng.random_range(20..max.max(21));
            repeat_to(pick(rng, &["Jane ", "Ñandú ", "ab"]), n)
        }
        _ => format!(" {} ", pick(rng, WORDS)),
    }
}

fn cap(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `unit` repeated up to exactly `len` characters (whole copies, then the first characters of
/// one more: the longest values are built a copy at a time, not a character at a time).
fn repeat_to(unit: &str, len: usize) -> String {
    let chars = unit.chars().count().max(1);
    let mut value = unit.repeat(len / chars);
    value.extend(unit.chars().take(len % chars));
    value
}

fn email(rng: &mut StdRng) -> String {
    match rng.random_range(0..100) {
        0..60 => format!(
            "{}{}@{}",
            pick(rng, ASCII),
            rng.random_range(1..1000),
            pick(rng, DOMAINS)
        ),
        60..75 => format!(
            "{}.{}+{}@{}",
            pick(rng, ASCII),
            pick(rng, ASCII),
            rng.random_range(1..99),
            pick(rng, DOMAINS)
        ),
        75..85 => format!(
            "o'{}_{}@{}",
            pick(rng, ASCII),
            rng.random_range(1..99),
            pick(rng, DOMAINS)
        ),
        // The longest address SMTP allows: a 64-character local part, 254 in all.
        _ => {
            let local = repeat_to("abcdefgh", 64);
            let domain = format!(
                "{}.example.com",
                repeat_to("d", 254 - 64 - 1 - ".example.com".len())
            );
            format!("{local}@{domain}")
        }
    }
}

fn phone(rng: &mut StdRng) -> String {
    pick(rng, PHONES).to_string()
}

/// `ClientMetadata`: absent, `{}`, a few entries, many entries, or one very long value.
fn metadata(rng: &mut StdRng) -> Option<Vec<(String, String)>> {
    let entry = |rng: &mut StdRng, i: usize| {
        let key = match rng.random_range(0..3) {
            0 => format!("k{i}"),
            _ => format!(
                "{}{}",
                pick(rng, METADATA_KEYS),
                if i > 0 { i.to_string() } else { String::new() }
            ),
        };
        let value = match rng.random_range(0..10) {
            0 => String::new(),
            1..7 => text(rng, 256),
            7..9 => format!("{}", rng.next_u32()),
            _ => "{\"nested\":\"json as text\"}".to_string(),
        };
        (key, value)
    };
    let mut entries = match rng.random_range(0..100) {
        0..30 => return None,
        30..45 => Vec::new(),
        45..80 => {
            let n = rng.random_range(1..4);
            (0..n).map(|i| entry(rng, i)).collect()
        }
        80..95 => {
            let n = rng.random_range(10..50);
            (0..n).map(|i| entry(rng, i)).collect()
        }
        _ => vec![(
            "payload".to_string(),
            repeat_to("0123456789", METADATA_VALUE_MAX),
        )],
    };
    // A map: later duplicates would be dropped by the JSON object anyway.
    let mut seen = std::collections::HashSet::new();
    entries.retain(|(k, _)| seen.insert(k.clone()));
    Some(entries)
}

#[cfg(test)]
mod tests {
    #[test]
    fn repeat_to_gives_the_unit_cycled_to_exactly_len_characters() {
        for unit in ["a", "Zoë ", "山田", "x y ", "Ñandú ", ""] {
            for len in [0, 1, 5, 2047, 2048] {
                let cycled: String = unit.chars().cycle().take(len).collect();
                assert_eq!(super::repeat_to(unit, len), cycled, "{unit:?} to {len}");
            }
        }
    }
}
