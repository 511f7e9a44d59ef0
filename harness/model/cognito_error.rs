//! The exceptions Cognito returns to API callers, kept apart from the harness's own failures
//! ([`crate::Error`]) because a test expects the first and must never see the second dressed up as
//! Cognito behaviour.

use std::fmt;

use serde::Serialize;

/// The exception names Cognito's API returns (the `__type` of an awsJson1.1 error body).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ErrorCode {
    /// `InvalidParameterException`.
    InvalidParameterException,
    /// `ResourceNotFoundException`.
    ResourceNotFoundException,
    /// `UserNotFoundException`.
    UserNotFoundException,
    /// `NotAuthorizedException`.
    NotAuthorizedException,
    /// `AliasExistsException`.
    AliasExistsException,
    /// `UsernameExistsException`.
    UsernameExistsException,
    /// `InvalidPasswordException`.
    InvalidPasswordException,
    /// `CodeMismatchException`.
    CodeMismatchException,
    /// `ExpiredCodeException`.
    ExpiredCodeException,
    /// `UserNotConfirmedException`.
    UserNotConfirmedException,
    /// `LimitExceededException`.
    LimitExceededException,
    /// `TooManyRequestsException`.
    TooManyRequestsException,
    /// `UserLambdaValidationException`.
    UserLambdaValidationException,
    /// `InvalidLambdaResponseException`.
    InvalidLambdaResponseException,
    /// `UnexpectedLambdaException`.
    UnexpectedLambdaException,
    /// `InternalErrorException`.
    InternalErrorException,
    /// `UnsupportedUserStateException`.
    UnsupportedUserStateException,
    /// `UnknownOperationException`.
    UnknownOperationException,
    /// `SerializationException`.
    SerializationException,
    /// `PasswordResetRequiredException`.
    PasswordResetRequiredException,
    /// `GroupExistsException`.
    GroupExistsException,
    /// `EnableSoftwareTokenMFAException`: VerifySoftwareToken got the wrong code.
    EnableSoftwareTokenMFAException,
    /// `SoftwareTokenMFANotFoundException`: no software token where one is needed.
    SoftwareTokenMFANotFoundException,
}

impl ErrorCode {
    /// Every code, for parsing names given in scenario files.
    pub const ALL: [ErrorCode; 23] = [
        ErrorCode::InvalidParameterException,
        ErrorCode::ResourceNotFoundException,
        ErrorCode::UserNotFoundException,
        ErrorCode::NotAuthorizedException,
        ErrorCode::AliasExistsException,
        ErrorCode::UsernameExistsException,
        ErrorCode::InvalidPasswordException,
        ErrorCode::CodeMismatchException,
        ErrorCode::ExpiredCodeException,
        ErrorCode::UserNotConfirmedException,
        ErrorCode::LimitExceededException,
        ErrorCode::TooManyRequestsException,
        ErrorCode::UserLambdaValidationException,
        ErrorCode::InvalidLambdaResponseException,
        ErrorCode::UnexpectedLambdaException,
        ErrorCode::InternalErrorException,
        ErrorCode::UnsupportedUserStateException,
        ErrorCode::UnknownOperationException,
        ErrorCode::SerializationException,
        ErrorCode::PasswordResetRequiredException,
        ErrorCode::GroupExistsException,
        ErrorCode::EnableSoftwareTokenMFAException,
        ErrorCode::SoftwareTokenMFANotFoundException,
    ];

    /// The shape name, as sent in `__type` and `x-amzn-ErrorType`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::InvalidParameterException => "InvalidParameterException",
            ErrorCode::ResourceNotFoundException => "ResourceNotFoundException",
            ErrorCode::UserNotFoundException => "UserNotFoundException",
            ErrorCode::NotAuthorizedException => "NotAuthorizedException",
            ErrorCode::AliasExistsException => "AliasExistsException",
            ErrorCode::UsernameExistsException => "UsernameExistsException",
            ErrorCode::InvalidPasswordException => "InvalidPasswordException",
            ErrorCode::CodeMismatchException => "CodeMismatchException",
            ErrorCode::ExpiredCodeException => "ExpiredCodeException",
            ErrorCode::UserNotConfirmedException => "UserNotConfirmedException",
            ErrorCode::LimitExceededException => "LimitExceededException",
            ErrorCode::TooManyRequestsException => "TooManyRequestsException",
            ErrorCode::UserLambdaValidationException => "UserLambdaValidationException",
            ErrorCode::InvalidLambdaResponseException => "InvalidLambdaResponseException",
            ErrorCode::UnexpectedLambdaException => "UnexpectedLambdaException",
            ErrorCode::InternalErrorException => "InternalErrorException",
            ErrorCode::UnsupportedUserStateException => "UnsupportedUserStateException",
            ErrorCode::UnknownOperationException => "UnknownOperationException",
            ErrorCode::SerializationException => "SerializationException",
            ErrorCode::PasswordResetRequiredException => "PasswordResetRequiredException",
            ErrorCode::GroupExistsException => "GroupExistsException",
            ErrorCode::EnableSoftwareTokenMFAException => "EnableSoftwareTokenMFAException",
            ErrorCode::SoftwareTokenMFANotFoundException => "SoftwareTokenMFANotFoundException",
        }
    }

    /// Parses a shape name such as `InvalidParameterException`.
    pub fn from_name(name: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The HTTP status AWS answers with: 500 for the modelled server fault, 400 otherwise
    /// (cognito-semantics.md §5).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InternalErrorException => 500,
            _ => 400,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An exception as an API caller receives it: `{"__type": code, "message": message}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CognitoError {
    /// The exception name (`__type`).
    pub code: ErrorCode,
    /// The exception's message, as the caller sees it.
    pub message: String,
}

impl CognitoError {
    /// An exception with this name and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CognitoError {
            code,
            message: message.into(),
        }
    }

    /// An InvalidParameterException with this message.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        CognitoError::new(ErrorCode::InvalidParameterException, message)
    }

    /// The awsJson1.1 error body.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"__type": self.code.name(), "message": self.message})
    }
}

impl fmt::Display for CognitoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CognitoError {}
