//! `cognito-harness completions SHELL`: a completion script for the shell (clap_complete),
//! generated from the same clap definition the binary parses, so it names every subcommand and
//! flag there is.

use clap_complete::Shell;

/// Writes the completion script for `shell` to stdout.
pub(super) fn print(shell: Shell, command: &mut clap::Command) {
    let name = command.get_name().to_string();
    clap_complete::generate(shell, command, name, &mut std::io::stdout());
}
