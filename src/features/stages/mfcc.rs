//! The mel/MFCC stage: the mel power spectrum of every frame
//! ([`crate::dsp::filterbank::MelFilterbank`]) in dB, and, once the block's floor is known,
//! the MFCCs of the floored rows ([`crate::dsp::filterbank::Dct2`]); each floored row also
//! goes to the onset stage (definitions in [`crate::features::timbre`]).

use crate::dsp::filterbank::{Dct2, MelFilterbank};
use crate::features::spectral::power_db;
use crate::features::stages::db_rows::DbRows;
use crate::features::stages::onset::OnsetStage;
use crate::features::timbre::{N_MELS, N_MFCC};
use crate::summary::{RunningStats, VecStat};

/// Per-track state.
#[derive(Debug)]
struct Track {
    mel_db: DbRows,
    stats: [RunningStats; N_MFCC],
    /// Frame-major mel power rows and MFCC rows, when kept.
    kept_mel: Vec<f32>,
    kept_mfcc: Vec<f32>,
}

impl Default for Track {
    fn default() -> Self {
        Track {
            mel_db: DbRows::new(N_MELS),
            stats: [RunningStats::default(); N_MFCC],
            kept_mel: Vec::new(),
            kept_mfcc: Vec::new(),
        }
    }
}

/// Mel spectrogram and MFCC of a track.
#[derive(Debug)]
pub struct MfccStage {
    melfb: MelFilterbank,
    dct: Dct2,
    keep: bool,
    mel: Vec<f32>,
    clipped: Vec<f32>,
    mfcc_row: Vec<f32>,
    track: Track,
}

impl MfccStage {
    /// Plans 128 Slaney mel bands from 0 Hz to `sr/2` and 20 MFCCs for `sr` and `n_fft`;
    /// `keep` keeps every frame's rows.
    pub fn new(sr: u32, n_fft: usize, keep: bool) -> Self {
        MfccStage {
            melfb: MelFilterbank::new(sr, n_fft, N_MELS, 0.0, sr as f64 / 2.0),
            dct: Dct2::new(N_MELS, N_MFCC),
            keep,
            mel: vec![0.0; N_MELS],
            clipped: vec![0.0; N_MELS],
            mfcc_row: vec![0.0; N_MFCC],
            track: Track::default(),
        }
    }

    /// Takes one frame's power spectrum; finished rows go to `onset`.
    pub fn process(&mut self, power: &[f32], onset: &mut OnsetStage) {
        self.melfb.apply(power, &mut self.mel);
        let t = &mut self.track;
        t.mel_db.push(self.mel.iter().map(|&m| power_db(m)));
        if self.keep {
            t.kept_mel.extend_from_slice(&self.mel);
        }
        if t.mel_db.block_full() {
            self.flush(onset);
        }
    }

    /// Finalises the waiting rows against the maximum seen so far.
    fn flush(&mut self, onset: &mut OnsetStage) {
        let t = &mut self.track;
        let floor = t.mel_db.floor();
        for row in t.mel_db.rows() {
            for (c, &v) in self.clipped.iter_mut().zip(row) {
                *c = v.max(floor);
            }
            self.dct.apply(&self.clipped, &mut self.mfcc_row);
            for (s, &v) in t.stats.iter_mut().zip(&self.mfcc_row) {
                s.push(v);
            }
            onset.process(&self.clipped);
            if self.keep {
                t.kept_mfcc.extend_from_slice(&self.mfcc_row);
            }
        }
        t.mel_db.clear();
    }

    /// The track's MFCC summary and, when kept, its mel and MFCC rows (frame-major); the
    /// last rows go to `onset`; forgets the track.
    pub fn finish(&mut self, onset: &mut OnsetStage) -> (VecStat, Vec<f32>, Vec<f32>) {
        self.flush(onset);
        let t = std::mem::take(&mut self.track);
        (VecStat::from_stats(&t.stats), t.kept_mel, t.kept_mfcc)
    }

    /// Forgets the track.
    pub fn reset(&mut self) {
        self.track = Track::default();
    }
}
