//! `--key` against the real registry: cosign-style signatures made with
//! keys the tests generate with openssl (every key type), and each way a
//! signature can fail to vouch for a digest: none at all, another key's, a
//! signature replayed from another digest, a payload changed after
//! signing, an empty or garbage signature manifest, a layer whose bytes do
//! not match it (by the fault proxy, as a registry will not serve that),
//! thousands of layers; an index signed at the index; Sigstore bundles as
//! referrers (tag schema and, by the proxy, the API); `pin` and `check`.

use crate::util::cosign::{
    dsse_bundle, message_bundle, payload, referrers_entries, sig_tag, statement, KeyKind, SigLayer,
    TestKey, BUNDLE,
};
use crate::util::fault_proxy::{Fault, FaultProxy};
use crate::util::push::{descriptor, PushAuth, Pushed, Pusher, OCI_INDEX};
use crate::util::registry::{Auth, Registry};
use crate::util::{temp_dir, Ddigest};
use serde_json::json;

fn json_of(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
}

#[test]
fn every_key_type_verifies_its_own_signatures_only() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let dd = Ddigest::new();
    let kinds = [
        KeyKind::P256,
        KeyKind::P384,
        KeyKind::Ed25519,
        KeyKind::RsaPkcs1,
        KeyKind::RsaPss,
    ];
    let keys: Vec<TestKey> = kinds.iter().map(|k| TestKey::generate(*k)).collect();
    for (i, key) in keys.iter().enumerate() {
        let tag = format!("k{i}");
        let image = p.image("app", &tag, true, "linux/amd64");
        p.signatures(
            "app",
            &sig_tag(&image.digest),
            &[SigLayer::signed(key, &image.digest)],
        );
        let reference = format!("{}/app:{tag}", reg.host());
        let got = dd.run(&["--key", key.public_path(), &reference]);
        assert_eq!(got.digest(), image.digest, "{:?}", kinds[i]);
        let line = dd.run(&["--key", key.public_path(), "--format", "json", &reference]);
        let v = json_of(line.stdout.trim());
        assert_eq!(
            v["signature"],
            json!({"verified": true, "key": key.public_path()})
        );
        // Every other key refuses it: a signature of another type or key.
        let other = &keys[(i + 1) % keys.len()];
        let refused = dd.run(&["--key", other.public_path(), &reference]);
        let said = refused.fails(1);
        assert!(
            said.contains(&format!("ddigest: {reference}: bad signature")),
            "{said}"
        );
    }
    // Any one of several keys will do; the one that verified is named.
    let image = format!("{}/app:k2", reg.host());
    let both = dd.run(&[
        "--key",
        keys[0].public_path(),
        "--key",
        keys[2].public_path(),
        "--format",
        "json",
        &image,
    ]);
    assert_eq!(
        json_of(both.stdout.trim())["signature"]["key"],
        keys[2].public_path()
    );
}

/// An image `app:TAG` and the reference to it.
fn image(p: &Pusher, reg: &Registry, tag: &str) -> (Pushed, String) {
    let pushed = p.image("app", tag, true, "linux/amd64");
    (pushed, format!("{}/app:{tag}", reg.host()))
}

#[test]
fn each_way_a_signature_fails_has_its_code() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let dd = Ddigest::new();
    let key = TestKey::generate(KeyKind::P256);
    let stranger = TestKey::generate(KeyKind::P256);
    let k = key.public_path();

    // Unsigned: no .sig tag at all; JSON says `unsigned` and no digest.
    let (_, unsigned) = image(&p, &reg, "unsigned");
    let said = dd.run(&["--key", k, &unsigned]).fails(1).to_string();
    assert!(
        said.starts_with(&format!(
            "ddigest: {unsigned}: unsigned: no cosign signature"
        )),
        "{said}"
    );
    let line = dd.run(&["--key", k, "--format", "json", &unsigned]);
    assert_eq!(line.code, 1);
    let v = json_of(line.stdout.trim());
    assert_eq!(v["error"]["code"], "unsigned");
    assert!(
        v.get("digest").is_none() && v.get("signature").is_none(),
        "{v}"
    );

    // Signed by another key.
    let (other, by_other) = image(&p, &reg, "other");
    p.signatures(
        "app",
        &sig_tag(&other.digest),
        &[SigLayer::signed(&stranger, &other.digest)],
    );
    let said = dd.run(&["--key", k, &by_other]).fails(1).to_string();
    assert!(said.contains("bad signature: 1 signature for"), "{said}");
    assert!(
        said.contains("does not verify with the keys given"),
        "{said}"
    );
    let v = json_of(
        dd.run(&["--key", k, "--format", "json", &by_other])
            .stdout
            .trim(),
    );
    assert_eq!(v["error"]["code"], "bad_signature");

    // A valid signature of `other`, replayed under this digest's tag.
    let (replayed, at_replayed) = image(&p, &reg, "replayed");
    let genuine = SigLayer::signed(&key, &other.digest);
    p.signatures("app", &sig_tag(&replayed.digest), &[genuine]);
    let said = dd.run(&["--key", k, &at_replayed]).fails(1).to_string();
    assert!(
        said.contains(&format!(
            "the payload signs {}, not this digest",
            other.digest
        )),
        "{said}"
    );

    // The payload changed after it was signed.
    let (tampered, at_tampered) = image(&p, &reg, "tampered");
    let signed = payload("registry.example/app", &tampered.digest);
    let signature = key.sign_base64(&signed);
    let changed = payload("registry.example/evil", &tampered.digest);
    let layer = SigLayer {
        payload: changed,
        signature: Some(signature),
    };
    p.signatures("app", &sig_tag(&tampered.digest), &[layer]);
    dd.run(&["--key", k, &at_tampered]).fails(1);

    // Two layers: the first invalid, the second valid.
    let (two, at_two) = image(&p, &reg, "two");
    let layers = [
        SigLayer::signed(&stranger, &two.digest),
        SigLayer::signed(&key, &two.digest),
    ];
    p.signatures("app", &sig_tag(&two.digest), &layers);
    assert_eq!(dd.run(&["--key", k, &at_two]).digest(), two.digest);

    // An empty signature manifest is no signature; a layer without its
    // annotation is a bad one.
    let (empty, at_empty) = image(&p, &reg, "empty");
    p.signatures("app", &sig_tag(&empty.digest), &[]);
    assert!(dd
        .run(&["--key", k, &at_empty])
        .fails(1)
        .contains("unsigned"));
    let (bare, at_bare) = image(&p, &reg, "bare");
    let layer = SigLayer {
        payload: payload("r/app", &bare.digest),
        signature: None,
    };
    p.signatures("app", &sig_tag(&bare.digest), &[layer]);
    assert!(dd
        .run(&["--key", k, &at_bare])
        .fails(1)
        .contains("no signature annotation"));
}

#[test]
fn keys_that_cannot_be_used_are_bad_usage_and_no_key_costs_nothing() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let (pushed, reference) = image(&p, &reg, "v1");
    let dd = Ddigest::new();
    let dir = temp_dir("keys");
    let private = dir.path().join("private.pem");
    std::fs::write(
        &private,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let said = dd
        .run(&["--key", private.to_str().unwrap(), &reference])
        .fails(2)
        .to_string();
    assert!(said.contains("no PEM \"PUBLIC KEY\" block"), "{said}");
    dd.run(&["--key", "/nonexistent/key.pub", &reference])
        .fails(2);
    // Without --key nothing beyond the manifest is asked for.
    assert_eq!(dd.run(&[&reference]).digest(), pushed.digest);
    let requests = reg.ddigest_requests(1);
    assert!(
        requests
            .iter()
            .all(|(_, path, _)| !path.contains(".sig") && !path.contains("referrers")),
        "{requests:?}"
    );
}

#[test]
fn an_index_signed_at_the_index_vouches_for_its_entries() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let amd64 = p.image("app", "amd64", true, "linux/amd64");
    let arm64 = p.image("app", "arm64", true, "linux/arm64");
    let entries = vec![
        descriptor(&amd64, Some("linux/amd64")),
        descriptor(&arm64, Some("linux/arm64")),
    ];
    let index = p.index_of("app", "multi", true, entries);
    let key = TestKey::generate(KeyKind::Ed25519);
    p.signatures(
        "app",
        &sig_tag(&index.digest),
        &[SigLayer::signed(&key, &index.digest)],
    );
    let dd = Ddigest::new();
    let k = key.public_path();
    let multi = format!("{}/app:multi", reg.host());
    assert_eq!(dd.run(&["--key", k, &multi]).digest(), index.digest);
    let entry = dd.run(&["--key", k, "--platform", "linux/arm64", &multi]);
    assert_eq!(entry.digest(), arm64.digest);
    // The entry alone, with no index around it, is not signed.
    let bare = format!("{}/app@{}", reg.host(), arm64.digest);
    assert!(dd.run(&["--key", k, &bare]).fails(1).contains("unsigned"));
}

/// A simple-signing layer whose descriptor is junk (digest
/// `sha256:not-a-digest`, size -1, as containers/image's tests have it): a
/// signature that does not verify, `bad_signature`, not `unsigned`. The
/// registry refuses such a manifest, so the fault proxy serves it.
#[test]
fn a_junk_signature_descriptor_is_a_bad_signature() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let key = TestKey::generate(KeyKind::P256);
    let (junk, _) = image(&p, &reg, "junk");
    let config =
        br#"{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}"#;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": config.len(), "digest": p.blob("app", config)},
        "layers": [{
            "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
            "digest": "sha256:not-a-digest",
            "size": -1,
            "annotations": {"dev.cosignproject.cosign/signature": "MEUCIQ=="},
        }],
    });
    let bytes = serde_json::to_vec(&manifest).expect("json");
    let sig_path = format!("/v2/app/manifests/{}", sig_tag(&junk.digest));
    let proxy = FaultProxy::start("127.0.0.1", Some(reg.base_url()), move |seen, _| {
        if seen.path == sig_path {
            let oci = "application/vnd.oci.image.manifest.v1+json";
            Fault::Answer(
                200,
                vec![("Content-Type".into(), oci.into())],
                bytes.clone(),
            )
        } else {
            Fault::Forward
        }
    });
    let at_junk = format!("{}/app:junk", proxy.addr);
    let dd = Ddigest::new();
    let k = key.public_path();
    let said = dd.run(&["--key", k, &at_junk]).fails(1).to_string();
    assert!(said.contains("bad signature: 1 signature for"), "{said}");
    assert!(said.contains("invalid digest"), "{said}");
    let line = dd.run(&["--key", k, "--format", "json", &at_junk]);
    assert_eq!(
        json_of(line.stdout.trim())["error"]["code"],
        "bad_signature"
    );
}

#[test]
fn content_a_registry_would_not_serve_fails_only_that_reference() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let key = TestKey::generate(KeyKind::P256);
    let (mismatched, _) = image(&p, &reg, "mismatched");
    let layer = SigLayer::signed(&key, &mismatched.digest);
    let payload_digest = crate::util::sha256(&layer.payload);
    p.signatures("app", &sig_tag(&mismatched.digest), &[layer]);
    let (garbage, _) = image(&p, &reg, "garbage");
    let (huge, _) = image(&p, &reg, "huge");
    // Thousands of layers (one bad payload blob named again and again).
    let (many, _) = image(&p, &reg, "many");
    let bad = SigLayer::signed(&TestKey::generate(KeyKind::P256), &many.digest);
    let layers: Vec<SigLayer> = (0..2000)
        .map(|_| SigLayer {
            payload: bad.payload.clone(),
            signature: bad.signature.clone(),
        })
        .collect();
    p.signatures("app", &sig_tag(&many.digest), &layers);

    let (garbage_tag, huge_tag) = (sig_tag(&garbage.digest), sig_tag(&huge.digest));
    // The referrers tag schema's tag, garbage too.
    let garbage_index = format!("/manifests/{}", garbage.digest.replace(':', "-"));
    let blob_path = format!("/v2/app/blobs/{payload_digest}");
    let proxy = FaultProxy::start("127.0.0.1", Some(reg.base_url()), move |seen, _| {
        let manifest = vec![(
            "Content-Type".into(),
            "application/vnd.oci.image.manifest.v1+json".into(),
        )];
        if seen.path == blob_path {
            Fault::Answer(
                200,
                vec![],
                b"{\"critical\":\"not what was signed\"}".to_vec(),
            )
        } else if (seen.path.ends_with(&garbage_tag) || seen.path.ends_with(&garbage_index))
            && seen.method == "GET"
        {
            Fault::Answer(200, manifest, b"\x00garbage{".to_vec())
        } else if seen.path.ends_with(&huge_tag) && seen.method == "GET" {
            Fault::Answer(200, manifest, vec![b' '; 5 * 1024 * 1024])
        } else {
            Fault::Forward
        }
    });
    let dd = Ddigest::new();
    let k = key.public_path();
    let at = |tag: &str| format!("{}/app:{tag}", proxy.addr);
    let said = dd
        .run(&["--key", k, &at("mismatched")])
        .fails(1)
        .to_string();
    assert!(
        said.contains("bad signature") && said.contains("digest mismatch"),
        "{said}"
    );
    assert!(dd
        .run(&["--key", k, &at("garbage")])
        .fails(1)
        .contains("unsigned"));
    assert!(dd
        .run(&["--key", k, &at("huge")])
        .fails(1)
        .contains("unsigned"));
    let said = dd.run(&["--key", k, &at("many"), &at("mismatched")]);
    assert_eq!(said.code, 1);
    assert!(
        said.stderr.contains("bad signature: 2000 signatures for"),
        "{}",
        said.stderr
    );
    // A bounded number of payload fetches, however many layers.
    let fetched = proxy
        .seen()
        .iter()
        .filter(|s| s.path.contains("/blobs/"))
        .count();
    assert!(fetched <= 40, "{fetched} blob requests");
}

#[test]
fn sigstore_bundles_among_the_referrers_count() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let key = TestKey::generate(KeyKind::P384);
    let dd = Ddigest::new();
    let k = key.public_path();

    // A DSSE bundle (what cosign 3 writes), found through the tag schema.
    let (dsse, at_dsse) = image(&p, &reg, "dsse");
    let bundle = dsse_bundle(&key, &statement(&dsse.digest));
    let note = json!({"dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1"});
    let art = p.artifact("app", &dsse, BUNDLE, BUNDLE, &bundle, note);
    p.referrers_tag("app", &dsse, &[(&art, BUNDLE)]);
    assert_eq!(dd.run(&["--key", k, &at_dsse]).digest(), dsse.digest);

    // A message signature over the manifest itself.
    let (message, at_message) = image(&p, &reg, "message");
    let bundle = message_bundle(&key, &message.bytes);
    let art = p.artifact("app", &message, BUNDLE, BUNDLE, &bundle, json!({}));
    p.referrers_tag("app", &message, &[(&art, BUNDLE)]);
    assert_eq!(dd.run(&["--key", k, &at_message]).digest(), message.digest);

    // A signed statement that is an attestation, not a signature.
    let (attested, at_attested) = image(&p, &reg, "attested");
    let provenance = String::from_utf8(statement(&attested.digest))
        .unwrap()
        .replace(
            "https://sigstore.dev/cosign/sign/v1",
            "https://slsa.dev/provenance/v1",
        );
    let bundle = dsse_bundle(&key, provenance.as_bytes());
    let art = p.artifact("app", &attested, BUNDLE, BUNDLE, &bundle, json!({}));
    p.referrers_tag("app", &attested, &[(&art, BUNDLE)]);
    let said = dd.run(&["--key", k, &at_attested]).fails(1).to_string();
    assert!(
        said.contains("bad signature") && said.contains("not an image signature"),
        "{said}"
    );

    // Through the referrers API (distribution 2.8 has none: the proxy
    // answers it), the tag schema is not asked.
    let (api, _) = image(&p, &reg, "api");
    let bundle = dsse_bundle(&key, &statement(&api.digest));
    let art = p.artifact("app", &api, BUNDLE, BUNDLE, &bundle, json!({}));
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": referrers_entries(&[(&art, BUNDLE)])});
    let path = format!("/v2/app/referrers/{}", api.digest);
    let proxy = FaultProxy::start("127.0.0.1", Some(reg.base_url()), move |seen, _| {
        if seen.path == path {
            let hs = vec![("Content-Type".into(), OCI_INDEX.into())];
            Fault::Answer(200, hs, index.to_string().into_bytes())
        } else {
            Fault::Forward
        }
    });
    let at_api = format!("{}/app:api", proxy.addr);
    assert_eq!(dd.run(&["--key", k, &at_api]).digest(), api.digest);
    let tag_schema = api.digest.replace(':', "-");
    assert!(proxy.seen().iter().all(|s| !s.path.ends_with(&tag_schema)));
}

#[test]
fn pin_and_check_only_vouch_for_signed_digests() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let key = TestKey::generate(KeyKind::RsaPss);
    let signed = p.image("app", "signed", true, "linux/amd64");
    p.signatures(
        "app",
        &sig_tag(&signed.digest),
        &[SigLayer::signed(&key, &signed.digest)],
    );
    let unsigned = p.image("app", "unsigned", true, "linux/amd64");
    let host = reg.host();
    let dir = temp_dir("pin-key");
    let dockerfile = format!("FROM {host}/app:signed\nFROM {host}/app:unsigned\n");
    std::fs::write(dir.path().join("Dockerfile"), &dockerfile).unwrap();
    let dd = Ddigest::new();
    let k = key.public_path();

    let pinned = dd.run_in(dir.path(), &["pin", "--key", k]);
    assert_eq!(pinned.code, 1, "{}", pinned.stderr);
    assert!(
        pinned
            .stderr
            .contains(&format!("Dockerfile:2: {host}/app:unsigned: unsigned")),
        "{}",
        pinned.stderr
    );
    let now = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert_eq!(
        now,
        format!(
            "FROM {host}/app:signed@{}\nFROM {host}/app:unsigned\n",
            signed.digest
        )
    );

    // Pinned without --key, the unsigned one is what check --key names.
    assert_eq!(dd.run_in(dir.path(), &["pin"]).code, 0);
    let checked = dd.run_in(dir.path(), &["check", "--key", k]);
    assert_eq!(checked.code, 1);
    assert_eq!(checked.stdout, "");
    let image = format!("{host}/app:unsigned@{}", unsigned.digest);
    assert!(
        checked
            .stderr
            .contains(&format!("Dockerfile:2: {image}: unsigned")),
        "{}",
        checked.stderr
    );
    assert!(
        !checked.stderr.contains("app:signed@"),
        "{}",
        checked.stderr
    );
    assert_eq!(dd.run_in(dir.path(), &["check"]).code, 0);
}

/// One signature layer from containers/image's on-disk form of it.
fn cosign_layer(file: &str) -> SigLayer {
    let path = format!(
        "{}/tests/data/conformance/cosign/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).expect("fixture");
    let json = bytes
        .strip_prefix(b"\0sigstore-json\n")
        .expect("containers/image form");
    let v: serde_json::Value = serde_json::from_slice(json).expect("signature json");
    let payload = v["payload"].as_str().expect("payload");
    use base64::Engine as _;
    SigLayer {
        payload: base64::engine::general_purpose::STANDARD
            .decode(payload)
            .expect("base64"),
        signature: v["annotations"]["dev.cosignproject.cosign/signature"]
            .as_str()
            .map(str::to_string),
    }
}

/// Signatures made by cosign (containers/image's fixtures) verify with
/// cosign's key, and one by an unknown key does not. The image's layers
/// are not in the fixtures, so the registry cannot hold its manifest: the
/// proxy serves those exact bytes; the `.sig` manifest and its payload
/// are in the real registry.
#[test]
fn signatures_made_by_cosign_verify() {
    let dir = format!(
        "{}/tests/data/conformance/cosign",
        env!("CARGO_MANIFEST_DIR")
    );
    let manifest = std::fs::read(format!("{dir}/manifest.json")).expect("manifest");
    let digest = crate::util::sha256(&manifest);
    assert!(digest.starts_with("sha256:634a8f35b5f16dcf"), "{digest}");
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let signed = [
        cosign_layer("unknown-key.signature"),
        cosign_layer("valid.signature"),
    ];
    p.signatures("signed", &sig_tag(&digest), &signed);
    let second = [cosign_layer("valid-2.signature")];
    p.signatures("signed2", &sig_tag(&digest), &second);
    p.signatures(
        "stranger",
        &sig_tag(&digest),
        &[cosign_layer("unknown-key.signature")],
    );
    let (served, at) = (manifest.clone(), digest.clone());
    let proxy = FaultProxy::start("127.0.0.1", Some(reg.base_url()), move |seen, _| {
        let mine = seen.path.ends_with("/manifests/v1")
            || seen.path.ends_with(&format!("/manifests/{at}"));
        if !mine {
            return Fault::Forward;
        }
        let hs = vec![
            (
                "Content-Type".into(),
                "application/vnd.docker.distribution.manifest.v2+json".into(),
            ),
            ("Docker-Content-Digest".into(), at.clone()),
        ];
        Fault::Answer(200, hs, served.clone())
    });
    let dd = Ddigest::new();
    let key = format!("{dir}/cosign.pub");
    let good = dd.run(&["--key", &key, &format!("{}/signed:v1", proxy.addr)]);
    assert_eq!(good.digest(), digest);
    let good = dd.run(&["--key", &key, &format!("{}/signed2:v1", proxy.addr)]);
    assert_eq!(good.digest(), digest);
    let other = dd.run(&["--key", &key, &format!("{}/stranger:v1", proxy.addr)]);
    assert!(other.fails(1).contains("bad signature"));
}

/// The README's worked example: `scripts/sign-by-hand` signs with openssl
/// and curl as cosign does, and ddigest verifies it.
#[test]
fn the_sign_by_hand_script_makes_signatures_ddigest_accepts() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let (pushed, reference) = image(&p, &reg, "1.0");
    let key = TestKey::generate(KeyKind::P256);
    let private = key.public.with_file_name("key.pem");
    let script = format!("{}/scripts/sign-by-hand", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(script)
        .args([reference.as_str(), private.to_str().expect("path")])
        .env("DDIGEST", env!("CARGO_BIN_EXE_ddigest"))
        .env("DOCKER_CONFIG", temp_dir("no-config").path())
        .output()
        .expect("run sign-by-hand");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dd = Ddigest::new();
    let verified = dd.run(&["--key", key.public_path(), &reference]);
    assert_eq!(verified.digest(), pushed.digest);
}
