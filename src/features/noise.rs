//! Whether audio is noise-like: the mean spectral flatness of its sounding frames.
//!
//! One decision for two stages: noise-like audio without a significant periodicity gets no
//! tempo (`features::rhythm`), and a stricter tonalness threshold before it gets a key
//! (`features::tonal`). The spectral stage accumulates it ([`NoiseFlatness::push`]) from the
//! per-frame `spectral_flatness` and `rms` it computes anyway.

/// Mean spectral flatness (librosa `spectral_flatness`, power) of the sounding frames
/// ([`NoiseFlatness`]) above which audio counts as noise-like for the no-tempo decision
/// ([`crate::features::rhythm::Rhythm::analyze_hinted`]) and the no-key decision
/// ([`crate::features::tonal::TonalAnalyzer::finish_hinted`]). Music measures 0.00002–0.015
/// (the bundled samples, the fixtures, 16 Wesnoth tracks), pink noise 0.15, white noise ≈ 0.5,
/// digital silence 1.
pub const NOISE_FLATNESS: f32 = 0.05;

/// Frame RMS (the linear `rms` feature of the frame) below which a frame is silent, −60 dBFS:
/// such frames are left out of the noise-like decision ([`NoiseFlatness`]).
pub const SOUNDING_RMS: f32 = 1e-3;

/// The mean spectral flatness the noise-like decision reads: over the **sounding** frames
/// (RMS ≥ [`SOUNDING_RMS`]), or over all frames when none is. Digital silence has flatness 1
/// (librosa's definition), so over all frames a song with a silent intro or tail would read as
/// noise: Wesnoth's `sad.ogg`, 44 s with ≈ 4 s of digital silence, measures 0.075 over all
/// frames and 0.0001 over its sounding ones.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct NoiseFlatness {
    sounding_sum: f64,
    sounding: usize,
    all_sum: f64,
    all: usize,
}

impl NoiseFlatness {
    /// Adds one frame's flatness and RMS.
    pub fn push(&mut self, flatness: f32, rms: f32) {
        self.all_sum += flatness as f64;
        self.all += 1;
        if rms >= SOUNDING_RMS {
            self.sounding_sum += flatness as f64;
            self.sounding += 1;
        }
    }

    /// The mean flatness of the sounding frames (of all frames when none is; NaN for none).
    pub fn mean(&self) -> f64 {
        if self.sounding > 0 {
            self.sounding_sum / self.sounding as f64
        } else {
            self.all_sum / self.all as f64
        }
    }

    /// The decision: [`is_noise_like`] of [`Self::mean`].
    pub fn is_noise_like(&self) -> bool {
        is_noise_like(self.mean())
    }

    /// The same over per-frame rows (`flatness[t]`, `rms[t]`, as `FrameMatrices` keeps them).
    pub fn of_frames(flatness: &[f32], rms: &[f32]) -> Self {
        let mut n = NoiseFlatness::default();
        for (&f, &r) in flatness.iter().zip(rms) {
            n.push(f, r);
        }
        n
    }
}

/// Whether a track whose mean spectral flatness (of its sounding frames: [`NoiseFlatness`]) is
/// `flatness_mean` counts as noise-like (above [`NOISE_FLATNESS`], or not a finite number).
pub fn is_noise_like(flatness_mean: f64) -> bool {
    !matches!(
        flatness_mean.partial_cmp(&(NOISE_FLATNESS as f64)),
        Some(std::cmp::Ordering::Less)
    )
}
