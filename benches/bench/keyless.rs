//! The `keyless` section: a batch of 100 references, each verified keyless
//! (`--certificate-identity`/`--certificate-oidc-issuer` against a private
//! Sigstore's `--trusted-root`), on loopback with token auth over TLS:
//! wall time per verified digest cold (no cache) and warm (the shared
//! cache), and requests per verified digest, next to the same batch
//! without verification and with `--key`.

use crate::measure::{run, Contest};
use crate::setup::{Bench, Options, Site};
use crate::table::{Row, Table};
use crate::util::sigstore::{LeafSpec, Sigstore, GITHUB, WORKFLOW};

const COUNT: usize = 100;

pub fn keyless(bench: &Bench, opts: &Options, table: &mut Table) {
    eprintln!("bench: keyless: signing {COUNT} images…");
    let store = Sigstore::new();
    let leaf = store.leaf(&LeafSpec::workflow());
    let site = Site::token_seeded(None, |p, host| {
        (0..COUNT)
            .map(|i| {
                let tag = format!("k{i:03}");
                let image = p.image("public/signed", &tag, true, &format!("linux/amd64/v{i}"));
                let signed = (
                    "public/signed",
                    image.digest.as_str(),
                    "registry.example/app",
                );
                store.sign_image(p, signed, &leaf, i as i64);
                format!("{host}/public/signed:{tag}")
            })
            .collect()
    });
    let root = bench.write_refs("trusted_root.json", &[store.trusted_root().to_string()]);
    let refs: Vec<&str> = site.refs.iter().map(String::as_str).collect();
    let mut flags = vec![
        "--trusted-root",
        root.as_str(),
        "--certificate-identity",
        WORKFLOW,
        "--certificate-oidc-issuer",
        GITHUB,
    ];
    flags.extend(&refs);
    let plain = refs.clone();
    // Warm the shared cache once; each warm round then finds it warm.
    run(&mut bench.ddigest_cached(&flags));
    let got = Contest::new(true)
        .add("cold", || run(&mut bench.ddigest(&flags)))
        .add("warm", || run(&mut bench.ddigest_cached(&flags)))
        .add("plain", || run(&mut bench.ddigest(&plain)))
        .run(opts.runs);
    let per = |i: usize| got[i].1.wall / COUNT as u32;
    table.push(Row::info(
        &format!("keyless: batch of {COUNT}, each verified, cold: time per verified digest"),
        per(0),
    ));
    table.push(Row::info(
        &format!("keyless: batch of {COUNT}, warm (shared cache): time per verified digest"),
        per(1),
    ));
    table.push(Row::info(
        "the same batch unverified: time per digest",
        per(2),
    ));
    let counted = site.count_requests(|| {
        run(&mut bench.ddigest(&flags));
    });
    table.push(Row::requests(COUNT, counted, None).named(&format!(
        "requests per verified digest, keyless batch of {COUNT}, cold"
    )));
    let counted = site.count_requests(|| {
        run(&mut bench.ddigest_cached(&flags));
    });
    table.push(Row::requests(COUNT, counted, None).named(&format!(
        "requests per verified digest, keyless batch of {COUNT}, warm"
    )));
}
