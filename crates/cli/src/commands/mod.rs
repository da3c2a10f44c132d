//! The subcommands. Spellings follow DESIGN.md's command table: scripts rely on them.

mod agent;
mod audit;
mod bench;
mod enroll;
mod export;
mod feeds;
mod import;
mod report;
mod scan;
mod serve;
mod token;
mod user;
mod versions;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use steward_store::{Actor, SqlStore, Store};

use crate::settings::FileSettings;

/// Steward keeps an organisation's systems and software known, current, supported and secure.
#[derive(Debug, Parser)]
#[command(name = "steward", version, about)]
pub struct Cli {
    /// More log output (-v debug, -vv trace); `STEWARD_LOG` overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Settings file (default: `steward.toml` in the working directory, if present).
    #[arg(long, env = "STEWARD_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// First look: the server and this host's agent in one process.
    Up(serve::UpArgs),
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Inventory this host and print it.
    Scan(scan::ScanArgs),
    /// Collect and submit inventories on a schedule, spooling while the server is away.
    Agent(agent::AgentArgs),
    /// Agent enrollment tokens.
    #[command(subcommand)]
    Enroll(enroll::EnrollCommand),
    /// Local users of the web UI.
    #[command(subcommand)]
    User(user::UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// The audit log: verify its hash chain, export it.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Import SBOMs and lockfiles as applications, or a CSV file of assets.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Export a host or application as CycloneDX, or the assets as CSV.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Version comparison by each ecosystem's rules.
    #[command(subcommand)]
    Versions(versions::VersionsCommand),
    /// Advisory and lifecycle feeds: download them from their publishers.
    #[command(subcommand)]
    Feeds(feeds::FeedsCommand),
    /// Findings and lifecycle report: per host its OS support, pending and security updates
    /// and open findings by priority, then the end-of-life forecast.
    Report(report::ReportArgs),
    /// Benchmark a generated fleet: ingest, assessment, queries, memory; prints one table.
    Bench(bench::BenchArgs),
}

/// Where the store is: a data directory (SQLite) or a database URL.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Data directory for the embedded SQLite store [default: ./steward-data].
    #[arg(long, env = "STEWARD_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL (`postgres://…` or `sqlite://…`), instead of the data directory.
    #[arg(long, env = "STEWARD_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl StoreArgs {
    /// The data directory after layering flags, environment, file and default.
    pub fn data_dir(&self, file: &FileSettings) -> PathBuf {
        self.data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("steward-data"))
    }

    /// Opens the store these arguments name.
    pub async fn open(&self, file: &FileSettings) -> anyhow::Result<Arc<dyn Store>> {
        let url = self
            .database_url
            .clone()
            .or_else(|| file.database_url.clone());
        let store = match url {
            Some(url) => SqlStore::connect(&url)
                .await
                .with_context(|| format!("cannot open the database at {}", redact(&url)))?,
            None => {
                let dir = self.data_dir(file);
                SqlStore::open_data_dir(&dir)
                    .await
                    .with_context(|| format!("cannot open the store in {}", dir.display()))?
            }
        };
        Ok(Arc::new(store))
    }
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = FileSettings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Up(args) => serve::up(args, &file).await,
        Command::Serve(args) => serve::serve(args, &file).await,
        Command::Scan(args) => scan::scan(args, &file).await,
        Command::Agent(args) => agent::agent(args).await,
        Command::Enroll(command) => enroll::run(command, &file).await,
        Command::User(command) => user::run(command, &file).await,
        Command::Token(command) => token::run(command, &file).await,
        Command::Audit(command) => audit::run(command, &file).await,
        Command::Import(command) => import::run(command, &file).await,
        Command::Export(command) => export::run(command, &file).await,
        Command::Versions(command) => versions::run(command),
        Command::Feeds(command) => feeds::run(command, &file).await,
        Command::Report(args) => report::report(args, &file).await,
        Command::Bench(args) => bench::run(args).await,
    }
}

/// Who the audit log names for changes made from the command line: `cli:` and the
/// operating-system user.
pub fn cli_actor() -> Actor {
    let user = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned());
    Actor::Cli(user)
}

/// Creates a directory (and its parents) with a clear error.
pub fn ensure_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted_in_messages() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
