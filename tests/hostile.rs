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
