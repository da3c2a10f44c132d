//! `steward feeds import DIR`: loads a feed mirror into the store, feed by feed, then runs the
//! assessment of what changed (unless `--no-assess`, which leaves it queued for a server).
//!
//! Progress goes to standard error (one rewritten line on a terminal, a line per 5,000 files
//! otherwise); the summary table to standard output; every bad file, with its error, to
//! standard error. The exit status is non-zero when any file could not be read.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use steward_server::assessment::import::{ImportProgress, import_mirror};
use steward_server::assessment::worker;

use crate::commands::StoreArgs;
use crate::settings::FileSettings;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The mirror directory.
    dir: PathBuf,
    /// Queue the assessment for a server's worker instead of running it now.
    #[arg(long)]
    no_assess: bool,
    #[command(flatten)]
    store: StoreArgs,
}

pub async fn import(args: ImportArgs, file: &FileSettings) -> anyhow::Result<ExitCode> {
    let ImportArgs {
        dir,
        no_assess,
        store,
    } = args;
    let store = store.open(file).await?;
    let terminal = std::io::stderr().is_terminal();
    let summary = import_mirror(
        store.as_ref(),
        &dir,
        progress(terminal),
        jiff::Timestamp::now(),
    )
    .await
    .with_context(|| format!("cannot import {}", dir.display()))?;
    if terminal {
        eprintln!();
    }

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<16} {:<28} {:>7} {:>8} {:>8}  status",
        "feed", "origin", "files", "records", "changed"
    )?;
    for feed in &summary.feeds {
        let status = match feed.imported {
            true => "imported",
            false => "NOT imported (bad file; the stored feed is kept)",
        };
        writeln!(
            out,
            "{:<16} {:<28} {:>7} {:>8} {:>8}  {status}",
            feed.kind, feed.origin, feed.files, feed.records, feed.advisories_changed
        )?;
    }
    let imported = summary.feeds.iter().filter(|f| f.imported).count();
    writeln!(
        out,
        "{imported} of {} feeds imported; {} files skipped (not feeds); {} bad files",
        summary.feeds.len(),
        summary.skipped,
        summary.errors.len()
    )?;
    for error in &summary.errors {
        eprintln!("error: {error}");
    }

    match summary.job {
        None => writeln!(out, "nothing changed: no assessment needed")?,
        Some(job) if no_assess => writeln!(out, "assessment queued as job {job}")?,
        Some(_) => {
            drop(out);
            let started = std::time::Instant::now();
            let ran = worker::run_pending(store.as_ref(), &worker_name()).await?;
            println!(
                "assessment: {ran} job(s) run in {:.1} s; `steward report` shows the findings",
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(match summary.errors.is_empty() {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    })
}

/// The name this process claims jobs under.
pub fn worker_name() -> String {
    format!("cli-{}", std::process::id())
}

/// A progress display on standard error.
fn progress(terminal: bool) -> impl FnMut(ImportProgress) + Send + 'static {
    let mut last_reported = 0;
    move |p| match p {
        ImportProgress::Reading(p) if terminal && p.files_seen % 100 == 0 => {
            eprint!("\rreading: {} files, {} records", p.files_seen, p.records);
        }
        ImportProgress::Reading(p) if !terminal && p.files_seen >= last_reported + 5000 => {
            last_reported = p.files_seen;
            eprintln!("reading: {} files, {} records", p.files_seen, p.records);
        }
        ImportProgress::Reading(_) => {}
        ImportProgress::Storing {
            index,
            total,
            kind,
            origin,
            records,
        } => {
            let line = format!("storing feed {index}/{total}: {kind} {origin} ({records} records)");
            match terminal {
                true => eprint!("\r{line:<80}"),
                false => eprintln!("{line}"),
            }
        }
    }
}
