//! `ddigest REF...`: the references (and `-` for stdin's lines) resolved
//! in one batch, each outcome written as its turn comes, in input order.

use crate::batch::{self, BatchOptions, Outcome, Sink};
use crate::cli::Cli;
use crate::console::{say, say_run, Stdout};
use crate::exit::Exit;
use crate::exit::Status;
use crate::output::{self, LineStyle};
use crate::progress::Progress;
use crate::session::client;
use std::sync::Arc;

/// `ddigest REF...`
pub async fn run(cli: Cli) -> Exit {
    if cli.transport.password_stdin && cli.references.iter().any(|r| r == "-") {
        let why = "stdin cannot hold both the password (--password-stdin) and references (-)";
        say("-", why);
        return Exit::Usage;
    }
    let inputs = match batch::expand_inputs(&cli.references, std::io::stdin().lock()) {
        Ok(inputs) => inputs,
        Err(e) => {
            say("-", &format!("cannot read references from stdin: {e}"));
            return Exit::Usage;
        }
    };
    if inputs.is_empty() {
        say("-", "no references on stdin");
        return Exit::Usage;
    }
    let verifier = match crate::session::verifier(&cli.resolve.keys, &cli.transport) {
        Ok(verifier) => verifier,
        Err(exit) => return exit,
    };
    let client = match client(&cli.transport) {
        Ok(client) => Arc::new(client),
        Err(e) => {
            say_run(&crate::registry::report::message(&e));
            return Exit::Failed;
        }
    };
    let opts = BatchOptions {
        jobs: cli.resolve.jobs.n.into(),
        verify: cli.resolve.verify.on,
        platforms: cli.resolve.platform.clone(),
        verifier,
    };
    let lines = inputs.len() * opts.platforms.len().max(1);
    let style = LineStyle {
        format: cli.resolve.format,
        with_ref: cli.resolve.with_ref || (lines > 1 && !cli.resolve.no_ref),
        platform_column: opts.platforms.len() > 1,
    };
    let mut report = Report::new(style, &opts, inputs.len());
    batch::run(client, &inputs, &opts, &mut report).await;
    report.progress.clear();
    if report.out.failed {
        report.status.fail(Exit::Failed);
    }
    report.status.exit()
}

/// Writes each outcome as it comes and remembers the first failure's code.
struct Report<'a> {
    style: LineStyle,
    opts: &'a BatchOptions,
    out: Stdout,
    progress: Progress,
    status: Status,
}

impl Sink for Report<'_> {
    fn deliver(&mut self, outcome: Outcome) {
        self.write(&outcome);
    }

    fn progress(&mut self, done: usize, total: usize) {
        self.progress.update(done, total);
    }
}

impl<'a> Report<'a> {
    fn new(style: LineStyle, opts: &'a BatchOptions, inputs: usize) -> Self {
        Report {
            style,
            opts,
            out: Stdout::default(),
            progress: Progress::new(inputs),
            status: Status::default(),
        }
    }

    fn write(&mut self, outcome: &Outcome) {
        let mut said: Vec<&str> = Vec::new();
        for (i, result) in outcome.results.iter().enumerate() {
            let wanted = self.opts.platforms.get(i);
            let mut messages: Vec<String> = Vec::new();
            match result {
                Ok(resolved) => {
                    let warnings = resolved.warnings.iter();
                    messages.extend(warnings.map(|w| format!("warning: {w}")));
                }
                Err(failure) => {
                    self.status.fail(failure.code.exit());
                    // A failure shared by every platform is said once.
                    if !said.contains(&failure.message.as_str()) {
                        said.push(&failure.message);
                        messages.push(failure.message.clone());
                    }
                }
            }
            if !messages.is_empty() {
                self.progress.clear();
                for message in messages {
                    say(&outcome.input, &message);
                }
            }
            if let Some(line) = output::result_line(self.style, outcome, wanted, result) {
                // stdout may be the same terminal: the progress line goes first.
                self.progress.clear();
                self.out.line(&line);
            }
        }
    }
}
