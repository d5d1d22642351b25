//! The cache runs share, against the real registry behind the token
//! server (TLS, Bearer): a warm run is one HEAD with the cached token; an
//! expired or refused token, a cached challenge without a token, another
//! credential, a corrupt file, an unsafe folder, runs at once, and
//! `--no-cache`.

use crate::util::certs::pki;
use crate::util::push::{auth_entry, PushAuth, Pusher};
use crate::util::registry::Registry;
use crate::util::token_server::{token_registry, TokenServer};
use crate::util::Ddigest;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::PathBuf;

struct Setup {
    server: TokenServer,
    reg: Registry,
    digest: String,
    dd: Ddigest,
}

/// `public/tool:2` (anonymous pull) behind token auth, and ddigest with
/// the cache on.
fn setup() -> Setup {
    let (server, reg) = token_registry();
    let pushed =
        Pusher::new(&reg, PushAuth::Token("alice")).image("public/tool", "2", true, "linux/amd64");
    Setup {
        server,
        reg,
        digest: pushed.digest,
        dd: Ddigest::new().cached(),
    }
}

impl Setup {
    fn run(&self, extra: &[&str]) -> crate::util::Run {
        let ca = pki().ca_pem.display().to_string();
        let reference = format!("{}/public/tool:2", self.reg.host());
        let mut args = vec!["--ca-file", &ca];
        args.extend_from_slice(extra);
        args.push(&reference);
        self.dd.run(&args)
    }

    fn file(&self) -> PathBuf {
        let name = self.reg.host().replace(':', "_");
        self.dd.cache_dir().join(format!("{name}.json"))
    }

    fn entry(&self) -> serde_json::Value {
        let bytes = std::fs::read(self.file()).expect("cache file");
        serde_json::from_slice(&bytes).expect("cache file is JSON")
    }

    fn edit(&self, change: impl FnOnce(&mut serde_json::Value)) {
        let mut entry = self.entry();
        change(&mut entry);
        std::fs::write(self.file(), entry.to_string()).expect("write cache");
    }

    fn tokens_asked(&self) -> usize {
        self.server.requests().len()
    }
}

#[test]
fn a_warm_run_is_one_head_with_the_cached_token() {
    let s = setup();
    assert_eq!(s.run(&[]).digest(), s.digest);
    assert_eq!(s.tokens_asked(), 1);
    assert_eq!(
        s.reg.ddigest_requests(2).len(),
        2,
        "cold: HEAD 401, HEAD 200"
    );

    let warm = s.run(&["-v"]);
    assert_eq!(warm.digest(), s.digest);
    assert!(
        warm.stderr
            .contains("cached token for repository:public/tool:pull used"),
        "{}",
        warm.stderr
    );
    assert_eq!(s.tokens_asked(), 1, "no token request when warm");
    let requests = s.reg.ddigest_requests(3);
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert_eq!(requests[2].2, 200, "the warm HEAD is answered at once");

    // Private: the folder and files are the user's alone.
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("stat").mode() & 0o777;
    assert_eq!(mode(&s.dd.cache_dir()), 0o700);
    assert_eq!(mode(&s.file()), 0o600);
    assert_eq!(mode(&s.dd.cache_dir().join("key")), 0o600);
    let entry = s.entry();
    assert!(entry["challenge"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Bearer realm="));
    assert_eq!(entry["tokens"].as_array().map(Vec::len), Some(1));
}

#[test]
fn expired_refused_and_foreign_tokens_are_not_used() {
    let s = setup();
    s.run(&[]).digest();
    // Expired: asked for afresh.
    s.edit(|e| {
        let t = &mut e["tokens"][0];
        t["expires_at"] = t["granted_at"].clone();
    });
    assert_eq!(s.run(&[]).digest(), s.digest);
    assert_eq!(s.tokens_asked(), 2);
    // Refused by the registry: forgotten, and the usual flow runs once.
    s.edit(|e| e["tokens"][0]["value"] = "Bearer not-a-token".into());
    let refused = s.run(&["-v"]);
    assert_eq!(refused.digest(), s.digest);
    assert_eq!(s.tokens_asked(), 3);
    assert!(
        !s.entry().to_string().contains("not-a-token"),
        "the refused token is dropped"
    );
    // Another credential does not get the anonymous token.
    s.dd.config(&serde_json::json!({"auths": {s.reg.host(): auth_entry("bob", "battery staple")}}));
    assert_eq!(s.run(&[]).digest(), s.digest);
    assert_eq!(s.tokens_asked(), 4);
    assert!(
        s.server.requests()[3].authorization.is_some(),
        "bob asked for his own"
    );
    let text = std::fs::read_to_string(s.file()).expect("file");
    assert!(
        !text.contains("battery staple") && !text.contains("YmF0dGVyeSBzdGFwbGU"),
        "{text}"
    );
    // bob's token is warm now too.
    assert_eq!(s.run(&[]).digest(), s.digest);
    assert_eq!(s.tokens_asked(), 4);
}

#[test]
fn a_cached_challenge_fetches_the_token_while_connecting() {
    let s = setup();
    s.run(&[]).digest();
    s.edit(|e| e["tokens"] = serde_json::json!([]));
    let before = s.reg.ddigest_requests(2).len();
    let run = s.run(&["-v"]);
    assert_eq!(run.digest(), s.digest);
    assert!(
        run.stderr.contains("cached challenge used"),
        "{}",
        run.stderr
    );
    let after = s.reg.ddigest_requests(before + 2);
    let heads: Vec<_> = after[before..].iter().filter(|r| r.0 == "HEAD").collect();
    assert_eq!(heads.len(), 1, "no HEAD earns a 401: {after:?}");
    assert_eq!(heads[0].2, 200);
}

#[test]
fn corrupt_files_and_unsafe_folders_are_ignored() {
    let s = setup();
    s.run(&[]).digest();
    std::fs::write(s.file(), b"{\"version\":1,\"tokens\":[{").expect("corrupt");
    assert_eq!(s.run(&[]).digest(), s.digest);
    assert_eq!(s.tokens_asked(), 2);
    assert_eq!(s.entry()["version"], 1, "replaced by a good file");

    // A folder others may write is not used (said with -v), nor written.
    std::fs::remove_dir_all(s.dd.cache_dir()).expect("rm");
    std::fs::create_dir_all(s.dd.cache_dir()).expect("mkdir");
    std::fs::set_permissions(s.dd.cache_dir(), std::fs::Permissions::from_mode(0o777))
        .expect("chmod");
    let run = s.run(&["-v"]);
    assert_eq!(run.digest(), s.digest);
    assert!(
        run.stderr.contains("lets others in; not used"),
        "{}",
        run.stderr
    );
    assert!(!s.file().exists());

    // One owned by another user neither (only root can make one).
    std::fs::set_permissions(s.dd.cache_dir(), std::fs::Permissions::from_mode(0o700))
        .expect("chmod");
    let nobody = 65534;
    if std::os::unix::fs::chown(s.dd.cache_dir(), Some(nobody), Some(nobody)).is_ok() {
        let run = s.run(&["-v"]);
        assert_eq!(run.digest(), s.digest);
        assert!(run.stderr.contains("owned by user 65534"), "{}", run.stderr);
        assert!(!s.file().exists());
    }
}

#[test]
fn runs_at_once_never_corrupt_it_and_no_cache_turns_it_off() {
    let s = setup();
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..8).map(|_| scope.spawn(|| s.run(&[]))).collect();
        for run in runs {
            assert_eq!(run.join().expect("thread").digest(), s.digest);
        }
    });
    assert_eq!(s.entry()["version"], 1);
    let leftovers = std::fs::read_dir(s.dd.cache_dir()).expect("dir").count();
    assert_eq!(
        leftovers, 2,
        "the key and one registry file, no temporary files"
    );

    let cold = Setup {
        dd: Ddigest::new().cached(),
        ..setup()
    };
    assert_eq!(cold.run(&["--no-cache"]).digest(), cold.digest);
    assert!(!cold.dd.cache_dir().exists(), "--no-cache writes nothing");
    let off = Ddigest::new();
    let ca = pki().ca_pem.display().to_string();
    let reference = format!("{}/public/tool:2", cold.reg.host());
    assert_eq!(
        off.run(&["--ca-file", &ca, &reference]).digest(),
        cold.digest
    );
    assert!(
        !off.cache_dir().exists(),
        "DDIGEST_NO_CACHE=1 writes nothing"
    );
}
