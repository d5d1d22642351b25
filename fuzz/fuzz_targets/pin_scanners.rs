//! The Dockerfile and YAML scanners of `ddigest pin` on arbitrary text: no
//! panic, every site's span holds exactly its text, and pinning every site
//! edits only those spans (the diff of the result stays within its lines).
#![no_main]

use ddigest::digest::Digest;
use ddigest::pin::edit::{apply, unified_diff, Edit};
use ddigest::pin::site::{pinned_text, Found};
use ddigest::pin::{dockerfile, yaml};
use libfuzzer_sys::fuzz_target;

const HEX: &str = "0649946c6107e35401ce940e5e6e8d700b034a0ee55293350e4db6d0793d74f9";

fn check(text: &str, found: &Found) {
    let digest = Digest::parse(&format!("sha256:{HEX}")).expect("digest");
    let mut edits = Vec::new();
    for site in &found.sites {
        assert_eq!(text.get(site.span.clone()), Some(site.text.as_str()), "{site:?}");
        assert!(!site.text.contains('\n'), "{site:?}");
        if let Some(new) = pinned_text(&site.text, true, &digest) {
            edits.push(Edit { span: site.span.clone(), text: new });
        }
    }
    let mut spans: Vec<_> = edits.iter().map(|e| e.span.clone()).collect();
    spans.sort_by_key(|s| s.start);
    if spans.windows(2).all(|w| w[0].end <= w[1].start) {
        let pinned = apply(text.as_bytes(), &edits);
        let lines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();
        assert_eq!(lines(&pinned), lines(text.as_bytes()));
        let _ = unified_diff("f", text.as_bytes(), &edits);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check(text, &dockerfile::scan(text));
    for rules in [yaml::Rules::ByContent, yaml::Rules::Compose, yaml::Rules::Workflow] {
        if let Ok(found) = yaml::scan(text, rules) {
            check(text, &found);
        }
    }
    check(text, &yaml::template::scan(text));
});
