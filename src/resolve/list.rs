//! `ddigest ls`: a list or index with every entry (platform, digest, media
//! type, size, attestations marked), or a single image as one row whose
//! platform comes from its config.

use super::platform::{image_platform, read_manifest};
use super::{fetch, Resolved};
use crate::image::Manifest;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::registry::Client;

/// What `ls` shows for one reference.
#[derive(Clone, Debug)]
pub struct Listing {
    /// The manifest the reference names (list, index or image).
    pub top: Resolved,
    /// Its entries; for a single image, one row for the image itself.
    pub rows: Vec<Row>,
    pub is_index: bool,
}

/// One entry of an index, or the single image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub platform: Option<Platform>,
    pub digest: String,
    pub media_type: String,
    pub size: Option<u64>,
    pub attestation: bool,
    /// For an attestation: the digest of the image it is about.
    pub attests: Option<String>,
}

pub async fn list(
    client: &Client,
    reference: &Reference,
    verify: bool,
) -> Result<Listing, super::ResolveError> {
    let fetched = fetch(client, reference, verify).await?;
    let manifest = read_manifest(&fetched)?;
    let mut top = fetched.resolved;
    match manifest {
        Manifest::Index { entries, skipped } => {
            top.warnings.extend(skipped);
            let rows = entries
                .iter()
                .map(|e| Row {
                    platform: e.platform.clone(),
                    digest: e.digest.to_string(),
                    media_type: e.media_type.clone(),
                    size: Some(e.size),
                    attestation: e.is_attestation(),
                    attests: e.attests().map(str::to_string),
                })
                .collect();
            Ok(Listing {
                top,
                rows,
                is_index: true,
            })
        }
        Manifest::Image { config } => {
            let platform = image_platform(client, reference, &config).await?;
            let row = Row {
                platform: Some(platform),
                digest: top.digest.to_string(),
                media_type: top.media_type.clone().unwrap_or_default(),
                size: top.size,
                attestation: false,
                attests: None,
            };
            Ok(Listing {
                top,
                rows: vec![row],
                is_index: false,
            })
        }
    }
}
