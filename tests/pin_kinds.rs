//! The kinds of file `pin` learned after its first four, against the real
//! registry: Helm values (digest key filled, digest after the tag),
//! kustomize (a `digest:` line added with the file's CRLF endings), GitLab
//! CI, a dev container with comments, Quadlet units, docker-bake.hcl,
//! Terraform, and a Dockerfile's `# syntax=` and `RUN --mount=from=`.
//! Each pinned byte for byte, the `--dry-run` diff applying with `patch`
//! to the same bytes, a second run changing nothing, `ddigest: ignore`
//! comments and `--exclude` honoured, and `check` naming the line of each
//! moved pin's tag or digest key.

use crate::util::push::{PushAuth, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::{temp_dir, Ddigest};
use std::collections::BTreeMap;

/// Files with `{R}` for the registry; `{@x}` is `@DIGEST` once pinned,
/// `{=x}` the bare digest, `{+x}` / `{+x:crlf}` a `digest: DIGEST` line
/// added at two spaces. Everything marked `ddigest: ignore` or excluded
/// stays as it is.
const FILES: &[(&str, &str)] = &[
    (
        "chart/values.yaml",
        "image:\n  registry: {R}\n  repository: library/nginx\n  tag: \"1.27\"\n  digest: \"{=nginx}\"\n\
         cache:\n  image:\n    repository: {R}/redis\n    tag: 7{@redis}  # a number, kept as written\n\
         ignored:\n  repository: {R}/missing   # ddigest: ignore\n  tag: \"3.20\"\n\
         sidecar:\n  image: {R}/alpine:3.20{@alpine}\n\
         legacy:\n  image: chart-name\n  tag: \"1\"\n\
         noTag:\n  repository: {R}/redis\n",
    ),
    (
        "deploy/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\r\nkind: Kustomization\r\nimages:\r\n\
         - name: app\r\n  newName: {R}/app\r\n  newTag: \"2\"\r\n{+app:crlf}\
         # ddigest: ignore\r\n- name: {R}/alpine\r\n  newTag: \"3.20\"\r\n\
         - name: {R}/tools\r\n{+tools:crlf}\
         - name: {R}/redis\r\n  newTag: \"7\"\r\n  digest: {=redis}\r\n",
    ),
    (
        ".gitlab-ci.yml",
        "image: {R}/alpine:3.20{@alpine}\nvariables:\n  BASE: {R}/nginx:1.27\n\
         .base:\n  services:\n    - name: {R}/redis:7{@redis}\n      alias: cache\n\
         test:\n  # ddigest: ignore\n  image: {R}/library/nginx:1.27\n  script: [make]\n",
    ),
    (
        ".devcontainer/devcontainer.json",
        "// dev container\n{\n  \"name\": \"app\", /* kept */\n  \"image\": \"{R}/app:2{@app}\",\n  \"features\": {\"ghcr.io/devcontainers/features/node:1\": {},},\n}\n",
    ),
    (
        "quadlet/web.container",
        "[Unit]\nDescription=web\n\n[Container]\nImage=docker://{R}/library/nginx:1.27{@nginx}\nImageTag={R}/nginx:mine\n",
    ),
    (
        "quadlet/cache.image",
        "[Image]\n# ddigest: ignore\nImage={R}/missing:1\n",
    ),
    (
        "docker-bake.hcl",
        "target \"app\" {\n  contexts = {\n    base = \"docker-image://{R}/alpine:3.20{@alpine}\"\n    tools = \"docker-image://{R}/tools\" // ddigest: ignore\n  }\n}\n",
    ),
    (
        "infra/main.tf",
        "resource \"docker_image\" \"web\" {\n  name = \"{R}/library/nginx:1.27{@nginx}\"\n}\n",
    ),
    (
        "build/Dockerfile",
        "# syntax={R}/dockerfile:1{@dockerfile}\nFROM {R}/alpine:3.20{@alpine} AS base\n\
         RUN --mount=type=bind,from={R}/tools{:latest@tools},target=/t \\\n    --mount=from=base,target=/b true\n",
    ),
    ("vendor/Dockerfile", "FROM {R}/alpine:3.20\n"),
    ("vendor/keep.Dockerfile", "FROM {R}/alpine:3.20{@alpine}\n"),
];

/// The images the files name: key, repository, tag.
const IMAGES: &[(&str, &str, &str)] = &[
    ("nginx", "library/nginx", "1.27"),
    ("redis", "redis", "7"),
    ("alpine", "alpine", "3.20"),
    ("app", "app", "2"),
    ("tools", "tools", "latest"),
    ("dockerfile", "dockerfile", "1"),
];

struct Setup {
    registry: Registry,
    pusher: Pusher,
    digests: BTreeMap<&'static str, String>,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let registry = Registry::start(Auth::None, false);
        let pusher = Pusher::new(&registry, PushAuth::None);
        let mut digests = BTreeMap::new();
        for (key, repo, tag) in IMAGES {
            digests.insert(*key, pusher.image(repo, tag, true, "linux/amd64").digest);
        }
        let setup = Setup {
            registry,
            pusher,
            digests,
            dir: temp_dir("kinds"),
        };
        for (path, template) in FILES {
            let path = setup.dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, setup.fill(template, false)).unwrap();
        }
        setup
    }

    /// A template before (`pinned` false) or after pinning.
    fn fill(&self, template: &str, pinned: bool) -> String {
        let mut text = template.replace("{R}", &self.registry.host());
        for (key, digest) in &self.digests {
            let (at, bare, latest, line, crlf) = match pinned {
                true => (
                    format!("@{digest}"),
                    digest.clone(),
                    format!(":latest@{digest}"),
                    format!("  digest: {digest}\n"),
                    format!("  digest: {digest}\r\n"),
                ),
                false => Default::default(),
            };
            text = text.replace(&format!("{{@{key}}}"), &at);
            text = text.replace(&format!("{{={key}}}"), &bare);
            text = text.replace(&format!("{{:latest@{key}}}"), &latest);
            text = text.replace(&format!("{{+{key}:crlf}}"), &crlf);
            text = text.replace(&format!("{{+{key}}}"), &line);
        }
        text
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(path)).unwrap()
    }

    fn assert_files(&self, pinned: bool) {
        for (path, template) in FILES {
            assert_eq!(self.read(path), self.fill(template, pinned), "{path}");
        }
    }
}

const EXCLUDE: &[&str] = &[
    "--exclude",
    "vendor/*",
    "--exclude",
    "!vendor/keep.Dockerfile",
];

#[test]
fn every_new_kind_is_pinned_byte_for_byte_and_the_diff_applies() {
    let setup = Setup::new();
    let dd = Ddigest::new();
    let dir = setup.dir.path();

    let mut args = vec!["pin", "--dry-run"];
    args.extend(EXCLUDE);
    let dry = dd.run_in(dir, &args);
    assert_eq!(dry.code, 0, "{dry:?}");
    setup.assert_files(false);
    std::fs::write(dir.join("pin.diff"), &dry.stdout).unwrap();
    let patch = std::process::Command::new("patch")
        .args(["-p1", "--quiet", "--batch", "-i", "pin.diff"])
        .current_dir(dir)
        .status()
        .expect("run patch (apt-get install patch)");
    assert!(patch.success(), "{}", dry.stdout);
    setup.assert_files(true);

    // The same bytes from pin itself, on the files as they were.
    for (path, template) in FILES {
        std::fs::write(dir.join(path), setup.fill(template, false)).unwrap();
    }
    let mut args = vec!["pin"];
    args.extend(EXCLUDE);
    let run = dd.run_in(dir, &args);
    assert_eq!(run.code, 0, "{run:?}");
    setup.assert_files(true);
    assert!(!run.stdout.contains("vendor/Dockerfile"), "{}", run.stdout);
    let r = setup.registry.host();
    let said = format!(
        "chart/values.yaml:5: {r}/library/nginx:1.27@{}\n",
        setup.digests["nginx"]
    );
    assert!(run.stdout.contains(&said), "{}", run.stdout);
    assert!(
        run.stderr
            .contains(&format!("chart/values.yaml:19: {r}/redis: skipped: no tag")),
        "{}",
        run.stderr
    );

    let mut args = vec!["pin"];
    args.extend(EXCLUDE);
    let again = dd.run_in(dir, &args);
    assert_eq!((again.code, again.stdout.as_str()), (0, ""), "{again:?}");
    let mut args = vec!["check", "--require-pins"];
    args.extend(EXCLUDE);
    let check = dd.run_in(dir, &args);
    assert_eq!((check.code, check.stdout.as_str()), (0, ""), "{check:?}");
    // Without --exclude the vendored Dockerfile is there to pin.
    let all = dd.run_in(dir, &["check", "--require-pins"]);
    assert_eq!(
        all.stdout,
        format!("vendor/Dockerfile:1: {r}/alpine:3.20 is not pinned\n")
    );
}

#[test]
fn check_names_the_key_line_of_each_moved_pin_and_ignores_opted_out_ones() {
    let setup = Setup::new();
    let dd = Ddigest::new();
    let dir = setup.dir.path();
    let mut args = vec!["pin"];
    args.extend(EXCLUDE);
    assert_eq!(dd.run_in(dir, &args).code, 0);

    // nginx and redis move: pushed again for another platform.
    let nginx = setup
        .pusher
        .image("library/nginx", "1.27", true, "linux/arm64")
        .digest;
    let redis = setup.pusher.image("redis", "7", true, "linux/arm64").digest;
    let mut args = vec!["check", "--format", "json"];
    args.extend(EXCLUDE);
    let check = dd.run_in(dir, &args);
    assert_eq!(check.code, 1, "{check:?}");
    let mut drifted: Vec<(String, u64, String)> = check
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|f| f["status"] == "drifted")
        .map(|f| {
            let file = f["file"].as_str().unwrap().to_string();
            (
                file,
                f["line"].as_u64().unwrap(),
                f["current"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    drifted.sort();
    let want = |file: &str, line: u64, digest: &str| (file.to_string(), line, digest.to_string());
    // Each at the line of the key that holds its digest: a Helm map's
    // `digest` or `tag`, kustomize's `digest:` (line 15, after the two
    // lines added above it).
    assert_eq!(
        drifted,
        [
            want(".gitlab-ci.yml", 6, &redis),
            want("chart/values.yaml", 5, &nginx),
            want("chart/values.yaml", 9, &redis),
            want("deploy/kustomization.yaml", 15, &redis),
            want("infra/main.tf", 2, &nginx),
            want("quadlet/web.container", 5, &nginx),
        ]
    );
    // The opted-out references were never even looked up.
    let ignored = format!("{}/redis:7", setup.registry.host());
    assert!(
        !check.stdout.contains(&format!("\"image\":\"{ignored}\"")),
        "{}",
        check.stdout
    );
}
