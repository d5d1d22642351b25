//! What `pin` and `check` share: the files scanned (the current folder when
//! no path is given), every distinct reference they want looked up in one
//! batch over one client, and a site's failure said on stderr.

use super::files::Exclude;
use super::lookup::{lookup_all, Answer, Answers, Vouch};
use super::scan::{scan_paths, Located, Scanned};
use crate::batch::engine::{lost, Distinct};
use crate::console::{say, say_run};
use crate::exit::{Exit, Failure, Status};
use crate::reference::Reference;
use crate::registry::Client;
use std::path::PathBuf;
use std::sync::Arc;

/// What to scan and how to look up: the paths, how many lookups at once,
/// and how to build the client (only built when there is something to ask).
pub struct Plan<F> {
    pub paths: Vec<PathBuf>,
    /// The `--exclude` patterns.
    pub exclude: Exclude,
    pub jobs: u16,
    pub client: F,
    /// What `--key` must find signed.
    pub vouch: Vouch,
    /// Say what moved in a drifted pin (`check`).
    pub explain: bool,
    /// `-v`: also say what the walk passed over.
    pub verbose: bool,
}

/// The files under the plan's paths scanned and the references `wanted`
/// picks looked up; no answers when the client cannot even be built.
pub async fn scan_and_look_up<F>(
    plan: Plan<F>,
    wanted: impl Fn(&Located) -> bool,
) -> (Vec<Scanned>, Option<Answers>, Status)
where
    F: FnOnce() -> anyhow::Result<Client>,
{
    let (files, mut status) = scan(&plan.paths, &plan.exclude, plan.verbose);
    let answers = look_up(&files, wanted, plan, &mut status).await;
    (files, answers, status)
}

/// Scans the paths (the current folder when none); a failed read makes the
/// status non-zero but the rest goes on.
fn scan(paths: &[PathBuf], exclude: &Exclude, verbose: bool) -> (Vec<Scanned>, Status) {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let (files, ok) = scan_paths(paths, exclude, verbose);
    if files.iter().all(|f| f.sites.is_empty()) {
        let names: Vec<String> = paths
            .iter()
            .map(|p| crate::console::path_shown(p))
            .collect();
        say(&names.join(" "), "no image references to pin");
    }
    let mut status = Status::default();
    if !ok {
        status.fail(Exit::Failed);
    }
    (files, status)
}

/// Looks up the distinct references `wanted` picks, all in one batch;
/// `None` when the client cannot even be built (said on stderr).
async fn look_up<F>(
    files: &[Scanned],
    wanted: impl Fn(&Located) -> bool,
    plan: Plan<F>,
    status: &mut Status,
) -> Option<Answers>
where
    F: FnOnce() -> anyhow::Result<Client>,
{
    let mut distinct = Distinct::default();
    for located in files.iter().flat_map(|f| &f.sites) {
        if let (true, Ok(reference)) = (wanted(located), &located.reference) {
            distinct.add(reference);
        }
    }
    if distinct.jobs.is_empty() {
        return Some(Answers::new());
    }
    match (plan.client)() {
        Ok(client) => {
            let client = Arc::new(client);
            let jobs = plan.jobs.into();
            let (vouch, explain) = (&plan.vouch, plan.explain);
            Some(lookup_all(client, &distinct.jobs, jobs, vouch, explain).await)
        }
        Err(e) => {
            say_run(&crate::registry::report::message(&e));
            status.fail(Exit::Failed);
            None
        }
    }
}

/// The answer the batch gave for `reference`.
pub fn answer<'a>(answers: &'a Answers, reference: &Reference) -> Result<&'a Answer, Failure> {
    match answers.get(&reference.qualified_string()) {
        Some(Ok(answer)) => Ok(answer),
        Some(Err(failure)) => Err(failure.clone()),
        None => Err(lost()),
    }
}

/// Says on stderr why a site failed: `ddigest: FILE:LINE: IMAGE: why`.
pub fn say_failure(file: &Scanned, located: &Located, failure: &Failure) {
    let site = &located.site;
    say(
        &file.at(site),
        &format!("{}: {}", site.image, failure.message),
    );
}

/// `IMAGE:TAG` of a reference as written, its digest left off.
pub fn unpinned(image: &str) -> &str {
    image.rsplit_once('@').map_or(image, |(name, _)| name)
}
