//! The commands, one module each: `main.rs` parses the flags and hands
//! them to one of these. None imports another; what they share lives below
//! them (`session`, `console`, `batch`, `pin`, `resolve`, `output`), but
//! for the plan `pin` and `check` build from their flags, here.

pub mod check;
pub mod ls;
pub mod manual;
pub mod pin;
pub mod resolve;
pub mod show;

use crate::cli::{FilesArgs, TransportArgs};
use crate::pin::session::Plan;
use crate::registry::Client;

/// What `pin` and `check` scan and how they look up, from their flags.
fn files_plan<'a>(
    files: &FilesArgs,
    transport: &'a TransportArgs,
) -> Plan<impl FnOnce() -> anyhow::Result<Client> + 'a> {
    Plan {
        paths: files.paths.clone(),
        jobs: files.jobs.n,
        client: move || crate::session::client(transport),
    }
}
