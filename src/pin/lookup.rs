//! What `pin` and `check` ask the registry about each distinct reference,
//! concurrently over one client: a tag's digest now; for a pin with a tag,
//! the digest of the same kind now (a list's for a list pin, the same
//! platform's entry for a platform pin) and whether the pinned manifest
//! still exists; for a bare digest, whether it exists.

use crate::batch::engine::run_jobs;
use crate::digest::Digest;
use crate::exit::ErrorCode;
use crate::exit::Failure;
use crate::image::{is_index_type, Manifest};
use crate::reference::Reference;
use crate::registry::Client;
use crate::resolve::{by_digest, image_platform, resolve, resolve_platforms, Fetched};
use crate::resolve::{read_manifest, ResolveError, ResolveOptions};
use std::collections::HashMap;
use std::sync::Arc;

/// What the registry says about one reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The digest the reference's tag leads to now, of the pinned kind
    /// (`None` for a bare digest).
    pub now: Option<Digest>,
    /// The pinned digest is gone from the repository.
    pub pinned_missing: bool,
}

pub type Answers = HashMap<String, Result<Answer, Failure>>;

/// Looks every reference up, at most `jobs` at a time, with the batch
/// engine; answers are keyed by `Reference::qualified_string`.
pub async fn lookup_all(client: Arc<Client>, references: &[Reference], jobs: usize) -> Answers {
    for reference in references {
        client.plan(&reference.with_digest(None));
    }
    let work = |client: Arc<Client>, reference: Reference| async move {
        lookup(&client, &reference).await.map_err(|e| e.failure())
    };
    let mut answers = HashMap::new();
    run_jobs(&client, references, jobs, work, |index, answer| {
        answers.insert(references[index].qualified_string(), answer);
    })
    .await;
    answers
}

pub async fn lookup(client: &Client, reference: &Reference) -> Result<Answer, ResolveError> {
    let Some(pinned) = reference.digest() else {
        let found = resolve(client, reference, ResolveOptions::default()).await?;
        return Ok(Answer {
            now: Some(found.digest),
            pinned_missing: false,
        });
    };
    if reference.tag().is_none() {
        let old = pinned_manifest(client, reference, pinned).await?;
        return Ok(Answer {
            now: None,
            pinned_missing: old.is_none(),
        });
    }
    refresh(client, &reference.with_digest(None), pinned).await
}

/// The digest of the pinned kind that `tag` leads to now.
async fn refresh(
    client: &Client,
    tag: &Reference,
    pinned: &Digest,
) -> Result<Answer, ResolveError> {
    let top = resolve(client, tag, ResolveOptions::default()).await?;
    if &top.digest == pinned {
        return Ok(Answer {
            now: Some(top.digest),
            pinned_missing: false,
        });
    }
    let Some(old) = pinned_manifest(client, tag, pinned).await? else {
        return Ok(Answer {
            now: Some(top.digest),
            pinned_missing: true,
        });
    };
    let top_is_list = top.media_type.as_deref().is_some_and(is_index_type);
    let Manifest::Image { config } = read_manifest(&old)? else {
        return Ok(Answer {
            now: Some(top.digest),
            pinned_missing: false,
        });
    };
    if !top_is_list && top.media_type.is_some() {
        return Ok(Answer {
            now: Some(top.digest),
            pinned_missing: false,
        });
    }
    // A platform's image was pinned: follow that platform.
    let platform = image_platform(client, tag, &config).await?;
    let mut chosen = resolve_platforms(client, tag, &[platform], false).await?;
    let now = chosen.remove(0)?.digest;
    Ok(Answer {
        now: Some(now),
        pinned_missing: false,
    })
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
