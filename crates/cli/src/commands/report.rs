//! `steward report`: per host, its operating system, the lifecycle status of that system with
//! date and source, its pending updates and how many are security updates, and its open
//! findings by priority; then the lifecycle forecast. As a table for people, as one JSON
//! document with `--json` (or `--format json`), or as CSV (`--format csv`: one row per host,
//! cells neutralised against formula injection; the forecast is in the other two).
//! `--fail-on SEVERITY` exits non-zero when an open finding is at least that severe, so a
//! pipeline can gate on it; `--fail-on unknown` counts every open finding, rated or not.
//!
//! The lifecycle status is the one the last assessment stored, the same the web UI and the
//! API show (a running server re-assesses a host once the date of its status passes). Host
//! names and other agent-supplied text are printed with control characters escaped, so a
//! hostile inventory cannot drive the terminal.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use jiff::Timestamp;
use serde::Serialize;
use steward_api::assessment::{FindingFilter, ForecastItem, HostLifecycle};
use steward_api::resources::{HostFilter, HostSummary, PageRequest};
use steward_server::assessment::api::forecast_items;
use steward_server::export::every_page;
use steward_store::Store;

use super::StoreArgs;
use crate::settings::FileSettings;

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// The same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Exit with status 1 when an open finding has at least this severity (`unknown`: any
    /// open finding, also those no advisory rates).
    #[arg(long, value_enum)]
    fail_on: Option<Severity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

/// Severity ratings, most severe first; `Unknown` is the lowest threshold, below every rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Unknown,
}

impl Severity {
    const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Unknown,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Unknown => "unknown",
        }
    }

    /// The store's severity values this level stands for: `unknown` also takes CVSS's
    /// `none`, so `--fail-on unknown` leaves no open finding out.
    fn ratings(self) -> &'static [&'static str] {
        match self {
            Severity::Critical => &["critical"],
            Severity::High => &["high"],
            Severity::Medium => &["medium"],
            Severity::Low => &["low"],
            Severity::Unknown => &["none", "unknown"],
        }
    }
}

/// Priority levels, first to last.
const PRIORITIES: [&str; 4] = ["P1", "P2", "P3", "P4"];

/// The whole report, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Report {
    generated_at: Timestamp,
    hosts: Vec<HostReport>,
    forecast: Vec<ForecastItem>,
}

/// One host's line.
#[derive(Debug, Serialize)]
struct HostReport {
    id: i64,
    hostname: String,
    os: Option<String>,
    /// The operating system's lifecycle status; `None` before an assessment mapped it.
    lifecycle: Option<HostLifecycle>,
    pending_updates: i64,
    security_updates: i64,
    /// Open findings by priority level, every level present.
    open_findings: BTreeMap<String, i64>,
}

pub async fn report(args: ReportArgs, file: &FileSettings) -> anyhow::Result<ExitCode> {
    let store = args.store.open(file).await?;
    let report = build(store.as_ref(), Timestamp::now()).await?;

    let mut out = std::io::stdout().lock();
    match (args.json, args.format) {
        (true, _) | (false, Format::Json) => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        (false, Format::Table) => write_table(&mut out, &report)?,
        (false, Format::Csv) => out.write_all(&csv(&report))?,
    }
    out.flush().context("cannot write to standard output")?;

    match args.fail_on {
        Some(threshold) => fail_on(store.as_ref(), threshold, &mut std::io::stderr()).await,
        None => Ok(ExitCode::SUCCESS),
    }
}

async fn build(store: &dyn Store, now: Timestamp) -> anyhow::Result<Report> {
    let hosts = all_hosts(store, now).await?;
    let mut lifecycle: HashMap<i64, HostLifecycle> = HashMap::new();
    for (host, status) in store.all_host_lifecycles().await? {
        if status.operating_system {
            lifecycle.entry(host).or_insert(status);
        }
    }
    let mut findings: HashMap<i64, BTreeMap<String, i64>> = HashMap::new();
    for (host, priority, n) in store.open_finding_counts(None).await? {
        findings.entry(host).or_default().insert(priority, n);
    }

    let hosts = hosts
        .into_iter()
        .map(|h| {
            let mut open: BTreeMap<String, i64> =
                PRIORITIES.iter().map(|p| ((*p).to_owned(), 0)).collect();
            open.extend(findings.remove(&h.id).unwrap_or_default());
            HostReport {
                lifecycle: lifecycle.remove(&h.id),
                id: h.id,
                hostname: h.hostname,
                os: h.os_name,
                pending_updates: h.pending_update_count,
                security_updates: h.security_update_count,
                open_findings: open,
            }
        })
        .collect();
    Ok(Report {
        generated_at: now,
        hosts,
        forecast: forecast_items(store, now).await?,
    })
}

async fn all_hosts(store: &dyn Store, now: Timestamp) -> anyhow::Result<Vec<HostSummary>> {
    let hosts = every_page("hosts", usize::MAX, |page| async move {
        store.list_hosts(&HostFilter::default(), &page, now).await
    })
    .await?;
    Ok(hosts)
}

/// Text from agents and feeds with control characters escaped for the terminal.
fn shown(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

/// A lifecycle status in words: `supported until 2026-07-11 (endoflife.date)`.
fn lifecycle_words(status: Option<&HostLifecycle>) -> String {
    let Some(status) = status else {
        return "not assessed".to_owned();
    };
    let state = steward_server::assessment::views::lifecycle_state(&status.state);
    let mut words = format!("{} {}: {state}", status.product, status.cycle);
    if let Some(date) = &status.date {
        let word = steward_server::assessment::views::date_word(&status.state);
        words.push_str(&format!(" {word} {date}"));
    }
    if let Some(source) = &status.source {
        words.push_str(&format!(" ({source})"));
    }
    shown(&words)
}

fn write_table(out: &mut impl Write, report: &Report) -> anyhow::Result<()> {
    let mut rows = vec![
        [
            "HOST",
            "OS",
            "LIFECYCLE",
            "UPDATES",
            "SECURITY",
            "P1",
            "P2",
            "P3",
            "P4",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for h in &report.hosts {
        let mut row = vec![
            shown(&h.hostname),
            shown(h.os.as_deref().unwrap_or("unknown")),
            lifecycle_words(h.lifecycle.as_ref()),
            h.pending_updates.to_string(),
            h.security_updates.to_string(),
        ];
        row.extend(PRIORITIES.iter().map(|p| h.open_findings[*p].to_string()));
        rows.push(row);
    }
    write_rows(out, &rows)?;

    writeln!(out)?;
    writeln!(out, "Support ending within 6, 12 and 18 months:")?;
    let mut rows = vec![
        [
            "WITHIN",
            "PRODUCT",
            "CYCLE",
            "WHAT ENDS",
            "DATE",
            "HOSTS",
            "SOURCE",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for f in &report.forecast {
        rows.push(vec![
            format!("{} months", f.within_months),
            shown(&f.product),
            shown(&f.cycle),
            steward_server::assessment::views::milestone(&f.milestone).to_owned(),
            f.date.clone(),
            f.hosts.to_string(),
            shown(&f.source),
        ]);
    }
    if report.forecast.is_empty() {
        writeln!(out, "nothing ends within 18 months")?;
        return Ok(());
    }
    write_rows(out, &rows)
}

/// The hosts as CSV, one row each; every cell through the formula-injection rule.
fn csv(report: &Report) -> Vec<u8> {
    let mut header = vec![
        "host_id",
        "hostname",
        "os",
        "lifecycle_product",
        "lifecycle_cycle",
        "lifecycle_state",
        "lifecycle_date",
        "lifecycle_source",
        "pending_updates",
        "security_updates",
    ];
    header.extend(PRIORITIES);
    let rows = report.hosts.iter().map(|h| {
        let status = h.lifecycle.as_ref();
        let field = |f: fn(&HostLifecycle) -> Option<String>| status.and_then(f);
        let mut row = vec![
            h.id.to_string(),
            h.hostname.clone(),
            h.os.clone().unwrap_or_default(),
            field(|s| Some(s.product.clone())).unwrap_or_default(),
            field(|s| Some(s.cycle.clone())).unwrap_or_default(),
            field(|s| Some(s.state.clone())).unwrap_or_else(|| "not assessed".to_owned()),
            field(|s| s.date.clone()).unwrap_or_default(),
            field(|s| s.source.clone()).unwrap_or_default(),
            h.pending_updates.to_string(),
            h.security_updates.to_string(),
        ];
        row.extend(PRIORITIES.iter().map(|p| h.open_findings[*p].to_string()));
        row
    });
    steward_formats::csv_table(&header, rows)
}

/// Rows as columns padded to their widest cell.
fn write_rows(out: &mut impl Write, rows: &[Vec<String>]) -> anyhow::Result<()> {
    let columns = rows.first().map(Vec::len).unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}

/// Exit status 1, with the count on stderr, when an open finding is at least `threshold`.
async fn fail_on(
    store: &dyn Store,
    threshold: Severity,
    err: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let mut met = Vec::new();
    for severity in Severity::ALL.into_iter().filter(|s| *s <= threshold) {
        for rating in severity.ratings() {
            let filter = FindingFilter {
                severity: Some((*rating).to_owned()),
                state: Some("open".to_owned()),
                ..FindingFilter::default()
            };
            let page = PageRequest {
                limit: Some(1),
                cursor: None,
            };
            if !store.list_findings(&filter, &page).await?.items.is_empty() {
                met.push(*rating);
            }
        }
    }
    if met.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        err,
        "open findings at or above {}: {} severity present",
        threshold.as_str(),
        met.join(", ")
    )?;
    Ok(ExitCode::FAILURE)
}
