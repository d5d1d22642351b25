//! `ddigest ls --referrers` against the real registry (distribution 2.8,
//! which has no referrers API, so the tag schema is read) and, through the
//! fault proxy answering the API, its pages and filter: KIND from the
//! artifact type, cosign's tags, the table and the JSON.

use crate::util::cosign::{sig_tag, KeyKind, SigLayer, TestKey, BUNDLE};
use crate::util::fault_proxy::{Fault, FaultProxy};
use crate::util::push::{PushAuth, Pusher, OCI_INDEX};
use crate::util::registry::{Auth, Registry};
use crate::util::Ddigest;
use serde_json::json;

const SPDX: &str = "application/spdx+json";
const IN_TOTO: &str = "application/vnd.in-toto+json";

#[test]
fn the_tag_schema_and_cosign_tags_are_listed() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let image = p.image("app", "v1", true, "linux/amd64");
    let sbom = p.artifact(
        "app",
        &image,
        SPDX,
        SPDX,
        b"{\"spdxVersion\":\"SPDX-2.3\"}",
        json!({}),
    );
    let provenance = p.artifact("app", &image, IN_TOTO, IN_TOTO, b"{}", json!({}));
    let bundle = p.artifact("app", &image, BUNDLE, BUNDLE, b"{}", json!({}));
    p.referrers_tag(
        "app",
        &image,
        &[(&sbom, SPDX), (&provenance, IN_TOTO), (&bundle, BUNDLE)],
    );
    let key = TestKey::generate(KeyKind::P256);
    let sig = p.signatures(
        "app",
        &sig_tag(&image.digest),
        &[SigLayer::signed(&key, &image.digest)],
    );
    let dd = Ddigest::new();
    let reference = format!("{}/app:v1", reg.host());

    let table = dd.run(&["ls", "--referrers", &reference]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", table.stdout);
    assert!(
        lines[0].starts_with("KIND") && lines[0].contains("ARTIFACT TYPE"),
        "{}",
        lines[0]
    );
    let row = |kind: &str, digest: &str, shown: &str| {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(kind) && l.contains(digest) && l.contains(shown)),
            "{kind} {digest} {shown} in\n{}",
            table.stdout
        )
    };
    row("sbom", &sbom.digest, SPDX);
    row("attestation", &provenance.digest, IN_TOTO);
    row("signature", &bundle.digest, BUNDLE);
    // cosign's .sig tag: no artifact type, so its media type is shown.
    row(
        "signature",
        &sig.digest,
        "application/vnd.oci.image.manifest.v1+json",
    );

    let line = dd.run(&["ls", "--referrers", "--format", "json", &reference]);
    let v: serde_json::Value = serde_json::from_str(line.stdout.trim()).expect("json");
    assert_eq!(v["digest"], image.digest);
    let referrers = v["referrers"].as_array().expect("array");
    assert_eq!(referrers.len(), 4);
    assert_eq!(
        referrers[0],
        json!({"kind": "sbom", "digest": sbom.digest, "artifactType": SPDX, "mediaType": "application/vnd.oci.image.manifest.v1+json", "size": sbom.bytes.len()})
    );
    assert_eq!(referrers[3]["artifactType"], serde_json::Value::Null);
    assert_eq!(referrers[3]["size"], sig.bytes.len());

    // Filtered: only that type, and cosign's untyped tags are not asked.
    let only = dd.run(&[
        "ls",
        "--referrers",
        "--artifact-type",
        SPDX,
        &format!("{}/app@{}", reg.host(), image.digest),
    ]);
    assert_eq!(only.stdout.lines().count(), 2, "{}", only.stdout);
    assert!(only.stdout.contains(&sbom.digest));

    // Nothing refers to the sbom itself: a header, and an empty array.
    let none = format!("{}/app@{}", reg.host(), sbom.digest);
    let empty = dd.run(&["ls", "--referrers", &none]);
    assert_eq!(
        (empty.code, empty.stdout.lines().count()),
        (0, 1),
        "{}",
        empty.stderr
    );
    let empty = dd.run(&["ls", "--referrers", "--format", "json", &none]);
    let v: serde_json::Value = serde_json::from_str(empty.stdout.trim()).expect("json");
    assert_eq!(v["referrers"], json!([]));
    // A tag that does not exist is not found (exit 3), as for `ls`.
    dd.run(&["ls", "--referrers", &format!("{}/app:nope", reg.host())])
        .fails(3);
}

#[test]
fn the_referrers_api_is_paged_and_filtered() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let image = p.image("app", "v1", true, "linux/amd64");
    let sbom = p.artifact("app", &image, SPDX, SPDX, b"{}", json!({}));
    let att = p.artifact("app", &image, IN_TOTO, IN_TOTO, b"{}", json!({}));
    let entry = |a: &crate::util::push::Pushed, t: &str| json!({"mediaType": a.media_type, "size": a.bytes.len(), "digest": a.digest, "artifactType": t});
    let page = |entries: Vec<serde_json::Value>| {
        json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
            .to_string()
            .into_bytes()
    };
    let (first, second) = (
        page(vec![entry(&sbom, SPDX)]),
        page(vec![entry(&att, IN_TOTO)]),
    );
    let base = format!("/v2/app/referrers/{}", image.digest);
    let next = format!("{base}?last=page1");
    let proxy = FaultProxy::start("127.0.0.1", Some(reg.base_url()), move |seen, _| {
        let mut hs = vec![("Content-Type".to_string(), OCI_INDEX.to_string())];
        if seen.path == next {
            Fault::Answer(200, hs, second.clone())
        } else if seen.path.starts_with(&base) {
            // The first page (filtered or not): this server never filters.
            hs.push(("Link".into(), format!("<{next}>; rel=\"next\"")));
            Fault::Answer(200, hs, first.clone())
        } else {
            Fault::Forward
        }
    });
    let dd = Ddigest::new();
    let reference = format!("{}/app:v1", proxy.addr);
    let listed = dd.run(&["ls", "--referrers", &reference]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_eq!(listed.stdout.lines().count(), 3, "{}", listed.stdout);
    assert!(listed.stdout.contains(&sbom.digest) && listed.stdout.contains(&att.digest));
    let tag_schema = image.digest.replace(':', "-");
    assert!(
        proxy.seen().iter().all(|s| !s.path.ends_with(&tag_schema)),
        "the API answered"
    );

    // The filter is sent; a server that did not apply it is filtered here.
    let only = dd.run(&["ls", "--referrers", "--artifact-type", IN_TOTO, &reference]);
    assert_eq!(only.stdout.lines().count(), 2, "{}", only.stdout);
    assert!(only.stdout.contains(&att.digest));
    let asked = proxy.seen().iter().any(|s| {
        s.path
            .ends_with("?artifactType=application%2Fvnd.in-toto%2Bjson")
    });
    assert!(asked, "{:?}", proxy.seen());
}
