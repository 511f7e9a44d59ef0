//! `check --watch` through the real binary: a project made by `init`, a scenario edit reruns the
//! scenario, a source edit rebuilds the function and restarts its warm process, Ctrl-C stops
//! everything with no process left behind.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support;

const BIN: &str = env!("CARGO_BIN_EXE_cognito-harness");

/// Waits (generously: this is not a timing test) until `done` holds.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The processes whose program is `program`.
fn processes_of(program: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                c.split(|b| *b == 0).next() == Some(program.as_os_str().as_encoded_bytes())
            })
        })
        .filter(|pid| support::alive(*pid))
        .collect()
}

/// Stops the watcher however the test ends.
struct Watcher(Child);

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_saved_scenario_reruns_and_a_saved_source_rebuilds_and_restarts_the_function() {
    let dir = std::env::temp_dir().join(format!("cognito-harness-watch-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let init = Command::new(BIN)
        .args(["init", "--function", "cm", "--runtime", "rust"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    // The "build" installs a prebuilt trigger as the function's binary, replacing the file (as a
    // linker does), and counts its runs.
    let trigger = support::trigger("custom-message-branded");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(dir.join("src/handler.txt"), "v1").unwrap();
    std::fs::write(
        dir.join("cognito-harness.toml"),
        format!(
            "[functions.cm]\ncommand = [\"bin/cm\"]\nbuild = [\"sh\", \"-c\", \"cp {} bin/cm.new && mv bin/cm.new bin/cm && echo built >> builds.log\"]\nwatch = [\"src\"]\n",
            trigger.display()
        ),
    )
    .unwrap();
    let program = dir.canonicalize().unwrap().join("bin/cm");
    let out_file = dir.join("watch.out");
    let child = Command::new(BIN)
        .args(["check", "--watch"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut watcher = Watcher(child);
    let output = || std::fs::read_to_string(&out_file).unwrap_or_default();
    let builds = || {
        std::fs::read_to_string(dir.join("builds.log"))
            .unwrap_or_default()
            .lines()
            .count()
    };

    eventually("the first run", || output().contains("1 passed, 0 failed"));
    assert!(
        output().starts_with("check --watch, run 1: start\n"),
        "{}",
        output()
    );
    assert_eq!(builds(), 1);
    let first_process = processes_of(&program);
    assert_eq!(first_process.len(), 1, "one warm process");

    // A scenario edit reruns it, with no rebuild.
    let scenario_file = dir.join("fixtures/scenarios/cm/first.json");
    let text = std::fs::read_to_string(&scenario_file).unwrap();
    std::fs::write(
        &scenario_file,
        text.replace("cm: an e-mail change sends the code", "renamed"),
    )
    .unwrap();
    eventually("the rerun after the scenario edit", || {
        output().contains("run 2: changed: ") && output().ends_with("1 passed, 0 failed\n")
    });
    let second = output();
    let run2 = &second[second.find("check --watch, run 2").unwrap()..];
    assert!(run2.contains("renamed"), "{second}");
    assert!(second.contains(&format!("\n{}\ncheck --watch, run 2", "-".repeat(72))));
    assert_eq!(builds(), 1, "a scenario edit rebuilds nothing");
    assert_eq!(
        processes_of(&program),
        first_process,
        "and keeps the warm process"
    );

    // A source edit rebuilds the function, restarts its process and reruns its scenario.
    std::fs::write(dir.join("src/handler.txt"), "v2").unwrap();
    eventually("the rerun after the source edit", || {
        output().contains("run 3: changed: function cm")
            && output().ends_with("1 passed, 0 failed\n")
    });
    assert_eq!(builds(), 2);
    let third = processes_of(&program);
    assert_eq!(third.len(), 1, "one warm process: {third:?}");
    assert_ne!(
        third, first_process,
        "the rebuilt function runs in a new process"
    );

    // Ctrl-C stops it, and no function process outlives it.
    let pid = watcher.0.id() as libc::pid_t;
    // SAFETY: sending a signal to our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let mut status = None;
    eventually("the watcher to exit", || {
        status = watcher.0.try_wait().unwrap();
        status.is_some()
    });
    assert_eq!(status.unwrap().code(), Some(0));
    eventually("the function's process to end", || {
        processes_of(&program).is_empty()
    });
    drop(watcher);
    std::fs::remove_dir_all(&dir).unwrap();
}
