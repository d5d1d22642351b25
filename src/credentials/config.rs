//! The Docker client config (`config.json`): `auths` entries, `credHelpers`
//! per registry and the default `credsStore`, and the rule that picks the
//! credential source for one registry. Pure: parses text that the caller read.

use crate::secret::Secret;
use base64::Engine as _;
use serde::Deserialize;
use std::collections::HashMap;

/// The key Docker Hub credentials are stored under.
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("not valid JSON for a Docker config: {0}")]
    Json(String),
    #[error("auths[{key:?}].auth is not base64 of USER:PASSWORD")]
    BadAuth { key: String },
}

/// A credential found for a registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// Username and password: Basic auth, or Basic to a token realm.
    Basic { username: String, password: Secret },
    /// An OAuth2 refresh token, exchanged at the token realm.
    IdentityToken(Secret),
    /// A bearer token sent to the registry as is.
    RegistryToken(Secret),
}

/// Where the credential for one registry comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `docker-credential-<helper> get`, then `fallback` if it has none.
    Helper {
        helper: String,
        server_url: String,
        fallback: Option<Credential>,
    },
    /// An `auths` entry.
    Stored(Credential),
    /// Nothing configured: anonymous.
    Anonymous,
}

#[derive(Debug, Default, Deserialize)]
struct RawConfig {
    #[serde(default)]
    auths: HashMap<String, RawAuth>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: HashMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RawAuth {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
    identitytoken: Option<String>,
    registrytoken: Option<String>,
}

/// A parsed config.json.
#[derive(Debug, Default)]
pub struct DockerConfig {
    auths: Vec<(String, Option<Credential>)>,
    cred_helpers: HashMap<String, String>,
    creds_store: Option<String>,
}

impl DockerConfig {
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let raw: RawConfig =
            serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))?;
        let mut auths = Vec::with_capacity(raw.auths.len());
        for (key, entry) in raw.auths {
            let credential = credential_of(&key, entry)?;
            auths.push((key, credential));
        }
        auths.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(DockerConfig {
            auths,
            cred_helpers: raw.cred_helpers,
            creds_store: raw.creds_store.filter(|s| !s.is_empty()),
        })
    }

    /// The credential source for a registry named `domain` in a reference
    /// (`docker.io`, `ghcr.io`, `localhost:5000`), in Docker's order:
    /// `credHelpers[host]`, then `credsStore`, then `auths`.
    pub fn source_for(&self, domain: &str) -> Source {
        let host = canonical_host(domain);
        let stored = self.stored(&host);
        let server_url = if host == "index.docker.io" {
            DOCKER_HUB_KEY.to_string()
        } else {
            host.clone()
        };
        let helper = self
            .cred_helpers
            .iter()
            .find(|(k, _)| canonical_host(k) == host)
            .map(|(_, v)| v.clone())
            .or_else(|| self.creds_store.clone());
        match (helper, stored) {
            (Some(helper), fallback) => Source::Helper {
                helper,
                server_url,
                fallback,
            },
            (None, Some(credential)) => Source::Stored(credential),
            (None, None) => Source::Anonymous,
        }
    }

    /// The `auths` entry for `domain` alone, helpers ignored: how
    /// containers' auth.json files are read.
    pub fn source_for_stored(&self, domain: &str) -> Source {
        match self.stored(&canonical_host(domain)) {
            Some(credential) => Source::Stored(credential),
            None => Source::Anonymous,
        }
    }

    fn stored(&self, host: &str) -> Option<Credential> {
        self.auths
            .iter()
            .filter(|(k, _)| canonical_host(k) == host)
            .find_map(|(_, c)| c.clone())
    }
}

/// Reduces a config key or reference domain to a host[:port]: scheme and
/// path dropped, Docker Hub's aliases folded into `index.docker.io`.
pub fn canonical_host(key: &str) -> String {
    let no_scheme = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = no_scheme.split('/').next().unwrap_or_default();
    match host {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "index.docker.io".to_string()
        }
        other => other.to_string(),
    }
}

fn credential_of(key: &str, entry: RawAuth) -> Result<Option<Credential>, ConfigError> {
    if let Some(token) = entry.registrytoken.filter(|t| !t.is_empty()) {
        return Ok(Some(Credential::RegistryToken(token.into())));
    }
    if let Some(token) = entry.identitytoken.filter(|t| !t.is_empty()) {
        return Ok(Some(Credential::IdentityToken(token.into())));
    }
    if let Some(auth) = entry.auth.filter(|a| !a.is_empty()) {
        let bad = || ConfigError::BadAuth {
            key: key.to_string(),
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|_| bad())?;
        let text = String::from_utf8(decoded).map_err(|_| bad())?;
        let (user, pass) = text.split_once(':').ok_or_else(bad)?;
        return Ok(Some(Credential::Basic {
            username: user.to_string(),
            password: Secret::new(pass),
        }));
    }
    match (entry.username, entry.password) {
        (Some(username), Some(password)) if !username.is_empty() => Ok(Some(Credential::Basic {
            username,
            password: password.into(),
        })),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, pass: &str) -> Credential {
        Credential::Basic {
            username: user.into(),
            password: Secret::new(pass),
        }
    }

    #[test]
    fn auths_in_every_spelling() {
        let cfg = DockerConfig::parse(
            r#"{"auths": {
                "https://index.docker.io/v1/": {"auth": "dXNlcjpwYTpzcw=="},
                "localhost:5000": {"username": "u", "password": "p"},
                "https://ghcr.io": {"identitytoken": "refresh"},
                "quay.io": {"registrytoken": "bearer"},
                "empty.example": {}
            }}"#,
        )
        .unwrap();
        assert_eq!(
            cfg.source_for("docker.io"),
            Source::Stored(basic("user", "pa:ss"))
        );
        assert_eq!(
            cfg.source_for("localhost:5000"),
            Source::Stored(basic("u", "p"))
        );
        assert_eq!(
            cfg.source_for("ghcr.io"),
            Source::Stored(Credential::IdentityToken(Secret::new("refresh")))
        );
        assert_eq!(
            cfg.source_for("quay.io"),
            Source::Stored(Credential::RegistryToken(Secret::new("bearer")))
        );
        assert_eq!(cfg.source_for("empty.example"), Source::Anonymous);
        assert_eq!(cfg.source_for("other.example"), Source::Anonymous);
    }

    #[test]
    fn helpers_take_precedence_in_dockers_order() {
        let cfg = DockerConfig::parse(
            r#"{"credsStore": "desktop",
                "credHelpers": {"gcr.io": "gcloud"},
                "auths": {"gcr.io": {"username": "u", "password": "p"}}}"#,
        )
        .unwrap();
        assert_eq!(
            cfg.source_for("gcr.io"),
            Source::Helper {
                helper: "gcloud".into(),
                server_url: "gcr.io".into(),
                fallback: Some(basic("u", "p")),
            }
        );
        assert_eq!(
            cfg.source_for("docker.io"),
            Source::Helper {
                helper: "desktop".into(),
                server_url: DOCKER_HUB_KEY.into(),
                fallback: None,
            }
        );
    }

    #[test]
    fn malformed_config_is_an_error() {
        assert!(matches!(
            DockerConfig::parse("{"),
            Err(ConfigError::Json(_))
        ));
        assert!(matches!(
            DockerConfig::parse(r#"{"auths": {"x": {"auth": "!!"}}}"#),
            Err(ConfigError::BadAuth { .. })
        ));
        assert!(DockerConfig::parse("{}").is_ok());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let cfg =
            DockerConfig::parse(r#"{"auths": {"x": {"username": "u", "password": "sekrit"}}}"#)
                .unwrap();
        assert!(!format!("{cfg:?}").contains("sekrit"));
    }
}
