//! References in step requests: a whole string value `$pool`, `$client`, `$client.<name>`,
//! `$token.<username>` (an access token, through the first client), `$refresh.<username>` (a
//! refresh token, through the client the request's `ClientId` names, else the first),
//! `$code.<username>`, `$totp.<username>` (the user's authenticator-app code now) or `$session`
//! (the `Session` of the last successful step's response, to answer a challenge) is replaced by
//! that value when the step runs. `$$` at the start stands for a literal `$`.

use serde_json::Value;

use crate::pool::UserPool;

/// What the reference forms mean, for error messages.
pub const FORMS: &str =
    "$pool, $client, $client.<name>, $token.<username>, $refresh.<username>, $code.<username>, $totp.<username> or $session ($$ for a literal $)";

/// A parsed reference.
#[derive(Debug, PartialEq, Eq)]
pub enum Ref<'a> {
    Pool,
    Client(Option<&'a str>),
    Token(&'a str),
    /// A refresh token for the user, through the first client.
    Refresh(&'a str),
    Code(&'a str),
    /// The TOTP code of the user's software token now.
    Totp(&'a str),
    /// The last successful step's `Session`.
    Session,
    /// `$$...`: the string without its first `$`.
    Literal(&'a str),
}

/// Parses `s` when it is a reference; `Ok(None)` for ordinary strings.
pub fn parse(s: &str) -> Result<Option<Ref<'_>>, String> {
    let Some(rest) = s.strip_prefix('$') else {
        return Ok(None);
    };
    let named = |prefix: &str| rest.strip_prefix(prefix).filter(|n| !n.is_empty());
    Ok(Some(if rest.starts_with('$') {
        Ref::Literal(rest)
    } else if rest == "pool" {
        Ref::Pool
    } else if rest == "session" {
        Ref::Session
    } else if rest == "client" {
        Ref::Client(None)
    } else if let Some(name) = named("client.") {
        Ref::Client(Some(name))
    } else if let Some(user) = named("token.") {
        Ref::Token(user)
    } else if let Some(user) = named("refresh.") {
        Ref::Refresh(user)
    } else if let Some(user) = named("code.") {
        Ref::Code(user)
    } else if let Some(user) = named("totp.") {
        Ref::Totp(user)
    } else {
        return Err(format!("expected a reference ({FORMS}), not `{s}`"));
    }))
}

/// Checks every reference in a request before anything runs. `Err((json_path, message))`.
pub fn check_syntax(v: &Value, path: &str) -> Result<(), (String, String)> {
    match v {
        Value::String(s) => parse(s).map(|_| ()).map_err(|m| (path.to_string(), m)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_syntax(item, &format!("{path}[{i}]"))),
        Value::Object(map) => map
            .iter()
            .try_for_each(|(k, item)| check_syntax(item, &format!("{path}.{k}"))),
        _ => Ok(()),
    }
}

/// Replaces references in `v` using the pool's current state. `Err((json_path, message))` for a
/// reference that names something that does not exist (yet).
pub fn resolve(
    v: &mut Value,
    path: &str,
    pool: &mut UserPool,
    clients: &[String],
    session: Option<&str>,
) -> Result<(), (String, String)> {
    let context = Context {
        clients,
        session,
        request_client: request_client(v, pool, clients),
    };
    resolve_in(v, path, pool, &context)
}

/// What references resolve against besides the pool.
struct Context<'a> {
    clients: &'a [String],
    session: Option<&'a str>,
    /// The app client the request names (`ClientId`): a refresh token must be one it was given.
    request_client: Option<String>,
}

fn resolve_in(
    v: &mut Value,
    path: &str,
    pool: &mut UserPool,
    context: &Context<'_>,
) -> Result<(), (String, String)> {
    match v {
        Value::String(s) => {
            let Some(reference) = parse(s).map_err(|m| (path.to_string(), m))? else {
                return Ok(());
            };
            let resolved =
                resolve_one(&reference, pool, context).map_err(|m| (path.to_string(), m))?;
            *s = resolved;
            Ok(())
        }
        Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .try_for_each(|(i, item)| resolve_in(item, &format!("{path}[{i}]"), pool, context)),
        Value::Object(map) => map
            .iter_mut()
            .try_for_each(|(k, item)| resolve_in(item, &format!("{path}.{k}"), pool, context)),
        _ => Ok(()),
    }
}

/// The id of the app client a request's `ClientId` names (a reference or an id of the pool).
fn request_client(request: &Value, pool: &UserPool, clients: &[String]) -> Option<String> {
    let named = request.get("ClientId")?.as_str()?;
    match parse(named) {
        Ok(Some(Ref::Client(name))) => {
            let name = name.or(clients.first().map(String::as_str))?;
            find_client(pool, name)
        }
        Ok(None) => pool.client(named).map(|c| c.client_id.clone()),
        _ => None,
    }
}

fn find_client(pool: &UserPool, name: &str) -> Option<String> {
    pool.clients()
        .find(|c| c.client_name == name)
        .map(|c| c.client_id.clone())
}

fn resolve_one(
    reference: &Ref<'_>,
    pool: &mut UserPool,
    context: &Context<'_>,
) -> Result<String, String> {
    let clients = context.clients;
    let client_id = |pool: &UserPool, name: &str| {
        find_client(pool, name).ok_or_else(|| {
            format!(
                "expected the name of an app client listed in `clients` ({}), not `{name}`",
                clients.join(", ")
            )
        })
    };
    let first_client = clients
        .first()
        .map(String::as_str)
        .unwrap_or(super::DEFAULT_CLIENT);
    match *reference {
        Ref::Literal(s) => Ok(s.to_string()),
        Ref::Pool => Ok(pool.id.clone()),
        Ref::Session => context.session.map(str::to_string).ok_or_else(|| {
            "expected an earlier step whose response has a `Session` (a challenge); the previous step's has none".to_string()
        }),
        Ref::Client(name) => client_id(pool, name.unwrap_or(first_client)),
        Ref::Token(user) => {
            let client = client_id(pool, first_client)?;
            crate::service::issue_access_token(pool, user, &client)
                .ok_or_else(|| format!("expected a user of the pool, not `{user}`"))
        }
        Ref::Refresh(user) => {
            // Through the client the request names: a refresh token works only there.
            let client = match &context.request_client {
                Some(id) => id.clone(),
                None => client_id(pool, first_client)?,
            };
            crate::service::issue_refresh_token(pool, user, &client)
                .ok_or_else(|| format!("expected a user of the pool, not `{user}`"))
        }
        Ref::Totp(user) => {
            let found = pool
                .find_user(user)
                .ok_or_else(|| format!("expected a user of the pool, not `{user}`"))?;
            // The secret waiting for VerifySoftwareToken, else the verified one. Real time: the
            // code is checked within the same 30-second step or the next (ruling MFA-3).
            let mfa = &found.mfa;
            let secret = mfa
                .pending_software_token
                .as_ref()
                .or(mfa.software_token.as_ref())
                .ok_or_else(|| {
                    format!("expected `{user}` to have a software token (AssociateSoftwareToken in an earlier step); they have none")
                })?;
            let now = crate::pool::now_seconds() as u64;
            crate::model::totp::code_at(secret, now)
                .ok_or_else(|| format!("the software token of `{user}` is not a base32 secret"))
        }
        Ref::Code(user) => match pool.last_message_to(user) {
            Some(message) => message
                .code
                .clone()
                .ok_or_else(|| format!("the last message to `{user}` carries no code")),
            None if pool.find_user(user).is_none() => {
                Err(format!("expected a user of the pool, not `{user}`"))
            }
            None => Err(format!(
                "expected a message delivered to `{user}` by an earlier step; none was"
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_forms_parse() {
        assert_eq!(parse("$pool"), Ok(Some(Ref::Pool)));
        assert_eq!(parse("$client"), Ok(Some(Ref::Client(None))));
        assert_eq!(parse("$client.web"), Ok(Some(Ref::Client(Some("web")))));
        assert_eq!(parse("$token.alice"), Ok(Some(Ref::Token("alice"))));
        assert_eq!(parse("$code.alice"), Ok(Some(Ref::Code("alice"))));
        assert_eq!(parse("$refresh.alice"), Ok(Some(Ref::Refresh("alice"))));
        assert_eq!(parse("$session"), Ok(Some(Ref::Session)));
        assert_eq!(parse("$totp.alice"), Ok(Some(Ref::Totp("alice"))));
        assert_eq!(parse("$$5"), Ok(Some(Ref::Literal("$5"))));
        assert_eq!(parse("plain"), Ok(None));
        assert_eq!(
            parse("$code."),
            Err(format!("expected a reference ({FORMS}), not `$code.`"))
        );
    }
}
