//! Fuzzes the dpkg status reader: any text must give packages or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = steward_formats::dpkg::parse_status(text, "Debian");
    }
});
