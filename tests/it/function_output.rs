//! A chatty function's output is kept as its tail (issue 11 item 5): a real trigger process that
//! writes 3 MB before it starts answers as usual, and the invocation's logs hold the last
//! 1 MiB after a line saying how much was dropped, then Lambda's START/END/REPORT lines.

use cognito_harness::function::{invoke_with_retries, Deadline, Invoked, ProcessFunction};
use serde_json::json;

use crate::support::{self, custom_message_event};

const KEPT: usize = 1024 * 1024;

#[tokio::test]
async fn three_megabytes_of_output_keep_their_last_mebibyte() {
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
            rest.strip_suffix(" bytes of earlier output dropped; the last 1048576 are kept]")
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no dropped-bytes line: {header:?}"));
    let (output, framing) = kept
        .split_once("\nSTART RequestId: ")
        .expect("START after the output");
    assert_eq!(
        output.len() + 1,
        KEPT,
        "the tail (with its newline) is exactly the cap"
    );
    assert!(
        output.bytes().all(|b| b == b'x'),
        "only the tail of the x's"
    );
    assert_eq!(dropped + KEPT, 3_000_001, "{dropped} dropped");
    assert!(framing.contains("\nEND RequestId: "), "{framing}");
}
