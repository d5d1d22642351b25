//! What refers to an image (`ddigest ls --referrers`): the OCI 1.1
//! referrers API (`GET /v2/<name>/referrers/<digest>`, filtered by
//! `artifactType` and followed through `Link` pages), or, when the registry
//! does not offer it (404, or an answer that is not an index), the
//! referrers tag schema (`sha256-<hex>` holding an index); plus cosign's
//! `.sig`, `.att` and `.sbom` tags, found by HEAD. Signature checking reads
//! the same lists (`api_or_tag_schema`).

pub mod rules;

use crate::artifact::{parse_referrers, Descriptor};
use crate::digest::Digest;
use crate::reference::Reference;
use crate::registry::body::{read_body, Overflow, MAX_MANIFEST_BYTES};
use crate::registry::request_error::Context as _;
use crate::registry::{joined_header, Client, RegistryError};
use crate::resolve::{fetch_if_any, resolve, resolve_if_any, ResolveError, ResolveOptions};
use reqwest::StatusCode;

/// How many pages of the referrers API are read before giving up.
const MAX_PAGES: usize = 64;
const FILTERS_APPLIED: &str = "oci-filters-applied";

/// One artifact that refers to the image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Referrer {
    /// `signature`, `attestation`, `sbom`, or the artifact type as it is.
    pub kind: String,
    pub digest: String,
    pub artifact_type: Option<String>,
    pub media_type: String,
    pub size: Option<u64>,
}

/// The image's digest and what refers to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Referrers {
    pub digest: Digest,
    pub referrers: Vec<Referrer>,
}

/// Everything that refers to `reference`'s digest (its tag resolved
/// first), only of `artifact_type` when given.
pub async fn list(
    client: &Client,
    reference: &Reference,
    artifact_type: Option<&str>,
) -> Result<Referrers, ResolveError> {
    let digest = match reference.digest() {
        Some(digest) => digest.clone(),
        None => {
            resolve(client, reference, ResolveOptions::default())
                .await?
                .digest
        }
    };
    let (listed, cosign) = tokio::join!(
        api_or_tag_schema(client, reference, &digest, artifact_type),
        cosign_tags(client, reference, &digest, artifact_type.is_none()),
    );
    let mut referrers: Vec<Referrer> = listed?.iter().map(referrer).collect();
    referrers.extend(cosign?);
    Ok(Referrers { digest, referrers })
}

fn referrer(d: &Descriptor) -> Referrer {
    let shown_type = d.artifact_type.as_deref().unwrap_or(&d.media_type);
    Referrer {
        kind: rules::kind_of(shown_type, &d.annotations),
        digest: d.digest.clone(),
        artifact_type: d.artifact_type.clone(),
        media_type: d.media_type.clone(),
        size: d.size,
    }
}

/// The referrers index of `digest`: from the API when the registry offers
/// it, else from the tag schema (none when that tag does not exist).
pub async fn api_or_tag_schema(
    client: &Client,
    reference: &Reference,
    digest: &Digest,
    artifact_type: Option<&str>,
) -> Result<Vec<Descriptor>, ResolveError> {
    if let Some(found) = api(client, reference, digest, artifact_type).await? {
        return Ok(found);
    }
    let mut found = tag_schema(client, reference, digest).await?;
    if let Some(wanted) = artifact_type {
        found.retain(|d| d.artifact_type.as_deref() == Some(wanted));
    }
    Ok(found)
}

/// Every page of the API's answer; `None` when the registry has no API.
async fn api(
    client: &Client,
    reference: &Reference,
    digest: &Digest,
    artifact_type: Option<&str>,
) -> Result<Option<Vec<Descriptor>>, ResolveError> {
    let mut tail = rules::first_page(digest, artifact_type);
    let mut found = Vec::new();
    let mut filtered = true;
    for page in 0..MAX_PAGES {
        let response = client.referrers(reference, &tail).await?;
        if response.status() == StatusCode::NOT_FOUND && page == 0 {
            return Ok(None);
        }
        if !response.status().is_success() {
            return Err(RegistryError::from_response("GET", response).await.into());
        }
        let headers = response.headers().clone();
        let url = response.url().clone();
        let body = read_body(response, MAX_MANIFEST_BYTES, Overflow::Fail)
            .await
            .with_context(|| format!("reading the referrers list from {url}"))?;
        let entries = match parse_referrers(&body) {
            Ok(entries) => entries,
            Err(_) if page == 0 => return Ok(None),
            Err(source) => {
                let what = format!("reading the referrers list from {url}");
                return Err(ResolveError::Artifact { what, source });
            }
        };
        found.extend(entries);
        let applied = joined_header(&headers, FILTERS_APPLIED).unwrap_or_default();
        filtered &= applied.split(',').any(|f| f.trim() == "artifactType");
        let next = joined_header(&headers, "link").and_then(|l| rules::next_page(&l, digest));
        match next {
            Some(next) => tail = next,
            None => break,
        }
    }
    // A registry that did not filter leaves it to the client.
    if let (Some(wanted), false) = (artifact_type, filtered) {
        found.retain(|d| d.artifact_type.as_deref() == Some(wanted));
    }
    Ok(Some(found))
}

/// The index under the tag schema's tag, if there is one.
async fn tag_schema(
    client: &Client,
    reference: &Reference,
    digest: &Digest,
) -> Result<Vec<Descriptor>, ResolveError> {
    let Ok(tagged) = reference.with_tag(&rules::schema_tag(digest)) else {
        return Ok(Vec::new());
    };
    let Some(fetched) = fetch_if_any(client, &tagged).await? else {
        return Ok(Vec::new());
    };
    parse_referrers(&fetched.bytes).map_err(|source| ResolveError::Artifact {
        what: format!("reading the referrers tag {tagged}"),
        source,
    })
}

/// cosign's `.sig`, `.att` and `.sbom` tags that exist, each a HEAD;
/// none asked for when `wanted` is false.
async fn cosign_tags(
    client: &Client,
    reference: &Reference,
    digest: &Digest,
    wanted: bool,
) -> Result<Vec<Referrer>, ResolveError> {
    if !wanted {
        return Ok(Vec::new());
    }
    let tagged = |suffix: &str| reference.with_tag(&rules::cosign_tag(digest, suffix)).ok();
    let [sig, att, sbom] = rules::COSIGN_TAGS.map(|(suffix, _)| tagged(suffix));
    let (sig, att, sbom) = tokio::join!(
        head_if_any(client, sig),
        head_if_any(client, att),
        head_if_any(client, sbom)
    );
    let mut found = Vec::new();
    for ((_, kind), resolved) in rules::COSIGN_TAGS.iter().zip([sig?, att?, sbom?]) {
        if let Some(resolved) = resolved {
            found.push(Referrer {
                kind: kind.to_string(),
                digest: resolved.digest.to_string(),
                artifact_type: None,
                media_type: resolved.media_type.unwrap_or_default(),
                size: resolved.size,
            });
        }
    }
    Ok(found)
}

async fn head_if_any(
    client: &Client,
    tagged: Option<Reference>,
) -> Result<Option<crate::resolve::Resolved>, ResolveError> {
    match tagged {
        Some(tagged) => resolve_if_any(client, &tagged).await,
        None => Ok(None),
    }
}
