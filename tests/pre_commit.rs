//! The pre-commit hooks for real (`scripts/test-pre-commit` runs this; it
//! is slow, as pre-commit builds ddigest with cargo): `pre-commit
//! try-repo` of this repository's `ddigest-check` hook in a git repository
//! whose Dockerfile pins a digest its tag has moved from (fails) and in one
//! pinned to the tag's digest now (passes), against the real registry.

use crate::util::push::{PushAuth, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::temp_dir;
use std::path::Path;
use std::process::Command;

/// A git repository holding one Dockerfile, committed.
fn repository(dockerfile: &str) -> tempfile::TempDir {
    let dir = temp_dir("pre-commit-repo");
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).expect("Dockerfile");
    for args in [
        &["init", "-q"][..],
        &["add", "Dockerfile"],
        &["commit", "-q", "-m", "pin"],
    ] {
        let status = git(dir.path()).args(args).status().expect("git");
        assert!(status.success(), "git {args:?}");
    }
    dir
}

fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com");
    command
}

/// `pre-commit try-repo THIS-REPOSITORY ddigest-check --all-files` in `dir`.
fn try_repo(dir: &Path, home: &Path) -> std::process::Output {
    let tools = std::env::var("PYTHON_TOOLS").expect("PYTHON_TOOLS: run scripts/test-pre-commit");
    let project = env!("CARGO_MANIFEST_DIR");
    // pre-commit's own cache (the built hook) is kept between runs.
    let pre_commit_home = Path::new(project).join("target/pre-commit-home");
    Command::new(Path::new(&tools).join("pre-commit"))
        .args([
            "try-repo",
            project,
            "ddigest-check",
            "--all-files",
            "--verbose",
        ])
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", pre_commit_home)
        .env("HOME", home)
        .env("DDIGEST_NO_CACHE", "1")
        // Each try-repo builds the hook afresh (a new store each time): one
        // build folder for both, and a quick profile, keep that short.
        .env(
            "CARGO_TARGET_DIR",
            Path::new(project).join("target/pre-commit-build"),
        )
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        // pre-commit's `cargo install` ignores Cargo.lock: prefer crate
        // versions this toolchain can build.
        .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback")
        .env("CONTAINERS_REGISTRIES_CONF", home.join("registries.conf"))
        .output()
        .expect("run pre-commit")
}

#[test]
#[ignore = "slow (pre-commit builds ddigest): scripts/test-pre-commit runs it"]
fn pre_commit_try_repo_fails_a_drifted_pin_and_passes_a_clean_one() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let old = p.image("app", "old", true, "linux/amd64");
    let now = p.image("app", "1", true, "linux/arm64");
    let host = reg.host();
    let home = temp_dir("pre-commit-home");
    let drifted = repository(&format!("FROM {host}/app:1@{}\n", old.digest));
    let clean = repository(&format!("FROM {host}/app:1@{}\n", now.digest));

    let failed = try_repo(drifted.path(), home.path());
    let said = String::from_utf8_lossy(&failed.stdout).to_string()
        + &String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success(), "{said}");
    assert!(
        said.contains(&format!("pinned to {}, tag now {}", old.digest, now.digest)),
        "{said}"
    );

    let passed = try_repo(clean.path(), home.path());
    let said = String::from_utf8_lossy(&passed.stdout).to_string()
        + &String::from_utf8_lossy(&passed.stderr);
    assert!(passed.status.success(), "{said}");
}
