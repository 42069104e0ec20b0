//! cargo-fuzz target `alac`: see `leitmotif_fuzz::alac`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leitmotif_fuzz::alac(data));
