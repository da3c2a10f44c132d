//! `Cargo.lock`, in every format Cargo has written: v1 (checksums in a `[metadata]` table),
//! v2 (checksums inline, no `version` key), v3 and v4 (`version = 3` / `version = 4`).
//!
//! Only the `[[package]]` tables matter for assessment: name, version, source and checksum.
//! Dependency edges are not read. The OSV ecosystem of a crates.io package is `crates.io`;
//! packages from git, a path or another registry are kept with their source so that a caller
//! can report them without matching them against crates.io advisories, as cargo-audit does.

use std::collections::HashMap;

use toml::{Table, Value};

use crate::ParseError;

/// The largest `Cargo.lock` accepted: 32 MiB (a 600-crate lockfile is about 100 KiB).
pub const MAX_BYTES: usize = 32 << 20;

/// The newest lockfile format this reader knows.
const NEWEST_FORMAT: i64 = 4;

/// crates.io's index, as Cargo writes it in `source` (git and sparse protocols).
const CRATES_IO_SOURCES: &[&str] = &[
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

/// A parsed `Cargo.lock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lockfile {
    /// The format version: 1 to 4 (1 and 2 have no `version` key and are told apart by the
    /// `[metadata]` table of v1).
    pub format: u32,
    /// Every `[[package]]`, in file order.
    pub packages: Vec<LockedPackage>,
}

/// One locked package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    /// Crate name, as written.
    pub name: String,
    /// Exact version, as written.
    pub version: String,
    /// Where the package came from.
    pub source: Source,
    /// SHA-256 of the `.crate` file, when the lockfile records one (inline, or in v1's
    /// `[metadata]`).
    pub checksum: Option<String>,
}

impl LockedPackage {
    /// Whether this is a release published on crates.io, the packages crates.io advisories
    /// describe.
    pub fn is_crates_io(&self) -> bool {
        self.source == Source::CratesIo
    }
}

/// Where a locked package came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// crates.io.
    CratesIo,
    /// Another registry, by its `source` string (`registry+URL` or `sparse+URL`).
    Registry(String),
    /// A git repository, by its `source` string (`git+URL?rev=…#commit`).
    Git(String),
    /// No `source`: a workspace member or path dependency.
    Local,
    /// A source kind this reader does not know, as written.
    Other(String),
}

impl Source {
    fn parse(source: Option<&str>) -> Source {
        match source {
            None => Source::Local,
            Some(s) if CRATES_IO_SOURCES.contains(&s) => Source::CratesIo,
            Some(s) if s.starts_with("registry+") || s.starts_with("sparse+") => {
                Source::Registry(s.to_owned())
            }
            Some(s) if s.starts_with("git+") => Source::Git(s.to_owned()),
            Some(s) => Source::Other(s.to_owned()),
        }
    }
}

/// Whether `text` looks like a `Cargo.lock`: a `[[package]]` table with a `name` and a
/// `version`, in a file with none of the markers of Python's TOML lockfiles (poetry.lock's
/// `python-versions` and `[package.source]`, uv.lock's `requires-python`).
pub fn looks_like(text: &str) -> bool {
    let head: String = text.chars().take(64 << 10).collect();
    let python = [
        "python-versions",
        "requires-python",
        "[package.source]",
        "[[package.files]]",
    ];
    head.lines().any(|line| line.trim() == "[[package]]")
        && head.contains("\nname = ")
        && head.contains("\nversion = ")
        && !python.iter().any(|marker| head.contains(marker))
}

/// Reads a `Cargo.lock`. Errors name the package (by its 0-based index in the file), the
/// field and the line.
pub fn parse(text: &str) -> Result<Lockfile, ParseError> {
    if text.len() > MAX_BYTES {
        return Err(ParseError::TooLarge {
            line: 1,
            what: "Cargo.lock",
            limit: MAX_BYTES,
        });
    }
    let table: Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e.span().map_or(1, |span| line_of(text, span.start));
        ParseError::line(line, e.message().to_owned())
    })?;

    let format = format_of(&table)?;
    let checksums = metadata_checksums(&table);
    let lines = package_lines(text);
    let packages = match table.get("package") {
        None => Vec::new(),
        Some(Value::Array(packages)) => packages
            .iter()
            .enumerate()
            .map(|(index, value)| {
                let line = lines.get(index).copied().unwrap_or(1);
                locked_package(index, line, value, &checksums)
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(ParseError::field(1, "package", "is not an array of tables")),
    };
    Ok(Lockfile { format, packages })
}

/// The format version: the `version` key, else 1 with a `[metadata]` table, else 2.
fn format_of(table: &Table) -> Result<u32, ParseError> {
    match table.get("version") {
        None if table.contains_key("metadata") => Ok(1),
        None => Ok(2),
        Some(Value::Integer(v)) if (1..=NEWEST_FORMAT).contains(v) => Ok(*v as u32),
        Some(Value::Integer(v)) => Err(ParseError::field(
            1,
            "version",
            format!("lockfile format {v} is not supported (known: 1 to {NEWEST_FORMAT})"),
        )),
        Some(_) => Err(ParseError::field(1, "version", "is not an integer")),
    }
}

/// v1's checksums: `"checksum NAME VERSION (SOURCE)" = "HASH"` in `[metadata]`, keyed by
/// (name, version, source).
fn metadata_checksums(table: &Table) -> HashMap<(String, String, String), String> {
    let Some(Value::Table(metadata)) = table.get("metadata") else {
        return HashMap::new();
    };
    metadata
        .iter()
        .filter_map(|(key, value)| {
            let rest = key.strip_prefix("checksum ")?;
            let mut parts = rest.splitn(3, ' ');
            let name = parts.next()?.to_owned();
            let version = parts.next()?.to_owned();
            let source = parts
                .next()?
                .strip_prefix('(')?
                .strip_suffix(')')?
                .to_owned();
            let hash = value.as_str().filter(|h| !h.is_empty() && *h != "<none>")?;
            Some(((name, version, source), hash.to_owned()))
        })
        .collect()
}

/// One `[[package]]` table.
fn locked_package(
    index: usize,
    line: usize,
    value: &Value,
    checksums: &HashMap<(String, String, String), String>,
) -> Result<LockedPackage, ParseError> {
    let field = |name: &str| format!("package[{index}].{name}");
    let Value::Table(package) = value else {
        return Err(ParseError::field(
            line,
            &format!("package[{index}]"),
            "is not a table",
        ));
    };
    let text = |name: &str, required: bool| -> Result<Option<String>, ParseError> {
        match package.get(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
            Some(Value::String(_)) => Err(ParseError::field(line, &field(name), "is empty")),
            Some(_) => Err(ParseError::field(line, &field(name), "is not a string")),
            None if required => Err(ParseError::field(line, &field(name), "is missing")),
            None => Ok(None),
        }
    };

    let name = text("name", true)?.unwrap_or_default();
    let version = text("version", true)?.unwrap_or_default();
    let source_text = text("source", false)?;
    let checksum = match text("checksum", false)? {
        Some(sum) => Some(sum),
        None => source_text.as_ref().and_then(|source| {
            checksums
                .get(&(name.clone(), version.clone(), source.clone()))
                .cloned()
        }),
    };
    Ok(LockedPackage {
        source: Source::parse(source_text.as_deref()),
        name,
        version,
        checksum,
    })
}

/// The 1-based line of each `[[package]]` header, in order.
fn package_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.trim() == "[[package]]")
        .map(|(index, _)| index + 1)
        .collect()
}

/// The 1-based line holding byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = r#"[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "serde 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)",
]

[[package]]
name = "serde"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "url"
version = "2.0.0"
source = "git+https://github.com/servo/rust-url?rev=7f1bd6c#7f1bd6ce1c2fde599a757302a843a60e714c5f72"

[metadata]
"checksum serde 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)" = "abc123"
"#;

    const V2: &str = r#"# This file is automatically @generated by Cargo.
[[package]]
name = "serde"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "abc123"

[[package]]
name = "private"
version = "0.3.0"
source = "registry+https://my-registry.example/index"
"#;

    fn with_version(version: u32) -> String {
        format!(
            "version = {version}\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\n\
             source = \"sparse+https://index.crates.io/\"\nchecksum = \"abc123\"\n"
        )
    }

    fn summary(lock: &Lockfile) -> Vec<(String, String, Source, Option<String>)> {
        lock.packages
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.version.clone(),
                    p.source.clone(),
                    p.checksum.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn reads_v1_with_checksums_from_metadata() {
        let lock = parse(V1).expect("v1 parses");
        assert_eq!(lock.format, 1);
        assert_eq!(
            summary(&lock),
            vec![
                ("app".into(), "0.1.0".into(), Source::Local, None),
                (
                    "serde".into(),
                    "1.0.0".into(),
                    Source::CratesIo,
                    Some("abc123".into())
                ),
                (
                    "url".into(),
                    "2.0.0".into(),
                    Source::Git(
                        "git+https://github.com/servo/rust-url?rev=7f1bd6c\
                         #7f1bd6ce1c2fde599a757302a843a60e714c5f72"
                            .into()
                    ),
                    None
                ),
            ]
        );
        let crates_io: Vec<bool> = lock
            .packages
            .iter()
            .map(LockedPackage::is_crates_io)
            .collect();
        assert_eq!(crates_io, vec![false, true, false]);
    }

    #[test]
    fn reads_v2_with_inline_checksums_and_other_registries() {
        let lock = parse(V2).expect("v2 parses");
        assert_eq!(lock.format, 2);
        assert_eq!(
            summary(&lock),
            vec![
                (
                    "serde".into(),
                    "1.0.0".into(),
                    Source::CratesIo,
                    Some("abc123".into())
                ),
                (
                    "private".into(),
                    "0.3.0".into(),
                    Source::Registry("registry+https://my-registry.example/index".into()),
                    None
                ),
            ]
        );
    }

    #[test]
    fn reads_v3_and_v4_and_the_sparse_crates_io_index() {
        for version in [3, 4] {
            let lock = parse(&with_version(version)).expect("parses");
            assert_eq!(lock.format, version);
            assert_eq!(
                summary(&lock),
                vec![(
                    "serde".into(),
                    "1.0.0".into(),
                    Source::CratesIo,
                    Some("abc123".into())
                )]
            );
        }
    }

    #[test]
    fn refuses_a_format_newer_than_it_knows() {
        let err = parse(&with_version(5)).expect_err("v5 refused");
        assert_eq!(
            err.to_string(),
            "line 1: field version: lockfile format 5 is not supported (known: 1 to 4)"
        );
    }

    #[test]
    fn errors_name_the_package_index_field_and_line() {
        let text = "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n\
                    [[package]]\nname = \"b\"\n";
        let err = parse(text).expect_err("missing version");
        assert_eq!(
            err.to_string(),
            "line 7: field package[1].version: is missing"
        );

        let text = "[[package]]\nname = \"a\"\nversion = 1\n";
        let err = parse(text).expect_err("version not a string");
        assert_eq!(
            err.to_string(),
            "line 1: field package[0].version: is not a string"
        );

        let err = parse("[[package]]\nname = \"a\nversion = \"1\"\n").expect_err("bad TOML");
        assert!(err.to_string().starts_with("line 2:"), "{err}");
    }

    #[test]
    fn refuses_input_over_the_bound() {
        let huge = " ".repeat(MAX_BYTES + 1);
        assert!(matches!(parse(&huge), Err(ParseError::TooLarge { .. })));
    }

    #[test]
    fn an_empty_lockfile_has_no_packages() {
        let lock = parse("version = 4\n").expect("parses");
        assert!(lock.packages.is_empty());
    }

    #[test]
    fn recognises_cargo_lock_by_content() {
        assert!(looks_like(V1));
        assert!(looks_like(V2));
        assert!(looks_like(&with_version(4)));
        let poetry =
            "[[package]]\nname = \"django\"\nversion = \"4.2\"\npython-versions = \">=3.8\"\n";
        assert!(!looks_like(poetry));
        assert!(!looks_like("{\"lockfileVersion\": 2}"));
    }

    #[test]
    fn reads_the_real_lockfiles_in_the_test_data() {
        let cases = [
            ("vaultwarden-1.13.0-Cargo.lock", 1, 315),
            ("vaultwarden-2026-08-Cargo.lock", 4, 623),
            ("cargo-audit-0.22.2-Cargo.lock", 4, 399),
        ];
        for (file, format, count) in cases {
            let path = crate::test_data::path(&format!("lockfiles/rust/{file}"));
            let text = std::fs::read_to_string(&path).expect("readable");
            assert!(looks_like(&text), "{file}");
            let lock = parse(&text).expect("parses");
            assert_eq!(
                (lock.format, lock.packages.len()),
                (format, count),
                "{file}"
            );
            let unsummed = lock
                .packages
                .iter()
                .filter(|p| p.is_crates_io() && p.checksum.is_none())
                .count();
            assert_eq!(
                unsummed, 0,
                "{file}: every crates.io package has a checksum"
            );
        }
    }
}
