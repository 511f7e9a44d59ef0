//! The JSON renderer: the whole run as one document (`check --format json`).

use serde_json::json;

use crate::scenario::{ScenarioResult, Summary};

/// The whole run as one JSON document: `{"scenarios": [...], "summary": {...}}`.
pub fn document(results: &[ScenarioResult], summary: &Summary) -> String {
    let doc = json!({ "scenarios": results, "summary": summary });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
