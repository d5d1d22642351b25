//! containers-registries.conf(5), version 2, as podman, skopeo and buildah
//! read it: which `[[registry]]` table a reference falls under (the longest
//! `prefix` that matches at a name boundary, `*.domain` wildcards too), and
//! the endpoints to try for it — its mirrors in order, as `pull-from-mirror`
//! and `mirror-by-digest-only` allow, then the primary `location` — with
//! `insecure` and `blocked`. Drop-in files are merged (a table replaces an
//! earlier one with the same prefix). Pure: text in, endpoints out; which
//! files are read is `load`'s business.

pub mod load;

use crate::reference::{Reference, ReferenceError};
use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfError {
    #[error("not a valid registries.conf: {0}")]
    Toml(String),
    #[error("[[registry]] with prefix {0:?}: a wildcard prefix cannot have a location")]
    WildcardLocation(String),
    #[error("[[registry]] has neither prefix nor location")]
    Empty,
    #[error("[[registry]] {prefix:?}: location {location:?} is not a registry name: {error}")]
    BadLocation {
        prefix: String,
        location: String,
        error: ReferenceError,
    },
    #[error("[[registry.mirror]] of {0:?} has no location")]
    MirrorWithoutLocation(String),
    #[error("[[registry.mirror]] of {prefix:?}: pull-from-mirror {value:?} is not all, digest-only or tag-only")]
    BadPullFromMirror { prefix: String, value: String },
}

/// Pulling from `prefix` is forbidden by registries.conf.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("registries.conf blocks {0}")]
pub struct Blocked(pub String);

#[derive(Debug, Default, Deserialize)]
struct RawFile {
    #[serde(default)]
    registry: Vec<RawRegistry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawRegistry {
    prefix: Option<String>,
    location: Option<String>,
    insecure: Option<bool>,
    blocked: Option<bool>,
    mirror_by_digest_only: Option<bool>,
    #[serde(default)]
    mirror: Vec<RawMirror>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawMirror {
    location: Option<String>,
    insecure: Option<bool>,
    pull_from_mirror: Option<String>,
}

/// Which references a mirror serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pull {
    All,
    DigestOnly,
    TagOnly,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Mirror {
    location: String,
    insecure: bool,
    pull: Pull,
}

/// One `[[registry]]` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registry {
    prefix: String,
    location: String,
    insecure: bool,
    blocked: bool,
    mirrors: Vec<Mirror>,
}

/// Where to ask for a reference: the reference rewritten for that
/// location, and whether plain HTTP and unverified TLS are allowed there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub reference: Reference,
    pub insecure: bool,
}

/// Every `[[registry]]` table of the files read, merged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegistriesConf {
    registries: Vec<Registry>,
}

impl RegistriesConf {
    /// Adds one file's tables; a table replaces an earlier one with the same prefix.
    pub fn merge_text(&mut self, text: &str) -> Result<(), ConfError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| ConfError::Toml(e.to_string()))?;
        for table in raw.registry {
            let registry = registry_of(table)?;
            match self
                .registries
                .iter_mut()
                .find(|r| r.prefix == registry.prefix)
            {
                Some(existing) => *existing = registry,
                None => self.registries.push(registry),
            }
        }
        Ok(())
    }

    /// The endpoints to try for `reference`, in order; the reference itself
    /// when no table matches.
    pub fn endpoints(&self, reference: &Reference) -> Result<Vec<Endpoint>, Blocked> {
        let written = reference.to_string();
        let best = self
            .registries
            .iter()
            .filter(|r| matches(&r.prefix, reference, &written))
            .max_by_key(|r| r.prefix.len());
        let Some(registry) = best else {
            return Ok(vec![Endpoint {
                reference: reference.clone(),
                insecure: false,
            }]);
        };
        if registry.blocked {
            return Err(Blocked(registry.prefix.clone()));
        }
        let by_digest = reference.digest().is_some();
        let mut out = Vec::new();
        for mirror in &registry.mirrors {
            let wanted = match mirror.pull {
                Pull::All => true,
                Pull::DigestOnly => by_digest,
                Pull::TagOnly => !by_digest,
            };
            if let Some(at) = wanted
                .then(|| rewrite(reference, &written, &registry.prefix, &mirror.location))
                .flatten()
            {
                out.push(Endpoint {
                    reference: at,
                    insecure: mirror.insecure,
                });
            }
        }
        let primary = rewrite(reference, &written, &registry.prefix, &registry.location);
        out.push(Endpoint {
            reference: primary.unwrap_or_else(|| reference.clone()),
            insecure: registry.insecure,
        });
        Ok(out)
    }
}

fn registry_of(raw: RawRegistry) -> Result<Registry, ConfError> {
    let location = raw.location.unwrap_or_default();
    let prefix = raw
        .prefix
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| location.clone());
    if prefix.is_empty() {
        return Err(ConfError::Empty);
    }
    if prefix.starts_with("*.") && !location.is_empty() {
        return Err(ConfError::WildcardLocation(prefix));
    }
    check_location(&prefix, &location)?;
    let digest_only = raw.mirror_by_digest_only.unwrap_or(false);
    let mirrors = raw
        .mirror
        .into_iter()
        .map(|m| mirror_of(&prefix, m, digest_only))
        .collect::<Result<_, _>>()?;
    Ok(Registry {
        location,
        insecure: raw.insecure.unwrap_or(false),
        blocked: raw.blocked.unwrap_or(false),
        mirrors,
        prefix,
    })
}

fn mirror_of(prefix: &str, raw: RawMirror, digest_only: bool) -> Result<Mirror, ConfError> {
    let location = raw.location.filter(|l| !l.is_empty());
    let location = location.ok_or_else(|| ConfError::MirrorWithoutLocation(prefix.to_string()))?;
    check_location(prefix, &location)?;
    let pull = match raw.pull_from_mirror.as_deref() {
        None | Some("") if digest_only => Pull::DigestOnly,
        None | Some("") | Some("all") => Pull::All,
        Some("digest-only") => Pull::DigestOnly,
        Some("tag-only") => Pull::TagOnly,
        Some(other) => {
            return Err(ConfError::BadPullFromMirror {
                prefix: prefix.to_string(),
                value: other.to_string(),
            })
        }
    };
    Ok(Mirror {
        location,
        insecure: raw.insecure.unwrap_or(false),
        pull,
    })
}

/// A location must be `host[:port][/path]` with a valid repository path.
fn check_location(prefix: &str, location: &str) -> Result<(), ConfError> {
    if location.is_empty() {
        return Ok(());
    }
    let probe = if location.contains('/') {
        location.to_string()
    } else {
        format!("{location}/x")
    };
    Reference::with_name(&probe)
        .map(|_| ())
        .map_err(|error| ConfError::BadLocation {
            prefix: prefix.to_string(),
            location: location.to_string(),
            error,
        })
}

/// Whether `prefix` covers the reference written as `written`: equal, or
/// followed by `/`, `:` or `@`; `*.example.com` covers every subdomain.
fn matches(prefix: &str, reference: &Reference, written: &str) -> bool {
    if let Some(suffix) = prefix.strip_prefix('*') {
        let domain = reference.domain();
        return domain.len() > suffix.len() && domain.ends_with(suffix);
    }
    match written.strip_prefix(prefix) {
        Some("") => true,
        Some(rest) => rest.starts_with(['/', ':', '@']),
        None => false,
    }
}

/// The reference with the part `prefix` matched replaced by `location`
/// (for a wildcard, its domain); `None` when there is nothing to replace
/// or the result is not a reference.
fn rewrite(
    reference: &Reference,
    written: &str,
    prefix: &str,
    location: &str,
) -> Option<Reference> {
    if location.is_empty() {
        return None;
    }
    let rest = if prefix.starts_with('*') {
        &written[reference.domain().len()..]
    } else {
        &written[prefix.len()..]
    };
    // What follows the name is the tag or digest, which `relocated` keeps.
    let name_end = rest.find([':', '@']).unwrap_or(rest.len());
    let name = format!("{location}{}", &rest[..name_end]);
    reference.relocated(&name).ok()
}

#[cfg(test)]
mod tests;
