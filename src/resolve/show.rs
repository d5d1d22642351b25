//! The bytes behind a reference, for `ddigest manifest` and `ddigest
//! config`: the manifest by GET, hashed and checked against the digest it
//! was fetched by (the reference's, or the tag's `Docker-Content-Digest`);
//! with a platform, that entry of a list, fetched by its digest; and an
//! image's config blob, fetched by its digest and checked.

use super::platform::{available, choose_platforms, config_blob, read_manifest};
use super::{by_digest, fetch, Fetched, ResolveError};
use crate::image::Manifest;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::registry::Client;

/// The manifest `reference` names, or with `platform` its entry for it.
pub async fn manifest(
    client: &Client,
    reference: &Reference,
    platform: Option<&Platform>,
) -> Result<Fetched, ResolveError> {
    let top = fetch(client, reference, true).await?;
    let Some(wanted) = platform else {
        return Ok(top);
    };
    let wanted = std::slice::from_ref(wanted);
    let mut chosen = choose_platforms(client, reference, &top, wanted, false).await?;
    let Some(chosen) = chosen.pop() else {
        return Ok(top);
    };
    let chosen = chosen?;
    if chosen.digest == top.resolved.digest {
        return Ok(top);
    }
    by_digest(client, reference, &chosen.digest).await
}

/// The config blob of the image `reference` names (with `platform`, of
/// that entry of a list). A list without a platform is an error that
/// names its platforms.
pub async fn config(
    client: &Client,
    reference: &Reference,
    platform: Option<&Platform>,
) -> Result<Vec<u8>, ResolveError> {
    let fetched = manifest(client, reference, platform).await?;
    match read_manifest(&fetched)? {
        Manifest::Image { config } => config_blob(client, reference, &config).await,
        Manifest::Index { entries, .. } => Err(ResolveError::NeedsPlatform(available(&entries))),
    }
}
