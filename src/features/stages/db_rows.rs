//! Rows of dB values that are floored against the track maximum (`top_db`) once it is known.

use crate::features::timbre::TOP_DB;

/// Frames kept before rows are finalised block by block (20 minutes at 22050 Hz / hop 512).
///
/// librosa floors `power_to_db` at the maximum of the whole matrix minus 80 dB. Tracks up to
/// this length match that exactly; for longer tracks the rows are finalised block by block,
/// each block floored against the maximum seen so far, so memory stays bounded.
pub const BLOCK_FRAMES: usize = 51_680;

/// A block of dB rows of width `dim`, with the maximum seen over the whole track.
#[derive(Debug, Clone)]
pub struct DbRows {
    dim: usize,
    rows: Vec<f32>,
    max: f32,
}

impl DbRows {
    /// An empty block of rows of width `dim`.
    pub fn new(dim: usize) -> Self {
        DbRows {
            dim,
            rows: Vec::new(),
            max: f32::NEG_INFINITY,
        }
    }

    /// Appends one row (`dim` dB values) and updates the track maximum.
    pub fn push(&mut self, row: impl IntoIterator<Item = f32>) {
        let start = self.rows.len();
        self.rows.extend(row);
        self.max = self.rows[start..].iter().fold(self.max, |a, &b| a.max(b));
    }

    /// True when a full block is waiting ([`BLOCK_FRAMES`] rows).
    pub fn block_full(&self) -> bool {
        self.rows.len() >= BLOCK_FRAMES * self.dim
    }

    /// The floor in force: the maximum so far minus [`TOP_DB`].
    pub fn floor(&self) -> f32 {
        self.max - TOP_DB
    }

    /// The waiting rows, `dim` values each (empty the block with [`clear`](Self::clear)).
    pub fn rows(&self) -> impl Iterator<Item = &[f32]> {
        self.rows.chunks_exact(self.dim)
    }

    /// Forgets the waiting rows (keeps the maximum).
    pub fn clear(&mut self) {
        self.rows.clear();
    }

    /// Forgets the track.
    pub fn reset(&mut self) {
        self.rows.clear();
        self.max = f32::NEG_INFINITY;
    }
}
