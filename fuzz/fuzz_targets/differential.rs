//! cargo-fuzz target `differential`: see `leitmotif_fuzz::differential`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leitmotif_fuzz::differential(data));
