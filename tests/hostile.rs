//! No input may crash or hang the program: broken and hostile files produce typed errors
//! (or, for recoverable damage, a result with warnings).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{analyze, repo};
use leitmotif::ErrorKind;

fn wav_header(channels: u16, sr: u32, bits: u16, data_len: u32) -> Vec<u8> {
    let block = channels.wrapping_mul(bits / 8);
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&data_len.wrapping_add(36).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&sr.to_le_bytes());
    h.extend_from_slice(&sr.wrapping_mul(block as u32).to_le_bytes());
    h.extend_from_slice(&block.to_le_bytes());
    h.extend_from_slice(&bits.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

fn pcm_body(n: usize) -> Vec<u8> {
    (0..n)
        .flat_map(|i| (((i * 37) % 2000) as i16 - 1000).to_le_bytes())
        .collect()
}

fn random_bytes(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u8
        })
        .collect()
}

/// Every hostile input, written into `dir`: (file name, expected error kinds; empty = may succeed).
fn make_hostile(dir: &Path) -> Vec<(PathBuf, Vec<ErrorKind>)> {
    let mut out = Vec::new();
    let mut put = |name: &str, bytes: Vec<u8>, kinds: Vec<ErrorKind>| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        out.push((p, kinds));
    };
    use ErrorKind::*;
    put("empty.wav", vec![], vec![UnsupportedFormat]);
    put(
        "random.mp3",
        random_bytes(65536, 7),
        vec![UnsupportedFormat, Decode, InvalidStream, NoAudioTrack],
    );
    put("random.bin", random_bytes(4096, 9), vec![UnsupportedFormat]);
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(random_bytes(2000, 3));
    put("image.flac", png, vec![UnsupportedFormat]);
    let mut huge = wav_header(2, 44100, 16, 0xFFFF_FFF0);
    huge.extend(pcm_body(4410));
    put("claims_4gb.wav", huge, vec![]);
    let mut zero_ch = wav_header(0, 44100, 16, 8820);
    zero_ch.extend(pcm_body(4410));
    put(
        "zero_channels.wav",
        zero_ch,
        vec![UnsupportedFormat, InvalidStream, Decode],
    );
    let mut one_hz = wav_header(1, 1, 16, 8820);
    one_hz.extend(pcm_body(4410));
    put("one_hz.wav", one_hz, vec![InvalidStream, UnsupportedFormat]);
    let mut two_ghz = wav_header(1, 2_000_000_000, 16, 8820);
    two_ghz.extend(pcm_body(4410));
    put(
        "two_ghz.wav",
        two_ghz,
        vec![InvalidStream, UnsupportedFormat],
    );
    put(
        "header_only.wav",
        wav_header(1, 44100, 16, 0),
        vec![Empty, Decode, UnsupportedFormat],
    );
    for (src, name) in [
        ("flac_s16_stereo_44k.flac", "truncated.flac"),
        ("mp3_cbr128_stereo_44k.mp3", "truncated.mp3"),
        ("aac_lc_stereo_44k.m4a", "truncated.m4a"),
        ("vorbis_q4_stereo_44k.ogg", "truncated.ogg"),
        ("opus_stereo_48k.opus", "truncated.opus"),
    ] {
        let bytes = std::fs::read(repo(&format!("tests/fixtures/formats/{src}"))).unwrap();
        put(name, bytes[..bytes.len() / 3].to_vec(), vec![]);
        put(
            &format!("tiny_{name}"),
            bytes[..40.min(bytes.len())].to_vec(),
            vec![
                UnsupportedFormat,
                Decode,
                Empty,
                InvalidStream,
                NoAudioTrack,
                UnsupportedCodec,
            ],
        );
    }
    out
}

#[test]
fn hostile_inputs_give_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (path, kinds) in make_hostile(dir.path()) {
        match analyze(&path) {
            Ok(a) => {
                assert!(
                    kinds.is_empty(),
                    "{}: should fail with {kinds:?}, got {:?}",
                    path.display(),
                    a.record
                );
                let f = a.record.features;
                assert!(f.spectral.centroid.mean.is_finite());
            }
            Err(e) => {
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                assert!(
                    e.to_string().contains(&name),
                    "message must name the file: {e}"
                );
                assert_ne!(e.kind(), ErrorKind::Internal, "{name}: {e}");
                if !kinds.is_empty() {
                    assert!(
                        kinds.contains(&e.kind()),
                        "{name}: unexpected {:?}: {e}",
                        e.kind()
                    );
                }
            }
        }
    }
}

#[test]
fn corrupt_packets_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    // FLAC frames carry CRCs: damaged frames are detected, skipped and reported.
    let mut bytes = std::fs::read(repo("audio-samples/song2_120bpm_c_major.flac")).unwrap();
    let mid = bytes.len() / 2;
    let garbage = random_bytes(3000, 11);
    bytes[mid..mid + 3000].copy_from_slice(&garbage);
    let p = dir.path().join("damaged.flac");
    std::fs::write(&p, &bytes).unwrap();
    let a = analyze(&p).unwrap();
    assert!(a.record.duration_s > 18.0, "{}", a.record.duration_s);
    assert!(!a.record.warnings.is_empty(), "damage should be reported");
    // MP3 has no CRC by default: the demuxer resynchronises on the next frame header.
    let mut bytes = std::fs::read(repo("audio-samples/song1_92bpm_a_minor.mp3")).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 3000].copy_from_slice(&garbage);
    let p = dir.path().join("damaged.mp3");
    std::fs::write(&p, &bytes).unwrap();
    let a = analyze(&p).unwrap();
    assert!(a.record.duration_s > 20.0, "{}", a.record.duration_s);
}

#[test]
fn the_cli_survives_a_folder_of_hostile_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = make_hostile(dir.path());
    std::fs::copy(
        repo("tests/fixtures/formats/flac_s16_stereo_44k.flac"),
        dir.path().join("good.flac"),
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_leitmotif"))
        .arg("extract")
        .arg("-o")
        .arg(&out)
        .args(files.iter().map(|f| &f.0))
        .arg(dir.path().join("good.flac"))
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("leitmotif hung on hostile input");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1), "some tracks fail → exit 1");
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), files.len() + 1, "one record per input");
    assert!(lines.last().unwrap().get("error").is_none());
    for l in &lines {
        if let Some(e) = l.get("error") {
            assert!(e["kind"].is_string() && e["message"].is_string());
        }
    }
}

/// Runs `leitmotif extract` with default settings on `files`; the records, in input order.
fn cli_records(files: &[PathBuf], dir: &Path) -> Vec<serde_json::Value> {
    let out = dir.join("records.jsonl");
    let _ = std::fs::remove_file(&out);
    let status = Command::new(env!("CARGO_BIN_EXE_leitmotif"))
        .arg("extract")
        .arg("-q")
        .arg("-o")
        .arg(&out)
        .args(files)
        .status()
        .unwrap();
    assert!(status.code().is_some(), "killed by a signal");
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn warnings(record: &serde_json::Value) -> Vec<String> {
    record["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

fn lufs(record: &serde_json::Value) -> f64 {
    record["loudness"]["integrated_lufs"].as_f64().unwrap()
}

#[test]
fn one_nan_sample_does_not_fail_the_track() {
    // A 48 kHz float WAV (the rate that goes through rubato, which panicked on NaN): three
    // seconds of a 440 Hz sine, once clean, once with one NaN, one +inf and one -inf sample.
    let dir = tempfile::tempdir().unwrap();
    let clean = common::sine(440.0, 48_000, 3.0, 0.5);
    let mut bad = clean.clone();
    bad[48_000] = f32::NAN;
    bad[60_000] = f32::INFINITY;
    bad[70_000] = f32::NEG_INFINITY;
    let (a, b) = (dir.path().join("clean.wav"), dir.path().join("nan.wav"));
    common::write_wav(&a, 48_000, 1, &clean);
    common::write_wav(&b, 48_000, 1, &bad);
    let records = cli_records(&[a, b], dir.path());
    assert_eq!(records.len(), 2);
    let (clean, bad) = (&records[0], &records[1]);
    assert!(bad.get("error").is_none(), "{bad}");
    assert!(warnings(clean).is_empty(), "{:?}", warnings(clean));
    assert_eq!(
        warnings(bad),
        ["3 non-finite samples (NaN or infinity) replaced by 0"]
    );
    // Three zeroed samples in 144,000 change the loudness by ~1e-4 LU.
    assert!(
        (lufs(bad) - lufs(clean)).abs() < 1e-3,
        "{} {}",
        lufs(bad),
        lufs(clean)
    );
}

#[test]
fn absurd_magnitudes_are_limited() {
    // Ten samples of 3e38 in a 0.5-amplitude sine gave +769 LUFS. Limited to ±64 full scale
    // they are ten loud clicks: −9.7 LUFS → −1.3 LUFS measured (K-weighting favours clicks).
    let dir = tempfile::tempdir().unwrap();
    let clean = common::sine(440.0, 48_000, 3.0, 0.5);
    let mut loud = clean.clone();
    for k in 0..10 {
        loud[10_000 + 10_000 * k] = if k % 2 == 0 { 3e38 } else { -3e38 };
    }
    let (a, b) = (dir.path().join("clean.wav"), dir.path().join("loud.wav"));
    common::write_wav(&a, 48_000, 1, &clean);
    common::write_wav(&b, 48_000, 1, &loud);
    let records = cli_records(&[a, b], dir.path());
    let (clean, loud) = (&records[0], &records[1]);
    assert!(loud.get("error").is_none(), "{loud}");
    assert_eq!(
        warnings(loud),
        ["10 samples beyond ±64 full scale limited to it"]
    );
    let (l0, l1) = (lufs(clean), lufs(loud));
    assert!(l1.is_finite() && l1 > l0 && l1 < 0.0, "{l0} → {l1}");
}

#[test]
fn a_panic_inside_symphonia_is_an_invalid_stream() {
    // tools/make_hostile_fixtures.py: a Vorbis setup header that trips an assert in
    // symphonia-format-ogg 0.6.1 (mappings/vorbis.rs:728) while probing; docs/robustness.md.
    let file = repo("tests/fixtures/hostile/vorbis_lookup1_assert.ogg");
    let bytes = std::fs::read(&file).unwrap();
    // the panics this test provokes are expected: keep them out of the test output (a panic
    // raised anywhere else, such as a failed assertion, is still printed)
    let print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info
            .location()
            .is_some_and(|l| l.file().contains("symphonia"))
        {
            print(info)
        }
    }));
    let probe = std::panic::catch_unwind(|| {
        use symphonia::core::formats::FormatOptions;
        use symphonia::core::formats::probe::Hint;
        use symphonia::core::io::MediaSourceStream;
        use symphonia::core::meta::MetadataOptions;
        let mss = MediaSourceStream::new(
            Box::new(std::io::Cursor::new(bytes.clone())),
            Default::default(),
        );
        let _ = symphonia::default::get_probe().probe(
            &Hint::new(),
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        );
    });
    // When this fails, symphonia has fixed the bug: keep the file as a regression input.
    assert!(probe.is_err(), "symphonia no longer panics on this file");
    let e = analyze(&file).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidStream, "{e}");
    let dir = tempfile::tempdir().unwrap();
    let r = &cli_records(std::slice::from_ref(&file), dir.path())[0];
    assert_eq!(r["error"]["kind"], "invalid_stream", "{r}");
    // the CLI's stderr names the failed track once and does not print the caught panic
    // (`leitmotif::in_third_party_call` in its panic hook)
    let o = Command::new(env!("CARGO_BIN_EXE_leitmotif"))
        .args(["extract", "-q", "-o"])
        .arg(dir.path().join("again.jsonl"))
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("vorbis_lookup1_assert.ogg: invalid_stream"),
        "{stderr}"
    );
}

#[test]
fn hostile_content_is_invalid_stream_not_io() {
    // A CAF chunk claiming 2^63 − 1 bytes: the skip is a seek the OS refuses with EINVAL.
    let file = repo("tests/fixtures/hostile/caf_huge_chunk.caf");
    let dir = tempfile::tempdir().unwrap();
    let r = &cli_records(&[file], dir.path())[0];
    assert_eq!(r["error"]["kind"], "invalid_stream", "{r}");
    // Mutated CAF files, as the fuzzer made them: never `io`.
    let clean = std::fs::read(repo("tests/fixtures/formats/caf_pcm_s16_stereo_44k.caf")).unwrap();
    let mut files = Vec::new();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for i in 0..40 {
        let mut bytes = clean[..8192].to_vec();
        for _ in 0..4 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let k = (x as usize) % 200;
            bytes[k] = (x >> 32) as u8;
        }
        let p = dir.path().join(format!("m{i}.caf"));
        std::fs::write(&p, bytes).unwrap();
        files.push(p);
    }
    for r in cli_records(&files, dir.path()) {
        assert_ne!(r["error"]["kind"], "io", "{r}");
        assert_ne!(r["error"]["kind"], "internal", "{r}");
    }
}

#[test]
fn the_flac_bomb_decodes_at_full_speed() {
    // tools/make_hostile_fixtures.py: 97 KB of valid FLAC that decode to 120 h of 1 kHz
    // silence (432 million samples). Decoding alone must not be what makes it expensive:
    // docs/robustness.md measures ≈ 3 s; 60 s is the budget for the whole CLI run.
    let file = repo("tests/fixtures/hostile/flac_bomb_120h.flac");
    let started = Instant::now();
    let mut d = leitmotif::audio::Decoder::open(&file).unwrap();
    while d.next_chunk().unwrap().is_some() {}
    assert_eq!(d.frames_decoded(), 65_535 * 6_592);
    assert!(d.warnings().is_empty(), "{:?}", d.warnings());
    let secs = started.elapsed().as_secs_f64();
    assert!(secs < 60.0, "decoding 120 h took {secs:.1} s");
}
