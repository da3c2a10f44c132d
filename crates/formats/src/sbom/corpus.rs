//! Reads every file of the shared SBOM corpus (`sbom/` of the test data, archives included),
//! recognises each by content, and checks the component count of every document against a
//! count taken independently from the raw JSON, XML or tag-value text.

use std::io::Read;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::Value;

use super::{Limits, SbomFormat, detect, read};
use crate::test_data;

/// One file of the corpus: its path (inside its archive, for archived files) and content.
struct CorpusFile {
    path: String,
    bytes: Vec<u8>,
}

fn collect(dir: &Path, prefix: &str, out: &mut Vec<CorpusFile>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let shown = format!("{prefix}{name}");
        if path.is_dir() {
            collect(&path, &format!("{shown}/"), out);
        } else if name.ends_with(".tar.zst") {
            unpack(&path, &shown, out);
        } else {
            let bytes = std::fs::read(&path).expect("readable file");
            out.push(CorpusFile { path: shown, bytes });
        }
    }
}

fn unpack(path: &Path, shown: &str, out: &mut Vec<CorpusFile>) {
    let file = std::io::BufReader::new(std::fs::File::open(path).expect("archive opens"));
    let zstd = ruzstd::decoding::StreamingDecoder::new(file).expect("zstd archive");
    let mut archive = tar::Archive::new(zstd);
    for entry in archive.entries().expect("tar entries") {
        let mut entry = entry.expect("tar entry");
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let inner = entry
            .path()
            .expect("entry path")
            .to_string_lossy()
            .into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("entry reads");
        out.push(CorpusFile {
            path: format!("{shown}!{inner}"),
            bytes,
        });
    }
}

/// The document's own component count, by each format's definition, from the raw text.
fn document_count(format: SbomFormat, bytes: &[u8]) -> usize {
    match format {
        SbomFormat::CycloneDxJson => {
            let value: Value = serde_json::from_slice(bytes).expect("JSON");
            cyclonedx_json_count(&value["components"])
        }
        SbomFormat::CycloneDxXml => cyclonedx_xml_count(bytes),
        SbomFormat::Spdx2Json => {
            let value: Value = serde_json::from_slice(bytes).expect("JSON");
            value["packages"].as_array().map_or(0, Vec::len)
        }
        SbomFormat::Spdx2TagValue => String::from_utf8_lossy(bytes)
            .lines()
            .filter(|line| line.trim_start().starts_with("PackageName:"))
            .count(),
        SbomFormat::Spdx3JsonLd => {
            let value: Value = serde_json::from_slice(bytes).expect("JSON");
            let kinds = ["software_Package", "ai_AIPackage", "dataset_DatasetPackage"];
            let graph = value["@graph"].as_array().cloned().unwrap_or_default();
            graph
                .iter()
                .filter(|e| e["type"].as_str().is_some_and(|t| kinds.contains(&t)))
                .count()
        }
    }
}

/// Component objects anywhere under `components`, following only `components` keys.
fn cyclonedx_json_count(components: &Value) -> usize {
    let list = components.as_array().map(Vec::as_slice).unwrap_or_default();
    list.iter()
        .map(|c| 1 + cyclonedx_json_count(&c["components"]))
        .sum()
}

/// `<component>` elements whose parent is a `<components>` that is the root's child or a
/// counted component's child.
fn cyclonedx_xml_count(bytes: &[u8]) -> usize {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let mut reader = Reader::from_str(text);
    // Each open element: its name and whether it is part of the counted tree.
    let mut stack: Vec<(String, bool)> = Vec::new();
    let mut count = 0;
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (start, empty) = match event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = start.local_name().as_ref().to_owned();
        let in_tree = match stack.last() {
            None => true,
            Some((parent, parent_in_tree)) => {
                let grandparent_ok = stack.len() == 1 || *parent_in_tree;
                match (parent.as_str(), name.as_str()) {
                    ("components", "component") => *parent_in_tree,
                    (_, "components") => {
                        grandparent_ok && (stack.len() == 1 || parent == "component")
                    }
                    _ => false,
                }
            }
        };
        if in_tree && name == "component" {
            count += 1;
        }
        if !empty {
            stack.push((name, in_tree));
        }
    }
    count
}

#[test]
fn every_sbom_in_the_corpus_imports_with_the_documents_component_count() {
    let root = test_data::path("sbom");
    let mut files = Vec::new();
    collect(&root, "sbom/", &mut files);

    let (mut imported, mut refused, mut skipped) = (Vec::new(), Vec::new(), 0);
    for file in &files {
        let Some(format) = detect(&file.bytes) else {
            println!("{}: not an SBOM, skipped", file.path);
            skipped += 1;
            continue;
        };
        match read(&file.bytes, &Limits::DEFAULT) {
            Ok(sbom) => {
                let ours = sbom.application.components.len();
                let theirs = document_count(format, &file.bytes);
                println!("{}: {ours} components ({})", file.path, format.as_str());
                assert_eq!(ours, theirs, "{}: component count", file.path);
                imported.push(file.path.clone());
            }
            Err(err) => {
                println!("{}: refused: {err}", file.path);
                refused.push(format!("{}: {err}", file.path));
            }
        }
    }

    println!(
        "{} imported, {} refused, {skipped} not SBOMs",
        imported.len(),
        refused.len()
    );
    assert!(refused.is_empty(), "refused valid documents: {refused:#?}");
    assert_eq!(
        imported.len(),
        82 + 48 + 8,
        "every CycloneDX, SPDX and generated document"
    );
}

#[test]
fn every_imported_sbom_exports_as_valid_cyclonedx_1_6_with_its_components() {
    let root = test_data::path("sbom");
    let mut files = Vec::new();
    collect(&root, "sbom/", &mut files);
    let validator = super::export::tests::validator();
    let now = "2026-12-03T12:00:00Z".parse().expect("time");

    let mut exported = 0;
    for file in &files {
        let Ok(sbom) = read(&file.bytes, &Limits::DEFAULT) else {
            continue;
        };
        let subject = super::export::Subject::Application;
        let document = super::export::cyclonedx_json(&sbom.application, subject, now);
        super::export::tests::assert_valid(&validator, &document, &file.path);
        let count = document["components"].as_array().map_or(0, Vec::len);
        assert_eq!(count, sbom.application.components.len(), "{}", file.path);
        exported += 1;
    }
    assert_eq!(
        exported,
        82 + 48 + 8,
        "every imported document was exported"
    );
}
