//! `ddigest tags` against the real registry: every page of a tag list as
//! each vendor pages it (emulated in front of the registry by
//! `util::tag_pages`, sources there), 1,000 tags with their digests,
//! reverse lookup of a list and of a platform entry, and `--semver`,
//! `--variant` and `--sort version` on the tag sets of node, python,
//! golang and nginx (`tests/data/tags`).

use crate::util::certs::pki;
use crate::util::cosign::{sig_tag, KeyKind, SigLayer, TestKey};
use crate::util::fault_proxy::FaultProxy;
use crate::util::push::{PushAuth, Pushed, Pusher, DOCKER_MANIFEST};
use crate::util::registry::{Auth, Registry};
use crate::util::tag_pages::{hub_api, paged, Vendor};
use crate::util::token_server::token_registry;
use crate::util::{skopeo_digest, Ddigest, Run};
use serde_json::Value;

/// Tags `t000`…: the same manifest under each.
fn tag_many(p: &Pusher, repo: &str, count: usize) -> (Pushed, Vec<String>) {
    let image = p.image(repo, "seed", false, "linux/amd64");
    let tags: Vec<String> = (0..count).map(|i| format!("t{i:03}")).collect();
    for tag in &tags {
        p.manifest(repo, tag, DOCKER_MANIFEST, image.bytes.clone());
    }
    let mut all = tags.clone();
    all.push("seed".into());
    all.sort();
    (image, all)
}

/// Asserts that stderr holds `text`.
fn said(run: &Run, text: &str) {
    assert!(run.stderr.contains(text), "{text:?} not in {}", run.stderr);
}

/// The tag-list requests the proxy saw, in order.
fn tag_list_requests(proxy: &FaultProxy) -> Vec<String> {
    let seen = proxy.seen().into_iter().map(|s| s.path);
    seen.filter(|p| p.contains("/tags/list")).collect()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

#[test]
fn a_thousand_tags_page_by_n_and_link_with_a_head_each() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let (image, all) = tag_many(&p, "app", 1000);
    // distribution refusing more than 100 a page: asked again at 100.
    let proxy = paged(&reg, Vendor::Capped { max: 100 }, 1000);
    let repo = format!("{}/app", proxy.addr);
    let dd = Ddigest::new();

    let run = dd.run(&["tags", &repo]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(lines(&run.stdout), all);
    assert!(
        run.stderr
            .contains("refused pages of 1000 tags; asking for 100"),
        "{}",
        run.stderr
    );
    let pages = tag_list_requests(&proxy);
    assert_eq!(
        pages.len(),
        1 + 11,
        "one refused, then 11 pages of 100: {pages:?}"
    );
    assert!(
        pages[0].ends_with("?n=1000") && pages[1].ends_with("?n=100"),
        "{pages:?}"
    );
    assert!(pages[2].contains("last=t098"), "{pages:?}");

    let before = proxy.seen().len();
    let run = dd.run(&["tags", "--digests", "--format", "pinned", &repo]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let printed = lines(&run.stdout);
    assert_eq!(printed.len(), all.len());
    for (line, tag) in printed.iter().zip(&all) {
        assert_eq!(line, &format!("{repo}:{tag}@{}", image.digest));
    }
    let requests = proxy.seen().len() - before;
    let per_tag = requests as f64 / all.len() as f64;
    assert!(per_tag <= 1.1, "{requests} requests for {} tags", all.len());
    // The reference peer agrees on a tag picked from the middle.
    assert_eq!(
        skopeo_digest(&format!("{repo}:t500"), &["--tls-verify=false"]),
        image.digest
    );

    let run = dd.run(&["tags", "--max-pages", "3", &repo]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        lines(&run.stdout),
        all[..300].to_vec(),
        "a refused page is no page"
    );
    said(&run, "stopped after 3 pages (--max-pages)");
}

#[test]
fn each_vendors_paging_gives_the_whole_list() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    // Artifactory's virtual repository key is the name's first part.
    let (_, all) = tag_many(&p, "docker-remote/team/app", 25);
    let dd = Ddigest::new();
    let vendors = [
        ("distribution", Vendor::Distribution),
        ("relative link", Vendor::RelativeLink),
        ("distribution's 400", Vendor::Capped { max: 100 }),
        ("ECR's 400", Vendor::Ecr { max: 200 }),
        ("Quay's 413 and next_page", Vendor::Quay),
        ("Artifactory", Vendor::Artifactory),
        ("Nexus", Vendor::Nexus),
        ("gcr.io", Vendor::Gcr { lie: None }),
    ];
    for (what, vendor) in vendors {
        let proxy = paged(&reg, vendor, 10);
        let repo = format!("{}/docker-remote/team/app", proxy.addr);
        let run = dd.run(&["tags", &repo]);
        assert_eq!(run.code, 0, "{what}: {}", run.stderr);
        assert_eq!(lines(&run.stdout), all, "{what}: {}", run.stderr);
        let pages = tag_list_requests(&proxy).len();
        assert!((3..=4).contains(&pages), "{what}: {pages} pages");
        let wrong = proxy
            .seen()
            .iter()
            .filter(|s| !s.path.starts_with("/v2/docker-remote/team/app/") && s.path != "/v2/")
            .count();
        assert_eq!(wrong, 0, "{what}: {:?}", proxy.seen());
    }
    // ECR's words name its limit: asked again at that limit.
    let proxy = paged(&reg, Vendor::Ecr { max: 200 }, 10);
    let run = dd.run(&["tags", &format!("{}/docker-remote/team/app", proxy.addr)]);
    said(&run, "asking for 200");
}

#[test]
fn broken_and_hostile_paging_is_stopped() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let (_, all) = tag_many(&p, "app", 25);
    let dd = Ddigest::new();

    let proxy = paged(&reg, Vendor::Loop, 10);
    let run = dd.run(&["tags", &format!("{}/app", proxy.addr)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(lines(&run.stdout), all[..10].to_vec());
    said(&run, "the same next page again");

    let proxy = paged(&reg, Vendor::Stuck, 10);
    let run = dd.run(&["tags", &format!("{}/app", proxy.addr)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    said(&run, "starts where the last one did (t008)");
    assert!(tag_list_requests(&proxy).len() <= 3);

    let proxy = paged(&reg, Vendor::OtherHost, 10);
    let run = dd.run(&["tags", &format!("{}/app", proxy.addr)]);
    let said = run.fails(1);
    assert!(
        said.contains("another scheme or host; not followed"),
        "{said}"
    );

    let proxy = paged(&reg, Vendor::GhcrEmpty, 10);
    let run = dd.run(&["tags", &format!("{}/app", proxy.addr)]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );

    let run = dd.run(&["tags", &format!("{}/nothing/here", reg.host())]);
    let said = run.fails(3);
    assert!(said.contains("NAME_UNKNOWN"), "{said}");
}

#[test]
fn gcr_listings_are_unverified_until_a_head_agrees() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let (image, all) = tag_many(&p, "proj/app", 4);
    let dd = Ddigest::new();
    let proxy = paged(
        &reg,
        Vendor::Gcr {
            lie: Some("t002".into()),
        },
        1000,
    );
    let repo = format!("{}/proj/app", proxy.addr);

    // The listing's digests, printed as it gave them, without a HEAD each.
    let run = dd.run(&["tags", "--format", "json", &repo]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let objects: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), all.len());
    assert_eq!(objects[0]["tag"], "seed");
    assert_eq!(objects[0]["digest"], image.digest.as_str());
    assert_eq!(objects[0]["unverified"], true);
    assert_eq!(objects[0]["pushed"], "2023-11-14T22:13:21.000Z");
    assert_eq!(objects[0]["mediaType"], DOCKER_MANIFEST);
    assert!(
        proxy.seen().iter().all(|s| s.method != "HEAD"),
        "{:?}",
        proxy.seen()
    );

    // --digests checks each: the lie is said, the registry's answer printed.
    let run = dd.run(&["tags", "--format", "json", "--digests", &repo]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in run.stdout.lines() {
        let object: Value = serde_json::from_str(line).unwrap();
        assert_eq!(object["digest"], image.digest.as_str(), "{line}");
        assert!(object.get("unverified").is_none(), "{line}");
    }
    assert!(
        run.stderr
            .contains("the registry's listing says t002 is sha256:0000"),
        "{}",
        run.stderr
    );

    // A reverse lookup asks only the tags the listing cannot rule out.
    let other = p.image("proj/app", "other", true, "linux/arm64");
    let before = proxy.seen().len();
    let run = dd.run(&["tags", &format!("{repo}@{}", other.digest)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "other\n");
    let heads: Vec<_> = proxy.seen()[before..]
        .iter()
        .filter(|s| s.method == "HEAD")
        .map(|s| s.path.clone())
        .collect();
    assert_eq!(heads, ["/v2/proj/app/manifests/other"]);
}

#[test]
fn reverse_lookup_names_lists_and_platform_entries() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let amd = p.image("node", "20.11.1-amd64", false, "linux/amd64");
    let arm = p.image("node", "20.11.1-arm64", false, "linux/arm64/v8");
    let list = p.list(
        "node",
        "20.11.1",
        false,
        &[
            (amd.clone(), "linux/amd64"),
            (arm.clone(), "linux/arm64/v8"),
        ],
        None,
    );
    for tag in ["20.11", "20"] {
        p.manifest("node", tag, list.media_type, list.bytes.clone());
    }
    p.image("node", "18", false, "linux/amd64");
    let repo = format!("{}/node", reg.host());
    let dd = Ddigest::new();

    let run = dd.run(&["tags", &format!("{repo}@{}", list.digest), "-v"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "20\n20.11\n20.11.1\n");
    // REPO:TAG@DIGEST: the tag is ignored, as everywhere.
    let run = dd.run(&[
        "tags",
        "--format",
        "full",
        &format!("{repo}:18@{}", list.digest),
    ]);
    assert_eq!(
        run.stdout,
        format!("{repo}:20\n{repo}:20.11\n{repo}:20.11.1\n"),
        "{}",
        run.stderr
    );

    let run = dd.run(&["tags", &format!("{repo}@{}", arm.digest), "-v"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "20 (linux/arm64/v8 entry)\n20.11 (linux/arm64/v8 entry)\n20.11.1 (linux/arm64/v8 entry)\n20.11.1-arm64\n"
    );
    // The list three tags share is read once.
    let reads = run
        .stderr
        .matches(&format!(
            "GET http://{}/v2/node/manifests/{}",
            reg.host(),
            list.digest
        ))
        .count();
    assert_eq!(reads, 1, "{}", run.stderr);

    // With --platform, only that platform's entry counts.
    let run = dd.run(&[
        "tags",
        "--digest",
        &arm.digest,
        "--platform",
        "linux/amd64",
        &repo,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "20.11.1-arm64\n");
    let run = dd.run(&[
        "tags",
        "--digest",
        &amd.digest,
        "--platform",
        "linux/amd64",
        "--format",
        "json",
        "--include",
        "20.*",
        &repo,
    ]);
    let first: Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["tag"], "20");
    assert_eq!(first["digest"], list.digest.as_str());
    assert_eq!(first["entry"]["platform"], "linux/amd64");
    assert_eq!(run.stdout.lines().count(), 4, "{}", run.stdout);

    // --digests with --platform: each list's entry for it.
    let run = dd.run(&[
        "tags",
        "--digests",
        "--platform",
        "linux/arm64/v8",
        "--include",
        r"20\.11\.1",
        &repo,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!("{}  20.11.1\n", arm.digest));
    let run = dd.run(&[
        "tags",
        "--digests",
        "--platform",
        "linux/arm64/v8",
        "--include",
        r"20\.11\.1.*",
        &repo,
        "-v",
    ]);
    assert_eq!(
        run.code, 1,
        "the amd64 image is no arm64 one: {}",
        run.stderr
    );
    assert_eq!(
        run.stdout,
        format!("{}  20.11.1\n{}  20.11.1-arm64\n", arm.digest, arm.digest)
    );
    assert!(
        run.stderr
            .contains(&format!("ddigest: {repo}:20.11.1-amd64: ")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.lines().last().unwrap().ends_with(" requests"),
        "{}",
        run.stderr
    );

    let gone = format!("sha256:{}", "e".repeat(64));
    let run = dd.run(&["tags", &format!("{repo}@{gone}")]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    assert_eq!(
        run.stderr,
        format!("ddigest: {repo}: no tag points at {gone} (6 tags looked at)\n")
    );
}

#[test]
fn several_repositories_share_one_token() {
    let (server, reg) = token_registry();
    let p = Pusher::new(&reg, PushAuth::Token("alice"));
    let a = p.image("public/a", "1.0", true, "linux/amd64");
    p.image("public/b", "2.0", true, "linux/amd64");
    let before = server.requests().len();
    let (ra, rb) = (
        format!("{}/public/a", reg.host()),
        format!("{}/public/b", reg.host()),
    );
    let ca = pki().ca_pem.display().to_string();
    let run = Ddigest::new().run(&["tags", "--digests", "--ca-file", &ca, &ra, &rb]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 2);
    assert_eq!(
        run.stdout.lines().next().unwrap(),
        format!("{}  {ra}:1.0", a.digest)
    );
    let tokens = &server.requests()[before..];
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0].target.matches("scope=").count(), 2);
}

#[test]
fn digest_shaped_tags_hide_and_patterns_are_anchored() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let image = p.image("app", "1.0", true, "linux/amd64");
    let hex = &image.digest[7..];
    for tag in [
        format!("sha256-{hex}"),
        format!("sha256-{hex}.sig"),
        "1.0-rc1".into(),
        "11.0".into(),
        "latest".into(),
    ] {
        p.manifest("app", &tag, image.media_type, image.bytes.clone());
    }
    let repo = format!("{}/app", reg.host());
    let dd = Ddigest::new();
    let run = dd.run(&["tags", &repo]);
    assert_eq!(run.stdout, "1.0\n1.0-rc1\n11.0\nlatest\n");
    let run = dd.run(&["tags", "--all-tags", &repo]);
    assert_eq!(run.stdout.lines().count(), 6);
    let run = dd.run(&[
        "tags",
        "--include",
        r"1\..*",
        "--include",
        "latest",
        "--exclude",
        ".*-rc.*",
        &repo,
    ]);
    assert_eq!(run.stdout, "1.0\nlatest\n");
    let run = dd.run(&["tags", "--include", "(", &repo]);
    assert!(
        run.fails(2).contains("invalid regular expression"),
        "{}",
        run.stderr
    );
    let run = dd.run(&["tags", "--semver", "^^1", &repo]);
    assert!(
        run.fails(2).contains("invalid version range"),
        "{}",
        run.stderr
    );
    let run = dd.run(&["tags", &format!("{repo}:1.0")]);
    assert!(
        run.fails(2).contains("a repository has no tag here"),
        "{}",
        run.stderr
    );
}

/// The tags of `tests/data/tags/NAME.txt` (its Tags and SharedTags lines).
fn real_tags(name: &str) -> Vec<String> {
    let path = format!("{}/tests/data/tags/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("tag data");
    let mut tags: Vec<String> = Vec::new();
    for line in text.lines() {
        let list = line.split_once(": ").map_or("", |(_, l)| l);
        for tag in list.split(", ").filter(|t| !t.is_empty()) {
            if !tags.iter().any(|t| t == tag) {
                tags.push(tag.to_string());
            }
        }
    }
    tags
}

#[test]
fn versions_variants_and_order_on_real_tag_sets() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    for name in ["node", "python", "golang", "nginx"] {
        let image = p.image(name, "seed-image", true, "linux/amd64");
        for tag in real_tags(name) {
            p.manifest(name, &tag, image.media_type, image.bytes.clone());
        }
    }
    let dd = Ddigest::new();
    let tags = |name: &str, flags: &[&str]| {
        let repo = format!("{}/{name}", reg.host());
        let mut args = vec!["tags", repo.as_str()];
        args.extend(flags);
        let run = dd.run(&args);
        assert_eq!(run.code, 0, "{name} {flags:?}: {}", run.stderr);
        run.stdout.lines().map(str::to_string).collect::<Vec<_>>()
    };
    assert_eq!(
        tags(
            "node",
            &[
                "--semver",
                ">=8, <10",
                "--sort",
                "version",
                "--variant",
                "alpine"
            ]
        ),
        ["8-alpine", "8.11-alpine", "8.11.4-alpine"]
    );
    assert_eq!(
        tags(
            "node",
            &["--semver", "^10", "--variant", "", "--sort", "version"]
        ),
        ["10", "10.9", "10.9.0"]
    );
    assert_eq!(
        tags(
            "node",
            &["--sort", "version", "--latest", "1", "--variant", "slim"]
        ),
        ["10.9.0-slim"]
    );
    // Pre-releases only when the range names one.
    assert_eq!(
        tags(
            "python",
            &[
                "--semver",
                ">=3.13",
                "--variant",
                "slim-bookworm",
                "--sort",
                "version"
            ]
        ),
        [
            "3.13-slim-bookworm",
            "3.13.9-slim-bookworm",
            "3.14-slim-bookworm",
            "3.14.0-slim-bookworm"
        ]
    );
    assert_eq!(
        tags(
            "python",
            &["--semver", ">=3.15.0-a1", "--variant", "alpine"]
        ),
        ["3.15.0a2-alpine"]
    );
    assert_eq!(
        tags(
            "golang",
            &[
                "--semver",
                "^1.24",
                "--variant",
                "alpine",
                "--sort",
                "version",
                "--latest",
                "2"
            ]
        ),
        ["1.25", "1.25.3"].map(|v| format!("{v}-alpine"))
    );
    assert_eq!(
        tags(
            "golang",
            &["--semver", "~1.24 || >=1.25.3", "--variant", ""]
        ),
        ["1.24", "1.24.9", "1.25.3"]
    );
    assert_eq!(
        tags("nginx", &["--semver", "~1.20", "--sort", "version"]),
        [
            "1.20",
            "1.20-alpine",
            "1.20-alpine-perl",
            "1.20-perl",
            "1.20.1",
            "1.20.1-alpine",
            "1.20.1-alpine-perl",
            "1.20.1-perl"
        ]
    );
    // Not versions (mainline, stable, latest, alpine…) go last in version order.
    let ordered = tags("nginx", &["--sort", "version"]);
    assert_eq!(ordered[0], "1");
    assert_eq!(
        ordered.iter().position(|t| t == "alpine"),
        Some(ordered.len() - 13)
    );
    assert_eq!(ordered.last().map(String::as_str), Some("stable-perl"));
}

#[test]
fn the_hub_api_names_digests_that_heads_then_check() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let amd = p.image("library/node", "20-amd64", false, "linux/amd64");
    let list = p.list(
        "library/node",
        "20",
        false,
        &[(amd.clone(), "linux/amd64")],
        None,
    );
    for tag in ["20.11", "20.11.1", "latest"] {
        p.manifest("library/node", tag, list.media_type, list.bytes.clone());
    }
    let hub = hub_api(&reg, 2);
    let conf_dir = crate::util::temp_dir("conf");
    let conf = conf_dir.path().join("registries.conf");
    let text = format!(
        "[[registry]]\nprefix = \"docker.io\"\nlocation = \"{}\"\ninsecure = true\n",
        reg.host()
    );
    std::fs::write(&conf, text).unwrap();
    let hub_url = format!("http://{}", hub.addr);
    let dd = Ddigest::new()
        .env("CONTAINERS_REGISTRIES_CONF", &conf)
        .env("DDIGEST_HUB_URL", std::path::Path::new(&hub_url));

    let run = dd.run(&[
        "tags",
        "node",
        "--hub-api",
        "--format",
        "json",
        "--sort",
        "registry",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let objects: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let order: Vec<&str> = objects.iter().map(|o| o["tag"].as_str().unwrap()).collect();
    assert_eq!(
        order,
        ["latest", "20.11.1", "20.11", "20-amd64", "20"],
        "as the Hub served them"
    );
    assert_eq!(objects[0]["digest"], list.digest.as_str());
    assert_eq!(objects[0]["unverified"], true);
    assert_eq!(objects[0]["pushed"], "2024-02-01T01:02:03.456789Z");
    assert_eq!(objects[0]["reference"], "docker.io/library/node:latest");
    let pages = hub.seen().len();
    assert_eq!(pages, 3, "5 tags, 2 a page: {:?}", hub.seen());
    assert!(reg
        .ddigest_requests(0)
        .iter()
        .all(|(_, path, _)| !path.contains("tags/list")));

    let run = dd.run(&["tags", "node", "--hub-api", "--digests"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.lines().next().unwrap(),
        format!("{}  20", list.digest)
    );
    let run = dd.run(&["tags", &format!("node@{}", amd.digest), "--hub-api"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "20 (linux/amd64 entry)\n20-amd64\n20.11 (linux/amd64 entry)\n20.11.1 (linux/amd64 entry)\nlatest (linux/amd64 entry)\n");

    // Not Docker Hub: said, and listed from the registry.
    let run = dd.run(&[
        "tags",
        &format!("{}/library/node", reg.host()),
        "--hub-api",
        "--latest",
        "1",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "latest\n"));
    said(&run, "--hub-api is for Docker Hub");
}

#[test]
fn key_prints_only_signed_tags() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let signed = p.image("app", "1.0", true, "linux/amd64");
    p.image("app", "1.1", true, "linux/arm64");
    let key = TestKey::generate(KeyKind::P256);
    p.signatures(
        "app",
        &sig_tag(&signed.digest),
        &[SigLayer::signed(&key, &signed.digest)],
    );
    let repo = format!("{}/app", reg.host());
    let run = Ddigest::new().run(&[
        "tags",
        "--digests",
        "--key",
        key.public_path(),
        "--format",
        "json",
        &repo,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "a line for every tag: {}", run.stdout);
    assert_eq!(
        (lines[1]["tag"].as_str(), lines[1]["error"]["code"].as_str()),
        (Some("1.1"), Some("unsigned"))
    );
    let object = &lines[0];
    assert_eq!(
        (object["tag"].as_str(), object["digest"].as_str()),
        (Some("1.0"), Some(signed.digest.as_str()))
    );
    assert_eq!(object["signature"]["verified"], true);
    said(&run, &format!("ddigest: {repo}:1.1: "));
    // The signature's tag is digest-shaped: not listed.
    assert_eq!(Ddigest::new().run(&["tags", &repo]).stdout, "1.0\n1.1\n");
    let run = Ddigest::new().run(&[
        "tags",
        "--key",
        key.public_path(),
        &format!("{repo}@{}", signed.digest),
    ]);
    assert!(
        run.fails(2)
            .contains("do not apply to the tags behind a digest"),
        "{}",
        run.stderr
    );
}
