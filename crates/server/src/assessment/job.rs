//! The assessment job: from the store's inventory and feeds to findings, priorities and host
//! lifecycle status.
//!
//! Matching runs over distinct package versions, not hosts × packages: each (ecosystem with
//! release, name, version) is matched once per run and the answer reused for every host that
//! runs it. Distribution packages (dpkg, rpm) match through their source package and source
//! version, in the ecosystem of the host's release (`Debian:11` from os-release `debian` `11`),
//! so one finding covers every binary package built from the source. Advisories that share an
//! id or an alias make one finding. Each finding's state follows core's rules
//! ([`reassess`]): fixed when a later complete inventory no longer shows it, a verdict sticking
//! while its facts' fingerprint holds.
//!
//! A [`Scope`] limits the work: every host, some hosts (their inventory changed), or the hosts
//! running some packages (advisories naming them changed). With a package scope only those
//! packages' installed rows and findings are read, and only their findings touched. Hosts are
//! processed in batches, each written in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Instant;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use steward_api::assessment::{FindingMatch, HostLifecycle};
use steward_api::resources::HostUpdate;
use steward_core::assessment::ecosystem::{Ecosystem, normalize_name};
use steward_core::assessment::finding::{
    FindingFacts, FindingState, Observation, Status, reassess,
};
use steward_core::assessment::lifecycle::{
    Evidence, LifecycleCatalog, LifecycleStatus, observed_cycles, os_cycle,
};
use steward_core::assessment::matching::{
    AdvisoryIndex, Finding, Match, PackageVersion, group_by_alias,
};
use steward_core::assessment::priority::{
    Fix, KnownExploited, Level, Priority, PriorityFactors, Tier, TierRule, host_tier, prioritize,
};
use steward_core::inventory::{InstalledPackage, PackageSource};
use steward_core::versions::Scheme;
use steward_store::{
    AssessmentHost, FindingWrite, KevRecord, NamedPackages, PackageName, Store, StoreError,
    StoredFinding,
};

/// The job kind assessments are queued under.
pub const JOB_KIND: &str = "assess";

/// How the payload of a [`Scope::Hosts`] job begins, so that queued ones can be found.
pub const HOSTS_PAYLOAD_PREFIX: &str = r#"{"scope":"hosts""#;

/// Hosts read and written per batch.
const HOSTS_PER_BATCH: usize = 200;

/// What an assessment covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every host and every finding.
    All,
    /// These hosts (their inventories changed).
    Hosts(Vec<i64>),
    /// The hosts running these packages, and only these packages' findings: (base ecosystem,
    /// normalised name).
    Packages(Vec<PackageName>),
}

/// A package name as two strings in a job's payload.
struct PackageNameWire<'a>(&'a PackageName);

impl Serialize for PackageNameWire<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.0.ecosystem, &self.0.name).serialize(s)
    }
}

mod package_names {
    //! `PackageName` lists as `[["Debian", "curl"], …]` in job payloads.
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use steward_store::PackageName;

    pub(super) fn serialize<S: Serializer>(list: &[PackageName], s: S) -> Result<S::Ok, S::Error> {
        let wire: Vec<super::PackageNameWire<'_>> =
            list.iter().map(super::PackageNameWire).collect();
        wire.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<PackageName>, D::Error> {
        let pairs: Vec<(String, String)> = Vec::deserialize(d)?;
        Ok(pairs
            .into_iter()
            .map(|(ecosystem, name)| PackageName { ecosystem, name })
            .collect())
    }
}

/// Settings of an assessment.
#[derive(Debug, Clone, Default)]
pub struct AssessOptions {
    /// Rules that give hosts their tier; a host no rule matches is `standard`.
    pub tier_rules: Vec<TierRule>,
}

/// What an assessment did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AssessSummary {
    /// Hosts assessed.
    pub hosts: usize,
    /// Distinct package versions matched.
    pub package_versions: usize,
    /// Advisories the index held.
    pub advisories: usize,
    /// Findings seen by this assessment.
    pub seen: usize,
    /// Of those, findings not stored before.
    pub new: usize,
    /// Findings an assessment found fixed.
    pub fixed: usize,
    /// Findings whose state changed otherwise (reopened, verdict lapsed).
    pub changed: usize,
    /// Advisory matches that could not be decided (unreadable versions, unknown schemes).
    pub undecided: usize,
    /// Wall time in milliseconds.
    pub millis: u64,
}

/// Queues an assessment of `scope`.
pub async fn enqueue(store: &dyn Store, scope: &Scope, now: Timestamp) -> Result<i64, StoreError> {
    let payload = serde_json::to_string(&ScopeWire::from(scope))
        .map_err(|e| StoreError::Corrupt(format!("cannot encode a job: {e}")))?;
    store.enqueue_job(JOB_KIND, &payload, now).await
}

/// Reads a job's payload back.
pub fn scope_of(payload: &str) -> Result<Scope, String> {
    serde_json::from_str::<ScopeWire>(payload)
        .map(Scope::from)
        .map_err(|e| format!("job payload {payload:?}: {e}"))
}

/// [`Scope`] as a job's payload.
#[derive(Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
enum ScopeWire {
    All,
    Hosts {
        hosts: Vec<i64>,
    },
    Packages {
        #[serde(with = "package_names")]
        packages: Vec<PackageName>,
    },
}

impl From<&Scope> for ScopeWire {
    fn from(scope: &Scope) -> ScopeWire {
        match scope {
            Scope::All => ScopeWire::All,
            Scope::Hosts(hosts) => ScopeWire::Hosts {
                hosts: hosts.clone(),
            },
            Scope::Packages(packages) => ScopeWire::Packages {
                packages: packages.clone(),
            },
        }
    }
}

impl From<ScopeWire> for Scope {
    fn from(wire: ScopeWire) -> Scope {
        match wire {
            ScopeWire::All => Scope::All,
            ScopeWire::Hosts { hosts } => Scope::Hosts(hosts),
            ScopeWire::Packages { packages } => Scope::Packages(packages),
        }
    }
}

/// Assesses `scope` with default options: the entry point for the worker and benchmarks.
pub async fn assess(
    store: &dyn Store,
    scope: &Scope,
    now: Timestamp,
) -> Result<AssessSummary, StoreError> {
    assess_with(store, scope, &AssessOptions::default(), now).await
}

/// Assesses `scope`.
pub async fn assess_with(
    store: &dyn Store,
    scope: &Scope,
    options: &AssessOptions,
    now: Timestamp,
) -> Result<AssessSummary, StoreError> {
    let started = Instant::now();
    let only_packages: Option<HashSet<PackageName>> = match scope {
        Scope::Packages(list) => Some(list.iter().cloned().collect()),
        Scope::All | Scope::Hosts(_) => None,
    };
    let advisories = match scope {
        Scope::Packages(list) => store.advisories_naming(Some(list)).await?,
        Scope::All | Scope::Hosts(_) => store.advisories_naming(None).await?,
    };
    let kev = kev_index(store.kev_catalog().await?);
    let products = store.lifecycle_products().await?;
    let named = match scope {
        Scope::Packages(list) => Some(store.named_packages(list).await?),
        Scope::All | Scope::Hosts(_) => None,
    };
    let hosts = match scope {
        Scope::All => store.assessment_hosts(None).await?,
        Scope::Hosts(ids) => store.assessment_hosts(Some(ids)).await?,
        Scope::Packages(list) => {
            let ids = store.hosts_running(list).await?;
            store.assessment_hosts(Some(&ids)).await?
        }
    };

    let mut run = Run {
        index: AdvisoryIndex::new(&advisories),
        catalog: LifecycleCatalog::new(&products),
        today: now.to_zoned(jiff::tz::TimeZone::UTC).date(),
        kev,
        only_packages,
        named,
        options,
        now,
        cache: HashMap::new(),
        summary: AssessSummary {
            hosts: hosts.len(),
            advisories: advisories.len(),
            ..AssessSummary::default()
        },
    };
    let lifecycle = matches!(scope, Scope::All | Scope::Hosts(_));
    for batch in hosts.chunks(HOSTS_PER_BATCH) {
        run.batch(store, batch, lifecycle).await?;
    }
    run.summary.package_versions = run.cache.len();
    run.summary.millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(run.summary)
}

/// CVE id → its KEV facts.
fn kev_index(entries: Vec<KevRecord>) -> HashMap<String, KnownExploited> {
    entries
        .into_iter()
        .map(|e| {
            let facts = KnownExploited {
                due: e.due_date,
                ransomware: e.ransomware,
            };
            (e.cve_id, facts)
        })
        .collect()
}

/// One assessment run's shared data.
struct Run<'a> {
    index: AdvisoryIndex<'a>,
    catalog: LifecycleCatalog<'a>,
    today: Date,
    kev: HashMap<String, KnownExploited>,
    only_packages: Option<HashSet<PackageName>>,
    /// The stored packages of a package scope: only their rows and findings are read.
    named: Option<NamedPackages>,
    options: &'a AssessOptions,
    now: Timestamp,
    /// (ecosystem with release, name, version) → matches and undecided count.
    cache: HashMap<(String, String, String), (Vec<Match>, usize)>,
    summary: AssessSummary,
}

/// One package version as matched on a host, and the installed packages it stands for.
#[derive(Debug, Default)]
struct Matched {
    binaries: BTreeSet<String>,
}

/// Where a stored finding sits: (host, ecosystem, package, group key).
type FindingKey = (i64, String, String, String);

impl Run<'_> {
    async fn batch(
        &mut self,
        store: &dyn Store,
        hosts: &[AssessmentHost],
        lifecycle: bool,
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = hosts.iter().map(|h| h.id).collect();
        let mut packages: HashMap<i64, Vec<InstalledPackage>> = HashMap::new();
        let named = self.named.as_ref();
        for (host, package) in store.assessment_packages(&ids, named).await? {
            packages.entry(host).or_default().push(package);
        }
        let mut updates: HashMap<i64, Vec<HostUpdate>> = HashMap::new();
        for (host, update) in store.assessment_updates(&ids).await? {
            updates.entry(host).or_default().push(update);
        }
        let mut stored: HashMap<FindingKey, StoredFinding> = store
            .host_findings(&ids, named)
            .await?
            .into_iter()
            .map(|f| {
                let key = (
                    f.host_id,
                    f.ecosystem.clone(),
                    f.package.clone(),
                    f.group_key.clone(),
                );
                (key, f)
            })
            .collect();

        let mut writes = Vec::new();
        for host in hosts {
            let host_packages = packages.remove(&host.id).unwrap_or_default();
            let host_updates = updates.remove(&host.id).unwrap_or_default();
            let platform = os_cycle(&host.facts.os).map(|c| self.catalog.status(&c, self.today));
            let observed = self.host_findings(host, &host_packages, &host_updates, platform);
            for mut write in observed {
                let key = (
                    host.id,
                    write.ecosystem.clone(),
                    write.package.clone(),
                    write.group_key.clone(),
                );
                let facts = write.state.facts.clone();
                match stored.remove(&key) {
                    Some(previous) => {
                        let next = reassess(&previous.state, Observation::Seen(facts), self.now);
                        if next.status != previous.state.status {
                            self.summary.changed += 1;
                            write.event = Some(event(&next));
                        }
                        write.id = Some(previous.id);
                        write.state = next;
                    }
                    None => {
                        self.summary.new += 1;
                        write.event = Some(event(&write.state));
                    }
                }
                self.summary.seen += 1;
                writes.push(write);
            }
            if lifecycle {
                let statuses = self.lifecycle(host, &host_packages);
                store
                    .set_host_lifecycle(host.id, &statuses, self.now)
                    .await?;
            }
        }

        // Stored findings no assessment showed this time: fixed, when the host's inventory
        // was complete and the finding is within the scope.
        let complete: HashMap<i64, bool> = hosts.iter().map(|h| (h.id, h.complete)).collect();
        for ((host_id, ecosystem, package, _), previous) in stored {
            if !self.in_scope(&ecosystem, &package) {
                continue;
            }
            let observation = match complete.get(&host_id) {
                Some(true) => Observation::NotSeen,
                _ => Observation::NotAssessed,
            };
            let next = reassess(&previous.state, observation, self.now);
            if next == previous.state {
                continue;
            }
            self.summary.fixed += usize::from(matches!(next.status, Status::Fixed { .. }));
            writes.push(unseen_write(previous, next));
        }
        store.save_findings(&writes, self.now).await
    }

    /// Whether a package is within the run's scope.
    fn in_scope(&self, ecosystem: &str, package: &str) -> bool {
        let Some(only) = &self.only_packages else {
            return true;
        };
        let base = Ecosystem::parse(ecosystem).base().to_owned();
        let name = normalize_name(&base, package).into_owned();
        only.contains(&PackageName {
            ecosystem: base,
            name,
        })
    }

    /// The findings one host's packages show, as writes without ids.
    fn host_findings(
        &mut self,
        host: &AssessmentHost,
        packages: &[InstalledPackage],
        updates: &[HostUpdate],
        platform: Option<LifecycleStatus>,
    ) -> Vec<FindingWrite> {
        let release = host.facts.os.version_id.as_deref().map(str::trim);
        let mut versions: BTreeMap<(String, String, String), Matched> = BTreeMap::new();
        for package in packages {
            let key = match_key(package, release);
            if self.in_scope(&key.0, &key.1) {
                versions
                    .entry(key)
                    .or_default()
                    .binaries
                    .insert(package.name.clone());
            }
        }

        let tier = host_tier(None, &self.options.tier_rules, &host.tags, &host.facts).tier;
        // A host can run one package at several versions (two kernels, a source package whose
        // binaries were upgraded apart): each advisory group still makes one finding per
        // package, kept at the most exposed version, listing every binary it stands for.
        let mut writes: BTreeMap<(String, String, String), FindingWrite> = BTreeMap::new();
        for (key, matched) in versions {
            let matches = self.matches(&key);
            if matches.is_empty() {
                continue;
            }
            for finding in group_by_alias(matches) {
                let distribution = platform.as_ref().filter(|_| key.0.contains(':'));
                let write = self.write(
                    host.id,
                    &key,
                    &matched,
                    finding,
                    updates,
                    distribution,
                    tier,
                );
                let slot = (
                    write.ecosystem.clone(),
                    write.package.clone(),
                    write.group_key.clone(),
                );
                match writes.remove(&slot) {
                    Some(earlier) => writes.insert(slot, merge_versions(earlier, write)),
                    None => writes.insert(slot, write),
                };
            }
        }
        writes.into_values().collect()
    }

    /// Matches of one package version, from the run's cache.
    fn matches(&mut self, key: &(String, String, String)) -> Vec<Match> {
        if let Some((matches, _)) = self.cache.get(key) {
            return matches.clone();
        }
        let assessment = self
            .index
            .assess(&PackageVersion::new(&key.0, &key.1, &key.2));
        self.summary.undecided += assessment.problems.len();
        self.cache.insert(
            key.clone(),
            (assessment.matches.clone(), assessment.problems.len()),
        );
        assessment.matches
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one finding's every input, named"
    )]
    fn write(
        &self,
        host_id: i64,
        key: &(String, String, String),
        matched: &Matched,
        finding: Finding,
        updates: &[HostUpdate],
        platform: Option<&LifecycleStatus>,
        tier: Tier,
    ) -> FindingWrite {
        let facts = FindingFacts::of(&finding, &key.0);
        let names: Vec<&String> = finding.ids.iter().chain(&finding.aliases).collect();
        let exploited = names
            .iter()
            .find_map(|id| self.kev.get(id.as_str()))
            .copied();
        let fix = fix_of(&key.0, &facts.fixed, &matched.binaries, updates);
        let priority = prioritize(&PriorityFactors {
            severity: facts.severity,
            exploited,
            fix,
            platform: platform.cloned(),
            tier,
        });
        let matches = finding
            .matches
            .iter()
            .map(|m| FindingMatch {
                advisory_id: m.advisory_id.clone(),
                summary: m.summary.clone(),
                ranges: m.ranges.clone(),
                fixed: m.fixed.clone(),
            })
            .collect();
        FindingWrite {
            id: None,
            host_id,
            ecosystem: key.0.clone(),
            package: key.1.clone(),
            binaries: matched.binaries.iter().cloned().collect(),
            group_key: finding.ids.first().cloned().unwrap_or_default(),
            kind: finding.kind.as_str().to_owned(),
            state: FindingState::new(facts, self.now),
            kev: exploited.is_some(),
            priority,
            matches,
            event: None,
            state_only: false,
        }
    }

    /// A host's lifecycle status: its operating system and the runtimes its packages show.
    fn lifecycle(
        &self,
        host: &AssessmentHost,
        packages: &[InstalledPackage],
    ) -> Vec<HostLifecycle> {
        observed_cycles(&host.facts.os, packages)
            .into_iter()
            .map(|observed| {
                let status = self.catalog.status(&observed.cycle, self.today);
                let state = serde_json::to_value(status.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "unknown".to_owned());
                HostLifecycle {
                    product: observed.cycle.product.clone(),
                    cycle: observed.cycle.cycle.clone(),
                    operating_system: observed
                        .evidence
                        .iter()
                        .any(|e| matches!(e, Evidence::OperatingSystem { .. })),
                    state,
                    date: status.date.map(|d| d.to_string()),
                    source: status.source,
                    evidence: observed.evidence.iter().map(evidence_text).collect(),
                    assessed_at: self.now,
                }
            })
            .collect()
    }
}

/// (ecosystem with release, name, version) a package is matched under: distribution packages
/// by source package and source version in the host's release.
fn match_key(package: &InstalledPackage, release: Option<&str>) -> (String, String, String) {
    match package.source {
        PackageSource::Dpkg | PackageSource::Rpm | PackageSource::Apk => {
            let ecosystem = match release.filter(|r| !r.is_empty()) {
                Some(release) => format!("{}:{release}", package.ecosystem),
                None => package.ecosystem.clone(),
            };
            let name = package
                .source_name
                .clone()
                .unwrap_or_else(|| package.name.clone());
            let version = package
                .source_version
                .clone()
                .unwrap_or_else(|| package.version.clone());
            (ecosystem, name, version)
        }
        PackageSource::Python | PackageSource::Application => (
            package.ecosystem.clone(),
            package.name.clone(),
            package.version.clone(),
        ),
    }
}

/// One finding from two of the same package's installed versions: the lower version's (it is
/// the one still exposed when the other is fixed), with the binaries of both.
fn merge_versions(a: FindingWrite, b: FindingWrite) -> FindingWrite {
    let b_lower = Scheme::for_ecosystem(&a.ecosystem)
        .and_then(|s| {
            s.compare(&b.state.facts.installed, &a.state.facts.installed)
                .ok()
        })
        .map_or_else(
            || b.state.facts.installed < a.state.facts.installed,
            std::cmp::Ordering::is_lt,
        );
    let (mut kept, other) = if b_lower { (b, a) } else { (a, b) };
    let binaries: BTreeSet<String> = kept.binaries.drain(..).chain(other.binaries).collect();
    kept.binaries = binaries.into_iter().collect();
    kept
}

/// Whether a pending update already brings a fixed version, else whether one is published.
fn fix_of(
    ecosystem: &str,
    fixed: &[String],
    binaries: &BTreeSet<String>,
    updates: &[HostUpdate],
) -> Fix {
    let scheme = Scheme::for_ecosystem(ecosystem);
    let at_least = |candidate: &str, fix: &str| {
        scheme
            .and_then(|s| s.compare(candidate, fix).ok())
            .is_some_and(|o| o.is_ge())
    };
    let offered = updates.iter().find(|u| {
        binaries.contains(&u.name) && fixed.iter().any(|f| at_least(&u.candidate_version, f))
    });
    if let Some(update) = offered {
        return Fix::Offered {
            version: update.candidate_version.clone(),
            origin: update.origin.clone(),
        };
    }
    let lowest = fixed.iter().min_by(|a, b| match scheme {
        Some(s) => s.compare(a, b).unwrap_or_else(|_| a.cmp(b)),
        None => a.cmp(b),
    });
    match lowest {
        Some(version) => Fix::Published {
            version: version.clone(),
        },
        None => Fix::None,
    }
}

/// The history entry for a state: its status and why it changed.
fn event(state: &FindingState) -> (String, Option<String>) {
    (state.status.as_str().to_owned(), state.note.clone())
}

/// The write for a stored finding an assessment did not show: its state only.
fn unseen_write(previous: StoredFinding, next: FindingState) -> FindingWrite {
    FindingWrite {
        id: Some(previous.id),
        host_id: previous.host_id,
        ecosystem: previous.ecosystem,
        package: previous.package,
        binaries: Vec::new(),
        group_key: previous.group_key,
        kind: String::new(),
        event: Some(event(&next)),
        state: next,
        kev: false,
        priority: Priority {
            level: Level::P4,
            score: 0,
            reasons: Vec::new(),
        },
        matches: Vec::new(),
        state_only: true,
    }
}

/// Evidence in words.
fn evidence_text(evidence: &Evidence) -> String {
    match evidence {
        Evidence::OperatingSystem { id, version_id } => format!("os-release {id} {version_id}"),
        Evidence::Package { name, version } => format!("package {name} {version}"),
    }
}
