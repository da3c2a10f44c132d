//! A deterministic fleet of hosts for the benchmark, built from the real inventories and
//! advisory data in a feed mirror (`STEWARD_TEST_DATA`, the shared test data).
//!
//! The one real package list is the Debian 12 host's dpkg status; its facts come from the
//! same host's `facter --json`. Every generated host is a variant of it:
//!
//! - Debian 12 hosts run the real package list, some with the pending updates applied
//!   ("newer"), the rest as recorded ("older", with the real pending updates outstanding).
//! - Debian 11 and 10 hosts (if the Debian tracker covers them) run the same packages, with
//!   the version of each source package the tracker names taken from the fixed versions it
//!   lists for that release: older hosts take an early fix, newer ones a late one.
//! - Ubuntu hosts run the Debian list under the Ubuntu ecosystem (there is no Ubuntu
//!   advisory data in the mirror, so they cost ingest and queries but match nothing).
//! - AlmaLinux and Alpine hosts draw package names and versions from the OSV AlmaLinux
//!   records and the Alpine secdb of their release: a common base set every host of the
//!   release has, plus a few extras per host; versions are fixed versions from the records.
//!
//! Every host drops a few packages and adds a few, and has unique identifiers (hostname,
//! machine id, DMI UUID and serial, MAC). A round number picks which hosts changed: round 0
//! is the first inventory, round 1 changes nothing, and each later round changes
//! [`CHANGE_PERCENT`] of the hosts (a package upgraded, one removed). Everything follows from
//! the seed: the same seed and host count give byte-identical documents.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use anyhow::Context;
use steward_api::agent::{AgentInfo, InventoryDocument};
use steward_core::assessment::advisory::{Advisory, Event};
use steward_core::inventory::{
    Cpu, Disk, Dmi, Filesystem, HostFacts, InstalledPackage, Inventory, NetworkInterface,
    OsRelease, PackageSource, PendingUpdate, SourceReport, SourceStatus,
};
use steward_core::versions::Scheme;

/// Percentage of hosts that change between two rounds after the unchanged one.
pub const CHANGE_PERCENT: u64 = 3;

/// A small, fast, deterministic pseudo-random generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for one purpose, derived from the seed and some numbers.
    pub fn new(seed: u64, parts: &[u64]) -> Rng {
        let mut rng = Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B);
        for part in parts {
            rng.0 ^= part.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            rng.next();
        }
        rng
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let n = u64::try_from(items.len()).ok()?;
        items.get(usize::try_from(self.below(n)).ok()?)
    }
}

/// One operating system release of the mix.
#[derive(Debug, Clone)]
struct Release {
    /// os-release `ID`.
    id: &'static str,
    /// os-release `NAME`.
    name: &'static str,
    version_id: String,
    codename: Option<&'static str>,
    kernel: String,
    /// Share of the fleet, in per mille.
    weight: u64,
    packages: PackageList,
}

/// Where a release's packages come from.
#[derive(Debug, Clone)]
enum PackageList {
    /// The real Debian list, labelled with this ecosystem; for Debian releases the tracker
    /// may supply other versions per source package.
    Debian {
        ecosystem: &'static str,
        tracker: Option<BTreeMap<String, Vec<String>>>,
    },
    /// Names and sorted fixed versions from the advisory records of the release.
    Drawn {
        ecosystem: &'static str,
        source: PackageSource,
        arch: &'static str,
        pool: Vec<(String, Vec<String>)>,
    },
}

/// Everything the generator draws from.
#[derive(Debug)]
pub struct FleetSource {
    debian_packages: Vec<InstalledPackage>,
    debian_updates: Vec<PendingUpdate>,
    facts: HostFacts,
    releases: Vec<Release>,
}

/// One generated host (its base state; [`Fleet::document`] derives each round from it).
#[derive(Debug, Clone)]
pub struct Host {
    /// The host's base inventory.
    pub inventory: Inventory,
}

/// The generated fleet.
#[derive(Debug)]
pub struct Fleet {
    seed: u64,
    /// The hosts, in order.
    pub hosts: Vec<Host>,
}

fn read_gz(path: &Path) -> anyhow::Result<String> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::io::BufReader::new(file))
        .take(64 * 1024 * 1024)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    anyhow::ensure!(
        bytes.len() < 64 * 1024 * 1024,
        "{} is too large",
        path.display()
    );
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8", path.display()))
}

/// Fixed versions per package name for every affected entry whose ecosystem is exactly
/// `ecosystem` (`AlmaLinux:9`), sorted by the ecosystem's version order.
fn fixed_versions(advisories: &[Advisory], ecosystem: &str) -> BTreeMap<String, Vec<String>> {
    let mut by_name: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for advisory in advisories.iter().filter(|a| a.withdrawn.is_none()) {
        for affected in advisory
            .affected
            .iter()
            .filter(|a| a.ecosystem == ecosystem)
        {
            for range in &affected.ranges {
                for event in &range.events {
                    if let Event::Fixed(version) = event {
                        by_name
                            .entry(affected.name.clone())
                            .or_default()
                            .insert(version.clone());
                    }
                }
            }
        }
    }
    let scheme = Scheme::for_ecosystem(ecosystem);
    by_name
        .into_iter()
        .map(|(name, versions)| {
            let mut versions: Vec<String> = versions.into_iter().collect();
            if let Some(scheme) = scheme {
                versions.retain(|v| scheme.compare(v, v).is_ok());
                versions.sort_by(|a, b| scheme.compare(a, b).unwrap_or(std::cmp::Ordering::Equal));
            }
            (name, versions)
        })
        .filter(|(_, versions)| !versions.is_empty())
        .collect()
}

/// The most frequent releases of an ecosystem in the advisories (`Alpine` → `v3.20`, …).
fn releases_of(advisories: &[Advisory], base: &str, keep: usize) -> Vec<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let prefix = format!("{base}:");
    for advisory in advisories {
        for affected in &advisory.affected {
            if let Some(release) = affected.ecosystem.strip_prefix(&prefix) {
                *counts.entry(release.to_owned()).or_default() += 1;
            }
        }
    }
    let mut releases: Vec<(String, usize)> = counts.into_iter().collect();
    releases.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    releases.into_iter().take(keep).map(|(r, _)| r).collect()
}

fn facter_facts(data: &Path) -> anyhow::Result<HostFacts> {
    let path = data.join("inventory/facter/facter-4.3.0-debian12.json");
    let value: serde_json::Value = serde_json::from_str(&read_text(&path)?)
        .with_context(|| format!("{} is not JSON", path.display()))?;
    let str_at = |pointer: &str| {
        value
            .pointer(pointer)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let u64_at = |pointer: &str| value.pointer(pointer).and_then(serde_json::Value::as_u64);
    let disks = value
        .pointer("/disks")
        .and_then(|d| d.as_object())
        .map(|disks| {
            disks
                .iter()
                .map(|(name, disk)| Disk {
                    name: name.clone(),
                    size_bytes: disk
                        .get("size_bytes")
                        .and_then(serde_json::Value::as_u64)
                        .unwrap_or(0),
                    model: disk
                        .get("model")
                        .and_then(|m| m.as_str())
                        .map(str::to_owned),
                    serial: None,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(HostFacts {
        kernel: str_at("/kernelrelease"),
        arch: str_at("/os/hardware"),
        cpu: Cpu {
            model: str_at("/processors/models/0"),
            sockets: u64_at("/processors/physicalcount").and_then(|n| u32::try_from(n).ok()),
            cores: u64_at("/processors/count").and_then(|n| u32::try_from(n).ok()),
            threads: u64_at("/processors/threads").and_then(|n| u32::try_from(n).ok()),
        },
        memory_bytes: u64_at("/memory/system/total_bytes"),
        swap_bytes: u64_at("/memory/swap/total_bytes"),
        disks,
        dmi: Dmi {
            vendor: Some("QEMU".to_owned()),
            model: Some("Standard PC (Q35 + ICH9, 2009)".to_owned()),
            bios_vendor: Some("SeaBIOS".to_owned()),
            bios_version: Some("1.16.2-debian-1.16.2-1".to_owned()),
            ..Dmi::default()
        },
        ..HostFacts::default()
    })
}

impl FleetSource {
    /// Reads the Debian host and indexes the advisories' packages per release.
    pub fn load(data: &Path, advisories: &[Advisory]) -> anyhow::Result<FleetSource> {
        let status = data.join("inventory/dpkg/status.gz");
        let debian_packages = steward_formats::dpkg::parse_status(&read_gz(&status)?, "Debian")
            .with_context(|| format!("cannot parse {}", status.display()))?;
        let upgradable = data.join("inventory/dpkg/apt-list-upgradable.txt");
        let debian_updates = steward_formats::apt::parse_upgradable(&read_text(&upgradable)?)
            .with_context(|| format!("cannot parse {}", upgradable.display()))?;
        let facts = facter_facts(data)?;

        let mut releases = vec![
            Release {
                id: "debian",
                name: "Debian GNU/Linux",
                version_id: "12".into(),
                codename: Some("bookworm"),
                kernel: "6.1.0-37-amd64".into(),
                weight: 200,
                packages: PackageList::Debian {
                    ecosystem: "Debian",
                    tracker: None,
                },
            },
            Release {
                id: "ubuntu",
                name: "Ubuntu",
                version_id: "22.04".into(),
                codename: Some("jammy"),
                kernel: "5.15.0-144-generic".into(),
                weight: 150,
                packages: PackageList::Debian {
                    ecosystem: "Ubuntu",
                    tracker: None,
                },
            },
        ];
        for (version, codename, kernel, weight) in [
            ("11", "bullseye", "5.10.0-35-amd64", 100),
            ("10", "buster", "4.19.0-27-amd64", 50),
        ] {
            let tracker = fixed_versions(advisories, &format!("Debian:{version}"));
            if !tracker.is_empty() {
                releases.push(Release {
                    id: "debian",
                    name: "Debian GNU/Linux",
                    version_id: version.into(),
                    codename: Some(codename),
                    kernel: kernel.into(),
                    weight,
                    packages: PackageList::Debian {
                        ecosystem: "Debian",
                        tracker: Some(tracker),
                    },
                });
            }
        }
        for (release, kernel, weight) in [
            ("9", "5.14.0-570.21.1.el9_6.x86_64", 200),
            ("8", "4.18.0-553.58.1.el8_10.x86_64", 150),
        ] {
            let pool: Vec<_> = fixed_versions(advisories, &format!("AlmaLinux:{release}"))
                .into_iter()
                .collect();
            if !pool.is_empty() {
                releases.push(Release {
                    id: "almalinux",
                    name: "AlmaLinux",
                    version_id: format!("{release}.6"),
                    codename: None,
                    kernel: kernel.into(),
                    weight,
                    packages: PackageList::Drawn {
                        ecosystem: "AlmaLinux",
                        source: PackageSource::Rpm,
                        arch: "x86_64",
                        pool,
                    },
                });
            }
        }
        for release in releases_of(advisories, "Alpine", 3) {
            let pool: Vec<_> = fixed_versions(advisories, &format!("Alpine:{release}"))
                .into_iter()
                .collect();
            if !pool.is_empty() {
                releases.push(Release {
                    id: "alpine",
                    name: "Alpine Linux",
                    version_id: format!("{}.2", release.trim_start_matches('v')),
                    codename: None,
                    kernel: "6.6.90-0-lts".into(),
                    weight: 50,
                    packages: PackageList::Drawn {
                        ecosystem: "Alpine",
                        source: PackageSource::Apk,
                        arch: "x86_64",
                        pool,
                    },
                });
            }
        }
        Ok(FleetSource {
            debian_packages,
            debian_updates,
            facts,
            releases,
        })
    }

    /// Generates `hosts` hosts from `seed`.
    pub fn generate(&self, hosts: u64, seed: u64) -> Fleet {
        let total: u64 = self.releases.iter().map(|r| r.weight).sum();
        let hosts = (0..hosts)
            .map(|index| {
                let mut rng = Rng::new(seed, &[1, index]);
                let mut point = rng.below(total);
                let release = self
                    .releases
                    .iter()
                    .find(|r| {
                        if point < r.weight {
                            true
                        } else {
                            point -= r.weight;
                            false
                        }
                    })
                    .unwrap_or(&self.releases[0]);
                Host {
                    inventory: self.host(release, index, &mut rng),
                }
            })
            .collect();
        Fleet { seed, hosts }
    }

    fn host(&self, release: &Release, index: u64, rng: &mut Rng) -> Inventory {
        let newer = rng.chance(50);
        let (mut packages, pending_updates) = match &release.packages {
            PackageList::Debian { ecosystem, tracker } => {
                self.debian_packages(ecosystem, tracker.as_ref(), newer, rng)
            }
            PackageList::Drawn {
                ecosystem,
                source,
                arch,
                pool,
            } => (
                drawn_packages(ecosystem, *source, arch, pool, newer, rng),
                Vec::new(),
            ),
        };
        // A few packages missing from each host.
        packages.retain(|_| !rng.chance(2));

        let hostname = format!(
            "{}{}-{index:05}",
            release.id,
            release.version_id.replace('.', "")
        );
        let mac = format!(
            "02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            (index >> 32) & 0xff,
            (index >> 24) & 0xff,
            (index >> 16) & 0xff,
            (index >> 8) & 0xff,
            index & 0xff
        );
        let address = format!(
            "10.{}.{}.{}",
            (index >> 16) & 0xff,
            (index >> 8) & 0xff,
            index & 0xff
        );
        let mut facts = self.facts.clone();
        facts.hostname = hostname.clone();
        facts.fqdn = Some(format!("{hostname}.bench.example"));
        facts.os = OsRelease {
            id: Some(release.id.to_owned()),
            id_like: (release.id == "ubuntu").then(|| "debian".to_owned()),
            name: Some(release.name.to_owned()),
            version_id: Some(release.version_id.clone()),
            version_codename: release.codename.map(str::to_owned),
            pretty_name: Some(match release.codename {
                Some(codename) => format!("{} {} ({codename})", release.name, release.version_id),
                None => format!("{} {}", release.name, release.version_id),
            }),
        };
        facts.kernel = Some(release.kernel.clone());
        facts.machine_id = Some(format!("{:016x}{:016x}", rng.next(), rng.next()));
        facts.dmi.uuid = Some(uuid_like(rng));
        facts.dmi.serial = Some(format!("BENCH-{index:08}"));
        facts.memory_bytes = Some((1 + rng.below(32)) * 1024 * 1024 * 1024);
        facts.filesystems = vec![Filesystem {
            mount_point: "/".into(),
            device: "/dev/vda1".into(),
            fs_type: if release.id == "almalinux" {
                "xfs"
            } else {
                "ext4"
            }
            .into(),
            size_bytes: (20 + rng.below(480)) * 1024 * 1024 * 1024,
        }];
        facts.interfaces = vec![NetworkInterface {
            name: "eth0".into(),
            mac: Some(mac),
            addresses: vec![address],
            virtual_device: false,
        }];
        let manager = match &release.packages {
            PackageList::Debian { .. } => "dpkg",
            PackageList::Drawn {
                source: PackageSource::Rpm,
                ..
            } => "rpm",
            PackageList::Drawn { .. } => "apk",
        };
        let sources = ["os-release", "dmi", manager]
            .into_iter()
            .map(|name| SourceReport {
                name: name.to_owned(),
                status: SourceStatus::Ok,
                detail: String::new(),
            })
            .collect();
        let tier = ["tier:gold", "tier:silver", "tier:bronze"];
        let role = [
            "role:web",
            "role:db",
            "role:worker",
            "role:build",
            "role:edge",
        ];
        let tags = vec![
            rng.pick(&tier).copied().unwrap_or("tier:bronze").to_owned(),
            rng.pick(&role).copied().unwrap_or("role:web").to_owned(),
            "bench".to_owned(),
        ];
        packages.sort();
        let mut inventory = Inventory {
            facts,
            packages,
            pending_updates,
            sources,
            tags,
        };
        inventory.normalize();
        inventory
    }

    fn debian_packages(
        &self,
        ecosystem: &str,
        tracker: Option<&BTreeMap<String, Vec<String>>>,
        newer: bool,
        rng: &mut Rng,
    ) -> (Vec<InstalledPackage>, Vec<PendingUpdate>) {
        let mut packages = self.debian_packages.clone();
        let mut updates = Vec::new();
        match tracker {
            None => {
                let candidates: BTreeMap<(&str, &str), &PendingUpdate> = self
                    .debian_updates
                    .iter()
                    .map(|u| ((u.name.as_str(), u.arch.as_str()), u))
                    .collect();
                for package in &mut packages {
                    let Some(update) =
                        candidates.get(&(package.name.as_str(), package.arch.as_str()))
                    else {
                        continue;
                    };
                    if newer {
                        if package.source_version.as_deref() == Some(package.version.as_str()) {
                            package.source_version = Some(update.candidate_version.clone());
                        }
                        package.version = update.candidate_version.clone();
                    } else {
                        updates.push((*update).clone());
                    }
                }
            }
            Some(tracker) => {
                for package in &mut packages {
                    let source = package
                        .source_name
                        .clone()
                        .unwrap_or_else(|| package.name.clone());
                    let Some(versions) = tracker.get(&source) else {
                        continue;
                    };
                    let n = u64::try_from(versions.len()).unwrap_or(1);
                    let at = if newer {
                        n - 1 - rng.below(n.div_ceil(3))
                    } else {
                        rng.below(n.div_ceil(3))
                    };
                    if let Some(version) = versions.get(usize::try_from(at).unwrap_or(0)) {
                        package.version = version.clone();
                        package.source_version = Some(version.clone());
                    }
                }
            }
        }
        for package in &mut packages {
            package.ecosystem = ecosystem.to_owned();
        }
        (packages, updates)
    }
}

/// A common base of the pool's packages for every host, plus a few extras.
fn drawn_packages(
    ecosystem: &str,
    source: PackageSource,
    arch: &str,
    pool: &[(String, Vec<String>)],
    newer: bool,
    rng: &mut Rng,
) -> Vec<InstalledPackage> {
    let base = pool.len().min(300);
    let extras = 40;
    let mut chosen: Vec<usize> = (0..base).map(|i| i * pool.len() / base.max(1)).collect();
    let pool_len = u64::try_from(pool.len()).unwrap_or(0);
    for _ in 0..extras {
        chosen.push(usize::try_from(rng.below(pool_len)).unwrap_or(0));
    }
    chosen.sort_unstable();
    chosen.dedup();
    chosen
        .into_iter()
        .filter_map(|i| pool.get(i))
        .filter_map(|(name, versions)| {
            let n = u64::try_from(versions.len()).ok()?;
            let at = if newer {
                n - 1 - rng.below(n.div_ceil(2))
            } else {
                rng.below(n.div_ceil(2))
            };
            let version = versions.get(usize::try_from(at).ok()?)?;
            Some(InstalledPackage {
                ecosystem: ecosystem.to_owned(),
                name: name.clone(),
                version: version.clone(),
                arch: arch.to_owned(),
                source_name: Some(name.clone()),
                source_version: Some(version.clone()),
                source,
                status: "installed".to_owned(),
            })
        })
        .collect()
}

fn uuid_like(rng: &mut Rng) -> String {
    let a = rng.next();
    let b = rng.next();
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

impl Fleet {
    /// Whether host `index` changes in `round` (never in rounds 0 and 1).
    pub fn changes(&self, index: u64, round: u64) -> bool {
        round >= 2 && Rng::new(self.seed, &[2, index, round]).chance(CHANGE_PERCENT)
    }

    /// The inventory of host `index` in `round`: the base, with every change of the rounds
    /// up to this one applied (an upgrade moves one package to a later version string, a
    /// removal drops one).
    pub fn inventory(&self, index: u64, round: u64) -> Option<Inventory> {
        let host = self.hosts.get(usize::try_from(index).ok()?)?;
        let mut inventory = host.inventory.clone();
        for r in 2..=round {
            if !self.changes(index, r) || inventory.packages.is_empty() {
                continue;
            }
            let mut rng = Rng::new(self.seed, &[3, index, r]);
            let n = u64::try_from(inventory.packages.len()).ok()?;
            let upgraded = usize::try_from(rng.below(n)).ok()?;
            if let Some(package) = inventory.packages.get_mut(upgraded) {
                package.version.push_str(&format!("+bench{r}"));
            }
            let removed = usize::try_from(rng.below(n)).ok()?;
            if removed != upgraded && removed < inventory.packages.len() {
                inventory.packages.remove(removed);
            }
            inventory.normalize();
        }
        Some(inventory)
    }

    /// The complete document of host `index` in `round`; `pass` tells documents of the
    /// same content apart (each has its own id).
    pub fn document(
        &self,
        index: u64,
        round: u64,
        pass: u64,
        collected_at: jiff::Timestamp,
    ) -> Option<InventoryDocument> {
        let inventory = self.inventory(index, round)?;
        let mut rng = Rng::new(self.seed, &[4, index, round, pass]);
        Some(InventoryDocument::complete(
            uuid_like(&mut rng),
            collected_at,
            AgentInfo {
                name: "steward-bench".to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
            inventory,
        ))
    }

    /// Number of distinct package versions across the fleet and total installed packages.
    pub fn package_counts(&self) -> (usize, usize) {
        let mut distinct = BTreeSet::new();
        let mut total = 0;
        for host in &self.hosts {
            total += host.inventory.packages.len();
            for p in &host.inventory.packages {
                distinct.insert((host.inventory.facts.os.version_id.clone(), p.key()));
            }
        }
        (distinct.len(), total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic_and_spreads_its_draws() {
        let mut a = Rng::new(7, &[1, 2]);
        let mut b = Rng::new(7, &[1, 2]);
        let mut c = Rng::new(8, &[1, 2]);
        let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next()).collect();
        let zs: Vec<u64> = (0..5).map(|_| c.next()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        let mut counts = [0u32; 10];
        let mut rng = Rng::new(1, &[]);
        for _ in 0..10_000 {
            counts[usize::try_from(rng.below(10)).unwrap_or(0)] += 1;
        }
        assert!(
            counts.iter().all(|&n| (800..1200).contains(&n)),
            "{counts:?}"
        );
    }
}
