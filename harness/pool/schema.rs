//! The attribute schema: which attribute names exist and which can change
//! (cognito-semantics.md §4.2, DG-ATTR).

use std::collections::BTreeMap;

use super::config::SchemaAttribute;

/// Standard attributes every pool has, plus the system ones Cognito manages.
pub const STANDARD_ATTRIBUTES: [&str; 20] = [
    "address",
    "birthdate",
    "email",
    "email_verified",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "phone_number_verified",
    "picture",
    "preferred_username",
    "profile",
    "sub",
    "updated_at",
    "website",
    "zoneinfo",
];

/// Facts about one attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeDef {
    /// Whether the attribute may change after sign-up.
    pub mutable: bool,
    /// Whether sign-up must supply it.
    pub required: bool,
}

/// The attributes a pool knows, by full name (`email`, `custom:tenant`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    attributes: BTreeMap<String, AttributeDef>,
}

impl Schema {
    /// The standard attributes overlaid with the pool's `Schema` entries. An entry whose name is not
    /// standard is a custom attribute and gets the `custom:` prefix, as CreateUserPool does.
    pub fn from_config(entries: &[SchemaAttribute]) -> Self {
        let mut attributes: BTreeMap<String, AttributeDef> = STANDARD_ATTRIBUTES
            .iter()
            .map(|name| {
                (
                    name.to_string(),
                    AttributeDef {
                        mutable: *name != "sub",
                        required: false,
                    },
                )
            })
            .collect();
        for entry in entries {
            let Some(name) = entry.name.as_deref() else {
                continue;
            };
            let full = if STANDARD_ATTRIBUTES.contains(&name) || name.starts_with("custom:") {
                name.to_string()
            } else {
                format!("custom:{name}")
            };
            let def = AttributeDef {
                mutable: entry.mutable.unwrap_or(true),
                required: entry.required.unwrap_or(false),
            };
            attributes.insert(full, def);
        }
        Schema { attributes }
    }

    /// The attribute named `name`.
    pub fn get(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes.get(name)
    }

    /// Required attributes, for sign-up checks.
    pub fn required(&self) -> impl Iterator<Item = &str> {
        self.attributes
            .iter()
            .filter(|(_, d)| d.required)
            .map(|(n, _)| n.as_str())
    }
}

impl Default for Schema {
    fn default() -> Self {
        Schema::from_config(&[])
    }
}
