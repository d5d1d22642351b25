//! Credentials for registries: finds the Docker config file
//! (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), reads it
//! once, and answers "which credential for this registry?", running a
//! credential helper when the config names one. Answers are cached per
//! registry so a helper runs at most once a process.

pub mod config;
pub mod helper;

use anyhow::{anyhow, Context as _};
use config::{Credential, DockerConfig, Source};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

pub struct CredentialStore {
    path: PathBuf,
    /// Read on first need: a registry that never challenges costs no file I/O.
    config: OnceLock<Result<DockerConfig, String>>,
    cache: Mutex<HashMap<String, Option<Credential>>>,
}

impl CredentialStore {
    /// The store for the config the Docker CLI would use. A missing file
    /// means no credentials; an unreadable or malformed one is reported
    /// (with its path) when a registry first asks for credentials.
    pub fn from_env() -> Self {
        Self::at(default_config_path())
    }

    pub fn at(path: PathBuf) -> Self {
        CredentialStore {
            path,
            config: OnceLock::new(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn config(&self) -> &Result<DockerConfig, String> {
        self.config
            .get_or_init(|| match std::fs::read_to_string(&self.path) {
                Ok(text) => DockerConfig::parse(&text).map_err(|e| e.to_string()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DockerConfig::default()),
                Err(e) => Err(format!("cannot read it: {e}")),
            })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The credential for the registry named `domain` in a reference, or
    /// `None` for anonymous access.
    pub async fn credential_for(&self, domain: &str) -> anyhow::Result<Option<Credential>> {
        if let Some(hit) = self.cache_get(domain) {
            return Ok(hit);
        }
        let config = self
            .config()
            .as_ref()
            .map_err(|e| anyhow!("Docker config {}: {e}", self.path.display()))?;
        let credential = match config.source_for(domain) {
            Source::Anonymous => None,
            Source::Stored(c) => Some(c),
            Source::Helper {
                helper,
                server_url,
                fallback,
            } => helper::get(&helper, &server_url)
                .await
                .with_context(|| format!("credential helper named in {}", self.path.display()))?
                .or(fallback),
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(domain.to_string(), credential.clone());
        }
        Ok(credential)
    }

    fn cache_get(&self, domain: &str) -> Option<Option<Credential>> {
        self.cache.lock().ok()?.get(domain).cloned()
    }
}

fn default_config_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("config.json");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".docker").join("config.json")
}
