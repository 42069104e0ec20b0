//! Loudness against ffmpeg's `ebur128` filter (fixture: `tests/fixtures/loudness.json`,
//! made by `tools/make_loudness_fixtures.sh`; each entry holds the ffmpeg command).
//! ffmpeg prints one decimal, so the tolerance is the 0.1 LU/dB target plus 0.05 of rounding.

mod common;

use common::{analyze, repo, sine, write_wav};

#[test]
fn matches_ffmpeg_ebur128() {
    let text = std::fs::read_to_string(repo("tests/fixtures/loudness.json")).unwrap();
    let entries: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert!(entries.len() >= 3);
    for e in entries {
        let file = e["file"].as_str().unwrap();
        let a = analyze(&repo(file)).unwrap();
        let l = a.record.features.loudness;
        for (name, got) in [
            ("integrated_lufs", l.integrated_lufs),
            ("range_lu", l.range_lu),
            ("true_peak_dbtp", l.true_peak_dbtp),
        ] {
            let want = e[name].as_f64().unwrap();
            let got = got.unwrap_or_else(|| panic!("{file}: {name} missing"));
            println!("{file}: {name} {got:.2} vs ffmpeg {want}");
            assert!(
                (got - want).abs() <= 0.15 + 1e-9,
                "{file}: {name} {got} vs ffmpeg {want}"
            );
        }
    }
}

#[test]
fn full_scale_sine_and_silence() {
    let dir = tempfile::tempdir().unwrap();
    // A 997 Hz sine at −20 dBFS (peak) in both channels of a stereo file reads −20 − 3.01 + 3.01
    // (two channels) ≈ −20.0 LUFS by BS.1770's definition (1 kHz K-weighting gain ≈ 0).
    let mono = sine(997.0, 48_000, 5.0, 0.1);
    let stereo: Vec<f32> = mono.iter().flat_map(|&s| [s, s]).collect();
    let p = dir.path().join("sine.wav");
    write_wav(&p, 48_000, 2, &stereo);
    let l = analyze(&p).unwrap().record.features.loudness;
    let i = l.integrated_lufs.unwrap();
    assert!((i - (-20.0)).abs() < 0.2, "integrated {i}");
    assert!(l.range_lu.unwrap() < 0.1);
    assert!((l.true_peak_dbtp.unwrap() - (-20.0)).abs() < 0.1);
    let p = dir.path().join("silence.wav");
    write_wav(&p, 48_000, 1, &vec![0.0; 48_000]);
    let l = analyze(&p).unwrap().record.features.loudness;
    assert_eq!(l.integrated_lufs, None);
    assert_eq!(l.true_peak_dbtp, None);
}
