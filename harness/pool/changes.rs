//! What changed in a pool since a state store last saved it, and the pool as a store saves and
//! restores it (`serve --state`). Pure data: the store (`crate::store`) decides how it is written.
//!
//! A pool tracks changes only once [`UserPool::track_changes`] is called (a store keeps it), so
//! pools in memory pay nothing. Users are tracked by key and tokens by value: the delta of a call
//! holds only what it touched, so a write costs the same at 10 and 100,000 users.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    AccessGrant, AppClient, Group, Groups, Message, PoolConfig, RefreshGrant, Schema, User,
    UserIndex, UserPool,
};
use crate::model::tokens::{ExportedKeys, PoolKeys, TOKEN_LIFETIME_SECONDS};

/// What changed since the last [`UserPool::take_changes`].
#[derive(Clone, Debug, Default)]
pub(super) struct Changes {
    /// Everything: the pool is new to the store (or a write failed and must be redone).
    all: bool,
    /// The configuration, app clients or keys.
    meta: bool,
    /// Keys of users stored or removed.
    pub(super) users: BTreeSet<String>,
    /// Access tokens issued or forgotten.
    pub(super) access: HashSet<String>,
    /// Refresh tokens issued or forgotten.
    pub(super) refresh: HashSet<String>,
    /// Revoked access tokens noted or forgotten.
    pub(super) revoked: HashSet<String>,
    /// Messages appended to the outbox.
    pub(super) outbox_new: usize,
    /// Whether the oldest messages were dropped.
    pub(super) outbox_trimmed: bool,
    /// Which keys the store has (they are made on first use): see [`PoolKeys::made`].
    keys_saved: (bool, bool),
}

/// A pool's configuration, app clients and signing keys, as a store keeps them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PoolMeta {
    /// The pool id.
    pub id: String,
    /// The region.
    pub region: String,
    /// The account id in the pool's ARN.
    pub account_id: String,
    /// The configuration (the Schema is rebuilt from it).
    pub config: PoolConfig,
    /// Creation time, epoch seconds.
    pub created: f64,
    /// Last configuration change, epoch seconds.
    pub last_modified: f64,
    /// The app clients.
    pub clients: Vec<AppClient>,
    /// The UserPoolClient descriptions, by client id.
    pub client_descriptions: BTreeMap<String, Value>,
    /// The signing keys.
    pub keys: ExportedKeys,
    /// Messages delivered since the pool was made.
    pub delivered: u64,
    /// The MFA factors the pool offers besides SMS (SetUserPoolMfaConfig).
    pub mfa_factors: super::MfaFactors,
}

/// What a store writes for one pool after a call: only what changed, each part whole.
#[derive(Clone, Debug)]
pub struct PoolDelta {
    /// The pool id.
    pub pool_id: String,
    /// Whether the store drops everything it holds of the pool first (a new pool, or a redo).
    pub replace: bool,
    /// The configuration, app clients and keys, when they changed.
    pub meta: Option<PoolMeta>,
    /// Every group with its members, when any changed.
    pub groups: Option<Vec<Group>>,
    /// Users by key: Some to store, None to remove.
    pub users: Vec<(String, Option<User>)>,
    /// Access tokens: Some to store, None to forget.
    pub access_tokens: Vec<(String, Option<AccessGrant>)>,
    /// Refresh tokens: Some to store, None to forget.
    pub refresh_tokens: Vec<(String, Option<RefreshGrant>)>,
    /// Revoked access tokens: true to store, false to forget.
    pub revoked: Vec<(String, bool)>,
    /// Messages appended to the outbox, with their sequence numbers.
    pub outbox: Vec<(u64, Message)>,
    /// When set, the messages before this sequence number were dropped.
    pub outbox_keep_from: Option<u64>,
}

/// A pool as a store loads it back: what [`PoolDelta`]s wrote, in the order written.
#[derive(Clone, Debug, Default)]
pub struct PoolState {
    /// The configuration, app clients and keys.
    pub meta: PoolMeta,
    /// The groups.
    pub groups: Vec<Group>,
    /// The users.
    pub users: Vec<User>,
    /// Access tokens, oldest first.
    pub access_tokens: Vec<(String, AccessGrant)>,
    /// Refresh tokens, oldest first.
    pub refresh_tokens: Vec<(String, RefreshGrant)>,
    /// Revoked access tokens, oldest first.
    pub revoked: Vec<String>,
    /// The outbox, oldest first, with sequence numbers.
    pub outbox: Vec<(u64, Message)>,
}

impl UserPool {
    /// From now on, note what changes so [`UserPool::take_changes`] can say; the first delta
    /// holds the whole pool.
    pub fn track_changes(&mut self) {
        if self.changes.is_none() {
            self.changes = Some(Box::new(Changes {
                all: true,
                ..Changes::default()
            }));
        }
    }

    /// Whether a store must write something for this pool.
    pub fn has_changes(&self) -> bool {
        self.changes.as_deref().is_some_and(|c| {
            c.all
                || c.meta
                || !c.users.is_empty()
                || !c.access.is_empty()
                || !c.refresh.is_empty()
                || !c.revoked.is_empty()
                || c.outbox_new > 0
                || self.groups.is_changed()
                || c.keys_saved != self.keys.made()
        })
    }

    /// What changed since the last call (None when changes are not tracked), clearing the marks.
    pub fn take_changes(&mut self) -> Option<PoolDelta> {
        let made = self.keys.made();
        let groups_changed = self.groups.take_changed();
        let changes = std::mem::take(self.changes.as_deref_mut()?);
        let all = changes.all;
        let keys_changed = changes.keys_saved != made;
        self.changes.as_deref_mut()?.keys_saved = made;
        let meta = (all || changes.meta || keys_changed).then(|| self.meta(self.keys.export()));
        let groups = (all || groups_changed).then(|| self.groups.iter().cloned().collect());
        let users = if all {
            self.users
                .iter()
                .map(|(k, u)| (k.clone(), Some(u.clone())))
                .collect()
        } else {
            changes
                .users
                .into_iter()
                .map(|k| {
                    let user = self.users.get(&k).cloned();
                    (k, user)
                })
                .collect()
        };
        let access_tokens = pick(all, changes.access, &self.tokens, |v| v.cloned());
        let refresh_tokens = pick(all, changes.refresh, &self.refresh_tokens, |v| v.cloned());
        let revoked = pick(all, changes.revoked, &self.revoked, |v| v.is_some());
        let first_seq = self.delivered - self.outbox.len() as u64;
        let new = if all {
            self.outbox.len()
        } else {
            changes.outbox_new.min(self.outbox.len())
        };
        let outbox = self.outbox[self.outbox.len() - new..]
            .iter()
            .enumerate()
            .map(|(i, m)| (self.delivered - new as u64 + i as u64, m.clone()))
            .collect();
        Some(PoolDelta {
            pool_id: self.id.clone(),
            replace: all,
            meta,
            groups,
            users,
            access_tokens,
            refresh_tokens,
            revoked,
            outbox,
            outbox_keep_from: (all || changes.outbox_trimmed).then_some(first_seq),
        })
    }

    /// Marks the whole pool changed: the next delta rewrites it (after a failed write).
    pub fn mark_all_changed(&mut self) {
        if let Some(changes) = self.changes.as_deref_mut() {
            changes.all = true;
        }
    }

    pub(super) fn touch_meta(&mut self) {
        if let Some(changes) = self.changes.as_deref_mut() {
            changes.meta = true;
        }
    }

    fn meta(&self, keys: ExportedKeys) -> PoolMeta {
        PoolMeta {
            id: self.id.clone(),
            region: self.region.clone(),
            account_id: self.account_id.clone(),
            config: self.config.clone(),
            created: self.created,
            last_modified: self.last_modified,
            clients: self.clients.values().cloned().collect(),
            client_descriptions: self
                .client_descriptions
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            keys,
            delivered: self.delivered,
            mfa_factors: self.mfa_factors.clone(),
        }
    }

    /// The pool a store saved, tracking changes from here on (nothing to write yet). Tokens are
    /// remembered for their lifetime from now: their signatures still carry their real expiry.
    pub fn restore(state: PoolState) -> Result<UserPool, String> {
        let PoolState {
            meta,
            groups,
            users,
            access_tokens,
            refresh_tokens,
            revoked,
            outbox,
        } = state;
        let keys = PoolKeys::import(&meta.keys).map_err(|e| format!("signing key: {e}"))?;
        let mut pool = UserPool::with_id(meta.id.clone(), meta.config.clone());
        pool.region = meta.region;
        pool.account_id = meta.account_id;
        pool.schema = Schema::from_config(pool.config.schema.as_deref().unwrap_or_default());
        pool.created = meta.created;
        pool.last_modified = meta.last_modified;
        pool.keys = keys;
        pool.mfa_factors = meta.mfa_factors;
        for client in meta.clients {
            pool.clients.insert(client.client_id.clone(), client);
        }
        pool.client_descriptions = meta.client_descriptions.into_iter().collect();
        pool.groups = Groups::from_groups(groups);
        pool.index = UserIndex::default();
        for user in users {
            pool.put_user(user);
        }
        let expires_at = super::now_seconds() as u64 + TOKEN_LIFETIME_SECONDS;
        for (token, grant) in access_tokens {
            pool.issued.access.push_back((expires_at, token.clone()));
            pool.tokens.insert(token, grant);
        }
        for (token, grant) in refresh_tokens {
            pool.issued.refresh.push_back((u64::MAX, token.clone()));
            pool.refresh_tokens.insert(token, grant);
        }
        for token in revoked {
            pool.issued.revoked.push_back((expires_at, token.clone()));
            pool.revoked.insert(token, ());
        }
        // The store drops only the oldest messages, so the kept ones are numbered without gaps
        // up to the newest; `meta.delivered` may be older (meta is written when it changes).
        pool.delivered = match outbox.last() {
            Some((seq, _)) => seq + 1,
            None => meta.delivered,
        };
        pool.outbox = outbox.into_iter().map(|(_, m)| m).collect();
        pool.changes = Some(Box::new(Changes {
            keys_saved: pool.keys.made(),
            ..Changes::default()
        }));
        Ok(pool)
    }
}

/// The entries of `map` to write: every one when `all`, else those `touched` (None: gone).
fn pick<V, T>(
    all: bool,
    touched: HashSet<String>,
    map: &HashMap<String, V>,
    value: impl Fn(Option<&V>) -> T,
) -> Vec<(String, T)> {
    if all {
        return map
            .iter()
            .map(|(k, v)| (k.clone(), value(Some(v))))
            .collect();
    }
    touched
        .into_iter()
        .map(|k| {
            let v = value(map.get(&k));
            (k, v)
        })
        .collect()
}

/// `codes` as a list of `{purpose, code, expires_at}`: JSON object keys must be strings, and a
/// purpose such as `VerifyAttribute("email")` is not one.
pub(super) mod codes_as_list {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::super::{CodePurpose, IssuedCode};

    #[derive(Serialize, Deserialize)]
    struct Entry {
        purpose: CodePurpose,
        #[serde(flatten)]
        code: IssuedCode,
    }

    pub fn serialize<S: Serializer>(
        codes: &BTreeMap<CodePurpose, IssuedCode>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let list: Vec<Entry> = codes
            .iter()
            .map(|(purpose, code)| Entry {
                purpose: purpose.clone(),
                code: code.clone(),
            })
            .collect();
        list.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<CodePurpose, IssuedCode>, D::Error> {
        let list = Vec::<Entry>::deserialize(deserializer)?;
        Ok(list.into_iter().map(|e| (e.purpose, e.code)).collect())
    }
}
