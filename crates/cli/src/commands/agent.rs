//! `steward agent`: collect and submit on a schedule, spooling while the server is away.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

#[derive(Debug, Args)]
pub struct AgentArgs {
    /// Server base URL, e.g. `https://steward.example.org`.
    #[arg(long, env = "STEWARD_SERVER")]
    server: String,
    /// Enrollment token (needed only until the agent holds a credential).
    #[arg(long, env = "STEWARD_ENROLL_TOKEN")]
    token: Option<String>,
    /// Agent directory: the spool of unsent inventories (in `spool/`), the host's credential
    /// and the pending-updates cache.
    #[arg(long, env = "STEWARD_AGENT_DIR", default_value = steward_agent::state::DEFAULT_STATE_DIR)]
    spool: PathBuf,
    /// Collect and submit once, then exit (non-zero if anything stayed in the spool).
    #[arg(long)]
    once: bool,
    /// Seconds between inventories.
    #[arg(long, default_value_t = 3600)]
    interval: u64,
    /// Largest random deviation from the interval, in seconds (spreads a fleet's load)
    /// [default: a tenth of the interval].
    #[arg(long)]
    jitter: Option<u64>,
    /// Tags to attach to this host.
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Extra directories to search for Python distributions.
    #[arg(long = "python-path")]
    python_paths: Vec<PathBuf>,
}

pub async fn agent(args: AgentArgs) -> anyhow::Result<ExitCode> {
    let mut config = steward_agent::AgentConfig::new(args.server);
    config.enrollment_token = args.token;
    config.state_dir = args.spool;
    config.interval = Duration::from_secs(args.interval);
    config.jitter = args.jitter.map(Duration::from_secs);
    config.tags = args.tags;
    config.python_paths = args.python_paths;
    config.once = args.once;

    let delivered = tokio::select! {
        result = steward_agent::run(config) => result?,
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("stopping; unsent inventories stay in the spool");
            return Ok(ExitCode::SUCCESS);
        }
    };
    if !delivered {
        eprintln!("some inventories could not be delivered and wait in the spool");
    }
    Ok(if delivered {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// True when an agent state directory already holds a credential.
pub fn has_credential(state_dir: &Path) -> bool {
    matches!(
        steward_agent::state::read_credential(state_dir),
        Ok(Some(_))
    )
}

/// The agent of `steward up`: this host, reporting to the server in the same process.
pub async fn local(server: String, token: Option<String>, state_dir: PathBuf, interval: Duration) {
    let mut config = steward_agent::AgentConfig::new(server);
    config.enrollment_token = token;
    config.state_dir = state_dir;
    config.interval = interval;
    if let Err(e) = steward_agent::run(config).await {
        tracing::error!(error = %e, "the local agent stopped");
    }
}
