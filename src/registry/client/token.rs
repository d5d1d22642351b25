//! The token request of the Docker token protocol: given a Bearer
//! challenge's realm and service, ask for a token carrying the wanted
//! scopes, anonymously, with Basic credentials, or by exchanging an
//! identity token as an OAuth2 refresh token (POST `grant_type=refresh_token`).
//! Credentials go only to an HTTPS realm or one on this machine.

use crate::auth::token::{parse_token_response, Token};
use crate::credentials::config::Credential;
use crate::registry::body::{read_body, Overflow};
use crate::registry::error::{AuthProblem, RegistryError};
use crate::registry::request_error::{Context as _, RequestError};
use crate::registry::transport::may_send_credentials;
use crate::secret::Secret;

const CLIENT_ID: &str = "ddigest";
const TOKEN_BODY_LIMIT: usize = 1024 * 1024;

/// What to ask the realm for.
pub struct TokenRequest<'a> {
    pub realm: &'a str,
    pub service: Option<&'a str>,
    pub scopes: &'a [String],
    pub credential: Option<&'a Credential>,
}

/// The token server said no (its status and error body).
#[derive(Debug, thiserror::Error)]
#[error("token request refused: {0}")]
pub struct TokenRefused(pub RegistryError);

/// Whether credentials may go to this realm (HTTPS, or this machine).
pub fn may_send_to(realm: &str) -> bool {
    reqwest::Url::parse(realm).is_ok_and(|u| may_send_credentials(&u))
}

/// Asks the realm for a token.
pub async fn fetch(http: &reqwest::Client, req: TokenRequest<'_>) -> Result<Token, RequestError> {
    let realm = reqwest::Url::parse(req.realm).map_err(|e| {
        let what = format!("token realm {:?} is not a URL ({e})", req.realm);
        AuthProblem::BadChallenge(what)
    })?;
    if !matches!(realm.scheme(), "https" | "http") {
        let what = format!("token realm {realm} is not an http(s) URL");
        return Err(AuthProblem::BadChallenge(what).into());
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
        return Err(RequestError::TokenRefused(TokenRefused(error)));
    }
    let body = read_body(response, TOKEN_BODY_LIMIT, Overflow::Fail)
        .await
        .with_context(|| format!("reading the token from {realm}"))?;
    parse_token_response(&body)
        .map_err(|e| RequestError::Token(e).context(format!("token realm {realm}")))
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
