//! The background worker: claims queued jobs from the store and runs them, one at a time.
//!
//! Jobs are claimed through the database (see the store's job queue), so any number of
//! servers may run a worker against one database. A job that fails is marked failed with its
//! error and logged; the worker carries on with the next.
//!
//! Each accepted inventory queues an assessment of its host; a worker that claims one takes
//! every other queued host assessment along and runs them as one job over all their hosts,
//! so a busy ingest does not leave a queue of one-host jobs, each reading the advisories again.
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

/// Host-scoped assessments claimed and run as one at most (each host's inventory queues one).
const HOST_JOBS_PER_RUN: usize = 10_000;

/// Runs queued jobs until none is left; returns how many finished.
pub async fn run_pending(store: &dyn Store, worker: &str) -> Result<usize, StoreError> {
    let mut ran = 0;
    while let Some(job) = store.claim_job(worker, Timestamp::now(), LEASE).await? {
        let alike = claim_alike(store, worker, &job).await?;
        run_one(store, &job, &alike).await?;
        ran += 1 + alike.len();
    }
    Ok(ran)
}

/// Every ingest queues an assessment of its host; with a queue of them, the one claimed takes
/// every other queued host assessment along, and they run as one over all their hosts.
async fn claim_alike(store: &dyn Store, worker: &str, job: &Job) -> Result<Vec<Job>, StoreError> {
    let hosts_scope = job.kind == JOB_KIND && job.payload.starts_with(job::HOSTS_PAYLOAD_PREFIX);
    if !hosts_scope {
        return Ok(Vec::new());
    }
    store
        .claim_queued_alike(
            worker,
            JOB_KIND,
            job::HOSTS_PAYLOAD_PREFIX,
            HOST_JOBS_PER_RUN,
            Timestamp::now(),
            LEASE,
        )
        .await
}

/// The scope of a claimed job with the host assessments it took along: all their hosts.
fn merged_scope(job: &Job, alike: &[Job]) -> Result<Scope, String> {
    let mut hosts = Vec::new();
    for payload in std::iter::once(job).chain(alike).map(|j| &j.payload) {
        match job::scope_of(payload)? {
            Scope::Hosts(ids) => hosts.extend(ids),
            other if alike.is_empty() => return Ok(other),
            other => {
                return Err(format!(
                    "job payload {payload:?} is not a host scope: {other:?}"
                ));
            }
        }
    }
    hosts.sort_unstable();
    hosts.dedup();
    Ok(Scope::Hosts(hosts))
}

/// Runs one claimed job (with the jobs it took along) and records how it ended, for each.
async fn run_one(store: &dyn Store, job: &Job, alike: &[Job]) -> Result<(), StoreError> {
    let outcome = match job.kind.as_str() {
        JOB_KIND => match merged_scope(job, alike) {
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
    for other in alike {
        store
            .finish_job(other.id, outcome.clone(), Timestamp::now())
            .await?;
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
