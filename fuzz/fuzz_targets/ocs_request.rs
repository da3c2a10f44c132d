//! Fuzzes the OCS/FusionInventory request reader (inflation, bounded XML, mapping of an
//! inventory's content): any bytes must give a request or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steward_formats::ocs::{Limits, inflate, map_inventory, parse_request};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::DEFAULT;
    let Ok((xml, _)) = inflate(data, &limits) else {
        return;
    };
    if let Ok(request) = parse_request(&xml, &limits)
        && let Some(content) = request.content
    {
        let _ = map_inventory(&content);
    }
});
