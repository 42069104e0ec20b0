//! Audio input: decoding (symphonia, plus Ogg Opus), downmix to mono, resampling.

pub mod alac;
mod alac_simd;
mod bits;
pub mod decode;
pub mod downmix;
pub mod flac;
pub mod halve;
pub mod opus;
pub mod resample;

pub use decode::{Chunk, Decoder, SourceInfo};
pub use resample::Resampler;
