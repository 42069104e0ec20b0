//! The spectral-shape stage: centroid, bandwidth, roll-off, flatness, RMS and ZCR of every
//! frame, summarised as they stream (definitions in [`crate::features::spectral`] and
//! [`crate::features::zcr`]).

use crate::dsp::Frame;
use crate::features::spectral;
use crate::features::zcr::Zcr;
use crate::features::extractor::SpectralSummary;
use crate::features::noise::NoiseFlatness;
use crate::summary::{RunningStats, VecStat};

/// Per-track state.
#[derive(Debug, Default)]
struct Track {
    centroid: RunningStats,
    bandwidth: RunningStats,
    rolloff: RunningStats,
    flatness: RunningStats,
    zcr: RunningStats,
    rms: RunningStats,
    /// Flatness of the sounding frames, for the noise-like hint.
    noise: NoiseFlatness,
    zcr_state: Zcr,
    /// Per-frame values when kept: centroid, bandwidth, roll-off, flatness, ZCR, RMS.
    kept: [Vec<f32>; 6],
}

/// Spectral-shape summaries of a track.
#[derive(Debug)]
pub struct SpectralStage {
    n_fft: usize,
    hop: usize,
    keep: bool,
    freqs: Vec<f32>,
    cumsum: Vec<f32>,
    track: Track,
}

impl SpectralStage {
    /// Plans the stage for sample rate `sr`, frame `n_fft` and hop `hop`; `keep` keeps every
    /// frame's values.
    pub fn new(sr: u32, n_fft: usize, hop: usize, keep: bool) -> Self {
        SpectralStage {
            n_fft,
            hop,
            keep,
            freqs: spectral::bin_frequencies(sr, n_fft),
            cumsum: Vec::with_capacity(n_fft / 2 + 1),
            track: Track::default(),
        }
    }

    /// Observes the analysis-rate signal (the ZCR's edge padding needs its ends).
    pub fn audio(&mut self, samples: &[f32]) {
        self.track.zcr_state.audio(samples);
    }

    /// Takes one frame.
    pub fn process(&mut self, frame: &Frame<'_>) {
        let s = frame.magnitude;
        let t = &mut self.track;
        let (centroid, bandwidth) = spectral::centroid_bandwidth(s, &self.freqs);
        let rolloff = spectral::rolloff_with(s, &self.freqs, 0.85, &mut self.cumsum);
        let flatness = spectral::flatness(s);
        let rms = spectral::rms(s, self.n_fft);
        let zcr = t.zcr_state.frame(frame.index, frame.samples, self.hop);
        t.noise.push(flatness, rms);
        let values = [centroid, bandwidth, rolloff, flatness, zcr, rms];
        for (stat, v) in [
            &mut t.centroid,
            &mut t.bandwidth,
            &mut t.rolloff,
            &mut t.flatness,
            &mut t.zcr,
            &mut t.rms,
        ]
        .into_iter()
        .zip(values)
        {
            stat.push(v);
        }
        if self.keep {
            for (rows, v) in t.kept.iter_mut().zip(values) {
                rows.push(v);
            }
        }
    }

    /// The track's summaries, completed with the contrast stage's, when kept its rows
    /// (centroid, bandwidth, roll-off, flatness, ZCR, RMS), and the flatness of its sounding
    /// frames (the noise-like hint); forgets the track.
    pub fn finish(&mut self, contrast: VecStat) -> (SpectralSummary, [Vec<f32>; 6], NoiseFlatness) {
        let t = std::mem::take(&mut self.track);
        let summary = SpectralSummary {
            centroid: t.centroid.summary(),
            bandwidth: t.bandwidth.summary(),
            rolloff: t.rolloff.summary(),
            flatness: t.flatness.summary(),
            zcr: t.zcr.summary(),
            rms: t.rms.summary(),
            contrast,
        };
        (summary, t.kept, t.noise)
    }

    /// Forgets the track.
    pub fn reset(&mut self) {
        self.track = Track::default();
    }
}
