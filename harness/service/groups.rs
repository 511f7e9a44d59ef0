//! User pool groups: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup,
//! AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser and ListUsersInGroup,
//! with the model's validation (API reference, CreateGroup) and Cognito's texts
//! (docs/cognito-semantics.md §G). A user's groups become `cognito:groups` in the tokens and
//! `groupConfiguration` in PreTokenGeneration's event.

use serde_json::{json, Map, Value};

use super::paging::{page_of, skipped};
use super::users::user_type;
use super::{lock, user_not_found, Cognito, Outcome, PoolHandle};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::model::coral::{
    int_member, string_member, StringRule, Validator, USERNAME_RULE, USER_POOL_ID_RULE,
};
use crate::model::patterns::{LAMBDA_ARN, USERNAME};
use crate::pool::{now_seconds, Group};

/// GroupNameType: 1–128, `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`.
const GROUP_NAME_RULE: StringRule = StringRule::len(1, 128).pattern(&USERNAME);
/// DescriptionType: at most 2048.
const DESCRIPTION_RULE: StringRule = StringRule {
    min: None,
    max: Some(2048),
    pattern: None,
    sensitive: false,
};
/// ArnType: 20–2048 with the ARN pattern.
const ROLE_ARN_RULE: StringRule = StringRule::len(20, 2048).pattern(&LAMBDA_ARN);
/// QueryLimitType: the groups' list calls take at most 60.
const MAX_LIMIT: i64 = 60;

/// GroupType as the API answers it.
fn group_type(pool_id: &str, group: &Group) -> Value {
    let mut g = Map::new();
    g.insert("GroupName".into(), json!(group.name));
    g.insert("UserPoolId".into(), json!(pool_id));
    if let Some(d) = &group.description {
        g.insert("Description".into(), json!(d));
    }
    if let Some(r) = &group.role_arn {
        g.insert("RoleArn".into(), json!(r));
    }
    if let Some(p) = group.precedence {
        g.insert("Precedence".into(), json!(p));
    }
    g.insert("LastModifiedDate".into(), json!(group.last_modified));
    g.insert("CreationDate".into(), json!(group.created));
    Value::Object(g)
}

/// ResourceNotFoundException for an unknown group (observed: aws-amplify/amplify-cli#2214).
fn group_not_found() -> CognitoError {
    CognitoError::new(ErrorCode::ResourceNotFoundException, "Group not found.")
}

/// The pool and group a request names.
struct GroupRequest<'a> {
    pool: PoolHandle,
    pool_id: &'a str,
    group: &'a str,
}

/// `Limit` (0–60) and `NextToken` of a list call: how many to skip and to take.
fn page(request: &Value, v: &mut Validator) -> Result<(usize, usize), CognitoError> {
    let limit = int_member(request, "Limit")?;
    let token = string_member(request, "NextToken")?;
    if let Some(l) = limit.filter(|l| !(0..=MAX_LIMIT).contains(l)) {
        let constraint = if l < 0 {
            "Member must have value greater than or equal to 0".to_string()
        } else {
            format!("Member must have value less than or equal to {MAX_LIMIT}")
        };
        v.fail("limit", Some(&l.to_string()), &constraint);
    }
    let skip = skipped(token)?;
    let take = limit.filter(|l| *l > 0).unwrap_or(MAX_LIMIT) as usize;
    Ok((skip, take))
}

/// Description, RoleArn and Precedence as the model constrains them.
fn check_group_members(
    v: &mut Validator,
    description: Option<&str>,
    role_arn: Option<&str>,
    precedence: Option<i64>,
) {
    if let Some(d) = description {
        v.string("description", d, DESCRIPTION_RULE);
    }
    if let Some(r) = role_arn {
        v.string("roleArn", r, ROLE_ARN_RULE);
    }
    if let Some(p) = precedence.filter(|p| *p < 0) {
        v.fail(
            "precedence",
            Some(&p.to_string()),
            "Member must have value greater than or equal to 0",
        );
    }
}

impl Cognito {
    /// Checks `GroupName` and `UserPoolId` with the rest of the request's members (`more`), then
    /// finds the pool.
    fn group_request<'a>(
        &self,
        request: &'a Value,
        more: impl FnOnce(&mut Validator) -> Result<(), CognitoError>,
    ) -> Result<GroupRequest<'a>, CognitoError> {
        let pool_id = string_member(request, "UserPoolId")?;
        let group = string_member(request, "GroupName")?;
        let mut v = Validator::new();
        v.required_string("groupName", group, GROUP_NAME_RULE);
        v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
        more(&mut v)?;
        v.finish()?;
        let pool_id = pool_id.unwrap_or_default();
        Ok(GroupRequest {
            pool: self.require_pool(pool_id)?,
            pool_id,
            group: group.unwrap_or_default(),
        })
    }

    /// CreateGroup: `{"Group": GroupType}`; a taken name (in any case) is GroupExistsException.
    pub fn create_group(&self, request: &Value) -> Outcome {
        let result = (|| {
            let description = string_member(request, "Description")?;
            let role_arn = string_member(request, "RoleArn")?;
            let precedence = int_member(request, "Precedence")?;
            let req = self.group_request(request, |v| {
                check_group_members(v, description, role_arn, precedence);
                Ok(())
            })?;
            let mut group = Group::new(req.group, now_seconds());
            group.description = description.map(str::to_string);
            group.role_arn = role_arn.map(str::to_string);
            group.precedence = precedence;
            let answer = group_type(req.pool_id, &group);
            if !lock(&req.pool).groups.insert(group) {
                // The text is assumed (aws-amplify/amplify-backend#1781 reports the exception).
                return Err(CognitoError::new(
                    ErrorCode::GroupExistsException,
                    format!("A group with the name {} already exists.", req.group),
                ));
            }
            Ok(json!({ "Group": answer }))
        })();
        Outcome::new("CreateGroup", result)
    }

    /// GetGroup: `{"Group": GroupType}`.
    pub fn get_group(&self, request: &Value) -> Outcome {
        let result = (|| {
            let req = self.group_request(request, |_| Ok(()))?;
            let guard = lock(&req.pool);
            let group = guard.groups.get(req.group).ok_or_else(group_not_found)?;
            Ok(json!({ "Group": group_type(req.pool_id, group) }))
        })();
        Outcome::new("GetGroup", result)
    }

    /// UpdateGroup: changes the members the request names (others are kept, unlike
    /// UpdateUserPool: the API reference lists each as optional with no reset).
    pub fn update_group(&self, request: &Value) -> Outcome {
        let result = (|| {
            let description = string_member(request, "Description")?;
            let role_arn = string_member(request, "RoleArn")?;
            let precedence = int_member(request, "Precedence")?;
            let req = self.group_request(request, |v| {
                check_group_members(v, description, role_arn, precedence);
                Ok(())
            })?;
            let mut guard = lock(&req.pool);
            let mut group = guard.groups.remove(req.group).ok_or_else(group_not_found)?;
            if let Some(d) = description {
                group.description = Some(d.to_string());
            }
            if let Some(r) = role_arn {
                group.role_arn = Some(r.to_string());
            }
            if precedence.is_some() {
                group.precedence = precedence;
            }
            group.last_modified = now_seconds();
            let answer = group_type(req.pool_id, &group);
            guard.groups.insert(group);
            Ok(json!({ "Group": answer }))
        })();
        Outcome::new("UpdateGroup", result)
    }

    /// DeleteGroup: `{}`; its members lose it.
    pub fn delete_group(&self, request: &Value) -> Outcome {
        let result = (|| {
            let req = self.group_request(request, |_| Ok(()))?;
            lock(&req.pool)
                .groups
                .remove(req.group)
                .ok_or_else(group_not_found)?;
            Ok(json!({}))
        })();
        Outcome::new("DeleteGroup", result)
    }

    /// ListGroups: `{"Groups": [...], "NextToken"?}`, by name.
    pub fn list_groups(&self, request: &Value) -> Outcome {
        let result = (|| {
            let pool_id = string_member(request, "UserPoolId")?;
            let mut v = Validator::new();
            v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
            let (skip, take) = page(request, &mut v)?;
            v.finish()?;
            let pool_id = pool_id.unwrap_or_default();
            let pool = self.require_pool(pool_id)?;
            let guard = lock(&pool);
            let groups = guard
                .groups
                .iter()
                .map(|g| group_type(pool_id, g))
                .collect();
            Ok(page_of("Groups", groups, skip, take))
        })();
        Outcome::new("ListGroups", result)
    }

    /// AdminAddUserToGroup and AdminRemoveUserFromGroup: `{}`.
    fn change_membership(&self, action: &str, request: &Value, add: bool) -> Outcome {
        let result = (|| {
            let username = string_member(request, "Username")?;
            let req = self.group_request(request, |v| {
                v.required_string("username", username, USERNAME_RULE);
                Ok(())
            })?;
            let mut guard = lock(&req.pool);
            let sub = guard
                .find_user(username.unwrap_or_default())
                .map(|u| u.sub.clone())
                .ok_or_else(user_not_found)?;
            let found = if add {
                guard.groups.add_member(req.group, &sub)
            } else {
                guard.groups.remove_member(req.group, &sub)
            };
            if !found {
                return Err(group_not_found());
            }
            Ok(json!({}))
        })();
        Outcome::new(action, result)
    }

    /// AdminAddUserToGroup: `{}`.
    pub fn admin_add_user_to_group(&self, request: &Value) -> Outcome {
        self.change_membership("AdminAddUserToGroup", request, true)
    }

    /// AdminRemoveUserFromGroup: `{}`.
    pub fn admin_remove_user_from_group(&self, request: &Value) -> Outcome {
        self.change_membership("AdminRemoveUserFromGroup", request, false)
    }

    /// AdminListGroupsForUser: the user's groups by precedence, `{"Groups": [...], "NextToken"?}`.
    pub fn admin_list_groups_for_user(&self, request: &Value) -> Outcome {
        let result = (|| {
            let pool_id = string_member(request, "UserPoolId")?;
            let username = string_member(request, "Username")?;
            let mut v = Validator::new();
            v.required_string("username", username, USERNAME_RULE);
            v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
            let (skip, take) = page(request, &mut v)?;
            v.finish()?;
            let pool_id = pool_id.unwrap_or_default();
            let pool = self.require_pool(pool_id)?;
            let guard = lock(&pool);
            let user = guard
                .find_user(username.unwrap_or_default())
                .ok_or_else(user_not_found)?;
            let groups = guard
                .groups
                .of_member(&user.sub)
                .into_iter()
                .map(|g| group_type(pool_id, g))
                .collect();
            Ok(page_of("Groups", groups, skip, take))
        })();
        Outcome::new("AdminListGroupsForUser", result)
    }

    /// ListUsersInGroup: `{"Users": [UserType...], "NextToken"?}`.
    pub fn list_users_in_group(&self, request: &Value) -> Outcome {
        let result = (|| {
            let mut paging = (0, 0);
            let req = self.group_request(request, |v| {
                paging = page(request, v)?;
                Ok(())
            })?;
            let (skip, take) = paging;
            let guard = lock(&req.pool);
            let group = guard.groups.get(req.group).ok_or_else(group_not_found)?;
            let users = group
                .members()
                .filter_map(|sub| guard.user_by_sub(sub))
                .map(user_type)
                .collect();
            Ok(page_of("Users", users, skip, take))
        })();
        Outcome::new("ListUsersInGroup", result)
    }
}
