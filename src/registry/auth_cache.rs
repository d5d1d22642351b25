//! What one registry has granted: a Basic `Authorization` value good for
//! every repository, and Bearer tokens keyed by scope with the expiry their
//! `expires_in` gave. It also knows which scopes the current run will need
//! (the batch's repositories), so one token request can carry many scopes.
//! Pure bookkeeping over a clock passed in; no I/O.

use crate::secret::Secret;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Most scopes asked for in one token request, so its URL stays short.
pub const MAX_SCOPES_PER_TOKEN: usize = 32;

/// A token is dropped this long before it expires (at most a tenth of its
/// life), so it does not die in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct AuthCache {
    basic: Option<Secret>,
    tokens: HashMap<String, Cached>,
    /// Pull scopes the run will ask for, in first-seen order.
    planned: Vec<String>,
    /// How many references the run will resolve here.
    planned_references: usize,
    /// Scopes a token server granted less than asked: asked alone from now on.
    refused: HashSet<String>,
}

struct Cached {
    value: Secret,
    expiry: Instant,
    /// The token was granted for several scopes at once.
    shared: bool,
}

impl AuthCache {
    /// Notes a reference the run will resolve, by its scope.
    pub fn plan(&mut self, scope: &str) {
        self.planned_references += 1;
        if !self.planned.iter().any(|s| s == scope) {
            self.planned.push(scope.to_string());
        }
    }

    /// How many references the run will resolve on this registry.
    pub fn planned_references(&self) -> usize {
        self.planned_references
    }

    /// The header to send for `scope`: its live token, else Basic, else none.
    pub fn header_for(&self, scope: &str, now: Instant) -> Option<Secret> {
        match self.tokens.get(scope) {
            Some(c) if now < c.expiry => Some(c.value.clone()),
            _ => self.basic.clone(),
        }
    }

    /// Whether `value` is a token granted for several scopes at once.
    pub fn is_shared(&self, value: &Secret) -> bool {
        self.tokens
            .values()
            .any(|c| c.shared && c.value.expose() == value.expose())
    }

    pub fn set_basic(&mut self, value: Secret) {
        self.basic = Some(value);
    }

    /// Notes that a token server granted less than `scope` asks.
    pub fn mark_refused(&mut self, scope: &str) {
        self.refused.insert(scope.to_string());
    }

    /// The scopes to ask one token for: `scope` first, then planned scopes
    /// that have no live token and were never refused, up to
    /// `MAX_SCOPES_PER_TOKEN`.
    pub fn scopes_to_request(&self, scope: &str, now: Instant) -> Vec<String> {
        let mut wanted = vec![scope.to_string()];
        let missing = self.planned.iter().filter(|s| {
            s.as_str() != scope
                && !self.refused.contains(*s)
                && self.tokens.get(*s).is_none_or(|c| now >= c.expiry)
        });
        wanted.extend(missing.take(MAX_SCOPES_PER_TOKEN - 1).cloned());
        wanted
    }

    /// Stores a token for each scope it was granted.
    pub fn insert(&mut self, scopes: &[&str], value: &Secret, lifetime: Duration, now: Instant) {
        let margin = EXPIRY_MARGIN.min(lifetime / 10);
        let expiry = now + lifetime - margin;
        let shared = scopes.len() > 1;
        for scope in scopes {
            let cached = Cached {
                value: value.clone(),
                expiry,
                shared,
            };
            self.tokens.insert(scope.to_string(), cached);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Secret {
        Secret::new(v.to_string())
    }

    #[test]
    fn tokens_expire_with_a_margin() {
        let now = Instant::now();
        let mut cache = AuthCache::default();
        cache.insert(
            &["repository:a:pull"],
            &s("t"),
            Duration::from_secs(60),
            now,
        );
        let alive = now + Duration::from_secs(53);
        let dead = now + Duration::from_secs(55);
        assert_eq!(
            cache
                .header_for("repository:a:pull", alive)
                .unwrap()
                .expose(),
            "t"
        );
        assert!(cache.header_for("repository:a:pull", dead).is_none());
        cache.set_basic(s("Basic x"));
        assert_eq!(
            cache
                .header_for("repository:a:pull", dead)
                .unwrap()
                .expose(),
            "Basic x"
        );
        assert!(!cache.is_shared(&s("t")));
    }

    #[test]
    fn asks_for_planned_scopes_without_tokens() {
        let now = Instant::now();
        let mut cache = AuthCache::default();
        for scope in [
            "repository:a:pull",
            "repository:b:pull",
            "repository:c:pull",
        ] {
            cache.plan(scope);
        }
        cache.plan("repository:a:pull");
        assert_eq!(cache.planned_references(), 4);
        cache.insert(
            &["repository:b:pull"],
            &s("tb"),
            Duration::from_secs(300),
            now,
        );
        assert_eq!(
            cache.scopes_to_request("repository:c:pull", now),
            vec!["repository:c:pull", "repository:a:pull"]
        );
        cache.insert(
            &["repository:a:pull", "repository:c:pull"],
            &s("shared"),
            Duration::from_secs(300),
            now,
        );
        assert!(cache.is_shared(&s("shared")));
        cache.plan("repository:d:pull");
        cache.plan("repository:e:pull");
        cache.mark_refused("repository:d:pull");
        assert_eq!(
            cache.scopes_to_request("repository:d:pull", now),
            vec!["repository:d:pull", "repository:e:pull"]
        );
        assert_eq!(
            cache.scopes_to_request("repository:e:pull", now),
            vec!["repository:e:pull"]
        );
    }

    #[test]
    fn caps_scopes_per_request() {
        let mut cache = AuthCache::default();
        for i in 0..100 {
            cache.plan(&format!("repository:r{i}:pull"));
        }
        let wanted = cache.scopes_to_request("repository:r50:pull", Instant::now());
        assert_eq!(wanted.len(), MAX_SCOPES_PER_TOKEN);
        assert_eq!(wanted[0], "repository:r50:pull");
    }
}
