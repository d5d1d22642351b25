//! What `pin` and `check` ask the registry about each distinct reference,
//! concurrently over one client: a tag's digest now; for a pin with a tag,
//! the digest of the same kind now (a list's for a list pin, the same
//! platform's entry for a platform pin) and whether the pinned manifest
//! still exists; for a bare digest, whether it exists. With `--key`, the
//! digest a command vouches for (`Vouch`) must be validly signed.

use super::drift::Drift;
use crate::batch::engine::run_jobs;
use crate::digest::Digest;
use crate::exit::ErrorCode;
use crate::exit::Failure;
use crate::image::{is_index_type, Manifest};
use crate::reference::Reference;
use crate::registry::{Client, RegistryError};
use crate::resolve::{by_digest, choose_platforms, fetch, image_platform, resolve, Fetched};
use crate::resolve::{read_manifest, ResolveError, ResolveOptions};
use crate::signature::{self, Verifier};
use reqwest::{Method, StatusCode};
use std::collections::HashMap;
use std::sync::Arc;

/// What the registry says about one reference.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// The digest the reference's tag leads to now, of the pinned kind
    /// (`None` for a bare digest).
    pub now: Option<Digest>,
    /// The pinned digest is gone from the repository.
    pub pinned_missing: bool,
    /// The index `now` was chosen from, for a platform's pin.
    pub index: Option<Digest>,
    /// `--key`: why the digest vouched for is not validly signed.
    pub unsigned: Option<Failure>,
    /// For `check`: what moved, when the pin drifted.
    pub drift: Option<Drift>,
    /// A platform's pin: its platform, normalized.
    pub platform: Option<String>,
}

/// Which digest a command vouches for, and so must be signed with `--key`.
#[derive(Clone, Debug)]
pub enum Vouch {
    /// `pin`: the digest it writes (`now`).
    Now(Arc<Verifier>),
    /// `check`: the digest in the file.
    Pinned(Arc<Verifier>),
}

pub type Answers = HashMap<String, Result<Answer, Failure>>;

/// Looks every reference up, at most `jobs` at a time, with the batch
/// engine; answers are keyed by `Reference::qualified_string`.
pub async fn lookup_all(
    client: Arc<Client>,
    references: &[Reference],
    jobs: usize,
    vouch: &Vouch,
    explain: bool,
) -> Answers {
    for reference in references {
        client.plan(&reference.with_digest(None));
    }
    let work = |client: Arc<Client>, reference: Reference| {
        let vouch = vouch.clone();
        async move {
            let answer = lookup(&client, &reference, explain).await;
            let mut answer = answer.map_err(|e| e.failure())?;
            answer.unsigned = signed(&client, &reference, &answer, &vouch).await.err();
            Ok(answer)
        }
    };
    let mut answers = HashMap::new();
    run_jobs(&client, references, jobs, work, |index, answer| {
        answers.insert(references[index].qualified_string(), answer);
    })
    .await;
    answers
}

/// With `--key`: whether the digest vouched for (with, for a platform's
/// pin, the index it came from) is validly signed. A pin that is gone is
/// said as gone, not as unsigned.
async fn signed(
    client: &Client,
    reference: &Reference,
    answer: &Answer,
    vouch: &Vouch,
) -> Result<(), Failure> {
    let (verifier, digest) = match vouch {
        Vouch::Now(verifier) => (verifier, answer.now.as_ref()),
        Vouch::Pinned(verifier) => (verifier, reference.digest()),
    };
    let Some(digest) = digest.filter(|_| !verifier.is_off()) else {
        return Ok(());
    };
    if matches!(vouch, Vouch::Pinned(_)) && answer.pinned_missing {
        return Ok(());
    }
    let mut digests = vec![digest.clone()];
    if answer.now.as_ref() == Some(digest) {
        digests.extend(answer.index.clone());
    }
    let found = signature::verify(client, reference, &digests, verifier).await;
    found.map(|_| ()).map_err(|e| e.failure())
}

/// What the registry says of `reference`; with `explain`, a drifted pin
/// also says what moved (one more GET, of the tag's list now).
pub async fn lookup(
    client: &Client,
    reference: &Reference,
    explain: bool,
) -> Result<Answer, ResolveError> {
    let Some(pinned) = reference.digest() else {
        let found = resolve(client, reference, ResolveOptions::default()).await?;
        return Ok(Answer {
            now: Some(found.digest),
            ..Answer::default()
        });
    };
    if reference.tag().is_none() {
        return Ok(Answer {
            pinned_missing: !exists(client, reference, pinned).await?,
            ..Answer::default()
        });
    }
    refresh(client, &reference.with_digest(None), pinned, explain).await
}

/// The digest of the pinned kind that `tag` leads to now.
async fn refresh(
    client: &Client,
    tag: &Reference,
    pinned: &Digest,
    explain: bool,
) -> Result<Answer, ResolveError> {
    let top = resolve(client, tag, ResolveOptions::default()).await?;
    let as_it_is = Answer {
        now: Some(top.digest.clone()),
        ..Answer::default()
    };
    if &top.digest == pinned {
        return Ok(as_it_is);
    }
    let Some(old) = pinned_manifest(client, tag, pinned).await? else {
        return Ok(Answer {
            pinned_missing: true,
            ..as_it_is
        });
    };
    let top_is_list = top.media_type.as_deref().is_some_and(is_index_type);
    let config = match read_manifest(&old)? {
        Manifest::Image { config } => config,
        Manifest::Index { entries, .. } => {
            let drift = match explain {
                true => drift_now(client, tag, &entries).await?,
                false => None,
            };
            return Ok(Answer { drift, ..as_it_is });
        }
    };
    if !top_is_list && top.media_type.is_some() {
        return Ok(as_it_is);
    }
    // A platform's image was pinned: follow that platform.
    let platform = image_platform(client, tag, &config).await?;
    let top = fetch(client, tag, false).await?;
    let mut chosen =
        choose_platforms(client, tag, &top, std::slice::from_ref(&platform), false).await?;
    let now = chosen.remove(0)?.digest;
    let drift = (explain && &now != pinned).then(|| Drift::platform(&platform));
    Ok(Answer {
        now: Some(now),
        index: Some(top.resolved.digest),
        drift,
        platform: Some(platform.normalized().to_string()),
        ..Answer::default()
    })
}

/// How the tag's list now differs from the pinned one's `entries`; none
/// when the tag now names a single image.
async fn drift_now(
    client: &Client,
    tag: &Reference,
    entries: &[crate::image::Entry],
) -> Result<Option<Drift>, ResolveError> {
    let now = fetch(client, tag, false).await?;
    Ok(match read_manifest(&now)? {
        Manifest::Index { entries: new, .. } => Some(Drift::between(entries, &new)),
        Manifest::Image { .. } => None,
    })
}

/// Whether the registry still has the manifest `digest`: a HEAD, which
/// costs no Docker Hub pull.
async fn exists(
    client: &Client,
    reference: &Reference,
    digest: &Digest,
) -> Result<bool, ResolveError> {
    let response = client
        .manifest(reference, Method::HEAD, &digest.to_string())
        .await?;
    match response.status() {
        StatusCode::NOT_FOUND => Ok(false),
        s if s.is_success() => Ok(true),
        _ => Err(RegistryError::from_response("HEAD", response).await.into()),
    }
}

/// The pinned manifest, or `None` when the registry no longer has it.
async fn pinned_manifest(
    client: &Client,
    reference: &Reference,
    pinned: &Digest,
) -> Result<Option<Fetched>, ResolveError> {
    let at = reference.with_digest(Some(pinned.clone()));
    match by_digest(client, &at, pinned).await {
        Ok(fetched) => Ok(Some(fetched)),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
