//! Events Cognito fires outside the public API's request/response pairs, as library calls and
//! scenario steps: a first federated sign-in (PreSignUp_ExternalProvider) and a sign-in code being
//! sent (CustomMessage_Authentication). Their request shapes are ours, in the API's PascalCase style.

use serde_json::{json, Value};

use super::codes::new_code;
use super::delivery::plan_message;
use super::new_users::{claim_verified_aliases, supplied};
use super::requests::name_value_list;
use super::triggers::fail_with;
use super::{lock, user_not_found, Cognito, Outcome};
use crate::model::cognito_error::CognitoError;
use crate::model::coral::USER_POOL_ID_RULE;
use crate::model::coral::{string_member, StringRule, Validator};
use crate::pool::{DeliveryMedium, User, UserStatus};
use crate::trigger::{Caller, TriggerSource};

impl Cognito {
    /// `FederatedSignIn {UserPoolId, ProviderName, ProviderUserId, UserAttributes?, ClientId?}`:
    /// the first sign-in of a user through an external IdP. Fires PreSignUp_ExternalProvider with
    /// the mapped attributes, then PostConfirmation_ConfirmSignUp once the user exists; a later
    /// sign-in of the same user fires neither. Federated sign-in never invokes CustomMessage (§1.2).
    pub async fn federated_sign_in(&self, request: &Value) -> Outcome {
        const ACTION: &str = "FederatedSignIn";
        let mut outcome = Outcome::new(ACTION, Ok(json!({})));
        let parsed = (|| {
            let pool_id = string_member(request, "UserPoolId")?;
            let provider = string_member(request, "ProviderName")?;
            let provider_user = string_member(request, "ProviderUserId")?;
            let client_id = string_member(request, "ClientId")?.map(str::to_string);
            let attributes = name_value_list(request, "UserAttributes")?.unwrap_or_default();
            let mut v = Validator::new();
            v.required_string("userPoolId", pool_id, USER_POOL_ID_RULE);
            v.required_string("providerName", provider, StringRule::len(1, 32));
            v.required_string("providerUserId", provider_user, StringRule::len(1, 128));
            v.finish()?;
            let pool = self.require_pool(pool_id.unwrap_or_default())?;
            if let Some(id) = &client_id {
                if lock(&pool).client(id).is_none() {
                    return Err(CognitoError::new(
                        crate::model::cognito_error::ErrorCode::ResourceNotFoundException,
                        format!("User pool client {id} does not exist."),
                    ));
                }
            }
            let username = format!(
                "{}_{}",
                provider.unwrap_or_default(),
                provider_user.unwrap_or_default()
            );
            Ok((
                pool,
                username,
                provider.unwrap_or_default().to_string(),
                provider_user.unwrap_or_default().to_string(),
                client_id,
                attributes,
            ))
        })();
        let (pool, username, provider, provider_user, client_id, attributes) = match parsed {
            Ok(p) => p,
            Err(e) => return Outcome::new(ACTION, Err(e)),
        };
        let caller = client_id.as_deref().map_or(Caller::Admin, Caller::Client);
        let planned = {
            let guard = lock(&pool);
            if let Some(existing) = guard.find_user(&username) {
                outcome.result = Ok(
                    json!({"Username": existing.username, "UserSub": existing.sub, "FirstSignIn": false}),
                );
                return outcome;
            }
            let mut user = User::new(&username);
            for (name, value) in &attributes {
                if let Some(v) = value.as_str().filter(|v| !v.is_empty()) {
                    user.attributes.insert(name.clone(), v.to_string());
                }
            }
            let source = TriggerSource::PRE_SIGN_UP_EXTERNAL_PROVIDER;
            let arn = guard.config.pre_sign_up_arn().map(str::to_string);
            let event = arn.as_ref().map(|_| {
                crate::trigger::pre_sign_up::event(
                    &guard,
                    source,
                    &username,
                    caller,
                    supplied(&user),
                    None,
                    None,
                )
            });
            (user, arn, event)
        };
        let (mut user, arn, event) = planned;
        let flags = match self
            .run_pre_sign_up(
                &pool,
                TriggerSource::PRE_SIGN_UP_EXTERNAL_PROVIDER,
                arn,
                event,
                &supplied(&user),
            )
            .await
        {
            Ok((run, flags)) => {
                outcome.triggers.extend(run);
                flags
            }
            Err(run) => {
                fail_with(&mut outcome, *run);
                return outcome;
            }
        };
        if flags.auto_verify_email {
            user.attributes
                .insert("email_verified".into(), "true".into());
        }
        if flags.auto_verify_phone {
            user.attributes
                .insert("phone_number_verified".into(), "true".into());
        }
        user.status = UserStatus::ExternalProvider;
        // The attribute is a JSON string whose `primary` is a boolean and `dateCreated` epoch
        // milliseconds as a number (§1.3: AdminGetUser outputs and PreTokenGeneration events in
        // public threads).
        let identities = json!([{
            "userId": provider_user, "providerName": provider, "providerType": provider_type(&provider),
            "issuer": null, "primary": true, "dateCreated": self.now() * 1000,
        }]);
        user.attributes
            .insert("identities".into(), identities.to_string());
        let stored_name = user.username.clone();
        let first = {
            let mut guard = lock(&pool);
            // Ruling C-4: a concurrent first sign-in of the same provider user that committed
            // while this one's PreSignUp ran made the user; this call signs in as them.
            let committed = match guard.find_user(&user.username) {
                Some(existing) => Ok(json!({"Username": existing.username,
                    "UserSub": existing.sub, "FirstSignIn": false})),
                None => self
                    .ensure_still_registered(&pool, &guard)
                    .and_then(|()| claim_verified_aliases(&mut guard, &user, false))
                    .map(|()| {
                        json!({"Username": user.username, "UserSub": user.sub, "FirstSignIn": true})
                    }),
            };
            let first = committed.as_ref().is_ok_and(|r| r["FirstSignIn"] == true);
            if first {
                guard.put_user(user);
            }
            outcome.result = committed;
            first
        };
        // The first federated sign-in confirms the user: PostConfirmation_ConfirmSignUp, with no
        // ClientMetadata since no API request carries one (§AT.1).
        if first {
            self.post_confirmation(
                &mut outcome,
                &pool,
                TriggerSource::POST_CONFIRMATION_CONFIRM_SIGN_UP,
                &stored_name,
                caller,
                None,
            )
            .await;
        }
        outcome
    }

    /// `SendAuthenticationCode {UserPoolId, Username, ClientId?, DeliveryMedium?}`: Cognito sends a
    /// sign-in (MFA/OTP) code, firing CustomMessage_Authentication. ClientMetadata is never
    /// forwarded for this source (§2.1), so it is ignored here.
    pub async fn send_authentication_code(&self, request: &Value) -> Outcome {
        const ACTION: &str = "SendAuthenticationCode";
        let planned = (|| {
            let client_id = string_member(request, "ClientId")?;
            let medium = string_member(request, "DeliveryMedium")?.unwrap_or("SMS");
            let req = self.admin_user_request(request, |v| {
                v.enum_value("deliveryMedium", medium, &["SMS", "EMAIL"]);
                Ok(())
            })?;
            let medium = if medium == "EMAIL" {
                DeliveryMedium::Email
            } else {
                DeliveryMedium::Sms
            };
            let guard = lock(&req.pool);
            let user = guard.find_user(&req.username).ok_or_else(user_not_found)?;
            let caller = client_id.map_or(Caller::Admin, Caller::Client);
            let source = TriggerSource::CUSTOM_MESSAGE_AUTHENTICATION;
            let message = plan_message(&guard, source, medium, user, new_code(), caller, None)
                .ok_or_else(|| {
                    CognitoError::invalid_parameter(format!(
                        "The user has no {} to send a code to.",
                        medium.attribute()
                    ))
                })?;
            drop(guard);
            Ok((req.pool, message))
        })();
        self.send_code(ACTION, planned, |_| {}).await
    }
}

fn provider_type(provider: &str) -> &'static str {
    match provider {
        "Google" => "Google",
        "Facebook" => "Facebook",
        "LoginWithAmazon" => "LoginWithAmazon",
        "SignInWithApple" => "SignInWithApple",
        _ => "OIDC",
    }
}
