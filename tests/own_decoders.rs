//! leitmotif's own ALAC decoder against symphonia's, sample for sample, on real files made
//! by ffmpeg's encoder (`tools/make_alac_fixtures.sh`: 16-bit stereo, 24-bit stereo, 16-bit
//! mono, music and test tones). Set `LEITMOTIF_DECODER_EXTRA=DIR` to compare every
//! `*alac.m4a` in DIR as well, e.g. the batch benchmark corpus. (The own FLAC and 16-bit PCM
//! paths were removed: they won less than 15 % end to end, docs/decoders.md.)

use std::path::{Path, PathBuf};

use leitmotif::audio::Decoder;
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// Every sample of `path` as symphonia's own ALAC decoder produces it.
fn symphonia_samples(path: &Path) -> (Vec<f32>, usize) {
    let file = std::fs::File::open(path).unwrap();
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut format = symphonia::default::get_probe()
        .probe(
            &Hint::new(),
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .unwrap();
    let track = format.default_track(TrackType::Audio).unwrap();
    let id = track.id;
    let params = track
        .codec_params
        .as_ref()
        .unwrap()
        .audio()
        .unwrap()
        .clone();
    let mut dec = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .unwrap();
    let (mut out, mut buf, mut channels) = (Vec::new(), Vec::new(), 0);
    while let Ok(Some(p)) = format.next_packet() {
        if p.track_id != id {
            continue;
        }
        let audio = dec.decode(&p).unwrap();
        channels = audio.spec().channels().count();
        audio.copy_to_vec_interleaved(&mut buf);
        out.extend_from_slice(&buf);
    }
    (out, channels)
}

fn leitmotif_samples(path: &Path) -> (Vec<f32>, usize, String) {
    let mut d = Decoder::open(path).unwrap();
    let (mut out, mut channels) = (Vec::new(), 0);
    while let Some(c) = d.next_chunk().unwrap() {
        channels = c.channels;
        out.extend_from_slice(c.samples);
    }
    assert!(
        d.warnings().is_empty(),
        "{}: {:?}",
        path.display(),
        d.warnings()
    );
    (out, channels, d.info().codec.clone())
}

fn assert_same(path: &Path, codec_name: &str) {
    let (want, wc) = symphonia_samples(path);
    let (got, gc, codec) = leitmotif_samples(path);
    assert_eq!(codec, codec_name, "{}", path.display());
    assert_eq!(gc, wc, "{}: channels", path.display());
    assert_eq!(got.len(), want.len(), "{}: sample count", path.display());
    assert!(
        got.len() > 1000,
        "{}: too short to say much",
        path.display()
    );
    let first_diff = got
        .iter()
        .zip(&want)
        .position(|(a, b)| a.to_bits() != b.to_bits());
    assert_eq!(
        first_diff,
        None,
        "{}: first differing sample",
        path.display()
    );
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(name)
}

#[test]
fn alac_matches_symphonia_bit_for_bit() {
    for name in [
        "alac_s16_stereo_44k.m4a",
        "alac_s24_stereo_48k.m4a",
        "alac_s16_mono_22k.m4a",
        "alac_s16_stereo_music.m4a",
    ] {
        assert_same(&fixture(name), "alac");
    }
    extra("alac.m4a", "alac");
}

/// With `LEITMOTIF_DECODER_EXTRA=DIR`: every file of DIR whose name ends in `suffix`.
fn extra(suffix: &str, codec: &str) {
    if let Some(dir) = std::env::var_os("LEITMOTIF_DECODER_EXTRA") {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.to_string_lossy().ends_with(suffix) {
                assert_same(&p, codec);
            }
        }
    }
}

#[test]
fn damaged_alac_and_flac_packets_are_errors_not_panics() {
    // ALAC in MP4 and FLAC in Matroska (whose demuxer, unlike native FLAC's, does not check
    // frame CRCs, so damaged frames reach the decoder)
    damage("alac_s16_stereo_music.m4a", "m4a");
    damage("flac_s16_stereo_44k.mka", "mka");
}

/// Flips bytes all over a real file: decoding must end (warnings or an error), never panic.
fn damage(name: &str, ext: &str) {
    let clean = std::fs::read(fixture(name)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut damaged_packets = 0;
    for seed in 0..24u64 {
        let mut bytes = clean.clone();
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for _ in 0..40 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x as usize) % bytes.len();
            // leave the container header alone so that the decoder gets the packets
            if i > 4096 {
                bytes[i] ^= (x >> 32) as u8 | 1;
            }
        }
        let p = dir.path().join(format!("damaged{seed}.{ext}"));
        std::fs::write(&p, &bytes).unwrap();
        if let Ok(mut d) = Decoder::open(&p) {
            while let Ok(Some(_)) = d.next_chunk() {}
            damaged_packets += d.warnings().len();
        }
    }
    assert!(damaged_packets > 0, "{name}: no damage reached the decoder");
}
