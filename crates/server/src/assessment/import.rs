//! Importing a feed mirror into the store, feed by feed.
//!
//! The mirror is read with [`mirror::load_feeds`]; every feed that read cleanly replaces the
//! stored feed of the same kind and origin in one transaction, and a feed with any bad file is
//! left as it was stored before (its errors name each file). What changed decides what is
//! re-assessed: new or changed advisories re-assess only the packages they name; new KEV or
//! lifecycle data re-assess everything, since every finding's priority may move. The
//! assessment itself runs as a queued job, which the server's worker or the caller runs.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use steward_formats::feeds::mirror::{self, FeedError, FeedRecords, Progress};
use steward_store::{FeedImport, KevRecord, PackageName, Store, StoreError};

use super::job::{self, Scope};

/// Where an import is, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportProgress {
    /// Reading files.
    Reading(Progress),
    /// Storing feed `index` (from 1) of `total`.
    Storing {
        /// This feed's position.
        index: usize,
        /// Feeds to store.
        total: usize,
        /// The feed's kind.
        kind: &'static str,
        /// Its origin.
        origin: String,
        /// Its records.
        records: usize,
    },
}

/// What happened to one feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedOutcome {
    /// Kind of data.
    pub kind: &'static str,
    /// Archive or top-level folder it came from.
    pub origin: String,
    /// Files it held.
    pub files: usize,
    /// Records read.
    pub records: usize,
    /// Whether it replaced the stored feed (false: a file failed, the stored feed stays).
    pub imported: bool,
    /// Advisories added, changed or removed by this import.
    pub advisories_changed: usize,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Every feed found.
    pub feeds: Vec<FeedOutcome>,
    /// Files that are not feeds.
    pub skipped: usize,
    /// Every file that could not be read.
    pub errors: Vec<FeedError>,
    /// The assessment job queued, if anything changed.
    pub job: Option<i64>,
    /// What that job re-assesses.
    pub scope: Option<Scope>,
}

/// Why an import could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The mirror's root cannot be read.
    #[error("{0}")]
    Mirror(#[from] FeedError),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Reading was interrupted.
    #[error("reading the mirror stopped: {0}")]
    Interrupted(String),
}

/// Imports the mirror at `dir` into `store`, reporting progress, and queues the assessment of
/// what changed.
pub async fn import_mirror(
    store: &dyn Store,
    dir: &Path,
    mut progress: impl FnMut(ImportProgress) + Send + 'static,
    now: Timestamp,
) -> Result<ImportSummary, ImportError> {
    let root: PathBuf = dir.to_path_buf();
    let (loaded, mut progress) = tokio::task::spawn_blocking(move || {
        let loaded = mirror::load_feeds(&root, |p| progress(ImportProgress::Reading(p)));
        (loaded, progress)
    })
    .await
    .map_err(|e| ImportError::Interrupted(e.to_string()))?;
    let loaded = loaded?;

    let source = dir.display().to_string();
    let total = loaded.feeds.iter().filter(|f| f.count.imported).count();
    let mut summary = ImportSummary {
        skipped: loaded.skipped,
        errors: loaded.errors,
        ..ImportSummary::default()
    };
    let mut packages: Vec<PackageName> = Vec::new();
    let mut everything = false;
    let mut index = 0;
    for feed in loaded.feeds {
        let mut outcome = FeedOutcome {
            kind: feed.count.kind.as_str(),
            origin: feed.count.origin.clone(),
            files: feed.count.files,
            records: feed.count.records,
            imported: feed.count.imported,
            advisories_changed: 0,
        };
        if feed.count.imported {
            index += 1;
            progress(ImportProgress::Storing {
                index,
                total,
                kind: outcome.kind,
                origin: outcome.origin.clone(),
                records: outcome.records,
            });
            let change = store.replace_feed(&to_import(feed, &source), now).await?;
            outcome.advisories_changed = change.advisories_changed;
            everything |= change.context_changed;
            packages.extend(change.packages);
        }
        summary.feeds.push(outcome);
    }

    packages.sort();
    packages.dedup();
    let scope = match (everything, packages.is_empty()) {
        (true, _) => Some(Scope::All),
        (false, false) => Some(Scope::Packages(packages)),
        (false, true) => None,
    };
    if let Some(scope) = &scope {
        summary.job = Some(job::enqueue(store, scope, now).await?);
    }
    summary.scope = scope;
    Ok(summary)
}

/// One feed as the store takes it.
fn to_import(feed: FeedRecords, source: &str) -> FeedImport {
    FeedImport {
        kind: feed.count.kind.as_str().to_owned(),
        origin: feed.count.origin,
        source: source.to_owned(),
        files: feed.count.files,
        advisories: feed.advisories,
        kev: feed
            .kev
            .into_iter()
            .map(|entry| KevRecord {
                cve_id: entry.cve_id,
                date_added: entry.date_added,
                due_date: entry.due_date,
                ransomware: entry.known_ransomware_campaign_use,
                name: entry.vulnerability_name,
            })
            .collect(),
        lifecycle: feed.lifecycle,
    }
}
