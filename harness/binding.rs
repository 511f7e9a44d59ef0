//! Binding LambdaConfig ARNs to local functions: `cognito-harness.toml`.
//!
//! ```toml
//! build = ["cargo", "build", "--release"]  # optional: run once before any bound function is used
//!
//! [deadline]                       # optional: Cognito's patience (default 5000 ms × 3 attempts)
//! timeout_ms = 5000
//! attempts = 3
//!
//! [functions.custom-message]       # arn:aws:lambda:<region>:<account>:function:custom-message
//! command = ["target/release/custom-message"]
//! build = ["cargo", "build", "--release", "-p", "custom-message"]  # optional: before this one's first use
//! env = { BRAND = "acme" }         # optional: the function's environment variables
//! pass_env = ["RUST_LOG"]          # optional: variables taken from the harness's environment
//! concurrency = 10                 # optional: environments at once (reserved concurrency), 0..=1000
//! memory_size = 128                # optional: AWS_LAMBDA_FUNCTION_MEMORY_SIZE
//! handler = "bootstrap"            # optional: _HANDLER
//! cwd = "functions/custom-message" # optional: working directory and LAMBDA_TASK_ROOT (default: this file's folder)
//! watch = ["src"]                  # optional: what `check --watch` watches (default: `cwd`)
//! runtime = "python3.12"           # optional: a managed runtime's id, for AWS_EXECUTION_ENV
//!
//! [functions.pre-sign-up]
//! url = "http://127.0.0.1:9000/2015-03-31/functions/pre-sign-up/invocations"
//! ```
//!
//! Relative paths (the program of `command`, the working directory of `build`) are relative to the
//! directory of the config file. An ARN whose function name is not bound resolves to nothing, which
//! the actions turn into Cognito's AccessDenied case.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::error::Error;
use crate::function::http_invoke::HttpFunction;
use crate::function::runtime_api::{ProcessFunction, DEFAULT_CONCURRENCY};
use crate::function::{function_name_of, Deadline, Function, Functions};
use crate::input_file::read_input_file;

/// The config file looked for in the current directory when `--config` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "cognito-harness.toml";

/// `cognito-harness.toml` as written; `cognito-harness schema config` derives its JSON Schema
/// from these types.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    /// A command run once before any bound function is used (e.g. one `cargo build` for every
    /// trigger), in the config file's folder: the program, then its arguments.
    #[serde(default)]
    #[cfg_attr(feature = "cli", schemars(length(min = 1)))]
    build: Option<Vec<String>>,
    /// Cognito's patience with a function (default 5000 ms per attempt, 3 attempts).
    #[serde(default)]
    deadline: Option<DeadlineSpec>,
    /// The functions, by name: the last part of the LambdaConfig ARN
    /// (`arn:aws:lambda:<region>:<account>:function:<name>`).
    #[serde(default)]
    functions: BTreeMap<String, FunctionSpec>,
}

/// `[deadline]`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct DeadlineSpec {
    /// How long one attempt may take, in milliseconds (default 5000).
    #[cfg_attr(feature = "cli", schemars(range(min = 1)))]
    timeout_ms: Option<u64>,
    /// How many attempts Cognito makes when a function times out (default 3).
    #[cfg_attr(feature = "cli", schemars(range(min = 1)))]
    attempts: Option<u32>,
}

/// One `[functions.<name>]` table.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FunctionSpec {
    /// A program (and its arguments) that runs a Lambda function against the Runtime API
    /// (`AWS_LAMBDA_RUNTIME_API`). A program path with a `/` is relative to the config file's
    /// folder; a bare name is looked up on PATH.
    #[cfg_attr(feature = "cli", schemars(length(min = 1)))]
    pub command: Option<Vec<String>>,
    /// An HTTP Invoke API endpoint (`.../2015-03-31/functions/<name>/invocations`).
    pub url: Option<String>,
    /// A command run once before the function is first needed, in the config file's folder.
    #[cfg_attr(feature = "cli", schemars(length(min = 1)))]
    pub build: Option<Vec<String>>,
    /// The function's working directory, also given as `LAMBDA_TASK_ROOT` (where runtime
    /// interface clients look for the handler's module), relative to the config file's folder.
    /// Default: the config file's folder.
    pub cwd: Option<String>,
    /// Files or folders whose changes make `check --watch` rebuild this function and rerun the
    /// scenarios that use it, relative to the config file's folder. Default: `cwd`, else the
    /// config file's folder (build output, dependencies and hidden folders are never watched).
    #[serde(default)]
    pub watch: Vec<String>,
    /// Extra environment variables for `command`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Variables `command` gets from the harness's environment.
    #[serde(default)]
    pub pass_env: Vec<String>,
    /// How many execution environments may run at once (reserved concurrency; default 10).
    #[cfg_attr(feature = "cli", schemars(range(max = 1000)))]
    pub concurrency: Option<u32>,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in MB (default 128).
    #[cfg_attr(feature = "cli", schemars(range(min = 128, max = 10240)))]
    pub memory_size: Option<u32>,
    /// `_HANDLER`: the handler runtime interface clients run, such as `app.handler`
    /// (default `bootstrap`).
    pub handler: Option<String>,
    /// The managed runtime's id (`python3.12`), for `AWS_EXECUTION_ENV`.
    pub runtime: Option<String>,
}

/// Lambda's configuration of a process function, besides its command.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub env: BTreeMap<String, String>,
    pub pass_env: Vec<String>,
    /// None: [`DEFAULT_CONCURRENCY`].
    pub concurrency: Option<u32>,
    pub memory_size: Option<u32>,
    pub handler: Option<String>,
    pub runtime: Option<String>,
    /// The working directory (`cwd` resolved against the config file's folder); None: that
    /// folder.
    pub cwd: Option<PathBuf>,
}

/// The most environments a function may ask for: Lambda's default account concurrency.
const MAX_CONCURRENCY: u32 = 1000;

/// How a bound function runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Process {
        program: PathBuf,
        args: Vec<String>,
        settings: Settings,
    },
    Url(String),
}

/// A loaded config file.
#[derive(Clone, Debug, Default)]
pub struct Binding {
    /// The file it came from (None when no file exists and nothing is bound).
    pub file: Option<PathBuf>,
    /// Relative paths resolve against this directory.
    pub base_dir: PathBuf,
    pub deadline: Deadline,
    targets: BTreeMap<String, Target>,
    /// The top-level `build`, run before any function is used.
    shared_build: Option<Vec<String>>,
    builds: BTreeMap<String, Vec<String>>,
    /// What `check --watch` watches per function (see [`Binding::watch_paths`]).
    watch: BTreeMap<String, Vec<PathBuf>>,
}

impl Binding {
    /// Reads `path`, or the default file when `path` is None. A missing default file binds nothing;
    /// a missing file named explicitly is an error.
    pub fn load(path: Option<&Path>) -> Result<Binding, Error> {
        let (file, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        match std::fs::metadata(&file) {
            Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => Ok(Binding {
                base_dir: PathBuf::from("."),
                ..Binding::default()
            }),
            _ => Binding::parse(&file, &read_input_file(&file)?),
        }
    }

    /// Parses config text; `file` names it in errors and anchors relative paths.
    pub fn parse(file: &Path, text: &str) -> Result<Binding, Error> {
        let config: ConfigFile = parse_toml(file, text)?;
        let base_dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // Absolute, so a program path stays right whatever directory the process starts in.
        let base_dir = base_dir.canonicalize().unwrap_or(base_dir);
        let mut deadline = Deadline::default();
        if let Some(d) = &config.deadline {
            if let Some(ms) = d.timeout_ms {
                if ms == 0 {
                    return Err(Error::input(
                        file,
                        "deadline.timeout_ms",
                        "expected at least 1 ms: with 0 every invocation would time out",
                    ));
                }
                deadline.per_attempt = Duration::from_millis(ms);
            }
            if let Some(attempts) = d.attempts {
                if attempts == 0 {
                    return Err(Error::input(
                        file,
                        "deadline.attempts",
                        "expected at least 1 attempt",
                    ));
                }
                deadline.attempts = attempts;
            }
        }
        let shared_build = match config.build {
            Some(build) if build.is_empty() => {
                return Err(Error::input(
                    file,
                    "build",
                    "expected a non-empty list: the program, then its arguments",
                ));
            }
            other => other,
        };
        let mut targets = BTreeMap::new();
        let mut builds = BTreeMap::new();
        let mut watch = BTreeMap::new();
        for (name, spec) in config.functions {
            let path = format!("functions.{name}");
            if !spec.watch.is_empty() {
                watch.insert(
                    name.clone(),
                    spec.watch.iter().map(|w| base_dir.join(w)).collect(),
                );
            }
            let target = match (&spec.command, &spec.url) {
                (Some(command), None) => {
                    let Some((program, args)) = command.split_first() else {
                        return Err(Error::input(
                            file,
                            format!("{path}.command"),
                            "expected a non-empty list: the program, then its arguments",
                        ));
                    };
                    Target::Process {
                        program: resolve_program(&base_dir, program),
                        args: args.to_vec(),
                        settings: settings(file, &path, &spec, &base_dir)?,
                    }
                }
                (None, Some(url)) => {
                    if spec.concurrency.is_some()
                        || spec.memory_size.is_some()
                        || spec.handler.is_some()
                        || spec.runtime.is_some()
                        || !spec.pass_env.is_empty()
                        || !spec.env.is_empty()
                        || spec.cwd.is_some()
                    {
                        return Err(Error::input(
                            file,
                            path,
                            "`env`, `pass_env`, `concurrency`, `memory_size`, `handler`, `runtime` and `cwd` configure a `command`; the endpoint at `url` has its own",
                        ));
                    }
                    HttpFunction::new(url)
                        .map_err(|e| Error::input(file, format!("{path}.url"), e.to_string()))?;
                    Target::Url(url.clone())
                }
                (Some(_), Some(_)) => {
                    return Err(Error::input(
                        file,
                        path,
                        "expected either `command` or `url`, not both",
                    ));
                }
                (None, None) => {
                    return Err(Error::input(file, path, "expected `command = [...]` (a process) or `url = \"...\"` (an Invoke API endpoint)"));
                }
            };
            if let Some(build) = spec.build {
                if build.is_empty() {
                    return Err(Error::input(
                        file,
                        format!("{path}.build"),
                        "expected a non-empty list: the program, then its arguments",
                    ));
                }
                builds.insert(name.clone(), build);
            }
            targets.insert(name, target);
        }
        Ok(Binding {
            file: Some(file.to_path_buf()),
            base_dir,
            deadline,
            targets,
            shared_build,
            builds,
            watch,
        })
    }

    /// What `check --watch` watches for changes to function `name`'s sources: its `watch` list;
    /// else its `cwd`; else the config file's folder. A watcher skips build output and
    /// dependencies (`target`, `node_modules`, `__pycache__`, hidden folders) below these.
    pub fn watch_paths(&self, name: &str) -> Vec<PathBuf> {
        if let Some(paths) = self.watch.get(name) {
            return paths.clone();
        }
        match self.targets.get(name) {
            Some(Target::Process { settings, .. }) => {
                vec![settings
                    .cwd
                    .clone()
                    .unwrap_or_else(|| self.base_dir.clone())]
            }
            Some(Target::Url(_)) | None => vec![self.base_dir.clone()],
        }
    }

    /// The bound function names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.targets.keys().map(String::as_str)
    }

    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.get(name)
    }

    /// Runs the build commands the named functions (those bound here) need: the top-level `build`
    /// first when any of them is bound, then their own, each distinct command once, in the config
    /// file's directory. Their output goes to stderr so machine-readable reports on stdout stay
    /// clean.
    pub fn build<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Result<(), Error> {
        for command in self.build_commands(names) {
            let (program, args) = command.split_first().expect("checked non-empty at load");
            let mut cmd = Command::new(program);
            cmd.args(args)
                .current_dir(&self.base_dir)
                .stdin(Stdio::null())
                .stdout(stderr_stdio());
            let shown = command.join(" ");
            let status = cmd.status().map_err(|e| Error::FunctionUnavailable {
                function: shown.clone(),
                message: format!("build command could not start: {e}"),
            })?;
            if !status.success() {
                return Err(Error::FunctionUnavailable {
                    function: shown,
                    message: format!("build command failed ({status}; its output is above)"),
                });
            }
        }
        Ok(())
    }

    /// The commands [`Binding::build`] runs for `names`, in order.
    pub fn build_commands<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Vec<&Vec<String>> {
        let bound: Vec<&str> = names
            .into_iter()
            .filter(|n| self.targets.contains_key(*n))
            .collect();
        let mut commands: Vec<&Vec<String>> = Vec::new();
        if let Some(shared) = self.shared_build.as_ref().filter(|_| !bound.is_empty()) {
            commands.push(shared);
        }
        let own: BTreeSet<&Vec<String>> =
            bound.iter().filter_map(|n| self.builds.get(*n)).collect();
        commands.extend(
            own.into_iter()
                .filter(|c| Some(*c) != self.shared_build.as_ref()),
        );
        commands
    }

    /// The bound functions whose names appear in `arns` (LambdaConfig ARNs or bare names).
    pub fn referenced<'a>(&'a self, arns: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'a str> {
        arns.into_iter()
            .map(function_name_of)
            .filter_map(|n| self.targets.get_key_value(n).map(|(k, _)| k.as_str()))
            .collect()
    }

    /// The lookup the actions use: every bound function, ready to run (processes start on first
    /// use and stay warm while the lookup lives).
    pub fn functions(&self) -> Functions {
        let mut functions = Functions::new();
        for (name, target) in &self.targets {
            let function = make_function(name, target, &self.base_dir)
                .expect("targets are checked when the file is parsed");
            functions.bind_shared(name.clone(), function);
        }
        functions
    }
}

/// Checks and gathers a process function's settings.
fn settings(
    file: &Path,
    path: &str,
    spec: &FunctionSpec,
    base_dir: &Path,
) -> Result<Settings, Error> {
    let cwd = match spec.cwd.as_deref() {
        None => None,
        Some(dir) => {
            let full = base_dir.join(dir);
            if !full.is_dir() {
                return Err(Error::input(
                    file,
                    format!("{path}.cwd"),
                    format!(
                        "expected a folder (relative to the config file's), but {} is none",
                        full.display()
                    ),
                ));
            }
            Some(full)
        }
    };
    if let Some(n) = spec.concurrency.filter(|&n| n > MAX_CONCURRENCY) {
        return Err(Error::input(
            file,
            format!("{path}.concurrency"),
            format!("expected at most {MAX_CONCURRENCY} (Lambda's default account concurrency), got {n}"),
        ));
    }
    if spec
        .memory_size
        .is_some_and(|mb| !(128..=10_240).contains(&mb))
    {
        return Err(Error::input(
            file,
            format!("{path}.memory_size"),
            "expected 128 to 10240 (MB), as Lambda allows",
        ));
    }
    for (i, name) in spec.pass_env.iter().enumerate() {
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            return Err(Error::input(
                file,
                format!("{path}.pass_env[{i}]"),
                format!("expected a variable name, got {name:?}"),
            ));
        }
    }
    Ok(Settings {
        env: spec.env.clone(),
        pass_env: spec.pass_env.clone(),
        concurrency: spec.concurrency,
        memory_size: spec.memory_size,
        handler: spec.handler.clone(),
        runtime: spec.runtime.clone(),
        cwd,
    })
}

/// Makes the function for one target.
fn make_function(name: &str, target: &Target, base_dir: &Path) -> Result<Arc<dyn Function>, Error> {
    Ok(match target {
        Target::Process {
            program,
            args,
            settings,
        } => {
            let command =
                std::iter::once(program.to_string_lossy().into_owned()).chain(args.iter().cloned());
            let mut function = ProcessFunction::new(name, command)
                .envs(settings.env.clone())
                .pass_env(settings.pass_env.iter().cloned())
                .concurrency(settings.concurrency.unwrap_or(DEFAULT_CONCURRENCY))
                .current_dir(settings.cwd.as_deref().unwrap_or(base_dir));
            if let Some(mb) = settings.memory_size {
                function = function.memory_size(mb);
            }
            if let Some(handler) = &settings.handler {
                function = function.handler(handler);
            }
            if let Some(runtime) = &settings.runtime {
                function = function.runtime(runtime);
            }
            Arc::new(function)
        }
        Target::Url(url) => Arc::new(HttpFunction::new(url)?),
    })
}

/// `target/release/x` is relative to the config file; a bare `node` is looked up on PATH.
fn resolve_program(base_dir: &Path, program: &str) -> PathBuf {
    let path = Path::new(program);
    if path.is_relative() && path.components().count() > 1 {
        base_dir.join(path)
    } else {
        path.to_path_buf()
    }
}

/// A child's stdout redirected to our stderr.
fn stderr_stdio() -> Stdio {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() {
            return Stdio::from(fd);
        }
    }
    Stdio::inherit()
}

/// Parses TOML into `T`, naming the key path and line of the first value that does not fit.
fn parse_toml<T: serde::de::DeserializeOwned>(file: &Path, text: &str) -> Result<T, Error> {
    let line_of = |span: Option<std::ops::Range<usize>>| {
        span.map(|s| {
            format!(
                " (line {})",
                text[..s.start.min(text.len())].matches('\n').count() + 1
            )
        })
        .unwrap_or_default()
    };
    let de = toml::Deserializer::parse(text).map_err(|e| {
        Error::input(
            file,
            "$",
            format!("{}{}", e.message().trim(), line_of(e.span())),
        )
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let path = if path == "." { "$".to_string() } else { path };
        Error::input(
            file,
            path,
            format!("{}{}", inner.message().trim(), line_of(inner.span())),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_urls_are_bound_by_name() {
        let text = r#"
            [deadline]
            timeout_ms = 250
            [functions.custom-message]
            command = ["target/release/custom-message", "--flag"]
            build = ["cargo", "build"]
            env = { BRAND = "acme" }
            [functions.pre-sign-up]
            url = "http://127.0.0.1:9000/2015-03-31/functions/pre-sign-up/invocations"
        "#;
        let binding = Binding::parse(Path::new("conf/cognito-harness.toml"), text).unwrap();
        assert_eq!(
            binding.deadline,
            Deadline {
                per_attempt: Duration::from_millis(250),
                attempts: 3
            }
        );
        assert_eq!(
            binding.target("custom-message"),
            Some(&Target::Process {
                program: PathBuf::from("conf/target/release/custom-message"), // conf/ does not exist: not canonicalized
                args: vec!["--flag".into()],
                settings: Settings {
                    env: [("BRAND".to_string(), "acme".to_string())].into(),
                    ..Settings::default()
                },
            })
        );
        assert!(matches!(
            binding.target("pre-sign-up"),
            Some(Target::Url(_))
        ));
        let referenced = binding.referenced([
            "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up",
            "other",
        ]);
        assert_eq!(referenced.into_iter().collect::<Vec<_>>(), ["pre-sign-up"]);
    }

    #[test]
    fn bad_tables_name_the_key_path() {
        let err = Binding::parse(Path::new("h.toml"), "[functions.f]\ncomand = [\"x\"]\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "h.toml: at functions.f.comand: unknown field `comand`, expected one of `command`, `url`, `build`, `cwd`, `watch`, `env`, `pass_env`, `concurrency`, `memory_size`, `handler`, `runtime` (line 2)"
        );
        let err = Binding::parse(Path::new("h.toml"), "[functions.f]\nbuild = [\"x\"]\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "h.toml: at functions.f: expected `command = [...]` (a process) or `url = \"...\"` (an Invoke API endpoint)");
        let err = Binding::parse(Path::new("h.toml"), "[functions.f]\ncommand = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "h.toml: at functions.f.command: invalid type: string \"x\", expected a sequence"
            ),
            "{err}"
        );
    }

    #[test]
    fn the_shared_build_runs_once_first_and_only_when_a_bound_function_is_used() {
        let text = r#"
            build = ["cargo", "build", "--release"]
            [functions.a]
            command = ["target/release/a"]
            [functions.b]
            command = ["target/release/b"]
            build = ["make", "b"]
            [functions.c]
            command = ["target/release/c"]
            build = ["cargo", "build", "--release"]
        "#;
        let binding = Binding::parse(Path::new("h.toml"), text).unwrap();
        let shown = |names: &[&str]| -> Vec<String> {
            binding
                .build_commands(names.iter().copied())
                .into_iter()
                .map(|c| c.join(" "))
                .collect()
        };
        assert_eq!(
            shown(&["b", "a", "c", "b"]),
            ["cargo build --release", "make b"]
        );
        assert_eq!(shown(&["a"]), ["cargo build --release"]);
        assert!(shown(&["unbound"]).is_empty());
        assert!(shown(&[]).is_empty());
    }

    #[test]
    fn the_shared_build_really_runs_before_a_functions_own() {
        let dir = std::env::temp_dir().join(format!("binding-build-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = r#"
            build = ["sh", "-c", "echo shared >> order.txt"]
            [functions.f]
            command = ["true"]
            build = ["sh", "-c", "echo own >> order.txt"]
        "#;
        let binding = Binding::parse(&dir.join("cognito-harness.toml"), text).unwrap();
        binding.build(["f"]).unwrap();
        let order = std::fs::read_to_string(dir.join("order.txt")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(order, "shared\nown\n");

        let failing = Binding::parse(
            Path::new("h.toml"),
            "build = [\"false\"]\n[functions.f]\ncommand = [\"true\"]\n",
        )
        .unwrap();
        let err = failing.build(["f"]).unwrap_err().to_string();
        assert!(err.contains("build command failed"), "{err}");
    }

    #[test]
    fn lambda_settings_are_read_and_checked() {
        let text = r#"
            [functions.f]
            command = ["target/release/f"]
            pass_env = ["RUST_LOG"]
            concurrency = 0
            memory_size = 512
            handler = "app.handler"
            runtime = "python3.12"
        "#;
        let binding = Binding::parse(Path::new("h.toml"), text).unwrap();
        let Some(Target::Process { settings, .. }) = binding.target("f") else {
            panic!("a process target");
        };
        assert_eq!(
            settings,
            &Settings {
                pass_env: vec!["RUST_LOG".into()],
                concurrency: Some(0),
                memory_size: Some(512),
                handler: Some("app.handler".into()),
                runtime: Some("python3.12".into()),
                ..Settings::default()
            }
        );
        let error = |text: &str| {
            Binding::parse(Path::new("h.toml"), text)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            error("[functions.f]\ncommand = [\"f\"]\nconcurrency = 1001\n"),
            "h.toml: at functions.f.concurrency: expected at most 1000 (Lambda's default account concurrency), got 1001"
        );
        assert_eq!(
            error("[functions.f]\ncommand = [\"f\"]\nmemory_size = 64\n"),
            "h.toml: at functions.f.memory_size: expected 128 to 10240 (MB), as Lambda allows"
        );
        assert_eq!(
            error("[functions.f]\ncommand = [\"f\"]\npass_env = [\"A=B\"]\n"),
            "h.toml: at functions.f.pass_env[0]: expected a variable name, got \"A=B\""
        );
        assert_eq!(
            error("[functions.f]\nurl = \"http://127.0.0.1:9/x\"\nconcurrency = 2\n"),
            "h.toml: at functions.f: `env`, `pass_env`, `concurrency`, `memory_size`, `handler`, `runtime` and `cwd` configure a `command`; the endpoint at `url` has its own"
        );
    }

    #[test]
    fn cwd_defaults_to_the_config_folder_and_watch_to_cwd() {
        let dir = std::env::temp_dir().join(format!("binding-cwd-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("fns/py")).unwrap();
        let text = r#"
            [functions.a]
            command = ["python3", "-m", "awslambdaric", "app.handler"]
            [functions.b]
            command = ["python3", "-m", "awslambdaric", "app.handler"]
            cwd = "fns/py"
            [functions.c]
            command = ["x"]
            watch = ["src", "Cargo.toml"]
        "#;
        let binding = Binding::parse(&dir.join("cognito-harness.toml"), text).unwrap();
        let base = dir.canonicalize().unwrap();
        let cwd_of = |name: &str| match binding.target(name) {
            Some(Target::Process { settings, .. }) => settings.cwd.clone(),
            _ => panic!("a process target"),
        };
        assert_eq!(cwd_of("a"), None);
        assert_eq!(cwd_of("b"), Some(base.join("fns/py")));
        assert_eq!(binding.watch_paths("a"), vec![base.clone()]);
        assert_eq!(binding.watch_paths("b"), [base.join("fns/py")]);
        assert_eq!(
            binding.watch_paths("c"),
            [base.join("src"), base.join("Cargo.toml")]
        );
        let err = Binding::parse(
            &dir.join("cognito-harness.toml"),
            "[functions.f]\ncommand = [\"x\"]\ncwd = \"nowhere\"\n",
        )
        .unwrap_err()
        .to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            err,
            format!(
                "{}: at functions.f.cwd: expected a folder (relative to the config file's), but {} is none",
                dir.join("cognito-harness.toml").display(),
                base.join("nowhere").display()
            )
        );
    }

    #[test]
    fn an_empty_shared_build_is_refused() {
        let err = Binding::parse(Path::new("h.toml"), "build = []\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "h.toml: at build: expected a non-empty list: the program, then its arguments"
        );
        let err = Binding::parse(Path::new("h.toml"), "biuld = [\"x\"]\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "h.toml: at biuld: unknown field `biuld`, expected one of `build`, `deadline`, `functions` (line 1)"
        );
    }
}
