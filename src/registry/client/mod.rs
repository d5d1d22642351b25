//! The registry client: one shared HTTP client plus, per registry, the
//! scheme it answers on and the credentials it has accepted. A request is
//! sent with what is known; a 401 is answered once by reading the
//! challenge, getting a Bearer token (or using Basic credentials), and
//! sending again. When a run plans several repositories on one registry,
//! `/v2/` is asked for the challenge first and one token is requested for
//! all their scopes. Authorization goes only to the registry's own host and
//! its token realm, and Basic credentials never over plain HTTP to a host
//! that is not this machine. Mirror routing and per-registry state are
//! here; sending and retries in `send`, the challenge answered in `auth`,
//! the token request in `token`.

mod auth;
mod send;
mod token;
mod warm;

use auth::challenge_of;
pub use token::TokenRefused;

use super::auth_cache::AuthCache;
use super::disk_cache::entry::Entry;
use super::disk_cache::DiskCache;
use super::request_error::RequestError;
use super::transport::{self, Transport, TransportOptions};
use crate::credentials::CredentialStore;
use crate::digest::Digest;
use crate::media_type::ACCEPT;
use crate::reference::Reference;
use crate::registries_conf::RegistriesConf;
use reqwest::Method;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Talks to any number of registries over shared HTTP clients.
pub struct Client {
    transport: Transport,
    credentials: CredentialStore,
    conf: RegistriesConf,
    insecure: bool,
    retries: u32,
    verbose: bool,
    registries: Mutex<HashMap<String, Arc<RegistryState>>>,
    /// The cache runs share, unless it is off or unusable.
    disk: Option<DiskCache>,
    /// Requests sent (`-v` says how many a run took).
    sent: std::sync::atomic::AtomicU64,
    /// The last `RateLimit-Remaining` heard.
    remaining: Mutex<Option<String>>,
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
    /// What the shared cache held for this registry when first asked.
    disk_entry: std::sync::OnceLock<Entry>,
    /// This run wrote the registry's challenge to the cache already.
    challenge_kept: AtomicBool,
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
            disk: None,
            sent: Default::default(),
            remaining: Mutex::new(None),
        })
    }

    /// Uses `disk` as the cache shared with other runs.
    pub fn with_disk_cache(mut self, disk: Option<DiskCache>) -> Self {
        self.disk = disk;
        self
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
    ) -> Result<reqwest::Response, RequestError> {
        let tail = format!("manifests/{target}");
        self.request(reference, method, &tail, Some(&ACCEPT)).await
    }

    /// GETs `/v2/<repository>/blobs/<digest>`, authenticating on a 401.
    pub async fn blob(
        &self,
        reference: &Reference,
        digest: &Digest,
    ) -> Result<reqwest::Response, RequestError> {
        let tail = format!("blobs/{digest}");
        self.request(reference, Method::GET, &tail, None).await
    }

    /// GETs `/v2/<repository>/<tail>` for the referrers API, where `tail`
    /// is `referrers/<digest>[?query]` (a first page or a `Link`'s next),
    /// asking for an OCI index.
    pub async fn referrers(
        &self,
        reference: &Reference,
        tail: &str,
    ) -> Result<reqwest::Response, RequestError> {
        let accept = crate::media_type::OCI_INDEX;
        self.request(reference, Method::GET, tail, Some(accept))
            .await
    }

    /// GETs `/v2/<repository>/<tail>` for the tag list, where `tail` is
    /// `tags/list?n=…[&last=…]` (a first page or the next one).
    pub async fn tag_list(
        &self,
        reference: &Reference,
        tail: &str,
    ) -> Result<reqwest::Response, RequestError> {
        self.request(reference, Method::GET, tail, Some("application/json"))
            .await
    }

    /// How many requests this client has sent, retries included, and the
    /// last `RateLimit-Remaining` a registry answered with.
    pub fn requests_made(&self) -> (u64, Option<String>) {
        let sent = self.sent.load(std::sync::atomic::Ordering::Relaxed);
        let remaining = self.remaining.lock().unwrap_or_else(|p| p.into_inner());
        (sent, remaining.clone())
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
    ) -> Result<reqwest::Response, RequestError> {
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
                    self.say(&format!("mirror {at}: {e}; trying the next"));
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
    ) -> Result<reqwest::Response, RequestError> {
        let state = self.state(reference.domain(), insecure);
        let scope = pull_scope(reference);
        self.ping(&state, &scope).await?;
        let path = format!("/v2/{}/{tail}", reference.path());
        let mut sent = state.cache().header_for(&scope, Instant::now());
        if sent.is_none() {
            sent = self.warm_start(&state, &scope).await;
        }
        let response = self
            .send(&state, method, &path, accept, sent.as_ref())
            .await?;
        let Some(challenge) = challenge_of(&state, &response)? else {
            return Ok(response);
        };
        self.remember_challenge(&state, &challenge);
        if let Some(refused) = &sent {
            self.forget_token(&state, refused);
        }
        let auth = self
            .authenticate(&state, &challenge, &scope, sent.as_ref())
            .await?;
        self.send(&state, method, &path, accept, Some(&auth)).await
    }

    /// A line on stderr with `-v`.
    fn say(&self, what: &str) {
        if self.verbose {
            crate::console::say("-v", what);
        }
    }

    /// For a registry with several planned references: one `GET /v2/`
    /// learns the scheme and the challenge, and the first token is asked for
    /// all of their scopes before any manifest request goes out, so none is
    /// sent only to be refused.
    async fn ping(&self, state: &RegistryState, scope: &str) -> Result<(), RequestError> {
        if state.cache().planned_references() < 2 {
            return Ok(());
        }
        let init = || async {
            let response = self.send(state, &Method::GET, "/v2/", None, None).await?;
            if let Some(challenge) = challenge_of(state, &response)? {
                self.remember_challenge(state, &challenge);
                // A failure here is met again, and reported, by the request itself.
                let _ = self.authenticate(state, &challenge, scope, None).await;
            }
            Ok::<(), RequestError>(())
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
                    disk_entry: std::sync::OnceLock::new(),
                    challenge_kept: AtomicBool::new(false),
                })
            })
            .clone()
    }
}

/// A connection that could not be made or timed out: a mirror down.
fn unreachable(e: &RequestError) -> bool {
    e.transport()
        .is_some_and(|r| r.is_connect() || r.is_timeout())
}
