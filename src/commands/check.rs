//! `ddigest check [PATH...]`: every pinned reference's tag looked up in one
//! batch; each reference site's finding written as text (a line for each
//! pin that drifted or is gone, and with `--require-pins` for each
//! reference left unpinned), JSON or GitHub workflow commands, plus a step
//! summary under GitHub Actions. Exit 1 when anything fails.

use crate::cli::{CheckArgs, FileFormat};
use crate::console::{say, Stdout};
use crate::exit::{Exit, Status};
use crate::output;
use crate::pin::finding::{Finding, Reason, Status as Site};
use crate::pin::lookup::{Answers, Vouch};
use crate::pin::scan::{Located, Scanned};
use crate::pin::session::{answer, say_failure, scan_and_look_up};
use crate::pin::site::Skip;

/// `ddigest check [PATH...]`
pub async fn run(args: CheckArgs) -> Exit {
    let wanted = |l: &Located| l.reference.as_ref().is_ok_and(|r| r.digest().is_some());
    let vouch = match crate::session::verifier(&args.keys, &args.transport) {
        Ok(verifier) => Vouch::Pinned(verifier),
        Err(exit) => return exit,
    };
    let plan = match super::files_plan(&args.files, &args.transport, vouch) {
        Ok(plan) => plan,
        Err(exit) => return exit,
    };
    let (files, answers, mut status) = scan_and_look_up(plan, wanted).await;
    let Some(answers) = answers else {
        return status.exit();
    };
    let require = args.require_pins;
    let mut findings = Vec::new();
    for file in &files {
        // Each file's findings in line order: the first failure in file
        // order sets the exit code, be it a drift or an invalid reference.
        let mut here: Vec<(Finding, Status)> = file
            .sites
            .iter()
            .map(|located| {
                let mut own = Status::default();
                (check_site(file, located, &answers, &mut own), own)
            })
            .collect();
        here.extend(
            file.skips
                .iter()
                .map(|s| (skipped(file, s, require), Status::default())),
        );
        here.sort_by_key(|(f, _)| (f.line, f.column));
        for (finding, own) in here {
            status.fail(own.exit());
            if finding.fails(require) {
                status.fail(Exit::Failed);
            }
            findings.push(finding);
        }
    }
    let mut out = Stdout::default();
    for finding in &findings {
        let line = match args.format.unwrap_or(FileFormat::Text) {
            FileFormat::Text => finding.check_line(require),
            FileFormat::Json => Some(output::finding_json(finding)),
            FileFormat::Github => output::finding_github(finding, "check", require),
        };
        if let Some(line) = line {
            out.line(&line);
        }
    }
    if args.format.is_none() {
        step_summary(&findings, require);
    }
    if out.failed {
        status.fail(Exit::Failed);
    }
    status.exit()
}

/// Under GitHub Actions, the failing findings as a table in the step's
/// summary (`$GITHUB_STEP_SUMMARY`), when that names a file.
fn step_summary(findings: &[Finding], require_pins: bool) {
    if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") {
        return;
    }
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let table = output::summary_markdown(findings, require_pins);
    let written = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, table.as_bytes()));
    if let Err(e) = written {
        let shown = crate::console::path_shown(std::path::Path::new(&path));
        say(&shown, &format!("cannot write the step summary: {e}"));
    }
}

/// A reference left alone: skipped, or with `--require-pins`, unpinned
/// when it is only left alone because it cannot be edited.
pub fn skipped(file: &Scanned, skip: &Skip, require_pins: bool) -> Finding {
    let status = if require_pins && !skip.by_design {
        Site::Unpinned
    } else {
        Site::Skipped
    };
    file.skip_finding(skip, status)
}

/// One site's finding; a failure is also said on stderr.
pub fn check_site(
    file: &Scanned,
    located: &Located,
    answers: &Answers,
    status: &mut Status,
) -> Finding {
    let mut finding = file.site_finding(&located.site, Site::Unchanged);
    let fail = |finding: &mut Finding, failure: &crate::exit::Failure, status: &mut Status| {
        say_failure(file, located, failure);
        status.fail(failure.code.exit());
        finding.status = Site::Failed;
        finding.reason = Some(Reason::from(failure));
    };
    let reference = match &located.reference {
        Ok(reference) => reference,
        Err(failure) => {
            fail(&mut finding, failure, status);
            return finding;
        }
    };
    let Some(pinned) = reference.digest() else {
        finding.status = Site::Unpinned;
        return finding;
    };
    finding.pinned = Some(pinned.to_string());
    let answer = match answer(answers, reference) {
        Ok(answer) => answer,
        Err(failure) => {
            fail(&mut finding, &failure, status);
            return finding;
        }
    };
    finding.current = answer.now.as_ref().map(ToString::to_string);
    finding.platform = answer.platform.clone();
    finding.status = match (&answer.now, answer.pinned_missing) {
        (_, true) => Site::Gone,
        (Some(now), false) if now != pinned => Site::Drifted,
        _ => Site::Unchanged,
    };
    if finding.status == Site::Drifted {
        finding.platforms = answer.drift.clone();
    }
    // `--key`: a pin whose digest is not validly signed fails, by image.
    if let Some(unsigned) = &answer.unsigned {
        let drifted = finding.status;
        fail(&mut finding, unsigned, status);
        if matches!(drifted, Site::Drifted | Site::Gone) {
            finding.status = drifted;
        }
    }
    finding
}
