//! The path `pin` and `check` really take, for one file: a name (which
//! gives the kind, as the walk gives it) and bytes in; the kind's scanner,
//! the notes, each site's reference parsed, `pin`'s findings and edits
//! against made-up answers (new digests, pins that are gone, failures),
//! the pinned bytes, the diff, every output format of the findings, and
//! `check`'s findings. No panic anywhere, every edit inside the file, and
//! each note at a line the file has.
#![no_main]

use ddigest::commands::{check, pin};
use ddigest::digest::Digest;
use ddigest::exit::{ErrorCode, Failure, Status};
use ddigest::output;
use ddigest::pin::edit::{apply, unified_diff};
use ddigest::pin::files::kind_of;
use ddigest::pin::lookup::{Answer, Answers};
use ddigest::pin::scan::scan_bytes;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

const NAMES: [&str; 20] = [
    "Dockerfile",
    "compose.yaml",
    "docker-compose.yml",
    ".github/workflows/ci.yml",
    "k8s/deploy.yaml",
    "chart/values.yaml",
    "base/kustomization.yaml",
    ".gitlab-ci.yml",
    "bitbucket-pipelines.yml",
    ".circleci/config.yml",
    ".drone.yml",
    "azure-pipelines.yml",
    "cloudbuild.yaml",
    ".devcontainer/devcontainer.json",
    "docker-bake.json",
    "docker-bake.hcl",
    "infra/main.tf",
    "app.container",
    "app.image",
    "src/executors/default.yml",
];

/// A made-up answer for a reference, chosen by its text.
fn answer(key: &str) -> Result<Answer, Failure> {
    let hash: u32 = key.bytes().fold(7, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
    let hex = format!("{:064x}", hash);
    let now = Digest::parse(&format!("sha256:{hex}")).ok();
    match hash % 5 {
        0 => Err(Failure::new(ErrorCode::NotFound, "manifest unknown")),
        1 => Ok(Answer {
            now,
            pinned_missing: true,
            index: None,
            unsigned: None,
            drift: None,
            platform: None,
        }),
        _ => Ok(Answer {
            now,
            pinned_missing: false,
            index: None,
            unsigned: None,
            drift: None,
            platform: Some("linux/amd64".into()).filter(|_| hash % 2 == 0),
        }),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let path = Path::new(NAMES[usize::from(pick) % NAMES.len()]);
    let Some(kind) = kind_of(path, false) else {
        return;
    };
    let read = scan_bytes(path, kind, bytes.to_vec());
    let Some(file) = read.scanned else {
        return;
    };
    let lines = file.bytes.split(|&b| b == b'\n').count();
    for note in &read.notes {
        assert!(note.line.is_none_or(|l| l >= 1 && l <= lines), "{note:?}");
    }
    let mut answers = Answers::new();
    for located in &file.sites {
        assert!(file.bytes.get(located.site.span.clone()).is_some());
        if let Ok(reference) = &located.reference {
            let key = reference.qualified_string();
            answers.insert(key.clone(), answer(&key));
        }
    }
    for update in [false, true] {
        let mut status = Status::default();
        let planned = pin::pin_edits(&file, &answers, update, &mut status);
        let new = apply(&file.bytes, &planned.edits);
        let _ = file.encoding.encode(&new);
        let _ = unified_diff("f", &file.bytes, &planned.edits);
        for finding in &planned.findings {
            let _ = output::finding_json(finding);
            let _ = output::finding_github(finding, "pin", update);
        }
    }
    let mut status = Status::default();
    let mut findings: Vec<_> = file
        .sites
        .iter()
        .map(|l| check::check_site(&file, l, &answers, &mut status))
        .collect();
    findings.extend(file.skips.iter().map(|s| check::skipped(&file, s, true)));
    for finding in &findings {
        let _ = finding.check_line(true);
        let _ = output::finding_json(finding);
        let _ = output::finding_github(finding, "check", true);
    }
    let _ = output::summary_markdown(&findings, true);
});
