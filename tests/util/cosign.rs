//! Signatures made the way cosign makes them, with keys made by the
//! `openssl` command (an implementation independent of ddigest's): the
//! simple-signing payload and its `.sig` tag manifest, Sigstore bundles
//! (a DSSE envelope over cosign's in-toto statement, or a message
//! signature over the manifest) attached as OCI referrers, and the
//! referrers tag schema's index.

use super::push::{to_json, Pushed, Pusher, OCI_INDEX, OCI_MANIFEST};
use super::temp_dir;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;

pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
pub const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
pub const EMPTY: &str = "application/vnd.oci.empty.v1+json";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    P256,
    P384,
    Ed25519,
    RsaPkcs1,
    RsaPss,
}

/// A key pair in PEM files, made by `openssl genpkey`.
pub struct TestKey {
    _dir: tempfile::TempDir,
    kind: KeyKind,
    private: PathBuf,
    pub public: PathBuf,
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl ({e}): apt-get install openssl"));
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TestKey {
    pub fn generate(kind: KeyKind) -> TestKey {
        let dir = temp_dir("key");
        let private = dir.path().join("key.pem");
        let public = dir.path().join("key.pub");
        let algorithm: &[&str] = match kind {
            KeyKind::P256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            KeyKind::P384 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            KeyKind::Ed25519 => &["-algorithm", "ED25519"],
            KeyKind::RsaPkcs1 | KeyKind::RsaPss => {
                &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
            }
        };
        let out = private.to_str().expect("path");
        openssl(&[&["genpkey"], algorithm, &["-out", out]].concat());
        let public_path = public.to_str().expect("path");
        openssl(&["pkey", "-in", out, "-pubout", "-out", public_path]);
        TestKey {
            _dir: dir,
            kind,
            private,
            public,
        }
    }

    pub fn public_path(&self) -> &str {
        self.public.to_str().expect("path")
    }

    /// The signature cosign would make over `message` with this key.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let dir = temp_dir("sign");
        let input = dir.path().join("message");
        let output = dir.path().join("signature");
        std::fs::write(&input, message).expect("message");
        let (key, inp, outp) = (
            self.private.to_str().expect("path"),
            input.to_str().expect("path"),
            output.to_str().expect("path"),
        );
        match self.kind {
            KeyKind::Ed25519 => openssl(&[
                "pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", inp, "-out", outp,
            ]),
            KeyKind::P384 => openssl(&["dgst", "-sha384", "-sign", key, "-out", outp, inp]),
            KeyKind::P256 | KeyKind::RsaPkcs1 => {
                openssl(&["dgst", "-sha256", "-sign", key, "-out", outp, inp])
            }
            KeyKind::RsaPss => openssl(&[
                "dgst",
                "-sha256",
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:32",
                "-sigopt",
                "rsa_mgf1_md:sha256",
                "-sign",
                key,
                "-out",
                outp,
                inp,
            ]),
        }
        std::fs::read(&output).expect("signature")
    }

    pub fn sign_base64(&self, message: &[u8]) -> String {
        STANDARD.encode(self.sign(message))
    }
}

/// cosign's simple-signing payload for `digest`, as cosign writes it.
pub fn payload(reference: &str, digest: &str) -> Vec<u8> {
    json!({
        "critical": {
            "identity": {"docker-reference": reference},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature"
        },
        "optional": null
    })
    .to_string()
    .into_bytes()
}

/// One layer of a `.sig` manifest: the payload and its annotation.
pub struct SigLayer {
    pub payload: Vec<u8>,
    /// The `dev.cosignproject.cosign/signature` value; none to leave it out.
    pub signature: Option<String>,
}

impl SigLayer {
    /// A payload for `digest`, signed by `key`.
    pub fn signed(key: &TestKey, digest: &str) -> SigLayer {
        let payload = payload("registry.example/app", digest);
        SigLayer {
            signature: Some(key.sign_base64(&payload)),
            payload,
        }
    }
}

/// The tag cosign keeps a digest's signatures under.
pub fn sig_tag(digest: &str) -> String {
    format!("{}.sig", digest.replace(':', "-"))
}

impl Pusher {
    /// Pushes an OCI image manifest of `layers` (each a blob of its own)
    /// under `tag`, as cosign pushes its `.sig` manifest.
    pub fn signatures(&self, repo: &str, tag: &str, layers: &[SigLayer]) -> Pushed {
        let annotated: Vec<(Vec<u8>, Value)> = layers
            .iter()
            .map(|l| {
                let annotations = match &l.signature {
                    Some(signature) => json!({"dev.cosignproject.cosign/signature": signature}),
                    None => Value::Null,
                };
                (l.payload.clone(), annotations)
            })
            .collect();
        self.signature_layers(repo, tag, &annotated)
    }

    /// As `signatures`, each layer a payload with the annotations given
    /// (`null` for none): cosign 2's keyless layers carry a certificate,
    /// a chain and a Rekor bundle besides the signature.
    pub fn signature_layers(&self, repo: &str, tag: &str, layers: &[(Vec<u8>, Value)]) -> Pushed {
        let config =
            br#"{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}"#;
        let mut uploaded = std::collections::HashMap::new();
        let layers: Vec<Value> = layers
            .iter()
            .map(|(payload, annotations)| {
                let digest = uploaded
                    .entry(payload.clone())
                    .or_insert_with(|| self.blob(repo, payload))
                    .clone();
                let mut d =
                    json!({"mediaType": SIMPLE_SIGNING, "size": payload.len(), "digest": digest});
                if !annotations.is_null() {
                    d["annotations"] = annotations.clone();
                }
                d
            })
            .collect();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": config.len(), "digest": self.blob(repo, config)},
            "layers": layers,
        });
        self.manifest(repo, tag, OCI_MANIFEST, to_json(&manifest, None))
    }

    /// Pushes an OCI 1.1 artifact manifest about `subject` (by its digest)
    /// with one layer of `layer_type` holding `bytes`.
    pub fn artifact(
        &self,
        repo: &str,
        subject: &Pushed,
        artifact_type: &str,
        layer_type: &str,
        bytes: &[u8],
        annotations: Value,
    ) -> Pushed {
        let empty = b"{}";
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": artifact_type,
            "config": {"mediaType": EMPTY, "size": 2, "digest": self.blob(repo, empty)},
            "layers": [{"mediaType": layer_type, "size": bytes.len(), "digest": self.blob(repo, bytes)}],
            "subject": {"mediaType": subject.media_type, "size": subject.bytes.len(), "digest": subject.digest},
            "annotations": annotations,
        });
        let bytes = to_json(&manifest, None);
        let digest = super::sha256(&bytes);
        self.manifest(repo, &digest, OCI_MANIFEST, bytes)
    }

    /// Pushes the referrers tag schema's index for `subject`: these
    /// artifacts under the tag `sha256-<hex>`.
    pub fn referrers_tag(
        &self,
        repo: &str,
        subject: &Pushed,
        artifacts: &[(&Pushed, &str)],
    ) -> Pushed {
        let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": referrers_entries(artifacts)});
        let tag = subject.digest.replace(':', "-");
        self.manifest(repo, &tag, OCI_INDEX, to_json(&index, None))
    }
}

/// Index entries for artifacts, each with its artifact type.
pub fn referrers_entries(artifacts: &[(&Pushed, &str)]) -> Vec<Value> {
    artifacts
        .iter()
        .map(|(a, t)| json!({"mediaType": a.media_type, "size": a.bytes.len(), "digest": a.digest, "artifactType": t}))
        .collect()
}

/// cosign 3's in-toto statement that it signs an image with.
pub fn statement(digest: &str) -> Vec<u8> {
    let hex = digest.trim_start_matches("sha256:");
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "registry.example/app", "digest": {"sha256": hex}}],
        "predicateType": "https://sigstore.dev/cosign/sign/v1",
        "predicate": {}
    })
    .to_string()
    .into_bytes()
}

/// A bundle whose DSSE envelope holds `statement`, signed by `key`.
pub fn dsse_bundle(key: &TestKey, statement: &[u8]) -> Vec<u8> {
    let payload_type = "application/vnd.in-toto+json";
    let mut pae = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        statement.len()
    )
    .into_bytes();
    pae.extend_from_slice(statement);
    json!({
        "mediaType": BUNDLE,
        "verificationMaterial": {"publicKey": {"hint": "test"}},
        "dsseEnvelope": {
            "payload": STANDARD.encode(statement),
            "payloadType": payload_type,
            "signatures": [{"sig": key.sign_base64(&pae), "keyid": ""}]
        }
    })
    .to_string()
    .into_bytes()
}

/// A bundle whose message signature is over `manifest` itself.
pub fn message_bundle(key: &TestKey, manifest: &[u8]) -> Vec<u8> {
    use sha2::{Digest as _, Sha256};
    json!({
        "mediaType": BUNDLE,
        "verificationMaterial": {"publicKey": {"hint": "test"}},
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": STANDARD.encode(Sha256::digest(manifest))},
            "signature": key.sign_base64(manifest)
        }
    })
    .to_string()
    .into_bytes()
}
