//! `steward feeds sync`: downloads each feed with a conditional request into the feed mirror
//! kept in the data directory, then imports the feeds that changed.
//!
//! Layout under `<data-dir>/feeds/`: `mirror/` is a feed mirror as `mirror::load` reads one
//! (`osv/<ecosystem>/all.zip`, `kev/known_exploited_vulnerabilities.json`,
//! `endoflife.date/products.json` and `endoflife.date/<product>.json`); `incoming/` holds
//! downloads until they are checked; `state.json` keeps each URL's validators. A feed is
//! replaced whole by a rename once its download is complete and checked, so a feed whose
//! download fails keeps its previous copy. A feed downloaded but not yet imported (the import
//! failed, or the process stopped) is imported by the next sync even when unchanged.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use serde::{Deserialize, Serialize};
use steward_formats::feeds::mirror::{self, FeedKind, Mirror};
use steward_formats::feeds::{MAX_FILE_BYTES, eol, kev};
use tokio::sync::Semaphore;

use super::archive::{self, Limits};
use super::fetch::{Fetched, Fetcher};
use super::sources::{Given, OsvSource, Sources};
use super::state::{SyncState, Validators};
use crate::commands::{StoreArgs, ensure_dir};
use crate::settings::FileSettings;

/// Largest OSV export downloaded (compressed).
const MAX_ZIP_BYTES: u64 = 1 << 30;
/// Most endoflife.date products taken from its product list.
const MAX_PRODUCTS: usize = 5_000;
/// endoflife.date product pages fetched at once.
const PRODUCT_REQUESTS_IN_FLIGHT: usize = 8;
/// How many failed product downloads a report names one by one.
const ERRORS_NAMED: usize = 5;

const KEV_FEED: &str = "kev";
const KEV_FILE: &str = "known_exploited_vulnerabilities.json";
const ENDOFLIFE_FEED: &str = "endoflife.date";
const PRODUCT_LIST_FILE: &str = "products.json";

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// URL of one ecosystem's OSV export, `{ecosystem}` standing for its name
    /// [default: osv.dev's `https://osv-vulnerabilities.storage.googleapis.com/{ecosystem}/all.zip`].
    #[arg(long, env = "STEWARD_FEEDS_OSV_URL")]
    osv_url: Option<String>,
    /// OSV ecosystems to download, comma-separated (osv.dev's names: `PyPI,crates.io,Debian`).
    #[arg(long, env = "STEWARD_FEEDS_OSV_ECOSYSTEMS", value_delimiter = ',')]
    osv_ecosystems: Option<Vec<String>>,
    /// URL of the CISA KEV catalog (JSON); empty to leave it out.
    #[arg(long, env = "STEWARD_FEEDS_KEV_URL")]
    kev_url: Option<String>,
    /// Base URL of endoflife.date's API v1; empty to leave it out.
    #[arg(long, env = "STEWARD_FEEDS_ENDOFLIFE_URL")]
    endoflife_url: Option<String>,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// How one feed's download went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    Downloaded,
    NotModified,
    Failed,
}

/// One feed's line in the summary.
#[derive(Debug, Serialize)]
struct FeedReport {
    /// The feed's path in the mirror (`osv/PyPI`, `kev`, `endoflife.date`).
    feed: String,
    url: String,
    outcome: Outcome,
    /// Bytes downloaded.
    bytes: u64,
    /// Files downloaded (for endoflife.date, one per product and the list).
    files_downloaded: usize,
    /// Files the server said were unchanged.
    files_not_modified: usize,
    /// Why the download failed; the previous copy is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// What the import read, when the feed was imported.
    #[serde(skip_serializing_if = "Option::is_none")]
    import: Option<ImportReport>,
}

/// What importing one feed read.
#[derive(Debug, Default, Serialize)]
struct ImportReport {
    advisories: usize,
    kev_entries: usize,
    lifecycle_products: usize,
    errors: Vec<String>,
}

/// Paths of the sync's working folders.
struct Layout {
    mirror: PathBuf,
    incoming: PathBuf,
    state: PathBuf,
}

struct Sync {
    layout: Layout,
    fetcher: Fetcher,
    state: SyncState,
}

pub async fn sync(args: SyncArgs, file: &FileSettings) -> anyhow::Result<ExitCode> {
    let given = Given {
        osv_url: args.osv_url,
        osv_ecosystems: args.osv_ecosystems,
        kev_url: args.kev_url,
        endoflife_url: args.endoflife_url,
    };
    let sources = Sources::resolve(given, &file.feeds)?;
    let root = args.store.data_dir(file).join("feeds");
    ensure_dir(&root)?;
    let _lock = lock(&root)?;

    let layout = Layout {
        mirror: root.join("mirror"),
        incoming: root.join("incoming"),
        state: root.join("state.json"),
    };
    prepare(&layout)?;
    let mut sync = Sync {
        state: SyncState::load(&layout.state),
        layout,
        fetcher: Fetcher::new()?,
    };

    let mut reports = Vec::new();
    for source in &sources.osv {
        let report = sync.osv(source).await;
        sync.save_state()?;
        reports.push(report);
    }
    if let Some(url) = &sources.kev {
        let report = sync.kev(url).await;
        sync.save_state()?;
        reports.push(report);
    }
    if let Some(base) = &sources.endoflife {
        let report = sync.endoflife(base).await;
        sync.save_state()?;
        reports.push(report);
    }

    sync.import_changed(&mut reports).await?;
    print_summary(&reports, args.json)?;
    let failed = reports.iter().any(|r| {
        r.outcome == Outcome::Failed || r.import.as_ref().is_some_and(|i| !i.errors.is_empty())
    });
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Holds `sync.lock` for the whole sync, so two syncs never write the same mirror.
fn lock(root: &Path) -> anyhow::Result<File> {
    let path = root.join("sync.lock");
    let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            anyhow::bail!(
                "another feeds sync is running ({} is locked)",
                path.display()
            )
        }
        Err(std::fs::TryLockError::Error(err)) => {
            Err(err).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// Puts back a folder feed a stopped sync had moved aside, and empties `incoming/`.
fn prepare(layout: &Layout) -> anyhow::Result<()> {
    ensure_dir(&layout.mirror)?;
    let aside = layout.incoming.join(aside_name(ENDOFLIFE_FEED));
    let target = layout.mirror.join(ENDOFLIFE_FEED);
    if aside.is_dir() && !target.exists() {
        std::fs::rename(&aside, &target)
            .with_context(|| format!("cannot restore {}", target.display()))?;
    }
    if layout.incoming.exists() {
        std::fs::remove_dir_all(&layout.incoming)
            .with_context(|| format!("cannot empty {}", layout.incoming.display()))?;
    }
    ensure_dir(&layout.incoming)
}

fn aside_name(feed: &str) -> String {
    format!("previous-{feed}")
}

impl Sync {
    fn save_state(&self) -> anyhow::Result<()> {
        self.state.save(&self.layout.state)
    }

    /// The validators to send for `url`, if the copy they describe is on disk.
    fn validators_for(&self, url: &str, copy: &Path) -> Option<Validators> {
        self.state.urls.get(url).filter(|_| copy.is_file()).cloned()
    }

    fn remember(&mut self, url: &str, validators: Validators) {
        if validators.is_empty() {
            self.state.urls.remove(url);
        } else {
            self.state.urls.insert(url.to_owned(), validators);
        }
    }

    async fn osv(&mut self, source: &OsvSource) -> FeedReport {
        let feed = format!("osv/{}", source.folder);
        let target = self.layout.mirror.join(&feed).join("all.zip");
        self.single_file(&feed, &source.url, &target, MAX_ZIP_BYTES, |path| {
            archive::check_zip(path, Limits::MIRROR).map(|checked| checked.files)
        })
        .await
    }

    async fn kev(&mut self, url: &str) -> FeedReport {
        let target = self.layout.mirror.join(KEV_FEED).join(KEV_FILE);
        self.single_file(KEV_FEED, url, &target, MAX_FILE_BYTES, |path| {
            let bytes = std::fs::read(path).map_err(|err| format!("cannot read: {err}"))?;
            kev::read_json(&bytes)
                .map(|catalog| catalog.entries.len())
                .map_err(|err| format!("not a KEV catalog: {err}"))
        })
        .await
    }

    /// Downloads a feed that is one file, checks it with `check` (which counts its files or
    /// records, or says what is wrong), and renames it over the previous copy.
    async fn single_file(
        &mut self,
        feed: &str,
        url: &str,
        target: &Path,
        limit: u64,
        check: fn(&Path) -> Result<usize, String>,
    ) -> FeedReport {
        let mut report = FeedReport::new(feed, url);
        eprintln!("{feed}: fetching {url}");
        let scratch = self.layout.incoming.join(feed.replace('/', "_"));
        let previous = self.validators_for(url, target);
        let fetched = match self
            .fetcher
            .fetch(url, previous.as_ref(), &scratch, limit)
            .await
        {
            Ok(fetched) => fetched,
            Err(err) => {
                let _ = std::fs::remove_file(&scratch);
                return report.failed(format!("{url}: {err}"));
            }
        };
        let Fetched::Downloaded { bytes, validators } = fetched else {
            report.outcome = Outcome::NotModified;
            report.files_not_modified = 1;
            eprintln!("{feed}: not modified");
            return report;
        };
        report.bytes = bytes;
        report.files_downloaded = 1;

        let checked = {
            let scratch = scratch.clone();
            tokio::task::spawn_blocking(move || check(&scratch)).await
        };
        let result = match checked {
            Ok(Ok(_)) => replace_file(&scratch, target),
            Ok(Err(err)) => Err(err),
            Err(err) => Err(format!("the check stopped: {err}")),
        };
        if let Err(err) = result {
            let _ = std::fs::remove_file(&scratch);
            return report.failed(format!("{url}: {err}"));
        }
        self.remember(url, validators);
        self.state.mark_pending(feed);
        eprintln!("{feed}: downloaded {bytes} bytes");
        report
    }
}

impl FeedReport {
    fn new(feed: &str, url: &str) -> FeedReport {
        FeedReport {
            feed: feed.to_owned(),
            url: url.to_owned(),
            outcome: Outcome::Downloaded,
            bytes: 0,
            files_downloaded: 0,
            files_not_modified: 0,
            error: None,
            import: None,
        }
    }

    fn failed(mut self, error: String) -> FeedReport {
        eprintln!("{}: failed, previous copy kept: {error}", self.feed);
        self.outcome = Outcome::Failed;
        self.error = Some(error);
        self
    }
}

/// Renames a checked download over the feed's previous copy (atomic on one file system).
fn replace_file(scratch: &Path, target: &Path) -> Result<(), String> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|err| format!("cannot create {}: {err}", parent.display()))?;
    }
    std::fs::rename(scratch, target)
        .map_err(|err| format!("cannot replace {}: {err}", target.display()))
}

/// endoflife.date's product list (API v1 `/products`); only the names are used.
#[derive(Deserialize)]
struct ProductList {
    result: Vec<ProductEntry>,
}

#[derive(Deserialize)]
struct ProductEntry {
    name: String,
}

/// One product page's download.
struct ProductFetch {
    url: String,
    result: Result<Fetched, String>,
}

impl Sync {
    /// Downloads endoflife.date's product list and every product's page into a new folder,
    /// then swaps it for the previous one; a failure anywhere keeps the previous folder.
    async fn endoflife(&mut self, base: &str) -> FeedReport {
        let list_url = format!("{base}/products");
        let mut report = FeedReport::new(ENDOFLIFE_FEED, &list_url);
        eprintln!("{ENDOFLIFE_FEED}: fetching {list_url}");
        let current = self.layout.mirror.join(ENDOFLIFE_FEED);
        let fresh = self.layout.incoming.join(ENDOFLIFE_FEED);
        if let Err(err) = std::fs::create_dir_all(&fresh) {
            return report.failed(format!("cannot create {}: {err}", fresh.display()));
        }

        let (list, list_validators) = match self
            .product_list(&list_url, &current, &fresh, &mut report)
            .await
        {
            Ok(list) => list,
            Err(err) => return report.failed(err),
        };
        let fetches = self.products(base, &list, &current, &fresh).await;
        let failures: Vec<String> = fetches
            .iter()
            .filter_map(|f| {
                f.result
                    .as_ref()
                    .err()
                    .map(|err| format!("{}: {err}", f.url))
            })
            .collect();
        if !failures.is_empty() {
            let _ = std::fs::remove_dir_all(&fresh);
            return report.failed(summarise_failures(&failures, list.len()));
        }

        let mut changed = report.files_downloaded > 0 || product_set(&current) != list;
        for fetch in fetches {
            match fetch.result {
                Ok(Fetched::Downloaded { bytes, validators }) => {
                    report.bytes += bytes;
                    report.files_downloaded += 1;
                    changed = true;
                    self.remember(&fetch.url, validators);
                }
                Ok(Fetched::NotModified) => report.files_not_modified += 1,
                Err(_) => {}
            }
        }
        if !changed {
            let _ = std::fs::remove_dir_all(&fresh);
            report.outcome = Outcome::NotModified;
            eprintln!("{ENDOFLIFE_FEED}: not modified");
            return report;
        }
        let aside = self.layout.incoming.join(aside_name(ENDOFLIFE_FEED));
        if let Err(err) = replace_dir(&fresh, &current, &aside) {
            return report.failed(err);
        }
        if let Some(validators) = list_validators {
            self.remember(&list_url, validators);
        }
        let prefix = format!("{base}/products/");
        self.state
            .urls
            .retain(|url, _| !url.starts_with(&prefix) || list.contains(&url[prefix.len()..]));
        self.state.mark_pending(ENDOFLIFE_FEED);
        eprintln!(
            "{ENDOFLIFE_FEED}: downloaded {} bytes in {} files, {} not modified",
            report.bytes, report.files_downloaded, report.files_not_modified
        );
        report
    }

    /// Fetches the product list into `fresh` (or copies the current one when unchanged) and
    /// reads the product names from it; a new list's validators are returned, to be kept once
    /// the whole feed is in place.
    async fn product_list(
        &self,
        url: &str,
        current: &Path,
        fresh: &Path,
        report: &mut FeedReport,
    ) -> Result<(BTreeSet<String>, Option<Validators>), String> {
        let destination = fresh.join(PRODUCT_LIST_FILE);
        let previous = self.validators_for(url, &current.join(PRODUCT_LIST_FILE));
        match self
            .fetcher
            .fetch(url, previous.as_ref(), &destination, MAX_FILE_BYTES)
            .await
            .map_err(|err| format!("{url}: {err}"))?
        {
            Fetched::NotModified => {
                report.files_not_modified += 1;
                keep_copy(&current.join(PRODUCT_LIST_FILE), &destination)?;
                let list =
                    read_product_list(&destination).map_err(|err| format!("{url}: {err}"))?;
                Ok((list, None))
            }
            Fetched::Downloaded { bytes, validators } => {
                report.bytes += bytes;
                report.files_downloaded += 1;
                let list =
                    read_product_list(&destination).map_err(|err| format!("{url}: {err}"))?;
                Ok((list, Some(validators)))
            }
        }
    }

    /// Fetches every product's page, a few at a time, into `fresh`.
    async fn products(
        &self,
        base: &str,
        list: &BTreeSet<String>,
        current: &Path,
        fresh: &Path,
    ) -> Vec<ProductFetch> {
        let slots = Arc::new(Semaphore::new(PRODUCT_REQUESTS_IN_FLIGHT));
        let mut tasks = tokio::task::JoinSet::new();
        for name in list {
            let url = format!("{base}/products/{name}");
            let file = format!("{name}.json");
            let (copy, destination) = (current.join(&file), fresh.join(&file));
            let previous = self.validators_for(&url, &copy);
            let (fetcher, slots) = (self.fetcher.clone(), slots.clone());
            tasks.spawn(async move {
                let _slot = slots.acquire_owned().await;
                let result = fetch_product(&fetcher, &url, previous, &copy, &destination).await;
                ProductFetch { url, result }
            });
        }

        let mut fetches = Vec::with_capacity(list.len());
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(fetch) => fetches.push(fetch),
                Err(err) => fetches.push(ProductFetch {
                    url: base.to_owned(),
                    result: Err(format!("a download stopped: {err}")),
                }),
            }
            if fetches.len() % 100 == 0 {
                eprintln!(
                    "{ENDOFLIFE_FEED}: {}/{} products",
                    fetches.len(),
                    list.len()
                );
            }
        }
        fetches
    }
}

/// One product page: downloaded and checked, or the current copy kept when unchanged.
async fn fetch_product(
    fetcher: &Fetcher,
    url: &str,
    previous: Option<Validators>,
    copy: &Path,
    destination: &Path,
) -> Result<Fetched, String> {
    let fetched = fetcher
        .fetch(url, previous.as_ref(), destination, MAX_FILE_BYTES)
        .await?;
    match &fetched {
        Fetched::NotModified => keep_copy(copy, destination)?,
        Fetched::Downloaded { .. } => {
            let bytes = std::fs::read(destination).map_err(|err| format!("cannot read: {err}"))?;
            let name = destination
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy();
            eol::read_api_json(&name, &bytes)
                .map_err(|err| format!("not endoflife.date product data: {err}"))?;
        }
    }
    Ok(fetched)
}

/// Carries an unchanged file into the new folder: a hard link, else a copy.
fn keep_copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::hard_link(from, to)
        .or_else(|_| std::fs::copy(from, to).map(|_| ()))
        .map_err(|err| format!("cannot keep {}: {err}", from.display()))
}

/// The product names in a product list; names that could climb out of the folder or are not
/// endoflife.date's spelling are refused.
fn read_product_list(path: &Path) -> Result<BTreeSet<String>, String> {
    let bytes = std::fs::read(path).map_err(|err| format!("cannot read: {err}"))?;
    let list: ProductList = serde_json::from_slice(&bytes)
        .map_err(|err| format!("not an endoflife.date product list: {err}"))?;
    if list.result.len() > MAX_PRODUCTS {
        return Err(format!("more than {MAX_PRODUCTS} products"));
    }
    let mut names = BTreeSet::new();
    for entry in list.result {
        if !is_product_name(&entry.name) {
            return Err(format!("product name {:?} is not acceptable", entry.name));
        }
        names.insert(entry.name);
    }
    Ok(names)
}

fn is_product_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 100
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

/// The products whose pages are in the current folder.
fn product_set(folder: &Path) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return BTreeSet::new();
    };
    entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".json").map(str::to_owned)
        })
        .filter(|name| name != "products")
        .collect()
}

fn summarise_failures(failures: &[String], products: usize) -> String {
    let mut message = format!(
        "{} of {} product downloads failed: {}",
        failures.len(),
        products,
        failures[..failures.len().min(ERRORS_NAMED)].join("; ")
    );
    if failures.len() > ERRORS_NAMED {
        message.push_str("; …");
    }
    message
}

/// Swaps a complete new folder in for the current one: the current one is moved aside, the new
/// one renamed into place, and the old one removed (a stopped sync puts it back next time).
fn replace_dir(fresh: &Path, current: &Path, aside: &Path) -> Result<(), String> {
    if current.exists() {
        std::fs::rename(current, aside)
            .map_err(|err| format!("cannot move {} aside: {err}", current.display()))?;
    }
    if let Err(err) = std::fs::rename(fresh, current) {
        let _ = std::fs::rename(aside, current);
        return Err(format!("cannot replace {}: {err}", current.display()));
    }
    let _ = std::fs::remove_dir_all(aside);
    Ok(())
}

impl Sync {
    /// Imports every feed downloaded now or left waiting by an earlier sync. They are read in
    /// one pass over a view of the mirror holding only those feeds (hard links at the same
    /// relative paths), so each feed keeps the origin an import of the whole mirror gives it.
    async fn import_changed(&mut self, reports: &mut [FeedReport]) -> anyhow::Result<()> {
        let feeds: Vec<String> = reports
            .iter()
            .map(|report| report.feed.clone())
            .filter(|feed| self.state.pending_import.contains(feed))
            .collect();
        if feeds.is_empty() {
            return Ok(());
        }
        let view = self.layout.incoming.join("import");
        for feed in &feeds {
            link_tree(&self.layout.mirror.join(feed), &view.join(feed))?;
        }

        eprintln!("importing {}", feeds.join(", "));
        let loaded = load_view(view.clone()).await?;
        for report in reports.iter_mut().filter(|r| feeds.contains(&r.feed)) {
            let import = ImportReport::of(&loaded, &view, &report.feed);
            if import.errors.is_empty() {
                self.state.mark_imported(&report.feed);
            }
            report.import = Some(import);
        }
        self.save_state()?;
        std::fs::remove_dir_all(&view).with_context(|| format!("cannot remove {}", view.display()))
    }
}

/// Mirrors the file tree at `from` into `to` with hard links (copies where links fail).
fn link_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    if from.is_file() {
        if let Some(parent) = to.parent() {
            ensure_dir(parent)?;
        }
        return keep_copy(from, to).map_err(anyhow::Error::msg);
    }
    ensure_dir(to)?;
    let entries =
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", from.display()))?;
        link_tree(&entry.path(), &to.join(entry.file_name()))?;
    }
    Ok(())
}

/// Reads the import view, with a progress line now and then.
async fn load_view(view: PathBuf) -> anyhow::Result<Mirror> {
    tokio::task::spawn_blocking(move || {
        mirror::load(&view, |progress| {
            if progress.files_seen % 10_000 == 0 {
                eprintln!("importing: {} files read", progress.files_seen);
            }
        })
    })
    .await
    .context("the import stopped")?
    .map_err(anyhow::Error::new)
}

impl ImportReport {
    /// What the import read for `feed`: its origins are the feed's path or lie under it.
    fn of(loaded: &Mirror, view: &Path, feed: &str) -> ImportReport {
        let nested = format!("{feed}/");
        let mut report = ImportReport::default();
        let counts = loaded.feeds.iter().filter(|count| {
            count.imported && (count.origin == feed || count.origin.starts_with(&nested))
        });
        for count in counts {
            match count.kind {
                FeedKind::Osv => report.advisories += count.records,
                FeedKind::Kev => report.kev_entries += count.records,
                FeedKind::EndOfLifeDate => report.lifecycle_products += count.records,
                _ => {}
            }
        }
        let under = format!("{}/", view.join(feed).display());
        report.errors = loaded
            .errors
            .iter()
            .filter(|error| {
                error.path.starts_with(&under) || error.path == under[..under.len() - 1]
            })
            .map(ToString::to_string)
            .collect();
        report
    }
}

fn print_summary(reports: &[FeedReport], json: bool) -> anyhow::Result<()> {
    if json {
        let summary = serde_json::json!({ "feeds": reports });
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    for report in reports {
        let line = match report.outcome {
            Outcome::Downloaded => format!(
                "downloaded {} bytes ({} files, {} not modified)",
                report.bytes, report.files_downloaded, report.files_not_modified
            ),
            Outcome::NotModified => "not modified".to_owned(),
            Outcome::Failed => format!(
                "failed, previous copy kept: {}",
                report.error.as_deref().unwrap_or("")
            ),
        };
        println!("{}: {line}", report.feed);
        if let Some(import) = &report.import {
            println!(
                "{}: imported {} advisories, {} KEV entries, {} lifecycle products; {} errors",
                report.feed,
                import.advisories,
                import.kev_entries,
                import.lifecycle_products,
                import.errors.len()
            );
            for error in &import.errors {
                println!("{}: error: {error}", report.feed);
            }
        }
    }
    Ok(())
}
