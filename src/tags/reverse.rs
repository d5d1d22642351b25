//! The tags behind a digest (`ddigest tags REPO@sha256:…`): a tag whose
//! manifest is that digest, or whose list or index holds it as an entry
//! (with `--platform`, only that platform's entry). Each list is fetched
//! once by digest however many tags share it; a gcr.io-style listing that
//! names each tag's digest spares the HEAD of every tag that cannot match.

use super::Vendor;
use crate::digest::Digest;
use crate::exit::Failure;
use crate::image::Manifest;
use crate::media_type::is_index_type;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::registry::Client;
use crate::resolve::{fetch, read_manifest, Resolved};
use std::collections::HashMap;
use std::sync::Arc;

/// How a tag leads to the digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// The tag's manifest is the digest.
    Manifest,
    /// The tag's list holds the digest as an entry of this platform.
    Entry(Option<Platform>),
}

/// Whether a tag's manifest needs a HEAD to be told apart: not when the
/// vendor's listing says it is another single image.
pub fn worth_asking(vendor: Option<&Vendor>, target: &Digest) -> bool {
    match vendor {
        None => true,
        Some(v) => v.digest == *target || v.media_type.as_deref().is_none_or(is_index_type),
    }
}

/// For each tag resolved (in order), how it leads to `target`, if it
/// does; and the failures met fetching lists, each once.
pub async fn find(
    client: &Arc<Client>,
    repository: &Reference,
    resolved: &[Option<&Resolved>],
    target: &Digest,
    platform: Option<&Platform>,
    jobs: usize,
) -> (Vec<Option<Via>>, Vec<Failure>) {
    let lists = lists_to_read(resolved, target);
    let (entries, failures) = read_lists(client, repository, &lists, jobs).await;
    let via = resolved
        .iter()
        .map(|r| {
            let r = (*r)?;
            if r.digest == *target {
                return Some(Via::Manifest);
            }
            let held = entries.get(&r.digest)?;
            held.iter()
                .find(|(digest, p)| {
                    digest == target
                        && platform.is_none_or(|want| p.as_ref().is_some_and(|p| want.matches(p)))
                })
                .map(|(_, p)| Via::Entry(p.clone()))
        })
        .collect();
    (via, failures)
}

/// The distinct manifests that may be lists holding `target`.
fn lists_to_read(resolved: &[Option<&Resolved>], target: &Digest) -> Vec<Digest> {
    let mut seen = std::collections::HashSet::new();
    resolved
        .iter()
        .flatten()
        .filter(|r| r.media_type.as_deref().is_none_or(is_index_type) && r.digest != *target)
        .filter(|r| seen.insert(&r.digest))
        .map(|r| r.digest.clone())
        .collect()
}

/// Entries of a list: each one's digest and platform.
type Entries = Vec<(Digest, Option<Platform>)>;

async fn read_lists(
    client: &Arc<Client>,
    repository: &Reference,
    lists: &[Digest],
    jobs: usize,
) -> (HashMap<Digest, Entries>, Vec<Failure>) {
    let refs: Vec<Reference> = lists
        .iter()
        .map(|d| repository.with_digest(Some(d.clone())))
        .collect();
    let work = |client: Arc<Client>, reference: Reference| async move {
        let fetched = fetch(&client, &reference, false)
            .await
            .map_err(|e| e.failure())?;
        match read_manifest(&fetched).map_err(|e| e.failure())? {
            Manifest::Index { entries, .. } => Ok(entries
                .into_iter()
                .map(|e| (e.digest, e.platform))
                .collect::<Entries>()),
            Manifest::Image { .. } => Ok(Entries::new()),
        }
    };
    let mut found = HashMap::new();
    let mut failures = Vec::new();
    crate::batch::engine::run_jobs(client, &refs, jobs, work, |job, result| match result {
        Ok(entries) => {
            found.insert(lists[job].clone(), entries);
        }
        Err(failure) => failures.push(failure),
    })
    .await;
    (found, failures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media_type::{DOCKER_LIST, OCI_MANIFEST};

    fn resolved(digest: &Digest, media_type: Option<&str>) -> Resolved {
        Resolved {
            digest: digest.clone(),
            media_type: media_type.map(str::to_string),
            size: None,
            platform: None,
            warnings: vec![],
            signed_by: None,
        }
    }

    #[test]
    fn only_possible_lists_are_read_once_each() {
        let target = Digest::sha256_of(b"target");
        let list = Digest::sha256_of(b"list");
        let image = Digest::sha256_of(b"image");
        let a = resolved(&list, Some(DOCKER_LIST));
        let b = resolved(&list, Some(DOCKER_LIST));
        let c = resolved(&image, Some(OCI_MANIFEST));
        let d = resolved(&target, Some(DOCKER_LIST));
        let unknown = resolved(&image, None);
        let all = [Some(&a), Some(&b), Some(&c), None, Some(&d), Some(&unknown)];
        assert_eq!(lists_to_read(&all, &target), vec![list, image]);
    }

    #[test]
    fn a_vendor_listing_spares_heads_that_cannot_match() {
        let target = Digest::sha256_of(b"target");
        let other = Digest::sha256_of(b"other");
        let vendor = |digest: &Digest, media_type: Option<&str>| Vendor {
            digest: digest.clone(),
            media_type: media_type.map(str::to_string),
            size: None,
            pushed: None,
        };
        assert!(worth_asking(None, &target));
        assert!(worth_asking(
            Some(&vendor(&target, Some(OCI_MANIFEST))),
            &target
        ));
        assert!(worth_asking(
            Some(&vendor(&other, Some(DOCKER_LIST))),
            &target
        ));
        assert!(worth_asking(Some(&vendor(&other, None)), &target));
        assert!(!worth_asking(
            Some(&vendor(&other, Some(OCI_MANIFEST))),
            &target
        ));
    }
}
