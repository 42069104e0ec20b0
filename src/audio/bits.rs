//! MSB-first bit readers over one ALAC packet: [`Bits`] for
//! headers (position in memory, any read), [`Cache`] for residual loops (the next 56–64 bits
//! in a register).

/// MSB-first bit reader over one packet. Reads past the end see zeros; the caller checks
/// [`Bits::overrun`] once the packet is decoded.
pub(crate) struct Bits<'a> {
    pub data: &'a [u8],
    pub pos: usize,
}

impl<'a> Bits<'a> {
    /// The next 64 bits (zeros past the end).
    #[inline(always)]
    pub fn window(&self) -> u64 {
        let byte = self.pos >> 3;
        let raw = match self.data.get(byte..byte + 8) {
            Some(s) => {
                let mut a = [0u8; 8];
                a.copy_from_slice(s);
                u64::from_be_bytes(a)
            }
            None => {
                let mut a = [0u8; 8];
                for (d, s) in a.iter_mut().zip(self.data.get(byte..).unwrap_or(&[])) {
                    *d = *s;
                }
                u64::from_be_bytes(a)
            }
        };
        raw << (self.pos & 7)
    }

    /// Reads `n ≤ 32` bits.
    #[inline(always)]
    pub fn read(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        let v = (self.window() >> (64 - n)) as u32;
        self.pos += n as usize;
        v
    }

    /// Reads `n ≤ 32` bits as a signed two's-complement value.
    pub fn read_signed(&mut self, n: u32) -> i32 {
        let v = self.read(n);
        if n == 0 || n >= 32 {
            v as i32
        } else {
            ((v << (32 - n)) as i32) >> (32 - n)
        }
    }

    pub fn skip(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n);
    }

    pub fn align(&mut self) {
        self.pos = (self.pos + 7) & !7;
    }

    pub fn overrun(&self) -> bool {
        self.pos > self.data.len() * 8
    }
}

/// The residual loop's bit reader: the next 56–64 bits of the packet in a register, refilled
/// eight bytes at a time, so that the position does not go through memory per code.
/// Invariant: the top `bits` bits of `buf` are the next stream bits, the bits below them are
/// zero or the stream bits that follow (so OR-ing a refill in is exact).
pub(crate) struct Cache<'a> {
    pub data: &'a [u8],
    pub buf: u64,
    pub bits: u32,
    /// The next byte to load.
    pub next: usize,
}

impl<'a> Cache<'a> {
    pub fn at(r: &Bits<'a>) -> Self {
        let mut c = Cache {
            data: r.data,
            buf: 0,
            bits: 0,
            next: r.pos >> 3,
        };
        c.refill();
        c.consume((r.pos & 7) as u32);
        c
    }

    /// Bit position in the packet.
    pub fn pos(&self) -> usize {
        self.next * 8 - self.bits as usize
    }

    /// Tops the cache up to 56–63 bits (zeros past the end of the packet).
    #[inline(always)]
    pub fn refill(&mut self) {
        if let Some(s) = self.data.get(self.next..self.next + 8) {
            let mut a = [0u8; 8];
            a.copy_from_slice(s);
            self.buf |= u64::from_be_bytes(a) >> self.bits;
            let take = (63 - self.bits) >> 3;
            self.next += take as usize;
            self.bits += take * 8;
        } else {
            while self.bits < 56 {
                let b = self.data.get(self.next).copied().unwrap_or(0);
                self.buf |= (b as u64) << (56 - self.bits);
                self.next += 1;
                self.bits += 8;
            }
        }
    }

    /// Reads `n ≤ 32` bits (refilling first).
    #[inline(always)]
    pub fn read(&mut self, n: u32) -> u32 {
        self.refill();
        // two shifts, so that n = 0 reads nothing
        let v = ((self.buf >> 1) >> (63 - n)) as u32;
        self.consume(n);
        v
    }

    /// Drops `n < 64` bits (at most `bits`).
    #[inline(always)]
    pub fn consume(&mut self, n: u32) {
        self.buf <<= n;
        self.bits -= n;
    }
}

/// A xorshift64 generator (Marsaglia 2003) for the decoders' random-input tests.
#[cfg(test)]
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}
