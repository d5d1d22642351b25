//! Docker Hub's own tag API (`--hub-api`):
//! `GET https://hub.docker.com/v2/namespaces/{ns}/repositories/{repo}/tags`,
//! 100 tags a page, each with its manifest's digest, media type and push
//! time, which are kept as the vendor's word (`Vendor`), unverified. It is
//! rate-limited apart from pulls, so only asked for when the flag says;
//! `DDIGEST_HUB_URL` points it elsewhere (a mirror of the API). Public
//! repositories only: no Hub credentials are sent. The next page must be
//! on the API's own scheme and host.

use super::paging::same_origin;
use super::{ListError, Listed, Vendor};
use crate::digest::Digest;
use crate::reference::Reference;
use crate::registry::body::{read_body, Overflow};
use crate::registry::request_error::Context as _;
use crate::registry::{Client, RegistryError, RequestError};
use reqwest::Url;
use serde::Deserialize;
use std::collections::HashSet;

/// Where the API is unless `DDIGEST_HUB_URL` says otherwise.
pub const HUB_URL: &str = "https://hub.docker.com";
/// The most the API gives a page.
const PAGE_SIZE: u32 = 100;
const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    results: Vec<HubTag>,
}

#[derive(Deserialize)]
struct HubTag {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    digest: Option<String>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    tag_last_pushed: Option<String>,
}

/// The first page's URL for a Docker Hub repository (`library/node`);
/// `None` for a name Docker Hub cannot have (one part, or more than two).
pub fn first_url(base: &str, path: &str) -> Option<String> {
    let (namespace, repository) = path.split_once('/')?;
    if repository.contains('/') {
        return None;
    }
    let base = base.trim_end_matches('/');
    Some(format!(
        "{base}/v2/namespaces/{namespace}/repositories/{repository}/tags?page_size={PAGE_SIZE}"
    ))
}

/// A page's tags, each with what the API says of it.
type HubTags = Vec<(String, Option<Vendor>)>;

/// A page's tags, each with what the API says of it, and the next page.
fn read_page(body: &[u8]) -> Result<(HubTags, Option<String>), String> {
    let page: Page = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let tags = page
        .results
        .into_iter()
        .filter_map(|t| {
            let name = t.name.filter(|n| !n.is_empty())?;
            let vendor = t
                .digest
                .and_then(|d| Digest::parse(&d).ok())
                .map(|digest| Vendor {
                    digest,
                    media_type: t.media_type.filter(|m| !m.is_empty()),
                    size: None,
                    pushed: t.tag_last_pushed,
                });
            Some((name, vendor))
        })
        .collect();
    Ok((tags, page.next.filter(|n| !n.is_empty())))
}

/// Every tag of a Docker Hub repository from the Hub API at `base`.
pub async fn list(
    client: &Client,
    reference: &Reference,
    base: &str,
    max_pages: usize,
) -> Result<Listed, ListError> {
    let unusable = |why: String| ListError::Unreadable {
        url: base.to_string(),
        why,
    };
    let first = first_url(base, reference.path()).ok_or_else(|| {
        unusable(format!(
            "{} is not a Docker Hub repository name",
            reference.path()
        ))
    })?;
    let origin = Url::parse(&first).map_err(|e| unusable(e.to_string()))?;
    let mut url = origin.clone();
    let mut listed = Listed::default();
    let mut asked = HashSet::new();
    loop {
        if listed.out_of_pages(max_pages) {
            break;
        }
        if !asked.insert(url.to_string()) {
            listed
                .warnings
                .push("the Hub API sent the same next page again; stopped there".into());
            break;
        }
        let response = client.get_url(&url).await?;
        if !response.status().is_success() {
            let error = RegistryError::from_response("GET", response).await;
            return Err(RequestError::from(error).into());
        }
        listed.pages += 1;
        let body = read_body(response, MAX_PAGE_BYTES, Overflow::Fail)
            .await
            .with_context(|| format!("reading the tag list from {url}"))?;
        let (tags, next) = read_page(&body).map_err(|why| ListError::Unreadable {
            url: url.to_string(),
            why,
        })?;
        for (tag, vendor) in tags {
            if listed.add(tag.clone()) {
                if let Some(vendor) = vendor {
                    listed.vendor.insert(tag, vendor);
                }
            }
        }
        let Some(next) = next else { break };
        let next = url
            .join(&next)
            .map_err(|_| unusable(format!("unreadable next page {next}")))?;
        if !same_origin(&next, &origin) {
            let problem = super::paging::LinkProblem::OtherHost(next.to_string());
            return Err(problem.into());
        }
        url = next;
    }
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_names_and_pages() {
        assert_eq!(
            first_url("https://hub.docker.com/", "library/node").as_deref(),
            Some(
                "https://hub.docker.com/v2/namespaces/library/repositories/node/tags?page_size=100"
            )
        );
        assert_eq!(first_url(HUB_URL, "a/b/c"), None);
        assert_eq!(first_url(HUB_URL, "alone"), None);
        let hex = "b".repeat(64);
        // The fields as the Hub API answers (its OpenAPI `tag` schema plus
        // the `digest` and `media_type` it serves).
        let body = format!(
            r#"{{"count":3,"next":"https://hub.docker.com/v2/namespaces/library/repositories/node/tags?page=2&page_size=100","previous":null,
               "results":[{{"name":"20","digest":"sha256:{hex}","media_type":"application/vnd.oci.image.index.v1+json","tag_last_pushed":"2024-02-14T01:02:03.456789Z","images":[]}},
                          {{"name":"old","images":[]}},{{"name":"","digest":"sha256:{hex}"}}]}}"#
        );
        let (tags, next) = read_page(body.as_bytes()).unwrap();
        assert_eq!(tags.len(), 2);
        let vendor = tags[0].1.as_ref().unwrap();
        assert_eq!(
            (tags[0].0.as_str(), vendor.digest.to_string()),
            ("20", format!("sha256:{hex}"))
        );
        assert_eq!(
            vendor.pushed.as_deref(),
            Some("2024-02-14T01:02:03.456789Z")
        );
        assert!(
            tags[1].1.is_none(),
            "a tag without a digest is listed, its digest unknown"
        );
        assert!(next.unwrap().ends_with("page=2&page_size=100"));
        let hub = Url::parse(HUB_URL).unwrap();
        assert!(same_origin(
            &Url::parse("https://hub.docker.com:443/v2/x").unwrap(),
            &hub
        ));
        assert!(!same_origin(
            &Url::parse("http://hub.docker.com/v2/x").unwrap(),
            &hub
        ));
        assert!(!same_origin(
            &Url::parse("https://evil.example/v2/x").unwrap(),
            &hub
        ));
    }
}
