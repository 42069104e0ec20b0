//! The onset-strength stage: the spectral flux between consecutive floored mel dB rows
//! ([`crate::features::onset`]), kept for the whole track (one value per frame), from which
//! the envelope is built at the end.

use crate::features::onset::{envelope_from_flux, flux};

/// Onset strength of a track.
#[derive(Debug, Default)]
pub struct OnsetStage {
    prev: Vec<f32>,
    diffs: Vec<f32>,
}

impl OnsetStage {
    /// Takes the next floored mel dB row (in frame order).
    pub fn process(&mut self, row: &[f32]) {
        if self.prev.is_empty() {
            self.prev.extend_from_slice(row);
        } else {
            self.diffs.push(flux(&self.prev, row));
            self.prev.copy_from_slice(row);
        }
    }

    /// The onset-strength envelope of an `n_frames`-frame track (librosa's alignment);
    /// forgets the track.
    pub fn finish(&mut self, n_frames: usize) -> Vec<f32> {
        let env = envelope_from_flux(&self.diffs, n_frames);
        self.reset();
        env
    }

    /// Forgets the track (keeps the buffers' capacity).
    pub fn reset(&mut self) {
        self.prev.clear();
        self.diffs.clear();
    }
}
