//! The registry client: one shared HTTP client plus, per registry, the
//! scheme it answers on and the credentials it has accepted. A request is
//! sent with what is known; a 401 is answered once by reading the
//! challenge, getting a Bearer token (or using Basic credentials), and
//! sending again. When a run plans several repositories on one registry,
//! `/v2/` is asked for the challenge first and one token is requested for
//! all their scopes. Authorization goes only to the registry's own host and
//! its token realm, and Basic credentials never over plain HTTP to a host
//! that is not this machine.

mod send;

use super::auth_cache::AuthCache;
use super::error::AuthProblem;
use super::manifest::ACCEPT;
use super::retry;
use super::transport::{self, is_loopback, Transport, TransportOptions};
use crate::auth::challenge::{self, AuthRequest};
use crate::auth::token::{self, TokenRequest};
use crate::credentials::config::Credential;
use crate::credentials::CredentialStore;
use crate::digest::Digest;
use crate::reference::Reference;
use crate::registries_conf::RegistriesConf;
use crate::secret::Secret;
use anyhow::Context as _;
use base64::Engine as _;
use reqwest::header::{HeaderValue, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a `registrytoken` from the config is reused: it has no expiry
/// of its own, and a 401 replaces it anyway.
const REGISTRY_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Talks to any number of registries over shared HTTP clients.
pub struct Client {
    transport: Transport,
    credentials: CredentialStore,
    conf: RegistriesConf,
    insecure: bool,
    retries: u32,
    verbose: bool,
    registries: Mutex<HashMap<String, Arc<RegistryState>>>,
}

/// What is known about one registry.
struct RegistryState {
    /// The domain as written in references, the key for credentials.
    domain: String,
    /// The host[:port] requests go to.
    host: String,
    /// registries.conf allows plain HTTP and unverified TLS here.
    insecure: bool,
    /// `-v` said where this registry's credentials come from.
    said_credentials: AtomicBool,
    /// A mirror that could not be reached: skipped for the rest of the run.
    unreachable: std::sync::OnceLock<()>,
    /// `https://host` or, after a fallback, `http://host`.
    base: tokio::sync::OnceCell<String>,
    /// Set once `/v2/` was asked for its challenge (runs with several
    /// repositories on this registry only).
    pinged: tokio::sync::OnceCell<()>,
    cache: Mutex<AuthCache>,
    /// Held while a token or credential is being fetched, so concurrent
    /// requests wait for one answer instead of each asking.
    fetching: tokio::sync::Mutex<()>,
}

impl RegistryState {
    fn cache(&self) -> std::sync::MutexGuard<'_, AuthCache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn pull_scope(reference: &Reference) -> String {
    format!("repository:{}:pull", reference.path())
}

impl Client {
    pub fn new(
        opts: &TransportOptions,
        credentials: CredentialStore,
        conf: RegistriesConf,
    ) -> anyhow::Result<Self> {
        Ok(Client {
            transport: Transport::new(opts)?,
            credentials,
            conf,
            insecure: opts.insecure,
            retries: opts.retries,
            verbose: opts.verbose,
            registries: Mutex::new(HashMap::new()),
        })
    }

    /// Tells the client a reference the run will resolve. When one registry
    /// gets several references, its challenge is read once from `/v2/` and
    /// one token is asked for all of their scopes.
    pub fn plan(&self, reference: &Reference) {
        for endpoint in self.conf.endpoints(reference).unwrap_or_default() {
            let state = self.state(endpoint.reference.domain(), endpoint.insecure);
            state.cache().plan(&pull_scope(&endpoint.reference));
        }
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
        let tail = format!("manifests/{target}");
        self.request(reference, method, &tail, Some(ACCEPT)).await
    }

    /// GETs `/v2/<repository>/blobs/<digest>`, authenticating on a 401.
    pub async fn blob(
        &self,
        reference: &Reference,
        digest: &Digest,
    ) -> anyhow::Result<reqwest::Response> {
        let tail = format!("blobs/{digest}");
        self.request(reference, Method::GET, &tail, None).await
    }

    /// Sends the request to each endpoint registries.conf gives for the
    /// reference: a mirror's success is the answer, anything else from a
    /// mirror moves on to the next; the primary's answer is final.
    async fn request(
        &self,
        reference: &Reference,
        method: Method,
        tail: &str,
        accept: Option<&str>,
    ) -> anyhow::Result<reqwest::Response> {
        let endpoints = self.conf.endpoints(reference)?;
        let Some((primary, mirrors)) = endpoints.split_last() else {
            let e = anyhow::anyhow!("registries.conf gives no location for {reference}");
            return Err(crate::local_config::ConfigError(e).into());
        };
        for mirror in mirrors {
            let at = &mirror.reference;
            let state = self.state(at.domain(), mirror.insecure);
            if state.unreachable.get().is_some() {
                continue;
            }
            let answer = self.request_at(at, mirror.insecure, &method, tail, accept);
            match answer.await {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let status = response.status();
                    self.say(&format!("mirror {at}: {status}; trying the next"));
                }
                Err(e) => {
                    if unreachable(&e) {
                        let _ = state.unreachable.set(());
                    }
                    self.say(&format!(
                        "mirror {at}: {}; trying the next",
                        crate::report::message(&e)
                    ));
                }
            }
        }
        let at = &primary.reference;
        self.request_at(at, primary.insecure, &method, tail, accept)
            .await
    }

    async fn request_at(
        &self,
        reference: &Reference,
        insecure: bool,
        method: &Method,
        tail: &str,
        accept: Option<&str>,
    ) -> anyhow::Result<reqwest::Response> {
        let state = self.state(reference.domain(), insecure);
        let scope = pull_scope(reference);
        self.ping(&state, &scope).await?;
        let path = format!("/v2/{}/{tail}", reference.path());
        let sent = state.cache().header_for(&scope, Instant::now());
        let response = self
            .send(&state, method, &path, accept, sent.as_ref())
            .await?;
        let Some(challenge) = challenge_of(&state, &response)? else {
            return Ok(response);
        };
        let auth = self
            .authenticate(&state, &challenge, &scope, sent.as_ref())
            .await?;
        self.send(&state, method, &path, accept, Some(&auth)).await
    }

    /// A line on stderr with `-v`.
    fn say(&self, what: &str) {
        if self.verbose {
            eprintln!("ddigest: -v: {what}");
        }
    }

    /// For a registry with several planned references: one `GET /v2/`
    /// learns the scheme and the challenge, and the first token is asked for
    /// all of their scopes before any manifest request goes out, so none is
    /// sent only to be refused.
    async fn ping(&self, state: &RegistryState, scope: &str) -> anyhow::Result<()> {
        if state.cache().planned_references() < 2 {
            return Ok(());
        }
        let init = || async {
            let response = self.send(state, &Method::GET, "/v2/", None, None).await?;
            if let Some(challenge) = challenge_of(state, &response)? {
                // A failure here is met again, and reported, by the request itself.
                let _ = self.authenticate(state, &challenge, scope, None).await;
            }
            anyhow::Ok(())
        };
        state.pinged.get_or_try_init(init).await?;
        Ok(())
    }

    fn state(&self, domain: &str, insecure: bool) -> Arc<RegistryState> {
        let mut map = self.registries.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(domain.to_string())
            .or_insert_with(|| {
                Arc::new(RegistryState {
                    domain: domain.to_string(),
                    host: transport::api_host(domain).to_string(),
                    insecure,
                    said_credentials: AtomicBool::new(false),
                    unreachable: std::sync::OnceLock::new(),
                    base: tokio::sync::OnceCell::new(),
                    pinged: tokio::sync::OnceCell::new(),
                    cache: Mutex::new(AuthCache::default()),
                    fetching: tokio::sync::Mutex::new(()),
                })
            })
            .clone()
    }

    /// Answers a challenge for `scope` and remembers the result. `rejected`
    /// is what the registry just refused: a value other requests stored
    /// meanwhile is used instead of fetching again, and a refused token that
    /// was shared by several scopes is replaced by one for `scope` alone.
    async fn authenticate(
        &self,
        state: &RegistryState,
        header: &str,
        scope: &str,
        rejected: Option<&Secret>,
    ) -> anyhow::Result<Secret> {
        let request = challenge::auth_request(header)
            .with_context(|| format!("{} sent an unusable WWW-Authenticate header", state.host))?;
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
    ) -> anyhow::Result<Secret> {
        if scopes.len() > 1 {
            if let Ok(token) = self.fetch_token(realm, &scopes).await {
                let granted = token::granted_scopes(token.value.expose(), &scopes);
                let granted = granted.unwrap_or_else(|| vec![true; scopes.len()]);
                let value = authorization("Bearer", token.value.expose())?;
                let mut cache = state.cache();
                let ok: Vec<&str> = zip_granted(&scopes, &granted, true);
                cache.insert(&ok, &value, token.expires_in, Instant::now());
                for refused in zip_granted(&scopes, &granted, false) {
                    cache.mark_refused(refused);
                }
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
        Ok(value)
    }

    async fn fetch_token(
        &self,
        realm: &Realm<'_>,
        scopes: &[String],
    ) -> anyhow::Result<token::Token> {
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
    ) -> anyhow::Result<token::Token> {
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
            Err(e) => self.say(&format!("{what}: {} in {ms} ms", crate::report::message(e))),
        }
        result
    }

    fn basic(
        &self,
        state: &RegistryState,
        credential: Option<&Credential>,
    ) -> anyhow::Result<Secret> {
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

/// A connection that could not be made or timed out: a mirror down.
fn unreachable(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<reqwest::Error>())
        .any(|r| r.is_connect() || r.is_timeout())
}

/// A token request that failed for a passing reason (the token server's
/// 429/5xx, a broken connection).
fn token_worth_retrying(result: &anyhow::Result<token::Token>) -> Option<send::Retry> {
    let e = result.as_ref().err()?;
    let passing = e.chain().any(|c| {
        c.downcast_ref::<token::TokenRefused>()
            .is_some_and(|r| retry::retryable_status(r.0.status))
            || c.downcast_ref::<reqwest::Error>()
                .is_some_and(retry::retryable_error)
    });
    passing.then(|| send::Retry {
        after: None,
        why: format!("{e:#}"),
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
fn challenge_of(
    state: &RegistryState,
    response: &reqwest::Response,
) -> anyhow::Result<Option<String>> {
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
fn authorization(scheme: &str, credentials: &str) -> anyhow::Result<Secret> {
    let value = format!("{scheme} {credentials}");
    if HeaderValue::from_str(&value).is_err() {
        return Err(AuthProblem::BadCredential(scheme.to_string()).into());
    }
    Ok(Secret::new(value))
}
