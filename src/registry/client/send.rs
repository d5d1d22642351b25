//! Sending one request to a registry: over the scheme it answers on (HTTPS,
//! or plain HTTP for loopback and `--insecure` when the peer does not speak
//! TLS), with the manifest `Accept` list and any `Authorization`, and again
//! after passing faults as `retry` decides, saying so with `-v`.

use super::{Client, RegistryState};
use crate::console::say;
use crate::registry::rate_limit::RateLimit;
use crate::registry::request_error::RequestError;
use crate::registry::retry;
use crate::registry::transport::{causes, is_loopback, may_fall_back_to_http, tls_error};
use crate::secret::Secret;
use reqwest::header::{HeaderValue, ACCEPT as ACCEPT_HEADER, AUTHORIZATION, RETRY_AFTER};
use reqwest::Method;
use std::time::{Duration, Instant, SystemTime};

impl Client {
    /// Whether the registry may be reached over plain HTTP when HTTPS fails.
    fn http_allowed(&self, state: &RegistryState) -> bool {
        self.insecure || state.insecure || is_loopback(&state.host)
    }

    /// Sends a request, again after a passing fault (see `retry`), waiting
    /// as `Retry-After` or the backoff says; the last answer or error is
    /// returned.
    pub(super) async fn send(
        &self,
        state: &RegistryState,
        method: &Method,
        path: &str,
        accept: Option<&str>,
        auth: Option<&Secret>,
    ) -> Result<reqwest::Response, RequestError> {
        let what = format!("{}: {method} {path}", state.host);
        let once = || self.send_once(state, method, path, accept, auth);
        let patience = retry::patience(self.retries);
        let worth =
            |result: &Result<reqwest::Response, RequestError>| worth_retrying(result, patience);
        self.retrying(&what, once, worth).await
    }

    /// Runs `once` until `worth` finds nothing to retry or the retries are
    /// spent, waiting between tries; returns the last result.
    pub(super) async fn retrying<T, Fut>(
        &self,
        what: &str,
        mut once: impl FnMut() -> Fut,
        worth: impl Fn(&Result<T, RequestError>) -> Option<Retry>,
    ) -> Result<T, RequestError>
    where
        Fut: std::future::Future<Output = Result<T, RequestError>>,
    {
        let mut attempt = 0;
        loop {
            let result = once().await;
            let Some(retry) = worth(&result).filter(|_| attempt < self.retries) else {
                return result;
            };
            let wait = retry::delay(attempt, retry.after, retry::jitter());
            attempt += 1;
            if self.verbose {
                let secs = wait.as_secs_f64();
                let (why, of) = (&retry.why, self.retries);
                say(
                    "-v",
                    &format!("{what}: {why}; retry {attempt} of {of} in {secs:.1}s"),
                );
            }
            tokio::time::sleep(wait).await;
        }
    }

    async fn send_once(
        &self,
        state: &RegistryState,
        method: &Method,
        path: &str,
        accept: Option<&str>,
        auth: Option<&Secret>,
    ) -> Result<reqwest::Response, RequestError> {
        let http = self.transport.http_for(&state.host, state.insecure)?;
        let send = |base: String| self.send_to(&http, base, method, path, accept, auth);
        if let Some(base) = state.base.get() {
            return send(base.clone())
                .await
                .map_err(|e| explain(e, &state.host));
        }
        let plain = format!("http://{}", state.host);
        // The cache says HTTPS failed here before: plain HTTP first, and
        // the usual order if that fails now.
        if self.http_allowed(state) && self.cached_plain_http(state) {
            if let Ok(response) = send(plain.clone()).await {
                let _ = state.base.set(plain);
                return Ok(response);
            }
        }
        let https = format!("https://{}", state.host);
        match send(https.clone()).await {
            Ok(response) => {
                let _ = state.base.set(https);
                Ok(response)
            }
            Err(e) if self.http_allowed(state) && may_fall_back_to_http(&e, &state.host) => {
                let sent = send(plain.clone()).await;
                let response = sent.map_err(|e| {
                    let connect = e.is_connect();
                    let e = RequestError::Transport(e);
                    if connect {
                        e.context(format!(
                            "cannot reach {} over HTTPS or plain HTTP",
                            state.host
                        ))
                    } else {
                        e
                    }
                })?;
                let _ = state.base.set(plain);
                self.remember_plain_http(state);
                Ok(response)
            }
            Err(e) => Err(explain(e, &state.host)),
        }
    }

    async fn send_to(
        &self,
        http: &reqwest::Client,
        base: String,
        method: &Method,
        path: &str,
        accept: Option<&str>,
        auth: Option<&Secret>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let url = format!("{base}{path}");
        let mut request = http.request(method.clone(), &url);
        if let Some(accept) = accept {
            request = request.header(ACCEPT_HEADER, accept);
        }
        // `authorization` checked every value it stored, so this always holds.
        if let Some(Ok(mut value)) = auth.map(|a| HeaderValue::from_str(a.expose())) {
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        let started = Instant::now();
        let result = request.send().await;
        self.count(&result);
        if self.verbose {
            trace(method, &url, auth, &result, started.elapsed());
        }
        result
    }
}

impl Client {
    /// GETs `url` as it is, outside the registry API (Docker Hub's own tag
    /// API): no registry credentials, the usual TLS settings, retries and
    /// `-v` lines.
    pub async fn get_url(&self, url: &reqwest::Url) -> Result<reqwest::Response, RequestError> {
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            (None, _) => String::new(),
        };
        let http = self.transport.http_for(&host, false)?;
        let once = || async {
            let started = Instant::now();
            let request = http
                .get(url.clone())
                .header(ACCEPT_HEADER, "application/json");
            let result = request.send().await;
            self.count(&result);
            if self.verbose {
                trace(&Method::GET, url.as_str(), None, &result, started.elapsed());
            }
            result.map_err(RequestError::Transport)
        };
        let patience = retry::patience(self.retries);
        let worth =
            |result: &Result<reqwest::Response, RequestError>| worth_retrying(result, patience);
        self.retrying(&format!("GET {url}"), once, worth).await
    }

    /// Counts a request sent and keeps the rate limit it reports.
    fn count(&self, result: &Result<reqwest::Response, reqwest::Error>) {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let remaining = result.as_ref().ok().and_then(|r| {
            let value = r.headers().get("ratelimit-remaining")?;
            value.to_str().ok().map(str::to_string)
        });
        if let Some(value) = remaining {
            *self.remaining.lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
        }
    }
}

/// Why a result deserves another try, and how long the server asked to wait.
pub(super) struct Retry {
    pub after: Option<Duration>,
    pub why: String,
}

/// Whether an answer or error deserves another try; `None` when final.
fn worth_retrying(
    result: &Result<reqwest::Response, RequestError>,
    patience: Duration,
) -> Option<Retry> {
    match result {
        Ok(response) if rate_limit_outlasts(response, patience) => None,
        Ok(response) if retry::retryable_status(response.status().as_u16()) => {
            let after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
            let why = response.status().to_string();
            Some(Retry { after, why })
        }
        Ok(_) => None,
        Err(e) => {
            let cause = e.transport()?;
            let why = e.to_string();
            retry::retryable_error(cause).then_some(Retry { after: None, why })
        }
    }
}

/// A 429 saying nothing remains until after the retries would have given
/// up: it fails at once.
fn rate_limit_outlasts(response: &reqwest::Response, patience: Duration) -> bool {
    response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS
        && RateLimit::from_headers(response.headers(), SystemTime::now())
            .is_some_and(|r| r.exhausted_beyond(patience))
}

/// `-v`: one request on stderr, its `Authorization` named but never shown.
fn trace(
    method: &Method,
    url: &str,
    auth: Option<&Secret>,
    result: &Result<reqwest::Response, reqwest::Error>,
    took: Duration,
) {
    let ms = took.as_millis();
    let auth = match auth.and_then(|a| a.expose().split(' ').next()) {
        Some(scheme) => format!("Authorization: {scheme} <redacted>"),
        None => "no Authorization".to_string(),
    };
    let outcome = match result {
        Ok(response) => {
            let limit = response
                .headers()
                .get("ratelimit-remaining")
                .and_then(|v| v.to_str().ok())
                .map(|v| format!("; RateLimit-Remaining: {v}"))
                .unwrap_or_default();
            format!("{} {:?}{limit}", response.status(), response.version())
        }
        Err(e) => format!("error: {e}"),
    };
    say(
        "-v",
        &format!("{method} {url}: {outcome} in {ms} ms ({auth})"),
    );
}

/// The transport error, with a word on what to do when the server refused
/// the handshake over the (missing) client certificate.
fn explain(e: reqwest::Error, host: &str) -> RequestError {
    use rustls::AlertDescription::{BadCertificate, CertificateRequired};
    let typed = matches!(
        tls_error(&e),
        Some(rustls::Error::AlertReceived(
            BadCertificate | CertificateRequired
        ))
    );
    // Over HTTP/2 the alert reaches us through h2, whose error chain skips
    // the TLS error itself; its text is still there.
    let text: Vec<String> = causes(&e).map(|c| c.to_string()).collect();
    let text = text.join(": ");
    let e = RequestError::Transport(e);
    let said = ["alert: BadCertificate", "alert: CertificateRequired"];
    let refused = typed || said.iter().any(|s| text.contains(s));
    if refused {
        e.context(format!(
            "{host} refused the TLS client certificate, or wants one: \
             put client.cert and client.key in certs.d/{host}/"
        ))
    } else {
        e
    }
}
