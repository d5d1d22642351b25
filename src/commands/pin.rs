//! `ddigest pin [PATH...]`: the files scanned, every unpinned reference
//! (with `--update`, every pinned tag too) looked up in one batch, then
//! each file rewritten atomically, or its diff printed with `--dry-run`.
//! The exit code is the first problem's, in file order.

use crate::cli::{FileFormat, PinArgs};
use crate::console::{say, Stdout};
use crate::digest::Digest;
use crate::exit::Exit;
use crate::exit::Failure;
use crate::exit::Status;
use crate::output;
use crate::pin::edit::{apply, unified_diff, Edit};
use crate::pin::finding::{Finding, Reason, Status as Site};
use crate::pin::lookup::{Answers, Vouch};
use crate::pin::scan::{Located, Scanned};
use crate::pin::session::{answer, say_failure, scan_and_look_up, unpinned};
use crate::pin::site::Form;
use crate::pin::write::write_back;
use crate::reference::Reference;
use crate::resolve::{PinnedGone, ResolveError};

/// `ddigest pin [PATH...]`
pub async fn run(args: PinArgs) -> Exit {
    let wanted = |l: &Located| {
        let wanted = |r: &Reference| r.digest().is_none() || (args.update && r.tag().is_some());
        l.editable && l.reference.as_ref().is_ok_and(wanted)
    };
    let vouch = match crate::session::verifier(&args.keys, &args.transport) {
        Ok(verifier) => Vouch::Now(verifier),
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
    let format = args.format.unwrap_or(FileFormat::Text);
    let mut out = Stdout::default();
    for file in &files {
        let planned = pin_edits(file, &answers, args.update, &mut status);
        for finding in &planned.findings {
            let line = match format {
                FileFormat::Text => None,
                FileFormat::Json => Some(output::finding_json(finding)),
                FileFormat::Github => output::finding_github(finding, "pin", false),
            };
            if let Some(line) = line {
                out.line(&line);
            }
        }
        if format == FileFormat::Text && !args.dry_run {
            for line in &planned.said {
                out.line(line);
            }
        }
        let new = apply(&file.bytes, &planned.edits);
        if new == file.bytes {
            continue;
        }
        if args.dry_run {
            if format == FileFormat::Text {
                let path = crate::console::path_shown(&file.path);
                let diff = unified_diff(&path, &file.bytes, &planned.edits);
                out.bytes(&diff);
            }
        } else if let Err(why) = write_back(
            &file.path,
            &file.encoding.encode(&file.bytes),
            &file.encoding.encode(&new),
        ) {
            say(&crate::console::path_shown(&file.path), &why.to_string());
            status.fail(Exit::Failed);
        }
    }
    if out.failed {
        status.fail(Exit::Failed);
    }
    status.exit()
}

/// What `pin` does to one file: its edits, a finding per reference site,
/// and the text lines saying each change.
pub struct Planned {
    pub edits: Vec<Edit>,
    pub findings: Vec<Finding>,
    pub said: Vec<String>,
}

/// The edits one file gets and a finding for each of its sites; each
/// failure is said on stderr. Does no other I/O (the fuzz target's way in).
pub fn pin_edits(file: &Scanned, answers: &Answers, update: bool, status: &mut Status) -> Planned {
    let mut planned = Planned {
        edits: Vec::new(),
        findings: Vec::new(),
        said: Vec::new(),
    };
    for located in &file.sites {
        let site = &located.site;
        let mut finding = file.site_finding(site, Site::Unchanged);
        finding.pinned = located
            .reference
            .as_ref()
            .ok()
            .and_then(|r| r.digest().map(ToString::to_string));
        if !located.editable {
            if update {
                let why = "skipped: is written in a way ddigest cannot edit in place";
                finding = skipped(file, site, &site.image, why, finding);
            }
            planned.findings.push(finding);
            continue;
        }
        let new = match new_digest(located, answers, update) {
            Ok(Some(digest)) => digest,
            Ok(None) => {
                planned.findings.push(finding);
                continue;
            }
            Err(failure) => {
                say_failure(file, located, &failure);
                status.fail(failure.code.exit());
                finding.status = Site::Failed;
                finding.reason = Some(Reason::from(&failure));
                planned.findings.push(finding);
                continue;
            }
        };
        finding.current = Some(new.to_string());
        let has_tag = located.reference.as_ref().is_ok_and(|r| r.tag().is_some());
        let Some(text) = site.pinned(has_tag, &new) else {
            let why = "skipped: the digest is not literal text";
            planned
                .findings
                .push(skipped(file, site, &site.text, why, finding));
            continue;
        };
        if text != site.text {
            finding.status = Site::Pinned;
            finding.pinned = Some(new.to_string());
            // A digest written apart from its reference is said with it.
            let shown = match site.form {
                Form::Reference => text.clone(),
                _ => format!("{}@{new}", unpinned(&site.image)),
            };
            planned.said.push(format!("{}: {shown}", file.at(site)));
            planned.edits.push(Edit {
                span: site.span.clone(),
                text,
            });
        }
        planned.findings.push(finding);
    }
    let skips = file
        .skips
        .iter()
        .map(|s| file.skip_finding(s, Site::Skipped));
    planned.findings.extend(skips);
    planned
}

/// A site's finding as left alone, `why` said on stderr after `shown`.
fn skipped(
    file: &Scanned,
    site: &crate::pin::site::Site,
    shown: &str,
    why: &str,
    mut finding: Finding,
) -> Finding {
    say(&file.at(site), &format!("{shown}: {why}"));
    finding.status = Site::Skipped;
    finding.reason = Some(Reason {
        code: None,
        message: why.into(),
    });
    finding
}

/// The digest a site is to be pinned to; `None` to leave it as it is.
fn new_digest(
    located: &Located,
    answers: &Answers,
    update: bool,
) -> Result<Option<Digest>, Failure> {
    let reference = located.reference.as_ref().map_err(Clone::clone)?;
    if reference.digest().is_some() && !(update && reference.tag().is_some()) {
        return Ok(None);
    }
    let answer = answer(answers, reference)?;
    if let (true, Some(pinned)) = (answer.pinned_missing, reference.digest()) {
        return Err(ResolveError::from(PinnedGone(pinned.clone())).failure());
    }
    // `--key`: an unsigned digest is never written; the line stays.
    if let Some(unsigned) = &answer.unsigned {
        return Err(unsigned.clone());
    }
    Ok(answer.now.clone())
}
