//! What the cache keeps for one registry, as JSON: the scheme that worked
//! (only a plain-HTTP fallback is worth keeping), the Bearer challenge its
//! `/v2/` sends, and tokens keyed by realm, service, scope and a keyed
//! fingerprint of the credential that obtained them, each with the Unix
//! time it expires. Which token is still good (a margin before expiry),
//! and dropping expired ones (and the oldest past a bound) on write. Pure:
//! a clock is passed in; no I/O. Digests and manifests are never here.

use crate::credentials::config::Credential;
use ring::hmac;
use serde::{Deserialize, Serialize};

/// Most tokens kept per registry; the soonest to expire go first.
pub const MAX_TOKENS: usize = 64;
/// A token is not used in its last tenth of life, nor in its last
/// `MARGIN_SECS`, whichever is shorter, so it does not die in flight.
const MARGIN_SECS: f64 = 10.0;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub version: u32,
    /// `http` when the registry answered only over plain HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// The `WWW-Authenticate` header of a Bearer challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    #[serde(default)]
    pub tokens: Vec<CachedToken>,
}

pub const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CachedToken {
    pub realm: String,
    pub service: String,
    pub scope: String,
    /// Hex HMAC of the credential (or of "anonymous"), never the credential.
    pub credential: String,
    /// The `Authorization` value: `Bearer …`.
    pub value: String,
    /// When it was granted and when it expires, Unix seconds.
    pub granted_at: f64,
    pub expires_at: f64,
}

impl CachedToken {
    /// Still good at `now`, short of the margin.
    pub fn live(&self, now: f64) -> bool {
        let life = (self.expires_at - self.granted_at).max(0.0);
        now < self.expires_at - MARGIN_SECS.min(life / 10.0)
    }
}

/// What a token is for: realm, service, scope and who asked.
#[derive(Clone, Copy, Debug)]
pub struct TokenKey<'a> {
    pub realm: &'a str,
    pub service: &'a str,
    pub scope: &'a str,
    pub credential: &'a str,
}

impl Entry {
    /// Reads an entry; anything unreadable, or of another version, is none.
    pub fn parse(bytes: &[u8]) -> Option<Entry> {
        serde_json::from_slice::<Entry>(bytes)
            .ok()
            .filter(|e| e.version == VERSION)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The live token for `key`, and how many seconds it has left.
    pub fn token(&self, key: TokenKey<'_>, now: f64) -> Option<(&str, f64)> {
        self.tokens
            .iter()
            .filter(|t| t.matches(key) && t.live(now))
            .max_by(|a, b| a.expires_at.total_cmp(&b.expires_at))
            .map(|t| (t.value.as_str(), t.expires_at - now))
    }

    /// Stores a token for `key` (replacing any for the same key), then
    /// drops the expired ones and the soonest to expire past `MAX_TOKENS`.
    pub fn insert(&mut self, key: TokenKey<'_>, value: &str, lifetime: f64, now: f64) {
        self.tokens.retain(|t| !t.matches(key) && t.live(now));
        self.tokens.push(CachedToken {
            realm: key.realm.to_string(),
            service: key.service.to_string(),
            scope: key.scope.to_string(),
            credential: key.credential.to_string(),
            value: value.to_string(),
            granted_at: now,
            expires_at: now + lifetime,
        });
        if self.tokens.len() > MAX_TOKENS {
            self.tokens
                .sort_by(|a, b| b.expires_at.total_cmp(&a.expires_at));
            self.tokens.truncate(MAX_TOKENS);
        }
    }

    /// Forgets a token the registry refused.
    pub fn forget(&mut self, value: &str) {
        self.tokens.retain(|t| t.value != value);
    }
}

impl CachedToken {
    fn matches(&self, key: TokenKey<'_>) -> bool {
        self.realm == key.realm
            && self.service == key.service
            && self.scope == key.scope
            && self.credential == key.credential
    }
}

/// The keyed fingerprint of a credential: HMAC-SHA256 under the cache's
/// own random key, so the file says which credential a token belongs to
/// without holding anything that would help guess it.
pub fn fingerprint(key: &[u8], credential: Option<&Credential>) -> String {
    let mut material: Vec<u8> = Vec::new();
    match credential {
        None => material.extend_from_slice(b"anonymous"),
        Some(Credential::Basic { username, password }) => {
            for part in [
                b"basic".as_slice(),
                username.as_bytes(),
                password.expose().as_bytes(),
            ] {
                material.extend_from_slice(&(part.len() as u64).to_be_bytes());
                material.extend_from_slice(part);
            }
        }
        Some(Credential::IdentityToken(t)) => {
            material.extend_from_slice(b"identity\0");
            material.extend_from_slice(t.expose().as_bytes());
        }
        Some(Credential::RegistryToken(t)) => {
            material.extend_from_slice(b"registry\0");
            material.extend_from_slice(t.expose().as_bytes());
        }
    }
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), &material);
    hex::encode(tag.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn key<'a>(scope: &'a str, credential: &'a str) -> TokenKey<'a> {
        TokenKey {
            realm: "https://auth/token",
            service: "reg",
            scope,
            credential,
        }
    }

    #[test]
    fn tokens_are_used_short_of_their_margin_and_by_their_whole_key() {
        let mut e = Entry {
            version: VERSION,
            ..Entry::default()
        };
        e.insert(key("repository:a:pull", "me"), "Bearer A", 60.0, 1000.0);
        assert_eq!(
            e.token(key("repository:a:pull", "me"), 1050.0),
            Some(("Bearer A", 10.0))
        );
        // The last tenth of a 60 s life (6 s) is not used.
        assert_eq!(e.token(key("repository:a:pull", "me"), 1054.5), None);
        assert_eq!(e.token(key("repository:a:pull", "you"), 1001.0), None);
        assert_eq!(e.token(key("repository:b:pull", "me"), 1001.0), None);
        e.forget("Bearer A");
        assert!(e.tokens.is_empty());
    }

    #[test]
    fn writes_drop_expired_and_bound_the_rest() {
        let mut e = Entry::default();
        e.insert(key("old", "me"), "Bearer old", 60.0, 0.0);
        e.insert(key("new", "me"), "Bearer new", 60.0, 100.0);
        assert_eq!(e.tokens.len(), 1, "the expired token is dropped");
        for i in 0..(MAX_TOKENS + 10) {
            e.insert(
                key(&format!("s{i}"), "me"),
                "Bearer x",
                300.0 + i as f64,
                100.0,
            );
        }
        assert_eq!(e.tokens.len(), MAX_TOKENS);
        assert!(e.tokens.iter().all(|t| t.scope != "new" && t.scope != "s0"));
    }

    #[test]
    fn parse_refuses_garbage_and_other_versions() {
        assert_eq!(Entry::parse(b"\x00garbage"), None);
        assert_eq!(Entry::parse(br#"{"version":99,"tokens":[]}"#), None);
        let e = Entry {
            version: VERSION,
            scheme: Some("http".into()),
            ..Entry::default()
        };
        assert_eq!(Entry::parse(&e.to_bytes()), Some(e));
    }

    #[test]
    fn fingerprints_are_keyed_and_tell_credentials_apart() {
        let basic = |user: &str, pass: &str| Credential::Basic {
            username: user.into(),
            password: Secret::new(pass.to_string()),
        };
        let a = fingerprint(b"k1", Some(&basic("u", "p")));
        assert_eq!(a.len(), 64);
        assert_ne!(a, fingerprint(b"k2", Some(&basic("u", "p"))));
        assert_ne!(a, fingerprint(b"k1", Some(&basic("u", "q"))));
        assert_ne!(a, fingerprint(b"k1", Some(&basic("up", ""))));
        assert_ne!(a, fingerprint(b"k1", None));
    }
}
