//! Tempo, beats and onset rate from the onset-strength envelope. (Placeholder: being written.)

/// Tempo, beats and onset rate of a track.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RhythmResult {
    /// Global tempo in BPM; `None` when the audio has no pulse.
    pub bpm: Option<f32>,
    /// Confidence in `[0, 1]`.
    pub confidence: f32,
    /// Beat times in seconds.
    pub beats: Vec<f32>,
    /// Onsets per second.
    pub onset_rate: f32,
}

/// Analyses an onset-strength envelope (librosa `onset_strength` definition, one value per
/// STFT frame) sampled every `hop` samples at `sr` Hz.
pub fn analyze(_onset_env: &[f32], _sr: u32, _hop: usize) -> RhythmResult {
    RhythmResult::default()
}
