//! The four input kinds of the library — a path, bytes in memory, a `Read + Seek` source and
//! decoded samples — give the same record for the same audio; truncation keeps the real
//! length.

mod common;

use std::io::Cursor;
use std::path::Path;

use common::repo;
use leitmotif::{AnalysisConfig, FeatureOptions, Input, Pipeline, TrackAnalysis};

fn pipeline() -> Pipeline {
    Pipeline::new(AnalysisConfig::default(), FeatureOptions::default()).unwrap()
}

/// Everything of the record that depends on the audio alone (not on how it arrived).
fn assert_same_analysis(a: &TrackAnalysis, b: &TrackAnalysis) {
    let (a, b) = (&a.record, &b.record);
    assert_eq!(a.duration_s, b.duration_s);
    assert_eq!(a.analysed_s, b.analysed_s);
    assert_eq!(a.analysis, b.analysis);
    // Loudness sums its 100 ms blocks chunk by chunk: a different chunking (samples arrive
    // in 8192-frame chunks, a decoder's in packets) changes the last bits (measured 2e-15).
    let (la, lb) = (&a.features.loudness, &b.features.loudness);
    for (x, y) in [
        (la.integrated_lufs, lb.integrated_lufs),
        (la.range_lu, lb.range_lu),
        (la.true_peak_dbtp, lb.true_peak_dbtp),
    ] {
        let (x, y) = (x.unwrap(), y.unwrap());
        assert!((x - y).abs() <= 1e-12 * x.abs().max(1.0), "{x} vs {y}");
    }
    let mut fb = b.features.clone();
    fb.loudness = a.features.loudness;
    assert_eq!(a.features, fb);
    for (x, y) in a.vector.values.iter().zip(&b.vector.values) {
        assert!((x - y).abs() <= 1e-6 * x.abs().max(1.0), "{x} vs {y}");
    }
    assert_eq!(a.warnings, b.warnings);
}

#[test]
fn path_bytes_and_reader_give_identical_records() {
    let mut p = pipeline();
    for name in [
        "audio-samples/song1_92bpm_a_minor.mp3",
        "audio-samples/song4_140bpm_eb_major.m4a",
        "tests/fixtures/formats/flac_s16_stereo_44k.flac",
        "tests/fixtures/formats/opus_stereo_48k.opus",
    ] {
        let path = repo(name);
        let bytes = std::fs::read(&path).unwrap();
        let from_path = p.analyze(&path).unwrap();
        let from_bytes = p.analyze_input(Input::Bytes(&bytes), name).unwrap();
        let reader = Box::new(Cursor::new(bytes.clone()));
        let from_reader = p.analyze_input(Input::Reader(reader), name).unwrap();
        let file = Box::new(std::fs::File::open(&path).unwrap());
        let from_file = p
            .analyze_input(Input::Reader(file), "no-extension")
            .unwrap();
        assert_same_analysis(&from_path, &from_bytes);
        assert_same_analysis(&from_path, &from_reader);
        assert_same_analysis(&from_path, &from_file);
        assert_eq!(from_path.record.source, from_bytes.record.source);
    }
}

/// Decoded samples give the record of the file they were decoded from. A 16-bit WAV
/// decodes to `x / 32768` exactly, so hound's integers are the decoder's samples.
#[test]
fn samples_give_the_record_of_their_file() {
    let path = repo("audio-samples/song5_75bpm_g_major_nodrums.wav");
    let mut wav = hound::WavReader::open(&path).unwrap();
    let spec = wav.spec();
    assert_eq!(spec.bits_per_sample, 16);
    let samples: Vec<f32> = wav
        .samples::<i16>()
        .map(|s| s.unwrap() as f32 / 32768.0)
        .collect();
    let mut p = pipeline();
    let from_path = p.analyze(&path).unwrap();
    let input = Input::Samples {
        samples: &samples,
        channels: spec.channels as usize,
        sample_rate: spec.sample_rate,
    };
    let from_samples = p.analyze_input(input, "song5").unwrap();
    assert_same_analysis(&from_path, &from_samples);
    assert_eq!(from_samples.record.source.container, "samples");
    assert_eq!(from_samples.record.source.sample_rate, spec.sample_rate);
}

#[test]
fn truncation_keeps_the_real_length() {
    let path = repo("audio-samples/song2_120bpm_c_major.flac");
    let full = pipeline().analyze(&path).unwrap().record;
    let config = AnalysisConfig {
        max_duration_s: Some(5.0),
        ..AnalysisConfig::default()
    };
    let mut p = Pipeline::new(config, FeatureOptions::default()).unwrap();
    let cut = p.analyze(&path).unwrap().record;
    assert_eq!(cut.duration_s, full.duration_s);
    assert_eq!(full.analysed_s, full.duration_s);
    assert_eq!(cut.analysed_s, 5.0);
    assert_eq!(cut.analysis.frames, 1 + (5 * 22050) / 512);
    assert!(
        cut.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        cut.warnings
    );
    // A container without a declared length (MP3 here is counted from its packets).
    let mp3 = repo("audio-samples/song1_92bpm_a_minor.mp3");
    let full = pipeline().analyze(&mp3).unwrap().record;
    let cut = p.analyze(&mp3).unwrap().record;
    assert!(
        (cut.duration_s - full.duration_s).abs() < 0.03,
        "{} vs {}",
        cut.duration_s,
        full.duration_s
    );
    assert_eq!(cut.analysed_s, 5.0);
}

#[test]
fn bad_inputs_are_typed_errors() {
    let mut p = pipeline();
    let e = p.analyze_input(Input::Bytes(&[]), "empty.wav").unwrap_err();
    assert_eq!(e.kind().as_str(), "unsupported_format");
    assert!(e.to_string().starts_with("empty.wav:"), "{e}");
    let e = p
        .analyze_input(Input::Bytes(b"definitely not audio at all"), "x.mp3")
        .unwrap_err();
    assert_eq!(e.kind().as_str(), "unsupported_format", "{e}");
    let one = [0.5f32; 100];
    let mut samples_error = |samples: &[f32], channels: usize, sample_rate: u32| {
        let input = Input::Samples {
            samples,
            channels,
            sample_rate,
        };
        p.analyze_input(input, "samples").unwrap_err()
    };
    for (samples, channels, rate, kind) in [
        (&one[..], 0, 22050, "invalid_stream"),
        (&one[..], 1, 10, "invalid_stream"),
        (&[][..], 2, 44100, "empty"),
    ] {
        let e = samples_error(samples, channels, rate);
        assert_eq!(e.kind().as_str(), kind, "{e}");
    }
    // The pipeline goes on after errors.
    let ok = p.analyze(Path::new(&repo(
        "tests/fixtures/formats/mp3_vbr_mono_22k.mp3",
    )));
    assert!(ok.is_ok());
    let bad = AnalysisConfig {
        max_duration_s: Some(0.0),
        ..AnalysisConfig::default()
    };
    assert!(Pipeline::new(bad, FeatureOptions::default()).is_err());
}
