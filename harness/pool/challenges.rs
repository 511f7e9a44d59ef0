//! Custom-authentication sessions (CUSTOM_AUTH): where a sign-in stands between InitiateAuth and
//! each RespondToAuthChallenge, as data. The service runs the triggers; this only remembers.

use serde_json::{Map, Value};

/// One challenge answered in a custom-authentication sign-in, as DefineAuthChallenge's
/// `request.session` lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChallengeRound {
    /// The challenge asked (`CUSTOM_CHALLENGE`).
    pub challenge_name: String,
    /// Whether VerifyAuthChallengeResponse found the answer correct.
    pub challenge_result: bool,
    /// What CreateAuthChallenge put in `challengeMetadata`, if anything.
    pub challenge_metadata: Option<String>,
}

impl ChallengeRound {
    /// The round as events show it: `{"challengeName", "challengeResult", "challengeMetadata"}`.
    pub fn to_event_value(&self) -> Value {
        let mut map = Map::with_capacity(3);
        map.insert(
            "challengeName".into(),
            Value::from(self.challenge_name.as_str()),
        );
        map.insert("challengeResult".into(), Value::Bool(self.challenge_result));
        map.insert(
            "challengeMetadata".into(),
            self.challenge_metadata
                .as_deref()
                .map_or(Value::Null, Value::from),
        );
        Value::Object(map)
    }
}

/// A custom-authentication sign-in waiting for the answer to its current challenge.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomAuthSession {
    /// The name the sign-in gave (the stored username when the user exists).
    pub username: String,
    /// The app client signing in.
    pub client_id: String,
    /// Whether the pool has no such user (the client hides user existence).
    pub user_not_found: bool,
    /// The challenges answered so far.
    pub history: Vec<ChallengeRound>,
    /// The challenge waiting for its answer.
    pub challenge_name: String,
    /// CreateAuthChallenge's `privateChallengeParameters` for it.
    pub private_parameters: Map<String, Value>,
    /// CreateAuthChallenge's `challengeMetadata` for it.
    pub challenge_metadata: Option<String>,
}

/// A `USER_SRP_AUTH` sign-in waiting for its `PASSWORD_VERIFIER` answer; the pool keeps it under
/// the challenge's `SECRET_BLOCK`, which the answer sends back as `PASSWORD_CLAIM_SECRET_BLOCK`.
#[derive(Clone, Debug, PartialEq)]
pub struct SrpSession {
    /// The user's stored username (`USER_ID_FOR_SRP`), or the name given when the pool has no
    /// such user (the client hides user existence and the challenge was a decoy).
    pub username: String,
    /// The app client signing in.
    pub client_id: String,
    /// Whether the pool has no such user.
    pub user_not_found: bool,
    /// The key the SRP exchange derived; only a client that knows the password derives it too.
    pub key: [u8; 16],
}
