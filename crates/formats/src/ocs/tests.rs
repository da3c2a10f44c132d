use std::io::{Read, Write};

use super::*;
use steward_core::inventory::InstalledPackage;

const MIB: u64 = 1 << 20;
use crate::test_data;

fn read(relative: &str) -> Vec<u8> {
    std::fs::read(test_data::path(relative)).expect("readable test data")
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("in memory");
    encoder.finish().expect("in memory")
}

/// A zlib stream that inflates to `mib` MiB of zeros, built from one compressed MiB repeated
/// (a full flush makes each copy independent), so building it costs no gigabyte of work.
pub(crate) fn zlib_zeros(mib: u32) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
    let mut block = Vec::with_capacity(64 << 10);
    compress
        .compress_vec(&vec![0u8; 1 << 20], &mut block, flate2::FlushCompress::Full)
        .expect("in memory");
    let mut bomb = vec![0x78, 0xda];
    for _ in 0..mib {
        bomb.extend_from_slice(&block);
    }
    // A final empty fixed-Huffman block, then Adler-32 of the zeros (a = 1, b = length).
    bomb.extend_from_slice(&[0x03, 0x00]);
    let b = (u64::from(mib) << 20) % 65521;
    bomb.extend_from_slice(&((b as u32) << 16 | 1).to_be_bytes());
    bomb
}

#[test]
fn the_handmade_bomb_is_valid_zlib() {
    let mut inflated = Vec::new();
    flate2::read::ZlibDecoder::new(&zlib_zeros(3)[..])
        .read_to_end(&mut inflated)
        .expect("valid stream");
    assert_eq!(inflated.len(), 3 << 20);
    assert!(inflated.iter().all(|b| *b == 0));
}

fn inventory(relative: &str) -> (Request, OcsInventory) {
    let (xml, compression) = inflate(&zlib(&read(relative)), &Limits::DEFAULT).expect("inflates");
    assert_eq!(compression, Compression::Zlib);
    let request = parse_request(&xml, &Limits::DEFAULT).expect("parses");
    let mapped = map_inventory(request.content.as_ref().expect("has CONTENT"));
    (request, mapped)
}

#[test]
fn fusioninventory_sample_maps_host_os_and_every_package() {
    let (request, inventory) =
        inventory("inventory/fusioninventory-agent/fusioninventory-inventory.xml");
    assert_eq!(request.query, Query::Inventory);
    assert_eq!(request.device_id, "vm-2026-12-03-15-51-53");

    let facts = &inventory.facts;
    assert_eq!(facts.hostname, "vm");
    assert_eq!(facts.os.id.as_deref(), Some("debian"));
    assert_eq!(facts.os.version_id.as_deref(), Some("12"));
    assert_eq!(facts.os.version_codename.as_deref(), Some("bookworm"));
    assert_eq!(facts.kernel.as_deref(), Some("6.18.44-fc-v1147"));
    assert_eq!(facts.arch.as_deref(), Some("x86_64"));
    assert_eq!(facts.memory_bytes, Some(24105 * MIB));
    assert_eq!(facts.cpu.model.as_deref(), Some("AMD EPYC"));
    assert_eq!(facts.cpu.cores, Some(2));
    assert_eq!(facts.cpu.threads, Some(2));

    let eth0 = facts
        .interfaces
        .iter()
        .find(|i| i.name == "eth0")
        .expect("eth0");
    assert_eq!(eth0.mac.as_deref(), Some("02:00:00:00:00:01"));
    assert_eq!(
        eth0.addresses,
        ["198.51.100.2/24", "2001:db8::2/64", "fe80::db8:1/64"]
    );
    assert_eq!(facts.disks.len(), 1);
    assert_eq!(facts.disks[0].name, "vda");

    // The sample host had 788 packages installed, all from dpkg.
    assert_eq!(inventory.packages.len(), 788);
    assert_eq!(inventory.skipped_software, 0);
    let adduser = inventory
        .packages
        .iter()
        .find(|p| p.name == "adduser")
        .expect("adduser");
    assert_eq!(
        (
            adduser.ecosystem.as_str(),
            adduser.version.as_str(),
            adduser.arch.as_str()
        ),
        ("Debian", "3.134", "all")
    );
}

#[test]
fn ocs_agent_sample_maps_host_os_and_every_package() {
    let (request, inventory) =
        inventory("inventory/ocsinventory-agent/ocsinventory-agent-local.ocs");
    assert_eq!(request.query, Query::Inventory);

    let facts = &inventory.facts;
    assert_eq!(facts.hostname, "vm");
    assert_eq!(facts.os.id.as_deref(), Some("debian"));
    assert_eq!(facts.os.name.as_deref(), Some("Debian GNU/Linux"));
    assert_eq!(facts.os.version_id.as_deref(), Some("12"));
    assert_eq!(
        facts.os.pretty_name.as_deref(),
        Some("Debian GNU/Linux 12 (bookworm)")
    );
    assert_eq!(facts.cpu.sockets, Some(1));
    assert_eq!(facts.cpu.threads, Some(2));
    assert_eq!(facts.filesystems[0].mount_point, "/");
    assert_eq!(facts.filesystems[0].device, "/dev/vda");
    assert_eq!(inventory.packages.len(), 788);
    assert!(inventory.packages.iter().all(|p| !p.name.contains(':')));
}

#[test]
fn both_agents_report_the_same_packages_for_the_same_host() {
    let (_, fusion) = inventory("inventory/fusioninventory-agent/fusioninventory-inventory.xml");
    let (_, ocs) = inventory("inventory/ocsinventory-agent/ocsinventory-agent-local.ocs");
    let keys = |packages: &[InstalledPackage]| {
        let mut keys: Vec<_> = packages.iter().map(InstalledPackage::key).collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&fusion.packages), keys(&ocs.packages));
}

#[test]
fn prolog_is_recognised_plain_or_gzip() {
    let prolog = b"<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<REQUEST>\n  \
        <DEVICEID>host-2026-01-01-00-00-00</DEVICEID>\n  <QUERY>PROLOG</QUERY>\n</REQUEST>\n";
    let (xml, compression) = inflate(prolog, &Limits::DEFAULT).expect("plain");
    assert_eq!(compression, Compression::None);
    assert_eq!(
        parse_request(&xml, &Limits::DEFAULT).expect("parses").query,
        Query::Prolog
    );

    let gzipped = deflate(prolog, Compression::Gzip);
    let (xml, compression) = inflate(&gzipped, &Limits::DEFAULT).expect("gzip");
    assert_eq!(compression, Compression::Gzip);
    assert_eq!(xml, prolog);
}

#[test]
fn zlib_bomb_is_refused_at_the_inflated_bound() {
    let bomb = zlib_zeros(1024);
    assert!(bomb.len() < 2 << 20, "bomb is {} bytes", bomb.len());

    let limits = Limits {
        max_inflated: 8 << 20,
        ..Limits::DEFAULT
    };
    let started = std::time::Instant::now();
    let err = inflate(&bomb, &limits).expect_err("refused");
    assert!(matches!(err, OcsError::Limit { .. }), "{err}");
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn billion_laughs_is_refused_without_expansion() {
    let xml = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>&lol2;</DEVICEID></REQUEST>"#;
    let err = parse_request(xml, &Limits::DEFAULT).expect_err("refused");
    assert!(err.to_string().contains("DOCTYPE"), "{err}");

    // Without the DOCTYPE, an undeclared entity is refused too.
    let xml = b"<REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>&lol2;</DEVICEID></REQUEST>";
    let err = parse_request(xml, &Limits::DEFAULT).expect_err("refused");
    assert!(err.to_string().contains("&lol2;"), "{err}");
}

#[test]
fn depth_and_element_bounds_name_the_line() {
    let deep = format!(
        "<REQUEST>\n{}{}</REQUEST>",
        "<A>".repeat(40),
        "</A>".repeat(40)
    );
    let err = parse_request(deep.as_bytes(), &Limits::DEFAULT).expect_err("too deep");
    assert!(err.to_string().contains("nesting depth at line 2"), "{err}");

    let many = format!("<REQUEST>{}</REQUEST>", "<A/>".repeat(100));
    let limits = Limits {
        max_elements: 50,
        ..Limits::DEFAULT
    };
    let err = parse_request(many.as_bytes(), &limits).expect_err("too many");
    assert!(err.to_string().contains("number of XML elements"), "{err}");
}

#[test]
fn malformed_requests_say_what_is_wrong() {
    let cases: [(&[u8], &str); 6] = [
        (b"<REPLY/>", "not <REQUEST>"),
        (b"<REQUEST><DEVICEID>x</DEVICEID></REQUEST>", "no <QUERY>"),
        (b"<REQUEST><QUERY>PROLOG</QUERY></REQUEST>", "<DEVICEID>"),
        (
            b"<REQUEST><QUERY>PROLOG</QUERY>",
            "<REQUEST> is never closed",
        ),
        (b"<REQUEST><QUERY>PROLOG</REQUEST>", "malformed XML"),
        (b"\xff\xfe<REQUEST/>", "not UTF-8"),
    ];
    for (xml, expected) in cases {
        let err = parse_request(xml, &Limits::DEFAULT).expect_err("refused");
        assert!(err.to_string().contains(expected), "{err} lacks {expected}");
    }
    let err = inflate(b"\x00\x01binary", &Limits::DEFAULT).expect_err("refused");
    assert!(err.to_string().contains("neither zlib"), "{err}");
}

#[test]
fn nul_characters_are_refused_raw_or_as_references_with_their_line() {
    let cases: [&[u8]; 3] = [
        b"<REQUEST>\n<QUERY>PROLOG</QUERY>\n<DEVICEID>a\x00b</DEVICEID></REQUEST>",
        b"<REQUEST>\n<QUERY>PROLOG</QUERY>\n<DEVICEID>a&#0;b</DEVICEID></REQUEST>",
        b"<REQUEST>\n<QUERY>PROLOG</QUERY>\n<DEVICEID>a&#x0;b</DEVICEID></REQUEST>",
    ];
    for xml in cases {
        let err = parse_request(xml, &Limits::DEFAULT).expect_err("refused");
        let text = err.to_string();
        // quick-xml refuses `&#0;` itself ("0x0 character is not permitted"); the raw byte is ours.
        let named = text.contains("NUL") || text.contains("0x0 character");
        assert!(text.contains("line 3") && named, "{text}");
    }
    let err = inflate(b"\x00\x01binary", &Limits::DEFAULT).expect_err("refused");
    assert!(err.to_string().contains("neither zlib"), "{err}");
}
