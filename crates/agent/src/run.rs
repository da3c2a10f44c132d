//! The agent's loop: collect, spool, deliver, sleep.
//!
//! Each round collects on a blocking thread, pushes the document into the spool, then drains
//! the spool oldest first. A document is removed only after the server acknowledged it, so a
//! crash or a lost reply means it is sent again; the server applies each document id once, so
//! that is harmless. While the server is away documents accumulate in the (bounded) spool.
//! Rounds are spaced by the interval plus or minus a random jitter, so that a fleet started
//! together does not keep reporting in the same second.

use std::path::PathBuf;
use std::time::Duration;

use rand::Rng;

use crate::client::{Client, ClientError, Delivery};
use crate::collect::CollectOptions;
use crate::spool::{self, Spool, SpoolError};

/// How the agent runs.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Base URL of the Steward server, e.g. `https://steward.example.org`.
    pub server: String,
    /// Enrollment token, needed only until the first enrollment succeeded.
    pub enrollment_token: Option<String>,
    /// State directory: credential, updates cache, and the spool in `<state>/spool`.
    pub state_dir: PathBuf,
    /// Time between two rounds.
    pub interval: Duration,
    /// Largest random deviation from the interval; `None` means a tenth of the interval.
    pub jitter: Option<Duration>,
    /// Run one round and return.
    pub once: bool,
    /// Tags attached to every inventory.
    pub tags: Vec<String>,
    /// Extra directories searched for Python distributions.
    pub python_paths: Vec<PathBuf>,
    /// Most documents kept in the spool.
    pub max_spooled: usize,
}

impl AgentConfig {
    /// A configuration with the default state directory, a one-hour interval and 10% jitter.
    pub fn new(server: impl Into<String>) -> AgentConfig {
        AgentConfig {
            server: server.into(),
            enrollment_token: None,
            state_dir: PathBuf::from(crate::state::DEFAULT_STATE_DIR),
            interval: Duration::from_secs(3600),
            jitter: None,
            once: false,
            tags: Vec::new(),
            python_paths: Vec::new(),
            max_spooled: spool::DEFAULT_MAX_DOCUMENTS,
        }
    }

    /// The spool directory.
    pub fn spool_dir(&self) -> PathBuf {
        self.state_dir.join("spool")
    }

    fn collect_options(&self) -> CollectOptions {
        CollectOptions {
            tags: self.tags.clone(),
            python_paths: self.python_paths.clone(),
            state_dir: Some(self.state_dir.clone()),
        }
    }
}

/// What stops the agent: its state cannot be kept, or the HTTP client cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The spool (or the state directory) cannot be used.
    #[error(transparent)]
    Spool(#[from] SpoolError),
    /// The client cannot be set up, or the credential cannot be read.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The collecting thread panicked or was cancelled.
    #[error("inventory collection did not finish: {0}")]
    Collect(#[from] tokio::task::JoinError),
}

/// Runs the agent. With `once`, runs one round and returns whether the spool was emptied
/// (everything delivered); otherwise runs until an unrecoverable error.
pub async fn run(config: AgentConfig) -> Result<bool, RunError> {
    crate::state::create_private_dir(&config.state_dir).map_err(SpoolError::from)?;
    let spool = Spool::open(&config.spool_dir(), config.max_spooled)?;
    let mut client = Client::new(&config.server, &config.state_dir)?;
    loop {
        let delivered = round(&config, &spool, &mut client).await?;
        if config.once {
            return Ok(delivered);
        }
        tokio::time::sleep(next_delay(config.interval, config.jitter)).await;
    }
}

/// One round: collect, spool, drain. Returns whether the spool is empty afterwards.
async fn round(config: &AgentConfig, spool: &Spool, client: &mut Client) -> Result<bool, RunError> {
    let options = config.collect_options();
    let document = tokio::task::spawn_blocking(move || crate::scan_document(&options)).await?;
    let entry = spool.push(&document)?;
    tracing::debug!(document_id = %document.document_id, file = %entry.path.display(), "spooled");

    if let Err(e) = client
        .ensure_enrolled(
            config.enrollment_token.as_deref(),
            &document.facts.clone().unwrap_or_default(),
        )
        .await
    {
        log_failure(&e, "enrollment failed; inventories stay spooled");
        return Ok(false);
    }
    drain(spool, client).await
}

/// Sends spooled documents oldest first until the spool is empty or the server is unavailable.
pub async fn drain(spool: &Spool, client: &Client) -> Result<bool, RunError> {
    while let Some(entry) = spool.oldest()? {
        let document = match spool.load(&entry) {
            Ok(document) => document,
            Err(e) => {
                tracing::error!(error = %e, "unreadable spooled inventory set aside");
                spool.set_aside(&entry)?;
                continue;
            }
        };
        match client.submit(&document).await {
            Ok(delivery) => {
                let sections = match delivery {
                    Delivery::CheckinOnly => 0,
                    Delivery::Sent { sections } => sections,
                };
                let id = &document.document_id;
                tracing::info!(document_id = %id, sections, "inventory delivered");
                spool.remove(&entry)?;
            }
            Err(e) if e.is_transient() || e.is_revoked() => {
                log_failure(&e, "delivery stopped; inventories stay spooled");
                return Ok(false);
            }
            Err(e) => {
                let aside = spool.set_aside(&entry)?;
                tracing::error!(
                    document_id = %document.document_id,
                    file = %aside.display(),
                    error = %e,
                    "server refused the inventory; set aside"
                );
            }
        }
    }
    Ok(true)
}

fn log_failure(error: &ClientError, what: &str) {
    if error.is_revoked() {
        tracing::error!(
            error = %error,
            "the server refused this host's credential (revoked?): {what}; \
             to re-enroll, remove the credential file and run with a new enrollment token"
        );
    } else if error.is_transient() {
        tracing::warn!(error = %error, "{what}");
    } else {
        tracing::error!(error = %error, "{what}");
    }
}

/// The interval moved by a random amount within the jitter (a tenth of the interval by default).
fn next_delay(interval: Duration, jitter: Option<Duration>) -> Duration {
    let jitter = jitter.unwrap_or(interval / 10).min(interval);
    let span = u64::try_from(jitter.as_millis()).unwrap_or(u64::MAX);
    if span == 0 {
        return interval;
    }
    let offset = rand::rng().random_range(0..=span.saturating_mul(2));
    (interval + Duration::from_millis(offset)).saturating_sub(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_stays_within_the_jitter() {
        let interval = Duration::from_secs(100);
        for _ in 0..200 {
            let d = next_delay(interval, None);
            assert!(
                d >= Duration::from_secs(90) && d <= Duration::from_secs(110),
                "{d:?}"
            );
        }
        assert_eq!(next_delay(interval, Some(Duration::ZERO)), interval);
        let wide = next_delay(Duration::from_secs(1), Some(Duration::from_secs(5)));
        assert!(wide <= Duration::from_secs(2));
    }
}
