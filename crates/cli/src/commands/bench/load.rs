//! The load side of the benchmark: a `steward serve` child process, agents that speak the
//! real agent protocol to it, and query clients that read the API and the pages.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use steward_api::agent::{
    CHECKIN_PATH, CheckinResponse, ENROLL_PATH, EnrollRequest, EnrollResponse, INVENTORY_PATH,
};
use tokio::process::{Child, Command};

use super::fleet::Fleet;

/// A running `steward serve` child process, stopped when dropped.
pub struct Server {
    /// Base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    child: Child,
}

impl Server {
    /// The child's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Peak and current resident memory of the server, in bytes, from `/proc/PID/status`.
    pub fn memory(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
                .map(|kib| kib * 1024)
        };
        Some((field("VmHWM:")?, field("VmRSS:")?))
    }

    /// Resets the server's peak resident size (VmHWM) to its current size, so that the next
    /// [`Server::memory`] reads the peak since now; false when the kernel refuses.
    pub fn reset_peak(&self) -> bool {
        self.pid()
            .is_some_and(|pid| std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok())
    }

    /// Stops the server (SIGKILL; the benchmark's store is thrown away or left as is).
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The `steward` program itself, for the children.
fn steward() -> anyhow::Result<Command> {
    let exe = std::env::current_exe().context("cannot find the steward program")?;
    let mut command = Command::new(exe);
    command.env("STEWARD_LOG", "warn").kill_on_drop(true);
    Ok(command)
}

/// Runs `steward ARGS… STORE…` to completion and returns its first line of output.
pub async fn steward_line(args: &[&str], store: &[String]) -> anyhow::Result<String> {
    let output = steward()?
        .args(args)
        .args(store)
        .stdin(Stdio::null())
        .output()
        .await
        .with_context(|| format!("cannot run steward {}", args.join(" ")))?;
    anyhow::ensure!(
        output.status.success(),
        "steward {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .next()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .with_context(|| format!("steward {} printed nothing", args.join(" ")))
}

/// Starts `steward serve` on a free loopback port and waits until it answers.
pub async fn start_server(store: &[String], log: &Path) -> anyhow::Result<Server> {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").context("no free port")?;
        probe.local_addr()?.port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let log_file =
        std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let child = steward()?
        .arg("serve")
        .args(store)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .context("cannot start steward serve")?;
    let mut server = Server { url, child };
    let http = client(1)?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(response) = http.get(format!("{}/healthz", server.url)).send().await
            && response.status().is_success()
        {
            return Ok(server);
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            anyhow::bail!(
                "steward serve exited with {status} before answering; see {}",
                log.display()
            );
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "steward serve did not answer within 120 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An HTTP client with room for `connections` idle connections.
pub fn client(connections: usize) -> anyhow::Result<reqwest::Client> {
    steward_agent::client::install_tls_provider();
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(300))
        .build()
        .context("cannot build the HTTP client")
}

async fn post_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: String,
    body: Vec<u8>,
    credential: Option<&str>,
) -> anyhow::Result<T> {
    let mut request = http
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    if let Some(credential) = credential {
        request = request.bearer_auth(credential);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .with_context(|| format!("POST {url}"))?;
    anyhow::ensure!(
        status.is_success(),
        "POST {url} answered {status}: {}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
    );
    serde_json::from_slice(&bytes).with_context(|| format!("POST {url}: unexpected answer"))
}

/// The agents of the fleet: one credential per host once enrolled.
pub struct Agents {
    /// Credential of each host, by index.
    pub credentials: Vec<String>,
    /// Host id of each host, by index.
    pub host_ids: Vec<i64>,
}

/// What one ingest round did.
#[derive(Debug, Default, Clone, Copy)]
pub struct RoundOutcome {
    /// Wall time of the round.
    pub elapsed: Duration,
    /// Documents completed by the check-in alone.
    pub checkin_only: u64,
    /// Documents that sent sections.
    pub sent: u64,
}

/// Runs `work(index)` for every host index on `concurrency` tasks.
async fn for_each_host<F, Fut>(hosts: u64, concurrency: usize, work: F) -> anyhow::Result<()>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let next = Arc::new(AtomicU64::new(0));
    let work = Arc::new(work);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let next = next.clone();
        let work = work.clone();
        tasks.spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= hosts {
                    return Ok::<(), anyhow::Error>(());
                }
                work(index).await?;
            }
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.context("an agent task failed")??;
    }
    Ok(())
}

/// Where an enrolling agent leaves its credential and host id.
type Slot = std::sync::Mutex<Option<(String, i64)>>;

/// Enrolls every host with the enrollment token, `concurrency` at a time.
pub async fn enroll(
    url: &str,
    token: &str,
    fleet: &Arc<Fleet>,
    concurrency: usize,
) -> anyhow::Result<(Agents, Duration)> {
    let hosts = u64::try_from(fleet.hosts.len())?;
    let http = client(concurrency)?;
    let slots: Arc<Vec<Slot>> = Arc::new((0..hosts).map(|_| std::sync::Mutex::new(None)).collect());
    let start = Instant::now();
    {
        let fleet = fleet.clone();
        let slots = slots.clone();
        let url = format!("{url}{ENROLL_PATH}");
        let token = token.to_owned();
        for_each_host(hosts, concurrency, move |index| {
            let fleet = fleet.clone();
            let slots = slots.clone();
            let url = url.clone();
            let token = token.clone();
            let http = http.clone();
            async move {
                let i = usize::try_from(index)?;
                let request = EnrollRequest {
                    enrollment_token: token,
                    facts: fleet.hosts[i].inventory.facts.clone(),
                };
                let body = serde_json::to_vec(&request)?;
                let answer: EnrollResponse = post_json(&http, url, body, None).await?;
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some((answer.credential, answer.host_id));
                }
                Ok(())
            }
        })
        .await?;
    }
    let elapsed = start.elapsed();
    let mut credentials = Vec::new();
    let mut host_ids = Vec::new();
    for slot in slots.iter() {
        let (credential, id) = slot
            .lock()
            .ok()
            .and_then(|s| s.clone())
            .context("a host was not enrolled")?;
        credentials.push(credential);
        host_ids.push(id);
    }
    Ok((
        Agents {
            credentials,
            host_ids,
        },
        elapsed,
    ))
}

/// One round of inventories: every host checks in with the digests of its inventory of
/// `round` (document ids differ per `pass`) and sends the sections the server asks for.
pub async fn ingest_round(
    url: &str,
    fleet: &Arc<Fleet>,
    agents: &Arc<Agents>,
    round: u64,
    pass: u64,
    concurrency: usize,
) -> anyhow::Result<RoundOutcome> {
    let hosts = u64::try_from(fleet.hosts.len())?;
    let http = client(concurrency)?;
    let collected_at = jiff::Timestamp::now();
    // Documents are prepared before the clock starts, as agents have them ready when they
    // call; only their check-ins are kept, the full document is rebuilt on demand.
    let checkins: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..hosts)
            .map(|index| {
                let document = fleet
                    .document(index, round, pass, collected_at)
                    .context("no such host")?;
                Ok(serde_json::to_vec(&document.checkin())?)
            })
            .collect::<anyhow::Result<_>>()?,
    );
    let checkin_only = Arc::new(AtomicU64::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    {
        let fleet = fleet.clone();
        let agents = agents.clone();
        let base = url.to_owned();
        let checkin_only = checkin_only.clone();
        let sent = sent.clone();
        for_each_host(hosts, concurrency, move |index| {
            let fleet = fleet.clone();
            let agents = agents.clone();
            let checkins = checkins.clone();
            let base = base.clone();
            let http = http.clone();
            let checkin_only = checkin_only.clone();
            let sent = sent.clone();
            async move {
                let i = usize::try_from(index)?;
                let credential = agents.credentials[i].as_str();
                let answer: CheckinResponse = post_json(
                    &http,
                    format!("{base}{CHECKIN_PATH}"),
                    checkins[i].clone(),
                    Some(credential),
                )
                .await?;
                if answer.duplicate || answer.needed.is_empty() {
                    checkin_only.fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                let document = fleet
                    .document(index, round, pass, collected_at)
                    .context("no such host")?
                    .only(&answer.needed);
                let body = serde_json::to_vec(&document)?;
                let _: serde_json::Value = post_json(
                    &http,
                    format!("{base}{INVENTORY_PATH}"),
                    body,
                    Some(credential),
                )
                .await?;
                sent.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
        })
        .await?;
    }
    Ok(RoundOutcome {
        elapsed: start.elapsed(),
        checkin_only: checkin_only.load(Ordering::Relaxed),
        sent: sent.load(Ordering::Relaxed),
    })
}

/// Latencies of one query kind.
#[derive(Debug, Clone)]
pub struct Latencies {
    /// Every request's latency, sorted.
    pub sorted: Vec<Duration>,
    /// Requests that did not answer 200.
    pub failures: usize,
    /// Status of the first failure, for the report.
    pub first_failure: Option<String>,
}

impl Latencies {
    /// The `p`th percentile (0–100).
    pub fn percentile(&self, p: f64) -> Duration {
        if self.sorted.is_empty() {
            return Duration::ZERO;
        }
        let last = self.sorted.len() - 1;
        let rank = (p / 100.0 * last as f64).round();
        let at = usize::try_from(rank as u64).unwrap_or(last).min(last);
        self.sorted[at]
    }
}

/// Sends `requests` GETs built by `path(i)` with `clients` concurrent clients, or fewer when
/// `budget` runs out first: a slow route is measured on fewer requests rather than holding
/// the whole benchmark.
pub async fn query_load(
    url: &str,
    token: &str,
    clients: usize,
    requests: usize,
    budget: Duration,
    path: Arc<dyn Fn(usize) -> String + Send + Sync>,
) -> anyhow::Result<Latencies> {
    let http = client(clients)?;
    let deadline = Instant::now() + budget;
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let http = http.clone();
        let next = next.clone();
        let path = path.clone();
        let base = url.to_owned();
        let token = token.to_owned();
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0;
            let mut first_failure = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests || (i >= clients && Instant::now() > deadline) {
                    break;
                }
                let target = format!("{base}{}", path(i));
                let start = Instant::now();
                let outcome = http.get(&target).bearer_auth(&token).send().await;
                let ok = match outcome {
                    Ok(response) => {
                        let status = response.status();
                        let body = response.bytes().await;
                        if status.is_success() && body.is_ok() {
                            true
                        } else {
                            first_failure.get_or_insert(format!("{target}: {status}"));
                            false
                        }
                    }
                    Err(e) => {
                        first_failure.get_or_insert(format!("{target}: {e}"));
                        false
                    }
                };
                latencies.push(start.elapsed());
                if !ok {
                    failures += 1;
                }
            }
            (latencies, failures, first_failure)
        });
    }
    let mut all = Latencies {
        sorted: Vec::with_capacity(requests),
        failures: 0,
        first_failure: None,
    };
    while let Some(result) = tasks.join_next().await {
        let (latencies, failures, first_failure) = result.context("a query client failed")?;
        all.sorted.extend(latencies);
        all.failures += failures;
        if all.first_failure.is_none() {
            all.first_failure = first_failure;
        }
    }
    all.sorted.sort_unstable();
    Ok(all)
}

/// The status of one GET, to see whether a route exists on this build.
pub async fn status_of(url: &str, token: &str, path: &str) -> anyhow::Result<u16> {
    let response = client(1)?
        .get(format!("{url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .with_context(|| format!("GET {path}"))?;
    Ok(response.status().as_u16())
}
