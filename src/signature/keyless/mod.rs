//! Keyless signatures: a signature made with a short-lived Fulcio
//! certificate and recorded in Rekor, verified offline against a Sigstore
//! trusted root (`root`). A signature counts only when all of these hold,
//! in cosign's and sigstore-go's order: the payload signature verifies with
//! the certificate's key; the Rekor entry names this signature, certificate
//! and payload and is proven by its log (`rekor`: a SET, and an inclusion
//! proof up to a signed checkpoint for bundles from v0.2); the certificate
//! chains to a Fulcio CA that was issuing at the integrated time, every
//! certificate valid then (`cert`); an embedded SCT verifies (`sct`); and
//! its OIDC issuer and a subject alternative name match the ones asked
//! for. The signing time comes only from the verified Rekor entry. Pure.

pub mod cert;
pub mod material;
pub mod rekor;
pub mod root;
pub mod sct;

use crate::signature::key::PublicKey;
use cert::{CertError, Leaf};
use rekor::{Entry, RekorError};
use root::TrustedRoot;
use sct::SctError;

/// An identity or issuer asked for: exact, or an unanchored regexp (as
/// cosign's `--certificate-identity-regexp`, RE2 `MatchString`).
#[derive(Clone, Debug)]
pub enum Matcher {
    Exact(String),
    Regex(regex::Regex),
}

impl Matcher {
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Matcher::Exact(want) => want == text,
            Matcher::Regex(re) => re.is_match(text),
        }
    }

    fn describe(&self) -> String {
        match self {
            Matcher::Exact(want) => want.clone(),
            Matcher::Regex(re) => format!("/{}/", re.as_str()),
        }
    }
}

/// Who must have signed, and what they are checked against.
#[derive(Clone, Debug)]
pub struct Keyless {
    pub root: TrustedRoot,
    pub identity: Matcher,
    pub issuer: Matcher,
    /// Whether an embedded SCT must verify (containers/image's `fulcio`
    /// policy has no CT key, so it does not ask for one).
    pub require_sct: bool,
}

/// One keyless signature and what it comes with.
pub struct Evidence<'a> {
    pub certificate: &'a [u8],
    /// The bytes the signature is over (a payload, a manifest, DSSE's PAE).
    pub message: &'a [u8],
    pub signature: &'a [u8],
    /// The SHA-256 the Rekor entry must give for what was signed.
    pub payload_sha256: [u8; 32],
    pub dsse: bool,
    pub entry: &'a Entry,
    /// Sigstore bundles from v0.2 must carry an inclusion proof.
    pub proof_required: bool,
    /// Intermediates the signature brings; only a policy's `fulcio` CA
    /// takes them (the trusted root carries its own).
    pub intermediates: &'a [Vec<u8>],
}

/// Who signed, as the verified certificate and log entry say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    pub identity: String,
    pub issuer: String,
    pub integrated_time: i64,
    pub log_index: i64,
}

/// Why a keyless signature does not vouch for the digest.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeylessError {
    #[error("the signature does not verify with its certificate's key")]
    Signature,
    #[error(transparent)]
    Rekor(#[from] RekorError),
    #[error(transparent)]
    Cert(#[from] CertError),
    #[error("{0} (the certificate's CT proof)")]
    Sct(#[from] SctError),
    #[error("the certificate names no OIDC issuer")]
    NoIssuer,
    #[error("signed by {identity} (issuer {issuer}), not by the identity asked for")]
    Identity { identity: String, issuer: String },
}

impl Keyless {
    /// Words for the identity asked for, e.g. in `bad_signature` messages.
    pub fn describe(&self) -> String {
        format!(
            "{} (issuer {})",
            self.identity.describe(),
            self.issuer.describe()
        )
    }

    /// Checks one keyless signature; see the module's list.
    pub fn verify(&self, evidence: &Evidence) -> Result<Signer, KeylessError> {
        let leaf = Leaf::parse(evidence.certificate)?;
        let key = PublicKey::from_der(&leaf.spki).map_err(|_| KeylessError::Signature)?;
        if !key.verifies(evidence.message, evidence.signature) {
            return Err(KeylessError::Signature);
        }
        let names = rekor::Names {
            signature: evidence.signature,
            certificate: evidence.certificate,
            payload_sha256: evidence.payload_sha256,
            dsse: evidence.dsse,
        };
        rekor::names(evidence.entry, &names)?;
        let entry = evidence.entry;
        rekor::prove(entry, &self.root, evidence.proof_required)?;
        let at = entry.integrated_time;
        let issuer_spki = cert::chain(&leaf, &self.root, at, evidence.intermediates)?;
        if self.require_sct {
            sct::verify(&leaf.scts, &issuer_spki, &leaf.precert_tbs, &self.root)?;
        }
        let issuer = leaf.issuer.clone().ok_or(KeylessError::NoIssuer)?;
        let identity = leaf.identities.iter().find(|i| self.identity.matches(i));
        match identity {
            Some(identity) if self.issuer.matches(&issuer) => Ok(Signer {
                identity: identity.clone(),
                issuer,
                integrated_time: at,
                log_index: entry.log_index,
            }),
            _ => Err(KeylessError::Identity {
                identity: leaf.identities.join(", "),
                issuer,
            }),
        }
    }
}

/// The DER certificates of a PEM text, in order.
pub fn pem_certificates(text: &[u8]) -> Vec<Vec<u8>> {
    use rustls::pki_types::pem::PemObject as _;
    rustls::pki_types::CertificateDer::pem_slice_iter(text)
        .filter_map(Result::ok)
        .map(|c| c.as_ref().to_vec())
        .collect()
}
