//! What a registry says of its rate limit, read from an answer's headers:
//! `RateLimit-Limit` and `RateLimit-Remaining` (Docker Hub writes them as
//! `100;w=21600`, a count and a window in seconds), `RateLimit-Reset` and
//! `Retry-After`. Whether a 429 is worth retrying (not when nothing
//! remains and the reset is further away than the retries would wait), and
//! the words a person needs: the limit, what remains, when it resets, and
//! that credentials raise it. Pure: the clock comes in.

use super::retry::parse_retry_after;
use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// The window the limit counts over (`w=`).
    pub window: Option<Duration>,
    /// How long until requests are allowed again.
    pub reset: Option<Duration>,
}

/// `N` or `N;w=SECONDS`: the count and the window.
fn count_and_window(value: &str) -> (Option<u64>, Option<Duration>) {
    let mut parts = value.split(';').map(str::trim);
    let count = parts.next().and_then(|c| c.parse().ok());
    let window = parts
        .filter_map(|p| p.strip_prefix("w="))
        .find_map(|w| w.trim().parse().ok())
        .map(Duration::from_secs);
    (count, window)
}

impl RateLimit {
    /// The limit the headers describe; `None` when they say nothing of one.
    pub fn from_headers(headers: &HeaderMap, now: SystemTime) -> Option<RateLimit> {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let (limit, window) = text("ratelimit-limit").map_or((None, None), count_and_window);
        let (remaining, remaining_window) =
            text("ratelimit-remaining").map_or((None, None), count_and_window);
        let reset = text("ratelimit-reset")
            .and_then(|v| v.trim().parse().ok())
            .map(Duration::from_secs)
            .or_else(|| text("retry-after").and_then(|v| parse_retry_after(v, now)));
        let found = RateLimit {
            limit,
            remaining,
            window: window.or(remaining_window),
            reset,
        };
        (found != RateLimit::default()).then_some(found)
    }

    /// Nothing remains and the reset (or, not knowing it, the window) is
    /// further away than `patience`: retrying would only fail again.
    pub fn exhausted_beyond(&self, patience: Duration) -> bool {
        self.remaining == Some(0) && self.reset.or(self.window).is_some_and(|r| r > patience)
    }

    /// `the limit is 100 requests per 6 h, 0 remain, it resets in 5 h 59 min; credentials raise it`.
    pub fn words(&self) -> String {
        let mut parts = Vec::new();
        match (self.limit, self.window) {
            (Some(limit), Some(window)) => parts.push(format!(
                "the limit is {limit} requests per {}",
                span(window)
            )),
            (Some(limit), None) => parts.push(format!("the limit is {limit} requests")),
            _ => {}
        }
        if let Some(remaining) = self.remaining {
            parts.push(format!("{remaining} remain"));
        }
        match self.reset {
            Some(reset) => parts.push(format!("it resets in {}", span(reset))),
            None if self.window.is_some() => {
                parts.push("it resets within the window (the registry did not say when)".into())
            }
            None => {}
        }
        parts.push(
            "logging in (docker login, --creds) raises it on Docker Hub, or gives your own account's budget"
                .into(),
        );
        format!("rate limited: {}", parts.join(", "))
    }
}

/// `45 s`, `12 min`, `5 h 59 min`.
fn span(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..=119 => format!("{secs} s"),
        120..=3599 => format!("{} min", secs / 60),
        _ if secs % 3600 < 60 => format!("{} h", secs / 3600),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn docker_hub_headers_read() {
        let now = SystemTime::now();
        let h = headers(&[
            ("ratelimit-limit", "100;w=21600"),
            ("ratelimit-remaining", "0;w=21600"),
        ]);
        let r = RateLimit::from_headers(&h, now).unwrap();
        assert_eq!((r.limit, r.remaining), (Some(100), Some(0)));
        assert_eq!(r.window, Some(Duration::from_secs(21600)));
        assert!(r.exhausted_beyond(Duration::from_secs(180)));
        assert!(r.words().starts_with("rate limited: the limit is 100 requests per 6 h, 0 remain, it resets within the window"), "{}", r.words());
        assert!(r.words().contains("--creds"));
        assert_eq!(RateLimit::from_headers(&HeaderMap::new(), now), None);
    }

    #[test]
    fn a_reset_soon_is_worth_waiting_for() {
        let now = SystemTime::now();
        let soon = headers(&[("ratelimit-remaining", "0"), ("retry-after", "2")]);
        let r = RateLimit::from_headers(&soon, now).unwrap();
        assert!(!r.exhausted_beyond(Duration::from_secs(180)));
        let later = headers(&[("ratelimit-remaining", "0"), ("ratelimit-reset", "3540")]);
        let r = RateLimit::from_headers(&later, now).unwrap();
        assert!(r.exhausted_beyond(Duration::from_secs(180)));
        assert!(r.words().contains("it resets in 59 min"), "{}", r.words());
        let left = headers(&[("ratelimit-remaining", "5;w=60"), ("retry-after", "3600")]);
        assert!(!RateLimit::from_headers(&left, now)
            .unwrap()
            .exhausted_beyond(Duration::ZERO));
        assert_eq!(span(Duration::from_secs(21540)), "5 h 59 min");
    }
}
