//! `--platform`: from a list or index, the entry for each platform asked for
//! (attestations never, nested indexes followed); from a single image, its
//! own digest when its config declares that platform, an error otherwise.
//! The list is fetched once however many platforms are asked for.

use super::{by_digest, fetch, Fetched, Resolved};
use crate::digest::Digest;
use crate::image::{config_platform, parse_manifest, Entry, Manifest};
use crate::platform::Platform;
use crate::reference::Reference;
use crate::registry::manifest::{read_body, MAX_MANIFEST_BYTES};
use crate::registry::{Client, RegistryError};
use anyhow::Context as _;

/// How deep indexes inside indexes are followed.
const MAX_DEPTH: usize = 4;

/// The list or index has no entry for the platform.
#[derive(Debug, thiserror::Error)]
#[error("no entry for platform {wanted}; the {kind} has {}", available_text(.available))]
pub struct PlatformNotFound {
    pub wanted: Platform,
    pub kind: &'static str,
    pub available: Vec<String>,
}

fn available_text(available: &[String]) -> String {
    if available.is_empty() {
        "no image entries".to_string()
    } else {
        available.join(", ")
    }
}

/// A single-platform image is for another platform than the one asked for.
#[derive(Debug, thiserror::Error)]
#[error("the image is a single manifest for {actual}, not {wanted}")]
pub struct PlatformMismatch {
    pub wanted: Platform,
    pub actual: Platform,
}

/// Resolves `reference` once per platform, in the order given. The outer
/// error is a failure to fetch or read the manifest itself; the inner ones
/// are per platform.
pub async fn resolve_platforms(
    client: &Client,
    reference: &Reference,
    platforms: &[Platform],
    verify: bool,
) -> anyhow::Result<Vec<anyhow::Result<Resolved>>> {
    let top = fetch(client, reference, verify).await?;
    let mut results = Vec::with_capacity(platforms.len());
    match read_manifest(&top)? {
        Manifest::Index { entries } => {
            let walk = Walk {
                client,
                reference,
                verify,
            };
            for wanted in platforms {
                let mut found = walk.choose(&entries, wanted, 0).await;
                if let Ok(found) = &mut found {
                    found.warnings.splice(0..0, top.resolved.warnings.clone());
                }
                results.push(found);
            }
        }
        Manifest::Image { config } => {
            let actual = image_platform(client, reference, &config).await?;
            for wanted in platforms {
                results.push(single(&top, &actual, wanted));
            }
        }
    }
    Ok(results)
}

pub fn read_manifest(fetched: &Fetched) -> anyhow::Result<Manifest> {
    let media_type = fetched.resolved.media_type.as_deref();
    parse_manifest(&fetched.bytes, media_type)
        .with_context(|| format!("reading manifest {}", fetched.resolved.digest))
}

fn single(top: &Fetched, actual: &Platform, wanted: &Platform) -> anyhow::Result<Resolved> {
    if !wanted.matches(actual) {
        return Err(PlatformMismatch {
            wanted: wanted.clone(),
            actual: actual.clone(),
        }
        .into());
    }
    let mut resolved = top.resolved.clone();
    resolved.platform = Some(actual.clone());
    Ok(resolved)
}

/// The platform an image's config blob declares.
pub async fn image_platform(
    client: &Client,
    reference: &Reference,
    config: &Digest,
) -> anyhow::Result<Platform> {
    let response = client.blob(reference, config).await?;
    if !response.status().is_success() {
        return Err(RegistryError::from_response("GET", response).await.into());
    }
    let url = response.url().clone();
    let bytes = read_body(response, MAX_MANIFEST_BYTES)
        .await
        .with_context(|| format!("reading the image config from {url}"))?;
    if !config.matches(&bytes) {
        anyhow::bail!("the image config at {url} does not hash to {config}");
    }
    config_platform(&bytes).with_context(|| format!("image config {config}"))
}

struct Walk<'a> {
    client: &'a Client,
    reference: &'a Reference,
    verify: bool,
}

impl Walk<'_> {
    /// The entry for `wanted` among `entries`, following nested indexes.
    async fn choose(
        &self,
        entries: &[Entry],
        wanted: &Platform,
        depth: usize,
    ) -> anyhow::Result<Resolved> {
        let matching: Vec<&Entry> = entries
            .iter()
            .filter(|e| !e.is_attestation())
            .filter(|e| e.platform.as_ref().is_some_and(|p| wanted.matches(p)))
            .collect();
        if let Some(first) = matching.first() {
            let mut found = self.take(first, wanted, depth).await?;
            if matching.len() > 1 {
                found.warnings.push(format!(
                    "{} entries are for {wanted}; using the first",
                    matching.len()
                ));
            }
            return Ok(found);
        }
        // Entries without a platform: nested indexes are searched in turn.
        for nested in entries
            .iter()
            .filter(|e| e.platform.is_none() && e.is_index())
        {
            if let Ok(found) = self.take(nested, wanted, depth).await {
                return Ok(found);
            }
        }
        Err(PlatformNotFound {
            wanted: wanted.clone(),
            kind: "index",
            available: available(entries),
        }
        .into())
    }

    /// The digest an entry resolves to: its own, or, for an index, the
    /// entry chosen inside it.
    async fn take(
        &self,
        entry: &Entry,
        wanted: &Platform,
        depth: usize,
    ) -> anyhow::Result<Resolved> {
        if entry.is_index() {
            if depth >= MAX_DEPTH {
                anyhow::bail!("indexes are nested more than {MAX_DEPTH} deep");
            }
            let nested = by_digest(self.client, self.reference, &entry.digest).await?;
            let Manifest::Index { entries } = read_manifest(&nested)? else {
                anyhow::bail!("entry {} says it is an index but is not", entry.digest);
            };
            return Box::pin(self.choose(&entries, wanted, depth + 1)).await;
        }
        if self.verify {
            by_digest(self.client, self.reference, &entry.digest).await?;
        }
        Ok(Resolved {
            digest: entry.digest.clone(),
            media_type: Some(entry.media_type.clone()).filter(|t| !t.is_empty()),
            size: Some(entry.size),
            platform: entry.platform.clone(),
            warnings: Vec::new(),
        })
    }
}

/// The platforms an index offers, attestations left out, in its order.
fn available(entries: &[Entry]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in entries.iter().filter(|e| !e.is_attestation()) {
        let name = match &entry.platform {
            Some(p) => p.to_string(),
            None if entry.is_index() => "a nested index".to_string(),
            None => continue,
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}
