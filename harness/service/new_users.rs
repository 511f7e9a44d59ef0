//! Creating users, as SignUp, AdminCreateUser and a federated first sign-in share it: the schema
//! and username checks, the password policy, and who holds a verified alias (§1.1, §3.5, DG-PSU).

use serde_json::{Map, Value};

use super::password_policy::check_policy;
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::pool::{User, UserPool};

/// The attributes a sign-up supplied, as PreSignUp shows them (ruling 4: no `sub`, no status).
pub(crate) fn supplied(user: &User) -> Map<String, Value> {
    user.attributes
        .iter()
        .map(|(n, v)| (n.clone(), Value::from(v.as_str())))
        .collect()
}

/// Checks a new user against the pool (username free, schema, password policy) and builds it.
/// In pools that sign in with email/phone (UsernameAttributes) the username is the new `sub` and
/// the given name becomes the email or phone attribute (§1.1). `user_exists` is the calling API's
/// text for a taken username ([`SIGN_UP_USER_EXISTS`], [`ADMIN_CREATE_USER_EXISTS`]).
pub(crate) fn plan_new_user(
    pool: &UserPool,
    username: &str,
    password: Option<&str>,
    attributes: &Map<String, Value>,
    user_exists: &'static str,
) -> Result<User, CognitoError> {
    let mut problems = String::new();
    for name in attributes.keys() {
        match pool.schema.get(name) {
            None => problems.push_str(&format!(
                "{name}: Attribute does not exist in the schema.\n"
            )),
            Some(_) if name == "sub" => {
                problems.push_str(&format!("{name}: Attribute cannot be updated.\n"))
            }
            Some(_) => {}
        }
    }
    let mut user = User::new(username);
    for (name, value) in attributes {
        if let Some(v) = value.as_str().filter(|v| !v.is_empty()) {
            user.attributes.insert(name.clone(), v.to_string());
        }
    }
    let sign_in_attributes = pool.config.username_attributes.clone().unwrap_or_default();
    if !sign_in_attributes.is_empty() {
        // A name with `@` is read as an email, a `+` and digits as a phone number (assumed:
        // Cognito's own format checks are not published).
        let attr = if username.contains('@') {
            "email"
        } else if is_phone_number(username) {
            "phone_number"
        } else {
            ""
        };
        if !sign_in_attributes.iter().any(|a| a == attr) {
            // §4.3: boto3#3836 (one attribute), amplify-js#533 (both).
            let message = if sign_in_attributes.len() > 1 {
                "Username should be either an email or a phone number."
            } else if sign_in_attributes[0] == "email" {
                "Username should be an email."
            } else {
                "Username should be a phone number."
            };
            return Err(CognitoError::invalid_parameter(message));
        }
        user.attributes
            .insert(attr.to_string(), username.to_string());
        user.username = user.sub.clone();
    }
    for required in pool.schema.required() {
        if !user.attributes.contains_key(required) && required != "sub" {
            problems.push_str(&format!("{required}: The attribute is required\n"));
        }
    }
    if !problems.is_empty() {
        return Err(CognitoError::invalid_parameter(format!(
            "Attributes did not conform to the schema: {problems}"
        )));
    }
    ensure_username_free(pool, &user, user_exists)?;
    if let Some(password) = password {
        check_policy(pool, password)?;
        user.password = Some(password.to_string());
    }
    Ok(user)
}

/// `+` and 1 to 15 digits (E.164, as Cognito's phone_number attribute takes it).
fn is_phone_number(value: &str) -> bool {
    value.strip_prefix('+').is_some_and(|digits| {
        (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// UsernameExistsException's text for a taken username from SignUp (§4.3, amplify-js#6238).
pub(crate) const SIGN_UP_USER_EXISTS: &str = "User already exists";
/// The same from AdminCreateUser (§4.3, AWS's output quoted in localstack#4465).
pub(crate) const ADMIN_CREATE_USER_EXISTS: &str = "User account already exists";

/// UsernameExistsException when the username (or, for email/phone usernames, the address) is
/// taken; `user_exists` is the calling API's text for a taken username.
pub(crate) fn ensure_username_free(
    pool: &UserPool,
    user: &User,
    user_exists: &'static str,
) -> Result<(), CognitoError> {
    let taken_by_alias = ["email", "phone_number"].into_iter().find(|attr| {
        pool.config.is_username_attribute(attr)
            && user.attribute(attr).is_some_and(|v| {
                pool.users_with(attr, v)
                    .unwrap_or_default()
                    .iter()
                    .any(|u| u.username != user.username)
            })
    });
    if let Some(attr) = taken_by_alias {
        return Err(CognitoError::new(
            ErrorCode::UsernameExistsException,
            format!("An account with the given {attr} already exists."),
        ));
    }
    if pool.find_user(&user.username).is_some() {
        return Err(CognitoError::new(
            ErrorCode::UsernameExistsException,
            user_exists,
        ));
    }
    Ok(())
}

/// A verified alias can belong to one user only: AliasExistsException unless ForceAliasCreation,
/// which moves it (the old holder's attribute becomes unverified) (§3.5, DG-PSU).
pub(crate) fn claim_alias(
    pool: &mut UserPool,
    attr: &str,
    value: &str,
    username: &str,
    force: bool,
) -> Result<(), CognitoError> {
    let Some(holder) = pool
        .alias_holder(attr, value, username)
        .map(|u| u.username.clone())
    else {
        return Ok(());
    };
    if !force {
        return Err(CognitoError::new(
            ErrorCode::AliasExistsException,
            format!("An account with the given {attr} already exists."),
        ));
    }
    if let Some(mut old) = pool.find_user_mut(&holder) {
        old.attributes
            .insert(format!("{attr}_verified"), "false".into());
    }
    Ok(())
}

/// Claims every verified sign-in alias of a new user (see [`claim_alias`]).
pub(crate) fn claim_verified_aliases(
    pool: &mut UserPool,
    user: &User,
    force: bool,
) -> Result<(), CognitoError> {
    for attr in ["email", "phone_number"] {
        if let Some(value) = user.attribute(attr).filter(|_| user.is_verified(attr)) {
            claim_alias(pool, attr, value, &user.username, force)?;
        }
    }
    Ok(())
}
