//! The token exchange of the Docker token protocol: given a Bearer
//! challenge's realm and service, ask for a token carrying the wanted
//! scopes, anonymously, with Basic credentials, or by exchanging an
//! identity token as an OAuth2 refresh token (POST `grant_type=refresh_token`).

use crate::credentials::config::Credential;
use crate::registry::transport::may_send_credentials;
use crate::registry::RegistryError;
use crate::secret::Secret;
use anyhow::Context as _;
use serde::Deserialize;
use std::time::Duration;

/// Lifetime the protocol assumes when a token response gives none.
const DEFAULT_EXPIRY: Duration = Duration::from_secs(60);
const CLIENT_ID: &str = "ddigest";
const TOKEN_BODY_LIMIT: usize = 1024 * 1024;

/// A granted bearer token.
#[derive(Clone, Debug)]
pub struct Token {
    pub value: Secret,
    pub expires_in: Duration,
}

/// What to ask the realm for.
pub struct TokenRequest<'a> {
    pub realm: &'a str,
    pub service: Option<&'a str>,
    pub scopes: &'a [String],
    pub credential: Option<&'a Credential>,
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

/// The token server said no (its status and error body).
#[derive(Debug, thiserror::Error)]
#[error("token request refused: {0}")]
pub struct TokenRefused(pub RegistryError);

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

/// Asks the realm for a token.
/// Whether credentials may go to this realm (HTTPS, or this machine).
pub fn may_send_to(realm: &str) -> bool {
    reqwest::Url::parse(realm).is_ok_and(|u| may_send_credentials(&u))
}

pub async fn fetch(http: &reqwest::Client, req: TokenRequest<'_>) -> anyhow::Result<Token> {
    let realm = reqwest::Url::parse(req.realm).map_err(|e| {
        let what = format!("token realm {:?} is not a URL ({e})", req.realm);
        crate::registry::AuthProblem::BadChallenge(what)
    })?;
    if !matches!(realm.scheme(), "https" | "http") {
        let what = format!("token realm {realm} is not an http(s) URL");
        return Err(crate::registry::AuthProblem::BadChallenge(what).into());
    }
    let credential = req.credential.filter(|_| may_send_credentials(&realm));
    let (method, request) = match credential {
        Some(Credential::IdentityToken(refresh)) => {
            ("POST", refresh_request(http, &realm, &req, refresh))
        }
        Some(Credential::Basic { username, password }) => (
            "GET",
            get_request(http, &realm, &req).basic_auth(username, Some(password.expose())),
        ),
        _ => ("GET", get_request(http, &realm, &req)),
    };
    let response = request
        .send()
        .await
        .with_context(|| format!("token request to {realm} failed"))?;
    if !response.status().is_success() {
        // Said as text: a 404 from a token server is not "image not found".
        let error = RegistryError::from_response(method, response).await;
        return Err(TokenRefused(error).into());
    }
    let body = crate::registry::manifest::read_body(response, TOKEN_BODY_LIMIT)
        .await
        .with_context(|| format!("reading the token from {realm}"))?;
    parse_token_response(&body).with_context(|| format!("token realm {realm}"))
}

fn get_request(
    http: &reqwest::Client,
    realm: &reqwest::Url,
    req: &TokenRequest<'_>,
) -> reqwest::RequestBuilder {
    let mut query: Vec<(&str, &str)> = Vec::new();
    if let Some(service) = req.service {
        query.push(("service", service));
    }
    query.extend(req.scopes.iter().map(|s| ("scope", s.as_str())));
    http.get(realm.clone()).query(&query)
}

fn refresh_request(
    http: &reqwest::Client,
    realm: &reqwest::Url,
    req: &TokenRequest<'_>,
    refresh: &Secret,
) -> reqwest::RequestBuilder {
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("refresh_token", refresh.expose()),
    ];
    if let Some(service) = req.service {
        form.push(("service", service));
    }
    // The OAuth2 form joins scopes with spaces.
    let scope = req.scopes.join(" ");
    form.push(("scope", &scope));
    http.post(realm.clone()).form(&form)
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
