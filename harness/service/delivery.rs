//! Sending messages Cognito's way: planning a message under the pool's lock, running the
//! CustomMessage trigger without it, judging the answer, and committing the call's changes with
//! the delivered messages only when every trigger was accepted (ruling 11). When the pool has a
//! custom sender for the channel, the sender gets the code (encrypted) instead and composes the
//! message itself; CustomMessage does not run (§CS.1, ruling CS-1).

use serde_json::{Map, Value};

use super::codes::{code_purpose, new_code, remember_code};
use super::requests::UserRequest;
use super::triggers::{fail_with, Attempt};
use super::{lock, user_not_found, Cognito, Outcome, PoolHandle, TriggerRun};
use crate::model::cognito_error::CognitoError;
use crate::model::sender_code::encrypt_sender_code;
use crate::pool::{DeliveryMedium, Message, User, UserPool};
use crate::trigger::shared::CLIENT_ID_NOT_APPLICABLE;
use crate::trigger::{
    custom_message, custom_sender, judge, Caller, Composed, Context, TriggerSource,
};

/// What the outbox shows as the body of a message a custom sender delivers: its text is the
/// function's business (§CS.5).
pub(crate) const SENDER_BODY: &str = "(composed and delivered by the custom sender function: Cognito handed it the code, encrypted, and sent nothing itself)";

/// A message Cognito is about to send, planned under the pool's lock.
#[derive(Clone, Debug)]
pub(crate) struct PlannedMessage {
    /// The CustomMessage source of the message (it decides the code's purpose and lifetime).
    pub source: TriggerSource,
    pub medium: DeliveryMedium,
    pub username: String,
    pub destination: String,
    pub code: String,
    /// The ARN and the event of the trigger that runs: the custom sender's when the pool has one
    /// for the channel, else CustomMessage's when the pool has that.
    pub arn: Option<String>,
    pub event: Option<Value>,
    /// Where a `{##…##}` link points, for link-style verification.
    pub link: Option<String>,
    /// The custom sender's source, when a custom sender delivers the message.
    pub sender: Option<TriggerSource>,
}

impl PlannedMessage {
    /// Judges what the trigger did (or Cognito's template when there is none) and composes the
    /// message the user receives, if Cognito sends one.
    pub fn judge(self, pool: &UserPool, attempt: Attempt) -> (TriggerRun, Option<Message>) {
        if let Some(sender) = self.sender {
            return self.judge_sender(sender, pool, attempt);
        }
        let ctx = Context::new(self.source, &pool.config).medium(self.medium);
        let (verdict, composed) = judge(attempt.ran(), &ctx).into_parts::<Composed>();
        let invocation = attempt.into_invocation();
        let message = composed.filter(|_| verdict.is_accepted()).map(|composed| {
            let (subject, body) = composed.substitute(
                self.source,
                &self.code,
                &self.username,
                self.link.as_deref(),
            );
            Message {
                username: self.username.clone(),
                medium: self.medium,
                destination: self.destination.clone(),
                trigger_source: self.source.name().to_string(),
                subject,
                body,
                code: Some(self.code.clone()),
            }
        });
        let run = TriggerRun {
            trigger_source: self.source,
            arn: self.arn,
            event: self.event,
            invocation,
            verdict,
        };
        (run, message)
    }

    /// The message as Cognito sends it when the pool has a custom sender for its channel: the
    /// sender's event, with the code encrypted, replaces CustomMessage's (ruling CS-1). `user` is
    /// shown as it will be stored.
    pub fn routed(
        mut self,
        pool: &UserPool,
        user: &User,
        caller: Caller<'_>,
        client_metadata: Option<&Map<String, Value>>,
    ) -> Self {
        let Some((sender, arn)) = custom_sender::sender_for(&pool.config, self.medium, self.source)
        else {
            return self;
        };
        let encrypted = encrypt_sender_code(custom_sender::kms_key_id(pool), &self.code);
        self.event = Some(custom_sender::event(
            pool,
            sender,
            user,
            caller,
            client_metadata,
            Some(encrypted),
        ));
        self.arn = Some(arn.to_string());
        self.link = None;
        self.sender = Some(sender);
        self
    }

    /// A custom sender's run: never a rejection (§CS.3); the outbox records the plaintext code, and
    /// the text is the function's.
    fn judge_sender(
        self,
        sender: TriggerSource,
        pool: &UserPool,
        attempt: Attempt,
    ) -> (TriggerRun, Option<Message>) {
        let ctx = Context::new(sender, &pool.config).medium(self.medium);
        let mut verdict = judge(attempt.ran(), &ctx).verdict;
        verdict
            .warnings
            .extend(custom_sender::missing_key_warning(pool, sender));
        let message = verdict.is_accepted().then(|| Message {
            username: self.username.clone(),
            medium: self.medium,
            destination: self.destination.clone(),
            trigger_source: sender.name().to_string(),
            subject: None,
            body: SENDER_BODY.to_string(),
            code: Some(self.code.clone()),
        });
        let run = TriggerRun {
            trigger_source: sender,
            arn: self.arn,
            event: self.event,
            invocation: attempt.into_invocation(),
            verdict,
        };
        (run, message)
    }
}

/// Plans one CustomMessage: the event shows `user` as it will be stored.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan_message(
    pool: &UserPool,
    source: TriggerSource,
    medium: DeliveryMedium,
    user: &User,
    code: String,
    caller: Caller<'_>,
    client_metadata: Option<&Map<String, Value>>,
) -> Option<PlannedMessage> {
    let destination = user.attribute(medium.attribute())?.to_string();
    let arn = pool.config.custom_message_arn().map(str::to_string);
    let link = custom_message::uses_link(&pool.config, source)
        .then(|| confirmation_link(pool, user, caller, &code));
    let planned = PlannedMessage {
        source,
        medium,
        username: user.username.clone(),
        destination,
        event: arn
            .as_ref()
            .map(|_| custom_message::event(pool, source, user, caller, client_metadata)),
        arn,
        code,
        link,
        sender: None,
    };
    Some(planned.routed(pool, user, caller, client_metadata))
}

/// Plans a code message for `source` to the user `req` names, on the channel `channel` picks
/// (`no_channel` answers when there is none); `check` may refuse the user first.
pub(crate) fn plan_code_for(
    req: UserRequest,
    source: TriggerSource,
    check: impl FnOnce(&User) -> Result<(), CognitoError>,
    channel: fn(&UserPool, &User) -> Option<DeliveryMedium>,
    no_channel: fn() -> CognitoError,
) -> Result<(PoolHandle, PlannedMessage), CognitoError> {
    let message = {
        let guard = lock(&req.pool);
        let user = guard
            .find_user(&req.username)
            .ok_or_else(|| req.user_not_found())?;
        check(user)?;
        let medium = channel(&guard, user).ok_or_else(no_channel)?;
        plan_message(
            &guard,
            source,
            medium,
            user,
            new_code(),
            req.caller(),
            req.metadata.as_ref(),
        )
        .ok_or_else(no_channel)?
    };
    Ok((req.pool, message))
}

/// The link a `{##…##}` marker becomes for link-style confirmation (the managed-login
/// `confirmUser` endpoint; the domain is a placeholder).
fn confirmation_link(pool: &UserPool, user: &User, caller: Caller<'_>, code: &str) -> String {
    let client_id = match caller {
        Caller::Client(id) => id,
        Caller::Admin => CLIENT_ID_NOT_APPLICABLE,
    };
    format!(
        "https://example.auth.{}.amazoncognito.com/confirmUser?client_id={client_id}&user_name={}&confirmation_code={code}",
        pool.region, user.username
    )
}

/// The channel a confirmation code goes out on: the verified-on-sign-up attributes the pool lists
/// (AutoVerifiedAttributes), phone first when both are listed and present (assumed).
pub(crate) fn verification_channel(pool: &UserPool, user: &User) -> Option<DeliveryMedium> {
    [DeliveryMedium::Sms, DeliveryMedium::Email]
        .into_iter()
        .find(|m| {
            pool.config.auto_verifies(m.attribute())
                && user.attribute(m.attribute()).is_some_and(|v| !v.is_empty())
        })
}

/// The channel a password-reset code goes out on: a verified e-mail or phone number, in the
/// order of AccountRecoverySetting (default: e-mail, then phone).
pub(crate) fn recovery_channel(pool: &UserPool, user: &User) -> Option<DeliveryMedium> {
    let mechanisms: Vec<String> = pool
        .config
        .account_recovery_setting
        .as_ref()
        .and_then(|s| s.recovery_mechanisms.clone())
        .map(|mut list| {
            list.sort_by_key(|m| m.priority.unwrap_or(i64::MAX));
            list.into_iter().filter_map(|m| m.name).collect()
        })
        .unwrap_or_else(|| vec!["verified_email".into(), "verified_phone_number".into()]);
    mechanisms.iter().find_map(|m| {
        let medium = match m.as_str() {
            "verified_email" => DeliveryMedium::Email,
            "verified_phone_number" => DeliveryMedium::Sms,
            _ => return None,
        };
        user.is_verified(medium.attribute()).then_some(medium)
    })
}

/// The `{"Destination", "DeliveryMedium", "AttributeName"}` of the first delivered message.
pub(crate) fn first_delivery(delivered: &[Message]) -> Option<Value> {
    delivered.first().map(code_delivery_details)
}

/// A masked destination (ruling 16): `a***@e***` for e-mail, `+*******1234` for phone numbers.
pub fn mask_destination(medium: DeliveryMedium, destination: &str) -> String {
    match medium {
        DeliveryMedium::Email => {
            let (local, domain) = destination.split_once('@').unwrap_or((destination, ""));
            let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
            format!("{}***@{}***", first(local), first(domain))
        }
        DeliveryMedium::Sms => {
            let chars: Vec<char> = destination.chars().filter(|c| *c != '+').collect();
            let keep = chars.len().min(4);
            let tail: String = chars[chars.len() - keep..].iter().collect();
            format!("+{}{}", "*".repeat(chars.len() - keep), tail)
        }
    }
}

/// `{"Destination", "DeliveryMedium", "AttributeName"}` for a sent message.
pub(crate) fn code_delivery_details(message: &Message) -> Value {
    let mut details = Map::new();
    details.insert(
        "Destination".into(),
        mask_destination(message.medium, &message.destination).into(),
    );
    details.insert("DeliveryMedium".into(), message.medium.as_str().into());
    details.insert("AttributeName".into(), message.medium.attribute().into());
    Value::Object(details)
}

impl Cognito {
    /// Runs the CustomMessage triggers of `messages`, judges them, and when all are accepted calls
    /// `commit` under the pool's lock and delivers the messages. Any rejection fails the call and
    /// changes nothing (ruling 11).
    pub(crate) async fn send_and_commit(
        &self,
        outcome: &mut Outcome,
        pool: &PoolHandle,
        messages: Vec<PlannedMessage>,
        commit: impl FnOnce(&mut UserPool, &[Message]) -> Result<Value, CognitoError>,
    ) {
        // Each message's trigger runs without the lock and is judged before the next one runs:
        // the first rejection ends the call.
        let (runs_before, warnings_before) = (outcome.triggers.len(), outcome.warnings.len());
        let mut delivered = Vec::with_capacity(messages.len());
        // What a second judgement needs besides the run itself (the event and what the function
        // did are moved into the run, not copied).
        let mut judged = Vec::with_capacity(messages.len());
        let mut judged_under = None;
        for mut message in messages {
            let attempt = self
                .attempt(message.arn.as_deref(), message.event.as_ref())
                .await;
            let guard = lock(pool);
            let version = guard.config_version();
            if *judged_under.get_or_insert(version) != version {
                judged_under = Some(u64::MAX); // judged under two configurations: judge again
            }
            let event = message.event.take();
            let rest = message.clone();
            message.event = event;
            let (run, sent) = message.judge(&guard, attempt);
            drop(guard);
            judged.push(rest);
            let failed = fail_with(outcome, run);
            delivered.extend(sent);
            if failed {
                return;
            }
        }
        let mut guard = lock(pool);
        if let Err(e) = self.ensure_still_registered(pool, &guard) {
            outcome.result = Err(e);
            return;
        }
        // Ruling C-3: an UpdateUserPool that landed while the triggers ran is the configuration
        // Cognito sends with, so the answers are judged again against it.
        if judged_under.is_some_and(|v| v != guard.config_version()) {
            let runs: Vec<TriggerRun> = outcome.triggers.drain(runs_before..).collect();
            outcome.warnings.truncate(warnings_before);
            delivered.clear();
            for (mut message, run) in judged.into_iter().zip(runs) {
                let (attempt, event) = Attempt::from_run(run);
                message.event = event;
                let (run, sent) = message.judge(&guard, attempt);
                let failed = fail_with(outcome, run);
                delivered.extend(sent);
                if failed {
                    return;
                }
            }
        }
        match commit(&mut guard, &delivered) {
            Ok(response) => {
                for message in &delivered {
                    guard.deliver(message.clone());
                }
                outcome.result = Ok(response);
                outcome.delivered = delivered;
            }
            Err(e) => outcome.result = Err(e),
        }
    }

    /// Sends one planned code message and, when Cognito accepts it, remembers the code (for the
    /// purpose and lifetime its source implies) and answers `{"CodeDeliveryDetails": ...}`;
    /// `update` may change the user in the same commit. A planning error is the call's answer.
    pub(crate) async fn send_code(
        &self,
        action: &str,
        planned: Result<(PoolHandle, PlannedMessage), CognitoError>,
        update: impl FnOnce(&mut User),
    ) -> Outcome {
        let (pool, message) = match planned {
            Ok(p) => p,
            Err(e) => return Outcome::new(action, Err(e)),
        };
        let (purpose, lifetime) = code_purpose(message.source, message.medium);
        let pool = &pool;
        let mut outcome = Outcome::new(action, Ok(Value::Object(Map::new())));
        let username = message.username.clone();
        let now = self.now();
        self.send_and_commit(&mut outcome, pool, vec![message], |pool, delivered| {
            let mut user = pool.find_user_mut(&username).ok_or_else(user_not_found)?;
            if let Some(code) = delivered.first().and_then(|m| m.code.as_deref()) {
                remember_code(&mut user, purpose, code, now, lifetime);
            }
            update(&mut user);
            Ok(serde_json::json!({ "CodeDeliveryDetails": first_delivery(delivered) }))
        })
        .await;
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_masked_per_ruling_16() {
        assert_eq!(
            mask_destination(DeliveryMedium::Email, "alice@example.com"),
            "a***@e***"
        );
        assert_eq!(
            mask_destination(DeliveryMedium::Sms, "+12065551234"),
            "+*******1234"
        );
    }
}
