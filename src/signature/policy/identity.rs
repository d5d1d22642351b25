//! `signedIdentity`: which image identity a signature may claim (the
//! payload's `critical.identity.docker-reference`) for the image being
//! checked, as containers/image's `policy_reference_match.go` decides it.
//! Pure.

use crate::reference::Reference;
use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum SignedIdentity {
    // Empty braces, not unit variants: serde then refuses extra fields.
    #[serde(rename = "matchExact")]
    MatchExact {},
    #[serde(rename = "matchRepoDigestOrExact")]
    MatchRepoDigestOrExact {},
    #[serde(rename = "matchRepository")]
    MatchRepository {},
    #[serde(rename = "exactReference", rename_all = "camelCase")]
    ExactReference { docker_reference: String },
    #[serde(rename = "exactRepository", rename_all = "camelCase")]
    ExactRepository { docker_repository: String },
    #[serde(rename = "remapIdentity", rename_all = "camelCase")]
    RemapIdentity {
        prefix: String,
        signed_prefix: String,
    },
}

/// A reference's identity for matching: the name, and a tag or a digest
/// (a digest wins, as the image is checked by it).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Id {
    name: String,
    tag: Option<String>,
    digest: Option<String>,
}

fn image_id(r: &Reference) -> Id {
    let digest = r.digest().map(ToString::to_string);
    let tag = if digest.is_some() {
        None
    } else {
        Some(r.tag().unwrap_or("latest").to_string())
    };
    Id {
        name: r.name(),
        tag,
        digest,
    }
}

fn parse(text: &str) -> Option<Id> {
    let r = Reference::parse_normalized(text).ok()?;
    if r.tag().is_some() && r.digest().is_some() {
        return None;
    }
    Some(Id {
        name: r.name(),
        tag: r.tag().map(str::to_string),
        digest: r.digest().map(ToString::to_string),
    })
}

fn exact(image: &Id, signed: &Id) -> bool {
    // A signature naming only a repository matches no exact identity.
    (signed.tag.is_some() || signed.digest.is_some()) && image == signed
}

fn repo_digest_or_exact(image: &Id, signed: &Id) -> bool {
    if image.digest.is_some() {
        image.name == signed.name
    } else {
        exact(image, signed)
    }
}

impl SignedIdentity {
    /// Whether a signature claiming `signed` vouches for `image`.
    pub fn matches(&self, image: &Reference, signed: Option<&str>) -> bool {
        let Some(signed) = signed.and_then(parse) else {
            return false;
        };
        let image = image_id(image);
        match self {
            SignedIdentity::MatchExact {} => exact(&image, &signed),
            SignedIdentity::MatchRepoDigestOrExact {} => repo_digest_or_exact(&image, &signed),
            SignedIdentity::MatchRepository {} => image.name == signed.name,
            SignedIdentity::ExactReference { docker_reference } => {
                parse(docker_reference).is_some_and(|want| exact(&want, &signed))
            }
            SignedIdentity::ExactRepository { docker_repository } => {
                Reference::parse_normalized(docker_repository)
                    .is_ok_and(|r| r.name() == signed.name)
            }
            SignedIdentity::RemapIdentity {
                prefix,
                signed_prefix,
            } => {
                let mut image = image;
                if let Some(rest) = image.name.strip_prefix(prefix.as_str()) {
                    if rest.is_empty() || rest.starts_with('/') {
                        image.name = format!("{signed_prefix}{rest}");
                    }
                }
                repo_digest_or_exact(&image, &signed)
            }
        }
    }
}
