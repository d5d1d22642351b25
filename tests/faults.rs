//! Faults a real registry will not produce, made by the fault-injecting
//! proxy in front of the real registry: 503 storms with and without
//! `Retry-After`, 429, stalled and trickling servers, a lying digest header,
//! a wrong body for a by-digest request, oversized bodies, HEAD refused,
//! and a redirect to another host. Each test checks what reached the
//! server as well as what ddigest printed and its exit code.

use crate::util::fault_proxy::{Fault, FaultProxy, Seen};
use crate::util::push::{PushAuth, Pushed, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::Ddigest;
use std::time::{Duration, Instant};

const WRONG: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// A registry holding `app:v1`, and a proxy in front of it with `rule`.
fn behind_proxy(
    rule: impl Fn(&Seen, usize) -> Fault + Send + Sync + 'static,
) -> (Registry, FaultProxy, Pushed) {
    let reg = Registry::start(Auth::None, false);
    let image = Pusher::new(&reg, PushAuth::None).image("app", "v1", false, "linux/amd64");
    let proxy = FaultProxy::start("127.0.0.1", Some(reg.base_url()), rule);
    (reg, proxy, image)
}

fn status(code: u16, headers: &[(&str, &str)]) -> Fault {
    let hs = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Fault::Answer(code, hs, b"{}".to_vec())
}

fn methods(seen: &[Seen]) -> Vec<String> {
    seen.iter().map(|s| s.method.clone()).collect()
}

#[test]
fn a_503_storm_is_retried_quietly_unless_verbose() {
    let (_reg, proxy, image) = behind_proxy(|_, i| {
        if i < 2 {
            status(503, &[])
        } else {
            Fault::Forward
        }
    });
    let r = format!("{}/app:v1", proxy.addr);
    let quiet = Ddigest::new().run(&[&r]);
    assert_eq!(quiet.digest(), image.digest);
    assert_eq!(quiet.stderr, "");
    assert_eq!(methods(&proxy.seen()), ["HEAD", "HEAD", "HEAD"]);

    let (_reg, proxy, image) = behind_proxy(|_, i| {
        if i < 2 {
            status(503, &[])
        } else {
            Fault::Forward
        }
    });
    let r = format!("{}/app:v1", proxy.addr);
    let verbose = Ddigest::new().run(&["-v", &r]);
    assert_eq!(verbose.digest(), image.digest);
    let retries: Vec<&str> = verbose
        .stderr
        .lines()
        .filter(|l| l.contains("retry "))
        .collect();
    assert_eq!(retries.len(), 2, "{}", verbose.stderr);
    assert!(
        retries[0].contains("503") && retries[0].contains("retry 1 of 3"),
        "{}",
        retries[0]
    );
    // Every request is traced too: two 503s, then the 200.
    let heads: Vec<&str> = verbose
        .stderr
        .lines()
        .filter(|l| l.contains(": HEAD http://"))
        .collect();
    assert_eq!(heads.len(), 3, "{}", verbose.stderr);
    assert!(
        heads[0].contains("503 Service Unavailable") && heads[2].contains("200 OK"),
        "{heads:?}"
    );
}

/// `-v` traces each request with its status and time, names the kind of
/// Authorization without its value, and shows Docker Hub's rate-limit
/// header, which only a proxy can add here.
#[test]
fn verbose_traces_requests_and_the_rate_limit_left() {
    let (_reg, proxy, image) = behind_proxy(|_, _| {
        Fault::ForwardWith(vec![("RateLimit-Remaining".into(), "76;w=21600".into())])
    });
    let r = format!("{}/app:v1", proxy.addr);
    let run = Ddigest::new().run(&["-v", &r]);
    assert_eq!(run.digest(), image.digest);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("HEAD http://"))
        .unwrap_or_else(|| panic!("no traced HEAD in {}", run.stderr));
    assert!(
        line.starts_with("ddigest: -v: HEAD http://127.0.0.1:"),
        "{line}"
    );
    assert!(
        line.contains(": 200 OK HTTP/1.1; RateLimit-Remaining: 76;w=21600 in "),
        "{line}"
    );
    assert!(line.contains(" ms (no Authorization)"), "{line}");
}

#[test]
fn an_endless_storm_gives_up_after_the_retries() {
    let (_reg, proxy, _) = behind_proxy(|_, _| status(503, &[]));
    let r = format!("{}/app:v1", proxy.addr);
    let run = Ddigest::new().run(&["--retries", "2", &r]);
    assert!(run.fails(1).contains("503"), "{}", run.stderr);
    // HEAD three times, and no GET after a 5xx.
    assert_eq!(methods(&proxy.seen()), ["HEAD", "HEAD", "HEAD"]);
    let (_reg, proxy, _) = behind_proxy(|_, _| status(500, &[]));
    let none = Ddigest::new().run(&["--retries", "0", &format!("{}/app:v1", proxy.addr)]);
    none.fails(1);
    assert_eq!(proxy.seen().len(), 1);
}

#[test]
fn retry_after_is_honoured_in_seconds_and_as_a_date() {
    /// Resolves through a proxy whose first answer is `first()`; returns
    /// how long that took.
    fn resolve_after(first: impl Fn() -> Fault + Send + Sync + 'static) -> Duration {
        let (_reg, proxy, image) =
            behind_proxy(move |_, i| if i == 0 { first() } else { Fault::Forward });
        let started = Instant::now();
        let run = Ddigest::new().run(&[&format!("{}/app:v1", proxy.addr)]);
        assert_eq!(run.digest(), image.digest);
        started.elapsed()
    }
    let seconds = resolve_after(|| status(429, &[("Retry-After", "1")]));
    assert!(seconds >= Duration::from_millis(950), "waited {seconds:?}");
    let date = resolve_after(|| {
        let when = std::time::SystemTime::now() + Duration::from_secs(2);
        let value = httpdate::fmt_http_date(when);
        Fault::Answer(503, vec![("Retry-After".into(), value)], Vec::new())
    });
    assert!(date >= Duration::from_millis(900), "waited {date:?}");
    // 4xx other than 408/429 are not retried (a refused HEAD tries GET once).
    let (_reg, proxy, _) = behind_proxy(|_, _| status(403, &[]));
    let denied = Ddigest::new().run(&[&format!("{}/app:v1", proxy.addr)]);
    assert!(denied.fails(1).contains("403"), "{}", denied.stderr);
    assert_eq!(methods(&proxy.seen()), ["HEAD", "GET"]);
}

#[test]
fn stalled_and_trickling_servers_time_out() {
    let (_reg, stalled, _) = behind_proxy(|_, _| Fault::Stall);
    let started = Instant::now();
    let run = Ddigest::new().run(&["--timeout", "1", &format!("{}/app:v1", stalled.addr)]);
    assert!(run.fails(1).contains("timed out"), "{}", run.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );

    let (_reg, trickle, _) = behind_proxy(|seen, _| {
        if seen.method == "HEAD" {
            status(405, &[])
        } else {
            Fault::Trickle(600)
        }
    });
    let started = Instant::now();
    let run = Ddigest::new().run(&["--timeout", "1.5", &format!("{}/app:v1", trickle.addr)]);
    run.fails(1);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn one_hanging_registry_does_not_hold_up_the_others() {
    let (_reg, stalled, _) = behind_proxy(|_, _| Fault::Stall);
    let (_reg2, healthy, image) = behind_proxy(|_, _| Fault::Forward);
    let hung = format!("{}/app:v1", stalled.addr);
    let fine = format!("{}/app:v1", healthy.addr);
    let run = Ddigest::new().run(&["--timeout", "1", &hung, &fine]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, format!("{}  {fine}\n", image.digest));
    assert!(
        run.stderr.starts_with(&format!("ddigest: {hung}: ")),
        "{}",
        run.stderr
    );
}

#[test]
fn head_refused_or_without_digest_falls_back_to_get() {
    let (_reg, refused, image) = behind_proxy(|seen, _| {
        if seen.method == "HEAD" {
            status(405, &[])
        } else {
            Fault::Forward
        }
    });
    let run = Ddigest::new().run(&[&format!("{}/app:v1", refused.addr)]);
    assert_eq!(run.digest(), image.digest);
    assert_eq!(methods(&refused.seen()), ["HEAD", "GET"]);

    let (_reg, bare, image) = behind_proxy(|seen, _| {
        if seen.method == "HEAD" {
            status(200, &[("Content-Type", "application/json")])
        } else {
            Fault::Forward
        }
    });
    let run = Ddigest::new().run(&[&format!("{}/app:v1", bare.addr)]);
    assert_eq!(run.digest(), image.digest);
    assert_eq!(methods(&bare.seen()), ["HEAD", "GET"]);
}

#[test]
fn a_lying_digest_header_is_caught_when_the_bytes_are_read() {
    let lie = vec![("Docker-Content-Digest".to_string(), WRONG.to_string())];
    let (_reg, proxy, image) = behind_proxy(move |seen, _| {
        if seen.method == "HEAD" {
            status(405, &[])
        } else {
            Fault::ForwardWith(lie.clone())
        }
    });
    let r = format!("{}/app:v1", proxy.addr);
    let warned = Ddigest::new().run(&[&r]);
    assert_eq!(warned.digest(), image.digest, "the digest of the bytes");
    assert!(
        warned.stderr.contains("warning") && warned.stderr.contains(WRONG),
        "{}",
        warned.stderr
    );
    let verified = Ddigest::new().run(&["--verify", &r]);
    let err = verified.fails(1);
    assert!(err.contains(WRONG) && err.contains(&image.digest), "{err}");
}

#[test]
fn by_digest_bytes_must_hash_to_the_digest() {
    let other = br#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{}}"#;
    let (_reg, proxy, image) = behind_proxy(move |_, _| {
        let hs = vec![(
            "Content-Type".to_string(),
            "application/vnd.docker.distribution.manifest.v2+json".to_string(),
        )];
        Fault::Answer(200, hs, other.to_vec())
    });
    let run = Ddigest::new().run(&[&format!("{}/app@{}", proxy.addr, image.digest)]);
    let err = run.fails(1);
    assert!(err.contains("digest mismatch"), "{err}");
}

#[test]
fn a_config_blob_that_does_not_hash_to_its_digest_is_a_digest_mismatch() {
    let (_reg, proxy, _image) = behind_proxy(|seen, _| {
        if seen.path.contains("/blobs/") {
            let other = br#"{"architecture":"amd64","os":"linux","rootfs":{}}"#;
            Fault::Answer(200, vec![], other.to_vec())
        } else {
            Fault::Forward
        }
    });
    let reference = format!("{}/app:v1", proxy.addr);
    for args in [
        vec!["--format", "json", "--platform", "linux/amd64", &reference],
        vec!["ls", "--format", "json", &reference],
    ] {
        let run = Ddigest::new().run(&args);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("the image config hashes to"),
            "{}",
            run.stderr
        );
        if args[0] != "ls" {
            let line: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("json");
            assert_eq!(line["error"]["code"], "digest_mismatch");
        }
    }
}

#[test]
fn oversized_and_short_bodies_are_errors() {
    let big = vec![b' '; 5 * 1024 * 1024];
    let (_reg, proxy, image) = behind_proxy(move |_, _| Fault::Answer(200, vec![], big.clone()));
    let run = Ddigest::new().run(&[
        "--retries",
        "0",
        "--format",
        "json",
        &format!("{}/app@{}", proxy.addr, image.digest),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("limit"), "{}", run.stderr);
    let line: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("json");
    assert_eq!(line["error"]["code"], "too_large");

    // Content-Length says more than is sent: the body is cut short.
    let (_reg, proxy, image) = behind_proxy(|_, _| {
        Fault::Answer(
            200,
            vec![("Content-Length".into(), "4000".into())],
            b"{}".to_vec(),
        )
    });
    let run = Ddigest::new().run(&[
        "--retries",
        "0",
        &format!("{}/app@{}", proxy.addr, image.digest),
    ]);
    run.fails(1);
}

#[test]
fn a_redirect_to_another_host_carries_no_authorization() {
    // The real registry behind B; A asks for Basic credentials, then sends
    // the manifest request on to B, another host (127.0.0.2).
    let reg = Registry::start(Auth::None, false);
    let image = Pusher::new(&reg, PushAuth::None).image("app", "v1", false, "linux/amd64");
    let b = FaultProxy::start("127.0.0.2", Some(reg.base_url()), |_, _| Fault::Forward);
    let b_addr = b.addr.clone();
    let a = FaultProxy::start("127.0.0.1", None, move |seen, _| {
        match &seen.authorization {
            None => status(401, &[("WWW-Authenticate", "Basic realm=\"a\"")]),
            Some(_) => status(
                307,
                &[("Location", &format!("http://{b_addr}{}", seen.path))],
            ),
        }
    });
    let dd = Ddigest::new();
    dd.config(&serde_json::json!({"auths": {a.addr.clone(): crate::util::push::auth_entry("alice", "secret-password")}}));
    let run = dd.run(&[&format!("{}/app:v1", a.addr)]);
    assert_eq!(run.digest(), image.digest);
    let at_a = a.seen();
    assert!(at_a.iter().any(|s| s.authorization.is_some()), "{at_a:?}");
    let at_b = b.seen();
    assert!(!at_b.is_empty());
    assert!(at_b.iter().all(|s| s.authorization.is_none()), "{at_b:?}");
    assert!(!run.stderr.contains("secret-password"));
}

#[test]
fn a_redirect_from_https_to_http_is_refused() {
    // The real registry, over TLS, sends blob downloads to a plain-HTTP
    // "CDN" on another host (its redirect storage middleware).
    let cdn = FaultProxy::start("127.0.0.2", None, |_, _| status(200, &[]));
    let extra = format!(
        "middleware:\n  storage:\n    - name: redirect\n      options:\n        baseurl: http://{}/\n",
        cdn.addr
    );
    let reg = Registry::start_with(Auth::None, true, &extra);
    let image = Pusher::new(&reg, PushAuth::None).image("app", "v1", false, "linux/amd64");
    let ca = crate::util::certs::pki().ca_pem.display().to_string();
    let r = format!("{}/app:v1", reg.host());
    let dd = Ddigest::new();
    // The manifest itself is served by the registry: no redirect.
    assert_eq!(dd.run(&["--ca-file", &ca, &r]).digest(), image.digest);
    // The config blob (read for --platform) is redirected to http://: refused.
    let run = dd.run(&["--ca-file", &ca, "--platform", "linux/amd64", &r]);
    let err = run.fails(1);
    assert!(err.contains("HTTPS to plain HTTP"), "{err}");
    assert!(cdn.seen().is_empty(), "nothing reached the plain-HTTP host");
}

#[test]
fn broken_auth_and_broken_lists_are_clear_errors() {
    let dd = Ddigest::new();
    let challenge = |value: &'static str| {
        FaultProxy::start("127.0.0.1", None, move |_, _| {
            status(401, &[("WWW-Authenticate", value)])
        })
    };
    let garbage = challenge("Bearer realm=\"unterminated");
    let run = dd.run(&[&format!("{}/app:v1", garbage.addr)]);
    assert!(run.fails(1).contains("WWW-Authenticate"), "{}", run.stderr);
    let ftp = challenge("Bearer realm=\"ftp://127.0.0.1/token\"");
    let run = dd.run(&[&format!("{}/app:v1", ftp.addr)]);
    assert!(
        run.fails(1).contains("not an http(s) URL"),
        "{}",
        run.stderr
    );

    // A token server whose answer holds no token.
    let tokens = FaultProxy::start("127.0.0.1", None, |_, _| status(200, &[]));
    let realm = format!(
        "Bearer realm=\"http://{}/token\",service=\"x\"",
        tokens.addr
    );
    let tokenless = FaultProxy::start("127.0.0.1", None, move |_, _| {
        Fault::Answer(
            401,
            vec![("WWW-Authenticate".into(), realm.clone())],
            Vec::new(),
        )
    });
    let run = dd.run(&[&format!("{}/app:v1", tokenless.addr)]);
    let err = run.fails(1);
    assert!(
        err.contains("neither \"token\" nor \"access_token\""),
        "{err}"
    );
    assert_eq!(tokens.seen().len(), 1, "asked once, not looped on");

    let list = FaultProxy::start("127.0.0.1", None, |_, _| {
        let hs = vec![(
            "Content-Type".to_string(),
            "application/vnd.oci.image.index.v1+json".to_string(),
        )];
        Fault::Answer(200, hs, b"{\"manifests\": [{\"digest\": 12}".to_vec())
    });
    let run = dd.run(&[
        "--platform",
        "linux/amd64",
        &format!("{}/app:v1", list.addr),
    ]);
    assert!(run.fails(1).contains("not JSON"), "{}", run.stderr);

    // Each of these is the registry's fault, said with its own code.
    let code = |args: &[&str]| -> String {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let run = dd.run(&all);
        let line: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("json");
        line["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let at = |proxy: &FaultProxy| format!("{}/app:v1", proxy.addr);
    assert_eq!(code(&[&at(&garbage)]), "registry");
    assert_eq!(code(&[&at(&ftp)]), "registry");
    assert_eq!(code(&[&at(&tokenless)]), "registry");
    assert_eq!(
        code(&["--platform", "linux/amd64", &at(&list)]),
        "bad_manifest"
    );
}

/// Docker Hub's rate limit headers: a 429 with nothing left for hours fails
/// at once, saying the limit, what remains, and that credentials raise it;
/// one that resets within the retries' patience is waited for.
#[test]
fn rate_limits_are_said_plainly_and_not_retried_in_vain() {
    let hub = [
        ("RateLimit-Limit", "100;w=21600"),
        ("RateLimit-Remaining", "0;w=21600"),
    ];
    let (_reg, proxy, _) = behind_proxy(move |_, _| status(429, &hub));
    let reference = format!("{}/app:v1", proxy.addr);
    let started = Instant::now();
    let run = Ddigest::new().run(&[&reference]);
    let said = run.fails(1).to_string();
    assert!(
        said.contains(
            "429 Too Many Requests; rate limited: the limit is 100 requests per 6 h, 0 remain"
        ),
        "{said}"
    );
    assert!(said.contains("--creds"), "{said}");
    assert_eq!(proxy.seen().len(), 1, "not retried: {:?}", proxy.seen());
    assert!(started.elapsed() < Duration::from_secs(2));
    let json = Ddigest::new().run(&["--format", "json", &reference]);
    let v: serde_json::Value = serde_json::from_str(json.stdout.trim()).expect("json");
    assert_eq!(v["error"]["code"], "rate_limited");

    // Nothing left, but back in a second: waited for.
    let soon = [("RateLimit-Remaining", "0"), ("Retry-After", "1")];
    let (_reg, proxy, image) = behind_proxy(move |_, i| {
        if i == 0 {
            status(429, &soon)
        } else {
            Fault::Forward
        }
    });
    let run = Ddigest::new().run(&[&format!("{}/app:v1", proxy.addr)]);
    assert_eq!(run.digest(), image.digest);

    // Budget left but 429s all the same: retried, then said with the limit.
    let left = [
        ("RateLimit-Limit", "10;w=60"),
        ("RateLimit-Remaining", "3;w=60"),
    ];
    let (_reg, proxy, _) = behind_proxy(move |_, _| status(429, &left));
    let run = Ddigest::new().run(&["--retries", "1", &format!("{}/app:v1", proxy.addr)]);
    assert!(
        run.fails(1)
            .contains("the limit is 10 requests per 60 s, 3 remain"),
        "{}",
        run.stderr
    );
    assert_eq!(proxy.seen().len(), 2, "one retry");
}
