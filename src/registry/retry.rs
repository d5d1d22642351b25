//! When and how long to wait before sending a request again: which answers
//! and errors are worth a retry (429, 408, 500/502/503/504, connections
//! that failed or broke), exponential backoff with full jitter, and a
//! server's `Retry-After` (seconds or an HTTP date), capped. Pure: the
//! clock and the randomness come in as arguments.

use std::time::{Duration, SystemTime};

/// The first backoff step; each retry doubles it.
const BASE_DELAY: Duration = Duration::from_millis(250);
/// The longest backoff step.
const MAX_DELAY: Duration = Duration::from_secs(8);
/// The longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Statuses that say "try again": timeouts, rate limits, server trouble.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Transport errors that may pass: a connection refused, reset or closed
/// before the answer. A request that timed out is not retried, so
/// `--timeout` bounds how long a stalled server holds a reference up.
/// TLS failures (an unknown CA, say) are not passing either.
pub fn retryable_error(err: &reqwest::Error) -> bool {
    let transport = err.is_connect() || err.is_request() || err.is_body();
    transport && !err.is_timeout() && super::transport::tls_error(err).is_none()
}

/// How long to wait before retry number `attempt` (0 for the first retry):
/// the server's `Retry-After` when it gave one (capped), else a random
/// share (`jitter` in 0..=1) of an exponentially growing step.
pub fn delay(attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
    if let Some(wait) = retry_after {
        return wait.min(MAX_RETRY_AFTER);
    }
    let step = BASE_DELAY
        .saturating_mul(2u32.saturating_pow(attempt))
        .min(MAX_DELAY);
    step.mul_f64(jitter.clamp(0.0, 1.0))
}

/// The longest the retries may wait in all, so a rate limit that resets
/// later is not worth them.
pub fn patience(retries: u32) -> Duration {
    MAX_RETRY_AFTER.saturating_mul(retries)
}

/// Reads `Retry-After`: delay-seconds or an HTTP date (a date in the past
/// means now).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A number in 0..=1 that differs from call to call, for jitter.
pub fn jitter() -> f64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos().into()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_statuses_are_retried() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 405, 501, 505] {
            assert!(!retryable_status(s), "{s}");
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        assert_eq!(delay(0, None, 1.0), Duration::from_millis(250));
        assert_eq!(delay(2, None, 1.0), Duration::from_secs(1));
        assert_eq!(delay(30, None, 1.0), MAX_DELAY);
        assert_eq!(delay(3, None, 0.5), Duration::from_secs(1));
        assert_eq!(delay(3, None, 0.0), Duration::ZERO);
        assert_eq!(
            delay(0, Some(Duration::from_secs(2)), 0.1),
            Duration::from_secs(2)
        );
        assert_eq!(
            delay(0, Some(Duration::from_secs(3600)), 0.1),
            MAX_RETRY_AFTER
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn jitter_is_a_fraction() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..=1.0).contains(&j));
        }
    }
}
