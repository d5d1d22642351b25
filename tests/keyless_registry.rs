//! Keyless verification end to end on the real registry, with a private
//! Sigstore made in the test (`util::sigstore`) given by `--trusted-root`:
//! cosign 2's keyless `.sig` layers and cosign 3's bundles as referrers
//! verify, and every way a keyless signature must fail does, each with its
//! reason in words: another identity or issuer, a regexp near-miss, a
//! certificate expired before it was logged, a SET of another entry, a
//! body naming another signature or key, an unknown CT log, no SCT, an
//! intermediate the root does not hold, an untrusted CA, a payload changed
//! after signing, and a bundle whose proof or checkpoint does not verify.

use crate::util::cosign::{payload, sig_tag, statement, KeyKind, SigLayer, TestKey, BUNDLE};
use crate::util::push::{PushAuth, Pushed, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::sigstore::{
    dsse_body, hashedrekord, keyless_annotations, Ca, LeafCert, LeafSpec, LogKey, San, Sigstore,
    GITHUB, SIGNED_AT, WORKFLOW,
};
use crate::util::{temp_dir, Ddigest};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

/// A registry, a private Sigstore and its trusted root on disk.
struct World {
    reg: Registry,
    p: Pusher,
    dd: Ddigest,
    store: Sigstore,
    _dir: tempfile::TempDir,
    root_path: String,
}

impl World {
    fn new() -> World {
        let reg = Registry::start(Auth::None, false);
        let p = Pusher::new(&reg, PushAuth::None);
        let store = Sigstore::new();
        let dir = temp_dir("root");
        let path = dir.path().join("trusted_root.json");
        std::fs::write(&path, store.trusted_root().to_string()).expect("root");
        World {
            reg,
            p,
            dd: Ddigest::new(),
            store,
            root_path: path.to_str().expect("path").to_string(),
            _dir: dir,
        }
    }

    fn image(&self, tag: &str) -> (Pushed, String) {
        let image = self.p.image("app", tag, true, "linux/amd64");
        (image, format!("{}/app:{tag}", self.reg.host()))
    }

    /// ddigest with the trusted root and `identity`/`issuer` flags.
    fn verify(&self, reference: &str, identity: &[&str], extra: &[&str]) -> crate::util::Run {
        let mut args = vec!["--trusted-root", &self.root_path];
        args.extend_from_slice(identity);
        args.extend_from_slice(extra);
        args.push(reference);
        self.dd.run(&args)
    }
}

const WANT: [&str; 4] = [
    "--certificate-identity",
    WORKFLOW,
    "--certificate-oidc-issuer",
    GITHUB,
];

/// How a cosign 2 keyless layer is made, and what is wrong with it.
#[derive(Default)]
struct Layer {
    /// Push another payload than the one signed.
    tamper_payload: bool,
    /// The SET is the log's signature over another entry.
    set_of_other: bool,
    /// The body names another signature / another certificate.
    body_other_signature: bool,
    body_other_cert: bool,
    no_bundle: bool,
}

fn keyless_layer(w: &World, image: &Pushed, leaf: &LeafCert, how: Layer) {
    let signed = payload("registry.example/app", &image.digest);
    let signature = leaf.sign(&signed);
    let body_sig = if how.body_other_signature {
        leaf.sign(b"other")
    } else {
        signature.clone()
    };
    let other_leaf;
    let body_pem = if how.body_other_cert {
        other_leaf = w.store.leaf(&LeafSpec::workflow());
        &other_leaf.pem
    } else {
        &leaf.pem
    };
    let mut entry = w
        .store
        .log(&hashedrekord(&body_sig, body_pem, &signed), 1234);
    if how.set_of_other {
        let other = w.store.log(
            &hashedrekord(&signature, body_pem, b"another payload"),
            1234,
        );
        entry.set = other.set;
    }
    let pushed = if how.tamper_payload {
        let mut v: Value = serde_json::from_slice(&signed).expect("payload");
        v["optional"] = json!({"note": "added after signing"});
        v.to_string().into_bytes()
    } else {
        signed
    };
    let chain = w.store.intermediate.cert.pem();
    let annotations = keyless_annotations(
        &signature,
        leaf,
        &chain,
        Some(&entry).filter(|_| !how.no_bundle),
    );
    w.p.signature_layers("app", &sig_tag(&image.digest), &[(pushed, annotations)]);
}

#[test]
fn a_cosign2_keyless_signature_verifies_and_says_who_signed() {
    let w = World::new();
    let (image, reference) = w.image("v1");
    keyless_layer(
        &w,
        &image,
        &w.store.leaf(&LeafSpec::workflow()),
        Layer::default(),
    );
    assert_eq!(w.verify(&reference, &WANT, &[]).digest(), image.digest);
    let json = w.verify(&reference, &WANT, &["--format", "json"]);
    let v: Value = serde_json::from_str(json.digest()).expect("json");
    assert_eq!(
        v["signature"],
        json!({
            "verified": true,
            "identity": WORKFLOW,
            "issuer": GITHUB,
            "integratedTime": "2025-06-01T12:00:00Z",
            "logIndex": 1234
        })
    );
    let regexp = [
        "--certificate-identity-regexp",
        r"^https://github\.com/org/repo/",
        "--certificate-oidc-issuer-regexp",
        r"githubusercontent\.com$",
    ];
    assert_eq!(w.verify(&reference, &regexp, &[]).digest(), image.digest);
    let verbose = w.verify(&reference, &WANT, &["-v"]);
    assert!(
        verbose.stderr.contains(&format!("signed keyless by {WORKFLOW} (issuer {GITHUB}), logged 2025-06-01T12:00:00Z (Rekor index 1234)")),
        "{}",
        verbose.stderr
    );
    // The embedded public-good root does not know this Sigstore.
    let public = w.dd.run(&[&WANT[..], &[reference.as_str()]].concat());
    assert!(
        public
            .fails(1)
            .contains("the Rekor entry is from a log the trusted root does not name"),
        "{}",
        public.stderr
    );
}

#[test]
fn identities_issuers_and_regexps_must_match() {
    let w = World::new();
    let (image, reference) = w.image("v1");
    let evil = LeafSpec {
        san: San::Uri(
            "https://github.com/org/repo-evil/.github/workflows/release.yml@refs/tags/v1".into(),
        ),
        ..LeafSpec::workflow()
    };
    keyless_layer(&w, &image, &w.store.leaf(&evil), Layer::default());
    let anchored = [
        "--certificate-identity-regexp",
        r"^https://github\.com/org/repo/",
        "--certificate-oidc-issuer",
        GITHUB,
    ];
    let said = w.verify(&reference, &anchored, &[]);
    let said = said.fails(1);
    assert!(said.contains("bad signature: 1 signature for"), "{said}");
    assert!(
        said.contains("signed by https://github.com/org/repo-evil/.github/workflows/release.yml@refs/tags/v1 (issuer https://token.actions.githubusercontent.com), not by the identity asked for"),
        "{said}"
    );
    // Unanchored, as cosign's: a prefix without `/` also matches repo-evil.
    let loose = [
        "--certificate-identity-regexp",
        "https://github.com/org/repo",
        "--certificate-oidc-issuer",
        GITHUB,
    ];
    assert_eq!(w.verify(&reference, &loose, &[]).digest(), image.digest);
    let other_issuer = [
        "--certificate-identity-regexp",
        ".",
        "--certificate-oidc-issuer",
        "https://accounts.google.com",
    ];
    assert!(w
        .verify(&reference, &other_issuer, &[])
        .fails(1)
        .contains("not by the identity asked for"));

    // E-mail and OtherName identities, and the older issuer extension.
    for (tag, san, flag_value) in [
        (
            "mail",
            San::Email("dev@example.com".into()),
            "dev@example.com",
        ),
        (
            "user",
            San::Other("octocat!github.com".into()),
            "octocat!github.com",
        ),
    ] {
        let (image, reference) = w.image(tag);
        let spec = LeafSpec {
            san,
            issuer: None,
            issuer_v1: Some(GITHUB.into()),
            ..LeafSpec::workflow()
        };
        keyless_layer(&w, &image, &w.store.leaf(&spec), Layer::default());
        let want = [
            "--certificate-identity",
            flag_value,
            "--certificate-oidc-issuer",
            GITHUB,
        ];
        assert_eq!(
            w.verify(&reference, &want, &[]).digest(),
            image.digest,
            "{tag}"
        );
    }
    let (image, reference) = w.image("disagree");
    let spec = LeafSpec {
        issuer_v1: Some("https://accounts.google.com".into()),
        ..LeafSpec::workflow()
    };
    keyless_layer(&w, &image, &w.store.leaf(&spec), Layer::default());
    assert!(w
        .verify(&reference, &WANT, &[])
        .fails(1)
        .contains("the certificate's issuer extensions disagree"));
    let _ = image;
}

/// Each case: a tag, how its signature is made, and the reason ddigest
/// must give.
#[test]
fn every_way_a_keyless_signature_must_fail_does_in_words() {
    let w = World::new();
    let other_ct = LogKey::generate();
    let stray = w.store.root.intermediate("stray-intermediate");
    let foreign_root = Ca::root("foreign-root");
    let foreign = foreign_root.intermediate("foreign-intermediate");
    let spec = LeafSpec::workflow();
    let expired = LeafSpec {
        not_before: SIGNED_AT - 600,
        not_after: SIGNED_AT - 10,
        ..spec.clone()
    };
    let no_sct = LeafSpec {
        sct: false,
        ..spec.clone()
    };
    let not_code = LeafSpec {
        code_signing: false,
        ..spec.clone()
    };
    type Case<'a> = (&'a str, LeafCert, Layer, &'a str);
    let cases: Vec<Case> = vec![
        (
            "expired",
            w.store.leaf(&expired),
            Layer::default(),
            "the certificate was not valid when the log recorded it",
        ),
        (
            "set",
            w.store.leaf(&spec),
            Layer {
                set_of_other: true,
                ..Layer::default()
            },
            "the Rekor entry's signed timestamp does not verify",
        ),
        (
            "bodysig",
            w.store.leaf(&spec),
            Layer {
                body_other_signature: true,
                ..Layer::default()
            },
            "the Rekor entry's body names another signature",
        ),
        (
            "bodykey",
            w.store.leaf(&spec),
            Layer {
                body_other_cert: true,
                ..Layer::default()
            },
            "the Rekor entry's body names another certificate or key",
        ),
        (
            "ctlog",
            w.store.leaf_from(&w.store.intermediate, &other_ct, &spec),
            Layer::default(),
            "its SCT is from a CT log the trusted root does not name",
        ),
        (
            "nosct",
            w.store.leaf(&no_sct),
            Layer::default(),
            "the certificate has no embedded SCT",
        ),
        (
            "stray",
            w.store.leaf_from(&stray, &w.store.ct, &spec),
            Layer::default(),
            "the certificate does not chain to a Fulcio CA of the trusted root",
        ),
        (
            "foreign",
            w.store.leaf_from(&foreign, &w.store.ct, &spec),
            Layer::default(),
            "the certificate does not chain to a Fulcio CA of the trusted root",
        ),
        (
            "codesign",
            w.store.leaf(&not_code),
            Layer::default(),
            "the certificate is not for code signing",
        ),
        (
            "tampered",
            w.store.leaf(&spec),
            Layer {
                tamper_payload: true,
                ..Layer::default()
            },
            "the signature does not verify with its certificate's key",
        ),
        (
            "nobundle",
            w.store.leaf(&spec),
            Layer {
                no_bundle: true,
                ..Layer::default()
            },
            "it has no Rekor bundle annotation",
        ),
    ];
    for (tag, leaf, how, why) in cases {
        let (image, reference) = w.image(tag);
        keyless_layer(&w, &image, &leaf, how);
        let run = w.verify(&reference, &WANT, &[]);
        let said = run.fails(1);
        assert!(said.contains("bad signature"), "{tag}: {said}");
        assert!(said.contains(why), "{tag}: {said}");
        let json = w.verify(&reference, &WANT, &["--format", "json"]);
        let v: Value = serde_json::from_str(json.stdout.trim()).expect("json");
        assert_eq!(v["error"]["code"], "bad_signature", "{tag}");
    }
    // No signature of any kind: unsigned.
    let (_, reference) = w.image("unsigned");
    let said = w.verify(&reference, &WANT, &[]);
    assert!(said.fails(1).contains("unsigned"), "{}", said.stderr);
}

/// A cosign 3 bundle (v0.3, DSSE over cosign's statement, with an
/// inclusion proof) attached to the image as a referrer, through the
/// referrers tag schema.
fn attach_bundle(w: &World, image: &Pushed, leaf: &LeafCert, edit: impl Fn(&mut Value)) {
    let statement = statement(&image.digest);
    let payload_type = "application/vnd.in-toto+json";
    let pae = ddigest::signature::payload::pae(payload_type, &statement);
    let signature = leaf.sign(&pae);
    let entry = w
        .store
        .log(&dsse_body(&signature, &leaf.pem, &statement), 77);
    let mut bundle = json!({
        "mediaType": BUNDLE,
        "verificationMaterial": {
            "certificate": {"rawBytes": STANDARD.encode(&leaf.der)},
            "tlogEntries": [{
                "logIndex": "77",
                "logId": {"keyId": STANDARD.encode(&entry.log_id)},
                "kindVersion": {"kind": "dsse", "version": "0.0.1"},
                "integratedTime": entry.integrated_time.to_string(),
                "inclusionPromise": {"signedEntryTimestamp": STANDARD.encode(entry.set.clone().unwrap_or_default())},
                "inclusionProof": w.store.proof(&entry),
                "canonicalizedBody": STANDARD.encode(&entry.body)
            }]
        },
        "dsseEnvelope": {
            "payload": STANDARD.encode(&statement),
            "payloadType": payload_type,
            "signatures": [{"sig": STANDARD.encode(&signature)}]
        }
    });
    edit(&mut bundle);
    let bytes = bundle.to_string().into_bytes();
    let artifact =
        w.p.artifact("app", image, BUNDLE, BUNDLE, &bytes, json!({}));
    w.p.referrers_tag("app", image, &[(&artifact, BUNDLE)]);
}

#[test]
fn cosign3_bundles_verify_with_their_inclusion_proof_and_fail_without() {
    let w = World::new();
    let leaf = w.store.leaf(&LeafSpec::workflow());
    let (image, reference) = w.image("bundled");
    attach_bundle(&w, &image, &leaf, |_| {});
    let run = w.verify(&reference, &WANT, &["--format", "json"]);
    let v: Value = serde_json::from_str(run.digest()).expect("json");
    assert_eq!(v["digest"], image.digest.as_str());
    assert_eq!(v["signature"]["logIndex"], 77);
    assert_eq!(v["signature"]["identity"], WORKFLOW);

    type Broken<'a> = (&'a str, fn(&mut Value), &'a str);
    let broken: [Broken; 3] = [
        (
            "proof",
            |b| {
                b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["hashes"][0] =
                    json!(STANDARD.encode([7u8; 32]))
            },
            "inclusion proof does not lead to its checkpoint's root",
        ),
        (
            "checkpoint",
            |b| {
                let note = &mut b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]
                    ["checkpoint"]["envelope"];
                let text = note.as_str().unwrap_or_default().replacen(
                    "rekor.test - 1",
                    "rekor.test - 2",
                    1,
                );
                *note = json!(text);
            },
            "the Rekor checkpoint is not signed by its log",
        ),
        (
            "unproven",
            |b| {
                if let Some(entry) = b["verificationMaterial"]["tlogEntries"][0].as_object_mut() {
                    entry.remove("inclusionProof");
                }
            },
            "the bundle has no inclusion proof",
        ),
    ];
    for (tag, edit, why) in broken {
        let (image, reference) = w.image(tag);
        attach_bundle(&w, &image, &leaf, edit);
        let run = w.verify(&reference, &WANT, &[]);
        assert!(run.fails(1).contains(why), "{tag}: {}", run.stderr);
    }
}

#[test]
fn keys_and_keyless_combine_and_the_flags_are_checked() {
    let w = World::new();
    let key = TestKey::generate(KeyKind::P256);
    let (keyed, keyed_ref) = w.image("keyed");
    w.p.signatures(
        "app",
        &sig_tag(&keyed.digest),
        &[SigLayer::signed(&key, &keyed.digest)],
    );
    let (keyless, keyless_ref) = w.image("keyless");
    keyless_layer(
        &w,
        &keyless,
        &w.store.leaf(&LeafSpec::workflow()),
        Layer::default(),
    );
    let both = ["--key", key.public_path()];
    // Either vouches: the key for one image, the identity for the other.
    let run = w.verify(
        &keyed_ref,
        &WANT,
        &[&both[..], &["--format", "json"]].concat(),
    );
    let v: Value = serde_json::from_str(run.digest()).expect("json");
    assert_eq!(
        v["signature"],
        json!({"verified": true, "key": key.public_path()})
    );
    assert_eq!(
        w.verify(&keyless_ref, &WANT, &both).digest(),
        keyless.digest
    );
    // Keyless alone refuses a key signature, in words.
    let said = w.verify(&keyed_ref, &WANT, &[]);
    assert!(
        said.fails(1).contains("it was made with a key"),
        "{}",
        said.stderr
    );
    // Bad usage: exit 2, before any request.
    let usage: [&[&str]; 5] = [
        &["--certificate-identity", WORKFLOW, &keyed_ref],
        &["--certificate-oidc-issuer", GITHUB, &keyed_ref],
        &["--trusted-root", &w.root_path, &keyed_ref],
        &[
            "--certificate-identity-regexp",
            "(",
            "--certificate-oidc-issuer",
            GITHUB,
            &keyed_ref,
        ],
        &[
            "--certificate-identity",
            "a",
            "--certificate-identity-regexp",
            "b",
            "--certificate-oidc-issuer",
            GITHUB,
            &keyed_ref,
        ],
    ];
    for args in usage {
        let run = w.dd.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    let missing = w.dd.run(
        &[
            &["--trusted-root", "/nonexistent/root.json"],
            &WANT[..],
            &[keyed_ref.as_str()],
        ]
        .concat(),
    );
    assert!(
        missing
            .fails(2)
            .contains("--trusted-root /nonexistent/root.json: cannot read it"),
        "{}",
        missing.stderr
    );
}

#[test]
fn pin_check_and_tags_take_only_keyless_signed_digests() {
    let w = World::new();
    let (signed, _) = w.image("signed");
    let leaf = w.store.leaf(&LeafSpec::workflow());
    let image = ("app", signed.digest.as_str(), "registry.example/app");
    w.store.sign_image(&w.p, image, &leaf, 1);
    let _ = w.image("unsigned");
    let dir = temp_dir("pin");
    let dockerfile = dir.path().join("Dockerfile");
    let host = w.reg.host();
    std::fs::write(
        &dockerfile,
        format!("FROM {host}/app:signed\nFROM {host}/app:unsigned\n"),
    )
    .expect("write");
    let file = dockerfile.to_str().expect("path");
    let args = |command: &str| {
        let mut a = vec![
            command.to_string(),
            "--trusted-root".into(),
            w.root_path.clone(),
        ];
        a.extend(WANT.iter().map(|s| s.to_string()));
        a.push(file.to_string());
        a
    };
    let pin = args("pin");
    let run =
        w.dd.run(&pin.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("unsigned"), "{}", run.stderr);
    let text = std::fs::read_to_string(&dockerfile).expect("read");
    assert!(
        text.contains(&format!("FROM {host}/app:signed@{}", signed.digest)),
        "{text}"
    );
    assert!(
        text.contains(&format!("FROM {host}/app:unsigned\n")),
        "{text}"
    );
    // tags --digests: only the signed tag is printed, the other fails.
    let mut tags = vec!["tags", "--digests", "--trusted-root", w.root_path.as_str()];
    tags.extend(WANT);
    let repo = format!("{host}/app");
    tags.push(&repo);
    let run = w.dd.run(&tags);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, format!("{}  signed\n", signed.digest));
    assert!(
        run.stderr.contains(&format!("{repo}:unsigned: unsigned")),
        "{}",
        run.stderr
    );
    // check: the signed pin passes; a pin of the unsigned digest fails.
    let check = args("check");
    let run =
        w.dd.run(&check.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let unsigned = w.p.image("app", "unsigned", true, "linux/amd64");
    std::fs::write(
        &dockerfile,
        format!("FROM {host}/app@{}\n", unsigned.digest),
    )
    .expect("write");
    let run =
        w.dd.run(&check.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("unsigned"), "{}", run.stderr);
}
