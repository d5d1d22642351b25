//! A warm start from the cache runs share (`disk_cache`): before the first
//! request to a registry, a token still good for the same realm, service,
//! scope and credential is sent at once (one round trip); with only the
//! challenge known, the token is fetched while the registry connection is
//! set up. What this run learns (the challenge, tokens, a plain-HTTP
//! fallback) is written back; a cached token the registry refuses is
//! forgotten, and the normal flow answers the 401 as if there were no
//! cache. `-v` says when a cached challenge or token is used, never its
//! value.

use super::{Client, RegistryState};
use crate::auth::challenge::{self, AuthRequest};
use crate::credentials::config::Credential;
use crate::registry::disk_cache::entry::{Entry, TokenKey};
use crate::registry::disk_cache::{now, DiskCache};
use crate::secret::Secret;
use reqwest::Method;
use std::time::{Duration, Instant};

impl Client {
    /// The cache, when this run has one.
    fn disk(&self) -> Option<&DiskCache> {
        self.disk.as_ref()
    }

    /// What the cache holds for this registry, read once per run.
    pub(super) fn cached_entry<'a>(&self, state: &'a RegistryState) -> Option<&'a Entry> {
        let disk = self.disk()?;
        let entry = state.disk_entry.get_or_init(|| disk.load(&state.host));
        Some(entry).filter(|e| *e != &Entry::default())
    }

    /// An `Authorization` for `scope` before any request: a cached token,
    /// or one fetched for the cached challenge while the connection to the
    /// registry is made. `None` leaves it to the usual challenge.
    pub(super) async fn warm_start(&self, state: &RegistryState, scope: &str) -> Option<Secret> {
        let entry = self.cached_entry(state)?;
        let header = entry.challenge.clone()?;
        let AuthRequest::Bearer { realm, service, .. } = challenge::auth_request(&header).ok()?
        else {
            return None;
        };
        let credential = self.credential_for(state).await?;
        if matches!(credential, Some(Credential::RegistryToken(_))) {
            return None;
        }
        let fingerprint = self.disk()?.fingerprint(credential.as_ref());
        let key = TokenKey {
            realm: &realm,
            service: service.as_deref().unwrap_or_default(),
            scope,
            credential: &fingerprint,
        };
        if let Some((value, left)) = entry.token(key, now()) {
            self.say(&format!(
                "{}: cached token for {scope} used ({left:.0} s left)",
                state.host
            ));
            let value = Secret::new(value.to_string());
            let lifetime = Duration::from_secs_f64(left.max(0.0));
            state
                .cache()
                .insert(&[scope], &value, lifetime, Instant::now());
            return Some(value);
        }
        self.say(&format!(
            "{}: cached challenge used: the token is asked for while connecting",
            state.host
        ));
        let connect = self.send(state, &Method::GET, "/v2/", None, None);
        let token = self.authenticate(state, &header, scope, None);
        let (_, token) = tokio::join!(connect, token);
        token.ok()
    }

    /// The credential for the registry; `None` when it cannot be looked up
    /// (the usual flow will say why).
    async fn credential_for(&self, state: &RegistryState) -> Option<Option<Credential>> {
        let found = self.credentials.lookup(&state.domain).await.ok()?;
        Some(found.map(|f| f.credential))
    }

    /// Keeps a Bearer challenge for the next runs.
    pub(super) fn remember_challenge(&self, state: &RegistryState, header: &str) {
        let Some(disk) = self.disk() else { return };
        let bearer = matches!(
            challenge::auth_request(header),
            Ok(AuthRequest::Bearer { .. })
        );
        let known = state
            .disk_entry
            .get()
            .is_some_and(|e| e.challenge.as_deref() == Some(header));
        let kept = state
            .challenge_kept
            .swap(true, std::sync::atomic::Ordering::Relaxed);
        if bearer && !known && !kept {
            disk.update(&state.host, |e| e.challenge = Some(header.to_string()));
        }
    }

    /// Keeps a granted token for the next runs, under each scope it grants.
    pub(super) fn remember_token(
        &self,
        state: &RegistryState,
        realm: (&str, Option<&str>),
        credential: Option<&Credential>,
        scopes: &[&str],
        value: &Secret,
        lifetime: Duration,
    ) {
        let Some(disk) = self.disk() else { return };
        let fingerprint = disk.fingerprint(credential);
        let (now, life) = (now(), lifetime.as_secs_f64());
        disk.update(&state.host, |e| {
            for scope in scopes {
                let key = TokenKey {
                    realm: realm.0,
                    service: realm.1.unwrap_or_default(),
                    scope,
                    credential: &fingerprint,
                };
                e.insert(key, value.expose(), life, now);
            }
        });
    }

    /// Forgets a token the registry refused.
    pub(super) fn forget_token(&self, state: &RegistryState, value: &Secret) {
        if let Some(disk) = self.disk() {
            disk.update(&state.host, |e| e.forget(value.expose()));
        }
    }

    /// Keeps that the registry answers only over plain HTTP.
    pub(super) fn remember_plain_http(&self, state: &RegistryState) {
        let Some(disk) = self.disk() else { return };
        let known = state.disk_entry.get().and_then(|e| e.scheme.as_deref()) == Some("http");
        if !known {
            disk.update(&state.host, |e| e.scheme = Some("http".into()));
        }
    }

    /// The cache says the registry answered only over plain HTTP.
    pub(super) fn cached_plain_http(&self, state: &RegistryState) -> bool {
        self.cached_entry(state)
            .is_some_and(|e| e.scheme.as_deref() == Some("http"))
    }
}
