//! Fuzzes the SPDX 3 JSON-LD reader: any bytes must give a document or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steward_formats::sbom::{Limits, SbomFormat, read_as};

fuzz_target!(|data: &[u8]| {
    let _ = read_as(SbomFormat::Spdx3JsonLd, data, &Limits::DEFAULT);
});
