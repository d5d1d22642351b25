//! Turns a non-2xx registry response into one error that names the method,
//! the URL (without credentials) and the registry's own error codes from
//! its `{"errors":[{"code","message"}]}` body, e.g.
//! `GET https://r/v2/x/manifests/1.0: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown`.

use super::body::{read_body, Overflow};
use super::rate_limit::RateLimit;
use crate::exit::ErrorCode;
use serde::Deserialize;
use std::fmt;

/// Most of an error body that is worth reading.
const ERROR_BODY_LIMIT: usize = 64 * 1024;
/// How much of a body that is not `errors[]` a message shows.
const DETAIL_CHARS: usize = 200;

/// One entry of the registry's `errors` array.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    /// The entry's `detail`, as it is (distribution's limits sit here).
    #[serde(default, skip_serializing)]
    pub detail: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ApiError>,
}

/// A registry (or token server) answered with an error status.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct RegistryError {
    pub method: String,
    pub url: String,
    pub status: u16,
    pub errors: Vec<ApiError>,
    /// What a body that is not `errors[]` says (Docker Hub's token service
    /// answers `{"details": "incorrect username or password"}`), shortened.
    pub detail: Option<String>,
    /// A 429's rate limit, as its headers describe it.
    pub rate_limit: Option<Box<RateLimit>>,
}

impl RegistryError {
    /// Reads what the response says about itself (bounded) and builds the error.
    pub async fn from_response(method: &str, response: reqwest::Response) -> Self {
        let url = redact_url(response.url());
        let status = response.status().as_u16();
        let rate_limit = (status == 429)
            .then(|| RateLimit::from_headers(response.headers(), std::time::SystemTime::now()))
            .flatten()
            .or_else(|| (status == 429).then(RateLimit::default))
            .map(Box::new);
        let body = read_body(response, ERROR_BODY_LIMIT, Overflow::Truncate)
            .await
            .unwrap_or_default();
        let errors = serde_json::from_slice::<ErrorBody>(&body)
            .map(|b| b.errors)
            .unwrap_or_default();
        let detail = if errors.is_empty() {
            body_detail(&body)
        } else {
            None
        };
        RegistryError {
            method: method.to_string(),
            url,
            status,
            errors,
            detail,
            rate_limit,
        }
    }

    /// The error code: not found, denied, unauthorized, or the registry's
    /// own failure.
    pub fn code(&self) -> ErrorCode {
        let has = |code: &str| self.errors.iter().any(|a| a.code == code);
        if self.is_not_found() {
            ErrorCode::NotFound
        } else if self.status == 429 {
            ErrorCode::RateLimited
        } else if self.status == 403 || has("DENIED") {
            ErrorCode::Denied
        } else if self.status == 401 || has("UNAUTHORIZED") {
            ErrorCode::Unauthorized
        } else {
            ErrorCode::Registry
        }
    }

    /// The registry says the tag, manifest or repository does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status == 404
            || self
                .errors
                .iter()
                .any(|e| matches!(e.code.as_str(), "MANIFEST_UNKNOWN" | "NAME_UNKNOWN"))
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        write!(f, "{} {}: {} {reason}", self.method, self.url, self.status)?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        } else if self.errors.is_empty() {
            // A HEAD answer has no body to name the error: say what the status means.
            let meaning = match self.status {
                401 => " (authentication required or refused)",
                403 => " (access denied)",
                404 => " (no such tag, manifest or repository)",
                _ => "",
            };
            f.write_str(meaning)?;
        }
        for e in &self.errors {
            write!(f, ": {}", e.code)?;
            if !e.message.is_empty() {
                write!(f, ": {}", e.message)?;
            }
        }
        if let Some(limit) = &self.rate_limit {
            write!(f, "; {}", limit.words())?;
        }
        Ok(())
    }
}

/// The words of an error body that has no `errors[]`: a JSON object's
/// `details`, `detail`, `message`, `error_description` or `error` string,
/// or else plain text (not HTML), on one line and shortened.
fn body_detail(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let said = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => {
            ["details", "detail", "message", "error_description", "error"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| v.as_str()).map(str::to_string))?
        }
        Ok(_) => return None,
        Err(_) if text.starts_with('<') => return None,
        Err(_) => text.to_string(),
    };
    let one_line = said.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return None;
    }
    Some(crate::console::shorten(&one_line, DETAIL_CHARS))
}

/// Authentication that cannot go ahead, before or instead of asking.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthProblem {
    /// The registry wants credentials and none are configured (`unauthorized`).
    #[error(
        "{host} asks for a username and password, and none is configured for {domain} ({places})"
    )]
    NoCredentials {
        host: String,
        domain: String,
        places: String,
    },
    /// Credentials would travel in clear text (`unauthorized`).
    #[error("refusing to send credentials to {0} over plain HTTP")]
    PlainHttp(String),
    /// The registry's challenge or token realm is unusable (`registry`).
    #[error("{0}")]
    BadChallenge(String),
    /// A stored credential cannot be put in a header (`config`).
    #[error("the {0} credential holds characters not allowed in an HTTP header")]
    BadCredential(String),
}

/// A response body longer than ddigest reads (`too_large`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BodyTooLarge {
    #[error("response body is {len} bytes, more than the {limit}-byte limit")]
    Declared { len: u64, limit: usize },
    #[error("response body exceeds the {limit}-byte limit")]
    Read { limit: usize },
}

/// A URL fit for messages: no user or password.
pub fn redact_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_method_url_status_and_codes() {
        let e = RegistryError {
            rate_limit: None,
            method: "GET".into(),
            url: "https://r.example/v2/x/manifests/1.0".into(),
            status: 404,
            errors: vec![ApiError {
                code: "MANIFEST_UNKNOWN".into(),
                message: "manifest unknown".into(),
                detail: None,
            }],
            detail: None,
        };
        assert_eq!(
            e.to_string(),
            "GET https://r.example/v2/x/manifests/1.0: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown"
        );
        assert!(e.is_not_found());
    }

    #[test]
    fn bodies_without_errors_are_shown_shortened() {
        let hub = br#"{"details": "incorrect username or password"}"#;
        assert_eq!(
            body_detail(hub).as_deref(),
            Some("incorrect username or password")
        );
        assert_eq!(
            body_detail(b"upstream\n  timed out\n").as_deref(),
            Some("upstream timed out")
        );
        assert_eq!(body_detail(b"<html><body>502</body></html>"), None);
        assert_eq!(body_detail(b""), None);
        let long = "x".repeat(500);
        assert_eq!(
            body_detail(long.as_bytes()).unwrap().chars().count(),
            DETAIL_CHARS + 1
        );
        let e = RegistryError {
            rate_limit: None,
            method: "GET".into(),
            url: "https://auth.example/token".into(),
            status: 401,
            errors: vec![],
            detail: body_detail(hub),
        };
        assert_eq!(
            e.to_string(),
            "GET https://auth.example/token: 401 Unauthorized: incorrect username or password"
        );
    }

    #[test]
    fn urls_lose_their_userinfo() {
        let url = reqwest::Url::parse("https://user:pw@r.example/token?x=1").unwrap();
        assert_eq!(redact_url(&url), "https://r.example/token?x=1");
    }
}
