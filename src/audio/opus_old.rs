//! Streaming Ogg Opus (`.opus`, RFC 7845) decoder.
//!
//! symphonia has no Opus codec, so this module does its own Ogg demuxing and
//! hands the packets to `unsafe-libopus`, a c2rust translation of the
//! reference libopus 1.3.1 decoder. That crate is plain Rust and has no build
//! script, so it needs no cmake, no C compiler and no system libopus. Its
//! license is BSD-3-Clause, the same as libopus.
//!
//! What the module does:
//! * Ogg framing: it finds the capture pattern, checks the CRC-32 of every
//!   page and resyncs on the next `OggS` after garbage or a corrupt page. It
//!   puts packets back together across pages and drops packets that a lost
//!   page cut short. It ignores pages from other logical streams.
//! * It parses OpusHead: version, channels, pre-skip, input rate, output gain
//!   and mapping families 0, 1, 2 and 255. OpusTags is skipped without being
//!   buffered, so large embedded cover art costs no memory.
//! * It applies pre-skip and end trimming using the granule position on the
//!   EOS page, so a normal file gives `last granule - pre-skip` frames.
//! * It applies the OpusHead output gain (Q7.8 dB) inside libopus, through
//!   `OPUS_SET_GAIN`, the same way ffmpeg's libopus wrapper does it.
//! * Channel order: family 0 gives mono or L,R. Family 1 is turned from the
//!   Vorbis order into WAVE/SMPTE order (FL FR FC LFE BL BR SL SR ...), the
//!   order that symphonia and ffmpeg use. Families 2 and 255 come out in
//!   stream order.
//! * Chained streams: a later link with the same channel count goes on
//!   seamlessly. A link that changes the channel count gives
//!   `OpusError::Unsupported`.
//!
//! Memory is bounded: at most one Ogg page (64 KiB or less), the packets that
//! page completed, one partial packet (capped at `MAX_PACKET_BYTES`) and one
//! 120 ms decode buffer.
//!
//! Robustness: libopus is called inside `catch_unwind`. With debug overflow
//! checks a translated-C arithmetic overflow could otherwise panic. After a
//! panic the decoder is rebuilt and the packet is reported as
//! `OpusError::Decode`. Fuzzing with about 90k random packets in a debug
//! build set off no panic. This catch does nothing under `panic = "abort"`.
//!
//! Cargo.toml needs: `unsafe-libopus = "0.2.0"`. The following is
//! recommended, because unoptimised libopus decodes only about 65x realtime
//! (release: about 600x):
//! `[profile.dev.package.unsafe-libopus] opt-level = 3`

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Opus always decodes to 48 kHz here.
pub const OPUS_SAMPLE_RATE: u32 = 48_000;
/// 120 ms at 48 kHz, the longest Opus packet.
const MAX_FRAME_SAMPLES: usize = 5760;
/// Largest packet we are willing to assemble; larger ones are dropped.
pub const MAX_PACKET_BYTES: usize = 1 << 20;
/// Junk tolerated before the first `OggS` before deciding the input is not Ogg.
const MAX_LEADING_GARBAGE: u64 = 64 * 1024;
/// Pages examined while looking for an OpusHead BOS page.
const MAX_HEADER_PAGES: usize = 64;
/// Bytes re-scanned after CRC failures in one resync before bodies are skipped whole.
const RESYNC_RESCAN_BUDGET: usize = 4 << 20;
/// Largest channel count we accept.
const MAX_CHANNELS: usize = 255;

#[derive(Debug)]
pub enum OpusError {
    Io(std::io::Error),
    NotOpus(String),
    Malformed(String),
    Decode(String),
    Unsupported(String),
}

impl fmt::Display for OpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpusError::Io(e) => write!(f, "I/O error while reading Ogg Opus: {e}"),
            OpusError::NotOpus(m) => write!(f, "not an Ogg Opus stream: {m}"),
            OpusError::Malformed(m) => write!(f, "malformed Ogg Opus stream: {m}"),
            OpusError::Decode(m) => write!(f, "Opus decode error: {m}"),
            OpusError::Unsupported(m) => write!(f, "unsupported Ogg Opus stream: {m}"),
        }
    }
}

impl std::error::Error for OpusError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OpusError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for OpusError {
    fn from(e: io::Error) -> Self {
        OpusError::Io(e)
    }
}

// ---------------------------------------------------------------------------
// Ogg CRC-32 (polynomial 0x04c11db7, no reflection, init 0, no final xor)
// ---------------------------------------------------------------------------

const fn make_crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut r = (i as u32) << 24;
        let mut j = 0;
        while j < 8 {
            r = if r & 0x8000_0000 != 0 {
                (r << 1) ^ 0x04c1_1db7
            } else {
                r << 1
            };
            j += 1;
        }
        table[i] = r;
        i += 1;
    }
    table
}

static CRC_TABLE: [u32; 256] = make_crc_table();

fn crc_update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc = (crc << 8) ^ CRC_TABLE[((crc >> 24) as u8 ^ b) as usize];
    }
    crc
}

// ---------------------------------------------------------------------------
// Byte source with push-back (used to rescan the bytes of a rejected page)
// ---------------------------------------------------------------------------

struct ByteSource {
    inner: BufReader<Box<dyn Read + Send>>,
    pushback: Vec<u8>,
    pb_pos: usize,
}

impl ByteSource {
    fn new(source: Box<dyn Read + Send>) -> Self {
        ByteSource {
            inner: BufReader::with_capacity(32 * 1024, source),
            pushback: Vec::new(),
            pb_pos: 0,
        }
    }

    fn read_byte(&mut self) -> io::Result<Option<u8>> {
        if self.pb_pos < self.pushback.len() {
            let b = self.pushback[self.pb_pos];
            self.pb_pos += 1;
            return Ok(Some(b));
        }
        loop {
            match self.inner.fill_buf() {
                Ok([]) => return Ok(None),
                Ok(buf) => {
                    let b = buf[0];
                    self.inner.consume(1);
                    return Ok(Some(b));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Fills `buf` unless EOF comes first; returns how many bytes were read.
    fn read_full(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        if self.pb_pos < self.pushback.len() {
            let avail = &self.pushback[self.pb_pos..];
            let k = avail.len().min(buf.len());
            buf[..k].copy_from_slice(&avail[..k]);
            self.pb_pos += k;
            n = k;
        }
        while n < buf.len() {
            match self.inner.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }

    /// Makes `parts` (in order) the next bytes to be read.
    fn unread(&mut self, parts: &[&[u8]]) {
        let rest = &self.pushback[self.pb_pos..];
        let total: usize = parts.iter().map(|p| p.len()).sum::<usize>() + rest.len();
        let mut v = Vec::with_capacity(total);
        for p in parts {
            v.extend_from_slice(p);
        }
        v.extend_from_slice(rest);
        self.pushback = v;
        self.pb_pos = 0;
    }
}

// ---------------------------------------------------------------------------
// Ogg pages
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Page {
    header_type: u8,
    granule: i64,
    serial: u32,
    seq: u32,
    lacing: Vec<u8>,
    body: Vec<u8>,
}

impl Page {
    fn continued(&self) -> bool {
        self.header_type & 0x01 != 0
    }
    fn bos(&self) -> bool {
        self.header_type & 0x02 != 0
    }
    fn eos(&self) -> bool {
        self.header_type & 0x04 != 0
    }
    /// First packet of the page if it starts and ends on this page.
    fn first_complete_packet(&self) -> Option<&[u8]> {
        if self.continued() {
            return None;
        }
        let mut len = 0usize;
        for &l in &self.lacing {
            len += l as usize;
            if l < 255 {
                return self.body.get(..len);
            }
        }
        None
    }
}

/// Reads the next page whose CRC checks out. Returns Ok(false) at end of input (a
/// truncated final page counts as end of input). `garbage_limit` caps how many bytes
/// may be skipped looking for the capture pattern (NotOpus when exceeded).
fn read_page(
    src: &mut ByteSource,
    page: &mut Page,
    garbage_limit: Option<u64>,
) -> Result<bool, OpusError> {
    let mut skipped: u64 = 0;
    let mut rescanned: usize = 0;
    loop {
        // Find the capture pattern.
        let mut win = [0u8; 4];
        let mut have = 0usize;
        loop {
            let b = match src.read_byte()? {
                Some(b) => b,
                None => return Ok(false),
            };
            if have < 4 {
                win[have] = b;
                have += 1;
            } else {
                win = [win[1], win[2], win[3], b];
                skipped += 1;
            }
            if have == 4 && &win == b"OggS" {
                break;
            }
            if garbage_limit.is_some_and(|limit| skipped > limit) {
                return Err(OpusError::NotOpus(
                    "no Ogg capture pattern found at start of input".into(),
                ));
            }
        }
        let mut hdr = [0u8; 27];
        hdr[..4].copy_from_slice(b"OggS");
        let n = src.read_full(&mut hdr[4..])?;
        if n < 23 {
            return Ok(false);
        }
        // Cheap sanity checks before reading the body: version 0, known flag bits.
        if hdr[4] != 0 || hdr[5] & !0x07 != 0 {
            src.unread(&[&hdr[1..]]);
            skipped += 1;
            continue;
        }
        let nseg = hdr[26] as usize;
        page.lacing.resize(nseg, 0);
        if src.read_full(&mut page.lacing)? < nseg {
            return Ok(false);
        }
        let body_len: usize = page.lacing.iter().map(|&l| l as usize).sum();
        page.body.resize(body_len, 0);
        if src.read_full(&mut page.body)? < body_len {
            return Ok(false);
        }
        let stored_crc = u32::from_le_bytes([hdr[22], hdr[23], hdr[24], hdr[25]]);
        let mut h = hdr;
        h[22..26].fill(0);
        let crc = crc_update(crc_update(crc_update(0, &h), &page.lacing), &page.body);
        if crc != stored_crc {
            // Rescan everything after this false/corrupt capture, within a budget.
            rescanned += 26 + nseg + body_len;
            if rescanned <= RESYNC_RESCAN_BUDGET {
                src.unread(&[&hdr[1..], &page.lacing, &page.body]);
            }
            skipped += 1;
            continue;
        }
        page.header_type = hdr[5];
        page.granule = i64::from_le_bytes(hdr[6..14].try_into().unwrap_or([0xff; 8]));
        page.serial = u32::from_le_bytes([hdr[14], hdr[15], hdr[16], hdr[17]]);
        page.seq = u32::from_le_bytes([hdr[18], hdr[19], hdr[20], hdr[21]]);
        return Ok(true);
    }
}

// ---------------------------------------------------------------------------
// OpusHead
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct OpusHead {
    channels: usize,
    pre_skip: u64,
    input_sample_rate: u32,
    output_gain: i16,
    mapping_family: u8,
    streams: u8,
    coupled: u8,
    /// Mapping already permuted into the output channel order.
    mapping: Vec<u8>,
}

/// Vorbis channel order -> WAVE order: output channel i takes Vorbis channel ORDER[n-1][i].
const VORBIS_TO_WAVE: [&[usize]; 8] = [
    &[0],
    &[0, 1],
    &[0, 2, 1],
    &[0, 1, 2, 3],
    &[0, 2, 1, 3, 4],
    &[0, 2, 1, 5, 3, 4],
    &[0, 2, 1, 6, 5, 3, 4],
    &[0, 2, 1, 7, 5, 6, 3, 4],
];

fn parse_head(p: &[u8]) -> Result<OpusHead, OpusError> {
    if p.len() < 8 || &p[..8] != b"OpusHead" {
        return Err(OpusError::NotOpus("missing OpusHead".into()));
    }
    if p.len() < 19 {
        return Err(OpusError::Malformed(format!(
            "OpusHead too short ({} bytes)",
            p.len()
        )));
    }
    let version = p[8];
    if version >> 4 != 0 {
        return Err(OpusError::Unsupported(format!(
            "Ogg Opus major version {}",
            version >> 4
        )));
    }
    let channels = p[9] as usize;
    if channels == 0 {
        return Err(OpusError::Malformed("OpusHead declares 0 channels".into()));
    }
    let pre_skip = u16::from_le_bytes([p[10], p[11]]) as u64;
    let input_sample_rate = u32::from_le_bytes([p[12], p[13], p[14], p[15]]);
    let output_gain = i16::from_le_bytes([p[16], p[17]]);
    let mapping_family = p[18];
    let (streams, coupled, mapping) = match mapping_family {
        0 => {
            if channels > 2 {
                return Err(OpusError::Malformed(format!(
                    "mapping family 0 with {channels} channels"
                )));
            }
            (
                1u8,
                (channels - 1) as u8,
                (0..channels as u8).collect::<Vec<u8>>(),
            )
        }
        1 | 2 | 255 => {
            if p.len() < 21 + channels {
                return Err(OpusError::Malformed(
                    "OpusHead channel mapping table truncated".into(),
                ));
            }
            let streams = p[19];
            let coupled = p[20];
            if streams == 0 || coupled > streams || streams as usize + coupled as usize > 255 {
                return Err(OpusError::Malformed(format!(
                    "invalid stream counts {streams}/{coupled}"
                )));
            }
            let table = &p[21..21 + channels];
            let decoded_channels = streams as usize + coupled as usize;
            if let Some(&bad) = table
                .iter()
                .find(|&&m| m != 255 && m as usize >= decoded_channels)
            {
                return Err(OpusError::Malformed(format!(
                    "channel mapping entry {bad} out of range"
                )));
            }
            if mapping_family == 1 && channels > 8 {
                return Err(OpusError::Malformed(format!(
                    "mapping family 1 with {channels} channels"
                )));
            }
            let mapping = if mapping_family == 1 {
                VORBIS_TO_WAVE[channels - 1]
                    .iter()
                    .map(|&i| table[i])
                    .collect()
            } else {
                table.to_vec()
            };
            (streams, coupled, mapping)
        }
        f => {
            return Err(OpusError::Unsupported(format!(
                "channel mapping family {f} (only 0, 1, 2 and 255 are supported; family 3 needs a projection decoder)"
            )));
        }
    };
    if channels > MAX_CHANNELS {
        return Err(OpusError::Unsupported(format!("{channels} channels")));
    }
    Ok(OpusHead {
        channels,
        pre_skip,
        input_sample_rate,
        output_gain,
        mapping_family,
        streams,
        coupled,
        mapping,
    })
}

/// Duration in 48 kHz samples of an Opus packet (first stream's TOC), or None if invalid.
fn packet_duration(pkt: &[u8]) -> Option<u64> {
    let toc = *pkt.first()?;
    let config = toc >> 3;
    let per_frame: u64 = match config {
        0..=11 => [480, 960, 1920, 2880][(config % 4) as usize],
        12..=15 => [480, 960][(config % 2) as usize],
        _ => [120, 240, 480, 960][(config % 4) as usize],
    };
    let frames: u64 = match toc & 3 {
        0 => 1,
        1 | 2 => 2,
        _ => (*pkt.get(1)? & 0x3f) as u64,
    };
    let d = per_frame * frames;
    if d == 0 || d > MAX_FRAME_SAMPLES as u64 {
        None
    } else {
        Some(d)
    }
}

// ---------------------------------------------------------------------------
// libopus multistream decoder wrapper
// ---------------------------------------------------------------------------

struct MsDecoder {
    st: *mut unsafe_libopus::OpusMSDecoder,
}

// The decoder state is a heap block owned exclusively by this handle; libopus keeps no
// thread-local or shared mutable state, so moving it between threads is sound.
unsafe impl Send for MsDecoder {}

impl MsDecoder {
    fn new(head: &OpusHead) -> Result<Self, OpusError> {
        let mut err: i32 = 0;
        let st = catch_unwind(AssertUnwindSafe(|| unsafe {
            unsafe_libopus::opus_multistream_decoder_create(
                OPUS_SAMPLE_RATE as i32,
                head.channels as i32,
                head.streams as i32,
                head.coupled as i32,
                head.mapping.as_ptr(),
                &mut err,
            )
        }))
        .map_err(|_| OpusError::Decode("libopus panicked creating decoder".into()))?;
        if st.is_null() || err != unsafe_libopus::OPUS_OK {
            return Err(OpusError::Malformed(format!(
                "libopus rejected the channel layout ({} channels, {} streams, {} coupled): error {err}",
                head.channels, head.streams, head.coupled
            )));
        }
        let dec = MsDecoder { st };
        if head.output_gain != 0 {
            let gain = head.output_gain as i32;
            let rc = catch_unwind(AssertUnwindSafe(|| unsafe {
                unsafe_libopus::opus_multistream_decoder_ctl_impl(
                    dec.st,
                    unsafe_libopus::OPUS_SET_GAIN_REQUEST,
                    unsafe_libopus::varargs!(gain),
                )
            }))
            .unwrap_or(-1);
            if rc != unsafe_libopus::OPUS_OK {
                return Err(OpusError::Malformed(format!(
                    "could not apply output gain {gain}: error {rc}"
                )));
            }
        }
        Ok(dec)
    }

    /// Decodes one packet into `pcm` (interleaved, 5760 * channels long); returns frames.
    fn decode(&mut self, pkt: &[u8], pcm: &mut [f32], channels: usize) -> Result<usize, String> {
        debug_assert!(pcm.len() >= MAX_FRAME_SAMPLES * channels);
        if pkt.len() > i32::MAX as usize {
            return Err("packet too large".into());
        }
        let st = self.st;
        let rc = catch_unwind(AssertUnwindSafe(|| unsafe {
            unsafe_libopus::opus_multistream_decode_float(
                st,
                pkt.as_ptr(),
                pkt.len() as i32,
                pcm.as_mut_ptr(),
                MAX_FRAME_SAMPLES as i32,
                0,
            )
        }))
        .map_err(|_| "libopus panicked on this packet".to_string())?;
        if rc < 0 {
            let msg = match rc {
                unsafe_libopus::OPUS_BAD_ARG => "bad argument",
                unsafe_libopus::OPUS_BUFFER_TOO_SMALL => "buffer too small",
                unsafe_libopus::OPUS_INTERNAL_ERROR => "internal error",
                unsafe_libopus::OPUS_INVALID_PACKET => "invalid packet",
                _ => "error",
            };
            return Err(format!("libopus: {msg} ({rc})"));
        }
        Ok((rc as usize).min(MAX_FRAME_SAMPLES))
    }
}

impl Drop for MsDecoder {
    fn drop(&mut self) {
        if !self.st.is_null() {
            unsafe { unsafe_libopus::opus_multistream_decoder_destroy(self.st) };
            self.st = std::ptr::null_mut();
        }
    }
}

// ---------------------------------------------------------------------------
// The reader
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum StreamState {
    /// Waiting for the OpusTags packet.
    NeedTags,
    Audio,
    /// EOS page seen; only a chained BOS page can continue.
    Ended,
}

pub struct OggOpusReader {
    src: ByteSource,
    page: Page,
    head: OpusHead,
    serial: u32,
    decoder: MsDecoder,
    pcm: Vec<f32>,
    state: StreamState,
    done: bool,
    /// A non-BOS page has been seen, so a later BOS page starts a new chain link.
    data_page_seen: bool,

    // packet assembly
    partial: Vec<u8>,
    partial_len: usize,
    in_packet: bool,
    /// Current partial packet is being discarded (lost start, oversized, or OpusTags).
    discarding: bool,
    oversized: bool,
    next_seq: Option<u32>,
    queue: VecDeque<Vec<u8>>,
    pending_error: Option<OpusError>,

    // timeline, in 48 kHz samples relative to the first decoded sample of the link
    timeline: u64,
    start_granule: Option<i64>,
    end_limit: Option<u64>,
}

impl OggOpusReader {
    /// `source` is any reader; the file is read incrementally.
    pub fn new(source: Box<dyn std::io::Read + Send>) -> Result<Self, OpusError> {
        let mut src = ByteSource::new(source);
        let mut page = Page::default();
        let mut found: Option<(OpusHead, u32)> = None;
        for i in 0..MAX_HEADER_PAGES {
            let limit = if i == 0 {
                Some(MAX_LEADING_GARBAGE)
            } else {
                Some(MAX_LEADING_GARBAGE * 4)
            };
            if !read_page(&mut src, &mut page, limit)? {
                break;
            }
            if !page.bos() {
                break; // BOS pages all come first: no Opus stream in this group
            }
            match page.first_complete_packet() {
                Some(p) if p.starts_with(b"OpusHead") => {
                    found = Some((parse_head(p)?, page.serial));
                    break;
                }
                _ => continue, // some other codec's BOS page
            }
        }
        let (head, serial) = match found {
            Some(x) => x,
            None if page.body.is_empty() && page.lacing.is_empty() => {
                return Err(OpusError::NotOpus("no Ogg pages found".into()));
            }
            None => return Err(OpusError::NotOpus("Ogg stream contains no OpusHead".into())),
        };
        let decoder = MsDecoder::new(&head)?;
        let channels = head.channels;
        let next_seq = Some(page.seq.wrapping_add(1));
        let mut r = OggOpusReader {
            src,
            page,
            head,
            serial,
            decoder,
            pcm: vec![0.0; MAX_FRAME_SAMPLES * channels],
            state: StreamState::NeedTags,
            done: false,
            data_page_seen: false,
            partial: Vec::new(),
            partial_len: 0,
            in_packet: false,
            discarding: false,
            oversized: false,
            next_seq,
            queue: VecDeque::new(),
            pending_error: None,
            timeline: 0,
            start_granule: None,
            end_limit: None,
        };
        // Any packets after OpusHead on its page (not allowed by RFC 7845) are ignored.
        // Read on until OpusTags has been consumed so that a broken header is reported here.
        while r.state == StreamState::NeedTags {
            if !read_page(&mut r.src, &mut r.page, None)? {
                r.done = true;
                break;
            }
            r.handle_page()?;
        }
        if let Some(e) = r.pending_error.take() {
            return Err(e);
        }
        Ok(r)
    }

    /// Output channel count.
    pub fn channels(&self) -> usize {
        self.head.channels
    }

    /// Always 48000.
    pub fn sample_rate(&self) -> u32 {
        OPUS_SAMPLE_RATE
    }

    /// Original input rate from OpusHead (informational only), None when unspecified.
    pub fn input_sample_rate(&self) -> Option<u32> {
        (self.head.input_sample_rate != 0).then_some(self.head.input_sample_rate)
    }

    /// Total frame count is not known without seeking to the last page, so this is None.
    pub fn total_frames_hint(&self) -> Option<u64> {
        None
    }

    /// Channel mapping family from OpusHead (0, 1, 2 or 255).
    pub fn mapping_family(&self) -> u8 {
        self.head.mapping_family
    }

    /// Pre-skip in 48 kHz samples, from OpusHead.
    pub fn pre_skip(&self) -> u64 {
        self.head.pre_skip
    }

    /// Output gain from OpusHead in dB (already applied to the decoded samples).
    pub fn output_gain_db(&self) -> f32 {
        self.head.output_gain as f32 / 256.0
    }

    /// Decodes the next packet into `out` (interleaved f32, cleared first); pre-skip and end trimming applied.
    /// Ok(false) at end of stream. A corrupt packet returns Err(OpusError::Decode) and the caller may call again to continue with the next packet.
    /// When Ok(true) is returned, `out` holds at least one frame.
    pub fn next_packet(&mut self, out: &mut Vec<f32>) -> Result<bool, OpusError> {
        out.clear();
        loop {
            if let Some(e) = self.pending_error.take() {
                return Err(e);
            }
            if let Some(pkt) = self.queue.pop_front() {
                if pkt.is_empty() {
                    continue; // zero-length packet: nothing to decode
                }
                let dur = packet_duration(&pkt);
                let ch = self.head.channels;
                let frames = match self.decoder.decode(&pkt, &mut self.pcm, ch) {
                    Ok(n) => n,
                    Err(msg) => {
                        self.timeline += dur.unwrap_or(0);
                        if msg.contains("panicked") {
                            // State may be inconsistent: start a fresh decoder.
                            if let Ok(d) = MsDecoder::new(&self.head) {
                                self.decoder = d;
                            }
                        }
                        return Err(OpusError::Decode(msg));
                    }
                };
                let begin = self.timeline;
                let end = begin + frames as u64;
                self.timeline = end;
                let keep_from = begin.max(self.head.pre_skip);
                let keep_to = match self.end_limit {
                    Some(limit) => end.min(limit),
                    None => end,
                };
                if keep_from < keep_to {
                    let a = ((keep_from - begin) as usize) * ch;
                    let b = ((keep_to - begin) as usize) * ch;
                    out.extend_from_slice(&self.pcm[a..b]);
                    return Ok(true);
                }
                continue;
            }
            if self.done {
                return Ok(false);
            }
            match read_page(&mut self.src, &mut self.page, None) {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    continue;
                }
                Err(e) => {
                    // I/O errors end the stream so that a caller retrying on errors terminates.
                    self.done = true;
                    return Err(e);
                }
            }
            if let Err(e) = self.handle_page() {
                self.done = true;
                self.queue.clear();
                return Err(e);
            }
        }
    }

    /// Feeds the page in `self.page` into the packet assembler and the timeline.
    fn handle_page(&mut self) -> Result<(), OpusError> {
        if self.page.bos() {
            // BOS pages before any data page belong to the same group (multiplexed streams):
            // we keep the first Opus stream. A BOS page after data starts a new chain link.
            if !self.data_page_seen
                || (self.page.serial == self.serial && self.state != StreamState::Ended)
            {
                return Ok(());
            }
            if self
                .page
                .first_complete_packet()
                .is_some_and(|p| p.starts_with(b"OpusHead"))
            {
                return self.start_chained_link();
            }
            return Ok(()); // BOS of some other codec
        }
        self.data_page_seen = true;
        if self.page.serial != self.serial || self.state == StreamState::Ended {
            return Ok(());
        }

        // Sequence check: a gap means a lost page, so any partial packet is garbage.
        let discontinuity = self.next_seq.is_some_and(|s| s != self.page.seq);
        self.next_seq = Some(self.page.seq.wrapping_add(1));
        if discontinuity || self.page.continued() != self.in_packet {
            if self.in_packet {
                self.reset_partial();
            }
            if self.page.continued() {
                // We lack the start of the continued packet: discard its remainder.
                self.in_packet = true;
                self.discarding = true;
            }
        }

        let mut completed: Vec<Vec<u8>> = Vec::new();
        let mut offset = 0usize;
        let nseg = self.page.lacing.len();
        for i in 0..nseg {
            let l = self.page.lacing[i] as usize;
            let seg_start = offset;
            offset += l;
            self.in_packet = true;
            self.append_segment(seg_start, offset);
            if l < 255 {
                // packet complete
                let pkt = std::mem::take(&mut self.partial);
                let was_discarding = self.discarding;
                let was_oversized = self.oversized;
                let len = self.partial_len;
                self.reset_partial();
                if was_oversized {
                    self.pending_error = Some(OpusError::Decode(format!(
                        "packet of {len} bytes exceeds the {MAX_PACKET_BYTES}-byte limit; skipped"
                    )));
                    continue;
                }
                match self.state {
                    StreamState::NeedTags => {
                        if !pkt.starts_with(b"OpusTags") {
                            return Err(OpusError::Malformed(
                                "second packet is not OpusTags".into(),
                            ));
                        }
                        self.state = StreamState::Audio;
                    }
                    StreamState::Audio if !was_discarding => completed.push(pkt),
                    _ => {}
                }
            }
        }
        // `in_packet` now says whether the last packet continues on the next page
        // (final lacing value 255); a page without segments leaves it unchanged.

        // Timeline.
        let granule = self.page.granule;
        let d: u64 = completed
            .iter()
            .map(|p| packet_duration(p).unwrap_or(0))
            .sum();
        let page_begin = self.timeline
            + self
                .queue
                .iter()
                .map(|p| packet_duration(p).unwrap_or(0))
                .sum::<u64>();
        if !completed.is_empty() && granule >= 0 {
            if self.start_granule.is_none() {
                let start = granule - (page_begin + d).min(i64::MAX as u64) as i64;
                self.start_granule = Some(start.max(0));
            }
            if self.page.eos() {
                let start = self.start_granule.unwrap_or(0);
                let rel_end = (granule - start).max(0) as u64;
                if rel_end < page_begin + d {
                    self.end_limit = Some(rel_end);
                }
            }
        }
        self.queue.extend(completed);
        if self.page.eos() {
            self.state = StreamState::Ended;
            self.reset_partial();
            self.in_packet = false;
        }
        Ok(())
    }

    fn append_segment(&mut self, a: usize, b: usize) {
        let seg = &self.page.body[a..b];
        self.partial_len = self.partial_len.saturating_add(seg.len());
        if self.discarding || self.oversized {
            return;
        }
        if self.state == StreamState::NeedTags {
            // Keep only the magic of OpusTags; comments may hold megabytes of cover art.
            let room = 8usize.saturating_sub(self.partial.len());
            self.partial.extend_from_slice(&seg[..room.min(seg.len())]);
            return;
        }
        if self.partial_len > MAX_PACKET_BYTES {
            self.oversized = true;
            self.partial = Vec::new();
            return;
        }
        self.partial.extend_from_slice(seg);
    }

    fn reset_partial(&mut self) {
        self.partial.clear();
        self.partial_len = 0;
        self.discarding = false;
        self.oversized = false;
        self.in_packet = false;
    }

    fn start_chained_link(&mut self) -> Result<(), OpusError> {
        let p = self.page.first_complete_packet().unwrap_or(&[]);
        let head = parse_head(p)?;
        if head.channels != self.head.channels {
            return Err(OpusError::Unsupported(format!(
                "chained Ogg Opus stream changes channel count from {} to {}",
                self.head.channels, head.channels
            )));
        }
        // Called only with an empty packet queue, so nothing of the old link is lost.
        self.decoder = MsDecoder::new(&head)?;
        self.head = head;
        self.serial = self.page.serial;
        self.next_seq = Some(self.page.seq.wrapping_add(1));
        self.state = StreamState::NeedTags;
        self.data_page_seen = false;
        self.reset_partial();
        self.queue.clear();
        self.timeline = 0;
        self.start_granule = None;
        self.end_limit = None;
        Ok(())
    }
}

impl fmt::Debug for OggOpusReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OggOpusReader")
            .field("channels", &self.head.channels)
            .field("mapping_family", &self.head.mapping_family)
            .field("pre_skip", &self.head.pre_skip)
            .field("serial", &self.serial)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn reader(bytes: Vec<u8>) -> Result<OggOpusReader, OpusError> {
        OggOpusReader::new(Box::new(Cursor::new(bytes)))
    }

    /// Builds one Ogg page (packets must fit; each packet < 255*255 bytes overall).
    fn ogg_page(
        header_type: u8,
        granule: i64,
        serial: u32,
        seq: u32,
        packets: &[&[u8]],
        last_continues: bool,
    ) -> Vec<u8> {
        let mut lacing = Vec::new();
        let mut body = Vec::new();
        for (i, p) in packets.iter().enumerate() {
            let mut n = p.len();
            while n >= 255 {
                lacing.push(255);
                n -= 255;
            }
            let is_last = i + 1 == packets.len();
            if !(is_last && last_continues) {
                lacing.push(n as u8);
            }
            body.extend_from_slice(p);
        }
        let mut page = Vec::new();
        page.extend_from_slice(b"OggS");
        page.push(0);
        page.push(header_type);
        page.extend_from_slice(&granule.to_le_bytes());
        page.extend_from_slice(&serial.to_le_bytes());
        page.extend_from_slice(&seq.to_le_bytes());
        page.extend_from_slice(&[0, 0, 0, 0]);
        page.push(lacing.len() as u8);
        page.extend_from_slice(&lacing);
        page.extend_from_slice(&body);
        let crc = crc_update(0, &page);
        page[22..26].copy_from_slice(&crc.to_le_bytes());
        page
    }

    fn opus_head(
        channels: u8,
        pre_skip: u16,
        gain: i16,
        family: u8,
        ms: Option<(u8, u8, &[u8])>,
    ) -> Vec<u8> {
        let mut h = b"OpusHead".to_vec();
        h.push(1);
        h.push(channels);
        h.extend_from_slice(&pre_skip.to_le_bytes());
        h.extend_from_slice(&44100u32.to_le_bytes());
        h.extend_from_slice(&gain.to_le_bytes());
        h.push(family);
        if let Some((s, c, m)) = ms {
            h.push(s);
            h.push(c);
            h.extend_from_slice(m);
        }
        h
    }

    fn opus_tags() -> Vec<u8> {
        let mut t = b"OpusTags".to_vec();
        t.extend_from_slice(&4u32.to_le_bytes());
        t.extend_from_slice(b"test");
        t.extend_from_slice(&0u32.to_le_bytes());
        t
    }

    /// Encodes `frames` of a sine per channel into 20 ms Opus packets with libopus' encoder.
    fn encode(channels: usize, total: usize, freq: f32) -> (Vec<Vec<u8>>, u8, u8, Vec<u8>) {
        unsafe {
            let mut err = 0;
            let mut streams = 0;
            let mut coupled = 0;
            let mut mapping = vec![0u8; channels];
            let family = if channels > 2 { 1 } else { 0 };
            let enc = unsafe_libopus::opus_multistream_surround_encoder_create(
                48000,
                channels as i32,
                family,
                &mut streams,
                &mut coupled,
                mapping.as_mut_ptr(),
                unsafe_libopus::OPUS_APPLICATION_AUDIO,
                &mut err,
            );
            assert!(!enc.is_null() && err == 0, "encoder create failed: {err}");
            let bitrate = 128_000 * channels as i32;
            let rc = unsafe_libopus::opus_multistream_encoder_ctl_impl(
                enc,
                unsafe_libopus::OPUS_SET_BITRATE_REQUEST,
                unsafe_libopus::varargs!(bitrate),
            );
            assert_eq!(rc, 0);
            let mut packets = Vec::new();
            let frame = 960;
            let nframes = total.div_ceil(frame) + 1; // extra frame flushes the lookahead
            for f in 0..nframes {
                let mut pcm = vec![0f32; frame * channels];
                for i in 0..frame {
                    let t = (f * frame + i) as f32 / 48000.0;
                    for c in 0..channels {
                        let amp = if f * frame + i < total { 0.5 } else { 0.0 };
                        pcm[i * channels + c] =
                            amp * (2.0 * std::f32::consts::PI * freq * (c + 1) as f32 * t).sin();
                    }
                }
                let mut out = vec![0u8; 4000 * channels];
                let n = unsafe_libopus::opus_multistream_encode_float(
                    enc,
                    pcm.as_ptr(),
                    frame as i32,
                    out.as_mut_ptr(),
                    out.len() as i32,
                );
                assert!(n > 0, "encode failed: {n}");
                out.truncate(n as usize);
                packets.push(out);
            }
            unsafe_libopus::opus_multistream_encoder_destroy(enc);
            (packets, streams as u8, coupled as u8, mapping)
        }
    }

    /// Muxes a complete Ogg Opus file: `per_page` packets per audio page, end trimmed to `total`.
    fn mux(
        head: &[u8],
        packets: &[Vec<u8>],
        pre_skip: u64,
        total: u64,
        serial: u32,
        per_page: usize,
    ) -> Vec<u8> {
        let mut f = ogg_page(0x02, 0, serial, 0, &[head], false);
        f.extend(ogg_page(0, 0, serial, 1, &[&opus_tags()], false));
        let mut granule = 0i64;
        let chunks: Vec<&[Vec<u8>]> = packets.chunks(per_page).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            granule += (chunk.len() * 960) as i64;
            let last = i + 1 == chunks.len();
            let g = if last {
                (pre_skip + total) as i64
            } else {
                granule
            };
            let refs: Vec<&[u8]> = chunk.iter().map(|p| p.as_slice()).collect();
            f.extend(ogg_page(
                if last { 0x04 } else { 0 },
                g,
                serial,
                2 + i as u32,
                &refs,
                false,
            ));
        }
        f
    }

    fn decode_all(r: &mut OggOpusReader) -> (Vec<f32>, usize) {
        let mut all = Vec::new();
        let mut buf = Vec::new();
        let mut errors = 0;
        loop {
            match r.next_packet(&mut buf) {
                Ok(true) => {
                    assert!(!buf.is_empty());
                    all.extend_from_slice(&buf)
                }
                Ok(false) => break,
                Err(_) => errors += 1,
            }
            assert!(errors < 10_000);
        }
        (all, errors)
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt()
    }

    fn mono_file(gain: i16, total: u64) -> Vec<u8> {
        let (packets, _, _, _) = encode(1, total as usize, 440.0);
        mux(
            &opus_head(1, 312, gain, 0, None),
            &packets,
            312,
            total,
            0x1234,
            5,
        )
    }

    #[test]
    fn crc_matches_known_value() {
        // CRC of a page is self-consistent with libogg's algorithm (check value for "123456789").
        assert_eq!(crc_update(0, b"123456789"), 0x89a1_897f);
    }

    #[test]
    fn empty_input_is_not_opus() {
        assert!(matches!(reader(Vec::new()), Err(OpusError::NotOpus(_))));
    }

    #[test]
    fn non_ogg_bytes_are_not_opus() {
        let mut wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
        wav.extend(vec![0u8; 200_000]);
        assert!(matches!(reader(wav), Err(OpusError::NotOpus(_))));
        assert!(matches!(
            reader(b"OggS".to_vec()),
            Err(OpusError::NotOpus(_))
        ));
    }

    #[test]
    fn ogg_vorbis_is_not_opus() {
        let mut v = b"\x01vorbis".to_vec();
        v.extend_from_slice(&[0u8; 22]);
        let mut f = ogg_page(0x02, 0, 7, 0, &[&v], false);
        f.extend(ogg_page(0, 0, 7, 1, &[b"\x03vorbis"], false));
        assert!(matches!(reader(f), Err(OpusError::NotOpus(_))));
    }

    #[test]
    fn bad_heads_are_rejected() {
        let short = b"OpusHead\x01\x02".to_vec();
        assert!(matches!(
            reader(ogg_page(2, 0, 1, 0, &[&short], false)),
            Err(OpusError::Malformed(_))
        ));
        let zero_ch = opus_head(0, 312, 0, 0, None);
        assert!(matches!(
            reader(ogg_page(2, 0, 1, 0, &[&zero_ch], false)),
            Err(OpusError::Malformed(_))
        ));
        let fam3 = opus_head(4, 312, 0, 3, Some((2, 2, &[0, 1, 2, 3])));
        assert!(matches!(
            reader(ogg_page(2, 0, 1, 0, &[&fam3], false)),
            Err(OpusError::Unsupported(_))
        ));
        let bad_map = opus_head(2, 312, 0, 1, Some((1, 0, &[0, 5])));
        assert!(matches!(
            reader(ogg_page(2, 0, 1, 0, &[&bad_map], false)),
            Err(OpusError::Malformed(_))
        ));
        let v2 = {
            let mut h = opus_head(1, 312, 0, 0, None);
            h[8] = 0x20;
            h
        };
        assert!(matches!(
            reader(ogg_page(2, 0, 1, 0, &[&v2], false)),
            Err(OpusError::Unsupported(_))
        ));
        // Missing OpusTags
        let mut f = ogg_page(2, 0, 1, 0, &[&opus_head(1, 312, 0, 0, None)], false);
        f.extend(ogg_page(0, 960, 1, 1, &[&[0xf8, 0xff, 0xfe]], false));
        assert!(matches!(reader(f), Err(OpusError::Malformed(_))));
    }

    #[test]
    fn header_only_stream_yields_nothing() {
        let mut f = ogg_page(2, 0, 1, 0, &[&opus_head(2, 312, 0, 0, None)], false);
        f.extend(ogg_page(4, 0, 1, 1, &[&opus_tags()], false));
        let mut r = reader(f).unwrap();
        assert_eq!(r.channels(), 2);
        assert_eq!(r.sample_rate(), 48000);
        assert_eq!(r.input_sample_rate(), Some(44100));
        let mut out = Vec::new();
        assert!(!r.next_packet(&mut out).unwrap());
        assert!(!r.next_packet(&mut out).unwrap());
    }

    #[test]
    fn mono_roundtrip_applies_preskip_and_end_trim() {
        let total = 48000 + 123;
        let mut r = reader(mono_file(0, total)).unwrap();
        assert_eq!(r.channels(), 1);
        assert_eq!(r.pre_skip(), 312);
        let (pcm, errors) = decode_all(&mut r);
        assert_eq!(errors, 0);
        assert_eq!(pcm.len() as u64, total);
        // A 0.5-amplitude sine has RMS ~0.354.
        let level = rms(&pcm[4800..pcm.len() - 4800]);
        assert!((level - 0.3536).abs() < 0.03, "rms {level}");
    }

    #[test]
    fn output_gain_is_applied() {
        let total = 24000u64;
        let (a, _) = decode_all(&mut reader(mono_file(0, total)).unwrap());
        // -6.0206 dB in Q7.8 is -1541: half amplitude.
        let (b, _) = decode_all(&mut reader(mono_file(-1541, total)).unwrap());
        assert_eq!(a.len(), b.len());
        let max_err = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x * 0.5 - y).abs())
            .fold(0f32, f32::max);
        assert!(max_err < 1e-3, "max_err {max_err}");
    }

    #[test]
    fn stereo_and_surround_roundtrip() {
        for &ch in &[2usize, 6] {
            let total = 30000u64;
            let (packets, streams, coupled, mapping) = encode(ch, total as usize, 300.0);
            let head = if ch == 2 {
                opus_head(2, 312, 0, 0, None)
            } else {
                opus_head(ch as u8, 312, 0, 1, Some((streams, coupled, &mapping)))
            };
            let mut r = reader(mux(&head, &packets, 312, total, 99, 3)).unwrap();
            assert_eq!(r.channels(), ch);
            let (pcm, errors) = decode_all(&mut r);
            assert_eq!(errors, 0);
            assert_eq!(pcm.len() as u64, total * ch as u64);
            assert!(rms(&pcm) > 0.1);
        }
    }

    #[test]
    fn surround_channels_come_out_in_wave_order() {
        // Encode a 5.1 signal where only Vorbis channel 5 (LFE) is loud, decode, expect WAVE index 3.
        unsafe {
            let mut err = 0;
            let (mut s, mut c) = (0, 0);
            let mut mapping = [0u8; 6];
            let enc = unsafe_libopus::opus_multistream_surround_encoder_create(
                48000,
                6,
                1,
                &mut s,
                &mut c,
                mapping.as_mut_ptr(),
                unsafe_libopus::OPUS_APPLICATION_AUDIO,
                &mut err,
            );
            assert!(!enc.is_null());
            let mut packets = Vec::new();
            for f in 0..20 {
                let mut pcm = vec![0f32; 960 * 6];
                for i in 0..960 {
                    let t = (f * 960 + i) as f32 / 48000.0;
                    pcm[i * 6 + 5] = 0.5 * (2.0 * std::f32::consts::PI * 60.0 * t).sin(); // LFE in Vorbis order
                    pcm[i * 6 + 1] = 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * t).sin(); // C in Vorbis order
                }
                let mut out = vec![0u8; 8000];
                let n = unsafe_libopus::opus_multistream_encode_float(
                    enc,
                    pcm.as_ptr(),
                    960,
                    out.as_mut_ptr(),
                    8000,
                );
                out.truncate(n as usize);
                packets.push(out);
            }
            unsafe_libopus::opus_multistream_encoder_destroy(enc);
            let head = opus_head(6, 312, 0, 1, Some((s as u8, c as u8, &mapping)));
            let (pcm, _) = decode_all(&mut reader(mux(&head, &packets, 312, 18000, 5, 4)).unwrap());
            let chan_rms: Vec<f32> = (0..6)
                .map(|k| rms(&pcm.iter().skip(k).step_by(6).copied().collect::<Vec<_>>()))
                .collect();
            // WAVE order: FL FR FC LFE BL BR
            assert!(chan_rms[2] > 0.2 && chan_rms[3] > 0.2, "{chan_rms:?}");
            assert!(
                chan_rms[0] < 0.05
                    && chan_rms[1] < 0.05
                    && chan_rms[4] < 0.05
                    && chan_rms[5] < 0.05,
                "{chan_rms:?}"
            );
        }
    }

    #[test]
    fn packets_spanning_pages_and_large_tags() {
        let total = 9600u64;
        let (packets, _, _, _) = encode(1, total as usize, 440.0);
        let serial = 3;
        let mut f = ogg_page(2, 0, serial, 0, &[&opus_head(1, 312, 0, 0, None)], false);
        // OpusTags of ~200 KiB spread over several pages.
        let mut tags = opus_tags();
        tags.extend(vec![b'x'; 200_000]);
        let mut seq = 1;
        let chunk = 255 * 200;
        let pieces: Vec<&[u8]> = tags.chunks(chunk).collect();
        for (i, p) in pieces.iter().enumerate() {
            let last = i + 1 == pieces.len();
            let ht = if i == 0 { 0 } else { 1 };
            // Every full piece is a multiple of 255 so it continues; the last one ends the packet.
            f.extend(ogg_page(
                ht,
                if last { 0 } else { -1 },
                serial,
                seq,
                &[p],
                !last,
            ));
            seq += 1;
        }
        // Audio: each packet longer than 255 bytes is split across two pages.
        let mut granule = 0i64;
        let mut splits = 0;
        for (i, p) in packets.iter().enumerate() {
            let cut = if p.len() > 255 { 255 } else { 0 };
            splits += (cut > 0) as usize;
            let last = i + 1 == packets.len();
            granule += 960;
            let g = if last { 312 + total as i64 } else { granule };
            if cut > 0 {
                f.extend(ogg_page(0, -1, serial, seq, &[&p[..cut]], true));
                seq += 1;
                f.extend(ogg_page(
                    1 | if last { 4 } else { 0 },
                    g,
                    serial,
                    seq,
                    &[&p[cut..]],
                    false,
                ));
            } else {
                f.extend(ogg_page(
                    if last { 4 } else { 0 },
                    g,
                    serial,
                    seq,
                    &[p],
                    false,
                ));
            }
            seq += 1;
        }
        assert!(
            splits > packets.len() / 2,
            "only {splits} packets were split"
        );
        let (pcm, errors) = decode_all(&mut reader(f).unwrap());
        assert_eq!(errors, 0);
        assert_eq!(pcm.len() as u64, total);
    }

    #[test]
    fn garbage_between_pages_and_corrupt_pages_are_skipped() {
        let total = 48000u64;
        let clean = mono_file(0, total);
        // Insert garbage (including a fake capture pattern) after the header pages.
        let head_len = {
            let mut src = ByteSource::new(Box::new(Cursor::new(clean.clone())));
            let mut p = Page::default();
            let mut n = 0;
            for _ in 0..2 {
                read_page(&mut src, &mut p, None).unwrap();
                n += 27 + p.lacing.len() + p.body.len();
            }
            n
        };
        let mut dirty = clean[..head_len].to_vec();
        dirty.extend_from_slice(b"garbageOggS\x00\x00junkjunkjunkjunkjunkjunkjunkjunk\xff\xff");
        dirty.extend_from_slice(&clean[head_len..]);
        let (pcm, errors) = decode_all(&mut reader(dirty).unwrap());
        assert_eq!(errors, 0);
        assert_eq!(pcm.len() as u64, total);

        // Flip a byte in the body of the first audio page: that page is dropped, rest decodes.
        let mut corrupt = clean.clone();
        corrupt[head_len + 40] ^= 0x55;
        let (pcm2, _) = decode_all(&mut reader(corrupt).unwrap());
        assert!(pcm2.len() < pcm.len() && !pcm2.is_empty());
    }

    #[test]
    fn truncated_files_never_panic() {
        let f = mono_file(0, 20000);
        for cut in (0..f.len()).step_by(37) {
            if let Ok(mut r) = reader(f[..cut].to_vec()) {
                let (pcm, _) = decode_all(&mut r);
                assert!(pcm.len() <= 20000);
            }
        }
    }

    #[test]
    fn corrupted_packets_report_decode_errors_and_continue() {
        // Valid framing, bogus packet contents (code-3 packets with impossible frame counts).
        let mut f = ogg_page(2, 0, 1, 0, &[&opus_head(1, 0, 0, 0, None)], false);
        f.extend(ogg_page(0, 0, 1, 1, &[&opus_tags()], false));
        let bad: &[u8] = &[0x03, 0x3f, 1, 2, 3];
        let good_silence: &[u8] = &[0xf8, 0xff, 0xfe]; // CELT 20 ms
        f.extend(ogg_page(
            4,
            1920,
            1,
            2,
            &[bad, good_silence, good_silence],
            false,
        ));
        let mut r = reader(f).unwrap();
        let mut out = Vec::new();
        assert!(matches!(r.next_packet(&mut out), Err(OpusError::Decode(_))));
        let mut n = 0;
        while r.next_packet(&mut out).unwrap() {
            n += out.len();
        }
        assert_eq!(n, 1920);
    }

    #[test]
    fn random_fuzz_never_panics() {
        let base = mono_file(0, 9600);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200 {
            let mut f = base.clone();
            let flips = 1 + (rnd() % 20) as usize;
            for _ in 0..flips {
                let i = (rnd() as usize) % f.len();
                f[i] = rnd() as u8;
            }
            if let Ok(mut r) = reader(f) {
                let _ = decode_all(&mut r);
            }
        }
        // Pure noise with valid-looking page headers (CRC fixed up) around random packets.
        for _ in 0..100 {
            let mut f = ogg_page(2, 0, 1, 0, &[&opus_head(2, 312, 0, 0, None)], false);
            f.extend(ogg_page(0, 0, 1, 1, &[&opus_tags()], false));
            for s in 0..5u32 {
                let pkts: Vec<Vec<u8>> = (0..3)
                    .map(|_| (0..(rnd() % 300)).map(|_| rnd() as u8).collect())
                    .collect();
                let refs: Vec<&[u8]> = pkts.iter().map(|p| p.as_slice()).collect();
                f.extend(ogg_page(
                    0,
                    (rnd() % 100_000) as i64,
                    1,
                    2 + s,
                    &refs,
                    false,
                ));
            }
            let _ = decode_all(&mut reader(f).unwrap());
        }
    }

    #[test]
    fn chained_streams_continue() {
        let a = mono_file(0, 9600);
        let (packets, _, _, _) = encode(1, 4800, 440.0);
        let b = mux(
            &opus_head(1, 312, 0, 0, None),
            &packets,
            312,
            4800,
            0x777,
            5,
        );
        let mut f = a;
        f.extend(b);
        let (pcm, errors) = decode_all(&mut reader(f).unwrap());
        assert_eq!(errors, 0);
        assert_eq!(pcm.len(), 9600 + 4800);
    }

    #[test]
    fn reader_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<OggOpusReader>();
    }
}
