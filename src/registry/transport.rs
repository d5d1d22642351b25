//! The HTTP clients and where requests go: TLS roots (system plus
//! `--ca-file` and certs.d), `--insecure` and registries.conf's
//! `insecure`, timeouts, proxies from the environment, a
//! redirect policy that never downgrades HTTPS to HTTP, and the rules that
//! map a reference's domain to a host and decide when plain HTTP is allowed.

use super::request_error::RequestError;
use crate::local_config::ConfigError;
use anyhow::Context as _;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::CertificateDer;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Where Docker Hub's API actually lives.
pub const DOCKER_HUB_HOST: &str = "registry-1.docker.io";
const MAX_REDIRECTS: usize = 10;
const CONNECT_TIMEOUT_CAP: Duration = Duration::from_secs(10);

/// Transport settings from the command line.
#[derive(Clone, Debug)]
pub struct TransportOptions {
    /// Extra PEM CA certificates trusted for registries and token realms.
    pub ca_file: Option<PathBuf>,
    /// Allow plain HTTP and unverified TLS for any host.
    pub insecure: bool,
    /// Limit for one whole request.
    pub timeout: Duration,
    /// How many times a request that met a passing fault is sent again.
    pub retries: u32,
    /// Say every retry on stderr.
    pub verbose: bool,
}

/// The HTTP clients of a run: one shared by every host, and one for each
/// host that has certs.d settings or is `insecure` in registries.conf,
/// made when that host is first asked. Clients share nothing but settings.
pub struct Transport {
    opts: TransportOptions,
    extra_roots: Vec<CertificateDer<'static>>,
    shared: reqwest::Client,
    per_host: Mutex<HashMap<(String, bool), reqwest::Client>>,
}

impl Transport {
    pub fn new(opts: &TransportOptions) -> anyhow::Result<Self> {
        let extra_roots = match &opts.ca_file {
            Some(path) => read_ca_file(path)?,
            None => Vec::new(),
        };
        let tls = super::tls::client_config(extra_roots.clone(), opts.insecure, None)
            .context("cannot set up TLS")?;
        Ok(Transport {
            opts: opts.clone(),
            extra_roots,
            shared: build_client(opts, tls)?,
            per_host: Mutex::new(HashMap::new()),
        })
    }

    /// The client for requests to `host` (`host[:port]`); `insecure` when
    /// registries.conf allows unverified TLS there.
    pub fn http_for(&self, host: &str, insecure: bool) -> Result<reqwest::Client, RequestError> {
        self.http_for_host(host, insecure)
            .map_err(|e| RequestError::Config(ConfigError(e)))
    }

    fn http_for_host(&self, host: &str, insecure: bool) -> anyhow::Result<reqwest::Client> {
        let insecure = insecure && !self.opts.insecure;
        let key = (host.to_string(), insecure);
        let mut per_host = self.per_host.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = per_host.get(&key) {
            return Ok(client.clone());
        }
        let client = match super::certs_d::for_host(host)? {
            None if !insecure => self.shared.clone(),
            found => {
                let found = found.unwrap_or_default();
                let mut roots = self.extra_roots.clone();
                roots.extend(found.roots);
                let tls = super::tls::client_config(
                    roots,
                    insecure || self.opts.insecure,
                    found.identity,
                )
                .with_context(|| format!("TLS settings for {host} from {:?}", found.dirs))?;
                build_client(&self.opts, tls)?
            }
        };
        per_host.insert(key, client.clone());
        Ok(client)
    }
}

fn build_client(
    opts: &TransportOptions,
    tls: rustls::ClientConfig,
) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("ddigest/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(opts.timeout.min(CONNECT_TIMEOUT_CAP))
        .timeout(opts.timeout)
        .redirect(redirect_policy())
        .use_preconfigured_tls(tls)
        .build()
        .context("cannot set up the HTTP client")
}

fn read_ca_file(path: &PathBuf) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let pem =
        std::fs::read(path).with_context(|| format!("cannot read CA file {}", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("CA file {} is not PEM certificates", path.display()))?;
    anyhow::ensure!(
        !certs.is_empty(),
        "CA file {} holds no certificate",
        path.display()
    );
    Ok(certs)
}

/// Follows up to ten redirects, refusing any from HTTPS to HTTP. reqwest
/// itself drops `Authorization` when a redirect changes host.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let downgrade = attempt.url().scheme() == "http"
            && attempt.previous().iter().any(|u| u.scheme() == "https");
        if downgrade {
            attempt.error("refusing a redirect from HTTPS to plain HTTP")
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

/// The host[:port] requests go to for a reference's domain.
pub fn api_host(domain: &str) -> &str {
    match domain {
        "docker.io" | "index.docker.io" => DOCKER_HUB_HOST,
        other => other,
    }
}

/// Whether `host[:port]` is this machine: `localhost`, 127.0.0.0/8 or `[::1]`.
pub fn is_loopback(host_port: &str) -> bool {
    let host = strip_port(host_port);
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn strip_port(host_port: &str) -> &str {
    if host_port.starts_with('[') {
        return host_port
            .split(']')
            .next()
            .map_or(host_port, |h| &host_port[..h.len() + 1]);
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => host_port,
    }
}

/// Whether a URL may carry credentials: HTTPS, or any scheme to loopback.
pub fn may_send_credentials(url: &reqwest::Url) -> bool {
    url.scheme() == "https" || url.host_str().is_some_and(is_loopback)
}

/// Whether plain HTTP may be tried after HTTPS failed with `err`: the server
/// answered with bytes that are not TLS (a plain-HTTP registry), or nothing
/// listens on the default HTTPS port of a host named without a port.
/// Certificate errors never qualify: they are reported as they are.
pub fn may_fall_back_to_http(err: &reqwest::Error, host_port: &str) -> bool {
    let no_port = strip_port(host_port) == host_port;
    peer_is_not_tls(err) || (no_port && err.is_connect() && tls_error(err).is_none())
}

fn peer_is_not_tls(err: &reqwest::Error) -> bool {
    matches!(tls_error(err), Some(rustls::Error::InvalidMessage(_)))
}

/// The TLS library's own error somewhere in the chain, if any. rustls errors
/// arrive wrapped in (nested) `io::Error`s, whose `source()` skips the
/// wrapped error, so those are opened with `get_ref()`.
pub(crate) fn tls_error(err: &reqwest::Error) -> Option<&rustls::Error> {
    causes(err).find_map(|e| e.downcast_ref::<rustls::Error>())
}

/// The error and every cause below it, `io::Error` wrappers opened.
pub(crate) fn causes(
    err: &reqwest::Error,
) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
    let first: &(dyn std::error::Error + 'static) = err;
    std::iter::successors(Some(first), |e| {
        match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_domains_go_to_registry_1() {
        assert_eq!(api_host("docker.io"), "registry-1.docker.io");
        assert_eq!(api_host("index.docker.io"), "registry-1.docker.io");
        assert_eq!(api_host("ghcr.io"), "ghcr.io");
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1",
            "127.1.2.3:80",
            "[::1]",
            "[::1]:5000",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "example.com",
            "10.0.0.1:5000",
            "[2001:db8::1]:5000",
            "localhost.example",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn credentials_only_over_https_or_loopback() {
        let ok = [
            "https://r.example/token",
            "http://127.0.0.1:9/token",
            "http://localhost/t",
        ];
        for u in ok {
            assert!(
                may_send_credentials(&reqwest::Url::parse(u).unwrap()),
                "{u}"
            );
        }
        let plain = reqwest::Url::parse("http://r.example/token").unwrap();
        assert!(!may_send_credentials(&plain));
    }
}
