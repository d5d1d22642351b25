//! A repository's tags (`ddigest tags`): every page of
//! `GET /v2/<name>/tags/list`, followed as `paging` says, with null, empty
//! and repeated tags dropped (Nexus, GHCR's `"tags": null`), and what a
//! vendor says beside them kept apart as unverified (gcr.io and Artifact
//! Registry's `manifest` map: digest, media type, size, upload time).
//! Which tags are printed is `select`'s; versions are `version`'s.

pub mod hub;
pub mod paging;
pub mod reverse;
pub mod select;
pub mod version;

use crate::digest::Digest;
use crate::exit::ErrorCode;
use crate::reference::Reference;
use crate::registry::body::{read_body, Overflow};
use crate::registry::request_error::Context as _;
use crate::registry::{Client, RegistryError, RequestError};
use paging::{next_tail, page_tail, smaller_page, Guard, FIRST_N};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// Most of one page read: 10,000 tags with gcr's map fit many times over.
const MAX_PAGE_BYTES: usize = 32 * 1024 * 1024;

/// A repository's tags as listed.
#[derive(Clone, Debug, Default)]
pub struct Listed {
    /// Each tag once, in the order served.
    pub tags: Vec<String>,
    /// What the registry said of a tag's manifest beside the list (gcr.io).
    pub vendor: HashMap<String, Vendor>,
    /// What the user should know: a listing stopped short, a smaller page.
    pub warnings: Vec<String>,
    pub pages: usize,
    /// The tags kept so far, to drop repeats across pages.
    seen: HashSet<String>,
}

impl Listed {
    /// Keeps a tag the first time it is listed (an empty one never);
    /// whether it was new.
    fn add(&mut self, tag: String) -> bool {
        let new = !tag.is_empty() && self.seen.insert(tag.clone());
        if new {
            self.tags.push(tag);
        }
        new
    }

    /// Whether `max_pages` are read already; says so when they are.
    fn out_of_pages(&mut self, max_pages: usize) -> bool {
        let out = self.pages >= max_pages;
        if out {
            let said =
                format!("stopped after {max_pages} pages (--max-pages); there may be more tags");
            self.warnings.push(said);
        }
        out
    }
}

/// A tag's manifest as a vendor's listing describes it: not checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vendor {
    pub digest: Digest,
    pub media_type: Option<String>,
    pub size: Option<u64>,
    /// When it was pushed, RFC 3339.
    pub pushed: Option<String>,
}

/// One page's body.
#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    tags: Option<Vec<Option<String>>>,
    #[serde(default)]
    manifest: Option<HashMap<String, GcrManifest>>,
}

/// An entry of gcr.io's `manifest` map (numbers are strings there).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GcrManifest {
    #[serde(default)]
    tag: Vec<String>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    image_size_bytes: Option<String>,
    #[serde(default)]
    time_uploaded_ms: Option<String>,
}

/// Why a repository's tags could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error("reading the tag list from {url}: not a tag list ({why})")]
    Unreadable { url: String, why: String },
    #[error(transparent)]
    Link(#[from] paging::LinkProblem),
}

impl ListError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ListError::Request(e) => e.code(),
            ListError::Unreadable { .. } | ListError::Link(_) => ErrorCode::Registry,
        }
    }
}

/// Every tag of `reference`'s repository, at most `max_pages` pages.
pub async fn list(
    client: &Client,
    reference: &Reference,
    max_pages: usize,
) -> Result<Listed, ListError> {
    let mut listed = Listed::default();
    let mut n = FIRST_N;
    let mut shrunk = false;
    let mut last: Option<String> = None;
    let mut tail = page_tail(n, None);
    let mut guard = Guard::default();
    loop {
        if listed.out_of_pages(max_pages) {
            break;
        }
        if let Err(circle) = guard.ask(&tail, last.as_deref()) {
            listed.warnings.push(circle.to_string());
            break;
        }
        let response = client.tag_list(reference, &tail).await?;
        if !response.status().is_success() {
            let status = response.status().as_u16();
            let error = RegistryError::from_response("GET", response).await;
            match smaller_page(status, &refusal_words(&error), n).filter(|_| !shrunk) {
                Some(smaller) => {
                    let said =
                        format!("the registry refused pages of {n} tags; asking for {smaller}");
                    listed.warnings.push(said);
                    (n, shrunk) = (smaller, true);
                    tail = page_tail(n, last.as_deref());
                    guard = Guard::default();
                    continue;
                }
                None => return Err(RequestError::from(error).into()),
            }
        }
        listed.pages += 1;
        let url = response.url().clone();
        let link = crate::registry::joined_header(response.headers(), "link");
        let body = read_body(response, MAX_PAGE_BYTES, Overflow::Fail)
            .await
            .with_context(|| format!("reading the tag list from {url}"))?;
        let page = read_page(&body).map_err(|why| ListError::Unreadable {
            url: crate::registry::error::redact_url(&url),
            why,
        })?;
        keep(&mut listed, page);
        last = listed.tags.last().cloned();
        match next_tail(link.as_deref(), &url, reference.path(), n) {
            Ok(Some(next)) => tail = next,
            Ok(None) => break,
            Err(problem) => return Err(problem.into()),
        }
        if last.is_none() {
            // A next page after an empty one would only go round.
            break;
        }
        last = query_last(&tail).or(last);
    }
    Ok(listed)
}

/// A page's tags (null and empty ones dropped) and any gcr.io map.
fn read_page(body: &[u8]) -> Result<Page, String> {
    serde_json::from_slice::<Page>(body).map_err(|e| e.to_string())
}

fn keep(listed: &mut Listed, page: Page) {
    for tag in page.tags.into_iter().flatten().flatten() {
        listed.add(tag);
    }
    for (digest, entry) in page.manifest.into_iter().flatten() {
        let Ok(digest) = Digest::parse(&digest) else {
            continue;
        };
        let vendor = Vendor {
            digest,
            media_type: entry.media_type.filter(|m| !m.is_empty()),
            size: entry.image_size_bytes.and_then(|s| s.parse().ok()),
            pushed: entry
                .time_uploaded_ms
                .and_then(|s| s.parse().ok())
                .map(crate::time::rfc3339_ms),
        };
        for tag in entry.tag {
            listed.vendor.insert(tag, vendor.clone());
        }
    }
}

/// The `last` a page's tail asks to go on from.
fn query_last(tail: &str) -> Option<String> {
    let url = reqwest::Url::parse(&format!("http://x/{tail}")).ok()?;
    let last = url.query_pairs().find(|(k, _)| k == "last")?.1;
    Some(last.into_owned())
}

/// The words of a refusal, the registry's `detail` objects included.
fn refusal_words(error: &RegistryError) -> String {
    // Not the URL or status: their numbers are not a limit.
    let mut words = error.detail.clone().unwrap_or_default();
    for e in &error.errors {
        words.push_str(&format!(" {}: {}", e.code, e.message));
        if let Some(detail) = &e.detail {
            words.push(' ');
            words.push_str(&detail.to_string());
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_empties_and_repeats_are_dropped() {
        let mut listed = Listed::default();
        // Nexus lists null and empty tags; GHCR answers `"tags": null`.
        let nexus = read_page(br#"{"name":"a","tags":["1.0",null,"","1.1"]}"#).unwrap();
        keep(&mut listed, nexus);
        let ghcr = read_page(br#"{"name":"a","tags":null}"#).unwrap();
        keep(&mut listed, ghcr);
        let again = read_page(br#"{"name":"a","tags":["1.1","2.0"]}"#).unwrap();
        keep(&mut listed, again);
        assert_eq!(listed.tags, ["1.0", "1.1", "2.0"]);
        assert!(read_page(b"<html>").is_err());
    }

    #[test]
    fn gcr_manifest_maps_are_kept_apart() {
        let hex = "a".repeat(64);
        let body = format!(
            r#"{{"child":[],"manifest":{{"sha256:{hex}":{{"imageSizeBytes":"1234","layerId":"","mediaType":"application/vnd.oci.image.index.v1+json","tag":["v1","latest"],"timeCreatedMs":"1700000000000","timeUploadedMs":"1700000001000"}},"bogus":{{"tag":["x"]}}}},"name":"p/app","tags":["latest","v1"]}}"#
        );
        let mut listed = Listed::default();
        keep(&mut listed, read_page(body.as_bytes()).unwrap());
        assert_eq!(listed.tags, ["latest", "v1"]);
        let v1 = &listed.vendor["v1"];
        assert_eq!(v1.digest.to_string(), format!("sha256:{hex}"));
        assert_eq!(v1.size, Some(1234));
        assert_eq!(v1.pushed.as_deref(), Some("2023-11-14T22:13:21.000Z"));
        assert!(!listed.vendor.contains_key("x"));
    }

    #[test]
    fn a_tail_names_its_last() {
        assert_eq!(
            query_last("tags/list?n=10&last=a%2Bb").as_deref(),
            Some("a+b")
        );
        assert_eq!(query_last("tags/list?n=10"), None);
    }
}
