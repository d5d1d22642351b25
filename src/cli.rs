//! The command line, declared and nothing else: clap derive, doc comments as
//! help text, value parsers for each flag. No I/O happens here.

use crate::platform::Platform;
use crate::secret::Secret;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// Print the manifest digest of container image references.
///
/// ddigest asks the registry over the Registry v2 / OCI Distribution API and
/// prints `sha256:<hex>` for NAME[:TAG][@DIGEST], the digest `docker pull`
/// shows and `FROM image@sha256:…` pins. Names follow Docker's rules: `node`
/// means docker.io/library/node:latest. Several references resolve
/// concurrently and print `DIGEST  REFERENCE` lines in input order.
#[derive(Debug, Parser)]
#[command(
    name = "ddigest",
    version,
    about,
    long_about,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Image references, e.g. node:14.7.0 or ghcr.io/org/app@sha256:…;
    /// `-` reads more from stdin, one per line (`#` comments and blank lines skipped).
    #[arg(value_name = "REFERENCE", required = true)]
    pub references: Vec<String>,

    #[command(flatten)]
    pub resolve: ResolveArgs,

    #[command(flatten)]
    pub transport: TransportArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every entry of a list or index (platform, digest, media type,
    /// size, attestations marked), or a single image's one row.
    Ls(LsArgs),
    /// Pin the image references in Dockerfiles, compose files, Kubernetes
    /// manifests and GitHub Actions workflows to their digests, in place.
    Pin(PinArgs),
    /// Check that every pinned reference's tag still points at its digest
    /// and that the digest still exists; exit 1 listing each drifted pin.
    Check(CheckArgs),
    /// Print a completion script for SHELL to stdout, e.g.
    /// `ddigest completions bash > ~/.local/share/bash-completion/completions/ddigest`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout, e.g.
    /// `ddigest man > ~/.local/share/man/man1/ddigest.1`.
    Man,
}

#[derive(Debug, Args)]
pub struct PinArgs {
    #[command(flatten)]
    pub files: FilesArgs,

    /// Also re-resolve references already pinned and replace their digest
    /// (a platform image's pin stays that platform's).
    #[arg(long)]
    pub update: bool,

    /// Print a unified diff of the changes and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub transport: TransportArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub files: FilesArgs,

    /// Also fail on references that are not pinned to a digest.
    #[arg(long)]
    pub require_pins: bool,

    #[command(flatten)]
    pub transport: TransportArgs,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// The list, index or image to show.
    #[arg(value_name = "REFERENCE")]
    pub reference: String,

    /// `table` for people, `json` for one JSON object.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    #[command(flatten)]
    pub verify: Verify,

    #[command(flatten)]
    pub transport: TransportArgs,
}

/// `--verify`, for every command that reads manifests.
#[derive(Debug, Args)]
pub struct Verify {
    /// Always GET and hash the manifest (and, with --platform, the chosen
    /// entry), and fail if the registry's Docker-Content-Digest disagrees.
    #[arg(long = "verify")]
    pub on: bool,
}

/// `-j/--jobs`, for every command that runs a batch.
#[derive(Debug, Args)]
pub struct Jobs {
    /// How many references are resolved or looked up at once.
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = DEFAULT_JOBS,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub n: u16,
}

/// The files `pin` and `check` read, and how many lookups run at once.
#[derive(Debug, Args)]
pub struct FilesArgs {
    /// Files or folders (searched recursively, honouring .gitignore);
    /// the current folder when none is given.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub jobs: Jobs,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    #[command(flatten)]
    pub verify: Verify,

    /// Print the digest of this platform's entry of a list or index
    /// (OS/ARCH[/VARIANT]); repeat it or give a comma list for several.
    #[arg(long, value_name = "PLATFORM", value_delimiter = ',', value_parser = PlatformParser)]
    pub platform: Vec<Platform>,

    /// What to print per reference.
    #[arg(long, value_enum, default_value_t = Format::Digest)]
    pub format: Format,

    #[command(flatten)]
    pub jobs: Jobs,

    /// Print `DIGEST  REFERENCE` even for one reference.
    #[arg(long, conflicts_with = "no_ref")]
    pub with_ref: bool,

    /// Print the digest alone even for several references.
    #[arg(long)]
    pub no_ref: bool,
}

#[derive(Debug, Args, Clone)]
pub struct TransportArgs {
    /// Trust the PEM CA certificate(s) in this file too (registry and token realm).
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,

    /// Allow plain HTTP and unverified TLS for any registry (loopback
    /// registries may fall back to plain HTTP without it).
    #[arg(long)]
    pub insecure: bool,

    /// Seconds one request may take, connecting included.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_timeout)]
    pub timeout: Duration,

    /// Send a request again up to N times after 429, 408, 500, 502, 503,
    /// 504 or a broken connection, with backoff (honouring Retry-After).
    #[arg(long, value_name = "N", default_value = "3",
          value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,

    /// Credentials for the registries of this run, as USER:PASSWORD (or
    /// USER:TOKEN), or USER alone to be asked for the password on the
    /// terminal; they come before any config file. In scripts prefer
    /// --username with --password-stdin, which keeps them out of `ps`.
    #[arg(long, value_name = "USER[:PASSWORD]", value_parser = parse_creds, conflicts_with = "username")]
    pub creds: Option<Creds>,

    /// The username for --password-stdin.
    #[arg(long, value_name = "USER", requires = "password_stdin")]
    pub username: Option<String>,

    /// Read the password (or token) for --username from stdin's first line.
    #[arg(long, requires = "username")]
    pub password_stdin: bool,

    /// Say on stderr each request (method, URL, status, time, which kind of
    /// Authorization, never its value), where credentials came from, and
    /// what is retried and why.
    #[arg(short, long)]
    pub verbose: bool,
}

/// `--creds USER[:PASSWORD]`, the password kept out of `Debug`; `None`
/// when it is to be asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Creds {
    pub username: String,
    pub password: Option<Secret>,
}

/// Output of the resolve command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `sha256:…`, with `  REFERENCE` when there are several lines.
    Digest,
    /// The reference as written, pinned: `node:14.7.0@sha256:…`.
    Pinned,
    /// One JSON object per reference (and platform) per line.
    Json,
}

/// Output of `ls`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

/// References resolved at once unless `-j` says otherwise. Over HTTP/2 they
/// share one connection, so this bounds the round trips a batch waits:
/// 100 references 25 ms away took 0.42 s at 16 and 0.32–0.38 s at 64
/// (`scripts/bench`); over HTTP/1.1 it bounds the connections opened.
pub const DEFAULT_JOBS: u16 = 64;

fn parse_creds(s: &str) -> Result<Creds, String> {
    let (username, password) = match s.split_once(':') {
        Some((user, pass)) => (user, Some(pass)),
        None => (s, None),
    };
    if username.is_empty() || password == Some("") {
        return Err("expected USER:PASSWORD, or USER alone to be asked for the password".into());
    }
    Ok(Creds {
        username: username.to_string(),
        password: password.map(|p| Secret::new(p.to_string())),
    })
}

/// A `--platform` value; a refused one is named once (shortened past 100
/// characters) with the reason.
#[derive(Clone)]
struct PlatformParser;

impl clap::builder::TypedValueParser for PlatformParser {
    type Value = Platform;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Platform, clap::Error> {
        let text = value.to_string_lossy();
        Platform::parse(&text).map_err(|e| {
            let shown = crate::console::shorten(&text, 100);
            let message = format!("invalid --platform {shown:?}: {e}\n");
            clap::Error::raw(clap::error::ErrorKind::ValueValidation, message)
        })
    }
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
        return Err(format!("{s:?} must be between 0 and 86400 seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("ddigest").chain(args.iter().copied()))
    }

    #[test]
    fn parses_flags() {
        let cli = parse(&["--verify", "--timeout", "2.5", "node", "-", "redis"]).unwrap();
        assert!(cli.resolve.verify.on);
        assert_eq!(cli.transport.timeout, Duration::from_millis(2500));
        assert_eq!(cli.references, ["node", "-", "redis"]);
        assert_eq!(cli.resolve.jobs.n, DEFAULT_JOBS);
        assert!(cli.command.is_none());
    }

    #[test]
    fn platforms_repeat_or_come_as_a_list() {
        let cli = parse(&[
            "--platform",
            "linux/amd64,linux/arm64",
            "--platform=linux/arm/v7",
            "node",
        ])
        .unwrap();
        let names: Vec<String> = cli.resolve.platform.iter().map(|p| p.to_string()).collect();
        assert_eq!(names, ["linux/amd64", "linux/arm64", "linux/arm/v7"]);
        assert!(parse(&["--platform", "linux", "node"]).is_err());
        let long = format!("linux/{} x", "a".repeat(300));
        let err = parse(&["--platform", &long, "node"])
            .err()
            .unwrap()
            .to_string();
        assert_eq!(err.matches("linux/a").count(), 1, "{err}");
        assert!(
            err.len() < 300 && err.contains("…") && err.contains("a part is not"),
            "{err}"
        );
    }

    #[test]
    fn ls_is_a_subcommand() {
        let cli = parse(&["ls", "--format", "json", "node"]).unwrap();
        let Some(Command::Ls(ls)) = cli.command else {
            panic!("not ls");
        };
        assert_eq!(ls.reference, "node");
        assert_eq!(ls.format, ListFormat::Json);
        assert!(parse(&["ls"]).is_err());
    }

    #[test]
    fn pin_and_check_take_paths_and_their_flags() {
        let cli = parse(&["pin", "--update", "--dry-run", "a", "b/Dockerfile"]).unwrap();
        let Some(Command::Pin(pin)) = cli.command else {
            panic!("not pin");
        };
        assert!(pin.update && pin.dry_run);
        assert_eq!(
            pin.files.paths,
            [PathBuf::from("a"), PathBuf::from("b/Dockerfile")]
        );
        let cli = parse(&["check", "--require-pins", "-j", "4"]).unwrap();
        let Some(Command::Check(check)) = cli.command else {
            panic!("not check");
        };
        assert!(check.require_pins && check.files.paths.is_empty());
        assert_eq!(check.files.jobs.n, 4);
        assert!(parse(&["check", "--update"]).is_err());
    }

    #[test]
    fn credentials_on_the_command_line() {
        let cli = parse(&["--creds", "bob:pa:ss", "node"]).unwrap();
        let creds = cli.transport.creds.clone().unwrap();
        let password = creds.password.as_ref().map(Secret::expose);
        assert_eq!((creds.username.as_str(), password), ("bob", Some("pa:ss")));
        assert!(
            !format!("{cli:?}").contains("pa:ss"),
            "Debug redacts the password"
        );
        let ask = parse(&["--creds", "bob", "node"]).unwrap().transport.creds;
        assert_eq!(ask.unwrap().password, None, "to be asked for");
        assert!(parse(&["--creds", "bob:", "node"]).is_err());
        assert!(parse(&["--creds", ":pw", "node"]).is_err());
        assert!(
            parse(&["--username", "bob", "node"]).is_err(),
            "needs --password-stdin"
        );
        assert!(
            parse(&["--password-stdin", "node"]).is_err(),
            "needs --username"
        );
        assert!(parse(&["--creds", "a:b", "--username", "c", "--password-stdin", "n"]).is_err());
        let cli = parse(&["ls", "--username", "bob", "--password-stdin", "node"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Ls(ls)) if ls.transport.password_stdin));
    }

    #[test]
    fn rejects_bad_values() {
        assert!(parse(&["--timeout", "0", "node"]).is_err());
        assert!(parse(&["--timeout", "soon", "node"]).is_err());
        assert!(parse(&["--jobs", "0", "node"]).is_err());
        assert!(parse(&["--with-ref", "--no-ref", "node"]).is_err());
        assert!(parse(&["--format", "yaml", "node"]).is_err());
        assert!(parse(&[]).is_err());
    }
}
