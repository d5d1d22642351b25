//! The commands, one module each: `main.rs` parses the flags and hands
//! them to one of these. None imports another; what they share lives below
//! them (`session`, `console`, `batch`, `pin`, `resolve`, `output`), but
//! for the plan `pin` and `check` build from their flags and the one
//! reference `ls`, `manifest` and `config` parse, here.

pub mod check;
pub mod ls;
pub mod manual;
pub mod pin;
pub mod resolve;
pub mod show;
pub mod tags;

use crate::cli::{FilesArgs, TransportArgs};
use crate::exit::{ErrorCode, Exit};
use crate::pin::files::Exclude;
use crate::pin::lookup::Vouch;
use crate::pin::session::Plan;
use crate::reference::Reference;
use crate::registry::Client;

/// For the commands that show one reference: it parsed, and the client;
/// or why not, as the error code and the words to say.
fn one_reference(
    input: &str,
    transport: &TransportArgs,
) -> Result<(Reference, Client), (ErrorCode, String)> {
    let reference = Reference::parse_normalized(input).map_err(|e| {
        let failure = e.failure();
        (failure.code, failure.message)
    })?;
    let client = crate::session::client(transport)
        .map_err(|e| (ErrorCode::Other, crate::registry::report::message(&e)))?;
    Ok((reference, client))
}

/// What `pin` and `check` scan and how they look up, from their flags;
/// an `--exclude` that is not a valid pattern is said and is exit 2.
fn files_plan<'a>(
    files: &FilesArgs,
    transport: &'a TransportArgs,
    vouch: Vouch,
) -> Result<Plan<impl FnOnce() -> anyhow::Result<Client> + 'a>, Exit> {
    let exclude = Exclude::new(&files.exclude).map_err(|why| {
        crate::console::say_run(&why);
        Exit::Usage
    })?;
    Ok(Plan {
        paths: files.paths.clone(),
        exclude,
        jobs: files.jobs.n,
        client: move || crate::session::client(transport),
        // `check` (it vouches for the pins) says what moved in a drift.
        explain: matches!(vouch, Vouch::Pinned(_)),
        verbose: transport.verbose,
        vouch,
    })
}
