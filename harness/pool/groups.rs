//! A pool's groups and who belongs to them (data only; the API rules are in `service::groups`).
//! Group names are unique regardless of case (changing only the case of a group's name is
//! refused as a duplicate: aws-amplify/amplify-backend#1781), so groups are keyed by the
//! lower-cased name and keep the name as created. Members are kept by `sub`, so a user deleted
//! and created again under the same name is not in the old user's groups.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// One group (GroupType).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Group {
    /// The name as created.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `RoleArn`.
    pub role_arn: Option<String>,
    /// `Precedence`: lower wins; `None` ranks after every number.
    pub precedence: Option<i64>,
    /// Epoch seconds.
    pub created: f64,
    /// Epoch seconds.
    pub last_modified: f64,
    members: BTreeSet<String>,
}

impl Group {
    /// A group with no members.
    pub fn new(name: impl Into<String>, now: f64) -> Self {
        Group {
            name: name.into(),
            description: None,
            role_arn: None,
            precedence: None,
            created: now,
            last_modified: now,
            members: BTreeSet::new(),
        }
    }

    /// The `sub`s of its members.
    pub fn members(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(String::as_str)
    }
}

/// A user's groups as tokens and events show them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Membership {
    /// Group names, best precedence first (`cognito:groups`, `groupsToOverride`).
    pub names: Vec<String>,
    /// The groups' role ARNs in the same order (`cognito:roles`, `iamRolesToOverride`).
    pub roles: Vec<String>,
    /// `cognito:preferred_role` / `preferredRole`.
    pub preferred_role: Option<String>,
}

/// The groups of one pool.
#[derive(Clone, Debug, Default)]
pub struct Groups {
    by_key: BTreeMap<String, Group>,
    /// Set by every change, so the state store (`serve --state`) writes the groups only after
    /// a call changed them.
    changed: bool,
}

impl Groups {
    fn key(name: &str) -> String {
        name.to_lowercase()
    }

    /// Groups as a state store saved them.
    pub fn from_groups(groups: impl IntoIterator<Item = Group>) -> Self {
        let by_key = groups
            .into_iter()
            .map(|g| (Self::key(&g.name), g))
            .collect();
        Groups {
            by_key,
            changed: false,
        }
    }

    /// Whether the groups changed since the last [`Groups::take_changed`].
    pub(crate) fn is_changed(&self) -> bool {
        self.changed
    }

    /// Whether the groups changed since the last call, clearing the mark.
    pub(crate) fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// The group named `name` (any case).
    pub fn get(&self, name: &str) -> Option<&Group> {
        self.by_key.get(&Self::key(name))
    }

    /// Adds `group`; `false` (and nothing changes) when a group of that name exists.
    pub fn insert(&mut self, group: Group) -> bool {
        let key = Self::key(&group.name);
        if self.by_key.contains_key(&key) {
            return false;
        }
        self.by_key.insert(key, group);
        self.changed = true;
        true
    }

    /// Removes the group named `name`.
    pub fn remove(&mut self, name: &str) -> Option<Group> {
        self.changed = true;
        self.by_key.remove(&Self::key(name))
    }

    /// Every group, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Group> {
        self.by_key.values()
    }

    /// Puts the user `sub` in the group; `false` when there is no such group.
    pub fn add_member(&mut self, name: &str, sub: &str) -> bool {
        match self.by_key.get_mut(&Self::key(name)) {
            Some(group) => {
                group.members.insert(sub.to_string());
                self.changed = true;
                true
            }
            None => false,
        }
    }

    /// Takes the user `sub` out of the group; `false` when there is no such group.
    pub fn remove_member(&mut self, name: &str, sub: &str) -> bool {
        match self.by_key.get_mut(&Self::key(name)) {
            Some(group) => {
                group.members.remove(sub);
                self.changed = true;
                true
            }
            None => false,
        }
    }

    /// The groups the user `sub` belongs to, by precedence (lowest first, none last), then name:
    /// the order of `cognito:groups` and AdminListGroupsForUser.
    pub fn of_member(&self, sub: &str) -> Vec<&Group> {
        let mut groups: Vec<&Group> = self
            .by_key
            .values()
            .filter(|g| g.members.contains(sub))
            .collect();
        groups.sort_by_key(|g| (g.precedence.is_none(), g.precedence, g.name.to_lowercase()));
        groups
    }

    /// What the user `sub`'s groups put in tokens and in PreTokenGeneration's
    /// `groupConfiguration`: the names by precedence, their role ARNs, and the preferred role
    /// (the role of the best-ranked groups with a role, unless those disagree: API reference,
    /// CreateGroup `Precedence`).
    pub fn membership(&self, sub: &str) -> Membership {
        let groups = self.of_member(sub);
        let with_role: Vec<&&Group> = groups.iter().filter(|g| g.role_arn.is_some()).collect();
        let preferred_role = with_role.first().and_then(|best| {
            let tied: Vec<&Option<String>> = with_role
                .iter()
                .filter(|g| g.precedence == best.precedence)
                .map(|g| &g.role_arn)
                .collect();
            tied.iter()
                .all(|r| **r == best.role_arn)
                .then(|| best.role_arn.clone())
                .flatten()
        });
        Membership {
            names: groups.iter().map(|g| g.name.clone()).collect(),
            roles: with_role
                .iter()
                .filter_map(|g| g.role_arn.clone())
                .collect(),
            preferred_role,
        }
    }

    /// Forgets the user `sub` everywhere (the user was deleted).
    pub fn forget_member(&mut self, sub: &str) {
        for group in self.by_key.values_mut() {
            self.changed |= group.members.remove(sub);
        }
    }
}
