//! A Rekor transparency-log entry, checked offline: its signed entry
//! timestamp (the SET: the log's signature over the canonical JSON of the
//! entry's body, integrated time, log id and index), its inclusion proof
//! up to a checkpoint the log signed (RFC 6962 Merkle audit path, signed
//! note), and whether its body (`hashedrekord` or `dsse`) names this
//! signature, this certificate and this payload. Pure.

use super::root::{Log, TrustedRoot};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

/// An entry as a cosign `.sig` layer's bundle or a Sigstore bundle holds it.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    /// The canonicalized body, decoded.
    pub body: Vec<u8>,
    pub integrated_time: i64,
    pub log_index: i64,
    pub log_id: Vec<u8>,
    pub set: Option<Vec<u8>>,
    pub proof: Option<Proof>,
    /// The bundle's `kindVersion`, when it gives one.
    pub kind: Option<(String, String)>,
}

/// An inclusion proof and the checkpoint it leads to.
#[derive(Clone, Debug, Default)]
pub struct Proof {
    pub log_index: u64,
    pub tree_size: u64,
    pub root_hash: Vec<u8>,
    pub hashes: Vec<Vec<u8>>,
    pub checkpoint: String,
}

/// Why a log entry proves nothing for this signature.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RekorError {
    #[error("the Rekor entry is from a log the trusted root does not name")]
    UnknownLog,
    #[error("the Rekor entry has no signed entry timestamp, so its time is not proven")]
    NoSet,
    #[error("the Rekor entry's signed timestamp does not verify")]
    BadSet,
    #[error("the Rekor entry's time is outside its log key's validity")]
    OutsideWindow,
    #[error("the bundle has no inclusion proof (required from bundle v0.2)")]
    NoProof,
    #[error("the Rekor entry's inclusion proof does not lead to its checkpoint's root")]
    BadProof,
    #[error("the Rekor checkpoint is not signed by its log")]
    BadCheckpoint,
    #[error("the Rekor entry's body {0}")]
    Body(String),
}

/// Checks the entry's SET (always), and its inclusion proof when there is
/// one or `proof_required`; the log is returned.
pub fn prove<'r>(
    entry: &Entry,
    root: &'r TrustedRoot,
    proof_required: bool,
) -> Result<&'r Log, RekorError> {
    let log = root.tlog(&entry.log_id).ok_or(RekorError::UnknownLog)?;
    match (&entry.proof, proof_required) {
        (Some(proof), _) => included(entry, proof, log)?,
        (None, true) => return Err(RekorError::NoProof),
        (None, false) => {}
    }
    let set = entry.set.as_deref().ok_or(RekorError::NoSet)?;
    if !log.key.verifies(&set_payload(entry), set) {
        return Err(RekorError::BadSet);
    }
    if !log.valid.covers(entry.integrated_time) {
        return Err(RekorError::OutsideWindow);
    }
    Ok(log)
}

/// What a SET signs: Rekor's canonical JSON (keys sorted, no spaces).
pub fn set_payload(entry: &Entry) -> Vec<u8> {
    format!(
        r#"{{"body":"{}","integratedTime":{},"logID":"{}","logIndex":{}}}"#,
        STANDARD.encode(&entry.body),
        entry.integrated_time,
        hex::encode(&entry.log_id),
        entry.log_index
    )
    .into_bytes()
}

fn included(entry: &Entry, proof: &Proof, log: &Log) -> Result<(), RekorError> {
    let leaf = leaf_hash(&entry.body);
    let root = root_from_path(proof.log_index, proof.tree_size, leaf, &proof.hashes)
        .ok_or(RekorError::BadProof)?;
    if root.as_slice() != proof.root_hash {
        return Err(RekorError::BadProof);
    }
    let (size, hash) = checkpoint(&proof.checkpoint, log).ok_or(RekorError::BadCheckpoint)?;
    if size != proof.tree_size || hash != proof.root_hash {
        return Err(RekorError::BadProof);
    }
    Ok(())
}

pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0]);
    h.update(data);
    h.finalize().into()
}

pub fn node_hash(left: &[u8], right: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// RFC 9162 §2.1.3.2: the root an audit path leads to, or `None` when the
/// path is not one for this index and size.
pub fn root_from_path(index: u64, size: u64, leaf: [u8; 32], path: &[Vec<u8>]) -> Option<[u8; 32]> {
    if index >= size {
        return None;
    }
    let (mut f, mut s, mut r) = (index, size - 1, leaf);
    for p in path {
        if p.len() != 32 || s == 0 {
            return None;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    (s == 0).then_some(r)
}

/// A checkpoint (a signed note: origin, tree size, root hash, then a
/// signature line `— NAME BASE64(key hint ‖ signature)`) signed by `log`:
/// its size and root hash.
fn checkpoint(note: &str, log: &Log) -> Option<(u64, Vec<u8>)> {
    let split = note.find("\n\n")?;
    let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
    let mut lines = text.lines();
    let _origin = lines.next()?;
    let size: u64 = lines.next()?.parse().ok()?;
    let hash = STANDARD.decode(lines.next()?).ok()?;
    let signed = signatures.lines().any(|line| {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return false;
        };
        let Some((_, sig)) = rest.rsplit_once(' ') else {
            return false;
        };
        let Ok(sig) = STANDARD.decode(sig) else {
            return false;
        };
        sig.len() > 4
            && sig[..4] == log.id[..4.min(log.id.len())]
            && log.key.verifies(text.as_bytes(), &sig[4..])
    });
    signed.then_some((size, hash))
}

/// What the body must name: the signature, the certificate (or, for a
/// key signature, the public key's SPKI) as DER, and the SHA-256 of the
/// signed payload.
pub struct Names<'a> {
    pub signature: &'a [u8],
    pub certificate: &'a [u8],
    pub payload_sha256: [u8; 32],
    /// Whether the signature is a DSSE envelope's.
    pub dsse: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    api_version: String,
    kind: String,
    spec: serde_json::Value,
}

#[derive(Deserialize)]
struct HashedRekord {
    data: HashedData,
    signature: HashedSignature,
}

#[derive(Deserialize)]
struct HashedData {
    hash: Hash,
}

#[derive(Deserialize)]
struct Hash {
    algorithm: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HashedSignature {
    content: String,
    public_key: Content,
}

#[derive(Deserialize)]
struct Content {
    content: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DsseSpec {
    payload_hash: Hash,
    #[serde(default)]
    signatures: Vec<DsseSignature>,
}

#[derive(Deserialize)]
struct DsseSignature {
    signature: String,
    verifier: String,
}

/// Checks the entry's body names this signature, certificate and payload.
pub fn names(entry: &Entry, want: &Names) -> Result<(), RekorError> {
    let bad = |why: &str| RekorError::Body(why.to_string());
    let body: Body =
        serde_json::from_slice(&entry.body).map_err(|_| bad("is not a Rekor entry"))?;
    if let Some((kind, version)) = &entry.kind {
        if *kind != body.kind || *version != body.api_version {
            return Err(bad("is not of the kind the bundle says"));
        }
    }
    let expected = if want.dsse { "dsse" } else { "hashedrekord" };
    if body.kind != expected || body.api_version != "0.0.1" {
        return Err(bad(&format!(
            "is a {} {}, not a {expected} 0.0.1",
            body.kind, body.api_version
        )));
    }
    let names_payload = |h: &Hash| {
        h.algorithm == "sha256"
            && h.value
                .eq_ignore_ascii_case(&hex::encode(want.payload_sha256))
    };
    let names_cert = |text: &str| decoded_certificate(text).as_deref() == Some(want.certificate);
    let names_sig =
        |text: &str| STANDARD.decode(text.trim()).ok().as_deref() == Some(want.signature);
    if want.dsse {
        let spec: DsseSpec =
            serde_json::from_value(body.spec).map_err(|_| bad("is not a dsse entry"))?;
        if !names_payload(&spec.payload_hash) {
            return Err(bad("names another payload"));
        }
        let ours = spec
            .signatures
            .iter()
            .any(|s| names_sig(&s.signature) && names_cert(&s.verifier));
        return if ours {
            Ok(())
        } else {
            Err(bad("names another signature or certificate"))
        };
    }
    let spec: HashedRekord =
        serde_json::from_value(body.spec).map_err(|_| bad("is not a hashedrekord entry"))?;
    if !names_payload(&spec.data.hash) {
        return Err(bad("names another payload"));
    }
    if !names_sig(&spec.signature.content) {
        return Err(bad("names another signature"));
    }
    if !names_cert(&spec.signature.public_key.content) {
        return Err(bad("names another certificate or key"));
    }
    Ok(())
}

/// A body's certificate or public key: base64 of its PEM, as DER.
fn decoded_certificate(text: &str) -> Option<Vec<u8>> {
    let pem = STANDARD.decode(text.trim()).ok()?;
    let certificate = super::pem_certificates(&pem).into_iter().next();
    certificate.or_else(|| crate::signature::key::spki_from_pem(&pem).ok())
}
