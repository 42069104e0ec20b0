//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use leitmotif::{AnalysisConfig, FeatureOptions, Pipeline, TrackAnalysis};

pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn analyze(path: &Path) -> leitmotif::Result<TrackAnalysis> {
    Pipeline::new(AnalysisConfig::default(), FeatureOptions::default())
        .unwrap()
        .analyze(path)
}

/// Mono `samples` at `sr` Hz through the default pipeline (`Input::Samples`).
pub fn analyze_mono(samples: &[f32], sr: u32, name: &str) -> leitmotif::Result<TrackAnalysis> {
    let input = leitmotif::Input::Samples {
        samples,
        channels: 1,
        sample_rate: sr,
    };
    Pipeline::new(AnalysisConfig::default(), FeatureOptions::default())
        .unwrap()
        .analyze_input(input, name)
}

/// The per-frame matrices (`keep_frames`) of mono `samples` at `sr` Hz through the default
/// pipeline.
pub fn frames_of_mono(samples: &[f32], sr: u32, name: &str) -> leitmotif::FrameMatrices {
    let input = leitmotif::Input::Samples {
        samples,
        channels: 1,
        sample_rate: sr,
    };
    let options = FeatureOptions {
        keep_frames: true,
        ..Default::default()
    };
    Pipeline::new(AnalysisConfig::default(), options)
        .unwrap()
        .analyze_input(input, name)
        .unwrap()
        .frames
        .unwrap()
}

/// Writes a mono or multichannel 32-bit float WAV.
pub fn write_wav(path: &Path, sr: u32, channels: u16, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: sr,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

pub fn sine(f: f64, sr: u32, seconds: f64, amp: f32) -> Vec<f32> {
    let n = (seconds * sr as f64).round() as usize;
    (0..n)
        .map(|i| amp * (2.0 * std::f64::consts::PI * f * i as f64 / sr as f64).sin() as f32)
        .collect()
}

/// A short test track: `seconds` of a 22.05 kHz mono float WAV, a tone of `hz` with a click
/// every half second (so tempo, key and loudness have something to find). Distinct `hz`
/// give distinct files.
pub fn write_tone(path: &Path, hz: f32, seconds: f32) {
    let sr = 22050u32;
    let n = (seconds * sr as f32) as usize;
    let samples: Vec<f32> = (0..n)
        .map(|i| {
            let t = i as f32 / sr as f32;
            let click = if i % (sr as usize / 2) < 64 { 0.5 } else { 0.0 };
            0.3 * (2.0 * std::f32::consts::PI * hz * t).sin() + click
        })
        .collect();
    write_wav(path, sr, 1, &samples);
}
