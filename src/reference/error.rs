//! Why a string is not a valid reference, and how a batch reports it
//! (always `invalid_reference`, exit 2).

use super::PATH_MAX;
use crate::digest::DigestError;

/// Why a string is not a valid reference. The first variants mirror the
/// sentinel errors of distribution/reference; `InvalidFormat` says which
/// part failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error("repository name must have at least one component")]
    NameEmpty,
    #[error("invalid reference format: {0}")]
    InvalidFormat(String),
    #[error("invalid reference format: repository name must be lowercase")]
    NameContainsUppercase,
    #[error("repository name must not be more than {PATH_MAX} characters (got {0})")]
    NameTooLong(usize),
    #[error("repository name must be canonical")]
    NameNotCanonical,
    #[error("invalid repository name: a 64-character hex string is an image id, not a name")]
    IdentifierAsName,
    #[error("invalid digest: {0}")]
    Digest(#[from] DigestError),
}

impl ReferenceError {
    /// An invalid reference, as a batch reports it.
    pub fn failure(&self) -> crate::exit::Failure {
        let words = crate::console::words(self);
        crate::exit::Failure::new(crate::exit::ErrorCode::InvalidReference, words)
    }
}
