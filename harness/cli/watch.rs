//! `cognito-harness check --watch`: run the scenarios, then on every save rebuild what changed and
//! rerun only the scenarios it touches, showing the last run alone (the screen is cleared on a
//! terminal; elsewhere a separator line starts each run).
//!
//! What is watched: the scenario paths given, the pool files the scenarios name, the config file,
//! and each used function's sources ([`Binding::watch_paths`]). A changed scenario or pool file
//! reruns the scenarios that read it; a changed function source rebuilds that function (its
//! `build`, after the top-level one), restarts its warm processes (the old binary may be gone) and
//! reruns the scenarios that use it; a changed config file reloads everything. Ctrl-C (or SIGTERM)
//! stops the watch; dropping the function lookup ends every process it started.

use std::collections::{BTreeSet, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    new_debouncer, DebounceEventResult, DebouncedEvent, Debouncer, RecommendedCache,
};
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::mpsc;

use super::Selection;
use crate::binding::{Binding, DEFAULT_CONFIG_FILE};
use crate::error::Error;
use crate::exit;
use crate::function::Functions;
use crate::report::Human;
use crate::scenario::{self, run, Scenario};

/// How long the file system must be quiet before a batch of changes is acted on: an editor's
/// save (write, rename, chmod) is one batch.
const QUIET: Duration = Duration::from_millis(50);

/// Folders below a watched one whose changes are never a source change: build output,
/// dependencies, caches the run itself writes, hidden folders.
fn ignored(relative: &Path) -> bool {
    relative.components().any(|c| match c {
        Component::Normal(name) => name.to_str().is_some_and(|n| {
            n == "target" || n == "node_modules" || n == "__pycache__" || n.starts_with('.')
        }),
        _ => false,
    })
}

/// What a watch session holds between runs.
struct Session<'a> {
    config: Option<&'a Path>,
    paths: &'a [PathBuf],
    selection: &'a Selection,
    binding: Binding,
    functions: Functions,
    scenarios: Vec<Scenario>,
    terminal: bool,
    runs: usize,
    last_code: i32,
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    /// What the debouncer watches already (canonical paths).
    watched: HashSet<PathBuf>,
}

/// Runs `check --watch` until Ctrl-C; returns the last run's exit code.
pub(super) async fn watch(
    config: Option<&Path>,
    paths: &[PathBuf],
    selection: &Selection,
) -> Result<i32, Error> {
    let binding = Binding::load(config)?;
    // One listener for the whole watch: a Ctrl-C that comes during a build (when nothing polls
    // it) is kept for the next poll instead of being lost.
    let mut stop = Stop::new()?;
    let (tx, mut rx) = mpsc::unbounded_channel::<DebounceEventResult>();
    let debouncer = new_debouncer(QUIET, None, move |result| {
        // The receiver is gone only when the watch is ending.
        let _ = tx.send(result);
    })
    .map_err(|e| Error::Usage(format!("--watch: could not watch files: {e}")))?;
    let mut session = Session {
        config,
        paths,
        selection,
        functions: binding.functions(),
        binding,
        scenarios: Vec::new(),
        terminal: std::io::stdout().is_terminal(),
        runs: 0,
        last_code: exit::OK,
        debouncer,
        watched: HashSet::new(),
    };
    let mut first = Some(Change::Everything);
    loop {
        let change = match first.take() {
            Some(change) => change,
            None => {
                let batch = tokio::select! {
                    batch = rx.recv() => batch,
                    _ = stop.recv() => return Ok(session.last_code),
                };
                let Some(batch) = batch else {
                    return Ok(session.last_code);
                };
                let mut changed = match batch {
                    Ok(events) => changed_paths(events),
                    Err(errors) => {
                        for e in errors {
                            eprintln!("warning: watching files: {e}");
                        }
                        continue;
                    }
                };
                // Whatever else queued up while this batch waited joins it.
                while let Ok(Ok(events)) = rx.try_recv() {
                    changed.extend(changed_paths(events));
                }
                match session.classify(&changed) {
                    Some(change) => change,
                    None => continue,
                }
            }
        };
        let ran = tokio::select! {
            ran = session.apply(change) => ran,
            _ = stop.recv() => return Ok(session.last_code),
        };
        if let Err(e) = ran {
            eprintln!("error: {e}");
        }
        // Also after a failed load: the paths given are watched, so fixing the file reruns.
        session.watch_more();
        eprintln!("watching for changes (Ctrl-C stops)");
    }
}

/// Ctrl-C (SIGINT) or SIGTERM.
struct Stop {
    interrupt: Signal,
    terminate: Signal,
}

impl Stop {
    fn new() -> Result<Stop, Error> {
        let listen = |kind| {
            signal(kind)
                .map_err(|e| Error::Usage(format!("--watch: cannot listen for signals: {e}")))
        };
        Ok(Stop {
            interrupt: listen(SignalKind::interrupt())?,
            terminate: listen(SignalKind::terminate())?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

/// What a batch of file changes calls for.
#[derive(Debug)]
enum Change {
    /// The config file changed (or the first run): reload, rebuild and rerun everything.
    Everything,
    /// Scenario or pool files changed, and these function sources.
    Some {
        files: BTreeSet<PathBuf>,
        functions: BTreeSet<String>,
    },
}

impl Session<'_> {
    fn config_file(&self) -> PathBuf {
        self.config
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE))
    }

    /// The functions of the binding that scenario `s` uses.
    fn used_by(&self, s: &Scenario) -> BTreeSet<String> {
        let arns = s.lambda_arns();
        self.binding
            .referenced(arns.iter().map(String::as_str))
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    fn used(&self) -> BTreeSet<String> {
        self.scenarios
            .iter()
            .flat_map(|s| self.used_by(s))
            .collect()
    }

    /// Starts watching what the loaded scenarios and their functions add, before they run, so
    /// a save during a run is not missed.
    fn watch_more(&mut self) {
        for (path, mode) in self.watch_list() {
            let path = path.canonicalize().unwrap_or(path);
            if self.watched.insert(path.clone()) {
                if let Err(e) = self.debouncer.watch(&path, mode) {
                    self.watched.remove(&path);
                    eprintln!("warning: cannot watch {}: {e}", path.display());
                }
            }
        }
    }

    /// Everything to watch, with how.
    fn watch_list(&self) -> Vec<(PathBuf, RecursiveMode)> {
        let mode = |p: &Path| {
            if p.is_dir() {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            }
        };
        let mut list: Vec<PathBuf> = self.paths.to_vec();
        list.extend(self.scenarios.iter().filter_map(|s| s.pool_file.clone()));
        let config = self.config_file();
        if config.exists() {
            list.push(config);
        }
        for name in self.used() {
            list.extend(self.binding.watch_paths(&name));
        }
        list.into_iter()
            .filter(|p| p.exists())
            .map(|p| {
                let m = mode(&p);
                (p, m)
            })
            .collect()
    }

    /// Sorts changed paths into what they call for; None when nothing watched changed.
    fn classify(&self, changed: &BTreeSet<PathBuf>) -> Option<Change> {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let config = canonical(&self.config_file());
        if changed.iter().any(|p| canonical(p) == config) {
            return Some(Change::Everything);
        }
        let inputs: Vec<PathBuf> = self.paths.iter().map(|p| canonical(p)).collect();
        let known: HashSet<PathBuf> = self
            .scenarios
            .iter()
            .flat_map(|s| std::iter::once(s.file.clone()).chain(s.pool_file.clone()))
            .map(|p| canonical(&p))
            .collect();
        let mut files = BTreeSet::new();
        let mut functions = BTreeSet::new();
        let used = self.used();
        for path in changed {
            let path = canonical(path);
            let in_inputs = inputs.iter().any(|i| {
                path.strip_prefix(i)
                    .is_ok_and(|rest| !ignored(rest) && is_json(&path))
            });
            if known.contains(&path) || in_inputs {
                files.insert(path);
                continue;
            }
            for name in &used {
                let hit = self.binding.watch_paths(name).iter().any(|root| {
                    path.strip_prefix(canonical(root))
                        .is_ok_and(|rest| !ignored(rest))
                });
                if hit {
                    functions.insert(name.clone());
                }
            }
        }
        (!files.is_empty() || !functions.is_empty()).then_some(Change::Some { files, functions })
    }

    /// Rebuilds and reruns what `change` calls for, printing that run alone.
    async fn apply(&mut self, change: Change) -> Result<(), Error> {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let (rebuild, selected) = match change {
            Change::Everything => {
                self.begin_run(if self.runs == 0 {
                    "start".to_string()
                } else {
                    "the config file changed".to_string()
                });
                if self.runs > 1 {
                    self.binding = Binding::load(self.config)?;
                }
                // Every process of the old lookup ends with it.
                self.functions = self.binding.functions();
                self.scenarios = self.load()?;
                let all: Vec<usize> = (0..self.scenarios.len()).collect();
                (self.used(), all)
            }
            Change::Some { files, functions } => {
                let shown: Vec<String> = files
                    .iter()
                    .map(|f| f.display().to_string())
                    .chain(functions.iter().map(|f| format!("function {f}")))
                    .collect();
                self.begin_run(format!("changed: {}", shown.join(", ")));
                let before: HashSet<PathBuf> =
                    self.scenarios.iter().map(|s| canonical(&s.file)).collect();
                if !files.is_empty() {
                    self.scenarios = self.load()?;
                }
                let selected: Vec<usize> = (0..self.scenarios.len())
                    .filter(|&i| {
                        let s = &self.scenarios[i];
                        let file = canonical(&s.file);
                        files.contains(&file)
                            || !before.contains(&file)
                            || s.pool_file
                                .as_ref()
                                .is_some_and(|p| files.contains(&canonical(p)))
                            || self.used_by(s).iter().any(|f| functions.contains(f))
                    })
                    .collect();
                self.binding.build(functions.iter().map(String::as_str))?;
                // The rebuilt functions' warm processes run the old binary: start afresh (the
                // old processes end when the last call holding them is done).
                let fresh = self.binding.functions();
                for name in &functions {
                    if let Some(f) = fresh.get(name) {
                        self.functions.bind_shared(name.clone(), f);
                    }
                }
                (BTreeSet::new(), selected)
            }
        };
        self.watch_more();
        if selected.is_empty() {
            println!("no scenario uses what changed");
            return Ok(());
        }
        self.binding.build(rebuild.iter().map(String::as_str))?;
        let scenarios: Vec<Result<Scenario, Error>> = selected
            .iter()
            .map(|&i| Ok(self.scenarios[i].clone()))
            .collect();
        let mut human = Human::new(std::io::stdout().lock(), self.terminal, false);
        let summary = run::run_all(
            scenarios,
            Arc::new(self.functions.clone()),
            self.binding.deadline,
            &mut |e| human.on_event(e),
        )
        .await?;
        drop(human);
        self.last_code = super::exit_code(&summary);
        Ok(())
    }

    /// Clears the screen (or prints a separator) and says why this run happens.
    fn begin_run(&mut self, reason: String) {
        self.runs += 1;
        let mut out = std::io::stdout().lock();
        if self.terminal {
            let _ = write!(out, "\x1b[2J\x1b[H");
        } else if self.runs > 1 {
            let _ = writeln!(out, "{}", "-".repeat(72));
        }
        let _ = writeln!(out, "check --watch, run {}: {reason}", self.runs);
        let _ = out.flush();
    }

    fn load(&self) -> Result<Vec<Scenario>, Error> {
        let files = scenario::discover(self.paths)?;
        let scenarios = files
            .iter()
            .map(|f| Scenario::load(f))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.selection.apply(scenarios))
    }
}

/// The paths whose content or presence changed; reads (which the run itself does) are not
/// changes.
fn changed_paths(events: Vec<DebouncedEvent>) -> BTreeSet<PathBuf> {
    events
        .into_iter()
        .filter(|e| !matches!(e.kind, EventKind::Access(_)))
        .flat_map(|e| e.event.paths)
        .collect()
}

fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}
