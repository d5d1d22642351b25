//! Shared test helpers: temp dirs under the target dir, the ddigest binary
//! run in an isolated HOME, skopeo as the reference peer, and the real
//! registry, token server, PKI, pusher and signer in their own modules.

pub mod certs;
pub mod cosign;
pub mod fault_proxy;
pub mod push;
pub mod registry;
pub mod sigstore;
pub mod tag_pages;
pub mod token_server;

use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn temp_dir(prefix: &str) -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tempfile::Builder::new()
        .prefix(&format!("ddigest-{prefix}-"))
        .tempdir_in(root)
        .expect("temp dir")
}

pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// What one ddigest run did.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    /// Asserts success and returns the one stdout line.
    pub fn digest(&self) -> &str {
        assert_eq!(self.code, 0, "ddigest failed: {}", self.stderr);
        assert!(
            self.stdout.ends_with('\n') && self.stdout.lines().count() == 1,
            "stdout: {:?}",
            self.stdout
        );
        self.stdout.trim_end()
    }

    /// Asserts the exit code, an empty stdout and one `ddigest: ` stderr line.
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "stdout {:?} stderr {:?}",
            self.stdout, self.stderr
        );
        assert_eq!(self.stdout, "", "nothing on stdout when failing");
        assert!(
            self.stderr.starts_with("ddigest: "),
            "stderr: {:?}",
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        &self.stderr
    }
}

/// The ddigest binary with its own HOME and DOCKER_CONFIG.
pub struct Ddigest {
    pub home: tempfile::TempDir,
    path_prefix: Option<PathBuf>,
    env: Vec<(String, PathBuf)>,
    unset: Vec<String>,
    cached: bool,
}

impl Ddigest {
    pub fn new() -> Ddigest {
        Ddigest {
            home: temp_dir("home"),
            path_prefix: None,
            env: Vec::new(),
            unset: Vec::new(),
            cached: false,
        }
    }

    /// Runs share the cache in `$HOME/.cache/ddigest`, as for a user.
    pub fn cached(mut self) -> Self {
        self.cached = true;
        self
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.home.path().join(".cache").join("ddigest")
    }

    /// Leaves an environment variable the helper sets unset.
    pub fn unset(mut self, key: &str) -> Self {
        self.unset.push(key.to_string());
        self
    }

    /// Sets an environment variable for every run.
    pub fn env(mut self, key: &str, value: &Path) -> Self {
        self.env.push((key.to_string(), value.to_path_buf()));
        self
    }

    pub fn docker_config_dir(&self) -> PathBuf {
        self.home.path().join(".docker")
    }

    /// Writes `$DOCKER_CONFIG/config.json`.
    pub fn config(&self, json: &serde_json::Value) -> &Self {
        let dir = self.docker_config_dir();
        std::fs::create_dir_all(&dir).expect("config dir");
        std::fs::write(dir.join("config.json"), json.to_string()).expect("config.json");
        self
    }

    /// Puts an executable `docker-credential-NAME` with this shell body on PATH.
    pub fn helper(&mut self, name: &str, script: &str) {
        use std::os::unix::fs::PermissionsExt as _;
        let bin = self.home.path().join("bin");
        std::fs::create_dir_all(&bin).expect("bin dir");
        let path = bin.join(format!("docker-credential-{name}"));
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).expect("helper");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        self.path_prefix = Some(bin);
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    /// Runs with `stdin` as standard input (for `-`).
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.spawn(args, stdin, None)
    }

    /// Runs in the folder `dir` (for `pin` and `check`, whose output names
    /// files relative to it).
    pub fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        self.spawn(args, "", Some(dir))
    }

    fn spawn(&self, args: &[&str], stdin: &str, dir: Option<&Path>) -> Run {
        use std::io::Write as _;
        let mut child = self
            .command(args, dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run ddigest");
        let mut input = child.stdin.take().expect("stdin");
        let stdin = stdin.to_string();
        let writer = std::thread::spawn(move || input.write_all(stdin.as_bytes()));
        let out = child.wait_with_output().expect("ddigest output");
        let _ = writer.join();
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    /// The command a run would be, in `dir`, for a test that starts it
    /// and acts while it runs.
    pub fn command(&self, args: &[&str], dir: Option<&Path>) -> Command {
        let mut path = std::env::var("PATH").unwrap_or_default();
        if let Some(prefix) = &self.path_prefix {
            path = format!("{}:{path}", prefix.display());
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_ddigest"));
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        command
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.home.path())
            .env("DOCKER_CONFIG", self.docker_config_dir())
            // The machine's /etc/containers files stay out of the tests.
            .env(
                "CONTAINERS_REGISTRIES_CONF",
                self.home.path().join("registries.conf"),
            )
            // Each run starts cold unless a test turns the shared cache on.
            .env("DDIGEST_NO_CACHE", if self.cached { "" } else { "1" })
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        for key in &self.unset {
            command.env_remove(key);
        }
        command
    }
}

/// The seed article's answer: `skopeo inspect --raw docker://REF | sha256`.
pub fn skopeo_digest(reference: &str, extra: &[&str]) -> String {
    let out = Command::new("skopeo")
        .args(["inspect", "--raw"])
        .args(extra)
        .arg(format!("docker://{reference}"))
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run skopeo ({e}): install it with `apt-get install skopeo`")
        });
    assert!(
        out.status.success(),
        "skopeo {reference}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    sha256(&out.stdout)
}
