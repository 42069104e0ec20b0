//! Opus as a symphonia codec: an [`AudioDecoder`] over `unsafe-libopus`.
//!
//! symphonia 0.6 demuxes Ogg Opus (RFC 7845) itself: its Ogg reader checks page CRCs,
//! resynchronises after damage, reassembles packets across pages, hands the `OpusHead` packet
//! over as the codec's extra data and trims the end of the stream from the last page's granule
//! position (`Packet::trim_end`). It has no Opus decoder, so this module supplies one and
//! [`codecs`] registers it next to symphonia's own decoders.
//!
//! `unsafe-libopus` is a c2rust translation of the reference libopus 1.3.1 decoder: plain Rust,
//! no build script, no C compiler, no system library; BSD-3-Clause like libopus.
//!
//! What the decoder does with the `OpusHead` (RFC 7845 §5.1):
//! * skips the first `pre_skip` decoded frames (symphonia leaves the delay to the decoder);
//! * applies the output gain (Q7.8 dB) inside libopus through `OPUS_SET_GAIN`, as ffmpeg's
//!   libopus wrapper does;
//! * maps channels: family 0 gives mono or L,R; family 1 is turned from the Vorbis order into
//!   WAVE/SMPTE order (FL FR FC LFE BL BR SL SR), the order of symphonia's other decoders and
//!   ffmpeg. (symphonia's Ogg reader only recognises families 0 and 1.)
//!
//! Robustness: libopus is called inside `catch_unwind` ([`super::guard`]), so a translated-C
//! arithmetic overflow under debug overflow checks becomes a decode error of that packet, after
//! which the libopus state is rebuilt.

use symphonia::core::audio::{
    AsGenericAudioBufferRef, AudioBuffer, AudioMut, AudioSpec, Channels, GenericAudioBufferRef,
};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::codecs::audio::{
    AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult,
};
use symphonia::core::codecs::registry::{RegisterableAudioDecoder, SupportedAudioCodec};
use symphonia::core::errors::{Error, Result, decode_error, unsupported_error};
use symphonia::core::packet::PacketRef;

/// Opus always decodes to 48 kHz here.
pub(crate) const OPUS_SAMPLE_RATE: u32 = 48_000;
/// 120 ms at 48 kHz, the longest Opus packet.
const MAX_FRAME_SAMPLES: usize = 5760;

/// The `OpusHead` fields the decoder needs.
#[derive(Clone, Debug)]
struct OpusHead {
    channels: usize,
    pre_skip: usize,
    output_gain: i16,
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

/// Parses an `OpusHead` packet (RFC 7845 §5.1).
fn parse_head(p: &[u8]) -> Result<OpusHead> {
    if p.len() < 19 || &p[..8] != b"OpusHead" {
        return decode_error("opus: OpusHead missing or shorter than 19 bytes");
    }
    if p[8] >> 4 != 0 {
        return unsupported_error("opus: Ogg Opus major version above 0");
    }
    let channels = p[9] as usize;
    if channels == 0 {
        return decode_error("opus: OpusHead declares 0 channels");
    }
    let pre_skip = u16::from_le_bytes([p[10], p[11]]) as usize;
    let output_gain = i16::from_le_bytes([p[16], p[17]]);
    let (streams, coupled, mapping) = match p[18] {
        0 if channels <= 2 => (1u8, (channels - 1) as u8, (0..channels as u8).collect()),
        0 => return decode_error("opus: mapping family 0 with more than 2 channels"),
        family @ (1 | 2 | 255) => {
            let Some(table) = p.get(21..21 + channels) else {
                return decode_error("opus: OpusHead channel mapping table truncated");
            };
            let (streams, coupled) = (p[19], p[20]);
            if streams == 0 || coupled > streams || streams as usize + coupled as usize > 255 {
                return decode_error("opus: invalid stream counts in OpusHead");
            }
            let decoded = streams as usize + coupled as usize;
            if table.iter().any(|&m| m != 255 && m as usize >= decoded) {
                return decode_error("opus: channel mapping entry out of range");
            }
            let mapping = match family {
                1 if channels > 8 => {
                    return decode_error("opus: mapping family 1 with more than 8 channels");
                }
                1 => VORBIS_TO_WAVE[channels - 1]
                    .iter()
                    .map(|&i| table[i])
                    .collect(),
                _ => table.to_vec(),
            };
            (streams, coupled, mapping)
        }
        _ => return unsupported_error("opus: channel mapping family other than 0, 1, 2, 255"),
    };
    Ok(OpusHead {
        channels,
        pre_skip,
        output_gain,
        streams,
        coupled,
        mapping,
    })
}

/// An owned libopus multistream decoder.
struct MsDecoder {
    st: *mut unsafe_libopus::OpusMSDecoder,
}

// The decoder state is a heap block owned exclusively by this handle; libopus keeps no
// thread-local or shared mutable state, so moving or sharing it between threads is sound
// (`decode` takes `&mut self`).
unsafe impl Send for MsDecoder {}
unsafe impl Sync for MsDecoder {}

impl MsDecoder {
    fn new(head: &OpusHead) -> Result<Self> {
        let mut err: i32 = 0;
        let st = super::guard::catch_third_party(|| unsafe {
            unsafe_libopus::opus_multistream_decoder_create(
                OPUS_SAMPLE_RATE as i32,
                head.channels as i32,
                head.streams as i32,
                head.coupled as i32,
                head.mapping.as_ptr(),
                &mut err,
            )
        })
        .map_err(|_| Error::DecodeError("opus: libopus panicked creating the decoder"))?;
        if st.is_null() || err != unsafe_libopus::OPUS_OK {
            return decode_error("opus: libopus rejected the channel layout");
        }
        let dec = MsDecoder { st };
        if head.output_gain != 0 {
            let gain = head.output_gain as i32;
            let rc = super::guard::catch_third_party(|| unsafe {
                unsafe_libopus::opus_multistream_decoder_ctl_impl(
                    dec.st,
                    unsafe_libopus::OPUS_SET_GAIN_REQUEST,
                    unsafe_libopus::varargs!(gain),
                )
            })
            .unwrap_or(-1);
            if rc != unsafe_libopus::OPUS_OK {
                return decode_error("opus: libopus rejected the output gain");
            }
        }
        Ok(dec)
    }

    /// Decodes one packet into `pcm` (interleaved, `MAX_FRAME_SAMPLES * channels` long);
    /// returns the number of frames. `Err(true)` when libopus panicked.
    fn decode(&mut self, pkt: &[u8], pcm: &mut [f32]) -> std::result::Result<usize, bool> {
        let len = i32::try_from(pkt.len()).map_err(|_| false)?;
        let st = self.st;
        let rc = super::guard::catch_third_party(|| unsafe {
            unsafe_libopus::opus_multistream_decode_float(
                st,
                pkt.as_ptr(),
                len,
                pcm.as_mut_ptr(),
                MAX_FRAME_SAMPLES as i32,
                0,
            )
        })
        .map_err(|_| true)?;
        if rc < 0 {
            return Err(false);
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

/// Opus decoder for symphonia's registry (see the module docs).
pub(crate) struct OpusDecoder {
    params: AudioCodecParameters,
    head: OpusHead,
    decoder: MsDecoder,
    /// Interleaved libopus output of one packet.
    pcm: Vec<f32>,
    buf: AudioBuffer<f32>,
    /// Frames still to drop from the start of the stream (pre-skip).
    skip: usize,
    gapless: bool,
}

impl OpusDecoder {
    fn try_new(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> Result<Self> {
        if params.codec != CODEC_ID_OPUS {
            return unsupported_error("opus: not an Opus stream");
        }
        let Some(extra) = params.extra_data.as_deref() else {
            return unsupported_error("opus: no OpusHead in the codec parameters");
        };
        let head = parse_head(extra)?;
        let decoder = MsDecoder::new(&head)?;
        let channels = match &params.channels {
            Some(c) if c.count() == head.channels => c.clone(),
            _ => Channels::Discrete(head.channels as u16),
        };
        let mut params = params.clone();
        params
            .with_sample_rate(OPUS_SAMPLE_RATE)
            .with_channels(channels.clone());
        let spec = AudioSpec::new(OPUS_SAMPLE_RATE, channels);
        Ok(OpusDecoder {
            params,
            pcm: vec![0.0; MAX_FRAME_SAMPLES * head.channels],
            buf: AudioBuffer::new(spec, MAX_FRAME_SAMPLES),
            skip: if opts.gapless { head.pre_skip } else { 0 },
            gapless: opts.gapless,
            decoder,
            head,
        })
    }

    fn decode_packet(&mut self, packet: &PacketRef<'_>) -> Result<()> {
        let frames = match self.decoder.decode(packet.data, &mut self.pcm) {
            Ok(n) => n,
            Err(panicked) => {
                if panicked {
                    // State may be inconsistent: start afresh.
                    self.decoder = MsDecoder::new(&self.head)?;
                }
                return decode_error("opus: libopus could not decode the packet");
            }
        };
        let ch = self.head.channels;
        self.buf.render_uninit(Some(frames));
        for c in 0..ch {
            let Some(plane) = self.buf.plane_mut(c) else {
                return decode_error("opus: missing audio plane");
            };
            for (dst, src) in plane[..frames]
                .iter_mut()
                .zip(self.pcm.iter().skip(c).step_by(ch))
            {
                *dst = *src;
            }
        }
        if self.gapless {
            let end = packet.trim_end.get() as usize;
            let start = (packet.trim_start.get() as usize).max(self.skip.min(frames));
            self.skip -= self.skip.min(frames);
            self.buf.trim(start, end);
        }
        Ok(())
    }
}

impl AudioDecoder for OpusDecoder {
    fn reset(&mut self) {
        if let Ok(d) = MsDecoder::new(&self.head) {
            self.decoder = d;
        }
        self.buf.clear();
    }

    fn codec_info(&self) -> &CodecInfo {
        &OPUS_CODECS[0].info
    }

    fn codec_params(&self) -> &AudioCodecParameters {
        &self.params
    }

    fn decode_ref(&mut self, packet: &PacketRef<'_>) -> Result<GenericAudioBufferRef<'_>> {
        self.buf.clear();
        if let Err(e) = self.decode_packet(packet) {
            self.buf.clear();
            return Err(e);
        }
        Ok(self.buf.as_generic_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> GenericAudioBufferRef<'_> {
        self.buf.as_generic_audio_buffer_ref()
    }
}

static OPUS_CODECS: [SupportedAudioCodec; 1] = [SupportedAudioCodec {
    id: CODEC_ID_OPUS,
    info: CodecInfo {
        short_name: "opus",
        long_name: "Opus (libopus 1.3.1 via unsafe-libopus)",
        profiles: &[],
    },
}];

impl RegisterableAudioDecoder for OpusDecoder {
    fn try_registry_new(
        params: &AudioCodecParameters,
        opts: &AudioDecoderOptions,
    ) -> Result<Box<dyn AudioDecoder>> {
        Ok(Box::new(OpusDecoder::try_new(params, opts)?))
    }

    fn supported_codecs() -> &'static [SupportedAudioCodec] {
        &OPUS_CODECS
    }
}

/// symphonia's codec registry with every enabled symphonia decoder plus [`OpusDecoder`], built
/// once.
pub(crate) fn codecs() -> &'static symphonia::core::codecs::registry::CodecRegistry {
    static REGISTRY: std::sync::OnceLock<symphonia::core::codecs::registry::CodecRegistry> =
        std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut r = symphonia::core::codecs::registry::CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut r);
        r.register_audio_decoder::<OpusDecoder>();
        r
    })
}
