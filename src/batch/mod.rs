//! Many references in one run: expanding `-` into stdin's lines, parsing
//! each input, resolving the distinct references concurrently (at most
//! `jobs` at a time, over one client), and handing results back strictly in
//! input order as soon as each one's turn comes. A failure is one input's
//! outcome and never stops or reorders the others.

pub mod engine;

use crate::exit::Failure;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::registry::Client;
use crate::resolve::{choose_platforms, fetch, resolve, ResolveError, ResolveOptions, Resolved};
use crate::signature::{self, Verifier};
use engine::{run_jobs, Distinct};
use std::io::BufRead;
use std::sync::Arc;

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
    /// `--key`: every digest printed must be validly signed.
    pub verifier: Arc<Verifier>,
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
    for reference in &plan.distinct.jobs {
        client.plan(reference);
    }
    let total = plan.distinct.jobs.len();
    let mut done: Vec<Option<Results>> = vec![None; total];
    let mut next = plan.deliver_ready(0, &done, sink);
    let mut finished = 0;
    let work = |client: Arc<Client>, reference: Reference| {
        let opts = opts.clone();
        async move { Ok::<_, Failure>(resolve_job(&client, &reference, &opts).await) }
    };
    let jobs = &plan.distinct.jobs;
    run_jobs(&client, jobs, opts.jobs, work, |job, results| {
        let lines = opts.platforms.len().max(1);
        let results = results.unwrap_or_else(|lost| vec![Err(lost); lines]);
        done[job] = Some(Arc::new(results));
        finished += 1;
        sink.progress(finished, total);
        next = plan.deliver_ready(next, &done, sink);
    })
    .await;
}

async fn resolve_job(
    client: &Client,
    reference: &Reference,
    opts: &BatchOptions,
) -> Vec<Result<Resolved, Failure>> {
    let found = found(client, reference, opts).await;
    let mut results = Vec::with_capacity(found.len());
    for (result, index) in found {
        let result = match result {
            Ok(resolved) => signed(client, reference, resolved, index, &opts.verifier)
                .await
                .map_err(|e| e.failure()),
            Err(e) => Err(e),
        };
        results.push(result);
    }
    results
}

/// Each result, with the digest of the index it was chosen from.
type Found = Vec<(Result<Resolved, Failure>, Option<crate::digest::Digest>)>;

async fn found(client: &Client, reference: &Reference, opts: &BatchOptions) -> Found {
    if opts.platforms.is_empty() {
        let verify = opts.verify;
        let found = resolve(client, reference, ResolveOptions { verify }).await;
        return vec![(found.map_err(|e| e.failure()), None)];
    }
    let every = |e: ResolveError| {
        opts.platforms
            .iter()
            .map(|_| (Err(e.failure()), None))
            .collect()
    };
    let top = match fetch(client, reference, opts.verify).await {
        Ok(top) => top,
        Err(e) => return every(e),
    };
    let index = Some(top.resolved.digest.clone());
    match choose_platforms(client, reference, &top, &opts.platforms, opts.verify).await {
        Ok(results) => results
            .into_iter()
            .map(|r| (r.map_err(|e| e.failure()), index.clone()))
            .collect(),
        Err(e) => every(e),
    }
}

/// With `--key`: the result only when its digest, or the index it was
/// chosen from, is validly signed.
async fn signed(
    client: &Client,
    reference: &Reference,
    mut resolved: Resolved,
    index: Option<crate::digest::Digest>,
    verifier: &Verifier,
) -> Result<Resolved, ResolveError> {
    if verifier.is_off() {
        return Ok(resolved);
    }
    let mut digests = vec![resolved.digest.clone()];
    digests.extend(index.filter(|i| *i != resolved.digest));
    let key = signature::verify(client, reference, &digests, verifier).await?;
    resolved.signed_by = Some(key);
    Ok(resolved)
}

/// One job's results, shared by every input that names it.
type Results = Arc<Vec<Result<Resolved, Failure>>>;

/// Inputs parsed, and the distinct references among them as jobs.
struct Plan<'a> {
    inputs: &'a [String],
    parsed: Vec<Result<(Reference, usize), Failure>>,
    distinct: Distinct,
}

impl<'a> Plan<'a> {
    fn new(inputs: &'a [String]) -> Self {
        let mut distinct = Distinct::default();
        let parsed = inputs
            .iter()
            .map(|input| {
                let reference =
                    Reference::parse_normalized(input.trim()).map_err(|e| e.failure())?;
                // Inputs naming the same manifest share one job: `node` is `node:latest`.
                let job = distinct.add(&reference);
                Ok((reference, job))
            })
            .collect();
        Plan {
            inputs,
            parsed,
            distinct,
        }
    }

    /// Hands `sink` the outcomes from input `next` on whose turn has come;
    /// returns the first input still waiting.
    fn deliver_ready(
        &self,
        mut next: usize,
        done: &[Option<Results>],
        sink: &mut impl Sink,
    ) -> usize {
        while next < self.inputs.len() {
            let Some(outcome) = self.outcome(next, done) else {
                break;
            };
            sink.deliver(outcome);
            next += 1;
        }
        next
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
        assert_eq!(plan.distinct.jobs.len(), 2);
        let done = vec![None, None];
        let bad = plan.outcome(1, &done).unwrap();
        let failure = bad.results[0].as_ref().unwrap_err();
        assert_eq!(failure.code, crate::exit::ErrorCode::InvalidReference);
        assert!(plan.outcome(0, &done).is_none());
        assert!(matches!(plan.parsed[2], Ok((_, 0))));
    }
}
