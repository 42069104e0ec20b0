//! The spectral-contrast stage: per frame, the peak and valley energy of each band
//! ([`crate::features::spectral::Contrast`]) in dB; at the end of each block, the contrast
//! `peak_dB − valley_dB` with both floored at the track maximum minus 80 dB, as librosa's
//! `power_to_db(…, top_db=80)` over the whole matrix.

use crate::dsp::Frame;
use crate::features::spectral::{Contrast, power_db};
use crate::features::stages::db_rows::DbRows;
use crate::summary::{RunningStats, VecStat};

/// Spectral contrast rows (6 bands + the residual band).
pub const N_CONTRAST: usize = 7;

/// Per-track state.
#[derive(Debug)]
struct Track {
    peak_db: DbRows,
    valley_db: DbRows,
    stats: [RunningStats; N_CONTRAST],
    /// Frame-major contrast rows, when kept.
    kept: Vec<f32>,
}

impl Default for Track {
    fn default() -> Self {
        Track {
            peak_db: DbRows::new(N_CONTRAST),
            valley_db: DbRows::new(N_CONTRAST),
            stats: [RunningStats::default(); N_CONTRAST],
            kept: Vec::new(),
        }
    }
}

/// Spectral contrast of a track.
#[derive(Debug)]
pub struct ContrastStage {
    contrast: Contrast,
    keep: bool,
    peak: [f32; N_CONTRAST],
    valley: [f32; N_CONTRAST],
    track: Track,
}

impl ContrastStage {
    /// Plans librosa's default contrast (fmin 200 Hz, 6 bands, quantile 0.02) for `sr` and
    /// `n_fft`; `keep` keeps every frame's row.
    pub fn new(sr: u32, n_fft: usize, keep: bool) -> Self {
        ContrastStage {
            contrast: Contrast::new(sr, n_fft, 200.0, 6, 0.02),
            keep,
            peak: [0.0; N_CONTRAST],
            valley: [0.0; N_CONTRAST],
            track: Track::default(),
        }
    }

    /// Takes one frame.
    pub fn process(&mut self, frame: &Frame<'_>) {
        self.contrast
            .peaks_valleys(frame.magnitude, &mut self.peak, &mut self.valley);
        let t = &mut self.track;
        t.peak_db.push(self.peak.iter().map(|&p| power_db(p)));
        t.valley_db.push(self.valley.iter().map(|&v| power_db(v)));
        if t.peak_db.block_full() {
            self.flush();
        }
    }

    /// Finalises the waiting rows against the maximum seen so far.
    fn flush(&mut self) {
        let t = &mut self.track;
        let (floor_peak, floor_valley) = (t.peak_db.floor(), t.valley_db.floor());
        for (p, v) in t.peak_db.rows().zip(t.valley_db.rows()) {
            for b in 0..N_CONTRAST {
                let c = p[b].max(floor_peak) - v[b].max(floor_valley);
                t.stats[b].push(c);
                if self.keep {
                    t.kept.push(c);
                }
            }
        }
        t.peak_db.clear();
        t.valley_db.clear();
    }

    /// The track's contrast summary and, when kept, its frame-major rows; forgets the track.
    pub fn finish(&mut self) -> (VecStat, Vec<f32>) {
        self.flush();
        let t = std::mem::take(&mut self.track);
        (VecStat::from_stats(&t.stats), t.kept)
    }

    /// Forgets the track.
    pub fn reset(&mut self) {
        self.track = Track::default();
    }
}
