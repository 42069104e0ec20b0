//! Loudness and dynamics per EBU R128 / ITU-R BS.1770-4, at the source sample rate and with
//! every source channel (the `ebur128` crate, a port of libebur128).
//!
//! - **integrated loudness** (LUFS): K-weighted mean square over 400 ms blocks (75 % overlap),
//!   gated at −70 LUFS absolute and −10 LU relative.
//! - **loudness range** (LU): 10th to 95th percentile of 3 s short-term loudness, gated at
//!   −70 LUFS absolute and −20 LU relative (EBU Tech 3342).
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
    /// Loudness range in LU; `None` when there is no gated short-term block.
    pub range_lu: Option<f64>,
    /// True peak in dBTP; `None` for digital silence.
    pub true_peak_dbtp: Option<f64>,
}

/// Streaming loudness meter.
pub struct LoudnessMeter {
    meter: Option<EbuR128>,
    channels: usize,
    rate: u32,
    failed: bool,
}

impl std::fmt::Debug for LoudnessMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoudnessMeter").field("channels", &self.channels).field("rate", &self.rate).finish()
    }
}

impl Default for LoudnessMeter {
    fn default() -> Self {
        LoudnessMeter { meter: None, channels: 0, rate: 0, failed: false }
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
            match EbuR128::new(channels as u32, rate, Mode::I | Mode::LRA | Mode::TRUE_PEAK | Mode::HISTOGRAM) {
                Ok(m) => {
                    self.meter = Some(m);
                    self.channels = channels;
                    self.rate = rate;
                }
                Err(_) => {
                    self.failed = true;
                    return;
                }
            }
        }
        if let Some(m) = &mut self.meter {
            let whole = samples.len() / channels * channels;
            if m.add_frames_f32(&samples[..whole]).is_err() {
                self.failed = true;
            }
        }
    }

    /// The measurement so far; resets the meter for the next track.
    pub fn finish(&mut self) -> Loudness {
        let out = match (&self.meter, self.failed) {
            (Some(m), false) => {
                let peak = (0..self.channels as u32).filter_map(|c| m.true_peak(c).ok()).fold(0.0f64, f64::max);
                Loudness {
                    integrated_lufs: finite(m.loudness_global()),
                    range_lu: finite(m.loudness_range()),
                    true_peak_dbtp: (peak > 0.0).then(|| 20.0 * peak.log10()).filter(|v| v.is_finite()),
                }
            }
            _ => Loudness::default(),
        };
        *self = LoudnessMeter::default();
        out
    }
}
