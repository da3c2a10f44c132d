//! `steward scan`: inventory this host and print it.
//!
//! With `--json` the output is exactly the inventory document the agent submits.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use steward_api::agent::InventoryDocument;
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
}

pub async fn scan(args: ScanArgs) -> anyhow::Result<ExitCode> {
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
