//! FLAC frame decoding for streams of up to 24 bits and 8 channels, written from the format
//! specification (RFC 9639: frame header, constant / verbatim / fixed / LPC subframes,
//! wasted bits, partitioned Rice residuals with escapes, stereo decorrelation). Symphonia
//! still demuxes (native FLAC, Ogg, Matroska, MP4) and decodes 32-bit streams.
//!
//! Why a second decoder: with symphonia's, FLAC decoding took about as long as every feature
//! together for a FLAC track. This one reads residuals through a 64-bit register window
//! (`bits::Cache`), runs the LPC filter specialised per order with 32-bit sums where the
//! specification's bound allows them (`bits + precision + ⌈log2 order⌉ ≤ 32`, 64-bit
//! otherwise), and converts to f32 in one pass. Its output is bit-identical to symphonia's
//! (`tests/own_decoders.rs` decodes real files with both): `x / 2^(bits − 1)`, exact for
//! ≤ 24 bits.
//!
//! The header's CRC-8 is checked (as symphonia's decoder does); the frame's CRC-16 is not
//! (native FLAC's demuxer delimits frames by it already). A truncated or inconsistent frame is
//! an error for that frame only; nothing panics.

use super::bits::{Bits, Cache};

/// Channel assignment of a frame.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stereo {
    Independent,
    LeftSide,
    RightSide,
    MidSide,
}

/// Streaming FLAC frame decoder.
#[derive(Debug)]
pub struct FlacDecoder {
    /// Bits per sample and rate from the stream header, for frames that refer to it.
    stream_bits: Option<u32>,
    stream_rate: Option<u32>,
    /// The frame's channels, as decoded.
    ch: Vec<Vec<i32>>,
}

impl FlacDecoder {
    /// A decoder for a stream of `bits` per sample (when known) at `rate`, or `None` when the
    /// stream is outside this decoder's scope (more than 24 bits).
    pub fn new(bits: Option<u32>, rate: Option<u32>) -> Option<Self> {
        if bits.is_some_and(|b| !(4..=24).contains(&b)) {
            return None;
        }
        Some(FlacDecoder {
            stream_bits: bits,
            stream_rate: rate,
            ch: Vec::new(),
        })
    }

    /// Decodes one frame into interleaved f32 `out` (replacing its contents); returns its
    /// channel count and sample rate.
    pub fn decode(&mut self, frame: &[u8], out: &mut Vec<f32>) -> Result<(usize, u32), String> {
        out.clear();
        let mut r = Bits {
            data: frame,
            pos: 0,
        };
        if frame.len() < 6 || r.read(15) != 0x7ffc {
            return Err("no frame sync".into());
        }
        r.skip(1); // blocking strategy
        let (bs_code, rate_code) = (r.read(4), r.read(4));
        let (ch_code, size_code) = (r.read(4), r.read(3));
        r.skip(1);
        // the frame or sample number, UTF-8-like: the first byte's leading ones give the length
        let extra = match (r.read(8) as u8).leading_ones() {
            0 => 0,
            n @ 2..=7 => n as usize - 1,
            _ => return Err("bad frame number".into()),
        };
        r.skip(8 * extra);
        let block = match bs_code {
            0 => return Err("reserved block size".into()),
            1 => 192,
            2..=5 => 576 << (bs_code - 2),
            6 => r.read(8) as usize + 1,
            7 => r.read(16) as usize + 1,
            _ => 256 << (bs_code - 8),
        };
        let rate = match rate_code {
            0 => self
                .stream_rate
                .ok_or("sample rate only in the stream header")?,
            1 => 88_200,
            2 => 176_400,
            3 => 192_000,
            4 => 8_000,
            5 => 16_000,
            6 => 22_050,
            7 => 24_000,
            8 => 32_000,
            9 => 44_100,
            10 => 48_000,
            11 => 96_000,
            12 => r.read(8) * 1000,
            13 => r.read(16),
            14 => r.read(16) * 10,
            _ => return Err("bad sample rate code".into()),
        };
        let bits = match size_code {
            0 => self
                .stream_bits
                .ok_or("bits per sample only in the stream header")?,
            1 => 8,
            2 => 12,
            4 => 16,
            5 => 20,
            6 => 24,
            _ => return Err("unsupported sample size (reserved or 32 bits)".into()),
        };
        let (nch, stereo) = match ch_code {
            0..=7 => (ch_code as usize + 1, Stereo::Independent),
            8 => (2, Stereo::LeftSide),
            9 => (2, Stereo::RightSide),
            10 => (2, Stereo::MidSide),
            _ => return Err("reserved channel assignment".into()),
        };
        // CRC-8 (polynomial x⁸ + x² + x + 1) of the header bytes before it
        let end = r.pos / 8;
        if !r.pos.is_multiple_of(8) || frame.len() <= end || crc8(&frame[..end]) != frame[end] {
            return Err("frame header CRC mismatch".into());
        }
        r.skip(8);
        if self.ch.len() < nch {
            self.ch.resize_with(nch, Vec::new);
        }
        for (c, ch) in self.ch[..nch].iter_mut().enumerate() {
            let side = match stereo {
                Stereo::LeftSide | Stereo::MidSide => c == 1,
                Stereo::RightSide => c == 0,
                Stereo::Independent => false,
            };
            ch.clear();
            ch.resize(block, 0);
            subframe(&mut r, ch, bits + side as u32)?;
            if r.overrun() {
                return Err("truncated frame".into());
            }
        }
        emit(&self.ch[..nch], stereo, bits, out);
        Ok((nch, rate))
    }
}

/// CRC-8 with polynomial 0x07, initial value 0 (the frame header checksum).
fn crc8(bytes: &[u8]) -> u8 {
    let mut c = 0u8;
    for &b in bytes {
        c ^= b;
        for _ in 0..8 {
            c = if c & 0x80 != 0 {
                (c << 1) ^ 0x07
            } else {
                c << 1
            };
        }
    }
    c
}

/// Undoes the stereo decorrelation and appends interleaved f32 (`x / 2^(bits − 1)`).
fn emit(chs: &[Vec<i32>], stereo: Stereo, bits: u32, out: &mut Vec<f32>) {
    let up = 32 - bits;
    let f = |v: i32| (v.wrapping_shl(up)) as f32 * (1.0 / 2_147_483_648.0f32);
    let n = chs.first().map_or(0, Vec::len);
    out.resize(n * chs.len(), 0.0);
    if let [a, b] = chs {
        let pairs = out.chunks_exact_mut(2).zip(a.iter().zip(b));
        match stereo {
            Stereo::Independent => pairs.for_each(|(o, (&l, &r))| {
                o[0] = f(l);
                o[1] = f(r);
            }),
            Stereo::LeftSide => pairs.for_each(|(o, (&l, &s))| {
                o[0] = f(l);
                o[1] = f(l.wrapping_sub(s));
            }),
            Stereo::RightSide => pairs.for_each(|(o, (&s, &r))| {
                o[0] = f(s.wrapping_add(r));
                o[1] = f(r);
            }),
            Stereo::MidSide => pairs.for_each(|(o, (&m, &s))| {
                let m = m.wrapping_shl(1) | (s & 1);
                o[0] = f(m.wrapping_add(s) >> 1);
                o[1] = f(m.wrapping_sub(s) >> 1);
            }),
        }
        return;
    }
    let nch = chs.len();
    for (c, ch) in chs.iter().enumerate() {
        for (o, &v) in out[c..].iter_mut().step_by(nch).zip(ch) {
            *o = f(v);
        }
    }
}

/// Decodes one subframe of `bits` bits per sample into `out` (its length is the block size).
/// On x86-64 CPUs with AVX2, LZCNT and BMI2 the same code is compiled for them: the Rice
/// loop's leading-zero count sits on its dependency chain (`bsr` takes 3–4 cycles, `lzcnt`
/// one), and the 32-bit LPC sums vectorise with `vpmulld`.
fn subframe(r: &mut Bits<'_>, out: &mut [i32], bits: u32) -> Result<(), String> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("lzcnt") && std::arch::is_x86_feature_detected!("bmi2") {
        // SAFETY: the features were detected just above.
        return unsafe { subframe_v3(r, out, bits) };
    }
    subframe_body(r, out, bits)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "lzcnt,bmi2")]
fn subframe_v3(r: &mut Bits<'_>, out: &mut [i32], bits: u32) -> Result<(), String> {
    subframe_body(r, out, bits)
}

#[inline(always)]
fn subframe_body(r: &mut Bits<'_>, out: &mut [i32], bits: u32) -> Result<(), String> {
    if r.read(1) != 0 {
        return Err("bad subframe padding".into());
    }
    let kind = r.read(6);
    let mut wasted = 0;
    if r.read(1) == 1 {
        wasted = 1;
        while r.read(1) == 0 {
            wasted += 1;
            if wasted >= bits || r.overrun() {
                return Err("bad wasted-bits count".into());
            }
        }
    }
    let bits = bits - wasted;
    match kind {
        0 => {
            let v = r.read_signed(bits);
            out.fill(v);
        }
        1 => {
            for o in out.iter_mut() {
                *o = r.read_signed(bits);
            }
        }
        8..=12 => {
            let order = kind as usize - 8;
            warm_up(r, out, order, bits)?;
            residual(r, out, order)?;
            fixed(out, order);
        }
        32..=63 => {
            let order = kind as usize - 31;
            warm_up(r, out, order, bits)?;
            let precision = r.read(4) + 1;
            if precision == 16 {
                return Err("bad LPC precision".into());
            }
            let shift = r.read_signed(5);
            if shift < 0 {
                return Err("negative LPC shift".into());
            }
            let mut coefs = [0i32; 32];
            for c in &mut coefs[..order] {
                *c = r.read_signed(precision);
            }
            residual(r, out, order)?;
            // |Σ c·x| < 2^(precision − 1) · 2^(bits − 1) · order: 32-bit sums are exact when
            // bits + precision + ⌈log2 order⌉ ≤ 32
            let wide = bits + precision + (order as u32).next_power_of_two().trailing_zeros() > 32;
            lpc(out, &coefs[..order], shift as u32, wide);
        }
        _ => return Err("reserved subframe type".into()),
    }
    if wasted > 0 {
        for o in out.iter_mut() {
            *o = o.wrapping_shl(wasted);
        }
    }
    Ok(())
}

/// The `order` unencoded warm-up samples of a predicted subframe.
#[inline(always)]
fn warm_up(r: &mut Bits<'_>, out: &mut [i32], order: usize, bits: u32) -> Result<(), String> {
    if order > out.len() {
        return Err("predictor order above the block size".into());
    }
    for o in &mut out[..order] {
        *o = r.read_signed(bits);
    }
    Ok(())
}

/// Decodes the partitioned Rice residual of a subframe into `out[order..]`.
#[inline(always)]
fn residual(r: &mut Bits<'_>, out: &mut [i32], order: usize) -> Result<(), String> {
    let (param_bits, escape) = match r.read(2) {
        0 => (4, 15),
        1 => (5, 31),
        _ => return Err("reserved residual coding method".into()),
    };
    let partition_order = r.read(4);
    let n = out.len();
    let size = n >> partition_order;
    if size << partition_order != n || size < order {
        return Err("bad residual partition order".into());
    }
    let limit = r.data.len() * 8;
    let mut c = Cache::at(r);
    let mut i = order;
    for p in 0..1usize << partition_order {
        let end = (p + 1) * size;
        let k = c.read(param_bits);
        if k == escape {
            let width = c.read(5);
            for o in &mut out[i..end] {
                *o = if width == 0 { 0 } else { c.read_signed(width) };
            }
        } else {
            for o in &mut out[i..end] {
                *o = rice(&mut c, k, limit)?;
            }
        }
        if c.pos() > limit {
            return Err("truncated residual".into());
        }
        i = end;
    }
    r.pos = c.pos();
    Ok(())
}

/// One Rice code with parameter `k` (unary quotient as zeros ended by a one, then `k` bits),
/// folded to a signed value.
#[inline(always)]
fn rice(c: &mut Cache<'_>, k: u32, limit: usize) -> Result<i32, String> {
    // refill only below 32 bits: most codes are far shorter
    if c.bits < 32 {
        c.refill();
    }
    let u = match rice_in_register(c, k) {
        Some(u) => u,
        None => {
            c.refill();
            match rice_in_register(c, k) {
                Some(u) => u,
                None => rice_long(c, k, limit)?,
            }
        }
    };
    Ok(((u >> 1) as i32) ^ -((u & 1) as i32))
}

/// A Rice code whose quotient runs beyond the register: zeros counted refill by refill (only
/// the top `bits` bits of the register are known to be stream bits).
#[cold]
fn rice_long(c: &mut Cache<'_>, k: u32, limit: usize) -> Result<u64, String> {
    let mut q = 0u64;
    loop {
        let z = c.buf.leading_zeros();
        if z < c.bits {
            q += z as u64;
            c.consume(z + 1);
            break;
        }
        q += c.bits as u64;
        c.consume(c.bits);
        if c.pos() > limit {
            return Err("truncated residual".into());
        }
        c.refill();
    }
    let low = c.read(k) as u64;
    Ok((q << k) | low)
}

/// A Rice code that lies entirely in the register's known bits, consumed.
#[inline(always)]
fn rice_in_register(c: &mut Cache<'_>, k: u32) -> Option<u64> {
    let q = c.buf.leading_zeros();
    if q + 1 + k > c.bits {
        return None;
    }
    let low = ((c.buf << (q + 1)) >> 1) >> (63 - k);
    c.consume(q + 1 + k);
    Some(((q as u64) << k) | low)
}

/// The fixed polynomial predictors of orders 0–4, in place.
#[inline(always)]
fn fixed(x: &mut [i32], order: usize) {
    let n = x.len();
    match order {
        1 => {
            for i in 1..n {
                x[i] = x[i].wrapping_add(x[i - 1]);
            }
        }
        2 => {
            for i in 2..n {
                let p = x[i - 1].wrapping_mul(2).wrapping_sub(x[i - 2]);
                x[i] = x[i].wrapping_add(p);
            }
        }
        3 => {
            for i in 3..n {
                let p = x[i - 1]
                    .wrapping_sub(x[i - 2])
                    .wrapping_mul(3)
                    .wrapping_add(x[i - 3]);
                x[i] = x[i].wrapping_add(p);
            }
        }
        4 => {
            for i in 4..n {
                let p = x[i - 1]
                    .wrapping_add(x[i - 3])
                    .wrapping_mul(4)
                    .wrapping_sub(x[i - 2].wrapping_mul(6))
                    .wrapping_sub(x[i - 4]);
                x[i] = x[i].wrapping_add(p);
            }
        }
        _ => {}
    }
}

/// The LPC predictor in place: `x[i] += (Σ_j c_j·x[i−1−j]) >> shift` for `i ≥ order`.
#[inline(always)]
fn lpc(x: &mut [i32], coefs: &[i32], shift: u32, wide: bool) {
    // coefficients in window order: crev[t] pairs with x[i − order + t]
    let order = coefs.len();
    let mut crev = [0i32; 32];
    for (t, c) in crev[..order].iter_mut().enumerate() {
        *c = coefs[order - 1 - t];
    }
    macro_rules! orders {
        ($($n:literal)*) => {
            match (order, wide) {
                $(($n, false) => lpc_n::<$n, i32>(x, &crev, shift),
                  ($n, true) => lpc_n::<$n, i64>(x, &crev, shift),)*
                (_, false) => lpc_any::<i32>(x, &crev[..order], shift),
                (_, true) => lpc_any::<i64>(x, &crev[..order], shift),
            }
        };
    }
    orders!(1 2 3 4 5 6 7 8 10 12 16 32);
}

/// The accumulator of an LPC sum: `i32` (wrapping; exact within the bound) or `i64`.
trait Acc: Copy {
    const ZERO: Self;
    fn mac(self, c: i32, x: i32) -> Self;
    fn shr_i32(self, shift: u32) -> i32;
}

impl Acc for i32 {
    const ZERO: Self = 0;
    #[inline(always)]
    fn mac(self, c: i32, x: i32) -> Self {
        self.wrapping_add(c.wrapping_mul(x))
    }
    #[inline(always)]
    fn shr_i32(self, shift: u32) -> i32 {
        self.wrapping_shr(shift)
    }
}

impl Acc for i64 {
    const ZERO: Self = 0;
    #[inline(always)]
    fn mac(self, c: i32, x: i32) -> Self {
        self.wrapping_add(c as i64 * x as i64)
    }
    #[inline(always)]
    fn shr_i32(self, shift: u32) -> i32 {
        self.wrapping_shr(shift) as i32
    }
}

/// [`lpc`] for a compile-time order.
#[inline(always)]
fn lpc_n<const N: usize, A: Acc>(x: &mut [i32], crev: &[i32; 32], shift: u32) {
    let mut c = [0i32; N];
    c.copy_from_slice(&crev[..N]);
    for i in N..x.len() {
        let w: &[i32; N] = match x[i - N..i].try_into() {
            Ok(w) => w,
            Err(_) => return,
        };
        let mut s = A::ZERO;
        for t in 0..N {
            s = s.mac(c[t], w[t]);
        }
        x[i] = x[i].wrapping_add(s.shr_i32(shift));
    }
}

/// [`lpc`] for any order.
#[inline(always)]
fn lpc_any<A: Acc>(x: &mut [i32], crev: &[i32], shift: u32) {
    let order = crev.len();
    for i in order..x.len() {
        let mut s = A::ZERO;
        for (&c, &v) in crev.iter().zip(&x[i - order..i]) {
            s = s.mac(c, v);
        }
        x[i] = x[i].wrapping_add(s.shr_i32(shift));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MSB-first bit writer for hand-made frames.
    struct Writer(Vec<u8>, u32);
    impl Writer {
        fn put(&mut self, v: u32, n: u32) {
            for i in (0..n).rev() {
                if self.1 == 0 {
                    self.0.push(0);
                }
                let last = self.0.len() - 1;
                self.0[last] |= (((v >> i) & 1) as u8) << (7 - self.1);
                self.1 = (self.1 + 1) % 8;
            }
        }
    }

    /// A mono 16-bit frame whose residual uses an escaped (raw) partition and a Rice one: no
    /// encoder at hand writes escapes, so the frame is built bit by bit.
    #[test]
    fn escaped_partitions_are_raw_signed_values() {
        let mut w = Writer(Vec::new(), 0);
        w.put(0xfff8, 16); // sync, reserved, fixed block size
        w.put(0x6, 4); // block size: 8 bits follow
        w.put(0x9, 4); // 44.1 kHz
        w.put(0, 4); // mono
        w.put(4, 3); // 16 bits
        w.put(0, 1);
        w.put(0, 8); // frame number 0
        w.put(7, 8); // block size − 1
        let header_crc = crc8(&w.0);
        w.put(header_crc as u32, 8); // CRC-8 of the header
        w.put(0, 1); // subframe padding
        w.put(9, 6); // fixed, order 1
        w.put(0, 1); // no wasted bits
        w.put(0xfffe_u32 & 0xffff, 16); // warm-up sample −2
        w.put(0, 2); // 4-bit Rice parameters
        w.put(1, 4); // partition order 1: partitions of 4 samples (the first has 3)
        w.put(15, 4); // escape
        w.put(5, 5); // 5-bit raw values
        for v in [3i32, -16, 15] {
            w.put(v as u32 & 31, 5);
        }
        w.put(1, 4); // Rice k = 1
        for v in [0i32, -1, 1, 2] {
            let u = ((v << 1) ^ (v >> 31)) as u32; // zigzag
            w.put(0, u >> 1); // unary zeros
            w.put(1, 1);
            w.put(u & 1, 1);
        }
        w.put(0, 16); // CRC-16 (not checked)
        let mut d = FlacDecoder::new(Some(16), Some(44_100)).unwrap();
        let mut out = Vec::new();
        assert_eq!(d.decode(&w.0, &mut out), Ok((1, 44_100)));
        // first-order prediction: running sums of −2, 3, −16, 15, 0, −1, 1, 2
        let want = [-2, 1, -15, 0, 0, -1, 0, 2];
        let got: Vec<i32> = out.iter().map(|v| (v * 32768.0) as i32).collect();
        assert_eq!(got, want);
    }

    fn d_ok(frame: &[u8]) -> bool {
        let mut d = FlacDecoder::new(Some(16), Some(44_100)).unwrap();
        d.decode(frame, &mut Vec::new()).is_ok()
    }

    #[test]
    fn random_frames_are_errors_or_audio_never_panics() {
        let mut next = crate::audio::bits::xorshift(0x2545_f491_4f6c_dd1du64);
        let mut out = Vec::new();
        let (mut decoded, mut errors) = (0, 0);
        for bits in [None, Some(16), Some(24)] {
            let mut d = FlacDecoder::new(bits, Some(44_100)).unwrap();
            for len in [0usize, 3, 7, 16, 100, 1000, 5000] {
                for i in 0..60 {
                    // random bytes after a valid header (every channel assignment, 16 and
                    // 24 bits, a few block sizes), so that the subframe parser sees garbage
                    let mut w = Writer(Vec::new(), 0);
                    w.put(0xfff8, 16);
                    w.put([1, 7, 8, 12][i % 4], 4); // 192, 16-bit size, 256, 4096
                    w.put(9, 4);
                    w.put((i % 11) as u32, 4); // 1–8 independent, left/mid/right side
                    w.put(if i % 2 == 0 { 4 } else { 6 }, 3);
                    w.put(0, 1);
                    w.put(0, 8);
                    if i % 4 == 1 {
                        w.put((next() % 4096) as u32, 16);
                    }
                    let crc = crc8(&w.0);
                    w.put(crc as u32, 8);
                    let mut frame = w.0;
                    frame.extend((0..len).map(|_| next() as u8));
                    match d.decode(&frame, &mut out) {
                        Ok(_) => decoded += 1,
                        Err(_) => errors += 1,
                    }
                }
            }
        }
        assert!(
            errors > 0 && decoded > 0,
            "{decoded} decoded, {errors} errors"
        );
        // a damaged header is caught by its CRC
        let mut frame = vec![0xff, 0xf8, 0x19, 0x08, 0x00];
        frame.push(crc8(&frame));
        frame.extend([0u8; 64]);
        assert!(d_ok(&frame));
        frame[2] ^= 0x10;
        assert!(!d_ok(&frame));
        assert!(FlacDecoder::new(Some(32), None).is_none());
    }
}
