//! The Linux binary people download: built for x86_64-unknown-linux-musl
//! (release profile) by `scripts/test-static`, which runs this with
//! `--ignored` and names it in `DDIGEST_STATIC_EXE`; and the container
//! image made from it (`Dockerfile`), built and run with buildah.

use crate::util::certs::pki;
use crate::util::push::{PushAuth, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::{skopeo_digest, temp_dir};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn static_exe() -> PathBuf {
    std::env::var_os("DDIGEST_STATIC_EXE")
        .map(PathBuf::from)
        .expect("DDIGEST_STATIC_EXE is not set: run scripts/test-static")
}

fn text(out: &Output) -> (String, String) {
    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (s(&out.stdout), s(&out.stderr))
}

fn run(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DDIGEST_NO_CACHE", "1")
        .output()
        .expect("run")
}

#[test]
#[ignore = "run by scripts/test-static, which builds the musl binary"]
fn the_static_binary_is_static_and_speaks_tls() {
    let exe = static_exe();
    let (kind, _) = text(&run("file", &[exe.to_str().unwrap()]));
    assert!(
        kind.contains("statically linked") || kind.contains("static-pie linked"),
        "{kind}"
    );
    let (ldd, ldd_err) = text(&run("ldd", &[exe.to_str().unwrap()]));
    let said = format!("{ldd}{ldd_err}");
    assert!(
        said.contains("not a dynamic executable") || said.contains("statically linked"),
        "{said}"
    );

    let reg = Registry::start(Auth::Htpasswd, true);
    let image = Pusher::new(&reg, PushAuth::Basic("alice", "correct horse")).image(
        "team/app",
        "1.0",
        true,
        "linux/amd64",
    );
    let reference = format!("{}/team/app:1.0", reg.host());
    let ca = pki().ca_pem.display().to_string();
    let out = run(
        &exe,
        &[
            "--ca-file",
            &ca,
            "--creds",
            "bob:battery staple",
            &reference,
        ],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.trim(), image.digest);

    // No system roots at all (a FROM scratch image without a bundle): said plainly.
    let out = Command::new(&exe)
        .args(["--creds", "bob:battery staple", &reference])
        .env_clear()
        .env("SSL_CERT_FILE", "/nonexistent/ca.pem")
        .env("SSL_CERT_DIR", "/nonexistent")
        .env("DDIGEST_NO_CACHE", "1")
        .output()
        .expect("run");
    let (stdout, stderr) = text(&out);
    assert_eq!(
        (out.status.code(), stdout.as_str()),
        (Some(1), ""),
        "{stderr}"
    );
    assert!(
        stderr.contains("no CA certificates to check the server's certificate against"),
        "{stderr}"
    );
}

/// buildah with its storage in `dir` (vfs, so no privileges beyond root's).
fn buildah_output(dir: &Path, args: &[&str]) -> Output {
    let root = dir.join("storage").display().to_string();
    let runroot = dir.join("run").display().to_string();
    Command::new("buildah")
        .args([
            "--root",
            &root,
            "--runroot",
            &runroot,
            "--storage-driver",
            "vfs",
        ])
        .args(args)
        .env("BUILDAH_ISOLATION", "chroot")
        .output()
        .expect("run buildah (apt-get install buildah)")
}

/// buildah's stdout; it must succeed.
fn buildah(dir: &Path, args: &[&str]) -> String {
    let out = buildah_output(dir, args);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "buildah {args:?}: {stderr}");
    stdout
}

#[test]
#[ignore = "run by scripts/test-static, which builds the musl binary"]
fn the_container_image_builds_pushes_resolves_and_runs() {
    let exe = static_exe();
    let work = temp_dir("image");
    let context = work.path().join("context");
    std::fs::create_dir_all(context.join("linux-amd64")).unwrap();
    std::fs::copy(&exe, context.join("linux-amd64/ddigest")).unwrap();
    std::fs::copy(
        "/etc/ssl/certs/ca-certificates.crt",
        context.join("ca-certificates.crt"),
    )
    .unwrap();
    let dockerfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile");
    let dockerfile = dockerfile.display().to_string();
    let ctx = context.display().to_string();
    let w = work.path();
    buildah(
        w,
        &[
            "bud",
            "--isolation",
            "chroot",
            "--layers=false",
            "-f",
            &dockerfile,
            "--build-arg",
            "VERSION=0.1.0",
            "-t",
            "localhost/ddigest:test",
            &ctx,
        ],
    );

    let reg = Registry::start(Auth::None, false);
    let pushed = format!("{}/ddigest:0.1.0", reg.host());
    buildah(
        w,
        &[
            "push",
            "--tls-verify=false",
            "localhost/ddigest:test",
            &format!("docker://{pushed}"),
        ],
    );
    let out = run(&exe, &[&pushed]);
    let (digest, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        digest.trim(),
        skopeo_digest(&pushed, &["--tls-verify=false"])
    );

    // The labels, and ddigest itself from inside the image.
    let (config, _) = text(&run(&exe, &["config", &pushed]));
    assert!(
        config.contains("\"org.opencontainers.image.licenses\":\"Apache-2.0\""),
        "{config}"
    );
    assert!(config.contains("\"Entrypoint\":[\"/ddigest\"]"), "{config}");
    let container = buildah(w, &["from", "localhost/ddigest:test"]);
    let container = container.trim();
    // `/ddigest ARGS` run inside the image.
    let inside = |args: &[&str]| {
        let run = ["run", "--isolation", "chroot", container, "--", "/ddigest"];
        buildah_output(w, &[&run[..], args].concat())
    };
    let (version, _) = text(&inside(&["--version"]));
    assert_eq!(version.trim(), "ddigest 0.1.0");
    let (resolved, stderr) = text(&inside(&[&pushed]));
    assert_eq!(resolved.trim(), digest.trim(), "{stderr}");
    // The bundle in the image is read: a registry signed by another CA is
    // an unknown issuer, not "no CA certificates".
    let tls = Registry::start(Auth::None, true);
    let out = inside(&[&format!("{}/x:1", tls.host())]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("no CA certificates"), "{stderr}");
    assert!(
        stderr.contains("certificate") || stderr.contains("issuer"),
        "{stderr}"
    );
    buildah(w, &["rm", container]);
}
