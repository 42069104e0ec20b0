#!/usr/bin/env python3
"""Writes the small hostile-input fixtures of tests/hostile.rs into tests/fixtures/hostile/.

* vorbis_lookup1_assert.ogg (≈ 150 bytes): a minimal Ogg Vorbis stream whose setup header
  holds one codebook with lookup type 1, 3 dimensions and 1,953,124 (= 125³ − 1) entries.
  symphonia-format-ogg 0.6.1 computes lookup1_values with f32 `powf` (which rounds the cube
  root up to 125.0) and then asserts `125³ <= 1953124` (mappings/vorbis.rs:728): a panic
  while probing. The Vorbis spec (§9.2.3) defines lookup1_values as the greatest integer
  `v` with `v^dimensions <= entries`, i.e. 124 here; the stream is otherwise unremarkable.
* caf_huge_chunk.caf (≈ 100 bytes): a CAF file whose `desc` chunk is valid and whose next
  chunk (`free`) claims 2^63 − 1 bytes; symphonia skips it with a seek that the OS rejects
  with EINVAL ("Invalid argument (os error 22)"), which is hostile content, not an I/O error.
* flac_bomb_120h.flac (≈ 97 KB): a valid FLAC stream, mono, 16 bits, 1 kHz, 6,592 frames of
  65,535 samples of digital silence (constant subframes, 13–15 bytes a frame): 432 million
  samples, 120 hours of audio: a decompression bomb of ≈ 9,000 : 1.

Python standard library only. usage: tools/make_hostile_fixtures.py [OUT_DIR]
"""
import os, struct, sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "tests", "fixtures", "hostile")
os.makedirs(out, exist_ok=True)


def ogg_crc(data):
    crc = 0
    for b in data:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def ogg_page(header_type, granule, serial, seq, packets):
    lacing, body = b"", b""
    for p in packets:
        n = len(p)
        while n >= 255:
            lacing += b"\xff"
            n -= 255
        lacing += bytes([n])
        body += p
    page = (b"OggS\x00" + bytes([header_type]) + struct.pack("<qII", granule, serial, seq)
            + b"\x00\x00\x00\x00" + bytes([len(lacing)]) + lacing + body)
    crc = ogg_crc(page)
    return page[:22] + struct.pack("<I", crc) + page[26:]


class Bits:
    """LSB-first bit packer (Vorbis bit order)."""

    def __init__(self):
        self.value, self.n = 0, 0

    def put(self, v, bits):
        self.value |= (v & ((1 << bits) - 1)) << self.n
        self.n += bits

    def bytes(self):
        return self.value.to_bytes((self.n + 7) // 8, "little")


ident = (b"\x01vorbis" + struct.pack("<IBIiiiB", 0, 2, 44100, 0, 128000, 0, 0xB8) + b"\x01")
comment = b"\x03vorbis" + struct.pack("<II", 0, 0) + b"\x01"
b = Bits()
b.put(0, 8)              # codebook count - 1
b.put(0x564342, 24)      # codebook sync pattern
b.put(3, 16)             # dimensions
b.put(1953124, 24)       # entries = 125^3 - 1
b.put(1, 1)              # length-ordered
b.put(0, 5)              # first length - 1
b.put(1953124, 21)       # one run covering every entry (ilog(1953124) = 21 bits)
b.put(1, 4)              # lookup type 1
b.put(0, 32)             # minimum value
b.put(0, 32)             # delta value
b.put(0, 4)              # value bits - 1
b.put(0, 1)              # sequence_p
setup = b"\x05vorbis" + b.bytes() + b"\x00" * 8
ogg = ogg_page(2, 0, 1, 0, [ident]) + ogg_page(0, 0, 1, 1, [comment, setup])
ogg += ogg_page(4, 256, 1, 2, [b"\x00" * 8])
with open(os.path.join(out, "vorbis_lookup1_assert.ogg"), "wb") as f:
    f.write(ogg)

desc = struct.pack(">dIIIIII", 44100.0, int.from_bytes(b"lpcm", "big"), 2, 4, 1, 2, 16)
caf = b"caff" + struct.pack(">HH", 1, 0)
caf += b"desc" + struct.pack(">q", len(desc)) + desc
caf += b"free" + struct.pack(">q", (1 << 63) - 1) + b"\x00" * 16
with open(os.path.join(out, "caf_huge_chunk.caf"), "wb") as f:
    f.write(caf)


def crc8(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def utf8_number(n):
    """FLAC's UTF-8-like coding of the frame number (n < 2^16 here)."""
    if n < 0x80:
        return bytes([n])
    if n < 0x800:
        return bytes([0xC0 | (n >> 6), 0x80 | (n & 0x3F)])
    return bytes([0xE0 | (n >> 12), 0x80 | ((n >> 6) & 0x3F), 0x80 | (n & 0x3F)])


BLOCK, FRAMES, RATE = 65535, 6592, 1000
total = BLOCK * FRAMES
# STREAMINFO: min/max block size, min/max frame size, then rate (20 bits), channels - 1
# (3), bits - 1 (5), total samples (36) in one 64-bit word, then a zero MD5 (unknown).
packed = (RATE << 44) | (0 << 41) | (15 << 36) | total
streaminfo = struct.pack(">HH", BLOCK, BLOCK) + (0).to_bytes(3, "big") * 2
streaminfo += packed.to_bytes(8, "big") + b"\x00" * 16
flac = b"fLaC" + bytes([0x80]) + len(streaminfo).to_bytes(3, "big") + streaminfo
for i in range(FRAMES):
    # sync + fixed block size; block size from the 16-bit field at the end (0111), rate from
    # STREAMINFO (0000); mono (0000), 16 bits (100), reserved 0
    head = b"\xff\xf8" + bytes([0x70, 0x08]) + utf8_number(i) + struct.pack(">H", BLOCK - 1)
    head += bytes([crc8(head)])
    frame = head + b"\x00" + b"\x00\x00"  # constant subframe, value 0
    flac += frame + struct.pack(">H", crc16(frame))
with open(os.path.join(out, "flac_bomb_120h.flac"), "wb") as f:
    f.write(flac)
print("wrote", out)
