//! `--policy`'s reading of containers-policy.json(5), without a registry:
//! containers/image's own policy fixture and scope-lookup table (as data,
//! `tests/data/policy/`), the strictness containers/image applies (unknown,
//! duplicate, missing or contradictory fields reject the file), and
//! `signedIdentity`'s rules.

use ddigest::reference::Reference;
use ddigest::signature::policy::identity::SignedIdentity;
use ddigest::signature::policy::{scope, Policy, Requirement};
use serde_json::Value;

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/policy/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const KEY: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwr\nkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\n-----END PUBLIC KEY-----\n";

fn parse(text: &str) -> Result<Policy, String> {
    let read = |path: &str| match path {
        "/keys/cosign.pub" => Ok(KEY.as_bytes().to_vec()),
        other => Err(format!("{other}: no such file")),
    };
    Policy::parse(text.as_bytes(), &read).map_err(|e| e.to_string())
}

fn reference(text: &str) -> Reference {
    Reference::parse_normalized(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn containers_image_policy_fixture_reads_and_its_scopes_are_found() {
    let text = String::from_utf8(data("policy.json")).unwrap();
    let policy = parse(&text).unwrap();
    assert!(matches!(policy.default[..], [Requirement::Reject]));
    for (image, want) in [
        (
            "registry.access.redhat.com/rhel7:latest",
            "registry.access.redhat.com",
        ),
        ("foo.access.redhat.com/rhel7/rhel:7", "*.access.redhat.com"),
        ("a.b.redhat.com/x:1", "*.redhat.com"),
        ("quay.example.com/x:1", "*.com"),
        ("example.com/hardened/app:1", "example.com/hardened"),
        ("example.com/hardened-x509:1", "example.com/hardened-x509"),
        (
            "private-mirror:5000/vendor-mirror/busybox:1",
            "private-mirror:5000/vendor-mirror",
        ),
        (
            "bogus/key-data-example:latest",
            "docker.io/bogus/key-data-example",
        ),
        ("quay.io/app:1", "default"),
        ("localhost:5000/app:1", "default"),
    ] {
        let (found, _) = policy.for_reference(&reference(image));
        // The fixture's "bogus/…" scopes are not fully expanded, so the
        // expanded name never matches them: the global default applies.
        let want = if want.starts_with("docker.io/bogus") {
            "default"
        } else {
            want
        };
        assert_eq!(found, want, "{image}");
    }
    // Its signedBy and signedBaseLayer requirements are read, then refused
    // when used, never accepted.
    let (_, reqs) = policy.for_reference(&reference("example.com/hardened/app:1"));
    assert!(reqs
        .iter()
        .all(|r| matches!(r, Requirement::Unsupported(_))));
}

#[test]
fn containers_image_scope_table() {
    let table: Value = serde_json::from_slice(&data("scopes.json")).unwrap();
    let scopes: Vec<&str> = table["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for case in table["cases"].as_array().unwrap() {
        let (input, want) = (case[0].as_str().unwrap(), case[1].as_str().unwrap());
        let found = scope::lookup(&reference(input), |s| {
            scopes.iter().find(|x| **x == s).map(|x| x.to_string())
        });
        assert_eq!(found.as_deref(), Some(want), "{input}");
    }
}

#[test]
fn scopes_run_from_the_image_to_wildcards() {
    let r = reference("reg.example.com:5000/team/app:1.0");
    assert_eq!(
        scope::candidates(&r),
        [
            "reg.example.com:5000/team/app:1.0",
            "reg.example.com:5000/team/app",
            "reg.example.com:5000/team",
            "reg.example.com:5000",
            "*.example.com",
            "*.com",
        ]
    );
    let pinned = reference(
        "busybox:1@sha256:1111111111111111111111111111111111111111111111111111111111111111",
    );
    assert!(scope::candidates(&pinned)[0].starts_with("docker.io/library/busybox@sha256:"));
    assert!(scope::validate("example*.*.com").is_err());
    assert!(scope::validate("*.example.com").is_ok());
}

#[test]
fn the_file_is_read_as_strictly_as_containers_image_reads_it() {
    let ok = r#"{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"reg/app":[{"type":"sigstoreSigned","keyPath":"/keys/cosign.pub","signedIdentity":{"type":"matchRepository"}}]}}}"#;
    parse(ok).unwrap();
    for (bad, why) in [
        (r#"{"transports":{}}"#, "default"),
        (r#"{"default":[]}"#, "no requirements"),
        (
            r#"{"default":[{"type":"reject"}],"extra":1}"#,
            "unknown field",
        ),
        (r#"{"default":[{"type":"reject","x":1}]}"#, "unknown field"),
        (r#"{"default":[{"type":"nonsense"}]}"#, "unknown variant"),
        (
            r#"{"default":[{"type":"reject"}],"transports":{"docker":{"a":[{"type":"reject"}],"a":[{"type":"reject"}]}}}"#,
            "duplicate key",
        ),
        (
            r#"{"default":[{"type":"reject"}],"transports":{"docker":{},"docker":{}}}"#,
            "duplicate key",
        ),
        (
            r#"{"default":[{"type":"sigstoreSigned","keyPath":"/keys/cosign.pub","keyPath":"/keys/cosign.pub"}]}"#,
            "duplicate field",
        ),
        (r#"{"default":[{"type":"sigstoreSigned"}]}"#, "is required"),
        (
            r#"{"default":[{"type":"sigstoreSigned","keyPath":"/keys/cosign.pub","keyData":"eA=="}]}"#,
            "exactly one of",
        ),
        (
            r#"{"default":[{"type":"sigstoreSigned","keyPath":"/keys/missing.pub"}]}"#,
            "no such file",
        ),
        (
            r#"{"default":[{"type":"sigstoreSigned","fulcio":{"caData":"eA==","oidcIssuer":"i","subjectEmail":"e"}}]}"#,
            "no PEM certificate",
        ),
        (
            r#"{"default":[{"type":"sigstoreSigned","keyPath":"/keys/cosign.pub","signedIdentity":{"type":"matchRepository","x":1}}]}"#,
            "unknown field",
        ),
        (
            r#"{"default":[{"type":"signedBy","keyType":"PGP","keyPath":"/k"}]}"#,
            "keyType",
        ),
        (
            r#"{"default":[{"type":"reject"}],"transports":{"docker":{"example*.*.com":[{"type":"reject"}]}}}"#,
            "wildcard",
        ),
    ] {
        let err = parse(bad).expect_err(bad);
        assert!(err.contains(why), "{bad}: {err}");
    }
}

#[test]
fn signed_identity_follows_containers_image() {
    let tagged = reference("docker.io/library/busybox:1.36");
    let digested = reference(
        "busybox@sha256:1111111111111111111111111111111111111111111111111111111111111111",
    );
    use SignedIdentity::*;
    let remap = RemapIdentity {
        prefix: "mirror:5000/vendor".into(),
        signed_prefix: "vendor.example.com".into(),
    };
    for (rule, image, claimed, want) in [
        (MatchExact {}, &tagged, "busybox:1.36", true),
        (MatchExact {}, &tagged, "busybox", false),
        (MatchExact {}, &tagged, "busybox:1.35", false),
        (MatchRepoDigestOrExact {}, &tagged, "busybox:1.36", true),
        // cosign's payloads name only the repository: refused for a tag,
        MatchRepoDigestOrExact_(&tagged, "busybox", false),
        // and accepted for a digest.
        MatchRepoDigestOrExact_(&digested, "busybox", true),
        MatchRepoDigestOrExact_(&digested, "docker.io/library/alpine", false),
        (MatchRepository {}, &tagged, "busybox:latest", true),
        (MatchRepository {}, &tagged, "busybox", true),
        (MatchRepository {}, &tagged, "quay.io/busybox", false),
        (
            ExactRepository {
                docker_repository: "quay.io/org/busybox".into(),
            },
            &tagged,
            "quay.io/org/busybox",
            true,
        ),
        (
            ExactReference {
                docker_reference: "quay.io/org/busybox:1".into(),
            },
            &tagged,
            "quay.io/org/busybox:1",
            true,
        ),
        (
            ExactReference {
                docker_reference: "quay.io/org/busybox:1".into(),
            },
            &tagged,
            "quay.io/org/busybox",
            false,
        ),
        (
            remap.clone(),
            &reference("mirror:5000/vendor/app:2"),
            "vendor.example.com/app:2",
            true,
        ),
        (
            remap.clone(),
            &reference("mirror:5000/vendor/app:2"),
            "mirror:5000/vendor/app:2",
            false,
        ),
        (
            remap.clone(),
            &reference("mirror:5000/vendorx/app:2"),
            "mirror:5000/vendorx/app:2",
            true,
        ),
        (MatchRepository {}, &tagged, "NOT A REFERENCE", false),
    ] {
        assert_eq!(
            rule.matches(image, Some(claimed)),
            want,
            "{rule:?} {image} {claimed}"
        );
    }
    assert!(!MatchRepository {}.matches(&tagged, None));
}

#[allow(non_snake_case)]
fn MatchRepoDigestOrExact_<'a>(
    image: &'a Reference,
    claimed: &'a str,
    want: bool,
) -> (SignedIdentity, &'a Reference, &'a str, bool) {
    (
        SignedIdentity::MatchRepoDigestOrExact {},
        image,
        claimed,
        want,
    )
}
