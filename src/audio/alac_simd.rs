//! ALAC's sign-adaptive predictor for orders 1–8 in AVX2 registers, one or two channels at a
//! time.
//!
//! The scalar predictor ([`super::alac`]) adapts its coefficients tap by tap and stops when
//! the residual's sign is used up: a data-dependent exit after 1–8 taps that the branch
//! predictor misses often, with the coefficients spilled to the stack. Here every tap is
//! computed at once. With `e_i = x_i − top` (window oldest first, `top` the sample before
//! it) and `r` the residual, the scalar loop updates tap `i` iff the residual left before it,
//! `r − Σ_{m<i} (m+1)·⌊…⌋`, still has `r`'s sign; in magnitudes that is
//!
//! `|r| > P_i`, `P_i = Σ_{m<i} (m+1)·a_m`, `a_m = ⌊|e_m| / 2^den⌋` (`r > 0`) or
//! `⌈|e_m| / 2^den⌉` (`r < 0`),
//!
//! a prefix of the taps (the `a_m` are non-negative). So one step is: prediction
//! `Σ c_i·e_i` (a multiply and a horizontal sum), `a` for all taps, an exclusive prefix sum,
//! a compare, and `c_i += sign(r)·sign(e_i)` on the selected lanes.
//!
//! Exactness: `a_m` is capped at 2^25 (so no lane overflows), which changes no comparison as
//! long as `|r| ≤ 2^25`: a capped term alone already reaches `|r|`. Valid streams of ≤ 24 bits
//! (25 bits per channel of a pair) have `|r| ≤ 2^24 + 1`, where the scalar loop does not wrap
//! either, so the result is bit-identical (unit tests against the scalar predictor, and
//! `tests/own_decoders.rs` against symphonia). Hostile streams may decode differently from
//! the scalar path, never unsafely.
//!
//! Two channels of a pair are independent until unmixing, so they run interleaved in one
//! loop: each step is a chain of dependent operations, and two chains fill the core.

/// One channel for [`run`]: the samples (final before `start`, residuals from it on), the
/// order `n` (1–8), the coefficients in window order (oldest first) as the samples before
/// `start` left them, the shift that sign-extends (`32 − bits`) and `den_shift`.
#[derive(Debug)]
pub(crate) struct Channel<'a> {
    pub buf: &'a mut [i32],
    pub crev: &'a [i32],
    pub cs: u32,
    pub den_shift: u32,
}

/// True where [`run`] works (x86-64 with AVX2, detected at run time).
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Runs the adaptive predictor from sample `start` on, over one or two channels (two run
/// interleaved, over the shorter length). Every order must be 1–8 and below `start`.
/// Returns false, having done nothing, where AVX2 is not available (see [`available`]).
pub(crate) fn run(chans: &mut [Channel<'_>], start: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    if available() {
        // SAFETY: AVX2 is present (checked just above).
        unsafe { x86::run(chans, start) };
        return true;
    }
    let _ = (chans, start);
    false
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Channel;
    use std::arch::x86_64::*;

    /// One channel's state: window (lane 7 newest, lane 8 − n oldest), coefficients (zero on
    /// unused lanes), tap weights `i + 1` (zero on unused lanes), the mask of the used lanes.
    struct State {
        w: __m256i,
        c: __m256i,
        idx: __m256i,
        used: __m256i,
        den: __m128i,
        den_shift: u32,
        half: i32,
        round: i32,
        cs: u32,
    }

    const CAP: i32 = 1 << 25;

    #[target_feature(enable = "avx2")]
    fn state(p: &Channel<'_>, start: usize) -> State {
        let n = p.crev.len();
        let mut w = [0i32; 8];
        let mut c = [0i32; 8];
        let mut idx = [0i32; 8];
        let mut used = [0i32; 8];
        for l in 8 - n..8 {
            let i = l - (8 - n); // tap, oldest first
            w[l] = p.buf[start - n + i];
            c[l] = p.crev[i];
            idx[l] = i as i32 + 1;
            used[l] = -1;
        }
        let load = |a: &[i32; 8]| _mm256_setr_epi32(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
        State {
            w: load(&w),
            c: load(&c),
            idx: load(&idx),
            used: load(&used),
            den: _mm_cvtsi32_si128(p.den_shift as i32),
            den_shift: p.den_shift,
            half: (1i32 << p.den_shift) >> 1,
            round: (1i32 << p.den_shift) - 1,
            cs: p.cs,
        }
    }

    #[target_feature(enable = "avx2")]
    fn hsum(v: __m256i) -> i32 {
        let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
        _mm_cvtsi128_si32(s)
    }

    /// One sample: returns it and adapts the state (the scalar `adapt_step`, all taps at once).
    #[target_feature(enable = "avx2")]
    #[inline]
    fn step(st: &mut State, top: i32, res: i32) -> i32 {
        let e = _mm256_sub_epi32(st.w, _mm256_set1_epi32(top));
        let sum = hsum(_mm256_mullo_epi32(st.c, e));
        let pred = sum.wrapping_add(st.half) >> st.den_shift;
        let out = res
            .wrapping_add(top)
            .wrapping_add(pred)
            .wrapping_shl(st.cs)
            .wrapping_shr(st.cs);
        // a_m = ⌊|e| / 2^den⌋, or rounded up for a negative residual; capped
        let round = _mm256_set1_epi32(if res < 0 { st.round } else { 0 });
        let a = _mm256_srl_epi32(_mm256_add_epi32(_mm256_abs_epi32(e), round), st.den);
        let u = _mm256_mullo_epi32(_mm256_min_epu32(a, _mm256_set1_epi32(CAP)), st.idx);
        // exclusive prefix sum over the 8 lanes
        let mut p = _mm256_add_epi32(u, _mm256_slli_si256::<4>(u));
        p = _mm256_add_epi32(p, _mm256_slli_si256::<8>(p));
        let carry = _mm256_shuffle_epi32::<0xFF>(_mm256_permute2x128_si256::<0x08>(p, p));
        let excl = _mm256_sub_epi32(_mm256_add_epi32(p, carry), u);
        let live = _mm256_cmpgt_epi32(_mm256_set1_epi32(res.wrapping_abs()), excl);
        let r = _mm256_set1_epi32(res);
        let delta = _mm256_sign_epi32(_mm256_sign_epi32(_mm256_set1_epi32(1), e), r);
        st.c = _mm256_add_epi32(
            st.c,
            _mm256_and_si256(delta, _mm256_and_si256(live, st.used)),
        );
        let shifted = _mm256_permutevar8x32_epi32(st.w, _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 7));
        st.w = _mm256_blend_epi32::<0x80>(shifted, _mm256_set1_epi32(out));
        out
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn run(chans: &mut [Channel<'_>], start: usize) {
        match chans {
            [a] => {
                let n = a.crev.len();
                let mut s = state(a, start);
                let buf = &mut *a.buf;
                for j in start..buf.len() {
                    buf[j] = step(&mut s, buf[j - n - 1], buf[j]);
                }
            }
            [a, b] => {
                let (na, nb) = (a.crev.len(), b.crev.len());
                let (mut sa, mut sb) = (state(a, start), state(b, start));
                let (x, y) = (&mut *a.buf, &mut *b.buf);
                for j in start..x.len().min(y.len()) {
                    x[j] = step(&mut sa, x[j - na - 1], x[j]);
                    y[j] = step(&mut sb, y[j - nb - 1], y[j]);
                }
            }
            _ => {}
        }
    }
}
