//! A Sigstore trusted root (`trusted_root.json`, the protobuf-specs
//! TrustedRoot in its JSON form): the transparency logs (Rekor) and CT logs
//! by log id, each with its key and the window its key was valid for, and
//! the Fulcio certificate authorities with their chains and windows. The
//! public-good root is embedded (`embedded`); `--trusted-root` reads
//! another. Pure: bytes in, a typed root or a typed error out.

use crate::signature::key::PublicKey;
use crate::time::parse_rfc3339;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;

/// The Sigstore public-good root, vendored from sigstore/root-signing
/// (`targets/trusted_root.json`; commit and sha256 in NOTICE).
pub const PUBLIC_GOOD: &[u8] = include_bytes!("trusted_root.json");

/// A time window, in seconds since 1970; no end means still valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: Option<i64>,
}

impl Window {
    /// Whether `t` lies in the window, both ends included.
    pub fn covers(&self, t: i64) -> bool {
        t >= self.start && self.end.is_none_or(|end| t <= end)
    }
}

/// A Rekor or CT log: its id (the key's SHA-256 as the root states it),
/// key and validity.
#[derive(Clone, Debug)]
pub struct Log {
    pub id: Vec<u8>,
    pub url: String,
    pub key: PublicKey,
    pub valid: Window,
}

/// A Fulcio CA: its chain from the issuing certificate to the root (DER,
/// in the trusted root's order), and when it issued.
#[derive(Clone, Debug)]
pub struct Authority {
    pub uri: String,
    pub chain: Vec<Vec<u8>>,
    pub valid: Window,
}

/// What a keyless signature is checked against.
#[derive(Clone, Debug)]
pub struct TrustedRoot {
    pub tlogs: Vec<Log>,
    pub ctlogs: Vec<Log>,
    pub authorities: Vec<Authority>,
}

/// Why a trusted root cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RootError {
    #[error("not a trusted root: {0}")]
    Json(String),
    #[error("{0}: {1}")]
    Field(String, String),
    #[error("it names no {0}, so nothing it is given can verify")]
    Empty(&'static str),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRoot {
    #[serde(default)]
    tlogs: Vec<RawLog>,
    #[serde(default)]
    certificate_authorities: Vec<RawAuthority>,
    #[serde(default)]
    ctlogs: Vec<RawLog>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLog {
    #[serde(default)]
    base_url: String,
    public_key: RawKey,
    log_id: RawLogId,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKey {
    raw_bytes: Option<String>,
    valid_for: Option<RawWindow>,
}

/// A `logId`, as trusted roots and bundles both write it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawLogId {
    pub(super) key_id: String,
}

#[derive(Deserialize)]
struct RawWindow {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAuthority {
    #[serde(default)]
    uri: String,
    cert_chain: RawChain,
    valid_for: Option<RawWindow>,
}

#[derive(Deserialize)]
struct RawChain {
    #[serde(default)]
    certificates: Vec<RawCert>,
}

/// A DER certificate in base64, as trusted roots and bundles both write it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawCert {
    pub(super) raw_bytes: String,
}

impl TrustedRoot {
    /// The embedded public-good root.
    pub fn public_good() -> Result<TrustedRoot, RootError> {
        Self::parse(PUBLIC_GOOD)
    }

    /// Reads a trusted root. Every log and CA must have a key (or chain)
    /// and a window with a start: one that cannot be read is an error, not
    /// a log silently skipped.
    pub fn parse(bytes: &[u8]) -> Result<TrustedRoot, RootError> {
        let raw: RawRoot =
            serde_json::from_slice(bytes).map_err(|e| RootError::Json(e.to_string()))?;
        let tlogs = logs(raw.tlogs, "tlogs")?;
        let ctlogs = logs(raw.ctlogs, "ctlogs")?;
        let authorities = raw
            .certificate_authorities
            .into_iter()
            .enumerate()
            .map(|(i, a)| authority(a, &format!("certificateAuthorities[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        if tlogs.is_empty() {
            return Err(RootError::Empty("transparency log (tlogs)"));
        }
        if authorities.is_empty() {
            return Err(RootError::Empty("certificate authority"));
        }
        Ok(TrustedRoot {
            tlogs,
            ctlogs,
            authorities,
        })
    }

    /// The transparency log with this id.
    pub fn tlog(&self, id: &[u8]) -> Option<&Log> {
        self.tlogs.iter().find(|l| l.id == id)
    }

    /// The CT log with this id.
    pub fn ctlog(&self, id: &[u8]) -> Option<&Log> {
        self.ctlogs.iter().find(|l| l.id == id)
    }
}

fn logs(raw: Vec<RawLog>, list: &str) -> Result<Vec<Log>, RootError> {
    let read = |(i, log): (usize, RawLog)| {
        let at = format!("{list}[{i}]");
        let field = |what: &str| RootError::Field(at.clone(), what.to_string());
        let id = STANDARD
            .decode(log.log_id.key_id.trim())
            .map_err(|_| field("logId.keyId is not base64"))?;
        let der = log
            .public_key
            .raw_bytes
            .as_deref()
            .ok_or_else(|| field("publicKey has no rawBytes"))?;
        let der = STANDARD
            .decode(der.trim())
            .map_err(|_| field("publicKey.rawBytes is not base64"))?;
        let key = PublicKey::from_der(&der).map_err(|e| field(&format!("publicKey: {e}")))?;
        let valid = window(log.public_key.valid_for, &format!("{at}.publicKey"))?;
        Ok(Log {
            id,
            url: log.base_url,
            key,
            valid,
        })
    };
    raw.into_iter().enumerate().map(read).collect()
}

fn authority(raw: RawAuthority, at: &str) -> Result<Authority, RootError> {
    let field = |what: &str| RootError::Field(at.to_string(), what.to_string());
    let chain = raw
        .cert_chain
        .certificates
        .iter()
        .map(|c| STANDARD.decode(c.raw_bytes.trim()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| field("a certificate's rawBytes is not base64"))?;
    if chain.is_empty() {
        return Err(field("certChain has no certificates"));
    }
    Ok(Authority {
        uri: raw.uri,
        chain,
        valid: window(raw.valid_for, at)?,
    })
}

fn window(raw: Option<RawWindow>, at: &str) -> Result<Window, RootError> {
    let field = |what: &str| RootError::Field(at.to_string(), what.to_string());
    let raw = raw.ok_or_else(|| field("no validFor"))?;
    let start = raw.start.ok_or_else(|| field("validFor has no start"))?;
    let start = parse_rfc3339(&start).ok_or_else(|| field("validFor.start is not RFC 3339"))?;
    let end = match raw.end {
        Some(end) => {
            Some(parse_rfc3339(&end).ok_or_else(|| field("validFor.end is not RFC 3339"))?)
        }
        None => None,
    };
    Ok(Window { start, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_root_is_the_one_notice_names() {
        use sha2::{Digest as _, Sha256};
        assert_eq!(
            hex::encode(Sha256::digest(PUBLIC_GOOD)),
            "ec374e44a0b365b4b3bae6faf591e758170aa098a614080d383e5f2b1cc2b073"
        );
    }

    #[test]
    fn the_public_good_root_reads() {
        let root = TrustedRoot::public_good().unwrap();
        assert_eq!(root.tlogs.len(), 1);
        assert_eq!(hex::encode(&root.tlogs[0].id)[..8], *"c0d23d6a");
        assert_eq!(root.ctlogs.len(), 2);
        assert_eq!(root.authorities.len(), 2);
        // The 2022 intermediate and its root.
        assert_eq!(root.authorities[1].chain.len(), 2);
        assert!(root.authorities[0].valid.end.is_some());
        assert!(root.tlogs[0].valid.covers(1_670_870_899));
    }

    #[test]
    fn logs_without_a_start_or_key_are_refused() {
        let text = std::str::from_utf8(PUBLIC_GOOD).unwrap();
        let no_start = text.replacen(r#""start": "2020-06-17T12:44:14.000Z""#, r#""x": 1"#, 1);
        assert_eq!(
            TrustedRoot::parse(no_start.as_bytes()).unwrap_err(),
            RootError::Field("tlogs[0].publicKey".into(), "validFor has no start".into())
        );
        assert!(matches!(TrustedRoot::parse(b"7"), Err(RootError::Json(_))));
        assert_eq!(
            TrustedRoot::parse(br#"{"tlogs":[],"certificateAuthorities":[]}"#).unwrap_err(),
            RootError::Empty("transparency log (tlogs)")
        );
    }

    #[test]
    fn windows_include_both_ends() {
        let w = Window {
            start: 10,
            end: Some(20),
        };
        assert!(w.covers(10) && w.covers(20) && !w.covers(9) && !w.covers(21));
        assert!(Window {
            start: 10,
            end: None
        }
        .covers(i64::MAX));
    }
}
