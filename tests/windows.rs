//! The Windows build, for real: `ddigest.exe` (x86_64-pc-windows-gnu) run
//! under Wine against the real registry on loopback. `scripts/test-windows`
//! builds the binary and a Wine prefix and runs this with `--ignored`,
//! naming them in `DDIGEST_WINE_EXE` and `WINEPREFIX`. Credentials come
//! from `%USERPROFILE%\.docker\config.json` and from a credential helper
//! that is a `.cmd` found through `PATHEXT`; `pin` and `check` edit CRLF
//! files in a folder reached as `Z:\…`.

use crate::util::certs::pki;
use crate::util::push::{auth_entry, PushAuth, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::token_server::token_registry;
use crate::util::{skopeo_digest, temp_dir};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Wine {
    exe: PathBuf,
    prefix: PathBuf,
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Wine {
    fn from_env() -> Wine {
        let var = |k: &str| {
            std::env::var_os(k)
                .map(PathBuf::from)
                .unwrap_or_else(|| panic!("{k} is not set: run scripts/test-windows"))
        };
        Wine {
            exe: var("DDIGEST_WINE_EXE"),
            prefix: var("WINEPREFIX"),
        }
    }

    /// `%USERPROFILE%` as the Linux side sees it.
    fn profile(&self) -> PathBuf {
        let users = self.prefix.join("drive_c/users");
        let user = std::fs::read_dir(&users)
            .expect("the prefix's users")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n != "Public")
            .expect("a user in the prefix");
        users.join(user)
    }

    /// Runs `ddigest.exe ARGS` in `dir`, HOME and DOCKER_CONFIG unset so
    /// the Windows places are used; `C:\helpers` is on its PATH.
    fn run(&self, dir: &Path, args: &[&str]) -> Ran {
        let out = Command::new("/usr/lib/wine/wine64")
            .arg(&self.exe)
            .args(args)
            .current_dir(dir)
            .env_remove("HOME")
            .env_remove("DOCKER_CONFIG")
            .env_remove("XDG_CACHE_HOME")
            .env_remove("DDIGEST_CACHE_DIR")
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEPATH", "C:\\helpers")
            .env("NO_PROXY", "*")
            .output()
            .expect("run wine64");
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"),
            stderr: String::from_utf8_lossy(&out.stderr).replace("\r\n", "\n"),
        }
    }
}

/// `Z:\…`: how a Linux path is reached from inside Wine.
fn z(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

fn ok(ran: &Ran) -> &str {
    assert_eq!(
        ran.code, 0,
        "stdout {:?} stderr {:?}",
        ran.stdout, ran.stderr
    );
    &ran.stdout
}

#[test]
#[ignore = "run by scripts/test-windows, which builds ddigest.exe and a Wine prefix"]
fn the_windows_binary_under_wine() {
    let wine = Wine::from_env();
    let here = temp_dir("wine");
    let cwd = here.path();
    let profile = wine.profile();
    let docker = profile.join(".docker");
    std::fs::create_dir_all(&docker).unwrap();
    let helpers = wine.prefix.join("drive_c/helpers");
    std::fs::create_dir_all(&helpers).unwrap();

    // Plain HTTP: one reference, a batch, --platform, --format json.
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let amd = p.image("library/app", "amd", true, "linux/amd64");
    let arm = p.image("library/app", "arm", true, "linux/arm64");
    let list = p.list(
        "library/app",
        "1.0",
        true,
        &[(amd.clone(), "linux/amd64"), (arm.clone(), "linux/arm64")],
        None,
    );
    let h = reg.host();
    let one = format!("{h}/library/app:1.0");
    assert_eq!(ok(&wine.run(cwd, &[&one])).trim(), list.digest);
    assert_eq!(list.digest, skopeo_digest(&one, &["--tls-verify=false"]));
    let batch = wine.run(cwd, &[&one, &format!("{h}/library/app:amd")]);
    assert_eq!(
        ok(&batch),
        format!(
            "{}  {one}\n{}  {h}/library/app:amd\n",
            list.digest, amd.digest
        )
    );
    assert_eq!(
        ok(&wine.run(cwd, &["--platform", "linux/arm64", &one])).trim(),
        arm.digest
    );
    let json: Value =
        serde_json::from_str(ok(&wine.run(cwd, &["--format", "json", &one])).trim()).unwrap();
    assert_eq!(json["digest"], list.digest.as_str());
    // No cache on Windows: it says why under -v, and still resolves.
    let traced = wine.run(cwd, &["-v", &one]);
    assert_eq!(ok(&traced).trim(), list.digest);
    assert!(
        traced
            .stderr
            .contains("cannot be checked on this system; not used"),
        "{}",
        traced.stderr
    );

    // Basic auth from %USERPROFILE%\.docker\config.json.
    let ca = z(&pki().ca_pem);
    let basic = Registry::start(Auth::Htpasswd, true);
    let private = Pusher::new(&basic, PushAuth::Basic("alice", "correct horse")).image(
        "team/app",
        "2.0",
        false,
        "linux/amd64",
    );
    let reference = format!("{}/team/app:2.0", basic.host());
    let config = json!({"auths": {basic.host(): auth_entry("bob", "battery staple")}});
    std::fs::write(docker.join("config.json"), config.to_string()).unwrap();
    assert_eq!(
        ok(&wine.run(cwd, &["--ca-file", &ca, &reference])).trim(),
        private.digest
    );

    // Token auth: bob's credential from a helper that is a .cmd.
    let (_server, token) = token_registry();
    let secret = Pusher::new(&token, PushAuth::Token("alice")).image(
        "private/app",
        "3.0",
        true,
        "linux/amd64",
    );
    let reply = json!({"ServerURL": token.host(), "Username": "bob", "Secret": "battery staple"});
    std::fs::write(
        helpers.join("docker-credential-wtest.cmd"),
        format!("@echo off\r\necho {reply}\r\n"),
    )
    .unwrap();
    let config = json!({"credHelpers": {token.host(): "wtest"}});
    std::fs::write(docker.join("config.json"), config.to_string()).unwrap();
    let reference = format!("{}/private/app:3.0", token.host());
    let traced = wine.run(cwd, &["-v", "--ca-file", &ca, &reference]);
    assert_eq!(ok(&traced).trim(), secret.digest, "{}", traced.stderr);
    assert!(
        traced.stderr.contains("docker-credential-wtest"),
        "{}",
        traced.stderr
    );
    std::fs::remove_file(docker.join("config.json")).unwrap();

    // pin, then check, of CRLF files in the current folder.
    let dockerfile = format!("FROM {h}/library/app:1.0 AS base\r\nRUN echo hi\r\n");
    let compose = format!("services:\r\n  web:\r\n    image: {h}/library/app:amd\r\n");
    std::fs::write(cwd.join("Dockerfile"), &dockerfile).unwrap();
    std::fs::create_dir_all(cwd.join("deploy")).unwrap();
    std::fs::write(cwd.join("deploy/compose.yaml"), &compose).unwrap();
    let pinned = wine.run(cwd, &["pin"]);
    assert_eq!(pinned.code, 0, "{}", pinned.stderr);
    let after = std::fs::read_to_string(cwd.join("Dockerfile")).unwrap();
    assert_eq!(
        after,
        dockerfile.replace("app:1.0", &format!("app:1.0@{}", list.digest))
    );
    let after = std::fs::read_to_string(cwd.join("deploy/compose.yaml")).unwrap();
    assert_eq!(
        after,
        compose.replace("app:amd", &format!("app:amd@{}", amd.digest))
    );
    let checked = wine.run(cwd, &["check", "--require-pins", "--format", "github"]);
    assert_eq!(
        (checked.code, checked.stdout.as_str()),
        (0, ""),
        "{}",
        checked.stderr
    );
    // A drift is found, its file named with `/` as GitHub wants.
    p.manifest("library/app", "amd", arm.media_type, arm.bytes.clone());
    let drifted = wine.run(cwd, &["check", "--format", "github"]);
    assert_eq!(drifted.code, 1, "{}", drifted.stderr);
    assert!(
        drifted.stdout.contains("file=deploy/compose.yaml,line=3"),
        "{}",
        drifted.stdout
    );
}
