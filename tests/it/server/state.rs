//! `serve --state PATH` as a real process (issue 13 item 5): boto3 signs up, confirms, joins a
//! group and signs in; the process is killed with SIGKILL right after an acknowledged change;
//! a new process on the same file signs the user in again, refreshes with the old refresh token,
//! accepts the old access token and still has the code in flight. Bad state files get a one-line
//! error and exit 2, and are left byte for byte as they were.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use assert_json_diff::assert_json_eq;
use serde_json::{json, Value};

use crate::serve_process::ServeProcess;

use super::clients::venv_bin;

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");
const POOL_ID: &str = "us-east-1_StateKept";
const CLIENT_ID: &str = "statewebclient00000000001";

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cognito-harness-state-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A pool file with a preset app client (fixed id and secret-less) that allows password sign-in.
fn write_pool_file(dir: &Path, client_name: &str) {
    std::fs::write(
        dir.join("pool.json"),
        json!({"UserPoolId": POOL_ID, "AutoVerifiedAttributes": ["email"],
               "AppClients": [{"ClientName": client_name, "ClientId": CLIENT_ID,
                               "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}]})
        .to_string(),
    )
    .unwrap();
}

/// Starts `serve --port 0 --state state.db --pool pool.json` in `dir`; returns it, its URL and
/// the lines it wrote to stderr before listening.
fn start_serve(dir: &Path) -> (ServeProcess, String, Vec<String>) {
    let serve = ServeProcess::start(dir, &["--state", "state.db", "--pool", "pool.json"]);
    let (url, startup) = (serve.url.clone(), serve.startup.clone());
    (serve, url, startup)
}

fn state_flow(flow: &str, url: &str, args: Value) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/server/py/state.py");
    let out = Command::new(venv_bin().join("python"))
        .arg(script)
        .args([flow, url, &args.to_string()])
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "state.py {flow} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("state.py prints JSON")
}

#[test]
fn a_killed_serve_restarts_on_its_state_file_with_users_groups_tokens_and_codes() {
    let dir = temp_dir();
    write_pool_file(&dir, "web");
    let args = json!({"pool": POOL_ID, "client": CLIENT_ID});

    let (serve, url, startup) = start_serve(&dir);
    assert_eq!(startup, vec![format!("pool {POOL_ID} loaded")]);
    let before = state_flow("before", &url, args.clone());
    // SIGKILL right after the last acknowledged change: no chance to flush anything.
    serve.kill();
    for step in [
        "sign_up",
        "confirm",
        "create_group",
        "add_to_group",
        "sign_up_bob",
        "update",
    ] {
        assert!(before[step]["ok"].is_object(), "{step}: {}", before[step]);
    }
    assert_eq!(before["groups_in_token"], json!(["admins"]));

    let (_serve, url, startup) = start_serve(&dir);
    assert_eq!(
        startup,
        vec![format!("pool {POOL_ID} loaded from state.db")]
    );
    let after = state_flow(
        "after",
        &url,
        json!({"pool": POOL_ID, "client": CLIENT_ID,
               "refresh_token": before["refresh_token"], "access_token": before["access_token"],
               "bob_code": before["bob_code"]}),
    );
    assert_json_eq!(
        after,
        json!({
            "sign_in_groups": ["admins"],
            "refreshed": ["AccessToken", "ExpiresIn", "IdToken", "TokenType"],
            "refreshed_groups": ["admins"],
            "old_access_token_user": {"Username": "alice", "given_name": ["Alice"]},
            "bob_code_after_restart": before["bob_code"],
            "confirm_bob": {"ok": {}},
            "bob": "CONFIRMED",
            "client": {"ClientId": CLIENT_ID, "ClientName": "web", "ClientSecret": null},
            "groups": ["admins"],
        })
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_stored_pool_wins_over_a_changed_pool_file_with_a_warning() {
    let dir = temp_dir();
    write_pool_file(&dir, "web");
    let (serve, _url, _) = start_serve(&dir);
    drop(serve);
    write_pool_file(&dir, "renamed");
    let (_serve, url, startup) = start_serve(&dir);
    assert_eq!(
        startup,
        vec![
            format!("pool {POOL_ID} loaded from state.db"),
            format!("warning: pool.json: pool {POOL_ID} differs from the one in the state file, which is kept (delete the pool or the state file to start from the pool file)"),
        ]
    );
    let described = state_flow(
        "client",
        &url,
        json!({"pool": POOL_ID, "client": CLIENT_ID}),
    );
    assert_eq!(described["UserPoolClient"]["ClientName"], json!("web"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `serve --state FILE` on a file that must not be touched: the one-line error, exit 2, and the
/// file unchanged (no WAL or journal left beside it either).
fn assert_refused(file: &Path, expected: &str) {
    let before = std::fs::read(file).unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--port", "0", "--state"])
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr, format!("error: {}: {expected}\n", file.display()));
    assert_eq!(std::fs::read(file).unwrap(), before, "the file was changed");
    for suffix in ["-wal", "-journal"] {
        let mut beside = file.as_os_str().to_owned();
        beside.push(suffix);
        assert!(!Path::new(&beside).exists(), "{suffix} was created");
    }
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_unchanged() {
    let dir = temp_dir();
    let file = dir.join("notes.txt");
    std::fs::write(&file, "my notes, not a database\n").unwrap();
    assert_refused(
        &file,
        "not a cognito-harness state file (not a SQLite database); it was left unchanged",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn another_programs_sqlite_file_is_refused_and_left_unchanged() {
    let dir = temp_dir();
    let file = dir.join("other.db");
    let conn = rusqlite::Connection::open(&file).unwrap();
    conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');")
        .unwrap();
    drop(conn);
    assert_refused(
        &file,
        "not a cognito-harness state file (SQLite application id 0x0, expected 0x43474e48); it was left unchanged",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_state_file_of_an_unknown_layout_version_is_refused_and_left_unchanged() {
    let dir = temp_dir();
    let file = dir.join("future.db");
    let conn = rusqlite::Connection::open(&file).unwrap();
    conn.execute_batch("PRAGMA application_id = 1128746568; PRAGMA user_version = 99; CREATE TABLE pools (id TEXT);")
        .unwrap();
    drop(conn);
    assert_refused(
        &file,
        "state file layout version 99, this cognito-harness reads version 1; it was left unchanged",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_state_file_is_refused_and_left_unchanged() {
    let dir = temp_dir();
    let file = dir.join("state.db");
    let store =
        cognito_harness::Store::open(&file, cognito_harness::Durability::ProcessCrash).unwrap();
    drop(store);
    // A file cut short after its header: SQLite's own header check says what is wrong.
    let whole = std::fs::read(&file).unwrap();
    std::fs::write(&file, &whole[..100]).unwrap();
    for suffix in ["-wal", "-shm"] {
        let mut beside = file.as_os_str().to_owned();
        beside.push(suffix);
        let _ = std::fs::remove_file(Path::new(&beside));
    }
    let out = Command::new(BIN)
        .args(["serve", "--port", "0", "--state"])
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: {}: the state file is damaged (",
            file.display()
        )) && stderr.ends_with("); it was left unchanged\n")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), &whole[..100]);
    let _ = std::fs::remove_dir_all(&dir);
}
