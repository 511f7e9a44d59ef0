//! `cognito-harness`: the command line ([`cognito_harness::cli`]).

fn main() {
    std::process::exit(cognito_harness::cli::main());
}
