//! `ddigest manifest` and `ddigest config` against the real registry: the
//! exact bytes in a pipe (so `| sha256sum` is the digest), an entry of a
//! list with `--platform`, an image's config blob, pretty JSON on a
//! terminal (a pty made by util-linux `script`) unless `--raw`, and
//! failures with nothing on stdout.

use crate::util::push::{descriptor, PushAuth, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::{sha256, skopeo_digest, temp_dir, Ddigest};

fn config_digest(manifest: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(manifest).expect("manifest json");
    v["config"]["digest"]
        .as_str()
        .expect("config digest")
        .to_string()
}

#[test]
fn manifests_and_configs_byte_for_byte() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let amd64 = p.image("app", "amd64", true, "linux/amd64");
    let arm64 = p.image("app", "arm64", true, "linux/arm64");
    let list = p.index_of(
        "app",
        "multi",
        true,
        vec![
            descriptor(&amd64, Some("linux/amd64")),
            descriptor(&arm64, Some("linux/arm64")),
        ],
    );
    let dd = Ddigest::new();
    let multi = format!("{}/app:multi", reg.host());

    // The list itself: its bytes hash to what `ddigest REF` prints.
    let got = dd.run(&["manifest", &multi]);
    assert_eq!(got.code, 0, "{}", got.stderr);
    assert_eq!(got.stdout.as_bytes(), list.bytes.as_slice());
    assert_eq!(sha256(got.stdout.as_bytes()), dd.run(&[&multi]).digest());
    // skopeo inspect --raw, the tool this replaces, reads the same bytes.
    assert_eq!(
        skopeo_digest(&multi, &["--tls-verify=false"]),
        sha256(got.stdout.as_bytes())
    );

    // An entry, by platform; and by digest.
    let entry = dd.run(&["manifest", "--platform", "linux/arm64", &multi]);
    assert_eq!(
        entry.stdout.as_bytes(),
        arm64.bytes.as_slice(),
        "{}",
        entry.stderr
    );
    let by_digest = format!("{}/app@{}", reg.host(), amd64.digest);
    assert_eq!(
        dd.run(&["manifest", &by_digest]).stdout.as_bytes(),
        amd64.bytes.as_slice()
    );

    // Config blobs hash to the digest their manifest names.
    let single = format!("{}/app:amd64", reg.host());
    let config = dd.run(&["config", &single]);
    assert_eq!(config.code, 0, "{}", config.stderr);
    assert_eq!(
        sha256(config.stdout.as_bytes()),
        config_digest(&amd64.bytes)
    );
    assert!(config.stdout.contains("\"architecture\":\"amd64\""));
    let arm_config = dd.run(&["config", "--platform", "linux/arm64", &multi]);
    assert_eq!(
        sha256(arm_config.stdout.as_bytes()),
        config_digest(&arm64.bytes)
    );

    // A list has no one config; a platform it lacks is an error; nothing on stdout.
    let needs = dd.run(&["config", &multi]);
    let err = needs.fails(1);
    assert!(
        err.contains("--platform") && err.contains("linux/amd64, linux/arm64"),
        "{err}"
    );
    let missing = dd.run(&["manifest", "--platform", "linux/s390x", &multi]);
    assert!(missing
        .fails(1)
        .contains("no entry for platform linux/s390x"));
    let gone = dd.run(&["manifest", &format!("{}/app:nope", reg.host())]);
    assert!(gone.fails(3).contains("404"), "{}", gone.stderr);
}

#[test]
fn a_terminal_gets_pretty_json_unless_raw() {
    let reg = Registry::start(Auth::None, false);
    let image = Pusher::new(&reg, PushAuth::None).image("app", "v1", true, "linux/amd64");
    let reference = format!("{}/app:v1", reg.host());
    let dir = temp_dir("tty");
    let on_terminal = |extra: &str| {
        let typescript = dir.path().join("typescript");
        let command = format!(
            "'{}' manifest {extra} '{reference}'",
            env!("CARGO_BIN_EXE_ddigest")
        );
        let status = std::process::Command::new("script")
            .args(["-qec", &command])
            .arg(&typescript)
            .env("HOME", dir.path())
            .env("DOCKER_CONFIG", dir.path())
            .env("CONTAINERS_REGISTRIES_CONF", dir.path().join("none.conf"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status()
            .expect("script (util-linux) runs");
        assert!(status.success());
        std::fs::read_to_string(&typescript).expect("typescript")
    };
    let pretty = on_terminal("");
    assert!(pretty.contains("\"schemaVersion\": 2,"), "{pretty:?}");
    assert!(
        pretty.contains("\r\n  \"mediaType\""),
        "indented: {pretty:?}"
    );
    let raw = on_terminal("--raw");
    let compact = String::from_utf8(image.bytes).expect("utf-8");
    assert!(raw.contains(&compact), "{raw:?}");
}
