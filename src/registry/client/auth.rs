//! Answering a registry's challenge: the `WWW-Authenticate` header read by
//! the pure parser (`crate::auth::challenge`), the credentials looked up,
//! then a Bearer token fetched from the realm (for several scopes at once
//! when planned, cached by scope) or Basic credentials, as the
//! `Authorization` value to send again. Adding a scheme touches the parser
//! and this file.

use super::token::{self, TokenRequest};
use super::{send, Client, RegistryState};
use crate::auth::challenge::{self, AuthRequest};
use crate::auth::token::{granted_scopes, Token};
use crate::credentials::config::Credential;
use crate::registry::error::AuthProblem;
use crate::registry::request_error::{Context as _, RequestError};
use crate::registry::retry;
use crate::registry::transport::is_loopback;
use crate::secret::Secret;
use base64::Engine as _;
use reqwest::header::{HeaderValue, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How long a `registrytoken` from the config is reused: it has no expiry
/// of its own, and a 401 replaces it anyway.
const REGISTRY_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

impl Client {
    /// Answers a challenge for `scope` and remembers the result. `rejected`
    /// is what the registry just refused: a value other requests stored
    /// meanwhile is used instead of fetching again, and a refused token that
    /// was shared by several scopes is replaced by one for `scope` alone.
    pub(super) async fn authenticate(
        &self,
        state: &RegistryState,
        header: &str,
        scope: &str,
        rejected: Option<&Secret>,
    ) -> Result<Secret, RequestError> {
        let request = challenge::auth_request(header).map_err(|e| {
            let what = format!("{} sent an unusable WWW-Authenticate header", state.host);
            RequestError::Challenge(e).context(what)
        })?;
        let found = self
            .credentials
            .lookup(&state.domain)
            .await
            .with_context(|| format!("looking up credentials for {}", state.domain))?;
        if self.verbose && !state.said_credentials.swap(true, Ordering::Relaxed) {
            let source = found
                .as_ref()
                .map_or("none found; anonymous", |f| f.source.as_str());
            self.say(&format!("{}: credentials: {source}", state.domain));
        }
        let credential = found.map(|f| f.credential);
        let _fetching = state.fetching.lock().await;
        let now = Instant::now();
        if let Some(current) = state.cache().header_for(scope, now) {
            if rejected.is_none_or(|r| r.expose() != current.expose()) {
                return Ok(current);
            }
        }
        match request {
            AuthRequest::Bearer { realm, service, .. } => {
                if let Some(Credential::RegistryToken(token)) = &credential {
                    let value = authorization("Bearer", token.expose())?;
                    let scopes = state.cache().scopes_to_request(scope, now);
                    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
                    let lifetime = REGISTRY_TOKEN_LIFETIME;
                    state.cache().insert(&scopes, &value, lifetime, now);
                    return Ok(value);
                }
                let alone = rejected.is_some_and(|r| state.cache().is_shared(r));
                let scopes = if alone {
                    vec![scope.to_string()]
                } else {
                    state.cache().scopes_to_request(scope, now)
                };
                let realm = Realm {
                    realm: &realm,
                    service: service.as_deref(),
                    credential: credential.as_ref(),
                };
                self.bearer(state, &realm, scopes, scope).await
            }
            AuthRequest::Basic => {
                let value = self.basic(state, credential.as_ref())?;
                state.cache().set_basic(value.clone());
                Ok(value)
            }
        }
    }

    /// Gets a token for `scopes` (`scope` first) and caches it under each
    /// scope it grants. If the token server refuses the request or grants
    /// `scope` less than asked, `scope` gets a token of its own.
    async fn bearer(
        &self,
        state: &RegistryState,
        realm: &Realm<'_>,
        scopes: Vec<String>,
        scope: &str,
    ) -> Result<Secret, RequestError> {
        if scopes.len() > 1 {
            if let Ok(token) = self.fetch_token(realm, &scopes).await {
                let granted = granted_scopes(token.value.expose(), &scopes);
                let granted = granted.unwrap_or_else(|| vec![true; scopes.len()]);
                let value = authorization("Bearer", token.value.expose())?;
                let ok: Vec<&str> = zip_granted(&scopes, &granted, true);
                {
                    let mut cache = state.cache();
                    cache.insert(&ok, &value, token.expires_in, Instant::now());
                    for refused in zip_granted(&scopes, &granted, false) {
                        cache.mark_refused(refused);
                    }
                }
                let at = (realm.realm, realm.service);
                self.remember_token(state, at, realm.credential, &ok, &value, token.expires_in);
                if granted[0] {
                    return Ok(value);
                }
            }
        }
        let token = self.fetch_token(realm, &[scope.to_string()]).await?;
        let value = authorization("Bearer", token.value.expose())?;
        state
            .cache()
            .insert(&[scope], &value, token.expires_in, Instant::now());
        let at = (realm.realm, realm.service);
        self.remember_token(
            state,
            at,
            realm.credential,
            &[scope],
            &value,
            token.expires_in,
        );
        Ok(value)
    }

    async fn fetch_token(
        &self,
        realm: &Realm<'_>,
        scopes: &[String],
    ) -> Result<Token, RequestError> {
        let host = reqwest::Url::parse(realm.realm)
            .ok()
            .and_then(|u| {
                Some(format!(
                    "{}{}",
                    u.host_str()?,
                    u.port().map(|p| format!(":{p}")).unwrap_or_default()
                ))
            })
            .unwrap_or_default();
        let http = self.transport.http_for(&host, false)?;
        let once = || {
            let request = TokenRequest {
                realm: realm.realm,
                service: realm.service,
                scopes,
                credential: realm.credential,
            };
            self.traced_token(&http, request)
        };
        self.retrying(realm.realm, once, token_worth_retrying).await
    }

    /// One token request, said with `-v` (its scopes, as whom, the outcome).
    async fn traced_token(
        &self,
        http: &reqwest::Client,
        request: TokenRequest<'_>,
    ) -> Result<Token, RequestError> {
        let started = Instant::now();
        let who = match request.credential {
            None => "anonymously".to_string(),
            Some(_) if !token::may_send_to(request.realm) => {
                "anonymously (credentials withheld: the realm is plain HTTP and not this machine)"
                    .into()
            }
            Some(Credential::Basic { username, .. }) => format!("as {username}"),
            Some(Credential::IdentityToken(_)) => "with an identity token".into(),
            Some(Credential::RegistryToken(_)) => "with a registry token".into(),
        };
        let what = format!(
            "token {} for {} {who}",
            request.realm,
            request.scopes.join(" ")
        );
        let result = token::fetch(http, request).await;
        let ms = started.elapsed().as_millis();
        match &result {
            Ok(_) => self.say(&format!("{what}: granted in {ms} ms")),
            Err(e) => self.say(&format!("{what}: {} in {ms} ms", e)),
        }
        result
    }

    fn basic(
        &self,
        state: &RegistryState,
        credential: Option<&Credential>,
    ) -> Result<Secret, RequestError> {
        let Some(Credential::Basic { username, password }) = credential else {
            return Err(AuthProblem::NoCredentials {
                host: state.host.clone(),
                domain: state.domain.clone(),
                places: self.credentials.places(),
            }
            .into());
        };
        let plain_http = state.base.get().is_some_and(|b| b.starts_with("http://"));
        if plain_http && !is_loopback(&state.host) {
            return Err(AuthProblem::PlainHttp(state.host.clone()).into());
        }
        let pair = format!("{username}:{}", password.expose());
        authorization(
            "Basic",
            &base64::engine::general_purpose::STANDARD.encode(pair),
        )
    }
}

/// A token request that failed for a passing reason (the token server's
/// 429/5xx, a broken connection).
fn token_worth_retrying(result: &Result<Token, RequestError>) -> Option<send::Retry> {
    let e = result.as_ref().err()?;
    let refused = e.token_refused();
    let passing = refused.is_some_and(|r| retry::retryable_status(r.0.status))
        || e.transport().is_some_and(retry::retryable_error);
    passing.then(|| send::Retry {
        after: None,
        why: e.to_string(),
    })
}

/// Where and as whom to ask for tokens.
struct Realm<'a> {
    realm: &'a str,
    service: Option<&'a str>,
    credential: Option<&'a Credential>,
}

/// The scopes whose grant flag is `want`.
fn zip_granted<'a>(scopes: &'a [String], granted: &[bool], want: bool) -> Vec<&'a str> {
    scopes
        .iter()
        .zip(granted)
        .filter(|(_, g)| **g == want)
        .map(|(s, _)| s.as_str())
        .collect()
}

/// The challenge of a 401 answer; `None` for any other answer, or a 401
/// without `WWW-Authenticate` (returned to the caller as it is).
pub(super) fn challenge_of(
    state: &RegistryState,
    response: &reqwest::Response,
) -> Result<Option<String>, RequestError> {
    if response.status() != StatusCode::UNAUTHORIZED {
        return Ok(None);
    }
    let Some(value) = response.headers().get(WWW_AUTHENTICATE) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| {
        let what = format!("WWW-Authenticate header from {} is not text", state.host);
        AuthProblem::BadChallenge(what)
    })?;
    Ok(Some(text.to_string()))
}

/// An `Authorization` value, refused when a token holds bytes a header cannot.
fn authorization(scheme: &str, credentials: &str) -> Result<Secret, RequestError> {
    let value = format!("{scheme} {credentials}");
    if HeaderValue::from_str(&value).is_err() {
        return Err(AuthProblem::BadCredential(scheme.to_string()).into());
    }
    Ok(Secret::new(value))
}
