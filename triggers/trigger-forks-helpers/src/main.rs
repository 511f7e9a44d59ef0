//! Broken on purpose: on each event it starts three helpers that outlive the handler, the ways
//! real functions leak processes: a plain child, a `setsid` daemon, and a double-forked orphan.
//! Each helper appends `<pid> <kind> <NSpid...>` (its pid as the host sees it, read from /proc,
//! then its ids in each PID namespace it is in) to the file
//! `HELPERS_FILE`, then sleeps. Then, by `AFTER_FORKING`: `answer` (default) answers with the event,
//! `exit` exits with status 3, `hang` never answers.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

/// Records the shell's own pid (/proc/self resolves in /proc's namespace: the host's) and its ids
/// in every nested PID namespace (`NSpid`), then becomes a long sleep with that pid.
const HELPER: &str = r#"read -r pid rest < /proc/self/stat
ns=
while read -r key value; do [ "$key" = NSpid: ] && ns=$value; done < /proc/self/status
echo "$pid $KIND $ns" >> "$HELPERS_FILE"
exec sleep 600"#;

fn helper(kind: &str) -> Command {
    let mut command = Command::new("sh");
    command
        .env("HELPER", HELPER)
        .env("KIND", kind)
        .stdin(Stdio::null());
    command
}

async fn fork_helpers(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let file = std::env::var("HELPERS_FILE")?;
    let before = std::fs::read_to_string(&file)
        .unwrap_or_default()
        .lines()
        .count();

    helper("child").args(["-c", HELPER]).spawn()?;
    let mut daemon = helper("setsid");
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        daemon.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    daemon.args(["-c", HELPER]).spawn()?;
    // The outer shell backgrounds the helper and exits at once: the helper is orphaned.
    helper("double-fork")
        .args(["-c", "sh -c \"$HELPER\" &"])
        .status()?;

    // Every helper has written its pid before we go on.
    let start = Instant::now();
    while std::fs::read_to_string(&file)
        .unwrap_or_default()
        .lines()
        .count()
        < before + 3
    {
        if start.elapsed() > Duration::from_secs(20) {
            return Err("the helpers did not start".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    match std::env::var("AFTER_FORKING").as_deref() {
        Ok("exit") => {
            eprintln!("exiting with helpers left behind");
            std::process::exit(3)
        }
        Ok("hang") => std::future::pending().await,
        _ => Ok(event.payload),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(fork_helpers)).await
}
