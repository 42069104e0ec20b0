//! cargo-fuzz target `opus`: see `leitmotif_fuzz::opus`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leitmotif_fuzz::opus(data));
