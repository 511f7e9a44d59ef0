//! Cognito's acceptance rules for a PreSignUp answer (cognito-semantics.md §3.5).
