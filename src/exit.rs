//! Exit codes and error codes, in one place: what each means, which error
//! maps to which, the stable `code` strings `--format json` prints, and
//! the rule that the first failure, in input order, sets a run's code. The
//! README's tables list the same meanings.

use crate::auth::challenge::ChallengeError;
use crate::auth::token::TokenError;
use crate::digest::DigestError;
use crate::image::ImageError;
use crate::local_config::ConfigError;
use crate::reference::ReferenceError;
use crate::registries_conf::Blocked;
use crate::registry::client::TokenRefused;
use crate::registry::{AuthProblem, BodyTooLarge, RegistryError};
use crate::resolve::{
    DigestMismatch, IndexProblem, PinnedGone, PlatformMismatch, PlatformNotFound,
};

/// How a run of ddigest ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: every reference resolved.
    Resolved = 0,
    /// 1: network, auth, registry error, digest mismatch, platform not there.
    Failed = 1,
    /// 2: bad usage or an invalid reference.
    Usage = 2,
    /// 3: unknown tag, manifest or repository.
    NotFound = 3,
}

impl Exit {
    /// The exit code a failed resolution ends with.
    pub fn of_error(err: &anyhow::Error) -> Exit {
        ErrorCode::of(err).exit()
    }

    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

/// The exit code of a run: the first failure's, in input order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status(Exit);

impl Default for Status {
    fn default() -> Self {
        Status(Exit::Resolved)
    }
}

impl Status {
    /// Records a failure; only the first one counts.
    pub fn fail(&mut self, exit: Exit) {
        if self.0 == Exit::Resolved {
            self.0 = exit;
        }
    }

    pub fn exit(self) -> Exit {
        self.0
    }
}

/// A failed resolution, already put into words, with its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
}

impl Failure {
    pub fn of(err: &anyhow::Error) -> Self {
        Failure {
            code: ErrorCode::of(err),
            message: crate::registry::report::message(err),
        }
    }
}

/// What kind of failure a reference met; `as_str` is stable for scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The reference is not valid syntax (exit 2).
    InvalidReference,
    /// No such tag, manifest or repository (exit 3).
    NotFound,
    /// The registry or token server wants (other) credentials.
    Unauthorized,
    /// The credentials were accepted but do not allow pulling.
    Denied,
    /// The bytes do not hash to the digest they must have.
    DigestMismatch,
    /// The list or index has no entry for the platform asked for.
    PlatformNotFound,
    /// A single-platform image is for another platform.
    PlatformMismatch,
    /// A manifest or image config ddigest cannot read.
    BadManifest,
    /// No answer in time.
    Timeout,
    /// Connection refused, DNS, TLS and other transport failures.
    Network,
    /// Any other error status from the registry.
    Registry,
    /// registries.conf forbids pulling this name.
    Blocked,
    /// A response body is larger than ddigest reads.
    TooLarge,
    /// Local configuration (credentials, helpers, registries.conf, certs.d)
    /// cannot be used.
    Config,
    /// `pin --update`: the pinned manifest is gone from the registry.
    PinnedGone,
    /// Anything else (unreadable credentials, a misbehaving token server…).
    Other,
}

impl ErrorCode {
    /// Classifies an error by the first typed cause in its chain.
    pub fn of(err: &anyhow::Error) -> ErrorCode {
        err.chain().find_map(classify).unwrap_or(ErrorCode::Other)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidReference => "invalid_reference",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Denied => "denied",
            ErrorCode::DigestMismatch => "digest_mismatch",
            ErrorCode::PlatformNotFound => "platform_not_found",
            ErrorCode::PlatformMismatch => "platform_mismatch",
            ErrorCode::BadManifest => "bad_manifest",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Network => "network",
            ErrorCode::Registry => "registry",
            ErrorCode::Blocked => "blocked",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Config => "config",
            ErrorCode::PinnedGone => "pinned_gone",
            ErrorCode::Other => "other",
        }
    }

    pub fn exit(self) -> Exit {
        match self {
            ErrorCode::InvalidReference => Exit::Usage,
            ErrorCode::NotFound => Exit::NotFound,
            _ => Exit::Failed,
        }
    }
}

fn classify(cause: &(dyn std::error::Error + 'static)) -> Option<ErrorCode> {
    if cause.is::<ReferenceError>() {
        return Some(ErrorCode::InvalidReference);
    }
    if let Some(e) = cause.downcast_ref::<RegistryError>() {
        return Some(registry_code(e));
    }
    if cause.is::<TokenRefused>() {
        return Some(ErrorCode::Unauthorized);
    }
    if cause.is::<DigestMismatch>() {
        return Some(ErrorCode::DigestMismatch);
    }
    if cause.is::<PlatformNotFound>() {
        return Some(ErrorCode::PlatformNotFound);
    }
    if cause.is::<PlatformMismatch>() {
        return Some(ErrorCode::PlatformMismatch);
    }
    if cause.is::<Blocked>() {
        return Some(ErrorCode::Blocked);
    }
    if cause.is::<ConfigError>()
        || cause.is::<crate::credentials::config::ConfigError>()
        || cause.is::<crate::registries_conf::ConfError>()
    {
        return Some(ErrorCode::Config);
    }
    // A challenge or token answer that cannot be used: the registry's fault.
    if cause.is::<ChallengeError>() || cause.is::<TokenError>() {
        return Some(ErrorCode::Registry);
    }
    if cause.is::<BodyTooLarge>() {
        return Some(ErrorCode::TooLarge);
    }
    if cause.is::<PinnedGone>() {
        return Some(ErrorCode::PinnedGone);
    }
    if let Some(e) = cause.downcast_ref::<AuthProblem>() {
        return Some(match e {
            AuthProblem::NoCredentials { .. } | AuthProblem::PlainHttp(_) => {
                ErrorCode::Unauthorized
            }
            AuthProblem::BadChallenge(_) => ErrorCode::Registry,
            AuthProblem::BadCredential(_) => ErrorCode::Config,
        });
    }
    if cause.is::<ImageError>() || cause.is::<DigestError>() || cause.is::<IndexProblem>() {
        return Some(ErrorCode::BadManifest);
    }
    if let Some(e) = cause.downcast_ref::<reqwest::Error>() {
        return Some(if e.is_timeout() {
            ErrorCode::Timeout
        } else {
            ErrorCode::Network
        });
    }
    None
}

fn registry_code(e: &RegistryError) -> ErrorCode {
    let has = |code: &str| e.errors.iter().any(|a| a.code == code);
    if e.is_not_found() {
        ErrorCode::NotFound
    } else if e.status == 403 || has("DENIED") {
        ErrorCode::Denied
    } else if e.status == 401 || has("UNAUTHORIZED") {
        ErrorCode::Unauthorized
    } else {
        ErrorCode::Registry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(status: u16) -> anyhow::Error {
        RegistryError {
            method: "HEAD".into(),
            url: "https://r/v2/x/manifests/y".into(),
            status,
            errors: vec![],
            detail: None,
        }
        .into()
    }

    #[test]
    fn errors_map_to_codes() {
        let usage = anyhow::Error::from(ReferenceError::NameEmpty).context("parsing");
        assert_eq!(Exit::of_error(&usage), Exit::Usage);
        assert_eq!(ErrorCode::of(&usage).as_str(), "invalid_reference");
        assert_eq!(Exit::of_error(&registry(404)), Exit::NotFound);
        assert_eq!(ErrorCode::of(&registry(401)), ErrorCode::Unauthorized);
        assert_eq!(ErrorCode::of(&registry(403)), ErrorCode::Denied);
        assert_eq!(ErrorCode::of(&registry(500)), ErrorCode::Registry);
        let plain = anyhow::anyhow!("network down");
        assert_eq!(Exit::of_error(&plain), Exit::Failed);
        assert_eq!(ErrorCode::of(&plain), ErrorCode::Other);
        let token = anyhow::Error::from(TokenError::NoToken).context("token realm");
        assert_eq!(ErrorCode::of(&token), ErrorCode::Registry);
        let challenge = anyhow::Error::from(ChallengeError::Empty);
        assert_eq!(ErrorCode::of(&challenge), ErrorCode::Registry);
        let helper = anyhow::anyhow!("docker-credential-x failed");
        let config = anyhow::Error::from(ConfigError(helper));
        assert_eq!(ErrorCode::of(&config).as_str(), "config");
        let big = anyhow::Error::from(BodyTooLarge::Read { limit: 4 });
        assert_eq!(ErrorCode::of(&big).as_str(), "too_large");
        let blocked = anyhow::Error::from(Blocked("quay.io".into()));
        assert_eq!(
            (ErrorCode::of(&blocked).as_str(), Exit::of_error(&blocked)),
            ("blocked", Exit::Failed)
        );
    }
}
