//! Which AWS SDK made a call, as Cognito reports it in a trigger event's
//! `callerContext.awsSdkVersion` (cognito-semantics.md §1.1).
//!
//! Every published value is the SDK's own product token from the request's user agent with the
//! `/` turned into `-` and the name lower-cased: `aws-sdk-iOS/2.26.2 iOS/18.5` is reported as
//! `aws-sdk-ios-2.26.2`, `aws-sdk-js/3.473.0 ua/2.0 …` as `aws-sdk-js-3.473.0`,
//! `aws-sdk-nodejs/2.799.0 linux/…` as `aws-sdk-nodejs-2.799.0`. Browsers cannot set
//! `User-Agent`, so browser SDKs name themselves in `X-Amz-User-Agent`, which is read first.
//! Clients whose first token is not an `aws-sdk-*` one (boto3 and the AWS CLI: `Boto3/…`,
//! `aws-cli/…`; Amplify v6: `aws-amplify/…`) get [`UNKNOWN`], as the captures of Hosted UI and
//! Amplify sign-ups show.

/// `callerContext.awsSdkVersion` when the caller's SDK is unknown (§1.1).
pub const UNKNOWN: &str = "aws-sdk-unknown-unknown";

/// The `awsSdkVersion` Cognito reports for a request with these headers, or `None` when neither
/// names an AWS SDK (then Cognito reports `aws-sdk-unknown-unknown`).
pub fn aws_sdk_version(user_agent: Option<&str>, x_amz_user_agent: Option<&str>) -> Option<String> {
    x_amz_user_agent
        .and_then(sdk_token)
        .or_else(|| user_agent.and_then(sdk_token))
}

/// `aws-sdk-<name>-<version>` from a user agent whose first product token is
/// `aws-sdk-<name>/<version>`.
fn sdk_token(user_agent: &str) -> Option<String> {
    let first = user_agent.split_whitespace().next()?;
    let (name, version) = first.split_once('/')?;
    let name = name.to_ascii_lowercase();
    let sdk = name.strip_prefix("aws-sdk-")?;
    let well_formed = |s: &str, extra: &[char]| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
    };
    if !well_formed(sdk, &['-', '_']) || !well_formed(version, &['.', '-', '_']) {
        return None;
    }
    Some(format!("{name}-{version}"))
}

#[cfg(test)]
mod tests {
    use super::aws_sdk_version;

    /// User agents as each client sends them; the expected values are the published
    /// `awsSdkVersion`s of the same SDKs (docs/cognito-semantics.md §1.1 lists the sources).
    #[test]
    fn each_sdk_is_reported_as_cognito_reports_it() {
        let cases = [
            // JS v3 in Node (user-agent and x-amz-user-agent both start with the SDK token).
            (
                Some("aws-sdk-js/3.473.0 ua/2.0 os/linux#6.1 lang/js md/nodejs#20.11.0 api/cognito-identity-provider#3.473.0"),
                Some("aws-sdk-js/3.473.0"),
                Some("aws-sdk-js-3.473.0"),
            ),
            // JS v2 in Node.
            (
                Some("aws-sdk-nodejs/2.799.0 linux/v14.15.1 exec-env/AWS_Lambda_nodejs14.x"),
                None,
                Some("aws-sdk-nodejs-2.799.0"),
            ),
            // JS v2 in a browser: the browser's own user agent, the SDK in X-Amz-User-Agent.
            (
                Some("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"),
                Some("aws-sdk-js/2.1639.0 promise"),
                Some("aws-sdk-js-2.1639.0"),
            ),
            (
                Some("aws-sdk-java/1.11.93 Linux/4.9.0 Java_HotSpot(TM)_64-Bit_Server_VM/25.121-b13/1.8.0_121"),
                None,
                Some("aws-sdk-java-1.11.93"),
            ),
            (
                Some("aws-sdk-java/2.20.43 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.6+10 Java/17.0.6 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy"),
                None,
                Some("aws-sdk-java-2.20.43"),
            ),
            (Some("aws-sdk-iOS/2.26.2 iOS/18.5 en_RO"), None, Some("aws-sdk-ios-2.26.2")),
            (
                Some("aws-sdk-android/2.22.1 Linux/4.14 Dalvik/2.1.0/0 en_US"),
                None,
                Some("aws-sdk-android-2.22.1"),
            ),
            (
                Some("aws-sdk-rust/1.3.3 os/linux lang/rust/1.95.0"),
                Some("aws-sdk-rust/1.3.3 ua/2.1 api/cognitoidentityprovider/1.60.0 os/linux lang/rust/1.95.0"),
                Some("aws-sdk-rust-1.3.3"),
            ),
            (
                Some("Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.0"),
                None,
                None,
            ),
            (
                Some("aws-cli/2.15.0 md/awscrt#0.19.18 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#debian.12 md/prompt#off md/command#cognito-idp.sign-up"),
                None,
                None,
            ),
            (
                Some("Mozilla/5.0"),
                Some("aws-amplify/6.0.5 auth/4 framework/1"),
                None,
            ),
            (None, None, None),
            (Some("aws-sdk-/1.0"), None, None),
            (Some("aws-sdk-js/"), None, None),
        ];
        for (user_agent, x_amz, expected) in cases {
            assert_eq!(
                aws_sdk_version(user_agent, x_amz).as_deref(),
                expected,
                "{user_agent:?} / {x_amz:?}"
            );
        }
    }
}
