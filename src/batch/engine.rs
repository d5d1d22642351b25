//! The one engine behind every batch (`ddigest REF...`, `pin`, `check`):
//! the distinct references among many (by `Reference::qualified_string`,
//! so `node` and `docker.io/library/node:latest` are one), worked on
//! concurrently over one client, at most `limit` at a time and started in
//! order, each result handed back as it comes. A job whose task ends
//! without a result (a panic) is reported as an internal error, never lost.

use crate::exit::{ErrorCode, Failure};
use crate::reference::Reference;
use crate::registry::Client;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{mpsc, Semaphore};

/// Distinct references, each once, in the order first met.
#[derive(Default)]
pub struct Distinct {
    pub jobs: Vec<Reference>,
    index: HashMap<String, usize>,
}

impl Distinct {
    /// The job `reference` belongs to, added when new.
    pub fn add(&mut self, reference: &Reference) -> usize {
        let jobs = &mut self.jobs;
        *self
            .index
            .entry(reference.qualified_string())
            .or_insert_with(|| {
                jobs.push(reference.clone());
                jobs.len() - 1
            })
    }
}

/// What a job that ended without a result is reported as.
pub fn lost() -> Failure {
    Failure {
        code: ErrorCode::Other,
        message: "internal error: the resolution ended without an answer".into(),
    }
}

/// Runs `work` for each job (which the caller has planned on the client),
/// at most `limit` at once; `done` gets each job's index and result as it finishes, and
/// `lost()`'s for a job that never finished.
pub async fn run_jobs<T, W, Fut>(
    client: &Arc<Client>,
    jobs: &[Reference],
    limit: usize,
    work: W,
    mut done: impl FnMut(usize, Result<T, Failure>),
) where
    W: Fn(Arc<Client>, Reference) -> Fut,
    Fut: Future<Output = Result<T, Failure>> + Send + 'static,
    T: Send + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel();
    // A fair semaphore: jobs start in order.
    let permits = Arc::new(Semaphore::new(limit.max(1)));
    for (index, reference) in jobs.iter().enumerate() {
        let job = work(client.clone(), reference.clone());
        let (tx, permits) = (tx.clone(), permits.clone());
        tokio::spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            let _ = tx.send((index, job.await));
        });
    }
    drop(tx);
    let mut finished = vec![false; jobs.len()];
    while let Some((index, result)) = rx.recv().await {
        finished[index] = true;
        done(index, result);
    }
    for index in (0..jobs.len()).filter(|&i| !finished[i]) {
        done(index, Err(lost()));
    }
}
