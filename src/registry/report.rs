//! Errors put into words a person would use: the causes of an error on one
//! line, joined by `: `, with a transport error said as what happened
//! (`connection refused by 127.0.0.1:5000`, `cannot resolve host
//! registry-1.docker.io`, `TLS: certificate signed by unknown authority`)
//! instead of the HTTP stack's `error sending request for url (…): client
//! error (Connect): …` chain.

use super::transport::{causes, tls_error};
use rustls::CertificateError;
use std::io::ErrorKind;

/// The whole error on one line: each context, then the cause.
pub fn message(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<reqwest::Error>() {
            parts.push(network(e));
            break;
        }
        parts.push(cause.to_string());
    }
    crate::console::join_words(parts)
}

/// A transport error as what happened, naming the host.
pub fn network(e: &reqwest::Error) -> String {
    let host = e.url().map_or_else(|| "the server".to_string(), host_port);
    if let Some(tls) = tls_error(e) {
        return tls_text(tls, &host);
    }
    if e.is_timeout() {
        return format!("timed out waiting for {host}");
    }
    let causes: Vec<_> = causes(e).skip(1).collect();
    if let Some(kind) = causes.iter().find_map(|c| io_kind(*c)) {
        match kind {
            ErrorKind::ConnectionRefused => return format!("connection refused by {host}"),
            ErrorKind::ConnectionReset => return format!("connection reset by {host}"),
            ErrorKind::TimedOut => return format!("timed out connecting to {host}"),
            _ => {}
        }
    }
    let innermost = causes.last().map(|c| c.to_string()).unwrap_or_default();
    if causes
        .iter()
        .any(|c| c.to_string().starts_with("dns error"))
    {
        let name = e.url().and_then(|u| u.host_str()).unwrap_or("the host");
        return format!("cannot resolve host {name} ({innermost})");
    }
    let action = if e.is_connect() {
        "cannot connect to"
    } else if e.is_body() || e.is_decode() {
        "cannot read the answer from"
    } else {
        "request to"
    };
    format!("{action} {host} failed: {innermost}")
}

fn host_port(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or("the server");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

fn io_kind(cause: &(dyn std::error::Error + 'static)) -> Option<ErrorKind> {
    cause
        .downcast_ref::<std::io::Error>()
        .map(std::io::Error::kind)
}

fn tls_text(e: &rustls::Error, host: &str) -> String {
    let what = match e {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => {
                "certificate signed by unknown authority".to_string()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!("the certificate is not valid for {host}")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the certificate has expired".to_string()
            }
            other => format!("invalid certificate: {other:?}"),
        },
        rustls::Error::AlertReceived(alert) => format!("{host} sent the alert {alert:?}"),
        other => other.to_string(),
    };
    format!("TLS: {what}")
}
