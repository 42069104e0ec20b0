//! Decimation by exactly 2 (44.1 kHz → 22.05 kHz, the most common case), by FFT overlap-save
//! with power-of-two transforms.
//!
//! # Filter
//! The low-pass is the windowed sinc that rubato's synchronous FFT resampler uses for this
//! ratio with an output block of `B` = [`super::resample::MIN_BLOCK_OUT`] samples, so both
//! paths have the same response (flat to ≈ 91 % of the output Nyquist frequency, like soxr
//! `HQ`; see [`super::resample`]): `L = 2B` taps
//!
//! ```text
//! h[j] = w(j)·sinc((j − B)·f_c) / Σ_j w(j)·sinc((j − B)·f_c),   j = 0 … L−1
//! w(j) = 0.35875 − 0.48829·cos(2πj/L) + 0.14128·cos(4πj/L) − 0.01168·cos(6πj/L)
//! f_c  = rubato::calculate_cutoff(B, BlackmanHarris) / 2   (relative to the input Nyquist)
//! ```
//!
//! (periodic Blackman–Harris window, `sinc(x) = sin(πx)/(πx)`), whose delay is `B` input
//! samples.
//!
//! # Method
//! Blocks of `N = 2048` input samples (the last `L` of the previous block, then `N − L` new
//! ones) are transformed, multiplied by the filter's spectrum, and the band below the output
//! Nyquist frequency (bins `0 … N/4`) is transformed back with an `N/2`-point inverse FFT,
//! which yields every second sample of the filtered signal directly. Output sample `j` is the
//! filtered input at time `2j` (the delay removed), as in [`super::resample::Resampler`].
//! Both transforms have power-of-two sizes, several times cheaper than rubato's
//! `2L = 760`-point ones (760 = 2³·5·19).

use std::sync::Arc;

use realfft::num_complex::Complex32;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rubato::{WindowFunction, calculate_cutoff};

/// FFT size of the overlap-save blocks.
const N: usize = 2048;

/// Streaming decimator by 2.
pub struct Halver {
    /// Filter length `L` (even).
    taps: usize,
    fwd: Arc<dyn RealToComplex<f32>>,
    inv: Arc<dyn ComplexToReal<f32>>,
    /// Filter spectrum for bins `0 … N/4`, scaled by `1/N`.
    filter: Vec<Complex32>,
    /// Input block being filled: `taps` samples of history, then new samples (the FFT
    /// input; the transform overwrites it).
    work: Vec<f32>,
    /// Samples of `work` filled so far.
    filled: usize,
    /// The last `taps` inputs of the previous block.
    history: Vec<f32>,
    spectrum: Vec<Complex32>,
    half: Vec<Complex32>,
    out: Vec<f32>,
    scratch_fwd: Vec<Complex32>,
    scratch_inv: Vec<Complex32>,
    /// Outputs still to drop at the start (the filter delay).
    to_skip: usize,
}

impl std::fmt::Debug for Halver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Halver").field("taps", &self.taps).finish()
    }
}

/// The low-pass taps for output block `b` (see the module docs).
fn lowpass(b: usize) -> Vec<f64> {
    use std::f64::consts::PI;
    let l = 2 * b;
    let fc = calculate_cutoff::<f32>(b, WindowFunction::BlackmanHarris) as f64 / 2.0;
    let mut h: Vec<f64> = (0..l)
        .map(|j| {
            let t = 2.0 * PI * j as f64 / l as f64;
            let w =
                0.35875 - 0.48829 * t.cos() + 0.14128 * (2.0 * t).cos() - 0.01168 * (3.0 * t).cos();
            let x = (j as f64 - b as f64) * fc;
            let sinc = if x == 0.0 {
                1.0
            } else {
                (PI * x).sin() / (PI * x)
            };
            w * sinc
        })
        .collect();
    let sum: f64 = h.iter().sum();
    for v in &mut h {
        *v /= sum;
    }
    h
}

impl Halver {
    /// Plans the decimator for an output block of `b` samples (`2b` taps, `2b < N`).
    pub fn new(b: usize) -> Self {
        let taps = 2 * b;
        assert!(
            b > 0 && b.is_multiple_of(2) && taps < N / 2,
            "output block must be even and the filter shorter than half a block"
        );
        let mut planner = RealFftPlanner::<f32>::new();
        let fwd = planner.plan_fft_forward(N);
        let inv = planner.plan_fft_inverse(N / 2);
        let mut padded = vec![0f32; N];
        for (p, v) in padded.iter_mut().zip(lowpass(b)) {
            *p = (v / N as f64) as f32;
        }
        let mut full = fwd.make_output_vec();
        let mut scratch_fwd = fwd.make_scratch_vec();
        // Planned sizes match the buffers, so the transform cannot fail.
        let _ = fwd.process_with_scratch(&mut padded, &mut full, &mut scratch_fwd);
        full.truncate(N / 4 + 1);
        let mut h = Halver {
            taps,
            filter: full,
            work: vec![0.0; N],
            filled: 0,
            history: vec![0.0; taps],
            spectrum: fwd.make_output_vec(),
            half: inv.make_input_vec(),
            out: inv.make_output_vec(),
            scratch_inv: inv.make_scratch_vec(),
            scratch_fwd,
            fwd,
            inv,
            to_skip: 0,
        };
        h.reset();
        h
    }

    /// Starts a stream (keeps the plans): `taps` zeros of history, and the first `taps/4`
    /// outputs (the `taps/2`-sample delay at the input rate) to drop.
    pub fn reset(&mut self) {
        self.work[..self.taps].fill(0.0);
        self.filled = self.taps;
        self.to_skip = self.taps / 4;
    }

    /// Feeds `input` and appends the outputs that are ready to `out`.
    pub fn process(&mut self, mut input: &[f32], out: &mut Vec<f32>) {
        while !input.is_empty() {
            let take = (N - self.filled).min(input.len());
            self.work[self.filled..self.filled + take].copy_from_slice(&input[..take]);
            self.filled += take;
            input = &input[take..];
            if self.filled == N {
                self.run_block(out);
            }
        }
    }

    /// Pads the pending block with zeros and filters it (used at the end of the stream).
    pub fn flush_block(&mut self, out: &mut Vec<f32>) {
        self.work[self.filled..].fill(0.0);
        self.run_block(out);
    }

    fn run_block(&mut self, out: &mut Vec<f32>) {
        // keep the last `taps` inputs as the next block's history (the FFT destroys `work`)
        self.history.copy_from_slice(&self.work[N - self.taps..]);
        let _ = self.fwd.process_with_scratch(
            &mut self.work,
            &mut self.spectrum,
            &mut self.scratch_fwd,
        );
        for ((h, x), f) in self.half.iter_mut().zip(&self.spectrum).zip(&self.filter) {
            *h = x * f;
        }
        // The inverse's DC and Nyquist bins must be real.
        self.half[0].im = 0.0;
        if let Some(last) = self.half.last_mut() {
            last.im = 0.0;
        }
        let _ = self
            .inv
            .process_with_scratch(&mut self.half, &mut self.out, &mut self.scratch_inv);
        // outputs m ≥ taps/2 are free of the circular wrap-around
        let valid = &self.out[self.taps / 2..];
        let skip = self.to_skip.min(valid.len());
        self.to_skip -= skip;
        out.extend_from_slice(&valid[skip..]);
        self.work[..self.taps].copy_from_slice(&self.history);
        self.filled = self.taps;
    }
}
