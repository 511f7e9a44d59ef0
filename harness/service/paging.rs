//! The `NextToken` pages of the list calls that take one (ListGroups, AdminListGroupsForUser,
//! ListUsersInGroup, ListUserPools, ListUserPoolClients): how far a token says the listing got,
//! and one page of a listing with the token for the next.

use serde_json::{json, Value};

use crate::model::cognito_error::CognitoError;

/// How many items a `NextToken` says were listed already (0 without one); a token this harness
/// did not hand out is InvalidParameterException `Invalid pagination token.`.
pub(crate) fn skipped(token: Option<&str>) -> Result<usize, CognitoError> {
    match token {
        None => Ok(0),
        Some(t) => t
            .strip_prefix("listed:")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| CognitoError::invalid_parameter("Invalid pagination token.")),
    }
}

/// `{"<key>": [...], "NextToken"?}` for one page of `items`.
pub(crate) fn page_of(key: &str, items: Vec<Value>, skip: usize, take: usize) -> Value {
    let total = items.len();
    let shown: Vec<Value> = items.into_iter().skip(skip).take(take).collect();
    let mut response = json!({ key: shown });
    if skip + take < total {
        response["NextToken"] = json!(format!("listed:{}", skip + take));
    }
    response
}
