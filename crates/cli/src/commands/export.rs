//! `steward export`: a host or application as CycloneDX 1.6 JSON, or every asset of other
//! kinds as CSV. Output goes to standard output, or to a file written atomically (a
//! temporary file beside it, renamed into place).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use jiff::Timestamp;
use steward_server::assets::import;

use super::StoreArgs;
use crate::settings::FileSettings;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// A host's packages or an application's components as CycloneDX 1.6 JSON.
    Sbom {
        /// The host, by id.
        #[arg(
            long,
            conflicts_with = "application",
            required_unless_present = "application"
        )]
        host: Option<i64>,
        /// The application, by id.
        #[arg(long)]
        application: Option<i64>,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Every asset of other kinds as CSV, importable back with `steward import csv`.
    Csv {
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub async fn run(command: ExportCommand, file: &FileSettings) -> anyhow::Result<ExitCode> {
    match command {
        ExportCommand::Sbom {
            host,
            application,
            output,
            store,
        } => {
            let store = store.open(file).await?;
            let now = Timestamp::now();
            let document = match (host, application) {
                (Some(id), _) => import::host_sbom(store.as_ref(), id, now)
                    .await?
                    .with_context(|| format!("no host with id {id}"))?,
                (None, Some(id)) => import::application_sbom(store.as_ref(), id, now)
                    .await?
                    .with_context(|| format!("no application with id {id}"))?,
                (None, None) => anyhow::bail!("give --host ID or --application ID"),
            };
            let mut bytes = serde_json::to_vec_pretty(&document)?;
            bytes.push(b'\n');
            emit(output.as_deref(), &bytes)?;
        }
        ExportCommand::Csv { output, store } => {
            let store = store.open(file).await?;
            let bytes = import::export_csv(store.as_ref()).await?;
            emit(output.as_deref(), &bytes)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes to the file atomically, or to standard output.
fn emit(output: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    let Some(path) = output else {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(bytes)
            .context("cannot write to standard output");
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    temp.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
