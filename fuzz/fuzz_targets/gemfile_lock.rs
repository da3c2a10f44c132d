//! Fuzzes the Gemfile.lock reader: any bytes must give an application or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steward_formats::lockfile::{LockfileKind, read};
use steward_formats::sbom::Limits;

fuzz_target!(|data: &[u8]| {
    let _ = read(LockfileKind::Gemfile, data, &Limits::DEFAULT);
});
