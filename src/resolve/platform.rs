//! `--platform`: from a list or index, the entry for each platform asked for,
//! chosen as containerd's image walk (`images.Manifest`) chooses: entries
//! whose platform matches, the preferred first (`Platform::preference`),
//! then entries with no platform; only the first is followed — a nested
//! index is searched the same way, an image without a platform is checked
//! through its config. Attestations are never chosen. From a single image:
//! its own digest when its config declares that platform, an error
//! otherwise. The list is fetched once however many platforms are asked for.

use super::ResolveError;
use super::{by_digest, DigestMismatch, Fetched, Resolved};
use crate::digest::Digest;
use crate::image::{config_platform, parse_manifest, Entry, Manifest};
use crate::platform::Platform;
use crate::reference::Reference;
use crate::registry::body::{read_body, Overflow, MAX_MANIFEST_BYTES};
use crate::registry::request_error::Context as _;
use crate::registry::{Client, RegistryError};

/// How deep indexes inside indexes are followed.
pub const MAX_DEPTH: usize = 4;

/// The list or index has no entry for the platform.
#[derive(Debug, thiserror::Error)]
#[error("no entry for platform {wanted}; the {kind} has {}", available_text(.available))]
pub struct PlatformNotFound {
    pub wanted: Platform,
    pub kind: &'static str,
    pub available: Vec<String>,
}

impl PlatformNotFound {
    /// Says what the nested index that was searched holds.
    fn naming_nested(mut self, inner: &PlatformNotFound) -> Self {
        let text = format!("a nested index ({})", available_text(&inner.available));
        for name in &mut self.available {
            if name == NESTED {
                name.clone_from(&text);
            }
        }
        self
    }
}

const NESTED: &str = "a nested index";

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

/// An index that cannot be walked as it says it is built.
#[derive(Debug, thiserror::Error)]
pub enum IndexProblem {
    #[error("indexes are nested more than {MAX_DEPTH} deep; ddigest follows at most {MAX_DEPTH}")]
    TooDeep,
    #[error("entry {0} says it is an index but is a single image")]
    NotAnIndex(Digest),
    #[error("entry {0} has no platform and is not a single image")]
    NotAnImage(Digest),
}

/// The entry for each platform of the list or index `top` (fetched
/// already), or `top` itself when it is a single image of that platform.
pub async fn choose_platforms(
    client: &Client,
    reference: &Reference,
    top: &Fetched,
    platforms: &[Platform],
    verify: bool,
) -> Result<Vec<Result<Resolved, ResolveError>>, ResolveError> {
    let mut results = Vec::with_capacity(platforms.len());
    match read_manifest(top)? {
        Manifest::Index { entries, skipped } => {
            let walk = Walk {
                client,
                reference,
                verify,
            };
            for wanted in platforms {
                let mut found = walk.choose(&entries, wanted, 0).await;
                if let Ok(found) = &mut found {
                    let mut first = top.resolved.warnings.clone();
                    first.extend(skipped.iter().cloned());
                    found.warnings.splice(0..0, first);
                }
                results.push(found);
            }
        }
        Manifest::Image { config } => {
            let actual = image_platform(client, reference, &config).await?;
            for wanted in platforms {
                results.push(single(top, &actual, wanted));
            }
        }
    }
    Ok(results)
}

pub fn read_manifest(fetched: &Fetched) -> Result<Manifest, ResolveError> {
    let media_type = fetched.resolved.media_type.as_deref();
    parse_manifest(&fetched.bytes, media_type).map_err(|source| ResolveError::Unreadable {
        what: format!("reading manifest {}", fetched.resolved.digest),
        source,
    })
}

fn single(top: &Fetched, actual: &Platform, wanted: &Platform) -> Result<Resolved, ResolveError> {
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

/// The platform an image's config blob declares; the blob must hash to
/// its digest.
pub async fn image_platform(
    client: &Client,
    reference: &Reference,
    config: &Digest,
) -> Result<Platform, ResolveError> {
    let bytes = config_blob(client, reference, config).await?;
    config_platform(&bytes).map_err(|source| ResolveError::Unreadable {
        what: format!("image config {config}"),
        source,
    })
}

/// An image's config blob, fetched by its digest; it must hash to it.
pub async fn config_blob(
    client: &Client,
    reference: &Reference,
    config: &Digest,
) -> Result<Vec<u8>, ResolveError> {
    let named = ("the manifest's config descriptor", "the image config");
    checked_blob(client, reference, config, named).await
}

/// A blob fetched by its digest, which it must hash to; `named` says
/// whose descriptor gave the digest and what the blob is, for the error.
pub async fn checked_blob(
    client: &Client,
    reference: &Reference,
    digest: &Digest,
    named: (&'static str, &'static str),
) -> Result<Vec<u8>, ResolveError> {
    let response = client.blob(reference, digest).await?;
    if !response.status().is_success() {
        return Err(RegistryError::from_response("GET", response).await.into());
    }
    let url = response.url().clone();
    let bytes = read_body(response, MAX_MANIFEST_BYTES, Overflow::Fail)
        .await
        .with_context(|| format!("reading {} from {url}", named.1))?;
    if !digest.matches(&bytes) {
        return Err(DigestMismatch {
            what: named.0,
            of: named.1,
            expected: digest.clone(),
            actual: digest.algorithm().hash(&bytes),
        }
        .into());
    }
    Ok(bytes)
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
    ) -> Result<Resolved, ResolveError> {
        let runnable = || entries.iter().filter(|e| !e.is_attestation());
        let mut matching: Vec<&Entry> = runnable()
            .filter(|e| e.platform.as_ref().is_some_and(|p| wanted.matches(p)))
            .collect();
        matching.sort_by(|a, b| match (&a.platform, &b.platform) {
            (Some(a), Some(b)) => wanted.preference(a, b),
            _ => std::cmp::Ordering::Equal,
        });
        let unlabelled = runnable().find(|e| e.platform.is_none());
        let not_found = || PlatformNotFound {
            wanted: wanted.clone(),
            kind: "index",
            available: available(entries),
        };
        let Some(first) = matching.first().copied().or(unlabelled) else {
            return Err(not_found().into());
        };
        let mut found = if first.is_index() {
            match self.nested(first, wanted, depth).await {
                Err(ResolveError::PlatformNotFound(inner)) => {
                    return Err(not_found().naming_nested(&inner).into())
                }
                Err(e) => return Err(e),
                Ok(found) => found,
            }
        } else if first.platform.is_none() {
            match self.unlabelled_image(first, wanted).await? {
                Some(found) => found,
                None => return Err(not_found().into()),
            }
        } else {
            self.take(first).await?
        };
        let same = |e: &&&Entry| {
            e.platform.as_ref().map(Platform::normalized)
                == first.platform.as_ref().map(Platform::normalized)
        };
        let equal = matching.iter().filter(same).count();
        if equal > 1 {
            found
                .warnings
                .push(format!("{equal} entries are for {wanted}; using the first"));
        }
        Ok(found)
    }

    /// The entry chosen inside a nested index.
    async fn nested(
        &self,
        entry: &Entry,
        wanted: &Platform,
        depth: usize,
    ) -> Result<Resolved, ResolveError> {
        if depth >= MAX_DEPTH {
            return Err(IndexProblem::TooDeep.into());
        }
        let nested = by_digest(self.client, self.reference, &entry.digest).await?;
        let Manifest::Index { entries, skipped } = read_manifest(&nested)? else {
            return Err(IndexProblem::NotAnIndex(entry.digest.clone()).into());
        };
        let mut found = Box::pin(self.choose(&entries, wanted, depth + 1)).await?;
        found.warnings.splice(0..0, skipped);
        Ok(found)
    }

    /// An image entry without a platform: its config says which it is
    /// (containerd reads it too). `None` when it is another platform.
    async fn unlabelled_image(
        &self,
        entry: &Entry,
        wanted: &Platform,
    ) -> Result<Option<Resolved>, ResolveError> {
        let fetched = by_digest(self.client, self.reference, &entry.digest).await?;
        let Manifest::Image { config } = read_manifest(&fetched)? else {
            return Err(IndexProblem::NotAnImage(entry.digest.clone()).into());
        };
        let actual = image_platform(self.client, self.reference, &config).await?;
        if !wanted.matches(&actual) {
            return Ok(None);
        }
        let mut found = self.resolved(entry);
        found.platform = Some(actual);
        Ok(Some(found))
    }

    /// An image entry's own digest (fetched and checked with `--verify`).
    async fn take(&self, entry: &Entry) -> Result<Resolved, ResolveError> {
        if self.verify {
            by_digest(self.client, self.reference, &entry.digest).await?;
        }
        Ok(self.resolved(entry))
    }

    fn resolved(&self, entry: &Entry) -> Resolved {
        Resolved {
            digest: entry.digest.clone(),
            media_type: Some(entry.media_type.clone()).filter(|t| !t.is_empty()),
            size: Some(entry.size),
            platform: entry.platform.clone(),
            warnings: Vec::new(),
            signed_by: None,
        }
    }
}

/// The platforms an index offers, attestations left out, in its order.
pub(super) fn available(entries: &[Entry]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in entries.iter().filter(|e| !e.is_attestation()) {
        let name = match &entry.platform {
            Some(p) => p.to_string(),
            None if entry.is_index() => NESTED.to_string(),
            None => "an image without a platform".to_string(),
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}
