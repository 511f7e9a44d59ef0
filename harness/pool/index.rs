//! The pool's user indexes: by `sub` and by the value of each attribute a user can be found by
//! (`email`, `phone_number`, `preferred_username`), so lookups cost the same at 100 and 100,000
//! users. Every change to a stored user goes through [`UserPool::put_user`],
//! [`UserPool::remove_user`] or the [`UserMut`] guard of [`UserPool::find_user_mut`], which
//! re-index the user, so the indexes cannot drift from the users.
//!
//! [`UserPool::put_user`]: super::UserPool::put_user
//! [`UserPool::remove_user`]: super::UserPool::remove_user
//! [`UserPool::find_user_mut`]: super::UserPool::find_user_mut

use std::collections::{BTreeSet, HashMap};
use std::ops::{Deref, DerefMut};

use super::User;

/// The attributes indexed by value: the sign-in aliases and ListUsers' indexed filters.
const INDEXED: [&str; 3] = ["email", "phone_number", "preferred_username"];

/// What the index holds of one user: their `sub` and their value of each [`INDEXED`] attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entries {
    sub: String,
    values: [Option<String>; INDEXED.len()],
}

impl Entries {
    fn of(user: &User) -> Self {
        Entries {
            sub: user.sub.clone(),
            values: INDEXED.map(|attr| user.attributes.get(attr).cloned()),
        }
    }
}

/// Users (by their key in the pool's user map) by `sub` and by indexed attribute value.
#[derive(Clone, Debug, Default)]
pub(super) struct UserIndex {
    by_sub: HashMap<String, String>,
    /// One map per [`INDEXED`] attribute: value → the keys of every user holding it (verified
    /// or not; callers judge verification), in key order.
    by_value: [HashMap<String, BTreeSet<String>>; INDEXED.len()],
}

impl UserIndex {
    /// The key of the user with this `sub`.
    pub(super) fn by_sub(&self, sub: &str) -> Option<&String> {
        self.by_sub.get(sub)
    }

    /// The keys of the users whose `attribute` is `value`, in key order; None when the attribute
    /// is not indexed.
    pub(super) fn holders<'a>(
        &'a self,
        attribute: &str,
        value: &str,
    ) -> Option<impl Iterator<Item = &'a String> + 'a> {
        let slot = INDEXED.iter().position(|a| *a == attribute)?;
        Some(self.by_value[slot].get(value).into_iter().flatten())
    }

    pub(super) fn insert(&mut self, key: &str, user: &User) {
        self.add(key, &Entries::of(user));
    }

    pub(super) fn remove(&mut self, key: &str, user: &User) {
        self.drop_entries(key, &Entries::of(user));
    }

    fn add(&mut self, key: &str, entries: &Entries) {
        self.by_sub.insert(entries.sub.clone(), key.to_string());
        for (slot, value) in entries.values.iter().enumerate() {
            if let Some(value) = value {
                self.by_value[slot]
                    .entry(value.clone())
                    .or_default()
                    .insert(key.to_string());
            }
        }
    }

    fn drop_entries(&mut self, key: &str, entries: &Entries) {
        if self.by_sub.get(&entries.sub).is_some_and(|k| k == key) {
            self.by_sub.remove(&entries.sub);
        }
        for (slot, value) in entries.values.iter().enumerate() {
            let Some(value) = value else { continue };
            if let Some(keys) = self.by_value[slot].get_mut(value) {
                keys.remove(key);
                if keys.is_empty() {
                    self.by_value[slot].remove(value);
                }
            }
        }
    }
}

/// A stored user borrowed for changing ([`UserPool::find_user_mut`]); dereferences to the
/// [`User`]. When dropped it re-indexes the user if their `sub` or an indexed attribute
/// changed. The username must not change through it (the pool keys users by it).
///
/// [`UserPool::find_user_mut`]: super::UserPool::find_user_mut
pub struct UserMut<'a> {
    user: &'a mut User,
    index: &'a mut UserIndex,
    key: String,
    before: Entries,
}

impl<'a> UserMut<'a> {
    pub(super) fn new(user: &'a mut User, index: &'a mut UserIndex, key: String) -> Self {
        let before = Entries::of(user);
        UserMut {
            user,
            index,
            key,
            before,
        }
    }
}

impl Deref for UserMut<'_> {
    type Target = User;

    fn deref(&self) -> &User {
        self.user
    }
}

impl DerefMut for UserMut<'_> {
    fn deref_mut(&mut self) -> &mut User {
        self.user
    }
}

impl Drop for UserMut<'_> {
    fn drop(&mut self) {
        let after = Entries::of(self.user);
        if after != self.before {
            self.index.drop_entries(&self.key, &self.before);
            self.index.add(&self.key, &after);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{PoolConfig, User, UserPool};

    fn alias_pool() -> UserPool {
        let config: PoolConfig =
            serde_json::from_value(serde_json::json!({"AliasAttributes": ["email"]}))
                .expect("config");
        UserPool::with_id("us-east-1_index", config)
    }

    #[test]
    fn lookups_follow_changes_made_through_the_guard() {
        let mut pool = alias_pool();
        pool.put_user(
            User::new("alice")
                .with_attribute("email", "a@example.com")
                .with_attribute("email_verified", "true"),
        );
        let sub = pool.find_user("alice").expect("alice").sub.clone();
        assert_eq!(
            pool.find_user("a@example.com").map(|u| &u.username[..]),
            Some("alice")
        );
        assert_eq!(pool.find_user(&sub).map(|u| &u.username[..]), Some("alice"));

        pool.find_user_mut("alice")
            .expect("alice")
            .attributes
            .insert("email".into(), "b@example.com".into());
        assert!(pool.find_user("a@example.com").is_none());
        assert_eq!(
            pool.find_user("b@example.com").map(|u| &u.username[..]),
            Some("alice")
        );
        assert_eq!(
            pool.alias_holder("email", "b@example.com", "bob")
                .map(|u| &u.username[..]),
            Some("alice")
        );

        pool.remove_user("alice");
        assert!(pool.find_user("b@example.com").is_none());
        assert!(pool.find_user(&sub).is_none());
        assert!(pool
            .users_with("email", "b@example.com")
            .expect("indexed")
            .is_empty());
    }

    #[test]
    fn replacing_a_user_drops_the_old_entries() {
        let mut pool = alias_pool();
        let old = User::new("alice").with_attribute("email", "old@example.com");
        let old_sub = old.sub.clone();
        pool.put_user(old);
        pool.put_user(User::new("Alice").with_attribute("email", "new@example.com"));
        assert!(pool.user_by_sub(&old_sub).is_none());
        assert!(pool
            .users_with("email", "old@example.com")
            .expect("indexed")
            .is_empty());
        assert_eq!(
            pool.users_with("email", "new@example.com")
                .expect("indexed")
                .len(),
            1
        );
    }
}
