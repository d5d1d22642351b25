//! Figures, not checks: what a 100-reference batch costs on the local
//! token-auth registry next to 100 separate runs (requests from the
//! registry's and token server's logs, wall time). Ignored by the test
//! command; `scripts/batch-figures` runs it with a release build.

use crate::util::certs::pki;
use crate::util::push::{PushAuth, Pusher};
use crate::util::token_server::token_registry;
use crate::util::Ddigest;
use std::time::Instant;

#[test]
#[ignore = "prints figures; run by scripts/batch-figures"]
fn batch_of_100_next_to_100_runs() {
    let (server, reg) = token_registry();
    let p = Pusher::new(&reg, PushAuth::Token("alice"));
    let mut refs = Vec::new();
    for r in 0..5 {
        let repo = format!("public/r{r}");
        let image = p.image(&repo, "t0", true, "linux/amd64");
        for t in 0..20 {
            p.manifest(
                &repo,
                &format!("t{t}"),
                image.media_type,
                image.bytes.clone(),
            );
            refs.push(format!("{}/{repo}:t{t}", reg.host()));
        }
    }
    let ca = pki().ca_pem.display().to_string();
    let dd = Ddigest::new();
    let counts = |since: (usize, usize)| {
        let manifests = reg
            .ddigest_requests(0)
            .iter()
            .filter(|(_, path, _)| path.contains("/manifests/"))
            .count();
        let all = reg.ddigest_requests(0).len();
        (manifests - since.0, all - since.1, server.requests().len())
    };

    let tokens_before = server.requests().len();
    let start = Instant::now();
    let mut args = vec!["--ca-file", ca.as_str()];
    args.extend(refs.iter().map(String::as_str));
    let batch = dd.run(&args);
    let batch_time = start.elapsed();
    assert_eq!(batch.code, 0, "{}", batch.stderr);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (manifests, all, tokens) = counts((0, 0));
    println!(
        "batch of {}: {batch_time:.2?}; {manifests} manifest requests, {} other registry requests, {} token requests",
        refs.len(),
        all - manifests,
        tokens - tokens_before
    );

    let since = (manifests, all);
    let tokens_before = server.requests().len();
    let start = Instant::now();
    for r in &refs {
        assert_eq!(dd.run(&["--ca-file", &ca, r]).code, 0);
    }
    let runs_time = start.elapsed();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (manifests, all, tokens) = counts(since);
    println!(
        "{} separate runs: {runs_time:.2?}; {manifests} manifest requests, {} other registry requests, {} token requests",
        refs.len(),
        all - manifests,
        tokens - tokens_before
    );
}
