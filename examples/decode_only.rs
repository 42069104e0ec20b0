//! Decodes files with leitmotif's decoder only (no resampling, no analysis) and prints the
//! frames, the audio duration, the wall time and the warnings: how fast decoding itself is.
//!
//! usage: cargo run --release --example decode_only -- FILE...

use std::time::Instant;

fn main() {
    for arg in std::env::args().skip(1) {
        let path = std::path::Path::new(&arg);
        let started = Instant::now();
        let mut decoder = match leitmotif::audio::Decoder::open(path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{e}");
                continue;
            }
        };
        let result = loop {
            match decoder.next_chunk() {
                Ok(Some(_)) => {}
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        decoder.finish_warnings();
        let info = decoder.info();
        let frames = decoder.frames_decoded();
        let secs = started.elapsed().as_secs_f64();
        let audio_h = frames as f64 / info.sample_rate.max(1) as f64 / 3600.0;
        println!(
            "{arg}: {} {} {} Hz × {}: {frames} frames = {audio_h:.2} h of audio in {secs:.2} s \
             ({:.0}× real time){}; warnings {:?}",
            info.container,
            info.codec,
            info.sample_rate,
            info.channels,
            audio_h * 3600.0 / secs,
            result
                .err()
                .map(|e| format!("; error: {e}"))
                .unwrap_or_default(),
            decoder.warnings()
        );
    }
}
