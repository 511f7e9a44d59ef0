//! `cognito-harness init`: from an empty folder to a passing `check`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cognito_harness::exit;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cognito-harness"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn empty_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cognito-harness-init-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn init_writes_the_three_files_and_check_runs_them() {
    for (function, trigger) in [
        ("custom-message-branded", "custom-message"),
        ("pre-sign-up-allowlist", "pre-sign-up"),
    ] {
        let dir = empty_dir();
        let out = run(
            &dir,
            &[
                "init",
                "--function",
                function,
                "--runtime",
                "rust",
                "--trigger",
                trigger,
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(exit::OK),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!(
                "created ./cognito-harness.toml\ncreated ./fixtures/pools/{function}.json\n\
                 created ./fixtures/scenarios/{function}/first.json\nnext: cognito-harness check\n"
            )
        );
        let toml = std::fs::read_to_string(dir.join("cognito-harness.toml")).unwrap();
        assert!(
            toml.contains(&format!(
                "[functions.{function}]\n# A lambda_runtime binary; `build` runs before the first invocation.\n\
                 command = [\"target/debug/{function}\"]\nbuild = [\"cargo\", \"build\", \"--bin\", \"{function}\"]\n"
            )),
            "{toml}"
        );
        // This folder is no cargo project, so point the binding at the workspace's own build of
        // the same function; the pool and the scenario stay as init wrote them.
        std::fs::remove_file(dir.join("cognito-harness.toml")).unwrap();
        crate::cli::trigger_config(&dir, function);
        let out = run(&dir, &["check"]);
        assert_eq!(
            out.status.code(),
            Some(exit::OK),
            "{function}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).ends_with("1 passed, 0 failed\n"));
    }
}

#[test]
fn init_never_overwrites_and_names_what_is_in_the_way() {
    let dir = empty_dir();
    let first = run(&dir, &["init", "--function", "cm", "--runtime", "python"]);
    assert_eq!(first.status.code(), Some(exit::OK));
    let toml = std::fs::read_to_string(dir.join("cognito-harness.toml")).unwrap();
    assert!(
        toml.contains("command = [\"python3\", \"-m\", \"awslambdaric\", \"app.handler\"]"),
        "{toml}"
    );
    let again = run(&dir, &["init", "--function", "cm", "--runtime", "node"]);
    assert_eq!(again.status.code(), Some(exit::INPUT_ERROR));
    assert_eq!(
        String::from_utf8_lossy(&again.stderr),
        "error: ./cognito-harness.toml: already exists; init writes new files only (move it away or edit it)\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("cognito-harness.toml")).unwrap(),
        toml
    );

    let bad = run(
        &empty_dir(),
        &["init", "--function", "my function", "--runtime", "rust"],
    );
    assert_eq!(bad.status.code(), Some(exit::INPUT_ERROR));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr),
        "error: --function: expected a Lambda function name (letters, digits, `-` and `_`), not `my function`\n"
    );
}

/// `init` for an interpreted runtime, then what its comments tell the user to do: write the
/// handler beside the config, install AWS's runtime interface client, run `check`. The clients
/// come from the tests' own installs, found the way a user's are (a virtualenv first on `PATH`,
/// `node_modules` in the folder).
#[test]
fn init_then_check_runs_a_python_and_a_node_handler_written_beside_the_config() {
    let python = crate::support::python_with_awslambdaric();
    let venv_bin = python.parent().unwrap();
    let path = format!(
        "{}:{}",
        venv_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let check = |dir: &Path| {
        Command::new(env!("CARGO_BIN_EXE_cognito-harness"))
            .arg("check")
            .current_dir(dir)
            .env("PATH", &path)
            .output()
            .expect("the binary runs")
    };
    let assert_passes = |dir: &Path, out: Output| {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(exit::OK),
            "{}: {stdout}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.ends_with("1 passed, 0 failed\n"), "{stdout}");
    };

    let dir = empty_dir();
    let init = run(
        &dir,
        &["init", "--function", "cm-py", "--runtime", "python"],
    );
    assert_eq!(init.status.code(), Some(exit::OK));
    std::fs::write(
        dir.join("app.py"),
        "def handler(event, context):\n    \
             code = event['request']['codeParameter']\n    \
             event['response']['emailSubject'] = 'Confirm your new address'\n    \
             event['response']['emailMessage'] = 'Your code is ' + code\n    \
             event['response']['smsMessage'] = 'Code: ' + code\n    \
             return event\n",
    )
    .unwrap();
    assert_passes(&dir, check(&dir));
    std::fs::remove_dir_all(&dir).ok();

    let ric = match crate::support::aws_lambda_ric() {
        Ok(entry) => entry,
        Err(why) => {
            eprintln!("node part skipped: aws-lambda-ric is not available here: {why}");
            return;
        }
    };
    // <prefix>/node_modules/aws-lambda-ric/bin/index.mjs
    let node_modules = ric.ancestors().nth(3).unwrap();
    let dir = empty_dir();
    let init = run(
        &dir,
        &["init", "--function", "cm-node", "--runtime", "node"],
    );
    assert_eq!(init.status.code(), Some(exit::OK));
    std::os::unix::fs::symlink(node_modules, dir.join("node_modules")).unwrap();
    std::fs::write(
        dir.join("index.js"),
        "exports.handler = async (event) => {\n  \
             const code = event.request.codeParameter;\n  \
             event.response.emailSubject = 'Confirm your new address';\n  \
             event.response.emailMessage = `Your code is ${code}`;\n  \
             event.response.smsMessage = `Code: ${code}`;\n  \
             return event;\n};\n",
    )
    .unwrap();
    assert_passes(&dir, check(&dir));
    std::fs::remove_dir_all(&dir).ok();
}
