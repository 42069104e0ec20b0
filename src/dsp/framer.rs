//! Cutting a stream of samples into overlapping frames: the one sliding-window buffer that
//! every short-time transform of leitmotif uses (the librosa STFT, [`super::Stft`], and the
//! key-finding HPCP's longer STFT).

/// A bounded sliding window over a mono stream: frames of `n_fft` samples every `hop`.
///
/// Samples arrive in chunks of any size; the frames do not depend on the chunking. At most
/// about `4·n_fft` samples are buffered; the buffer is allocated once and reused.
#[derive(Debug, Clone, Default)]
pub struct Framer {
    n_fft: usize,
    hop: usize,
    buf: Vec<f32>,
    start: usize,
}

impl Framer {
    /// A framer for frames of `n_fft` samples every `hop` (`1 ≤ hop`; checked by callers).
    pub fn new(n_fft: usize, hop: usize) -> Self {
        Framer {
            n_fft,
            hop: hop.max(1),
            buf: Vec::with_capacity(n_fft * 8),
            start: 0,
        }
    }

    /// Forgets the stream and starts the next one with `lead` zeros (`n_fft/2` centres the
    /// first frame on the first sample, as librosa's `center=True`).
    pub fn reset(&mut self, lead: usize) {
        self.buf.clear();
        self.buf.resize(lead, 0.0);
        self.start = 0;
    }

    /// Samples buffered that no complete frame has consumed yet.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Feeds samples; calls `frame` with every frame that is complete, in order.
    pub fn push(&mut self, samples: &[f32], frame: &mut impl FnMut(&[f32])) {
        let mut rest = samples;
        while !rest.is_empty() {
            // Keep the buffer bounded: take at most what completes a few frames.
            let room = (self.n_fft * 4).saturating_sub(self.pending()).max(self.hop);
            let take = room.min(rest.len());
            self.buf.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            self.drain(frame);
        }
    }

    /// Appends `zeros` zeros (end padding) and emits the frames they complete.
    pub fn pad(&mut self, zeros: usize, frame: &mut impl FnMut(&[f32])) {
        self.buf.resize(self.buf.len() + zeros, 0.0);
        self.drain(frame);
    }

    fn drain(&mut self, frame: &mut impl FnMut(&[f32])) {
        while self.pending() >= self.n_fft {
            frame(&self.buf[self.start..self.start + self.n_fft]);
            self.start += self.hop;
        }
        if self.start >= self.n_fft {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(f: &mut Framer, x: &[f32], chunk: usize) -> Vec<Vec<f32>> {
        let mut out = Vec::new();
        for c in x.chunks(chunk) {
            f.push(c, &mut |s| out.push(s.to_vec()));
        }
        out
    }

    #[test]
    fn frames_are_chunk_independent_and_bounded() {
        let x: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        let mut f = Framer::new(64, 16);
        f.reset(32);
        let a = frames(&mut f, &x, 1);
        f.reset(32);
        let b = frames(&mut f, &x, 333);
        assert_eq!(a, b);
        // (32 + 1000 − 64) / 16 + 1 complete frames; the first is centred on sample 0.
        assert_eq!(a.len(), (32 + 1000 - 64) / 16 + 1);
        assert_eq!(a[0][32], 0.0);
        assert_eq!(a[0][33], 1.0);
        assert_eq!(a[1][16], 0.0);
        assert!(f.buf.capacity() <= 64 * 8);
        assert_eq!(f.pending(), 32 + 1000 - 16 * a.len());
    }
}
