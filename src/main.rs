//! The `ddigest` binary: parse arguments, start the async runtime, run the
//! command (`run`), and exit with the code `exit::Exit` assigns.

use clap::Parser as _;
use ddigest::cli::{Cli, Command};
use ddigest::exit::Exit;
use ddigest::{manual, pin, run};
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
    match &cli.command {
        Some(Command::Completions { shell }) => {
            manual::completions(*shell, &mut std::io::stdout());
            return Exit::Resolved.into();
        }
        Some(Command::Man) => match manual::man_page(&mut std::io::stdout()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                eprintln!("ddigest: man: cannot write the man page: {e}");
                return Exit::Failed.into();
            }
            _ => return Exit::Resolved.into(),
        },
        _ => {}
    }
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
        Some(Command::Completions { .. } | Command::Man) => Exit::Resolved,
        None => runtime.block_on(run::resolve_batch(cli)),
    };
    exit.into()
}
