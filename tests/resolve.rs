//! Resolution against the real registry over plain HTTP on loopback: every
//! manifest kind, by tag and by digest, nested paths, not-found and
//! corrupted storage, each checked against the sha256 of the pushed bytes
//! and, where it matters, against skopeo.

use crate::util::push::{PushAuth, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::{sha256, skopeo_digest, Ddigest};

fn plain_registry() -> (Registry, Pusher) {
    let registry = Registry::start(Auth::None, false);
    let pusher = Pusher::new(&registry, PushAuth::None);
    (registry, pusher)
}

#[test]
fn every_manifest_kind_by_tag_matches_the_pushed_bytes_and_skopeo() {
    let (reg, p) = plain_registry();
    let h = reg.host();
    let docker = p.image("app", "schema2", false, "linux/amd64");
    let arm = p.image("app", "arm", false, "linux/arm/v7");
    let list = p.list(
        "app",
        "list",
        false,
        &[(docker.clone(), "linux/amd64"), (arm, "linux/arm/v7")],
        Some(3),
    );
    assert!(
        String::from_utf8_lossy(&list.bytes).contains("\n   \"manifests\""),
        "3-space indent"
    );
    let oci = p.image("app", "oci", true, "linux/arm64/v8");
    let index = p.list(
        "app",
        "index",
        true,
        &[(oci.clone(), "linux/arm64/v8")],
        None,
    );

    let dd = Ddigest::new();
    let mut seen = 0;
    for (tag, pushed) in [
        ("schema2", &docker),
        ("list", &list),
        ("oci", &oci),
        ("index", &index),
    ] {
        let reference = format!("{h}/app:{tag}");
        let path = format!("/v2/app/manifests/{tag}");
        let got = dd.run(&[&reference]);
        assert_eq!(got.digest(), pushed.digest, "{tag}");
        assert_eq!(got.stderr, "", "{tag}: nothing on stderr");
        let verified = dd.run(&["--verify", &reference]);
        assert_eq!(verified.digest(), pushed.digest, "--verify {tag}");
        // One HEAD answers a plain run; --verify costs one GET and nothing else.
        let requests = reg.ddigest_requests(seen + 2);
        let expected = [
            ("HEAD".to_string(), path.clone(), 200),
            ("GET".to_string(), path, 200),
        ];
        assert_eq!(requests[seen..], expected, "{tag}");
        seen = requests.len();
        assert_eq!(
            skopeo_digest(&reference, &["--tls-verify=false"]),
            pushed.digest,
            "skopeo {tag}"
        );
    }
    assert_eq!(sha256(&list.bytes), list.digest);
}

#[test]
fn by_digest_and_nested_paths() {
    let (reg, p) = plain_registry();
    let h = reg.host();
    let img = p.image("team/sub/app", "1.0", false, "linux/amd64");
    let dd = Ddigest::new();
    assert_eq!(
        dd.run(&[&format!("{h}/team/sub/app:1.0")]).digest(),
        img.digest
    );
    let by_digest = format!("{h}/team/sub/app@{}", img.digest);
    assert_eq!(dd.run(&[&by_digest]).digest(), img.digest);
    // A tag next to a digest is ignored, as docker does: this tag does not exist.
    let tagged = format!("{h}/team/sub/app:no-such-tag@{}", img.digest);
    assert_eq!(dd.run(&[&tagged]).digest(), img.digest);
}

#[test]
fn unknown_tag_repository_and_digest_exit_3() {
    let (reg, p) = plain_registry();
    let h = reg.host();
    p.image("app", "v1", false, "linux/amd64");
    let dd = Ddigest::new();
    let tag = dd.run(&[&format!("{h}/app:v2")]);
    assert!(tag.fails(3).contains("404"), "{}", tag.stderr);
    let repo = dd.run(&[&format!("{h}/nothing/here:v1")]);
    repo.fails(3);
    let digest = dd.run(&[&format!("{h}/app@{}", sha256(b"never pushed"))]);
    assert!(
        digest.fails(3).contains("MANIFEST_UNKNOWN"),
        "{}",
        digest.stderr
    );
}

#[test]
fn corrupted_storage_is_caught_by_digest_and_by_verify() {
    let (reg, p) = plain_registry();
    let h = reg.host();
    let img = p.image("app", "v1", false, "linux/amd64");
    // Change one byte of the stored manifest, keeping it valid JSON of the
    // same length: the registry still serves it under the old digest.
    let hex = img.digest.trim_start_matches("sha256:");
    let path = reg.blob_path(hex);
    let mut stored = std::fs::read(&path).expect("stored manifest");
    assert_eq!(stored, img.bytes);
    let at = stored
        .windows(4)
        .position(|w| w == b"gzip")
        .expect("layer media type");
    stored[at + 2] = b'a';
    std::fs::write(&path, &stored).expect("corrupt");
    let dd = Ddigest::new();

    let by_digest = dd.run(&[&format!("{h}/app@{}", img.digest)]);
    let err = by_digest.fails(1);
    assert!(
        err.contains("digest mismatch")
            && err.contains(&img.digest)
            && err.contains(&sha256(&stored)),
        "{err}"
    );

    let verify = dd.run(&["--verify", &format!("{h}/app:v1")]);
    assert!(
        verify.fails(1).contains("Docker-Content-Digest"),
        "{}",
        verify.stderr
    );
}

#[test]
fn invalid_references_exit_2_and_say_why() {
    let dd = Ddigest::new();
    for (input, says) in [
        ("Node:14", "lowercase"),
        ("node:-14", "invalid tag"),
        ("node@sha256:abc", "invalid digest"),
        (&format!("node@sha256:{}", "a".repeat(40)), "64 hex"),
        ("https://registry.example/node", "URL scheme"),
        ("", "at least one component"),
    ] {
        let run = dd.run(&[input]);
        assert!(run.fails(2).contains(says), "{input:?}: {}", run.stderr);
    }
    let usage = dd.run(&[]);
    assert_eq!(usage.code, 2);
    assert!(usage.stderr.contains("Usage"), "{}", usage.stderr);
}

#[test]
fn unreachable_registry_exits_1_with_the_network_error() {
    let port = crate::util::registry::free_port();
    let input = format!("127.0.0.1:{port}/app:v1");
    let run = Ddigest::new().run(&["--timeout", "5", &input]);
    // Said as a person would, without the HTTP stack's chain.
    assert_eq!(
        run.fails(1),
        format!("ddigest: {input}: connection refused by 127.0.0.1:{port}\n")
    );
    let json = Ddigest::new().run(&["--format", "json", "--timeout", "5", &input]);
    let line: serde_json::Value = serde_json::from_str(json.stdout.trim()).expect("json");
    assert_eq!(line["error"]["code"], "network");
    assert_eq!(
        line["error"]["message"],
        format!("connection refused by 127.0.0.1:{port}")
    );
}
