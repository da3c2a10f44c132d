//! Fuzzes the GLPI agent message reader (inflation, then JSON and its mapping): any bytes must
//! give a message or an error, never a panic; a partial host report merges over a default.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steward_formats::glpi::{Item, Limits, read_body};

fuzz_target!(|data: &[u8]| {
    if let Ok((message, _)) = read_body(data, &Limits::DEFAULT)
        && let Some(Item::Host(host)) = message.item
    {
        let stored = Default::default();
        let _ = host.facts_over(&stored);
        let _ = host.packages_over(&stored);
    }
});
