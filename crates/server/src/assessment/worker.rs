//! The background worker: claims queued jobs from the store and runs them, one at a time.
//!
//! Jobs are claimed through the database (see the store's job queue), so any number of
//! servers may run a worker against one database. A job that fails is marked failed with its
//! error and logged; the worker carries on with the next.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use steward_store::{Job, Store, StoreError};

use super::job::{self, JOB_KIND};

/// How long a claim holds before another worker may take the job over.
const LEASE: SignedDuration = SignedDuration::from_hours(1);

/// How often an idle worker looks for work. Jobs come from other processes too (`steward
/// feeds import`, other servers), so the queue is polled; a look is one indexed count, and
/// this bounds how long a new advisory waits before its assessment starts.
const IDLE_POLL: Duration = Duration::from_millis(50);

/// Runs queued jobs until none is left; returns how many ran.
pub async fn run_pending(store: &dyn Store, worker: &str) -> Result<usize, StoreError> {
    let mut ran = 0;
    while let Some(job) = store.claim_job(worker, Timestamp::now(), LEASE).await? {
        run_one(store, &job).await?;
        ran += 1;
    }
    Ok(ran)
}

/// Runs one claimed job and records how it ended.
async fn run_one(store: &dyn Store, job: &Job) -> Result<(), StoreError> {
    let outcome = match job.kind.as_str() {
        JOB_KIND => match job::scope_of(&job.payload) {
            Ok(scope) => match job::assess(store, &scope, Timestamp::now()).await {
                Ok(summary) => {
                    tracing::info!(job = job.id, ?summary, "assessment done");
                    Ok(serde_json::to_string(&summary).unwrap_or_default())
                }
                Err(error) => Err(error.to_string()),
            },
            Err(error) => Err(error),
        },
        other => Err(format!("unknown job kind {other:?}")),
    };
    if let Err(error) = &outcome {
        tracing::warn!(job = job.id, %error, "job failed");
    }
    store.finish_job(job.id, outcome, Timestamp::now()).await
}

/// Starts the worker as a task that runs until the runtime stops.
pub fn spawn(store: Arc<dyn Store>, worker: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            // Claiming takes the write lock; looking first keeps an idle server read-only.
            let work = store.pending_jobs().await.map(|pending| pending > 0);
            let ran = match work {
                Ok(true) => run_pending(store.as_ref(), &worker).await,
                Ok(false) => Ok(0),
                Err(error) => Err(error),
            };
            if let Err(error) = ran {
                tracing::warn!(%error, "job queue unavailable");
            }
            tokio::time::sleep(IDLE_POLL).await;
        }
    })
}
