//! Many references in one run against the real registry: a batch of more
//! than 100 references over several repositories with failures in the
//! middle, printed in input order whatever the concurrency, and what it
//! cost, read from the registry's access log and the token server's log.

use crate::util::certs::pki;
use crate::util::push::{auth_entry, PushAuth, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::token_server::token_registry;
use crate::util::Ddigest;
use serde_json::json;
use std::collections::HashMap;

const REPOS: usize = 5;
const TAGS: usize = 20;

/// Pushes `public/r0..r4`, each with tags `t0..t19` on one image; returns
/// the digest of each repository's image.
fn push_public_repos(reg: &Registry) -> Vec<String> {
    let p = Pusher::new(reg, PushAuth::Token("alice"));
    (0..REPOS)
        .map(|r| {
            let repo = format!("public/r{r}");
            let image = p.image(&repo, "t0", r % 2 == 0, "linux/amd64");
            for t in 1..TAGS {
                p.manifest(
                    &repo,
                    &format!("t{t}"),
                    image.media_type,
                    image.bytes.clone(),
                );
            }
            image.digest
        })
        .collect()
}

/// 100 good references interleaved over the repositories, with a missing
/// tag, an invalid reference and a missing repository in the middle and a
/// repeat at the end. Returns (input, expected digest or None).
fn batch_inputs(host: &str, digests: &[String]) -> Vec<(String, Option<String>)> {
    let mut inputs = Vec::new();
    for t in 0..TAGS {
        for (r, digest) in digests.iter().enumerate() {
            inputs.push((format!("{host}/public/r{r}:t{t}"), Some(digest.clone())));
        }
    }
    inputs.insert(30, (format!("{host}/public/r1:no-such-tag"), None));
    inputs.insert(61, ("Bad/Ref".to_string(), None));
    inputs.insert(92, (format!("{host}/public/r9:t0"), None));
    inputs.push(inputs[0].clone());
    inputs
}

/// Runs the batch: half as arguments, half from stdin through `-`.
fn run_batch(
    dd: &Ddigest,
    inputs: &[(String, Option<String>)],
    extra: &[&str],
) -> crate::util::Run {
    let ca = pki().ca_pem.display().to_string();
    let lines: Vec<&str> = inputs.iter().map(|(i, _)| i.as_str()).collect();
    let (head, tail) = lines.split_at(50);
    let (piped, after) = tail.split_at(tail.len() - 3);
    let mut args = vec!["--ca-file", ca.as_str()];
    args.extend_from_slice(extra);
    args.extend_from_slice(head);
    args.push("-");
    args.extend_from_slice(after);
    let stdin = format!("# piped part\n\n{}\n", piped.join("\n  \n"));
    dd.run_with_stdin(&args, &stdin)
}

#[test]
fn a_batch_of_100_references_costs_one_token_and_one_request_each() {
    let (server, reg) = token_registry();
    let digests = push_public_repos(&reg);
    let pushes = server.requests().len();
    let inputs = batch_inputs(&reg.host(), &digests);
    assert!(inputs.len() >= 104);

    let run = run_batch(&Ddigest::new(), &inputs, &[]);
    // The first failure in input order is the missing tag: exit 3.
    assert_eq!(run.code, 3, "{}", run.stderr);
    let want: String = inputs
        .iter()
        .filter_map(|(input, digest)| Some(format!("{}  {input}\n", digest.as_ref()?)))
        .collect();
    assert_eq!(run.stdout, want, "input order, DIGEST  REF");
    let failed: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(failed.len(), 3, "{}", run.stderr);
    for (line, input) in failed
        .iter()
        .zip(inputs.iter().filter(|(_, d)| d.is_none()))
    {
        assert!(
            line.starts_with(&format!("ddigest: {}: ", input.0)),
            "{line}"
        );
    }
    assert!(
        failed[1].contains("invalid reference format"),
        "{}",
        failed[1]
    );
    assert!(
        !run.stderr.contains('\r'),
        "no progress when stderr is not a terminal"
    );

    // One token request, carrying every repository's scope.
    let tokens = &server.requests()[pushes..];
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    let scopes = tokens[0].target.matches("scope=").count();
    assert_eq!(scopes, REPOS + 1, "{}", tokens[0].target);
    // One /v2/ ping, then one HEAD per distinct reference, none refused.
    let distinct = inputs.len() - 2; // the repeat, and the invalid one
    let requests = reg.ddigest_requests(distinct + 1);
    assert_eq!(requests.len(), distinct + 1, "{requests:?}");
    assert_eq!(requests[0], ("GET".into(), "/v2/".into(), 401));
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    for (method, _, status) in &requests[1..] {
        assert_eq!(method, "HEAD");
        *statuses.entry(*status).or_default() += 1;
    }
    assert_eq!(statuses, HashMap::from([(200, distinct - 2), (404, 2)]));
    // Over TLS the registry offers HTTP/2, and every request used it.
    let log = reg.log();
    let ours = log.lines().filter(|l| l.contains("\"ddigest/"));
    assert!(ours.clone().all(|l| l.contains(" HTTP/2.0\"")), "{log}");
    assert_eq!(ours.count(), distinct + 1);
}

#[test]
fn many_tags_of_one_repository_cost_one_token_too() {
    let (server, reg) = token_registry();
    let digests = push_public_repos(&reg);
    let pushes = server.requests().len();
    let refs: Vec<String> = (0..TAGS)
        .map(|t| format!("{}/public/r3:t{t}", reg.host()))
        .collect();
    let ca = pki().ca_pem.display().to_string();
    let mut args = vec!["--no-ref", "--ca-file", ca.as_str()];
    args.extend(refs.iter().map(String::as_str));
    let run = Ddigest::new().run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!("{}\n", digests[3]).repeat(TAGS));
    assert_eq!(server.requests().len() - pushes, 1);
    let requests = reg.ddigest_requests(TAGS + 1);
    assert_eq!(
        requests.len(),
        TAGS + 1,
        "a ping, then one HEAD per tag: {requests:?}"
    );
    assert!(requests[1..]
        .iter()
        .all(|(m, _, s)| m == "HEAD" && *s == 200));
}

#[test]
fn output_order_does_not_depend_on_concurrency() {
    let (_server, reg) = token_registry();
    let digests = push_public_repos(&reg);
    let inputs = batch_inputs(&reg.host(), &digests);
    let dd = Ddigest::new();
    let serial = run_batch(&dd, &inputs, &["-j", "1", "--no-ref"]);
    let wide = run_batch(&dd, &inputs, &["--jobs", "64", "--no-ref"]);
    assert_eq!(serial.code, 3);
    assert_eq!(serial.stdout, wide.stdout);
    assert_eq!(serial.stderr, wide.stderr);
    let want: Vec<&str> = inputs.iter().filter_map(|(_, d)| d.as_deref()).collect();
    assert_eq!(serial.stdout.lines().collect::<Vec<_>>(), want);
}

#[test]
fn repositories_the_token_server_refuses_get_a_token_of_their_own() {
    let (server, reg) = token_registry();
    let p = Pusher::new(&reg, PushAuth::Token("alice"));
    let public = p.image("public/app", "v1", false, "linux/amd64");
    let private = p.image("private/app", "v1", false, "linux/amd64");
    let pushes = server.requests().len();
    let h = reg.host();
    let ca = pki().ca_pem.display().to_string();
    let refs = [format!("{h}/public/app:v1"), format!("{h}/private/app:v1")];
    let args = |dd: &Ddigest| dd.run(&["--ca-file", &ca, &refs[0], &refs[1]]);

    // Anonymous: one token for both scopes grants only public/; private/
    // is asked for alone, and refused by the registry.
    let anonymous = args(&Ddigest::new());
    assert_eq!(anonymous.code, 1, "{}", anonymous.stderr);
    assert_eq!(
        anonymous.stdout,
        format!("{}  {}\n", public.digest, refs[0])
    );
    assert!(
        anonymous
            .stderr
            .starts_with(&format!("ddigest: {}: ", refs[1]))
            && anonymous.stderr.contains("401"),
        "{}",
        anonymous.stderr
    );
    let tokens: Vec<String> = server.requests()[pushes..]
        .iter()
        .map(|t| t.target.clone())
        .collect();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert_eq!(tokens[0].matches("scope=").count(), 2);
    assert_eq!(tokens[1].matches("scope=").count(), 1);
    assert!(tokens[1].contains("private%2Fapp"), "{}", tokens[1]);

    // As bob, who may pull both: one token, both resolve.
    let dd = Ddigest::new();
    dd.config(&json!({"auths": {h.clone(): auth_entry("bob", "battery staple")}}));
    let before = server.requests().len();
    let bob = args(&dd);
    assert_eq!(bob.code, 0, "{}", bob.stderr);
    assert_eq!(
        bob.stdout,
        format!(
            "{}  {}\n{}  {}\n",
            public.digest, refs[0], private.digest, refs[1]
        )
    );
    assert_eq!(server.requests().len() - before, 1);
}

#[test]
fn a_batch_on_a_registry_without_auth_is_one_head_each() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let h = reg.host();
    let a = p.image("a", "1", false, "linux/amd64");
    let b = p.image("team/b", "2", true, "linux/arm64");
    let refs = [
        format!("{h}/a:1"),
        format!("{h}/team/b:2"),
        format!("{h}/a"),
    ];
    let run = Ddigest::new().run(&[&refs[0], &refs[1], &refs[2]]);
    assert_eq!(run.code, 3, "a:latest does not exist: {}", run.stderr);
    assert_eq!(
        run.stdout,
        format!("{}  {}\n{}  {}\n", a.digest, refs[0], b.digest, refs[1])
    );
    let requests = reg.ddigest_requests(4);
    let heads = requests.iter().filter(|(m, _, _)| m == "HEAD").count();
    assert_eq!((requests.len(), heads), (4, 3), "{requests:?}");
    let nothing = Ddigest::new().run_with_stdin(&["-"], "# only a comment\n\n");
    assert!(nothing.fails(2).contains("no references on stdin"));
}

#[test]
fn progress_goes_to_a_terminal_stderr_only() {
    let reg = Registry::start(Auth::None, false);
    let p = Pusher::new(&reg, PushAuth::None);
    let refs: Vec<String> = (0..6)
        .map(|i| {
            p.image("app", &format!("v{i}"), false, "linux/amd64");
            format!("{}/app:v{i}", reg.host())
        })
        .collect();
    let dir = crate::util::temp_dir("tty");
    let (out, typescript) = (dir.path().join("stdout"), dir.path().join("typescript"));
    // `script` gives ddigest a terminal for stderr; stdout goes to a file.
    let command = format!(
        "'{}' {} > '{}'",
        env!("CARGO_BIN_EXE_ddigest"),
        refs.join(" "),
        out.display()
    );
    let status = std::process::Command::new("script")
        .args(["-qec", &command])
        .arg(&typescript)
        .env("HOME", dir.path())
        .env("DOCKER_CONFIG", dir.path())
        .stdin(std::process::Stdio::null())
        .status()
        .expect("script (util-linux) runs");
    assert!(status.success());
    let stdout = std::fs::read_to_string(&out).expect("stdout file");
    assert_eq!(stdout.lines().count(), 6, "{stdout}");
    assert!(
        !stdout.contains("resolved") && !stdout.contains('\r'),
        "{stdout:?}"
    );
    let terminal = std::fs::read_to_string(&typescript).expect("typescript");
    assert!(terminal.contains("/6 resolved"), "{terminal:?}");
    assert!(
        terminal.contains("\r\x1b[2K"),
        "the line is cleared: {terminal:?}"
    );
}
