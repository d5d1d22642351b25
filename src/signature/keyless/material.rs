//! Where a keyless signature's certificate and log entry are read from:
//! cosign 2's `.sig` layer annotations (`dev.sigstore.cosign/certificate`,
//! `…/chain`, `…/bundle` with the Rekor SET), and a Sigstore bundle's
//! `verificationMaterial` (v0.1 to v0.3: a certificate or chain, and its
//! `tlogEntries`). Pure: text in, typed material out.

use super::rekor::{Entry, Proof};
use super::root::{RawCert, RawLogId};
use super::Evidence;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Deserializer};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;

pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";

/// Why the material cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MaterialError {
    #[error("its certificate annotation holds no PEM certificate")]
    NoCertificate,
    #[error("it has no certificate (it was made with a key)")]
    NoCertificateAnnotation,
    #[error("it has no Rekor bundle annotation, so its signing time is not proven")]
    NoBundle,
    #[error("its Rekor bundle cannot be read: {0}")]
    Bundle(String),
    #[error("the bundle has no Rekor entry")]
    NoEntry,
    #[error("the bundle is signed with a key, not a certificate")]
    KeyBundle,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CosignBundle {
    signed_entry_timestamp: String,
    payload: CosignPayload,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CosignPayload {
    body: String,
    integrated_time: i64,
    log_index: i64,
    #[serde(rename = "logID")]
    log_id: String,
}

fn b64(text: &str, what: &str) -> Result<Vec<u8>, MaterialError> {
    STANDARD
        .decode(text.trim())
        .map_err(|_| MaterialError::Bundle(format!("{what} is not base64")))
}

/// The leaf certificate (DER) of a `.sig` layer's certificate annotation.
pub fn annotated_certificate(pem: &str) -> Result<Vec<u8>, MaterialError> {
    let found = super::pem_certificates(pem.as_bytes());
    found.into_iter().next().ok_or(MaterialError::NoCertificate)
}

/// The log entry of a `.sig` layer's `dev.sigstore.cosign/bundle`.
pub fn annotated_entry(bundle: Option<&str>) -> Result<Entry, MaterialError> {
    let text = bundle.ok_or(MaterialError::NoBundle)?;
    let raw: CosignBundle =
        serde_json::from_str(text).map_err(|e| MaterialError::Bundle(e.to_string()))?;
    let log_id = hex::decode(&raw.payload.log_id)
        .map_err(|_| MaterialError::Bundle("its logID is not hex".into()))?;
    Ok(Entry {
        body: b64(&raw.payload.body, "its body")?,
        integrated_time: raw.payload.integrated_time,
        log_index: raw.payload.log_index,
        log_id,
        set: Some(b64(
            &raw.signed_entry_timestamp,
            "its SignedEntryTimestamp",
        )?),
        proof: None,
        kind: None,
    })
}

/// A cosign 2 keyless layer's material, read from its annotations.
#[derive(Clone, Debug)]
pub struct Annotated {
    pub certificate: Vec<u8>,
    pub entry: Entry,
    /// The intermediates of `dev.sigstore.cosign/chain`: untrusted.
    pub chain: Vec<Vec<u8>>,
}

impl Annotated {
    /// The certificate, Rekor bundle and chain annotations of a layer.
    pub fn read(annotations: &BTreeMap<String, String>) -> Result<Annotated, MaterialError> {
        let pem = annotations
            .get(CERTIFICATE_ANNOTATION)
            .ok_or(MaterialError::NoCertificateAnnotation)?;
        let chain = annotations.get(CHAIN_ANNOTATION);
        Ok(Annotated {
            certificate: annotated_certificate(pem)?,
            entry: annotated_entry(annotations.get(BUNDLE_ANNOTATION).map(String::as_str))?,
            chain: chain.map_or(vec![], |c| super::pem_certificates(c.as_bytes())),
        })
    }

    /// The evidence of this material for a simple-signing `payload` and
    /// its `signature`; `intermediates` are those a check may use.
    pub fn evidence<'a>(
        &'a self,
        payload: &'a [u8],
        signature: &'a [u8],
        intermediates: &'a [Vec<u8>],
    ) -> Evidence<'a> {
        Evidence {
            certificate: &self.certificate,
            message: payload,
            signature,
            payload_sha256: Sha256::digest(payload).into(),
            dsse: false,
            entry: &self.entry,
            proof_required: false,
            intermediates,
        }
    }
}

/// A Sigstore bundle's certificate and log entries.
#[derive(Clone, Debug)]
pub struct BundleMaterial {
    pub certificate: Vec<u8>,
    pub entries: Vec<Entry>,
    /// From v0.2 an inclusion proof is required.
    pub proof_required: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBundle {
    #[serde(default)]
    media_type: String,
    verification_material: Option<RawMaterial>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMaterial {
    certificate: Option<RawCert>,
    x509_certificate_chain: Option<RawChain>,
    #[serde(default)]
    tlog_entries: Vec<RawEntry>,
}

#[derive(Deserialize)]
struct RawChain {
    #[serde(default)]
    certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    #[serde(deserialize_with = "int")]
    log_index: i64,
    log_id: RawLogId,
    kind_version: Option<RawKind>,
    #[serde(deserialize_with = "int")]
    integrated_time: i64,
    inclusion_promise: Option<RawPromise>,
    inclusion_proof: Option<RawProof>,
    canonicalized_body: String,
}

#[derive(Deserialize)]
struct RawKind {
    kind: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPromise {
    signed_entry_timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProof {
    #[serde(deserialize_with = "int")]
    log_index: i64,
    root_hash: String,
    #[serde(deserialize_with = "int")]
    tree_size: i64,
    #[serde(default)]
    hashes: Vec<String>,
    checkpoint: Option<RawCheckpoint>,
}

#[derive(Deserialize)]
struct RawCheckpoint {
    envelope: String,
}

/// protobuf's JSON form writes int64 as a string; accept a number too.
fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Int {
        Text(String),
        Number(i64),
    }
    match Int::deserialize(d)? {
        Int::Number(n) => Ok(n),
        Int::Text(t) => t.parse().map_err(serde::de::Error::custom),
    }
}

/// Reads a bundle's verification material.
pub fn bundle_material(bytes: &[u8]) -> Result<BundleMaterial, MaterialError> {
    let raw: RawBundle =
        serde_json::from_slice(bytes).map_err(|e| MaterialError::Bundle(e.to_string()))?;
    let material = raw
        .verification_material
        .ok_or_else(|| MaterialError::Bundle("no verificationMaterial".into()))?;
    let leaf = match (material.certificate, material.x509_certificate_chain) {
        (Some(cert), _) => cert,
        (None, Some(chain)) => chain
            .certificates
            .into_iter()
            .next()
            .ok_or(MaterialError::NoCertificate)?,
        (None, None) => return Err(MaterialError::KeyBundle),
    };
    let entries = material
        .tlog_entries
        .into_iter()
        .map(entry)
        .collect::<Result<Vec<_>, _>>()?;
    if entries.is_empty() {
        return Err(MaterialError::NoEntry);
    }
    Ok(BundleMaterial {
        certificate: b64(&leaf.raw_bytes, "its certificate")?,
        entries,
        proof_required: !is_v0_1(&raw.media_type),
    })
}

fn is_v0_1(media_type: &str) -> bool {
    media_type == "application/vnd.dev.sigstore.bundle+json;version=0.1"
        || media_type == "application/vnd.dev.sigstore.bundle.v0.1+json"
}

fn entry(raw: RawEntry) -> Result<Entry, MaterialError> {
    let proof = match raw.inclusion_proof {
        Some(p) => Some(Proof {
            log_index: u64::try_from(p.log_index)
                .map_err(|_| MaterialError::Bundle("a negative proof index".into()))?,
            tree_size: u64::try_from(p.tree_size)
                .map_err(|_| MaterialError::Bundle("a negative tree size".into()))?,
            root_hash: b64(&p.root_hash, "a proof's rootHash")?,
            hashes: p
                .hashes
                .iter()
                .map(|h| b64(h, "a proof hash"))
                .collect::<Result<_, _>>()?,
            checkpoint: p.checkpoint.map(|c| c.envelope).unwrap_or_default(),
        }),
        None => None,
    };
    let set = match raw.inclusion_promise {
        Some(p) => Some(b64(&p.signed_entry_timestamp, "a signedEntryTimestamp")?),
        None => None,
    };
    Ok(Entry {
        body: b64(&raw.canonicalized_body, "a canonicalizedBody")?,
        integrated_time: raw.integrated_time,
        log_index: raw.log_index,
        log_id: b64(&raw.log_id.key_id, "a logId")?,
        set,
        proof,
        kind: raw.kind_version.map(|k| (k.kind, k.version)),
    })
}
