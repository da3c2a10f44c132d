//! `steward scan --lockfile FILE` or `--sbom FILE`: assess an application's lockfile or SBOM
//! directly, against a feed mirror (`--feeds DIR`, no store) or the store's advisories.
//!
//! The steps: read the document into an application (lockfiles by file name, `Cargo.lock`
//! also by content; SBOMs by content: CycloneDX JSON/XML, SPDX 2 JSON/tag-value, SPDX 3);
//! load the advisories; index them by (ecosystem, normalised package name) so each component
//! is matched only against the advisories naming it; match by OSV's rules; group advisories
//! linked by aliases into one finding per component version; print. Components with no
//! registry ecosystem (git and path dependencies, SBOM entries without a purl) or no version
//! are listed but not matched: advisories about the registry's package of that name do not
//! describe them. Findings are data here, so the exit code is 0 whatever is found;
//! `steward report --fail-on` gates.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use serde::Serialize;
use steward_core::assessment::advisory::{Advisory, Severity};
use steward_core::assessment::components::assess_components;
use steward_core::assessment::matching::{AdvisoryIndex, AdvisoryKind, Finding};
use steward_core::inventory::Application;
use steward_formats::lockfile::{self, LockfileKind, cargo};
use steward_formats::sbom::{self, Limits};

/// The document `steward scan` assesses instead of the host.
#[derive(Debug, Clone)]
pub enum Input {
    /// A lockfile, recognised by its file name (`Cargo.lock` also by content).
    Lockfile(PathBuf),
    /// An SBOM, recognised by its content.
    Sbom(PathBuf),
}

impl Input {
    /// The file, as named on the command line.
    pub fn path(&self) -> &Path {
        match self {
            Input::Lockfile(path) | Input::Sbom(path) => path,
        }
    }
}

/// A document read: its components, and where each non-registry Cargo package came from.
pub struct Document {
    /// The application the document describes.
    pub application: Application,
    /// `name@version` → the `source` a `Cargo.lock` gives a package not from crates.io.
    cargo_sources: HashMap<String, String>,
}

/// The JSON document `--json` prints.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The document, as named on the command line.
    pub lockfile: String,
    /// Components (packages) in the document.
    pub packages: usize,
    /// Advisories loaded from the mirror.
    pub advisories: usize,
    /// One entry per finding.
    pub findings: Vec<FindingDoc>,
    /// Components not matched: no registry ecosystem (git, path, unknown purl) or no version.
    pub not_matched: Vec<UnmatchedDoc>,
    /// Advisories naming a package that could not be decided, with the reason.
    pub undecided: Vec<UndecidedDoc>,
    /// Entries of the document that are not components (unpinned requirements, references
    /// with no registry version), with the reason: not assessed, never dropped silently.
    pub unresolved: Vec<steward_core::inventory::Unresolved>,
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
    /// Where it came from, as a `Cargo.lock` says (`git+…`, `path`, another registry), or
    /// why it could not be matched.
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

/// Reads the document: bounded in size, every error naming the file.
pub fn read(input: &Input) -> anyhow::Result<Document> {
    let path = input.path();
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    let limits = Limits::DEFAULT;
    if size > limits.max_bytes as u64 {
        bail!(
            "{} is larger than the {} bytes a document may be",
            path.display(),
            limits.max_bytes
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let named = |e: sbom::DocumentError| anyhow::anyhow!("{}: {e}", path.display());
    let mut cargo_sources = HashMap::new();
    let application = match input {
        Input::Sbom(_) => sbom::read(&bytes, &limits).map_err(named)?.application,
        Input::Lockfile(_) => {
            let name = path.to_string_lossy();
            let looks_cargo = || std::str::from_utf8(&bytes).is_ok_and(cargo::looks_like);
            let kind = match LockfileKind::from_file_name(&name) {
                Some(kind) => kind,
                None if looks_cargo() => LockfileKind::Cargo,
                None => bail!(
                    "{} is not a lockfile Steward reads (recognised by name: Cargo.lock, \
                     package-lock.json, npm-shrinkwrap.json, *requirements*.txt, poetry.lock, \
                     Gemfile.lock, go.mod; a Cargo.lock also by content)",
                    path.display()
                ),
            };
            if kind == LockfileKind::Cargo {
                cargo_sources = cargo_sources_of(&bytes);
            }
            lockfile::read(kind, &bytes, &limits).map_err(named)?
        }
    };
    Ok(Document {
        application,
        cargo_sources,
    })
}

/// Where each package of a `Cargo.lock` that is not from crates.io came from.
fn cargo_sources_of(bytes: &[u8]) -> HashMap<String, String> {
    let Some(lock) = std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| cargo::parse(text).ok())
    else {
        return HashMap::new();
    };
    lock.packages
        .iter()
        .filter(|p| !p.is_crates_io())
        .map(|p| (format!("{}@{}", p.name, p.version), source_text(&p.source)))
        .collect()
}

/// Assesses the document against `advisories` and prints the report.
pub fn run(
    input: &Input,
    document: &Document,
    advisories: &[Advisory],
    json: bool,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let report = assess(&input.path().display().to_string(), document, advisories);
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
        "document assessed"
    );
    Ok(())
}

/// Matches every component with a registry ecosystem and a version against the advisories.
pub fn assess(name: &str, document: &Document, advisories: &[Advisory]) -> Report {
    let index = AdvisoryIndex::new(advisories);
    let components = &document.application.components;
    let result = assess_components(components, &index);
    let version = |position: usize| components[position].version.clone().unwrap_or_default();
    let findings = result
        .findings
        .iter()
        .map(|(position, finding)| FindingDoc {
            package: components[*position].name.clone(),
            ..finding_doc(finding)
        })
        .collect();
    let not_matched = result
        .not_matched
        .iter()
        .map(|&position| {
            let component = &components[position];
            let key = format!("{}@{}", component.name, version(position));
            let source = match (document.cargo_sources.get(&key), &component.purl) {
                (Some(source), _) => source.clone(),
                (None, Some(purl)) => format!("{purl}: no advisory ecosystem for its type"),
                (None, None) if component.version.is_none() => "no version".to_owned(),
                (None, None) => "no package URL or registry".to_owned(),
            };
            UnmatchedDoc {
                package: component.name.clone(),
                version: version(position),
                source,
            }
        })
        .collect();
    let undecided = result
        .undecided
        .into_iter()
        .map(|(position, reason)| UndecidedDoc {
            package: components[position].name.clone(),
            version: version(position),
            reason,
        })
        .collect();

    Report {
        lockfile: name.to_owned(),
        packages: components.len(),
        advisories: advisories.len(),
        findings,
        not_matched,
        undecided,
        unresolved: document.application.unresolved.clone(),
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
        "{}: {} packages ({} not matched: not from a registry or no version), {} advisories\n",
        report.lockfile,
        report.packages,
        report.not_matched.len(),
        report.advisories
    );
    if !report.unresolved.is_empty() {
        let _ = writeln!(
            out,
            "{} entries not assessed (no pinned registry version):",
            report.unresolved.len()
        );
        for entry in &report.unresolved {
            let line = entry
                .line
                .map(|l| format!("line {l}: "))
                .unwrap_or_default();
            let _ = writeln!(out, "  {line}{} ({})", entry.entry, entry.reason);
        }
    }
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

    fn cargo_document(text: &str) -> Document {
        Document {
            application: lockfile::read(LockfileKind::Cargo, text.as_bytes(), &Limits::DEFAULT)
                .expect("reads"),
            cargo_sources: cargo_sources_of(text.as_bytes()),
        }
    }

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
        let lock = cargo_document(LOCK);
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
        let lock = cargo_document(LOCK);
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
        let lock = cargo_document(
            "[[package]]\nname = \"odd\"\nversion = \"1.0\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
        );
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
        let lock = cargo_document(LOCK);
        let advisories = vec![advisory("RUSTSEC-2099-0001", &[], "serde_json", "1.0.5")];
        let table = render_table(&assess("Cargo.lock", &lock, &advisories));
        let expected = "\
Cargo.lock: 3 packages (2 not matched: not from a registry or no version), 1 advisories
PACKAGE     VERSION  KIND           ADVISORY           AFFECTED  FIXED IN
serde_json  1.0.0    vulnerability  RUSTSEC-2099-0001  < 1.0.5   1.0.5
1 findings: 1 vulnerabilities, 0 unsound, 0 unmaintained, 0 notices
";
        assert_eq!(table, expected);
    }
}
