//! The `tags` section: `ddigest tags --digests` over a repository of 1,000
//! tags (each its own manifest) on loopback and 25 ms away, against what a
//! user does without it, `skopeo list-tags` and then a shell loop of the
//! seed function over every tag; requests per tag; a reverse lookup over
//! the same repository against the same loop filtered by digest; and peak
//! memory listing 10,000 tags with their digests.

use crate::measure::{run, run_with_rusage, Contest};
use crate::setup::{Bench, Options, Site};
use crate::table::{Row, Table};
use crate::util::push::Pusher;

/// `public/tags:v0000`…, each tag its own manifest; the repository first.
fn seed_repo(pusher: &Pusher, host: &str, count: usize, distinct: bool) -> Vec<String> {
    let repo = "public/tags";
    let first = pusher.image(repo, "v0000", true, "linux/amd64");
    let mut out = vec![format!("{host}/{repo}")];
    for i in 1..count {
        let tag = format!("v{i:04}");
        let bytes = if distinct {
            let mut manifest: serde_json::Value =
                serde_json::from_slice(&first.bytes).expect("manifest json");
            manifest["annotations"] = serde_json::json!({"org.example.tag": tag});
            serde_json::to_vec(&manifest).expect("json")
        } else {
            first.bytes.clone()
        };
        let pushed = pusher.manifest(repo, &tag, first.media_type, bytes);
        if i == count / 2 {
            out.push(pushed.digest);
        }
    }
    out
}

pub fn tags(bench: &Bench, opts: &Options, table: &mut Table) {
    let count = opts.tag_count;
    eprintln!(
        "bench: tags: seeding {count} tags near and {:?} away…",
        opts.rtt
    );
    let near = Site::token_seeded(None, |p, h| seed_repo(p, h, count, true));
    let far = Site::token_seeded(Some(opts.rtt), |p, h| seed_repo(p, h, count, true));
    for (site, rtt) in [(&near, None), (&far, Some(opts.rtt))] {
        let (repo, middle) = (&site.refs[0], &site.refs[1]);
        let flags = bench.skopeo_flags(site);
        let ca = bench.ca();
        let bin = env!("CARGO_BIN_EXE_ddigest");
        let ours = format!("{bin} tags --ca-file {ca} --digests {repo}");
        let reverse = format!("{bin} tags --ca-file {ca} {repo}@{middle}");
        // What a user does without `tags`: list, then the seed function per tag.
        let loop_all = format!(
            "skopeo list-tags {flags} docker://{repo} | sed -n 's/^ *\"\\([^\"]*\\)\",*$/\\1/p' | \
             while read -r t; do printf '%s  %s\\n' \"$(skopeo inspect --raw {flags} docker://{repo}:$t | sha256sum | cut -d' ' -f1)\" \"$t\"; done"
        );
        let loop_reverse = format!("{loop_all} | grep -F '{}'", &middle[7..]);
        let got = Contest::new(rtt.is_none())
            .add("tags", || run(&mut bench.shell(&ours)))
            .add("reverse", || run(&mut bench.shell(&reverse)))
            .run(if rtt.is_none() {
                opts.runs
            } else {
                opts.far_runs
            });
        // The loop is minutes long far away: run once.
        let theirs = run(&mut bench.shell(&loop_all)).wall;
        let their_reverse = run(&mut bench.shell(&loop_reverse)).wall;
        let at = rtt.map_or("loopback".to_string(), |r| {
            format!("{} ms RTT", r.as_millis())
        });
        table.push(Row::faster(
            &format!("`tags --digests` over {count} tags at {at} vs skopeo list-tags + the seed function per tag"),
            got[0].1.wall,
            theirs,
            rtt.map(|_| 50.0),
        ));
        table.push(Row::faster(
            &format!("`tags REPO@DIGEST` (reverse lookup) over {count} tags at {at} vs the same loop and grep"),
            got[1].1.wall,
            their_reverse,
            None,
        ));
        if rtt.is_none() {
            let counted = site.count_requests(|| {
                run(&mut bench.shell(&ours));
            });
            table.push(Row::requests(count, counted, Some(1.1)).named(&format!(
                "requests per tag, `tags --digests` over {count} tags"
            )));
        }
    }
}

/// Peak memory of `tags --digests` over ten times as many tags.
pub fn memory(bench: &Bench, opts: &Options, table: &mut Table) {
    let big = opts.tag_count * 10;
    eprintln!("bench: tags: seeding {big} tags for memory…");
    let many = Site::token_seeded(None, |p, h| seed_repo(p, h, big, false));
    let bin = env!("CARGO_BIN_EXE_ddigest");
    let script = format!(
        "{bin} tags --ca-file {} --digests {}",
        bench.ca(),
        many.refs[0]
    );
    let sample = run_with_rusage(&script, &bench.env_pairs());
    table.push(Row::memory(
        &format!("`tags --digests` over {big} tags: wall, peak RSS"),
        sample,
        40 * 1024,
    ));
}
