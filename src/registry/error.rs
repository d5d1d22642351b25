//! Turns a non-2xx registry response into one error that names the method,
//! the URL (without credentials) and the registry's own error codes from
//! its `{"errors":[{"code","message"}]}` body, e.g.
//! `GET https://r/v2/x/manifests/1.0: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown`.

use serde::Deserialize;
use std::fmt;

/// Most of an error body that is worth reading.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// One entry of the registry's `errors` array.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
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
}

impl RegistryError {
    /// Reads what the response says about itself (bounded) and builds the error.
    pub async fn from_response(method: &str, response: reqwest::Response) -> Self {
        let url = redact_url(response.url());
        let status = response.status().as_u16();
        let body = read_prefix(response, ERROR_BODY_LIMIT).await;
        let errors = serde_json::from_slice::<ErrorBody>(&body)
            .map(|b| b.errors)
            .unwrap_or_default();
        RegistryError {
            method: method.to_string(),
            url,
            status,
            errors,
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
        if self.errors.is_empty() {
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
        Ok(())
    }
}

/// A URL fit for messages: no user or password.
pub fn redact_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

async fn read_prefix(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= limit {
            body.truncate(limit);
            break;
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_method_url_status_and_codes() {
        let e = RegistryError {
            method: "GET".into(),
            url: "https://r.example/v2/x/manifests/1.0".into(),
            status: 404,
            errors: vec![ApiError {
                code: "MANIFEST_UNKNOWN".into(),
                message: "manifest unknown".into(),
            }],
        };
        assert_eq!(
            e.to_string(),
            "GET https://r.example/v2/x/manifests/1.0: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown"
        );
        assert!(e.is_not_found());
    }

    #[test]
    fn urls_lose_their_userinfo() {
        let url = reqwest::Url::parse("https://user:pw@r.example/token?x=1").unwrap();
        assert_eq!(redact_url(&url), "https://r.example/token?x=1");
    }
}
