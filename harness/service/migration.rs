//! Migrating a user the pool does not have through its UserMigration trigger
//! (cognito-semantics.md §UM): a password sign-in (`UserMigration_Authentication`) or a
//! ForgotPassword (`UserMigration_ForgotPassword`) of an unknown name asks the function, and an
//! accepted answer becomes a user before the call goes on as for a user the pool had.

use serde_json::{Map, Value};

use super::new_users::{plan_new_user, ADMIN_CREATE_USER_EXISTS};
use super::triggers::fail_with;
use super::{lock, Cognito, Outcome, PoolHandle, TriggerRun};
use crate::model::cognito_error::{CognitoError, ErrorCode};
use crate::pool::{User, UserPool};
use crate::trigger::user_migration::{self, Migration};
use crate::trigger::{judge, Context, Trigger, TriggerSource};

/// Whether a call for `name` would ask the pool's UserMigration trigger: the pool has one and no
/// user answers to the name.
pub(crate) fn migrates(pool: &UserPool, name: &str) -> bool {
    Trigger::USER_MIGRATION.arn(&pool.config).is_some() && pool.find_user(name).is_none()
}

/// The sign-in or reset that asks for the migration.
pub(crate) struct MigrationRequest<'a> {
    /// `UserMigration_Authentication` or `UserMigration_ForgotPassword`.
    pub source: TriggerSource,
    /// The name the caller gave.
    pub username: &'a str,
    /// The password the caller signed in with (a sign-in only).
    pub password: Option<&'a str>,
    /// The app client of the call.
    pub client_id: &'a str,
    /// The call's ClientMetadata.
    pub client_metadata: Option<&'a Map<String, Value>>,
}

impl Cognito {
    /// Runs UserMigration for `req` and creates the user its answer describes. The run goes into
    /// `outcome`; `Err` is the exception that ends the call (the function failed, its answer is
    /// unusable, or the user cannot be stored).
    pub(crate) async fn migrate_user(
        &self,
        outcome: &mut Outcome,
        pool: &PoolHandle,
        req: MigrationRequest<'_>,
    ) -> Result<(), CognitoError> {
        let (arn, event) = {
            let guard = lock(pool);
            let Some(arn) = Trigger::USER_MIGRATION.arn(&guard.config) else {
                return Ok(());
            };
            let event = user_migration::event(
                &guard,
                req.source,
                req.username,
                req.password,
                req.client_id,
                req.client_metadata,
            );
            (arn.to_string(), event)
        };
        let attempt = self.attempt(Some(&arn), Some(&event)).await;
        let judgement = {
            let guard = lock(pool);
            let ctx = Context::new(req.source, &guard.config).client(req.client_id);
            judge(attempt.ran(), &ctx)
        };
        let (verdict, migration) = judgement.into_parts::<Migration>();
        let run = TriggerRun {
            trigger_source: req.source,
            arn: Some(arn),
            event: Some(event),
            invocation: attempt.into_invocation(),
            verdict,
        };
        if fail_with(outcome, run) {
            return Err(outcome.error().cloned().unwrap_or_else(|| {
                CognitoError::new(ErrorCode::InternalErrorException, "UserMigration failed")
            }));
        }
        let Some(migration) = migration else {
            return Ok(());
        };
        if !migration.suppress_message && req.source == TriggerSource::USER_MIGRATION_AUTHENTICATION
        {
            // AWS: "If you don't return this parameter, Amazon Cognito sends the welcome message"
            // (§UM.3); which template and trigger source it uses is not documented.
            outcome.warnings.push(format!(
                "UserMigration did not answer messageAction SUPPRESS: Cognito sends {} the welcome message, which cognito-harness does not replay",
                req.username
            ));
        }
        let mut guard = lock(pool);
        let user = migrated_user(&guard, &req, &migration)?;
        take_aliases(&mut guard, &user, migration.force_alias_creation)?;
        guard.put_user(user);
        Ok(())
    }
}

/// The user Cognito stores for an accepted answer (§UM.3): the name the caller gave (in
/// UsernameAttributes pools a new `sub`-shaped username and the name as email or phone), the
/// answer's attributes as given (no verification of its own), the sign-in's password, and the
/// answer's status. The password policy is not applied (ruling UM-3).
fn migrated_user(
    pool: &UserPool,
    req: &MigrationRequest<'_>,
    migration: &Migration,
) -> Result<User, CognitoError> {
    let mut attributes = migration.attributes.clone();
    // `sub` is Cognito's to give (assumed: a function's `sub` is dropped, not an error).
    attributes.remove("sub");
    let mut user = plan_new_user(
        pool,
        req.username,
        None,
        &attributes,
        ADMIN_CREATE_USER_EXISTS,
    )?;
    user.password = req.password.map(str::to_string);
    user.status = migration.status;
    Ok(user)
}

/// A verified email or phone number that another user holds as an alias: moved to the new user
/// with `forceAliasCreation`, otherwise AliasExistsException (§UM.3, as AdminCreateUser).
fn take_aliases(pool: &mut UserPool, user: &User, force: bool) -> Result<(), CognitoError> {
    for attribute in ["email", "phone_number"] {
        let Some(value) = user
            .attribute(attribute)
            .filter(|_| user.is_verified(attribute))
        else {
            continue;
        };
        let Some(holder) = pool
            .alias_holder(attribute, value, &user.username)
            .map(|u| u.username.clone())
        else {
            continue;
        };
        if !force {
            let what = if attribute == "email" {
                "email"
            } else {
                "phone_number"
            };
            return Err(CognitoError::new(
                ErrorCode::AliasExistsException,
                format!("An account with the {what} already exists."),
            ));
        }
        if let Some(mut previous) = pool.find_user_mut(&holder) {
            previous
                .attributes
                .insert(format!("{attribute}_verified"), "false".into());
        }
    }
    Ok(())
}
