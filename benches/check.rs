//! `check` at scale: the bundled suite (fixtures/scenarios) copied over and over into a temporary
//! folder until there are 100 and 10,000 scenarios, with and without the two scenarios whose
//! trigger never answers (each waits out 3 × 300 ms), run by the release CLI with the bundled
//! bindings. Prints the wall time per run (median, p90, p99 over the rounds) and the CLI's
//! maximum resident set size (from `/usr/bin/time -v` when it is installed), and the targets of
//! issue 15: 10,000 scenarios in at most 20 s with the timeout ones, 4 s without. With the timeout
//! ones it also prints the floor their trigger's own waits set: every attempt holds one of the
//! function's environments for the whole deadline, so no schedule beats ⌈hanging scenarios /
//! concurrency⌉ × attempts × deadline.
//!
//! `cargo bench --bench check`. Environment: `COGNITO_BENCH_SIZES` (default `100,10000`),
//! `COGNITO_BENCH_ROUNDS` (default 3), `COGNITO_BENCH_JOBS` (passed as `--jobs`; default: the
//! CLI's own, one per CPU), `COGNITO_BENCH_CONCURRENCY` (environments per function in the
//! generated bindings; default 10, the harness's own default).
//!
//! The copies are generated (never committed) and removed afterwards.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/cargo_env.rs"]
mod cargo_env;

/// The bundled scenarios whose trigger hangs.
const TIMEOUT_SCENARIOS: [&str; 2] = ["timeout.json", "pre-authentication-timeout.json"];

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sizes: Vec<usize> = std::env::var("COGNITO_BENCH_SIZES")
        .unwrap_or_else(|_| "100,10000".to_string())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rounds: usize = env_or("COGNITO_BENCH_ROUNDS", 3);
    let jobs: Option<usize> = std::env::var("COGNITO_BENCH_JOBS")
        .ok()
        .and_then(|v| v.parse().ok());
    let concurrency: u32 = env_or("COGNITO_BENCH_CONCURRENCY", 10);
    let profile_dir = build(root);
    let cli = profile_dir.join("cognito-harness");
    let work = std::env::temp_dir().join(format!("cognito-check-bench-{}", std::process::id()));
    let _cleanup = Cleanup(work.clone());
    std::fs::create_dir_all(&work).expect("a temporary folder");
    let config = work.join("cognito-harness.toml");
    let (timeout_ms, attempts) = write_config(root, &profile_dir, concurrency, &config);
    let bundled = bundled_scenarios(root);
    let time_v = Path::new("/usr/bin/time").exists();
    println!(
        "check: {} bundled scenarios, {} rounds, --jobs {}, concurrency {concurrency} per function, load {}",
        bundled.len(),
        rounds,
        jobs.map_or("(default: CPUs)".to_string(), |j| j.to_string()),
        load()
    );
    if !time_v {
        println!("(no /usr/bin/time: max RSS not measured; apt-get install -y time)");
    }
    for &size in &sizes {
        for with_timeouts in [false, true] {
            let dir = work.join(format!(
                "s{size}-{}",
                if with_timeouts { "all" } else { "no-timeouts" }
            ));
            let hanging = generate(&bundled, size, with_timeouts, &dir);
            let mut walls = Vec::with_capacity(rounds);
            let mut rss = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                let (wall, kb) = run(&cli, &config, &dir, jobs, size, time_v);
                walls.push(wall);
                rss.extend(kb);
            }
            let _ = std::fs::remove_dir_all(&dir);
            walls.sort();
            let at = |q: f64| walls[((walls.len() - 1) as f64 * q).round() as usize];
            let target = match (size, with_timeouts) {
                (10_000, true) => " (target ≤ 20 s)",
                (10_000, false) => " (target ≤ 4 s)",
                _ => "",
            };
            // No run can beat the hanging function's own waits: a hanging scenario holds one of
            // its environments for every attempt's deadline in turn, and check never asks it for
            // more at once than its concurrency allows.
            let wait_floor = if hanging > 0 {
                let concurrency = u64::from(concurrency.max(1));
                let waves = hanging.div_ceil(concurrency);
                format!(
                    "; floor {:.2} s = ⌈{hanging} hanging scenarios / {concurrency} environments⌉ × {attempts} attempts × {timeout_ms} ms",
                    (waves * attempts * timeout_ms) as f64 / 1000.0
                )
            } else {
                String::new()
            };
            println!(
                "{size:>6} scenarios, {:<16}: median {:>7.2} s  p90 {:>7.2} s  p99 {:>7.2} s  max RSS {}{target}{wait_floor}",
                if with_timeouts { "with timeouts" } else { "without timeouts" },
                at(0.5).as_secs_f64(),
                at(0.9).as_secs_f64(),
                at(0.99).as_secs_f64(),
                rss.iter().max().map_or("-".to_string(), |kb| format!("{:.0} MB", *kb as f64 / 1024.0)),
            );
        }
    }
}

/// Builds the release CLI and the example triggers; returns `<target>/release`.
fn build(root: &Path) -> PathBuf {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("<target>/<profile>/deps/<bench>")
        .to_path_buf();
    let target_dir = profile_dir.parent().expect("<target>/<profile>");
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()));
    let status = cargo_env::as_from_a_shell(&mut cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--workspace",
            "--bins",
            "--features",
            "cognito-harness/cli",
            "--target-dir",
        ])
        .arg(target_dir)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the CLI and the triggers failed");
    profile_dir
}

/// The bundled bindings with every `target/release/<name>` command pointed at `profile_dir`,
/// no `build` step, and `concurrency` environments per process function. Returns their deadline:
/// the timeout per attempt in ms and the attempts.
fn write_config(root: &Path, profile_dir: &Path, concurrency: u32, to: &Path) -> (u64, u64) {
    let text = std::fs::read_to_string(root.join("cognito-harness.toml")).expect("the bindings");
    let mut config: toml::Table = text.parse().expect("the bindings parse");
    let deadline = |key: &str| {
        config
            .get("deadline")
            .and_then(|d| d.get(key))
            .and_then(toml::Value::as_integer)
            .and_then(|v| u64::try_from(v).ok())
    };
    // Without a [deadline] table, Cognito's own: 5 s, three attempts.
    let deadline = (
        deadline("timeout_ms").unwrap_or(5_000),
        deadline("attempts").unwrap_or(3),
    );
    config.remove("build");
    if let Some(toml::Value::Table(functions)) = config.get_mut("functions") {
        for (_, spec) in functions.iter_mut() {
            let Some(spec) = spec.as_table_mut() else {
                continue;
            };
            spec.remove("build");
            let Some(toml::Value::Array(command)) = spec.get_mut("command") else {
                continue;
            };
            if let Some(toml::Value::String(program)) = command.first_mut() {
                if let Some(name) = program.strip_prefix("target/release/") {
                    *program = profile_dir.join(name).display().to_string();
                } else if Path::new(program.as_str()).is_relative() && program.contains('/') {
                    *program = root.join(program.as_str()).display().to_string();
                }
            }
            spec.insert(
                "concurrency".into(),
                toml::Value::Integer(concurrency.into()),
            );
        }
    }
    std::fs::write(to, toml::to_string(&config).expect("toml")).expect("the bench's bindings");
    deadline
}

/// Every bundled scenario file with its pool path made absolute, so a copy runs anywhere.
fn bundled_scenarios(root: &Path) -> Vec<(String, String)> {
    let dir = root.join("fixtures/scenarios");
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("a scenario");
            let mut scenario: Value = serde_json::from_str(&text).expect("scenario JSON");
            if let Some(Value::String(pool)) = scenario.get_mut("pool") {
                let path = file.parent().expect("a folder").join(pool.as_str());
                *pool = path
                    .canonicalize()
                    .expect("the scenario's pool file")
                    .display()
                    .to_string();
            }
            let relative = file
                .strip_prefix(&dir)
                .expect("under fixtures/scenarios")
                .display()
                .to_string();
            (relative, serde_json::to_string(&scenario).expect("JSON"))
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a fixtures folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// `size` scenarios in `dir`: the bundled ones in order, again and again (`copy-NNNN/...`).
/// Returns how many of them are ones whose trigger hangs.
fn generate(bundled: &[(String, String)], size: usize, with_timeouts: bool, dir: &Path) -> u64 {
    let chosen: Vec<&(String, String)> = bundled
        .iter()
        .filter(|(relative, _)| {
            with_timeouts || !TIMEOUT_SCENARIOS.iter().any(|t| relative.ends_with(t))
        })
        .collect();
    for i in 0..size {
        let (relative, text) = chosen[i % chosen.len()];
        let path = dir
            .join(format!("copy-{:04}", i / chosen.len()))
            .join(relative);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("a folder");
        std::fs::write(path, text).expect("a scenario copy");
    }
    (0..size)
        .filter(|i| {
            let (relative, _) = chosen[i % chosen.len()];
            TIMEOUT_SCENARIOS.iter().any(|t| relative.ends_with(t))
        })
        .count() as u64
}

/// One `check` run: its wall time and, with `/usr/bin/time -v`, its maximum RSS in KiB.
fn run(
    cli: &Path,
    config: &Path,
    dir: &Path,
    jobs: Option<usize>,
    size: usize,
    time_v: bool,
) -> (Duration, Option<u64>) {
    let mut command = if time_v {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-v").arg(cli);
        c
    } else {
        Command::new(cli)
    };
    command.arg("check").arg(dir).arg("--config").arg(config);
    if let Some(jobs) = jobs {
        command.arg("--jobs").arg(jobs.to_string());
    }
    let started = Instant::now();
    let output = command.output().expect("the CLI runs");
    let wall = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        output.status.success() && last == format!("{size} passed, 0 failed"),
        "check did not pass every scenario ({}): {last}\n{}",
        output.status,
        stdout
            .lines()
            .filter(|l| !l.starts_with("PASS"))
            .take(40)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let rss = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|kb| kb.trim().parse().ok());
    (wall, rss)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_string())
}

/// Removes the generated scenarios, even when a run panics.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
