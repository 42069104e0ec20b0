//! Loudness and dynamics per EBU R128 / ITU-R BS.1770-4, at the source sample rate and with
//! every source channel (the `ebur128` crate, a port of libebur128).
//!
//! - **integrated loudness** (LUFS): K-weighted mean square over 400 ms blocks (75 % overlap),
//!   gated at −70 LUFS absolute and −10 LU relative.
//! - **loudness range** (LU): 10th to 95th percentile of the 3 s short-term loudness,
//!   gated at −70 LUFS absolute and −20 LU relative (EBU Tech 3342). The short-term
//!   loudness is sampled every 100 ms, like ffmpeg's `ebur128` filter (libebur128 samples it
//!   every second, which moves LRA by 0.1–0.3 LU on short tracks); the values go into a
//!   0.01 LU histogram, so memory stays constant.
//! - **true peak** (dBTP): maximum over channels of the 4× oversampled absolute sample value
//!   (2× at 96 kHz and above), in dB relative to full scale.
//!
//! Histogram mode keeps memory constant whatever the track length (results are quantised to
//! 0.01 LU, far below the 0.1 LU agreement with ffmpeg's `ebur128` filter). Channels follow
//! libebur128's default map (L, R, C, LFE ignored, Ls, Rs). Silence has no measurable
//! loudness: the fields are `null` (never −∞ or NaN).

use ebur128::{EbuR128, Mode};
use serde::Serialize;

/// The loudness summary of a track.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Loudness {
    /// Integrated loudness in LUFS; `None` when the track is silent or shorter than 400 ms.
    pub integrated_lufs: Option<f64>,
    /// Loudness range in LU; 0 when the track is shorter than 3 s or has no gated
    /// short-term block (ffmpeg reports the same); `None` only when nothing was measured.
    pub range_lu: Option<f64>,
    /// True peak in dBTP; `None` for digital silence.
    pub true_peak_dbtp: Option<f64>,
}

/// Lowest short-term loudness kept by the LRA histogram (the absolute gate), LUFS.
const LRA_FLOOR: f64 = -70.0;
/// Histogram resolution for LRA, LU.
const LRA_STEP: f64 = 0.01;
/// Histogram bins: −70 … +30 LUFS.
const LRA_BINS: usize = 10_000;

/// Streaming loudness meter.
#[derive(Default)]
pub struct LoudnessMeter {
    meter: Option<EbuR128>,
    channels: usize,
    rate: u32,
    failed: bool,
    /// Interleaved samples waiting to complete a 100 ms step.
    pending: Vec<f32>,
    step_frames: usize,
    frames_fed: u64,
    /// Short-term loudness histogram (counts) and the energy sum of the gated values.
    hist: Vec<u32>,
}

impl std::fmt::Debug for LoudnessMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoudnessMeter")
            .field("channels", &self.channels)
            .field("rate", &self.rate)
            .finish()
    }
}

fn finite(x: Result<f64, ebur128::Error>) -> Option<f64> {
    x.ok().filter(|v| v.is_finite())
}

impl LoudnessMeter {
    /// Feeds interleaved source audio. The meter is (re)configured on the first chunk.
    pub fn add(&mut self, samples: &[f32], channels: usize, rate: u32) {
        if self.failed || channels == 0 {
            return;
        }
        if self.meter.is_none() || channels != self.channels || rate != self.rate {
            if self.meter.is_some() {
                // Parameters changed mid-stream: the measurement would mix two streams.
                self.failed = true;
                self.meter = None;
                return;
            }
            match EbuR128::new(
                channels as u32,
                rate,
                Mode::I | Mode::S | Mode::TRUE_PEAK | Mode::HISTOGRAM,
            ) {
                Ok(m) => {
                    self.meter = Some(m);
                    self.channels = channels;
                    self.rate = rate;
                    self.step_frames = (rate as usize).div_ceil(10).max(1);
                    self.hist = vec![0; LRA_BINS];
                }
                Err(_) => {
                    self.failed = true;
                    return;
                }
            }
        }
        let step = self.step_frames * channels;
        let mut rest = &samples[..samples.len() / channels * channels];
        while !rest.is_empty() {
            let take = (step - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() == step {
                self.feed_step();
            }
        }
    }

    /// Feeds one 100 ms step and samples the short-term loudness.
    fn feed_step(&mut self) {
        let Some(m) = &mut self.meter else { return };
        if m.add_frames_f32(&self.pending).is_err() {
            self.failed = true;
        }
        self.frames_fed += (self.pending.len() / self.channels) as u64;
        self.pending.clear();
        // short-term values only once a full 3 s window has been seen
        if self.frames_fed >= 3 * self.rate as u64
            && let Ok(st) = m.loudness_shortterm()
            && st.is_finite()
            && st >= LRA_FLOOR
        {
            let bin = ((st - LRA_FLOOR) / LRA_STEP).floor() as usize;
            self.hist[bin.min(LRA_BINS - 1)] += 1;
        }
    }

    /// Loudness range (EBU Tech 3342) from the short-term histogram.
    fn loudness_range(&self) -> Option<f64> {
        let value = |b: usize| LRA_FLOOR + (b as f64 + 0.5) * LRA_STEP;
        let (mut n, mut energy) = (0u64, 0f64);
        for (b, &c) in self.hist.iter().enumerate() {
            n += c as u64;
            energy += c as f64 * 10f64.powf(value(b) / 10.0);
        }
        if n == 0 {
            return None;
        }
        let gate = 10.0 * (energy / n as f64).log10() - 20.0;
        let first = self
            .hist
            .iter()
            .enumerate()
            .position(|(b, _)| value(b) >= gate)
            .unwrap_or(LRA_BINS);
        let gated: u64 = self.hist[first..].iter().map(|&c| c as u64).sum();
        if gated == 0 {
            return None;
        }
        let percentile = |p: f64| {
            let target = ((gated as f64 - 1.0) * p).round() as u64;
            let mut cum = 0u64;
            for (b, &c) in self.hist.iter().enumerate().skip(first) {
                cum += c as u64;
                if cum > target {
                    return value(b);
                }
            }
            value(LRA_BINS - 1)
        };
        Some((percentile(0.95) - percentile(0.10)).max(0.0))
    }

    /// The measurement so far; resets the meter for the next track.
    pub fn finish(&mut self) -> Loudness {
        if !self.pending.is_empty() && !self.failed {
            if let Some(m) = &mut self.meter
                && m.add_frames_f32(&self.pending).is_err()
            {
                self.failed = true;
            }
            self.pending.clear();
        }
        let range = self.loudness_range();
        let out = match (&self.meter, self.failed) {
            (Some(m), false) => {
                let peak = (0..self.channels as u32)
                    .filter_map(|c| m.true_peak(c).ok())
                    .fold(0.0f64, f64::max);
                Loudness {
                    integrated_lufs: finite(m.loudness_global()),
                    // no complete 3 s window (or all gated): 0 LU, as ffmpeg reports
                    range_lu: Some(range.filter(|v| v.is_finite()).unwrap_or(0.0)),
                    true_peak_dbtp: (peak > 0.0)
                        .then(|| 20.0 * peak.log10())
                        .filter(|v| v.is_finite()),
                }
            }
            _ => Loudness::default(),
        };
        *self = LoudnessMeter::default();
        out
    }
}
