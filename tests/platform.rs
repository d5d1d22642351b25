//! `--platform` against the real registry: every platform of a Docker list
//! and of an OCI index with attestation entries, spelling normalization,
//! nested indexes, platforms that are not there, single-platform images
//! checked through their config, and the requests each case costs.

use crate::util::push::{descriptor, PushAuth, Pushed, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::Ddigest;

/// The images one multi-platform release is made of.
struct Release {
    amd64: Pushed,
    arm64: Pushed,
    armv7: Pushed,
    /// Docker list: amd64, arm/v7, arm64/v8 (variant written).
    list: Pushed,
    /// OCI index: amd64, arm64 (no variant), each with an attestation.
    index: Pushed,
}

fn release(p: &Pusher) -> Release {
    let amd64 = p.image("app", "amd64", false, "linux/amd64");
    let arm64 = p.image("app", "arm64", false, "linux/arm64/v8");
    let armv7 = p.image("app", "armv7", false, "linux/arm/v7");
    let list = p.index_of(
        "app",
        "list",
        false,
        vec![
            descriptor(&amd64, Some("linux/amd64")),
            descriptor(&armv7, Some("linux/arm/v7")),
            descriptor(&arm64, Some("linux/arm64/v8")),
        ],
    );
    let oci_amd64 = p.image("app", "oci-amd64", true, "linux/amd64");
    let oci_arm64 = p.image("app", "oci-arm64", true, "linux/arm64");
    let index = p.index_of(
        "app",
        "index",
        true,
        vec![
            // An attestation first: order must not make it win.
            p.attestation("app", &oci_amd64),
            descriptor(&oci_amd64, Some("linux/amd64")),
            descriptor(&oci_arm64, Some("linux/arm64")),
            p.attestation("app", &oci_arm64),
        ],
    );
    Release {
        amd64,
        arm64,
        armv7,
        list,
        index,
    }
}

fn setup() -> (Registry, Pusher) {
    let reg = Registry::start(Auth::None, false);
    let pusher = Pusher::new(&reg, PushAuth::None);
    (reg, pusher)
}

/// The child digest an index entry names, for `platform`, read from the bytes pushed.
fn entry_digest(index: &Pushed, platform: &str) -> String {
    let v: serde_json::Value = serde_json::from_slice(&index.bytes).expect("index json");
    let parts: Vec<&str> = platform.split('/').collect();
    v["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .find(|m| {
            m["platform"]["os"] == parts[0]
                && m["platform"]["architecture"] == parts[1]
                && parts.get(2).is_none_or(|v| m["platform"]["variant"] == *v)
        })
        .and_then(|m| m["digest"].as_str())
        .expect("entry")
        .to_string()
}

#[test]
fn every_platform_of_a_list_and_an_index() {
    let (reg, p) = setup();
    let r = release(&p);
    let h = reg.host();
    let dd = Ddigest::new();
    let list = format!("{h}/app:list");
    assert_eq!(
        dd.run(&[&list]).digest(),
        r.list.digest,
        "no --platform: the list"
    );
    for (platform, want) in [
        ("linux/amd64", &r.amd64.digest),
        ("linux/arm/v7", &r.armv7.digest),
        ("linux/arm64/v8", &r.arm64.digest),
    ] {
        let got = dd.run(&["--platform", platform, &list]);
        assert_eq!(got.digest(), *want, "{platform}");
    }
    let index = format!("{h}/app:index");
    for platform in ["linux/amd64", "linux/arm64"] {
        let got = dd.run(&["--platform", platform, &index]);
        assert_eq!(got.digest(), entry_digest(&r.index, platform), "{platform}");
        assert_eq!(got.stderr, "");
    }
    // Without --verify each run is one GET of the list, nothing else.
    let requests = reg.ddigest_requests(6);
    assert_eq!(requests.len(), 6, "{requests:?}");
    for (method, path, status) in &requests[1..] {
        assert_eq!((method.as_str(), *status), ("GET", 200), "{path}");
        assert!(
            ["/v2/app/manifests/list", "/v2/app/manifests/index"].contains(&path.as_str()),
            "{path}"
        );
    }
}

#[test]
fn spellings_normalize_like_containerd() {
    let (reg, p) = setup();
    let r = release(&p);
    let (list, index) = (
        format!("{}/app:list", reg.host()),
        format!("{}/app:index", reg.host()),
    );
    let oci_arm64 = entry_digest(&r.index, "linux/arm64");
    let oci_amd64 = entry_digest(&r.index, "linux/amd64");
    let dd = Ddigest::new();
    for (platform, reference, want) in [
        ("linux/arm64", &list, &r.arm64.digest), // list says arm64/v8
        ("linux/aarch64", &list, &r.arm64.digest),
        ("linux/arm64/v8", &index, &oci_arm64), // index says arm64 alone
        ("linux/aarch64", &index, &oci_arm64),
        ("linux/arm", &list, &r.armv7.digest), // bare arm means v7
        ("linux/armhf", &list, &r.armv7.digest),
        ("linux/arm/7", &list, &r.armv7.digest),
        ("linux/x86_64", &list, &r.amd64.digest),
        ("Linux/AMD64", &index, &oci_amd64),
    ] {
        let got = dd.run(&["--platform", platform, reference]);
        assert_eq!(got.digest(), *want, "{platform} on {reference}");
    }
}

#[test]
fn missing_platforms_and_attestations_are_never_chosen() {
    let (reg, p) = setup();
    let _r = release(&p);
    let dd = Ddigest::new();
    let index = format!("{}/app:index", reg.host());
    let missing = dd.run(&["--platform", "linux/s390x", &index]);
    let err = missing.fails(1);
    assert!(
        err.contains("no entry for platform linux/s390x")
            && err.contains("linux/amd64, linux/arm64"),
        "{err}"
    );
    assert!(
        !err.contains("unknown"),
        "attestations are not offered: {err}"
    );
    let attestation = dd.run(&["--platform", "unknown/unknown", &index]);
    assert!(attestation
        .fails(1)
        .contains("no entry for platform unknown/unknown"));
    // arm/v6 is not arm/v7: no falling back to an older variant.
    let list = format!("{}/app:list", reg.host());
    assert!(dd
        .run(&["--platform", "linux/arm/v6", &list])
        .fails(1)
        .contains("linux/arm/v7"));
}

#[test]
fn verify_fetches_and_hashes_the_chosen_child() {
    let (reg, p) = setup();
    let r = release(&p);
    let dd = Ddigest::new();
    let list = format!("{}/app:list", reg.host());
    let got = dd.run(&["--verify", "--platform", "linux/arm/v7", &list]);
    assert_eq!(got.digest(), r.armv7.digest);
    let requests = reg.ddigest_requests(2);
    let paths: Vec<&str> = requests.iter().map(|(_, path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/v2/app/manifests/list".to_string(),
            format!("/v2/app/manifests/{}", r.armv7.digest)
        ]
    );
    // A child whose stored bytes were changed is caught.
    let hex = &r.armv7.digest["sha256:".len()..];
    let mut bytes = std::fs::read(reg.blob_path(hex)).expect("stored child");
    let at = bytes
        .iter()
        .position(|b| *b == b'7')
        .expect("a 7 to change");
    bytes[at] = b'6';
    std::fs::write(reg.blob_path(hex), &bytes).expect("corrupt child");
    let corrupted = dd.run(&["--verify", "--platform", "linux/arm/v7", &list]);
    assert!(corrupted.fails(1).contains("digest mismatch"));
    // Without --verify the index's word is taken: one GET, same digest.
    let trusted = dd.run(&["--platform", "linux/arm/v7", &list]);
    assert_eq!(trusted.digest(), r.armv7.digest);
}

#[test]
fn nested_indexes_are_followed() {
    let (reg, p) = setup();
    let r = release(&p);
    let outer = p.index_of(
        "app",
        "nested",
        true,
        vec![
            descriptor(&r.amd64, Some("linux/amd64")),
            descriptor(&r.index, None),
        ],
    );
    let dd = Ddigest::new();
    let reference = format!("{}/app:nested", reg.host());
    let arm64 = dd.run(&["--platform", "linux/arm64", &reference]);
    assert_eq!(arm64.digest(), entry_digest(&r.index, "linux/arm64"));
    let amd64 = dd.run(&["--platform", "linux/amd64", &reference]);
    assert_eq!(amd64.digest(), r.amd64.digest);
    let missing = dd.run(&["--platform", "linux/ppc64le", &reference]);
    assert!(missing.fails(1).contains("a nested index"));
    assert!(!outer.digest.is_empty());
}

#[test]
fn single_platform_images_are_checked_against_their_config() {
    let (reg, p) = setup();
    let r = release(&p);
    let dd = Ddigest::new();
    let reference = format!("{}/app:armv7", reg.host());
    for platform in ["linux/arm/v7", "linux/arm", "linux/armhf"] {
        let got = dd.run(&["--platform", platform, &reference]);
        assert_eq!(got.digest(), r.armv7.digest, "{platform}");
    }
    let wrong = dd.run(&["--platform", "linux/amd64", &reference]);
    let err = wrong.fails(1);
    assert!(
        err.contains("single manifest for linux/arm/v7, not linux/amd64"),
        "{err}"
    );
    // The manifest, then its config blob.
    let requests = reg.ddigest_requests(8);
    assert!(requests
        .iter()
        .any(|(m, path, s)| m == "GET" && path.starts_with("/v2/app/blobs/sha256:") && *s == 200));
}

#[test]
fn several_platforms_print_one_line_each() {
    let (reg, p) = setup();
    let r = release(&p);
    let list = format!("{}/app:list", reg.host());
    let got = Ddigest::new().run(&[
        "--platform",
        "linux/amd64,linux/arm/v7",
        "--platform",
        "linux/arm64",
        &list,
    ]);
    assert_eq!(got.code, 0, "{}", got.stderr);
    let want = format!(
        "{}  {list}  linux/amd64\n{}  {list}  linux/arm/v7\n{}  {list}  linux/arm64\n",
        r.amd64.digest, r.armv7.digest, r.arm64.digest
    );
    assert_eq!(got.stdout, want);
    // One of them missing: the others still print, the exit code says it.
    let partial = Ddigest::new().run(&["--platform", "linux/amd64,linux/mips64", &list]);
    assert_eq!(partial.code, 1);
    assert_eq!(
        partial.stdout,
        format!("{}  {list}  linux/amd64\n", r.amd64.digest)
    );
    assert!(
        partial.stderr.contains("linux/mips64"),
        "{}",
        partial.stderr
    );
    // Only one GET of the list for all platforms.
    let gets = reg
        .ddigest_requests(2)
        .into_iter()
        .filter(|(_, path, _)| path == "/v2/app/manifests/list")
        .count();
    assert_eq!(gets, 2);
}
