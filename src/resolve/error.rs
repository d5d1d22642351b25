//! What resolving a reference can end in, typed: a request that failed
//! (`RequestError`), or what the bytes turned out to be. `code` is one
//! `match`, so the compiler keeps every failure mapped to its error code;
//! `failure` puts it into the words and code a batch reports.

use super::platform::{IndexProblem, PlatformMismatch, PlatformNotFound};
use super::{DigestMismatch, PinnedGone};
use crate::artifact::ArtifactError;
use crate::exit::{ErrorCode, Failure};
use crate::image::ImageError;
use crate::registry::RequestError;
use crate::signature::SignatureError;
use std::fmt;

#[derive(Debug)]
pub enum ResolveError {
    Request(RequestError),
    DigestMismatch(DigestMismatch),
    PlatformNotFound(Box<PlatformNotFound>),
    PlatformMismatch(Box<PlatformMismatch>),
    Index(IndexProblem),
    /// Bytes that are not a manifest or config ddigest can read, and what
    /// they were (`reading manifest sha256:…`).
    Unreadable {
        what: String,
        source: ImageError,
    },
    PinnedGone(PinnedGone),
    /// A list or index where one image is needed: its platforms.
    NeedsPlatform(Vec<String>),
    /// A referrers list that cannot be read, and where it came from.
    Artifact {
        what: String,
        source: ArtifactError,
    },
    /// `--key`: the digest is not validly signed.
    Signature(SignatureError),
}

impl ResolveError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ResolveError::Request(e) => e.code(),
            ResolveError::DigestMismatch(_) => ErrorCode::DigestMismatch,
            ResolveError::PlatformNotFound(_) => ErrorCode::PlatformNotFound,
            ResolveError::PlatformMismatch(_) => ErrorCode::PlatformMismatch,
            ResolveError::Index(_) | ResolveError::Unreadable { .. } => ErrorCode::BadManifest,
            ResolveError::PinnedGone(_) => ErrorCode::PinnedGone,
            ResolveError::NeedsPlatform(_) => ErrorCode::PlatformNotFound,
            ResolveError::Artifact { .. } => ErrorCode::BadManifest,
            ResolveError::Signature(e) => e.code(),
        }
    }

    /// The code and the words, as a batch reports a failure.
    pub fn failure(&self) -> Failure {
        Failure::new(self.code(), self.to_string())
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Request(e) => e.fmt(f),
            ResolveError::DigestMismatch(e) => e.fmt(f),
            ResolveError::PlatformNotFound(e) => e.fmt(f),
            ResolveError::PlatformMismatch(e) => e.fmt(f),
            ResolveError::Index(e) => e.fmt(f),
            ResolveError::Unreadable { what, source } => write!(f, "{what}: {source}"),
            ResolveError::PinnedGone(e) => e.fmt(f),
            ResolveError::NeedsPlatform(platforms) => write!(
                f,
                "a list or index, not one image: choose with --platform (it has {})",
                platforms.join(", ")
            ),
            ResolveError::Artifact { what, source } => write!(f, "{what}: {source}"),
            ResolveError::Signature(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ResolveError {}

macro_rules! from {
    ($($variant:ident($source:ty)),* $(,)?) => {$(
        impl From<$source> for ResolveError {
            fn from(e: $source) -> Self {
                ResolveError::$variant(e)
            }
        }
    )*};
}

from!(
    Request(RequestError),
    DigestMismatch(DigestMismatch),
    Index(IndexProblem),
    PinnedGone(PinnedGone),
    Signature(SignatureError),
);

impl From<PlatformNotFound> for ResolveError {
    fn from(e: PlatformNotFound) -> Self {
        ResolveError::PlatformNotFound(Box::new(e))
    }
}

impl From<PlatformMismatch> for ResolveError {
    fn from(e: PlatformMismatch) -> Self {
        ResolveError::PlatformMismatch(Box::new(e))
    }
}

impl From<crate::registry::RegistryError> for ResolveError {
    fn from(e: crate::registry::RegistryError) -> Self {
        ResolveError::Request(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;
    use crate::platform::Platform;

    #[test]
    fn every_kind_has_its_code() {
        let d = Digest::sha256_of(b"x");
        let p = Platform::new("linux", "amd64", None);
        let cases: Vec<(ResolveError, &str)> = vec![
            (
                DigestMismatch {
                    what: "the digest asked for",
                    of: "the manifest",
                    expected: d.clone(),
                    actual: d.clone(),
                }
                .into(),
                "digest_mismatch",
            ),
            (
                PlatformNotFound {
                    wanted: p.clone(),
                    kind: "index",
                    available: vec![],
                }
                .into(),
                "platform_not_found",
            ),
            (
                PlatformMismatch {
                    wanted: p.clone(),
                    actual: p,
                }
                .into(),
                "platform_mismatch",
            ),
            (IndexProblem::TooDeep.into(), "bad_manifest"),
            (
                ResolveError::Unreadable {
                    what: "reading manifest".into(),
                    source: ImageError::NoConfig,
                },
                "bad_manifest",
            ),
            (PinnedGone(d).into(), "pinned_gone"),
        ];
        for (error, code) in cases {
            assert_eq!(error.failure().code.as_str(), code, "{error}");
        }
    }
}
