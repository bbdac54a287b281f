//! Addresses, address sets, times and ports from any text: parsed without a panic, and
//! what parses formats and parses back to the same value.
#![no_main]

use compound_atlas_core::values::address::{format_address_set, parse_address_set};
use compound_atlas_core::values::scalars::{parse_port, parse_port_bytes, parse_port_range};
use compound_atlas_core::values::time::{DateOnly, TimeRules, format_time, parse_time_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(parsed) = parse_address_set(&text) {
        let again = parse_address_set(&format_address_set(parsed.set)).unwrap();
        assert_eq!(again.set, parsed.set, "{text:?}");
    }
    let _ = parse_port(&text);
    let _ = parse_port_bytes(bytes);
    if let Ok(range) = parse_port_range(&text) {
        assert!(range.first <= range.last, "{text:?}");
    }
    for date_only in [DateOnly::Reject, DateOnly::StartOfDay, DateOnly::EndOfDay] {
        if let Ok(time) = parse_time_bytes(bytes, TimeRules::default(), date_only) {
            let _ = format_time(time.nanos);
        }
    }
});
