//! Settings users already have, end to end against the real registry, with
//! every file in a temp HOME or a path an environment variable points at:
//! registries.conf rewrites, mirrors, `blocked` and `insecure`
//! (Docker Hub's normalization proven offline through it); containers'
//! auth.json after the Docker config; `--creds` and `--password-stdin`;
//! certs.d CAs and client certificates against a mutual-TLS registry; and
//! `-v` naming where credentials came from without showing them.

use crate::util::certs::pki;
use crate::util::push::{auth_entry, PushAuth, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::token_server::token_registry;
use crate::util::{skopeo_digest, temp_dir, Ddigest};
use serde_json::json;
use std::path::{Path, PathBuf};

fn ca() -> String {
    pki().ca_pem.display().to_string()
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

#[test]
fn registries_conf_maps_docker_hub_to_the_local_registry() {
    let reg = Registry::start(Auth::None, false);
    let img =
        Pusher::new(&reg, PushAuth::None).image("library/node", "14.7.0", false, "linux/amd64");
    let conf_dir = temp_dir("conf");
    let conf = format!(
        "[[registry]]\nprefix = \"docker.io\"\nlocation = \"{}\"\ninsecure = true\n",
        reg.host()
    );
    let path = write(&conf_dir.path().join("registries.conf"), &conf);
    let dd = Ddigest::new().env("CONTAINERS_REGISTRIES_CONF", &path);
    for name in [
        "node:14.7.0",
        "library/node:14.7.0",
        "docker.io/library/node:14.7.0",
        "index.docker.io/node:14.7.0",
    ] {
        assert_eq!(dd.run(&[name]).digest(), img.digest, "{name}");
    }
    let conf_flag = format!("--registries-conf={}", path.display());
    assert_eq!(
        skopeo_digest("docker.io/library/node:14.7.0", &[&conf_flag]),
        img.digest
    );
    let paths: Vec<String> = reg
        .ddigest_requests(4)
        .into_iter()
        .map(|(_, p, _)| p)
        .collect();
    assert!(
        paths
            .iter()
            .all(|p| p == "/v2/library/node/manifests/14.7.0"),
        "{paths:?}"
    );

    // The same file where podman keeps a user's settings.
    let user = Ddigest::new().unset("CONTAINERS_REGISTRIES_CONF");
    write(
        &user.home.path().join(".config/containers/registries.conf"),
        &conf,
    );
    assert_eq!(user.run(&["node:14.7.0"]).digest(), img.digest);
    // And a drop-in that blocks it.
    let drop_in = user
        .home
        .path()
        .join(".config/containers/registries.conf.d/50-block.conf");
    write(
        &drop_in,
        "[[registry]]\nprefix = \"docker.io/library/node\"\nblocked = true\n",
    );
    let blocked = user.run(&["node:14.7.0"]);
    assert!(
        blocked
            .fails(1)
            .contains("registries.conf blocks docker.io/library/node"),
        "{}",
        blocked.stderr
    );
}

#[test]
fn mirrors_are_tried_in_order_and_a_mirrors_answer_is_used_as_is() {
    let primary = Registry::start(Auth::None, false);
    let empty_mirror = Registry::start(Auth::None, false);
    let mirror = Registry::start(Auth::None, false);
    let on_primary = Pusher::new(&primary, PushAuth::None);
    on_primary.image("team/app", "v1", false, "linux/amd64");
    let v2 = on_primary.image("team/app", "v2", false, "linux/amd64");
    let mirrored =
        Pusher::new(&mirror, PushAuth::None).image("cache/app", "v1", true, "linux/arm64");
    let conf = format!(
        "[[registry]]\nprefix = \"{p}/team\"\nlocation = \"{p}/team\"\n\
         [[registry.mirror]]\nlocation = \"{e}/team\"\n\
         [[registry.mirror]]\nlocation = \"{m}/cache\"\n",
        p = primary.host(),
        e = empty_mirror.host(),
        m = mirror.host()
    );
    let conf_dir = temp_dir("conf");
    let path = write(&conf_dir.path().join("mirrors.conf"), &conf);
    let dd = Ddigest::new().env("CONTAINERS_REGISTRIES_CONF", &path);

    let v1 = dd.run(&["-v", &format!("{}/team/app:v1", primary.host())]);
    assert_eq!(
        v1.digest(),
        mirrored.digest,
        "the second mirror has it: {}",
        v1.stderr
    );
    assert!(
        v1.stderr.contains(&format!(
            "mirror {}/team/app:v1: 404 Not Found; trying the next",
            empty_mirror.host()
        )),
        "{}",
        v1.stderr
    );
    assert_eq!(
        dd.run(&[&format!("{}/team/app:v2", primary.host())])
            .digest(),
        v2.digest,
        "only the primary has it"
    );
    let asked: Vec<_> = primary
        .ddigest_requests(1)
        .into_iter()
        .map(|(_, p, _)| p)
        .collect();
    assert_eq!(
        asked,
        ["/v2/team/app/manifests/v2"],
        "v1 never reached the primary"
    );

    // A mirror that is down is tried once and then left out for the run.
    let dead = format!("127.0.0.1:{}", crate::util::registry::free_port());
    let first_mirror = format!(
        "[[registry.mirror]]\nlocation = \"{}/team\"",
        empty_mirror.host()
    );
    let dead_first = format!("[[registry.mirror]]\nlocation = \"{dead}/team\"\n{first_mirror}");
    let path = write(
        &conf_dir.path().join("dead.conf"),
        &conf.replace(&first_mirror, &dead_first),
    );
    let v2_too = format!("{}/team/app:v2", primary.host());
    let v1 = format!("{}/team/app:v1", primary.host());
    let flags = ["-v", "-j", "1", "--retries", "0", &v1, &v2_too];
    let run = Ddigest::new()
        .env("CONTAINERS_REGISTRIES_CONF", &path)
        .run(&flags);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dead_tries = run
        .stderr
        .lines()
        .filter(|l| l.contains(&format!("mirror {dead}/")))
        .count();
    assert_eq!(dead_tries, 1, "{}", run.stderr);

    let tags_off_mirrors = conf.replace(
        "/cache\"\n",
        "/cache\"\npull-from-mirror = \"digest-only\"\n",
    );
    let path = write(&conf_dir.path().join("digest-only.conf"), &tags_off_mirrors);
    let dd = Ddigest::new().env("CONTAINERS_REGISTRIES_CONF", &path);
    let from_primary = dd.run(&[&format!("{}/team/app:v1", primary.host())]);
    assert_ne!(
        from_primary.digest(),
        mirrored.digest,
        "digest-only mirrors are not asked for tags"
    );
}

#[test]
fn insecure_in_registries_conf_allows_an_unknown_ca_for_that_registry_only() {
    let reg = Registry::start(Auth::None, true);
    let img = Pusher::new(&reg, PushAuth::None).image("app", "v1", false, "linux/amd64");
    let reference = format!("{}/app:v1", reg.host());
    let refused = Ddigest::new().run(&[&reference]);
    assert!(
        refused
            .fails(1)
            .contains("TLS: certificate signed by unknown authority"),
        "{}",
        refused.stderr
    );
    let conf = format!(
        "[[registry]]\nlocation = \"{}\"\ninsecure = true\n",
        reg.host()
    );
    let conf_dir = temp_dir("conf");
    let path = write(&conf_dir.path().join("insecure.conf"), &conf);
    let allowed = Ddigest::new().env("CONTAINERS_REGISTRIES_CONF", &path);
    assert_eq!(allowed.run(&[&reference]).digest(), img.digest);
}

/// An htpasswd registry over TLS holding `private/app:v1`, and its reference.
fn htpasswd_app() -> (Registry, crate::util::push::Pushed, String) {
    let reg = Registry::start(Auth::Htpasswd, true);
    let pusher = Pusher::new(&reg, PushAuth::Basic("alice", "correct horse"));
    let img = pusher.image("private/app", "v1", false, "linux/amd64");
    let reference = format!("{}/private/app:v1", reg.host());
    (reg, img, reference)
}

#[test]
fn auth_json_is_read_after_the_docker_config() {
    let (reg, img, reference) = htpasswd_app();
    let good = json!({"auths": {reg.host(): auth_entry("bob", "battery staple")}}).to_string();
    let bad = json!({"auths": {reg.host(): auth_entry("bob", "wrong")}}).to_string();

    let files = temp_dir("auth");
    let named = write(&files.path().join("named.json"), &good);
    let dd = Ddigest::new().env("REGISTRY_AUTH_FILE", &named);
    let run = dd.run(&["-v", "--ca-file", &ca(), &reference]);
    assert_eq!(run.digest(), img.digest);
    assert!(
        run.stderr
            .contains(&format!("credentials: {}", named.display())),
        "{}",
        run.stderr
    );

    let runtime = Ddigest::new();
    let runtime_dir = runtime.home.path().join("run");
    write(&runtime_dir.join("containers/auth.json"), &good);
    let runtime = runtime.env("XDG_RUNTIME_DIR", &runtime_dir);
    assert_eq!(
        runtime.run(&["--ca-file", &ca(), &reference]).digest(),
        img.digest
    );

    let home = Ddigest::new();
    write(
        &home.home.path().join(".config/containers/auth.json"),
        &good,
    );
    assert_eq!(
        home.run(&["--ca-file", &ca(), &reference]).digest(),
        img.digest
    );

    // The Docker config comes first: its good entry wins over auth.json's bad one.
    let both = Ddigest::new();
    both.config(&serde_json::from_str(&good).unwrap());
    write(&both.home.path().join(".config/containers/auth.json"), &bad);
    assert_eq!(
        both.run(&["--ca-file", &ca(), &reference]).digest(),
        img.digest
    );
    let broken = Ddigest::new().env(
        "REGISTRY_AUTH_FILE",
        &write(&files.path().join("broken.json"), "{"),
    );
    let run = broken.run(&["--ca-file", &ca(), &reference]);
    assert!(run.fails(1).contains("broken.json"), "{}", run.stderr);
}

#[test]
fn creds_and_password_stdin_come_before_every_file() {
    let (reg, img, reference) = htpasswd_app();
    let dd = Ddigest::new();
    dd.config(&json!({"auths": {reg.host(): auth_entry("bob", "wrong")}}));
    let flags = [
        "--ca-file",
        &ca(),
        "--creds",
        "alice:correct horse",
        &reference,
    ];
    assert_eq!(dd.run(&flags).digest(), img.digest);
    let wrong = dd.run(&["--ca-file", &ca(), "--creds", "alice:nope", &reference]);
    assert!(wrong.fails(1).contains("401"), "{}", wrong.stderr);
    assert!(!wrong.stderr.contains("nope"));

    let stdin = [
        "--ca-file",
        &ca(),
        "--username",
        "bob",
        "--password-stdin",
        &reference,
    ];
    let run = dd.run_with_stdin(&stdin, "battery staple\n");
    assert_eq!(run.digest(), img.digest);
    let both = dd.run_with_stdin(&["--username", "bob", "--password-stdin", "-"], "x\n");
    assert!(
        both.fails(2).contains("stdin cannot hold both"),
        "{}",
        both.stderr
    );
    let empty = dd.run_with_stdin(&stdin, "");
    assert!(
        empty.fails(1).contains("stdin holds no password"),
        "{}",
        empty.stderr
    );
}

/// `--creds USER` asks for the password on the terminal (here a pty made by
/// util-linux `script`, fed the password), and says what to do without one.
#[test]
fn creds_without_a_password_asks_on_the_terminal() {
    let (_reg, img, reference) = htpasswd_app();
    let no_tty = Ddigest::new().run(&["--ca-file", &ca(), "--creds", "alice", &reference]);
    assert!(
        no_tty.fails(1).contains("cannot ask for the password"),
        "{}",
        no_tty.stderr
    );

    let dir = temp_dir("prompt");
    let (out, typescript) = (dir.path().join("stdout"), dir.path().join("typescript"));
    let command = format!(
        "'{}' --ca-file '{}' --creds alice '{reference}' > '{}'",
        env!("CARGO_BIN_EXE_ddigest"),
        ca(),
        out.display()
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command])
        .arg(&typescript)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("CONTAINERS_REGISTRIES_CONF", dir.path().join("none.conf"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("script (util-linux) runs");
    use std::io::Write as _;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"correct horse\n").unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    let terminal = std::fs::read_to_string(&typescript).unwrap_or_default();
    assert!(status.success(), "{terminal}");
    assert!(terminal.contains("Password for alice: "), "{terminal:?}");
    assert_eq!(std::fs::read_to_string(&out).unwrap().trim(), img.digest);
}

#[test]
fn completions_and_the_man_page_come_from_the_binary() {
    let dd = Ddigest::new();
    let bash = dd.run(&["completions", "bash"]);
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    assert!(
        bash.stdout.contains("complete -F _ddigest") && bash.stdout.contains("--password-stdin")
    );
    let man = dd.run(&["man"]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(man.stdout.contains(".TH ddigest 1") && man.stdout.contains(".SH \"ddigest pin\""));
    assert!(
        dd.run(&["completions", "tcsh"]).code == 2,
        "an unknown shell is a usage error"
    );
}

#[test]
fn certs_d_gives_a_host_its_ca_and_client_certificate() {
    let reg = Registry::start_mutual_tls();
    let reference = format!("{}/app:v1", reg.host());
    let dd = Ddigest::new();
    let dir = dd
        .home
        .path()
        .join(".config/containers/certs.d")
        .join(reg.host());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&pki().ca_pem, dir.join("ca.crt")).unwrap();
    // The CA alone: the server is trusted, but it wants a client certificate.
    // Its refusal comes as an alert (then ddigest says what to do) or, under
    // TLS 1.3, as a connection closed under the request (closed, or a broken
    // pipe), depending on which is read first.
    let no_client = dd.run(&[&reference]);
    let said = no_client.fails(1).to_lowercase();
    assert!(
        said.contains("wants one: put client.cert and client.key in certs.d/")
            || said.contains("connection closed")
            || said.contains("broken pipe"),
        "{said}"
    );
    std::fs::copy(&pki().client_key, dir.join("client.key")).unwrap();
    let half = dd.run(&[&reference]);
    assert!(
        half.fails(1).contains("has no"),
        "a key without its certificate: {}",
        half.stderr
    );
    std::fs::copy(&pki().client_cert, dir.join("client.cert")).unwrap();
    let missing = dd.run(&[&reference]);
    assert!(
        missing.fails(3).contains("404"),
        "mutual TLS works, the image is not there: {}",
        missing.stderr
    );
    let other_host = Ddigest::new().run(&[&reference]);
    assert!(
        other_host
            .fails(1)
            .contains("TLS: certificate signed by unknown authority"),
        "certs.d is per host: {}",
        other_host.stderr
    );
}

#[test]
fn verbose_names_the_credential_source_and_never_shows_secrets() {
    let (server, reg) = token_registry();
    let img =
        Pusher::new(&reg, PushAuth::Token("alice")).image("private/app", "v1", true, "linux/amd64");
    let dd = Ddigest::new();
    dd.config(&json!({"auths": {reg.host(): auth_entry("bob", "battery staple")}}));
    let reference = format!("{}/private/app:v1", reg.host());
    let run = dd.run(&["-v", "--ca-file", &ca(), &reference]);
    assert_eq!(run.digest(), img.digest);
    let config = dd.docker_config_dir().join("config.json");
    let expected = [
        format!("ddigest: -v: HEAD https://{}/v2/private/app/manifests/v1: 401 Unauthorized HTTP/2.0 in ", reg.host()),
        format!("ddigest: -v: {}: credentials: auths of {}", reg.host(), config.display()),
        format!("ddigest: -v: token {} for repository:private/app:pull as bob: granted in ", server.realm()),
        format!("ddigest: -v: HEAD https://{}/v2/private/app/manifests/v1: 200 OK HTTP/2.0 in ", reg.host()),
    ];
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), expected.len(), "{}", run.stderr);
    for (line, start) in lines.iter().zip(&expected) {
        assert!(
            line.starts_with(start.as_str()),
            "{line:?} should start with {start:?}"
        );
    }
    assert!(
        lines[3].ends_with(" ms (Authorization: Bearer <redacted>)"),
        "{}",
        lines[3]
    );
    assert!(
        !run.stderr.contains("battery") && !run.stderr.contains("eyJ"),
        "{}",
        run.stderr
    );
}
