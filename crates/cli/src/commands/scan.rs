//! `steward scan`: inventory this host and print it, or assess a lockfile.
//!
//! With `--json` the output is exactly the inventory document the agent submits. With
//! `--lockfile FILE --feeds DIR` it assesses that lockfile against the advisories of a feed
//! mirror instead (see [`lockfile`]).

mod lockfile;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use steward_api::agent::InventoryDocument;
use steward_core::assessment::advisory::Advisory;
use steward_core::inventory::SourceStatus;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Print the inventory document as JSON.
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
    /// Assess this lockfile (`Cargo.lock`) instead of inventorying the host.
    #[arg(long, requires = "feeds")]
    lockfile: Option<PathBuf>,
    /// Feed mirror directory to assess against, with no store.
    #[arg(long, requires = "lockfile")]
    feeds: Option<PathBuf>,
}

pub async fn scan(args: ScanArgs) -> anyhow::Result<ExitCode> {
    if let (Some(lockfile), Some(feeds)) = (args.lockfile.clone(), args.feeds.clone()) {
        let json = args.json;
        tokio::task::spawn_blocking(move || {
            lockfile::run(&lockfile, &feeds, json, load_mirror_advisories)
        })
        .await
        .context("the assessment failed")??;
        return Ok(ExitCode::SUCCESS);
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
