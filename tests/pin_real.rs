//! `pin` on other people's files (`tests/data/pin/real`, sources and
//! licences in its README): every reference found where `expected.json`
//! says, and then every one pinned against the real registry, with each
//! registry the files name mapped to it by registries.conf.

use crate::util::push::{PushAuth, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::{temp_dir, Ddigest};
use ddigest::digest::Digest;
use ddigest::pin::site::pinned_text;
use ddigest::reference::Reference;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn real_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pin/real")
}

/// One reference `expected.json` lists.
struct Expected {
    file: String,
    line: usize,
    text: String,
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
                text: site[1].as_str().unwrap_or_default().to_string(),
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
    let (files, ok) = ddigest::pin::scan::scan_paths(std::slice::from_ref(&root));
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
    assert!(sites >= 230, "{sites}");
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
        let repo = format!("{}/{}", reference.domain(), reference.path());
        let pushed = pusher.image(&repo, reference.tag_or_latest(), true, "linux/amd64");
        digests.insert(key, Digest::parse(&pushed.digest).expect("digest"));
        domains.insert(reference.domain().to_string());
    }
    let conf: String = domains
        .iter()
        .map(|d| {
            format!(
                "[[registry]]\nprefix = \"{d}\"\nlocation = \"{}/{d}\"\n",
                reg.host()
            )
        })
        .collect();
    let work = temp_dir("real");
    copy_tree(&real_dir(), work.path());
    let conf_path = work.path().join("registries.conf");
    std::fs::write(&conf_path, conf).expect("write registries.conf");
    let dd = Ddigest::new().env("CONTAINERS_REGISTRIES_CONF", &conf_path);

    let run = dd.run_in(work.path(), &["pin", "."]);
    // References that are not valid (Renovate's fixtures hold a few, such
    // as `@sha256:abcdef`) fail on their own line; the others are pinned.
    assert_eq!(run.code != 0, !invalid.is_empty(), "{}", run.stderr);
    for site in &invalid {
        let at = format!("ddigest: {}:{}: ", site.file, site.line);
        assert!(run.stderr.contains(&at), "{at} in {}", run.stderr);
    }
    let mut pinned = 0;
    for site in &sites {
        let Ok(reference) = Reference::parse_normalized(&site.image) else {
            continue;
        };
        let Some(digest) = digests.get(&reference.qualified_string()) else {
            continue;
        };
        let text = std::fs::read_to_string(work.path().join(&site.file)).expect("pinned file");
        let line = text.lines().nth(site.line - 1).unwrap_or_default();
        let want = pinned_text(&site.text, reference.tag().is_some(), digest).expect("literal");
        assert!(
            line.contains(&want),
            "{}:{}: {line:?} lacks {want}",
            site.file,
            site.line
        );
        pinned += 1;
    }
    eprintln!(
        "pinned {pinned} references to {} images on {} registries",
        digests.len(),
        domains.len()
    );
    assert!(pinned >= 200, "{pinned}");

    // Done once: a second run changes nothing, and check finds no drift
    // and nothing left unpinned.
    let again = dd.run_in(work.path(), &["pin", "."]);
    assert_eq!(again.stdout, "", "{}", again.stderr);
    let check = dd.run_in(work.path(), &["check", "--require-pins", "."]);
    assert_eq!(check.stdout, "", "{}", check.stderr);
}
