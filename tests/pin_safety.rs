//! `pin` never loses a person's edit nor a file's owner, keeps hard links
//! and reads a symlink's target once; `check` counts a pin it cannot edit
//! as a pin and takes its exit code from the first failure in file order;
//! UTF-16 files and CircleCI orb sources are pinned. Against the real
//! registry; the fault proxy only stretches a lookup (503, `Retry-After`)
//! so that an edit can land while `pin` waits.

use crate::util::fault_proxy::{Fault, FaultProxy};
use crate::util::push::{PushAuth, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::{temp_dir, Ddigest};
use std::fs;
use std::os::unix::fs::MetadataExt as _;
use std::os::unix::fs::PermissionsExt as _;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn registry() -> (Registry, String, String) {
    let registry = Registry::start(Auth::None, false);
    let p = Pusher::new(&registry, PushAuth::None);
    let alpine = p.image("alpine", "3.20", true, "linux/amd64").digest;
    let redis = p.image("redis", "7", true, "linux/amd64").digest;
    (registry, alpine, redis)
}

#[test]
fn an_edit_made_while_pin_looks_up_is_never_overwritten() {
    let (registry, alpine, _) = registry();
    // The first manifest request waits two seconds, as a busy registry asks.
    let waited = AtomicBool::new(false);
    let proxy = FaultProxy::start("127.0.0.1", Some(registry.base_url()), move |seen, _| {
        let first = seen.path.contains("/manifests/") && !waited.swap(true, Ordering::SeqCst);
        match first {
            true => Fault::Answer(503, vec![("Retry-After".into(), "2".into())], Vec::new()),
            false => Fault::Forward,
        }
    });
    let r = proxy.addr.clone();
    let dir = temp_dir("lost-edit");
    let file = dir.path().join("Dockerfile");
    fs::write(&file, format!("FROM {r}/alpine:3.20\n")).unwrap();
    let dd = Ddigest::new();
    let child = dd
        .command(&["pin", "--retries", "3"], Some(dir.path()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pin");
    let started = Instant::now();
    while proxy.seen().is_empty() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let edited = format!("FROM {r}/alpine:3.20\nRUN echo edited while pin waited\n");
    fs::write(&file, &edited).unwrap();
    let out = child.wait_with_output().expect("pin");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Dockerfile: not written: the file changed after ddigest read it"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), edited);
    assert!(
        proxy.seen().len() >= 2,
        "the lookup was retried after the 503"
    );
    // Run again, it pins the edited file and keeps the edit.
    let again = dd.run_in(dir.path(), &["pin"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let want = format!("FROM {r}/alpine:3.20@{alpine}\nRUN echo edited while pin waited\n");
    assert_eq!(fs::read_to_string(&file).unwrap(), want);
}

#[test]
fn owner_group_mode_and_hard_links_are_kept() {
    let (registry, alpine, _) = registry();
    let r = registry.host();
    let dir = temp_dir("owner");
    let file = dir.path().join("Dockerfile");
    fs::write(&file, format!("FROM {r}/alpine:3.20\n")).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
    // A checkout owned by another user, pinned by root (a CI container on
    // a mounted folder). Only root can give a file away; as anyone else
    // the owner is ours already and stays so.
    let root = std::os::unix::fs::chown(&file, Some(1234), Some(2345)).is_ok();
    let owner = |path: &std::path::Path| {
        let m = fs::metadata(path).unwrap();
        (m.uid(), m.gid(), m.mode() & 0o777)
    };
    let before = owner(&file);
    if root {
        assert_eq!(before, (1234, 2345, 0o640));
    }
    let linked = dir.path().join("Containerfile");
    fs::hard_link(&file, &linked).unwrap();
    let run = Ddigest::new().run_in(dir.path(), &["pin"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let want = format!("FROM {r}/alpine:3.20@{alpine}\n");
    assert_eq!(fs::read_to_string(&file).unwrap(), want);
    assert_eq!(fs::read_to_string(&linked).unwrap(), want, "still one file");
    assert_eq!(fs::metadata(&file).unwrap().nlink(), 2);
    assert_eq!(owner(&file), before);
    // One name, one line said: the file was read once.
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);

    // Without hard links the rename keeps the owner too.
    fs::remove_file(&linked).unwrap();
    fs::write(&file, format!("FROM {r}/alpine:3.20\n")).unwrap();
    if root {
        std::os::unix::fs::chown(&file, Some(1234), Some(2345)).unwrap();
    }
    let before = owner(&file);
    let run = Ddigest::new().run_in(dir.path(), &["pin"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(fs::read_to_string(&file).unwrap(), want);
    assert_eq!(owner(&file), before);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temp left");
}

#[test]
fn symlinks_in_the_tree_are_read_once_and_those_leading_out_are_said() {
    let (registry, alpine, redis) = registry();
    let r = registry.host();
    let dir = temp_dir("links");
    let outside = temp_dir("outside");
    fs::create_dir_all(dir.path().join("a")).unwrap();
    fs::create_dir_all(dir.path().join("b")).unwrap();
    fs::write(
        dir.path().join("a/Dockerfile"),
        format!("FROM {r}/alpine:3.20\n"),
    )
    .unwrap();
    std::os::unix::fs::symlink("../a/Dockerfile", dir.path().join("b/Dockerfile")).unwrap();
    // A link whose own name says the kind, to a file named otherwise.
    fs::write(dir.path().join("a/base.txt"), format!("FROM {r}/redis:7\n")).unwrap();
    std::os::unix::fs::symlink("base.txt", dir.path().join("a/Containerfile")).unwrap();
    let away = outside.path().join("Dockerfile");
    fs::write(&away, format!("FROM {r}/redis:7\n")).unwrap();
    std::os::unix::fs::symlink(&away, dir.path().join("Dockerfile")).unwrap();

    let run = Ddigest::new().run_in(dir.path(), &["pin", "-v"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let said: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        said,
        [
            format!("a/Dockerfile:1: {r}/alpine:3.20@{alpine}"),
            format!("a/base.txt:1: {r}/redis:7@{redis}"),
        ],
        "{}",
        run.stdout
    );
    let link = fs::symlink_metadata(dir.path().join("b/Dockerfile")).unwrap();
    assert!(link.file_type().is_symlink(), "the link is still a link");
    assert_eq!(
        fs::read_to_string(&away).unwrap(),
        format!("FROM {r}/redis:7\n")
    );
    assert!(
        run.stderr
            .contains("ddigest: Dockerfile: passed over: a symlink to")
            && run.stderr.contains("outside the tree"),
        "{}",
        run.stderr
    );
    let quiet = Ddigest::new().run_in(dir.path(), &["check"]);
    assert!(
        !quiet.stderr.contains("symlink"),
        "only -v says it: {}",
        quiet.stderr
    );
}

#[test]
fn check_exit_code_is_the_first_failure_in_file_order() {
    let (registry, _, redis) = registry();
    let r = registry.host();
    let dir = temp_dir("order");
    fs::create_dir_all(dir.path().join("a")).unwrap();
    fs::create_dir_all(dir.path().join("z")).unwrap();
    // a/: a pin to a manifest its repository does not have (exit 1);
    // z/: an invalid reference (exit 2), later in file order.
    let gone = format!("FROM {r}/alpine:3.20@{redis}\n");
    fs::write(dir.path().join("a/Dockerfile"), gone).unwrap();
    fs::write(
        dir.path().join("z/Dockerfile"),
        format!("FROM {r}/Alpine:1\n"),
    )
    .unwrap();
    let run = Ddigest::new().run_in(dir.path(), &["check"]);
    assert_eq!(run.code, 1, "{run:?}");
    // The other way round, the invalid reference is first.
    fs::rename(dir.path().join("a"), dir.path().join("y")).unwrap();
    fs::rename(dir.path().join("z"), dir.path().join("a")).unwrap();
    let run = Ddigest::new().run_in(dir.path(), &["check"]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn a_pin_written_with_an_escaped_line_break_is_a_pin_and_is_checked() {
    let (registry, alpine, redis) = registry();
    let r = registry.host();
    let dir = temp_dir("escaped");
    // Renovate's drone fixture writes a reference across a line break.
    let drone = |digest: &str| {
        format!(
            "kind: pipeline\nsteps:\n- name: test\n  image: \"{r}/alpine:3.20\\\n    @{digest}\"\n"
        )
    };
    fs::write(dir.path().join(".drone.yml"), drone(&alpine)).unwrap();
    let dd = Ddigest::new();
    let run = dd.run_in(dir.path(), &["check", "--require-pins"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains("not pinned"), "{}", run.stdout);
    let pin = dd.run_in(dir.path(), &["pin"]);
    assert_eq!(pin.code, 0, "{pin:?}");
    assert_eq!(
        fs::read_to_string(dir.path().join(".drone.yml")).unwrap(),
        drone(&alpine)
    );
    // Its digest is verified: one the repository lacks is a failure.
    fs::write(dir.path().join(".drone.yml"), drone(&redis)).unwrap();
    let run = dd.run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let line: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("json");
    assert_eq!(line["status"], "gone", "{line}");
    assert_eq!(line["line"], 4, "{line}");
}

#[test]
fn utf16_files_and_circleci_orb_sources_are_pinned() {
    let (registry, alpine, redis) = registry();
    let r = registry.host();
    let dir = temp_dir("utf16");
    let utf16 = |text: &str| -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    };
    let compose = |image: &str| format!("services:\r\n  web:\r\n    image: {image}\r\n");
    let path = dir.path().join("compose.yaml");
    fs::write(&path, utf16(&compose(&format!("{r}/alpine:3.20")))).unwrap();
    fs::create_dir_all(dir.path().join("src/executors")).unwrap();
    let executor = dir.path().join("src/executors/default.yml");
    fs::write(&executor, format!("docker:\n  - image: {r}/redis:7\n")).unwrap();
    let run = Ddigest::new().run_in(dir.path(), &["pin"]);
    assert_eq!(run.code, 0, "{run:?}");
    let pinned = compose(&format!("{r}/alpine:3.20@{alpine}"));
    assert_eq!(fs::read(&path).unwrap(), utf16(&pinned));
    let want = format!("docker:\n  - image: {r}/redis:7@{redis}\n");
    assert_eq!(fs::read_to_string(&executor).unwrap(), want);
}
