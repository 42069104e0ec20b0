//! Decoding: any supported file → interleaved f32 chunks at the source sample rate.
//!
//! Containers and codecs are handled by symphonia 0.6 (every format and codec feature enabled);
//! Ogg Opus, which symphonia cannot decode, goes through [`super::opus::OggOpusReader`]; mono
//! and stereo ALAC up to 24 bits is demuxed by symphonia and decoded by
//! [`super::alac::AlacDecoder`], and interleaved 16-bit PCM packets are converted to f32
//! directly (both bit-identical to symphonia's decoders, `tests/own_decoders.rs`, and faster).
//!
//! # Corrupt-data policy
//! - A packet that fails to decode (`DecodeError`) is skipped, counted, and reported as a
//!   warning; decoding goes on with the next packet.
//! - A demuxer error after some audio was decoded ends the stream early, with a warning
//!   (`truncated`); before any audio was decoded it fails the track.
//! - More than [`MAX_CONSECUTIVE_ERRORS`] failures in a row fail the track (nothing more can be
//!   decoded), unless audio was already decoded, in which case the stream ends with a warning.
//!
//! # Gapless
//! symphonia trims encoder delay and padding when the container says so (LAME/Xing headers in
//! MP3, Ogg granule positions for Vorbis and Opus). AAC in MP4/M4A: symphonia 0.6 ignores the
//! edit list, so decoded AAC carries the encoder priming (typically 1024 samples, ≈ 23 ms at
//! 44.1 kHz) at the start and up to one frame (1024 samples) of padding at the end.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Instant;

use symphonia::core::codecs::audio::well_known::{
    CODEC_ID_ALAC, CODEC_ID_FLAC, CODEC_ID_PCM_S16BE, CODEC_ID_PCM_S16LE,
};
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;

use super::alac::{AlacConfig, AlacDecoder};
use super::flac::FlacDecoder;
use super::opus::{OggOpusReader, OpusError};
use crate::error::{Error, Result};

/// Lowest source sample rate accepted, in Hz.
pub const MIN_SAMPLE_RATE: u32 = 1_000;
/// Highest source sample rate accepted, in Hz.
pub const MAX_SAMPLE_RATE: u32 = 768_000;
/// Most channels accepted.
pub const MAX_CHANNELS: usize = 64;
/// Failures in a row after which decoding stops.
pub const MAX_CONSECUTIVE_ERRORS: usize = 64;

/// What the file says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    /// Container short name (`wav`, `flac`, `mp3`, `isomp4`, `ogg`, `mkv`, `aiff`, `caf`, …).
    pub container: String,
    /// Codec short name (`pcm_s16le`, `flac`, `mp3`, `aac`, `vorbis`, `opus`, …).
    pub codec: String,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: usize,
}

/// One decoded chunk: interleaved samples with `channels` channels.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    pub samples: &'a [f32],
    pub channels: usize,
    /// Sample rate of the stream (the first chunk's rate for the whole stream).
    pub sample_rate: u32,
}

enum Inner {
    /// Demuxed by symphonia, decoded by `codec`.
    Demuxed {
        format: Box<dyn FormatReader>,
        codec: Codec,
        track_id: u32,
    },
    Opus(Box<OggOpusReader>),
}

/// The decoder of a symphonia-demuxed stream.
enum Codec {
    Symphonia(Box<dyn AudioDecoder>),
    /// Mono/stereo ALAC up to 24 bits: [`AlacDecoder`].
    Alac(Box<AlacDecoder>),
    /// FLAC up to 24 bits: [`FlacDecoder`].
    Flac(Box<FlacDecoder>),
    /// Interleaved 16-bit PCM (WAV, AIFF, CAF, …): packets converted straight to f32, as
    /// symphonia does (`x / 32768`) but without its planar buffer in between.
    Pcm16 {
        big_endian: bool,
        channels: usize,
        rate: u32,
    },
}

impl Codec {
    /// Decodes `packet` into `buf`: its channel count and rate, or the step to report.
    fn decode(
        &mut self,
        packet: &Packet,
        buf: &mut Vec<f32>,
    ) -> std::result::Result<(usize, u32), Step> {
        match self {
            Codec::Pcm16 {
                big_endian,
                channels,
                rate,
            } => {
                let frame = 2 * *channels;
                let data = &packet.data[..packet.data.len() / frame * frame];
                buf.clear();
                let to_f32 = |v: i16| v as f32 / 32_768.0;
                if *big_endian {
                    buf.extend(
                        data.chunks_exact(2)
                            .map(|b| to_f32(i16::from_be_bytes([b[0], b[1]]))),
                    );
                } else {
                    buf.extend(
                        data.chunks_exact(2)
                            .map(|b| to_f32(i16::from_le_bytes([b[0], b[1]]))),
                    );
                }
                Ok((*channels, *rate))
            }
            Codec::Flac(d) => d
                .decode(&packet.data, buf)
                .map_err(|cause| Step::BadPacket(format!("flac: {cause}"))),
            Codec::Alac(d) => match d.decode(&packet.data, buf) {
                Ok(()) => Ok((d.channels(), d.sample_rate())),
                Err(cause) => Err(Step::BadPacket(format!("alac: {cause}"))),
            },
            Codec::Symphonia(d) => match d.decode(packet) {
                Ok(audio) => {
                    let spec = audio.spec();
                    let channels = spec.channels().count();
                    let rate = spec.rate();
                    if channels == 0 {
                        return Err(Step::Fatal("decoded audio has 0 channels".into()));
                    }
                    audio.copy_to_vec_interleaved(buf);
                    Ok((channels, rate))
                }
                Err(SymError::DecodeError(msg)) => Err(Step::BadPacket(msg.to_string())),
                Err(SymError::IoError(e)) => Err(Step::BadPacket(e.to_string())),
                Err(SymError::ResetRequired) => {
                    d.reset();
                    Err(Step::Skip)
                }
                Err(e) => Err(Step::Fatal(e.to_string())),
            },
        }
    }
}

/// A streaming decoder over one file. Holds one packet's worth of samples at a time.
pub struct Decoder {
    path: PathBuf,
    info: SourceInfo,
    inner: Inner,
    buf: Vec<f32>,
    warnings: Vec<String>,
    corrupt_packets: usize,
    frames_decoded: u64,
    next_pts: Option<i64>,
    deadline: Option<(Instant, f64)>,
    finished: bool,
    /// The track length the container declares, in frames, when it does.
    declared_frames: Option<u64>,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("path", &self.path)
            .field("info", &self.info)
            .finish()
    }
}

pub(crate) fn check_params(path: &Path, rate: u32, channels: usize) -> Result<()> {
    if channels == 0 || channels > MAX_CHANNELS {
        return Err(Error::InvalidStream {
            path: path.to_path_buf(),
            cause: format!("{channels} channels (supported: 1 to {MAX_CHANNELS})"),
        });
    }
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&rate) {
        return Err(Error::InvalidStream {
            path: path.to_path_buf(),
            cause: format!(
                "sample rate {rate} Hz (supported: {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz)"
            ),
        });
    }
    Ok(())
}

/// True when the first bytes are an Ogg page whose first packet is an `OpusHead`.
fn is_ogg_opus(head: &[u8]) -> bool {
    head.starts_with(b"OggS") && head.windows(8).take(120).any(|w| w == b"OpusHead")
}

impl Decoder {
    /// Opens and probes `path`. Fails when no format or codec fits, or the stream declares
    /// parameters outside the supported ranges.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let meta = file.metadata().map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            return Err(Error::io(path, std::io::Error::other("is a directory")));
        }
        Self::open_reader(path, Box::new(file))
    }

    /// Opens and probes an encoded stream read from `source`. `name` labels errors and
    /// records, and its extension (if any) is the format hint; it is never opened.
    pub fn open_reader(name: &Path, mut source: Box<dyn ReadSeek>) -> Result<Self> {
        let path = name;
        let len = source
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::io(path, e))?;
        if len == 0 {
            return Err(Error::UnsupportedFormat {
                path: path.to_path_buf(),
                cause: "the file is empty".into(),
            });
        }
        source
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(path, e))?;
        let mut head = [0u8; 128];
        let n = read_up_to(&mut source, &mut head).map_err(|e| Error::io(path, e))?;
        source
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(path, e))?;
        let source = Source { inner: source, len };
        if is_ogg_opus(&head[..n]) {
            return Self::open_opus(path, source);
        }
        Self::open_symphonia(path, source)
    }

    fn open_opus(path: &Path, file: Source) -> Result<Self> {
        let reader = OggOpusReader::new(Box::new(std::io::BufReader::new(file)))
            .map_err(|e| opus_err(path, e))?;
        let info = SourceInfo {
            container: "ogg".into(),
            codec: "opus".into(),
            sample_rate: reader.sample_rate(),
            channels: reader.channels(),
        };
        check_params(path, info.sample_rate, info.channels)?;
        Ok(Self::with(path, info, Inner::Opus(Box::new(reader))))
    }

    fn open_symphonia(path: &Path, file: Source) -> Result<Self> {
        let mss = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let format = symphonia::default::get_probe()
            .probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| match e {
                SymError::IoError(io) if io.kind() != std::io::ErrorKind::UnexpectedEof => {
                    Error::io(path, io)
                }
                other => Error::UnsupportedFormat {
                    path: path.to_path_buf(),
                    cause: other.to_string(),
                },
            })?;
        let container = format.format_info().short_name.to_string();
        let track = format
            .default_track(TrackType::Audio)
            .or_else(|| format.first_track(TrackType::Audio))
            .ok_or_else(|| Error::NoAudioTrack {
                path: path.to_path_buf(),
            })?;
        let track_id = track.id;
        let declared_frames = track.num_frames.filter(|&n| n > 0);
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| Error::NoAudioTrack {
                path: path.to_path_buf(),
            })?
            .clone();
        let channels = params.channels.as_ref().map(|c| c.count());
        if let Some(ch) = channels {
            check_params(path, params.sample_rate.unwrap_or(MIN_SAMPLE_RATE), ch)?;
        }
        if let Some(rate) = params.sample_rate {
            check_params(path, rate, channels.unwrap_or(1))?;
        }
        let (codec, name, sample_rate, channels) = Self::codec_for(path, &params, &container)?;
        let info = SourceInfo {
            container,
            codec: name,
            sample_rate,
            channels,
        };
        let inner = Inner::Demuxed {
            format,
            codec,
            track_id,
        };
        let mut d = Self::with(path, info, inner);
        d.declared_frames = declared_frames;
        // Only native FLAC has sample-exact packet timestamps from the stream itself (frame
        // headers); other demuxers count or estimate them, so a jump there proves nothing.
        if d.info.container == "flac" {
            d.next_pts = Some(i64::MIN);
        }
        Ok(d)
    }

    /// The decoder for a demuxed track: 16-bit PCM converted directly, mono/stereo ALAC up to
    /// 24 bits by [`AlacDecoder`], anything else by symphonia's registry; with the codec's
    /// short name and the rate and channel count as far as known before decoding (0 if not).
    fn codec_for(
        path: &Path,
        params: &AudioCodecParameters,
        container: &str,
    ) -> Result<(Codec, String, u32, usize)> {
        let channels = params.channels.as_ref().map(|c| c.count());
        let pcm16 = [CODEC_ID_PCM_S16LE, CODEC_ID_PCM_S16BE].contains(&params.codec)
            && matches!(params.bits_per_sample, None | Some(16));
        if let (true, Some(ch), Some(rate)) = (pcm16, channels, params.sample_rate)
            && ch > 0
        {
            let big_endian = params.codec == CODEC_ID_PCM_S16BE;
            let name = if big_endian { "pcm_s16be" } else { "pcm_s16le" };
            let codec = Codec::Pcm16 {
                big_endian,
                channels: ch,
                rate,
            };
            return Ok((codec, name.into(), rate, ch));
        }
        let alac = (params.codec == CODEC_ID_ALAC)
            .then(|| params.extra_data.as_deref().and_then(AlacConfig::parse))
            .flatten()
            .and_then(AlacDecoder::new);
        if let Some(d) = alac {
            let (rate, ch) = (params.sample_rate.unwrap_or(d.sample_rate()), d.channels());
            return Ok((Codec::Alac(Box::new(d)), "alac".into(), rate, ch));
        }
        if params.codec == CODEC_ID_FLAC
            && let Some(d) = FlacDecoder::new(params.bits_per_sample, params.sample_rate)
        {
            let (rate, ch) = (params.sample_rate.unwrap_or(0), channels.unwrap_or(0));
            return Ok((Codec::Flac(Box::new(d)), "flac".into(), rate, ch));
        }
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(params, &AudioDecoderOptions::default())
            .map_err(|e| Error::UnsupportedCodec {
                path: path.to_path_buf(),
                cause: format!("codec {:?} in a {container} container: {e}", params.codec),
            })?;
        let name = decoder.codec_info().short_name.to_string();
        let (rate, ch) = (params.sample_rate.unwrap_or(0), channels.unwrap_or(0));
        Ok((Codec::Symphonia(decoder), name, rate, ch))
    }

    fn with(path: &Path, info: SourceInfo, inner: Inner) -> Self {
        Decoder {
            path: path.to_path_buf(),
            info,
            inner,
            buf: Vec::new(),
            warnings: Vec::new(),
            corrupt_packets: 0,
            frames_decoded: 0,
            next_pts: None,
            deadline: None,
            finished: false,
            declared_frames: None,
        }
    }

    /// Fails decoding with [`Error::Timeout`] once `deadline` has passed (`seconds` is the
    /// limit reported in the error).
    pub fn set_deadline(&mut self, deadline: Instant, seconds: f64) {
        self.deadline = Some((deadline, seconds));
    }

    /// The source parameters. `sample_rate` and `channels` are final once the first chunk
    /// has been decoded (some containers only declare them in the codec stream).
    pub fn info(&self) -> &SourceInfo {
        &self.info
    }

    /// Warnings gathered so far (skipped packets, truncation).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Number of packets skipped because they failed to decode.
    pub fn corrupt_packets(&self) -> usize {
        self.corrupt_packets
    }

    /// Frames (samples per channel) decoded so far.
    pub fn frames_decoded(&self) -> u64 {
        self.frames_decoded
    }

    /// Decodes the next non-empty chunk. `Ok(None)` at the end of the stream.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk<'_>>> {
        if self.finished {
            return Ok(None);
        }
        let mut consecutive_errors = 0usize;
        loop {
            if let Some((deadline, seconds)) = self.deadline
                && Instant::now() > deadline
            {
                return Err(Error::Timeout {
                    path: self.path.clone(),
                    seconds,
                });
            }
            let step = match &mut self.inner {
                Inner::Demuxed {
                    format,
                    codec,
                    track_id,
                } => symphonia_step(
                    format.as_mut(),
                    *track_id,
                    &mut self.next_pts,
                    &mut self.buf,
                    codec,
                ),
                Inner::Opus(reader) => opus_step(reader, &mut self.buf),
            };
            match step {
                Step::Audio {
                    channels,
                    rate,
                    gap,
                } => {
                    if gap {
                        self.corrupt_packets += 1;
                        if self.corrupt_packets <= 3 {
                            self.note(
                                "damaged data skipped: the stream resumed after a gap".into(),
                            );
                        }
                    }
                    if self.buf.is_empty() {
                        continue;
                    }
                    if self.frames_decoded == 0 {
                        check_params(&self.path, rate, channels)?;
                        self.info.sample_rate = rate;
                        self.info.channels = channels;
                    } else if rate != self.info.sample_rate || channels != self.info.channels {
                        self.note(format!(
                            "stream parameters changed mid-stream ({} Hz × {} → {rate} Hz × {channels}); \
                             later audio treated at the first rate",
                            self.info.sample_rate, self.info.channels
                        ));
                        self.info.channels = channels;
                    }
                    self.frames_decoded += (self.buf.len() / channels) as u64;
                    return Ok(Some(Chunk {
                        samples: &self.buf,
                        channels,
                        sample_rate: self.info.sample_rate,
                    }));
                }
                Step::Skip => continue,
                Step::End => {
                    self.finished = true;
                    return Ok(None);
                }
                Step::BadPacket(cause) => {
                    self.corrupt_packets += 1;
                    consecutive_errors += 1;
                    if self.corrupt_packets <= 3 {
                        self.note(format!("skipped a corrupt packet: {cause}"));
                    }
                    if consecutive_errors >= MAX_CONSECUTIVE_ERRORS {
                        return self.stop(cause);
                    }
                }
                Step::Fatal(cause) => return self.stop(cause),
            }
        }
    }

    /// Ends the stream early: a warning if audio was decoded, an error otherwise.
    fn stop(&mut self, cause: String) -> Result<Option<Chunk<'_>>> {
        self.finished = true;
        if self.frames_decoded > 0 {
            self.note(format!("stream truncated: {cause}"));
            Ok(None)
        } else {
            Err(Error::Decode {
                path: self.path.clone(),
                cause,
            })
        }
    }

    fn note(&mut self, msg: String) {
        if self.warnings.len() < 16 {
            self.warnings.push(msg);
        }
    }

    /// Length of the whole stream in frames (samples per channel), found without decoding
    /// the rest where the container allows: the declared length of the track when known,
    /// otherwise the frames decoded so far plus the durations of the remaining packets
    /// (demuxed, not decoded). Used to report the full length of a truncated track;
    /// consumes the stream.
    pub fn total_frames(&mut self) -> u64 {
        if let Some(total) = self.declared_frames {
            return total.max(self.frames_decoded);
        }
        let mut frames = self.frames_decoded;
        match &mut self.inner {
            Inner::Demuxed {
                format, track_id, ..
            } => {
                while let Ok(Some(p)) = format.next_packet() {
                    if p.track_id == *track_id {
                        frames = frames.saturating_add(p.dur.get());
                    }
                }
            }
            Inner::Opus(reader) => {
                let channels = reader.channels().max(1);
                while let Ok(true) = reader.next_packet(&mut self.buf) {
                    frames = frames.saturating_add((self.buf.len() / channels) as u64);
                }
            }
        }
        self.finished = true;
        frames
    }

    /// A summary warning for skipped packets beyond the first few, if any.
    pub fn finish_warnings(&mut self) {
        if self.corrupt_packets > 3 {
            let n = self.corrupt_packets;
            self.note(format!("{n} corrupt packets skipped in total"));
        }
    }
}

enum Step {
    Audio {
        channels: usize,
        rate: u32,
        gap: bool,
    },
    Skip,
    End,
    BadPacket(String),
    Fatal(String),
}

/// One packet of a symphonia-demuxed stream, decoded by `codec` into `buf`.
fn symphonia_step(
    format: &mut dyn FormatReader,
    track_id: u32,
    next_pts: &mut Option<i64>,
    buf: &mut Vec<f32>,
    codec: &mut Codec,
) -> Step {
    let packet = match format.next_packet() {
        Ok(Some(p)) => p,
        Ok(None) => return Step::End,
        Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Step::End;
        }
        Err(SymError::DecodeError(msg)) => return Step::BadPacket(format!("demuxer: {msg}")),
        Err(SymError::ResetRequired) => return Step::End,
        Err(e) => return Step::Fatal(e.to_string()),
    };
    if packet.track_id != track_id {
        return Step::Skip;
    }
    // Demuxers resynchronise silently after damaged data; a jump in the packet timestamps
    // is how the loss shows.
    let pts = packet.pts.get();
    let dur = packet.dur.get().min(i64::MAX as u64) as i64;
    let gap = matches!(*next_pts, Some(expected) if expected != i64::MIN && pts > expected.saturating_add(dur / 2 + 1));
    if next_pts.is_some() {
        *next_pts = Some(pts.saturating_add(dur));
    }
    match codec.decode(&packet, buf) {
        Ok((channels, rate)) => Step::Audio {
            channels,
            rate,
            gap,
        },
        Err(step) => step,
    }
}

fn opus_step(reader: &mut OggOpusReader, buf: &mut Vec<f32>) -> Step {
    match reader.next_packet(buf) {
        Ok(true) => Step::Audio {
            channels: reader.channels(),
            rate: reader.sample_rate(),
            gap: false,
        },
        Ok(false) => Step::End,
        Err(OpusError::Decode(m)) | Err(OpusError::Malformed(m)) => Step::BadPacket(m),
        Err(e) => Step::Fatal(e.to_string()),
    }
}

fn opus_err(path: &Path, e: OpusError) -> Error {
    let path = path.to_path_buf();
    match e {
        OpusError::Io(source) => Error::Io { path, source },
        OpusError::NotOpus(cause) => Error::UnsupportedFormat { path, cause },
        OpusError::Unsupported(cause) => Error::UnsupportedCodec { path, cause },
        OpusError::Malformed(cause) => Error::InvalidStream { path, cause },
        OpusError::Decode(cause) => Error::Decode { path, cause },
    }
}

/// Anything an encoded stream can be read from: a file, a `Cursor` over bytes, a spooled upload.
pub trait ReadSeek: Read + Seek + Send + Sync {}
impl<T: Read + Seek + Send + Sync> ReadSeek for T {}

/// A [`ReadSeek`] with its length, as symphonia's [`MediaSource`].
struct Source {
    inner: Box<dyn ReadSeek>,
    len: u64,
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Seek for Source {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl MediaSource for Source {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}

fn read_up_to(r: &mut (impl Read + ?Sized), buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
