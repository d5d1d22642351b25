//! A private Sigstore made in the tests, standing in for the public-good
//! one: a Fulcio-like CA (root and intermediate, by rcgen), a Rekor log
//! key and a CT log key (ECDSA P-256, by ring), and their trusted root for
//! `--trusted-root`. It issues leaf certificates with the extensions
//! Fulcio writes (SANs, the OIDC issuer, an embedded SCT over the
//! precertificate), and logs signatures as Rekor does (a hashedrekord or
//! dsse body, its SET, and for bundles an inclusion proof up to a signed
//! checkpoint). Every part can be made wrong on purpose, one at a time.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ddigest::signature::keyless::rekor::{leaf_hash, node_hash, set_payload, Entry};
use ddigest::signature::keyless::sct;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use x509_cert::der::{Decode as _, Encode as _};

pub const GITHUB: &str = "https://token.actions.githubusercontent.com";
pub const WORKFLOW: &str = "https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1";
/// When the test signatures are logged: 2025-06-01T12:00:00Z.
pub const SIGNED_AT: i64 = 1_748_779_200;

/// An ECDSA P-256 key a log signs with, and its id (SHA-256 of its SPKI).
pub struct LogKey {
    pair: EcdsaKeyPair,
    pub spki: Vec<u8>,
    pub id: [u8; 32],
}

impl LogKey {
    pub fn generate() -> LogKey {
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .expect("key");
        let spki = p256_spki(pair.public_key().as_ref());
        let id = Sha256::digest(&spki).into();
        LogKey { pair, spki, id }
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        self.pair
            .sign(&rng, message)
            .expect("sign")
            .as_ref()
            .to_vec()
    }

    /// The public key as a PEM `PUBLIC KEY` file, as a policy names it.
    pub fn public_pem(&self) -> String {
        let b64 = STANDARD.encode(&self.spki);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
            .collect();
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        )
    }
}

/// SubjectPublicKeyInfo of an uncompressed P-256 point.
fn p256_spki(point: &[u8]) -> Vec<u8> {
    let mut der = vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    der.extend_from_slice(point);
    der
}

/// A CA certificate and its key.
pub struct Ca {
    pub cert: rcgen::Certificate,
    pub key: KeyPair,
}

impl Ca {
    fn params(name: &str, from: i64, to: i64, intermediate: bool) -> CertificateParams {
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::OrganizationName, "ddigest-test");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        if intermediate {
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
        }
        params.not_before = at(from);
        params.not_after = at(to);
        params
    }

    pub fn root(name: &str) -> Ca {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).expect("key");
        let cert = Self::params(
            name,
            SIGNED_AT - 86_400 * 365,
            SIGNED_AT + 86_400 * 3650,
            false,
        )
        .self_signed(&key)
        .expect("root");
        Ca { cert, key }
    }

    pub fn intermediate(&self, name: &str) -> Ca {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).expect("key");
        let mut params = Self::params(
            name,
            SIGNED_AT - 86_400 * 300,
            SIGNED_AT + 86_400 * 3000,
            true,
        );
        params.use_authority_key_identifier_extension = true;
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("intermediate");
        Ca { cert, key }
    }
}

fn at(secs: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(secs).expect("time")
}

/// A subject alternative name Fulcio writes.
#[derive(Clone)]
pub enum San {
    Uri(String),
    Email(String),
    /// Fulcio's OtherName (1.3.6.1.4.1.57264.1.7), e.g. for a username.
    Other(String),
}

/// What a leaf certificate is to say, and what may be wrong with it.
#[derive(Clone)]
pub struct LeafSpec {
    pub san: San,
    pub issuer: Option<String>,
    /// The older raw issuer extension (…1.1), besides or instead of …1.8.
    pub issuer_v1: Option<String>,
    pub not_before: i64,
    pub not_after: i64,
    pub code_signing: bool,
    /// Embed an SCT (by `ct`, the test's CT log unless another is given).
    pub sct: bool,
}

impl LeafSpec {
    pub fn workflow() -> LeafSpec {
        LeafSpec {
            san: San::Uri(WORKFLOW.into()),
            issuer: Some(GITHUB.into()),
            issuer_v1: None,
            not_before: SIGNED_AT - 60,
            not_after: SIGNED_AT + 540,
            code_signing: true,
            sct: true,
        }
    }
}

/// A leaf certificate and its key (which signs the payload).
pub struct LeafCert {
    pub der: Vec<u8>,
    pub pem: String,
    key: EcdsaKeyPair,
}

impl LeafCert {
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.key
            .sign(&SystemRandom::new(), message)
            .expect("sign")
            .as_ref()
            .to_vec()
    }
}

fn der_len(len: usize) -> Vec<u8> {
    match len {
        0..=127 => vec![len as u8],
        128..=255 => vec![0x81, len as u8],
        _ => vec![0x82, (len >> 8) as u8, len as u8],
    }
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(content.len()));
    out.extend_from_slice(content);
    out
}

/// The private Sigstore: its CA, its logs, and the trusted root naming them.
pub struct Sigstore {
    pub root: Ca,
    pub intermediate: Ca,
    pub rekor: LogKey,
    pub ct: LogKey,
}

impl Sigstore {
    pub fn new() -> Sigstore {
        let root = Ca::root("test-fulcio-root");
        let intermediate = root.intermediate("test-fulcio-intermediate");
        Sigstore {
            root,
            intermediate,
            rekor: LogKey::generate(),
            ct: LogKey::generate(),
        }
    }

    /// The trusted root for `--trusted-root`.
    pub fn trusted_root(&self) -> Value {
        let log = |key: &LogKey, url: &str| {
            json!({
                "baseUrl": url,
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": STANDARD.encode(&key.spki),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": {"start": "2024-01-01T00:00:00Z"}
                },
                "logId": {"keyId": STANDARD.encode(key.id)}
            })
        };
        json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log(&self.rekor, "https://rekor.test")],
            "certificateAuthorities": [{
                "subject": {"organization": "ddigest-test", "commonName": "test-fulcio-root"},
                "uri": "https://fulcio.test",
                "certChain": {"certificates": [
                    {"rawBytes": STANDARD.encode(self.intermediate.cert.der())},
                    {"rawBytes": STANDARD.encode(self.root.cert.der())}
                ]},
                "validFor": {"start": "2024-01-01T00:00:00Z"}
            }],
            "ctlogs": [log(&self.ct, "https://ctfe.test")],
            "timestampAuthorities": []
        })
    }

    /// A leaf issued by this Sigstore's intermediate, its SCT by its CT log.
    pub fn leaf(&self, spec: &LeafSpec) -> LeafCert {
        self.leaf_from(&self.intermediate, &self.ct, spec)
    }

    /// A leaf issued by `ca`, with an SCT by `ct`: the precertificate is
    /// issued first, its SCT made over it, then the certificate again
    /// with the SCT list appended (RFC 6962 §3.1).
    pub fn leaf_from(&self, ca: &Ca, ct: &LogKey, spec: &LeafSpec) -> LeafCert {
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("key");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .expect("key");
        let public = KeyPair::from_pkcs8_der_and_sign_algo(
            &rustls::pki_types::PrivatePkcs8KeyDer::from(pkcs8.as_ref().to_vec()),
            &rcgen::PKCS_ECDSA_P256_SHA256,
        )
        .expect("key");
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.serial_number = Some(SerialNumber::from(vec![0x1b, 0x8e, 0x6e, 0x68]));
        params.not_before = at(spec.not_before);
        params.not_after = at(spec.not_after);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = if spec.code_signing {
            vec![ExtendedKeyUsagePurpose::CodeSigning]
        } else {
            vec![ExtendedKeyUsagePurpose::EmailProtection]
        };
        params.use_authority_key_identifier_extension = true;
        params.subject_alt_names = vec![match &spec.san {
            San::Uri(uri) => SanType::URI(uri.clone().try_into().expect("uri")),
            San::Email(mail) => SanType::Rfc822Name(mail.clone().try_into().expect("mail")),
            San::Other(name) => {
                SanType::OtherName((vec![1, 3, 6, 1, 4, 1, 57264, 1, 7], name.clone().into()))
            }
        }];
        if let Some(v1) = &spec.issuer_v1 {
            let ext = CustomExtension::from_oid_content(
                &[1, 3, 6, 1, 4, 1, 57264, 1, 1],
                v1.as_bytes().to_vec(),
            );
            params.custom_extensions.push(ext);
        }
        if let Some(issuer) = &spec.issuer {
            let ext = CustomExtension::from_oid_content(
                &[1, 3, 6, 1, 4, 1, 57264, 1, 8],
                der(0x0c, issuer.as_bytes()),
            );
            params.custom_extensions.push(ext);
        }
        let precert = params
            .clone()
            .signed_by(&public, &ca.cert, &ca.key)
            .expect("precert");
        if spec.sct {
            // Read with x509-cert directly, not with the code under test.
            let read = |der: &[u8]| {
                x509_cert::Certificate::from_der(der)
                    .expect("cert reads")
                    .tbs_certificate
            };
            let tbs = read(precert.der()).to_der().expect("tbs");
            let issuer_spki = read(ca.cert.der())
                .subject_public_key_info
                .to_der()
                .expect("spki");
            let sct = sct::encode_signed(
                &ct.id,
                (SIGNED_AT as u64 - 30) * 1000,
                &issuer_spki,
                &tbs,
                |m| ct.sign(m),
            );
            let mut list = (sct.len() as u16).to_be_bytes().to_vec();
            list.extend_from_slice(&sct);
            let mut tls = (list.len() as u16).to_be_bytes().to_vec();
            tls.extend_from_slice(&list);
            let ext = CustomExtension::from_oid_content(
                &[1, 3, 6, 1, 4, 1, 11129, 2, 4, 2],
                der(0x04, &tls),
            );
            params.custom_extensions.push(ext);
        }
        let cert = params.signed_by(&public, &ca.cert, &ca.key).expect("leaf");
        LeafCert {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            key,
        }
    }

    /// Logs a signature as Rekor would: the entry with its SET.
    pub fn log(&self, body: &Value, index: i64) -> Entry {
        let mut entry = Entry {
            body: body.to_string().into_bytes(),
            integrated_time: SIGNED_AT,
            log_index: index,
            log_id: self.rekor.id.to_vec(),
            ..Entry::default()
        };
        entry.set = Some(self.rekor.sign(&set_payload(&entry)));
        entry
    }

    /// An inclusion proof for `entry` as leaf 3 of a 5-leaf tree, with its
    /// checkpoint signed by the log: the bundle's `inclusionProof`.
    pub fn proof(&self, entry: &Entry) -> Value {
        let mut leaves: Vec<[u8; 32]> = (0..5u8).map(|i| leaf_hash(&[i])).collect();
        leaves[3] = leaf_hash(&entry.body);
        let root = tree_hash(&leaves);
        let hashes: Vec<String> = audit_path(3, &leaves)
            .iter()
            .map(|h| STANDARD.encode(h))
            .collect();
        let text = format!("rekor.test - 1\n5\n{}\n", STANDARD.encode(root));
        let mut sig = self.rekor.id[..4].to_vec();
        sig.extend(self.rekor.sign(text.as_bytes()));
        let note = format!("{text}\n\u{2014} rekor.test {}\n", STANDARD.encode(sig));
        json!({
            "logIndex": "3",
            "rootHash": STANDARD.encode(root),
            "treeSize": "5",
            "hashes": hashes,
            "checkpoint": {"envelope": note}
        })
    }
}

/// RFC 6962 §2.1's Merkle tree hash.
fn tree_hash(leaves: &[[u8; 32]]) -> [u8; 32] {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = split(leaves.len());
    node_hash(&tree_hash(&leaves[..k]), &tree_hash(&leaves[k..]))
}

fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 6962 §2.1.1's audit path for leaf `m`.
fn audit_path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    if leaves.len() == 1 {
        return vec![];
    }
    let k = split(leaves.len());
    if m < k {
        let mut path = audit_path(m, &leaves[..k]);
        path.push(tree_hash(&leaves[k..]));
        path
    } else {
        let mut path = audit_path(m - k, &leaves[k..]);
        path.push(tree_hash(&leaves[..k]));
        path
    }
}

/// A `hashedrekord` body naming a signature, a certificate and a payload.
pub fn hashedrekord(signature: &[u8], cert_pem: &str, payload: &[u8]) -> Value {
    json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": hex::encode(Sha256::digest(payload))}},
            "signature": {
                "content": STANDARD.encode(signature),
                "publicKey": {"content": STANDARD.encode(cert_pem)}
            }
        }
    })
}

/// A `dsse` body naming an envelope's payload, signature and certificate.
pub fn dsse_body(signature: &[u8], cert_pem: &str, payload: &[u8]) -> Value {
    json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hex::encode(Sha256::digest(b"envelope"))},
            "payloadHash": {"algorithm": "sha256", "value": hex::encode(Sha256::digest(payload))},
            "signatures": [{"signature": STANDARD.encode(signature), "verifier": STANDARD.encode(cert_pem)}]
        }
    })
}

/// cosign 2's `dev.sigstore.cosign/bundle` annotation for an entry.
pub fn cosign_bundle(entry: &Entry) -> String {
    json!({
        "SignedEntryTimestamp": STANDARD.encode(entry.set.clone().unwrap_or_default()),
        "Payload": {
            "body": STANDARD.encode(&entry.body),
            "integratedTime": entry.integrated_time,
            "logIndex": entry.log_index,
            "logID": hex::encode(&entry.log_id)
        }
    })
    .to_string()
}

/// The annotations of cosign 2's keyless `.sig` layer.
pub fn keyless_annotations(
    signature: &[u8],
    leaf: &LeafCert,
    chain_pem: &str,
    entry: Option<&Entry>,
) -> Value {
    let mut annotations = json!({
        "dev.cosignproject.cosign/signature": STANDARD.encode(signature),
        "dev.sigstore.cosign/certificate": leaf.pem,
        "dev.sigstore.cosign/chain": chain_pem,
    });
    if let Some(entry) = entry {
        annotations["dev.sigstore.cosign/bundle"] = json!(cosign_bundle(entry));
    }
    annotations
}

impl Sigstore {
    /// Signs `digest` keyless as cosign 2 does, the payload claiming
    /// `identity`, logs it at `index` and pushes its `.sig` tag.
    pub fn sign_image(
        &self,
        p: &super::push::Pusher,
        (repo, digest, identity): (&str, &str, &str),
        leaf: &LeafCert,
        index: i64,
    ) {
        let signed = super::cosign::payload(identity, digest);
        let signature = leaf.sign(&signed);
        let entry = self.log(&hashedrekord(&signature, &leaf.pem, &signed), index);
        let annotations = keyless_annotations(
            &signature,
            leaf,
            &self.intermediate.cert.pem(),
            Some(&entry),
        );
        p.signature_layers(
            repo,
            &super::cosign::sig_tag(digest),
            &[(signed, annotations)],
        );
    }
}
