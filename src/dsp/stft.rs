//! Streaming short-time Fourier transform, numerically the same as `librosa.stft(y)`.
//!
//! Definition (librosa 0.11 defaults): periodic Hann window of length `n_fft`
//! (`w[n] = 0.5 − 0.5·cos(2πn / n_fft)`, scipy's `get_window('hann', n_fft, fftbins=True)`),
//! frames centred by padding `n_fft / 2` zeros on both sides (`pad_mode='constant'`), hop
//! `hop_length`. Frame `t` covers input samples `[t·hop − n_fft/2, t·hop + n_fft/2)` and its
//! centre is at time `t·hop / sr`. A signal of `L` samples gives `1 + ⌊L / hop⌋` frames.
//! `X[k, t] = Σ_n w[n]·x_t[n]·e^{−2πikn/n_fft}`, `k = 0 … n_fft/2`.
//!
//! The FFT is realfft (rustfft, SIMD chosen at run time). As in librosa (numpy/scipy
//! `rfft`), the windowing and the FFT run in f64 and the spectrum is rounded to complex f32;
//! the magnitude is taken in f32. This reproduces `np.abs(librosa.stft(y))` to within a few
//! ulps (f32 output, f64 inside: precision demands it, since low-level bins of a frame are
//! otherwise off by 1e-4 relative). The plan, window, scratch and output buffers are
//! allocated once in [`Stft::new`]; pushing samples allocates nothing beyond the bounded
//! input buffer.

use std::sync::Arc;

use realfft::num_complex::{Complex32, Complex64};
use realfft::{RealFftPlanner, RealToComplex};

use super::framer::Framer;
use crate::error::{Error, Result};

/// One STFT frame handed to frame-level features.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Frame index `t` (centre at `t·hop` samples).
    pub index: usize,
    /// The frame's samples before windowing (`n_fft` of them, zero-padded at the edges).
    pub samples: &'a [f32],
    /// Complex spectrum, `n_fft/2 + 1` bins.
    pub spectrum: &'a [Complex32],
    /// Magnitude `|X[k, t]|`, `n_fft/2 + 1` bins.
    pub magnitude: &'a [f32],
}

/// The periodic Hann window (`fftbins=True`), in f64 like scipy's.
pub fn hann_periodic(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos())
        .collect()
}

/// Streaming STFT over a mono signal: a [`Framer`] feeding the transform.
pub struct Stft {
    n_fft: usize,
    hop: usize,
    framer: Framer,
    transform: Transform,
    finished: bool,
}

/// The windowed FFT of one frame, with its buffers.
struct Transform {
    window: Vec<f64>,
    fft: Arc<dyn RealToComplex<f64>>,
    scratch: Vec<Complex64>,
    windowed: Vec<f64>,
    spectrum64: Vec<Complex64>,
    spectrum: Vec<Complex32>,
    magnitude: Vec<f32>,
    frames: usize,
}

impl std::fmt::Debug for Stft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stft")
            .field("n_fft", &self.n_fft)
            .field("hop", &self.hop)
            .finish()
    }
}

impl Stft {
    /// Plans an STFT with frame length `n_fft` (even, ≥ 16) and hop `hop` (1 ≤ hop ≤ n_fft).
    pub fn new(n_fft: usize, hop: usize) -> Result<Self> {
        if n_fft < 16 || !n_fft.is_multiple_of(2) || n_fft > 1 << 20 {
            return Err(Error::Config {
                cause: format!("n_fft must be even and in 16..=1048576, got {n_fft}"),
            });
        }
        if hop == 0 || hop > n_fft {
            return Err(Error::Config {
                cause: format!("hop_length must be in 1..=n_fft, got {hop}"),
            });
        }
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n_fft);
        let scratch = fft.make_scratch_vec();
        let spectrum64 = fft.make_output_vec();
        let spectrum = vec![Complex32::new(0.0, 0.0); spectrum64.len()];
        let mut s = Stft {
            n_fft,
            hop,
            framer: Framer::new(n_fft, hop),
            transform: Transform {
                window: hann_periodic(n_fft),
                fft,
                scratch,
                windowed: vec![0.0; n_fft],
                magnitude: vec![0.0; spectrum.len()],
                spectrum64,
                spectrum,
                frames: 0,
            },
            finished: false,
        };
        s.reset();
        Ok(s)
    }

    /// Frame length.
    pub fn n_fft(&self) -> usize {
        self.n_fft
    }

    /// Hop length.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Number of frequency bins, `n_fft/2 + 1`.
    pub fn n_bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// Frames emitted so far.
    pub fn frames(&self) -> usize {
        self.transform.frames
    }

    /// Prepares for a new signal, keeping the plan.
    pub fn reset(&mut self) {
        self.framer.reset(self.n_fft / 2);
        self.transform.frames = 0;
        self.finished = false;
    }

    /// Feeds samples; calls `sink` for every frame that is complete.
    pub fn push(&mut self, samples: &[f32], sink: &mut impl FnMut(&Frame<'_>)) {
        let t = &mut self.transform;
        self.framer.push(samples, &mut |f| t.run(f, sink));
    }

    /// Ends the signal: pads `n_fft/2` zeros and emits the remaining frames.
    pub fn finish(&mut self, sink: &mut impl FnMut(&Frame<'_>)) {
        if self.finished {
            return;
        }
        self.finished = true;
        let t = &mut self.transform;
        self.framer.pad(self.n_fft / 2, &mut |f| t.run(f, sink));
    }
}

impl Transform {
    /// Windows and transforms `frame` and hands the result to `sink`.
    fn run(&mut self, frame: &[f32], sink: &mut impl FnMut(&Frame<'_>)) {
        for ((o, x), w) in self.windowed.iter_mut().zip(frame).zip(&self.window) {
            *o = *x as f64 * w;
        }
        // Lengths are fixed at plan time, so this cannot fail.
        let _ = self.fft.process_with_scratch(
            &mut self.windowed,
            &mut self.spectrum64,
            &mut self.scratch,
        );
        for (c, c64) in self.spectrum.iter_mut().zip(&self.spectrum64) {
            *c = Complex32::new(c64.re as f32, c64.im as f32);
        }
        // |X| in f32 from the rounded spectrum, like numpy's `abs` of librosa's complex64
        // (within 2 ulp of hypotf; a vectorised f32 square root, not an f64 one per bin)
        for (m, c) in self.magnitude.iter_mut().zip(&self.spectrum) {
            *m = (c.re * c.re + c.im * c.im).sqrt();
        }
        sink(&Frame {
            index: self.frames,
            samples: frame,
            spectrum: &self.spectrum,
            magnitude: &self.magnitude,
        });
        self.frames += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(stft: &mut Stft, x: &[f32], chunk: usize) -> Vec<Vec<f32>> {
        let mut out = Vec::new();
        let mut sink = |f: &Frame<'_>| out.push(f.magnitude.to_vec());
        for c in x.chunks(chunk.max(1)) {
            stft.push(c, &mut sink);
        }
        stft.finish(&mut sink);
        out
    }

    /// O(n²) DFT magnitude of a windowed, zero-padded frame: the slow reference.
    fn naive(x: &[f32], n_fft: usize, hop: usize, t: usize) -> Vec<f64> {
        let w = hann_periodic(n_fft);
        let frame: Vec<f64> = (0..n_fft)
            .map(|n| {
                let i = (t * hop + n) as isize - (n_fft / 2) as isize;
                if i >= 0 && (i as usize) < x.len() {
                    x[i as usize] as f64 * w[n]
                } else {
                    0.0
                }
            })
            .collect();
        (0..=n_fft / 2)
            .map(|k| {
                let (mut re, mut im) = (0.0, 0.0);
                for (n, v) in frame.iter().enumerate() {
                    let a = -2.0 * std::f64::consts::PI * (k * n) as f64 / n_fft as f64;
                    re += v * a.cos();
                    im += v * a.sin();
                }
                (re * re + im * im).sqrt()
            })
            .collect()
    }

    #[test]
    fn frame_count_matches_librosa() {
        let mut s = Stft::new(2048, 512).unwrap();
        for len in [1usize, 511, 512, 513, 2048, 22050] {
            s.reset();
            let frames = collect(&mut s, &vec![0.1; len], 1000);
            assert_eq!(frames.len(), 1 + len / 512, "len {len}");
        }
    }

    #[test]
    fn matches_naive_dft_and_is_chunk_independent() {
        let x: Vec<f32> = (0..3000)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let mut s = Stft::new(64, 16).unwrap();
        let a = collect(&mut s, &x, 1);
        s.reset();
        let b = collect(&mut s, &x, 37);
        s.reset();
        let c = collect(&mut s, &x, 4096);
        assert_eq!(a, b);
        assert_eq!(a, c);
        for t in [0, 1, 5, a.len() / 2, a.len() - 1] {
            let r = naive(&x, 64, 16, t);
            for (k, (got, want)) in a[t].iter().zip(&r).enumerate() {
                assert!(
                    (*got as f64 - want).abs() < 1e-4 * (1.0 + want),
                    "t {t} k {k}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(Stft::new(0, 1).is_err());
        assert!(Stft::new(2047, 512).is_err());
        assert!(Stft::new(2048, 0).is_err());
        assert!(Stft::new(2048, 4096).is_err());
    }
}
