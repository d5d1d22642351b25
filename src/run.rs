//! The commands as the binary runs them: build the client from the flags,
//! resolve a batch or list one manifest, write results to stdout and every
//! diagnostic to stderr as `ddigest: <ref>: <what and why>`, and decide the
//! exit code (the first failed input's, in input order).

use crate::batch::{self, BatchOptions, Outcome, Sink};
use crate::cli::{Cli, ListFormat, LsArgs, TransportArgs};
use crate::credentials::config::Credential;
use crate::credentials::CredentialStore;
use crate::exit::Exit;
use crate::output::{self, LineStyle};
use crate::progress::Progress;
use crate::reference::Reference;
use crate::registries_conf;
use crate::registry::transport::TransportOptions;
use crate::registry::Client;
use crate::resolve;
use crate::secret::Secret;
use std::io::Write as _;
use std::sync::Arc;

pub(crate) fn client(args: &TransportArgs) -> anyhow::Result<Client> {
    let transport = TransportOptions {
        ca_file: args.ca_file.clone(),
        insecure: args.insecure,
        timeout: args.timeout,
        retries: args.retries,
        verbose: args.verbose,
    };
    let credentials = CredentialStore::from_env(explicit_credential(args)?);
    Client::new(&transport, credentials, registries_conf::load::load()?)
}

/// Asks for the password on the terminal, without echo.
fn ask_password(username: &str) -> anyhow::Result<Secret> {
    let password =
        rpassword::prompt_password(format!("Password for {username}: ")).map_err(|e| {
            anyhow::anyhow!(
                "--creds {username}: cannot ask for the password ({e}); \
             give USER:PASSWORD, or --username with --password-stdin"
            )
        })?;
    anyhow::ensure!(
        !password.is_empty(),
        "--creds {username}: no password given"
    );
    Ok(Secret::new(password))
}

/// `--creds`, or `--username` with the password read from stdin.
fn explicit_credential(args: &TransportArgs) -> anyhow::Result<Option<Credential>> {
    if let Some(creds) = &args.creds {
        let password = match &creds.password {
            Some(password) => password.clone(),
            None => ask_password(&creds.username)?,
        };
        return Ok(Some(Credential::Basic {
            username: creds.username.clone(),
            password,
        }));
    }
    let Some(username) = args.username.clone().filter(|_| args.password_stdin) else {
        return Ok(None);
    };
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| anyhow::anyhow!("--password-stdin: cannot read stdin: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(
        !password.is_empty(),
        "--password-stdin: stdin holds no password"
    );
    Ok(Some(Credential::Basic {
        username,
        password: Secret::new(password.to_string()),
    }))
}

/// `ddigest REF...`
pub async fn resolve_batch(cli: Cli) -> Exit {
    if cli.transport.password_stdin && cli.references.iter().any(|r| r == "-") {
        eprintln!(
            "ddigest: -: stdin cannot hold both the password (--password-stdin) and references (-)"
        );
        return Exit::Usage;
    }
    let inputs = match batch::expand_inputs(&cli.references, std::io::stdin().lock()) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("ddigest: -: cannot read references from stdin: {e}");
            return Exit::Usage;
        }
    };
    if inputs.is_empty() {
        eprintln!("ddigest: -: no references on stdin");
        return Exit::Usage;
    }
    let client = match client(&cli.transport) {
        Ok(client) => Arc::new(client),
        Err(e) => {
            eprintln!("ddigest: {}", crate::report::message(&e));
            return Exit::Failed;
        }
    };
    let opts = BatchOptions {
        jobs: cli.resolve.jobs.into(),
        verify: cli.resolve.verify,
        platforms: cli.resolve.platform.clone(),
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
    report.exit
}

/// Writes each outcome as it comes and remembers the first failure's code.
struct Report<'a> {
    style: LineStyle,
    opts: &'a BatchOptions,
    out: Stdout,
    progress: Progress,
    exit: Exit,
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
            exit: Exit::Resolved,
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
                    if self.exit == Exit::Resolved {
                        self.exit = failure.code.exit();
                    }
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
                    eprintln!("ddigest: {}: {message}", outcome.input);
                }
            }
            if let Some(line) = output::result_line(self.style, outcome, wanted, result) {
                // stdout may be the same terminal: the progress line goes first.
                self.progress.clear();
                self.out.line(&line);
            }
        }
        if self.out.failed && self.exit == Exit::Resolved {
            self.exit = Exit::Failed;
        }
    }
}

/// stdout, line by line and flushed; a closed pipe (`| head -1`) ends the
/// writing quietly, any other write error is said once.
#[derive(Default)]
pub(crate) struct Stdout {
    closed: bool,
    pub(crate) failed: bool,
}

impl Stdout {
    pub(crate) fn line(&mut self, line: &str) {
        self.text(&format!("{line}\n"));
    }

    /// Writes `text` as it is (a diff: several lines, each with its ending).
    pub(crate) fn text(&mut self, text: &str) {
        self.bytes(text.as_bytes());
    }

    /// Writes bytes as they are (a diff of a file that is not all UTF-8).
    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        if self.closed {
            return;
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(bytes).and_then(|_| out.flush()) {
            self.closed = true;
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("ddigest: cannot write to stdout: {e}");
                self.failed = true;
            }
        }
    }
}

/// `ddigest ls REF`
pub async fn list(args: LsArgs) -> Exit {
    let input = args.reference.trim().to_string();
    match list_one(&args, &input).await {
        Ok(text) => {
            let mut out = Stdout::default();
            for line in text.lines() {
                out.line(line);
            }
            if out.failed {
                Exit::Failed
            } else {
                Exit::Resolved
            }
        }
        Err(err) => {
            eprintln!("ddigest: {input}: {}", crate::report::message(&err));
            Exit::of_error(&err)
        }
    }
}

async fn list_one(args: &LsArgs, input: &str) -> anyhow::Result<String> {
    let reference = Reference::parse_normalized(input)?;
    let client = client(&args.transport)?;
    let listing = resolve::list(&client, &reference, args.verify).await?;
    for warning in &listing.top.warnings {
        eprintln!("ddigest: {input}: warning: {warning}");
    }
    Ok(match args.format {
        ListFormat::Table => output::listing_table(&listing),
        ListFormat::Json => output::listing_json(input, &reference, &listing),
    })
}
