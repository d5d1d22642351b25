//! Authentication against the real registry: htpasswd Basic over TLS with a
//! generated CA, and distribution's token mode with the test token server.
//! Credentials come from a test-written config.json, a credential helper on
//! PATH, or an identity token exchanged at the realm.

use crate::util::certs::pki;
use crate::util::push::{auth_entry, PushAuth, Pushed, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::token_server::{token_registry, TokenServer, REFRESH_TOKEN, SERVICE};
use crate::util::{skopeo_digest, Ddigest};
use serde_json::json;

fn ca() -> String {
    pki().ca_pem.display().to_string()
}

/// A token-auth registry holding `private/app:v1`, which only users may pull.
fn token_registry_with_private_app() -> (TokenServer, Registry, Pushed) {
    let (server, reg) = token_registry();
    let img = Pusher::new(&reg, PushAuth::Token("alice")).image(
        "private/app",
        "v1",
        false,
        "linux/amd64",
    );
    (server, reg, img)
}

/// Runs ddigest on `private/app:v1` of `reg`, trusting the test CA.
fn resolve_private(dd: &Ddigest, reg: &Registry) -> crate::util::Run {
    dd.run(&[
        "--ca-file",
        &ca(),
        &format!("{}/private/app:v1", reg.host()),
    ])
}

#[test]
fn htpasswd_basic_over_tls() {
    let reg = Registry::start(Auth::Htpasswd, true);
    let img = Pusher::new(&reg, PushAuth::Basic("alice", "correct horse")).image(
        "private/app",
        "v1",
        false,
        "linux/amd64",
    );
    let reference = format!("{}/private/app:v1", reg.host());

    let anonymous = Ddigest::new().run(&["--ca-file", &ca(), &reference]);
    assert!(
        anonymous.fails(1).contains("none is configured"),
        "{}",
        anonymous.stderr
    );

    let dd = Ddigest::new();
    dd.config(&json!({"auths": {reg.host(): auth_entry("bob", "battery staple")}}));
    assert_eq!(
        dd.run(&["--ca-file", &ca(), &reference]).digest(),
        img.digest
    );
    assert_eq!(
        dd.run(&["--ca-file", &ca(), "--verify", &reference])
            .digest(),
        img.digest
    );

    let wrong = Ddigest::new();
    wrong.config(&json!({"auths": {reg.host(): auth_entry("bob", "wrong password")}}));
    let run = wrong.run(&["--ca-file", &ca(), &reference]);
    assert!(run.fails(1).contains("401"), "{}", run.stderr);
    assert!(!run.stderr.contains("wrong password"));

    let certs = crate::util::temp_dir("certs");
    std::fs::copy(&pki().ca_pem, certs.path().join("ca.crt")).expect("copy CA");
    let cert_dir = format!("--cert-dir={}", certs.path().display());
    assert_eq!(
        skopeo_digest(&reference, &[&cert_dir, "--creds=bob:battery staple"]),
        img.digest
    );
}

#[test]
fn tls_registry_with_an_unknown_ca_is_refused() {
    let reg = Registry::start(Auth::None, true);
    Pusher::new(&reg, PushAuth::None).image("app", "v1", false, "linux/amd64");
    let run = Ddigest::new().run(&[&format!("{}/app:v1", reg.host())]);
    assert!(
        run.fails(1).to_lowercase().contains("certificate"),
        "{}",
        run.stderr
    );
    let insecure = Ddigest::new().run(&["--insecure", &format!("{}/app:v1", reg.host())]);
    insecure.digest();
}

/// System roots are read lazily, the bundle file first and the certificate
/// directory only for issuers the bundle does not know: a CA in either is
/// trusted, one in neither is not.
#[test]
fn system_roots_come_from_the_bundle_file_or_the_certificate_directory() {
    let reg = Registry::start(Auth::None, true);
    let img = Pusher::new(&reg, PushAuth::None).image("app", "v1", false, "linux/amd64");
    let reference = format!("{}/app:v1", reg.host());
    let roots = crate::util::temp_dir("roots");
    let (bundle, dir, other) = (
        roots.path().join("bundle.pem"),
        roots.path().join("certs"),
        roots.path().join("empty.pem"),
    );
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(&pki().ca_pem, &bundle).unwrap();
    std::fs::copy(&pki().ca_pem, dir.join("test-ca.pem")).unwrap();
    std::fs::write(&other, "").unwrap();
    let empty_dir = roots.path().join("none");
    std::fs::create_dir(&empty_dir).unwrap();

    let in_bundle = Ddigest::new()
        .env("SSL_CERT_FILE", &bundle)
        .env("SSL_CERT_DIR", &empty_dir);
    assert_eq!(in_bundle.run(&[&reference]).digest(), img.digest);
    // The bundle holds another CA (the token signer's), so the issuer is
    // unknown to it and the folder is read.
    let unrelated = &pki().signing_cert_pem;
    let in_dir = Ddigest::new()
        .env("SSL_CERT_FILE", unrelated)
        .env("SSL_CERT_DIR", &dir);
    assert_eq!(in_dir.run(&[&reference]).digest(), img.digest);
    let only_unrelated = Ddigest::new()
        .env("SSL_CERT_FILE", unrelated)
        .env("SSL_CERT_DIR", &empty_dir);
    let unknown = only_unrelated.run(&[&reference]);
    assert!(
        unknown
            .fails(1)
            .contains("TLS: certificate signed by unknown authority"),
        "{}",
        unknown.stderr
    );
    let nowhere = Ddigest::new()
        .env("SSL_CERT_FILE", &other)
        .env("SSL_CERT_DIR", &empty_dir);
    let refused = nowhere.run(&[&reference]);
    assert!(
        refused.fails(1).contains("no CA certificates"),
        "{}",
        refused.stderr
    );
}

#[test]
fn token_auth_anonymous_pull_of_a_public_repository() {
    let (server, reg) = token_registry();
    let img =
        Pusher::new(&reg, PushAuth::Token("alice")).image("public/tool", "2", true, "linux/amd64");
    let run = Ddigest::new().run(&["--ca-file", &ca(), &format!("{}/public/tool:2", reg.host())]);
    assert_eq!(run.digest(), img.digest);
    let path = "/v2/public/tool/manifests/2".to_string();
    let expected = [
        ("HEAD".to_string(), path.clone(), 401),
        ("HEAD".to_string(), path, 200),
    ];
    assert_eq!(
        reg.ddigest_requests(2),
        expected,
        "challenge, then the answer"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "one token request: {requests:?}");
    assert!(requests[0].authorization.is_none(), "anonymous");
    assert!(
        requests[0]
            .target
            .contains("scope=repository%3Apublic%2Ftool%3Apull"),
        "{}",
        requests[0].target
    );
    assert!(requests[0].target.contains(&format!("service={SERVICE}")));
}

#[test]
fn token_auth_private_repository_with_config_credentials() {
    let (server, reg, img) = token_registry_with_private_app();
    let anonymous = resolve_private(&Ddigest::new(), &reg);
    assert!(anonymous.fails(1).contains("401"), "{}", anonymous.stderr);

    let dd = Ddigest::new();
    dd.config(&json!({"auths": {reg.host(): auth_entry("bob", "battery staple")}}));
    assert_eq!(resolve_private(&dd, &reg).digest(), img.digest);
    let last = server.requests().pop().expect("a token request");
    assert!(last.authorization.is_some_and(|a| a.starts_with("Basic ")));

    // A body without `errors[]` is shown, in the registry's own words.
    let wrong = Ddigest::new();
    wrong.config(&json!({"auths": {reg.host(): auth_entry("bob", "wrong")}}));
    let refused = resolve_private(&wrong, &reg);
    let said = refused.fails(1);
    assert!(
        said.contains("401 Unauthorized: incorrect username or password"),
        "{said}"
    );
}

#[test]
fn without_home_no_config_is_read_from_the_working_directory() {
    let (_server, reg, _img) = token_registry_with_private_app();
    let cwd = crate::util::temp_dir("cwd");
    let docker = cwd.path().join(".docker");
    std::fs::create_dir_all(&docker).expect("mkdir");
    let good = json!({"auths": {reg.host(): auth_entry("bob", "battery staple")}});
    std::fs::write(docker.join("config.json"), good.to_string()).expect("write");
    let reference = format!("{}/private/app:v1", reg.host());
    let run = Ddigest::new().unset("HOME").unset("DOCKER_CONFIG").run_in(
        cwd.path(),
        &["--ca-file", &ca(), "--format", "json", &reference],
    );
    let line: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("json");
    assert_eq!(line["error"]["code"], "unauthorized", "{}", run.stderr);
}

#[test]
fn token_auth_with_a_credential_helper() {
    let (_server, reg, img) = token_registry_with_private_app();
    let mut dd = Ddigest::new();
    let host = reg.host();
    let not_found = "{ echo 'credentials not found in native keychain'; exit 1; }";
    let reply = format!(r#"{{"ServerURL":"{host}","Username":"bob","Secret":"battery staple"}}"#);
    let script = format!(
        "read server\n[ \"$1\" = get ] || exit 2\n[ \"$server\" = \"{host}\" ] || {not_found}\necho '{reply}'"
    );
    dd.helper("testhelper", &script);
    dd.config(&json!({"credHelpers": {host.clone(): "testhelper"}}));
    assert_eq!(resolve_private(&dd, &reg).digest(), img.digest);

    // A helper that is missing is a clear error naming it.
    let missing = Ddigest::new();
    missing.config(&json!({"credsStore": "not-installed"}));
    let err = resolve_private(&missing, &reg);
    assert!(
        err.fails(1).contains("docker-credential-not-installed"),
        "{}",
        err.stderr
    );
}

#[test]
fn token_auth_with_an_identity_token() {
    let (server, reg, img) = token_registry_with_private_app();
    let dd = Ddigest::new();
    dd.config(&json!({"auths": {reg.host(): {"identitytoken": REFRESH_TOKEN}}}));
    assert_eq!(resolve_private(&dd, &reg).digest(), img.digest);
    let requests = server.requests();
    let post = requests
        .iter()
        .find(|r| r.method == "POST")
        .expect("a POST to the realm");
    assert!(
        post.body.contains("grant_type=refresh_token"),
        "{}",
        post.body
    );
    assert!(
        post.body
            .contains(&format!("refresh_token={REFRESH_TOKEN}")),
        "{}",
        post.body
    );
}

#[test]
fn registry_token_from_the_config_is_sent_as_is() {
    let (server, reg, img) = token_registry_with_private_app();
    let dd = Ddigest::new();
    let token = TokenServer::token_for("bob", "private/app", &["pull"]);
    dd.config(&json!({"auths": {reg.host(): {"registrytoken": token}}}));
    assert_eq!(resolve_private(&dd, &reg).digest(), img.digest);
    let requests = server.requests();
    assert!(requests.is_empty(), "no token request: {requests:?}");
}

#[test]
fn malformed_config_names_its_path() {
    let (_server, reg) = token_registry();
    let dd = Ddigest::new();
    std::fs::create_dir_all(dd.docker_config_dir()).expect("dir");
    std::fs::write(dd.docker_config_dir().join("config.json"), "{not json").expect("write");
    let run = dd.run(&["--ca-file", &ca(), &format!("{}/public/x:1", reg.host())]);
    assert!(run.fails(1).contains("config.json"), "{}", run.stderr);
}

/// Prepares a ddigest home for one case.
type Setup<'a> = Box<dyn Fn(&mut Ddigest) + 'a>;

#[test]
fn broken_credentials_fail_their_registry_only() {
    let plain = Registry::start(Auth::None, false);
    let open = Pusher::new(&plain, PushAuth::None).image("app", "v1", false, "linux/amd64");
    let locked = Registry::start(Auth::Htpasswd, true);
    Pusher::new(&locked, PushAuth::Basic("alice", "correct horse")).image(
        "app",
        "v1",
        false,
        "linux/amd64",
    );
    let (open_ref, locked_ref) = (
        format!("{}/app:v1", plain.host()),
        format!("{}/app:v1", locked.host()),
    );
    let helper = |dd: &mut Ddigest, script: &str| {
        dd.helper("broken", script);
        dd.config(&json!({"credHelpers": {locked.host(): "broken"}}));
    };
    let cases: Vec<(&str, Setup)> = vec![
        (
            "config.json",
            Box::new(|dd: &mut Ddigest| {
                std::fs::create_dir_all(dd.docker_config_dir()).expect("dir");
                std::fs::write(dd.docker_config_dir().join("config.json"), "[1,").expect("write");
            }),
        ),
        (
            "docker-credential-missing",
            Box::new(|dd: &mut Ddigest| {
                dd.config(&json!({"credHelpers": {locked.host(): "missing"}}));
            }),
        ),
        (
            "docker-credential-broken",
            Box::new(|dd: &mut Ddigest| helper(dd, "echo 'secret-in-output' >&2; exit 7")),
        ),
        (
            "docker-credential-broken",
            Box::new(|dd: &mut Ddigest| helper(dd, "echo 'not json, secret-in-output'")),
        ),
    ];
    for (named, setup) in cases {
        let mut dd = Ddigest::new();
        setup(&mut dd);
        let run = dd.run(&["--ca-file", &ca(), &open_ref, &locked_ref]);
        assert_eq!(run.code, 1, "{named}: {}", run.stderr);
        assert_eq!(
            run.stdout,
            format!("{}  {open_ref}\n", open.digest),
            "{named}"
        );
        assert!(
            run.stderr.starts_with(&format!("ddigest: {locked_ref}: "))
                && run.stderr.contains(named),
            "{named}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("secret-in-output"), "{}", run.stderr);
    }
}
