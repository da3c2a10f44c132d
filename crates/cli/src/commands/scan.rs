//! `steward scan`: inventory this host and print it, or assess a lockfile or an SBOM.
//!
//! With `--json` the output is exactly the inventory document the agent submits. With
//! `--lockfile FILE` or `--sbom FILE` it assesses that document instead (see [`lockfile`]):
//! against the advisories of a feed mirror with `--feeds DIR`, else against the store's.

mod lockfile;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use steward_api::agent::InventoryDocument;
use steward_core::assessment::advisory::Advisory;
use steward_core::assessment::components::advisory_keys;
use steward_core::inventory::SourceStatus;
use steward_store::PackageName;

use self::lockfile::Input;
use super::StoreArgs;
use crate::settings::FileSettings;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Print the inventory document (or the assessment) as JSON.
    #[arg(long)]
    json: bool,
    /// Agent directory, where the pending-updates cache is kept.
    #[arg(long, env = "STEWARD_AGENT_DIR", default_value = steward_agent::state::DEFAULT_STATE_DIR)]
    spool: PathBuf,
    /// Extra directories to search for Python distributions.
    #[arg(long = "python-path")]
    python_paths: Vec<PathBuf>,
    /// Tags to attach to the inventory.
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Assess this lockfile instead of inventorying the host: Cargo.lock, package-lock.json,
    /// requirements.txt or pip freeze output, poetry.lock, Gemfile.lock, go.mod.
    #[arg(long, conflicts_with = "sbom")]
    lockfile: Option<PathBuf>,
    /// Assess this SBOM instead of inventorying the host: CycloneDX JSON or XML, SPDX 2 JSON
    /// or tag-value, SPDX 3 JSON-LD.
    #[arg(long)]
    sbom: Option<PathBuf>,
    /// Feed mirror directory to assess against, with no store [default: the store's feeds].
    #[arg(long)]
    feeds: Option<PathBuf>,
    /// The store whose feeds to assess against, when `--feeds` is not given.
    #[command(flatten)]
    store: StoreArgs,
}

pub async fn scan(args: ScanArgs, file: &FileSettings) -> anyhow::Result<ExitCode> {
    let input = match (&args.lockfile, &args.sbom) {
        (Some(path), _) => Some(Input::Lockfile(path.clone())),
        (None, Some(path)) => Some(Input::Sbom(path.clone())),
        (None, None) => None,
    };
    if let Some(input) = input {
        assess_document(&args, input, file).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.feeds.is_some() {
        bail!("--feeds needs --lockfile or --sbom");
    }

    let options = steward_agent::CollectOptions {
        state_dir: Some(args.spool.clone()),
        python_paths: args.python_paths.clone(),
        tags: args.tags.clone(),
    };
    let document = tokio::task::spawn_blocking(move || steward_agent::scan_document(&options))
        .await
        .context("the scan failed")?;

    if args.json {
        let json = serde_json::to_string_pretty(&document)?;
        println!("{json}");
    } else {
        print_summary(&document);
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the lockfile or SBOM, loads the advisories (the mirror's, or the store's naming its
/// components) and prints the assessment.
async fn assess_document(args: &ScanArgs, input: Input, file: &FileSettings) -> anyhow::Result<()> {
    let read = input.clone();
    let document = tokio::task::spawn_blocking(move || lockfile::read(&read))
        .await
        .context("reading the document failed")??;
    let advisories = match &args.feeds {
        Some(feeds) => {
            let feeds = feeds.clone();
            tokio::task::spawn_blocking(move || load_mirror_advisories(&feeds))
                .await
                .context("loading the feeds failed")?
                .with_context(|| "cannot load advisories from the feed mirror".to_owned())?
        }
        None => store_advisories(args, &document, file).await?,
    };
    let json = args.json;
    tokio::task::spawn_blocking(move || lockfile::run(&input, &document, &advisories, json))
        .await
        .context("the assessment failed")?
}

/// The store's advisories naming any component of the document. A data directory that does
/// not exist is an error, not a new empty store.
async fn store_advisories(
    args: &ScanArgs,
    document: &lockfile::Document,
    file: &FileSettings,
) -> anyhow::Result<Vec<Advisory>> {
    let no_url = args.store.database_url.is_none() && file.database_url.is_none();
    let dir = args.store.data_dir(file);
    if no_url && !dir.is_dir() {
        bail!(
            "no store at {}: pass --feeds DIR to assess against a feed mirror, or --data-dir \
             / --database-url to name the store",
            dir.display()
        );
    }
    let store = args.store.open(file).await?;
    let names: Vec<PackageName> = advisory_keys(&document.application.components)
        .into_iter()
        .map(|(ecosystem, name)| PackageName { ecosystem, name })
        .collect();
    if store.feeds().await?.is_empty() {
        tracing::warn!("the store holds no feeds: import some with `steward feeds import DIR`");
    }
    Ok(store.advisories_naming(Some(&names)).await?)
}

fn print_summary(doc: &InventoryDocument) {
    let facts = doc.facts.clone().unwrap_or_default();
    let os = facts
        .os
        .pretty_name
        .clone()
        .unwrap_or_else(|| "unknown OS".to_owned());
    println!(
        "{} ({os}, kernel {})",
        facts.hostname,
        facts.kernel.as_deref().unwrap_or("?")
    );
    let packages = doc.packages.as_deref().unwrap_or_default();
    let updates = doc.pending_updates.as_deref().unwrap_or_default();
    let security = updates.iter().filter(|u| u.security).count();
    println!("packages: {}", packages.len());
    println!("pending updates: {} ({security} security)", updates.len());
    for source in doc.sources.as_deref().unwrap_or_default() {
        let status = match source.status {
            SourceStatus::Ok => "ok",
            SourceStatus::Absent => "absent",
            SourceStatus::Unreadable => "UNREADABLE",
        };
        println!("  {:<14} {status:<10} {}", source.name, source.detail);
    }
}

/// The advisories of a feed mirror, read by the formats crate's mirror walker. Files that
/// could not be read are logged (their feed is then not imported, as the walker decides).
fn load_mirror_advisories(dir: &Path) -> anyhow::Result<Vec<Advisory>> {
    let mirror = steward_formats::feeds::mirror::load(dir, |_| {})?;
    for error in &mirror.errors {
        tracing::warn!(path = %error.path, "feed file not read: {}", error.message);
    }
    tracing::debug!(
        advisories = mirror.advisories.len(),
        skipped = mirror.skipped,
        "feed mirror loaded"
    );
    Ok(mirror.advisories)
}
