//! The import and export steps shared by the REST API and the command line.
//!
//! Every document is untrusted and read within [`steward_formats::sbom::Limits::DEFAULT`];
//! errors name the file. A CSV import first plans every row against the stored assets
//! (matched by asset tag, then serial), and writes nothing when any row fails unless bad rows
//! are to be skipped; the write itself is one transaction.

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::Value;
use steward_api::assets::{Asset, CsvImportReport, CsvRowError, CsvRowPlan};
use steward_api::resources::{PackageFilter, PageRequest};
use steward_core::inventory::{Application, AssetRecord, Component, PackageSource};
use steward_formats::assets_csv::{self, Field};
use steward_formats::lockfile::{self, LockfileKind};
use steward_formats::sbom::export::{self, Subject};
use steward_formats::sbom::{self, Limits, SbomFormat, purl};
use steward_store::{Actor, AssetWrite, NewApplication, Store};

use crate::AppError;

/// The largest document accepted by upload: SBOMs, lockfiles and CSV files.
pub const MAX_UPLOAD_BYTES: usize = 64 << 20;

/// The kinds of document that become applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    /// CycloneDX, JSON or XML.
    Cyclonedx,
    /// SPDX 2 JSON or tag-value, SPDX 3 JSON-LD.
    Spdx,
    /// A lockfile, recognised by its file name.
    Lockfile,
}

/// Reads a document into the application it describes. `file_name` names the document in
/// errors and, for lockfiles, tells their kind; `name` overrides the application's name
/// (otherwise the document's, else the file name).
pub fn read_document(
    kind: DocumentKind,
    file_name: &str,
    bytes: &[u8],
    name: Option<&str>,
) -> Result<NewApplication, AppError> {
    let limits = Limits::DEFAULT;
    let file = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let fail = |message: String| AppError::Invalid(format!("{file}: {message}"));
    let (format, application) = match kind {
        DocumentKind::Cyclonedx | DocumentKind::Spdx => {
            let document = sbom::read(bytes, &limits).map_err(|e| fail(e.to_string()))?;
            let cyclonedx = matches!(
                document.format,
                SbomFormat::CycloneDxJson | SbomFormat::CycloneDxXml
            );
            if cyclonedx != (kind == DocumentKind::Cyclonedx) {
                return Err(fail(format!(
                    "this is a {} document, not {}",
                    document.format.as_str(),
                    if cyclonedx { "SPDX" } else { "CycloneDX" }
                )));
            }
            (document.format.as_str(), document.application)
        }
        DocumentKind::Lockfile => {
            let lock = LockfileKind::from_file_name(file).ok_or_else(|| {
                fail(
                    "cannot tell the lockfile kind from the file name: expected Cargo.lock, \
                     package-lock.json, requirements.txt (or *requirements*.txt), poetry.lock, \
                     Gemfile.lock or go.mod"
                        .to_owned(),
                )
            })?;
            let application =
                lockfile::read(lock, bytes, &limits).map_err(|e| fail(e.to_string()))?;
            (lock.as_str(), application)
        }
    };
    refuse_nul(&application).map_err(fail)?;
    let name = name
        .map(str::to_owned)
        .or_else(|| application.name.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| file.to_owned());
    Ok(NewApplication {
        name: name.trim().to_owned(),
        source_format: format.to_owned(),
        source_file: file.to_owned(),
        application,
    })
}

/// Refuses a document with a NUL character (U+0000) in any text it brings, naming where:
/// Steward accepts NUL nowhere, and PostgreSQL cannot store it.
fn refuse_nul(application: &Application) -> Result<(), String> {
    let has = |text: &str| text.contains('\0');
    let optional = |text: &Option<String>| text.as_deref().is_some_and(has);
    if optional(&application.name)
        || optional(&application.version)
        || optional(&application.purl)
        || optional(&application.reference)
    {
        return Err("the application's name, version or purl contains a NUL character".into());
    }
    for (index, c) in application.components.iter().enumerate() {
        let texts = [&c.reference, &c.name];
        let optionals = [&c.ecosystem, &c.version, &c.purl, &c.kind];
        if texts.iter().any(|t| has(t))
            || optionals.iter().any(|t| optional(t))
            || c.licenses.iter().any(|l| has(l))
        {
            return Err(format!(
                "component {} ({:?}) contains a NUL character (U+0000)",
                index + 1,
                c.name.replace('\0', "\\0")
            ));
        }
    }
    let edges = application
        .dependencies
        .iter()
        .any(|d| has(&d.from) || has(&d.to));
    let unresolved = application
        .unresolved
        .iter()
        .any(|u| has(&u.entry) || has(&u.reason));
    if edges || unresolved {
        return Err("a dependency or unresolved entry contains a NUL character (U+0000)".into());
    }
    Ok(())
}

/// Plans a CSV import against the stored assets and, unless `dry_run`, writes it: nothing
/// when any row failed and `skip_bad_rows` is false.
pub async fn import_csv(
    store: &dyn Store,
    bytes: &[u8],
    dry_run: bool,
    skip_bad_rows: bool,
    actor: &Actor,
    now: Timestamp,
) -> Result<CsvImportReport, AppError> {
    let sheet = assets_csv::read(bytes, &Limits::DEFAULT)
        .map_err(|e| AppError::Invalid(format!("CSV: {e}")))?;
    let existing = store.assets(None).await?;
    let (plan, writes, mut errors) = plan_rows(&existing, &sheet.fields, sheet.rows);
    errors.extend(sheet.errors.into_iter().map(|e| CsvRowError {
        row: e.row,
        column: e.column,
        message: e.message,
    }));
    errors.sort_by_key(|e| e.row);

    let blocked = !errors.is_empty() && !skip_bad_rows;
    let imported = !dry_run && !blocked;
    if imported && !writes.is_empty() {
        store.write_assets(&writes, actor, now).await?;
    }
    Ok(CsvImportReport {
        dry_run,
        imported,
        plan,
        errors,
    })
}

/// What each good row does: create, update (with the fields that change) or nothing.
fn plan_rows(
    existing: &[Asset],
    fields: &[Field],
    rows: Vec<assets_csv::SheetRow>,
) -> (Vec<CsvRowPlan>, Vec<AssetWrite>, Vec<CsvRowError>) {
    let by_tag: HashMap<&str, &Asset> = existing
        .iter()
        .filter_map(|a| Some((a.record.asset_tag.as_deref()?, a)))
        .collect();
    let by_serial: HashMap<&str, &Asset> = existing
        .iter()
        .filter_map(|a| Some((a.record.serial.as_deref()?, a)))
        .collect();
    let (mut plan, mut writes, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    let mut claimed: HashMap<i64, usize> = HashMap::new();
    for row in rows {
        let mut record = row.record;
        let by_tag = record
            .asset_tag
            .as_deref()
            .and_then(|t| by_tag.get(t))
            .copied();
        let serial_owner = record
            .serial
            .as_deref()
            .and_then(|s| by_serial.get(s))
            .copied();
        let matched = by_tag.or(serial_owner);
        let error = |column: &str, message: String| CsvRowError {
            row: row.row,
            column: Some(column.to_owned()),
            message,
        };
        if let (Some(m), Some(owner)) = (matched, serial_owner)
            && m.id != owner.id
        {
            errors.push(error(
                "serial",
                format!(
                    "serial already belongs to asset {} ({})",
                    owner.id, owner.record.name
                ),
            ));
            continue;
        }
        if let Some(m) = matched
            && let Some(first) = claimed.insert(m.id, row.row)
        {
            errors.push(error(
                "asset tag",
                format!("duplicate: row {first} also matches asset {}", m.id),
            ));
            continue;
        }
        if let Some(m) = matched {
            keep_absent_fields(&m.record, fields, &mut record);
        }
        let changes = matched.map(|m| changed_fields(&m.record, &record));
        let action = match &changes {
            None => "create",
            Some(c) if c.is_empty() => "unchanged",
            Some(_) => "update",
        };
        if action != "unchanged" {
            writes.push(AssetWrite {
                id: matched.map(|m| m.id),
                record: record.clone(),
            });
        }
        plan.push(CsvRowPlan {
            row: row.row,
            action: action.to_owned(),
            asset_id: matched.map(|m| m.id),
            name: record.name,
            changes: changes.unwrap_or_default(),
        });
    }
    (plan, writes, errors)
}

/// Fields the file has no column for keep their stored values.
fn keep_absent_fields(old: &AssetRecord, fields: &[Field], new: &mut AssetRecord) {
    let absent = |field: Field| !fields.contains(&field);
    if absent(Field::Kind) {
        new.kind = old.kind;
    }
    let optional = [
        (Field::AssetTag, &old.asset_tag, &mut new.asset_tag),
        (Field::Serial, &old.serial, &mut new.serial),
        (Field::Vendor, &old.vendor, &mut new.vendor),
        (Field::Model, &old.model, &mut new.model),
        (Field::Location, &old.location, &mut new.location),
        (Field::Owner, &old.owner, &mut new.owner),
        (Field::Notes, &old.notes, &mut new.notes),
    ];
    for (field, old, new) in optional {
        if absent(field) {
            new.clone_from(old);
        }
    }
    if absent(Field::Tags) {
        new.tags.clone_from(&old.tags);
    }
}

/// `field: old -> new` for every field that differs.
pub(crate) fn changed_fields(old: &AssetRecord, new: &AssetRecord) -> Vec<String> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let pairs = [
        ("name", old.name.clone(), new.name.clone()),
        ("kind", old.kind.to_string(), new.kind.to_string()),
        ("asset tag", text(&old.asset_tag), text(&new.asset_tag)),
        ("serial", text(&old.serial), text(&new.serial)),
        ("vendor", text(&old.vendor), text(&new.vendor)),
        ("model", text(&old.model), text(&new.model)),
        ("location", text(&old.location), text(&new.location)),
        ("owner", text(&old.owner), text(&new.owner)),
        ("tags", old.tags.join("; "), new.tags.join("; ")),
        ("notes", text(&old.notes), text(&new.notes)),
    ];
    pairs
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(field, a, b)| format!("{field}: {a:?} -> {b:?}"))
        .collect()
}

/// Every asset of other kinds as CSV, readable back by [`import_csv`].
pub async fn export_csv(store: &dyn Store) -> Result<Vec<u8>, AppError> {
    let assets = store.assets(None).await?;
    let records: Vec<AssetRecord> = assets.into_iter().map(|a| a.record).collect();
    Ok(assets_csv::write(&records))
}

/// An application as a CycloneDX 1.6 JSON document; `None` when there is no such application.
pub async fn application_sbom(
    store: &dyn Store,
    id: i64,
    now: Timestamp,
) -> Result<Option<Value>, AppError> {
    let Some(detail) = store.application(id).await? else {
        return Ok(None);
    };
    let application = Application {
        name: Some(detail.summary.name),
        version: detail.summary.version,
        purl: detail.purl,
        reference: detail.reference,
        components: detail.components,
        dependencies: detail.dependencies,
        unresolved: detail.unresolved,
    };
    Ok(Some(export::cyclonedx_json(
        &application,
        Subject::Application,
        now,
    )))
}

/// A host's installed packages as a CycloneDX 1.6 JSON document (the host as a `device`);
/// `None` when there is no such host.
pub async fn host_sbom(
    store: &dyn Store,
    id: i64,
    now: Timestamp,
) -> Result<Option<Value>, AppError> {
    let Some(host) = store.host(id).await? else {
        return Ok(None);
    };
    let os = host.summary.os_id.clone().unwrap_or_default();
    let mut components = Vec::new();
    let mut cursor = None;
    loop {
        let page = PageRequest {
            limit: Some(500),
            cursor,
        };
        let packages = store
            .host_packages(id, &PackageFilter::default(), &page)
            .await?;
        for p in packages.items {
            components.push(host_component(&os, p));
        }
        match packages.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let application = Application {
        name: Some(host.summary.hostname),
        components,
        ..Application::default()
    };
    Ok(Some(export::cyclonedx_json(
        &application,
        Subject::Host,
        now,
    )))
}

/// One installed package as a component, with the purl of its package manager.
fn host_component(os_id: &str, package: steward_api::resources::HostPackage) -> Component {
    let source = package_source(&package.ecosystem);
    let purl = match source {
        Some(PackageSource::Dpkg) => distro_purl("deb", os_id, &package),
        Some(PackageSource::Rpm) => distro_purl("rpm", os_id, &package),
        Some(PackageSource::Python) => purl::build("pypi", &package.name, Some(&package.version)),
        _ => None,
    };
    let arch = if package.arch.is_empty() {
        String::new()
    } else {
        format!(":{}", package.arch)
    };
    Component {
        reference: format!(
            "{}/{}{arch}@{}",
            package.ecosystem, package.name, package.version
        ),
        kind: Some(
            if source == Some(PackageSource::Python) {
                "library"
            } else {
                "application"
            }
            .to_owned(),
        ),
        ecosystem: Some(package.ecosystem),
        name: package.name,
        version: Some(package.version),
        purl,
        ..Component::default()
    }
}

/// The package manager behind an ecosystem of host packages.
fn package_source(ecosystem: &str) -> Option<PackageSource> {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    match base {
        "Debian" | "Ubuntu" => Some(PackageSource::Dpkg),
        "PyPI" => Some(PackageSource::Python),
        "AlmaLinux" | "Rocky Linux" | "Red Hat" | "openSUSE" | "SUSE" | "Fedora" => {
            Some(PackageSource::Rpm)
        }
        _ => None,
    }
}

/// `pkg:deb/debian/openssl@3.0.15-1?arch=amd64` and the like.
fn distro_purl(
    ty: &str,
    os_id: &str,
    package: &steward_api::resources::HostPackage,
) -> Option<String> {
    let mut purl = packageurl_string(ty, os_id, &package.name, &package.version)?;
    if !package.arch.is_empty() {
        purl.push_str("?arch=");
        purl.push_str(&percent_encode(&package.arch));
    }
    Some(purl)
}

fn packageurl_string(ty: &str, namespace: &str, name: &str, version: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    let namespace = if namespace.is_empty() {
        String::new()
    } else {
        format!("{}/", percent_encode(&namespace.to_ascii_lowercase()))
    };
    Some(format!(
        "pkg:{ty}/{namespace}{}@{}",
        percent_encode(name),
        percent_encode(version)
    ))
}

/// Percent-encodes everything but the characters a purl segment may hold as they are.
fn percent_encode(text: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'.')
        .remove(b'-')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(text, KEEP).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_packages_get_their_managers_purl() {
        let package = steward_api::resources::HostPackage {
            ecosystem: "Debian".to_owned(),
            name: "libc6".to_owned(),
            version: "2.36-9+deb12u9".to_owned(),
            arch: "amd64".to_owned(),
            source_name: None,
            source_version: None,
            status: "installed".to_owned(),
        };
        let component = host_component("debian", package);
        assert_eq!(
            component.purl.as_deref(),
            Some("pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64")
        );
        assert_eq!(component.reference, "Debian/libc6:amd64@2.36-9+deb12u9");
    }

    #[test]
    fn a_lockfile_needs_a_name_that_tells_its_kind() {
        let err = read_document(DocumentKind::Lockfile, "deps.lock", b"", None).unwrap_err();
        assert!(
            err.to_string().starts_with("deps.lock: cannot tell"),
            "{err}"
        );
    }

    #[test]
    fn an_spdx_document_is_not_taken_as_cyclonedx() {
        let spdx =
            br#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"x","packages":[]}"#;
        let err = read_document(DocumentKind::Cyclonedx, "x.json", spdx, None).unwrap_err();
        assert!(err.to_string().contains("not CycloneDX"), "{err}");
    }
}
