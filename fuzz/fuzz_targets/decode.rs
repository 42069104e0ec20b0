//! cargo-fuzz target `decode`: see `leitmotif_fuzz::decode`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leitmotif_fuzz::decode(data));
