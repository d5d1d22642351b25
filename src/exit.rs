//! Exit codes and error codes, in one place: what each means, the stable
//! `code` strings `--format json` prints, which exit code each error code
//! ends a run with, and the rule that the first failure, in input order,
//! sets a run's code. The README's tables list the same meanings. A leaf:
//! each typed error says its own code (`RequestError::code`,
//! `ResolveError::code`), by a `match` the compiler checks.

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
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
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
    /// 429 after the retries (or at once when the limit resets too late).
    RateLimited,
    /// registries.conf forbids pulling this name.
    Blocked,
    /// A response body is larger than ddigest reads.
    TooLarge,
    /// Local configuration (credentials, helpers, registries.conf, certs.d)
    /// cannot be used.
    Config,
    /// `pin --update`: the pinned manifest is gone from the registry.
    PinnedGone,
    /// `--key`: no cosign signature found for the digest.
    Unsigned,
    /// `--key`: signatures found, none valid for the digest and the keys.
    BadSignature,
    /// `--policy`: the scope's requirements say `reject`.
    Rejected,
    /// `--policy`: the scope requires what ddigest cannot check (exit 2).
    Unsupported,
    /// Anything else (unreadable credentials, a misbehaving token server…).
    Other,
}

impl ErrorCode {
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
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Blocked => "blocked",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Config => "config",
            ErrorCode::PinnedGone => "pinned_gone",
            ErrorCode::Unsigned => "unsigned",
            ErrorCode::BadSignature => "bad_signature",
            ErrorCode::Rejected => "rejected",
            ErrorCode::Unsupported => "unsupported",
            ErrorCode::Other => "other",
        }
    }

    pub fn exit(self) -> Exit {
        match self {
            ErrorCode::InvalidReference | ErrorCode::Unsupported => Exit::Usage,
            ErrorCode::NotFound => Exit::NotFound,
            _ => Exit::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_end_runs_and_the_first_failure_counts() {
        assert_eq!(ErrorCode::InvalidReference.exit(), Exit::Usage);
        assert_eq!(ErrorCode::NotFound.exit(), Exit::NotFound);
        assert_eq!(ErrorCode::Blocked.exit(), Exit::Failed);
        assert_eq!(ErrorCode::TooLarge.as_str(), "too_large");
        let mut status = Status::default();
        status.fail(Exit::NotFound);
        status.fail(Exit::Usage);
        assert_eq!(status.exit(), Exit::NotFound);
    }
}
