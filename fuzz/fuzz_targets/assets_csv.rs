//! Fuzzes the asset CSV reader, and checks that what it reads writes back and reads again
//! to the same records (the export/import round trip).
#![no_main]

use libfuzzer_sys::fuzz_target;
use steward_formats::assets_csv::{read, write};
use steward_formats::sbom::Limits;

fuzz_target!(|data: &[u8]| {
    let Ok(sheet) = read(data, &Limits::DEFAULT) else {
        return;
    };
    let records: Vec<_> = sheet.rows.into_iter().map(|r| r.record).collect();
    let again = read(&write(&records), &Limits::DEFAULT).expect("an export reads back");
    let back: Vec<_> = again.rows.into_iter().map(|r| r.record).collect();
    assert_eq!(back, records, "an export reads back unchanged");
    assert!(again.errors.is_empty(), "{:?}", again.errors);
});
