//! A Fulcio certificate: what it says (its subject alternative names, the
//! OIDC issuer Fulcio wrote in its extensions, its embedded SCTs and the
//! precertificate they sign) read with `x509-cert`, and whether it chains
//! to a Fulcio CA of the trusted root at a given time, checked by
//! `rustls-webpki` with the code-signing EKU. Pure.

use super::root::{Authority, TrustedRoot};
use rustls::pki_types::{CertificateDer, UnixTime};
use std::time::Duration;
use x509_cert::der::asn1::{OctetString, Utf8StringRef};
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::Certificate;

const SAN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
/// Fulcio's OIDC issuer: the DER UTF8String form, and the older raw form.
const ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");
const ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
/// Fulcio's OtherName SAN for identities that are neither e-mail nor URI.
const OTHER_NAME_SAN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.7");
/// RFC 6962's embedded SCT list.
const SCT_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");
/// id-kp-codeSigning (1.3.6.1.5.5.7.3.3), as DER OID content bytes.
const CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];

/// Why a certificate cannot vouch for a signature.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("the certificate cannot be read: {0}")]
    Parse(String),
    #[error("the certificate's issuer extensions disagree ({0:?} and {1:?})")]
    IssuersDisagree(String, String),
    #[error("no Fulcio CA of the trusted root was issuing when the log recorded the signature")]
    NoAuthorityThen,
    #[error("the certificate was not valid when the log recorded it")]
    NotValidThen,
    #[error("the certificate is not for code signing")]
    NotCodeSigning,
    #[error("the certificate does not chain to a Fulcio CA of the trusted root ({0})")]
    Untrusted(String),
}

/// What ddigest reads from a leaf certificate.
#[derive(Clone, Debug)]
pub struct Leaf {
    pub der: Vec<u8>,
    /// The subject public key, DER SubjectPublicKeyInfo.
    pub spki: Vec<u8>,
    pub not_before: i64,
    pub not_after: i64,
    /// URI, e-mail and Fulcio OtherName SANs, in the certificate's order.
    pub identities: Vec<String>,
    pub issuer: Option<String>,
    /// Each embedded SCT, in TLS encoding.
    pub scts: Vec<Vec<u8>>,
    /// The TBSCertificate without its SCT list: what an SCT signs.
    pub precert_tbs: Vec<u8>,
}

impl Leaf {
    pub fn parse(der: &[u8]) -> Result<Leaf, CertError> {
        let bad = |e: &dyn std::fmt::Display| CertError::Parse(e.to_string());
        let cert = Certificate::from_der(der).map_err(|e| bad(&e))?;
        let tbs = &cert.tbs_certificate;
        let extensions = tbs.extensions.as_deref().unwrap_or_default();
        let mut identities = Vec::new();
        let (mut v1, mut v2, mut scts) = (None, None, Vec::new());
        for ext in extensions {
            let value = ext.extn_value.as_bytes();
            match ext.extn_id {
                SAN => identities = sans(value).map_err(|e| bad(&e))?,
                ISSUER_V2 => {
                    let text = Utf8StringRef::from_der(value).map_err(|e| bad(&e))?;
                    v2 = Some(text.as_str().to_string());
                }
                ISSUER_V1 => v1 = Some(String::from_utf8_lossy(value).into_owned()),
                SCT_LIST => {
                    scts = sct_list(value).ok_or_else(|| bad(&"its SCT list is malformed"))?
                }
                _ => {}
            }
        }
        let issuer = match (v2, v1) {
            (Some(a), Some(b)) if a != b => return Err(CertError::IssuersDisagree(a, b)),
            (a, b) => a.or(b),
        };
        let mut precert = tbs.clone();
        if let Some(list) = precert.extensions.as_mut() {
            list.retain(|e| e.extn_id != SCT_LIST);
        }
        Ok(Leaf {
            der: der.to_vec(),
            spki: tbs.subject_public_key_info.to_der().map_err(|e| bad(&e))?,
            not_before: tbs.validity.not_before.to_unix_duration().as_secs() as i64,
            not_after: tbs.validity.not_after.to_unix_duration().as_secs() as i64,
            identities,
            issuer,
            scts,
            precert_tbs: precert.to_der().map_err(|e| bad(&e))?,
        })
    }
}

fn sans(value: &[u8]) -> Result<Vec<String>, x509_cert::der::Error> {
    let names = SubjectAltName::from_der(value)?;
    let mut out = Vec::new();
    for name in names.0 {
        match name {
            GeneralName::Rfc822Name(text) | GeneralName::UniformResourceIdentifier(text) => {
                out.push(text.to_string())
            }
            GeneralName::OtherName(other) if other.type_id == OTHER_NAME_SAN => out.push(
                other
                    .value
                    .decode_as::<Utf8StringRef>()?
                    .as_str()
                    .to_string(),
            ),
            _ => {}
        }
    }
    Ok(out)
}

/// RFC 6962 §3.3: an OCTET STRING holding a TLS `SignedCertificateTimestampList`.
fn sct_list(value: &[u8]) -> Option<Vec<Vec<u8>>> {
    let inner = OctetString::from_der(value).ok()?;
    let bytes = inner.as_bytes();
    let total = usize::from(u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]));
    let mut rest = bytes.get(2..)?;
    if rest.len() != total {
        return None;
    }
    let mut out = Vec::new();
    while !rest.is_empty() {
        let len = usize::from(u16::from_be_bytes([*rest.first()?, *rest.get(1)?]));
        out.push(rest.get(2..2 + len)?.to_vec());
        rest = &rest[2 + len..];
    }
    Some(out)
}

/// Checks `leaf` chains, at time `at`, to a CA of `root` that was issuing
/// then, every certificate of the path valid then and allowed to sign
/// code; `untrusted` intermediates may complete a path (containers/image's
/// `fulcio` policy takes them from the signature), the trusted root's own
/// never need them. The issuing certificate's SubjectPublicKeyInfo is
/// returned (an SCT names it).
pub fn chain(
    leaf: &Leaf,
    root: &TrustedRoot,
    at: i64,
    untrusted: &[Vec<u8>],
) -> Result<Vec<u8>, CertError> {
    let leaf_der = CertificateDer::from(leaf.der.as_slice());
    let ee = webpki::EndEntityCert::try_from(&leaf_der)
        .map_err(|e| CertError::Parse(format!("{e:?}")))?;
    let time = UnixTime::since_unix_epoch(Duration::from_secs(at.max(0) as u64));
    let (then, other): (Vec<&Authority>, Vec<&Authority>) =
        root.authorities.iter().partition(|a| a.valid.covers(at));
    let mut last = None;
    for authority in then {
        match path(&ee, authority, untrusted, time) {
            Ok(issuer_spki) => return Ok(issuer_spki),
            Err(e) => last = Some(e),
        }
    }
    // A CA that would vouch for it, had it been issuing then, is the
    // better reason to give.
    if other.iter().any(|a| path(&ee, a, untrusted, time).is_ok()) {
        return Err(CertError::NoAuthorityThen);
    }
    Err(last.map_or(CertError::NoAuthorityThen, chain_error))
}

/// The issuing certificate's SPKI when `ee` chains to `authority` at `time`.
fn path(
    ee: &webpki::EndEntityCert,
    authority: &Authority,
    untrusted: &[Vec<u8>],
    time: UnixTime,
) -> Result<Vec<u8>, webpki::Error> {
    let (anchor, intermediates) = authority
        .chain
        .split_last()
        .ok_or(webpki::Error::UnknownIssuer)?;
    let anchor = CertificateDer::from(anchor.as_slice());
    let anchors = [webpki::anchor_from_trusted_cert(&anchor)?];
    let intermediates: Vec<CertificateDer> = intermediates
        .iter()
        .chain(untrusted)
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let usage = webpki::KeyUsage::required(CODE_SIGNING);
    let algs = webpki::ALL_VERIFICATION_ALGS;
    let path = ee.verify_for_usage(algs, &anchors, &intermediates, time, usage, None, None)?;
    Ok(path.issuer_spki().as_ref().to_vec())
}

fn chain_error(e: webpki::Error) -> CertError {
    use webpki::Error as E;
    match e {
        E::CertExpired { .. } | E::CertNotValidYet { .. } => CertError::NotValidThen,
        E::RequiredEkuNotFoundContext(_) => CertError::NotCodeSigning,
        E::UnknownIssuer => CertError::Untrusted("no path to its roots".into()),
        other => CertError::Untrusted(format!("{other:?}")),
    }
}
