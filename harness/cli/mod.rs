//! The `cognito-harness` command line: replay Cognito API calls against your trigger functions and
//! get Cognito's verdict before you deploy. Thin: parsing flags and mapping errors to exit codes;
//! the work is in the layers below (binding, scenario, report, server).

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod completions;
mod fuzz;
mod init;
mod messages;
mod schema;
mod watch;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use serde_json::{Map, Value};

use crate::binding::Binding;
use crate::error::Error;
use crate::exit;
use crate::function::{invoke_with_retries, Invoked};
use crate::input_file::{read_input_file, MAX_INPUT_FILE};
use crate::pool::{DeliveryMedium, PoolConfig};
use crate::report::{self, Human};
use crate::scenario::parallel::run_parallel;
use crate::scenario::{self, Scenario, Summary};
use crate::service::pool_files::read_pool_file;
use crate::trigger::{judge, samples, Context, Decision, Ran, Trigger, TriggerSource};

#[derive(Parser)]
#[command(
    name = "cognito-harness",
    version,
    about = "Run Amazon Cognito user-pool triggers (CustomMessage, PreSignUp, PostConfirmation, PreAuthentication, PostAuthentication, PreTokenGeneration, UserMigration, DefineAuthChallenge, CreateAuthChallenge, VerifyAuthChallengeResponse, CustomEmailSender, CustomSMSSender) locally and get Cognito's verdict before you deploy"
)]
#[command(
    after_help = "Exit codes: 0 all expectations met, 1 an expectation failed, 2 usage or input error, 3 the harness could not run a function."
)]
struct Cli {
    /// The function bindings (default: ./cognito-harness.toml, if it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario files and check every expectation.
    #[command(
        after_help = "Examples:\n  cognito-harness check\n  cognito-harness check fixtures/scenarios/update-attributes --format junit --output junit.xml\n  cognito-harness check my-flow.json --config ci/cognito-harness.toml"
    )]
    Check {
        /// Scenario files or folders (searched for *.json).
        #[arg(default_value = "fixtures/scenarios")]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Write the report here instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Run only the scenarios whose name or file path contains this text.
        #[arg(long, value_name = "PATTERN")]
        filter: Option<String>,
        /// Run the k-th of n shards of the (filtered) scenarios, e.g. `2/4`, to split a suite
        /// across CI runners: every n-th scenario in path order, starting at the k-th.
        #[arg(long, value_name = "K/N", value_parser = parse_partition)]
        partition: Option<(usize, usize)>,
        /// How many scenarios run their CPU work at once (default: the number of CPUs). Scenarios
        /// waiting on a function overlap regardless; the report keeps the order of a serial run.
        #[arg(long, value_name = "N", value_parser = parse_jobs)]
        jobs: Option<usize>,
        /// Keep running: on every save rebuild the changed function and rerun the scenarios that
        /// use it (or the changed scenario), showing the last run only. Ctrl-C stops.
        #[arg(long, conflicts_with_all = ["format", "output"])]
        watch: bool,
    },
    /// Run one scenario and print each step's request, the events sent, the function outputs and the verdicts.
    #[command(
        after_help = "Example:\n  cognito-harness replay fixtures/scenarios/update-attributes/admin-email-change-branded.json"
    )]
    Replay { file: PathBuf },
    /// Send one event to one bound function and print Cognito's verdict on its answer.
    #[command(
        after_help = "Examples:\n  cognito-harness events CustomMessage_SignUp | cognito-harness invoke --event - --function custom-message-branded\n  cognito-harness invoke --event fixtures/events/custom-message-sign-up.json --function custom-message-branded --medium sms"
    )]
    Invoke {
        /// The event JSON file, or `-` for stdin. Its triggerSource decides the rules applied.
        #[arg(long, value_name = "FILE|-")]
        event: String,
        /// A function name bound in the config file.
        #[arg(long, value_name = "NAME")]
        function: String,
        /// The channel a CustomMessage is judged for.
        #[arg(long, value_enum, default_value_t = Medium::Email)]
        medium: Medium,
        /// A pool file whose message templates and email settings apply (default: Cognito's defaults).
        #[arg(long, value_name = "FILE")]
        pool: Option<PathBuf>,
    },
    /// Serve the Cognito user pools API (awsJson1.1) to AWS SDKs and the AWS CLI; triggers run
    /// through the config file's bindings. SigV4 signatures are accepted with any credentials.
    #[command(
        after_help = "Examples:\n  cognito-harness serve --pool fixtures/pools/branded.json\n  cognito-harness serve --port 0 --config ci/cognito-harness.toml --pool my-pool.json\n  cognito-harness serve --pool my-pool.json --record sign-up-bug.json   (then: cognito-harness check sign-up-bug.json)"
    )]
    Serve {
        /// TCP port; 0 picks a free one (the URL is printed either way).
        #[arg(long, default_value_t = 9229)]
        port: u16,
        /// Address to bind. Beyond loopback (e.g. 0.0.0.0) anyone who can reach it can run the
        /// bound functions, and credentials are not checked; on loopback only requests
        /// addressed to 127.0.0.1, localhost or [::1] are answered.
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Pool files (CreateUserPool-shaped JSON; `UserPoolId` fixes the id) to load at start (repeatable).
        #[arg(long = "pool", value_name = "FILE")]
        pools: Vec<PathBuf>,
        /// Write the calls clients make as a scenario file (rewritten after each call), with
        /// what happened as each step's expectations: `check FILE` replays it. It records the
        /// first --pool's calls, or without one the first pool a client creates.
        #[arg(long, value_name = "FILE")]
        record: Option<PathBuf>,
        /// Keep pools, app clients, users, groups and tokens in this SQLite file across restarts
        /// (created when missing). A pool already in it wins over a pool file of the same id.
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
        /// With --state: fsync every write, so acknowledged changes survive a power loss too
        /// (without it they survive the process being killed).
        #[arg(long, requires = "state")]
        fsync: bool,
    },
    /// Print the messages a running `serve` delivered (its outbox), each with its code.
    #[command(
        after_help = "Exit codes: 0 read, 2 bad flag or unknown pool, 3 no serve answering at the endpoint.\n\nExamples:\n  cognito-harness messages\n  cognito-harness messages --pool us-east-1_Example --username carol\n  cognito-harness messages --endpoint http://127.0.0.1:9230 --format json"
    )]
    Messages(messages::MessagesArgs),
    /// Write a cognito-harness.toml, a pool and a first scenario for one function, so that
    /// `cognito-harness check` runs it.
    #[command(
        after_help = "Examples:\n  cognito-harness init --function custom-message --runtime rust\n  cognito-harness init --function pre-sign-up --runtime python --trigger pre-sign-up"
    )]
    Init {
        /// The function's name (the last part of its Lambda ARN).
        #[arg(long, value_name = "NAME")]
        function: String,
        /// How the function runs.
        #[arg(long, value_enum)]
        runtime: init::Runtime,
        /// The trigger the first scenario fires.
        #[arg(long, value_enum, default_value_t = init::TriggerKind::CustomMessage)]
        trigger: init::TriggerKind,
        /// The project folder to write into.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print the JSON Schema (draft 2020-12) of scenario files, pool files or cognito-harness.toml,
    /// for editors to validate them as you type.
    #[command(
        after_help = "Examples:\n  cognito-harness schema scenario > scenario.schema.json\n  cognito-harness schema config > cognito-harness.schema.json"
    )]
    Schema {
        /// Which file's schema.
        #[arg(value_enum)]
        kind: schema::Kind,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  cognito-harness completions bash > ~/.local/share/bash-completion/completions/cognito-harness\n  cognito-harness completions zsh > ~/.zfunc/_cognito-harness"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Generate realistic events for every trigger source the functions are bound to, run them,
    /// and write each distinct rejecting verdict, shrunk to its smallest case, as a scenario.
    #[command(
        after_help = "Exit codes: 0 no findings, 1 findings (written to --out), 2 usage or input error, 3 a function could not run.\n\nExamples:\n  cognito-harness fuzz\n  cognito-harness fuzz --function custom-message-branded --runs 5000 --seed 7\n  cognito-harness fuzz --pool my-pool.json --source CustomMessage_SignUp --out findings/"
    )]
    Fuzz {
        /// A function bound in the config file (repeatable; default: every bound function a pool uses).
        #[arg(long = "function", value_name = "NAME")]
        functions: Vec<String>,
        /// Only this trigger source (repeatable), e.g. CustomMessage_SignUp.
        #[arg(long = "source", value_name = "SOURCE", value_parser = parse_source)]
        sources: Vec<TriggerSource>,
        /// Events per function and trigger source.
        #[arg(long, default_value_t = crate::fuzz::DEFAULT_RUNS)]
        runs: u64,
        /// Time budget of the whole run, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = crate::fuzz::DEFAULT_TIME.as_secs())]
        time: u64,
        /// The seed: the same seed gives the same events and findings.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Where findings are written as scenario files.
        #[arg(long, value_name = "DIR", default_value = "fuzz-findings")]
        out: PathBuf,
        /// Pool files whose LambdaConfig binds the functions (repeatable; default: the pools of
        /// fixtures/scenarios and fixtures/pools).
        #[arg(long = "pool", value_name = "FILE")]
        pools: Vec<PathBuf>,
    },
    /// Print a realistic event for a trigger source, offline.
    #[command(
        after_help = "Examples:\n  cognito-harness events CustomMessage_UpdateUserAttribute --client-metadata brand=acme\n  cognito-harness events PreSignUp_SignUp"
    )]
    Events {
        /// A trigger source, e.g. CustomMessage_SignUp (case-insensitive).
        #[arg(value_parser = parse_source)]
        source: TriggerSource,
        /// A clientMetadata entry, as key=value (repeatable).
        #[arg(long = "client-metadata", value_name = "KEY=VALUE", value_parser = parse_pair)]
        client_metadata: Vec<(String, String)>,
    },
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
    Junit,
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
enum Medium {
    Email,
    Sms,
}

fn parse_source(s: &str) -> Result<TriggerSource, String> {
    TriggerSource::all()
        .find(|t| t.name().eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            let names: Vec<&str> = TriggerSource::all().map(|t| t.name()).collect();
            format!("expected one of {}", names.join(", "))
        })
}

fn parse_partition(s: &str) -> Result<(usize, usize), String> {
    let parsed = s
        .split_once('/')
        .and_then(|(k, n)| Some((k.parse::<usize>().ok()?, n.parse::<usize>().ok()?)));
    match parsed {
        Some((k, n)) if n >= 1 && (1..=n).contains(&k) => Ok((k, n)),
        _ => Err(format!(
            "expected K/N with 1 <= K <= N (such as 2/4), not `{s}`"
        )),
    }
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("expected a number of jobs, 1 or more, not `{s}`")),
    }
}

/// `--jobs`, or one job per CPU.
fn jobs_or_cpus(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected KEY=VALUE, not `{s}`"))
}

/// Runs the command line in `std::env::args()` and returns the process's exit code
/// ([`crate::exit`]).
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::INPUT_ERROR
            } else {
                exit::OK
            };
        }
    };
    // `check` and friends run one call at a time: a single thread answers soonest. The server
    // takes concurrent clients, so it gets a worker per core.
    // `check --jobs N` runs scenarios side by side on N workers.
    let runtime = match cli.command {
        Command::Serve { .. } => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
        Command::Check { jobs, .. } if jobs_or_cpus(jobs) > 1 => {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(jobs_or_cpus(jobs))
                .enable_all()
                .build()
        }
        _ => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    }
    .expect("tokio runtime");
    let result = runtime.block_on(run_command(cli));
    // Tasks still running (a trigger call that Ctrl-C cut off) are dropped, not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            match e {
                Error::FunctionUnavailable { .. } => exit::HARNESS_FAILURE,
                _ => exit::INPUT_ERROR,
            }
        }
    }
}

/// `init`: writes the files and says what to run next.
fn init_files(
    dir: &Path,
    function: &str,
    runtime: init::Runtime,
    trigger: init::TriggerKind,
) -> Result<i32, Error> {
    let request = init::InitRequest {
        dir,
        function,
        runtime,
        trigger,
    };
    for path in init::init(&request)? {
        println!("created {}", dir.join(path).display());
    }
    println!("next: cognito-harness check");
    Ok(exit::OK)
}

/// `schema`: prints the JSON Schema.
fn print_schema(kind: schema::Kind) -> i32 {
    let text = serde_json::to_string_pretty(&schema::schema(kind)).unwrap_or_default();
    println!("{text}");
    exit::OK
}

/// `completions`: prints the shell's completion script.
fn print_completions(shell: clap_complete::Shell) -> i32 {
    completions::print(shell, &mut Cli::command());
    exit::OK
}

async fn run_command(cli: Cli) -> Result<i32, Error> {
    if let Command::Init {
        function,
        runtime,
        trigger,
        dir,
    } = &cli.command
    {
        // Before the binding is read: init is what writes it.
        return init_files(dir, function, *runtime, *trigger);
    }
    // These read no binding, so a broken config file does not stop them.
    match &cli.command {
        Command::Schema { kind } => return Ok(print_schema(*kind)),
        Command::Completions { shell } => return Ok(print_completions(*shell)),
        Command::Check {
            paths,
            filter,
            partition,
            watch: true,
            ..
        } => {
            let selection = Selection {
                filter: filter.clone(),
                partition: *partition,
            };
            return watch::watch(cli.config.as_deref(), paths, &selection).await;
        }
        _ => {}
    }
    let cli = match cli.command {
        // Reads a running serve; no function is bound here, so no config is read.
        Command::Messages(args) => return Ok(messages::run(args).await),
        command => Cli { command, ..cli },
    };
    let binding = Binding::load(cli.config.as_deref())?;
    match cli.command {
        Command::Check {
            paths,
            format,
            output,
            filter,
            partition,
            jobs,
            watch: _,
        } => {
            let selection = Selection { filter, partition };
            let report = Report {
                format,
                output: output.as_deref(),
                replay: false,
                jobs: jobs_or_cpus(jobs),
            };
            check(&binding, &paths, &selection, report).await
        }
        Command::Replay { file } => {
            let all = Selection::default();
            let report = Report {
                format: Format::Human,
                output: None,
                replay: true,
                jobs: 1,
            };
            check(&binding, &[file], &all, report).await
        }
        Command::Invoke {
            event,
            function,
            medium,
            pool,
        } => invoke(&binding, &event, &function, medium, pool.as_deref()).await,
        Command::Init {
            function,
            runtime,
            trigger,
            dir,
        } => init_files(&dir, &function, runtime, trigger),
        Command::Messages(args) => Ok(messages::run(args).await),
        Command::Serve {
            port,
            host,
            pools,
            record,
            state,
            fsync,
        } => {
            let durability = if fsync {
                crate::Durability::PowerLoss
            } else {
                crate::Durability::ProcessCrash
            };
            let state = state.map(|path| (path, durability));
            serve(&binding, host, port, &pools, record.as_deref(), state).await
        }
        Command::Schema { kind } => Ok(print_schema(kind)),
        Command::Completions { shell } => Ok(print_completions(shell)),
        Command::Fuzz {
            functions,
            sources,
            runs,
            time,
            seed,
            out,
            pools,
        } => {
            let args = fuzz::FuzzArgs {
                functions,
                sources,
                runs,
                time,
                seed,
                out,
                pools,
            };
            fuzz::run(&binding, args).await
        }
        Command::Events {
            source,
            client_metadata,
        } => {
            let metadata: Option<Map<String, Value>> = (!client_metadata.is_empty()).then(|| {
                client_metadata
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect()
            });
            if metadata.is_some() && !source.forwards_client_metadata() {
                eprintln!(
                    "note: Cognito does not pass ClientMetadata to {source} (cognito-semantics.md table 2.1); the event has no clientMetadata"
                );
            }
            let event = samples::sample_event(source, metadata.as_ref());
            println!(
                "{}",
                serde_json::to_string_pretty(&event).unwrap_or_default()
            );
            Ok(exit::OK)
        }
    }
}

async fn serve(
    binding: &Binding,
    host: std::net::IpAddr,
    port: u16,
    pool_files: &[PathBuf],
    record: Option<&Path>,
    state: Option<(PathBuf, crate::Durability)>,
) -> Result<i32, Error> {
    let pools = pool_files
        .iter()
        .map(|file| read_pool_file(file).map(|pool| (file, pool)))
        .collect::<Result<Vec<_>, _>>()?;
    // Opened (and checked) before anything runs: a bad state file stops serve at once.
    let store = match &state {
        Some((path, durability)) => Some(crate::Store::open(path, *durability)?),
        None => None,
    };
    let mut cognito = crate::Cognito::new(binding.functions());
    cognito.set_deadline(binding.deadline);
    let mut pool_ids = Vec::new();
    if let Some(store) = store {
        let path = store.path().display().to_string();
        for id in cognito.attach_store(store)? {
            eprintln!("pool {id} loaded from {path}");
        }
    }
    for (file, pool) in pools {
        if let Some(kept) = cognito.pool(&pool.id) {
            // The state file wins: it holds what the app changed since (users, clients,
            // UpdateUserPool); the pool file only seeds a pool the state does not have.
            let kept = crate::service::lock(&kept);
            if kept.config != pool.config
                || !pool.clients().all(|c| kept.client(&c.client_id) == Some(c))
            {
                eprintln!(
                    "warning: {}: pool {} differs from the one in the state file, which is kept (delete the pool or the state file to start from the pool file)",
                    file.display(),
                    pool.id
                );
            }
            pool_ids.push(pool.id.clone());
            continue;
        }
        if state.is_some() && !read_pool_id_fixed(file) {
            eprintln!(
                "warning: {}: no UserPoolId, so every start with --state adds another pool; set UserPoolId to keep one",
                file.display()
            );
        }
        let id = cognito.add_pool(pool);
        eprintln!("pool {id} loaded");
        pool_ids.push(id);
    }
    let mut options = crate::server::ServeOptions::default();
    if let Some(file) = record {
        let recorded = pool_ids.first().map(String::as_str).zip(pool_files.first());
        let recorder = crate::server::record::Recorder::new(
            file,
            &cognito,
            recorded.map(|(id, f)| (id, f.as_path())),
        )?;
        match recorded {
            Some((id, _)) => eprintln!("recording the calls to pool {id} in {}", file.display()),
            None => eprintln!(
                "recording in {} the calls to the first pool a client creates",
                file.display()
            ),
        }
        options.record = Some(Arc::new(recorder));
    }
    cognito.persist()?;
    let arns: Vec<String> = cognito
        .pool_ids()
        .iter()
        .filter_map(|id| {
            cognito.with_pool(id, |p| {
                Trigger::all()
                    .filter_map(|t| t.arn(&p.config))
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
        })
        .flatten()
        .collect();
    binding.build(binding.referenced(arns.iter().map(String::as_str)))?;
    // A port that is taken is the harness failing to run, not bad input (exit code 3).
    match crate::server::run_until_ctrl_c(Arc::new(cognito), (host, port).into(), options).await {
        Ok(()) => Ok(exit::OK),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(exit::HARNESS_FAILURE)
        }
    }
}

/// Which of the discovered scenarios `check` runs.
#[derive(Default)]
struct Selection {
    filter: Option<String>,
    partition: Option<(usize, usize)>,
}

impl Selection {
    /// The scenarios selected, in path order: those matching the filter, then every n-th.
    fn apply(&self, scenarios: Vec<Scenario>) -> Vec<Scenario> {
        let mut matching = 0;
        scenarios
            .into_iter()
            .filter(|s| self.matches(s) && self.in_partition(&mut matching))
            .collect()
    }

    /// The files of the scenarios selected, as [`apply`](Self::apply) selects them, with the
    /// function ARNs they configure. Every file is read (a bad one fails the run before anything
    /// runs, the first in path order named), none is kept, and the files are split among one
    /// thread per CPU: a large suite is read before its first scenario runs, so this is wall time.
    fn pick(&self, files: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<String>), Error> {
        // Per file: whether it matches the filter, and its ARNs (the partition needs the order).
        let read = scenario::in_parallel(files, |file| -> Result<(bool, Vec<String>), Error> {
            let scenario = Scenario::load(file)?;
            let matches = self.matches(&scenario);
            let arns = if matches {
                scenario.lambda_arns()
            } else {
                Vec::new()
            };
            Ok((matches, arns))
        });
        let mut matching = 0;
        let (mut picked, mut arns) = (Vec::new(), Vec::new());
        // The first bad file in path order is the one reported, as a serial read would.
        for (file, read) in files.iter().zip(read) {
            let (matches, lambda_arns) = read?;
            if matches && self.in_partition(&mut matching) {
                arns.extend(lambda_arns);
                picked.push(file.clone());
            }
        }
        Ok((picked, arns))
    }

    fn matches(&self, s: &Scenario) -> bool {
        match &self.filter {
            None => true,
            Some(text) => {
                s.name.contains(text.as_str()) || s.file.to_string_lossy().contains(text.as_str())
            }
        }
    }

    /// Whether the next matching scenario (counted in `matching`) is in this shard.
    fn in_partition(&self, matching: &mut usize) -> bool {
        let index = *matching;
        *matching += 1;
        match self.partition {
            None => true,
            Some((k, n)) => index % n == k - 1,
        }
    }
}

/// How `check` runs and reports: the format, where it goes, `replay`'s step-by-step account, and
/// how many scenarios run at once.
struct Report<'a> {
    format: Format,
    output: Option<&'a Path>,
    replay: bool,
    jobs: usize,
}

async fn check(
    binding: &Binding,
    paths: &[PathBuf],
    selection: &Selection,
    report: Report<'_>,
) -> Result<i32, Error> {
    let Report {
        format,
        output,
        replay,
        jobs,
    } = report;
    let files = scenario::discover(paths)?;
    if files.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::Usage(format!(
            "no scenario files (*.json) in {}",
            shown.join(", ")
        )));
    }
    // Overlaps the keys' generation with reading the suite and building its functions.
    scenario::run::make_keys_in_background();
    let (picked, arns) = selection.pick(&files)?;
    // Read again as each is reached, so a suite is never all in memory at once.
    let scenarios = picked.into_iter().map(|file| Scenario::load(&file));
    if binding.file.is_none() && !arns.is_empty() {
        // Said once here, rather than left to every trigger's AccessDeniedException verdict.
        eprintln!(
            "note: no cognito-harness.toml here and no --config: no function is bound, so every \
             trigger the scenarios configure answers as Cognito does for a missing function \
             (UnexpectedLambdaException ... AccessDeniedException)"
        );
    }
    binding.build(binding.referenced(arns.iter().map(String::as_str)))?;
    let functions = Arc::new(binding.functions());

    let to_terminal = output.is_none() && std::io::stdout().is_terminal();
    let deadline = binding.deadline;
    let summary = match format {
        Format::Human => {
            let sink: Box<dyn Write> = match output {
                Some(path) => Box::new(create(path)?),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut human = Human::new(sink, to_terminal, replay);
            run_parallel(scenarios, functions, deadline, jobs, &mut |e| {
                human.on_event(e)
            })
            .await?
        }
        Format::Json => {
            let mut doc = report::json::Stream::new()?;
            let summary = run_parallel(scenarios, functions, deadline, jobs, &mut |e| {
                doc.on_event(e)
            })
            .await?;
            match output {
                Some(path) => doc.finish(&summary, &mut create(path)?)?,
                None => doc.finish(&summary, &mut std::io::stdout().lock())?,
            }
            summary
        }
        Format::Junit => {
            let mut doc = report::junit::Collector::new();
            let summary = run_parallel(scenarios, functions, deadline, jobs, &mut |e| {
                doc.on_event(e)
            })
            .await?;
            let text = doc.finish(&summary);
            match output {
                Some(path) => create(path)?.write_all(text.as_bytes())?,
                None => std::io::stdout().write_all(text.as_bytes())?,
            }
            summary
        }
    };
    Ok(exit_code(&summary))
}

fn exit_code(summary: &Summary) -> i32 {
    if summary.harness_failures > 0 {
        exit::HARNESS_FAILURE
    } else if summary.failed > 0 {
        exit::EXPECTATION_FAILED
    } else {
        exit::OK
    }
}

fn create(path: &Path) -> Result<std::fs::File, Error> {
    std::fs::File::create(path).map_err(|e| Error::Read {
        file: path.to_path_buf(),
        message: e.to_string(),
    })
}

async fn invoke(
    binding: &Binding,
    event_arg: &str,
    name: &str,
    medium: Medium,
    pool: Option<&Path>,
) -> Result<i32, Error> {
    let (file, text) = if event_arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .take(MAX_INPUT_FILE + 1)
            .read_to_string(&mut text)?;
        if text.len() as u64 > MAX_INPUT_FILE {
            return Err(Error::Read {
                file: PathBuf::from("<stdin>"),
                message: format!(
                    "is larger than {} MiB, the limit for an input file",
                    MAX_INPUT_FILE / (1024 * 1024)
                ),
            });
        }
        let text = text
            .strip_prefix('\u{feff}')
            .map(str::to_string)
            .unwrap_or(text);
        (PathBuf::from("<stdin>"), text)
    } else {
        let file = PathBuf::from(event_arg);
        let text = read_input_file(&file)?;
        (file, text)
    };
    let event: Value = crate::error::parse_json_file(&file, &text)?;
    let source = match event.get("triggerSource") {
        Some(Value::String(s)) => {
            parse_source(s).map_err(|m| Error::input(&file, "$.triggerSource", m))?
        }
        _ => {
            return Err(Error::input(
                &file,
                "$.triggerSource",
                "expected a trigger source such as CustomMessage_SignUp",
            ))
        }
    };
    if binding.target(name).is_none() {
        let bound: Vec<&str> = binding.names().collect();
        let config = binding
            .file
            .as_ref()
            .map_or("no config file".to_string(), |f| f.display().to_string());
        return Err(Error::Usage(format!(
            "no function `{name}` is bound in {config} (bound: {})",
            bound.join(", ")
        )));
    }
    let config = match pool {
        Some(path) => read_pool_file(path)?.config,
        None => PoolConfig::default(),
    };
    binding.build([name])?;
    let functions = binding.functions();
    let function = functions.get(name).expect("checked above");
    let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:{name}");
    let invocation = invoke_with_retries(function.as_ref(), &event, &arn, binding.deadline).await;
    let medium = match medium {
        Medium::Email => DeliveryMedium::Email,
        Medium::Sms => DeliveryMedium::Sms,
    };
    let attributes = event["request"]["userAttributes"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let ctx = Context::new(source, &config)
        .medium(medium)
        .attributes(&attributes);
    let verdict = judge(Ran::Invoked(&invocation), &ctx).verdict;
    let mut shown =
        serde_json::json!({ "output": output_json(&invocation.result), "verdict": &verdict });
    if !invocation.logs.is_empty() {
        shown["logs"] = invocation.logs.clone().into();
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&shown).unwrap_or_default()
    );
    Ok(match &verdict.decision {
        Decision::Accepted => exit::OK,
        Decision::Rejected(_) => exit::EXPECTATION_FAILED,
        Decision::HarnessFailure(_) => exit::HARNESS_FAILURE,
    })
}

fn output_json(result: &Invoked) -> Value {
    match result {
        Invoked::Output(payload) => payload
            .to_json()
            .unwrap_or_else(|| Value::String(payload.to_text())),
        Invoked::Error(e) => {
            serde_json::json!({ "errorType": e.error_type, "errorMessage": e.error_message })
        }
        Invoked::TimedOut => serde_json::json!({ "timedOut": true }),
        Invoked::Throttled(m) => serde_json::json!({ "throttled": m }),
        Invoked::Unavailable(m) => serde_json::json!({ "unavailable": m }),
    }
}

/// Whether a pool file fixes its pool's id (`UserPoolId`).
fn read_pool_id_fixed(file: &Path) -> bool {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .is_some_and(|v| v.get("UserPoolId").is_some())
}
