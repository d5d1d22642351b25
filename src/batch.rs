//! Many references in one run: expanding `-` into stdin's lines, parsing
//! each input, resolving the distinct references concurrently (at most
//! `jobs` at a time, over one client), and handing results back strictly in
//! input order as soon as each one's turn comes. A failure is one input's
//! outcome and never stops or reorders the others.

use crate::exit::ErrorCode;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::registry::Client;
use crate::resolve::{resolve, resolve_platforms, ResolveOptions, Resolved};
use std::collections::HashMap;
use std::io::BufRead;
use std::sync::Arc;
use tokio::sync::{mpsc, Semaphore};

/// A failed resolution, already put into words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
}

impl Failure {
    pub fn of(err: &anyhow::Error) -> Self {
        Failure {
            code: ErrorCode::of(err),
            message: crate::report::message(err),
        }
    }
}

/// What one input came to: one result per platform asked for (or one).
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The input as the user wrote it (trimmed).
    pub input: String,
    pub reference: Option<Reference>,
    pub results: Results,
}

#[derive(Clone, Debug, Default)]
pub struct BatchOptions {
    pub jobs: usize,
    pub verify: bool,
    pub platforms: Vec<Platform>,
}

/// Replaces each `-` by the lines of `stdin` (read once), trimmed, with
/// blank lines and `#` comments left out.
pub fn expand_inputs(args: &[String], stdin: impl BufRead) -> std::io::Result<Vec<String>> {
    let mut stdin = Some(stdin);
    let mut out = Vec::new();
    for arg in args {
        if arg != "-" {
            out.push(arg.clone());
            continue;
        }
        let Some(reader) = stdin.take() else { continue };
        for line in reader.lines() {
            let line = line?;
            let line = line.trim();
            if !line.is_empty() && !line.starts_with('#') {
                out.push(line.to_string());
            }
        }
    }
    Ok(out)
}

/// Where a batch's results go.
pub trait Sink {
    /// Called once per input, in input order.
    fn deliver(&mut self, outcome: Outcome);
    /// Called as distinct references finish, in any order.
    fn progress(&mut self, done: usize, total: usize);
}

/// Resolves every input, handing each outcome to `sink` in input order.
pub async fn run(
    client: Arc<Client>,
    inputs: &[String],
    opts: &BatchOptions,
    sink: &mut impl Sink,
) {
    let plan = Plan::new(inputs);
    for reference in &plan.jobs {
        client.plan(reference);
    }
    let total = plan.jobs.len();
    let mut rx = spawn_jobs(client, &plan.jobs, opts);
    let mut done: Vec<Option<Results>> = vec![None; total];
    let mut next = 0;
    let mut finished = 0;
    loop {
        while next < inputs.len() {
            let Some(outcome) = plan.outcome(next, &done) else {
                break;
            };
            sink.deliver(outcome);
            next += 1;
        }
        if next == inputs.len() {
            return;
        }
        let Some((job, results)) = rx.recv().await else {
            // Every task has ended, some without an answer (a panic): say
            // so for each rather than lose them.
            let lost = Failure {
                code: ErrorCode::Other,
                message: "internal error: the resolution ended without an answer".into(),
            };
            for slot in done.iter_mut().filter(|d| d.is_none()) {
                *slot = Some(Arc::new(vec![
                    Err(lost.clone());
                    opts.platforms.len().max(1)
                ]));
            }
            continue;
        };
        done[job] = Some(Arc::new(results));
        finished += 1;
        sink.progress(finished, total);
    }
}

fn spawn_jobs(
    client: Arc<Client>,
    jobs: &[Reference],
    opts: &BatchOptions,
) -> mpsc::UnboundedReceiver<(usize, Vec<Result<Resolved, Failure>>)> {
    let (tx, rx) = mpsc::unbounded_channel();
    // A fair semaphore: jobs start in input order.
    let permits = Arc::new(Semaphore::new(opts.jobs.max(1)));
    for (index, reference) in jobs.iter().enumerate() {
        let (client, tx, permits) = (client.clone(), tx.clone(), permits.clone());
        let (reference, opts) = (reference.clone(), opts.clone());
        tokio::spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            let results = resolve_job(&client, &reference, &opts).await;
            let _ = tx.send((index, results));
        });
    }
    rx
}

async fn resolve_job(
    client: &Client,
    reference: &Reference,
    opts: &BatchOptions,
) -> Vec<Result<Resolved, Failure>> {
    if opts.platforms.is_empty() {
        let found = resolve(
            client,
            reference,
            ResolveOptions {
                verify: opts.verify,
            },
        )
        .await;
        return vec![found.map_err(|e| Failure::of(&e))];
    }
    match resolve_platforms(client, reference, &opts.platforms, opts.verify).await {
        Ok(results) => results
            .into_iter()
            .map(|r| r.map_err(|e| Failure::of(&e)))
            .collect(),
        Err(e) => vec![Err(Failure::of(&e)); opts.platforms.len()],
    }
}

/// One job's results, shared by every input that names it.
type Results = Arc<Vec<Result<Resolved, Failure>>>;

/// Inputs parsed, and the distinct references among them as jobs.
struct Plan<'a> {
    inputs: &'a [String],
    parsed: Vec<Result<(Reference, usize), Failure>>,
    jobs: Vec<Reference>,
}

impl<'a> Plan<'a> {
    fn new(inputs: &'a [String]) -> Self {
        let mut jobs: Vec<Reference> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let parsed = inputs
            .iter()
            .map(|input| {
                let reference = Reference::parse_normalized(input.trim())
                    .map_err(|e| Failure::of(&e.into()))?;
                // Inputs naming the same manifest share one job: `node` is `node:latest`.
                let job = *seen.entry(reference.qualified_string()).or_insert_with(|| {
                    jobs.push(reference.clone());
                    jobs.len() - 1
                });
                Ok((reference, job))
            })
            .collect();
        Plan {
            inputs,
            parsed,
            jobs,
        }
    }

    /// Input `i`'s outcome, once its job is done (at once for a bad reference).
    fn outcome(&self, i: usize, done: &[Option<Results>]) -> Option<Outcome> {
        let input = self.inputs[i].trim().to_string();
        match &self.parsed[i] {
            Err(failure) => Some(Outcome {
                input,
                reference: None,
                results: Arc::new(vec![Err(failure.clone())]),
            }),
            Ok((reference, job)) => Some(Outcome {
                input,
                reference: Some(reference.clone()),
                results: done[*job].clone()?,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_reads_stdin_in_place_once() {
        let args: Vec<String> = ["a", "-", "b", "-"].iter().map(|s| s.to_string()).collect();
        let stdin = "  x \n\n# comment\n  # indented comment\ny\n".as_bytes();
        assert_eq!(expand_inputs(&args, stdin).unwrap(), ["a", "x", "y", "b"]);
    }

    #[test]
    fn plan_dedupes_and_keeps_failures_in_place() {
        let inputs: Vec<String> = ["node", "Bad", "docker.io/library/node:latest", "redis"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let plan = Plan::new(&inputs);
        assert_eq!(plan.jobs.len(), 2);
        let done = vec![None, None];
        let bad = plan.outcome(1, &done).unwrap();
        let failure = bad.results[0].as_ref().unwrap_err();
        assert_eq!(failure.code, ErrorCode::InvalidReference);
        assert!(plan.outcome(0, &done).is_none());
        assert!(matches!(plan.parsed[2], Ok((_, 0))));
    }
}
