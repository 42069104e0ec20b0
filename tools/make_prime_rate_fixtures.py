#!/usr/bin/env python3
"""Twenty 4 KB mono 16-bit WAV files at distinct prime sample rates just below 768 kHz.

Each rate's exact resampling plan to 22050 Hz would take millions of samples; run with one job
they once grew the per-worker resampler cache to 3.4 GB. Used by tests/limits.rs.
Usage: tools/make_prime_rate_fixtures.py tests/fixtures/hostile/prime_rates
"""
import math
import struct
import sys
import wave
from pathlib import Path


def is_prime(n):
    if n < 2 or n % 2 == 0:
        return n == 2
    r = int(math.isqrt(n))
    return all(n % d for d in range(3, r + 1, 2))


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rates, r = [], 767_999
    while len(rates) < 20:
        if is_prime(r):
            rates.append(r)
        r -= 2
    for rate in rates:
        n = 2000  # 4000 bytes of samples
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 1000 * i / rate))) for i in range(n)
        )
        with wave.open(str(out / f"prime_{rate}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(frames)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/hostile/prime_rates")
