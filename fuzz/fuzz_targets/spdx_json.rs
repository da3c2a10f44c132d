//! Fuzzes the SPDX 2 JSON reader: any bytes must give a document or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steward_formats::sbom::{Limits, SbomFormat, read_as};

fuzz_target!(|data: &[u8]| {
    let _ = read_as(SbomFormat::Spdx2Json, data, &Limits::DEFAULT);
});
