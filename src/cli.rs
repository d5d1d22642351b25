//! The command line, declared and nothing else: clap derive, doc comments as
//! help text, value parsers for each flag. No I/O happens here.

use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;

/// Print the manifest digest of a container image reference.
///
/// ddigest asks the registry over the Registry v2 / OCI Distribution API and
/// prints `sha256:<hex>` for NAME[:TAG][@DIGEST], the digest `docker pull`
/// shows and `FROM image@sha256:…` pins. Names follow Docker's rules: `node`
/// means docker.io/library/node:latest.
#[derive(Debug, Parser)]
#[command(name = "ddigest", version, about, long_about)]
pub struct Cli {
    /// Image reference, e.g. node:14.7.0 or ghcr.io/org/app@sha256:…
    #[arg(value_name = "REFERENCE")]
    pub reference: String,

    /// Always GET and hash the manifest, and fail if the registry's
    /// Docker-Content-Digest header disagrees with the bytes.
    #[arg(long)]
    pub verify: bool,

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

    #[test]
    fn parses_flags() {
        let cli = Cli::try_parse_from(["ddigest", "--verify", "--timeout", "2.5", "node"]).unwrap();
        assert!(cli.verify);
        assert_eq!(cli.timeout, Duration::from_millis(2500));
        assert_eq!(cli.reference, "node");
    }

    #[test]
    fn rejects_bad_timeouts_and_missing_reference() {
        assert!(Cli::try_parse_from(["ddigest", "--timeout", "0", "node"]).is_err());
        assert!(Cli::try_parse_from(["ddigest", "--timeout", "soon", "node"]).is_err());
        assert!(Cli::try_parse_from(["ddigest"]).is_err());
    }
}
