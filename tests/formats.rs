//! Every upload format decodes, through the whole pipeline, to the right duration.
//!
//! Fixtures: `tests/fixtures/formats/` (made by `tools/make_format_fixtures.sh` with ffmpeg),
//! listed with their intended duration in `manifest.json`.

mod common;

use common::{analyze, repo};

/// One STFT hop at the analysis rate (512 / 22050 s): the duration tolerance.
const ONE_FRAME_S: f64 = 512.0 / 22050.0;
/// AAC: symphonia 0.6 ignores the MP4 edit list (and ADTS has none), so the 1024-sample
/// encoder priming and up to 1024 samples of end padding remain: at most 2048 samples.
const AAC_OFFSET_FRAMES: f64 = 2048.0;

#[test]
fn every_format_decodes_to_its_duration() {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo("tests/fixtures/formats/manifest.json")).unwrap(),
    )
    .unwrap();
    let entries = manifest.as_array().unwrap();
    assert!(entries.len() >= 30);
    for e in entries {
        let file = e["file"].as_str().unwrap();
        let want = e["duration_s"].as_f64().unwrap();
        let sr = e["sample_rate"].as_u64().unwrap() as f64;
        let channels = e["channels"].as_u64().unwrap() as usize;
        let a = analyze(&repo(&format!("tests/fixtures/formats/{file}")))
            .unwrap_or_else(|err| panic!("{file}: {err}"));
        let r = &a.record;
        let got = r.duration_s;
        let codec = e["codec"].as_str().unwrap();
        let tol = if codec.starts_with("aac") {
            AAC_OFFSET_FRAMES / sr + 1e-9
        } else {
            ONE_FRAME_S
        };
        assert!(
            got >= want - ONE_FRAME_S && got <= want + tol,
            "{file}: decoded {got} s, expected {want} s"
        );
        assert_eq!(r.source.sample_rate as f64, sr, "{file}: sample rate");
        assert_eq!(r.source.channels, channels, "{file}: channels");
        assert_eq!(
            r.analysis.frames,
            1 + (got * 22050.0).round() as usize / 512,
            "{file}: frames"
        );
        assert!(r.warnings.is_empty(), "{file}: warnings {:?}", r.warnings);
        let f = &r.features;
        assert!(
            f.spectral.centroid.mean > 50.0,
            "{file}: centroid {}",
            f.spectral.centroid.mean
        );
    }
}

#[test]
fn gapless_mp3_and_opus_are_sample_exact() {
    for file in [
        "mp3_cbr128_stereo_44k.mp3",
        "mp3_vbr_mono_22k.mp3",
        "opus_stereo_48k.opus",
        "vorbis_q4_stereo_44k.ogg",
    ] {
        let a = analyze(&repo(&format!("tests/fixtures/formats/{file}"))).unwrap();
        assert_eq!(a.record.duration_s, 1.0, "{file}");
    }
}

#[test]
fn multichannel_and_extreme_rates() {
    let a = analyze(&repo("tests/fixtures/formats/flac_s16_5.1_48k.flac")).unwrap();
    assert_eq!(a.record.source.channels, 6);
    let a = analyze(&repo("tests/fixtures/formats/flac_s24_stereo_192k.flac")).unwrap();
    assert_eq!(a.record.source.sample_rate, 192_000);
    let a = analyze(&repo("tests/fixtures/formats/wav_pcm_s16_mono_8k.wav")).unwrap();
    assert_eq!(a.record.source.sample_rate, 8_000);
    assert_eq!(a.record.analysis.sample_rate, 22_050);
}

#[test]
fn every_flac_coding_variant_decodes_completely() {
    // tools/make_flac_fixtures.sh: 2 s (0.5 s of silence, 1 s of music, 0.5 s of noise) coded
    // with every subframe type, channel assignment, wasted bits, 8/24 bits, LPC order 32, and
    // in Ogg and MP4; `flac_fixed_only` adds 0.3 s of full-scale noise.
    for (name, frames, rate) in [
        ("flac_lvl0_fixed.flac", 88_200, 44_100),
        ("flac_lvl12_left_side.flac", 88_200, 44_100),
        ("flac_right_side.flac", 88_200, 44_100),
        ("flac_lpc32_indep.flac", 88_200, 44_100),
        ("flac_lpc32.flac", 88_200, 44_100),
        ("flac_fixed_only.flac", 101_430, 44_100),
        ("flac_s24_wasted_bits.flac", 88_200, 44_100),
        ("flac_s8_stereo_16k.flac", 32_000, 16_000),
        ("flac_in_ogg.oga", 88_200, 44_100),
        ("flac_in_mp4.mp4", 88_200, 44_100),
    ] {
        let path = repo(&format!("tests/fixtures/formats/{name}"));
        let mut d = leitmotif::audio::Decoder::open(&path).unwrap();
        while d.next_chunk().unwrap().is_some() {}
        assert_eq!(d.frames_decoded(), frames, "{name}");
        assert_eq!(
            (d.info().sample_rate, d.info().channels),
            (rate, 2),
            "{name}"
        );
        assert!(d.warnings().is_empty(), "{name}: {:?}", d.warnings());
    }
}
