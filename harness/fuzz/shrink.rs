//! Shrinking (cognito-semantics.md §FZ.3): the simpler variants of a case, most aggressive first.
//! The engine keeps the first variant that still gets the same verdict and starts again from it,
//! until none does: optional attributes dropped, `ClientMetadata` reduced to absent, `{}` or fewer
//! keys, strings cut in halves and then by one character, characters replaced by `a`.

use super::case::Case;

/// The verification flags: they stay while their attribute does (they are part of the user's
/// state the call depends on), and go with it.
fn is_flag(name: &str) -> bool {
    name.ends_with("_verified")
}

/// Whether a flow needs this attribute to send anything at all: the contact attributes. Bare
/// candidates keep them; dropping one is still tried on its own.
fn essential(name: &str) -> bool {
    matches!(name, "email" | "phone_number") || is_flag(name)
}

/// Canonical simple values for attributes whose format Cognito checks.
fn simplest(name: &str) -> Option<&'static str> {
    match name {
        "email" => Some("a@example.com"),
        "phone_number" => Some("+12065550100"),
        "email_verified" | "phone_number_verified" => None,
        "locale" => Some("en"),
        "zoneinfo" => Some("UTC"),
        "birthdate" => Some("1990-01-01"),
        "website" => Some("https://e.io/"),
        _ => None,
    }
}

/// The simpler variants of `case`, each strictly smaller by [`Case::size`].
pub(crate) fn candidates(case: &Case) -> Vec<Case> {
    let mut out = Vec::new();
    let mut push = |c: Case| {
        if c.size() < case.size() {
            out.push(c);
        }
    };
    // Everything optional gone at once: most bugs do not depend on the details.
    let mut bare = case.clone();
    bare.attributes.retain(|(n, _)| essential(n));
    bare.client_metadata = None;
    bare.username = "a".to_string();
    push(bare);
    if case.client_metadata.is_some() {
        let mut c = case.clone();
        c.client_metadata = None;
        push(c);
    }
    if case.username != "a" {
        let mut c = case.clone();
        c.username = "a".to_string();
        push(c);
    }
    for i in 0..case.attributes.len() {
        let name = &case.attributes[i].0;
        if !is_flag(name) {
            let flag = format!("{name}_verified");
            let mut c = case.clone();
            c.attributes.retain(|(n, _)| n != name && *n != flag);
            push(c);
        }
    }
    if let Some(entries) = &case.client_metadata {
        if !entries.is_empty() {
            let mut c = case.clone();
            c.client_metadata = Some(Vec::new());
            push(c);
            let half = entries.len() / 2;
            if half > 0 {
                for keep in [&entries[..half], &entries[half..]] {
                    let mut c = case.clone();
                    c.client_metadata = Some(keep.to_vec());
                    push(c);
                }
            }
            for i in 0..entries.len().min(16) {
                let mut c = case.clone();
                c.client_metadata.as_mut().expect("some").remove(i);
                push(c);
            }
        }
    }
    // Strings: the username, attribute values, metadata keys and values, the changed value.
    for variant in string_variants(&case.username, 1) {
        let mut c = case.clone();
        c.username = variant;
        push(c);
    }
    for i in 0..case.attributes.len() {
        let (name, value) = &case.attributes[i];
        let simple = simplest(name);
        if is_flag(name) {
            continue;
        }
        let variants = match simple {
            Some(s) => vec![s.to_string()],
            None => string_variants(value, 1),
        };
        for variant in variants {
            let mut c = case.clone();
            c.attributes[i].1 = variant;
            push(c);
        }
    }
    if let Some((attr, _)) = &case.change {
        if let Some(simple) = simplest(attr) {
            let mut c = case.clone();
            // The new value must differ from the stored one, or nothing is sent.
            let simple = if case.attribute(attr) == Some(simple) {
                if attr == "email" {
                    "b@example.com"
                } else {
                    "+12065550199"
                }
            } else {
                simple
            };
            c.change = Some((attr.clone(), simple.to_string()));
            push(c);
        }
    }
    if let Some(entries) = &case.client_metadata {
        for i in 0..entries.len().min(16) {
            for variant in string_variants(&entries[i].1, 0) {
                let mut c = case.clone();
                c.client_metadata.as_mut().expect("some")[i].1 = variant;
                push(c);
            }
            for variant in string_variants(&entries[i].0, 0) {
                if entries.iter().any(|(k, _)| *k == variant) {
                    continue;
                }
                let mut c = case.clone();
                c.client_metadata.as_mut().expect("some")[i].0 = variant;
                push(c);
            }
        }
    }
    out
}

/// Shorter and simpler versions of `s`, at least `min` characters long: halves, then one
/// character fewer, then non-ASCII characters made `a`. Usernames keep no spaces.
fn string_variants(s: &str, min: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let mut out = Vec::new();
    let collect = |range: &[char]| range.iter().collect::<String>();
    if n / 2 >= min && n >= 2 {
        out.push(collect(&chars[..n / 2]));
        out.push(collect(&chars[n / 2..]));
    }
    if n > min {
        // A quarter off either end: quicker than one character at a time on long values.
        if n >= 8 {
            out.push(collect(&chars[n / 4..]));
            out.push(collect(&chars[..n - n / 4]));
        }
        for i in 0..n.min(24) {
            let mut c = chars.clone();
            c.remove(i);
            out.push(c.into_iter().collect());
        }
        if n > 24 {
            out.push(collect(&chars[..n - 1]));
        }
    }
    if chars.iter().any(|c| !c.is_ascii()) {
        out.push(
            chars
                .iter()
                .map(|&c| if c.is_ascii() { c } else { 'a' })
                .collect(),
        );
        for i in (0..n).filter(|&i| !chars[i].is_ascii()).take(8) {
            let mut c = chars.clone();
            c[i] = 'a';
            out.push(c.into_iter().collect());
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|v| v.chars().count() >= min && v != s && seen.insert(v.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trigger::TriggerSource;

    #[test]
    fn every_candidate_is_smaller_and_the_contacts_stay() {
        let case = Case {
            source: TriggerSource::CUSTOM_MESSAGE_SIGN_UP,
            username: "Zoë.山田".into(),
            attributes: vec![
                ("email".into(), "zoe123@example.co.uk".into()),
                ("name".into(), "Zoë 😀 山田".into()),
            ],
            change: None,
            client_metadata: Some(vec![("k0".into(), "v".into()), ("k1".into(), "".into())]),
        };
        let all = candidates(&case);
        assert!(!all.is_empty());
        for c in &all {
            assert!(c.size() < case.size(), "{c:?}");
            assert!(!c.username.is_empty());
        }
        assert_eq!(all[0].username, "a");
        assert_eq!(
            all[0].attributes,
            vec![("email".to_string(), "zoe123@example.co.uk".to_string())]
        );
        assert_eq!(string_variants("ab", 1), vec!["a", "b"]);
        assert!(string_variants("é", 1).contains(&"a".to_string()));
    }
}
