//! `cognito-harness schema`: JSON Schemas (draft 2020-12) of the files the harness reads, so
//! editors validate them as you type. Each is derived from the loader's own types (schemars), then
//! completed from the code's own lists (actions, exception names, rule ids, message members), so
//! a schema cannot say something the loader does not.

use clap::ValueEnum;
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

use crate::binding::ConfigFile;
use crate::model::cognito_error::ErrorCode;
use crate::pool::PoolConfig;
use crate::scenario::expect::MESSAGE_KEYS;
use crate::scenario::{ScenarioFile, SEED_STATUSES};
use crate::service::Action;

/// Which file's schema.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Kind {
    /// A scenario file (`fixtures/scenarios/**/*.json`).
    Scenario,
    /// A pool file (CreateUserPool-shaped JSON).
    Pool,
    /// `cognito-harness.toml`, as JSON (Taplo / Even Better TOML read JSON Schemas).
    Config,
}

/// The schema of `kind`, as a JSON value.
pub(super) fn schema(kind: Kind) -> Value {
    match kind {
        Kind::Scenario => scenario(),
        Kind::Pool => pool(),
        Kind::Config => config(),
    }
}

fn derived<T: JsonSchema>() -> Value {
    let mut schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    one_line_descriptions(&mut schema);
    schema
}

/// Doc comments wrap at 100 columns; an editor's hover reflows the text itself.
fn one_line_descriptions(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(d)) = map.get_mut("description") {
                *d = d.replace('\n', " ");
            }
            map.values_mut().for_each(one_line_descriptions);
        }
        Value::Array(items) => items.iter_mut().for_each(one_line_descriptions),
        _ => {}
    }
}

/// The member at `path` (object keys), which the derived schema must have: a renamed field fails
/// the tests here rather than leaving a schema that no longer fits.
fn at<'a>(schema: &'a mut Value, path: &[&str]) -> &'a mut Value {
    path.iter().fold(schema, |v, key| {
        v.get_mut(*key)
            .unwrap_or_else(|| panic!("the derived schema has no `{key}` in {path:?}"))
    })
}

/// Adds `extra` (description kept) to the property schema at `path`.
fn refine(schema: &mut Value, path: &[&str], extra: Value) {
    let target = at(schema, path);
    let description = target.get("description").cloned();
    *target = extra;
    if let (Some(d), Some(map)) = (description, target.as_object_mut()) {
        map.entry("description").or_insert(d);
    }
}

/// `additionalProperties: false` on every object schema that lists properties: the pool loader
/// rejects unknown members (`unknown_members`), although its serde types do not deny them.
fn closed(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(closed);
        }
        Value::Array(items) => items.iter_mut().for_each(closed),
        _ => {}
    }
}

fn names(list: impl IntoIterator<Item = &'static str>) -> Vec<Value> {
    list.into_iter().map(Value::from).collect()
}

/// A pool file: CreateUserPool/UpdateUserPool members, plus `UserPoolId`, `Region`, `$schema`.
fn pool() -> Value {
    let mut schema = derived::<PoolConfig>();
    closed(&mut schema);
    let properties = at(&mut schema, &["properties"])
        .as_object_mut()
        .expect("properties");
    properties.insert(
        "$schema".into(),
        json!({"type": "string", "description": "The JSON Schema this file follows, for editors; ignored."}),
    );
    properties.insert(
        "UserPoolId".into(),
        json!({"type": "string", "description": "Fixes the pool's id (default: a new id in Region)."}),
    );
    properties.insert(
        "Region".into(),
        json!({"type": "string", "description": "The pool's region (default us-east-1)."}),
    );
    // Members the pool-file loader takes besides CreateUserPool's (service/pool_files.rs).
    properties.insert(
        "SoftwareTokenMfaConfiguration".into(),
        json!({"type": "object", "description": "SetUserPoolMfaConfig's SoftwareTokenMfaConfiguration: whether the pool offers authenticator-app MFA (cognito-semantics.md §MFA).",
               "properties": {"Enabled": {"type": "boolean"}}, "required": ["Enabled"]}),
    );
    properties.insert(
        "EmailMfaConfiguration".into(),
        json!({"type": "object", "description": "SetUserPoolMfaConfig's EmailMfaConfiguration: the pool offers e-mail MFA codes.",
               "properties": {"Message": {"type": "string"}, "Subject": {"type": "string"}},
               "additionalProperties": false}),
    );
    properties.insert(
        "AppClients".into(),
        json!({"type": "array", "description": "App clients made with the pool, with fixed ids: CreateUserPoolClient members (without UserPoolId) plus a required ClientId and an optional ClientSecret.",
               "items": {"type": "object", "required": ["ClientName", "ClientId"],
                         "properties": {"ClientName": {"type": "string"}, "ClientId": {"type": "string"},
                                        "ClientSecret": {"type": "string"}, "GenerateSecret": {"type": "boolean"}}}}),
    );
    schema["title"] = "cognito-harness pool file".into();
    schema["description"] = "A user pool in the CreateUserPool/UpdateUserPool request shape (PascalCase members as in the AWS API reference); the harness checks it as CreateUserPool checks its request.".into();
    schema
}

fn scenario() -> Value {
    let mut schema = derived::<ScenarioFile>();
    // The inline pool is a pool file's content: its definitions join the scenario's.
    let mut pool = pool();
    let mut pool_defs = Value::Null;
    if let Some(members) = pool.as_object_mut() {
        pool_defs = members.remove("$defs").unwrap_or_default();
        members.remove("$schema");
        members.remove("title");
    }
    let defs = at(&mut schema, &["$defs"]).as_object_mut().expect("$defs");
    if let Value::Object(pool_defs) = pool_defs {
        defs.extend(pool_defs);
    }
    defs.insert("Pool".into(), pool);
    let message_properties: Map<String, Value> = MESSAGE_KEYS
        .iter()
        .map(|k| ((*k).to_string(), json!({})))
        .collect();
    defs.insert(
        "ExpectedMessage".into(),
        json!({
            "description": "A subset of a delivered message; `{####}` stands for the code it carried.",
            "type": "object",
            "properties": message_properties,
            "additionalProperties": false,
        }),
    );

    refine(
        &mut schema,
        &["properties", "pool"],
        json!({"oneOf": [
            {"type": "string", "description": "A pool file's path, relative to this file."},
            {"$ref": "#/$defs/Pool"},
        ]}),
    );
    let statuses = SEED_STATUSES.iter().map(|s| s.as_str());
    refine(
        &mut schema,
        &["$defs", "SeedUser", "properties", "UserStatus"],
        json!({"type": ["string", "null"], "enum": with_null(names(statuses))}),
    );
    refine(
        &mut schema,
        &["$defs", "StepFile", "properties", "action"],
        json!({"type": "string", "enum": names(Action::ALL.iter().map(|a| a.name()))}),
    );
    refine(
        &mut schema,
        &["$defs", "StepFile", "properties", "request"],
        json!({"type": "object"}),
    );
    let outcomes = std::iter::once("success").chain(ErrorCode::ALL.iter().map(|c| c.name()));
    refine(
        &mut schema,
        &["$defs", "ExpectFile", "properties", "outcome"],
        json!({"type": ["string", "null"], "enum": with_null(names(outcomes))}),
    );
    refine(
        &mut schema,
        &["$defs", "ExpectFile", "properties", "rule"],
        json!({"type": ["string", "null"], "enum": with_null(names(crate::trigger::all_rules().map(|r| r.id)))}),
    );
    refine(
        &mut schema,
        &["$defs", "ExpectFile", "properties", "message"],
        json!({"oneOf": [
            {"type": "string", "description": "The error text, exactly."},
            {"$ref": "#/$defs/ExpectedMessage"},
            {"type": "array", "items": {"$ref": "#/$defs/ExpectedMessage"}},
            {"type": "null"},
        ]}),
    );
    refine(
        &mut schema,
        &["$defs", "ExpectFile", "properties", "functionError"],
        json!({"oneOf": [
            {"type": "string", "description": "The function's errorMessage, exactly."},
            {"type": "object", "properties": {"errorType": {}, "errorMessage": {}}, "additionalProperties": false},
            {"type": "null"},
        ]}),
    );
    schema["title"] = "cognito-harness scenario".into();
    schema["description"] = "A pool, users seeded into it, and API calls with what is expected of each (README.md \"Scenario files\").".into();
    schema
}

fn with_null(mut values: Vec<Value>) -> Vec<Value> {
    values.push(Value::Null);
    values
}

fn config() -> Value {
    let mut schema = derived::<ConfigFile>();
    // A function is a process or an endpoint, never both (the loader says so).
    let spec = at(&mut schema, &["$defs", "FunctionSpec"]);
    spec["oneOf"] = json!([{"required": ["command"]}, {"required": ["url"]}]);
    schema["title"] = "cognito-harness.toml".into();
    schema["description"] =
        "Which local function answers to which LambdaConfig ARN, and how it is built.".into();
    schema
}
