//! `ddigest pin` and `ddigest check` as the binary runs them: scan the
//! files, look every distinct reference up in one concurrent batch, then
//! rewrite (or diff) each file or report drift. Results go to stdout,
//! diagnostics to stderr as `ddigest: FILE:LINE: IMAGE: what and why`; the
//! exit code is the first problem's, in file order.

use super::edit::{apply, unified_diff, Edit};
use super::files::write_atomic;
use super::lookup::{lookup_all, Answer, Answers, PinnedGone};
use super::scan::{scan_paths, Located, Scanned};
use super::site::pinned_text;
use crate::batch::Failure;
use crate::cli::{CheckArgs, PinArgs, TransportArgs};
use crate::digest::Digest;
use crate::exit::Exit;
use crate::reference::Reference;
use crate::run::{client, Stdout};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

/// The first non-zero exit code met, in order.
struct Status(Exit);

impl Status {
    fn fail(&mut self, exit: Exit) {
        if self.0 == Exit::Resolved {
            self.0 = exit;
        }
    }
}

/// `ddigest pin [PATH...]`
pub async fn pin(args: PinArgs) -> Exit {
    let (files, mut status) = scan(&args.files.paths);
    let wanted = |r: &Reference| r.digest().is_none() || (args.update && r.tag().is_some());
    let Some(answers) = look_up(
        &files,
        wanted,
        &args.transport,
        args.files.jobs,
        &mut status,
    )
    .await
    else {
        return status.0;
    };
    let mut out = Stdout::default();
    for file in &files {
        let edits = pin_edits(
            file,
            &answers,
            args.update,
            &mut status,
            &mut out,
            args.dry_run,
        );
        let new = apply(&file.bytes, &edits);
        if new == file.bytes {
            continue;
        }
        if args.dry_run {
            let diff = unified_diff(&file.path.display().to_string(), &file.bytes, &new);
            out.bytes(&diff);
        } else if let Err(e) = write_atomic(&file.path, &new) {
            eprintln!("ddigest: {}: cannot write: {e}", file.path.display());
            status.fail(Exit::Failed);
        }
    }
    if out.failed {
        status.fail(Exit::Failed);
    }
    status.0
}

/// The edits one file gets; each change is said on stdout (unless the
/// diff says it) and each failure on stderr.
fn pin_edits(
    file: &Scanned,
    answers: &Answers,
    update: bool,
    status: &mut Status,
    out: &mut Stdout,
    dry_run: bool,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    for located in &file.sites {
        let site = &located.site;
        let new = match new_digest(located, answers, update) {
            Ok(Some(digest)) => digest,
            Ok(None) => continue,
            Err(failure) => {
                say_failure(file, located, &failure);
                status.fail(failure.code.exit());
                continue;
            }
        };
        let has_tag = located.reference.as_ref().is_ok_and(|r| r.tag().is_some());
        let Some(text) = pinned_text(&site.text, has_tag, &new) else {
            let why = "skipped: the digest is not literal text";
            eprintln!("ddigest: {}: {}: {why}", file.at(site), site.text);
            continue;
        };
        if text == site.text {
            continue;
        }
        if !dry_run {
            out.line(&format!("{}: {text}", file.at(site)));
        }
        edits.push(Edit {
            span: site.span.clone(),
            text,
        });
    }
    edits
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
        return Err(Failure::of(&PinnedGone(pinned.clone()).into()));
    }
    Ok(answer.now.clone())
}

/// `ddigest check [PATH...]`
pub async fn check(args: CheckArgs) -> Exit {
    let (files, mut status) = scan(&args.files.paths);
    let wanted = |r: &Reference| r.digest().is_some();
    let Some(answers) = look_up(
        &files,
        wanted,
        &args.transport,
        args.files.jobs,
        &mut status,
    )
    .await
    else {
        return status.0;
    };
    let mut out = Stdout::default();
    for file in &files {
        for located in &file.sites {
            if let Some(finding) =
                check_site(file, located, &answers, args.require_pins, &mut status)
            {
                out.line(&finding);
                status.fail(Exit::Failed);
            }
        }
        // References ddigest could not pin are unpinned all the same.
        for skip in file.unpinnable().filter(|_| args.require_pins) {
            let at = format!("{}:{}", file.path.display(), skip.line);
            out.line(&format!(
                "{at}: {} is not pinned ({})",
                skip.text, skip.reason
            ));
            status.fail(Exit::Failed);
        }
    }
    if out.failed {
        status.fail(Exit::Failed);
    }
    status.0
}

/// What is wrong with one site, as the line `check` prints.
fn check_site(
    file: &Scanned,
    located: &Located,
    answers: &Answers,
    require_pins: bool,
    status: &mut Status,
) -> Option<String> {
    let at = file.at(&located.site);
    let reference = match &located.reference {
        Ok(reference) => reference,
        Err(failure) => {
            say_failure(file, located, failure);
            status.fail(failure.code.exit());
            return None;
        }
    };
    let written = unpinned(&located.site.image);
    let Some(pinned) = reference.digest() else {
        return require_pins.then(|| format!("{at}: {written} is not pinned"));
    };
    let answer = match answer(answers, reference) {
        Ok(answer) => answer,
        Err(failure) => {
            say_failure(file, located, &failure);
            status.fail(failure.code.exit());
            return None;
        }
    };
    match (&answer.now, answer.pinned_missing) {
        (Some(now), missing) if now != pinned || missing => {
            let gone = if missing {
                " (the pinned digest no longer exists)"
            } else {
                ""
            };
            Some(format!(
                "{at}: {written} pinned to {pinned}, tag now {now}{gone}"
            ))
        }
        (None, true) => Some(format!(
            "{at}: {} no longer exists in the registry",
            located.site.image
        )),
        _ => None,
    }
}

/// Scans the paths (the current folder when none); a failed read makes the
/// status non-zero but the rest goes on.
fn scan(paths: &[PathBuf]) -> (Vec<Scanned>, Status) {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let (files, ok) = scan_paths(paths);
    if files.iter().all(|f| f.sites.is_empty()) {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!("ddigest: {}: no image references to pin", names.join(" "));
    }
    let status = Status(if ok { Exit::Resolved } else { Exit::Failed });
    (files, status)
}

/// Looks up the distinct references `wanted` picks, all in one batch;
/// `None` when the client cannot even be built (said on stderr).
async fn look_up(
    files: &[Scanned],
    wanted: impl Fn(&Reference) -> bool,
    transport: &TransportArgs,
    jobs: u16,
    status: &mut Status,
) -> Option<Answers> {
    let mut seen = HashSet::new();
    let references: Vec<Reference> = files
        .iter()
        .flat_map(|f| &f.sites)
        .filter_map(|l| l.reference.as_ref().ok())
        .filter(|r| wanted(r) && seen.insert(r.qualified_string()))
        .cloned()
        .collect();
    if references.is_empty() {
        return Some(Answers::new());
    }
    match client(transport) {
        Ok(client) => Some(lookup_all(Arc::new(client), references, jobs.into()).await),
        Err(e) => {
            eprintln!("ddigest: {}", crate::report::message(&e));
            status.fail(Exit::Failed);
            None
        }
    }
}

fn answer<'a>(answers: &'a Answers, reference: &Reference) -> Result<&'a Answer, Failure> {
    match answers.get(&reference.qualified_string()) {
        Some(Ok(answer)) => Ok(answer),
        Some(Err(failure)) => Err(failure.clone()),
        None => Err(Failure {
            code: crate::exit::ErrorCode::Other,
            message: "internal error: the lookup ended without an answer".into(),
        }),
    }
}

fn say_failure(file: &Scanned, located: &Located, failure: &Failure) {
    let site = &located.site;
    eprintln!(
        "ddigest: {}: {}: {}",
        file.at(site),
        site.image,
        failure.message
    );
}

/// `IMAGE:TAG` of a reference as written, its digest left off.
fn unpinned(image: &str) -> &str {
    image.rsplit_once('@').map_or(image, |(name, _)| name)
}
