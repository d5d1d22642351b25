//! The registry client: one shared HTTP client plus, per registry, the
//! scheme it answers on and the credentials it has accepted. A request is
//! sent with what is known; a 401 is answered once by reading the
//! challenge, getting a Bearer token (or using Basic credentials), and
//! sending again. Authorization goes only to the registry's own host and
//! its token realm, and Basic credentials never over plain HTTP to a host
//! that is not this machine.

use super::manifest::ACCEPT;
use super::transport::{self, is_loopback, may_fall_back_to_http, TransportOptions};
use crate::auth::challenge::{self, AuthRequest};
use crate::auth::token::{self, TokenRequest};
use crate::credentials::config::Credential;
use crate::credentials::CredentialStore;
use crate::reference::Reference;
use crate::secret::Secret;
use anyhow::{anyhow, bail, Context as _};
use base64::Engine as _;
use reqwest::header::{HeaderValue, ACCEPT as ACCEPT_HEADER, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a `registrytoken` from the config is reused: it has no expiry
/// of its own, and a 401 replaces it anyway.
const REGISTRY_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Talks to any number of registries over one HTTP client.
pub struct Client {
    http: reqwest::Client,
    credentials: CredentialStore,
    insecure: bool,
    registries: Mutex<HashMap<String, Arc<RegistryState>>>,
}

/// What is known about one registry.
struct RegistryState {
    /// The domain as written in references, the key for credentials.
    domain: String,
    /// The host[:port] requests go to.
    host: String,
    /// `https://host` or, after a fallback, `http://host`.
    base: tokio::sync::OnceCell<String>,
    auth: tokio::sync::Mutex<AuthState>,
}

#[derive(Default)]
struct AuthState {
    /// `Basic …` header value, good for every repository.
    basic: Option<Secret>,
    /// `Bearer …` header values by scope, with their expiry.
    tokens: HashMap<String, (Secret, Instant)>,
}

impl AuthState {
    fn header_for(&self, scope: &str) -> Option<Secret> {
        if let Some((value, expiry)) = self.tokens.get(scope) {
            if Instant::now() < *expiry {
                return Some(value.clone());
            }
        }
        self.basic.clone()
    }
}

impl Client {
    pub fn new(opts: &TransportOptions, credentials: CredentialStore) -> anyhow::Result<Self> {
        Ok(Client {
            http: transport::build_client(opts)?,
            credentials,
            insecure: opts.insecure,
            registries: Mutex::new(HashMap::new()),
        })
    }

    /// Sends `method` for `/v2/<repository>/manifests/<target>` with the
    /// manifest `Accept` list, authenticating on a 401. The response is
    /// returned whatever its status.
    pub async fn manifest(
        &self,
        reference: &Reference,
        method: Method,
        target: &str,
    ) -> anyhow::Result<reqwest::Response> {
        let state = self.state(reference.domain());
        let path = format!("/v2/{}/manifests/{target}", reference.path());
        let scope = format!("repository:{}:pull", reference.path());
        let auth = state.auth.lock().await.header_for(&scope);
        let response = self.send(&state, &method, &path, auth.as_ref()).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let Some(challenge) = response.headers().get(WWW_AUTHENTICATE) else {
            return Ok(response);
        };
        let challenge = challenge
            .to_str()
            .map_err(|_| anyhow!("WWW-Authenticate header from {} is not text", state.host))?
            .to_string();
        let auth = self.authenticate(&state, &challenge, &scope).await?;
        self.send(&state, &method, &path, Some(&auth)).await
    }

    fn state(&self, domain: &str) -> Arc<RegistryState> {
        let mut map = self.registries.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(domain.to_string())
            .or_insert_with(|| {
                Arc::new(RegistryState {
                    domain: domain.to_string(),
                    host: transport::api_host(domain).to_string(),
                    base: tokio::sync::OnceCell::new(),
                    auth: tokio::sync::Mutex::new(AuthState::default()),
                })
            })
            .clone()
    }

    /// Whether the registry may be reached over plain HTTP when HTTPS fails.
    fn http_allowed(&self, state: &RegistryState) -> bool {
        self.insecure || is_loopback(&state.host)
    }

    async fn send(
        &self,
        state: &RegistryState,
        method: &Method,
        path: &str,
        auth: Option<&Secret>,
    ) -> anyhow::Result<reqwest::Response> {
        if let Some(base) = state.base.get() {
            return self
                .send_to(base, method, path, auth)
                .await
                .map_err(Into::into);
        }
        let https = format!("https://{}", state.host);
        match self.send_to(&https, method, path, auth).await {
            Ok(response) => {
                let _ = state.base.set(https);
                Ok(response)
            }
            Err(e) if self.http_allowed(state) && may_fall_back_to_http(&e, &state.host) => {
                let http = format!("http://{}", state.host);
                let response = self.send_to(&http, method, path, auth).await.map_err(|e| {
                    if e.is_connect() {
                        anyhow!(e).context(format!(
                            "cannot reach {} over HTTPS or plain HTTP",
                            state.host
                        ))
                    } else {
                        anyhow!(e)
                    }
                })?;
                let _ = state.base.set(http);
                Ok(response)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn send_to(
        &self,
        base: &str,
        method: &Method,
        path: &str,
        auth: Option<&Secret>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut request = self
            .http
            .request(method.clone(), format!("{base}{path}"))
            .header(ACCEPT_HEADER, ACCEPT);
        // `authorization` checked every value it stored, so this always holds.
        if let Some(Ok(mut value)) = auth.map(|a| HeaderValue::from_str(a.expose())) {
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        request.send().await
    }

    /// Answers a challenge and remembers the result for later requests.
    async fn authenticate(
        &self,
        state: &RegistryState,
        header: &str,
        scope: &str,
    ) -> anyhow::Result<Secret> {
        let request = challenge::auth_request(header)
            .with_context(|| format!("{} sent an unusable WWW-Authenticate header", state.host))?;
        let credential = self
            .credentials
            .credential_for(&state.domain)
            .await
            .with_context(|| format!("looking up credentials for {}", state.domain))?;
        let mut auth = state.auth.lock().await;
        match request {
            AuthRequest::Bearer { realm, service, .. } => {
                let (value, lifetime) = match &credential {
                    Some(Credential::RegistryToken(token)) => {
                        (token.clone(), REGISTRY_TOKEN_LIFETIME)
                    }
                    _ => {
                        let token = self
                            .bearer(&realm, service.as_deref(), scope, credential.as_ref())
                            .await?;
                        (token.value, token.expires_in)
                    }
                };
                let value = authorization("Bearer", value.expose())?;
                auth.tokens.insert(
                    scope.to_string(),
                    (value.clone(), Instant::now() + lifetime),
                );
                Ok(value)
            }
            AuthRequest::Basic => {
                let value = self.basic(state, credential.as_ref())?;
                auth.basic = Some(value.clone());
                Ok(value)
            }
        }
    }

    async fn bearer(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        credential: Option<&Credential>,
    ) -> anyhow::Result<token::Token> {
        let scopes = [scope.to_string()];
        let request = TokenRequest {
            realm,
            service,
            scopes: &scopes,
            credential,
        };
        token::fetch(&self.http, request).await
    }

    fn basic(
        &self,
        state: &RegistryState,
        credential: Option<&Credential>,
    ) -> anyhow::Result<Secret> {
        let Some(Credential::Basic { username, password }) = credential else {
            bail!(
                "{} asks for a username and password, and none is configured for {} in {}",
                state.host,
                state.domain,
                self.credentials.path().display()
            );
        };
        let plain_http = state.base.get().is_some_and(|b| b.starts_with("http://"));
        if plain_http && !is_loopback(&state.host) {
            bail!(
                "refusing to send credentials to {} over plain HTTP",
                state.host
            );
        }
        let pair = format!("{username}:{}", password.expose());
        authorization(
            "Basic",
            &base64::engine::general_purpose::STANDARD.encode(pair),
        )
    }
}

/// An `Authorization` value, refused when a token holds bytes a header cannot.
fn authorization(scheme: &str, credentials: &str) -> anyhow::Result<Secret> {
    let value = format!("{scheme} {credentials}");
    if HeaderValue::from_str(&value).is_err() {
        bail!("the {scheme} credential holds characters not allowed in an HTTP header");
    }
    Ok(Secret::new(value))
}
