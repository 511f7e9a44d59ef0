//! A chatty function's output is kept as its tail (issue 11 item 5): a real trigger process that
//! writes 3 MB before it starts answers as usual, and the invocation's logs hold the last
//! 256 KiB after a line saying how much was dropped.

use cognito_harness::function::{invoke_with_retries, Deadline, Invoked, ProcessFunction};
use serde_json::json;

use crate::support::{self, custom_message_event};

const KEPT: usize = 256 * 1024;

#[tokio::test]
async fn three_megabytes_of_output_keep_their_last_256_kib() {
    let trigger = support::trigger("custom-message-branded");
    // `sh -c SCRIPT ARG0`: the script writes 3,000,000 `x` and a newline, then becomes the trigger.
    let function = ProcessFunction::new(
        "chatty",
        [
            "sh".to_string(),
            "-c".to_string(),
            "head -c 3000000 /dev/zero | tr '\\0' x; echo; exec \"$0\"".to_string(),
            trigger.display().to_string(),
        ],
    );
    let event = custom_message_event("CustomMessage_SignUp", json!(null));
    let invocation = invoke_with_retries(
        &function,
        &event,
        "arn:aws:lambda:us-east-1:123456789012:function:chatty",
        Deadline::default(),
    )
    .await;
    assert!(
        matches!(invocation.result, Invoked::Output(_)),
        "{:?}",
        invocation.result
    );
    let logs = &invocation.logs;
    let (header, kept) = logs.split_once('\n').expect("a header line");
    let dropped: usize = header
        .strip_prefix("[cognito-harness: ")
        .and_then(|rest| {
            rest.strip_suffix(" bytes of earlier output dropped; the last 262144 are kept]")
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no dropped-bytes line: {header:?}"));
    assert_eq!(kept.len(), KEPT, "the tail is exactly the cap");
    assert!(dropped + KEPT >= 3_000_001, "{dropped} dropped");
    assert!(kept.starts_with("xxxx"), "{}", &kept[..40]);
}
