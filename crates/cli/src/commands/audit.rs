//! `steward audit verify` checks the audit log's hash chain; `steward audit export` prints it
//! as JSON lines, oldest first.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use super::StoreArgs;
use crate::settings::FileSettings;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exits non-zero and names the first broken entry if it is broken.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print every entry as one JSON object per line, oldest first.
    Export {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Entries read per round while exporting.
const EXPORT_BATCH: u32 = 1000;

pub async fn run(command: AuditCommand, file: &FileSettings) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify { store } => {
            let store = store.open(file).await?;
            let verdict = store.verify_audit().await?;
            match verdict.broken {
                None => {
                    println!("audit log OK: {} entries, chain intact", verdict.entries);
                    Ok(ExitCode::SUCCESS)
                }
                Some(broken) => {
                    println!(
                        "audit log BROKEN at entry {}: {} ({} entries before it are intact)",
                        broken.id, broken.reason, verdict.entries
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCommand::Export { store } => {
            let store = store.open(file).await?;
            let mut out = std::io::stdout().lock();
            let mut after = 0;
            loop {
                let entries = store.audit_entries_after(after, EXPORT_BATCH).await?;
                for entry in &entries {
                    let line = serde_json::to_string(entry)?;
                    writeln!(out, "{line}").context("cannot write to standard output")?;
                    after = entry.id;
                }
                if entries.len() < EXPORT_BATCH as usize {
                    break;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
