//! What a request to a registry or its token realm can end in, typed: each
//! kind has its error code by one `match` (`code`), so the compiler keeps
//! every failure mapped, and `Display` says it in words, contexts first
//! (`reading the manifest from URL: response body exceeds …`).

use super::client::TokenRefused;
use super::error::{AuthProblem, BodyTooLarge, RegistryError};
use super::report;
use crate::auth::challenge::ChallengeError;
use crate::auth::token::TokenError;
use crate::exit::ErrorCode;
use crate::local_config::ConfigError;
use crate::registries_conf::Blocked;
use std::fmt;

#[derive(Debug)]
pub enum RequestError {
    /// The request could not be sent, or its answer not read.
    Transport(reqwest::Error),
    /// The registry answered with an error status.
    Registry(RegistryError),
    /// The token realm refused to give a token.
    TokenRefused(TokenRefused),
    /// The registry's `WWW-Authenticate` header cannot be used.
    Challenge(ChallengeError),
    /// The token realm's answer holds no usable token.
    Token(TokenError),
    /// Authentication cannot go ahead (no credentials, plain HTTP, …).
    Auth(AuthProblem),
    /// A body past ddigest's limit.
    TooLarge(BodyTooLarge),
    /// Local configuration (credentials, certs.d, TLS files) unusable.
    Config(ConfigError),
    /// registries.conf forbids the name.
    Blocked(Blocked),
    /// One of the above, with what was being done.
    Context {
        context: String,
        source: Box<RequestError>,
    },
}

impl RequestError {
    /// The error code, and so the exit code, of this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            RequestError::Transport(e) if e.is_timeout() => ErrorCode::Timeout,
            RequestError::Transport(_) => ErrorCode::Network,
            RequestError::Registry(e) => e.code(),
            RequestError::TokenRefused(_) => ErrorCode::Unauthorized,
            RequestError::Challenge(_) | RequestError::Token(_) => ErrorCode::Registry,
            RequestError::Auth(AuthProblem::NoCredentials { .. } | AuthProblem::PlainHttp(_)) => {
                ErrorCode::Unauthorized
            }
            RequestError::Auth(AuthProblem::BadChallenge(_)) => ErrorCode::Registry,
            RequestError::Auth(AuthProblem::BadCredential(_)) => ErrorCode::Config,
            RequestError::TooLarge(_) => ErrorCode::TooLarge,
            RequestError::Config(_) => ErrorCode::Config,
            RequestError::Blocked(_) => ErrorCode::Blocked,
            RequestError::Context { source, .. } => source.code(),
        }
    }

    /// The same error, said to have happened while doing `context`.
    pub fn context(self, context: impl Into<String>) -> RequestError {
        RequestError::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }

    /// The transport error underneath, if that is what this is.
    pub fn transport(&self) -> Option<&reqwest::Error> {
        match self {
            RequestError::Transport(e) => Some(e),
            RequestError::Context { source, .. } => source.transport(),
            _ => None,
        }
    }

    /// The token realm's refusal underneath, if that is what this is.
    pub fn token_refused(&self) -> Option<&TokenRefused> {
        match self {
            RequestError::TokenRefused(e) => Some(e),
            RequestError::Context { source, .. } => source.token_refused(),
            _ => None,
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Transport(e) => f.write_str(&report::network(e)),
            RequestError::Registry(e) => e.fmt(f),
            RequestError::TokenRefused(e) => e.fmt(f),
            RequestError::Challenge(e) => e.fmt(f),
            RequestError::Token(e) => e.fmt(f),
            RequestError::Auth(e) => e.fmt(f),
            RequestError::TooLarge(e) => e.fmt(f),
            RequestError::Config(e) => f.write_str(&report::message(&e.0)),
            RequestError::Blocked(e) => e.fmt(f),
            RequestError::Context { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

/// The words are the whole story: no separate causes to print again.
impl std::error::Error for RequestError {}

impl From<reqwest::Error> for RequestError {
    fn from(e: reqwest::Error) -> Self {
        RequestError::Transport(e)
    }
}

impl From<RegistryError> for RequestError {
    fn from(e: RegistryError) -> Self {
        RequestError::Registry(e)
    }
}

impl From<AuthProblem> for RequestError {
    fn from(e: AuthProblem) -> Self {
        RequestError::Auth(e)
    }
}

impl From<BodyTooLarge> for RequestError {
    fn from(e: BodyTooLarge) -> Self {
        RequestError::TooLarge(e)
    }
}

impl From<ConfigError> for RequestError {
    fn from(e: ConfigError) -> Self {
        RequestError::Config(e)
    }
}

impl From<Blocked> for RequestError {
    fn from(e: Blocked) -> Self {
        RequestError::Blocked(e)
    }
}

/// `.with_context(…)` for results of requests, as anyhow has it.
pub trait Context<T> {
    fn with_context<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T, RequestError>;
}

impl<T, E: Into<RequestError>> Context<T> for Result<T, E> {
    fn with_context<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T, RequestError> {
        self.map_err(|e| e.into().context(context()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::client::TokenRefused;

    fn registry(status: u16) -> RegistryError {
        RegistryError {
            rate_limit: None,
            method: "HEAD".into(),
            url: "https://r/v2/x/manifests/y".into(),
            status,
            errors: vec![],
            detail: None,
        }
    }

    #[test]
    fn every_kind_has_its_code() {
        let cases: Vec<(RequestError, &str)> = vec![
            (registry(404).into(), "not_found"),
            (registry(401).into(), "unauthorized"),
            (registry(403).into(), "denied"),
            (registry(500).into(), "registry"),
            (
                RequestError::TokenRefused(TokenRefused(registry(401))),
                "unauthorized",
            ),
            (RequestError::Token(TokenError::NoToken), "registry"),
            (RequestError::Challenge(ChallengeError::Empty), "registry"),
            (AuthProblem::PlainHttp("r".into()).into(), "unauthorized"),
            (AuthProblem::BadCredential("Basic".into()).into(), "config"),
            (BodyTooLarge::Read { limit: 4 }.into(), "too_large"),
            (
                ConfigError(anyhow::anyhow!("helper failed")).into(),
                "config",
            ),
            (Blocked("quay.io".into()).into(), "blocked"),
        ];
        for (error, code) in cases {
            assert_eq!(error.code().as_str(), code, "{error}");
            let wrapped = error.context("doing something");
            assert_eq!(wrapped.code().as_str(), code, "a context keeps the code");
            assert!(wrapped.to_string().starts_with("doing something: "));
        }
    }
}
