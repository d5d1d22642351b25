//! `ddigest pin` and `ddigest check` against the real registry: every file
//! kind with comments, odd spacing, quoting, anchors, multi-stage builds,
//! multi-document YAML and CRLF line endings, pinned byte-exactly; a
//! second run changing nothing; `--dry-run`'s diff applying to the same
//! result; `--update` keeping platform pins; drift found by `check`; and a
//! failing reference among good ones.

use crate::util::push::{descriptor, PushAuth, Pushed, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::{temp_dir, Ddigest};
use std::collections::BTreeMap;
use std::path::Path;

/// The files of a small monorepo, `{R}` standing for the registry and
/// `{name}` for what a pinned reference's digest must be.
const FILES: &[(&str, &str)] = &[
    (
        "Dockerfile",
        "# syntax={R}/dockerfile:1{@dockerfile}\n\
         ARG BASE={R}/node:16\n\
         ARG GO_VERSION=1.22\n\
         \n\
         FROM   --platform=$BUILDPLATFORM   {R}/golang:${GO_VERSION}{@golang}   AS build\n\
         RUN echo building \\\n\
         \x20   && true\n\
         FROM build AS test\n\
         FROM $BASE\n\
         COPY --from=build /app /app\n\
         COPY --from={R}/nginx:1.25{@nginx} /etc/nginx/nginx.conf /etc/nginx/\n\
         FROM scratch\n\
         FROM {R}/node:14.7.0@{node14}\n\
         FROM {R}/node:${UNSET}\n",
    ),
    (
        "web/Containerfile.prod",
        "FROM {R}/alpine:3.20{@alpine}\r\n# comment\r\nFROM\t{R}/busybox{:latest@busybox} \r\n",
    ),
    (
        "compose.yaml",
        "# services for local development\n\
         x-cache: &cache\n\
         \x20 image: \"{R}/redis:7{@redis}\"   # shared\n\
         services:\n\
         \x20 web:\n\
         \x20   image:   '{R}/nginx:1.25{@nginx}'\n\
         \x20   ports: [\"8080:80\"]\n\
         \x20 cache:\n\
         \x20   <<: *cache\n\
         \x20 db: {image: {R}/postgres:16{@postgres}, restart: always}\n\
         \x20 app:\n\
         \x20   build: .\n\
         \x20   image: ${REGISTRY}/app:dev\n",
    ),
    (
        "k8s/app.yaml",
        "apiVersion: apps/v1\n\
         kind: Deployment\n\
         spec:\n\
         \x20 template:\n\
         \x20   spec:\n\
         \x20     initContainers:\n\
         \x20       - name: init\n\
         \x20         image: {R}/busybox:latest{@busybox}\n\
         \x20     containers:\n\
         \x20       - name: app\n\
         \x20         image: \"{R}/node:14.7.0{@node14}\" # the app\n\
         ---\n\
         # a ConfigMap's image is no container's\n\
         apiVersion: v1\n\
         kind: ConfigMap\n\
         data:\n\
         \x20 image: {R}/alpine:3.20\n\
         ---\n\
         apiVersion: v1\n\
         kind: Pod\n\
         spec:\n\
         \x20 ephemeralContainers:\n\
         \x20 - {name: debug, image: {R}/alpine:3.20{@alpine}}\n",
    ),
    (
        ".github/workflows/ci.yml",
        "name: ci\n\
         on: [push]\n\
         jobs:\n\
         \x20 test:\n\
         \x20   container: {R}/node:16{@node16}\n\
         \x20   services:\n\
         \x20     db:\n\
         \x20       image: {R}/postgres:16{@postgres}\n\
         \x20   steps:\n\
         \x20     - uses: actions/checkout@v4\n\
         \x20     - uses: docker://{R}/alpine:3.20{@alpine}\n\
         \x20     - uses: docker://${{ matrix.image }}\n",
    ),
    (".gitignore", "ignored/\n"),
    ("ignored/Dockerfile", "FROM {R}/alpine:3.20\n"),
    ("notes.yaml", "image: {R}/alpine:3.20\n"),
];

/// The `ARG BASE` line is the one edit outside a `{@…}` mark.
const BASE_ARG: (&str, &str) = ("ARG BASE={R}/node:16\n", "ARG BASE={R}/node:16@{node16}\n");

struct Repo {
    registry: Registry,
    pusher: Pusher,
    digests: BTreeMap<&'static str, String>,
    dir: tempfile::TempDir,
}

fn setup() -> Repo {
    let registry = Registry::start(Auth::None, false);
    let pusher = Pusher::new(&registry, PushAuth::None);
    let mut digests = BTreeMap::new();
    let node14 = node14_list(&pusher, "v1");
    digests.insert("node14", node14.digest);
    for (key, repo, tag) in [
        ("node16", "node", "16"),
        ("golang", "golang", "1.22"),
        ("nginx", "nginx", "1.25"),
        ("alpine", "alpine", "3.20"),
        ("busybox", "busybox", "latest"),
        ("redis", "redis", "7"),
        ("postgres", "postgres", "16"),
        ("dockerfile", "dockerfile", "1"),
    ] {
        digests.insert(key, pusher.image(repo, tag, true, "linux/amd64").digest);
    }
    let dir = temp_dir("pin");
    let repo = Repo {
        registry,
        pusher,
        digests,
        dir,
    };
    for (path, template) in FILES {
        let path = repo.dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, repo.before(template)).unwrap();
    }
    repo
}

/// `node:14.7.0` as a list of amd64 and arm64 images; `round` makes new ones.
fn node14_list(p: &Pusher, round: &str) -> Pushed {
    let amd64 = p.image("node", &format!("{round}-amd64"), false, "linux/amd64");
    let arm64 = p.image("node", &format!("{round}-arm64"), false, "linux/arm64/v8");
    let children = vec![
        descriptor(&amd64, Some("linux/amd64")),
        descriptor(&arm64, Some("linux/arm64/v8")),
    ];
    p.index_of("node", "14.7.0", false, children)
}

impl Repo {
    /// A template as written before pinning: `{@x}` and `{:latest@x}` gone.
    fn before(&self, template: &str) -> String {
        let mut text = template.replace("{R}", &self.registry.host());
        for key in self.digests.keys() {
            text = text.replace(&format!("{{@{key}}}"), "");
            text = text.replace(&format!("{{:latest@{key}}}"), "");
            text = text.replace(&format!("{{{key}}}"), &self.digests[key]);
        }
        text
    }

    /// The same template as `pin` must leave it.
    fn after(&self, template: &str) -> String {
        let mut text = template.replace(BASE_ARG.0, BASE_ARG.1);
        for key in self.digests.keys() {
            let pinned = format!("@{}", self.digests[key]);
            text = text.replace(&format!("{{@{key}}}"), &pinned);
            text = text.replace(&format!("{{:latest@{key}}}"), &format!(":latest{pinned}"));
        }
        self.before(&text)
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(path)).unwrap()
    }

    fn assert_files(&self, pinned: bool) {
        for (path, template) in FILES {
            let pinned = pinned && !path.starts_with("ignored/");
            let want = if pinned {
                self.after(template)
            } else {
                self.before(template)
            };
            assert_eq!(self.read(path), want, "{path}");
        }
    }
}

#[test]
fn pins_every_file_kind_in_place_and_a_second_run_changes_nothing() {
    let repo = setup();
    let dd = Ddigest::new();
    let dockerfile = repo.dir.path().join("Dockerfile");
    set_mode(&dockerfile, 0o640);
    let run = dd.run_in(repo.dir.path(), &["pin"]);
    assert_eq!(run.code, 0, "{run:?}");
    repo.assert_files(true);
    assert_eq!(mode(&dockerfile), 0o640, "the mode is kept");

    let r = repo.registry.host();
    let d = &repo.digests;
    let expected_stdout = [
        format!(".github/workflows/ci.yml:5: {r}/node:16@{}", d["node16"]),
        format!(
            ".github/workflows/ci.yml:8: {r}/postgres:16@{}",
            d["postgres"]
        ),
        format!(
            ".github/workflows/ci.yml:11: {r}/alpine:3.20@{}",
            d["alpine"]
        ),
        format!("Dockerfile:1: {r}/dockerfile:1@{}", d["dockerfile"]),
        format!("Dockerfile:2: {r}/node:16@{}", d["node16"]),
        format!("Dockerfile:5: {r}/golang:${{GO_VERSION}}@{}", d["golang"]),
        format!("Dockerfile:11: {r}/nginx:1.25@{}", d["nginx"]),
    ];
    let stdout: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(stdout[..7], expected_stdout, "{}", run.stdout);
    assert_eq!(stdout.len(), 15, "one line per edit: {}", run.stdout);
    for skip in [
        "ddigest: Dockerfile:8: build: skipped: build is an earlier build stage\n",
        "ddigest: Dockerfile:12: scratch: skipped: scratch is no image\n",
        &format!("ddigest: Dockerfile:14: {r}/node:${{UNSET}}: skipped: $UNSET is not a global ARG\n"),
        "ddigest: compose.yaml:13: ${REGISTRY}/app:dev: skipped: the service has build:, so the image is built locally\n",
        "ddigest: .github/workflows/ci.yml:12: ${{ matrix.image }}: skipped: holds a variable",
    ] {
        assert!(run.stderr.contains(skip), "{skip:?} in {}", run.stderr);
    }
    // One request per distinct image: 9 HEADs for 15 references in 5 files.
    let heads = manifest_requests(&repo.registry, 9);
    assert_eq!(heads.len(), 9, "{heads:?}");
    assert!(heads
        .iter()
        .all(|(method, _, status)| method == "HEAD" && *status == 200));

    let again = dd.run_in(repo.dir.path(), &["pin"]);
    assert_eq!((again.code, again.stdout.as_str()), (0, ""), "{again:?}");
    repo.assert_files(true);
    let check = dd.run_in(repo.dir.path(), &["check", "--require-pins"]);
    assert_eq!((check.code, check.stdout.as_str()), (0, ""), "{check:?}");
}

#[test]
fn dry_run_prints_a_diff_that_patch_applies_and_writes_nothing() {
    let repo = setup();
    let dd = Ddigest::new();
    let run = dd.run_in(
        repo.dir.path(),
        &["pin", "--dry-run", "Dockerfile", "web", "k8s/app.yaml"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    repo.assert_files(false);
    assert!(
        run.stdout
            .starts_with("--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("compose.yaml"), "only the paths given");

    let diff = repo.dir.path().join("pin.diff");
    std::fs::write(&diff, &run.stdout).unwrap();
    let patch = std::process::Command::new("patch")
        .args(["-p1", "--quiet", "--batch", "-i", "pin.diff"])
        .current_dir(repo.dir.path())
        .status()
        .expect("run patch (apt-get install patch)");
    assert!(patch.success());
    for path in ["Dockerfile", "web/Containerfile.prod", "k8s/app.yaml"] {
        let template = FILES.iter().find(|(p, _)| *p == path).unwrap().1;
        assert_eq!(repo.read(path), repo.after(template), "{path}");
    }
}

#[test]
fn update_and_check_follow_a_moved_tag_keeping_platform_pins() {
    let repo = setup();
    let dd = Ddigest::new();
    let r = repo.registry.host();
    let list_v1 = repo.digests["node14"].clone();
    let amd64_v1 = dd.run(&["--platform", "linux/amd64", &format!("{r}/node:14.7.0")]);
    let amd64_v1 = amd64_v1.digest().to_string();
    let dir = temp_dir("update");
    let dockerfile = format!(
        "FROM {r}/node:14.7.0@{list_v1}\nFROM {r}/node:14.7.0@{amd64_v1} AS amd64\nFROM {r}/alpine:3.20\n"
    );
    std::fs::write(dir.path().join("Dockerfile"), &dockerfile).unwrap();

    let clean = dd.run_in(dir.path(), &["check"]);
    assert_eq!((clean.code, clean.stdout.as_str()), (0, ""), "{clean:?}");
    let unpinned = dd.run_in(dir.path(), &["check", "--require-pins"]);
    assert_eq!(unpinned.code, 1);
    assert_eq!(
        unpinned.stdout,
        format!("Dockerfile:3: {r}/alpine:3.20 is not pinned\n")
    );

    let list_v2 = node14_list(&repo.pusher, "v2").digest;
    let amd64_v2 = dd.run(&["--platform", "linux/amd64", &format!("{r}/node:14.7.0")]);
    let amd64_v2 = amd64_v2.digest().to_string();
    assert_ne!(amd64_v1, amd64_v2);

    let drift = dd.run_in(dir.path(), &["check"]);
    assert_eq!(drift.code, 1, "{drift:?}");
    assert_eq!(
        drift.stdout,
        format!(
            "Dockerfile:1: {r}/node:14.7.0 pinned to {list_v1}, tag now {list_v2} (linux/amd64, linux/arm64 changed)\n\
             Dockerfile:2: {r}/node:14.7.0 pinned to {amd64_v1}, tag now {amd64_v2} (linux/amd64 changed)\n"
        )
    );
    let plain = dd.run_in(dir.path(), &["pin"]);
    assert_eq!(plain.code, 0, "{plain:?}");
    let alpine = &repo.digests["alpine"];
    let with_alpine = dockerfile.replace("alpine:3.20\n", &format!("alpine:3.20@{alpine}\n"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        with_alpine,
        "pins stay without --update"
    );

    let update = dd.run_in(dir.path(), &["pin", "--update"]);
    assert_eq!(update.code, 0, "{update:?}");
    let updated = with_alpine
        .replace(&list_v1, &list_v2)
        .replace(&amd64_v1, &amd64_v2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        updated
    );
    let after = dd.run_in(dir.path(), &["check", "--require-pins"]);
    assert_eq!((after.code, after.stdout.as_str()), (0, ""), "{after:?}");
}

#[test]
fn check_reports_pins_to_manifests_the_registry_no_longer_has() {
    let repo = setup();
    let r = repo.registry.host();
    let gone = crate::util::sha256(b"never pushed");
    let dir = temp_dir("gone");
    let text = format!("FROM {r}/alpine:3.20@{gone}\nFROM {r}/alpine@{gone}\n");
    std::fs::write(dir.path().join("Dockerfile"), &text).unwrap();
    let dd = Ddigest::new();
    let check = dd.run_in(dir.path(), &["check"]);
    assert_eq!(check.code, 1, "{check:?}");
    let alpine = &repo.digests["alpine"];
    assert_eq!(
        check.stdout,
        format!(
            "Dockerfile:1: {r}/alpine:3.20 pinned to {gone}, tag now {alpine} (the pinned digest no longer exists)\n\
             Dockerfile:2: {r}/alpine@{gone} no longer exists in the registry\n"
        )
    );
    let update = dd.run_in(dir.path(), &["pin", "--update"]);
    assert_eq!(update.code, 1, "{update:?}");
    assert!(
        update.stderr.contains("Dockerfile:1: ") && update.stderr.contains("no longer exists"),
        "{}",
        update.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        text
    );
}

#[test]
fn a_failing_reference_keeps_its_line_and_the_others_are_pinned() {
    let repo = setup();
    let r = repo.registry.host();
    let dir = temp_dir("failing");
    let text = format!(
        "FROM {r}/alpine:3.20\nFROM {r}/alpine:9.99\nFROM {r}/Alpine:1\nFROM {r}/redis:7\n"
    );
    std::fs::write(dir.path().join("Dockerfile"), &text).unwrap();
    let run = Ddigest::new().run_in(dir.path(), &["pin"]);
    assert_eq!(
        run.code, 3,
        "the first failure's code, in file order: {run:?}"
    );
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(stderr.len(), 2, "{}", run.stderr);
    assert!(
        stderr[0].starts_with(&format!("ddigest: Dockerfile:2: {r}/alpine:9.99: ")),
        "{}",
        stderr[0]
    );
    assert!(stderr[0].contains("404"), "{}", stderr[0]);
    assert!(
        stderr[1].starts_with(&format!("ddigest: Dockerfile:3: {r}/Alpine:1: ")),
        "{}",
        stderr[1]
    );
    let (alpine, redis) = (&repo.digests["alpine"], &repo.digests["redis"]);
    let want = format!("FROM {r}/alpine:3.20@{alpine}\nFROM {r}/alpine:9.99\nFROM {r}/Alpine:1\nFROM {r}/redis:7@{redis}\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        want
    );
}

fn manifest_requests(registry: &Registry, at_least: usize) -> Vec<(String, String, u16)> {
    let all = registry.ddigest_requests(at_least);
    all.into_iter()
        .filter(|(_, path, _)| path.contains("/manifests/"))
        .collect()
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(path).unwrap().mode() & 0o777
}

/// Makes the `?` of `caf?` an `é` in Latin-1: a byte that is not UTF-8.
fn latin1(bytes: &mut [u8]) {
    let at = bytes.iter().position(|&b| b == b'?').expect("a ?");
    bytes[at] = 0xE9;
}

#[test]
fn a_byte_order_mark_and_latin1_bytes_are_kept_byte_for_byte() {
    let repo = setup();
    let r = repo.registry.host();
    let (alpine, redis) = (&repo.digests["alpine"], &repo.digests["redis"]);
    let dir = temp_dir("bom");
    let bom = b"\xEF\xBB\xBF";
    // BuildKit strips the BOM; the first line is a FROM all the same.
    let mut dockerfile = bom.to_vec();
    dockerfile.extend(format!("FROM {r}/alpine:3.20\n# caf? (Latin-1)\n").as_bytes());
    latin1(&mut dockerfile);
    std::fs::write(dir.path().join("Dockerfile"), &dockerfile).unwrap();
    let mut compose = bom.to_vec();
    compose.extend(format!("services:\n  cache:\n    image: {r}/redis:7\n").as_bytes());
    std::fs::write(dir.path().join("compose.yaml"), &compose).unwrap();
    let run = Ddigest::new().run_in(dir.path(), &["pin"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let mut want = bom.to_vec();
    want.extend(format!("FROM {r}/alpine:3.20@{alpine}\n# caf? (Latin-1)\n").as_bytes());
    latin1(&mut want);
    assert_eq!(std::fs::read(dir.path().join("Dockerfile")).unwrap(), want);
    let mut want = bom.to_vec();
    want.extend(format!("services:\n  cache:\n    image: {r}/redis:7@{redis}\n").as_bytes());
    assert_eq!(
        std::fs::read(dir.path().join("compose.yaml")).unwrap(),
        want
    );
}

#[test]
fn check_fails_on_files_it_cannot_read_and_references_it_cannot_pin() {
    let repo = setup();
    let r = repo.registry.host();
    let dir = temp_dir("unreadable");
    // YAML that no parser accepts, in a file that names images.
    let broken = format!("services:\n  web:\n    image: {r}/nginx:1.25\n  db: [\n");
    std::fs::write(dir.path().join("compose.yaml"), broken).unwrap();
    let check = Ddigest::new().run_in(dir.path(), &["check"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(
        check
            .stderr
            .contains("compose.yaml: cannot read: not valid YAML"),
        "{}",
        check.stderr
    );
    let pin = Ddigest::new().run_in(dir.path(), &["pin"]);
    assert_eq!(pin.code, 1, "{}", pin.stderr);

    // A double-quoted value with an escape: found, but not editable.
    let escaped = format!("services:\n  web:\n    image: \"{r}/nginx\\x3a1.25\"\n");
    std::fs::write(dir.path().join("compose.yaml"), escaped).unwrap();
    let check = Ddigest::new().run_in(dir.path(), &["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let strict = Ddigest::new().run_in(dir.path(), &["check", "--require-pins"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(
        strict.stdout.contains("compose.yaml:3: ") && strict.stdout.contains("is not pinned"),
        "{}",
        strict.stdout
    );
}

/// A drifted index says per platform what moved: added, removed, changed
/// and how many are unchanged, attestations left out.
#[test]
fn check_says_which_platforms_moved() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let image = |tag: &str, platform: &str| p.image("multi", tag, true, platform);
    let (amd64, arm64, armv7, i386) = (
        image("amd64-1", "linux/amd64"),
        image("arm64", "linux/arm64"),
        image("armv7", "linux/arm/v7"),
        image("386", "linux/386"),
    );
    let entries =
        |list: &[(&Pushed, &str)]| list.iter().map(|(i, p)| descriptor(i, Some(p))).collect();
    let v1 = p.index_of(
        "multi",
        "1",
        true,
        entries(&[
            (&amd64, "linux/amd64"),
            (&arm64, "linux/arm64"),
            (&armv7, "linux/arm/v7"),
            (&i386, "linux/386"),
        ]),
    );
    let host = reg.host();
    let dir = crate::util::temp_dir("drift");
    let dockerfile = format!(
        "FROM {host}/multi:1@{}\nFROM {host}/multi:amd64-1\nARG BASE\nFROM ${{BASE}}\n",
        v1.digest
    );
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    let (amd64_2, s390x) = (
        image("amd64-2", "linux/amd64"),
        image("s390x", "linux/s390x"),
    );
    let mut now = entries(&[
        (&amd64_2, "linux/amd64"),
        (&arm64, "linux/arm64"),
        (&armv7, "linux/arm/v7"),
        (&s390x, "linux/s390x"),
    ]);
    now.push(p.attestation("multi", &amd64_2));
    let v2 = p.index_of("multi", "1", true, now);
    let dd = Ddigest::new();
    let check = dd.run_in(dir.path(), &["check"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert_eq!(
        check.stdout,
        format!(
            "Dockerfile:1: {host}/multi:1 pinned to {}, tag now {} (linux/amd64 changed; linux/s390x added; linux/386 removed; 2 unchanged)\n",
            v1.digest, v2.digest
        )
    );

    // JSON: an object per reference site.
    let json = dd.run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(json.code, 1);
    let objects: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 3, "{}", json.stdout);
    assert_eq!(objects[0]["status"], "drifted");
    assert_eq!(
        (objects[0]["line"].as_u64(), objects[0]["column"].as_u64()),
        (Some(1), Some(6))
    );
    assert_eq!(objects[0]["pinned"], v1.digest);
    assert_eq!(objects[0]["current"], v2.digest);
    assert_eq!(
        objects[0]["platforms"],
        serde_json::json!({"added": ["linux/s390x"], "removed": ["linux/386"], "changed": ["linux/amd64"], "unchanged": ["linux/arm64", "linux/arm/v7"]})
    );
    assert_eq!(
        (objects[1]["status"].as_str(), objects[1]["line"].as_u64()),
        (Some("unpinned"), Some(2))
    );
    assert_eq!(objects[2]["status"], "skipped");
    assert!(
        objects[2]["reason"]["message"]
            .as_str()
            .unwrap()
            .contains("BASE"),
        "{}",
        objects[2]
    );
    // GitHub: an error on the drifted line, a warning on the skipped one.
    let github = dd.run_in(dir.path(), &["check", "--format", "github"]);
    let lines: Vec<&str> = github.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", github.stdout);
    assert!(
        lines[0].starts_with("::error file=Dockerfile,line=1,col=6,title=ddigest check::"),
        "{}",
        lines[0]
    );
    assert!(lines[0]
        .ends_with("(linux/amd64 changed; linux/s390x added; linux/386 removed; 2 unchanged)"));
    assert!(
        lines[1].starts_with("::warning file=Dockerfile,line=4,"),
        "{}",
        lines[1]
    );
    let required = dd.run_in(
        dir.path(),
        &["check", "--format", "github", "--require-pins"],
    );
    assert!(
        required
            .stdout
            .contains("::error file=Dockerfile,line=2,col=6,title=ddigest check::"),
        "{}",
        required.stdout
    );
    // Under GitHub Actions, text also goes to the step summary.
    let summary = dir.path().join("summary.md");
    let ci = Ddigest::new()
        .env("GITHUB_ACTIONS", Path::new("true"))
        .env("GITHUB_STEP_SUMMARY", &summary);
    let text = ci.run_in(dir.path(), &["check"]);
    assert_eq!(text.stdout, check.stdout);
    let table = std::fs::read_to_string(&summary).unwrap();
    assert!(table.contains("| Dockerfile | 1 | `"), "{table}");
    assert!(
        table.contains(
            "| drifted | linux/amd64 changed; linux/s390x added; linux/386 removed; 2 unchanged |"
        ),
        "{table}"
    );
}

/// `pin --format json`: an object per site (pinned, then unchanged on the
/// next run, skipped with why); `--format github` warns of skips only.
#[test]
fn pin_says_each_site_as_json_or_github() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let image = p.image("app", "1", true, "linux/amd64");
    let host = reg.host();
    let dir = crate::util::temp_dir("pin-json");
    let file = dir.path().join("Dockerfile");
    std::fs::write(
        &file,
        format!("FROM {host}/app:1\nARG BASE\nFROM ${{BASE}}\n"),
    )
    .unwrap();
    let dd = Ddigest::new();
    let first = dd.run_in(dir.path(), &["pin", "--format", "json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let objects: Vec<serde_json::Value> = first
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 2, "{}", first.stdout);
    assert_eq!(objects[0]["status"], "pinned");
    assert_eq!(objects[0]["pinned"], image.digest);
    assert_eq!(objects[0]["image"], format!("{host}/app:1"));
    assert_eq!(objects[1]["status"], "skipped");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.starts_with(&format!("FROM {host}/app:1@{}\n", image.digest)));
    let again = dd.run_in(dir.path(), &["pin", "--format", "json"]);
    let first_again: serde_json::Value =
        serde_json::from_str(again.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first_again["status"], "unchanged");
    let github = dd.run_in(dir.path(), &["pin", "--format", "github"]);
    assert_eq!(github.stdout.lines().count(), 1, "{}", github.stdout);
    assert!(
        github
            .stdout
            .starts_with("::warning file=Dockerfile,line=3,title=ddigest pin::"),
        "{}",
        github.stdout
    );
}
