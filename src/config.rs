//! Analysis parameters.

use crate::error::{Error, Result};

/// Longest audio analysed per track unless [`AnalysisConfig::max_duration_s`] says otherwise:
/// 3 hours. Longer input is truncated with a warning (its full `duration_s` is still
/// reported), so a decompression bomb — a tiny file that decodes to days of audio — costs at
/// most three hours of analysis (≈ 25 s of CPU) and bounded memory. Every per-track buffer is
/// then bounded: the whole-track rows kept for tempo and key (onset envelope, chroma) take
/// 52 bytes per frame, ≈ 44 MB for three hours at 22050 Hz / hop 512.
pub const DEFAULT_MAX_DURATION_S: f64 = 3.0 * 3600.0;

/// Analysis parameters. Defaults are librosa's: 22050 Hz, `n_fft` 2048, hop 512.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisConfig {
    /// Analysis sample rate `sr` in Hz (the audio is resampled to it); 1000 to 384000.
    pub sample_rate: u32,
    /// STFT frame length.
    pub n_fft: usize,
    /// STFT hop length.
    pub hop_length: usize,
    /// Analyse at most this many seconds of audio; longer tracks are truncated with a
    /// warning. `None` means [`DEFAULT_MAX_DURATION_S`]; `Some(f64::INFINITY)` lifts the cap
    /// (memory then grows with the track, 52 bytes per frame).
    pub max_duration_s: Option<f64>,
    /// Fail a track with [`Error::Timeout`] when its analysis takes longer than this.
    pub timeout_s: Option<f64>,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            sample_rate: 22050,
            n_fft: 2048,
            hop_length: 512,
            max_duration_s: None,
            timeout_s: None,
        }
    }
}

impl AnalysisConfig {
    /// Checks every parameter; [`Error::Config`] names the first one out of range.
    pub fn validate(&self) -> Result<()> {
        let bad = |cause: String| Err(Error::Config { cause });
        if !(1000..=384_000).contains(&self.sample_rate) {
            return bad(format!(
                "analysis sample rate must be 1000..=384000 Hz, got {}",
                self.sample_rate
            ));
        }
        if let Some(m) = self.max_duration_s
            && (m.is_nan() || m <= 0.0)
        {
            return bad(format!("max_duration_s must be > 0 s, got {m}"));
        }
        if let Some(t) = self.timeout_s
            && (t.is_nan() || t < 0.0)
        {
            return bad(format!("timeout_s must be >= 0 s, got {t}"));
        }
        Ok(())
    }

    /// The cap on analysed seconds in force: `max_duration_s` or [`DEFAULT_MAX_DURATION_S`].
    pub fn effective_max_duration(&self) -> f64 {
        self.max_duration_s.unwrap_or(DEFAULT_MAX_DURATION_S)
    }
}
