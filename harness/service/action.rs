//! The API operations the local Cognito replays, parsed from their names.

use std::fmt;

use crate::model::cognito_error::{CognitoError, ErrorCode};

macro_rules! actions {
    ($( $(#[$doc:meta])* $name:ident ),+ $(,)?) => {
        /// An API operation the local Cognito replays, named as in the AWS API
        /// (`AWSCognitoIdentityProviderService.<Name>`), plus two simulated steps the API cannot
        /// replay ([`Action::FederatedSignIn`], [`Action::SendAuthenticationCode`]).
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $( $(#[$doc])* $name, )+
        }

        impl Action {
            /// Every action, in the order of the README's list.
            pub const ALL: &'static [Action] = &[$(Action::$name),+];

            /// The operation name, e.g. `AdminUpdateUserAttributes`.
            pub fn name(self) -> &'static str {
                match self {
                    $( Action::$name => stringify!($name), )+
                }
            }
        }
    };
}

actions! {
    /// SignUp (PreSignUp_SignUp, CustomMessage_SignUp).
    SignUp,
    /// ConfirmSignUp.
    ConfirmSignUp,
    /// AdminConfirmSignUp.
    AdminConfirmSignUp,
    /// ResendConfirmationCode (CustomMessage_ResendCode).
    ResendConfirmationCode,
    /// AdminCreateUser (PreSignUp_AdminCreateUser, CustomMessage_AdminCreateUser).
    AdminCreateUser,
    /// ForgotPassword (CustomMessage_ForgotPassword).
    ForgotPassword,
    /// ConfirmForgotPassword.
    ConfirmForgotPassword,
    /// AdminResetUserPassword (CustomMessage_ForgotPassword).
    AdminResetUserPassword,
    /// AdminUpdateUserAttributes (CustomMessage_UpdateUserAttribute).
    AdminUpdateUserAttributes,
    /// UpdateUserAttributes (CustomMessage_UpdateUserAttribute).
    UpdateUserAttributes,
    /// GetUserAttributeVerificationCode (CustomMessage_VerifyUserAttribute).
    GetUserAttributeVerificationCode,
    /// VerifyUserAttribute.
    VerifyUserAttribute,
    /// CreateUserPool.
    CreateUserPool,
    /// UpdateUserPool (with the list of what it resets).
    UpdateUserPool,
    /// DescribeUserPool.
    DescribeUserPool,
    /// DeleteUserPool.
    DeleteUserPool,
    /// CreateUserPoolClient.
    CreateUserPoolClient,
    /// DescribeUserPoolClient.
    DescribeUserPoolClient,
    /// AdminGetUser.
    AdminGetUser,
    /// GetUser (with an access token).
    GetUser,
    /// ListUsers.
    ListUsers,
    /// AdminDeleteUser.
    AdminDeleteUser,
    /// AdminSetUserPassword.
    AdminSetUserPassword,
    /// CreateGroup.
    CreateGroup,
    /// GetGroup.
    GetGroup,
    /// UpdateGroup.
    UpdateGroup,
    /// DeleteGroup.
    DeleteGroup,
    /// ListGroups.
    ListGroups,
    /// AdminAddUserToGroup.
    AdminAddUserToGroup,
    /// AdminRemoveUserFromGroup.
    AdminRemoveUserFromGroup,
    /// AdminListGroupsForUser.
    AdminListGroupsForUser,
    /// ListUsersInGroup.
    ListUsersInGroup,
    /// ChangePassword (with an access token).
    ChangePassword,
    /// GlobalSignOut (with an access token).
    GlobalSignOut,
    /// AdminUserGlobalSignOut.
    AdminUserGlobalSignOut,
    /// RevokeToken (a refresh token).
    RevokeToken,
    /// DeleteUser (with an access token).
    DeleteUser,
    /// AdminDisableUser.
    AdminDisableUser,
    /// AdminEnableUser.
    AdminEnableUser,
    /// DeleteUserAttributes (with an access token).
    DeleteUserAttributes,
    /// AdminDeleteUserAttributes.
    AdminDeleteUserAttributes,
    /// ListUserPools.
    ListUserPools,
    /// ListUserPoolClients.
    ListUserPoolClients,
    /// UpdateUserPoolClient.
    UpdateUserPoolClient,
    /// DeleteUserPoolClient.
    DeleteUserPoolClient,
    /// InitiateAuth (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH).
    InitiateAuth,
    /// AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH).
    AdminInitiateAuth,
    /// RespondToAuthChallenge (NEW_PASSWORD_REQUIRED, CUSTOM_CHALLENGE, the MFA challenges).
    RespondToAuthChallenge,
    /// AdminRespondToAuthChallenge (NEW_PASSWORD_REQUIRED, CUSTOM_CHALLENGE, the MFA challenges).
    AdminRespondToAuthChallenge,
    /// AssociateSoftwareToken (a TOTP secret, with an access token or an MFA_SETUP session).
    AssociateSoftwareToken,
    /// VerifySoftwareToken (the first TOTP code).
    VerifySoftwareToken,
    /// SetUserMFAPreference (with an access token).
    SetUserMFAPreference,
    /// AdminSetUserMFAPreference.
    AdminSetUserMFAPreference,
    /// SetUserPoolMfaConfig.
    SetUserPoolMfaConfig,
    /// GetUserPoolMfaConfig.
    GetUserPoolMfaConfig,
    /// Simulated: a first sign-in through an external IdP (PreSignUp_ExternalProvider).
    FederatedSignIn,
    /// Simulated: a sign-in code by SMS or e-mail (CustomMessage_Authentication).
    SendAuthenticationCode,
}

impl Action {
    /// The action named `name`, or the UnknownOperationException AWS answers for any other name.
    pub fn parse(name: &str) -> Result<Action, CognitoError> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.name() == name)
            .ok_or_else(|| unknown_operation(name))
    }
}

impl std::str::FromStr for Action {
    type Err = CognitoError;

    fn from_str(name: &str) -> Result<Action, CognitoError> {
        Action::parse(name)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// UnknownOperationException, as Cognito answers an operation it does not have.
pub(crate) fn unknown_operation(name: &str) -> CognitoError {
    CognitoError::new(
        ErrorCode::UnknownOperationException,
        format!("Unknown operation {name}"),
    )
}
