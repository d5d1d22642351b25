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
use tokio::sync::mpsc;

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
/// at most `limit` at once, started in order and each only when a slot is
/// free, so a batch of 10,000 holds `limit` futures, not 10,000; `done`
/// gets each job's index and result as it finishes, and `lost()`'s for a
/// job that never finished.
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
    let start = |index: usize| {
        let job = work(client.clone(), jobs[index].clone());
        let reply = Reply {
            tx: tx.clone(),
            index,
            sent: false,
        };
        tokio::spawn(async move { reply.send(job.await) });
    };
    let mut next = 0;
    while next < jobs.len().min(limit.max(1)) {
        start(next);
        next += 1;
    }
    for _ in 0..jobs.len() {
        // The driver holds a sender, and every task's reply sends once, a
        // panicking one's as it is dropped: an answer comes for each job.
        let Some((index, result)) = rx.recv().await else {
            break;
        };
        done(index, result);
        if next < jobs.len() {
            start(next);
            next += 1;
        }
    }
}

/// Where a job's result goes; a job dropped without one (its task
/// panicked) is reported as `lost()`.
struct Reply<T> {
    tx: mpsc::UnboundedSender<(usize, Result<T, Failure>)>,
    index: usize,
    sent: bool,
}

impl<T> Reply<T> {
    fn send(mut self, result: Result<T, Failure>) {
        self.sent = true;
        let _ = self.tx.send((self.index, result));
    }
}

impl<T> Drop for Reply<T> {
    fn drop(&mut self) {
        if !self.sent {
            let _ = self.tx.send((self.index, Err(lost())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::CredentialStore;
    use crate::registries_conf::RegistriesConf;
    use crate::registry::transport::TransportOptions;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn at_most_limit_run_in_order_and_a_panic_is_lost() {
        let opts = TransportOptions {
            ca_file: None,
            insecure: false,
            timeout: Duration::from_secs(1),
            retries: 0,
            verbose: false,
        };
        let conf = RegistriesConf::default();
        let client = Arc::new(Client::new(&opts, CredentialStore::from_env(None), conf).unwrap());
        let jobs: Vec<Reference> = (0..50)
            .map(|i| Reference::parse_normalized(&format!("r/x:{i}")).unwrap())
            .collect();
        let (running, peak, started) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(std::sync::Mutex::new(Vec::new())),
        );
        let work = |_client: Arc<Client>, reference: Reference| {
            let (running, peak, started) = (running.clone(), peak.clone(), started.clone());
            async move {
                let tag = reference.tag().unwrap_or_default().to_string();
                started.lock().unwrap().push(tag.clone());
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                assert_ne!(tag, "7", "job 7 panics");
                Ok::<_, Failure>(tag)
            }
        };
        let mut results = vec![None; jobs.len()];
        run_jobs(&client, &jobs, 4, work, |i, result| {
            results[i] = Some(result)
        })
        .await;
        assert!(peak.load(Ordering::SeqCst) <= 4);
        let order: Vec<String> = (0..50).map(|i| i.to_string()).collect();
        assert_eq!(*started.lock().unwrap(), order, "started in order");
        for (i, result) in results.into_iter().enumerate() {
            match result.expect("every job answered") {
                Ok(tag) => assert_eq!(tag, i.to_string()),
                Err(failure) => assert_eq!((i, failure), (7, lost())),
            }
        }
    }
}
