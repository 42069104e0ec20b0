//! Audio input: decoding (symphonia, with a registered Opus decoder and an own ALAC decoder),
//! downmix to mono, resampling.

pub(crate) mod alac;
mod alac_simd;
mod bits;
pub mod decode;
pub mod downmix;
pub mod guard;
pub mod halve;
pub(crate) mod opus;
mod packet;
pub mod resample;

pub use decode::{Chunk, Decoder, SourceInfo};
pub use resample::Resampler;
