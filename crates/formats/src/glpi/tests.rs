use std::io::{Read, Write};

use steward_core::inventory::{AssetKind, HostFacts, PackageSource};

use super::*;
use crate::test_data;

const MIB: u64 = 1 << 20;

/// Every example of the GLPI inventory format, by file name, from the shared archive.
pub(crate) fn examples() -> Vec<(String, Vec<u8>)> {
    let path =
        test_data::path("inventory/glpi-inventory-format/glpi-inventory-format-examples.tar.zst");
    let file = std::io::BufReader::new(std::fs::File::open(path).expect("archive opens"));
    let zstd = ruzstd::decoding::StreamingDecoder::new(file).expect("zstd archive");
    let mut archive = tar::Archive::new(zstd);
    let mut examples = Vec::new();
    for entry in archive.entries().expect("tar entries") {
        let mut entry = entry.expect("tar entry");
        let path = entry
            .path()
            .expect("entry path")
            .to_string_lossy()
            .into_owned();
        let Some(name) = path.strip_prefix("inventory_format/examples/") else {
            continue;
        };
        if !name.ends_with(".json") {
            continue;
        }
        let name = name.to_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("entry reads");
        examples.push((name, bytes));
    }
    examples.sort();
    examples
}

fn example(name: &str) -> Message {
    let examples = examples();
    let (_, bytes) = examples
        .iter()
        .find(|(n, _)| n == name)
        .expect("example exists");
    read(bytes, &Limits::DEFAULT).expect("reads")
}

fn host(message: Message) -> HostReport {
    match message.item {
        Some(Item::Host(host)) => *host,
        other => panic!("not a host: {other:?}"),
    }
}

#[test]
fn every_example_reads_computers_as_hosts_and_the_rest_as_assets() {
    let examples = examples();
    assert_eq!(examples.len(), 20, "the archive holds 20 examples");
    for (name, bytes) in &examples {
        let message = read(bytes, &Limits::DEFAULT).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(message.action, Action::Inventory, "{name}");
        match (name.split('_').next(), message.item) {
            (Some("computer"), Some(Item::Host(host))) => {
                assert!(!host.facts.hostname.is_empty(), "{name}");
            }
            (Some("networkequipment"), Some(Item::Asset(asset))) => {
                assert_eq!(asset.kind, AssetKind::NetworkDevice, "{name}");
                assert!(asset.serial.is_some(), "{name}");
            }
            (Some("printer.json" | "printer"), Some(Item::Asset(asset))) => {
                assert_eq!(asset.kind, AssetKind::Printer, "{name}");
            }
            (Some("phone"), Some(Item::Asset(asset))) => {
                assert_eq!(asset.kind, AssetKind::Phone, "{name}");
            }
            (_, item) => panic!("{name}: unexpected {item:?}"),
        }
    }
}

#[test]
fn a_fedora_laptop_maps_hardware_os_and_rpm_packages() {
    let message = example("computer_1.json");
    assert_eq!(message.device_id, "glpixps-2018-07-09-09-07-13");
    assert_eq!(
        message.agent.as_deref(),
        Some("FusionInventory-Agent_v2.5.2-1.fc31")
    );
    let host = host(message);
    let facts = &host.facts;
    assert_eq!(facts.hostname, "glpixps");
    assert_eq!(facts.fqdn, None, "glpixps is no FQDN");
    assert_eq!(facts.os.id.as_deref(), Some("fedora"));
    assert_eq!(facts.os.version_id.as_deref(), Some("31"));
    assert_eq!(
        facts.os.pretty_name.as_deref(),
        Some("Fedora 31 (Workstation Edition)")
    );
    assert_eq!(facts.kernel.as_deref(), Some("5.6.15-200.fc31.x86_64"));
    assert_eq!(facts.arch.as_deref(), Some("x86_64"));
    assert_eq!(facts.dmi.vendor.as_deref(), Some("Dell Inc."));
    assert_eq!(facts.dmi.model.as_deref(), Some("XPS 13 9350"));
    assert_eq!(facts.dmi.serial.as_deref(), Some("640HP72"));
    assert_eq!(
        facts.dmi.uuid.as_deref(),
        Some("4c4c4544-0034-3010-8048-b6c04f503732")
    );
    assert_eq!(facts.memory_bytes, Some(7800 * MIB));
    assert_eq!(
        facts.cpu.model.as_deref(),
        Some("Intel(R) Core(TM) i5-6200U CPU @ 2.30GHz")
    );
    assert_eq!(
        (facts.cpu.sockets, facts.cpu.cores, facts.cpu.threads),
        (Some(1), Some(2), Some(4))
    );
    assert_eq!(facts.disks.len(), 1);
    assert_eq!(facts.disks[0].size_bytes, 256_060 * MIB);
    assert_eq!(facts.filesystems.len(), 6);
    assert_eq!(facts.filesystems[0].mount_point, "/");
    assert_eq!(facts.filesystems[0].device, "/dev/mapper/xps-root");
    let ethernet = facts
        .interfaces
        .iter()
        .find(|i| i.name == "enp57s0u1u4")
        .expect("ethernet interface");
    assert_eq!(ethernet.mac.as_deref(), Some("00:e0:4c:68:01:db"));
    assert!(ethernet.addresses.contains(&"192.168.1.142/24".to_owned()));
    let lo = facts
        .interfaces
        .iter()
        .find(|i| i.name == "lo")
        .expect("lo");
    assert!(lo.virtual_device);
    assert_eq!(lo.addresses, ["127.0.0.1/8", "::1/12"]);

    let packages = host.packages.expect("a full inventory carries packages");
    assert_eq!(packages.len(), 6);
    let gitg = packages.iter().find(|p| p.name == "gitg").expect("gitg");
    assert_eq!(
        (
            gitg.ecosystem.as_str(),
            gitg.version.as_str(),
            gitg.arch.as_str()
        ),
        ("Fedora", "3.32.1-1.fc31", "x86_64")
    );
    assert_eq!(gitg.source, PackageSource::Rpm);
}

#[test]
fn a_partial_inventory_replaces_only_the_parts_it_carries() {
    let full = host(example("computer_1.json"));
    let cpu = host(example("computer_1_partial_cpu.json"));
    assert!(cpu.partial);
    assert_eq!(
        cpu.parts,
        [FactPart::Hardware, FactPart::Bios, FactPart::Cpus]
    );
    assert_eq!(
        cpu.packages, None,
        "no softwares section: packages stay as stored"
    );

    let stored = full.facts_over(&HostFacts::default());
    let mut changed = stored.clone();
    changed.cpu.cores = Some(99);
    let merged = cpu.facts_over(&changed);
    assert_eq!(
        merged, stored,
        "the partial's CPU replaces the changed one, nothing else moves"
    );

    let softs = host(example("computer_1_partial_softs.json"));
    let packages = softs.packages_over(&stored).expect("softwares carried");
    assert_eq!(packages.len(), 6);
    let volumes = host(example("computer_1_partial_volumes.json"));
    let merged = volumes.facts_over(&stored);
    assert_eq!(merged.interfaces, stored.interfaces);
    assert_eq!(merged.filesystems.len(), 6);
}

#[test]
fn network_equipment_and_printers_keep_what_identifies_them() {
    let switch = match example("networkequipment_3.json").item {
        Some(Item::Asset(asset)) => asset,
        other => panic!("{other:?}"),
    };
    assert_eq!(switch.name, "HP-2530-48G");
    assert_eq!(switch.serial.as_deref(), Some("CN5BFP62CP"));
    assert_eq!(switch.vendor.as_deref(), Some("Hewlett-Packard"));
    assert_eq!(switch.model.as_deref(), Some("2530-48G"));
    assert_eq!(switch.asset_tag, None);
    assert_eq!(
        switch.notes.as_deref(),
        Some(
            "GLPI inventory: type Networking; firmware YA.15.12.0015; MAC b0:5a:da:10:10:80; \
             IP 192.168.63.30"
        )
    );
    let phone = match example("phone_1.json").item {
        Some(Item::Asset(asset)) => asset,
        other => panic!("{other:?}"),
    };
    assert_eq!(phone.name, "Mi9TPro-TéléphoneM");
    assert_eq!(phone.serial.as_deref(), Some("af8d8fcfa6fa4794"));
    assert_eq!(phone.model.as_deref(), Some("Mi 9T Pro"));
}

#[test]
fn contact_is_recognised_plain_zlib_or_gzip() {
    let contact = br#"{"action": "contact", "deviceid": "pc-2026-12-04-08-00-00",
        "name": "GLPI-Agent", "version": "1.11", "installed-tasks": ["inventory"]}"#;
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    zlib.write_all(contact).expect("in memory");
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(contact).expect("in memory");
    let bodies = [
        (contact.to_vec(), Compression::None),
        (zlib.finish().expect("in memory"), Compression::Zlib),
        (gzip.finish().expect("in memory"), Compression::Gzip),
    ];
    for (body, expected) in bodies {
        let (message, compression) = read_body(&body, &Limits::DEFAULT).expect("reads");
        assert_eq!(compression, expected);
        assert_eq!(message.action, Action::Contact);
        assert_eq!(message.agent.as_deref(), Some("GLPI-Agent 1.11"));
        assert_eq!(message.item, None);
    }
}

#[test]
fn zlib_bomb_is_refused_at_the_inflated_bound() {
    let bomb = crate::ocs::tests::zlib_zeros(1024);
    let limits = Limits {
        max_inflated: 8 << 20,
        ..Limits::DEFAULT
    };
    let started = std::time::Instant::now();
    let err = inflate(&bomb, &limits).expect_err("refused");
    assert!(matches!(err, GlpiError::Limit { .. }), "{err}");
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn errors_name_the_line_or_the_field() {
    let cases: [(&[u8], &str); 8] = [
        (
            b"{\"action\": \"inventory\",\n\"deviceid\": ",
            "line 2: malformed JSON",
        ),
        (b"{\"deviceid\": \"x\"}", "action: missing"),
        (b"{\"action\": \"contact\"}", "deviceid: must be 1 to 255"),
        (
            b"{\"action\": \"inventory\", \"deviceid\": \"x\"}",
            "content: an inventory needs",
        ),
        (
            b"{\"action\": \"inventory\", \"deviceid\": \"x\", \"content\": {\"cpus\": {}}}",
            "content.cpus: invalid type: map, expected a sequence",
        ),
        (
            b"{\"action\": \"inventory\", \"deviceid\": \"x\", \"content\": {\"bios\": {}}}",
            "content.hardware.name: missing",
        ),
        (
            b"{\"action\": \"inventory\", \"deviceid\": \"a\\u0000b\"}",
            "line 1: a string contains a NUL character",
        ),
        (
            b"{\"action\": \"contact\", \"deviceid\": \"x\"} {}",
            "text after the JSON object",
        ),
    ];
    for (json, expected) in cases {
        let err = read(json, &Limits::DEFAULT).expect_err("refused");
        assert!(err.to_string().contains(expected), "{err} lacks {expected}");
    }
    let deep = format!("{{\"a\":\n{}{}}}", "[".repeat(40), "]".repeat(40));
    let err = read(deep.as_bytes(), &Limits::DEFAULT).expect_err("too deep");
    assert!(err.to_string().contains("line 2: nesting depth"), "{err}");
    let err = inflate(b"\x00\x01binary", &Limits::DEFAULT).expect_err("refused");
    assert!(
        err.to_string().contains("neither zlib, gzip nor JSON"),
        "{err}"
    );
    // An escaped backslash before "u0000" is text, not a NUL.
    let text = br#"{"action": "contact", "deviceid": "a\\u0000b"}"#;
    assert_eq!(
        read(text, &Limits::DEFAULT).expect("reads").device_id,
        r"a\u0000b"
    );
}

#[test]
fn leaf_values_of_either_type_read_as_text() {
    let json = br#"{"action": "inventory", "deviceid": "x", "content": {
        "hardware": {"name": "h", "memory": "2048", "swap": {"odd": 1}},
        "cpus": [{"name": 7, "core": "4", "thread": 8.0}]}}"#;
    let host = host(read(json, &Limits::DEFAULT).expect("reads"));
    assert_eq!(host.facts.memory_bytes, Some(2048 * MIB));
    assert_eq!(host.facts.swap_bytes, None);
    assert_eq!(host.facts.cpu.model.as_deref(), Some("7"));
    assert_eq!(
        (host.facts.cpu.cores, host.facts.cpu.threads),
        (Some(4), Some(8))
    );
}
