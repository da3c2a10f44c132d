//! `steward import`: SBOMs and lockfiles become applications, a CSV file becomes assets.
//!
//! `cyclonedx`, `spdx` and `lockfile` take several files; each becomes (or replaces the
//! components of) one application, and a file that cannot be read is reported by name
//! without stopping the others. `glpi` takes GLPI agent inventories (JSON, plain or
//! compressed): computers update their host as the agent's own submission would, other
//! equipment becomes assets. `csv` plans every row first and imports nothing when a row
//! fails, unless `--skip-bad-rows`; `--dry-run` only shows the plan.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use jiff::Timestamp;
use steward_formats::glpi;
use steward_server::assets::import::{self, DocumentKind, MAX_UPLOAD_BYTES};
use steward_server::inventory::glpi_import::{self, Imported};

use super::{StoreArgs, cli_actor};
use crate::settings::FileSettings;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// CycloneDX SBOMs (JSON or XML, 1.1 to 1.6), one application each.
    Cyclonedx(DocumentArgs),
    /// SPDX SBOMs (2.x JSON or tag-value, 3.0 JSON-LD), one application each.
    Spdx(DocumentArgs),
    /// Lockfiles (Cargo.lock, package-lock.json, requirements.txt, poetry.lock,
    /// Gemfile.lock, go.mod), recognised by file name, one application each.
    Lockfile(DocumentArgs),
    /// GLPI agent inventories (JSON as the agent sends it): computers become hosts, network
    /// equipment, printers and phones assets of their kind.
    Glpi {
        /// The inventory files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Assets from a CSV file with a header row (see the README for the columns).
    Csv {
        /// The CSV file.
        file: PathBuf,
        /// Show what would be created or changed, and import nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import the good rows even when some rows fail.
        #[arg(long)]
        skip_bad_rows: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct DocumentArgs {
    /// The files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The application's name (only with one file); default: the document's, else the
    /// file's name.
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

pub async fn run(command: ImportCommand, file: &FileSettings) -> anyhow::Result<ExitCode> {
    match command {
        ImportCommand::Cyclonedx(args) => documents(DocumentKind::Cyclonedx, args, file).await,
        ImportCommand::Spdx(args) => documents(DocumentKind::Spdx, args, file).await,
        ImportCommand::Lockfile(args) => documents(DocumentKind::Lockfile, args, file).await,
        ImportCommand::Glpi { files, store } => glpi(files, store, file).await,
        ImportCommand::Csv {
            file: path,
            dry_run,
            skip_bad_rows,
            store,
        } => csv(path, dry_run, skip_bad_rows, store, file).await,
    }
}

/// Reads a file, refusing one larger than the upload limit before reading it.
fn read_bounded(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > MAX_UPLOAD_BYTES as u64 {
        anyhow::bail!(
            "{}: {size} bytes is larger than the limit of {MAX_UPLOAD_BYTES}",
            path.display()
        );
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

async fn documents(
    kind: DocumentKind,
    args: DocumentArgs,
    file: &FileSettings,
) -> anyhow::Result<ExitCode> {
    if args.name.is_some() && args.files.len() > 1 {
        anyhow::bail!("--name names one application: give one file with it");
    }
    let store = args.store.open(file).await?;
    let actor = cli_actor();
    let mut failed = 0;
    for path in &args.files {
        let outcome = async {
            let bytes = read_bounded(path)?;
            let name = path.display().to_string();
            let document = import::read_document(kind, &name, &bytes, args.name.as_deref())?;
            let outcome = store
                .import_application(&document, &actor, Timestamp::now())
                .await?;
            anyhow::Ok(outcome)
        }
        .await;
        match outcome {
            Ok(o) => {
                let verb = if o.created { "created" } else { "updated" };
                println!(
                    "{}: application {} {:?} {verb}: {} components (+{} -{} ~{}), {} not \
                     assessable",
                    path.display(),
                    o.application_id,
                    o.name,
                    o.component_count,
                    o.added,
                    o.removed,
                    o.changed,
                    o.unresolved
                );
            }
            Err(err) => {
                eprintln!("{}: not imported: {err:#}", path.display());
                failed += 1;
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn glpi(
    files: Vec<PathBuf>,
    store: StoreArgs,
    file: &FileSettings,
) -> anyhow::Result<ExitCode> {
    let store = store.open(file).await?;
    let actor = cli_actor();
    let mut failed = 0;
    for path in &files {
        let outcome = async {
            let bytes = read_bounded(path)?;
            let (message, _) = glpi::read_body(&bytes, &glpi::Limits::DEFAULT)?;
            let imported =
                glpi_import::import(store.as_ref(), message, &actor, Timestamp::now()).await?;
            anyhow::Ok(imported)
        }
        .await;
        match outcome {
            Ok(Imported::Host {
                host_id,
                changes,
                packages,
                partial,
            }) => {
                let packages =
                    packages.map_or("packages unchanged".to_owned(), |n| format!("{n} packages"));
                let kind = if partial {
                    "partial inventory"
                } else {
                    "inventory"
                };
                println!(
                    "{}: {kind} applied to host {host_id}: {packages}, {changes} changes",
                    path.display()
                );
            }
            Ok(Imported::Asset {
                asset_id,
                action,
                changes,
            }) => {
                println!("{}: asset {asset_id} {action}", path.display());
                for change in changes {
                    println!("    {change}");
                }
            }
            Err(err) => {
                eprintln!("{}: not imported: {err:#}", path.display());
                failed += 1;
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn csv(
    path: PathBuf,
    dry_run: bool,
    skip_bad_rows: bool,
    store: StoreArgs,
    file: &FileSettings,
) -> anyhow::Result<ExitCode> {
    let bytes = read_bounded(&path)?;
    let store = store.open(file).await?;
    let report = import::import_csv(
        store.as_ref(),
        &bytes,
        dry_run,
        skip_bad_rows,
        &cli_actor(),
        Timestamp::now(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;

    for row in &report.plan {
        let id = row
            .asset_id
            .map(|id| format!(" asset {id}"))
            .unwrap_or_default();
        println!("row {}: {}{id} {:?}", row.row, row.action, row.name);
        for change in &row.changes {
            println!("    {change}");
        }
    }
    for error in &report.errors {
        match &error.column {
            Some(column) => eprintln!(
                "{}: row {}, column {column:?}: {}",
                path.display(),
                error.row,
                error.message
            ),
            None => eprintln!("{}: row {}: {}", path.display(), error.row, error.message),
        }
    }
    let count = |action: &str| report.plan.iter().filter(|p| p.action == action).count();
    let summary = format!(
        "{} to create, {} to update, {} unchanged, {} rows with errors",
        count("create"),
        count("update"),
        count("unchanged"),
        report.errors.len()
    );
    if report.imported {
        println!("imported: {summary}");
        Ok(ExitCode::SUCCESS)
    } else if dry_run {
        println!("dry run, nothing imported: {summary}");
        Ok(if report.errors.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    } else {
        println!(
            "nothing imported because some rows failed (--skip-bad-rows imports the others): \
             {summary}"
        );
        Ok(ExitCode::FAILURE)
    }
}
