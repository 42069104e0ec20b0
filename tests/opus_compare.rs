//! TEMPORARY: the old own-Ogg path against symphonia's demuxer + the registered decoder.
#[path = "opus.rs"]
#[allow(dead_code)]
mod t;
use leitmotif::audio::opus_old::OggOpusReader;

fn old(bytes: &[u8]) -> Option<Vec<f32>> {
    let mut r = OggOpusReader::new(Box::new(std::io::Cursor::new(bytes.to_vec()))).ok()?;
    let (mut all, mut buf) = (Vec::new(), Vec::new());
    let mut errors = 0;
    loop {
        match r.next_packet(&mut buf) {
            Ok(true) => all.extend_from_slice(&buf),
            Ok(false) => break,
            Err(_) => errors += 1,
        }
        if errors > 1000 { break; }
    }
    Some(all)
}

#[test]
fn old_and_new_agree() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for f in ["opus_mono_48k.opus", "opus_stereo_48k.opus", "opus_stereo_from44k.opus"] {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats").join(f);
        cases.push((f.into(), std::fs::read(p).unwrap()));
    }
    cases.push(("mono".into(), t::mono_file(0, 48123)));
    cases.push(("gain".into(), t::mono_file(-1541, 24000)));
    for ch in [2usize, 6] {
        let (packets, s, c, m) = t::encode(ch, 30000, 300.0);
        let head = if ch == 2 { t::opus_head(2, 312, 0, 0, None) } else { t::opus_head(ch as u8, 312, 0, 1, Some((s, c, &m))) };
        cases.push((format!("ch{ch}"), t::mux(&head, &packets, 312, 30000, 99, 3)));
    }
    let (p3, _, _, _) = t::encode(1, 4800, 440.0);
    cases.push(("chain".into(), [t::mono_file(0, 9600), t::mux(&t::opus_head(1, 312, 0, 0, None), &p3, 312, 4800, 0x777, 5)].concat()));
    for (name, bytes) in &cases {
        let a = old(bytes).unwrap();
        let (b, _, w) = t::decode_file(&t::write(dir.path(), "x.opus", bytes)).unwrap();
        let maxdiff = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
        eprintln!("COMPARE {name}: old {} new {} identical {} maxdiff {maxdiff:e} warnings {w:?}", a.len(), b.len(), a == b);
    }
}
