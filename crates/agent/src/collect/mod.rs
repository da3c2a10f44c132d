//! Collects the complete inventory of this host: facts, packages and pending updates.
//!
//! Collection reads files directly and runs at most two commands (`rpm`, and `apt` when its
//! cached answer is stale), so a scan stays small and fast. It never fails as a whole: every
//! source ends up in [`Inventory::sources`] as read, absent or unreadable, and whatever was
//! read is kept.

mod facts;
mod packages;
pub(crate) mod report;

use std::path::{Path, PathBuf};

use steward_core::inventory::Inventory;

pub(crate) use packages::find_program;

/// What to collect, and where the agent keeps its state.
#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    /// Tags to attach to the inventory.
    pub tags: Vec<String>,
    /// Extra directories to search for Python distributions (virtual environments).
    pub python_paths: Vec<PathBuf>,
    /// The state directory, where the pending-updates cache lives; `None` runs apt every time.
    pub state_dir: Option<PathBuf>,
}

/// Collects the complete inventory of this host.
pub fn collect(opts: &CollectOptions) -> Inventory {
    let mut sources = Vec::new();
    let facts = facts::host_facts(&mut sources);

    let mut packages = Vec::new();
    let distro = packages::ecosystem(&facts.os, "Debian");
    let (dpkg, dpkg_report) = packages::dpkg_packages(Path::new(packages::DPKG_STATUS), &distro);
    packages.extend(dpkg);
    sources.push(dpkg_report);
    let (rpm, rpm_report) = packages::rpm_packages(&distro);
    packages.extend(rpm);
    sources.push(rpm_report);
    let (python, python_report) = packages::python_packages(&opts.python_paths);
    packages.extend(python);
    sources.push(python_report);

    let (pending_updates, updates_report) =
        crate::updates::collect_updates(opts.state_dir.as_deref());
    sources.push(updates_report);

    let mut inventory = Inventory {
        facts,
        packages,
        pending_updates,
        sources,
        tags: opts.tags.clone(),
    };
    inventory.normalize();
    inventory
}
