//! Installed packages: the dpkg database, the RPM database and Python distributions.
//!
//! Each package source yields its packages and exactly one [`SourceReport`]: `ok` with the
//! count, `absent` when this host has no such database, or `unreadable` with the first error
//! (the packages that could be read are still returned, and the report says the section is
//! incomplete).

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{BufReader, ErrorKind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use steward_core::inventory::{InstalledPackage, OsRelease, PackageSource, SourceReport};
use steward_formats::{dpkg, python, rpm};

use super::report;

/// The dpkg status database.
pub(crate) const DPKG_STATUS: &str = "/var/lib/dpkg/status";

/// Places an RPM database lives, old and new.
const RPM_DATABASES: &[&str] = &["/var/lib/rpm", "/usr/lib/sysimage/rpm"];

/// Where distributions ship Python packages; each `python3*` child is searched.
const PYTHON_LIB_ROOTS: &[&str] = &[
    "/usr/lib",
    "/usr/local/lib",
    "/usr/lib64",
    "/usr/local/lib64",
];

/// The OSV ecosystem of a distribution's packages, from os-release's `ID`.
pub(crate) fn ecosystem(os: &OsRelease, fallback: &str) -> String {
    let Some(id) = os.id.as_deref().filter(|id| !id.is_empty()) else {
        return fallback.to_owned();
    };
    let known = match id {
        "debian" => "Debian",
        "ubuntu" => "Ubuntu",
        "almalinux" => "AlmaLinux",
        "rocky" => "Rocky Linux",
        "rhel" => "Red Hat",
        "opensuse" | "opensuse-leap" | "opensuse-tumbleweed" => "openSUSE",
        "sles" | "sled" => "SUSE",
        "mageia" => "Mageia",
        "openeuler" => "openEuler",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let mut chars = id.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Packages from the dpkg status file, streamed.
pub(crate) fn dpkg_packages(path: &Path, ecosystem: &str) -> (Vec<InstalledPackage>, SourceReport) {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => return (Vec::new(), report::from_io("dpkg", path, &e)),
    };
    let mut packages = Vec::new();
    let mut errors = Vec::new();
    for item in dpkg::StatusReader::new(BufReader::new(file), ecosystem) {
        match item {
            Ok(package) => packages.push(package),
            Err(e) => errors.push(e.to_string()),
        }
    }
    let report = match errors.first() {
        None => report::ok("dpkg", format!("{} packages", packages.len())),
        Some(first) => {
            let detail = format!("{} stanzas skipped, first: {first}", errors.len());
            report::unreadable("dpkg", path, detail)
        }
    };
    (packages, report)
}

/// Packages from the RPM database, when rpm and a database are both present.
pub(crate) fn rpm_packages(ecosystem: &str) -> (Vec<InstalledPackage>, SourceReport) {
    let Some(program) = find_program("rpm") else {
        return (Vec::new(), report::absent("rpm", "no rpm program"));
    };
    let has_database = RPM_DATABASES.iter().any(|dir| {
        fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
    });
    if !has_database {
        return (
            Vec::new(),
            report::absent("rpm", "rpm is installed but has no database"),
        );
    }
    let output = Command::new(&program)
        .args(["-qa", "--queryformat", rpm::QUERY_FORMAT])
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output();
    let output = match output {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let detail = format!("{}: {}", output.status, stderr.trim());
            return (Vec::new(), report::unreadable("rpm", &program, detail));
        }
        Err(e) => return (Vec::new(), report::unreadable("rpm", &program, e)),
    };
    match rpm::parse_query(&String::from_utf8_lossy(&output.stdout), ecosystem) {
        Ok(packages) => {
            let detail = format!("{} packages", packages.len());
            (packages, report::ok("rpm", detail))
        }
        Err(e) => (Vec::new(), report::unreadable("rpm", &program, e)),
    }
}

/// Python distributions in the system's site-packages and in `extra` directories.
pub(crate) fn python_packages(extra: &[PathBuf]) -> (Vec<InstalledPackage>, SourceReport) {
    let dirs = python_dirs(extra);
    if dirs.is_empty() {
        return (
            Vec::new(),
            report::absent("python", "no site-packages or dist-packages"),
        );
    }
    let mut packages = Vec::new();
    let mut errors = Vec::new();
    for dir in &dirs {
        scan_python_dir(dir, &mut packages, &mut errors);
    }
    let report = match errors.first() {
        None => report::ok("python", format!("{} distributions", packages.len())),
        Some(first) => {
            let detail = format!("{} unreadable, first: {first}", errors.len());
            report::unreadable("python", "site-packages", detail)
        }
    };
    (packages, report)
}

/// Existing package directories, each once (a symlinked `python3` is the same directory).
fn python_dirs(extra: &[PathBuf]) -> Vec<PathBuf> {
    let mut candidates = Vec::new();
    for root in PYTHON_LIB_ROOTS {
        let Ok(entries) = fs::read_dir(root) else {
            continue;
        };
        let mut versions: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("python3"))
            .map(|e| e.path())
            .collect();
        versions.sort();
        for version in versions {
            candidates.push(version.join("site-packages"));
            candidates.push(version.join("dist-packages"));
        }
    }
    candidates.extend(extra.iter().cloned());

    let mut seen = BTreeSet::new();
    candidates
        .into_iter()
        .filter(|dir| dir.is_dir())
        .filter(|dir| seen.insert(fs::canonicalize(dir).unwrap_or_else(|_| dir.clone())))
        .collect()
}

/// Reads every `*.dist-info` and `*.egg-info` of one directory.
fn scan_python_dir(dir: &Path, packages: &mut Vec<InstalledPackage>, errors: &mut Vec<String>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return errors.push(format!("{}: {e}", dir.display())),
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        let metadata = if name.ends_with(".dist-info") {
            path.join("METADATA")
        } else if name.ends_with(".egg-info") {
            if path.is_dir() {
                path.join("PKG-INFO")
            } else {
                path.clone()
            }
        } else {
            continue;
        };
        match read_python_metadata(&metadata) {
            Ok(Some(package)) => packages.push(package),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
}

fn read_python_metadata(path: &Path) -> Result<Option<InstalledPackage>, String> {
    let file = match File::open(path) {
        Ok(file) => file,
        // A dist-info without METADATA is a half-removed distribution: nothing is installed.
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let meta = python::read_metadata(BufReader::new(file))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(InstalledPackage {
        ecosystem: "PyPI".to_owned(),
        name: meta.name,
        version: meta.version,
        arch: String::new(),
        source_name: None,
        source_version: None,
        source: PackageSource::Python,
        status: "installed".to_owned(),
    }))
}

/// The first executable named `name` on `PATH`.
pub(crate) fn find_program(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystem_names_follow_osv() {
        let os = |id: &str| OsRelease {
            id: Some(id.to_owned()),
            ..OsRelease::default()
        };
        assert_eq!(ecosystem(&os("debian"), "Debian"), "Debian");
        assert_eq!(ecosystem(&os("ubuntu"), "Debian"), "Ubuntu");
        assert_eq!(ecosystem(&os("rocky"), "Debian"), "Rocky Linux");
        assert_eq!(ecosystem(&os("kali"), "Debian"), "Kali");
        assert_eq!(ecosystem(&OsRelease::default(), "Debian"), "Debian");
    }

    #[test]
    fn python_directory_yields_dist_info_and_both_egg_info_forms() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir(d.join("PyYAML-6.0.dist-info")).unwrap();
        fs::write(
            d.join("PyYAML-6.0.dist-info/METADATA"),
            "Name: PyYAML\nVersion: 6.0\n",
        )
        .unwrap();
        fs::create_dir(d.join("Pygments-2.14.0.egg-info")).unwrap();
        fs::write(
            d.join("Pygments-2.14.0.egg-info/PKG-INFO"),
            "Name: Pygments\nVersion: 2.14.0\n",
        )
        .unwrap();
        fs::write(
            d.join("six-1.16.0.egg-info"),
            "Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\n",
        )
        .unwrap();
        fs::create_dir(d.join("gone-1.0.dist-info")).unwrap();
        fs::write(d.join("yaml.py"), "").unwrap();

        let (mut packages, mut errors) = (Vec::new(), Vec::new());
        scan_python_dir(d, &mut packages, &mut errors);
        let mut found: Vec<_> = packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        found.sort();
        assert_eq!(
            found,
            [("PyYAML", "6.0"), ("Pygments", "2.14.0"), ("six", "1.16.0")]
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            packages
                .iter()
                .all(|p| p.ecosystem == "PyPI" && p.arch.is_empty())
        );
    }

    #[test]
    fn broken_python_metadata_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("bad-1.dist-info")).unwrap();
        fs::write(dir.path().join("bad-1.dist-info/METADATA"), "Name: bad\n").unwrap();
        let (packages, report) = python_packages(&[dir.path().to_owned()]);
        assert!(packages.iter().all(|p| p.name != "bad"));
        assert_eq!(
            report.status,
            steward_core::inventory::SourceStatus::Unreadable
        );
        assert!(
            report
                .detail
                .contains("bad-1.dist-info/METADATA: line 1: field Version: missing")
        );
    }
}
