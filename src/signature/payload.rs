//! What a signature signs, and whether it names the digest being verified:
//! cosign's simple-signing payload (`critical.type` and
//! `critical.image.docker-manifest-digest`), and a Sigstore bundle, read
//! into a message signature or a DSSE envelope whose in-toto statement (or
//! simple-signing payload) names the digest. Pure: bytes in, typed answers
//! out; the signature itself is checked by `key`.

use crate::digest::Digest;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;

pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
pub const BUNDLE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";
const COSIGN_TYPE: &str = "cosign container image signature";
const IN_TOTO: &str = "application/vnd.in-toto+json";
const STATEMENTS: [&str; 2] = [
    "https://in-toto.io/Statement/v1",
    "https://in-toto.io/Statement/v0.1",
];
/// The predicate cosign 3 signs an image with.
pub const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

/// Why a payload does not vouch for the digest.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the payload is not JSON of the expected shape: {0}")]
    NotJson(String),
    #[error("the payload's type is {0:?}, not {COSIGN_TYPE:?}")]
    WrongType(String),
    #[error("the payload signs {0}, not this digest")]
    OtherDigest(String),
    #[error(
        "the statement's predicate is {0:?}, not an image signature ({COSIGN_SIGN_PREDICATE})"
    )]
    NotASignature(String),
    #[error("no subject of the statement has this sha256")]
    NoSubject,
    #[error("the DSSE payload type {0:?} is not one ddigest reads")]
    PayloadType(String),
    #[error("the bundle has neither a message signature nor a DSSE envelope")]
    Empty,
    #[error("{0} is not valid base64")]
    Base64(&'static str),
}

#[derive(Deserialize)]
struct SimpleSigning {
    critical: Critical,
}

#[derive(Deserialize)]
struct Critical {
    #[serde(rename = "type")]
    kind: String,
    image: CriticalImage,
    #[serde(default)]
    identity: Option<Identity>,
}

#[derive(Deserialize)]
struct CriticalImage {
    #[serde(rename = "docker-manifest-digest")]
    digest: String,
}

#[derive(Deserialize)]
struct Identity {
    #[serde(rename = "docker-reference", default)]
    reference: Option<String>,
}

/// Checks a simple-signing payload names `digest`; the
/// `critical.identity.docker-reference` it names, if any, is returned for
/// `-v` (not enforced: mirrors and rewrites change it).
pub fn check_simple_signing(
    payload: &[u8],
    digest: &Digest,
) -> Result<Option<String>, PayloadError> {
    let doc: SimpleSigning =
        serde_json::from_slice(payload).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    let critical = doc.critical;
    if critical.kind != COSIGN_TYPE {
        return Err(PayloadError::WrongType(critical.kind));
    }
    if critical.image.digest != digest.to_string() {
        return Err(PayloadError::OtherDigest(critical.image.digest));
    }
    Ok(critical.identity.and_then(|i| i.reference))
}

/// A Sigstore bundle's signed content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bundle {
    /// A signature over an artifact, known here by its digest only.
    Message {
        algorithm: String,
        digest: Vec<u8>,
        signature: Vec<u8>,
    },
    /// A DSSE envelope: signatures over `pae(payload_type, payload)`.
    Dsse {
        payload_type: String,
        payload: Vec<u8>,
        signatures: Vec<Vec<u8>>,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBundle {
    message_signature: Option<RawMessage>,
    dsse_envelope: Option<RawDsse>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessage {
    message_digest: Option<RawDigest>,
    signature: String,
}

#[derive(Deserialize)]
struct RawDigest {
    #[serde(default)]
    algorithm: String,
    digest: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDsse {
    payload: String,
    payload_type: String,
    #[serde(default)]
    signatures: Vec<RawDsseSignature>,
}

#[derive(Deserialize)]
struct RawDsseSignature {
    sig: String,
}

fn base64(text: &str, what: &'static str) -> Result<Vec<u8>, PayloadError> {
    STANDARD
        .decode(text.trim())
        .map_err(|_| PayloadError::Base64(what))
}

/// Reads a Sigstore bundle (v0.1 to v0.3 JSON) for what it signs.
pub fn parse_bundle(bytes: &[u8]) -> Result<Bundle, PayloadError> {
    let raw: RawBundle =
        serde_json::from_slice(bytes).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    if let Some(dsse) = raw.dsse_envelope {
        let signatures = dsse
            .signatures
            .iter()
            .map(|s| base64(&s.sig, "a DSSE signature"));
        return Ok(Bundle::Dsse {
            payload: base64(&dsse.payload, "the DSSE payload")?,
            payload_type: dsse.payload_type,
            signatures: signatures.collect::<Result<_, _>>()?,
        });
    }
    let message = raw.message_signature.ok_or(PayloadError::Empty)?;
    let digest = message.message_digest.ok_or(PayloadError::Empty)?;
    Ok(Bundle::Message {
        algorithm: digest.algorithm,
        digest: base64(&digest.digest, "the message digest")?,
        signature: base64(&message.signature, "the message signature")?,
    })
}

/// DSSE's pre-authentication encoding: what an envelope's signatures sign.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Statement {
    #[serde(rename = "_type")]
    kind: String,
    predicate_type: String,
    #[serde(default)]
    subject: Vec<Subject>,
}

#[derive(Deserialize)]
struct Subject {
    #[serde(default)]
    digest: std::collections::BTreeMap<String, String>,
}

/// Checks a DSSE payload vouches for `digest`: an in-toto statement with
/// cosign's image-signature predicate and a subject of that sha256, or a
/// simple-signing payload naming it.
pub fn check_dsse_payload(
    payload_type: &str,
    payload: &[u8],
    digest: &Digest,
) -> Result<(), PayloadError> {
    match payload_type {
        SIMPLE_SIGNING => check_simple_signing(payload, digest).map(|_| ()),
        IN_TOTO => {
            let statement: Statement = serde_json::from_slice(payload)
                .map_err(|e| PayloadError::NotJson(e.to_string()))?;
            if !STATEMENTS.contains(&statement.kind.as_str()) {
                return Err(PayloadError::WrongType(statement.kind));
            }
            if statement.predicate_type != COSIGN_SIGN_PREDICATE {
                return Err(PayloadError::NotASignature(statement.predicate_type));
            }
            let algorithm = digest.algorithm().name();
            let names =
                |s: &Subject| s.digest.get(algorithm).map(String::as_str) == Some(digest.hex());
            if statement.subject.iter().any(names) {
                Ok(())
            } else {
                Err(PayloadError::NoSubject)
            }
        }
        other => Err(PayloadError::PayloadType(other.to_string())),
    }
}

/// Whether a message signature's digest is the SHA-256 of the manifest
/// `digest` names, so that the signature is over the manifest itself.
pub fn message_signs_manifest(algorithm: &str, message_digest: &[u8], digest: &Digest) -> bool {
    algorithm == "SHA2_256"
        && digest.algorithm().name() == "sha256"
        && hex::decode(digest.hex()).is_ok_and(|d| d == message_digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest() -> Digest {
        Digest::sha256_of(b"manifest")
    }

    #[test]
    fn simple_signing_must_name_the_digest_and_type() {
        let d = digest();
        let ok = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"reg/app"}},"image":{{"docker-manifest-digest":"{d}"}},"type":"cosign container image signature"}},"optional":null}}"#
        );
        assert_eq!(
            check_simple_signing(ok.as_bytes(), &d),
            Ok(Some("reg/app".into()))
        );
        let other = ok.replace(&d.to_string(), &Digest::sha256_of(b"other").to_string());
        assert!(matches!(
            check_simple_signing(other.as_bytes(), &d),
            Err(PayloadError::OtherDigest(_))
        ));
        let typed = ok.replace("cosign container image signature", "something else");
        assert!(matches!(
            check_simple_signing(typed.as_bytes(), &d),
            Err(PayloadError::WrongType(_))
        ));
        assert!(matches!(
            check_simple_signing(b"[]", &d),
            Err(PayloadError::NotJson(_))
        ));
    }

    #[test]
    fn dsse_statements_must_be_cosign_signatures_of_the_digest() {
        let d = digest();
        let statement = |predicate: &str, hex: &str| {
            format!(
                r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"x","digest":{{"sha256":"{hex}"}}}}],"predicateType":"{predicate}","predicate":{{}}}}"#
            )
        };
        let good = statement(COSIGN_SIGN_PREDICATE, d.hex());
        assert_eq!(check_dsse_payload(IN_TOTO, good.as_bytes(), &d), Ok(()));
        let provenance = statement("https://slsa.dev/provenance/v1", d.hex());
        assert!(matches!(
            check_dsse_payload(IN_TOTO, provenance.as_bytes(), &d),
            Err(PayloadError::NotASignature(_))
        ));
        let elsewhere = statement(COSIGN_SIGN_PREDICATE, Digest::sha256_of(b"y").hex());
        assert_eq!(
            check_dsse_payload(IN_TOTO, elsewhere.as_bytes(), &d),
            Err(PayloadError::NoSubject)
        );
        assert!(matches!(
            check_dsse_payload("text/plain", b"", &d),
            Err(PayloadError::PayloadType(_))
        ));
    }

    #[test]
    fn bundles_read_and_pae_is_dsse_v1() {
        let dsse = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{"payload":"aGk=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AAE=","keyid":""}]}}"#;
        assert_eq!(
            parse_bundle(dsse),
            Ok(Bundle::Dsse {
                payload_type: IN_TOTO.into(),
                payload: b"hi".to_vec(),
                signatures: vec![vec![0, 1]],
            })
        );
        let message = br#"{"messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"AAE="},"signature":"AgM="}}"#;
        assert!(matches!(parse_bundle(message), Ok(Bundle::Message { .. })));
        assert_eq!(parse_bundle(b"{}"), Err(PayloadError::Empty));
        assert_eq!(pae("t", b"ab"), b"DSSEv1 1 t 2 ab".to_vec());
        let d = digest();
        let raw = hex::decode(d.hex()).unwrap();
        assert!(message_signs_manifest("SHA2_256", &raw, &d));
        assert!(!message_signs_manifest("SHA2_384", &raw, &d));
    }
}
