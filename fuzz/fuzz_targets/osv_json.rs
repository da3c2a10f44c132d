//! Fuzzes the OSV JSON advisory reader: any bytes must give an advisory or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = steward_formats::feeds::osv::read_json(data);
});
