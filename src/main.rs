//! The `ddigest` binary: parse arguments, resolve, print the digest on
//! stdout and any diagnostic on stderr as `ddigest: <ref>: <what and why>`,
//! and exit with the code `exit::Exit` assigns.

use clap::Parser as _;
use ddigest::cli::Cli;
use ddigest::credentials::CredentialStore;
use ddigest::exit::Exit;
use ddigest::reference::Reference;
use ddigest::registry::transport::TransportOptions;
use ddigest::registry::Client;
use ddigest::resolve::{resolve, ResolveOptions, Resolved};
use std::io::Write as _;
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
    runtime.block_on(run(cli)).into()
}

async fn run(cli: Cli) -> Exit {
    let input = cli.reference.clone();
    match resolve_one(&cli).await {
        Ok(resolved) => {
            for warning in &resolved.warnings {
                eprintln!("ddigest: {input}: warning: {warning}");
            }
            print_line(&resolved.digest.to_string())
        }
        Err(err) => {
            eprintln!("ddigest: {input}: {err:#}");
            Exit::of_error(&err)
        }
    }
}

async fn resolve_one(cli: &Cli) -> anyhow::Result<Resolved> {
    let reference = Reference::parse_normalized(&cli.reference)?;
    let transport = TransportOptions {
        ca_file: cli.ca_file.clone(),
        insecure: cli.insecure,
        timeout: cli.timeout,
    };
    let client = Client::new(&transport, CredentialStore::from_env())?;
    resolve(&client, &reference, ResolveOptions { verify: cli.verify }).await
}

/// Writes one result line; a closed stdout (`ddigest … | head -0`) is not an error.
fn print_line(line: &str) -> Exit {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|_| out.flush()) {
        Ok(()) => Exit::Resolved,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::Resolved,
        Err(e) => {
            eprintln!("ddigest: cannot write to stdout: {e}");
            Exit::Failed
        }
    }
}
