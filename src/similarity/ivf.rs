//! The approximate index: an inverted file (IVF) over k-means cells.
//!
//! Build: k-means (Lloyd, 10 iterations, seeded from a deterministic sample) in the weighted
//! z-score space of the default metric, on a sample of at most 48 points per cell; then every
//! vector is assigned to its nearest centroid and the rows are stored **grouped by cell**, so
//! a cell is one contiguous block scanned by the same kernel as the exact search.
//!
//! Query: distances to the `nlist` centroids, then the `nprobe` nearest cells are scanned
//! exactly. With `nlist ≈ √n` a query costs `√n + nprobe·√n` distances instead of `n`.
//! `nprobe = nlist` is exact. Recall against the exact scan is measured by the benchmark
//! and the evaluation (see `docs/similarity.md`).

use rayon::prelude::*;

use super::kernel::wdist2;

/// Cells and their centroids. Rows of cell `c` are `offsets[c]..offsets[c + 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ivf {
    pub nlist: usize,
    /// `nlist × dim`, z-score space.
    pub centroids: Vec<f32>,
    /// `nlist + 1` row offsets.
    pub offsets: Vec<usize>,
}

/// Number of cells for `n` vectors: 1 below 1024 vectors (the flat scan is as fast), else
/// `round(√n)`, at most 4096.
pub fn default_nlist(n: usize) -> usize {
    if n < 1024 {
        1
    } else {
        ((n as f64).sqrt().round() as usize).clamp(1, 4096)
    }
}

/// Default number of cells probed per query.
pub fn default_nprobe(nlist: usize) -> usize {
    if nlist <= 1 {
        1
    } else {
        (nlist / 16).clamp(8, nlist)
    }
}

/// SplitMix64: a small deterministic generator (k-means seeding; the benchmarks' vectors).
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);
impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

#[inline(always)]
fn nearest_generic(x: &[f32], centroids: &[f32], dim: usize, w: &[f32]) -> (u32, f32) {
    let mut best = (0u32, f32::INFINITY);
    for (c, r) in centroids.chunks_exact(dim).enumerate() {
        let d = wdist2(x, r, w);
        if d < best.1 {
            best = (c as u32, d);
        }
    }
    best
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn nearest_block_avx2(xs: &[f32], centroids: &[f32], dim: usize, w: &[f32], out: &mut [u32]) {
    for (x, o) in xs.chunks_exact(dim).zip(out.iter_mut()) {
        *o = nearest_generic(x, centroids, dim, w).0;
    }
}

fn nearest_block(xs: &[f32], centroids: &[f32], dim: usize, w: &[f32], out: &mut [u32]) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: AVX2 and FMA are available (checked above).
        unsafe { nearest_block_avx2(xs, centroids, dim, w, out) };
        return;
    }
    for (x, o) in xs.chunks_exact(dim).zip(out.iter_mut()) {
        *o = nearest_generic(x, centroids, dim, w).0;
    }
}

/// Nearest centroid of every row (parallel over blocks of rows).
pub fn assign(rows: &[f32], dim: usize, centroids: &[f32], w: &[f32]) -> Vec<u32> {
    let n = rows.len() / dim.max(1);
    let mut out = vec![0u32; n];
    if dim == 0 || centroids.is_empty() {
        return out;
    }
    const BLOCK: usize = 256;
    out.par_chunks_mut(BLOCK).enumerate().for_each(|(b, o)| {
        let start = b * BLOCK * dim;
        let xs = &rows[start..start + o.len() * dim];
        nearest_block(xs, centroids, dim, w, o);
    });
    out
}

/// k-means centroids of `rows` (`nlist` cells) in the space weighted by `w`.
pub fn train(rows: &[f32], dim: usize, w: &[f32], nlist: usize, seed: u64) -> Vec<f32> {
    let n = rows.len() / dim.max(1);
    if n == 0 || nlist == 0 || dim == 0 {
        return Vec::new();
    }
    let nlist = nlist.min(n);
    let mut rng = SplitMix(seed);
    // Sample without replacement (partial Fisher–Yates over indices).
    let m = n.min(48 * nlist).max(nlist);
    let mut idx: Vec<u32> = (0..n as u32).collect();
    for i in 0..m {
        let j = i + rng.below(n - i);
        idx.swap(i, j);
    }
    idx.truncate(m);
    idx.sort_unstable();
    let mut sample = Vec::with_capacity(m * dim);
    for &i in &idx {
        sample.extend_from_slice(&rows[i as usize * dim..(i as usize + 1) * dim]);
    }
    let mut centroids: Vec<f32> = sample[..nlist * dim].to_vec();
    let mut sums = vec![0.0f64; nlist * dim];
    let mut counts = vec![0usize; nlist];
    for _ in 0..10 {
        let a = assign(&sample, dim, &centroids, w);
        sums.iter_mut().for_each(|s| *s = 0.0);
        counts.iter_mut().for_each(|c| *c = 0);
        for (x, &c) in sample.chunks_exact(dim).zip(&a) {
            counts[c as usize] += 1;
            for (s, &v) in sums[c as usize * dim..(c as usize + 1) * dim]
                .iter_mut()
                .zip(x)
            {
                *s += v as f64;
            }
        }
        for c in 0..nlist {
            let dst = &mut centroids[c * dim..(c + 1) * dim];
            if counts[c] == 0 {
                // Empty cell: reseed on a random sample point.
                let r = rng.below(m);
                dst.copy_from_slice(&sample[r * dim..(r + 1) * dim]);
            } else {
                for (d, s) in dst.iter_mut().zip(&sums[c * dim..(c + 1) * dim]) {
                    *d = (s / counts[c] as f64) as f32;
                }
            }
        }
    }
    centroids
}

/// Stable permutation grouping rows by cell, and the cell offsets.
pub fn group_by_cell(assign: &[u32], nlist: usize) -> (Vec<u32>, Vec<usize>) {
    let mut offsets = vec![0usize; nlist + 1];
    for &c in assign {
        offsets[c as usize + 1] += 1;
    }
    for c in 0..nlist {
        offsets[c + 1] += offsets[c];
    }
    let mut next = offsets.clone();
    let mut perm = vec![0u32; assign.len()];
    for (i, &c) in assign.iter().enumerate() {
        perm[next[c as usize]] = i as u32;
        next[c as usize] += 1;
    }
    (perm, offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping() {
        let (perm, off) = group_by_cell(&[1, 0, 1, 2, 0], 3);
        assert_eq!(perm, vec![1, 4, 0, 2, 3]);
        assert_eq!(off, vec![0, 2, 4, 5]);
    }

    #[test]
    fn kmeans_separates_clusters() {
        let dim = 2;
        let mut rows = Vec::new();
        for i in 0..100 {
            let c = if i % 2 == 0 { 0.0 } else { 100.0 };
            rows.extend([c + (i % 7) as f32 * 0.1, c]);
        }
        let cents = train(&rows, dim, &[1.0, 1.0], 2, 1);
        let a = assign(&rows, dim, &cents, &[1.0, 1.0]);
        for i in 0..100 {
            assert_eq!(a[i], a[i % 2]);
        }
        assert_ne!(a[0], a[1]);
    }
}
