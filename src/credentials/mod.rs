//! Credentials for registries, looked up in this order and the first answer
//! kept: credentials given on the command line (`--creds`, `--username`
//! with `--password-stdin`); the Docker config (`$DOCKER_CONFIG/config.json`,
//! else `~/.docker/config.json`: its credential helper, then its `auths`);
//! then containers' auth.json (`$REGISTRY_AUTH_FILE` alone when set, else
//! `$XDG_RUNTIME_DIR/containers/auth.json` and
//! `~/.config/containers/auth.json`). Files are read on first need and
//! answers cached per registry, so a helper runs at most once a process.

pub mod config;
pub mod helper;

use crate::local_config::{home, ConfigError};
use anyhow::{anyhow, Context as _};
use config::{Credential, DockerConfig, Source};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// A credential and where it came from (said by `-v`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub credential: Credential,
    pub source: String,
}

pub struct CredentialStore {
    explicit: Option<Credential>,
    /// `None` without `$DOCKER_CONFIG` and without a home folder.
    docker: Option<ConfigFile>,
    containers: Vec<ConfigFile>,
    cache: Mutex<HashMap<String, Option<Found>>>,
}

/// A config file in the Docker format, read on first need.
struct ConfigFile {
    path: PathBuf,
    config: OnceLock<Result<DockerConfig, String>>,
}

impl ConfigFile {
    fn new(path: PathBuf) -> Self {
        ConfigFile {
            path,
            config: OnceLock::new(),
        }
    }

    /// The parsed file; a missing file is an empty config.
    fn get(&self, what: &str) -> anyhow::Result<&DockerConfig> {
        let read = || match std::fs::read_to_string(&self.path) {
            Ok(text) => DockerConfig::parse(&text).map_err(|e| e.to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DockerConfig::default()),
            Err(e) => Err(format!("cannot read it: {e}")),
        };
        self.config
            .get_or_init(read)
            .as_ref()
            .map_err(|e| anyhow!("{what} {}: {e}", self.path.display()))
    }
}

impl CredentialStore {
    /// The store for the files docker and podman would use, with
    /// `explicit` (from the command line) before them all.
    pub fn from_env(explicit: Option<Credential>) -> Self {
        let containers = auth_json_paths().into_iter().map(ConfigFile::new).collect();
        CredentialStore {
            explicit,
            docker: docker_config_path().map(ConfigFile::new),
            containers,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Where credentials are looked for, for messages.
    pub fn places(&self) -> String {
        let mut places: Vec<String> = Vec::new();
        places.extend(self.docker.iter().map(|c| c.path.display().to_string()));
        places.extend(self.containers.iter().map(|c| c.path.display().to_string()));
        if self.explicit.is_some() {
            places.insert(0, "--creds".into());
        }
        if places.is_empty() {
            return "no credentials file: HOME is not set".to_string();
        }
        places.join(", ")
    }

    /// The credential for `domain` and where it was found.
    pub async fn lookup(&self, domain: &str) -> Result<Option<Found>, ConfigError> {
        if let Some(hit) = self.cache_get(domain) {
            return Ok(hit);
        }
        let found = self.search(domain).await.map_err(ConfigError)?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(domain.to_string(), found.clone());
        }
        Ok(found)
    }

    async fn search(&self, domain: &str) -> anyhow::Result<Option<Found>> {
        if let Some(credential) = &self.explicit {
            return Ok(Some(Found {
                credential: credential.clone(),
                source: "--creds / --password-stdin".into(),
            }));
        }
        let from_docker = match &self.docker {
            Some(docker) => from_docker(docker, domain).await?,
            None => None,
        };
        if from_docker.is_some() {
            return Ok(from_docker);
        }
        for file in &self.containers {
            if let Source::Stored(c) = file.get("auth file")?.source_for_stored(domain) {
                return Ok(Some(found(c, file.path.display().to_string())));
            }
        }
        Ok(None)
    }

    fn cache_get(&self, domain: &str) -> Option<Option<Found>> {
        self.cache.lock().ok()?.get(domain).cloned()
    }
}

/// What the Docker config holds for `domain`: its helper's answer, else
/// its `auths` entry.
async fn from_docker(docker: &ConfigFile, domain: &str) -> anyhow::Result<Option<Found>> {
    Ok(match docker.get("Docker config")?.source_for(domain) {
        Source::Anonymous => None,
        Source::Stored(c) => Some(found(c, format!("auths of {}", docker.path.display()))),
        Source::Helper {
            helper,
            server_url,
            fallback,
        } => {
            let asked = helper::get(&helper, &server_url).await;
            let context = || format!("credential helper named in {}", docker.path.display());
            match asked.with_context(context)? {
                Some(c) => Some(found(c, format!("docker-credential-{helper}"))),
                None => fallback.map(|c| found(c, format!("auths of {}", docker.path.display()))),
            }
        }
    })
}

fn found(credential: Credential, source: String) -> Found {
    Found { credential, source }
}

fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    Some(home()?.join(".docker").join("config.json"))
}

/// containers-auth.json(5): `$REGISTRY_AUTH_FILE` alone, else the runtime
/// file (on Linux only, as containers/image has it) and then the one in the
/// user's config folder (`%USERPROFILE%\.config\containers` on Windows).
fn auth_json_paths() -> Vec<PathBuf> {
    if let Some(file) = std::env::var_os("REGISTRY_AUTH_FILE").filter(|f| !f.is_empty()) {
        return vec![PathBuf::from(file)];
    }
    let mut paths = Vec::new();
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").filter(|_| cfg!(target_os = "linux"));
    if let Some(runtime) = runtime.filter(|d| !d.is_empty()) {
        paths.push(PathBuf::from(runtime).join("containers/auth.json"));
    }
    paths.extend(home().map(|h| h.join(".config/containers/auth.json")));
    paths
}
