//! The parts of manifests and image configs ddigest reads: whether a
//! manifest is a list/index or a single image, an index's entries (digest,
//! media type, size, platform, and whether it is an attestation), an image's
//! config descriptor, and the platform an image config declares. Pure: it
//! parses bytes already fetched and does no I/O.

use crate::digest::Digest;
pub use crate::media_type::is_index_type;
use crate::media_type::{DOCKER_MANIFEST, OCI_MANIFEST};
use crate::platform::Platform;
use serde::Deserialize;
use std::collections::BTreeMap;

/// BuildKit's annotation naming what an index entry is.
pub const REFERENCE_TYPE: &str = "vnd.docker.reference.type";
/// BuildKit's annotation naming the image an attestation is about.
pub const REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";
const ATTESTATION: &str = "attestation-manifest";

/// A manifest, as far as choosing a platform needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Manifest {
    /// A Docker manifest list or OCI index. `skipped` says which entries
    /// were left out for a malformed `platform`, and why.
    Index {
        entries: Vec<Entry>,
        skipped: Vec<String>,
    },
    /// A single image, whose platform is in its config blob.
    Image { config: Digest },
}

/// One entry of an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub digest: Digest,
    pub media_type: String,
    pub size: u64,
    pub platform: Option<Platform>,
    pub annotations: BTreeMap<String, String>,
}

impl Entry {
    /// An attestation (SBOM, provenance) rather than a runnable image:
    /// BuildKit marks them with an annotation and `unknown/unknown`.
    pub fn is_attestation(&self) -> bool {
        self.annotations.get(REFERENCE_TYPE).map(String::as_str) == Some(ATTESTATION)
            || self.platform.as_ref().is_some_and(Platform::is_unknown)
    }

    /// The image an attestation describes, when it says.
    pub fn attests(&self) -> Option<&str> {
        self.annotations.get(REFERENCE_DIGEST).map(String::as_str)
    }

    pub fn is_index(&self) -> bool {
        is_index_type(&self.media_type)
    }
}

/// Why manifest or config bytes could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("the manifest is not JSON: {0}")]
    NotJson(String),
    #[error("media type {0:?} is not an image manifest or index ddigest can read")]
    UnknownType(String),
    #[error("the manifest has no config descriptor")]
    NoConfig,
    #[error("an index entry has an invalid digest {0:?}")]
    BadDigest(String),
    #[error("the image config is not JSON or lacks os/architecture: {0}")]
    BadConfig(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManifest {
    media_type: Option<String>,
    manifests: Option<Vec<RawDescriptor>>,
    config: Option<RawDescriptor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDescriptor {
    #[serde(default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    size: u64,
    platform: Option<serde_json::Value>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// A descriptor's `platform` or an image config's platform fields.
#[derive(Deserialize)]
struct RawPlatform {
    os: String,
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default, rename = "os.version")]
    os_version: Option<String>,
    #[serde(default, rename = "os.features")]
    os_features: Option<Vec<String>>,
}

impl RawPlatform {
    fn into_platform(self) -> Result<Platform, String> {
        if self.os.is_empty() || self.architecture.is_empty() {
            return Err("an empty os or architecture".to_string());
        }
        let features = self.os_features.unwrap_or_default();
        Ok(
            Platform::new(&self.os, &self.architecture, self.variant.as_deref())
                .with_os(self.os_version.as_deref(), &features),
        )
    }
}

/// Reads a manifest. `content_type` is the registry's `Content-Type`; the
/// body's own `mediaType` wins when present, and an OCI index or manifest
/// without either is recognized by its fields.
pub fn parse_manifest(bytes: &[u8], content_type: Option<&str>) -> Result<Manifest, ImageError> {
    let raw: RawManifest =
        serde_json::from_slice(bytes).map_err(|e| ImageError::NotJson(e.to_string()))?;
    let media_type = raw
        .media_type
        .clone()
        .or_else(|| content_type.map(str::to_string));
    let kind = match media_type.as_deref() {
        Some(t) if is_index_type(t) => Kind::Index,
        Some(t) if t == OCI_MANIFEST || t == DOCKER_MANIFEST => Kind::Image,
        _ if raw.manifests.is_some() => Kind::Index,
        _ if raw.config.is_some() => Kind::Image,
        other => return Err(ImageError::UnknownType(other.unwrap_or("none").to_string())),
    };
    match kind {
        Kind::Index => {
            let (mut entries, mut skipped) = (Vec::new(), Vec::new());
            for raw in raw.manifests.unwrap_or_default() {
                match entry(raw)? {
                    Ok(entry) => entries.push(entry),
                    Err(why) => skipped.push(why),
                }
            }
            Ok(Manifest::Index { entries, skipped })
        }
        Kind::Image => {
            let config = raw.config.ok_or(ImageError::NoConfig)?;
            let digest = Digest::parse(&config.digest)
                .map_err(|_| ImageError::BadDigest(config.digest.clone()))?;
            Ok(Manifest::Image { config: digest })
        }
    }
}

enum Kind {
    Index,
    Image,
}

/// An index entry; the inner error is a malformed `platform`, which
/// leaves the entry out (containerd could not match it either) with a
/// reason, rather than failing the whole index.
fn entry(raw: RawDescriptor) -> Result<Result<Entry, String>, ImageError> {
    let digest = Digest::parse(&raw.digest).map_err(|_| ImageError::BadDigest(raw.digest))?;
    let platform = match raw.platform {
        None | Some(serde_json::Value::Null) => None,
        Some(value) => match serde_json::from_value::<RawPlatform>(value)
            .map_err(|e| e.to_string())
            .and_then(RawPlatform::into_platform)
        {
            Ok(platform) => Some(platform),
            Err(why) => {
                return Ok(Err(format!(
                    "index entry {digest} has a malformed platform ({why}); skipped"
                )))
            }
        },
    };
    Ok(Ok(Entry {
        digest,
        media_type: raw.media_type,
        size: raw.size,
        platform,
        annotations: raw.annotations,
    }))
}

/// The platform an image config declares (`os`, `architecture`, `variant`,
/// `os.version`, `os.features`).
pub fn config_platform(bytes: &[u8]) -> Result<Platform, ImageError> {
    let raw: RawPlatform =
        serde_json::from_slice(bytes).map_err(|e| ImageError::BadConfig(e.to_string()))?;
    raw.into_platform().map_err(ImageError::BadConfig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media_type::{DOCKER_LIST, OCI_INDEX};

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    #[test]
    fn reads_an_index_with_an_attestation() {
        let body = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[
            {{"mediaType":"{OCI_MANIFEST}","digest":"{D1}","size":10,
              "platform":{{"os":"linux","architecture":"arm","variant":"v7"}}}},
            {{"mediaType":"{OCI_MANIFEST}","digest":"{D2}","size":20,
              "platform":{{"os":"unknown","architecture":"unknown"}},
              "annotations":{{"{REFERENCE_TYPE}":"attestation-manifest","{REFERENCE_DIGEST}":"{D1}"}}}}]}}"#
        );
        let Manifest::Index { entries, .. } = parse_manifest(body.as_bytes(), None).unwrap() else {
            panic!("not an index");
        };
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0].platform.as_ref().unwrap().to_string(),
            "linux/arm/v7"
        );
        assert!(!entries[0].is_attestation());
        assert!(entries[1].is_attestation());
        assert_eq!(entries[1].attests(), Some(D1));
        assert_eq!(entries[1].size, 20);
    }

    #[test]
    fn kind_from_content_type_or_fields() {
        let image = format!(r#"{{"schemaVersion":2,"config":{{"digest":"{D1}","size":2}}}}"#);
        assert!(matches!(
            parse_manifest(image.as_bytes(), Some(DOCKER_MANIFEST)),
            Ok(Manifest::Image { .. })
        ));
        assert!(matches!(
            parse_manifest(image.as_bytes(), None),
            Ok(Manifest::Image { .. })
        ));
        let index = r#"{"schemaVersion":2,"manifests":[]}"#;
        assert_eq!(
            parse_manifest(index.as_bytes(), Some(DOCKER_LIST)),
            Ok(Manifest::Index {
                entries: vec![],
                skipped: vec![]
            })
        );
        assert!(matches!(
            parse_manifest(br#"{"schemaVersion":1}"#, Some("application/json")),
            Err(ImageError::UnknownType(_))
        ));
        assert!(matches!(
            parse_manifest(b"nope", None),
            Err(ImageError::NotJson(_))
        ));
        let bad = r#"{"manifests":[{"digest":"sha256:12","size":1}]}"#;
        assert!(matches!(
            parse_manifest(bad.as_bytes(), None),
            Err(ImageError::BadDigest(_))
        ));
    }

    #[test]
    fn a_malformed_platform_skips_its_entry() {
        let body = format!(
            r#"{{"manifests":[{{"digest":"{D1}","size":1,"platform":{{"architecture":"amd64"}}}},
            {{"digest":"{D2}","size":2,"platform":{{"os":"windows","architecture":"amd64",
              "os.version":"10.0.20348.2113","os.features":["win32k"]}}}}]}}"#
        );
        let Manifest::Index { entries, skipped } = parse_manifest(body.as_bytes(), None).unwrap()
        else {
            panic!("not an index");
        };
        assert_eq!(entries.len(), 1);
        assert_eq!(
            entries[0].platform.as_ref().unwrap().to_string(),
            "windows(10.0.20348.2113+win32k)/amd64"
        );
        assert_eq!(skipped.len(), 1);
        assert!(
            skipped[0].contains(D1) && skipped[0].contains("os"),
            "{skipped:?}"
        );
    }

    #[test]
    fn config_platform_reads_variant() {
        let p =
            config_platform(br#"{"os":"linux","architecture":"arm64","variant":"v8","rootfs":{}}"#)
                .unwrap();
        assert_eq!(p.to_string(), "linux/arm64/v8");
        assert!(config_platform(br#"{"os":"linux"}"#).is_err());
    }
}
