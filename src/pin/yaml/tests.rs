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

fn pinned(text: &str, rules: Rules) -> String {
    let found = scan(text, rules).unwrap();
    let digest = crate::digest::Digest::parse(&format!("sha256:{}", "a".repeat(64))).unwrap();
    let edits: Vec<crate::pin::edit::Edit> = found
        .sites
        .iter()
        .map(|s| crate::pin::edit::Edit {
            span: s.span.clone(),
            text: s.pinned(true, &digest).unwrap(),
        })
        .collect();
    String::from_utf8(crate::pin::edit::apply(text.as_bytes(), &edits)).unwrap()
}

fn images(text: &str, rules: Rules) -> Vec<(usize, String)> {
    let found = scan(text, rules).unwrap();
    found.sites.into_iter().map(|s| (s.line, s.image)).collect()
}

#[test]
fn helm_maps_at_any_depth_and_image_strings() {
    let text = "image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: 7.2.4\n  pullPolicy: IfNotPresent\nsidecar:\n  image: busybox:1.36\nbase: &base\n  repository: nginx\n  tag: \"1.27\"\nother:\n  - *base\n  - repository: envoy\n    tag: v1.30\n    digest: \"\"\nlegacy:\n  image: app\n  tag: \"2\"\nnotag:\n  repository: chart/app\nversioned:\n  repository: chart/app\n  version: 2.1.3\nnum:\n  repository: numeric\n  tag: 1.20\ninline_image: nginx:1.18\n";
    assert_eq!(
        images(text, Rules::Helm),
        [
            at(4, "docker.io/bitnami/redis:7.2.4"),
            at(7, "busybox:1.36"),
            at(10, "nginx:1.27"),
            at(15, "envoy:v1.30"),
            at(26, "numeric:1.20")
        ]
    );
    let a = "a".repeat(64);
    let out = pinned(text, Rules::Helm);
    assert!(out.contains(&format!("  tag: 7.2.4@sha256:{a}\n")));
    assert!(out.contains(&format!("  tag: \"1.27@sha256:{a}\"\n")));
    assert!(out.contains(&format!("    tag: v1.30\n    digest: \"sha256:{a}\"\n")));
    let skips: Vec<usize> = scan(text, Rules::Helm)
        .unwrap()
        .skips
        .iter()
        .map(|s| s.line)
        .collect();
    assert_eq!(skips, [20, 22]);
}

#[test]
fn helm_repository_of_something_else_is_walked_into() {
    let text = "clone:\n  repository: \"\"\n  image:\n    repository: bitnami/git\n    tag: \"2\"\ngit:\n  repository: https://github.com/x/y\n  image: alpine:3\n";
    assert_eq!(
        images(text, Rules::Helm),
        [at(5, "bitnami/git:2"), at(8, "alpine:3")]
    );
}

/// grafana/helm-charts' loki-distributed and loki-canary: `null` means
/// "not set here", never the text `null` in a reference.
#[test]
fn helm_null_parts_are_not_set() {
    let text = "ingester:\n  image:\n    registry: null\n    repository: null\n    tag: null\ncanary:\n  image:\n    registry: ~\n    repository: docker.io/grafana/loki-canary\n    tag: null\ngateway:\n  image:\n    registry: null\n    repository: nginxinc/nginx-unprivileged\n    tag: \"null\"\n";
    assert_eq!(
        images(text, Rules::Helm),
        [at(15, "nginxinc/nginx-unprivileged:null")]
    );
    let found = crate::pin::yaml::scan(text, Rules::Helm).unwrap();
    let skips: Vec<_> = found
        .skips
        .iter()
        .map(|s| (s.line, s.text.as_str()))
        .collect();
    assert_eq!(skips, [(9, "docker.io/grafana/loki-canary")]);
}

#[test]
fn helm_null_digest_is_replaced() {
    let text = "image:\n  repository: nginx\n  tag: 1.27\n  digest: null # none yet\n";
    let a = "a".repeat(64);
    let out = pinned(text, Rules::Helm);
    assert_eq!(out, text.replace("null", &format!("sha256:{a}")));
    assert_eq!(images(text, Rules::Helm), [at(4, "nginx:1.27")]);
}

#[test]
fn helm_empty_plain_digest_is_filled() {
    let text = "image:\n  repository: nginx\n  tag: 1.27\n  digest:\n  pullPolicy: Always\n";
    let a = "a".repeat(64);
    assert_eq!(
        pinned(text, Rules::Helm),
        format!("image:\n  repository: nginx\n  tag: 1.27\n  digest: sha256:{a}\n  pullPolicy: Always\n")
    );
}

#[test]
fn kustomize_digest_replaced_or_a_line_added() {
    let text = "apiVersion: kustomize.config.k8s.io/v1beta1\r\nkind: Kustomization\r\nimages:\r\n- name: postgres\r\n  newName: my-registry/my-postgres\r\n  newTag: v1 # pinned below\r\n- name: nginx\r\n  newTag: \"1.8.0\"\r\n  digest: sha256:0000000000000000000000000000000000000000000000000000000000000000\r\n- name: alpine\r\n- name: app\r\n  newTag: 2@sha256:1111111111111111111111111111111111111111111111111111111111111111\r\n- {name: flow, newTag: \"1\"}";
    let found = scan(text, Rules::Kustomize).unwrap();
    let images: Vec<(usize, &str)> = found
        .sites
        .iter()
        .map(|s| (s.line, s.image.as_str()))
        .collect();
    assert_eq!(images[0], (6, "my-registry/my-postgres:v1"));
    assert_eq!(images[1].0, 9);
    assert!(images[1].1.starts_with("nginx:1.8.0@sha256:0000"));
    assert_eq!(images[2], (10, "alpine:latest"));
    assert_eq!(images[3].0, 12);
    assert_eq!(found.skips.len(), 1, "the flow entry");
    let a = "a".repeat(64);
    let out = pinned(text, Rules::Kustomize);
    assert!(out.contains(&format!(
        "  newTag: v1 # pinned below\r\n  digest: sha256:{a}\r\n- name: nginx"
    )));
    assert!(out.contains(&format!(
        "  digest: sha256:{a}\r\n- name: alpine\r\n  digest: sha256:{a}\r\n- name: app"
    )));
    assert!(out.contains(&format!("newTag: 2@sha256:{a}\r\n")));
}

#[test]
fn gitlab_jobs_default_and_services() {
    let text = "spec:\n  inputs:\n    version:\n---\nimage: ruby:3.3\nvariables:\n  IMAGE: not-this:1\ndefault:\n  image:\n    name: node:20\n    entrypoint: [\"\"]\n  services:\n    - postgres:16\n.hidden:\n  image: alpine:3.20\ntest:\n  image: golang:$[[ inputs.version ]]\n  services:\n    - name: redis:7\n      alias: cache\nstages: [build]\n";
    assert_eq!(
        images(text, Rules::GitLab),
        [
            at(5, "ruby:3.3"),
            at(10, "node:20"),
            at(13, "postgres:16"),
            at(15, "alpine:3.20"),
            at(19, "redis:7")
        ]
    );
    assert_eq!(scan(text, Rules::GitLab).unwrap().skips.len(), 1);
}

#[test]
fn other_ci_systems() {
    let bitbucket = "image: atlassian/default-image:4\ndefinitions:\n  services:\n    docker:\n      memory: 2048\n    db:\n      image:\n        name: mysql:8\n  steps:\n    - step: &build\n        image: node:20\n        script: [npm ci]\npipelines:\n  default:\n    - step: *build\n    - parallel:\n        - step:\n            image: python:3.12\n            script:\n              - pipe: atlassian/aws-s3-deploy:1.1.0\n";
    assert_eq!(
        images(bitbucket, Rules::Bitbucket),
        [
            at(1, "atlassian/default-image:4"),
            at(8, "mysql:8"),
            at(11, "node:20"),
            at(18, "python:3.12")
        ]
    );
    let circle = "version: 2.1\nexecutors:\n  py:\n    docker:\n      - image: cimg/python:3.12\njobs:\n  build:\n    docker:\n      - image: cimg/go:1.22\n        auth: {username: x}\n      - image: cimg/postgres:<< parameters.pg >>\n  vm:\n    machine:\n      image: ubuntu-2204:current\n";
    assert_eq!(
        images(circle, Rules::CircleCi),
        [at(5, "cimg/python:3.12"), at(9, "cimg/go:1.22")]
    );
    let drone = "kind: pipeline\nsteps:\n- name: test\n  image: golang:1.22\nservices:\n- name: db\n  image: postgres:16\n---\nsteps:\n  build:\n    image: node:20\nservices:\n  cache:\n    image: redis:7\nclone:\n  git:\n    image: woodpeckerci/plugin-git:2\n";
    assert_eq!(
        images(drone, Rules::Drone),
        [
            at(4, "golang:1.22"),
            at(7, "postgres:16"),
            at(11, "node:20"),
            at(14, "redis:7"),
            at(17, "woodpeckerci/plugin-git:2")
        ]
    );
    let azure = "resources:\n  containers:\n  - container: linux\n    image: ubuntu:22.04\ncontainer: linux\njobs:\n- job: a\n  container: node:20\n- job: b\n  container:\n    image: python:3.12\n    options: --hostname x\n- job: c\n  container: $[ variables.img ]\n";
    assert_eq!(
        images(azure, Rules::Azure),
        [
            at(4, "ubuntu:22.04"),
            at(8, "node:20"),
            at(11, "python:3.12")
        ]
    );
    let cloudbuild = "steps:\n- name: gcr.io/cloud-builders/docker\n  args: [build, .]\n- name: 'ubuntu:22.04'\nimages: [gcr.io/p/app]\n";
    assert_eq!(
        images(cloudbuild, Rules::CloudBuild),
        [at(2, "gcr.io/cloud-builders/docker"), at(4, "ubuntu:22.04")]
    );
}

#[test]
fn tekton_and_argo_at_any_depth() {
    let text = "apiVersion: tekton.dev/v1\nkind: Task\nspec:\n  stepTemplate:\n    image: alpine:3.20\n  steps:\n    - name: build\n      image: golang:1.22\n  sidecars:\n    - image: docker:dind\n---\napiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec:\n  templates:\n  - name: a\n    container:\n      image: python:3.12\n  - name: b\n    script:\n      image: node:20\n  - name: steps\n    steps:\n    - - name: s\n        template: a\n";
    assert_eq!(
        images(text, Rules::ByContent),
        [
            at(5, "alpine:3.20"),
            at(8, "golang:1.22"),
            at(10, "docker:dind"),
            at(18, "python:3.12"),
            at(21, "node:20")
        ]
    );
}

#[test]
fn compose_defaults_pinned_whole_and_noted_otherwise() {
    let text = "services:\n  a:\n    image: ${A:-redis:7}\n  b:\n    image: ${REG:-docker.io}/nginx:1\n  c:\n    image: ${C:?set C}\n  d:\n    image: ${D:-${E:-x:1}}\n  e:\n    image: ${E-alpine:3}\n";
    assert_eq!(
        images(text, Rules::Compose),
        [at(3, "redis:7"), at(11, "alpine:3")]
    );
    let skips = scan(text, Rules::Compose).unwrap().skips;
    let reasons: Vec<&str> = skips.iter().map(|s| s.reason.as_str()).collect();
    assert!(
        reasons[0].contains("only part of the reference"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("requires the variable"), "{reasons:?}");
    assert!(reasons[2].contains("nested default"), "{reasons:?}");
}

#[test]
fn helm_and_kustomize_opt_outs_cover_every_line_of_the_entry() {
    use crate::pin::ignore::{remove_ignored, Comments};
    let text = "a:\n  # ddigest: ignore\n  repository: one\n  tag: \"1\"\nb:\n  repository: two\n  tag: \"2\" # ddigest: ignore\nc:\n  repository: three\n  tag: \"3\"\n";
    let found = scan(text, Rules::Helm).unwrap();
    let total = found.sites.len();
    let kept = remove_ignored(text, found, Comments::Hash);
    let removed = total - kept.sites.len();
    let images: Vec<&str> = kept.sites.iter().map(|s| s.image.as_str()).collect();
    assert_eq!((images, removed), (vec!["three:3"], 2));
    let text =
        "images:\n- name: one # ddigest: ignore\n  newTag: \"1\"\n- name: two\n  newTag: \"2\"\n";
    let found = scan(text, Rules::Kustomize).unwrap();
    let kept = remove_ignored(text, found, Comments::Hash);
    let images: Vec<&str> = kept.sites.iter().map(|s| s.image.as_str()).collect();
    assert_eq!(images, ["two:2"]);
}
