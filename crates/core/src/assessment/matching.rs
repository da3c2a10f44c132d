//! Matching: does an advisory affect one installed package version, and why.
//!
//! The rules are OSV's evaluation algorithm, applied exactly:
//!
//! - A withdrawn advisory affects nothing.
//! - An `affected` entry applies when its ecosystem covers the package's (same base; an entry
//!   scoped to a release such as `Debian:12` only covers packages of that release, an entry
//!   without one covers every release — see [`Ecosystem::covers`]) and the names are equal once
//!   normalised the ecosystem's way. Any applicable entry that affects the version is enough.
//! - The entry affects the version when its `versions` list holds it (as the same string, or
//!   as a version equal by the ecosystem's rules), or when any of its ranges does.
//! - A range is evaluated on its events sorted by version: `introduced` (with `0` before every
//!   version) starts an affected stretch, `fixed` ends it with the fixed version itself
//!   unaffected, `last_affected` ends it after that version; the last event at or below the
//!   installed version decides. When a range has `limit` events, only versions below one of
//!   them can be affected (`*` is infinity). Events with equal versions keep their published
//!   order.
//! - `SEMVER` ranges compare by SemVer precedence whatever the ecosystem; `ECOSYSTEM` ranges by
//!   the ecosystem's own scheme; `GIT` ranges name commits, never an installed version, so
//!   they never match one.
//!
//! A version the scheme cannot read — installed or in the advisory — or an ecosystem whose
//! rules Steward does not know leaves the answer open: the result is [`Outcome::Undecided`]
//! with the reasons, never a silent "not affected".

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::advisory::{Advisory, Affected, Event, Range, RangeKind, Severity};
use super::ecosystem::Ecosystem;
use crate::versions::{Scheme, VersionError};

/// One installed package version to match: ecosystem (with the host's release where it has
/// one, `Debian:12`), name as the package manager gives it, and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageVersion {
    ecosystem: Ecosystem,
    name: String,
    key: String,
    version: String,
}

impl PackageVersion {
    /// A package version; the ecosystem and name are normalised once, here.
    pub fn new(ecosystem: &str, name: &str, version: &str) -> PackageVersion {
        let ecosystem = Ecosystem::parse(ecosystem);
        let key = ecosystem.normalize_name(name).into_owned();
        PackageVersion {
            ecosystem,
            name: name.trim().to_owned(),
            key,
            version: version.trim().to_owned(),
        }
    }

    /// The package's ecosystem.
    pub fn ecosystem(&self) -> &Ecosystem {
        &self.ecosystem
    }

    /// The name as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name normalised by the ecosystem's rules: the key to index advisories by.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The installed version.
    pub fn version(&self) -> &str {
        &self.version
    }
}

/// What an advisory is about, from RustSec's `informational` field and its kin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdvisoryKind {
    /// Informational notice of another kind (RustSec `notice`, or a kind Steward does not know).
    Notice,
    /// The package is no longer maintained.
    Unmaintained,
    /// The package has unsound code (undefined behaviour reachable from safe code).
    Unsound,
    /// A vulnerability.
    Vulnerability,
}

impl AdvisoryKind {
    /// The kind of an advisory: a vulnerability unless it is marked informational.
    pub fn of(advisory: &Advisory) -> AdvisoryKind {
        match advisory.informational.as_deref().map(str::trim) {
            None | Some("") => AdvisoryKind::Vulnerability,
            Some(kind) if kind.eq_ignore_ascii_case("unmaintained") => AdvisoryKind::Unmaintained,
            Some(kind) if kind.eq_ignore_ascii_case("unsound") => AdvisoryKind::Unsound,
            Some(_) => AdvisoryKind::Notice,
        }
    }

    /// Whether this is an informational notice rather than a vulnerability.
    pub fn is_informational(self) -> bool {
        self != AdvisoryKind::Vulnerability
    }

    /// The lower-case name (`vulnerability`, `unmaintained`, `unsound`, `notice`).
    pub fn as_str(self) -> &'static str {
        match self {
            AdvisoryKind::Notice => "notice",
            AdvisoryKind::Unmaintained => "unmaintained",
            AdvisoryKind::Unsound => "unsound",
            AdvisoryKind::Vulnerability => "vulnerability",
        }
    }
}

/// Why an advisory affects a package version: enough for a person to check it by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// The advisory's id.
    pub advisory_id: String,
    /// The advisory's aliases, for grouping.
    pub aliases: Vec<String>,
    /// What the advisory is about.
    pub kind: AdvisoryKind,
    /// The matching `affected` entry's ecosystem, as published.
    pub ecosystem: String,
    /// The matching `affected` entry's package name, as published.
    pub package: String,
    /// The installed version.
    pub installed: String,
    /// Each range (or listed version) that holds the installed version, as text
    /// (`>= 1.0.0, < 1.2.3`; `<= 2.1.214`; `all versions`; `= 1.0.1 (listed)`).
    pub ranges: Vec<String>,
    /// The lowest fixed version above the installed one in each matching range, when the
    /// range has one; empty when no fix is published.
    pub fixed: Vec<String>,
    /// The advisory's summary.
    pub summary: String,
    /// Severity of the matching entry if it has its own, else of the advisory.
    pub severity: Vec<Severity>,
}

/// Something that kept a match from being decided.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    /// A version — installed, or in the advisory — that the scheme cannot read.
    #[error("advisory {advisory}: {source}")]
    Version {
        /// The advisory being matched.
        advisory: String,
        /// The unreadable version.
        source: VersionError,
    },
    /// An `ECOSYSTEM` range in an ecosystem whose version rules Steward does not know.
    #[error("advisory {advisory}: no version rules are known for ecosystem {ecosystem:?}")]
    UnknownScheme {
        /// The advisory being matched.
        advisory: String,
        /// The ecosystem, as published.
        ecosystem: String,
    },
}

/// The answer to "does this advisory affect this package version?".
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It does, and this is why.
    Affected(Match),
    /// It does not (or the advisory does not name this package, or is withdrawn).
    NotAffected,
    /// No range that could be evaluated holds the version, but some could not be evaluated:
    /// no match, with the reasons to report.
    Undecided(Vec<Problem>),
}

/// Decides whether `advisory` affects `package`, by OSV's rules (see the module docs).
pub fn affected_by(advisory: &Advisory, package: &PackageVersion) -> Outcome {
    if advisory.withdrawn.is_some() {
        return Outcome::NotAffected;
    }
    let entries = advisory
        .affected
        .iter()
        .filter(|affected| names_package(affected, package))
        .map(|affected| (affected, None));
    decide(advisory, entries, package)
}

/// The outcome over the `affected` entries that name the package, in published order, each
/// with its ranges' events already sorted when the caller has them.
fn decide<'e>(
    advisory: &Advisory,
    entries: impl Iterator<Item = (&'e Affected, Option<&'e [Option<SortedEvents<'e>>]>)>,
    package: &PackageVersion,
) -> Outcome {
    let mut hits = Hits::default();
    let mut problems = Vec::new();
    let mut matched_entry = None;
    for (affected, sorted) in entries {
        let before = hits.ranges.len();
        evaluate_entry(
            advisory,
            affected,
            sorted,
            package,
            &mut hits,
            &mut problems,
        );
        if hits.ranges.len() > before && matched_entry.is_none() {
            matched_entry = Some(affected);
        }
    }

    match matched_entry {
        Some(affected) => Outcome::Affected(Match {
            advisory_id: advisory.id.clone(),
            aliases: advisory.aliases.clone(),
            kind: AdvisoryKind::of(advisory),
            ecosystem: affected.ecosystem.clone(),
            package: affected.name.clone(),
            installed: package.version.clone(),
            ranges: hits.ranges,
            fixed: hits.fixed.into_iter().collect(),
            summary: advisory.summary.clone(),
            severity: if affected.severity.is_empty() {
                advisory.severity.clone()
            } else {
                affected.severity.clone()
            },
        }),
        None if problems.is_empty() => Outcome::NotAffected,
        None => {
            problems.dedup();
            Outcome::Undecided(problems)
        }
    }
}

/// Whether an `affected` entry names this package (ecosystem covers it, names equal).
fn names_package(affected: &Affected, package: &PackageVersion) -> bool {
    let ecosystem = Ecosystem::parse(&affected.ecosystem);
    ecosystem.covers(&package.ecosystem) && ecosystem.normalize_name(&affected.name) == package.key
}

/// The ranges that hold a version, and their fixes.
#[derive(Default)]
struct Hits {
    ranges: Vec<String>,
    fixed: BTreeSet<String>,
}

/// Evaluates one applicable `affected` entry: its `versions` list, then each range.
fn evaluate_entry<'e>(
    advisory: &Advisory,
    affected: &'e Affected,
    sorted: Option<&'e [Option<SortedEvents<'e>>]>,
    package: &PackageVersion,
    hits: &mut Hits,
    problems: &mut Vec<Problem>,
) {
    let scheme = Scheme::for_ecosystem(package.ecosystem.base());
    if listed(&affected.versions, &package.version, scheme) {
        hits.ranges.push(format!("= {} (listed)", package.version));
    }

    for (position, range) in affected.ranges.iter().enumerate() {
        let Some(scheme) = range_scheme(range.kind, scheme) else {
            if range.kind == RangeKind::Ecosystem {
                problems.push(Problem::UnknownScheme {
                    advisory: advisory.id.clone(),
                    ecosystem: affected.ecosystem.clone(),
                });
            }
            continue;
        };
        let presorted = sorted
            .and_then(|ranges| ranges.get(position))
            .and_then(Option::as_ref);
        match evaluate_range(scheme, range, presorted, &package.version) {
            Ok(Some(hit)) => {
                hits.ranges.push(hit.text);
                hits.fixed.extend(hit.fixed);
            }
            Ok(None) => {}
            Err(source) => problems.push(Problem::Version {
                advisory: advisory.id.clone(),
                source,
            }),
        }
    }
}

/// Whether a `versions` list holds the version: the same string, or equal by the scheme.
/// A listed version the scheme cannot read can only match as the same string.
fn listed(versions: &[String], version: &str, scheme: Option<Scheme>) -> bool {
    versions.iter().any(|listed| {
        listed == version
            || scheme.is_some_and(|s| s.compare(listed, version) == Ok(Ordering::Equal))
    })
}

/// The scheme a range's events compare by: `SEMVER` ranges by SemVer, `ECOSYSTEM` ranges by
/// the ecosystem's `scheme` when Steward knows it; `GIT` ranges by none.
fn range_scheme(kind: RangeKind, scheme: Option<Scheme>) -> Option<Scheme> {
    match kind {
        RangeKind::Git => None,
        RangeKind::Semver => Some(Scheme::Semver),
        RangeKind::Ecosystem => scheme,
    }
}

/// A range's non-limit events sorted by its scheme, or the event version it cannot read.
type SortedEvents<'a> = Result<Vec<&'a Event>, VersionError>;

/// A range that holds the installed version.
#[derive(Debug, PartialEq)]
struct RangeHit {
    text: String,
    fixed: Option<String>,
}

/// Evaluates one range on `version` by OSV's algorithm; `Ok(None)` when it does not hold it.
/// `presorted` is the range's [`sorted_events`] when the caller computed them already.
fn evaluate_range(
    scheme: Scheme,
    range: &Range,
    presorted: Option<&SortedEvents<'_>>,
    version: &str,
) -> Result<Option<RangeHit>, VersionError> {
    let limit = match lowest_limit_above(scheme, &range.events, version)? {
        LimitCheck::Outside => return Ok(None),
        LimitCheck::Below(limit) => limit,
    };
    let sorted_here;
    let events: &[&Event] = match presorted {
        Some(Ok(events)) => events,
        Some(Err(unreadable)) => return Err(unreadable.clone()),
        None => {
            sorted_here = sorted_events(scheme, &range.events)?;
            &sorted_here
        }
    };

    let mut start = None;
    for (index, event) in events.iter().enumerate() {
        match event {
            Event::Introduced(at) if is_origin(at) || at_or_above(scheme, version, at)? => {
                start = Some(index)
            }
            Event::Fixed(at) if at_or_above(scheme, version, at)? => start = None,
            Event::LastAffected(at) if scheme.compare(version, at)? == Ordering::Greater => {
                start = None
            }
            _ => {}
        }
    }
    let Some(start) = start else {
        return Ok(None);
    };

    let rest = &events[start + 1..];
    let end = rest
        .iter()
        .find(|e| matches!(e, Event::Fixed(_) | Event::LastAffected(_)));
    let fixed = rest.iter().find_map(|e| match e {
        Event::Fixed(at) => Some(at.clone()),
        _ => None,
    });
    Ok(Some(RangeHit {
        text: describe(scheme, events[start], end.copied(), limit),
        fixed,
    }))
}

/// Where a version stands against a range's `limit` events.
enum LimitCheck<'a> {
    /// At or above every limit: outside the range.
    Outside,
    /// Below a limit (the lowest one above it, if any is finite), or the range has none.
    Below(Option<&'a str>),
}

/// Checks the `limit` events: with none, every version is below the implicit `*`.
fn lowest_limit_above<'a>(
    scheme: Scheme,
    events: &'a [Event],
    version: &str,
) -> Result<LimitCheck<'a>, VersionError> {
    let mut any_limit = false;
    let mut below_infinity = false;
    let mut lowest: Option<&str> = None;
    for event in events {
        let Event::Limit(limit) = event else { continue };
        any_limit = true;
        if limit.contains('*') {
            below_infinity = true;
        } else if scheme.compare(version, limit)? == Ordering::Less {
            let lower = match lowest {
                Some(current) => scheme.compare(limit, current)? == Ordering::Less,
                None => true,
            };
            if lower {
                lowest = Some(limit);
            }
        }
    }
    if !any_limit || below_infinity || lowest.is_some() {
        Ok(LimitCheck::Below(lowest))
    } else {
        Ok(LimitCheck::Outside)
    }
}

/// The non-limit events sorted by version (introduced `0` first), published order on ties.
fn sorted_events(scheme: Scheme, events: &[Event]) -> Result<Vec<&Event>, VersionError> {
    let mut sorted: Vec<&Event> = events
        .iter()
        .filter(|e| !matches!(e, Event::Limit(_)))
        .collect();
    // Every version is read once up front, so that the sort itself cannot fail.
    for event in &sorted {
        let at = event_version(event);
        if !is_origin_event(event) {
            scheme.compare(at, at)?;
        }
    }
    sorted.sort_by(|a, b| match (is_origin_event(a), is_origin_event(b)) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => scheme
            .compare(event_version(a), event_version(b))
            .unwrap_or(Ordering::Equal),
    });
    Ok(sorted)
}

fn event_version(event: &Event) -> &str {
    match event {
        Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
    }
}

/// `introduced: "0"`: before every version.
fn is_origin_event(event: &Event) -> bool {
    matches!(event, Event::Introduced(v) if is_origin(v))
}

fn is_origin(version: &str) -> bool {
    version.trim() == "0"
}

fn at_or_above(scheme: Scheme, version: &str, bound: &str) -> Result<bool, VersionError> {
    Ok(scheme.compare(version, bound)? != Ordering::Less)
}

/// The stretch of a range that holds a version, as text: `>= 1.0.0, < 1.2.3`.
fn describe(scheme: Scheme, start: &Event, end: Option<&Event>, limit: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Event::Introduced(at) = start
        && !is_origin(at)
        && !(scheme == Scheme::Semver && at.trim() == "0.0.0-0")
    {
        parts.push(format!(">= {at}"));
    }
    match end {
        Some(Event::Fixed(at)) => parts.push(format!("< {at}")),
        Some(Event::LastAffected(at)) => parts.push(format!("<= {at}")),
        _ => {}
    }
    if let Some(limit) = limit {
        parts.push(format!("< {limit} (limit)"));
    }
    if parts.is_empty() {
        "all versions".to_owned()
    } else {
        parts.join(", ")
    }
}

/// Advisories indexed by the packages they name, so that assessing a package looks only at the
/// advisories that name it: (base ecosystem, name normalised the ecosystem's way).
///
/// Everything about an advisory that does not depend on the installed version is worked out
/// once, here: each `affected` entry's ecosystem and normalised name, and each range's events
/// sorted by the range's scheme. Assessing a package version then only compares that version
/// with the events, and gives the same answer as [`affected_by`].
///
/// Withdrawn advisories are left out of the index, since they match nothing.
#[derive(Debug)]
pub struct AdvisoryIndex<'a> {
    advisories: &'a [Advisory],
    by_package: HashMap<(String, String), Vec<Naming<'a>>>,
}

/// One advisory naming one (base ecosystem, name): its entries that name it, in published
/// order.
#[derive(Debug)]
struct Naming<'a> {
    position: usize,
    entries: Vec<Entry<'a>>,
}

/// One `affected` entry, prepared for matching.
#[derive(Debug)]
struct Entry<'a> {
    affected: &'a Affected,
    ecosystem: Ecosystem,
    /// Per range, its events sorted by its scheme; `None` where the range has no scheme
    /// (`GIT`, or an ecosystem whose rules Steward does not know).
    sorted: Vec<Option<SortedEvents<'a>>>,
}

impl<'a> Entry<'a> {
    fn new(affected: &'a Affected, ecosystem: Ecosystem) -> Entry<'a> {
        let scheme = Scheme::for_ecosystem(ecosystem.base());
        let sorted = affected
            .ranges
            .iter()
            .map(|range| range_scheme(range.kind, scheme).map(|s| sorted_events(s, &range.events)))
            .collect();
        Entry {
            affected,
            ecosystem,
            sorted,
        }
    }
}

/// What assessing one package version against an index found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Assessment {
    /// One match per affecting advisory.
    pub matches: Vec<Match>,
    /// Advisories that name the package but could not be decided, with the reasons.
    pub problems: Vec<Problem>,
}

impl<'a> AdvisoryIndex<'a> {
    /// Indexes `advisories` by every (ecosystem, package) their `affected` entries name.
    pub fn new(advisories: &'a [Advisory]) -> AdvisoryIndex<'a> {
        let mut by_package: HashMap<(String, String), Vec<Naming<'a>>> = HashMap::new();
        for (position, advisory) in advisories.iter().enumerate() {
            if advisory.withdrawn.is_some() {
                continue;
            }
            for affected in &advisory.affected {
                let ecosystem = Ecosystem::parse(&affected.ecosystem);
                let name = ecosystem.normalize_name(&affected.name).into_owned();
                let namings = by_package
                    .entry((ecosystem.base().to_owned(), name))
                    .or_default();
                let entry = Entry::new(affected, ecosystem);
                match namings.last_mut() {
                    Some(naming) if naming.position == position => naming.entries.push(entry),
                    _ => namings.push(Naming {
                        position,
                        entries: vec![entry],
                    }),
                }
            }
        }
        AdvisoryIndex {
            advisories,
            by_package,
        }
    }

    /// The number of distinct (ecosystem, package) keys.
    pub fn packages(&self) -> usize {
        self.by_package.len()
    }

    /// The advisories naming a package's (base ecosystem, normalised name).
    fn namings(&self, package: &PackageVersion) -> &[Naming<'a>] {
        let key = (package.ecosystem.base().to_owned(), package.key.clone());
        self.by_package.get(&key).map_or(&[], Vec::as_slice)
    }

    /// The advisories that name a package (before its version is looked at).
    pub fn naming<'s>(
        &'s self,
        package: &PackageVersion,
    ) -> impl Iterator<Item = &'a Advisory> + 's {
        let advisories = self.advisories;
        self.namings(package)
            .iter()
            .map(move |naming| &advisories[naming.position])
    }

    /// Matches one package version against every advisory that names it.
    pub fn assess(&self, package: &PackageVersion) -> Assessment {
        let mut assessment = Assessment::default();
        for naming in self.namings(package) {
            let advisory = &self.advisories[naming.position];
            let entries = naming
                .entries
                .iter()
                .filter(|entry| entry.ecosystem.covers(&package.ecosystem))
                .map(|entry| (entry.affected, Some(entry.sorted.as_slice())));
            match decide(advisory, entries, package) {
                Outcome::Affected(m) => assessment.matches.push(m),
                Outcome::NotAffected => {}
                Outcome::Undecided(problems) => assessment.problems.extend(problems),
            }
        }
        assessment
    }
}

/// One finding: the advisories that describe one problem of one package version, linked by a
/// shared id or alias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The matched advisories' ids, sorted.
    pub ids: Vec<String>,
    /// Their other aliases (ids of advisories not matched here), sorted.
    pub aliases: Vec<String>,
    /// The most serious kind among the advisories (a vulnerability over a notice).
    pub kind: AdvisoryKind,
    /// The package name, as the first advisory published it.
    pub package: String,
    /// The installed version.
    pub installed: String,
    /// Every advisory's match, in `ids` order.
    pub matches: Vec<Match>,
}

impl Finding {
    /// The fixed versions any of the advisories name, sorted as text and deduplicated.
    pub fn fixed(&self) -> Vec<String> {
        let fixed: BTreeSet<&String> = self.matches.iter().flat_map(|m| &m.fixed).collect();
        fixed.into_iter().cloned().collect()
    }

    /// The ranges that hold the installed version, each prefixed by its advisory when the
    /// finding has several.
    pub fn ranges(&self) -> Vec<String> {
        let several = self.matches.len() > 1;
        self.matches
            .iter()
            .flat_map(|m| {
                m.ranges.iter().map(move |r| match several {
                    true => format!("{}: {r}", m.advisory_id),
                    false => r.clone(),
                })
            })
            .collect()
    }
}

/// Groups matches into findings: per package version (ecosystem, normalised name, installed
/// version), advisories that share an id or an alias — directly or through others — make one
/// finding. Findings come out sorted by package, version and first id.
pub fn group_by_alias(matches: Vec<Match>) -> Vec<Finding> {
    let mut by_package: HashMap<(String, String, String), Vec<Match>> = HashMap::new();
    for m in matches {
        let ecosystem = Ecosystem::parse(&m.ecosystem);
        let key = (
            ecosystem.base().to_owned(),
            ecosystem.normalize_name(&m.package).into_owned(),
            m.installed.clone(),
        );
        by_package.entry(key).or_default().push(m);
    }

    let mut findings: Vec<Finding> = by_package.into_values().flat_map(group_linked).collect();
    findings.sort_by(|a, b| {
        (&a.package, &a.installed, &a.ids).cmp(&(&b.package, &b.installed, &b.ids))
    });
    findings
}

/// Splits one package version's matches into groups linked by ids and aliases.
fn group_linked(matches: Vec<Match>) -> Vec<Finding> {
    let mut parent: Vec<usize> = (0..matches.len()).collect();
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (index, m) in matches.iter().enumerate() {
        for name in std::iter::once(&m.advisory_id).chain(&m.aliases) {
            match owner.get(name.as_str()) {
                Some(&other) => union(&mut parent, index, other),
                None => {
                    owner.insert(name, index);
                }
            }
        }
    }

    let mut groups: HashMap<usize, Vec<Match>> = HashMap::new();
    let roots: Vec<usize> = (0..matches.len()).map(|i| find(&mut parent, i)).collect();
    for (m, root) in matches.into_iter().zip(roots) {
        groups.entry(root).or_default().push(m);
    }
    groups.into_values().map(finding).collect()
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (a, b) = (find(parent, a), find(parent, b));
    if a != b {
        parent[a.max(b)] = a.min(b);
    }
}

/// One group of linked matches as a finding.
fn finding(mut matches: Vec<Match>) -> Finding {
    matches.sort_by(|a, b| a.advisory_id.cmp(&b.advisory_id));
    matches.dedup_by(|a, b| a.advisory_id == b.advisory_id);
    let ids: Vec<String> = matches.iter().map(|m| m.advisory_id.clone()).collect();
    let aliases: BTreeSet<String> = matches
        .iter()
        .flat_map(|m| m.aliases.iter().cloned())
        .filter(|alias| !ids.contains(alias))
        .collect();
    let kind = matches
        .iter()
        .map(|m| m.kind)
        .max()
        .unwrap_or(AdvisoryKind::Vulnerability);
    let (package, installed) = matches
        .first()
        .map(|m| (m.package.clone(), m.installed.clone()))
        .unwrap_or_default();
    Finding {
        ids,
        aliases: aliases.into_iter().collect(),
        kind,
        package,
        installed,
        matches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn introduced(v: &str) -> Event {
        Event::Introduced(v.to_owned())
    }

    fn fixed(v: &str) -> Event {
        Event::Fixed(v.to_owned())
    }

    fn last_affected(v: &str) -> Event {
        Event::LastAffected(v.to_owned())
    }

    fn limit(v: &str) -> Event {
        Event::Limit(v.to_owned())
    }

    fn range(kind: RangeKind, events: Vec<Event>) -> Range {
        Range {
            kind,
            repo: None,
            events,
        }
    }

    fn entry(ecosystem: &str, name: &str, ranges: Vec<Range>, versions: &[&str]) -> Affected {
        Affected {
            ecosystem: ecosystem.to_owned(),
            name: name.to_owned(),
            ranges,
            versions: versions.iter().map(|v| (*v).to_owned()).collect(),
            ..Affected::default()
        }
    }

    fn advisory(id: &str, affected: Vec<Affected>) -> Advisory {
        Advisory {
            id: id.to_owned(),
            summary: format!("summary of {id}"),
            affected,
            ..Advisory::default()
        }
    }

    /// An advisory on crate `demo` with one SEMVER range.
    fn semver_advisory(events: Vec<Event>) -> Advisory {
        let ranges = vec![range(RangeKind::Semver, events)];
        advisory("TEST-1", vec![entry("crates.io", "demo", ranges, &[])])
    }

    fn crate_version(version: &str) -> PackageVersion {
        PackageVersion::new("crates.io", "demo", version)
    }

    fn matched(outcome: &Outcome) -> Option<&Match> {
        match outcome {
            Outcome::Affected(m) => Some(m),
            _ => None,
        }
    }

    /// Checks each (version, affected?) pair against one advisory.
    fn check(
        advisory: &Advisory,
        package: impl Fn(&str) -> PackageVersion,
        cases: &[(&str, bool)],
    ) {
        for (version, expected) in cases {
            let outcome = affected_by(advisory, &package(version));
            assert!(
                !matches!(outcome, Outcome::Undecided(_)),
                "{version}: undecided: {outcome:?}"
            );
            assert_eq!(
                matched(&outcome).is_some(),
                *expected,
                "{version}: {outcome:?}"
            );
        }
    }

    #[test]
    fn introduced_zero_alone_affects_every_version() {
        let adv = semver_advisory(vec![introduced("0")]);
        check(
            &adv,
            crate_version,
            &[("0.0.0", true), ("1.0.0", true), ("99.1.0-rc.1", true)],
        );
        let outcome = affected_by(&adv, &crate_version("1.0.0"));
        assert_eq!(
            matched(&outcome).map(|m| m.ranges.clone()),
            Some(vec!["all versions".into()])
        );
    }

    #[test]
    fn the_fixed_version_itself_is_not_affected() {
        let adv = semver_advisory(vec![introduced("0"), fixed("1.0.2")]);
        check(
            &adv,
            crate_version,
            &[
                ("0.0.1", true),
                ("1.0.1", true),
                ("1.0.2-rc.1", true),
                ("1.0.2", false),
                ("1.0.2+build.5", false),
                ("1.0.3", false),
                ("2.0.0", false),
            ],
        );
    }

    #[test]
    fn several_stretches_in_one_range_affect_only_their_versions() {
        let events = vec![
            introduced("1.0.0"),
            fixed("1.0.2"),
            introduced("3.0.0"),
            fixed("3.2.5"),
        ];
        let cases = [
            ("0.9.9", false),
            ("1.0.0", true),
            ("1.0.1", true),
            ("1.0.2", false),
            ("2.5.0", false),
            ("3.0.0", true),
            ("3.2.4", true),
            ("3.2.5", false),
            ("4.0.0", false),
        ];
        check(&semver_advisory(events.clone()), crate_version, &cases);

        // Events are evaluated sorted by version, whatever order they were published in.
        let mut shuffled = events;
        shuffled.reverse();
        check(&semver_advisory(shuffled), crate_version, &cases);
    }

    #[test]
    fn the_last_affected_version_itself_is_affected() {
        let adv = semver_advisory(vec![introduced("0"), last_affected("2.1.214")]);
        check(
            &adv,
            crate_version,
            &[
                ("1.0.0", true),
                ("2.1.214", true),
                ("2.1.215", false),
                ("3.0.0", false),
            ],
        );
        let outcome = affected_by(&adv, &crate_version("2.1.214"));
        let m = matched(&outcome).expect("affected");
        assert_eq!(m.ranges, vec!["<= 2.1.214".to_owned()]);
        assert!(m.fixed.is_empty(), "last_affected names no fix");
    }

    #[test]
    fn limits_bound_the_range_from_above() {
        let adv = semver_advisory(vec![introduced("1.0.0"), limit("2.0.0")]);
        check(
            &adv,
            crate_version,
            &[
                ("0.5.0", false),
                ("1.0.0", true),
                ("1.9.9", true),
                ("2.0.0", false),
                ("3.0.0", false),
            ],
        );

        // Below any one of several limits is enough.
        let adv = semver_advisory(vec![introduced("0"), limit("1.0.0"), limit("3.0.0")]);
        check(
            &adv,
            crate_version,
            &[("0.1.0", true), ("2.0.0", true), ("3.0.0", false)],
        );

        // `*` is infinity.
        let adv = semver_advisory(vec![introduced("1.0.0"), limit("*")]);
        check(&adv, crate_version, &[("0.1.0", false), ("100.0.0", true)]);

        let adv = semver_advisory(vec![introduced("1.0.0"), limit("2.0.0")]);
        let outcome = affected_by(&adv, &crate_version("1.5.0"));
        let ranges = matched(&outcome).map(|m| m.ranges.clone());
        assert_eq!(ranges, Some(vec![">= 1.0.0, < 2.0.0 (limit)".to_owned()]));
    }

    #[test]
    fn events_at_equal_versions_keep_their_published_order() {
        // Fixed in 1.0, reintroduced in 1.0 (a regression in the same release): affected.
        let adv = semver_advisory(vec![
            introduced("0"),
            fixed("1.0.0"),
            introduced("1.0.0"),
            fixed("1.5.0"),
        ]);
        check(
            &adv,
            crate_version,
            &[("0.5.0", true), ("1.0.0", true), ("1.5.0", false)],
        );
    }

    #[test]
    fn the_explanation_names_the_stretch_and_the_lowest_fix_above() {
        // How the RustSec export writes `patched = ["^0.3.5", ">= 0.4.2"]`.
        let adv = semver_advisory(vec![
            introduced("0.0.0-0"),
            fixed("0.3.5"),
            introduced("0.4.0-0"),
            fixed("0.4.2"),
        ]);
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            ("0.3.1", Some(("< 0.3.5", "0.3.5"))),
            ("0.3.5", None),
            ("0.3.9", None),
            ("0.4.0", Some((">= 0.4.0-0, < 0.4.2", "0.4.2"))),
            ("0.4.1", Some((">= 0.4.0-0, < 0.4.2", "0.4.2"))),
            ("0.4.2", None),
        ];
        for (version, expected) in cases {
            let outcome = affected_by(&adv, &crate_version(version));
            let got = matched(&outcome).map(|m| (m.ranges.join("; "), m.fixed.join(", ")));
            let expected = expected.map(|(r, f)| (r.to_owned(), f.to_owned()));
            assert_eq!(got, expected, "{version}");
        }

        let outcome = affected_by(&adv, &crate_version("0.4.1"));
        let m = matched(&outcome).expect("affected");
        assert_eq!(m.advisory_id, "TEST-1");
        assert_eq!(m.package, "demo");
        assert_eq!(m.installed, "0.4.1");
        assert_eq!(m.summary, "summary of TEST-1");
        assert_eq!(m.kind, AdvisoryKind::Vulnerability);
    }

    #[test]
    fn semver_ranges_compare_by_semver_in_any_ecosystem() {
        // `1.0.0-1` is a pre-release of 1.0.0 in SemVer but a post-release in PEP 440.
        let events = vec![introduced("0"), fixed("1.0.0")];
        let semver = advisory(
            "TEST-S",
            vec![entry(
                "PyPI",
                "demo",
                vec![range(RangeKind::Semver, events.clone())],
                &[],
            )],
        );
        let pypi = |v: &str| PackageVersion::new("PyPI", "demo", v);
        check(&semver, pypi, &[("1.0.0-1", true), ("1.0.0", false)]);

        let ecosystem = advisory(
            "TEST-E",
            vec![entry(
                "PyPI",
                "demo",
                vec![range(RangeKind::Ecosystem, events)],
                &[],
            )],
        );
        check(
            &ecosystem,
            pypi,
            &[("1.0.0-1", false), ("1.0.0rc1", true), ("0.9", true)],
        );
    }

    #[test]
    fn ecosystem_ranges_use_the_ecosystems_own_rules() {
        let events = vec![introduced("0"), fixed("1:2.0-1+deb12u1")];
        let adv = advisory(
            "DSA-TEST",
            vec![entry(
                "Debian:12",
                "openssl",
                vec![range(RangeKind::Ecosystem, events)],
                &[],
            )],
        );
        let debian12 = |v: &str| PackageVersion::new("Debian:12", "openssl", v);
        check(
            &adv,
            debian12,
            &[
                ("1:2.0-1", true),
                ("2.9-1", true),
                ("1:2.0-1+deb12u1", false),
                ("1:2.0-1+deb12u2", false),
                ("1:2.0-1+deb12u1~bpo1", true),
            ],
        );
    }

    #[test]
    fn git_ranges_never_match_an_installed_version() {
        let git = Range {
            kind: RangeKind::Git,
            repo: Some("https://example.org/repo.git".to_owned()),
            events: vec![
                introduced("0"),
                fixed("4b825dc642cb6eb9a060e54bf8d69288fbee4904"),
            ],
        };
        let adv = advisory("TEST-G", vec![entry("crates.io", "demo", vec![git], &[])]);
        assert_eq!(
            affected_by(&adv, &crate_version("1.0.0")),
            Outcome::NotAffected
        );
    }

    #[test]
    fn listed_versions_match_as_strings_or_equal_by_scheme() {
        let adv = advisory(
            "TEST-L",
            vec![entry("PyPI", "demo", vec![], &["1.0", "2.0rc1", "x!y"])],
        );
        let pypi = |v: &str| PackageVersion::new("PyPI", "demo", v);
        check(
            &adv,
            pypi,
            &[
                ("1.0", true),
                ("1.0.0", true),
                ("2.0-rc.1", true),
                ("1.1", false),
                ("x!y", true),
            ],
        );
        let outcome = affected_by(&adv, &pypi("1.0.0"));
        let ranges = matched(&outcome).map(|m| m.ranges.clone());
        assert_eq!(ranges, Some(vec!["= 1.0.0 (listed)".to_owned()]));
    }

    #[test]
    fn withdrawn_advisories_match_nothing() {
        let mut adv = semver_advisory(vec![introduced("0")]);
        adv.withdrawn = Some(jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(
            affected_by(&adv, &crate_version("1.0.0")),
            Outcome::NotAffected
        );
    }

    #[test]
    fn any_affected_entry_or_range_is_enough() {
        let adv = advisory(
            "TEST-M",
            vec![
                entry(
                    "crates.io",
                    "other",
                    vec![range(RangeKind::Semver, vec![introduced("0")])],
                    &[],
                ),
                entry(
                    "crates.io",
                    "demo",
                    vec![
                        range(RangeKind::Semver, vec![introduced("0"), fixed("1.0.0")]),
                        range(RangeKind::Semver, vec![introduced("2.0.0"), fixed("2.0.5")]),
                    ],
                    &[],
                ),
            ],
        );
        check(
            &adv,
            crate_version,
            &[
                ("0.5.0", true),
                ("1.5.0", false),
                ("2.0.4", true),
                ("2.0.5", false),
            ],
        );
    }

    #[test]
    fn packages_match_only_in_their_ecosystem_and_release() {
        let ranges = || {
            vec![range(
                RangeKind::Ecosystem,
                vec![introduced("0"), fixed("2.0-1")],
            )]
        };
        let scoped = advisory("DSA-1", vec![entry("Debian:12", "curl", ranges(), &[])]);
        let unscoped = advisory("DSA-2", vec![entry("Debian", "curl", ranges(), &[])]);
        let cases: &[(&Advisory, &str, &str, bool)] = &[
            (&scoped, "Debian:12", "curl", true),
            (&scoped, "Debian:11", "curl", false),
            (&scoped, "Debian", "curl", false),
            (&unscoped, "Debian:11", "curl", true),
            (&unscoped, "Debian:12", "curl", true),
            (&unscoped, "Ubuntu:22.04", "curl", false),
            (&unscoped, "Debian:12", "curl-dev", false),
        ];
        for (adv, ecosystem, name, expected) in cases {
            let outcome = affected_by(adv, &PackageVersion::new(ecosystem, name, "1.0-1"));
            assert_eq!(
                matched(&outcome).is_some(),
                *expected,
                "{} {ecosystem} {name}",
                adv.id
            );
        }
    }

    #[test]
    fn names_compare_after_the_ecosystems_normalisation() {
        let events = || vec![range(RangeKind::Ecosystem, vec![introduced("0")])];
        let pypi = advisory("PYSEC-1", vec![entry("PyPI", "Django", events(), &[])]);
        for name in ["django", "DJANGO", "Django"] {
            let outcome = affected_by(&pypi, &PackageVersion::new("PyPI", name, "4.2"));
            assert!(matched(&outcome).is_some(), "{name}");
        }
        let npm = advisory("GHSA-1", vec![entry("npm", "JSONStream", events(), &[])]);
        let outcome = affected_by(&npm, &PackageVersion::new("npm", "jsonstream", "1.0.0"));
        assert_eq!(outcome, Outcome::NotAffected);
    }

    #[test]
    fn an_unreadable_installed_version_is_reported_not_dropped() {
        let adv = semver_advisory(vec![introduced("0"), fixed("1.0.0")]);
        match affected_by(&adv, &crate_version("not-a-version")) {
            Outcome::Undecided(problems) => {
                assert_eq!(problems.len(), 1);
                assert!(
                    problems[0].to_string().contains("not-a-version"),
                    "{}",
                    problems[0]
                );
                assert!(
                    problems[0].to_string().contains("TEST-1"),
                    "{}",
                    problems[0]
                );
            }
            other => panic!("expected undecided, got {other:?}"),
        }
    }

    #[test]
    fn an_unreadable_event_version_is_reported_unless_another_range_matches() {
        let bad = range(RangeKind::Semver, vec![introduced("0"), fixed("one.two")]);
        let good = range(RangeKind::Semver, vec![introduced("0"), fixed("1.0.0")]);

        let only_bad = advisory(
            "TEST-B",
            vec![entry("crates.io", "demo", vec![bad.clone()], &[])],
        );
        let outcome = affected_by(&only_bad, &crate_version("0.5.0"));
        assert!(
            matches!(outcome, Outcome::Undecided(ref p) if p.len() == 1),
            "{outcome:?}"
        );

        let both = advisory(
            "TEST-B",
            vec![entry("crates.io", "demo", vec![bad, good], &[])],
        );
        assert!(matched(&affected_by(&both, &crate_version("0.5.0"))).is_some());
        assert!(matches!(
            affected_by(&both, &crate_version("2.0.0")),
            Outcome::Undecided(_)
        ));
    }

    #[test]
    fn ecosystem_ranges_in_an_ecosystem_without_known_rules_are_undecided() {
        let events = vec![introduced("0"), fixed("1.0.0")];
        let adv = advisory(
            "TEST-H",
            vec![entry(
                "Hex",
                "plug",
                vec![range(RangeKind::Ecosystem, events.clone())],
                &[],
            )],
        );
        let outcome = affected_by(&adv, &PackageVersion::new("Hex", "plug", "0.5.0"));
        assert_eq!(
            outcome,
            Outcome::Undecided(vec![Problem::UnknownScheme {
                advisory: "TEST-H".to_owned(),
                ecosystem: "Hex".to_owned(),
            }])
        );

        // A SEMVER range needs no ecosystem rules.
        let adv = advisory(
            "TEST-H",
            vec![entry(
                "Hex",
                "plug",
                vec![range(RangeKind::Semver, events)],
                &[],
            )],
        );
        let outcome = affected_by(&adv, &PackageVersion::new("Hex", "plug", "0.5.0"));
        assert!(matched(&outcome).is_some());
    }

    #[test]
    fn informational_advisories_say_what_they_are() {
        let cases: &[(Option<&str>, AdvisoryKind)] = &[
            (None, AdvisoryKind::Vulnerability),
            (Some("unmaintained"), AdvisoryKind::Unmaintained),
            (Some("unsound"), AdvisoryKind::Unsound),
            (Some("notice"), AdvisoryKind::Notice),
        ];
        for (informational, kind) in cases {
            let mut adv = semver_advisory(vec![introduced("0")]);
            adv.informational = informational.map(str::to_owned);
            let outcome = affected_by(&adv, &crate_version("1.0.0"));
            assert_eq!(matched(&outcome).map(|m| m.kind), Some(*kind));
            assert_eq!(kind.is_informational(), informational.is_some());
        }
    }

    #[test]
    fn the_index_assesses_a_package_against_the_advisories_naming_it_only() {
        let ranges = |fix: &str| vec![range(RangeKind::Semver, vec![introduced("0"), fixed(fix)])];
        let mut withdrawn = advisory(
            "W-1",
            vec![entry("crates.io", "demo", ranges("9.0.0"), &[])],
        );
        withdrawn.withdrawn = Some(jiff::Timestamp::UNIX_EPOCH);
        let advisories = vec![
            advisory(
                "A-1",
                vec![entry("crates.io", "demo", ranges("2.0.0"), &[])],
            ),
            advisory(
                "A-2",
                vec![entry("crates.io", "Demo_X", ranges("2.0.0"), &[])],
            ),
            advisory("A-3", vec![entry("npm", "demo", ranges("2.0.0"), &[])]),
            advisory(
                "A-4",
                vec![
                    entry("crates.io", "demo", ranges("0.5.0"), &[]),
                    entry("crates.io", "demo", ranges("1.5.0"), &[]),
                ],
            ),
            advisory(
                "A-5",
                vec![entry("crates.io", "demo", ranges("not.a.version"), &[])],
            ),
            withdrawn,
        ];
        let index = AdvisoryIndex::new(&advisories);
        assert_eq!(index.packages(), 3);

        let assessment = index.assess(&crate_version("1.0.0"));
        let ids: Vec<&str> = assessment
            .matches
            .iter()
            .map(|m| m.advisory_id.as_str())
            .collect();
        assert_eq!(ids, vec!["A-1", "A-4"]);
        assert_eq!(assessment.problems.len(), 1, "{:?}", assessment.problems);

        let other = PackageVersion::new("crates.io", "demo-x", "1.0.0");
        let ids: Vec<String> = index
            .assess(&other)
            .matches
            .into_iter()
            .map(|m| m.advisory_id)
            .collect();
        assert_eq!(ids, vec!["A-2".to_owned()]);
    }

    /// The index sorts each range once, ahead of any version; its answers must stay those of
    /// `affected_by`, which sorts per call: scoped releases, limits, unreadable events, entries
    /// repeated under one name, listed versions and ecosystems without known rules.
    #[test]
    fn the_index_answers_exactly_as_affected_by() {
        let debian = |fix: &str| {
            vec![range(
                RangeKind::Ecosystem,
                vec![introduced("0"), fixed(fix)],
            )]
        };
        let advisories = vec![
            advisory(
                "DSA-1",
                vec![
                    entry("Debian:11", "curl", debian("7.74.0-1.3+deb11u9"), &[]),
                    entry("Debian:12", "curl", debian("7.88.1-10+deb12u5"), &[]),
                    entry("Debian", "curl", debian("1.0-1"), &["7.0-1"]),
                ],
            ),
            advisory(
                "DSA-2",
                vec![entry(
                    "Debian:12",
                    "curl",
                    vec![
                        range(
                            RangeKind::Ecosystem,
                            vec![introduced("0"), fixed("bad version")],
                        ),
                        range(
                            RangeKind::Ecosystem,
                            vec![introduced("7.0"), limit("7.80"), fixed("7.90-1")],
                        ),
                    ],
                    &[],
                )],
            ),
            advisory(
                "HEX-1",
                vec![entry("Hex", "plug", debian("1.0.0"), &["0.5.0"])],
            ),
        ];
        let index = AdvisoryIndex::new(&advisories);
        let packages = [
            ("Debian:11", "curl", "7.74.0-1.3+deb11u7"),
            ("Debian:11.8", "curl", "7.74.0-1.3+deb11u9"),
            ("Debian:12", "curl", "7.88.1-10+deb12u4"),
            ("Debian:12", "curl", "7.79-1"),
            ("Debian:12", "curl", "7.0-1"),
            ("Debian:12", "curl", "not a version"),
            ("Debian:13", "curl", "0.9-1"),
            ("Debian", "curl", "0.9-1"),
            ("Hex", "plug", "0.5.0"),
            ("Hex", "plug", "0.6.0"),
        ];
        for (ecosystem, name, version) in packages {
            let package = PackageVersion::new(ecosystem, name, version);
            let mut expected = Assessment::default();
            for advisory in &advisories {
                match affected_by(advisory, &package) {
                    Outcome::Affected(m) => expected.matches.push(m),
                    Outcome::NotAffected => {}
                    Outcome::Undecided(problems) => expected.problems.extend(problems),
                }
            }
            assert_eq!(
                index.assess(&package),
                expected,
                "{ecosystem} {name} {version}"
            );
        }
        let debian12 = PackageVersion::new("Debian:12", "curl", "7.79-1");
        assert_eq!(index.assess(&debian12).matches.len(), 2);
        let beyond = index.assess(&PackageVersion::new("Debian:12", "curl", "7.95-1"));
        assert_eq!((beyond.matches.len(), beyond.problems.len()), (0, 1));
    }

    fn a_match(id: &str, aliases: &[&str], package: &str, version: &str) -> Match {
        Match {
            advisory_id: id.to_owned(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            kind: AdvisoryKind::Vulnerability,
            ecosystem: "crates.io".to_owned(),
            package: package.to_owned(),
            installed: version.to_owned(),
            ranges: vec!["all versions".to_owned()],
            fixed: vec![],
            summary: String::new(),
            severity: vec![],
        }
    }

    fn grouped_ids(matches: Vec<Match>) -> Vec<(String, String, Vec<String>)> {
        group_by_alias(matches)
            .into_iter()
            .map(|f| (f.package, f.installed, f.ids))
            .collect()
    }

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|i| (*i).to_owned()).collect()
    }

    #[test]
    fn advisories_sharing_an_alias_make_one_finding() {
        let found = grouped_ids(vec![
            a_match("RUSTSEC-1", &["CVE-1"], "demo", "1.0.0"),
            a_match("GHSA-1", &["CVE-1"], "demo", "1.0.0"),
            a_match("RUSTSEC-2", &[], "demo", "1.0.0"),
        ]);
        assert_eq!(
            found,
            vec![
                ("demo".into(), "1.0.0".into(), ids(&["GHSA-1", "RUSTSEC-1"])),
                ("demo".into(), "1.0.0".into(), ids(&["RUSTSEC-2"])),
            ]
        );
    }

    #[test]
    fn aliases_link_advisories_transitively_and_through_ids() {
        let found = grouped_ids(vec![
            a_match("A", &["X"], "demo", "1.0.0"),
            a_match("C", &["Y"], "demo", "1.0.0"),
            a_match("B", &["X", "Y"], "demo", "1.0.0"),
            a_match("D", &["A"], "demo", "1.0.0"),
            a_match("E", &[], "demo", "1.0.0"),
        ]);
        assert_eq!(
            found,
            vec![
                ("demo".into(), "1.0.0".into(), ids(&["A", "B", "C", "D"])),
                ("demo".into(), "1.0.0".into(), ids(&["E"])),
            ]
        );
    }

    #[test]
    fn aliases_never_merge_different_packages_or_versions() {
        let found = grouped_ids(vec![
            a_match("A", &["CVE-1"], "demo", "1.0.0"),
            a_match("A", &["CVE-1"], "demo", "1.1.0"),
            a_match("B", &["CVE-1"], "other", "1.0.0"),
            a_match("A", &["CVE-1"], "Demo", "1.0.0"),
        ]);
        assert_eq!(
            found,
            vec![
                ("demo".into(), "1.0.0".into(), ids(&["A"])),
                ("demo".into(), "1.1.0".into(), ids(&["A"])),
                ("other".into(), "1.0.0".into(), ids(&["B"])),
            ]
        );
    }

    #[test]
    fn a_finding_takes_its_most_serious_kind_and_all_fixes() {
        let mut unmaintained = a_match("RUSTSEC-U", &["CVE-9"], "demo", "1.0.0");
        unmaintained.kind = AdvisoryKind::Unmaintained;
        let mut vulnerability = a_match("GHSA-V", &["CVE-9"], "demo", "1.0.0");
        vulnerability.fixed = vec!["1.2.0".to_owned()];
        let findings = group_by_alias(vec![unmaintained, vulnerability]);
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.kind, AdvisoryKind::Vulnerability);
        assert_eq!(finding.aliases, ids(&["CVE-9"]));
        assert_eq!(finding.fixed(), ids(&["1.2.0"]));
        assert_eq!(
            finding.ranges(),
            ids(&["GHSA-V: all versions", "RUSTSEC-U: all versions"])
        );
    }
}
