//! The rules verdicts cite, as data: each has a stable id, its evidence grade and its section of
//! the fidelity reference (cognito-semantics.md); change a grade only together with the
//! reference. The shared rules are in
//! `shared.rs`, each trigger kind's in its module; the registry lists them all.

use std::fmt;

use serde::Serialize;

/// How well a rule is evidenced.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Grade {
    /// AWS documentation or the service model.
    Documented,
    /// Seen against real Cognito and reported publicly.
    Observed,
    /// One of the reference's rulings or inferences: our best guess where sources are silent.
    Assumed,
}

impl Grade {
    /// `documented`, `observed` or `assumed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Documented => "documented",
            Grade::Observed => "observed",
            Grade::Assumed => "assumed",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule of Cognito's behaviour as the reference records it.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable id, used in reports and scenario expectations.
    pub id: &'static str,
    /// How well the rule is evidenced.
    pub grade: Grade,
    /// Where in cognito-semantics.md the rule is recorded.
    pub reference: &'static str,
    /// What the rule says, in one line.
    pub summary: &'static str,
}

/// Declares a `pub static` [`Rule`].
macro_rules! rule {
    ($name:ident, $id:literal, $grade:ident, $reference:literal, $summary:literal) => {
        #[doc = $summary]
        pub static $name: $crate::trigger::rules::Rule = $crate::trigger::rules::Rule {
            id: $id,
            grade: $crate::trigger::rules::Grade::$grade,
            reference: $reference,
            summary: $summary,
        };
    };
}
pub(crate) use rule;
