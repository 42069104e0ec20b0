//! Zero-crossing rate, as `librosa.feature.zero_crossing_rate(y)` (frame_length 2048,
//! hop 512, `center=True` with **edge** padding, threshold 1e-10, `zero_pos=True`).
//!
//! Per frame: samples with `|x| ≤ 1e-10` count as +0; a crossing at `i ≥ 1` is a change of
//! sign bit between `x[i−1]` and `x[i]` (zero counts as positive); the rate is the number
//! of crossings divided by the frame length. The frame grid is the STFT's; only the padding
//! differs (the first / last sample repeated instead of zeros), which this type reconstructs
//! from the frame position.

/// Streaming ZCR state: tracks the first and last sample and the number seen.
#[derive(Debug, Clone, Default)]
pub struct Zcr {
    first: Option<f32>,
    last: f32,
    seen: u64,
}

impl Zcr {
    /// Resets for a new track.
    pub fn reset(&mut self) {
        *self = Zcr::default();
    }

    /// Observes the next chunk of the analysis signal (before its frames are emitted).
    pub fn audio(&mut self, samples: &[f32]) {
        if let (None, Some(&x)) = (self.first, samples.first()) {
            self.first = Some(x);
        }
        if let Some(&x) = samples.last() {
            self.last = x;
        }
        self.seen += samples.len() as u64;
    }

    /// ZCR of STFT frame `index` whose (zero-padded) samples are `frame`, with hop `hop`.
    pub fn frame(&self, index: usize, frame: &[f32], hop: usize) -> f32 {
        let n = frame.len();
        let start = (index * hop) as i64 - (n / 2) as i64;
        if start >= 0 && (start as u64 + n as u64) <= self.seen {
            // interior frame: no padding involved. `x < −1e-10` is "sign bit set after the
            // threshold" (NaN: false, like a positive value); written as a branch-free sum
            // over adjacent pairs so that it vectorises.
            let neg = |x: f32| (x < -1e-10) as u32;
            let count: u32 = frame
                .iter()
                .zip(&frame[1..])
                .map(|(&a, &b)| neg(a) ^ neg(b))
                .sum();
            return count as f32 / n as f32;
        }
        let first = self.first.unwrap_or(0.0);
        let value = |i: usize| -> bool {
            let p = start + i as i64;
            let x = if p < 0 {
                first
            } else if p as u64 >= self.seen {
                self.last
            } else {
                frame[i]
            };
            // sign bit after thresholding: tiny values become +0 (positive)
            x.abs() > 1e-10 && x.is_sign_negative()
        };
        let mut prev = value(0);
        let mut count = 0u32;
        for i in 1..n {
            let cur = value(i);
            count += (cur != prev) as u32;
            prev = cur;
        }
        count as f32 / n as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternating_signal_crosses_every_sample() {
        let x: Vec<f32> = (0..4096)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let mut z = Zcr::default();
        z.audio(&x);
        let frame = &x[0..2048];
        // frame index 2 starts at sample 0: 2047 crossings in 2048 samples
        assert!((z.frame(2, frame, 512) - 2047.0 / 2048.0).abs() < 1e-6);
    }
}
