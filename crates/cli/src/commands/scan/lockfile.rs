//! `steward scan --lockfile FILE --feeds DIR`: assess an application's lockfile straight from a
//! feed mirror, with no store.
//!
//! The steps: read the lockfile (a `Cargo.lock`, recognised by name or content); load the
//! mirror's advisories; index them by (ecosystem, normalised package name) so each package is
//! matched only against the advisories naming it; match by OSV's rules; group advisories
//! linked by aliases into one finding per package version; print. Packages that did not come
//! from the ecosystem's registry (git, path, other registries) are listed but not matched:
//! advisories about the registry's package of that name do not describe them. Findings are
//! data here, so the exit code is 0 whatever is found; `steward report --fail-on` gates.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use serde::Serialize;
use steward_core::assessment::advisory::{Advisory, Severity};
use steward_core::assessment::matching::{
    AdvisoryIndex, AdvisoryKind, Finding, PackageVersion, group_by_alias,
};
use steward_formats::lockfile::cargo;

/// The OSV ecosystem of packages in a `Cargo.lock`.
const CRATES_IO: &str = "crates.io";

/// The JSON document `--json` prints.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The lockfile, as named on the command line.
    pub lockfile: String,
    /// Packages in the lockfile.
    pub packages: usize,
    /// Advisories loaded from the mirror.
    pub advisories: usize,
    /// One entry per finding.
    pub findings: Vec<FindingDoc>,
    /// Packages not matched, because they did not come from the ecosystem's registry.
    pub not_matched: Vec<UnmatchedDoc>,
    /// Advisories naming a package that could not be decided, with the reason.
    pub undecided: Vec<UndecidedDoc>,
}

/// One finding in the JSON document.
#[derive(Debug, Serialize)]
pub struct FindingDoc {
    /// Ids of the advisories that make the finding (linked by aliases).
    pub ids: Vec<String>,
    /// Their other aliases (CVE, GHSA …).
    pub aliases: Vec<String>,
    /// Package name, as the lockfile spells it.
    pub package: String,
    /// Installed version.
    pub version: String,
    /// `vulnerability`, `unmaintained`, `unsound` or `notice`: the most serious of its advisories.
    pub kind: AdvisoryKind,
    /// The affected range(s) that hold the version.
    pub range: String,
    /// Versions that fix it (the lowest fixed version above the installed one, per range).
    pub fixed: Vec<String>,
    /// The highest-scored severity, when any advisory publishes one.
    pub severity: Option<Severity>,
    /// Summary of the first advisory of the finding's kind.
    pub summary: String,
    /// Each advisory of the finding with its own kind, range and fixes.
    pub advisories: Vec<AdvisoryDoc>,
}

/// One advisory of a finding.
#[derive(Debug, Serialize)]
pub struct AdvisoryDoc {
    /// The advisory id.
    pub id: String,
    /// What the advisory is about.
    pub kind: AdvisoryKind,
    /// The range(s) that hold the version.
    pub range: String,
    /// Its fixed versions.
    pub fixed: Vec<String>,
}

/// A package that was not matched.
#[derive(Debug, Serialize)]
pub struct UnmatchedDoc {
    /// Package name.
    pub package: String,
    /// Version.
    pub version: String,
    /// Where it came from, as the lockfile says (`git+…`, `path`, another registry).
    pub source: String,
}

/// A package whose assessment against one advisory was left open.
#[derive(Debug, Serialize)]
pub struct UndecidedDoc {
    /// Package name.
    pub package: String,
    /// Version.
    pub version: String,
    /// Why.
    pub reason: String,
}

/// Runs the lockfile assessment and prints it; `load` reads the mirror's advisories.
pub fn run(
    lockfile: &Path,
    feeds: &Path,
    json: bool,
    load: impl FnOnce(&Path) -> anyhow::Result<Vec<Advisory>>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let lock = read_cargo_lock(lockfile)?;
    let advisories =
        load(feeds).with_context(|| format!("cannot load advisories from {}", feeds.display()))?;
    tracing::debug!(
        advisories = advisories.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "feeds loaded"
    );

    let report = assess(&lockfile.display().to_string(), &lock, &advisories);
    for undecided in &report.undecided {
        tracing::warn!(
            package = %undecided.package,
            version = %undecided.version,
            "not decided: {}",
            undecided.reason
        );
    }
    let output = if json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        render_table(&report)
    };
    write_stdout(&output)?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "lockfile assessed"
    );
    Ok(())
}

/// Reads a lockfile Steward knows, after checking its size: a `Cargo.lock` by name or content.
fn read_cargo_lock(path: &Path) -> anyhow::Result<cargo::Lockfile> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > cargo::MAX_BYTES as u64 {
        bail!(
            "{} is larger than the {} bytes a lockfile may be",
            path.display(),
            cargo::MAX_BYTES
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;

    let named = path.file_name().is_some_and(|name| name == "Cargo.lock");
    if !named && !cargo::looks_like(&text) {
        bail!(
            "{} is not a lockfile Steward reads (recognised: Cargo.lock, by name or content)",
            path.display()
        );
    }
    cargo::parse(&text).with_context(|| format!("cannot read {}", path.display()))
}

/// Matches every crates.io package of the lockfile against the advisories.
pub fn assess(name: &str, lock: &cargo::Lockfile, advisories: &[Advisory]) -> Report {
    let index = AdvisoryIndex::new(advisories);
    let mut findings = Vec::new();
    let mut not_matched = Vec::new();
    let mut undecided = Vec::new();

    for package in &lock.packages {
        if !package.is_crates_io() {
            not_matched.push(UnmatchedDoc {
                package: package.name.clone(),
                version: package.version.clone(),
                source: source_text(&package.source),
            });
            continue;
        }
        let query = PackageVersion::new(CRATES_IO, &package.name, &package.version);
        let assessment = index.assess(&query);
        findings.extend(
            group_by_alias(assessment.matches)
                .iter()
                .map(|finding| FindingDoc {
                    package: package.name.clone(),
                    ..finding_doc(finding)
                }),
        );
        undecided.extend(assessment.problems.into_iter().map(|problem| UndecidedDoc {
            package: package.name.clone(),
            version: package.version.clone(),
            reason: problem.to_string(),
        }));
    }

    Report {
        lockfile: name.to_owned(),
        packages: lock.packages.len(),
        advisories: advisories.len(),
        findings,
        not_matched,
        undecided,
    }
}

fn source_text(source: &cargo::Source) -> String {
    match source {
        cargo::Source::CratesIo => "crates.io".to_owned(),
        cargo::Source::Local => "path".to_owned(),
        cargo::Source::Registry(s) | cargo::Source::Git(s) | cargo::Source::Other(s) => s.clone(),
    }
}

fn finding_doc(finding: &Finding) -> FindingDoc {
    let severity = finding
        .matches
        .iter()
        .flat_map(|m| &m.severity)
        .max_by(|a, b| a.score.unwrap_or(-1.0).total_cmp(&b.score.unwrap_or(-1.0)))
        .cloned();
    let summary = finding
        .matches
        .iter()
        .find(|m| m.kind == finding.kind)
        .map(|m| m.summary.clone())
        .unwrap_or_default();
    FindingDoc {
        ids: finding.ids.clone(),
        aliases: finding.aliases.clone(),
        package: finding.package.clone(),
        version: finding.installed.clone(),
        kind: finding.kind,
        range: finding.ranges().join("; "),
        fixed: finding.fixed(),
        severity,
        summary,
        advisories: finding
            .matches
            .iter()
            .map(|m| AdvisoryDoc {
                id: m.advisory_id.clone(),
                kind: m.kind,
                range: m.ranges.join("; "),
                fixed: m.fixed.clone(),
            })
            .collect(),
    }
}

/// Writes the output; a reader that went away (`| head`) is not an error.
fn write_stdout(output: &str) -> anyhow::Result<()> {
    use std::io::Write;

    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

/// The readable table: one line per finding, then counts.
fn render_table(report: &Report) -> String {
    use std::fmt::Write;

    let mut out = format!(
        "{}: {} packages ({} not from crates.io, not matched), {} advisories\n",
        report.lockfile,
        report.packages,
        report.not_matched.len(),
        report.advisories
    );
    if report.findings.is_empty() {
        out.push_str("no findings\n");
        return out;
    }

    let rows: Vec<[String; 6]> = report
        .findings
        .iter()
        .map(|f| {
            [
                f.package.clone(),
                f.version.clone(),
                f.kind.as_str().to_owned(),
                f.ids.join(" "),
                f.range.clone(),
                if f.fixed.is_empty() {
                    "-".to_owned()
                } else {
                    f.fixed.join(", ")
                },
            ]
        })
        .collect();
    let header = [
        "PACKAGE", "VERSION", "KIND", "ADVISORY", "AFFECTED", "FIXED IN",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }

    let count = |kind| report.findings.iter().filter(|f| f.kind == kind).count();
    let _ = writeln!(
        out,
        "{} findings: {} vulnerabilities, {} unsound, {} unmaintained, {} notices",
        report.findings.len(),
        count(AdvisoryKind::Vulnerability),
        count(AdvisoryKind::Unsound),
        count(AdvisoryKind::Unmaintained),
        count(AdvisoryKind::Notice)
    );
    if !report.undecided.is_empty() {
        let _ = writeln!(
            out,
            "{} package/advisory pairs could not be decided (see the log)",
            report.undecided.len()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use steward_core::assessment::advisory::{Affected, Event, Range, RangeKind};

    use super::*;

    const LOCK: &str = r#"version = 4

[[package]]
name = "app"
version = "0.1.0"

[[package]]
name = "serde_json"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "time"
version = "0.1.42"
source = "git+https://example.org/time.git#0123456789abcdef"
"#;

    fn advisory(id: &str, aliases: &[&str], crate_name: &str, fixed: &str) -> Advisory {
        Advisory {
            id: id.to_owned(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            summary: format!("summary of {id}"),
            affected: vec![Affected {
                ecosystem: "crates.io".to_owned(),
                name: crate_name.to_owned(),
                ranges: vec![Range {
                    kind: RangeKind::Semver,
                    repo: None,
                    events: vec![
                        Event::Introduced("0.0.0-0".to_owned()),
                        Event::Fixed(fixed.to_owned()),
                    ],
                }],
                ..Affected::default()
            }],
            ..Advisory::default()
        }
    }

    #[test]
    fn aliased_advisories_make_one_finding_named_as_the_lockfile_names_the_crate() {
        let lock = cargo::parse(LOCK).expect("parses");
        let advisories = vec![
            advisory("RUSTSEC-2099-0001", &["CVE-2099-1"], "serde-json", "1.0.5"),
            advisory(
                "GHSA-aaaa-bbbb-cccc",
                &["CVE-2099-1"],
                "serde_json",
                "1.0.4",
            ),
            advisory("RUSTSEC-2099-0002", &[], "time", "0.2.0"),
        ];
        let report = assess("Cargo.lock", &lock, &advisories);

        assert_eq!((report.packages, report.advisories), (3, 3));
        assert_eq!(report.findings.len(), 1);
        let finding = &report.findings[0];
        assert_eq!(
            finding.ids,
            vec!["GHSA-aaaa-bbbb-cccc", "RUSTSEC-2099-0001"]
        );
        assert_eq!(finding.aliases, vec!["CVE-2099-1"]);
        assert_eq!(finding.package, "serde_json");
        assert_eq!(finding.version, "1.0.0");
        assert_eq!(finding.kind, AdvisoryKind::Vulnerability);
        assert_eq!(finding.fixed, vec!["1.0.4", "1.0.5"]);
        assert_eq!(
            finding.range,
            "GHSA-aaaa-bbbb-cccc: < 1.0.4; RUSTSEC-2099-0001: < 1.0.5"
        );
    }

    #[test]
    fn packages_not_from_crates_io_are_listed_but_not_matched() {
        let lock = cargo::parse(LOCK).expect("parses");
        let advisories = vec![advisory("RUSTSEC-2099-0002", &[], "time", "0.2.0")];
        let report = assess("Cargo.lock", &lock, &advisories);

        assert!(report.findings.is_empty());
        let unmatched: Vec<(&str, &str)> = report
            .not_matched
            .iter()
            .map(|p| (p.package.as_str(), p.source.as_str()))
            .collect();
        assert_eq!(
            unmatched,
            vec![
                ("app", "path"),
                ("time", "git+https://example.org/time.git#0123456789abcdef")
            ]
        );
    }

    #[test]
    fn unreadable_versions_are_reported_as_undecided() {
        let lock = cargo::parse(
            "[[package]]\nname = \"odd\"\nversion = \"1.0\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
        )
        .expect("parses");
        let report = assess(
            "Cargo.lock",
            &lock,
            &[advisory("RUSTSEC-2099-0003", &[], "odd", "2.0.0")],
        );
        assert!(report.findings.is_empty());
        assert_eq!(report.undecided.len(), 1);
        assert!(report.undecided[0].reason.contains("RUSTSEC-2099-0003"));
    }

    #[test]
    fn the_table_lists_each_finding_and_the_counts() {
        let lock = cargo::parse(LOCK).expect("parses");
        let advisories = vec![advisory("RUSTSEC-2099-0001", &[], "serde_json", "1.0.5")];
        let table = render_table(&assess("Cargo.lock", &lock, &advisories));
        let expected = "\
Cargo.lock: 3 packages (2 not from crates.io, not matched), 1 advisories
PACKAGE     VERSION  KIND           ADVISORY           AFFECTED  FIXED IN
serde_json  1.0.0    vulnerability  RUSTSEC-2099-0001  < 1.0.5   1.0.5
1 findings: 1 vulnerabilities, 0 unsound, 0 unmaintained, 0 notices
";
        assert_eq!(table, expected);
    }
}
