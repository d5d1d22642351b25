//! TLS settings kept where docker and podman keep them, per registry host:
//! `certs.d/<host[:port]>/` under `/etc/docker`, `/etc/containers` and
//! `~/.config/containers`. In each folder, `*.crt` files are CA
//! certificates trusted for that host (besides the system's), and a
//! `NAME.cert` with its `NAME.key` is the client certificate for mutual TLS.
//! A key without its certificate, or the reverse, is an error, as docker
//! makes it.

use crate::local_config::OrConfig;
use anyhow::{bail, Context as _};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};

/// What the certs.d folders say about one host.
#[derive(Debug, Default)]
pub struct HostTls {
    pub roots: Vec<CertificateDer<'static>>,
    pub identity: Option<Identity>,
    /// The folders read, for messages.
    pub dirs: Vec<PathBuf>,
}

/// A client certificate chain and its key.
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Identity({} certificates, key redacted)",
            self.chain.len()
        )
    }
}

/// The certs.d roots, in the order they are read.
fn roots() -> Vec<PathBuf> {
    let mut out = vec![
        PathBuf::from("/etc/docker/certs.d"),
        PathBuf::from("/etc/containers/certs.d"),
    ];
    if let Some(home) = crate::local_config::home() {
        out.push(home.join(".config/containers/certs.d"));
    }
    out
}

/// The settings for `host` (`host[:port]` as requests use it); `None` when
/// no certs.d folder names it.
pub fn for_host(host: &str) -> anyhow::Result<Option<HostTls>> {
    read_host(host).or_config()
}

fn read_host(host: &str) -> anyhow::Result<Option<HostTls>> {
    let dirs: Vec<PathBuf> = roots()
        .into_iter()
        .map(|root| root.join(host))
        .filter(|dir| dir.is_dir())
        .collect();
    if dirs.is_empty() {
        return Ok(None);
    }
    let mut tls = HostTls::default();
    for dir in &dirs {
        read_dir_into(dir, &mut tls)
            .with_context(|| format!("certs.d folder {}", dir.display()))?;
    }
    tls.dirs = dirs;
    Ok(Some(tls))
}

fn read_dir_into(dir: &Path, tls: &mut HostTls) -> anyhow::Result<()> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    for file in &files {
        match file.extension().and_then(|e| e.to_str()) {
            Some("crt") => tls.roots.extend(certificates(file)?),
            Some("cert") => {
                let key = file.with_extension("key");
                if !key.exists() {
                    bail!(
                        "client certificate {} has no {}",
                        file.display(),
                        key.display()
                    );
                }
                if tls.identity.is_none() {
                    tls.identity = Some(Identity {
                        chain: certificates(file)?,
                        key: PrivateKeyDer::from_pem_file(&key)
                            .with_context(|| format!("client key {}", key.display()))?,
                    });
                }
            }
            Some("key") if !file.with_extension("cert").exists() => {
                bail!(
                    "client key {} has no {}",
                    file.display(),
                    file.with_extension("cert").display()
                );
            }
            _ => {}
        }
    }
    Ok(())
}

fn certificates(file: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(file)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("{} is not PEM certificates", file.display()))?;
    if certs.is_empty() {
        bail!("{} holds no certificate", file.display());
    }
    Ok(certs)
}
