//! `cognito-harness fuzz` through the real binary against the example triggers: it finds the
//! planted bug of each broken trigger with its default budget, writes the smallest case as a
//! scenario that `check` replays to the same verdict, is deterministic for a seed, reports an
//! ignored claim as a warning that does not fail the run, reports intended refusals like any
//! rejection, and finds nothing in well-behaved triggers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::{root, trigger};

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");

/// A temporary folder with a config binding `functions` to the built trigger binaries.
fn workspace(functions: &[&str], timeout_ms: u64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cognito-harness-fuzz-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = format!("[deadline]\ntimeout_ms = {timeout_ms}\nattempts = 3\n");
    for name in functions {
        config.push_str(&format!(
            "\n[functions.{name}]\ncommand = [{:?}]\n",
            trigger(name).display().to_string()
        ));
    }
    std::fs::write(dir.join("cognito-harness.toml"), config).unwrap();
    dir
}

fn fuzz(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("fuzz")
        .args(args)
        .arg("--config")
        .arg(dir.join("cognito-harness.toml"))
        .arg("--out")
        .arg(dir.join("findings"))
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

fn check(dir: &Path, file: &Path) -> Output {
    Command::new(BIN)
        .arg("check")
        .arg(file)
        .arg("--config")
        .arg(dir.join("cognito-harness.toml"))
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The findings written, by file name.
fn findings(dir: &Path) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir.join("findings"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .map(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    let json = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                    (name, json)
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn attribute<'a>(scenario: &'a Value, name: &str) -> Option<&'a str> {
    let step = &scenario["steps"][0];
    let lists = [
        &scenario["users"][0]["UserAttributes"],
        &step["request"]["UserAttributes"],
    ];
    lists.into_iter().find_map(|list| {
        list.as_array()?
            .iter()
            .find(|a| a["Name"] == name)
            .and_then(|a| a["Value"].as_str())
    })
}

/// Each finding file replays through `check` to the verdict it expects.
fn assert_check_reproduces(dir: &Path) {
    for (name, _) in findings(dir) {
        let output = check(dir, &dir.join("findings").join(&name));
        assert_eq!(output.status.code(), Some(0), "{name}: {}", text(&output));
    }
}

#[test]
fn fuzz_finds_the_panic_on_a_name_that_starts_with_a_multibyte_character() {
    let dir = workspace(&["custom-message-greets-by-initial"], 5000);
    let output = fuzz(
        &dir,
        &[
            "--function",
            "custom-message-greets-by-initial",
            "--seed",
            "1",
        ],
    );
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    let found = findings(&dir);
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["custom-message-greets-by-initial.custom-message.function-error.UserLambdaValidationException.scenario.json"],
        "{shown}"
    );
    let scenario = &found[0].1;
    // Shrunk: one character, not ASCII (the panic needs a first byte inside a character), the
    // bare username, no metadata.
    let name = attribute(scenario, "name").expect("the name stays: it is the cause");
    assert_eq!(name.chars().count(), 1, "{scenario:#}");
    assert!(!name.is_ascii(), "{scenario:#}");
    let step = &scenario["steps"][0];
    assert_eq!(step["request"]["Username"], "a", "{scenario:#}");
    assert!(
        step["request"].get("ClientMetadata").is_none(),
        "{scenario:#}"
    );
    assert_eq!(step["expect"]["outcome"], "UserLambdaValidationException");
    assert_eq!(step["expect"]["rule"], "custom-message.function-error");
    let message = step["expect"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("CustomMessage failed with error Lambda panicked: end byte index 1 is not a char boundary"),
        "{message}"
    );
    assert!(shown.contains("`check` reproduces it"), "{shown}");
    assert!(!shown.contains("replayed event differs"), "{shown}");
    assert_check_reproduces(&dir);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fuzz_finds_the_sms_over_140_characters_for_long_names_and_shrinks_to_the_threshold() {
    let dir = workspace(&["custom-message-greets-by-name"], 5000);
    let output = fuzz(
        &dir,
        &[
            "--function",
            "custom-message-greets-by-name",
            "--source",
            "CustomMessage_UpdateUserAttribute",
            "--seed",
            "3",
        ],
    );
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    let found = findings(&dir);
    let (_, scenario) = found
        .iter()
        .find(|(n, _)| n.contains("custom-message.length"))
        .unwrap_or_else(|| panic!("no length finding: {shown}"));
    let step = &scenario["steps"][0];
    assert_eq!(step["action"], "AdminUpdateUserAttributes");
    assert_eq!(step["expect"]["outcome"], "InvalidParameterException");
    // "Hello <name>, your code is {####}." is 27 characters besides the name: 113 is the
    // shortest name that takes the SMS over 140.
    let name = attribute(scenario, "name").unwrap();
    assert_eq!(name.chars().count(), 113, "{scenario:#}");
    assert!(
        step["expect"]["message"]
            .as_str()
            .unwrap()
            .ends_with("at 'smsMessage' failed to satisfy constraint: Member must have length less than or equal to 140"),
        "{scenario:#}"
    );
    assert_eq!(
        step["request"]["UserAttributes"][0]["Name"], "phone_number",
        "{scenario:#}"
    );
    assert_check_reproduces(&dir);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fuzz_finds_the_bug_of_every_broken_example_trigger_with_its_default_budget() {
    let broken = [
        (
            "custom-message-drops-code",
            "custom-message.code-placeholder.InvalidParameterException",
        ),
        (
            "custom-message-too-long",
            "custom-message.length.InvalidParameterException",
        ),
        (
            "pre-sign-up-verify-phone",
            "pre-sign-up.auto-verify-needs-attribute",
        ),
        (
            "trigger-throws",
            "function-error.UserLambdaValidationException",
        ),
        (
            "trigger-panics",
            "function-error.UserLambdaValidationException",
        ),
        (
            "trigger-exits",
            "invoke.runtime-exit.UserLambdaValidationException",
        ),
        (
            "trigger-returns-null",
            "output.invalid-json.InvalidLambdaResponseException",
        ),
        (
            "trigger-returns-non-event",
            "InvalidLambdaResponseException",
        ),
        (
            "trigger-wrong-types",
            "output.unrecognizable.InvalidLambdaResponseException",
        ),
        (
            "post-confirmation-returns-request",
            "post-confirmation.output.unrecognizable.InvalidLambdaResponseException",
        ),
        (
            "user-migration-bad-status",
            "user-migration.final-user-status.InvalidLambdaResponseException",
        ),
        (
            "define-auth-challenge-undecided",
            "define-auth-challenge.no-decision.InvalidLambdaResponseException",
        ),
        // Cognito issues the tokens without the override: a warning, not a rejection.
        (
            "pre-token-generation-overrides-sub",
            "pre-token-generation.reserved-claim-ignored.warning",
        ),
    ];
    let names: Vec<&str> = broken.iter().map(|(n, _)| *n).collect();
    let dir = workspace(&names, 5000);
    let mut args = vec!["--seed", "5"];
    for name in &names {
        args.extend(["--function", name]);
    }
    let output = fuzz(&dir, &args);
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    let found = findings(&dir);
    for (function, expected) in broken {
        assert!(
            found
                .iter()
                .any(|(n, _)| n.starts_with(&format!("{function}.")) && n.contains(expected)),
            "{function}: no {expected} finding in {:?}\n{shown}",
            found.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
    }
    // A function bound to several triggers gets a finding of each: the generic rule does not
    // merge them.
    for trigger in [
        "custom-message",
        "post-confirmation",
        "pre-token-generation",
    ] {
        let name = format!(
            "trigger-throws.{trigger}.function-error.UserLambdaValidationException.scenario.json"
        );
        assert!(found.iter().any(|(n, _)| *n == name), "no {name}\n{shown}");
    }
    assert!(!shown.contains("does NOT reproduce"), "{shown}");
    assert!(!shown.contains("replayed event differs"), "{shown}");
    assert_check_reproduces(&dir);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fuzz_reports_an_ignored_claim_as_a_warning_that_does_not_fail_the_run() {
    let dir = workspace(&["pre-token-generation-overrides-sub"], 5000);
    let output = fuzz(
        &dir,
        &[
            "--function",
            "pre-token-generation-overrides-sub",
            "--runs",
            "50",
        ],
    );
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(shown.contains("0 finding(s), 1 warning(s)"), "{shown}");
    assert!(
        shown.contains("WARNING pre-token-generation-overrides-sub: success with a warning (pre-token-generation.reserved-claim-ignored) on TokenGeneration_Authentication"),
        "{shown}"
    );
    let found = findings(&dir);
    assert_eq!(found.len(), 1, "{shown}");
    let step = &found[0].1["steps"][0];
    assert_eq!(step["action"], "InitiateAuth");
    assert_eq!(step["request"]["AuthFlow"], "USER_PASSWORD_AUTH");
    assert_eq!(step["expect"]["outcome"], "success");
    assert_eq!(
        step["expect"]["rule"],
        "pre-token-generation.reserved-claim-ignored"
    );
    assert_eq!(
        step["expect"]["warnings"][0],
        "PreTokenGeneration: Cognito ignores changes to claims a function may not touch: id:sub"
    );
    assert!(shown.contains("`check` reproduces it"), "{shown}");
    assert!(!shown.contains("replayed event differs"), "{shown}");
    assert_check_reproduces(&dir);
    std::fs::remove_dir_all(&dir).ok();
}

/// fuzz cannot tell a refusal the author meant from one they did not: both are rejections, so
/// each kind is a finding, shrunk to the smallest user refused (§FZ.3).
#[test]
fn fuzz_reports_the_refusals_of_triggers_that_deny_by_design() {
    let denying = [
        (
            "pre-authentication-deny",
            "pre-authentication-deny.pre-authentication.function-error.UserLambdaValidationException.scenario.json",
            "PreAuthentication failed with error Email not verified.",
        ),
        (
            "user-migration-legacy",
            "user-migration-legacy.user-migration.function-error.UserLambdaValidationException.scenario.json",
            "UserMigration failed with error User not found in the legacy store.",
        ),
    ];
    let names: Vec<&str> = denying.iter().map(|(n, _, _)| *n).collect();
    let dir = workspace(&names, 5000);
    let mut args = vec!["--seed", "5", "--runs", "100"];
    for name in &names {
        args.extend(["--function", name]);
    }
    let output = fuzz(&dir, &args);
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    let found = findings(&dir);
    for (_, file, message) in denying {
        let (_, scenario) = found
            .iter()
            .find(|(n, _)| n == file)
            .unwrap_or_else(|| panic!("no {file}\n{shown}"));
        let step = &scenario["steps"][0];
        assert_eq!(step["expect"]["message"], message, "{scenario:#}");
        assert_eq!(step["request"]["ClientId"], "$client", "{scenario:#}");
    }
    // The smallest user refused a sign-in has no e-mail address at all.
    let (_, denied) = found.iter().find(|(n, _)| n == denying[0].1).unwrap();
    assert_eq!(
        denied["users"][0]["UserAttributes"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{denied:#}"
    );
    assert!(!shown.contains("does NOT reproduce"), "{shown}");
    assert_check_reproduces(&dir);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fuzz_finds_nothing_in_well_behaved_sign_in_confirmation_and_custom_auth_triggers() {
    let good = [
        "post-authentication-audit",
        "post-confirmation-profile",
        "pre-token-generation-tenant",
        "custom-auth-define",
    ];
    let dir = workspace(&good, 5000);
    let mut args = vec!["--seed", "5"];
    for name in &good {
        args.extend(["--function", name]);
    }
    let output = fuzz(&dir, &args);
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(shown.contains("0 finding(s), 0 warning(s)"), "{shown}");
    for name in good {
        assert!(shown.contains(&format!("fuzz {name}: ")), "{shown}");
    }
    assert!(findings(&dir).is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fuzz_stops_at_the_first_timeout_of_a_function_that_hangs() {
    let dir = workspace(&["trigger-hangs"], 300);
    let output = fuzz(
        &dir,
        &[
            "--function",
            "trigger-hangs",
            "--source",
            "CustomMessage_ForgotPassword",
        ],
    );
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    let found = findings(&dir);
    assert_eq!(found.len(), 1, "{shown}");
    assert_eq!(found[0].1["steps"][0]["expect"]["rule"], "invoke.timeout");
    assert!(shown.contains("stopped after a timeout"), "{shown}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fuzz_finds_nothing_in_a_well_behaved_trigger_and_a_seed_gives_the_same_events() {
    let dir = workspace(
        &["custom-message-branded", "custom-message-greets-by-initial"],
        5000,
    );
    let output = fuzz(&dir, &["--function", "custom-message-branded"]);
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(shown.contains("0 finding(s)"), "{shown}");
    assert!(findings(&dir).is_empty());

    let run = |seed: &str| {
        let output = fuzz(
            &dir,
            &[
                "--function",
                "custom-message-greets-by-initial",
                "--runs",
                "100",
                "--seed",
                seed,
            ],
        );
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        let found = findings(&dir);
        std::fs::remove_dir_all(dir.join("findings")).unwrap();
        found
    };
    assert_eq!(run("9"), run("9"));
    std::fs::remove_dir_all(&dir).ok();
}

/// The library's fuzzer against an in-process handler (no process): the same finding, found and
/// shrunk the same way, and the event it sends is the one SignUp's replay sends.
#[test]
fn the_library_fuzzes_an_in_process_handler() {
    use std::sync::Arc;

    use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessage as Event;
    use cognito_harness::fuzz::{self, Options, Target};
    use cognito_harness::{handler, Function, TriggerSource};
    use lambda_runtime::{service_fn, Error, LambdaEvent};

    async fn greet(event: LambdaEvent<Event>) -> Result<Event, Error> {
        let mut event = event.payload;
        let name = event
            .request
            .user_attributes
            .get("name")
            .and_then(Value::as_str);
        let greeting = match name {
            Some(name) if !name.is_empty() => format!("Hello {}.", &name[..1]),
            _ => "Hello.".to_string(),
        };
        event.response.email_message = Some(format!("{greeting} Your code is {{####}}."));
        event.response.sms_message = Some(format!("{greeting} Code: {{####}}"));
        Ok(event)
    }

    let pool = serde_json::json!({
        "PoolName": "in-process",
        "AutoVerifiedAttributes": ["email", "phone_number"],
        "LambdaConfig": {"CustomMessage": "arn:aws:lambda:us-east-1:123456789012:function:greet"},
    });
    let target = Target::new("greet", &pool, "in-process pool")
        .unwrap()
        .unwrap();
    assert_eq!(
        target.sources,
        [
            TriggerSource::CUSTOM_MESSAGE_SIGN_UP,
            TriggerSource::CUSTOM_MESSAGE_RESEND_CODE,
            TriggerSource::CUSTOM_MESSAGE_FORGOT_PASSWORD,
            TriggerSource::CUSTOM_MESSAGE_UPDATE_USER_ATTRIBUTE,
        ]
    );
    let function: Arc<dyn Function> = Arc::new(handler(service_fn(greet)));
    let options = Options {
        runs: 300,
        seed: 2,
        ..Options::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(fuzz::fuzz_function(
        function.clone(),
        std::slice::from_ref(&target),
        &options,
    ));
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    let finding = &report.findings[0];
    assert_eq!(
        finding.key(),
        (
            "custom-message.function-error",
            "UserLambdaValidationException"
        )
    );
    let name = finding.case.attribute("name").unwrap();
    assert_eq!(name.chars().count(), 1);
    assert!(!name.is_ascii());
    assert_eq!(finding.case.username, "a");
    assert_eq!(finding.case.client_metadata, None);

    // Spread over two workers, four events in flight: the same events, hits and findings.
    let workers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let spread = workers.block_on(fuzz::fuzz_function(
        function.clone(),
        std::slice::from_ref(&target),
        &Options {
            parallel: 4,
            ..options.clone()
        },
    ));
    assert_eq!(spread.events, report.events);
    let summary = |r: &fuzz::Report| -> Vec<_> {
        r.findings
            .iter()
            .map(|f| (f.key(), f.found.clone(), f.case.clone(), f.hits))
            .collect()
    };
    assert_eq!(summary(&spread), summary(&report));

    // Written and replayed through the real flow: same verdict, same event.
    let dir =
        std::env::temp_dir().join(format!("cognito-harness-fuzz-lib-{}", uuid::Uuid::new_v4()));
    let file = fuzz::write_finding(&dir, &target, finding, 2).unwrap();
    let mut functions = cognito_harness::Functions::new();
    functions.bind_shared("greet", function);
    let replay = runtime
        .block_on(fuzz::replay(
            &file,
            finding,
            Arc::new(functions),
            Default::default(),
        ))
        .unwrap();
    assert!(replay.reproduced, "{replay:?}");
    assert_eq!(replay.event_difference, None, "{replay:?}");
    std::fs::remove_dir_all(&dir).ok();
}
