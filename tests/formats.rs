//! Every output format against the real registry, JSON checked by parsing
//! it: `--format digest|pinned|json`, `--with-ref`/`--no-ref`, and `ls` as a
//! table and as JSON for an index with attestations and for a single image.

use crate::util::push::{descriptor, PushAuth, Pushed, Pusher, OCI_INDEX, OCI_MANIFEST};
use crate::util::registry::{Auth, Registry};
use crate::util::Ddigest;
use serde_json::Value;

struct Fixture {
    reg: Registry,
    amd64: Pushed,
    arm64: Pushed,
    index: Pushed,
    attestation: Value,
}

/// `app:v1`: an OCI index of amd64 and arm64 plus an attestation for amd64.
fn fixture() -> Fixture {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let amd64 = p.image("app", "amd64", true, "linux/amd64");
    let arm64 = p.image("app", "arm64", true, "linux/arm64");
    let attestation = p.attestation("app", &amd64);
    let index = p.index_of(
        "app",
        "v1",
        true,
        vec![
            descriptor(&amd64, Some("linux/amd64")),
            descriptor(&arm64, Some("linux/arm64")),
            attestation.clone(),
        ],
    );
    Fixture {
        reg,
        amd64,
        arm64,
        index,
        attestation,
    }
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn with_ref_and_no_ref() {
    let f = fixture();
    let r = format!("{}/app:v1", f.reg.host());
    let dd = Ddigest::new();
    assert_eq!(
        dd.run(&["--with-ref", &r]).stdout,
        format!("{}  {r}\n", f.index.digest)
    );
    let arm = format!("{}/app:arm64", f.reg.host());
    assert_eq!(
        dd.run(&["--no-ref", &r, &arm]).stdout,
        format!("{}\n{}\n", f.index.digest, f.arm64.digest)
    );
}

#[test]
fn pinned_keeps_the_reference_as_written() {
    let f = fixture();
    let h = f.reg.host();
    let by_tag = format!("{h}/app:v1");
    let by_both = format!("{h}/app:v1@{}", f.index.digest);
    let got = Ddigest::new().run(&["--format", "pinned", &by_tag, &by_both]);
    assert_eq!(got.code, 0, "{}", got.stderr);
    assert_eq!(
        got.stdout,
        format!("{by_tag}@{d}\n{by_tag}@{d}\n", d = f.index.digest)
    );
    // With a platform, the digest given (the index's) is replaced by the entry's.
    let got = Ddigest::new().run(&["--format", "pinned", "--platform", "linux/arm64", &by_both]);
    assert_eq!(got.stdout, format!("{by_tag}@{}\n", f.arm64.digest));
}

#[test]
fn json_has_every_field_and_stable_error_codes() {
    let f = fixture();
    let h = f.reg.host();
    let inputs = [
        format!("{h}/app:v1"),
        format!("{h}/app:nope"),
        format!("{h}/UPPER:1"),
        format!("{h}/app@{}", f.amd64.digest),
    ];
    let mut args = vec!["--format", "json"];
    args.extend(inputs.iter().map(String::as_str));
    let got = Ddigest::new().run(&args);
    assert_eq!(got.code, 3, "{}", got.stderr);
    let lines = json_lines(&got.stdout);
    assert_eq!(lines.len(), 4);
    let ok = &lines[0];
    assert_eq!(ok["input"], inputs[0].as_str());
    assert_eq!(ok["reference"], format!("{h}/app:v1").as_str());
    assert_eq!(ok["registry"], h.as_str());
    assert_eq!(ok["repository"], "app");
    assert_eq!(ok["tag"], "v1");
    assert_eq!(ok["digest"], f.index.digest.as_str());
    assert_eq!(ok["mediaType"], OCI_INDEX);
    assert_eq!(ok["size"], f.index.bytes.len());
    assert!(ok.get("error").is_none() && ok.get("platform").is_none());
    assert_eq!(lines[1]["error"]["code"], "not_found");
    assert!(lines[1].get("digest").is_none());
    assert_eq!(lines[2]["error"]["code"], "invalid_reference");
    assert!(lines[2]["reference"].is_null());
    assert_eq!(lines[3]["digest"], f.amd64.digest.as_str());
    assert!(lines[3]["tag"].is_null());
    // Errors still go to stderr too, one line each.
    assert_eq!(got.stderr.lines().count(), 2, "{}", got.stderr);
}

#[test]
fn json_with_platforms_names_the_platform_chosen() {
    let f = fixture();
    let r = format!("{}/app:v1", f.reg.host());
    let got = Ddigest::new().run(&[
        "--format",
        "json",
        "--platform",
        "linux/aarch64,linux/s390x",
        &r,
    ]);
    assert_eq!(got.code, 1);
    let lines = json_lines(&got.stdout);
    assert_eq!(lines[0]["platform"], "linux/arm64");
    assert_eq!(lines[0]["digest"], f.arm64.digest.as_str());
    assert_eq!(lines[0]["mediaType"], OCI_MANIFEST);
    assert_eq!(lines[0]["size"], f.arm64.bytes.len());
    assert_eq!(lines[1]["platform"], "linux/s390x");
    assert_eq!(lines[1]["error"]["code"], "platform_not_found");
}

#[test]
fn ls_shows_every_entry_and_marks_attestations() {
    let f = fixture();
    let r = format!("{}/app:v1", f.reg.host());
    let dd = Ddigest::new();
    let table = dd.run(&["ls", &r]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let rows: Vec<Vec<&str>> = table
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        ["PLATFORM", "DIGEST", "MEDIA", "TYPE", "SIZE", "NOTE"]
    );
    assert_eq!(rows[1][..3], ["index", f.index.digest.as_str(), OCI_INDEX]);
    assert_eq!(rows[2][..2], ["linux/amd64", f.amd64.digest.as_str()]);
    assert_eq!(rows[3][..2], ["linux/arm64", f.arm64.digest.as_str()]);
    let att = f.attestation["digest"].as_str().expect("digest");
    assert_eq!(
        rows[4],
        [
            "unknown/unknown",
            att,
            OCI_MANIFEST,
            &f.attestation["size"].to_string(),
            "attestation",
            "of",
            &f.amd64.digest
        ]
    );

    let json = dd.run(&["ls", "--format", "json", &r]);
    let v = &json_lines(&json.stdout)[0];
    assert_eq!(v["digest"], f.index.digest.as_str());
    assert_eq!(v["index"], true);
    let entries = v["manifests"].as_array().expect("manifests");
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[1]["platform"], "linux/arm64");
    assert_eq!(entries[1]["attestation"], false);
    assert_eq!(entries[2]["attestation"], true);
    assert_eq!(entries[2]["attests"], f.amd64.digest.as_str());
}

#[test]
fn ls_of_a_single_image_reads_its_platform_from_the_config() {
    let f = fixture();
    let r = format!("{}/app:arm64", f.reg.host());
    let dd = Ddigest::new();
    let table = dd.run(&["ls", &r]);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", table.stdout);
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        row,
        [
            "linux/arm64",
            f.arm64.digest.as_str(),
            OCI_MANIFEST,
            &f.arm64.bytes.len().to_string()
        ]
    );
    let json = &json_lines(&dd.run(&["ls", "--format", "json", &r]).stdout)[0];
    assert_eq!(json["index"], false);
    assert_eq!(json["manifests"][0]["platform"], "linux/arm64");
    let missing = dd.run(&["ls", &format!("{}/app:gone", f.reg.host())]);
    assert!(missing.fails(3).contains("app:gone"));
}
