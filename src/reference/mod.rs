//! Image references (`NAME[:TAG][@DIGEST]`): the strict grammar of
//! distribution/reference and Docker's familiar normalization (`node` →
//! `docker.io/library/node`), as separate steps. A parsed [`Reference`] keeps
//! what the user wrote: no default tag is stored, so output can echo their
//! spelling; [`Reference::tag_or_latest`] applies Docker's default when a
//! request is made. Deliberate difference from upstream: digests may use
//! sha512 as well as sha256. Pure: no I/O.

mod error;
pub mod grammar;

pub use error::ReferenceError;

use crate::digest::Digest;
use std::fmt;

/// Longest repository path (without the domain) the grammar allows.
pub const PATH_MAX: usize = 255;
/// Docker Hub's name in references.
pub const DOCKER_HUB: &str = "docker.io";
const LEGACY_DOCKER_HUB: &str = "index.docker.io";
const OFFICIAL_PREFIX: &str = "library/";
const DEFAULT_TAG: &str = "latest";

/// A named reference: domain (empty when the strict grammar found none),
/// repository path, and the optional tag and digest as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

/// What `ParseAnyReference` yields: a bare digest or a named reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnyReference {
    Digest(Digest),
    Named(Reference),
}

impl Reference {
    /// Strict parse with no normalization (upstream `Parse`).
    pub fn parse(s: &str) -> Result<Self, ReferenceError> {
        if s.is_empty() {
            return Err(ReferenceError::NameEmpty);
        }
        let Some(caps) = grammar::REFERENCE.captures(s) else {
            let lower = s.to_lowercase();
            if lower != s && grammar::REFERENCE.is_match(&lower) {
                return Err(ReferenceError::NameContainsUppercase);
            }
            return Err(ReferenceError::InvalidFormat(explain(s)));
        };
        let name = caps.get(1).map_or("", |m| m.as_str());
        let (domain, path) = split_name(name);
        if path.len() > PATH_MAX {
            return Err(ReferenceError::NameTooLong(path.len()));
        }
        let tag = caps.get(2).map(|m| m.as_str().to_string());
        let digest = caps.get(3).map(|m| Digest::parse(m.as_str())).transpose()?;
        Ok(Reference {
            domain: domain.to_string(),
            path: path.to_string(),
            tag,
            digest,
        })
    }

    /// Parse with Docker's normalization (upstream `ParseNormalizedNamed`):
    /// the domain defaults to `docker.io`, `index.docker.io` becomes
    /// `docker.io`, and single-component Docker Hub names get `library/`.
    pub fn parse_normalized(s: &str) -> Result<Self, ReferenceError> {
        if s.is_empty() {
            return Err(ReferenceError::NameEmpty);
        }
        if grammar::ANCHORED_IDENTIFIER.is_match(s) {
            return Err(ReferenceError::IdentifierAsName);
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote = remainder.split(':').next().unwrap_or_default();
        if remote.to_lowercase() != remote {
            return Err(ReferenceError::NameContainsUppercase);
        }
        Reference::parse(&format!("{domain}/{remainder}"))
    }

    /// A name alone, no tag or digest (upstream `WithName`).
    pub fn with_name(name: &str) -> Result<Self, ReferenceError> {
        let Some(caps) = grammar::ANCHORED_NAME.captures(name) else {
            return Err(ReferenceError::InvalidFormat(explain(name)));
        };
        let path = caps.get(2).map_or("", |m| m.as_str());
        if path.len() > PATH_MAX {
            return Err(ReferenceError::NameTooLong(path.len()));
        }
        Ok(Reference {
            domain: caps.get(1).map_or("", |m| m.as_str()).to_string(),
            path: path.to_string(),
            tag: None,
            digest: None,
        })
    }

    /// Normalized parse that rejects anything not already fully qualified
    /// (upstream `ParseNamed`). Kept as a mirror of upstream's API for the
    /// conformance vectors and fuzzing; ddigest itself does not call it.
    pub fn parse_named(s: &str) -> Result<Self, ReferenceError> {
        let named = Reference::parse_normalized(s)?;
        if named.to_string() != s {
            return Err(ReferenceError::NameNotCanonical);
        }
        Ok(named)
    }

    /// Normalized, with `latest` when no tag or digest is given and the tag
    /// dropped when a digest is (upstream `ParseDockerRef`). A mirror of
    /// upstream's API for the conformance vectors; ddigest does not call it.
    pub fn parse_docker_ref(s: &str) -> Result<Self, ReferenceError> {
        let mut named = Reference::parse_normalized(s)?;
        if named.digest.is_some() {
            named.tag = None;
        } else if named.tag.is_none() {
            named.tag = Some(DEFAULT_TAG.to_string());
        }
        Ok(named)
    }

    /// A bare 64-hex id or digest, else a normalized name (upstream
    /// `ParseAnyReference`). A mirror of upstream's API for the conformance
    /// vectors and fuzzing; ddigest does not call it.
    pub fn parse_any(s: &str) -> Result<AnyReference, ReferenceError> {
        if grammar::ANCHORED_IDENTIFIER.is_match(s) {
            return Ok(AnyReference::Digest(Digest::parse(&format!("sha256:{s}"))?));
        }
        if let Ok(digest) = Digest::parse(s) {
            return Ok(AnyReference::Digest(digest));
        }
        Reference::parse_normalized(s).map(AnyReference::Named)
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// The same name and tag with `digest` instead of any digest written.
    pub fn with_digest(&self, digest: Option<Digest>) -> Reference {
        Reference {
            digest,
            ..self.clone()
        }
    }

    /// The same name with `tag` and no digest: a tag beside the image,
    /// such as cosign's `sha256-<hex>.sig`. The tag must be valid.
    pub fn with_tag(&self, tag: &str) -> Result<Reference, ReferenceError> {
        if !grammar::ANCHORED_TAG.is_match(tag) {
            return Err(ReferenceError::InvalidFormat(format!(
                "{tag:?} is not a valid tag"
            )));
        }
        Ok(Reference {
            tag: Some(tag.to_string()),
            digest: None,
            ..self.clone()
        })
    }

    /// The same tag and digest under another name, `domain/path` split at
    /// the first `/` as registries.conf locations are written (so `mirror/x`
    /// names the host `mirror`). The name must be valid.
    pub fn relocated(&self, name: &str) -> Result<Reference, ReferenceError> {
        Reference::with_name(name)?;
        let (domain, path) = name.split_once('/').unwrap_or((name, ""));
        if path.is_empty() {
            return Err(ReferenceError::InvalidFormat(format!(
                "{name:?} has no repository"
            )));
        }
        Ok(Reference {
            domain: domain.to_string(),
            path: path.to_string(),
            ..self.clone()
        })
    }

    /// The tag a request uses: the one written, else Docker's `latest`.
    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or(DEFAULT_TAG)
    }

    /// The whole reference with Docker's `latest` written out when neither a
    /// tag nor a digest was given: `docker.io/library/node:latest`.
    pub fn qualified_string(&self) -> String {
        if self.tag.is_none() && self.digest.is_none() {
            return format!("{}:{DEFAULT_TAG}", self.name());
        }
        self.to_string()
    }

    /// `domain/path`, or just `path` when there is no domain.
    pub fn name(&self) -> String {
        if self.domain.is_empty() {
            self.path.clone()
        } else {
            format!("{}/{}", self.domain, self.path)
        }
    }

    /// The name as Docker shows it: `docker.io/` and a lone `library/`
    /// removed. Unlike Docker, `docker.io/` stays when the path's first
    /// component would read as a registry host (`docker.io/foo.com/bar`), and
    /// `library/` when the rest is 64 hex digits, so the familiar form always
    /// parses back to the same reference.
    pub fn familiar_name(&self) -> String {
        if self.domain != DOCKER_HUB {
            return self.name();
        }
        match self.path.strip_prefix(OFFICIAL_PREFIX) {
            // `library/<64 hex>` stays: a bare 64-hex name reads as an image id.
            Some(rest) if !rest.contains('/') && !grammar::ANCHORED_IDENTIFIER.is_match(rest) => {
                rest.to_string()
            }
            Some(_) => self.path.clone(),
            _ if reads_as_domain(&self.path) => self.name(),
            _ => self.path.clone(),
        }
    }

    /// The whole reference in its familiar form.
    pub fn familiar_string(&self) -> String {
        let mut out = self.familiar_name();
        self.push_suffix(&mut out);
        out
    }

    fn push_suffix(&self, out: &mut String) {
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(&digest.to_string());
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = self.name();
        self.push_suffix(&mut out);
        f.write_str(&out)
    }
}

/// Splits a name into (domain, path) with the anchored name grammar.
fn split_name(name: &str) -> (&str, &str) {
    match grammar::ANCHORED_NAME.captures(name) {
        Some(c) => (
            c.get(1).map_or("", |m| m.as_str()),
            c.get(2).map_or("", |m| m.as_str()),
        ),
        None => ("", name),
    }
}

/// Whether a name's first component would be taken for a registry host.
fn reads_as_domain(name: &str) -> bool {
    name.split_once('/').is_some_and(|(first, _)| {
        first == "localhost" || first.contains(['.', ':']) || first.to_lowercase() != first
    })
}

/// Docker's rule for the first component: a registry host only if it is
/// `localhost`, contains `.` or `:`, or has uppercase letters.
fn split_docker_domain(name: &str) -> (&str, String) {
    let Some((first, rest)) = name.split_once('/') else {
        return (DOCKER_HUB, format!("{OFFICIAL_PREFIX}{name}"));
    };
    let (domain, remote) = if !reads_as_domain(name) {
        (DOCKER_HUB, name)
    } else if first == LEGACY_DOCKER_HUB {
        (DOCKER_HUB, rest)
    } else {
        (first, rest)
    };
    if domain == DOCKER_HUB && !remote.contains('/') {
        return (domain, format!("{OFFICIAL_PREFIX}{remote}"));
    }
    (domain, remote.to_string())
}

/// Says which part of an unparseable reference is wrong.
fn explain(s: &str) -> String {
    if let Some(scheme_end) = s.find("://") {
        return format!("remove the URL scheme {:?}", &s[..scheme_end + 3]);
    }
    let (rest, digest) = match s.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (s, None),
    };
    if let Some(d) = digest {
        if !grammar::ANCHORED_DIGEST.is_match(d) {
            return format!("invalid digest {d:?}: expected ALGORITHM:HEX such as sha256:<64 hex>");
        }
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(t) = tag {
        if !grammar::ANCHORED_TAG.is_match(t) {
            return format!(
                "invalid tag {t:?}: 1 to 128 of A-Z a-z 0-9 _ . -, not starting with . or -"
            );
        }
    }
    if name.is_empty() {
        return "missing repository name".to_string();
    }
    format!(
        "invalid repository name {name:?}: path components are lowercase letters and digits \
         joined by '.', '_', '__' or '-', separated by '/'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_users_spelling() {
        let r = Reference::parse_normalized("node:14.7.0").unwrap();
        assert_eq!(r.domain(), "docker.io");
        assert_eq!(r.path(), "library/node");
        assert_eq!(r.familiar_string(), "node:14.7.0");
        // Found by fuzzing: a Hub path whose first component looks like a host.
        let crash = "docker.io/1111111111111111111111ker.io/111111111111";
        let r = Reference::parse_normalized(crash).unwrap();
        assert_eq!(r.familiar_string(), crash);
        assert_eq!(
            Reference::parse_normalized(&r.familiar_string()).unwrap(),
            r
        );
        let hex = format!("docker.io/library/{}", "0123456789abcdef".repeat(4));
        let r = Reference::parse_normalized(&hex).unwrap();
        assert_eq!(
            r.familiar_string(),
            format!("library/{}", "0123456789abcdef".repeat(4))
        );
        assert_eq!(
            Reference::parse_normalized(&r.familiar_string()).unwrap(),
            r
        );
        let bare = Reference::parse_normalized("node").unwrap();
        assert_eq!(bare.tag(), None);
        assert_eq!(bare.tag_or_latest(), "latest");
    }

    #[test]
    fn accepts_sha512_deliberately() {
        let s = format!("repo@sha512:{}", "f".repeat(128));
        assert!(Reference::parse(&s).is_ok());
    }

    #[test]
    fn explains_what_is_wrong() {
        let bad_tag = Reference::parse_normalized("node:-x")
            .unwrap_err()
            .to_string();
        assert!(bad_tag.contains("invalid tag \"-x\""), "{bad_tag}");
        let scheme = Reference::parse_normalized("https://example.com/a")
            .unwrap_err()
            .to_string();
        assert!(scheme.contains("URL scheme"), "{scheme}");
        let short = Reference::parse_normalized("node@sha256:abc")
            .unwrap_err()
            .to_string();
        assert!(short.contains("invalid digest"), "{short}");
        let upper = Reference::parse_normalized("Node").unwrap_err();
        assert_eq!(upper, ReferenceError::NameContainsUppercase);
    }
}
