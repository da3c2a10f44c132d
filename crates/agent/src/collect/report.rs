//! Constructors for [`SourceReport`], so every collector words its outcome the same way.

use std::fmt::Display;
use std::io::ErrorKind;
use std::path::Path;

use steward_core::inventory::{SourceReport, SourceStatus};

/// The source was read completely.
pub(crate) fn ok(name: &str, detail: impl Into<String>) -> SourceReport {
    SourceReport {
        name: name.to_owned(),
        status: SourceStatus::Ok,
        detail: detail.into(),
    }
}

/// The source does not exist on this host.
pub(crate) fn absent(name: &str, detail: impl Into<String>) -> SourceReport {
    SourceReport {
        name: name.to_owned(),
        status: SourceStatus::Absent,
        detail: detail.into(),
    }
}

/// The source exists but could not be read (completely).
pub(crate) fn unreadable(name: &str, path: impl AsRef<Path>, error: impl Display) -> SourceReport {
    let detail = format!("{}: {error}", path.as_ref().display());
    SourceReport {
        name: name.to_owned(),
        status: SourceStatus::Unreadable,
        detail,
    }
}

/// Absent when the file does not exist, unreadable for any other error.
pub(crate) fn from_io(name: &str, path: &Path, error: &std::io::Error) -> SourceReport {
    if error.kind() == ErrorKind::NotFound {
        absent(name, format!("no {}", path.display()))
    } else {
        unreadable(name, path, error)
    }
}
