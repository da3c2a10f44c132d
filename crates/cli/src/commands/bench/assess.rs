//! Assessment over the fleet with the core matcher: every distinct (release, source package,
//! version) of the fleet against every advisory of the mirror, then the matches spread back
//! to the hosts that run them; and the incremental case, one new advisory re-assessed over
//! only the package versions it names.
//!
//! This measures the matching work in the bench process itself, without a store: the
//! store-backed assessment job is measured once it exists.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use steward_core::assessment::advisory::Advisory;
use steward_core::assessment::matching::{AdvisoryIndex, PackageVersion};

use super::fleet::Fleet;

/// The fleet's packages as a store holds them: distinct versions, and per host the ids of
/// the distinct versions it runs.
pub struct Interned {
    /// Distinct package versions (release-qualified ecosystem, source name, source version).
    pub distinct: Vec<PackageVersion>,
    /// Per host, the distinct versions it runs.
    pub per_host: Vec<Vec<u32>>,
    /// Distinct versions by (base ecosystem, normalised name): the index a store keeps on
    /// package names, used by the incremental run.
    pub by_name: HashMap<(String, String), Vec<u32>>,
    /// Hosts running each distinct version.
    pub hosts_of: Vec<Vec<u32>>,
}

/// Builds [`Interned`] from the fleet.
pub fn intern(fleet: &Fleet) -> anyhow::Result<Interned> {
    let mut ids: HashMap<(String, String, String), u32> = HashMap::new();
    let mut distinct = Vec::new();
    let mut per_host = Vec::with_capacity(fleet.hosts.len());
    let mut hosts_of: Vec<Vec<u32>> = Vec::new();
    for (host_index, host) in fleet.hosts.iter().enumerate() {
        let host_index = u32::try_from(host_index)?;
        let release = host
            .inventory
            .facts
            .os
            .version_id
            .clone()
            .unwrap_or_default();
        let mut mine = Vec::with_capacity(host.inventory.packages.len());
        for package in &host.inventory.packages {
            let ecosystem = if release.is_empty() {
                package.ecosystem.clone()
            } else {
                format!("{}:{release}", package.ecosystem)
            };
            let name = package
                .source_name
                .clone()
                .unwrap_or_else(|| package.name.clone());
            let version = package
                .source_version
                .clone()
                .unwrap_or_else(|| package.version.clone());
            let next = u32::try_from(distinct.len())?;
            let id = *ids
                .entry((ecosystem.clone(), name.clone(), version.clone()))
                .or_insert_with(|| {
                    distinct.push(PackageVersion::new(&ecosystem, &name, &version));
                    hosts_of.push(Vec::new());
                    next
                });
            mine.push(id);
        }
        mine.sort_unstable();
        mine.dedup();
        for &id in &mine {
            if let Some(hosts) = hosts_of.get_mut(usize::try_from(id)?) {
                hosts.push(host_index);
            }
        }
        per_host.push(mine);
    }
    let mut by_name: HashMap<(String, String), Vec<u32>> = HashMap::new();
    for (id, package) in distinct.iter().enumerate() {
        by_name
            .entry((
                package.ecosystem().base().to_owned(),
                package.key().to_owned(),
            ))
            .or_default()
            .push(u32::try_from(id)?);
    }
    Ok(Interned {
        distinct,
        per_host,
        by_name,
        hosts_of,
    })
}

/// What a full assessment found.
#[derive(Debug, Clone, Copy, Default)]
pub struct FullOutcome {
    /// Wall time.
    pub elapsed: Duration,
    /// Matches over distinct package versions.
    pub matches: usize,
    /// Distinct versions affected by at least one advisory.
    pub affected_versions: usize,
    /// (host, package version, advisory) findings after spreading to hosts.
    pub host_findings: u64,
    /// Hosts with at least one finding.
    pub affected_hosts: usize,
    /// Advisory/package pairs that could not be decided.
    pub undecided: usize,
}

/// Assesses every distinct version against every advisory and spreads the result to hosts.
pub fn full(advisories: &[Advisory], interned: &Interned) -> FullOutcome {
    let start = Instant::now();
    let index = AdvisoryIndex::new(advisories);
    let mut per_version = vec![0u32; interned.distinct.len()];
    let mut outcome = FullOutcome::default();
    for (id, package) in interned.distinct.iter().enumerate() {
        let assessment = index.assess(package);
        outcome.matches += assessment.matches.len();
        outcome.undecided += assessment.problems.len();
        if !assessment.matches.is_empty() {
            outcome.affected_versions += 1;
        }
        per_version[id] = u32::try_from(assessment.matches.len()).unwrap_or(u32::MAX);
    }
    for ids in &interned.per_host {
        let mut host = 0u64;
        for &id in ids {
            host += u64::from(per_version.get(id as usize).copied().unwrap_or(0));
        }
        outcome.host_findings += host;
        if host > 0 {
            outcome.affected_hosts += 1;
        }
    }
    outcome.elapsed = start.elapsed();
    outcome
}

/// What re-assessing one new advisory found.
#[derive(Debug, Clone, Copy, Default)]
pub struct IncrementalOutcome {
    /// Wall time.
    pub elapsed: Duration,
    /// Distinct versions looked at.
    pub examined: usize,
    /// Hosts newly affected.
    pub affected_hosts: usize,
}

/// A new advisory: a copy, under a new id and related to it, of the real one that names the
/// package run by the most hosts.
pub fn new_advisory(advisories: &[Advisory], interned: &Interned) -> Option<Advisory> {
    let index = AdvisoryIndex::new(advisories);
    let mut by_hosts: Vec<usize> = (0..interned.distinct.len()).collect();
    by_hosts.sort_by_key(|&id| std::cmp::Reverse(interned.hosts_of.get(id).map_or(0, Vec::len)));
    let id = by_hosts.into_iter().find_map(|id| {
        let package = interned.distinct.get(id)?;
        Some(index.assess(package).matches.first()?.advisory_id.clone())
    })?;
    let mut advisory = advisories.iter().find(|a| a.id == id)?.clone();
    advisory.id = "BENCH-NEW-0001".to_owned();
    advisory.aliases.clear();
    advisory.related = vec![id];
    Some(advisory)
}

/// Re-assesses only the package versions `advisory` names.
pub fn incremental(advisory: &Advisory, interned: &Interned) -> IncrementalOutcome {
    let start = Instant::now();
    let single = std::slice::from_ref(advisory);
    let index = AdvisoryIndex::new(single);
    let mut outcome = IncrementalOutcome::default();
    let mut hosts: Vec<u32> = Vec::new();
    for affected in &advisory.affected {
        let probe = PackageVersion::new(&affected.ecosystem, &affected.name, "0");
        let key = (probe.ecosystem().base().to_owned(), probe.key().to_owned());
        for &id in interned.by_name.get(&key).into_iter().flatten() {
            let Some(package) = interned.distinct.get(id as usize) else {
                continue;
            };
            outcome.examined += 1;
            if !index.assess(package).matches.is_empty() {
                hosts.extend(interned.hosts_of.get(id as usize).into_iter().flatten());
            }
        }
    }
    hosts.sort_unstable();
    hosts.dedup();
    outcome.affected_hosts = hosts.len();
    outcome.elapsed = start.elapsed();
    outcome
}

/// Resets the peak resident size of this process (`/proc/self/clear_refs`), so that the next
/// [`peak_rss`] reads the peak since now.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak and current resident size of this process, in bytes.
pub fn peak_rss() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
            .map(|kib| kib * 1024)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}
