//! Keyless verification on signatures the real Sigstore made (public-good
//! Fulcio, Rekor and CT log), against the embedded trusted root: cosign 2's
//! `.sig` layer material from containers/image, a cosign 3 bundle from
//! cosign's test data, sigstore-conformance's swapped-entry bundle and
//! sigstore-go's v0.2 example (origins in `tests/data/sigstore/README.md`).
//! Each is verified whole, then broken one part at a time.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ddigest::signature::keyless::material::{
    annotated_certificate, annotated_entry, bundle_material,
};
use ddigest::signature::keyless::rekor::Entry;
use ddigest::signature::keyless::root::TrustedRoot;
use ddigest::signature::keyless::{Evidence, Keyless, KeylessError, Matcher, Signer};
use ddigest::signature::payload::{self, Bundle};
use sha2::{Digest as _, Sha256};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/sigstore/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn keyless(identity: Matcher, issuer: &str) -> Keyless {
    Keyless {
        root: TrustedRoot::public_good().expect("embedded root"),
        identity,
        issuer: Matcher::Exact(issuer.into()),
        require_sct: true,
    }
}

fn exact(identity: &str) -> Matcher {
    Matcher::Exact(identity.into())
}

/// containers/image's `dir-img-cosign-fulcio-rekor-valid` material.
struct Cosign2 {
    certificate: Vec<u8>,
    payload: Vec<u8>,
    signature: Vec<u8>,
    entry: Entry,
}

fn cosign2() -> Cosign2 {
    let pem = String::from_utf8(data("fulcio-cert")).unwrap();
    let set = String::from_utf8(data("rekor-set")).unwrap();
    Cosign2 {
        certificate: annotated_certificate(&pem).unwrap(),
        payload: data("rekor-payload"),
        signature: STANDARD.decode(data("rekor-sig")).unwrap(),
        entry: annotated_entry(Some(&set)).unwrap(),
    }
}

impl Cosign2 {
    fn check(&self, with: &Keyless) -> Result<Signer, KeylessError> {
        with.verify(&Evidence {
            certificate: &self.certificate,
            message: &self.payload,
            signature: &self.signature,
            payload_sha256: Sha256::digest(&self.payload).into(),
            dsse: false,
            entry: &self.entry,
            proof_required: false,
            intermediates: &[],
        })
    }
}

const MITR: &str = "mitr@redhat.com";
const GITHUB_OAUTH: &str = "https://github.com/login/oauth";

#[test]
fn a_cosign2_keyless_signature_by_the_public_good_instance_verifies() {
    let sig = cosign2();
    let signer = sig.check(&keyless(exact(MITR), GITHUB_OAUTH)).unwrap();
    assert_eq!(
        signer,
        Signer {
            identity: MITR.into(),
            issuer: GITHUB_OAUTH.into(),
            integrated_time: 1_670_870_899,
            log_index: 8_949_589,
        }
    );
    // The payload names the manifest list it signs.
    let digest = "sha256:fa93b01658e3a5a1686dc3ae55f170d8de487006fb53a28efcd12ab0710a2e5f";
    let named = payload::check_simple_signing(&sig.payload, &digest.parse().unwrap());
    assert!(named.is_ok(), "{named:?}");
    let regex = Matcher::Regex(regex::Regex::new(r"@redhat\.com$").unwrap());
    assert!(sig.check(&keyless(regex, GITHUB_OAUTH)).is_ok());
}

#[test]
fn a_cosign2_signature_for_another_identity_or_issuer_is_refused_in_words() {
    let sig = cosign2();
    let err = sig
        .check(&keyless(exact("mitr@redhat.co"), GITHUB_OAUTH))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "signed by mitr@redhat.com (issuer https://github.com/login/oauth), not by the identity asked for"
    );
    let issuer = sig.check(&keyless(exact(MITR), "https://accounts.google.com"));
    assert!(matches!(issuer, Err(KeylessError::Identity { .. })));
    // Unanchored, as cosign: a regexp that matches a part matches.
    let part = Matcher::Regex(regex::Regex::new("redhat").unwrap());
    assert!(sig.check(&keyless(part, GITHUB_OAUTH)).is_ok());
    let near = Matcher::Regex(regex::Regex::new("^mitr@redhat.com.evil$").unwrap());
    assert!(sig.check(&keyless(near, GITHUB_OAUTH)).is_err());
}

#[test]
fn each_broken_part_of_a_cosign2_signature_is_named() {
    let with = keyless(exact(MITR), GITHUB_OAUTH);
    let why = |sig: &Cosign2| sig.check(&with).unwrap_err().to_string();

    let mut tampered = cosign2();
    tampered.payload[20] ^= 1;
    assert_eq!(
        why(&tampered),
        "the signature does not verify with its certificate's key"
    );

    let mut late = cosign2();
    late.entry.integrated_time += 1;
    assert_eq!(
        why(&late),
        "the Rekor entry's signed timestamp does not verify"
    );

    let mut other_log = cosign2();
    other_log.entry.log_id[0] ^= 1;
    assert_eq!(
        why(&other_log),
        "the Rekor entry is from a log the trusted root does not name"
    );

    let mut no_set = cosign2();
    no_set.entry.set = None;
    assert!(why(&no_set).contains("no signed entry timestamp"));

    // A body naming another signature: the SET still verifies over it,
    // so only the body check can catch a swapped entry.
    let mut body = cosign2();
    body.signature = {
        let mut s = body.signature.clone();
        let last = s.len() - 1;
        s[last] ^= 1;
        s
    };
    assert_eq!(
        why(&body),
        "the signature does not verify with its certificate's key"
    );
}

#[test]
fn the_certificate_must_have_been_valid_when_the_log_recorded_it() {
    // The same material, with a root whose log and CA windows are moved:
    // the CA issuing only after the integrated time, then only before.
    let sig = cosign2();
    let text = String::from_utf8(ddigest::signature::keyless::root::PUBLIC_GOOD.to_vec()).unwrap();
    let later = text.replace("2022-04-13T20:06:15.000Z", "2022-12-12T18:50:00.000Z");
    let with = Keyless {
        root: TrustedRoot::parse(later.as_bytes()).unwrap(),
        ..keyless(exact(MITR), GITHUB_OAUTH)
    };
    assert_eq!(
        sig.check(&with).unwrap_err().to_string(),
        "no Fulcio CA of the trusted root was issuing when the log recorded the signature"
    );
    let ct_gone = text.replace(
        r#""start": "2022-01-01T00:00:00.000Z"
        }"#,
        r#""start": "2022-01-01T00:00:00.000Z",
          "end": "2022-06-01T00:00:00.000Z"
        }"#,
    );
    assert_ne!(ct_gone, text);
    let with = Keyless {
        root: TrustedRoot::parse(ct_gone.as_bytes()).unwrap(),
        ..keyless(exact(MITR), GITHUB_OAUTH)
    };
    assert_eq!(
        sig.check(&with).unwrap_err().to_string(),
        "its SCT's time is outside its CT log's validity (the certificate's CT proof)"
    );
}

/// cosign's `oci-attestation.sigstore.json`: a v0.3 bundle, DSSE, with a
/// SET and an inclusion proof up to a signed checkpoint.
struct Cosign3 {
    bytes: Vec<u8>,
}

impl Cosign3 {
    fn check(&self, with: &Keyless) -> Result<Signer, KeylessError> {
        let material = bundle_material(&self.bytes).unwrap();
        let Ok(Bundle::Dsse {
            payload_type,
            payload,
            signatures,
        }) = payload::parse_bundle(&self.bytes)
        else {
            panic!("a DSSE bundle");
        };
        let message = payload::pae(&payload_type, &payload);
        with.verify(&Evidence {
            certificate: &material.certificate,
            message: &message,
            signature: &signatures[0],
            payload_sha256: Sha256::digest(&payload).into(),
            dsse: true,
            entry: &material.entries[0],
            proof_required: material.proof_required,
            intermediates: &[],
        })
    }

    fn edited(&self, from: &str, to: &str) -> Cosign3 {
        let text = String::from_utf8(self.bytes.clone()).unwrap();
        assert!(text.contains(from), "{from}");
        Cosign3 {
            bytes: text.replacen(from, to, 1).into_bytes(),
        }
    }
}

const CODY: &str = "cody@soyland.com";

#[test]
fn a_cosign3_bundle_with_an_inclusion_proof_verifies() {
    let bundle = Cosign3 {
        bytes: data("oci-attestation.sigstore.json"),
    };
    let signer = bundle.check(&keyless(exact(CODY), GITHUB_OAUTH)).unwrap();
    assert_eq!(signer.integrated_time, 1_740_770_291);
    assert_eq!(signer.log_index, 175_508_996);
    assert_eq!(signer.issuer, GITHUB_OAUTH);
    // An attestation, not an image signature: `--key`/keyless resolution
    // does not take it as vouching for the image.
    let Ok(Bundle::Dsse {
        payload_type,
        payload,
        ..
    }) = payload::parse_bundle(&bundle.bytes)
    else {
        panic!("a DSSE bundle");
    };
    let subject = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
    let named = payload::check_dsse_payload(&payload_type, &payload, &subject.parse().unwrap());
    assert!(
        matches!(named, Err(payload::PayloadError::NotASignature(_))),
        "{named:?}"
    );
}

#[test]
fn a_cosign3_bundle_whose_proof_or_checkpoint_is_broken_is_refused() {
    let bundle = Cosign3 {
        bytes: data("oci-attestation.sigstore.json"),
    };
    let with = keyless(exact(CODY), GITHUB_OAUTH);
    let why = |b: &Cosign3| b.check(&with).unwrap_err().to_string();
    // One audit-path hash changed.
    let path = bundle.edited(
        "p7adBuLwiHyxFA7sjjx9Jt+YJ9NJ6pPRsqrlFv/Prl4=",
        "q7adBuLwiHyxFA7sjjx9Jt+YJ9NJ6pPRsqrlFv/Prl4=",
    );
    assert_eq!(
        why(&path),
        "the Rekor entry's inclusion proof does not lead to its checkpoint's root"
    );
    // The proof's index moved by one.
    let index = bundle.edited(r#""logIndex":"53604734""#, r#""logIndex":"53604733""#);
    assert_eq!(
        why(&index),
        "the Rekor entry's inclusion proof does not lead to its checkpoint's root"
    );
    // The checkpoint's signature broken.
    let note = bundle.edited("wNI9ajBFAiEAuh6liXP", "wNI9ajBFAiEAuh6liXQ");
    assert_eq!(why(&note), "the Rekor checkpoint is not signed by its log");
    // No proof at all, in a v0.3 bundle.
    let text = String::from_utf8(bundle.bytes.clone()).unwrap();
    let start = text.find(r#","inclusionProof""#).unwrap();
    let end = text.find(r#","canonicalizedBody""#).unwrap();
    let unproven = Cosign3 {
        bytes: format!("{}{}", &text[..start], &text[end..]).into_bytes(),
    };
    assert_eq!(
        why(&unproven),
        "the bundle has no inclusion proof (required from bundle v0.2)"
    );
    // The SET broken.
    let set = bundle.edited("MEUCIQDIgcWm5sXPh52rA", "MEUCIQDIgcWm5sXPh52rB");
    assert_eq!(
        why(&set),
        "the Rekor entry's signed timestamp does not verify"
    );
    // The kind the bundle states disagrees with the body.
    let kind = bundle.edited(r#""kind":"dsse""#, r#""kind":"hashedrekord""#);
    assert_eq!(
        why(&kind),
        "the Rekor entry's body is not of the kind the bundle says"
    );
}

/// sigstore-conformance's `cve-2022-36056-swapped-tlog-entry_fail`: two
/// real signatures of `a.txt`, the first's bundle carrying the second's
/// Rekor entry. Everything else about it is valid, so only the check that
/// the body names this signature and certificate refuses it; the entry
/// with the certificate and signature it names verifies.
#[test]
fn a_swapped_rekor_entry_is_refused_and_the_entry_verifies_with_its_own_signature() {
    let bundle: serde_json::Value =
        serde_json::from_slice(&data("cve-2022-36056-swapped-tlog-entry.json")).unwrap();
    let text = |v: &serde_json::Value| v.as_str().unwrap().to_string();
    let pem = String::from_utf8(STANDARD.decode(text(&bundle["cert"])).unwrap()).unwrap();
    let entry = annotated_entry(Some(&bundle["rekorBundle"].to_string())).unwrap();
    let artifact = data("a.txt");
    let any = || Keyless {
        root: TrustedRoot::public_good().unwrap(),
        identity: Matcher::Regex(regex::Regex::new(".*").unwrap()),
        issuer: Matcher::Regex(regex::Regex::new(".*").unwrap()),
        require_sct: true,
    };
    let check = |certificate: &[u8], signature: &[u8]| {
        any().verify(&Evidence {
            certificate,
            message: &artifact,
            signature,
            payload_sha256: Sha256::digest(&artifact).into(),
            dsse: false,
            entry: &entry,
            proof_required: false,
            intermediates: &[],
        })
    };
    let swapped = check(
        &annotated_certificate(&pem).unwrap(),
        &STANDARD.decode(text(&bundle["base64Signature"])).unwrap(),
    );
    assert_eq!(
        swapped.unwrap_err().to_string(),
        "the Rekor entry's body names another signature"
    );
    // The signature and certificate the entry does name.
    let body: serde_json::Value = serde_json::from_slice(&entry.body).unwrap();
    let signature = STANDARD
        .decode(text(&body["spec"]["signature"]["content"]))
        .unwrap();
    let named_pem = String::from_utf8(
        STANDARD
            .decode(text(&body["spec"]["signature"]["publicKey"]["content"]))
            .unwrap(),
    )
    .unwrap();
    let signer = check(&annotated_certificate(&named_pem).unwrap(), &signature).unwrap();
    assert_eq!(signer.integrated_time, 1_768_341_832);
    assert_eq!(signer.issuer, GITHUB_OAUTH);
}

/// sigstore-go's `examples/bundle-v02.json`: a v0.2 bundle of a message
/// signature over `a.txt` by sigstore-conformance's beacon workflow, with
/// an inclusion proof to a checkpoint (with a `Timestamp:` extension line)
/// and no SET. The signature, the body and the proof all verify; without a
/// SET its integrated time is not signed by the log, so ddigest does not
/// count it (sigstore-go takes the unsigned time).
#[test]
fn a_v02_bundle_without_a_set_proves_inclusion_but_not_its_time() {
    use ddigest::signature::keyless::rekor::RekorError;
    let bytes = data("sigstore-go-bundle-v02.json");
    let material = bundle_material(&bytes).unwrap();
    assert!(material.proof_required);
    let Ok(Bundle::Message { signature, .. }) = payload::parse_bundle(&bytes) else {
        panic!("a message signature bundle");
    };
    let artifact = data("a.txt");
    let beacon = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
    let with = keyless(exact(beacon), "https://token.actions.githubusercontent.com");
    let check = |entry: &Entry| {
        with.verify(&Evidence {
            certificate: &material.certificate,
            message: &artifact,
            signature: &signature,
            payload_sha256: Sha256::digest(&artifact).into(),
            dsse: false,
            entry,
            proof_required: true,
            intermediates: &[],
        })
    };
    let entry = &material.entries[0];
    assert_eq!(check(entry), Err(KeylessError::Rekor(RekorError::NoSet)));
    // The same entry with its proof broken fails earlier, at the proof.
    let mut broken = entry.clone();
    if let Some(proof) = broken.proof.as_mut() {
        proof.hashes[0][0] ^= 1;
    }
    assert_eq!(
        check(&broken),
        Err(KeylessError::Rekor(RekorError::BadProof))
    );
}
