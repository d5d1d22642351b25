//! `ddigest check [PATH...]`: every pinned reference's tag looked up in one
//! batch; a line on stdout for each pin that drifted or is gone, and with
//! `--require-pins` for each reference left unpinned. Exit 1 when there is
//! any.

use crate::cli::CheckArgs;
use crate::console::Stdout;
use crate::exit::Exit;
use crate::exit::Status;
use crate::pin::lookup::{Answers, Vouch};
use crate::pin::scan::{Located, Scanned};
use crate::pin::session::{answer, say_failure, scan_and_look_up, unpinned};
use crate::reference::Reference;

/// `ddigest check [PATH...]`
pub async fn run(args: CheckArgs) -> Exit {
    let wanted = |r: &Reference| r.digest().is_some();
    let vouch = match crate::session::verifier(&args.keys, &args.transport) {
        Ok(verifier) => Vouch::Pinned(verifier),
        Err(exit) => return exit,
    };
    let plan = super::files_plan(&args.files, &args.transport, vouch);
    let (files, answers, mut status) = scan_and_look_up(plan, wanted).await;
    let Some(answers) = answers else {
        return status.exit();
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
    status.exit()
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
    // `--key`: a pin whose digest is not validly signed fails, by image.
    if let Some(unsigned) = &answer.unsigned {
        say_failure(file, located, unsigned);
        status.fail(unsigned.code.exit());
    }
    match (&answer.now, answer.pinned_missing) {
        (Some(now), missing) if now != pinned || missing => {
            let gone = if missing {
                " (the pinned digest no longer exists)"
            } else {
                ""
            };
            let moved = match &answer.drift {
                Some(drift) if !missing => format!(" ({})", drift.tail()),
                _ => String::new(),
            };
            Some(format!(
                "{at}: {written} pinned to {pinned}, tag now {now}{gone}{moved}"
            ))
        }
        (None, true) => Some(format!(
            "{at}: {} no longer exists in the registry",
            located.site.image
        )),
        _ => None,
    }
}
