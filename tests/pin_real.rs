//! `pin` on other people's files (`tests/data/pin/real`, sources and
//! licences in its README): every reference found where `expected.json`
//! says, and then every one pinned against the real registry, with each
//! registry the files name mapped to it by registries.conf.

use crate::util::push::{PushAuth, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::{temp_dir, Ddigest};
use ddigest::digest::Digest;
use ddigest::pin::scan::scan_paths;
use ddigest::pin::site::Form;
use ddigest::reference::Reference;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The folders whose `pin --dry-run` output `pinned.diff` holds.
const GOLDEN_FOLDERS: &[&str] = &[
    "argo-workflows",
    "bitnami-charts",
    "buildx",
    "clipcat",
    "devcontainers-cli",
    "devcontainers-templates",
    "flexget",
    "kustomize",
    "podman",
    "repoactive",
    "renovate/azure-pipelines",
    "renovate/bitbucket-pipelines",
    "renovate/circleci",
    "renovate/cloudbuild",
    "renovate/droneci",
    "renovate/gitlabci",
    "renovate/helm-values",
    "renovate/kustomize",
    "renovate/terraform",
    "renovate/woodpecker",
    "tekton-catalog",
];

fn real_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pin/real")
}

/// One reference `expected.json` lists.
struct Expected {
    file: String,
    line: usize,
    image: String,
}

fn expected() -> (Vec<Expected>, BTreeMap<String, Value>) {
    let text = std::fs::read_to_string(real_dir().join("expected.json")).expect("expected.json");
    let all: BTreeMap<String, Value> = serde_json::from_str(&text).expect("json");
    let mut sites = Vec::new();
    for (file, found) in &all {
        for site in found["sites"].as_array().into_iter().flatten() {
            sites.push(Expected {
                file: file.clone(),
                line: site[0].as_u64().unwrap_or(0) as usize,
                image: site[2].as_str().unwrap_or_default().to_string(),
            });
        }
    }
    (sites, all)
}

#[test]
fn real_world_files_are_read_as_expected() {
    let (_, want) = expected();
    let root = real_dir();
    let (files, ok) = scan_paths(std::slice::from_ref(&root), &Default::default(), false);
    assert!(ok, "every file of a known kind is readable");
    let mut got = BTreeMap::new();
    for file in &files {
        let sites: Vec<Value> = file
            .sites
            .iter()
            .map(|l| serde_json::json!([l.site.line, l.site.text, l.site.image]))
            .collect();
        let skips: Vec<Value> = file
            .skips
            .iter()
            .map(|s| serde_json::json!([s.line, s.text, s.by_design]))
            .collect();
        if sites.is_empty() && skips.is_empty() {
            continue;
        }
        let name = file.path.strip_prefix(&root).expect("under root");
        got.insert(
            name.display().to_string(),
            serde_json::json!({"sites": sites, "skips": skips}),
        );
    }
    for (file, found) in &want {
        assert_eq!(got.get(file), Some(found), "{file}");
    }
    assert_eq!(got.len(), want.len(), "files with references");
    let sites: usize = want
        .values()
        .map(|f| f["sites"].as_array().map_or(0, Vec::len))
        .sum();
    eprintln!(
        "real-world files: {sites} references in {} files",
        want.len()
    );
    assert!(sites >= 420, "{sites}");
    // References per kind of file, for the record.
    let mut per_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for file in &files {
        let kind = ddigest::pin::files::kind_of(&file.path, false);
        let entry = per_kind.entry(format!("{kind:?}")).or_default();
        entry.0 += file.sites.len();
        entry.1 += file.skips.len();
    }
    for (kind, (found, skipped)) in &per_kind {
        eprintln!("  {kind}: {found} references, {skipped} left alone");
    }
}

/// Where a registry's images are kept in the test registry.
fn mount(domain: &str) -> String {
    domain.replace(':', "-")
}

/// Copies `from` into `to`, folders and dotfiles included.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn real_world_files_are_pinned_against_the_registry() {
    let (sites, _) = expected();
    let reg = Registry::start(Auth::None, false);
    let pusher = Pusher::new(&reg, PushAuth::None);
    // Every tag the files name, pushed under `DOMAIN/PATH` of one registry.
    let mut digests: BTreeMap<String, Digest> = BTreeMap::new();
    let mut domains = BTreeSet::new();
    let mut invalid = Vec::new();
    for site in &sites {
        let Ok(reference) = Reference::parse_normalized(&site.image) else {
            invalid.push(site);
            continue;
        };
        if reference.digest().is_some() {
            continue;
        }
        let key = reference.qualified_string();
        if digests.contains_key(&key) {
            continue;
        }
        // `host:port` is no repository name; `host-port` stands for it.
        let repo = format!("{}/{}", mount(reference.domain()), reference.path());
        let pushed = pusher.image(&repo, reference.tag_or_latest(), true, "linux/amd64");
        digests.insert(key, Digest::parse(&pushed.digest).expect("digest"));
        domains.insert(reference.domain().to_string());
    }
    let conf: String = domains
        .iter()
        .map(|d| {
            format!(
                "[[registry]]\nprefix = \"{d}\"\nlocation = \"{}/{}\"\n",
                reg.host(),
                mount(d)
            )
        })
        .collect();
    let work = temp_dir("real");
    copy_tree(&real_dir(), work.path());
    let conf_path = work.path().join("registries.conf");
    std::fs::write(&conf_path, conf).expect("write registries.conf");
    let dd = Ddigest::new().env("CONTAINERS_REGISTRIES_CONF", &conf_path);

    // The newer kinds' folders, byte for byte as `pinned.diff` says.
    let mut args = vec!["pin", "--dry-run"];
    args.extend(GOLDEN_FOLDERS);
    let dry = dd.run_in(work.path(), &args);
    let golden = real_dir().join("pinned.diff");
    if std::env::var_os("DDIGEST_BLESS").is_some() {
        std::fs::write(&golden, &dry.stdout).expect("write pinned.diff");
    }
    let want = std::fs::read_to_string(&golden).expect("pinned.diff");
    assert!(
        dry.stdout == want,
        "pin --dry-run differs from pinned.diff:\n{}",
        dry.stdout
    );

    let run = dd.run_in(work.path(), &["pin", "."]);
    // References that are not valid (Renovate's fixtures hold a few, such
    // as `@sha256:abcdef`) fail on their own line; the others are pinned.
    assert_eq!(run.code != 0, !invalid.is_empty(), "{}", run.stderr);
    for site in &invalid {
        let at = format!("ddigest: {}:{}: ", site.file, site.line);
        assert!(run.stderr.contains(&at), "{at} in {}", run.stderr);
    }
    // Each site as the scanner saw it before the run, with how its digest
    // is written: it must now be there.
    let (before, _) = scan_paths(&[real_dir()], &Default::default(), false);
    let mut pinned = 0;
    for file in &before {
        let name = file.path.strip_prefix(real_dir()).expect("under root");
        let text = std::fs::read_to_string(work.path().join(name)).expect("pinned file");
        let mut shift = 0;
        for located in &file.sites {
            let Ok(reference) = &located.reference else {
                continue;
            };
            let Some(digest) = digests.get(&reference.qualified_string()) else {
                continue;
            };
            let site = &located.site;
            let want = site
                .pinned(reference.tag().is_some(), digest)
                .expect("literal");
            // Lines inserted above (kustomize's `digest:`) move this one.
            let line = site.line + shift;
            let written = match site.form {
                Form::Insert { .. } => {
                    shift += want.matches('\n').count();
                    text.contains(&want)
                }
                _ => text
                    .lines()
                    .nth(line - 1)
                    .unwrap_or_default()
                    .contains(&want),
            };
            assert!(written, "{}:{line}: lacks {want}", name.display());
            pinned += 1;
        }
    }
    eprintln!(
        "pinned {pinned} references to {} images on {} registries",
        digests.len(),
        domains.len()
    );
    assert!(pinned >= 380, "{pinned}");

    // Done once: a second run changes nothing, and check finds no drift
    // and nothing left unpinned.
    let again = dd.run_in(work.path(), &["pin", "."]);
    assert_eq!(again.stdout, "", "{}", again.stderr);
    // What check --require-pins still names: the references written in a
    // way ddigest cannot edit (Drone's escaped multi-line strings), and
    // digests the fixtures pinned that this registry never had (drifted
    // where the tag was pushed for another file, gone otherwise). Nothing
    // ddigest pinned itself.
    let check = dd.run_in(work.path(), &["check", "--require-pins", "."]);
    let unpinnable = unpinnable();
    for at in &unpinnable {
        assert!(
            check.stdout.contains(at.as_str()),
            "{at} in {}",
            check.stdout
        );
    }
    let ours: Vec<String> = digests.values().map(ToString::to_string).collect();
    for line in check.stdout.lines() {
        let named = unpinnable.iter().any(|at| line.starts_with(at.as_str()));
        let theirs = line
            .find("sha256:")
            .map(|at| &line[at..(at + 71).min(line.len())]);
        let theirs = theirs.is_some_and(|d| !ours.iter().any(|o| o == d));
        assert!(named || theirs, "{line}");
    }

    // Tags move (another image pushed under them): check names the line
    // that holds each digest — a Helm tag, an added kustomize `digest:`
    // line, a Quadlet `Image=`, a Terraform `name`.
    for (repo, tag) in [
        ("docker.io/library/nginx", "1.16.1"),
        ("docker.io/library/node", "v0.1.0"),
        ("localhost/imagename", "latest"),
        ("docker.io/library/nginx", "1.7.8"),
    ] {
        let (domain, path) = repo.split_once('/').expect("domain/path");
        let repo = format!("{}/{path}", mount(domain));
        pusher.image(&repo, tag, true, "linux/arm64");
    }
    let moved = dd.run_in(work.path(), &["check", "."]);
    assert_ne!(moved.code, 0, "{}", moved.stdout);
    for at in [
        "renovate/helm-values/default_chart_init/values.yaml:9: nginx:1.16.1 pinned to",
        "renovate/kustomize/image-versions/kustomization.yaml:6: node:v0.1.0 pinned to",
        "podman/test/e2e/quadlet/basic.container:21: localhost/imagename:latest pinned to",
        "renovate/terraform/docker.tf:9: nginx:1.7.8 pinned to",
    ] {
        assert!(moved.stdout.contains(at), "{at} in {}", moved.stdout);
    }
}

/// `FILE:LINE` of each reference expected.json says ddigest cannot edit.
fn unpinnable() -> Vec<String> {
    let (_, all) = expected();
    let mut out = Vec::new();
    for (file, found) in &all {
        for skip in found["skips"].as_array().into_iter().flatten() {
            if skip[2] == Value::Bool(false) {
                out.push(format!("{file}:{}:", skip[0]));
            }
        }
    }
    out
}
