use super::*;

fn sites(text: &str, rules: Rules) -> Vec<(usize, String)> {
    let found = scan(text, rules).unwrap();
    for site in &found.sites {
        assert_eq!(&text[site.span.clone()], site.text, "span of {site:?}");
    }
    found.sites.into_iter().map(|s| (s.line, s.text)).collect()
}

fn at(line: usize, text: &str) -> (usize, String) {
    (line, text.to_string())
}

#[test]
fn compose_services_with_quotes_comments_anchors_and_merges() {
    let text = "# compose\r\n\
        x-base: &base\r\n\
        \x20 image: \"redis:7\"   # quoted\r\n\
        services:\r\n\
        \x20 web:\r\n\
        \x20   image:   'nginx:1.25'\r\n\
        \x20   build: .\r\n\
        \x20 cache:\r\n\
        \x20   <<: *base\r\n\
        \x20 db: {image: postgres:16, restart: always}\r\n\
        \x20 app:\r\n\
        \x20   image: \"${REGISTRY}/app:1\"\r\n\
        \x20 \"ünïcode\":\r\n\
        \x20   image: alpine:3.20\r\n";
    assert_eq!(
        sites(text, Rules::ByContent),
        [
            at(3, "redis:7"),
            at(10, "postgres:16"),
            at(14, "alpine:3.20")
        ]
    );
    // nginx is built here (build:); the variable is left to compose.
    let skipped = scan(text, Rules::ByContent).unwrap().skips;
    let lines: Vec<usize> = skipped.iter().map(|s| s.line).collect();
    assert_eq!(lines, [6, 12]);
}

#[test]
fn kubernetes_documents_at_any_depth() {
    let text = "apiVersion: v1\nkind: Pod\nspec:\n  initContainers:\n  - name: init\n    image: busybox:1.36\n  containers:\n  - {name: app, image: \"ghcr.io/org/app:2\"}\n---\n# not kubernetes\nfoo: {image: skipped:1}\n---\napiVersion: batch/v1\nkind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: job\n              image: >-\n                folded:1\n            - name: debug\n              image: python:3.12-slim\n          ephemeralContainers:\n          - image: debian:12\n";
    assert_eq!(
        sites(text, Rules::ByContent),
        [
            at(6, "busybox:1.36"),
            at(8, "ghcr.io/org/app:2"),
            at(23, "folded:1"),
            at(25, "python:3.12-slim"),
            at(27, "debian:12")
        ]
    );
    let skipped = scan(text, Rules::ByContent).unwrap().skips;
    assert!(skipped.is_empty(), "{skipped:?}");
}

#[test]
fn workflows_container_services_and_docker_steps() {
    let text = "on: push\njobs:\n  a:\n    container: node:20\n    services:\n      db:\n        image: postgres:16\n    steps:\n      - uses: actions/checkout@v4\n      - uses: docker://alpine:3.20\n      - uses: 'docker://${{ matrix.image }}'\n  b:\n    container:\n      image: ubuntu:24.04\n      options: --cpus 1\n";
    assert_eq!(
        sites(text, Rules::Workflow),
        [
            at(4, "node:20"),
            at(7, "postgres:16"),
            at(10, "alpine:3.20"),
            at(14, "ubuntu:24.04")
        ]
    );
    assert_eq!(scan(text, Rules::Workflow).unwrap().skips.len(), 1);
    // The same file by content is neither compose nor Kubernetes.
    assert!(sites(text, Rules::ByContent).is_empty());
}

#[test]
fn broken_yaml_is_an_error_with_its_position() {
    let err = scan(
        "services:\n  web:\n    image: [unclosed\n",
        Rules::ByContent,
    )
    .unwrap_err();
    assert!(err.contains("line"), "{err}");
}

#[test]
fn nested_aliases_are_not_walked_again_and_again() {
    // Each level doubles the aliases: walking into them would visit 2^40 nodes.
    let mut text =
        String::from("apiVersion: v1\nkind: List\nl0: &l0 [{containers: [{image: busybox:1}]}]\n");
    for i in 1..40 {
        text += &format!("l{i}: &l{i} [*l{p}, *l{p}]\n", p = i - 1);
    }
    let found = scan(&text, Rules::ByContent).unwrap();
    assert_eq!(found.sites.len(), 1);
}

#[test]
fn an_anchor_merged_into_itself_does_not_loop() {
    let text = "services:\n  s: &a\n    <<: *a\n    build: .\n  t:\n    <<: *a\n";
    assert!(scan(text, Rules::ByContent).unwrap().sites.is_empty());
    // Found by fuzzing (fuzz/regressions/pin_scanners): a stack overflow.
    let found = include_bytes!(
        "../../../fuzz/regressions/pin_scanners/crash-d54e3c5ee049234be42ce67a520d29e06df97557"
    );
    let _ = scan(&String::from_utf8_lossy(found), Rules::ByContent);
}

#[test]
fn what_compose_accepts_is_read() {
    // Flow sequences closed at the key's indentation, as large projects'
    // compose files write healthchecks; libyaml and yaml.v3 accept them.
    let text = "services:\n  db:\n    image: postgres:16\n    healthcheck:\n      test: [\n        \"CMD-SHELL\", \"pg_isready\"\n      ]\n  cache:\n    image: |-\n      redis:7\n";
    assert_eq!(
        sites(text, Rules::ByContent),
        [at(3, "postgres:16"), at(10, "redis:7")]
    );
}

#[test]
fn locally_built_services_are_skipped_once() {
    let text = "x-app: &app\n  image: ghcr.io/org/app:dev\n  build: .\nservices:\n  a:\n    <<: *app\n  b:\n    <<: *app\n  c:\n    image: nginx:1\n    pull_policy: never\n  d:\n    image: nginx:1\n    pull_policy: always\n";
    assert_eq!(sites(text, Rules::ByContent), [at(13, "nginx:1")]);
    let skipped = scan(text, Rules::ByContent).unwrap().skips;
    let lines: Vec<(usize, bool)> = skipped.iter().map(|s| (s.line, s.by_design)).collect();
    assert_eq!(lines, [(2, true), (10, true)], "{skipped:?}");
}

#[test]
fn a_quoted_scalar_with_escapes_is_unpinnable_not_by_design() {
    let text = "services:\n  a:\n    image: \"nginx\\x3a1\"\n";
    let found = scan(text, Rules::ByContent).unwrap();
    assert!(found.sites.is_empty());
    assert_eq!(found.skips.len(), 1);
    assert!(!found.skips[0].by_design);
}

#[test]
fn compose_defaults_legacy_files_and_image_volumes() {
    let text = "redis:\n  image: ${REDIS_IMAGE:-redis:5.0.0}\nweb:\n  image: \"${WEB:-nginx:1}-x\"\nother:\n  image: ${IMAGE:-a/b}:${TAG:-latest}\n";
    assert_eq!(sites(text, Rules::Compose), [at(2, "redis:5.0.0")]);
    assert!(
        sites(text, Rules::ByContent).is_empty(),
        "not a compose file by name"
    );
    let skipped = scan(text, Rules::Compose).unwrap().skips;
    let texts: Vec<&str> = skipped.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, ["${WEB:-nginx:1}-x", "${IMAGE:-a/b}:${TAG:-latest}"]);
    let pod = "apiVersion: v1\nkind: Pod\nspec:\n  volumes:\n  - name: data\n    image:\n      reference: quay.io/org/data:1\n  - name: tmp\n    emptyDir: {}\n";
    assert_eq!(sites(pod, Rules::ByContent), [at(7, "quay.io/org/data:1")]);
}

#[test]
fn a_variable_is_skipped_by_design_however_it_is_written() {
    let text = "services:\n  a:\n    image: \"${REG}/app\\x3a1\"\n";
    let skips = scan(text, Rules::ByContent).unwrap().skips;
    assert_eq!(skips.len(), 1);
    assert!(skips[0].by_design, "{skips:?}");
}
