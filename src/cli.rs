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

// Parsed once per run: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a manifest's exact bytes (pretty-printed on a terminal), checked
    /// against its digest; with --platform, that platform's entry of a list.
    Manifest(ShowArgs),
    /// Print an image's config blob (pretty-printed on a terminal), fetched by
    /// its digest and checked; --platform picks the image of a list.
    Config(ShowArgs),
    /// List every entry of a list or index (platform, digest, media type,
    /// size, attestations marked), or a single image's one row; with
    /// --referrers, the artifacts that refer to it.
    Ls(LsArgs),
    /// List a repository's tags (with --digests, each one's digest), or with
    /// REPO@sha256:… the tags that point at that digest.
    Tags(TagsArgs),
    /// Pin the image references in Dockerfiles, compose files, Kubernetes
    /// manifests, Helm values, kustomizations, CI configurations (GitHub,
    /// GitLab, Bitbucket, CircleCI, Drone, Woodpecker, Azure, Cloud Build),
    /// dev containers, Quadlet units, bake files and Terraform to their
    /// digests, in place; `ddigest: ignore` comments opt a reference out.
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
pub struct ShowArgs {
    /// The image, list or index to show.
    #[arg(value_name = "REFERENCE")]
    pub reference: String,

    /// The entry of a list or index for this platform (OS/ARCH[/VARIANT]).
    #[arg(long, value_name = "PLATFORM", value_parser = PlatformParser)]
    pub platform: Option<Platform>,

    /// Write the bytes as they are, even to a terminal.
    #[arg(long)]
    pub raw: bool,

    #[command(flatten)]
    pub transport: TransportArgs,
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

    /// `text` (a line per change), `json` (an object per reference) or
    /// `github` (annotations for failures and skips). With --dry-run, json
    /// and github say what would be pinned instead of the diff.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FileFormat>,

    #[command(flatten)]
    pub keys: Keys,

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

    /// `text` (a line per problem), `json` (an object per reference) or
    /// `github` (annotations on the pull request). Text by default; under
    /// GitHub Actions text also writes a step summary.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FileFormat>,

    #[command(flatten)]
    pub keys: Keys,

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

    /// List what refers to the image (signatures, attestations, SBOMs):
    /// the registry's referrers API, else the referrers tag schema, plus
    /// cosign's .sig/.att/.sbom tags.
    #[arg(long)]
    pub referrers: bool,

    /// With --referrers: only referrers of this artifact type.
    #[arg(long, value_name = "TYPE", requires = "referrers")]
    pub artifact_type: Option<String>,

    #[command(flatten)]
    pub verify: Verify,

    #[command(flatten)]
    pub transport: TransportArgs,
}

#[derive(Debug, Args)]
pub struct TagsArgs {
    /// Repositories, e.g. node or ghcr.io/org/app; REPO@sha256:… lists the
    /// tags whose manifest is that digest, or whose list holds it.
    #[arg(value_name = "REPOSITORY", required = true)]
    pub repositories: Vec<String>,

    /// `tag` (the default for one repository), `full` (REPO:TAG, the
    /// default for several), `pinned` (REPO:TAG@sha256:…) or `json`.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<TagsFormat>,

    /// Look up each tag's digest (a HEAD each, `--jobs` at a time).
    #[arg(long)]
    pub digests: bool,

    /// The tags behind this digest (as REPO@DIGEST does).
    #[arg(long, value_name = "DIGEST")]
    pub digest: Option<String>,

    /// Only tags matching this regular expression, whole (repeatable;
    /// a tag matching any include is kept).
    #[arg(long, value_name = "RE")]
    pub include: Vec<String>,

    /// Leave out tags matching this regular expression, whole (repeatable;
    /// applied after the includes).
    #[arg(long, value_name = "RE")]
    pub exclude: Vec<String>,

    /// Also list digest-shaped tags (sha256-<hex>, cosign's .sig, .att, .sbom).
    #[arg(long)]
    pub all_tags: bool,

    /// Only tags that read as versions in this range, Cargo's syntax with
    /// `||` between alternatives: `^20`, `>=1.25, <1.27`, `~3.12 || ^3.14`.
    #[arg(long, value_name = "RANGE")]
    pub semver: Option<String>,

    /// Only version tags of this variant, what follows the first `-`
    /// (`alpine` keeps 20.11.1-alpine); `--variant ''` keeps plain versions.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,

    /// The order tags are printed in.
    #[arg(long, value_enum, default_value_t = crate::tags::select::Sort::Lexical)]
    pub sort: crate::tags::select::Sort,

    /// Print only the N highest by --sort (still in that order).
    #[arg(long, value_name = "N")]
    pub latest: Option<usize>,

    /// For Docker Hub repositories, list through Docker Hub's own tag API,
    /// which names each tag's digest and push time (unverified until
    /// --digests checks them; rate-limited apart from pulls).
    #[arg(long)]
    pub hub_api: bool,

    /// Give up listing after N pages.
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_pages: u32,

    /// With --digests: the digest of this platform's entry of each list.
    #[arg(long, value_name = "PLATFORM", value_parser = PlatformParser)]
    pub platform: Option<Platform>,

    #[command(flatten)]
    pub verify: Verify,

    #[command(flatten)]
    pub jobs: Jobs,

    #[command(flatten)]
    pub keys: Keys,

    #[command(flatten)]
    pub transport: TransportArgs,
}

/// Output of `tags`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TagsFormat {
    /// The tag (`DIGEST  TAG` with --digests).
    Tag,
    /// REPO:TAG (`DIGEST  REPO:TAG` with --digests).
    Full,
    /// REPO:TAG@DIGEST, ready for `ddigest pin`; implies --digests.
    Pinned,
    /// One JSON object per tag per line.
    Json,
}

/// `--verify`, for every command that reads manifests.
#[derive(Debug, Args)]
pub struct Verify {
    /// Always GET and hash the manifest (and, with --platform, the chosen
    /// entry), and fail if the registry's Docker-Content-Digest disagrees.
    #[arg(long = "verify")]
    pub on: bool,
}

/// `--key`, for every command that prints, pins or checks digests.
#[derive(Debug, Args, Default)]
pub struct Keys {
    /// Only digests with a valid cosign signature by this PEM public key
    /// (ECDSA P-256/P-384, Ed25519 or RSA); repeat for several keys, any
    /// one of which may have signed. Fails a reference as `unsigned` or
    /// `bad_signature` otherwise.
    #[arg(long = "key", id = "key", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Keyless: only digests signed with a Fulcio certificate for this
    /// identity (a SAN: workflow URL, e-mail), recorded in Rekor; needs
    /// --certificate-oidc-issuer[-regexp]. Verified offline against the
    /// trusted root.
    #[arg(
        long,
        value_name = "ID",
        conflicts_with = "certificate_identity_regexp"
    )]
    pub certificate_identity: Option<String>,
    /// Keyless: as --certificate-identity, an unanchored regexp.
    #[arg(long, value_name = "RE")]
    pub certificate_identity_regexp: Option<String>,
    /// Keyless: the OIDC issuer that vouched for the identity, e.g.
    /// https://token.actions.githubusercontent.com.
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    pub certificate_oidc_issuer: Option<String>,
    /// Keyless: as --certificate-oidc-issuer, an unanchored regexp.
    #[arg(long, value_name = "RE")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Keyless: a Sigstore trusted_root.json instead of the embedded
    /// public-good one (a private deployment, staging, a newer root).
    #[arg(long, value_name = "PATH")]
    pub trusted_root: Option<PathBuf>,
    /// Enforce a containers-policy.json(5) (podman's and skopeo's
    /// policy.json) on every digest printed, pinned or checked, as a pull
    /// would; replaces --key and the keyless flags.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["key", "certificate_identity", "certificate_identity_regexp", "certificate_oidc_issuer", "certificate_oidc_issuer_regexp", "trusted_root"])]
    pub policy: Option<PathBuf>,
}

impl Keys {
    /// Whether any signature or policy flag was given.
    pub fn any(&self) -> bool {
        !self.paths.is_empty()
            || self.certificate_identity.is_some()
            || self.certificate_identity_regexp.is_some()
            || self.certificate_oidc_issuer.is_some()
            || self.certificate_oidc_issuer_regexp.is_some()
            || self.trusted_root.is_some()
            || self.policy.is_some()
    }
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

    /// Leave out paths matching GLOB, a .gitignore line relative to the
    /// current folder (repeatable, read in order: a later `!GLOB`
    /// re-includes, a leading `/` anchors).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

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

    #[command(flatten)]
    pub keys: Keys,
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

    /// Neither read nor write the cache of challenges and tokens that runs
    /// share (also DDIGEST_NO_CACHE=1).
    #[arg(long)]
    pub no_cache: bool,
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

/// Output of `pin` and `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    Text,
    Json,
    Github,
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
mod tests;
