//! Lifecycle: which release cycle of a product a host runs, and where that cycle stands in its
//! support at a given date.
//!
//! The data model follows endoflife.date, which every lifecycle feed (endoflife.date itself,
//! distro-info tables) is read into: a [`LifecycleProduct`] has [`LifecycleCycle`]s, and each
//! cycle has up to three end dates, each an [`EolDate`] — `support` is the end of active
//! support, `eol` the end of security support, `extended_support` the end of extended (LTS or
//! paid) support. A date may be given, or only a yes/no (ended, date unknown / not ended, no
//! date announced), or nothing.
//!
//! Three rules live here:
//!
//! - **Mapping** ([`os_cycle`], [`package_cycle`], [`observed_cycles`]): what an inventory shows
//!   becomes an endoflife.date product and cycle, by two tables — os-release `ID` to product,
//!   and package names to runtimes and servers. The cycle is cut from `VERSION_ID`, from the
//!   package name (`python3.11`, `postgresql-15`) or from the installed upstream version
//!   (`nodejs` 18.19.0 → `18`), keeping as many dotted parts as the product's cycles have.
//!   A runtime's status is its upstream project's: a distribution may keep patching its own
//!   build after upstream stops, which the operating system's own status then covers.
//! - **Status** ([`LifecycleCatalog::status`]): a cycle's [`SupportState`] on a day. A date is
//!   reached on that very day (support "ends on 2026-07-11" means it is over on 2026-07-11).
//!   When both endoflife.date and distro-info know a cycle, endoflife.date is used.
//! - **Forecast** ([`LifecycleCatalog::forecast`]): the support milestones that fall after a
//!   day and within 6, 12 or 18 months of it.

use std::collections::{BTreeMap, HashMap};

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::ecosystem;
use crate::inventory::{InstalledPackage, OsRelease, PackageSource};

/// The `source` of products read from endoflife.date data.
pub const SOURCE_ENDOFLIFE_DATE: &str = "endoflife.date";
/// The `source` of products read from distro-info CSV tables.
pub const SOURCE_DISTRO_INFO: &str = "distro-info";

/// One product (an OS, a runtime, an application) and its release cycles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleProduct {
    /// endoflife.date's product id (`debian`, `python`), or the distro-info table's name.
    pub name: String,
    /// The product's display title, where the data gives one.
    pub title: Option<String>,
    /// Where the data came from ([`SOURCE_ENDOFLIFE_DATE`] or [`SOURCE_DISTRO_INFO`]).
    pub source: String,
    /// Release cycles, in the order published (newest first on endoflife.date).
    pub cycles: Vec<LifecycleCycle>,
}

/// One release cycle (`12`, `3.11`, `22.04`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleCycle {
    /// The cycle as the product names it.
    pub cycle: String,
    /// First release of the cycle.
    pub release_date: Option<Date>,
    /// End of security support.
    pub eol: EolDate,
    /// End of active (non-security) support.
    pub support: EolDate,
    /// End of extended (LTS or paid) support.
    pub extended_support: EolDate,
    /// Whether the cycle is a long-term-support one (a date given for `lts` counts).
    pub lts: bool,
    /// Latest release in the cycle.
    pub latest: Option<String>,
    /// Date of that latest release.
    pub latest_release_date: Option<Date>,
    /// Code name (`Bookworm`).
    pub codename: Option<String>,
}

/// An end date as endoflife.date gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EolDate {
    /// Ends (or ended) on this day.
    Date(Date),
    /// `true`: has ended, date unknown; `false`: has not ended and no date is announced.
    Bool(bool),
    /// Not given.
    Unknown,
}

/// One release cycle of one product, named as endoflife.date names them (`debian` `12`,
/// `python` `3.11`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProductCycle {
    /// endoflife.date's product id.
    pub product: String,
    /// The cycle, spelled as the product's data spells it.
    pub cycle: String,
}

impl ProductCycle {
    /// A product cycle from its two names.
    pub fn new(product: &str, cycle: &str) -> ProductCycle {
        ProductCycle {
            product: product.to_owned(),
            cycle: cycle.to_owned(),
        }
    }
}

/// What in an inventory showed that a host runs a product cycle.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// The operating system, from os-release.
    OperatingSystem {
        /// os-release `ID`.
        id: String,
        /// os-release `VERSION_ID`.
        version_id: String,
    },
    /// An installed package.
    Package {
        /// Package name as installed.
        name: String,
        /// Version as installed.
        version: String,
    },
}

/// A product cycle one host runs, with everything in its inventory that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedCycle {
    /// The product cycle.
    pub cycle: ProductCycle,
    /// The os-release entry and packages that map to it, operating system first.
    pub evidence: Vec<Evidence>,
}

/// How many dotted parts of a version make a cycle, and for which major versions.
#[derive(Debug, Clone, Copy)]
struct Width {
    /// Parts to keep: `3.11.2` with 2 parts is `3.11`.
    parts: usize,
    /// The rule applies only when the first part is below this number (products whose cycle
    /// naming changed: PostgreSQL `9.6` then `10`, OpenSSL `1.1.1` then `3.0`).
    below: Option<u32>,
}

const fn parts(parts: usize) -> Width {
    Width { parts, below: None }
}

const fn parts_below(parts: usize, below: u32) -> Width {
    Width {
        parts,
        below: Some(below),
    }
}

/// One row of the os-release table: `ID` → product.
struct OsRule {
    id: &'static str,
    product: &'static str,
    width: Width,
}

/// os-release `ID` to endoflife.date product; the cycle comes from `VERSION_ID`. First
/// matching row wins. CentOS Stream says `ID=centos`; its `NAME` tells it apart, and it is
/// looked up here as `centos-stream`.
const OS_RULES: &[OsRule] = &[
    os("debian", "debian", parts(1)),
    os("ubuntu", "ubuntu", parts(2)),
    os("almalinux", "almalinux", parts(1)),
    os("rocky", "rocky-linux", parts(1)),
    os("rhel", "rhel", parts(1)),
    os("centos-stream", "centos-stream", parts(1)),
    os("centos", "centos", parts(1)),
    os("ol", "oracle-linux", parts(1)),
    os("fedora", "fedora", parts(1)),
    os("alpine", "alpine-linux", parts(2)),
    os("opensuse-leap", "opensuse", parts(2)),
    os("sles", "sles", parts(2)),
    // Amazon Linux: `2` and `2023`, but `2018.03` for the first generation.
    os("amzn", "amazon-linux", parts_below(1, 3)),
    os("amzn", "amazon-linux", parts_below(2, 2023)),
    os("amzn", "amazon-linux", parts(1)),
];

const fn os(id: &'static str, product: &'static str, width: Width) -> OsRule {
    OsRule { id, product, width }
}

/// Which package managers a package row applies to.
const DPKG: &[PackageSource] = &[PackageSource::Dpkg];
const RPM: &[PackageSource] = &[PackageSource::Rpm];
const DISTRO: &[PackageSource] = &[PackageSource::Dpkg, PackageSource::Rpm];
const PYTHON: &[PackageSource] = &[PackageSource::Python];

/// One row of the package table.
struct PackageRule {
    sources: &'static [PackageSource],
    /// The package name: literal text, at most one `{}` standing for the cycle's dotted numbers
    /// (then the cycle comes from the name, not the version), and an optional trailing `*`
    /// for any rest (`-headless`, `-fpm`).
    name: &'static str,
    product: &'static str,
    width: Width,
}

const fn package(
    sources: &'static [PackageSource],
    name: &'static str,
    product: &'static str,
    width: Width,
) -> PackageRule {
    PackageRule {
        sources,
        name,
        product,
        width,
    }
}

/// Installed packages to endoflife.date products; first matching row wins.
///
/// Java: endoflife.date has no product for OpenJDK itself. Red Hat's RPMs are the
/// `red-hat-build-of-openjdk` product; Debian and Ubuntu build the same upstream OpenJDK
/// update releases that Eclipse Temurin ships, so their packages follow `eclipse-temurin`.
const PACKAGE_RULES: &[PackageRule] = &[
    package(DISTRO, "python{}", "python", parts(2)),
    package(DISTRO, "python3", "python", parts(2)),
    package(DISTRO, "postgresql-{}", "postgresql", parts(1)),
    package(DISTRO, "postgresql-{}", "postgresql", parts(2)),
    package(DPKG, "postgresql", "postgresql", parts_below(2, 10)),
    package(DPKG, "postgresql", "postgresql", parts(1)),
    package(RPM, "postgresql{}-server", "postgresql", parts(1)),
    package(RPM, "postgresql-server", "postgresql", parts_below(2, 10)),
    package(RPM, "postgresql-server", "postgresql", parts(1)),
    package(DISTRO, "nodejs", "nodejs", parts(1)),
    package(DPKG, "openjdk-{}-jre*", "eclipse-temurin", parts(1)),
    package(DPKG, "openjdk-{}-jdk*", "eclipse-temurin", parts(1)),
    package(
        RPM,
        "java-1.{}.0-openjdk*",
        "red-hat-build-of-openjdk",
        parts(1),
    ),
    package(
        RPM,
        "java-{}-openjdk*",
        "red-hat-build-of-openjdk",
        parts(1),
    ),
    package(DPKG, "php{}*", "php", parts(2)),
    package(RPM, "php", "php", parts(2)),
    package(RPM, "php-cli", "php", parts(2)),
    package(RPM, "php-fpm", "php", parts(2)),
    package(DISTRO, "nginx", "nginx", parts(2)),
    package(DPKG, "nginx-core", "nginx", parts(2)),
    package(DPKG, "apache2", "apache-http-server", parts(2)),
    package(RPM, "httpd", "apache-http-server", parts(2)),
    package(DPKG, "mariadb-server-{}", "mariadb", parts(2)),
    package(DISTRO, "mariadb-server", "mariadb", parts(2)),
    package(DPKG, "mysql-server-{}", "mysql", parts(2)),
    package(DISTRO, "mysql-server", "mysql", parts(2)),
    package(DISTRO, "mysql-community-server", "mysql", parts(2)),
    package(DPKG, "redis-server", "redis", parts(2)),
    package(RPM, "redis", "redis", parts(2)),
    package(DPKG, "valkey-server", "valkey", parts(2)),
    package(RPM, "valkey", "valkey", parts(2)),
    package(DPKG, "ruby{}", "ruby", parts(2)),
    package(RPM, "ruby", "ruby", parts(2)),
    package(DPKG, "golang-{}-go", "go", parts(2)),
    package(DPKG, "golang-go", "go", parts(2)),
    package(RPM, "golang", "go", parts(2)),
    package(DISTRO, "perl", "perl", parts(2)),
    package(DISTRO, "openssl", "openssl", parts_below(3, 3)),
    package(DISTRO, "openssl", "openssl", parts(2)),
    package(DISTRO, "haproxy", "haproxy", parts(2)),
    package(DISTRO, "squid", "squid", parts_below(2, 4)),
    package(DISTRO, "squid", "squid", parts(1)),
    package(DPKG, "tomcat9", "tomcat", parts(2)),
    package(DPKG, "tomcat10", "tomcat", parts(2)),
    package(DPKG, "tomcat11", "tomcat", parts(2)),
    package(RPM, "tomcat", "tomcat", parts(2)),
    package(DISTRO, "postfix", "postfix", parts(2)),
    package(DISTRO, "memcached", "memcached", parts(2)),
    package(DISTRO, "rabbitmq-server", "rabbitmq", parts(2)),
    package(DISTRO, "mongodb-org-server", "mongodb", parts(2)),
    package(DISTRO, "elasticsearch", "elasticsearch", parts_below(1, 8)),
    package(DISTRO, "elasticsearch", "elasticsearch", parts(2)),
    package(DPKG, "docker.io", "docker-engine", parts_below(2, 27)),
    package(DPKG, "docker.io", "docker-engine", parts(1)),
    package(DISTRO, "docker-ce", "docker-engine", parts_below(2, 27)),
    package(DISTRO, "docker-ce", "docker-engine", parts(1)),
    package(DISTRO, "dotnet-runtime-{}", "dotnet", parts_below(2, 5)),
    package(DISTRO, "dotnet-runtime-{}*", "dotnet", parts(1)),
    package(PYTHON, "django", "django", parts(2)),
    package(PYTHON, "ansible-core", "ansible-core", parts(2)),
    package(PYTHON, "numpy", "numpy", parts(2)),
];

/// The product cycle of an operating system, from os-release `ID` and `VERSION_ID`; `None`
/// for an unknown `ID`, a missing `VERSION_ID` (Debian testing) or a rolling release.
pub fn os_cycle(os: &OsRelease) -> Option<ProductCycle> {
    os_rule(os).map(|(_, cycle)| cycle)
}

/// The matching row of [`OS_RULES`] and the cycle it gives.
fn os_rule(os: &OsRelease) -> Option<(usize, ProductCycle)> {
    let id = os.id.as_deref()?.trim().to_ascii_lowercase();
    let version = os.version_id.as_deref()?.trim();
    let stream = [&os.name, &os.pretty_name]
        .iter()
        .any(|name| name.as_deref().is_some_and(|n| n.contains("Stream")));
    let id = match id.as_str() {
        "centos" if stream => "centos-stream",
        other => other,
    };

    OS_RULES.iter().enumerate().find_map(|(index, rule)| {
        let cycle = (rule.id == id)
            .then(|| cut(version, rule.width))
            .flatten()?;
        Some((index, ProductCycle::new(rule.product, &cycle)))
    })
}

/// The product cycle of an installed runtime or server package, by the package table; `None`
/// for a package the table does not name.
pub fn package_cycle(package: &InstalledPackage) -> Option<ProductCycle> {
    package_rule(package).map(|(_, cycle)| cycle)
}

/// The matching row of [`PACKAGE_RULES`] and the cycle it gives.
fn package_rule(package: &InstalledPackage) -> Option<(usize, ProductCycle)> {
    let name = match package.source {
        PackageSource::Python => ecosystem::normalize_name("PyPI", &package.name).into_owned(),
        PackageSource::Dpkg | PackageSource::Rpm | PackageSource::Apk => package.name.clone(),
        PackageSource::Application => {
            ecosystem::normalize_name(&package.ecosystem, &package.name).into_owned()
        }
    };
    PACKAGE_RULES.iter().enumerate().find_map(|(index, rule)| {
        if !rule.sources.contains(&package.source) {
            return None;
        }
        let cycle = match rule.name.split_once("{}") {
            Some((before, after)) => from_name(&name, before, after, rule.width)?,
            None if rule.name == name => cut(upstream(&package.version), rule.width)?,
            None => return None,
        };
        Some((index, ProductCycle::new(rule.product, &cycle)))
    })
}

/// Every endoflife.date product the mapping tables can name, sorted, each once: the products a
/// feed sync needs at the least.
pub fn mapped_products() -> Vec<&'static str> {
    let os = OS_RULES.iter().map(|rule| rule.product);
    let packages = PACKAGE_RULES.iter().map(|rule| rule.product);
    let mut products: Vec<&str> = os.chain(packages).collect();
    products.sort_unstable();
    products.dedup();
    products
}

/// Every product cycle a host runs: its operating system and the packages the table names,
/// each cycle once with all its evidence, sorted by product and cycle.
pub fn observed_cycles(os: &OsRelease, packages: &[InstalledPackage]) -> Vec<ObservedCycle> {
    let mut seen: BTreeMap<ProductCycle, Vec<Evidence>> = BTreeMap::new();
    if let Some(cycle) = os_cycle(os) {
        let evidence = Evidence::OperatingSystem {
            id: os.id.clone().unwrap_or_default(),
            version_id: os.version_id.clone().unwrap_or_default(),
        };
        seen.entry(cycle).or_default().push(evidence);
    }

    for package in packages {
        if let Some(cycle) = package_cycle(package) {
            seen.entry(cycle).or_default().push(Evidence::Package {
                name: package.name.clone(),
                version: package.version.clone(),
            });
        }
    }

    seen.into_iter()
        .map(|(cycle, evidence)| ObservedCycle { cycle, evidence })
        .collect()
}

/// The cycle written in a package name between `before` and `after` (`after` may end in `*`).
fn from_name(name: &str, before: &str, after: &str, width: Width) -> Option<String> {
    let rest = name.strip_prefix(before)?;
    let (digits, tail) = leading_parts(rest, width.parts)?;
    let matches_tail = match after.strip_suffix('*') {
        Some(prefix) => tail.starts_with(prefix),
        None => tail == after,
    };
    (matches_tail && width.admits(digits)).then(|| digits.to_owned())
}

/// Exactly `count` dotted numeric parts at the start of `text`, and what follows them; `None`
/// when there are fewer, or when a digit follows (`3.110` is not `3.11`).
fn leading_parts(text: &str, count: usize) -> Option<(&str, &str)> {
    let mut end = 0;
    for index in 0..count {
        if index > 0 {
            end += text[end..].strip_prefix('.').map(|_| 1)?;
        }
        let digits = text[end..].bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        end += digits;
    }
    let tail = &text[end..];
    (!tail.starts_with(|c: char| c.is_ascii_digit())).then_some((&text[..end], tail))
}

/// The first `width.parts` dotted parts of a version, when it has that many and the width
/// applies to its major version.
fn cut(version: &str, width: Width) -> Option<String> {
    let (digits, _) = leading_parts(version, width.parts)?;
    width.admits(digits).then(|| digits.to_owned())
}

impl Width {
    fn admits(self, digits: &str) -> bool {
        let major = digits.split('.').next().and_then(|m| m.parse::<u32>().ok());
        match (self.below, major) {
            (None, _) => true,
            (Some(bound), Some(major)) => major < bound,
            (Some(_), None) => false,
        }
    }
}

/// The upstream part of a distribution version: without the epoch (`1:10.11.6-0` → `10.11.6-0`).
fn upstream(version: &str) -> &str {
    match version.split_once(':') {
        Some((epoch, rest)) if epoch.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => version,
    }
}

/// Where a product cycle stands in its support on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportState {
    /// Fully supported: bug fixes and security fixes.
    Supported,
    /// Active support has ended; security fixes only.
    SecurityOnly,
    /// Security support has ended; extended (LTS or paid) support continues.
    ExtendedSupport,
    /// No support of any kind is left.
    EndOfLife,
    /// Supported, and no end has been announced.
    EndNotAnnounced,
    /// The lifecycle data does not know this product cycle.
    Unknown,
}

impl SupportState {
    /// The state in words, for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SupportState::Supported => "supported",
            SupportState::SecurityOnly => "security support only",
            SupportState::ExtendedSupport => "extended support",
            SupportState::EndOfLife => "end of life",
            SupportState::EndNotAnnounced => "end not announced",
            SupportState::Unknown => "unknown",
        }
    }
}

/// A product cycle's support on a given day, with the date that applies and where it is from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleStatus {
    /// The product cycle.
    pub cycle: ProductCycle,
    /// Where it stands.
    pub state: SupportState,
    /// The date that applies: when the current phase ends (supported: end of active support,
    /// or of security support when the product gives no separate date; security only: end of
    /// security support; extended: end of extended support), or, at end of life, the day the
    /// last support ended. `None` when the data gives no date.
    pub date: Option<Date>,
    /// The feed the answer comes from ([`SOURCE_ENDOFLIFE_DATE`], [`SOURCE_DISTRO_INFO`]);
    /// `None` when the state is unknown.
    pub source: Option<String>,
}

/// One support end date of a cycle as seen from a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Over, on this day if known.
    Ended(Option<Date>),
    /// Still running, until this day if announced.
    Running(Option<Date>),
    /// The data says nothing.
    NotGiven,
}

impl Phase {
    fn of(end: EolDate, today: Date) -> Phase {
        match end {
            EolDate::Date(day) if day <= today => Phase::Ended(Some(day)),
            EolDate::Date(day) => Phase::Running(Some(day)),
            EolDate::Bool(true) => Phase::Ended(None),
            EolDate::Bool(false) => Phase::Running(None),
            EolDate::Unknown => Phase::NotGiven,
        }
    }
}

/// The support state of one cycle on `today`, and the date that applies.
pub fn support_state(cycle: &LifecycleCycle, today: Date) -> (SupportState, Option<Date>) {
    let active = Phase::of(cycle.support, today);
    let security = Phase::of(cycle.eol, today);
    let extended = Phase::of(cycle.extended_support, today);

    match (security, active) {
        (Phase::Ended(ended), _) => match extended {
            Phase::Running(until) => (SupportState::ExtendedSupport, until),
            Phase::Ended(Some(last)) => (SupportState::EndOfLife, Some(last)),
            Phase::Ended(None) | Phase::NotGiven => (SupportState::EndOfLife, ended),
        },
        (Phase::Running(until), Phase::Ended(_)) => (SupportState::SecurityOnly, until),
        (Phase::Running(_) | Phase::NotGiven, Phase::Running(Some(active))) => {
            (SupportState::Supported, Some(active))
        }
        (Phase::Running(Some(until)), _) => (SupportState::Supported, Some(until)),
        (Phase::NotGiven, Phase::Ended(_)) => (SupportState::SecurityOnly, None),
        (Phase::Running(None) | Phase::NotGiven, _) => (SupportState::EndNotAnnounced, None),
    }
}

/// Which support ends a forecast entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// End of active support (listed only when it comes before the end of security support).
    EndOfActiveSupport,
    /// End of security support: end of life, unless extended support follows.
    EndOfSecuritySupport,
    /// End of extended support.
    EndOfExtendedSupport,
}

/// The horizons of the lifecycle forecast, in months.
pub const FORECAST_MONTHS: [i8; 3] = [6, 12, 18];

/// A support end that falls within a forecast horizon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastEntry {
    /// The product cycle.
    pub cycle: ProductCycle,
    /// Which support ends.
    pub milestone: Milestone,
    /// The day it ends.
    pub date: Date,
    /// The shortest horizon it falls in (6 for within six months, then 12, then 18).
    pub within_months: i8,
    /// The feed the date comes from.
    pub source: String,
}

/// Lifecycle products indexed by (product, cycle), one answer per cycle.
#[derive(Debug, Clone, Default)]
pub struct LifecycleCatalog<'a> {
    cycles: HashMap<(&'a str, &'a str), (&'a LifecycleProduct, &'a LifecycleCycle)>,
}

impl<'a> LifecycleCatalog<'a> {
    /// Indexes products; where two feeds know a cycle, endoflife.date wins over distro-info,
    /// and otherwise the first product given.
    pub fn new(products: &'a [LifecycleProduct]) -> LifecycleCatalog<'a> {
        let mut cycles: HashMap<_, (&LifecycleProduct, &LifecycleCycle)> = HashMap::new();
        for product in products {
            for cycle in &product.cycles {
                let key = (product.name.as_str(), cycle.cycle.as_str());
                let replace = match cycles.get(&key) {
                    None => true,
                    Some((known, _)) => source_rank(product) < source_rank(known),
                };
                if replace {
                    cycles.insert(key, (product, cycle));
                }
            }
        }
        LifecycleCatalog { cycles }
    }

    /// The data of a product cycle, with the product it belongs to.
    pub fn cycle(
        &self,
        cycle: &ProductCycle,
    ) -> Option<(&'a LifecycleProduct, &'a LifecycleCycle)> {
        let key = (cycle.product.as_str(), cycle.cycle.as_str());
        self.cycles.get(&key).copied()
    }

    /// A product cycle's support on `today`; [`SupportState::Unknown`] when no feed knows it.
    pub fn status(&self, cycle: &ProductCycle, today: Date) -> LifecycleStatus {
        let Some((product, data)) = self.cycle(cycle) else {
            return LifecycleStatus {
                cycle: cycle.clone(),
                state: SupportState::Unknown,
                date: None,
                source: None,
            };
        };
        let (state, date) = support_state(data, today);
        LifecycleStatus {
            cycle: cycle.clone(),
            state,
            date,
            source: Some(product.source.clone()),
        }
    }

    /// The support ends of `cycles` that fall after `today` and within the longest of
    /// `horizons` (months), each with the shortest horizon it falls in; sorted by date, then
    /// product and cycle. Cycles no feed knows are left out.
    pub fn forecast<'c>(
        &self,
        cycles: impl IntoIterator<Item = &'c ProductCycle>,
        today: Date,
        horizons: &[i8],
    ) -> Vec<ForecastEntry> {
        let mut ends: Vec<(i8, Date)> = horizons
            .iter()
            .filter_map(|&months| Some((months, today.checked_add(months.months()).ok()?)))
            .collect();
        ends.sort_unstable();

        let mut entries = Vec::new();
        for cycle in cycles {
            let Some((product, data)) = self.cycle(cycle) else {
                continue;
            };
            for (milestone, date) in milestones(data) {
                let horizon = ends.iter().find(|(_, end)| today < date && date <= *end);
                if let Some(&(within_months, _)) = horizon {
                    entries.push(ForecastEntry {
                        cycle: cycle.clone(),
                        milestone,
                        date,
                        within_months,
                        source: product.source.clone(),
                    });
                }
            }
        }
        entries
            .sort_by(|a, b| (a.date, &a.cycle, a.milestone).cmp(&(b.date, &b.cycle, b.milestone)));
        entries.dedup();
        entries
    }
}

/// The dated support ends of a cycle; active support only when it ends before security support.
fn milestones(cycle: &LifecycleCycle) -> Vec<(Milestone, Date)> {
    let day = |end: EolDate| match end {
        EolDate::Date(day) => Some(day),
        EolDate::Bool(_) | EolDate::Unknown => None,
    };
    let security = day(cycle.eol);
    let active = day(cycle.support).filter(|active| security.is_none_or(|eol| *active < eol));
    [
        (Milestone::EndOfActiveSupport, active),
        (Milestone::EndOfSecuritySupport, security),
        (Milestone::EndOfExtendedSupport, day(cycle.extended_support)),
    ]
    .into_iter()
    .filter_map(|(milestone, date)| Some((milestone, date?)))
    .collect()
}

/// Lower is preferred.
fn source_rank(product: &LifecycleProduct) -> u8 {
    match product.source.as_str() {
        SOURCE_ENDOFLIFE_DATE => 0,
        SOURCE_DISTRO_INFO => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use jiff::civil::date;

    use super::*;

    fn os(id: &str, version_id: &str, name: &str) -> OsRelease {
        OsRelease {
            id: Some(id.to_owned()),
            version_id: (!version_id.is_empty()).then(|| version_id.to_owned()),
            name: Some(name.to_owned()),
            ..OsRelease::default()
        }
    }

    fn installed(source: PackageSource, name: &str, version: &str) -> InstalledPackage {
        InstalledPackage {
            ecosystem: String::new(),
            name: name.to_owned(),
            version: version.to_owned(),
            arch: String::new(),
            source_name: None,
            source_version: None,
            source,
            status: "installed".to_owned(),
        }
    }

    #[test]
    fn every_os_row_maps_os_release_to_a_product_cycle() {
        let cases = [
            ("debian", "12", "Debian GNU/Linux", Some(("debian", "12"))),
            ("ubuntu", "22.04", "Ubuntu", Some(("ubuntu", "22.04"))),
            ("almalinux", "9.4", "AlmaLinux", Some(("almalinux", "9"))),
            ("rocky", "9.3", "Rocky Linux", Some(("rocky-linux", "9"))),
            (
                "rhel",
                "8.10",
                "Red Hat Enterprise Linux",
                Some(("rhel", "8")),
            ),
            ("centos", "9", "CentOS Stream", Some(("centos-stream", "9"))),
            ("centos", "7", "CentOS Linux", Some(("centos", "7"))),
            (
                "ol",
                "9.3",
                "Oracle Linux Server",
                Some(("oracle-linux", "9")),
            ),
            ("fedora", "40", "Fedora Linux", Some(("fedora", "40"))),
            (
                "alpine",
                "3.18.4",
                "Alpine Linux",
                Some(("alpine-linux", "3.18")),
            ),
            (
                "opensuse-leap",
                "15.5",
                "openSUSE Leap",
                Some(("opensuse", "15.5")),
            ),
            ("sles", "15.5", "SLES", Some(("sles", "15.5"))),
            ("amzn", "2", "Amazon Linux", Some(("amazon-linux", "2"))),
            (
                "amzn",
                "2018.03",
                "Amazon Linux AMI",
                Some(("amazon-linux", "2018.03")),
            ),
            (
                "amzn",
                "2023",
                "Amazon Linux",
                Some(("amazon-linux", "2023")),
            ),
            // Debian testing has no VERSION_ID; Tumbleweed is rolling; Alpine edge has one part.
            ("debian", "", "Debian GNU/Linux", None),
            (
                "opensuse-tumbleweed",
                "20240101",
                "openSUSE Tumbleweed",
                None,
            ),
            ("alpine", "3", "Alpine Linux", None),
            ("DEBIAN", "11", "Debian GNU/Linux", Some(("debian", "11"))),
        ];
        let mut used = BTreeSet::new();
        for (id, version, name, expected) in cases {
            let found = os_rule(&os(id, version, name));
            let expected = expected.map(|(p, c)| ProductCycle::new(p, c));
            assert_eq!(
                found.as_ref().map(|f| &f.1),
                expected.as_ref(),
                "{id} {version}"
            );
            used.extend(found.map(|f| f.0));
        }
        assert_eq!(used.len(), OS_RULES.len(), "every os-release row is tested");
    }

    #[test]
    fn every_package_row_maps_a_package_to_a_product_cycle() {
        use PackageSource::{Dpkg, Python, Rpm};
        let cases = [
            (
                Dpkg,
                "python3.11",
                "3.11.2-6+deb12u6",
                Some(("python", "3.11")),
            ),
            (Dpkg, "python3", "3.11.2-1+b1", Some(("python", "3.11"))),
            (Rpm, "python3", "3.9.18-3.el9", Some(("python", "3.9"))),
            (
                Dpkg,
                "postgresql-15",
                "15.18-0+deb12u1",
                Some(("postgresql", "15")),
            ),
            (
                Dpkg,
                "postgresql-9.6",
                "9.6.24-0+deb9u1",
                Some(("postgresql", "9.6")),
            ),
            (
                Dpkg,
                "postgresql",
                "9.6+181+deb9u3",
                Some(("postgresql", "9.6")),
            ),
            (
                Dpkg,
                "postgresql",
                "15+248+deb12u1",
                Some(("postgresql", "15")),
            ),
            (
                Rpm,
                "postgresql16-server",
                "16.4-1PGDG.rhel9",
                Some(("postgresql", "16")),
            ),
            (
                Rpm,
                "postgresql-server",
                "9.2.24-9.el7_9",
                Some(("postgresql", "9.2")),
            ),
            (
                Rpm,
                "postgresql-server",
                "13.14-1.el9_3",
                Some(("postgresql", "13")),
            ),
            (
                Dpkg,
                "nodejs",
                "18.19.0+dfsg-6~deb12u2",
                Some(("nodejs", "18")),
            ),
            (
                Dpkg,
                "openjdk-17-jre-headless",
                "17.0.12+7-2~deb12u1",
                Some(("eclipse-temurin", "17")),
            ),
            (
                Dpkg,
                "openjdk-17-jdk",
                "17.0.12+7-2~deb12u1",
                Some(("eclipse-temurin", "17")),
            ),
            (
                Rpm,
                "java-1.8.0-openjdk-headless",
                "1:1.8.0.412.b08-2.el9",
                Some(("red-hat-build-of-openjdk", "8")),
            ),
            (
                Rpm,
                "java-17-openjdk",
                "1:17.0.11.0.9-2.el9",
                Some(("red-hat-build-of-openjdk", "17")),
            ),
            (Dpkg, "php8.2-fpm", "8.2.20-1~deb12u1", Some(("php", "8.2"))),
            (Rpm, "php", "8.0.30-1.el9_2", Some(("php", "8.0"))),
            (
                Rpm,
                "php-cli",
                "8.1.27-1.module+el9.4.0",
                Some(("php", "8.1")),
            ),
            (Rpm, "php-fpm", "7.4.33-1.el8", Some(("php", "7.4"))),
            (Rpm, "nginx", "1:1.20.1-14.el9_2.1", Some(("nginx", "1.20"))),
            (
                Dpkg,
                "nginx-core",
                "1.18.0-6ubuntu14.4",
                Some(("nginx", "1.18")),
            ),
            (
                Dpkg,
                "apache2",
                "2.4.62-1~deb12u1",
                Some(("apache-http-server", "2.4")),
            ),
            (
                Rpm,
                "httpd",
                "2.4.57-8.el9",
                Some(("apache-http-server", "2.4")),
            ),
            (
                Dpkg,
                "mariadb-server-10.5",
                "1:10.5.23-0+deb11u1",
                Some(("mariadb", "10.5")),
            ),
            (
                Dpkg,
                "mariadb-server",
                "1:10.11.6-0+deb12u1",
                Some(("mariadb", "10.11")),
            ),
            (
                Dpkg,
                "mysql-server-8.0",
                "8.0.39-0ubuntu0.22.04.1",
                Some(("mysql", "8.0")),
            ),
            (
                Rpm,
                "mysql-server",
                "8.0.36-1.el9_3",
                Some(("mysql", "8.0")),
            ),
            (
                Rpm,
                "mysql-community-server",
                "8.4.2-1.el9",
                Some(("mysql", "8.4")),
            ),
            (
                Dpkg,
                "redis-server",
                "5:7.0.15-1~deb12u1",
                Some(("redis", "7.0")),
            ),
            (Rpm, "redis", "6.2.7-1.el9", Some(("redis", "6.2"))),
            (
                Dpkg,
                "valkey-server",
                "8.1.1+dfsg1-1",
                Some(("valkey", "8.1")),
            ),
            (Rpm, "valkey", "8.0.2-1.fc41", Some(("valkey", "8.0"))),
            (Dpkg, "ruby3.1", "3.1.2-7+deb12u1", Some(("ruby", "3.1"))),
            (Rpm, "ruby", "3.0.7-163.el9", Some(("ruby", "3.0"))),
            (Dpkg, "golang-1.19-go", "1.19.8-2", Some(("go", "1.19"))),
            (Dpkg, "golang-go", "2:1.19~1", Some(("go", "1.19"))),
            (Rpm, "golang", "1.21.13-2.el9", Some(("go", "1.21"))),
            (Dpkg, "perl", "5.36.0-7+deb12u4", Some(("perl", "5.36"))),
            (
                Dpkg,
                "openssl",
                "1.1.1n-0+deb11u5",
                Some(("openssl", "1.1.1")),
            ),
            (
                Dpkg,
                "openssl",
                "3.0.19-1~deb12u2",
                Some(("openssl", "3.0")),
            ),
            (
                Dpkg,
                "haproxy",
                "2.6.12-1+deb12u1",
                Some(("haproxy", "2.6")),
            ),
            (Dpkg, "squid", "3.5.23-5+deb9u7", Some(("squid", "3.5"))),
            (Dpkg, "squid", "5.7-2+deb12u2", Some(("squid", "5"))),
            (
                Dpkg,
                "tomcat9",
                "9.0.43-2~deb11u10",
                Some(("tomcat", "9.0")),
            ),
            (
                Dpkg,
                "tomcat10",
                "10.1.34-0+deb12u1",
                Some(("tomcat", "10.1")),
            ),
            (Dpkg, "tomcat11", "11.0.6-1", Some(("tomcat", "11.0"))),
            (Rpm, "tomcat", "1:9.0.87-1.el9", Some(("tomcat", "9.0"))),
            (
                Dpkg,
                "postfix",
                "3.7.11-0+deb12u1",
                Some(("postfix", "3.7")),
            ),
            (Dpkg, "memcached", "1.6.18-1", Some(("memcached", "1.6"))),
            (
                Dpkg,
                "rabbitmq-server",
                "3.10.8-1.1",
                Some(("rabbitmq", "3.10")),
            ),
            (
                Rpm,
                "mongodb-org-server",
                "7.0.14-1.el9",
                Some(("mongodb", "7.0")),
            ),
            (
                Rpm,
                "elasticsearch",
                "7.17.24-1",
                Some(("elasticsearch", "7")),
            ),
            (
                Dpkg,
                "elasticsearch",
                "8.15.1",
                Some(("elasticsearch", "8.15")),
            ),
            (
                Dpkg,
                "docker.io",
                "20.10.24+dfsg1-1+deb12u1",
                Some(("docker-engine", "20.10")),
            ),
            (
                Dpkg,
                "docker.io",
                "27.5.1+dfsg4-5",
                Some(("docker-engine", "27")),
            ),
            (
                Dpkg,
                "docker-ce",
                "5:24.0.7-1~debian.12~bookworm",
                Some(("docker-engine", "24.0")),
            ),
            (
                Rpm,
                "docker-ce",
                "3:28.0.1-1.el9",
                Some(("docker-engine", "28")),
            ),
            (
                Dpkg,
                "dotnet-runtime-3.1",
                "3.1.32-1",
                Some(("dotnet", "3.1")),
            ),
            (
                Rpm,
                "dotnet-runtime-8.0",
                "8.0.8-1.el9",
                Some(("dotnet", "8")),
            ),
            (Python, "Django", "4.2.16", Some(("django", "4.2"))),
            (
                Python,
                "ansible_core",
                "2.16.3",
                Some(("ansible-core", "2.16")),
            ),
            (Python, "numpy", "1.26.4", Some(("numpy", "1.26"))),
            // Look-alikes that are not the runtime.
            (Dpkg, "python3-requests", "2.28.1+dfsg-1", None),
            (Dpkg, "python3.11-minimal", "3.11.2-6", None),
            (Dpkg, "php-common", "2:93", None),
            (Dpkg, "postgresql-client-15", "15.18-0+deb12u1", None),
            (Dpkg, "postgresql-common", "248+deb12u1", None),
            (Python, "python", "3.11", None),
            (Rpm, "php8.2-fpm", "8.2.20-1", None),
            (Dpkg, "nodejs", "unknown", None),
        ];
        let mut used = BTreeSet::new();
        for (source, name, version, expected) in cases {
            let found = package_rule(&installed(source, name, version));
            let expected = expected.map(|(p, c)| ProductCycle::new(p, c));
            assert_eq!(
                found.as_ref().map(|f| &f.1),
                expected.as_ref(),
                "{name} {version}"
            );
            used.extend(found.map(|f| f.0));
        }
        let untested: Vec<&str> = (0..PACKAGE_RULES.len())
            .filter(|index| !used.contains(index))
            .map(|index| PACKAGE_RULES[index].name)
            .collect();
        assert!(
            untested.is_empty(),
            "package rows without a test: {untested:?}"
        );
    }

    #[test]
    fn observed_cycles_gather_evidence_once_per_cycle() {
        let packages = [
            installed(PackageSource::Dpkg, "python3", "3.11.2-1+b1"),
            installed(PackageSource::Dpkg, "python3.11", "3.11.2-6"),
            installed(PackageSource::Dpkg, "bash", "5.2.15-2+b7"),
        ];
        let cycles = observed_cycles(&os("debian", "12", "Debian GNU/Linux"), &packages);
        assert_eq!(
            cycles,
            [
                ObservedCycle {
                    cycle: ProductCycle::new("debian", "12"),
                    evidence: vec![Evidence::OperatingSystem {
                        id: "debian".into(),
                        version_id: "12".into()
                    }],
                },
                ObservedCycle {
                    cycle: ProductCycle::new("python", "3.11"),
                    evidence: vec![
                        Evidence::Package {
                            name: "python3".into(),
                            version: "3.11.2-1+b1".into()
                        },
                        Evidence::Package {
                            name: "python3.11".into(),
                            version: "3.11.2-6".into()
                        },
                    ],
                },
            ]
        );
    }

    fn cycle(support: EolDate, eol: EolDate, extended: EolDate) -> LifecycleCycle {
        LifecycleCycle {
            cycle: "1".into(),
            release_date: None,
            eol,
            support,
            extended_support: extended,
            lts: false,
            latest: None,
            latest_release_date: None,
            codename: None,
        }
    }

    #[test]
    fn support_state_follows_endoflife_date_semantics() {
        use EolDate::{Bool, Date as On, Unknown};
        use SupportState::*;
        let today = date(2026, 1, 15);
        let past = date(2025, 6, 1);
        let later = date(2027, 3, 1);
        let latest = date(2029, 3, 1);
        let cases = [
            // (support, eol, extended) → (state, date)
            ((On(later), On(latest), Unknown), (Supported, Some(later))),
            ((Unknown, On(later), Unknown), (Supported, Some(later))),
            ((Bool(false), On(later), Unknown), (Supported, Some(later))),
            ((On(past), On(later), Unknown), (SecurityOnly, Some(later))),
            (
                (Bool(true), On(later), Unknown),
                (SecurityOnly, Some(later)),
            ),
            ((On(past), Bool(false), Unknown), (SecurityOnly, None)),
            (
                (Unknown, On(past), On(later)),
                (ExtendedSupport, Some(later)),
            ),
            ((Unknown, Bool(true), Bool(false)), (ExtendedSupport, None)),
            ((Unknown, On(past), Unknown), (EndOfLife, Some(past))),
            (
                (Unknown, On(date(2020, 1, 1)), On(past)),
                (EndOfLife, Some(past)),
            ),
            ((Unknown, On(past), Bool(true)), (EndOfLife, Some(past))),
            ((Unknown, Bool(true), Unknown), (EndOfLife, None)),
            ((Unknown, Bool(false), Unknown), (EndNotAnnounced, None)),
            ((Unknown, Unknown, Unknown), (EndNotAnnounced, None)),
            ((On(later), Bool(false), Unknown), (Supported, Some(later))),
            // A date is reached on that very day.
            (
                (Unknown, On(today), On(later)),
                (ExtendedSupport, Some(later)),
            ),
            ((On(today), On(later), Unknown), (SecurityOnly, Some(later))),
        ];
        for ((support, eol, extended), expected) in cases {
            let found = support_state(&cycle(support, eol, extended), today);
            assert_eq!(
                found, expected,
                "support {support:?}, eol {eol:?}, ext {extended:?}"
            );
        }
    }

    fn product(name: &str, source: &str, cycles: Vec<LifecycleCycle>) -> LifecycleProduct {
        LifecycleProduct {
            name: name.into(),
            title: None,
            source: source.into(),
            cycles,
        }
    }

    #[test]
    fn catalog_prefers_endoflife_date_and_reports_unknown_cycles() {
        let on = |y, m, d| EolDate::Date(date(y, m, d));
        let products = [
            product(
                "debian",
                SOURCE_DISTRO_INFO,
                vec![cycle(EolDate::Unknown, on(2026, 6, 10), on(2028, 6, 30))],
            ),
            product(
                "debian",
                SOURCE_ENDOFLIFE_DATE,
                vec![cycle(EolDate::Unknown, on(2026, 7, 11), on(2028, 6, 30))],
            ),
        ];
        let catalog = LifecycleCatalog::new(&products);
        let status = catalog.status(&ProductCycle::new("debian", "1"), date(2026, 6, 20));
        assert_eq!(status.state, SupportState::Supported);
        assert_eq!(status.date, Some(date(2026, 7, 11)));
        assert_eq!(status.source.as_deref(), Some("endoflife.date"));

        let unknown = catalog.status(&ProductCycle::new("debian", "2"), date(2026, 6, 20));
        assert_eq!(unknown.state, SupportState::Unknown);
        assert_eq!((unknown.date, unknown.source), (None, None));
    }

    #[test]
    fn forecast_puts_each_end_in_its_shortest_horizon() {
        let on = |y, m, d| EolDate::Date(date(y, m, d));
        let mut runtime = cycle(on(2026, 3, 1), on(2026, 12, 1), on(2027, 7, 15));
        runtime.cycle = "3".into();
        let mut same_day = cycle(on(2026, 5, 1), on(2026, 5, 1), EolDate::Bool(false));
        same_day.cycle = "4".into();
        let products = [product("x", SOURCE_ENDOFLIFE_DATE, vec![runtime, same_day])];
        let catalog = LifecycleCatalog::new(&products);
        let cycles = [
            ProductCycle::new("x", "3"),
            ProductCycle::new("x", "4"),
            ProductCycle::new("x", "9"),
        ];

        let forecast = catalog.forecast(&cycles, date(2026, 1, 15), &FORECAST_MONTHS);
        let found: Vec<(&str, Milestone, Date, i8)> = forecast
            .iter()
            .map(|e| (e.cycle.cycle.as_str(), e.milestone, e.date, e.within_months))
            .collect();
        assert_eq!(
            found,
            [
                ("3", Milestone::EndOfActiveSupport, date(2026, 3, 1), 6),
                ("4", Milestone::EndOfSecuritySupport, date(2026, 5, 1), 6),
                ("3", Milestone::EndOfSecuritySupport, date(2026, 12, 1), 12),
                ("3", Milestone::EndOfExtendedSupport, date(2027, 7, 15), 18),
            ]
        );

        // Past ends and ends beyond the last horizon are not forecast; the horizon's last day is.
        let later = catalog.forecast(&cycles, date(2026, 6, 1), &[6]);
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].date, date(2026, 12, 1));
        assert!(catalog.forecast(&cycles, date(2026, 6, 2), &[6]).len() == 1);
        assert!(catalog.forecast(&cycles, date(2026, 6, 1), &[]).is_empty());
    }
}
