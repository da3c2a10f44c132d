//! `steward bench [--hosts N] [--database-url URL] [--quick]`: generates a fleet from the
//! real inventories and advisory data, runs `steward serve` as a child on a fresh store and
//! drives it from this process as agents and readers would, and prints one table.
//!
//! Ingest runs with 16 concurrent agents over the real agent protocol (enrollment token →
//! credential, check-in with digests, submission of what the server asks for). Assessment
//! runs as the server's own job: the bench imports the feed mirror into the server's store
//! with the code `steward feeds import` runs, and the server's worker assesses the fleet; then
//! one new advisory is imported and re-assessed the same way. Queries, findings and advisories
//! among them, run with 32 concurrent clients holding an API token. The core matcher alone,
//! in this process without a store, is measured last to show where the job's time goes. Each
//! figure is the median of several runs with the fastest and slowest beside it; what can
//! happen only once per store (first inventory, first import) says so.

mod assess;
mod fleet;
mod job;
mod load;
mod peers;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;

use self::load::Latencies;

/// Agents ingesting at once.
const AGENTS: usize = 16;
/// Query clients at once.
const CLIENTS: usize = 32;
/// The most time one run of one query kind may take before it stops sending.
const QUERY_BUDGET: Duration = Duration::from_secs(20);

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Hosts in the fleet [default: 10000, or 500 with --quick].
    #[arg(long)]
    hosts: Option<u64>,
    /// Run on this PostgreSQL database (an empty one: the bench writes its fleet into it)
    /// instead of SQLite in a temporary directory.
    #[arg(long)]
    database_url: Option<String>,
    /// A short run: fewer hosts, one run per figure, no peers.
    #[arg(long)]
    quick: bool,
    /// Seed of the fleet generator.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// The data directory: inventories and the feed mirror [default: $STEWARD_TEST_DATA].
    #[arg(long, env = "STEWARD_TEST_DATA")]
    data: Option<PathBuf>,
    /// Runs per figure [default: 3, 1 with --quick].
    #[arg(long)]
    runs: Option<usize>,
    /// Leave out the peer comparisons (hyperfine runs of other tools).
    #[arg(long)]
    no_peers: bool,
}

/// A figure measured several times.
#[derive(Debug, Clone, Default)]
struct Runs(Vec<f64>);

impl Runs {
    fn median(&self) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }

    fn spread(&self, unit: &str) -> String {
        let min = self.0.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.0.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        match self.0.len() {
            0 => String::new(),
            1 => "1 run".to_owned(),
            n => format!("{} – {} {unit} ({n} runs)", number(min), number(max)),
        }
    }
}

fn number(x: f64) -> String {
    if !x.is_finite() {
        "–".to_owned()
    } else if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}

/// The printed table: sections of (figure, median, spread, target).
#[derive(Default)]
struct Table {
    rows: Vec<[String; 4]>,
}

impl Table {
    fn section(&mut self, title: &str) {
        self.rows.push([
            format!("**{title}**"),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }

    fn row(&mut self, figure: &str, median: String, spread: String, target: &str) {
        self.rows
            .push([figure.to_owned(), median, spread, target.to_owned()]);
    }

    fn runs(&mut self, figure: &str, runs: &Runs, unit: &str, target: &str) {
        self.row(
            figure,
            format!("{} {unit}", number(runs.median())),
            runs.spread(unit),
            target,
        );
    }

    fn render(&self) -> String {
        let mut out =
            String::from("| figure | median | spread | target |\n| --- | --- | --- | --- |\n");
        for row in &self.rows {
            let _ = writeln!(out, "| {} | {} | {} | {} |", row[0], row[1], row[2], row[3]);
        }
        out
    }
}

/// Cores, memory and CPU model of this machine.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .map_or_else(
            || "unknown memory".to_owned(),
            |kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0),
        );
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    format!("{cores} cores ({model}), {memory}")
}

/// Size of the database: the SQLite files in the data directory, or PostgreSQL's own count.
async fn database_size(store: &Store) -> anyhow::Result<u64> {
    match store {
        Store::Sqlite(dir) => {
            let mut total = 0;
            for entry in
                std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?
            {
                let entry = entry?;
                let name = entry.file_name();
                if name.to_string_lossy().contains(".db")
                    || name.to_string_lossy().contains("sqlite")
                {
                    total += entry.metadata()?.len();
                }
            }
            Ok(total)
        }
        Store::Postgres(url) => {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(url)
                .await
                .context("cannot connect to PostgreSQL")?;
            let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(&pool)
                .await
                .context("cannot read the database size")?;
            pool.close().await;
            Ok(u64::try_from(size).unwrap_or(0))
        }
    }
}

enum Store {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Store {
    fn args(&self) -> Vec<String> {
        match self {
            Store::Sqlite(dir) => vec!["--data-dir".into(), dir.display().to_string()],
            Store::Postgres(url) => vec!["--database-url".into(), url.clone()],
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "SQLite",
            Store::Postgres(_) => "PostgreSQL",
        }
    }
}

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> anyhow::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!(
            "steward-bench-{}-{}",
            std::process::id(),
            jiff::Timestamp::now().as_millisecond()
        ));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn progress(message: &str) {
    eprintln!("bench: {message}");
}

fn latency_rows(table: &mut Table, name: &str, runs: &[Latencies], target: &str) {
    let failures: usize = runs.iter().map(|l| l.failures).sum();
    if let Some(failure) = runs.iter().find_map(|l| l.first_failure.clone()) {
        table.row(name, format!("{failures} failed"), failure, target);
        return;
    }
    let p50 = Runs(runs.iter().map(|l| ms(l.percentile(50.0))).collect());
    let p99 = Runs(runs.iter().map(|l| ms(l.percentile(99.0))).collect());
    let requests: usize = runs.iter().map(|l| l.sorted.len()).sum();
    table.row(
        &format!("{name} p50"),
        format!("{} ms", number(p50.median())),
        p50.spread("ms"),
        "",
    );
    table.row(
        &format!("{name} p99"),
        format!("{} ms", number(p99.median())),
        format!("{} ({requests} requests)", p99.spread("ms")),
        target,
    );
}

pub async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let data = args.data.clone().context(
        "no data directory: pass --data DIR or set STEWARD_TEST_DATA to the shared data",
    )?;
    anyhow::ensure!(
        data.join("inventory/dpkg/status.gz").is_file(),
        "{} does not hold the shared data (no inventory/dpkg/status.gz)",
        data.display()
    );
    let hosts = args.hosts.unwrap_or(if args.quick { 500 } else { 10_000 });
    anyhow::ensure!(hosts > 0, "--hosts must be at least 1");
    let runs = args.runs.unwrap_or(if args.quick { 1 } else { 3 }).max(1);
    let scratch = Scratch::new()?;
    let store = match &args.database_url {
        Some(url) => Store::Postgres(url.clone()),
        None => Store::Sqlite(scratch.0.join("data")),
    };
    let mut table = Table::default();
    let mut notes: Vec<String> = Vec::new();
    let started = Instant::now();

    // Data.
    progress(&format!("loading the feed mirror {}", data.display()));
    let t = Instant::now();
    let data_for_load = data.clone();
    let mirror = tokio::task::spawn_blocking(move || {
        steward_formats::feeds::mirror::load(&data_for_load, |_| {})
    })
    .await
    .context("the mirror loader failed")?
    .map_err(|e| anyhow::anyhow!("{}: {}", e.path, e.message))?;
    let mirror_load = t.elapsed();
    let advisories = Arc::new(mirror.advisories);
    progress(&format!("generating {hosts} hosts (seed {})", args.seed));
    let source = fleet::FleetSource::load(&data, &advisories)?;
    let fleet = Arc::new(source.generate(hosts, args.seed));
    let (distinct_packages, installed) = fleet.package_counts();
    let first_doc = fleet
        .document(0, 0, 0, jiff::Timestamp::now())
        .map(|d| serde_json::to_vec(&d).map_or(0, |v| v.len()))
        .unwrap_or(0);

    // Server.
    progress(&format!("starting steward serve on {}", store.name()));
    let store_args = store.args();
    let token = load::steward_line(&["enroll", "create", "--note", "bench"], &store_args).await?;
    let api_token = load::steward_line(
        &["token", "create", "--role", "auditor", "--name", "bench"],
        &store_args,
    )
    .await?;
    let server = load::start_server(&store_args, &scratch.0.join("serve.log")).await?;

    // Ingest.
    progress(&format!("enrolling {hosts} agents"));
    let (agents, enroll_time) = load::enroll(&server.url, &token, &fleet, AGENTS).await?;
    let agents = Arc::new(agents);
    progress("first full inventory");
    let first = load::ingest_round(&server.url, &fleet, &agents, 0, 0, AGENTS).await?;
    anyhow::ensure!(
        first.sent == hosts,
        "first round: {} of {hosts} hosts sent their inventory",
        first.sent
    );
    let mut unchanged = Runs::default();
    let mut unchanged_all_checkin = true;
    for pass in 1..=u64::try_from(runs)? {
        progress(&format!("unchanged round {pass}/{runs}"));
        let round = load::ingest_round(&server.url, &fleet, &agents, 1, pass, AGENTS).await?;
        unchanged_all_checkin &= round.checkin_only == hosts;
        unchanged.0.push(hosts as f64 / round.elapsed.as_secs_f64());
    }
    let mut changed = Runs::default();
    let mut changed_sent = Vec::new();
    for (i, round) in (2..).take(runs).enumerate() {
        progress(&format!("changed round {}/{runs}", i + 1));
        let outcome = load::ingest_round(&server.url, &fleet, &agents, round, 0, AGENTS).await?;
        changed_sent.push(outcome.sent);
        changed.0.push(hosts as f64 / outcome.elapsed.as_secs_f64());
    }
    let (ingest_peak, ingest_rss) = server.memory().unwrap_or((0, 0));

    // Assessment through the server's job.
    let handle = job::open(&store).await?;
    progress("waiting for the host assessments the ingest queued");
    let ingest_jobs = job::drain(&handle, &server).await?;
    if let Some(error) = &ingest_jobs.failed {
        notes.push(format!("FAILED host assessment after ingest: {error}"));
    }
    progress("importing the feed mirror into the server's store; full assessment by the server");
    let import = job::import_all(&handle, &server, &data).await?;
    if let Some(error) = &import.assessment.failed {
        notes.push(format!("FAILED first full assessment: {error}"));
    }
    let mut full_job = Runs::default();
    let mut full_job_peak = Runs::default();
    // The first assessment is one run; re-assessments make up the rest (none with --quick).
    let reassessments = if args.quick { 0 } else { (runs - 1).max(1) };
    let mut reassessment_failed = false;
    for pass in 1..=reassessments {
        progress(&format!("full re-assessment {pass}/{reassessments}"));
        let drained = job::reassess_all(&handle, &server).await?;
        if let Some(error) = &drained.failed {
            notes.push(format!("FAILED full re-assessment {pass}: {error}"));
            reassessment_failed = true;
        }
        full_job.0.push(ms(drained.elapsed));
        full_job_peak.0.push(mib(drained.peak_rss));
    }
    let interned = assess::intern(&fleet)?;
    let mut new_import = Runs::default();
    let mut new_job = Runs::default();
    let mut new_total = Runs::default();
    let mut new_findings = Vec::new();
    let new_advisory = assess::new_advisory(&advisories, &interned);
    match &new_advisory {
        None => notes.push("no advisory matches the fleet: no incremental figure".to_owned()),
        Some(template) => {
            let passes = if args.quick { 2 } else { runs.max(5) };
            for pass in 1..=passes {
                progress(&format!("one new advisory {pass}/{passes}"));
                let mut advisory = template.clone();
                advisory.id = format!("BENCH-NEW-{pass:04}");
                let new_dir = scratch.0.join("new");
                let one = job::import_one(&handle, &server, &advisory, &new_dir).await?;
                new_import.0.push(ms(one.import));
                new_job.0.push(ms(one.assessment));
                new_total.0.push(ms(one.import + one.assessment));
                new_findings.push(one.findings);
            }
        }
    }
    let (assess_peak_all, _) = server.memory().unwrap_or((0, 0));

    // Queries.
    progress("queries");
    let ids = Arc::new(agents.host_ids.clone());
    let names: Arc<Vec<(String, String)>> = Arc::new({
        let mut names: Vec<(String, String)> = fleet
            .hosts
            .iter()
            .step_by(97)
            .flat_map(|h| h.inventory.packages.iter().step_by(41))
            .map(|p| (p.ecosystem.clone(), p.name.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    });
    let requests = if args.quick { 320 } else { 2000 };
    type PathFn = Arc<dyn Fn(usize) -> String + Send + Sync>;
    let id_at = {
        let ids = ids.clone();
        move |i: usize| ids[(i * 7919) % ids.len()]
    };
    let name_at = {
        let names = names.clone();
        move |i: usize| {
            let (e, n) = &names[(i * 104_729) % names.len().max(1)];
            format!("{}/{}", encode(e), encode(n))
        }
    };
    let mut queries: Vec<(&str, PathFn, &str)> = vec![
        (
            "API host list",
            Arc::new(|i| format!("/api/v1/hosts?limit=50&offset={}", (i % 20) * 50)),
            "< 50 ms",
        ),
        (
            "API host search",
            Arc::new(|i| {
                format!(
                    "/api/v1/hosts?q={}",
                    ["debian11", "alma", "00042", "ubuntu2204-01", "alpine"][i % 5]
                )
            }),
            "< 50 ms",
        ),
        (
            "API host",
            {
                let id_at = id_at.clone();
                Arc::new(move |i| format!("/api/v1/hosts/{}", id_at(i)))
            },
            "< 50 ms",
        ),
        (
            "API host packages",
            {
                let id_at = id_at.clone();
                Arc::new(move |i| format!("/api/v1/hosts/{}/packages", id_at(i)))
            },
            "< 50 ms",
        ),
        (
            "API software",
            {
                let name_at = name_at.clone();
                Arc::new(move |i| format!("/api/v1/software/{}", name_at(i)))
            },
            "< 50 ms",
        ),
        (
            "page hosts",
            Arc::new(|i| format!("/hosts?q={}", ["", "debian", "alma", "0004"][i % 4])),
            "< 100 ms",
        ),
        (
            "page host",
            {
                let id_at = id_at.clone();
                Arc::new(move |i| format!("/hosts/{}", id_at(i)))
            },
            "< 100 ms",
        ),
        (
            "page software",
            {
                let name_at = name_at.clone();
                Arc::new(move |i| format!("/software/{}", name_at(i)))
            },
            "< 100 ms",
        ),
    ];
    let sample = job::finding_sample(&handle).await?;
    anyhow::ensure!(
        !sample.advisories.is_empty(),
        "the assessment found nothing on the fleet: no findings to query"
    );
    let sample = Arc::new(sample);
    let finding_queries: Vec<(&str, PathFn, &str)> = vec![
        (
            "API findings (severity high)",
            Arc::new(|_| "/api/v1/findings?severity=high".to_owned()),
            "< 50 ms",
        ),
        (
            "API findings (KEV, open)",
            Arc::new(|_| "/api/v1/findings?kev=true&state=open".to_owned()),
            "< 50 ms",
        ),
        (
            "API findings of a host",
            {
                let id_at = id_at.clone();
                Arc::new(move |i| format!("/api/v1/findings?host={}", id_at(i)))
            },
            "< 50 ms",
        ),
        (
            "API findings of a package",
            {
                let sample = sample.clone();
                Arc::new(move |i| {
                    let package = &sample.packages[i % sample.packages.len()];
                    format!("/api/v1/findings?package={}", encode(package))
                })
            },
            "< 50 ms",
        ),
        (
            "API findings of an advisory",
            {
                let sample = sample.clone();
                Arc::new(move |i| {
                    let id = &sample.advisories[i % sample.advisories.len()];
                    format!("/api/v1/findings?advisory={}", encode(id))
                })
            },
            "< 50 ms",
        ),
        (
            "API advisory",
            {
                let sample = sample.clone();
                Arc::new(move |i| {
                    let id = &sample.advisories[i % sample.advisories.len()];
                    format!("/api/v1/advisories/{}", encode(id))
                })
            },
            "< 50 ms",
        ),
    ];
    queries.extend(finding_queries);
    // Pages for findings and advisories, where this build has them.
    let first_advisory = sample.advisories[0].clone();
    for (name, path, target) in [
        (
            "page findings (severity high)",
            "/findings?severity=high".to_owned(),
            "< 100 ms",
        ),
        (
            "page advisory",
            format!("/advisories/{}", encode(&first_advisory)),
            "< 100 ms",
        ),
    ] {
        if load::status_of(&server.url, &api_token, &path).await? == 404 {
            notes.push(format!("{name}: {path} is not in this build"));
        } else if name == "page advisory" {
            let sample = sample.clone();
            queries.push((
                name,
                Arc::new(move |i| {
                    let id = &sample.advisories[i % sample.advisories.len()];
                    format!("/advisories/{}", encode(id))
                }),
                target,
            ));
        } else {
            queries.push((name, Arc::new(move |_| path.clone()), target));
        }
    }
    let mut query_results: Vec<(&str, Vec<Latencies>, &str)> = Vec::new();
    for (name, path, target) in &queries {
        let mut all = Vec::new();
        for _ in 0..runs {
            all.push(
                load::query_load(
                    &server.url,
                    &api_token,
                    CLIENTS,
                    requests,
                    QUERY_BUDGET,
                    path.clone(),
                )
                .await?,
            );
        }
        query_results.push((name, all, target));
    }
    let (peak, steady_rss) = server.memory().unwrap_or((0, 0));
    let db_size = database_size(&store).await?;
    server.stop().await;

    // Assessment.
    // The core matcher alone, to show where the job's time goes (not with --quick: the job
    // has already exercised it).
    let core_runs = if args.quick { 0 } else { runs };
    if core_runs > 0 {
        progress("core matcher alone, in this process");
    }
    let (rss_before, _) = assess::peak_rss().unwrap_or((0, 0));
    let mut full = Runs::default();
    let mut assess_peak = Runs::default();
    let mut outcome = assess::FullOutcome::default();
    for _ in 0..core_runs {
        assess::reset_peak();
        let (_, before) = assess::peak_rss().unwrap_or((0, 0));
        outcome = assess::full(&advisories, &interned);
        let (after_peak, _) = assess::peak_rss().unwrap_or((0, 0));
        full.0.push(outcome.elapsed.as_secs_f64());
        assess_peak.0.push(mib(after_peak.saturating_sub(before)));
    }
    let mut incremental = Runs::default();
    let mut incremental_outcome = assess::IncrementalOutcome::default();
    if let Some(advisory) = new_advisory.as_ref().filter(|_| core_runs > 0) {
        for _ in 0..runs.max(5) {
            incremental_outcome = assess::incremental(advisory, &interned);
            incremental.0.push(ms(incremental_outcome.elapsed));
        }
    }

    // Peers.
    let mut peer_rows = Vec::new();
    if !args.quick && !args.no_peers {
        progress("peers (hyperfine)");
        let peer_runs = 10;
        peer_rows.extend(peers::collection(peer_runs, &scratch.0)?);
        peer_rows.extend(peers::lockfile(&data, peer_runs, &scratch.0)?);
    }

    // Table.
    table.section("Ingest over HTTP, 16 concurrent agents");
    table.row(
        "enrollment of every host",
        format!("{} s", number(enroll_time.as_secs_f64())),
        format!(
            "{} hosts/s, 1 run",
            number(hosts as f64 / enroll_time.as_secs_f64())
        ),
        "",
    );
    table.row(
        "first full inventory",
        format!("{} s", number(first.elapsed.as_secs_f64())),
        format!(
            "{} hosts/s, 1 run (once per store)",
            number(hosts as f64 / first.elapsed.as_secs_f64())
        ),
        "< 60 s (SQLite)",
    );
    table.runs(
        "unchanged re-inventory",
        &unchanged,
        "hosts/s",
        ">= 2000 hosts/s",
    );
    table.runs(
        &format!("round with {}% changed", fleet::CHANGE_PERCENT),
        &changed,
        "hosts/s",
        "",
    );
    table.section("Assessment by the server's job (queued → done, server process)");
    table.row(
        "host assessments queued by the ingest rounds, drained",
        format!("{} s", number(ingest_jobs.elapsed.as_secs_f64())),
        "1 run, after the last round; no feeds stored yet".to_owned(),
        "",
    );
    table.row(
        "import of the whole mirror into the store",
        format!("{} s", number(import.import.as_secs_f64())),
        format!(
            "1 run (once per store): {} feeds, {} advisories",
            import.feeds, import.advisories
        ),
        "",
    );
    table.row(
        "full: first assessment after the import (findings created)",
        format!("{} ms", number(ms(import.assessment.elapsed))),
        match import.assessment.failed {
            Some(_) => "FAILED: time until the job failed (see above)".to_owned(),
            None => "1 run (once per store)".to_owned(),
        },
        "< 5000 ms",
    );
    table.row(
        "full: first assessment, server peak memory",
        format!("{} MiB", number(mib(import.assessment.peak_rss))),
        "1 run (once per store)".to_owned(),
        "< 500 MB",
    );
    if reassessments > 0 {
        table.runs(
            if reassessment_failed {
                "full: re-assessment (FAILED: time until the job failed, see above)"
            } else {
                "full: re-assessment (findings exist)"
            },
            &full_job,
            "ms",
            "< 5000 ms",
        );
        table.runs(
            "full: re-assessment, server peak memory",
            &full_job_peak,
            "MiB",
            "< 500 MB",
        );
    }
    if new_advisory.is_some() {
        table.runs(
            "one new advisory: import until queued",
            &new_import,
            "ms",
            "",
        );
        table.runs(
            "one new advisory: queued until its findings exist",
            &new_job,
            "ms",
            "",
        );
        table.runs(
            "one new advisory: import until its findings exist",
            &new_total,
            "ms",
            "< 100 ms",
        );
    }
    if core_runs > 0 {
        table.section("Assessment by the core matcher alone (bench process, no store)");
        table.runs(
            "full: distinct versions × all advisories, spread to hosts",
            &Runs(full.0.iter().map(|s| s * 1000.0).collect()),
            "ms",
            "",
        );
        table.runs(
            &format!(
                "full: peak memory above the {} MiB the bench holds (fleet, advisories)",
                number(mib(rss_before))
            ),
            &assess_peak,
            "MiB",
            "",
        );
        if new_advisory.is_some() {
            table.runs("one new advisory", &incremental, "ms", "");
        }
    }
    table.section(&format!("Queries, {CLIENTS} concurrent clients, API token"));
    for (name, results, target) in &query_results {
        latency_rows(&mut table, name, results, target);
    }
    table.section("Server");
    table.row(
        "peak resident memory (VmHWM)",
        format!("{} MiB", number(mib(peak))),
        format!(
            "after ingest {} MiB, after the assessments {} MiB",
            number(mib(ingest_peak)),
            number(mib(assess_peak_all))
        ),
        "",
    );
    table.row(
        "resident memory at the end (VmRSS)",
        format!("{} MiB", number(mib(steady_rss))),
        format!("after ingest {} MiB", number(mib(ingest_rss))),
        "< 300 MB steady",
    );
    table.row(
        "database on disk",
        format!("{} MiB", number(mib(db_size))),
        String::new(),
        "",
    );

    let mut out = String::new();
    let _ = writeln!(out, "## steward bench on {} — {hosts} hosts", store.name());
    let _ = writeln!(out);
    let _ = writeln!(out, "- machine: {}", machine());
    let _ = writeln!(
        out,
        "- data: {} advisories loaded in {} s; {hosts} hosts, {installed} installed packages \
         ({} per host on average), {distinct_packages} distinct package versions, \
         host 0's full document {} KiB",
        advisories.len(),
        number(mirror_load.as_secs_f64()),
        installed / usize::try_from(hosts).unwrap_or(1).max(1),
        first_doc / 1024
    );
    if core_runs > 0 {
        let _ = writeln!(
            out,
            "- assessment: {} distinct (release, source package, version) tuples, {} matches on {} \
             of them, {} host findings on {} hosts, {} undecided; new advisory: {} versions \
             examined, {} hosts affected",
            interned.distinct.len(),
            outcome.matches,
            outcome.affected_versions,
            outcome.host_findings,
            outcome.affected_hosts,
            outcome.undecided,
            incremental_outcome.examined,
            incremental_outcome.affected_hosts
        );
    }
    if let Some(advisory) = &new_advisory {
        let _ = writeln!(
            out,
            "- new advisory: a copy of {} naming {}, imported as a one-file mirror; \
             its findings per run: {new_findings:?}",
            advisory.related.join(", "),
            named_packages(advisory)
        );
    }
    let _ = writeln!(
        out,
        "- rounds: unchanged rounds completed by the check-in alone: {}; \
         hosts that sent sections in the changed rounds: {changed_sent:?}",
        if unchanged_all_checkin {
            "all"
        } else {
            "NOT all"
        }
    );
    let _ = writeln!(
        out,
        "- seed {}, {runs} run(s) per figure, whole run {} s",
        args.seed,
        number(started.elapsed().as_secs_f64())
    );
    for note in &notes {
        let _ = writeln!(out, "- {note}");
    }
    let _ = writeln!(out);
    out.push_str(&table.render());
    if !peer_rows.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| peer comparison (hyperfine) | median | spread |\n| --- | --- | --- |"
        );
        for timing in &peer_rows {
            match &timing.skipped {
                Some(why) => {
                    let _ = writeln!(out, "| {} | not measured | {why} |", timing.label);
                }
                None => {
                    let _ = writeln!(
                        out,
                        "| {} | {} ms | {} – {} ms ({} runs) |",
                        timing.label,
                        number(timing.median * 1000.0),
                        number(timing.min * 1000.0),
                        number(timing.max * 1000.0),
                        timing.runs
                    );
                }
            }
        }
    }
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// Percent-encodes a path segment.
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The packages an advisory names, the first few of them:
/// `AlmaLinux:9 kernel, … (121 packages in all)`.
fn named_packages(advisory: &steward_core::assessment::advisory::Advisory) -> String {
    const SHOWN: usize = 3;
    let names: Vec<String> = advisory
        .affected
        .iter()
        .map(|a| format!("{} {}", a.ecosystem, a.name))
        .collect();
    match names.len() {
        n if n > SHOWN => format!("{}, … ({n} packages in all)", names[..SHOWN].join(", ")),
        _ => names.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_spreads() {
        assert!((Runs(vec![3.0, 1.0, 2.0]).median() - 2.0).abs() < 1e-9);
        assert!((Runs(vec![4.0, 1.0, 2.0, 3.0]).median() - 2.5).abs() < 1e-9);
        assert_eq!(Runs(vec![5.0]).spread("ms"), "1 run");
        assert_eq!(Runs(vec![1.0, 3.0]).spread("ms"), "1.00 – 3.00 ms (2 runs)");
        assert_eq!(encode("lib c++/x"), "lib%20c%2B%2B%2Fx");
    }

    #[test]
    fn the_fleet_is_deterministic_and_mixed() {
        let Some(data) = std::env::var_os("STEWARD_TEST_DATA").map(PathBuf::from) else {
            eprintln!("skipped: STEWARD_TEST_DATA is not set");
            return;
        };
        let Ok(mirror) = steward_formats::feeds::mirror::load(&data, |_| {}) else {
            panic!("the mirror in {} does not load", data.display());
        };
        let source = match fleet::FleetSource::load(&data, &mirror.advisories) {
            Ok(source) => source,
            Err(e) => panic!("{e:#}"),
        };
        let a = source.generate(200, 7);
        let b = source.generate(200, 7);
        let at = jiff::Timestamp::UNIX_EPOCH;
        for i in [0, 57, 199] {
            assert_eq!(a.document(i, 3, 1, at), b.document(i, 3, 1, at));
        }
        let oses: std::collections::BTreeSet<_> = a
            .hosts
            .iter()
            .filter_map(|h| h.inventory.facts.os.id.clone())
            .collect();
        assert_eq!(
            oses.into_iter().collect::<Vec<_>>(),
            ["almalinux", "alpine", "debian", "ubuntu"]
        );
        let names: std::collections::BTreeSet<_> = a
            .hosts
            .iter()
            .map(|h| h.inventory.facts.hostname.clone())
            .collect();
        assert_eq!(names.len(), 200, "host names are unique");
        // Round 1 changes nothing; later rounds change a few percent of the hosts.
        let digest = |f: &fleet::Fleet, i: u64, r: u64| f.document(i, r, 0, at).map(|d| d.digests);
        assert!((0..200).all(|i| digest(&a, i, 0) == digest(&a, i, 1)));
        let changed = (0..200)
            .filter(|&i| digest(&a, i, 1) != digest(&a, i, 2))
            .count();
        assert!(
            (1..=20).contains(&changed),
            "{changed} of 200 hosts changed"
        );
        assert!(a.hosts.iter().all(|h| !h.inventory.packages.is_empty()));
        let interned = match assess::intern(&a) {
            Ok(interned) => interned,
            Err(e) => panic!("{e:#}"),
        };
        let outcome = assess::full(&mirror.advisories, &interned);
        assert!(
            outcome.matches > 0 && outcome.affected_hosts > 0,
            "{outcome:?}"
        );
    }
}
