//! The RPM database as `rpm -qa --queryformat` prints it.
//!
//! The agent runs rpm with [`QUERY_FORMAT`]: one tab-separated row per package with NAME,
//! EPOCHNUM, VERSION, RELEASE, ARCH and SOURCERPM. Older rpm without `EPOCHNUM` may be given
//! `%{EPOCH}` instead, whose missing value prints as `(none)`; both are accepted. The version
//! is `E:V-R` when the epoch is non-zero, else `V-R`, as RPM-based OSV ecosystems write it.
//! The source package name and version come from the source RPM's file name; the source
//! version carries the binary's epoch, since both come out of one build.

use steward_core::inventory::{InstalledPackage, PackageSource};

use crate::ParseError;

/// The `--queryformat` argument whose output [`parse_query`] reads.
pub const QUERY_FORMAT: &str =
    "%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n";

/// The most rows accepted.
pub const MAX_ROWS: usize = 200_000;

/// rpm's placeholder for a tag without a value.
const NONE: &str = "(none)";

/// Parses the query output, labelling every package with `ecosystem` (`AlmaLinux`, `openSUSE`).
pub fn parse_query(text: &str, ecosystem: &str) -> Result<Vec<InstalledPackage>, ParseError> {
    let mut packages = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        if packages.len() == MAX_ROWS {
            return Err(ParseError::TooLarge {
                line: line_number,
                what: "rows",
                limit: MAX_ROWS,
            });
        }
        packages.push(parse_row(line, line_number, ecosystem)?);
    }
    Ok(packages)
}

/// Parses one row.
fn parse_row(line: &str, number: usize, ecosystem: &str) -> Result<InstalledPackage, ParseError> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [name, epoch, version, release, arch, source_rpm] = fields[..] else {
        let message = format!("expected 6 tab-separated fields, found {}", fields.len());
        return Err(ParseError::line(number, message));
    };
    if name.is_empty() || version.is_empty() {
        return Err(ParseError::field(number, "NAME/VERSION", "empty"));
    }
    let epoch = match epoch {
        "" | NONE => 0,
        e => e
            .parse::<u64>()
            .map_err(|_| ParseError::field(number, "EPOCH", format!("not a number: {e}")))?,
    };
    let with_epoch = |vr: String| {
        if epoch == 0 {
            vr
        } else {
            format!("{epoch}:{vr}")
        }
    };
    let full_version = if release.is_empty() || release == NONE {
        with_epoch(version.to_owned())
    } else {
        with_epoch(format!("{version}-{release}"))
    };
    let (source_name, source_version) = match source_rpm {
        "" | NONE => (None, None),
        file => {
            let (n, vr) = split_source_rpm(file).ok_or_else(|| {
                ParseError::field(
                    number,
                    "SOURCERPM",
                    format!("not NAME-VERSION-RELEASE: {file}"),
                )
            })?;
            (Some(n.to_owned()), Some(with_epoch(vr.to_owned())))
        }
    };
    Ok(InstalledPackage {
        ecosystem: ecosystem.to_owned(),
        name: name.to_owned(),
        version: full_version,
        arch: if arch == NONE {
            String::new()
        } else {
            arch.to_owned()
        },
        source_name,
        source_version,
        source: PackageSource::Rpm,
        status: "installed".to_owned(),
    })
}

/// Splits `bash-5.1.8-6.el9.src.rpm` into (`bash`, `5.1.8-6.el9`).
fn split_source_rpm(file: &str) -> Option<(&str, &str)> {
    let stem = file
        .strip_suffix(".src.rpm")
        .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (name_version, _release) = stem.rsplit_once('-')?;
    let (name, _version) = name_version.rsplit_once('-')?;
    let version_release = &stem[name.len() + 1..];
    (!name.is_empty()).then_some((name, version_release))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_epoch_versions_and_source_packages() {
        let text = "bash\t0\t5.1.8\t6.el9\tx86_64\tbash-5.1.8-6.el9.src.rpm\n\
                    openssl-libs\t1\t3.0.7\t27.el9\tx86_64\topenssl-3.0.7-27.el9.src.rpm\n\
                    gpg-pubkey\t(none)\tfd431d51\t4ae0493b\t(none)\t(none)\n";
        let packages = parse_query(text, "AlmaLinux").unwrap();
        let rows: Vec<_> = packages
            .iter()
            .map(|p| {
                let (sn, sv) = (p.source_name.as_deref(), p.source_version.as_deref());
                (p.name.as_str(), p.version.as_str(), p.arch.as_str(), sn, sv)
            })
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "bash",
                    "5.1.8-6.el9",
                    "x86_64",
                    Some("bash"),
                    Some("5.1.8-6.el9")
                ),
                (
                    "openssl-libs",
                    "1:3.0.7-27.el9",
                    "x86_64",
                    Some("openssl"),
                    Some("1:3.0.7-27.el9")
                ),
                ("gpg-pubkey", "fd431d51-4ae0493b", "", None, None),
            ]
        );
        assert!(packages.iter().all(|p| p.source == PackageSource::Rpm));
    }

    #[test]
    fn errors_name_line_and_field() {
        let err = parse_query("a\tx\t1\t1\tnoarch\ta-1-1.src.rpm\n", "Fedora").unwrap_err();
        assert_eq!(err.to_string(), "line 1: field EPOCH: not a number: x");
        let err = parse_query("\nb\t0\t1\n", "Fedora").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: expected 6 tab-separated fields, found 3"
        );
        let err = parse_query("c\t0\t1\t1\tnoarch\tbogus.rpm\n", "Fedora").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1: field SOURCERPM: not NAME-VERSION-RELEASE: bogus.rpm"
        );
    }
}
