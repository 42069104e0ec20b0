//! Fuzz targets over leitmotif's real probe → decode → analyse path, on arbitrary bytes.
//!
//! Each target returns normally on any input that leitmotif handles correctly (a typed error
//! is correct handling) and panics on a bug:
//! * a panic in leitmotif's own code, even one that `Decoder` or `Pipeline` caught and turned
//!   into an error (a process-wide panic hook records every panic's location);
//! * an `internal` error from the pipeline;
//! * for `differential`: own ALAC output that differs from symphonia's, sample for sample.
//!
//! A panic inside symphonia is reported as an upstream finding ([`upstream_panics`]), not a
//! crash: leitmotif catches it and reports the stream as `invalid_stream`, which is correct.

use std::io::Cursor;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use leitmotif::audio::Decoder;
use leitmotif::{AnalysisConfig, ErrorKind, FeatureOptions, Input, Pipeline};

/// Most frames decoded per input: decompression bombs are the pipeline's duration cap's
/// business, not the fuzzer's.
const MAX_FRAMES: u64 = 20_000_000;

static UPSTREAM_PANICS: AtomicU64 = AtomicU64::new(0);
static OWN_PANIC: Mutex<Option<String>> = Mutex::new(None);
static UPSTREAM_SITES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Panics caught inside symphonia (or other third-party crates) so far, with their distinct
/// source locations.
pub fn upstream_panics() -> (u64, Vec<String>) {
    let sites = UPSTREAM_SITES.lock().map(|s| s.clone()).unwrap_or_default();
    (UPSTREAM_PANICS.load(Ordering::Relaxed), sites)
}

fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let loc = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let third_party = loc.contains("/.cargo/registry/") || loc.contains("/rustc/");
            if third_party {
                UPSTREAM_PANICS.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut s) = UPSTREAM_SITES.lock()
                    && !s.contains(&loc)
                {
                    s.push(loc);
                }
            } else {
                if let Ok(mut p) = OWN_PANIC.lock() {
                    *p = Some(format!("{info}"));
                }
                default(info);
            }
        }));
    });
}

/// Runs `f`; panics if leitmotif's own code panicked inside it (caught or not).
fn guarded(f: impl FnOnce()) {
    install_hook();
    if let Ok(mut p) = OWN_PANIC.lock() {
        *p = None;
    }
    f();
    if let Some(msg) = OWN_PANIC.lock().ok().and_then(|mut p| p.take()) {
        panic!("leitmotif panicked on this input: {msg}");
    }
}

/// Decodes `data` (named `name`, whose extension is the format hint) to the end or to
/// [`MAX_FRAMES`]; the samples when it decoded without error.
fn decode_all(data: &[u8], name: &str, keep: bool) -> Option<(Vec<f32>, String)> {
    let mut d = Decoder::open_reader(Path::new(name), Box::new(Cursor::new(data.to_vec()))).ok()?;
    let mut out = Vec::new();
    loop {
        match d.next_chunk() {
            Ok(Some(c)) => {
                assert!(
                    c.samples.iter().all(|x| x.is_finite() && x.abs() <= 64.0),
                    "a sample left the decoder non-finite or beyond ±64"
                );
                if keep {
                    out.extend_from_slice(c.samples);
                }
            }
            Ok(None) => break,
            Err(_) => return None,
        }
        if d.frames_decoded() > MAX_FRAMES {
            break;
        }
    }
    d.finish_warnings();
    let clean = d.warnings().is_empty();
    clean.then(|| (out, d.info().codec.clone()))
}

/// The own ALAC decoder behind symphonia's MP4 demuxer (seeds: ALAC in M4A).
pub fn alac(data: &[u8]) {
    guarded(|| {
        decode_all(data, "fuzz.m4a", false);
    });
}

/// Ogg Opus: symphonia's Ogg demuxer and the registered libopus decoder (seeds: .opus).
pub fn opus(data: &[u8]) {
    guarded(|| {
        decode_all(data, "fuzz.opus", false);
    });
}

/// Probe and decode of any format, no hint (seeds: every format fixture).
pub fn decode(data: &[u8]) {
    guarded(|| {
        decode_all(data, "fuzz", false);
    });
}

/// The whole library: `Pipeline::analyze_input` on the bytes, every feature, 60 s cap.
pub fn pipeline(data: &[u8]) {
    thread_local! {
        static PIPELINE: std::cell::RefCell<Option<Pipeline>> = const { std::cell::RefCell::new(None) };
    }
    guarded(|| {
        PIPELINE.with(|p| {
            let mut p = p.borrow_mut();
            if p.is_none() {
                let config = AnalysisConfig {
                    max_duration_s: Some(60.0),
                    ..AnalysisConfig::default()
                };
                *p = Pipeline::new(config, FeatureOptions::default()).ok();
            }
            if let Some(pipeline) = p.as_mut()
                && let Err(e) = pipeline.analyze_input(Input::Bytes(data), "fuzz")
            {
                assert_ne!(e.kind(), ErrorKind::Internal, "{e}");
            }
        });
    });
}

/// Own ALAC against symphonia's ALAC decoder, sample for sample, wherever both decode the
/// input without error or warning (seeds: ALAC in M4A).
pub fn differential(data: &[u8]) {
    guarded(|| {
        let Some((ours, codec)) = decode_all(data, "fuzz.m4a", true) else {
            return;
        };
        if codec != "alac" {
            return;
        }
        let Some((theirs, deviates)) = symphonia_decode(data) else {
            return;
        };
        if deviates {
            // A packet symphonia decodes differently from Apple's reference (see
            // `symphonia_deviates`): no common truth to compare against.
            return;
        }
        let n = ours.len().min(theirs.len());
        if let Some(i) = (0..n).find(|&i| ours[i].to_bits() != theirs[i].to_bits()) {
            panic!(
                "own ALAC differs from symphonia's at sample {i}: {} vs {}",
                ours[i], theirs[i]
            );
        }
        assert_eq!(
            ours.len(),
            theirs.len(),
            "own ALAC and symphonia differ in length"
        );
    });
}

/// True when an ALAC packet's first element uses a predictor that symphonia-codec-alac 0.6.1
/// decodes differently from Apple's reference decoder (`ALACDecoder.cpp`, `dp_dec.c`):
/// prediction order 31 (Apple: the first-order predictor only; symphonia: that pass followed
/// by an order-31 LPC pass) or a mode of 1–14 (Apple: like mode 15; symphonia: an error).
/// The own decoder follows Apple's. docs/robustness.md.
fn symphonia_deviates(packet: &[u8]) -> bool {
    let bit = |i: usize| packet.get(i / 8).map_or(0, |b| (b >> (7 - i % 8)) & 1) as u32;
    let read = |pos: &mut usize, n: usize| {
        let mut v = 0;
        for _ in 0..n {
            v = (v << 1) | bit(*pos);
            *pos += 1;
        }
        v
    };
    let mut pos = 0;
    let tag = read(&mut pos, 3);
    if tag != 0 && tag != 1 {
        return false;
    }
    pos += 4 + 12;
    let partial = read(&mut pos, 1);
    let _shift = read(&mut pos, 2);
    let escape = read(&mut pos, 1);
    if partial == 1 {
        pos += 32;
    }
    if escape == 1 {
        return false;
    }
    pos += 16; // mix bits, mix residue
    for _ in 0..if tag == 1 { 2 } else { 1 } {
        let mode = read(&mut pos, 4);
        pos += 4 + 3;
        let order = read(&mut pos, 5) as usize;
        if order == 31 || (1..15).contains(&mode) {
            return true;
        }
        pos += 16 * order;
    }
    false
}

/// symphonia's own decoding of `data` (no own decoders), when it has no error at all; with
/// whether some packet is one where symphonia deviates from Apple's reference.
fn symphonia_decode(data: &[u8]) -> Option<(Vec<f32>, bool)> {
    use symphonia::core::codecs::audio::AudioDecoderOptions;
    use symphonia::core::formats::probe::Hint;
    use symphonia::core::formats::{FormatOptions, TrackType};
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;
    let run = || -> Option<(Vec<f32>, bool)> {
        let mss = MediaSourceStream::new(Box::new(Cursor::new(data.to_vec())), Default::default());
        let mut hint = Hint::new();
        hint.with_extension("m4a");
        let mut format = symphonia::default::get_probe()
            .probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .ok()?;
        let track = format.default_track(TrackType::Audio)?;
        let id = track.id;
        let params = track.codec_params.as_ref()?.audio()?.clone();
        let mut dec = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .ok()?;
        let (mut out, mut buf, mut deviates) = (Vec::new(), Vec::new(), false);
        loop {
            match format.next_packet() {
                Ok(Some(p)) if p.track_id == id => {
                    deviates |= symphonia_deviates(&p.data);
                    let audio = dec.decode(&p).ok()?;
                    audio.copy_to_vec_interleaved(&mut buf);
                    out.extend_from_slice(&buf);
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(symphonia::core::errors::Error::IoError(e))
                    if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    break;
                }
                Err(_) => return None,
            }
            if out.len() as u64 > MAX_FRAMES * 2 {
                return None;
            }
        }
        Some((out, deviates))
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .ok()
        .flatten()
}

/// A fuzz target: returns on correct handling, panics on a bug.
pub type Target = fn(&[u8]);

/// Every target by name.
pub const TARGETS: [(&str, Target); 5] = [
    ("alac", alac),
    ("opus", opus),
    ("decode", decode),
    ("pipeline", pipeline),
    ("differential", differential),
];
