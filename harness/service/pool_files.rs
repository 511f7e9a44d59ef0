//! Pool files: CreateUserPool/UpdateUserPool-shaped JSON (optionally with `UserPoolId`,
//! `Region`, `AppClients` (app clients with fixed ids) and an editor's `$schema`), checked on every path that loads one as CreateUserPool checks its request: the
//! structure (file, JSON path, what was expected; unknown members), then every constraint and
//! template rule.

use std::path::Path;

use serde::Deserialize as _;
use serde_json::Value;

use super::pool_admin::add_preset_client;
use super::pool_config::{
    check_constraints, check_templates, first_path, pascal_path, PoolRequest,
};
use crate::error::{json_path_of, Error};
use crate::input_file::read_input_file;
use crate::model::coral::Validator;
use crate::pool::config::unknown_members;
use crate::pool::{PoolConfig, UserPool, DEFAULT_REGION};

/// Loads a pool file and checks it as CreateUserPool would check its request: the structure
/// (file, JSON path, what was expected; unknown members), then every constraint and template
/// rule. A constraint error names the first offending member's path.
pub(crate) fn read_pool_file(path: &Path) -> Result<UserPool, Error> {
    checked(path, read_structure(path)?)
}

/// A pool already parsed as JSON (a scenario's inline pool, a fuzz target's), checked as
/// [`read_pool_file`] does; `path` names it in errors. Read from the JSON itself, not written out
/// as text to be parsed again.
pub(crate) fn pool_from_value(path: &Path, value: Value) -> Result<UserPool, Error> {
    checked(path, structure_from_value(path, value)?)
}

/// CreateUserPool's constraint and template checks on a parsed pool file.
fn checked(path: &Path, pool: UserPool) -> Result<UserPool, Error> {
    let mut v = Validator::new();
    check_constraints(&mut v, &pool.config, PoolRequest::Update);
    if let Err(e) = v.finish().and_then(|_| check_templates(&pool.config)) {
        let json_path = first_path(&e.message)
            .map(pascal_path)
            .unwrap_or_else(|| "$".to_string());
        return Err(Error::input(
            path,
            json_path,
            format!("{}: {}", e.code, e.message),
        ));
    }
    Ok(pool)
}

/// Reads the structure of a CreateUserPool/UpdateUserPool-shaped JSON file. A file may also carry `UserPoolId`
/// (to fix the pool's id) and `Region`.
pub(crate) fn read_structure(path: &Path) -> Result<UserPool, Error> {
    let text = read_input_file(path)?;
    parse_structure(path, &text)
}

/// Parses pool file text; `path` names the file in errors. Checks the structure: JSON types
/// (the error names the JSON path and what was expected) and unknown members (a typo such as
/// `LambdaConfigs` would otherwise drop the triggers silently). Constraint checks (lengths,
/// patterns, enums) are CreateUserPool's: `Cognito::add_pool_file` applies them.
pub(crate) fn parse_structure(path: &Path, text: &str) -> Result<UserPool, Error> {
    // Syntax errors name the line and column; the path is the document.
    let value: Value =
        serde_json::from_str(text).map_err(|e| Error::input(path, "$", e.to_string()))?;
    structure_from_value(path, value)
}

/// [`parse_structure`] for a document already parsed as JSON.
fn structure_from_value(path: &Path, value: Value) -> Result<UserPool, Error> {
    let Value::Object(mut members) = value else {
        return Err(Error::input(
            path,
            "$",
            "expected a JSON object of CreateUserPool/UpdateUserPool members",
        ));
    };
    let mut take_string = |name: &str| match members.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Error::input(
            path,
            format!("$.{name}"),
            format!("expected a string, found {other}"),
        )),
    };
    let id = take_string("UserPoolId")?;
    let region = take_string("Region")?;
    // The JSON Schema an editor validates the file with (`cognito-harness schema pool`).
    take_string("$schema")?;
    // SetUserPoolMfaConfig's members, which CreateUserPool does not take (§MFA.1).
    let factors = super::mfa::factors_from_file(path, &mut members)?;
    let clients = match members.remove("AppClients") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(entries)) => entries,
        Some(other) => {
            return Err(Error::input(
                path,
                "$.AppClients",
                format!("expected a list of app clients (CreateUserPoolClient members with a ClientId), found {other}"),
            ))
        }
    };
    let members = Value::Object(members);
    // Tracked for its path only when it does not fit, as in `parse_json_file`.
    let config = match PoolConfig::deserialize(&members) {
        Ok(config) => Ok(config),
        Err(_) => serde_path_to_error::deserialize::<_, PoolConfig>(&members),
    };
    let config: PoolConfig = config.map_err(|e| {
        let at = json_path_of(&e.path().to_string());
        Error::input(path, at, e.into_inner().to_string())
    })?;
    let known = serde_json::to_value(&config).unwrap_or(Value::Null);
    if let Some(unknown) = unknown_members(&members, &known).into_iter().next() {
        let name = unknown
            .rsplit(['.', ']'])
            .next()
            .unwrap_or(&unknown)
            .to_string();
        return Err(Error::input(
            path,
            format!("$.{unknown}"),
            format!("unknown member `{name}` (not part of the CreateUserPool/UpdateUserPool request shape)"),
        ));
    }
    let region = region.as_deref().unwrap_or(DEFAULT_REGION);
    let mut pool = match id {
        Some(id) => UserPool::with_id(id, config),
        None => UserPool::new(region, config),
    };
    pool.mfa_factors = factors;
    for (i, entry) in clients.iter().enumerate() {
        add_preset_client(&mut pool, entry).map_err(|(at, message)| {
            let inner = at.strip_prefix('$').unwrap_or(&at);
            Error::input(path, format!("$.AppClients[{i}]{inner}"), message)
        })?;
    }
    Ok(pool)
}
