//! cargo-fuzz target `pipeline`: see `leitmotif_fuzz::pipeline`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leitmotif_fuzz::pipeline(data));
