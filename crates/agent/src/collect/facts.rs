//! Host facts read straight from `/proc`, `/sys` and `/etc`.
//!
//! Each reader fills its part of [`HostFacts`] and returns one [`SourceReport`], so a fact that
//! could not be read is visible as such instead of silently missing. Details are kept stable
//! from run to run (no timings, no free space), because the reports are part of the facts
//! digest and an idle host must digest the same every time.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use steward_core::inventory::{
    Cpu, Disk, Dmi, Filesystem, HostFacts, NetworkInterface, OsRelease, SourceReport,
};

use super::report;

/// Reads every fact of this host, appending one report per source to `sources`.
pub(crate) fn host_facts(sources: &mut Vec<SourceReport>) -> HostFacts {
    let (os, os_report) = os_release();
    sources.push(os_report);
    let (dmi, dmi_report) = dmi(Path::new("/sys/class/dmi/id"));
    sources.push(dmi_report);

    let hostname = read_trimmed("/proc/sys/kernel/hostname").unwrap_or_default();
    let fqdn = fs::read_to_string("/etc/hosts")
        .ok()
        .and_then(|hosts| fqdn(&hosts, &hostname));
    let uname = rustix::system::uname();

    let mut facts = HostFacts {
        fqdn,
        os,
        kernel: read_trimmed("/proc/sys/kernel/osrelease"),
        arch: Some(uname.machine().to_string_lossy().into_owned()),
        machine_id: machine_id(sources),
        dmi,
        boot_time: fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| boot_time(&s)),
        hostname,
        ..HostFacts::default()
    };
    facts.cpu = read_with("/proc/cpuinfo", "cpu", sources, |text| Some(cpu(text)));
    let memory = read_with("/proc/meminfo", "memory", sources, |text| {
        Some(meminfo(text))
    });
    (facts.memory_bytes, facts.swap_bytes) = memory;
    facts.disks = disks(Path::new("/sys/block"), sources);
    facts.filesystems = read_with("/proc/mounts", "filesystems", sources, |t| {
        Some(filesystems(t))
    });
    facts.interfaces = interfaces(Path::new("/sys/class/net"), sources);
    facts
}

/// Reads a file and hands its text to `parse`, reporting the outcome under `name`.
fn read_with<T: Default>(
    path: &str,
    name: &str,
    sources: &mut Vec<SourceReport>,
    parse: impl FnOnce(&str) -> Option<T>,
) -> T {
    match fs::read_to_string(path) {
        Ok(text) => {
            sources.push(report::ok(name, path.to_owned()));
            parse(&text).unwrap_or_default()
        }
        Err(e) => {
            sources.push(report::from_io(name, Path::new(path), &e));
            T::default()
        }
    }
}

fn read_trimmed(path: impl AsRef<Path>) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Reads os-release from `/etc`, falling back to `/usr/lib` as the specification says.
pub(crate) fn os_release() -> (OsRelease, SourceReport) {
    let mut last_error = None;
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        match fs::read_to_string(path) {
            Ok(text) => {
                return match steward_formats::os_release::parse(&text) {
                    Ok(os) => (os, report::ok("os-release", path.to_owned())),
                    Err(e) => (
                        OsRelease::default(),
                        report::unreadable("os-release", path, e),
                    ),
                };
            }
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => last_error = Some(report::from_io("os-release", Path::new(path), &e)),
        }
    }
    let absent = report::absent("os-release", "no /etc/os-release or /usr/lib/os-release");
    (OsRelease::default(), last_error.unwrap_or(absent))
}

fn machine_id(sources: &mut Vec<SourceReport>) -> Option<String> {
    for path in ["/etc/machine-id", "/var/lib/dbus/machine-id"] {
        if let Some(id) = read_trimmed(path) {
            sources.push(report::ok("machine-id", path.to_owned()));
            return Some(id);
        }
    }
    sources.push(report::absent(
        "machine-id",
        "no /etc/machine-id or /var/lib/dbus/machine-id",
    ));
    None
}

/// Reads DMI identification; serials and the UUID are readable by root only.
pub(crate) fn dmi(dir: &Path) -> (Dmi, SourceReport) {
    if !dir.is_dir() {
        return (
            Dmi::default(),
            report::absent("dmi", format!("no {}", dir.display())),
        );
    }
    let mut unreadable = Vec::new();
    let mut read = |file: &str| match fs::read_to_string(dir.join(file)) {
        Ok(text) => Some(text.trim().to_owned()).filter(|t| !t.is_empty()),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => {
            unreadable.push(format!("{file}: {e}"));
            None
        }
    };
    let dmi = Dmi {
        vendor: read("sys_vendor"),
        model: read("product_name"),
        serial: read("product_serial"),
        uuid: read("product_uuid"),
        board_serial: read("board_serial"),
        chassis_serial: read("chassis_serial"),
        bios_vendor: read("bios_vendor"),
        bios_version: read("bios_version"),
        bios_date: read("bios_date"),
    };
    let report = if unreadable.is_empty() {
        report::ok("dmi", dir.display().to_string())
    } else {
        report::unreadable("dmi", dir, unreadable.join("; "))
    };
    (dmi, report)
}

/// The FQDN of `hostname` according to an `/etc/hosts` text: the canonical (first) name of
/// the line that lists the host, when it is a dotted name beginning with the host name.
pub(crate) fn fqdn(hosts: &str, hostname: &str) -> Option<String> {
    if hostname.contains('.') {
        return Some(hostname.to_owned());
    }
    let prefix = format!("{hostname}.");
    hosts
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .filter_map(|line| {
            let names: Vec<&str> = line.split_whitespace().skip(1).collect();
            let listed = names
                .iter()
                .any(|n| *n == hostname || n.starts_with(&prefix));
            let canonical = names.iter().find(|n| n.starts_with(&prefix))?;
            listed.then(|| (*canonical).to_owned())
        })
        .next()
}

/// Boot time from the `btime` line of `/proc/stat`.
pub(crate) fn boot_time(stat: &str) -> Option<i64> {
    stat.lines()
        .find_map(|line| line.strip_prefix("btime ")?.trim().parse().ok())
}

/// Processor model and counts from `/proc/cpuinfo`.
pub(crate) fn cpu(cpuinfo: &str) -> Cpu {
    let mut threads = 0u32;
    let mut model = None;
    let mut sockets = BTreeSet::new();
    let mut cores = BTreeSet::new();
    let mut physical_id = None;
    for line in cpuinfo.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "processor" => {
                threads += 1;
                physical_id = None;
            }
            "model name" | "cpu model" | "Model" if model.is_none() => {
                model = Some(value.to_owned())
            }
            "physical id" => {
                physical_id = Some(value.to_owned());
                sockets.insert(value.to_owned());
            }
            "core id" => {
                cores.insert((physical_id.clone(), value.to_owned()));
            }
            _ => {}
        }
    }
    let count = |n: usize| u32::try_from(n).ok().filter(|n| *n > 0);
    Cpu {
        model,
        sockets: count(sockets.len()),
        cores: count(cores.len()),
        threads: count(threads as usize),
    }
}

/// Memory and swap totals in bytes from `/proc/meminfo`.
pub(crate) fn meminfo(text: &str) -> (Option<u64>, Option<u64>) {
    let field = |name: &str| {
        text.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix(':')?;
            let kib: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
            kib.checked_mul(1024)
        })
    };
    (field("MemTotal"), field("SwapTotal"))
}

/// Whole block devices from `/sys/block`, without loop, RAM and compressed-RAM devices.
pub(crate) fn disks(dir: &Path, sources: &mut Vec<SourceReport>) -> Vec<Disk> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            sources.push(report::from_io("disks", dir, &e));
            return Vec::new();
        }
    };
    let mut disks = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if ["loop", "ram", "zram"].iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let path = entry.path();
        let sectors: u64 = read_trimmed(path.join("size"))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if sectors == 0 {
            continue;
        }
        disks.push(Disk {
            name,
            size_bytes: sectors.saturating_mul(512),
            model: read_trimmed(path.join("device/model")),
            serial: read_trimmed(path.join("serial"))
                .or_else(|| read_trimmed(path.join("device/serial"))),
        });
    }
    disks.sort_by(|a, b| a.name.cmp(&b.name));
    sources.push(report::ok("disks", format!("{} disks", disks.len())));
    disks
}

/// Filesystem types that hold no user data: kernel interfaces and memory-backed mounts.
const PSEUDO_FILESYSTEMS: &[&str] = &[
    "autofs",
    "binfmt_misc",
    "bpf",
    "cgroup",
    "cgroup2",
    "configfs",
    "debugfs",
    "devpts",
    "devtmpfs",
    "efivarfs",
    "fusectl",
    "hugetlbfs",
    "mqueue",
    "nsfs",
    "proc",
    "pstore",
    "ramfs",
    "rpc_pipefs",
    "securityfs",
    "selinuxfs",
    "squashfs",
    "sysfs",
    "tmpfs",
    "tracefs",
    "nfsd",
];

/// Network filesystems: their size is not asked for, since a dead server would hang `statvfs`.
const NETWORK_FILESYSTEMS: &[&str] = &["nfs", "nfs4", "cifs", "smb3", "9p", "ceph", "glusterfs"];

/// Real filesystems from `/proc/mounts`, with their total size; the last mount on a mount
/// point hides the earlier ones, as the kernel does.
pub(crate) fn filesystems(mounts: &str) -> Vec<Filesystem> {
    let mut by_mount_point = BTreeMap::new();
    for line in mounts.lines() {
        let mut fields = line.split_ascii_whitespace();
        let (Some(device), Some(mount_point), Some(fs_type)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let mount_point = unescape_mount(mount_point);
        let pseudo = PSEUDO_FILESYSTEMS.contains(&fs_type)
            || fs_type.starts_with("fuse.") && fs_type != "fuse.sshfs"
            || fs_type == "overlay" && mount_point != "/";
        if pseudo {
            by_mount_point.remove(&mount_point);
            continue;
        }
        let size_bytes = if NETWORK_FILESYSTEMS.contains(&fs_type) || fs_type == "fuse.sshfs" {
            0
        } else {
            rustix::fs::statvfs(mount_point.as_str())
                .map(|s| s.f_blocks.saturating_mul(s.f_frsize))
                .unwrap_or(0)
        };
        let filesystem = Filesystem {
            mount_point: mount_point.clone(),
            device: unescape_mount(device),
            fs_type: fs_type.to_owned(),
            size_bytes,
        };
        by_mount_point.insert(mount_point, filesystem);
    }
    by_mount_point.into_values().collect()
}

/// Decodes the octal escapes (`\040` for a space) of `/proc/mounts`.
fn unescape_mount(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match (bytes[i], octal) {
            (b'\\', Some(digits)) => {
                let value = digits.iter().fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 4;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Network interfaces from `/sys/class/net`, with addresses from the kernel's interface list.
pub(crate) fn interfaces(dir: &Path, sources: &mut Vec<SourceReport>) -> Vec<NetworkInterface> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            sources.push(report::from_io("interfaces", dir, &e));
            return Vec::new();
        }
    };
    let mut addresses = interface_addresses();
    let mut interfaces: Vec<NetworkInterface> = entries
        .flatten()
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let mac = read_trimmed(path.join("address"))
                .map(|m| m.to_ascii_lowercase())
                .filter(|m| m.bytes().any(|b| b != b'0' && b != b':'));
            NetworkInterface {
                addresses: addresses.remove(&name).unwrap_or_default(),
                virtual_device: !path.join("device").exists(),
                mac,
                name,
            }
        })
        .collect();
    interfaces.sort_by(|a, b| a.name.cmp(&b.name));
    sources.push(report::ok(
        "interfaces",
        format!("{} interfaces", interfaces.len()),
    ));
    interfaces
}

/// Addresses (`addr/prefix`, sorted) of each interface, as the kernel lists them.
fn interface_addresses() -> BTreeMap<String, Vec<String>> {
    let Ok(networks) = sysinfo::Networks::new_with_refreshed_list() else {
        return BTreeMap::new();
    };
    networks
        .iter()
        .map(|(name, data)| {
            let mut list: Vec<String> = data
                .ip_networks()
                .iter()
                .map(|n| format!("{}/{}", n.addr, n.prefix))
                .collect();
            list.sort();
            list.dedup();
            (name.to_string_lossy().into_owned(), list)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_counts_sockets_cores_and_threads() {
        let text = "processor\t: 0\nmodel name\t: Xeon\nphysical id\t: 0\ncore id\t: 0\n\n\
                    processor\t: 1\nmodel name\t: Xeon\nphysical id\t: 0\ncore id\t: 0\n\n\
                    processor\t: 2\nmodel name\t: Xeon\nphysical id\t: 1\ncore id\t: 0\n\n\
                    processor\t: 3\nmodel name\t: Xeon\nphysical id\t: 1\ncore id\t: 1\n";
        let cpu = cpu(text);
        assert_eq!(cpu.model.as_deref(), Some("Xeon"));
        assert_eq!(
            (cpu.sockets, cpu.cores, cpu.threads),
            (Some(2), Some(3), Some(4))
        );
    }

    #[test]
    fn meminfo_totals_are_bytes() {
        let text = "MemTotal:       24683792 kB\nMemFree: 1 kB\nSwapTotal:       1024 kB\n";
        assert_eq!(meminfo(text), (Some(24683792 * 1024), Some(1024 * 1024)));
    }

    #[test]
    fn fqdn_comes_from_the_canonical_hosts_name() {
        let hosts = "127.0.0.1 localhost\n# 10.0.0.1 web1.old.example web1\n\
                     192.0.2.4 web1.example.org web1 # primary\n";
        assert_eq!(fqdn(hosts, "web1").as_deref(), Some("web1.example.org"));
        assert_eq!(fqdn("127.0.0.1 localhost vm\n", "vm"), None);
        assert_eq!(
            fqdn("", "db.example.net").as_deref(),
            Some("db.example.net")
        );
    }

    #[test]
    fn mounts_keep_real_filesystems_and_an_overlay_root() {
        let mounts = "proc /proc proc rw 0 0\noverlay / overlay rw 0 0\n\
                      /dev/vda1 /srv/my\\040data ext4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n\
                      overlay /var/lib/docker/x/merged overlay rw 0 0\n\
                      server:/export /mnt/nfs nfs4 rw 0 0\n";
        let found: Vec<_> = filesystems(mounts)
            .into_iter()
            .map(|f| (f.mount_point, f.device, f.fs_type))
            .collect();
        let expected = [
            ("/", "overlay", "overlay"),
            ("/mnt/nfs", "server:/export", "nfs4"),
            ("/srv/my data", "/dev/vda1", "ext4"),
        ]
        .map(|(m, d, t)| (m.to_owned(), d.to_owned(), t.to_owned()));
        assert_eq!(found, expected);
    }

    #[test]
    fn boot_time_reads_btime() {
        assert_eq!(
            boot_time("cpu  1 2 3\nbtime 1764781234\nprocesses 5\n"),
            Some(1764781234)
        );
    }

    #[test]
    fn absent_dmi_directory_is_reported_absent() {
        let (dmi, report) = dmi(Path::new("/nonexistent/dmi/id"));
        assert_eq!(dmi, Dmi::default());
        assert_eq!(report.status, steward_core::inventory::SourceStatus::Absent);
    }

    #[test]
    fn unreadable_dmi_file_names_the_file_and_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("sys_vendor"), "QEMU\n").unwrap();
        fs::create_dir(dir.path().join("product_uuid")).unwrap(); // reading a directory fails
        let (dmi, report) = dmi(dir.path());
        assert_eq!(dmi.vendor.as_deref(), Some("QEMU"));
        assert_eq!(
            report.status,
            steward_core::inventory::SourceStatus::Unreadable
        );
        assert!(
            report.detail.contains("product_uuid: Is a directory"),
            "{}",
            report.detail
        );
    }
}
