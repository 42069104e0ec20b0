//! Branch-free logarithm and exponential for hot loops, accurate to ≈ 1e-7 (absolute, in
//! log2 units, or f32 rounding of the result when it is larger) — far below the f32 rounding of the spectra they are applied to — and written
//! so that loops over slices vectorise (no libm call, no branch on the value).
//!
//! - [`log2`]: `x = m·2^e` with `m ∈ [√½, √2)`; `log2 m = (2/ln 2)·atanh(s)`,
//!   `s = (m − 1)/(m + 1) ∈ [−0.172, 0.172]`, by its odd series to `s⁹` (truncation error
//!   `< 2·s¹¹/(11 ln 2) ≈ 1.0e-9`). Valid for positive normal `x`; callers floor their
//!   inputs (e.g. at 1e-10, like librosa's `amin`), so zeros, subnormals and NaN never reach it.
//! - [`exp2`]: `2^x = 2^i · e^{f·ln 2}`, `i = round(x)`, `|f| ≤ ½`, Taylor series to degree 7
//!   (error `< 0.347⁸/8! ≈ 5.5e-9` relative); valid for `|x| < 126`.

/// `log2(x)` for positive normal `x`, ≈ 1e-7 absolute error.
#[inline(always)]
pub fn log2(x: f32) -> f32 {
    let bits = x.to_bits();
    // Subtracting the bits of √½ moves the split point of the mantissa to √½, so that
    // m ∈ [√½, √2).
    let offset = bits.wrapping_sub(0x3f35_04f3);
    let e = (offset as i32) >> 23;
    let m = f32::from_bits(bits.wrapping_sub((e as u32) << 23));
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    // 2/ln2 · (s + s³/3 + s⁵/5 + s⁷/7 + s⁹/9)
    const C1: f32 = 2.0 * std::f32::consts::LOG2_E; // 2/ln 2
    const C3: f32 = C1 / 3.0;
    const C5: f32 = C1 / 5.0;
    const C7: f32 = C1 / 7.0;
    const C9: f32 = C1 / 9.0;
    let p = C1 + s2 * (C3 + s2 * (C5 + s2 * (C7 + s2 * C9)));
    e as f32 + s * p
}

/// `10·log10(x)` for positive normal `x` (dB of a power), ≈ 3e-7 dB absolute error.
#[inline(always)]
pub fn db10(x: f32) -> f32 {
    const K: f32 = 10.0 * std::f32::consts::LOG10_2;
    K * log2(x)
}

/// `2^x` for `|x| < 126`, ≈ 1e-7 relative error.
#[inline(always)]
pub fn exp2(x: f32) -> f32 {
    let i = x.round();
    let f = (x - i) * std::f32::consts::LN_2;
    let p = 1.0
        + f * (1.0
            + f * (0.5
                + f * (1.0 / 6.0
                    + f * (1.0 / 24.0 + f * (1.0 / 120.0 + f * (1.0 / 720.0 + f / 5040.0))))));
    f32::from_bits(p.to_bits().wrapping_add(((i as i32) << 23) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_is_accurate_over_the_range_used() {
        let mut worst = 0f64;
        let mut x = 1e-30f32;
        while x < 1e30 {
            // relative to the result's magnitude once f32 rounding of `e + …` dominates
            let want = (x as f64).log2();
            let e = (log2(x) as f64 - want).abs() / want.abs().max(1.0);
            worst = worst.max(e);
            x *= 1.000_731;
        }
        assert!(worst < 5e-7, "worst {worst}");
        assert_eq!(log2(1.0), 0.0);
        assert!((log2(1e-10) as f64 - (1e-10f64).log2()).abs() < 5e-6);
    }

    #[test]
    fn exp2_is_accurate() {
        let mut worst = 0f64;
        let mut x = -60f32;
        while x < 60.0 {
            let want = (x as f64).exp2();
            worst = worst.max(((exp2(x) as f64) - want).abs() / want);
            x += 0.0137;
        }
        assert!(worst < 5e-7, "worst {worst}");
    }
}
