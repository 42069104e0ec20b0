//! Decoding: any supported file → interleaved f32 chunks at the source sample rate.
//!
//! symphonia 0.6 demuxes every container (every format and codec feature enabled). Each track
//! is decoded through one `PacketDecoder`: mono and stereo ALAC up to 24 bits by the own
//! `AlacDecoder` (bit-identical to symphonia's and 1.8× faster end to end, docs/decoders.md),
//! everything else by the codec registry of `super::opus::codecs`: symphonia's decoders plus
//! the libopus-based Opus decoder.
//!
//! # Corrupt-data policy
//! - A packet that fails to decode (`DecodeError`) is skipped, counted, and reported as a
//!   warning; decoding goes on with the next packet.
//! - A demuxer error after some audio was decoded ends the stream early, with a warning
//!   (`truncated`); before any audio was decoded it fails the track.
//! - More than [`MAX_CONSECUTIVE_ERRORS`] failures in a row fail the track (nothing more can be
//!   decoded), unless audio was already decoded, in which case the stream ends with a warning.
//! - A panic inside symphonia (third-party code parsing hostile bytes) is caught where it
//!   happens: the stream is undecodable ([`Error::InvalidStream`]), or truncated with a warning
//!   if audio was already decoded.
//! - I/O errors that the content provokes (a seek to an absurd offset) are
//!   [`Error::InvalidStream`], not [`Error::Io`].
//! - Samples leave the decoder finite and within ±[`MAX_SAMPLE_MAGNITUDE`]: NaN and infinities
//!   become 0, larger magnitudes are limited, each with one warning that counts them.
//! - A chained Ogg stream goes on with the next link when it keeps the rate and channel count.
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

use symphonia::core::codecs::audio::well_known::CODEC_ID_ALAC;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

use super::alac::{AlacConfig, AlacDecoder};
use super::packet::{PacketDecoder, PacketError, Symphonia};
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
        codec: Box<dyn PacketDecoder>,
        track_id: u32,
    },
}

/// A streaming decoder over one file. Holds one packet's worth of samples at a time.
pub struct Decoder {
    path: PathBuf,
    info: SourceInfo,
    inner: Inner,
    buf: Vec<f32>,
    warnings: Vec<String>,
    corrupt_packets: usize,
    /// Non-finite samples replaced by 0.
    non_finite: u64,
    /// Samples limited to ±[`MAX_SAMPLE_MAGNITUDE`].
    limited: u64,
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
        Self::open_symphonia(path, Source { inner: source, len })
    }

    fn open_symphonia(path: &Path, file: Source) -> Result<Self> {
        let mss = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let probed = super::guard::catch_third_party(|| {
            symphonia::default::get_probe().probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
        });
        let format = match probed {
            Ok(Ok(format)) => format,
            Ok(Err(e)) => return Err(probe_error(path, e)),
            Err(panic) => {
                return Err(Error::InvalidStream {
                    path: path.to_path_buf(),
                    cause: format!("the demuxer failed on this stream: {}", panic_text(&*panic)),
                });
            }
        };
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

    /// The decoder for a demuxed track: mono/stereo ALAC up to 24 bits by [`AlacDecoder`],
    /// anything else by the registry of
    /// [`super::opus::codecs`] (symphonia's decoders and Opus); with the codec's short name and
    /// the rate and channel count as far as known before decoding (0 if not).
    fn codec_for(
        path: &Path,
        params: &AudioCodecParameters,
        container: &str,
    ) -> Result<(Box<dyn PacketDecoder>, String, u32, usize)> {
        let channels = params.channels.as_ref().map(|c| c.count());
        let alac = (params.codec == CODEC_ID_ALAC)
            .then(|| params.extra_data.as_deref().and_then(AlacConfig::parse))
            .flatten()
            .and_then(AlacDecoder::new);
        if let Some(d) = alac {
            let (rate, ch) = (params.sample_rate.unwrap_or(d.sample_rate()), d.channels());
            return Ok((Box::new(d), "alac".into(), rate, ch));
        }
        let made = super::guard::catch_third_party(|| {
            super::opus::codecs().make_audio_decoder(params, &AudioDecoderOptions::default())
        });
        let decoder = match made {
            Ok(Ok(d)) => d,
            Ok(Err(e)) => {
                return Err(Error::UnsupportedCodec {
                    path: path.to_path_buf(),
                    cause: format!("codec {:?} in a {container} container: {e}", params.codec),
                });
            }
            Err(panic) => {
                return Err(Error::InvalidStream {
                    path: path.to_path_buf(),
                    cause: format!(
                        "the decoder failed on this stream's setup: {}",
                        panic_text(&*panic)
                    ),
                });
            }
        };
        let name = decoder.codec_info().short_name.to_string();
        let (rate, ch) = (params.sample_rate.unwrap_or(0), channels.unwrap_or(0));
        Ok((Box::new(Symphonia(decoder)), name, rate, ch))
    }

    fn with(path: &Path, info: SourceInfo, inner: Inner) -> Self {
        Decoder {
            path: path.to_path_buf(),
            info,
            inner,
            buf: Vec::new(),
            warnings: Vec::new(),
            corrupt_packets: 0,
            non_finite: 0,
            limited: 0,
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
                    codec.as_mut(),
                ),
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
                    let (non_finite, limited) = sanitize(&mut self.buf);
                    self.non_finite += non_finite;
                    self.limited += limited;
                    self.frames_decoded += (self.buf.len() / channels) as u64;
                    return Ok(Some(Chunk {
                        samples: &self.buf,
                        channels,
                        sample_rate: self.info.sample_rate,
                    }));
                }
                Step::Skip => continue,
                Step::Relink => {
                    if !self.relink() {
                        self.finished = true;
                        return Ok(None);
                    }
                }
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
                Step::Panicked(cause) => {
                    self.finished = true;
                    let cause = format!("the stream is undecodable ({cause} failed)");
                    if self.frames_decoded > 0 {
                        self.note(format!("stream truncated: {cause}"));
                        return Ok(None);
                    }
                    return Err(Error::InvalidStream {
                        path: self.path.clone(),
                        cause,
                    });
                }
            }
        }
    }

    /// Continues with the default audio track of a new chained stream, if its rate and channel
    /// count are those of the stream so far; false (with a warning) if not.
    fn relink(&mut self) -> bool {
        let Inner::Demuxed {
            format,
            codec,
            track_id,
        } = &mut self.inner;
        let next = format
            .default_track(TrackType::Audio)
            .and_then(|t| Some((t.id, t.codec_params.as_ref()?.audio()?.clone())));
        let container = self.info.container.clone();
        let made = next.and_then(|(id, params)| {
            let (c, _, rate, ch) = Self::codec_for(&self.path, &params, &container).ok()?;
            Some((id, c, rate, ch))
        });
        match made {
            Some((id, c, rate, ch))
                if (rate == 0 || rate == self.info.sample_rate)
                    && (ch == 0 || ch == self.info.channels) =>
            {
                *codec = c;
                *track_id = id;
                true
            }
            _ => {
                self.note(
                    "a chained stream with other parameters follows; decoding stopped".into(),
                );
                false
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
        let Inner::Demuxed {
            format, track_id, ..
        } = &mut self.inner;
        // The demuxer is third-party code on hostile bytes: a panic ends the count.
        let _ = super::guard::catch_third_party(|| {
            while let Ok(Some(p)) = format.next_packet() {
                if p.track_id == *track_id {
                    frames = frames.saturating_add(p.dur.get());
                }
            }
        });
        self.finished = true;
        frames
    }

    /// Summary warnings, once decoding is over: corrupt packets beyond the first few, and the
    /// counts of non-finite samples replaced by 0 and of samples limited to
    /// ±[`MAX_SAMPLE_MAGNITUDE`] full scale.
    pub fn finish_warnings(&mut self) {
        if self.corrupt_packets > 3 {
            let n = self.corrupt_packets;
            self.note(format!("{n} corrupt packets skipped in total"));
        }
        if self.non_finite > 0 {
            let n = self.non_finite;
            self.warnings.push(format!(
                "{n} non-finite samples (NaN or infinity) replaced by 0"
            ));
        }
        if self.limited > 0 {
            let n = self.limited;
            self.warnings.push(format!(
                "{n} samples beyond ±{MAX_SAMPLE_MAGNITUDE} full scale limited to it"
            ));
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
    /// The demuxer started a new chained stream.
    Relink,
    BadPacket(String),
    Fatal(String),
    /// Third-party code panicked on this stream.
    Panicked(String),
}

/// One packet of a symphonia-demuxed stream, decoded by `codec` into `buf`.
fn symphonia_step(
    format: &mut dyn FormatReader,
    track_id: u32,
    next_pts: &mut Option<i64>,
    buf: &mut Vec<f32>,
    codec: &mut dyn PacketDecoder,
) -> Step {
    // symphonia is third-party code parsing hostile bytes: a panic in it ends this stream as
    // undecodable, where it happens, instead of failing the track as a bug of leitmotif.
    let packet = match super::guard::catch_third_party(|| format.next_packet()) {
        Ok(Ok(Some(p))) => p,
        Ok(Ok(None)) => return Step::End,
        Ok(Err(SymError::IoError(e))) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Step::End;
        }
        Ok(Err(SymError::DecodeError(msg))) => {
            return Step::BadPacket(format!("demuxer: {msg}"));
        }
        // A new chained stream (Ogg): its tracks replace the old ones.
        Ok(Err(SymError::ResetRequired)) => return Step::Relink,
        Ok(Err(e)) => return Step::Fatal(e.to_string()),
        Err(panic) => return Step::Panicked(format!("demuxer: {}", panic_text(&*panic))),
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
    match super::guard::catch_third_party(|| codec.decode(&packet, buf)) {
        Ok(Ok((channels, rate))) => Step::Audio {
            channels,
            rate,
            gap,
        },
        Ok(Err(PacketError::Corrupt(m))) => Step::BadPacket(m.into_owned()),
        Ok(Err(PacketError::Reset)) => Step::Skip,
        Ok(Err(PacketError::Fatal(m))) => Step::Fatal(m),
        Err(panic) => Step::Panicked(format!("decoder: {}", panic_text(&*panic))),
    }
}

/// The message of a caught panic.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// The error of a failed probe. I/O errors that the stream's content provokes (a seek to an
/// absurd offset is `EINVAL`, a length past the end `UnexpectedEof`) are hostile content,
/// not I/O trouble: only other OS errors are [`Error::Io`].
fn probe_error(path: &Path, e: SymError) -> Error {
    let path = path.to_path_buf();
    match e {
        SymError::IoError(io) if is_content_io_error(&io) => Error::InvalidStream {
            path,
            cause: format!("the stream points outside the file ({io})"),
        },
        SymError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::UnsupportedFormat {
                path,
                cause: io.to_string(),
            }
        }
        SymError::IoError(source) => Error::Io { path, source },
        SymError::DecodeError(msg) => Error::InvalidStream {
            path,
            cause: msg.to_string(),
        },
        other => Error::UnsupportedFormat {
            path,
            cause: other.to_string(),
        },
    }
}

/// True for I/O errors a regular file only gives when asked for impossible positions or
/// lengths, i.e. when the bytes being parsed are corrupt or hostile.
fn is_content_io_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(e.kind(), K::InvalidInput | K::InvalidData) || e.raw_os_error() == Some(22) // EINVAL
}

/// Largest sample magnitude passed on, in full scale (±1.0): 64.0 is +36 dB, far above any
/// real master (inter-sample peaks of clipped masters stay below +6 dB) and low enough that
/// the loudness and spectral sums of a whole track stay finite in f32.
pub const MAX_SAMPLE_MAGNITUDE: f32 = 64.0;

/// Replaces non-finite samples by 0 and limits the others to ±[`MAX_SAMPLE_MAGNITUDE`];
/// returns how many of each were changed. One vectorisable pass when nothing needs fixing.
fn sanitize(samples: &mut [f32]) -> (u64, u64) {
    if samples
        .iter()
        .fold(true, |ok, x| ok & (x.abs() <= MAX_SAMPLE_MAGNITUDE))
    {
        return (0, 0);
    }
    let (mut non_finite, mut limited) = (0u64, 0u64);
    for x in samples {
        if !x.is_finite() {
            *x = 0.0;
            non_finite += 1;
        } else if x.abs() > MAX_SAMPLE_MAGNITUDE {
            *x = x.clamp(-MAX_SAMPLE_MAGNITUDE, MAX_SAMPLE_MAGNITUDE);
            limited += 1;
        }
    }
    (non_finite, limited)
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
