//! The manifests that sit beside an image rather than being one: an
//! artifact or signature manifest (its `artifactType`, config media type
//! and layers with their annotations), and a referrers index (its entries,
//! each a descriptor with `artifactType` and annotations). Descriptors keep
//! their digest as written, so one malformed layer fails only itself.
//! Pure: it parses bytes already fetched.

use crate::digest::Digest;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Why an artifact manifest or referrers index cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArtifactError {
    #[error("not JSON of a manifest's shape: {0}")]
    NotJson(String),
    #[error("media type {0:?} is not an OCI index")]
    NotAnIndex(String),
}

/// A descriptor as written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    #[serde(default)]
    pub digest: String,
    /// `None` when what is written is not a size (`-1`, a string).
    #[serde(default, deserialize_with = "lenient_size")]
    pub size: Option<u64>,
    #[serde(default)]
    pub artifact_type: Option<String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// A descriptor's size as written: any JSON value is taken, and only a
/// non-negative integer is a size, so that a junk descriptor is read (and
/// fails only itself) instead of making its whole manifest unreadable.
fn lenient_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(value.as_u64())
}

impl Descriptor {
    /// Its digest, when it is a valid one.
    pub fn digest(&self) -> Option<Digest> {
        Digest::parse(&self.digest).ok()
    }
}

/// An image or artifact manifest, as far as signatures need it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactManifest {
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub artifact_type: Option<String>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
}

impl ArtifactManifest {
    /// What kind of artifact it is: `artifactType`, else its config's type.
    pub fn artifact_type(&self) -> Option<&str> {
        self.artifact_type
            .as_deref()
            .or(self.config.as_ref().map(|c| c.media_type.as_str()))
    }
}

pub fn parse_artifact(bytes: &[u8]) -> Result<ArtifactManifest, ArtifactError> {
    serde_json::from_slice(bytes).map_err(|e| ArtifactError::NotJson(e.to_string()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawIndex {
    #[serde(default)]
    media_type: Option<String>,
    manifests: Vec<Descriptor>,
}

/// A referrers index's entries. It must be an OCI index: a body with
/// another `mediaType`, or without `manifests`, is not one.
pub fn parse_referrers(bytes: &[u8]) -> Result<Vec<Descriptor>, ArtifactError> {
    let raw: RawIndex =
        serde_json::from_slice(bytes).map_err(|e| ArtifactError::NotJson(e.to_string()))?;
    match raw.media_type.as_deref() {
        None | Some(crate::media_type::OCI_INDEX) => Ok(raw.manifests),
        Some(other) => Err(ArtifactError::NotAnIndex(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifacts_and_referrers_read() {
        let sig = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":3,"digest":"junk","annotations":{"dev.cosignproject.cosign/signature":"AA=="}}]}"#;
        let m = parse_artifact(sig).unwrap();
        assert_eq!(
            m.artifact_type(),
            Some("application/vnd.oci.image.config.v1+json")
        );
        assert_eq!(m.layers.len(), 1);
        assert_eq!(m.layers[0].digest(), None);
        let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":9,"artifactType":"application/spdx+json"}]}"#;
        let entries = parse_referrers(index).unwrap();
        assert_eq!(
            entries[0].artifact_type.as_deref(),
            Some("application/spdx+json")
        );
        let manifest =
            br#"{"mediaType":"application/vnd.oci.image.manifest.v1+json","manifests":[]}"#;
        assert!(matches!(
            parse_referrers(manifest),
            Err(ArtifactError::NotAnIndex(_))
        ));
        assert!(matches!(
            parse_referrers(b"<html>"),
            Err(ArtifactError::NotJson(_))
        ));
    }
}
