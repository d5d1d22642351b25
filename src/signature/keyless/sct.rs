//! Signed certificate timestamps (RFC 6962 §3.2) embedded in a Fulcio
//! certificate: read one, rebuild the precertificate entry it signed, and
//! check its signature with the CT log of the trusted root that it names,
//! at a time inside that log's window. Pure.

use super::root::TrustedRoot;
use sha2::{Digest as _, Sha256};

/// Why no embedded SCT vouches for the certificate.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SctError {
    #[error("the certificate has no embedded SCT")]
    None,
    #[error("its SCT is from a CT log the trusted root does not name")]
    UnknownLog,
    #[error("its SCT's time is outside its CT log's validity")]
    OutsideWindow,
    #[error("its SCT's signature does not verify")]
    BadSignature,
    #[error("its SCT cannot be read")]
    Malformed,
}

/// One SCT, as the TLS structure lays it out.
struct Sct<'a> {
    log_id: &'a [u8],
    timestamp_ms: u64,
    extensions: &'a [u8],
    signature: &'a [u8],
}

fn read(bytes: &[u8]) -> Option<Sct<'_>> {
    // version(1) = v1, log id(32), timestamp(8), extensions<0..2^16-1>,
    // then DigitallySigned: hash(1), signature algorithm(1), signature<0..2^16-1>.
    if *bytes.first()? != 0 {
        return None;
    }
    let log_id = bytes.get(1..33)?;
    let timestamp_ms = u64::from_be_bytes(bytes.get(33..41)?.try_into().ok()?);
    let ext_len = usize::from(u16::from_be_bytes(bytes.get(41..43)?.try_into().ok()?));
    let extensions = bytes.get(43..43 + ext_len)?;
    let at = 43 + ext_len;
    let sig_len = usize::from(u16::from_be_bytes(
        bytes.get(at + 2..at + 4)?.try_into().ok()?,
    ));
    let signature = bytes.get(at + 4..at + 4 + sig_len)?;
    (bytes.len() == at + 4 + sig_len).then_some(Sct {
        log_id,
        timestamp_ms,
        extensions,
        signature,
    })
}

/// What a precertificate SCT signs (RFC 6962 §3.2, `precert_entry`).
fn signed_data(sct: &Sct, issuer_spki: &[u8], tbs: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0, 0]; // v1, certificate_timestamp
    out.extend_from_slice(&sct.timestamp_ms.to_be_bytes());
    out.extend_from_slice(&[0, 1]); // precert_entry
    out.extend_from_slice(&Sha256::digest(issuer_spki));
    let len = u32::try_from(tbs.len()).ok().filter(|l| *l < 1 << 24)?;
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(tbs);
    out.extend_from_slice(&u16::try_from(sct.extensions.len()).ok()?.to_be_bytes());
    out.extend_from_slice(sct.extensions);
    Some(out)
}

/// Checks that at least one of `scts` verifies; the error is the closest
/// failure (a bad signature before an unknown log before none at all).
pub fn verify(
    scts: &[Vec<u8>],
    issuer_spki: &[u8],
    precert_tbs: &[u8],
    root: &TrustedRoot,
) -> Result<(), SctError> {
    let mut worst = SctError::None;
    let rank = |e: &SctError| match e {
        SctError::None => 0,
        SctError::Malformed => 1,
        SctError::UnknownLog => 2,
        SctError::OutsideWindow => 3,
        SctError::BadSignature => 4,
    };
    for bytes in scts {
        let found = one(bytes, issuer_spki, precert_tbs, root);
        match found {
            Ok(()) => return Ok(()),
            Err(e) if rank(&e) > rank(&worst) => worst = e,
            Err(_) => {}
        }
    }
    Err(worst)
}

fn one(bytes: &[u8], issuer_spki: &[u8], tbs: &[u8], root: &TrustedRoot) -> Result<(), SctError> {
    let sct = read(bytes).ok_or(SctError::Malformed)?;
    let log = root.ctlog(sct.log_id).ok_or(SctError::UnknownLog)?;
    if !log.valid.covers((sct.timestamp_ms / 1000) as i64) {
        return Err(SctError::OutsideWindow);
    }
    let message = signed_data(&sct, issuer_spki, tbs).ok_or(SctError::Malformed)?;
    if log.key.verifies(&message, sct.signature) {
        Ok(())
    } else {
        Err(SctError::BadSignature)
    }
}

/// Test support: an SCT in TLS encoding over `tbs` by a CT log whose key
/// signs with `sign`, for the private Sigstore the tests build.
pub fn encode_signed(
    log_id: &[u8; 32],
    timestamp_ms: u64,
    issuer_spki: &[u8],
    tbs: &[u8],
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Vec<u8> {
    let draft = Sct {
        log_id,
        timestamp_ms,
        extensions: &[],
        signature: &[],
    };
    let message = signed_data(&draft, issuer_spki, tbs).unwrap_or_default();
    let signature = sign(&message);
    let mut out = vec![0];
    out.extend_from_slice(log_id);
    out.extend_from_slice(&timestamp_ms.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&[4, 3]); // SHA-256, ECDSA
    out.extend_from_slice(&(signature.len() as u16).to_be_bytes());
    out.extend_from_slice(&signature);
    out
}
