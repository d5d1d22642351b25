//! A public key given with `--key`: read from PEM `PUBLIC KEY` (SPKI),
//! and the one check ddigest makes with it, whether a signature over some
//! bytes verifies. ECDSA P-256 (SHA-256) and P-384 (SHA-384) with ASN.1 DER
//! signatures, Ed25519, and RSA (PKCS#1 v1.5 or PSS with MGF1-SHA-256 and
//! a 32-byte salt, over SHA-256) are checked by `ring`; `spki` reads the
//! key. A key of another algorithm loads but verifies nothing. Pure.

use ring::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};
use spki::der::pem;
use spki::{ObjectIdentifier, SubjectPublicKeyInfoRef};

const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");

const BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
const END: &str = "-----END PUBLIC KEY-----";

/// Why a key file cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("no PEM \"PUBLIC KEY\" block (a cosign.pub or `openssl pkey -pubout` file)")]
    NoPublicKey,
    #[error("the PEM block cannot be read: {0}")]
    Pem(String),
    #[error("the public key is not a valid SubjectPublicKeyInfo: {0}")]
    Spki(String),
}

/// The DER SubjectPublicKeyInfo of the first `PUBLIC KEY` block of a PEM
/// text (text around it, such as a comment, is allowed).
pub fn spki_from_pem(text: &[u8]) -> Result<Vec<u8>, KeyError> {
    let text = String::from_utf8_lossy(text);
    let start = text.find(BEGIN).ok_or(KeyError::NoPublicKey)?;
    let end = text[start..]
        .find(END)
        .map(|at| start + at + END.len())
        .ok_or(KeyError::NoPublicKey)?;
    let (_, der) =
        pem::decode_vec(text[start..end].as_bytes()).map_err(|e| KeyError::Pem(e.to_string()))?;
    Ok(der)
}

/// What kind of key it is, and its bytes as `ring` takes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// An uncompressed point.
    EcdsaP256(Vec<u8>),
    EcdsaP384(Vec<u8>),
    /// The 32-byte key.
    Ed25519(Vec<u8>),
    /// DER `RSAPublicKey`.
    Rsa(Vec<u8>),
    /// Another algorithm (or curve): it verifies no signature.
    Other(String),
}

impl PublicKey {
    /// Reads the first `PUBLIC KEY` block of a PEM file (text around it,
    /// such as a comment, is allowed).
    pub fn from_pem(text: &[u8]) -> Result<PublicKey, KeyError> {
        Self::from_der(&spki_from_pem(text)?)
    }

    /// Reads a DER SubjectPublicKeyInfo.
    pub fn from_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let spki =
            SubjectPublicKeyInfoRef::try_from(der).map_err(|e| KeyError::Spki(e.to_string()))?;
        let Some(bits) = spki.subject_public_key.as_bytes() else {
            return Err(KeyError::Spki(
                "the key's bit string has unused bits".into(),
            ));
        };
        let bits = bits.to_vec();
        let oid = spki.algorithm.oid;
        Ok(match oid {
            EC_PUBLIC_KEY => match spki.algorithm.parameters_oid() {
                Ok(P256) => PublicKey::EcdsaP256(bits),
                Ok(P384) => PublicKey::EcdsaP384(bits),
                Ok(curve) => PublicKey::Other(format!("ECDSA on curve {curve}")),
                Err(_) => PublicKey::Other("ECDSA without a named curve".into()),
            },
            ED25519 => PublicKey::Ed25519(bits),
            RSA | RSA_PSS => PublicKey::Rsa(bits),
            other => PublicKey::Other(format!("algorithm {other}")),
        })
    }

    /// Short words for `-v`: `ECDSA P-256`, `RSA`.
    pub fn kind(&self) -> String {
        match self {
            PublicKey::EcdsaP256(_) => "ECDSA P-256".into(),
            PublicKey::EcdsaP384(_) => "ECDSA P-384".into(),
            PublicKey::Ed25519(_) => "Ed25519".into(),
            PublicKey::Rsa(_) => "RSA".into(),
            PublicKey::Other(what) => what.clone(),
        }
    }

    /// Whether `signature` is this key's signature over `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let check = |alg: &'static dyn VerificationAlgorithm, key: &[u8]| {
            UnparsedPublicKey::new(alg, key)
                .verify(message, signature)
                .is_ok()
        };
        match self {
            PublicKey::EcdsaP256(key) => check(&sig::ECDSA_P256_SHA256_ASN1, key),
            PublicKey::EcdsaP384(key) => check(&sig::ECDSA_P384_SHA384_ASN1, key),
            PublicKey::Ed25519(key) => check(&sig::ED25519, key),
            PublicKey::Rsa(key) => {
                check(&sig::RSA_PKCS1_2048_8192_SHA256, key)
                    || check(&sig::RSA_PSS_2048_8192_SHA256, key)
            }
            PublicKey::Other(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair};

    /// Wraps raw key bytes in an SPKI, as `openssl pkey -pubout` writes it.
    fn spki_pem(algorithm: &[u8], key: &[u8]) -> String {
        let mut bits = vec![0x03];
        push_len(&mut bits, key.len() + 1);
        bits.push(0);
        bits.extend_from_slice(key);
        let mut body = algorithm.to_vec();
        body.extend_from_slice(&bits);
        let mut der = vec![0x30];
        push_len(&mut der, body.len());
        der.extend_from_slice(&body);
        pem::encode_string("PUBLIC KEY", pem::LineEnding::LF, &der).unwrap()
    }

    fn push_len(out: &mut Vec<u8>, len: usize) {
        if len < 128 {
            out.push(len as u8);
        } else {
            out.extend_from_slice(&[0x81, len as u8]);
        }
    }

    // AlgorithmIdentifier SEQUENCEs: id-ecPublicKey + prime256v1; Ed25519.
    const EC_P256_ALG: &[u8] = &[
        0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86,
        0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ];
    const ED25519_ALG: &[u8] = &[0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];

    #[test]
    fn ecdsa_p256_and_ed25519_verify_only_their_own_signatures() {
        let rng = SystemRandom::new();
        let alg = &sig::ECDSA_P256_SHA256_ASN1_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
        let pem = spki_pem(EC_P256_ALG, pair.public_key().as_ref());
        let key = PublicKey::from_pem(format!("# comment\n{pem}").as_bytes()).unwrap();
        assert_eq!(key.kind(), "ECDSA P-256");
        let signature = pair.sign(&rng, b"payload").unwrap();
        assert!(key.verifies(b"payload", signature.as_ref()));
        assert!(!key.verifies(b"payloaD", signature.as_ref()));

        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let ed = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let ed_key =
            PublicKey::from_pem(spki_pem(ED25519_ALG, ed.public_key().as_ref()).as_bytes())
                .unwrap();
        let ed_sig = ed.sign(b"payload");
        assert!(ed_key.verifies(b"payload", ed_sig.as_ref()));
        // A key of one type never verifies another type's signature.
        assert!(!ed_key.verifies(b"payload", signature.as_ref()));
        assert!(!key.verifies(b"payload", ed_sig.as_ref()));
    }

    #[test]
    fn files_that_are_not_public_keys_are_refused() {
        assert_eq!(PublicKey::from_pem(b"hello"), Err(KeyError::NoPublicKey));
        let private = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(PublicKey::from_pem(private), Err(KeyError::NoPublicKey));
        let junk = b"-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n";
        assert!(matches!(PublicKey::from_pem(junk), Err(KeyError::Pem(_))));
        let not_spki = b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
        assert!(matches!(
            PublicKey::from_pem(not_spki),
            Err(KeyError::Spki(_))
        ));
    }

    #[test]
    fn other_algorithms_load_and_verify_nothing() {
        // id-dsa with no parameters.
        let dsa: &[u8] = &[
            0x30, 0x09, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01,
        ];
        let key = PublicKey::from_pem(spki_pem(dsa, &[1, 2, 3]).as_bytes()).unwrap();
        assert!(matches!(key, PublicKey::Other(_)));
        assert!(!key.verifies(b"x", b"y"));
    }
}
