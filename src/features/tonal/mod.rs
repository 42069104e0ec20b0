//! Tuning, chroma and key. (Placeholder: being written.)

/// Key estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// `C`, `C#`, … `B`.
    pub tonic: &'static str,
    /// `major` or `minor`.
    pub mode: &'static str,
    /// Confidence in `[0, 1]`.
    pub confidence: f32,
}

/// Tonal description of a track.
#[derive(Debug, Clone, PartialEq)]
pub struct TonalResult {
    /// Deviation from A440 in cents.
    pub tuning_cents: f32,
    /// Reference frequency of A4 in Hz.
    pub reference_hz: f32,
    /// `chroma_stft` per frame (C first), one row of 12 per frame.
    pub chroma: Vec<[f32; 12]>,
    pub chroma_mean: [f32; 12],
    pub chroma_std: [f32; 12],
    pub key: Key,
}

/// Streaming tonal analysis: fed every STFT power frame and the mono analysis-rate signal.
#[derive(Debug)]
pub struct TonalAnalyzer {
    frames: usize,
}

impl TonalAnalyzer {
    /// Plans the analysis for sample rate `sr`, STFT size `n_fft`, hop `hop`.
    pub fn new(_sr: u32, _n_fft: usize, _hop: usize) -> Self {
        TonalAnalyzer { frames: 0 }
    }

    /// One STFT frame's power spectrum `|X|²` (`n_fft/2 + 1` bins), in order.
    pub fn frame(&mut self, _power: &[f32]) {
        self.frames += 1;
    }

    /// The next chunk of the mono analysis-rate signal, in order.
    pub fn audio(&mut self, _samples: &[f32]) {}

    /// Ends the track and returns the result.
    pub fn finish(&mut self) -> TonalResult {
        TonalResult {
            tuning_cents: 0.0,
            reference_hz: 440.0,
            chroma: vec![[0.0; 12]; self.frames],
            chroma_mean: [0.0; 12],
            chroma_std: [0.0; 12],
            key: Key {
                tonic: "C",
                mode: "major",
                confidence: 0.0,
            },
        }
    }
}
