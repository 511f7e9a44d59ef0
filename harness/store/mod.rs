//! The state file of `serve --state PATH`: an embedded SQLite database (through `rusqlite`,
//! SQLite compiled in) that keeps every pool across restarts. The service hands it what a call
//! changed ([`PoolDelta`]) before the call's response is sent, and this module writes it in one
//! transaction; on start it loads everything back ([`PoolState`]). Nothing outside this module
//! knows SQL.
//!
//! Whole structs are stored as JSON (serde), one row per pool, user, token and message, so a
//! field added to `User` persists with no schema change. The file says it is ours with
//! `PRAGMA application_id` and which layout it has with `PRAGMA user_version`; a file that is not
//! SQLite, is damaged, or belongs to another program is refused before anything writes to it.
//!
//! Durability: WAL journal with `synchronous=NORMAL`. A commit appends to the WAL file with a
//! `write()` before `COMMIT` returns, so once the response is sent the change is in the
//! operating system's page cache and survives the process being killed (SIGKILL, a panic, an
//! abort); only a power loss or kernel crash can lose the last commits, which `synchronous=FULL`
//! (an fsync per commit) would cover. See README, "State across restarts".

use std::io::Read as _;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension as _};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::pool::{PoolDelta, PoolMeta, PoolState};

/// `PRAGMA application_id` of a cognito-harness state file: `CGNH` in ASCII.
pub const APPLICATION_ID: i32 = 0x4347_4E48;
/// `PRAGMA user_version`: the layout of the tables below.
pub const SCHEMA_VERSION: i32 = 1;
/// What every SQLite database file starts with.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

const SCHEMA: &str = "
CREATE TABLE pools (id TEXT PRIMARY KEY, meta TEXT NOT NULL, groups TEXT NOT NULL DEFAULT '[]');
CREATE TABLE users (pool TEXT NOT NULL, key TEXT NOT NULL, user TEXT NOT NULL,
                    PRIMARY KEY (pool, key));
CREATE TABLE tokens (pool TEXT NOT NULL, kind INTEGER NOT NULL, token TEXT NOT NULL,
                     value TEXT NOT NULL, PRIMARY KEY (pool, kind, token));
CREATE TABLE outbox (pool TEXT NOT NULL, seq INTEGER NOT NULL, message TEXT NOT NULL,
                     PRIMARY KEY (pool, seq));
";

/// The `kind` of a token row.
const ACCESS: i64 = 0;
const REFRESH: i64 = 1;
const REVOKED: i64 = 2;

/// How much a commit waits for the disk (`PRAGMA synchronous` in WAL mode).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// `NORMAL`: a commit survives the process being killed, not a power loss (the default).
    #[default]
    ProcessCrash,
    /// `FULL`: a commit is fsynced, and survives a power loss too.
    PowerLoss,
}

/// An open state file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens the state file at `path`, creating it when it does not exist (or is empty). A file
    /// that is not a SQLite database, is damaged, or is another program's (another
    /// application id, or a layout this version does not know) is an error naming the file, and
    /// is left exactly as it was: it is checked through a read-only connection first.
    pub fn open(path: &Path, durability: Durability) -> Result<Store, Error> {
        let fail = |message: String| Error::Read {
            file: path.to_path_buf(),
            message,
        };
        let existing = match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(fail("is a directory, not a state file".into()))
            }
            Ok(meta) => meta.len() > 0,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(fail(e.to_string())),
        };
        if existing {
            check_existing(path).map_err(fail)?;
        }
        let conn = Connection::open(path).map_err(|e| fail(e.to_string()))?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.configure(durability, existing).map_err(fail)?;
        Ok(store)
    }

    /// The file this store writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&self, durability: Durability, existing: bool) -> Result<(), String> {
        let sql = |e: rusqlite::Error| e.to_string();
        // One process owns the file: a second `serve --state` on it fails instead of writing
        // over the first one's changes (SQLite holds the lock from the first write on).
        self.conn
            .pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(sql)?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(in_use)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!(
                "cannot use a write-ahead log (journal mode {mode})"
            ));
        }
        let synchronous = match durability {
            Durability::ProcessCrash => "NORMAL",
            Durability::PowerLoss => "FULL",
        };
        self.conn
            .pragma_update(None, "synchronous", synchronous)
            .map_err(sql)?;
        if !existing {
            let tx = self.conn.unchecked_transaction().map_err(in_use)?;
            tx.execute_batch(SCHEMA).map_err(sql)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(sql)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(sql)?;
            tx.commit().map_err(sql)?;
        } else {
            // Take the exclusive lock now, so a second process fails at start, not at a write.
            self.conn
                .execute_batch("BEGIN IMMEDIATE; COMMIT;")
                .map_err(in_use)?;
        }
        Ok(())
    }

    /// Every pool the file holds.
    pub fn load(&self) -> Result<Vec<PoolState>, Error> {
        self.load_all().map_err(|message| Error::Read {
            file: self.path.clone(),
            message,
        })
    }

    fn load_all(&self) -> Result<Vec<PoolState>, String> {
        let sql = |e: rusqlite::Error| e.to_string();
        let mut pools = self
            .conn
            .prepare("SELECT id, meta, groups FROM pools ORDER BY id")
            .map_err(sql)?;
        let rows = pools
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(sql)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql)?;
        let mut states = Vec::new();
        for (id, meta, groups) in rows {
            let at = |what: &str| format!("pool {id}: {what}");
            let meta: PoolMeta = parse(&meta, &at("meta"))?;
            let groups = parse(&groups, &at("groups"))?;
            let mut state = PoolState {
                meta,
                groups,
                ..PoolState::default()
            };
            let mut users = self
                .conn
                .prepare_cached("SELECT key, user FROM users WHERE pool = ?1 ORDER BY key")
                .map_err(sql)?;
            for row in users
                .query_map([&id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .map_err(sql)?
            {
                let (key, user) = row.map_err(sql)?;
                state.users.push(parse(&user, &at(&format!("user {key}")))?);
            }
            let mut tokens = self
                .conn
                .prepare_cached(
                    "SELECT kind, token, value FROM tokens WHERE pool = ?1 ORDER BY rowid",
                )
                .map_err(sql)?;
            for row in tokens
                .query_map([&id], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(sql)?
            {
                let (kind, token, value) = row.map_err(sql)?;
                let what = at("token");
                match kind {
                    ACCESS => state.access_tokens.push((token, parse(&value, &what)?)),
                    REFRESH => state.refresh_tokens.push((token, parse(&value, &what)?)),
                    REVOKED => state.revoked.push(token),
                    other => return Err(format!("{what}: unknown kind {other}")),
                }
            }
            let mut outbox = self
                .conn
                .prepare_cached("SELECT seq, message FROM outbox WHERE pool = ?1 ORDER BY seq")
                .map_err(sql)?;
            for row in outbox
                .query_map([&id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(sql)?
            {
                let (seq, message) = row.map_err(sql)?;
                let message = parse(&message, &at(&format!("message {seq}")))?;
                state.outbox.push((seq.max(0) as u64, message));
            }
            states.push(state);
        }
        Ok(states)
    }

    /// Writes, in one transaction, the removal of the pools `removed` and then each delta: when
    /// this returns Ok the changes are committed.
    pub fn write(&mut self, removed: &[String], deltas: &[PoolDelta]) -> Result<(), Error> {
        self.write_all(removed, deltas)
            .map_err(|message| Error::Read {
                file: self.path.clone(),
                message: format!("could not save the state: {message}"),
            })
    }

    fn write_all(&mut self, removed: &[String], deltas: &[PoolDelta]) -> Result<(), String> {
        let sql = |e: rusqlite::Error| e.to_string();
        let tx = self.conn.transaction().map_err(sql)?;
        for id in removed {
            delete_pool(&tx, id).map_err(sql)?;
        }
        for delta in deltas {
            let id = &delta.pool_id;
            if delta.replace {
                delete_pool(&tx, id).map_err(sql)?;
            }
            if let Some(meta) = &delta.meta {
                tx.prepare_cached(
                    "INSERT INTO pools (id, meta) VALUES (?1, ?2)
                     ON CONFLICT (id) DO UPDATE SET meta = excluded.meta",
                )
                .and_then(|mut s| s.execute(params![id, json(meta)]))
                .map_err(sql)?;
            }
            if let Some(groups) = &delta.groups {
                tx.prepare_cached("UPDATE pools SET groups = ?2 WHERE id = ?1")
                    .and_then(|mut s| s.execute(params![id, json(groups)]))
                    .map_err(sql)?;
            }
            {
                let mut put = tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO users (pool, key, user) VALUES (?1, ?2, ?3)",
                    )
                    .map_err(sql)?;
                let mut remove = tx
                    .prepare_cached("DELETE FROM users WHERE pool = ?1 AND key = ?2")
                    .map_err(sql)?;
                for (key, user) in &delta.users {
                    match user {
                        Some(user) => put.execute(params![id, key, json(user)]),
                        None => remove.execute(params![id, key]),
                    }
                    .map_err(sql)?;
                }
            }
            {
                let mut put = tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO tokens (pool, kind, token, value) VALUES (?1, ?2, ?3, ?4)",
                    )
                    .map_err(sql)?;
                let mut remove = tx
                    .prepare_cached(
                        "DELETE FROM tokens WHERE pool = ?1 AND kind = ?2 AND token = ?3",
                    )
                    .map_err(sql)?;
                let mut apply = |kind: i64, token: &str, value: Option<String>| match value {
                    Some(value) => put.execute(params![id, kind, token, value]),
                    None => remove.execute(params![id, kind, token]),
                };
                for (token, grant) in &delta.access_tokens {
                    apply(ACCESS, token, grant.as_ref().map(json)).map_err(sql)?;
                }
                for (token, grant) in &delta.refresh_tokens {
                    apply(REFRESH, token, grant.as_ref().map(json)).map_err(sql)?;
                }
                for (token, kept) in &delta.revoked {
                    apply(REVOKED, token, kept.then(|| "null".to_string())).map_err(sql)?;
                }
            }
            {
                let mut put = tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO outbox (pool, seq, message) VALUES (?1, ?2, ?3)",
                    )
                    .map_err(sql)?;
                for (seq, message) in &delta.outbox {
                    put.execute(params![id, *seq as i64, json(message)])
                        .map_err(sql)?;
                }
            }
            if let Some(first) = delta.outbox_keep_from {
                tx.prepare_cached("DELETE FROM outbox WHERE pool = ?1 AND seq < ?2")
                    .and_then(|mut s| s.execute(params![id, first as i64]))
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }
}

/// Checks, through a read-only connection, that an existing file is a healthy state file of
/// this layout; the reason it is not, otherwise.
fn check_existing(path: &Path) -> Result<(), String> {
    let mut header = [0u8; 16];
    let read = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut header))
        .map_err(|e| e.to_string())?;
    if read < header.len() || &header != SQLITE_HEADER {
        return Err(
            "not a cognito-harness state file (not a SQLite database); it was left unchanged"
                .into(),
        );
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| damaged(&e))?;
    let pragma = |name: &str| -> Result<i32, String> {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .map_err(|e| damaged(&e))
    };
    let application_id = pragma("application_id")?;
    if application_id != APPLICATION_ID {
        return Err(format!(
            "not a cognito-harness state file (SQLite application id {application_id:#x}, expected {APPLICATION_ID:#x}); it was left unchanged"
        ));
    }
    let version = pragma("user_version")?;
    if version != SCHEMA_VERSION {
        return Err(format!(
            "state file layout version {version}, this cognito-harness reads version {SCHEMA_VERSION}; it was left unchanged"
        ));
    }
    let check: Option<String> = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .optional()
        .map_err(|e| damaged(&e))?;
    match check.as_deref() {
        Some("ok") => Ok(()),
        other => Err(format!(
            "the state file is damaged ({}); it was left unchanged",
            other.unwrap_or("no answer")
        )),
    }
}

fn damaged(e: &rusqlite::Error) -> String {
    if is_busy(e) {
        return in_use(e);
    }
    format!("the state file is damaged ({e}); it was left unchanged")
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// The error for a file another process holds (another `serve --state` on it).
fn in_use(e: impl std::fmt::Display) -> String {
    format!(
        "the state file is in use by another process (another `cognito-harness serve --state`?): {e}"
    )
}

fn delete_pool(tx: &rusqlite::Transaction<'_>, id: &str) -> rusqlite::Result<()> {
    for table in ["users", "tokens", "outbox"] {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE pool = ?1"))?
            .execute([id])?;
    }
    tx.prepare_cached("DELETE FROM pools WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("pool data serializes as JSON")
}

fn parse<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| {
        format!("{what}: the saved value does not read back ({e}); the file was left unchanged")
    })
}
