//! `librosa.load`: decode any format leitmotif reads, downmix, resample.

use std::path::Path;

use ndarray::Array2;

use super::{bad, is_nonneg};
use crate::audio::downmix::downmix_into;
use crate::audio::{Decoder, Resampler};
use crate::error::Result;

/// `librosa.load(path, sr=sr, mono=mono, offset=offset, duration=duration)`: the decoded
/// audio as an `(channels, n)` matrix (one row when `mono`, the mean of the channels as
/// `librosa.to_mono`) and its sample rate. `sr = None` keeps the file's rate; otherwise
/// every channel is resampled with the analysis resampler (`crate::audio::resample`,
/// sized to follow librosa's default `soxr_hq`). `offset` and `duration` (seconds) select
/// `⌊offset·sr_file⌋ …` and `⌊duration·sr_file⌋` samples at the file's rate, as librosa's
/// soundfile path does. Errors name the file and the cause (see [`crate::Error`]).
pub fn load(
    path: &Path,
    sr: Option<u32>,
    mono: bool,
    offset: f64,
    duration: Option<f64>,
) -> Result<(Array2<f32>, u32)> {
    if !is_nonneg(offset) || duration.is_some_and(|d| !is_nonneg(d)) {
        return Err(bad(format!(
            "offset={offset} and duration={duration:?} must be non-negative"
        )));
    }
    if sr == Some(0) {
        return Err(bad("sr must be a positive integer or None"));
    }
    let mut dec = Decoder::open(path)?;
    let native = dec.info().sample_rate;
    let channels = dec.info().channels.max(1);
    let skip = (offset * native as f64).floor() as u64;
    let keep = duration.map(|d| (d * native as f64).floor() as u64);
    let out_ch = if mono { 1 } else { channels };
    let mut planar: Vec<Vec<f32>> = vec![Vec::new(); out_ch];
    let mut seen = 0u64; // frames at the file's rate
    while let Some(chunk) = dec.next_chunk()? {
        let c = chunk.channels.max(1);
        let frames = (chunk.samples.len() / c) as u64;
        let lo = skip.saturating_sub(seen).min(frames) as usize;
        let hi = match keep {
            Some(k) => (skip + k).saturating_sub(seen).min(frames) as usize,
            None => frames as usize,
        };
        seen += frames;
        if hi > lo {
            let part = &chunk.samples[lo * c..hi * c];
            if mono {
                downmix_into(part, c, &mut planar[0]);
            } else {
                for (ch, out) in planar.iter_mut().enumerate() {
                    out.extend(part.iter().skip(ch.min(c - 1)).step_by(c));
                }
            }
        }
        if keep.is_some_and(|k| seen >= skip + k) {
            break;
        }
    }
    let rate = sr.unwrap_or(native);
    if rate != native {
        let mut rs = Resampler::new(native, rate)?;
        for ch in planar.iter_mut() {
            rs.reset();
            let mut out = Vec::with_capacity(ch.len() * rate as usize / native as usize + 1);
            rs.process(ch, &mut out);
            rs.finish(&mut out);
            *ch = out;
        }
    }
    let n = planar.first().map_or(0, Vec::len);
    let flat: Vec<f32> = planar.into_iter().flatten().collect();
    let y = Array2::from_shape_vec((out_ch, n), flat).map_err(|e| bad(format!("{e}")))?;
    Ok((y, rate))
}
