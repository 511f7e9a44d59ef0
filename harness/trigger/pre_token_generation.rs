//! The PreTokenGeneration trigger (cognito-semantics.md §PTG): its five sources, the event of each
//! event version (`V1_0`, `V2_0`, `V3_0`), and the rules for its answer, whose effect is the
//! [`TokenOverrides`] the service applies to the tokens it issues.

use serde_json::{Map, Value};

use super::judgement::{Context, Judgement};
use super::rules::rule;
use super::samples::{sample_pool, SAMPLE_CLIENT_ID};
use super::shared::{
    self, envelope, json_type, response_object, stored_attributes, unrecognizable,
};
use super::{Caller, Kind, Trigger, TriggerSource, Verdict};
use crate::function::Payload;
use crate::model::tokens::SIGN_IN_SCOPE;
use crate::pool::{PoolConfig, User, UserPool};

impl Trigger {
    /// PreTokenGeneration: the function customises the claims of the tokens Cognito issues.
    pub const PRE_TOKEN_GENERATION: Trigger = Trigger::new("PreTokenGeneration");
}

impl TriggerSource {
    /// A sign-in through the hosted UI (managed login).
    pub const TOKEN_GENERATION_HOSTED_AUTH: TriggerSource =
        TriggerSource::new(Trigger::PRE_TOKEN_GENERATION, "TokenGeneration_HostedAuth");
    /// The end of a user authentication flow (a password sign-in).
    pub const TOKEN_GENERATION_AUTHENTICATION: TriggerSource = TriggerSource::new(
        Trigger::PRE_TOKEN_GENERATION,
        "TokenGeneration_Authentication",
    );
    /// A user created by an admin chose a password (NEW_PASSWORD_REQUIRED).
    pub const TOKEN_GENERATION_NEW_PASSWORD_CHALLENGE: TriggerSource = TriggerSource::new(
        Trigger::PRE_TOKEN_GENERATION,
        "TokenGeneration_NewPasswordChallenge",
    );
    /// The end of a device authentication.
    pub const TOKEN_GENERATION_AUTHENTICATE_DEVICE: TriggerSource = TriggerSource::new(
        Trigger::PRE_TOKEN_GENERATION,
        "TokenGeneration_AuthenticateDevice",
    );
    /// A refresh of the ID and access tokens.
    pub const TOKEN_GENERATION_REFRESH_TOKENS: TriggerSource = TriggerSource::new(
        Trigger::PRE_TOKEN_GENERATION,
        "TokenGeneration_RefreshTokens",
    );
}

/// The registry entry of the PreTokenGeneration trigger.
pub(crate) static KIND: Kind = Kind {
    trigger: Trigger::PRE_TOKEN_GENERATION,
    sources: &[
        TriggerSource::TOKEN_GENERATION_HOSTED_AUTH,
        TriggerSource::TOKEN_GENERATION_AUTHENTICATION,
        TriggerSource::TOKEN_GENERATION_NEW_PASSWORD_CHALLENGE,
        TriggerSource::TOKEN_GENERATION_AUTHENTICATE_DEVICE,
        TriggerSource::TOKEN_GENERATION_REFRESH_TOKENS,
    ],
    rules: &[&ACCEPTED, &RESERVED_IGNORED],
    function_error: &shared::FUNCTION_ERROR,
    arn: PoolConfig::pre_token_generation_arn,
    judge_output,
    without_function,
    sample,
    forwards_client_metadata,
};

rule!(ACCEPTED, "pre-token-generation.accepted", Documented, "§PTG.3",
    "the tokens are issued with the claims added, overridden and suppressed (suppression wins), the groups and scopes the answer sets");
rule!(RESERVED_IGNORED, "pre-token-generation.reserved-claim-ignored", Assumed, "§PTG.4",
    "a claim the function may not add, override or suppress keeps Cognito's value: the change is ignored, the tokens are issued");

/// Claims no function may add, override or suppress in either token (DG-PTG's list).
pub(crate) const RESERVED: [&str; 17] = [
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "cognito:username",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
];
/// Claims only `groupOverrideDetails` sets.
const GROUP_CLAIMS: [&str; 3] = ["cognito:groups", "cognito:roles", "cognito:preferred_role"];
/// Access-token claims Cognito writes itself besides [`RESERVED`] (assumed: `scope` changes go
/// through scopesToAdd/scopesToSuppress).
const RESERVED_ACCESS: [&str; 6] = [
    "client_id",
    "username",
    "scope",
    "event_id",
    "device_key",
    "version",
];
/// ID-token claims that take no JSON object or array (DG-PTG).
const SCALAR_ONLY_ID: [&str; 4] = [
    "email_verified",
    "phone_number_verified",
    "updated_at",
    "address",
];

/// The event version a pool asks for (`LambdaVersion`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum EventVersion {
    /// `V1_0`: ID-token claims and groups.
    V1,
    /// `V2_0`: ID and access tokens, scopes.
    V2,
    /// `V3_0`: as V2, also for machine-to-machine tokens.
    V3,
}

impl EventVersion {
    /// The version the pool's LambdaConfig asks for.
    pub fn of(config: &PoolConfig) -> Self {
        match config.pre_token_generation_version() {
            "V2_0" => EventVersion::V2,
            "V3_0" => EventVersion::V3,
            _ => EventVersion::V1,
        }
    }

    /// The event's `version` member.
    fn wire(self) -> &'static str {
        match self {
            EventVersion::V1 => "1",
            EventVersion::V2 => "2",
            EventVersion::V3 => "3",
        }
    }
}

/// What a PreTokenGeneration answer asks of one token.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClaimChanges {
    /// `claimsToAddOrOverride`, without the claims the function may not touch.
    pub add_or_override: Map<String, Value>,
    /// `claimsToSuppress`, likewise.
    pub suppress: Vec<String>,
}

/// The groups an answer sets (`groupOverrideDetails`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupOverride {
    /// `groupsToOverride`: the `cognito:groups` claim of both tokens (none when empty).
    pub groups: Vec<String>,
    /// `iamRolesToOverride`: the ID token's `cognito:roles` (none when empty).
    pub iam_roles: Vec<String>,
    /// `preferredRole`: the ID token's `cognito:preferred_role`.
    pub preferred_role: Option<String>,
}

/// What a PreTokenGeneration answer asks Cognito to change in the tokens it issues.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TokenOverrides {
    /// Changes to the ID token.
    pub id: ClaimChanges,
    /// Changes to the access token (V2_0 and V3_0 only).
    pub access: ClaimChanges,
    /// `scopesToAdd` (V2_0 and V3_0).
    pub scopes_to_add: Vec<String>,
    /// `scopesToSuppress` (V2_0 and V3_0).
    pub scopes_to_suppress: Vec<String>,
    /// `groupOverrideDetails`, when the answer has one.
    pub groups: Option<GroupOverride>,
    /// Claims the answer tried to touch and Cognito ignores (`id:sub`, `access:client_id`).
    pub ignored: Vec<String>,
}

impl TokenOverrides {
    /// Applies the changes to the claims of an ID and an access token: additions and overrides
    /// first (an existing claim keeps its place), then suppressions (a claim both added and
    /// suppressed is suppressed, DG-PTG), then groups and scopes.
    pub(crate) fn apply(&self, id: &mut Map<String, Value>, access: &mut Map<String, Value>) {
        for (claims, changes) in [(&mut *id, &self.id), (&mut *access, &self.access)] {
            for (name, value) in &changes.add_or_override {
                claims.insert(name.clone(), value.clone());
            }
            for name in &changes.suppress {
                claims.shift_remove(name);
            }
        }
        if let Some(groups) = &self.groups {
            for claims in [&mut *id, &mut *access] {
                set_after_sub(claims, "cognito:groups", list(&groups.groups));
            }
            id.shift_remove("cognito:roles");
            id.shift_remove("cognito:preferred_role");
            if let Some(roles) = list(&groups.iam_roles) {
                id.insert("cognito:roles".into(), roles);
            }
            if let Some(role) = &groups.preferred_role {
                id.insert("cognito:preferred_role".into(), Value::from(role.as_str()));
            }
        }
        if !self.scopes_to_add.is_empty() || !self.scopes_to_suppress.is_empty() {
            let mut scopes: Vec<String> = access
                .get("scope")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect();
            for scope in &self.scopes_to_add {
                if !scopes.contains(scope) {
                    scopes.push(scope.clone());
                }
            }
            scopes.retain(|s| !self.scopes_to_suppress.contains(s));
            if scopes.is_empty() {
                access.shift_remove("scope");
            } else {
                access.insert("scope".into(), Value::from(scopes.join(" ")));
            }
        }
    }
}

/// A non-empty list as a JSON array.
fn list(items: &[String]) -> Option<Value> {
    (!items.is_empty()).then(|| Value::from(items.to_vec()))
}

/// Sets (or, with None, removes) a claim placed right after `sub`, as Cognito places
/// `cognito:groups`.
pub(crate) fn set_after_sub(claims: &mut Map<String, Value>, name: &str, value: Option<Value>) {
    claims.shift_remove(name);
    if let Some(value) = value {
        let at = claims.keys().position(|k| k == "sub").map_or(0, |i| i + 1);
        claims.shift_insert(at, name.to_string(), value);
    }
}

/// Without a PreTokenGeneration trigger the tokens are issued unchanged.
fn without_function(ctx: &Context<'_>) -> Judgement {
    Judgement::with_effect(
        Verdict::accepted(ctx.source, &ACCEPTED),
        TokenOverrides::default(),
    )
}

/// Judges a PreTokenGeneration answer; the effect is the [`TokenOverrides`] to apply.
fn judge_output(ctx: &Context<'_>, payload: &Payload) -> Judgement {
    let version = EventVersion::of(ctx.config);
    let response = match response_object(ctx.source, payload) {
        Ok(r) => r,
        Err(verdict) => return Judgement::verdict(verdict),
    };
    match read_overrides(version, &response) {
        Ok(overrides) => {
            let mut verdict = if overrides.ignored.is_empty() {
                Verdict::accepted(ctx.source, &ACCEPTED)
            } else {
                let mut verdict = Verdict::accepted(ctx.source, &RESERVED_IGNORED);
                verdict.warnings.push(format!(
                    "PreTokenGeneration: Cognito ignores changes to claims a function may not touch: {}",
                    overrides.ignored.join(", ")
                ));
                verdict
            };
            verdict.detail = Some(summary(&overrides));
            Judgement::with_effect(verdict, overrides)
        }
        Err(detail) => Judgement::verdict(unrecognizable(ctx.source, detail)),
    }
}

/// One line on what the answer changes, for reports.
fn summary(o: &TokenOverrides) -> String {
    let names = |m: &Map<String, Value>| m.keys().cloned().collect::<Vec<_>>().join(",");
    format!(
        "id: +[{}] -[{}]; access: +[{}] -[{}]; scopes: +[{}] -[{}]; groups: {}",
        names(&o.id.add_or_override),
        o.id.suppress.join(","),
        names(&o.access.add_or_override),
        o.access.suppress.join(","),
        o.scopes_to_add.join(","),
        o.scopes_to_suppress.join(","),
        match &o.groups {
            Some(g) => format!("[{}]", g.groups.join(",")),
            None => "unchanged".into(),
        }
    )
}

/// Reads the answer's override details for the pool's event version; `Err` says which member has
/// the wrong type (InvalidLambdaResponseException `Unrecognizable lambda output`, ruling 1).
fn read_overrides(
    version: EventVersion,
    response: &Map<String, Value>,
) -> Result<TokenOverrides, String> {
    let mut overrides = TokenOverrides::default();
    let member = match version {
        EventVersion::V1 => "claimsOverrideDetails",
        EventVersion::V2 | EventVersion::V3 => "claimsAndScopeOverrideDetails",
    };
    let Some(details) = object(response, member, "response")? else {
        return Ok(overrides);
    };
    let at = format!("response.{member}");
    match version {
        EventVersion::V1 => {
            overrides.id = read_changes(details, &at, Token::IdV1, &mut overrides.ignored)?;
        }
        EventVersion::V2 | EventVersion::V3 => {
            if let Some(id) = object(details, "idTokenGeneration", &at)? {
                let at = format!("{at}.idTokenGeneration");
                overrides.id = read_changes(id, &at, Token::Id, &mut overrides.ignored)?;
            }
            if let Some(access) = object(details, "accessTokenGeneration", &at)? {
                let at = format!("{at}.accessTokenGeneration");
                overrides.access =
                    read_changes(access, &at, Token::Access, &mut overrides.ignored)?;
                overrides.scopes_to_add = strings(access, "scopesToAdd", &at)?;
                overrides.scopes_to_suppress = strings(access, "scopesToSuppress", &at)?;
            }
        }
    }
    if let Some(groups) = object(details, "groupOverrideDetails", &at)? {
        let at = format!("{at}.groupOverrideDetails");
        overrides.groups = Some(GroupOverride {
            groups: strings(groups, "groupsToOverride", &at)?,
            iam_roles: strings(groups, "iamRolesToOverride", &at)?,
            preferred_role: match groups.get("preferredRole") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => {
                    return Err(format!(
                        "{at}.preferredRole is {}, not a string",
                        json_type(other)
                    ))
                }
            },
        });
    }
    Ok(overrides)
}

/// Which token a set of changes is for, and under which version's value rules.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Token {
    /// The ID token of a V1_0 answer: claim values are strings.
    IdV1,
    /// The ID token of a V2_0/V3_0 answer.
    Id,
    /// The access token of a V2_0/V3_0 answer.
    Access,
}

/// Reads `claimsToAddOrOverride` and `claimsToSuppress`, setting aside (into `ignored`) the claims
/// the function may not touch.
fn read_changes(
    details: &Map<String, Value>,
    at: &str,
    token: Token,
    ignored: &mut Vec<String>,
) -> Result<ClaimChanges, String> {
    let prefix = if token == Token::Access {
        "access"
    } else {
        "id"
    };
    let protected = |name: &str| {
        RESERVED.contains(&name)
            || GROUP_CLAIMS.contains(&name)
            || (token == Token::Access && RESERVED_ACCESS.contains(&name))
    };
    let mut changes = ClaimChanges::default();
    if let Some(claims) = object(details, "claimsToAddOrOverride", at)? {
        for (name, value) in claims {
            let bad_type = match (token, value) {
                // V1_0 answers carry a string map (DG-PTG V1 schema; assumed for other types).
                (Token::IdV1, Value::String(_)) => None,
                (Token::IdV1, other) => Some(format!("{}, not a string", json_type(other))),
                (Token::Id, Value::Object(_) | Value::Array(_))
                    if SCALAR_ONLY_ID.contains(&name.as_str()) =>
                {
                    Some(format!(
                        "{}, which this claim cannot hold",
                        json_type(value)
                    ))
                }
                (_, Value::Null) => Some("null".to_string()),
                _ => None,
            };
            if let Some(what) = bad_type {
                return Err(format!("{at}.claimsToAddOrOverride.{name} is {what}"));
            }
            if protected(name) {
                ignored.push(format!("{prefix}:{name}"));
            } else {
                changes.add_or_override.insert(name.clone(), value.clone());
            }
        }
    }
    for name in strings(details, "claimsToSuppress", at)? {
        if protected(&name) {
            ignored.push(format!("{prefix}:{name}"));
        } else {
            changes.suppress.push(name);
        }
    }
    Ok(changes)
}

/// An optional object member: absent or `null` is None; another type is an error.
fn object<'a>(
    parent: &'a Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<Option<&'a Map<String, Value>>, String> {
    match parent.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(other) => Err(format!(
            "{at}.{name} is {}, not an object",
            json_type(other)
        )),
    }
}

/// An optional array of strings: absent or `null` is empty.
fn strings(parent: &Map<String, Value>, name: &str, at: &str) -> Result<Vec<String>, String> {
    match parent.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str().map(str::to_string).ok_or_else(|| {
                    format!("{at}.{name} holds {}, not only strings", json_type(item))
                })
            })
            .collect(),
        Some(other) => Err(format!(
            "{at}.{name} is {}, not an array of strings",
            json_type(other)
        )),
    }
}

/// Whether Cognito passes a request's ClientMetadata to this source: InitiateAuth and
/// AdminInitiateAuth pass it only to PreSignUp, PreAuthentication and UserMigration; the
/// challenge responses pass it to PreTokenGeneration (API-IA, API-RTAC, §PTG.1).
fn forwards_client_metadata(source: TriggerSource) -> bool {
    matches!(
        source,
        TriggerSource::TOKEN_GENERATION_NEW_PASSWORD_CHALLENGE
            | TriggerSource::TOKEN_GENERATION_AUTHENTICATE_DEVICE
    )
}

/// A PreTokenGeneration event (§PTG.1): the user's stored attributes, the group configuration
/// (the user's groups, their roles and the preferred role, §G), `scopes` for V2_0/V3_0,
/// `clientMetadata` only when forwarded, and a null override member in `response`.
pub(crate) fn event(
    pool: &UserPool,
    source: TriggerSource,
    user: &User,
    client_id: &str,
    scopes: &[&str],
    client_metadata: Option<&Map<String, Value>>,
) -> Value {
    let version = EventVersion::of(&pool.config);
    let mut request = Map::with_capacity(4);
    request.insert(
        "userAttributes".into(),
        Value::Object(stored_attributes(pool, user)),
    );
    // The user's groups as they stand (§G): names by precedence, their roles, the preferred one.
    let membership = pool.groups.membership(&user.sub);
    let mut groups = Map::with_capacity(3);
    groups.insert("groupsToOverride".into(), Value::from(membership.names));
    groups.insert("iamRolesToOverride".into(), Value::from(membership.roles));
    groups.insert(
        "preferredRole".into(),
        membership.preferred_role.map_or(Value::Null, Value::from),
    );
    request.insert("groupConfiguration".into(), Value::Object(groups));
    let response_member = match version {
        EventVersion::V1 => "claimsOverrideDetails",
        EventVersion::V2 | EventVersion::V3 => {
            request.insert("scopes".into(), Value::from(scopes.to_vec()));
            "claimsAndScopeOverrideDetails"
        }
    };
    if let Some(metadata) = client_metadata {
        request.insert("clientMetadata".into(), Value::Object(metadata.clone()));
    }
    let mut response = Map::with_capacity(1);
    response.insert(response_member.into(), Value::Null);
    let mut event = envelope(
        pool,
        source,
        &user.username,
        Caller::Client(client_id),
        Value::Object(request),
        Value::Object(response),
    );
    event["version"] = Value::from(version.wire());
    event
}

/// A sample PreTokenGeneration event (V1_0): Jane signing in.
fn sample(source: TriggerSource, metadata: Option<&Map<String, Value>>) -> Value {
    let mut pool = sample_pool();
    let mut jane = User::new("jane")
        .with_attribute("email", "jane@example.com")
        .with_attribute("email_verified", "true")
        .with_attribute("name", "Jane Doe");
    jane.sub = super::samples::SAMPLE_SUB.to_string();
    pool.put_user(jane.clone());
    event(
        &pool,
        source,
        &jane,
        SAMPLE_CLIENT_ID,
        &[SIGN_IN_SCOPE],
        metadata,
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(version: EventVersion, response: Value) -> Result<TokenOverrides, String> {
        read_overrides(version, response.as_object().unwrap())
    }

    #[test]
    fn reserved_claims_are_set_aside_and_the_rest_applied() {
        let overrides = read(
            EventVersion::V2,
            json!({"claimsAndScopeOverrideDetails": {
                "idTokenGeneration": {"claimsToAddOrOverride": {"tenant": "acme", "sub": "x"},
                                      "claimsToSuppress": ["email", "iss"]},
                "accessTokenGeneration": {"claimsToAddOrOverride": {"roles": ["a", "b"], "client_id": "x"},
                                          "scopesToAdd": ["api/read"],
                                          "scopesToSuppress": ["aws.cognito.signin.user.admin"]},
                "groupOverrideDetails": {"groupsToOverride": ["admins"]}}}),
        )
        .unwrap();
        assert_eq!(overrides.ignored, ["id:sub", "id:iss", "access:client_id"]);
        let mut id = Map::new();
        id.insert("sub".into(), json!("s"));
        id.insert("email".into(), json!("e"));
        let mut access = Map::new();
        access.insert("sub".into(), json!("s"));
        access.insert("scope".into(), json!(SIGN_IN_SCOPE));
        overrides.apply(&mut id, &mut access);
        assert_eq!(
            Value::Object(id),
            json!({"sub": "s", "cognito:groups": ["admins"], "tenant": "acme"})
        );
        assert_eq!(
            Value::Object(access),
            json!({"sub": "s", "cognito:groups": ["admins"], "scope": "api/read", "roles": ["a", "b"]})
        );
    }

    #[test]
    fn a_v1_answer_carries_strings_and_a_wrong_type_is_unrecognizable() {
        let bad = read(
            EventVersion::V1,
            json!({"claimsOverrideDetails": {"claimsToAddOrOverride": {"n": 1}}}),
        );
        assert_eq!(
            bad,
            Err(
                "response.claimsOverrideDetails.claimsToAddOrOverride.n is a number, not a string"
                    .into()
            )
        );
        let suppressed_and_added = read(
            EventVersion::V1,
            json!({"claimsOverrideDetails": {"claimsToAddOrOverride": {"tier": "gold"},
                                             "claimsToSuppress": ["tier"]}}),
        )
        .unwrap();
        let (mut id, mut access) = (Map::new(), Map::new());
        suppressed_and_added.apply(&mut id, &mut access);
        assert!(id.is_empty());
        assert_eq!(
            read(EventVersion::V2, json!({"claimsAndScopeOverrideDetails": {"accessTokenGeneration": {"scopesToAdd": "x"}}})),
            Err("response.claimsAndScopeOverrideDetails.accessTokenGeneration.scopesToAdd is a string, not an array of strings".into())
        );
    }
}
