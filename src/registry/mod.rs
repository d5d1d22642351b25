//! The Registry v2 / OCI Distribution HTTP API: the HTTP transport and its
//! TLS settings, per-registry connection and auth state, manifest requests,
//! and the registry's error bodies.

pub mod auth_cache;
pub mod body;
pub mod certs_d;
pub mod client;
pub mod disk_cache;
pub mod error;
pub mod rate_limit;
pub mod report;
pub mod request_error;
pub mod retry;
pub mod tls;
pub mod transport;

pub use client::Client;
pub use error::{AuthProblem, BodyTooLarge, RegistryError};
pub use request_error::{Context, RequestError};

/// Every value of a response header, joined with `,` as HTTP allows
/// (a `Link` may come in several headers); `None` when it is absent.
pub fn joined_header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}
