//! Assessment through the server's own job: the bench imports the feed mirror into the
//! server's store with the code `steward feeds import` runs, and the running `steward serve`
//! child's worker claims the queued assessment and runs it. Measured from the moment the job
//! is queued until the queue is empty again, with the server's peak resident memory over
//! that time.
//!
//! The incremental case imports a one-file mirror holding one new advisory (a copy, under a
//! new id, of a real one) and times the import and the job it queues until its findings
//! exist.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use steward_core::assessment::advisory::{Advisory, Range};
use steward_server::assessment::import::{ImportSummary, import_mirror};
use steward_server::assessment::job::{self, Scope};
use steward_store::SqlStore;

use super::Store;
use super::load::Server;

/// How often the bench looks at the job queue and the server's memory.
const POLL: Duration = Duration::from_millis(5);

/// The longest the bench waits for the queue to empty.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(3600);

/// The server's store, opened beside the server.
pub type StoreHandle = Arc<dyn steward_store::Store>;

/// Opens the store the server runs on.
pub async fn open(store: &Store) -> anyhow::Result<StoreHandle> {
    let opened = match store {
        Store::Sqlite(dir) => SqlStore::open_data_dir(dir)
            .await
            .with_context(|| format!("cannot open the store in {}", dir.display()))?,
        Store::Postgres(url) => SqlStore::connect(url)
            .await
            .context("cannot open the PostgreSQL store")?,
    };
    Ok(Arc::new(opened))
}

/// How one wait for the queue went.
#[derive(Debug, Clone, Default)]
pub struct Drained {
    /// From the start of the wait until no job was queued or running.
    pub elapsed: Duration,
    /// The server's peak resident memory over the wait, bytes: VmHWM after resetting it, or
    /// the highest VmRSS sampled when the reset is refused.
    pub peak_rss: u64,
    /// The error of a job that failed during the wait: the time is then not an assessment's.
    pub failed: Option<String>,
}

/// Waits until the job queue is empty, sampling the server's memory.
pub async fn drain(store: &StoreHandle, server: &Server) -> anyhow::Result<Drained> {
    let failed_before = store.last_failed_job().await?.map(|(id, _)| id);
    let reset = server.reset_peak();
    let start = Instant::now();
    let mut sampled = 0;
    loop {
        if let Some((_, rss)) = server.memory() {
            sampled = sampled.max(rss);
        }
        if store
            .pending_jobs()
            .await
            .context("cannot read the job queue")?
            == 0
        {
            break;
        }
        anyhow::ensure!(
            start.elapsed() < QUEUE_TIMEOUT,
            "the job queue did not empty within {} s",
            QUEUE_TIMEOUT.as_secs()
        );
        tokio::time::sleep(POLL).await;
    }
    let elapsed = start.elapsed();
    let failed = store
        .last_failed_job()
        .await?
        .filter(|(id, _)| Some(*id) != failed_before)
        .map(|(id, error)| format!("job {id} failed: {error}"));
    let peak_rss = match (reset, server.memory()) {
        (true, Some((hwm, _))) => hwm,
        _ => sampled,
    };
    Ok(Drained {
        elapsed,
        peak_rss,
        failed,
    })
}

/// A full import and the assessment it queued.
#[derive(Debug, Clone)]
pub struct FullImport {
    /// Reading the mirror and storing its feeds, until the job was queued.
    pub import: Duration,
    /// Feeds imported and advisories changed.
    pub feeds: usize,
    /// Advisories added or changed.
    pub advisories: usize,
    /// The queued assessment, until done.
    pub assessment: Drained,
}

/// Imports the mirror at `data` into the server's store and waits for its assessment.
pub async fn import_all(
    store: &StoreHandle,
    server: &Server,
    data: &Path,
) -> anyhow::Result<FullImport> {
    let start = Instant::now();
    let summary = import_mirror(store.as_ref(), data, |_| {}, jiff::Timestamp::now())
        .await
        .with_context(|| format!("cannot import {}", data.display()))?;
    let import = start.elapsed();
    ensure_clean(&summary, data)?;
    anyhow::ensure!(
        summary.scope == Some(Scope::All),
        "importing {} queued {:?}, not a full assessment",
        data.display(),
        summary.scope
    );
    let assessment = drain(store, server).await?;
    Ok(FullImport {
        import,
        feeds: summary.feeds.iter().filter(|f| f.imported).count(),
        advisories: summary.feeds.iter().map(|f| f.advisories_changed).sum(),
        assessment,
    })
}

/// Queues a full re-assessment, as an import of new KEV or lifecycle data does, and waits
/// for it.
pub async fn reassess_all(store: &StoreHandle, server: &Server) -> anyhow::Result<Drained> {
    job::enqueue(store.as_ref(), &Scope::All, jiff::Timestamp::now())
        .await
        .context("cannot queue the assessment")?;
    drain(store, server).await
}

/// One new advisory's import and the assessment it queued.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewAdvisory {
    /// Reading the one-file mirror and storing it, until the job was queued.
    pub import: Duration,
    /// The queued assessment of the packages it names, until done.
    pub assessment: Duration,
    /// Findings of the new advisory afterwards.
    pub findings: usize,
}

/// Imports `advisory` as a mirror of its own under `dir` and waits until its findings exist.
pub async fn import_one(
    store: &StoreHandle,
    server: &Server,
    advisory: &Advisory,
    dir: &Path,
) -> anyhow::Result<NewAdvisory> {
    let feed = dir.join(format!("bench-{}", advisory.id.to_lowercase()));
    std::fs::create_dir_all(&feed).with_context(|| format!("cannot create {}", feed.display()))?;
    let file = feed.join(format!("{}.json", advisory.id));
    std::fs::write(&file, serde_json::to_vec_pretty(&osv_json(advisory))?)
        .with_context(|| format!("cannot write {}", file.display()))?;
    let start = Instant::now();
    let summary = import_mirror(store.as_ref(), dir, |_| {}, jiff::Timestamp::now())
        .await
        .with_context(|| format!("cannot import {}", dir.display()))?;
    let import = start.elapsed();
    ensure_clean(&summary, dir)?;
    anyhow::ensure!(
        matches!(summary.scope, Some(Scope::Packages(_))),
        "importing one advisory queued {:?}, not the packages it names",
        summary.scope
    );
    let drained = drain(store, server).await?;
    let filter = steward_api::assessment::FindingFilter {
        advisory: Some(advisory.id.clone()),
        ..Default::default()
    };
    let page = steward_api::resources::PageRequest {
        limit: Some(500),
        ..Default::default()
    };
    let findings = store
        .list_findings(&filter, &page)
        .await
        .context("cannot list the new advisory's findings")?
        .items
        .len();
    std::fs::remove_dir_all(&feed).with_context(|| format!("cannot remove {}", feed.display()))?;
    if let Some(error) = drained.failed {
        anyhow::bail!("the assessment of the new advisory failed: {error}");
    }
    Ok(NewAdvisory {
        import,
        assessment: drained.elapsed,
        findings,
    })
}

/// Fails on any bad file: the benchmark's figures would not be about the whole mirror.
fn ensure_clean(summary: &ImportSummary, dir: &Path) -> anyhow::Result<()> {
    match summary.errors.first() {
        None => Ok(()),
        Some(error) => anyhow::bail!(
            "importing {}: {} bad files, the first {error}",
            dir.display(),
            summary.errors.len()
        ),
    }
}

/// `advisory` as an OSV record, the shape a mirror holds.
fn osv_json(advisory: &Advisory) -> serde_json::Value {
    let affected: Vec<serde_json::Value> = advisory
        .affected
        .iter()
        .map(|a| {
            serde_json::json!({
                "package": {"ecosystem": a.ecosystem, "name": a.name},
                "ranges": a.ranges.iter().map(osv_range).collect::<Vec<_>>(),
                "versions": a.versions,
            })
        })
        .collect();
    let severity: Vec<serde_json::Value> = advisory
        .severity
        .iter()
        .map(|s| serde_json::json!({"type": s.kind, "score": s.vector}))
        .collect();
    let modified = advisory.modified.unwrap_or_else(jiff::Timestamp::now);
    serde_json::json!({
        "schema_version": "1.6.0",
        "id": advisory.id,
        "modified": modified.to_string(),
        "summary": advisory.summary,
        "details": advisory.details,
        "severity": severity,
        "affected": affected,
    })
}

fn osv_range(range: &Range) -> serde_json::Value {
    let mut value = serde_json::json!({
        "type": range.kind,
        "events": range.events,
    });
    if let Some(repo) = &range.repo {
        value["repo"] = serde_json::Value::String(repo.clone());
    }
    value
}

/// Advisory ids and package names that have findings, for the query load.
#[derive(Debug, Default)]
pub struct FindingSample {
    /// Advisory ids with findings, each once.
    pub advisories: Vec<String>,
    /// Packages with findings, each once.
    pub packages: Vec<String>,
}

/// Reads up to 500 findings, highest priority first, and keeps their advisories and packages.
pub async fn finding_sample(store: &StoreHandle) -> anyhow::Result<FindingSample> {
    let page = steward_api::resources::PageRequest {
        limit: Some(500),
        ..Default::default()
    };
    let findings = store
        .list_findings(&steward_api::assessment::FindingFilter::default(), &page)
        .await
        .context("cannot list findings")?
        .items;
    let mut sample = FindingSample::default();
    for finding in findings {
        sample.advisories.extend(finding.ids);
        sample.packages.push(finding.package);
    }
    for list in [&mut sample.advisories, &mut sample.packages] {
        list.sort();
        list.dedup();
    }
    Ok(sample)
}
