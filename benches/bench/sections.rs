//! The sections of the benchmark, each a few rows of the table.

use crate::measure::{self, run, run_with_rusage, Contest, Sample};
use crate::setup::{Bench, Options};
use crate::table::{Row, Table};
use crate::tags;

pub fn main() {
    let opts = Options::from_env();
    eprintln!("bench: {opts:?}; seeding the registries…");
    let bench = Bench::new(&opts);
    let mut table = Table::default();
    let sections: [(&str, Section); 9] = [
        ("one", one_reference),
        ("hundred", hundred_references),
        ("far", far_away),
        ("single", single_far),
        ("scaling", scaling),
        ("start-up", start_up),
        ("tags", tags::tags),
        ("tags-memory", tags::memory),
        ("keyless", crate::keyless::keyless),
    ];
    for (name, section) in sections {
        if opts.wants(name) {
            section(&bench, &opts, &mut table);
        }
    }
    let markdown = table.markdown(&bench.machine(&opts));
    println!("{markdown}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/results.md");
    std::fs::create_dir_all(path.parent().expect("bench dir")).expect("bench dir");
    std::fs::write(&path, markdown).expect("write benches/results.md");
    eprintln!("bench: wrote {}", path.display());
}

type Section = fn(&Bench, &Options, &mut Table);

fn one_reference(bench: &Bench, opts: &Options, table: &mut Table) {
    eprintln!("bench: one reference, cold process…");
    let plain = &bench.plain;
    let reference = &plain.refs[0];
    let got = Contest::new(true)
        .add("ddigest", || run(&mut bench.ddigest(&[reference])))
        .add("seed", || {
            run(&mut bench.shell(&bench.seed(reference, plain)))
        })
        .run(opts.runs);
    table.push(Row::versus(
        "one reference, plain HTTP: ddigest vs the seed function (skopeo)",
        got[0].1.wall,
        got[1].1.wall,
        Some(0.5),
    ));

    let tls = &bench.tls;
    let reference = &tls.refs[0];
    let got = Contest::new(true)
        .add("ddigest", || run(&mut bench.ddigest(&[reference])))
        .add("floor", || {
            run(&mut bench.shell(&tls.floor(&tls.refs[..1], bench.ca())))
        })
        .add(
            "seed",
            || run(&mut bench.shell(&bench.seed(reference, tls))),
        )
        .run(opts.runs);
    table.push(Row::versus(
        "one reference, TLS + token: ddigest vs the wire floor (curl: token, HEAD)",
        got[0].1.wall,
        got[1].1.wall,
        Some(1.3),
    ));
    table.push(Row::versus(
        "one reference, TLS + token: ddigest vs the seed function",
        got[0].1.wall,
        got[2].1.wall,
        None,
    ));
}

fn hundred_references(bench: &Bench, opts: &Options, table: &mut Table) {
    eprintln!("bench: 100 references…");
    let tls = &bench.tls;
    let refs = &tls.refs[..100.min(tls.refs.len())];
    let list = bench.write_refs("hundred", refs);
    let batch = bench.batch_script(&list);
    let got = Contest::new(true)
        .add("batch", || run(&mut bench.shell(&batch)))
        .add("floor", || {
            run(&mut bench.shell(&tls.floor(refs, bench.ca())))
        })
        .add("seed loop", || {
            run(&mut bench.shell(&bench.seed_loop(&list, tls)))
        })
        .add("ddigest loop", || {
            run(&mut bench.shell(&bench.ddigest_loop(&list)))
        })
        .run(opts.slow_runs);
    let name = |what: &str| format!("{} references, one ddigest call vs {what}", refs.len());
    table.push(Row::faster(
        &name("the seed function in a shell loop"),
        got[0].1.wall,
        got[2].1.wall,
        Some(20.0),
    ));
    table.push(Row::versus(
        &name("the wire floor (curl --parallel, one token)"),
        got[0].1.wall,
        got[1].1.wall,
        Some(1.5),
    ));
    table.push(Row::faster(
        &name("ddigest in a shell loop"),
        got[0].1.wall,
        got[3].1.wall,
        None,
    ));

    let counted = tls.count_requests(|| {
        run(&mut bench.shell(&batch));
    });
    table.push(Row::requests(refs.len(), counted, Some(1.02)));
}

fn far_away(bench: &Bench, opts: &Options, table: &mut Table) {
    let rtt = opts.rtt;
    eprintln!("bench: 100 references {rtt:?} away…");
    let far = &bench.far;
    let refs = &far.refs[..100.min(far.refs.len())];
    let list = bench.write_refs("far", refs);
    let batch = bench.batch_script(&list);
    let got = Contest::new(false)
        .add("batch", || run(&mut bench.shell(&batch)))
        .add("floor", || {
            run(&mut bench.shell(&far.floor(refs, bench.ca())))
        })
        .add("seed loop", || {
            run(&mut bench.shell(&bench.seed_loop(&list, far)))
        })
        .run(opts.far_runs);
    let ms = rtt.as_millis();
    let name = |what: &str| {
        format!(
            "{} references at {ms} ms RTT, one ddigest call vs {what}",
            refs.len()
        )
    };
    table.push(Row::faster(
        &name("the seed function in a shell loop"),
        got[0].1.wall,
        got[2].1.wall,
        Some(60.0),
    ));
    table.push(Row::versus(
        &name("the HTTP/2 floor (curl --parallel-max 100)"),
        got[0].1.wall,
        got[1].1.wall,
        Some(1.5),
    ));
}

/// One reference per call, 25 ms away: cold, warm from the shared cache,
/// and a shell loop of 20 calls over 5 repositories sharing it.
fn single_far(bench: &Bench, opts: &Options, table: &mut Table) {
    let (far, rtt) = (&bench.far, opts.rtt);
    let ms = rtt.as_millis();
    eprintln!("bench: one reference per call, {ms} ms away…");
    let reference = &far.refs[0];
    // Warm the cache once; each warm round then finds it warm.
    run(&mut bench.ddigest_cached(&[reference]));
    let got = Contest::new(false)
        .add("warm", || run(&mut bench.ddigest_cached(&[reference])))
        .add("cold", || run(&mut bench.ddigest(&[reference])))
        .add(
            "seed",
            || run(&mut bench.shell(&bench.seed(reference, far))),
        )
        .run(opts.runs);
    let (warm, cold, seed) = (got[0].1.wall, got[1].1.wall, got[2].1.wall);
    let name = |what: &str| format!("one reference at {ms} ms RTT, {what}");
    table.push(Row::versus(
        &name("warm (cached token) vs the seed function"),
        warm,
        seed,
        Some(0.35),
    ));
    table.push(Row::rtts(
        &name("warm: wall time in round trips"),
        warm,
        rtt,
        Some(5.0),
    ));
    table.push(Row::versus(
        &name("cold (no cache) vs the seed function"),
        cold,
        seed,
        None,
    ));
    table.push(Row::rtts(
        &name("cold: wall time in round trips"),
        cold,
        rtt,
        None,
    ));
    let traced = |cached: bool| {
        let mut command = if cached {
            bench.ddigest_cached(&["-v", reference])
        } else {
            bench.ddigest(&["-v", reference])
        };
        measure::round_trips(&mut command)
    };
    let (warm_trips, cold_trips) = (traced(true), traced(false));
    table.push(Row::text(
        &name("requests per call as -v counts them (registry + token)"),
        &format!("warm {warm_trips}, cold {cold_trips}"),
    ));

    let repos: Vec<&String> = {
        let mut seen: Vec<&str> = Vec::new();
        far.refs
            .iter()
            .filter(|r| {
                let repo = r.rsplit_once(':').map_or(r.as_str(), |(n, _)| n);
                if !seen.contains(&repo) && seen.len() < 5 {
                    seen.push(repo);
                }
                seen.contains(&repo)
            })
            .take(20)
            .collect()
    };
    let refs: Vec<String> = repos.into_iter().cloned().collect();
    let list = bench.write_refs("single-loop", &refs);
    let got = Contest::new(false)
        .add("ddigest loop", || {
            run(&mut bench.shell(&bench.ddigest_cached_loop(&list)))
        })
        .add("seed loop", || {
            run(&mut bench.shell(&bench.seed_loop(&list, far)))
        })
        .run(opts.far_runs);
    table.push(Row::versus(
        &format!("{} single-reference calls over 5 repositories at {ms} ms RTT, a shell loop sharing the cache vs the seed function's loop", refs.len()),
        got[0].1.wall,
        got[1].1.wall,
        Some(0.45),
    ));
}

fn scaling(bench: &Bench, opts: &Options, table: &mut Table) {
    eprintln!("bench: scaling…");
    let tls = &bench.tls;
    let mut samples: Vec<(usize, Sample)> = Vec::new();
    for n in [10, 100, opts.scale] {
        let refs = &tls.refs[..n.min(tls.refs.len())];
        let list = bench.write_refs(&format!("scale-{n}"), refs);
        let script = bench.batch_script(&list);
        let mut contest = Contest::new(true);
        contest = contest.add("batch", || run_with_rusage(&script, &bench.env_pairs()));
        samples.push((refs.len(), contest.run(opts.runs)[0].1));
    }
    let (base_n, base) = samples[1];
    for (n, sample) in &samples {
        let growth = (*n != base_n).then(|| {
            let time_ratio = sample.wall.as_secs_f64() / base.wall.as_secs_f64();
            (time_ratio, *n as f64 / base_n as f64)
        });
        table.push(Row::scale(*n, *sample, growth, 30 * 1024));
    }
    let last = &tls.refs[..opts.scale.min(tls.refs.len())];
    let counted = tls.count_requests(|| {
        let list = bench.write_refs("scale-count", last);
        run(&mut bench.shell(&bench.batch_script(&list)));
    });
    table.push(Row::requests(last.len(), counted, None));
}

fn start_up(bench: &Bench, opts: &Options, table: &mut Table) {
    eprintln!("bench: start-up…");
    let got = Contest::new(true)
        .add("version", || run(&mut bench.ddigest(&["--version"])))
        .run(opts.runs * 6);
    let size = std::fs::metadata(env!("CARGO_BIN_EXE_ddigest")).map_or(0, |m| m.len());
    table.push(Row::info("`ddigest --version` (start-up)", got[0].1.wall));
    table.push(Row::size(size));
}
