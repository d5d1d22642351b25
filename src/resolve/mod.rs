//! Resolving one reference to its manifest digest. By tag: a HEAD first,
//! whose `Docker-Content-Digest` is the answer when it names a supported
//! algorithm (a HEAD costs no Docker Hub pull quota); otherwise, or with
//! `--verify`, a GET whose exact bytes are hashed. By digest: always a GET,
//! and the bytes must hash to the digest asked for. Choosing a platform's
//! entry is in `platform`, listing an index in `list`.

mod error;
mod list;
mod platform;
pub mod show;

pub use error::ResolveError;
pub use list::{list, Listing, Row};
pub use platform::{
    checked_blob, choose_platforms, image_platform, read_manifest, IndexProblem, PlatformMismatch,
    PlatformNotFound,
};

use crate::digest::Digest;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::registry::body::{read_body, Overflow, MAX_MANIFEST_BYTES};
use crate::registry::request_error::Context as _;
use crate::registry::retry::retryable_status;
use crate::registry::{Client, RegistryError};
use reqwest::header::{HeaderMap, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Method, StatusCode};

const DIGEST_HEADER: &str = "docker-content-digest";

/// What resolving a reference found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub digest: Digest,
    pub media_type: Option<String>,
    pub size: Option<u64>,
    /// The platform chosen (`--platform`), as the index or config says it.
    pub platform: Option<Platform>,
    /// Things the user should know that did not stop the answer.
    pub warnings: Vec<String>,
    /// `--key` or keyless: what vouches for the digest.
    pub signed_by: Option<crate::signature::Vouched>,
}

/// A manifest fetched by GET: its exact bytes and what they resolve to.
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub resolved: Resolved,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct ResolveOptions {
    /// Always GET and hash, and fail when the registry's header disagrees.
    pub verify: bool,
}

/// The pinned digest is gone, so whether it was a list or one platform's
/// image cannot be told.
#[derive(Debug, thiserror::Error)]
#[error("the pinned manifest {0} no longer exists in the registry, so its platform is unknown; remove the digest to pin the tag afresh")]
pub struct PinnedGone(pub Digest);

/// The manifest's bytes do not hash to the digest they must have.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("digest mismatch: {what} is {expected}, but {of} hashes to {actual}")]
pub struct DigestMismatch {
    pub what: &'static str,
    /// What was hashed: `the manifest`, `the image config`.
    pub of: &'static str,
    pub expected: Digest,
    pub actual: Digest,
}

pub async fn resolve(
    client: &Client,
    reference: &Reference,
    opts: ResolveOptions,
) -> Result<Resolved, ResolveError> {
    if reference.digest().is_none() && !opts.verify {
        if let Some(found) = head(client, reference, reference.tag_or_latest()).await? {
            return Ok(found);
        }
    }
    Ok(fetch(client, reference, opts.verify).await?.resolved)
}

/// GETs the manifest a reference names: by digest (the bytes must hash to
/// it) or by tag (hashed; with `verify`, the registry's header must agree).
pub async fn fetch(
    client: &Client,
    reference: &Reference,
    verify: bool,
) -> Result<Fetched, ResolveError> {
    match reference.digest() {
        Some(wanted) => by_digest(client, reference, wanted).await,
        None => by_tag(client, reference, reference.tag_or_latest(), verify).await,
    }
}

/// The manifest the reference's tag names, by GET; `None` when the
/// registry has no such tag or repository.
pub async fn fetch_if_any(
    client: &Client,
    reference: &Reference,
) -> Result<Option<Fetched>, ResolveError> {
    absent_is_none(by_tag(client, reference, reference.tag_or_latest(), false).await)
}

/// What the reference's tag resolves to (a HEAD when it can); `None` when
/// the registry has no such tag or repository.
pub async fn resolve_if_any(
    client: &Client,
    reference: &Reference,
) -> Result<Option<Resolved>, ResolveError> {
    absent_is_none(resolve(client, reference, ResolveOptions::default()).await)
}

fn absent_is_none<T>(result: Result<T, ResolveError>) -> Result<Option<T>, ResolveError> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(e) if e.code() == crate::exit::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The fast path: `Some` when HEAD gave a usable digest; `None` to fall back
/// to GET when HEAD is refused (405 and other 4xx, as older Artifactory and
/// some mirrors answer) or comes without a digest header; an error for
/// 401/404 and for 429/5xx that outlasted the retries.
async fn head(
    client: &Client,
    reference: &Reference,
    tag: &str,
) -> Result<Option<Resolved>, ResolveError> {
    let response = client.manifest(reference, Method::HEAD, tag).await?;
    let status = response.status();
    // 401/404: a GET would fare no better; 429/5xx: retried already.
    let final_answer = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND)
        || retryable_status(status.as_u16());
    if final_answer {
        return Err(RegistryError::from_response("HEAD", response).await.into());
    }
    if !status.is_success() {
        return Ok(None);
    }
    let Some(digest) = header_digest(response.headers()) else {
        return Ok(None);
    };
    Ok(Some(Resolved {
        digest,
        media_type: media_type(response.headers()),
        size: header_size(response.headers()),
        platform: None,
        warnings: Vec::new(),
        signed_by: None,
    }))
}

async fn by_tag(
    client: &Client,
    reference: &Reference,
    tag: &str,
    verify: bool,
) -> Result<Fetched, ResolveError> {
    let (bytes, headers) = get(client, reference, tag).await?;
    let digest = Digest::sha256_of(&bytes);
    let mut warnings = Vec::new();
    if let Some(claimed) = header_digest(&headers) {
        if !claimed.matches(&bytes) {
            let actual = claimed.algorithm().hash(&bytes);
            let mismatch = DigestMismatch {
                what: "the registry's Docker-Content-Digest",
                of: "the manifest",
                expected: claimed,
                actual,
            };
            if verify {
                return Err(mismatch.into());
            }
            warnings.push(format!("{mismatch}; printing the digest of the bytes"));
        }
    }
    let resolved = Resolved {
        digest,
        media_type: media_type(&headers),
        size: Some(bytes.len() as u64),
        platform: None,
        warnings,
        signed_by: None,
    };
    Ok(Fetched { bytes, resolved })
}

/// GETs the manifest `wanted` in the reference's repository; the bytes must
/// hash to it.
pub async fn by_digest(
    client: &Client,
    reference: &Reference,
    wanted: &Digest,
) -> Result<Fetched, ResolveError> {
    let (bytes, headers) = get(client, reference, &wanted.to_string()).await?;
    if !wanted.matches(&bytes) {
        return Err(DigestMismatch {
            what: "the digest asked for",
            of: "the manifest",
            expected: wanted.clone(),
            actual: wanted.algorithm().hash(&bytes),
        }
        .into());
    }
    let resolved = Resolved {
        digest: wanted.clone(),
        media_type: media_type(&headers),
        size: Some(bytes.len() as u64),
        platform: None,
        warnings: Vec::new(),
        signed_by: None,
    };
    Ok(Fetched { bytes, resolved })
}

async fn get(
    client: &Client,
    reference: &Reference,
    target: &str,
) -> Result<(Vec<u8>, HeaderMap), ResolveError> {
    let response = client.manifest(reference, Method::GET, target).await?;
    if !response.status().is_success() {
        return Err(RegistryError::from_response("GET", response).await.into());
    }
    let headers = response.headers().clone();
    let url = response.url().clone();
    let bytes = read_body(response, MAX_MANIFEST_BYTES, Overflow::Fail)
        .await
        .with_context(|| format!("reading the manifest from {url}"))?;
    Ok((bytes, headers))
}

/// The registry's `Docker-Content-Digest`, when it names a supported
/// algorithm (`Digest::parse` accepts no other).
fn header_digest(headers: &HeaderMap) -> Option<Digest> {
    let value = headers.get(DIGEST_HEADER)?.to_str().ok()?;
    Digest::parse(value.trim()).ok()
}

/// `Content-Length` as sent: a HEAD response has no body to measure.
fn header_size(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or(value).trim().to_string())
}
