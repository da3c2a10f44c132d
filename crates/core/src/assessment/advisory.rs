//! The advisory model: one vulnerability (or informational notice) and the package versions
//! it affects, in OSV's terms.
//!
//! Every feed — OSV exports, the Debian tracker's DSA/DLA lists, Alpine secdb — is read into
//! these types, so matching has one set of semantics. Field meanings follow the OSV schema:
//! ranges hold ordered `introduced` / `fixed` / `last_affected` / `limit` events, evaluated
//! by the range type's version rules.

use serde::{Deserialize, Serialize};

/// One advisory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Advisory {
    /// The advisory's own id (`RUSTSEC-2021-0001`, `GHSA-…`, `CVE-…`, `DSA-5000-1`).
    pub id: String,
    /// Other ids of the same vulnerability; one finding is made per group of aliases.
    pub aliases: Vec<String>,
    /// Related but distinct advisories (never merged).
    pub related: Vec<String>,
    /// Last modification, RFC 3339; the later one wins when two sources carry one advisory.
    pub modified: Option<jiff::Timestamp>,
    /// Publication time.
    pub published: Option<jiff::Timestamp>,
    /// Set when the advisory was withdrawn: it then matches nothing.
    pub withdrawn: Option<jiff::Timestamp>,
    /// One-line summary.
    pub summary: String,
    /// Longer description (Markdown in OSV).
    pub details: String,
    /// Severity scores of the whole advisory.
    pub severity: Vec<Severity>,
    /// Affected packages.
    pub affected: Vec<Affected>,
    /// Reference URLs.
    pub references: Vec<String>,
    /// Not a vulnerability but a notice (`unmaintained`, `unsound`, `notice` in RustSec).
    pub informational: Option<String>,
    /// The feed it was read from (`osv`, `debian-tracker`, `alpine-secdb`, …).
    pub source: String,
}

/// A severity score as a vector and, where Steward can compute it, its base score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Severity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, …
    pub kind: String,
    /// The vector or qualitative value as published.
    pub vector: String,
    /// Base score 0.0–10.0, when computable from the vector.
    #[serde(default)]
    pub score: Option<f64>,
}

/// One affected package and which of its versions are affected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Affected {
    /// OSV ecosystem as published, possibly with a release (`Debian:12`, `Alpine:v3.18`).
    pub ecosystem: String,
    /// Package name as published (for distributions: the source package).
    pub name: String,
    /// Package URL, when published.
    pub purl: Option<String>,
    /// Version ranges.
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    pub versions: Vec<String>,
    /// Severity specific to this package.
    pub severity: Vec<Severity>,
    /// Functions or paths affected, where the feed names them (RustSec `affects.functions`).
    pub functions: Vec<String>,
}

/// A range of affected versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// How its events' versions are ordered.
    pub kind: RangeKind,
    /// Repository, for `GIT` ranges.
    #[serde(default)]
    pub repo: Option<String>,
    /// Events, in the order published.
    pub events: Vec<Event>,
}

/// The ordering a range's versions use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RangeKind {
    /// SemVer 2.0 precedence, whatever the ecosystem.
    Semver,
    /// The ecosystem's own version rules.
    Ecosystem,
    /// Commit hashes in a repository; not comparable by version, so never matched on
    /// installed versions.
    Git,
}

/// One event of a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Versions from here on are affected (`0` means from the beginning).
    Introduced(String),
    /// Versions from here on are not affected.
    Fixed(String),
    /// This version and those before it (back to the introduction) are affected.
    LastAffected(String),
    /// Versions from here on are outside the range (an upper bound on the search).
    Limit(String),
}
