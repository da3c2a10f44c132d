//! The background worker: claims queued jobs from the store and runs them, one at a time.
//!
//! Jobs are claimed through the database (see the store's job queue), so any number of
//! servers may run a worker against one database. A job that fails is marked failed with its
//! error and logged; the worker carries on with the next.
//!
//! A host's lifecycle status holds until a date (the end of its current support phase); once
//! that day comes the stored status is stale though nothing else changed, so the worker
//! checks hourly for such hosts and queues their re-assessment.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use steward_store::{Job, Store, StoreError};

use super::job::{self, JOB_KIND, Scope};

/// How long a claim holds before another worker may take the job over.
const LEASE: SignedDuration = SignedDuration::from_hours(1);

/// How often an idle worker looks for work. Jobs come from other processes too (`steward
/// feeds import`, other servers), so the queue is polled; a look is one indexed count, and
/// this bounds how long a new advisory waits before its assessment starts.
const IDLE_POLL: Duration = Duration::from_millis(50);

/// How often the worker looks for lifecycle statuses that ran past their date.
const LIFECYCLE_CHECK: Duration = Duration::from_secs(3600);

/// Queues the re-assessment of hosts whose lifecycle status ran past its date by `now`;
/// returns those hosts (none: nothing queued).
pub async fn queue_lapsed_lifecycles(
    store: &dyn Store,
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
    let hosts = store.hosts_with_lapsed_lifecycle(&today).await?;
    if !hosts.is_empty() {
        job::enqueue(store, &Scope::Hosts(hosts.clone()), now).await?;
    }
    Ok(hosts)
}

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

/// The worker's hourly look for lapsed lifecycle statuses; a failure is logged and retried
/// at the next look.
async fn check_lifecycles(store: &dyn Store) {
    match queue_lapsed_lifecycles(store, Timestamp::now()).await {
        Ok(hosts) if !hosts.is_empty() => {
            tracing::info!(hosts = hosts.len(), "lifecycle dates passed, re-assessing");
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "cannot check lifecycle dates"),
    }
}

/// Starts the worker as a task that runs until the runtime stops.
pub fn spawn(store: Arc<dyn Store>, worker: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut lifecycle_checked: Option<std::time::Instant> = None;
        loop {
            if lifecycle_checked.is_none_or(|at| at.elapsed() >= LIFECYCLE_CHECK) {
                lifecycle_checked = Some(std::time::Instant::now());
                check_lifecycles(store.as_ref()).await;
            }
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
