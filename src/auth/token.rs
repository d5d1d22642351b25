//! The Docker token protocol's answers: a token response read into the
//! token and its lifetime, and which scopes a JWT's `access` claim grants.
//! Pure: the request itself is `registry::client::token`.

use crate::secret::Secret;
use serde::Deserialize;
use std::time::Duration;

/// Lifetime the protocol assumes when a token response gives none.
const DEFAULT_EXPIRY: Duration = Duration::from_secs(60);

/// A granted bearer token.
#[derive(Clone, Debug)]
pub struct Token {
    pub value: Secret,
    pub expires_in: Duration,
}

#[derive(Deserialize)]
struct TokenResponse {
    token: Option<String>,
    access_token: Option<String>,
    expires_in: Option<u64>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token response is not JSON")]
    NotJson,
    #[error("token response has neither \"token\" nor \"access_token\"")]
    NoToken,
}

#[derive(Deserialize)]
struct Claims {
    access: Option<Vec<Access>>,
}

#[derive(Deserialize)]
struct Access {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    actions: Vec<String>,
}

/// Which of `scopes` (`type:name:action,...`) a JWT's `access` claim grants
/// in full; `None` when the token cannot tell (opaque, or a JWT without
/// an `access` claim).
/// The token is only read, not verified: the registry does that.
pub fn granted_scopes(token: &str, scopes: &[String]) -> Option<Vec<bool>> {
    use base64::Engine as _;
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let access = serde_json::from_slice::<Claims>(&json).ok()?.access?;
    Some(scopes.iter().map(|s| scope_granted(&access, s)).collect())
}

fn scope_granted(access: &[Access], scope: &str) -> bool {
    let Some((kind, rest)) = scope.split_once(':') else {
        return false;
    };
    let Some((name, actions)) = rest.rsplit_once(':') else {
        return false;
    };
    actions.split(',').all(|action| {
        access.iter().any(|a| {
            a.kind == kind && a.name == name && a.actions.iter().any(|x| x == action || x == "*")
        })
    })
}

/// Parses a token endpoint's JSON answer.
pub fn parse_token_response(body: &[u8]) -> Result<Token, TokenError> {
    let r: TokenResponse = serde_json::from_slice(body).map_err(|_| TokenError::NotJson)?;
    let value = r
        .token
        .filter(|t| !t.is_empty())
        .or(r.access_token.filter(|t| !t.is_empty()))
        .ok_or(TokenError::NoToken)?;
    let expires_in = r
        .expires_in
        .filter(|s| *s > 0)
        .map_or(DEFAULT_EXPIRY, Duration::from_secs);
    Ok(Token {
        value: Secret::new(value),
        expires_in,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_or_access_token() {
        let t = parse_token_response(br#"{"token":"abc","expires_in":300}"#).unwrap();
        assert_eq!(t.value.expose(), "abc");
        assert_eq!(t.expires_in, Duration::from_secs(300));
        let a = parse_token_response(br#"{"access_token":"xyz"}"#).unwrap();
        assert_eq!(a.value.expose(), "xyz");
        assert_eq!(a.expires_in, DEFAULT_EXPIRY);
    }

    #[test]
    fn reads_granted_scopes_from_a_jwt() {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let claims = r#"{"access":[{"type":"repository","name":"a/b","actions":["pull","push"]},
            {"type":"repository","name":"c","actions":[]}]}"#;
        let jwt = format!("{}.{}.sig", b64(r#"{"alg":"RS256"}"#), b64(claims));
        let scopes: Vec<String> = [
            "repository:a/b:pull",
            "repository:c:pull",
            "repository:d:pull",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            granted_scopes(&jwt, &scopes),
            Some(vec![true, false, false])
        );
        assert_eq!(granted_scopes("opaque-token", &scopes), None);
        let no_claim = format!("{}.{}.sig", b64("{}"), b64(r#"{"sub":"x"}"#));
        assert_eq!(granted_scopes(&no_claim, &scopes), None);
    }

    #[test]
    fn missing_token_is_an_error() {
        assert_eq!(
            parse_token_response(b"{}").unwrap_err(),
            TokenError::NoToken
        );
        assert_eq!(
            parse_token_response(br#"{"token":""}"#).unwrap_err(),
            TokenError::NoToken
        );
        assert_eq!(
            parse_token_response(b"<html>").unwrap_err(),
            TokenError::NotJson
        );
    }
}
