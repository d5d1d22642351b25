//! Every scanner of `ddigest pin` on arbitrary text — Dockerfile, each set
//! of YAML rules (compose, Kubernetes, workflows, Helm, kustomize, the CI
//! systems), YAML templates, JSON (dev containers, bake), HCL (bake,
//! Terraform) and Quadlet — with the opt-out filter after it: no panic,
//! every site's span holds exactly its text, and pinning every site edits
//! only those spans (lines are added only by inserted `digest:` lines, and
//! the diff of the result is made without a panic).
#![no_main]

use ddigest::digest::Digest;
use ddigest::pin::edit::{apply, unified_diff, Edit};
use ddigest::pin::ignore::{remove_ignored, Comments};
use ddigest::pin::site::{Form, Found};
use ddigest::pin::{dockerfile, hcl, json, quadlet, yaml};
use libfuzzer_sys::fuzz_target;

const HEX: &str = "0649946c6107e35401ce940e5e6e8d700b034a0ee55293350e4db6d0793d74f9";

const YAML_RULES: [yaml::Rules; 11] = [
    yaml::Rules::ByContent,
    yaml::Rules::Compose,
    yaml::Rules::Workflow,
    yaml::Rules::Helm,
    yaml::Rules::Kustomize,
    yaml::Rules::GitLab,
    yaml::Rules::Bitbucket,
    yaml::Rules::CircleCi,
    yaml::Rules::Drone,
    yaml::Rules::Azure,
    yaml::Rules::CloudBuild,
];

fn check(text: &str, found: Found, comments: Comments) {
    let found = remove_ignored(text, found, comments);
    let digest = Digest::parse(&format!("sha256:{HEX}")).expect("digest");
    let mut edits = Vec::new();
    let mut added = 0;
    for site in &found.sites {
        assert_eq!(text.get(site.span.clone()), Some(site.text.as_str()), "{site:?}");
        assert!(!site.text.contains('\n'), "{site:?}");
        assert!(site.lines.start() <= site.lines.end(), "{site:?}");
        if let Some(new) = site.pinned(true, &digest) {
            if let Form::Insert { .. } = site.form {
                assert!(site.span.is_empty(), "{site:?}");
                added += new.matches('\n').count();
            } else {
                assert!(!new.contains('\n'), "{site:?}");
            }
            edits.push(Edit { span: site.span.clone(), text: new });
        }
    }
    let mut spans: Vec<_> = edits.iter().map(|e| e.span.clone()).collect();
    spans.sort_by_key(|s| (s.start, s.end));
    let apart = spans.windows(2).all(|w| w[0].end <= w[1].start && w[0] != w[1]);
    assert!(apart, "sites overlap: {spans:?}");
    let pinned = apply(text.as_bytes(), &edits);
    let lines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();
    assert_eq!(lines(&pinned), lines(text.as_bytes()) + added);
    let _ = unified_diff("f", text.as_bytes(), &edits);
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check(text, dockerfile::scan(text), Comments::WholeLineHash);
    check(text, quadlet::scan(text), Comments::WholeLineHash);
    for rules in YAML_RULES {
        if let Ok(found) = yaml::scan(text, rules) {
            check(text, found, Comments::Hash);
        }
    }
    check(text, yaml::template::scan(text), Comments::Hash);
    for rules in [json::Rules::DevContainer, json::Rules::Bake] {
        if let Ok(found) = json::scan(text, rules) {
            check(text, found, Comments::Slashes);
        }
    }
    for rules in [hcl::Rules::Bake, hcl::Rules::Terraform] {
        if let Ok(found) = hcl::scan(text, rules) {
            check(text, found, Comments::HashOrSlashes);
        }
    }
});
