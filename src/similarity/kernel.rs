//! The distance kernel and the exact flat scan.
//!
//! Rows are stored contiguously (`rows[i * dim .. (i + 1) * dim]`, `f32`). The weighted
//! squared distance accumulates in eight independent lanes, which the compiler maps onto
//! SIMD registers; on x86-64 a copy of the scan compiled for AVX2 is chosen at run time. The
//! scan keeps the k best in a fixed array ([`TopK`]) and allocates nothing per candidate:
//! most candidates cost one distance and one comparison with the current k-th distance.

/// Weighted squared Euclidean distance `Σ w_i (a_i − b_i)²`.
#[inline(always)]
pub fn wdist2(a: &[f32], b: &[f32], w: &[f32]) -> f32 {
    let n = a.len().min(b.len()).min(w.len());
    let (a, b, w) = (&a[..n], &b[..n], &w[..n]);
    let mut acc = [0.0f32; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    let mut cw = w.chunks_exact(8);
    for ((a8, b8), w8) in (&mut ca).zip(&mut cb).zip(&mut cw) {
        for i in 0..8 {
            let d = a8[i] - b8[i];
            acc[i] += w8[i] * d * d;
        }
    }
    let mut tail = 0.0f32;
    for ((&x, &y), &v) in ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .zip(cw.remainder())
    {
        let d = x - y;
        tail += v * d * d;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// The k smallest `(distance², id)` seen so far, sorted ascending; ties keep the smaller id.
#[derive(Debug, Clone)]
pub struct TopK {
    k: usize,
    items: Vec<(f32, u32)>,
}

impl TopK {
    /// Allocates room for `k` results once.
    pub fn new(k: usize) -> Self {
        TopK {
            k,
            items: Vec::with_capacity(k + 1),
        }
    }

    /// Clears the results, keeping the allocation.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// The current admission threshold (the k-th distance, or +∞ while not full).
    #[inline(always)]
    pub fn threshold(&self) -> f32 {
        if self.items.len() < self.k {
            f32::INFINITY
        } else {
            self.items[self.k - 1].0
        }
    }

    /// Offers a candidate.
    #[inline]
    pub fn push(&mut self, d: f32, id: u32) {
        if self.k == 0
            || !(d < self.threshold() || (d == self.threshold() && self.items.len() < self.k))
        {
            return;
        }
        let pos = self
            .items
            .partition_point(|&(x, i)| x < d || (x == d && i < id));
        if self.items.len() == self.k {
            self.items.pop();
        }
        self.items.insert(pos, (d, id));
    }

    /// Results, best first.
    pub fn items(&self) -> &[(f32, u32)] {
        &self.items
    }
}

#[inline(always)]
fn scan_generic(
    rows: &[f32],
    dim: usize,
    first_id: u32,
    q: &[f32],
    w: &[f32],
    skip: Option<u32>,
    top: &mut TopK,
) {
    for (i, r) in rows.chunks_exact(dim).enumerate() {
        let d = wdist2(r, q, w);
        if d <= top.threshold() {
            let id = first_id + i as u32;
            if Some(id) != skip {
                top.push(d, id);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn scan_avx2(
    rows: &[f32],
    dim: usize,
    first_id: u32,
    q: &[f32],
    w: &[f32],
    skip: Option<u32>,
    top: &mut TopK,
) {
    scan_generic(rows, dim, first_id, q, w, skip, top)
}

#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    use std::sync::OnceLock;
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    })
}

/// Scans `rows` (ids `first_id..`) against query `q` with weights `w`, offering every row
/// except `skip` to `top`.
pub fn scan(
    rows: &[f32],
    dim: usize,
    first_id: u32,
    q: &[f32],
    w: &[f32],
    skip: Option<u32>,
    top: &mut TopK,
) {
    if dim == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU supports AVX2 and FMA (checked at run time above).
        unsafe { scan_avx2(rows, dim, first_id, q, w, skip, top) };
        return;
    }
    scan_generic(rows, dim, first_id, q, w, skip, top)
}

/// Distances from `q` to every row, into `out` (used for centroids).
pub fn all_distances(rows: &[f32], dim: usize, q: &[f32], w: &[f32], out: &mut Vec<f32>) {
    out.clear();
    if dim == 0 {
        return;
    }
    out.extend(rows.chunks_exact(dim).map(|r| wdist2(r, q, w)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topk_matches_sort() {
        let mut t = TopK::new(3);
        for (i, d) in [5.0, 1.0, 4.0, 1.0, 0.5, 9.0].iter().enumerate() {
            t.push(*d, i as u32);
        }
        assert_eq!(t.items(), &[(0.5, 4), (1.0, 1), (1.0, 3)]);
    }

    #[test]
    fn scan_is_exact() {
        let dim = 13;
        let rows: Vec<f32> = (0..dim * 50)
            .map(|i| ((i * 7919) % 101) as f32 / 10.0)
            .collect();
        let q: Vec<f32> = (0..dim).map(|i| i as f32 / 3.0).collect();
        let w = vec![0.5f32; dim];
        let mut top = TopK::new(5);
        scan(&rows, dim, 0, &q, &w, Some(2), &mut top);
        let mut all: Vec<(f32, u32)> = rows
            .chunks_exact(dim)
            .enumerate()
            .filter(|(i, _)| *i != 2)
            .map(|(i, r)| {
                (
                    r.iter()
                        .zip(&q)
                        .map(|(a, b)| 0.5 * (a - b) * (a - b))
                        .sum::<f32>(),
                    i as u32,
                )
            })
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let got: Vec<u32> = top.items().iter().map(|x| x.1).collect();
        let want: Vec<u32> = all[..5].iter().map(|x| x.1).collect();
        assert_eq!(got, want);
    }
}
