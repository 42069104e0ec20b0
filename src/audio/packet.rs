//! The one seam between a demuxed packet and decoded samples: [`PacketDecoder`].
//!
//! Every track symphonia demuxes is decoded by one `PacketDecoder`: symphonia's own decoders
//! (and the registered Opus decoder, [`super::opus`]) through [`Symphonia`], and the own
//! decoders that are bit-identical to symphonia's and measurably faster end to end
//! (docs/decoders.md) directly. Errors are typed ([`PacketError`]), so the caller decides
//! per kind whether to skip the packet, reset, or stop.

use std::borrow::Cow;
use std::fmt;

use symphonia::core::codecs::audio::AudioDecoder;
use symphonia::core::errors::Error as SymError;
use symphonia::core::packet::Packet;

use super::alac::AlacDecoder;

/// Why a packet gave no samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PacketError {
    /// The packet is damaged or inconsistent with the stream: skip it and go on.
    Corrupt(Cow<'static, str>),
    /// The decoder was reset (symphonia's `ResetRequired`): skip the packet and go on.
    Reset,
    /// Nothing more can be decoded from this stream.
    Fatal(String),
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PacketError::Corrupt(m) => write!(f, "{m}"),
            PacketError::Reset => write!(f, "decoder reset"),
            PacketError::Fatal(m) => write!(f, "{m}"),
        }
    }
}

impl PacketError {
    /// A damaged packet, described by a static message.
    pub(crate) const fn corrupt(msg: &'static str) -> Self {
        PacketError::Corrupt(Cow::Borrowed(msg))
    }
}

/// Decodes the packets of one track into interleaved f32 samples.
pub(crate) trait PacketDecoder: Send {
    /// Decodes `packet` into `out` (its previous contents replaced), interleaved; returns the
    /// channel count and sample rate of what was decoded.
    fn decode(&mut self, packet: &Packet, out: &mut Vec<f32>) -> Result<(usize, u32), PacketError>;
}

/// Any decoder from symphonia's registry ([`super::opus::codecs`]).
pub(crate) struct Symphonia(pub Box<dyn AudioDecoder>);

impl PacketDecoder for Symphonia {
    fn decode(&mut self, packet: &Packet, out: &mut Vec<f32>) -> Result<(usize, u32), PacketError> {
        match self.0.decode(packet) {
            Ok(audio) => {
                let spec = audio.spec();
                let (channels, rate) = (spec.channels().count(), spec.rate());
                if channels == 0 {
                    return Err(PacketError::Fatal("decoded audio has 0 channels".into()));
                }
                audio.copy_to_vec_interleaved(out);
                Ok((channels, rate))
            }
            Err(SymError::DecodeError(msg)) => Err(PacketError::corrupt(msg)),
            Err(SymError::IoError(e)) => Err(PacketError::Corrupt(e.to_string().into())),
            Err(SymError::ResetRequired) => {
                self.0.reset();
                Err(PacketError::Reset)
            }
            Err(e) => Err(PacketError::Fatal(e.to_string())),
        }
    }
}

impl PacketDecoder for AlacDecoder {
    fn decode(&mut self, packet: &Packet, out: &mut Vec<f32>) -> Result<(usize, u32), PacketError> {
        AlacDecoder::decode(self, &packet.data, out).map_err(|e| match e {
            PacketError::Corrupt(m) => PacketError::Corrupt(format!("alac: {m}").into()),
            other => other,
        })?;
        Ok((self.channels(), self.sample_rate()))
    }
}
