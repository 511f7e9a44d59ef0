//! The `cognito-harness` command line: replay Cognito API calls against your trigger functions and
//! get Cognito's verdict before you deploy. Thin: parsing flags and mapping errors to exit codes;
//! the work is in the layers below (binding, scenario, report, server).

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod fuzz;
mod init;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::{Map, Value};

use crate::binding::Binding;
use crate::error::Error;
use crate::exit;
use crate::function::{invoke_with_retries, Invoked};
use crate::input_file::{read_input_file, MAX_INPUT_FILE};
use crate::pool::{DeliveryMedium, PoolConfig};
use crate::report::{self, Human};
use crate::scenario::{self, run, Scenario, Summary};
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
        after_help = "Examples:\n  cognito-harness serve --pool fixtures/pools/branded.json\n  cognito-harness serve --port 0 --config ci/cognito-harness.toml --pool my-pool.json"
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
    },
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
    let runtime = match cli.command {
        Command::Serve { .. } => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
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
    let binding = Binding::load(cli.config.as_deref())?;
    match cli.command {
        Command::Check {
            paths,
            format,
            output,
            filter,
            partition,
        } => {
            let selection = Selection { filter, partition };
            check(
                &binding,
                &paths,
                &selection,
                format,
                output.as_deref(),
                false,
            )
            .await
        }
        Command::Replay { file } => {
            let all = Selection::default();
            check(&binding, &[file], &all, Format::Human, None, true).await
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
        Command::Serve { port, host, pools } => serve(&binding, host, port, &pools).await,
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
) -> Result<i32, Error> {
    let pools = pool_files
        .iter()
        .map(|file| read_pool_file(file))
        .collect::<Result<Vec<_>, _>>()?;
    let arns: Vec<String> = pools
        .iter()
        .flat_map(|p| Trigger::all().filter_map(|t| t.arn(&p.config)))
        .map(str::to_string)
        .collect();
    binding.build(binding.referenced(arns.iter().map(String::as_str)))?;
    let mut cognito = crate::Cognito::new(binding.functions());
    cognito.set_deadline(binding.deadline);
    for pool in pools {
        eprintln!("pool {} loaded", cognito.add_pool(pool));
    }
    // A port that is taken is the harness failing to run, not bad input (exit code 3).
    match crate::server::run_until_ctrl_c(Arc::new(cognito), (host, port).into()).await {
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
        let matching = scenarios.into_iter().filter(|s| match &self.filter {
            None => true,
            Some(text) => {
                s.name.contains(text.as_str()) || s.file.to_string_lossy().contains(text.as_str())
            }
        });
        match self.partition {
            None => matching.collect(),
            Some((k, n)) => matching
                .enumerate()
                .filter(|(i, _)| i % n == k - 1)
                .map(|(_, s)| s)
                .collect(),
        }
    }
}

async fn check(
    binding: &Binding,
    paths: &[PathBuf],
    selection: &Selection,
    format: Format,
    output: Option<&Path>,
    replay: bool,
) -> Result<i32, Error> {
    let files = scenario::discover(paths)?;
    if files.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::Usage(format!(
            "no scenario files (*.json) in {}",
            shown.join(", ")
        )));
    }
    let scenarios = files
        .iter()
        .map(|f| Scenario::load(f))
        .collect::<Result<Vec<_>, _>>()?;
    let scenarios = selection.apply(scenarios);
    let arns: Vec<String> = scenarios.iter().flat_map(Scenario::lambda_arns).collect();
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
    let (results, summary) = if format == Format::Human {
        let sink: Box<dyn Write> = match output {
            Some(path) => Box::new(create(path)?),
            None => Box::new(std::io::stdout().lock()),
        };
        let mut human = Human::new(sink, to_terminal, replay);
        run::run_all(&scenarios, functions, binding.deadline, &mut |e| {
            human.on_event(e)
        })
        .await?
    } else {
        let (results, summary) =
            run::run_all(&scenarios, functions, binding.deadline, &mut |_| {}).await?;
        let text = match format {
            Format::Json => report::json::document(&results, &summary),
            _ => report::junit::document(&results, &summary),
        };
        match output {
            Some(path) => create(path)?.write_all(text.as_bytes())?,
            None => std::io::stdout().write_all(text.as_bytes())?,
        }
        (results, summary)
    };
    drop(results);
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
