use super::*;

fn conf(text: &str) -> RegistriesConf {
    let mut conf = RegistriesConf::default();
    conf.merge_text(text).unwrap();
    conf
}

/// The endpoints tried, in order, each with whether it is a mirror (all
/// but the last, the primary).
fn tried(conf: &RegistriesConf, reference: &str) -> Vec<(String, bool, bool)> {
    let reference = Reference::parse_normalized(reference).unwrap();
    let endpoints = conf.endpoints(&reference).unwrap();
    let last = endpoints.len().saturating_sub(1);
    endpoints
        .into_iter()
        .enumerate()
        .map(|(i, e)| (e.reference.to_string(), e.insecure, i < last))
        .collect()
}

fn at(reference: &str, insecure: bool, mirror: bool) -> (String, bool, bool) {
    (reference.to_string(), insecure, mirror)
}

const EXAMPLE: &str = r#"
unqualified-search-registries = ["example.com"]

[[registry]]
prefix = "example.com/foo"
insecure = false
blocked = false
location = "internal-registry-for-example.com/bar"

[[registry.mirror]]
location = "example-mirror-0.local/mirror-for-foo"

[[registry.mirror]]
location = "example-mirror-1.local/mirrors/foo"
insecure = true

[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "127.0.0.1:5000"
pull-from-mirror = "digest-only"

[[registry]]
prefix = "docker.io/library/node"
location = "localhost:5001/node"

[[registry]]
prefix = "*.blocked.example"
blocked = true
"#;

#[test]
fn the_man_page_example_tries_mirrors_then_the_location() {
    let conf = conf(EXAMPLE);
    assert_eq!(
        tried(&conf, "example.com/foo/image:latest"),
        [
            at(
                "example-mirror-0.local/mirror-for-foo/image:latest",
                false,
                true
            ),
            at(
                "example-mirror-1.local/mirrors/foo/image:latest",
                true,
                true
            ),
            at(
                "internal-registry-for-example.com/bar/image:latest",
                false,
                false
            ),
        ]
    );
    // `example.com/foobar` is not under `example.com/foo`.
    assert_eq!(
        tried(&conf, "example.com/foobar:1"),
        [at("example.com/foobar:1", false, false)]
    );
}

#[test]
fn longest_prefix_wins_and_docker_hub_names_are_normalized_first() {
    let conf = conf(EXAMPLE);
    assert_eq!(
        tried(&conf, "node:14.7.0"),
        [at("localhost:5001/node:14.7.0", false, false)]
    );
    assert_eq!(
        tried(&conf, "redis:7"),
        [at("docker.io/library/redis:7", false, false)]
    );
    let digest = format!("sha256:{}", "a".repeat(64));
    assert_eq!(
        tried(&conf, &format!("redis@{digest}")),
        [
            at(
                &format!("127.0.0.1:5000/library/redis@{digest}"),
                false,
                true
            ),
            at(&format!("docker.io/library/redis@{digest}"), false, false),
        ]
    );
}

#[test]
fn blocked_and_wildcards() {
    let conf = conf(EXAMPLE);
    let blocked = Reference::parse_normalized("r.blocked.example/app:1").unwrap();
    assert_eq!(
        conf.endpoints(&blocked).unwrap_err(),
        Blocked("*.blocked.example".into())
    );
    let apex = Reference::parse_normalized("blocked.example/app:1").unwrap();
    assert!(
        conf.endpoints(&apex).is_ok(),
        "a wildcard covers subdomains only"
    );
}

#[test]
fn drop_ins_replace_tables_with_the_same_prefix() {
    let mut conf = conf(EXAMPLE);
    conf.merge_text("[[registry]]\nprefix = \"docker.io/library/node\"\nblocked = true\n")
        .unwrap();
    let node = Reference::parse_normalized("node").unwrap();
    assert!(conf.endpoints(&node).is_err());
    let mut only_digest = RegistriesConf::default();
    only_digest
        .merge_text("[[registry]]\nlocation = \"quay.io\"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = \"m.local\"\n")
        .unwrap();
    assert_eq!(
        tried(&only_digest, "quay.io/a/b:1"),
        [at("quay.io/a/b:1", false, false)]
    );
}

#[test]
fn bad_files_are_errors() {
    let mut c = RegistriesConf::default();
    assert!(matches!(
        c.merge_text("[[registry]\n"),
        Err(ConfError::Toml(_))
    ));
    assert_eq!(
        c.merge_text("[[registry]]\ninsecure = true\n"),
        Err(ConfError::Empty)
    );
    assert!(matches!(
        c.merge_text("[[registry]]\nprefix = \"*.a.com\"\nlocation = \"b.com\"\n"),
        Err(ConfError::WildcardLocation(_))
    ));
    assert!(matches!(
        c.merge_text("[[registry]]\nlocation = \"a.com\"\n[[registry.mirror]]\nlocation = \"m.com\"\npull-from-mirror = \"sometimes\"\n"),
        Err(ConfError::BadPullFromMirror { .. })
    ));
    assert!(matches!(
        c.merge_text("[[registry]]\nlocation = \"a.com/UPPER\"\n"),
        Err(ConfError::BadLocation { .. })
    ));
}
