//! The `ddigest` binary: parse arguments, start the async runtime, run the
//! command (`run`), and exit with the code `exit::Exit` assigns.

use clap::Parser as _;
use ddigest::cli::{Cli, Command};
use ddigest::exit::Exit;
use ddigest::{pin, run};
use std::process::ExitCode;

fn main() -> ExitCode {
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
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ddigest: cannot start the async runtime: {e}");
            return Exit::Failed.into();
        }
    };
    let exit = match cli.command {
        Some(Command::Ls(args)) => runtime.block_on(run::list(args)),
        Some(Command::Pin(args)) => runtime.block_on(pin::pin(args)),
        Some(Command::Check(args)) => runtime.block_on(pin::check(args)),
        None => runtime.block_on(run::resolve_batch(cli)),
    };
    exit.into()
}
