//! containerd's platform rules on the real registry, one index per rule:
//! arm64 variant spellings, entries without a platform (checked through
//! their config), malformed platforms (skipped with a warning), OS
//! features, Windows OS versions, and the nesting limit.

use crate::util::push::{descriptor, PushAuth, Pushed, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::Ddigest;
use serde_json::{json, Value};

fn setup() -> (Registry, Pusher) {
    let reg = Registry::start(Auth::None, false);
    let pusher = Pusher::new(&reg, PushAuth::None);
    (reg, pusher)
}

/// An index entry for `child` with this exact `platform` object.
fn with_platform(child: &Pushed, platform: Value) -> Value {
    let mut d = descriptor(child, None);
    d["platform"] = platform;
    d
}

#[test]
fn arm64_variants_are_spelled_as_containerd_spells_them() {
    let (reg, p) = setup();
    let v90 = p.image("app", "v90", true, "linux/arm64/v9.0");
    let v9 = p.image("app", "v9", true, "linux/arm64/v9");
    let v8 = p.image("app", "v8", true, "linux/arm64/v8.0");
    p.index_of(
        "app",
        "arm",
        true,
        vec![
            descriptor(&v8, Some("linux/arm64/v8.0")),
            descriptor(&v90, Some("linux/arm64/v9.0")),
            descriptor(&v9, Some("linux/arm64/v9")),
        ],
    );
    let reference = format!("{}/app:arm", reg.host());
    let dd = Ddigest::new();
    // v9.0 and v9 are one platform: the first entry wins, with a warning.
    for asked in [
        "linux/arm64/v9",
        "linux/arm64/9",
        "linux/arm64/9.0",
        "linux/aarch64/v9.0",
    ] {
        let got = dd.run(&["--platform", asked, &reference]);
        assert_eq!(got.digest(), v90.digest, "{asked}");
        assert!(got.stderr.contains("2 entries are for"), "{}", got.stderr);
    }
    for asked in ["linux/arm64", "linux/arm64/v8", "linux/arm64/8"] {
        assert_eq!(
            dd.run(&["--platform", asked, &reference]).digest(),
            v8.digest,
            "{asked}"
        );
    }
    // v9.2 is not in containerd's table: it matches only itself.
    let err = dd.run(&["--platform", "linux/arm64/v9.2", &reference]);
    assert!(err
        .fails(1)
        .contains("no entry for platform linux/arm64/v9.2"));
}

#[test]
fn entries_without_a_platform_are_read_through_their_config() {
    let (reg, p) = setup();
    let arm = p.image("app", "arm", true, "linux/arm/v7");
    let amd = p.image("app", "amd", true, "linux/amd64");
    p.index_of(
        "app",
        "bare",
        true,
        vec![
            descriptor(&arm, Some("linux/arm/v7")),
            descriptor(&amd, None),
        ],
    );
    let reference = format!("{}/app:bare", reg.host());
    let dd = Ddigest::new();
    let got = dd.run(&["--format", "json", "--platform", "linux/amd64", &reference]);
    assert_eq!(got.code, 0, "{}", got.stderr);
    let line: Value = serde_json::from_str(got.stdout.trim()).expect("json");
    assert_eq!(line["digest"], amd.digest.as_str());
    assert_eq!(line["platform"], "linux/amd64");
    assert_eq!(
        dd.run(&["--platform", "linux/arm", &reference]).digest(),
        arm.digest
    );
    // The unlabelled entry is for amd64: s390x is not there.
    let missing = dd.run(&["--platform", "linux/s390x", &reference]);
    let err = missing.fails(1);
    assert!(err.contains("an image without a platform"), "{err}");
}

#[test]
fn a_malformed_platform_skips_its_entry_with_a_warning() {
    let (reg, p) = setup();
    let amd = p.image("app", "amd", true, "linux/amd64");
    let arm = p.image("app", "arm64", true, "linux/arm64");
    p.index_of(
        "app",
        "odd",
        true,
        vec![
            with_platform(&arm, json!({"architecture": "arm64"})),
            descriptor(&amd, Some("linux/amd64")),
        ],
    );
    let reference = format!("{}/app:odd", reg.host());
    let dd = Ddigest::new();
    let got = dd.run(&["--platform", "linux/amd64", &reference]);
    assert_eq!(got.digest(), amd.digest);
    assert!(
        got.stderr.contains(&format!(
            "warning: index entry {} has a malformed platform",
            arm.digest
        )),
        "{}",
        got.stderr
    );
    let ls = dd.run(&["ls", &reference]);
    assert_eq!(ls.code, 0, "{}", ls.stderr);
    assert!(ls.stdout.contains(&amd.digest) && !ls.stdout.contains(&arm.digest));
    assert!(ls.stderr.contains("malformed platform"), "{}", ls.stderr);
}

#[test]
fn os_features_must_be_asked_for() {
    let (reg, p) = setup();
    let gpu = p.image("app", "gpu", true, "linux/amd64");
    let plain = p.image("app", "plain", true, "linux/amd64");
    let features = json!({"os": "linux", "architecture": "amd64", "os.features": ["gpu"]});
    p.index_of(
        "app",
        "feat",
        true,
        vec![
            with_platform(&gpu, features),
            descriptor(&plain, Some("linux/amd64")),
        ],
    );
    let reference = format!("{}/app:feat", reg.host());
    let dd = Ddigest::new();
    assert_eq!(
        dd.run(&["--platform", "linux/amd64", &reference]).digest(),
        plain.digest
    );
    // Asking for the feature: both match, the one naming it comes first.
    let asked = dd.run(&["--platform", "linux(+gpu)/amd64", &reference]);
    assert_eq!(asked.digest(), gpu.digest, "{}", asked.stderr);
    let ls = dd.run(&["ls", &reference]);
    assert!(ls.stdout.contains("linux(+gpu)/amd64"), "{}", ls.stdout);
}

#[test]
fn windows_entries_are_told_apart_by_os_version() {
    let (reg, p) = setup();
    let ltsc2019 = p.image("win", "2019", false, "windows/amd64");
    let ltsc2022 = p.image("win", "2022", false, "windows/amd64");
    let win = |v: &str| json!({"os": "windows", "architecture": "amd64", "os.version": v});
    p.index_of(
        "win",
        "multi",
        false,
        vec![
            with_platform(&ltsc2019, win("10.0.17763.5458")),
            with_platform(&ltsc2022, win("10.0.20348.2227")),
        ],
    );
    let reference = format!("{}/win:multi", reg.host());
    let dd = Ddigest::new();
    let pick = |asked: &str| dd.run(&["--platform", asked, &reference]);
    assert_eq!(pick("windows(10.0.17763)/amd64").digest(), ltsc2019.digest);
    assert_eq!(pick("windows(10.0.20348)/amd64").digest(), ltsc2022.digest);
    // A 2025 host runs the 2022 image (stable ABI), not the 2019 one.
    assert_eq!(pick("windows(10.0.26100)/amd64").digest(), ltsc2022.digest);
    // No host version: containerd, on a host that is not Windows, takes the
    // first matching entry in index order, not the newest.
    assert_eq!(pick("windows/amd64").digest(), ltsc2019.digest);
    p.index_of(
        "win",
        "newest-first",
        false,
        vec![
            with_platform(&ltsc2022, win("10.0.20348.2227")),
            with_platform(&ltsc2019, win("10.0.17763.5458")),
        ],
    );
    let newest_first = format!("{}/win:newest-first", reg.host());
    let first = dd.run(&["--platform", "windows/amd64", &newest_first]);
    assert_eq!(first.digest(), ltsc2022.digest);
    let ls = dd.run(&["ls", "--format", "json", &reference]);
    let listing: Value = serde_json::from_str(ls.stdout.trim()).expect("json");
    let rows = listing["manifests"].as_array().expect("manifests");
    assert_eq!(rows[0]["platform"], "windows(10.0.17763.5458)/amd64");
    assert_eq!(rows[1]["osVersion"], "10.0.20348.2227");
    let table = dd.run(&["ls", &reference]).stdout;
    assert!(table.contains("windows(10.0.20348.2227)/amd64"), "{table}");
}

#[test]
fn nesting_past_the_limit_says_so() {
    let (reg, p) = setup();
    let amd = p.image("app", "amd", true, "linux/amd64");
    let mut inner = p.index_of(
        "app",
        "n0",
        true,
        vec![descriptor(&amd, Some("linux/amd64"))],
    );
    for depth in 1..=5 {
        let tag = format!("n{depth}");
        inner = p.index_of("app", &tag, true, vec![descriptor(&inner, None)]);
    }
    let dd = Ddigest::new();
    let shallow = format!("{}/app:n4", reg.host());
    assert_eq!(
        dd.run(&["--platform", "linux/amd64", &shallow]).digest(),
        amd.digest
    );
    let deep = format!("{}/app:n5", reg.host());
    let got = dd.run(&["--format", "json", "--platform", "linux/amd64", &deep]);
    assert_eq!(got.code, 1, "{}", got.stderr);
    assert!(
        got.stderr.contains("nested more than 4 deep"),
        "{}",
        got.stderr
    );
    let line: Value = serde_json::from_str(got.stdout.trim()).expect("json");
    assert_eq!(line["error"]["code"], "bad_manifest");
}
