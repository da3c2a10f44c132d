//! `steward feeds …`: the advisory and lifecycle feeds. `sync` downloads them from their
//! publishers (or a site's own mirror of them) into a feed mirror in the data directory and
//! imports the feeds that changed. `import` loads a mirror directory into the store and runs
//! the assessment of what changed.

mod archive;
mod fetch;
mod import;
mod sources;
mod state;
mod sync;

use std::process::ExitCode;

use clap::Subcommand;

use crate::settings::FileSettings;

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Download the feeds from their publishers with conditional requests and import what
    /// changed: osv.dev's per-ecosystem exports, the CISA KEV catalog and endoflife.date.
    Sync(sync::SyncArgs),
    /// Import a feed mirror directory (OSV, KEV, endoflife.date, distro-info, Debian tracker,
    /// Alpine secdb) into the store; a feed with a bad file keeps its previous version.
    Import(import::ImportArgs),
}

pub async fn run(command: FeedsCommand, file: &FileSettings) -> anyhow::Result<ExitCode> {
    match command {
        FeedsCommand::Sync(args) => sync::sync(args, file).await,
        FeedsCommand::Import(args) => import::import(args, file).await,
    }
}
