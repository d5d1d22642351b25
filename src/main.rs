//! The `ddigest` binary: parse the arguments, hand them to their command
//! (`commands`), and exit with the code `exit::Exit` assigns.

use clap::Parser as _;
use ddigest::cli::{Cli, Command};
use ddigest::commands;
use ddigest::commands::show::What;
use ddigest::console::say_run;
use ddigest::exit::Exit;
use std::process::ExitCode;

fn main() -> ExitCode {
    ddigest::panic::install_hook();
    match std::panic::catch_unwind(run) {
        Ok(code) => code,
        Err(payload) => {
            let what = ddigest::panic::message(payload.as_ref());
            say_run(&format!("internal error: {what} (please report it)"));
            Exit::Failed.into()
        }
    }
}

fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage.into()
            } else {
                Exit::Resolved.into()
            };
        }
    };
    match cli.command {
        Some(Command::Completions { shell }) => commands::manual::completions(shell).into(),
        Some(Command::Man) => commands::manual::man().into(),
        Some(Command::Ls(args)) => block_on(commands::ls::run(args)),
        Some(Command::Manifest(args)) => block_on(commands::show::run(args, What::Manifest)),
        Some(Command::Config(args)) => block_on(commands::show::run(args, What::Config)),
        Some(Command::Tags(args)) => block_on(commands::tags::run(args)),
        Some(Command::Pin(args)) => block_on(commands::pin::run(args)),
        Some(Command::Check(args)) => block_on(commands::check::run(args)),
        None => block_on(commands::resolve::run(cli)),
    }
}

/// Runs a command on a single-threaded runtime.
fn block_on(command: impl std::future::Future<Output = Exit>) -> ExitCode {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(command).into(),
        Err(e) => {
            say_run(&format!("cannot start the async runtime: {e}"));
            Exit::Failed.into()
        }
    }
}
