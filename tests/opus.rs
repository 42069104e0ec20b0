//! Behaviour tests of Ogg Opus decoding through `Decoder` (symphonia's Ogg demuxer with the
//! registered libopus decoder): pre-skip and end trimming, output gain, multichannel order,
//! packets across pages, damaged pages and packets, chained streams. The Ogg files are built
//! here from packets made by libopus' encoder (`unsafe-libopus`), so every expected length and
//! level is known exactly.

use std::path::{Path, PathBuf};

use leitmotif::ErrorKind;
use leitmotif::audio::Decoder;

/// Ogg's CRC-32 (polynomial 0x04c11db7, not reflected, initial value 0), for building pages.
fn ogg_crc(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in data {
        crc ^= (b as u32) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// One Ogg page holding `packets` (the last one continued on the next page if asked).
pub fn ogg_page(
    header_type: u8,
    granule: i64,
    serial: u32,
    seq: u32,
    packets: &[&[u8]],
    last_continues: bool,
) -> Vec<u8> {
    let mut lacing = Vec::new();
    let mut body = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        let mut n = p.len();
        while n >= 255 {
            lacing.push(255);
            n -= 255;
        }
        if !(i + 1 == packets.len() && last_continues) {
            lacing.push(n as u8);
        }
        body.extend_from_slice(p);
    }
    let mut page = b"OggS\0".to_vec();
    page.push(header_type);
    page.extend_from_slice(&granule.to_le_bytes());
    page.extend_from_slice(&serial.to_le_bytes());
    page.extend_from_slice(&seq.to_le_bytes());
    page.extend_from_slice(&[0, 0, 0, 0]);
    page.push(lacing.len() as u8);
    page.extend_from_slice(&lacing);
    page.extend_from_slice(&body);
    let crc = ogg_crc(&page);
    page[22..26].copy_from_slice(&crc.to_le_bytes());
    page
}

pub fn opus_head(
    channels: u8,
    pre_skip: u16,
    gain: i16,
    family: u8,
    ms: Option<(u8, u8, &[u8])>,
) -> Vec<u8> {
    let mut h = b"OpusHead".to_vec();
    h.push(1);
    h.push(channels);
    h.extend_from_slice(&pre_skip.to_le_bytes());
    h.extend_from_slice(&44100u32.to_le_bytes());
    h.extend_from_slice(&gain.to_le_bytes());
    h.push(family);
    if let Some((s, c, m)) = ms {
        h.push(s);
        h.push(c);
        h.extend_from_slice(m);
    }
    h
}

pub fn opus_tags() -> Vec<u8> {
    let mut t = b"OpusTags".to_vec();
    t.extend_from_slice(&4u32.to_le_bytes());
    t.extend_from_slice(b"test");
    t.extend_from_slice(&0u32.to_le_bytes());
    t
}

/// 20 ms Opus packets of `total` frames of sines (channel c at `freq * (c + 1)`, amplitude
/// 0.5), from libopus' surround encoder; with the stream counts and the mapping table.
pub fn encode(channels: usize, total: usize, freq: f32) -> (Vec<Vec<u8>>, u8, u8, Vec<u8>) {
    encode_with(channels, total, |t, c| {
        0.5 * (2.0 * std::f32::consts::PI * freq * (c + 1) as f32 * t).sin()
    })
}

fn encode_with(
    channels: usize,
    total: usize,
    signal: impl Fn(f32, usize) -> f32,
) -> (Vec<Vec<u8>>, u8, u8, Vec<u8>) {
    unsafe {
        let (mut err, mut streams, mut coupled) = (0, 0, 0);
        let mut mapping = vec![0u8; channels];
        let family = if channels > 2 { 1 } else { 0 };
        let enc = unsafe_libopus::opus_multistream_surround_encoder_create(
            48000,
            channels as i32,
            family,
            &mut streams,
            &mut coupled,
            mapping.as_mut_ptr(),
            unsafe_libopus::OPUS_APPLICATION_AUDIO,
            &mut err,
        );
        assert!(!enc.is_null() && err == 0, "encoder create failed: {err}");
        let bitrate = 128_000 * channels as i32;
        let rc = unsafe_libopus::opus_multistream_encoder_ctl_impl(
            enc,
            unsafe_libopus::OPUS_SET_BITRATE_REQUEST,
            unsafe_libopus::varargs!(bitrate),
        );
        assert_eq!(rc, 0);
        let frame = 960;
        let mut packets = Vec::new();
        for f in 0..total.div_ceil(frame) + 1 {
            let mut pcm = vec![0f32; frame * channels];
            for i in 0..frame {
                let n = f * frame + i;
                for c in 0..channels {
                    if n < total {
                        pcm[i * channels + c] = signal(n as f32 / 48000.0, c);
                    }
                }
            }
            let mut out = vec![0u8; 4000 * channels];
            let n = unsafe_libopus::opus_multistream_encode_float(
                enc,
                pcm.as_ptr(),
                frame as i32,
                out.as_mut_ptr(),
                out.len() as i32,
            );
            assert!(n > 0, "encode failed: {n}");
            out.truncate(n as usize);
            packets.push(out);
        }
        unsafe_libopus::opus_multistream_encoder_destroy(enc);
        (packets, streams as u8, coupled as u8, mapping)
    }
}

/// A complete Ogg Opus file: `per_page` packets per audio page, the end trimmed to `total`.
pub fn mux(
    head: &[u8],
    packets: &[Vec<u8>],
    pre_skip: u64,
    total: u64,
    serial: u32,
    per_page: usize,
) -> Vec<u8> {
    let mut f = ogg_page(0x02, 0, serial, 0, &[head], false);
    f.extend(ogg_page(0, 0, serial, 1, &[&opus_tags()], false));
    let mut granule = 0i64;
    let chunks: Vec<&[Vec<u8>]> = packets.chunks(per_page).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        granule += (chunk.len() * 960) as i64;
        let last = i + 1 == chunks.len();
        let g = if last {
            (pre_skip + total) as i64
        } else {
            granule
        };
        let refs: Vec<&[u8]> = chunk.iter().map(|p| p.as_slice()).collect();
        f.extend(ogg_page(
            if last { 0x04 } else { 0 },
            g,
            serial,
            2 + i as u32,
            &refs,
            false,
        ));
    }
    f
}

pub fn mono_file(gain: i16, total: u64) -> Vec<u8> {
    let (packets, _, _, _) = encode(1, total as usize, 440.0);
    let head = opus_head(1, 312, gain, 0, None);
    mux(&head, &packets, 312, total, 0x1234, 5)
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Every sample (interleaved), the channel count and the warnings.
pub fn decode_file(path: &Path) -> leitmotif::Result<(Vec<f32>, usize, Vec<String>)> {
    let mut d = Decoder::open(path)?;
    let mut all = Vec::new();
    while let Some(c) = d.next_chunk()? {
        all.extend_from_slice(c.samples);
    }
    d.finish_warnings();
    let ch = d.info().channels;
    Ok((all, ch, d.warnings().to_vec()))
}

fn decode_bytes(bytes: &[u8]) -> leitmotif::Result<(Vec<f32>, usize, Vec<String>)> {
    let dir = tempfile::tempdir().unwrap();
    decode_file(&write(dir.path(), "x.opus", bytes))
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

#[test]
fn mono_roundtrip_applies_preskip_and_end_trim() {
    let total = 48000 + 123;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "m.opus", &mono_file(0, total));
    let d = Decoder::open(&path).unwrap();
    assert_eq!(
        (d.info().codec.as_str(), d.info().container.as_str()),
        ("opus", "ogg")
    );
    assert_eq!((d.info().sample_rate, d.info().channels), (48000, 1));
    let (pcm, ch, warnings) = decode_file(&path).unwrap();
    assert_eq!(ch, 1);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(pcm.len() as u64, total);
    // A 0.5-amplitude sine has RMS 0.3536; 128 kbit/s Opus measures within 0.003.
    let level = rms(&pcm[4800..pcm.len() - 4800]);
    assert!((level - 0.3536).abs() < 0.03, "rms {level}");
}

#[test]
fn preskip_removes_exactly_the_encoder_delay() {
    // An impulse at frame 10 000: libopus' encoder delay is 312 frames at 48 kHz (the
    // pre-skip libopus reports through OPUS_GET_LOOKAHEAD), so after pre-skip the peak of the
    // decoded click sits at frame 10 000 again, within a few frames of codec smearing.
    let total = 24000usize;
    let (packets, _, _, _) = encode_with(1, total, |t, _| {
        if (t * 48000.0).round() as usize == 10_000 {
            0.9
        } else {
            0.0
        }
    });
    let file = mux(
        &opus_head(1, 312, 0, 0, None),
        &packets,
        312,
        total as u64,
        9,
        5,
    );
    let (pcm, _, _) = decode_bytes(&file).unwrap();
    assert_eq!(pcm.len(), total);
    let peak = (0..pcm.len())
        .max_by(|&a, &b| pcm[a].abs().total_cmp(&pcm[b].abs()))
        .unwrap();
    assert!(peak.abs_diff(10_000) <= 3, "peak at {peak}");
}

#[test]
fn output_gain_is_applied() {
    let total = 24000u64;
    let (a, _, _) = decode_bytes(&mono_file(0, total)).unwrap();
    // -6.0206 dB in Q7.8 is -1541: half amplitude.
    let (b, _, _) = decode_bytes(&mono_file(-1541, total)).unwrap();
    assert_eq!(a.len(), b.len());
    let max_err = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x * 0.5 - y).abs())
        .fold(0f32, f32::max);
    assert!(max_err < 1e-3, "max_err {max_err}");
}

#[test]
fn stereo_and_surround_roundtrip() {
    for &ch in &[2usize, 6] {
        let total = 30000u64;
        let (packets, streams, coupled, mapping) = encode(ch, total as usize, 300.0);
        let head = if ch == 2 {
            opus_head(2, 312, 0, 0, None)
        } else {
            opus_head(ch as u8, 312, 0, 1, Some((streams, coupled, &mapping)))
        };
        let (pcm, got_ch, _) = decode_bytes(&mux(&head, &packets, 312, total, 99, 3)).unwrap();
        assert_eq!(got_ch, ch);
        assert_eq!(pcm.len() as u64, total * ch as u64);
        assert!(rms(&pcm) > 0.1);
    }
}

#[test]
fn surround_channels_come_out_in_wave_order() {
    // Only Vorbis-order channels 1 (C) and 5 (LFE) carry signal; WAVE order puts them at 2, 3.
    let (packets, s, c, mapping) = encode_with(6, 19200, |t, ch| match ch {
        5 => 0.5 * (2.0 * std::f32::consts::PI * 60.0 * t).sin(),
        1 => 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * t).sin(),
        _ => 0.0,
    });
    let head = opus_head(6, 312, 0, 1, Some((s, c, &mapping)));
    let (pcm, ch, _) = decode_bytes(&mux(&head, &packets, 312, 18000, 5, 4)).unwrap();
    assert_eq!(ch, 6);
    let chan_rms: Vec<f32> = (0..6)
        .map(|k| rms(&pcm.iter().skip(k).step_by(6).copied().collect::<Vec<_>>()))
        .collect();
    // WAVE order: FL FR FC LFE BL BR
    assert!(chan_rms[2] > 0.2 && chan_rms[3] > 0.2, "{chan_rms:?}");
    assert!(
        [0, 1, 4, 5].iter().all(|&k| chan_rms[k] < 0.05),
        "{chan_rms:?}"
    );
}

#[test]
fn packets_spanning_pages_and_large_tags() {
    let total = 9600u64;
    let (packets, _, _, _) = encode(1, total as usize, 440.0);
    let serial = 3;
    let mut f = ogg_page(2, 0, serial, 0, &[&opus_head(1, 312, 0, 0, None)], false);
    // OpusTags of ~200 KiB spread over several pages.
    let mut tags = opus_tags();
    tags.extend(vec![b'x'; 200_000]);
    let mut seq = 1;
    let pieces: Vec<&[u8]> = tags.chunks(255 * 200).collect();
    for (i, p) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        let g = if last { 0 } else { -1 };
        f.extend(ogg_page((i > 0) as u8, g, serial, seq, &[p], !last));
        seq += 1;
    }
    // Audio: each packet longer than 255 bytes is split across two pages.
    let (mut granule, mut splits) = (0i64, 0);
    for (i, p) in packets.iter().enumerate() {
        let cut = if p.len() > 255 { 255 } else { 0 };
        splits += (cut > 0) as usize;
        let last = i + 1 == packets.len();
        granule += 960;
        let g = if last { 312 + total as i64 } else { granule };
        let eos = if last { 4 } else { 0 };
        if cut > 0 {
            f.extend(ogg_page(0, -1, serial, seq, &[&p[..cut]], true));
            seq += 1;
            f.extend(ogg_page(1 | eos, g, serial, seq, &[&p[cut..]], false));
        } else {
            f.extend(ogg_page(eos, g, serial, seq, &[p], false));
        }
        seq += 1;
    }
    assert!(
        splits > packets.len() / 2,
        "only {splits} packets were split"
    );
    let (pcm, _, warnings) = decode_bytes(&f).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(pcm.len() as u64, total);
}

#[test]
fn garbage_between_pages_and_corrupt_pages_are_skipped() {
    let total = 48000u64;
    let clean = mono_file(0, total);
    // The two header pages: OpusHead (19 bytes, 1 segment) and OpusTags (20 bytes, 1 segment).
    let head_len = (27 + 1 + 19) + (27 + 1 + 20);
    assert_eq!(&clean[head_len..head_len + 4], b"OggS");
    let (pcm, _, _) = decode_bytes(&clean).unwrap();
    assert_eq!(pcm.len() as u64, total);
    // The first audio page, then the second.
    let page1 = head_len + 27 + clean[head_len + 26] as usize;
    let page1_len = page1 - head_len
        + clean[head_len + 27..page1]
            .iter()
            .map(|&l| l as usize)
            .sum::<usize>();
    let second = head_len + page1_len;
    assert_eq!(&clean[second..second + 4], b"OggS");

    // Garbage with a false capture pattern between two audio pages: skipped, nothing lost.
    let mut dirty = clean[..second].to_vec();
    dirty.extend_from_slice(b"garbageOggS\x00\x00junkjunkjunkjunkjunkjunkjunkjunk\xff\xff");
    dirty.extend_from_slice(&clean[second..]);
    let (pcm2, _, _) = decode_bytes(&dirty).unwrap();
    assert_eq!(pcm2, pcm);

    // A flipped byte in the second audio page's body: its CRC fails, that page (5 packets,
    // 4800 frames) is dropped and the rest decodes.
    let mut corrupt = clean.clone();
    corrupt[second + 60] ^= 0x55;
    let (pcm3, _, _) = decode_bytes(&corrupt).unwrap();
    assert_eq!(pcm3.len() as u64, total - 4800);
    // Page 1 (4800 frames less the 312 of pre-skip) is untouched.
    assert!(pcm3[..4488] == pcm[..4488]);

    // Garbage or damage before or in the first audio page, which symphonia reads while
    // probing, fails the file as an invalid stream (the old own Ogg reader skipped it).
    let mut early = clean[..head_len].to_vec();
    early.extend_from_slice(b"garbageOggS\x00\x00junkjunkjunkjunkjunkjunkjunkjunk\xff\xff");
    early.extend_from_slice(&clean[head_len..]);
    let e = decode_bytes(&early).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidStream, "{e}");
    let mut first = clean.clone();
    first[head_len + 40] ^= 0x55;
    let e = decode_bytes(&first).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidStream, "{e}");
}

#[test]
fn truncated_files_never_panic() {
    let f = mono_file(0, 20000);
    for cut in (0..f.len()).step_by(37) {
        if let Ok((pcm, _, _)) = decode_bytes(&f[..cut]) {
            assert!(pcm.len() <= 20000);
        }
    }
}

#[test]
fn corrupt_packets_are_skipped_and_decoding_continues() {
    // Valid framing, a bogus packet between two 20 ms CELT silence packets: the bad one (TOC
    // code 3, two 10 ms frames of equal size, but an odd 3-byte payload) is one libopus
    // rejects; it is skipped with a warning, its 10 ms + 10 ms are not output.
    let mut f = ogg_page(2, 0, 1, 0, &[&opus_head(1, 0, 0, 0, None)], false);
    f.extend(ogg_page(0, 0, 1, 1, &[&opus_tags()], false));
    let bad: &[u8] = &[0x03, 0x02, 1, 2, 3];
    let silence: &[u8] = &[0xf8, 0xff, 0xfe];
    f.extend(ogg_page(4, 2880, 1, 2, &[bad, silence, silence], false));
    let (pcm, _, warnings) = decode_bytes(&f).unwrap();
    assert_eq!(pcm.len(), 1920);
    assert!(
        warnings.iter().any(|w| w.contains("corrupt packet")),
        "{warnings:?}"
    );
}

#[test]
fn bad_heads_are_typed_errors() {
    let head_only = |h: &[u8]| {
        let mut f = ogg_page(2, 0, 1, 0, &[h], false);
        f.extend(ogg_page(0, 0, 1, 1, &[&opus_tags()], false));
        f.extend(ogg_page(4, 960, 1, 2, &[&[0xf8, 0xff, 0xfe]], false));
        decode_bytes(&f).map(|_| ()).unwrap_err().kind()
    };
    use ErrorKind::*;
    let hostile = [UnsupportedFormat, UnsupportedCodec, InvalidStream, Decode];
    // Too short, 0 channels, family 3, a mapping entry out of range, major version 2.
    let short = b"OpusHead\x01\x02".to_vec();
    let zero = opus_head(0, 312, 0, 0, None);
    let fam3 = opus_head(4, 312, 0, 3, Some((2, 2, &[0, 1, 2, 3])));
    let bad_map = opus_head(2, 312, 0, 1, Some((1, 0, &[0, 5])));
    let mut v2 = opus_head(1, 312, 0, 0, None);
    v2[8] = 0x20;
    for h in [short, zero, fam3, bad_map, v2] {
        let k = head_only(&h);
        assert!(hostile.contains(&k), "{k:?}");
    }
}

#[test]
fn header_only_stream_is_not_a_stream() {
    let mut f = ogg_page(2, 0, 1, 0, &[&opus_head(2, 312, 0, 0, None)], false);
    f.extend(ogg_page(4, 0, 1, 1, &[&opus_tags()], false));
    // symphonia's Ogg reader finds no audio packet while probing: not a playable stream.
    let e = decode_bytes(&f).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnsupportedFormat, "{e}");
}

#[test]
fn random_damage_never_panics() {
    let base = mono_file(0, 9600);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let dir = tempfile::tempdir().unwrap();
    for i in 0..200 {
        let mut f = base.clone();
        for _ in 0..1 + rnd() % 20 {
            let k = (rnd() as usize) % f.len();
            f[k] = rnd() as u8;
        }
        let _ = decode_file(&write(dir.path(), &format!("{i}.opus"), &f));
    }
    // Random packets in pages with valid headers and CRCs.
    for i in 0..100 {
        let mut f = ogg_page(2, 0, 1, 0, &[&opus_head(2, 312, 0, 0, None)], false);
        f.extend(ogg_page(0, 0, 1, 1, &[&opus_tags()], false));
        for s in 0..5u32 {
            let pkts: Vec<Vec<u8>> = (0..3)
                .map(|_| (0..(rnd() % 300)).map(|_| rnd() as u8).collect())
                .collect();
            let refs: Vec<&[u8]> = pkts.iter().map(|p| p.as_slice()).collect();
            f.extend(ogg_page(
                0,
                (rnd() % 100_000) as i64,
                1,
                2 + s,
                &refs,
                false,
            ));
        }
        let _ = decode_file(&write(dir.path(), &format!("r{i}.opus"), &f));
    }
}

#[test]
fn chained_streams_continue() {
    let a = mono_file(0, 9600);
    let (packets, _, _, _) = encode(1, 4800, 440.0);
    let b = mux(
        &opus_head(1, 312, 0, 0, None),
        &packets,
        312,
        4800,
        0x777,
        5,
    );
    let (pcm, _, warnings) = decode_bytes(&[a, b].concat()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(pcm.len(), 9600 + 4800);
}
