//! Reductions written with independent partial sums, so that they vectorise and are not bound
//! by the latency of one long chain of additions (a sequential float sum cannot be reordered
//! by the compiler). They differ from a sequential sum only in rounding order.

/// `Σ a[i]·b[i]` in f32 with eight interleaved accumulators.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut tail = 0.0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `Σ a[i]·b[i]` of f32 inputs accumulated in f64, with four interleaved accumulators.
pub fn dot_f64(a: &[f32], b: &[f32]) -> f64 {
    let mut acc = [0.0f64; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] as f64 * y[l] as f64;
        }
    }
    let mut tail = 0.0f64;
    for (x, y) in ra.iter().zip(rb) {
        tail += *x as f64 * *y as f64;
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3]) + tail
}

/// `Σ a[i]²` of f32 inputs accumulated in f64, with four interleaved accumulators.
pub fn sum_squares_f64(a: &[f32]) -> f64 {
    dot_f64(a, a)
}

/// `max |a[i]|` (0 for an empty slice; NaNs are skipped, as by `f32::max`), eight lanes
/// compared with `>` so that it compiles to packed max instructions.
pub fn max_abs(a: &[f32]) -> f32 {
    let mut m = [0.0f32; 8];
    let chunks = a.chunks_exact(8);
    let tail = chunks.remainder();
    for x in chunks {
        for l in 0..8 {
            let v = x[l].abs();
            m[l] = if v > m[l] { v } else { m[l] };
        }
    }
    for &x in tail {
        let v = x.abs();
        m[0] = if v > m[0] { v } else { m[0] };
    }
    m.iter().fold(0.0f32, |a, &b| a.max(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reductions_match_the_sequential_sums() {
        let a: Vec<f32> = (0..1025).map(|i| ((i * 37) % 101) as f32 / 13.0).collect();
        let b: Vec<f32> = (0..1025).map(|i| ((i * 11) % 17) as f32 / 3.0).collect();
        let want: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
        assert!(((dot(&a, &b) as f64) - want).abs() < 1e-5 * want);
        assert!((dot_f64(&a, &b) - want).abs() < 1e-12 * want);
        let sq: f64 = a.iter().map(|x| *x as f64 * *x as f64).sum();
        assert!((sum_squares_f64(&a) - sq).abs() < 1e-12 * sq);
        let mut c: Vec<f32> = a.iter().map(|x| x - 3.0).collect();
        c[1000] = -42.5;
        c[7] = f32::NAN;
        assert_eq!(max_abs(&c), 42.5);
        assert_eq!(
            max_abs(&c[..3]),
            c[..3].iter().fold(0f32, |m, x| m.max(x.abs()))
        );
        assert_eq!(max_abs(&[]), 0.0);
    }
}
